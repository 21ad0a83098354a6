/* test_clock.c: reading and writing the stored instants (UTC ISO-8601) and local times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/clock.h"
#include "lib/err.h"

static void test_parse_accepts_the_stored_forms(void **state)
{
	int64_t ms = -1;

	(void)state;
	assert_int_equal(clock_parse_iso8601("2026-01-01T00:00:00.000Z", &ms), 0);
	assert_int_equal(ms, 1767225600000LL);
	assert_int_equal(clock_parse_iso8601("2026-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 1767225600000LL);
	assert_int_equal(clock_parse_iso8601("2026-11-30T23:59:59.999Z", &ms), 0);
	assert_int_equal(ms, 1796083199999LL);
	assert_int_equal(clock_parse_iso8601("1970-01-01T00:00:00.001Z", &ms), 0);
	assert_int_equal(ms, 1);
	assert_int_equal(clock_parse_iso8601("2024-02-29T12:30:45.500Z", &ms), 0);
	assert_int_equal(ms, 1709209845500LL);
}

static void test_parse_refuses_everything_else(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00.000",
		"2026-01-01 00:00:00.000Z", "2026/01/01T00:00:00Z", "2026-1-01T00:00:00Z",
		"2026-01-01T00:00:00.00Z", "2026-01-01T00:00:00.0000Z", "2026-01-01T00:00:00.000Zx",
		"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-01-32T00:00:00Z",
		"2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
		"2026-01-01T00:00:61Z", "2026-01-01T0a:00:00Z", " 026-01-01T00:00:00Z",
		"+026-01-01T00:00:00Z", "2026-01-01T00:00:00+07:00", "2026-01-01T-1:00:00Z",
	};
	int64_t ms = 42;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (clock_parse_iso8601(bad[i], &ms) != MC_EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(ms, 42);
	}
	assert_int_equal(clock_parse_iso8601(NULL, &ms), MC_EINVAL);
}

static void test_round_trip_and_local_time(void **state)
{
	char iso[32], local[32];
	int64_t back = 0;

	(void)state;
	for (int64_t ms = 0; ms < 4000000000000LL; ms += 123456789011LL) {
		clock_iso8601(ms, iso, sizeof iso);
		assert_int_equal(clock_parse_iso8601(iso, &back), 0);
		assert_int_equal(back, ms);
	}
	/* Vietnam is UTC+7 all year. */
	assert_int_equal(clock_parse_iso8601("2026-01-15T17:30:00.000Z", &back), 0);
	assert_string_equal(clock_format_local(back, local, sizeof local), "16/01/2026 00:30");
	assert_string_equal(clock_local_date(back, local, sizeof local), "2026-01-16");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepts_the_stored_forms),
		cmocka_unit_test(test_parse_refuses_everything_else),
		cmocka_unit_test(test_round_trip_and_local_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
