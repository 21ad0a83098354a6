/* staff.c: staff accounts: the list, the form's rules, (de)activation, and their audit records. */
#include "domain/fields.h"
#include "domain/staff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/account.h"
#include "domain/audit.h"
#include "domain/scope.h"
#include "domain/session.h"
#include "domain/validate.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/fold.h"
#include "store/db.h"

const char *const staff_form_fields[] = {
	"full_name", "email", "phone", "role", "agency_id", "department_id", "title",
};
const size_t staff_form_field_count = sizeof(staff_form_fields) / sizeof(staff_form_fields[0]);

/* ---- small text helpers ---- */

static int64_t json_id(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static const char *json_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

/* ---- roles ---- */

static const enum staff_role all_roles[] = {
	STAFF_INTAKE, STAFF_SPECIALIST, STAFF_LEADER, STAFF_AGENCY_ADMIN, STAFF_SYSTEM_ADMIN,
};

/* Whether 'actor' may give (or take away) role 'role'. */
static int may_give(const struct actor *actor, enum staff_role role)
{
	if (role == STAFF_NONE)
		return 0;
	return role != STAFF_SYSTEM_ADMIN || scope_is_global(actor);
}

int staff_role_options(const struct actor *actor, json_t **out)
{
	json_t *list;

	*out = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	list = json_array();
	if (list == NULL)
		return MC_ENOMEM;
	for (size_t i = 0; i < sizeof(all_roles) / sizeof(all_roles[0]); i++)
		if (may_give(actor, all_roles[i]))
			json_array_append_new(list, json_pack("{s:s, s:s}", "name",
			                                      staff_role_name(all_roles[i]), "label",
			                                      staff_role_label(all_roles[i])));
	*out = list;
	return 0;
}

/* ---- reading ---- */

#define STAFF_COLUMNS                                                                            \
	"SELECT a.id, a.full_name, a.email, a.phone, a.status, s.role, s.agency_id, g.name, "    \
	"s.department_id, d.name, s.title, a.created_at FROM staff s "                           \
	"JOIN accounts a ON a.id = s.account_id JOIN agencies g ON g.id = s.agency_id "          \
	"LEFT JOIN departments d ON d.id = s.department_id "

/* The current row of a STAFF_COLUMNS query as JSON. */
static json_t *row_json(struct db_stmt *st)
{
	const char *role = db_col_text(st, 5, NULL);

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:b, s:s}", "id",
	                 (json_int_t)db_col_int64(st, 0), "full_name", db_col_text(st, 1, NULL),
	                 "email", db_col_text(st, 2, NULL), "phone", db_col_text(st, 3, NULL), "role",
	                 role, "role_label", staff_role_label(staff_role_parse(role)), "agency_id",
	                 (json_int_t)db_col_int64(st, 6), "agency_name", db_col_text(st, 7, NULL),
	                 "department_id", (json_int_t)db_col_int64(st, 8), "department_name",
	                 db_col_is_null(st, 9) ? "" : db_col_text(st, 9, NULL), "title",
	                 db_col_text(st, 10, NULL), "active",
	                 strcmp(db_col_text(st, 4, NULL), "active") == 0, "created_at",
	                 db_col_text(st, 11, NULL));
}

