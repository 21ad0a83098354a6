/* server.c: h2o glue: listeners, event-loop threads, dispatch, access log, graceful shutdown. */
#include "http/server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "http/req.h"
#include "http/work.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/token.h"
#include "lib/utf8.h"
#include "domain/session.h"
#include "limit.h"
#include "store/db.h"

struct server {
	struct app *app;
	h2o_globalconf_t globalconf;
	struct server_thread *threads;
	unsigned nthreads;
	uint32_t id_prefix;
	int stop; /* set once by the main thread; read with __atomic by the loops */
	pthread_mutex_t log_lock;
	sem_t ready; /* posted by each loop once its receivers are registered */
	sem_t go;    /* posted once per loop after the ready line: only then it accepts */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- access log: one JSON line per request, buffered per thread, flushed every loop turn ---- */

static void log_flush(struct server_thread *t)
{
	size_t off = 0;

	if (t->loglen == 0)
		return;
	pthread_mutex_lock(&t->server->log_lock);
	while (off < t->loglen) {
		ssize_t n = write(STDOUT_FILENO, t->logbuf + off, t->loglen - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* stdout gone: drop the log rather than stall the loop */
		off += (size_t)n;
	}
	pthread_mutex_unlock(&t->server->log_lock);
	t->loglen = 0;
}

/* Append s[0..len) as the inside of a JSON string: escapes quotes, backslashes, controls and,
 * when the bytes are not valid UTF-8, every byte above 0x7f. */
static size_t json_escape_into(char *dst, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	int valid = utf8_valid(s, len);
	size_t o = 0;

	for (size_t i = 0; i < len && o + 6 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !valid)) {
			memcpy(dst + o, "\\u00", 4);
			dst[o + 4] = hex[c >> 4];
			dst[o + 5] = hex[c & 15];
			o += 6;
		} else {
			dst[o++] = (char)c;
		}
	}
	return o;
}

static void log_request(struct server_thread *t, struct req *r)
{
	h2o_req_t *h = r->h2o;
	struct timeval now;
	struct tm tm;
	char line[1024], method[40], path[600];
	size_t mlen, plen;
	h2o_iovec_t p = req_path(r);
	int64_t us;
	int n;

	gettimeofday(&now, NULL);
	gmtime_r(&now.tv_sec, &tm);
	us = (int64_t)(now.tv_sec - h->timestamps.request_begin_at.tv_sec) * 1000000 +
	     (now.tv_usec - h->timestamps.request_begin_at.tv_usec);
	mlen = json_escape_into(method, sizeof(method), h->method.base, h->method.len);
	plen = json_escape_into(path, sizeof(path), p.base, p.len > 512 ? 512 : p.len);
	n = snprintf(line, sizeof(line),
	             "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\",\"id\":\"%s\",\"method\":\"%.*s\","
	             "\"path\":\"%.*s\",\"status\":%d,\"bytes\":%zu,\"us\":%lld}\n",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	             (int)(now.tv_usec / 1000), r->id, (int)mlen, method, (int)plen, path,
	             h->res.status, h->bytes_sent, (long long)(us < 0 ? 0 : us));
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (t->loglen + (size_t)n > sizeof(t->logbuf))
		log_flush(t);
	memcpy(t->logbuf + t->loglen, line, (size_t)n);
	t->loglen += (size_t)n;
}

/* ---- requests ---- */

/* Runs when the request's pool is cleared: the response is complete or the client went away. */
static void on_req_dispose(void *p)
{
	struct req *r = p;
	struct server_thread *t = r->thread;

	if (r->job != NULL)
		work_detach(r);
	log_request(t, r);
	t->inflight--;
}

/*
 * Who is asking: the pre-session CSRF cookie and, when a session cookie came along, the
 * session's account.  A stale or unknown session simply leaves the visitor
 * anonymous.  MC_EDB when the database fails.
 */
