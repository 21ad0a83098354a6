/* test_dossier.c: starting, saving, viewing, listing, withdrawing, submitting and confirming
 * dossiers on an in-memory SQLite database with the real migrations, the demo catalogue and the
 * real mail templates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dbtest.h"
#include "fixturedb.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/account.h"
#include "domain/actor.h"
#include "domain/catalog_io.h"
#include "domain/dossier.h"
#include "domain/dossier_flow.h"
#include "domain/filestore.h"
#include "domain/ratelimit.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/token.h"
#include "lib/tpl.h"
#include "store/db.h"
#include "limit.h"

#ifndef MIGRATIONS_DIR
#define MIGRATIONS_DIR "migrations"
#endif
#ifndef DATA_DIR
#define DATA_DIR "data"
#endif
#ifndef MOTCUA_SHARE_DIR
#define MOTCUA_SHARE_DIR "."
#endif

#define T0 1795998825000LL /* 2026-11-30T00:33:45.000Z, 30/11/2026 07:33 in Vietnam */
#define MINUTE 60000LL
#define HOUR (60 * MINUTE)

/* The fixture's accounts and offerings. */
enum { AN = 1, BINH = 2, SHOP = 3, SLEEPER = 4 };
enum {
	OFF_OPEN = 1,          /* 1.000656, citizens, full */
	OFF_BOTH = 2,          /* 1.001612, both, partial */
	OFF_OFFLINE = 3,       /* online = 0 */
	OFF_INACTIVE = 4,      /* offering inactive */
	OFF_AGENCY_CLOSED = 5, /* competent agency inactive */
	OFF_BUSINESS = 6,      /* 2.000720, businesses (made 'full' here) */
	OFF_FORMS_ONLY = 7,    /* 1.004884, service mode 'forms' */
	OFF_PROC_INACTIVE = 8, /* 2.000635 made inactive */
	OFF_DESK_CLOSED = 9,   /* desk agency inactive */
};

static const char fixture_sql[] =
	"INSERT INTO agencies (id, code, name, level, address, phone, email, office_hours, is_desk,"
	" is_competent, active, created_at, updated_at) VALUES"
	" (1, 'H01.1', 'Bộ phận Một cửa xã Tân An', 'commune', 'Xã Tân An', '0270000001',"
	"  'motcua@tanan.gov.vn', '[\"\",\"\",\"\",\"\",\"\",\"\",\"\"]', 1, 0, 1, 't', 't'),"
	" (2, 'H01.2', 'Ủy ban nhân dân xã Tân An', 'commune', 'Xã Tân An', '0270000002',"
	"  'ubnd@tanan.gov.vn', '[\"\",\"\",\"\",\"\",\"\",\"\",\"\"]', 0, 1, 1, 't', 't'),"
	" (3, 'H01.3', 'Ủy ban nhân dân xã cũ', 'commune', 'Xã cũ', '0270000003',"
	"  'ubnd@cu.gov.vn', '[\"\",\"\",\"\",\"\",\"\",\"\",\"\"]', 1, 1, 0, 't', 't');"
	"INSERT INTO accounts (id, account_type, full_name, email, email_key, phone, citizen_id,"
	" birth_date, address, organization_name, tax_code, password_hash, status, created_at,"
	" updated_at) VALUES"
	" (1, 'citizen', 'Nguyễn Văn An', 'an@example.vn', 'an@example.vn', '0912345678',"
	"  '079090001234', '1990-05-01', 'Số 1 đường Lê Lợi, xã Tân An', NULL, NULL, 'x', 'active',"
	"  't', 't'),"
	" (2, 'citizen', 'Trần Thị Bình', 'binh@example.vn', 'binh@example.vn', '0987654321',"
	"  '079190005678', '1991-02-03', 'Số 2 đường Hùng Vương, xã Tân An', NULL, NULL, 'x',"
	"  'active', 't', 't'),"
	" (3, 'business', 'Lê Văn Cường', 'shop@example.vn', 'shop@example.vn', '0901234567',"
	"  '079085009999', '1985-07-07', 'Số 3 chợ Tân An', 'Công ty TNHH Tân An Xanh',"
	"  '0312345678', 'x', 'active', 't', 't'),"
	" (4, 'citizen', 'Phạm Văn Dũng', 'dung@example.vn', 'dung@example.vn', '0977777777',"
	"  '079095001111', '1995-01-01', 'Xã Tân An', NULL, NULL, 'x', 'inactive', 't', 't');"
	"UPDATE procedures SET service_mode = 'full' WHERE code = '2.000720';"
	"UPDATE procedures SET active = 0 WHERE code = '2.000635';"
	"INSERT INTO offerings (id, procedure_id, desk_agency_id, competent_agency_id, online,"
	" workflow, active, created_at, updated_at) VALUES"
	" (1, (SELECT id FROM procedures WHERE code = '1.000656'), 1, 2, 1, 'standard', 1, 't', 't'),"
	" (2, (SELECT id FROM procedures WHERE code = '1.001612'), 1, 2, 1, 'standard', 1, 't', 't'),"
	" (3, (SELECT id FROM procedures WHERE code = '1.001193'), 1, 2, 0, 'standard', 1, 't', 't'),"
	" (4, (SELECT id FROM procedures WHERE code = '1.013225'), 1, 2, 1, 'standard', 0, 't', 't'),"
	" (5, (SELECT id FROM procedures WHERE code = '2.000806'), 1, 3, 1, 'standard', 1, 't', 't'),"
	" (6, (SELECT id FROM procedures WHERE code = '2.000720'), 1, 2, 1, 'standard', 1, 't', 't'),"
	" (7, (SELECT id FROM procedures WHERE code = '1.004884'), 1, 2, 1, 'standard', 1, 't', 't'),"
	" (8, (SELECT id FROM procedures WHERE code = '2.000635'), 1, 2, 1, 'standard', 1, 't', 't'),"
	" (9, (SELECT id FROM procedures WHERE code = '1.004873'), 3, 2, 1, 'standard', 1, 't', 't');";

static struct account_env test_env(void);

static struct actor citizen(int64_t id)
{
	static const char *const names[] = { "", "Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường",
	                                      "Phạm Văn Dũng" };
	struct actor a;

	memset(&a, 0, sizeof(a));
	a.role = ROLE_CITIZEN;
	a.account_id = id;
	snprintf(a.account_type, sizeof(a.account_type), "%s", id == SHOP ? "business" : "citizen");
	snprintf(a.full_name, sizeof(a.full_name), "%s", names[id]);
	return a;
}

