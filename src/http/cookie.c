/* cookie.c: the Cookie request header. */
#include "http/cookie.h"

#include <string.h>

#include "lib/err.h"
#include "limit.h"

/* 1 when 'c' is an RFC 7230 tchar (what RFC 6265 calls a token character). */
static int cookie_is_tchar(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return 1;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* 1 when 'c' is an RFC 6265 cookie-octet: visible ASCII except DQUOTE, comma, ';' and '\'. */
static int cookie_is_octet(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

static int cookie_is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Split the pair s[0..len) (already trimmed) into a token name and a cookie value.  Returns 1 and
 * fills the outputs when valid, 0 when the pair is to be skipped.
 */
static int cookie_split(const char *s, size_t len, const char **name, size_t *nlen,
                        const char **value, size_t *vlen)
{
	const char *eq = memchr(s, '=', len), *v, *vend;
	size_t i, n;

	if (eq == NULL)
		return 0;
	n = (size_t)(eq - s);
	while (n > 0 && cookie_is_space(s[n - 1]))
		n--;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!cookie_is_tchar((unsigned char)s[i]))
			return 0;
	v = eq + 1;
	vend = s + len;
	while (v < vend && cookie_is_space(*v))
		v++;
	if (vend - v >= 2 && v[0] == '"' && vend[-1] == '"') {
		v++;
		vend--;
	}
	for (i = 0; i < (size_t)(vend - v); i++)
		if (!cookie_is_octet((unsigned char)v[i]))
			return 0;
	*name = s;
	*nlen = n;
	*value = v;
	*vlen = (size_t)(vend - v);
	return 1;
}

/* A NUL-terminated pool copy of s[0..len), or NULL. */
static char *cookie_strdup(h2o_mem_pool_t *pool, const char *s, size_t len)
{
	char *p = h2o_mem_alloc_pool(pool, len + 1);

	if (p == NULL)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/*
 * Walk the pairs of header[0..len).  With 'dst' NULL only count the valid ones; otherwise also
 * store them there as pool copies.  Returns the count, or (size_t)-1 when memory runs out.
 */
static size_t cookie_walk(h2o_mem_pool_t *pool, const char *header, size_t len,
                          struct cookie *dst)
{
	const char *p = header, *end = header + len, *semi, *s, *e, *name, *value;
	size_t n = 0, nlen, vlen;

	while (p < end) {
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			semi = end;
		s = p;
		e = semi;
		while (s < e && cookie_is_space(*s))
			s++;
		while (e > s && cookie_is_space(e[-1]))
			e--;
		p = semi + 1;
		if (!cookie_split(s, (size_t)(e - s), &name, &nlen, &value, &vlen))
			continue;
		if (dst != NULL) {
			dst[n].name = cookie_strdup(pool, name, nlen);
			dst[n].value = cookie_strdup(pool, value, vlen);
			if (dst[n].name == NULL || dst[n].value == NULL)
				return (size_t)-1;
		}
		n++;
	}
	return n;
}

int cookie_parse(h2o_mem_pool_t *pool, const char *header, size_t len, struct cookie_jar *jar)
{
	struct cookie *cookies;
	size_t n;
	int rc = 0;

	if (len > LIMIT_COOKIE_HEADER_BYTES) {
		rc = MC_ETOOBIG;
		goto out;
	}
	if (len == 0)
		goto out;
	n = cookie_walk(pool, header, len, NULL);
	if (n == 0)
		goto out;
	if (n > LIMIT_COOKIES || jar->count > LIMIT_COOKIES - n) {
		rc = MC_ETOOBIG;
		goto out;
	}
	/* A fresh array each call keeps the jar unchanged on error; it holds at most LIMIT_COOKIES. */
	cookies = h2o_mem_alloc_pool(pool, (jar->count + n) * sizeof(*cookies));
	if (cookies == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if (jar->count)
		memcpy(cookies, jar->cookies, jar->count * sizeof(*cookies));
	if (cookie_walk(pool, header, len, cookies + jar->count) != n) {
		rc = MC_ENOMEM;
		goto out;
	}
	jar->cookies = cookies;
	jar->count += n;
out:
	return rc;
}

const char *cookie_get(const struct cookie_jar *jar, const char *name)
{
	size_t i;

	for (i = 0; i < jar->count; i++)
		if (strcmp(jar->cookies[i].name, name) == 0)
			return jar->cookies[i].value;
	return NULL;
}
