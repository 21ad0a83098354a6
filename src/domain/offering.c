/* offering.c: which desk receives which procedure for which competent agency. */
#include "domain/rows.h"
#include "domain/fields.h"
#include "domain/offering.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "domain/audit.h"
#include "domain/scope.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/db.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define NAME_SIZE 1024     /* an agency, department or procedure name (500 characters) */
#define SUMMARY_SIZE 2048

static const struct {
	const char *value;
	const char *label;
} workflows[] = {
	{ "standard", "Một cửa → Phòng chuyên môn → Lãnh đạo → Một cửa" },
	{ "no_department", "Không qua phòng chuyên môn" },
	{ "no_leader", "Không qua lãnh đạo phê duyệt" },
};

const char *offering_workflow_label(const char *workflow)
{
	for (size_t i = 0; workflow != NULL && i < COUNT(workflows); i++)
		if (strcmp(workflows[i].value, workflow) == 0)
			return workflows[i].label;
	return NULL;
}

/* Online submission exists only for these service modes (Decree 42/2022). */
static int mode_allows_online(const char *mode)
{
	return mode != NULL && (strcmp(mode, "partial") == 0 || strcmp(mode, "full") == 0);
}

/* ---- small helpers ---- */

/* The WHERE condition that keeps rows of the actor's scope, on column 'col' holding the desk.
 * Both forms take one parameter (the actor's agency), so callers bind alike. */
#define SCOPE_GLOBAL_SQL "? IS NOT NULL"
#define SCOPE_DESK_SQL "o.desk_agency_id IN (" SCOPE_SUBTREE_SQL ")"

/* ---- one offering ---- */

struct offering_row {
	int64_t id, procedure_id, desk_id, competent_id, department_id;
	int online, active;
	char workflow[16];
};

static int load_row(struct db *db, int64_t id, struct offering_row *o)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT procedure_id, desk_agency_id, competent_agency_id, "
	                        "department_id, online, active, workflow FROM offerings WHERE id = ?",
	                    &st);

	memset(o, 0, sizeof(*o));
	if (rc == 0)
		rc = db_bind_int64(st, 1, id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	if (rc != DB_ROW)
		return rc;
	o->id = id;
	o->procedure_id = db_col_int64(st, 0);
	o->desk_id = db_col_int64(st, 1);
	o->competent_id = db_col_int64(st, 2);
	o->department_id = db_col_int64(st, 3);
	o->online = (int)db_col_int64(st, 4);
	o->active = (int)db_col_int64(st, 5);
	db_col_copy(st, 6, o->workflow, sizeof(o->workflow));
	db_reset(st);
	return 0;
}

/* Offering 'id' as the actor may see it: MC_ENOTFOUND when its desk is outside the scope. */
static int load_visible(struct db *db, const struct actor *actor, int64_t id,
                        struct offering_row *o)
{
	int rc;

	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	rc = load_row(db, id, o);
	if (rc == 0)
		rc = scope_check_agency(db, actor, o->desk_id);
	return rc;
}

