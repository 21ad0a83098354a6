/* sender.c: delivering the mail outbox, by SMTP or into a Maildir, on a thread of its own. */
#include "mail/sender.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/waitable.h"
#include "mail/mime.h"
#include "mail/outbox.h"
#include "mail/smtp.h"
#include "store/db.h"

#define SENDER_POLL_MS 30000u        /* default poll interval */
#define SENDER_RECORD_TRIES 5        /* recording an outcome: tries, each with the db busy wait */
#define SENDER_RECORD_PAUSE_MS 1000  /* between those tries */
#define SENDER_ERROR_LEN 1024
#define SENDER_ADDRESS_LEN 256
#define SENDER_HOST_LEN 256
#define SENDER_MAILDIR_TRIES 100     /* unique file names tried before giving up */

struct mail_sender {
	struct mail_sender_config cfg; /* its strings point at the copies below */
	char *database;
	char *smtp_url;
	char *from;
	char *data_dir;
	struct db *db; /* used by the thread only, once started */
	struct waitable_thread t; /* its stop flag is also read between messages */
};

/* The sequence part of Maildir names: unique within this process. */
static atomic_ulong maildir_seq;

static int smtp_mode(const struct mail_sender_config *cfg)
{
	return cfg->smtp_url != NULL && cfg->smtp_url[0] != '\0';
}

static const struct clock *sender_clock(const struct mail_sender_config *cfg)
{
	return cfg->clock != NULL ? cfg->clock : &clock_system;
}

