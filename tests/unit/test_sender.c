/*
 * test_sender.c: mail/sender: Maildir mode (a temporary data folder, a fixed clock), SMTP mode
 * against a closed port (nothing lost, retried later) and against a scripted SMTP server in a
 * thread (accepted once, 5xx permanent, 4xx temporary), and the background thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/tpl.h"
#include "mail/compose.h"
#include "mail/outbox.h"
#include "mail/sender.h"
#include "store/db.h"

#ifndef MIGRATIONS_DIR
#define MIGRATIONS_DIR "migrations"
#endif

#ifndef TEMPLATES_DIR
#define TEMPLATES_DIR MIGRATIONS_DIR "/../templates"
#endif

#define T0 1795998825000LL /* 2026-11-30T00:33:45.000Z */
#define MINUTE 60000LL
#define FROM "Cổng Dịch vụ công <noreply@dichvucong.example.vn>"
#define DOMAIN "dichvucong.example.vn"
#define TEXT "Kính gửi Ông/Bà Nguyễn Văn An,\n\nhttps://dichvucong.example.vn/kich-hoat?t=abc\n"

/* ---- a scripted SMTP server ---------------------------------------------------------------- */

struct fake_smtp {
	int listen_fd;
	int port;
	const char *greeting;   /* NULL: "220 ..." */
	const char *mail_reply; /* NULL: "250 2.1.0 ok" */
	const char *rcpt_reply; /* e.g. "250 2.1.5 ok" */
	const char *data_reply; /* the answer after the message */
	pthread_t thread;
	pthread_mutex_t lock;
	int stop;
	int accepted;     /* messages answered with 250 after DATA */
	int sessions;     /* connections served */
	struct buf last;  /* the last message received */
	char mail_from[256];
	char rcpt_to[256];
};

static int send_line(int fd, const char *s)
{
	size_t n = strlen(s);

	return write(fd, s, n) == (ssize_t)n && write(fd, "\r\n", 2) == 2 ? 0 : -1;
}

/* Read one CRLF line (without it) into out; -1 at EOF. */
static int read_line(int fd, char *out, size_t len)
{
	size_t n = 0;
	char c;

	for (;;) {
		if (read(fd, &c, 1) != 1)
			return -1;
		if (c == '\n')
			break;
		if (n + 1 < len)
			out[n++] = c;
	}
	if (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	return 0;
}

/* The scripted replies, read under the lock: a test may change them between sessions. */
static const char *reply(struct fake_smtp *f, const char *const *which)
{
	const char *r;

	pthread_mutex_lock(&f->lock);
	r = *which;
	pthread_mutex_unlock(&f->lock);
	return r;
}

static void serve(struct fake_smtp *f, int fd)
{
	const char *data_reply;
	char line[4096];
	struct buf data;

	buf_init(&data, NULL);
	if (f->greeting != NULL) {
		send_line(fd, f->greeting);
		if (f->greeting[0] != '2')
			return;
	} else {
		send_line(fd, "220 fake.example.vn ESMTP");
	}
	while (read_line(fd, line, sizeof line) == 0) {
		if (strncasecmp(line, "EHLO", 4) == 0) {
			send_line(fd, "250-fake.example.vn");
			send_line(fd, "250 8BITMIME");
		} else if (strncasecmp(line, "HELO", 4) == 0 || strncasecmp(line, "RSET", 4) == 0 ||
		           strncasecmp(line, "NOOP", 4) == 0) {
			send_line(fd, "250 ok");
		} else if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
			pthread_mutex_lock(&f->lock);
			snprintf(f->mail_from, sizeof f->mail_from, "%.255s", line + 10);
			pthread_mutex_unlock(&f->lock);
			send_line(fd, f->mail_reply != NULL ? f->mail_reply : "250 2.1.0 ok");
		} else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
			pthread_mutex_lock(&f->lock);
			snprintf(f->rcpt_to, sizeof f->rcpt_to, "%.255s", line + 8);
			pthread_mutex_unlock(&f->lock);
			send_line(fd, reply(f, &f->rcpt_reply));
		} else if (strncasecmp(line, "DATA", 4) == 0) {
			send_line(fd, "354 go ahead");
			data.len = 0;
			while (read_line(fd, line, sizeof line) == 0 && strcmp(line, ".") != 0) {
				buf_puts(&data, line[0] == '.' ? line + 1 : line);
				buf_puts(&data, "\r\n");
			}
			data_reply = reply(f, &f->data_reply);
			send_line(fd, data_reply);
			if (strncmp(data_reply, "250", 3) == 0) {
				pthread_mutex_lock(&f->lock);
				f->accepted++;
				buf_free(&f->last);
				buf_append(&f->last, data.data != NULL ? data.data : "", data.len);
				pthread_mutex_unlock(&f->lock);
			}
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			send_line(fd, "221 bye");
			break;
		} else {
			send_line(fd, "502 5.5.2 not implemented");
		}
	}
	buf_free(&data);
}

