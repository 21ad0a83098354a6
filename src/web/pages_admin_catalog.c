/* pages_admin_catalog.c: administration of the procedure catalogue (procedures, their documents
 * and template files, the online form editor with its live preview) and of offerings. */
#include "web/pages.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/catalog.h"
#include "domain/formschema.h"
#include "domain/offering.h"
#include "domain/procedure_admin.h"
#include "domain/scope.h"
#include "http/req.h"
#include "http/server.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/tpl.h"
#include "web/view.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- shared pieces ---- */

static int64_t now_ms(const struct req *r)
{
	return clock_now_ms(&r->app->clock);
}

/* The page object every admin page of this family starts from: the admin navigation's data
 * (templates/admin/nav.mustache) and the message after a redirect (templates/admin/flash). */
static json_t *admin_page(struct req *r, const char *section)
{
	json_t *data = json_object();
	const char *saved = view_query(r, "saved"), *deleted = view_query(r, "deleted");

	json_object_set_new(data, "admin",
	                    json_pack("{s:b, s:{s:b}}", "system", scope_is_global(&r->actor),
	                              "section", section, 1));
	json_object_set_new(data, "can_edit", json_boolean(scope_is_global(&r->actor)));
	json_object_set_new(data, "saved", json_boolean(strcmp(saved, "1") == 0));
	json_object_set_new(data, "deleted", json_boolean(strcmp(deleted, "1") == 0));
	return data;
}

/* Links to the previous and next pages of a list: 'base' ("/admin/procedures?q=...&") plus
 * "page=N".  Adds "prev_url", "next_url" (when they exist) and "paged" (more than one page). */
static void add_pager(json_t *data, const char *base, int page, json_int_t pages)
{
	char url[2048];

	if (page > 1) {
		snprintf(url, sizeof(url), "%spage=%d", base, page - 1);
		json_object_set_new(data, "prev_url", json_string(url));
	}
	if ((json_int_t)page < pages) {
		snprintf(url, sizeof(url), "%spage=%d", base, page + 1);
		json_object_set_new(data, "next_url", json_string(url));
	}
	json_object_set_new(data, "paged", json_boolean(pages > 1));
}

/* The options of a fixed choice with the one equal to 'value' selected. */
struct choice {
	const char *value;
	const char *label;
};

static json_t *options(const struct choice *c, size_t n, const char *value)
{
	json_t *list = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "value", c[i].value, "label",
		                                      c[i].label, "selected",
		                                      value != NULL && strcmp(value, c[i].value) == 0));
	return list;
}

/* Mark "selected" on the items of 'list' whose integer member 'key' equals the decimal
 * 'value'. */
static void mark_selected(json_t *list, const char *key, const char *value)
{
	json_t *it;
	size_t i;

	json_array_foreach(list, i, it) {
		char id[24];
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
		         json_integer_value(json_object_get(it, key)));
		json_object_set_new(it, "selected", json_boolean(value != NULL && strcmp(id, value) == 0));
	}
}

/* The first file part called 'name' of a multipart body, or NULL. */
static const struct multipart_part *file_part(struct req *r, const char *name)
{
	const struct form *f;

	if (req_form(r, &f) != 0 || r->multipart == NULL)
		return NULL;
	for (size_t i = 0; i < r->multipart->count; i++)
		if (r->multipart->parts[i].filename != NULL &&
		    strcmp(r->multipart->parts[i].name, name) == 0)
			return &r->multipart->parts[i];
	return NULL;
}

/* Redirect after a change: "/admin/<what>/<id><suffix>". */
static void redirect_to(struct req *r, const char *what, int64_t id, const char *suffix)
{
	char url[256];

	snprintf(url, sizeof(url), "/admin/%s/%" PRId64 "%s", what, id, suffix);
	respond_redirect(r, 303, url);
}

/* ---- procedures: fixed choices ---- */

static const struct choice level_choices[] = {
	{ "commune", "Cấp xã" }, { "province", "Cấp tỉnh" }, { "central", "Cấp trung ương" },
};
static const struct choice applicant_choices[] = {
	{ "citizen", "Công dân" },
	{ "business", "Tổ chức, doanh nghiệp" },
	{ "both", "Công dân, tổ chức, doanh nghiệp" },
};
static const struct choice mode_choices[] = {
	{ "info", "Chỉ cung cấp thông tin" },
	{ "forms", "Cung cấp thông tin và biểu mẫu" },
	{ "partial", "Dịch vụ công trực tuyến một phần" },
	{ "full", "Dịch vụ công trực tuyến toàn trình" },
};
static const struct choice time_kind_choices[] = {
	{ "days", "Ngày làm việc" },
	{ "hours", "Giờ làm việc" },
	{ "same_day", "Trong ngày (tiếp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo)" },
};

/* The procedure form's text fields, as posted and as shown again. */
static const char *const procedure_fields[] = {
	"code", "name", "field", "level", "applicant_type", "description", "steps", "submission",
	"conditions", "time_kind", "time_value", "time_note", "legal_basis", "result",
	"service_mode",
};

