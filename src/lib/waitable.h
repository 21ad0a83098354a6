/* waitable.h: a mutex and a condition variable timed on the monotonic clock, and the background
 * thread built on them (mail sender, sweeper) that sleeps until woken, stopped or its next turn. */
#ifndef MC_WAITABLE_H
#define MC_WAITABLE_H

#include <pthread.h>
#include <stdatomic.h>

struct waitable {
	pthread_mutex_t lock;
	pthread_cond_t cond;   /* pthread_cond_timedwait deadlines are CLOCK_MONOTONIC times */
};

/* Initialise both.  The monotonic clock: setting the wall clock must not stall a thread's wait.
 * 0, or MC_ENOMEM (nothing to destroy then). */
int waitable_init(struct waitable *w);

/* Destroy both; only after a successful waitable_init, once no thread uses them. */
void waitable_destroy(struct waitable *w);

/* A thread doing passes of work: one at once, then one 'period_ms' after each pass ended (on
 * the monotonic clock), or as soon as woken, until stopped.  The fields are its own. */
struct waitable_thread {
	struct waitable w;
	pthread_t thread;
	unsigned period_ms;
	void (*pass)(void *arg);
	void *arg;
	int wake;        /* under w.lock */
	atomic_int stop; /* set under w.lock; a long pass may read it to end early */
};

/* Start thread 't' calling pass(arg) every period_ms.  0; MC_EINVAL: period_ms is 0 or pass
 * NULL; MC_ENOMEM.  Nothing to stop after an error. */
int waitable_thread_start(struct waitable_thread *t, unsigned period_ms, void (*pass)(void *arg),
                          void *arg);

/* Have 't' do a pass now: at once when it waits, or right after the pass it is doing. */
void waitable_thread_wake(struct waitable_thread *t);

/* Stop 't' without waiting for its period: the pass in progress finishes (it may read t->stop
 * to end early), the thread is joined and its mutex and condition destroyed. */
void waitable_thread_stop(struct waitable_thread *t);

#endif
