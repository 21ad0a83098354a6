/* multipart.c: multipart/form-data request bodies (RFC 7578, RFC 2046 §5.1). */
#include "http/multipart.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "lib/err.h"
#include "lib/utf8.h"
#include "limit.h"

/* One parameter of a header value; 'value' is unescaped (pool memory when it was quoted). */
struct mp_param {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* What a part's header block says. */
struct mp_headers {
	const char *disposition; /* Content-Disposition value, trimmed, not NUL-terminated */
	size_t disposition_len;
	const char *content_type; /* Content-Type value, trimmed, or NULL */
	size_t content_type_len;
};

/* 1 when 'c' is an RFC 7230 tchar. */
static int mp_is_tchar(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return 1;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* 1 when 'c' may appear in a header value: HTAB, visible ASCII, space, or a non-ASCII byte. */
static int mp_is_vchar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* 1 when 'c' is in RFC 2046's bcharsnospace. */
static int mp_is_bchar(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return 1;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return 1;
	return c != '\0' && strchr("'()+_,-./:=?", c) != NULL;
}

/* 1 when 'c' may appear in an unquoted parameter value (lenient: non-ASCII bytes too). */
static int mp_is_bare(unsigned char c)
{
	return c > 0x20 && c != 0x7f && c != ';' && c != '"';
}

static const char *mp_skip_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* 1 when s[0..len) equals the NUL-terminated 'lit', ignoring ASCII case. */
static int mp_eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

/*
 * Read a quoted-string starting at *pp (on the opening DQUOTE).  A backslash escapes only '"' and
 * '\'; before any other character it stays literal, so a Windows path sent unescaped keeps its
 * backslashes.  MC_EINVAL: no closing DQUOTE or a control character.
 */
static int mp_quoted(h2o_mem_pool_t *pool, const char **pp, const char *end, const char **value,
                     size_t *value_len)
{
	const char *start = *pp + 1, *p = start;
	char *dst;
	size_t n = 0;

	while (p < end && *p != '"') {
		if (!mp_is_vchar((unsigned char)*p))
			return MC_EINVAL;
		if (*p == '\\' && end - p >= 2 && (p[1] == '"' || p[1] == '\\'))
			p++;
		p++;
	}
	if (p == end)
		return MC_EINVAL;
	dst = h2o_mem_alloc_pool(pool, (size_t)(p - start) + 1);
	if (dst == NULL)
		return MC_ENOMEM;
	for (; start < p; start++) {
		if (*start == '\\' && (start[1] == '"' || start[1] == '\\'))
			start++;
		dst[n++] = *start;
	}
	dst[n] = '\0';
	*value = dst;
	*value_len = n;
	*pp = p + 1;
	return 0;
}

/*
 * Read the next parameter at *pp: OWS ';' OWS token '=' (quoted-string | bare value) OWS, where a
 * bare value is a run of bytes other than controls, SP, HTAB, ';' and DQUOTE.  Returns 1 with
 * *param filled, 0 at the end (a trailing ';' is tolerated), MC_EINVAL when malformed.
 */
static int mp_next_param(h2o_mem_pool_t *pool, const char **pp, const char *end,
                         struct mp_param *param)
{
	const char *p = mp_skip_ows(*pp, end), *v;
	int rc;

	if (p == end)
		return 0;
	if (*p != ';')
		return MC_EINVAL;
	p = mp_skip_ows(p + 1, end);
	if (p == end) {
		*pp = p;
		return 0;
	}
	param->name = p;
	while (p < end && mp_is_tchar((unsigned char)*p))
		p++;
	param->name_len = (size_t)(p - param->name);
	if (param->name_len == 0)
		return MC_EINVAL;
	p = mp_skip_ows(p, end);
	if (p == end || *p != '=')
		return MC_EINVAL;
	p = mp_skip_ows(p + 1, end);
	if (p < end && *p == '"') {
		rc = mp_quoted(pool, &p, end, &param->value, &param->value_len);
		if (rc != 0)
			return rc;
	} else {
		v = p;
		while (p < end && mp_is_bare((unsigned char)*p))
			p++;
		if (p == v)
			return MC_EINVAL;
		param->value = v;
		param->value_len = (size_t)(p - v);
	}
	*pp = p;
	return 1;
}

struct multipart_limits multipart_default_limits(void)
{
	struct multipart_limits lim = {
		.max_parts = LIMIT_MULTIPART_PARTS,
		.max_header_bytes = LIMIT_MULTIPART_HEADER_BYTES,
		.max_total_bytes = LIMIT_BODY_BYTES,
		.max_field_bytes = LIMIT_FIELD_VALUE_BYTES,
	};

	return lim;
}

/* 1 when b[0..len) is a valid RFC 2046 boundary: 1..70 bchars, not ending in a space. */
static int mp_boundary_ok(const char *b, size_t len)
{
	size_t i;

	if (len == 0 || len > LIMIT_MULTIPART_BOUNDARY_BYTES || b[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++)
		if (b[i] != ' ' && !mp_is_bchar((unsigned char)b[i]))
			return 0;
	return 1;
}

int multipart_boundary(h2o_mem_pool_t *pool, const char *content_type, size_t len,
                       const char **boundary)
{
	const char *p = content_type, *end, *type, *found = NULL;
	struct mp_param param;
	size_t found_len = 0;
	char *copy;
	int rc;

	*boundary = NULL;
	if (len == 0) {
		rc = MC_EINVAL;
		goto out;
	}
	end = content_type + len;
	p = mp_skip_ows(p, end);
	type = p;
	while (p < end && (mp_is_tchar((unsigned char)*p) || *p == '/'))
		p++;
	if (!mp_eq(type, (size_t)(p - type), "multipart/form-data")) {
		rc = MC_EINVAL;
		goto out;
	}
	while ((rc = mp_next_param(pool, &p, end, &param)) == 1) {
		if (!mp_eq(param.name, param.name_len, "boundary"))
			continue;
		/* Two boundaries would let two parsers disagree on where parts end. */
		if (found != NULL) {
			rc = MC_EINVAL;
			goto out;
		}
		found = param.value;
		found_len = param.value_len;
	}
	if (rc < 0)
		goto out;
	if (found == NULL || !mp_boundary_ok(found, found_len)) {
		rc = MC_EINVAL;
		goto out;
	}
	copy = h2o_mem_alloc_pool(pool, found_len + 1);
	if (copy == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	memcpy(copy, found, found_len);
	copy[found_len] = '\0';
	*boundary = copy;
	rc = 0;
out:
	return rc;
}

/*
 * Read the header lines of h[0..len) (the block without its final CRLF CRLF) into *hd.  Header
 * names are tokens compared without case; folded lines, controls, and a repeated
 * Content-Disposition or Content-Type are MC_EINVAL.  Other headers are ignored.
 */
static int mp_read_headers(const char *h, size_t len, struct mp_headers *hd)
{
	const char *p = h, *end = h + len, *eol, *colon, *v, *vend, *q;

	memset(hd, 0, sizeof(*hd));
	while (p < end) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			eol = end;
		for (q = p; q < eol; q++)
			if (!mp_is_vchar((unsigned char)*q))
				return MC_EINVAL;
		colon = p;
		while (colon < eol && mp_is_tchar((unsigned char)*colon))
			colon++;
		if (colon == p || colon == eol || *colon != ':')
			return MC_EINVAL;
		v = mp_skip_ows(colon + 1, eol);
		vend = eol;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		if (mp_eq(p, (size_t)(colon - p), "content-disposition")) {
			if (hd->disposition != NULL)
				return MC_EINVAL;
			hd->disposition = v;
			hd->disposition_len = (size_t)(vend - v);
		} else if (mp_eq(p, (size_t)(colon - p), "content-type")) {
			if (hd->content_type != NULL || vend == v)
				return MC_EINVAL;
			hd->content_type = v;
			hd->content_type_len = (size_t)(vend - v);
		}
		p = eol == end ? end : eol + 2;
	}
	return 0;
}

/*
 * Fill part's name and filename from a Content-Disposition value: "form-data" then parameters.
 * MC_EINVAL: another disposition type, no name, a repeated name or filename, a malformed
 * parameter, or a name or filename that is not valid UTF-8 (or holds a control character).
 */
static int mp_disposition(h2o_mem_pool_t *pool, const char *s, size_t len,
                          struct multipart_part *part)
{
	const char *p = s, *end = s + len, *type = s;
	const char *name = NULL, *filename = NULL;
	size_t name_len = 0, filename_len = 0, outlen;
	struct mp_param param;
	char *copy;
	int rc;

	while (p < end && mp_is_tchar((unsigned char)*p))
		p++;
	if (!mp_eq(type, (size_t)(p - type), "form-data"))
		return MC_EINVAL;
	while ((rc = mp_next_param(pool, &p, end, &param)) == 1) {
		if (mp_eq(param.name, param.name_len, "name")) {
			if (name != NULL)
				return MC_EINVAL;
			name = param.value;
			name_len = param.value_len;
		} else if (mp_eq(param.name, param.name_len, "filename")) {
			if (filename != NULL)
				return MC_EINVAL;
			filename = param.value;
			filename_len = param.value_len;
		}
		/* filename* and anything else: ignored (RFC 7578 §4.2). */
	}
	if (rc < 0)
		return rc;
	if (name == NULL)
		return MC_EINVAL;
	rc = utf8_to_nfc(pool, name, name_len, &copy, &outlen);
	if (rc != 0)
		return rc;
	part->name = copy;
	part->filename = NULL;
	if (filename != NULL) {
		rc = utf8_to_nfc(pool, filename, filename_len, &copy, &outlen);
		if (rc != 0)
			return rc;
		part->filename = copy;
	}
	return 0;
}

/*
 * Parse one part, s[0..len): the bytes between the CRLF ending a boundary line and the CRLF that
 * starts the next delimiter.  The header block is found only inside the part, so a delimiter can
 * never hide in it.
 */
static int mp_part(h2o_mem_pool_t *pool, const char *s, size_t len,
                   const struct multipart_limits *lim, struct multipart_part *part)
{
	const char *blank, *data;
	struct mp_headers hd;
	size_t window, data_len, outlen;
	char *copy;
	int rc;

	/* A part that starts with its blank line has no Content-Disposition. */
	if (len >= 2 && s[0] == '\r' && s[1] == '\n')
		return MC_EINVAL;
	/* Look for the blank line only as far as the limit allows, which keeps this linear. */
	window = len;
	if (len > lim->max_header_bytes && len - lim->max_header_bytes > 2)
		window = lim->max_header_bytes + 2;
	blank = memmem(s, window, "\r\n\r\n", 4);
	if (blank == NULL)
		return window < len ? MC_ETOOBIG : MC_EINVAL;
	rc = mp_read_headers(s, (size_t)(blank - s), &hd);
	if (rc != 0)
		return rc;
	if (hd.disposition == NULL)
		return MC_EINVAL;
	rc = mp_disposition(pool, hd.disposition, hd.disposition_len, part);
	if (rc != 0)
		return rc;
	part->content_type = "text/plain";
	if (hd.content_type != NULL) {
		for (outlen = 0; outlen < hd.content_type_len; outlen++)
			if ((unsigned char)hd.content_type[outlen] >= 0x80)
				return MC_EINVAL;
		copy = h2o_mem_alloc_pool(pool, hd.content_type_len + 1);
		if (copy == NULL)
			return MC_ENOMEM;
		memcpy(copy, hd.content_type, hd.content_type_len);
		copy[hd.content_type_len] = '\0';
		part->content_type = copy;
	}
	data = blank + 4;
	data_len = (size_t)(s + len - data);
	if (part->filename != NULL) {
		part->data = data;
		part->len = data_len;
		return 0;
	}
	/* Checked before NFC too, so a huge field is refused before it is normalised. */
	if (data_len > lim->max_field_bytes)
		return MC_ETOOBIG;
	rc = utf8_to_nfc(pool, data, data_len, &copy, &outlen);
	if (rc != 0)
		return rc;
	if (outlen > lim->max_field_bytes)
		return MC_ETOOBIG;
	part->data = copy;
	part->len = outlen;
	return 0;
}

int multipart_parse(h2o_mem_pool_t *pool, const char *boundary, const char *body, size_t len,
                    const struct multipart_limits *lim, struct multipart *out)
{
	char delim[4 + LIMIT_MULTIPART_BOUNDARY_BYTES];
	struct multipart_limits defaults;
	struct multipart_part *parts = NULL, *grown;
	const char *end, *p, *d;
	size_t blen, dlen, count = 0, cap = 0, newcap;
	int rc;

	out->parts = NULL;
	out->count = 0;
	if (lim == NULL) {
		defaults = multipart_default_limits();
		lim = &defaults;
	}
	blen = strnlen(boundary, LIMIT_MULTIPART_BOUNDARY_BYTES + 1);
	if (!mp_boundary_ok(boundary, blen)) {
		rc = MC_EINVAL;
		goto out;
	}
	if (len > lim->max_total_bytes) {
		rc = MC_ETOOBIG;
		goto out;
	}
	if (len == 0) {
		rc = MC_EINVAL;
		goto out;
	}
	end = body + len;
	/* The delimiter is CRLF "--" boundary; the very first one may lack the CRLF. */
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, boundary, blen);
	dlen = 4 + blen;
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
		p = body + dlen - 2;
	} else {
		d = memmem(body, len, delim, dlen);
		if (d == NULL) {
			rc = MC_EINVAL;
			goto out;
		}
		p = d + dlen;
	}
	for (;;) {
		/* p is just past a "--boundary".  "--" closes the body; the epilogue is ignored. */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break;
		p = mp_skip_ows(p, end);
		/*
		 * Anything else after the boundary means the boundary occurs in the data or the body
		 * is cut short: refuse rather than guess where the part ends.
		 */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
			rc = MC_EINVAL;
			goto out;
		}
		p += 2;
		d = memmem(p, (size_t)(end - p), delim, dlen);
		if (d == NULL) {
			rc = MC_EINVAL;
			goto out;
		}
		if (count >= lim->max_parts) {
			rc = MC_ETOOBIG;
			goto out;
		}
		if (count == cap) {
			newcap = cap ? cap * 2 : 16;
			if (newcap > lim->max_parts)
				newcap = lim->max_parts;
			if (newcap > SIZE_MAX / sizeof(*parts)) {
				rc = MC_ENOMEM;
				goto out;
			}
			/* The old array stays in the pool; doubling keeps the waste below the total. */
			grown = h2o_mem_alloc_pool(pool, newcap * sizeof(*parts));
			if (grown == NULL) {
				rc = MC_ENOMEM;
				goto out;
			}
			if (count)
				memcpy(grown, parts, count * sizeof(*parts));
			parts = grown;
			cap = newcap;
		}
		rc = mp_part(pool, p, (size_t)(d - p), lim, &parts[count]);
		if (rc != 0)
			goto out;
		count++;
		p = d + dlen;
	}
	out->parts = parts;
	out->count = count;
	rc = 0;
out:
	return rc;
}
