/* pages_catalog.c: the public procedure catalogue: search list, detail, template downloads. */
#include "web/pages.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <uninorm.h>
#include <unistr.h>

#include "domain/catalog.h"
#include "http/req.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/utf8.h"
#include "web/view.h"

/* Page links shown on each side of the current page (then "…" and the first or last page). */
#define PAGING_WINDOW 2

/* ---- query parameters ---- */

/* The search as read from the query string, kept as typed for the form and the links. */
struct services_params {
	const char *text, *field, *level, *agency, *applicant, *mode;
	int page;
	int64_t agency_id;
};

static int one_of(const char *v, const char *const *allowed)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(v, *allowed) == 0)
			return 1;
	return 0;
}

/* Parse a positive decimal integer of at most 'max'; no sign, no leading zero.  0 or MC_EINVAL. */
static int parse_positive(const char *s, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (s[0] < '1' || s[0] > '9')
		return MC_EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return MC_EINVAL;
		v = v * 10 + (*s - '0');
		if (v > max)
			return MC_EINVAL;
	}
	*out = v;
	return 0;
}

/* A value of the query: "" when absent.  Empty values mean "any" (a select left on "Tất cả"). */
static const char *param(const struct form *f, const char *name)
{
	const char *v = form_get(f, name);

	return v ? v : "";
}

/*
 * Read and check the search parameters.  A value that cannot be right (a page that is not a
 * number from 1 to CATALOG_PAGE_MAX, an unknown level, applicant or mode, an agency that is
 * not a number, text over CATALOG_TEXT_MAX_CHARS characters) is MC_EINVAL: the page answers
 * 400 rather than quietly showing something else than what was asked.
 */
static int services_params_read(struct req *r, struct services_params *p)
{
	static const char *const levels[] = { "central", "province", "commune", NULL };
	static const char *const applicants[] = { "citizen", "business", NULL };
	static const char *const modes[] = { "info", "forms", "partial", "full", NULL };
	const struct form *f;
	const char *page;
	int64_t v;
	int rc;

	rc = req_query(r, &f);
	if (rc != 0)
		return rc;
	p->text = param(f, "q");
	p->field = param(f, "field");
	p->level = param(f, "level");
	p->agency = param(f, "agency");
	p->applicant = param(f, "applicant");
	p->mode = param(f, "mode");
	page = param(f, "page");
	p->page = 1;
	p->agency_id = 0;
	/* Query values are valid UTF-8 in NFC (form_parse_query). */
	if (u8_mbsnlen((const uint8_t *)p->text, strlen(p->text)) > CATALOG_TEXT_MAX_CHARS ||
	    u8_mbsnlen((const uint8_t *)p->field, strlen(p->field)) > CATALOG_FIELD_MAX_CHARS)
		return MC_EINVAL;
	if ((p->level[0] && !one_of(p->level, levels)) ||
	    (p->applicant[0] && !one_of(p->applicant, applicants)) ||
	    (p->mode[0] && !one_of(p->mode, modes)))
		return MC_EINVAL;
	if (p->agency[0]) {
		if (parse_positive(p->agency, INT64_MAX / 10, &v) != 0)
			return MC_EINVAL;
		p->agency_id = v;
	}
	if (page[0]) {
		if (parse_positive(page, CATALOG_PAGE_MAX, &v) != 0)
			return MC_EINVAL;
		p->page = (int)v;
	}
	return 0;
}

/* ---- links ---- */


/* "/services?" and the search's non-empty parameters, each followed by '&', so a page link is
 * this plus "page=N".  On the request's pool. */
static const char *services_base_url(struct req *r, const struct services_params *p)
{
	const struct {
		const char *name, *value;
	} kv[] = {
		{ "q", p->text }, { "field", p->field }, { "level", p->level },
		{ "agency", p->agency }, { "applicant", p->applicant }, { "mode", p->mode },
	};
	struct buf b;

	buf_init(&b, r->pool);
	if (buf_puts(&b, "/services?") != 0)
		return NULL;
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		if (kv[i].value[0] == '\0')
			continue;
		if (buf_printf(&b, "%s=", kv[i].name) != 0 || view_pct_append(&b, kv[i].value) != 0 ||
		    buf_putc(&b, '&') != 0)
			return NULL;
	}
	return b.data;
}

static json_t *page_url(struct req *r, const char *base, int64_t page)
{
	struct buf b;

	buf_init(&b, r->pool);
	if (buf_printf(&b, "%spage=%" PRId64, base, page) != 0)
		return NULL;
	return json_string(b.data);
}

