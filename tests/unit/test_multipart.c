/* test_multipart.c: unit tests for http/multipart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/multipart.h"
#include "lib/err.h"
#include "limit.h"

#define B "----WebKitFormBoundary7MA4YWxkTrZu0gW"

static int setup(void **state)
{
	h2o_mem_pool_t *pool = malloc(sizeof(*pool));

	if (pool == NULL)
		return -1;
	h2o_mem_init_pool(pool);
	*state = pool;
	return 0;
}

static int teardown(void **state)
{
	h2o_mem_pool_t *pool = *state;

	h2o_mem_clear_pool(pool);
	free(pool);
	return 0;
}

/* A heap byte buffer for building bodies that hold NULs. */
struct body {
	char *p;
	size_t len;
};

static void add(struct body *b, const void *data, size_t len)
{
	b->p = realloc(b->p, b->len + len + 1);
	assert_non_null(b->p);
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void adds(struct body *b, const char *s)
{
	add(b, s, strlen(s));
}

static void addn(struct body *b, char c, size_t n)
{
	b->p = realloc(b->p, b->len + n + 1);
	assert_non_null(b->p);
	memset(b->p + b->len, c, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static int parse(h2o_mem_pool_t *pool, const char *body, const struct multipart_limits *lim,
                 struct multipart *m)
{
	return multipart_parse(pool, B, body, strlen(body), lim, m);
}

/* Parse 'body' expecting 'rc' (nonzero) and an empty result. */
static void expect(h2o_mem_pool_t *pool, const char *body, size_t len,
                   const struct multipart_limits *lim, int rc)
{
	struct multipart m = { (struct multipart_part *)1, 99 };

	assert_int_equal(multipart_parse(pool, B, body, len, lim, &m), rc);
	assert_null(m.parts);
	assert_int_equal(m.count, 0);
}

#define EXPECT(pool, body, rc) expect(pool, body, strlen(body), NULL, rc)

static int boundary(h2o_mem_pool_t *pool, const char *ct, const char **b)
{
	return multipart_boundary(pool, ct, strlen(ct), b);
}

static void test_boundary_ok(void **state)
{
	h2o_mem_pool_t *pool = *state;
	const char *b;

	assert_int_equal(boundary(pool, "multipart/form-data; boundary=" B, &b), 0);
	assert_string_equal(b, B);
	assert_int_equal(boundary(pool, "Multipart/Form-Data; BOUNDARY=xyz", &b), 0);
	assert_string_equal(b, "xyz");
	assert_int_equal(boundary(pool, "multipart/form-data;boundary=abc", &b), 0);
	assert_string_equal(b, "abc");
	assert_int_equal(boundary(pool, "  multipart/form-data ; charset=utf-8 ;\tboundary = \"q\" ;",
	                          &b), 0);
	assert_string_equal(b, "q");
	assert_int_equal(boundary(pool, "multipart/form-data; boundary=\"a b'()+_,-./:=?Z9\"", &b), 0);
	assert_string_equal(b, "a b'()+_,-./:=?Z9");
	/* Unquoted with '=' as mail software writes it. */
	assert_int_equal(boundary(pool, "multipart/form-data; boundary=----=_Part_0_1", &b), 0);
	assert_string_equal(b, "----=_Part_0_1");
	/* Exactly 70 characters. */
	assert_int_equal(boundary(pool, "multipart/form-data; boundary="
	                          "0123456789012345678901234567890123456789012345678901234567890123456789",
	                          &b), 0);
	assert_int_equal(strlen(b), 70);
	/* Only 'len' bytes are read. */
	assert_int_equal(multipart_boundary(pool, "multipart/form-data; boundary=abcdef", 33, &b), 0);
	assert_string_equal(b, "abc");
}

static void test_boundary_bad(void **state)
{
	h2o_mem_pool_t *pool = *state;
	static const char *const bad[] = {
		"",
		"multipart/form-data",
		"multipart/form-data;",
		"multipart/form-data; charset=utf-8",
		"multipart/mixed; boundary=abc",
		"multipart/form-datax; boundary=abc",
		"text/plain; boundary=abc",
		"application/x-www-form-urlencoded",
		"; boundary=abc",
		"multipart/form-data; boundary=",
		"multipart/form-data; boundary=\"\"",
		"multipart/form-data; boundary="
		"01234567890123456789012345678901234567890123456789012345678901234567890",
		"multipart/form-data; boundary=\""
		"01234567890123456789012345678901234567890123456789012345678901234567890\"",
		"multipart/form-data; boundary=ab<c",
		"multipart/form-data; boundary=\"a@b\"",
		"multipart/form-data; boundary=\"ab \"",
		"multipart/form-data; boundary=\"a\\\"b\"",
		"multipart/form-data; boundary=\"abc",
		"multipart/form-data; boundary=a\xc3\xa9",
		"multipart/form-data; boundary=abc; boundary=abc",
		"multipart/form-data; boundary=abc; BOUNDARY=xyz",
		"multipart/form-data, boundary=abc",
		"multipart/form-data; boundary abc",
		"multipart/form-data; =abc",
		"multipart/form-data; boundary=abc junk",
		"multipart/form-data; boundary=a\r\nb",
	};
	const char *b = "sentinel";
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(boundary(pool, bad[i], &b), MC_EINVAL);
		assert_null(b);
	}
	assert_int_equal(multipart_boundary(pool, NULL, 0, &b), MC_EINVAL);
}

static void test_simple(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart m;
	const char *body =
		"--" B "\r\n"
		"Content-Disposition: form-data; name=\"full_name\"\r\n"
		"\r\n"
		"Nguy\xe1\xbb\x85n V\xc4\x83n A\r\n"
		"--" B "\r\n"
		"Content-Disposition: form-data; name=\"note\"\r\n"
		"\r\n"
		"\r\n"
		"--" B "\r\n"
		"Content-Disposition: form-data; name=\"cccd\"; filename=\"cccd.pdf\"\r\n"
		"Content-Type: application/pdf\r\n"
		"\r\n"
		"%PDF-1.4\r\n%%EOF\r\n"
		"\r\n"
		"--" B "--\r\n";

	assert_int_equal(parse(pool, body, NULL, &m), 0);
	assert_int_equal(m.count, 3);
	assert_string_equal(m.parts[0].name, "full_name");
	assert_null(m.parts[0].filename);
	assert_string_equal(m.parts[0].content_type, "text/plain");
	assert_int_equal(m.parts[0].len, strlen("Nguy\xe1\xbb\x85n V\xc4\x83n A"));
	assert_string_equal(m.parts[0].data, "Nguy\xe1\xbb\x85n V\xc4\x83n A");
	assert_string_equal(m.parts[1].name, "note");
	assert_int_equal(m.parts[1].len, 0);
	assert_string_equal(m.parts[1].data, "");
	assert_string_equal(m.parts[2].name, "cccd");
	assert_string_equal(m.parts[2].filename, "cccd.pdf");
	assert_string_equal(m.parts[2].content_type, "application/pdf");
	assert_int_equal(m.parts[2].len, strlen("%PDF-1.4\r\n%%EOF\r\n"));
	assert_memory_equal(m.parts[2].data, "%PDF-1.4\r\n%%EOF\r\n", m.parts[2].len);
	/* File data points into the body. */
	assert_true(m.parts[2].data > body && m.parts[2].data < body + strlen(body));
}

static void test_several_files(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart m;
	const char *body =
		"--" B "\r\n"
		"Content-Disposition: form-data; name=\"files\"; filename=\"a.jpg\"\r\n"
		"Content-Type: image/jpeg\r\n\r\n"
		"AAA\r\n"
		"--" B "\r\n"
		"Content-Disposition: form-data; name=\"files\"; filename=\"b.png\"\r\n"
		"Content-Type: image/png\r\n\r\n"
		"BB\r\n"
		"--" B "\r\n"
		"Content-Disposition: form-data; name=\"files\"; filename=\"\"\r\n"
		"Content-Type: application/octet-stream\r\n\r\n"
		"\r\n"
		"--" B "\r\n"
		"Content-Disposition: form-data; name=\"other\"\r\n\r\n"
		"x\r\n"
		"--" B "--";
	size_t i, n = 0;

	assert_int_equal(parse(pool, body, NULL, &m), 0);
	assert_int_equal(m.count, 4);
	for (i = 0; i < m.count; i++)
		if (strcmp(m.parts[i].name, "files") == 0)
			n++;
	assert_int_equal(n, 3);
	assert_string_equal(m.parts[0].filename, "a.jpg");
	assert_memory_equal(m.parts[0].data, "AAA", 3);
	assert_int_equal(m.parts[0].len, 3);
	assert_string_equal(m.parts[1].filename, "b.png");
	assert_string_equal(m.parts[1].content_type, "image/png");
	assert_int_equal(m.parts[1].len, 2);
	/* An empty file input: filename "" and no data, but still a file. */
	assert_non_null(m.parts[2].filename);
	assert_string_equal(m.parts[2].filename, "");
	assert_int_equal(m.parts[2].len, 0);
	assert_null(m.parts[3].filename);
}

static void test_params(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart m;
	const char *body =
		"preamble, ignored\r\n"
		"--" B "\r\n"
		"content-disposition: Form-Data; NAME=plain; FileName=x.txt\r\n"
		"CONTENT-TYPE: text/csv; charset=utf-8\r\n"
		"X-Other: ignored\r\n"
		"Content-Transfer-Encoding: binary\r\n"
		"\r\n"
		"1,2\r\n"
		"--" B "\r\n"
		"Content-Disposition: form-data; name=\"q\"; filename=\"a\\\"b.txt\"\r\n\r\n"
		"\r\n"
		"--" B "\r\n"
		"Content-Disposition: form-data; name=\"w\"; filename=\"C:\\Users\\An\\a.txt\"\r\n\r\n"
		"\r\n"
		"--" B "\r\n"
		"Content-Disposition: form-data; name=\"s\"; filename=\"a\\\\b;c=d.txt\"\r\n\r\n"
		"\r\n"
		"--" B "\r\n"
		"Content-Disposition: form-data;name=\"u\";filename*=UTF-8''x%20y.txt;"
		"filename=\"y.txt\";\r\n\r\n"
		"\r\n"
		"--" B "\r\n"
		"Content-Disposition:form-data ; name = \"t\" \t\r\n\r\n"
		"v\r\n"
		"--" B "\r\n"
		"Content-Disposition: form-data; name=\"only-star\"; filename*=UTF-8''z.txt\r\n\r\n"
		"z\r\n"
		"--" B "--\r\n"
		"epilogue, ignored\r\n--" B "\r\ngarbage";

	assert_int_equal(parse(pool, body, NULL, &m), 0);
	assert_int_equal(m.count, 7);
	assert_string_equal(m.parts[0].name, "plain");
	assert_string_equal(m.parts[0].filename, "x.txt");
	assert_string_equal(m.parts[0].content_type, "text/csv; charset=utf-8");
	assert_memory_equal(m.parts[0].data, "1,2", 3);
	assert_string_equal(m.parts[1].filename, "a\"b.txt");
	/* A backslash before anything other than '"' or '\' stays. */
	assert_string_equal(m.parts[2].filename, "C:\\Users\\An\\a.txt");
	assert_string_equal(m.parts[3].filename, "a\\b;c=d.txt");
	assert_string_equal(m.parts[4].name, "u");
	assert_string_equal(m.parts[4].filename, "y.txt");
	assert_string_equal(m.parts[5].name, "t");
	assert_string_equal(m.parts[5].data, "v");
	/* filename* alone does not make a file (RFC 7578 §4.2). */
	assert_null(m.parts[6].filename);
	assert_string_equal(m.parts[6].data, "z");
}

static void test_binary_data(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct body b = { NULL, 0 };
	/* Dashes, CRLFs, blank lines, NUL, invalid UTF-8 and a near-delimiter (last char missing). */
	static const char data[] =
		"--\r\n--\r\n-- " B "\r\n\r\n\r\n"
		"\0\xff\xfe\xc0\xaf\xed\xa0\x80\r\n--" "----WebKitFormBoundary7MA4YWxkTrZu0g\r\n\r\n";
	struct multipart m;

	adds(&b, "--" B "\r\n"
	     "Content-Disposition: form-data; name=\"f\"; filename=\"bin.dat\"\r\n"
	     "Content-Type: application/octet-stream\r\n\r\n");
	add(&b, data, sizeof(data) - 1);
	adds(&b, "\r\n--" B "\r\n"
	     "Content-Disposition: form-data; name=\"g\"; filename=\"crlf.txt\"\r\n\r\n"
	     "\r\n\r\n--\r\n\r\n");
	adds(&b, "\r\n--" B "--");
	assert_int_equal(multipart_parse(pool, B, b.p, b.len, NULL, &m), 0);
	assert_int_equal(m.count, 2);
	assert_string_equal(m.parts[0].content_type, "application/octet-stream");
	assert_int_equal(m.parts[0].len, sizeof(data) - 1);
	assert_memory_equal(m.parts[0].data, data, sizeof(data) - 1);
	assert_int_equal(m.parts[1].len, 10);
	assert_memory_equal(m.parts[1].data, "\r\n\r\n--\r\n\r\n", 10);
	free(b.p);

	/* The boundary followed by more text at the start of a line in the data: refused. */
	b.p = NULL;
	b.len = 0;
	adds(&b, "--" B "\r\n"
	     "Content-Disposition: form-data; name=\"f\"; filename=\"bin.dat\"\r\n\r\n"
	     "abc\r\n--" B "x--\r\ndef\r\n--" B "--\r\n");
	expect(pool, b.p, b.len, NULL, MC_EINVAL);
	free(b.p);
}

static void test_binary_dashes(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct body b = { NULL, 0 };
	static const char data[] = "--\r\n-- --" B "\r\n\r--" B "\n\0--\r\n\xff";
	struct multipart m;

	adds(&b, "--" B "\r\n"
	     "Content-Disposition: form-data; name=\"f\"; filename=\"bin.dat\"\r\n\r\n");
	add(&b, data, sizeof(data) - 1);
	adds(&b, "\r\n--" B "--\r\n");
	assert_int_equal(multipart_parse(pool, B, b.p, b.len, NULL, &m), 0);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.parts[0].len, sizeof(data) - 1);
	assert_memory_equal(m.parts[0].data, data, sizeof(data) - 1);
	free(b.p);
}

static void test_framing(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart m;

	/* Only a closing delimiter: no parts. */
	assert_int_equal(parse(pool, "--" B "--", NULL, &m), 0);
	assert_int_equal(m.count, 0);
	assert_int_equal(parse(pool, "pre\r\n--" B "--\r\n", NULL, &m), 0);
	assert_int_equal(m.count, 0);
	/* Transport padding after a boundary. */
	assert_int_equal(parse(pool, "--" B " \t \r\n"
	                       "Content-Disposition: form-data; name=a\r\n\r\n1\r\n"
	                       "--" B "\t\r\n"
	                       "Content-Disposition: form-data; name=b\r\n\r\n2\r\n"
	                       "--" B "--", NULL, &m), 0);
	assert_int_equal(m.count, 2);
	assert_string_equal(m.parts[1].data, "2");
	/* A line that starts with the boundary but goes on is refused, not skipped. */
	EXPECT(pool, "--" B "abc\r\n--" B "\r\n"
	       "Content-Disposition: form-data; name=a\r\n\r\n1\r\n--" B "--", MC_EINVAL);
	/* The first delimiter may be preceded by CRLF only. */
	assert_int_equal(parse(pool, "\r\n--" B "\r\n"
	                       "Content-Disposition: form-data; name=a\r\n\r\n1\r\n--" B "--",
	                       NULL, &m), 0);
	assert_int_equal(m.count, 1);
}

static void test_truncated(void **state)
{
	h2o_mem_pool_t *pool = *state;
	static const char *const bad[] = {
		"",
		"no boundary at all",
		"--" B,
		"--" B "\r\n",
		"--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue",
		"--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n",
		"--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--" B,
		"--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--" B "-",
		"--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--" B "\r\n",
		"--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--" B "\r",
		"--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--"
		"----WebKitFormBoundary7MA4YWxkTrZu0g--",
		/* Bare LF line ends. */
		"--" B "\nContent-Disposition: form-data; name=a\n\nv\n--" B "--",
		/* Something after the boundary on its line. */
		"--" B "x\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--" B "--",
		"--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--" B "x\r\n--" B "--",
		"--" B " x\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--" B "--",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT(pool, bad[i], MC_EINVAL);
	expect(pool, NULL, 0, NULL, MC_EINVAL);
}

static void test_boundary_mid_line(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart m;

	/* The boundary must start a line: all of this up to the last delimiter is preamble. */
	assert_int_equal(parse(pool, "xx--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	                       "v\r\n--" B "--", NULL, &m), 0);
	assert_int_equal(m.count, 0);
	EXPECT(pool, "xx--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nv--" B "--",
	       MC_EINVAL);
}

static void test_bad_headers(void **state)
{
	h2o_mem_pool_t *pool = *state;
	static const char *const heads[] = {
		/* No Content-Disposition. */
		"Content-Type: text/plain\r\n",
		"X-Name: a\r\n",
		/* Not form-data, no name, duplicates. */
		"Content-Disposition: attachment; name=a\r\n",
		"Content-Disposition: form-data\r\n",
		"Content-Disposition: form-data; filename=a.txt\r\n",
		"Content-Disposition: form-data; name=a; name=b\r\n",
		"Content-Disposition: form-data; name=a; filename=x; FILENAME=y\r\n",
		"Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b\r\n",
		"Content-Disposition: form-data; name=a\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n",
		/* Malformed parameters. */
		"Content-Disposition: form-data; name=\"a\r\n",
		"Content-Disposition: form-data; name=\"a\\\"\r\n",
		"Content-Disposition: form-data; name=\r\n",
		"Content-Disposition: form-data; name\r\n",
		"Content-Disposition: form-data; =a\r\n",
		"Content-Disposition: form-data name=a\r\n",
		"Content-Disposition: form-data; name=a b\r\n",
		"Content-Disposition: form-data; name=\"a\"b\r\n",
		"Content-Disposition: form-data; name=a\"b\"\r\n",
		"Content-Disposition: form-data, name=a\r\n",
		"Content-Disposition: form-data; name=\"a\x01\"\r\n",
		/* Header syntax. */
		"Content-Disposition: form-data;\r\n name=a\r\n",
		"Content-Disposition: form-data; name=a\r\n\tX: y\r\n",
		"Content-Disposition : form-data; name=a\r\n",
		"Content-Disposition form-data; name=a\r\n",
		"Content-Disposition: form-data; name=a\r\nno colon\r\n",
		"Content-Disposition: form-data; name=a\r\n: empty name\r\n",
		"Content-Disposition: form-data; name=a\nX: bare lf\r\n",
		"Content-Disposition: form-data; name=a\rX: bare cr\r\n",
		"Content-Disposition: form-data; name=a\r\nX: nul\x7f\r\n",
		"Content-Disposition: form-data; name=a\r\nContent-Type:\r\n",
		"Content-Disposition: form-data; name=a\r\nContent-Type: text/\xc3\xa9\r\n",
		/* Invalid UTF-8 or controls in name or filename. */
		"Content-Disposition: form-data; name=\"\xc0\xaf\"\r\n",
		"Content-Disposition: form-data; name=\"a\"; filename=\"\xed\xa0\x80.txt\"\r\n",
		"Content-Disposition: form-data; name=\"a\"; filename=\"\xc3\"\r\n",
		"Content-Disposition: form-data; name=\"a\"; filename=\"a\x1b.txt\"\r\n",
	};
	struct body b = { NULL, 0 };
	size_t i;

	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		b.len = 0;
		adds(&b, "--" B "\r\n");
		adds(&b, heads[i]);
		adds(&b, "\r\nvalue\r\n--" B "--\r\n");
		expect(pool, b.p, b.len, NULL, MC_EINVAL);
	}
	free(b.p);
	/* A part with no header block at all, and one whose header block never ends. */
	EXPECT(pool, "--" B "\r\n\r\nvalue\r\n--" B "--", MC_EINVAL);
	EXPECT(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\nvalue\r\n--" B "--",
	       MC_EINVAL);
	EXPECT(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\n--" B "--", MC_EINVAL);
	EXPECT(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n--" B "--",
	       MC_EINVAL);
	EXPECT(pool, "--" B "\r\n\r\n--" B "--", MC_EINVAL);
	EXPECT(pool, "--" B "\r\n--" B "--", MC_EINVAL);
	/* The header block may not run into the next part. */
	EXPECT(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\n--" B "\r\n"
	       "Content-Disposition: form-data; name=b\r\n\r\nv\r\n--" B "--", MC_EINVAL);
}

static void test_utf8_plain_vs_file(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart m;

	EXPECT(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n\xc0\xaf\r\n--" B "--",
	       MC_EINVAL);
	EXPECT(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n\xed\xa0\x80\r\n--" B
	       "--", MC_EINVAL);
	EXPECT(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nab\xc3\r\n--" B "--",
	       MC_EINVAL);
	EXPECT(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\na\x01z\r\n--" B "--",
	       MC_EINVAL);
	expect(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\na\0z\r\n--" B "--",
	       sizeof("--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\na\0z\r\n--" B "--")
	       - 1, NULL, MC_EINVAL);
	/* The same bytes in a file are fine. */
	assert_int_equal(parse(pool, "--" B "\r\nContent-Disposition: form-data; name=a; "
	                       "filename=x.bin\r\n\r\n\xc0\xaf\xed\xa0\x80\xc3\x01\r\n--" B "--",
	                       NULL, &m), 0);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.parts[0].len, 7);
	assert_memory_equal(m.parts[0].data, "\xc0\xaf\xed\xa0\x80\xc3\x01", 7);
	/* Plain fields, names and filenames come out in NFC; controls TAB CR LF survive. */
	assert_int_equal(parse(pool, "--" B "\r\nContent-Disposition: form-data; "
	                       "name=\"te\xcc\x82n\"\r\n\r\nNguye\xcc\x82\xcc\x83n\r\n\tx\r\n--" B "\r\n"
	                       "Content-Disposition: form-data; name=f; "
	                       "filename=\"ho\xcc\x82\xcc\x80 so\xcc\x9b.pdf\"\r\n\r\ne\xcc\x81\r\n"
	                       "--" B "--", NULL, &m), 0);
	assert_int_equal(m.count, 2);
	assert_string_equal(m.parts[0].name, "t\xc3\xaan");
	assert_string_equal(m.parts[0].data, "Nguy\xe1\xbb\x85n\r\n\tx");
	assert_int_equal(m.parts[0].len, strlen("Nguy\xe1\xbb\x85n\r\n\tx"));
	assert_string_equal(m.parts[1].filename, "h\xe1\xbb\x93 s\xc6\xa1.pdf");
	/* File data is not normalised. */
	assert_int_equal(m.parts[1].len, 3);
	assert_memory_equal(m.parts[1].data, "e\xcc\x81", 3);
}

/* A body of 'n' small plain parts. */
static void many_parts(struct body *b, size_t n)
{
	size_t i;

	b->len = 0;
	for (i = 0; i < n; i++)
		adds(b, "--" B "\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nv\r\n");
	adds(b, "--" B "--\r\n");
}

static void test_limit_parts(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart_limits lim = multipart_default_limits();
	struct body b = { NULL, 0 };
	struct multipart m;

	lim.max_parts = 3;
	many_parts(&b, 3);
	assert_int_equal(multipart_parse(pool, B, b.p, b.len, &lim, &m), 0);
	assert_int_equal(m.count, 3);
	many_parts(&b, 4);
	expect(pool, b.p, b.len, &lim, MC_ETOOBIG);
	/* The defaults: exactly LIMIT_MULTIPART_PARTS, then one over. */
	many_parts(&b, LIMIT_MULTIPART_PARTS);
	assert_int_equal(multipart_parse(pool, B, b.p, b.len, NULL, &m), 0);
	assert_int_equal(m.count, LIMIT_MULTIPART_PARTS);
	assert_string_equal(m.parts[LIMIT_MULTIPART_PARTS - 1].data, "v");
	many_parts(&b, LIMIT_MULTIPART_PARTS + 1);
	expect(pool, b.p, b.len, NULL, MC_ETOOBIG);
	free(b.p);
}

/* One part whose header block (lines and their CRLFs, not the blank line) is 'n' bytes. */
static void header_block(struct body *b, size_t n)
{
	static const char cd[] = "Content-Disposition: form-data; name=\"a\"\r\n";
	static const char x[] = "X-Pad: ";

	b->len = 0;
	adds(b, "--" B "\r\n");
	adds(b, cd);
	adds(b, x);
	addn(b, 'p', n - (sizeof(cd) - 1) - (sizeof(x) - 1) - 2);
	adds(b, "\r\n\r\nvalue\r\n--" B "--\r\n");
}

static void test_limit_header(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart_limits lim = multipart_default_limits();
	struct body b = { NULL, 0 };
	struct multipart m;

	header_block(&b, LIMIT_MULTIPART_HEADER_BYTES);
	assert_int_equal(multipart_parse(pool, B, b.p, b.len, NULL, &m), 0);
	assert_int_equal(m.count, 1);
	assert_string_equal(m.parts[0].data, "value");
	header_block(&b, LIMIT_MULTIPART_HEADER_BYTES + 1);
	expect(pool, b.p, b.len, NULL, MC_ETOOBIG);
	lim.max_header_bytes = 100;
	header_block(&b, 100);
	assert_int_equal(multipart_parse(pool, B, b.p, b.len, &lim, &m), 0);
	header_block(&b, 101);
	expect(pool, b.p, b.len, &lim, MC_ETOOBIG);
	header_block(&b, 1000);
	expect(pool, b.p, b.len, &lim, MC_ETOOBIG);
	free(b.p);
	/* A block that never ends, in a part longer than the limit. */
	b.p = NULL;
	b.len = 0;
	adds(&b, "--" B "\r\nContent-Disposition: form-data; name=a\r\nX: ");
	addn(&b, 'q', 200);
	adds(&b, "\r\n--" B "--");
	expect(pool, b.p, b.len, &lim, MC_ETOOBIG);
	free(b.p);
}

static void test_limit_total(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart_limits lim = multipart_default_limits();
	const char *body = "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--" B "--";
	struct multipart m;

	lim.max_total_bytes = strlen(body);
	assert_int_equal(parse(pool, body, &lim, &m), 0);
	lim.max_total_bytes = strlen(body) - 1;
	expect(pool, body, strlen(body), &lim, MC_ETOOBIG);
}

static void test_limit_field(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart_limits lim = multipart_default_limits();
	struct body b = { NULL, 0 };
	struct multipart m;
	size_t i;

	lim.max_field_bytes = 10;
	assert_int_equal(parse(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	                       "0123456789\r\n--" B "--", &lim, &m), 0);
	assert_int_equal(m.parts[0].len, 10);
	expect(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	       "0123456789x\r\n--" B "--", strlen("--" B "\r\nContent-Disposition: form-data; "
	       "name=a\r\n\r\n0123456789x\r\n--" B "--"), &lim, MC_ETOOBIG);
	/* Files are not bound by the field limit. */
	assert_int_equal(parse(pool, "--" B "\r\nContent-Disposition: form-data; name=a; "
	                       "filename=f\r\n\r\n0123456789x\r\n--" B "--", &lim, &m), 0);
	assert_int_equal(m.parts[0].len, 11);
	/* U+0958 × 3 is 9 bytes, 18 after NFC. */
	expect(pool, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	       "\xe0\xa5\x98\xe0\xa5\x98\xe0\xa5\x98\r\n--" B "--",
	       strlen("--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	              "\xe0\xa5\x98\xe0\xa5\x98\xe0\xa5\x98\r\n--" B "--"), &lim, MC_ETOOBIG);
	/* The default limit, exactly and one over. */
	for (i = 0; i < 2; i++) {
		b.len = 0;
		adds(&b, "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\n");
		addn(&b, 'x', LIMIT_FIELD_VALUE_BYTES + i);
		adds(&b, "\r\n--" B "--");
		if (i == 0) {
			assert_int_equal(multipart_parse(pool, B, b.p, b.len, NULL, &m), 0);
			assert_int_equal(m.parts[0].len, LIMIT_FIELD_VALUE_BYTES);
		} else {
			expect(pool, b.p, b.len, NULL, MC_ETOOBIG);
		}
	}
	free(b.p);
}

static void test_defaults(void **state)
{
	struct multipart_limits lim = multipart_default_limits();

	(void)state;
	assert_int_equal(lim.max_parts, LIMIT_MULTIPART_PARTS);
	assert_int_equal(lim.max_header_bytes, LIMIT_MULTIPART_HEADER_BYTES);
	assert_int_equal(lim.max_total_bytes, LIMIT_BODY_BYTES);
	assert_int_equal(lim.max_field_bytes, LIMIT_FIELD_VALUE_BYTES);
}

static void test_bad_boundary_arg(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart m = { NULL, 0 };
	const char *body = "----\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n------";
	char longb[80];

	assert_int_equal(multipart_parse(pool, "", body, strlen(body), NULL, &m), MC_EINVAL);
	memset(longb, 'a', 71);
	longb[71] = '\0';
	assert_int_equal(multipart_parse(pool, longb, body, strlen(body), NULL, &m), MC_EINVAL);
	assert_int_equal(multipart_parse(pool, "a b ", body, strlen(body), NULL, &m), MC_EINVAL);
	assert_int_equal(multipart_parse(pool, "a\r\n", body, strlen(body), NULL, &m), MC_EINVAL);
	longb[70] = '\0';
	assert_int_equal(multipart_parse(pool, longb, body, strlen(body), NULL, &m), MC_EINVAL);
}

/*
 * Near-delimiters everywhere: CRLF "--" and the boundary less its last character, over and over.
 * A quadratic search would take minutes here.
 */
static void test_hostile_linear(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct multipart_limits lim = multipart_default_limits();
	struct body b = { NULL, 0 };
	struct multipart m;
	size_t i, n = 40000;

	adds(&b, "--" B "\r\nContent-Disposition: form-data; name=f; filename=f\r\n\r\n");
	for (i = 0; i < n; i++)
		adds(&b, "\r\n----WebKitFormBoundary7MA4YWxkTrZu0g");
	adds(&b, "\r\n--" B "--");
	assert_int_equal(multipart_parse(pool, B, b.p, b.len, NULL, &m), 0);
	assert_int_equal(m.count, 1);
	/* Many parts (the array grows by doubling). */
	many_parts(&b, n);
	lim.max_parts = SIZE_MAX;
	assert_int_equal(multipart_parse(pool, B, b.p, b.len, &lim, &m), 0);
	assert_int_equal(m.count, n);
	/* A header block of CRs and LFs that never closes: the search stops at the limit. */
	b.len = 0;
	adds(&b, "--" B "\r\nX: ");
	for (i = 0; i < n; i++)
		adds(&b, "\r\n\r");
	adds(&b, "\r\n--" B "--");
	expect(pool, b.p, b.len, NULL, MC_ETOOBIG);
	/* The same in a short part: no end of header block. */
	lim.max_header_bytes = SIZE_MAX;
	expect(pool, b.p, b.len, &lim, MC_EINVAL);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boundary_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boundary_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_simple, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary_dashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boundary_mid_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_plain_vs_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_total, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_boundary_arg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_linear, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
