/* test_db.c: the storage facade, its SQLite backend and the migrations runner. */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* mkdtemp, nftw */
#endif

#include <ftw.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "tmpdir.h"

#include "lib/err.h"
#include "store/db.h"
#include "store/db_backend.h"

/* Each test gets its own temporary folder, removed afterwards. */
struct fixture {
	char dir[64];
	char err[512];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	if (fx == NULL)
		return -1;
	if (tmpdir_make(fx->dir, sizeof fx->dir, "db") != 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* out = fx->dir + "/" + name. */
static void path_in(const struct fixture *fx, const char *name, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s", fx->dir, name);

	assert_true(n > 0 && (size_t)n < outlen);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static struct db *open_memory(void)
{
	struct db *db = NULL;
	char err[256];

	assert_int_equal(db_open("sqlite::memory:", &db, err, sizeof err), 0);
	assert_non_null(db);
	return db;
}

static struct db *open_file(struct fixture *fx, const char *name)
{
	char url[600], path[512];
	struct db *db = NULL;

	path_in(fx, name, path, sizeof path);
	snprintf(url, sizeof url, "sqlite:%s", path);
	assert_int_equal(db_open(url, &db, fx->err, sizeof fx->err), 0);
	assert_non_null(db);
	return db;
}

static void exec(struct db *db, const char *sql)
{
	int rc = db_exec_script(db, sql);

	if (rc != 0)
		fail_msg("%s: %s", sql, db_errmsg(db));
}

/* The single integer a query returns. */
static int64_t query_int(struct db *db, const char *sql)
{
	struct db_stmt *st;
	int64_t v;

	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	v = db_col_int64(st, 0);
	db_reset(st);
	return v;
}

/* The single text a query returns, copied into out. */
static void query_text(struct db *db, const char *sql, char *out, size_t outlen)
{
	struct db_stmt *st;
	const char *t;
	size_t len;

	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	t = db_col_text(st, 0, &len);
	assert_non_null(t);
	assert_true(len < outlen);
	memcpy(out, t, len + 1);
	db_reset(st);
}

/* ---- open / close ---- */

static void test_open_memory(void **state)
{
	struct db *db;
	char mode[32];

	(void)state;
	db = open_memory();
	assert_string_equal(db_backend(db), "sqlite");
	assert_int_equal(db_ping(db), 0);
	query_text(db, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "memory");
	assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
	db_close(db);
	db_close(NULL);
}

static void test_open_file_pragmas(void **state)
{
	struct fixture *fx = *state;
	char path[512], mode[32];
	struct stat sb;
	struct db *db;

	db = open_file(fx, "portal.db");
	path_in(fx, "portal.db", path, sizeof path);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	query_text(db, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 2); /* FULL: every commit fsync'ed */
	assert_int_equal(query_int(db, "PRAGMA busy_timeout"), 5000);
	assert_int_equal(db_ping(db), 0);
	exec(db, "CREATE TABLE t (x INTEGER)");
	db_close(db);

	/* Reopening finds the data and keeps WAL. */
	db = open_file(fx, "portal.db");
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 0);
	query_text(db, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	db_close(db);
}

static void test_open_bad_url(void **state)
{
	struct fixture *fx = *state;
	struct db *db = (struct db *)&db; /* must be set to NULL on failure */

	assert_int_equal(db_open("postgresql://u:secret@host/db", &db, fx->err, sizeof fx->err),
	                 MC_EINVAL);
	assert_null(db);
	assert_true(strlen(fx->err) > 0);
	assert_null(strstr(fx->err, "secret")); /* the URL is never echoed */
	assert_int_equal(db_open("mysql:x", &db, fx->err, sizeof fx->err), MC_EINVAL);
	assert_int_equal(db_open("/tmp/x.db", &db, fx->err, sizeof fx->err), MC_EINVAL);
	assert_int_equal(db_open("sqlite:", &db, fx->err, sizeof fx->err), MC_EINVAL);
	assert_int_equal(db_open(NULL, &db, fx->err, sizeof fx->err), MC_EINVAL);
	assert_int_equal(db_open("mysql:x", &db, NULL, 0), MC_EINVAL);
	assert_null(db);
}

static void test_open_unwritable(void **state)
{
	struct fixture *fx = *state;
	char url[600], path[512];
	struct db *db = NULL;

	/* A missing folder: the caller must create the data folder first. */
	path_in(fx, "missing/portal.db", path, sizeof path);
	snprintf(url, sizeof url, "sqlite:%s", path);
	assert_int_equal(db_open(url, &db, fx->err, sizeof fx->err), MC_EDB);
	assert_null(db);
	assert_non_null(strstr(fx->err, "missing/portal.db"));

	/* A folder where the file should be. */
	snprintf(url, sizeof url, "sqlite:%s", fx->dir);
	assert_int_equal(db_open(url, &db, fx->err, sizeof fx->err), MC_EDB);
	assert_null(db);

	/* A file that is not a database. */
	write_file(fx->dir, "junk.db", "this is not a SQLite database, just some text...........");
	path_in(fx, "junk.db", path, sizeof path);
	snprintf(url, sizeof url, "sqlite:%s", path);
	assert_int_equal(db_open(url, &db, fx->err, sizeof fx->err), MC_EDB);
	assert_null(db);

	/* A write-protected file (root writes anyway, so only checked for others). */
	if (geteuid() != 0) {
		db = open_file(fx, "ro.db");
		db_close(db);
		db = NULL;
		path_in(fx, "ro.db", path, sizeof path);
		assert_int_equal(chmod(path, 0444), 0);
		snprintf(url, sizeof url, "sqlite:%s", path);
		assert_int_equal(db_open(url, &db, fx->err, sizeof fx->err), MC_EDB);
		assert_null(db);
	}
}

/* ---- statements ---- */

static void test_types(void **state)
{
	static const char viet[] = "Cổng Dịch vụ công – Ủy ban nhân dân tỉnh";
	static const unsigned char blob[] = { 0x00, 0xff, 0x10, 0x00, 0x7f };
	struct db_stmt *st;
	struct db *db;
	const char *t;
	const void *p;
	size_t len;

	(void)state;
	db = open_memory();
	exec(db, "CREATE TABLE v (id INTEGER PRIMARY KEY, i INTEGER, t TEXT, b BLOB, n TEXT)");

	assert_int_equal(db_prepare(db, "INSERT INTO v (i, t, b, n) VALUES (?, ?, ?, ?)", &st), 0);
	assert_int_equal(db_bind_int64(st, 1, INT64_MIN), 0);
	assert_int_equal(db_bind_text(st, 2, viet, strlen(viet)), 0);
	assert_int_equal(db_bind_blob(st, 3, blob, sizeof blob), 0);
	assert_int_equal(db_bind_null(st, 4), 0);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_last_id(db), 1);
	assert_int_equal(db_changes(db), 1);

	/* Rebinding after DB_DONE: the statement was reset by the step. */
	assert_int_equal(db_bind_int64(st, 1, INT64_MAX), 0);
	assert_int_equal(db_bind_text(st, 2, "abcdef", 3), 0); /* a prefix only */
	assert_int_equal(db_bind_blob(st, 3, NULL, 0), 0);     /* empty, not NULL */
	assert_int_equal(db_bind_cstr(st, 4, "x"), 0);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_last_id(db), 2);

	assert_int_equal(db_bind_int64(st, 1, 0), 0);
	assert_int_equal(db_bind_text(st, 2, NULL, 0), 0); /* empty text */
	assert_int_equal(db_bind_null(st, 3), 0);
	assert_int_equal(db_bind_cstr(st, 4, NULL), 0); /* NULL */
	assert_int_equal(db_step(st), DB_DONE);

	/* Bad parameter indexes and arguments. */
	assert_int_equal(db_bind_int64(st, 0, 1), MC_EDB);
	assert_true(strlen(db_errmsg(db)) > 0);
	assert_int_equal(db_bind_int64(st, 5, 1), MC_EDB);
	assert_int_equal(db_bind_text(st, 1, NULL, 3), MC_EINVAL);
	assert_int_equal(db_bind_blob(st, 1, NULL, 3), MC_EINVAL);

	assert_int_equal(db_prepare(db, "SELECT i, t, b, n FROM v ORDER BY id", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_true(db_col_int64(st, 0) == INT64_MIN);
	t = db_col_text(st, 1, &len);
	assert_int_equal(len, strlen(viet));
	assert_string_equal(t, viet);
	p = db_col_blob(st, 2, &len);
	assert_int_equal(len, sizeof blob);
	assert_memory_equal(p, blob, sizeof blob);
	assert_true(db_col_is_null(st, 3));
	len = 99;
	assert_null(db_col_text(st, 3, &len));
	assert_int_equal(len, 0);
	len = 99;
	assert_null(db_col_blob(st, 3, &len));
	assert_int_equal(len, 0);
	assert_int_equal(db_col_int64(st, 3), 0);
	assert_false(db_col_is_null(st, 0));

	assert_int_equal(db_step(st), DB_ROW);
	assert_true(db_col_int64(st, 0) == INT64_MAX);
	t = db_col_text(st, 1, &len);
	assert_int_equal(len, 3);
	assert_string_equal(t, "abc");
	len = 99;
	p = db_col_blob(st, 2, &len);
	assert_non_null(p); /* empty is not NULL */
	assert_int_equal(len, 0);
	assert_false(db_col_is_null(st, 2));
	assert_string_equal(db_col_text(st, 3, NULL), "x");

	assert_int_equal(db_step(st), DB_ROW);
	len = 99;
	t = db_col_text(st, 1, &len);
	assert_non_null(t);
	assert_string_equal(t, "");
	assert_int_equal(len, 0);
	assert_false(db_col_is_null(st, 1));
	assert_true(db_col_is_null(st, 2));
	assert_true(db_col_is_null(st, 3));

	assert_int_equal(db_step(st), DB_DONE);

	/* UTF-8 survives SQL functions too (length counts characters, not bytes). */
	assert_int_equal(db_prepare(db, "SELECT length(?)", &st), 0);
	assert_int_equal(db_bind_cstr(st, 1, "Cổng"), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 4);
	db_reset(st);

	/* Changes count for UPDATE. */
	assert_int_equal(db_prepare(db, "UPDATE v SET n = ? WHERE id >= ?", &st), 0);
	assert_int_equal(db_bind_cstr(st, 1, "y"), 0);
	assert_int_equal(db_bind_int64(st, 2, 2), 0);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(db), 2);

	db_close(db);
}

static void test_prepare_errors(void **state)
{
	struct db_stmt *st = (struct db_stmt *)&st;
	struct db *db;

	(void)state;
	db = open_memory();
	assert_int_equal(db_prepare(db, "SELEC nonsense", &st), MC_EDB);
	assert_null(st);
	assert_non_null(strstr(db_errmsg(db), "syntax error"));
	assert_int_equal(db_prepare(db, "SELECT x FROM missing_table", &st), MC_EDB);
	assert_non_null(strstr(db_errmsg(db), "missing_table"));
	assert_int_equal(db_prepare(db, "", &st), MC_EDB);
	assert_int_equal(db_prepare(db, "   ", &st), MC_EDB);
	assert_int_equal(db_prepare(db, "SELECT 1; SELECT 2", &st), MC_EDB);
	assert_int_equal(db_prepare(db, "SELECT 1;  \n", &st), 0);
	/* Double-quoted strings are identifiers, as in PostgreSQL. */
	assert_int_equal(db_prepare(db, "SELECT \"not a string\"", &st), MC_EDB);
	assert_int_equal(db_prepare(NULL, "SELECT 1", &st), MC_EINVAL);
	assert_int_equal(db_prepare(db, NULL, &st), MC_EINVAL);
	assert_int_equal(db_step(NULL), MC_EINVAL);
	db_close(db);
}

static void test_stmt_cache(void **state)
{
	char sql[64], copy[64];
	struct db_stmt *st1, *st2, *st3, *sts[300];
	struct db *db;
	int i;

	(void)state;
	db = open_memory();
	exec(db, "CREATE TABLE n (x INTEGER); INSERT INTO n VALUES (1), (2), (3)");

	assert_int_equal(db_prepare(db, "SELECT x, ? FROM n ORDER BY x", &st1), 0);
	assert_int_equal(db_bind_cstr(st1, 1, "bound"), 0);
	assert_int_equal(db_step(st1), DB_ROW);
	assert_int_equal(db_step(st1), DB_ROW);
	assert_int_equal(db_col_int64(st1, 0), 2);

	/* Same text from another buffer: same statement, back at the start, bindings cleared. */
	snprintf(copy, sizeof copy, "%s", "SELECT x, ? FROM n ORDER BY x");
	assert_int_equal(db_prepare(db, copy, &st2), 0);
	assert_ptr_equal(st1, st2);
	assert_int_equal(db_step(st2), DB_ROW);
	assert_int_equal(db_col_int64(st2, 0), 1);
	assert_true(db_col_is_null(st2, 1));
	db_reset(st2);

	/* Different text, different statement. */
	assert_int_equal(db_prepare(db, "SELECT x FROM n ORDER BY x DESC", &st3), 0);
	assert_ptr_not_equal(st1, st3);

	/* Enough statements to grow the table several times; each one is found again. */
	for (i = 0; i < 300; i++) {
		snprintf(sql, sizeof sql, "SELECT %d", i);
		assert_int_equal(db_prepare(db, sql, &sts[i]), 0);
	}
	for (i = 0; i < 300; i++) {
		snprintf(sql, sizeof sql, "SELECT %d", i);
		assert_int_equal(db_prepare(db, sql, &st1), 0);
		assert_ptr_equal(st1, sts[i]);
		assert_int_equal(db_step(st1), DB_ROW);
		assert_int_equal(db_col_int64(st1, 0), i);
		assert_int_equal(db_step(st1), DB_DONE);
	}
	assert_int_equal(db_prepare(db, copy, &st1), 0);
	assert_ptr_equal(st1, st2);
	db_close(db); /* finalises every cached statement (valgrind checks) */
}

static void test_constraints(void **state)
{
	struct db_stmt *st;
	struct db *db;

	(void)state;
	db = open_memory();
	exec(db, "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,"
	         " age INTEGER CHECK (age >= 0))");
	assert_int_equal(db_prepare(db, "INSERT INTO u (id, email, age) VALUES (?, ?, ?)", &st), 0);
	assert_int_equal(db_bind_int64(st, 1, 1), 0);
	assert_int_equal(db_bind_cstr(st, 2, "a@example.vn"), 0);
	assert_int_equal(db_bind_int64(st, 3, 30), 0);
	assert_int_equal(db_step(st), DB_DONE);

	/* UNIQUE */
	assert_int_equal(db_bind_int64(st, 1, 2), 0);
	assert_int_equal(db_step(st), MC_ECONFLICT);
	assert_non_null(strstr(db_errmsg(db), "UNIQUE"));
	/* PRIMARY KEY */
	assert_int_equal(db_bind_int64(st, 1, 1), 0);
	assert_int_equal(db_bind_cstr(st, 2, "b@example.vn"), 0);
	assert_int_equal(db_step(st), MC_ECONFLICT);
	/* CHECK */
	assert_int_equal(db_bind_int64(st, 1, 3), 0);
	assert_int_equal(db_bind_int64(st, 3, -1), 0);
	assert_int_equal(db_step(st), MC_ECONFLICT);
	/* NOT NULL */
	assert_int_equal(db_bind_int64(st, 3, 1), 0);
	assert_int_equal(db_bind_null(st, 2), 0);
	assert_int_equal(db_step(st), MC_ECONFLICT);
	/* The statement stays usable after a failure. */
	assert_int_equal(db_bind_cstr(st, 2, "c@example.vn"), 0);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM u"), 2);
	db_close(db);
}

static void test_foreign_keys(void **state)
{
	struct db_stmt *st;
	struct db *db;

	(void)state;
	db = open_memory();
	exec(db, "CREATE TABLE agency (id INTEGER PRIMARY KEY);"
	         "CREATE TABLE service (id INTEGER PRIMARY KEY,"
	         " agency_id INTEGER NOT NULL REFERENCES agency (id));"
	         "INSERT INTO agency VALUES (1)");
	assert_int_equal(db_prepare(db, "INSERT INTO service (id, agency_id) VALUES (?, ?)", &st), 0);
	assert_int_equal(db_bind_int64(st, 1, 1), 0);
	assert_int_equal(db_bind_int64(st, 2, 99), 0);
	assert_int_equal(db_step(st), MC_ECONFLICT);
	assert_non_null(strstr(db_errmsg(db), "FOREIGN KEY"));
	assert_int_equal(db_bind_int64(st, 2, 1), 0);
	assert_int_equal(db_step(st), DB_DONE);

	assert_int_equal(db_prepare(db, "DELETE FROM agency WHERE id = ?", &st), 0);
	assert_int_equal(db_bind_int64(st, 1, 1), 0);
	assert_int_equal(db_step(st), MC_ECONFLICT);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM agency"), 1);
	db_close(db);
}

/* ---- transactions ---- */

static void test_transactions(void **state)
{
	struct db *db;

	(void)state;
	db = open_memory();
	exec(db, "CREATE TABLE t (x INTEGER)");

	assert_int_equal(db_rollback(db), 0); /* nothing open: fine */
	assert_int_equal(db_commit(db), MC_EINVAL);

	assert_int_equal(db_begin(db), 0);
	exec(db, "INSERT INTO t VALUES (1)");
	assert_int_equal(db_begin(db), MC_EINVAL); /* nested */
	assert_non_null(strstr(db_errmsg(db), "already"));
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 0);

	assert_int_equal(db_begin(db), 0);
	exec(db, "INSERT INTO t VALUES (2)");
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 1);

	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 1);

	/* Closing with an open transaction rolls it back (and leaks nothing). */
	assert_int_equal(db_begin(db), 0);
	exec(db, "INSERT INTO t VALUES (3)");
	db_close(db);
}

