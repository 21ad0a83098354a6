/* view.c: small helpers the page handlers share. */
#include "web/view.h"

#include <string.h>

#include "http/req.h"
#include "lib/err.h"

void view_form_page(struct req *r, int status, const char *tpl, json_t *values,
                    const struct field_errors *errs, json_t *extra)
{
	json_t *data = extra ? extra : json_object();
	json_t *list = json_array(), *by_field = json_object();

	if (errs != NULL)
		for (size_t i = 0; i < errs->count; i++) {
			json_array_append_new(list, json_pack("{s:s, s:s}", "field", errs->items[i].field,
			                                      "message", errs->items[i].message));
			json_object_set_new(by_field, errs->items[i].field,
			                    json_string(errs->items[i].message));
		}
	json_object_set_new(data, "csrf", json_string(req_csrf_token(r)));
	json_object_set_new(data, "values", values ? values : json_object());
	json_object_set_new(data, "errors", list);
	json_object_set_new(data, "err", by_field);
	json_object_set_new(data, "has_errors", json_boolean(errs != NULL && errs->count > 0));
	respond_page(r, status, tpl, data);
}

const char *view_field(struct req *r, const char *name)
{
	const struct form *f;
	const char *v;

	if (req_form(r, &f) != 0 || (v = form_get(f, name)) == NULL)
		return "";
	return v;
}

const char *view_query(struct req *r, const char *name)
{
	const struct form *q;
	const char *v;

	if (req_query(r, &q) != 0 || (v = form_get(q, name)) == NULL)
		return "";
	return v;
}

json_t *view_kept_values(struct req *r, const char *const *names, size_t n)
{
	const struct form *f;
	json_t *v = json_object();

	if (req_form(r, &f) != 0)
		return v;
	for (size_t i = 0; i < n; i++) {
		const char *s = form_get(f, names[i]);
		if (s != NULL)
			json_object_set_new(v, names[i], json_string(s));
	}
	return v;
}

/* A decimal of 1..18 digits without a leading zero, as a positive number; -1 otherwise. */
static int64_t positive_decimal(const char *s)
{
	int64_t v = 0;
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 18 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int view_id_param(struct req *r, const char *name, int64_t *out)
{
	int64_t v = positive_decimal(req_param(r, name));

	if (v <= 0)
		return MC_ENOTFOUND;
	*out = v;
	return 0;
}

int view_page_param(struct req *r, const char *name, int max, int *out)
{
	const char *s = view_query(r, name);
	int64_t v;

	*out = 1;
	if (s[0] == '\0')
		return 0;
	v = positive_decimal(s);
	if (v <= 0 || v > max)
		return MC_EINVAL;
	*out = (int)v;
	return 0;
}
