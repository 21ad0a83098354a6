/* test_routes.c: rules every row of the portal's route table must keep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "http/router.h"
#include "web/pages.h"

/* Every state change needs its CSRF token: no route of the portal may opt out. */
static void test_no_route_skips_csrf(void **state)
{
	(void)state;
	for (size_t i = 0; i < web_routes_count; i++)
		assert_false(web_routes[i].flags & ROUTE_NO_CSRF);
}

/* Every row names a handler, a known method and a path; POST rows accept a body and GET rows
 * none. */
static void test_rows_are_complete(void **state)
{
	(void)state;
	assert_true(web_routes_count > 0);
	for (size_t i = 0; i < web_routes_count; i++) {
		const struct route *rt = &web_routes[i];
		assert_non_null(rt->handler);
		assert_true(rt->pattern[0] == '/');
		if (strcmp(rt->method, "POST") == 0)
			assert_true(rt->max_body > 0);
		else
			assert_string_equal(rt->method, "GET");
		if (strcmp(rt->method, "GET") == 0)
			assert_int_equal(rt->max_body, 0);
	}
}

/* No two rows answer the same method and pattern (the second would never run). */
static void test_no_duplicate_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < web_routes_count; i++)
		for (size_t j = i + 1; j < web_routes_count; j++)
			assert_false(strcmp(web_routes[i].method, web_routes[j].method) == 0 &&
			             strcmp(web_routes[i].pattern, web_routes[j].pattern) == 0);
}

/* The account pages that change something or show private data need a login. */
static void test_private_pages_need_login(void **state)
{
	static const char *const private_paths[] = { "/profile", "/profile/password",
		                                           "/profile/email", "/logout" };
	(void)state;
	for (size_t k = 0; k < sizeof(private_paths) / sizeof(private_paths[0]); k++) {
		int seen = 0;
		for (size_t i = 0; i < web_routes_count; i++)
			if (strcmp(web_routes[i].pattern, private_paths[k]) == 0) {
				assert_int_not_equal(web_routes[i].who, WHO_ANYONE);
				seen = 1;
			}
		assert_true(seen);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_route_skips_csrf),
		cmocka_unit_test(test_rows_are_complete),
		cmocka_unit_test(test_no_duplicate_rows),
		cmocka_unit_test(test_private_pages_need_login),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