/* "100.000" for 100000: how the form shows an amount. */
static void format_amount(json_int_t v, char *out, size_t cap)
{
	char digits[32];
	size_t n, o = 0;

	snprintf(digits, sizeof(digits), "%" JSON_INTEGER_FORMAT, v);
	n = strlen(digits);
	for (size_t i = 0; i < n && o + 2 < cap; i++) {
		if (i > 0 && digits[0] != '-' && (n - i) % 3 == 0)
			out[o++] = '.';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* One fee row of the form: row n (1-based) with its values and errors. */
static json_t *fee_row(size_t n, const char *amount, const char *description,
                       const struct field_errors *errs)
{
	const char *an = procedure_admin_fee_amount_field(n);
	const char *dn = procedure_admin_fee_description_field(n);
	const char *ae = errs != NULL ? field_errors_get(errs, an) : NULL;
	const char *de = errs != NULL ? field_errors_get(errs, dn) : NULL;

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s?}", "n", (json_int_t)n, "amount_name",
	                 an, "description_name", dn, "amount", amount, "description", description,
	                 "amount_error", ae, "description_error", de);
}

/* Pad 'rows' with empty rows until the last two are empty (at most PROCEDURE_ADMIN_FEE_ROWS). */
static void pad_fee_rows(json_t *rows)
{
	for (;;) {
		size_t n = json_array_size(rows), blank = 0;

		for (size_t i = n; i > 0 && blank < 2; i--) {
			json_t *row = json_array_get(rows, i - 1);
			if (json_string_length(json_object_get(row, "amount")) != 0 ||
			    json_string_length(json_object_get(row, "description")) != 0)
				break;
			blank++;
		}
		if (blank >= 2 || n >= PROCEDURE_ADMIN_FEE_ROWS)
			return;
		json_array_append_new(rows, fee_row(n + 1, "", "", NULL));
	}
}

/* The procedure form as posted. */
static void read_procedure_input(struct req *r, struct procedure_input *in)
{
	const struct form *f;

	memset(in, 0, sizeof(*in));
	in->code = view_field(r, "code");
	in->name = view_field(r, "name");
	in->field = view_field(r, "field");
	in->level = view_field(r, "level");
	in->applicant_type = view_field(r, "applicant_type");
	in->description = view_field(r, "description");
	in->steps = view_field(r, "steps");
	in->submission = view_field(r, "submission");
	in->conditions = view_field(r, "conditions");
	in->time_kind = view_field(r, "time_kind");
	in->time_value = view_field(r, "time_value");
	in->time_note = view_field(r, "time_note");
	in->legal_basis = view_field(r, "legal_basis");
	in->result = view_field(r, "result");
	in->service_mode = view_field(r, "service_mode");
	if (req_form(r, &f) != 0)
		return;
	for (size_t n = 1; n <= PROCEDURE_ADMIN_FEE_ROWS; n++) {
		const char *a = form_get(f, procedure_admin_fee_amount_field(n));
		const char *d = form_get(f, procedure_admin_fee_description_field(n));

		in->fees[n - 1].amount = a != NULL ? a : "";
		in->fees[n - 1].description = d != NULL ? d : "";
		if (a != NULL || d != NULL)
			in->fee_rows = n;
	}
}

/* The values of the procedure form from a stored procedure (catalogue form). */
static json_t *procedure_values(const json_t *p, json_t **rows)
{
	json_t *v = json_object(), *t = json_object_get(p, "time"), *fee;
	char num[32];
	size_t i;

	for (size_t k = 0; k < COUNT(procedure_fields); k++) {
		json_t *m = json_object_get(p, procedure_fields[k]);
		if (json_is_string(m))
			json_object_set(v, procedure_fields[k], m);
	}
	json_object_set(v, "time_kind", json_object_get(t, "kind"));
	json_object_set(v, "time_note", json_object_get(t, "note"));
	if (strcmp(json_string_value(json_object_get(t, "kind")), "same_day") == 0)
		json_object_set_new(v, "time_value", json_string(""));
	else {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		         json_integer_value(json_object_get(t, "value")));
		json_object_set_new(v, "time_value", json_string(num));
	}
	*rows = json_array();
	json_array_foreach(json_object_get(p, "fees"), i, fee) {
		format_amount(json_integer_value(json_object_get(fee, "amount")), num, sizeof(num));
		json_array_append_new(*rows, fee_row(i + 1, num,
		                                     json_string_value(json_object_get(fee, "description")),
		                                     NULL));
	}
	pad_fee_rows(*rows);
	return v;
}

/* The fee rows as posted, with their errors. */
static json_t *posted_fee_rows(const struct procedure_input *in, const struct field_errors *errs)
{
	json_t *rows = json_array();

	for (size_t n = 1; n <= in->fee_rows; n++)
		json_array_append_new(rows, fee_row(n, in->fees[n - 1].amount,
		                                    in->fees[n - 1].description, errs));
	pad_fee_rows(rows);
	return rows;
}

