/* view.c: small helpers the page handlers share. */
#include "web/view.h"

#include <stdlib.h>
#include <string.h>

#include <uninorm.h>
#include <unistr.h>

#include "http/req.h"
#include "lib/buf.h"
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

const char *view_member(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

void view_put(json_t *o, const char *key, json_t *v, int *rc)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*rc = MC_ENOMEM;
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

int64_t view_positive_id(const char *s)
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
	int64_t v = view_positive_id(req_param(r, name));

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
	v = view_positive_id(s);
	if (v <= 0 || v > max)
		return MC_EINVAL;
	*out = (int)v;
	return 0;
}

/* ---- downloads ---- */

/* Append 's' percent-encoded for a query component or an RFC 5987 value (unreserved characters
 * stay, everything else is %XX, so the result holds nothing HTML or headers care about). */
int view_pct_append(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		int rc;

		if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		    *c == '-' || *c == '.' || *c == '_' || *c == '~')
			rc = buf_putc(b, (char)*c);
		else
			rc = buf_printf(b, "%%%c%c", hex[*c >> 4], hex[*c & 15]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * An ASCII stand-in for file name 'name' (valid UTF-8) for the plain filename= parameter, for
 * clients that ignore filename*: Vietnamese letters lose their marks ("Tờ khai" -> "To khai"),
 * đ/Đ become d/D, and anything else outside printable ASCII, and the characters that are
 * special in a quoted string or to some clients (" \ % ;), becomes '_'.  On r's pool.
 */
static const char *ascii_fallback(struct req *r, const char *name)
{
	size_t len = strlen(name), nfdlen = 0, i = 0;
	uint8_t *nfd = u8_normalize(UNINORM_NFD, (const uint8_t *)name, len, NULL, &nfdlen);
	struct buf b;

	if (nfd == NULL)
		return NULL;
	buf_init(&b, r->pool);
	while (i < nfdlen) {
		ucs4_t c;
		int step = u8_mbtouc(&c, nfd + i, nfdlen - i);
		int rc = 0;

		i += (size_t)step;
		if (c >= 0x0300 && c <= 0x036F)
			continue; /* a combining mark */
		if (c == 0x0111 || c == 0x0110)
			rc = buf_putc(&b, c == 0x0111 ? 'd' : 'D');
		else if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\' || c == '%' || c == ';')
			rc = buf_putc(&b, '_');
		else
			rc = buf_putc(&b, (char)c);
		if (rc != 0) {
			free(nfd);
			return NULL;
		}
	}
	free(nfd);
	return b.data ? b.data : "";
}

/* 1 when 's' holds a control character (CR and LF included): never put into a header. */
static int has_control(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7F)
			return 1;
	return 0;
}

int view_disposition(struct req *r, const char *type, const char *name)
{
	const char *fallback;
	struct buf disp;

	/* Stored names hold no control characters; a header must never carry one all the same. */
	if (has_control(name))
		return MC_EIO;
	fallback = ascii_fallback(r, name);
	buf_init(&disp, r->pool);
	if (fallback == NULL ||
	    buf_printf(&disp, "%s; filename=\"%s\"; filename*=UTF-8''", type, fallback) != 0 ||
	    view_pct_append(&disp, name) != 0)
		return MC_ENOMEM;
	return respond_header(r, "content-disposition", disp.data) != 0 ? MC_EIO : 0;
}
