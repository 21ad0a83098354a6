/* dossier_sweep.h: the background sweeps of dossiers: reminding the owners of drafts left
 * untouched and then deleting those drafts, and all the dossier sweeps in one call
 * (docs/dossiers.md).  The timer that runs them is src/sweeper.c. */
#ifndef MC_DOSSIER_SWEEP_H
#define MC_DOSSIER_SWEEP_H

#include <stdint.h>

#include "domain/account.h"
#include "domain/filestore.h"

struct db;

/*
 * A draft is "untouched" since its updated_at, which every save of the form sets (opening the
 * form does not).  DOSSIER_DRAFT_REMIND_DAYS after that its owner is mailed a reminder; it is
 * deleted once it is DOSSIER_DRAFT_DELETE_DAYS untouched AND its reminder, sent after the last
 * save, is DOSSIER_DRAFT_NOTICE_MS old: a late reminder (the server was down on the day) moves
 * the deletion, so no draft goes without its owner having had the full notice.  A save after the
 * reminder starts the count again, and a second reminder follows in time.
 *
 * Only online drafts with an owner are swept (a walk-in draft has nobody to warn).  The
 * reminder changes neither the version nor updated_at, so a citizen with the form open can still
 * save it.
 */
#define DOSSIER_DAY_MS             (24LL * 60 * 60 * 1000)
#define DOSSIER_DRAFT_REMIND_DAYS  27
#define DOSSIER_DRAFT_DELETE_DAYS  30
#define DOSSIER_DRAFT_REMIND_MS    (DOSSIER_DRAFT_REMIND_DAYS * DOSSIER_DAY_MS)
#define DOSSIER_DRAFT_DELETE_MS    (DOSSIER_DRAFT_DELETE_DAYS * DOSSIER_DAY_MS)
#define DOSSIER_DRAFT_NOTICE_MS    (DOSSIER_DRAFT_DELETE_MS - DOSSIER_DRAFT_REMIND_MS)
#define DOSSIER_DRAFT_BATCH        100   /* drafts reminded or deleted per transaction */
/* Unused bytes younger than this stay in the store: an upload may have put them and not yet
 * committed the row that uses them (see filestore.h). */
#define DOSSIER_SWEEP_FILE_GRACE_SECONDS FILESTORE_TMP_STALE_SECONDS

/* What one run of dossier_sweep_all did. */
struct dossier_sweep_counts {
	int64_t expired;          /* unconfirmed dossiers expired */
	int64_t reminded;         /* reminder mails queued */
	int64_t remind_failed;    /* drafts whose reminder the outbox refused (a bad address) */
	int64_t deleted;          /* drafts deleted */
	int64_t files_removed;    /* stored files no dossier used any more, deleted */
	int64_t overdue;          /* dossiers newly overdue, their desk and leaders told */
};

/*
 * Queue the "dossier_draft_reminder" mail (templates/mail/dossier_draft_reminder_*: the
 * procedure, the desk, the link <base_url>/dossiers/{id}/form, the local date dd/mm/yyyy of the
 * last save and the one from which the draft is deleted, now + DOSSIER_DRAFT_NOTICE_MS) to the
 * owner of every draft saved last DOSSIER_DRAFT_REMIND_MS or more before 'now_ms' and not
 * reminded since, set its draft_reminded_at to now and note it on the timeline (by the system,
 * draft to draft).  Batches of DOSSIER_DRAFT_BATCH drafts, one transaction each, the mail queued
 * in the same transaction as the mark, so a draft is reminded once whatever fails; the mail
 * sender is woken after each commit that queued mail (env->mail_queued).  A draft whose mail
 * the outbox refuses (MC_EINVAL: its owner's address or the mail domain is not valid) is left
 * unmarked and counted in *failed; it is tried again at the next run, and never deleted
 * unwarned.  Call with no transaction open.  *count and *failed (each may be NULL) receive what
 * was done, the batches committed before an error included.  MC_EUNAVAIL; MC_EDB; MC_ENOMEM;
 * an error of mail_compose (MC_ENOTFOUND: the templates are missing).
 */
int dossier_remind_drafts(const struct account_env *env, struct db *db, int64_t now_ms,
                          int64_t *count, int64_t *failed);

/*
 * Delete every draft saved last DOSSIER_DRAFT_DELETE_MS or more before 'now_ms' whose reminder,
 * sent after that save, is DOSSIER_DRAFT_NOTICE_MS or more old, with its rows (files, events,
 * tokens and versions go by ON DELETE CASCADE), in batches of DOSSIER_DRAFT_BATCH drafts, one
 * transaction each.  After each commit the content (sha256) of the deleted file rows that no
 * dossier_files row uses any more is deleted from 'files' with filestore_remove and a grace of
 * DOSSIER_SWEEP_FILE_GRACE_SECONDS, so content another dossier uses stays, and so does content
 * an upload has just put (dossier_sweep_orphan_files finds it later).  Call with no transaction open.  *count and *files_removed (each may be NULL)
 * receive the drafts and stored files deleted, those before an error included.  MC_EUNAVAIL;
 * MC_EDB; MC_ENOMEM; MC_EIO: a stored file could not be deleted (the drafts are gone all the
 * same; the other files were tried).
 */
int dossier_delete_stale_drafts(struct db *db, struct filestore *files, int64_t now_ms,
                                int64_t *count, int64_t *files_removed);

/*
 * The full check of the store: delete every stored content at least
 * DOSSIER_SWEEP_FILE_GRACE_SECONDS old that no dossier_files row uses: a file taken out of a draft
 * or a supplement before any version held it, an upload whose save failed or whose client went
 * away, content a draft sweep found too young.  It reads the whole store, so it is for a daily
 * run.  Call with no transaction open.  *files_removed (may be NULL) receives how many were
 * deleted.  MC_EDB; MC_EIO: the store cannot be read, or a file could not be deleted (the others
 * were tried).
 */
int dossier_sweep_orphan_files(struct db *db, struct filestore *files, int64_t *files_removed);

/*
 * Flag every dossier in progress whose due time passed before 'now_ms' while its clock ran (no
 * supplement awaited, not finished) and that was not flagged since its due date was last set:
 * overdue_notified_at is set, the timeline notes it for staff, and the "dossier_overdue" mail
 * goes to the desk agency's address and to the active leaders of the department handling it
 * (the competent agency's leaders when no department has it or it has no leader).  Once per
 * due date: an extension clears the flag.  Batches of DOSSIER_DRAFT_BATCH, one transaction
 * each; call with no transaction open.  *count (may be NULL) receives how many were flagged.
 * MC_EUNAVAIL; MC_EDB; MC_ENOMEM; an error of mail_compose.
 */
int dossier_flag_overdue(const struct account_env *env, struct db *db, int64_t now_ms,
                         int64_t *count);

/*
 * Every dossier sweep at 'now_ms', in this order: dossier_expire_unconfirmed,
 * dossier_remind_drafts, dossier_delete_stale_drafts, dossier_flag_overdue.  Each runs even when
 * an earlier one failed; the first error is returned.  *counts (required) is zeroed, then
 * receives what was done.  Errors as the four.
 */
int dossier_sweep_all(const struct account_env *env, struct db *db, struct filestore *files,
                      int64_t now_ms, struct dossier_sweep_counts *counts);

#endif
