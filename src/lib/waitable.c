/* waitable.c: see waitable.h. */
#include "lib/waitable.h"

#include <errno.h>
#include <time.h>

#include "lib/err.h"

int waitable_init(struct waitable *w)
{
	pthread_condattr_t attr;
	int rc;

	if (pthread_mutex_init(&w->lock, NULL) != 0)
		return MC_ENOMEM;
	if (pthread_condattr_init(&attr) != 0) {
		pthread_mutex_destroy(&w->lock);
		return MC_ENOMEM;
	}
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_destroy(&w->lock);
		return MC_ENOMEM;
	}
	return 0;
}

void waitable_destroy(struct waitable *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

static void *waitable_thread_main(void *arg)
{
	struct waitable_thread *t = arg;
	struct timespec deadline;

	pthread_mutex_lock(&t->w.lock);
	while (!atomic_load(&t->stop)) {
		t->wake = 0;
		pthread_mutex_unlock(&t->w.lock);
		t->pass(t->arg);
		pthread_mutex_lock(&t->w.lock);
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += (time_t)(t->period_ms / 1000);
		deadline.tv_nsec += (long)(t->period_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		while (!t->wake && !atomic_load(&t->stop))
			if (pthread_cond_timedwait(&t->w.cond, &t->w.lock, &deadline) == ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&t->w.lock);
	return NULL;
}

int waitable_thread_start(struct waitable_thread *t, unsigned period_ms, void (*pass)(void *arg),
                          void *arg)
{
	if (period_ms == 0 || pass == NULL)
		return MC_EINVAL;
	if (waitable_init(&t->w) != 0)
		return MC_ENOMEM;
	t->period_ms = period_ms;
	t->pass = pass;
	t->arg = arg;
	t->wake = 0;
	atomic_init(&t->stop, 0);
	if (pthread_create(&t->thread, NULL, waitable_thread_main, t) != 0) {
		waitable_destroy(&t->w);
		return MC_ENOMEM;
	}
	return 0;
}

void waitable_thread_wake(struct waitable_thread *t)
{
	pthread_mutex_lock(&t->w.lock);
	t->wake = 1;
	pthread_cond_signal(&t->w.cond);
	pthread_mutex_unlock(&t->w.lock);
}

void waitable_thread_stop(struct waitable_thread *t)
{
	pthread_mutex_lock(&t->w.lock);
	atomic_store(&t->stop, 1);
	pthread_cond_signal(&t->w.cond);
	pthread_mutex_unlock(&t->w.lock);
	pthread_join(t->thread, NULL);
	waitable_destroy(&t->w);
}