/*
 * Render the procedure form: new (id 0) or procedure 'id' with its documents ('info', taken;
 * may be NULL).  'values' (taken) and 'rows' (taken) are what the form shows.
 */
static void procedure_form(struct req *r, int status, int64_t id, json_t *values, json_t *rows,
                           json_t *info, const struct field_errors *errs)
{
	json_t *data = admin_page(r, "procedures");
	const char *kind = json_string_value(json_object_get(values, "time_kind"));

	json_object_set_new(data, "is_new", json_boolean(id == 0));
	json_object_set_new(data, "id", json_integer(id));
	json_object_set_new(data, "fee_rows", rows);
	json_object_set_new(data, "levels",
	                    options(level_choices, COUNT(level_choices), view_member(values, "level")));
	json_object_set_new(data, "applicant_types",
	                    options(applicant_choices, COUNT(applicant_choices),
	                            json_string_value(json_object_get(values, "applicant_type"))));
	json_object_set_new(data, "service_modes",
	                    options(mode_choices, COUNT(mode_choices),
	                            json_string_value(json_object_get(values, "service_mode"))));
	json_object_set_new(data, "time_kinds",
	                    options(time_kind_choices, COUNT(time_kind_choices), kind));
	if (info != NULL)
		json_object_set_new(data, "info", info);
	view_form_page(r, status, "admin/procedure_form", values, errs, data);
}

/* The read-only page of a procedure for agency administrators: 'p' and 'info' (both taken)
 * with the labels, the time limit, the fees and the steps made readable. */
static json_t *procedure_view(struct req *r, json_t *p, json_t *info)
{
	json_t *data = admin_page(r, "procedures"), *t = json_object_get(p, "time"), *fee;
	json_t *fees = json_array(), *lines = json_array();
	const char *kind = json_string_value(json_object_get(t, "kind"));
	const char *steps = json_string_value(json_object_get(p, "steps"));
	const char *l;
	char text[128];
	size_t i;

	l = catalog_level_label(json_string_value(json_object_get(p, "level")));
	json_object_set_new(data, "level_label", json_string(l != NULL ? l : ""));
	l = catalog_applicant_label(json_string_value(json_object_get(p, "applicant_type")));
	json_object_set_new(data, "applicant_label", json_string(l != NULL ? l : ""));
	l = catalog_mode_label(json_string_value(json_object_get(p, "service_mode")));
	json_object_set_new(data, "mode_label", json_string(l != NULL ? l : ""));
	if (kind != NULL && strcmp(kind, "same_day") == 0)
		snprintf(text, sizeof(text), "Trong ngày làm việc");
	else
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT " %s",
		         json_integer_value(json_object_get(t, "value")),
		         kind != NULL && strcmp(kind, "hours") == 0 ? "giờ làm việc" : "ngày làm việc");
	json_object_set_new(data, "time_text", json_string(text));
	json_array_foreach(json_object_get(p, "fees"), i, fee) {
		catalog_format_money(json_integer_value(json_object_get(fee, "amount")), text,
		                     sizeof(text));
		json_array_append_new(fees, json_pack("{s:s, s:O}", "amount_text", text, "description",
		                                      json_object_get(fee, "description")));
	}
	json_object_set_new(data, "fees", fees);
	/* Multi-line text as paragraphs: no HTML is built here. */
	while (steps != NULL && *steps != '\0') {
		size_t n = strcspn(steps, "\n");
		if (n > 0)
			json_array_append_new(lines, json_stringn(steps, n));
		steps += n;
		if (*steps == '\n')
			steps++;
	}
	json_object_set_new(data, "steps_lines", lines);
	json_object_set_new(data, "procedure", p);
	json_object_set_new(data, "info", info);
	return data;
}

/* ---- procedures: list ---- */

int page_admin_procedures(struct req *r)
{
	const char *q = view_query(r, "q");
	json_t *list = NULL, *data;
	struct buf base;
	int page, rc;

	if (view_page_param(r, "page", PROCEDURE_ADMIN_PAGE_MAX, &page) != 0)
		return MC_EINVAL;
	rc = procedure_admin_list(r->db, &r->actor, q, page, &list);
	if (rc != 0)
		return rc;
	data = admin_page(r, "procedures");
	json_object_set_new(data, "q", json_string(q));
	json_object_update(data, list);
	json_decref(list);
	buf_init(&base, r->pool);
	buf_puts(&base, "/admin/procedures?");
	if (q[0] != '\0') {
		buf_puts(&base, "q=");
		view_pct_append(&base, q);
		buf_putc(&base, '&');
	}
	add_pager(data, base.data, page, json_integer_value(json_object_get(data, "pages")));
	respond_page(r, 200, "admin/procedures", data);
	return 0;
}

/* ---- procedures: create and edit ---- */

