/* session.c: login sessions stored in the database, keyed by a hash of the cookie. */
#include "domain/session.h"

#include <stdio.h>
#include <stdlib.h>
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

/* A session as read from the database, and as the connection's memo keeps it. */
struct session_row {
	struct actor actor;      /* session_hash not yet set */
	int64_t last_seen_ms;    /* the stored instants; an unreadable one reads as 0 (expired) */
	int64_t expires_ms;
	int usable;              /* 0: a staff account without a role: treated as logged out */
};

static void row_drop(void *p)
{
	free(p);
}

/* Read the session 'hash' names: 0 with *row, MC_ENOTFOUND (none, or its account is not active,
 * or a staff account's agency is not), MC_EDB. */
static int session_read(struct db *db, const char *hash, struct session_row *row)
{
	struct actor *out = &row->actor;
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
	                "SELECT s.account_id, s.csrf_token, s.last_seen_at, s.expires_at, "
	                "a.account_type, a.full_name, a.email, f.role, f.agency_id, f.department_id "
	                "FROM sessions s JOIN accounts a ON a.id = s.account_id "
	                "LEFT JOIN staff f ON f.account_id = a.id "
	                "LEFT JOIN agencies g ON g.id = f.agency_id "
	                "WHERE s.id_hash = ? AND a.status = 'active' "
	                "AND (a.account_type <> 'staff' OR g.active = 1)",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, hash)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	memset(row, 0, sizeof(*row));
	row->usable = 1;
	out->role = ROLE_CITIZEN;
	out->account_id = db_col_int64(st, 0);
	db_col_copy(st, 1, out->csrf, sizeof(out->csrf));
	if (clock_parse_iso8601(db_col_text(st, 2, NULL), &row->last_seen_ms) != 0)
		row->last_seen_ms = 0;
	if (clock_parse_iso8601(db_col_text(st, 3, NULL), &row->expires_ms) != 0)
		row->expires_ms = 0;
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
			row->usable = 0;
	}
	db_reset(st);
	return 0;
}

/*
 * The session row, from the connection's memo when nothing was committed since it was read
 * there: a page view then costs no query at all, and the checks below stay exact because the
 * row is the database's row and the instants are compared with 'now' each time.
 */
static int session_row(struct db *db, const char *hash, struct session_row *row)
{
	char key[sizeof("session:") + TOKEN_HASH_LEN];
	const struct session_row *kept;
	struct session_row *copy;
	uint64_t since;
	int rc;

	snprintf(key, sizeof(key), "session:%s", hash);
	if ((kept = db_memo_get(db, key)) != NULL) {
		*row = *kept;
		return 0;
	}
	since = db_memo_epoch(db);
	if ((rc = session_read(db, hash, row)) != 0)
		return rc;
	if ((copy = malloc(sizeof(*copy))) != NULL) {
		*copy = *row;
		db_memo_put(db, key, since, copy, sizeof(*copy), row_drop);
	}
	return 0;
}

int session_lookup(struct db *db, const char *cookie, int64_t now_ms, struct actor *out)
{
	char hash[TOKEN_HASH_LEN + 1], now[32];
	struct session_row row;
	struct db_stmt *st;
	int rc;

	if (!token_valid_shape(cookie))
		return MC_ENOTFOUND;
	token_hash(cookie, hash);
	if ((rc = session_row(db, hash, &row)) != 0)
		return rc;
	if (!row.usable || row.last_seen_ms <= now_ms - SESSION_IDLE_MS || row.expires_ms <= now_ms) {
		session_delete(db, hash);
		memset(out, 0, sizeof(*out));
		return MC_ENOTFOUND;
	}
	*out = row.actor;
	memcpy(out->session_hash, hash, sizeof(hash));
	/* Move last-seen forward at most once a minute: one write per minute per visitor. */
	if (row.last_seen_ms < now_ms - 60 * 1000) {
		clock_iso8601(now_ms, now, sizeof(now));
		rc = db_prepare(db, "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", &st);
		if (rc == 0 && (rc = db_bind_cstr(st, 1, now)) == 0 &&
		    (rc = db_bind_cstr(st, 2, hash)) == 0)
			rc = db_step(st);
		if (rc < 0)
			return rc;
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
