/* demo_dossiers.c: demonstration dossiers, taken through the real workflow at past times
 * (demo.h, demo_dossiers). */
#include "domain/demo.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domain/account.h"
#include "domain/actor.h"
#include "domain/dossier.h"
#include "domain/dossier_flow.h"
#include "domain/workcal.h"
#include "domain/workflow.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/db.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define DAY_MS (24LL * 3600 * 1000)
#define TEXT 256

/* A small deterministic generator (xorshift64*): the same N gives the same dossiers. */
static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ull;
}

static int pick(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

/* ---- who applies ---- */

static const char *const family[] = { "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ",
                                      "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trịnh",
                                      "Mai", "Lương", "Lại" };
static const char *const middle_m[] = { "Văn", "Hữu", "Đức", "Minh", "Quang", "Thành", "Công",
                                        "Xuân", "Đình", "Ngọc" };
static const char *const middle_f[] = { "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương", "Kim",
                                        "Hồng", "Diệu", "Bích" };
static const char *const given_m[] = { "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa",
                                       "Long", "Nam", "Phong", "Quân", "Sơn", "Tuấn", "Việt",
                                       "Hiếu", "Trung" };
static const char *const given_f[] = { "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Lan",
                                       "Linh", "Mai", "Ngọc", "Phương", "Thảo", "Trang", "Yến",
                                       "Huyền" };
static const char *const streets[] = { "phố Trần Phú", "đường Lê Lợi", "phố Lê Hoàn",
                                       "đường Bà Triệu", "phố Tống Duy Tân", "đường Nguyễn Trãi",
                                       "phố Hàng Than", "đường Quang Trung" };
static const char *const places[] = { "phường Hạc Thành, tỉnh Thanh Hóa",
                                      "xã Hoằng Hóa, tỉnh Thanh Hóa",
                                      "phường Hạc Thành, tỉnh Thanh Hóa",
                                      "xã Hoằng Hóa, tỉnh Thanh Hóa" };

struct applicant {
	char name[TEXT], cid[48], phone[48], email[TEXT], address[TEXT], birth[48];
};

static void make_applicant(struct applicant *p)
{
	int female = pick(2), year = 1950 + pick(55);

	snprintf(p->name, sizeof p->name, "%s %s %s", family[pick(COUNT(family))],
	         female ? middle_f[pick(COUNT(middle_f))] : middle_m[pick(COUNT(middle_m))],
	         female ? given_f[pick(COUNT(given_f))] : given_m[pick(COUNT(given_m))]);
	/* 038: born in Thanh Hóa; century-and-sex digit; the year; six digits. */
	snprintf(p->cid, sizeof p->cid, "038%d%02d%06d", (year >= 2000 ? 2 : 0) + female, year % 100,
	         pick(1000000));
	snprintf(p->phone, sizeof p->phone, "09%08d", pick(100000000));
	snprintf(p->email, sizeof p->email, "%s", "");
	snprintf(p->address, sizeof p->address, "Số %d %s, %s", 1 + pick(200),
	         streets[pick(COUNT(streets))], places[pick(COUNT(places))]);
	snprintf(p->birth, sizeof p->birth, "%04d-%02d-%02d", year, 1 + pick(12), 1 + pick(28));
}

/* An answer for each field of 'schema', as a desk officer would have typed it: the applicant's
 * details where the field takes them, the first choice of a list, a plausible value else. */
static json_t *answers_for(const json_t *schema, const struct applicant *p)
{
	json_t *out = json_object(), *section, *field;
	size_t i, j;

	json_array_foreach(json_object_get(schema, "sections"), i, section)
		json_array_foreach(json_object_get(section, "fields"), j, field) {
			const char *name = json_string_value(json_object_get(field, "name"));
			const char *type = json_string_value(json_object_get(field, "type"));
			const char *prefill = json_string_value(json_object_get(field, "prefill"));
			json_t *options = json_object_get(field, "options"), *v = NULL;

			if (name == NULL || type == NULL)
				continue;
			if (prefill != NULL && strcmp(prefill, "full_name") == 0)
				v = json_string(p->name);
			else if (strcmp(type, "citizen_id") == 0)
				v = json_string(p->cid);
			else if (strcmp(type, "phone") == 0)
				v = json_string(p->phone);
			else if (strcmp(type, "address") == 0)
				v = json_string(p->address);
			else if (strcmp(type, "email") == 0)
				v = json_string(p->email);
			else if (strcmp(type, "date") == 0)
				v = json_string(p->birth);
			else if (strcmp(type, "number") == 0)
				v = json_string("1");
			else if (json_is_array(options) && json_array_size(options) > 0) {
				json_t *first = json_object_get(json_array_get(options, 0), "value");
				v = strcmp(type, "checkbox") == 0 ? json_pack("[O]", first) : json_incref(first);
			} else if (strcmp(type, "checkbox") == 0)
				v = json_string("1");
			else if (strcmp(type, "tax_code") == 0)
				v = json_string("0312345678");
			else
				v = json_string(json_string_value(json_object_get(field, "label")) != NULL
				                    ? "Theo hồ sơ giấy đã nộp" : "");
			if (v != NULL)
				json_object_set_new(out, name, v);
		}
	return out;
}

/* ---- the dossier and its way through the workflow ---- */

struct offering {
	int64_t id, procedure, desk, competent, department;
	char workflow[32];
	json_t *schema;
};

static int load_offerings(struct db *db, struct offering **out, size_t *n)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(db, "SELECT o.id, o.procedure_id, o.desk_agency_id, "
	                         "o.competent_agency_id, coalesce(o.department_id, 0), o.workflow, "
	                         "p.form_schema FROM offerings o JOIN procedures p ON "
	                         "p.id = o.procedure_id WHERE o.active = 1 AND p.active = 1 "
	                         "ORDER BY o.id", &st)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct offering *o;

		if (*n == cap) {
			struct offering *grown = realloc(*out, (cap = cap * 2 + 8) * sizeof(**out));
			if (grown == NULL) {
				db_reset(st);
				return MC_ENOMEM;
			}
			*out = grown;
		}
		o = &(*out)[(*n)++];
		o->id = db_col_int64(st, 0);
		o->procedure = db_col_int64(st, 1);
		o->desk = db_col_int64(st, 2);
		o->competent = db_col_int64(st, 3);
		o->department = db_col_int64(st, 4);
		db_col_copy(st, 5, o->workflow, sizeof o->workflow);
		o->schema = json_loads(db_col_text(st, 6, NULL), 0, NULL);
	}
	return rc == DB_DONE ? 0 : (rc < 0 ? rc : MC_EDB);
}

