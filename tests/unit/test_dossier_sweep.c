/* test_dossier_sweep.c: the draft reminder and deletion, the lease, one run of every sweep and
 * the timer's thread, on SQLite databases with the real migrations, the demo catalogue, the
 * real mail templates and a file store in a temporary folder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dbtest.h"
#include "fixturedb.h"

#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "domain/account.h"
#include "domain/actor.h"
#include "domain/catalog_io.h"
#include "domain/dossier.h"
#include "domain/dossier_sweep.h"
#include "domain/filestore.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/token.h"
#include "lib/tpl.h"
#include "store/db.h"
#include "sweeper.h"

#ifndef MIGRATIONS_DIR
#define MIGRATIONS_DIR "migrations"
#endif
#ifndef DATA_DIR
#define DATA_DIR "data"
#endif
#ifndef TEMPLATES_DIR
#define TEMPLATES_DIR "templates"
#endif

#define T0 1795998825000LL /* 2026-11-30T00:33:45.000Z, 30/11/2026 07:33 in Vietnam */
#define MINUTE 60000LL
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define BASE_URL "https://dichvucong.example.vn"

enum { AN = 1, BINH = 2 };
enum { OFF_OPEN = 1 }; /* 1.000656, citizens, full, at desk 1 */

static const char fixture_sql[] =
	"INSERT INTO agencies (id, code, name, level, address, phone, email, office_hours, is_desk,"
	" is_competent, active, created_at, updated_at) VALUES"
	" (1, 'H01.1', 'Bộ phận Một cửa xã Tân An', 'commune', 'Xã Tân An', '0270000001',"
	"  'motcua@tanan.gov.vn', '[\"\",\"\",\"\",\"\",\"\",\"\",\"\"]', 1, 0, 1, 't', 't'),"
	" (2, 'H01.2', 'Ủy ban nhân dân xã Tân An', 'commune', 'Xã Tân An', '0270000002',"
	"  'ubnd@tanan.gov.vn', '[\"\",\"\",\"\",\"\",\"\",\"\",\"\"]', 0, 1, 1, 't', 't');"
	"INSERT INTO accounts (id, account_type, full_name, email, email_key, phone, citizen_id,"
	" birth_date, address, organization_name, tax_code, password_hash, status, created_at,"
	" updated_at) VALUES"
	" (1, 'citizen', 'Nguyễn Văn An', 'an@example.vn', 'an@example.vn', '0912345678',"
	"  '079090001234', '1990-05-01', 'Số 1 đường Lê Lợi, xã Tân An', NULL, NULL, 'x', 'active',"
	"  't', 't'),"
	" (2, 'citizen', 'Trần Thị Bình', 'binh@example.vn', 'binh@example.vn', '0987654321',"
	"  '079190005678', '1991-02-03', 'Số 2 đường Hùng Vương, xã Tân An', NULL, NULL, 'x',"
	"  'active', 't', 't');"
	"INSERT INTO offerings (id, procedure_id, desk_agency_id, competent_agency_id, online,"
	" workflow, active, created_at, updated_at) VALUES"
	" (1, (SELECT id FROM procedures WHERE code = '1.000656'), 1, 2, 1, 'standard', 1, 't', 't');";

/* ---- fixture ---- */

static struct tpl_set *mail_templates; /* the real templates, loaded once */
static int wakes;                      /* how often the mail sender was woken */
static struct clock fixed;             /* the rules' clock of test_env */

struct fixture {
	struct db *db;
	char root[64];             /* mkdtemp folder: the file store, a file database */
	char files_dir[96];
	struct filestore *files;
};

static void count_wake(void *ctx)
{
	(*(int *)ctx)++;
}

static struct account_env test_env(int64_t now)
{
	struct account_env env;

	fixed = clock_fixed(now);
	memset(&env, 0, sizeof env);
	env.clock = &fixed;
	env.templates = mail_templates;
	env.base_url = BASE_URL;
	env.portal_name = "Cổng Dịch vụ công tỉnh Tân An";
	env.mail_domain = "dichvucong.example.vn";
	env.mail_queued = count_wake;
	env.mail_ctx = &wakes;
	return env;
}

static struct actor citizen(int64_t id)
{
	struct actor a;

	memset(&a, 0, sizeof(a));
	a.role = ROLE_CITIZEN;
	a.account_id = id;
	snprintf(a.account_type, sizeof(a.account_type), "citizen");
	snprintf(a.full_name, sizeof(a.full_name), "%s", id == AN ? "Nguyễn Văn An" : "Trần Thị Bình");
	return a;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char err[256];

