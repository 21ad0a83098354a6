/* pages_admin.c: the administration at /admin: agencies and departments, staff accounts, public
 * holidays, the audit log and failed e-mails.  Handlers parse, call the domain, render; every
 * rule and every scope check lives in domain/agency.c, staff.c, holiday.c and audit.c. */
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/agency.h"
#include "domain/audit.h"
#include "domain/holiday.h"
#include "domain/mailadmin.h"
#include "domain/scope.h"
#include "domain/staff.h"
#include "http/req.h"
#include "http/server.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "mail/outbox.h"
#include "web/view.h"

#define AUDIT_PER_PAGE 50
#define AUDIT_PAGE_MAX 100000
#define FAILED_MAIL_SHOWN 200   /* failed messages listed on /admin/mail */
#define FAILED_MAIL_COUNTED 1000 /* counted on /admin before showing "1000+" */

/* ---- shared pieces ---- */

static int64_t now_ms(struct req *r)
{
	return clock_now_ms(&r->app->clock);
}

static int query_is(struct req *r, const char *name)
{
	return strcmp(view_query(r, name), "1") == 0;
}

/*
 * Add what every administration page shows to 'data' (which is returned): the navigation
 * ("admin.system": the actor is a system administrator; "admin.section.<name>": the current
 * section, for aria-current) and the flash messages asked for by the query string after a
 * redirect (?saved=1, ?created=1, ?link_sent=1, ?deleted=1).
 */
static json_t *admin_data(struct req *r, const char *section, json_t *data)
{
	if (data == NULL)
		data = json_object();
	json_object_set_new(data, "admin",
	                    json_pack("{s:b, s:{s:b}}", "system", scope_is_global(&r->actor),
	                              "section", section, 1));
	json_object_set_new(data, "saved", json_boolean(query_is(r, "saved")));
	json_object_set_new(data, "created", json_boolean(query_is(r, "created")));
	json_object_set_new(data, "link_sent", json_boolean(query_is(r, "link_sent")));
	json_object_set_new(data, "deleted", json_boolean(query_is(r, "deleted")));
	return data;
}

/* Set "selected" on the option of 'options' whose member 'key' (an integer or a string) reads
 * as 'value'. */
static void mark_selected(json_t *options, const char *key, const char *value)
{
	size_t i;
	json_t *opt;

	json_array_foreach(options, i, opt) {
		const json_t *k = json_object_get(opt, key);
		char text[32];
		const char *s = json_string_value(k);
		if (json_is_integer(k)) {
			snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(k));
			s = text;
		}
		json_object_set_new(opt, "selected", json_boolean(s != NULL && strcmp(s, value) == 0));
	}
}

/* values["<key>_is"] = { <value>: true }, so a template can mark a fixed option selected. */
static void flag_value(json_t *values, const char *key)
{
	char name[64];
	const char *v = view_member(values, key);

	snprintf(name, sizeof(name), "%s_is", key);
	json_object_set_new(values, name, v[0] != '\0' ? json_pack("{s:b}", v, 1) : json_object());
}

/* Append 's' percent-encoded for a query string (everything but unreserved characters). */
static void url_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_putc(b, (char)*p);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 15]);
		}
	}
}

/* "<path>?k1=v1&k2=v2&page=N" with the non-empty values of 'keys' from the query string. */
static json_t *page_link(struct req *r, const char *path, const char *const *keys, size_t n,
                         int page)
{
	struct buf b;
	char sep = '?';

	buf_init(&b, r->pool);
	buf_puts(&b, path);
	for (size_t i = 0; i < n; i++) {
		const char *v = view_query(r, keys[i]);
		if (v[0] == '\0')
			continue;
		buf_printf(&b, "%c%s=", sep, keys[i]);
		url_encode(&b, v);
		sep = '&';
	}
	buf_printf(&b, "%cpage=%d", sep, page);
	return json_string(b.data);
}

/* "prev"/"next" links and "page"/"pages" from a listing that has them. */
static void add_paging(struct req *r, json_t *data, const char *path, const char *const *keys,
                       size_t n)
{
	int page = (int)json_integer_value(json_object_get(data, "page"));
	int pages = (int)json_integer_value(json_object_get(data, "pages"));

	if (page > 1)
		json_object_set_new(data, "prev_url", page_link(r, path, keys, n, page - 1));
	if (page < pages)
		json_object_set_new(data, "next_url", page_link(r, path, keys, n, page + 1));
	json_object_set_new(data, "paged", json_boolean(pages > 1));
}

/* Redirect to "<base>/<id><suffix>", e.g. "/admin/agencies/7?saved=1". */
static void redirect_to(struct req *r, const char *base, long long id, const char *suffix)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%lld%s", base, id, suffix);
	respond_redirect(r, 303, path);
}

static int this_year(struct req *r)
{
	char day[16];

	clock_local_date(now_ms(r), day, sizeof(day));
	return atoi(day);
}

/* ---- /admin ---- */

static int count_failed(void *arg, const struct outbox_failed *row)
{
	(void)row;
	++*(int64_t *)arg;
	return 0;
}

