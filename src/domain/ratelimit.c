/* ratelimit.c: sliding-window counters with blocks, in the database. */
#include "domain/ratelimit.h"

#include <stdio.h>

#include "lib/clock.h"
#include "lib/err.h"
#include "store/db.h"

const struct rate_rule RATE_LOGIN_FAILURES = { "login", 5, 15LL * 60 * 1000, 15LL * 60 * 1000 };
const struct rate_rule RATE_LOGIN_ADDRESS = { "login-ip", 20, 15LL * 60 * 1000, 15LL * 60 * 1000 };
const struct rate_rule RATE_REGISTER = { "register", 30, 60LL * 60 * 1000, 60LL * 60 * 1000 };
const struct rate_rule RATE_MAIL = { "mail", 5, 60LL * 60 * 1000, 60LL * 60 * 1000 };
const struct rate_rule RATE_MAIL_ADDRESS = { "mail-ip", 30, 60LL * 60 * 1000, 60LL * 60 * 1000 };

static void full_key(const struct rate_rule *rule, const char *key, char *out, size_t len)
{
	snprintf(out, len, "%s:%s", rule->name, key);
}

int rate_check(struct db *db, const struct rate_rule *rule, const char *key, int64_t now_ms)
{
	char k[320], now[32];
	struct db_stmt *st;
	int rc;

	full_key(rule, key, k, sizeof(k));
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db, "SELECT 1 FROM rate_blocks WHERE rate_key = ? AND until > ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, k)) != 0 || (rc = db_bind_cstr(st, 2, now)) != 0)
		return rc;
	rc = db_step(st);
	if (rc == DB_ROW) {
		db_reset(st);
		return MC_ELIMIT;
	}
	return rc < 0 ? rc : 0;
}

int rate_hit(struct db *db, const struct rate_rule *rule, const char *key, int64_t now_ms)
{
	char k[320], now[32], since[32], until[32];
	struct db_stmt *st;
	int64_t count;
	int rc;

	/* A key that waits stays waiting: nothing is counted meanwhile. */
	if ((rc = rate_check(db, rule, key, now_ms)) != 0)
		return rc;
	full_key(rule, key, k, sizeof(k));
	clock_iso8601(now_ms, now, sizeof(now));
	clock_iso8601(now_ms - rule->window_ms, since, sizeof(since));
	/* Forget what fell out of the window, record this event, count the window. */
	rc = db_prepare(db, "DELETE FROM rate_events WHERE rate_key = ? AND at <= ?", &st);
	if (rc == 0 && (rc = db_bind_cstr(st, 1, k)) == 0 && (rc = db_bind_cstr(st, 2, since)) == 0)
		rc = db_step(st);
	if (rc < 0)
		return rc;
	rc = db_prepare(db, "INSERT INTO rate_events (rate_key, at) VALUES (?, ?)", &st);
	if (rc == 0 && (rc = db_bind_cstr(st, 1, k)) == 0 && (rc = db_bind_cstr(st, 2, now)) == 0)
		rc = db_step(st);
	if (rc < 0)
		return rc;
	rc = db_prepare(db, "SELECT count(*) FROM rate_events WHERE rate_key = ? AND at > ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, k)) != 0 || (rc = db_bind_cstr(st, 2, since)) != 0)
		return rc;
	if ((rc = db_step(st)) != DB_ROW)
		return rc < 0 ? rc : MC_EDB;
	count = db_col_int64(st, 0);
	db_reset(st);
	if (count < rule->max)
		return 0;
	/* The limit is reached: the key waits, and its count starts again after the wait. */
	clock_iso8601(now_ms + rule->block_ms, until, sizeof(until));
	rc = db_prepare(db,
	                "INSERT INTO rate_blocks (rate_key, until) VALUES (?, ?) "
	                "ON CONFLICT (rate_key) DO UPDATE SET until = excluded.until",
	                &st);
	if (rc == 0 && (rc = db_bind_cstr(st, 1, k)) == 0 && (rc = db_bind_cstr(st, 2, until)) == 0)
		rc = db_step(st);
	if (rc < 0)
		return rc;
	rate_clear(db, rule, key);
	return MC_ELIMIT;
}

int rate_clear(struct db *db, const struct rate_rule *rule, const char *key)
{
	char k[320];
	struct db_stmt *st;
	int rc;

	full_key(rule, key, k, sizeof(k));
	rc = db_prepare(db, "DELETE FROM rate_events WHERE rate_key = ?", &st);
	if (rc == 0 && (rc = db_bind_cstr(st, 1, k)) == 0)
		rc = db_step(st);
	return rc < 0 ? rc : 0;
}
