/* workcal.c: working time and deadlines (workcal.h). */
#include "domain/workcal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "domain/holiday.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/lunar.h"
#include "store/db.h"

#define MINUTE_MS 60000LL
#define DAY_MS (24 * 60 * MINUTE_MS)
#define JDN_EPOCH 2440588L   /* Julian day number of 1 January 1970 */
#define SEARCH_DAYS 3660     /* how far to look for an open office before giving up */

void workcal_default_week(struct office_day week[7])
{
	memset(week, 0, 7 * sizeof(*week));
	for (int d = 0; d < 5; d++) {
		week[d].n = 2;
		week[d].p[0] = (struct office_period){ 7 * 60 + 30, 11 * 60 + 30 };
		week[d].p[1] = (struct office_period){ 13 * 60, 17 * 60 };
	}
}

void workcal_init(struct workcal *c, const struct office_day *week, int year_from)
{
	int open = 0;

	memset(c, 0, sizeof(*c));
	if (week != NULL) {
		memcpy(c->week, week, sizeof(c->week));
		for (int d = 0; d < 7; d++)
			open += c->week[d].n;
	}
	/* A week without a single open hour would make every deadline endless. */
	if (!open)
		workcal_default_week(c->week);
	/* A swapped working day keeps the hours of the first weekday that has any. */
	for (int d = 0; d < 7; d++)
		if (c->week[d].n > 0) {
			c->swapped = c->week[d];
			break;
		}
	c->year_from = year_from;
	c->jdn_from = lunar_jdn(year_from, 1, 1);
}

void workcal_set_day(struct workcal *c, int year, int month, int day, enum workcal_day_kind kind)
{
	long i = lunar_jdn(year, month, day) - c->jdn_from;

	if (i >= 0 && i < (long)sizeof(c->kind))
		c->kind[i] = (unsigned char)kind;
}

long workcal_day_of(int64_t ms)
{
	int64_t local = ms + CLOCK_LOCAL_OFFSET_MS;
	int64_t d = local / DAY_MS;

	if (local % DAY_MS < 0)
		d--;
	return (long)d + JDN_EPOCH;
}

int64_t workcal_day_start(long jdn)
{
	return (int64_t)(jdn - JDN_EPOCH) * DAY_MS - CLOCK_LOCAL_OFFSET_MS;
}

static const struct office_day closed_day;

static const struct office_day *hours_of_day(const struct workcal *c, long jdn)
{
	long i = jdn - c->jdn_from;
	int kind = i >= 0 && i < (long)sizeof(c->kind) ? c->kind[i] : WORKCAL_NORMAL;

	if (kind == WORKCAL_DAY_OFF)
		return &closed_day;
	if (kind == WORKCAL_WORKING_DAY)
		return &c->swapped;
	return &c->week[jdn % 7]; /* Julian day 0 was a Monday */
}

const struct office_day *workcal_hours_of(const struct workcal *c, int64_t ms)
{
	return hours_of_day(c, workcal_day_of(ms));
}

int64_t workcal_next_open(const struct workcal *c, int64_t ms)
{
	long jdn = workcal_day_of(ms);

	for (int n = 0; n < SEARCH_DAYS; n++, jdn++) {
		const struct office_day *h = hours_of_day(c, jdn);
		int64_t base = workcal_day_start(jdn);

		for (int i = 0; i < h->n; i++) {
			int64_t start = base + h->p[i].start * MINUTE_MS, end = base + h->p[i].end * MINUTE_MS;

			if (ms < end)
				return ms > start ? ms : start;
		}
	}
	return ms; /* never open: the calendar is empty */
}

int64_t workcal_add(const struct workcal *c, int64_t ms, int64_t minutes)
{
	int64_t t = workcal_next_open(c, ms), left = minutes * MINUTE_MS;

	for (int n = 0; n < SEARCH_DAYS * WORKCAL_PERIODS_MAX; n++) {
		long jdn = workcal_day_of(t);
		const struct office_day *h = hours_of_day(c, jdn);
		int64_t base = workcal_day_start(jdn), end = t;

		/* The period t lies in (next_open always lands in one). */
		for (int i = 0; i < h->n; i++)
			if (t < base + h->p[i].end * MINUTE_MS) {
				end = base + h->p[i].end * MINUTE_MS;
				break;
			}
		if (left <= end - t)
			return t + left;
		left -= end - t;
		t = workcal_next_open(c, end);
	}
	return t;
}

int64_t workcal_between(const struct workcal *c, int64_t from, int64_t to)
{
	int64_t sum = 0;

	if (to <= from)
		return 0;
	for (long jdn = workcal_day_of(from), last = workcal_day_of(to); jdn <= last; jdn++) {
		const struct office_day *h = hours_of_day(c, jdn);
		int64_t base = workcal_day_start(jdn);

		for (int i = 0; i < h->n; i++) {
			int64_t a = base + h->p[i].start * MINUTE_MS, b = base + h->p[i].end * MINUTE_MS;

			if (a < from)
				a = from;
			if (b > to)
				b = to;
			if (b > a)
				sum += b - a;
		}
	}
	return sum / MINUTE_MS;
}

/* When the office of local day 'jdn' closes (its last period's end); -1 when closed. */
static int64_t closing(const struct workcal *c, long jdn)
{
	const struct office_day *h = hours_of_day(c, jdn);

	return h->n > 0 ? workcal_day_start(jdn) + h->p[h->n - 1].end * MINUTE_MS : -1;
}

