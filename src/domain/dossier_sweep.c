/* dossier_sweep.c: reminding the owners of drafts left untouched, then deleting those drafts
 * and the stored files nothing uses any more (docs/dossiers.md). */
#include "domain/dossier_sweep.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/dossier.h"
#include "domain/dossier_priv.h"
#include "domain/rows.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/db.h"

#define DATE_SIZE 16         /* a local date "dd/mm/yyyy" */
#define PATH_SIZE 64         /* "/dossiers/<id>/form" */
#define NOTE_SIZE 256        /* the timeline's note of a reminder */
#define REMINDER_MAIL "dossier_draft_reminder"

/* The drafts the sweeps look at: online ones with an owner to warn. */
#define SWEPT_DRAFT "status = 'draft' AND owner_account_id IS NOT NULL"
/* Due a reminder: saved last at or before the cutoff, and not reminded since. */
#define REMIND_DUE SWEPT_DRAFT " AND updated_at <= ? " \
	"AND (draft_reminded_at IS NULL OR draft_reminded_at < updated_at)"

/* The local date of 'ms' ("dd/mm/yyyy") into out[DATE_SIZE]. */
static void local_date(int64_t ms, char out[DATE_SIZE])
{
	char full[DOSSIER_TIME_SIZE];

	clock_format_local(ms, full, sizeof full);
	snprintf(out, DATE_SIZE, "%.10s", full);
}

/* ---- reminders ---- */

/* One run of dossier_remind_drafts: what every batch shares. */
struct remind_run {
	const struct account_env *env;
	struct db *db;
	int64_t now_ms;
	char now[DOSSIER_TIME_SIZE];     /* ISO-8601 */
	char cutoff[DOSSIER_TIME_SIZE];  /* saved at or before this: due */
	char delete_date[DATE_SIZE];     /* what the mail promises */
	char note[NOTE_SIZE];            /* the timeline's note */
};

/* A draft due a reminder. */
struct due_draft {
	int64_t id;
	char updated_at[DOSSIER_TIME_SIZE];
};

/* Up to DOSSIER_DRAFT_BATCH drafts due a reminder with an id above 'after', in id order. */
static int remind_due(const struct remind_run *r, int64_t after, struct due_draft *due,
                      size_t *n)
{
	struct db_stmt *st;
	int rc;

	*n = 0;
	rc = db_prepare(r->db,
		"SELECT id, updated_at FROM dossiers WHERE " REMIND_DUE " AND id > ? "
		"ORDER BY id LIMIT ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, r->cutoff)) != 0 || (rc = db_bind_int64(st, 2, after)) != 0 ||
	    (rc = db_bind_int64(st, 3, DOSSIER_DRAFT_BATCH)) != 0)
		return rc;
	/* Read them all first: the rows change below. */
	while (*n < DOSSIER_DRAFT_BATCH && (rc = db_step(st)) == DB_ROW) {
		due[*n].id = db_col_int64(st, 0);
		db_col_copy(st, 1, due[*n].updated_at, sizeof due[*n].updated_at);
		(*n)++;
	}
	if (rc < 0)
		return rc;
	db_reset(st);
	return 0;
}

/* The reminder's mail data: the dossier's facts, the form's link and the dates. */
static int reminder_data(const struct remind_run *r, const struct due_draft *d,
                         char to[DOSSIER_EMAIL_SIZE], json_t **data)
{
	char path[PATH_SIZE], link[DOSSIER_LINK_SIZE], saved[DATE_SIZE] = "";
	int64_t saved_ms;
	int rc;

	if ((rc = dossier_mail_facts(r->env, r->db, d->id, to, data)) != 0)
		return rc;
	snprintf(path, sizeof path, "/dossiers/%" PRId64 "/form", d->id);
	if ((rc = dossier_make_link(link, r->env->base_url, path, "")) != 0)
		return rc;
	if (clock_parse_iso8601(d->updated_at, &saved_ms) == 0)
		local_date(saved_ms, saved);
	if ((rc = rows_put(*data, "form_link", json_string(link))) != 0 ||
	    (rc = rows_put(*data, "saved_date", json_string(saved))) != 0 ||
	    (rc = rows_put(*data, "delete_date", json_string(r->delete_date))) != 0 ||
	    (rc = rows_put(*data, "days", json_integer(DOSSIER_DRAFT_DELETE_DAYS))) != 0)
		return rc;
	return 0;
}

