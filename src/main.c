/* main.c: subcommands, start-up and shut-down. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cfg.h"
#include "domain/account.h"
#include "domain/demo.h"
#include "lib/token.h"
#include "mail/outbox.h"
#include "lib/clock.h"
#include "lib/err.h"
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
	        "  mail-failed  list the e-mails given up (refused by the SMTP server, or failing\n"
	        "            for 24 hours), with the server's answer\n"
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

static int cmd_demo(const struct cfg *c)
{
	struct account_env env;
	struct clock clock = clock_offset((int64_t)c->clock_offset * 1000);
	struct db *db;
	int rc;

	if (token_init() != 0)
		return 1;
	if (app_open_database(c, &db) != 0)
		return 1;
	memset(&env, 0, sizeof(env));
	env.clock = &clock;
	rc = demo_load(&env, db, c->password, stdout);
	db_close(db);
	if (rc != 0) {
		fprintf(stderr, "motcua: loading the demonstration data failed: %s\n", mc_strerror(rc));
		return 1;
	}
	fprintf(stderr, "motcua: demonstration data loaded\n");
	return 0;
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
		return app_serve(&c, web_routes, web_routes_count);
	if (strcmp(words[0], "migrate") == 0)
		return cmd_migrate(&c);
	if (strcmp(words[0], "demo") == 0)
		return cmd_demo(&c);
	if (strcmp(words[0], "mail-failed") == 0)
		return cmd_mail_failed(&c);
	if (strcmp(words[0], "version") == 0) {
		printf("motcua %s\n", MOTCUA_VERSION);
		return 0;
	}
	fprintf(stderr, "motcua: unknown command '%s' (try motcua --help)\n", words[0]);
	return 2;
}
