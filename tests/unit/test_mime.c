/* test_mime.c: mail/mime: headers, RFC 2047 subjects and their folding, base64 parts, header
 * injection, Message-IDs and addresses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/utf8.h"
#include "mail/mime.h"

#define DATE_MS 1795998825123LL /* Mon, 30 Nov 2026 00:33:45.123 UTC */
#define MSGID "<0123456789abcdef0123456789abcdef@dichvucong.example.vn>"

/* ---- helpers: a small reader of what mime_build writes ------------------------------------- */

/* Decode base64 text s[0..n) (whitespace ignored) into 'out'; -1 when malformed. */
static int b64_decode(const char *s, size_t n, struct buf *out)
{
	char *clean = malloc(n + 1);
	unsigned char *bin;
	size_t m = 0, i, pad = 0;
	int got;

	assert_non_null(clean);
	for (i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n' && s[i] != ' ' && s[i] != '\t')
			clean[m++] = s[i];
	clean[m] = '\0';
	if (m % 4 != 0) {
		free(clean);
		return -1;
	}
	if (m > 0 && clean[m - 1] == '=')
		pad++;
	if (m > 1 && clean[m - 2] == '=')
		pad++;
	bin = malloc(m / 4 * 3 + 1);
	assert_non_null(bin);
	got = EVP_DecodeBlock(bin, (unsigned char *)clean, (int)m);
	free(clean);
	if (got < 0) {
		free(bin);
		return -1;
	}
	assert_int_equal(buf_append(out, bin, (size_t)got - pad), 0);
	free(bin);
	return 0;
}

/* The raw (folded) header 'name' of message 'msg', with its continuation lines, up to but not
 * including the CRLF that ends it; NULL when absent. */
static char *header_raw(const char *msg, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = msg, *end;
	char *copy;

	while (*p != '\0' && strncmp(p, "\r\n", 2) != 0) {
		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			end = p;
			for (;;) {
				end = strstr(end, "\r\n");
				assert_non_null(end);
				if (end[2] != ' ' && end[2] != '\t')
					break;
				end += 2;
			}
			copy = strndup(p, (size_t)(end - p));
			assert_non_null(copy);
			return copy;
		}
		p = strstr(p, "\r\n");
		assert_non_null(p);
		p += 2;
	}
	return NULL;
}