/* Mark draft 'id' reminded now; the same condition as the selection, so a draft changed since
 * (which the open transaction rules out) is not marked. */
static int mark_reminded(const struct remind_run *r, int64_t id)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(r->db,
		"UPDATE dossiers SET draft_reminded_at = ? WHERE id = ? AND " REMIND_DUE, &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, r->now)) != 0 || (rc = db_bind_int64(st, 2, id)) != 0 ||
	    (rc = db_bind_cstr(st, 3, r->cutoff)) != 0 || (rc = db_step_done(st)) != 0)
		return rc;
	return db_changes(r->db) == 1 ? 0 : MC_ECONFLICT;
}

/* Remind the owner of draft 'd', inside the batch's transaction.  *queued is 1 when the mail was
 * queued and the draft marked, 0 when the outbox refused the mail (nothing changed). */
static int remind_one(const struct remind_run *r, const struct due_draft *d, int *queued)
{
	char to[DOSSIER_EMAIL_SIZE] = "";
	json_t *data = NULL;
	int rc;

	*queued = 0;
	if ((rc = reminder_data(r, d, to, &data)) != 0)
		goto out;
	rc = dossier_queue_mail(r->env, r->db, r->now_ms, to, REMINDER_MAIL, data);
	if (rc == MC_EINVAL) {
		/* The outbox checks before it writes: nothing was queued, the draft stays unmarked
		 * and so undeletable, and the next run tries again. */
		rc = 0;
		goto out;
	}
	if (rc != 0 || (rc = mark_reminded(r, d->id)) != 0 ||
	    (rc = dossier_add_event_by(r->db, d->id, r->now, 0, DOSSIER_SYSTEM_NAME, DOSSIER_DRAFT,
	                               DOSSIER_DRAFT, r->note)) != 0)
		goto out;
	*queued = 1;
out:
	json_decref(data);
	return rc;
}

