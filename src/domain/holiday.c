/* holiday.c: the holiday calendar: days off and swapped working days, with audit records. */
#include "domain/fields.h"
#include "domain/holiday.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/scope.h"
#include "domain/validate.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/lunar.h"
#include "store/db.h"

const char *const holiday_form_fields[] = { "day", "kind", "name" };
const size_t holiday_form_field_count = sizeof(holiday_form_fields) / sizeof(holiday_form_fields[0]);

static const char *const weekday_names[7] = {
	"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy",
};

const char *holiday_kind_label(const char *kind)
{
	if (kind == NULL)
		return "";
	if (strcmp(kind, "day_off") == 0)
		return "Ngày nghỉ";
	if (strcmp(kind, "working_day") == 0)
		return "Ngày làm việc bù";
	return "";
}

/* ---- dates ---- */

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* 0 Sunday .. 6 Saturday (Sakamoto's method). */
static int weekday(int y, int m, int d)
{
	static const int t[12] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

	if (m < 3)
		y--;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

/* Read 1..maxd ASCII digits at *p into *v; 0 or -1. */
static int read_num(const char **p, int mind, int maxd, int *v)
{
	int n = 0;

	*v = 0;
	while (**p >= '0' && **p <= '9' && n < maxd) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n >= mind && !(**p >= '0' && **p <= '9') ? 0 : -1;
}

int holiday_parse_day(const char *s, char out[11])
{
	const char *p = s != NULL ? s : "";
	int y, m, d;

	out[0] = '\0';
	while (*p == ' ')
		p++;
	if (strchr(p, '/') != NULL) {
		if (read_num(&p, 1, 2, &d) != 0 || *p++ != '/' || read_num(&p, 1, 2, &m) != 0 ||
		    *p++ != '/' || read_num(&p, 4, 4, &y) != 0)
			return MC_EINVAL;
	} else if (read_num(&p, 4, 4, &y) != 0 || *p++ != '-' || read_num(&p, 2, 2, &m) != 0 ||
	           *p++ != '-' || read_num(&p, 2, 2, &d) != 0) {
		return MC_EINVAL;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0' || y < HOLIDAY_YEAR_MIN || y > HOLIDAY_YEAR_MAX || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return MC_EINVAL;
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
	return 0;
}

/* "2026-09-02" as "02/09/2026", and its weekday's name. */
static void day_text(const char *day, char text[16], const char **wd)
{
	int y = atoi(day), m = atoi(day + 5), d = atoi(day + 8);

	snprintf(text, 16, "%02d/%02d/%04d", d % 100, m % 100, y % 10000);
	*wd = y > 0 && m >= 1 && m <= 12 && d >= 1 ? weekday_names[weekday(y, m, d)] : "";
}

/* ---- reading ---- */

static int require_global(const struct actor *actor)
{
	return scope_is_global(actor) ? 0 : MC_EFORBIDDEN;
}

/* Fill the year of "YYYY-MM-DD" 'day' before it is changed (holiday_fill_year): the first
 * change an administrator makes to a year must not lose its defaults. */
static int fill_year_of(struct db *db, const struct actor *actor, int64_t now_ms, const char *day)
{
	int year = day != NULL && strlen(day) >= 4 ? atoi(day) : 0;

	if (year < HOLIDAY_YEAR_MIN || year > HOLIDAY_YEAR_MAX)
		return 0;
	return holiday_fill_year(db, actor, now_ms, year, NULL);
}

static json_t *holiday_json(int64_t id, const char *day, const char *kind, const char *name)
{
	char text[16];
	const char *wd;

	day_text(day, text, &wd);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "id", (json_int_t)id, "day", day,
	                 "day_text", text, "weekday", wd, "kind", kind, "kind_label",
	                 holiday_kind_label(kind), "is_day_off", strcmp(kind, "day_off") == 0, "name",
	                 name);
}

static int add_year(json_t *years, int y)
{
	size_t i, n = json_array_size(years);

	for (i = 0; i < n; i++) {
		int have = (int)json_integer_value(json_array_get(years, i));
		if (have == y)
			return 0;
		if (have > y)
			break;
	}
	return json_array_insert_new(years, i, json_integer(y)) == 0 ? 0 : MC_ENOMEM;
}

int holiday_list(struct db *db, const struct actor *actor, int year, int this_year,
                 json_t **out)
{
	struct db_stmt *st;
	json_t *items = NULL, *years = NULL, *choices = NULL;
	char from[11], to[11];
	int rc;

	*out = NULL;
	if ((rc = require_global(actor)) != 0)
		return rc;
	if (year < HOLIDAY_YEAR_MIN || year > HOLIDAY_YEAR_MAX)
		return MC_EINVAL;
	items = json_array();
	years = json_array();
	choices = json_array();
	if (items == NULL || years == NULL || choices == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	snprintf(from, sizeof(from), "%04d-01-01", year);
	snprintf(to, sizeof(to), "%04d-12-31", year);
	rc = db_prepare(db,
	                "SELECT id, day, kind, name FROM holidays WHERE day >= ? AND day <= ? "
	                "ORDER BY day",
	                &st);
	if (rc != 0 || (rc = db_bind_cstr(st, 1, from)) != 0 || (rc = db_bind_cstr(st, 2, to)) != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, holiday_json(db_col_int64(st, 0), db_col_text(st, 1, NULL),
		                                          db_col_text(st, 2, NULL),
		                                          db_col_text(st, 3, NULL)));
	if (rc < 0)
		goto out;
	rc = db_prepare(db, "SELECT DISTINCT substr(day, 1, 4) FROM holidays", &st);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		int y = atoi(db_col_text(st, 0, NULL));
		if (y >= HOLIDAY_YEAR_MIN && y <= HOLIDAY_YEAR_MAX && (rc = add_year(years, y)) != 0) {
			db_reset(st);
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	for (int y = this_year - 1; y <= this_year + 1; y++)
		if (y >= HOLIDAY_YEAR_MIN && y <= HOLIDAY_YEAR_MAX && (rc = add_year(years, y)) != 0)
			goto out;
	if ((rc = add_year(years, year)) != 0)
		goto out;
	for (size_t i = 0; i < json_array_size(years); i++) {
		json_int_t y = json_integer_value(json_array_get(years, i));
		json_array_append_new(choices, json_pack("{s:I, s:b}", "year", y, "selected", y == year));
	}
	*out = json_pack("{s:i, s:O, s:O, s:I}", "year", year, "years", choices, "items", items,
	                 "total", (json_int_t)json_array_size(items));
	rc = *out != NULL ? 0 : MC_ENOMEM;
out:
	json_decref(items);
	json_decref(years);
	json_decref(choices);
	return rc;
}

static int holiday_load(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = db_row_by_id(db, "SELECT id, day, kind, name FROM holidays WHERE id = ?", id,
	                       &st)) != 0)
		return rc;
	*out = holiday_json(db_col_int64(st, 0), db_col_text(st, 1, NULL), db_col_text(st, 2, NULL),
	                    db_col_text(st, 3, NULL));
	db_reset(st);
	return *out != NULL ? 0 : MC_ENOMEM;
}

static const char *json_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

int holiday_get(struct db *db, const struct actor *actor, int64_t id, json_t **out)
{
	json_t *h;
	int rc;

	*out = NULL;
	if ((rc = require_global(actor)) != 0)
		return rc;
	if ((rc = holiday_load(db, id, &h)) != 0)
		return rc;
	json_object_set_new(h, "values",
	                    json_pack("{s:s, s:s, s:s}", "day", json_str(h, "day_text"), "kind",
	                              json_str(h, "kind"), "name", json_str(h, "name")));
	*out = h;
	return 0;
}

/* What the audit log keeps of a day. */
static json_t *holiday_snapshot(const json_t *h)
{
	return json_pack("{s:s, s:s, s:s}", "day", json_str(h, "day"), "kind", json_str(h, "kind"),
	                 "name", json_str(h, "name"));
}

/* ---- the form's rules ---- */

struct holiday_clean {
	char day[11];
	char kind[16];
	char name[HOLIDAY_NAME_MAX * 4 + 1];
};

/* Another day already listed on 'day' is named in the message. */
static int check_day_free(struct db *db, const char *day, int64_t self, struct field_errors *errs)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT name FROM holidays WHERE day = ? AND id <> ?", &st);

	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, day)) != 0 || (rc = db_bind_int64(st, 2, self)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_ROW) {
		char text[16];
		const char *wd;
		day_text(day, text, &wd);
		field_errors_addf(errs, "day", "Ngày %s đã có trong danh sách (“%s”). Mỗi ngày chỉ được "
		                  "nhập một lần.", text, db_col_text(st, 0, NULL));
		db_reset(st);
	}
	return 0;
}

