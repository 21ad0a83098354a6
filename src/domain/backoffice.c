/* backoffice.c: staff queues and the staff view of a dossier (backoffice.h). */
#include "domain/backoffice.h"
#include "domain/dossier_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/dossier.h"
#include "domain/dossier_flow.h"
#include "domain/rows.h"
#include "domain/workcal.h"
#include "domain/workflow.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/fold.h"
#include "store/db.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define TEXT_SIZE 64
#define CALENDARS 4 /* desk calendars kept while one list is built */

/* Never on a staff list: not submitted, or never confirmed. */
#define SEEN "d.status NOT IN ('draft', 'unconfirmed', 'expired')"
/* Overdue: due, the clock running, not finished. */
#define OVERDUE "(d.due_at < ? AND d.paused_at IS NULL AND d.finished_at IS NULL)"
/* A leader's scope: the competent agency's dossiers, a department's leader its department's. */
#define LEADER_SCOPE "(d.competent_agency_id = ? AND (? = 0 OR d.department_id = ?))"

/*
 * The queues.  'where' holds '?' placeholders bound in the order of 'binds': 'a' the actor's
 * agency, 'd' its department (0: none), 'm' its account, 'n' now.
 */
static const struct queue_def {
	enum staff_role role;
	const char *code, *label, *where, *binds;
} queues[] = {
	{ STAFF_INTAKE, "pending", "Chờ tiếp nhận", "d.desk_agency_id = ? AND d.status = 'pending'",
	  "a" },
	{ STAFF_INTAKE, "received", "Đã tiếp nhận", "d.desk_agency_id = ? AND d.status = 'received'",
	  "a" },
	{ STAFF_INTAKE, "done", "Chờ trả kết quả", "d.desk_agency_id = ? AND d.status = 'done'",
	  "a" },
	{ STAFF_INTAKE, "supplement", "Chờ công dân bổ sung",
	  "d.desk_agency_id = ? AND d.status = 'supplement'", "a" },
	{ STAFF_INTAKE, "all", "Tất cả hồ sơ",
	  "(d.desk_agency_id = ? OR d.competent_agency_id = ?)", "aa" },
	{ STAFF_SPECIALIST, "unclaimed", "Chờ nhận xử lý",
	  "d.competent_agency_id = ? AND d.department_id = ? AND d.status = 'processing' AND "
	  "d.assignee_id IS NULL", "ad" },
	{ STAFF_SPECIALIST, "mine", "Tôi đang xử lý",
	  "d.assignee_id = ? AND d.status = 'processing'", "m" },
	{ STAFF_SPECIALIST, "approved", "Đã phê duyệt, chờ chuyển một cửa",
	  "d.competent_agency_id = ? AND d.department_id = ? AND d.status = 'approved'", "ad" },
	{ STAFF_SPECIALIST, "all", "Tất cả hồ sơ của phòng",
	  "d.competent_agency_id = ? AND d.department_id = ?", "ad" },
	{ STAFF_LEADER, "approval", "Chờ phê duyệt",
	  LEADER_SCOPE " AND d.status = 'awaiting_approval'", "add" },
	{ STAFF_LEADER, "processing", "Đang xử lý",
	  LEADER_SCOPE " AND d.status IN ('received', 'processing', 'approved')", "add" },
	{ STAFF_LEADER, "overdue", "Quá hạn", LEADER_SCOPE " AND " OVERDUE, "addn" },
	{ STAFF_LEADER, "all", "Tất cả hồ sơ",
	  "(" LEADER_SCOPE " OR (? = 0 AND d.desk_agency_id = ?))", "addda" },
};

static const struct queue_def *queue_of(const struct actor *a, const char *code)
{
	for (size_t i = 0; code != NULL && i < COUNT(queues); i++)
		if (queues[i].role == a->staff_role && strcmp(queues[i].code, code) == 0)
			return &queues[i];
	return NULL;
}

/* Bind the queue's parameters from position *k on. */
static int bind_scope(struct db_stmt *st, const struct queue_def *q, const struct actor *a,
                      const char *now, int *k)
{
	int rc = 0;

	for (const char *b = q->binds; rc == 0 && *b != '\0'; b++)
		switch (*b) {
		case 'a': rc = db_bind_int64(st, (*k)++, a->agency_id); break;
		case 'd': rc = db_bind_int64(st, (*k)++, a->department_id); break;
		case 'm': rc = db_bind_int64(st, (*k)++, a->account_id); break;
		default: rc = db_bind_cstr(st, (*k)++, now); break;
		}
	return rc;
}

/* ---- working time left ---- */

/* Calendars of the desks met while one list is built. */
struct calendars {
	int64_t agency[CALENDARS];
	struct workcal *cal[CALENDARS];
	int n;
};

static void calendars_free(struct calendars *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->cal[i]);
	c->n = 0;
}