static int setup(void **state)
{
	struct db *db = NULL;
	int rc = fixturedb_open("sqlite::memory:", T0, fixture_sql, &db);

	*state = db;
	return rc;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

/* ---- helpers ---- */

static void set_status(struct db *db, int64_t id, const char *status)
{
	struct db_stmt *st;

	assert_int_equal(db_prepare(db, "UPDATE dossiers SET status = ? WHERE id = ?", &st), 0);
	assert_int_equal(db_bind_cstr(st, 1, status), 0);
	assert_int_equal(db_bind_int64(st, 2, id), 0);
	assert_int_equal(db_step_done(st), 0);
}

/* A timeline entry on dossier 'id' by the desk officer that keeps status 'status'. */
static void add_event_row(struct db *db, int64_t id, const char *status, const char *note,
                          int internal)
{
	struct db_stmt *st;

	assert_int_equal(db_prepare(db,
		"INSERT INTO dossier_events (dossier_id, at, account_id, actor_name, from_status, "
		"to_status, note, internal) VALUES (?1, '2026-11-30T01:00:00.000Z', NULL, "
		"'Lê Thị Một', ?2, ?2, ?3, ?4)", &st), 0);
	assert_int_equal(db_bind_int64(st, 1, id), 0);
	assert_int_equal(db_bind_cstr(st, 2, status), 0);
	assert_int_equal(db_bind_cstr(st, 3, note), 0);
	assert_int_equal(db_bind_int64(st, 4, internal), 0);
	assert_int_equal(db_step_done(st), 0);
}

/* 'v' as JSON text in out (cap bytes). */
static const char *json_dumps_text(const json_t *v, char *out, size_t cap)
{
	char *text = json_dumps(v, 0);

	assert_non_null(text);
	snprintf(out, cap, "%s", text);
	free(text);
	return out;
}

static int64_t start_ok(struct db *db, int64_t account, int64_t now, int64_t offering)
{
	struct actor a = citizen(account);
	const char *why = "unset";
	int64_t id = 0;

	assert_int_equal(dossier_start(db, &a, now, offering, &id, &why), 0);
	assert_null(why);
	assert_true(id > 0);
	return id;
}

static json_t *get_ok(struct db *db, int64_t account, int64_t id)
{
	struct actor a = citizen(account);
	json_t *v = NULL;

	assert_int_equal(dossier_get(db, &a, id, &v), 0);
	assert_non_null(v);
	return v;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	assert_non_null(s);
	return s;
}

static const char *form_str(const json_t *view, const char *field)
{
	return str(json_object_get(view, "form_data"), field);
}

static int64_t count_dossiers(struct db *db)
{
	return dbtest_int(db, "SELECT COUNT(*) FROM dossiers WHERE ? IS NOT NULL", 1);
}

/* ---- tests ---- */

static void test_status_labels(void **state)
{
	(void)state;
	assert_string_equal(dossier_status_label("draft"), "Nháp");
	assert_string_equal(dossier_status_label("unconfirmed"), "Chờ xác thực");
	assert_string_equal(dossier_status_label("pending"), "Chờ tiếp nhận");
	assert_string_equal(dossier_status_label("supplement"), "Yêu cầu bổ sung");
	assert_string_equal(dossier_status_label("withdrawn"), "Đã rút");
	assert_string_equal(dossier_status_label("expired"), "Hết hạn xác thực");
	assert_null(dossier_status_label("Draft"));
	assert_null(dossier_status_label(""));
	assert_null(dossier_status_label(NULL));
}

static void test_start_prefills_from_account(void **state)
{
	struct db *db = *state;
	int64_t id = start_ok(db, AN, T0, OFF_OPEN);
	json_t *v = get_ok(db, AN, id), *tl, *ev;
	char buf[256];

	assert_int_equal(json_integer_value(json_object_get(v, "id")), id);
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "offering_id")), OFF_OPEN);
	assert_string_equal(str(v, "procedure_code"), "1.000656");
	assert_string_equal(str(v, "procedure_name"), "Đăng ký khai tử");
	assert_string_equal(str(v, "desk_name"), "Bộ phận Một cửa xã Tân An");
	assert_string_equal(str(v, "competent_name"), "Ủy ban nhân dân xã Tân An");
	assert_string_equal(str(v, "channel"), "online");
	assert_string_equal(str(v, "status"), "draft");
	assert_string_equal(str(v, "status_label"), "Nháp");
	assert_string_equal(str(v, "receipt_no"), "");
	assert_string_equal(str(v, "created_at"), "30/11/2026 07:33");
	assert_string_equal(str(v, "updated_at"), "30/11/2026 07:33");
	assert_string_equal(str(v, "submitted_at"), "");
	assert_string_equal(str(v, "withdrawn_at"), "");
	assert_true(json_is_true(json_object_get(v, "can_edit")));
	assert_true(json_is_false(json_object_get(v, "can_withdraw")));

	/* The prefill fields carry the account's details; the others stay unanswered. */
	assert_string_equal(form_str(v, "requester_name"), "Nguyễn Văn An");
	assert_string_equal(form_str(v, "requester_citizen_id"), "079090001234");
	assert_string_equal(form_str(v, "requester_phone"), "0912345678");
	assert_string_equal(form_str(v, "requester_email"), "an@example.vn");
	assert_string_equal(form_str(v, "requester_address"), "Số 1 đường Lê Lợi, xã Tân An");
	assert_null(json_object_get(json_object_get(v, "form_data"), "relationship"));
	assert_string_equal(str(v, "applicant_name"), "Nguyễn Văn An");

	/* The offering's procedure and agencies are copied; the applicant follows the form. */
	assert_int_equal(dbtest_int(db, "SELECT owner_account_id FROM dossiers WHERE id = ?", id), AN);
	assert_int_equal(dbtest_int(db, "SELECT desk_agency_id FROM dossiers WHERE id = ?", id), 1);
	assert_int_equal(dbtest_int(db, "SELECT competent_agency_id FROM dossiers WHERE id = ?", id),
	                 2);
	assert_string_equal(dbtest_text(db, "SELECT applicant_citizen_id FROM dossiers WHERE id = ?",
	                               id, buf, sizeof buf), "079090001234");
	assert_string_equal(dbtest_text(db, "SELECT created_at FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), "2026-11-30T00:33:45.000Z");

	tl = json_object_get(v, "timeline");
	assert_int_equal(json_array_size(tl), 1);
	ev = json_array_get(tl, 0);
	assert_string_equal(str(ev, "from_status"), "");
	assert_string_equal(str(ev, "to_status"), "draft");
	assert_string_equal(str(ev, "to_label"), "Nháp");
	assert_string_equal(str(ev, "note"), "Tạo hồ sơ");
	assert_string_equal(str(ev, "actor_name"), "Nguyễn Văn An");
	assert_string_equal(str(ev, "at"), "30/11/2026 07:33");
	json_decref(v);
}

static void test_start_business_prefill(void **state)
{
	struct db *db = *state;
	int64_t id = start_ok(db, SHOP, T0, OFF_BUSINESS);
	json_t *v = get_ok(db, SHOP, id);

	assert_string_equal(form_str(v, "business_name"), "Công ty TNHH Tân An Xanh");
	assert_string_equal(form_str(v, "tax_code"), "0312345678");
	assert_string_equal(form_str(v, "contact_phone"), "0901234567");
	/* No full-name field: the organisation names the applicant. */
	assert_string_equal(str(v, "applicant_name"), "Công ty TNHH Tân An Xanh");
	json_decref(v);

	/* 'both' accepts a business and a citizen alike. */
	start_ok(db, SHOP, T0, OFF_BOTH);
	id = start_ok(db, AN, T0, OFF_BOTH);
	v = get_ok(db, AN, id);
	assert_string_equal(form_str(v, "owner_birth_date"), "1990-05-01");
	json_decref(v);
}

/* What the start page shows: the open offering's procedure and desk; nothing for a closed one. */
static void test_offering_summary(void **state)
{
	struct db *db = *state;
	struct actor an = citizen(AN), anonymous;
	static const int64_t closed[] = { OFF_OFFLINE, OFF_INACTIVE, OFF_AGENCY_CLOSED,
	                                  OFF_FORMS_ONLY, OFF_PROC_INACTIVE, OFF_DESK_CLOSED, 999 };
	json_t *v = NULL;

	assert_int_equal(dossier_offering_summary(db, &an, OFF_OPEN, &v), 0);
	assert_string_equal(str(v, "procedure_code"), "1.000656");
	assert_string_equal(str(v, "procedure_name"), "Đăng ký khai tử");
	assert_string_equal(str(v, "desk_name"), "Bộ phận Một cửa xã Tân An");
	assert_string_equal(str(v, "competent_name"), "Ủy ban nhân dân xã Tân An");
	assert_true(json_is_array(json_object_get(v, "desk_hours")));
	json_decref(v);
	for (size_t i = 0; i < sizeof(closed) / sizeof(closed[0]); i++) {
		v = NULL;
		assert_int_equal(dossier_offering_summary(db, &an, closed[i], &v), MC_ENOTFOUND);
		assert_null(v);
	}
	memset(&anonymous, 0, sizeof anonymous);
	assert_int_equal(dossier_offering_summary(db, &anonymous, OFF_OPEN, &v), MC_EFORBIDDEN);
}

static void test_start_refused(void **state)
{
	struct db *db = *state;
	struct actor an = citizen(AN), shop = citizen(SHOP), sleeper = citizen(SLEEPER);
	struct actor anonymous, staff;
	static const int64_t closed[] = { OFF_OFFLINE, OFF_INACTIVE, OFF_AGENCY_CLOSED,
	                                  OFF_FORMS_ONLY, OFF_PROC_INACTIVE, OFF_DESK_CLOSED, 999,
	                                  0, -1 };
	const char *why;
	int64_t id = 0;

	for (size_t i = 0; i < sizeof(closed) / sizeof(closed[0]); i++) {
		why = "unset";
		assert_int_equal(dossier_start(db, &an, T0, closed[i], &id, &why), MC_ENOTFOUND);
		assert_null(why);
	}

	/* The account's type must suit the procedure's applicants. */
	why = NULL;
	assert_int_equal(dossier_start(db, &an, T0, OFF_BUSINESS, &id, &why), MC_EFORBIDDEN);
	assert_non_null(why);
	assert_non_null(strstr(why, "doanh nghiệp"));
	why = NULL;
	assert_int_equal(dossier_start(db, &shop, T0, OFF_OPEN, &id, &why), MC_EFORBIDDEN);
	assert_non_null(why);
	assert_non_null(strstr(why, "tài khoản cá nhân"));
	/* The actor's claim is not trusted: the stored account type decides. */
	snprintf(shop.account_type, sizeof shop.account_type, "citizen");
	assert_int_equal(dossier_start(db, &shop, T0, OFF_OPEN, &id, NULL), MC_EFORBIDDEN);

	memset(&anonymous, 0, sizeof anonymous);
	why = NULL;
	assert_int_equal(dossier_start(db, &anonymous, T0, OFF_OPEN, &id, &why), MC_EFORBIDDEN);
	assert_non_null(why);
	assert_int_equal(dossier_start(db, NULL, T0, OFF_OPEN, &id, NULL), MC_EFORBIDDEN);
	staff = *fixturedb_system();
	staff.account_id = AN; /* even with an account id, a staff actor is not a citizen */
	assert_int_equal(dossier_start(db, &staff, T0, OFF_OPEN, &id, NULL), MC_EFORBIDDEN);
	why = NULL;
	assert_int_equal(dossier_start(db, &sleeper, T0, OFF_OPEN, &id, &why), MC_EFORBIDDEN);
	assert_non_null(why);

	assert_int_equal(count_dossiers(db), 0);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_events WHERE ? IS NOT NULL", 1),
	                 0);
}