static int check_form(struct db *db, const struct holiday_form *in, int64_t self,
                      struct holiday_clean *c, struct field_errors *errs)
{
	char raw[64];
	const char *msg;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = fields_trim(in->day, raw, sizeof(raw));
	if (rc == 0 && raw[0] == '\0')
		field_errors_add(errs, "day", "Vui lòng nhập ngày, ví dụ 02/09/2026.");
	else if (rc != 0 || holiday_parse_day(raw, c->day) != 0)
		field_errors_add(errs, "day",
		                 "Ngày không hợp lệ. Vui lòng nhập một ngày có thật theo dạng "
		                 "ngày/tháng/năm, ví dụ 02/09/2026, từ năm 2000 đến năm 2100.");
	else if ((rc = check_day_free(db, c->day, self, errs)) != 0)
		return rc;
	fields_trim(in->kind, c->kind, sizeof(c->kind));
	if (holiday_kind_label(c->kind)[0] == '\0')
		field_errors_add(errs, "kind", "Vui lòng chọn loại ngày: ngày nghỉ hoặc ngày làm việc bù.");
	else if (strcmp(c->kind, "working_day") == 0 && c->day[0] != '\0') {
		int wd = weekday(atoi(c->day), atoi(c->day + 5), atoi(c->day + 8));
		if (wd != 0 && wd != 6)
			field_errors_add(errs, "kind",
			                 "Ngày làm việc bù phải là thứ Bảy hoặc Chủ nhật; ngày đã nhập là "
			                 "ngày làm việc bình thường.");
	}
	if (fields_trim(in->name, c->name, sizeof(c->name)) != 0 ||
	    fields_chars(c->name) > HOLIDAY_NAME_MAX)
		field_errors_add(errs, "name", "Vui lòng rút gọn tên ngày: tối đa 200 ký tự.");
	else if (c->name[0] == '\0')
		field_errors_add(errs, "name", "Vui lòng nhập tên ngày, ví dụ Ngày Quốc khánh.");
	else if (validate_text(c->name, 1, HOLIDAY_NAME_MAX, &msg) != 0)
		field_errors_add(errs, "name", "Vui lòng nhập lại tên ngày: có ký tự không hợp lệ.");
	return 0;
}

