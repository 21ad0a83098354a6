/* db.c: the storage facade (dispatch to a backend) and the migrations runner. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* opendir, gmtime_r */
#endif

#include "store/db.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "store/db_backend.h"

/* URL schemes and the backends that serve them. */
static const struct {
	const char *scheme; /* with its colon */
	const struct db_backend_ops *ops;
} backends[] = {
	{ "sqlite:", &db_sqlite_ops },
};

int db_open(const char *url, struct db **dbp, char *err, size_t errlen)
{
	const struct db_backend_ops *ops = NULL;
	const char *target = NULL;
	struct db *db = NULL;
	size_t i, n;
	int rc;

	mc_errf(err, errlen, "%s", "");
	if (dbp != NULL)
		*dbp = NULL;
	if (url == NULL || dbp == NULL) {
		mc_errf(err, errlen, "no database URL");
		rc = MC_EINVAL;
		goto out;
	}
	for (i = 0; i < sizeof backends / sizeof backends[0]; i++) {
		n = strlen(backends[i].scheme);
		if (strncmp(url, backends[i].scheme, n) == 0) {
			ops = backends[i].ops;
			target = url + n;
			break;
		}
	}
	/* The URL is not echoed: a PostgreSQL URL may carry a password. */
	if (ops == NULL) {
		mc_errf(err, errlen, "unknown database URL scheme (expected sqlite:)");
		rc = MC_EINVAL;
		goto out;
	}
	if (*target == '\0') {
		mc_errf(err, errlen, "empty database path in URL");
		rc = MC_EINVAL;
		goto out;
	}
	db = calloc(1, sizeof *db);
	if (db == NULL) {
		mc_errf(err, errlen, "out of memory");
		rc = MC_ENOMEM;
		goto out;
	}
	db->ops = ops;
	rc = ops->open(db, target, err, errlen);
	if (rc != 0)
		goto out;
	*dbp = db;
	db = NULL;
out:
	free(db);
	return rc;
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	db_memo_free(db);
	if (db->conn != NULL)
		db->ops->close(db);
	free(db);
}

const char *db_errmsg(struct db *db)
{
	if (db == NULL)
		return "no database connection";
	return db->ops->errmsg(db);
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **stp)
{
	if (stp != NULL)
		*stp = NULL;
	if (db == NULL || sql == NULL || stp == NULL)
		return MC_EINVAL;
	return db->ops->prepare(db, sql, stp);
}

int db_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	if (st == NULL)
		return MC_EINVAL;
	return st->db->ops->bind_int64(st, idx, v);
}

int db_bind_text(struct db_stmt *st, int idx, const char *s, size_t len)
{
	if (st == NULL || (s == NULL && len != 0))
		return MC_EINVAL;
	return st->db->ops->bind_text(st, idx, s, len);
}

int db_bind_cstr(struct db_stmt *st, int idx, const char *s)
{
	if (st == NULL)
		return MC_EINVAL;
	if (s == NULL)
		return st->db->ops->bind_null(st, idx);
	return st->db->ops->bind_text(st, idx, s, strlen(s));
}

int db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len)
{
	if (st == NULL || (p == NULL && len != 0))
		return MC_EINVAL;
	return st->db->ops->bind_blob(st, idx, p, len);
}

int db_bind_null(struct db_stmt *st, int idx)
{
	if (st == NULL)
		return MC_EINVAL;
	return st->db->ops->bind_null(st, idx);
}

int db_step(struct db_stmt *st)
{
	if (st == NULL)
		return MC_EINVAL;
	return st->db->ops->step(st);
}

int db_step_done(struct db_stmt *st)
{
	int rc = db_step(st);

	if (rc == DB_ROW) {
		db_reset(st);
		return 0;
	}
	return rc;
}

int db_defer_sync(struct db *db, int on, char *target, size_t cap)
{
	if (target != NULL && cap > 0)
		target[0] = '\0';
	if (db == NULL)
		return MC_EINVAL;
	if (db->ops->defer_sync == NULL)
		return 0;
	return db->ops->defer_sync(db, on, target, cap);
}

