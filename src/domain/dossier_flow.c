/* dossier_flow.c: staff transitions on a dossier (dossier_flow.h). */
#include "domain/dossier_flow.h"
#include "domain/dossier_priv.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/holiday.h"
#include "domain/rows.h"
#include "domain/validate.h"
#include "domain/workcal.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/fold.h"
#include "lib/lunar.h"
#include "store/db.h"

#define NAME_SIZE 512
#define CODE_SIZE 64
#define TEXT_SIZE 32
#define RECEIPT_TRIES 1000 /* numbers skipped because another dossier holds them, at most */

/* ---- the dossier as a transition sees it ---- */

/* The columns a transition reads and writes; instants in ms (0: NULL). */
struct flow_dossier {
	int64_t id, version, owner, desk, competent, department, assignee, approved_by;
	int64_t received, due, step_due, paused, approved, finished, returned, overdue_notified;
	char status[TEXT_SIZE], workflow[TEXT_SIZE], return_method[TEXT_SIZE];
	char result_kind[TEXT_SIZE];
	char receipt_no[FLOW_RECEIPT_MAX + 1];
	char time_kind[TEXT_SIZE];
	int time_value;
	char assignee_name[NAME_SIZE];
	char *result_json; /* malloc'd or NULL */
};

static const char load_sql[] =
	"SELECT d.version, d.owner_account_id, d.desk_agency_id, d.competent_agency_id, "
	"d.department_id, d.assignee_id, d.approved_by, d.received_at, d.due_at, d.step_due_at, "
	"d.paused_at, d.approved_at, d.finished_at, d.returned_at, d.overdue_notified_at, d.status, "
	"d.workflow, d.return_method, d.result_kind, d.receipt_no, p.time_kind, p.time_value, "
	"coalesce(s.full_name, ''), d.result_json FROM dossiers d "
	"JOIN procedures p ON p.id = d.procedure_id LEFT JOIN accounts s ON s.id = d.assignee_id "
	"WHERE d.id = ?";

static int64_t col_ms(struct db_stmt *st, int col)
{
	int64_t ms;

	return clock_parse_iso8601(db_col_text(st, col, NULL), &ms) == 0 ? ms : 0;
}

static int load(struct db *db, int64_t id, struct flow_dossier *d)
{
	struct db_stmt *st;
	const char *json;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = db_row_by_id(db, load_sql, id, &st)) != 0)
		return rc;
	d->id = id;
	d->version = db_col_int64(st, 0);
	d->owner = db_col_int64(st, 1);
	d->desk = db_col_int64(st, 2);
	d->competent = db_col_int64(st, 3);
	d->department = db_col_int64(st, 4);
	d->assignee = db_col_int64(st, 5);
	d->approved_by = db_col_int64(st, 6);
	d->received = col_ms(st, 7);
	d->due = col_ms(st, 8);
	d->step_due = col_ms(st, 9);
	d->paused = col_ms(st, 10);
	d->approved = col_ms(st, 11);
	d->finished = col_ms(st, 12);
	d->returned = col_ms(st, 13);
	d->overdue_notified = col_ms(st, 14);
	db_col_copy(st, 15, d->status, sizeof d->status);
	db_col_copy(st, 16, d->workflow, sizeof d->workflow);
	db_col_copy(st, 17, d->return_method, sizeof d->return_method);
	db_col_copy(st, 18, d->result_kind, sizeof d->result_kind);
	db_col_copy(st, 19, d->receipt_no, sizeof d->receipt_no);
	db_col_copy(st, 20, d->time_kind, sizeof d->time_kind);
	d->time_value = (int)db_col_int64(st, 21);
	db_col_copy(st, 22, d->assignee_name, sizeof d->assignee_name);
	json = db_col_text(st, 23, NULL);
	d->result_json = json != NULL ? strdup(json) : NULL;
	db_reset(st);
	return json != NULL && d->result_json == NULL ? MC_ENOMEM : 0;
}

/* Bind instant 'ms' (0: NULL) as ISO-8601 text. */
static int bind_ms(struct db_stmt *st, int idx, int64_t ms)
{
	char iso[TEXT_SIZE];

	if (ms == 0)
		return db_bind_null(st, idx);
	return db_bind_cstr(st, idx, clock_iso8601(ms, iso, sizeof iso));
}

static int bind_id(struct db_stmt *st, int idx, int64_t id)
{
	return id > 0 ? db_bind_int64(st, idx, id) : db_bind_null(st, idx);
}

static int bind_text_or_null(struct db_stmt *st, int idx, const char *s)
{
	return s != NULL && s[0] != '\0' ? db_bind_cstr(st, idx, s) : db_bind_null(st, idx);
}