int staff_list(struct db *db, const struct actor *actor, const struct staff_query *q,
               json_t **out)
{
	struct db_stmt *st;
	const char *role = q->role != NULL ? q->role : "", *status = q->status != NULL ? q->status : "";
	char *needle = NULL;
	json_t *items = NULL;
	int64_t total = 0, first, last;
	int page = q->page < 1 ? 1 : q->page, pages, rc;

	*out = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if ((role[0] != '\0' && staff_role_parse(role) == STAFF_NONE) ||
	    (status[0] != '\0' && strcmp(status, "active") != 0 && strcmp(status, "disabled") != 0) ||
	    page > STAFF_PAGE_MAX)
		return MC_EINVAL;
	if (q->text != NULL && q->text[0] != '\0') {
		if (fields_chars(q->text) > STAFF_SEARCH_MAX)
			return MC_EINVAL;
		if ((rc = fold_text(q->text, strlen(q->text), &needle)) != 0)
			return rc;
		if (needle[0] == '\0') {
			free(needle);
			needle = NULL;
		}
	}
	if (scope_is_global(actor))
		rc = db_prepare(db,
		                STAFF_COLUMNS "WHERE ? IS NOT NULL AND (? = 0 OR s.agency_id = ?) "
		                              "AND (? = '' OR s.role = ?) AND (? = '' OR a.status = ?) "
		                              "ORDER BY g.name, g.id, a.full_name, a.id",
		                &st);
	else
		rc = db_prepare(db,
		                STAFF_COLUMNS "WHERE s.agency_id IN (" SCOPE_SUBTREE_SQL ") "
		                              "AND (? = 0 OR s.agency_id = ?) "
		                              "AND (? = '' OR s.role = ?) AND (? = '' OR a.status = ?) "
		                              "ORDER BY g.name, g.id, a.full_name, a.id",
		                &st);
	if (rc != 0)
		goto out;
	if ((rc = db_bind_int64(st, 1, actor->agency_id)) != 0 ||
	    (rc = db_bind_int64(st, 2, q->agency_id)) != 0 ||
	    (rc = db_bind_int64(st, 3, q->agency_id)) != 0 || (rc = db_bind_cstr(st, 4, role)) != 0 ||
	    (rc = db_bind_cstr(st, 5, role)) != 0 || (rc = db_bind_cstr(st, 6, status)) != 0 ||
	    (rc = db_bind_cstr(st, 7, status)) != 0)
		goto out;
	items = json_array();
	if (items == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	first = (int64_t)(page - 1) * STAFF_PER_PAGE;
	last = first + STAFF_PER_PAGE;
	while ((rc = db_step(st)) == DB_ROW) {
		if (needle != NULL) {
			/* Names are folded here, not in SQL: the database cannot drop Vietnamese marks. */
			const char *name = db_col_text(st, 1, NULL), *email = db_col_text(st, 2, NULL);
			size_t n = strlen(name) + strlen(email) + 2;
			char *both = malloc(n), *folded = NULL;
			int hit;
			if (both == NULL) {
				db_reset(st);
				rc = MC_ENOMEM;
				goto out;
			}
			snprintf(both, n, "%s %s", name, email);
			rc = fold_text(both, strlen(both), &folded);
			free(both);
			if (rc != 0) {
				db_reset(st);
				goto out;
			}
			hit = strstr(folded, needle) != NULL;
			free(folded);
			if (!hit)
				continue;
		}
		if (total >= first && total < last)
			json_array_append_new(items, row_json(st));
		total++;
	}
	if (rc < 0)
		goto out;
	pages = total == 0 ? 1 : (int)((total + STAFF_PER_PAGE - 1) / STAFF_PER_PAGE);
	*out = json_pack("{s:O, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total, "page",
	                 page, "pages", pages);
	rc = *out != NULL ? 0 : MC_ENOMEM;
out:
	json_decref(items);
	free(needle);
	return rc;
}

/* Staff account 'id' as stored, without a scope check.  MC_ENOTFOUND; MC_EDB; MC_ENOMEM. */
static int staff_load(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st;
	int rc = db_prepare(db, STAFF_COLUMNS "WHERE a.id = ?", &st);

	*out = NULL;
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	*out = row_json(st);
	db_reset(st);
	return *out != NULL ? 0 : MC_ENOMEM;
}

/* Whether the actor may change staff account 's' (already known to be in its scope). */
static int editable(const struct actor *actor, const json_t *s)
{
	return may_give(actor, staff_role_parse(json_str(s, "role")));
}

/* Load staff account 'id' when it is in the actor's scope. */
static int load_in_scope(struct db *db, const struct actor *actor, int64_t id, json_t **out)
{
	json_t *s = NULL;
	int rc;

	*out = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if ((rc = staff_load(db, id, &s)) != 0)
		return rc;
	if ((rc = scope_check_agency(db, actor, json_id(s, "agency_id"))) != 0) {
		json_decref(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* What the audit log keeps of a staff account. */
static json_t *staff_snapshot(const json_t *s)
{
	json_t *c = json_deep_copy(s);

	if (c != NULL) {
		json_object_del(c, "id");
		json_object_del(c, "created_at");
	}
	return c;
}

static json_t *staff_values(const json_t *s)
{
	char agency[24], dept[24] = "";

	snprintf(agency, sizeof(agency), "%lld", (long long)json_id(s, "agency_id"));
	if (json_id(s, "department_id") > 0)
		snprintf(dept, sizeof(dept), "%lld", (long long)json_id(s, "department_id"));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "full_name",
	                 json_str(s, "full_name"), "email", json_str(s, "email"), "phone",
	                 json_str(s, "phone"), "role", json_str(s, "role"), "agency_id", agency,
	                 "department_id", dept, "title", json_str(s, "title"));
}

int staff_get(struct db *db, const struct actor *actor, int64_t id, json_t **out)
{
	json_t *s;
	int rc = load_in_scope(db, actor, id, &s);

	*out = NULL;
	if (rc != 0)
		return rc;
	json_object_set_new(s, "values", staff_values(s));
	json_object_set_new(s, "is_self", json_boolean(id == actor->account_id));
	json_object_set_new(s, "editable", json_boolean(editable(actor, s)));
	*out = s;
	return 0;
}

/* ---- the form's rules ---- */

struct staff_clean {
	char full_name[STAFF_NAME_MAX * 4 + 1];
	char email[VALIDATE_EMAIL_MAX + 1];
	char email_key[VALIDATE_EMAIL_KEY_SIZE];
	char phone[VALIDATE_PHONE_SIZE];
	enum staff_role role;
	int64_t agency_id;
	int64_t department_id;
	char title[STAFF_TITLE_MAX * 4 + 1];
};

static int check_email(struct db *db, const char *in, int64_t self, struct staff_clean *c,
                       struct field_errors *errs)
{
	struct db_stmt *st;
	const char *msg;
	int rc;

	if (fields_trim(in, c->email, sizeof(c->email)) != 0) {
		field_errors_add(errs, "email", "Địa chỉ thư điện tử không được dài quá 254 ký tự.");
		return 0;
	}
	if (validate_email(c->email, c->email_key, sizeof(c->email_key), &msg) != 0) {
		field_errors_add(errs, "email", msg);
		return 0;
	}
	rc = db_prepare(db, "SELECT 1 FROM accounts WHERE email_key = ? AND id <> ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, c->email_key)) != 0 || (rc = db_bind_int64(st, 2, self)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_ROW) {
		db_reset(st);
		field_errors_add(errs, "email",
		                 "Địa chỉ thư điện tử này đã được dùng cho một tài khoản khác. Vui lòng "
		                 "nhập địa chỉ khác.");
	}
	return 0;
}

/* The agency must be in the scope and active (or unchanged when editing). */
static int check_agency(struct db *db, const struct actor *actor, const char *in,
                        const json_t *current, struct staff_clean *c, struct field_errors *errs)
{
	struct db_stmt *st;
	int rc;

	c->agency_id = fields_id(in);
	if (c->agency_id == 0) {
		field_errors_add(errs, "agency_id", "Vui lòng chọn cơ quan của cán bộ.");
		return 0;
	}
	rc = c->agency_id < 0 ? MC_ENOTFOUND : scope_check_agency(db, actor, c->agency_id);
	if (rc == MC_ENOTFOUND) {
		field_errors_add(errs, "agency_id", "Vui lòng chọn cơ quan trong danh sách.");
		return 0;
	}
	if (rc != 0)
		return rc;
	if (current != NULL && json_id(current, "agency_id") == c->agency_id)
		return 0;
	rc = db_prepare(db, "SELECT active FROM agencies WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, c->agency_id)) != 0)
		return rc;
	if ((rc = db_step(st)) < 0)
		return rc;
	if (rc == DB_ROW) {
		if (db_col_int64(st, 0) == 0)
			field_errors_add(errs, "agency_id",
			                 "Cơ quan đã chọn đang ngừng hoạt động. Vui lòng chọn cơ quan khác.");
		db_reset(st);
	}
	return 0;
}

/* A specialist needs a department; a department must be an active one of the chosen agency
 * (or unchanged when editing). */
static int check_department(struct db *db, const char *in, const json_t *current,
                            struct staff_clean *c, struct field_errors *errs)
{
	struct db_stmt *st;
	int64_t agency;
	int rc, active;

	c->department_id = fields_id(in);
	if (c->department_id < 0) {
		field_errors_add(errs, "department_id", "Vui lòng chọn phòng ban trong danh sách.");
		return 0;
	}
	if (c->department_id == 0) {
		if (c->role == STAFF_SPECIALIST)
			field_errors_add(errs, "department_id",
			                 "Chuyên viên xử lý phải thuộc một phòng ban. Vui lòng chọn phòng "
			                 "ban.");
		return 0;
	}
	rc = db_prepare(db, "SELECT agency_id, active FROM departments WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, c->department_id)) != 0)
		return rc;
	if ((rc = db_step(st)) < 0)
		return rc;
	if (rc == DB_DONE) {
		field_errors_add(errs, "department_id", "Vui lòng chọn phòng ban trong danh sách.");
		return 0;
	}
	agency = db_col_int64(st, 0);
	active = (int)db_col_int64(st, 1);
	db_reset(st);
	if (field_errors_get(errs, "agency_id") != NULL)
		return 0; /* which agency it must belong to is not known yet */
	if (agency != c->agency_id)
		field_errors_add(errs, "department_id",
		                 "Phòng ban đã chọn không thuộc cơ quan đã chọn. Vui lòng chọn phòng ban "
		                 "của cơ quan đó.");
	else if (!active && !(current != NULL && json_id(current, "department_id") == c->department_id))
		field_errors_add(errs, "department_id",
		                 "Phòng ban đã chọn đang ngừng hoạt động. Vui lòng chọn phòng ban khác.");
	return 0;
}

static int check_form(struct db *db, const struct actor *actor, const struct staff_form *in,
                      const json_t *current, struct staff_clean *c, struct field_errors *errs)
{
	char raw[64];
	const char *msg;
	int64_t self = current != NULL ? json_id(current, "id") : 0;
	int rc;

	memset(c, 0, sizeof(*c));
	fields_text(errs, "full_name", "họ và tên", in->full_name, c->full_name, sizeof(c->full_name),
	           1, STAFF_NAME_MAX);
	if ((rc = check_email(db, in->email, self, c, errs)) != 0)
		return rc;
	if (fields_trim(in->phone, raw, sizeof(raw)) != 0)
		field_errors_add(errs, "phone", "Số điện thoại di động quá dài.");
	else if (validate_phone(raw, c->phone, &msg) != 0)
		field_errors_add(errs, "phone", msg);
	c->role = staff_role_parse(in->role);
	if (c->role == STAFF_NONE)
		field_errors_add(errs, "role", "Vui lòng chọn vai trò của cán bộ.");
	else if (!may_give(actor, c->role))
		field_errors_add(errs, "role",
		                 "Chỉ quản trị hệ thống mới được cấp vai trò Quản trị hệ thống.");
	else if (self != 0 && self == actor->account_id &&
	         c->role != staff_role_parse(json_str(current, "role")))
		field_errors_add(errs, "role", "Bạn không thể tự thay đổi vai trò của chính mình.");
	if ((rc = check_agency(db, actor, in->agency_id, current, c, errs)) != 0)
		return rc;
	if ((rc = check_department(db, in->department_id, current, c, errs)) != 0)
		return rc;
	fields_text(errs, "title", "chức vụ", in->title, c->title, sizeof(c->title), 0,
	           STAFF_TITLE_MAX);
	return 0;
}

static int write_staff_row(struct db *db, const char *sql, int64_t id, const struct staff_clean *c)
{
	struct db_stmt *st;
	int rc = db_prepare(db, sql, &st);

	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, staff_role_name(c->role))) != 0 ||
	    (rc = db_bind_int64(st, 2, c->agency_id)) != 0 ||
	    (rc = c->department_id > 0 ? db_bind_int64(st, 3, c->department_id)
	                               : db_bind_null(st, 3)) != 0 ||
	    (rc = db_bind_cstr(st, 4, c->title)) != 0 || (rc = db_bind_int64(st, 5, id)) != 0)
		return rc;
	rc = db_step(st);
	return rc < 0 ? rc : 0;
}

int staff_create(const struct account_env *env, struct db *db, const struct actor *actor,
                 int64_t now_ms, const struct staff_form *in, int64_t *id,
                 struct field_errors *errs)
{
	struct staff_clean c;
	json_t *after = NULL, *snap = NULL;
	char summary[STAFF_NAME_MAX * 4 + 128];
	int rc;

	*id = 0;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = check_form(db, actor, in, NULL, &c, errs)) != 0)
		goto out;
	if (errs->count > 0) {
		rc = MC_EINVAL;
		goto out;
	}
	rc = account_create_staff(env, db, c.full_name, c.email, c.phone, id);
	if (rc == MC_ECONFLICT) {
		field_errors_add(errs, "email",
		                 "Địa chỉ thư điện tử này đã được dùng cho một tài khoản khác. Vui lòng "
		                 "nhập địa chỉ khác.");
		rc = MC_EINVAL;
	}
	if (rc != 0)
		goto out;
	rc = write_staff_row(db,
	                     "INSERT INTO staff (role, agency_id, department_id, title, account_id) "
	                     "VALUES (?, ?, ?, ?, ?)",
	                     *id, &c);
	if (rc != 0 || (rc = staff_load(db, *id, &after)) != 0)
		goto out;
	snap = staff_snapshot(after);
	snprintf(summary, sizeof(summary), "Tạo tài khoản cán bộ %s (%s)", c.full_name,
	         staff_role_label(c.role));
	if ((rc = audit_record(db, actor, now_ms, "create", "staff", *id, c.agency_id, summary, NULL,
	                       snap)) != 0)
		goto out;
	rc = db_commit(db);
	if (rc == 0 && env->mail_queued != NULL)
		env->mail_queued(env->mail_ctx);
out:
	if (rc != 0) {
		db_rollback(db);
		*id = 0;
	}
	json_decref(after);
	json_decref(snap);
	return rc;
}

