/* view.h: small helpers the page handlers share: form pages, field values, ids, paging. */
#ifndef MC_VIEW_H
#define MC_VIEW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/field_errors.h"

struct req;

/*
 * Render form page 'tpl' with 'status': "csrf" (the visitor's token), "values" (what was typed;
 * takes 'values', NULL for none), "errors" (the summary list, in the order found), "err" (the
 * message by field name) and "has_errors"; 'extra' (taken; NULL for none) is the object the
 * members are added to, for the page's own data.
 */
void view_form_page(struct req *r, int status, const char *tpl, json_t *values,
                    const struct field_errors *errs, json_t *extra);

/* String member 'key' of 'o', or "" when it is absent or not a string (never NULL). */
const char *view_member(const json_t *o, const char *key);

/* Set o[key] = v (taking v); a NULL v or a failure leaves MC_ENOMEM in *rc. */
void view_put(json_t *o, const char *key, json_t *v, int *rc);

/* The posted form's value of 'name', or "" when absent (never NULL). */
const char *view_field(struct req *r, const char *name);

/* The query string's value of 'name', or "" when absent (never NULL). */
const char *view_query(struct req *r, const char *name);

/* The posted values of 'names' (those present) as a new object, for showing a form again. */
json_t *view_kept_values(struct req *r, const char *const *names, size_t n);

/* 's' as a positive decimal id of 1 to 18 digits without sign or leading zero, or -1. */
int64_t view_positive_id(const char *s);

/*
 * Route parameter 'name' as a positive decimal id (at most 18 digits, no sign or leading zero).
 * 0, or MC_ENOTFOUND for anything else: a malformed id names no record.
 */
int view_id_param(struct req *r, const char *name, int64_t *out);

/*
 * Query parameter 'name' as a page number: 1 when absent, else a decimal 1..max.  MC_EINVAL for
 * anything else.
 */
int view_page_param(struct req *r, const char *name, int max, int *out);

struct buf;

/* Append 's' percent-encoded (unreserved characters stay, everything else is %XX): for a query
 * component or an RFC 5987 value.  0 or MC_ENOMEM. */
int view_pct_append(struct buf *b, const char *s);

/*
 * Add "Content-Disposition: <type>; filename="<ASCII fallback>"; filename*=UTF-8''<name>"
 * (RFC 6266) for file 'name' (UTF-8, NFC), 'type' "attachment" or "inline".  The fallback drops
 * Vietnamese diacritics (đ → d) and replaces anything unsafe by '_'.  MC_EIO: the name holds a
 * control character, or the header could not be added; MC_ENOMEM.
 */
int view_disposition(struct req *r, const char *type, const char *name);

#endif
