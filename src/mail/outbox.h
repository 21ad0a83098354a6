/* outbox.h: the mail outbox table (mail_outbox), written in the caller's transaction. */
#ifndef MC_OUTBOX_H
#define MC_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

struct db;

/*
 * A message's life: 'queued' (due at next_attempt_at) -> 'sending' (claimed by the sender) ->
 * 'sent', or back to 'queued' with a later next_attempt_at after a temporary failure, or
 * 'failed' after a permanent failure or when retrying would go past 24 hours after created_at.
 * For a 'failed' message next_attempt_at keeps the time it was given up.  Times are ISO-8601
 * UTC text (clock_iso8601).  One sender process per database: outbox_recover assumes that no
 * other process is sending.
 */

/* A claimed message.  Every string is heap memory owned by the array (outbox_msgs_free). */
struct outbox_msg {
	int64_t id;
	char *recipient;
	char *subject;
	char *body_text;
	char *body_html;
	char *message_id; /* "<hex@domain>", the same on every attempt */
	int64_t attempts; /* attempts started, this one included */
};

/* A message given up, as shown to administrators.  The strings are valid only during the
 * callback. */
struct outbox_failed {
	int64_t id;
	const char *recipient;
	const char *subject;
	const char *message_id;
	int64_t attempts;
	const char *created_at;
	const char *failed_at;  /* when it was given up */
	const char *last_error; /* the server's answer or the local reason */
};

/*
 * Queue one message for 'recipient' (a mailbox as mime_address accepts), due at once, with a new
 * Message-ID on 'message_id_domain' (see mime_message_id).  Writes one row and nothing else: call
 * it inside the transaction of the change that causes the message, so both are kept or neither
 * (it neither begins nor commits).  Wake the sender after the commit (mail_sender_wake).
 * *id (may be NULL) receives the new row's id.  MC_EINVAL: a bad recipient, a CR or LF in the
 * subject, text that is not valid UTF-8 or a bad domain; MC_EIO: no random bytes; MC_EDB,
 * MC_EUNAVAIL (busy), MC_ENOMEM.
 */
int outbox_enqueue(struct db *db, const char *recipient, const char *subject, const char *text,
                   const char *html, const char *message_id_domain, int64_t now_ms, int64_t *id);

/*
 * In one transaction of its own (none may be open on 'db'), take up to 'limit' (at most 10000)
 * messages that are 'queued' and due (next_attempt_at <= now_ms), oldest due first, count an
 * attempt and mark them 'sending'.  *msgs receives a heap array of *count messages (NULL and 0
 * when none are due); free it with outbox_msgs_free.  MC_EINVAL: a transaction is already open
 * or limit is 0; MC_EUNAVAIL: the database stayed locked; MC_EDB; MC_ENOMEM.  On error
 * nothing is claimed.
 */
int outbox_claim_due(struct db *db, int64_t now_ms, size_t limit, struct outbox_msg **msgs,
                     size_t *count);

/* Free what outbox_claim_due returned.  NULL is allowed. */
void outbox_msgs_free(struct outbox_msg *msgs, size_t count);

/*
 * Record that the server accepted message 'id' (or that it was written to the Maildir): 'sending'
 * becomes 'sent' with sent_at = now_ms.  MC_ENOTFOUND: no message 'id' is 'sending'; MC_EDB,
 * MC_EUNAVAIL.
 */
int outbox_mark_sent(struct db *db, int64_t id, int64_t now_ms);

/*
 * Record a temporary failure of message 'id' ('sending'), keeping 'error' (control characters
 * become spaces; at most 1000 bytes are kept) as last_error.  The next try is due 1, 2, 4, 8 ...
 * minutes after now_ms (doubling with each attempt, at most 60 minutes apart) and the message is
 * 'queued' again; when that time would be more than 24 hours after created_at the message is
 * 'failed' instead.  *next_ms (may be NULL) receives the time of the next try, or -1 when the
 * message was given up.  MC_ENOTFOUND: no message 'id' is 'sending'; MC_EDB, MC_EUNAVAIL.
 */
int outbox_mark_retry(struct db *db, int64_t id, int64_t now_ms, const char *error,
                      int64_t *next_ms);

/*
 * Record a permanent failure of message 'id' ('sending'): it becomes 'failed' with 'error' (as
 * above) as last_error and is never tried again.  MC_ENOTFOUND: no message 'id' is 'sending';
 * MC_EDB, MC_EUNAVAIL.
 */
int outbox_mark_failed(struct db *db, int64_t id, int64_t now_ms, const char *error);

/*
 * At start-up, before the sender runs: put messages left 'sending' by a crash back to 'queued'
 * (still due), so none is lost.  A message that the server accepted just before the crash, in
 * the instant before it was marked 'sent', is sent again then (with the same Message-ID).
 * *count (may be NULL) receives how many were put back.  MC_EDB, MC_EUNAVAIL.
 */
int outbox_recover(struct db *db, int64_t *count);

/*
 * For administrators: give failed message 'id' another chance.  It becomes 'queued', due at
 * now_ms, with attempts counted from 0 and a fresh 24-hour window (created_at = now_ms), keeping
 * its Message-ID.  One row, inside the caller's transaction; wake the sender after the commit.
 * MC_ENOTFOUND: no failed message 'id'; MC_EDB, MC_EUNAVAIL.
 */
int outbox_requeue_failed(struct db *db, int64_t id, int64_t now_ms);

/*
 * For administrators: call fn(arg, row) for up to 'limit' 'failed' messages, newest first.  A
 * non-zero return from fn stops the listing and is returned.  fn must not use 'db'.  MC_EDB,
 * MC_EUNAVAIL.
 */
int outbox_list_failed(struct db *db, size_t limit,
                       int (*fn)(void *arg, const struct outbox_failed *row), void *arg);

#endif