/* Write 'd' back as version d->version + 1 with status 'to' (MC_ECONFLICT: changed meanwhile). */
static int store(struct db *db, const struct flow_dossier *d, const char *to, int64_t now_ms)
{
	struct db_stmt *st;
	int rc, k = 1;

	rc = db_prepare(db,
		"UPDATE dossiers SET status = ?, version = version + 1, updated_at = ?, receipt_no = ?, "
		"received_at = ?, due_at = ?, step_due_at = ?, paused_at = ?, department_id = ?, "
		"assignee_id = ?, result_kind = ?, result_json = ?, approved_by = ?, approved_at = ?, "
		"finished_at = ?, returned_at = ?, return_method = ?, overdue_notified_at = ? "
		"WHERE id = ? AND version = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, k++, to)) != 0 || (rc = bind_ms(st, k++, now_ms)) != 0 ||
	    (rc = bind_text_or_null(st, k++, d->receipt_no)) != 0 ||
	    (rc = bind_ms(st, k++, d->received)) != 0 || (rc = bind_ms(st, k++, d->due)) != 0 ||
	    (rc = bind_ms(st, k++, d->step_due)) != 0 || (rc = bind_ms(st, k++, d->paused)) != 0 ||
	    (rc = bind_id(st, k++, d->department)) != 0 || (rc = bind_id(st, k++, d->assignee)) != 0 ||
	    (rc = bind_text_or_null(st, k++, d->result_kind)) != 0 ||
	    (rc = bind_text_or_null(st, k++, d->result_json)) != 0 ||
	    (rc = bind_id(st, k++, d->approved_by)) != 0 ||
	    (rc = bind_ms(st, k++, d->approved)) != 0 || (rc = bind_ms(st, k++, d->finished)) != 0 ||
	    (rc = bind_ms(st, k++, d->returned)) != 0 ||
	    (rc = bind_text_or_null(st, k++, d->return_method)) != 0 ||
	    (rc = bind_ms(st, k++, d->overdue_notified)) != 0 ||
	    (rc = db_bind_int64(st, k++, d->id)) != 0 || (rc = db_bind_int64(st, k++, d->version)) != 0)
		return rc;
	if ((rc = db_step_done(st)) != 0)
		return rc;
	return db_changes(db) == 1 ? 0 : MC_ECONFLICT;
}

/* ---- who ---- */

unsigned dossier_flow_roles(const struct actor *a, int64_t desk, int64_t competent,
                            int64_t department, int *visible)
{
	unsigned roles = 0;

	*visible = 0;
	if (a == NULL || a->role != ROLE_STAFF || a->agency_id <= 0)
		return 0;
	switch (a->staff_role) {
	case STAFF_INTAKE:
		if (desk == a->agency_id)
			roles |= WF_INTAKE;
		*visible = desk == a->agency_id || competent == a->agency_id;
		break;
	case STAFF_SPECIALIST:
		if (competent == a->agency_id && department > 0 && department == a->department_id)
			roles |= WF_SPECIALIST;
		*visible = roles != 0;
		break;
	case STAFF_LEADER:
		if (competent == a->agency_id &&
		    (a->department_id == 0 || department == a->department_id))
			roles |= WF_LEADER;
		*visible = roles != 0 || (desk == a->agency_id && a->department_id == 0);
		break;
	default:
		break;
	}
	return roles;
}

int dossier_flow_visible(struct db *db, const struct actor *a, int64_t id)
{
	struct db_stmt *st;
	char status[TEXT_SIZE];
	int rc, visible = 0;

	if (a == NULL || a->role != ROLE_STAFF)
		return MC_EFORBIDDEN;
	if ((rc = db_row_by_id(db, "SELECT desk_agency_id, competent_agency_id, department_id, "
	                           "status FROM dossiers WHERE id = ?", id, &st)) != 0)
		return rc;
	dossier_flow_roles(a, db_col_int64(st, 0), db_col_int64(st, 1), db_col_int64(st, 2),
	                   &visible);
	db_col_copy(st, 3, status, sizeof status);
	db_reset(st);
	if (!visible || strcmp(status, "draft") == 0 || strcmp(status, "unconfirmed") == 0 ||
	    strcmp(status, "expired") == 0)
		return MC_ENOTFOUND;
	return 0;
}

/* ---- receipt numbers ---- */

int dossier_receipt_format(const char *pattern, const char *code, int y, int m, int d, long n,
                           char out[FLOW_RECEIPT_MAX + 1])
{
	size_t used = 0;
	int counted = 0;

	for (const char *p = pattern; *p != '\0';) {
		char piece[40];
		size_t len;

		if (*p == '{') {
			const char *end = strchr(p, '}');
			size_t tok = end != NULL ? (size_t)(end - p - 1) : 0;

			if (end != NULL && tok > 0 && strspn(p + 1, "N") == tok && tok <= 12) {
				snprintf(piece, sizeof piece, "%0*ld", (int)tok, n);
				counted = 1;
			} else if (end != NULL && tok == 4 && strncmp(p + 1, "code", 4) == 0) {
				len = strlen(code);
				if (used + len > FLOW_RECEIPT_MAX)
					return MC_EINVAL;
				memcpy(out + used, code, len);
				used += len;
				p = end + 1;
				continue;
			} else if (end != NULL && tok == 4 && strncmp(p + 1, "yyyy", 4) == 0) {
				snprintf(piece, sizeof piece, "%04d", y);
			} else if (end != NULL && tok == 2 && strncmp(p + 1, "yy", 2) == 0) {
				snprintf(piece, sizeof piece, "%02d", y % 100);
			} else if (end != NULL && tok == 2 && strncmp(p + 1, "MM", 2) == 0) {
				snprintf(piece, sizeof piece, "%02d", m);
			} else if (end != NULL && tok == 2 && strncmp(p + 1, "dd", 2) == 0) {
				snprintf(piece, sizeof piece, "%02d", d);
			} else {
				piece[0] = *p; /* not a token: the brace itself */
				piece[1] = '\0';
				end = p;
			}
			len = strlen(piece);
			if (used + len > FLOW_RECEIPT_MAX)
				return MC_EINVAL;
			memcpy(out + used, piece, len);
			used += len;
			p = end + 1;
			continue;
		}
		if (used + 1 > FLOW_RECEIPT_MAX)
			return MC_EINVAL;
		out[used++] = *p++;
	}
	out[used] = '\0';
	return counted && used > 0 ? 0 : MC_EINVAL;
}