static void test_busy(void **state)
{
	struct fixture *fx = *state;
	struct db *a, *b;
	struct db_stmt *st;

	a = open_file(fx, "busy.db");
	b = open_file(fx, "busy.db");
	exec(a, "CREATE TABLE t (x INTEGER)");
	assert_int_equal(db_sqlite_set_busy_timeout(b, 50), 0);
	assert_int_equal(db_sqlite_set_busy_timeout(b, -1), MC_EINVAL);
	assert_int_equal(db_sqlite_set_busy_timeout(NULL, 50), MC_EINVAL);

	assert_int_equal(db_begin(a), 0);
	exec(a, "INSERT INTO t VALUES (1)");
	assert_int_equal(db_begin(b), MC_EUNAVAIL);
	assert_non_null(strstr(db_errmsg(b), "locked"));
	/* A plain write outside a transaction waits too, then gives up. */
	assert_int_equal(db_prepare(b, "INSERT INTO t VALUES (?)", &st), 0);
	assert_int_equal(db_bind_int64(st, 1, 2), 0);
	assert_int_equal(db_step(st), MC_EUNAVAIL);
	/* WAL: readers are not blocked by the writer, and see the last commit. */
	assert_int_equal(query_int(b, "SELECT COUNT(*) FROM t"), 0);
	assert_int_equal(db_rollback(b), 0);

	assert_int_equal(db_commit(a), 0);
	assert_int_equal(db_begin(b), 0);
	assert_int_equal(query_int(b, "SELECT COUNT(*) FROM t"), 1);
	assert_int_equal(db_commit(b), 0);
	db_close(b);
	db_close(a);
}

