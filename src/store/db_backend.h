/* db_backend.h: what a storage backend provides to the db.h facade (private to src/store/). */
#ifndef MC_DB_BACKEND_H
#define MC_DB_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

struct db_backend_ops;

/* The size of a generation (the generation operation below). */
#define DB_GEN_SIZE 48

enum db_schema_phase { DB_SCHEMA_BEFORE, DB_SCHEMA_CHECK, DB_SCHEMA_AFTER };

/*
 * One connection: the backend that serves it and that backend's own state.  The facade only
 * dispatches; everything dialect-specific stays behind 'ops'.
 */
struct db {
	const struct db_backend_ops *ops;
	void *conn;
	struct db_memo *memo; /* db_memo_*: NULL until the first put */
};

/*
 * The facade's view of a prepared statement.  A backend embeds it as the first member of its own
 * statement record so that db_bind_*, db_step and db_col_* can find the connection (and thus the
 * backend) from the statement alone.
 */
struct db_stmt {
	struct db *db;
};

/*
 * A backend's operations.  Each has the contract of the db.h function of the same name, minus
 * the argument checks the facade already made (no NULL db or statement reaches a backend).
 */
struct db_backend_ops {
	const char *name;

	/* Open 'target' (the URL without its "scheme:" prefix) and set db->conn.  On failure
	 * db->conn is left NULL and a message is written to err. */
	int (*open)(struct db *db, const char *target, char *err, size_t errlen);
	void (*close)(struct db *db);
	const char *(*errmsg)(struct db *db);

	int (*prepare)(struct db *db, const char *sql, struct db_stmt **out);
	int (*bind_int64)(struct db_stmt *st, int idx, int64_t v);
	int (*bind_text)(struct db_stmt *st, int idx, const char *s, size_t len);
	int (*bind_blob)(struct db_stmt *st, int idx, const void *p, size_t len);
	int (*bind_null)(struct db_stmt *st, int idx);
	int (*step)(struct db_stmt *st);
	void (*reset)(struct db_stmt *st);

	int64_t (*col_int64)(struct db_stmt *st, int col);
	const char *(*col_text)(struct db_stmt *st, int col, size_t *len);
	const void *(*col_blob)(struct db_stmt *st, int col, size_t *len);
	int (*col_is_null)(struct db_stmt *st, int col);

	int64_t (*last_id)(struct db *db);
	int64_t (*changes)(struct db *db);

	int (*begin)(struct db *db);
	int (*commit)(struct db *db);
	int (*rollback)(struct db *db);
	int (*exec_script)(struct db *db, const char *sql);

	/* *exists = 1 when a table named 'name' exists in the connected database, else 0.  Asking
	 * the catalogue is dialect-specific (sqlite_schema, pg_catalog), hence a backend call. */
	int (*table_exists)(struct db *db, const char *name, int *exists);

	/* See db_defer_sync.  May be NULL (a backend whose commits are always synchronous). */
	int (*defer_sync)(struct db *db, int on, char *target, size_t cap);

	/* DB_GEN_SIZE bytes that change whenever anything is committed to the database, by this
	 * connection or any other, in any process (db_memo_get's check).  MC_EINVAL inside a
	 * transaction; MC_ECONFLICT when a commit was under way.  May be NULL: a backend that
	 * cannot tell keeps no memo. */
	int (*generation)(struct db *db, unsigned char gen[DB_GEN_SIZE]);

	/* Called around each migration: before its transaction, before its commit (MC_EDB when the
	 * changed schema breaks a reference), and after it ended either way.  May be NULL. */
	int (*schema_change)(struct db *db, enum db_schema_phase phase);
};

/* The SQLite backend (db_sqlite.c), for URLs "sqlite:...". */
extern const struct db_backend_ops db_sqlite_ops;

/*
 * Test hook: set the busy timeout of a SQLite connection to 'ms' milliseconds (the default is
 * 5000), so that tests of MC_EUNAVAIL need not wait.  MC_EINVAL: not a SQLite connection or a
 * negative timeout.
 */
int db_sqlite_set_busy_timeout(struct db *db, int ms);

#endif
