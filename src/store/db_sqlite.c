/* db_sqlite.c: the SQLite backend of the db.h facade. */
#include "store/db_backend.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"

#define SQLITE_BUSY_TIMEOUT_MS 5000 /* db.h promises 5 s */
#define CACHE_INITIAL_BUCKETS 32    /* grows by doubling when the chains get long */

/*
 * One cached statement.  The cache key is the SQL text itself (compared as a string: callers
 * may pass the same SQL from different buffers).  The facade's 'base' comes first, so a
 * 'struct db_stmt *' handed out converts back to this record.
 */
struct sqlite_stmt {
	struct db_stmt base;
	struct sqlite_stmt *next; /* bucket chain */
	uint64_t hash;
	sqlite3_stmt *handle;
	char sql[];
};

/*
 * One connection with its statement cache.  The cache is never trimmed: SQL reaching db_prepare
 * is constant text in the program (values are bound, never pasted), so the set of distinct
 * statements is bounded by the code, and callers may hold statement pointers indefinitely.
 */
struct sqlite_conn {
	sqlite3 *handle;
	struct sqlite_stmt **buckets;
	size_t nbuckets;
	size_t count;
	int busy_ms;   /* how long to wait for the write lock */
	int writer;    /* this connection holds the process's writer lock */
	char msg[512]; /* last error, for db_errmsg */
	sqlite3_file *shm_file;       /* sqlite_generation: the database file, once its WAL index */
	const void volatile *shm;     /* is mapped, and the index's first region */
};

/*
 * Writers of this process take turns on a mutex before SQLite's own write lock.  SQLite's busy
 * handler waits by sleeping (1, 2, 5, 10 ... 100 ms), and a sleeping event-loop thread answers
 * nobody; a mutex wakes the next writer the moment the lock is free.  Other processes still
 * meet SQLite's busy handler.
 */
static pthread_mutex_t writer_mutex = PTHREAD_MUTEX_INITIALIZER;

static int writer_lock(struct sqlite_conn *c)
{
	struct timespec until;

	if (c->writer)
		return 0;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += c->busy_ms / 1000;
	until.tv_nsec += (long)(c->busy_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (pthread_mutex_timedlock(&writer_mutex, &until) != 0)
		return MC_EUNAVAIL;
	c->writer = 1;
	return 0;
}

static void writer_unlock(struct sqlite_conn *c)
{
	if (c->writer) {
		c->writer = 0;
		pthread_mutex_unlock(&writer_mutex);
	}
}

/* An empty, non-NULL value for zero-length text and blobs, so that NULL always means SQL NULL. */
static const char empty_value[1];

static struct sqlite_conn *conn_of(struct db *db)
{
	return db->conn;
}

static struct sqlite_stmt *stmt_of(struct db_stmt *st)
{
	return (struct sqlite_stmt *)st;
}

static int map_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return MC_ECONFLICT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return MC_EUNAVAIL;
	default:
		return MC_EDB;
	}
}

/* Record the connection's current SQLite message and map 'rc' to the project's codes. */
static int fail(struct sqlite_conn *c, int rc)
{
	snprintf(c->msg, sizeof c->msg, "%s", sqlite3_errmsg(c->handle));
	return map_code(rc);
}

/* Record a message of our own and return 'code'. */
static int fail_text(struct sqlite_conn *c, int code, const char *text)
{
	snprintf(c->msg, sizeof c->msg, "%s", text);
	return code;
}

/* FNV-1a: short SQL strings, no adversary (the keys are the program's own text). */
static uint64_t hash_sql(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3u;
	}
	return h;
}

static struct sqlite_stmt *cache_find(const struct sqlite_conn *c, const char *sql, uint64_t hash)
{
	struct sqlite_stmt *e;

	for (e = c->buckets[hash % c->nbuckets]; e != NULL; e = e->next)
		if (e->hash == hash && strcmp(e->sql, sql) == 0)
			return e;
	return NULL;
}