/* ---- migrations ---- */

static void make_migrations_dir(struct fixture *fx, char *dir, size_t dirlen)
{
	path_in(fx, "migrations", dir, dirlen);
	assert_int_equal(mkdir(dir, 0700), 0);
}

static void test_migrate_order(void **state)
{
	struct fixture *fx = *state;
	char dir[512], text[64];
	struct db_stmt *st;
	struct db *db;
	int64_t version = -1;
	int applied = -1, i;
	static const int64_t want[] = { 1, 2, 10 };

	make_migrations_dir(fx, dir, sizeof dir);
	write_file(dir, "0002_second.sql", "INSERT INTO log (n) VALUES (2);\n");
	write_file(dir, "0010_tenth.sql", "INSERT INTO log (n) VALUES (10);\n");
	write_file(dir, "0001_first.sql",
	           "-- the first\nCREATE TABLE log (seq INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n"
	           "INSERT INTO log (n) VALUES (1);\n");
	write_file(dir, "README", "not a migration");
	write_file(dir, "notes.txt", "not a migration either");

	db = open_file(fx, "m.db");
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_int_equal(version, 0);

	assert_int_equal(db_migrate(db, dir, &applied, fx->err, sizeof fx->err), 0);
	assert_int_equal(applied, 3);
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_int_equal(version, 10);

	/* Applied in numeric order, not directory order: 0001 creates the table, then 0002, 0010. */
	assert_int_equal(db_prepare(db, "SELECT n FROM log ORDER BY seq", &st), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(db_step(st), DB_ROW);
		assert_int_equal(db_col_int64(st, 0), want[i]);
	}
	assert_int_equal(db_step(st), DB_DONE);

	/* Recorded with names and UTC timestamps. */
	assert_int_equal(db_prepare(db, "SELECT version, name, applied_at FROM schema_migrations"
	                                " ORDER BY version", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 1);
	assert_string_equal(db_col_text(st, 1, NULL), "first");
	snprintf(text, sizeof text, "%s", db_col_text(st, 2, NULL));
	assert_int_equal(strlen(text), 20); /* 2024-05-01T08:30:00Z */
	assert_int_equal(text[10], 'T');
	assert_int_equal(text[19], 'Z');
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 1, NULL), "second");
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int64(st, 0), 10);
	assert_string_equal(db_col_text(st, 1, NULL), "tenth");
	assert_int_equal(db_step(st), DB_DONE);

	/* A second run applies nothing. */
	assert_int_equal(db_migrate(db, dir, &applied, fx->err, sizeof fx->err), 0);
	assert_int_equal(applied, 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM log"), 3);

	/* A new file is picked up. */
	write_file(dir, "0011_eleventh.sql", "INSERT INTO log (n) VALUES (11);");
	assert_int_equal(db_migrate(db, dir, NULL, fx->err, sizeof fx->err), 0);
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_int_equal(version, 11);
	db_close(db);

	/* Another connection (a restart) sees the same state and applies nothing. */
	db = open_file(fx, "m.db");
	assert_int_equal(db_migrate(db, dir, &applied, fx->err, sizeof fx->err), 0);
	assert_int_equal(applied, 0);
	db_close(db);
}

