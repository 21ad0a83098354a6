/* main.c: subcommands, start-up and shut-down. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "cfg.h"
#include "domain/account.h"
#include "domain/actor.h"
#include "domain/audit.h"
#include "domain/catalog_io.h"
#include "domain/demo.h"
#include "domain/filestore.h"
#include "domain/site.h"
#include "domain/workflow.h"
#include "lib/token.h"
#include "mail/outbox.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/tpl.h"
#include "store/db.h"
#include "sweeper.h"
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
	        "            password for every demo account; --dossiers N: also N dossiers of\n"
	        "            the past year taken through the workflow, the same ones for the same N)\n"
	        "  sweep     run the background sweeps once now (what serve does every\n"
	        "            --sweep-interval seconds): expire unconfirmed dossiers, remind and\n"
	        "            delete old drafts; prints what it did (honours --clock-offset;\n"
	        "            give it the server's --base-url: the reminders link to the drafts)\n"
	        "  mail-failed  list the e-mails given up (refused by the SMTP server, or failing\n"
	        "            for 24 hours), with the server's answer\n"
	        "  catalog export  write the procedure catalogue (docs/catalog-format.md) to stdout\n"
	        "  catalog import [--dry-run] FILE  create or replace the procedures of a catalogue\n"
	        "            file (FILE '-': stdin), all or nothing, and print what changed;\n"
	        "            --dry-run prints the same and changes nothing\n"
	        "  audit verify  check the audit log's hash chain; exits 1 naming the first row\n"
	        "            that was changed, or that follows a removed or changed row\n"
	        "  workflow show [--dot] [VARIANT]  print the dossier statuses and the transitions\n"
	        "            of each workflow (standard, no_department, no_leader) with who may take\n"
	        "            them, what they need, the e-mail, the deadline clock and the national\n"
	        "            portal code; --dot: as Graphviz digraphs\n"
	        "  version   print the version\n"
	        "  help      print this text\n"
	        "\n");
	cfg_usage(out);
}

static int cmd_migrate(const struct cfg *c)
{
	struct db *db;
	int64_t version = 0;

	if (app_open_database(c, &db) != 0)
		return 1;
	db_schema_version(db, &version);
	printf("schema version %lld\n", (long long)version);
	db_close(db);
	return 0;
}

static int print_failed(void *arg, const struct outbox_failed *m)
{
	(void)arg;
	printf("%lld\t%s\t%s\t%s\t%lld\t%s\n", (long long)m->id, m->failed_at, m->recipient,
	       m->subject, (long long)m->attempts, m->last_error ? m->last_error : "");
	return 0;
}

/* motcua mail-failed: the messages given up (permanent refusals, or 24 hours of failures),
 * newest first, with the server's answer: what an administrator must look at. */
static int cmd_mail_failed(const struct cfg *c)
{
	struct db *db;
	int rc;

	if (app_open_database(c, &db) != 0)
		return 1;
	printf("id\tfailed_at\trecipient\tsubject\tattempts\tlast_error\n");
	rc = outbox_list_failed(db, 1000, print_failed, NULL);
	db_close(db);
	if (rc != 0) {
		fprintf(stderr, "motcua: cannot list the failed messages: %s\n", mc_strerror(rc));
		return 1;
	}
	return 0;
}

/* How long `motcua sweep` waits for a sweep of another process (a server's timer) to end. */
#define SWEEP_CLI_WAIT_MS 30000
#define SWEEP_CLI_PAUSE_MS 250

/* motcua sweep: every sweep once, now (by the clock of --clock-offset), under the same lease as
 * the servers' timers; what it did on stdout.  The mails it queues are delivered by the mail
 * sender of `motcua serve`. */