/* The group of db_sync_file: the callers syncing 'path' now (one of them syncing, the others
 * waiting).  'members' counts them; 'requested' counts every caller that joined, 'done' the
 * callers a finished sync covers.  The path is the group's while it has members. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t requested, done;
	int running, members;
	char path[PATH_MAX];
	int (*inject)(const char *path);
} group = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, "", NULL };

static int sync_now(const char *path, int (*inject)(const char *path))
{
	int fd, rc = 0;

	if (inject != NULL)
		return inject(path);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return MC_EIO;
	if (fdatasync(fd) != 0)
		rc = MC_EIO;
	close(fd);
	return rc;
}

void db_sync_file_inject(int (*fn)(const char *path))
{
	pthread_mutex_lock(&group.lock);
	group.inject = fn;
	pthread_mutex_unlock(&group.lock);
}

int db_sync_file(const char *path)
{
	int (*inject)(const char *path);
	uint64_t mine;
	int rc = 0;

	if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof group.path)
		return MC_EINVAL;
	pthread_mutex_lock(&group.lock);
	inject = group.inject;
	/* Another file while the group syncs or waits for one (two databases in one process): the
	 * group's syncs do not cover this file, so sync it alone. */
	if (group.members > 0 && strcmp(group.path, path) != 0) {
		pthread_mutex_unlock(&group.lock);
		return sync_now(path, inject);
	}
	snprintf(group.path, sizeof group.path, "%s", path);
	group.members++;
	mine = ++group.requested;
	while (group.done < mine) {
		uint64_t covers;

		if (group.running) {
			pthread_cond_wait(&group.cond, &group.lock);
			continue;
		}
		/* This sync begins after every caller counted so far wrote: it covers them all (all
		 * of the group, of this file; earlier callers of another file have left). */
		covers = group.requested;
		group.running = 1;
		pthread_mutex_unlock(&group.lock);
		rc = sync_now(path, inject);
		pthread_mutex_lock(&group.lock);
		group.running = 0;
		/* A failed sync covers nobody: each caller then tries its own. */
		if (rc == 0 && covers > group.done)
			group.done = covers;
		pthread_cond_broadcast(&group.cond);
		if (rc != 0)
			break;
	}
	group.members--;
	pthread_mutex_unlock(&group.lock);
	return rc;
}

int db_row_by_id(struct db *db, const char *sql, int64_t id, struct db_stmt **out)
{
	int rc;

	*out = NULL;
	if ((rc = db_prepare(db, sql, out)) != 0 || (rc = db_bind_int64(*out, 1, id)) != 0)
		return rc;
	rc = db_step(*out);
	if (rc == DB_ROW)
		return 0;
	return rc < 0 ? rc : MC_ENOTFOUND;
}

int db_get_int64(struct db *db, const char *sql, int64_t arg, int64_t *out)
{
	struct db_stmt *st;
	int rc = db_row_by_id(db, sql, arg, &st);

	if (rc != 0)
		return rc;
	*out = db_col_int64(st, 0);
	db_reset(st);
	return 0;
}

void db_reset(struct db_stmt *st)
{
	if (st != NULL)
		st->db->ops->reset(st);
}

int64_t db_col_int64(struct db_stmt *st, int col)
{
	if (st == NULL)
		return 0;
	return st->db->ops->col_int64(st, col);
}

const char *db_col_text(struct db_stmt *st, int col, size_t *len)
{
	if (st == NULL) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	return st->db->ops->col_text(st, col, len);
}

const void *db_col_blob(struct db_stmt *st, int col, size_t *len)
{
	if (st == NULL) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	return st->db->ops->col_blob(st, col, len);
}

int db_col_is_null(struct db_stmt *st, int col)
{
	if (st == NULL)
		return 1;
	return st->db->ops->col_is_null(st, col);
}

int64_t db_last_id(struct db *db)
{
	return db->ops->last_id(db);
}

int64_t db_changes(struct db *db)
{
	return db->ops->changes(db);
}

