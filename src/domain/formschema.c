/*
 * formschema.c: the online form of a procedure (docs/form-schema.md).
 *
 * Three jobs share one description of the field types (the tables below): checking a schema when
 * it is saved, turning it into the view model of templates/partials/form_fields.mustache, and
 * checking a citizen's answers.  The schema stays a jansson object throughout: it is stored as
 * JSON, and walking it directly keeps the three jobs in step with the document.
 *
 * Lengths are counted in Unicode code points after NFC, never in bytes.  Regular expressions are
 * POSIX extended ones compiled in the C.UTF-8 locale, so that '.' and bracket expressions work
 * on Vietnamese letters rather than on the bytes of their encoding.
 */
#include "domain/formschema.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include "domain/validate.h"
#include "lib/err.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define PATH_SIZE 160u    /* "sections[19].fields[99].options[99].label" and then some */
#define MESSAGE_SIZE 512u /* one answer's message before the label is put in front */
#define ID_SIZE 64u       /* "f_" + a 40-byte name + "-99" and the like */

/* ---- The field types ------------------------------------------------------------------------- */

enum ftype {
	FT_TEXT,
	FT_TEXTAREA,
	FT_NUMBER,
	FT_DATE,
	FT_SELECT,
	FT_RADIO,
	FT_CHECKBOX,
	FT_EMAIL,
	FT_PHONE,
	FT_CITIZEN_ID,
	FT_TAX_CODE,
	FT_ADDRESS,
	FT_COUNT
};

#define BIT(t) (1u << (t))
#define ALL_TYPES ((1u << FT_COUNT) - 1u)
#define TEXT_TYPES                                                                               \
	(BIT(FT_TEXT) | BIT(FT_TEXTAREA) | BIT(FT_EMAIL) | BIT(FT_PHONE) | BIT(FT_CITIZEN_ID) |  \
	 BIT(FT_TAX_CODE) | BIT(FT_ADDRESS))
#define MULTILINE_TYPES (BIT(FT_TEXTAREA) | BIT(FT_ADDRESS))
#define OPTION_TYPES (BIT(FT_SELECT) | BIT(FT_RADIO) | BIT(FT_CHECKBOX))

/* Indexed by enum ftype.  'view' is the is_<type> key of the view model. */
static const struct {
	const char *name;
	const char *view;
	size_t min_default, max_default; /* answer length in characters, text types only */
} types[FT_COUNT] = {
	[FT_TEXT] = { "text", "is_text", 0, FORMSCHEMA_TEXT_DEFAULT_MAX },
	[FT_TEXTAREA] = { "textarea", "is_textarea", 0, FORMSCHEMA_TEXTAREA_DEFAULT_MAX },
	[FT_NUMBER] = { "number", "is_number", 0, 0 },
	[FT_DATE] = { "date", "is_date", 0, 0 },
	[FT_SELECT] = { "select", "is_select", 0, 0 },
	[FT_RADIO] = { "radio", "is_radio", 0, 0 },
	[FT_CHECKBOX] = { "checkbox", "is_checkbox", 0, 0 },
	/* e-mail, phone, citizen_id and tax_code have a fixed shape; their own validators bound
	 * them, and min_length/max_length may only narrow that further. */
	[FT_EMAIL] = { "email", "is_email", 0, FORMSCHEMA_EMAIL_DEFAULT_MAX },
	[FT_PHONE] = { "phone", "is_phone", 0, FORMSCHEMA_LENGTH_MAX },
	[FT_CITIZEN_ID] = { "citizen_id", "is_citizen_id", 0, FORMSCHEMA_LENGTH_MAX },
	[FT_TAX_CODE] = { "tax_code", "is_tax_code", 0, FORMSCHEMA_LENGTH_MAX },
	[FT_ADDRESS] = { "address", "is_address", FORMSCHEMA_ADDRESS_DEFAULT_MIN,
	                 FORMSCHEMA_ADDRESS_DEFAULT_MAX },
};

#define TYPE_LIST "text, textarea, number, date, select, radio, checkbox, email, phone, " \
                  "citizen_id, tax_code, address"

/* The members of a field and the types they apply to ("A field"). */
static const struct {
	const char *name;
	unsigned types;
} field_members[] = {
	{ "name", ALL_TYPES },
	{ "label", ALL_TYPES },
	{ "type", ALL_TYPES },
	{ "required", ALL_TYPES },
	{ "help", ALL_TYPES },
	{ "min_length", TEXT_TYPES },
	{ "max_length", TEXT_TYPES },
	{ "pattern", BIT(FT_TEXT) | BIT(FT_TEXTAREA) },
	{ "min", BIT(FT_NUMBER) | BIT(FT_DATE) },
	{ "max", BIT(FT_NUMBER) | BIT(FT_DATE) },
	{ "integer", BIT(FT_NUMBER) },
	{ "options", OPTION_TYPES },
	/* The table of the doc leaves textarea out, but its prefill rules put "address" on a
	 * textarea; the per-detail rule below decides. */
	{ "prefill", BIT(FT_TEXT) | BIT(FT_TEXTAREA) | BIT(FT_EMAIL) | BIT(FT_PHONE) |
	             BIT(FT_CITIZEN_ID) | BIT(FT_ADDRESS) | BIT(FT_DATE) | BIT(FT_TAX_CODE) },
};

/* Account details a field may be filled from, the types each suits, and the browser's
 * autocomplete token for it (NULL: none fits). */
static const struct {
	const char *name;
	unsigned types;
	const char *autocomplete;
} prefills[] = {
	{ "full_name", BIT(FT_TEXT), "name" },
	{ "email", BIT(FT_EMAIL), "email" },
	{ "phone", BIT(FT_PHONE), "tel" },
	{ "citizen_id", BIT(FT_CITIZEN_ID), NULL },
	{ "address", BIT(FT_ADDRESS) | BIT(FT_TEXTAREA), "street-address" },
	{ "birth_date", BIT(FT_DATE), "bday" },
	{ "organization_name", BIT(FT_TEXT), "organization" },
	{ "tax_code", BIT(FT_TAX_CODE), NULL },
};

#define PREFILL_LIST "full_name, email, phone, citizen_id, address, birth_date, " \
                     "organization_name, tax_code"

static int type_of(const char *name)
{
	int t;

	if (name == NULL)
		return -1;
	for (t = 0; t < FT_COUNT; t++)
		if (strcmp(types[t].name, name) == 0)
			return t;
	return -1;
}