static int calendar_of(struct db *db, struct calendars *c, int64_t agency, int64_t now_ms,
                       const struct workcal **out)
{
	int rc;

	for (int i = 0; i < c->n; i++)
		if (c->agency[i] == agency) {
			*out = c->cal[i];
			return 0;
		}
	if (c->n == CALENDARS) { /* more desks than kept: the oldest goes */
		free(c->cal[0]);
		memmove(&c->cal[0], &c->cal[1], (CALENDARS - 1) * sizeof(c->cal[0]));
		memmove(&c->agency[0], &c->agency[1], (CALENDARS - 1) * sizeof(c->agency[0]));
		c->n--;
	}
	if ((c->cal[c->n] = malloc(sizeof(struct workcal))) == NULL)
		return MC_ENOMEM;
	if ((rc = workcal_load(db, agency, now_ms, c->cal[c->n])) != 0) {
		free(c->cal[c->n]);
		return rc;
	}
	c->agency[c->n] = agency;
	*out = c->cal[c->n++];
	return 0;
}

/* "2 ngày 3 giờ", "45 phút" for 'minutes' of working time (8 hours a day). */
static void duration_text(int64_t minutes, char *out, size_t cap)
{
	int64_t days = minutes / WORKCAL_DAY_MINUTES, hours = minutes % WORKCAL_DAY_MINUTES / 60;
	int64_t mins = minutes % 60;

	if (days > 0 && hours > 0)
		snprintf(out, cap, "%" PRId64 " ngày %" PRId64 " giờ", days, hours);
	else if (days > 0)
		snprintf(out, cap, "%" PRId64 " ngày", days);
	else if (hours > 0)
		snprintf(out, cap, "%" PRId64 " giờ%s", hours, mins > 0 ? " " : "");
	else
		snprintf(out, cap, "%" PRId64 " phút", mins);
	if (days == 0 && hours > 0 && mins > 0) {
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%" PRId64 " phút", mins);
	}
}

/* The working time left before 'due_ms' as text; *overdue when it is past, *soon when less
 * than a working day is left. */
static void left_text(const struct workcal *cal, int64_t now_ms, int64_t due_ms, char *text,
                      size_t cap, int *overdue, int *soon)
{
	char d[TEXT_SIZE];

	*overdue = 0;
	*soon = 0;
	text[0] = '\0';
	if (due_ms == 0)
		return;
	if (due_ms > now_ms) {
		int64_t left = workcal_between(cal, now_ms, due_ms);

		duration_text(left, d, sizeof d);
		snprintf(text, cap, "Còn %s", d);
		*soon = left < WORKCAL_DAY_MINUTES;
	} else {
		*overdue = 1;
		duration_text(workcal_between(cal, due_ms, now_ms), d, sizeof d);
		snprintf(text, cap, "Quá hạn %s", d);
	}
}

int bo_time_left(struct db *db, int64_t agency_id, int64_t now_ms, int64_t due_ms,
                 char *text, size_t cap, int *overdue, int *soon)
{
	struct calendars c = { 0 };
	const struct workcal *cal;
	int rc;

	*overdue = 0;
	*soon = 0;
	text[0] = '\0';
	if (due_ms == 0)
		return 0;
	if ((rc = calendar_of(db, &c, agency_id, now_ms, &cal)) == 0)
		left_text(cal, now_ms, due_ms, text, cap, overdue, soon);
	calendars_free(&c);
	return rc;
}

/* ---- the dashboard ---- */

int bo_dashboard(struct db *db, const struct actor *a, int64_t now_ms, json_t **out)
{
	char now[TEXT_SIZE], sql[1024];
	json_t *list = NULL;
	int rc = 0;

	*out = NULL;
	if (!dossier_staff_handles(a))
		return MC_EFORBIDDEN;
	clock_iso8601(now_ms, now, sizeof now);
	if ((list = json_array()) == NULL)
		return MC_ENOMEM;
	for (size_t i = 0; rc == 0 && i < COUNT(queues); i++) {
		const struct queue_def *q = &queues[i];
		struct db_stmt *st;
		int k = 1;

		if (q->role != a->staff_role)
			continue;
		snprintf(sql, sizeof sql,
		         "SELECT count(*), coalesce(sum(" OVERDUE "), 0) FROM dossiers d WHERE " SEEN
		         " AND %s", q->where);
		if ((rc = db_prepare(db, sql, &st)) != 0 || (rc = db_bind_cstr(st, k++, now)) != 0 ||
		    (rc = bind_scope(st, q, a, now, &k)) != 0)
			break;
		if ((rc = db_step(st)) != DB_ROW) {
			rc = rc < 0 ? rc : MC_EDB;
			break;
		}
		rc = json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I}", "code", q->code,
		                                           "label", q->label, "count",
		                                           (json_int_t)db_col_int64(st, 0), "overdue",
		                                           (json_int_t)db_col_int64(st, 1))) == 0
		         ? 0 : MC_ENOMEM;
		db_reset(st);
	}
	if (rc == 0 && (*out = json_pack("{s:O, s:s, s:b}", "queues", list, "role_label",
	                                 staff_role_label(a->staff_role), "can_walk_in",
	                                 a->staff_role == STAFF_INTAKE)) == NULL)
		rc = MC_ENOMEM;
	json_decref(list);
	return rc;
}

/* ---- a queue ---- */