int page_admin_home(struct req *r)
{
	json_t *data = json_object(), *audit = NULL;
	struct audit_query aq = { NULL, 0, 1, 1 };
	int64_t total, active;
	int rc;

	if ((rc = agency_count(r->db, &r->actor, &total, &active)) != 0)
		goto out;
	json_object_set_new(data, "agencies", json_pack("{s:I, s:I}", "total", (json_int_t)total,
	                                                "active", (json_int_t)active));
	if ((rc = staff_count(r->db, &r->actor, &total, &active)) != 0)
		goto out;
	json_object_set_new(data, "staff", json_pack("{s:I, s:I}", "total", (json_int_t)total,
	                                             "active", (json_int_t)active));
	if ((rc = audit_list(r->db, &r->actor, &aq, &audit)) != 0)
		goto out;
	json_object_set(data, "audit_total", json_object_get(audit, "total"));
	if (scope_is_global(&r->actor)) {
		int year = this_year(r);
		int64_t failed = 0;
		if ((rc = holiday_count(r->db, &r->actor, year, &total)) != 0)
			goto out;
		json_object_set_new(data, "holidays", json_pack("{s:i, s:I}", "year", year, "total",
		                                                (json_int_t)total));
		if ((rc = mailadmin_list_failed(r->db, &r->actor, FAILED_MAIL_COUNTED, count_failed,
		                                &failed)) != 0)
			goto out;
		json_object_set_new(data, "failed_mail",
		                    json_pack("{s:I, s:b}", "total", (json_int_t)failed, "more",
		                              failed >= FAILED_MAIL_COUNTED));
	}
	json_object_set_new(data, "role_label", json_string(staff_role_label(r->actor.staff_role)));
	respond_page(r, 200, "admin/home", admin_data(r, "home", data));
	data = NULL;
out:
	json_decref(data);
	json_decref(audit);
	return rc;
}

/* ---- agencies ---- */

int page_admin_agencies(struct req *r)
{
	json_t *tree;
	int rc = agency_tree(r->db, &r->actor, view_query(r, "q"), &tree);

	if (rc != 0)
		return rc;
	json_object_set_new(tree, "can_root", json_boolean(scope_is_global(&r->actor)));
	respond_page(r, 200, "admin/agencies", admin_data(r, "agencies", tree));
	return 0;
}

/* The posted value of 'name', or NULL when the form did not send it at all. */
static const char *posted_or_null(struct req *r, const char *name)
{
	const struct form *form;

	return req_form(r, &form) == 0 ? form_get(form, name) : NULL;
}

static void agency_form_of(struct req *r, struct agency_form *f)
{
	static const char *const hours[AGENCY_WEEKDAYS] = {
		"hours_0", "hours_1", "hours_2", "hours_3", "hours_4", "hours_5", "hours_6",
	};

	f->code = view_field(r, "code");
	f->name = view_field(r, "name");
	f->level = view_field(r, "level");
	f->parent_id = view_field(r, "parent_id");
	f->address = view_field(r, "address");
	f->phone = view_field(r, "phone");
	f->email = view_field(r, "email");
	for (int i = 0; i < AGENCY_WEEKDAYS; i++)
		f->hours[i] = view_field(r, hours[i]);
	f->is_desk = view_field(r, "is_desk");
	f->is_competent = view_field(r, "is_competent");
	/* Not sent (a page from before these fields): the domain keeps or defaults them. */
	f->receipt_pattern = posted_or_null(r, "receipt_pattern");
	f->receipt_start = posted_or_null(r, "receipt_start");
}

/* The receipt fields a post did not send, shown as the domain took them: from 'stored' (the
 * edit form's values of the stored agency), or the defaults for a new agency ('stored' NULL). */
static void receipt_values_default(json_t *values, const json_t *stored)
{
	static const char *const keys[] = { "receipt_pattern", "receipt_start" };
	static const char *const defaults[] = { AGENCY_RECEIPT_PATTERN_DEFAULT,
		                                AGENCY_RECEIPT_START_DEFAULT };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(values, keys[i]) == NULL)
			json_object_set_new(values, keys[i],
			                    json_string(stored != NULL ? view_member(stored, keys[i])
			                                               : defaults[i]));
}

/* The weekday rows of the form: [ { field, day, value, error } ]. */
static json_t *hours_rows(const json_t *values, const struct field_errors *errs)
{
	json_t *rows = json_array();

	for (int i = 0; i < AGENCY_WEEKDAYS; i++) {
		char field[16];
		const char *msg;
		snprintf(field, sizeof(field), "hours_%d", i);
		msg = errs != NULL ? field_errors_get(errs, field) : NULL;
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s?}", "field", field, "day",
		                                      agency_weekday_label(i), "value",
		                                      view_member(values, field), "error", msg));
	}
	return rows;
}

/* Fill the choices of the agency form ('data') for 'values': parents (without agency
 * 'editing' and what lies below it), the level flags, the weekday rows, and the receipt number
 * the pattern shown makes today ("receipt_example", left out while the pattern is wrong). */