static int cmd_sweep(const struct cfg *c)
{
	struct clock clock = clock_offset((int64_t)c->clock_offset * 1000);
	struct timespec pause = { 0, SWEEP_CLI_PAUSE_MS * 1000000L };
	char path[PATH_MAX + 32], err[512] = "", holder[SWEEPER_HOLDER_SIZE];
	const struct dossier_sweep_counts *d;
	struct tpl_set *templates = NULL;
	struct filestore *files = NULL;
	struct sweeper_result res;
	struct account_env env;
	struct db *db = NULL;
	json_t *site = NULL;
	int rc, status = 1;

	memset(&res, 0, sizeof(res));
	if (token_init() != 0) {
		fprintf(stderr, "motcua: cannot start the random number generator\n");
		return 1;
	}
	if (app_open_database(c, &db) != 0)
		return 1;
	if (app_mail_env(c, db, &clock, &env, &templates, &site) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/files", c->data);
	if (filestore_open(path, &files, err, sizeof(err)) != 0) {
		fprintf(stderr, "motcua: cannot open the file store: %s\n", err);
		goto out;
	}
	sweeper_holder_new(holder);
	for (int waited = 0;; waited += SWEEP_CLI_PAUSE_MS) {
		rc = sweeper_run_once(&env, db, files, holder, &res);
		if (rc != 0 || res.ran || waited >= SWEEP_CLI_WAIT_MS)
			break;
		nanosleep(&pause, NULL);
	}
	if (rc == 0 && !res.ran) {
		fprintf(stderr, "motcua: another process has been running the sweeps for %d s; "
		        "try again later\n", SWEEP_CLI_WAIT_MS / 1000);
		goto out;
	}
	d = &res.dossiers;
	printf("unconfirmed dossiers expired: %lld\n", (long long)d->expired);
	printf("draft reminders queued: %lld\n", (long long)d->reminded);
	printf("draft reminders refused (bad address): %lld\n", (long long)d->remind_failed);
	printf("drafts deleted: %lld\n", (long long)d->deleted);
	printf("unused stored files deleted: %lld\n", (long long)d->files_removed);
	printf("dossiers newly overdue: %lld\n", (long long)d->overdue);
	if (rc != 0) {
		fprintf(stderr, "motcua: the sweep failed (the counts above were done): %s: %s\n",
		        mc_strerror(rc), db_errmsg(db));
		goto out;
	}
	if (d->reminded > 0)
		fprintf(stderr, "motcua: the reminders are in the mail outbox; motcua serve sends "
		        "them\n");
	status = 0;
out:
	filestore_close(files);
	tpl_set_free(templates);
	json_decref(site);
	db_close(db);
	return status;
}

static int cmd_demo(const struct cfg *c, int dossiers)
{
	struct account_env env;
	struct clock clock = clock_offset((int64_t)c->clock_offset * 1000);
	struct tpl_set *templates = NULL;
	json_t *site = NULL;
	struct db *db;
	int rc;

	if (token_init() != 0)
		return 1;
	if (app_open_database(c, &db) != 0)
		return 1;
	memset(&env, 0, sizeof(env));
	env.clock = &clock;
	rc = demo_load(&env, db, c->password, stdout);
	if (rc == 0)
		rc = demo_load_catalog(&env, db, c->share, stderr);
	if (rc == 0 && dossiers > 0) {
		if (app_mail_env(c, db, &clock, &env, &templates, &site) != 0)
			rc = MC_EIO;
		else
			rc = demo_dossiers(&env, db, dossiers, clock_now_ms(&clock), stderr);
	}
	tpl_set_free(templates);
	json_decref(site);
	db_close(db);
	if (rc != 0) {
		fprintf(stderr, "motcua: loading the demonstration data failed: %s\n", mc_strerror(rc));
		return 1;
	}
	fprintf(stderr, "motcua: demonstration data loaded\n");
	return 0;
}

/* motcua catalog export: the canonical catalogue on stdout. */
static int cmd_catalog_export(const struct cfg *c)
{
	struct db *db;
	int rc;

	if (app_open_database(c, &db) != 0)
		return 1;
	rc = catalog_export(db, stdout);
	db_close(db);
	if (rc != 0) {
		fprintf(stderr, "motcua: catalog export failed: %s\n",
		        rc == MC_EIO ? "cannot write to stdout" : mc_strerror(rc));
		return 1;
	}
	return 0;
}

/* Read all of 'path' ("-": stdin), refusing more than CATALOG_FILE_MAX bytes.  On success
 * *text is malloc'd (NUL-terminated) and 0 is returned; else one line is printed and 1. */
static int read_catalog_file(const char *path, char **text, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 0, n = 0;
	char *data = NULL;
	int status = 1;

	*text = NULL;
	*len = 0;
	if (f == NULL) {
		fprintf(stderr, "motcua: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (;;) {
		size_t got;

		if (cap - n < 2) { /* room for at least one byte and the NUL */
			char *bigger;

			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > (size_t)CATALOG_FILE_MAX + 2)
				cap = (size_t)CATALOG_FILE_MAX + 2;
			bigger = realloc(data, cap);
			if (bigger == NULL) {
				fprintf(stderr, "motcua: out of memory reading %s\n", path);
				goto out;
			}
			data = bigger;
		}
		got = fread(data + n, 1, cap - n - 1, f);
		n += got;
		if (n > CATALOG_FILE_MAX) {
			fprintf(stderr, "motcua: %s is larger than the %u MiB a catalogue may have\n", path,
			        CATALOG_FILE_MAX >> 20);
			goto out;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "motcua: cannot read %s: %s\n", path, strerror(errno));
		goto out;
	}
	data[n] = '\0';
	*text = data;
	*len = n;
	data = NULL;
	status = 0;
out:
	free(data);
	if (f != stdin)
		fclose(f);
	return status;
}

/* motcua catalog import [--dry-run] FILE: the report on stdout, a refusal as one line on
 * stderr. */
static int cmd_catalog_import(const struct cfg *c, const char *path, int dry_run)
{
	struct actor system;
	struct clock clock = clock_offset((int64_t)c->clock_offset * 1000);
	struct db *db = NULL;
	char *text = NULL, err[1024];
	size_t len = 0;
	int rc;

	if (read_catalog_file(path, &text, &len) != 0)
		return 1;
	if (app_open_database(c, &db) != 0) {
		free(text);
		return 1;
	}
	actor_command_line(&system);
	rc = catalog_import(db, &system, clock_now_ms(&clock), text, len, dry_run, stdout, err,
	                    sizeof(err));
	db_close(db);
	free(text);
	if (rc != 0) {
		fprintf(stderr, "motcua: %s\n", err[0] != '\0' ? err : mc_strerror(rc));
		return 1;
	}
	return 0;
}

static int cmd_catalog(const struct cfg *c, const char *const *words, size_t nwords, int dry_run)
{
	if (nwords >= 2 && strcmp(words[1], "export") == 0) {
		if (nwords > 2) {
			fprintf(stderr, "motcua: unexpected argument '%s'\n", words[2]);
			return 2;
		}
		if (dry_run) {
			fprintf(stderr, "motcua: --dry-run applies to catalog import only\n");
			return 2;
		}
		return cmd_catalog_export(c);
	}
	if (nwords >= 2 && strcmp(words[1], "import") == 0) {
		if (nwords < 3) {
			fprintf(stderr, "motcua: catalog import needs a FILE (or - for stdin)\n");
			return 2;
		}
		if (nwords > 3) {
			fprintf(stderr, "motcua: unexpected argument '%s'\n", words[3]);
			return 2;
		}
		return cmd_catalog_import(c, words[2], dry_run);
	}
	if (nwords < 2)
		fprintf(stderr, "motcua: catalog needs export or import (try motcua --help)\n");
	else
		fprintf(stderr, "motcua: unknown catalog command '%s' (try motcua --help)\n", words[1]);
	return 2;
}

/* The flags of subcommands, which cfg_load does not know. */
struct sub_flags {
	int dry_run;  /* catalog import --dry-run */
	int dot;      /* workflow show --dot */
	int dossiers; /* demo --dossiers N (-1: not given) */
	int bad;      /* a flag's value was not acceptable */
};

#define DEMO_DOSSIERS_MAX 100000

/*
 * Take the subcommand flags ("--dry-run", "--dot") out of argv (into *f) before the settings
 * are read, since cfg_load refuses flags it does not know.  A word following a setting flag
 * without '=' is that setting's value and is left alone.  Returns the new argc.
 */
static int take_sub_flags(int argc, char **argv, struct sub_flags *f)
{
	int out = 1;

	memset(f, 0, sizeof(*f));
	f->dossiers = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--dry-run") == 0) {
			f->dry_run = 1;
			continue;
		}
		if (strcmp(a, "--dot") == 0) {
			f->dot = 1;
			continue;
		}
		if (strcmp(a, "--dossiers") == 0 || strncmp(a, "--dossiers=", 11) == 0) {
			const char *v = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : "");
			char *end;
			long n = strtol(v, &end, 10);

			if (*v == '\0' || *end != '\0' || n < 0 || n > DEMO_DOSSIERS_MAX) {
				fprintf(stderr, "motcua: --dossiers takes a number of dossiers from 0 to %d\n",
				        DEMO_DOSSIERS_MAX);
				f->bad = 1;
			}
			f->dossiers = (int)n;
			continue;
		}
		argv[out++] = argv[i];
		if (strncmp(a, "--", 2) == 0 && a[2] != '\0' && strchr(a, '=') == NULL &&
		    strcmp(a, "--help") != 0 && i + 1 < argc)
			argv[out++] = argv[++i];
	}
	return out;
}