static int load_visitor(struct req *r)
{
	h2o_req_t *h = r->h2o;
	const char *v;
	ssize_t i = -1;
	int rc;

	while ((i = h2o_find_header(&h->headers, H2O_TOKEN_COOKIE, i)) >= 0)
		if (cookie_parse(r->pool, h->headers.entries[i].value.base,
		                 h->headers.entries[i].value.len, &r->cookies) != 0)
			break; /* too many or too long: use what was read */
	if ((v = cookie_get(&r->cookies, COOKIE_CSRF)) != NULL && token_valid_shape(v))
		snprintf(r->anon_csrf, sizeof(r->anon_csrf), "%s", v);
	if ((v = cookie_get(&r->cookies, COOKIE_SESSION)) != NULL) {
		/* Before the session is read: a page kept for it must not predate a commit. */
		r->memo_since = db_memo_epoch(r->db);
		rc = session_lookup(r->db, v, clock_now_ms(&r->app->clock), &r->actor);
		if (rc == MC_ENOTFOUND)
			memset(&r->actor, 0, sizeof(r->actor));
		else if (rc != 0)
			return rc;
	}
	return 0;
}

/* Whether a logged-in 'actor' may call a route meant for 'who' (the first gate; the domain checks
 * again on every call). */
static int who_allows(enum who who, const struct actor *actor)
{
	switch (who) {
	case WHO_ANYONE:
	case WHO_USER:
		return 1;
	case WHO_CITIZEN:
		return actor->role == ROLE_CITIZEN;
	case WHO_STAFF:
		return actor->role == ROLE_STAFF;
	case WHO_ADMIN:
		return actor_is_admin(actor);
	}
	return 0;
}

static int method_known(const h2o_req_t *h)
{
	return h2o_memis(h->method.base, h->method.len, H2O_STRLIT("GET")) ||
	       h2o_memis(h->method.base, h->method.len, H2O_STRLIT("HEAD")) ||
	       h2o_memis(h->method.base, h->method.len, H2O_STRLIT("POST"));
}

static void dispatch(struct req *r)
{
	const struct app *app = r->app;
	h2o_req_t *h = r->h2o;
	h2o_iovec_t path = req_path(r);
	char allow[64];
	const struct route *rt;
	int rc;

	/* Request framing (RFC 9112 §6).  h2o 2.2.5 frames a body by the first of several
	 * Content-Length headers, and keeps the connection open after a request that had both
	 * Transfer-Encoding and Content-Length; it drops both headers before we can see them.  So
	 * a connection that carried a body is closed after the answer: bytes a client smuggled
	 * behind a body are never read as a request.  Browsers post forms rarely enough that the
	 * extra handshake costs nothing noticeable. */
	if (h->entity.base != NULL)
		h->http1_is_persistent = 0;
	switch (router_match(app->routes, app->nroutes, h->method.base, h->method.len, path.base,
	                     path.len, &r->match, allow, sizeof(allow))) {
	case ROUTER_NO_PATH:
		if (!method_known(h)) {
			/* A method no route of ours uses is refused whatever the path. */
			respond_header(r, "allow", "GET, HEAD, POST");
			respond_error(r, 405);
			return;
		}
		respond_error(r, 404);
		return;
	case ROUTER_NO_METHOD:
		/* RFC 9110: Allow lists what the resource supports; HEAD goes with GET. */
		if (strstr(allow, "GET") != NULL && strlen(allow) + 7 < sizeof(allow))
			strcat(allow, ", HEAD");
		respond_header(r, "allow", allow);
		respond_error(r, 405);
		return;
	case ROUTER_FOUND:
		break;
	}
	rt = r->match.route;
	if (h->entity.base != NULL && h->entity.len > rt->max_body) {
		respond_error(r, rt->max_body == 0 ? 400 : 413);
		return;
	}
	/* Declared input is decoded and validated before any handler runs: a malformed query or
	 * body, or text that is not UTF-8, never reaches the page code. */
	if (h->query_at != SIZE_MAX) {
		const struct form *q;
		if ((rc = req_query(r, &q)) != 0) {
			respond_error(r, 400);
			return;
		}
	}
	if (rt->max_body > 0) {
		const struct form *f;
		if ((rc = req_form(r, &f)) != 0) {
			respond_err(r, rc);
			return;
		}
	}
	if ((rc = load_visitor(r)) != 0) {
		respond_err(r, rc);
		return;
	}
	if (rt->who != WHO_ANYONE && r->actor.role == ROLE_ANONYMOUS) {
		/* A page for logged-in visitors: to the login page, or refused for a form post. */
		if (h2o_memis(h->method.base, h->method.len, H2O_STRLIT("POST")))
			respond_error(r, 403);
		else
			respond_redirect(r, 303, "/login");
		return;
	}
	if (!who_allows(rt->who, &r->actor)) {
		respond_error(r, 403);
		return;
	}
	if (h2o_memis(h->method.base, h->method.len, H2O_STRLIT("POST")) &&
	    !(rt->flags & ROUTE_NO_CSRF)) {
		const struct form *f;
		if (req_form(r, &f) != 0 || !req_csrf_valid(r, form_get(f, "csrf_token"))) {
			respond_error(r, 403);
			return;
		}
	}
	rc = rt->handler(r);
	if (rc < 0 && !r->responded)
		respond_err(r, rc);
}