static void test_migrate_failure(void **state)
{
	struct fixture *fx = *state;
	char dir[512];
	struct db *db;
	int64_t version;
	int applied = -1;

	make_migrations_dir(fx, dir, sizeof dir);
	write_file(dir, "0001_ok.sql", "CREATE TABLE x (v INTEGER);");
	write_file(dir, "0002_broken.sql",
	           "INSERT INTO x VALUES (1);\nCREATE TABLE y (v INTEGER);\n"
	           "INSERT INTO nowhere VALUES (2);\n");
	write_file(dir, "0003_later.sql", "CREATE TABLE z (v INTEGER);");

	db = open_memory();
	assert_int_equal(db_migrate(db, dir, &applied, fx->err, sizeof fx->err), MC_EDB);
	assert_int_equal(applied, 1);
	assert_non_null(strstr(fx->err, "0002_broken.sql"));
	assert_non_null(strstr(fx->err, "nowhere"));
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_int_equal(version, 1);
	/* 0002 left nothing behind; 0003 never ran. */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM x"), 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('y', 'z')"),
	                 0);
	/* No transaction left open. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_rollback(db), 0);

	/* Fixed, the run resumes where it stopped. */
	write_file(dir, "0002_broken.sql", "INSERT INTO x VALUES (1);\nCREATE TABLE y (v INTEGER);\n");
	assert_int_equal(db_migrate(db, dir, &applied, fx->err, sizeof fx->err), 0);
	assert_int_equal(applied, 2);
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_int_equal(version, 3);

	db_close(db);
}