/* MC_EINVAL, with the reason in err, when the settings cannot deliver anything. */
static int config_check(const struct mail_sender_config *cfg, char *err, size_t errlen)
{
	char addr[SENDER_ADDRESS_LEN];

	if (cfg->from == NULL || mime_address(cfg->from, addr, sizeof addr) != 0) {
		mc_errf(err, errlen, "the From address is not a valid mailbox");
		return MC_EINVAL;
	}
	if (smtp_mode(cfg) && smtp_url_check(cfg->smtp_url) != 0) {
		mc_errf(err, errlen, "the SMTP URL is not smtp://host or smtps://host");
		return MC_EINVAL;
	}
	if (!smtp_mode(cfg) && (cfg->data_dir == NULL || cfg->data_dir[0] == '\0')) {
		mc_errf(err, errlen, "no SMTP URL and no data folder for the Maildir");
		return MC_EINVAL;
	}
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* mkdir that accepts an existing folder. */
static int make_dir(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Write buf[0..len) to fd whole. */
static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* This host's name for Maildir file names, with '/' and ':' written as the Maildir
 * specification asks. */
static void maildir_host(char *out, size_t len)
{
	char host[SENDER_HOST_LEN];
	size_t i, o = 0;

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	for (i = 0; host[i] != '\0' && o + 5 < len; i++) {
		if (host[i] == '/' || host[i] == ':') {
			o += (size_t)snprintf(out + o, len - o, "\\%03o", (unsigned char)host[i]);
		} else {
			out[o++] = host[i];
		}
	}
	out[o] = '\0';
}

/*
 * Deliver msg[0..len) into the Maildir <data_dir>/mail: write tmp/<name>, fsync it, rename it
 * to new/<name> and fsync new/, so a message reported written survives a crash.  The name is
 * "<seconds>.<pid>_<sequence>.<host>".  The full path goes to path_out.  MC_EIO with the reason
 * in err.
 */
static int maildir_write(const char *data_dir, int64_t now_ms, const char *msg, size_t len,
                         char *path_out, size_t pathlen, char *err, size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX + SENDER_HOST_LEN + 80];
	char name[SENDER_HOST_LEN + 64], host[SENDER_HOST_LEN];
	static const char *const parts[] = { "tmp", "new", "cur" };
	int fd = -1, created = 0, n, tries, rc;
	size_t i;

	path_out[0] = '\0';
	n = snprintf(dir, sizeof dir, "%s/mail", data_dir);
	if (n < 0 || (size_t)n >= sizeof dir - 8) {
		mc_errf(err, errlen, "the data folder path is too long");
		rc = MC_EIO;
		goto out;
	}
	if (make_dir(dir) != 0) {
		mc_errf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		rc = MC_EIO;
		goto out;
	}
	for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		snprintf(tmp, sizeof tmp, "%s/%s", dir, parts[i]);
		if (make_dir(tmp) != 0) {
			mc_errf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
			rc = MC_EIO;
			goto out;
		}
	}
	maildir_host(host, sizeof host);
	for (tries = 0; tries < SENDER_MAILDIR_TRIES; tries++) {
		snprintf(name, sizeof name, "%" PRId64 ".%ld_%lu.%s", now_ms / 1000, (long)getpid(),
		         atomic_fetch_add(&maildir_seq, 1), host);
		n = snprintf(tmp, sizeof tmp, "%s/tmp/%s", dir, name);
		if (n < 0 || (size_t)n >= sizeof tmp ||
		    (size_t)snprintf(path_out, pathlen, "%s/new/%s", dir, name) >= pathlen) {
			mc_errf(err, errlen, "the Maildir path is too long");
			rc = MC_EIO;
			goto out;
		}
		if (access(path_out, F_OK) == 0)
			continue;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			created = 1;
			break;
		}
		if (errno != EEXIST) {
			mc_errf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
			rc = MC_EIO;
			goto out;
		}
	}
	if (fd < 0) {
		mc_errf(err, errlen, "no free file name in %s/tmp", dir);
		rc = MC_EIO;
		goto out;
	}
	if (write_all(fd, msg, len) != 0 || fsync(fd) != 0) {
		mc_errf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		rc = MC_EIO;
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0 || rename(tmp, path_out) != 0) {
		mc_errf(err, errlen, "cannot move %s into new/: %s", tmp, strerror(errno));
		rc = MC_EIO;
		goto out;
	}
	created = 0; /* moved: nothing to remove */
	snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/new");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* The message is in new/ already: writing it again would make a duplicate, so a failed
	 * sync of the folder (durability across a power cut only) is logged, not retried. */
	if (fd < 0 || fsync(fd) != 0)
		fprintf(stderr, "mail: cannot sync %s: %s\n", dir, strerror(errno));
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(tmp);
	return rc;
}

/* What happened to one message. */
enum outcome { OUT_SENT, OUT_RETRY, OUT_FAILED };

/* Record 'what' for message 'id', trying again while the database is busy or failing: a
 * message the server accepted must not stay unrecorded. */
static int record(struct db *db, const struct clock *clk, enum outcome what, int64_t id,
                  const char *error, int64_t *next_ms)
{
	int tries, rc = MC_EDB;

	for (tries = 0; tries < SENDER_RECORD_TRIES; tries++) {
		if (tries > 0)
			sleep_ms(SENDER_RECORD_PAUSE_MS);
		switch (what) {
		case OUT_SENT:
			rc = outbox_mark_sent(db, id, clock_now_ms(clk));
			break;
		case OUT_RETRY:
			rc = outbox_mark_retry(db, id, clock_now_ms(clk), error, next_ms);
			break;
		case OUT_FAILED:
			rc = outbox_mark_failed(db, id, clock_now_ms(clk), error);
			break;
		}
		if (rc != MC_EDB && rc != MC_EUNAVAIL)
			break;
	}
	return rc;
}

/*
 * Build, deliver and record one claimed message.  *halt is set when the server could not be
 * reached (or the Maildir written), so the pass goes no further.
 */
