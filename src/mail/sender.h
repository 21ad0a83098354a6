/* sender.h: the background thread that delivers the mail outbox. */
#ifndef MC_SENDER_H
#define MC_SENDER_H

#include "lib/clock.h"

struct db;
struct mail_sender;

/*
 * The sender's settings.  mail_sender_start copies the strings; 'clock' must outlive the
 * sender.
 */
struct mail_sender_config {
	const char *database;      /* db_open URL: the thread opens its own connection */
	const char *smtp_url;      /* smtp:// or smtps:// (see smtp.h); NULL or "": Maildir mode */
	const char *from;          /* From mailbox, "Cổng dịch vụ công <noreply@example.vn>" */
	const char *data_dir;      /* Maildir mode writes to <data_dir>/mail/new/ */
	const struct clock *clock; /* NULL: the system clock */
	unsigned poll_ms;          /* look for due messages this often; 0: 30 s */
};

/*
 * Deliver, one at a time, every outbox message due now on 'db' (a connection of the calling
 * thread, with no transaction open): build it (mime_build), hand it to the SMTP server or, with
 * no SMTP URL, write it into the Maildir <data_dir>/mail/new/ (through tmp/, fsync'ed), then mark
 * it sent, retried later (temporary failure) or failed (permanent failure, or a message that
 * cannot be built).  One line per message goes to stderr ("mail: sent id=7 to=a@example.vn"),
 * never a body or the SMTP URL.  When the server cannot be reached or refuses service (any
 * temporary failure but 450 and 452, which concern one mailbox) the pass stops after that
 * message, and the others still due wait for the next pass.
 * MC_EINVAL: bad settings (SMTP URL, From address), nothing claimed; MC_EDB, MC_EUNAVAIL:
 * the database failed (a message whose outcome could not be recorded stays 'sending' until
 * outbox_recover at the next start: delivered messages are never put back in the queue while
 * running); MC_ENOMEM.  A delivery failure is not an error of the pass: it is recorded.
 */
int mail_deliver_due(const struct mail_sender_config *cfg, struct db *db);

/*
 * Open a database connection of its own, put back messages left 'sending' by a crash
 * (outbox_recover), and start the thread that runs mail_deliver_due at once, then every
 * poll_ms and whenever woken.  NULL on failure (bad settings, database, memory, thread), with
 * the reason on stderr.  Start it once per database (see outbox_recover) and stop it with
 * mail_sender_stop.
 */
struct mail_sender *mail_sender_start(const struct mail_sender_config *cfg);

/* Make the thread look for due messages now: call after committing a transaction that queued
 * one.  Any thread may call it.  NULL is allowed (no sender). */
void mail_sender_wake(struct mail_sender *s);

/* Let the message being delivered finish (up to the SMTP timeout), stop the thread, close its
 * connection and free the sender.  Messages still queued stay queued.  NULL is allowed. */
void mail_sender_stop(struct mail_sender *s);

#endif