int page_admin_procedure_new_form(struct req *r)
{
	json_t *values, *rows = json_array();

	if (!scope_is_global(&r->actor))
		return MC_EFORBIDDEN;
	values = json_pack("{s:s, s:s, s:s, s:s}", "level", "commune", "applicant_type", "citizen",
	                   "service_mode", "info", "time_kind", "days");
	pad_fee_rows(rows);
	procedure_form(r, 200, 0, values, rows, NULL, NULL);
	return 0;
}

int page_admin_procedure_create(struct req *r)
{
	struct procedure_input in;
	struct field_errors errs;
	int64_t id = 0;
	int rc;

	read_procedure_input(r, &in);
	rc = procedure_admin_create(r->db, &r->actor, now_ms(r), &in, &errs, &id);
	if (rc == MC_EINVAL) {
		procedure_form(r, 422, 0, view_kept_values(r, procedure_fields, COUNT(procedure_fields)),
		               posted_fee_rows(&in, &errs), NULL, &errs);
		return 0;
	}
	if (rc != 0)
		return rc;
	redirect_to(r, "procedures", id, "?saved=1");
	return 0;
}

int page_admin_procedure(struct req *r)
{
	json_t *p = NULL, *info = NULL, *values, *rows = NULL;
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	rc = procedure_admin_get(r->db, &r->actor, id, &p, &info);
	if (rc != 0)
		return rc;
	if (!scope_is_global(&r->actor)) {
		/* Agency administrators read the catalogue to choose offerings; they do not change
		 * it. */
		respond_page(r, 200, "admin/procedure_view", procedure_view(r, p, info));
		return 0;
	}
	values = procedure_values(p, &rows);
	json_decref(p);
	procedure_form(r, 200, id, values, rows, info, NULL);
	return 0;
}

int page_admin_procedure_update(struct req *r)
{
	struct procedure_input in;
	struct field_errors errs;
	json_t *p = NULL, *info = NULL;
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	read_procedure_input(r, &in);
	rc = procedure_admin_update(r->db, &r->actor, now_ms(r), id, &in, &errs);
	if (rc == MC_EINVAL) {
		rc = procedure_admin_get(r->db, &r->actor, id, &p, &info);
		json_decref(p);
		if (rc != 0)
			return rc;
		procedure_form(r, 422, id, view_kept_values(r, procedure_fields, COUNT(procedure_fields)),
		               posted_fee_rows(&in, &errs), info, &errs);
		return 0;
	}
	if (rc != 0)
		return rc;
	redirect_to(r, "procedures", id, "?saved=1");
	return 0;
}

static int set_procedure_active(struct req *r, int active)
{
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	rc = procedure_admin_set_active(r->db, &r->actor, now_ms(r), id, active);
	if (rc != 0)
		return rc;
	redirect_to(r, "procedures", id, "?saved=1");
	return 0;
}

int page_admin_procedure_deactivate(struct req *r)
{
	return set_procedure_active(r, 0);
}

int page_admin_procedure_activate(struct req *r)
{
	return set_procedure_active(r, 1);
}

/* ---- the form schema editor ---- */

/* The editor page: 'text' is the schema as stored or as typed (never changed), 'error' the
 * reason it was refused (NULL: none). */
static int schema_page(struct req *r, int status, int64_t id, const char *text,
                       const char *error)
{
	json_t *p = NULL, *data;
	int rc = procedure_admin_get(r->db, &r->actor, id, &p, NULL);

	if (rc != 0)
		return rc;
	data = admin_page(r, "procedures");
	json_object_set_new(data, "id", json_integer(id));
	json_object_set(data, "code", json_object_get(p, "code"));
	json_object_set(data, "name", json_object_get(p, "name"));
	json_object_set_new(data, "schema", json_string(text));
	json_object_set_new(data, "csrf", json_string(req_csrf_token(r)));
	if (error != NULL) {
		json_object_set_new(data, "error", json_string(error));
		json_object_set_new(data, "has_errors", json_true());
		json_object_set_new(data, "errors",
		                    json_pack("[{s:s, s:s}]", "field", "schema", "message", error));
	}
	json_decref(p);
	respond_page(r, status, "admin/procedure_schema", data);
	return 0;
}

int page_admin_procedure_schema(struct req *r)
{
	char *text = NULL;
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	rc = procedure_admin_form_text(r->db, &r->actor, id, &text);
	if (rc == 0)
		rc = schema_page(r, 200, id, text, NULL);
	free(text);
	return rc;
}

int page_admin_procedure_schema_save(struct req *r)
{
	char err[FORMSCHEMA_ERR_SIZE];
	const char *text = view_field(r, "schema");
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	rc = procedure_admin_set_form(r->db, &r->actor, now_ms(r), id, text, strlen(text), err,
	                              sizeof(err));
	if (rc == MC_EINVAL)
		return schema_page(r, 422, id, text, err[0] != '\0' ? err : "Biểu mẫu không hợp lệ.");
	if (rc != 0)
		return rc;
	redirect_to(r, "procedures", id, "/form?saved=1");
	return 0;
}

/*
 * The live preview: the posted schema rendered as a citizen would see the form, or why it
 * cannot be.  Changes nothing; both answers are 200 so the script tells them apart by "ok".
 */
