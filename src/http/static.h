/* static.h: static files, loaded into memory at start-up and served with validators. */
#ifndef MC_STATIC_H
#define MC_STATIC_H

#include <stddef.h>
#include <time.h>

struct req;
struct static_files;

struct static_file {
	char *path;          /* URL path, e.g. "/static/css/motcua.css" */
	char *data;
	size_t len;
	const char *content_type;
	char etag[24];       /* quoted strong validator from the content hash */
	char last_modified[32];
	time_t mtime;
};

/*
 * Load every regular file under 'own_dir' as /static/<relative path>, and under
 * 'vendor_dir'/bootstrap5 and 'vendor_dir'/chart.js as /static/vendor/bootstrap5/... and
 * /static/vendor/chart.js/....  Symbolic links inside the folders are followed only when they
 * point to regular files (Debian's packages use them); hidden files and folders nested more
 * than 8 deep are not served.  MC_EIO: a folder or file unreadable
 * (named in err); MC_ETOOBIG: a file over 8 MiB.  Free with static_free.
 */
int static_load(struct static_files **out, const char *own_dir, const char *vendor_dir, char *err,
                size_t errlen);

void static_free(struct static_files *sf);

/* The file served at URL path p[0..len), or NULL. */
const struct static_file *static_find(const struct static_files *sf, const char *p, size_t len);

/* A short hex digest of every file's content: appended to asset URLs so they can be cached for a
 * year and still change with a new release. */
const char *static_version(const struct static_files *sf);

/* Route handler for GET /static/{path*}. */
int static_serve(struct req *r);

#endif
