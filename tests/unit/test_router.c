/* test_router.c: unit tests for http/router (matching, parameters, 404/405, unsafe paths). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/router.h"

struct req;

/* Distinct dummy handlers, so a test can tell which row matched. */
static int h_home(struct req *r) { (void)r; return 0; }
static int h_health(struct req *r) { (void)r; return 0; }
static int h_submit(struct req *r) { (void)r; return 0; }
static int h_dossier(struct req *r) { (void)r; return 0; }
static int h_static(struct req *r) { (void)r; return 0; }
static int h_new(struct req *r) { (void)r; return 0; }
static int h_other(struct req *r) { (void)r; return 0; }

static const struct route routes[] = {
	{ "GET", "/", h_home, WHO_ANYONE, 0, 0 },
	{ "GET", "/healthz", h_health, WHO_ANYONE, 0, 0 },
	{ "POST", "/dossiers/{id}/submit", h_submit, WHO_CITIZEN, 1024, 0 },
	{ "GET", "/dossiers/{id}", h_dossier, WHO_USER, 0, 0 },
	{ "GET", "/static/{path*}", h_static, WHO_ANYONE, 0, 0 },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Result of the last match, kept for the assertions that follow. */
static struct route_match m;
static char allow[64];

static enum router_result match_in(const struct route *table, size_t n, const char *method,
                                   const char *path, size_t path_len)
{
	memset(&m, 0xa5, sizeof(m));
	memset(allow, 'x', sizeof(allow));
	return router_match(table, n, method, strlen(method), path, path_len, &m, allow,
	                    sizeof(allow));
}

static enum router_result match(const char *method, const char *path)
{
	return match_in(routes, NROUTES, method, path, strlen(path));
}

/* 'method path' finds row 'row' of the main table. */
static void expect_found(const char *method, const char *path, size_t row)
{
	enum router_result rc = match(method, path);

	if (rc != ROUTER_FOUND)
		fail_msg("%s %s: result %d, want row %zu", method, path, (int)rc, row);
	assert_ptr_equal(m.route, &routes[row]);
}

static void expect_no_path(const char *method, const char *path, size_t path_len)
{
	enum router_result rc = match_in(routes, NROUTES, method, path, path_len);

	if (rc != ROUTER_NO_PATH)
		fail_msg("%s '%.*s' (%zu bytes): result %d, want ROUTER_NO_PATH", method,
		         (int)path_len, path, path_len, (int)rc);
	assert_string_equal(allow, "");
}

#define NO_PATH(path) expect_no_path("GET", path, strlen(path))
/* For literals holding a NUL: the whole literal, NUL included. */
#define NO_PATH_LIT(path) expect_no_path("GET", path, sizeof(path) - 1)

/* Parameter 'name' of the last match is 'want'. */
static void expect_param(const char *name, const char *want)
{
	size_t len = 12345;
	const char *v = router_param(&m, name, &len);

	if (v == NULL)
		fail_msg("no parameter %s", name);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(v, want, len);
}

static void test_exact(void **state)
{
	(void)state;
	expect_found("GET", "/", 0);
	assert_int_equal(m.nparams, 0);
	assert_ptr_equal(m.route->handler, h_home);
	assert_int_equal(m.route->who, WHO_ANYONE);

	expect_found("GET", "/healthz", 1);
	assert_int_equal(m.nparams, 0);
	assert_ptr_equal(m.route->handler, h_health);
}

static void test_params(void **state)
{
	size_t len = 0;
	const char *path = "/dossiers/42/submit";

	(void)state;
	expect_found("POST", path, 2);
	assert_int_equal(m.nparams, 1);
	expect_param("id", "42");
	assert_int_equal(m.route->max_body, 1024);
	assert_int_equal(m.route->who, WHO_CITIZEN);
	/* The value points into the path itself. */
	assert_ptr_equal(router_param(&m, "id", &len), path + strlen("/dossiers/"));
	/* The length is optional. */
	assert_non_null(router_param(&m, "id", NULL));

	expect_found("GET", "/dossiers/2024-000123", 3);
	assert_int_equal(m.nparams, 1);
	expect_param("id", "2024-000123");
	assert_ptr_equal(m.route->handler, h_dossier);
}

static void test_param_names(void **state)
{
	(void)state;
	expect_found("GET", "/dossiers/7", 3);
	assert_null(router_param(&m, "i", NULL));
	assert_null(router_param(&m, "idx", NULL));
	assert_null(router_param(&m, "ID", NULL));
	assert_null(router_param(&m, "", NULL));
	assert_null(router_param(&m, "{id}", NULL));

	expect_found("GET", "/static/app.css", 4);
	expect_param("path", "app.css");
	assert_null(router_param(&m, "path*", NULL));
}

/* Values are raw: percent-encoding is left for the handler to decode. */
static void test_params_raw(void **state)
{
	(void)state;
	expect_found("GET", "/dossiers/a%2Fb", 3);
	expect_param("id", "a%2Fb");
	expect_found("GET", "/dossiers/h%E1%BB%93%20s%C6%A1", 3);
	expect_param("id", "h%E1%BB%93%20s%C6%A1");
	expect_found("GET", "/dossiers/Hồ-sơ", 3);
	expect_param("id", "Hồ-sơ");
	expect_found("GET", "/static/css/a%20b.css", 4);
	expect_param("path", "css/a%20b.css");
	/* Segments that merely contain dots are ordinary. */
	expect_found("GET", "/dossiers/...", 3);
	expect_param("id", "...");
	expect_found("GET", "/dossiers/.a", 3);
	expect_param("id", ".a");
}

static void test_head_matches_get(void **state)
{
	(void)state;
	expect_found("HEAD", "/", 0);
	expect_found("HEAD", "/healthz", 1);
	expect_found("HEAD", "/dossiers/9", 3);
	expect_param("id", "9");
	expect_found("HEAD", "/static/js/app.js", 4);
	expect_param("path", "js/app.js");

	/* HEAD is not POST. */
	assert_int_equal(match("HEAD", "/dossiers/9/submit"), ROUTER_NO_METHOD);
	assert_string_equal(allow, "POST");
}

static void test_no_method(void **state)
{
	(void)state;
	assert_int_equal(match("POST", "/healthz"), ROUTER_NO_METHOD);
	assert_string_equal(allow, "GET");
	assert_int_equal(match("POST", "/"), ROUTER_NO_METHOD);
	assert_string_equal(allow, "GET");
	assert_int_equal(match("DELETE", "/dossiers/5"), ROUTER_NO_METHOD);
	assert_string_equal(allow, "GET");
	assert_int_equal(match("POST", "/static/a.css"), ROUTER_NO_METHOD);
	assert_string_equal(allow, "GET");
	assert_int_equal(match("GET", "/dossiers/5/submit"), ROUTER_NO_METHOD);
	assert_string_equal(allow, "POST");
	assert_int_equal(match("PUT", "/dossiers/5/submit"), ROUTER_NO_METHOD);
	assert_string_equal(allow, "POST");
}

/* Methods compare exactly, byte for byte and by length. */
static void test_method_exact(void **state)
{
	(void)state;
	assert_int_equal(match("get", "/healthz"), ROUTER_NO_METHOD);
	assert_int_equal(match("GE", "/healthz"), ROUTER_NO_METHOD);
	assert_int_equal(match("GETS", "/healthz"), ROUTER_NO_METHOD);
	assert_int_equal(match("HEADER", "/healthz"), ROUTER_NO_METHOD);
	assert_int_equal(match("", "/healthz"), ROUTER_NO_METHOD);
	assert_string_equal(allow, "GET");

	/* Only method_len bytes of the method are read. */
	assert_int_equal(router_match(routes, NROUTES, "GETX", 3, "/healthz", 8, &m, allow,
	                              sizeof(allow)),
	                 ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[1]);
	assert_int_equal(router_match(routes, NROUTES, "HEADX", 4, "/healthz", 8, &m, allow,
	                              sizeof(allow)),
	                 ROUTER_FOUND);
}

static void test_unknown_path(void **state)
{
	(void)state;
	NO_PATH("/nope");
	NO_PATH("/health");
	NO_PATH("/healthzz");
	NO_PATH("/Healthz");
	NO_PATH("/healthz/x");
	NO_PATH("/dossiers");
	NO_PATH("/dossiers/5/submit/x");
	NO_PATH("/dossiers/5/other");
	NO_PATH("/x/healthz");
	expect_no_path("POST", "/nope", 5);
}

static void test_trailing_slash(void **state)
{
	(void)state;
	NO_PATH("/healthz/");
	NO_PATH("/dossiers/");
	NO_PATH("/dossiers/7/");
	NO_PATH("/dossiers/7/submit/");
	NO_PATH("/static/");
	NO_PATH("/static/css/");
	expect_no_path("POST", "/dossiers/7/submit/", strlen("/dossiers/7/submit/"));
}

static void test_empty_segments(void **state)
{
	(void)state;
	NO_PATH("//");
	NO_PATH("///");
	NO_PATH("//healthz");
	NO_PATH("/healthz//");
	NO_PATH("/dossiers//submit");
	NO_PATH("//dossiers/7");
	NO_PATH("/dossiers//7");
	NO_PATH("//static/a.css");
	NO_PATH("/static//a.css");
	NO_PATH("/static/a//b");
	NO_PATH("/static/a/b//");
	expect_no_path("POST", "/dossiers//submit", strlen("/dossiers//submit"));
}

static void test_dot_segments(void **state)
{
	(void)state;
	NO_PATH("/.");
	NO_PATH("/..");
	NO_PATH("/./");
	NO_PATH("/./healthz");
	NO_PATH("/../healthz");
	NO_PATH("/healthz/.");
	NO_PATH("/healthz/..");
	NO_PATH("/dossiers/.");
	NO_PATH("/dossiers/..");
	NO_PATH("/dossiers/./x");
	NO_PATH("/dossiers/7/..");
	expect_no_path("POST", "/dossiers/./submit", strlen("/dossiers/./submit"));
	expect_no_path("POST", "/dossiers/../submit", strlen("/dossiers/../submit"));
	expect_no_path("POST", "/dossiers/7/submit/..", strlen("/dossiers/7/submit/.."));
}

/* Inside a rest parameter too, at any depth. */
static void test_dot_segments_in_rest(void **state)
{
	(void)state;
	NO_PATH("/static/.");
	NO_PATH("/static/..");
	NO_PATH("/static/../x");
	NO_PATH("/static/./a");
	NO_PATH("/static/a/../b");
	NO_PATH("/static/a/./b");
	NO_PATH("/static/a/b/..");
	NO_PATH("/static/a/b/.");
	NO_PATH("/static/a/../../../etc/passwd");
	NO_PATH("/./static/a");
	NO_PATH("/../static/a");

	/* Names with dots are not dot segments. */
	expect_found("GET", "/static/.well-known/x", 4);
	expect_param("path", ".well-known/x");
	expect_found("GET", "/static/a..b/..c/c..", 4);
	expect_param("path", "a..b/..c/c..");
	expect_found("GET", "/static/.../x", 4);
	expect_param("path", ".../x");
}

static void test_rest_param(void **state)
{
	(void)state;
	expect_found("GET", "/static/css/a.css", 4);
	assert_int_equal(m.nparams, 1);
	expect_param("path", "css/a.css");

	expect_found("GET", "/static/a", 4);
	expect_param("path", "a");

	expect_found("GET", "/static/vendor/bootstrap5/js/bootstrap.bundle.min.js", 4);
	expect_param("path", "vendor/bootstrap5/js/bootstrap.bundle.min.js");

	expect_found("GET", "/static/static", 4);
	expect_param("path", "static");

	/* The rest needs at least one segment. */
	NO_PATH("/static");
	NO_PATH("/static/");
	NO_PATH("/staticx/a");
}

static void test_not_absolute(void **state)
{
	(void)state;
	NO_PATH("");
	NO_PATH("healthz");
	NO_PATH("*");
	NO_PATH("static/a.css");
	NO_PATH("dossiers/1");
	NO_PATH(" /healthz");
	NO_PATH("http://example.org/healthz");
	expect_no_path("OPTIONS", "*", 1);
}

static void test_nul_byte(void **state)
{
	(void)state;
	NO_PATH_LIT("/\0");
	NO_PATH_LIT("/\0/healthz");
	NO_PATH_LIT("/healthz\0");
	NO_PATH_LIT("/heal\0thz");
	NO_PATH_LIT("/healthz\0/x");
	NO_PATH_LIT("/dossiers/4\0002");
	NO_PATH_LIT("/dossiers/\0");
	NO_PATH_LIT("/dossiers/4\0/submit");
	NO_PATH_LIT("/static/a\0b");
	NO_PATH_LIT("/static/a/\0");
	NO_PATH_LIT("/static/a/b\0.css");
	NO_PATH_LIT("\0/healthz");
	expect_no_path("POST", "/dossiers/1\0/submit", sizeof("/dossiers/1\0/submit") - 1);
}

/* Only path_len bytes are read: what follows does not matter. */
static void test_path_len_respected(void **state)
{
	(void)state;
	assert_int_equal(match_in(routes, NROUTES, "GET", "/healthz?x=1", 8), ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[1]);
	assert_int_equal(match_in(routes, NROUTES, "GET", "/dossiers/12/submit", 12), ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[3]);
	expect_param("id", "12");
	assert_int_equal(match_in(routes, NROUTES, "GET", "/static/a/b", 9), ROUTER_FOUND);
	expect_param("path", "a");
	assert_int_equal(match_in(routes, NROUTES, "GET", "/healthz", 1), ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[0]);
	assert_int_equal(match_in(routes, NROUTES, "GET", "/healthz", 0), ROUTER_NO_PATH);
}

static void test_first_match_wins(void **state)
{
	static const struct route literal_first[] = {
		{ "GET", "/dossiers/new", h_new, WHO_CITIZEN, 0, 0 },
		{ "GET", "/dossiers/{id}", h_dossier, WHO_USER, 0, 0 },
		{ "GET", "/dossiers/{id}", h_other, WHO_ADMIN, 0, 0 },
	};
	static const struct route param_first[] = {
		{ "GET", "/dossiers/{id}", h_dossier, WHO_USER, 0, 0 },
		{ "GET", "/dossiers/new", h_new, WHO_CITIZEN, 0, 0 },
	};

	(void)state;
	assert_int_equal(match_in(literal_first, 3, "GET", "/dossiers/new", 13), ROUTER_FOUND);
	assert_ptr_equal(m.route, &literal_first[0]);
	assert_ptr_equal(m.route->handler, h_new);
	assert_int_equal(m.nparams, 0);

	assert_int_equal(match_in(literal_first, 3, "GET", "/dossiers/5", 11), ROUTER_FOUND);
	assert_ptr_equal(m.route, &literal_first[1]);
	expect_param("id", "5");

	assert_int_equal(match_in(param_first, 2, "GET", "/dossiers/new", 13), ROUTER_FOUND);
	assert_ptr_equal(m.route, &param_first[0]);
	expect_param("id", "new");
}

/* A method that matches a later row is found even when an earlier row matched the path only. */
static void test_method_found_after_other_method(void **state)
{
	static const struct route table[] = {
		{ "POST", "/items", h_other, WHO_USER, 100, 0 },
		{ "GET", "/items", h_home, WHO_ANYONE, 0, 0 },
	};

	(void)state;
	assert_int_equal(match_in(table, 2, "GET", "/items", 6), ROUTER_FOUND);
	assert_ptr_equal(m.route, &table[1]);
	assert_int_equal(match_in(table, 2, "POST", "/items", 6), ROUTER_FOUND);
	assert_ptr_equal(m.route, &table[0]);
	assert_int_equal(match_in(table, 2, "HEAD", "/items", 6), ROUTER_FOUND);
	assert_ptr_equal(m.route, &table[1]);
}

static void test_allow_list(void **state)
{
	static const struct route table[] = {
		{ "GET", "/items", h_home, WHO_ANYONE, 0, 0 },
		{ "POST", "/items", h_other, WHO_USER, 100, 0 },
		{ "GET", "/items", h_other, WHO_ANYONE, 0, 0 },
		{ "PUT", "/items", h_other, WHO_ADMIN, 100, 0 },
		{ "DELETE", "/other", h_other, WHO_ADMIN, 0, 0 },
	};
	char small[16];

	(void)state;
	/* Each method once, in table order. */
	assert_int_equal(match_in(table, 5, "DELETE", "/items", 6), ROUTER_NO_METHOD);
	assert_string_equal(allow, "GET, POST, PUT");

	/* A short buffer holds whole methods only and is never overrun. */
	memset(small, 'x', sizeof(small));
	assert_int_equal(router_match(table, 5, "DELETE", 6, "/items", 6, &m, small, 8),
	                 ROUTER_NO_METHOD);
	assert_string_equal(small, "GET");
	for (size_t i = 8; i < sizeof(small); i++)
		assert_int_equal(small[i], 'x');

	/* No buffer at all. */
	assert_int_equal(router_match(table, 5, "DELETE", 6, "/items", 6, &m, NULL, 0),
	                 ROUTER_NO_METHOD);
	assert_int_equal(router_match(table, 5, "DELETE", 6, "/nope", 5, &m, NULL, 0),
	                 ROUTER_NO_PATH);
	assert_int_equal(router_match(table, 5, "DELETE", 6, "nope", 4, &m, NULL, 0),
	                 ROUTER_NO_PATH);
}

static void test_several_params(void **state)
{
	static const struct route table[] = {
		{ "GET", "/agencies/{agency}/services/{service}", h_other, WHO_ANYONE, 0, 0 },
		{ "GET", "/a/{p1}/{p2}/{p3}/{p4}", h_other, WHO_ANYONE, 0, 0 },
		{ "GET", "/files/{id}/{name*}", h_other, WHO_ANYONE, 0, 0 },
	};
	const char *p;

	(void)state;
	p = "/agencies/so-tu-phap/services/1.004227";
	assert_int_equal(match_in(table, 3, "GET", p, strlen(p)), ROUTER_FOUND);
	assert_ptr_equal(m.route, &table[0]);
	assert_int_equal(m.nparams, 2);
	expect_param("agency", "so-tu-phap");
	expect_param("service", "1.004227");

	p = "/a/1/2/3/4";
	assert_int_equal(match_in(table, 3, "GET", p, strlen(p)), ROUTER_FOUND);
	assert_int_equal(m.nparams, ROUTE_MAX_PARAMS);
	expect_param("p1", "1");
	expect_param("p4", "4");

	p = "/files/7/scan/page 1.pdf";
	assert_int_equal(match_in(table, 3, "GET", p, strlen(p)), ROUTER_FOUND);
	assert_ptr_equal(m.route, &table[2]);
	assert_int_equal(m.nparams, 2);
	expect_param("id", "7");
	expect_param("name", "scan/page 1.pdf");

	p = "/files/7";
	assert_int_equal(match_in(table, 3, "GET", p, strlen(p)), ROUTER_NO_PATH);
	p = "/files/../x";
	assert_int_equal(match_in(table, 3, "GET", p, strlen(p)), ROUTER_NO_PATH);
}

static void test_empty_table(void **state)
{
	(void)state;
	assert_int_equal(match_in(routes, 0, "GET", "/", 1), ROUTER_NO_PATH);
	assert_string_equal(allow, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_param_names),
		cmocka_unit_test(test_params_raw),
		cmocka_unit_test(test_head_matches_get),
		cmocka_unit_test(test_no_method),
		cmocka_unit_test(test_method_exact),
		cmocka_unit_test(test_unknown_path),
		cmocka_unit_test(test_trailing_slash),
		cmocka_unit_test(test_empty_segments),
		cmocka_unit_test(test_dot_segments),
		cmocka_unit_test(test_dot_segments_in_rest),
		cmocka_unit_test(test_rest_param),
		cmocka_unit_test(test_not_absolute),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_path_len_respected),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_method_found_after_other_method),
		cmocka_unit_test(test_allow_list),
		cmocka_unit_test(test_several_params),
		cmocka_unit_test(test_empty_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
