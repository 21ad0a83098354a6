/* multipart.h: multipart/form-data request bodies (RFC 7578). */
#ifndef MC_MULTIPART_H
#define MC_MULTIPART_H

#define H2O_USE_LIBUV 0
#include <stddef.h>
#include <h2o/memory.h>

/*
 * One part.  'name' is the Content-Disposition name (valid UTF-8, NFC).  'filename' is NULL for
 * a plain field; for a file it is the sender's file name as given (valid UTF-8, NFC; may be ""
 * when a file input was left empty) and must be sanitised before any use beyond display.
 * 'content_type' is the part's Content-Type or "text/plain" by default (RFC 7578 §4.4).  For a
 * plain field, 'data' is valid UTF-8 normalised to NFC and NUL-terminated; for a file it is the
 * raw bytes (pointing into the body or the pool).
 */
struct multipart_part {
	const char *name;
	const char *filename;
	const char *content_type;
	const char *data;
	size_t len;
};

struct multipart {
	struct multipart_part *parts;
	size_t count;
};

/* Limits, so tests and callers can tighten them.  multipart_default_limits() gives limit.h's. */
struct multipart_limits {
	size_t max_parts;        /* LIMIT_MULTIPART_PARTS */
	size_t max_header_bytes; /* LIMIT_MULTIPART_HEADER_BYTES: header block of one part */
	size_t max_total_bytes;  /* LIMIT_BODY_BYTES: the whole body */
	size_t max_field_bytes;  /* LIMIT_FIELD_VALUE_BYTES: one non-file part */
};
struct multipart_limits multipart_default_limits(void);

/*
 * Extract the boundary from a Content-Type header value such as
 * 'multipart/form-data; boundary="xyz"' (type compared case-insensitively, boundary quoted or
 * not, 1..70 characters of RFC 2046's set).  *boundary points into pool memory, NUL-terminated.
 * MC_EINVAL: not multipart/form-data, a malformed parameter, no valid boundary, or two boundary
 * parameters (which two parsers could read differently).
 */
int multipart_boundary(h2o_mem_pool_t *pool, const char *content_type, size_t len,
                       const char **boundary);

/*
 * Parse 'body' (len bytes) with 'boundary' under 'lim' (NULL: the defaults).  Lines end in CRLF;
 * a preamble before the first boundary and an epilogue after the closing one are ignored.  Each
 * part needs a Content-Disposition: form-data with a name (parameters quoted or not; in a quoted
 * string '\' escapes only '"' and '\' and is kept literally before anything else; filename* is
 * ignored in favour of filename, per RFC 7578 §4.2).  Several parts may share a name (several
 * files per field).  Header names are compared without case; headers other than
 * Content-Disposition and Content-Type are ignored.  No quadratic behaviour on any input.
 * MC_EINVAL: no closing boundary (truncated body), a delimiter not followed by optional
 * spaces and CRLF or "--" (the boundary occurs in the data), a part without the header block end,
 * a missing, repeated or malformed Content-Disposition (a repeated name or filename parameter
 * included), a folded header line or a control character in the headers, a repeated, empty or
 * non-ASCII Content-Type, invalid UTF-8 or a control character (other than TAB, CR, LF) in a
 * name, filename or plain field; MC_ETOOBIG: a limit in 'lim' exceeded.  Memory from 'pool'.  On
 * error *out is left empty.
 */
int multipart_parse(h2o_mem_pool_t *pool, const char *boundary, const char *body, size_t len,
                    const struct multipart_limits *lim, struct multipart *out);

#endif
