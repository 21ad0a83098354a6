/* test_workcal.c: working time, holidays and due dates.  Times below are Vietnam's local
 * time; local() turns them into instants. */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* mkdtemp, nftw, timegm */
#endif

#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"

#include "domain/actor.h"
#include "domain/holiday.h"
#include "domain/workcal.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/db.h"

/* The instant of local time y-m-d h:mi. */
static int64_t local(int y, int m, int d, int h, int mi)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm) * 1000 - CLOCK_LOCAL_OFFSET_MS;
}

static void assert_local(int64_t got, int y, int m, int d, int h, int mi)
{
	char a[32], b[32];

	if (got != local(y, m, d, h, mi))
		fail_msg("got %s, wanted %s", clock_format_local(got, a, sizeof a),
		         clock_format_local(local(y, m, d, h, mi), b, sizeof b));
}

/* A calendar with the default week and a year's computed default holidays. */
static void with_defaults(struct workcal *c, int year_from)
{
	struct holiday_default defs[HOLIDAY_DEFAULTS_MAX];

	workcal_init(c, NULL, year_from);
	for (int y = year_from; y < year_from + WORKCAL_SPAN_YEARS; y++) {
		int n = holiday_defaults(y, defs);
		for (int i = 0; i < n; i++)
			workcal_set_day(c, y, defs[i].month, defs[i].day, WORKCAL_DAY_OFF);
	}
}

static struct workcal cal; /* large: not on the stack */

static void test_working_days_and_cutoffs(void **state)
{
	(void)state;
	workcal_init(&cal, NULL, 2026);
	/* Monday 30/11/2026 09:00: one day is the same time on the next working day. */
	assert_local(workcal_due(&cal, local(2026, 11, 30, 9, 0), WORKCAL_DAYS, 1), 2026, 12, 1, 9, 0);
	assert_local(workcal_due(&cal, local(2026, 11, 30, 9, 0), WORKCAL_DAYS, 3), 2026, 12, 3, 9, 0);
	/* Friday afternoon: the weekend does not count. */
	assert_local(workcal_due(&cal, local(2026, 12, 4, 16, 0), WORKCAL_DAYS, 1), 2026, 12, 7, 16, 0);
	/* After 17:00 the count starts at the next opening, and one day ends as the office closes. */
	assert_local(workcal_due(&cal, local(2026, 12, 4, 17, 30), WORKCAL_DAYS, 1), 2026, 12, 7, 17,
	             0);
	assert_local(workcal_due(&cal, local(2026, 12, 4, 17, 0), WORKCAL_DAYS, 1), 2026, 12, 7, 17, 0);
	assert_local(workcal_due(&cal, local(2026, 12, 5, 10, 0), WORKCAL_DAYS, 1), 2026, 12, 7, 17,
	             0);
	/* Before opening, and during lunch. */
	assert_local(workcal_due(&cal, local(2026, 11, 30, 6, 0), WORKCAL_DAYS, 1), 2026, 11, 30, 17,
	             0);
	/* (eight hours from 13:00 end as Tuesday's morning closes: the same as 13:00) */
	assert_local(workcal_due(&cal, local(2026, 11, 30, 12, 0), WORKCAL_DAYS, 1), 2026, 12, 1, 11,
	             30);
	/* Hours run across lunch: 10:30 + 4 h = 1 h before noon and 3 h after 13:00. */
	assert_local(workcal_due(&cal, local(2026, 11, 30, 10, 30), WORKCAL_HOURS, 4), 2026, 11, 30,
	             16, 0);
	assert_local(workcal_due(&cal, local(2026, 11, 30, 16, 0), WORKCAL_HOURS, 2), 2026, 12, 1, 8,
	             30);
	/* Same-day procedures and the 15:00 cutoff. */
	assert_local(workcal_due(&cal, local(2026, 11, 30, 14, 59), WORKCAL_SAME_DAY, 0), 2026, 11,
	             30, 17, 0);
	assert_local(workcal_due(&cal, local(2026, 11, 30, 15, 0), WORKCAL_SAME_DAY, 0), 2026, 12, 1,
	             17, 0);
	assert_local(workcal_due(&cal, local(2026, 11, 30, 16, 30), WORKCAL_SAME_DAY, 0), 2026, 12, 1,
	             17, 0);
	assert_local(workcal_due(&cal, local(2026, 11, 30, 6, 45), WORKCAL_SAME_DAY, 0), 2026, 11, 30,
	             17, 0);
	assert_local(workcal_due(&cal, local(2026, 12, 4, 15, 30), WORKCAL_SAME_DAY, 0), 2026, 12, 7,
	             17, 0);
	assert_local(workcal_due(&cal, local(2026, 12, 6, 9, 0), WORKCAL_SAME_DAY, 0), 2026, 12, 7,
	             17, 0);
	/* Zero days: the next opening. */
	assert_local(workcal_due(&cal, local(2026, 12, 5, 9, 0), WORKCAL_DAYS, 0), 2026, 12, 7, 7, 30);
	/* Working time between two instants. */
	assert_int_equal(workcal_between(&cal, local(2026, 11, 30, 9, 0), local(2026, 12, 1, 9, 0)),
	                 8 * 60);
	assert_int_equal(workcal_between(&cal, local(2026, 12, 4, 16, 0), local(2026, 12, 7, 8, 0)),
	                 60 + 30);
	assert_int_equal(workcal_between(&cal, local(2026, 12, 7, 8, 0), local(2026, 12, 4, 16, 0)), 0);
}

