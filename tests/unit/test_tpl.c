/*
 * test_tpl.c: lib/tpl against every case of the official Mustache spec (read at run time from
 * $MUSTACHE_SPEC_DIR, else from the MUSTACHE_SPEC_DIR define), plus our own cases: escaping,
 * syntax errors, loading a directory, the recursion guard, threads, large output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/tpl.h"

#ifndef MUSTACHE_SPEC_DIR
#define MUSTACHE_SPEC_DIR ""
#endif

#define SPEC_CASES_MIN 163
#define SPEC_FILES_MAX 64

/* ---- the spec ------------------------------------------------------------------------------ */

struct spec_case {
	char name[256];     /* "interpolation: Basic Interpolation" */
	const json_t *test; /* owned by spec.roots */
};

static struct {
	json_t *roots[SPEC_FILES_MAX];
	size_t nroots;
	struct spec_case *cases;
	size_t ncases;
	size_t passed;
} spec;

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read every *.json file of 'dir' into spec; -1 when the folder or a file cannot be read. */
static int spec_load(const char *dir)
{
	char *names[SPEC_FILES_MAX];
	size_t nnames = 0, i, k, n, len;
	char path[4096];
	struct dirent *de;
	json_error_t jerr;
	json_t *root, *tests, *test;
	DIR *d;
	int rc = -1;

	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "mustache spec: cannot open folder '%s'\n", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL && nnames < SPEC_FILES_MAX) {
		len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0)
			names[nnames++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, nnames, sizeof names[0], compare_names);
	for (i = 0; i < nnames; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		root = json_load_file(path, 0, &jerr);
		tests = json_object_get(root, "tests");
		if (root == NULL || !json_is_array(tests)) {
			fprintf(stderr, "mustache spec: %s: %s\n", path, jerr.text);
			json_decref(root);
			goto out;
		}
		spec.roots[spec.nroots++] = root;
		n = json_array_size(tests);
		spec.cases = realloc(spec.cases, (spec.ncases + n) * sizeof *spec.cases);
		if (spec.cases == NULL)
			goto out;
		json_array_foreach(tests, k, test) {
			struct spec_case *sc = &spec.cases[spec.ncases++];

			snprintf(sc->name, sizeof sc->name, "%.*s: %s", (int)(strlen(names[i]) - 5),
			         names[i], json_string_value(json_object_get(test, "name")));
			sc->test = test;
		}
	}
	rc = 0;
out:
	for (i = 0; i < nnames; i++)
		free(names[i]);
	return rc;
}

static void spec_free(void)
{
	size_t i;

	for (i = 0; i < spec.nroots; i++)
		json_decref(spec.roots[i]);
	free(spec.cases);
}

static void print_quoted(const char *label, const char *s, size_t len)
{
	json_t *str = json_stringn(s, len);
	char *text = json_dumps(str, JSON_ENCODE_ANY);

	print_error("  %-9s %s\n", label, text != NULL ? text : "?");
	free(text);
	json_decref(str);
}

static void test_spec_case(void **state)
{
	const struct spec_case *sc = *state;
	const json_t *test = sc->test, *partials, *value;
	const char *tmpl, *expected, *key;
	struct tpl_set *set;
	struct buf out;
	char err[256] = "";
	int rc = 0, ok;

	tmpl = json_string_value(json_object_get(test, "template"));
	expected = json_string_value(json_object_get(test, "expected"));
	partials = json_object_get(test, "partials");
	assert_non_null(tmpl);
	assert_non_null(expected);

	buf_init(&out, NULL);
	set = tpl_set_new();
	assert_non_null(set);
	json_object_foreach((json_t *)partials, key, value) {
		if (rc == 0)
			rc = tpl_set_add(set, key, json_string_value(value), json_string_length(value),
			                 err, sizeof err);
	}
	if (rc == 0)
		rc = tpl_set_add(set, "\x01spec", tmpl, strlen(tmpl), err, sizeof err);
	if (rc == 0)
		rc = tpl_render(set, "\x01spec", json_object_get(test, "data"), &out);
	ok = rc == 0 && out.len == strlen(expected) &&
	     (out.len == 0 || memcmp(out.data, expected, out.len) == 0);
	if (!ok) {
		print_error("%s: %s\n", sc->name, rc != 0 ? mc_strerror(rc) : "wrong output");
		if (err[0] != '\0')
			print_error("  error     %s\n", err);
		print_quoted("template", tmpl, strlen(tmpl));
		print_quoted("expected", expected, strlen(expected));
		print_quoted("got", out.len ? out.data : "", out.len);
	} else {
		spec.passed++;
	}
	buf_free(&out);
	tpl_set_free(set);
	assert_true(ok);
}

