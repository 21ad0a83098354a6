/* field_errors.c: problems with the fields of a form. */
#include "domain/field_errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void field_errors_init(struct field_errors *errs)
{
	errs->count = 0;
	errs->text_used = 0;
	errs->text[0] = '\0';
}

void field_errors_add(struct field_errors *errs, const char *field, const char *message)
{
	if (field_errors_get(errs, field) != NULL || errs->count >= FIELD_ERRORS_MAX)
		return;
	errs->items[errs->count].field = field;
	errs->items[errs->count].message = message;
	errs->count++;
}

void field_errors_addf(struct field_errors *errs, const char *field, const char *fmt, ...)
{
	size_t room = FIELD_ERRORS_TEXT - errs->text_used;
	char *dst = errs->text + errs->text_used;
	va_list ap;
	int n;

	if (room < 2 || field_errors_get(errs, field) != NULL || errs->count >= FIELD_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	errs->text_used += (size_t)n + 1 < room ? (size_t)n + 1 : room;
	field_errors_add(errs, field, dst);
}

const char *field_errors_get(const struct field_errors *errs, const char *field)
{
	for (size_t i = 0; i < errs->count; i++)
		if (strcmp(errs->items[i].field, field) == 0)
			return errs->items[i].message;
	return NULL;
}