/* Fold the search box into at most BO_SEARCH_WORDS LIKE patterns "% word%" in pats[]. */
static int search_patterns(const char *typed, char pats[BO_SEARCH_WORDS][BO_SEARCH_MAX + 4],
                           int *n)
{
	char *folded = NULL, *save = NULL, *w;
	int rc;

	*n = 0;
	if (typed == NULL || typed[0] == '\0')
		return 0;
	if (strlen(typed) > BO_SEARCH_MAX * 4)
		return MC_EINVAL;
	if ((rc = fold_text(typed, strlen(typed), &folded)) != 0)
		return rc;
	for (w = strtok_r(folded, " ", &save); w != NULL && *n < BO_SEARCH_WORDS;
	     w = strtok_r(NULL, " ", &save))
		if (strlen(w) <= BO_SEARCH_MAX)
			snprintf(pats[(*n)++], BO_SEARCH_MAX + 4, "%% %s%%", w);
	free(folded);
	return 0;
}

/* The filters of 'q' as SQL after the scope, and what to bind. */
struct filters {
	struct buf sql;
	char pats[BO_SEARCH_WORDS][BO_SEARCH_MAX + 4];
	int npats;
	char due_bound[TEXT_SIZE];
	int due_kind; /* 0 none, 1 overdue, 2 before due_bound */
};

static int build_filters(const struct bo_query *q, int64_t now_ms, struct filters *f)
{
	int rc = 0;

	buf_init(&f->sql, NULL);
	f->npats = 0;
	f->due_kind = 0;
	if (q->procedure_id > 0)
		rc = buf_puts(&f->sql, " AND d.procedure_id = ?");
	if (rc == 0 && q->status != NULL && q->status[0] != '\0') {
		if (wf_status(q->status) == NULL)
			return MC_EINVAL;
		rc = buf_puts(&f->sql, " AND d.status = ?");
	}
	if (rc == 0 && q->channel != NULL && q->channel[0] != '\0') {
		if (strcmp(q->channel, "online") != 0 && strcmp(q->channel, "walk_in") != 0)
			return MC_EINVAL;
		rc = buf_puts(&f->sql, " AND d.channel = ?");
	}
	if (rc == 0 && q->due != NULL && q->due[0] != '\0') {
		long tomorrow = workcal_day_of(now_ms) + 1;

		if (strcmp(q->due, "overdue") == 0) {
			f->due_kind = 1;
			clock_iso8601(now_ms, f->due_bound, sizeof f->due_bound);
			rc = buf_puts(&f->sql, " AND " OVERDUE);
		} else if (strcmp(q->due, "today") == 0 || strcmp(q->due, "week") == 0) {
			f->due_kind = 2;
			/* Before the end of today, or of the sixth day after it. */
			clock_iso8601(workcal_day_start(tomorrow + (q->due[0] == 'w' ? 6 : 0)),
			              f->due_bound, sizeof f->due_bound);
			rc = buf_puts(&f->sql, " AND d.due_at < ? AND d.finished_at IS NULL");
		} else {
			return MC_EINVAL;
		}
	}
	if (rc == 0 && (rc = search_patterns(q->q, f->pats, &f->npats)) == 0)
		for (int i = 0; rc == 0 && i < f->npats; i++)
			rc = buf_puts(&f->sql, " AND d.search_text LIKE ?");
	return rc;
}

static int bind_filters(struct db_stmt *st, const struct bo_query *q, const struct filters *f,
                        int *k)
{
	int rc = 0;

	if (q->procedure_id > 0)
		rc = db_bind_int64(st, (*k)++, q->procedure_id);
	if (rc == 0 && q->status != NULL && q->status[0] != '\0')
		rc = db_bind_cstr(st, (*k)++, q->status);
	if (rc == 0 && q->channel != NULL && q->channel[0] != '\0')
		rc = db_bind_cstr(st, (*k)++, q->channel);
	if (rc == 0 && f->due_kind != 0)
		rc = db_bind_cstr(st, (*k)++, f->due_bound);
	for (int i = 0; rc == 0 && i < f->npats; i++)
		rc = db_bind_cstr(st, (*k)++, f->pats[i]);
	return rc;
}

static const char *order_by(const char *sort)
{
	if (sort != NULL && strcmp(sort, "received") == 0)
		return " ORDER BY d.received_at IS NULL, d.received_at DESC, d.id DESC";
	if (sort != NULL && strcmp(sort, "updated") == 0)
		return " ORDER BY d.updated_at DESC, d.id DESC";
	return " ORDER BY d.due_at IS NULL, d.due_at, d.id";
}

static const char item_columns[] =
	"d.id, d.receipt_no, p.code, p.name, d.applicant_name, d.channel, d.status, "
	"coalesce(dep.name, ''), coalesce(asg.full_name, ''), d.received_at, d.due_at, d.paused_at, "
	"d.finished_at, d.desk_agency_id";

static const char item_joins[] =
	" FROM dossiers d JOIN procedures p ON p.id = d.procedure_id "
	"LEFT JOIN departments dep ON dep.id = d.department_id "
	"LEFT JOIN accounts asg ON asg.id = d.assignee_id";

static const char *channel_label(const char *channel)
{
	return strcmp(channel, "walk_in") == 0 ? "Trực tiếp" : "Trực tuyến";
}