/* ---- helpers for our own cases --------------------------------------------------------------- */

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (v == NULL)
		fail_msg("bad test JSON: %s", jerr.text);
	return v;
}

static void add(struct tpl_set *set, const char *name, const char *src)
{
	char err[256] = "";
	int rc = tpl_set_add(set, name, src, strlen(src), err, sizeof err);

	if (rc != 0)
		fail_msg("tpl_set_add(%s): %s: %s", name, mc_strerror(rc), err);
}

/* Render 'name' with data given as JSON text and compare with 'expected'. */
static void check(struct tpl_set *set, const char *name, const char *data, const char *expected)
{
	json_t *v = parse(data);
	struct buf out;
	int rc;

	buf_init(&out, NULL);
	rc = tpl_render(set, name, v, &out);
	json_decref(v);
	if (rc != 0) {
		buf_free(&out);
		fail_msg("render %s: %s", name, mc_strerror(rc));
	}
	if (strcmp(out.data != NULL ? out.data : "", expected) != 0) {
		print_error("render %s\n  expected '%s'\n  got      '%s'\n", name, expected,
		            out.data != NULL ? out.data : "");
		buf_free(&out);
		fail();
	}
	buf_free(&out);
}

/* Compile 'src' alone and check the output for 'data'. */
static void check_one(const char *src, const char *data, const char *expected)
{
	struct tpl_set *set = tpl_set_new();

	assert_non_null(set);
	add(set, "t", src);
	check(set, "t", data, expected);
	tpl_set_free(set);
}

/* ---- our own cases ------------------------------------------------------------------------- */

static void test_escape_all_five(void **state)
{
	(void)state;
	check_one("{{x}}", "{\"x\": \"a&b<c>d\\\"e'f\"}", "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	check_one("<p title=\"{{x}}\">{{x}}</p>", "{\"x\": \"\\\"><script>'\"}",
	          "<p title=\"&quot;&gt;&lt;script&gt;&#39;\">&quot;&gt;&lt;script&gt;&#39;</p>");
}

static void test_raw_not_escaped(void **state)
{
	(void)state;
	check_one("{{{x}}}|{{&x}}|{{& x }}", "{\"x\": \"<b>&'\\\"\"}",
	          "<b>&'\"|<b>&'\"|<b>&'\"");
	check_one("{{=<% %>=}}<%{x}%>|<%&x%>|<%x%>", "{\"x\": \"<i>\"}", "<i>|<i>|&lt;i&gt;");
}

static void test_values(void **state)
{
	(void)state;
	check_one("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}}|{{h}}|{{i}}",
	          "{\"a\": 85, \"b\": -3, \"c\": 1.21, \"d\": 0.1, \"e\": 1.0, \"f\": true,"
	          " \"g\": false, \"h\": null, \"i\": {\"x\": 1}}",
	          "85 -3 1.21 0.1 1 true false||");
	/* 0 is truthy; "", false, null and [] are not (an optional text left empty hides its
	 * section). */
	check_one("{{#a}}A{{/a}}{{#b}}B{{/b}}{{^b}}b{{/b}}{{#c}}C{{/c}}{{#d}}D{{/d}}{{#e}}E{{/e}}{{^e}}e{{/e}}",
	          "{\"a\": 0, \"b\": \"\", \"c\": false, \"d\": null, \"e\": []}", "Abe");
	check_one("{{items.1.name}}|{{items.9.name}}|{{#items.0}}{{name}}{{/items.0}}",
	          "{\"items\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}", "b||a");
	check_one("{{a}} {{b}} {{c}} {{d}}",
	          "{\"a\": 9223372036854775807, \"b\": -9223372036854775808, \"c\": 0,"
	          " \"d\": 1e300}",
	          "9223372036854775807 -9223372036854775808 0 1e+300");
	check_one("{{x}}", "null", "");
	check_one("", "{}", "");
}

