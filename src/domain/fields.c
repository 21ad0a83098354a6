/* fields.c: the small checks every administration form shares. */
#include "domain/fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistr.h>

#include "domain/validate.h"
#include "lib/err.h"

int fields_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int fields_trim(const char *s, char *dst, size_t cap)
{
	size_t len;

	if (s == NULL)
		s = "";
	while (fields_is_space(*s))
		s++;
	len = strlen(s);
	while (len > 0 && fields_is_space(s[len - 1]))
		len--;
	if (len >= cap) {
		dst[0] = '\0';
		return MC_ETOOBIG;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

size_t fields_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

void fields_text(struct field_errors *errs, const char *field, const char *label, const char *s,
                 char *dst, size_t cap, size_t min, size_t max)
{
	const char *msg;

	if (fields_trim(s, dst, cap) != 0) {
		field_errors_addf(errs, field, "Vui lòng rút gọn %s: tối đa %zu ký tự.", label, max);
		return;
	}
	if (dst[0] == '\0') {
		if (min > 0)
			field_errors_addf(errs, field, "Vui lòng nhập %s.", label);
		return;
	}
	if (fields_chars(dst) > max)
		field_errors_addf(errs, field, "Vui lòng rút gọn %s: tối đa %zu ký tự.", label, max);
	else if (validate_text(dst, min, max, &msg) != 0)
		field_errors_addf(errs, field, "Vui lòng nhập lại %s: có ký tự không hợp lệ.", label);
}

int64_t fields_id(const char *s)
{
	int64_t v = 0;
	size_t n;

	if (s == NULL)
		return 0;
	while (fields_is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && fields_is_space(s[n - 1]))
		n--;
	if (n == 0)
		return 0;
	if (n > 18 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

void fields_printf(char *out, size_t cap, const char *fmt, ...)
{
	const uint8_t *bad;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	bad = u8_check((const uint8_t *)out, strlen(out));
	if (bad != NULL)
		out[bad - (const uint8_t *)out] = '\0';
}
