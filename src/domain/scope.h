/* scope.h: which agencies an administrator may see and change. */
#ifndef MC_SCOPE_H
#define MC_SCOPE_H

#include <stdint.h>

#include "domain/actor.h"

struct db;

/*
 * Whether 'actor' may administer agency 'agency_id': a system administrator any agency, an
 * agency administrator its own agency and every agency below it.  0: yes; MC_EFORBIDDEN: the
 * actor is not an administrator at all; MC_ENOTFOUND: no such agency, or it is outside the
 * actor's scope (the two look the same, so nothing leaks); MC_EDB.
 */
int scope_check_agency(struct db *db, const struct actor *actor, int64_t agency_id);

/*
 * A subquery giving the ids of an agency and of every agency below it, with one '?' for the
 * agency's id (an agency administrator's actor->agency_id).  Use it as
 * "... WHERE x.agency_id IN (" SCOPE_SUBTREE_SQL ")"; a system administrator needs no condition.
 */
#define SCOPE_SUBTREE_SQL \
	"WITH RECURSIVE sub(id) AS (SELECT id FROM agencies WHERE id = ? UNION ALL " \
	"SELECT g.id FROM agencies g JOIN sub ON g.parent_id = sub.id) SELECT id FROM sub"

/* 1 when 'actor' is a system administrator (scope: everything), else 0. */
int scope_is_global(const struct actor *actor);

#endif
