/* procedure.c: checking, storing and loading one procedure in its catalogue form. */
#include "domain/rows.h"
#include "domain/procedure.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unistr.h>
#include <uninorm.h>

#include "domain/formschema.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/fold.h"
#include "store/db.h"

/* A member path such as "procedures[12] (1.000894).documents[49].template.content_base64". */
#define PATH_MAX_BYTES 192

/* Base64 is decoded in pieces of this many characters (a multiple of 4), so checking a 10 MiB
 * template needs no 10 MiB buffer. */
#define BASE64_CHUNK 8192

/* The most base64 characters a template of PROCEDURE_TEMPLATE_BYTES can take. */
#define TEMPLATE_BASE64_MAX (((size_t)PROCEDURE_TEMPLATE_BYTES + 2) / 3 * 4)

static const char *const procedure_members[] = {
	"code", "name", "field", "level", "applicant_type", "description", "steps", "submission",
	"conditions", "time", "fees", "legal_basis", "result", "service_mode", "active",
	"documents", "form", NULL,
};
static const char *const time_members[] = { "kind", "value", "note", NULL };
static const char *const fee_members[] = { "amount", "description", NULL };
static const char *const document_members[] = {
	"name", "originals", "copies", "requirement", "condition", "file_types", "max_size",
	"multiple", "template", NULL,
};
static const char *const template_members[] = { "name", "media_type", "sha256",
	                                         "content_base64", NULL };

static const char *const levels[] = { "central", "province", "commune", NULL };
static const char *const applicant_types[] = { "citizen", "business", "both", NULL };
static const char *const time_kinds[] = { "days", "same_day", "hours", NULL };
static const char *const service_modes[] = { "info", "forms", "partial", "full", NULL };
static const char *const requirements[] = { "mandatory", "conditional", NULL };
static const char *const file_types[] = { "pdf", "jpg", "png", "docx", "doc", "xlsx", "xls",
	                                  "odt", "zip", "xml", NULL };

/* ------------------------------------------------------------------------------------------ */
/* Small helpers */

static int in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/* Append s to dst[0..*n) within cap bytes (cap > 0), keeping it NUL-terminated; cut when full. */
static void append(char *dst, size_t cap, size_t *n, const char *s)
{
	size_t len = strlen(s);

	if (len > cap - 1 - *n)
		len = cap - 1 - *n;
	memcpy(dst + *n, s, len);
	*n += len;
	dst[*n] = '\0';
}

/* "path.key", or "key" when path is empty.  Paths are bounded (a prefix of at most 64 bytes,
 * then the format's member names), so PATH_MAX_BYTES never cuts one; if it did, the message
 * would merely be shorter.  dst may not overlap path. */
static void join(char *dst, size_t cap, const char *path, const char *key)
{
	size_t n = 0;

	dst[0] = '\0';
	append(dst, cap, &n, path);
	if (path[0] != '\0')
		append(dst, cap, &n, ".");
	append(dst, cap, &n, key);
}

/* "path[i]". */
static void join_index(char *dst, size_t cap, const char *path, size_t i)
{
	char index[32];
	size_t n = 0;

	snprintf(index, sizeof(index), "[%zu]", i);
	dst[0] = '\0';
	append(dst, cap, &n, path);
	append(dst, cap, &n, index);
}

int procedure_code_valid(const char *s)
{
	if (s == NULL || strlen(s) != 8 || s[1] != '.')
		return 0;
	for (size_t i = 0; i < 8; i++)
		if (i != 1 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Normalisation */

static int all_ascii(const char *s, size_t len)
{
	unsigned char high = 0;

	for (size_t i = 0; i < len; i++)
		high |= (unsigned char)s[i];
	return (high & 0x80) == 0;
}

/*
 * The NFC form of s[0..len) in *out (malloc'd, NUL-terminated, length *outlen), or *out NULL
 * when s is already NFC.  MC_EINVAL: not UTF-8; MC_ENOMEM.
 */
static int nfc_if_needed(const char *s, size_t len, char **out, size_t *outlen)
{
	uint8_t *norm;
	size_t normlen = 0;
	char *copy;

	*out = NULL;
	*outlen = 0;
	if (all_ascii(s, len))
		return 0;
	if (u8_check((const uint8_t *)s, len) != NULL)
		return MC_EINVAL;
	norm = u8_normalize(UNINORM_NFC, (const uint8_t *)s, len, NULL, &normlen);
	if (norm == NULL)
		return MC_ENOMEM;
	if (normlen == len && memcmp(norm, s, len) == 0) {
		free(norm);
		return 0;
	}
	copy = malloc(normlen + 1);
	if (copy == NULL) {
		free(norm);
		return MC_ENOMEM;
	}
	memcpy(copy, norm, normlen);
	copy[normlen] = '\0';
	free(norm);
	*out = copy;
	*outlen = normlen;
	return 0;
}

static int normalize_value(json_t *v, unsigned depth)
{
	const char *key;
	json_t *child;
	size_t i;
	int rc = 0;

	/* jansson refuses documents deeper than 2048 levels; this bound only keeps a hand-built
	 * object from exhausting the stack. */
	if (depth > 4096)
		return MC_EINVAL;
	if (json_is_string(v)) {
		char *norm = NULL;
		size_t normlen = 0;

		rc = nfc_if_needed(json_string_value(v), json_string_length(v), &norm, &normlen);
		if (rc == 0 && norm != NULL && json_string_setn_nocheck(v, norm, normlen) != 0)
			rc = MC_ENOMEM;
		free(norm);
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, child) {
			rc = normalize_value(child, depth + 1);
			if (rc != 0)
				break;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			rc = normalize_value(child, depth + 1);
			if (rc != 0)
				break;
		}
	}
	return rc;
}

int procedure_normalize_json(json_t *p)
{
	if (!json_is_object(p))
		return MC_EINVAL;
	return normalize_value(p, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Checking */

struct check {
	char *msg;
	size_t len;
};

/* Write "path: reason" (or just the reason when path is empty) and return MC_EINVAL. */
static int fail(struct check *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct check *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (c->msg == NULL || c->len == 0)
		return MC_EINVAL;
	if (path[0] != '\0')
		n = snprintf(c->msg, c->len, "%s: ", path);
	if (n < 0 || (size_t)n >= c->len)
		return MC_EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->msg + n, c->len - (size_t)n, fmt, ap);
	va_end(ap);
	return MC_EINVAL;
}

/* 'v' written with dots between thousands, the Vietnamese way: 52428800 -> "52.428.800". */
static const char *thousands(long long v, char *out, size_t cap)
{
	char digits[32];
	size_t n, o = 0;

	snprintf(digits, sizeof(digits), "%lld", v < 0 ? -v : v);
	n = strlen(digits);
	if (v < 0 && o + 1 < cap)
		out[o++] = '-';
	for (size_t i = 0; i < n && o + 2 < cap; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = '.';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}

/* A member name fit to quote in a message: short printable ASCII, as the format's names are. */
static int quotable_key(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (key[i] <= 0x20 || key[i] >= 0x7f)
			return 0;
	return 1;
}

/* Refuse members of object 'o' that 'names' does not list. */
static int check_members(struct check *c, const json_t *o, const char *path,
                         const char *const *names)
{
	char where[PATH_MAX_BYTES];
	void *it;

	for (it = json_object_iter((json_t *)o); it != NULL;
	     it = json_object_iter_next((json_t *)o, it)) {
		const char *key = json_object_iter_key(it);

		if (in_list(key, names))
			continue;
		if (!quotable_key(key))
			return fail(c, path, "có một mục không thuộc định dạng danh mục");
		join(where, sizeof(where), path, key);
		return fail(c, where, "không có trong định dạng danh mục");
	}
	return 0;
}

/* Member 'key' of 'o' in *v, or MC_EINVAL naming it as missing. */
static int need(struct check *c, const json_t *o, const char *path, const char *key,
                const json_t **v)
{
	char where[PATH_MAX_BYTES];

	*v = json_object_get(o, key);
	if (*v != NULL)
		return 0;
	join(where, sizeof(where), path, key);
	return fail(c, where, "còn thiếu");
}

/*
 * How a text may look.  A one-line text (a name, a title) holds no control character at all;
 * running text may hold line breaks and tabs.  DEL and the C1 controls are refused in both:
 * they are invisible and only ever come from broken conversions.
 */
enum text_kind { TEXT_LINE, TEXT_LINES };

static int has_control(const char *s, size_t len, enum text_kind kind)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len; i++) {
		if (u[i] < 0x20) {
			if (kind == TEXT_LINE || (u[i] != '\t' && u[i] != '\n' && u[i] != '\r'))
				return 1;
		} else if (u[i] == 0x7f) {
			return 1;
		} else if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f) {
			return 1; /* U+0080..U+009F */
		}
	}
	return 0;
}