static void *fake_main(void *arg)
{
	struct fake_smtp *f = arg;
	struct pollfd pfd;
	int fd, stop;

	for (;;) {
		pthread_mutex_lock(&f->lock);
		stop = f->stop;
		pthread_mutex_unlock(&f->lock);
		if (stop)
			break;
		pfd.fd = f->listen_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		fd = accept(f->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		serve(f, fd);
		close(fd);
		pthread_mutex_lock(&f->lock);
		f->sessions++;
		pthread_mutex_unlock(&f->lock);
	}
	return NULL;
}

/* A listening socket on 127.0.0.1, any port; its port in *port. */
static int listen_any(int *port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void fake_start(struct fake_smtp *f, const char *rcpt_reply, const char *data_reply)
{
	memset(f, 0, sizeof *f);
	buf_init(&f->last, NULL);
	f->rcpt_reply = rcpt_reply;
	f->data_reply = data_reply;
	f->listen_fd = listen_any(&f->port);
	assert_int_equal(pthread_mutex_init(&f->lock, NULL), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake_smtp *f)
{
	pthread_mutex_lock(&f->lock);
	f->stop = 1;
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	close(f->listen_fd);
	pthread_mutex_destroy(&f->lock);
	buf_free(&f->last);
}

/* Wait (up to 5 s) until the server has finished 'n' sessions: the client may return before
 * the server is done with the connection. */
static int fake_sessions(struct fake_smtp *f, int n)
{
	int i, got = 0;

	for (i = 0; i < 500; i++) {
		pthread_mutex_lock(&f->lock);
		got = f->sessions;
		pthread_mutex_unlock(&f->lock);
		if (got >= n)
			break;
		usleep(10000);
	}
	return got;
}

/* A port on 127.0.0.1 where nothing listens (connection refused). */
static int closed_port(void)
{
	int port, fd = listen_any(&port);

	close(fd);
	return port;
}

/* ---- fixture ------------------------------------------------------------------------------- */

struct fixture {
	char dir[64];
	char smtp_url[64];
	struct db *db;
	struct clock clk;
	struct mail_sender_config cfg;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	char err[512];

	if (fx == NULL)
		return -1;
	if (tmpdir_make(fx->dir, sizeof fx->dir, "sender") != 0)
		return -1;
	if (db_open("sqlite::memory:", &fx->db, err, sizeof err) != 0 ||
	    db_migrate(fx->db, MIGRATIONS_DIR, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "database: %s\n", err);
		return -1;
	}
	fx->clk = clock_fixed(T0);
	fx->cfg.database = "unused";
	fx->cfg.smtp_url = "";
	fx->cfg.from = FROM;
	fx->cfg.data_dir = fx->dir;
	fx->cfg.clock = &fx->clk;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	db_close(fx->db);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* ---- helpers ------------------------------------------------------------------------------- */

static int64_t enqueue_on(struct db *db, const char *to, int64_t now)
{
	int64_t id = 0;

	assert_int_equal(db_begin(db), 0);
	assert_int_equal(outbox_enqueue(db, to, "Kích hoạt tài khoản trên Cổng dịch vụ công", TEXT,
	                                "<p>Kính gửi Ông/Bà <b>Nguyễn Văn An</b></p>", DOMAIN, now,
	                                &id),
	                 0);
	assert_int_equal(db_commit(db), 0);
	return id;
}

static void row_text(struct db *db, int64_t id, const char *col, char *out, size_t len)
{
	char sql[128];
	struct db_stmt *st;
	const char *t;

	snprintf(sql, sizeof sql, "SELECT %s FROM mail_outbox WHERE id = ?", col);
	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_bind_int64(st, 1, id), 0);
	assert_int_equal(db_step(st), DB_ROW);
	t = db_col_text(st, 0, NULL);
	snprintf(out, len, "%s", t != NULL ? t : "(null)");
	assert_int_equal(db_step(st), DB_DONE);
}

static void check_status(struct db *db, int64_t id, const char *status)
{
	char got[32];

	row_text(db, id, "status", got, sizeof got);
	assert_string_equal(got, status);
}

/* Names of the files in 'dir' (up to 'max'); their number. */
static int list_dir(const char *dir, char names[][256], int max)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n < max)
			snprintf(names[n], 256, "%s", de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static char *read_file(const char *path)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	buf_init(&b, NULL);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), 0);
	fclose(f);
	assert_non_null(b.data);
	return b.data;
}

