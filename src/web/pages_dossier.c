/* pages_dossier.c: the citizen's own dossiers (docs/dossiers.md): starting one from an offering,
 * filling and saving its form as a draft, the list "Hồ sơ của tôi", the detail with its
 * timeline, and withdrawing.  Handlers parse, call domain/dossier.c, render; which dossier a
 * citizen may see or change is decided there (anything not its own answers MC_ENOTFOUND). */
#include "web/pages.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "domain/dossier.h"
#include "domain/field_errors.h"
#include "domain/formschema.h"
#include "domain/procedure.h"
#include "http/req.h"
#include "http/server.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "web/view.h"

/* An id in a URL or a form: at most 18 decimal digits (view_id_param's rule). */
#define DOSSIER_ID_DIGITS_MAX 18
/* Every URL built here fits: "/dossiers/<id>?withdrawn=1", "/dossiers?page=<n>" ... */
#define DOSSIER_URL_SIZE 96
/* The name of a form control: the prefix and a field name. */
#define DOSSIER_INPUT_NAME_SIZE (sizeof(FORMSCHEMA_INPUT_PREFIX) + FORMSCHEMA_NAME_MAX)

/* ---- shared pieces ---- */

static int64_t now_ms(const struct req *r)
{
	return clock_now_ms(&r->app->clock);
}

/* String member 'key' of 'o', or "" when it is absent or not a string. */
static const char *member(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Set o[key] = v (taking v); a NULL v or a failure leaves MC_ENOMEM in *rc. */
static void put(json_t *o, const char *key, json_t *v, int *rc)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*rc = MC_ENOMEM;
}

/* 's' as a positive id: 1 to DOSSIER_ID_DIGITS_MAX decimal digits, no sign, no leading zero.
 * 0, or MC_ENOTFOUND for anything else (a malformed id names no record). */