int page_admin_procedure_schema_preview(struct req *r)
{
	char err[FORMSCHEMA_ERR_SIZE], today[16];
	const char *text = view_field(r, "schema");
	char *stored = NULL;
	json_t *schema = NULL, *view = NULL;
	struct buf html;
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	/* The procedure must exist and the actor may read it. */
	rc = procedure_admin_form_text(r->db, &r->actor, id, &stored);
	free(stored);
	if (rc != 0)
		return rc;
	if (strlen(text) > PROCEDURE_ADMIN_SCHEMA_MAX) {
		respond_json(r, 200, json_pack("{s:b, s:s}", "ok", 0, "error",
		                               "Nội dung biểu mẫu dài quá 200 KiB."));
		return 0;
	}
	rc = formschema_check(text, strlen(text), &schema, err, sizeof(err));
	if (rc == MC_EINVAL) {
		respond_json(r, 200, json_pack("{s:b, s:s}", "ok", 0, "error", err));
		return 0;
	}
	if (rc != 0)
		return rc;
	clock_local_date(now_ms(r), today, sizeof(today));
	rc = formschema_view(schema, NULL, NULL, today, &view);
	json_decref(schema);
	if (rc != 0)
		return rc;
	buf_init(&html, r->pool);
	rc = tpl_render(r->app->templates, "partials/form_fields", view, &html);
	json_decref(view);
	if (rc != 0)
		return rc;
	respond_json(r, 200, json_pack("{s:b, s:s%}", "ok", 1, "html",
	                               html.data != NULL ? html.data : "", html.len));
	return 0;
}

/* ---- documents ---- */

static const struct choice requirement_choices[] = {
	{ "mandatory", "Bắt buộc" },
	{ "conditional", "Nộp trong trường hợp cụ thể" },
};

static const struct choice file_type_choices[] = {
	{ "pdf", "PDF" },   { "jpg", "JPG" },   { "png", "PNG" }, { "docx", "DOCX" },
	{ "doc", "DOC" },   { "xlsx", "XLSX" }, { "xls", "XLS" }, { "odt", "ODT" },
	{ "zip", "ZIP" },   { "xml", "XML" },
};

static const char *const document_fields[] = {
	"name", "originals", "copies", "requirement", "condition", "max_size_mb", "multiple",
};

/* The document form as posted. */
static void read_document_input(struct req *r, struct document_input *in,
                                struct template_upload *upload)
{
	const struct multipart_part *part = file_part(r, "template");
	const struct form *f;

	memset(in, 0, sizeof(*in));
	memset(upload, 0, sizeof(*upload));
	in->name = view_field(r, "name");
	in->originals = view_field(r, "originals");
	in->copies = view_field(r, "copies");
	in->requirement = view_field(r, "requirement");
	in->condition = view_field(r, "condition");
	in->max_size_mb = view_field(r, "max_size_mb");
	in->multiple = strcmp(view_field(r, "multiple"), "1") == 0;
	if (req_form(r, &f) == 0)
		for (size_t i = 0; i < f->count; i++) {
			if (strcmp(f->fields[i].name, "file_types") != 0)
				continue;
			if (in->type_count == PROCEDURE_ADMIN_TYPE_VALUES) {
				in->too_many_types = 1;
				break;
			}
			in->file_types[in->type_count++] = f->fields[i].value;
		}
	if (part != NULL) {
		upload->filename = part->filename;
		upload->data = (const unsigned char *)part->data;
		upload->len = part->len;
	}
}

/* The file type check boxes with 'checked' (a list of strings) ticked. */
static json_t *file_type_options(const json_t *checked)
{
	json_t *list = json_array(), *v;
	size_t k;

	for (size_t i = 0; i < COUNT(file_type_choices); i++) {
		int on = 0;
		json_array_foreach(checked, k, v)
			if (json_is_string(v) && strcmp(json_string_value(v), file_type_choices[i].value) == 0)
				on = 1;
		json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "value",
		                                      file_type_choices[i].value, "label",
		                                      file_type_choices[i].label, "checked", on));
	}
	return list;
}

/* The posted file types as a list of strings. */
static json_t *posted_file_types(struct req *r)
{
	const struct form *f;
	json_t *list = json_array();

	if (req_form(r, &f) == 0)
		for (size_t i = 0; i < f->count; i++)
			if (strcmp(f->fields[i].name, "file_types") == 0)
				json_array_append_new(list, json_string(f->fields[i].value));
	return list;
}

/*
 * Render the document form.  'doc' (taken, may be NULL) is the stored document when editing;
 * 'procedure' (taken) is { id, code, name }; 'values' (taken) what the fields show, 'types'
 * (taken) the ticked file types.
 */