static int agency_form_data(struct req *r, json_t *data, json_t *values, int64_t editing,
                            const struct field_errors *errs)
{
	json_t *parents;
	char example[AGENCY_RECEIPT_MAX + 1];
	int rc = agency_options(r->db, &r->actor, editing, &parents);

	if (rc != 0)
		return rc;
	mark_selected(parents, "id", view_member(values, "parent_id"));
	json_object_set_new(data, "parents", parents);
	json_object_set_new(data, "can_root", json_boolean(scope_is_global(&r->actor)));
	flag_value(values, "level");
	json_object_set_new(data, "hours_rows", hours_rows(values, errs));
	if (agency_receipt_example(view_member(values, "receipt_pattern"),
	                           view_member(values, "code"), view_member(values, "receipt_start"),
	                           now_ms(r), example) == 0)
		json_object_set_new(data, "receipt_example", json_string(example));
	return 0;
}

int page_admin_agency_new_form(struct req *r)
{
	json_t *values = json_object(), *data = json_object();
	const char *parent = view_query(r, "parent");
	char own[24];
	int rc;

	snprintf(own, sizeof(own), "%lld", (long long)r->actor.agency_id);
	json_object_set_new(values, "parent_id",
	                    json_string(parent[0] != '\0'          ? parent
	                                : scope_is_global(&r->actor) ? ""
	                                                             : own));
	/* Monday to Friday at the usual hours of a one-stop desk; the weekend closed. */
	for (int i = 0; i < 5; i++) {
		char field[16];
		snprintf(field, sizeof(field), "hours_%d", i);
		json_object_set_new(values, field, json_string("07:30-11:30, 13:00-17:00"));
	}
	receipt_values_default(values, NULL);
	if ((rc = agency_form_data(r, data, values, 0, NULL)) != 0) {
		json_decref(values);
		json_decref(data);
		return rc;
	}
	view_form_page(r, 200, "admin/agency_new", values, NULL, admin_data(r, "agencies", data));
	return 0;
}

int page_admin_agency_create(struct req *r)
{
	struct agency_form f;
	struct field_errors errs;
	int64_t id;
	int rc;

	field_errors_init(&errs);
	agency_form_of(r, &f);
	rc = agency_create(r->db, &r->actor, now_ms(r), &f, &id, &errs);
	if (rc == MC_EINVAL && errs.count > 0) {
		json_t *values = view_kept_values(r, agency_form_fields, agency_form_field_count);
		json_t *data = json_object();
		receipt_values_default(values, NULL);
		if ((rc = agency_form_data(r, data, values, 0, &errs)) != 0) {
			json_decref(values);
			json_decref(data);
			return rc;
		}
		view_form_page(r, 422, "admin/agency_new", values, &errs,
		               admin_data(r, "agencies", data));
		return 0;
	}
	if (rc != 0)
		return rc;
	redirect_to(r, "/admin/agencies", (long long)id, "?saved=1");
	return 0;
}

/* A department that could not be renamed: shown again with what was typed and why. */
struct dept_problem {
	int64_t id;
	const char *typed;
	const char *message;
};

/*
 * Show agency 'id' with its edit form and departments.  'values' (taken; NULL: the stored agency)
 * and 'errs' for the edit or department forms; 'dept' for a failed rename; 'refusal' for a
 * refused (de)activation.
 */
static int agency_page(struct req *r, int status, int64_t id, json_t *values,
                       const struct field_errors *errs, const struct dept_problem *dept,
                       const char *refusal)
{
	json_t *a, *stored, *deps, *dep;
	size_t i;
	int rc = agency_get(r->db, &r->actor, id, &a);

	if (rc != 0) {
		json_decref(values);
		return rc;
	}
	stored = json_object_get(a, "values");
	if (values == NULL)
		values = json_incref(stored);
	else
		receipt_values_default(values, stored);
	json_object_del(a, "values");
	deps = json_object_get(a, "departments");
	json_array_foreach(deps, i, dep) {
		int64_t did = (int64_t)json_integer_value(json_object_get(dep, "id"));
		int mine = dept != NULL && dept->id == did;
		json_object_set_new(dep, "value",
		                    json_string(mine ? dept->typed : view_member(dep, "name")));
		if (mine)
			json_object_set_new(dep, "error", json_string(dept->message));
	}
	if (refusal != NULL)
		json_object_set_new(a, "refusal", json_string(refusal));
	if ((rc = agency_form_data(r, a, values, id, errs)) != 0) {
		json_decref(a);
		json_decref(values);
		return rc;
	}
	view_form_page(r, status, "admin/agency", values, errs, admin_data(r, "agencies", a));
	return 0;
}

int page_admin_agency(struct req *r)
{
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	return agency_page(r, 200, id, NULL, NULL, NULL, NULL);
}

int page_admin_agency_update(struct req *r)
{
	struct agency_form f;
	struct field_errors errs;
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	field_errors_init(&errs);
	agency_form_of(r, &f);
	rc = agency_update(r->db, &r->actor, now_ms(r), id, &f, &errs);
	if (rc == MC_EINVAL && errs.count > 0)
		return agency_page(r, 422, id,
		                   view_kept_values(r, agency_form_fields, agency_form_field_count), &errs,
		                   NULL, NULL);
	if (rc != 0)
		return rc;
	redirect_to(r, "/admin/agencies", (long long)id, "?saved=1");
	return 0;
}