static void test_migrate_out_of_order(void **state)
{
	struct fixture *fx = *state;
	char dir[512];
	struct db *db;
	int64_t version;
	int applied = -1;

	make_migrations_dir(fx, dir, sizeof dir);
	write_file(dir, "0001_a.sql", "CREATE TABLE a (v INTEGER);");
	write_file(dir, "0003_c.sql", "CREATE TABLE c (v INTEGER);");
	db = open_memory();
	assert_int_equal(db_migrate(db, dir, &applied, fx->err, sizeof fx->err), 0);
	assert_int_equal(applied, 2);
	write_file(dir, "0002_b.sql", "CREATE TABLE b (v INTEGER);");
	assert_int_equal(db_migrate(db, dir, &applied, fx->err, sizeof fx->err), MC_EINVAL);
	assert_int_equal(applied, 0);
	assert_non_null(strstr(fx->err, "0002_b.sql"));
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_int_equal(version, 3);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'"), 0);
	db_close(db);
}

static void test_migrate_bad_names(void **state)
{
	static const char *const bad[] = {
		"1_short.sql", "0001-dash.sql", "0001_.sql", "abcd_x.sql", "0000_zero.sql",
		"00001_five.sql", "0001_sp ace.sql", "0001_dot.x.sql", ".sql", "0001_é.sql",
	};
	struct fixture *fx = *state;
	char dir[512], path[600];
	struct db *db;
	int64_t version;
	int applied;
	size_t i;

	make_migrations_dir(fx, dir, sizeof dir);
	write_file(dir, "0001_good.sql", "CREATE TABLE good (v INTEGER);");
	db = open_memory();
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(dir, bad[i], "CREATE TABLE bad (v INTEGER);");
		applied = -1;
		assert_int_equal(db_migrate(db, dir, &applied, fx->err, sizeof fx->err), MC_EINVAL);
		assert_int_equal(applied, 0);
		assert_non_null(strstr(fx->err, bad[i]));
		snprintf(path, sizeof path, "%s/%s", dir, bad[i]);
		assert_int_equal(unlink(path), 0);
	}
	/* Nothing ran, not even the good file. */
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_int_equal(version, 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'good'"), 0);
	db_close(db);
}

