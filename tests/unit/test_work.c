/* test_work.c: unit tests for http/work, the worker pool, on a bare h2o event loop (no server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <h2o/version.h>

#include "domain/dossier.h"
#include "domain/filestore.h"
#include "http/req.h"
#include "http/server.h"
#include "http/work.h"
#include "lib/err.h"
#include "limit.h"
#include "tmpdir.h"
#include "web/dossier_view.h"

#define WORKERS 4
#define WAIT_MS 20000 /* give up on a condition after this long (valgrind is slow) */

/* A gate the job functions wait at, so a test decides when the workers may go on. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int open;
	unsigned waiting; /* functions that reached the gate */
};

/* What the callbacks saw.  Touched by workers (atomics only) and by the loop thread. */
struct tally {
	const struct env *env;
	struct gate *gate;    /* NULL: functions do not wait */
	unsigned fn_runs;     /* atomic */
	unsigned fn_on_loop;  /* atomic: functions that ran on the loop thread (must stay 0) */
	unsigned done_calls;
	unsigned done_bad;    /* done with the wrong request, off the loop thread, or before fn */
	unsigned free_calls;
	unsigned free_bad;    /* arg_free before done (when done was expected) or twice */
	unsigned chain_left;  /* test_chain: jobs 'done' still has to submit */
};

/* The loop thread's world: what the server sets up for each event-loop thread. */
struct env {
	h2o_evloop_t *loop;
	struct server_thread *thread;
	struct app app;
	pthread_t loop_tid;
	struct gate gate;   /* opened by teardown, so a failed test does not leave workers waiting */
	struct tally tally;
};

