/* waitable.h: a mutex and a condition variable timed on the monotonic clock, for the background
 * threads (mail sender, sweeper) that sleep until woken, stopped or their next turn. */
#ifndef MC_WAITABLE_H
#define MC_WAITABLE_H

#include <pthread.h>

struct waitable {
	pthread_mutex_t lock;
	pthread_cond_t cond;   /* pthread_cond_timedwait deadlines are CLOCK_MONOTONIC times */
};

/* Initialise both.  The monotonic clock: setting the wall clock must not stall a thread's wait.
 * 0, or MC_ENOMEM (nothing to destroy then). */
int waitable_init(struct waitable *w);

/* Destroy both; only after a successful waitable_init, once no thread uses them. */
void waitable_destroy(struct waitable *w);

#endif
