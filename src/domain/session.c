/* session.c: login sessions stored in the database, keyed by a hash of the cookie. */
#include "domain/session.h"

#include <stdio.h>
#include <string.h>

#include "domain/actor.h"

#include "lib/clock.h"
#include "lib/err.h"
#include "store/db.h"

int session_create(struct db *db, int64_t account_id, int64_t now_ms,
                   char cookie[TOKEN_LEN + 1])
{
	char hash[TOKEN_HASH_LEN + 1], csrf[TOKEN_LEN + 1], now[32], expires[32];
	struct db_stmt *st;
	int rc;

	token_new(cookie);
	token_hash(cookie, hash);
	token_new(csrf);
	clock_iso8601(now_ms, now, sizeof(now));
	clock_iso8601(now_ms + SESSION_ABSOLUTE_MS, expires, sizeof(expires));
	rc = db_prepare(db,
	                "INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, "
	                "last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, hash)) != 0 || (rc = db_bind_int64(st, 2, account_id)) != 0 ||
	    (rc = db_bind_cstr(st, 3, csrf)) != 0 || (rc = db_bind_cstr(st, 4, now)) != 0 ||
	    (rc = db_bind_cstr(st, 5, now)) != 0 || (rc = db_bind_cstr(st, 6, expires)) != 0)
		return rc;
	rc = db_step(st);
	return rc < 0 ? rc : 0;
}

int session_lookup(struct db *db, const char *cookie, int64_t now_ms, struct actor *out)
{
	char hash[TOKEN_HASH_LEN + 1], now[32], idle_since[32], last_seen[32];
	struct db_stmt *st;
	int rc, live;

	if (!token_valid_shape(cookie))
		return MC_ENOTFOUND;
	token_hash(cookie, hash);
	clock_iso8601(now_ms, now, sizeof(now));
	clock_iso8601(now_ms - SESSION_IDLE_MS, idle_since, sizeof(idle_since));
	rc = db_prepare(db,
	                "SELECT s.account_id, s.csrf_token, s.last_seen_at, "
	                "s.last_seen_at > ? AND s.expires_at > ?, a.account_type, a.full_name, "
	                "a.email, f.role, f.agency_id, f.department_id FROM sessions s "
	                "JOIN accounts a ON a.id = s.account_id "
	                "LEFT JOIN staff f ON f.account_id = a.id "
	                "LEFT JOIN agencies g ON g.id = f.agency_id "
	                "WHERE s.id_hash = ? AND a.status = 'active' "
	                "AND (a.account_type <> 'staff' OR g.active = 1)",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, idle_since)) != 0 || (rc = db_bind_cstr(st, 2, now)) != 0 ||
	    (rc = db_bind_cstr(st, 3, hash)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	memset(out, 0, sizeof(*out));
	out->role = ROLE_CITIZEN;
	out->account_id = db_col_int64(st, 0);
	db_col_copy(st, 1, out->csrf, sizeof(out->csrf));
	db_col_copy(st, 2, last_seen, sizeof(last_seen));
	live = (int)db_col_int64(st, 3);
	db_col_copy(st, 4, out->account_type, sizeof(out->account_type));
	db_col_copy(st, 5, out->full_name, sizeof(out->full_name));
	db_col_copy(st, 6, out->email, sizeof(out->email));
	if (strcmp(out->account_type, "staff") == 0) {
		/* A staff account without its staff row has no rights at all: treat it as logged out. */
		out->role = ROLE_STAFF;
		out->staff_role = staff_role_parse(db_col_text(st, 7, NULL));
		out->agency_id = db_col_int64(st, 8);
		out->department_id = db_col_int64(st, 9);
		if (out->staff_role == STAFF_NONE)
			live = 0;
	}
	db_reset(st);
	memcpy(out->session_hash, hash, sizeof(hash));
	if (!live) {
		session_delete(db, hash);
		memset(out, 0, sizeof(*out));
		return MC_ENOTFOUND;
	}
	/* Move last-seen forward at most once a minute: one write per minute per visitor. */
	{
		char minute_ago[32];
		clock_iso8601(now_ms - 60 * 1000, minute_ago, sizeof(minute_ago));
		if (strcmp(last_seen, minute_ago) < 0) {
			rc = db_prepare(db, "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", &st);
			if (rc == 0 && (rc = db_bind_cstr(st, 1, now)) == 0 &&
			    (rc = db_bind_cstr(st, 2, hash)) == 0)
				rc = db_step(st);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int session_delete(struct db *db, const char *session_hash)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "DELETE FROM sessions WHERE id_hash = ?", &st);

	if (rc == 0 && (rc = db_bind_cstr(st, 1, session_hash)) == 0)
		rc = db_step(st);
	return rc < 0 ? rc : 0;
}

int session_revoke_all(struct db *db, int64_t account_id)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "DELETE FROM sessions WHERE account_id = ?", &st);

	if (rc == 0 && (rc = db_bind_int64(st, 1, account_id)) == 0)
		rc = db_step(st);
	return rc < 0 ? rc : 0;
}
