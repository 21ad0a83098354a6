/* holiday.h: public holidays and swapped working days, per calendar day (system-wide). */
#ifndef MC_HOLIDAY_H
#define MC_HOLIDAY_H

#include <jansson.h>
#include <stdint.h>

#include "domain/actor.h"
#include "domain/field_errors.h"

struct db;

/*
 * The holiday calendar serves every agency, so only a system administrator reads or changes it
 * here: anyone else gets MC_EFORBIDDEN.  Each day appears at most once: a day off ("day_off",
 * "Ngày nghỉ") or a working day in place of a weekend ("working_day", "Ngày làm việc bù", which
 * must fall on a Saturday or a Sunday).  Every change is written to the audit log (entity
 * "holiday", no agency) in its transaction.
 */

#define HOLIDAY_NAME_MAX 200    /* characters */
#define HOLIDAY_YEAR_MIN 2000
#define HOLIDAY_YEAR_MAX 2100

/* The holiday form as typed (NFC; this module trims).  NULL reads as "". */
struct holiday_form {
	const char *day;   /* "dd/mm/yyyy" (one-digit day and month allowed) or "YYYY-MM-DD" */
	const char *kind;  /* "day_off" or "working_day" */
	const char *name;  /* e.g. "Tết Dương lịch" */
};

/* The form fields of holiday_form, in page order. */
extern const char *const holiday_form_fields[];
extern const size_t holiday_form_field_count;

/* The Vietnamese name of kind 'kind' ("Ngày nghỉ", "Ngày làm việc bù"), or "". */
const char *holiday_kind_label(const char *kind);

/*
 * Parse a day typed as "dd/mm/yyyy" or "YYYY-MM-DD" into "YYYY-MM-DD" (out: 11 bytes).  The day
 * must exist in the Gregorian calendar and its year lie in HOLIDAY_YEAR_MIN..HOLIDAY_YEAR_MAX.
 * 0, or MC_EINVAL (out is then "").
 */
int holiday_parse_day(const char *s, char out[11]);

/*
 * The days of 'year' in date order, in *out (new reference):
 *   { "year", "years": [ { year, selected } ], "items": [ { id, day, day_text ("dd/mm/yyyy"),
 *     weekday, kind, kind_label, is_day_off, name } ], "total" }
 * "years" holds every year with a day stored, this_year - 1 .. this_year + 1 and 'year',
 * ascending (for choosing a year).  MC_EINVAL: a year outside HOLIDAY_YEAR_MIN..MAX;
 * MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int holiday_list(struct db *db, const struct actor *actor, int year, int this_year,
                 json_t **out);

/* Day 'id' in *out (new reference): id, day, day_text, kind, kind_label, name and "values" (the
 * edit form filled in).  MC_ENOTFOUND; MC_EFORBIDDEN; MC_EDB; MC_ENOMEM. */
int holiday_get(struct db *db, const struct actor *actor, int64_t id, json_t **out);

/*
 * Add a day from 'in' at 'now_ms'; *id receives its id and *day its "YYYY-MM-DD" (11 bytes, so
 * the page can show its year).  MC_EINVAL: 'errs' names each wrong field (a day already listed
 * is named with its name); MC_EFORBIDDEN; MC_EDB.
 */
int holiday_create(struct db *db, const struct actor *actor, int64_t now_ms,
                   const struct holiday_form *in, int64_t *id, char day[11],
                   struct field_errors *errs);

/* Change day 'id' to 'in' (rules as holiday_create; *day as there).  MC_EINVAL with 'errs';
 * MC_ENOTFOUND; MC_EFORBIDDEN; MC_EDB. */
int holiday_update(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                   const struct holiday_form *in, char day[11], struct field_errors *errs);

/* Delete day 'id' for good (the audit record keeps what it was); *day receives its date.
 * MC_ENOTFOUND; MC_EFORBIDDEN; MC_EDB. */
int holiday_delete(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                   char day[11]);

/*
 * Default holidays.  A year's days are data that administrators change (the Prime Minister
 * fixes the civil service's Tết days each year), but every year starts from defaults computed
 * here, the lunar ones included, so that deadlines are right even for a year nobody has
 * looked at yet:
 *   - 1/1 Tết Dương lịch; 30/4 Ngày Chiến thắng; 1/5 Ngày Quốc tế Lao động;
 *   - Tết Nguyên đán: the last day of the lunar year and the first four of the new one;
 *   - Giỗ Tổ Hùng Vương: the 10th day of the 3rd lunar month;
 *   - 2/9 Quốc khánh and one day next to it, the one that joins it to the weekend (Monday,
 *     Thursday, Sunday: 3/9; Tuesday, Wednesday, Friday, Saturday: 1/9);
 *   - from 2026, 24/11 Ngày Văn hóa Việt Nam;
 *   - for each of these that falls on a Saturday or a Sunday, a day off in compensation on the
 *     next working day that is not already off ("Nghỉ bù ...", Labour Code art. 111).
 * Up to HOLIDAY_DEFAULTS_MAX days in date order; returns how many (0 for a year outside
 * HOLIDAY_YEAR_MIN..MAX).
 */
#define HOLIDAY_DEFAULTS_MAX 32
#define HOLIDAY_CULTURE_DAY_FROM 2026 /* Ngày Văn hóa Việt Nam, 24/11, a day off from 2026 */

struct holiday_default {
	int month, day;
	char name[96];
};

int holiday_defaults(int year, struct holiday_default out[HOLIDAY_DEFAULTS_MAX]);

/*
 * Fill year 'year' with its defaults the first time anyone needs it stored (the holiday pages,
 * through holiday_open_year; until then the working-day arithmetic counts the computed
 * defaults of a year not filled), inside the caller's transaction: days already listed are kept as
 * they are, the year is marked filled (holiday_years) so that a default an administrator
 * deleted never comes back, and one audit record names what was added.  A year already filled
 * is left alone.  *added (may be NULL) receives how many days were added.  MC_EINVAL: a year
 * out of range; MC_EDB.
 */
int holiday_fill_year(struct db *db, const struct actor *actor, int64_t now_ms, int year,
                      int *added);

/* holiday_fill_year in a transaction of its own, for a system administrator about to see or
 * change year 'year' (the holiday pages).  MC_EFORBIDDEN; MC_EINVAL; MC_EDB. */
int holiday_open_year(struct db *db, const struct actor *actor, int64_t now_ms, int year);

/* 1 when year 'year' has been filled (its stored days are the whole truth), 0 when it has not
 * (its computed defaults stand in), or MC_EDB. */
int holiday_year_filled(struct db *db, int year);

/* How many days 'year' lists.  MC_EFORBIDDEN; MC_EDB. */
int holiday_count(struct db *db, const struct actor *actor, int year, int64_t *n);

#endif
