/* test_ratelimit.c: sliding windows and waits of domain/ratelimit.c, on an in-memory database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/ratelimit.h"
#include "lib/err.h"
#include "store/db.h"

#define MIN (60LL * 1000)
#define T0 1796000000000LL /* 2026-11-30 */

static const struct rate_rule three = { "test", 3, 10 * MIN, 15 * MIN };

static int setup(void **state)
{
	struct db *db;
	char err[256];

	if (db_open("sqlite::memory:", &db, err, sizeof(err)) != 0 ||
	    db_migrate(db, MIGRATIONS_DIR, NULL, err, sizeof(err)) != 0)
		return -1;
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static void test_limit_then_wait(void **state)
{
	struct db *db = *state;

	assert_int_equal(rate_check(db, &three, "a", T0), 0);
	assert_int_equal(rate_hit(db, &three, "a", T0), 0);
	assert_int_equal(rate_hit(db, &three, "a", T0 + MIN), 0);
	/* The third event within the window reaches the limit: the key waits from now. */
	assert_int_equal(rate_hit(db, &three, "a", T0 + 2 * MIN), MC_ELIMIT);
	assert_int_equal(rate_check(db, &three, "a", T0 + 2 * MIN), MC_ELIMIT);
	assert_int_equal(rate_hit(db, &three, "a", T0 + 16 * MIN), MC_ELIMIT);
	/* Other keys and other rules are not affected. */
	assert_int_equal(rate_check(db, &three, "b", T0 + 2 * MIN), 0);
	assert_int_equal(rate_check(db, &RATE_LOGIN_FAILURES, "a", T0 + 2 * MIN), 0);
	/* After the wait the count starts again from nothing. */
	assert_int_equal(rate_check(db, &three, "a", T0 + 17 * MIN + 1), 0);
	assert_int_equal(rate_hit(db, &three, "a", T0 + 18 * MIN), 0);
	assert_int_equal(rate_hit(db, &three, "a", T0 + 18 * MIN), 0);
}

static void test_window_slides(void **state)
{
	struct db *db = *state;

	/* Events older than the window no longer count. */
	assert_int_equal(rate_hit(db, &three, "c", T0), 0);
	assert_int_equal(rate_hit(db, &three, "c", T0 + 5 * MIN), 0);
	assert_int_equal(rate_hit(db, &three, "c", T0 + 11 * MIN), 0);
	assert_int_equal(rate_hit(db, &three, "c", T0 + 14 * MIN), MC_ELIMIT);
}

static void test_clear(void **state)
{
	struct db *db = *state;

	assert_int_equal(rate_hit(db, &three, "d", T0), 0);
	assert_int_equal(rate_hit(db, &three, "d", T0), 0);
	assert_int_equal(rate_clear(db, &three, "d"), 0);
	assert_int_equal(rate_hit(db, &three, "d", T0), 0);
	assert_int_equal(rate_hit(db, &three, "d", T0), 0);
	assert_int_equal(rate_hit(db, &three, "d", T0), MC_ELIMIT);
}

static void test_login_rules(void **state)
{
	struct db *db = *state;
	int i;

	/* The numbers: 5 failures in 15 minutes, then 15 minutes of waiting. */
	assert_int_equal(RATE_LOGIN_FAILURES.max, 5);
	assert_int_equal(RATE_LOGIN_FAILURES.window_ms, 15 * MIN);
	assert_int_equal(RATE_LOGIN_FAILURES.block_ms, 15 * MIN);
	for (i = 0; i < 4; i++)
		assert_int_equal(rate_hit(db, &RATE_LOGIN_FAILURES, "email:x@example.vn", T0 + i), 0);
	assert_int_equal(rate_hit(db, &RATE_LOGIN_FAILURES, "email:x@example.vn", T0 + 4), MC_ELIMIT);
	assert_int_equal(rate_check(db, &RATE_LOGIN_FAILURES, "email:x@example.vn", T0 + 14 * MIN),
	                 MC_ELIMIT);
	assert_int_equal(rate_check(db, &RATE_LOGIN_FAILURES, "email:x@example.vn", T0 + 16 * MIN), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_limit_then_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_slides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_rules, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
