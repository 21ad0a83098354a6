/* waitable.c: see waitable.h. */
#include "lib/waitable.h"

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