int staff_update(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                 const struct staff_form *in, struct field_errors *errs)
{
	struct staff_clean c;
	struct db_stmt *st;
	json_t *before = NULL, *after = NULL, *snap_before = NULL, *snap_after = NULL;
	char now[32], summary[STAFF_NAME_MAX * 4 + 128];
	int rc;

	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = load_in_scope(db, actor, id, &before)) != 0)
		goto out;
	if (!editable(actor, before)) {
		rc = MC_EFORBIDDEN;
		goto out;
	}
	if ((rc = check_form(db, actor, in, before, &c, errs)) != 0)
		goto out;
	if (errs->count > 0) {
		rc = MC_EINVAL;
		goto out;
	}
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db,
	                "UPDATE accounts SET full_name = ?, email = ?, email_key = ?, phone = ?, "
	                "updated_at = ? WHERE id = ?",
	                &st);
	if (rc != 0 || (rc = db_bind_cstr(st, 1, c.full_name)) != 0 ||
	    (rc = db_bind_cstr(st, 2, c.email)) != 0 || (rc = db_bind_cstr(st, 3, c.email_key)) != 0 ||
	    (rc = db_bind_cstr(st, 4, c.phone)) != 0 || (rc = db_bind_cstr(st, 5, now)) != 0 ||
	    (rc = db_bind_int64(st, 6, id)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0) {
		if (rc == MC_ECONFLICT) { /* taken meanwhile by another transaction */
			field_errors_add(errs, "email",
			                 "Địa chỉ thư điện tử này đã được dùng cho một tài khoản khác. Vui "
			                 "lòng nhập địa chỉ khác.");
			rc = MC_EINVAL;
		}
		goto out;
	}
	rc = write_staff_row(db,
	                     "UPDATE staff SET role = ?, agency_id = ?, department_id = ?, title = ? "
	                     "WHERE account_id = ?",
	                     id, &c);
	if (rc != 0 || (rc = staff_load(db, id, &after)) != 0)
		goto out;
	snap_before = staff_snapshot(before);
	snap_after = staff_snapshot(after);
	if (json_equal(snap_before, snap_after)) {
		db_rollback(db); /* nothing changed: no record */
		goto done;
	}
	snprintf(summary, sizeof(summary), "Sửa tài khoản cán bộ %s", c.full_name);
	if ((rc = audit_record(db, actor, now_ms, "update", "staff", id, c.agency_id, summary,
	                       snap_before, snap_after)) != 0)
		goto out;
	rc = db_commit(db);
out:
	if (rc != 0)
		db_rollback(db);
done:
	json_decref(before);
	json_decref(after);
	json_decref(snap_before);
	json_decref(snap_after);
	return rc;
}

