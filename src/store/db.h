/* db.h: the one storage facade.  SQLite now; PostgreSQL behind the same calls later. */
#ifndef MC_DB_H
#define MC_DB_H

#include <stddef.h>
#include <stdint.h>

/*
 * SQL given to this facade is portable: '?' placeholders (the PostgreSQL backend rewrites them
 * to $n), no dialect-specific functions.  Values are only ever bound, never pasted into SQL.
 * A 'struct db' is one connection and belongs to one thread; each thread opens its own.
 */
struct db;
struct db_stmt;

/* Step results (non-negative); errors are negative mc_err values. */
enum { DB_DONE = 0, DB_ROW = 1 };

/*
 * Open a connection to 'url': "sqlite:/path/to/file.db" (the file and its folder must be
 * writable; the file is created when missing) or "sqlite::memory:" for tests.  SQLite is set to
 * WAL journal, foreign keys on, a 5 s busy timeout, synchronous=NORMAL.  MC_EINVAL: unknown
 * scheme (message in err); MC_EDB: cannot open (message in err).  Close with db_close.
 */
int db_open(const char *url, struct db **out, char *err, size_t errlen);

/* Close the connection and finalise every statement it prepared.  NULL allowed. */
void db_close(struct db *db);

/* The last error message of this connection, for logs.  Static until the next call. */
const char *db_errmsg(struct db *db);

/*
 * Prepare 'sql' (one statement).  Statements are cached per connection by their SQL text, so
 * handlers may call this on every request; the returned statement is reset and its bindings
 * cleared, ready to bind.  The connection owns it: do not finalise it.  Because the same text
 * gives back the same statement, do not prepare a query again while still reading its rows (a
 * nested loop needs two different SQL texts).  MC_EDB on a bad statement, an empty one or more
 * than one (message via db_errmsg); MC_ENOMEM.
 */
int db_prepare(struct db *db, const char *sql, struct db_stmt **out);

/* Bind parameter 'idx' (1-based).  MC_EDB on failure (bad index).  Text and blobs are copied.
 * 's' / 'p' may be NULL only with len 0, which binds an empty (not NULL) value. */
int db_bind_int64(struct db_stmt *st, int idx, int64_t v);
int db_bind_text(struct db_stmt *st, int idx, const char *s, size_t len);
int db_bind_cstr(struct db_stmt *st, int idx, const char *s); /* NULL binds SQL NULL */
int db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len);
int db_bind_null(struct db_stmt *st, int idx);

/*
 * Run one step.  DB_ROW: a row is available through db_col_*; DB_DONE: finished (the statement
 * is reset automatically and may be rebound).  MC_ECONFLICT: a UNIQUE/PRIMARY KEY/FOREIGN KEY/
 * CHECK constraint failed; MC_EUNAVAIL: the database stayed busy past the timeout; MC_EDB: other
 * failure.
 */
int db_step(struct db_stmt *st);

/* Run a statement that returns no rows it matters to read (INSERT, UPDATE, DELETE): one step; a
 * row, if any, is discarded and the statement reset.  0, or the error of db_step. */
int db_step_done(struct db_stmt *st);

/*
 * Group commit.  A commit normally waits for the disk (SQLite: synchronous=FULL, one fsync per
 * transaction, on the calling thread, which is an event loop's).  db_defer_sync(db, 1) makes the
 * connection's next commits leave their writes in the operating system's cache instead;
 * db_defer_sync(db, 0, target, cap) restores waiting and writes to target[0..cap) the file to
 * sync ("" when nothing needs it: another backend, or an in-memory database).  Call both outside
 * a transaction.  Until db_sync_file(target) returned 0, on a worker thread, nothing of what
 * those commits wrote may be acknowledged: after a power cut it may be gone (never half there:
 * the database stays consistent).  0; MC_EINVAL (inside a transaction; cap too small);
 * MC_EDB.
 */
int db_defer_sync(struct db *db, int on, char *target, size_t cap);

/*
 * fdatasync 'path', shared by the callers that arrive together: a call returns once a sync of
 * the file that began after the call did has finished, so N concurrent callers cost about two
 * syncs, not N.  Thread-safe; blocking: never on an event loop.  0, or MC_EIO with errno kept.
 */
int db_sync_file(const char *path);

/*
 * For tests (counting syncs, injecting a failure or a delay): db_sync_file calls fn(path) in
 * place of opening and syncing the file, and returns what it returns; NULL restores the real
 * sync.  Set it while no db_sync_file runs.
 */
void db_sync_file_inject(int (*fn)(const char *path));

/*
 * Prepare the one-parameter query 'sql', bind 'id' to its '?' and step to its first row: 0 with
 * *out on that row (read it with db_col_*, then db_reset it); MC_ENOTFOUND: no row; the errors
 * of db_prepare and db_step.  The common "load the record with this id".
 */
int db_row_by_id(struct db *db, const char *sql, int64_t id, struct db_stmt **out);

/*
 * Run the one-parameter query 'sql' with 'arg' bound to its '?' and read column 0 of its first
 * row as an integer into *out (the statement is reset after).  The common "how many" and "which
 * id" lookups.  MC_ENOTFOUND: no row (*out untouched); the errors of db_prepare and db_step.
 */