static int put_item(struct db *db, struct calendars *cals, int64_t now_ms, struct db_stmt *st,
                    json_t *items)
{
	const char *status = db_col_text(st, 6, NULL), *channel = db_col_text(st, 5, NULL);
	char left[TEXT_SIZE] = "";
	int64_t due = 0;
	int overdue = 0, soon = 0, paused = !db_col_is_null(st, 11);
	int finished = !db_col_is_null(st, 12), rc;
	json_t *it = json_object();

	if (it == NULL || json_array_append_new(items, it) != 0)
		return MC_ENOMEM;
	if (!paused && !finished && clock_parse_iso8601(db_col_text(st, 10, NULL), &due) == 0) {
		const struct workcal *cal;

		if ((rc = calendar_of(db, cals, db_col_int64(st, 13), now_ms, &cal)) != 0)
			return rc;
		left_text(cal, now_ms, due, left, sizeof left, &overdue, &soon);
	} else if (paused) {
		snprintf(left, sizeof left, "Tạm dừng chờ bổ sung");
	}
	if ((rc = rows_put(it, "id", json_integer(db_col_int64(st, 0)))) != 0 ||
	    (rc = rows_put(it, "receipt_no", rows_text(st, 1))) != 0 ||
	    (rc = rows_put(it, "procedure_code", rows_text(st, 2))) != 0 ||
	    (rc = rows_put(it, "procedure_name", rows_text(st, 3))) != 0 ||
	    (rc = rows_put(it, "applicant_name", rows_text(st, 4))) != 0 ||
	    (rc = rows_put(it, "channel", rows_text(st, 5))) != 0 ||
	    (rc = rows_put(it, "channel_label", json_string(channel_label(channel != NULL ? channel
	                                                                         : "")))) != 0 ||
	    (rc = rows_put(it, "status", rows_text(st, 6))) != 0 ||
	    (rc = rows_put(it, "status_label", json_string(dossier_label(status != NULL ? status
	                                                                        : "")))) != 0 ||
	    (rc = rows_put(it, "department_name", rows_text(st, 7))) != 0 ||
	    (rc = rows_put(it, "assignee_name", rows_text(st, 8))) != 0 ||
	    (rc = rows_put(it, "received_text", dossier_local_time(st, 9))) != 0 ||
	    (rc = rows_put(it, "due_text", dossier_local_time(st, 10))) != 0 ||
	    (rc = rows_put(it, "time_left_text", json_string(left))) != 0 ||
	    (rc = rows_put(it, "overdue", json_boolean(overdue))) != 0 ||
	    (rc = rows_put(it, "due_soon", json_boolean(soon))) != 0 ||
	    (rc = rows_put(it, "paused", json_boolean(paused))) != 0)
		return rc;
	return 0;
}

/* The procedures of the queue's scope, for the filter. */
static int put_procedures(struct db *db, const struct actor *a, const struct queue_def *q,
                          int64_t chosen, const char *now, json_t *o)
{
	char sql[1024];
	struct db_stmt *st;
	json_t *list = json_array();
	int rc, k = 1;

	if (list == NULL || (rc = rows_put(o, "procedures", list)) != 0)
		return MC_ENOMEM;
	snprintf(sql, sizeof sql,
	         "SELECT DISTINCT p.id, p.code, p.name FROM dossiers d JOIN procedures p ON "
	         "p.id = d.procedure_id WHERE " SEEN " AND %s ORDER BY p.code", q->where);
	if ((rc = db_prepare(db, sql, &st)) != 0 || (rc = bind_scope(st, q, a, now, &k)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW)
		if (json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:b}", "id",
		                                          (json_int_t)db_col_int64(st, 0), "code",
		                                          db_col_text(st, 1, NULL), "name",
		                                          db_col_text(st, 2, NULL), "selected",
		                                          db_col_int64(st, 0) == chosen)) != 0) {
			db_reset(st);
			return MC_ENOMEM;
		}
	return rc == DB_DONE ? 0 : (rc < 0 ? rc : MC_EDB);
}

static int put_choices(const struct actor *a, const struct bo_query *q, json_t *o)
{
	json_t *list = json_array(), *statuses = json_array();
	const struct wf_status *s;
	size_t n;
	int rc;

	if (list == NULL || statuses == NULL) {
		json_decref(list);
		json_decref(statuses);
		return MC_ENOMEM;
	}
	for (size_t i = 0; i < COUNT(queues); i++)
		if (queues[i].role == a->staff_role)
			json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "code", queues[i].code,
			                                      "label", queues[i].label, "selected",
			                                      strcmp(queues[i].code, q->queue) == 0));
	s = wf_statuses(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].code, "draft") != 0 && strcmp(s[i].code, "unconfirmed") != 0 &&
		    strcmp(s[i].code, "expired") != 0)
			json_array_append_new(statuses, json_pack("{s:s, s:s, s:b}", "code", s[i].code,
			                                          "label", s[i].label, "selected",
			                                          q->status != NULL &&
			                                              strcmp(q->status, s[i].code) == 0));
	if ((rc = rows_put(o, "queues", list)) != 0) {
		json_decref(statuses);
		return rc;
	}
	return rows_put(o, "statuses", statuses);
}