/* Our request object for h2o's request 'h', counted in flight until h2o disposes of it. */
static struct req *make_req(struct server_thread *t, h2o_req_t *h)
{
	struct req *r = h2o_mem_alloc_shared(&h->pool, sizeof(*r), on_req_dispose);
	uint64_t seq = ++t->seq;

	memset(r, 0, sizeof(*r));
	r->h2o = h;
	r->pool = &h->pool;
	r->thread = t;
	r->app = t->server->app;
	r->db = t->db;
	snprintf(r->id, sizeof(r->id), "%08x%02x%06llx", t->server->id_prefix, t->index & 0xff,
	         (unsigned long long)(seq & 0xffffff));
	t->inflight++;
	return r;
}

static int on_req(h2o_handler_t *self, h2o_req_t *h)
{
	(void)self;
	dispatch(make_req((struct server_thread *)h->conn->ctx, h));
	return 0;
}

/*
 * h2o answers some requests itself before they reach on_req: a malformed request line or
 * header (400), a body over max_request_entity_size (413), a broken chunked body (400).  Those
 * responses pass through the host's fallback path, where this filter swaps h2o's English text
 * for our Vietnamese error page, with the same headers as every other response.
 */
struct error_ostream {
	h2o_ostream_t super;
	h2o_iovec_t body;
};

static void error_do_send(h2o_ostream_t *self, h2o_req_t *h, h2o_iovec_t *bufs, size_t bufcnt,
                          h2o_send_state_t state)
{
	struct error_ostream *o = (struct error_ostream *)self;

	(void)bufs;
	(void)bufcnt;
	if (state == H2O_SEND_STATE_IN_PROGRESS)
		h2o_ostream_send_next(&o->super, h, NULL, 0, state);
	else
		h2o_ostream_send_next(&o->super, h, &o->body, o->body.len ? 1 : 0, state);
}

static void error_setup_ostream(h2o_filter_t *self, h2o_req_t *h, h2o_ostream_t **slot)
{
	struct server_thread *t = (struct server_thread *)h->conn->ctx;
	struct error_ostream *o;
	struct req *r;
	struct buf page;
	ssize_t i;

	(void)self;
	if (h->res.status < 400) {
		h2o_setup_next_ostream(h, slot);
		return;
	}
	r = make_req(t, h);
	r->responded = 1;
	render_error_page(r->app, r->pool, h->res.status, &page);
	while ((i = h2o_find_header(&h->res.headers, H2O_TOKEN_CONTENT_TYPE, -1)) >= 0)
		h2o_delete_header(&h->res.headers, i);
	h2o_add_header(r->pool, &h->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
	               H2O_STRLIT("text/html; charset=utf-8"));
	h2o_add_header(r->pool, &h->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
	               H2O_STRLIT("no-store"));
	add_security_headers(r);
	o = (struct error_ostream *)h2o_add_ostream(h, sizeof(*o), slot);
	o->super.do_send = error_do_send;
	o->body = h2o_iovec_init(page.data, page.len);
	if (h2o_memis(h->input.method.base, h->input.method.len, H2O_STRLIT("HEAD")))
		o->body.len = 0;
	h->res.content_length = page.len;
	h2o_setup_next_ostream(h, &o->super.next);
}