static int deliver_one(const struct mail_sender_config *cfg, struct db *db,
                       const struct outbox_msg *msg, int *halt)
{
	const struct clock *clk = sender_clock(cfg);
	char err[SENDER_ERROR_LEN], to[SENDER_ADDRESS_LEN], path[PATH_MAX], when[32];
	struct mime_message m;
	struct smtp_config sc;
	enum outcome what;
	struct buf out;
	int64_t next_ms = 0;
	long code = 0;
	int rc;

	buf_init(&out, NULL);
	err[0] = '\0';
	path[0] = '\0';
	if (mime_address(msg->recipient, to, sizeof to) != 0)
		snprintf(to, sizeof to, "(invalid)");
	memset(&m, 0, sizeof m);
	m.from = cfg->from;
	m.to = msg->recipient;
	m.subject = msg->subject;
	m.text = msg->body_text;
	m.html = msg->body_html;
	m.message_id = msg->message_id;
	m.date_ms = clock_now_ms(clk);
	rc = mime_build(&m, &out);
	if (rc == MC_EINVAL) {
		snprintf(err, sizeof err, "cannot build the message: bad address, subject or text");
		what = OUT_FAILED;
	} else if (rc != 0) {
		snprintf(err, sizeof err, "cannot build the message: %s", mc_strerror(rc));
		what = OUT_RETRY;
	} else if (smtp_mode(cfg)) {
		memset(&sc, 0, sizeof sc);
		sc.url = cfg->smtp_url;
		rc = smtp_send(&sc, cfg->from, msg->recipient, out.data, out.len, &code, err,
		               sizeof err);
		what = rc == 0 ? OUT_SENT : rc == MC_EINVAL ? OUT_FAILED : OUT_RETRY;
		/* A temporary failure other than one mailbox's (450 busy, 452 full) means the server is
		 * down or refusing service: leave the other messages for a later pass. */
		if (rc != 0 && rc != MC_EINVAL && code != 450 && code != 452)
			*halt = 1;
	} else {
		rc = maildir_write(cfg->data_dir, m.date_ms, out.data, out.len, path, sizeof path, err,
		                   sizeof err);
		what = rc == 0 ? OUT_SENT : OUT_RETRY;
		if (rc != 0)
			*halt = 1;
	}
	rc = record(db, clk, what, msg->id, err, &next_ms);
	if (rc != 0) {
		fprintf(stderr, "mail: cannot record the outcome of id=%" PRId64 " to=%s (%s); it stays"
		        " 'sending' until the next start: %s\n", msg->id, to,
		        what == OUT_SENT ? "delivered" : "not delivered", mc_strerror(rc));
		goto out;
	}
	if (what == OUT_SENT && smtp_mode(cfg))
		fprintf(stderr, "mail: sent id=%" PRId64 " to=%s\n", msg->id, to);
	else if (what == OUT_SENT)
		fprintf(stderr, "mail: saved id=%" PRId64 " to=%s as %s (no SMTP URL set)\n", msg->id,
		        to, path);
	else if (what == OUT_RETRY && next_ms >= 0)
		fprintf(stderr, "mail: retry id=%" PRId64 " to=%s attempt=%" PRId64 " next=%s: %s\n",
		        msg->id, to, msg->attempts, clock_iso8601(next_ms, when, sizeof when), err);
	else if (what == OUT_RETRY)
		fprintf(stderr, "mail: failed id=%" PRId64 " to=%s: gave up after 24 hours: %s\n",
		        msg->id, to, err);
	else
		fprintf(stderr, "mail: failed id=%" PRId64 " to=%s: %s\n", msg->id, to, err);
out:
	buf_free(&out);
	return rc;
}