/*
 * The paging links: previous, next, the first and last pages, and PAGING_WINDOW pages on each
 * side of the current one, with gaps marked.  NULL when memory runs out.
 */
static json_t *paging(struct req *r, const char *base, int64_t page, int64_t pages)
{
	json_t *pg = json_object(), *list = json_array();
	int64_t last_shown = 0;

	if (pg == NULL || list == NULL)
		goto fail;
	for (int64_t i = 1; i <= pages; i++) {
		json_t *item;

		if (i != 1 && i != pages && (i < page - PAGING_WINDOW || i > page + PAGING_WINDOW))
			continue;
		if (last_shown != 0 && i > last_shown + 1 &&
		    json_array_append_new(list, json_pack("{s:b}", "gap", 1)) != 0)
			goto fail;
		item = json_pack("{s:I, s:o, s:b}", "number", (json_int_t)i, "url",
		                 page_url(r, base, i), "current", i == page);
		if (item == NULL || json_array_append_new(list, item) != 0)
			goto fail;
		last_shown = i;
	}
	if (json_object_set_new(pg, "pages", list) != 0)
		goto fail_pg;
	list = NULL;
	if (page > 1 && page <= pages &&
	    json_object_set_new(pg, "prev_url", page_url(r, base, page - 1)) != 0)
		goto fail_pg;
	if (page < pages && json_object_set_new(pg, "next_url", page_url(r, base, page + 1)) != 0)
		goto fail_pg;
	return pg;
fail:
	json_decref(list);
fail_pg:
	json_decref(pg);
	return NULL;
}

/* ---- the search list ---- */

/* Mark the choice of 'arr' (objects) whose member 'key' equals 'value' as "selected". */
static void mark_selected(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		json_t *v = json_object_get(e, key);
		int sel = json_is_string(v) ? strcmp(json_string_value(v), value) == 0
		          : json_is_integer(v) && value[0] != '\0' &&
		            strtoll(value, NULL, 10) == json_integer_value(v);

		json_object_set_new(e, "selected", json_boolean(sel));
	}
}

/* The field names as choices { "value", "selected" }, so the template needs no comparison. */
static json_t *field_choices(json_t *fields, const char *current, int *found)
{
	json_t *arr = json_array(), *e;
	size_t i;

	*found = 0;
	if (arr == NULL)
		return NULL;
	json_array_foreach(fields, i, e) {
		int sel = strcmp(json_string_value(e), current) == 0;

		*found |= sel;
		json_array_append_new(arr, json_pack("{s:O, s:b}", "value", e, "selected", sel));
	}
	return arr;
}