static void summary_of(char *out, size_t cap, const char *verb, const struct holiday_clean *c)
{
	char text[16];
	const char *wd;

	day_text(c->day, text, &wd);
	snprintf(out, cap, "%s %s %s: %s", verb, holiday_kind_label(c->kind), text, c->name);
}

int holiday_create(struct db *db, const struct actor *actor, int64_t now_ms,
                   const struct holiday_form *in, int64_t *id, char day[11],
                   struct field_errors *errs)
{
	struct holiday_clean c;
	struct db_stmt *st;
	json_t *after = NULL, *snap = NULL;
	char summary[HOLIDAY_NAME_MAX * 4 + 96];
	int rc;

	*id = 0;
	day[0] = '\0';
	if ((rc = require_global(actor)) != 0)
		return rc;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if (holiday_parse_day(in->day, c.day) == 0 &&
	    (rc = fill_year_of(db, actor, now_ms, c.day)) != 0)
		goto out;
	if ((rc = check_form(db, in, 0, &c, errs)) != 0)
		goto out;
	if (errs->count > 0) {
		rc = MC_EINVAL;
		goto out;
	}
	rc = db_prepare(db, "INSERT INTO holidays (day, kind, name) VALUES (?, ?, ?)", &st);
	if (rc != 0 || (rc = db_bind_cstr(st, 1, c.day)) != 0 ||
	    (rc = db_bind_cstr(st, 2, c.kind)) != 0 || (rc = db_bind_cstr(st, 3, c.name)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0) {
		if (rc == MC_ECONFLICT) {
			field_errors_add(errs, "day", "Ngày này đã có trong danh sách.");
			rc = MC_EINVAL;
		}
		goto out;
	}
	*id = db_last_id(db);
	if ((rc = holiday_load(db, *id, &after)) != 0)
		goto out;
	snap = holiday_snapshot(after);
	summary_of(summary, sizeof(summary), "Thêm", &c);
	if ((rc = audit_record(db, actor, now_ms, "create", "holiday", *id, 0, summary, NULL,
	                       snap)) != 0)
		goto out;
	rc = db_commit(db);
	if (rc == 0)
		memcpy(day, c.day, 11);
out:
	if (rc != 0) {
		db_rollback(db);
		*id = 0;
	}
	json_decref(after);
	json_decref(snap);
	return rc;
}

int holiday_update(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                   const struct holiday_form *in, char day[11], struct field_errors *errs)
{
	struct holiday_clean c;
	struct db_stmt *st;
	json_t *before = NULL, *after = NULL, *snap_before = NULL, *snap_after = NULL;
	char summary[HOLIDAY_NAME_MAX * 4 + 96];
	int rc;

	day[0] = '\0';
	if ((rc = require_global(actor)) != 0)
		return rc;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = holiday_load(db, id, &before)) != 0 ||
	    (rc = fill_year_of(db, actor, now_ms, json_str(before, "day"))) != 0)
		goto out;
	if (holiday_parse_day(in->day, c.day) == 0 &&
	    (rc = fill_year_of(db, actor, now_ms, c.day)) != 0)
		goto out;
	if ((rc = check_form(db, in, id, &c, errs)) != 0)
		goto out;
	if (errs->count > 0) {
		rc = MC_EINVAL;
		goto out;
	}
	memcpy(day, c.day, 11);
	rc = db_prepare(db, "UPDATE holidays SET day = ?, kind = ?, name = ? WHERE id = ?", &st);
	if (rc != 0 || (rc = db_bind_cstr(st, 1, c.day)) != 0 ||
	    (rc = db_bind_cstr(st, 2, c.kind)) != 0 || (rc = db_bind_cstr(st, 3, c.name)) != 0 ||
	    (rc = db_bind_int64(st, 4, id)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0) {
		if (rc == MC_ECONFLICT) {
			field_errors_add(errs, "day", "Ngày này đã có trong danh sách.");
			rc = MC_EINVAL;
		}
		goto out;
	}
	if ((rc = holiday_load(db, id, &after)) != 0)
		goto out;
	snap_before = holiday_snapshot(before);
	snap_after = holiday_snapshot(after);
	if (json_equal(snap_before, snap_after)) {
		db_rollback(db);
		goto done;
	}
	summary_of(summary, sizeof(summary), "Sửa", &c);
	if ((rc = audit_record(db, actor, now_ms, "update", "holiday", id, 0, summary, snap_before,
	                       snap_after)) != 0)
		goto out;
	rc = db_commit(db);
out:
	if (rc != 0) {
		db_rollback(db);
		day[0] = '\0';
	}
done:
	json_decref(before);
	json_decref(after);
	json_decref(snap_before);
	json_decref(snap_after);
	return rc;
}