int dossier_receipt_next(struct db *db, int64_t agency_id, int64_t now_ms,
                         char out[FLOW_RECEIPT_MAX + 1])
{
	struct db_stmt *st;
	char pattern[256], code[CODE_SIZE], day[16];
	struct solar_day today = lunar_from_jdn(workcal_day_of(now_ms));
	int rc;

	if ((rc = db_row_by_id(db, "SELECT receipt_pattern, code FROM agencies WHERE id = ?",
	                       agency_id, &st)) != 0)
		return rc == MC_ENOTFOUND ? MC_EDB : rc;
	db_col_copy(st, 0, pattern, sizeof pattern);
	db_col_copy(st, 1, code, sizeof code);
	db_reset(st);
	snprintf(day, sizeof day, "%04d-%02d-%02d", today.year, today.month, today.day);
	for (int tries = 0; tries < RECEIPT_TRIES; tries++) {
		int64_t n, taken = 0;

		rc = db_prepare(db,
			"INSERT INTO receipt_counters (agency_id, day, last) VALUES (?, ?, "
			"(SELECT receipt_start FROM agencies WHERE id = ?)) ON CONFLICT (agency_id, day) "
			"DO UPDATE SET last = last + 1 RETURNING last", &st);
		if (rc != 0 || (rc = db_bind_int64(st, 1, agency_id)) != 0 ||
		    (rc = db_bind_cstr(st, 2, day)) != 0 || (rc = db_bind_int64(st, 3, agency_id)) != 0)
			return rc;
		if ((rc = db_step(st)) != DB_ROW)
			return rc < 0 ? rc : MC_EDB;
		n = db_col_int64(st, 0);
		db_reset(st);
		if ((rc = dossier_receipt_format(pattern, code, today.year, today.month, today.day,
		                                 (long)n, out)) != 0)
			return rc;
		/* Unique system-wide: a number another pattern produced already is skipped. */
		rc = db_prepare(db, "SELECT count(*) FROM dossiers WHERE receipt_no = ?", &st);
		if (rc != 0 || (rc = db_bind_cstr(st, 1, out)) != 0)
			return rc;
		if ((rc = db_step(st)) != DB_ROW)
			return rc < 0 ? rc : MC_EDB;
		taken = db_col_int64(st, 0);
		db_reset(st);
		if (taken == 0)
			return 0;
	}
	return MC_EDB;
}

/* ---- checking what was typed ---- */

/* The cleaned note into *note (NULL when none given and none is needed). */
static int check_note(const struct wf_transition *t, const char *typed, char **note,
                      struct field_errors *errs)
{
	enum note_problem problem;
	int rc;

	*note = NULL;
	if (!(t->needs & (WF_NEED_NOTE | WF_OPTIONAL_NOTE)))
		return 0;
	rc = dossier_clean_note(typed, FLOW_NOTE_MAX, note, &problem);
	if (rc == MC_ENOMEM)
		return rc;
	if (rc == 0 || (problem == NOTE_EMPTY && (t->needs & WF_OPTIONAL_NOTE)))
		return 0;
	field_errors_add(errs, "note",
	                 problem == NOTE_NOT_UTF8 ? "Nội dung chứa ký tự không hợp lệ."
	                 : problem == NOTE_TOO_LONG ? "Nội dung không được dài quá 2000 ký tự."
	                 : "Vui lòng nhập nội dung.");
	return 0;
}

/* The department chosen for a forward: one of the competent agency's active departments;
 * its name into name[NAME_SIZE]. */
static int check_department(struct db *db, const struct flow_dossier *d, int64_t department,
                            char *name, struct field_errors *errs)
{
	struct db_stmt *st;
	int rc;

	name[0] = '\0';
	rc = db_prepare(db, "SELECT name FROM departments WHERE id = ? AND agency_id = ? AND "
	                    "active = 1", &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, department)) != 0 ||
	    (rc = db_bind_int64(st, 2, d->competent)) != 0)
		return rc;
	if ((rc = db_step(st)) < 0)
		return rc;
	if (rc == DB_DONE) {
		field_errors_add(errs, "department_id", "Vui lòng chọn phòng chuyên môn xử lý hồ sơ.");
		return 0;
	}
	db_col_copy(st, 0, name, NAME_SIZE);
	db_reset(st);
	return 0;
}