/* 'o' with the names of what it points to, for the audit log and the edit page. */
static int describe(struct db *db, const struct offering_row *o, json_t **out)
{
	struct db_stmt *st;
	const char *label = offering_workflow_label(o->workflow);
	json_t *d;
	int rc;

	*out = NULL;
	rc = db_prepare(db, "SELECT p.code, p.name, p.service_mode, d.name, c.name, "
	                    "(SELECT name FROM departments WHERE id = ?) "
	                    "FROM procedures p, agencies d, agencies c "
	                    "WHERE p.id = ? AND d.id = ? AND c.id = ?", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, o->department_id);
	if (rc == 0)
		rc = db_bind_int64(st, 2, o->procedure_id);
	if (rc == 0)
		rc = db_bind_int64(st, 3, o->desk_id);
	if (rc == 0)
		rc = db_bind_int64(st, 4, o->competent_id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE)
		return MC_EDB; /* foreign keys keep these rows */
	if (rc != DB_ROW)
		return rc;
	d = json_object();
	rc = d == NULL ? MC_ENOMEM : 0;
	if (rc == 0 && o->id > 0)
		rc = rows_put(d, "id", json_integer(o->id));
	if (rc == 0)
		rc = rows_put(d, "procedure_id", json_integer(o->procedure_id));
	if (rc == 0)
		rc = rows_put(d, "procedure_code", rows_text(st, 0));
	if (rc == 0)
		rc = rows_put(d, "procedure_name", rows_text(st, 1));
	if (rc == 0)
		rc = rows_put(d, "service_mode", rows_text(st, 2));
	if (rc == 0)
		rc = rows_put(d, "desk_agency_id", json_integer(o->desk_id));
	if (rc == 0)
		rc = rows_put(d, "desk_name", rows_text(st, 3));
	if (rc == 0)
		rc = rows_put(d, "competent_agency_id", json_integer(o->competent_id));
	if (rc == 0)
		rc = rows_put(d, "competent_name", rows_text(st, 4));
	if (rc == 0)
		rc = rows_put(d, "department_id", json_integer(o->department_id));
	if (rc == 0)
		rc = rows_put(d, "department_name", rows_text(st, 5));
	if (rc == 0)
		rc = rows_put(d, "online", json_boolean(o->online));
	if (rc == 0)
		rc = rows_put(d, "workflow", json_string(o->workflow));
	if (rc == 0)
		rc = rows_put(d, "workflow_label", json_string(label != NULL ? label : ""));
	if (rc == 0)
		rc = rows_put(d, "active", json_boolean(o->active));
	db_reset(st);
	if (rc != 0) {
		json_decref(d);
		return rc;
	}
	*out = d;
	return 0;
}

