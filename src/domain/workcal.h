/* workcal.h: an agency's working time (office hours per weekday, public holidays, swapped
 * working days) and the deadline arithmetic built on it.
 *
 * Everything here is in Vietnam's local time (UTC+7 all year: no daylight saving), and
 * instants are milliseconds since the epoch, as elsewhere.  A working day is the office hours
 * of its weekday; by convention (research/domain.md §6.3) one working day counts as 8 working
 * hours, whatever the agency's hours add up to. */
#ifndef MC_WORKCAL_H
#define MC_WORKCAL_H

#include <stddef.h>
#include <stdint.h>

struct db;

#define WORKCAL_PERIODS_MAX 4            /* office periods in one day (AGENCY_HOURS_RANGES) */
#define WORKCAL_DAY_MINUTES (8 * 60)     /* one working day, in working minutes */
#define WORKCAL_SAME_DAY_CUTOFF (15 * 60) /* same-day procedures received after 15:00 */
#define WORKCAL_SPAN_YEARS 6             /* years a loaded calendar covers */

/* One office period: from 'start' to 'end' minutes after local midnight. */
struct office_period {
	int start, end;
};

/* The office hours of one weekday (n = 0: closed). */
struct office_day {
	int n;
	struct office_period p[WORKCAL_PERIODS_MAX];
};

/* What a day is, beyond its weekday. */
enum workcal_day_kind {
	WORKCAL_NORMAL = 0,
	WORKCAL_DAY_OFF,      /* a public holiday or a compensatory day off */
	WORKCAL_WORKING_DAY,  /* a weekend day worked in place of another */
};

/*
 * An agency's calendar over the years year_from .. year_from + WORKCAL_SPAN_YEARS - 1.  Outside
 * that span only the weekly hours apply.  Plain data: copy it, keep it on the stack.
 */
struct workcal {
	struct office_day week[7];  /* [0] Monday (Thứ Hai) .. [6] Sunday (Chủ nhật) */
	struct office_day swapped;  /* the hours of a swapped working day (WORKCAL_WORKING_DAY) */
	int year_from;
	long jdn_from;              /* Julian day number of 1 January of year_from */
	unsigned char kind[WORKCAL_SPAN_YEARS * 366 + 1]; /* enum workcal_day_kind, per day */
};

/* The default office hours: Monday to Friday 07:30–11:30 and 13:00–17:00 (OpenCPS's, and most
 * one-stop desks'); Saturday and Sunday closed. */
void workcal_default_week(struct office_day week[7]);

/* A calendar of 'week' (NULL: the default week) with no holidays, spanning from 'year_from'. */
void workcal_init(struct workcal *c, const struct office_day *week, int year_from);

/* Mark local day 'year-month-day' as 'kind'; days outside the span are ignored. */
void workcal_set_day(struct workcal *c, int year, int month, int day, enum workcal_day_kind kind);

/* Read one day's stored office hours, as agency_normalise_hours writes them
 * ("07:30-11:30,13:00-17:00"; "" closed), into *out.  0, or MC_EINVAL (out is then closed). */
int workcal_parse_day(const char *stored, struct office_day *out);

/*
 * Load the calendar of agency 'agency_id' for the span starting the year before that of
 * 'around_ms': its office hours (agencies.office_hours; the default week when it has none or
 * they are unreadable) and the holidays table, where a year never filled (holiday_years)
 * counts with its computed defaults (holiday_defaults).  MC_EDB.
 */
int workcal_load(struct db *db, int64_t agency_id, int64_t around_ms, struct workcal *c);

/* The local day (Julian day number) holding instant 'ms', before 1970 too. */
long workcal_day_of(int64_t ms);

/* The instant local day 'jdn' (a Julian day number) begins: its local midnight. */
int64_t workcal_day_start(long jdn);

/* The office hours of the local day holding 'ms' (after holidays and swaps). */
const struct office_day *workcal_hours_of(const struct workcal *c, int64_t ms);

/* The first working instant at or after 'ms'. */
int64_t workcal_next_open(const struct workcal *c, int64_t ms);

/* The instant 'minutes' working minutes after 'ms' (counting from workcal_next_open(ms)); a
 * sum that ends as a period closes ends at its close.  'minutes' 0 gives the next open. */
int64_t workcal_add(const struct workcal *c, int64_t ms, int64_t minutes);

/* The working minutes between 'from' and 'to' (0 when 'to' is not after 'from'). */
int64_t workcal_between(const struct workcal *c, int64_t from, int64_t to);

/* How a procedure's time is counted (procedures.time_kind). */
enum workcal_time_kind {
	WORKCAL_DAYS,      /* 'value' working days of 8 working hours */
	WORKCAL_HOURS,     /* 'value' working hours */
	WORKCAL_SAME_DAY,  /* the same working day; the next one when received after 15:00 */
};

/*
 * The due instant of a dossier received at 'received_ms' with time 'value' of 'kind'.  A
 * dossier received outside office hours counts from the next opening.  Same-day: received on a
 * working day before 15:00 (including before opening), due when that day's office closes;
 * otherwise when the next working day's office closes.
 */
int64_t workcal_due(const struct workcal *c, int64_t received_ms, enum workcal_time_kind kind,
                    int value);

/*
 * A due instant moved by a pause (a supplement awaited from 'paused_ms' to 'resumed_ms'): the
 * working time that passed during the pause is added to 'due_ms', so the agency keeps the
 * working time it had left, and a dossier already late when the pause began stays as late.
 */
int64_t workcal_resume(const struct workcal *c, int64_t due_ms, int64_t paused_ms,
                       int64_t resumed_ms);

#endif
