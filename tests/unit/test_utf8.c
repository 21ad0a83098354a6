/* test_utf8.c: unit tests for lib/utf8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/err.h"
#include "lib/utf8.h"

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

/* Normalise the literal 'in' and compare with 'want'. */
static void check_nfc(h2o_mem_pool_t *pool, const char *in, size_t len, const char *want)
{
	char *out = NULL;
	size_t outlen = 0;

	assert_int_equal(utf8_to_nfc(pool, in, len, &out, &outlen), 0);
	assert_non_null(out);
	assert_int_equal(outlen, strlen(want));
	assert_memory_equal(out, want, outlen);
	assert_int_equal(out[outlen], '\0');
}

/* utf8_to_nfc must refuse 'in' and leave *out NULL. */
static void check_bad(h2o_mem_pool_t *pool, const char *in, size_t len)
{
	char *out = (char *)"sentinel";
	size_t outlen = 99;

	assert_int_equal(utf8_to_nfc(pool, in, len, &out, &outlen), MC_EINVAL);
	assert_null(out);
	assert_int_equal(outlen, 0);
}

#define NFC(pool, in, want) check_nfc(pool, in, sizeof(in) - 1, want)
#define BAD(pool, in) check_bad(pool, in, sizeof(in) - 1)

static void test_ascii(void **state)
{
	h2o_mem_pool_t *pool = *state;
	const char *src = "hello, world";
	char *out;
	size_t outlen;

	NFC(pool, "hello, world", "hello, world");
	NFC(pool, "", "");
	/* The copy is a new string, not the input. */
	assert_int_equal(utf8_to_nfc(pool, src, strlen(src), &out, &outlen), 0);
	assert_ptr_not_equal(out, src);
	/* Not NUL-terminated input: only len bytes count. */
	assert_int_equal(utf8_to_nfc(pool, "abcdef", 3, &out, &outlen), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(utf8_to_nfc(pool, NULL, 0, &out, &outlen), 0);
	assert_string_equal(out, "");
}

static void test_tab_lf_cr_allowed(void **state)
{
	h2o_mem_pool_t *pool = *state;

	NFC(pool, "a\tb\r\nc\n", "a\tb\r\nc\n");
	NFC(pool, "Vi\xe1\xbb\x87t\r\nNam", "Vi\xe1\xbb\x87t\r\nNam");
	/* DEL is not a C0 control. */
	NFC(pool, "a\x7f", "a\x7f");
}

static void test_controls_refused(void **state)
{
	h2o_mem_pool_t *pool = *state;

	BAD(pool, "a\0b");
	BAD(pool, "\0");
	BAD(pool, "\x01");
	BAD(pool, "esc\x1b[0m");
	BAD(pool, "\x1f");
	BAD(pool, "\x0b");
	BAD(pool, "\x0c");
	/* Also in a string that needs normalising. */
	BAD(pool, "e\xcc\x81\x01");
	BAD(pool, "\xc3\xa9\0");
}

static void test_nfd_to_nfc(void **state)
{
	h2o_mem_pool_t *pool = *state;

	NFC(pool, "e\xcc\x81", "\xc3\xa9");
	NFC(pool, "Nguye\xcc\x82\xcc\x83n", "Nguy\xe1\xbb\x85n");
	NFC(pool, "Vie\xcc\xa3\xcc\x82t Nam", "Vi\xe1\xbb\x87t Nam");
	/* Combining marks reordered (dot below before acute), then composed. */
	NFC(pool, "a\xcc\x81\xcc\xa3", "\xe1\xba\xa1\xcc\x81");
	/* Hangul jamo compose. */
	NFC(pool, "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", "\xea\xb0\x81");
	/* Already NFC: unchanged. */
	NFC(pool, "Ti\xe1\xba\xbfng Vi\xe1\xbb\x87t", "Ti\xe1\xba\xbfng Vi\xe1\xbb\x87t");
	/* A composition exclusion: NFC output longer than the input. */
	NFC(pool, "\xe0\xa5\x98", "\xe0\xa4\x95\xe0\xa4\xbc");
	/* Highest scalar value. */
	NFC(pool, "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");
	NFC(pool, "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
}

static void test_overlong(void **state)
{
	h2o_mem_pool_t *pool = *state;

	BAD(pool, "\xc0\xaf");
	BAD(pool, "\xc0\x80");
	BAD(pool, "\xc1\xbf");
	BAD(pool, "\xe0\x80\xaf");
	BAD(pool, "\xe0\x9f\xbf");
	BAD(pool, "\xf0\x80\x80\xaf");
	BAD(pool, "\xf0\x8f\xbf\xbf");
	BAD(pool, "abc\xc0\xae\xc0\xae/");
}

static void test_surrogates(void **state)
{
	h2o_mem_pool_t *pool = *state;

	BAD(pool, "\xed\xa0\x80");
	BAD(pool, "\xed\xbf\xbf");
	BAD(pool, "\xed\xa0\xbd\xed\xb8\x80");
	/* U+D7FF, just below, is fine. */
	NFC(pool, "\xed\x9f\xbf", "\xed\x9f\xbf");
}

static void test_above_max(void **state)
{
	h2o_mem_pool_t *pool = *state;

	BAD(pool, "\xf4\x90\x80\x80");
	BAD(pool, "\xf5\x80\x80\x80");
	BAD(pool, "\xf7\xbf\xbf\xbf");
	BAD(pool, "\xf8\x88\x80\x80\x80");
	BAD(pool, "\xfe");
	BAD(pool, "\xff");
}

static void test_truncated(void **state)
{
	h2o_mem_pool_t *pool = *state;

	BAD(pool, "\xc3");
	BAD(pool, "\xe1\xbb");
	BAD(pool, "abc\xf0\x9f\x98");
	BAD(pool, "\xe1\xbbx");
	BAD(pool, "\x80");
	BAD(pool, "a\xbf" "b");
	/* A valid sequence cut by 'len'. */
	check_bad(pool, "\xc3\xa9", 1);
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid(NULL, 0));
	assert_true(utf8_valid("abc", 3));
	assert_true(utf8_valid("a\0b", 3));
	assert_true(utf8_valid("\x01\x1b", 2));
	assert_true(utf8_valid("Nguy\xe1\xbb\x85n", 8));
	assert_true(utf8_valid("e\xcc\x81", 3));
	assert_true(utf8_valid("\xf4\x8f\xbf\xbf", 4));
	assert_false(utf8_valid("\xc0\xaf", 2));
	assert_false(utf8_valid("\xe0\x80\xaf", 3));
	assert_false(utf8_valid("\xed\xa0\x80", 3));
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(utf8_valid("\xc3", 1));
	assert_false(utf8_valid("\x80", 1));
	assert_false(utf8_valid("\xff", 1));
}

static void test_long_input(void **state)
{
	h2o_mem_pool_t *pool = *state;
	size_t n = 100000, i, outlen;
	char *in = malloc(n * 3), *out;

	assert_non_null(in);
	/* 'e' + U+0301, many times: each pair composes into two bytes. */
	for (i = 0; i < n; i++)
		memcpy(in + i * 3, "e\xcc\x81", 3);
	assert_int_equal(utf8_to_nfc(pool, in, n * 3, &out, &outlen), 0);
	assert_int_equal(outlen, n * 2);
	for (i = 0; i < n; i++)
		assert_memory_equal(out + i * 2, "\xc3\xa9", 2);
	assert_int_equal(out[outlen], '\0');
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ascii, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tab_lf_cr_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_controls_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfd_to_nfc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_surrogates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_above_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_input, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
