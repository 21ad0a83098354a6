/* dossier_walkin.c: registering a dossier brought to the desk in person (dossier_walkin.h). */
#include "domain/dossier_walkin.h"
#include "domain/dossier_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/formschema.h"
#include "domain/rows.h"
#include "domain/validate.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/db.h"

#define TEXT_SIZE 64

const char *const walkin_applicant_fields[] = { "applicant_name", "applicant_citizen_id",
                                                "applicant_phone", "applicant_email",
                                                "applicant_address" };
const size_t walkin_applicant_field_count =
	sizeof(walkin_applicant_fields) / sizeof(walkin_applicant_fields[0]);

static int is_intake(const struct actor *a)
{
	return a != NULL && a->role == ROLE_STAFF && a->staff_role == STAFF_INTAKE &&
	       a->account_id > 0 && a->agency_id > 0;
}

int walkin_offerings(struct db *db, const struct actor *a, json_t **out)
{
	struct db_stmt *st;
	json_t *list;
	int rc;

	*out = NULL;
	if (!is_intake(a))
		return MC_EFORBIDDEN;
	if ((list = json_array()) == NULL)
		return MC_ENOMEM;
	if ((rc = db_prepare(db, "SELECT o.id, p.code, p.name FROM offerings o JOIN procedures p "
	                         "ON p.id = o.procedure_id WHERE o.desk_agency_id = ? AND "
	                         "o.active = 1 AND p.active = 1 ORDER BY p.code, o.id", &st)) != 0 ||
	    (rc = db_bind_int64(st, 1, a->agency_id)) != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW)
		if (json_array_append_new(list, json_pack("{s:I, s:s, s:s}", "id",
		                                          (json_int_t)db_col_int64(st, 0), "code",
		                                          db_col_text(st, 1, NULL), "name",
		                                          db_col_text(st, 2, NULL))) != 0) {
			db_reset(st);
			rc = MC_ENOMEM;
			goto out;
		}
	if (rc != DB_DONE) {
		rc = rc < 0 ? rc : MC_EDB;
		goto out;
	}
	rc = (*out = json_pack("{s:O}", "offerings", list)) != NULL ? 0 : MC_ENOMEM;
out:
	json_decref(list);
	return rc;
}

/* The offering 'id' at the officer's desk: its procedure, agencies, workflow and form. */
struct walkin_offering {
	int64_t procedure, desk, competent;
	char workflow[TEXT_SIZE];
	json_t *schema;
	json_t *view; /* { id, procedure_code, procedure_name, desk_name, competent_name } */
};

static int load_offering(struct db *db, const struct actor *a, int64_t id,
                         struct walkin_offering *o)
{
	struct db_stmt *st;
	size_t len = 0;
	const char *text;
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = db_row_by_id(db, "SELECT o.procedure_id, o.desk_agency_id, o.competent_agency_id, "
	                           "o.workflow, p.form_schema, p.code, p.name, dk.name, ca.name "
	                           "FROM offerings o JOIN procedures p ON p.id = o.procedure_id "
	                           "JOIN agencies dk ON dk.id = o.desk_agency_id "
	                           "JOIN agencies ca ON ca.id = o.competent_agency_id "
	                           "WHERE o.id = ? AND o.active = 1 AND p.active = 1", id, &st)) != 0)
		return rc;
	o->procedure = db_col_int64(st, 0);
	o->desk = db_col_int64(st, 1);
	o->competent = db_col_int64(st, 2);
	db_col_copy(st, 3, o->workflow, sizeof o->workflow);
	text = db_col_text(st, 4, &len);
	o->schema = json_loadb(text != NULL ? text : "", len, 0, NULL);
	o->view = json_pack("{s:I, s:o, s:o, s:o, s:o}", "id", (json_int_t)id, "procedure_code",
	                    rows_text(st, 5), "procedure_name", rows_text(st, 6), "desk_name",
	                    rows_text(st, 7), "competent_name", rows_text(st, 8));
	db_reset(st);
	/* Another desk's offering looks like none at all. */
	if (o->desk != a->agency_id)
		rc = MC_ENOTFOUND;
	else if (!json_is_object(o->schema))
		rc = MC_EDB; /* the catalogue checks every form before storing it */
	else if (o->view == NULL)
		rc = MC_ENOMEM;
	if (rc != 0) {
		json_decref(o->schema);
		json_decref(o->view);
		memset(o, 0, sizeof(*o));
	}
	return rc;
}

/* What is known of the person with citizen ID 'cid': an account's details, or those of the
 * latest dossier they applied with; json null when nothing. */