static int is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* 1 when s[0..len) is in NFC (pure ASCII always is); -1 when memory ran out. */
static int is_nfc(const char *s, size_t len)
{
	char *norm = NULL;
	size_t normlen;
	int rc = nfc_if_needed(s, len, &norm, &normlen);

	if (rc == MC_ENOMEM)
		return -1;
	free(norm);
	return rc == 0 && norm == NULL;
}

/*
 * Text member 'key': a string of min..max characters ('min' is 0 or 1; 1 also refuses text of
 * white space only), of the given kind, in NFC.  *out (may be NULL) receives the text.
 */
static int check_text(struct check *c, const json_t *o, const char *path, const char *key,
                      size_t min, size_t max, enum text_kind kind, const char **out)
{
	char where[PATH_MAX_BYTES], num[32];
	const json_t *v;
	const char *s;
	size_t len, chars;
	int rc, nfc;

	rc = need(c, o, path, key, &v);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, key);
	if (!json_is_string(v))
		return fail(c, where, "phải là chuỗi văn bản");
	s = json_string_value(v);
	len = json_string_length(v);
	if (has_control(s, len, kind))
		return fail(c, where, kind == TEXT_LINE
		                          ? "không được chứa ký tự điều khiển hay xuống dòng"
		                          : "không được chứa ký tự điều khiển");
	nfc = is_nfc(s, len);
	if (nfc < 0)
		return fail(c, where, "không đủ bộ nhớ để kiểm tra");
	if (nfc == 0)
		return fail(c, where, "phải ở dạng chuẩn Unicode NFC");
	chars = u8_mbsnlen((const uint8_t *)s, len);
	if (min > 0 && (len == 0 || is_blank(s, len)))
		return fail(c, where, "không được để trống");
	if (chars > max)
		return fail(c, where, "không được dài quá %s ký tự",
		            thousands((long long)max, num, sizeof(num)));
	if (out != NULL)
		*out = s;
	return 0;
}

/* Member 'key': one of 'allowed', else 'msg'.  *out (may be NULL) receives it. */
static int check_enum(struct check *c, const json_t *o, const char *path, const char *key,
                      const char *const *allowed, const char *msg, const char **out)
{
	char where[PATH_MAX_BYTES];
	const json_t *v;
	int rc;

	rc = need(c, o, path, key, &v);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, key);
	if (!json_is_string(v) || !in_list(json_string_value(v), allowed))
		return fail(c, where, "%s", msg);
	if (out != NULL)
		*out = json_string_value(v);
	return 0;
}

/* Member 'key': a JSON integer in min..max, else 'msg'. */
static int check_int(struct check *c, const json_t *o, const char *path, const char *key,
                     long long min, long long max, const char *msg, long long *out)
{
	char where[PATH_MAX_BYTES];
	const json_t *v;
	int rc;

	rc = need(c, o, path, key, &v);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, key);
	if (!json_is_integer(v))
		return fail(c, where, "phải là số nguyên");
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return fail(c, where, "%s", msg);
	if (out != NULL)
		*out = json_integer_value(v);
	return 0;
}

static int check_bool(struct check *c, const json_t *o, const char *path, const char *key)
{
	char where[PATH_MAX_BYTES];
	const json_t *v;
	int rc;

	rc = need(c, o, path, key, &v);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, key);
	if (!json_is_boolean(v))
		return fail(c, where, "phải là true hoặc false");
	return 0;
}

/* Member 'key': an object (checked for unknown members), in *out. */
static int check_object(struct check *c, const json_t *o, const char *path, const char *key,
                        const char *const *names, const json_t **out)
{
	char where[PATH_MAX_BYTES];
	int rc;

	rc = need(c, o, path, key, out);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, key);
	if (!json_is_object(*out))
		return fail(c, where, "phải là một đối tượng JSON");
	return names != NULL ? check_members(c, *out, where, names) : 0;
}

/* Member 'key': an array of at most 'max' entries ('min' at least), in *out. */
static int check_array(struct check *c, const json_t *o, const char *path, const char *key,
                       size_t min, size_t max, const char *msg, const json_t **out)
{
	char where[PATH_MAX_BYTES];
	int rc;

	rc = need(c, o, path, key, out);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, key);
	if (!json_is_array(*out))
		return fail(c, where, "phải là một mảng");
	if (json_array_size(*out) < min || json_array_size(*out) > max)
		return fail(c, where, "%s", msg);
	return 0;
}

/*
 * Decode standard base64 (with padding, no white space) s[0..len), feeding the bytes to
 * 'hash' (may be NULL) and copying them to dst (may be NULL; cap bytes).  *size receives the
 * decoded length.  MC_EINVAL: not canonical base64; MC_ETOOBIG: more than cap bytes.
 */