int bo_queue(struct db *db, const struct actor *a, int64_t now_ms, const struct bo_query *q,
             json_t **out)
{
	const struct queue_def *def;
	struct filters f;
	struct calendars cals = { 0 };
	struct buf sql;
	struct db_stmt *st;
	char now[TEXT_SIZE];
	json_t *o = NULL, *items;
	int64_t total = 0;
	int rc, k = 1;

	*out = NULL;
	buf_init(&sql, NULL);
	if (!dossier_staff_handles(a))
		return MC_EFORBIDDEN;
	if ((def = queue_of(a, q->queue)) == NULL)
		return MC_ENOTFOUND;
	if (q->page < 1 || q->page > BO_PAGE_MAX)
		return MC_EINVAL;
	clock_iso8601(now_ms, now, sizeof now);
	if ((rc = build_filters(q, now_ms, &f)) != 0)
		goto out;
	/* The count. */
	if ((rc = buf_printf(&sql, "SELECT count(*) FROM dossiers d WHERE " SEEN " AND %s%s",
	                     def->where, f.sql.data != NULL ? f.sql.data : "")) != 0 ||
	    (rc = db_prepare(db, sql.data, &st)) != 0 || (rc = bind_scope(st, def, a, now, &k)) != 0 ||
	    (rc = bind_filters(st, q, &f, &k)) != 0)
		goto out;
	if ((rc = db_step(st)) != DB_ROW) {
		rc = rc < 0 ? rc : MC_EDB;
		goto out;
	}
	total = db_col_int64(st, 0);
	db_reset(st);
	/* The page. */
	sql.len = 0;
	k = 1;
	if ((rc = buf_printf(&sql, "SELECT %s%s WHERE " SEEN " AND %s%s%s LIMIT ? OFFSET ?",
	                     item_columns, item_joins, def->where,
	                     f.sql.data != NULL ? f.sql.data : "", order_by(q->sort))) != 0 ||
	    (rc = db_prepare(db, sql.data, &st)) != 0 || (rc = bind_scope(st, def, a, now, &k)) != 0 ||
	    (rc = bind_filters(st, q, &f, &k)) != 0 || (rc = db_bind_int64(st, k++, BO_PER_PAGE)) != 0 ||
	    (rc = db_bind_int64(st, k++, (int64_t)(q->page - 1) * BO_PER_PAGE)) != 0)
		goto out;
	o = json_object();
	items = json_array();
	if (o == NULL || items == NULL || (rc = rows_put(o, "items", items)) != 0) {
		if (o != NULL)
			json_decref(items);
		db_reset(st);
		rc = MC_ENOMEM;
		goto out;
	}
	while ((rc = db_step(st)) == DB_ROW)
		if ((rc = put_item(db, &cals, now_ms, st, items)) != 0) {
			db_reset(st);
			goto out;
		}
	if (rc != DB_DONE) {
		rc = rc < 0 ? rc : MC_EDB;
		goto out;
	}
	if ((rc = rows_put(o, "queue", json_pack("{s:s, s:s}", "code", def->code, "label",
	                                         def->label))) != 0 ||
	    (rc = rows_put(o, "total", json_integer(total))) != 0 ||
	    (rc = rows_put(o, "page", json_integer(q->page))) != 0 ||
	    (rc = rows_put(o, "pages", json_integer((total + BO_PER_PAGE - 1) / BO_PER_PAGE))) != 0 ||
	    (rc = put_procedures(db, a, def, q->procedure_id, now, o)) != 0 ||
	    (rc = put_choices(a, q, o)) != 0)
		goto out;
	*out = o;
	o = NULL;
out:
	calendars_free(&cals);
	buf_free(&f.sql);
	buf_free(&sql);
	json_decref(o);
	return rc;
}

/* ---- one dossier ---- */

static const char dossier_sql[] =
	"SELECT d.id, d.version, d.status, d.workflow, d.channel, d.receipt_no, p.code, p.name, "
	"dk.name, ca.name, coalesce(dep.name, ''), coalesce(asg.full_name, ''), d.applicant_name, "
	"d.applicant_citizen_id, d.applicant_phone, d.applicant_email, d.applicant_address, "
	"d.submitted_at, d.received_at, d.due_at, d.step_due_at, d.finished_at, d.returned_at, "
	"d.return_method, d.result_kind, d.result_json, d.form_data, p.form_schema, "
	"d.desk_agency_id, d.competent_agency_id, coalesce(d.department_id, 0), "
	"coalesce(d.assignee_id, 0), d.paused_at, coalesce(o.department_id, 0), "
	"coalesce(apr.full_name, ''), d.approved_at, "
	/* Who received it: the officer of the first reception (the slip's date is that one's). */
	"coalesce((SELECT e.actor_name FROM dossier_events e WHERE e.dossier_id = d.id AND "
	"e.action = 'receive' ORDER BY e.id LIMIT 1), '') "
	"FROM dossiers d JOIN procedures p ON p.id = d.procedure_id "
	"JOIN agencies dk ON dk.id = d.desk_agency_id JOIN agencies ca ON ca.id = d.competent_agency_id "
	"JOIN offerings o ON o.id = d.offering_id "
	"LEFT JOIN departments dep ON dep.id = d.department_id "
	"LEFT JOIN accounts asg ON asg.id = d.assignee_id "
	"LEFT JOIN accounts apr ON apr.id = d.approved_by WHERE d.id = ?";