static void document_form(struct req *r, int status, json_t *procedure, json_t *doc,
                          json_t *values, json_t *types, const struct field_errors *errs)
{
	json_t *data = admin_page(r, "procedures");
	const char *req = json_string_value(json_object_get(values, "requirement"));

	json_object_set_new(data, "procedure", procedure);
	json_object_set_new(data, "is_new", json_boolean(doc == NULL));
	if (doc != NULL)
		json_object_set_new(data, "document", doc);
	json_object_set_new(data, "requirements",
	                    options(requirement_choices, COUNT(requirement_choices), req));
	json_object_set_new(data, "file_types", file_type_options(types));
	json_decref(types);
	json_object_set_new(values, "multiple_checked",
	                    json_boolean(strcmp(view_member(values, "multiple"), "1") == 0));
	view_form_page(r, status, "admin/document_form", values, errs, data);
}

/* { id, code, name } of procedure 'id' for the document pages.  Needs a system administrator:
 * the document pages change the catalogue. */
static int procedure_ref(struct req *r, int64_t id, json_t **out)
{
	json_t *p = NULL;
	int rc;

	*out = NULL;
	if (!scope_is_global(&r->actor))
		return MC_EFORBIDDEN;
	rc = procedure_admin_get(r->db, &r->actor, id, &p, NULL);
	if (rc != 0)
		return rc;
	*out = json_pack("{s:I, s:O, s:O}", "id", (json_int_t)id, "code", json_object_get(p, "code"),
	                 "name", json_object_get(p, "name"));
	json_decref(p);
	return *out != NULL ? 0 : MC_ENOMEM;
}

int page_admin_document_new_form(struct req *r)
{
	json_t *procedure, *values;
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	if ((rc = procedure_ref(r, id, &procedure)) != 0)
		return rc;
	values = json_pack("{s:s, s:s, s:s, s:s}", "originals", "1", "copies", "0", "requirement",
	                   "mandatory", "max_size_mb", "10");
	document_form(r, 200, procedure, NULL, values,
	              json_pack("[s, s, s]", "pdf", "jpg", "png"), NULL);
	return 0;
}

/* After a refused document form: 422, or 413 when the template was too big. */
static int document_refused(struct req *r, int rc, int64_t procedure_id, json_t *doc,
                            const struct field_errors *errs)
{
	json_t *procedure;
	int prc = procedure_ref(r, procedure_id, &procedure);

	if (prc != 0) {
		json_decref(doc);
		return prc;
	}
	document_form(r, rc == MC_ETOOBIG ? 413 : 422, procedure, doc,
	              view_kept_values(r, document_fields, COUNT(document_fields)),
	              posted_file_types(r), errs);
	return 0;
}

int page_admin_document_create(struct req *r)
{
	struct document_input in;
	struct template_upload upload;
	struct field_errors errs;
	int64_t id, document_id = 0;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	read_document_input(r, &in, &upload);
	rc = procedure_admin_document_add(r->db, &r->actor, now_ms(r), id, &in, &upload, &errs,
	                                  &document_id);
	if (rc == MC_EINVAL || rc == MC_ETOOBIG)
		return document_refused(r, rc, id, NULL, &errs);
	if (rc != 0)
		return rc;
	redirect_to(r, "procedures", id, "?saved=1#thanh-phan-ho-so");
	return 0;
}

int page_admin_document(struct req *r)
{
	json_t *doc = NULL, *procedure, *values;
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	if (!scope_is_global(&r->actor))
		return MC_EFORBIDDEN;
	rc = procedure_admin_document_get(r->db, &r->actor, id, &doc);
	if (rc != 0)
		return rc;
	procedure = json_pack("{s:O, s:O, s:O}", "id", json_object_get(doc, "procedure_id"), "code",
	                      json_object_get(doc, "procedure_code"), "name",
	                      json_object_get(doc, "procedure_name"));
	{
		char originals[24], copies[24];
		snprintf(originals, sizeof(originals), "%" JSON_INTEGER_FORMAT,
		         json_integer_value(json_object_get(doc, "originals")));
		snprintf(copies, sizeof(copies), "%" JSON_INTEGER_FORMAT,
		         json_integer_value(json_object_get(doc, "copies")));
		values = json_pack("{s:O, s:s, s:s, s:O, s:O, s:O, s:s}", "name",
		                   json_object_get(doc, "name"), "originals", originals, "copies", copies,
		                   "requirement", json_object_get(doc, "requirement"), "condition",
		                   json_object_get(doc, "condition"), "max_size_mb",
		                   json_object_get(doc, "max_size_mb"), "multiple",
		                   json_is_true(json_object_get(doc, "multiple")) ? "1" : "");
	}
	document_form(r, 200, procedure, doc, values, json_incref(json_object_get(doc, "file_types")),
	              NULL);
	return 0;
}

int page_admin_document_update(struct req *r)
{
	struct document_input in;
	struct template_upload upload;
	struct field_errors errs;
	json_t *doc = NULL;
	int64_t id, procedure_id = 0;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	read_document_input(r, &in, &upload);
	rc = procedure_admin_document_update(r->db, &r->actor, now_ms(r), id, &in, &upload, &errs,
	                                     &procedure_id);
	if (rc == MC_EINVAL || rc == MC_ETOOBIG) {
		int grc = procedure_admin_document_get(r->db, &r->actor, id, &doc);
		if (grc != 0)
			return grc;
		procedure_id = json_integer_value(json_object_get(doc, "procedure_id"));
		return document_refused(r, rc, procedure_id, doc, &errs);
	}
	if (rc != 0)
		return rc;
	redirect_to(r, "documents", id, "?saved=1");
	return 0;
}