static void test_migrate_duplicate(void **state)
{
	struct fixture *fx = *state;
	char dir[512];
	struct db *db;
	int64_t version;

	make_migrations_dir(fx, dir, sizeof dir);
	write_file(dir, "0001_a.sql", "CREATE TABLE a (v INTEGER);");
	write_file(dir, "0002_b.sql", "CREATE TABLE b (v INTEGER);");
	write_file(dir, "0002_c.sql", "CREATE TABLE c (v INTEGER);");
	db = open_memory();
	assert_int_equal(db_migrate(db, dir, NULL, fx->err, sizeof fx->err), MC_EINVAL);
	assert_non_null(strstr(fx->err, "0002_b.sql"));
	assert_non_null(strstr(fx->err, "0002_c.sql"));
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_int_equal(version, 0);
	db_close(db);
}

static void test_migrate_missing_dir(void **state)
{
	struct fixture *fx = *state;
	char dir[512];
	struct db *db;
	int applied = -1;

	path_in(fx, "no-such-folder", dir, sizeof dir);
	db = open_memory();
	assert_int_equal(db_migrate(db, dir, &applied, fx->err, sizeof fx->err), MC_EIO);
	assert_int_equal(applied, 0);
	assert_non_null(strstr(fx->err, "no-such-folder"));
	db_close(db);
}

static void test_migrate_real(void **state)
{
	const char *dir = getenv("MOTCUA_MIGRATIONS_DIR");
	struct fixture *fx = *state;
	char text[256];
	struct db_stmt *st;
	struct db *db;
	int64_t version;
	size_t len;
	int applied = -1;

#ifdef MIGRATIONS_DIR
	if (dir == NULL)
		dir = MIGRATIONS_DIR;
#endif
	if (dir == NULL) {
		skip();
		return;
	}
	db = open_file(fx, "real.db");
	if (db_migrate(db, dir, &applied, fx->err, sizeof fx->err) != 0)
		fail_msg("migrate %s: %s", dir, fx->err);
	assert_true(applied >= 1);
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_true(version >= 1);

	assert_int_equal(db_prepare(db, "SELECT value FROM site_settings WHERE key = ?", &st), 0);
	assert_int_equal(db_bind_cstr(st, 1, "portal_name"), 0);
	assert_int_equal(db_step(st), DB_ROW);
	/* NFC bytes: U+1ED5 U+1ECB U+1EE5 U+00F4 precomposed. */
	assert_string_equal(db_col_text(st, 0, &len),
	                    "C\xe1\xbb\x95ng D\xe1\xbb\x8b" "ch v\xe1\xbb\xa5 c\xc3\xb4ng");
	assert_int_equal(len, strlen("Cổng Dịch vụ công"));
	assert_int_equal(db_step(st), DB_DONE);

	assert_int_equal(db_bind_cstr(st, 1, "agency_name"), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0, NULL), "Ủy ban nhân dân tỉnh");
	db_reset(st);
	assert_int_equal(db_bind_cstr(st, 1, "agency_hours"), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0, NULL),
	                    "Thứ Hai \xe2\x80\x93 Thứ Sáu: 07:30\xe2\x80\x93" "11:30, "
	                    "13:00\xe2\x80\x93" "17:00");
	db_reset(st);
	assert_int_equal(db_bind_cstr(st, 1, "agency_address"), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_false(db_col_is_null(st, 0));
	assert_string_equal(db_col_text(st, 0, NULL), "");
	db_reset(st);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM site_settings"), 6);
	query_text(db, "SELECT MIN(updated_at) FROM site_settings", text, sizeof text);
	assert_string_equal(text, "1970-01-01T00:00:00Z");

	/* Idempotent. */
	assert_int_equal(db_migrate(db, dir, &applied, fx->err, sizeof fx->err), 0);
	assert_int_equal(applied, 0);
	db_close(db);
}

/* A migration that rebuilds a referenced table keeps the rows that reference it (dropping the
 * old table must not cascade), and enforcement is back on afterwards. */