struct bad_case {
	const char *src;
	unsigned line;
};

static void test_syntax_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "a\nb\n{{x", 3 },                  /* unclosed tag */
		{ "{{{x}}", 1 },                     /* unclosed triple mustache */
		{ "ok\n{{#a}}\nx\n", 2 },            /* unclosed section */
		{ "{{#a}}\n{{#b}}\n{{/a}}", 3 },      /* mismatched end tag */
		{ "x\n\n{{/a}}", 3 },                /* end tag without a section */
		{ "\n\n\n{{=<% =}}", 4 },            /* bad delimiter change: one delimiter */
		{ "{{= a b c =}}", 1 },              /* three delimiters */
		{ "{{=a= b=}}", 1 },                 /* '=' inside a delimiter */
		{ "\n{{}}", 2 },                     /* empty tag */
		{ "{{a b}}", 1 },                    /* blank inside a name */
		{ "{{a..b}}", 1 },                   /* empty part of a dotted name */
		{ "{{<p}}\n{{$b}}\n{{/p}}", 3 },      /* block not closed inside its parent */
		{ "{{=<% %>=}}\n<%#a%>\n<%/a}}", 3 }, /* old delimiter no longer closes */
	};
	struct tpl_set *set = tpl_set_new();
	char err[256], want[32];
	size_t i;
	int rc;

	(void)state;
	assert_non_null(set);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		rc = tpl_set_add(set, "bad", cases[i].src, strlen(cases[i].src), err, sizeof err);
		snprintf(want, sizeof want, "line %u:", cases[i].line);
		if (rc != MC_EINVAL || strstr(err, want) == NULL) {
			print_error("case %zu: rc %d, err '%s', wanted MC_EINVAL and '%s'\n", i, rc, err,
			            want);
			tpl_set_free(set);
			fail();
		}
		assert_false(tpl_exists(set, "bad"));
	}
	/* A failed add leaves an older template of that name in place. */
	add(set, "bad", "good");
	rc = tpl_set_add(set, "bad", "{{#x}}", 6, err, sizeof err);
	assert_int_equal(rc, MC_EINVAL);
	check(set, "bad", "{}", "good");
	/* A NULL or short error buffer is fine. */
	assert_int_equal(tpl_set_add(set, "bad2", "{{#x}}", 6, NULL, 0), MC_EINVAL);
	assert_int_equal(tpl_set_add(set, "bad2", "{{#x}}", 6, err, 4), MC_EINVAL);
	assert_int_equal(strlen(err), 3);
	tpl_set_free(set);
}

static void test_missing_template(void **state)
{
	struct tpl_set *set = tpl_set_new();
	struct buf out;

	(void)state;
	assert_non_null(set);
	buf_init(&out, NULL);
	assert_int_equal(tpl_render(set, "nope", NULL, &out), MC_ENOTFOUND);
	add(set, "page", "[{{>nope}}{{<nope}}{{$b}}x{{/b}}{{/nope}}]");
	assert_int_equal(tpl_render(set, "nope", NULL, &out), MC_ENOTFOUND);
	assert_false(tpl_exists(set, "nope"));
	assert_true(tpl_exists(set, "page"));
	check(set, "page", "{}", "[]");
	buf_free(&out);
	tpl_set_free(set);
	tpl_set_free(NULL);
}

