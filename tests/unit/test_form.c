/* test_form.c: unit tests for http/form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/form.h"
#include "lib/err.h"
#include "limit.h"

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

static int parse(h2o_mem_pool_t *pool, const char *s, struct form *f)
{
	return form_parse_urlencoded(pool, s, strlen(s), f);
}

/* Parse 's' as a body, expecting 'rc' and, on failure, an empty form. */
static void expect(h2o_mem_pool_t *pool, const char *s, int rc)
{
	struct form f = { (struct form_field *)1, 99 };

	assert_int_equal(parse(pool, s, &f), rc);
	if (rc != 0) {
		assert_null(f.fields);
		assert_int_equal(f.count, 0);
	}
}

static void test_basic(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct form f;

	assert_int_equal(parse(pool, "a=1&bb=hai&c=", &f), 0);
	assert_int_equal(f.count, 3);
	assert_string_equal(f.fields[0].name, "a");
	assert_string_equal(f.fields[0].value, "1");
	assert_int_equal(f.fields[0].value_len, 1);
	assert_string_equal(f.fields[1].name, "bb");
	assert_string_equal(f.fields[1].value, "hai");
	assert_int_equal(f.fields[1].value_len, 3);
	assert_string_equal(f.fields[2].value, "");
	assert_int_equal(f.fields[2].value_len, 0);
	assert_string_equal(form_get(&f, "bb"), "hai");
	assert_null(form_get(&f, "zz"));
	assert_null(form_get(&f, "B"));
	assert_int_equal(form_count(&f, "a"), 1);
	assert_int_equal(form_count(&f, "zz"), 0);
}

static void test_query(void **state)
{
	h2o_mem_pool_t *pool = *state;
	const char *q = "q=th%E1%BB%A7+t%E1%BB%A5c&page=2";
	struct form f;

	assert_int_equal(form_parse_query(pool, q, strlen(q), &f), 0);
	assert_int_equal(f.count, 2);
	assert_string_equal(form_get(&f, "q"), "th\xe1\xbb\xa7 t\xe1\xbb\xa5" "c");
	assert_string_equal(form_get(&f, "page"), "2");
	/* Only 'len' bytes are read. */
	assert_int_equal(form_parse_query(pool, "a=1&b=2", 3, &f), 0);
	assert_int_equal(f.count, 1);
	assert_string_equal(form_get(&f, "a"), "1");
}

static void test_empty(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct form f;

	assert_int_equal(parse(pool, "", &f), 0);
	assert_int_equal(f.count, 0);
	assert_null(form_get(&f, "a"));
	assert_int_equal(form_parse_query(pool, NULL, 0, &f), 0);
	assert_int_equal(f.count, 0);
	assert_int_equal(parse(pool, "&&&", &f), 0);
	assert_int_equal(f.count, 0);
	assert_int_equal(parse(pool, "&a=1&&b=2&", &f), 0);
	assert_int_equal(f.count, 2);
	assert_string_equal(f.fields[0].name, "a");
	assert_string_equal(f.fields[1].name, "b");
}

static void test_plus_and_space(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct form f;

	assert_int_equal(parse(pool, "full+name=Nguy%E1%BB%85n+V%C4%83n%20A&x=%2B1+%2b2", &f), 0);
	assert_string_equal(f.fields[0].name, "full name");
	assert_string_equal(f.fields[0].value, "Nguy\xe1\xbb\x85n V\xc4\x83n A");
	assert_string_equal(form_get(&f, "x"), "+1 +2");
	/* %25 is a literal '%' and is not decoded twice. */
	assert_int_equal(parse(pool, "p=100%2541", &f), 0);
	assert_string_equal(form_get(&f, "p"), "100%41");
}

