/* outbox.c: the mail outbox table over the db.h facade (portable SQL, bound values only). */
#include "mail/outbox.h"

#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/err.h"
#include "lib/utf8.h"
#include "mail/mime.h"
#include "store/db.h"

#define OUTBOX_RETRY_FIRST_MS (60 * 1000)          /* the first retry waits one minute */
#define OUTBOX_RETRY_MAX_MS (60 * 60 * 1000)       /* and no try waits more than an hour */
#define OUTBOX_GIVE_UP_MS (24 * 60 * 60 * 1000)    /* no try later than this after created_at */
#define OUTBOX_ERROR_BYTES 1000                    /* last_error kept */
#define OUTBOX_ISO_LEN 32                          /* clock_iso8601 needs 25 */
#define OUTBOX_ADDRESS_LEN 256
#define OUTBOX_CLAIM_MAX 10000                     /* messages taken by one claim */

/* 'error' as it is kept: control characters become spaces, bytes of invalid UTF-8 become '?',
 * cut to OUTBOX_ERROR_BYTES on a character boundary. */
static void error_text(const char *error, char out[OUTBOX_ERROR_BYTES + 1])
{
	size_t n, i;
	int valid;

	if (error == NULL)
		error = "";
	n = strlen(error);
	valid = utf8_valid(error, n);
	if (n > OUTBOX_ERROR_BYTES) {
		n = OUTBOX_ERROR_BYTES;
		while (valid && n > 0 && ((unsigned char)error[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)error[i];
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		else if (c >= 0x80 && !valid)
			c = '?';
		out[i] = (char)c;
	}
	out[n] = '\0';
}

static int text_ok(const char *s)
{
	return s != NULL && utf8_valid(s, strlen(s));
}

int outbox_enqueue(struct db *db, const char *recipient, const char *subject, const char *text,
                   const char *html, const char *message_id_domain, int64_t now_ms, int64_t *id)
{
	char address[OUTBOX_ADDRESS_LEN], message_id[OUTBOX_ADDRESS_LEN], now[OUTBOX_ISO_LEN];
	struct db_stmt *st;
	int rc;

	if (id != NULL)
		*id = 0;
	/* Refuse here what the sender could never send, so the caller's change fails with it. */
	rc = mime_address(recipient, address, sizeof address);
	if (rc != 0) {
		rc = MC_EINVAL;
		goto out;
	}
	if (!text_ok(subject) || strpbrk(subject, "\r\n") != NULL || !text_ok(text) ||
	    !text_ok(html)) {
		rc = MC_EINVAL;
		goto out;
	}
	rc = mime_message_id(message_id_domain, message_id, sizeof message_id);
	if (rc == MC_ETOOBIG)
		rc = MC_EINVAL;
	if (rc != 0)
		goto out;
	clock_iso8601(now_ms, now, sizeof now);
	rc = db_prepare(db,
	                "INSERT INTO mail_outbox (recipient, subject, body_text, body_html, message_id,"
	                " status, attempts, created_at, next_attempt_at)"
	                " VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
	                &st);
	if (rc != 0)
		goto out;
	if (db_bind_cstr(st, 1, recipient) != 0 || db_bind_cstr(st, 2, subject) != 0 ||
	    db_bind_cstr(st, 3, text) != 0 || db_bind_cstr(st, 4, html) != 0 ||
	    db_bind_cstr(st, 5, message_id) != 0 || db_bind_cstr(st, 6, now) != 0 ||
	    db_bind_cstr(st, 7, now) != 0) {
		rc = MC_EDB;
		goto out;
	}
	rc = db_step(st);
	if (rc != DB_DONE) {
		rc = rc < 0 ? rc : MC_EDB;
		goto out;
	}
	if (id != NULL)
		*id = db_last_id(db);
	rc = 0;
out:
	return rc;
}

void outbox_msgs_free(struct outbox_msg *msgs, size_t count)
{
	size_t i;

	if (msgs == NULL)
		return;
	for (i = 0; i < count; i++) {
		free(msgs[i].recipient);
		free(msgs[i].subject);
		free(msgs[i].body_text);
		free(msgs[i].body_html);
		free(msgs[i].message_id);
	}
	free(msgs);
}

static char *column_dup(struct db_stmt *st, int col)
{
	size_t len;
	const char *s = db_col_text(st, col, &len);
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return NULL;
	if (len > 0)
		memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

int outbox_claim_due(struct db *db, int64_t now_ms, size_t limit, struct outbox_msg **msgs,
                     size_t *count)
{
	struct outbox_msg *list = NULL, *m;
	struct db_stmt *st;
	char now[OUTBOX_ISO_LEN];
	size_t n = 0, i;
	int rc, in_tx = 0;

	*msgs = NULL;
	*count = 0;
	if (limit == 0) {
		rc = MC_EINVAL;
		goto out;
	}
	if (limit > OUTBOX_CLAIM_MAX)
		limit = OUTBOX_CLAIM_MAX;
	clock_iso8601(now_ms, now, sizeof now);
	rc = db_begin(db);
	if (rc != 0)
		goto out;
	in_tx = 1;
	list = calloc(limit, sizeof *list);
	if (list == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	rc = db_prepare(db,
	                "SELECT id, recipient, subject, body_text, body_html, message_id, attempts"
	                " FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= ?"
	                " ORDER BY next_attempt_at, id LIMIT ?",
	                &st);
	if (rc != 0)
		goto out;
	if (db_bind_cstr(st, 1, now) != 0 || db_bind_int64(st, 2, (int64_t)limit) != 0) {
		rc = MC_EDB;
		goto out;
	}
	/* Read every row first: the updates below touch the table being read. */
	while ((rc = db_step(st)) == DB_ROW && n < limit) {
		m = &list[n++];
		m->id = db_col_int64(st, 0);
		m->recipient = column_dup(st, 1);
		m->subject = column_dup(st, 2);
		m->body_text = column_dup(st, 3);
		m->body_html = column_dup(st, 4);
		m->message_id = column_dup(st, 5);
		m->attempts = db_col_int64(st, 6) + 1;
		if (m->recipient == NULL || m->subject == NULL || m->body_text == NULL ||
		    m->body_html == NULL || m->message_id == NULL) {
			db_reset(st);
			rc = MC_ENOMEM;
			goto out;
		}
	}
	if (rc == DB_ROW)
		db_reset(st);
	else if (rc < 0)
		goto out;
	for (i = 0; i < n; i++) {
		rc = db_prepare(db,
		                "UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1"
		                " WHERE id = ? AND status = 'queued'",
		                &st);
		if (rc != 0)
			goto out;
		if (db_bind_int64(st, 1, list[i].id) != 0) {
			rc = MC_EDB;
			goto out;
		}
		rc = db_step(st);
		if (rc != DB_DONE) {
			rc = rc < 0 ? rc : MC_EDB;
			goto out;
		}
	}
	rc = db_commit(db);
	if (rc != 0)
		goto out;
	in_tx = 0;
	if (n > 0) {
		*msgs = list;
		*count = n;
		list = NULL;
	}
	rc = 0;
out:
	if (in_tx)
		db_rollback(db);
	outbox_msgs_free(list, n);
	return rc;
}

/* UPDATE statements of the mark functions: 1 when a 'sending' row changed, else MC_ENOTFOUND. */
static int step_changed(struct db *db, struct db_stmt *st)
{
	int rc = db_step(st);

	if (rc != DB_DONE)
		return rc < 0 ? rc : MC_EDB;
	return db_changes(db) > 0 ? 0 : MC_ENOTFOUND;
}

int outbox_mark_sent(struct db *db, int64_t id, int64_t now_ms)
{
	char now[OUTBOX_ISO_LEN];
	struct db_stmt *st;
	int rc;

	clock_iso8601(now_ms, now, sizeof now);
	rc = db_prepare(db,
	                "UPDATE mail_outbox SET status = 'sent', sent_at = ?, last_error = NULL"
	                " WHERE id = ? AND status = 'sending'",
	                &st);
	if (rc != 0)
		return rc;
	if (db_bind_cstr(st, 1, now) != 0 || db_bind_int64(st, 2, id) != 0)
		return MC_EDB;
	return step_changed(db, st);
}

/* Give message 'id' up: 'failed', with the time in next_attempt_at. */
static int mark_failed(struct db *db, int64_t id, int64_t now_ms, const char *error)
{
	char now[OUTBOX_ISO_LEN], text[OUTBOX_ERROR_BYTES + 1];
	struct db_stmt *st;
	int rc;

	clock_iso8601(now_ms, now, sizeof now);
	error_text(error, text);
	rc = db_prepare(db,
	                "UPDATE mail_outbox SET status = 'failed', next_attempt_at = ?, last_error = ?"
	                " WHERE id = ? AND status = 'sending'",
	                &st);
	if (rc != 0)
		return rc;
	if (db_bind_cstr(st, 1, now) != 0 || db_bind_cstr(st, 2, text) != 0 ||
	    db_bind_int64(st, 3, id) != 0)
		return MC_EDB;
	return step_changed(db, st);
}

int outbox_mark_failed(struct db *db, int64_t id, int64_t now_ms, const char *error)
{
	return mark_failed(db, id, now_ms, error);
}

int outbox_requeue_failed(struct db *db, int64_t id, int64_t now_ms)
{
	char now[OUTBOX_ISO_LEN];
	struct db_stmt *st;
	int rc;

	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db, "UPDATE mail_outbox SET status = 'queued', attempts = 0, created_at = ?,"
	                    " next_attempt_at = ? WHERE id = ? AND status = 'failed'",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, now)) != 0 || (rc = db_bind_cstr(st, 2, now)) != 0 ||
	    (rc = db_bind_int64(st, 3, id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	return db_changes(db) == 1 ? 0 : MC_ENOTFOUND;
}

int outbox_mark_retry(struct db *db, int64_t id, int64_t now_ms, const char *error,
                      int64_t *next_ms)
{
	char next[OUTBOX_ISO_LEN], text[OUTBOX_ERROR_BYTES + 1];
	int64_t attempts, tries, created_ms, delay, when;
	struct db_stmt *st;
	int rc;

	if (next_ms != NULL)
		*next_ms = -1;
	rc = db_prepare(db, "SELECT attempts, created_at FROM mail_outbox"
	                    " WHERE id = ? AND status = 'sending'",
	                &st);
	if (rc != 0)
		return rc;
	if (db_bind_int64(st, 1, id) != 0)
		return MC_EDB;
	rc = db_step(st);
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	if (rc != DB_ROW)
		return rc < 0 ? rc : MC_EDB;
	attempts = db_col_int64(st, 0);
	rc = clock_parse_iso8601(db_col_text(st, 1, NULL), &created_ms);
	db_reset(st);
	if (rc != 0)
		return MC_EDB;
	/* 1, 2, 4 ... minutes after the 1st, 2nd, 3rd ... attempt, at most an hour. */
	tries = attempts < 1 ? 1 : attempts;
	delay = OUTBOX_RETRY_MAX_MS;
	if (tries <= 7)
		delay = (int64_t)OUTBOX_RETRY_FIRST_MS << (tries - 1);
	if (delay > OUTBOX_RETRY_MAX_MS)
		delay = OUTBOX_RETRY_MAX_MS;
	when = now_ms + delay;
	if (when - created_ms > OUTBOX_GIVE_UP_MS)
		return mark_failed(db, id, now_ms, error);
	clock_iso8601(when, next, sizeof next);
	error_text(error, text);
	/* 'attempts = ?' keeps this a no-op if the row moved on since it was read. */
	rc = db_prepare(db,
	                "UPDATE mail_outbox SET status = 'queued', next_attempt_at = ?, last_error = ?"
	                " WHERE id = ? AND status = 'sending' AND attempts = ?",
	                &st);
	if (rc != 0)
		return rc;
	if (db_bind_cstr(st, 1, next) != 0 || db_bind_cstr(st, 2, text) != 0 ||
	    db_bind_int64(st, 3, id) != 0 || db_bind_int64(st, 4, attempts) != 0)
		return MC_EDB;
	rc = step_changed(db, st);
	if (rc == 0 && next_ms != NULL)
		*next_ms = when;
	return rc;
}

int outbox_recover(struct db *db, int64_t *count)
{
	struct db_stmt *st;
	int rc;

	if (count != NULL)
		*count = 0;
	rc = db_prepare(db, "UPDATE mail_outbox SET status = 'queued' WHERE status = 'sending'", &st);
	if (rc != 0)
		return rc;
	rc = db_step(st);
	if (rc != DB_DONE)
		return rc < 0 ? rc : MC_EDB;
	if (count != NULL)
		*count = db_changes(db);
	return 0;
}

int outbox_list_failed(struct db *db, size_t limit,
                       int (*fn)(void *arg, const struct outbox_failed *row), void *arg)
{
	struct outbox_failed row;
	struct db_stmt *st;
	int rc;

	if (limit > INT64_MAX)
		limit = INT64_MAX;
	rc = db_prepare(db,
	                "SELECT id, recipient, subject, message_id, attempts, created_at,"
	                " next_attempt_at, last_error FROM mail_outbox WHERE status = 'failed'"
	                " ORDER BY id DESC LIMIT ?",
	                &st);
	if (rc != 0)
		return rc;
	if (db_bind_int64(st, 1, (int64_t)limit) != 0)
		return MC_EDB;
	while ((rc = db_step(st)) == DB_ROW) {
		row.id = db_col_int64(st, 0);
		row.recipient = db_col_text(st, 1, NULL);
		row.subject = db_col_text(st, 2, NULL);
		row.message_id = db_col_text(st, 3, NULL);
		row.attempts = db_col_int64(st, 4);
		row.created_at = db_col_text(st, 5, NULL);
		row.failed_at = db_col_text(st, 6, NULL);
		row.last_error = db_col_text(st, 7, NULL);
		if (row.last_error == NULL)
			row.last_error = "";
		rc = fn(arg, &row);
		if (rc != 0) {
			db_reset(st);
			return rc;
		}
	}
	return rc < 0 ? rc : 0;
}