static int known_person(struct db *db, const char *cid, json_t **out)
{
	static const char *const sql[] = {
		"SELECT full_name, phone, email, address FROM accounts WHERE citizen_id = ?1 AND "
		"account_type <> 'staff' AND status = 'active'",
		"SELECT applicant_name, applicant_phone, applicant_email, applicant_address FROM "
		"dossiers WHERE applicant_citizen_id = ?1 AND applicant_name <> '' ORDER BY id DESC "
		"LIMIT 1",
	};
	int rc;

	*out = json_null();
	if (cid == NULL || validate_citizen_id(cid, NULL, &(const char *){ NULL }) != 0)
		return 0;
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		struct db_stmt *st;

		if ((rc = db_prepare(db, sql[i], &st)) != 0 || (rc = db_bind_cstr(st, 1, cid)) != 0)
			return rc;
		if ((rc = db_step(st)) < 0)
			return rc;
		if (rc == DB_DONE)
			continue;
		*out = json_pack("{s:o, s:o, s:o, s:o}", "name", rows_text(st, 0), "phone",
		                 rows_text(st, 1), "email", rows_text(st, 2), "address", rows_text(st, 3));
		db_reset(st);
		return *out != NULL ? 0 : MC_ENOMEM;
	}
	return 0;
}

/* Record that officer 'a' saw the details of the person with citizen ID 'cid' (masked in the
 * record: the first three and the last two digits). */
static int audit_lookup(struct db *db, const struct actor *a, int64_t now_ms, const char *cid)
{
	char summary[96];
	int rc;

	snprintf(summary, sizeof summary, "Tra cứu thông tin người nộp có số định danh "
	                                  "%.3s*******%s", cid, cid + strlen(cid) - 2);
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = audit_record(db, a, now_ms, "view", "person", 0, a->agency_id, summary, NULL,
	                       NULL)) != 0 ||
	    (rc = db_commit(db)) != 0)
		db_rollback(db);
	return rc;
}

int walkin_form(struct db *db, const struct actor *a, int64_t now_ms, int64_t offering_id,
                const char *citizen_id, json_t **out)
{
	struct walkin_offering o;
	json_t *known = NULL;
	int rc;

	*out = NULL;
	if (!is_intake(a))
		return MC_EFORBIDDEN;
	if ((rc = load_offering(db, a, offering_id, &o)) != 0)
		return rc;
	/* A person's details found by citizen ID are personal data seen: recorded. */
	if ((rc = known_person(db, citizen_id, &known)) == 0 && json_is_object(known))
		rc = audit_lookup(db, a, now_ms, citizen_id);
	if (rc == 0 &&
	    (*out = json_pack("{s:O, s:O, s:O}", "offering", o.view, "form", o.schema, "known",
	                      known)) == NULL)
		rc = MC_ENOMEM;
	json_decref(known);
	json_decref(o.schema);
	json_decref(o.view);
	return rc;
}

/* ---- registering ---- */

/* The applicant's details checked and cleaned (trimmed; phone normalised; e-mail as typed). */
struct clean_applicant {
	char *name, *cid, *address, *email;
	char phone[VALIDATE_PHONE_SIZE];
};

static void clean_free(struct clean_applicant *c)
{
	free(c->name);
	free(c->cid);
	free(c->address);
	free(c->email);
}

/* A trimmed copy of 's' ("" for NULL). */
static char *trimmed(const char *s)
{
	const char *end;

	s = s != NULL ? s : "";
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	return strndup(s, (size_t)(end - s));
}

static int check_applicant(const struct walkin_applicant *ap, struct clean_applicant *c,
                           struct field_errors *errs)
{
	const char *msg = NULL;

	memset(c, 0, sizeof(*c));
	c->name = trimmed(ap->name);
	c->cid = trimmed(ap->citizen_id);
	c->address = trimmed(ap->address);
	c->email = trimmed(ap->email);
	if (c->name == NULL || c->cid == NULL || c->address == NULL || c->email == NULL)
		return MC_ENOMEM;
	if (validate_text(c->name, 1, WALKIN_NAME_MAX, &msg) != 0)
		field_errors_add(errs, "applicant_name", c->name[0] == '\0'
		                     ? "Vui lòng nhập họ và tên người nộp hồ sơ." : msg);
	if (validate_citizen_id(c->cid, NULL, &msg) != 0)
		field_errors_add(errs, "applicant_citizen_id", msg);
	if (ap->phone != NULL && ap->phone[0] != '\0' && validate_phone(ap->phone, c->phone, &msg) != 0)
		field_errors_add(errs, "applicant_phone", msg);
	if (c->email[0] != '\0' && validate_email(c->email, NULL, 0, &msg) != 0)
		field_errors_add(errs, "applicant_email", msg);
	if (validate_multiline_text(c->address, 5, WALKIN_ADDRESS_MAX, &msg) != 0)
		field_errors_add(errs, "applicant_address", c->address[0] == '\0'
		                     ? "Vui lòng nhập địa chỉ của người nộp hồ sơ." : msg);
	return 0;
}

