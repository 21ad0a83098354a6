/* static.c: static files held in memory, looked up by exact URL path (no file system access
 * per request, so no path can escape the folders). */
#include "http/static.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/req.h"
#include "http/server.h"
#include "lib/err.h"

#define STATIC_MAX_FILE (8u * 1024 * 1024)
#define STATIC_MAX_DEPTH 8 /* folders nested deeper are not served */

struct static_files {
	struct static_file *files;
	size_t count, cap;
	char version[17];
};

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".map", "application/json" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static const char *type_for(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot != NULL)
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

static int read_file(const char *fs, size_t size, char **out)
{
	int fd = open(fs, O_RDONLY | O_CLOEXEC);
	size_t off = 0;
	char *data;

	if (fd < 0)
		return MC_EIO;
	data = malloc(size ? size : 1);
	if (data == NULL) {
		close(fd);
		return MC_ENOMEM;
	}
	while (off < size) {
		ssize_t n = read(fd, data + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(data);
			close(fd);
			return MC_EIO;
		}
		off += (size_t)n;
	}
	close(fd);
	*out = data;
	return 0;
}

static int add_file(struct static_files *sf, const char *fs, const char *url, const struct stat *st,
                    char *err, size_t errlen)
{
	struct static_file *f;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct tm tm;
	int rc;

	if ((size_t)st->st_size > STATIC_MAX_FILE) {
		snprintf(err, errlen, "static file too large: %s", fs);
		return MC_ETOOBIG;
	}
	if (sf->count == sf->cap) {
		size_t cap = sf->cap ? sf->cap * 2 : 64;
		struct static_file *n = realloc(sf->files, cap * sizeof(*n));
		if (n == NULL)
			return MC_ENOMEM;
		sf->files = n;
		sf->cap = cap;
	}
	f = &sf->files[sf->count];
	memset(f, 0, sizeof(*f));
	f->len = (size_t)st->st_size;
	rc = read_file(fs, f->len, &f->data);
	if (rc != 0) {
		snprintf(err, errlen, "cannot read %s", fs);
		return rc;
	}
	f->path = strdup(url);
	if (f->path == NULL) {
		free(f->data);
		return MC_ENOMEM;
	}
	f->content_type = type_for(url);
	EVP_Digest(f->data, f->len, md, &mdlen, EVP_sha256(), NULL);
	snprintf(f->etag, sizeof(f->etag), "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", md[0], md[1],
	         md[2], md[3], md[4], md[5], md[6], md[7]);
	f->mtime = st->st_mtime;
	gmtime_r(&f->mtime, &tm);
	strftime(f->last_modified, sizeof(f->last_modified), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	sf->count++;
	return 0;
}

static int load_dir(struct static_files *sf, const char *fsdir, const char *urldir, int depth,
                    char *err, size_t errlen)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (depth > STATIC_MAX_DEPTH)
		return 0;
	d = opendir(fsdir);
	if (d == NULL) {
		snprintf(err, errlen, "cannot open folder %s: %s", fsdir, strerror(errno));
		return MC_EIO;
	}
	while ((de = readdir(d)) != NULL) {
		char fs[4096], url[4096];
		struct stat st;

		if (de->d_name[0] == '.')
			continue; /* ., .. and hidden files are never served */
		if ((size_t)snprintf(fs, sizeof(fs), "%s/%s", fsdir, de->d_name) >= sizeof(fs) ||
		    (size_t)snprintf(url, sizeof(url), "%s/%s", urldir, de->d_name) >= sizeof(url))
			continue;
		if (lstat(fs, &st) != 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			/* Debian's packages link their files; a link to a folder could lead anywhere. */
			if (stat(fs, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
		}
		if (S_ISDIR(st.st_mode))
			rc = load_dir(sf, fs, url, depth + 1, err, errlen);
		else if (S_ISREG(st.st_mode))
			rc = add_file(sf, fs, url, &st, err, errlen);
		if (rc != 0)
			break;
	}
	closedir(d);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct static_file *)a)->path, ((const struct static_file *)b)->path);
}