static int agency_switch(struct req *r, int active)
{
	const char *refusal;
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	rc = agency_set_active(r->db, &r->actor, now_ms(r), id, active, &refusal);
	if (rc == MC_ECONFLICT && refusal != NULL)
		return agency_page(r, 409, id, NULL, NULL, NULL, refusal);
	if (rc != 0)
		return rc;
	redirect_to(r, "/admin/agencies", (long long)id, "?saved=1");
	return 0;
}

int page_admin_agency_deactivate(struct req *r)
{
	return agency_switch(r, 0);
}

int page_admin_agency_activate(struct req *r)
{
	return agency_switch(r, 1);
}

/* ---- departments ---- */

int page_admin_department_create(struct req *r)
{
	struct field_errors errs, shown;
	int64_t agency_id, id;
	int rc = view_id_param(r, "id", &agency_id);

	if (rc != 0)
		return rc;
	field_errors_init(&errs);
	rc = agency_department_create(r->db, &r->actor, now_ms(r), agency_id, view_field(r, "name"),
	                              &id, &errs);
	if (rc == MC_EINVAL && errs.count > 0) {
		/* The page holds two forms with a "name": the department one is department_name, and
		 * the agency form above it shows the stored agency. */
		json_t *agency = NULL, *values;
		field_errors_init(&shown);
		field_errors_add(&shown, "department_name", field_errors_get(&errs, "name"));
		if ((rc = agency_get(r->db, &r->actor, agency_id, &agency)) != 0)
			return rc;
		values = json_incref(json_object_get(agency, "values"));
		json_decref(agency);
		json_object_set_new(values, "department_name", json_string(view_field(r, "name")));
		return agency_page(r, 422, agency_id, values, &shown, NULL, NULL);
	}
	if (rc != 0)
		return rc;
	redirect_to(r, "/admin/agencies", (long long)agency_id, "?saved=1");
	return 0;
}

int page_admin_department_rename(struct req *r)
{
	struct field_errors errs, shown;
	int64_t id, agency_id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	field_errors_init(&errs);
	rc = agency_department_rename(r->db, &r->actor, now_ms(r), id, view_field(r, "name"),
	                              &agency_id, &errs);
	if (rc == MC_EINVAL && errs.count > 0) {
		/* The field's id on the page is department_<id>; the name must outlive 'shown'. */
		char *field = h2o_mem_alloc_pool(r->pool, 32);
		struct dept_problem p = { id, view_field(r, "name"), NULL };
		snprintf(field, 32, "department_%lld", (long long)id);
		p.message = field_errors_get(&errs, "name");
		field_errors_init(&shown);
		field_errors_add(&shown, field, p.message);
		return agency_page(r, 422, agency_id, NULL, &shown, &p, NULL);
	}
	if (rc != 0)
		return rc;
	redirect_to(r, "/admin/agencies", (long long)agency_id, "?saved=1");
	return 0;
}

static int department_switch(struct req *r, int active)
{
	const char *refusal;
	int64_t id, agency_id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	rc = agency_department_set_active(r->db, &r->actor, now_ms(r), id, active, &agency_id,
	                                  &refusal);
	if (rc == MC_ECONFLICT && refusal != NULL)
		return agency_page(r, 409, agency_id, NULL, NULL, NULL, refusal);
	if (rc != 0)
		return rc;
	redirect_to(r, "/admin/agencies", (long long)agency_id, "?saved=1");
	return 0;
}

int page_admin_department_deactivate(struct req *r)
{
	return department_switch(r, 0);
}

int page_admin_department_activate(struct req *r)
{
	return department_switch(r, 1);
}

/* ---- staff ---- */

static const char *const staff_list_keys[] = { "q", "agency", "role", "status" };

/* A query id: 0 when absent, -1 when malformed. */
static int64_t query_id(struct req *r, const char *name)
{
	const char *s = view_query(r, name);
	char *end;
	long long v;

	if (s[0] == '\0')
		return 0;
	if (s[0] < '1' || s[0] > '9' || strlen(s) > 18)
		return -1;
	v = strtoll(s, &end, 10);
	return *end == '\0' ? (int64_t)v : -1;
}

static json_t *role_filter_options(const char *selected)
{
	static const enum staff_role roles[] = { STAFF_INTAKE, STAFF_SPECIALIST, STAFF_LEADER,
		                                       STAFF_AGENCY_ADMIN, STAFF_SYSTEM_ADMIN };
	json_t *list = json_array();

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "name",
		                                      staff_role_name(roles[i]), "label",
		                                      staff_role_label(roles[i]), "selected",
		                                      strcmp(staff_role_name(roles[i]), selected) == 0));
	return list;
}