struct job_arg {
	struct tally *tally;
	struct req *req;   /* the request the job was submitted for */
	int fn_ran;        /* set by the worker; read on the loop after the message */
	pthread_t fn_tid;
	int done_seen;
	int expect_done;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void gate_init(struct gate *g)
{
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->open = 0;
	g->waiting = 0;
}

static void gate_destroy(struct gate *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
}

static void gate_pass(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->waiting++;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = 1;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/* Wait until 'n' functions are held at the gate.  0 on success, -1 on timeout. */
static int gate_wait_for(struct gate *g, unsigned n)
{
	uint64_t end = now_ms() + WAIT_MS;
	int rc = 0;

	pthread_mutex_lock(&g->lock);
	while (g->waiting < n) {
		struct timespec ts;

		if (now_ms() > end) {
			rc = -1;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&g->cond, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return rc;
}

static unsigned load(const unsigned *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* ---- the job's callbacks ---- */

static void job_fn(void *p)
{
	struct job_arg *a = p;
	struct tally *t = a->tally;

	a->fn_tid = pthread_self();
	if (pthread_equal(a->fn_tid, t->env->loop_tid))
		__atomic_add_fetch(&t->fn_on_loop, 1, __ATOMIC_ACQ_REL);
	if (t->gate != NULL)
		gate_pass(t->gate);
	a->fn_ran = 1;
	__atomic_add_fetch(&t->fn_runs, 1, __ATOMIC_ACQ_REL);
}

static void job_done(struct req *r, void *p)
{
	struct job_arg *a = p;
	struct tally *t = a->tally;

	t->done_calls++;
	if (r != a->req || !pthread_equal(pthread_self(), t->env->loop_tid) || !a->fn_ran ||
	    a->done_seen || !a->expect_done || r->job != NULL)
		t->done_bad++;
	a->done_seen = 1;
}

static void job_free(void *p)
{
	struct job_arg *a = p;
	struct tally *t = a->tally;

	t->free_calls++;
	if (!pthread_equal(pthread_self(), t->env->loop_tid) || !a->fn_ran ||
	    a->done_seen != a->expect_done)
		t->free_bad++;
	memset(a, 0xa5, sizeof(*a)); /* a second free would now see garbage (and ASan the double free) */
	free(a);
}

static struct job_arg *job_new(struct tally *t, struct req *r)
{
	struct job_arg *a = calloc(1, sizeof(*a));

	assert_non_null(a);
	a->tally = t;
	a->req = r;
	a->expect_done = 1;
	return a;
}

static void req_init(struct env *e, struct req *r)
{
	memset(r, 0, sizeof(*r));
	r->thread = e->thread;
	r->app = &e->app;
}

/* Run the loop until *counter reaches n.  0 on success, -1 on timeout. */
static int run_until(struct env *e, const unsigned *counter, unsigned n)
{
	uint64_t end = now_ms() + WAIT_MS;

	while (*counter < n) {
		if (now_ms() > end)
			return -1;
		h2o_evloop_run(e->loop, 100);
	}
	return 0;
}

/* ---- fixture ---- */

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return -1;
	e->loop_tid = pthread_self();
	e->tally.env = e;
	gate_init(&e->gate);
	e->loop = h2o_evloop_create();
	e->thread = calloc(1, sizeof(*e->thread));
	if (e->loop == NULL || e->thread == NULL)
		return -1;
	e->thread->ctx.loop = e->loop;
	e->thread->queue = h2o_multithread_create_queue(e->loop);
	h2o_multithread_register_receiver(e->thread->queue, &e->thread->finished, work_on_finished);
	e->app.workers = work_pool_new(WORKERS);
	if (e->app.workers == NULL)
		return -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	uint64_t end;

	gate_open(&e->gate);
	work_pool_free(e->app.workers); /* every job has run; their messages may still be queued */
	e->app.workers = NULL;
	end = now_ms() + WAIT_MS;
	while (!h2o_linklist_is_empty(&e->thread->finished._messages) && now_ms() < end)
		h2o_evloop_run(e->loop, 10);
	h2o_multithread_unregister_receiver(e->thread->queue, &e->thread->finished);
	h2o_multithread_destroy_queue(e->thread->queue);
#if H2O_VERSION_MAJOR == 2 && H2O_VERSION_MINOR <= 2
	/* libh2o 2.2.x closes the queue's socket but never frees the queue itself (later releases
	 * do); it came from h2o_mem_alloc, which is malloc. */
	free(e->thread->queue);
#endif
	h2o_evloop_run(e->loop, 0); /* frees the queue's socket, closed above */
	h2o_evloop_destroy(e->loop);
	gate_destroy(&e->gate);
	free(e->thread);
	free(e);
	return 0;
}

/* ---- tests ---- */

static void test_one_job(void **state)
{
	struct env *e = *state;
	struct tally *t = &e->tally;
	struct req r;
	struct job_arg *a;
	uint64_t end;

	req_init(e, &r);
	a = job_new(t, &r);
	assert_int_equal(work_submit(&r, job_fn, job_done, a, job_free), 0);
	assert_non_null(r.job);

	/* The function runs on a worker even though the loop is not running... */
	end = now_ms() + WAIT_MS;
	while (load(&t->fn_runs) < 1 && now_ms() < end)
		sleep_ms(1);
	assert_int_equal(load(&t->fn_runs), 1);
	assert_int_equal(load(&t->fn_on_loop), 0);
	sleep_ms(20);
	/* ...but 'done' and 'arg_free' wait for the loop. */
	assert_int_equal(t->done_calls, 0);
	assert_int_equal(t->free_calls, 0);
	assert_non_null(r.job);

	assert_int_equal(run_until(e, &t->free_calls, 1), 0);
	assert_int_equal(t->done_calls, 1);
	assert_int_equal(t->done_bad, 0);
	assert_int_equal(t->free_calls, 1);
	assert_int_equal(t->free_bad, 0);
	assert_null(r.job);

	/* Nothing more arrives. */
	for (int i = 0; i < 3; i++)
		h2o_evloop_run(e->loop, 10);
	assert_int_equal(t->done_calls, 1);
	assert_int_equal(t->free_calls, 1);

	/* The request may start its next job now. */
	a = job_new(t, &r);
	assert_int_equal(work_submit(&r, job_fn, job_done, a, job_free), 0);
	assert_int_equal(run_until(e, &t->free_calls, 2), 0);
	assert_int_equal(t->done_calls, 2);
	assert_int_equal(t->done_bad + t->free_bad + load(&t->fn_on_loop), 0);
}

static void test_no_arg_free(void **state)
{
	struct env *e = *state;
	struct tally *t = &e->tally;
	struct req r;
	struct job_arg a = { .tally = t, .req = &r, .expect_done = 1 };

	/* arg_free may be NULL: the caller keeps the argument. */
	req_init(e, &r);
	assert_int_equal(work_submit(&r, job_fn, job_done, &a, NULL), 0);
	assert_int_equal(run_until(e, &t->done_calls, 1), 0);
	assert_int_equal(t->done_bad, 0);
	assert_int_equal(t->free_calls, 0);
	assert_true(a.done_seen);
	assert_null(r.job);
}

#define NREQS 16
#define NJOBS 1000

static void test_many_jobs(void **state)
{
	struct env *e = *state;
	struct tally *t = &e->tally;
	struct req reqs[NREQS];
	unsigned submitted = 0, refused = 0;
	uint64_t end = now_ms() + 4 * WAIT_MS;

	for (int i = 0; i < NREQS; i++)
		req_init(e, &reqs[i]);
	while (t->free_calls < NJOBS && now_ms() < end) {
		for (int i = 0; i < NREQS && submitted < NJOBS; i++) {
			struct req *r = &reqs[i];
			struct job_arg *a;

			if (r->job != NULL)
				continue;
			a = job_new(t, r);
			assert_int_equal(work_submit(r, job_fn, job_done, a, job_free), 0);
			submitted++;

			/* One job at a time per request: a second is refused and its argument left to
			 * the caller. */
			a = job_new(t, r);
			assert_int_equal(work_submit(r, job_fn, job_done, a, job_free), MC_EINVAL);
			assert_ptr_not_equal(r->job, NULL);
			free(a);
			refused++;
		}
		h2o_evloop_run(e->loop, 100);
	}
	assert_int_equal(submitted, NJOBS);
	assert_int_equal(refused, NJOBS);
	assert_int_equal(load(&t->fn_runs), NJOBS);
	assert_int_equal(t->done_calls, NJOBS);
	assert_int_equal(t->free_calls, NJOBS);
	assert_int_equal(t->done_bad, 0);
	assert_int_equal(t->free_bad, 0);
	assert_int_equal(load(&t->fn_on_loop), 0);
	for (int i = 0; i < NREQS; i++)
		assert_null(reqs[i].job);
}

/* 'done' answers by starting the request's next job (e.g. hash, then sign). */
static void chain_done(struct req *r, void *p)
{
	struct job_arg *a = p;
	struct tally *t = a->tally;

	job_done(r, p);
	if (t->chain_left > 0) {
		struct job_arg *next = calloc(1, sizeof(*next));

		if (next == NULL || r->job != NULL) {
			t->done_bad++;
			free(next);
			return;
		}
		next->tally = t;
		next->req = r;
		next->expect_done = 1;
		t->chain_left--;
		if (work_submit(r, job_fn, chain_done, next, job_free) != 0) {
			t->done_bad++;
			free(next);
		}
	}
}

static void test_chain(void **state)
{
	struct env *e = *state;
	struct tally *t = &e->tally;
	struct req r;

	t->chain_left = 9;
	req_init(e, &r);
	assert_int_equal(work_submit(&r, job_fn, chain_done, job_new(t, &r), job_free), 0);
	assert_int_equal(run_until(e, &t->free_calls, 10), 0);
	assert_int_equal(t->done_calls, 10);
	assert_int_equal(t->done_bad, 0);
	assert_int_equal(t->free_bad, 0);
	assert_null(r.job);
}

static void test_detach_while_running(void **state)
{
	struct env *e = *state;
	struct tally *t = &e->tally;
	struct gate *g = &e->gate;
	struct req *r = malloc(sizeof(*r));
	struct req other;
	struct job_arg *a;

	t->gate = g;
	assert_non_null(r);
	req_init(e, r);
	a = job_new(t, r);
	a->expect_done = 0;
	assert_int_equal(work_submit(r, job_fn, job_done, a, job_free), 0);
	assert_int_equal(gate_wait_for(g, 1), 0);

	/* The client goes away: the server detaches the job and the request's memory is gone. */
	work_detach(r);
	assert_null(r->job);
	free(r);

	/* A job of another request still completes normally alongside. */
	req_init(e, &other);
	assert_int_equal(work_submit(&other, job_fn, job_done, job_new(t, &other), job_free), 0);

	gate_open(g);
	assert_int_equal(run_until(e, &t->free_calls, 2), 0);
	for (int i = 0; i < 3; i++)
		h2o_evloop_run(e->loop, 10);
	assert_int_equal(load(&t->fn_runs), 2);
	assert_int_equal(t->done_calls, 1); /* only 'other' */
	assert_int_equal(t->done_bad, 0);
	assert_int_equal(t->free_calls, 2);
	assert_int_equal(t->free_bad, 0);
	assert_null(other.job);
}

static void test_detach_after_fn(void **state)
{
	struct env *e = *state;
	struct tally *t = &e->tally;
	struct req *r = malloc(sizeof(*r));
	struct job_arg *a;
	uint64_t end = now_ms() + WAIT_MS;

	/* The function has finished and its message waits in the loop's queue when the client goes
	 * away. */
	assert_non_null(r);
	req_init(e, r);
	a = job_new(t, r);
	a->expect_done = 0;
	assert_int_equal(work_submit(r, job_fn, job_done, a, job_free), 0);
	while (load(&t->fn_runs) < 1 && now_ms() < end)
		sleep_ms(1);
	assert_int_equal(load(&t->fn_runs), 1);
	sleep_ms(20);
	work_detach(r);
	assert_null(r->job);
	free(r);

	assert_int_equal(run_until(e, &t->free_calls, 1), 0);
	for (int i = 0; i < 3; i++)
		h2o_evloop_run(e->loop, 10);
	assert_int_equal(t->done_calls, 0);
	assert_int_equal(t->free_calls, 1);
	assert_int_equal(t->free_bad, 0);
}

static void test_pool_free_finishes_queued(void **state)
{
	struct env *e = *state;
	struct tally *t = &e->tally;
	struct gate *g = &e->gate;
	enum { N = 200 };
	struct req *reqs = calloc(N, sizeof(*reqs));

	assert_non_null(reqs);
	t->gate = g;
	g->open = 1; /* functions pass at once; the gate only counts them */
	for (int i = 0; i < N; i++) {
		req_init(e, &reqs[i]);
		assert_int_equal(work_submit(&reqs[i], job_fn, job_done, job_new(t, &reqs[i]), job_free),
		                 0);
	}
	work_pool_free(e->app.workers);
	e->app.workers = NULL;
	/* Every queued function ran before work_pool_free returned. */
	assert_int_equal(load(&t->fn_runs), N);
	assert_int_equal(t->done_calls, 0);

	/* Their completions are delivered by the loop as usual. */
	assert_int_equal(run_until(e, &t->free_calls, N), 0);
	assert_int_equal(t->done_calls, N);
	assert_int_equal(t->done_bad + t->free_bad, 0);
	for (int i = 0; i < N; i++)
		assert_null(reqs[i].job);
	work_pool_free(NULL);
	free(reqs);
}

static void *free_pool_thread(void *p)
{
	work_pool_free(p);
	return NULL;
}

static void test_submit_while_stopping(void **state)
{
	struct env *e = *state;
	struct tally *t = &e->tally;
	struct gate *g = &e->gate;
	enum { MAXREQ = WORKERS + LIMIT_WORKER_QUEUE + 1 };
	struct req *reqs = calloc(MAXREQ, sizeof(*reqs));
	struct job_arg *a;
	pthread_t stopper;
	unsigned accepted = 0, i;
	int rc = 0;
	uint64_t end;

	assert_non_null(reqs);
	t->gate = g;
	for (i = 0; i < WORKERS; i++) {
		req_init(e, &reqs[i]);
		assert_int_equal(work_submit(&reqs[i], job_fn, job_done, job_new(t, &reqs[i]), job_free),
		                 0);
	}
	assert_int_equal(gate_wait_for(g, WORKERS), 0);

	/* work_pool_free waits for the blocked workers; meanwhile new work is refused. */
	assert_int_equal(pthread_create(&stopper, NULL, free_pool_thread, e->app.workers), 0);
	end = now_ms() + WAIT_MS;
	for (; i < MAXREQ && now_ms() < end; i++) {
		req_init(e, &reqs[i]);
		a = job_new(t, &reqs[i]);
		rc = work_submit(&reqs[i], job_fn, job_done, a, job_free);
		if (rc != 0) {
			free(a);
			break;
		}
		accepted++; /* before the pool saw the stop; it will still run */
		if (accepted % 64 == 0)
			sleep_ms(1);
	}
	assert_int_equal(rc, MC_EUNAVAIL);
	assert_true(accepted < LIMIT_WORKER_QUEUE); /* refused for stopping, not for a full queue */
	assert_null(reqs[i].job);

	gate_open(g);
	assert_int_equal(pthread_join(stopper, NULL), 0);
	e->app.workers = NULL;
	assert_int_equal(load(&t->fn_runs), WORKERS + accepted);
	assert_int_equal(run_until(e, &t->free_calls, WORKERS + accepted), 0);
	assert_int_equal(t->done_calls, WORKERS + accepted);
	assert_int_equal(t->done_bad + t->free_bad, 0);
	free(reqs);
}

static void test_queue_full(void **state)
{
	struct env *e = *state;
	struct tally *t = &e->tally;
	struct gate *g = &e->gate;
	const unsigned total = WORKERS + LIMIT_WORKER_QUEUE;
	struct req *reqs = calloc(total + 2, sizeof(*reqs));
	struct job_arg *a;

	assert_non_null(reqs);
	t->gate = g;
	/* Every worker holds a job... */
	for (unsigned i = 0; i < WORKERS; i++) {
		req_init(e, &reqs[i]);
		assert_int_equal(work_submit(&reqs[i], job_fn, job_done, job_new(t, &reqs[i]), job_free),
		                 0);
	}
	assert_int_equal(gate_wait_for(g, WORKERS), 0);
	/* ...and LIMIT_WORKER_QUEUE jobs may wait for them. */
	for (unsigned i = WORKERS; i < total; i++) {
		req_init(e, &reqs[i]);
		assert_int_equal(work_submit(&reqs[i], job_fn, job_done, job_new(t, &reqs[i]), job_free),
		                 0);
	}
	/* One more is refused, twice, and the argument stays with the caller. */
	for (unsigned i = total; i < total + 2; i++) {
		req_init(e, &reqs[i]);
		a = job_new(t, &reqs[i]);
		assert_int_equal(work_submit(&reqs[i], job_fn, job_done, a, job_free), MC_EUNAVAIL);
		assert_null(reqs[i].job);
		free(a);
	}
	h2o_evloop_run(e->loop, 0);
	assert_int_equal(t->free_calls, 0);

	gate_open(g);
	assert_int_equal(run_until(e, &t->free_calls, total), 0);
	assert_int_equal(load(&t->fn_runs), total);
	assert_int_equal(t->done_calls, total);
	assert_int_equal(t->done_bad + t->free_bad + load(&t->fn_on_loop), 0);

	/* Room again once the queue drained. */
	a = job_new(t, &reqs[total]);
	assert_int_equal(work_submit(&reqs[total], job_fn, job_done, a, job_free), 0);
	assert_int_equal(run_until(e, &t->free_calls, total + 1), 0);
	free(reqs);
}

/* ---- a job built from a request outlives it ---- */

/* The files of a post, stored by a worker as the dossier pages do (dossier_view_uploads, then
 * dossier_uploads_store on a worker). */
struct upload_job {
	struct tally *tally;
	struct filestore *fs;
	struct dossier_upload *u;
	size_t n;
};

static void upload_fn(void *p)
{
	struct upload_job *j = p;

	gate_pass(j->tally->gate);
	dossier_uploads_store(j->fs, j->u, j->n);
}

static void upload_done(struct req *r, void *p)
{
	(void)r;
	((struct upload_job *)p)->tally->done_calls++;
}

static void upload_free(void *p)
{
	((struct upload_job *)p)->tally->free_calls++;
}

/*
 * The client leaves while a worker stores its files: the request's pool is emptied and reused
 * before the worker runs, and the worker must still quote the file by the name it was sent
 * under (it reads nothing of the request's memory; ASan reports the read otherwise).
 */
static void test_uploads_outlive_request(void **state)
{
	struct env *e = *state;
	struct tally *t = &e->tally;
	static const char pdf[] = "%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
	h2o_mem_pool_t *pool = malloc(sizeof(*pool));
	struct multipart mp;
	struct multipart_part *parts;
	struct upload_job job = { .tally = t };
	struct filestore *fs = NULL;
	char dir[64], err[256];
	struct req r;
	char *junk;

	assert_non_null(pool);
	assert_int_equal(tmpdir_make(dir, sizeof dir, "work-uploads"), 0);
	assert_int_equal(filestore_open(dir, &fs, err, sizeof err), 0);
	h2o_mem_init_pool(pool);
	req_init(e, &r);
	r.pool = pool;
	parts = h2o_mem_alloc_pool(pool, 2 * sizeof(*parts));
	memset(parts, 0, 2 * sizeof(*parts));
	parts[0].name = h2o_strdup(pool, H2O_STRLIT("doc_7")).base;
	parts[0].filename = h2o_strdup(pool, H2O_STRLIT("C:\\Users\\An\\Giấy khai sinh.pdf")).base;
	parts[0].data = h2o_strdup(pool, pdf, sizeof pdf - 1).base;
	parts[0].len = sizeof pdf - 1;
	parts[1].name = "doc_8"; /* an input left empty */
	parts[1].filename = "";
	mp.parts = parts;
	mp.count = 2;
	r.multipart = &mp;

	assert_int_equal(dossier_view_uploads(&r, &job.u, &job.n), 0);
	assert_int_equal(job.n, 1);
	assert_int_equal(job.u[0].document_id, 7);
	assert_string_equal(job.u[0].name, "Giấy khai sinh.pdf");
	job.u[0].allowed[0] = "pdf";
	job.u[0].nallowed = 1;
	job.fs = fs;

	t->gate = &e->gate;
	assert_int_equal(work_submit(&r, upload_fn, upload_done, &job, upload_free), 0);
	assert_int_equal(gate_wait_for(&e->gate, 1), 0);
	/* The client goes: h2o disposes of the request and its pool's memory is used again. */
	work_detach(&r);
	h2o_mem_clear_pool(pool);
	for (int i = 0; i < 4; i++) { /* small blocks: they come from the pool's recycled chunk */
		junk = h2o_mem_alloc_pool(pool, 1000);
		memset(junk, 'X', 1000);
	}
	gate_open(&e->gate);
	assert_int_equal(run_until(e, &t->free_calls, 1), 0);
	assert_int_equal(t->done_calls, 0);

	assert_int_equal(job.u[0].rc, 0);
	assert_string_equal(job.u[0].kind, "pdf");
	assert_string_equal(job.u[0].name, "Giấy khai sinh.pdf");
	free((void *)job.u[0].data);
	dossier_uploads_free(job.u, job.n);
	free(job.u);
	h2o_mem_clear_pool(pool);
	free(pool);
	filestore_close(fs);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_arg_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_while_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_after_fn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_free_finishes_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_while_stopping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uploads_outlive_request, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