/* The specialist a leader assigns: an active specialist of the dossier's department. */
static int check_assignee(struct db *db, const struct flow_dossier *d, int64_t assignee,
                          char *name, struct field_errors *errs)
{
	struct db_stmt *st;
	int rc;

	name[0] = '\0';
	rc = db_prepare(db,
		"SELECT a.full_name FROM staff s JOIN accounts a ON a.id = s.account_id "
		"WHERE s.account_id = ? AND s.role = 'specialist' AND s.agency_id = ? AND "
		"s.department_id = ? AND a.status = 'active'", &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, assignee)) != 0 ||
	    (rc = db_bind_int64(st, 2, d->competent)) != 0 ||
	    (rc = db_bind_int64(st, 3, d->department)) != 0)
		return rc;
	if ((rc = db_step(st)) < 0)
		return rc;
	if (rc == DB_DONE) {
		field_errors_add(errs, "assignee_id", "Vui lòng chọn chuyên viên của phòng xử lý hồ sơ.");
		return 0;
	}
	db_col_copy(st, 0, name, NAME_SIZE);
	db_reset(st);
	return 0;
}

/* Text of at most 'max' characters, of characters validate.h allows ('multiline': line breaks
 * too); blank counts as not given, an error ('missing') when that is not allowed (missing !=
 * NULL).  Errors go in 'errs' under 'field', the lengths' with 'too_long'. */
static void check_text(const char *s, size_t max, int multiline, const char *field,
                       const char *missing, const char *too_long, struct field_errors *errs)
{
	int (*check)(const char *, size_t, size_t, const char **) =
		multiline ? validate_multiline_text : validate_text;
	size_t len = s != NULL ? strlen(s) : 0;
	const char *msg = NULL;

	if (check(s, 0, SIZE_MAX, &msg) != 0)
		field_errors_add(errs, field, msg);
	else if (len == 0 || strspn(s, " \t\r\n") == len) {
		if (missing != NULL)
			field_errors_add(errs, field, missing);
	} else if (check(s, 0, max, &msg) != 0)
		field_errors_add(errs, field, too_long);
}

/* The drafted result as JSON text {"number", "text"} into *json. */
static int check_result(const struct flow_input *in, char **json, struct field_errors *errs)
{
	json_t *o;

	*json = NULL;
	check_text(in->result_number, FLOW_RESULT_NUMBER_MAX, 0, "result_number", NULL,
	           "Số, ký hiệu văn bản không được dài quá 64 ký tự.", errs);
	check_text(in->result_text, FLOW_RESULT_MAX, 1, "result_text",
	           "Vui lòng nhập nội dung kết quả giải quyết.",
	           "Nội dung kết quả không được dài quá 4000 ký tự.", errs);
	if (errs->count > 0)
		return 0;
	o = json_pack("{s:s, s:s}", "number", in->result_number != NULL ? in->result_number : "",
	              "text", in->result_text);
	if (o == NULL)
		return MC_ENOMEM;
	*json = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return *json != NULL ? 0 : MC_ENOMEM;
}

/* The new due instant an extension asks for: the office's closing on the day typed, after now
 * and after the current due date. */
static int check_new_due(const struct workcal *cal, const struct flow_dossier *d, int64_t now_ms,
                         const char *typed, int64_t *due, struct field_errors *errs)
{
	char day[11];
	int y, m, dd;
	int64_t start;

	*due = 0;
	if (holiday_parse_day(typed, day) != 0 || sscanf(day, "%4d-%2d-%2d", &y, &m, &dd) != 3) {
		field_errors_add(errs, "new_due", "Vui lòng nhập ngày hẹn mới theo dạng ngày/tháng/năm.");
		return 0;
	}
	start = workcal_day_start(lunar_jdn(y, m, dd));
	if (workcal_hours_of(cal, start)->n == 0) {
		field_errors_add(errs, "new_due", "Ngày hẹn mới phải là ngày làm việc.");
		return 0;
	}
	*due = workcal_due(cal, start, WORKCAL_SAME_DAY, 0);
	if (*due <= now_ms || (d->due != 0 && *due <= d->due)) {
		field_errors_add(errs, "new_due", "Ngày hẹn mới phải sau ngày hẹn hiện tại và sau hôm nay.");
		*due = 0;
	}
	return 0;
}

/* ---- the search text ---- */