int page_admin_document_delete(struct req *r)
{
	int64_t id, procedure_id = 0;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	rc = procedure_admin_document_delete(r->db, &r->actor, now_ms(r), id, &procedure_id);
	if (rc != 0)
		return rc;
	redirect_to(r, "procedures", procedure_id, "?deleted=1#thanh-phan-ho-so");
	return 0;
}

static int document_move(struct req *r, int delta)
{
	int64_t id, procedure_id = 0;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	rc = procedure_admin_document_move(r->db, &r->actor, now_ms(r), id, delta, &procedure_id);
	if (rc != 0)
		return rc;
	redirect_to(r, "procedures", procedure_id, "?saved=1#thanh-phan-ho-so");
	return 0;
}

int page_admin_document_up(struct req *r)
{
	return document_move(r, -1);
}

int page_admin_document_down(struct req *r)
{
	return document_move(r, 1);
}

int page_admin_document_template_delete(struct req *r)
{
	int64_t id, procedure_id = 0;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	rc = procedure_admin_document_remove_template(r->db, &r->actor, now_ms(r), id,
	                                              &procedure_id);
	if (rc != 0)
		return rc;
	redirect_to(r, "documents", id, "?saved=1");
	return 0;
}

/* ---- offerings ---- */

static const char *const offering_fields[] = {
	"procedure_id", "desk_agency_id", "competent_agency_id", "department_id", "online",
	"workflow",
};

/* A filter id from the query string: "" is 0 (any); anything but a positive id is refused. */
static int query_id(struct req *r, const char *name, int64_t *out)
{
	const char *s = view_query(r, name);
	int64_t v = 0;

	*out = 0;
	if (s[0] == '\0')
		return 0;
	if (strlen(s) > 18 || s[0] == '0')
		return MC_EINVAL;
	for (const char *c = s; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return MC_EINVAL;
		v = v * 10 + (*c - '0');
	}
	*out = v;
	return 0;
}

int page_admin_offerings(struct req *r)
{
	struct offering_query q = { 0 };
	json_t *list = NULL, *filters = NULL, *data;
	char base[128], sel[24];
	int rc;

	if (query_id(r, "procedure", &q.procedure_id) != 0 ||
	    query_id(r, "desk", &q.desk_agency_id) != 0 ||
	    view_page_param(r, "page", OFFERING_PAGE_MAX, &q.page) != 0)
		return MC_EINVAL;
	rc = offering_list(r->db, &r->actor, &q, &list);
	if (rc == 0)
		rc = offering_filters(r->db, &r->actor, &filters);
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	snprintf(sel, sizeof(sel), "%" PRId64, q.procedure_id);
	mark_selected(json_object_get(filters, "procedures"), "id", sel);
	snprintf(sel, sizeof(sel), "%" PRId64, q.desk_agency_id);
	mark_selected(json_object_get(filters, "desks"), "id", sel);
	data = admin_page(r, "offerings");
	json_object_update(data, list);
	json_object_set_new(data, "filters", filters);
	json_object_set_new(data, "filtered", json_boolean(q.procedure_id > 0 || q.desk_agency_id > 0));
	json_decref(list);
	snprintf(base, sizeof(base), "/admin/offerings?procedure=%s&desk=%s&",
	         view_query(r, "procedure"), view_query(r, "desk"));
	add_pager(data, base, q.page, json_integer_value(json_object_get(data, "pages")));
	respond_page(r, 200, "admin/offerings", data);
	return 0;
}

/*
 * Render the offering form: new (offering 0) or offering 'id' ('offering', taken, its stored
 * description).  'values' (taken) is what the selects show.
 */