/* An active staff member of 'agency' with 'role' (and department 'department' when not 0). */
static int staff_of(struct db *db, int64_t agency, const char *role, int64_t department,
                    struct actor *a)
{
	struct db_stmt *st;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = db_prepare(db, "SELECT a.id, a.full_name, coalesce(s.department_id, 0) FROM "
	                         "staff s JOIN accounts a ON a.id = s.account_id WHERE "
	                         "s.agency_id = ? AND s.role = ? AND a.status = 'active' AND "
	                         "(? = 0 OR s.department_id = ?) ORDER BY s.department_id IS NOT "
	                         "NULL, a.id LIMIT 1", &st)) != 0 ||
	    (rc = db_bind_int64(st, 1, agency)) != 0 || (rc = db_bind_cstr(st, 2, role)) != 0 ||
	    (rc = db_bind_int64(st, 3, department)) != 0 ||
	    (rc = db_bind_int64(st, 4, department)) != 0)
		return rc;
	if ((rc = db_step(st)) < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	a->role = ROLE_STAFF;
	a->account_id = db_col_int64(st, 0);
	db_col_copy(st, 1, a->full_name, sizeof a->full_name);
	a->department_id = db_col_int64(st, 2);
	a->agency_id = agency;
	a->staff_role = staff_role_parse(role);
	snprintf(a->account_type, sizeof a->account_type, "staff");
	db_reset(st);
	return 0;
}

/* Insert dossier of offering 'o' as it reached the desk at 't0': pending, with its submission
 * on the timeline.  Online ones belong to 'owner'. */
