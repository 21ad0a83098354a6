/* form.h: query strings and application/x-www-form-urlencoded bodies. */
#ifndef MC_FORM_H
#define MC_FORM_H

#define H2O_USE_LIBUV 0
#include <stddef.h>
#include <h2o/memory.h>

/* One decoded field.  Name and value are NUL-terminated, valid UTF-8, NFC. */
struct form_field {
	const char *name;
	const char *value;
	size_t value_len;
};

/* Decoded fields in the order they came; a name may repeat (checkboxes). */
struct form {
	struct form_field *fields;
	size_t count;
};

/*
 * Decode 'src' (len bytes): fields separated by '&' (';' is not a separator), name and value by
 * the first '=', '+' means space, %XX escapes (either case).  A field without '=' has an empty
 * value; empty pieces ("a=1&&b=2") are skipped.  Every name and value must be valid UTF-8 after
 * decoding and is normalised to NFC (utf8_to_nfc).  Everything is allocated from 'pool'.
 * MC_EINVAL: a bad % escape, invalid UTF-8 or a control character; MC_ETOOBIG: a body over
 * LIMIT_FORM_BODY_BYTES, more than LIMIT_FORM_FIELDS fields, a name over LIMIT_FIELD_NAME_BYTES
 * or a value over LIMIT_FIELD_VALUE_BYTES (decoded bytes, before or after NFC).  A piece "=v"
 * gives a field with an empty name.  On error *out is left empty.
 */
int form_parse_urlencoded(h2o_mem_pool_t *pool, const char *src, size_t len, struct form *out);

/* The same rules for a URL's query string (the part after '?', without the '?'), except that the
 * length limit is LIMIT_QUERY_BYTES (MC_ETOOBIG) instead of LIMIT_FORM_BODY_BYTES. */
int form_parse_query(h2o_mem_pool_t *pool, const char *src, size_t len, struct form *out);

/* The first value of field 'name', or NULL when absent. */
const char *form_get(const struct form *f, const char *name);

/* How many fields are called 'name'. */
size_t form_count(const struct form *f, const char *name);

/* The value of hexadecimal digit 'c' (either case), or -1. */
int form_hex(unsigned char c);

#endif