	if (f == NULL)
		return -1;
	wakes = 0;
	snprintf(f->root, sizeof f->root, "/tmp/dossier-sweep-test-XXXXXX");
	if (mkdtemp(f->root) == NULL)
		goto fail;
	snprintf(f->files_dir, sizeof f->files_dir, "%s/files", f->root);
	if (filestore_open(f->files_dir, &f->files, err, sizeof err) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		goto fail;
	}
	if (fixturedb_open("sqlite::memory:", T0, fixture_sql, &f->db) != 0)
		goto fail;
	*state = f;
	return 0;
fail:
	filestore_close(f->files);
	free(f);
	return -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	db_close(f->db);
	filestore_close(f->files);
	nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static int group_setup(void **state)
{
	char err[512] = "";

	(void)state;
	if (token_init() != 0)
		return -1;
	mail_templates = tpl_set_new();
	if (mail_templates == NULL ||
	    tpl_set_load_dir(mail_templates, TEMPLATES_DIR, err, sizeof err) != 0) {
		fprintf(stderr, "templates: %s\n", err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tpl_set_free(mail_templates);
	mail_templates = NULL;
	return 0;
}

/* ---- helpers ---- */

static void exec_text_int(struct db *db, const char *sql, const char *text, int64_t id)
{
	struct db_stmt *st;

	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_bind_cstr(st, 1, text), 0);
	assert_int_equal(db_bind_int64(st, 2, id), 0);
	assert_int_equal(db_step_done(st), 0);
}

static const char *iso(int64_t ms, char out[32])
{
	return clock_iso8601(ms, out, 32);
}

static int64_t start_draft(struct db *db, int64_t account, int64_t now)
{
	struct actor a = citizen(account);
	const char *why = NULL;
	int64_t id = 0;

	assert_int_equal(dossier_start(db, &a, now, OFF_OPEN, &id, &why), 0);
	assert_true(id > 0);
	return id;
}

/* Save draft 'id' at 'now' without changing an answer: what touches a draft. */
static void touch(struct db *db, int64_t account, int64_t id, int64_t now)
{
	struct actor a = citizen(account);
	json_t *answers = json_object(), *errors = NULL;

	assert_int_equal(dossier_save_form(db, &a, now, id, answers, &errors), 0);
	json_decref(errors);
	json_decref(answers);
}

/* Set a dossier's updated_at and draft_reminded_at (reminded < 0: NULL) directly. */
static void set_times(struct db *db, int64_t id, int64_t updated, int64_t reminded)
{
	char a[32], b[32];
	struct db_stmt *st;

	assert_int_equal(db_prepare(db, "UPDATE dossiers SET updated_at = ?, draft_reminded_at = ?"
	                                " WHERE id = ?", &st), 0);
	assert_int_equal(db_bind_cstr(st, 1, iso(updated, a)), 0);
	assert_int_equal(db_bind_cstr(st, 2, reminded >= 0 ? iso(reminded, b) : NULL), 0);
	assert_int_equal(db_bind_int64(st, 3, id), 0);
	assert_int_equal(db_step_done(st), 0);
}

static int64_t remind(struct db *db, int64_t now, int64_t *failed)
{
	struct account_env env = test_env(now);
	int64_t n = -1, bad = -1;

	assert_int_equal(dossier_remind_drafts(&env, db, now, &n, &bad), 0);
	if (failed != NULL)
		*failed = bad;
	return n;
}

static int64_t delete_stale(struct fixture *f, int64_t now, int64_t *files_removed)
{
	int64_t n = -1, removed = -1;

	assert_int_equal(dossier_delete_stale_drafts(f->db, f->files, now, &n, &removed), 0);
	if (files_removed != NULL)
		*files_removed = removed;
	return n;
}

static int64_t count_where(struct db *db, const char *sql)
{
	return dbtest_int(db, sql, 1);
}

#define OUTBOX_COUNT "SELECT COUNT(*) FROM mail_outbox WHERE ? IS NOT NULL"

/* Column 'col' of the newest outbox message into out. */
static const char *last_mail(struct db *db, const char *col, char *out, size_t cap)
{
	char sql[160];

	snprintf(sql, sizeof sql, "SELECT %s FROM mail_outbox WHERE ? IS NOT NULL ORDER BY id DESC "
	         "LIMIT 1", col);
	return dbtest_text(db, sql, 1, out, cap);
}

static int exists(struct db *db, int64_t id)
{
	return dbtest_int(db, "SELECT COUNT(*) FROM dossiers WHERE id = ?", id) == 1;
}

/* ---- reminders ---- */

static void test_remind_timing(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	int64_t id = start_draft(db, AN, T0), later = start_draft(db, BINH, T0 + DAY);
	static char body[32768];
	char buf[512], want[512], procedure[256];
	int64_t failed = -1;

	dbtest_text(db, "SELECT p.name FROM procedures p JOIN dossiers d ON d.procedure_id = p.id"
	               " WHERE d.id = ?", id, procedure, sizeof procedure);
	/* 26 days, and a millisecond short of 27: nothing. */
	assert_int_equal(remind(db, T0 + 26 * DAY, NULL), 0);
	assert_int_equal(remind(db, T0 + DOSSIER_DRAFT_REMIND_MS - 1, NULL), 0);
	assert_int_equal(count_where(db, OUTBOX_COUNT), 0);
	assert_int_equal(wakes, 0);

	/* 27 days: the older draft's owner is reminded, once. */
	assert_int_equal(remind(db, T0 + DOSSIER_DRAFT_REMIND_MS, &failed), 1);
	assert_int_equal(failed, 0);
	assert_int_equal(count_where(db, OUTBOX_COUNT), 1);
	assert_int_equal(wakes, 1);
	assert_string_equal(last_mail(db, "recipient", buf, sizeof buf), "an@example.vn");
	snprintf(want, sizeof want, "Bản nháp hồ sơ %s sẽ bị xóa vào ngày 30/12/2026", procedure);
	assert_string_equal(last_mail(db, "subject", buf, sizeof buf), want);
	last_mail(db, "body_text", body, sizeof body);
	snprintf(want, sizeof want, BASE_URL "/dossiers/%" PRId64 "/form", id);
	assert_non_null(strstr(body, want));
	assert_non_null(strstr(body, "Nguyễn Văn An"));
	assert_non_null(strstr(body, procedure));
	assert_non_null(strstr(body, "lưu lần cuối ngày 30/11/2026"));
	assert_non_null(strstr(body, "sẽ bị xóa vào ngày 30/12/2026"));
	assert_non_null(strstr(body, "Cổng Dịch vụ công tỉnh Tân An"));
	last_mail(db, "body_html", body, sizeof body);
	assert_non_null(strstr(body, want));
	assert_non_null(strstr(body, "30/12/2026"));
	assert_non_null(strstr(body, "<html lang=\"vi\">"));
	/* Marked now; neither updated_at nor the version moved, so the open form still saves. */
	assert_string_equal(dbtest_text(db, "SELECT draft_reminded_at FROM dossiers WHERE id = ?", id,
	                               buf, sizeof buf), iso(T0 + DOSSIER_DRAFT_REMIND_MS, want));
	assert_string_equal(dbtest_text(db, "SELECT updated_at FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), iso(T0, want));
	assert_int_equal(dbtest_int(db, "SELECT version FROM dossiers WHERE id = ?", id), 1);
	assert_string_equal(dbtest_text(db, "SELECT draft_reminded_at FROM dossiers WHERE id = ?",
	                               later, buf, sizeof buf), "(null)");
	/* The timeline says so, by the system. */
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_events WHERE dossier_id = ?", id),
	                 2);
	assert_int_equal(dbtest_int(db, "SELECT account_id IS NULL AND from_status = 'draft' AND"
	                               " to_status = 'draft' FROM dossier_events WHERE dossier_id = ?"
	                               " ORDER BY id DESC LIMIT 1", id), 1);
	dbtest_text(db, "SELECT note FROM dossier_events WHERE dossier_id = ? ORDER BY id DESC LIMIT 1",
	           id, buf, sizeof buf);
	assert_non_null(strstr(buf, "30/12/2026"));
	assert_string_equal(dbtest_text(db, "SELECT actor_name FROM dossier_events WHERE dossier_id = ?"
	                               " ORDER BY id DESC LIMIT 1", id, want, sizeof want),
	                    "Hệ thống");

	/* A day later the younger draft is due; the first is not reminded twice. */
	assert_int_equal(remind(db, T0 + 28 * DAY, NULL), 1);
	assert_string_equal(last_mail(db, "recipient", buf, sizeof buf), "binh@example.vn");
	assert_int_equal(remind(db, T0 + 29 * DAY, NULL), 0);
	assert_int_equal(count_where(db, OUTBOX_COUNT), 2);

	/* Saved after its reminder: the count starts again, and a second reminder follows. */
	touch(db, AN, id, T0 + 29 * DAY);
	assert_int_equal(remind(db, T0 + 29 * DAY + DOSSIER_DRAFT_REMIND_MS - 1, NULL), 0);
	assert_int_equal(remind(db, T0 + 29 * DAY + DOSSIER_DRAFT_REMIND_MS, NULL), 1);
	assert_string_equal(last_mail(db, "recipient", buf, sizeof buf), "an@example.vn");
	last_mail(db, "body_text", body, sizeof body);
	assert_non_null(strstr(body, "lưu lần cuối ngày 29/12/2026"));
	assert_non_null(strstr(body, "sẽ bị xóa vào ngày 28/01/2027"));
	assert_int_equal(count_where(db, OUTBOX_COUNT), 3);
	assert_int_equal(wakes, 3);
}

/* Only drafts with an owner: submitted, expired or walk-in dossiers are never reminded. */
static void test_remind_only_owned_drafts(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	int64_t submitted = start_draft(db, AN, T0), walk_in = start_draft(db, AN, T0);
	int64_t draft = start_draft(db, BINH, T0);

	exec_text_int(db, "UPDATE dossiers SET status = ? WHERE id = ?", "unconfirmed", submitted);
	exec_text_int(db, "UPDATE dossiers SET channel = ?, owner_account_id = NULL WHERE id = ?",
	              "walk_in", walk_in);
	assert_int_equal(remind(db, T0 + 40 * DAY, NULL), 1);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossiers WHERE draft_reminded_at IS NOT"
	                               " NULL AND id = ?", draft), 1);
	assert_int_equal(count_where(db, "SELECT COUNT(*) FROM dossiers WHERE draft_reminded_at IS"
	                                 " NOT NULL AND ? IS NOT NULL"), 1);
	/* And nothing of theirs is deleted either. */
	set_times(db, submitted, T0, T0 + 27 * DAY);
	set_times(db, walk_in, T0, T0 + 27 * DAY);
	assert_int_equal(delete_stale(f, T0 + 60 * DAY, NULL), 1);
	assert_true(exists(db, submitted));
	assert_true(exists(db, walk_in));
	assert_false(exists(db, draft));
}

/* A mail the outbox refuses leaves its draft unmarked (so never deleted) and tried again. */
static void test_remind_refused_address(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	int64_t bad = start_draft(db, BINH, T0), good = start_draft(db, AN, T0), failed = -1;

	exec_text_int(db, "UPDATE accounts SET email = ? WHERE id = ?", "khong-phai-dia-chi", BINH);
	assert_int_equal(remind(db, T0 + 27 * DAY, &failed), 1);
	assert_int_equal(failed, 1);
	assert_int_equal(count_where(db, OUTBOX_COUNT), 1);
	assert_int_equal(dbtest_int(db, "SELECT draft_reminded_at IS NULL FROM dossiers WHERE id = ?",
	                           bad), 1);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_events WHERE dossier_id = ?",
	                           bad), 1);
	assert_int_equal(remind(db, T0 + 28 * DAY, &failed), 0);
	assert_int_equal(failed, 1);
	assert_int_equal(delete_stale(f, T0 + 40 * DAY, NULL), 1);
	assert_false(exists(db, good));
	assert_true(exists(db, bad));
	/* Once the address is right the reminder goes, and the deletion waits its 3 days. */
	exec_text_int(db, "UPDATE accounts SET email = ? WHERE id = ?", "binh@example.vn", BINH);
	assert_int_equal(remind(db, T0 + 41 * DAY, &failed), 1);
	assert_int_equal(failed, 0);
	assert_int_equal(delete_stale(f, T0 + 44 * DAY - 1, NULL), 0);
	assert_int_equal(delete_stale(f, T0 + 44 * DAY, NULL), 1);
	assert_false(exists(db, bad));
}

