/* scope.c: which agencies an administrator may see and change. */
#include "domain/scope.h"

#include "lib/err.h"
#include "store/db.h"

int scope_is_global(const struct actor *actor)
{
	return actor != NULL && actor->role == ROLE_STAFF && actor->staff_role == STAFF_SYSTEM_ADMIN;
}

int scope_check_agency(struct db *db, const struct actor *actor, int64_t agency_id)
{
	struct db_stmt *st;
	int rc;

	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if (agency_id <= 0)
		return MC_ENOTFOUND;
	if (scope_is_global(actor))
		rc = db_prepare(db, "SELECT 1 FROM agencies WHERE id = ? AND ? IS NOT NULL", &st);
	else
		rc = db_prepare(db,
		                "SELECT 1 FROM agencies WHERE id = ? AND id IN (" SCOPE_SUBTREE_SQL ")",
		                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, agency_id)) != 0 ||
	    (rc = db_bind_int64(st, 2, actor->agency_id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	db_reset(st);
	return 0;
}