int staff_set_active(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                     int active, const char **refusal)
{
	struct db_stmt *st;
	json_t *before = NULL, *after = NULL, *snap_before = NULL, *snap_after = NULL;
	char now[32], summary[STAFF_NAME_MAX * 4 + 128];
	int rc;

	*refusal = NULL;
	active = active ? 1 : 0;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = load_in_scope(db, actor, id, &before)) != 0)
		goto out;
	if (!editable(actor, before)) {
		rc = MC_EFORBIDDEN;
		goto out;
	}
	if (json_is_true(json_object_get(before, "active")) == active)
		goto out; /* already so */
	if (!active && id == actor->account_id) {
		*refusal = "Bạn không thể tự ngừng hoạt động tài khoản của chính mình.";
		rc = MC_ECONFLICT;
		goto out;
	}
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db, "UPDATE accounts SET status = ?, updated_at = ? WHERE id = ?", &st);
	if (rc != 0 || (rc = db_bind_cstr(st, 1, active ? "active" : "disabled")) != 0 ||
	    (rc = db_bind_cstr(st, 2, now)) != 0 || (rc = db_bind_int64(st, 3, id)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0)
		goto out;
	/* A deactivated account's sessions end now, not at their next timeout. */
	if (!active && (rc = session_revoke_all(db, id)) != 0)
		goto out;
	if ((rc = staff_load(db, id, &after)) != 0)
		goto out;
	snap_before = staff_snapshot(before);
	snap_after = staff_snapshot(after);
	snprintf(summary, sizeof(summary), "%s tài khoản cán bộ %s",
	         active ? "Kích hoạt lại" : "Ngừng hoạt động", json_str(after, "full_name"));
	if ((rc = audit_record(db, actor, now_ms, active ? "activate" : "deactivate", "staff", id,
	                       json_id(after, "agency_id"), summary, snap_before, snap_after)) != 0)
		goto out;
	rc = db_commit(db);
	if (rc == 0)
		goto done;
out:
	db_rollback(db);
done:
	json_decref(before);
	json_decref(after);
	json_decref(snap_before);
	json_decref(snap_after);
	return rc;
}

