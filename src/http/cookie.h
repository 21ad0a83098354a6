/* cookie.h: the Cookie request header (RFC 6265 §5.4 / §4.2.1). */
#ifndef MC_COOKIE_H
#define MC_COOKIE_H

#define H2O_USE_LIBUV 0
#include <stddef.h>
#include <h2o/memory.h>

struct cookie {
	const char *name;  /* NUL-terminated, a valid RFC 6265 token */
	const char *value; /* NUL-terminated, surrounding DQUOTEs removed, never percent-decoded */
};

struct cookie_jar {
	struct cookie *cookies;
	size_t count;
};

/*
 * Parse one Cookie header value: pairs 'name=value' separated by ';' with optional spaces.
 * Pairs with an invalid name, a missing '=', or a value with characters outside RFC 6265's
 * cookie-octet are skipped, not fatal (browsers send odd cookies from other software on the
 * same host).  Spaces and tabs around a pair and around its '=' are tolerated.  Several headers
 * can be parsed into the same jar (start it as { NULL, 0 }) one after another; pairs keep their
 * order and duplicates are kept.  MC_ETOOBIG: header over LIMIT_COOKIE_HEADER_BYTES or more than
 * LIMIT_COOKIES valid pairs in the jar; the jar is then left unchanged.  Memory from 'pool'.
 */
int cookie_parse(h2o_mem_pool_t *pool, const char *header, size_t len, struct cookie_jar *jar);

/* The value of the first cookie called 'name', or NULL. */
const char *cookie_get(const struct cookie_jar *jar, const char *name);

#endif