int dossier_search_refresh(struct db *db, int64_t id)
{
	struct db_stmt *st;
	char *folded = NULL, *text = NULL;
	const char *raw;
	size_t len = 0;
	int rc;

	if ((rc = db_row_by_id(db, "SELECT applicant_name || ' ' || coalesce(receipt_no, '') || ' ' "
	                           "|| applicant_citizen_id FROM dossiers WHERE id = ?", id, &st)) != 0)
		return rc;
	raw = db_col_text(st, 0, &len);
	rc = fold_text(raw != NULL ? raw : "", len, &folded);
	db_reset(st);
	if (rc == MC_EINVAL) /* not UTF-8: nothing of it can be searched */
		rc = fold_text("", 0, &folded);
	if (rc != 0)
		return rc;
	if (asprintf(&text, " %s ", folded) < 0) {
		free(folded);
		return MC_ENOMEM;
	}
	free(folded);
	rc = db_prepare(db, "UPDATE dossiers SET search_text = ? WHERE id = ?", &st);
	if (rc == 0 && (rc = db_bind_cstr(st, 1, text)) == 0 && (rc = db_bind_int64(st, 2, id)) == 0)
		rc = db_step_done(st);
	free(text);
	return rc;
}

int dossier_search_backfill(struct db *db, int64_t *filled)
{
	int64_t id = 0, n = 0;
	int rc;

	if (filled != NULL)
		*filled = 0;
	if ((rc = db_begin(db)) != 0)
		return rc;
	for (;;) {
		rc = db_get_int64(db, "SELECT coalesce(min(id), 0) FROM dossiers WHERE search_text IS "
		                      "NULL AND id > ?", id, &id);
		if (rc != 0 || id == 0 || (rc = dossier_search_refresh(db, id)) != 0)
			break;
		n++;
	}
	if (rc == 0 && (rc = db_commit(db)) == 0 && filled != NULL)
		*filled = n;
	if (rc != 0)
		db_rollback(db);
	return rc;
}

/* ---- the clock ---- */

static enum workcal_time_kind time_kind(const char *kind)
{
	if (strcmp(kind, "hours") == 0)
		return WORKCAL_HOURS;
	if (strcmp(kind, "same_day") == 0)
		return WORKCAL_SAME_DAY;
	return WORKCAL_DAYS;
}

/* When the step of status 'to' should be over, entered at 'now_ms' (0: no step deadline). */
static int64_t step_due(const struct workcal *cal, const struct flow_dossier *d, const char *to,
                        int64_t now_ms)
{
	const struct wf_status *s = wf_status(to);
	int64_t left;

	if (s == NULL || d->paused != 0)
		return 0;
	switch (s->step) {
	case WF_STEP_HOURS:
		return workcal_add(cal, now_ms, (int64_t)s->step_hours * 60);
	case WF_STEP_SAME_DAY:
		return workcal_due(cal, now_ms, WORKCAL_SAME_DAY, 0);
	case WF_STEP_BEFORE_DUE:
		if (d->due == 0)
			return 0;
		left = workcal_between(cal, now_ms, d->due) - (int64_t)s->step_hours * 60;
		return left > 0 ? workcal_add(cal, now_ms, left) : now_ms;
	case WF_STEP_NONE:
		break;
	}
	return 0;
}