int staff_send_password_link(const struct account_env *env, struct db *db,
                             const struct actor *actor, int64_t id, const char **refusal)
{
	json_t *s = NULL;
	int rc;

	*refusal = NULL;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = load_in_scope(db, actor, id, &s)) != 0)
		goto out;
	if (!editable(actor, s)) {
		rc = MC_EFORBIDDEN;
		goto out;
	}
	rc = account_send_password_link(env, db, id);
	if (rc == MC_ECONFLICT)
		*refusal = "Tài khoản này đang ngừng hoạt động. Vui lòng kích hoạt lại tài khoản trước "
		           "khi gửi liên kết đặt mật khẩu.";
	if (rc != 0)
		goto out;
	rc = db_commit(db);
	if (rc == 0 && env->mail_queued != NULL)
		env->mail_queued(env->mail_ctx);
out:
	if (rc != 0)
		db_rollback(db);
	json_decref(s);
	return rc;
}

int staff_count(struct db *db, const struct actor *actor, int64_t *total, int64_t *active)
{
	struct db_stmt *st;
	int rc;

	*total = *active = 0;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if (scope_is_global(actor))
		rc = db_prepare(db,
		                "SELECT count(*), coalesce(sum(a.status = 'active'), 0) FROM staff s "
		                "JOIN accounts a ON a.id = s.account_id WHERE ? IS NOT NULL",
		                &st);
	else
		rc = db_prepare(db,
		                "SELECT count(*), coalesce(sum(a.status = 'active'), 0) FROM staff s "
		                "JOIN accounts a ON a.id = s.account_id "
		                "WHERE s.agency_id IN (" SCOPE_SUBTREE_SQL ")",
		                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, actor->agency_id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_ROW) {
		*total = db_col_int64(st, 0);
		*active = db_col_int64(st, 1);
		db_reset(st);
	}
	return 0;
}