static int offering_form(struct req *r, int status, int64_t id, json_t *offering, json_t *values,
                         const struct field_errors *errs)
{
	json_t *choices = NULL, *data, *group;
	size_t i;
	int rc = offering_choices(r->db, &r->actor, id, &choices);

	if (rc != 0) {
		json_decref(offering);
		json_decref(values);
		return rc;
	}
	mark_selected(json_object_get(choices, "procedures"), "id",
	              json_string_value(json_object_get(values, "procedure_id")));
	/* An agency administrator often has one desk in its scope: offer it chosen. */
	if (status == 200 && id == 0 && view_member(values, "desk_agency_id")[0] == '\0' &&
	    json_array_size(json_object_get(choices, "desks")) == 1) {
		json_t *desk = json_array_get(json_object_get(choices, "desks"), 0);
		char only[24];

		snprintf(only, sizeof(only), "%" JSON_INTEGER_FORMAT,
		         json_integer_value(json_object_get(desk, "id")));
		json_object_set_new(values, "desk_agency_id", json_string(only));
	}
	mark_selected(json_object_get(choices, "desks"), "id",
	              json_string_value(json_object_get(values, "desk_agency_id")));
	mark_selected(json_object_get(choices, "competents"), "id",
	              json_string_value(json_object_get(values, "competent_agency_id")));
	json_array_foreach(json_object_get(choices, "department_groups"), i, group)
		mark_selected(json_object_get(group, "departments"), "id",
		              json_string_value(json_object_get(values, "department_id")));
	{
		const char *wf = view_member(values, "workflow");
		json_t *w;
		size_t k;
		json_array_foreach(json_object_get(choices, "workflows"), k, w)
			json_object_set_new(w, "selected",
			                    json_boolean(strcmp(wf, view_member(w, "value")) == 0));
	}
	json_object_set_new(values, "online_checked",
	                    json_boolean(strcmp(view_member(values, "online"), "1") == 0));
	data = admin_page(r, "offerings");
	json_object_update(data, choices);
	json_decref(choices);
	json_object_set_new(data, "is_new", json_boolean(id == 0));
	if (offering != NULL)
		json_object_set_new(data, "offering", offering);
	view_form_page(r, status, "admin/offering_form", values, errs, data);
	return 0;
}

/* The posted offering form. */
static void read_offering_input(struct req *r, struct offering_input *in)
{
	in->procedure_id = view_field(r, "procedure_id");
	in->desk_agency_id = view_field(r, "desk_agency_id");
	in->competent_agency_id = view_field(r, "competent_agency_id");
	in->department_id = view_field(r, "department_id");
	in->online = view_field(r, "online");
	in->workflow = view_field(r, "workflow");
}

int page_admin_offering_new_form(struct req *r)
{
	json_t *values = json_pack("{s:s, s:s}", "workflow", "standard", "procedure_id",
	                           view_query(r, "procedure"));

	if (!actor_is_admin(&r->actor)) {
		json_decref(values);
		return MC_EFORBIDDEN;
	}
	return offering_form(r, 200, 0, NULL, values, NULL);
}

int page_admin_offering_create(struct req *r)
{
	struct offering_input in;
	struct field_errors errs;
	int64_t id = 0;
	int rc;

	read_offering_input(r, &in);
	rc = offering_create(r->db, &r->actor, now_ms(r), &in, &errs, &id);
	if (rc == MC_EINVAL)
		return offering_form(r, 422, 0, NULL,
		                     view_kept_values(r, offering_fields, COUNT(offering_fields)), &errs);
	if (rc != 0)
		return rc;
	redirect_to(r, "offerings", id, "?saved=1");
	return 0;
}

int page_admin_offering(struct req *r)
{
	json_t *o = NULL, *values;
	char p[24], d[24], c[24], dep[24];
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	rc = offering_get(r->db, &r->actor, id, &o);
	if (rc != 0)
		return rc;
	snprintf(p, sizeof(p), "%" JSON_INTEGER_FORMAT,
	         json_integer_value(json_object_get(o, "procedure_id")));
	snprintf(d, sizeof(d), "%" JSON_INTEGER_FORMAT,
	         json_integer_value(json_object_get(o, "desk_agency_id")));
	snprintf(c, sizeof(c), "%" JSON_INTEGER_FORMAT,
	         json_integer_value(json_object_get(o, "competent_agency_id")));
	snprintf(dep, sizeof(dep), "%" JSON_INTEGER_FORMAT,
	         json_integer_value(json_object_get(o, "department_id")));
	values = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "procedure_id", p, "desk_agency_id", d,
	                   "competent_agency_id", c, "department_id", strcmp(dep, "0") == 0 ? "" : dep,
	                   "online", json_is_true(json_object_get(o, "online")) ? "1" : "", "workflow",
	                   json_object_get(o, "workflow"));
	return offering_form(r, 200, id, o, values, NULL);
}

int page_admin_offering_update(struct req *r)
{
	struct offering_input in;
	struct field_errors errs;
	json_t *o = NULL;
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	read_offering_input(r, &in);
	rc = offering_update(r->db, &r->actor, now_ms(r), id, &in, &errs);
	if (rc == MC_EINVAL) {
		rc = offering_get(r->db, &r->actor, id, &o);
		if (rc != 0)
			return rc;
		return offering_form(r, 422, id, o,
		                     view_kept_values(r, offering_fields, COUNT(offering_fields)), &errs);
	}
	if (rc != 0)
		return rc;
	redirect_to(r, "offerings", id, "?saved=1");
	return 0;
}

static int offering_active(struct req *r, int active)
{
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		return rc;
	rc = offering_set_active(r->db, &r->actor, now_ms(r), id, active);
	if (rc != 0)
		return rc;
	redirect_to(r, "offerings", id, "?saved=1");
	return 0;
}

int page_admin_offering_deactivate(struct req *r)
{
	return offering_active(r, 0);
}

int page_admin_offering_activate(struct req *r)
{
	return offering_active(r, 1);
}