static void test_late_partials_and_replace(void **state)
{
	struct tpl_set *set = tpl_set_new();

	(void)state;
	assert_non_null(set);
	add(set, "page", "<ul>\n  {{#items}}\n  {{>item}}\n  {{/items}}\n</ul>\n");
	check(set, "page", "{\"items\": [1, 2]}", "<ul>\n</ul>\n");
	add(set, "item", "<li>{{.}}</li>\n");
	check(set, "page", "{\"items\": [1, 2]}", "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n");
	add(set, "item", "<li>\n  {{.}}\n</li>\n");
	check(set, "page", "{\"items\": [1]}", "<ul>\n  <li>\n    1\n  </li>\n</ul>\n");
	tpl_set_free(set);
}

static void test_layout(void **state)
{
	struct tpl_set *set = tpl_set_new();

	(void)state;
	assert_non_null(set);
	add(set, "layout", "<html>\n  <head><title>{{$title}}motcua{{/title}}</title></head>\n"
	                   "  <body>\n    {{$body}}\n    <p>empty</p>\n    {{/body}}\n"
	                   "  </body>\n</html>\n");
	add(set, "page", "{{<layout}}\n{{$title}}{{name}}{{/title}}\n{{$body}}\n"
	                 "<h1>{{name}}</h1>\n{{#rows}}\n<p>{{.}}</p>\n{{/rows}}\n{{/body}}\n"
	                 "{{/layout}}\n");
	check(set, "page", "{\"name\": \"A&B\", \"rows\": [\"x\", \"y\"]}",
	      "<html>\n  <head><title>A&amp;B</title></head>\n  <body>\n    <h1>A&amp;B</h1>\n"
	      "    <p>x</p>\n    <p>y</p>\n  </body>\n</html>\n");
	check(set, "layout", "{}",
	      "<html>\n  <head><title>motcua</title></head>\n  <body>\n    <p>empty</p>\n"
	      "  </body>\n</html>\n");
	tpl_set_free(set);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_load_dir(void **state)
{
	char root[] = "/tmp/test_tpl_XXXXXX";
	char path[512], err[512] = "";
	struct tpl_set *set;
	int rc;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof path, "%s/mail", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/mail/parts", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/page.mustache", root);
	assert_int_equal(write_file(path, "P[{{>mail/receipt}}]\n"), 0);
	snprintf(path, sizeof path, "%s/mail/receipt.mustache", root);
	assert_int_equal(write_file(path, "R{{>mail/parts/footer}}"), 0);
	snprintf(path, sizeof path, "%s/mail/parts/footer.mustache", root);
	assert_int_equal(write_file(path, "F{{n}}"), 0);
	snprintf(path, sizeof path, "%s/notes.txt", root);
	assert_int_equal(write_file(path, "{{#not a template"), 0);
	snprintf(path, sizeof path, "%s/.hidden.mustache", root);
	assert_int_equal(write_file(path, "{{#hidden"), 0);

	set = tpl_set_new();
	assert_non_null(set);
	rc = tpl_set_load_dir(set, root, err, sizeof err);
	if (rc != 0)
		fail_msg("load_dir: %s: %s", mc_strerror(rc), err);
	assert_true(tpl_exists(set, "page"));
	assert_true(tpl_exists(set, "mail/receipt"));
	assert_true(tpl_exists(set, "mail/parts/footer"));
	assert_false(tpl_exists(set, "notes"));
	assert_false(tpl_exists(set, "notes.txt"));
	assert_false(tpl_exists(set, ".hidden"));
	check(set, "page", "{\"n\": 7}", "P[RF7]\n");
	tpl_set_free(set);

	/* A syntax error names the file and the line. */
	snprintf(path, sizeof path, "%s/mail/parts/broken.mustache", root);
	assert_int_equal(write_file(path, "ok\n{{#open}}\n"), 0);
	set = tpl_set_new();
	assert_non_null(set);
	rc = tpl_set_load_dir(set, root, err, sizeof err);
	assert_int_equal(rc, MC_EINVAL);
	assert_non_null(strstr(err, "mail/parts/broken.mustache"));
	assert_non_null(strstr(err, "line 2:"));
	tpl_set_free(set);
	unlink(path);

	/* A missing folder is MC_EIO and named. */
	set = tpl_set_new();
	assert_non_null(set);
	snprintf(path, sizeof path, "%s/none", root);
	assert_int_equal(tpl_set_load_dir(set, path, err, sizeof err), MC_EIO);
	assert_non_null(strstr(err, "none"));
	tpl_set_free(set);

	snprintf(path, sizeof path, "%s/page.mustache", root);
	unlink(path);
	snprintf(path, sizeof path, "%s/mail/receipt.mustache", root);
	unlink(path);
	snprintf(path, sizeof path, "%s/mail/parts/footer.mustache", root);
	unlink(path);
	snprintf(path, sizeof path, "%s/notes.txt", root);
	unlink(path);
	snprintf(path, sizeof path, "%s/.hidden.mustache", root);
	unlink(path);
	snprintf(path, sizeof path, "%s/mail/parts", root);
	assert_int_equal(rmdir(path), 0);
	snprintf(path, sizeof path, "%s/mail", root);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(root), 0);
}