/* More than one batch: every draft is reminded once, with its mail and its event. */
static void test_remind_batches(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	int64_t id = start_draft(db, AN, T0), total = 2 * DOSSIER_DRAFT_BATCH + 3;
	struct db_stmt *st;

	for (int64_t i = 1; i < total; i++) {
		assert_int_equal(db_prepare(db,
			"INSERT INTO dossiers (owner_account_id, offering_id, procedure_id, desk_agency_id,"
			" competent_agency_id, channel, status, version, form_data, created_at, updated_at)"
			" SELECT owner_account_id, offering_id, procedure_id, desk_agency_id,"
			" competent_agency_id, channel, status, version, form_data, created_at, updated_at"
			" FROM dossiers WHERE id = ?", &st), 0);
		assert_int_equal(db_bind_int64(st, 1, id), 0);
		assert_int_equal(db_step_done(st), 0);
	}
	assert_int_equal(remind(db, T0 + 27 * DAY, NULL), total);
	assert_int_equal(count_where(db, OUTBOX_COUNT), total);
	assert_int_equal(count_where(db, "SELECT COUNT(*) FROM dossiers WHERE draft_reminded_at IS"
	                                 " NOT NULL AND ? IS NOT NULL"), total);
	assert_int_equal(count_where(db, "SELECT COUNT(*) FROM dossier_events WHERE from_status ="
	                                 " 'draft' AND to_status = 'draft' AND ? IS NOT NULL"), total);
	assert_int_equal(wakes, 3); /* once per batch */
	assert_int_equal(remind(db, T0 + 28 * DAY, NULL), 0);
	assert_int_equal(delete_stale(f, T0 + 30 * DAY, NULL), total);
	assert_int_equal(count_where(db, "SELECT COUNT(*) FROM dossiers WHERE ? IS NOT NULL"), 0);
}