int64_t workcal_due(const struct workcal *c, int64_t received_ms, enum workcal_time_kind kind,
                    int value)
{
	long jdn;
	int64_t close;

	if (value < 0)
		value = 0;
	switch (kind) {
	case WORKCAL_DAYS:
		return workcal_add(c, received_ms, (int64_t)value * WORKCAL_DAY_MINUTES);
	case WORKCAL_HOURS:
		return workcal_add(c, received_ms, (int64_t)value * 60);
	case WORKCAL_SAME_DAY:
		break;
	}
	jdn = workcal_day_of(received_ms);
	close = closing(c, jdn);
	if (close >= 0 &&
	    received_ms < workcal_day_start(jdn) + WORKCAL_SAME_DAY_CUTOFF * MINUTE_MS &&
	    received_ms < close)
		return close;
	for (int n = 1; n < SEARCH_DAYS; n++)
		if ((close = closing(c, jdn + n)) >= 0)
			return close;
	return received_ms;
}

int64_t workcal_resume(const struct workcal *c, int64_t due_ms, int64_t paused_ms,
                       int64_t resumed_ms)
{
	int64_t waited = workcal_between(c, paused_ms, resumed_ms);

	/* In working time the due instant moves by exactly what was waited: a dossier already late
	 * when the pause began stays as late. */
	return waited > 0 ? workcal_add(c, due_ms, waited) : due_ms;
}

/* ---- loading ---- */

/* "HH:MM" at s: minutes after midnight, or -1. */
static int hhmm(const char *s)
{
	if (s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' || s[2] != ':' || s[3] < '0' ||
	    s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
}

int workcal_parse_day(const char *stored, struct office_day *out)
{
	const char *p = stored != NULL ? stored : "";

	memset(out, 0, sizeof(*out));
	while (*p != '\0') {
		int a, b;

		if (out->n == WORKCAL_PERIODS_MAX || strlen(p) < 11 || (a = hhmm(p)) < 0 ||
		    p[5] != '-' || (b = hhmm(p + 6)) < 0 || b <= a ||
		    (out->n > 0 && a < out->p[out->n - 1].end))
			goto bad;
		out->p[out->n++] = (struct office_period){ a, b };
		p += 11;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return MC_EINVAL;
}

/* The office hours of agency 'agency_id' (agencies.office_hours, a JSON array of seven
 * normalised days, Monday first) into week[]; the default week when unreadable. */
static int load_week(struct db *db, int64_t agency_id, struct office_day week[7])
{
	struct db_stmt *st;
	json_t *days = NULL;
	int rc;

	workcal_default_week(week);
	if ((rc = db_row_by_id(db, "SELECT office_hours FROM agencies WHERE id = ?", agency_id,
	                       &st)) != 0)
		return rc == MC_ENOTFOUND ? 0 : rc;
	days = json_loads(db_col_text(st, 0, NULL), 0, NULL);
	db_reset(st);
	if (json_is_array(days) && json_array_size(days) == 7) {
		struct office_day parsed[7];
		int ok = 1;

		for (size_t i = 0; i < 7 && ok; i++)
			ok = workcal_parse_day(json_string_value(json_array_get(days, i)), &parsed[i]) == 0;
		if (ok)
			memcpy(week, parsed, sizeof(parsed));
	}
	json_decref(days);
	return 0;
}

int workcal_load(struct db *db, int64_t agency_id, int64_t around_ms, struct workcal *c)
{
	struct office_day week[7];
	struct db_stmt *st;
	struct solar_day today = lunar_from_jdn(workcal_day_of(around_ms));
	char from[24], to[24];
	int rc, year_from = today.year - 1;

	if ((rc = load_week(db, agency_id, week)) != 0)
		return rc;
	workcal_init(c, week, year_from);
	/* Years nobody has filled yet count with their computed defaults. */
	for (int y = year_from; y < year_from + WORKCAL_SPAN_YEARS; y++) {
		struct holiday_default defs[HOLIDAY_DEFAULTS_MAX];
		int n;

		if ((rc = holiday_year_filled(db, y)) < 0)
			return rc;
		if (rc == 1)
			continue;
		n = holiday_defaults(y, defs);
		for (int i = 0; i < n; i++)
			workcal_set_day(c, y, defs[i].month, defs[i].day, WORKCAL_DAY_OFF);
	}
	snprintf(from, sizeof(from), "%04d-01-01", year_from);
	snprintf(to, sizeof(to), "%04d-12-31", year_from + WORKCAL_SPAN_YEARS - 1);
	rc = db_prepare(db, "SELECT day, kind FROM holidays WHERE day >= ? AND day <= ?", &st);
	if (rc != 0 || (rc = db_bind_cstr(st, 1, from)) != 0 || (rc = db_bind_cstr(st, 2, to)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *day = db_col_text(st, 0, NULL), *kind = db_col_text(st, 1, NULL);
		int y, m, d;

		if (day == NULL || kind == NULL || sscanf(day, "%4d-%2d-%2d", &y, &m, &d) != 3)
			continue;
		workcal_set_day(c, y, m, d,
		                strcmp(kind, "working_day") == 0 ? WORKCAL_WORKING_DAY : WORKCAL_DAY_OFF);
	}
	return rc == DB_DONE ? 0 : (rc < 0 ? rc : MC_EDB);
}