static void test_default_holidays(void **state)
{
	struct holiday_default d[HOLIDAY_DEFAULTS_MAX];
	char got[1024];
	size_t used = 0;
	int n;

	(void)state;
	n = holiday_defaults(2026, d);
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(got + used, sizeof got - used, "%02d/%02d ", d[i].day, d[i].month);
	/* Tết 16-20/02 as the government fixed it; Giỗ Tổ on Sunday 26/4, made up on Monday. */
	assert_string_equal(got, "01/01 16/02 17/02 18/02 19/02 20/02 26/04 27/04 30/04 01/05 01/09 "
	                         "02/09 24/11 ");
	assert_string_equal(d[7].name, "Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch)");
	assert_string_equal(d[1].name, "Tết Nguyên đán");
	n = holiday_defaults(2027, d);
	used = 0;
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(got + used, sizeof got - used, "%02d/%02d ", d[i].day, d[i].month);
	/* Tết on Saturday 6/2/2027: two weekend days made up on the Wednesday and Thursday after;
	 * 1/5 on a Saturday made up on Monday 3/5; 2/9 on a Thursday joined by Friday. */
	assert_string_equal(got, "01/01 05/02 06/02 07/02 08/02 09/02 10/02 11/02 16/04 30/04 01/05 "
	                         "03/05 02/09 03/09 24/11 ");
	/* Before 2026, no 24/11. */
	n = holiday_defaults(2025, d);
	assert_true(n > 0);
	assert_false(d[n - 1].month == 11);
	assert_int_equal(holiday_defaults(HOLIDAY_YEAR_MAX + 1, d), 0);
}

static void test_deadlines_across_holidays(void **state)
{
	(void)state;
	with_defaults(&cal, 2025);
	/* Tết 2026: Friday 13/2 + 3 days skips 16-20/2 and the weekends around it. */
	assert_local(workcal_due(&cal, local(2026, 2, 13, 9, 0), WORKCAL_DAYS, 3), 2026, 2, 25, 9, 0);
	assert_local(workcal_due(&cal, local(2026, 2, 13, 16, 0), WORKCAL_SAME_DAY, 0), 2026, 2, 23,
	             17, 0);
	/* Tết 2027: off from Friday 5/2 to Thursday 11/2. */
	assert_local(workcal_due(&cal, local(2027, 2, 4, 10, 0), WORKCAL_DAYS, 1), 2027, 2, 12, 10, 0);
	assert_local(workcal_due(&cal, local(2027, 2, 4, 10, 0), WORKCAL_DAYS, 2), 2027, 2, 15, 10, 0);
	/* 30/4-1/5 2026 (Thursday, Friday). */
	assert_local(workcal_due(&cal, local(2026, 4, 29, 9, 0), WORKCAL_DAYS, 1), 2026, 5, 4, 9, 0);
	/* Giỗ Tổ 2026 made up on Monday 27/4. */
	assert_local(workcal_due(&cal, local(2026, 4, 24, 9, 0), WORKCAL_DAYS, 1), 2026, 4, 28, 9, 0);
	/* 2/9 2026 is a Wednesday, with Tuesday 1/9. */
	assert_local(workcal_due(&cal, local(2026, 8, 31, 16, 0), WORKCAL_DAYS, 1), 2026, 9, 3, 16, 0);
	/* A swapped working Saturday counts, with the hours of a weekday. */
	workcal_set_day(&cal, 2026, 12, 5, WORKCAL_WORKING_DAY);
	assert_local(workcal_due(&cal, local(2026, 12, 4, 9, 0), WORKCAL_DAYS, 1), 2026, 12, 5, 9, 0);
	assert_local(workcal_due(&cal, local(2026, 12, 4, 15, 30), WORKCAL_SAME_DAY, 0), 2026, 12, 5,
	             17, 0);
}

