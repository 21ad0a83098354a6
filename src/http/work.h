/* work.h: the worker pool for blocking or CPU-heavy work (hashing, PDF, signing, XLSX, SMTP). */
#ifndef MC_WORK_H
#define MC_WORK_H

#include <stddef.h>

struct req;
struct work_pool;

/* Runs on a worker thread.  Must not touch the request, its pool or its loop. */
typedef void (*work_fn)(void *arg);

/* Runs on the request's event-loop thread once the work is done, if the request is still alive;
 * it answers the request. */
typedef void (*work_done_fn)(struct req *r, void *arg);

/* Start 'nthreads' worker threads for CPU-heavy jobs (hashing, PDF): they run at the lowest
 * priority (SCHED_IDLE), so the event loops keep the CPU.  NULL on failure. */
struct work_pool *work_pool_new(unsigned nthreads);

/* Start 'nthreads' worker threads for jobs that mostly wait on the disk (storing files with
 * fsync, syncing the database's log, reading files): normal priority, and more threads than
 * cores, so that several fsyncs are in flight at once.  NULL on failure. */
struct work_pool *work_pool_new_io(unsigned nthreads);

/* Finish the jobs already queued, stop the threads and free the pool.  NULL allowed. */
void work_pool_free(struct work_pool *wp);

/*
 * Run fn(arg) on a worker thread, then done(r, arg) on r's loop.  'arg' must be heap memory owned
 * by the job (not the request's pool: the client may go away while the work runs); after 'done'
 * runs, or instead of it when the request has gone, arg_free(arg) releases it.  MC_EUNAVAIL: the
 * queue is full (LIMIT_WORKER_QUEUE) or the pool is stopping; the caller answers 503;
 * MC_EINVAL: the request already waits for a job.  On any error the caller still owns 'arg'.
 */
int work_submit(struct req *r, work_fn fn, work_done_fn done, void *arg, void (*arg_free)(void *));

/* As work_submit, on the pool for disk-bound jobs (app->io_workers, which app_serve always
 * starts). */
int work_submit_io(struct req *r, work_fn fn, work_done_fn done, void *arg,
                   void (*arg_free)(void *));

/* The server registers this as each loop's receiver of finished jobs. */
#define H2O_USE_LIBUV 0
#include <h2o/multithread.h>
void work_on_finished(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

/* Called when request 'r' goes away while its job runs: the job's 'done' will not be called. */
void work_detach(struct req *r);

#endif