int page_admin_staff(struct req *r)
{
	struct staff_query q = { 0 };
	json_t *list = NULL, *agencies = NULL;
	int rc;

	q.agency_id = query_id(r, "agency");
	q.role = view_query(r, "role");
	q.status = view_query(r, "status");
	q.text = view_query(r, "q");
	if (q.agency_id < 0 || view_page_param(r, "page", STAFF_PAGE_MAX, &q.page) != 0)
		return MC_EINVAL;
	if ((rc = staff_list(r->db, &r->actor, &q, &list)) != 0)
		return rc;
	if ((rc = agency_options(r->db, &r->actor, 0, &agencies)) != 0) {
		json_decref(list);
		return rc;
	}
	mark_selected(agencies, "id", view_query(r, "agency"));
	json_object_set_new(list, "agencies", agencies);
	json_object_set_new(list, "roles", role_filter_options(q.role));
	json_object_set_new(list, "q", json_string(q.text));
	json_object_set_new(list, "status_is",
	                    q.status[0] != '\0' ? json_pack("{s:b}", q.status, 1) : json_object());
	add_paging(r, list, "/admin/staff", staff_list_keys,
	           sizeof(staff_list_keys) / sizeof(staff_list_keys[0]));
	respond_page(r, 200, "admin/staff_list", admin_data(r, "staff", list));
	return 0;
}

static void staff_form_of(struct req *r, struct staff_form *f)
{
	f->full_name = view_field(r, "full_name");
	f->email = view_field(r, "email");
	f->phone = view_field(r, "phone");
	f->role = view_field(r, "role");
	f->agency_id = view_field(r, "agency_id");
	f->department_id = view_field(r, "department_id");
	f->title = view_field(r, "title");
}

/* The choices of the staff form for 'values', added to 'data'. */
static int staff_form_data(struct req *r, json_t *data, const json_t *values)
{
	json_t *roles = NULL, *agencies = NULL, *groups = NULL, *g;
	size_t i;
	int rc;

	if ((rc = staff_role_options(&r->actor, &roles)) != 0 ||
	    (rc = agency_options(r->db, &r->actor, 0, &agencies)) != 0 ||
	    (rc = agency_department_options(r->db, &r->actor, &groups)) != 0) {
		json_decref(roles);
		json_decref(agencies);
		return rc;
	}
	mark_selected(roles, "name", view_member(values, "role"));
	mark_selected(agencies, "id", view_member(values, "agency_id"));
	json_array_foreach(groups, i, g)
		mark_selected(json_object_get(g, "departments"), "id",
		              view_member(values, "department_id"));
	json_object_set_new(data, "roles", roles);
	json_object_set_new(data, "agencies", agencies);
	json_object_set_new(data, "department_groups", groups);
	return 0;
}

int page_admin_staff_new_form(struct req *r)
{
	json_t *values = json_object(), *data = json_object();
	const char *agency = view_query(r, "agency");
	char own[24];
	int rc;

	snprintf(own, sizeof(own), "%lld", (long long)r->actor.agency_id);
	json_object_set_new(values, "agency_id", json_string(agency[0] != '\0' ? agency : own));
	if ((rc = staff_form_data(r, data, values)) != 0) {
		json_decref(values);
		json_decref(data);
		return rc;
	}
	view_form_page(r, 200, "admin/staff_new", values, NULL, admin_data(r, "staff", data));
	return 0;
}

int page_admin_staff_create(struct req *r)
{
	struct staff_form f;
	struct field_errors errs;
	int64_t id;
	int rc;

	field_errors_init(&errs);
	staff_form_of(r, &f);
	rc = staff_create(&r->app->accounts, r->db, &r->actor, now_ms(r), &f, &id, &errs);
	if (rc == MC_EINVAL && errs.count > 0) {
		json_t *values = view_kept_values(r, staff_form_fields, staff_form_field_count);
		json_t *data = json_object();
		if ((rc = staff_form_data(r, data, values)) != 0) {
			json_decref(values);
			json_decref(data);
			return rc;
		}
		view_form_page(r, 422, "admin/staff_new", values, &errs, admin_data(r, "staff", data));
		return 0;
	}
	if (rc != 0)
		return rc;
	redirect_to(r, "/admin/staff", (long long)id, "?created=1");
	return 0;
}

/* Show staff account 'id' with its form ('values' taken; NULL: as stored) and actions. */
static int staff_page(struct req *r, int status, int64_t id, json_t *values,
                      const struct field_errors *errs, const char *refusal)
{
	json_t *s;
	int rc = staff_get(r->db, &r->actor, id, &s);

	if (rc != 0) {
		json_decref(values);
		return rc;
	}
	if (values == NULL)
		values = json_incref(json_object_get(s, "values"));
	json_object_del(s, "values");
	if (refusal != NULL)
		json_object_set_new(s, "refusal", json_string(refusal));
	if ((rc = staff_form_data(r, s, values)) != 0) {
		json_decref(s);
		json_decref(values);
		return rc;
	}
	view_form_page(r, status, "admin/staff", values, errs, admin_data(r, "staff", s));
	return 0;
}

int page_admin_staff_edit(struct req *r)
{
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	return staff_page(r, 200, id, NULL, NULL, NULL);
}