static void test_save_keeps_typed_answers(void **state)
{
	struct db *db = *state;
	struct actor an = citizen(AN), binh = citizen(BINH), anonymous;
	int64_t id = start_ok(db, AN, T0, OFF_OPEN);
	json_t *answers, *errors = NULL, *v, *form;
	char buf[64];

	answers = json_pack("{s:s, s:s, s:s, s:s}", "relationship", "  con  ", "deceased_birth_date",
	                    "không rõ", "requester_phone", "0912.345.678", "not_a_field", "x");
	assert_non_null(answers);
	assert_int_equal(dossier_save_form(db, &an, T0 + MINUTE, id, answers, &errors), 0);
	assert_non_null(errors);
	/* The wrong date and the required but empty name are reported ... */
	assert_non_null(json_object_get(errors, "deceased_birth_date"));
	assert_non_null(strstr(str(errors, "deceased_birth_date"), "Ngày, tháng, năm sinh"));
	assert_non_null(json_object_get(errors, "deceased_name"));
	assert_null(json_object_get(errors, "relationship"));
	assert_null(json_object_get(errors, "requester_name"));
	json_decref(errors);
	json_decref(answers);

	/* ... and everything typed is kept: invalid as typed, valid in canonical form. */
	v = get_ok(db, AN, id);
	form = json_object_get(v, "form_data");
	assert_string_equal(form_str(v, "deceased_birth_date"), "không rõ");
	assert_string_equal(form_str(v, "relationship"), "con");
	assert_string_equal(form_str(v, "requester_phone"), "0912345678");
	assert_string_equal(form_str(v, "requester_name"), "Nguyễn Văn An");
	assert_null(json_object_get(form, "not_a_field"));
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 2);
	assert_string_equal(str(v, "updated_at"), "30/11/2026 07:34");
	assert_string_equal(str(v, "created_at"), "30/11/2026 07:33");
	/* Saving is not a status change. */
	assert_int_equal(json_array_size(json_object_get(v, "timeline")), 1);
	json_decref(v);

	/* A later save of another section keeps the first one's answers; fixed errors vanish. */
	answers = json_pack("{s:s, s:s, s:s}", "deceased_name", "Nguyễn Văn Bảy",
	                    "deceased_birth_date", "1940-01-02", "requester_name", "Nguyễn Văn Ân");
	assert_int_equal(dossier_save_form(db, &an, T0 + 2 * MINUTE, id, answers, &errors), 0);
	assert_null(json_object_get(errors, "deceased_birth_date"));
	assert_null(json_object_get(errors, "deceased_name"));
	json_decref(errors);
	json_decref(answers);
	v = get_ok(db, AN, id);
	assert_string_equal(form_str(v, "relationship"), "con");
	assert_string_equal(form_str(v, "deceased_birth_date"), "1940-01-02");
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 3);
	assert_string_equal(str(v, "applicant_name"), "Nguyễn Văn Ân");
	json_decref(v);
	assert_string_equal(dbtest_text(db, "SELECT applicant_name FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), "Nguyễn Văn Ân");

	/* Not an object; someone else's dossier; no such dossier; not a citizen. */
	answers = json_pack("{s:s}", "relationship", "vợ");
	errors = (json_t *)1;
	assert_int_equal(dossier_save_form(db, &an, T0, id, json_array_get(answers, 0), &errors),
	                 MC_EINVAL);
	assert_null(errors);
	assert_int_equal(dossier_save_form(db, &binh, T0, id, answers, &errors), MC_ENOTFOUND);
	assert_null(errors);
	assert_int_equal(dossier_save_form(db, &an, T0, id + 100, answers, &errors), MC_ENOTFOUND);
	memset(&anonymous, 0, sizeof anonymous);
	assert_int_equal(dossier_save_form(db, &anonymous, T0, id, answers, &errors),
	                 MC_EFORBIDDEN);

	/* Only a draft is edited here. */
	set_status(db, id, "pending");
	assert_int_equal(dossier_save_form(db, &an, T0 + 3 * MINUTE, id, answers, &errors),
	                 MC_ECONFLICT);
	assert_null(errors);
	set_status(db, id, "withdrawn");
	assert_int_equal(dossier_save_form(db, &an, T0 + 3 * MINUTE, id, answers, &errors),
	                 MC_ECONFLICT);
	v = get_ok(db, AN, id);
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 3);
	assert_string_equal(form_str(v, "relationship"), "con");
	assert_true(json_is_false(json_object_get(v, "can_edit")));
	json_decref(v);
	/* A dossier whose supplement is asked for is edited again. */
	set_status(db, id, "supplement");
	assert_int_equal(dossier_save_form(db, &an, T0 + 4 * MINUTE, id, answers, &errors), 0);
	json_decref(errors);
	json_decref(answers);
	v = get_ok(db, AN, id);
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 4);
	assert_true(json_is_true(json_object_get(v, "can_edit")));
	json_decref(v);
	/* Nothing was left open by the refusals. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_rollback(db), 0);
}

static void test_get_and_list_are_the_owners(void **state)
{
	struct db *db = *state;
	struct actor an = citizen(AN), binh = citizen(BINH), anonymous, staff = *fixturedb_system();
	int64_t first = start_ok(db, AN, T0, OFF_OPEN);
	int64_t second = start_ok(db, AN, T0 + MINUTE, OFF_BOTH);
	int64_t hers = start_ok(db, BINH, T0 + 2 * MINUTE, OFF_OPEN);
	json_t *out = NULL, *items, *answers, *errors = NULL;

	assert_int_equal(dossier_get(db, &binh, first, &out), MC_ENOTFOUND);
	assert_null(out);
	assert_int_equal(dossier_get(db, &an, hers, &out), MC_ENOTFOUND);
	assert_int_equal(dossier_get(db, &an, 999, &out), MC_ENOTFOUND);
	memset(&anonymous, 0, sizeof anonymous);
	assert_int_equal(dossier_get(db, &anonymous, first, &out), MC_EFORBIDDEN);
	assert_int_equal(dossier_get(db, &staff, first, &out), MC_EFORBIDDEN);
	assert_null(out);

	assert_int_equal(dossier_list(db, &an, 1, &out), 0);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), 2);
	assert_int_equal(json_integer_value(json_object_get(out, "pages")), 1);
	assert_int_equal(json_integer_value(json_object_get(out, "per_page")), DOSSIER_PER_PAGE);
	items = json_object_get(out, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), second);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "id")), first);
	assert_string_equal(str(json_array_get(items, 1), "procedure_name"), "Đăng ký khai tử");
	assert_string_equal(str(json_array_get(items, 1), "procedure_code"), "1.000656");
	assert_string_equal(str(json_array_get(items, 1), "desk_name"), "Bộ phận Một cửa xã Tân An");
	assert_string_equal(str(json_array_get(items, 1), "status_label"), "Nháp");
	assert_string_equal(str(json_array_get(items, 1), "created_at"), "30/11/2026 07:33");
	assert_string_equal(str(json_array_get(items, 1), "receipt_no"), "");
	assert_string_equal(str(json_array_get(items, 1), "submitted_at"), "");
	json_decref(out);

	/* Saving the older one brings it to the top. */
	answers = json_pack("{s:s}", "relationship", "con");
	assert_int_equal(dossier_save_form(db, &an, T0 + 10 * MINUTE, first, answers, &errors), 0);
	json_decref(errors);
	json_decref(answers);
	assert_int_equal(dossier_list(db, &an, 1, &out), 0);
	items = json_object_get(out, "items");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), first);
	assert_string_equal(str(json_array_get(items, 0), "updated_at"), "30/11/2026 07:43");
	json_decref(out);

	assert_int_equal(dossier_list(db, &binh, 1, &out), 0);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), 1);
	items = json_object_get(out, "items");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), hers);
	json_decref(out);

	out = NULL;
	assert_int_equal(dossier_list(db, &an, 0, &out), MC_EINVAL);
	assert_int_equal(dossier_list(db, &an, DOSSIER_PAGE_MAX + 1, &out), MC_EINVAL);
	assert_int_equal(dossier_list(db, &anonymous, 1, &out), MC_EFORBIDDEN);
	assert_int_equal(dossier_list(db, &staff, 1, &out), MC_EFORBIDDEN);
	assert_null(out);
}

static void test_list_pages(void **state)
{
	struct db *db = *state;
	struct actor an = citizen(AN);
	json_t *out = NULL, *items;
	int64_t ids[DOSSIER_PER_PAGE + 5];

	for (int i = 0; i < DOSSIER_PER_PAGE + 5; i++)
		ids[i] = start_ok(db, AN, T0 + i * MINUTE, OFF_OPEN);
	assert_int_equal(dossier_list(db, &an, 1, &out), 0);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), DOSSIER_PER_PAGE + 5);
	assert_int_equal(json_integer_value(json_object_get(out, "pages")), 2);
	items = json_object_get(out, "items");
	assert_int_equal(json_array_size(items), DOSSIER_PER_PAGE);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")),
	                 ids[DOSSIER_PER_PAGE + 4]);
	json_decref(out);
	assert_int_equal(dossier_list(db, &an, 2, &out), 0);
	items = json_object_get(out, "items");
	assert_int_equal(json_array_size(items), 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 4), "id")), ids[0]);
	assert_int_equal(json_integer_value(json_object_get(out, "page")), 2);
	json_decref(out);
	assert_int_equal(dossier_list(db, &an, 3, &out), 0);
	assert_int_equal(json_array_size(json_object_get(out, "items")), 0);
	json_decref(out);
}