/* The decoded text/plain part of message 'msg'. */
static char *text_part(const char *msg)
{
	static const char head[] = "Content-Type: text/plain; charset=UTF-8\r\n"
	                           "Content-Transfer-Encoding: base64\r\n\r\n";
	const char *p = strstr(msg, head), *end;
	unsigned char *bin;
	char *clean;
	size_t m = 0, pad = 0;
	int got;

	assert_non_null(p);
	p += strlen(head);
	end = strstr(p, "\r\n--");
	assert_non_null(end);
	clean = malloc((size_t)(end - p) + 1);
	bin = malloc((size_t)(end - p) + 1);
	assert_non_null(clean);
	assert_non_null(bin);
	for (; p < end; p++)
		if (*p != '\r' && *p != '\n')
			clean[m++] = *p;
	clean[m] = '\0';
	pad = (m > 0 && clean[m - 1] == '=') + (m > 1 && clean[m - 2] == '=');
	got = EVP_DecodeBlock(bin, (unsigned char *)clean, (int)m);
	assert_true(got >= 0);
	bin[(size_t)got - pad] = '\0';
	free(clean);
	return (char *)bin;
}

static void smtp_url(struct fixture *fx, int port)
{
	snprintf(fx->smtp_url, sizeof fx->smtp_url, "smtp://127.0.0.1:%d", port);
	fx->cfg.smtp_url = fx->smtp_url;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_maildir(void **state)
{
	struct fixture *fx = *state;
	char names[8][256], path[4096], mid[128], want[64], *msg, *text, *p;
	int64_t ids[3];
	int i, n, k, found;

	ids[0] = enqueue_on(fx->db, "an@example.vn", T0);
	ids[1] = enqueue_on(fx->db, "Trần Thị Bình <binh@example.vn>", T0);
	ids[2] = enqueue_on(fx->db, "chi@example.vn", T0);
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	snprintf(path, sizeof path, "%s/mail/new", fx->dir);
	n = list_dir(path, names, 8);
	assert_int_equal(n, 3);
	snprintf(path, sizeof path, "%s/mail/tmp", fx->dir);
	assert_int_equal(list_dir(path, names + 3, 1), 0);
	snprintf(path, sizeof path, "%s/mail/cur", fx->dir);
	assert_int_equal(list_dir(path, names + 3, 1), 0);
	snprintf(path, sizeof path, "%s/mail/new", fx->dir);
	n = list_dir(path, names, 8);
	for (i = 0; i < 3; i++) {
		check_status(fx->db, ids[i], "sent");
		row_text(fx->db, ids[i], "sent_at", mid, sizeof mid);
		assert_string_equal(mid, clock_iso8601(T0, want, sizeof want));
		/* Exactly one file holds this message. */
		row_text(fx->db, ids[i], "message_id", mid, sizeof mid);
		found = 0;
		for (k = 0; k < n; k++) {
			/* "<seconds>.<pid>_<seq>.<host>" */
			snprintf(want, sizeof want, "%lld.%ld_", T0 / 1000, (long)getpid());
			assert_memory_equal(names[k], want, strlen(want));
			snprintf(path, sizeof path, "%s/mail/new/%s", fx->dir, names[k]);
			msg = read_file(path);
			p = strstr(msg, "\r\nMessage-ID: ");
			assert_non_null(p);
			if (strncmp(p + 14, mid, strlen(mid)) == 0) {
				found++;
				assert_memory_equal(msg, "From: ", 6);
				assert_non_null(
				    strstr(msg, "\r\nDate: Mon, 30 Nov 2026 00:33:45 +0000\r\n"));
				assert_non_null(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
				if (i == 1)
					assert_non_null(strstr(msg, " <binh@example.vn>\r\n"));
				text = text_part(msg);
				assert_string_equal(text,
				                    "Kính gửi Ông/Bà Nguyễn Văn An,\r\n\r\n"
				                    "https://dichvucong.example.vn/kich-hoat?t=abc\r\n");
				free(text);
			}
			free(msg);
		}
		assert_int_equal(found, 1);
	}
	/* A second pass delivers nothing more. */
	fx->clk.fixed_ms += 48 * 60 * MINUTE;
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	snprintf(path, sizeof path, "%s/mail/new", fx->dir);
	assert_int_equal(list_dir(path, names, 8), 3);
}

/* The server is down: the message stays queued with a retry time and the error; the pass stops
 * rather than trying the others; nothing is written to the Maildir. */
static void test_smtp_refused(void **state)
{
	struct fixture *fx = *state;
	char got[1024], want[64], names[1][256], path[512];
	int64_t a, b;

	a = enqueue_on(fx->db, "an@example.vn", T0);
	b = enqueue_on(fx->db, "binh@example.vn", T0);
	smtp_url(fx, closed_port());
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	check_status(fx->db, a, "queued");
	row_text(fx->db, a, "attempts", got, sizeof got);
	assert_string_equal(got, "1");
	row_text(fx->db, a, "next_attempt_at", got, sizeof got);
	assert_string_equal(got, clock_iso8601(T0 + MINUTE, want, sizeof want));
	row_text(fx->db, a, "last_error", got, sizeof got);
	assert_non_null(strstr(got, "onnect"));
	check_status(fx->db, b, "queued");
	row_text(fx->db, b, "attempts", got, sizeof got);
	assert_string_equal(got, "0");
	snprintf(path, sizeof path, "%s/mail/new", fx->dir);
	assert_int_equal(list_dir(path, names, 1), 0);

	/* Later passes go on retrying, with longer waits, and nothing is lost. */
	fx->clk.fixed_ms = T0 + MINUTE;
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	fx->clk.fixed_ms = T0 + MINUTE;
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	check_status(fx->db, a, "queued");
	check_status(fx->db, b, "queued");
	row_text(fx->db, a, "attempts", got, sizeof got);
	assert_string_equal(got, "2");
	row_text(fx->db, a, "next_attempt_at", got, sizeof got);
	assert_string_equal(got, clock_iso8601(T0 + 3 * MINUTE, want, sizeof want));
	row_text(fx->db, b, "attempts", got, sizeof got);
	assert_string_equal(got, "1");
}

/* After 24 hours of refusals the message is 'failed', still in the table for administrators. */
static void test_smtp_refused_gives_up(void **state)
{
	struct fixture *fx = *state;
	char got[64];
	int64_t a = enqueue_on(fx->db, "an@example.vn", T0);
	int passes = 0;

	smtp_url(fx, closed_port());
	for (;;) {
		assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
		row_text(fx->db, a, "status", got, sizeof got);
		if (strcmp(got, "failed") == 0)
			break;
		assert_string_equal(got, "queued");
		fx->clk.fixed_ms += 60 * MINUTE;
		assert_true(++passes < 100);
	}
	assert_true(fx->clk.fixed_ms - T0 <= 24 * 60 * MINUTE);
	assert_true(fx->clk.fixed_ms - T0 > 22 * 60 * MINUTE);
}

static void test_smtp_accepted_once(void **state)
{
	struct fixture *fx = *state;
	struct fake_smtp f;
	char mid[128], *text;
	int64_t a;

	fake_start(&f, "250 2.1.5 ok", "250 2.0.0 queued as 1");
	smtp_url(fx, f.port);
	a = enqueue_on(fx->db, "Trần Thị Bình <binh@example.vn>", T0);
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	check_status(fx->db, a, "sent");
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	fx->clk.fixed_ms += 48 * 60 * MINUTE;
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	pthread_mutex_lock(&f.lock);
	assert_int_equal(f.accepted, 1);
	assert_string_equal(f.mail_from, "<noreply@dichvucong.example.vn>");
	assert_string_equal(f.rcpt_to, "<binh@example.vn>");
	row_text(fx->db, a, "message_id", mid, sizeof mid);
	assert_non_null(strstr(f.last.data, mid));
	text = text_part(f.last.data);
	assert_non_null(strstr(text, "https://dichvucong.example.vn/kich-hoat?t=abc\r\n"));
	free(text);
	pthread_mutex_unlock(&f.lock);
	fake_stop(&f);
}

static int count_failed(void *arg, const struct outbox_failed *row)
{
	(void)row;
	(*(int *)arg)++;
	return 0;
}

static void test_smtp_permanent(void **state)
{
	struct fixture *fx = *state;
	struct fake_smtp f;
	char got[1024];
	int64_t a, b;
	int listed = 0;

	fake_start(&f, "550 5.1.1 <an@example.vn>: Recipient address rejected", "250 ok");
	smtp_url(fx, f.port);
	a = enqueue_on(fx->db, "an@example.vn", T0);
	b = enqueue_on(fx->db, "binh@example.vn", T0);
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	/* Each message got its own answer; a permanent one does not stop the pass. */
	check_status(fx->db, a, "failed");
	check_status(fx->db, b, "failed");
	row_text(fx->db, a, "last_error", got, sizeof got);
	assert_non_null(strstr(got, "550 5.1.1 <an@example.vn>: Recipient address rejected"));
	assert_int_equal(outbox_list_failed(fx->db, 10, count_failed, &listed), 0);
	assert_int_equal(listed, 2);
	fx->clk.fixed_ms += 60 * MINUTE;
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	assert_int_equal(fake_sessions(&f, 2), 2);
	pthread_mutex_lock(&f.lock);
	assert_int_equal(f.accepted, 0);
	pthread_mutex_unlock(&f.lock);
	fake_stop(&f);
}

static void test_smtp_data_rejected(void **state)
{
	struct fixture *fx = *state;
	struct fake_smtp f;
	char got[1024];
	int64_t a;

	fake_start(&f, "250 ok", "554 5.7.1 Message rejected as spam");
	smtp_url(fx, f.port);
	a = enqueue_on(fx->db, "an@example.vn", T0);
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	check_status(fx->db, a, "failed");
	row_text(fx->db, a, "last_error", got, sizeof got);
	assert_non_null(strstr(got, "554 5.7.1 Message rejected as spam"));
	fake_stop(&f);
}

/* A busy mailbox (450) is retried later and does not hold up the other messages. */
static void test_smtp_temporary(void **state)
{
	struct fixture *fx = *state;
	struct fake_smtp f;
	char got[1024], want[64];
	int64_t a, b;

	fake_start(&f, "450 4.2.1 Mailbox busy, try later", "250 ok");
	smtp_url(fx, f.port);
	a = enqueue_on(fx->db, "an@example.vn", T0);
	b = enqueue_on(fx->db, "binh@example.vn", T0);
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	check_status(fx->db, a, "queued");
	check_status(fx->db, b, "queued");
	row_text(fx->db, a, "last_error", got, sizeof got);
	assert_non_null(strstr(got, "450 4.2.1 Mailbox busy, try later"));
	row_text(fx->db, b, "attempts", got, sizeof got);
	assert_string_equal(got, "1");
	row_text(fx->db, a, "next_attempt_at", got, sizeof got);
	assert_string_equal(got, clock_iso8601(T0 + MINUTE, want, sizeof want));
	/* The mailboxes free up: sent on the next try. */
	pthread_mutex_lock(&f.lock);
	f.rcpt_reply = "250 ok";
	pthread_mutex_unlock(&f.lock);
	fx->clk.fixed_ms = T0 + MINUTE;
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	check_status(fx->db, a, "sent");
	check_status(fx->db, b, "sent");
	pthread_mutex_lock(&f.lock);
	assert_int_equal(f.accepted, 2);
	pthread_mutex_unlock(&f.lock);
	fake_stop(&f);
}

/* 5xx answers that are about the server or our settings, not the message, are retried. */
static void test_smtp_server_refusals_are_temporary(void **state)
{
	static const struct {
		const char *greeting, *mail_reply, *expect;
	} cases[] = {
		{ "554 5.3.2 No SMTP service here", NULL, "554 5.3.2 No SMTP service here" },
		{ NULL, "530 5.7.0 Authentication required", "530 5.7.0 Authentication required" },
		{ NULL, "553 5.7.1 Sender address rejected", NULL },
	};
	struct fixture *fx = *state;
	struct fake_smtp f;
	struct db_stmt *st;
	char got[1024];
	int64_t a;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(db_prepare(fx->db, "DELETE FROM mail_outbox", &st), 0);
		assert_int_equal(db_step(st), DB_DONE);
		fake_start(&f, "250 ok", "250 ok");
		f.greeting = cases[i].greeting;
		f.mail_reply = cases[i].mail_reply;
		smtp_url(fx, f.port);
		a = enqueue_on(fx->db, "an@example.vn", fx->clk.fixed_ms);
		assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
		row_text(fx->db, a, "last_error", got, sizeof got);
		if (cases[i].expect != NULL) {
			check_status(fx->db, a, "queued");
			assert_non_null(strstr(got, cases[i].expect));
		} else {
			/* A 5xx to MAIL FROM is about this message (size, sender): permanent. */
			check_status(fx->db, a, "failed");
			assert_non_null(strstr(got, "553 5.7.1 Sender address rejected"));
		}
		fake_stop(&f);
	}
}

/* Bad settings claim nothing; a row that cannot be built fails instead of blocking. */
static void test_bad_settings_and_rows(void **state)
{
	struct fixture *fx = *state;
	struct db_stmt *st;
	char got[256];
	int64_t a = enqueue_on(fx->db, "an@example.vn", T0);

	fx->cfg.smtp_url = "http://127.0.0.1:1";
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), MC_EINVAL);
	fx->cfg.smtp_url = "smtp://";
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), MC_EINVAL);
	fx->cfg.smtp_url = "";
	fx->cfg.from = "no address";
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), MC_EINVAL);
	fx->cfg.from = FROM;
	fx->cfg.data_dir = NULL;
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), MC_EINVAL);
	fx->cfg.data_dir = fx->dir;
	check_status(fx->db, a, "queued");
	row_text(fx->db, a, "attempts", got, sizeof got);
	assert_string_equal(got, "0");

	/* A row written around outbox_enqueue, with a bad recipient. */
	assert_int_equal(db_prepare(fx->db,
	                            "INSERT INTO mail_outbox (recipient, subject, body_text,"
	                            " body_html, message_id, status, created_at, next_attempt_at)"
	                            " VALUES ('bad', 's', 't', 'h', '<x@y>', 'queued', ?, ?)",
	                            &st),
	                 0);
	assert_int_equal(db_bind_cstr(st, 1, "2026-11-30T00:00:00.000Z"), 0);
	assert_int_equal(db_bind_cstr(st, 2, "2026-11-30T00:00:00.000Z"), 0);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	check_status(fx->db, db_last_id(fx->db), "failed");
	row_text(fx->db, db_last_id(fx->db), "last_error", got, sizeof got);
	assert_non_null(strstr(got, "cannot build"));
	check_status(fx->db, a, "sent");
}

