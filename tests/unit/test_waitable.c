/* test_waitable.c: the background thread of lib/waitable: a pass at once, a pass every period,
 * a pass when woken, and a stop that waits for no period.  Every wait here is for an event (a
 * pass counted under a lock); none measures time. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "lib/err.h"
#include "lib/waitable.h"

/* What the passes did, seen by the test under 'w.lock'. */
struct passes {
	struct waitable w;
	int count;
	struct waitable_thread *t; /* for a pass that runs until the thread is stopped */
	int saw_stop;
};

static void count_pass(void *arg)
{
	struct passes *p = arg;

	pthread_mutex_lock(&p->w.lock);
	p->count++;
	pthread_cond_broadcast(&p->w.cond);
	pthread_mutex_unlock(&p->w.lock);
}

/* A pass that lasts until stop is asked for, as a long delivery pass reads it between messages. */
static void pass_until_stopped(void *arg)
{
	struct passes *p = arg;
	struct timespec pause = { 0, 1000000L };

	count_pass(p);
	while (!atomic_load(&p->t->stop))
		nanosleep(&pause, NULL);
	p->saw_stop = 1;
}

/* Wait until the passes counted reach 'want' (a minute at most, a hang guard, not a measure). */
static void wait_count(struct passes *p, int want)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 60;
	pthread_mutex_lock(&p->w.lock);
	while (p->count < want)
		if (pthread_cond_timedwait(&p->w.cond, &p->w.lock, &deadline) != 0)
			break;
	pthread_mutex_unlock(&p->w.lock);
	assert_true(p->count >= want);
}

static void test_refuses_bad_settings(void **state)
{
	struct waitable_thread t;
	struct passes p = { 0 };

	(void)state;
	assert_int_equal(waitable_thread_start(&t, 0, count_pass, &p), MC_EINVAL);
	assert_int_equal(waitable_thread_start(&t, 1000, NULL, &p), MC_EINVAL);
}

/* With a short period, the passes follow one another without being woken. */
static void test_passes_every_period(void **state)
{
	struct waitable_thread t;
	struct passes p = { 0 };

	(void)state;
	assert_int_equal(waitable_init(&p.w), 0);
	assert_int_equal(waitable_thread_start(&t, 1, count_pass, &p), 0);
	wait_count(&p, 3);
	waitable_thread_stop(&t);
	waitable_destroy(&p.w);
}

/* With a period of weeks: one pass at once, one per wake (a wake during a pass is not lost),
 * and the stop returns without waiting for the period. */
static void test_wake_and_stop(void **state)
{
	struct waitable_thread t;
	struct passes p = { 0 };

	(void)state;
	assert_int_equal(waitable_init(&p.w), 0);
	assert_int_equal(waitable_thread_start(&t, UINT_MAX, count_pass, &p), 0);
	wait_count(&p, 1);
	waitable_thread_wake(&t);
	wait_count(&p, 2);
	waitable_thread_wake(&t);
	wait_count(&p, 3);
	waitable_thread_stop(&t);
	assert_int_equal(p.count, 3); /* no pass but those */
	waitable_destroy(&p.w);
}

/* A pass in progress sees the stop flag, and the stop waits for that pass to end. */
static void test_stop_reaches_a_pass(void **state)
{
	struct waitable_thread t;
	struct passes p = { 0 };

	(void)state;
	assert_int_equal(waitable_init(&p.w), 0);
	p.t = &t;
	assert_int_equal(waitable_thread_start(&t, UINT_MAX, pass_until_stopped, &p), 0);
	wait_count(&p, 1);
	waitable_thread_stop(&t);
	assert_int_equal(p.saw_stop, 1);
	assert_int_equal(p.count, 1);
	waitable_destroy(&p.w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_bad_settings),
		cmocka_unit_test(test_passes_every_period),
		cmocka_unit_test(test_wake_and_stop),
		cmocka_unit_test(test_stop_reaches_a_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
