/* fields.h: the small checks every administration form shares: trimming, lengths in characters,
 * one-line text, ids from select boxes.  Pure: no I/O. */
#ifndef MC_FIELDS_H
#define MC_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "domain/field_errors.h"

/* Whether 'c' is white space for trimming (space, tab, CR, LF). */
int fields_is_space(char c);

/* Copy 's' (NULL as "") without surrounding white space into dst.  0, or MC_ETOOBIG (dst is
 * then ""). */
int fields_trim(const char *s, char *dst, size_t cap);

/* Code points of valid UTF-8 text. */
size_t fields_chars(const char *s);

/*
 * Trim 's' into dst (cap bytes) and check it as single-line text of min..max characters (no
 * control characters); on a problem add a Vietnamese message for 'field' that names it by
 * 'label' (lower case, e.g. "tên cơ quan").
 */
void fields_text(struct field_errors *errs, const char *field, const char *label, const char *s,
                 char *dst, size_t cap, size_t min, size_t max);

/* A select box's value, trimmed: 0 for "", the value of a positive decimal of at most 18 digits
 * without a leading zero, -1 for anything else. */
int64_t fields_id(const char *s);

/* Format into out (cap bytes), cut at a character boundary when too long: audit summaries hold
 * names of up to 500 characters. */
void fields_printf(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