static void test_withdraw(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	struct actor an = citizen(AN), binh = citizen(BINH), anonymous;
	int64_t id = start_ok(db, AN, T0, OFF_OPEN), other = start_ok(db, AN, T0, OFF_BOTH), mails;
	const char *why;
	json_t *v, *tl, *ev;
	char *long_reason;
	char buf[64];
	size_t step = strlen("ộ");

	/* A draft was never submitted: nothing to withdraw. */
	why = NULL;
	assert_int_equal(dossier_withdraw(&env, db, &an, T0, id, "Nộp nhầm", &why), MC_ECONFLICT);
	assert_non_null(why);

	set_status(db, id, "unconfirmed");
	why = NULL;
	assert_int_equal(dossier_withdraw(&env, db, &an, T0, id, "", &why), MC_EINVAL);
	assert_string_equal(why, "Vui lòng nêu lý do rút hồ sơ.");
	why = NULL;
	assert_int_equal(dossier_withdraw(&env, db, &an, T0, id, " \t\n ", &why), MC_EINVAL);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(dossier_withdraw(&env, db, &an, T0, id, NULL, &why), MC_EINVAL);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(dossier_withdraw(&env, db, &an, T0, id, "l\xc3\x28i", &why), MC_EINVAL);
	assert_non_null(why);

	/* The limit counts characters, not bytes. */
	long_reason = malloc(step * (DOSSIER_REASON_MAX + 1) + 1);
	assert_non_null(long_reason);
	for (size_t i = 0; i <= DOSSIER_REASON_MAX; i++)
		memcpy(long_reason + i * step, "ộ", step);
	long_reason[step * (DOSSIER_REASON_MAX + 1)] = '\0';
	why = NULL;
	assert_int_equal(dossier_withdraw(&env, db, &an, T0, id, long_reason, &why), MC_EINVAL);
	assert_non_null(strstr(why, "1.000 ký tự"));

	/* Someone else, or nobody, gets nothing. */
	assert_int_equal(dossier_withdraw(&env, db, &binh, T0, id, "Nộp nhầm", NULL), MC_ENOTFOUND);
	memset(&anonymous, 0, sizeof anonymous);
	assert_int_equal(dossier_withdraw(&env, db, &anonymous, T0, id, "Nộp nhầm", NULL),
	                 MC_EFORBIDDEN);
	assert_int_equal(dbtest_int(db, "SELECT version FROM dossiers WHERE id = ?", id), 1);

	why = "unset";
	assert_int_equal(dossier_withdraw(&env, db, &an, T0 + 5 * MINUTE, id, "  Nộp nhầm thủ tục  ", &why),
	                 0);
	assert_null(why);
	v = get_ok(db, AN, id);
	assert_string_equal(str(v, "status"), "withdrawn");
	assert_string_equal(str(v, "status_label"), "Đã rút");
	assert_string_equal(str(v, "withdraw_reason"), "Nộp nhầm thủ tục");
	assert_string_equal(str(v, "withdrawn_at"), "30/11/2026 07:38");
	assert_true(json_is_false(json_object_get(v, "can_withdraw")));
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 2);
	tl = json_object_get(v, "timeline");
	assert_int_equal(json_array_size(tl), 2);
	ev = json_array_get(tl, 1);
	assert_string_equal(str(ev, "from_status"), "unconfirmed");
	assert_string_equal(str(ev, "from_label"), "Chờ xác thực");
	assert_string_equal(str(ev, "to_status"), "withdrawn");
	assert_string_equal(str(ev, "note"), "Nộp nhầm thủ tục");
	assert_string_equal(str(json_array_get(tl, 0), "to_status"), "draft");
	json_decref(v);
	assert_string_equal(dbtest_text(db, "SELECT withdrawn_at FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), "2026-11-30T00:38:45.000Z");
	/* Withdrawing stops the clock, as the workflow table says: never overdue afterwards. */
	assert_string_equal(dbtest_text(db, "SELECT finished_at FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), "2026-11-30T00:38:45.000Z");

	/* Once withdrawn, or once past reception, it stays. */
	why = NULL;
	assert_int_equal(dossier_withdraw(&env, db, &an, T0, id, "Lần nữa", &why), MC_ECONFLICT);
	assert_non_null(why);
	set_status(db, other, "received");
	assert_int_equal(dossier_withdraw(&env, db, &an, T0, other, "Nộp nhầm", NULL), MC_ECONFLICT);

	/* Pending may be withdrawn too, with a reason of exactly the limit, even when the outbox
	 * cannot write to the address on file (no mail then). */
	set_status(db, other, "pending");
	long_reason[step * DOSSIER_REASON_MAX] = '\0';
	assert_int_equal(db_exec_script(db, "UPDATE accounts SET email = 'an@example.vn' || "
	                                    "char(13, 10) || 'Bcc: x@example.vn' WHERE id = 1"), 0);
	mails = dbtest_int(db, "SELECT COUNT(*) FROM mail_outbox WHERE ? IS NOT NULL", 1);
	assert_int_equal(dossier_withdraw(&env, db, &an, T0, other, long_reason, NULL), 0);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM mail_outbox WHERE ? IS NOT NULL", 1),
	                 mails);
	v = get_ok(db, AN, other);
	assert_string_equal(str(v, "status"), "withdrawn");
	assert_string_equal(str(v, "withdraw_reason"), long_reason);
	json_decref(v);
	free(long_reason);
}

/* ---- submitting and confirming ---- */

#define BASE_URL "https://dichvucong.example.vn"
#define CONFIRM_PREFIX BASE_URL "/dossiers/confirm?token="

static struct tpl_set *mail_templates; /* the real templates, loaded once for the group */
static int wakes;                      /* how often the mail sender was woken */

static void count_wake(void *ctx)
{
	(*(int *)ctx)++;
}

static struct account_env test_env(void)
{
	static struct clock fixed;
	struct account_env env;

	fixed = clock_fixed(T0);
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

static int group_setup(void **state)
{
	char err[512] = "";

	(void)state;
	if (token_init() != 0)
		return -1;
	mail_templates = tpl_set_new();
	if (mail_templates == NULL ||
	    tpl_set_load_dir(mail_templates, MOTCUA_SHARE_DIR "/templates", err, sizeof err) != 0) {
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

/* A fresh database (as setup) and no wake-ups counted yet. */
static int setup_mail(void **state)
{
	wakes = 0;
	return setup(state);
}

static int64_t count_rows(struct db *db, const char *table_sql)
{
	return dbtest_int(db, table_sql, 1);
}

#define OUTBOX_COUNT "SELECT COUNT(*) FROM mail_outbox WHERE ? IS NOT NULL"
#define TOKEN_COUNT "SELECT COUNT(*) FROM dossier_tokens WHERE ? IS NOT NULL"
#define VERSION_COUNT "SELECT COUNT(*) FROM dossier_versions WHERE ? IS NOT NULL"

/* The id of the mandatory document of procedure 1.000656 (Giấy báo tử ...). */
static int64_t death_notice_doc(struct db *db)
{
	return dbtest_int(db,
		"SELECT pd.id FROM procedure_documents pd JOIN procedures p ON p.id = pd.procedure_id "
		"WHERE p.code = '1.000656' AND pd.requirement = 'mandatory' AND ? IS NOT NULL", 1);
}

/* A file row for document 'doc' of dossier 'id', current unless 'removed_in' > 0. */
static void attach(struct db *db, int64_t id, int64_t doc, int64_t removed_in)
{
	struct db_stmt *st;

	assert_int_equal(db_prepare(db,
		"INSERT INTO dossier_files (dossier_id, document_id, sha256, name, kind, size, added_in,"
		" removed_in, created_at) VALUES (?, ?, 'ab12', 'giay-bao-tu.pdf', 'pdf', 1000, 1, ?,"
		" 't')", &st), 0);
	assert_int_equal(db_bind_int64(st, 1, id), 0);
	assert_int_equal(db_bind_int64(st, 2, doc), 0);
	if (removed_in > 0)
		assert_int_equal(db_bind_int64(st, 3, removed_in), 0);
	else
		assert_int_equal(db_bind_null(st, 3), 0);
	assert_int_equal(db_step_done(st), 0);
}

/* Answer every required question of the death registration (1.000656) validly. */
static void fill_death_form(struct db *db, int64_t account, int64_t id, int64_t now)
{
	struct actor a = citizen(account);
	json_t *answers, *errors = NULL;

	answers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	                    "relationship", "con", "deceased_name", "Nguyễn Văn Bảy",
	                    "deceased_birth_date", "1940-01-02", "deceased_gender", "nam",
	                    "deceased_ethnicity", "kinh", "deceased_nationality", "Việt Nam",
	                    "deceased_citizen_id", "079040001111", "deceased_address",
	                    "Số 1 đường Lê Lợi, xã Tân An", "death_date", "2026-11-28",
	                    "death_place", "Trạm y tế xã Tân An", "result_way", "truc_tiep",
	                    "declaration", "1");
	assert_non_null(answers);
	assert_int_equal(dossier_save_form(db, &a, now, id, answers, &errors), 0);
	if (json_object_size(errors) != 0) {
		char *dump = json_dumps(errors, 0);

		fail_msg("form still has errors: %s", dump);
	}
	json_decref(errors);
	json_decref(answers);
}

/* A draft of 'account' for 1.000656 that may be submitted: form answered, document attached. */
static int64_t ready_draft(struct db *db, int64_t account, int64_t now)
{
	int64_t id = start_ok(db, account, now, OFF_OPEN);

	fill_death_form(db, account, id, now);
	attach(db, id, death_notice_doc(db), 0);
	return id;
}

/* Column 'col' of the newest outbox message into out. */
static const char *last_mail(struct db *db, const char *col, char *out, size_t cap)
{
	char sql[160];

	snprintf(sql, sizeof sql, "SELECT %s FROM mail_outbox WHERE ? IS NOT NULL ORDER BY id DESC "
	         "LIMIT 1", col);
	return dbtest_text(db, sql, 1, out, cap);
}

/* The token of the confirmation link in the newest mail into token[TOKEN_LEN + 1]. */
static void last_token(struct db *db, char token[TOKEN_LEN + 1])
{
	static char body[16384];
	const char *p;

	last_mail(db, "body_text", body, sizeof body);
	p = strstr(body, CONFIRM_PREFIX);
	assert_non_null(p);
	p += strlen(CONFIRM_PREFIX);
	memcpy(token, p, TOKEN_LEN);
	token[TOKEN_LEN] = '\0';
	assert_true(token_valid_shape(token));
	/* The same link is in the HTML part. */
	last_mail(db, "body_html", body, sizeof body);
	assert_non_null(strstr(body, token));
}

static void submit_ok(const struct account_env *env, struct db *db, int64_t account,
                      int64_t now, int64_t id)
{
	struct actor a = citizen(account);
	json_t *errors = (json_t *)1;
	int rc = dossier_submit(env, db, &a, now, id, &errors);

	if (rc != 0) {
		char *dump = errors != NULL ? json_dumps(errors, 0) : NULL;

		fail_msg("submit: %s %s", mc_strerror(rc), dump != NULL ? dump : "");
	}
	assert_null(errors);
}

static enum token_outcome confirm(const struct account_env *env, struct db *db,
                                  const char *token, int64_t now, int64_t *id)
{
	enum token_outcome how = (enum token_outcome)99;

	assert_int_equal(dossier_confirm(env, db, token, now, id, &how), 0);
	return how;
}

static int64_t desk_queue(struct db *db, int64_t desk)
{
	int64_t n = -1;

	assert_int_equal(dossier_desk_queue_count(db, desk, &n), 0);
	return n;
}

/* Nothing of a submission happened to draft 'id' (created with one event, 'version'). */
static void assert_untouched(struct db *db, int64_t id, int64_t version)
{
	char buf[64];

	assert_string_equal(dbtest_text(db, "SELECT status FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), "draft");
	assert_int_equal(dbtest_int(db, "SELECT version FROM dossiers WHERE id = ?", id), version);
	assert_string_equal(dbtest_text(db, "SELECT submitted_at FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), "(null)");
	assert_int_equal(count_rows(db, VERSION_COUNT), 0);
	assert_int_equal(count_rows(db, TOKEN_COUNT), 0);
	assert_int_equal(count_rows(db, OUTBOX_COUNT), 0);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_events WHERE dossier_id = ?", id),
	                 1);
	assert_int_equal(wakes, 0);
	/* No transaction was left open. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_rollback(db), 0);
}

static void test_submit_form_errors(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	struct actor an = citizen(AN);
	int64_t id = start_ok(db, AN, T0, OFF_OPEN), doc = death_notice_doc(db);
	json_t *errors = NULL;
	char key[32];

	/* Only the prefilled answers: the rest of the form and the document are missing. */
	assert_int_equal(dossier_submit(&env, db, &an, T0 + MINUTE, id, &errors), MC_EINVAL);
	assert_non_null(errors);
	assert_non_null(strstr(str(errors, "deceased_name"), "Họ, chữ đệm, tên người chết"));
	assert_non_null(json_object_get(errors, "death_date"));
	assert_non_null(json_object_get(errors, "declaration"));
	assert_null(json_object_get(errors, "requester_name"));
	snprintf(key, sizeof key, "doc_%lld", (long long)doc);
	assert_string_equal(str(errors, key), "Vui lòng đính kèm Giấy báo tử hoặc giấy tờ thay thế "
	                                      "Giấy báo tử do cơ quan có thẩm quyền cấp.");
	/* Only the mandatory documents are asked for. */
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM procedure_documents WHERE procedure_id ="
	                               " (SELECT procedure_id FROM dossiers WHERE id = ?)", id), 4);
	{
		const char *k;
		json_t *v;
		int docs = 0;

		json_object_foreach(errors, k, v)
			docs += strncmp(k, "doc_", 4) == 0;
		assert_int_equal(docs, 1);
	}
	json_decref(errors);
	assert_untouched(db, id, 1);

	/* One wrong answer is enough to refuse, even with the document attached. */
	fill_death_form(db, AN, id, T0);
	attach(db, id, doc, 0);
	{
		json_t *answers = json_pack("{s:s}", "death_date", "2027-01-01"), *e2 = NULL;

		assert_int_equal(dossier_save_form(db, &an, T0, id, answers, &e2), 0);
		json_decref(e2);
		json_decref(answers);
	}
	errors = NULL;
	assert_int_equal(dossier_submit(&env, db, &an, T0 + MINUTE, id, &errors), MC_EINVAL);
	assert_int_equal(json_object_size(errors), 1);
	assert_non_null(json_object_get(errors, "death_date"));
	json_decref(errors);
	assert_untouched(db, id, 3);
}

static void test_submit_missing_documents(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	struct actor an = citizen(AN);
	int64_t id = start_ok(db, AN, T0, OFF_OPEN), doc = death_notice_doc(db);
	json_t *errors = NULL;
	char key[32];

	fill_death_form(db, AN, id, T0);
	snprintf(key, sizeof key, "doc_%lld", (long long)doc);
	assert_int_equal(dossier_submit(&env, db, &an, T0 + MINUTE, id, &errors), MC_EINVAL);
	assert_int_equal(json_object_size(errors), 1);
	assert_non_null(strstr(str(errors, key), "Vui lòng đính kèm Giấy báo tử"));
	json_decref(errors);

	/* A file of another document, or a removed one, does not count. */
	attach(db, id, doc + 1, 0);
	attach(db, id, doc, 2);
	errors = NULL;
	assert_int_equal(dossier_submit(&env, db, &an, T0 + MINUTE, id, &errors), MC_EINVAL);
	assert_non_null(json_object_get(errors, key));
	json_decref(errors);
	/* Nor does a file of the same document on another dossier. */
	attach(db, start_ok(db, AN, T0, OFF_OPEN), doc, 0);
	errors = NULL;
	assert_int_equal(dossier_submit(&env, db, &an, T0 + MINUTE, id, &errors), MC_EINVAL);
	json_decref(errors);
	assert_untouched(db, id, 2);

	attach(db, id, doc, 0);
	submit_ok(&env, db, AN, T0 + MINUTE, id);

	/* A procedure without mandatory documents needs only its form. */
	id = start_ok(db, AN, T0, OFF_BOTH);
	errors = NULL;
	assert_int_equal(dossier_submit(&env, db, &an, T0 + MINUTE, id, &errors), MC_EINVAL);
	{
		const char *k;
		json_t *v;

		assert_true(json_object_size(errors) > 0);
		json_object_foreach(errors, k, v)
			assert_true(strncmp(k, "doc_", 4) != 0);
	}
	json_decref(errors);
}

static void test_submit_success(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	struct actor an = citizen(AN), binh = citizen(BINH), anonymous;
	int64_t id = ready_draft(db, AN, T0), now = T0 + 10 * MINUTE;
	char buf[16384], hash[TOKEN_HASH_LEN + 1], token[TOKEN_LEN + 1], *frozen;
	json_t *v, *tl, *ev, *errors = (json_t *)1;

	/* Not the owner, or nobody: nothing happens. */
	assert_int_equal(dossier_submit(&env, db, &binh, now, id, &errors), MC_ENOTFOUND);
	assert_null(errors);
	memset(&anonymous, 0, sizeof anonymous);
	assert_int_equal(dossier_submit(&env, db, &anonymous, now, id, &errors), MC_EFORBIDDEN);
	assert_int_equal(dossier_submit(&env, db, &an, now, id + 100, &errors), MC_ENOTFOUND);
	assert_untouched(db, id, 2);

	submit_ok(&env, db, AN, now, id);
	assert_int_equal(wakes, 1);

	v = get_ok(db, AN, id);
	assert_string_equal(str(v, "status"), "unconfirmed");
	assert_string_equal(str(v, "status_label"), "Chờ xác thực");
	assert_string_equal(str(v, "submitted_at"), "30/11/2026 07:43");
	assert_string_equal(str(v, "confirmed_at"), "");
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 3);
	assert_true(json_is_false(json_object_get(v, "can_edit")));
	assert_true(json_is_true(json_object_get(v, "can_withdraw")));
	tl = json_object_get(v, "timeline");
	assert_int_equal(json_array_size(tl), 2);
	ev = json_array_get(tl, 1);
	assert_string_equal(str(ev, "from_status"), "draft");
	assert_string_equal(str(ev, "to_status"), "unconfirmed");
	assert_string_equal(str(ev, "note"), "Nộp hồ sơ trực tuyến, chờ xác thực qua thư điện tử");
	assert_string_equal(str(ev, "actor_name"), "Nguyễn Văn An");
	json_decref(v);
	assert_string_equal(dbtest_text(db, "SELECT submitted_at FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), "2026-11-30T00:43:45.000Z");

	/* The answers are frozen as version 3. */
	assert_int_equal(count_rows(db, VERSION_COUNT), 1);
	assert_int_equal(dbtest_int(db, "SELECT number FROM dossier_versions WHERE dossier_id = ?", id),
	                 3);
	assert_string_equal(dbtest_text(db, "SELECT reason FROM dossier_versions WHERE dossier_id = ?",
	                               id, buf, sizeof buf), "submit");
	assert_int_equal(dbtest_int(db, "SELECT account_id FROM dossier_versions WHERE dossier_id = ?",
	                           id), AN);
	dbtest_text(db, "SELECT form_data FROM dossiers WHERE id = ?", id, buf, sizeof buf);
	frozen = strdup(buf);
	assert_non_null(frozen);
	assert_string_equal(dbtest_text(db, "SELECT form_data FROM dossier_versions WHERE dossier_id"
	                               " = ?", id, buf, sizeof buf), frozen);
	assert_non_null(strstr(frozen, "\"deceased_name\":\"Nguyễn Văn Bảy\""));
	free(frozen);

	/* One mail to the owner, with the link; only the token's hash is stored. */
	assert_int_equal(count_rows(db, OUTBOX_COUNT), 1);
	assert_string_equal(last_mail(db, "recipient", buf, sizeof buf), "an@example.vn");
	last_mail(db, "subject", buf, sizeof buf);
	assert_non_null(strstr(buf, "Xác thực hồ sơ Đăng ký khai tử"));
	last_mail(db, "body_text", buf, sizeof buf);
	assert_non_null(strstr(buf, "Kính gửi Ông/Bà Nguyễn Văn An,"));
	assert_non_null(strstr(buf, "\"Đăng ký khai tử\""));
	assert_non_null(strstr(buf, "Bộ phận Một cửa xã Tân An"));
	assert_non_null(strstr(buf, "trong 72 giờ (đến 03/12/2026 07:43)"));
	assert_non_null(strstr(buf, BASE_URL "/dossiers/"));
	last_token(db, token);
	token_hash(token, hash);
	assert_int_equal(count_rows(db, TOKEN_COUNT), 1);
	assert_string_equal(dbtest_text(db, "SELECT token_hash FROM dossier_tokens WHERE dossier_id = ?",
	                               id, buf, sizeof buf), hash);
	assert_string_equal(dbtest_text(db, "SELECT expires_at FROM dossier_tokens WHERE dossier_id = ?",
	                               id, buf, sizeof buf), "2026-12-03T00:43:45.000Z");
	assert_null(strstr(dbtest_text(db, "SELECT group_concat(token_hash || created_at) FROM "
	                              "dossier_tokens WHERE ? IS NOT NULL", 1, buf, sizeof buf),
	                   token));
	last_mail(db, "body_html", buf, sizeof buf);
	assert_non_null(strstr(buf, "Kính gửi Ông/Bà <strong>Nguyễn Văn An</strong>"));

	/* Submitted once only. */
	assert_int_equal(dossier_submit(&env, db, &an, now, id, &errors), MC_ECONFLICT);
	assert_null(errors);
	assert_int_equal(count_rows(db, OUTBOX_COUNT), 1);
	assert_int_equal(wakes, 1);
}

/* A mail that cannot be written stops the whole submission. */
static void test_submit_without_templates(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	struct actor an = citizen(AN);
	int64_t id = ready_draft(db, AN, T0);
	struct tpl_set *empty = tpl_set_new();
	json_t *errors = (json_t *)1;

	assert_non_null(empty);
	env.templates = empty;
	assert_int_equal(dossier_submit(&env, db, &an, T0, id, &errors), MC_ENOTFOUND);
	assert_null(errors);
	tpl_set_free(empty);
	assert_untouched(db, id, 2);
	/* A bad sender domain is refused by the outbox: the same. */
	env = test_env();
	env.mail_domain = "not a domain";
	assert_int_equal(dossier_submit(&env, db, &an, T0, id, &errors), MC_EINVAL);
	assert_null(errors);
	assert_untouched(db, id, 2);
}

static void test_confirm(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	int64_t id = ready_draft(db, AN, T0), other = ready_draft(db, BINH, T0), got = -1;
	char token[TOKEN_LEN + 1], buf[16384];
	json_t *v, *ev;

	assert_int_equal(db_exec_script(db,
		"UPDATE agencies SET address = 'Số 5 đường Trần Phú, xã Tân An', phone = '0270 3 812 345',"
		" office_hours = '[\"07:30-11:30,13:30-17:00\",\"07:30-11:30,13:30-17:00\","
		"\"07:30-11:30,13:30-17:00\",\"07:30-11:30,13:30-17:00\",\"07:30-11:30,13:30-17:00\","
		"\"07:30-11:30\",\"\"]' WHERE id = 1"), 0);
	submit_ok(&env, db, AN, T0, id);
	last_token(db, token);
	submit_ok(&env, db, BINH, T0, other);

	/* Unconfirmed dossiers are not in the desk's queue. */
	assert_int_equal(desk_queue(db, 1), 0);

	/* Anything but a live token changes nothing. */
	assert_int_equal(confirm(&env, db, NULL, T0, &got), TOKEN_INVALID);
	assert_int_equal(got, 0);
	assert_int_equal(confirm(&env, db, "", T0, NULL), TOKEN_INVALID);
	assert_int_equal(confirm(&env, db, "abc", T0, NULL), TOKEN_INVALID);
	{
		char forged[TOKEN_LEN + 1];

		memcpy(forged, token, sizeof forged);
		forged[0] = forged[0] == 'A' ? 'B' : 'A';
		assert_int_equal(confirm(&env, db, forged, T0, NULL), TOKEN_INVALID);
	}
	assert_int_equal(count_rows(db, OUTBOX_COUNT), 2);

	got = -1;
	assert_int_equal(confirm(&env, db, token, T0 + HOUR, &got), TOKEN_OK);
	assert_int_equal(got, id);
	assert_int_equal(wakes, 3);
	v = get_ok(db, AN, id);
	assert_string_equal(str(v, "status"), "pending");
	assert_string_equal(str(v, "status_label"), "Chờ tiếp nhận");
	assert_string_equal(str(v, "confirmed_at"), "30/11/2026 08:33");
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 4);
	assert_true(json_is_true(json_object_get(v, "can_withdraw")));
	ev = json_array_get(json_object_get(v, "timeline"), 2);
	assert_non_null(ev);
	assert_string_equal(str(ev, "from_status"), "unconfirmed");
	assert_string_equal(str(ev, "to_status"), "pending");
	assert_string_equal(str(ev, "note"), "Đã xác thực hồ sơ qua thư điện tử");
	assert_string_equal(str(ev, "actor_name"), "Nguyễn Văn An");
	json_decref(v);
	assert_int_equal(dbtest_int(db, "SELECT account_id FROM dossier_events WHERE dossier_id = ? "
	                               "ORDER BY id DESC LIMIT 1", id), AN);
	assert_true(dbtest_int(db, "SELECT used_at IS NOT NULL FROM dossier_tokens WHERE dossier_id = ?",
	                      id));

	/* The citizen hears where the dossier is, and how to reach the desk. */
	assert_int_equal(count_rows(db, OUTBOX_COUNT), 3);
	assert_string_equal(last_mail(db, "recipient", buf, sizeof buf), "an@example.vn");
	assert_string_equal(last_mail(db, "subject", buf, sizeof buf),
	                    "Hồ sơ Đăng ký khai tử đã được gửi đến Bộ phận Một cửa xã Tân An");
	last_mail(db, "body_text", buf, sizeof buf);
	assert_non_null(strstr(buf, "Kính gửi Ông/Bà Nguyễn Văn An,"));
	assert_non_null(strstr(buf, "Chờ tiếp nhận"));
	assert_non_null(strstr(buf, "Nơi tiếp nhận hồ sơ: Bộ phận Một cửa xã Tân An\n"));
	assert_non_null(strstr(buf, "Địa chỉ: Số 5 đường Trần Phú, xã Tân An\n"));
	assert_non_null(strstr(buf, "Điện thoại: 0270 3 812 345\n"));
	assert_non_null(strstr(buf, "Thư điện tử: motcua@tanan.gov.vn\n"));
	assert_non_null(strstr(buf, "Giờ làm việc:\n- Thứ Hai – Thứ Sáu: 07:30–11:30, 13:30–17:00\n"
	                            "- Thứ Bảy: 07:30–11:30\n"));
	assert_non_null(strstr(buf, BASE_URL "/dossiers/"));
	last_mail(db, "body_html", buf, sizeof buf);
	assert_non_null(strstr(buf, "Số 5 đường Trần Phú, xã Tân An"));
	assert_non_null(strstr(buf, "Thứ Bảy: 07:30–11:30"));

	/* Now the desk sees it; the other desk and the other dossier are unchanged. */
	assert_int_equal(desk_queue(db, 1), 1);
	assert_int_equal(desk_queue(db, 2), 0);
	assert_int_equal(desk_queue(db, 3), 0);

	/* A link works once. */
	got = -1;
	assert_int_equal(confirm(&env, db, token, T0 + 2 * HOUR, &got), TOKEN_USED);
	assert_int_equal(got, 0);
	assert_int_equal(count_rows(db, OUTBOX_COUNT), 3);
	assert_int_equal(dbtest_int(db, "SELECT version FROM dossiers WHERE id = ?", id), 4);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_events WHERE dossier_id = ?", id),
	                 3);
	assert_int_equal(wakes, 3);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_rollback(db), 0);
}

static void test_confirm_expired(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	int64_t late = ready_draft(db, AN, T0), just = ready_draft(db, AN, T0);
	char late_token[TOKEN_LEN + 1], just_token[TOKEN_LEN + 1], buf[64];

	submit_ok(&env, db, AN, T0, late);
	last_token(db, late_token);
	submit_ok(&env, db, AN, T0, just);
	last_token(db, just_token);

	/* 72 hours are 72 hours: at the deadline the link is dead, a minute before it works. */
	assert_int_equal(confirm(&env, db, late_token, T0 + 72 * HOUR, NULL), TOKEN_EXPIRED);
	assert_int_equal(confirm(&env, db, late_token, T0 + 80 * HOUR, NULL), TOKEN_EXPIRED);
	assert_string_equal(dbtest_text(db, "SELECT status FROM dossiers WHERE id = ?", late, buf,
	                               sizeof buf), "unconfirmed");
	assert_int_equal(dbtest_int(db, "SELECT used_at IS NULL FROM dossier_tokens WHERE dossier_id"
	                               " = ?", late), 1);
	assert_int_equal(confirm(&env, db, just_token, T0 + 72 * HOUR - MINUTE, NULL), TOKEN_OK);
	/* A link followed already says so, also after its 72 hours. */
	assert_int_equal(confirm(&env, db, just_token, T0 + 80 * HOUR, NULL), TOKEN_USED);
	/* Once the sweep has expired the dossier, its link still says it expired. */
	assert_int_equal(dossier_expire_unconfirmed(&env, db, T0 + 80 * HOUR, NULL), 0);
	assert_int_equal(confirm(&env, db, late_token, T0 + 80 * HOUR, NULL), TOKEN_EXPIRED);
	assert_int_equal(desk_queue(db, 1), 1);
}

static void test_confirm_after_withdraw(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	struct actor an = citizen(AN);
	int64_t id = ready_draft(db, AN, T0), other = ready_draft(db, AN, T0);
	char token[TOKEN_LEN + 1], buf[64];

	submit_ok(&env, db, AN, T0, id);
	last_token(db, token);
	assert_int_equal(dossier_withdraw(&env, db, &an, T0 + MINUTE, id, "Nộp nhầm", NULL), 0);
	assert_int_equal(confirm(&env, db, token, T0 + 2 * MINUTE, NULL), TOKEN_INVALID);
	assert_string_equal(dbtest_text(db, "SELECT status FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), "withdrawn");
	assert_string_equal(dbtest_text(db, "SELECT confirmed_at FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), "(null)");
	/* The confirmation, then the withdrawal's mail; the dead link sends nothing. */
	assert_int_equal(count_rows(db, OUTBOX_COUNT), 2);
	assert_non_null(strstr(last_mail(db, "subject", buf, sizeof buf), "Đã rút hồ sơ"));
	assert_int_equal(desk_queue(db, 1), 0);

	/* Any status but unconfirmed makes a live link invalid. */
	submit_ok(&env, db, AN, T0, other);
	last_token(db, token);
	set_status(db, other, "expired");
	assert_int_equal(confirm(&env, db, token, T0 + MINUTE, NULL), TOKEN_INVALID);
	assert_int_equal(dbtest_int(db, "SELECT used_at IS NULL FROM dossier_tokens WHERE dossier_id"
	                               " = ?", other), 1);
}

static void test_resend(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	struct actor an = citizen(AN), binh = citizen(BINH), anonymous;
	int64_t id = ready_draft(db, AN, T0), draft = ready_draft(db, AN, T0), got = 0;
	char first[TOKEN_LEN + 1], second[TOKEN_LEN + 1], buf[16384];

	submit_ok(&env, db, AN, T0, id);
	last_token(db, first);

	/* Only the owner, only while unconfirmed. */
	assert_int_equal(dossier_resend_confirmation(&env, db, &binh, T0 + HOUR, id), MC_ENOTFOUND);
	memset(&anonymous, 0, sizeof anonymous);
	assert_int_equal(dossier_resend_confirmation(&env, db, &anonymous, T0 + HOUR, id),
	                 MC_EFORBIDDEN);
	assert_int_equal(dossier_resend_confirmation(&env, db, &an, T0 + HOUR, draft), MC_ECONFLICT);
	assert_int_equal(dossier_resend_confirmation(&env, db, &an, T0 + HOUR, 999), MC_ENOTFOUND);
	assert_int_equal(count_rows(db, OUTBOX_COUNT), 1);
	assert_int_equal(wakes, 1);

	assert_int_equal(dossier_resend_confirmation(&env, db, &an, T0 + HOUR + 30 * MINUTE, id), 0);
	assert_int_equal(wakes, 2);
	assert_int_equal(count_rows(db, OUTBOX_COUNT), 2);
	last_token(db, second);
	assert_string_not_equal(first, second);
	/* The new link ends at the dossier's deadline, not 72 hours from now. */
	last_mail(db, "body_text", buf, sizeof buf);
	assert_non_null(strstr(buf, "trong 71 giờ (đến 03/12/2026 07:33)"));
	assert_string_equal(dbtest_text(db, "SELECT expires_at FROM dossier_tokens WHERE dossier_id = ?"
	                               " ORDER BY id DESC LIMIT 1", id, buf, sizeof buf),
	                    "2026-12-03T00:33:45.000Z");

	/* The old link is dead, the new one works. */
	assert_int_equal(confirm(&env, db, first, T0 + 2 * HOUR, NULL), TOKEN_USED);
	assert_int_equal(confirm(&env, db, second, T0 + 2 * HOUR, &got), TOKEN_OK);
	assert_int_equal(got, id);
	assert_int_equal(dossier_resend_confirmation(&env, db, &an, T0 + 3 * HOUR, id), MC_ECONFLICT);

	/* Past the deadline there is nothing left to confirm, sweep or not. */
	id = ready_draft(db, AN, T0);
	submit_ok(&env, db, AN, T0, id);
	assert_int_equal(dossier_resend_confirmation(&env, db, &an, T0 + 72 * HOUR, id),
	                 MC_ECONFLICT);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_tokens WHERE dossier_id = ? AND"
	                               " used_at IS NULL", id), 1);
}

static void test_resend_rate_limited(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	struct actor an = citizen(AN);
	int64_t one = ready_draft(db, AN, T0), two = ready_draft(db, AN, T0);
	int64_t mails, limited_at, got = 0, now = T0 + MINUTE;
	char live[TOKEN_LEN + 1];
	int sent = 0, rc = 0;

	submit_ok(&env, db, AN, T0, one);
	submit_ok(&env, db, AN, T0, two);
	/* The limit is the account's, across its dossiers. */
	for (int i = 0; i < RATE_MAIL.max + 1 && rc == 0; i++, now += MINUTE) {
		rc = dossier_resend_confirmation(&env, db, &an, now, i % 2 ? one : two);
		if (rc == 0)
			sent++;
	}
	assert_int_equal(rc, MC_ELIMIT);
	assert_true(sent >= 1 && sent < RATE_MAIL.max);
	limited_at = now - MINUTE;
	mails = count_rows(db, OUTBOX_COUNT);
	assert_int_equal(mails, 2 + sent);
	last_token(db, live);
	/* The account waits the whole block, even once its counted mails are out of the window;
	 * meanwhile nothing is sent and the live link stays live. */
	now = limited_at + RATE_MAIL.block_ms - MINUTE;
	assert_int_equal(dossier_resend_confirmation(&env, db, &an, now, one), MC_ELIMIT);
	assert_int_equal(count_rows(db, OUTBOX_COUNT), mails);
	/* Someone else is not held up. */
	{
		struct actor binh = citizen(BINH);
		int64_t hers = ready_draft(db, BINH, T0);

		submit_ok(&env, db, BINH, T0, hers);
		assert_int_equal(dossier_resend_confirmation(&env, db, &binh, now, hers), 0);
	}
	assert_int_equal(confirm(&env, db, live, now, &got), TOKEN_OK);
	assert_int_equal(got, sent % 2 ? two : one); /* the last mail sent, whichever it was */
	/* After the wait it works again (for the dossier still unconfirmed). */
	now = limited_at + RATE_MAIL.block_ms + MINUTE;
	assert_int_equal(dossier_resend_confirmation(&env, db, &an, now, got == one ? two : one), 0);
}

static void test_expire_sweep(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	int64_t first = ready_draft(db, AN, T0), second = ready_draft(db, AN, T0);
	int64_t draft = ready_draft(db, AN, T0), confirmed = ready_draft(db, BINH, T0), n = -1;
	char token[TOKEN_LEN + 1], buf[64];
	json_t *v, *ev;

	submit_ok(&env, db, AN, T0, first);
	submit_ok(&env, db, AN, T0 + 2 * HOUR, second);
	submit_ok(&env, db, BINH, T0, confirmed);
	last_token(db, token);
	assert_int_equal(confirm(&env, db, token, T0 + HOUR, NULL), TOKEN_OK);

	assert_int_equal(dossier_expire_unconfirmed(&env, db, T0 + 72 * HOUR - 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(dossier_expire_unconfirmed(&env, db, T0 + 72 * HOUR, &n), 0);
	assert_int_equal(n, 1);
	v = get_ok(db, AN, first);
	assert_string_equal(str(v, "status"), "expired");
	assert_string_equal(str(v, "status_label"), "Hết hạn xác thực");
	assert_true(json_is_false(json_object_get(v, "can_withdraw")));
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 4);
	ev = json_array_get(json_object_get(v, "timeline"), 2);
	assert_non_null(ev);
	assert_string_equal(str(ev, "from_status"), "unconfirmed");
	assert_string_equal(str(ev, "to_status"), "expired");
	assert_string_equal(str(ev, "note"), "Hết hạn xác thực sau 72 giờ");
	assert_string_equal(str(ev, "actor_name"), "Hệ thống");
	json_decref(v);
	assert_int_equal(dbtest_int(db, "SELECT account_id IS NULL FROM dossier_events WHERE"
	                               " dossier_id = ? ORDER BY id DESC LIMIT 1", first), 1);
	assert_string_equal(dbtest_text(db, "SELECT status FROM dossiers WHERE id = ?", second, buf,
	                               sizeof buf), "unconfirmed");

	/* Later the second follows; drafts and confirmed dossiers are never touched. */
	assert_int_equal(dossier_expire_unconfirmed(&env, db, T0 + 90 * HOUR, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(dbtest_text(db, "SELECT status FROM dossiers WHERE id = ?", second, buf,
	                               sizeof buf), "expired");
	assert_string_equal(dbtest_text(db, "SELECT status FROM dossiers WHERE id = ?", draft, buf,
	                               sizeof buf), "draft");
	assert_string_equal(dbtest_text(db, "SELECT status FROM dossiers WHERE id = ?", confirmed, buf,
	                               sizeof buf), "pending");
	assert_int_equal(dossier_expire_unconfirmed(&env, db, T0 + 200 * HOUR, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(desk_queue(db, 1), 1);
	/* Three confirmations, one "received", and one mail for each dossier expired. */
	assert_int_equal(count_rows(db, OUTBOX_COUNT), 6);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE "
	                           "'%hết hạn xác thực' AND ? IS NOT NULL", 1), 2);
}

/* More than one batch: every dossier is expired, each with its event. */
static void test_expire_sweep_batches(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	int64_t id = ready_draft(db, AN, T0), n = -1;
	int64_t total = 2 * DOSSIER_SWEEP_BATCH + 3;
	struct db_stmt *st;

	submit_ok(&env, db, AN, T0, id);
	for (int64_t i = 1; i < total; i++) {
		assert_int_equal(db_prepare(db,
			"INSERT INTO dossiers (owner_account_id, offering_id, procedure_id, desk_agency_id,"
			" competent_agency_id, channel, status, version, form_data, created_at, updated_at,"
			" submitted_at) SELECT owner_account_id, offering_id, procedure_id, desk_agency_id,"
			" competent_agency_id, channel, status, version, form_data, created_at, updated_at,"
			" submitted_at FROM dossiers WHERE id = ?", &st), 0);
		assert_int_equal(db_bind_int64(st, 1, id), 0);
		assert_int_equal(db_step_done(st), 0);
	}
	assert_int_equal(dossier_expire_unconfirmed(&env, db, T0 + 73 * HOUR, &n), 0);
	assert_int_equal(n, total);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossiers WHERE status = 'expired' AND"
	                               " ? IS NOT NULL", 1), total);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_events WHERE to_status ="
	                               " 'expired' AND ? IS NOT NULL", 1), total);
}

/* ---- attachments, supplements and versions ---- */

static const char tiny_pdf[] = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n";

/* A fresh file store in a temporary folder. */
static struct filestore *temp_store(char dir[64])
{
	struct filestore *fs = NULL;
	char err[256];

	snprintf(dir, 64, "/tmp/motcua-test-dossier-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(filestore_open(dir, &fs, err, sizeof err), 0);
	return fs;
}

static void remove_store(struct filestore *fs, const char *dir)
{
	char cmd[128];

	filestore_close(fs);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_uploads(void **state)
{
	struct db *db = *state;
	struct actor an = citizen(AN), binh = citizen(BINH);
	int64_t id = start_ok(db, AN, T0, OFF_OPEN), doc = death_notice_doc(db), fid;
	size_t big_len = (size_t)dbtest_int(db, "SELECT max_size FROM procedure_documents WHERE id = ?",
	                                   doc) + 1;
	char *big = calloc(1, big_len), dir[64];
	struct filestore *fs = temp_store(dir);
	struct dossier_upload u[4];
	json_t *errors = NULL;
	char buf[256];

	assert_non_null(big);
	memset(u, 0, sizeof u);
	u[0] = (struct dossier_upload){ .document_id = doc, .filename = "../giấy báo tử.pdf",
	                                .data = tiny_pdf, .len = sizeof tiny_pdf - 1 };
	u[1] = (struct dossier_upload){ .document_id = 999999, .filename = "x.pdf",
	                                .data = tiny_pdf, .len = sizeof tiny_pdf - 1 };
	u[2] = (struct dossier_upload){ .document_id = doc + 1, .filename = "lon.pdf",
	                                .data = big, .len = big_len };
	u[3] = (struct dossier_upload){ .document_id = doc + 1, .filename = "ghi-chu.pdf",
	                                .data = "chỉ là chữ", .len = strlen("chỉ là chữ") };
	/* Another citizen's dossier is not there. */
	assert_int_equal(dossier_uploads_check(db, &binh, id, u, 4), MC_ENOTFOUND);
	assert_int_equal(dossier_uploads_check(db, &an, id, u, 4), 0);
	assert_int_equal(u[0].rc, 0);
	assert_true(u[0].nallowed >= 1);
	assert_int_equal(u[1].rc, MC_EINVAL);
	assert_int_equal(u[2].rc, MC_ETOOBIG);
	assert_non_null(strstr(u[2].message, "«lon.pdf»"));
	assert_non_null(strstr(u[2].message, "vượt quá mức tối đa 10 MB"));
	assert_int_equal(u[3].rc, 0);
	dossier_uploads_store(fs, u, 4);
	assert_int_equal(u[0].rc, 0);
	assert_string_equal(u[0].kind, "pdf");
	assert_int_equal(strlen(u[0].sha256), 64);
	assert_string_equal(u[0].name, "giấy báo tử.pdf");
	/* Text named .pdf is refused by its content. */
	assert_int_equal(u[3].rc, MC_EINVAL);
	assert_non_null(strstr(u[3].message, "không phải là tệp PDF, JPG hoặc PNG"));
	assert_int_equal(dossier_save(db, &an, T0 + MINUTE, id, NULL, u, 4, NULL, 0, &errors), 0);
	snprintf(buf, sizeof buf, "doc_%lld", (long long)(doc + 1));
	assert_non_null(strstr(json_string_value(json_object_get(errors, buf)), "lon.pdf"));
	assert_non_null(strstr(json_string_value(json_object_get(errors, buf)), "ghi-chu.pdf"));
	assert_non_null(json_object_get(errors, "doc_999999"));
	json_decref(errors);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_files WHERE dossier_id = ?", id),
	                 1);
	assert_string_equal(dbtest_text(db, "SELECT name FROM dossier_files WHERE dossier_id = ?", id,
	                               buf, sizeof buf), "giấy báo tử.pdf");
	assert_int_equal(dbtest_int(db, "SELECT added_in FROM dossier_files WHERE dossier_id = ?", id),
	                 2);
	fid = dbtest_int(db, "SELECT id FROM dossier_files WHERE dossier_id = ?", id);
	/* The owner gets the file, nobody else. */
	{
		struct dossier_file_ref ref;

		assert_int_equal(dossier_file(db, &an, T0, id, fid, &ref), 0);
		assert_string_equal(ref.sha256, u[0].sha256);
		assert_string_equal(ref.kind, "pdf");
		assert_int_equal(dossier_file(db, &binh, T0, id, fid, &ref), MC_ENOTFOUND);
		assert_int_equal(dossier_file(db, &an, T0, id + 1, fid, &ref), MC_ENOTFOUND);
	}
	/* A single-file document: a second upload replaces the first; in a draft the first goes. */
	dossier_uploads_free(u, 4);
	memset(&u[1], 0, sizeof u[1]);
	u[1] = (struct dossier_upload){ .document_id = doc, .filename = "moi.pdf", .data = tiny_pdf,
	                                .len = sizeof tiny_pdf - 1 };
	assert_int_equal(dossier_uploads_check(db, &an, id, &u[1], 1), 0);
	dossier_uploads_store(fs, &u[1], 1);
	assert_int_equal(u[1].rc, 0);
	assert_string_equal(u[1].sha256, u[0].sha256); /* same bytes, same stored file */
	assert_int_equal(dossier_save(db, &an, T0 + 2 * MINUTE, id, NULL, &u[1], 1, NULL, 0,
	                              &errors), 0);
	json_decref(errors);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_files WHERE dossier_id = ?", id),
	                 1);
	assert_string_equal(dbtest_text(db, "SELECT name FROM dossier_files WHERE dossier_id = ?", id,
	                               buf, sizeof buf), "moi.pdf");
	/* Taking it out of a draft deletes the row. */
	fid = dbtest_int(db, "SELECT id FROM dossier_files WHERE dossier_id = ?", id);
	assert_int_equal(dossier_save(db, &an, T0 + 3 * MINUTE, id, NULL, NULL, 0, &fid, 1, &errors),
	                 0);
	json_decref(errors);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_files WHERE dossier_id = ?", id),
	                 0);
	/* Not editable once submitted. */
	set_status(db, id, "pending");
	assert_int_equal(dossier_uploads_check(db, &an, id, &u[1], 1), MC_ECONFLICT);
	dossier_uploads_free(u, 4);
	free(big);
	remove_store(fs, dir);
}

/* The staff account of the fixture's desk (added here: the fixture has none). */
/* The desk asks for a supplement of dossier 'id' in its current version (dossier_act). */
static int ask_supplement(const struct account_env *env, struct db *db, const struct actor *a,
                          int64_t now, int64_t id, const char *note, const char **refusal)
{
	struct flow_input in = { 0 };
	struct flow_output out;
	struct field_errors errs;
	char version[32];

	in.action = "request_supplement";
	in.version = atoll(dbtest_text(db, "SELECT version FROM dossiers WHERE id = ?", id, version,
	                              sizeof version));
	in.note = note;
	return dossier_act(env, db, a, now, id, &in, &errs, &out, refusal);
}

static struct actor desk_officer(struct db *db, int64_t agency)
{
	struct actor a;

	assert_int_equal(db_exec_script(db,
		"INSERT INTO accounts (id, account_type, full_name, email, email_key, phone, address,"
		" password_hash, status, created_at, updated_at) SELECT 5, 'staff', 'Lê Thị Một',"
		" 'motcua@tanan.gov.vn', 'motcua@tanan.gov.vn', '0270000001', 'Xã Tân An', 'x',"
		" 'active', 't', 't' WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE id = 5)"), 0);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM accounts WHERE id = ?", 5), 1);
	memset(&a, 0, sizeof a);
	a.role = ROLE_STAFF;
	a.staff_role = STAFF_INTAKE;
	a.account_id = 5;
	a.agency_id = agency;
	snprintf(a.account_type, sizeof a.account_type, "staff");
	snprintf(a.full_name, sizeof a.full_name, "Lê Thị Một");
	return a;
}

/* An upload already refused (on the worker: wrong kind) replaces nothing: the file it would
 * have replaced still counts against the dossier's limits. */
static void test_refused_upload_replaces_nothing(void **state)
{
	struct db *db = *state;
	struct actor an = citizen(AN);
	int64_t id = start_ok(db, AN, T0, OFF_OPEN), doc = death_notice_doc(db), other;
	struct dossier_upload u[2];

	other = dbtest_int(db, "SELECT pd.id FROM procedure_documents pd JOIN procedures p ON "
	                       "p.id = pd.procedure_id WHERE p.code = '1.000656' AND pd.id <> ? "
	                       "ORDER BY pd.id LIMIT 1", doc);
	assert_int_equal(db_exec_script(db, "UPDATE procedure_documents SET multiple = 1 WHERE id IN"
	                                    " (SELECT pd.id FROM procedure_documents pd JOIN "
	                                    "procedures p ON p.id = pd.procedure_id WHERE p.code = "
	                                    "'1.000656' AND pd.requirement <> 'mandatory')"), 0);
	assert_int_equal(dbtest_int(db, "SELECT multiple FROM procedure_documents WHERE id = ?",
	                            other), 1);
	/* The dossier is full: one death notice and 99 other files. */
	attach(db, id, doc, 0);
	for (int i = 1; i < LIMIT_DOSSIER_FILES; i++)
		attach(db, id, other, 0);
	memset(u, 0, sizeof u);
	u[0] = (struct dossier_upload){ .document_id = doc, .filename = "anh.pdf",
	                                .data = tiny_pdf, .len = sizeof tiny_pdf - 1,
	                                .rc = MC_EINVAL };
	u[1] = (struct dossier_upload){ .document_id = other, .filename = "them.pdf",
	                                .data = tiny_pdf, .len = sizeof tiny_pdf - 1 };
	assert_int_equal(dossier_uploads_check(db, &an, id, u, 2), 0);
	assert_int_equal(u[0].rc, MC_EINVAL);
	assert_int_equal(u[1].rc, MC_EINVAL);
	assert_non_null(strstr(u[1].message, "không thể đính kèm thêm tệp «them.pdf»"));
	/* A replacement that is not refused takes the place of the file it replaces. */
	u[0].rc = 0;
	assert_int_equal(dossier_uploads_check(db, &an, id, u, 1), 0);
	assert_int_equal(u[0].rc, 0);
	dossier_uploads_free(u, 2);
}

static void test_supplement_and_versions(void **state)
{
	struct db *db = *state;
	struct account_env env = test_env();
	struct actor an = citizen(AN), binh = citizen(BINH), officer = desk_officer(db, 1);
	struct actor outsider = desk_officer(db, 3);
	int64_t id = ready_draft(db, AN, T0), doc = death_notice_doc(db), old_file, now = T0;
	const char *refusal = NULL;
	json_t *errors = NULL, *answers, *versions, *v2, *change;
	char token[TOKEN_LEN + 1], buf[16384], dir[64];
	struct filestore *fs = temp_store(dir);
	struct dossier_upload u;
	size_t i;
	int found = 0;

	submit_ok(&env, db, AN, now += MINUTE, id);
	old_file = dbtest_int(db, "SELECT id FROM dossier_files WHERE dossier_id = ?", id);
	/* The desk's staff see the files only once the dossier reached the desk. */
	{
		struct dossier_file_ref ref;

		assert_int_equal(dossier_file(db, &officer, T0, id, old_file, &ref), MC_ENOTFOUND);
		last_token(db, token);
		assert_int_equal(confirm(&env, db, token, now += MINUTE, NULL), TOKEN_OK);
		assert_int_equal(dossier_file(db, &officer, T0, id, old_file, &ref), 0);
		assert_string_equal(ref.name, "giay-bao-tu.pdf");
		assert_int_equal(dossier_file(db, &outsider, T0, id, old_file, &ref), MC_ENOTFOUND);
	}
	/* Not while pending: nothing to update. */
	assert_int_equal(dossier_update_supplement(&env, db, &an, now, id, &errors), MC_ECONFLICT);
	/* Who may ask, and how. */
	assert_int_equal(ask_supplement(&env, db, &an, now, id, "x", &refusal), MC_EFORBIDDEN);
	assert_int_equal(ask_supplement(&env, db, &outsider, now, id, "Thiếu giấy", &refusal),
	                 MC_ENOTFOUND);
	assert_int_equal(ask_supplement(&env, db, &officer, now, id, "  \n ", &refusal), MC_EINVAL);
	assert_int_equal(ask_supplement(&env, db, &officer, now += MINUTE, id,
	                                "Bổ sung bản chụp rõ nét Giấy báo tử.", &refusal), 0);
	assert_string_equal(dbtest_text(db, "SELECT status FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), "supplement");
	last_mail(db, "subject", buf, sizeof buf);
	assert_non_null(strstr(buf, "cần bổ sung"));
	last_mail(db, "body_text", buf, sizeof buf);
	assert_non_null(strstr(buf, "Bổ sung bản chụp rõ nét Giấy báo tử."));
	assert_non_null(strstr(buf, BASE_URL "/dossiers/"));
	assert_non_null(strstr(buf, "/edit"));
	assert_int_equal(ask_supplement(&env, db, &officer, now, id, "Lần nữa", &refusal),
	                 MC_ECONFLICT);
	assert_non_null(refusal);
	v2 = get_ok(db, AN, id);
	assert_string_equal(str(v2, "supplement_request"), "Bổ sung bản chụp rõ nét Giấy báo tử.");
	assert_true(json_is_true(json_object_get(v2, "can_edit")));
	i = json_array_size(json_object_get(v2, "timeline"));
	json_decref(v2);
	/* While it waits: an entry the citizen sees (scans attached) leaves the request as it was,
	 * and a staff entry that keeps the status (an internal note) is not on the citizen's
	 * timeline at all. */
	add_event_row(db, id, "supplement", "Đính kèm bản quét: giay-bao-tu.pdf", 0);
	add_event_row(db, id, "supplement", "Ghi chú nội bộ của cán bộ", 1);
	v2 = get_ok(db, AN, id);
	assert_string_equal(str(v2, "supplement_request"), "Bổ sung bản chụp rõ nét Giấy báo tử.");
	assert_int_equal(json_array_size(json_object_get(v2, "timeline")), i + 1);
	assert_null(strstr(json_dumps_text(v2, buf, sizeof buf), "Ghi chú nội bộ"));
	json_decref(v2);

	/* The citizen changes an answer and replaces the file: the old one stays in the history. */
	memset(&u, 0, sizeof u);
	u = (struct dossier_upload){ .document_id = doc, .filename = "giay-bao-tu-ro.pdf",
	                             .data = tiny_pdf, .len = sizeof tiny_pdf - 1 };
	assert_int_equal(dossier_uploads_check(db, &an, id, &u, 1), 0);
	dossier_uploads_store(fs, &u, 1);
	assert_int_equal(u.rc, 0);
	answers = json_pack("{s:s}", "death_place", "Bệnh viện Đa khoa tỉnh");
	assert_int_equal(dossier_save(db, &an, now += MINUTE, id, answers, &u, 1, NULL, 0, &errors),
	                 0);
	json_decref(errors);
	json_decref(answers);
	dossier_uploads_free(&u, 1);
	assert_int_equal(dbtest_int(db, "SELECT COUNT(*) FROM dossier_files WHERE dossier_id = ?", id),
	                 2);
	assert_true(dbtest_int(db, "SELECT removed_in FROM dossier_files WHERE id = ?", old_file) > 0);
	assert_int_equal(dossier_update_supplement(&env, db, &an, now += MINUTE, id, &errors), 0);
	assert_null(errors);
	assert_string_equal(dbtest_text(db, "SELECT status FROM dossiers WHERE id = ?", id, buf,
	                               sizeof buf), "pending");
	assert_int_equal(desk_queue(db, 1), 1);
	last_mail(db, "subject", buf, sizeof buf);
	assert_non_null(strstr(buf, "Đã cập nhật hồ sơ"));
	assert_int_equal(dossier_update_supplement(&env, db, &an, now, id, &errors), MC_ECONFLICT);

	/* Two versions; the second says what changed. */
	assert_int_equal(dossier_versions(db, &binh, id, &versions), MC_ENOTFOUND);
	assert_int_equal(dossier_versions(db, &outsider, id, &versions), MC_ENOTFOUND);
	assert_int_equal(dossier_versions(db, &officer, id, &versions), 0);
	json_decref(versions);
	assert_int_equal(dossier_versions(db, &an, id, &versions), 0);
	assert_int_equal(json_array_size(versions), 2);
	v2 = json_array_get(versions, 1);
	assert_string_equal(str(v2, "reason"), "supplement");
	json_array_foreach(json_object_get(v2, "changes"), i, change)
		if (strcmp(str(change, "name"), "death_place") == 0) {
			found = 1;
			assert_string_equal(str(change, "before"), "Trạm y tế xã Tân An");
			assert_string_equal(str(change, "after"), "Bệnh viện Đa khoa tỉnh");
		}
	assert_true(found);
	assert_int_equal(json_array_size(json_object_get(v2, "changes")), 1);
	assert_int_equal(json_array_size(json_object_get(v2, "files_added")), 1);
	assert_int_equal(json_array_size(json_object_get(v2, "files_removed")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
		json_object_get(v2, "files_removed"), 0), "id")), old_file);
	json_decref(versions);
	remove_store(fs, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_labels),
		cmocka_unit_test_setup_teardown(test_start_prefills_from_account, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_business_prefill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offering_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_keeps_typed_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_and_list_are_the_owners, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_withdraw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_form_errors, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_submit_missing_documents, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_submit_success, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_submit_without_templates, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_confirm, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_confirm_expired, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_confirm_after_withdraw, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_resend, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_resend_rate_limited, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_expire_sweep, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_expire_sweep_batches, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_uploads, setup_mail, teardown),
		cmocka_unit_test_setup_teardown(test_refused_upload_replaces_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_supplement_and_versions, setup_mail, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