static void test_separators(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct form f;

	/* ';' is not a separator; only the first '=' splits. */
	assert_int_equal(parse(pool, "a=1;b=2&c=x=y==", &f), 0);
	assert_int_equal(f.count, 2);
	assert_string_equal(form_get(&f, "a"), "1;b=2");
	assert_string_equal(form_get(&f, "c"), "x=y==");
	/* Encoded separators are data. */
	assert_int_equal(parse(pool, "a=%26b%3D1", &f), 0);
	assert_int_equal(f.count, 1);
	assert_string_equal(form_get(&f, "a"), "&b=1");
	/* No '=': empty value.  Empty name kept. */
	assert_int_equal(parse(pool, "flag&=v", &f), 0);
	assert_int_equal(f.count, 2);
	assert_string_equal(f.fields[0].name, "flag");
	assert_string_equal(f.fields[0].value, "");
	assert_string_equal(f.fields[1].name, "");
	assert_string_equal(f.fields[1].value, "v");
}

static void test_repeated_names(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct form f;

	assert_int_equal(parse(pool, "tt=1&x=0&tt=2&tt=3", &f), 0);
	assert_int_equal(f.count, 4);
	assert_int_equal(form_count(&f, "tt"), 3);
	assert_string_equal(form_get(&f, "tt"), "1");
	assert_string_equal(f.fields[2].value, "2");
	assert_string_equal(f.fields[3].value, "3");
}

static void test_hex_case_and_nfc(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct form f;

	assert_int_equal(parse(pool, "a=%c3%A9&b=e%CC%81&c=Nguye%cc%82%cc%83n&d=e\xcc\x81", &f), 0);
	assert_string_equal(form_get(&f, "a"), "\xc3\xa9");
	assert_string_equal(form_get(&f, "b"), "\xc3\xa9");
	assert_int_equal(f.fields[1].value_len, 2);
	assert_string_equal(form_get(&f, "c"), "Nguy\xe1\xbb\x85n");
	assert_string_equal(form_get(&f, "d"), "\xc3\xa9");
	/* Names are normalised too. */
	assert_int_equal(parse(pool, "te%CC%82n=1", &f), 0);
	assert_string_equal(f.fields[0].name, "t\xc3\xaan");
}

static void test_controls(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct form f;

	/* Textarea line breaks and tabs survive. */
	assert_int_equal(parse(pool, "t=a%0D%0Ab%09c", &f), 0);
	assert_string_equal(form_get(&f, "t"), "a\r\nb\tc");
	expect(pool, "a=x%00y", MC_EINVAL);
	expect(pool, "a%00=1", MC_EINVAL);
	expect(pool, "a=%01", MC_EINVAL);
	expect(pool, "a=%1B%5B2J", MC_EINVAL);
	expect(pool, "a=\x01", MC_EINVAL);
}

static void test_bad_escapes(void **state)
{
	h2o_mem_pool_t *pool = *state;

	expect(pool, "a=%G1", MC_EINVAL);
	expect(pool, "a=%1G", MC_EINVAL);
	expect(pool, "a=%", MC_EINVAL);
	expect(pool, "a=1%", MC_EINVAL);
	expect(pool, "a=%4", MC_EINVAL);
	expect(pool, "a=%zz&b=1", MC_EINVAL);
	expect(pool, "%=1", MC_EINVAL);
	expect(pool, "b=1&%x", MC_EINVAL);
	expect(pool, "a=%%41", MC_EINVAL);
	expect(pool, "a=% 1", MC_EINVAL);
	/* '%' just before '&': the escape does not reach into the next field. */
	expect(pool, "a=%4&b=1", MC_EINVAL);
	expect(pool, "a=%&41", MC_EINVAL);
}

static void test_bad_utf8(void **state)
{
	h2o_mem_pool_t *pool = *state;

	expect(pool, "a=%C0%AF", MC_EINVAL);
	expect(pool, "a=%E0%80%AF", MC_EINVAL);
	expect(pool, "a=%ED%A0%80", MC_EINVAL);
	expect(pool, "a=%F4%90%80%80", MC_EINVAL);
	expect(pool, "a=%C3", MC_EINVAL);
	expect(pool, "a=%E1%BB", MC_EINVAL);
	expect(pool, "a=%80", MC_EINVAL);
	expect(pool, "a=%FF", MC_EINVAL);
	expect(pool, "%C3=1", MC_EINVAL);
	expect(pool, "a=\xc0\xaf", MC_EINVAL);
	expect(pool, "a=\xed\xa0\x80", MC_EINVAL);
	/* A sequence split across two fields is invalid in both. */
	expect(pool, "a=%C3&b=%A9", MC_EINVAL);
}

