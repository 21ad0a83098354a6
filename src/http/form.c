/* form.c: query strings and application/x-www-form-urlencoded bodies. */
#include "http/form.h"

#include <string.h>

#include "lib/err.h"
#include "lib/utf8.h"
#include "limit.h"

int form_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode src[0..len) into dst (room for len bytes): '+' is a space, %XX a byte.  The decoded
 * length goes to *dlen.  MC_EINVAL: '%' not followed by two hex digits.
 */
static int form_decode(const char *src, size_t len, char *dst, size_t *dlen)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (src[i] == '+') {
			dst[n++] = ' ';
		} else if (src[i] == '%') {
			if (len - i < 3)
				return MC_EINVAL;
			hi = form_hex((unsigned char)src[i + 1]);
			lo = form_hex((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				return MC_EINVAL;
			dst[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			dst[n++] = src[i];
		}
	}
	*dlen = n;
	return 0;
}

/*
 * Decode one name or value through 'scratch' and normalise it into the pool.  MC_ETOOBIG when it
 * is over 'limit' bytes before or after normalisation (checking before spares NFC the work).
 */
static int form_text(h2o_mem_pool_t *pool, const char *src, size_t len, size_t limit,
                     char *scratch, char **out, size_t *outlen)
{
	size_t dlen = 0;
	int rc;

	rc = form_decode(src, len, scratch, &dlen);
	if (rc != 0)
		goto out;
	if (dlen > limit) {
		rc = MC_ETOOBIG;
		goto out;
	}
	rc = utf8_to_nfc(pool, scratch, dlen, out, outlen);
	if (rc != 0)
		goto out;
	if (*outlen > limit)
		rc = MC_ETOOBIG;
out:
	return rc;
}

/* The number of non-empty '&'-separated pieces of src[0..len). */
static size_t form_count_pieces(const char *src, size_t len)
{
	const char *p = src, *end = src + len, *amp;
	size_t n = 0;

	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp > p)
			n++;
		p = amp + 1;
	}
	return n;
}

static int form_parse(h2o_mem_pool_t *pool, const char *src, size_t len, struct form *out)
{
	const char *p = src, *end, *amp, *eq;
	struct form_field *fields = NULL;
	char *scratch = NULL, *name, *value;
	size_t n, i = 0, nlen, vlen;
	int rc = 0;

	out->fields = NULL;
	out->count = 0;
	/* src may be NULL when len is 0 (an empty query). */
	if (len == 0)
		goto out;
	end = src + len;
	n = form_count_pieces(src, len);
	if (n > LIMIT_FORM_FIELDS) {
		rc = MC_ETOOBIG;
		goto out;
	}
	if (n == 0)
		goto out;
	fields = h2o_mem_alloc_pool(pool, n * sizeof(*fields));
	/* Decoding never lengthens, so one scratch area of 'len' bytes serves every piece. */
	scratch = h2o_mem_alloc_pool(pool, len);
	if (fields == NULL || scratch == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp == p) {
			p = amp + 1;
			continue;
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		rc = form_text(pool, p, (size_t)((eq ? eq : amp) - p), LIMIT_FIELD_NAME_BYTES, scratch,
		               &name, &nlen);
		if (rc != 0)
			goto out;
		if (eq != NULL)
			rc = form_text(pool, eq + 1, (size_t)(amp - eq - 1), LIMIT_FIELD_VALUE_BYTES,
			               scratch, &value, &vlen);
		else
			rc = form_text(pool, "", 0, LIMIT_FIELD_VALUE_BYTES, scratch, &value, &vlen);
		if (rc != 0)
			goto out;
		fields[i].name = name;
		fields[i].value = value;
		fields[i].value_len = vlen;
		i++;
		p = amp + 1;
	}
	out->fields = fields;
	out->count = i;
out:
	return rc;
}

int form_parse_urlencoded(h2o_mem_pool_t *pool, const char *src, size_t len, struct form *out)
{
	out->fields = NULL;
	out->count = 0;
	if (len > LIMIT_FORM_BODY_BYTES)
		return MC_ETOOBIG;
	return form_parse(pool, src, len, out);
}

int form_parse_query(h2o_mem_pool_t *pool, const char *src, size_t len, struct form *out)
{
	out->fields = NULL;
	out->count = 0;
	if (len > LIMIT_QUERY_BYTES)
		return MC_ETOOBIG;
	return form_parse(pool, src, len, out);
}

const char *form_get(const struct form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->count; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return f->fields[i].value;
	return NULL;
}

size_t form_count(const struct form *f, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < f->count; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			n++;
	return n;
}
