/* sweeper.c: the background sweeps under a lease in the database, run on a thread of their own
 * inside `motcua serve` and once by `motcua sweep`. */
#include "sweeper.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain/account.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/waitable.h"
#include "lib/token.h"
#include "store/db.h"

#define SWEEPER_TIME_SIZE 32    /* an ISO-8601 time */
#define SWEEPER_HOST_MAX 64     /* characters of the host name kept in a holder id */
#define SWEEPER_RANDOM_CHARS 16 /* of a token: 96 bits, unique enough among holders */
#define SWEEPER_LINE_SIZE 256
#define SWEEPER_ERROR_SIZE 512

struct sweeper {
	struct sweeper_config cfg; /* cfg.database points at the copy below */
	char *database;
	char holder[SWEEPER_HOLDER_SIZE];
	struct db *db;             /* used by the thread only, once started */
	struct waitable_thread t;  /* runs sweeper_tick every interval */
};

/* ---- the lease ---- */

void sweeper_holder_new(char holder[SWEEPER_HOLDER_SIZE])
{
	char host[SWEEPER_HOST_MAX + 1], token[TOKEN_LEN + 1];

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[SWEEPER_HOST_MAX] = '\0';
	token_new(token);
	snprintf(holder, SWEEPER_HOLDER_SIZE, "%s:%ld:%.*s", host, (long)getpid(),
	         SWEEPER_RANDOM_CHARS, token);
}

int sweeper_lease_acquire(struct db *db, const char *name, const char *holder, int64_t now_ms,
                          int64_t length_ms, int *acquired)
{
	char now[SWEEPER_TIME_SIZE], until[SWEEPER_TIME_SIZE];
	struct db_stmt *st;
	int rc;

	*acquired = 0;
	if (name == NULL || name[0] == '\0' || holder == NULL || holder[0] == '\0' ||
	    length_ms <= 0)
		return MC_EINVAL;
	clock_iso8601(now_ms, now, sizeof now);
	clock_iso8601(now_ms + length_ms, until, sizeof until);
	/* One statement, so two processes cannot both see the lease free.  PostgreSQL (9.5+) and
	 * SQLite (3.24+) both take this upsert; a row it leaves alone counts no change. */
	rc = db_prepare(db,
		"INSERT INTO sweep_leases (name, holder, expires_at) VALUES (?, ?, ?) "
		"ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
		"expires_at = excluded.expires_at "
		"WHERE sweep_leases.expires_at <= ? OR sweep_leases.holder = excluded.holder", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, name)) != 0 || (rc = db_bind_cstr(st, 2, holder)) != 0 ||
	    (rc = db_bind_cstr(st, 3, until)) != 0 || (rc = db_bind_cstr(st, 4, now)) != 0 ||
	    (rc = db_step_done(st)) != 0)
		return rc;
	*acquired = db_changes(db) == 1;
	return 0;
}

int sweeper_lease_release(struct db *db, const char *name, const char *holder)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "DELETE FROM sweep_leases WHERE name = ? AND holder = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, name)) != 0 || (rc = db_bind_cstr(st, 2, holder)) != 0)
		return rc;
	return db_step_done(st);
}

/* ---- one run ---- */

/* The daily full check of the file store: its lease is kept until it lapses, so whoever runs the
 * sweeps next day does it again.  Each attempt names itself anew (the upsert lets a holder
 * renew its own lease). */
static int store_check(struct db *db, struct filestore *files, const char *holder,
                       int64_t *files_removed)
{
	int64_t now = clock_now_ms(&clock_system), removed = 0;
	char attempt[SWEEPER_HOLDER_SIZE + 24];
	int rc, acquired = 0;

	snprintf(attempt, sizeof attempt, "%s@%" PRId64, holder, now);
	rc = sweeper_lease_acquire(db, SWEEPER_STORE_LEASE, attempt, now, SWEEPER_STORE_EVERY_MS,
	                           &acquired);
	if (rc != 0 || !acquired)
		return rc;
	rc = dossier_sweep_orphan_files(db, files, &removed);
	*files_removed += removed;
	return rc;
}