int dossier_flow_resume(struct db *db, int64_t id, int64_t now_ms)
{
	struct flow_dossier d;
	struct workcal *cal = NULL;
	struct db_stmt *st;
	int rc;

	if ((rc = load(db, id, &d)) != 0)
		return rc;
	if (d.paused == 0 || d.due == 0)
		goto out;
	if ((cal = malloc(sizeof(*cal))) == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if ((rc = workcal_load(db, d.desk, now_ms, cal)) != 0)
		goto out;
	d.due = workcal_resume(cal, d.due, d.paused, now_ms);
	rc = db_prepare(db, "UPDATE dossiers SET due_at = ?, paused_at = NULL WHERE id = ?", &st);
	if (rc == 0 && (rc = bind_ms(st, 1, d.due)) == 0 && (rc = db_bind_int64(st, 2, id)) == 0)
		rc = db_step_done(st);
out:
	free(cal);
	free(d.result_json);
	return rc;
}

/* ---- the timeline and the mail ---- */

static void local_text(int64_t ms, char out[TEXT_SIZE])
{
	out[0] = '\0';
	if (ms != 0)
		clock_format_local(ms, out, TEXT_SIZE);
}

static const char *return_label(const char *method)
{
	return strcmp(method, "post") == 0 ? "qua dịch vụ bưu chính công ích"
	                                   : "trực tiếp tại bộ phận một cửa";
}

/* Queue transition 't''s mail for dossier 'd' (now in status t->to). */
static int mail(const struct account_env *env, struct db *db, int64_t now_ms,
                const struct wf_transition *t, const struct flow_dossier *d, const char *note,
                int64_t old_due)
{
	char to[DOSSIER_EMAIL_SIZE], due[TEXT_SIZE], old[TEXT_SIZE], link[DOSSIER_LINK_SIZE];
	char path[64];
	const struct wf_status *s = wf_status(t->to);
	const char *public_note = note != NULL && !(t->needs & WF_INTERNAL_NOTE) ? note : "";
	json_t *data = NULL, *result = NULL;
	int rc, refusal = strcmp(d->result_kind, "refusal") == 0;

	if (t->mail == NULL)
		return 0;
	rc = dossier_mail_facts(env, db, d->id, to, &data);
	if (rc == MC_ENOTFOUND)
		return 0; /* nobody to write to: a walk-in applicant without an address */
	if (rc != 0)
		return rc;
	local_text(d->due, due);
	local_text(old_due, old);
	snprintf(path, sizeof path, "/dossiers/%" PRId64 "/edit", d->id);
	if (refusal && d->result_json != NULL)
		result = json_loads(d->result_json, 0, NULL);
	if ((rc = dossier_make_link(link, env->base_url, path, "")) != 0 ||
	    (rc = rows_put(data, "edit_link", json_string(link))) != 0 ||
	    (rc = rows_put(data, "receipt_no", json_string(d->receipt_no))) != 0 ||
	    (rc = rows_put(data, "due_text", json_string(due))) != 0 ||
	    (rc = rows_put(data, "old_due_text", json_string(old))) != 0 ||
	    (rc = rows_put(data, "status_label", json_string(s != NULL ? s->label : ""))) != 0 ||
	    (rc = rows_put(data, "action_label", json_string(t->label))) != 0 ||
	    (rc = rows_put(data, "note", json_string(public_note))) != 0 ||
	    (rc = rows_put(data, "request", json_string(public_note))) != 0 ||
	    (rc = rows_put(data, "reason", json_string(public_note))) != 0 ||
	    (rc = rows_put(data, "is_refusal", json_boolean(refusal))) != 0 ||
	    (rc = rows_put(data, "refusal_reason",
	                   json_string(json_string_value(json_object_get(result, "reason")) != NULL
	                                   ? json_string_value(json_object_get(result, "reason"))
	                                   : ""))) != 0 ||
	    (rc = rows_put(data, "return_method_label",
	                   json_string(return_label(d->return_method)))) != 0)
		goto out;
	rc = dossier_queue_mail(env, db, now_ms, to, t->mail, data);
out:
	json_decref(result);
	json_decref(data);
	return rc;
}

/* ---- the transition ---- */

/* What the timeline says of the transition besides its note, into line[cap] ("" for a
 * transition whose note says it all: a supplement's request, a refusal's reason ...). */
static void event_line(const struct wf_transition *t, const struct flow_dossier *d,
                       const char *name, char *line, size_t cap)
{
	char due[TEXT_SIZE];

	local_text(d->due, due);
	line[0] = '\0';
	if (strcmp(t->action, "receive") == 0)
		snprintf(line, cap, "Tiếp nhận hồ sơ, số biên nhận %s, hẹn trả kết quả %s",
		         d->receipt_no, due);
	else if (strcmp(t->action, "forward") == 0)
		snprintf(line, cap, "Chuyển %s xử lý", name);
	else if (strcmp(t->action, "reassign") == 0)
		snprintf(line, cap, "Phân công %s xử lý", name);
	else if (strcmp(t->action, "return") == 0)
		snprintf(line, cap, "Trả kết quả %s", return_label(d->return_method));
	else if (strcmp(t->action, "extend") == 0)
		snprintf(line, cap, "Gia hạn, hẹn trả kết quả %s", due);
	else if (!(t->needs & (WF_NEED_NOTE | WF_OPTIONAL_NOTE)) ||
	         (t->needs & WF_INTERNAL_NOTE))
		snprintf(line, cap, "%s", t->label);
}

static int record_extension(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                            int64_t old_due, int64_t new_due, const char *reason)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
		"INSERT INTO dossier_extensions (dossier_id, at, account_id, actor_name, old_due_at, "
		"new_due_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0 || (rc = bind_ms(st, 2, now_ms)) != 0 ||
	    (rc = db_bind_int64(st, 3, a->account_id)) != 0 ||
	    (rc = db_bind_cstr(st, 4, a->full_name)) != 0 || (rc = bind_ms(st, 5, old_due)) != 0 ||
	    (rc = bind_ms(st, 6, new_due)) != 0 || (rc = db_bind_cstr(st, 7, reason)) != 0)
		return rc;
	return db_step_done(st);
}

/* Set result_json to {"reason": note}. */
static int refusal_result(struct flow_dossier *d, const char *note)
{
	json_t *o = json_pack("{s:s}", "reason", note != NULL ? note : "");

	if (o == NULL)
		return MC_ENOMEM;
	free(d->result_json);
	d->result_json = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	snprintf(d->result_kind, sizeof d->result_kind, "refusal");
	return d->result_json != NULL ? 0 : MC_ENOMEM;
}

/* The inputs 't' needs, checked, and their effect on 'd'; name[] receives what the timeline
 * names (a department, a specialist). */
static int apply_inputs(struct db *db, const struct workcal *cal, int64_t now_ms,
                        const struct wf_transition *t, const struct flow_input *in,
                        const char *note, struct flow_dossier *d, char *name,
                        struct field_errors *errs)
{
	char *json = NULL;
	int rc = 0;

