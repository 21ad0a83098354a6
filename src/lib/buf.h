/* buf.h: a growable byte buffer, backed by a request's pool or by the heap. */
#ifndef MC_BUF_H
#define MC_BUF_H

#define H2O_USE_LIBUV 0
#include <stdarg.h>
#include <stddef.h>
#include <h2o/memory.h>

/*
 * A byte buffer.  With a pool, memory comes from the pool and is released with it (buf_free is a
 * no-op); without one (pool == NULL) it comes from the heap and buf_free releases it.  'data' is
 * always NUL-terminated after the first append, so it can be used as a C string when the bytes
 * hold no NUL.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	h2o_mem_pool_t *pool;
};

/* Start an empty buffer on 'pool' (NULL: heap). */
void buf_init(struct buf *b, h2o_mem_pool_t *pool);

/* Release heap memory (no-op for pool buffers) and empty the buffer. */
void buf_free(struct buf *b);

/* Make room for 'extra' more bytes (plus the NUL).  MC_ENOMEM on failure. */
int buf_reserve(struct buf *b, size_t extra);

/* Append bytes.  MC_ENOMEM on failure; the buffer is unchanged then. */
int buf_append(struct buf *b, const void *data, size_t len);

/* Append a NUL-terminated string. */
int buf_puts(struct buf *b, const char *s);

/* Append one byte. */
int buf_putc(struct buf *b, char c);

/* Append formatted text.  Never use this for HTML: templates escape, printf does not. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Append 's' with the five HTML-significant characters (& < > " ') escaped. */
int buf_append_html(struct buf *b, const char *s, size_t len);

#endif
