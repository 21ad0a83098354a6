/* test_cookie.c: unit tests for http/cookie. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/cookie.h"
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

static int parse(h2o_mem_pool_t *pool, const char *s, struct cookie_jar *jar)
{
	return cookie_parse(pool, s, strlen(s), jar);
}

static void test_basic(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct cookie_jar jar = { NULL, 0 };

	assert_int_equal(parse(pool, "sid=abc123; lang=vi", &jar), 0);
	assert_int_equal(jar.count, 2);
	assert_string_equal(jar.cookies[0].name, "sid");
	assert_string_equal(jar.cookies[0].value, "abc123");
	assert_string_equal(jar.cookies[1].name, "lang");
	assert_string_equal(cookie_get(&jar, "lang"), "vi");
	assert_null(cookie_get(&jar, "SID"));
	assert_null(cookie_get(&jar, "none"));
}

static void test_empty(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct cookie_jar jar = { NULL, 0 };

	assert_int_equal(parse(pool, "", &jar), 0);
	assert_int_equal(cookie_parse(pool, NULL, 0, &jar), 0);
	assert_int_equal(parse(pool, ";;; ;\t;", &jar), 0);
	assert_int_equal(jar.count, 0);
	assert_null(cookie_get(&jar, "a"));
}

static void test_spacing(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct cookie_jar jar = { NULL, 0 };

	assert_int_equal(parse(pool, "a=1;b=2", &jar), 0);
	assert_int_equal(parse(pool, "  c=3 ;\td=4\t;;  e = 5 ;", &jar), 0);
	assert_int_equal(jar.count, 5);
	assert_string_equal(cookie_get(&jar, "b"), "2");
	assert_string_equal(cookie_get(&jar, "c"), "3");
	assert_string_equal(cookie_get(&jar, "d"), "4");
	assert_string_equal(cookie_get(&jar, "e"), "5");
}

static void test_values(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct cookie_jar jar = { NULL, 0 };

	assert_int_equal(parse(pool, "q=\"xyz\"; e=; eq=\"\"; b64=YWJj==; pct=%41%20; "
	                             "sym=!#$%&'()*+-./:<=>?@[]^_`{|}~", &jar), 0);
	assert_int_equal(jar.count, 6);
	assert_string_equal(cookie_get(&jar, "q"), "xyz");
	assert_string_equal(cookie_get(&jar, "e"), "");
	assert_string_equal(cookie_get(&jar, "eq"), "");
	assert_string_equal(cookie_get(&jar, "b64"), "YWJj==");
	/* Never percent-decoded. */
	assert_string_equal(cookie_get(&jar, "pct"), "%41%20");
	assert_string_equal(cookie_get(&jar, "sym"), "!#$%&'()*+-./:<=>?@[]^_`{|}~");
}

static void test_bad_values_skipped(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct cookie_jar jar = { NULL, 0 };

	assert_int_equal(parse(pool, "a=\"; b=\"x; c=x\"; d=\"x\"y\"; e=x y; f=x,y; g=x\\y; "
	                             "h=\xc3\xa9; i=\x01; j=\"a b\"; k=\x7f; ok=1", &jar), 0);
	assert_int_equal(jar.count, 1);
	assert_string_equal(jar.cookies[0].name, "ok");
	assert_string_equal(jar.cookies[0].value, "1");
}

static void test_bad_names_skipped(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct cookie_jar jar = { NULL, 0 };

	assert_int_equal(parse(pool, "=x; a b=1; a(b)=1; a@=1; a,b=1; a/b=1; \xc3\xbc=1; "
	                             "a\"=1; {x}=1; flag; good_name-1.x=ok; ~!#=2", &jar), 0);
	assert_int_equal(jar.count, 2);
	assert_string_equal(cookie_get(&jar, "good_name-1.x"), "ok");
	assert_string_equal(cookie_get(&jar, "~!#"), "2");
	assert_null(cookie_get(&jar, "flag"));
	assert_null(cookie_get(&jar, ""));
}

static void test_duplicates_and_jar(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct cookie_jar jar = { NULL, 0 };

	assert_int_equal(parse(pool, "sid=first; sid=second", &jar), 0);
	assert_int_equal(parse(pool, "x=1; sid=third", &jar), 0);
	assert_int_equal(jar.count, 4);
	assert_string_equal(cookie_get(&jar, "sid"), "first");
	assert_string_equal(jar.cookies[1].value, "second");
	assert_string_equal(jar.cookies[2].name, "x");
	assert_string_equal(jar.cookies[3].value, "third");
}

static void test_limit_header(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct cookie_jar jar = { NULL, 0 };
	char *s = malloc(LIMIT_COOKIE_HEADER_BYTES + 1);

	assert_non_null(s);
	memcpy(s, "big=", 4);
	memset(s + 4, 'v', LIMIT_COOKIE_HEADER_BYTES - 4);
	assert_int_equal(cookie_parse(pool, s, LIMIT_COOKIE_HEADER_BYTES, &jar), 0);
	assert_int_equal(jar.count, 1);
	assert_int_equal(strlen(cookie_get(&jar, "big")), LIMIT_COOKIE_HEADER_BYTES - 4);
	s[LIMIT_COOKIE_HEADER_BYTES] = 'v';
	assert_int_equal(cookie_parse(pool, s, LIMIT_COOKIE_HEADER_BYTES + 1, &jar), MC_ETOOBIG);
	assert_int_equal(jar.count, 1);
	free(s);
}

/* A header of 'n' valid pairs "c<i>=v", plus 'junk' invalid ones. */
static char *pairs(size_t n, size_t junk)
{
	char *s = malloc((n + junk) * 16 + 1), *p = s;
	size_t i;

	assert_non_null(s);
	*p = '\0';
	for (i = 0; i < n; i++)
		p += sprintf(p, "c%zu=v; ", i);
	for (i = 0; i < junk; i++)
		p += sprintf(p, "bad name=1; ");
	return s;
}

static void test_limit_count(void **state)
{
	h2o_mem_pool_t *pool = *state;
	struct cookie_jar jar = { NULL, 0 };
	struct cookie *before;
	char *s;

	s = pairs(LIMIT_COOKIES, 10);
	assert_int_equal(parse(pool, s, &jar), 0);
	assert_int_equal(jar.count, LIMIT_COOKIES);
	assert_string_equal(cookie_get(&jar, "c63"), "v");
	free(s);
	/* One more, in a second header, is refused and the jar stays as it was. */
	before = jar.cookies;
	assert_int_equal(parse(pool, "one=more", &jar), MC_ETOOBIG);
	assert_int_equal(jar.count, LIMIT_COOKIES);
	assert_ptr_equal(jar.cookies, before);
	/* Only invalid pairs: nothing added, no error. */
	assert_int_equal(parse(pool, "bad name=1", &jar), 0);
	assert_int_equal(jar.count, LIMIT_COOKIES);

	jar.cookies = NULL;
	jar.count = 0;
	s = pairs(LIMIT_COOKIES + 1, 0);
	assert_int_equal(parse(pool, s, &jar), MC_ETOOBIG);
	assert_int_equal(jar.count, 0);
	assert_null(jar.cookies);
	free(s);
	s = pairs(40, 0);
	assert_int_equal(parse(pool, s, &jar), 0);
	free(s);
	s = pairs(25, 0);
	assert_int_equal(parse(pool, s, &jar), MC_ETOOBIG);
	assert_int_equal(jar.count, 40);
	free(s);
	s = pairs(24, 0);
	assert_int_equal(parse(pool, s, &jar), 0);
	assert_int_equal(jar.count, LIMIT_COOKIES);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spacing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_and_jar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_count, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