/* ---- listeners and loops ---- */

static int open_listener(const struct cfg *c, int *out)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	int fd = -1, on = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", c->listen_port);
	rc = getaddrinfo(c->listen_host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "motcua: cannot resolve --listen %s: %s\n", c->listen, gai_strerror(rc));
		return MC_EIO;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
		fprintf(stderr, "motcua: cannot listen on %s: %s\n", c->listen, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return MC_EIO;
	}
	freeaddrinfo(res);
	*out = fd;
	return 0;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
	struct server_thread *t = listener->data;

	if (err != NULL)
		return;
	for (int i = 0; i < 16; i++) {
		h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
		if (sock == NULL)
			return;
		h2o_accept(&t->accept_ctx, sock);
	}
}

static void on_control(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
	(void)receiver;
	(void)messages; /* the wake-up itself is the message: the loop checks server->stop */
}

static void begin_stop(struct server_thread *t)
{
	t->stopping = 1;
	t->stop_deadline_ms = now_ms() + LIMIT_SHUTDOWN_SECONDS * 1000u;
	if (t->listener != NULL) {
		h2o_socket_read_stop(t->listener);
		h2o_socket_close(t->listener);
		t->listener = NULL;
	}
	h2o_context_request_shutdown(&t->ctx);
}

/*
 * Set up the loop on its own thread: h2o's sockets (the worker pool's queue, the listener) take
 * their buffers from the creating thread's allocator, so a loop built by the main thread would
 * share the main thread's allocator with every other loop, without a lock.
 */