/* One transaction: the drafts due after *after; *after moves past them. */
static int remind_batch(const struct remind_run *r, int64_t *after, size_t *found,
                        int64_t *reminded, int64_t *failed)
{
	struct due_draft due[DOSSIER_DRAFT_BATCH];
	int64_t ok = 0, refused = 0;
	size_t n = 0;
	int rc, queued;

	*found = 0;
	if ((rc = db_begin(r->db)) != 0)
		return rc;
	if ((rc = remind_due(r, *after, due, &n)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((rc = remind_one(r, &due[i], &queued)) != 0)
			goto out;
		if (queued)
			ok++;
		else
			refused++;
	}
	if ((rc = db_commit(r->db)) != 0)
		goto out;
	*found = n;
	if (n > 0)
		*after = due[n - 1].id;
	*reminded += ok;
	*failed += refused;
	if (ok > 0)
		dossier_mail_wake(r->env);
out:
	if (rc != 0)
		db_rollback(r->db);
	return rc;
}

int dossier_remind_drafts(const struct account_env *env, struct db *db, int64_t now_ms,
                          int64_t *count, int64_t *failed)
{
	struct remind_run r;
	int64_t after = 0, reminded = 0, refused = 0;
	size_t found = 0;
	int rc;

	memset(&r, 0, sizeof r);
	r.env = env;
	r.db = db;
	r.now_ms = now_ms;
	clock_iso8601(now_ms, r.now, sizeof r.now);
	clock_iso8601(now_ms - DOSSIER_DRAFT_REMIND_MS, r.cutoff, sizeof r.cutoff);
	/* Reminded now, so deleted no sooner than the notice from now (see dossier_sweep.h). */
	local_date(now_ms + DOSSIER_DRAFT_NOTICE_MS, r.delete_date);
	snprintf(r.note, sizeof r.note, "Đã gửi thư nhắc: bản nháp không được lưu trong %d ngày "
	         "sẽ bị xóa vào ngày %s nếu không được lưu lại hoặc nộp", DOSSIER_DRAFT_DELETE_DAYS,
	         r.delete_date);
	/* Keyset batches: a draft skipped (its mail refused) is not met again in this run. */
	do {
		rc = remind_batch(&r, &after, &found, &reminded, &refused);
	} while (rc == 0 && found == DOSSIER_DRAFT_BATCH);
	if (count != NULL)
		*count = reminded;
	if (failed != NULL)
		*failed = refused;
	return rc;
}

/* ---- deletion ---- */

/* The content (sha256) of the file rows of the drafts a batch deleted. */
struct hashes {
	char (*v)[FILESTORE_SHA256_HEX];
	size_t n, cap;
};

static int hashes_add(struct hashes *h, const char *hex, size_t len)
{
	/* Only a well-formed hash names a stored file; a cut one could name another. */
	if (len != FILESTORE_SHA256_HEX - 1)
		return 0;
	if (h->n == h->cap) {
		size_t cap = h->cap == 0 ? 64 : h->cap * 2;
		void *bigger = realloc(h->v, cap * sizeof h->v[0]);

		if (bigger == NULL)
			return MC_ENOMEM;
		h->v = bigger;
		h->cap = cap;
	}
	memcpy(h->v[h->n], hex, len + 1);
	h->n++;
	return 0;
}

/* Collect the content of dossier 'id''s file rows into 'h'. */
static int collect_hashes(struct db *db, int64_t id, struct hashes *h)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT sha256 FROM dossier_files WHERE dossier_id = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		size_t len = 0;
		const char *hex = db_col_text(st, 0, &len);

		if (hex != NULL && (rc = hashes_add(h, hex, len)) != 0)
			break;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		return rc < 0 ? rc : MC_EDB;
	}
	return 0;
}

/* One transaction: delete up to DOSSIER_DRAFT_BATCH stale drafts with an id above *after,
 * collecting their files' content into 'h'. */
static int delete_batch(struct db *db, const char *saved_cutoff, const char *reminded_cutoff,
                        int64_t *after, size_t *found, int64_t *deleted, struct hashes *h)
{
	int64_t ids[DOSSIER_DRAFT_BATCH], gone = 0;
	struct db_stmt *st;
	size_t n = 0;
	int rc;

	*found = 0;
	if ((rc = db_begin(db)) != 0)
		return rc;
	rc = db_prepare(db,
		"SELECT id FROM dossiers WHERE " SWEPT_DRAFT " AND updated_at <= ? "
		"AND draft_reminded_at IS NOT NULL AND draft_reminded_at >= updated_at "
		"AND draft_reminded_at <= ? AND id > ? ORDER BY id LIMIT ?", &st);
	if (rc != 0)
		goto out;
	if ((rc = db_bind_cstr(st, 1, saved_cutoff)) != 0 ||
	    (rc = db_bind_cstr(st, 2, reminded_cutoff)) != 0 ||
	    (rc = db_bind_int64(st, 3, *after)) != 0 ||
	    (rc = db_bind_int64(st, 4, DOSSIER_DRAFT_BATCH)) != 0)
		goto out;
	while (n < DOSSIER_DRAFT_BATCH && (rc = db_step(st)) == DB_ROW)
		ids[n++] = db_col_int64(st, 0);
	if (rc < 0)
		goto out;
	db_reset(st);
	for (size_t i = 0; i < n; i++) {
		if ((rc = collect_hashes(db, ids[i], h)) != 0)
			goto out;
		/* Versions, files, events and tokens follow by ON DELETE CASCADE. */
		if ((rc = db_prepare(db, "DELETE FROM dossiers WHERE id = ? AND status = 'draft'",
		                     &st)) != 0 ||
		    (rc = db_bind_int64(st, 1, ids[i])) != 0 || (rc = db_step_done(st)) != 0)
			goto out;
		gone += db_changes(db);
	}
	if ((rc = db_commit(db)) != 0)
		goto out;
	*found = n;
	if (n > 0)
		*after = ids[n - 1];
	*deleted += gone;
out:
	if (rc != 0) {
		db_rollback(db);
		h->n = 0; /* nothing was deleted: no content was freed */
	}
	return rc;
}