/* Double the bucket array.  On allocation failure the old table stays (longer chains only). */
static void cache_grow(struct sqlite_conn *c)
{
	struct sqlite_stmt **buckets, *e, *next;
	size_t n, i;

	if (c->nbuckets > SIZE_MAX / 2 / sizeof *buckets)
		return;
	n = c->nbuckets * 2;
	buckets = calloc(n, sizeof *buckets);
	if (buckets == NULL)
		return;
	for (i = 0; i < c->nbuckets; i++) {
		for (e = c->buckets[i]; e != NULL; e = next) {
			next = e->next;
			e->next = buckets[e->hash % n];
			buckets[e->hash % n] = e;
		}
	}
	free(c->buckets);
	c->buckets = buckets;
	c->nbuckets = n;
}

static void conn_free(struct sqlite_conn *c)
{
	struct sqlite_stmt *e, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; c->buckets != NULL && i < c->nbuckets; i++) {
		for (e = c->buckets[i]; e != NULL; e = next) {
			next = e->next;
			sqlite3_finalize(e->handle);
			free(e);
		}
	}
	free(c->buckets);
	/* Every statement is finalised, so this closes now (an open transaction is rolled back). */
	sqlite3_close_v2(c->handle);
	free(c);
}

/* Switch to WAL and check that it took: PRAGMA journal_mode answers with the mode in force. */
static int set_wal(struct sqlite_conn *c, int memory, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	int rc;

	rc = sqlite3_prepare_v2(c->handle, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		mc_errf(err, errlen, "cannot set WAL journal on %s: %s", path, sqlite3_errmsg(c->handle));
		rc = map_code(rc);
		goto out;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	/* An in-memory database has no journal file and keeps mode "memory". */
	if (mode == NULL || strcmp(mode, memory ? "memory" : "wal") != 0) {
		mc_errf(err, errlen, "cannot set WAL journal on %s: journal mode stays %s", path,
		     mode != NULL ? mode : "unknown");
		rc = MC_EDB;
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int sqlite_open(struct db *db, const char *target, char *err, size_t errlen)
{
	const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
	                  SQLITE_OPEN_EXRESCODE;
	struct sqlite_conn *c;
	int memory = strcmp(target, ":memory:") == 0;
	int rc, sys;

	c = calloc(1, sizeof *c);
	if (c == NULL) {
		mc_errf(err, errlen, "out of memory");
		rc = MC_ENOMEM;
		goto out;
	}
	c->nbuckets = CACHE_INITIAL_BUCKETS;
	c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
	if (c->buckets == NULL) {
		mc_errf(err, errlen, "out of memory");
		rc = MC_ENOMEM;
		goto out;
	}
	rc = sqlite3_open_v2(target, &c->handle, flags, NULL);
	if (rc != SQLITE_OK) {
		sys = c->handle != NULL ? sqlite3_system_errno(c->handle) : 0;
		mc_errf(err, errlen, "cannot open database %s: %s%s%s%s", target,
		     c->handle != NULL ? sqlite3_errmsg(c->handle) : sqlite3_errstr(rc),
		     sys ? " (" : "", sys ? strerror(sys) : "", sys ? ")" : "");
		rc = rc == SQLITE_NOMEM ? MC_ENOMEM : MC_EDB;
		goto out;
	}
	/* SQLite quietly falls back to read-only when the file is write-protected. */
	if (sqlite3_db_readonly(c->handle, "main") == 1) {
		mc_errf(err, errlen, "cannot open database %s: the file is read-only", target);
		rc = MC_EDB;
		goto out;
	}
	/*
	 * Defensive mode forbids schema-corrupting pragmas; refusing "double-quoted strings" keeps
	 * SQLite as strict as PostgreSQL, where "x" is always an identifier.
	 */
	sqlite3_db_config(c->handle, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(c->handle, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
	sqlite3_db_config(c->handle, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
	sqlite3_busy_timeout(c->handle, SQLITE_BUSY_TIMEOUT_MS);
	c->busy_ms = SQLITE_BUSY_TIMEOUT_MS;
	rc = set_wal(c, memory, target, err, errlen);
	if (rc != 0)
		goto out;
	/* synchronous=FULL: in WAL mode every commit is fsync'ed before it returns, so what the
	 * portal acknowledges (a dossier, an account) survives a power cut, not only a crash of the
	 * process.  NORMAL would leave the last commits in the page cache until a checkpoint. */
	rc = sqlite3_exec(c->handle, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL", NULL, NULL,
	                  NULL);
	if (rc != SQLITE_OK) {
		mc_errf(err, errlen, "cannot configure database %s: %s", target,
		     sqlite3_errmsg(c->handle));
		rc = map_code(rc);
		goto out;
	}
	db->conn = c;
	c = NULL;
	rc = 0;
out:
	conn_free(c);
	return rc;
}

static void sqlite_close(struct db *db)
{
	if (conn_of(db) != NULL)
		writer_unlock(conn_of(db));
	conn_free(conn_of(db));
	db->conn = NULL;
}

static const char *sqlite_errmsg(struct db *db)
{
	return conn_of(db)->msg;
}

static int sqlite_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct sqlite_conn *c = conn_of(db);
	struct sqlite_stmt *e = NULL;
	sqlite3_stmt *handle = NULL;
	const char *tail = NULL;
	uint64_t hash = hash_sql(sql);
	size_t len;
	int rc;

	*out = NULL;
	e = cache_find(c, sql, hash);
	if (e != NULL) {
		sqlite3_reset(e->handle);
		sqlite3_clear_bindings(e->handle);
		*out = &e->base;
		e = NULL;
		rc = 0;
		goto out;
	}
	rc = sqlite3_prepare_v3(c->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &handle, &tail);
	if (rc != SQLITE_OK) {
		fail(c, rc);
		rc = MC_EDB;
		goto out;
	}
	if (handle == NULL) {
		rc = fail_text(c, MC_EDB, "empty statement");
		goto out;
	}
	/* One statement only: anything after it would be silently ignored by SQLite. */
	while (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';')
		tail++;
	if (*tail != '\0') {
		rc = fail_text(c, MC_EDB, "more than one statement");
		goto out;
	}
	len = strlen(sql);
	e = malloc(sizeof *e + len + 1);
	if (e == NULL) {
		rc = fail_text(c, MC_ENOMEM, "out of memory");
		goto out;
	}
	if (c->count >= c->nbuckets)
		cache_grow(c);
	e->base.db = db;
	e->hash = hash;
	e->handle = handle;
	memcpy(e->sql, sql, len + 1);
	e->next = c->buckets[hash % c->nbuckets];
	c->buckets[hash % c->nbuckets] = e;
	c->count++;
	handle = NULL;
	*out = &e->base;
	e = NULL;
	rc = 0;
out:
	sqlite3_finalize(handle);
	free(e);
	return rc;
}

static int bind_result(struct db_stmt *st, int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	fail(conn_of(st->db), rc);
	return MC_EDB;
}

static int sqlite_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	return bind_result(st, sqlite3_bind_int64(stmt_of(st)->handle, idx, v));
}

static int sqlite_bind_text(struct db_stmt *st, int idx, const char *s, size_t len)
{
	if (s == NULL)
		s = empty_value;
	return bind_result(st, sqlite3_bind_text64(stmt_of(st)->handle, idx, s, len,
	                                           SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int sqlite_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len)
{
	/* A NULL pointer would bind SQL NULL; an empty blob is a value. */
	if (len == 0)
		return bind_result(st, sqlite3_bind_zeroblob(stmt_of(st)->handle, idx, 0));
	return bind_result(st, sqlite3_bind_blob64(stmt_of(st)->handle, idx, p, len,
	                                           SQLITE_TRANSIENT));
}

static int sqlite_bind_null(struct db_stmt *st, int idx)
{
	return bind_result(st, sqlite3_bind_null(stmt_of(st)->handle, idx));
}

static int sqlite_step(struct db_stmt *st)
{
	struct sqlite_conn *c = conn_of(st->db);
	sqlite3_stmt *h = stmt_of(st)->handle;
	int rc, lone_write = 0;

	/* A write outside a transaction takes the writer lock for its own duration. */
	if (!c->writer && sqlite3_get_autocommit(c->handle) && !sqlite3_stmt_readonly(h)) {
		if (writer_lock(c) != 0)
			return fail_text(c, MC_EUNAVAIL, "database is locked: another writer holds it");
		lone_write = 1;
	}
	rc = sqlite3_step(h);
	if (rc == SQLITE_ROW)
		return DB_ROW; /* a lone write returning rows keeps the lock until its reset */
	if (rc == SQLITE_DONE) {
		sqlite3_reset(h);
		if (lone_write || sqlite3_get_autocommit(c->handle))
			writer_unlock(c);
		return DB_DONE;
	}
	rc = fail(c, rc);
	/* Release the statement's locks; the message is already kept. */
	sqlite3_reset(h);
	if (sqlite3_get_autocommit(c->handle))
		writer_unlock(c);
	return rc;
}

static void sqlite_reset(struct db_stmt *st)
{
	struct sqlite_conn *c = conn_of(st->db);

	sqlite3_reset(stmt_of(st)->handle);
	if (sqlite3_get_autocommit(c->handle))
		writer_unlock(c);
}

static int64_t sqlite_col_int64(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(stmt_of(st)->handle, col);
}

static const char *sqlite_col_text(struct db_stmt *st, int col, size_t *len)
{
	sqlite3_stmt *h = stmt_of(st)->handle;
	const char *t = NULL;
	size_t n = 0;

	if (sqlite3_column_type(h, col) != SQLITE_NULL) {
		t = (const char *)sqlite3_column_text(h, col);
		n = (size_t)sqlite3_column_bytes(h, col);
		if (t == NULL) {
			/* Zero length (or out of memory converting, which reads as empty). */
			t = empty_value;
			n = 0;
		}
	}
	if (len != NULL)
		*len = n;
	return t;
}

static const void *sqlite_col_blob(struct db_stmt *st, int col, size_t *len)
{
	sqlite3_stmt *h = stmt_of(st)->handle;
	const void *p = NULL;
	size_t n = 0;

	if (sqlite3_column_type(h, col) != SQLITE_NULL) {
		p = sqlite3_column_blob(h, col);
		n = (size_t)sqlite3_column_bytes(h, col);
		if (p == NULL) {
			p = empty_value;
			n = 0;
		}
	}
	if (len != NULL)
		*len = n;
	return p;
}

static int sqlite_col_is_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(stmt_of(st)->handle, col) == SQLITE_NULL;
}

static int64_t sqlite_last_id(struct db *db)
{
	return sqlite3_last_insert_rowid(conn_of(db)->handle);
}

static int64_t sqlite_changes(struct db *db)
{
	return sqlite3_changes64(conn_of(db)->handle);
}

/*
 * The generation: the header of the WAL index, the shared memory every connection to the
 * database (of any process) reads and writes under SQLite's WAL protocol.  A commit appends
 * frames and rewrites the header (mxFrame, the frame checksums; a restarted WAL gets new salts),
 * and no commit is visible to a reader before that, so while the 48 header bytes stay the same
 * nothing was committed.  The header layout is SQLite's file format (walformat.html, "The
 * WAL-Index Header"), fixed because connections of different SQLite versions share it.
 *
 * The header is read as SQLite's own readers read it, without a lock: its two copies, with a
 * memory barrier between, must agree (a writer writes the second, then the first).  That costs
 * no system call, where starting a read transaction (PRAGMA data_version) takes POSIX locks
 * that the event-loop threads contend for.  Until the connection has mapped the index (before
 * its first read), or when its VFS cannot map it (no xShmMap, even at iVersion 2), the pragma
 * answers instead, with the connection's own change count.
 */
#define WAL_HDR_SIZE 48

static int sqlite_generation(struct db *db, unsigned char gen[DB_GEN_SIZE])
{
	struct sqlite_conn *c = conn_of(db);
	unsigned char copy[WAL_HDR_SIZE];
	struct db_stmt *st;
	int64_t v[2];
	int rc;

	if (!sqlite3_get_autocommit(c->handle))
		return MC_EINVAL;
	if (c->shm_file == NULL) {
		sqlite3_file *f = NULL;
		void volatile *region = NULL;

		if (sqlite3_file_control(c->handle, "main", SQLITE_FCNTL_FILE_POINTER, &f) ==
		            SQLITE_OK &&
		    f != NULL && f->pMethods != NULL && f->pMethods->iVersion >= 2 &&
		    f->pMethods->xShmMap != NULL && f->pMethods->xShmBarrier != NULL &&
		    f->pMethods->xShmMap(f, 0, 32768, 0, &region) == SQLITE_OK && region != NULL) {
			c->shm_file = f;
			c->shm = region;
		}
	}
	if (c->shm != NULL) {
		memcpy(gen, (const void *)c->shm, WAL_HDR_SIZE);
		c->shm_file->pMethods->xShmBarrier(c->shm_file);
		memcpy(copy, (const unsigned char *)c->shm + WAL_HDR_SIZE, WAL_HDR_SIZE);
		/* A writer between the two copies: call it a change. */
		return memcmp(gen, copy, WAL_HDR_SIZE) == 0 ? 0 : MC_ECONFLICT;
	}
	if ((rc = sqlite_prepare(db, "PRAGMA data_version", &st)) != 0)
		return rc;
	rc = sqlite_step(st);
	if (rc != DB_ROW) {
		sqlite_reset(st);
		return rc < 0 ? rc : MC_EDB;
	}
	v[0] = sqlite_col_int64(st, 0);
	sqlite_reset(st);
	v[1] = sqlite3_total_changes64(c->handle);
	memset(gen, 0xff, DB_GEN_SIZE); /* never a WAL header: its version field is 3007000 */
	memcpy(gen, v, sizeof(v));
	return 0;
}

/* Run a parameterless statement from the cache to completion. */
static int run_simple(struct db *db, const char *sql)
{
	struct db_stmt *st;
	int rc;

	rc = sqlite_prepare(db, sql, &st);
	if (rc != 0)
		goto out;
	rc = sqlite_step(st);
	if (rc == DB_ROW) {
		sqlite_reset(st);
		rc = 0;
	}
out:
	return rc;
}

static int sqlite_begin(struct db *db)
{
	struct sqlite_conn *c = conn_of(db);
	int rc;

	if (!sqlite3_get_autocommit(c->handle))
		return fail_text(c, MC_EINVAL, "a transaction is already open");
	/* IMMEDIATE takes the write lock now, so a busy database shows here and not mid-way. */
	if (writer_lock(c) != 0)
		return fail_text(c, MC_EUNAVAIL, "database is locked: another writer holds it");
	rc = run_simple(db, "BEGIN IMMEDIATE");
	if (rc != 0)
		writer_unlock(c);
	return rc;
}

static int sqlite_commit(struct db *db)
{
	struct sqlite_conn *c = conn_of(db);

	if (sqlite3_get_autocommit(c->handle))
		return fail_text(c, MC_EINVAL, "no transaction is open");
	return run_simple(db, "COMMIT");
}

/* synchronous=NORMAL in WAL mode: a commit writes the WAL without syncing it; the caller syncs
 * the WAL file itself (db_sync_file), together with the commits of other requests. */
static int sqlite_defer_sync(struct db *db, int on, char *target, size_t cap)
{
	struct sqlite_conn *c = conn_of(db);
	const char *file;
	int rc;

	if (!sqlite3_get_autocommit(c->handle))
		return fail_text(c, MC_EINVAL, "the sync mode cannot change inside a transaction");
	rc = run_simple(db, on ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
	if (rc != 0 || on)
		return rc;
	file = sqlite3_db_filename(c->handle, "main");
	if (file == NULL || file[0] == '\0')
		return 0; /* in memory: nothing to sync */
	if (target == NULL || (size_t)snprintf(target, cap, "%s-wal", file) >= cap) {
		if (target != NULL && cap > 0)
			target[0] = '\0';
		return MC_EINVAL;
	}
	return 0;
}

static int sqlite_rollback(struct db *db)
{
	struct sqlite_conn *c = conn_of(db);
	int rc = 0;

	/* Also covers SQLite having rolled back by itself after some errors (SQLITE_FULL ...). */
	if (!sqlite3_get_autocommit(c->handle))
		rc = run_simple(db, "ROLLBACK");
	if (sqlite3_get_autocommit(c->handle))
		writer_unlock(c);
	return rc;
}

static int sqlite_exec_script(struct db *db, const char *sql)
{
	struct sqlite_conn *c = conn_of(db);
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(c->handle, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(c->msg, sizeof c->msg, "%s", msg != NULL ? msg : sqlite3_errstr(rc));
		rc = map_code(rc);
	}
	sqlite3_free(msg);
	return rc;
}

static int sqlite_table_exists(struct db *db, const char *name, int *exists)
{
	struct db_stmt *st;
	int rc;

	*exists = 0;
	rc = sqlite_prepare(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
	                    &st);
	if (rc != 0)
		goto out;
	rc = sqlite_bind_text(st, 1, name, strlen(name));
	if (rc != 0)
		goto out;
	rc = sqlite_step(st);
	if (rc == DB_ROW) {
		*exists = 1;
		sqlite_reset(st);
		rc = 0;
	}
out:
	return rc;
}

/*
 * A migration may rebuild a table that others reference (SQLite cannot alter a column's
 * constraints), and dropping the old table would cascade.  So, as SQLite's documentation
 * prescribes, enforcement is off for the migration and every key is checked before it commits.
 */
static int sqlite_schema_change(struct db *db, enum db_schema_phase phase)
{
	struct sqlite_conn *c = conn_of(db);
	struct db_stmt *st;
	int rc;

	switch (phase) {
	case DB_SCHEMA_BEFORE:
		return sqlite_exec_script(db, "PRAGMA foreign_keys=OFF");
	case DB_SCHEMA_CHECK:
		rc = sqlite_prepare(db, "PRAGMA foreign_key_check", &st);
		if (rc != 0)
			return rc;
		rc = sqlite_step(st);
		if (rc == DB_ROW) {
			const char *table = (const char *)sqlite3_column_text(stmt_of(st)->handle, 0);
			rc = fail_text(c, MC_EDB, "a foreign key does not hold after the migration");
			if (table != NULL)
				snprintf(c->msg, sizeof c->msg,
				         "a foreign key of table %s does not hold after the migration", table);
			sqlite_reset(st);
		}
		return rc;
	case DB_SCHEMA_AFTER:
		return sqlite_exec_script(db, "PRAGMA foreign_keys=ON");
	}
	return MC_EINVAL;
}

int db_sqlite_set_busy_timeout(struct db *db, int ms)
{
	if (db == NULL || db->ops != &db_sqlite_ops || ms < 0)
		return MC_EINVAL;
	sqlite3_busy_timeout(conn_of(db)->handle, ms);
	conn_of(db)->busy_ms = ms;
	return 0;
}

const struct db_backend_ops db_sqlite_ops = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.errmsg = sqlite_errmsg,
	.prepare = sqlite_prepare,
	.bind_int64 = sqlite_bind_int64,
	.bind_text = sqlite_bind_text,
	.bind_blob = sqlite_bind_blob,
	.bind_null = sqlite_bind_null,
	.step = sqlite_step,
	.reset = sqlite_reset,
	.col_int64 = sqlite_col_int64,
	.col_text = sqlite_col_text,
	.col_blob = sqlite_col_blob,
	.col_is_null = sqlite_col_is_null,
	.last_id = sqlite_last_id,
	.changes = sqlite_changes,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.exec_script = sqlite_exec_script,
	.table_exists = sqlite_table_exists,
	.schema_change = sqlite_schema_change,
	.defer_sync = sqlite_defer_sync,
	.generation = sqlite_generation,
};