static int base64_decode(const char *s, size_t len, crypto_hash_sha256_state *hash,
                         unsigned char *dst, size_t cap, size_t *size)
{
	unsigned char piece[BASE64_CHUNK / 4 * 3];
	size_t done = 0;

	*size = 0;
	/* Padding may only end the text: each piece below is decoded alone, so '=' inside the
	 * text would otherwise end one piece and let the next one carry on. */
	if (len % 4 != 0 || (len >= 4 && memchr(s, '=', len - 4) != NULL))
		return MC_EINVAL;
	for (size_t off = 0; off < len; off += BASE64_CHUNK) {
		size_t n = len - off < BASE64_CHUNK ? len - off : BASE64_CHUNK, got = 0;
		const char *end = NULL;

		/* libsodium refuses a missing or wrong padding and set bits after the last byte, so
		 * one content has one encoding. */
		if (sodium_base642bin(piece, sizeof(piece), s + off, n, NULL, &got, &end,
		                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    end != s + off + n)
			return MC_EINVAL;
		if (hash != NULL)
			crypto_hash_sha256_update(hash, piece, got);
		if (dst != NULL) {
			if (got > cap - done)
				return MC_ETOOBIG;
			memcpy(dst + done, piece, got);
		}
		done += got;
	}
	*size = done;
	return 0;
}

static void hex_lower(const unsigned char *bin, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 15];
	}
	out[2 * n] = '\0';
}

static int is_sha256_hex(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* type "/" subtype, each a token of RFC 9110 (no parameters): it becomes a Content-Type. */
static int is_media_type(const char *s)
{
	static const char tchar[] = "!#$&^_.+-";
	int slash = 0;
	size_t run = 0;

	for (; *s != '\0'; s++) {
		if (*s == '/') {
			if (slash || run == 0)
				return 0;
			slash = 1;
			run = 0;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		           (*s >= '0' && *s <= '9') || strchr(tchar, *s) != NULL) {
			run++;
		} else {
			return 0;
		}
	}
	return slash && run > 0;
}

static int check_template(struct check *c, const json_t *tpl, const char *path)
{
	char where[PATH_MAX_BYTES], num[32], sha[65];
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state hash;
	const json_t *v;
	const char *name, *media;
	size_t size = 0;
	int rc;

	if (!json_is_object(tpl))
		return fail(c, path, "phải là một đối tượng JSON");
	rc = check_members(c, tpl, path, template_members);
	if (rc != 0)
		return rc;

	rc = check_text(c, tpl, path, "name", 1, PROCEDURE_TEMPLATE_NAME_MAX, TEXT_LINE, &name);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, "name");
	if (strchr(name, '/') != NULL || strchr(name, '\\') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return fail(c, where, "phải là một tên tệp, không chứa / hay \\");

	rc = check_text(c, tpl, path, "media_type", 1, PROCEDURE_MEDIA_TYPE_MAX, TEXT_LINE, &media);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, "media_type");
	if (!is_media_type(media))
		return fail(c, where,
		            "phải là một kiểu nội dung dạng loại/kiểu con, ví dụ application/pdf");

	rc = need(c, tpl, path, "sha256", &v);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, "sha256");
	if (!json_is_string(v) || !is_sha256_hex(json_string_value(v)))
		return fail(c, where, "phải gồm 64 chữ số thập lục phân viết thường");

	rc = need(c, tpl, path, "content_base64", &v);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, "content_base64");
	if (!json_is_string(v))
		return fail(c, where, "phải là chuỗi base64");
	if (json_string_length(v) > TEMPLATE_BASE64_MAX)
		return fail(c, where, "tệp mẫu lớn hơn 10 MiB (%s byte)",
		            thousands(PROCEDURE_TEMPLATE_BYTES, num, sizeof(num)));
	crypto_hash_sha256_init(&hash);
	if (base64_decode(json_string_value(v), json_string_length(v), &hash, NULL, 0, &size) != 0)
		return fail(c, where, "không phải base64 chuẩn hợp lệ (bảng chữ cái chuẩn, có đệm =, "
		                      "không xuống dòng)");
	if (size > PROCEDURE_TEMPLATE_BYTES)
		return fail(c, where, "tệp mẫu lớn hơn 10 MiB (%s byte)",
		            thousands(PROCEDURE_TEMPLATE_BYTES, num, sizeof(num)));
	crypto_hash_sha256_final(&hash, digest);
	hex_lower(digest, sizeof(digest), sha);
	if (strcmp(sha, json_string_value(json_object_get(tpl, "sha256"))) != 0) {
		join(where, sizeof(where), path, "sha256");
		return fail(c, where, "không khớp với nội dung tệp mẫu (sha256 của nội dung là %s)",
		            sha);
	}
	return 0;
}

static int check_file_types(struct check *c, const json_t *doc, const char *path)
{
	char where[PATH_MAX_BYTES], item[PATH_MAX_BYTES];
	const json_t *list, *v;
	size_t i;
	int rc;

	rc = check_array(c, doc, path, "file_types", 1, PROCEDURE_FILE_TYPES_MAX,
	                 "phải có từ 1 đến 10 loại tệp", &list);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, "file_types");
	json_array_foreach(list, i, v) {
		join_index(item, sizeof(item), where, i);
		if (!json_is_string(v) || !in_list(json_string_value(v), file_types))
			return fail(c, item, "phải là một trong pdf, jpg, png, docx, doc, xlsx, xls, "
			                     "odt, zip, xml");
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(list, j)), json_string_value(v)) == 0)
				return fail(c, item, "bị lặp lại");
	}
	return 0;
}

static int check_document(struct check *c, const json_t *doc, const char *path)
{
	char where[PATH_MAX_BYTES];
	const char *requirement;
	const json_t *tpl;
	int rc;

	if (!json_is_object(doc))
		return fail(c, path, "phải là một đối tượng JSON");
	rc = check_members(c, doc, path, document_members);
	if (rc == 0)
		rc = check_text(c, doc, path, "name", 1, PROCEDURE_NAME_MAX, TEXT_LINE, NULL);
	if (rc == 0)
		rc = check_int(c, doc, path, "originals", 0, PROCEDURE_COPIES_MAX,
		               "phải là số nguyên từ 0 đến 100", NULL);
	if (rc == 0)
		rc = check_int(c, doc, path, "copies", 0, PROCEDURE_COPIES_MAX,
		               "phải là số nguyên từ 0 đến 100", NULL);
	if (rc == 0)
		rc = check_enum(c, doc, path, "requirement", requirements,
		                "phải là mandatory hoặc conditional", &requirement);
	if (rc != 0)
		return rc;
	if (strcmp(requirement, "conditional") == 0) {
		rc = check_text(c, doc, path, "condition", 0, PROCEDURE_CONDITION_MAX, TEXT_LINES,
		                NULL);
		join(where, sizeof(where), path, "condition");
		if (rc == 0 && is_blank(json_string_value(json_object_get(doc, "condition")),
		                        json_string_length(json_object_get(doc, "condition"))))
			rc = fail(c, where, "phải nêu trường hợp cần nộp khi requirement là conditional");
	} else {
		rc = check_text(c, doc, path, "condition", 0, PROCEDURE_CONDITION_MAX, TEXT_LINES,
		                NULL);
	}
	if (rc == 0)
		rc = check_file_types(c, doc, path);
	if (rc == 0)
		rc = check_int(c, doc, path, "max_size", 1, PROCEDURE_DOCUMENT_SIZE_MAX,
		               "phải từ 1 đến 52.428.800 byte", NULL);
	if (rc == 0)
		rc = check_bool(c, doc, path, "multiple");
	if (rc != 0)
		return rc;
	tpl = json_object_get(doc, "template");
	if (tpl != NULL) {
		join(where, sizeof(where), path, "template");
		rc = check_template(c, tpl, where);
	}
	return rc;
}

