/* main.c: subcommands, start-up and shut-down. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "domain/demo.h"
#include "domain/site.h"
#include "http/server.h"
#include "http/static.h"
#include "http/work.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/tpl.h"
#include "store/db.h"
#include "web/pages.h"

#ifndef MOTCUA_VERSION
#define MOTCUA_VERSION "0.1.0"
#endif

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: motcua [settings] <command>\n"
	        "\n"
	        "motcua serves a province's online public services (dịch vụ công trực tuyến) and\n"
	        "its one-stop desk (bộ phận một cửa).\n"
	        "\n"
	        "Commands:\n"
	        "  serve     apply pending migrations, then serve HTTP until SIGTERM or SIGINT\n"
	        "  migrate   apply pending database migrations and print the schema version\n"
	        "  demo      apply migrations and load demonstration data (--password P: one\n"
	        "            password for every demo account)\n"
	        "  version   print the version\n"
	        "  help      print this text\n"
	        "\n");
	cfg_usage(out);
}

/* mkdir -p 'path' with mode 0750. */
static int make_dirs(const char *path)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return MC_EINVAL;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
			return MC_EIO;
		*p = '/';
	}
	if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
		return MC_EIO;
	return 0;
}

/* Create the data folder and its parts, open the database and bring its schema up to date. */
static int open_database(const struct cfg *c, struct db **db)
{
	static const char *parts[] = { "files", "mail", "documents" };
	char path[PATH_MAX + 32], err[512];
	int applied = 0, rc;
	int64_t version = 0;

	for (size_t i = 0; i <= sizeof(parts) / sizeof(parts[0]); i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s", c->data);
		else
			snprintf(path, sizeof(path), "%s/%s", c->data, parts[i - 1]);
		if (make_dirs(path) != 0) {
			fprintf(stderr, "motcua: cannot create the data folder %s: %s\n", path,
			        strerror(errno));
			return MC_EIO;
		}
	}
	rc = db_open(c->database, db, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "motcua: cannot open the database: %s\n", err);
		return rc;
	}
	snprintf(path, sizeof(path), "%s/migrations", c->share);
	rc = db_migrate(*db, path, &applied, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "motcua: migration failed: %s\n", err);
		db_close(*db);
		*db = NULL;
		return rc;
	}
	db_schema_version(*db, &version);
	if (applied > 0)
		fprintf(stderr, "motcua: applied %d migration(s); schema version %lld\n", applied,
		        (long long)version);
	return 0;
}

static int cmd_migrate(const struct cfg *c)
{
	struct db *db;
	int64_t version = 0;

	if (open_database(c, &db) != 0)
		return 1;
	db_schema_version(db, &version);
	printf("schema version %lld\n", (long long)version);
	db_close(db);
	return 0;
}

static int cmd_demo(const struct cfg *c)
{
	struct db *db;
	char now[32];
	int rc;

	if (open_database(c, &db) != 0)
		return 1;
	clock_iso8601(clock_now_ms(&clock_system), now, sizeof(now));
	rc = demo_load(db, c->password, now, stdout);
	db_close(db);
	if (rc != 0) {
		fprintf(stderr, "motcua: loading the demonstration data failed: %s\n", mc_strerror(rc));
		return 1;
	}
	fprintf(stderr, "motcua: demonstration data loaded\n");
	return 0;
}

static int cmd_serve(const struct cfg *c)
{
	struct app app;
	struct db *db = NULL;
	char path[PATH_MAX + 32], vendor[PATH_MAX], err[512];
	int rc, status = 1;

	memset(&app, 0, sizeof(app));
	app.cfg = c;
	app.routes = web_routes;
	app.nroutes = web_routes_count;
	if (open_database(c, &db) != 0)
		goto out;
	rc = site_load(db, &app.site);
	db_close(db);
	if (rc != 0) {
		fprintf(stderr, "motcua: cannot read the site settings: %s\n", mc_strerror(rc));
		goto out;
	}
	app.templates = tpl_set_new();
	snprintf(path, sizeof(path), "%s/templates", c->share);
	if (app.templates == NULL || tpl_set_load_dir(app.templates, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "motcua: cannot load the templates: %s\n", err);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/static", c->share);
	snprintf(vendor, sizeof(vendor), "%s", c->vendor);
	if (static_load(&app.statics, path, vendor, err, sizeof(err)) != 0) {
		fprintf(stderr, "motcua: cannot load the static files: %s\n", err);
		goto out;
	}
	json_object_set_new(app.site, "v", json_string(static_version(app.statics)));
	app.workers = work_pool_new(c->threads);
	if (app.workers == NULL) {
		fprintf(stderr, "motcua: cannot start the worker threads\n");
		goto out;
	}
	if (server_run(&app) == 0)
		status = 0;
out:
	work_pool_free(app.workers);
	static_free(app.statics);
	tpl_set_free(app.templates);
	json_decref(app.site);
	return status;
}

int main(int argc, char **argv)
{
	struct cfg c;
	const char *words[4];
	size_t nwords;
	int help;

	if (cfg_load(&c, argc - 1, argv + 1, words, 4, &nwords, &help, stderr) != 0)
		return 2;
	if (help || nwords == 0 || strcmp(words[0], "help") == 0) {
		usage(stdout);
		return nwords == 0 && !help ? 2 : 0;
	}
	if (nwords > 1) {
		fprintf(stderr, "motcua: unexpected argument '%s'\n", words[1]);
		return 2;
	}
	if (strcmp(words[0], "serve") == 0)
		return cmd_serve(&c);
	if (strcmp(words[0], "migrate") == 0)
		return cmd_migrate(&c);
	if (strcmp(words[0], "demo") == 0)
		return cmd_demo(&c);
	if (strcmp(words[0], "version") == 0) {
		printf("motcua %s\n", MOTCUA_VERSION);
		return 0;
	}
	fprintf(stderr, "motcua: unknown command '%s' (try motcua --help)\n", words[0]);
	return 2;
}
