/*
 * fuzz_multipart.c: libFuzzer target for multipart_boundary and multipart_parse.  The input's
 * first line is the Content-Type header value, the rest the body.  When the Content-Type has no
 * valid boundary, "b" is used so the body is still parsed.  An odd first byte selects tight
 * limits.  Successful parses are written back out and parsed again: the result must not change.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/multipart.h"
#include "lib/err.h"
#include "lib/utf8.h"
#include "limit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_bchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

/* NUL-terminated, valid UTF-8 with no forbidden control, already NFC. */
static void check_text(h2o_mem_pool_t *pool, const char *s, size_t len)
{
	char *again;
	size_t again_len;

	if (s == NULL || s[len] != '\0' || strlen(s) != len)
		abort();
	if (utf8_to_nfc(pool, s, len, &again, &again_len) != 0 || again_len != len ||
	    memcmp(again, s, len) != 0)
		abort();
}

static void check(h2o_mem_pool_t *pool, const struct multipart *m, const char *body, size_t len,
                  const struct multipart_limits *lim)
{
	const struct multipart_part *pt;
	size_t i, j;

	if (m->count > lim->max_parts || (m->count > 0 && m->parts == NULL))
		abort();
	for (i = 0; i < m->count; i++) {
		pt = &m->parts[i];
		check_text(pool, pt->name, strlen(pt->name));
		if (pt->content_type == NULL || pt->content_type[0] == '\0')
			abort();
		for (j = 0; pt->content_type[j]; j++)
			if ((unsigned char)pt->content_type[j] < 0x20 &&
			    pt->content_type[j] != '\t')
				abort();
		if (pt->filename != NULL) {
			check_text(pool, pt->filename, strlen(pt->filename));
			if (strchr(pt->filename, '\r') != NULL || strchr(pt->filename, '\n') != NULL)
				abort();
			if (pt->data < body || pt->len > len || pt->data + pt->len > body + len)
				abort();
		} else {
			if (pt->len > lim->max_field_bytes)
				abort();
			check_text(pool, pt->data, pt->len);
		}
	}
}

/* Append s[0..len) to the heap buffer *b (length *blen). */
static void put(char **b, size_t *blen, const char *s, size_t len)
{
	char *p = realloc(*b, *blen + len + 1);

	if (p == NULL)
		abort();
	if (len)
		memcpy(p + *blen, s, len);
	*blen += len;
	*b = p;
}

static void put_quoted(char **b, size_t *blen, const char *s)
{
	put(b, blen, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			put(b, blen, "\\", 1);
		put(b, blen, s, 1);
	}
	put(b, blen, "\"", 1);
}

/*
 * Write 'm' back out with 'boundary' and parse it again: same parts.  Skipped when a plain
 * field holds the delimiter, which NFC can create (U+212A KELVIN SIGN becomes 'K').
 */
static void round_trip(h2o_mem_pool_t *pool, const struct multipart *m, const char *boundary,
                       const struct multipart_limits *lim)
{
	struct multipart_limits wide = *lim;
	const struct multipart_part *pt, *qt;
	char delim[80], *b = NULL;
	size_t blen = 0, dlen, i;
	struct multipart again;

	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	for (i = 0; i < m->count; i++) {
		pt = &m->parts[i];
		if (pt->filename == NULL && memmem(pt->data, pt->len, delim + 2, dlen - 2) != NULL)
			goto out;
		put(&b, &blen, delim + (i == 0 ? 2 : 0), i == 0 ? dlen - 2 : dlen);
		put(&b, &blen, "\r\nContent-Disposition: form-data; name=", 39);
		put_quoted(&b, &blen, pt->name);
		if (pt->filename != NULL) {
			put(&b, &blen, "; filename=", 11);
			put_quoted(&b, &blen, pt->filename);
		}
		put(&b, &blen, "\r\nContent-Type: ", 16);
		put(&b, &blen, pt->content_type, strlen(pt->content_type));
		put(&b, &blen, "\r\n\r\n", 4);
		put(&b, &blen, pt->data, pt->len);
	}
	put(&b, &blen, delim + (m->count == 0 ? 2 : 0), m->count == 0 ? dlen - 2 : dlen);
	put(&b, &blen, "--\r\n", 4);
	wide.max_header_bytes = SIZE_MAX;
	wide.max_total_bytes = SIZE_MAX;
	if (multipart_parse(pool, boundary, b, blen, &wide, &again) != 0 || again.count != m->count)
		abort();
	for (i = 0; i < m->count; i++) {
		pt = &m->parts[i];
		qt = &again.parts[i];
		if (strcmp(pt->name, qt->name) != 0 || strcmp(pt->content_type, qt->content_type) != 0 ||
		    (pt->filename == NULL) != (qt->filename == NULL) ||
		    (pt->filename != NULL && strcmp(pt->filename, qt->filename) != 0) ||
		    pt->len != qt->len || (pt->len && memcmp(pt->data, qt->data, pt->len) != 0))
			abort();
	}
out:
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *nl, *boundary, *body;
	struct multipart_limits lim = multipart_default_limits();
	h2o_mem_pool_t pool;
	struct multipart m;
	size_t ctlen, len, i;
	int rc;

	h2o_mem_init_pool(&pool);
	nl = memchr(in, '\n', size);
	if (nl == NULL)
		goto out;
	ctlen = (size_t)(nl - in);
	rc = multipart_boundary(&pool, in, ctlen, &boundary);
	if (rc == 0) {
		len = strlen(boundary);
		if (len == 0 || len > LIMIT_MULTIPART_BOUNDARY_BYTES || boundary[len - 1] == ' ')
			abort();
		for (i = 0; i < len; i++)
			if (!is_bchar((unsigned char)boundary[i]))
				abort();
	} else if (rc != MC_EINVAL || boundary != NULL) {
		abort();
	} else {
		boundary = "b";
	}
	if (size > 0 && (data[0] & 1)) {
		lim.max_parts = 4;
		lim.max_header_bytes = 128;
		lim.max_total_bytes = 4096;
		lim.max_field_bytes = 64;
	}
	body = nl + 1;
	len = size - ctlen - 1;
	rc = multipart_parse(&pool, boundary, body, len, &lim, &m);
	if (rc != 0) {
		if ((rc != MC_EINVAL && rc != MC_ETOOBIG) || m.parts != NULL || m.count != 0)
			abort();
		goto out;
	}
	if (len > lim.max_total_bytes)
		abort();
	check(&pool, &m, body, len, &lim);
	round_trip(&pool, &m, boundary, &lim);
out:
	h2o_mem_clear_pool(&pool);
	return 0;
}
