/* field_errors.h: problems with the fields of a form, in Vietnamese, one per field. */
#ifndef MC_FIELD_ERRORS_H
#define MC_FIELD_ERRORS_H

#include <stddef.h>

/* One problem with one form field. */
struct field_error {
	const char *field;
	const char *message;
};

#define FIELD_ERRORS_MAX 32
#define FIELD_ERRORS_TEXT 4096

struct field_errors {
	size_t count;
	struct field_error items[FIELD_ERRORS_MAX];
	char text[FIELD_ERRORS_TEXT]; /* storage for messages made by field_errors_addf */
	size_t text_used;
};

/* Start empty. */
void field_errors_init(struct field_errors *errs);

/* Add 'message' (static storage, or storage outliving errs) for 'field' unless the field has one
 * already: the first problem found is the one shown.  Extra errors past the maximum are dropped. */
void field_errors_add(struct field_errors *errs, const char *field, const char *message);

/* Like field_errors_add with a printf-formatted message kept in errs->text ('field' must
 * outlive errs).  When the storage is full the message is cut. */
void field_errors_addf(struct field_errors *errs, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The message for 'field', or NULL. */
const char *field_errors_get(const struct field_errors *errs, const char *field);

#endif
