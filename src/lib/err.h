/* err.h: the project's one return convention. */
#ifndef MC_ERR_H
#define MC_ERR_H

/*
 * Every fallible function returns 0 on success or one of these negative values.  The web layer
 * maps them to HTTP statuses in one place (http/respond.c).
 */
enum mc_err {
	MC_OK = 0,
	MC_EINVAL = -1,     /* malformed input: 400 / 422 */
	MC_ENOTFOUND = -2,  /* 404 */
	MC_EFORBIDDEN = -3, /* 403 */
	MC_ECONFLICT = -4,  /* 409 */
	MC_ETOOBIG = -5,    /* a size or count limit was exceeded: 413 */
	MC_ENOMEM = -6,     /* allocation failed: 500 */
	MC_EDB = -7,        /* database failure: 500 / 503 */
	MC_EIO = -8,        /* file or socket failure: 500 */
	MC_ELIMIT = -9,     /* rate limit: 429 */
	MC_EUNAVAIL = -10,  /* temporarily unavailable: 503 */
};

/* A short English description of 'err' for logs (never shown to users).  Static storage. */
const char *mc_strerror(int err);

#include <stddef.h>

/* Write a formatted message into err[0..errlen) (nothing when err is NULL or errlen is 0): the
 * one way functions with an 'err' out-parameter describe a failure. */
void mc_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