static int insert_walkin(struct db *db, const struct actor *a, int64_t offering_id,
                         const struct walkin_offering *o, const struct clean_applicant *c,
                         const char *form, int64_t now_ms, int64_t *id)
{
	char now[TEXT_SIZE];
	struct db_stmt *st;
	int rc;

	clock_iso8601(now_ms, now, sizeof now);
	rc = db_prepare(db,
		"INSERT INTO dossiers (owner_account_id, offering_id, procedure_id, desk_agency_id, "
		"competent_agency_id, channel, applicant_name, applicant_citizen_id, applicant_phone, "
		"applicant_email, applicant_address, status, version, form_data, created_at, updated_at, "
		"submitted_at, confirmed_at, workflow) VALUES (NULL, ?, ?, ?, ?, 'walk_in', ?, ?, ?, ?, "
		"?, 'pending', 1, ?, ?, ?, ?, ?, ?)", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, offering_id)) != 0 ||
	    (rc = db_bind_int64(st, 2, o->procedure)) != 0 ||
	    (rc = db_bind_int64(st, 3, o->desk)) != 0 || (rc = db_bind_int64(st, 4, o->competent)) != 0 ||
	    (rc = db_bind_cstr(st, 5, c->name)) != 0 || (rc = db_bind_cstr(st, 6, c->cid)) != 0 ||
	    (rc = db_bind_cstr(st, 7, c->phone)) != 0 || (rc = db_bind_cstr(st, 8, c->email)) != 0 ||
	    (rc = db_bind_cstr(st, 9, c->address)) != 0 || (rc = db_bind_cstr(st, 10, form)) != 0 ||
	    (rc = db_bind_cstr(st, 11, now)) != 0 || (rc = db_bind_cstr(st, 12, now)) != 0 ||
	    (rc = db_bind_cstr(st, 13, now)) != 0 || (rc = db_bind_cstr(st, 14, now)) != 0 ||
	    (rc = db_bind_cstr(st, 15, o->workflow)) != 0 || (rc = db_step_done(st)) != 0)
		return rc;
	*id = db_last_id(db);
	rc = db_prepare(db, "INSERT INTO dossier_versions (dossier_id, number, form_data, created_at, "
	                    "account_id, actor_name, reason) VALUES (?, 1, ?, ?, ?, ?, 'walk_in')", &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, *id)) != 0 || (rc = db_bind_cstr(st, 2, form)) != 0 ||
	    (rc = db_bind_cstr(st, 3, now)) != 0 || (rc = db_bind_int64(st, 4, a->account_id)) != 0 ||
	    (rc = db_bind_cstr(st, 5, a->full_name)) != 0 || (rc = db_step_done(st)) != 0)
		return rc;
	return dossier_add_event_by(db, *id, now, a->account_id, a->full_name, NULL, "pending",
	                            "Người nộp mang hồ sơ đến nộp trực tiếp tại bộ phận một cửa");
}

int dossier_walk_in(const struct account_env *env, struct db *db, const struct actor *a,
                    int64_t now_ms, int64_t offering_id, const struct walkin_applicant *ap,
                    const json_t *answers, struct field_errors *errs, json_t **answer_errors,
                    int64_t *id, struct flow_output *out)
{
	struct walkin_offering o = { 0 };
	struct clean_applicant c = { 0 };
	struct flow_input in = { 0 };
	struct field_errors flow_errs;
	json_t *clean = NULL, *bad = NULL;
	const char *refusal = NULL;
	char today[16], *form = NULL;
	int rc, in_tx = 0, answers_rc;

	field_errors_init(errs);
	*answer_errors = NULL;
	*id = 0;
	memset(out, 0, sizeof(*out));
	if (!is_intake(a))
		return MC_EFORBIDDEN;
	if ((rc = load_offering(db, a, offering_id, &o)) != 0)
		return rc;
	if ((rc = check_applicant(ap, &c, errs)) != 0)
		goto out;
	clock_local_date(now_ms, today, sizeof today);
	answers_rc = formschema_check_values(o.schema, answers, today, &clean, &bad);
	if (answers_rc != 0 && answers_rc != MC_EINVAL) {
		rc = answers_rc;
		goto out;
	}
	if (clean == NULL || bad == NULL) {
		rc = MC_EINVAL;
		goto out;
	}
	if (errs->count > 0 || json_object_size(bad) > 0) {
		*answer_errors = bad;
		bad = NULL;
		rc = MC_EINVAL;
		goto out;
	}
	if ((form = json_dumps(clean, JSON_COMPACT)) == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if ((rc = db_begin(db)) != 0)
		goto out;
	in_tx = 1;
	if ((rc = insert_walkin(db, a, offering_id, &o, &c, form, now_ms, id)) != 0)
		goto out;
	in.action = "receive";
	in.version = 1;
	if ((rc = dossier_act_in(env, db, a, now_ms, *id, &in, &flow_errs, out, &refusal)) != 0)
		goto out;
	if ((rc = db_commit(db)) != 0)
		goto out;
	in_tx = 0;
	dossier_mail_wake(env);
out:
	if (in_tx) {
		db_rollback(db);
		*id = 0;
	}
	clean_free(&c);
	free(form);
	json_decref(clean);
	json_decref(bad);
	json_decref(o.schema);
	json_decref(o.view);
	return rc;
}