int static_load(struct static_files **out, const char *own_dir, const char *vendor_dir, char *err,
                size_t errlen)
{
	static const char *vendored[] = { "bootstrap5", "chart.js" };
	struct static_files *sf = calloc(1, sizeof(*sf));
	EVP_MD_CTX *md = NULL;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	int rc;

	if (sf == NULL)
		return MC_ENOMEM;
	rc = load_dir(sf, own_dir, "/static", 0, err, errlen);
	for (size_t i = 0; rc == 0 && i < sizeof(vendored) / sizeof(vendored[0]); i++) {
		char fs[4096], url[256];
		snprintf(fs, sizeof(fs), "%s/%s", vendor_dir, vendored[i]);
		snprintf(url, sizeof(url), "/static/vendor/%s", vendored[i]);
		rc = load_dir(sf, fs, url, 0, err, errlen);
	}
	if (rc != 0)
		goto out;
	if (sf->count > 1)
		qsort(sf->files, sf->count, sizeof(*sf->files), by_path);

	/* One version for all assets: a digest of every path and ETag. */
	md = EVP_MD_CTX_new();
	if (md == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (size_t i = 0; i < sf->count; i++) {
		EVP_DigestUpdate(md, sf->files[i].path, strlen(sf->files[i].path));
		EVP_DigestUpdate(md, sf->files[i].etag, strlen(sf->files[i].etag));
	}
	EVP_DigestFinal_ex(md, digest, &dlen);
	for (int i = 0; i < 8; i++)
		snprintf(sf->version + 2 * i, 3, "%02x", digest[i]);
out:
	EVP_MD_CTX_free(md);
	if (rc != 0) {
		static_free(sf);
		return rc;
	}
	*out = sf;
	return 0;
}

void static_free(struct static_files *sf)
{
	if (sf == NULL)
		return;
	for (size_t i = 0; i < sf->count; i++) {
		free(sf->files[i].path);
		free(sf->files[i].data);
	}
	free(sf->files);
	free(sf);
}

const struct static_file *static_find(const struct static_files *sf, const char *p, size_t len)
{
	size_t lo = 0, hi = sf->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *fp = sf->files[mid].path;
		size_t fl = strlen(fp);
		int c = memcmp(fp, p, fl < len ? fl : len);
		if (c == 0)
			c = fl < len ? -1 : fl > len ? 1 : 0;
		if (c == 0)
			return &sf->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *static_version(const struct static_files *sf)
{
	return sf->version;
}

/* Whether an If-None-Match list holds 'etag' (or is "*"). */
static int etag_listed(const char *list, size_t len, const char *etag)
{
	size_t el = strlen(etag);

	if (len == 1 && list[0] == '*')
		return 1;
	for (size_t i = 0; i + el <= len; i++)
		if (memcmp(list + i, etag, el) == 0)
			return 1;
	return 0;
}

int static_serve(struct req *r)
{
	h2o_iovec_t path = req_path(r);
	const struct static_file *f = static_find(r->app->statics, path.base, path.len);
	h2o_req_t *h = r->h2o;
	const char *v;
	size_t vl;

	if (f == NULL)
		return MC_ENOTFOUND;
	h2o_add_header(r->pool, &h->res.headers, H2O_TOKEN_ETAG, NULL, f->etag, strlen(f->etag));
	h2o_add_header(r->pool, &h->res.headers, H2O_TOKEN_LAST_MODIFIED, NULL, f->last_modified,
	               strlen(f->last_modified));
	if (h->query_at != SIZE_MAX)
		h2o_add_header(r->pool, &h->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
		               H2O_STRLIT("public, max-age=31536000, immutable"));
	else
		h2o_add_header(r->pool, &h->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
		               H2O_STRLIT("public, max-age=86400"));
	if ((v = req_header(r, H2O_TOKEN_IF_NONE_MATCH, &vl)) != NULL) {
		if (etag_listed(v, vl, f->etag)) {
			respond_bytes(r, 304, NULL, "", 0);
			return 0;
		}
	} else if ((v = req_header(r, H2O_TOKEN_IF_MODIFIED_SINCE, &vl)) != NULL &&
	           h2o_memis(v, vl, f->last_modified, strlen(f->last_modified))) {
		respond_bytes(r, 304, NULL, "", 0);
		return 0;
	}
	respond_bytes(r, 200, f->content_type, f->data, f->len);
	return 0;
}
