/* app.c: opening the data folder and database, and serving. */
#include "app.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/dossier_flow.h"
#include "domain/filestore.h"
#include "domain/site.h"
#include "domain/validate.h"
#include "lib/token.h"
#include "mail/sender.h"
#include "http/server.h"
#include "http/static.h"
#include "http/work.h"
#include "lib/err.h"
#include "limit.h"
#include "lib/tpl.h"
#include "store/db.h"
#include "sweeper.h"

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
int app_open_database(const struct cfg *c, struct db **db)
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
	/* After a migration: audit rows written before the hash chain existed join it, in order;
	 * dossiers from before the search column get their search text. */
	if (applied > 0 &&
	    ((rc = audit_seal(*db, NULL)) != 0 || (rc = dossier_search_backfill(*db, NULL)) != 0)) {
		fprintf(stderr, "motcua: cannot complete the migration: %s\n", db_errmsg(*db));
		db_close(*db);
		*db = NULL;
		return rc;
	}
	return 0;
}

static void wake_mail(void *sender)
{
	mail_sender_wake(sender);
}

int app_mail_env(const struct cfg *c, struct db *db, const struct clock *clock,
                        struct account_env *env, struct tpl_set **templates, json_t **site)
{
	char path[PATH_MAX + 32], err[512] = "";
	int rc;

	*templates = NULL;
	if ((rc = site_load(db, site)) != 0) {
		fprintf(stderr, "motcua: cannot read the site settings: %s\n", mc_strerror(rc));
		return 1;
	}
	*templates = tpl_set_new();
	snprintf(path, sizeof(path), "%s/templates", c->share);
	if (*templates == NULL || tpl_set_load_dir(*templates, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "motcua: cannot load the templates: %s\n", err);
		return 1;
	}
	memset(env, 0, sizeof(*env));
	env->clock = clock;
	env->templates = *templates;
	env->base_url = c->base_url;
	env->portal_name = json_string_value(json_object_get(*site, "portal_name"));
	if (env->portal_name == NULL)
		env->portal_name = "";
	env->mail_domain = strchr(c->mail_from, '@') + 1;
	return 0;
}

int app_serve(const struct cfg *c, const struct route *routes, size_t nroutes)
{
	struct app app;
	struct db *db = NULL;
	char path[PATH_MAX + 32], vendor[PATH_MAX], err[512];
	int rc, status = 1;
	sigset_t sigs;
	struct password_list *passwords = NULL;
	struct mail_sender_config mail_cfg;
	struct sweeper_config sweep_cfg;
	struct sweeper *sweeper = NULL;

	/* SIGTERM and SIGINT are taken by the main thread alone, with sigwait in server_run: block
	 * them before any thread starts (worker threads included), so every thread inherits the
	 * mask and no signal can kill the process in the middle of a response. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	memset(&app, 0, sizeof(app));
	memset(&mail_cfg, 0, sizeof(mail_cfg));
	app.cfg = c;
	app.routes = routes;
	app.nroutes = nroutes;
	if (app_open_database(c, &db) != 0)
		goto out;
	app.clock = clock_offset((int64_t)c->clock_offset * 1000);
	rc = app_mail_env(c, db, &app.clock, &app.accounts, &app.templates, &app.site);
	db_close(db);
	if (rc != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/static", c->share);
	snprintf(vendor, sizeof(vendor), "%s", c->vendor);
	if (static_load(&app.statics, path, vendor, err, sizeof(err)) != 0) {
		fprintf(stderr, "motcua: cannot load the static files: %s\n", err);
		goto out;
	}
	json_object_set_new(app.site, "v", json_string(static_version(app.statics)));

	/* Accounts: the server secret, the common-password list, the clock, the mail sender. */
	snprintf(path, sizeof(path), "%s/secret.key", c->data);
	if (token_init() != 0 || token_load_key(path, app.key) != 0) {
		fprintf(stderr, "motcua: cannot read or create the server key %s\n", path);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/data/common-passwords.txt", c->share);
	if (password_list_load(path, &passwords) != 0) {
		fprintf(stderr, "motcua: cannot read the list of common passwords %s\n", path);
		goto out;
	}
	if (account_init_dummy_hash() != 0) {
		fprintf(stderr, "motcua: not enough memory for password hashing\n");
		goto out;
	}
	app.secure_cookies = strncmp(c->base_url, "https://", 8) == 0;
	mail_cfg.database = c->database;
	mail_cfg.smtp_url = c->smtp;
	mail_cfg.from = c->mail_from;
	mail_cfg.data_dir = c->data;
	mail_cfg.clock = &app.clock;
	mail_cfg.poll_ms = 5000;
	app.mail = mail_sender_start(&mail_cfg);
	if (app.mail == NULL) {
		fprintf(stderr, "motcua: cannot start the mail sender\n");
		goto out;
	}
	app.accounts.passwords = passwords;
	app.accounts.mail_queued = wake_mail;
	app.accounts.mail_ctx = app.mail;

	snprintf(path, sizeof(path), "%s/files", c->data);
	if (filestore_open(path, &app.files, err, sizeof(err)) != 0) {
		fprintf(stderr, "motcua: cannot open the file store: %s\n", err);
		goto out;
	}
	/* The sweeps run on a thread of their own, never on an event loop: expiring, reminding and
	 * deleting write the database in batches and may wait for its lock. */
	if (c->sweep_interval > 0) {
		memset(&sweep_cfg, 0, sizeof(sweep_cfg));
		sweep_cfg.database = c->database;
		sweep_cfg.env = &app.accounts;
		sweep_cfg.files = app.files;
		sweep_cfg.interval_seconds = c->sweep_interval;
		sweeper = sweeper_start(&sweep_cfg);
		if (sweeper == NULL) {
			fprintf(stderr, "motcua: cannot start the background sweeps\n");
			goto out;
		}
	} else {
		fprintf(stderr, "motcua: no background sweeps (--sweep-interval 0): run "
		                "'motcua sweep' from cron\n");
	}
	app.workers = work_pool_new(c->threads);
	app.io_workers = work_pool_new_io(c->threads * LIMIT_IO_THREADS_PER_LOOP);
	if (app.workers == NULL || app.io_workers == NULL) {
		fprintf(stderr, "motcua: cannot start the worker threads\n");
		goto out;
	}
	if (server_run(&app) == 0)
		status = 0;
out:
	/* First: the sweeper uses the file store and wakes the mail sender. */
	sweeper_stop(sweeper);
	work_pool_free(app.io_workers);
	work_pool_free(app.workers);
	filestore_close(app.files);
	mail_sender_stop(app.mail);
	password_list_free(passwords);
	static_free(app.statics);
	tpl_set_free(app.templates);
	json_decref(app.site);
	return status;
}

