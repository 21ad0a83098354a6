/* fixturedb.h: a database the domain's unit tests start from: the migrations, the demo
 * catalogue imported by the command line, then the test's own fixture SQL.  Include after
 * <cmocka.h>; the test is built with MIGRATIONS_DIR and DATA_DIR. */
#ifndef MC_TEST_FIXTUREDB_H
#define MC_TEST_FIXTUREDB_H

#include <stdio.h>
#include <stdlib.h>

#include "dbtest.h"
#include "domain/actor.h"
#include "domain/catalog_io.h"
#include "store/db.h"

/* The command line as an actor (the catalogue's importer in these tests). */
static inline const struct actor *fixturedb_system(void)
{
	static struct actor a;

	actor_command_line(&a);
	return &a;
}

/* Open 'url', migrate, import the demo catalogue at 'now_ms' and run 'fixture_sql': 0 with the
 * database in *out, or -1 with the reason on stderr (for a cmocka setup). */
static inline int fixturedb_open(const char *url, int64_t now_ms, const char *fixture_sql,
                                 struct db **out)
{
	struct db *db = NULL;
	char err[512] = "";
	size_t len = 0;
	char *text;
	int rc;

	*out = NULL;
	if (db_open(url, &db, err, sizeof err) != 0 ||
	    db_migrate(db, MIGRATIONS_DIR, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		db_close(db);
		return -1;
	}
	text = dbtest_read_file(DATA_DIR "/demo-catalog.json", &len);
	rc = catalog_import(db, fixturedb_system(), now_ms, text, len, 0, NULL, err, sizeof err);
	free(text);
	if (rc != 0 || db_exec_script(db, fixture_sql) != 0) {
		fprintf(stderr, "setup: %s %s\n", err, db_errmsg(db));
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

#endif