enum { D_ID, D_VERSION, D_STATUS, D_WORKFLOW, D_CHANNEL, D_RECEIPT, D_PCODE, D_PNAME, D_DESK,
       D_COMPETENT, D_DEPARTMENT, D_ASSIGNEE, D_NAME, D_CID, D_PHONE, D_EMAIL, D_ADDRESS,
       D_SUBMITTED, D_RECEIVED, D_DUE, D_STEP_DUE, D_FINISHED, D_RETURNED, D_RETURN_METHOD,
       D_RESULT_KIND, D_RESULT, D_FORM_DATA, D_SCHEMA, D_DESK_ID, D_COMPETENT_ID, D_DEPT_ID,
       D_ASSIGNEE_ID, D_PAUSED, D_DEFAULT_DEPT, D_APPROVER, D_APPROVED, D_RECEIVER };

/* Put JSON text column 'col' parsed under 'key' ({} when unreadable). */
static int put_json(struct db_stmt *st, int col, json_t *o, const char *key)
{
	size_t len = 0;
	const char *text = db_col_text(st, col, &len);
	json_t *v = text != NULL ? json_loadb(text, len, 0, NULL) : NULL;

	return rows_put(o, key, v != NULL ? v : json_object());
}

static int put_facts(struct db *db, int64_t now_ms, struct db_stmt *st, json_t *o)
{
	static const struct {
		const char *key;
		int col;
	} texts[] = {
		{ "status", D_STATUS }, { "workflow", D_WORKFLOW }, { "channel", D_CHANNEL },
		{ "receipt_no", D_RECEIPT }, { "procedure_code", D_PCODE },
		{ "procedure_name", D_PNAME }, { "desk_name", D_DESK },
		{ "competent_name", D_COMPETENT }, { "department_name", D_DEPARTMENT },
		{ "assignee_name", D_ASSIGNEE }, { "applicant_name", D_NAME },
		{ "applicant_citizen_id", D_CID }, { "applicant_phone", D_PHONE },
		{ "applicant_email", D_EMAIL }, { "applicant_address", D_ADDRESS },
		{ "result_kind", D_RESULT_KIND }, { "approver_name", D_APPROVER },
		{ "receiver_name", D_RECEIVER },
	}, times[] = {
		{ "submitted_text", D_SUBMITTED }, { "received_text", D_RECEIVED },
		{ "due_text", D_DUE }, { "step_due_text", D_STEP_DUE },
		{ "finished_text", D_FINISHED }, { "returned_text", D_RETURNED },
		{ "paused_text", D_PAUSED }, { "approved_text", D_APPROVED },
	};
	const char *status = db_col_text(st, D_STATUS, NULL), *method;
	char left[TEXT_SIZE] = "";
	int64_t due = 0;
	int overdue = 0, soon = 0, rc;

	for (size_t i = 0; i < COUNT(texts); i++)
		if ((rc = rows_put(o, texts[i].key, rows_text(st, texts[i].col))) != 0)
			return rc;
	for (size_t i = 0; i < COUNT(times); i++)
		if ((rc = rows_put(o, times[i].key, dossier_local_time(st, times[i].col))) != 0)
			return rc;
	if (db_col_is_null(st, D_PAUSED) && db_col_is_null(st, D_FINISHED) &&
	    clock_parse_iso8601(db_col_text(st, D_DUE, NULL), &due) == 0 &&
	    (rc = bo_time_left(db, db_col_int64(st, D_DESK_ID), now_ms, due, left, sizeof left,
	                       &overdue, &soon)) != 0)
		return rc;
	method = db_col_text(st, D_RETURN_METHOD, NULL);
	if ((rc = rows_put(o, "id", json_integer(db_col_int64(st, D_ID)))) != 0 ||
	    (rc = rows_put(o, "version", json_integer(db_col_int64(st, D_VERSION)))) != 0 ||
	    (rc = rows_put(o, "status_label", json_string(dossier_label(status)))) != 0 ||
	    (rc = rows_put(o, "workflow_label",
	                   json_string(wf_variant_label(wf_variant_parse(db_col_text(st, D_WORKFLOW,
	                                                                             NULL)))))) != 0 ||
	    (rc = rows_put(o, "channel_label",
	                   json_string(channel_label(db_col_text(st, D_CHANNEL, NULL) != NULL
	                                                 ? db_col_text(st, D_CHANNEL, NULL)
	                                                 : "")))) != 0 ||
	    (rc = rows_put(o, "time_left_text", json_string(left))) != 0 ||
	    (rc = rows_put(o, "overdue", json_boolean(overdue))) != 0 ||
	    (rc = rows_put(o, "due_soon", json_boolean(soon))) != 0 ||
	    (rc = rows_put(o, "paused", json_boolean(!db_col_is_null(st, D_PAUSED)))) != 0 ||
	    (rc = rows_put(o, "is_refusal",
	                   json_boolean(db_col_text(st, D_RESULT_KIND, NULL) != NULL &&
	                                strcmp(db_col_text(st, D_RESULT_KIND, NULL), "refusal") ==
	                                    0))) != 0 ||
	    (rc = rows_put(o, "return_method_label",
	                   json_string(method == NULL ? ""
	                               : strcmp(method, "post") == 0
	                                   ? "Qua dịch vụ bưu chính công ích"
	                                   : "Trực tiếp tại bộ phận một cửa"))) != 0 ||
	    (rc = put_json(st, D_RESULT, o, "result")) != 0 ||
	    (rc = put_json(st, D_FORM_DATA, o, "form_data")) != 0 ||
	    (rc = put_json(st, D_SCHEMA, o, "form")) != 0)
		return rc;
	return 0;
}

