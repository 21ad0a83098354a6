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