/* mail_deliver_due, stopping between messages once *stop is set (stop may be NULL). */
static int deliver_due(const struct mail_sender_config *cfg, struct db *db, atomic_int *stop)
{
	struct outbox_msg *msgs = NULL;
	char err[SENDER_ERROR_LEN];
	size_t count = 0;
	int halt = 0, rc;

	rc = config_check(cfg, err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "mail: not delivering: %s\n", err);
		return rc;
	}
	/* One message per claim: what is claimed is either delivered or recorded before the next,
	 * and a halted pass leaves nothing claimed behind. */
	while (!halt && (stop == NULL || !atomic_load(stop))) {
		rc = outbox_claim_due(db, clock_now_ms(sender_clock(cfg)), 1, &msgs, &count);
		if (rc != 0 || count == 0)
			break;
		rc = deliver_one(cfg, db, &msgs[0], &halt);
		outbox_msgs_free(msgs, count);
		msgs = NULL;
		if (rc != 0)
			break;
	}
	return rc;
}

int mail_deliver_due(const struct mail_sender_config *cfg, struct db *db)
{
	return deliver_due(cfg, db, NULL);
}

/* One pass of the thread: deliver what is due, until done or stopped. */
static void sender_pass(void *arg)
{
	struct mail_sender *s = arg;
	int rc = deliver_due(&s->cfg, s->db, &s->t.stop);

	if (rc != 0)
		fprintf(stderr, "mail: delivery pass failed: %s: %s\n", mc_strerror(rc),
		        db_errmsg(s->db));
}

static void sender_free(struct mail_sender *s)
{
	if (s == NULL)
		return;
	db_close(s->db);
	free(s->database);
	free(s->smtp_url);
	free(s->from);
	free(s->data_dir);
	free(s);
}

static char *copy_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

struct mail_sender *mail_sender_start(const struct mail_sender_config *cfg)
{
	struct mail_sender *s = NULL;
	char err[SENDER_ERROR_LEN];
	int64_t recovered = 0;
	int rc;

	rc = config_check(cfg, err, sizeof err);
	if (rc != 0)
		goto out;
	if (cfg->database == NULL) {
		mc_errf(err, sizeof err, "no database URL");
		rc = MC_EINVAL;
		goto out;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL || (s->database = copy_or_empty(cfg->database)) == NULL ||
	    (s->smtp_url = copy_or_empty(cfg->smtp_url)) == NULL ||
	    (s->from = copy_or_empty(cfg->from)) == NULL ||
	    (s->data_dir = copy_or_empty(cfg->data_dir)) == NULL) {
		mc_errf(err, sizeof err, "out of memory");
		rc = MC_ENOMEM;
		goto out;
	}
	s->cfg = *cfg;
	s->cfg.database = s->database;
	s->cfg.smtp_url = s->smtp_url;
	s->cfg.from = s->from;
	s->cfg.data_dir = s->data_dir;
	rc = db_open(s->database, &s->db, err, sizeof err);
	if (rc != 0)
		goto out;
	rc = outbox_recover(s->db, &recovered);
	if (rc != 0) {
		mc_errf(err, sizeof err, "cannot requeue interrupted messages: %s", db_errmsg(s->db));
		goto out;
	}
	if (recovered > 0)
		fprintf(stderr, "mail: %" PRId64 " message(s) interrupted by a stop are queued again\n",
		        recovered);
	if (!smtp_mode(&s->cfg))
		fprintf(stderr, "mail: no SMTP URL set; messages are written to %s/mail/new/\n",
		        s->data_dir);
	rc = waitable_thread_start(&s->t, s->cfg.poll_ms > 0 ? s->cfg.poll_ms : SENDER_POLL_MS,
	                           sender_pass, s);
	if (rc != 0)
		mc_errf(err, sizeof err, "cannot start the thread");
out:
	if (rc != 0) {
		fprintf(stderr, "mail: cannot start the sender: %s\n", err);
		sender_free(s);
		s = NULL;
	}
	return s;
}

void mail_sender_wake(struct mail_sender *s)
{
	if (s != NULL)
		waitable_thread_wake(&s->t);
}

void mail_sender_stop(struct mail_sender *s)
{
	if (s == NULL)
		return;
	waitable_thread_stop(&s->t);
	sender_free(s);
}