/* The thread: recovers an interrupted message at start, delivers what is queued when woken,
 * stops cleanly. */
static void test_thread(void **state)
{
	struct fixture *fx = *state;
	char url[128], path[512], names[4][256], err[256];
	struct mail_sender *s;
	struct db *db = NULL;
	struct db_stmt *st;
	int64_t a, b;
	int i, n = 0;

	snprintf(url, sizeof url, "sqlite:%s/motcua.db", fx->dir);
	assert_int_equal(db_open(url, &db, err, sizeof err), 0);
	assert_int_equal(db_migrate(db, MIGRATIONS_DIR, NULL, err, sizeof err), 0);
	a = enqueue_on(db, "an@example.vn", T0);
	/* As if the process died while sending it. */
	assert_int_equal(db_prepare(db, "UPDATE mail_outbox SET status = 'sending', attempts = 1",
	                            &st),
	                 0);
	assert_int_equal(db_step(st), DB_DONE);
	fx->cfg.database = url;
	fx->cfg.poll_ms = 60000; /* only a wake-up can make the second pass happen in time */
	s = mail_sender_start(&fx->cfg);
	assert_non_null(s);
	snprintf(path, sizeof path, "%s/mail/new", fx->dir);
	for (i = 0; i < 500 && (n = list_dir(path, names, 4)) < 1; i++)
		usleep(10000);
	assert_int_equal(n, 1);
	b = enqueue_on(db, "binh@example.vn", T0);
	mail_sender_wake(s);
	for (i = 0; i < 500 && (n = list_dir(path, names, 4)) < 2; i++)
		usleep(10000);
	assert_int_equal(n, 2);
	mail_sender_stop(s);
	check_status(db, a, "sent");
	check_status(db, b, "sent");
	db_close(db);
	mail_sender_wake(NULL);
	mail_sender_stop(NULL);
	/* Bad settings: no sender. */
	fx->cfg.smtp_url = "ftp://x";
	assert_null(mail_sender_start(&fx->cfg));
	fx->cfg.smtp_url = "";
	fx->cfg.database = "nosuch:db";
	assert_null(mail_sender_start(&fx->cfg));
}