/* ---- deletion ---- */

/* A file row of dossier 'id' for content 'sha256', of the procedure's first document. */
static void add_file(struct db *db, int64_t id, const char *sha256)
{
	struct db_stmt *st;

	assert_int_equal(db_prepare(db,
		"INSERT INTO dossier_files (dossier_id, document_id, sha256, name, kind, size, added_in,"
		" created_at) SELECT d.id, (SELECT MIN(pd.id) FROM procedure_documents pd"
		" WHERE pd.procedure_id = d.procedure_id), ?, 'giay-to.pdf', 'pdf', 3, 1, 't'"
		" FROM dossiers d WHERE d.id = ?", &st), 0);
	assert_int_equal(db_bind_cstr(st, 1, sha256), 0);
	assert_int_equal(db_bind_int64(st, 2, id), 0);
	assert_int_equal(db_step_done(st), 0);
	assert_int_equal(db_changes(db), 1);
}

static void test_delete_needs_notice(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	int64_t unwarned = start_draft(db, AN, T0), on_time = start_draft(db, AN, T0);
	int64_t late = start_draft(db, BINH, T0), saved_since = start_draft(db, BINH, T0);
	struct db_stmt *st;
	char now[32];

	set_times(db, unwarned, T0, -1);
	set_times(db, on_time, T0, T0 + 27 * DAY);
	set_times(db, late, T0, T0 + 29 * DAY);
	set_times(db, saved_since, T0 + 1 * DAY, T0 + DAY - 1); /* reminded, then saved */
	/* What cascades with the on-time draft: files, events, tokens, versions. */
	add_file(db, on_time, "ab12");
	assert_int_equal(db_prepare(db, "INSERT INTO dossier_tokens (dossier_id, token_hash,"
	                                " created_at, expires_at) VALUES (?, 'h', ?, ?)", &st), 0);
	assert_int_equal(db_bind_int64(st, 1, on_time), 0);
	assert_int_equal(db_bind_cstr(st, 2, iso(T0, now)), 0);
	assert_int_equal(db_bind_cstr(st, 3, now), 0);
	assert_int_equal(db_step_done(st), 0);
	assert_int_equal(db_prepare(db, "INSERT INTO dossier_versions (dossier_id, number, form_data,"
	                                " created_at, actor_name, reason) VALUES (?, 1, '{}', 't',"
	                                " 'x', 'submit')", &st), 0);
	assert_int_equal(db_bind_int64(st, 1, on_time), 0);
	assert_int_equal(db_step_done(st), 0);

	assert_int_equal(delete_stale(f, T0 + 30 * DAY - 1, NULL), 0);
	/* 30 days: only the draft reminded 3 days ago goes; the unwarned one stays. */
	assert_int_equal(delete_stale(f, T0 + 30 * DAY, NULL), 1);
	assert_false(exists(db, on_time));
	assert_true(exists(db, unwarned));
	assert_true(exists(db, late));
	assert_true(exists(db, saved_since));
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_files WHERE dossier_id = ?",
	                           on_time), 0);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_events WHERE dossier_id = ?",
	                           on_time), 0);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_tokens WHERE dossier_id = ?",
	                           on_time), 0);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_versions WHERE dossier_id = ?",
	                           on_time), 0);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_events WHERE dossier_id = ?",
	                           unwarned), 1);
	/* A late reminder moves the deletion to 3 days after it. */
	assert_int_equal(delete_stale(f, T0 + 32 * DAY - 1, NULL), 0);
	assert_int_equal(delete_stale(f, T0 + 32 * DAY, NULL), 1);
	assert_false(exists(db, late));
	/* Reminded before its last save: never deleted on that reminder. */
	assert_int_equal(delete_stale(f, T0 + 90 * DAY, NULL), 0);
	assert_true(exists(db, saved_since));
	assert_true(exists(db, unwarned));
	/* The unwarned one is warned today, deleted 3 days from now. */
	assert_int_equal(remind(db, T0 + 90 * DAY, NULL), 2);
	assert_int_equal(delete_stale(f, T0 + 93 * DAY - 1, NULL), 0);
	assert_int_equal(delete_stale(f, T0 + 93 * DAY, NULL), 2);
	assert_int_equal(count_where(db, "SELECT COUNT(*) FROM dossiers WHERE ? IS NOT NULL"), 0);
}

