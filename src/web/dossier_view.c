/* dossier_view.c: how a dossier's answers and versions read on a page, for its owner and for
 * staff alike (dossier_view.h). */
#include "web/dossier_view.h"

#include <stdlib.h>
#include <string.h>

#include "domain/dossier.h"
#include "domain/filestore.h"
#include "domain/formschema.h"
#include "http/form.h"
#include "http/multipart.h"
#include "http/req.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "web/view.h"

#define INPUT_NAME_SIZE (sizeof(FORMSCHEMA_INPUT_PREFIX) + FORMSCHEMA_NAME_MAX)

/* The label of option 'value' of 'field', or 'value' itself when the form no longer has it. */
static const char *option_label(const json_t *field, const char *value)
{
	const json_t *opt;
	size_t i;

	json_array_foreach(json_object_get(field, "options"), i, opt)
		if (strcmp(view_member(opt, "value"), value) == 0)
			return view_member(opt, "label");
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
	const char *type = view_member(field, "type"), *s = json_string_value(v);
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
json_t *dossier_view_answers(h2o_mem_pool_t *pool, const json_t *schema, const json_t *values)
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
		view_put(s, "title", json_string(view_member(section, "title")), &rc);
		view_put(s, "items", items, &rc);
		if (rc != 0)
			goto fail;
		json_array_foreach(json_object_get(section, "fields"), j, field) {
			const char *a = answer_text(pool, field,
			                            json_object_get(values, view_member(field, "name")));

			if (a == NULL)
				goto fail;
			item = json_object();
			if (item == NULL || json_array_append_new(items, item) != 0)
				goto fail;
			view_put(item, "label", json_string(view_member(field, "label")), &rc);
			view_put(item, "lines", lines_of(a), &rc);
			view_put(item, "empty", json_boolean(a[0] == '\0'), &rc);
			if (rc != 0)
				goto fail;
		}
	}
	return list;
fail:
	json_decref(list);
	return NULL;
}

/* The field of 'schema' named 'name', or NULL. */
static const json_t *field_named(const json_t *schema, const char *name)
{
	const json_t *section, *field;
	size_t i, j;

	json_array_foreach(json_object_get(schema, "sections"), i, section)
		json_array_foreach(json_object_get(section, "fields"), j, field)
			if (strcmp(view_member(field, "name"), name) == 0)
				return field;
	return NULL;
}

/*
 * The submitted versions of 'd' for the history: [ { number, at, actor_name, reason_label,
 * first, changes: [ { label, before, after } ], files_added, files_removed } ], the answers
 * named by their labels and shown as on the page.  NULL with *rc set on failure.
 */
json_t *dossier_view_versions(struct req *r, const json_t *d, int *rc)
{
	const json_t *schema = json_object_get(d, "form"), *field;
	json_t *list = NULL, *v, *c;
	size_t i, j;

	if (*rc != 0)
		return NULL;
	*rc = dossier_versions(r->db, &r->actor, json_integer_value(json_object_get(d, "id")),
	                       &list);
	if (*rc != 0)
		return NULL;
	json_array_foreach(list, i, v) {
		json_object_del(v, "form_data");
		view_put(v, "first", json_boolean(i == 0), rc);
		json_array_foreach(json_object_get(v, "changes"), j, c) {
			const char *name = view_member(c, "name");
			const char *before, *after;

			field = field_named(schema, name);
			before = field != NULL ? answer_text(r->pool, field, json_object_get(c, "before"))
			                       : json_string_value(json_object_get(c, "before"));
			after = field != NULL ? answer_text(r->pool, field, json_object_get(c, "after"))
			                      : json_string_value(json_object_get(c, "after"));
			view_put(c, "label", json_string(field != NULL ? view_member(field, "label") : name), rc);
			view_put(c, "before", json_string(before != NULL ? before : ""), rc);
			view_put(c, "after", json_string(after != NULL ? after : ""), rc);
		}
	}
	if (*rc != 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/* (dossier_view.h) */
json_t *dossier_view_posted_answers(struct req *r, const json_t *schema, size_t shown)
{
	const struct form *f;
	const json_t *section, *field;
	json_t *out = json_object(), *v;
	char input[INPUT_NAME_SIZE];
	size_t i, j;

	if (out == NULL || req_form(r, &f) != 0)
		goto fail;
	json_array_foreach(json_object_get(schema, "sections"), i, section) {
		int on_page = shown == DOSSIER_VIEW_ALL_SECTIONS || i == shown;

		json_array_foreach(json_object_get(section, "fields"), j, field) {
			const char *name = view_member(field, "name"), *s;
			int checkbox = strcmp(view_member(field, "type"), "checkbox") == 0;

			snprintf(input, sizeof input, "%s%s", FORMSCHEMA_INPUT_PREFIX, name);
			if (checkbox && json_is_array(json_object_get(field, "options"))) {
				v = json_array();
				for (size_t k = 0; v != NULL && k < f->count; k++)
					if (strcmp(f->fields[k].name, input) == 0 &&
					    json_array_append_new(v, json_string(f->fields[k].value)) != 0) {
						json_decref(v);
						v = NULL;
					}
				/* Nothing ticked in a group on another step says nothing. */
				if (v != NULL && json_array_size(v) == 0 && !on_page) {
					json_decref(v);
					continue;
				}
			} else if ((s = form_get(f, input)) != NULL) {
				v = json_string(s);
			} else if (checkbox && on_page) {
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

/* (dossier_view.h) */
int dossier_view_uploads(struct req *r, struct dossier_upload **out, size_t *count)
{
	const struct multipart *mp = r->multipart;
	struct dossier_upload *u;
	int64_t doc;

	*out = NULL;
	*count = 0;
	if (mp == NULL)
		return 0;
	u = calloc(mp->count > 0 ? mp->count : 1, sizeof(*u));
	if (u == NULL)
		return MC_ENOMEM;
	*out = u;
	for (size_t i = 0; i < mp->count; i++) {
		const struct multipart_part *p = &mp->parts[i];
		void *copy;

		if (p->filename == NULL || strncmp(p->name, "doc_", 4) != 0 ||
		    (doc = view_positive_id(p->name + 4)) <= 0)
			continue;
		/* A file input left empty sends a part with no name and no bytes. */
		if (p->filename[0] == '\0' && p->len == 0)
			continue;
		/* The name is sanitised here, on the loop: the worker that stores the bytes quotes it,
		 * and the part's name lives in the request's pool, gone if the client leaves. */
		if (filestore_display_name(p->filename, u[*count].name, sizeof u[*count].name) != 0)
			return MC_ENOMEM;
		copy = malloc(p->len > 0 ? p->len : 1);
		if (copy == NULL)
			return MC_ENOMEM;
		if (p->len > 0)
			memcpy(copy, p->data, p->len);
		u[*count].document_id = doc;
		u[*count].filename = NULL;
		u[*count].data = copy;
		u[*count].len = p->len;
		(*count)++;
	}
	return 0;
}