int db_get_int64(struct db *db, const char *sql, int64_t arg, int64_t *out);

/* Reset a statement early (before DB_DONE) so its locks are released. */
void db_reset(struct db_stmt *st);

/* Column accessors for the current row (0-based).  Text is NUL-terminated and valid until the
 * next step or reset; NULL columns read as 0 / NULL with length 0, while empty text and empty
 * blobs read as a non-NULL pointer with length 0. */
int64_t db_col_int64(struct db_stmt *st, int col);
const char *db_col_text(struct db_stmt *st, int col, size_t *len);
const void *db_col_blob(struct db_stmt *st, int col, size_t *len);
int db_col_is_null(struct db_stmt *st, int col);

/* Copy text column 'col' into dst (cap bytes, NUL-terminated, cut at cap - 1 bytes); NULL
 * copies as "".  Returns the column's full length. */
size_t db_col_copy(struct db_stmt *st, int col, char *dst, size_t cap);

/* The rowid / serial of the last INSERT on this connection. */
int64_t db_last_id(struct db *db);

/* Number of rows changed by the last statement. */
int64_t db_changes(struct db *db);

/* Transactions.  db_begin starts an immediate (write) transaction: MC_EUNAVAIL when another
 * connection keeps the write lock past the busy timeout.  Nesting is refused with MC_EINVAL, and
 * so is db_commit without a transaction.  When db_commit fails the transaction may still be
 * open: call db_rollback.  db_rollback is safe to call when no transaction is open. */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);

/* Run SQL text that takes no parameters, possibly several statements (migrations only).  Errors
 * as db_step; on failure the statements before the failing one stay done (use a transaction). */
int db_exec_script(struct db *db, const char *sql);

/* Check that the database answers (SELECT 1).  0 or MC_EDB. */
int db_ping(struct db *db);

/*
 * Apply the numbered migrations in folder 'dir' (files 'NNNN_name.sql', applied in numeric
 * order) that are newer than the recorded schema version, each in its own transaction together
 * with its row in the version table (schema_migrations: version; name, the part between "NNNN_"
 * and ".sql"; applied_at, UTC ISO-8601).  Stops at the first failure, leaving earlier ones
 * applied.  *applied (may be NULL) receives how many were applied.  Files not ending in ".sql"
 * are ignored; every name is checked before anything runs.  A migration file must not BEGIN or
 * COMMIT itself.  MC_EIO: folder or file unreadable; MC_EINVAL: a badly named or
 * duplicate-numbered file, or an unapplied file numbered below the schema version (message in
 * err); MC_EDB: a migration failed (file and message in err); MC_EUNAVAIL: the database stayed
 * locked by another process.
 */
int db_migrate(struct db *db, const char *dir, int *applied, char *err, size_t errlen);

/* The highest applied migration number (0 when none).  MC_EDB on failure. */
int db_schema_version(struct db *db, int64_t *version);

/*
 * Memo: values derived from the database, kept per connection and exact by construction.  An
 * entry is returned only while nothing has been committed to the database since it was read:
 * by this connection, by another one of this process, or by another process (the command line,
 * sqlite3).  Any commit empties the whole memo, so a memo suits what is read far more often
 * than anything is written; it is never a substitute for reading inside a transaction.  Each
 * call below first checks the database's generation (SQLite: 48 bytes of shared memory, no
 * system call).
 *
 * db_memo_epoch: take it before reading what is to be stored (0: the memo cannot work now).
 *
 * db_memo_get: the value stored under 'key', or NULL (a miss: nothing stored, a commit since,
 * a transaction open, or a backend that cannot tell).  The pointer stays valid until the next
 * db_memo_* call on this connection: copy what is needed, or take a reference, first.
 *
 * db_memo_put: store 'value', read after db_memo_epoch returned 'since', under 'key' (at most
 * DB_MEMO_KEY_MAX bytes), to be released with 'drop' (may be NULL) when replaced or emptied;
 * 'size' is what it weighs in memory.  When anything was committed since 'since' was taken, or
 * a transaction is open, nothing is stored and MC_ECONFLICT returned; MC_EINVAL: a bad key;
 * MC_ETOOBIG: the memo's entries would weigh more than DB_MEMO_BYTES_MAX; MC_ENOMEM.  Whenever
 * the value is not stored it is dropped at once.  The memo holds at most DB_MEMO_SLOTS
 * entries: a new key may replace another.
 *
 * db_memo_free (db_close calls it): empty the memo and release it.
 */
#define DB_MEMO_SLOTS     256
#define DB_MEMO_KEY_MAX   255
#define DB_MEMO_BYTES_MAX (4u << 20) /* per connection: 4 MiB */
uint64_t db_memo_epoch(struct db *db);
void *db_memo_get(struct db *db, const char *key);
int db_memo_put(struct db *db, const char *key, uint64_t since, void *value, size_t size,
                void (*drop)(void *value));
void db_memo_free(struct db *db);

/* Which backend this is: "sqlite" (later "postgresql"). */
const char *db_backend(const struct db *db);

#endif