/* Whether any file row still uses content 'hex'. */
static int hash_used(struct db *db, const char *hex, int *used)
{
	struct db_stmt *st;
	int rc;

	*used = 1;
	rc = db_prepare(db, "SELECT 1 FROM dossier_files WHERE sha256 = ? LIMIT 1", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, hex)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	*used = rc == DB_ROW;
	if (rc == DB_ROW)
		db_reset(st);
	return 0;
}

/* Delete from the store the content in 'h' that no row uses any more.  Every hash is tried;
 * the first error is returned. */
static int free_hashes(struct db *db, struct filestore *files, const struct hashes *h,
                       int64_t *removed_count)
{
	int rc, first = 0, used, removed;

	for (size_t i = 0; i < h->n; i++) {
		rc = hash_used(db, h->v[i], &used);
		if (rc == 0 && !used) {
			rc = filestore_remove(files, h->v[i], DOSSIER_SWEEP_FILE_GRACE_SECONDS, &removed);
			if (rc == 0 && removed)
				(*removed_count)++;
			/* A row whose hash is not one never had bytes in the store. */
			if (rc == MC_EINVAL)
				rc = 0;
		}
		if (rc != 0 && first == 0)
			first = rc;
	}
	return first;
}

/* What the walk of dossier_sweep_orphan_files carries. */
struct orphan_walk {
	struct db *db;
	struct filestore *files;
	int64_t removed;
	int io_rc; /* the first file that could not be deleted */
};

static int free_orphan(void *arg, const char *hex)
{
	struct orphan_walk *w = arg;
	int rc, used, removed;

	if ((rc = hash_used(w->db, hex, &used)) != 0)
		return rc;
	if (used)
		return 0;
	rc = filestore_remove(w->files, hex, DOSSIER_SWEEP_FILE_GRACE_SECONDS, &removed);
	if (rc == 0)
		w->removed += removed;
	else if (w->io_rc == 0)
		w->io_rc = rc;
	return 0;
}

int dossier_sweep_orphan_files(struct db *db, struct filestore *files, int64_t *files_removed)
{
	struct orphan_walk w = { .db = db, .files = files };
	int rc;

	rc = filestore_each(files, DOSSIER_SWEEP_FILE_GRACE_SECONDS, free_orphan, &w);
	if (files_removed != NULL)
		*files_removed = w.removed;
	return rc != 0 ? rc : w.io_rc;
}

int dossier_delete_stale_drafts(struct db *db, struct filestore *files, int64_t now_ms,
                                int64_t *count, int64_t *files_removed)
{
	char saved_cutoff[DOSSIER_TIME_SIZE], reminded_cutoff[DOSSIER_TIME_SIZE];
	struct hashes h = { 0 };
	int64_t after = 0, deleted = 0, removed = 0;
	size_t found = 0;
	int rc, file_rc = 0;

	clock_iso8601(now_ms - DOSSIER_DRAFT_DELETE_MS, saved_cutoff, sizeof saved_cutoff);
	clock_iso8601(now_ms - DOSSIER_DRAFT_NOTICE_MS, reminded_cutoff, sizeof reminded_cutoff);
	do {
		h.n = 0;
		rc = delete_batch(db, saved_cutoff, reminded_cutoff, &after, &found, &deleted, &h);
		if (rc != 0)
			break;
		/* Only after the commit: until then the deleted rows still use the content. */
		rc = free_hashes(db, files, &h, &removed);
		if (rc != 0 && file_rc == 0)
			file_rc = rc;
		/* A file that could not be deleted only wastes space: go on with the drafts. */
		rc = 0;
	} while (found == DOSSIER_DRAFT_BATCH);
	free(h.v);
	if (count != NULL)
		*count = deleted;
	if (files_removed != NULL)
		*files_removed = removed;
	return rc != 0 ? rc : file_rc;
}