/* The value of a header, unfolded (CRLF removed), without "Name: ". */
static char *header_value(const char *msg, const char *name)
{
	char *raw = header_raw(msg, name), *r, *w;

	if (raw == NULL)
		return NULL;
	for (r = w = raw; *r != '\0'; r++) {
		if (r[0] == '\r' && r[1] == '\n') {
			r++;
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
	r = raw + strlen(name) + 1;
	while (*r == ' ')
		r++;
	memmove(raw, r, strlen(r) + 1);
	return raw;
}

/*
 * Decode an unstructured value made of encoded-words (RFC 2047): every word must be
 * "=?UTF-8?B?...?=", at most 75 characters, its payload valid UTF-8 on its own (no character
 * split between words), and only white space between words.  Plain text (no "=?") is copied.
 */
static void decode_words(const char *value, struct buf *out)
{
	const char *p = value, *q;
	struct buf word;

	if (strstr(value, "=?") == NULL) {
		assert_int_equal(buf_puts(out, value), 0);
		return;
	}
	while (*p != '\0') {
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		assert_memory_equal(p, "=?UTF-8?B?", 10);
		q = strstr(p + 10, "?=");
		assert_non_null(q);
		assert_true((size_t)(q + 2 - p) <= 75);
		buf_init(&word, NULL);
		assert_int_equal(b64_decode(p + 10, (size_t)(q - p - 10), &word), 0);
		assert_true(word.len > 0);
		assert_true(utf8_valid(word.data, word.len));
		assert_int_equal(buf_append(out, word.data, word.len), 0);
		buf_free(&word);
		p = q + 2;
	}
}

/* Every line ends with CRLF, no bare CR or LF, and (headers) no line is longer than 'max'. */
static void check_lines(const char *msg, size_t header_max, size_t body_max)
{
	const char *p = msg, *eol;
	int in_headers = 1;

	while (*p != '\0') {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		assert_null(memchr(p, '\n', (size_t)(eol - p)));
		assert_null(memchr(p, '\r', (size_t)(eol - p)));
		if (eol == p)
			in_headers = 0;
		assert_true((size_t)(eol - p) <= (in_headers ? header_max : body_max));
		p = eol + 2;
	}
}

/* The boundary parameter of the Content-Type header. */
static char *boundary_of(const char *msg)
{
	char *ct = header_value(msg, "Content-Type"), *b, *e, *copy;

	assert_non_null(ct);
	assert_non_null(strstr(ct, "multipart/alternative;"));
	b = strstr(ct, "boundary=\"");
	assert_non_null(b);
	b += 10;
	e = strchr(b, '"');
	assert_non_null(e);
	copy = strndup(b, (size_t)(e - b));
	free(ct);
	return copy;
}

/* Decode part 'index' (0: text, 1: html) into out, checking its headers. */
static void part_body(const char *msg, int index, struct buf *out)
{
	static const char *types[2] = { "text/plain; charset=UTF-8", "text/html; charset=UTF-8" };
	char *boundary = boundary_of(msg), delim[128], *p, *hdr_end, *next;
	char expect[256];
	int i;

	snprintf(delim, sizeof delim, "\r\n--%s", boundary);
	p = strstr(msg, delim);
	assert_non_null(p);
	for (i = 0; i < index; i++) {
		p = strstr(p + 1, delim);
		assert_non_null(p);
	}
	p += strlen(delim);
	assert_memory_equal(p, "\r\n", 2);
	p += 2;
	hdr_end = strstr(p, "\r\n\r\n");
	assert_non_null(hdr_end);
	snprintf(expect, sizeof expect,
	         "Content-Type: %s\r\nContent-Transfer-Encoding: base64", types[index]);
	assert_int_equal((size_t)(hdr_end - p), strlen(expect));
	assert_memory_equal(p, expect, strlen(expect));
	/* The empty line's CRLF is also the delimiter's when the body is empty. */
	p = hdr_end + 2;
	next = strstr(p, delim);
	assert_non_null(next);
	assert_int_equal(b64_decode(p, (size_t)(next - p), out), 0);
	free(boundary);
}

static void base_message(struct mime_message *m)
{
	memset(m, 0, sizeof *m);
	m->from = "Cổng Dịch vụ công <noreply@dichvucong.example.vn>";
	m->to = "citizen@example.vn";
	m->subject = "Kích hoạt tài khoản trên Cổng dịch vụ công";
	m->text = "Kính gửi Ông/Bà Nguyễn Văn An,\n\nhttps://dichvucong.example.vn/a?t=1\n";
	m->html = "<p>Kính gửi Ông/Bà <strong>Nguyễn Văn An</strong>,</p>\n";
	m->message_id = MSGID;
	m->date_ms = DATE_MS;
}

static char *build(const struct mime_message *m)
{
	struct buf b;

	buf_init(&b, NULL);
	assert_int_equal(mime_build(m, &b), 0);
	assert_non_null(b.data);
	return b.data;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_headers(void **state)
{
	struct mime_message m;
	struct buf subject;
	char *msg, *v, *name;

	(void)state;
	base_message(&m);
	msg = build(&m);
	check_lines(msg, 78, 76);
	/* Header order and fixed values. */
	assert_memory_equal(msg, "From: ", 6);
	v = header_value(msg, "To");
	assert_string_equal(v, "citizen@example.vn");
	free(v);
	v = header_value(msg, "Date");
	assert_string_equal(v, "Mon, 30 Nov 2026 00:33:45 +0000");
	free(v);
	v = header_value(msg, "Message-ID");
	assert_string_equal(v, MSGID);
	free(v);
	v = header_value(msg, "MIME-Version");
	assert_string_equal(v, "1.0");
	free(v);
	v = header_value(msg, "Auto-Submitted");
	assert_string_equal(v, "auto-generated");
	free(v);
	assert_true(strstr(msg, "\r\nTo: ") < strstr(msg, "\r\nSubject: "));
	assert_true(strstr(msg, "\r\nSubject: ") < strstr(msg, "\r\nDate: "));
	assert_true(strstr(msg, "\r\nDate: ") < strstr(msg, "\r\nMessage-ID: "));
	/* The subject is encoded and decodes back. */
	v = header_value(msg, "Subject");
	assert_memory_equal(v, "=?UTF-8?B?", 10);
	buf_init(&subject, NULL);
	decode_words(v, &subject);
	assert_string_equal(subject.data, m.subject);
	buf_free(&subject);
	free(v);
	/* The From display name is encoded, the address kept as it is. */
	v = header_value(msg, "From");
	assert_non_null(strstr(v, " <noreply@dichvucong.example.vn>"));
	name = strndup(v, (size_t)(strstr(v, " <") - v));
	buf_init(&subject, NULL);
	decode_words(name, &subject);
	assert_string_equal(subject.data, "Cổng Dịch vụ công");
	buf_free(&subject);
	free(name);
	free(v);
	free(msg);
}

static void test_plain_headers(void **state)
{
	struct mime_message m;
	char *msg, *v;

	(void)state;
	base_message(&m);
	m.from = "Portal <noreply@example.vn>";
	m.to = "  Nguyen Van An <an@example.vn>  ";
	m.subject = "Account activation";
	msg = build(&m);
	v = header_value(msg, "From");
	assert_string_equal(v, "\"Portal\" <noreply@example.vn>");
	free(v);
	v = header_value(msg, "To");
	assert_string_equal(v, "\"Nguyen Van An\" <an@example.vn>");
	free(v);
	v = header_value(msg, "Subject");
	assert_string_equal(v, "Account activation");
	free(v);
	free(msg);
	/* ASCII that a reader could take for an encoded-word is encoded itself. */
	m.subject = "a =?UTF-8?B?QQ==?= b";
	msg = build(&m);
	v = header_raw(msg, "Subject");
	assert_null(strstr(v, "QQ=="));
	free(v);
	free(msg);
	/* Empty subject. */
	m.subject = "";
	msg = build(&m);
	assert_non_null(strstr(msg, "\r\nSubject: \r\n"));
	free(msg);
}

/* Subjects of every length, with 1- to 4-byte characters: each decodes back exactly, no line
 * is longer than 78, no word longer than 75 and no character split between words. */
static void test_subject_folding(void **state)
{
	static const char *pieces[] = { "a", " ", "ệ", "Đ", "ữ", "😀", "ớ", "x", "€", "ñ" };
	struct mime_message m;
	struct buf subject, got;
	unsigned seed = 12345;
	char *msg, *v, *raw;
	int len, trial, k;

	(void)state;
	base_message(&m);
	for (trial = 0; trial < 400; trial++) {
		buf_init(&subject, NULL);
		len = trial % 200;
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			assert_int_equal(buf_puts(&subject, pieces[(seed >> 16) % 10]), 0);
		}
		m.subject = subject.data != NULL ? subject.data : "";
		msg = build(&m);
		check_lines(msg, 78, 76);
		raw = header_raw(msg, "Subject");
		assert_non_null(raw);
		v = header_value(msg, "Subject");
		buf_init(&got, NULL);
		decode_words(v, &got);
		assert_string_equal(got.data != NULL ? got.data : "", m.subject);
		buf_free(&got);
		free(v);
		free(raw);
		free(msg);
		buf_free(&subject);
	}
}

static void test_long_vietnamese_subject(void **state)
{
	struct mime_message m;
	struct buf got;
	char *msg, *raw, *v;
	size_t lines = 0;
	const char *p;

	(void)state;
	base_message(&m);
	m.subject = "Thông báo kết quả giải quyết hồ sơ thủ tục hành chính: cấp giấy phép xây dựng "
	            "nhà ở riêng lẻ tại phường Điện Biên, quận Ba Đình, thành phố Hà Nội";
	msg = build(&m);
	check_lines(msg, 78, 76);
	raw = header_raw(msg, "Subject");
	for (p = raw; (p = strstr(p, "\r\n")) != NULL; p += 2)
		lines++;
	assert_true(lines >= 2); /* folded */
	v = header_value(msg, "Subject");
	buf_init(&got, NULL);
	decode_words(v, &got);
	assert_string_equal(got.data, m.subject);
	buf_free(&got);
	free(v);
	free(raw);
	free(msg);
}

static void test_bodies(void **state)
{
	struct mime_message m;
	struct buf body;
	char *msg, *b;
	size_t count = 0;
	const char *p;
	char big[5000];
	size_t i;

	(void)state;
	base_message(&m);
	/* A body that holds what a boundary looks like. */
	m.text = "Dòng một\r\nDòng hai\nDòng ba\rcuối =_mc_0123 --=_mc_\n";
	for (i = 0; i + 4 < sizeof big; i += 4)
		memcpy(big + i, "ệ\n", 4);
	big[i] = '\0';
	m.html = big;
	msg = build(&m);
	check_lines(msg, 78, 76);
	b = boundary_of(msg);
	assert_int_equal(strlen(b), 37);
	assert_memory_equal(b, "=_mc_", 5);
	assert_null(strstr(m.text, b));
	assert_null(strstr(m.html, b));
	/* The boundary occurs exactly three times after the headers: two parts and the end. */
	for (p = strstr(msg, "\r\n\r\n"); (p = strstr(p, b)) != NULL; p += strlen(b))
		count++;
	assert_int_equal(count, 3);
	{
		char end[64];
		snprintf(end, sizeof end, "\r\n--%s--\r\n", b);
		assert_true(strlen(msg) > strlen(end));
		assert_string_equal(msg + strlen(msg) - strlen(end), end);
	}
	buf_init(&body, NULL);
	part_body(msg, 0, &body);
	assert_string_equal(body.data, "Dòng một\r\nDòng hai\r\nDòng ba\r\ncuối =_mc_0123 --=_mc_\r\n");
	buf_free(&body);
	buf_init(&body, NULL);
	part_body(msg, 1, &body);
	assert_int_equal(body.len, strlen(big) / 4 * 5);
	for (i = 0; i < body.len; i += 5)
		assert_memory_equal(body.data + i, "ệ\r\n", 5);
	buf_free(&body);
	free(b);
	free(msg);
}

static void test_empty_bodies(void **state)
{
	struct mime_message m;
	struct buf body;
	char *msg;

	(void)state;
	base_message(&m);
	m.text = "";
	m.html = "";
	msg = build(&m);
	buf_init(&body, NULL);
	part_body(msg, 0, &body);
	assert_int_equal(body.len, 0);
	part_body(msg, 1, &body);
	assert_int_equal(body.len, 0);
	buf_free(&body);
	free(msg);
}

static void test_injection_refused(void **state)
{
	static const char *bad[] = { "x\r\nBcc: evil@example.com", "x\nBcc: e@x.vn", "x\r" };
	struct mime_message m;
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, NULL);
	assert_int_equal(buf_puts(&b, "kept"), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		base_message(&m);
		m.subject = bad[i];
		assert_int_equal(mime_build(&m, &b), MC_EINVAL);
		base_message(&m);
		m.from = bad[i];
		assert_int_equal(mime_build(&m, &b), MC_EINVAL);
		base_message(&m);
		m.to = bad[i];
		assert_int_equal(mime_build(&m, &b), MC_EINVAL);
		base_message(&m);
		m.message_id = bad[i];
		assert_int_equal(mime_build(&m, &b), MC_EINVAL);
	}
	base_message(&m);
	m.to = "An <an@example.vn>\r\nBcc: evil@example.com";
	assert_int_equal(mime_build(&m, &b), MC_EINVAL);
	m.to = "a@example.vn, b@example.vn";
	assert_int_equal(mime_build(&m, &b), MC_EINVAL);
	m.to = "An\x01 <a@example.vn>";
	assert_int_equal(mime_build(&m, &b), MC_EINVAL);
	base_message(&m);
	m.message_id = "<no-at-sign>";
	assert_int_equal(mime_build(&m, &b), MC_EINVAL);
	m.message_id = "<a b@c>";
	assert_int_equal(mime_build(&m, &b), MC_EINVAL);
	base_message(&m);
	m.subject = "\xc3\x28"; /* invalid UTF-8 */
	assert_int_equal(mime_build(&m, &b), MC_EINVAL);
	base_message(&m);
	m.text = "\xff";
	assert_int_equal(mime_build(&m, &b), MC_EINVAL);
	base_message(&m);
	m.html = NULL;
	assert_int_equal(mime_build(&m, &b), MC_EINVAL);
	/* Refusals leave the buffer as it was. */
	assert_string_equal(b.data, "kept");
	assert_int_equal(b.len, 4);
	buf_free(&b);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void test_message_ids(void **state)
{
	enum { N = 2000 };
	static char ids[N][80];
	char small[20];
	size_t i, k;

	(void)state;
	for (i = 0; i < N; i++) {
		assert_int_equal(mime_message_id("dichvucong.example.vn", ids[i], sizeof ids[i]), 0);
		assert_int_equal(strlen(ids[i]), 1 + 32 + 1 + strlen("dichvucong.example.vn") + 1);
		assert_int_equal(ids[i][0], '<');
		assert_int_equal(ids[i][33], '@');
		for (k = 1; k < 33; k++)
			assert_non_null(strchr("0123456789abcdef", ids[i][k]));
		assert_string_equal(ids[i] + 34, "dichvucong.example.vn>");
	}
	qsort(ids, N, sizeof ids[0], compare_strings);
	for (i = 1; i < N; i++)
		assert_true(strcmp(ids[i - 1], ids[i]) != 0);
	assert_int_equal(mime_message_id("", small, sizeof small), MC_EINVAL);
	assert_int_equal(mime_message_id("a b", small, sizeof small), MC_EINVAL);
	assert_int_equal(mime_message_id("x>\r\n", small, sizeof small), MC_EINVAL);
	assert_int_equal(mime_message_id(NULL, small, sizeof small), MC_EINVAL);
	assert_int_equal(mime_message_id("example.vn", small, sizeof small), MC_ETOOBIG);
	assert_string_equal(small, "");
}

static void test_addresses(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(mime_address("a@example.vn", out, sizeof out), 0);
	assert_string_equal(out, "a@example.vn");
	assert_int_equal(mime_address(" Cổng DVC <noreply@example.vn> ", out, sizeof out), 0);
	assert_string_equal(out, "noreply@example.vn");
	assert_int_equal(mime_address("\"Nguyễn, An\" <an@example.vn>", out, sizeof out), 0);
	assert_string_equal(out, "an@example.vn");
	assert_int_equal(mime_address("", out, sizeof out), MC_EINVAL);
	assert_int_equal(mime_address("no-at", out, sizeof out), MC_EINVAL);
	assert_int_equal(mime_address("@example.vn", out, sizeof out), MC_EINVAL);
	assert_int_equal(mime_address("a@", out, sizeof out), MC_EINVAL);
	assert_int_equal(mime_address("a b@example.vn", out, sizeof out), MC_EINVAL);
	assert_int_equal(mime_address("<a@example.vn", out, sizeof out), MC_EINVAL);
	assert_int_equal(mime_address("<a@example.vn> x", out, sizeof out), MC_EINVAL);
	assert_int_equal(mime_address("a@example.vn>", out, sizeof out), MC_EINVAL);
	assert_int_equal(mime_address("a@example.vn\r\nRCPT TO:<b@x.vn>", out, sizeof out),
	                 MC_EINVAL);
	assert_int_equal(mime_address("ă@example.vn", out, sizeof out), MC_EINVAL);
	assert_int_equal(mime_address("a@example.vn", out, 5), MC_ETOOBIG);
	assert_string_equal(out, "");
}

/* A long encoded display name pushes the address onto its own folded line. */
static void test_long_display_name(void **state)
{
	struct mime_message m;
	struct buf got;
	char *msg, *v, *lt;

	(void)state;
	base_message(&m);
	m.from = "Ủy ban nhân dân thành phố Hà Nội – Bộ phận tiếp nhận và trả kết quả "
	         "<bo-phan-mot-cua@hanoi.example.gov.vn>";
	msg = build(&m);
	check_lines(msg, 78, 76);
	v = header_value(msg, "From");
	lt = strstr(v, "<bo-phan-mot-cua@hanoi.example.gov.vn>");
	assert_non_null(lt);
	assert_string_equal(lt, "<bo-phan-mot-cua@hanoi.example.gov.vn>");
	*lt = '\0';
	buf_init(&got, NULL);
	decode_words(v, &got);
	assert_string_equal(got.data,
	                    "Ủy ban nhân dân thành phố Hà Nội – Bộ phận tiếp nhận và trả kết quả");
	buf_free(&got);
	free(v);
	free(msg);
}

static void test_date_other(void **state)
{
	struct mime_message m;
	char *msg, *v;

	(void)state;
	base_message(&m);
	m.date_ms = 1799132889000LL;
	msg = build(&m);
	v = header_value(msg, "Date");
	assert_string_equal(v, "Tue, 05 Jan 2027 07:08:09 +0000");
	free(v);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_plain_headers),
		cmocka_unit_test(test_subject_folding),
		cmocka_unit_test(test_long_vietnamese_subject),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_empty_bodies),
		cmocka_unit_test(test_injection_refused),
		cmocka_unit_test(test_message_ids),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_long_display_name),
		cmocka_unit_test(test_date_other),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