static int insert_pending(struct db *db, const struct offering *o, const struct applicant *p,
                          int64_t owner, int64_t t0, int64_t *id)
{
	char at[40], confirmed[40], *form;
	json_t *answers = answers_for(o->schema, p);
	struct db_stmt *st;
	int online = owner > 0, rc;

	form = answers != NULL ? json_dumps(answers, JSON_COMPACT) : NULL;
	json_decref(answers);
	if (form == NULL)
		return MC_ENOMEM;
	clock_iso8601(t0, at, sizeof at);
	clock_iso8601(t0 + 5 * 60000, confirmed, sizeof confirmed);
	rc = db_prepare(db,
		"INSERT INTO dossiers (owner_account_id, offering_id, procedure_id, desk_agency_id, "
		"competent_agency_id, channel, applicant_name, applicant_citizen_id, applicant_phone, "
		"applicant_email, applicant_address, status, version, form_data, created_at, updated_at, "
		"submitted_at, confirmed_at, workflow) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		"'pending', 1, ?, ?, ?, ?, ?, ?)", &st);
	if (rc != 0)
		goto done;
	if ((rc = owner > 0 ? db_bind_int64(st, 1, owner) : db_bind_null(st, 1)) != 0 ||
	    (rc = db_bind_int64(st, 2, o->id)) != 0 || (rc = db_bind_int64(st, 3, o->procedure)) != 0 ||
	    (rc = db_bind_int64(st, 4, o->desk)) != 0 || (rc = db_bind_int64(st, 5, o->competent)) != 0 ||
	    (rc = db_bind_cstr(st, 6, online ? "online" : "walk_in")) != 0 ||
	    (rc = db_bind_cstr(st, 7, p->name)) != 0 || (rc = db_bind_cstr(st, 8, p->cid)) != 0 ||
	    (rc = db_bind_cstr(st, 9, p->phone)) != 0 || (rc = db_bind_cstr(st, 10, p->email)) != 0 ||
	    (rc = db_bind_cstr(st, 11, p->address)) != 0 || (rc = db_bind_cstr(st, 12, form)) != 0 ||
	    (rc = db_bind_cstr(st, 13, at)) != 0 ||
	    (rc = db_bind_cstr(st, 14, online ? confirmed : at)) != 0 ||
	    (rc = db_bind_cstr(st, 15, at)) != 0 ||
	    (rc = db_bind_cstr(st, 16, online ? confirmed : at)) != 0 ||
	    (rc = db_bind_cstr(st, 17, o->workflow)) != 0)
		goto done;
	if (rc == 0)
		rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	if (rc == 0) {
		rc = db_prepare(db, "INSERT INTO dossier_versions (dossier_id, number, form_data, "
		                    "created_at, account_id, actor_name, reason) VALUES (?, 1, ?, ?, ?, "
		                    "?, 'submit')", &st);
		if (rc == 0 && (rc = db_bind_int64(st, 1, *id)) == 0 &&
		    (rc = db_bind_cstr(st, 2, form)) == 0 && (rc = db_bind_cstr(st, 3, at)) == 0 &&
		    (rc = owner > 0 ? db_bind_int64(st, 4, owner) : db_bind_null(st, 4)) == 0 &&
		    (rc = db_bind_cstr(st, 5, p->name)) == 0)
			rc = db_step_done(st);
	}
	if (rc == 0) {
		rc = db_prepare(db, "INSERT INTO dossier_events (dossier_id, at, account_id, "
		                    "actor_name, from_status, to_status, note) VALUES (?, ?, ?, ?, NULL, "
		                    "'pending', ?)", &st);
		if (rc == 0 && (rc = db_bind_int64(st, 1, *id)) == 0 &&
		    (rc = db_bind_cstr(st, 2, online ? confirmed : at)) == 0 &&
		    (rc = owner > 0 ? db_bind_int64(st, 3, owner) : db_bind_null(st, 3)) == 0 &&
		    (rc = db_bind_cstr(st, 4, p->name)) == 0 &&
		    (rc = db_bind_cstr(st, 5, online ? "Nộp hồ sơ trực tuyến và xác thực qua thư điện "
		                                       "tử" : "Nộp hồ sơ trực tiếp tại bộ phận một cửa")) == 0)
			rc = db_step_done(st);
	}
	if (rc == 0)
		rc = dossier_search_refresh(db, *id);
done:
	free(form);
	return rc;
}

/* Where a demo dossier stops, with how often: most are finished, some at each step. */
static const struct {
	const char *status;
	int weight;
} targets[] = {
	{ "pending", 12 }, { "supplement", 5 }, { "received", 6 }, { "processing", 16 },
	{ "awaiting_approval", 6 }, { "approved", 3 }, { "done", 10 }, { "returned", 34 },
	{ "refused", 4 }, { "withdrawn", 4 },
};

static const char *pick_target(void)
{
	int total = 0, r;

	for (size_t i = 0; i < COUNT(targets); i++)
		total += targets[i].weight;
	r = pick(total);
	for (size_t i = 0; i < COUNT(targets); i++)
		if ((r -= targets[i].weight) < 0)
			return targets[i].status;
	return "returned";
}

/* One step: 'a' takes 'action' at *t (moved on by some working time first).  1: done;
 * 0: not possible now (out of time, or a refusal); < 0: an error. */