int page_admin_staff_update(struct req *r)
{
	struct staff_form f;
	struct field_errors errs;
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	field_errors_init(&errs);
	staff_form_of(r, &f);
	rc = staff_update(r->db, &r->actor, now_ms(r), id, &f, &errs);
	if (rc == MC_EINVAL && errs.count > 0)
		return staff_page(r, 422, id,
		                  view_kept_values(r, staff_form_fields, staff_form_field_count), &errs,
		                  NULL);
	if (rc != 0)
		return rc;
	redirect_to(r, "/admin/staff", (long long)id, "?saved=1");
	return 0;
}

static int staff_switch(struct req *r, int active)
{
	const char *refusal;
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	rc = staff_set_active(r->db, &r->actor, now_ms(r), id, active, &refusal);
	if (rc == MC_ECONFLICT && refusal != NULL)
		return staff_page(r, 409, id, NULL, NULL, refusal);
	if (rc != 0)
		return rc;
	redirect_to(r, "/admin/staff", (long long)id, "?saved=1");
	return 0;
}

int page_admin_staff_deactivate(struct req *r)
{
	return staff_switch(r, 0);
}

int page_admin_staff_activate(struct req *r)
{
	return staff_switch(r, 1);
}

int page_admin_staff_password_link(struct req *r)
{
	const char *refusal;
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	rc = staff_send_password_link(&r->app->accounts, r->db, &r->actor, id, &refusal);
	if (rc == MC_ECONFLICT && refusal != NULL)
		return staff_page(r, 409, id, NULL, NULL, refusal);
	if (rc != 0)
		return rc;
	redirect_to(r, "/admin/staff", (long long)id, "?link_sent=1");
	return 0;
}

/* ---- holidays ---- */

/* The year asked for by ?year= (default: this year).  MC_EINVAL when malformed. */
static int year_param(struct req *r, int *year)
{
	const char *s = view_query(r, "year");

	*year = this_year(r);
	if (s[0] == '\0')
		return 0;
	if (strlen(s) != 4 || strspn(s, "0123456789") != 4)
		return MC_EINVAL;
	*year = atoi(s);
	return *year >= HOLIDAY_YEAR_MIN && *year <= HOLIDAY_YEAR_MAX ? 0 : MC_EINVAL;
}

/* The year list page with the add form ('values' taken, NULL for an empty form). */
static int holidays_page(struct req *r, int status, int year, json_t *values,
                         const struct field_errors *errs)
{
	json_t *list;
	int rc = holiday_open_year(r->db, &r->actor, clock_now_ms(&r->app->clock), year);

	if (rc == 0)
		rc = holiday_list(r->db, &r->actor, year, this_year(r), &list);
	if (rc != 0) {
		json_decref(values);
		return rc;
	}
	if (values == NULL)
		values = json_pack("{s:s}", "kind", "day_off");
	flag_value(values, "kind");
	view_form_page(r, status, "admin/holidays", values, errs, admin_data(r, "holidays", list));
	return 0;
}

int page_admin_holidays(struct req *r)
{
	int year, rc;

	if (!scope_is_global(&r->actor))
		return MC_EFORBIDDEN;
	if ((rc = year_param(r, &year)) != 0)
		return rc;
	return holidays_page(r, 200, year, NULL, NULL);
}

static void holiday_form_of(struct req *r, struct holiday_form *f)
{
	f->day = view_field(r, "day");
	f->kind = view_field(r, "kind");
	f->name = view_field(r, "name");
}

static void redirect_year(struct req *r, const char *day, const char *flash)
{
	char path[64];

	snprintf(path, sizeof(path), "/admin/holidays?year=%.4s&%s", day, flash);
	respond_redirect(r, 303, path);
}

int page_admin_holiday_create(struct req *r)
{
	struct holiday_form f;
	struct field_errors errs;
	char day[11];
	int64_t id;
	int rc, year;

	field_errors_init(&errs);
	holiday_form_of(r, &f);
	rc = holiday_create(r->db, &r->actor, now_ms(r), &f, &id, day, &errs);
	if (rc == MC_EINVAL && errs.count > 0) {
		char typed[11];
		/* Show the year of the day typed when it reads as one, else this year. */
		year = holiday_parse_day(f.day, typed) == 0 ? atoi(typed) : this_year(r);
		return holidays_page(r, 422, year,
		                     view_kept_values(r, holiday_form_fields, holiday_form_field_count),
		                     &errs);
	}
	if (rc != 0)
		return rc;
	redirect_year(r, day, "saved=1");
	return 0;
}

static int holiday_page(struct req *r, int status, int64_t id, json_t *values,
                        const struct field_errors *errs)
{
	json_t *h;
	int rc = holiday_get(r->db, &r->actor, id, &h);

	if (rc != 0) {
		json_decref(values);
		return rc;
	}
	if (values == NULL)
		values = json_incref(json_object_get(h, "values"));
	json_object_del(h, "values");
	json_object_set_new(h, "day_year", json_stringn(view_member(h, "day"), 4));
	flag_value(values, "kind");
	view_form_page(r, status, "admin/holiday", values, errs, admin_data(r, "holidays", h));
	return 0;
}

int page_admin_holiday(struct req *r)
{
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	return holiday_page(r, 200, id, NULL, NULL);
}