/* ---- templates/mail and mail_compose ----------------------------------------------------- */

static struct tpl_set *load_templates(void)
{
	struct tpl_set *t = tpl_set_new();
	char err[512];

	assert_non_null(t);
	if (tpl_set_load_dir(t, TEMPLATES_DIR, err, sizeof err) != 0)
		fail_msg("templates: %s", err);
	return t;
}

/* Every message renders: a one-line subject, the link alone on a line of the text, the HTML in
 * the layout with every value escaped, the text with none. */
static void test_compose_templates(void **state)
{
	static const char *names[] = { "activate", "reset", "email_change", "password_changed" };
	static const char *subjects[] = { "Kích hoạt tài khoản trên Cổng DVC <Hà Nội>",
		                          "Đặt lại mật khẩu tài khoản",
		                          "Xác nhận địa chỉ thư điện tử mới",
		                          "Mật khẩu tài khoản đã được thay đổi" };
	const char *link = "https://dichvucong.example.vn/tai-khoan/kich-hoat?t=AbC-123&x=1";
	struct tpl_set *t = load_templates();
	struct mail_content c;
	json_t *data;
	size_t i;

	(void)state;
	data = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "full_name", "Nguyễn Văn <An> & Co",
	                 "link", link, "hours", 24, "portal_name", "Cổng DVC <Hà Nội>", "new_email",
	                 "an.moi@example.vn", "time", "08:15 ngày 30/11/2026");
	assert_non_null(data);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		memset(&c, 0, sizeof c);
		assert_int_equal(mail_compose(t, names[i], data, &c), 0);
		assert_string_equal(c.subject, subjects[i]);
		assert_null(strpbrk(c.subject, "\r\n"));
		assert_non_null(strstr(c.text, "Kính gửi Ông/Bà Nguyễn Văn <An> & Co,\n"));
		assert_null(strstr(c.text, "&amp;"));
		assert_non_null(strstr(c.html, "<!doctype html>"));
		assert_non_null(strstr(c.html, "Nguyễn Văn &lt;An&gt; &amp; Co"));
		assert_null(strstr(c.html, "<An>"));
		if (strcmp(names[i], "password_changed") != 0) {
			char line[256];
			snprintf(line, sizeof line, "\n%s\n", link);
			assert_non_null(strstr(c.text, line));
			assert_non_null(strstr(c.html, "href=\"https://dichvucong.example.vn/"
			                                "tai-khoan/kich-hoat?t=AbC-123&amp;x=1\""));
		} else {
			assert_non_null(strstr(c.text, "08:15 ngày 30/11/2026"));
		}
		if (strcmp(names[i], "email_change") == 0)
			assert_non_null(strstr(c.text, "an.moi@example.vn"));
		if (strcmp(names[i], "activate") == 0 || strcmp(names[i], "reset") == 0)
			assert_non_null(strstr(c.text, "24 giờ"));
		mail_content_free(&c);
		assert_null(c.subject);
	}
	memset(&c, 0, sizeof c);
	assert_int_equal(mail_compose(t, "nosuch", data, &c), MC_ENOTFOUND);
	assert_null(c.subject);
	assert_int_equal(mail_compose(t, "../activate", data, &c), MC_EINVAL);
	assert_int_equal(mail_compose(t, "", data, &c), MC_EINVAL);
	assert_int_equal(mail_compose(t, NULL, data, &c), MC_EINVAL);
	mail_content_free(&c);
	mail_content_free(NULL);
	json_decref(data);
	tpl_set_free(t);
}

