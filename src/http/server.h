/* server.h: the HTTP server: one h2o event loop per thread, SO_REUSEPORT listeners. */
#ifndef MC_SERVER_H
#define MC_SERVER_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <jansson.h>
#include <stdint.h>

#include "domain/account.h"
#include "http/router.h"
#include "lib/clock.h"

struct cfg;
struct db;
struct static_files;
struct tpl_set;
struct work_pool;
struct mail_sender;
struct filestore;

/* What every thread shares, read-only once the server runs. */
struct app {
	const struct cfg *cfg;
	struct tpl_set *templates;
	struct static_files *statics;
	json_t *site;             /* the portal's public identity (site_settings), for layouts */
	const struct route *routes;
	size_t nroutes;
	struct work_pool *workers;     /* CPU-heavy jobs (work_submit) */
	struct work_pool *io_workers;  /* disk-bound jobs (work_submit_io) */
	struct clock clock;            /* the time every rule sees (--clock-offset) */
	unsigned char key[32];         /* server secret: signs anonymous CSRF tokens */
	int secure_cookies;            /* base URL is https */
	struct account_env accounts;   /* what the accounts module needs */
	struct mail_sender *mail;      /* the delivery thread */
	struct filestore *files;       /* dossier attachments, <data>/files */
};

/* One event-loop thread.  h2o's context comes first so a connection's context leads here. */
struct server_thread {
	h2o_context_t ctx;
	struct server *server;
	unsigned index;
	pthread_t tid;
	int listen_fd;
	h2o_socket_t *listener;
	h2o_accept_ctx_t accept_ctx;
	h2o_multithread_queue_t *queue;
	h2o_multithread_receiver_t control;  /* shutdown requests */
	h2o_multithread_receiver_t finished; /* worker pool completions */
	struct db *db;
	size_t inflight;
	uint64_t seq;
	int stopping;
	uint64_t stop_deadline_ms;
	char logbuf[16384];
	size_t loglen;
};

/*
 * Bind the listeners, start cfg->threads event-loop threads and serve until SIGTERM or SIGINT.
 * Then stop accepting, let requests in flight finish (at most LIMIT_SHUTDOWN_SECONDS) and
 * return 0.  MC_EIO: cannot listen (reason printed); MC_EDB: a thread cannot open the database.
 */
int server_run(struct app *app);

#endif
