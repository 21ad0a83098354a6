/* session.h: server-side login sessions. */
#ifndef MC_SESSION_H
#define MC_SESSION_H

#include <stdint.h>

#include "domain/actor.h"

struct db;

#define SESSION_IDLE_MS (30LL * 60 * 1000)          /* idle timeout: 30 minutes */
#define SESSION_ABSOLUTE_MS (12LL * 60 * 60 * 1000) /* absolute limit: 12 hours */

/*
 * Open a new session for account 'account_id' at 'now_ms': a fresh 256-bit id (returned in
 * 'cookie' for the Set-Cookie header; only its hash is stored) and a fresh CSRF token.
 * MC_EDB on failure.
 */
int session_create(struct db *db, int64_t account_id, int64_t now_ms,
                   char cookie[TOKEN_LEN + 1]);

/*
 * The actor behind session cookie value 'cookie' at 'now_ms'.  The session must be within both
 * its idle and absolute limits and its account active; its last-seen time moves forward (at most
 * once a minute, to spare the database).  A session past a limit is deleted.  MC_ENOTFOUND:
 * no such live session (the caller treats the visitor as anonymous); MC_EDB.
 */
int session_lookup(struct db *db, const char *cookie, int64_t now_ms, struct actor *out);

/* End the session whose id hashes to 'session_hash' (logout).  MC_EDB on failure. */
int session_delete(struct db *db, const char *session_hash);

/* End every session of 'account_id' (password change or reset).  MC_EDB on failure. */
int session_revoke_all(struct db *db, int64_t account_id);

#endif