/* Render and return the output (heap, caller frees); fails the test on an error. */
static char *render_heap(struct tpl_set *set, const char *name, const json_t *data, size_t *len)
{
	struct buf out;
	int rc;

	buf_init(&out, NULL);
	rc = tpl_render(set, name, data, &out);
	if (rc != 0) {
		buf_free(&out);
		fail_msg("render %s: %s", name, mc_strerror(rc));
	}
	*len = out.len;
	return out.data != NULL ? out.data : strdup("");
}

static void test_recursion_guard(void **state)
{
	struct tpl_set *set = tpl_set_new();
	struct buf out;
	size_t len, i;
	char *s;

	(void)state;
	assert_non_null(set);
	add(set, "loop", "x{{>loop}}");
	add(set, "self", "y{{<self}}{{/self}}");
	add(set, "indent", "z\n  {{>indent}}\n");
	add(set, "base", "{{$a}}{{/a}}");
	add(set, "blocks", "{{<base}}{{$a}}[{{$a}}{{/a}}]{{/a}}{{/base}}");

	s = render_heap(set, "loop", NULL, &len);
	assert_true(len > 1 && len < 1000);
	for (i = 0; i < len; i++)
		assert_int_equal(s[i], 'x');
	free(s);
	s = render_heap(set, "self", NULL, &len);
	assert_true(len > 1 && len < 1000);
	free(s);
	s = render_heap(set, "indent", NULL, &len);
	assert_true(len > 1 && len < 100000);
	free(s);
	s = render_heap(set, "blocks", NULL, &len);
	assert_true(len > 1 && len < 1000);
	assert_int_equal(s[0], '[');
	free(s);

	/* Including itself twice would run 2^depth times: the expansion budget stops it. */
	add(set, "twice", "{{>twice}}{{>twice}}");
	buf_init(&out, NULL);
	assert_int_equal(tpl_render(set, "twice", NULL, &out), MC_ETOOBIG);
	buf_free(&out);
	tpl_set_free(set);
}

struct thread_job {
	const struct tpl_set *set;
	const json_t *data;
	const char *expected;
	size_t expected_len;
	int mismatches;
};

static void *render_thread(void *arg)
{
	struct thread_job *job = arg;
	struct buf out;
	int i;

	for (i = 0; i < 200; i++) {
		buf_init(&out, NULL);
		if (tpl_render(job->set, "page", job->data, &out) != 0 ||
		    out.len != job->expected_len ||
		    (out.len > 0 && memcmp(out.data, job->expected, out.len) != 0))
			job->mismatches++;
		buf_free(&out);
	}
	return NULL;
}

