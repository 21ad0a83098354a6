/* mailadmin.h: what system administrators see and do about e-mail that could not be sent. */
#ifndef MC_MAILADMIN_H
#define MC_MAILADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "domain/actor.h"
#include "mail/outbox.h"

struct account_env;
struct db;

/*
 * The messages given up, newest first, up to 'limit', through fn(arg, row) as
 * outbox_list_failed.  MC_EFORBIDDEN: 'actor' is not a system administrator (mail to every
 * agency's staff and citizens is listed); MC_EDB.
 */
int mailadmin_list_failed(struct db *db, const struct actor *actor, size_t limit,
                          int (*fn)(void *arg, const struct outbox_failed *row), void *arg);

/*
 * Queue failed message 'id' again (outbox_requeue_failed), with its audit record, in one
 * transaction, then wake the sender.  MC_EFORBIDDEN: not a system administrator;
 * MC_ENOTFOUND: no failed message 'id'; MC_EDB.
 */
int mailadmin_retry(const struct account_env *env, struct db *db, const struct actor *actor,
                    int64_t now_ms, int64_t id);

#endif
