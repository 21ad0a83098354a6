/* router.h: match a method and a raw path against the route table. */
#ifndef MC_ROUTER_H
#define MC_ROUTER_H

#include <stddef.h>

struct req;

/* Who may call a route.  The domain checks again on every call; this is the first gate. */
enum who {
	WHO_ANYONE = 0,  /* no login needed */
	WHO_USER,        /* any logged-in account */
	WHO_CITIZEN,     /* citizen or business account */
	WHO_STAFF,       /* any agency staff member */
	WHO_ADMIN,       /* agency or system administrator */
};

/* A handler responds (or hands the request to the worker pool) and returns 0, or returns a
 * negative mc_err without responding, and the caller sends the matching error page. */
typedef int (*route_handler)(struct req *r);

/*
 * One row of the route table.  'pattern' is a path of literal segments and '{name}' segments,
 * each matching one non-empty segment; a final '{name*}' matches the rest of the path (one or
 * more segments).  'max_body' is the largest request body the route accepts (0: none).
 */
struct route {
	const char *method;
	const char *pattern;
	route_handler handler;
	enum who who;
	size_t max_body;
	unsigned flags;
};

/* Route flags.  ROUTE_NO_CSRF exists for the test harness only: motcua's own table never uses it
 * (a unit test checks), so every POST of the portal needs its CSRF token. */
#define ROUTE_NO_CSRF 1u

#define ROUTE_MAX_PARAMS 4

struct route_param {
	const char *name; /* points into the pattern, not NUL-terminated */
	size_t name_len;
	const char *value; /* raw (still percent-encoded), points into the path */
	size_t value_len;
};

struct route_match {
	const struct route *route;
	size_t nparams;
	struct route_param params[ROUTE_MAX_PARAMS];
};

enum router_result {
	ROUTER_FOUND = 0,
	ROUTER_NO_PATH = 1,   /* 404 */
	ROUTER_NO_METHOD = 2, /* 405: the path exists for other methods, listed in 'allow' */
};

/*
 * Find the first route of 'table' (n rows) for 'method' and 'path' (the path without its query).
 * HEAD matches GET routes.  On ROUTER_NO_METHOD, 'allow' (allowlen bytes) receives the
 * comma-separated methods the path accepts.  Paths holding "." or ".." segments, empty segments
 * or a NUL never match.
 */
enum router_result router_match(const struct route *table, size_t n, const char *method,
                                size_t method_len, const char *path, size_t path_len,
                                struct route_match *m, char *allow, size_t allowlen);

/* The raw value of parameter 'name' in 'm', or NULL (length in *len). */
const char *router_param(const struct route_match *m, const char *name, size_t *len);

#endif