/* A body of 'n' fields "a=1&a=1...". */
static char *many_fields(size_t n)
{
	char *s = malloc(n * 4 + 1), *p = s;
	size_t i;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		memcpy(p, "a=1&", 4);
		p += 4;
	}
	*p = '\0';
	return s;
}

static void test_limit_fields(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct form f;
	char *s;

	s = many_fields(LIMIT_FORM_FIELDS);
	assert_int_equal(parse(pool, s, &f), 0);
	assert_int_equal(f.count, LIMIT_FORM_FIELDS);
	assert_int_equal(form_count(&f, "a"), LIMIT_FORM_FIELDS);
	free(s);
	s = many_fields(LIMIT_FORM_FIELDS + 1);
	expect(pool, s, MC_ETOOBIG);
	free(s);
	/* Empty pieces do not count. */
	s = many_fields(LIMIT_FORM_FIELDS);
	{
		size_t n = strlen(s);
		char *t = malloc(n + 2000);

		assert_non_null(t);
		memset(t, '&', 1000);
		memcpy(t + 1000, s, n);
		memset(t + 1000 + n, '&', 999);
		t[n + 1999] = '\0';
		assert_int_equal(parse(pool, t, &f), 0);
		assert_int_equal(f.count, LIMIT_FORM_FIELDS);
		free(t);
	}
	free(s);
}

/* "name=value" with a name of 'nlen' × 'nunit' and a value of 'vlen' × 'vunit'. */
static char *field(const char *nunit, size_t nlen, const char *vunit, size_t vlen)
{
	size_t nu = strlen(nunit), vu = strlen(vunit), i;
	char *s = malloc(nu * nlen + vu * vlen + 2), *p = s;

	assert_non_null(s);
	for (i = 0; i < nlen; i++, p += nu)
		memcpy(p, nunit, nu);
	*p++ = '=';
	for (i = 0; i < vlen; i++, p += vu)
		memcpy(p, vunit, vu);
	*p = '\0';
	return s;
}

static void test_limit_name(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct form f;
	char *s;

	s = field("n", LIMIT_FIELD_NAME_BYTES, "v", 1);
	assert_int_equal(parse(pool, s, &f), 0);
	assert_int_equal(strlen(f.fields[0].name), LIMIT_FIELD_NAME_BYTES);
	free(s);
	s = field("n", LIMIT_FIELD_NAME_BYTES + 1, "v", 1);
	expect(pool, s, MC_ETOOBIG);
	free(s);
	/* The limit is on decoded bytes: 128 × "%41" is 384 bytes on the wire. */
	s = field("%41", LIMIT_FIELD_NAME_BYTES, "v", 1);
	assert_int_equal(parse(pool, s, &f), 0);
	free(s);
	s = field("%41", LIMIT_FIELD_NAME_BYTES + 1, "v", 1);
	expect(pool, s, MC_ETOOBIG);
	free(s);
	/* A name without '=' is limited too. */
	s = field("n", LIMIT_FIELD_NAME_BYTES + 1, "", 0);
	s[LIMIT_FIELD_NAME_BYTES + 1] = '\0';
	expect(pool, s, MC_ETOOBIG);
	free(s);
}