static void test_threads(void **state)
{
	enum { NTHREADS = 8 };
	struct thread_job jobs[NTHREADS];
	pthread_t threads[NTHREADS];
	struct tpl_set *set = tpl_set_new();
	json_t *data, *rows;
	size_t len;
	char *expected;
	int i;

	(void)state;
	assert_non_null(set);
	add(set, "layout", "<main>\n  {{$body}}{{/body}}\n</main>\n");
	add(set, "row", "<tr>\n  <td>{{id}}</td><td>{{name}}</td>\n</tr>\n");
	add(set, "page", "{{<layout}}{{$body}}\n<table>\n  {{#rows}}\n  {{>row}}\n  {{/rows}}\n"
	                 "</table>\n{{/body}}{{/layout}}\n");
	rows = json_array();
	for (i = 0; i < 100; i++)
		json_array_append_new(rows, json_pack("{s:i, s:s}", "id", i, "name", "<a&b>"));
	data = json_pack("{s:o}", "rows", rows);
	expected = render_heap(set, "page", data, &len);
	assert_non_null(strstr(expected, "  <table>\n    <tr>\n      <td>0</td><td>&lt;a&amp;b&gt;"));
	for (i = 0; i < NTHREADS; i++) {
		jobs[i] = (struct thread_job){ set, data, expected, len, 0 };
		assert_int_equal(pthread_create(&threads[i], NULL, render_thread, &jobs[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(jobs[i].mismatches, 0);
	}
	free(expected);
	json_decref(data);
	tpl_set_free(set);
}

static void test_large_output(void **state)
{
	struct tpl_set *set = tpl_set_new();
	json_t *data, *items;
	size_t len, i, big = 4u * 1024 * 1024;
	char *s, *text;

	(void)state;
	assert_non_null(set);
	add(set, "list", "{{#items}}<li>{{n}}: {{s}}</li>\n{{/items}}{{{blob}}}|{{blob}}");
	items = json_array();
	for (i = 0; i < 20000; i++)
		json_array_append_new(items, json_pack("{s:I, s:s}", "n", (json_int_t)i, "s", "&"));
	text = malloc(big + 1);
	assert_non_null(text);
	memset(text, '<', big);
	text[big] = '\0';
	data = json_pack("{s:o, s:s}", "items", items, "blob", text);
	free(text);

	s = render_heap(set, "list", data, &len);
	/* 20000 rows of "<li>N: &amp;</li>\n", the raw blob, '|', the blob escaped. */
	assert_true(len > 20000 * 17 + big + 1 + 4 * big);
	assert_memory_equal(s, "<li>0: &amp;</li>\n<li>1: &amp;</li>\n", 36);
	assert_memory_equal(s + len - 8, "&lt;&lt;", 8);
	free(s);
	json_decref(data);
	tpl_set_free(set);
}

int main(void)
{
	const struct CMUnitTest own[] = {
		cmocka_unit_test(test_escape_all_five),
		cmocka_unit_test(test_raw_not_escaped),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_missing_template),
		cmocka_unit_test(test_late_partials_and_replace),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_recursion_guard),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_large_output),
	};
	struct CMUnitTest *tests = NULL;
	const char *dir = getenv("MUSTACHE_SPEC_DIR");
	int failed = 0;
	size_t i;

	if (dir == NULL || dir[0] == '\0')
		dir = MUSTACHE_SPEC_DIR;
	if (dir[0] == '\0') {
		fprintf(stderr, "mustache spec: set MUSTACHE_SPEC_DIR\n");
		failed++;
	} else if (spec_load(dir) != 0) {
		failed++;
	} else {
		tests = calloc(spec.ncases ? spec.ncases : 1, sizeof *tests);
		if (tests == NULL)
			return 1;
		for (i = 0; i < spec.ncases; i++) {
			tests[i].name = spec.cases[i].name;
			tests[i].test_func = test_spec_case;
			tests[i].initial_state = &spec.cases[i];
		}
		failed += _cmocka_run_group_tests("mustache spec", tests, spec.ncases, NULL, NULL);
		printf("mustache spec: %zu/%zu cases passed\n", spec.passed, spec.ncases);
		if (spec.ncases < SPEC_CASES_MIN) {
			fprintf(stderr, "mustache spec: only %zu cases in '%s', expected %d\n",
			        spec.ncases, dir, SPEC_CASES_MIN);
			failed++;
		}
	}
	failed += cmocka_run_group_tests_name("tpl", own, NULL, NULL);
	free(tests);
	spec_free();
	return failed != 0;
}