/* ---- overdue dossiers ---- */

/* In progress, its clock running, past its due time, and not flagged yet. */
#define OVERDUE_DUE                                                                              \
	"due_at < ? AND paused_at IS NULL AND finished_at IS NULL AND overdue_notified_at IS NULL " \
	"AND status NOT IN ('draft', 'unconfirmed', 'expired', 'supplement', 'done', 'returned', "  \
	"'refused', 'withdrawn')"

/* The addresses told of a late dossier: the desk's, and the leaders of the department handling
 * it (of the competent agency when no department has it, or the department has no leader). */
static int overdue_recipients(struct db *db, int64_t id, json_t *to)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
		"SELECT dk.email FROM dossiers d JOIN agencies dk ON dk.id = d.desk_agency_id "
		"WHERE d.id = ?1 AND dk.email <> '' "
		"UNION SELECT a.email FROM dossiers d JOIN staff s ON s.agency_id = d.competent_agency_id "
		"JOIN accounts a ON a.id = s.account_id WHERE d.id = ?1 AND s.role = 'leader' AND "
		"a.status = 'active' AND (s.department_id = d.department_id OR (s.department_id IS NULL "
		"AND NOT EXISTS (SELECT 1 FROM staff s2 JOIN accounts a2 ON a2.id = s2.account_id "
		"WHERE s2.role = 'leader' AND s2.department_id = d.department_id AND "
		"a2.status = 'active')))", &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW)
		if (json_array_append_new(to, rows_text(st, 0)) != 0) {
			db_reset(st);
			return MC_ENOMEM;
		}
	return rc == DB_DONE ? 0 : (rc < 0 ? rc : MC_EDB);
}

/* Flag dossier 'id' overdue, note it on the timeline (for staff) and mail the desk and the
 * leaders, inside the caller's transaction.  *done: 0 when it no longer qualifies. */