static void thread_setup(struct server_thread *t)
{
	h2o_context_init(&t->ctx, h2o_evloop_create(), &t->server->globalconf);
	t->accept_ctx.ctx = &t->ctx;
	t->accept_ctx.hosts = t->server->globalconf.hosts;
	t->queue = h2o_multithread_create_queue(t->ctx.loop);
	h2o_multithread_register_receiver(t->queue, &t->control, on_control);
	h2o_multithread_register_receiver(t->queue, &t->finished, work_on_finished);
	t->listener = h2o_evloop_socket_create(t->ctx.loop, t->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
	t->listener->data = t;
	h2o_socket_read_start(t->listener, on_accept);
}

static void *thread_main(void *arg)
{
	struct server_thread *t = arg;
	h2o_evloop_t *loop;

	thread_setup(t);
	loop = t->ctx.loop;
	sem_post(&t->server->ready);
	/* Connections wait in the backlog until every loop is up and the ready line is out,
	 * so no access-log line ever precedes it. */
	while (sem_wait(&t->server->go) != 0)
		;
	for (;;) {
		h2o_evloop_run(loop, t->stopping ? 10 : INT32_MAX);
		log_flush(t);
		if (!t->stopping && __atomic_load_n(&t->server->stop, __ATOMIC_ACQUIRE))
			begin_stop(t);
		if (t->stopping && (t->inflight == 0 || now_ms() >= t->stop_deadline_ms))
			break;
	}
	log_flush(t);
	return NULL;
}

static int thread_init(struct server *s, struct server_thread *t, unsigned index)
{
	char err[256];

	memset(t, 0, sizeof(*t));
	t->server = s;
	t->index = index;
	t->listen_fd = -1;
	if (db_open(s->app->cfg->database, &t->db, err, sizeof(err)) != 0) {
		fprintf(stderr, "motcua: cannot open the database: %s\n", err);
		return MC_EDB;
	}
	if (open_listener(s->app->cfg, &t->listen_fd) != 0)
		return MC_EIO;
	/* The loop itself is set up by its thread (thread_setup). */
	return 0;
}

static void thread_dispose(struct server_thread *t)
{
	db_close(t->db);
	t->db = NULL;
}

int server_run(struct app *app)
{
	struct server s;
	h2o_hostconf_t *host;
	h2o_pathconf_t *pathconf;
	h2o_handler_t *handler;
	sigset_t sigs;
	unsigned started = 0;
	int rc = 0, sig;

	memset(&s, 0, sizeof(s));
	s.app = app;
	s.nthreads = app->cfg->threads;
	pthread_mutex_init(&s.log_lock, NULL);
	sem_init(&s.ready, 0, 0);
	sem_init(&s.go, 0, 0);
	if (getrandom(&s.id_prefix, sizeof(s.id_prefix), 0) != sizeof(s.id_prefix))
		s.id_prefix = (uint32_t)time(NULL) ^ (uint32_t)getpid();

	/* Signals are taken by the main thread only, with sigwait. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	h2o_config_init(&s.globalconf);
	s.globalconf.server_name = h2o_iovec_init(H2O_STRLIT("motcua"));
	s.globalconf.max_request_entity_size = LIMIT_BODY_BYTES;
	host = h2o_config_register_host(&s.globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	pathconf = h2o_config_register_path(host, "/", 0);
	handler = h2o_create_handler(pathconf, sizeof(*handler));
	handler->on_req = on_req;
	h2o_create_filter(&host->fallback_path, sizeof(h2o_filter_t))->on_setup_ostream =
	    error_setup_ostream;

	s.threads = calloc(s.nthreads, sizeof(*s.threads));
	if (s.threads == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < s.nthreads; i++) {
		rc = thread_init(&s, &s.threads[i], i);
		if (rc != 0) {
			thread_dispose(&s.threads[i]);
			if (s.threads[i].listen_fd >= 0)
				close(s.threads[i].listen_fd);
			goto out;
		}
		started = i + 1;
	}
	for (unsigned i = 0; i < s.nthreads; i++) {
		if (pthread_create(&s.threads[i].tid, NULL, thread_main, &s.threads[i]) != 0) {
			fprintf(stderr, "motcua: cannot start thread %u\n", i);
			rc = MC_ENOMEM;
			started = i;
			goto stop;
		}
		/* Its receivers must exist before anyone sends it a message (the stop below). */
		while (sem_wait(&s.ready) != 0)
			;
	}
	printf("motcua: serving %s on http://%s (%u threads)\n", app->cfg->base_url, app->cfg->listen,
	       s.nthreads);
	fflush(stdout);
	for (unsigned i = 0; i < s.nthreads; i++)
		sem_post(&s.go);
	do {
		if (sigwait(&sigs, &sig) != 0)
			sig = SIGTERM;
	} while (sig != SIGTERM && sig != SIGINT);
	fprintf(stderr, "motcua: %s received, finishing requests in flight\n",
	        sig == SIGTERM ? "SIGTERM" : "SIGINT");
	started = s.nthreads;
stop:
	if (started < s.nthreads) /* the ready line was never printed: release those that started */
		for (unsigned i = 0; i < started; i++)
			sem_post(&s.go);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < started; i++)
		h2o_multithread_send_message(&s.threads[i].control, NULL);
	for (unsigned i = 0; i < started; i++)
		pthread_join(s.threads[i].tid, NULL);
	fprintf(stderr, "motcua: stopped\n");
out:
	if (s.threads != NULL)
		for (unsigned i = 0; i < started; i++)
			thread_dispose(&s.threads[i]);
	free(s.threads);
	sem_destroy(&s.ready);
	sem_destroy(&s.go);
	return rc;
}