int offering_get(struct db *db, const struct actor *actor, int64_t id, json_t **out)
{
	struct offering_row o;
	struct db_stmt *st;
	int rc;

	*out = NULL;
	rc = load_visible(db, actor, id, &o);
	if (rc == 0)
		rc = describe(db, &o, out);
	if (rc != 0)
		return rc;
	rc = db_prepare(db, "SELECT created_at, updated_at FROM offerings WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_ROW) {
		rc = rows_put(*out, "created_at", rows_text(st, 0));
		if (rc == 0)
			rc = rows_put(*out, "updated_at", rows_text(st, 1));
		db_reset(st);
	} else if (rc == DB_DONE) {
		rc = MC_ENOTFOUND;
	}
	if (rc != 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- lists ---- */

int offering_list(struct db *db, const struct actor *actor, const struct offering_query *q,
                  json_t **out)
{
	char sql[1536];
	const char *scope;
	struct db_stmt *st;
	json_t *items = NULL, *res;
	int64_t total = 0;
	int rc;

	*out = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if (q->page < 1 || q->page > OFFERING_PAGE_MAX || q->procedure_id < 0 ||
	    q->desk_agency_id < 0)
		return MC_EINVAL;
	scope = scope_is_global(actor) ? SCOPE_GLOBAL_SQL : SCOPE_DESK_SQL;

	snprintf(sql, sizeof(sql),
	         "SELECT COUNT(*) FROM offerings o WHERE (? = 0 OR o.procedure_id = ?) "
	         "AND (? = 0 OR o.desk_agency_id = ?) AND %s", scope);
	rc = db_prepare(db, sql, &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, q->procedure_id);
	if (rc == 0)
		rc = db_bind_int64(st, 2, q->procedure_id);
	if (rc == 0)
		rc = db_bind_int64(st, 3, q->desk_agency_id);
	if (rc == 0)
		rc = db_bind_int64(st, 4, q->desk_agency_id);
	if (rc == 0)
		rc = db_bind_int64(st, 5, actor->agency_id);
	if (rc == 0)
		rc = db_step(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? MC_EDB : rc;
	total = db_col_int64(st, 0);
	db_reset(st);

	snprintf(sql, sizeof(sql),
	         "SELECT o.id, o.procedure_id, p.code, p.name, p.active, o.desk_agency_id, d.name, "
	         "c.name, dep.name, o.online, o.workflow, o.active "
	         "FROM offerings o JOIN procedures p ON p.id = o.procedure_id "
	         "JOIN agencies d ON d.id = o.desk_agency_id "
	         "JOIN agencies c ON c.id = o.competent_agency_id "
	         "LEFT JOIN departments dep ON dep.id = o.department_id "
	         "WHERE (? = 0 OR o.procedure_id = ?) AND (? = 0 OR o.desk_agency_id = ?) AND %s "
	         "ORDER BY p.code, d.name, c.name, o.id LIMIT ? OFFSET ?", scope);
	rc = db_prepare(db, sql, &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, q->procedure_id);
	if (rc == 0)
		rc = db_bind_int64(st, 2, q->procedure_id);
	if (rc == 0)
		rc = db_bind_int64(st, 3, q->desk_agency_id);
	if (rc == 0)
		rc = db_bind_int64(st, 4, q->desk_agency_id);
	if (rc == 0)
		rc = db_bind_int64(st, 5, actor->agency_id);
	if (rc == 0)
		rc = db_bind_int64(st, 6, OFFERING_PER_PAGE);
	if (rc == 0)
		rc = db_bind_int64(st, 7, (int64_t)(q->page - 1) * OFFERING_PER_PAGE);
	items = json_array();
	if (rc == 0 && items == NULL)
		rc = MC_ENOMEM;
	while (rc == 0 && (rc = db_step(st)) == DB_ROW) {
		const char *wf = db_col_text(st, 10, NULL), *label = offering_workflow_label(wf);
		json_t *it = json_object();

		rc = it == NULL ? MC_ENOMEM : 0;
		if (rc == 0)
			rc = rows_put(it, "id", json_integer(db_col_int64(st, 0)));
		if (rc == 0)
			rc = rows_put(it, "procedure_id", json_integer(db_col_int64(st, 1)));
		if (rc == 0)
			rc = rows_put(it, "procedure_code", rows_text(st, 2));
		if (rc == 0)
			rc = rows_put(it, "procedure_name", rows_text(st, 3));
		if (rc == 0)
			rc = rows_put(it, "procedure_active", json_boolean(db_col_int64(st, 4) != 0));
		if (rc == 0)
			rc = rows_put(it, "desk_agency_id", json_integer(db_col_int64(st, 5)));
		if (rc == 0)
			rc = rows_put(it, "desk_name", rows_text(st, 6));
		if (rc == 0)
			rc = rows_put(it, "competent_name", rows_text(st, 7));
		if (rc == 0)
			rc = rows_put(it, "department_name", rows_text(st, 8));
		if (rc == 0)
			rc = rows_put(it, "online", json_boolean(db_col_int64(st, 9) != 0));
		if (rc == 0)
			rc = rows_put(it, "workflow", rows_text(st, 10));
		if (rc == 0)
			rc = rows_put(it, "workflow_label", json_string(label != NULL ? label : ""));
		if (rc == 0)
			rc = rows_put(it, "active", json_boolean(db_col_int64(st, 11) != 0));
		if (it != NULL && json_array_append_new(items, it) != 0 && rc == 0)
			rc = MC_ENOMEM;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		json_decref(items);
		return rc;
	}
	res = json_pack("{s:o, s:I, s:i, s:I, s:i}", "items", items, "total", (json_int_t)total,
	                "page", q->page, "pages",
	                (json_int_t)((total + OFFERING_PER_PAGE - 1) / OFFERING_PER_PAGE), "per_page",
	                OFFERING_PER_PAGE);
	if (res == NULL)
		return MC_ENOMEM;
	*out = res;
	return 0;
}

/*
 * Rows of 'sql' (columns: id, name, then 'extra' text columns named by 'names') as a list of
 * objects.  'ids' binds, in order, the parameters of the query.
 */
static int list_of(struct db *db, const char *sql, const int64_t *ids, size_t nids,
                   const char *const *names, size_t extra, json_t **out)
{
	struct db_stmt *st;
	json_t *list = json_array();
	int rc;

	*out = NULL;
	if (list == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db, sql, &st);
	for (size_t i = 0; i < nids && rc == 0; i++)
		rc = db_bind_int64(st, (int)i + 1, ids[i]);
	while (rc == 0 && (rc = db_step(st)) == DB_ROW) {
		json_t *it = json_object();

		rc = it == NULL ? MC_ENOMEM : rows_put(it, "id", json_integer(db_col_int64(st, 0)));
		if (rc == 0)
			rc = rows_put(it, "name", rows_text(st, 1));
		for (size_t i = 0; i < extra && rc == 0; i++)
			rc = rows_put(it, names[i], rows_text(st, 2 + (int)i));
		if (it != NULL && json_array_append_new(list, it) != 0 && rc == 0)
			rc = MC_ENOMEM;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

int offering_filters(struct db *db, const struct actor *actor, json_t **out)
{
	static const char *const code[] = { "code" };
	json_t *procs = NULL, *desks = NULL;
	int64_t scope_id = actor != NULL ? actor->agency_id : 0;
	int global = scope_is_global(actor), rc;

	*out = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	rc = list_of(db,
	             global ? "SELECT p.id, p.name, p.code FROM procedures p WHERE ? IS NOT NULL "
	                      "AND EXISTS (SELECT 1 FROM offerings o WHERE o.procedure_id = p.id) "
	                      "ORDER BY p.code"
	                    : "SELECT p.id, p.name, p.code FROM procedures p WHERE EXISTS "
	                      "(SELECT 1 FROM offerings o WHERE o.procedure_id = p.id AND "
	                      SCOPE_DESK_SQL ") ORDER BY p.code",
	             &scope_id, 1, code, 1, &procs);
	if (rc == 0)
		rc = list_of(db,
		             global ? "SELECT id, name FROM agencies WHERE is_desk = 1 AND ? IS NOT NULL "
		                      "ORDER BY name"
		                    : "SELECT id, name FROM agencies WHERE is_desk = 1 AND id IN ("
		                      SCOPE_SUBTREE_SQL ") ORDER BY name",
		             &scope_id, 1, NULL, 0, &desks);
	if (rc == 0) {
		*out = json_pack("{s:o, s:o}", "procedures", procs, "desks", desks);
		procs = desks = NULL;
		if (*out == NULL)
			rc = MC_ENOMEM;
	}
	json_decref(procs);
	json_decref(desks);
	return rc;
}

/* Departments of active competent agencies grouped by agency, for <optgroup>s. */
static int department_groups(struct db *db, int64_t keep_department, json_t **out)
{
	struct db_stmt *st;
	json_t *groups = json_array(), *group = NULL;
	int64_t last_agency = 0;
	int rc;

	*out = NULL;
	if (groups == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db, "SELECT dep.id, dep.name, a.id, a.name FROM departments dep "
	                    "JOIN agencies a ON a.id = dep.agency_id "
	                    "WHERE (a.is_competent = 1 AND a.active = 1 AND dep.active = 1) "
	                    "OR dep.id = ? ORDER BY a.name, a.id, dep.name", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, keep_department);
	while (rc == 0 && (rc = db_step(st)) == DB_ROW) {
		json_t *dep;

		rc = 0;
		if (group == NULL || db_col_int64(st, 2) != last_agency) {
			last_agency = db_col_int64(st, 2);
			group = json_pack("{s:I, s:o, s:[]}", "agency_id", (json_int_t)last_agency,
			                  "agency_name", rows_text(st, 3), "departments");
			if (group == NULL || json_array_append_new(groups, group) != 0) {
				rc = MC_ENOMEM;
				break;
			}
		}
		dep = json_pack("{s:I, s:o}", "id", (json_int_t)db_col_int64(st, 0), "name",
		                rows_text(st, 1));
		if (dep == NULL || json_array_append_new(json_object_get(group, "departments"), dep) != 0)
			rc = MC_ENOMEM;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		json_decref(groups);
		return rc;
	}
	*out = groups;
	return 0;
}

int offering_choices(struct db *db, const struct actor *actor, int64_t offering_id,
                     json_t **out)
{
	static const char *const proc_extra[] = { "code", "service_mode" };
	struct offering_row o = { 0 };
	json_t *procs = NULL, *desks = NULL, *competents = NULL, *groups = NULL, *wf = NULL;
	int64_t ids[2];
	int rc = 0;

	*out = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if (offering_id > 0)
		rc = load_visible(db, actor, offering_id, &o);
	if (rc != 0)
		return rc;
	ids[0] = o.procedure_id;
	rc = list_of(db, "SELECT id, name, code, service_mode FROM procedures "
	                 "WHERE active = 1 OR id = ? ORDER BY code", ids, 1, proc_extra, 2, &procs);
	for (size_t i = 0; rc == 0 && i < json_array_size(procs); i++) {
		json_t *p = json_array_get(procs, i);
		rc = rows_put(p, "online_allowed", json_boolean(mode_allows_online(
		                                  json_string_value(json_object_get(p, "service_mode")))));
	}
	ids[0] = o.desk_id;
	ids[1] = actor->agency_id;
	if (rc == 0)
		rc = list_of(db,
		             scope_is_global(actor)
		                 ? "SELECT id, name FROM agencies WHERE is_desk = 1 AND "
		                   "(active = 1 OR id = ?) AND ? IS NOT NULL ORDER BY name"
		                 : "SELECT id, name FROM agencies WHERE is_desk = 1 AND "
		                   "(active = 1 OR id = ?) AND id IN (" SCOPE_SUBTREE_SQL ") ORDER BY name",
		             ids, 2, NULL, 0, &desks);
	ids[0] = o.competent_id;
	if (rc == 0)
		rc = list_of(db, "SELECT id, name FROM agencies WHERE is_competent = 1 AND "
		                 "(active = 1 OR id = ?) ORDER BY name", ids, 1, NULL, 0, &competents);
	if (rc == 0)
		rc = department_groups(db, o.department_id, &groups);
	wf = json_array();
	for (size_t i = 0; rc == 0 && i < COUNT(workflows); i++)
		if (wf == NULL || json_array_append_new(wf, json_pack("{s:s, s:s}", "value",
		                                                      workflows[i].value, "label",
		                                                      workflows[i].label)) != 0)
			rc = MC_ENOMEM;
	if (rc == 0) {
		*out = json_pack("{s:o, s:o, s:o, s:o, s:o}", "procedures", procs, "desks", desks,
		                 "competents", competents, "department_groups", groups, "workflows", wf);
		procs = desks = competents = groups = wf = NULL;
		if (*out == NULL)
			rc = MC_ENOMEM;
	}
	json_decref(procs);
	json_decref(desks);
	json_decref(competents);
	json_decref(groups);
	json_decref(wf);
	return rc;
}

/* ---- checking a form ---- */

/* An agency's name and flags.  MC_ENOTFOUND. */
struct agency_facts {
	char name[NAME_SIZE];
	int is_desk, is_competent, active;
};

static int agency_facts(struct db *db, int64_t id, struct agency_facts *a)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT name, is_desk, is_competent, active FROM agencies "
	                        "WHERE id = ?", &st);

	if (rc == 0)
		rc = db_bind_int64(st, 1, id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	if (rc != DB_ROW)
		return rc;
	db_col_copy(st, 0, a->name, sizeof(a->name));
	a->is_desk = (int)db_col_int64(st, 1);
	a->is_competent = (int)db_col_int64(st, 2);
	a->active = (int)db_col_int64(st, 3);
	db_reset(st);
	return 0;
}

/*
 * Check the form 'in' for the offering 'current' (NULL: a new one) into 'o'.  Problems go
 * into errs.  0 (errs may be filled); MC_ENOTFOUND: the desk is outside the actor's scope;
 * MC_EDB.  Runs inside the caller's transaction, so what it checks still holds when stored.
 */
static int check_input(struct db *db, const struct actor *actor, const struct offering_input *in,
                       const struct offering_row *current, struct offering_row *o,
                       struct field_errors *errs)
{
	struct db_stmt *st;
	struct agency_facts competent;
	char mode[16] = "", code[32] = "";
	int rc, competent_ok = 0, procedure_ok = 0;

	memset(o, 0, sizeof(*o));
	memset(&competent, 0, sizeof(competent));
	if (current != NULL)
		*o = *current;

	/* The procedure. */
	o->procedure_id = fields_id(in->procedure_id);
	if (o->procedure_id == 0) {
		field_errors_add(errs, "procedure_id", "Thủ tục: hãy chọn một thủ tục");
	} else {
		int active = 0;

		rc = DB_DONE; /* a malformed id names no procedure */
		if (o->procedure_id > 0) {
			rc = db_prepare(db, "SELECT code, active, service_mode FROM procedures "
			                    "WHERE id = ?", &st);
			if (rc == 0)
				rc = db_bind_int64(st, 1, o->procedure_id);
			if (rc == 0)
				rc = db_step(st);
		}
		if (rc == DB_ROW) {
			db_col_copy(st, 0, code, sizeof(code));
			active = (int)db_col_int64(st, 1);
			db_col_copy(st, 2, mode, sizeof(mode));
			db_reset(st);
			procedure_ok = 1;
			if (!active && (current == NULL || current->procedure_id != o->procedure_id)) {
				field_errors_addf(errs, "procedure_id", "Thủ tục: thủ tục %s đang ngừng áp dụng",
				                  code);
				procedure_ok = 0;
			}
		} else if (rc == DB_DONE) {
			field_errors_add(errs, "procedure_id", "Thủ tục: không tìm thấy thủ tục đã chọn");
		} else {
			return rc;
		}
	}

	/* The desk: first the scope (outside it nothing is said), then what it is. */
	o->desk_id = fields_id(in->desk_agency_id);
	if (o->desk_id == 0) {
		field_errors_add(errs, "desk_agency_id", "Bộ phận một cửa: hãy chọn nơi tiếp nhận hồ sơ");
	} else if (o->desk_id < 0) {
		return MC_ENOTFOUND;
	} else {
		struct agency_facts desk;

		rc = scope_check_agency(db, actor, o->desk_id);
		if (rc == 0)
			rc = agency_facts(db, o->desk_id, &desk);
		if (rc != 0)
			return rc;
		if (!desk.is_desk)
			field_errors_addf(errs, "desk_agency_id", "Bộ phận một cửa: %s không tiếp nhận hồ "
			                                          "sơ (không phải bộ phận một cửa)",
			                  desk.name);
		else if (!desk.active && (current == NULL || current->desk_id != o->desk_id))
			field_errors_addf(errs, "desk_agency_id", "Bộ phận một cửa: %s đang ngừng hoạt "
			                                          "động", desk.name);
	}

	/* The competent agency: any in the province, but it must decide on dossiers. */
	o->competent_id = fields_id(in->competent_agency_id);
	if (o->competent_id == 0) {
		field_errors_add(errs, "competent_agency_id",
		                 "Cơ quan có thẩm quyền: hãy chọn cơ quan giải quyết");
	} else {
		rc = o->competent_id < 0 ? MC_ENOTFOUND : agency_facts(db, o->competent_id, &competent);
		if (rc == MC_ENOTFOUND)
			field_errors_add(errs, "competent_agency_id",
			                 "Cơ quan có thẩm quyền: không tìm thấy cơ quan đã chọn");
		else if (rc != 0)
			return rc;
		else if (!competent.is_competent)
			field_errors_addf(errs, "competent_agency_id", "Cơ quan có thẩm quyền: %s không có "
			                                               "thẩm quyền giải quyết hồ sơ",
			                  competent.name);
		else if (!competent.active &&
		         (current == NULL || current->competent_id != o->competent_id))
			field_errors_addf(errs, "competent_agency_id", "Cơ quan có thẩm quyền: %s đang "
			                                               "ngừng hoạt động", competent.name);
		else
			competent_ok = 1;
	}

	/* The department, optional, inside the competent agency. */
	o->department_id = fields_id(in->department_id);
	if (o->department_id < 0) {
		field_errors_add(errs, "department_id", "Phòng chuyên môn: không tìm thấy phòng đã chọn");
	} else if (o->department_id > 0) {
		char name[NAME_SIZE];
		int64_t agency;
		int active;

		rc = db_prepare(db, "SELECT name, agency_id, active FROM departments WHERE id = ?", &st);
		if (rc == 0)
			rc = db_bind_int64(st, 1, o->department_id);
		if (rc == 0)
			rc = db_step(st);
		if (rc == DB_DONE) {
			field_errors_add(errs, "department_id",
			                 "Phòng chuyên môn: không tìm thấy phòng đã chọn");
		} else if (rc != DB_ROW) {
			return rc;
		} else {
			db_col_copy(st, 0, name, sizeof(name));
			agency = db_col_int64(st, 1);
			active = (int)db_col_int64(st, 2);
			db_reset(st);
			if (competent_ok && agency != o->competent_id)
				field_errors_addf(errs, "department_id", "Phòng chuyên môn: %s không thuộc %s",
				                  name, competent.name);
			else if (!active && (current == NULL || current->department_id != o->department_id))
				field_errors_addf(errs, "department_id", "Phòng chuyên môn: %s đang ngừng hoạt "
				                                         "động", name);
		}
	}

	/* Online reception exists only for the online service modes. */
	o->online = in->online != NULL && strcmp(in->online, "1") == 0;
	if (o->online && procedure_ok && !mode_allows_online(mode))
		field_errors_addf(errs, "online", "Nhận hồ sơ trực tuyến: thủ tục %s không cung cấp dịch "
		                                  "vụ công trực tuyến một phần hoặc toàn trình, nên "
		                                  "không thể mở nhận hồ sơ trực tuyến", code);

	if (offering_workflow_label(in->workflow) == NULL)
		field_errors_add(errs, "workflow", "Quy trình xử lý: hãy chọn một quy trình");
	else
		snprintf(o->workflow, sizeof(o->workflow), "%s", in->workflow);

	/* One offering per procedure, desk and competent agency. */
	if (errs->count == 0) {
		rc = db_prepare(db, "SELECT id FROM offerings WHERE procedure_id = ? AND "
		                    "desk_agency_id = ? AND competent_agency_id = ? AND id <> ?", &st);
		if (rc == 0)
			rc = db_bind_int64(st, 1, o->procedure_id);
		if (rc == 0)
			rc = db_bind_int64(st, 2, o->desk_id);
		if (rc == 0)
			rc = db_bind_int64(st, 3, o->competent_id);
		if (rc == 0)
			rc = db_bind_int64(st, 4, current != NULL ? current->id : 0);
		if (rc == 0)
			rc = db_step(st);
		if (rc == DB_ROW) {
			db_reset(st);
			field_errors_addf(errs, "competent_agency_id",
			                  "Cơ quan có thẩm quyền: bộ phận một cửa này đã nhận thủ tục %s cho "
			                  "%s rồi (mỗi thủ tục, nơi tiếp nhận và cơ quan giải quyết chỉ có "
			                  "một mục)", code, competent.name);
		} else if (rc != DB_DONE) {
			return rc;
		}
	}
	return 0;
}

/* Bind the columns of 'o' shared by INSERT and UPDATE from index 1: 6 values. */
static int bind_row(struct db_stmt *st, const struct offering_row *o)
{
	int rc = db_bind_int64(st, 1, o->procedure_id);

	if (rc == 0)
		rc = db_bind_int64(st, 2, o->desk_id);
	if (rc == 0)
		rc = db_bind_int64(st, 3, o->competent_id);
	if (rc == 0)
		rc = o->department_id > 0 ? db_bind_int64(st, 4, o->department_id) : db_bind_null(st, 4);
	if (rc == 0)
		rc = db_bind_int64(st, 5, o->online);
	if (rc == 0)
		rc = db_bind_cstr(st, 6, o->workflow);
	return rc;
}

/* The summary line of the audit log for offering 'd' (described). */
static void summary_of(const char *verb, const json_t *d, char *out, size_t cap)
{
	fields_printf(out, cap, "%s thủ tục %s tại %s (cơ quan giải quyết: %s)", verb,
	            json_string_value(json_object_get(d, "procedure_code")),
	            json_string_value(json_object_get(d, "desk_name")),
	            json_string_value(json_object_get(d, "competent_name")));
}

int offering_create(struct db *db, const struct actor *actor, int64_t now_ms,
                    const struct offering_input *in, struct field_errors *errs, int64_t *id)
{
	struct offering_row o;
	struct db_stmt *st;
	char now[32], summary[SUMMARY_SIZE];
	json_t *after = NULL;
	int rc;

	field_errors_init(errs);
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	rc = db_begin(db);
	if (rc != 0)
		return rc;
	rc = check_input(db, actor, in, NULL, &o, errs);
	if (rc == 0 && errs->count > 0)
		rc = MC_EINVAL;
	if (rc != 0)
		goto out;
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db, "INSERT INTO offerings (procedure_id, desk_agency_id, "
	                    "competent_agency_id, department_id, online, workflow, active, "
	                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)", &st);
	if (rc == 0)
		rc = bind_row(st, &o);
	if (rc == 0)
		rc = db_bind_cstr(st, 7, now);
	if (rc == 0)
		rc = db_bind_cstr(st, 8, now);
	if (rc == 0)
		rc = db_step_done(st);
	if (rc != 0)
		goto out;
	o.id = db_last_id(db);
	o.active = 1;
	rc = describe(db, &o, &after);
	if (rc == 0) {
		summary_of("Mở tiếp nhận", after, summary, sizeof(summary));
		rc = audit_record(db, actor, now_ms, "create", "offering", o.id, o.desk_id, summary,
		                  NULL, after);
	}
	if (rc == 0)
		rc = db_commit(db);
	if (rc == 0 && id != NULL)
		*id = o.id;
out:
	if (rc != 0)
		db_rollback(db);
	json_decref(after);
	return rc;
}

int offering_update(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                    const struct offering_input *in, struct field_errors *errs)
{
	struct offering_row current, o;
	struct db_stmt *st;
	char now[32], summary[SUMMARY_SIZE];
	json_t *before = NULL, *after = NULL;
	int rc;

	field_errors_init(errs);
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	rc = db_begin(db);
	if (rc != 0)
		return rc;
	rc = load_visible(db, actor, id, &current);
	if (rc == 0)
		rc = describe(db, &current, &before);
	if (rc == 0)
		rc = check_input(db, actor, in, &current, &o, errs);
	if (rc == 0 && errs->count > 0)
		rc = MC_EINVAL;
	if (rc != 0)
		goto out;
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db, "UPDATE offerings SET procedure_id = ?, desk_agency_id = ?, "
	                    "competent_agency_id = ?, department_id = ?, online = ?, workflow = ?, "
	                    "updated_at = ? WHERE id = ?", &st);
	if (rc == 0)
		rc = bind_row(st, &o);
	if (rc == 0)
		rc = db_bind_cstr(st, 7, now);
	if (rc == 0)
		rc = db_bind_int64(st, 8, id);
	if (rc == 0)
		rc = db_step_done(st);
	if (rc == 0)
		rc = describe(db, &o, &after);
	if (rc == 0) {
		summary_of("Sửa mục tiếp nhận", after, summary, sizeof(summary));
		/* The desk may have changed: the record belongs to the new one, where it now is. */
		rc = audit_record(db, actor, now_ms, "update", "offering", id, o.desk_id, summary,
		                  before, after);
	}
	if (rc == 0)
		rc = db_commit(db);
out:
	if (rc != 0)
		db_rollback(db);
	json_decref(before);
	json_decref(after);
	return rc;
}

int offering_set_active(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                        int active)
{
	struct offering_row o;
	struct db_stmt *st;
	char now[32], summary[SUMMARY_SIZE];
	json_t *before = NULL, *after = NULL;
	int rc;

	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	active = active ? 1 : 0;
	rc = db_begin(db);
	if (rc != 0)
		return rc;
	rc = load_visible(db, actor, id, &o);
	if (rc != 0 || o.active == active)
		goto out; /* nothing to change */
	rc = describe(db, &o, &before);
	if (rc != 0)
		goto out;
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db, "UPDATE offerings SET active = ?, updated_at = ? WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, active);
	if (rc == 0)
		rc = db_bind_cstr(st, 2, now);
	if (rc == 0)
		rc = db_bind_int64(st, 3, id);
	if (rc == 0)
		rc = db_step_done(st);
	o.active = active;
	if (rc == 0)
		rc = describe(db, &o, &after);
	if (rc == 0) {
		summary_of(active ? "Mở lại tiếp nhận" : "Ngừng tiếp nhận", after, summary,
		           sizeof(summary));
		rc = audit_record(db, actor, now_ms, active ? "activate" : "deactivate", "offering", id,
		                  o.desk_id, summary, before, after);
	}
out:
	if (rc == 0)
		rc = db_commit(db);
	if (rc != 0)
		db_rollback(db);
	json_decref(before);
	json_decref(after);
	return rc;
}