static int prefill_of(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < COUNT(prefills); i++)
		if (strcmp(prefills[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- Small helpers --------------------------------------------------------------------------- */

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Cut NUL-terminated 's' before a UTF-8 sequence that snprintf left incomplete at its end. */
static void cut_partial_utf8(char *s)
{
	size_t len = strlen(s), lead = len, need;
	unsigned char c;

	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	lead--;
	c = (unsigned char)s[lead];
	if (c < 0x80)
		return;
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	if (lead + need > len)
		s[lead] = '\0';
}

/* Characters (code points after NFC) of s[0..n), which is valid UTF-8.  MC_ENOMEM. */
static int nfc_chars(const char *s, size_t n, size_t *out)
{
	uint8_t *norm;
	size_t normlen = 0, i;

	for (i = 0; i < n && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == n) { /* ASCII is its own NFC */
		*out = n;
		return 0;
	}
	norm = u8_normalize(UNINORM_NFC, (const uint8_t *)s, n, NULL, &normlen);
	if (norm == NULL)
		return errno == ENOMEM ? MC_ENOMEM : MC_EINVAL;
	*out = u8_mbsnlen(norm, normlen);
	free(norm);
	return 0;
}

/* Whether s[0..n) is only white space (or empty). */
static bool blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_space((unsigned char)s[i]))
			return false;
	return true;
}

/* n with '.' between groups of three digits, as Vietnamese writes 10.000. */
static void format_count(size_t n, char *buf, size_t size)
{
	char tmp[32];
	size_t len, i, o = 0;

	len = (size_t)snprintf(tmp, sizeof tmp, "%zu", n);
	for (i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = '.';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
}

/* A number the way the page shows it: the fewest decimals that read back the same, never an
 * exponent a citizen would not understand, with a decimal point (for an HTML attribute) or a
 * decimal comma (for a Vietnamese sentence). */
static void format_number(double d, bool comma, char *buf, size_t size)
{
	char *p;
	int prec;

	for (prec = 0; prec <= 17; prec++) {
		snprintf(buf, size, "%.*f", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (prec > 17) /* too small for 17 decimals: let %g choose */
		snprintf(buf, size, "%.17g", d);
	if (comma && (p = strchr(buf, '.')) != NULL)
		*p = ',';
}

/* ---- Dates ----------------------------------------------------------------------------------- */

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static bool real_date(int y, int m, int d)
{
	return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* Value of the n ASCII digits at s, or -1 if one of them is not a digit. */
static int digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Parse exactly "YYYY-MM-DD", a real day of the Gregorian calendar. */
static bool parse_iso_date(const char *s, struct civil_date *out)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !real_date(y, m, d))
		return false;
	out->year = y;
	out->month = m;
	out->day = d;
	return true;
}

/* Parse "d/m/yyyy" with one or two digits for day and month (how people write dates here). */
static bool parse_dmy_date(const char *s, struct civil_date *out)
{
	const char *p = s;
	int part[3] = { 0, 0, 0 };
	size_t i, n;

	for (i = 0; i < 3; i++) {
		for (n = 0; is_digit((unsigned char)p[n]); n++)
			;
		if (n == 0 || (i < 2 && n > 2) || (i == 2 && n != 4))
			return false;
		part[i] = digits(p, n);
		p += n;
		if (i < 2 && *p++ != '/')
			return false;
	}
	if (*p != '\0' || !real_date(part[2], part[1], part[0]))
		return false;
	out->year = part[2];
	out->month = part[1];
	out->day = part[0];
	return true;
}

static int date_cmp(const struct civil_date *a, const struct civil_date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

/* ---- Regular expressions --------------------------------------------------------------------- */

static pthread_once_t regex_once = PTHREAD_ONCE_INIT;
static locale_t regex_locale = (locale_t)0; /* set once, then read-only; never freed */

static void regex_locale_init(void)
{
	regex_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Switch this thread to the UTF-8 locale for regcomp/regexec; returns what to restore.  Without
 * a C.UTF-8 locale on the system, patterns work on bytes (ASCII patterns are unaffected). */
static locale_t regex_enter(void)
{
	pthread_once(&regex_once, regex_locale_init);
	return regex_locale != (locale_t)0 ? uselocale(regex_locale) : (locale_t)0;
}

static void regex_leave(locale_t old)
{
	if (old != (locale_t)0)
		uselocale(old);
}

/* Why regcomp refused a pattern, in Vietnamese. */
static const char *regex_problem(int code)
{
	switch (code) {
	case REG_EPAREN: return "dấu ngoặc tròn ( ) không cân đối";
	case REG_EBRACK: return "thiếu dấu ] đóng ngoặc vuông";
	case REG_EBRACE: return "dấu ngoặc nhọn { } không cân đối";
	case REG_BADBR: return "số lần lặp trong { } không hợp lệ";
	case REG_ERANGE: return "khoảng ký tự trong [ ] không hợp lệ";
	case REG_ECTYPE: return "tên lớp ký tự không hợp lệ";
	case REG_ECOLLATE: return "phần tử đối chiếu không hợp lệ";
	case REG_EESCAPE: return "dấu \\ ở cuối biểu thức";
	case REG_BADRPT: return "ký hiệu lặp (*, +, ?, {) không đứng sau một biểu thức";
	case REG_ESUBREG: return "tham chiếu ngược tới nhóm không tồn tại";
	case REG_BADPAT: return "biểu thức sai cú pháp";
	default: return "biểu thức không dùng được";
	}
}

/* Compile 'pattern' as every check does.  Returns the regcomp code (0: compiled; 're' then
 * needs regfree). */
static int regex_compile(regex_t *re, const char *pattern, int flags)
{
	locale_t old = regex_enter();
	int code = regcomp(re, pattern, REG_EXTENDED | flags);

	regex_leave(old);
	return code;
}

/*
 * Whether the whole of 's' matches 'pattern'.  POSIX matching is leftmost-longest, so a match
 * from offset 0 to the end exists exactly when the reported match spans it.  This anchors
 * without rewriting the pattern: wrapping it in "^(...)$" would change the meaning of one that
 * holds a lone ')' (a literal in glibc's ERE), such as "a)|b".
 */
static int regex_whole(const char *pattern, const char *s, bool *matched)
{
	regex_t re;
	regmatch_t m[1];
	locale_t old;
	int code, rc = 0;

	*matched = false;
	code = regex_compile(&re, pattern, 0);
	if (code != 0) {
		rc = code == REG_ESPACE ? MC_ENOMEM : MC_EINVAL;
		goto out;
	}
	old = regex_enter();
	code = regexec(&re, s, 1, m, 0);
	regex_leave(old);
	if (code == REG_ESPACE)
		rc = MC_ENOMEM;
	*matched = code == 0 && m[0].rm_so == 0 && (size_t)m[0].rm_eo == strlen(s);
	regfree(&re);
out:
	return rc;
}

/* ---- Checking a schema ----------------------------------------------------------------------- */

struct checker {
	char *err;
	size_t errlen;
	char path[PATH_SIZE]; /* where we are, "sections[1].fields[2]" */
	const char *names[FORMSCHEMA_MAX_FIELDS];
	char where[FORMSCHEMA_MAX_FIELDS][PATH_SIZE]; /* "sections[0].fields[2]" of each name */
	size_t nnames;
};

static int fail(struct checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Describe the problem at c->path: "path: message" (just the message at the root). */
static int fail(struct checker *c, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (c->err == NULL || c->errlen == 0)
		return MC_EINVAL;
	if (c->path[0] != '\0')
		n = snprintf(c->err, c->errlen, "%s: ", c->path);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	cut_partial_utf8(c->err);
	return MC_EINVAL;
}

/* Append ".key" (or "key" at the root) to the path; returns the length to restore. */
static size_t path_key(struct checker *c, const char *key)
{
	size_t keep = strlen(c->path);

	snprintf(c->path + keep, sizeof c->path - keep, "%s%s", keep > 0 ? "." : "", key);
	return keep;
}

static size_t path_index(struct checker *c, size_t i)
{
	size_t keep = strlen(c->path);

	snprintf(c->path + keep, sizeof c->path - keep, "[%zu]", i);
	return keep;
}

static void path_restore(struct checker *c, size_t keep)
{
	c->path[keep] = '\0';
}

/* Refuse any member of 'obj' not in allowed[0..n): it is usually a typo ("requried"). */
static int check_members(struct checker *c, const json_t *obj, const char *const *allowed,
                         size_t n)
{
	const char *key;
	json_t *v;
	size_t i, keep;
	int rc = 0;

	json_object_foreach((json_t *)obj, key, v) {
		(void)v;
		for (i = 0; i < n && strcmp(allowed[i], key) != 0; i++)
			;
		if (i < n)
			continue;
		/* Keys are any text: name one only when it is short and prints as itself. */
		keep = strlen(c->path);
		if (strlen(key) <= 40 &&
		    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
		            strlen(key))
			path_key(c, key);
		rc = fail(c, "thành phần này không có trong định dạng biểu mẫu (có thể do gõ sai "
		             "tên); xem docs/form-schema.md");
		path_restore(c, keep);
		goto out;
	}
out:
	return rc;
}

/*
 * Check text member 'key' of 'obj': a string without NUL of min..max characters (after NFC),
 * and not only white space when min > 0.  *out is its value (NULL when absent and optional).
 */
static int check_text(struct checker *c, const json_t *obj, const char *key, bool required,
                      size_t min, size_t max, const char **out)
{
	const json_t *v = json_object_get(obj, key);
	const char *s;
	char limit[32];
	size_t keep = path_key(c, key), len, chars = 0;
	int rc = 0;

	*out = NULL;
	if (v == NULL) {
		if (required)
			rc = fail(c, "thiếu thành phần bắt buộc này");
		goto out;
	}
	if (!json_is_string(v)) {
		rc = fail(c, "phải là một chuỗi văn bản");
		goto out;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (strlen(s) != len) {
		rc = fail(c, "không được chứa ký tự NUL");
		goto out;
	}
	if (min > 0 && blank(s, len)) {
		rc = fail(c, "không được để trống");
		goto out;
	}
	if ((rc = nfc_chars(s, len, &chars)) != 0) {
		if (rc == MC_EINVAL)
			rc = fail(c, "không phải văn bản UTF-8 hợp lệ");
		goto out;
	}
	format_count(max, limit, sizeof limit);
	if (chars > max) {
		rc = fail(c, "không được dài quá %s ký tự", limit);
		goto out;
	}
	*out = s;
out:
	path_restore(c, keep);
	return rc;
}

/* An optional boolean member. */
static int check_bool(struct checker *c, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	size_t keep = path_key(c, key);
	int rc = 0;

	if (v != NULL && !json_is_boolean(v))
		rc = fail(c, "phải là true hoặc false");
	path_restore(c, keep);
	return rc;
}

/* An optional whole number 0..FORMSCHEMA_LENGTH_MAX; *out is left alone when absent. */
static int check_length(struct checker *c, const json_t *obj, const char *key, size_t *out)
{
	const json_t *v = json_object_get(obj, key);
	char limit[32];
	size_t keep = path_key(c, key);
	int rc = 0;

	if (v == NULL)
		goto out;
	format_count(FORMSCHEMA_LENGTH_MAX, limit, sizeof limit);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)FORMSCHEMA_LENGTH_MAX) {
		rc = fail(c, "phải là số nguyên từ 0 đến %s", limit);
		goto out;
	}
	*out = (size_t)json_integer_value(v);
out:
	path_restore(c, keep);
	return rc;
}

static int check_lengths(struct checker *c, const json_t *field, int type)
{
	char a[32], b[32];
	size_t min = types[type].min_default, max = types[type].max_default, keep;
	bool has_min = json_object_get(field, "min_length") != NULL;
	bool has_max = json_object_get(field, "max_length") != NULL;
	int rc;

	if ((rc = check_length(c, field, "min_length", &min)) != 0 ||
	    (rc = check_length(c, field, "max_length", &max)) != 0)
		goto out;
	if (min <= max)
		goto out;
	/* Name the member the author wrote; a default on the other side is said to be one. */
	keep = path_key(c, has_min ? "min_length" : "max_length");
	format_count(min, a, sizeof a);
	format_count(max, b, sizeof b);
	if (has_min && has_max)
		rc = fail(c, "min_length (%s) không được lớn hơn max_length (%s)", a, b);
	else if (has_min)
		rc = fail(c, "min_length (%s) lớn hơn độ dài tối đa mặc định của kiểu %s (%s); "
		             "hãy ghi thêm max_length", a, types[type].name, b);
	else
		rc = fail(c, "max_length (%s) nhỏ hơn độ dài tối thiểu mặc định của kiểu %s (%s); "
		             "hãy ghi thêm min_length", b, types[type].name, a);
	path_restore(c, keep);
out:
	return rc;
}

static int check_pattern(struct checker *c, const json_t *field)
{
	regex_t re;
	const char *p;
	size_t keep;
	int rc, code;

	if ((rc = check_text(c, field, "pattern", false, 0, FORMSCHEMA_PATTERN_MAX, &p)) != 0 ||
	    p == NULL)
		goto out;
	keep = path_key(c, "pattern");
	if (p[0] == '\0') {
		/* Anchored to the whole answer, an empty pattern would refuse every answer. */
		rc = fail(c, "không được để trống");
	} else if ((code = regex_compile(&re, p, REG_NOSUB)) != 0) {
		rc = code == REG_ESPACE ? MC_ENOMEM
		                        : fail(c, "không phải biểu thức chính quy POSIX mở rộng hợp lệ "
		                                  "(%s)", regex_problem(code));
	} else {
		regfree(&re);
	}
	path_restore(c, keep);
out:
	return rc;
}

/* Number bounds: JSON numbers, min ≤ max. */
static int check_number_bounds(struct checker *c, const json_t *field)
{
	static const char *const keys[2] = { "min", "max" };
	const json_t *v[2];
	size_t i, keep;
	int rc = 0;

	for (i = 0; i < 2; i++) {
		v[i] = json_object_get(field, keys[i]);
		if (v[i] != NULL && !json_is_number(v[i])) {
			keep = path_key(c, keys[i]);
			rc = fail(c, "phải là một số (không đặt trong dấu ngoặc kép)");
			path_restore(c, keep);
			goto out;
		}
	}
	if (v[0] != NULL && v[1] != NULL && json_number_value(v[0]) > json_number_value(v[1])) {
		keep = path_key(c, "min");
		rc = fail(c, "không được lớn hơn max");
		path_restore(c, keep);
	}
out:
	return rc;
}

/* Date bounds: "YYYY-MM-DD" or "today", min ≤ max when both are dates. */
static int check_date_bounds(struct checker *c, const json_t *field)
{
	static const char *const keys[2] = { "min", "max" };
	struct civil_date d[2];
	bool fixed[2] = { false, false };
	const json_t *v;
	const char *s;
	size_t i, keep;
	int rc = 0;

	for (i = 0; i < 2; i++) {
		v = json_object_get(field, keys[i]);
		if (v == NULL)
			continue;
		s = json_string_value(v);
		if (s != NULL && strcmp(s, "today") == 0)
			continue;
		if (s == NULL || !parse_iso_date(s, &d[i])) {
			keep = path_key(c, keys[i]);
			rc = fail(c, "phải là một ngày có thật dạng YYYY-MM-DD (ví dụ \"1900-01-01\") "
			             "hoặc \"today\"");
			path_restore(c, keep);
			goto out;
		}
		fixed[i] = true;
	}
	if (fixed[0] && fixed[1] && date_cmp(&d[0], &d[1]) > 0) {
		keep = path_key(c, "min");
		rc = fail(c, "không được sau ngày max");
		path_restore(c, keep);
	}
out:
	return rc;
}

/* Option values: ^[a-z0-9_-]{1,40}$. */
static bool option_value_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= FORMSCHEMA_OPTION_VALUE_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static int check_options(struct checker *c, const json_t *field, int type)
{
	static const char *const allowed[] = { "value", "label" };
	const json_t *opts = json_object_get(field, "options"), *o;
	const char *value, *label, *other;
	size_t keep = path_key(c, "options"), keep_list = strlen(c->path), keep_opt, i, j;
	int rc = 0;

	if (opts == NULL) {
		if (type != FT_CHECKBOX)
			rc = fail(c, "thiếu thành phần bắt buộc với trường kiểu %s", types[type].name);
		goto out;
	}
	if (!json_is_array(opts)) {
		rc = fail(c, "phải là một mảng các lựa chọn { \"value\", \"label\" }");
		goto out;
	}
	if (json_array_size(opts) < 1 || json_array_size(opts) > FORMSCHEMA_MAX_OPTIONS) {
		rc = fail(c, "phải có từ 1 đến %u lựa chọn", FORMSCHEMA_MAX_OPTIONS);
		goto out;
	}
	json_array_foreach(opts, i, o) {
		path_index(c, i);
		keep_opt = strlen(c->path);
		if (!json_is_object(o)) {
			rc = fail(c, "phải là một đối tượng { \"value\", \"label\" }");
			goto out;
		}
		if ((rc = check_members(c, o, allowed, COUNT(allowed))) != 0 ||
		    (rc = check_text(c, o, "value", true, 0, FORMSCHEMA_LENGTH_MAX, &value)) != 0)
			goto out;
		path_key(c, "value");
		if (!option_value_ok(value)) {
			rc = fail(c, "chỉ gồm chữ thường không dấu a–z, chữ số, dấu _ và dấu -, từ 1 đến "
			             "%u ký tự", FORMSCHEMA_OPTION_VALUE_MAX);
			goto out;
		}
		for (j = 0; j < i; j++) {
			other = json_string_value(json_object_get(json_array_get(opts, j), "value"));
			if (other != NULL && strcmp(other, value) == 0) {
				rc = fail(c, "giá trị \"%s\" bị trùng với options[%zu]", value, j);
				goto out;
			}
		}
		path_restore(c, keep_opt);
		if ((rc = check_text(c, o, "label", true, 1, FORMSCHEMA_LABEL_MAX, &label)) != 0)
			goto out;
		path_restore(c, keep_list);
	}
out:
	path_restore(c, keep);
	return rc;
}

static int check_prefill(struct checker *c, const json_t *field, int type)
{
	const char *s;
	size_t keep;
	int rc, p;

	if ((rc = check_text(c, field, "prefill", false, 0, FORMSCHEMA_LENGTH_MAX, &s)) != 0 ||
	    s == NULL)
		goto out;
	keep = path_key(c, "prefill");
	p = prefill_of(s);
	if (p < 0)
		rc = fail(c, "phải là một trong: " PREFILL_LIST);
	else if ((prefills[p].types & BIT(type)) == 0)
		rc = fail(c, "thông tin \"%s\" của tài khoản không dùng được cho trường kiểu %s",
		          prefills[p].name, types[type].name);
	path_restore(c, keep);
out:
	return rc;
}

/* Field names: ^[a-z][a-z0-9_]{0,39}$. */
static bool field_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= FORMSCHEMA_NAME_MAX && s[0] >= 'a' && s[0] <= 'z' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int check_field(struct checker *c, const json_t *field)
{
	const char *allowed[COUNT(field_members)];
	const char *name, *label, *type_name, *help;
	size_t i, keep;
	int rc, type;

	if (!json_is_object(field)) {
		rc = fail(c, "phải là một đối tượng mô tả trường");
		goto out;
	}
	for (i = 0; i < COUNT(field_members); i++)
		allowed[i] = field_members[i].name;
	if ((rc = check_members(c, field, allowed, COUNT(allowed))) != 0)
		goto out;

	if ((rc = check_text(c, field, "name", true, 1, FORMSCHEMA_NAME_MAX, &name)) != 0)
		goto out;
	keep = path_key(c, "name");
	if (!field_name_ok(name)) {
		rc = fail(c, "phải bắt đầu bằng chữ thường a–z, chỉ gồm chữ thường không dấu, chữ số "
		             "và dấu _, tối đa %u ký tự", FORMSCHEMA_NAME_MAX);
		goto out;
	}
	for (i = 0; i < c->nnames; i++) {
		if (strcmp(c->names[i], name) == 0) {
			rc = fail(c, "tên \"%s\" đã dùng cho trường %s; tên trường phải khác nhau "
			             "trong cả biểu mẫu", name, c->where[i]);
			goto out;
		}
	}
	path_restore(c, keep);
	/* The caller has checked the count against FORMSCHEMA_MAX_FIELDS. */
	c->names[c->nnames] = name;
	snprintf(c->where[c->nnames], sizeof c->where[c->nnames], "%s", c->path);
	c->nnames++;

	if ((rc = check_text(c, field, "label", true, 1, FORMSCHEMA_LABEL_MAX, &label)) != 0 ||
	    (rc = check_text(c, field, "type", true, 0, FORMSCHEMA_LENGTH_MAX, &type_name)) != 0)
		goto out;
	type = type_of(type_name);
	if (type < 0) {
		keep = path_key(c, "type");
		rc = fail(c, "kiểu trường không hợp lệ; các kiểu được dùng: " TYPE_LIST);
		goto out;
	}
	for (i = 0; i < COUNT(field_members); i++) {
		if ((field_members[i].types & BIT(type)) == 0 &&
		    json_object_get(field, field_members[i].name) != NULL) {
			keep = path_key(c, field_members[i].name);
			rc = fail(c, "không dùng được cho trường kiểu %s", types[type].name);
			goto out;
		}
	}
	if ((rc = check_bool(c, field, "required")) != 0 ||
	    (rc = check_text(c, field, "help", false, 0, FORMSCHEMA_HELP_MAX, &help)) != 0)
		goto out;
	if ((TEXT_TYPES & BIT(type)) && (rc = check_lengths(c, field, type)) != 0)
		goto out;
	if ((type == FT_TEXT || type == FT_TEXTAREA) && (rc = check_pattern(c, field)) != 0)
		goto out;
	if (type == FT_NUMBER &&
	    ((rc = check_number_bounds(c, field)) != 0 ||
	     (rc = check_bool(c, field, "integer")) != 0))
		goto out;
	if (type == FT_DATE && (rc = check_date_bounds(c, field)) != 0)
		goto out;
	if ((OPTION_TYPES & BIT(type)) && (rc = check_options(c, field, type)) != 0)
		goto out;
	rc = check_prefill(c, field, type);
out:
	return rc;
}

static int check_section(struct checker *c, const json_t *section, size_t *total)
{
	static const char *const allowed[] = { "title", "description", "fields" };
	const json_t *fields, *f;
	const char *s;
	char limit[32];
	size_t keep, keep_field, i;
	int rc;

	if (!json_is_object(section)) {
		rc = fail(c, "phải là một đối tượng { \"title\", \"fields\" }");
		goto out;
	}
	if ((rc = check_members(c, section, allowed, COUNT(allowed))) != 0 ||
	    (rc = check_text(c, section, "title", true, 1, FORMSCHEMA_TITLE_MAX, &s)) != 0 ||
	    (rc = check_text(c, section, "description", false, 0, FORMSCHEMA_DESCRIPTION_MAX,
	                     &s)) != 0)
		goto out;
	keep = path_key(c, "fields");
	fields = json_object_get(section, "fields");
	if (fields == NULL) {
		rc = fail(c, "thiếu thành phần bắt buộc này");
		goto out;
	}
	if (!json_is_array(fields)) {
		rc = fail(c, "phải là một mảng các trường");
		goto out;
	}
	if (json_array_size(fields) < 1 || json_array_size(fields) > FORMSCHEMA_MAX_SECTION_FIELDS) {
		rc = fail(c, "phải có từ 1 đến %u trường", FORMSCHEMA_MAX_SECTION_FIELDS);
		goto out;
	}
	if (*total + json_array_size(fields) > FORMSCHEMA_MAX_FIELDS) {
		format_count(FORMSCHEMA_MAX_FIELDS, limit, sizeof limit);
		rc = fail(c, "cả biểu mẫu chỉ được có tối đa %s trường", limit);
		goto out;
	}
	*total += json_array_size(fields);
	json_array_foreach(fields, i, f) {
		keep_field = path_index(c, i);
		if ((rc = check_field(c, f)) != 0)
			goto out;
		path_restore(c, keep_field);
	}
	path_restore(c, keep);
out:
	return rc;
}

int formschema_check_json(const json_t *schema, char *err, size_t errlen)
{
	static const char *const allowed[] = { "sections" };
	struct checker *c;
	const json_t *sections, *s;
	size_t total = 0, keep, i;
	int rc;

	c = calloc(1, sizeof *c);
	if (c == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	c->err = err;
	c->errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (!json_is_object(schema)) {
		rc = fail(c, "Biểu mẫu phải là một đối tượng JSON dạng { \"sections\": [ ... ] }");
		goto out;
	}
	if ((rc = check_members(c, schema, allowed, COUNT(allowed))) != 0)
		goto out;
	path_key(c, "sections");
	keep = strlen(c->path);
	sections = json_object_get(schema, "sections");
	if (sections == NULL) {
		rc = fail(c, "thiếu thành phần bắt buộc này");
		goto out;
	}
	if (!json_is_array(sections)) {
		rc = fail(c, "phải là một mảng các phần của biểu mẫu");
		goto out;
	}
	if (json_array_size(sections) < 1 || json_array_size(sections) > FORMSCHEMA_MAX_SECTIONS) {
		rc = fail(c, "phải có từ 1 đến %u phần", FORMSCHEMA_MAX_SECTIONS);
		goto out;
	}
	json_array_foreach(sections, i, s) {
		path_index(c, i);
		if ((rc = check_section(c, s, &total)) != 0)
			goto out;
		path_restore(c, keep);
	}
out:
	free(c);
	return rc;
}

/* A jansson parse error in Vietnamese; jansson's own text is English. */
static const char *json_problem(const json_error_t *e)
{
	switch (json_error_code(e)) {
	case json_error_invalid_utf8: return "văn bản không phải UTF-8 hợp lệ";
	case json_error_premature_end_of_input:
		return "văn bản kết thúc giữa chừng (thiếu dấu đóng ngoặc } hoặc ], hoặc dấu \")";
	case json_error_end_of_input_expected:
		return "còn nội dung thừa sau khi đối tượng JSON đã đóng";
	case json_error_null_character: return "chuỗi chứa ký tự NUL (\\u0000)";
	case json_error_null_byte_in_key: return "tên thành phần chứa ký tự NUL";
	case json_error_duplicate_key:
		return "một tên thành phần xuất hiện hai lần trong cùng đối tượng";
	case json_error_numeric_overflow: return "số quá lớn";
	case json_error_stack_overflow: return "các đối tượng và mảng lồng nhau quá sâu";
	default: return "sai cú pháp";
	}
}

int formschema_check(const char *json_text, size_t len, json_t **out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *schema = NULL;
	const char *near;
	int rc;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	schema = json_loadb(json_text != NULL ? json_text : "", json_text != NULL ? len : 0,
	                    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (schema == NULL) {
		if (json_error_code(&je) == json_error_out_of_memory) {
			rc = MC_ENOMEM;
			goto out;
		}
		/* jansson ends most texts with "near '<token>'": the token helps find the place. */
		near = strstr(je.text, " near ");
		if (je.line > 0)
			mc_errf(err, errlen, "Lỗi cú pháp JSON ở dòng %d, cột %d: %s%s%s", je.line,
			        je.column > 0 ? je.column : 1, json_problem(&je),
			        near != NULL ? ", gần " : "", near != NULL ? near + 6 : "");
		else
			mc_errf(err, errlen, "Lỗi cú pháp JSON: %s", json_problem(&je));
		if (err != NULL && errlen > 0)
			cut_partial_utf8(err);
		rc = MC_EINVAL;
		goto out;
	}
	if ((rc = formschema_check_json(schema, err, errlen)) != 0)
		goto out;
	*out = schema;
	schema = NULL;
out:
	json_decref(schema);
	return rc;
}

/* ---- Reading a checked schema ---------------------------------------------------------------- */

/* The type of a field of a checked schema (FT_TEXT if it is somehow unknown). */
static int field_type(const json_t *field)
{
	int t = type_of(json_string_value(json_object_get(field, "type")));

	return t >= 0 ? t : FT_TEXT;
}

static const char *field_text(const json_t *field, const char *key)
{
	const char *s = json_string_value(json_object_get(field, key));

	return s != NULL ? s : "";
}

static bool field_flag(const json_t *field, const char *key)
{
	return json_is_true(json_object_get(field, key));
}

static size_t field_length(const json_t *field, const char *key, size_t dflt)
{
	const json_t *v = json_object_get(field, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return dflt;
	return (size_t)json_integer_value(v);
}

/* A date bound of 'field' ("min"/"max"): false when absent, or "today" without a date. */
static bool date_bound(const json_t *field, const char *key, const struct civil_date *today,
                       struct civil_date *out, bool *is_today)
{
	const char *s = json_string_value(json_object_get(field, key));

	*is_today = s != NULL && strcmp(s, "today") == 0;
	if (*is_today) {
		if (today == NULL)
			return false;
		*out = *today;
		return true;
	}
	return s != NULL && parse_iso_date(s, out);
}

/* The answer of 'name' in 'values' as text ("" when absent or not a string). */
static const char *value_text(const json_t *values, const char *name)
{
	const char *s = json_string_value(json_object_get(values, name));

	return s != NULL ? s : "";
}

/* Whether 'value' is 'v' (a string) or among its items (a list of strings). */
static bool list_has(const json_t *v, const char *value)
{
	const json_t *item;
	size_t i;

	if (json_is_string(v))
		return strcmp(json_string_value(v), value) == 0;
	json_array_foreach(v, i, item)
		if (json_is_string(item) && strcmp(json_string_value(item), value) == 0)
			return true;
	return false;
}

/* ---- Prefill --------------------------------------------------------------------------------- */

int formschema_prefill(const json_t *schema, const json_t *account, json_t *values)
{
	const json_t *section, *field;
	const char *name, *detail, *have;
	size_t i, j;
	int rc = 0;

	if (!json_is_object(values)) {
		rc = MC_EINVAL;
		goto out;
	}
	json_array_foreach(json_object_get(schema, "sections"), i, section) {
		json_array_foreach(json_object_get(section, "fields"), j, field) {
			name = json_string_value(json_object_get(field, "name"));
			detail = json_string_value(json_object_get(field, "prefill"));
			if (name == NULL || detail == NULL)
				continue;
			have = json_string_value(json_object_get(values, name));
			if (json_object_get(values, name) != NULL && (have == NULL || have[0] != '\0'))
				continue;
			detail = json_string_value(json_object_get(account, detail));
			if (detail == NULL || detail[0] == '\0')
				continue;
			if (json_object_set_new(values, name, json_string(detail)) != 0) {
				rc = MC_ENOMEM;
				goto out;
			}
		}
	}
out:
	return rc;
}

/* ---- The view model -------------------------------------------------------------------------- */

/* Set o[key] = v, stealing v; remembers a failure (NULL v included) in *rc. */
static void put(json_t *o, const char *key, json_t *v, int *rc)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*rc = MC_ENOMEM;
}

static json_t *text_or_false(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_false();
}

/* Options of a select, radio or checkbox group, marked from the current answers. */
static json_t *view_options(const json_t *field, const char *name, const char *id,
                            const json_t *values, int *rc)
{
	const json_t *opt;
	json_t *list = json_array(), *o;
	const char *value;
	char oid[ID_SIZE + 24];
	size_t i;
	bool on;

	if (list == NULL) {
		*rc = MC_ENOMEM;
		return NULL;
	}
	json_array_foreach(json_object_get(field, "options"), i, opt) {
		value = field_text(opt, "value");
		on = list_has(json_object_get(values, name), value);
		snprintf(oid, sizeof oid, "%s-%zu", id, i);
		o = json_object();
		if (o == NULL || json_array_append_new(list, o) != 0) {
			*rc = MC_ENOMEM;
			break;
		}
		put(o, "id", json_string(oid), rc);
		put(o, "value", json_string(value), rc);
		put(o, "label", json_string(field_text(opt, "label")), rc);
		put(o, "selected", json_boolean(on), rc);
		put(o, "checked", json_boolean(on), rc);
	}
	return list;
}

/* A number bound as an attribute value, or false. */
static json_t *number_attr(const json_t *v)
{
	char tmp[40];

	if (json_is_integer(v)) {
		snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return json_string(tmp);
	}
	if (json_is_real(v)) {
		format_number(json_real_value(v), false, tmp, sizeof tmp);
		return json_string(tmp);
	}
	return json_false();
}

/* A date bound as an attribute value ("today" becomes the date), or false. */
static json_t *date_attr(const json_t *field, const char *key, const char *today)
{
	const char *s = json_string_value(json_object_get(field, key));

	if (s != NULL && strcmp(s, "today") == 0)
		s = today;
	return s != NULL && s[0] != '\0' ? json_string(s) : json_false();
}

/* The autocomplete token of a field: its prefill's, else its type's, else none. */
static const char *autocomplete_of(const json_t *field, int type)
{
	int p = prefill_of(json_string_value(json_object_get(field, "prefill")));

	if (p >= 0)
		return prefills[p].autocomplete;
	if (type == FT_EMAIL)
		return "email";
	if (type == FT_PHONE)
		return "tel";
	return NULL;
}

/* The maxlength attribute of a field, or 0 for none. */
static size_t maxlength_of(const json_t *field, int type)
{
	switch (type) {
	case FT_TEXT:
	case FT_TEXTAREA:
	case FT_EMAIL:
	case FT_ADDRESS:
		return field_length(field, "max_length", types[type].max_default);
	case FT_CITIZEN_ID:
		return field_length(field, "max_length", 12);
	case FT_TAX_CODE:
		return field_length(field, "max_length", 14); /* "0100109106-001" */
	case FT_PHONE:
		return field_length(field, "max_length", 0); /* written with spaces or dots */
	default:
		return 0;
	}
}

static json_t *view_field(const json_t *field, const json_t *values, const json_t *errors,
                          const char *today, json_t *summary, int *rc)
{
	static const char *const input_types[FT_COUNT] = {
		[FT_TEXT] = "text", [FT_NUMBER] = "number", [FT_DATE] = "date",
		[FT_EMAIL] = "email", [FT_PHONE] = "tel", [FT_CITIZEN_ID] = "text",
		[FT_TAX_CODE] = "text",
	};
	json_t *o = json_object(), *item;
	const char *name = field_text(field, "name"), *help = field_text(field, "help");
	const char *error = json_string_value(json_object_get(errors, name));
	char id[ID_SIZE], help_id[ID_SIZE + 8], error_id[ID_SIZE + 8], anchor[ID_SIZE + 8];
	char describedby[2 * ID_SIZE + 20];
	int type = field_type(field), t;
	bool has_options = json_object_get(field, "options") != NULL;
	bool group = type == FT_RADIO || (type == FT_CHECKBOX && has_options);
	size_t maxlength = maxlength_of(field, type);
	const char *autocomplete = autocomplete_of(field, type);

	if (o == NULL) {
		*rc = MC_ENOMEM;
		return NULL;
	}
	if (error != NULL && error[0] == '\0')
		error = NULL;
	snprintf(id, sizeof id, FORMSCHEMA_INPUT_PREFIX "%s", name);
	snprintf(help_id, sizeof help_id, "%s-help", id);
	snprintf(error_id, sizeof error_id, "%s-error", id);
	snprintf(describedby, sizeof describedby, "%s%s%s", help[0] != '\0' ? help_id : "",
	         help[0] != '\0' && error != NULL ? " " : "", error != NULL ? error_id : "");

	put(o, "name", json_string(name), rc);
	put(o, "id", json_string(id), rc);
	put(o, "input_name", json_string(id), rc);
	put(o, "label", json_string(field_text(field, "label")), rc);
	put(o, "type", json_string(types[type].name), rc);
	for (t = 0; t < FT_COUNT; t++)
		put(o, types[t].view, json_boolean(t == type), rc);
	put(o, "is_checkbox_single", json_boolean(type == FT_CHECKBOX && !has_options), rc);
	put(o, "is_checkbox_multi", json_boolean(type == FT_CHECKBOX && has_options), rc);
	put(o, "control_input", json_boolean(input_types[type] != NULL), rc);
	put(o, "control_textarea", json_boolean(MULTILINE_TYPES & BIT(type)), rc);
	put(o, "control_select", json_boolean(type == FT_SELECT), rc);
	put(o, "control_radio", json_boolean(type == FT_RADIO), rc);
	put(o, "control_checkboxes", json_boolean(type == FT_CHECKBOX && has_options), rc);
	put(o, "control_checkbox", json_boolean(type == FT_CHECKBOX && !has_options), rc);
	put(o, "input_type", text_or_false(input_types[type]), rc);
	put(o, "value", json_string(group ? "" : value_text(values, name)), rc);
	put(o, "checked", json_boolean(type == FT_CHECKBOX && !has_options &&
	                               strcmp(value_text(values, name), "1") == 0), rc);
	put(o, "required", json_boolean(field_flag(field, "required")), rc);
	put(o, "help", json_string(help), rc);
	put(o, "help_id", json_string(help_id), rc);
	put(o, "error", json_string(error != NULL ? error : ""), rc);
	put(o, "error_id", json_string(error_id), rc);
	put(o, "invalid", json_boolean(error != NULL), rc);
	put(o, "describedby", json_string(describedby), rc);
	put(o, "maxlength", maxlength > 0 ? json_integer((json_int_t)maxlength) : json_false(), rc);
	put(o, "rows", type == FT_TEXTAREA ? json_integer(5)
	               : type == FT_ADDRESS ? json_integer(3) : json_false(), rc);
	if (type == FT_NUMBER) {
		put(o, "min", number_attr(json_object_get(field, "min")), rc);
		put(o, "max", number_attr(json_object_get(field, "max")), rc);
		put(o, "step", json_string(field_flag(field, "integer") ? "1" : "any"), rc);
		put(o, "inputmode", json_string(field_flag(field, "integer") ? "numeric" : "decimal"),
		    rc);
	} else {
		put(o, "min", type == FT_DATE ? date_attr(field, "min", today) : json_false(), rc);
		put(o, "max", type == FT_DATE ? date_attr(field, "max", today) : json_false(), rc);
		put(o, "step", json_false(), rc);
		put(o, "inputmode", type == FT_CITIZEN_ID || type == FT_TAX_CODE
		                    ? json_string("numeric") : json_false(), rc);
	}
	put(o, "autocomplete", text_or_false(autocomplete), rc);
	put(o, "options", view_options(field, name, id, values, rc), rc);

	if (error != NULL) {
		/* The summary links to the control that takes focus: a group's first box. */
		snprintf(anchor, sizeof anchor, "%s%s", id, group ? "-0" : "");
		item = json_object();
		if (item == NULL || json_array_append_new(summary, item) != 0) {
			*rc = MC_ENOMEM;
		} else {
			put(item, "field", json_string(anchor), rc);
			put(item, "message", json_string(error), rc);
		}
	}
	return o;
}

int formschema_view(const json_t *schema, const json_t *values, const json_t *errors,
                    const char *today, json_t **out)
{
	const json_t *sections = json_object_get(schema, "sections"), *section, *field;
	json_t *view = NULL, *list, *s, *fields, *summary;
	char sid[32];
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if (!json_is_array(sections)) {
		rc = MC_EINVAL;
		goto out;
	}
	if (today != NULL && today[0] == '\0')
		today = NULL;
	view = json_object();
	if (view == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	list = json_array();
	summary = json_array();
	put(view, "sections", list, &rc);
	put(view, "errors", summary, &rc);
	if (rc != 0)
		goto out;
	json_array_foreach(sections, i, section) {
		s = json_object();
		if (s == NULL || json_array_append_new(list, s) != 0) {
			rc = MC_ENOMEM;
			goto out;
		}
		snprintf(sid, sizeof sid, "s_%zu", i);
		put(s, "id", json_string(sid), &rc);
		put(s, "title", json_string(field_text(section, "title")), &rc);
		put(s, "description", json_string(field_text(section, "description")), &rc);
		fields = json_array();
		put(s, "fields", fields, &rc);
		if (rc != 0)
			goto out;
		json_array_foreach(json_object_get(section, "fields"), j, field) {
			if (json_array_append_new(fields,
			                          view_field(field, values, errors, today, summary,
			                                     &rc)) != 0)
				rc = MC_ENOMEM;
			if (rc != 0)
				goto out;
		}
	}
	put(view, "has_errors", json_boolean(json_array_size(summary) > 0), &rc);
	if (rc != 0)
		goto out;
	*out = view;
	view = NULL;
out:
	json_decref(view);
	return rc;
}

/* ---- Checking answers ------------------------------------------------------------------------ */

/* Messages about answers.  The label of the field goes in front ("Ngày sinh: ..."). */
static const char E_REQUIRED[] = "vui lòng nhập thông tin này.";
static const char E_REQUIRED_CHOICE[] = "vui lòng chọn một lựa chọn.";
static const char E_REQUIRED_CHOICES[] = "vui lòng chọn ít nhất một lựa chọn.";
static const char E_REQUIRED_TICK[] = "vui lòng đánh dấu vào ô này.";
static const char E_BAD_CHOICE[] = "lựa chọn không hợp lệ. Vui lòng chọn lại trong danh sách.";
static const char E_ONE_VALUE[] = "chỉ được nhập một giá trị.";
static const char E_BAD_TEXT[] = "có ký tự không hợp lệ. Vui lòng nhập lại.";
static const char E_BAD_TICK[] = "giá trị không hợp lệ. Vui lòng đánh dấu lại ô này.";
static const char E_CONTROL[] =
	"chỉ được nhập trên một dòng và không được chứa ký tự điều khiển như dấu tab.";
static const char E_CONTROL_MULTI[] =
	"không được chứa ký tự điều khiển. Vui lòng nhập lại bằng chữ thông thường.";
static const char E_PATTERN[] = "không đúng định dạng yêu cầu. Vui lòng xem hướng dẫn và nhập lại.";
static const char E_NUMBER[] = "không phải là số hợp lệ. Vui lòng nhập số, ví dụ 12 hoặc 3,5.";
static const char E_INTEGER[] = "phải là số nguyên (không có phần thập phân).";
static const char E_DATE[] =
	"không phải ngày hợp lệ. Vui lòng chọn ngày trên lịch hoặc nhập theo dạng ngày/tháng/năm, "
	"ví dụ 31/05/1990.";
static const char E_DATE_FUTURE[] = "không được sau ngày hôm nay.";
static const char E_DATE_PAST[] = "không được trước ngày hôm nay.";
static const char E_CID_YEAR[] =
	"năm sinh ghi trong số định danh cá nhân (chữ số thứ 4 đến thứ 6) không hợp lệ. Vui lòng "
	"đối chiếu lại với thẻ căn cước.";

struct answers {
	json_t *clean;
	json_t *errors;
	struct civil_date today;
};

/* Record "label: message" for 'name', lower-casing the message's first letter so that the
 * validators' sentences ("Số điện thoại phải ...") read on after the colon. */
static int add_error(struct answers *a, const char *name, const char *label, const char *msg)
{
	uint8_t first[8];
	ucs4_t uc;
	size_t n = strlen(msg), lead = 0, flen = 0;
	int k, m;

	if (n > 0 && (k = u8_mbtouc(&uc, (const uint8_t *)msg, n)) > 0 &&
	    (m = u8_uctomb(first, uc_tolower(uc), (int)sizeof first)) > 0) {
		lead = (size_t)k;
		flen = (size_t)m;
	}
	if (json_object_set_new(a->errors, name, json_sprintf("%s: %.*s%s", label, (int)flen,
	                                                      (const char *)first, msg + lead)) != 0)
		return MC_ENOMEM;
	return 0;
}

static int add_errorf(struct answers *a, const char *name, const char *label, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

static int add_errorf(struct answers *a, const char *name, const char *label, const char *fmt,
                      ...)
{
	char msg[MESSAGE_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cut_partial_utf8(msg);
	return add_error(a, name, label, msg);
}

static int set_clean(struct answers *a, const char *name, const char *value)
{
	return json_object_set_new(a->clean, name, json_string(value)) != 0 ? MC_ENOMEM : 0;
}

/*
 * An answer made ready for checking: NFC, surrounding white space trimmed, and for multi-line
 * fields CR LF (what browsers send from a textarea) and lone CR turned into LF, so that a line
 * break counts as one character, as the browser's own maxlength counts it.  *out is a new heap
 * string.  MC_EINVAL: NUL inside; MC_ENOMEM.
 */
static int normalise_answer(const json_t *v, bool multiline, char **out)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), normlen = 0, i, o;
	uint8_t *norm = NULL;
	char *p = NULL;
	int rc = 0;

	*out = NULL;
	if (strlen(s) != len) {
		rc = MC_EINVAL;
		goto out;
	}
	for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
		;
	if (i < len) {
		norm = u8_normalize(UNINORM_NFC, (const uint8_t *)s, len, NULL, &normlen);
		if (norm == NULL) {
			rc = errno == ENOMEM ? MC_ENOMEM : MC_EINVAL;
			goto out;
		}
		s = (const char *)norm;
		len = normlen;
	}
	while (len > 0 && is_space((unsigned char)s[len - 1]))
		len--;
	while (len > 0 && is_space((unsigned char)*s)) {
		s++;
		len--;
	}
	p = malloc(len + 1);
	if (p == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	for (i = o = 0; i < len; i++) {
		if (multiline && s[i] == '\r') {
			p[o++] = '\n';
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
		} else {
			p[o++] = s[i];
		}
	}
	p[o] = '\0';
	*out = p;
	p = NULL;
out:
	free(norm);
	free(p);
	return rc;
}

/* Whether 's' holds a control character: C0, DEL and C1; TAB and LF are allowed in
 * multi-line answers. */
static bool has_control(const char *s, bool multiline)
{
	const uint8_t *p = (const uint8_t *)s;
	ucs4_t uc;
	int k;

	while (*p != '\0') {
		k = u8_strmbtouc(&uc, p);
		if (k <= 0)
			return true;
		if (uc < 0x20 || (uc >= 0x7F && uc <= 0x9F)) {
			if (!(multiline && (uc == '\t' || uc == '\n')))
				return true;
		}
		p += k;
	}
	return false;
}

/* Length and pattern of a text answer 's' (non-empty); adds the error, if any. */
static int check_text_answer(struct answers *a, const json_t *field, int type, const char *name,
                             const char *label, const char *s, bool *ok)
{
	const char *pattern = json_string_value(json_object_get(field, "pattern"));
	size_t min = field_length(field, "min_length", types[type].min_default);
	size_t max = field_length(field, "max_length", types[type].max_default);
	size_t chars = u8_mbsnlen((const uint8_t *)s, strlen(s));
	char limit[32];
	bool matched;
	int rc = 0;

	*ok = false;
	if (chars < min) {
		format_count(min, limit, sizeof limit);
		rc = add_errorf(a, name, label, "phải có ít nhất %s ký tự (hiện có %zu ký tự).", limit,
		                chars);
		goto out;
	}
	if (chars > max) {
		format_count(max, limit, sizeof limit);
		rc = add_errorf(a, name, label, "không được dài quá %s ký tự (hiện có %zu ký tự).",
		                limit, chars);
		goto out;
	}
	if (pattern != NULL && pattern[0] != '\0') {
		rc = regex_whole(pattern, s, &matched);
		if (rc == MC_EINVAL) /* a schema that was never checked: refuse, do not guess */
			matched = false;
		else if (rc != 0)
			goto out;
		rc = 0;
		if (!matched) {
			rc = add_error(a, name, label, E_PATTERN);
			goto out;
		}
	}
	*ok = true;
out:
	return rc;
}

/* A decimal number: optional '-', digits, optionally ',' or '.' and digits.  Writes it with '.'
 * into canon (at most FORMSCHEMA_NUMBER_MAX_BYTES + 1 bytes) and sets *whole when the fraction
 * is absent or all zeros; then canon holds just the whole part. */
static bool parse_number(const char *s, char *canon, double *value, bool *whole)
{
	size_t n = strlen(s), i = 0, o = 0, int_end;
	bool zero_fraction = true;

	if (n == 0 || n > FORMSCHEMA_NUMBER_MAX_BYTES)
		return false;
	if (s[i] == '-')
		canon[o++] = s[i++];
	if (!is_digit((unsigned char)s[i]))
		return false;
	while (is_digit((unsigned char)s[i]))
		canon[o++] = s[i++];
	int_end = o;
	if (s[i] == ',' || s[i] == '.') {
		canon[o++] = '.';
		i++;
		if (!is_digit((unsigned char)s[i]))
			return false;
		while (is_digit((unsigned char)s[i])) {
			zero_fraction = zero_fraction && s[i] == '0';
			canon[o++] = s[i++];
		}
	}
	if (s[i] != '\0')
		return false;
	canon[o] = '\0';
	*value = strtod(canon, NULL);
	if (!isfinite(*value))
		return false;
	*whole = zero_fraction;
	if (zero_fraction)
		canon[int_end] = '\0';
	if (strcmp(canon, "-0") == 0)
		strcpy(canon, "0");
	return true;
}

static int check_number_answer(struct answers *a, const json_t *field, const char *name,
                               const char *label, const char *s)
{
	char canon[FORMSCHEMA_NUMBER_MAX_BYTES + 2], bound[40];
	const json_t *min = json_object_get(field, "min"), *max = json_object_get(field, "max");
	double d;
	bool whole;
	int rc;

	if (!parse_number(s, canon, &d, &whole))
		return add_error(a, name, label, E_NUMBER);
	if (field_flag(field, "integer") && !whole)
		return add_error(a, name, label, E_INTEGER);
	if (json_is_number(min) && d < json_number_value(min)) {
		format_number(json_number_value(min), true, bound, sizeof bound);
		return add_errorf(a, name, label, "không được nhỏ hơn %s.", bound);
	}
	if (json_is_number(max) && d > json_number_value(max)) {
		format_number(json_number_value(max), true, bound, sizeof bound);
		return add_errorf(a, name, label, "không được lớn hơn %s.", bound);
	}
	/* A whole number is kept without its ",00"; others keep the digits as typed. */
	if ((rc = set_clean(a, name, canon)) != 0)
		return rc;
	return 0;
}

static int check_date_answer(struct answers *a, const json_t *field, const char *name,
                             const char *label, const char *s)
{
	struct civil_date d, bound;
	char iso[16];
	bool is_today;

	if (!parse_iso_date(s, &d) && !parse_dmy_date(s, &d))
		return add_error(a, name, label, E_DATE);
	if (date_bound(field, "min", &a->today, &bound, &is_today) && date_cmp(&d, &bound) < 0) {
		if (is_today)
			return add_error(a, name, label, E_DATE_PAST);
		return add_errorf(a, name, label, "không được trước ngày %02d/%02d/%04d.", bound.day,
		                  bound.month, bound.year);
	}
	if (date_bound(field, "max", &a->today, &bound, &is_today) && date_cmp(&d, &bound) > 0) {
		if (is_today)
			return add_error(a, name, label, E_DATE_FUTURE);
		return add_errorf(a, name, label, "không được sau ngày %02d/%02d/%04d.", bound.day,
		                  bound.month, bound.year);
	}
	snprintf(iso, sizeof iso, "%04d-%02d-%02d", d.year, d.month, d.day);
	return set_clean(a, name, iso);
}

/* Whether 'value' is one of the field's option values. */
static bool is_option(const json_t *field, const char *value)
{
	const json_t *opt;
	size_t i;

	json_array_foreach(json_object_get(field, "options"), i, opt)
		if (strcmp(field_text(opt, "value"), value) == 0)
			return true;
	return false;
}

/* A checkbox group: zero or more option values, kept in the schema's order. */
static int check_choices(struct answers *a, const json_t *field, const char *name,
                         const char *label, const json_t *v)
{
	const json_t *opt, *item;
	json_t *list = NULL, *picked = NULL;
	const char *value;
	char *s = NULL;
	size_t i, n;
	bool bad = v != NULL && !json_is_null(v) && !json_is_string(v) && !json_is_array(v);
	int rc = 0;

	picked = json_array();
	list = json_array();
	if (picked == NULL || list == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	n = json_is_array(v) ? json_array_size(v) : json_is_string(v) ? 1 : 0;
	for (i = 0; i < n; i++) {
		item = json_is_array(v) ? json_array_get(v, i) : v;
		if (!json_is_string(item)) {
			bad = true;
			continue;
		}
		free(s);
		s = NULL;
		if ((rc = normalise_answer(item, false, &s)) == MC_ENOMEM)
			goto out;
		if (rc != 0 || (s[0] != '\0' && !is_option(field, s))) {
			rc = 0;
			bad = true;
			continue;
		}
		if (s[0] != '\0' && json_array_append_new(picked, json_string(s)) != 0) {
			rc = MC_ENOMEM;
			goto out;
		}
	}
	/* The schema's order, each value once, however the browser sent them. */
	json_array_foreach(json_object_get(field, "options"), i, opt) {
		value = field_text(opt, "value");
		if (list_has(picked, value) && json_array_append_new(list, json_string(value)) != 0) {
			rc = MC_ENOMEM;
			goto out;
		}
	}
	if (json_object_set(a->clean, name, list) != 0) {
		rc = MC_ENOMEM;
		goto out;
	}
	if (bad)
		rc = add_error(a, name, label, E_BAD_CHOICE);
	else if (json_array_size(list) == 0 && field_flag(field, "required"))
		rc = add_error(a, name, label, E_REQUIRED_CHOICES);
out:
	free(s);
	json_decref(list);
	json_decref(picked);
	return rc;
}

/* The latest year of birth a citizen_id may carry: the one 'today' falls in. */
static bool citizen_year_ok(const char *s, const struct civil_date *today)
{
	int year = 1900 + 100 * ((s[3] - '0') / 2) + (s[4] - '0') * 10 + (s[5] - '0');

	return year <= today->year;
}

/* One answer 's' (normalised, non-empty) of a field that is neither a checkbox group nor
 * empty.  On success stores the clean value; otherwise adds the error and stores 's'. */
static int check_one(struct answers *a, const json_t *field, int type, const char *name,
                     const char *label, const char *s)
{
	char phone[VALIDATE_PHONE_SIZE];
	const char *msg = NULL;
	bool ok = false;
	int rc = 0;

	switch (type) {
	case FT_TEXT:
	case FT_TEXTAREA:
	case FT_ADDRESS:
		if (has_control(s, type != FT_TEXT)) {
			rc = add_error(a, name, label, type == FT_TEXT ? E_CONTROL : E_CONTROL_MULTI);
			break;
		}
		rc = check_text_answer(a, field, type, name, label, s, &ok);
		break;
	case FT_EMAIL:
		if (validate_email(s, NULL, 0, &msg) != 0)
			rc = add_error(a, name, label, msg);
		else
			rc = check_text_answer(a, field, type, name, label, s, &ok);
		break;
	case FT_PHONE:
		if (validate_phone(s, phone, &msg) != 0)
			rc = add_error(a, name, label, msg);
		else if ((rc = check_text_answer(a, field, type, name, label, s, &ok)) == 0 && ok)
			rc = set_clean(a, name, phone);
		break;
	case FT_CITIZEN_ID:
		if (validate_citizen_id(s, NULL, &msg) != 0)
			rc = add_error(a, name, label, msg);
		else if (!citizen_year_ok(s, &a->today))
			rc = add_error(a, name, label, E_CID_YEAR);
		else
			rc = check_text_answer(a, field, type, name, label, s, &ok);
		break;
	case FT_TAX_CODE:
		if (validate_tax_code(s, &msg) != 0)
			rc = add_error(a, name, label, msg);
		else
			rc = check_text_answer(a, field, type, name, label, s, &ok);
		break;
	case FT_NUMBER:
		rc = check_number_answer(a, field, name, label, s);
		break;
	case FT_DATE:
		rc = check_date_answer(a, field, name, label, s);
		break;
	case FT_SELECT:
	case FT_RADIO:
		if (!is_option(field, s))
			rc = add_error(a, name, label, E_BAD_CHOICE);
		break;
	case FT_CHECKBOX: /* a single box: "1" when ticked */
		if (strcmp(s, "1") != 0)
			rc = add_error(a, name, label, E_BAD_TICK);
		break;
	}
	/* Whatever was not stored in canonical form above is kept as typed. */
	if (rc == 0 && json_object_get(a->clean, name) == NULL)
		rc = set_clean(a, name, s);
	return rc;
}

/* The message for an empty answer to a required field of 'type'. */
static const char *required_message(int type)
{
	switch (type) {
	case FT_SELECT:
	case FT_RADIO:
		return E_REQUIRED_CHOICE;
	case FT_CHECKBOX:
		return E_REQUIRED_TICK;
	default:
		return E_REQUIRED;
	}
}

static int check_answer(struct answers *a, const json_t *field, const json_t *submitted)
{
	const char *name = field_text(field, "name"), *label = field_text(field, "label");
	const json_t *v = json_object_get(submitted, name);
	int type = field_type(field);
	char *s = NULL;
	int rc = 0;

	if (type == FT_CHECKBOX && json_object_get(field, "options") != NULL) {
		rc = check_choices(a, field, name, label, v);
		goto out;
	}
	if (json_is_array(v)) {
		/* One control posted more than once: a tampered or broken form. */
		if (json_array_size(v) > 1) {
			if ((rc = set_clean(a, name, "")) == 0)
				rc = add_error(a, name, label, E_ONE_VALUE);
			goto out;
		}
		v = json_array_get(v, 0);
	}
	if (v != NULL && !json_is_null(v) && !json_is_string(v)) {
		if ((rc = set_clean(a, name, "")) == 0)
			rc = add_error(a, name, label, E_BAD_TEXT);
		goto out;
	}
	if (v == NULL || json_is_null(v)) {
		s = strdup("");
		if (s == NULL)
			rc = MC_ENOMEM;
	} else {
		rc = normalise_answer(v, (MULTILINE_TYPES & BIT(type)) != 0, &s);
	}
	if (rc == MC_EINVAL) {
		if ((rc = set_clean(a, name, "")) == 0)
			rc = add_error(a, name, label, E_BAD_TEXT);
		goto out;
	}
	if (rc != 0)
		goto out;
	if (s[0] == '\0') {
		/* An empty optional field is always valid. */
		if ((rc = set_clean(a, name, "")) == 0 && field_flag(field, "required"))
			rc = add_error(a, name, label, required_message(type));
		goto out;
	}
	rc = check_one(a, field, type, name, label, s);
out:
	free(s);
	return rc;
}

int formschema_check_values(const json_t *schema, const json_t *submitted, const char *today,
                            json_t **clean, json_t **errors)
{
	const json_t *sections = json_object_get(schema, "sections"), *section, *field;
	struct answers a = { NULL, NULL, { 0, 0, 0 } };
	size_t i, j;
	int rc = 0;

	*clean = NULL;
	*errors = NULL;
	if (!json_is_array(sections) || !json_is_object(submitted) ||
	    !parse_iso_date(today, &a.today)) {
		rc = MC_EINVAL;
		goto out;
	}
	a.clean = json_object();
	a.errors = json_object();
	if (a.clean == NULL || a.errors == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	json_array_foreach(sections, i, section) {
		json_array_foreach(json_object_get(section, "fields"), j, field) {
			if ((rc = check_answer(&a, field, submitted)) != 0)
				goto out;
		}
	}
	*clean = a.clean;
	*errors = a.errors;
	rc = json_object_size(a.errors) > 0 ? MC_EINVAL : 0;
	a.clean = a.errors = NULL;
out:
	json_decref(a.clean);
	json_decref(a.errors);
	return rc;
}