static void test_limit_value(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct form f;
	char *s;

	s = field("v", 1, "x", LIMIT_FIELD_VALUE_BYTES);
	assert_int_equal(parse(pool, s, &f), 0);
	assert_int_equal(f.fields[0].value_len, LIMIT_FIELD_VALUE_BYTES);
	assert_int_equal(strlen(f.fields[0].value), LIMIT_FIELD_VALUE_BYTES);
	free(s);
	s = field("v", 1, "x", LIMIT_FIELD_VALUE_BYTES + 1);
	expect(pool, s, MC_ETOOBIG);
	free(s);
	s = field("v", 1, "%78", LIMIT_FIELD_VALUE_BYTES);
	assert_int_equal(parse(pool, s, &f), 0);
	free(s);
	s = field("v", 1, "+", LIMIT_FIELD_VALUE_BYTES + 1);
	expect(pool, s, MC_ETOOBIG);
	free(s);
	/* U+0958 is 3 bytes and 6 after NFC: within the limit decoded, over it normalised. */
	s = field("v", 1, "%E0%A5%98", LIMIT_FIELD_VALUE_BYTES / 3);
	expect(pool, s, MC_ETOOBIG);
	free(s);
	s = field("v", 1, "%E0%A5%98", LIMIT_FIELD_VALUE_BYTES / 6);
	assert_int_equal(parse(pool, s, &f), 0);
	assert_int_equal(f.fields[0].value_len, LIMIT_FIELD_VALUE_BYTES / 6 * 6);
	free(s);
	/* NFC shrinks "e" U+0301 to two bytes, but the decoded length is checked first. */
	s = field("v", 1, "e%CC%81", LIMIT_FIELD_VALUE_BYTES / 3 + 1);
	expect(pool, s, MC_ETOOBIG);
	free(s);
}

static void test_limit_total(void **state)
{
	h2o_mem_pool_t *pool = *state;
	size_t n = LIMIT_FORM_BODY_BYTES, part = LIMIT_FIELD_VALUE_BYTES;
	char *s = malloc(n + 2), *p = s;
	struct form f;
	size_t i;

	assert_non_null(s);
	/* Five fields, the last one padded so that the body is exactly the limit. */
	for (i = 0; i < 5; i++) {
		size_t vlen = i < 4 ? part - 10 : n - (size_t)(p - s) - 3;

		memcpy(p, "v=", 2);
		memset(p + 2, 'y', vlen);
		p += 2 + vlen;
		*p++ = '&';
	}
	p[-1] = 'z';
	*p = '\0';
	assert_int_equal(strlen(s), n);
	assert_int_equal(form_parse_urlencoded(pool, s, n, &f), 0);
	assert_int_equal(f.count, 5);
	s[n] = 'z';
	s[n + 1] = '\0';
	expect(pool, s, MC_ETOOBIG);
	free(s);
}

static void test_limit_query(void **state)
{
	h2o_mem_pool_t *pool = *state;
	char *s = malloc(LIMIT_QUERY_BYTES + 2);
	struct form f = { NULL, 0 };

	assert_non_null(s);
	memcpy(s, "q=", 2);
	memset(s + 2, 'a', LIMIT_QUERY_BYTES - 2);
	assert_int_equal(form_parse_query(pool, s, LIMIT_QUERY_BYTES, &f), 0);
	assert_int_equal(f.fields[0].value_len, LIMIT_QUERY_BYTES - 2);
	s[LIMIT_QUERY_BYTES] = 'a';
	assert_int_equal(form_parse_query(pool, s, LIMIT_QUERY_BYTES + 1, &f), MC_ETOOBIG);
	assert_null(f.fields);
	assert_int_equal(f.count, 0);
	/* The body accepts the same string. */
	assert_int_equal(form_parse_urlencoded(pool, s, LIMIT_QUERY_BYTES + 1, &f), 0);
	free(s);
}

static void test_error_empties(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct form f;

	assert_int_equal(parse(pool, "a=1&b=2", &f), 0);
	assert_int_equal(f.count, 2);
	assert_int_equal(parse(pool, "a=1&b=%", &f), MC_EINVAL);
	assert_null(f.fields);
	assert_int_equal(f.count, 0);
	assert_null(form_get(&f, "a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plus_and_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_separators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeated_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hex_case_and_nfc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_controls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_total, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_empties, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