static int step(const struct account_env *env, struct db *db, const struct workcal *cal,
                int64_t now_ms, const struct actor *a, int64_t id, int64_t *version, int64_t *t,
                struct flow_input in)
{
	struct flow_output out;
	struct field_errors errs;
	const char *refusal;
	int rc;

	*t = workcal_add(cal, *t, 20 + pick(8 * 60));
	if (*t >= now_ms || a->account_id == 0)
		return 0;
	in.version = *version;
	rc = dossier_act(env, db, a, *t, id, &in, &errs, &out, &refusal);
	if (rc == MC_EINVAL || rc == MC_ECONFLICT || rc == MC_EFORBIDDEN || rc == MC_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	*version = out.version;
	return 1;
}

#define STEP(a, ...) \
	do { \
		int s_ = step(env, db, cal, now_ms, (a), id, &version, &t, \
		              (struct flow_input){ __VA_ARGS__ }); \
		if (s_ <= 0) \
			return s_; \
	} while (0)

/* The citizen withdraws pending dossier 'id' at 'at', as from the dossier's page: only an
 * online dossier has a citizen to do it (a walk-in one stays pending), and only before 'now_ms'.
 * 0, or an error. */
static int withdraw(const struct account_env *env, struct db *db, int64_t now_ms, int64_t id,
                    int64_t at)
{
	struct actor owner;
	struct db_stmt *st;
	const char *refusal;
	int rc;

	memset(&owner, 0, sizeof owner);
	if (at >= now_ms)
		return 0;
	if ((rc = db_row_by_id(db, "SELECT a.id, a.full_name, a.account_type FROM dossiers d JOIN "
	                           "accounts a ON a.id = d.owner_account_id WHERE d.id = ?", id,
	                       &st)) != 0)
		return rc == MC_ENOTFOUND ? 0 : rc;
	owner.role = ROLE_CITIZEN;
	owner.account_id = db_col_int64(st, 0);
	db_col_copy(st, 1, owner.full_name, sizeof owner.full_name);
	db_col_copy(st, 2, owner.account_type, sizeof owner.account_type);
	db_reset(st);
	rc = dossier_withdraw(env, db, &owner, at, id,
	                      "Người nộp muốn bổ sung thêm giấy tờ và nộp lại sau", &refusal);
	return rc == MC_EINVAL || rc == MC_ECONFLICT ? 0 : rc;
}

/* Take dossier 'id' of 'o' from pending towards 'target', from time 't'. */
static int walk(const struct account_env *env, struct db *db, const struct workcal *cal,
                int64_t now_ms, const struct offering *o, int64_t id, int64_t t,
                const char *target)
{
	struct actor intake, specialist, leader;
	int64_t version = 1, dept = o->department;
	enum wf_variant v = wf_variant_parse(o->workflow);
	int rc;

	if (strcmp(target, "pending") == 0)
		return 0;
	if ((rc = staff_of(db, o->desk, "intake", 0, &intake)) != 0)
		return rc == MC_ENOTFOUND ? 0 : rc;
	if (strcmp(target, "refused") == 0) {
		STEP(&intake, .action = "refuse",
		     .note = "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan; đề nghị nộp tại "
		             "cơ quan có thẩm quyền.");
		return 0;
	}
	if (strcmp(target, "withdrawn") == 0)
		return withdraw(env, db, now_ms, id, workcal_add(cal, t, 60));
	if (staff_of(db, o->competent, "specialist", dept, &specialist) != 0)
		memset(&specialist, 0, sizeof specialist);
	if (staff_of(db, o->competent, "leader", 0, &leader) != 0)
		memset(&leader, 0, sizeof leader);
	STEP(&intake, .action = "receive");
	if (strcmp(target, "received") == 0)
		return 0;
	if (v == WF_NO_DEPARTMENT) {
		if (strcmp(target, "supplement") == 0) {
			STEP(&intake, .action = "request_supplement",
			     .note = "Đề nghị bổ sung bản chụp rõ nét giấy tờ tùy thân.");
			return 0;
		}
		STEP(&intake, .action = "submit_result", .result_text = "Đã chứng thực theo yêu cầu.");
		if (strcmp(target, "processing") == 0 || strcmp(target, "awaiting_approval") == 0 ||
		    strcmp(target, "approved") == 0)
			return 0;
		STEP(&leader, .action = "approve");
	} else {
		STEP(&intake, .action = "forward", .department_id = dept);
		if (strcmp(target, "processing") == 0 && pick(3) == 0)
			return 0; /* not claimed yet */
		STEP(&specialist, .action = "claim");
		if (strcmp(target, "supplement") == 0) {
			STEP(&specialist, .action = "request_supplement",
			     .note = "Đề nghị bổ sung giấy tờ chứng minh nơi cư trú.");
			return 0;
		}
		if (strcmp(target, "processing") == 0)
			return 0;
		if (v == WF_NO_LEADER) {
			STEP(&specialist, .action = "finish", .result_number = "15/QĐ-UBND",
			     .result_text = "Chấp thuận theo đề nghị của người nộp.");
		} else {
			STEP(&specialist, .action = "submit_result", .result_number = "15/QĐ-UBND",
			     .result_text = "Chấp thuận theo đề nghị của người nộp.");
			if (strcmp(target, "awaiting_approval") == 0)
				return 0;
			STEP(&leader, .action = "approve");
			if (strcmp(target, "approved") == 0)
				return 0;
			STEP(&specialist, .action = "hand_back");
		}
	}
	if (strcmp(target, "done") == 0)
		return 0;
	STEP(&intake, .action = "return", .return_method = pick(4) == 0 ? "post" : "in_person");
	return 0;
}

int demo_dossiers(const struct account_env *env, struct db *db, int n, int64_t now_ms,
                  FILE *out)
{
	struct offering *offerings = NULL;
	struct workcal *cal = NULL;
	int64_t citizen = 0, mail_before = 0;
	size_t noff = 0;
	int rc, made = 0;

	int64_t existing = 0;

	if (n <= 0)
		return 0;
	/* Run again (make run does at every start), it adds nothing: dossiers are there. */
	if ((rc = db_get_int64(db, "SELECT count(*) FROM dossiers WHERE id > ?", 0, &existing)) != 0)
		return rc;
	if (existing > 0) {
		if (out != NULL)
			fprintf(out, "motcua: the database holds dossiers already; no demonstration "
			             "dossiers added\n");
		return 0;
	}
	rnd_state = 0x9E3779B97F4A7C15ull;
	if ((rc = load_offerings(db, &offerings, &noff)) != 0)
		goto out;
	if (noff == 0) {
		rc = MC_ENOTFOUND;
		goto out;
	}
	/* Online dossiers are the demo citizen's; the others were brought to the desk. */
	if ((rc = db_get_int64(db, "SELECT coalesce(min(id), 0) FROM accounts WHERE email_key = "
	                           "'congdan@example.vn' AND id > ?", 0, &citizen)) != 0 ||
	    (rc = db_get_int64(db, "SELECT coalesce(max(id), 0) FROM mail_outbox WHERE id > ?", 0,
	                       &mail_before)) != 0)
		goto out;
	if ((cal = malloc(sizeof(*cal))) == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const struct offering *o = &offerings[pick((int)noff)];
		struct applicant p;
		int64_t id, t0;
		int online = pick(10) < 6 && citizen > 0;

		if (o->schema == NULL)
			continue;
		make_applicant(&p);
		if ((rc = workcal_load(db, o->desk, now_ms, cal)) != 0)
			goto out;
		/* Submitted during the past year, in office hours. */
		t0 = workcal_next_open(cal, now_ms - (int64_t)pick(365) * DAY_MS -
		                                (int64_t)pick(8 * 60) * 60000);
		if (t0 >= now_ms)
			t0 = now_ms - 3600 * 1000;
		if ((rc = db_begin(db)) != 0)
			goto out;
		rc = insert_pending(db, o, &p, online ? citizen : 0, t0, &id);
		if (rc == 0)
			rc = db_commit(db);
		if (rc != 0) {
			db_rollback(db);
			goto out;
		}
		if ((rc = walk(env, db, cal, now_ms, o, id, t0, pick_target())) < 0)
			goto out;
		made++;
	}
	/* The demo's dossiers tell nobody: their mails leave the outbox unsent. */
	rc = db_begin(db);
	if (rc == 0) {
		struct db_stmt *st;

		rc = db_prepare(db, "DELETE FROM mail_outbox WHERE id > ?", &st);
		if (rc == 0 && (rc = db_bind_int64(st, 1, mail_before)) == 0)
			rc = db_step_done(st);
		if (rc == 0)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	if (out != NULL)
		fprintf(out, "motcua: %d demonstration dossiers created\n", made);
out:
	for (size_t i = 0; i < noff; i++)
		json_decref(offerings[i].schema);
	free(offerings);
	free(cal);
	return rc;
}
