/* test_db_memo.c: the per-connection memo (db.h, "Memo") and the session check that uses it.
 * Every case asks whether a value could be served after the database changed: by the same
 * connection, by another connection of this process, by another process, inside a transaction,
 * or between taking the epoch and storing. */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* mkdtemp, nftw */
#endif

#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"

#include "domain/session.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/db.h"

struct fixture {
	char dir[64];
	char url[128];
	struct db *a, *b; /* two connections to one database */
};

static int drops; /* values released by the memo */

static void count_drop(void *v)
{
	drops++;
	free(v);
}

static int *boxed(int v)
{
	int *p = malloc(sizeof(*p));

	assert_non_null(p);
	*p = v;
	return p;
}

static void exec_ok(struct db *db, const char *sql)
{
	assert_int_equal(db_exec_script(db, sql), 0);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	char err[256];
	int applied;

	if (fx == NULL)
		return -1;
	if (tmpdir_make(fx->dir, sizeof fx->dir, "memo") != 0)
		return -1;
	snprintf(fx->url, sizeof fx->url, "sqlite:%s/motcua.db", fx->dir);
	if (db_open(fx->url, &fx->a, err, sizeof err) != 0 ||
	    db_open(fx->url, &fx->b, err, sizeof err) != 0)
		return -1;
	if (db_migrate(fx->a, MIGRATIONS_DIR, &applied, err, sizeof err) != 0)
		return -1;
	exec_ok(fx->a, "CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES (1, 1)");
	drops = 0;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	db_close(fx->a);
	db_close(fx->b);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* Store 'v' under 'key' on 'db' as a caller would: epoch, (read), put. */
static int put_int(struct db *db, const char *key, int v)
{
	uint64_t since = db_memo_epoch(db);

	return db_memo_put(db, key, since, boxed(v), sizeof(int), count_drop);
}

static int get_int(struct db *db, const char *key)
{
	const int *p = db_memo_get(db, key);

	return p != NULL ? *p : -1;
}

static void test_kept_until_anything_is_committed(void **state)
{
	struct fixture *fx = *state;

	assert_null(db_memo_get(fx->a, "x"));
	assert_int_equal(put_int(fx->a, "x", 7), 0);
	assert_int_equal(put_int(fx->a, "y", 8), 0);
	assert_int_equal(get_int(fx->a, "x"), 7);
	assert_int_equal(get_int(fx->a, "x"), 7);
	assert_int_equal(get_int(fx->a, "y"), 8);
	assert_null(db_memo_get(fx->a, "z"));
	/* Reading changes nothing. */
	assert_true(db_memo_get(fx->b, "x") == NULL);
	exec_ok(fx->b, "SELECT * FROM t");
	assert_int_equal(get_int(fx->a, "x"), 7);
	assert_int_equal(drops, 0);

	/* A commit by the other connection empties the whole memo. */
	exec_ok(fx->b, "UPDATE t SET v = 2 WHERE k = 1");
	assert_null(db_memo_get(fx->a, "x"));
	assert_null(db_memo_get(fx->a, "y"));
	assert_int_equal(drops, 2);

	/* So does one of its own, outside a transaction or in one. */
	assert_int_equal(put_int(fx->a, "x", 9), 0);
	exec_ok(fx->a, "UPDATE t SET v = 3 WHERE k = 1");
	assert_null(db_memo_get(fx->a, "x"));
	assert_int_equal(put_int(fx->a, "x", 10), 0);
	assert_int_equal(db_begin(fx->a), 0);
	exec_ok(fx->a, "UPDATE t SET v = 4 WHERE k = 1");
	assert_null(db_memo_get(fx->a, "x")); /* nothing is served inside a transaction */
	assert_int_equal(db_commit(fx->a), 0);
	assert_null(db_memo_get(fx->a, "x"));
	/* An update that changes no row commits nothing new: the memo stays. */
	assert_int_equal(put_int(fx->a, "x", 11), 0);
	exec_ok(fx->b, "UPDATE t SET v = 5 WHERE k = 2");
	assert_int_equal(get_int(fx->a, "x"), 11);
}

static void test_commit_by_another_process(void **state)
{
	struct fixture *fx = *state;
	int status;
	pid_t pid;

	assert_int_equal(put_int(fx->a, "x", 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct db *c;
		char err[256];

		/* Its own connection: the parent's are never used after fork. */
		if (db_open(fx->url, &c, err, sizeof err) != 0 ||
		    db_exec_script(c, "INSERT INTO t VALUES (2, 2)") != 0)
			_exit(1);
		db_close(c);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_null(db_memo_get(fx->a, "x"));
}

static void test_put_refused_after_a_commit(void **state)
{
	struct fixture *fx = *state;
	uint64_t since;

	/* Something committed between the epoch and the put: the value may predate it. */
	since = db_memo_epoch(fx->a);
	assert_true(since != 0);
	exec_ok(fx->b, "UPDATE t SET v = 5 WHERE k = 1");
	assert_int_equal(db_memo_put(fx->a, "x", since, boxed(1), sizeof(int), count_drop),
	                 MC_ECONFLICT);
	assert_int_equal(drops, 1);
	assert_null(db_memo_get(fx->a, "x"));

	/* Inside a transaction: refused too (what was read may still be rolled back). */
	assert_int_equal(db_begin(fx->a), 0);
	exec_ok(fx->a, "UPDATE t SET v = 6 WHERE k = 1");
	assert_int_equal(db_memo_epoch(fx->a), 0);
	assert_int_equal(db_memo_put(fx->a, "x", db_memo_epoch(fx->a), boxed(2), sizeof(int),
	                             count_drop),
	                 MC_ECONFLICT);
	assert_int_equal(db_rollback(fx->a), 0);
	assert_int_equal(drops, 2);
	assert_null(db_memo_get(fx->a, "x"));

	/* A stale epoch from before any check stays refused. */
	assert_int_equal(db_memo_put(fx->a, "x", 0, boxed(3), sizeof(int), count_drop), MC_ECONFLICT);
	assert_int_equal(drops, 3);
}

static void test_keys_and_slots(void **state)
{
	struct fixture *fx = *state;
	char key[DB_MEMO_KEY_MAX + 2], name[32];
	int kept = 0;

	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	assert_int_equal(put_int(fx->a, key, 1), MC_EINVAL); /* one byte too long */
	assert_int_equal(drops, 1);
	key[DB_MEMO_KEY_MAX] = '\0';
	assert_int_equal(put_int(fx->a, key, 2), 0);
	assert_int_equal(get_int(fx->a, key), 2);
	/* Replacing a key releases the old value. */
	assert_int_equal(put_int(fx->a, key, 3), 0);
	assert_int_equal(drops, 2);
	assert_int_equal(get_int(fx->a, key), 3);

	/* More keys than slots: the memo stays bounded, and what it returns is always right. */
	for (int i = 0; i < 4 * DB_MEMO_SLOTS; i++) {
		snprintf(name, sizeof name, "n:%d", i);
		assert_int_equal(put_int(fx->a, name, i), 0);
	}
	for (int i = 0; i < 4 * DB_MEMO_SLOTS; i++) {
		snprintf(name, sizeof name, "n:%d", i);
		int v = get_int(fx->a, name);
		if (v >= 0) {
			assert_int_equal(v, i);
			kept++;
		}
	}
	assert_true(kept > 0 && kept <= DB_MEMO_SLOTS);
}

static void test_bytes_are_bounded(void **state)
{
	struct fixture *fx = *state;
	const size_t quarter = DB_MEMO_BYTES_MAX / 4;
	uint64_t since = db_memo_epoch(fx->a);
	char name[32];
	int stored = 0;

	/* One value heavier than the whole memo is dropped, not kept. */
	assert_int_equal(db_memo_put(fx->a, "big", since, boxed(1), DB_MEMO_BYTES_MAX, count_drop),
	                 MC_ETOOBIG);
	assert_int_equal(drops, 1);
	assert_null(db_memo_get(fx->a, "big"));
	/* Quarters: three fit with their keys, then no more until room is made. */
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "q:%d", i);
		if (db_memo_put(fx->a, name, since, boxed(i), quarter, count_drop) == 0)
			stored++;
	}
	assert_int_equal(stored, 3);
	assert_int_equal(drops, 1 + 5);
	/* A commit empties the memo, and its room with it. */
	exec_ok(fx->b, "UPDATE t SET v = 7 WHERE k = 1");
	since = db_memo_epoch(fx->a);
	assert_int_equal(db_memo_put(fx->a, "q:again", since, boxed(9), quarter, count_drop), 0);
	assert_int_equal(get_int(fx->a, "q:again"), 9);
	/* Replacing an entry gives back its room first. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(db_memo_put(fx->a, "q:again", since, boxed(i), 3 * quarter,
		                             count_drop), 0);
	assert_int_equal(get_int(fx->a, "q:again"), 9);
	/* db_close (teardown) releases the rest: the leak checkers see to it. */
}

/* ---- the session check ---- */

static int64_t t0 = 1767225600000LL; /* 2026-01-01T00:00:00Z */

static void make_account(struct db *db)
{
	exec_ok(db, "INSERT INTO accounts (id, account_type, full_name, email, email_key, phone, "
	            "citizen_id, birth_date, address, password_hash, status, created_at, updated_at) "
	            "VALUES (7, 'citizen', 'Nguyễn Văn An', 'an@example.vn', 'an@example.vn', "
	            "'0912345678', '038090012345', '1990-01-01', 'Thanh Hóa', 'x', 'active', "
	            "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')");
}

/* Account 7 with a session opened at t0 (its cookie in 'cookie'), checked once at t0 + 1 s. */
static void open_session(struct db *db, char cookie[TOKEN_LEN + 1], struct actor *a)
{
	make_account(db);
	assert_int_equal(session_create(db, 7, t0, cookie), 0);
	assert_int_equal(session_lookup(db, cookie, t0 + 1000, a), 0);
	assert_int_equal(a->account_id, 7);
}

static void test_session_from_memo_still_expires(void **state)
{
	struct fixture *fx = *state;
	char cookie[TOKEN_LEN + 1];
	struct actor a;

	open_session(fx->a, cookie, &a);
	assert_string_equal(a.full_name, "Nguyễn Văn An");
	assert_int_equal(session_lookup(fx->a, cookie, t0 + 2000, &a), 0); /* from the memo */
	assert_int_equal(a.account_id, 7);
	assert_true(a.session_hash[0] != '\0');
	/* Idle for 30 minutes with nothing committed: the kept row is judged by the clock. */
	assert_int_equal(session_lookup(fx->a, cookie, t0 + SESSION_IDLE_MS, &a), MC_ENOTFOUND);
	assert_int_equal(a.account_id, 0);
	assert_int_equal(session_lookup(fx->a, cookie, t0 + 1000, &a), MC_ENOTFOUND); /* deleted */
}

static void test_session_sees_changes_at_once(void **state)
{
	struct fixture *fx = *state;
	char cookie[TOKEN_LEN + 1];
	struct actor a;

	open_session(fx->a, cookie, &a);
	assert_int_equal(session_lookup(fx->a, cookie, t0 + 1000, &a), 0);
	/* Renamed elsewhere: the next check has the new name. */
	exec_ok(fx->b, "UPDATE accounts SET full_name = 'Nguyễn Văn Bình' WHERE id = 7");
	assert_int_equal(session_lookup(fx->a, cookie, t0 + 2000, &a), 0);
	assert_string_equal(a.full_name, "Nguyễn Văn Bình");
	/* Disabled elsewhere: logged out at once. */
	exec_ok(fx->b, "UPDATE accounts SET status = 'disabled' WHERE id = 7");
	assert_int_equal(session_lookup(fx->a, cookie, t0 + 3000, &a), MC_ENOTFOUND);
	exec_ok(fx->b, "UPDATE accounts SET status = 'active' WHERE id = 7");
	assert_int_equal(session_lookup(fx->a, cookie, t0 + 3000, &a), 0);
	/* Revoked elsewhere (a password change on another thread). */
	assert_int_equal(session_revoke_all(fx->b, 7), 0);
	assert_int_equal(session_lookup(fx->a, cookie, t0 + 4000, &a), MC_ENOTFOUND);
}

static void test_session_touch_once_a_minute(void **state)
{
	struct fixture *fx = *state;
	char cookie[TOKEN_LEN + 1];
	struct actor a;
	struct db_stmt *st;
	char seen[40];

	make_account(fx->a);
	assert_int_equal(session_create(fx->a, 7, t0, cookie), 0);
	assert_int_equal(session_lookup(fx->a, cookie, t0 + 59 * 1000, &a), 0);
	assert_int_equal(db_prepare(fx->b, "SELECT last_seen_at FROM sessions", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	db_col_copy(st, 0, seen, sizeof seen);
	db_reset(st);
	assert_string_equal(seen, "2026-01-01T00:00:00.000Z");
	assert_int_equal(session_lookup(fx->a, cookie, t0 + 61 * 1000, &a), 0);
	assert_int_equal(db_prepare(fx->b, "SELECT last_seen_at FROM sessions", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	db_col_copy(st, 0, seen, sizeof seen);
	db_reset(st);
	assert_string_equal(seen, "2026-01-01T00:01:01.000Z");
	/* The touch was a commit: the next check reads the new row, and 29 minutes after the
	 * touch the session is still live. */
	assert_int_equal(session_lookup(fx->a, cookie, t0 + 61 * 1000 + 29 * 60 * 1000, &a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kept_until_anything_is_committed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_by_another_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_refused_after_a_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_and_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bytes_are_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_from_memo_still_expires, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_sees_changes_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_touch_once_a_minute, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