/* Every timeline entry, staff notes included. */
static int put_timeline(struct db *db, int64_t id, json_t *o)
{
	struct db_stmt *st;
	json_t *list = json_array();
	int rc;

	if (list == NULL || (rc = rows_put(o, "timeline", list)) != 0)
		return MC_ENOMEM;
	if ((rc = db_prepare(db, "SELECT at, actor_name, from_status, to_status, note, internal "
	                         "FROM dossier_events WHERE dossier_id = ? ORDER BY id", &st)) != 0 ||
	    (rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *from = db_col_text(st, 2, NULL), *to = db_col_text(st, 3, NULL);
		json_t *ev = json_object();

		if (ev == NULL || json_array_append_new(list, ev) != 0 ||
		    rows_put(ev, "at", dossier_local_time(st, 0)) != 0 ||
		    rows_put(ev, "actor_name", rows_text(st, 1)) != 0 ||
		    rows_put(ev, "from_label", json_string(from != NULL ? dossier_label(from) : "")) != 0 ||
		    rows_put(ev, "to_label", json_string(dossier_label(to != NULL ? to : ""))) != 0 ||
		    rows_put(ev, "changed", json_boolean(from == NULL || to == NULL ||
		                                         strcmp(from, to) != 0)) != 0 ||
		    rows_put(ev, "note", rows_text(st, 4)) != 0 ||
		    rows_put(ev, "internal", json_boolean(db_col_int64(st, 5) != 0)) != 0) {
			db_reset(st);
			return MC_ENOMEM;
		}
	}
	return rc == DB_DONE ? 0 : (rc < 0 ? rc : MC_EDB);
}

/* Rows of a two-column query (id, name) bound to 'a1', 'a2' as [ { id, name, selected } ]. */
static int put_choices_of(struct db *db, const char *sql, int64_t a1, int64_t a2, int64_t chosen,
                          json_t *o, const char *key)
{
	struct db_stmt *st;
	json_t *list = json_array();
	int rc;

	if (list == NULL || (rc = rows_put(o, key, list)) != 0)
		return MC_ENOMEM;
	if ((rc = db_prepare(db, sql, &st)) != 0 || (rc = db_bind_int64(st, 1, a1)) != 0 ||
	    (a2 != 0 && (rc = db_bind_int64(st, 2, a2)) != 0))
		return rc;
	while ((rc = db_step(st)) == DB_ROW)
		if (json_array_append_new(list, json_pack("{s:I, s:s, s:b}", "id",
		                                          (json_int_t)db_col_int64(st, 0), "name",
		                                          db_col_text(st, 1, NULL), "selected",
		                                          db_col_int64(st, 0) == chosen)) != 0) {
			db_reset(st);
			return MC_ENOMEM;
		}
	return rc == DB_DONE ? 0 : (rc < 0 ? rc : MC_EDB);
}

/* What 'a' may do now, with the fields each needs. */
static int put_actions(const struct actor *a, const char *status, const char *workflow,
                       int64_t desk, int64_t competent, int64_t department, int64_t assignee,
                       json_t *o)
{
	const struct wf_transition *ts[32];
	enum wf_variant v = wf_variant_parse(workflow);
	unsigned roles;
	size_t n;
	int visible;
	json_t *list = json_array();

	if (list == NULL)
		return MC_ENOMEM;
	roles = dossier_flow_roles(a, desk, competent, department, &visible);
	n = wf_available(v != 0 ? v : WF_STANDARD, status, roles, ts, COUNT(ts));
	for (size_t i = 0; i < n && i < COUNT(ts); i++) {
		const struct wf_transition *t = ts[i];

		/* A claim while it is taken, or another specialist's step, is not offered. */
		if (strcmp(t->action, "claim") == 0 && assignee != 0)
			continue;
		if ((t->needs & WF_NEED_CLAIM) && assignee != a->account_id)
			continue;
		if (json_array_append_new(list, json_pack(
		        "{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}",
		        "action", t->action, "label", t->label, "note_label",
		        t->note_label != NULL ? t->note_label : "", "needs_note",
		        (t->needs & WF_NEED_NOTE) != 0, "optional_note",
		        (t->needs & WF_OPTIONAL_NOTE) != 0, "internal_note",
		        (t->needs & WF_INTERNAL_NOTE) != 0, "needs_department",
		        (t->needs & WF_NEED_DEPARTMENT) != 0, "needs_assignee",
		        (t->needs & WF_NEED_ASSIGNEE) != 0, "needs_result",
		        (t->needs & WF_NEED_RESULT) != 0, "needs_return",
		        (t->needs & WF_NEED_RETURN) != 0, "needs_due", (t->needs & WF_NEED_DUE) != 0,
		        "danger", strcmp(t->action, "refuse") == 0 ||
		                      strcmp(t->action, "propose_refusal") == 0 ||
		                      strcmp(t->action, "refuse_result") == 0)) != 0) {
			json_decref(list);
			return MC_ENOMEM;
		}
	}
	return rows_put(o, "actions", list);
}

static int put_extensions(struct db *db, int64_t id, json_t *o)
{
	struct db_stmt *st;
	json_t *list = json_array();
	int rc;

	if (list == NULL || (rc = rows_put(o, "extensions", list)) != 0)
		return MC_ENOMEM;
	if ((rc = db_prepare(db, "SELECT at, actor_name, old_due_at, new_due_at, reason FROM "
	                         "dossier_extensions WHERE dossier_id = ? ORDER BY id", &st)) != 0 ||
	    (rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *e = json_object();

		if (e == NULL || json_array_append_new(list, e) != 0 ||
		    rows_put(e, "at", dossier_local_time(st, 0)) != 0 ||
		    rows_put(e, "actor_name", rows_text(st, 1)) != 0 ||
		    rows_put(e, "old_due", dossier_local_time(st, 2)) != 0 ||
		    rows_put(e, "new_due", dossier_local_time(st, 3)) != 0 ||
		    rows_put(e, "reason", rows_text(st, 4)) != 0) {
			db_reset(st);
			return MC_ENOMEM;
		}
	}
	return rc == DB_DONE ? 0 : (rc < 0 ? rc : MC_EDB);
}

/* Whether 'a' may attach scans now: the desk's intake officer, a walk-in dossier not
 * finished (dossier_scans_check decides again). */
static int scans_open(const struct actor *a, const char *status, int64_t desk, int64_t competent,
                      int64_t department, const json_t *o)
{
	int visible;
	unsigned roles = dossier_flow_roles(a, desk, competent, department, &visible);

	return (roles & WF_INTAKE) && !dossier_scans_closed(status) &&
	       strcmp(json_string_value(json_object_get(o, "channel")), "walk_in") == 0;
}

/* Write the view of the applicant's personal data to the audit log. */
static int audit_view(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                      int64_t agency, const char *receipt)
{
	char summary[160];
	int rc;

	snprintf(summary, sizeof summary, "Xem hồ sơ %s",
	         receipt != NULL && receipt[0] != '\0' ? receipt : "(chưa có số biên nhận)");
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = audit_record(db, a, now_ms, "view", "dossier", id, agency, summary, NULL, NULL)) !=
	        0 ||
	    (rc = db_commit(db)) != 0)
		db_rollback(db);
	return rc;
}

