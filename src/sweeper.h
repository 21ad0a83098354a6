/* sweeper.h: the background sweeps: a lease in the database so that one process at a time runs
 * them, one run of all of them (the `motcua sweep` command), and the thread that runs them on a
 * timer inside `motcua serve`. */
#ifndef MC_SWEEPER_H
#define MC_SWEEPER_H

#include <stddef.h>
#include <stdint.h>

#include "domain/dossier_sweep.h"

struct account_env;
struct db;
struct filestore;
struct sweeper;

/*
 * The lease (table sweep_leases, migrations/0005_sweeps.sql).  Its times are real time
 * (clock_system), never the rules' clock: a server and a `motcua sweep --clock-offset ...` on
 * the same database must still exclude each other.  The lease is an economy, not the safety:
 * every sweep re-checks its condition in each batch's transaction, so two runs at once (a run
 * longer than the lease, a clock far off) do the work once all the same.
 */
#define SWEEPER_LEASE_NAME     "sweeps"              /* the one lease of today's sweeps */
#define SWEEPER_LEASE_MS       (5LL * 60 * 1000)     /* a crashed holder's lease lapses after */
#define SWEEPER_HOLDER_SIZE    128                   /* "<host>:<pid>:<16 random characters>" */
#define SWEEPER_STORE_LEASE    "store-check"         /* held, never given back, for a day: */
#define SWEEPER_STORE_EVERY_MS (24LL * 3600 * 1000)  /* the full check of the file store */
#define SWEEPER_INTERVAL_MAX   86400u                /* seconds between runs, at most */

/* A holder id for this process and caller: the host name, the pid and 16 random characters
 * into holder[SWEEPER_HOLDER_SIZE].  token_init must have run. */
void sweeper_holder_new(char holder[SWEEPER_HOLDER_SIZE]);

/*
 * Take lease 'name' for 'holder' until now_ms + length_ms, with one atomic statement: it
 * succeeds when nobody holds the lease, when its holder's time has run out (expires_at <=
 * now_ms) or when 'holder' holds it already (which renews it).  *acquired is 1 when 'holder'
 * has the lease now, 0 when another holder keeps it.  Call with no transaction open.
 * MC_EINVAL: an empty name or holder, or length_ms <= 0; MC_EUNAVAIL (busy); MC_EDB.
 */
int sweeper_lease_acquire(struct db *db, const char *name, const char *holder, int64_t now_ms,
                          int64_t length_ms, int *acquired);

/* Give lease 'name' back if 'holder' holds it (else nothing changes).  MC_EUNAVAIL; MC_EDB. */
int sweeper_lease_release(struct db *db, const char *name, const char *holder);

/* What one run did. */
struct sweeper_result {
	int ran;                              /* 0: another holder had the lease, nothing done */
	struct dossier_sweep_counts dossiers; /* what the dossier sweeps did */
};

/*
 * One run of every sweep: take lease SWEEPER_LEASE_NAME for 'holder' (SWEEPER_LEASE_MS, real
 * time), run dossier_sweep_all at the time of env->clock and, when lease SWEEPER_STORE_LEASE
 * lapsed, take it for SWEEPER_STORE_EVERY_MS and run dossier_sweep_orphan_files (its files
 * count in files_removed), then give the first lease back.  *out is zeroed,
 * then out->ran says whether the lease was had.  'db' is a connection of the calling thread
 * with no transaction open; 'env' gives the mail templates, the links, the clock and the mail
 * sender to wake; 'files' is the store the bytes of deleted drafts are removed from.  Errors
 * as sweeper_lease_acquire and dossier_sweep_all (what was done before the error is in *out).
 */
int sweeper_run_once(const struct account_env *env, struct db *db, struct filestore *files,
                     const char *holder, struct sweeper_result *out);

/* One line saying what run 'r' did ("expired=1 reminded=0 ...") into out[0..cap): the log's
 * words.  Returns 1 when the run did anything, 0 when it did nothing. */
int sweeper_describe(const struct sweeper_result *r, char *out, size_t cap);

/* The timer's settings.  'env' and 'files' must outlive the sweeper. */
struct sweeper_config {
	const char *database;          /* db_open URL: the thread opens its own connection */
	const struct account_env *env; /* as sweeper_run_once; env->clock is the app's clock */
	struct filestore *files;
	unsigned interval_seconds;     /* 1 .. SWEEPER_INTERVAL_MAX */
};

/*
 * Open a database connection of its own and start the thread that calls sweeper_run_once at
 * once, then every interval_seconds (a timed wait on a monotonic clock, so stopping is
 * immediate between runs), under a holder id of its own.  Each run that did something, or
 * failed, writes one line to stderr ("sweep: expired=0 reminded=1 ..."); a run that found the
 * lease taken or nothing to do writes nothing.  NULL on failure (bad settings, database,
 * memory, thread), with the reason on stderr.  token_init must have run.  Stop it with
 * sweeper_stop.
 */
struct sweeper *sweeper_start(const struct sweeper_config *cfg);

/* Run the sweeps now instead of at the end of the interval (right after the run in progress,
 * if any).  NULL is allowed. */
void sweeper_wake(struct sweeper *s);

/* Let a run in progress finish, stop the thread, close its connection and free the sweeper.
 * NULL is allowed. */
void sweeper_stop(struct sweeper *s);

#endif