int sweeper_run_once(const struct account_env *env, struct db *db, struct filestore *files,
                     const char *holder, struct sweeper_result *out)
{
	int rc, acquired = 0, released;

	memset(out, 0, sizeof *out);
	rc = sweeper_lease_acquire(db, SWEEPER_LEASE_NAME, holder, clock_now_ms(&clock_system),
	                           SWEEPER_LEASE_MS, &acquired);
	if (rc != 0 || !acquired)
		return rc;
	out->ran = 1;
	rc = dossier_sweep_all(env, db, files, clock_now_ms(env->clock), &out->dossiers);
	if (rc == 0)
		rc = store_check(db, files, holder, &out->dossiers.files_removed);
	/* Give the lease back even after a failure; if even that fails, it lapses. */
	released = sweeper_lease_release(db, SWEEPER_LEASE_NAME, holder);
	return rc != 0 ? rc : released;
}

int sweeper_describe(const struct sweeper_result *r, char *out, size_t cap)
{
	const struct dossier_sweep_counts *d = &r->dossiers;

	snprintf(out, cap, "expired=%" PRId64 " reminded=%" PRId64 " reminders_refused=%" PRId64
	         " drafts_deleted=%" PRId64 " files_removed=%" PRId64 " overdue=%" PRId64,
	         d->expired, d->reminded, d->remind_failed, d->deleted, d->files_removed, d->overdue);
	return d->expired > 0 || d->reminded > 0 || d->remind_failed > 0 || d->deleted > 0 ||
	       d->overdue > 0 ||
	       d->files_removed > 0;
}

/* ---- the timer ---- */

/* One run on the thread, and its log line. */
static void sweeper_tick(void *arg)
{
	struct sweeper *s = arg;
	struct sweeper_result r;
	char line[SWEEPER_LINE_SIZE];
	int rc, did;

	rc = sweeper_run_once(s->cfg.env, s->db, s->cfg.files, s->holder, &r);
	did = sweeper_describe(&r, line, sizeof line);
	if (rc != 0)
		fprintf(stderr, "sweep: failed: %s: %s (done before the failure: %s)\n",
		        mc_strerror(rc), db_errmsg(s->db), line);
	else if (did)
		fprintf(stderr, "sweep: %s\n", line);
}

static void sweeper_free(struct sweeper *s)
{
	if (s == NULL)
		return;
	db_close(s->db);
	free(s->database);
	free(s);
}

struct sweeper *sweeper_start(const struct sweeper_config *cfg)
{
	struct sweeper *s = NULL;
	char err[SWEEPER_ERROR_SIZE] = "";
	int rc;

	if (cfg->database == NULL || cfg->env == NULL || cfg->env->clock == NULL ||
	    cfg->files == NULL || cfg->interval_seconds == 0 ||
	    cfg->interval_seconds > SWEEPER_INTERVAL_MAX) {
		mc_errf(err, sizeof err, "bad settings (database, clock, file store or interval)");
		rc = MC_EINVAL;
		goto out;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL || (s->database = strdup(cfg->database)) == NULL) {
		mc_errf(err, sizeof err, "out of memory");
		rc = MC_ENOMEM;
		goto out;
	}
	s->cfg = *cfg;
	s->cfg.database = s->database;
	sweeper_holder_new(s->holder);
	if ((rc = db_open(s->database, &s->db, err, sizeof err)) != 0)
		goto out;
	rc = waitable_thread_start(&s->t, s->cfg.interval_seconds * 1000u, sweeper_tick, s);
	if (rc != 0)
		mc_errf(err, sizeof err, "cannot start the thread");
out:
	if (rc != 0) {
		fprintf(stderr, "sweep: cannot start the sweeper: %s\n", err);
		sweeper_free(s);
		s = NULL;
	}
	return s;
}

void sweeper_wake(struct sweeper *s)
{
	if (s != NULL)
		waitable_thread_wake(&s->t);
}

void sweeper_stop(struct sweeper *s)
{
	if (s == NULL)
		return;
	waitable_thread_stop(&s->t);
	sweeper_free(s);
}