int page_admin_holiday_update(struct req *r)
{
	struct holiday_form f;
	struct field_errors errs;
	char day[11];
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	field_errors_init(&errs);
	holiday_form_of(r, &f);
	rc = holiday_update(r->db, &r->actor, now_ms(r), id, &f, day, &errs);
	if (rc == MC_EINVAL && errs.count > 0)
		return holiday_page(r, 422, id,
		                    view_kept_values(r, holiday_form_fields, holiday_form_field_count),
		                    &errs);
	if (rc != 0)
		return rc;
	redirect_year(r, day, "saved=1");
	return 0;
}

int page_admin_holiday_delete(struct req *r)
{
	char day[11];
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	rc = holiday_delete(r->db, &r->actor, now_ms(r), id, day);
	if (rc != 0)
		return rc;
	redirect_year(r, day, "deleted=1");
	return 0;
}

/* ---- audit log ---- */

static const char *const entity_labels[][2] = {
	{ "agency", "Cơ quan" },         { "department", "Phòng ban" },
	{ "staff", "Cán bộ" },           { "holiday", "Ngày nghỉ lễ" },
	{ "procedure", "Thủ tục" },      { "document", "Thành phần hồ sơ" },
	{ "offering", "Nơi tiếp nhận" }, { "catalog", "Danh mục thủ tục" },
	{ "mail", "Thư điện tử" },       { "dossier", "Hồ sơ" },
	{ "person", "Người nộp hồ sơ" },
};

#define NENTITIES (sizeof(entity_labels) / sizeof(entity_labels[0]))

static const char *entity_label(const char *entity)
{
	for (size_t i = 0; i < NENTITIES; i++)
		if (strcmp(entity_labels[i][0], entity) == 0)
			return entity_labels[i][1];
	return entity;
}

/* Where the thing a record is about can be seen, or "" (deleted things have no page). */
static void entity_link(const char *entity, int64_t id, char *out, size_t cap)
{
	out[0] = '\0';
	if (id <= 0)
		return;
	if (strcmp(entity, "agency") == 0)
		snprintf(out, cap, "/admin/agencies/%lld", (long long)id);
	else if (strcmp(entity, "staff") == 0)
		snprintf(out, cap, "/admin/staff/%lld", (long long)id);
	else if (strcmp(entity, "holiday") == 0)
		snprintf(out, cap, "/admin/holidays/%lld", (long long)id);
}

int page_admin_audit(struct req *r)
{
	static const char *const keys[] = { "entity" };
	struct audit_query q = { NULL, 0, 1, AUDIT_PER_PAGE };
	json_t *list, *entities, *item;
	const char *entity = view_query(r, "entity");
	size_t i;
	int rc, known = entity[0] == '\0';

	for (i = 0; i < NENTITIES && !known; i++)
		known = strcmp(entity_labels[i][0], entity) == 0;
	if (!known || view_page_param(r, "page", AUDIT_PAGE_MAX, &q.page) != 0)
		return MC_EINVAL;
	q.entity = entity;
	if ((rc = audit_list(r->db, &r->actor, &q, &list)) != 0)
		return rc;
	json_array_foreach(json_object_get(list, "items"), i, item)
		json_object_set_new(item, "entity_label",
		                    json_string(entity_label(view_member(item, "entity"))));
	entities = json_array();
	for (i = 0; i < NENTITIES; i++)
		json_array_append_new(entities, json_pack("{s:s, s:s, s:b}", "name",
		                                          entity_labels[i][0], "label",
		                                          entity_labels[i][1], "selected",
		                                          strcmp(entity_labels[i][0], entity) == 0));
	json_object_set_new(list, "entities", entities);
	add_paging(r, list, "/admin/audit", keys, 1);
	respond_page(r, 200, "admin/audit", admin_data(r, "audit", list));
	return 0;
}

/* Labels of the members the administration records, for the change table. */
static const char *const member_labels[][2] = {
	{ "code", "Mã định danh" },
	{ "name", "Tên" },
	{ "level", "Cấp" },
	{ "parent_id", "Mã số cơ quan cấp trên" },
	{ "parent_name", "Cơ quan cấp trên" },
	{ "address", "Địa chỉ" },
	{ "phone", "Số điện thoại" },
	{ "email", "Thư điện tử" },
	{ "office_hours", "Giờ làm việc" },
	{ "is_desk", "Nơi tiếp nhận hồ sơ" },
	{ "is_competent", "Cơ quan có thẩm quyền giải quyết" },
	{ "receipt_pattern", "Mẫu số biên nhận" },
	{ "receipt_start", "Số bắt đầu mỗi ngày" },
	{ "active", "Đang hoạt động" },
	{ "agency_id", "Mã số cơ quan" },
	{ "agency_name", "Cơ quan" },
	{ "full_name", "Họ và tên" },
	{ "role", "Vai trò (mã)" },
	{ "role_label", "Vai trò" },
	{ "department_id", "Mã số phòng ban" },
	{ "department_name", "Phòng ban" },
	{ "title", "Chức vụ" },
	{ "day", "Ngày" },
	{ "kind", "Loại ngày" },
};

static const char *member_label(const char *key)
{
	for (size_t i = 0; i < sizeof(member_labels) / sizeof(member_labels[0]); i++)
		if (strcmp(member_labels[i][0], key) == 0)
			return member_labels[i][1];
	return key;
}