int db_begin(struct db *db)
{
	return db->ops->begin(db);
}

int db_commit(struct db *db)
{
	return db->ops->commit(db);
}

int db_rollback(struct db *db)
{
	return db->ops->rollback(db);
}

int db_exec_script(struct db *db, const char *sql)
{
	if (sql == NULL)
		return MC_EINVAL;
	return db->ops->exec_script(db, sql);
}

int db_ping(struct db *db)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT 1", &st);
	if (rc != 0)
		goto out;
	rc = db_step(st);
	if (rc == DB_ROW && db_col_int64(st, 0) == 1)
		rc = 0;
	else if (rc >= 0)
		rc = MC_EDB;
	db_reset(st);
out:
	return rc != 0 ? MC_EDB : 0;
}

const char *db_backend(const struct db *db)
{
	return db->ops->name;
}

/* ---- migrations ---- */

static const char sql_create_migrations[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	"version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

/* One migration file: 'file' is "NNNN_name.sql"; its name part is file[5 .. len-4). */
struct migration {
	int64_t version;
	char *file;
};

/*
 * Parse "NNNN_name.sql": four ASCII digits (not all zero: 0 means "nothing applied"), an
 * underscore, a name of [A-Za-z0-9_-], ".sql".  MC_EINVAL otherwise.
 */
static int migration_parse(const char *file, int64_t *version)
{
	size_t len = strlen(file), i;
	int64_t v = 0;

	if (len < 4 + 1 + 1 + 4 || file[4] != '_')
		return MC_EINVAL;
	for (i = 0; i < 4; i++) {
		if (file[i] < '0' || file[i] > '9')
			return MC_EINVAL;
		v = v * 10 + (file[i] - '0');
	}
	for (i = 5; i < len - 4; i++) {
		char ch = file[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return MC_EINVAL;
	}
	if (v == 0)
		return MC_EINVAL;
	*version = v;
	return 0;
}

static int migration_cmp(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

static void migrations_free(struct migration *list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(list[i].file);
	free(list);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * List the .sql files of 'dir', every one well named, sorted by number, no number twice.
 * MC_EIO: unreadable folder; MC_EINVAL: bad name or duplicate; MC_ENOMEM.
 */
static int migrations_list(const char *dir, struct migration **listp, size_t *countp, char *err,
                           size_t errlen)
{
	struct migration *list = NULL, *grown;
	size_t count = 0, cap = 0, i;
	struct dirent *de;
	DIR *d = NULL;
	int64_t version;
	int rc;

	d = opendir(dir);
	if (d == NULL) {
		mc_errf(err, errlen, "cannot read migrations folder %s: %s", dir, strerror(errno));
		rc = MC_EIO;
		goto out;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0) {
				mc_errf(err, errlen, "cannot read migrations folder %s: %s", dir,
				     strerror(errno));
				rc = MC_EIO;
				goto out;
			}
			break;
		}
		if (!has_suffix(de->d_name, ".sql"))
			continue;
		if (migration_parse(de->d_name, &version) != 0) {
			mc_errf(err, errlen, "bad migration file name %s (expected NNNN_name.sql)",
			     de->d_name);
			rc = MC_EINVAL;
			goto out;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(list, cap * sizeof *list);
			if (grown == NULL) {
				mc_errf(err, errlen, "out of memory");
				rc = MC_ENOMEM;
				goto out;
			}
			list = grown;
		}
		list[count].version = version;
		list[count].file = strdup(de->d_name);
		if (list[count].file == NULL) {
			mc_errf(err, errlen, "out of memory");
			rc = MC_ENOMEM;
			goto out;
		}
		count++;
	}
	if (count > 1)
		qsort(list, count, sizeof *list, migration_cmp);
	for (i = 1; i < count; i++) {
		if (list[i].version == list[i - 1].version) {
			mc_errf(err, errlen, "migrations %s and %s have the same number",
			     list[i - 1].file, list[i].file);
			rc = MC_EINVAL;
			goto out;
		}
	}
	*listp = list;
	*countp = count;
	list = NULL;
	count = 0;
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	migrations_free(list, count);
	return rc;
}

/* Read 'dir'/'file' whole, NUL-terminated, into *textp (caller frees).  MC_EIO, MC_EINVAL (a NUL
 * byte inside, which would silently end the script), MC_ENOMEM. */
static int read_script(const char *dir, const char *file, char **textp, char *err, size_t errlen)
{
	char *path = NULL, *text = NULL, *grown;
	size_t len = 0, cap = 0, n;
	FILE *f = NULL;
	int rc;

	*textp = NULL;
	n = strlen(dir) + 1 + strlen(file) + 1;
	path = malloc(n);
	if (path == NULL) {
		mc_errf(err, errlen, "out of memory");
		rc = MC_ENOMEM;
		goto out;
	}
	snprintf(path, n, "%s/%s", dir, file);
	f = fopen(path, "rb");
	if (f == NULL) {
		mc_errf(err, errlen, "%s: %s", file, strerror(errno));
		rc = MC_EIO;
		goto out;
	}
	for (;;) {
		if (cap - len < 4096 + 1) {
			cap = cap ? cap * 2 : 16384;
			grown = realloc(text, cap);
			if (grown == NULL) {
				mc_errf(err, errlen, "out of memory");
				rc = MC_ENOMEM;
				goto out;
			}
			text = grown;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		mc_errf(err, errlen, "%s: read error", file);
		rc = MC_EIO;
		goto out;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		mc_errf(err, errlen, "%s: contains a NUL byte", file);
		rc = MC_EINVAL;
		goto out;
	}
	*textp = text;
	text = NULL;
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	free(path);
	free(text);
	return rc;
}

/* *recorded = 1 when migration 'version' is in schema_migrations. */
static int migration_recorded(struct db *db, int64_t version, int *recorded)
{
	struct db_stmt *st;
	int rc;

	*recorded = 0;
	rc = db_prepare(db, "SELECT 1 FROM schema_migrations WHERE version = ?", &st);
	if (rc != 0)
		goto out;
	rc = db_bind_int64(st, 1, version);
	if (rc != 0)
		goto out;
	rc = db_step(st);
	if (rc == DB_ROW) {
		*recorded = 1;
		db_reset(st);
		rc = 0;
	}
out:
	return rc;
}

static int migration_record(struct db *db, const struct migration *m)
{
	struct db_stmt *st;
	char now[32];
	struct tm tm;
	time_t t = time(NULL);
	int rc;

	if (gmtime_r(&t, &tm) == NULL || strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		rc = MC_EINVAL;
		goto out;
	}
	rc = db_prepare(db,
	                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
	                &st);
	if (rc != 0)
		goto out;
	if ((rc = db_bind_int64(st, 1, m->version)) != 0 ||
	    (rc = db_bind_text(st, 2, m->file + 5, strlen(m->file) - 5 - 4)) != 0 ||
	    (rc = db_bind_cstr(st, 3, now)) != 0)
		goto out;
	rc = db_step(st);
out:
	return rc;
}

/* Report a database failure while handling 'file'; MC_EUNAVAIL stays (retry later), the rest is
 * MC_EDB. */
static int migration_failed(struct db *db, const char *file, int rc, char *err, size_t errlen)
{
	mc_errf(err, errlen, "%s: %s", file, db_errmsg(db));
	return rc == MC_EUNAVAIL ? MC_EUNAVAIL : MC_EDB;
}

/*
 * Apply one migration unless it is recorded already.  1: applied; 0: was already applied;
 * negative: error, with the transaction rolled back.
 */
static int migration_apply(struct db *db, const char *dir, const struct migration *m, char *err,
                           size_t errlen)
{
	char *sql = NULL;
	int64_t current;
	int rc, recorded, in_tx = 0, schema_changing = 0;

	rc = migration_recorded(db, m->version, &recorded);
	if (rc != 0) {
		rc = migration_failed(db, m->file, rc, err, errlen);
		goto out;
	}
	if (recorded)
		goto out;
	rc = read_script(dir, m->file, &sql, err, errlen);
	if (rc != 0)
		goto out;
	if (db->ops->schema_change != NULL) {
		rc = db->ops->schema_change(db, DB_SCHEMA_BEFORE);
		if (rc != 0) {
			rc = migration_failed(db, m->file, rc, err, errlen);
			goto out;
		}
		schema_changing = 1;
	}
	rc = db_begin(db);
	if (rc != 0) {
		rc = migration_failed(db, m->file, rc, err, errlen);
		goto out;
	}
	in_tx = 1;
	/* Look again under the write lock: another process may have migrated meanwhile. */
	rc = migration_recorded(db, m->version, &recorded);
	if (rc == 0)
		rc = db_schema_version(db, &current);
	if (rc != 0) {
		rc = migration_failed(db, m->file, rc, err, errlen);
		goto out;
	}
	if (recorded)
		goto out;
	if (current > m->version) {
		mc_errf(err, errlen, "%s: older than the schema version %" PRId64 " but never applied",
		     m->file, current);
		rc = MC_EINVAL;
		goto out;
	}
	rc = db_exec_script(db, sql);
	if (rc == 0)
		rc = migration_record(db, m);
	if (rc == 0 && schema_changing)
		rc = db->ops->schema_change(db, DB_SCHEMA_CHECK);
	if (rc == 0)
		rc = db_commit(db);
	if (rc != 0) {
		rc = migration_failed(db, m->file, rc, err, errlen);
		goto out;
	}
	in_tx = 0;
	rc = 1;
out:
	if (in_tx)
		db_rollback(db);
	if (schema_changing && db->ops->schema_change(db, DB_SCHEMA_AFTER) != 0 && rc >= 0) {
		rc = migration_failed(db, m->file, MC_EDB, err, errlen);
	}
	free(sql);
	return rc;
}

int db_migrate(struct db *db, const char *dir, int *applied, char *err, size_t errlen)
{
	struct migration *list = NULL;
	size_t count = 0, i;
	int rc, done = 0;

	mc_errf(err, errlen, "%s", "");
	if (db == NULL || dir == NULL) {
		mc_errf(err, errlen, "no database or folder");
		rc = MC_EINVAL;
		goto out;
	}
	/* Every name is checked before anything runs: a typo must not half-migrate a database. */
	rc = migrations_list(dir, &list, &count, err, errlen);
	if (rc != 0)
		goto out;
	rc = db_exec_script(db, sql_create_migrations);
	if (rc != 0) {
		rc = migration_failed(db, "schema_migrations", rc, err, errlen);
		goto out;
	}
	for (i = 0; i < count; i++) {
		rc = migration_apply(db, dir, &list[i], err, errlen);
		if (rc < 0)
			goto out;
		done += rc;
	}
	rc = 0;
out:
	if (applied != NULL)
		*applied = done;
	migrations_free(list, count);
	return rc;
}

int db_schema_version(struct db *db, int64_t *version)
{
	struct db_stmt *st;
	int rc, exists;

	*version = 0;
	rc = db->ops->table_exists(db, "schema_migrations", &exists);
	if (rc != 0 || !exists)
		goto out;
	rc = db_prepare(db, "SELECT MAX(version) FROM schema_migrations", &st);
	if (rc != 0)
		goto out;
	rc = db_step(st);
	if (rc == DB_ROW) {
		*version = db_col_int64(st, 0); /* MAX of no rows is NULL, which reads as 0 */
		db_reset(st);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = MC_EDB;
	}
out:
	return rc != 0 ? MC_EDB : 0;
}

size_t db_col_copy(struct db_stmt *st, int col, char *dst, size_t cap)
{
	size_t len = 0;
	const char *s = db_col_text(st, col, &len);
	size_t n = len < cap ? len : cap - 1;

	if (cap == 0)
		return len;
	if (s != NULL && n > 0)
		memcpy(dst, s, n);
	dst[s != NULL ? n : 0] = '\0';
	return len;
}
