/* test_lunar.c: the Vietnamese lunar calendar against published dates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/lunar.h"

struct known {
	int lunar_year, month, day, leap; /* the lunar day */
	int year, m, d;                   /* its Gregorian day */
};

static void check(const struct known *k)
{
	struct solar_day s;

	if (lunar_to_solar(k->lunar_year, k->month, k->day, k->leap, &s) != 0)
		fail_msg("%d/%d%s/%d refused", k->day, k->month, k->leap ? " leap" : "",
		         k->lunar_year);
	if (s.year != k->year || s.month != k->m || s.day != k->d)
		fail_msg("%d/%d%s/%d: got %02d/%02d/%d, wanted %02d/%02d/%d", k->day, k->month,
		         k->leap ? " leap" : "", k->lunar_year, s.day, s.month, s.year, k->d, k->m,
		         k->year);
}

/* Tết and Giỗ Tổ Hùng Vương 2025-2035, as research/domain.md §6.2 lists them. */
static void test_tet_and_gio_to_2025_2035(void **state)
{
	static const struct known days[] = {
		{ 2025, 1, 1, 0, 2025, 1, 29 },  { 2025, 3, 10, 0, 2025, 4, 7 },
		{ 2026, 1, 1, 0, 2026, 2, 17 },  { 2026, 3, 10, 0, 2026, 4, 26 },
		{ 2027, 1, 1, 0, 2027, 2, 6 },   { 2027, 3, 10, 0, 2027, 4, 16 },
		{ 2028, 1, 1, 0, 2028, 1, 26 },  { 2028, 3, 10, 0, 2028, 4, 4 },
		{ 2029, 1, 1, 0, 2029, 2, 13 },  { 2029, 3, 10, 0, 2029, 4, 23 },
		{ 2030, 1, 1, 0, 2030, 2, 2 },   { 2030, 3, 10, 0, 2030, 4, 12 },
		{ 2031, 1, 1, 0, 2031, 1, 23 },  { 2031, 3, 10, 0, 2031, 4, 1 },
		{ 2032, 1, 1, 0, 2032, 2, 11 },  { 2032, 3, 10, 0, 2032, 4, 19 },
		{ 2033, 1, 1, 0, 2033, 1, 31 },  { 2033, 3, 10, 0, 2033, 4, 9 },
		{ 2034, 1, 1, 0, 2034, 2, 19 },  { 2034, 3, 10, 0, 2034, 4, 28 },
		{ 2035, 1, 1, 0, 2035, 2, 8 },   { 2035, 3, 10, 0, 2035, 4, 17 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
		check(&days[i]);
}

/* Years where Vietnam's UTC+7 new moons part from the Chinese calendar, earlier Tết days, and
 * leap months. */
static void test_other_known_days(void **state)
{
	static const struct known days[] = {
		{ 1985, 1, 1, 0, 1985, 1, 21 },  /* China: 20 February 1985 */
		{ 2007, 1, 1, 0, 2007, 2, 17 },  /* China: 18 February 2007 */
		{ 2020, 1, 1, 0, 2020, 1, 25 },  { 2021, 1, 1, 0, 2021, 2, 12 },
		{ 2022, 1, 1, 0, 2022, 2, 1 },   { 2023, 1, 1, 0, 2023, 1, 22 },
		{ 2024, 1, 1, 0, 2024, 2, 10 },
		{ 2023, 2, 1, 1, 2023, 3, 22 },  /* 2023 repeats its 2nd month */
		{ 2023, 3, 1, 0, 2023, 4, 20 },
		{ 2025, 6, 1, 1, 2025, 7, 25 },  /* 2025 repeats its 6th month */
		{ 2025, 7, 1, 0, 2025, 8, 23 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
		check(&days[i]);
}

static void test_refusals_and_day_numbers(void **state)
{
	struct solar_day s;

	(void)state;
	assert_int_equal(lunar_to_solar(2026, 3, 10, 1, &s), -1); /* 2026 has no leap 3rd month */
	assert_int_equal(lunar_to_solar(2023, 3, 1, 1, &s), -1);  /* 2023's leap month is the 2nd */
	assert_int_equal(lunar_to_solar(2026, 0, 1, 0, &s), -1);
	assert_int_equal(lunar_to_solar(2026, 13, 1, 0, &s), -1);
	assert_int_equal(lunar_to_solar(2026, 1, 0, 0, &s), -1);
	assert_int_equal(lunar_to_solar(2026, 1, 31, 0, &s), -1);
	assert_int_equal(lunar_to_solar(LUNAR_YEAR_MIN - 1, 1, 1, 0, &s), -1);
	assert_int_equal(lunar_to_solar(LUNAR_YEAR_MAX + 1, 1, 1, 0, &s), -1);
	assert_int_equal(lunar_jdn(2000, 1, 1), 2451545);
	for (long j = 2415021; j < 2488070; j += 37) {
		s = lunar_from_jdn(j);
		assert_int_equal(lunar_jdn(s.year, s.month, s.day), j);
	}
	/* The last day of lunar year 2025 is the eve of Tết 2026. */
	assert_int_equal(lunar_to_solar(2025, 12, 29, 0, &s), 0);
	assert_true(s.year == 2026 && s.month == 2 && s.day == 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tet_and_gio_to_2025_2035),
		cmocka_unit_test(test_other_known_days),
		cmocka_unit_test(test_refusals_and_day_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