static void test_migrate_rebuild_referenced(void **state)
{
	struct fixture *fx = *state;
	char dir[512];
	struct db *db;
	int64_t version;

	make_migrations_dir(fx, dir, sizeof dir);
	write_file(dir, "0001_tables.sql",
	           "CREATE TABLE parent (id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('a')));\n"
	           "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL "
	           "REFERENCES parent (id) ON DELETE CASCADE);\n"
	           "INSERT INTO parent (id, kind) VALUES (1, 'a'), (2, 'a');\n"
	           "INSERT INTO child (parent_id) VALUES (1), (1), (2);\n");
	db = open_file(fx, "r.db");
	assert_int_equal(db_migrate(db, dir, NULL, fx->err, sizeof fx->err), 0);
	write_file(dir, "0002_widen.sql",
	           "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, kind TEXT NOT NULL "
	           "CHECK (kind IN ('a', 'b')));\n"
	           "INSERT INTO parent_new SELECT id, kind FROM parent;\n"
	           "DROP TABLE parent;\n"
	           "ALTER TABLE parent_new RENAME TO parent;\n"
	           "INSERT INTO parent (id, kind) VALUES (3, 'b');\n");
	if (db_migrate(db, dir, NULL, fx->err, sizeof fx->err) != 0)
		fail_msg("migrate: %s", fx->err);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM child"), 3);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM parent"), 3);
	/* The key points at the new table and is enforced again. */
	assert_int_equal(db_exec_script(db, "INSERT INTO child (parent_id) VALUES (99)"),
	                 MC_ECONFLICT);
	exec(db, "DELETE FROM parent WHERE id = 2");
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM child"), 2);

	/* A migration that leaves a dangling reference is refused and rolled back. */
	write_file(dir, "0003_dangling.sql", "CREATE TABLE extra (v INTEGER);\n"
	                                     "DELETE FROM parent WHERE id = 1;\n");
	assert_int_equal(db_migrate(db, dir, NULL, fx->err, sizeof fx->err), MC_EDB);
	assert_non_null(strstr(fx->err, "0003_dangling.sql"));
	assert_non_null(strstr(fx->err, "child"));
	assert_int_equal(db_schema_version(db, &version), 0);
	assert_int_equal(version, 2);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM parent WHERE id = 1"), 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'extra'"), 0);
	assert_int_equal(db_exec_script(db, "INSERT INTO child (parent_id) VALUES (98)"),
	                 MC_ECONFLICT);
	db_close(db);
}

/* Copy migration 'name' of the real folder into 'dir'. */
static void copy_migration(const char *from, const char *dir, const char *name)
{
	char path[1024], *text;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/%s", from, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	write_file(dir, name, text);
	free(text);
}

/* Upgrading a database of accounts to the catalogue schema (which rebuilds 'accounts') keeps
 * every account, session and token. */
static void test_migrate_real_upgrade(void **state)
{
	const char *real = getenv("MOTCUA_MIGRATIONS_DIR");
	struct fixture *fx = *state;
	char dir[512];
	struct db *db;

#ifdef MIGRATIONS_DIR
	if (real == NULL)
		real = MIGRATIONS_DIR;
#endif
	if (real == NULL) {
		skip();
		return;
	}
	make_migrations_dir(fx, dir, sizeof dir);
	copy_migration(real, dir, "0001_site.sql");
	copy_migration(real, dir, "0002_accounts.sql");
	db = open_file(fx, "up.db");
	if (db_migrate(db, dir, NULL, fx->err, sizeof fx->err) != 0)
		fail_msg("migrate: %s", fx->err);
	exec(db, "INSERT INTO accounts (id, account_type, full_name, email, email_key, phone, "
	         "citizen_id, birth_date, address, password_hash, status, created_at, updated_at) "
	         "VALUES (7, 'citizen', 'Lê Văn C', 'c@example.vn', 'c@example.vn', '0912345678', "
	         "'038090000001', '1990-01-01', 'Thanh Hóa', 'h', 'active', 't', 't');"
	         "INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, last_seen_at, "
	         "expires_at) VALUES ('s1', 7, 'c', 't', 't', 't');"
	         "INSERT INTO account_tokens (account_id, purpose, token_hash, created_at, "
	         "expires_at) VALUES (7, 'reset', 'th', 't', 't');");
	copy_migration(real, dir, "0003_catalog.sql");
	if (db_migrate(db, dir, NULL, fx->err, sizeof fx->err) != 0)
		fail_msg("migrate: %s", fx->err);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM accounts WHERE id = 7"), 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM sessions WHERE account_id = 7"), 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM account_tokens WHERE account_id = 7"),
	                 1);
	/* Deleting the account still cascades to its sessions: the keys follow the new table. */
	exec(db, "DELETE FROM accounts WHERE id = 7");
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM sessions"), 0);
	db_close(db);
}

/* Group commit: deferred syncs on a connection, and shared syncs for many threads. */

/* The injected sync (db_sync_file_inject) of the files "a" and "b": it counts the syncs and
 * stamps each with a tick of one clock shared with the callers; 'synced[f]' is the tick at
 * which the latest finished sync of file f began. */
static atomic_uint_fast64_t ticks, syncs;
static atomic_uint_fast64_t synced[2];

static int counted_sync(const char *path)
{
	uint_fast64_t began = atomic_fetch_add(&ticks, 1) + 1, seen;
	atomic_uint_fast64_t *last = &synced[path[0] == 'b'];
	struct timespec pause = { 0, 200 * 1000 }; /* a disk's pace, so that callers overlap */

	atomic_fetch_add(&syncs, 1);
	nanosleep(&pause, NULL);
	seen = atomic_load(last);
	while (seen < began && !atomic_compare_exchange_weak(last, &seen, began))
		;
	return 0;
}

/* 'arg' is the file: each call must return after a sync of that file that began after it. */
static void *sync_thread(void *arg)
{
	const char *path = arg;

	for (int i = 0; i < 100; i++) {
		uint_fast64_t called = atomic_fetch_add(&ticks, 1) + 1;

		if (db_sync_file(path) != 0 || atomic_load(&synced[path[0] == 'b']) < called)
			return (void *)1;
	}
	return NULL;
}