static int parse_id(const char *s, int64_t *out)
{
	size_t n = strlen(s);
	int64_t v = 0;

	if (n == 0 || n > DOSSIER_ID_DIGITS_MAX || s[0] == '0')
		return MC_ENOTFOUND;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return MC_ENOTFOUND;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "/dossiers/<id><suffix>" into url (DOSSIER_URL_SIZE bytes). */
static const char *dossier_url(char *url, int64_t id, const char *suffix)
{
	snprintf(url, DOSSIER_URL_SIZE, "/dossiers/%" PRId64 "%s", id, suffix);
	return url;
}

/* The route's dossier id and the owner's view of it (dossier_get).  MC_ENOTFOUND for a
 * malformed id, an unknown one and another account's dossier alike. */
static int load_dossier(struct req *r, int64_t *id, json_t **d)
{
	int rc;

	*d = NULL;
	if ((rc = view_id_param(r, "id", id)) != 0)
		return rc;
	return dossier_get(r->db, &r->actor, *id, d);
}

/*
 * The form of dossier 'd''s procedure, as a new reference in *schema.  It is the procedure's
 * current form: the one dossier_save_form checks the answers against.  The catalogue is public,
 * so reading it needs no actor; the dossier itself was already read as its owner.
 */
static int dossier_schema(struct req *r, const json_t *d, json_t **schema)
{
	json_t *p = NULL;
	int rc;

	*schema = NULL;
	rc = procedure_load_json_by_id(r->db, json_integer_value(json_object_get(d, "procedure_id")),
	                               0, &p);
	if (rc == MC_ENOTFOUND)
		rc = MC_EDB; /* a dossier always points at its procedure */
	if (rc != 0)
		goto out;
	if (!json_is_object(json_object_get(p, "form"))) {
		rc = MC_EDB;
		goto out;
	}
	*schema = json_incref(json_object_get(p, "form"));
out:
	json_decref(p);
	return rc;
}

/* ---- starting a dossier ---- */

/*
 * GET /dossiers/new?offering=<id>: what the catalogue's "Nộp hồ sơ trực tuyến" button opens.
 * Creating a dossier changes state, so it takes a POST; this page asks for it with one button.
 * No domain call maps an offering to its procedure and desk for a citizen, so the page cannot
 * name them; the POST checks the offering.
 */
int page_dossier_new_form(struct req *r)
{
	const char *offering = view_query(r, "offering");
	json_t *data;
	int64_t id;
	int rc;


	if ((rc = parse_id(offering, &id)) != 0)
		return rc;
	if ((rc = dossier_offering_summary(r->db, &r->actor, id, &data)) != 0)
		return rc;
	json_object_set_new(data, "csrf", json_string(req_csrf_token(r)));
	respond_page(r, 200, "dossier/new", data);
	return 0;
}

/* POST /dossiers/new: start a draft for the posted offering, then to its form. */
int page_dossier_new(struct req *r)
{
	const char *refusal = NULL;
	char url[DOSSIER_URL_SIZE];
	int64_t offering, id;
	int rc;

	if ((rc = parse_id(view_field(r, "offering"), &offering)) != 0)
		return rc;
	rc = dossier_start(r->db, &r->actor, now_ms(r), offering, &id, &refusal);
	if (rc == MC_EFORBIDDEN && refusal != NULL) {
		/* The account cannot use this procedure (a business on a citizen's procedure ...):
		 * say why, in the domain's fixed words, never the request's. */
		respond_page(r, 403, "dossier/refused", json_pack("{s:s}", "reason", refusal));
		return 0;
	}
	if (rc != 0)
		return rc;
	respond_redirect(r, 303, dossier_url(url, id, "/form"));
	return 0;
}

/* ---- the form ---- */

/*
 * The answers posted for 'schema': for each declared field, its control's value.  A checkbox
 * group takes every posted value (the control repeats) and [] when none is ticked; a single
 * checkbox takes "" when unticked, since a browser posts nothing for it and the stored "1" must
 * go.  Other fields absent from the post are left out and keep their stored answers.  Controls
 * the form does not declare are dropped.  NULL when memory runs out or the body is unreadable.
 */
static json_t *posted_answers(struct req *r, const json_t *schema)
{
	const struct form *f;
	const json_t *section, *field;
	json_t *out = json_object(), *v;
	char input[DOSSIER_INPUT_NAME_SIZE];
	size_t i, j;

	if (out == NULL || req_form(r, &f) != 0)
		goto fail;
	json_array_foreach(json_object_get(schema, "sections"), i, section) {
		json_array_foreach(json_object_get(section, "fields"), j, field) {
			const char *name = member(field, "name"), *s;
			int checkbox = strcmp(member(field, "type"), "checkbox") == 0;

			snprintf(input, sizeof input, "%s%s", FORMSCHEMA_INPUT_PREFIX, name);
			if (checkbox && json_is_array(json_object_get(field, "options"))) {
				v = json_array();
				for (size_t k = 0; v != NULL && k < f->count; k++)
					if (strcmp(f->fields[k].name, input) == 0 &&
					    json_array_append_new(v, json_string(f->fields[k].value)) != 0) {
						json_decref(v);
						v = NULL;
					}
			} else if ((s = form_get(f, input)) != NULL) {
				v = json_string(s);
			} else if (checkbox) {
				v = json_string("");
			} else {
				continue;
			}
			if (v == NULL || json_object_set_new(out, name, v) != 0)
				goto fail;
		}
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

/*
 * Render the form of draft 'd' with 'schema': its stored answers, the answers' problems
 * ('errors', field name → message; NULL for none) and "Đã lưu nháp." when 'saved'.
 */
static int form_page(struct req *r, int status, const json_t *d, const json_t *schema,
                     const json_t *errors, int saved)
{
	json_t *view = NULL, *data = NULL;
	char today[16];
	int rc;

	clock_local_date(now_ms(r), today, sizeof today);
	rc = formschema_view(schema, json_object_get(d, "form_data"), errors, today, &view);
	if (rc != 0)
		goto out;
	data = json_object();
	if (data == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	put(data, "dossier", json_incref((json_t *)d), &rc);
	put(data, "form", view, &rc);
	view = NULL;
	put(data, "csrf", json_string(req_csrf_token(r)), &rc);
	put(data, "saved", json_boolean(saved), &rc);
	if (rc != 0)
		goto out;
	respond_page(r, status, "dossier/form", data);
	data = NULL;
out:
	json_decref(view);
	json_decref(data);
	return rc;
}

/* GET /dossiers/{id}/form: the draft's form with its stored answers.  A dossier that is no
 * longer a draft is shown instead (an old bookmark, the back button after submitting). */
int page_dossier_form(struct req *r)
{
	json_t *d = NULL, *schema = NULL;
	char url[DOSSIER_URL_SIZE];
	int64_t id;
	int rc;

	if ((rc = load_dossier(r, &id, &d)) != 0)
		goto out;
	if (!json_is_true(json_object_get(d, "can_edit"))) {
		respond_redirect(r, 303, dossier_url(url, id, ""));
		goto out;
	}
	if ((rc = dossier_schema(r, d, &schema)) != 0)
		goto out;
	rc = form_page(r, 200, d, schema, NULL, 0);
out:
	json_decref(schema);
	json_decref(d);
	return rc;
}

/*
 * POST /dossiers/{id}/form (action=save, the only action so far): save every posted answer,
 * then show the form again from what was stored, with the problems as information: a draft is
 * saved whatever its answers, and nothing typed is lost.  409 when it is no longer a draft.
 */
int page_dossier_form_save(struct req *r)
{
	const char *action = view_field(r, "action");
	json_t *d = NULL, *schema = NULL, *answers = NULL, *errors = NULL;
	int64_t id;
	int rc;

	if ((rc = load_dossier(r, &id, &d)) != 0)
		goto out;
	if (action[0] != '\0' && strcmp(action, "save") != 0) {
		rc = MC_EINVAL;
		goto out;
	}
	if ((rc = dossier_schema(r, d, &schema)) != 0)
		goto out;
	answers = posted_answers(r, schema);
	if (answers == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	rc = dossier_save_form(r->db, &r->actor, now_ms(r), id, answers, &errors);
	if (rc != 0)
		goto out; /* MC_ECONFLICT: no longer a draft, the 409 page */
	json_decref(d);
	if ((rc = dossier_get(r->db, &r->actor, id, &d)) != 0)
		goto out;
	rc = form_page(r, 200, d, schema, errors, 1);
out:
	json_decref(errors);
	json_decref(answers);
	json_decref(schema);
	json_decref(d);
	return rc;
}

/* ---- the list ---- */

/* GET /dossiers: "Hồ sơ của tôi", most recently changed first, DOSSIER_PER_PAGE a page. */
int page_dossiers(struct req *r)
{
	json_t *list = NULL, *data = NULL;
	json_int_t pages, total;
	char url[DOSSIER_URL_SIZE];
	int page, rc;

	if (view_page_param(r, "page", DOSSIER_PAGE_MAX, &page) != 0) {
		respond_error(r, 400);
		return 0;
	}
	if ((rc = dossier_list(r->db, &r->actor, page, &list)) != 0)
		goto out;
	pages = json_integer_value(json_object_get(list, "pages"));
	total = json_integer_value(json_object_get(list, "total"));
	data = json_object();
	if (data == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	put(data, "list", json_incref(list), &rc);
	put(data, "has_items", json_boolean(json_array_size(json_object_get(list, "items")) > 0),
	    &rc);
	put(data, "paged", json_boolean(pages > 1), &rc);
	/* Past the last page: say so and link back rather than pretending there is nothing. */
	put(data, "beyond_end", json_boolean(total > 0 && page > pages), &rc);
	if (page > 1) {
		json_int_t prev = page > pages ? pages : (json_int_t)page - 1;

		snprintf(url, sizeof url, "/dossiers?page=%" JSON_INTEGER_FORMAT, prev > 1 ? prev : 1);
		put(data, "prev_url", json_string(url), &rc);
	}
	if ((json_int_t)page < pages) {
		snprintf(url, sizeof url, "/dossiers?page=%d", page + 1);
		put(data, "next_url", json_string(url), &rc);
	}
	put(data, "pager", json_boolean(page > 1 || (json_int_t)page < pages), &rc);
	if (rc != 0)
		goto out;
	respond_page(r, 200, "dossier/list", data);
	data = NULL;
out:
	json_decref(data);
	json_decref(list);
	return rc;
}

/* ---- the detail ---- */

/* The label of option 'value' of 'field', or 'value' itself when the form no longer has it. */
static const char *option_label(const json_t *field, const char *value)
{
	const json_t *opt;
	size_t i;

	json_array_foreach(json_object_get(field, "options"), i, opt)
		if (strcmp(member(opt, "value"), value) == 0)
			return member(opt, "label");
	return value;
}

/* 1 when 's' is "YYYY-MM-DD" in shape (the canonical form of a valid date answer). */
static int is_iso_date(const char *s)
{
	static const char shape[] = "dddd-dd-dd";

	if (strlen(s) != sizeof shape - 1)
		return 0;
	for (size_t i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return 0;
	return 1;
}

/* The lines of 's' (an answer, LF-separated) as a list of strings, so a template shows a
 * multi-line address line by line without any markup built here. */
static json_t *lines_of(const char *s)
{
	json_t *list = json_array();

	while (list != NULL) {
		const char *nl = strchr(s, '\n');
		size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s);

		if (json_array_append_new(list, json_stringn(s, n)) != 0) {
			json_decref(list);
			return NULL;
		}
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	return list;
}

/*
 * How answer 'v' of 'field' reads on the detail page, as text: option labels instead of values
 * (a checkbox group's joined with ", "), "Có"/"Không" for a single checkbox, a date as
 * dd/mm/yyyy.  "" when there is no answer.  Built on 'pool' or returned as is; NULL when memory
 * runs out.
 */
static const char *answer_text(h2o_mem_pool_t *pool, const json_t *field, const json_t *v)
{
	const char *type = member(field, "type"), *s = json_string_value(v);
	int has_options = json_is_array(json_object_get(field, "options"));
	const json_t *item;
	struct buf b;
	size_t i;

	buf_init(&b, pool);
	if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			const char *value = json_string_value(item);

			if ((i > 0 && buf_puts(&b, ", ") != 0) ||
			    buf_puts(&b, option_label(field, value != NULL ? value : "")) != 0)
				return NULL;
		}
		return b.data != NULL ? b.data : "";
	}
	if (s == NULL || s[0] == '\0')
		return strcmp(type, "checkbox") == 0 && !has_options ? "Không" : "";
	if (strcmp(type, "checkbox") == 0 && !has_options)
		return strcmp(s, "1") == 0 ? "Có" : s;
	if (has_options)
		return option_label(field, s);
	if (strcmp(type, "date") == 0 && is_iso_date(s))
		return buf_printf(&b, "%.2s/%.2s/%.4s", s + 8, s + 5, s) == 0 ? b.data : NULL;
	return s;
}

/*
 * The answers of 'values' as the detail page shows them: [ { "title", "items": [ { "label",
 * "lines", "empty" } ] } ] in the form's order, with the labels of 'schema'.  NULL when memory
 * runs out.
 */
static json_t *answers_view(h2o_mem_pool_t *pool, const json_t *schema, const json_t *values)
{
	const json_t *section, *field;
	json_t *list = json_array(), *s, *items, *item;
	size_t i, j;
	int rc = 0;

	if (list == NULL)
		return NULL;
	json_array_foreach(json_object_get(schema, "sections"), i, section) {
		s = json_object();
		items = json_array();
		if (s == NULL || json_array_append_new(list, s) != 0) {
			json_decref(items);
			goto fail;
		}
		put(s, "title", json_string(member(section, "title")), &rc);
		put(s, "items", items, &rc);
		if (rc != 0)
			goto fail;
		json_array_foreach(json_object_get(section, "fields"), j, field) {
			const char *a = answer_text(pool, field,
			                            json_object_get(values, member(field, "name")));

			if (a == NULL)
				goto fail;
			item = json_object();
			if (item == NULL || json_array_append_new(items, item) != 0)
				goto fail;
			put(item, "label", json_string(member(field, "label")), &rc);
			put(item, "lines", lines_of(a), &rc);
			put(item, "empty", json_boolean(a[0] == '\0'), &rc);
			if (rc != 0)
				goto fail;
		}
	}
	return list;
fail:
	json_decref(list);
	return NULL;
}

/*
 * Render the detail of dossier 'd' with 'status'.  'reason' is the withdrawal reason to show
 * again and 'errs' its problem (both NULL for none); 'notice' a message above everything (a
 * refused withdrawal of a dossier that can no longer be withdrawn).
 */
static int detail_page(struct req *r, int status, const json_t *d, const char *reason,
                       const struct field_errors *errs, const char *notice)
{
	json_t *schema = NULL, *data = NULL, *values = NULL;
	int rc;

	if ((rc = dossier_schema(r, d, &schema)) != 0)
		goto out;
	data = json_object();
	values = json_object();
	if (data == NULL || values == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	put(data, "dossier", json_incref((json_t *)d), &rc);
	put(data, "answers", answers_view(r->pool, schema, json_object_get(d, "form_data")), &rc);
	put(data, "has_timeline", json_boolean(json_array_size(json_object_get(d, "timeline")) > 0),
	    &rc);
	put(data, "withdrawn_now", json_boolean(strcmp(view_query(r, "withdrawn"), "1") == 0), &rc);
	put(data, "reason_max", json_integer(DOSSIER_REASON_MAX), &rc);
	if (notice != NULL)
		put(data, "notice", json_string(notice), &rc);
	if (reason != NULL)
		put(values, "reason", json_string(reason), &rc);
	if (rc != 0)
		goto out;
	view_form_page(r, status, "dossier/detail", values, errs, data);
	values = data = NULL;
out:
	json_decref(values);
	json_decref(data);
	json_decref(schema);
	return rc;
}

/* GET /dossiers/{id}: status, procedure, desk, answers, timeline; the next step offered. */
int page_dossier(struct req *r)
{
	json_t *d = NULL;
	int64_t id;
	int rc;

	if ((rc = load_dossier(r, &id, &d)) != 0)
		goto out;
	rc = detail_page(r, 200, d, NULL, NULL, NULL);
out:
	json_decref(d);
	return rc;
}

/*
 * POST /dossiers/{id}/withdraw: withdraw with the posted reason, then to the detail.  A reason
 * refused (missing, too long) shows the detail again with 422, the message beside the field and
 * the reason kept; a dossier whose status no longer allows it, with 409 and the domain's reason.
 */
int page_dossier_withdraw(struct req *r)
{
	const char *reason = view_field(r, "reason"), *refusal = NULL;
	struct field_errors errs;
	char url[DOSSIER_URL_SIZE];
	json_t *d = NULL;
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		goto out;
	rc = dossier_withdraw(r->db, &r->actor, now_ms(r), id, reason, &refusal);
	if (rc == 0) {
		respond_redirect(r, 303, dossier_url(url, id, "?withdrawn=1"));
		goto out;
	}
	if (rc != MC_EINVAL && rc != MC_ECONFLICT)
		goto out;
	if (refusal == NULL)
		refusal = rc == MC_EINVAL ? "Vui lòng nhập lý do rút hồ sơ."
		                          : "Hồ sơ ở trạng thái này không thể rút.";
	if (rc == MC_EINVAL) {
		field_errors_init(&errs);
		field_errors_add(&errs, "reason", refusal);
		if ((rc = dossier_get(r->db, &r->actor, id, &d)) != 0)
			goto out;
		rc = detail_page(r, 422, d, reason, &errs, NULL);
	} else {
		if ((rc = dossier_get(r->db, &r->actor, id, &d)) != 0)
			goto out;
		rc = detail_page(r, 409, d, NULL, NULL, refusal);
	}
out:
	json_decref(d);
	return rc;
}