static int flag_one(const struct account_env *env, struct db *db, int64_t now_ms,
                    const char *now, int64_t id, int *done)
{
	char link[DOSSIER_LINK_SIZE], path[PATH_SIZE], status[32] = "";
	struct dossier_event ev = { 0 };
	struct db_stmt *st;
	json_t *data = NULL, *to = json_array(), *addr;
	size_t i;
	int rc;

	*done = 0;
	if (to == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db, "UPDATE dossiers SET overdue_notified_at = ? WHERE id = ? AND "
	                    OVERDUE_DUE " RETURNING status", &st);
	if (rc != 0 || (rc = db_bind_cstr(st, 1, now)) != 0 || (rc = db_bind_int64(st, 2, id)) != 0 ||
	    (rc = db_bind_cstr(st, 3, now)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0)
		goto out;
	if (rc == DB_DONE) {
		rc = 0;
		goto out;
	}
	db_col_copy(st, 0, status, sizeof status);
	db_reset(st);
	*done = 1;
	ev.dossier_id = id;
	ev.at = now;
	ev.actor_name = DOSSIER_SYSTEM_NAME;
	ev.from = ev.to = status;
	ev.note = "Hồ sơ đã quá hạn giải quyết";
	ev.internal = 1;
	ev.action = "overdue";
	if ((rc = dossier_add_event(db, &ev)) != 0)
		goto out;
	if ((rc = overdue_recipients(db, id, to)) != 0 || json_array_size(to) == 0)
		goto out;
	/* Only what the staff's mail says: nothing of the applicant's address is needed. */
	if ((data = json_object()) == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	snprintf(path, sizeof path, "/staff/dossiers/%" PRId64, id);
	if ((rc = dossier_make_link(link, env->base_url, path, "")) != 0 ||
	    (rc = rows_put(data, "portal_name",
	                   json_string(env->portal_name != NULL ? env->portal_name : ""))) != 0 ||
	    (rc = rows_put(data, "staff_link", json_string(link))) != 0 ||
	    (rc = rows_put(data, "status_label", json_string(dossier_label(status)))) != 0)
		goto out;
	if ((rc = db_row_by_id(db, "SELECT coalesce(receipt_no, ''), due_at, applicant_name, "
	                           "p.name, p.code FROM dossiers d JOIN procedures p ON "
	                           "p.id = d.procedure_id WHERE d.id = ?", id, &st)) != 0)
		goto out;
	if ((rc = rows_put(data, "receipt_no", rows_text(st, 0))) != 0 ||
	    (rc = rows_put(data, "due_text", dossier_local_time(st, 1))) != 0 ||
	    (rc = rows_put(data, "applicant_name", rows_text(st, 2))) != 0 ||
	    (rc = rows_put(data, "procedure_name", rows_text(st, 3))) != 0 ||
	    (rc = rows_put(data, "procedure_code", rows_text(st, 4))) != 0) {
		db_reset(st);
		goto out;
	}
	db_reset(st);
	json_array_foreach(to, i, addr)
		if ((rc = dossier_queue_mail(env, db, now_ms, json_string_value(addr), "dossier_overdue",
		                             data)) != 0)
			goto out;
out:
	json_decref(data);
	json_decref(to);
	return rc;
}

int dossier_flag_overdue(const struct account_env *env, struct db *db, int64_t now_ms,
                         int64_t *count)
{
	char now[DOSSIER_TIME_SIZE];
	int64_t ids[DOSSIER_DRAFT_BATCH], after = 0, n_done = 0;
	int rc = 0;

	if (count != NULL)
		*count = 0;
	clock_iso8601(now_ms, now, sizeof now);
	for (;;) {
		struct db_stmt *st;
		size_t n = 0;

		rc = db_prepare(db, "SELECT id FROM dossiers WHERE " OVERDUE_DUE " AND id > ? "
		                    "ORDER BY id LIMIT ?", &st);
		if (rc != 0 || (rc = db_bind_cstr(st, 1, now)) != 0 ||
		    (rc = db_bind_int64(st, 2, after)) != 0 ||
		    (rc = db_bind_int64(st, 3, DOSSIER_DRAFT_BATCH)) != 0)
			break;
		while (n < DOSSIER_DRAFT_BATCH && (rc = db_step(st)) == DB_ROW)
			ids[n++] = db_col_int64(st, 0);
		if (rc < 0)
			break;
		db_reset(st);
		rc = 0;
		if (n == 0)
			break;
		after = ids[n - 1];
		if ((rc = db_begin(db)) != 0)
			break;
		for (size_t i = 0; rc == 0 && i < n; i++) {
			int done = 0;

			rc = flag_one(env, db, now_ms, now, ids[i], &done);
			n_done += done;
		}
		if (rc == 0 && (rc = db_commit(db)) == 0)
			dossier_mail_wake(env);
		if (rc != 0) {
			db_rollback(db);
			break;
		}
		if (count != NULL)
			*count = n_done;
	}
	return rc;
}

/* ---- all of them ---- */

int dossier_sweep_all(const struct account_env *env, struct db *db, struct filestore *files,
                      int64_t now_ms, struct dossier_sweep_counts *counts)
{
	int rc, first;

	memset(counts, 0, sizeof *counts);
	first = dossier_expire_unconfirmed(env, db, now_ms, &counts->expired);
	rc = dossier_remind_drafts(env, db, now_ms, &counts->reminded, &counts->remind_failed);
	if (first == 0)
		first = rc;
	rc = dossier_delete_stale_drafts(db, files, now_ms, &counts->deleted,
	                                 &counts->files_removed);
	if (first == 0)
		first = rc;
	rc = dossier_flag_overdue(env, db, now_ms, &counts->overdue);
	if (first == 0)
		first = rc;
	return first;
}
