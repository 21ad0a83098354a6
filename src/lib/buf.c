/* buf.c: growable byte buffers. */
#include "lib/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"

void buf_init(struct buf *b, h2o_mem_pool_t *pool)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->pool = pool;
}

void buf_free(struct buf *b)
{
	if (b->pool == NULL)
		free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX / 2 - b->len)
		return MC_ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (b->pool != NULL) {
		/* Pool memory is released with the request: the old block simply stays behind. */
		p = h2o_mem_alloc_pool(b->pool, cap);
		if (b->data != NULL)
			memcpy(p, b->data, b->len + 1);
		else
			p[0] = '\0';
	} else {
		p = realloc(b->data, cap);
		if (p == NULL)
			return MC_ENOMEM;
		if (b->data == NULL)
			p[0] = '\0';
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) != 0)
		return MC_ENOMEM;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return MC_EINVAL;
	if (buf_reserve(b, (size_t)n) != 0)
		return MC_ENOMEM;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int buf_append_html(struct buf *b, const char *s, size_t len)
{
	size_t i, start = 0;
	const char *rep;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		if (buf_append(b, s + start, i - start) != 0 || buf_puts(b, rep) != 0)
			return MC_ENOMEM;
		start = i + 1;
	}
	return buf_append(b, s + start, len - start);
}