int bo_dossier(struct db *db, const struct actor *a, int64_t now_ms, int64_t id, json_t **out)
{
	struct db_stmt *st = NULL;
	json_t *o = NULL;
	char status[TEXT_SIZE], workflow[TEXT_SIZE], receipt[TEXT_SIZE * 2];
	int64_t desk, competent, department, assignee, default_dept;
	int rc;

	*out = NULL;
	if (!dossier_staff_handles(a))
		return MC_EFORBIDDEN;
	if ((rc = dossier_flow_visible(db, a, id)) != 0)
		return rc;
	if ((rc = db_row_by_id(db, dossier_sql, id, &st)) != 0)
		return rc;
	if ((o = json_object()) == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	db_col_copy(st, D_STATUS, status, sizeof status);
	db_col_copy(st, D_WORKFLOW, workflow, sizeof workflow);
	db_col_copy(st, D_RECEIPT, receipt, sizeof receipt);
	desk = db_col_int64(st, D_DESK_ID);
	competent = db_col_int64(st, D_COMPETENT_ID);
	department = db_col_int64(st, D_DEPT_ID);
	assignee = db_col_int64(st, D_ASSIGNEE_ID);
	default_dept = db_col_int64(st, D_DEFAULT_DEPT);
	if ((rc = put_facts(db, now_ms, st, o)) != 0)
		goto out;
	db_reset(st);
	st = NULL;
	if ((rc = put_timeline(db, id, o)) != 0 || (rc = put_extensions(db, id, o)) != 0 ||
	    (rc = dossier_documents_view(db, id, o)) != 0 ||
	    (rc = put_actions(a, status, workflow, desk, competent, department, assignee, o)) != 0 ||
	    (rc = put_choices_of(db, "SELECT id, name FROM departments WHERE agency_id = ? AND "
	                             "active = 1 ORDER BY name", competent, 0,
	                         department != 0 ? department : default_dept, o, "departments")) != 0 ||
	    (rc = put_choices_of(db, "SELECT a.id, a.full_name FROM staff s JOIN accounts a ON "
	                             "a.id = s.account_id WHERE s.role = 'specialist' AND "
	                             "s.department_id = ? AND s.agency_id = ? AND a.status = 'active' "
	                             "ORDER BY a.full_name", department, competent, assignee, o,
	                         "specialists")) != 0 ||
	    (rc = rows_put(o, "receipt_printable", json_boolean(receipt[0] != '\0'))) != 0 ||
	    (rc = rows_put(o, "can_attach_scans", json_boolean(scans_open(a, status, desk,
	                                                                   competent, department,
	                                                                   o)))) != 0 ||
	    (rc = audit_view(db, a, now_ms, id, competent, receipt)) != 0)
		goto out;
	*out = o;
	o = NULL;
out:
	if (st != NULL)
		db_reset(st);
	json_decref(o);
	return rc;
}
