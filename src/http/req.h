/* req.h: what a handler sees of a request, and how it answers. */
#ifndef MC_REQ_H
#define MC_REQ_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <jansson.h>

#include "domain/actor.h"
#include "http/cookie.h"
#include "http/form.h"
#include "http/multipart.h"
#include "http/router.h"

struct app;
struct db;
struct server_thread;
struct work_job;

/*
 * One request.  Allocated from the request's pool; lives exactly as long as the h2o request.
 * Handlers use it and nothing else mutable.
 */
struct req {
	h2o_req_t *h2o;
	h2o_mem_pool_t *pool;
	struct server_thread *thread;
	const struct app *app;  /* read-only, shared: templates, static files, settings */
	struct db *db;          /* this thread's connection */
	struct route_match match;
	char id[20];            /* request id, also sent as X-Request-Id */
	struct form *query;     /* parsed on first use */
	struct form *form;      /* urlencoded body, or the plain fields of a multipart body */
	struct multipart *multipart;
	struct work_job *job;   /* the worker-pool job this request waits for, if any */
	struct actor actor;     /* who is asking: anonymous unless a live session came along */
	struct cookie_jar cookies;
	char anon_csrf[TOKEN_LEN + 1]; /* pre-session CSRF nonce (cookie mc_csrf), "" if none yet */
	char client[64];        /* the client's address once asked for (req_client) */
	uint64_t memo_since;    /* db_memo_epoch before the session was read (respond_page_keep) */
	int responded;
};

#define COOKIE_SESSION "mc_session"
#define COOKIE_CSRF "mc_csrf"

/* The raw path of the request, without the query string. */
h2o_iovec_t req_path(const struct req *r);

/*
 * The query string's fields, parsed on first call (NULL-safe: an empty form when there is no
 * query).  MC_EINVAL: malformed or invalid UTF-8; MC_ETOOBIG: over the limits.
 */
int req_query(struct req *r, const struct form **out);

/*
 * The body's fields: application/x-www-form-urlencoded, or multipart/form-data (plain fields in
 * *out, files through req_files).  MC_EINVAL: malformed body, invalid UTF-8, unsupported content
 * type; MC_ETOOBIG: over the limits.
 */
int req_form(struct req *r, const struct form **out);

/* The value of route parameter 'name', percent-decoded, valid UTF-8 and without '/', or NULL. */
const char *req_param(struct req *r, const char *name);

/* The value of request header 'name' (lower case), or NULL; length in *len. */
const char *req_header(const struct req *r, const h2o_token_t *token, size_t *len);

/*
 * Render page template 'tpl' with 'data' (the handler's object; this call takes the reference
 * and adds the shared "site" and "static_version" members) and send it with 'status'.
 * On a rendering failure sends the 500 page instead.
 */
void respond_page(struct req *r, int status, const char *tpl, json_t *data);

/*
 * Kept pages.  A page that depends on nothing but the database, the visitor's session and the
 * URL (no clock, no random value, nothing from other headers) may be kept in the connection's
 * memo (db.h) once rendered, and sent again byte for byte while nothing is committed to the
 * database.  Any commit anywhere, including the session's own once-a-minute touch, drops every
 * kept page, so what is sent is always what rendering it again would give.
 *
 * respond_kept: when this URL's page is kept for this session, send it (same status, same
 * headers) and return 1; otherwise 0 and nothing is sent.  Call it after the route's checks,
 * in place of the handler's reads.
 *
 * respond_page_keep: respond_page, then keep the page for this session and URL when nothing was
 * committed since the session was read (the dispatcher takes r->memo_since then).  Pages of
 * anonymous visitors, and URLs too long for a memo key, are sent but not kept.
 */
int respond_kept(struct req *r);
void respond_page_keep(struct req *r, int status, const char *tpl, json_t *data);

/* Send the fixed Vietnamese error page for 'status' (400, 403, 404, 405, 409, 413, 422, 429, 500,
 * 503; anything else is sent as 500).  Never echoes anything of the request. */
void respond_error(struct req *r, int status);

/* Map a negative mc_err to its status and send that error page. */
void respond_err(struct req *r, int err);

/* Send 'body' (takes the reference) as compact JSON with 'status'. */
void respond_json(struct req *r, int status, json_t *body);

/* Send 'len' bytes of 'body' (which must outlive the request: pool or static memory). */
void respond_bytes(struct req *r, int status, const char *content_type, const char *body,
                   size_t len);

/* Add a response header (name in lower case).  Refuses values holding CR, LF or NUL. */
int respond_header(struct req *r, const char *name, const char *value);

/* Render the error page for 'status' into 'out' (on 'pool'); returns the status actually used
 * (500 for one without a page).  For the server's own use: handlers call respond_error. */
struct buf;
int render_error_page(const struct app *app, h2o_mem_pool_t *pool, int status, struct buf *out);

/* Add the security headers every response carries (server's own use). */
void add_security_headers(struct req *r);

/* Answer with a redirect ('status' 302 or 303) to 'path', which must be one of our own paths
 * (starting with a single '/'); anything else redirects to "/". */
void respond_redirect(struct req *r, int status, const char *path);

/*
 * Set cookie 'name' to 'value' for the whole site: HttpOnly, SameSite=Lax, Secure when the
 * portal's base URL is https.  max_age_s < 0: a session cookie; 0: delete it.
 */
void respond_cookie(struct req *r, const char *name, const char *value, long max_age_s);

/* The CSRF token to put in this visitor's forms: the session's, or for an anonymous visitor one
 * signed from its pre-session cookie (set here when missing). */
const char *req_csrf_token(struct req *r);

/* Whether 'token' (a form's csrf_token) is right for this visitor.  1 or 0. */
int req_csrf_valid(struct req *r, const char *token);

/* The client's address as text (for rate limits), looked up on first use. */
const char *req_client(struct req *r);

/* Status code for an mc_err. */
int http_status_for(int err);

#endif
