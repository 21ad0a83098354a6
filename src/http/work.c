/* work.c: a fixed pool of worker threads; finished jobs go back to their request's loop. */
#include "http/work.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "http/req.h"
#include "http/server.h"
#include "lib/err.h"
#include "limit.h"

struct work_job {
	h2o_multithread_message_t msg; /* first: the loop's receiver hands back messages */
	struct work_job *next;         /* queue link while waiting for a worker */
	struct server_thread *thread;
	struct req *req;               /* NULL once the request has gone */
	work_fn fn;
	work_done_fn done;
	void *arg;
	void (*arg_free)(void *);
};

struct work_pool {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct work_job *head, *tail;
	size_t queued;
	int stopping;
	unsigned nthreads;
	pthread_t *threads;
	int io;        /* jobs wait on the disk: normal priority (work_pool_new_io) */
};

static void *worker_main(void *p)
{
	struct work_pool *wp = p;

	/* Workers run CPU-heavy jobs (argon2id, PDF): they take the CPU only when no event loop
	 * wants it (SCHED_IDLE), so pages keep answering quickly while hashes are computed.
	 * Should that fail, a high nice value does nearly as well. */
	struct sched_param sp = { 0 };
	if (!wp->io && pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0)
		(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);

	for (;;) {
		struct work_job *job;

		pthread_mutex_lock(&wp->lock);
		while (wp->head == NULL && !wp->stopping)
			pthread_cond_wait(&wp->ready, &wp->lock);
		job = wp->head;
		if (job == NULL) { /* stopping and nothing left */
			pthread_mutex_unlock(&wp->lock);
			return NULL;
		}
		wp->head = job->next;
		if (wp->head == NULL)
			wp->tail = NULL;
		wp->queued--;
		pthread_mutex_unlock(&wp->lock);

		job->fn(job->arg);
		h2o_multithread_send_message(&job->thread->finished, &job->msg);
	}
}

static struct work_pool *pool_new(unsigned nthreads, int io)
{
	struct work_pool *wp = calloc(1, sizeof(*wp));

	if (wp == NULL)
		return NULL;
	wp->io = io;
	pthread_mutex_init(&wp->lock, NULL);
	pthread_cond_init(&wp->ready, NULL);
	wp->threads = calloc(nthreads, sizeof(*wp->threads));
	if (wp->threads == NULL)
		goto fail;
	for (; wp->nthreads < nthreads; wp->nthreads++)
		if (pthread_create(&wp->threads[wp->nthreads], NULL, worker_main, wp) != 0)
			goto fail;
	return wp;
fail:
	work_pool_free(wp);
	return NULL;
}

struct work_pool *work_pool_new(unsigned nthreads)
{
	return pool_new(nthreads, 0);
}

struct work_pool *work_pool_new_io(unsigned nthreads)
{
	return pool_new(nthreads, 1);
}

void work_pool_free(struct work_pool *wp)
{
	if (wp == NULL)
		return;
	pthread_mutex_lock(&wp->lock);
	wp->stopping = 1;
	pthread_cond_broadcast(&wp->ready);
	pthread_mutex_unlock(&wp->lock);
	for (unsigned i = 0; i < wp->nthreads; i++)
		pthread_join(wp->threads[i], NULL);
	free(wp->threads);
	pthread_cond_destroy(&wp->ready);
	pthread_mutex_destroy(&wp->lock);
	free(wp);
}

static int submit(struct work_pool *wp, struct req *r, work_fn fn, work_done_fn done, void *arg,
                  void (*arg_free)(void *))
{
	struct work_job *job;
	int rc = 0;

	if (r->job != NULL)
		return MC_EINVAL; /* one job at a time per request */
	job = calloc(1, sizeof(*job));
	if (job == NULL)
		return MC_ENOMEM;
	job->thread = r->thread;
	job->req = r;
	job->fn = fn;
	job->done = done;
	job->arg = arg;
	job->arg_free = arg_free;

	pthread_mutex_lock(&wp->lock);
	if (wp->stopping || wp->queued >= LIMIT_WORKER_QUEUE) {
		rc = MC_EUNAVAIL;
	} else {
		if (wp->tail)
			wp->tail->next = job;
		else
			wp->head = job;
		wp->tail = job;
		wp->queued++;
		pthread_cond_signal(&wp->ready);
	}
	pthread_mutex_unlock(&wp->lock);
	if (rc != 0) {
		free(job);
		return rc;
	}
	r->job = job;
	return 0;
}

int work_submit(struct req *r, work_fn fn, work_done_fn done, void *arg, void (*arg_free)(void *))
{
	return submit(r->app->workers, r, fn, done, arg, arg_free);
}

int work_submit_io(struct req *r, work_fn fn, work_done_fn done, void *arg,
                   void (*arg_free)(void *))
{
	return submit(r->app->io_workers, r, fn, done, arg, arg_free);
}

void work_detach(struct req *r)
{
	r->job->req = NULL;
	r->job = NULL;
}

void work_on_finished(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
	(void)receiver;
	while (!h2o_linklist_is_empty(messages)) {
		struct work_job *job = (struct work_job *)messages->next;

		h2o_linklist_unlink(&job->msg.link);
		if (job->req != NULL) {
			job->req->job = NULL;
			job->done(job->req, job->arg);
		}
		if (job->arg_free)
			job->arg_free(job->arg);
		free(job);
	}
}