static void test_supplement_pause(void **state)
{
	int64_t due = local(2026, 12, 4, 17, 0);

	(void)state;
	workcal_init(&cal, NULL, 2026);
	/* Waiting two working days moves the due date by two working days. */
	assert_local(workcal_resume(&cal, due, local(2026, 12, 1, 9, 0), local(2026, 12, 3, 9, 0)),
	             2026, 12, 8, 17, 0);
	/* Half a day, over a weekend. */
	assert_local(workcal_resume(&cal, due, local(2026, 12, 4, 13, 0), local(2026, 12, 7, 7, 30)),
	             2026, 12, 7, 11, 30);
	/* No working time waited (a weekend): unchanged. */
	assert_int_equal(workcal_resume(&cal, due, local(2026, 12, 5, 9, 0), local(2026, 12, 6, 9, 0)),
	                 due);
	/* Already late when the pause began: as late after it. */
	due = local(2026, 11, 30, 17, 0);
	assert_local(workcal_resume(&cal, due, local(2026, 12, 1, 9, 0), local(2026, 12, 2, 9, 0)),
	             2026, 12, 1, 17, 0);
}

static void test_office_hours_text(void **state)
{
	struct office_day d;

	(void)state;
	assert_int_equal(workcal_parse_day("07:00-11:30,13:30-17:00", &d), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.p[0].start, 7 * 60);
	assert_int_equal(d.p[1].end, 17 * 60);
	assert_int_equal(workcal_parse_day("", &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(workcal_parse_day("07:00-11:30,", &d), 0);
	assert_int_equal(workcal_parse_day("11:30-07:00", &d), MC_EINVAL);
	assert_int_equal(workcal_parse_day("07:00-11:30,10:00-12:00", &d), MC_EINVAL);
	assert_int_equal(workcal_parse_day("7:00-11:30", &d), MC_EINVAL);
	assert_int_equal(workcal_parse_day("07:00-11:30;13:00-17:00", &d), MC_EINVAL);
	assert_int_equal(d.n, 0);
}

/* ---- with a database ---- */

struct fixture {
	char dir[64];
	struct db *db;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	char url[128], err[256];
	int applied;

	if (fx == NULL)
		return -1;
	if (tmpdir_make(fx->dir, sizeof fx->dir, "workcal") != 0)
		return -1;
	snprintf(url, sizeof url, "sqlite:%s/motcua.db", fx->dir);
	if (db_open(url, &fx->db, err, sizeof err) != 0 ||
	    db_migrate(fx->db, MIGRATIONS_DIR, &applied, err, sizeof err) != 0)
		return -1;
	/* Agency 1 opens 07:00-11:30 and 13:30-17:00 on weekdays and Saturday mornings. */
	if (db_exec_script(fx->db,
	        "INSERT INTO agencies (id, code, name, level, address, phone, email, office_hours,"
	        " is_desk, is_competent, active, created_at, updated_at) VALUES (1, 'H01', "
	        "'Trung tâm Phục vụ hành chính công', 'province', 'Thanh Hóa', '0237000000', "
	        "'tt@thanhhoa.gov.vn', '[\"07:00-11:30,13:30-17:00\",\"07:00-11:30,13:30-17:00\","
	        "\"07:00-11:30,13:30-17:00\",\"07:00-11:30,13:30-17:00\",\"07:00-11:30,13:30-17:00\","
	        "\"07:00-11:30\",\"\"]', 1, 1, 1, 't', 't')") != 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	db_close(fx->db);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

static void test_load_hours_and_holidays(void **state)
{
	struct fixture *fx = *state;
	struct actor system = { 0 };
	int added = -1;

	/* The agency's own hours, Saturday morning included: Friday 16:00 + 1 day = 1 h on Friday,
	 * 4 h 30 on Saturday, 2 h 30 on Monday from 07:00. */
	assert_int_equal(workcal_load(fx->db, 1, local(2026, 12, 1, 0, 0), &cal), 0);
	assert_local(workcal_due(&cal, local(2026, 12, 4, 16, 0), WORKCAL_DAYS, 1), 2026, 12, 7, 9, 30);
	/* An unknown agency keeps the default week. */
	assert_int_equal(workcal_load(fx->db, 99, local(2026, 12, 1, 0, 0), &cal), 0);
	assert_local(workcal_due(&cal, local(2026, 12, 4, 16, 0), WORKCAL_DAYS, 1), 2026, 12, 7, 16, 0);

	/* 2027 was never filled: its computed Tết counts. */
	assert_int_equal(holiday_year_filled(fx->db, 2027), 0);
	assert_int_equal(workcal_load(fx->db, 99, local(2026, 12, 1, 0, 0), &cal), 0);
	assert_local(workcal_due(&cal, local(2027, 2, 4, 10, 0), WORKCAL_DAYS, 1), 2027, 2, 12, 10, 0);

	/* Filled, the stored days are the truth: an administrator moves a day of Tết 2027. */
	assert_int_equal(db_begin(fx->db), 0);
	assert_int_equal(holiday_fill_year(fx->db, &system, local(2026, 12, 1, 0, 0), 2027, &added),
	                 0);
	assert_int_equal(db_commit(fx->db), 0);
	assert_int_equal(added, 15);
	assert_int_equal(holiday_year_filled(fx->db, 2027), 1);
	assert_int_equal(db_exec_script(fx->db, "DELETE FROM holidays WHERE day = '2027-02-11'"), 0);
	assert_int_equal(workcal_load(fx->db, 99, local(2026, 12, 1, 0, 0), &cal), 0);
	assert_local(workcal_due(&cal, local(2027, 2, 4, 10, 0), WORKCAL_DAYS, 1), 2027, 2, 11, 10, 0);
	/* Filling again adds nothing and brings nothing back. */
	assert_int_equal(db_begin(fx->db), 0);
	assert_int_equal(holiday_fill_year(fx->db, &system, local(2026, 12, 1, 0, 0), 2027, &added),
	                 0);
	assert_int_equal(db_commit(fx->db), 0);
	assert_int_equal(added, 0);
	assert_int_equal(db_exec_script(fx->db, "SELECT 1"), 0);
	/* A swapped working Saturday stored as data. */
	assert_int_equal(db_exec_script(fx->db, "INSERT INTO holidays (day, kind, name) VALUES "
	                                        "('2026-12-12', 'working_day', 'Làm bù')"), 0);
	assert_int_equal(workcal_load(fx->db, 99, local(2026, 12, 1, 0, 0), &cal), 0);
	assert_local(workcal_due(&cal, local(2026, 12, 11, 9, 0), WORKCAL_DAYS, 1), 2026, 12, 12, 9, 0);
}

/* Local days: a day runs from local midnight to local midnight, before 1970 too. */
static void test_local_days(void **state)
{
	long jdn = 2461375; /* Monday 30/11/2026 */

	(void)state;
	assert_int_equal(workcal_day_of(local(2026, 11, 30, 0, 0)), jdn);
	assert_int_equal(workcal_day_of(local(2026, 11, 30, 0, 0) - 1), jdn - 1);
	assert_int_equal(workcal_day_of(local(2026, 11, 30, 23, 59)), jdn);
	assert_int_equal(workcal_day_start(jdn), local(2026, 11, 30, 0, 0));
	assert_int_equal(workcal_day_start(jdn + 1), local(2026, 12, 1, 0, 0));
	/* Local midnight of 1/1/1970 is before the epoch; the last minute of 1969 is a day before. */
	assert_int_equal(workcal_day_of(local(1970, 1, 1, 0, 0)), 2440588);
	assert_int_equal(workcal_day_of(local(1969, 12, 31, 23, 59)), 2440587);
	assert_int_equal(workcal_day_start(2440587), local(1969, 12, 31, 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_days),
		cmocka_unit_test(test_working_days_and_cutoffs),
		cmocka_unit_test(test_default_holidays),
		cmocka_unit_test(test_deadlines_across_holidays),
		cmocka_unit_test(test_supplement_pause),
		cmocka_unit_test(test_office_hours_text),
		cmocka_unit_test_setup_teardown(test_load_hours_and_holidays, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