/* A subject template with line breaks and spaces still gives one line. */
static void test_compose_one_line_subject(void **state)
{
	struct tpl_set *t = tpl_set_new();
	struct mail_content c;
	json_t *data = json_pack("{s:s}", "x", "a\r\nBcc: evil@example.com");
	const char *subject = "  Thông báo\n  {{{x}}} \t\n", *body = "b";

	(void)state;
	assert_non_null(t);
	assert_int_equal(tpl_set_add(t, "mail/t_subject", subject, strlen(subject), NULL, 0), 0);
	assert_int_equal(tpl_set_add(t, "mail/t_text", body, strlen(body), NULL, 0), 0);
	assert_int_equal(tpl_set_add(t, "mail/t_html", "", 0, NULL, 0), 0);
	assert_int_equal(mail_compose(t, "t", data, &c), 0);
	assert_string_equal(c.subject, "Thông báo a Bcc: evil@example.com");
	assert_string_equal(c.html, "");
	mail_content_free(&c);
	json_decref(data);
	tpl_set_free(t);
}

/* From template to Maildir file: the subject decodes back, the link is on its own line. */
static void test_compose_to_maildir(void **state)
{
	struct fixture *fx = *state;
	struct tpl_set *t = load_templates();
	struct mail_content c;
	char names[2][256], path[4096], *msg, *text;
	json_t *data;
	int64_t id;

	data = json_pack("{s:s, s:s, s:i, s:s}", "full_name", "Trần Thị Bình", "link",
	                 "https://dichvucong.example.vn/a?t=1", "hours", 24, "portal_name",
	                 "Cổng dịch vụ công tỉnh Bình Định");
	assert_int_equal(mail_compose(t, "activate", data, &c), 0);
	assert_int_equal(db_begin(fx->db), 0);
	assert_int_equal(outbox_enqueue(fx->db, "binh@example.vn", c.subject, c.text, c.html,
	                                DOMAIN, T0, &id),
	                 0);
	assert_int_equal(db_commit(fx->db), 0);
	assert_int_equal(mail_deliver_due(&fx->cfg, fx->db), 0);
	check_status(fx->db, id, "sent");
	snprintf(path, sizeof path, "%s/mail/new", fx->dir);
	assert_int_equal(list_dir(path, names, 2), 1);
	snprintf(path, sizeof path, "%s/mail/new/%s", fx->dir, names[0]);
	msg = read_file(path);
	assert_non_null(strstr(msg, "\r\nSubject: =?UTF-8?B?"));
	text = text_part(msg);
	assert_non_null(strstr(text, "\r\nhttps://dichvucong.example.vn/a?t=1\r\n"));
	assert_non_null(strstr(text, "Kính gửi Ông/Bà Trần Thị Bình,"));
	free(text);
	free(msg);
	mail_content_free(&c);
	json_decref(data);
	tpl_set_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_maildir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smtp_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smtp_refused_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smtp_accepted_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smtp_permanent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smtp_data_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smtp_temporary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smtp_server_refusals_are_temporary, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_bad_settings_and_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thread, setup, teardown),
		cmocka_unit_test(test_compose_templates),
		cmocka_unit_test(test_compose_one_line_subject),
		cmocka_unit_test_setup_teardown(test_compose_to_maildir, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