int holiday_delete(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                   char day[11])
{
	struct holiday_clean c;
	struct db_stmt *st;
	json_t *before = NULL, *snap = NULL;
	char summary[HOLIDAY_NAME_MAX * 4 + 96];
	int rc;

	day[0] = '\0';
	if ((rc = require_global(actor)) != 0)
		return rc;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = holiday_load(db, id, &before)) != 0 ||
	    (rc = fill_year_of(db, actor, now_ms, json_str(before, "day"))) != 0)
		goto out;
	rc = db_prepare(db, "DELETE FROM holidays WHERE id = ?", &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, id)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0)
		goto out;
	snap = holiday_snapshot(before);
	memset(&c, 0, sizeof(c));
	snprintf(c.day, sizeof(c.day), "%s", json_str(before, "day"));
	snprintf(c.kind, sizeof(c.kind), "%s", json_str(before, "kind"));
	snprintf(c.name, sizeof(c.name), "%s", json_str(before, "name"));
	summary_of(summary, sizeof(summary), "Xoá", &c);
	if ((rc = audit_record(db, actor, now_ms, "delete", "holiday", id, 0, summary, snap,
	                       NULL)) != 0)
		goto out;
	rc = db_commit(db);
	if (rc == 0)
		memcpy(day, c.day, 11);