int page_services(struct req *r)
{
	struct services_params p;
	struct catalog_query q;
	json_t *result = NULL, *filters = NULL, *data = NULL, *fields;
	const char *base;
	int64_t total, pages;
	int found, rc;

	rc = services_params_read(r, &p);
	if (rc == MC_EINVAL) {
		respond_error(r, 400);
		return 0;
	}
	if (rc != 0)
		return rc;
	memset(&q, 0, sizeof(q));
	q.text = p.text;
	q.field = p.field;
	q.level = p.level;
	q.agency_id = p.agency_id;
	q.applicant_type = p.applicant;
	q.service_mode = p.mode;
	q.page = p.page;
	q.per_page = CATALOG_PER_PAGE;
	rc = catalog_search(r->db, &q, &result);
	if (rc == 0)
		rc = catalog_filters(r->db, &filters);
	if (rc != 0)
		goto out;
	base = services_base_url(r, &p);
	if (base == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	total = json_integer_value(json_object_get(result, "total"));
	pages = json_integer_value(json_object_get(result, "pages"));

	/* The choices, with the current ones selected.  A field no active procedure has any more
	 * (an old link) still shows as chosen, so the form says what the list was filtered by. */
	fields = field_choices(json_object_get(filters, "fields"), p.field, &found);
	if (fields == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if (p.field[0] && !found)
		json_array_append_new(fields, json_pack("{s:s, s:b}", "value", p.field, "selected", 1));
	json_object_set_new(filters, "field_choices", fields);
	mark_selected(json_object_get(filters, "agencies"), "id", p.agency);
	mark_selected(json_object_get(filters, "levels"), "value", p.level);
	mark_selected(json_object_get(filters, "applicant_types"), "value", p.applicant);
	mark_selected(json_object_get(filters, "service_modes"), "value", p.mode);

	data = json_pack("{s:O, s:O, s:{s:s, s:s, s:s, s:s, s:s, s:s}}", "result", result,
	                 "filters", filters, "query", "q", p.text, "field", p.field, "level",
	                 p.level, "agency", p.agency, "applicant", p.applicant, "mode", p.mode);
	if (data == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	json_object_set_new(data, "filtered",
	                    json_boolean(p.text[0] || p.field[0] || p.level[0] || p.agency[0] ||
	                                 p.applicant[0] || p.mode[0]));
	json_object_set_new(data, "has_items",
	                    json_boolean(json_array_size(json_object_get(result, "items")) > 0));
	json_object_set_new(data, "no_match", json_boolean(total == 0));
	/* Past the last page: say so and link back rather than showing an empty list silently. */
	json_object_set_new(data, "beyond_end", json_boolean(total > 0 && p.page > pages));
	if (total > 0 && p.page > pages)
		json_object_set_new(data, "last_url", page_url(r, base, pages));
	if (pages > 1 || (total > 0 && p.page > pages)) {
		json_t *pg = paging(r, base, p.page, pages);

		if (pg == NULL) {
			rc = MC_ENOMEM;
			goto out;
		}
		json_object_set_new(data, "paging", pg);
	}
	respond_page(r, 200, "services/list", data);
	data = NULL;
out:
	json_decref(data);
	json_decref(result);
	json_decref(filters);
	return rc;
}

/* ---- the detail page ---- */

int page_service(struct req *r)
{
	const char *code = req_param(r, "code");
	json_t *d = NULL;
	int rc;

	if (code == NULL)
		return MC_ENOTFOUND;
	rc = catalog_detail(r->db, code, &d);
	if (rc != 0)
		return rc;
	json_object_set_new(d, "has_fees",
	                    json_boolean(json_array_size(json_object_get(d, "fees")) > 0));
	json_object_set_new(d, "has_documents",
	                    json_boolean(json_array_size(json_object_get(d, "documents")) > 0));
	json_object_set_new(d, "has_offerings",
	                    json_boolean(json_array_size(json_object_get(d, "offerings")) > 0));
	respond_page(r, 200, "services/detail", d);
	return 0;
}

/* ---- template downloads ---- */


/* A media type safe to send as Content-Type: printable ASCII without quotes or backslashes,
 * with a '/'; anything else goes out as application/octet-stream. */
static const char *safe_media_type(const char *t)
{
	if (t == NULL || strchr(t, '/') == NULL || strlen(t) > 255)
		return "application/octet-stream";
	for (const char *c = t; *c != '\0'; c++)
		if (*c < 0x20 || *c >= 0x7F || *c == '"' || *c == '\\')
			return "application/octet-stream";
	return t;
}


int page_service_template(struct req *r)
{
	const char *code = req_param(r, "code"), *doc = req_param(r, "doc");
	const char *name = req_param(r, "name");
	struct catalog_file f;
	char *stored = NULL, *body, *type;
	size_t storedlen;
	int64_t doc_id;
	int rc;

	memset(&f, 0, sizeof(f));
	if (code == NULL || doc == NULL || name == NULL ||
	    parse_positive(doc, INT64_MAX / 10, &doc_id) != 0)
		return MC_ENOTFOUND;
	rc = catalog_template(r->db, code, doc_id, &f);
	if (rc != 0)
		goto out;
	/* The name in the link must be the stored one (compared in NFC, as the path was decoded):
	 * one URL per file, and an old link to a renamed template is a 404, not a surprise. */
	if (utf8_to_nfc(r->pool, f.name, strlen(f.name), &stored, &storedlen) != 0 ||
	    strcmp(stored, name) != 0) {
		rc = MC_ENOTFOUND;
		goto out;
	}
	if ((rc = view_disposition(r, "attachment", stored)) != 0)
		goto out;
	body = h2o_mem_alloc_pool(r->pool, f.size ? f.size : 1);
	if (f.size)
		memcpy(body, f.data, f.size);
	h2o_add_header(r->pool, &r->h2o->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
	               H2O_STRLIT("no-cache"));
	/* respond_bytes keeps the pointer: the type must outlive 'f'. */
	type = h2o_strdup(r->pool, safe_media_type(f.media_type), SIZE_MAX).base;
	respond_bytes(r, 200, type, body, f.size);
	rc = 0;
out:
	catalog_file_free(&f);
	return rc;
}