/* motcua audit verify: walk the audit log's hash chain; exit 1 naming the first broken row. */
static int cmd_audit(const struct cfg *c, const char *const *words, size_t nwords)
{
	struct db *db;
	int64_t rows = 0, broken = 0;
	char why[160];
	int rc;

	if (nwords != 2 || strcmp(words[1], "verify") != 0) {
		fprintf(stderr, "motcua: usage: motcua audit verify\n");
		return 2;
	}
	if (app_open_database(c, &db) != 0)
		return 1;
	rc = audit_verify(db, &rows, &broken, why, sizeof why);
	db_close(db);
	if (rc != 0) {
		fprintf(stderr, "motcua: cannot read the audit log: %s\n", mc_strerror(rc));
		return 1;
	}
	if (broken != 0) {
		printf("audit: row %lld is broken: %s\n", (long long)broken, why);
		return 1;
	}
	printf("audit: %lld rows, the chain is intact\n", (long long)rows);
	return 0;
}

/* motcua workflow show [--dot] [VARIANT] */
static int cmd_workflow(const char *const *words, size_t nwords, int dot)
{
	enum wf_variant only = 0;

	if (nwords < 2 || strcmp(words[1], "show") != 0 || nwords > 3) {
		fprintf(stderr, "motcua: usage: motcua workflow show [--dot] [standard|no_department|"
		                "no_leader]\n");
		return 2;
	}
	if (nwords == 3 && (only = wf_variant_parse(words[2])) == 0) {
		fprintf(stderr, "motcua: unknown workflow '%s' (standard, no_department, no_leader)\n",
		        words[2]);
		return 2;
	}
	wf_print(stdout, only, dot);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct cfg c;
	const char *words[4];
	size_t nwords;
	struct sub_flags flags;
	int help;

	argc = take_sub_flags(argc, argv, &flags);
	if (flags.bad)
		return 2;
	if (cfg_load(&c, argc - 1, argv + 1, words, 4, &nwords, &help, stderr) != 0)
		return 2;
	if (help || nwords == 0 || strcmp(words[0], "help") == 0) {
		usage(stdout);
		return nwords == 0 && !help ? 2 : 0;
	}
	if (strcmp(words[0], "workflow") == 0 && !flags.dry_run)
		return cmd_workflow(words, nwords, flags.dot);
	if (flags.dot) {
		fprintf(stderr, "motcua: --dot applies to workflow show only\n");
		return 2;
	}
	if (flags.dossiers >= 0 && strcmp(words[0], "demo") != 0) {
		fprintf(stderr, "motcua: --dossiers applies to demo only\n");
		return 2;
	}
	if (strcmp(words[0], "catalog") == 0)
		return cmd_catalog(&c, words, nwords, flags.dry_run);
	if (strcmp(words[0], "audit") == 0 && !flags.dry_run)
		return cmd_audit(&c, words, nwords);
	if (flags.dry_run) {
		fprintf(stderr, "motcua: --dry-run applies to catalog import only\n");
		return 2;
	}
	if (nwords > 1) {
		fprintf(stderr, "motcua: unexpected argument '%s'\n", words[1]);
		return 2;
	}
	if (strcmp(words[0], "serve") == 0)
		return app_serve(&c, web_routes, web_routes_count);
	if (strcmp(words[0], "migrate") == 0)
		return cmd_migrate(&c);
	if (strcmp(words[0], "demo") == 0)
		return cmd_demo(&c, flags.dossiers);
	if (strcmp(words[0], "mail-failed") == 0)
		return cmd_mail_failed(&c);
	if (strcmp(words[0], "sweep") == 0)
		return cmd_sweep(&c);
	if (strcmp(words[0], "version") == 0) {
		printf("motcua %s\n", MOTCUA_VERSION);
		return 0;
	}
	fprintf(stderr, "motcua: unknown command '%s' (try motcua --help)\n", words[0]);
	return 2;
}
