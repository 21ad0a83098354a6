/* mailadmin.c: failed e-mail for system administrators. */
#include "domain/mailadmin.h"

#include <stdio.h>

#include "domain/account.h"
#include "domain/audit.h"
#include "domain/scope.h"
#include "lib/err.h"
#include "store/db.h"

int mailadmin_list_failed(struct db *db, const struct actor *actor, size_t limit,
                          int (*fn)(void *arg, const struct outbox_failed *row), void *arg)
{
	if (!scope_is_global(actor))
		return MC_EFORBIDDEN;
	return outbox_list_failed(db, limit, fn, arg);
}

int mailadmin_retry(const struct account_env *env, struct db *db, const struct actor *actor,
                    int64_t now_ms, int64_t id)
{
	char summary[96];
	int rc;

	if (!scope_is_global(actor))
		return MC_EFORBIDDEN;
	rc = db_begin(db);
	if (rc != 0)
		return rc;
	snprintf(summary, sizeof(summary), "Gửi lại thư điện tử số %lld", (long long)id);
	rc = outbox_requeue_failed(db, id, now_ms);
	if (rc == 0)
		rc = audit_record(db, actor, now_ms, "retry", "mail", id, 0, summary, NULL, NULL);
	if (rc == 0)
		rc = db_commit(db);
	if (rc != 0) {
		db_rollback(db);
		return rc;
	}
	if (env->mail_queued != NULL)
		env->mail_queued(env->mail_ctx);
	return 0;
}