	name[0] = '\0';
	if ((t->needs & WF_NEED_DEPARTMENT) &&
	    (rc = check_department(db, d, in->department_id, name, errs)) == 0 && errs->count == 0) {
		d->department = in->department_id;
		d->assignee = 0;
	}
	if (rc == 0 && (t->needs & WF_NEED_ASSIGNEE) &&
	    (rc = check_assignee(db, d, in->assignee_id, name, errs)) == 0 && errs->count == 0)
		d->assignee = in->assignee_id;
	if (rc == 0 && (t->needs & WF_NEED_RESULT) && (rc = check_result(in, &json, errs)) == 0 &&
	    json != NULL) {
		free(d->result_json);
		d->result_json = json;
		snprintf(d->result_kind, sizeof d->result_kind, "grant");
	}
	if (rc == 0 && (t->needs & WF_NEED_RETURN)) {
		const char *m = in->return_method != NULL ? in->return_method : "";

		if (strcmp(m, "in_person") == 0 || strcmp(m, "post") == 0)
			snprintf(d->return_method, sizeof d->return_method, "%s", m);
		else
			field_errors_add(errs, "return_method", "Vui lòng chọn hình thức trả kết quả.");
	}
	if (rc == 0 && (t->needs & WF_NEED_DUE)) {
		int64_t due = 0;

		/* Written down by apply_clock, once every input is known to be right. */
		if ((rc = check_new_due(cal, d, now_ms, in->new_due, &due, errs)) == 0 && due != 0) {
			d->due = due;
			d->overdue_notified = 0;
		}
	}
	if (rc == 0 && (strcmp(t->action, "propose_refusal") == 0 ||
	                strcmp(t->action, "refuse_result") == 0))
		rc = refusal_result(d, note);
	return rc;
}

/* The clock and the bookkeeping columns of transition 't' at 'now_ms' ('old_due': the due
 * date before apply_inputs, 'note' the reason of an extension). */
static int apply_clock(struct db *db, const struct workcal *cal, const struct actor *a,
                       int64_t now_ms, const struct wf_transition *t, int64_t old_due,
                       const char *note, struct flow_dossier *d)
{
	int rc = 0;

	switch (t->clock) {
	case WF_CLOCK_START:
		if (d->receipt_no[0] == '\0' &&
		    (rc = dossier_receipt_next(db, d->desk, now_ms, d->receipt_no)) != 0)
			return rc;
		if (d->received == 0)
			d->received = now_ms;
		if (d->due == 0)
			d->due = workcal_due(cal, now_ms, time_kind(d->time_kind), d->time_value);
		break;
	case WF_CLOCK_PAUSE:
		if (d->due != 0 && d->paused == 0)
			d->paused = now_ms;
		break;
	case WF_CLOCK_STOP:
		d->finished = now_ms;
		break;
	case WF_CLOCK_EXTEND:
		if ((rc = record_extension(db, a, now_ms, d->id, old_due, d->due,
		                           note != NULL ? note : "")) != 0)
			return rc;
		break;
	default:
		break;
	}
	if (strcmp(t->action, "claim") == 0)
		d->assignee = a->account_id;
	if (strcmp(t->action, "approve") == 0) {
		d->approved_by = a->account_id;
		d->approved = now_ms;
	}
	if (strcmp(t->action, "send_back") == 0) {
		d->approved_by = 0;
		d->approved = 0;
	}
	if (strcmp(t->action, "return") == 0)
		d->returned = now_ms;
	return 0;
}

/* The transition 'in' asks for on 'd', checked against the table and the actor. */
static int find_transition(const struct actor *a, const struct flow_dossier *d,
                           const struct flow_input *in, const struct wf_transition **out,
                           const char **refusal)
{
	enum wf_variant v = wf_variant_parse(d->workflow);
	const struct wf_status *s = wf_status(d->status);
	const struct wf_transition *t;
	unsigned roles;
	int visible;

	*out = NULL;
	roles = dossier_flow_roles(a, d->desk, d->competent, d->department, &visible);
	if (!visible || s == NULL || strcmp(d->status, "draft") == 0 ||
	    strcmp(d->status, "unconfirmed") == 0 || strcmp(d->status, "expired") == 0)
		return MC_ENOTFOUND;
	t = wf_find(v != 0 ? v : WF_STANDARD, d->status, in->action);
	if (t == NULL) {
		*refusal = "Hồ sơ đã chuyển sang trạng thái khác nên không thực hiện được thao tác "
		           "này. Vui lòng tải lại trang để xem trạng thái mới nhất.";
		return MC_ECONFLICT;
	}
	if (!wf_allows(t, roles)) {
		*refusal = "Bạn không có quyền thực hiện thao tác này với hồ sơ.";
		return MC_EFORBIDDEN;
	}
	if (in->version != d->version) {
		*refusal = "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang để xem nội "
		           "dung mới nhất; những gì bạn đã nhập vẫn được giữ trên trang này.";
		return MC_ECONFLICT;
	}
	if ((t->needs & WF_NEED_CLAIM) && d->assignee != a->account_id) {
		*refusal = d->assignee == 0 ? "Vui lòng nhận xử lý hồ sơ trước khi thực hiện thao tác này."
		                            : "Hồ sơ đang do chuyên viên khác xử lý.";
		return MC_EFORBIDDEN;
	}
	if (strcmp(t->action, "claim") == 0 && d->assignee != 0) {
		*refusal = d->assignee == a->account_id ? "Bạn đã nhận xử lý hồ sơ này."
		                                        : "Hồ sơ đã được chuyên viên khác nhận xử lý.";
		return MC_ECONFLICT;
	}
	*out = t;
	return 0;
}