/* A recorded value as text for the change table. */
static json_t *shown_value(struct req *r, const char *key, const json_t *v)
{
	struct buf b;
	char *text;
	json_t *s;

	if (v == NULL || json_is_null(v))
		return json_string("(trống)");
	if (json_is_string(v))
		return json_string(json_string_value(v)[0] != '\0' ? json_string_value(v) : "(trống)");
	if (json_is_true(v))
		return json_string("Có");
	if (json_is_false(v))
		return json_string("Không");
	if (strcmp(key, "office_hours") == 0 && json_is_array(v)) {
		size_t i;
		const json_t *day;
		buf_init(&b, r->pool);
		json_array_foreach(v, i, day) {
			const char *h = json_string_value(day);
			buf_printf(&b, "%s%s: %s", i > 0 ? "; " : "", agency_weekday_label((int)i),
			           h != NULL && h[0] != '\0' ? h : "nghỉ");
		}
		return json_string(b.len > 0 ? b.data : "");
	}
	text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	s = json_string(text != NULL ? text : "");
	free(text);
	return s;
}

/* The members that differ between 'before' and 'after' (every member when one is null), as
 * [ { label, before, after } ]. */
static json_t *change_rows(struct req *r, const json_t *before, const json_t *after)
{
	json_t *rows = json_array();
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)before, key, v) {
		json_t *w = json_object_get(after, key);
		if (json_is_object(after) && w != NULL && json_equal(v, w))
			continue;
		json_array_append_new(rows, json_pack("{s:s, s:o, s:o}", "label", member_label(key),
		                                      "before", shown_value(r, key, v), "after",
		                                      shown_value(r, key, w)));
	}
	json_object_foreach((json_t *)after, key, v) {
		if (json_object_get(before, key) != NULL)
			continue;
		json_array_append_new(rows, json_pack("{s:s, s:o, s:o}", "label", member_label(key),
		                                      "before", shown_value(r, key, NULL), "after",
		                                      shown_value(r, key, v)));
	}
	return rows;
}

static json_t *pretty(const json_t *v)
{
	char *text;
	json_t *s;

	if (v == NULL || json_is_null(v))
		return json_string("");
	text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	s = json_string(text != NULL ? text : "");
	free(text);
	return s;
}

int page_admin_audit_entry(struct req *r)
{
	json_t *e;
	const json_t *before, *after;
	char link[64];
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	if ((rc = audit_get(r->db, &r->actor, id, &e)) != 0)
		return rc;
	before = json_object_get(e, "before");
	after = json_object_get(e, "after");
	json_object_set_new(e, "changes", change_rows(r, before, after));
	json_object_set_new(e, "before_text", pretty(before));
	json_object_set_new(e, "after_text", pretty(after));
	json_object_set_new(e, "entity_label", json_string(entity_label(view_member(e, "entity"))));
	entity_link(view_member(e, "entity"),
	            (int64_t)json_integer_value(json_object_get(e, "entity_id")), link, sizeof(link));
	if (json_is_object(after) && link[0] != '\0')
		json_object_set_new(e, "entity_url", json_string(link));
	respond_page(r, 200, "admin/audit_entry", admin_data(r, "audit", e));
	return 0;
}

/* ---- failed e-mails ---- */

static void local_time(const char *iso, char *out, size_t cap)
{
	int64_t ms;

	if (iso == NULL || clock_parse_iso8601(iso, &ms) != 0)
		snprintf(out, cap, "%s", iso != NULL ? iso : "");
	else
		clock_format_local(ms, out, cap);
}

static int collect_failed(void *arg, const struct outbox_failed *row)
{
	char created[40], failed[40];

	local_time(row->created_at, created, sizeof(created));
	local_time(row->failed_at, failed, sizeof(failed));
	return json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s}", "id",
	                                            (json_int_t)row->id, "recipient",
	                                            row->recipient, "subject", row->subject,
	                                            "attempts", (json_int_t)row->attempts,
	                                            "created_at", created, "failed_at", failed,
	                                            "last_error", row->last_error)) == 0
	               ? 0
	               : MC_ENOMEM;
}

int page_admin_mail(struct req *r)
{
	json_t *items;
	int rc;

	items = json_array();
	if (items == NULL)
		return MC_ENOMEM;
	if ((rc = mailadmin_list_failed(r->db, &r->actor, FAILED_MAIL_SHOWN, collect_failed,
	                                items)) != 0) {
		json_decref(items);
		return rc;
	}
	respond_page(r, 200, "admin/mail",
	             admin_data(r, "mail", json_pack("{s:o, s:i, s:s, s:b}", "items", items, "limit",
	                                             FAILED_MAIL_SHOWN, "csrf", req_csrf_token(r),
	                                             "requeued", query_is(r, "requeued"))));
	return 0;
}

int page_admin_mail_retry(struct req *r)
{
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	rc = mailadmin_retry(&r->app->accounts, r->db, &r->actor, now_ms(r), id);
	if (rc != 0)
		return rc;
	respond_redirect(r, 303, "/admin/mail?requeued=1");
	return 0;
}
