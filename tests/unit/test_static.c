/* test_static.c: unit tests for http/static (loading, lookup, validators, version). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/static.h"
#include "lib/err.h"

#define MIB (1024u * 1024)

/* A temporary tree: root/own (our files), root/vendor (Debian's), root/outside (link targets). */
struct fx {
	char root[PATH_MAX];
	char own[PATH_MAX];
	char vendor[PATH_MAX];
	struct static_files *sf;
	char err[PATH_MAX + 128];
};

static const char css_a[] = "body { color: #123456; }\n";
static const char svg_x[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n";
static const char js_app[] = "document.documentElement.classList.add('js');\n";
static const char blob[] = { 'M', 'C', 0, 1, 2, 0, (char)0xff, '\n' };
static const char real_css[] = "/* the target of link.css */\n";
static const char bs_css[] = ":root{--bs-blue:#0d6efd}\n";
static const char bs_js[] = "/*! Bootstrap v5 */\n";
static const char chart_js[] = "/*! Chart.js */\n";

static void join(char *out, const char *dir, const char *rel)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, rel);

	assert_true(n > 0 && n < PATH_MAX);
}

/* Create dir/rel and the folders above it, holding len bytes of data. */
static void put(const char *dir, const char *rel, const void *data, size_t len)
{
	char p[PATH_MAX];
	int fd;

	join(p, dir, rel);
	for (char *s = strchr(p + strlen(dir) + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
		*s = '/';
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void put_str(const char *dir, const char *rel, const char *s)
{
	put(dir, rel, s, strlen(s));
}

static void link_at(const char *dir, const char *rel, const char *target)
{
	char p[PATH_MAX];

	join(p, dir, rel);
	assert_int_equal(symlink(target, p), 0);
}

static void set_mtime(const char *dir, const char *rel, time_t t)
{
	char p[PATH_MAX];
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	join(p, dir, rel);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void rm(const char *dir, const char *rel)
{
	char p[PATH_MAX];

	join(p, dir, rel);
	assert_int_equal(unlink(p), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p);
	return unlink(p);
}

static void rm_tree(const char *root)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int load(struct fx *f, struct static_files **out)
{
	f->err[0] = '\0';
	return static_load(out, f->own, f->vendor, f->err, sizeof(f->err));
}

static const struct static_file *find(const struct static_files *sf, const char *p)
{
	return static_find(sf, p, strlen(p));
}

/* An empty tree: own/ and vendor/{bootstrap5,chart.js}/. */
static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return NULL;
	snprintf(f->root, sizeof(f->root), "%s/motcua-static-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(f->root) == NULL) {
		free(f);
		return NULL;
	}
	join(f->own, f->root, "own");
	join(f->vendor, f->root, "vendor");
	put_str(f->root, "own/.keep", "");
	put_str(f->root, "vendor/bootstrap5/.keep", "");
	put_str(f->root, "vendor/chart.js/.keep", "");
	return f;
}

static void fx_free(struct fx *f)
{
	static_free(f->sf);
	rm_tree(f->root);
	free(f);
}

/* The tree most tests use. */
static int setup(void **state)
{
	struct fx *f = fx_new();

	if (f == NULL)
		return -1;
	put_str(f->own, "css/a.css", css_a);
	put_str(f->own, "css/empty.css", "");
	put_str(f->own, "css/.hidden.css", "hidden");
	put_str(f->own, "img/x.svg", svg_x);
	put_str(f->own, "js/app.js", js_app);
	put_str(f->own, "js/mod.mjs", js_app);
	put(f->own, "data/blob.bin", blob, sizeof(blob));
	put_str(f->own, "data/site.json", "{}");
	put_str(f->own, "data/app.js.map", "{}");
	put_str(f->own, "data/notes.txt", "notes");
	put_str(f->own, "data/logo.png", "png");
	put_str(f->own, "data/photo.jpg", "jpg");
	put_str(f->own, "data/favicon.ico", "ico");
	put_str(f->own, "data/font.woff2", "woff2");
	put_str(f->own, "data.d/README", "no extension");
	put_str(f->own, "nested/deep/er/z.txt", "deep");
	put_str(f->own, ".secret", "password=hunter2");
	put_str(f->own, ".hidden/inner.css", "hidden");
	put_str(f->root, "outside/real.css", real_css);
	put_str(f->root, "outside/dir/secret.txt", "outside the folder");
	link_at(f->own, "link.css", "../outside/real.css");
	link_at(f->own, "dangling.css", "nowhere.css");
	link_at(f->own, "dirlink", "../outside/dir");

	put_str(f->vendor, "bootstrap5/css/bootstrap.min.css", bs_css);
	put_str(f->vendor, "bootstrap-html/js/bootstrap.bundle.min.js", bs_js);
	put_str(f->vendor, "bootstrap5/js/.keep", "");
	link_at(f->vendor, "bootstrap5/js/bootstrap.bundle.min.js",
	        "../../bootstrap-html/js/bootstrap.bundle.min.js"); /* as Debian ships it */
	put_str(f->vendor, "chart.js/chart.min.js", chart_js);
	link_at(f->vendor, "chart.js/Chart.min.js", "chart.min.js");
	put_str(f->vendor, "chart.js/LICENSE", "MIT");
	put_str(f->vendor, "chart.js/.hidden.js", "hidden");
	put_str(f->vendor, "jquery/jquery.min.js", "jquery");

	if (load(f, &f->sf) != 0) {
		fprintf(stderr, "static_load: %s\n", f->err);
		fx_free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static void assert_file(const struct static_files *sf, const char *url, const void *data,
                        size_t len)
{
	const struct static_file *sfile = find(sf, url);

	assert_non_null(sfile);
	assert_string_equal(sfile->path, url);
	assert_int_equal(sfile->len, len);
	assert_non_null(sfile->data);
	if (len > 0)
		assert_memory_equal(sfile->data, data, len);
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* ---- tests ---- */

static void test_paths_and_content(void **state)
{
	struct fx *f = *state;

	assert_file(f->sf, "/static/css/a.css", css_a, strlen(css_a));
	assert_file(f->sf, "/static/css/empty.css", "", 0);
	assert_file(f->sf, "/static/img/x.svg", svg_x, strlen(svg_x));
	assert_file(f->sf, "/static/js/app.js", js_app, strlen(js_app));
	assert_file(f->sf, "/static/data/blob.bin", blob, sizeof(blob));
	assert_file(f->sf, "/static/data.d/README", "no extension", 12);
	assert_file(f->sf, "/static/nested/deep/er/z.txt", "deep", 4);
	assert_file(f->sf, "/static/vendor/bootstrap5/css/bootstrap.min.css", bs_css,
	            strlen(bs_css));
	assert_file(f->sf, "/static/vendor/chart.js/chart.min.js", chart_js, strlen(chart_js));
	assert_file(f->sf, "/static/vendor/chart.js/LICENSE", "MIT", 3);
}

static void test_symlinks_to_files(void **state)
{
	struct fx *f = *state;

	/* Served under the link's name with the target's bytes, even outside the folder. */
	assert_file(f->sf, "/static/link.css", real_css, strlen(real_css));
	assert_file(f->sf, "/static/vendor/bootstrap5/js/bootstrap.bundle.min.js", bs_js,
	            strlen(bs_js));
	assert_file(f->sf, "/static/vendor/chart.js/Chart.min.js", chart_js, strlen(chart_js));
	/* A dangling link is skipped without failing the load. */
	assert_null(find(f->sf, "/static/dangling.css"));
	assert_null(find(f->sf, "/static/nowhere.css"));
}

static void test_symlink_to_directory_not_followed(void **state)
{
	struct fx *f = *state;
	struct static_files *sf = NULL;

	/* static.h: links are followed "only when they point to regular files". */
	assert_null(find(f->sf, "/static/dirlink/secret.txt"));
	assert_null(find(f->sf, "/static/dirlink"));

	/* A link back up the tree neither loops nor duplicates the files. */
	link_at(f->own, "css/self", "..");
	assert_int_equal(load(f, &sf), 0);
	assert_non_null(find(sf, "/static/css/a.css"));
	assert_null(find(sf, "/static/css/self/css/a.css"));
	assert_null(find(sf, "/static/css/self/img/x.svg"));
	static_free(sf);
}

static void test_hidden_and_unlisted(void **state)
{
	struct fx *f = *state;
	static const char *absent[] = {
		"/static/.secret",
		"/static/.hidden/inner.css",
		"/static/css/.hidden.css",
		"/static/.keep",
		"/static/vendor/chart.js/.hidden.js",
		"/static/vendor/bootstrap5/js/.keep",
		"/static/vendor/jquery/jquery.min.js",
		"/static/vendor/bootstrap-html/js/bootstrap.bundle.min.js",
		"/static/outside/real.css",
		"/static/own/css/a.css",
		"/css/a.css",
	};

	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		if (find(f->sf, absent[i]) != NULL)
			fail_msg("%s is served", absent[i]);
	}
}

static void test_content_types(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *url, *type;
	} cases[] = {
		{ "/static/css/a.css", "text/css; charset=utf-8" },
		{ "/static/link.css", "text/css; charset=utf-8" },
		{ "/static/js/app.js", "text/javascript; charset=utf-8" },
		{ "/static/js/mod.mjs", "text/javascript; charset=utf-8" },
		{ "/static/vendor/chart.js/chart.min.js", "text/javascript; charset=utf-8" },
		{ "/static/img/x.svg", "image/svg+xml" },
		{ "/static/data/site.json", "application/json" },
		{ "/static/data/app.js.map", "application/json" },
		{ "/static/data/notes.txt", "text/plain; charset=utf-8" },
		{ "/static/data/logo.png", "image/png" },
		{ "/static/data/photo.jpg", "image/jpeg" },
		{ "/static/data/favicon.ico", "image/x-icon" },
		{ "/static/data/font.woff2", "font/woff2" },
		{ "/static/data/blob.bin", "application/octet-stream" },
		/* The only dot is in a folder name: no extension. */
		{ "/static/data.d/README", "application/octet-stream" },
		{ "/static/vendor/chart.js/LICENSE", "application/octet-stream" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct static_file *sfile = find(f->sf, cases[i].url);

		assert_non_null(sfile);
		assert_non_null(sfile->content_type);
		if (strcmp(sfile->content_type, cases[i].type) != 0)
			fail_msg("%s: '%s', expected '%s'", cases[i].url, sfile->content_type,
			         cases[i].type);
	}
}

static void test_etag(void **state)
{
	struct fx *f = *state;
	const struct static_file *a = find(f->sf, "/static/css/a.css");
	const struct static_file *js = find(f->sf, "/static/js/app.js");
	const struct static_file *mjs = find(f->sf, "/static/js/mod.mjs");
	struct static_files *sf2 = NULL;
	const struct static_file *a2;
	size_t el;

	assert_non_null(a);
	el = strlen(a->etag);
	assert_int_equal(el, 18);
	assert_int_equal(a->etag[0], '"');
	assert_int_equal(a->etag[el - 1], '"');
	assert_true(is_hex(a->etag + 1, el - 2));
	/* From the content: same bytes, same tag; other bytes, other tag. */
	assert_string_equal(js->etag, mjs->etag);
	assert_string_not_equal(a->etag, js->etag);
	assert_string_not_equal(find(f->sf, "/static/css/empty.css")->etag, a->etag);

	/* Unchanged on reload; changed with the content. */
	assert_int_equal(load(f, &sf2), 0);
	assert_string_equal(find(sf2, "/static/css/a.css")->etag, a->etag);
	static_free(sf2);
	put_str(f->own, "css/a.css", "body { color: #654321; }\n");
	assert_int_equal(load(f, &sf2), 0);
	a2 = find(sf2, "/static/css/a.css");
	assert_non_null(a2);
	assert_int_equal(strlen(a2->etag), 18);
	assert_string_not_equal(a2->etag, a->etag);
	assert_string_equal(find(sf2, "/static/js/app.js")->etag, js->etag);
	assert_memory_equal(a2->data, "body { color: #654321; }\n", a2->len);
	static_free(sf2);
}

static void test_last_modified(void **state)
{
	struct fx *f = *state;
	struct static_files *sf = NULL;
	const struct static_file *sfile;

	set_mtime(f->own, "css/a.css", 784111777);       /* RFC 7231's example date */
	set_mtime(f->root, "outside/real.css", 1709600645); /* 2024-03-05T01:04:05Z */
	set_mtime(f->vendor, "chart.js/chart.min.js", 0);
	assert_int_equal(load(f, &sf), 0);

	sfile = find(sf, "/static/css/a.css");
	assert_int_equal(sfile->mtime, 784111777);
	assert_string_equal(sfile->last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
	/* A link carries its target's date; days and hours are zero-padded. */
	sfile = find(sf, "/static/link.css");
	assert_int_equal(sfile->mtime, 1709600645);
	assert_string_equal(sfile->last_modified, "Tue, 05 Mar 2024 01:04:05 GMT");
	sfile = find(sf, "/static/vendor/chart.js/chart.min.js");
	assert_string_equal(sfile->last_modified, "Thu, 01 Jan 1970 00:00:00 GMT");
	static_free(sf);
}

static void test_lookup_exact(void **state)
{
	struct fx *f = *state;
	static const char *absent[] = {
		"",
		"/",
		"/static",
		"/static/",
		"/static/css",
		"/static/css/",
		"/static/vendor",
		"/static/vendor/",
		"/static/vendor/bootstrap5",
		"/static/vendor/bootstrap5/",
		"/static/../x",
		"/static/../own/css/a.css",
		"/static/css/../css/a.css",
		"/static/./css/a.css",
		"/static/css/./a.css",
		"/static/css//a.css",
		"//static/css/a.css",
		"/static/css/a.css/",
		"/static/css/a.css/x",
		"/static/css/a.cssx",
		"/static/css/a.cs",
		"/static/css/a.css?v=1",
		"/static/css/a.css%00",
		"/static/css%2fa.css",
		"/static/CSS/a.css",
		"/STATIC/css/a.css",
		"static/css/a.css",
		"/static/css/a.css ",
		" /static/css/a.css",
		"/static/vendor/bootstrap5/css/bootstrap.min.css.map",
		"/static/vendor/bootstrap5/css/../../chart.js/chart.min.js",
	};
	const char nul[] = "/static/css/a.css\0";
	const char *longer = "/static/css/a.css.bak";

	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		if (find(f->sf, absent[i]) != NULL)
			fail_msg("'%s' found", absent[i]);
	}
	/* The length is what counts, not a terminating NUL. */
	assert_null(static_find(f->sf, nul, sizeof(nul) - 1));
	assert_null(static_find(f->sf, longer, 0));
	assert_null(static_find(f->sf, longer, 10));
	assert_non_null(static_find(f->sf, longer, strlen("/static/css/a.css")));
	assert_string_equal(static_find(f->sf, longer, strlen("/static/css/a.css"))->path,
	                    "/static/css/a.css");
	/* Every neighbour in the sorted table is still found. */
	assert_non_null(find(f->sf, "/static/css/empty.css"));
	assert_non_null(find(f->sf, "/static/data/app.js.map"));
	assert_non_null(find(f->sf, "/static/data.d/README"));
	assert_non_null(find(f->sf, "/static/vendor/bootstrap5/css/bootstrap.min.css"));
	assert_non_null(find(f->sf, "/static/vendor/chart.js/Chart.min.js"));
}

static void test_version(void **state)
{
	struct fx *f = *state;
	char v0[17], v1[17];
	struct static_files *sf = NULL;
	const char *v;

	v = static_version(f->sf);
	assert_non_null(v);
	assert_int_equal(strlen(v), 16);
	assert_true(is_hex(v, 16));
	snprintf(v0, sizeof(v0), "%s", v);

	/* Same files, same version, whatever the order readdir gives. */
	assert_int_equal(load(f, &sf), 0);
	assert_string_equal(static_version(sf), v0);
	static_free(sf);

	/* Only the date changes: the content digest does not. */
	set_mtime(f->own, "css/a.css", 784111777);
	assert_int_equal(load(f, &sf), 0);
	assert_string_equal(static_version(sf), v0);
	static_free(sf);

	/* Our file changes. */
	put_str(f->own, "css/a.css", "body { color: red; }\n");
	assert_int_equal(load(f, &sf), 0);
	assert_int_equal(strlen(static_version(sf)), 16);
	assert_string_not_equal(static_version(sf), v0);
	snprintf(v1, sizeof(v1), "%s", static_version(sf));
	static_free(sf);

	/* Back to the old bytes: back to the old version. */
	put_str(f->own, "css/a.css", css_a);
	assert_int_equal(load(f, &sf), 0);
	assert_string_equal(static_version(sf), v0);
	static_free(sf);

	/* A vendor file changes (through its link target, as on a Debian upgrade). */
	put_str(f->vendor, "bootstrap-html/js/bootstrap.bundle.min.js", "/*! Bootstrap v5.3 */\n");
	assert_int_equal(load(f, &sf), 0);
	assert_string_not_equal(static_version(sf), v0);
	assert_string_not_equal(static_version(sf), v1);
	static_free(sf);
	put_str(f->vendor, "bootstrap-html/js/bootstrap.bundle.min.js", bs_js);

	/* A file is added, then removed. */
	put_str(f->own, "img/y.svg", svg_x);
	assert_int_equal(load(f, &sf), 0);
	assert_string_not_equal(static_version(sf), v0);
	static_free(sf);
	rm(f->own, "img/y.svg");
	assert_int_equal(load(f, &sf), 0);
	assert_string_equal(static_version(sf), v0);
	static_free(sf);

	/* A file is renamed with the same content. */
	rm(f->own, "img/x.svg");
	put_str(f->own, "img/z.svg", svg_x);
	assert_int_equal(load(f, &sf), 0);
	assert_string_not_equal(static_version(sf), v0);
	static_free(sf);
}

static void test_empty_tree(void **state)
{
	struct fx *f = fx_new();
	const char *v;

	(void)state;
	assert_non_null(f);
	assert_int_equal(load(f, &f->sf), 0);
	assert_null(find(f->sf, "/static/.keep"));
	assert_null(find(f->sf, "/static/css/a.css"));
	assert_null(find(f->sf, "/"));
	assert_null(static_find(f->sf, "", 0));
	v = static_version(f->sf);
	assert_int_equal(strlen(v), 16);
	assert_true(is_hex(v, 16));
	fx_free(f);
	static_free(NULL);
}

static void test_missing_folders(void **state)
{
	struct fx *f = fx_new();
	struct static_files *sf = NULL;
	char own[PATH_MAX], chart[PATH_MAX];

	(void)state;
	assert_non_null(f);
	snprintf(own, sizeof(own), "%s", f->own);

	/* Our folder is missing. */
	join(f->own, f->root, "no-such-folder");
	assert_int_equal(load(f, &sf), MC_EIO);
	assert_null(sf);
	assert_non_null(strstr(f->err, f->own));

	/* A vendor folder is missing. */
	snprintf(f->own, sizeof(f->own), "%s", own);
	join(chart, f->vendor, "chart.js");
	rm(chart, ".keep");
	assert_int_equal(rmdir(chart), 0);
	assert_int_equal(load(f, &sf), MC_EIO);
	assert_null(sf);
	assert_non_null(strstr(f->err, chart));

	/* A tiny error buffer is not overrun and stays terminated. */
	join(f->own, f->root, "no-such-folder");
	{
		char small[8];
		memset(small, 'x', sizeof(small));
		assert_int_equal(static_load(&sf, f->own, f->vendor, small, sizeof(small)), MC_EIO);
		assert_int_equal(small[sizeof(small) - 1], '\0');
	}
	assert_null(sf);
	fx_free(f);
}

static void put_size(const char *dir, const char *rel, off_t size)
{
	char p[PATH_MAX];
	int fd;

	put_str(dir, rel, "");
	join(p, dir, rel);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	assert_int_equal(close(fd), 0);
}

static void test_size_limit(void **state)
{
	struct fx *f = fx_new();
	struct static_files *sf = NULL;
	const struct static_file *sfile;
	char big[PATH_MAX];

	(void)state;
	assert_non_null(f);
	/* 8 MiB exactly is allowed. */
	put_size(f->own, "img/max.png", 8 * MIB);
	assert_int_equal(load(f, &f->sf), 0);
	sfile = find(f->sf, "/static/img/max.png");
	assert_non_null(sfile);
	assert_int_equal(sfile->len, 8 * MIB);
	assert_int_equal(sfile->data[0], 0);
	assert_int_equal(sfile->data[8 * MIB - 1], 0);

	/* One byte more is refused, and the file named. */
	put_size(f->own, "img/big.png", 8 * MIB + 1);
	assert_int_equal(load(f, &sf), MC_ETOOBIG);
	assert_null(sf);
	join(big, f->own, "img/big.png");
	assert_non_null(strstr(f->err, big));
	rm(f->own, "img/big.png");

	/* In a vendor folder too. */
	put_size(f->vendor, "chart.js/chart.big.js", 9 * MIB);
	assert_int_equal(load(f, &sf), MC_ETOOBIG);
	assert_null(sf);
	assert_non_null(strstr(f->err, "chart.big.js"));
	fx_free(f);
}

static void test_unreadable_file(void **state)
{
	struct fx *f = *state;
	struct static_files *sf = NULL;
	char p[PATH_MAX];

	if (geteuid() == 0)
		skip(); /* root reads it anyway */
	join(p, f->own, "css/a.css");
	assert_int_equal(chmod(p, 0), 0);
	assert_int_equal(load(f, &sf), MC_EIO);
	assert_null(sf);
	assert_non_null(strstr(f->err, p));
	assert_int_equal(chmod(p, 0644), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paths_and_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks_to_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_to_directory_not_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hidden_and_unlisted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_etag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_modified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test(test_empty_tree),
		cmocka_unit_test(test_missing_folders),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test_setup_teardown(test_unreadable_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