/* 'paths' names the file of each of the 8 threads; the number of syncs they caused. */
static uint64_t run_sync_threads(const char *const paths[8])
{
	pthread_t threads[8];

	atomic_store(&syncs, 0);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, sync_thread, (void *)paths[i]), 0);
	for (size_t i = 0; i < 8; i++) {
		void *res = (void *)1;

		assert_int_equal(pthread_join(threads[i], &res), 0);
		assert_null(res);
	}
	return atomic_load(&syncs);
}

static void test_sync_group(void **state)
{
	static const char *const one[8] = { "a", "a", "a", "a", "a", "a", "a", "a" };
	static const char *const two[8] = { "a", "b", "a", "b", "a", "b", "a", "b" };
	uint64_t n;

	(void)state;
	db_sync_file_inject(counted_sync);
	/* 800 callers of one file: each sync covers the callers that came together. */
	n = run_sync_threads(one);
	assert_true(n >= 1 && n <= 800 / 2);
	/* Two files: a caller is never covered by a sync of the other file. */
	for (int round = 0; round < 20; round++)
		run_sync_threads(two);
	db_sync_file_inject(NULL);
}

/*
 * A VFS whose files report io methods of version 2 or more and may lack xShmMap, as some VFSes
 * do: the default VFS, with each file's methods table copied into 'shim_methods', which the
 * test then edits.  The files keep the default VFS's layout, so its methods still apply.
 */
static sqlite3_vfs shim_vfs;
static sqlite3_io_methods shim_methods;

static int shim_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags,
                     int *out_flags)
{
	sqlite3_vfs *real = vfs->pAppData;
	int rc = real->xOpen(real, name, f, flags, out_flags);

	if (rc == SQLITE_OK && f->pMethods != NULL && (flags & SQLITE_OPEN_MAIN_DB)) {
		if (shim_methods.iVersion == 0)
			shim_methods = *f->pMethods;
		f->pMethods = &shim_methods;
	}
	return rc;
}

/* Without xShmMap the generation falls back to the pragma instead of calling NULL. */
static void test_generation_without_shm_map(void **state)
{
	struct fixture *fx = *state;
	sqlite3_vfs *real = sqlite3_vfs_find(NULL);
	unsigned char gen[DB_GEN_SIZE], tail[DB_GEN_SIZE - 16];
	int (*shm_map)(sqlite3_file *, int, int, int, void volatile **);
	struct db *db;

	assert_non_null(real);
	shim_vfs = *real;
	shim_vfs.zName = "motcua-test-shim";
	shim_vfs.pAppData = real;
	shim_vfs.xOpen = shim_open;
	assert_int_equal(sqlite3_vfs_register(&shim_vfs, 1), SQLITE_OK);
	db = open_file(fx, "shim.db");
	/* SQLite maps the WAL index itself while the methods have xShmMap. */
	exec(db, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)");
	assert_int_equal(shim_methods.iVersion >= 2, 1);
	shm_map = shim_methods.xShmMap;
	shim_methods.xShmMap = NULL;
	assert_int_equal(db->ops->generation(db, gen), 0);
	memset(tail, 0xff, sizeof tail);
	assert_memory_equal(gen + 16, tail, sizeof tail); /* the pragma's form */
	shim_methods.xShmMap = shm_map;
	/* With xShmMap back, the WAL-index header answers. */
	assert_int_equal(db->ops->generation(db, gen), 0);
	assert_memory_not_equal(gen + 16, tail, sizeof tail);
	db_close(db);
	assert_int_equal(sqlite3_vfs_unregister(&shim_vfs), SQLITE_OK);
}

static void test_defer_sync(void **state)
{
	struct fixture *fx = *state;
	char target[600], path[512];
	struct db *db = open_file(fx, "group.db"), *mem = open_memory();

	exec(db, "CREATE TABLE t (x INTEGER)");
	assert_int_equal(db_defer_sync(db, 1, NULL, 0), 0);
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 1); /* NORMAL: no sync per commit */
	exec(db, "INSERT INTO t VALUES (1)");
	/* Not inside a transaction. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_defer_sync(db, 0, target, sizeof target), MC_EINVAL);
	assert_int_equal(db_rollback(db), 0);
	/* Too small a buffer: still back to waiting commits. */
	assert_int_equal(db_defer_sync(db, 0, target, 8), MC_EINVAL);
	assert_string_equal(target, "");
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 2);
	assert_int_equal(db_defer_sync(db, 0, target, sizeof target), 0);
	path_in(fx, "group.db-wal", path, sizeof path);
	assert_string_equal(target, path);
	assert_int_equal(db_sync_file(target), 0);
	assert_int_equal(db_sync_file("/nonexistent/motcua.db-wal"), MC_EIO);
	assert_int_equal(db_sync_file(""), MC_EINVAL);
	/* In memory there is nothing to sync. */
	assert_int_equal(db_defer_sync(mem, 1, NULL, 0), 0);
	assert_int_equal(db_defer_sync(mem, 0, target, sizeof target), 0);
	assert_string_equal(target, "");
	db_close(mem);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_file_pragmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defer_sync, setup, teardown),
		cmocka_unit_test(test_sync_group),
		cmocka_unit_test_setup_teardown(test_generation_without_shm_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_bad_url, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_unwritable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_constraints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_missing_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_real, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_rebuild_referenced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_real_upgrade, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