static int check_time(struct check *c, const json_t *p, const char *path)
{
	char where[PATH_MAX_BYTES];
	const json_t *t;
	const char *kind;
	int rc;

	rc = check_object(c, p, path, "time", time_members, &t);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, "time");
	rc = check_enum(c, t, where, "kind", time_kinds, "phải là days, same_day hoặc hours", &kind);
	if (rc != 0)
		return rc;
	if (strcmp(kind, "days") == 0)
		rc = check_int(c, t, where, "value", 1, PROCEDURE_DAYS_MAX,
		               "phải từ 1 đến 365 ngày làm việc khi kind là days", NULL);
	else if (strcmp(kind, "hours") == 0)
		rc = check_int(c, t, where, "value", 1, PROCEDURE_HOURS_MAX,
		               "phải từ 1 đến 2.000 giờ làm việc khi kind là hours", NULL);
	else
		rc = check_int(c, t, where, "value", 0, 0, "phải bằng 0 khi kind là same_day", NULL);
	if (rc == 0)
		rc = check_text(c, t, where, "note", 0, PROCEDURE_NOTE_MAX, TEXT_LINES, NULL);
	return rc;
}

static int check_fees(struct check *c, const json_t *p, const char *path)
{
	char where[PATH_MAX_BYTES], item[PATH_MAX_BYTES];
	const json_t *fees, *fee;
	size_t i;
	int rc;

	rc = check_array(c, p, path, "fees", 0, PROCEDURE_FEES_MAX,
	                 "có tối đa 20 dòng phí, lệ phí", &fees);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, "fees");
	json_array_foreach(fees, i, fee) {
		join_index(item, sizeof(item), where, i);
		if (!json_is_object(fee))
			return fail(c, item, "phải là một đối tượng JSON");
		rc = check_members(c, fee, item, fee_members);
		if (rc == 0)
			rc = check_int(c, fee, item, "amount", 0, PROCEDURE_FEE_AMOUNT_MAX,
			               "phải là số đồng nguyên từ 0 đến 1.000.000.000", NULL);
		if (rc == 0)
			rc = check_text(c, fee, item, "description", 0, PROCEDURE_FEE_TEXT_MAX,
			                TEXT_LINES, NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int check_documents(struct check *c, const json_t *p, const char *path)
{
	char where[PATH_MAX_BYTES], item[PATH_MAX_BYTES];
	const json_t *docs, *doc;
	size_t i;
	int rc;

	rc = check_array(c, p, path, "documents", 0, PROCEDURE_DOCUMENTS_MAX,
	                 "có tối đa 50 thành phần hồ sơ", &docs);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, "documents");
	json_array_foreach(docs, i, doc) {
		join_index(item, sizeof(item), where, i);
		rc = check_document(c, doc, item);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int check_form(struct check *c, const json_t *p, const char *path)
{
	char where[PATH_MAX_BYTES], msg[FORMSCHEMA_ERR_SIZE];
	const json_t *form;
	int rc;

	rc = need(c, p, path, "form", &form);
	if (rc != 0)
		return rc;
	join(where, sizeof(where), path, "form");
	msg[0] = '\0';
	rc = formschema_check_json(form, msg, sizeof(msg));
	if (rc == 0)
		return 0;
	if (rc == MC_ENOMEM)
		return fail(c, where, "không đủ bộ nhớ để kiểm tra");
	/* formschema names the place inside the form ("sections[1].fields[2].options: ..."); a
	 * message about the form as a whole starts with its reason. */
	if (strncmp(msg, "sections", 8) == 0)
		return fail(c, "", "%s.%s", where, msg);
	return fail(c, where, "%s", msg[0] != '\0' ? msg : "không hợp lệ");
}

static int check_procedure(struct check *c, const json_t *p, const char *path)
{
	int rc;

	if (!json_is_object(p))
		return fail(c, path, "phải là một đối tượng JSON");
	rc = check_members(c, p, path, procedure_members);
	if (rc != 0)
		return rc;
	{
		char where[PATH_MAX_BYTES];
		const json_t *code;

		rc = need(c, p, path, "code", &code);
		if (rc != 0)
			return rc;
		join(where, sizeof(where), path, "code");
		if (!json_is_string(code) || !procedure_code_valid(json_string_value(code)))
			return fail(c, where, "phải là mã thủ tục quốc gia dạng 1.001193 (một chữ số, "
			                      "dấu chấm, sáu chữ số)");
	}
	rc = check_text(c, p, path, "name", 1, PROCEDURE_NAME_MAX, TEXT_LINE, NULL);
	if (rc == 0)
		rc = check_text(c, p, path, "field", 1, PROCEDURE_FIELD_MAX, TEXT_LINE, NULL);
	if (rc == 0)
		rc = check_enum(c, p, path, "level", levels, "phải là central, province hoặc commune",
		                NULL);
	if (rc == 0)
		rc = check_enum(c, p, path, "applicant_type", applicant_types,
		                "phải là citizen, business hoặc both", NULL);
	if (rc == 0)
		rc = check_text(c, p, path, "description", 0, PROCEDURE_TEXT_MAX, TEXT_LINES, NULL);
	if (rc == 0)
		rc = check_text(c, p, path, "steps", 1, PROCEDURE_TEXT_MAX, TEXT_LINES, NULL);
	if (rc == 0)
		rc = check_text(c, p, path, "submission", 0, PROCEDURE_TEXT_MAX, TEXT_LINES, NULL);
	if (rc == 0)
		rc = check_text(c, p, path, "conditions", 0, PROCEDURE_TEXT_MAX, TEXT_LINES, NULL);
	if (rc == 0)
		rc = check_time(c, p, path);
	if (rc == 0)
		rc = check_fees(c, p, path);
	if (rc == 0)
		rc = check_text(c, p, path, "legal_basis", 0, PROCEDURE_TEXT_MAX, TEXT_LINES, NULL);
	if (rc == 0)
		rc = check_text(c, p, path, "result", 1, PROCEDURE_NAME_MAX, TEXT_LINE, NULL);
	if (rc == 0)
		rc = check_enum(c, p, path, "service_mode", service_modes,
		                "phải là info, forms, partial hoặc full", NULL);
	if (rc == 0)
		rc = check_bool(c, p, path, "active");
	if (rc == 0)
		rc = check_documents(c, p, path);
	if (rc == 0)
		rc = check_form(c, p, path);
	return rc;
}

int procedure_check_json_at(const json_t *p, const char *where, char *where_and_msg, size_t len)
{
	struct check c = { where_and_msg, len };

	if (where_and_msg != NULL && len > 0)
		where_and_msg[0] = '\0';
	return check_procedure(&c, p, where != NULL ? where : "");
}

int procedure_check_json(const json_t *p, char *where_and_msg, size_t len)
{
	return procedure_check_json_at(p, "", where_and_msg, len);
}

/* ------------------------------------------------------------------------------------------ */
/* Storing */

/* Text member 'key' of o, or "" (procedure_store trusts a checked object; the database's own
 * constraints catch the rest). */
static const char *text_of(const json_t *o, const char *key, size_t *len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v)) {
		if (len != NULL)
			*len = 0;
		return "";
	}
	if (len != NULL)
		*len = json_string_length(v);
	return json_string_value(v);
}

static int64_t int_of(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

static int bind_text_of(struct db_stmt *st, int idx, const json_t *o, const char *key)
{
	size_t len;
	const char *s = text_of(o, key, &len);

	return db_bind_text(st, idx, s, len);
}

/* Put the template's content into blobs unless a blob with its sha256 is there already.
 * MC_EINVAL: a new content is missing, not base64 or not the one its sha256 names. */
static int store_blob(struct db *db, const json_t *tpl)
{
	struct db_stmt *st = NULL;
	const char *sha = text_of(tpl, "sha256", NULL);
	const char *media = text_of(tpl, "media_type", NULL);
	size_t b64len, size = 0;
	const char *b64 = text_of(tpl, "content_base64", &b64len);
	unsigned char *content = NULL, digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state hash;
	char *stored_media = NULL, hex[65];
	int rc, found;

	rc = db_prepare(db, "SELECT media_type FROM blobs WHERE sha256 = ?", &st);
	if (rc == 0)
		rc = db_bind_cstr(st, 1, sha);
	if (rc == 0)
		rc = db_step(st);
	if (rc < 0)
		goto out;
	found = rc == DB_ROW;
	if (found) {
		const char *m = db_col_text(st, 0, NULL);
		stored_media = strdup(m != NULL ? m : "");
		db_reset(st);
		if (stored_media == NULL) {
			rc = MC_ENOMEM;
			goto out;
		}
		rc = 0;
		if (strcmp(stored_media, media) == 0)
			goto out;
		/* The media type belongs to the content: the newest statement of it wins. */
		rc = db_prepare(db, "UPDATE blobs SET media_type = ? WHERE sha256 = ?", &st);
		if (rc == 0)
			rc = db_bind_cstr(st, 1, media);
		if (rc == 0)
			rc = db_bind_cstr(st, 2, sha);
		if (rc == 0)
			rc = db_step_done(st);
		goto out;
	}
	/* A new blob must come with its bytes, and they must be the ones the sha256 names: a
	 * blob is shared by every document that uses the same content. */
	if (!json_is_string(json_object_get(tpl, "content_base64")) ||
	    b64len > TEMPLATE_BASE64_MAX) {
		rc = MC_EINVAL;
		goto out;
	}
	content = malloc(b64len / 4 * 3 + 1);
	if (content == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	crypto_hash_sha256_init(&hash);
	rc = base64_decode(b64, b64len, &hash, content, b64len / 4 * 3 + 1, &size);
	crypto_hash_sha256_final(&hash, digest);
	hex_lower(digest, sizeof(digest), hex);
	if (rc != 0 || strcmp(hex, sha) != 0) {
		rc = MC_EINVAL;
		goto out;
	}
	rc = db_prepare(db, "INSERT INTO blobs (sha256, media_type, size, content) "
	                    "VALUES (?, ?, ?, ?)", &st);
	if (rc == 0)
		rc = db_bind_cstr(st, 1, sha);
	if (rc == 0)
		rc = db_bind_cstr(st, 2, media);
	if (rc == 0)
		rc = db_bind_int64(st, 3, (int64_t)size);
	if (rc == 0)
		rc = db_bind_blob(st, 4, content, size);
	if (rc == 0)
		rc = db_step_done(st);
out:
	free(content);
	free(stored_media);
	return rc;
}

/* The 17 columns procedures shares between INSERT and UPDATE, bound from 'first' on. */
static int bind_procedure_columns(struct db_stmt *st, int first, const json_t *p,
                                  const char *search, const char *form)
{
	const json_t *time = json_object_get(p, "time");
	int i = first, rc;

	rc = bind_text_of(st, i++, p, "name");
	if (rc == 0)
		rc = db_bind_cstr(st, i++, search);
	if (rc == 0)
		rc = bind_text_of(st, i++, p, "field");
	if (rc == 0)
		rc = bind_text_of(st, i++, p, "level");
	if (rc == 0)
		rc = bind_text_of(st, i++, p, "applicant_type");
	if (rc == 0)
		rc = bind_text_of(st, i++, p, "description");
	if (rc == 0)
		rc = bind_text_of(st, i++, p, "steps");
	if (rc == 0)
		rc = bind_text_of(st, i++, p, "submission");
	if (rc == 0)
		rc = bind_text_of(st, i++, p, "conditions");
	if (rc == 0)
		rc = bind_text_of(st, i++, time, "kind");
	if (rc == 0)
		rc = db_bind_int64(st, i++, int_of(time, "value"));
	if (rc == 0)
		rc = bind_text_of(st, i++, time, "note");
	if (rc == 0)
		rc = bind_text_of(st, i++, p, "legal_basis");
	if (rc == 0)
		rc = bind_text_of(st, i++, p, "result");
	if (rc == 0)
		rc = bind_text_of(st, i++, p, "service_mode");
	if (rc == 0)
		rc = db_bind_cstr(st, i++, form);
	if (rc == 0)
		rc = db_bind_int64(st, i++, json_is_true(json_object_get(p, "active")) ? 1 : 0);
	return rc;
}

static int store_fees(struct db *db, int64_t id, const json_t *p)
{
	struct db_stmt *st = NULL;
	const json_t *fee;
	size_t i;
	int rc;

	rc = db_prepare(db, "DELETE FROM procedure_fees WHERE procedure_id = ?", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, id);
	if (rc == 0)
		rc = db_step_done(st);
	json_array_foreach(json_object_get(p, "fees"), i, fee) {
		if (rc != 0)
			break;
		rc = db_prepare(db, "INSERT INTO procedure_fees (procedure_id, position, amount, "
		                    "description) VALUES (?, ?, ?, ?)", &st);
		if (rc == 0)
			rc = db_bind_int64(st, 1, id);
		if (rc == 0)
			rc = db_bind_int64(st, 2, (int64_t)i);
		if (rc == 0)
			rc = db_bind_int64(st, 3, int_of(fee, "amount"));
		if (rc == 0)
			rc = bind_text_of(st, 4, fee, "description");
		if (rc == 0)
			rc = db_step_done(st);
	}
	return rc;
}

/* "pdf,jpg,png" from the document's file_types. */
static int file_types_text(const json_t *doc, struct buf *b)
{
	const json_t *v;
	size_t i;
	int rc = buf_puts(b, "");

	json_array_foreach(json_object_get(doc, "file_types"), i, v) {
		if (rc == 0 && i > 0)
			rc = buf_putc(b, ',');
		if (rc == 0)
			rc = buf_puts(b, json_is_string(v) ? json_string_value(v) : "");
	}
	return rc;
}

/*
 * The search index of procedure 'pid' (migrations/0003_catalog.sql): its row in
 * procedure_search, ordered by its folded name, and each distinct word of 'folded' (its search
 * text) in procedure_words.
 */
static int store_search_index(struct db *db, int64_t pid, const json_t *p, const char *folded)
{
	const char *name = text_of(p, "name", NULL);
	struct db_stmt *st;
	char *sort_key = NULL;
	const char *w = folded;
	int rc;

	rc = fold_text(name, strlen(name), &sort_key);
	if (rc != 0)
		goto out;
	rc = db_prepare(db,
	                "INSERT INTO procedure_search (id, active, sort_key, code, field, level, "
	                "applicant_type, service_mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
	                "ON CONFLICT (id) DO UPDATE SET active = excluded.active, "
	                "sort_key = excluded.sort_key, code = excluded.code, field = excluded.field, "
	                "level = excluded.level, applicant_type = excluded.applicant_type, "
	                "service_mode = excluded.service_mode",
	                &st);
	if (rc == 0 && (rc = db_bind_int64(st, 1, pid)) == 0 &&
	    (rc = db_bind_int64(st, 2, json_is_true(json_object_get(p, "active")))) == 0 &&
	    (rc = db_bind_cstr(st, 3, sort_key)) == 0 &&
	    (rc = db_bind_cstr(st, 4, text_of(p, "code", NULL))) == 0 &&
	    (rc = db_bind_cstr(st, 5, text_of(p, "field", NULL))) == 0 &&
	    (rc = db_bind_cstr(st, 6, text_of(p, "level", NULL))) == 0 &&
	    (rc = db_bind_cstr(st, 7, text_of(p, "applicant_type", NULL))) == 0 &&
	    (rc = db_bind_cstr(st, 8, text_of(p, "service_mode", NULL))) == 0)
		rc = db_step_done(st);
	if (rc != 0)
		goto out;
	rc = db_prepare(db, "DELETE FROM procedure_words WHERE procedure_id = ?", &st);
	if (rc == 0 && (rc = db_bind_int64(st, 1, pid)) == 0)
		rc = db_step_done(st);
	while (rc == 0 && *w != '\0') {
		size_t n = strcspn(w, " ");
		if (n > 0) {
			rc = db_prepare(db, "INSERT INTO procedure_words (word, procedure_id) VALUES (?, ?) "
			                    "ON CONFLICT DO NOTHING", &st);
			if (rc == 0 && (rc = db_bind_text(st, 1, w, n)) == 0 &&
			    (rc = db_bind_int64(st, 2, pid)) == 0)
				rc = db_step_done(st);
		}
		w += n;
		w += strspn(w, " ");
	}
out:
	free(sort_key);
	return rc;
}

/* The document columns shared by UPDATE and INSERT: parameters 1 to 10. */
static int bind_document_columns(struct db_stmt *st, const json_t *doc, const char *types)
{
	const json_t *tpl = json_object_get(doc, "template");
	int rc;

	rc = bind_text_of(st, 1, doc, "name");
	if (rc == 0)
		rc = db_bind_int64(st, 2, int_of(doc, "originals"));
	if (rc == 0)
		rc = db_bind_int64(st, 3, int_of(doc, "copies"));
	if (rc == 0)
		rc = bind_text_of(st, 4, doc, "requirement");
	if (rc == 0)
		rc = bind_text_of(st, 5, doc, "condition");
	if (rc == 0)
		rc = db_bind_cstr(st, 6, types);
	if (rc == 0)
		rc = db_bind_int64(st, 7, int_of(doc, "max_size"));
	if (rc == 0)
		rc = db_bind_int64(st, 8, json_is_true(json_object_get(doc, "multiple")) ? 1 : 0);
	if (rc == 0)
		rc = tpl != NULL ? bind_text_of(st, 9, tpl, "name") : db_bind_null(st, 9);
	if (rc == 0)
		rc = tpl != NULL ? bind_text_of(st, 10, tpl, "sha256") : db_bind_null(st, 10);
	return rc;
}

static int store_documents(struct db *db, int64_t id, const json_t *p)
{
	const json_t *docs = json_object_get(p, "documents"), *doc, *tpl;
	struct db_stmt *st = NULL;
	struct buf types;
	size_t i;
	int rc = 0;

	buf_init(&types, NULL);
	json_array_foreach(docs, i, doc) {
		tpl = json_object_get(doc, "template");
		if (tpl != NULL) {
			rc = store_blob(db, tpl);
			if (rc != 0)
				goto out;
		}
		types.len = 0;
		rc = file_types_text(doc, &types);
		if (rc != 0)
			goto out;
		/* Update in place first: a document keeps its id while its position exists, because
		 * dossiers refer to documents by id. */
		rc = db_prepare(db, "UPDATE procedure_documents SET name = ?, originals = ?, copies = ?, "
		                    "requirement = ?, condition = ?, file_types = ?, max_size = ?, "
		                    "multiple = ?, template_name = ?, template_sha256 = ? "
		                    "WHERE procedure_id = ? AND position = ?", &st);
		if (rc == 0)
			rc = bind_document_columns(st, doc, types.data);
		if (rc == 0)
			rc = db_bind_int64(st, 11, id);
		if (rc == 0)
			rc = db_bind_int64(st, 12, (int64_t)i);
		if (rc == 0)
			rc = db_step_done(st);
		if (rc != 0)
			goto out;
		if (db_changes(db) > 0)
			continue;
		rc = db_prepare(db, "INSERT INTO procedure_documents (name, originals, copies, "
		                    "requirement, condition, file_types, max_size, multiple, "
		                    "template_name, template_sha256, procedure_id, position) "
		                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
		if (rc == 0)
			rc = bind_document_columns(st, doc, types.data);
		if (rc == 0)
			rc = db_bind_int64(st, 11, id);
		if (rc == 0)
			rc = db_bind_int64(st, 12, (int64_t)i);
		if (rc == 0)
			rc = db_step_done(st);
		if (rc != 0)
			goto out;
	}
	rc = db_prepare(db, "DELETE FROM procedure_documents WHERE procedure_id = ? AND position >= ?",
	                &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, id);
	if (rc == 0)
		rc = db_bind_int64(st, 2, (int64_t)json_array_size(docs));
	if (rc == 0)
		rc = db_step_done(st);
out:
	buf_free(&types);
	return rc;
}

int procedure_find_id(struct db *db, const char *code, int64_t *id)
{
	struct db_stmt *st = NULL;
	int rc;

	*id = 0;
	rc = db_prepare(db, "SELECT id FROM procedures WHERE code = ?", &st);
	if (rc == 0)
		rc = db_bind_cstr(st, 1, code);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_col_int64(st, 0);
		db_reset(st);
		return 0;
	}
	return rc == DB_DONE ? MC_ENOTFOUND : rc;
}

int procedure_store(struct db *db, const json_t *p, const char *now, int64_t *id, int *created)
{
	struct db_stmt *st = NULL;
	struct buf search;
	char *folded = NULL, *form = NULL;
	const char *code = text_of(p, "code", NULL);
	int64_t pid = 0;
	int rc, is_new = 0;

	buf_init(&search, NULL);
	if (!json_is_object(p) || !procedure_code_valid(code) ||
	    !json_is_object(json_object_get(p, "time")) ||
	    !json_is_object(json_object_get(p, "form"))) {
		rc = MC_EINVAL;
		goto out;
	}
	rc = procedure_find_id(db, code, &pid);
	if (rc == MC_ENOTFOUND) {
		is_new = 1;
		rc = 0;
	}
	if (rc != 0)
		goto out;

	rc = buf_printf(&search, "%s %s %s", code, text_of(p, "name", NULL),
	                text_of(p, "field", NULL));
	if (rc == 0)
		rc = fold_text(search.data, search.len, &folded);
	if (rc != 0)
		goto out;
	/* Member order is kept, so an export gives the form back as it was written. */
	form = json_dumps(json_object_get(p, "form"), JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (form == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}

	if (is_new) {
		rc = db_prepare(db, "INSERT INTO procedures (name, search_text, field, level, "
		                    "applicant_type, description, steps, submission, conditions, "
		                    "time_kind, time_value, time_note, legal_basis, result, "
		                    "service_mode, form_schema, active, code, created_at, updated_at) "
		                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		                &st);
		if (rc == 0)
			rc = bind_procedure_columns(st, 1, p, folded, form);
		if (rc == 0)
			rc = db_bind_cstr(st, 18, code);
		if (rc == 0)
			rc = db_bind_cstr(st, 19, now);
		if (rc == 0)
			rc = db_bind_cstr(st, 20, now);
		if (rc == 0)
			rc = db_step_done(st);
		if (rc == 0)
			pid = db_last_id(db);
	} else {
		rc = db_prepare(db, "UPDATE procedures SET name = ?, search_text = ?, field = ?, "
		                    "level = ?, applicant_type = ?, description = ?, steps = ?, "
		                    "submission = ?, conditions = ?, time_kind = ?, time_value = ?, "
		                    "time_note = ?, legal_basis = ?, result = ?, service_mode = ?, "
		                    "form_schema = ?, active = ?, updated_at = ? WHERE id = ?", &st);
		if (rc == 0)
			rc = bind_procedure_columns(st, 1, p, folded, form);
		if (rc == 0)
			rc = db_bind_cstr(st, 18, now);
		if (rc == 0)
			rc = db_bind_int64(st, 19, pid);
		if (rc == 0)
			rc = db_step_done(st);
	}
	if (rc == 0)
		rc = store_search_index(db, pid, p, folded);
	if (rc == 0)
		rc = store_fees(db, pid, p);
	if (rc == 0)
		rc = store_documents(db, pid, p);
	if (rc != 0)
		goto out;
	if (id != NULL)
		*id = pid;
	if (created != NULL)
		*created = is_new;
out:
	buf_free(&search);
	free(folded);
	free(form);
	return rc;
}

int procedure_set_active(struct db *db, int64_t id, int active, const char *now)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "UPDATE procedures SET active = ?, updated_at = ? WHERE id = ?", &st);
	if (rc == 0 && (rc = db_bind_int64(st, 1, active != 0)) == 0 &&
	    (rc = db_bind_cstr(st, 2, now)) == 0 && (rc = db_bind_int64(st, 3, id)) == 0)
		rc = db_step_done(st);
	if (rc != 0)
		return rc;
	if (db_changes(db) == 0)
		return MC_ENOTFOUND;
	rc = db_prepare(db, "UPDATE procedure_search SET active = ? WHERE id = ?", &st);
	if (rc == 0 && (rc = db_bind_int64(st, 1, active != 0)) == 0 &&
	    (rc = db_bind_int64(st, 2, id)) == 0)
		rc = db_step_done(st);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Loading */

static int load_fees(struct db *db, int64_t id, json_t *p)
{
	struct db_stmt *st = NULL;
	json_t *fees = json_array(), *fee;
	int rc;

	if (fees == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db, "SELECT amount, description FROM procedure_fees WHERE procedure_id = ? "
	                    "ORDER BY position", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, id);
	while (rc == 0 && (rc = db_step(st)) == DB_ROW) {
		rc = (fee = json_object()) == NULL ? MC_ENOMEM : 0;
		if (rc == 0)
			rc = rows_put(fee, "amount", json_integer(db_col_int64(st, 0)));
		if (rc == 0)
			rc = rows_put(fee, "description", rows_text(st, 1));
		if (fee != NULL && json_array_append_new(fees, fee) != 0 && rc == 0)
			rc = MC_ENOMEM;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		json_decref(fees);
		return rc;
	}
	return rows_put(p, "fees", fees);
}

/* ["pdf", "jpg"] from "pdf,jpg". */
static json_t *file_types_json(const char *s)
{
	json_t *list = json_array();

	while (list != NULL && s != NULL && *s != '\0') {
		size_t n = strcspn(s, ",");

		if (n > 0 && json_array_append_new(list, json_stringn(s, n)) != 0) {
			json_decref(list);
			return NULL;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	return list;
}

static json_t *base64_json(const void *content, size_t size)
{
	size_t cap = sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL);
	char *text = malloc(cap);
	json_t *v;

	if (text == NULL)
		return NULL;
	sodium_bin2base64(text, cap, content, size, sodium_base64_VARIANT_ORIGINAL);
	v = json_stringn_nocheck(text, strlen(text));
	free(text);
	return v;
}

static const char *const documents_sql =
	"SELECT d.name, d.originals, d.copies, d.requirement, d.condition, d.file_types, "
	"d.max_size, d.multiple, d.template_name, d.template_sha256, b.media_type "
	"FROM procedure_documents d LEFT JOIN blobs b ON b.sha256 = d.template_sha256 "
	"WHERE d.procedure_id = ? ORDER BY d.position";
static const char *const documents_content_sql =
	"SELECT d.name, d.originals, d.copies, d.requirement, d.condition, d.file_types, "
	"d.max_size, d.multiple, d.template_name, d.template_sha256, b.media_type, b.content "
	"FROM procedure_documents d LEFT JOIN blobs b ON b.sha256 = d.template_sha256 "
	"WHERE d.procedure_id = ? ORDER BY d.position";

/* One row of documents_sql as a catalogue document. */
static int document_from_row(struct db_stmt *st, int with_content, json_t *doc)
{
	json_t *tpl;
	int rc;

	rc = rows_put(doc, "name", rows_text(st, 0));
	if (rc == 0)
		rc = rows_put(doc, "originals", json_integer(db_col_int64(st, 1)));
	if (rc == 0)
		rc = rows_put(doc, "copies", json_integer(db_col_int64(st, 2)));
	if (rc == 0)
		rc = rows_put(doc, "requirement", rows_text(st, 3));
	if (rc == 0)
		rc = rows_put(doc, "condition", rows_text(st, 4));
	if (rc == 0)
		rc = rows_put(doc, "file_types", file_types_json(db_col_text(st, 5, NULL)));
	if (rc == 0)
		rc = rows_put(doc, "max_size", json_integer(db_col_int64(st, 6)));
	if (rc == 0)
		rc = rows_put(doc, "multiple", json_boolean(db_col_int64(st, 7) != 0));
	if (rc != 0 || db_col_is_null(st, 9))
		return rc;
	rc = rows_put(doc, "template", tpl = json_object());
	if (rc == 0)
		rc = rows_put(tpl, "name", rows_text(st, 8));
	if (rc == 0)
		rc = rows_put(tpl, "media_type", rows_text(st, 10));
	if (rc == 0)
		rc = rows_put(tpl, "sha256", rows_text(st, 9));
	if (rc == 0 && with_content) {
		size_t size = 0;
		const void *content = db_col_blob(st, 11, &size);

		rc = rows_put(tpl, "content_base64", base64_json(content != NULL ? content : "", size));
	}
	return rc;
}

static int load_documents(struct db *db, int64_t id, int with_content, json_t *p)
{
	struct db_stmt *st = NULL;
	json_t *docs = json_array(), *doc;
	int rc;

	if (docs == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db, with_content ? documents_content_sql : documents_sql, &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, id);
	while (rc == 0 && (rc = db_step(st)) == DB_ROW) {
		doc = json_object();
		rc = doc == NULL ? MC_ENOMEM : document_from_row(st, with_content, doc);
		if (doc != NULL && json_array_append_new(docs, doc) != 0 && rc == 0)
			rc = MC_ENOMEM;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		json_decref(docs);
		return rc;
	}
	return rows_put(p, "documents", docs);
}

#define PROCEDURE_COLUMNS \
	"SELECT id, code, name, field, level, applicant_type, description, steps, submission, " \
	"conditions, time_kind, time_value, time_note, legal_basis, result, service_mode, " \
	"form_schema, active FROM procedures "

/* The procedure that 'sql' (PROCEDURE_COLUMNS and "WHERE code = ?" or "WHERE id = ?") selects,
 * with 'code' bound when non-NULL, else 'id'. */
static int load(struct db *db, const char *sql, const char *code, int64_t id, int with_content,
                json_t **out)
{
	struct db_stmt *st = NULL;
	json_t *p = NULL, *time = NULL, *form = NULL;
	char *form_text = NULL;
	int64_t pid = 0;
	int rc;

	*out = NULL;
	rc = db_prepare(db, sql, &st);
	if (rc == 0)
		rc = code != NULL ? db_bind_cstr(st, 1, code) : db_bind_int64(st, 1, id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE) {
		rc = MC_ENOTFOUND;
		goto out;
	}
	if (rc != DB_ROW)
		goto out;
	rc = (p = json_object()) == NULL ? MC_ENOMEM : 0;
	pid = db_col_int64(st, 0);
	/* The catalogue's member order, which the export keeps. */
	if (rc == 0)
		rc = rows_put(p, "code", rows_text(st, 1));
	if (rc == 0)
		rc = rows_put(p, "name", rows_text(st, 2));
	if (rc == 0)
		rc = rows_put(p, "field", rows_text(st, 3));
	if (rc == 0)
		rc = rows_put(p, "level", rows_text(st, 4));
	if (rc == 0)
		rc = rows_put(p, "applicant_type", rows_text(st, 5));
	if (rc == 0)
		rc = rows_put(p, "description", rows_text(st, 6));
	if (rc == 0)
		rc = rows_put(p, "steps", rows_text(st, 7));
	if (rc == 0)
		rc = rows_put(p, "submission", rows_text(st, 8));
	if (rc == 0)
		rc = rows_put(p, "conditions", rows_text(st, 9));
	if (rc == 0)
		rc = (time = json_object()) == NULL ? MC_ENOMEM : 0;
	if (rc == 0)
		rc = rows_put(time, "kind", rows_text(st, 10));
	if (rc == 0)
		rc = rows_put(time, "value", json_integer(db_col_int64(st, 11)));
	if (rc == 0)
		rc = rows_put(time, "note", rows_text(st, 12));
	if (rc == 0) {
		rc = rows_put(p, "time", time);
		time = NULL;
	}
	if (rc == 0)
		rc = rows_put(p, "fees", json_array()); /* its place in the order; filled below */
	if (rc == 0)
		rc = rows_put(p, "legal_basis", rows_text(st, 13));
	if (rc == 0)
		rc = rows_put(p, "result", rows_text(st, 14));
	if (rc == 0)
		rc = rows_put(p, "service_mode", rows_text(st, 15));
	if (rc == 0)
		rc = rows_put(p, "active", json_boolean(db_col_int64(st, 17) != 0));
	if (rc == 0)
		rc = rows_put(p, "documents", json_array());
	if (rc == 0) {
		const char *f = db_col_text(st, 16, NULL);
		form_text = strdup(f != NULL ? f : "");
		rc = form_text == NULL ? MC_ENOMEM : 0;
	}
	db_reset(st);
	if (rc != 0)
		goto out;
	form = json_loads(form_text, 0, NULL);
	if (form == NULL) {
		rc = MC_EDB; /* the stored schema is not JSON: the database was changed by hand */
		goto out;
	}
	rc = rows_put(p, "form", form);
	form = NULL;
	/* json_object_set_new on an existing key replaces the value in its place. */
	if (rc == 0)
		rc = load_fees(db, pid, p);
	if (rc == 0)
		rc = load_documents(db, pid, with_content, p);
	if (rc != 0)
		goto out;
	*out = p;
	p = NULL;
out:
	if (rc < 0 && rc != MC_ENOTFOUND)
		db_reset(st);
	json_decref(p);
	json_decref(time);
	json_decref(form);
	free(form_text);
	return rc;
}

int procedure_load_json(struct db *db, const char *code, int with_template_content, json_t **out)
{
	return load(db, PROCEDURE_COLUMNS "WHERE code = ?", code != NULL ? code : "", 0,
	            with_template_content, out);
}

int procedure_load_json_by_id(struct db *db, int64_t id, int with_template_content, json_t **out)
{
	return load(db, PROCEDURE_COLUMNS "WHERE id = ?", NULL, id, with_template_content, out);
}
