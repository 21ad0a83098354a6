/* test_outbox.c: mail/outbox on an in-memory SQLite database with the real migrations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/err.h"
#include "mail/outbox.h"
#include "store/db.h"

#ifndef MIGRATIONS_DIR
#define MIGRATIONS_DIR "migrations"
#endif

#define T0 1795998825000LL /* 2026-11-30T00:33:45.000Z */
#define MINUTE 60000LL
#define HOUR (60 * MINUTE)
#define DOMAIN "dichvucong.example.vn"

static int setup(void **state)
{
	struct db *db = NULL;
	char err[512];

	if (db_open("sqlite::memory:", &db, err, sizeof err) != 0) {
		fprintf(stderr, "db_open: %s\n", err);
		return -1;
	}
	if (db_migrate(db, MIGRATIONS_DIR, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "db_migrate: %s\n", err);
		db_close(db);
		return -1;
	}
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static int64_t enqueue(struct db *db, const char *to, int64_t now)
{
	int64_t id = 0;

	assert_int_equal(outbox_enqueue(db, to, "Kích hoạt tài khoản", "Nội dung\n",
	                                "<p>Nội dung</p>", DOMAIN, now, &id), 0);
	assert_true(id > 0);
	return id;
}

/* Column 'col' (text) of row 'id', copied into out. */
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

static int64_t count_status(struct db *db, const char *status)
{
	struct db_stmt *st;
	int64_t n;

	assert_int_equal(db_prepare(db, "SELECT COUNT(*) FROM mail_outbox WHERE status = ?", &st), 0);
	assert_int_equal(db_bind_cstr(st, 1, status), 0);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_int64(st, 0);
	assert_int_equal(db_step(st), DB_DONE);
	return n;
}

static void check_status(struct db *db, int64_t id, const char *status)
{
	char got[32];

	row_text(db, id, "status", got, sizeof got);
	assert_string_equal(got, status);
}

static void check_time(struct db *db, int64_t id, const char *col, int64_t ms)
{
	char got[64], want[32];

	row_text(db, id, col, got, sizeof got);
	assert_string_equal(got, clock_iso8601(ms, want, sizeof want));
}

/* Claim one message (the oldest due), which must be 'id'. */
static void claim_one(struct db *db, int64_t now, int64_t id)
{
	struct outbox_msg *msgs = NULL;
	size_t n = 0;

	assert_int_equal(outbox_claim_due(db, now, 1, &msgs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(msgs[0].id, id);
	outbox_msgs_free(msgs, n);
}

static void claim_none(struct db *db, int64_t now)
{
	struct outbox_msg *msgs = NULL;
	size_t n = 99;

	assert_int_equal(outbox_claim_due(db, now, 10, &msgs, &n), 0);
	assert_int_equal(n, 0);
	assert_null(msgs);
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_enqueue_commit_rollback(void **state)
{
	struct db *db = *state;
	char mid[128];
	int64_t id;

	assert_int_equal(db_begin(db), 0);
	enqueue(db, "a@example.vn", T0);
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(count_status(db, "queued"), 0);
	claim_none(db, T0 + HOUR);

	assert_int_equal(db_begin(db), 0);
	id = enqueue(db, "Nguyễn Văn An <an@example.vn>", T0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(count_status(db, "queued"), 1);
	check_time(db, id, "created_at", T0);
	check_time(db, id, "next_attempt_at", T0);
	row_text(db, id, "message_id", mid, sizeof mid);
	assert_int_equal(strlen(mid), 1 + 32 + 1 + strlen(DOMAIN) + 1);
	assert_int_equal(mid[0], '<');
	row_text(db, id, "attempts", mid, sizeof mid);
	assert_string_equal(mid, "0");
}

static void test_enqueue_refuses(void **state)
{
	struct db *db = *state;
	int64_t id = 7;

	assert_int_equal(outbox_enqueue(db, "a@example.vn", "x\r\nBcc: e@x.vn", "t", "h", DOMAIN,
	                                T0, &id), MC_EINVAL);
	assert_int_equal(id, 0);
	assert_int_equal(outbox_enqueue(db, "a@example.vn\r\n", "s", "t", "h", DOMAIN, T0, NULL),
	                 MC_EINVAL);
	assert_int_equal(outbox_enqueue(db, "a@example.vn, b@example.vn", "s", "t", "h", DOMAIN, T0,
	                                NULL), MC_EINVAL);
	assert_int_equal(outbox_enqueue(db, "no-address", "s", "t", "h", DOMAIN, T0, NULL),
	                 MC_EINVAL);
	assert_int_equal(outbox_enqueue(db, "a@example.vn", "s", "\xff", "h", DOMAIN, T0, NULL),
	                 MC_EINVAL);
	assert_int_equal(outbox_enqueue(db, "a@example.vn", "s", "t", NULL, DOMAIN, T0, NULL),
	                 MC_EINVAL);
	assert_int_equal(outbox_enqueue(db, "a@example.vn", "s", "t", "h", "bad domain", T0, NULL),
	                 MC_EINVAL);
	assert_int_equal(count_status(db, "queued"), 0);
}

static void test_claim(void **state)
{
	struct db *db = *state;
	struct outbox_msg *msgs = NULL;
	int64_t a, b, c;
	char mid[128];
	size_t n = 0;

	a = enqueue(db, "a@example.vn", T0);
	b = enqueue(db, "b@example.vn", T0 + 1000);
	c = enqueue(db, "c@example.vn", T0 + 5 * MINUTE); /* not due yet */
	/* A transaction already open is refused, and nothing is claimed. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(outbox_claim_due(db, T0 + MINUTE, 10, &msgs, &n), MC_EINVAL);
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(outbox_claim_due(db, T0 + MINUTE, 0, &msgs, &n), MC_EINVAL);
	assert_int_equal(count_status(db, "queued"), 3);

	/* The limit is honoured, oldest due first. */
	assert_int_equal(outbox_claim_due(db, T0 + MINUTE, 1, &msgs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(msgs[0].id, a);
	assert_string_equal(msgs[0].recipient, "a@example.vn");
	assert_string_equal(msgs[0].subject, "Kích hoạt tài khoản");
	assert_string_equal(msgs[0].body_text, "Nội dung\n");
	assert_string_equal(msgs[0].body_html, "<p>Nội dung</p>");
	assert_int_equal(msgs[0].attempts, 1);
	row_text(db, a, "message_id", mid, sizeof mid);
	assert_string_equal(msgs[0].message_id, mid);
	outbox_msgs_free(msgs, n);
	check_status(db, a, "sending");
	row_text(db, a, "attempts", mid, sizeof mid);
	assert_string_equal(mid, "1");

	claim_one(db, T0 + MINUTE, b);
	check_status(db, b, "sending");
	/* A second claim gets nothing: the others are being sent, c is not due. */
	claim_none(db, T0 + MINUTE);
	check_status(db, c, "queued");
	claim_one(db, T0 + 5 * MINUTE, c);
	claim_none(db, T0 + 10 * HOUR);
}

static void test_mark_sent(void **state)
{
	struct db *db = *state;
	int64_t id = enqueue(db, "a@example.vn", T0);
	char got[64];

	/* Only a message being sent can be marked. */
	assert_int_equal(outbox_mark_sent(db, id, T0), MC_ENOTFOUND);
	assert_int_equal(outbox_mark_retry(db, id, T0, "x", NULL), MC_ENOTFOUND);
	assert_int_equal(outbox_mark_failed(db, id, T0, "x"), MC_ENOTFOUND);
	assert_int_equal(outbox_mark_sent(db, id + 100, T0), MC_ENOTFOUND);
	claim_one(db, T0, id);
	assert_int_equal(outbox_mark_sent(db, id, T0 + 2500), 0);
	check_status(db, id, "sent");
	check_time(db, id, "sent_at", T0 + 2500);
	row_text(db, id, "last_error", got, sizeof got);
	assert_string_equal(got, "(null)");
	/* Never again. */
	assert_int_equal(outbox_mark_sent(db, id, T0 + 3000), MC_ENOTFOUND);
	assert_int_equal(outbox_recover(db, NULL), 0);
	claim_none(db, T0 + 48 * HOUR);
}

/* 1, 2, 4, 8, 16, 32, 60, 60 ... minutes, then 'failed' when the next try would fall more than
 * 24 hours after created_at. */
static void test_retry_schedule(void **state)
{
	static const int64_t expect_min[] = { 1, 2, 4, 8, 16, 32, 60, 60, 60, 60 };
	struct db *db = *state;
	int64_t id = enqueue(db, "a@example.vn", T0), now = T0, next = 0;
	char got[128];
	size_t i;
	int tries = 0;

	for (i = 0; i < sizeof expect_min / sizeof expect_min[0]; i++) {
		claim_one(db, now, id);
		assert_int_equal(outbox_mark_retry(db, id, now, "Couldn't connect to server", &next), 0);
		assert_int_equal(next, now + expect_min[i] * MINUTE);
		check_status(db, id, "queued");
		check_time(db, id, "next_attempt_at", next);
		row_text(db, id, "last_error", got, sizeof got);
		assert_string_equal(got, "Couldn't connect to server");
		/* Not due a moment before. */
		claim_none(db, next - 1);
		now = next;
		tries++;
	}
	/* Keep failing: hourly, until the 24 hours are used up. */
	for (;;) {
		claim_one(db, now, id);
		assert_int_equal(outbox_mark_retry(db, id, now, "421 busy", &next), 0);
		tries++;
		if (next < 0)
			break;
		assert_int_equal(next, now + HOUR);
		assert_true(next - T0 <= 24 * HOUR);
		now = next;
	}
	/* Given up because now + 1 h would pass T0 + 24 h. */
	assert_true(now + HOUR > T0 + 24 * HOUR);
	assert_true(now <= T0 + 24 * HOUR);
	check_status(db, id, "failed");
	check_time(db, id, "next_attempt_at", now);
	row_text(db, id, "last_error", got, sizeof got);
	assert_string_equal(got, "421 busy");
	snprintf(got, sizeof got, "%d", tries);
	{
		char attempts[32];
		row_text(db, id, "attempts", attempts, sizeof attempts);
		assert_string_equal(attempts, got);
	}
	claim_none(db, T0 + 100 * HOUR);
}

/* Exactly 24 hours is still allowed; one millisecond more is not. */
static void test_give_up_boundary(void **state)
{
	struct db *db = *state;
	int64_t a = enqueue(db, "a@example.vn", T0), b = enqueue(db, "b@example.vn", T0), next;

	claim_one(db, T0, a);
	assert_int_equal(outbox_mark_retry(db, a, T0 + 24 * HOUR - MINUTE, "x", &next), 0);
	assert_int_equal(next, T0 + 24 * HOUR);
	check_status(db, a, "queued");
	claim_one(db, T0, b);
	assert_int_equal(outbox_mark_retry(db, b, T0 + 24 * HOUR - MINUTE + 1, "x", &next), 0);
	assert_int_equal(next, -1);
	check_status(db, b, "failed");
}

static void test_mark_failed(void **state)
{
	struct db *db = *state;
	int64_t id = enqueue(db, "a@example.vn", T0);
	char got[128];

	claim_one(db, T0, id);
	assert_int_equal(outbox_mark_failed(db, id, T0 + 5000,
	                                    "550 5.1.1 <a@example.vn>: Recipient\r\naddress rejected"),
	                 0);
	check_status(db, id, "failed");
	check_time(db, id, "next_attempt_at", T0 + 5000);
	row_text(db, id, "last_error", got, sizeof got);
	assert_string_equal(got, "550 5.1.1 <a@example.vn>: Recipient  address rejected");
	/* Never claimed again, and recover leaves it alone. */
	assert_int_equal(outbox_recover(db, NULL), 0);
	claim_none(db, T0 + 100 * HOUR);
	check_status(db, id, "failed");
}

static void test_error_text_limits(void **state)
{
	struct db *db = *state;
	int64_t a = enqueue(db, "a@example.vn", T0), b = enqueue(db, "b@example.vn", T0);
	char big[3000], got[3000];
	size_t i;

	/* 999 ASCII bytes then 'ệ' (3 bytes): the cut at 1000 must not split it. */
	memset(big, 'x', 999);
	big[999] = '\0';
	for (i = 0; i < 100; i++)
		strcat(big, "ệ");
	claim_one(db, T0, a);
	assert_int_equal(outbox_mark_failed(db, a, T0, big), 0);
	row_text(db, a, "last_error", got, sizeof got);
	assert_int_equal(strlen(got), 999);
	/* Invalid UTF-8 from a server becomes '?'. */
	claim_one(db, T0, b);
	assert_int_equal(outbox_mark_failed(db, b, T0, "554 \xff\xfe bad\x01"), 0);
	row_text(db, b, "last_error", got, sizeof got);
	assert_string_equal(got, "554 ?? bad ");
}

static void test_recover(void **state)
{
	struct db *db = *state;
	int64_t a = enqueue(db, "a@example.vn", T0), b = enqueue(db, "b@example.vn", T0), n = -1;
	struct outbox_msg *msgs = NULL;
	size_t count = 0;

	assert_int_equal(outbox_claim_due(db, T0, 10, &msgs, &count), 0);
	assert_int_equal(count, 2);
	outbox_msgs_free(msgs, count);
	assert_int_equal(outbox_mark_sent(db, b, T0), 0);
	/* a was being sent when the process died. */
	assert_int_equal(outbox_recover(db, &n), 0);
	assert_int_equal(n, 1);
	check_status(db, a, "queued");
	check_status(db, b, "sent");
	claim_one(db, T0, a); /* still due */
	assert_int_equal(outbox_recover(db, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(outbox_recover(db, &n), 0);
	assert_int_equal(n, 0);
	msgs = NULL;
	assert_int_equal(outbox_claim_due(db, T0, 10, &msgs, &count), 0);
	assert_int_equal(count, 1);
	/* Every attempt started is counted, interrupted ones included. */
	assert_int_equal(msgs[0].attempts, 3);
	outbox_msgs_free(msgs, count);
}

struct listing {
	int64_t ids[8];
	char errors[8][64];
	char recipients[8][64];
	int n;
	int stop_after;
};

static int collect(void *arg, const struct outbox_failed *row)
{
	struct listing *l = arg;

	l->ids[l->n] = row->id;
	snprintf(l->errors[l->n], sizeof l->errors[0], "%s", row->last_error);
	snprintf(l->recipients[l->n], sizeof l->recipients[0], "%s", row->recipient);
	assert_non_null(row->subject);
	assert_non_null(row->message_id);
	assert_non_null(row->created_at);
	assert_non_null(row->failed_at);
	assert_true(row->attempts >= 1);
	l->n++;
	return l->n == l->stop_after ? 42 : 0;
}

static void test_list_failed(void **state)
{
	struct db *db = *state;
	int64_t a = enqueue(db, "a@example.vn", T0), b = enqueue(db, "b@example.vn", T0);
	int64_t c = enqueue(db, "c@example.vn", T0);
	struct listing l;

	memset(&l, 0, sizeof l);
	assert_int_equal(outbox_list_failed(db, 10, collect, &l), 0);
	assert_int_equal(l.n, 0);
	claim_one(db, T0, a);
	assert_int_equal(outbox_mark_failed(db, a, T0, "550 no such user"), 0);
	claim_one(db, T0, b);
	assert_int_equal(outbox_mark_sent(db, b, T0), 0);
	claim_one(db, T0, c);
	assert_int_equal(outbox_mark_failed(db, c, T0, "552 too big"), 0);

	memset(&l, 0, sizeof l);
	assert_int_equal(outbox_list_failed(db, 10, collect, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ids[0], c); /* newest first */
	assert_string_equal(l.errors[0], "552 too big");
	assert_string_equal(l.recipients[0], "c@example.vn");
	assert_int_equal(l.ids[1], a);
	assert_string_equal(l.errors[1], "550 no such user");

	memset(&l, 0, sizeof l);
	assert_int_equal(outbox_list_failed(db, 1, collect, &l), 0);
	assert_int_equal(l.n, 1);

	memset(&l, 0, sizeof l);
	l.stop_after = 1;
	assert_int_equal(outbox_list_failed(db, 10, collect, &l), 42);
	assert_int_equal(l.n, 1);
	/* The statement was reset: the database is usable at once. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_commit(db), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enqueue_commit_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enqueue_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_schedule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_give_up_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_text_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_failed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