/* Set the modification time of stored file 'hex' to 'age' seconds ago. */
static void age_file(struct fixture *f, const char *hex, long age)
{
	char path[512];
	struct timespec times[2];

	assert_int_equal(filestore_path(f->files, hex, path, sizeof path), 0);
	times[0].tv_sec = times[1].tv_sec = time(NULL) - age;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static int stored(struct fixture *f, const char *hex)
{
	char path[512];
	int rc = filestore_path(f->files, hex, path, sizeof path);

	assert_true(rc == 0 || rc == MC_ENOTFOUND);
	return rc == 0;
}

static void test_delete_files(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	char shared[FILESTORE_SHA256_HEX], own[FILESTORE_SHA256_HEX], fresh[FILESTORE_SHA256_HEX];
	int64_t stale = start_draft(db, AN, T0), kept = start_draft(db, BINH, T0 + 20 * DAY);
	int64_t racing = start_draft(db, BINH, T0), removed = -1;

	assert_int_equal(filestore_put(f->files, "shared bytes", 12, shared), 0);
	assert_int_equal(filestore_put(f->files, "own bytes", 9, own), 0);
	assert_int_equal(filestore_put(f->files, "fresh bytes", 11, fresh), 0);
	age_file(f, shared, 2 * DOSSIER_SWEEP_FILE_GRACE_SECONDS);
	age_file(f, own, DOSSIER_SWEEP_FILE_GRACE_SECONDS + 1);
	/* 'stale' has its own content twice (two versions) and content another draft uses too. */
	add_file(db, stale, shared);
	add_file(db, stale, own);
	add_file(db, stale, own);
	add_file(db, kept, shared);
	/* 'racing': content an upload has just put again (young), nothing else uses it. */
	add_file(db, racing, fresh);
	add_file(db, racing, "not-a-hash");
	set_times(db, stale, T0, T0 + 27 * DAY);
	set_times(db, racing, T0, T0 + 27 * DAY);

	assert_int_equal(delete_stale(f, T0 + 30 * DAY, &removed), 2);
	assert_int_equal(removed, 1);
	assert_false(exists(db, stale));
	assert_false(exists(db, racing));
	assert_true(exists(db, kept));
	assert_false(stored(f, own));    /* unused and old: gone */
	assert_true(stored(f, shared));  /* still used by 'kept' */
	assert_true(stored(f, fresh));   /* unused, but within the grace */
	assert_int_equal(count_where(db, "SELECT COUNT(*) FROM dossier_files WHERE ? IS NOT NULL"),
	                 1);
	/* Once 'kept' goes too, the shared content follows. */
	set_times(db, kept, T0 + 20 * DAY, T0 + 47 * DAY);
	assert_int_equal(delete_stale(f, T0 + 50 * DAY, &removed), 1);
	assert_int_equal(removed, 1);
	assert_false(stored(f, shared));
}

/* The full check of the store: old content no row uses goes, whatever left it there. */
static void test_orphan_files(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	char used[FILESTORE_SHA256_HEX], orphan[FILESTORE_SHA256_HEX], young[FILESTORE_SHA256_HEX];
	char path[512];
	int64_t draft = start_draft(db, AN, T0), removed = -1;
	FILE *stray;

	assert_int_equal(filestore_put(f->files, "used bytes", 10, used), 0);
	assert_int_equal(filestore_put(f->files, "orphan bytes", 12, orphan), 0);
	assert_int_equal(filestore_put(f->files, "young bytes", 11, young), 0);
	age_file(f, used, 2 * DOSSIER_SWEEP_FILE_GRACE_SECONDS);
	age_file(f, orphan, DOSSIER_SWEEP_FILE_GRACE_SECONDS + 1);
	add_file(db, draft, used);
	/* Something else in a fan-out folder is not the store's: it stays. */
	assert_int_equal(filestore_path(f->files, orphan, path, sizeof path), 0);
	snprintf(strrchr(path, '/') + 1, 16, "notes.txt");
	assert_non_null(stray = fopen(path, "w"));
	fclose(stray);

	assert_int_equal(dossier_sweep_orphan_files(db, f->files, &removed), 0);
	assert_int_equal(removed, 1);
	assert_true(stored(f, used));    /* a row uses it */
	assert_false(stored(f, orphan)); /* nothing does, and it is old */
	assert_true(stored(f, young));   /* nothing does, but an upload may be about to */
	assert_int_equal(access(path, F_OK), 0);
	/* Nothing more to do the second time. */
	assert_int_equal(dossier_sweep_orphan_files(db, f->files, &removed), 0);
	assert_int_equal(removed, 0);
}

/* ---- the lease ---- */

static void test_lease(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	const int64_t len = SWEEPER_LEASE_MS;
	char a[SWEEPER_HOLDER_SIZE], b[SWEEPER_HOLDER_SIZE];
	int got = -1;

	sweeper_holder_new(a);
	sweeper_holder_new(b);
	assert_string_not_equal(a, b);
	assert_non_null(strchr(a, ':'));

	assert_int_equal(sweeper_lease_acquire(db, "sweeps", a, T0, len, &got), 0);
	assert_int_equal(got, 1);
	/* While a holds it, b is refused, even at the last millisecond. */
	assert_int_equal(sweeper_lease_acquire(db, "sweeps", b, T0 + 1, len, &got), 0);
	assert_int_equal(got, 0);
	assert_int_equal(sweeper_lease_acquire(db, "sweeps", b, T0 + len - 1, len, &got), 0);
	assert_int_equal(got, 0);
	/* Another lease name is another lease. */
	assert_int_equal(sweeper_lease_acquire(db, "overdue", b, T0 + 1, len, &got), 0);
	assert_int_equal(got, 1);
	/* a renews its own. */
	assert_int_equal(sweeper_lease_acquire(db, "sweeps", a, T0 + 10, len, &got), 0);
	assert_int_equal(got, 1);
	assert_int_equal(sweeper_lease_acquire(db, "sweeps", b, T0 + len, len, &got), 0);
	assert_int_equal(got, 0);
	/* b cannot give back what it does not hold. */
	assert_int_equal(sweeper_lease_release(db, "sweeps", b), 0);
	assert_int_equal(sweeper_lease_acquire(db, "sweeps", b, T0 + 11, len, &got), 0);
	assert_int_equal(got, 0);
	/* a crashed: its lease lapses and b takes over; a is refused now. */
	assert_int_equal(sweeper_lease_acquire(db, "sweeps", b, T0 + 10 + len, len, &got), 0);
	assert_int_equal(got, 1);
	assert_int_equal(sweeper_lease_acquire(db, "sweeps", a, T0 + 11 + len, len, &got), 0);
	assert_int_equal(got, 0);
	assert_int_equal(sweeper_lease_release(db, "sweeps", a), 0);
	assert_int_equal(sweeper_lease_acquire(db, "sweeps", a, T0 + 12 + len, len, &got), 0);
	assert_int_equal(got, 0);
	/* Given back: free at once. */
	assert_int_equal(sweeper_lease_release(db, "sweeps", b), 0);
	assert_int_equal(sweeper_lease_acquire(db, "sweeps", a, T0 + 13 + len, len, &got), 0);
	assert_int_equal(got, 1);
	assert_int_equal(count_where(db, "SELECT COUNT(*) FROM sweep_leases WHERE ? IS NOT NULL"), 2);

	got = 7;
	assert_int_equal(sweeper_lease_acquire(db, "", a, T0, len, &got), MC_EINVAL);
	assert_int_equal(got, 0);
	assert_int_equal(sweeper_lease_acquire(db, "sweeps", "", T0, len, &got), MC_EINVAL);
	assert_int_equal(sweeper_lease_acquire(db, "sweeps", a, T0, 0, &got), MC_EINVAL);
}

/* ---- every sweep at once ---- */

static void test_sweep_all(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	int64_t unconfirmed = start_draft(db, AN, T0), draft = start_draft(db, BINH, T0);
	struct account_env env = test_env(T0 + 27 * DAY);
	struct dossier_sweep_counts c;
	char iso_t0[32], buf[64];

	exec_text_int(db, "UPDATE dossiers SET status = 'unconfirmed', submitted_at = ? WHERE id = ?",
	              iso(T0, iso_t0), unconfirmed);
	memset(&c, 0x55, sizeof c);
	assert_int_equal(dossier_sweep_all(&env, db, f->files, T0 + 27 * DAY, &c), 0);
	assert_int_equal(c.expired, 1);
	assert_int_equal(c.reminded, 1);
	assert_int_equal(c.remind_failed, 0);
	assert_int_equal(c.deleted, 0);
	assert_int_equal(c.files_removed, 0);
	assert_string_equal(dbtest_text(db, "SELECT status FROM dossiers WHERE id = ?", unconfirmed,
	                               buf, sizeof buf), "expired");
	assert_string_equal(last_mail(db, "recipient", buf, sizeof buf), "binh@example.vn");

	assert_int_equal(dossier_sweep_all(&env, db, f->files, T0 + 30 * DAY, &c), 0);
	assert_int_equal(c.expired, 0);
	assert_int_equal(c.reminded, 0);
	assert_int_equal(c.deleted, 1);
	assert_false(exists(db, draft));
	assert_true(exists(db, unconfirmed)); /* expired dossiers are not drafts: they stay */
}

/* One run under the lease: refused while another holds it, then done, the lease given back. */
static void test_run_once(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	int64_t draft = start_draft(db, AN, T0);
	struct account_env env = test_env(T0 + 27 * DAY);
	struct sweeper_result r;
	char me[SWEEPER_HOLDER_SIZE], other[SWEEPER_HOLDER_SIZE], line[256];
	char orphan[FILESTORE_SHA256_HEX];
	int got = 0;

	/* Content nothing uses, old enough for the daily check of the store. */
	assert_int_equal(filestore_put(f->files, "orphan 1", 8, orphan), 0);
	age_file(f, orphan, 2 * DOSSIER_SWEEP_FILE_GRACE_SECONDS);
	sweeper_holder_new(me);
	sweeper_holder_new(other);
	assert_int_equal(sweeper_lease_acquire(db, SWEEPER_LEASE_NAME, other,
	                                       clock_now_ms(&clock_system), SWEEPER_LEASE_MS, &got),
	                 0);
	assert_int_equal(got, 1);
	memset(&r, 0x55, sizeof r);
	assert_int_equal(sweeper_run_once(&env, db, f->files, me, &r), 0);
	assert_int_equal(r.ran, 0);
	assert_int_equal(r.dossiers.reminded, 0);
	assert_int_equal(sweeper_describe(&r, line, sizeof line), 0);
	assert_int_equal(dbtest_int(db, "SELECT draft_reminded_at IS NULL FROM dossiers WHERE id = ?",
	                           draft), 1);

	assert_int_equal(sweeper_lease_release(db, SWEEPER_LEASE_NAME, other), 0);
	assert_int_equal(sweeper_run_once(&env, db, f->files, me, &r), 0);
	assert_int_equal(r.ran, 1);
	/* The rules' clock (27 days on), not the lease's real one, decides what is due. */
	assert_int_equal(r.dossiers.reminded, 1);
	assert_int_equal(sweeper_describe(&r, line, sizeof line), 1);
	assert_string_equal(line, "expired=0 reminded=1 reminders_refused=0 drafts_deleted=0"
	                          " files_removed=1 overdue=0");
	/* The sweeps' lease is given back; the store check's stays for a day. */
	assert_int_equal(count_where(db, "SELECT COUNT(*) FROM sweep_leases WHERE name = 'sweeps' "
	                                 "AND ? IS NOT NULL"), 0);
	assert_int_equal(count_where(db, "SELECT COUNT(*) FROM sweep_leases WHERE name = "
	                                 "'store-check' AND ? IS NOT NULL"), 1);
	assert_false(stored(f, orphan));
	/* The next run, the same day, leaves the store alone. */
	assert_int_equal(filestore_put(f->files, "orphan 2", 8, orphan), 0);
	age_file(f, orphan, 2 * DOSSIER_SWEEP_FILE_GRACE_SECONDS);
	assert_int_equal(sweeper_run_once(&env, db, f->files, me, &r), 0);
	assert_int_equal(r.ran, 1);
	assert_int_equal(r.dossiers.files_removed, 0);
	assert_true(stored(f, orphan));
}

/* ---- the timer's thread ---- */

static int64_t reminded_count(const char *url)
{
	struct db *db = NULL;
	char err[256];
	int64_t n;

	assert_int_equal(db_open(url, &db, err, sizeof err), 0);
	n = count_where(db, "SELECT COUNT(*) FROM dossiers WHERE draft_reminded_at IS NOT NULL AND"
	                    " ? IS NOT NULL");
	db_close(db);
	return n;
}

static double elapsed_s(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

/* Wait up to 10 s until 'want' drafts of database 'url' are reminded. */
static void wait_reminded(const char *url, int64_t want)
{
	struct timespec began, pause = { 0, 20 * 1000000L };

	clock_gettime(CLOCK_MONOTONIC, &began);
	while (reminded_count(url) < want && elapsed_s(&began) < 10.0)
		nanosleep(&pause, NULL);
	assert_int_equal(reminded_count(url), want);
}

static void test_thread(void **state)
{
	struct fixture *f = *state;
	struct account_env env = test_env(T0 + 27 * DAY);
	struct sweeper_config cfg;
	struct sweeper *s;
	struct db *db = NULL;
	char url[128];

	snprintf(url, sizeof url, "sqlite:%s/motcua.db", f->root);
	assert_int_equal(fixturedb_open(url, T0, fixture_sql, &db), 0);
	start_draft(db, AN, T0);

	memset(&cfg, 0, sizeof cfg);
	cfg.database = url;
	cfg.env = &env;
	cfg.files = f->files;
	cfg.interval_seconds = 0;
	assert_null(sweeper_start(&cfg)); /* no interval: no timer */
	cfg.interval_seconds = SWEEPER_INTERVAL_MAX + 1;
	assert_null(sweeper_start(&cfg));

	/* The first run is at once; sweeper_wake runs the next one without waiting for the
	 * interval (a day), and stopping does not wait for it either.  When the periodic runs come
	 * is waitable_thread's part, tested in test_waitable.c. */
	cfg.interval_seconds = SWEEPER_INTERVAL_MAX;
	s = sweeper_start(&cfg);
	assert_non_null(s);
	wait_reminded(url, 1);
	start_draft(db, BINH, T0);
	sweeper_wake(s);
	wait_reminded(url, 2);
	sweeper_stop(s);
	assert_int_equal(wakes, 2);
	assert_int_equal(count_where(db, "SELECT COUNT(*) FROM sweep_leases WHERE name = 'sweeps' "
	                                 "AND ? IS NOT NULL"), 0);
	sweeper_stop(NULL);
	sweeper_wake(NULL);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_remind_timing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remind_only_owned_drafts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remind_refused_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remind_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_needs_notice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphan_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thread, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