int dossier_act_in(const struct account_env *env, struct db *db, const struct actor *a,
                   int64_t now_ms, int64_t id, const struct flow_input *in,
                   struct field_errors *errs, struct flow_output *out, const char **refusal)
{
	const struct wf_transition *t = NULL;
	struct flow_dossier d = { 0 };
	struct workcal *cal = NULL;
	char *note = NULL, name[NAME_SIZE], line[NAME_SIZE + FLOW_RECEIPT_MAX + 128];
	char *event_note = NULL, summary[256], at[TEXT_SIZE];
	struct dossier_event ev = { 0 };
	int64_t old_due;
	int rc;

	field_errors_init(errs);
	*refusal = NULL;
	memset(out, 0, sizeof(*out));
	if (a == NULL || a->role != ROLE_STAFF || in == NULL || in->action == NULL)
		return MC_EFORBIDDEN;
	if ((cal = malloc(sizeof(*cal))) == NULL)
		return MC_ENOMEM;
	if ((rc = load(db, id, &d)) != 0 || (rc = find_transition(a, &d, in, &t, refusal)) != 0)
		goto out;
	if ((rc = workcal_load(db, d.desk, now_ms, cal)) != 0 ||
	    (rc = check_note(t, in->note, &note, errs)) != 0)
		goto out;
	old_due = d.due;
	if ((rc = apply_inputs(db, cal, now_ms, t, in, note, &d, name, errs)) != 0)
		goto out;
	if (errs->count > 0) {
		rc = MC_EINVAL;
		goto out;
	}
	if ((rc = apply_clock(db, cal, a, now_ms, t, old_due, note, &d)) != 0)
		goto out;
	d.step_due = step_due(cal, &d, t->to, now_ms);
	if ((rc = store(db, &d, t->to, now_ms)) != 0) {
		if (rc == MC_ECONFLICT)
			*refusal = "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang.";
		goto out;
	}
	if (t->clock == WF_CLOCK_START && (rc = dossier_search_refresh(db, id)) != 0)
		goto out;
	/* The line and the note; an internal note goes in an entry the citizen sees without it. */
	event_line(t, &d, name, line, sizeof line);
	if (note != NULL && asprintf(&event_note, "%s%s%s", line, line[0] != '\0' ? ". " : "",
	                             note) < 0) {
		event_note = NULL;
		rc = MC_ENOMEM;
		goto out;
	}
	if (line[0] == '\0' && event_note == NULL)
		snprintf(line, sizeof line, "%s", t->label);
	ev.dossier_id = id;
	ev.at = clock_iso8601(now_ms, at, sizeof at);
	ev.account_id = a->account_id;
	ev.actor_name = a->full_name;
	ev.from = d.status;
	ev.to = t->to;
	ev.note = event_note != NULL ? event_note : line;
	ev.internal = (t->needs & WF_INTERNAL_NOTE) != 0;
	ev.action = t->action;
	if ((rc = dossier_add_event(db, &ev)) != 0)
		goto out;
	snprintf(summary, sizeof summary, "%s hồ sơ %s", t->label,
	         d.receipt_no[0] != '\0' ? d.receipt_no : "(chưa có số biên nhận)");
	if ((rc = audit_record(db, a, now_ms, t->action, "dossier", id, d.competent, summary, NULL,
	                       NULL)) != 0 ||
	    (rc = mail(env, db, now_ms, t, &d, note, old_due)) != 0)
		goto out;
	snprintf(out->status, sizeof out->status, "%s", t->to);
	snprintf(out->receipt_no, sizeof out->receipt_no, "%s", d.receipt_no);
	out->due_ms = d.due;
	out->version = d.version + 1;
out:
	free(d.result_json);
	free(note);
	free(event_note);
	free(cal);
	return rc;
}

int dossier_act(const struct account_env *env, struct db *db, const struct actor *a,
                int64_t now_ms, int64_t id, const struct flow_input *in,
                struct field_errors *errs, struct flow_output *out, const char **refusal)
{
	int rc;

	field_errors_init(errs);
	*refusal = NULL;
	memset(out, 0, sizeof(*out));
	if (a == NULL || a->role != ROLE_STAFF || in == NULL || in->action == NULL)
		return MC_EFORBIDDEN;
	if ((rc = db_begin(db)) != 0)
		return rc;
	rc = dossier_act_in(env, db, a, now_ms, id, in, errs, out, refusal);
	if (rc == 0 && (rc = db_commit(db)) == 0) {
		dossier_mail_wake(env);
		return 0;
	}
	db_rollback(db);
	memset(out, 0, sizeof(*out));
	return rc;
}
