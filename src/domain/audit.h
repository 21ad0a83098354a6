/* audit.h: the record of every administrative change (who, when, what, before and after). */
#ifndef MC_AUDIT_H
#define MC_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "domain/actor.h"

struct db;

/*
 * Record one change made by 'actor' at 'now_ms' (inside the caller's transaction, so the change
 * and its record commit together).  'action' is "create", "update", "deactivate", "activate",
 * "delete", "import" ...; 'entity' names the kind of thing ("agency", "department", "staff",
 * "procedure", "document", "offering", "holiday", "catalog"); 'entity_id' its id (0: none);
 * 'agency_id' the agency it concerns (0: none; agency administrators see records of their
 * scope); 'summary' one line of Vietnamese for lists.  'before' and 'after' (either may be NULL)
 * are stored as JSON text; neither reference is taken.  An actor with account_id 0 is recorded
 * as the system ("Hệ thống", e.g. the command line).  MC_EDB; MC_ENOMEM.
 */
int audit_record(struct db *db, const struct actor *actor, int64_t now_ms, const char *action,
                 const char *entity, int64_t entity_id, int64_t agency_id, const char *summary,
                 const json_t *before, const json_t *after);

/*
 * The hash chain.  Each row holds prev_hash, the hash of the row before it (64 zeros for the
 * first), and hash, the SHA-256 of prev_hash, its id and every column, each length-prefixed.
 * audit_record seals each row it writes, in the caller's transaction.  Changing a row breaks
 * its hash; removing one breaks the next row's link.
 *
 * audit_seal_row: seal row 'id' after the last sealed row before it.
 * audit_seal: while no row is sealed (rows written before the chain existed), seal them all, in
 * order and in one transaction; *sealed (may be NULL) receives how many.  Once the chain exists
 * an unsealed row, wherever it is, is left for audit_verify to report.  MC_EDB.
 *
 * The chain has no secret: someone who can write the database and recompute every hash after
 * the row they changed goes unnoticed.  It catches edits made with an SQL tool, restores of
 * part of a backup and deleted rows, which is what the log is for; keeping the last hash
 * outside the server (a daily report) closes the rest.
 * audit_verify: walk the whole log; *rows receives how many rows were read, *broken the id of
 * the first row whose link or hash is wrong (0: the chain is intact), with the reason in English
 * in why[0..cap).  MC_EDB.
 */
int audit_seal_row(struct db *db, int64_t id);
int audit_seal(struct db *db, int64_t *sealed);
int audit_verify(struct db *db, int64_t *rows, int64_t *broken, char *why, size_t cap);

/* One page of the audit log as seen by an administrator. */
struct audit_query {
	const char *entity;   /* "" or NULL: every kind */
	int64_t entity_id;    /* 0: any */
	int page;             /* 1-based */
	int per_page;         /* 1..100 */
};

/*
 * The records 'actor' may see (a system administrator: all; an agency administrator: those of
 * its agency and the agencies below it), newest first, as a JSON object
 * { "items": [ { id, at, actor_name, action, entity, entity_id, summary } ], "total", "page",
 * "pages" } in *out (new reference).  MC_EFORBIDDEN: not an administrator; MC_EDB; MC_ENOMEM.
 */
int audit_list(struct db *db, const struct actor *actor, const struct audit_query *q,
               json_t **out);

/*
 * One record with its "before" and "after" (parsed JSON, or null) in *out (new reference).
 * MC_ENOTFOUND: no such record or outside the actor's scope; MC_EFORBIDDEN; MC_EDB.
 */
int audit_get(struct db *db, const struct actor *actor, int64_t id, json_t **out);

#endif