out:
	if (rc != 0)
		db_rollback(db);
	json_decref(before);
	json_decref(snap);
	return rc;
}

int holiday_count(struct db *db, const struct actor *actor, int year, int64_t *n)
{
	struct db_stmt *st;
	char from[11], to[11];
	int rc;

	*n = 0;
	if ((rc = require_global(actor)) != 0)
		return rc;
	snprintf(from, sizeof(from), "%04d-01-01", year);
	snprintf(to, sizeof(to), "%04d-12-31", year);
	rc = db_prepare(db, "SELECT count(*) FROM holidays WHERE day >= ? AND day <= ?", &st);
	if (rc != 0 || (rc = db_bind_cstr(st, 1, from)) != 0 || (rc = db_bind_cstr(st, 2, to)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_ROW) {
		*n = db_col_int64(st, 0);
		db_reset(st);
	}
	return 0;
}

/* ---- defaults ---- */

/* One default day while the list is built: its Julian day number and name. */
struct base_day {
	long jdn;
	const char *name;
	int compensated; /* a compensation day ("Nghỉ bù ...") */
};

static int add_base(struct base_day *days, int *n, long jdn, const char *name, int compensated)
{
	for (int i = 0; i < *n; i++)
		if (days[i].jdn == jdn)
			return 0; /* two holidays on one day: the first name stays */
	if (*n >= HOLIDAY_DEFAULTS_MAX)
		return -1;
	days[(*n)++] = (struct base_day){ jdn, name, compensated };
	return 0;
}

static int off_on(const struct base_day *days, int n, long jdn)
{
	for (int i = 0; i < n; i++)
		if (days[i].jdn == jdn)
			return 1;
	return 0;
}

static int by_day(const void *a, const void *b)
{
	long x = ((const struct base_day *)a)->jdn, y = ((const struct base_day *)b)->jdn;

	return (x > y) - (x < y);
}

/* Julian day 0 was a Monday: 5 and 6 are Saturday and Sunday. */
static int weekend(long jdn)
{
	return jdn % 7 >= 5;
}

int holiday_defaults(int year, struct holiday_default out[HOLIDAY_DEFAULTS_MAX])
{
	struct base_day days[HOLIDAY_DEFAULTS_MAX];
	struct solar_day tet, gio_to;
	long jdn, sep2;
	int n = 0, base;

	if (year < HOLIDAY_YEAR_MIN || year > HOLIDAY_YEAR_MAX ||
	    lunar_to_solar(year, 1, 1, 0, &tet) != 0 || lunar_to_solar(year, 3, 10, 0, &gio_to) != 0)
		return 0;
	add_base(days, &n, lunar_jdn(year, 1, 1), "Tết Dương lịch", 0);
	jdn = lunar_jdn(tet.year, tet.month, tet.day);
	for (long d = jdn - 1; d <= jdn + 3; d++)
		add_base(days, &n, d, "Tết Nguyên đán", 0);
	add_base(days, &n, lunar_jdn(gio_to.year, gio_to.month, gio_to.day),
	         "Giỗ Tổ Hùng Vương (10/3 âm lịch)", 0);
	add_base(days, &n, lunar_jdn(year, 4, 30), "Ngày Chiến thắng", 0);
	add_base(days, &n, lunar_jdn(year, 5, 1), "Ngày Quốc tế Lao động", 0);
	sep2 = lunar_jdn(year, 9, 2);
	add_base(days, &n, sep2, "Quốc khánh", 0);
	switch (sep2 % 7) {
	case 1: /* Tuesday: Monday joins the weekend */
	case 2: /* Wednesday: Tuesday */
	case 4: /* Friday: Thursday to Sunday */
	case 5: /* Saturday: Friday before it */
		add_base(days, &n, sep2 - 1, "Quốc khánh (ngày liền kề)", 0);
		break;
	default: /* Monday, Thursday, Sunday: the day after */
		add_base(days, &n, sep2 + 1, "Quốc khánh (ngày liền kề)", 0);
		break;
	}
	if (year >= HOLIDAY_CULTURE_DAY_FROM)
		add_base(days, &n, lunar_jdn(year, 11, 24), "Ngày Văn hóa Việt Nam", 0);
	qsort(days, (size_t)n, sizeof(days[0]), by_day);
	/* A holiday on the weekly rest day is made up on the next working day not already off. */
	base = n;
	for (int i = 0; i < base; i++) {
		long d;

		if (!weekend(days[i].jdn))
			continue;
		d = days[i].jdn + 1;
		while (weekend(d) || off_on(days, n, d))
			d++;
		if (add_base(days, &n, d, days[i].name, 1) != 0)
			break;
	}
	qsort(days, (size_t)n, sizeof(days[0]), by_day);
	for (int i = 0; i < n; i++) {
		struct solar_day s = lunar_from_jdn(days[i].jdn);

		out[i].month = s.month;
		out[i].day = s.day;
		snprintf(out[i].name, sizeof(out[i].name), "%s%s", days[i].compensated ? "Nghỉ bù " : "",
		         days[i].name);
	}
	return n;
}

int holiday_year_filled(struct db *db, int year)
{
	int64_t n = 0;
	int rc = db_get_int64(db, "SELECT count(*) FROM holiday_years WHERE year = ?", year, &n);

	return rc != 0 ? rc : n > 0;
}

int holiday_fill_year(struct db *db, const struct actor *actor, int64_t now_ms, int year,
                      int *added)
{
	struct holiday_default defs[HOLIDAY_DEFAULTS_MAX];
	struct db_stmt *st;
	json_t *after = NULL;
	char now[32], day[11], summary[96];
	int n, rc, count = 0;

	if (added != NULL)
		*added = 0;
	if (year < HOLIDAY_YEAR_MIN || year > HOLIDAY_YEAR_MAX)
		return MC_EINVAL;
	if ((rc = holiday_year_filled(db, year)) != 0)
		return rc < 0 ? rc : 0;
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db, "INSERT INTO holiday_years (year, filled_at) VALUES (?, ?)", &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, year)) != 0 ||
	    (rc = db_bind_cstr(st, 2, now)) != 0 || (rc = db_step_done(st)) != 0)
		return rc;
	if ((after = json_array()) == NULL)
		return MC_ENOMEM;
	n = holiday_defaults(year, defs);
	for (int i = 0; i < n; i++) {
		snprintf(day, sizeof(day), "%04d-%02d-%02d", year, defs[i].month, defs[i].day);
		/* A day an administrator listed before the year was filled keeps its row. */
		rc = db_prepare(db,
		                "INSERT INTO holidays (day, kind, name) VALUES (?, 'day_off', ?) "
		                "ON CONFLICT (day) DO NOTHING",
		                &st);
		if (rc != 0 || (rc = db_bind_cstr(st, 1, day)) != 0 ||
		    (rc = db_bind_cstr(st, 2, defs[i].name)) != 0 || (rc = db_step_done(st)) != 0)
			goto out;
		if (db_changes(db) > 0) {
			count++;
			json_array_append_new(after, json_pack("{s:s, s:s}", "day", day, "name",
			                                       defs[i].name));
		}
	}
	snprintf(summary, sizeof(summary), "Thêm %d ngày nghỉ mặc định năm %d", count, year);
	rc = audit_record(db, actor, now_ms, "create", "holiday", 0, 0, summary, NULL, after);
	if (rc == 0 && added != NULL)
		*added = count;
out:
	json_decref(after);
	return rc;
}

int holiday_open_year(struct db *db, const struct actor *actor, int64_t now_ms, int year)
{
	int rc;

	if ((rc = require_global(actor)) != 0)
		return rc;
	if (year < HOLIDAY_YEAR_MIN || year > HOLIDAY_YEAR_MAX)
		return MC_EINVAL;
	if ((rc = holiday_year_filled(db, year)) != 0)
		return rc < 0 ? rc : 0;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = holiday_fill_year(db, actor, now_ms, year, NULL)) != 0 ||
	    (rc = db_commit(db)) != 0)
		db_rollback(db);
	return rc;
}
