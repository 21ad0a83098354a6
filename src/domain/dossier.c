/* dossier.c: a citizen's dossiers submitted online (docs/dossiers.md). */
#include "domain/dossier.h"
#include "domain/dossier_priv.h"
#include "domain/dossier_flow.h"
#include "domain/workflow.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "domain/catalog.h"
#include "domain/formschema.h"
#include "domain/ratelimit.h"
#include "domain/rows.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/token.h"
#include "mail/compose.h"
#include "mail/outbox.h"
#include "store/db.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define DATE_SIZE 16       /* "YYYY-MM-DD" */
#define STATUS_SIZE 32


const char *dossier_status_label(const char *status)
{
	const struct wf_status *s = wf_status(status);

	return s != NULL ? s->label : NULL;
}

/* A label for any status: an unknown one (added by a later workflow) shows as its name. */
const char *dossier_label(const char *status)
{
	const char *label = dossier_status_label(status);

	return label != NULL ? label : status;
}

/* Only an account-holding citizen or business acts on dossiers here. */
int dossier_is_citizen(const struct actor *a)
{
	return a != NULL && a->role == ROLE_CITIZEN && a->account_id > 0;
}

/* Editing the answers and files: a draft, or a dossier whose supplement is asked for. */
static int status_allows_edit(const char *status)
{
	return strcmp(status, DOSSIER_DRAFT) == 0 || strcmp(status, DOSSIER_SUPPLEMENT) == 0;
}

/* Withdrawal: submitted but not yet received. */
static int status_allows_withdraw(const char *status)
{
	return strcmp(status, DOSSIER_UNCONFIRMED) == 0 || strcmp(status, DOSSIER_PENDING) == 0;
}

/* Text column 'col' (an ISO-8601 time or NULL) as local time text; "" when NULL or unreadable. */
json_t *dossier_local_time(struct db_stmt *st, int col)
{
	const char *s = db_col_text(st, col, NULL);
	char out[DOSSIER_TIME_SIZE] = "";
	int64_t ms;

	if (s != NULL && clock_parse_iso8601(s, &ms) == 0)
		clock_format_local(ms, out, sizeof out);
	return json_string(out);
}

/* ---- the applicant, from the form's prefill fields ---- */

/* The applicant columns in the order of the UPDATE and INSERT statements below. */
enum { APPLICANT_NAME, APPLICANT_CITIZEN_ID, APPLICANT_PHONE, APPLICANT_EMAIL,
       APPLICANT_ADDRESS, APPLICANT_COUNT };

struct applicant {
	const char *v[APPLICANT_COUNT]; /* borrowed from the answers; never NULL after the call */
};

/* Which column an account detail fills; organisation_name stands for the name of a business
 * when the form has no full_name field. */
static int applicant_slot(const char *detail)
{
	static const char *const details[APPLICANT_COUNT] = {
		"full_name", "citizen_id", "phone", "email", "address",
	};

	for (int i = 0; i < APPLICANT_COUNT; i++)
		if (strcmp(details[i], detail) == 0)
			return i;
	return -1;
}

/* Take each applicant column from the first field that prefills it ("" when none). */
static void applicant_from_form(const json_t *schema, const json_t *values, struct applicant *ap)
{
	const char *organisation = NULL;
	size_t i, j;
	json_t *section, *field;

	memset(ap, 0, sizeof(*ap));
	json_array_foreach(json_object_get(schema, "sections"), i, section) {
		json_array_foreach(json_object_get(section, "fields"), j, field) {
			const char *detail = json_string_value(json_object_get(field, "prefill"));
			const char *name = json_string_value(json_object_get(field, "name"));
			const char *answer;
			int slot;

			if (detail == NULL || name == NULL)
				continue;
			answer = json_string_value(json_object_get(values, name));
			if (answer == NULL)
				continue;
			if (strcmp(detail, "organization_name") == 0 && organisation == NULL)
				organisation = answer;
			slot = applicant_slot(detail);
			if (slot >= 0 && ap->v[slot] == NULL)
				ap->v[slot] = answer;
		}
	}
	if (ap->v[APPLICANT_NAME] == NULL)
		ap->v[APPLICANT_NAME] = organisation;
	for (i = 0; i < APPLICANT_COUNT; i++)
		if (ap->v[i] == NULL)
			ap->v[i] = "";
}

/* ---- the timeline ---- */

/* Record a status change by account 'account_id' (0: the system, stored as NULL). */
int dossier_add_event(struct db *db, const struct dossier_event *e)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
		"INSERT INTO dossier_events (dossier_id, at, account_id, actor_name, from_status, "
		"to_status, note, internal, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, e->dossier_id)) != 0 || (rc = db_bind_cstr(st, 2, e->at)) != 0 ||
	    (rc = e->account_id > 0 ? db_bind_int64(st, 3, e->account_id) : db_bind_null(st, 3)) != 0 ||
	    (rc = db_bind_cstr(st, 4, e->actor_name)) != 0 || (rc = db_bind_cstr(st, 5, e->from)) != 0 ||
	    (rc = db_bind_cstr(st, 6, e->to)) != 0 || (rc = db_bind_cstr(st, 7, e->note)) != 0 ||
	    (rc = db_bind_int64(st, 8, e->internal != 0)) != 0 ||
	    (rc = db_bind_cstr(st, 9, e->action)) != 0)
		return rc;
	return db_step_done(st);
}

int dossier_add_event_by(struct db *db, int64_t dossier_id, const char *at, int64_t account_id,
                         const char *actor_name, const char *from, const char *to,
                         const char *note)
{
	struct dossier_event e = { .dossier_id = dossier_id, .at = at, .account_id = account_id,
		                   .actor_name = actor_name, .from = from, .to = to, .note = note };

	return dossier_add_event(db, &e);
}

static int add_event(struct db *db, int64_t dossier_id, const char *at, const struct actor *a,
                     const char *from, const char *to, const char *note)
{
	return dossier_add_event_by(db, dossier_id, at, a->account_id, a->full_name, from, to, note);
}

/* ---- start ---- */

/* The account details a form may prefill, as formschema_prefill reads them. */
static const char *const account_details[] = {
	"full_name", "email", "phone", "citizen_id", "address", "birth_date",
	"organization_name", "tax_code",
};

int dossier_load_account(struct db *db, int64_t account_id, char *type, size_t type_cap,
                         json_t **details)
{
	struct db_stmt *st;
	json_t *o = NULL;
	char status[STATUS_SIZE];
	int rc;

	*details = NULL;
	rc = db_row_by_id(db,
		"SELECT account_type, status, full_name, email, phone, citizen_id, address, "
		"birth_date, organization_name, tax_code FROM accounts WHERE id = ?", account_id, &st);
	if (rc != 0)
		return rc == MC_ENOTFOUND ? MC_EFORBIDDEN : rc;
	db_col_copy(st, 0, type, type_cap);
	db_col_copy(st, 1, status, sizeof status);
	if (strcmp(status, "active") != 0 || strcmp(type, "staff") == 0) {
		rc = MC_EFORBIDDEN;
		goto out;
	}
	o = json_object();
	if (o == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < COUNT(account_details); i++) {
		size_t len = 0;
		const char *s = db_col_text(st, (int)i + 2, &len);

		if (s == NULL || len == 0)
			continue;
		if ((rc = rows_put(o, account_details[i], json_stringn(s, len))) != 0)
			goto out;
	}
	*details = o;
	o = NULL;
	rc = 0;
out:
	db_reset(st);
	json_decref(o);
	return rc;
}

/* Whether an account of type 'account_type' may apply for a procedure whose applicants are
 * 'applicant_type'; NULL when it may, else the Vietnamese reason. */
static const char *applicant_refusal(const char *applicant_type, const char *account_type)
{
	if (strcmp(applicant_type, "both") == 0)
		return NULL;
	if (strcmp(applicant_type, account_type) == 0)
		return NULL;
	if (strcmp(applicant_type, "business") == 0)
		return "Thủ tục này dành cho doanh nghiệp, tổ chức. Vui lòng đăng nhập bằng tài khoản "
		       "doanh nghiệp để nộp hồ sơ.";
	return "Thủ tục này dành cho cá nhân. Vui lòng đăng nhập bằng tài khoản cá nhân để nộp "
	       "hồ sơ.";
}

/* Offering '?' when it is open online: it, its procedure (partial or full service) and both its
 * agencies active.  The tables are o (offering), p (procedure), d (desk), c (competent). */
#define OPEN_OFFERING_SQL \
	"FROM offerings o JOIN procedures p ON p.id = o.procedure_id " \
	"JOIN agencies d ON d.id = o.desk_agency_id " \
	"JOIN agencies c ON c.id = o.competent_agency_id " \
	"WHERE o.id = ? AND o.active = 1 AND o.online = 1 AND p.active = 1 " \
	"AND p.service_mode IN ('partial', 'full') AND d.active = 1 AND c.active = 1"

struct open_offering {
	int64_t procedure_id, desk_id, competent_id;
	char applicant_type[16];
	char workflow[16];      /* offerings.workflow, copied into the dossier */
	json_t *schema;
};

/* The offering 'offering_id' when it is open online (see dossier_start), with its procedure's
 * parsed form (o->schema, the caller's).  MC_ENOTFOUND otherwise. */
static int load_open_offering(struct db *db, int64_t offering_id, struct open_offering *o)
{
	struct db_stmt *st;
	const char *text;
	size_t len = 0;
	int rc;

	memset(o, 0, sizeof(*o));
	rc = db_row_by_id(db,
		"SELECT o.procedure_id, o.desk_agency_id, o.competent_agency_id, p.applicant_type, "
		"p.form_schema, o.workflow " OPEN_OFFERING_SQL, offering_id, &st);
	if (rc != 0)
		return rc;
	o->procedure_id = db_col_int64(st, 0);
	o->desk_id = db_col_int64(st, 1);
	o->competent_id = db_col_int64(st, 2);
	db_col_copy(st, 3, o->applicant_type, sizeof o->applicant_type);
	db_col_copy(st, 5, o->workflow, sizeof o->workflow);
	text = db_col_text(st, 4, &len);
	o->schema = json_loadb(text != NULL ? text : "", len, JSON_REJECT_DUPLICATES, NULL);
	db_reset(st);
	/* The catalogue checks every form before storing it: an unreadable one is a broken store. */
	return o->schema != NULL ? 0 : MC_EDB;
}

int dossier_offering_summary(struct db *db, const struct actor *a, int64_t offering_id,
                             json_t **out)
{
	struct db_stmt *st;
	json_t *hours;
	int rc;

	*out = NULL;
	if (a == NULL || a->role != ROLE_CITIZEN || a->account_id <= 0)
		return MC_EFORBIDDEN;
	rc = db_row_by_id(db,
		"SELECT p.code, p.name, d.name, d.address, d.phone, d.office_hours, c.name "
		OPEN_OFFERING_SQL, offering_id, &st);
	if (rc != 0)
		return rc;
	hours = catalog_format_hours(db_col_text(st, 5, NULL));
	*out = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "offering",
	                 (json_int_t)offering_id, "procedure_code", rows_text(st, 0),
	                 "procedure_name", rows_text(st, 1), "desk_name", rows_text(st, 2),
	                 "desk_address", rows_text(st, 3), "desk_phone", rows_text(st, 4),
	                 "desk_hours", hours != NULL ? hours : json_array(), "competent_name",
	                 rows_text(st, 6));
	db_reset(st);
	return *out != NULL ? 0 : MC_ENOMEM;
}

static int insert_dossier(struct db *db, const struct actor *a, const char *now, int64_t offering_id,
                          const struct open_offering *o, const struct applicant *ap,
                          const char *form_data, int64_t *id)
{
	struct db_stmt *st;
	int rc, k = 1;

	rc = db_prepare(db,
		"INSERT INTO dossiers (owner_account_id, offering_id, procedure_id, desk_agency_id, "
		"competent_agency_id, channel, applicant_name, applicant_citizen_id, applicant_phone, "
		"applicant_email, applicant_address, status, version, form_data, created_at, "
		"updated_at, workflow) VALUES (?, ?, ?, ?, ?, 'online', ?, ?, ?, ?, ?, 'draft', 1, ?, ?, "
		"?, ?)", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, k++, a->account_id)) != 0 ||
	    (rc = db_bind_int64(st, k++, offering_id)) != 0 ||
	    (rc = db_bind_int64(st, k++, o->procedure_id)) != 0 ||
	    (rc = db_bind_int64(st, k++, o->desk_id)) != 0 ||
	    (rc = db_bind_int64(st, k++, o->competent_id)) != 0)
		return rc;
	for (int i = 0; i < APPLICANT_COUNT; i++)
		if ((rc = db_bind_cstr(st, k++, ap->v[i])) != 0)
			return rc;
	if ((rc = db_bind_cstr(st, k++, form_data)) != 0 || (rc = db_bind_cstr(st, k++, now)) != 0 ||
	    (rc = db_bind_cstr(st, k++, now)) != 0 || (rc = db_bind_cstr(st, k++, o->workflow)) != 0)
		return rc;
	if ((rc = db_step_done(st)) != 0)
		return rc;
	*id = db_last_id(db);
	return 0;
}

int dossier_start(struct db *db, const struct actor *a, int64_t now_ms, int64_t offering_id,
                  int64_t *id, const char **refusal)
{
	struct open_offering o = { 0 };
	struct applicant ap;
	json_t *details = NULL, *values = NULL;
	char *form_data = NULL;
	char account_type[16], now[DOSSIER_TIME_SIZE];
	const char *why = NULL;
	int rc, in_tx = 0;

	if (refusal != NULL)
		*refusal = NULL;
	if (!dossier_is_citizen(a)) {
		why = "Vui lòng đăng nhập bằng tài khoản cá nhân hoặc doanh nghiệp để nộp hồ sơ.";
		rc = MC_EFORBIDDEN;
		goto out;
	}
	if (offering_id <= 0) {
		rc = MC_ENOTFOUND;
		goto out;
	}
	clock_iso8601(now_ms, now, sizeof now);
	if ((rc = db_begin(db)) != 0)
		goto out;
	in_tx = 1;
	rc = dossier_load_account(db, a->account_id, account_type, sizeof account_type, &details);
	if (rc == MC_EFORBIDDEN)
		why = "Tài khoản của bạn chưa được kích hoạt hoặc đã bị khóa.";
	if (rc != 0)
		goto out;
	if ((rc = load_open_offering(db, offering_id, &o)) != 0)
		goto out;
	why = applicant_refusal(o.applicant_type, account_type);
	if (why != NULL) {
		rc = MC_EFORBIDDEN;
		goto out;
	}
	values = json_object();
	if (values == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if ((rc = formschema_prefill(o.schema, details, values)) != 0)
		goto out;
	form_data = json_dumps(values, JSON_COMPACT);
	if (form_data == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	applicant_from_form(o.schema, values, &ap);
	if ((rc = insert_dossier(db, a, now, offering_id, &o, &ap, form_data, id)) != 0)
		goto out;
	if ((rc = add_event(db, *id, now, a, NULL, DOSSIER_DRAFT, "Tạo hồ sơ")) != 0)
		goto out;
	rc = db_commit(db);
out:
	if (rc != 0 && in_tx)
		db_rollback(db);
	if (rc == MC_EFORBIDDEN && refusal != NULL)
		*refusal = why;
	free(form_data);
	json_decref(values);
	json_decref(details);
	json_decref(o.schema);
	return rc;
}

/* ---- save ---- */

struct owned {
	int64_t version;
	char status[STATUS_SIZE];
	json_t *form_data;   /* the stored answers (caller's) */
	json_t *schema;      /* the procedure's form (caller's), when asked for */
};

/* Load dossier 'id' when 'a' owns it.  MC_ENOTFOUND otherwise. */
static int load_owned(struct db *db, const struct actor *a, int64_t id, int with_schema,
                      struct owned *d)
{
	struct db_stmt *st;
	const char *text;
	size_t len = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	rc = db_prepare(db,
		"SELECT d.version, d.status, d.form_data, p.form_schema FROM dossiers d "
		"JOIN procedures p ON p.id = d.procedure_id "
		"WHERE d.id = ? AND d.owner_account_id = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0 || (rc = db_bind_int64(st, 2, a->account_id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	d->version = db_col_int64(st, 0);
	db_col_copy(st, 1, d->status, sizeof d->status);
	text = db_col_text(st, 2, &len);
	d->form_data = json_loadb(text != NULL ? text : "", len, 0, NULL);
	if (with_schema) {
		text = db_col_text(st, 3, &len);
		d->schema = json_loadb(text != NULL ? text : "", len, 0, NULL);
	}
	db_reset(st);
	if (!json_is_object(d->form_data) || (with_schema && d->schema == NULL))
		return MC_EDB;
	return 0;
}

static void owned_clear(struct owned *d)
{
	json_decref(d->form_data);
	json_decref(d->schema);
	d->form_data = d->schema = NULL;
}

static int update_form(struct db *db, int64_t id, int64_t version, const char *now,
                       const struct applicant *ap, const char *form_data)
{
	struct db_stmt *st;
	int rc, k = 1;

	rc = db_prepare(db,
		"UPDATE dossiers SET applicant_name = ?, applicant_citizen_id = ?, applicant_phone = ?, "
		"applicant_email = ?, applicant_address = ?, form_data = ?, version = version + 1, "
		"updated_at = ? WHERE id = ? AND version = ?", &st);
	if (rc != 0)
		return rc;
	for (int i = 0; i < APPLICANT_COUNT; i++)
		if ((rc = db_bind_cstr(st, k++, ap->v[i])) != 0)
			return rc;
	if ((rc = db_bind_cstr(st, k++, form_data)) != 0 || (rc = db_bind_cstr(st, k++, now)) != 0 ||
	    (rc = db_bind_int64(st, k++, id)) != 0 || (rc = db_bind_int64(st, k++, version)) != 0)
		return rc;
	if ((rc = db_step_done(st)) != 0)
		return rc;
	return db_changes(db) == 1 ? 0 : MC_ECONFLICT;
}

int dossier_owned_status(struct db *db, const struct actor *a, int64_t id, int *editable)
{
	struct db_stmt *st;
	char status[STATUS_SIZE];
	int rc;

	*editable = 0;
	rc = db_prepare(db, "SELECT status FROM dossiers WHERE id = ? AND owner_account_id = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0 || (rc = db_bind_int64(st, 2, a->account_id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	db_col_copy(st, 0, status, sizeof status);
	db_reset(st);
	*editable = status_allows_edit(status);
	return 0;
}

int dossier_save_form(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                      const json_t *submitted, json_t **errors)
{
	*errors = NULL;
	if (!json_is_object(submitted))
		return dossier_is_citizen(a) ? MC_EINVAL : MC_EFORBIDDEN;
	return dossier_save(db, a, now_ms, id, submitted, NULL, 0, NULL, 0, errors);
}

int dossier_save(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                 const json_t *submitted, struct dossier_upload *u, size_t n,
                 const int64_t *remove, size_t nremove, json_t **errors)
{
	struct owned d = { 0 };
	struct applicant ap;
	json_t *clean = NULL, *errs = NULL;
	char *form_data = NULL;
	char now[DOSSIER_TIME_SIZE], today[DATE_SIZE];
	int rc, in_tx = 0;

	*errors = NULL;
	if (!dossier_is_citizen(a)) {
		rc = MC_EFORBIDDEN;
		goto out;
	}
	if (submitted != NULL && !json_is_object(submitted)) {
		rc = MC_EINVAL;
		goto out;
	}
	clock_iso8601(now_ms, now, sizeof now);
	clock_local_date(now_ms, today, sizeof today);
	if ((rc = db_begin(db)) != 0)
		goto out;
	in_tx = 1;
	if ((rc = load_owned(db, a, id, 1, &d)) != 0)
		goto out;
	if (!status_allows_edit(d.status)) {
		rc = MC_ECONFLICT;
		goto out;
	}
	/* Overlay the posted answers on the stored ones, then check the whole form: the errors
	 * describe every section, and a section not posted keeps its answers. */
	if (submitted != NULL && json_object_update(d.form_data, (json_t *)submitted) != 0) {
		rc = MC_ENOMEM;
		goto out;
	}
	rc = formschema_check_values(d.schema, d.form_data, today, &clean, &errs);
	if (clean == NULL || errs == NULL) {
		rc = rc != 0 ? rc : MC_ENOMEM;
		goto out;
	}
	form_data = json_dumps(clean, JSON_COMPACT);
	if (form_data == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	applicant_from_form(d.schema, clean, &ap);
	if ((rc = update_form(db, id, d.version, now, &ap, form_data)) != 0 ||
	    (rc = dossier_files_apply(db, id, d.version + 1, now, u, n, remove, nremove, errs)) != 0)
		goto out;
	if ((rc = db_commit(db)) != 0)
		goto out;
	*errors = errs;
	errs = NULL;
out:
	if (rc != 0 && in_tx)
		db_rollback(db);
	free(form_data);
	json_decref(clean);
	json_decref(errs);
	owned_clear(&d);
	return rc;
}

/* ---- the owner's view ---- */

static int put_timeline(struct db *db, int64_t id, json_t *out)
{
	struct db_stmt *st;
	json_t *list = json_array(), *ev, *request = NULL;
	size_t i;
	int rc;

	if (list == NULL)
		return MC_ENOMEM;
	if ((rc = rows_put(out, "timeline", list)) != 0)
		return rc;
	rc = db_prepare(db,
		"SELECT at, actor_name, from_status, to_status, "
		"CASE WHEN internal = 1 THEN '' ELSE note END FROM dossier_events "
		"WHERE dossier_id = ? AND " DOSSIER_CITIZEN_EVENT("") " ORDER BY id", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *from = db_col_text(st, 2, NULL), *to = db_col_text(st, 3, NULL);

		ev = json_object();
		if (ev == NULL || json_array_append_new(list, ev) != 0) {
			rc = MC_ENOMEM;
			break;
		}
		if ((rc = rows_put(ev, "at", dossier_local_time(st, 0))) != 0 ||
		    (rc = rows_put(ev, "actor_name", rows_text(st, 1))) != 0 ||
		    (rc = rows_put(ev, "from_status", rows_text(st, 2))) != 0 ||
		    (rc = rows_put(ev, "from_label",
		                   json_string(from != NULL ? dossier_label(from) : ""))) != 0 ||
		    (rc = rows_put(ev, "to_status", rows_text(st, 3))) != 0 ||
		    (rc = rows_put(ev, "to_label", json_string(dossier_label(to != NULL ? to : ""))))
		        != 0 ||
		    (rc = rows_put(ev, "note", rows_text(st, 4))) != 0)
			break;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		return rc < 0 ? rc : MC_EDB;
	}
	/* What the agency asked for last: the note of the latest move into a supplement (not of an
	 * entry made while it waits, such as scans attached or the dossier attached to an account). */
	json_array_foreach(list, i, ev)
		if (strcmp(json_string_value(json_object_get(ev, "to_status")), DOSSIER_SUPPLEMENT) == 0 &&
		    strcmp(json_string_value(json_object_get(ev, "from_status")), DOSSIER_SUPPLEMENT) != 0)
			request = json_object_get(ev, "note");
	return rows_put(out, "supplement_request", request != NULL ? json_incref(request)
	                                                         : json_string(""));
}

/* The times of the view, columns 13.. of the query in dossier_get, in this order. */
static const char *const view_times[] = {
	"created_at", "updated_at", "submitted_at", "confirmed_at", "received_at", "due_at",
	"withdrawn_at",
};

int dossier_get(struct db *db, const struct actor *a, int64_t id, json_t **out)
{
	struct db_stmt *st = NULL;
	json_t *o = NULL, *form = NULL;
	char status[STATUS_SIZE];
	const char *text;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (!dossier_is_citizen(a))
		return MC_EFORBIDDEN;
	rc = db_prepare(db,
		"SELECT d.id, d.version, d.offering_id, d.procedure_id, p.code, p.name, dk.name, "
		"ca.name, d.channel, d.status, d.form_data, d.receipt_no, d.applicant_name, "
		"d.created_at, d.updated_at, d.submitted_at, d.confirmed_at, d.received_at, d.due_at, "
		"d.withdrawn_at, d.withdraw_reason, p.form_schema FROM dossiers d "
		"JOIN procedures p ON p.id = d.procedure_id "
		"JOIN agencies dk ON dk.id = d.desk_agency_id "
		"JOIN agencies ca ON ca.id = d.competent_agency_id "
		"WHERE d.id = ? AND d.owner_account_id = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0 || (rc = db_bind_int64(st, 2, a->account_id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	o = json_object();
	if (o == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	db_col_copy(st, 9, status, sizeof status);
	text = db_col_text(st, 10, &len);
	form = json_loadb(text != NULL ? text : "", len, 0, NULL);
	if (form == NULL) {
		rc = MC_EDB;
		goto out;
	}
	if ((rc = rows_put(o, "id", json_integer(db_col_int64(st, 0)))) != 0 ||
	    (rc = rows_put(o, "version", json_integer(db_col_int64(st, 1)))) != 0 ||
	    (rc = rows_put(o, "offering_id", json_integer(db_col_int64(st, 2)))) != 0 ||
	    (rc = rows_put(o, "procedure_id", json_integer(db_col_int64(st, 3)))) != 0 ||
	    (rc = rows_put(o, "procedure_code", rows_text(st, 4))) != 0 ||
	    (rc = rows_put(o, "procedure_name", rows_text(st, 5))) != 0 ||
	    (rc = rows_put(o, "desk_name", rows_text(st, 6))) != 0 ||
	    (rc = rows_put(o, "competent_name", rows_text(st, 7))) != 0 ||
	    (rc = rows_put(o, "channel", rows_text(st, 8))) != 0 ||
	    (rc = rows_put(o, "status", json_string(status))) != 0 ||
	    (rc = rows_put(o, "status_label", json_string(dossier_label(status)))) != 0 ||
	    (rc = rows_put(o, "receipt_no", rows_text(st, 11))) != 0 ||
	    (rc = rows_put(o, "applicant_name", rows_text(st, 12))) != 0 ||
	    (rc = rows_put(o, "withdraw_reason", rows_text(st, 20))) != 0 ||
	    (rc = rows_put(o, "can_edit", json_boolean(status_allows_edit(status)))) != 0 ||
	    (rc = rows_put(o, "can_withdraw", json_boolean(status_allows_withdraw(status)))) != 0)
		goto out;
	rc = rows_put(o, "form_data", form);
	form = NULL;
	if (rc != 0)
		goto out;
	text = db_col_text(st, 21, &len);
	form = json_loadb(text != NULL ? text : "", len, 0, NULL);
	if (!json_is_object(form)) {
		rc = MC_EDB; /* the catalogue checks every form before storing it */
		goto out;
	}
	rc = rows_put(o, "form", form);
	form = NULL;
	if (rc != 0 ||
	    (rc = rows_put(o, "can_resend",
	                   json_boolean(strcmp(status, DOSSIER_UNCONFIRMED) == 0))) != 0 ||
	    (rc = rows_put(o, "is_draft", json_boolean(strcmp(status, DOSSIER_DRAFT) == 0))) != 0 ||
	    (rc = rows_put(o, "is_supplement",
	                   json_boolean(strcmp(status, DOSSIER_SUPPLEMENT) == 0))) != 0)
		goto out;
	for (size_t i = 0; i < COUNT(view_times); i++)
		if ((rc = rows_put(o, view_times[i], dossier_local_time(st, 13 + (int)i))) != 0)
			goto out;
	db_reset(st);
	st = NULL;
	if ((rc = put_timeline(db, id, o)) != 0 || (rc = dossier_documents_view(db, id, o)) != 0)
		goto out;
	*out = o;
	o = NULL;
out:
	if (st != NULL)
		db_reset(st);
	json_decref(form);
	json_decref(o);
	return rc;
}

/* ---- the owner's list ---- */

static int count_owned(struct db *db, int64_t account_id, int64_t *total)
{
	int rc = db_get_int64(db, "SELECT COUNT(*) FROM dossiers WHERE owner_account_id = ?",
	                      account_id, total);

	return rc == MC_ENOTFOUND ? MC_EDB : rc;
}

int dossier_list(struct db *db, const struct actor *a, int page, json_t **out)
{
	struct db_stmt *st;
	json_t *o = NULL, *items, *it;
	int64_t total = 0, pages;
	int rc;

	*out = NULL;
	if (!dossier_is_citizen(a))
		return MC_EFORBIDDEN;
	if (page < 1 || page > DOSSIER_PAGE_MAX)
		return MC_EINVAL;
	if ((rc = count_owned(db, a->account_id, &total)) != 0)
		return rc;
	pages = (total + DOSSIER_PER_PAGE - 1) / DOSSIER_PER_PAGE;
	o = json_object();
	items = json_array();
	if (o == NULL || (rc = rows_put(o, "items", items)) != 0 ||
	    (rc = rows_put(o, "total", json_integer(total))) != 0 ||
	    (rc = rows_put(o, "page", json_integer(page))) != 0 ||
	    (rc = rows_put(o, "pages", json_integer(pages))) != 0 ||
	    (rc = rows_put(o, "per_page", json_integer(DOSSIER_PER_PAGE))) != 0) {
		if (o == NULL)
			json_decref(items);
		rc = MC_ENOMEM;
		goto out;
	}
	rc = db_prepare(db,
		"SELECT d.id, p.code, p.name, dk.name, d.status, d.created_at, d.updated_at, "
		"d.submitted_at, d.receipt_no, d.due_at FROM dossiers d "
		"JOIN procedures p ON p.id = d.procedure_id "
		"JOIN agencies dk ON dk.id = d.desk_agency_id "
		"WHERE d.owner_account_id = ? ORDER BY d.updated_at DESC, d.id DESC LIMIT ? OFFSET ?",
		&st);
	if (rc != 0)
		goto out;
	if ((rc = db_bind_int64(st, 1, a->account_id)) != 0 ||
	    (rc = db_bind_int64(st, 2, DOSSIER_PER_PAGE)) != 0 ||
	    (rc = db_bind_int64(st, 3, (int64_t)(page - 1) * DOSSIER_PER_PAGE)) != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *status = db_col_text(st, 4, NULL);

		it = json_object();
		if (it == NULL || json_array_append_new(items, it) != 0) {
			rc = MC_ENOMEM;
			break;
		}
		if ((rc = rows_put(it, "id", json_integer(db_col_int64(st, 0)))) != 0 ||
		    (rc = rows_put(it, "procedure_code", rows_text(st, 1))) != 0 ||
		    (rc = rows_put(it, "procedure_name", rows_text(st, 2))) != 0 ||
		    (rc = rows_put(it, "desk_name", rows_text(st, 3))) != 0 ||
		    (rc = rows_put(it, "status", rows_text(st, 4))) != 0 ||
		    (rc = rows_put(it, "status_label",
		                   json_string(dossier_label(status != NULL ? status : "")))) != 0 ||
		    (rc = rows_put(it, "created_at", dossier_local_time(st, 5))) != 0 ||
		    (rc = rows_put(it, "updated_at", dossier_local_time(st, 6))) != 0 ||
		    (rc = rows_put(it, "submitted_at", dossier_local_time(st, 7))) != 0 ||
		    (rc = rows_put(it, "receipt_no", rows_text(st, 8))) != 0 ||
		    (rc = rows_put(it, "due_at", dossier_local_time(st, 9))) != 0)
			break;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		rc = rc < 0 ? rc : MC_EDB;
		goto out;
	}
	rc = 0;
	*out = o;
	o = NULL;
out:
	json_decref(o);
	return rc;
}

/* ---- withdrawal ---- */

const char *dossier_trim(const char *s, size_t *len)
{
	while (*len > 0 && strchr(" \t\r\n\f\v", s[0]) != NULL) {
		s++;
		(*len)--;
	}
	while (*len > 0 && strchr(" \t\r\n\f\v", s[*len - 1]) != NULL)
		(*len)--;
	return s;
}

static int mail_owner(const struct account_env *env, struct db *db, int64_t now_ms, int64_t id,
                      const char *name, const char *key, const char *value);

/* A free text typed by a person (a reason, a request) and what is wrong with it. */

/*
 * 'in' (NULL as "") without its surrounding white space, as a new string in *out (free) when it
 * is valid UTF-8 of 1 to 'max' characters.  0 (*problem NOTE_OK); MC_EINVAL with *problem saying
 * why; MC_ENOMEM.  *out is NULL on error.
 */
int dossier_clean_note(const char *in, size_t max, char **out, enum note_problem *problem)
{
	size_t len = in != NULL ? strlen(in) : 0;
	const char *text = dossier_trim(in != NULL ? in : "", &len);

	*out = NULL;
	*problem = u8_check((const uint8_t *)text, len) != NULL ? NOTE_NOT_UTF8
	         : len == 0 ? NOTE_EMPTY
	         : u8_mbsnlen((const uint8_t *)text, len) > max ? NOTE_TOO_LONG : NOTE_OK;
	if (*problem != NOTE_OK)
		return MC_EINVAL;
	*out = strndup(text, len);
	return *out != NULL ? 0 : MC_ENOMEM;
}

static int mark_withdrawn(struct db *db, int64_t id, int64_t version, const char *now,
                          const char *reason, size_t len)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
		"UPDATE dossiers SET status = 'withdrawn', withdrawn_at = ?1, withdraw_reason = ?2, "
		"finished_at = ?1, version = version + 1, updated_at = ?1 WHERE id = ?3 AND version = ?4",
		&st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, now)) != 0 || (rc = db_bind_text(st, 2, reason, len)) != 0 ||
	    (rc = db_bind_int64(st, 3, id)) != 0 || (rc = db_bind_int64(st, 4, version)) != 0)
		return rc;
	if ((rc = db_step_done(st)) != 0)
		return rc;
	return db_changes(db) == 1 ? 0 : MC_ECONFLICT;
}

int dossier_withdraw(const struct account_env *env, struct db *db, const struct actor *a,
                     int64_t now_ms, int64_t id, const char *reason, const char **refusal)
{
	struct owned d = { 0 };
	const char *why = NULL;
	char *note = NULL;
	char now[DOSSIER_TIME_SIZE];
	enum note_problem problem;
	int rc, in_tx = 0;

	if (refusal != NULL)
		*refusal = NULL;
	if (!dossier_is_citizen(a)) {
		rc = MC_EFORBIDDEN;
		goto out;
	}
	if ((rc = dossier_clean_note(reason, DOSSIER_REASON_MAX, &note, &problem)) != 0) {
		why = problem == NOTE_NOT_UTF8 ? "Lý do rút hồ sơ chứa ký tự không hợp lệ."
		    : problem == NOTE_EMPTY ? "Vui lòng nêu lý do rút hồ sơ."
		    : problem == NOTE_TOO_LONG ? "Lý do rút hồ sơ không được dài quá 1.000 ký tự."
		    : NULL;
		goto out;
	}
	clock_iso8601(now_ms, now, sizeof now);
	if ((rc = db_begin(db)) != 0)
		goto out;
	in_tx = 1;
	if ((rc = load_owned(db, a, id, 0, &d)) != 0)
		goto out;
	if (!status_allows_withdraw(d.status)) {
		why = strcmp(d.status, DOSSIER_DRAFT) == 0
			? "Hồ sơ chưa được nộp nên không cần rút; bạn có thể để nguyên bản nháp."
			: "Hồ sơ đã được tiếp nhận hoặc đã kết thúc nên không thể rút.";
		rc = MC_ECONFLICT;
		goto out;
	}
	if ((rc = mark_withdrawn(db, id, d.version, now, note, strlen(note))) != 0)
		goto out;
	if ((rc = add_event(db, id, now, a, d.status, DOSSIER_WITHDRAWN, note)) != 0 ||
	    (rc = mail_owner(env, db, now_ms, id, "dossier_withdrawn", "reason", note)) != 0)
		goto out;
	if ((rc = db_commit(db)) == 0)
		dossier_mail_wake(env);
out:
	if (rc != 0 && in_tx)
		db_rollback(db);
	if (refusal != NULL && (rc == MC_EINVAL || rc == MC_ECONFLICT))
		*refusal = why;
	free(note);
	owned_clear(&d);
	return rc;
}

/* ---- submitting and confirming ---- */

#define HOUR_MS (60LL * 60 * 1000)
#define KEY_SIZE 64         /* a rate-limit key or an error key */

void dossier_mail_wake(const struct account_env *env)
{
	if (env->mail_queued != NULL)
		env->mail_queued(env->mail_ctx);
}

/* 'base_url' followed by the formatted path into link[DOSSIER_LINK_SIZE]: 0, or MC_ETOOBIG. */
int dossier_make_link(char link[DOSSIER_LINK_SIZE], const char *base_url, const char *path,
                     const char *arg)
{
	int n = snprintf(link, DOSSIER_LINK_SIZE, "%s%s%s", base_url != NULL ? base_url : "", path, arg);

	return n >= 0 && n < DOSSIER_LINK_SIZE ? 0 : MC_ETOOBIG;
}

/*
 * What the dossier's mails say, as a new object in *data: full_name (the owner's), email,
 * procedure_name, procedure_code, agency_name (the desk), desk_address, desk_phone,
 * desk_email, desk_hours ([ { days, times, text } ], open days only), competent_name,
 * dossier_link and portal_name.  The owner's address goes to to[DOSSIER_EMAIL_SIZE].  MC_ENOTFOUND when
 * the dossier has no owner.
 */
int dossier_mail_facts(const struct account_env *env, struct db *db, int64_t id,
                      char to[DOSSIER_EMAIL_SIZE], json_t **data)
{
	struct db_stmt *st;
	json_t *o = NULL, *hours;
	char link[DOSSIER_LINK_SIZE], path[KEY_SIZE];
	int rc;

	*data = NULL;
	/* A walk-in dossier nobody attached yet is mailed to the address the applicant gave the
	 * desk, if any, and links to the lookup page. */
	rc = db_row_by_id(db,
		"SELECT coalesce(a.full_name, d.applicant_name), coalesce(a.email, d.applicant_email), "
		"p.name, p.code, dk.name, dk.address, dk.phone, dk.email, dk.office_hours, ca.name, "
		"a.id IS NULL FROM dossiers d "
		"LEFT JOIN accounts a ON a.id = d.owner_account_id "
		"JOIN procedures p ON p.id = d.procedure_id "
		"JOIN agencies dk ON dk.id = d.desk_agency_id "
		"JOIN agencies ca ON ca.id = d.competent_agency_id WHERE d.id = ?", id, &st);
	if (rc != 0)
		return rc;
	if (db_col_copy(st, 1, to, DOSSIER_EMAIL_SIZE) == 0) {
		db_reset(st);
		return MC_ENOTFOUND;
	}
	if (db_col_int64(st, 10) != 0)
		snprintf(path, sizeof path, "/lookup");
	else
		snprintf(path, sizeof path, "/dossiers/%" PRId64, id);
	if ((rc = dossier_make_link(link, env->base_url, path, "")) != 0)
		goto out;
	/* The page shows no hours when the stored ones cannot be read; so does the mail. */
	hours = catalog_format_hours(db_col_text(st, 8, NULL));
	o = json_object();
	if (o == NULL || (rc = rows_put(o, "desk_hours", hours != NULL ? hours : json_array())) != 0 ||
	    (rc = rows_put(o, "full_name", rows_text(st, 0))) != 0 ||
	    (rc = rows_put(o, "email", rows_text(st, 1))) != 0 ||
	    (rc = rows_put(o, "procedure_name", rows_text(st, 2))) != 0 ||
	    (rc = rows_put(o, "procedure_code", rows_text(st, 3))) != 0 ||
	    (rc = rows_put(o, "agency_name", rows_text(st, 4))) != 0 ||
	    (rc = rows_put(o, "desk_address", rows_text(st, 5))) != 0 ||
	    (rc = rows_put(o, "desk_phone", rows_text(st, 6))) != 0 ||
	    (rc = rows_put(o, "desk_email", rows_text(st, 7))) != 0 ||
	    (rc = rows_put(o, "competent_name", rows_text(st, 9))) != 0 ||
	    (rc = rows_put(o, "dossier_link", json_string(link))) != 0 ||
	    (rc = rows_put(o, "portal_name",
	                   json_string(env->portal_name != NULL ? env->portal_name : ""))) != 0) {
		if (o == NULL) {
			json_decref(hours);
			rc = MC_ENOMEM;
		}
		goto out;
	}
	*data = o;
	o = NULL;
out:
	db_reset(st);
	json_decref(o);
	return rc;
}

/* Render mail 'name' with 'data' and put it in the outbox, inside the caller's transaction. */
int dossier_queue_mail(const struct account_env *env, struct db *db, int64_t now_ms,
                      const char *to, const char *name, const json_t *data)
{
	struct mail_content mc = { 0 };
	int rc;

	if ((rc = mail_compose(env->templates, name, data, &mc)) != 0)
		return rc;
	rc = outbox_enqueue(db, to, mc.subject, mc.text, mc.html, env->mail_domain, now_ms, NULL);
	mail_content_free(&mc);
	return rc;
}

/*
 * Store a new confirmation token for dossier 'id', valid until 'deadline_ms', and queue the
 * confirmation mail with its link, inside the caller's transaction.  Only the token's hash is
 * stored; the token itself lives in the mail alone.
 */
static int send_confirmation(const struct account_env *env, struct db *db, int64_t id,
                             int64_t now_ms, int64_t deadline_ms)
{
	char token[TOKEN_LEN + 1], hash[TOKEN_HASH_LEN + 1], link[DOSSIER_LINK_SIZE];
	char now[DOSSIER_TIME_SIZE], expires[DOSSIER_TIME_SIZE], deadline[DOSSIER_TIME_SIZE], to[DOSSIER_EMAIL_SIZE];
	struct db_stmt *st;
	json_t *data = NULL;
	int rc;

	token_new(token);
	token_hash(token, hash);
	clock_iso8601(now_ms, now, sizeof now);
	clock_iso8601(deadline_ms, expires, sizeof expires);
	clock_format_local(deadline_ms, deadline, sizeof deadline);
	if ((rc = dossier_make_link(link, env->base_url, "/dossiers/confirm?token=", token)) != 0)
		goto out;
	rc = db_prepare(db,
		"INSERT INTO dossier_tokens (dossier_id, token_hash, created_at, expires_at) "
		"VALUES (?, ?, ?, ?)", &st);
	if (rc != 0)
		goto out;
	if ((rc = db_bind_int64(st, 1, id)) != 0 || (rc = db_bind_cstr(st, 2, hash)) != 0 ||
	    (rc = db_bind_cstr(st, 3, now)) != 0 || (rc = db_bind_cstr(st, 4, expires)) != 0 ||
	    (rc = db_step_done(st)) != 0)
		goto out;
	if ((rc = dossier_mail_facts(env, db, id, to, &data)) != 0)
		goto out;
	/* Whole hours left, rounded up: a link resent after 30 minutes still says 72. */
	if ((rc = rows_put(data, "link", json_string(link))) != 0 ||
	    (rc = rows_put(data, "hours",
	                   json_integer((deadline_ms - now_ms + HOUR_MS - 1) / HOUR_MS))) != 0 ||
	    (rc = rows_put(data, "deadline", json_string(deadline))) != 0)
		goto out;
	rc = dossier_queue_mail(env, db, now_ms, to, "dossier_confirm", data);
out:
	json_decref(data);
	return rc;
}

/*
 * Add to 'errs' "doc_<id>": "Vui lòng đính kèm <name>." for each mandatory document of the
 * dossier's procedure without a current file, in the procedure's order.
 */
static int check_documents(struct db *db, int64_t id, json_t *errs)
{
	struct db_stmt *st;
	char key[KEY_SIZE];
	int rc;

	rc = db_prepare(db,
		"SELECT pd.id, pd.name FROM dossiers d "
		"JOIN procedure_documents pd ON pd.procedure_id = d.procedure_id "
		"WHERE d.id = ? AND pd.requirement = 'mandatory' AND NOT EXISTS ("
		"SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.document_id = pd.id "
		"AND f.removed_in IS NULL) ORDER BY pd.position", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		size_t len = 0;
		const char *name = db_col_text(st, 1, &len);
		char *msg;

		/* A name that ends its own sentence gets no second full stop. */
		while (len > 0 && name[len - 1] == '.')
			len--;
		snprintf(key, sizeof key, "doc_%" PRId64, db_col_int64(st, 0));
		if (asprintf(&msg, "Vui lòng đính kèm %.*s.", (int)len, name != NULL ? name : "") < 0) {
			rc = MC_ENOMEM;
			break;
		}
		rc = rows_put(errs, key, json_string(msg));
		free(msg);
		if (rc != 0)
			break;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		return rc < 0 ? rc : MC_EDB;
	}
	return 0;
}

/*
 * Whether dossier 'id' (loaded in 'd' with its schema) can go to the desk: every answer valid
 * and every mandatory document with a file.  0 with the canonical answers in *clean; MC_EINVAL
 * with the problems in *errs (see dossier_submit); other errors.  The caller owns both objects.
 */
static int check_complete(struct db *db, int64_t id, const struct owned *d, const char *today,
                          json_t **clean, json_t **errs)
{
	int rc;

	rc = formschema_check_values(d->schema, d->form_data, today, clean, errs);
	if (*clean == NULL || *errs == NULL)
		/* The catalogue checked the form when storing it: a refusal here is a broken store. */
		return rc == MC_ENOMEM ? MC_ENOMEM : MC_EDB;
	if ((rc = check_documents(db, id, *errs)) != 0)
		return rc;
	return json_object_size(*errs) > 0 ? MC_EINVAL : 0;
}

/* MC_EINVAL with errs["offering"] when dossier 'id''s offering no longer takes dossiers
 * online (closed, or its procedure or an agency deactivated since the draft began). */
static int check_still_open(struct db *db, int64_t id, json_t *errs)
{
	int64_t offering = 0;
	int rc;

	int64_t open = 0;

	rc = db_get_int64(db, "SELECT offering_id FROM dossiers WHERE id = ?", id, &offering);
	if (rc != 0)
		return rc == MC_ENOTFOUND ? MC_EDB : rc;
	rc = db_get_int64(db, "SELECT 1 " OPEN_OFFERING_SQL, offering, &open);
	if (rc != MC_ENOTFOUND)
		return rc;
	rc = rows_put(errs, "offering",
	              json_string("Cơ quan đã chọn hiện không nhận hồ sơ trực tuyến cho thủ tục "
	                          "này. Hồ sơ vẫn được lưu nháp; vui lòng liên hệ bộ phận một cửa "
	                          "hoặc nộp tại cơ quan khác."));
	return rc != 0 ? rc : MC_EINVAL;
}

/* The submission's changes to the dossier row: draft 'version' only. */
static int mark_submitted(struct db *db, int64_t id, int64_t version, const char *now,
                          const struct applicant *ap, const char *form_data)
{
	struct db_stmt *st;
	int rc, k = 1;

	rc = db_prepare(db,
		"UPDATE dossiers SET status = 'unconfirmed', submitted_at = ?, applicant_name = ?, "
		"applicant_citizen_id = ?, applicant_phone = ?, applicant_email = ?, "
		"applicant_address = ?, form_data = ?, version = version + 1, updated_at = ? "
		"WHERE id = ? AND version = ? AND status = 'draft'", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, k++, now)) != 0)
		return rc;
	for (int i = 0; i < APPLICANT_COUNT; i++)
		if ((rc = db_bind_cstr(st, k++, ap->v[i])) != 0)
			return rc;
	if ((rc = db_bind_cstr(st, k++, form_data)) != 0 || (rc = db_bind_cstr(st, k++, now)) != 0 ||
	    (rc = db_bind_int64(st, k++, id)) != 0 || (rc = db_bind_int64(st, k++, version)) != 0)
		return rc;
	if ((rc = db_step_done(st)) != 0)
		return rc;
	return db_changes(db) == 1 ? 0 : MC_ECONFLICT;
}

/* Freeze 'form_data' as version 'number' of dossier 'id'. */
static int insert_version(struct db *db, int64_t id, int64_t number, const char *form_data,
                          const char *now, const struct actor *a, const char *reason)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
		"INSERT INTO dossier_versions (dossier_id, number, form_data, created_at, account_id, "
		"actor_name, reason) VALUES (?, ?, ?, ?, ?, ?, ?)", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0 || (rc = db_bind_int64(st, 2, number)) != 0 ||
	    (rc = db_bind_cstr(st, 3, form_data)) != 0 || (rc = db_bind_cstr(st, 4, now)) != 0 ||
	    (rc = db_bind_int64(st, 5, a->account_id)) != 0 ||
	    (rc = db_bind_cstr(st, 6, a->full_name)) != 0 || (rc = db_bind_cstr(st, 7, reason)) != 0)
		return rc;
	return db_step_done(st);
}

/* A dossier on its way to the desk: a submission, or an update after a supplement request. */
struct sending {
	struct owned d;
	struct applicant ap;       /* borrows from 'clean' */
	json_t *clean;            /* the checked answers in canonical form */
	char *form_data;          /* 'clean' as JSON text: what the desk gets, what is frozen */
	char now[DOSSIER_TIME_SIZE];
};

static void sending_clear(struct sending *s)
{
	free(s->form_data);
	json_decref(s->clean);
	owned_clear(&s->d);
	memset(s, 0, sizeof(*s));
}

/*
 * The start both share: open a transaction, load dossier 'id' of citizen 'a' in 'status' and
 * check it is complete (with 'still_open', also that its offering still takes dossiers online).
 * 0: the transaction is open and *s filled.  MC_EINVAL: *errors (caller owns) says what is
 * wrong.  On any error the transaction is rolled back and *s released; on success release it
 * with end_sending.
 */
static int begin_sending(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                         const char *status, int still_open, struct sending *s,
                         json_t **errors)
{
	json_t *errs = NULL;
	char today[DATE_SIZE];
	int rc;

	memset(s, 0, sizeof(*s));
	*errors = NULL;
	if (!dossier_is_citizen(a))
		return MC_EFORBIDDEN;
	clock_iso8601(now_ms, s->now, sizeof s->now);
	clock_local_date(now_ms, today, sizeof today);
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = load_owned(db, a, id, 1, &s->d)) != 0)
		goto out;
	if (strcmp(s->d.status, status) != 0) {
		rc = MC_ECONFLICT;
		goto out;
	}
	if ((rc = check_complete(db, id, &s->d, today, &s->clean, &errs)) != 0 ||
	    (still_open && (rc = check_still_open(db, id, errs)) != 0)) {
		if (rc == MC_EINVAL) {
			*errors = errs;
			errs = NULL;
		}
		goto out;
	}
	s->form_data = json_dumps(s->clean, JSON_COMPACT);
	if (s->form_data == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	applicant_from_form(s->d.schema, s->clean, &s->ap);
out:
	if (rc != 0) {
		db_rollback(db);
		sending_clear(s);
	}
	json_decref(errs);
	return rc;
}

/* The end both share: commit when 'rc' is 0 (then wake the mail sender), else roll back. */
static int end_sending(const struct account_env *env, struct db *db, struct sending *s, int rc)
{
	if (rc == 0 && (rc = db_commit(db)) == 0)
		dossier_mail_wake(env);
	else
		db_rollback(db);
	sending_clear(s);
	return rc;
}

int dossier_submit(const struct account_env *env, struct db *db, const struct actor *a,
                   int64_t now_ms, int64_t id, json_t **errors)
{
	struct sending s;
	int rc;

	if ((rc = begin_sending(db, a, now_ms, id, DOSSIER_DRAFT, 1, &s, errors)) != 0)
		return rc;
	if ((rc = mark_submitted(db, id, s.d.version, s.now, &s.ap, s.form_data)) == 0 &&
	    (rc = insert_version(db, id, s.d.version + 1, s.form_data, s.now, a, "submit")) == 0 &&
	    (rc = add_event(db, id, s.now, a, DOSSIER_DRAFT, DOSSIER_UNCONFIRMED,
	                    "Nộp hồ sơ trực tuyến, chờ xác thực qua thư điện tử")) == 0 &&
	    (rc = dossier_search_refresh(db, id)) == 0)
		rc = send_confirmation(env, db, id, now_ms, now_ms + DOSSIER_CONFIRM_MS);
	return end_sending(env, db, &s, rc);
}

/* What a confirmation token points at. */
struct token_row {
	int64_t id, dossier_id, owner_id;
	int used, expired;
	char status[STATUS_SIZE];
	char owner_name[512];
};

/* Find the token of hash 'hash' at 'now': 0 with *found set, or an error. */
static int find_token(struct db *db, const char *hash, const char *now, struct token_row *t,
                      int *found)
{
	struct db_stmt *st;
	int rc;

	*found = 0;
	rc = db_prepare(db,
		"SELECT t.id, t.dossier_id, t.used_at IS NOT NULL, t.expires_at <= ?, d.status, "
		"d.owner_account_id, a.full_name FROM dossier_tokens t "
		"JOIN dossiers d ON d.id = t.dossier_id "
		"LEFT JOIN accounts a ON a.id = d.owner_account_id WHERE t.token_hash = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, now)) != 0 || (rc = db_bind_cstr(st, 2, hash)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return 0;
	t->id = db_col_int64(st, 0);
	t->dossier_id = db_col_int64(st, 1);
	t->used = db_col_int64(st, 2) != 0;
	t->expired = db_col_int64(st, 3) != 0;
	db_col_copy(st, 4, t->status, sizeof t->status);
	t->owner_id = db_col_int64(st, 5);
	db_col_copy(st, 6, t->owner_name, sizeof t->owner_name);
	db_reset(st);
	*found = 1;
	return 0;
}

/* The confirmation's changes: the token used, the dossier pending.  TOKEN_USED or
 * TOKEN_INVALID in *how when another request got there first. */
static int mark_confirmed(struct db *db, const struct token_row *t, const char *now,
                          enum token_outcome *how)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
		"UPDATE dossier_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, now)) != 0 || (rc = db_bind_int64(st, 2, t->id)) != 0 ||
	    (rc = db_step_done(st)) != 0)
		return rc;
	if (db_changes(db) != 1) {
		*how = TOKEN_USED;
		return 0;
	}
	rc = db_prepare(db,
		"UPDATE dossiers SET status = 'pending', confirmed_at = ?, version = version + 1, "
		"updated_at = ? WHERE id = ? AND status = 'unconfirmed'", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, now)) != 0 || (rc = db_bind_cstr(st, 2, now)) != 0 ||
	    (rc = db_bind_int64(st, 3, t->dossier_id)) != 0 || (rc = db_step_done(st)) != 0)
		return rc;
	*how = db_changes(db) == 1 ? TOKEN_OK : TOKEN_INVALID;
	return 0;
}

int dossier_confirm(const struct account_env *env, struct db *db, const char *token,
                    int64_t now_ms, int64_t *id, enum token_outcome *outcome)
{
	struct token_row t = { 0 };
	enum token_outcome how = TOKEN_INVALID;
	char hash[TOKEN_HASH_LEN + 1], now[DOSSIER_TIME_SIZE], to[DOSSIER_EMAIL_SIZE];
	json_t *data = NULL;
	int rc = 0, found = 0, in_tx = 0;

	if (id != NULL)
		*id = 0;
	if (token == NULL || !token_valid_shape(token))
		goto out;
	token_hash(token, hash);
	clock_iso8601(now_ms, now, sizeof now);
	if ((rc = db_begin(db)) != 0)
		goto out;
	in_tx = 1;
	if ((rc = find_token(db, hash, now, &t, &found)) != 0 || !found)
		goto out;
	/* Used before expired: a link already followed says so even after its 72 hours. */
	if (t.used) {
		how = TOKEN_USED;
		goto out;
	}
	if (t.expired) {
		how = TOKEN_EXPIRED;
		goto out;
	}
	/* Withdrawn or expired meanwhile: the link leads nowhere any more. */
	if (strcmp(t.status, DOSSIER_UNCONFIRMED) != 0)
		goto out;
	if ((rc = mark_confirmed(db, &t, now, &how)) != 0 || how != TOKEN_OK)
		goto out;
	if ((rc = dossier_add_event_by(db, t.dossier_id, now, t.owner_id, t.owner_name,
	                       DOSSIER_UNCONFIRMED, DOSSIER_PENDING,
	                       "Đã xác thực hồ sơ qua thư điện tử")) != 0 ||
	    (rc = dossier_mail_facts(env, db, t.dossier_id, to, &data)) != 0 ||
	    (rc = dossier_queue_mail(env, db, now_ms, to, "dossier_received", data)) != 0)
		goto out;
	if ((rc = db_commit(db)) != 0)
		goto out;
	in_tx = 0;
	dossier_mail_wake(env);
out:
	/* Only TOKEN_OK commits; every other outcome leaves the database as it was. */
	if (in_tx)
		db_rollback(db);
	if (rc != 0)
		how = TOKEN_INVALID;
	if (how == TOKEN_OK && id != NULL)
		*id = t.dossier_id;
	*outcome = how;
	json_decref(data);
	return rc;
}

/* submitted_at of dossier 'id' in *ms. */
static int submitted_at(struct db *db, int64_t id, int64_t *ms)
{
	struct db_stmt *st;
	const char *s;
	int rc;

	if ((rc = db_row_by_id(db, "SELECT submitted_at FROM dossiers WHERE id = ?", id, &st)) != 0)
		return rc;
	s = db_col_text(st, 0, NULL);
	rc = s != NULL && clock_parse_iso8601(s, ms) == 0 ? 0 : MC_EDB;
	db_reset(st);
	return rc;
}

/* Every live link of dossier 'id' stops working (a newer one replaces them). */
static int retire_tokens(struct db *db, int64_t id, const char *now)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
		"UPDATE dossier_tokens SET used_at = ? WHERE dossier_id = ? AND used_at IS NULL", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, now)) != 0 || (rc = db_bind_int64(st, 2, id)) != 0)
		return rc;
	return db_step_done(st);
}

int dossier_resend_confirmation(const struct account_env *env, struct db *db,
                                const struct actor *a, int64_t now_ms, int64_t id)
{
	struct owned d = { 0 };
	char now[DOSSIER_TIME_SIZE], key[KEY_SIZE];
	int64_t submitted = 0;
	int rc, in_tx = 0;

	if (!dossier_is_citizen(a)) {
		rc = MC_EFORBIDDEN;
		goto out;
	}
	clock_iso8601(now_ms, now, sizeof now);
	if ((rc = db_begin(db)) != 0)
		goto out;
	in_tx = 1;
	if ((rc = load_owned(db, a, id, 0, &d)) != 0)
		goto out;
	if (strcmp(d.status, DOSSIER_UNCONFIRMED) != 0) {
		rc = MC_ECONFLICT;
		goto out;
	}
	if ((rc = submitted_at(db, id, &submitted)) != 0)
		goto out;
	if (submitted + DOSSIER_CONFIRM_MS <= now_ms) {
		rc = MC_ECONFLICT;
		goto out;
	}
	/* Its own key: confirmation links must not use up the account's reset mails. */
	snprintf(key, sizeof key, "dossier-acct:%" PRId64, a->account_id);
	rc = rate_hit(db, &RATE_MAIL, key, now_ms);
	if (rc == MC_ELIMIT) {
		/* Keep the count and the wait: only the mail is refused. */
		if ((rc = db_commit(db)) == 0) {
			in_tx = 0;
			rc = MC_ELIMIT;
		}
		goto out;
	}
	if (rc != 0 || (rc = retire_tokens(db, id, now)) != 0 ||
	    (rc = send_confirmation(env, db, id, now_ms, submitted + DOSSIER_CONFIRM_MS)) != 0)
		goto out;
	if ((rc = db_commit(db)) != 0)
		goto out;
	in_tx = 0;
	dossier_mail_wake(env);
out:
	if (in_tx && rc != 0)
		db_rollback(db);
	owned_clear(&d);
	return rc;
}

/* One batch of the sweep: up to DOSSIER_SWEEP_BATCH dossiers found, *expired of them changed. */
static int expire_batch(const struct account_env *env, struct db *db, int64_t now_ms,
                        const char *now, const char *cutoff, size_t *found, int64_t *expired)
{
	int64_t ids[DOSSIER_SWEEP_BATCH];
	struct db_stmt *st;
	size_t n = 0;
	int rc;

	*found = 0;
	*expired = 0;
	rc = db_prepare(db,
		"SELECT id FROM dossiers WHERE status = 'unconfirmed' AND submitted_at <= ? "
		"ORDER BY id LIMIT ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, cutoff)) != 0 ||
	    (rc = db_bind_int64(st, 2, DOSSIER_SWEEP_BATCH)) != 0)
		return rc;
	/* Read the ids first: the rows change below. */
	while (n < DOSSIER_SWEEP_BATCH && (rc = db_step(st)) == DB_ROW)
		ids[n++] = db_col_int64(st, 0);
	if (rc < 0)
		return rc;
	db_reset(st);
	*found = n;
	for (size_t i = 0; i < n; i++) {
		rc = db_prepare(db,
			"UPDATE dossiers SET status = 'expired', version = version + 1, updated_at = ? "
			"WHERE id = ? AND status = 'unconfirmed'", &st);
		if (rc != 0)
			return rc;
		if ((rc = db_bind_cstr(st, 1, now)) != 0 || (rc = db_bind_int64(st, 2, ids[i])) != 0 ||
		    (rc = db_step_done(st)) != 0)
			return rc;
		if (db_changes(db) != 1)
			continue;
		if ((rc = dossier_add_event_by(db, ids[i], now, 0, DOSSIER_SYSTEM_NAME,
		                               DOSSIER_UNCONFIRMED, DOSSIER_EXPIRED,
		                               "Hết hạn xác thực sau 72 giờ")) != 0)
			return rc;
		/* An address the outbox refuses must not keep the dossier from expiring: the page
		 * and the timeline say it all the same. */
		rc = mail_owner(env, db, now_ms, ids[i], "dossier_expired", NULL, NULL);
		if (rc != 0 && rc != MC_EINVAL)
			return rc;
		(*expired)++;
	}
	return 0;
}

int dossier_expire_unconfirmed(const struct account_env *env, struct db *db, int64_t now_ms,
                               int64_t *count)
{
	char now[DOSSIER_TIME_SIZE], cutoff[DOSSIER_TIME_SIZE];
	int64_t total = 0, expired;
	size_t found;
	int rc;

	clock_iso8601(now_ms, now, sizeof now);
	clock_iso8601(now_ms - DOSSIER_CONFIRM_MS, cutoff, sizeof cutoff);
	do {
		if ((rc = db_begin(db)) != 0)
			break;
		rc = expire_batch(env, db, now_ms, now, cutoff, &found, &expired);
		if (rc == 0)
			rc = db_commit(db);
		if (rc != 0) {
			db_rollback(db);
			break;
		}
		total += expired;
		if (expired > 0)
			dossier_mail_wake(env);
		/* A full batch may have more behind it; one that changed nothing cannot go on. */
	} while (found == DOSSIER_SWEEP_BATCH && expired > 0);
	if (count != NULL)
		*count = total;
	return rc;
}

int dossier_desk_queue_count(struct db *db, int64_t desk_agency_id, int64_t *count)
{
	int rc;

	*count = 0;
	rc = db_get_int64(db, "SELECT COUNT(*) FROM dossiers WHERE desk_agency_id = ? "
	                  "AND status = 'pending'", desk_agency_id, count);
	return rc == MC_ENOTFOUND ? MC_EDB : rc;
}

/* ---- supplements (bổ sung) ---- */

int dossier_staff_handles(const struct actor *a)
{
	return a != NULL && a->role == ROLE_STAFF && a->account_id > 0 && a->agency_id > 0 &&
	       (a->staff_role == STAFF_INTAKE || a->staff_role == STAFF_SPECIALIST ||
	        a->staff_role == STAFF_LEADER);
}

/* Move dossier 'id' at 'version' from status 'from' to 'to'. */
static int move_status(struct db *db, int64_t id, int64_t version, const char *from,
                       const char *to, const char *now)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
		"UPDATE dossiers SET status = ?, version = version + 1, updated_at = ? "
		"WHERE id = ? AND version = ? AND status = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, to)) != 0 || (rc = db_bind_cstr(st, 2, now)) != 0 ||
	    (rc = db_bind_int64(st, 3, id)) != 0 || (rc = db_bind_int64(st, 4, version)) != 0 ||
	    (rc = db_bind_cstr(st, 5, from)) != 0 || (rc = db_step_done(st)) != 0)
		return rc;
	return db_changes(db) == 1 ? 0 : MC_ECONFLICT;
}

/* Queue mail 'name' for the owner of dossier 'id' with the mail facts, 'key' = 'value' and the
 * edit link; a dossier without an owner (walk-in, not attached) gets none. */
static int mail_owner(const struct account_env *env, struct db *db, int64_t now_ms, int64_t id,
                      const char *name, const char *key, const char *value)
{
	char to[DOSSIER_EMAIL_SIZE], link[DOSSIER_LINK_SIZE], path[64];
	json_t *data = NULL;
	int rc;

	rc = dossier_mail_facts(env, db, id, to, &data);
	if (rc == MC_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	snprintf(path, sizeof path, "/dossiers/%" PRId64 "/edit", id);
	if ((rc = dossier_make_link(link, env->base_url, path, "")) != 0 ||
	    (rc = rows_put(data, "edit_link", json_string(link))) != 0 ||
	    (key != NULL && (rc = rows_put(data, key, json_string(value))) != 0))
		goto out;
	/* The outbox refuses an address on file it cannot write to (nothing is queued): the
	 * citizen's action stands without its mail, as a sweep's does. */
	if ((rc = dossier_queue_mail(env, db, now_ms, to, name, data)) == MC_EINVAL)
		rc = 0;
out:
	json_decref(data);
	return rc;
}

int dossier_update_supplement(const struct account_env *env, struct db *db,
                              const struct actor *a, int64_t now_ms, int64_t id,
                              json_t **errors)
{
	struct sending s;
	int rc;

	if ((rc = begin_sending(db, a, now_ms, id, DOSSIER_SUPPLEMENT, 0, &s, errors)) != 0)
		return rc;
	/* The frozen version holds the files current now: those added since the last one have
	 * added_in <= this number, those taken out have removed_in <= it. */
	if ((rc = update_form(db, id, s.d.version, s.now, &s.ap, s.form_data)) == 0 &&
	    (rc = move_status(db, id, s.d.version + 1, DOSSIER_SUPPLEMENT, DOSSIER_PENDING,
	                      s.now)) == 0 &&
	    (rc = dossier_flow_resume(db, id, now_ms)) == 0 &&
	    (rc = insert_version(db, id, s.d.version + 2, s.form_data, s.now, a, "supplement")) == 0 &&
	    (rc = add_event(db, id, s.now, a, DOSSIER_SUPPLEMENT, DOSSIER_PENDING,
	                    "Cập nhật nội dung hồ sơ theo yêu cầu bổ sung")) == 0 &&
	    (rc = dossier_search_refresh(db, id)) == 0)
		rc = mail_owner(env, db, now_ms, id, "dossier_updated", NULL, NULL);
	return end_sending(env, db, &s, rc);
}

/* ---- the version history ---- */

/* The files of version 'number' that the previous version 'prev' did not hold ('added'), or
 * that 'prev' held and 'number' does not (!added), as [ { id, name, size } ]. */
static int version_files(struct db *db, int64_t id, int64_t prev, int64_t number, int added,
                         json_t *out, const char *key)
{
	struct db_stmt *st;
	json_t *list = json_array(), *f;
	int rc;

	if (list == NULL)
		return MC_ENOMEM;
	if ((rc = rows_put(out, key, list)) != 0)
		return rc;
	/* Held by version v: added_in <= v and (removed_in IS NULL or removed_in > v). */
	rc = db_prepare(db, added
		? "SELECT id, name, size FROM dossier_files WHERE dossier_id = ? "
		  "AND added_in <= ?2 AND (removed_in IS NULL OR removed_in > ?2) "
		  "AND NOT (added_in <= ?3 AND (removed_in IS NULL OR removed_in > ?3)) ORDER BY id"
		: "SELECT id, name, size FROM dossier_files WHERE dossier_id = ? "
		  "AND added_in <= ?3 AND (removed_in IS NULL OR removed_in > ?3) "
		  "AND NOT (added_in <= ?2 AND (removed_in IS NULL OR removed_in > ?2)) ORDER BY id",
		&st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0 || (rc = db_bind_int64(st, 2, number)) != 0 ||
	    (rc = db_bind_int64(st, 3, prev)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		f = json_object();
		if (f == NULL || json_array_append_new(list, f) != 0 ||
		    rows_put(f, "id", json_integer(db_col_int64(st, 0))) != 0 ||
		    rows_put(f, "name", rows_text(st, 1)) != 0 ||
		    rows_put(f, "size", json_integer(db_col_int64(st, 2))) != 0) {
			db_reset(st);
			return MC_ENOMEM;
		}
	}
	return rc == DB_DONE ? 0 : rc < 0 ? rc : MC_EDB;
}

/* The answers that differ between 'before' and 'after' (objects), as [ { name, before,
 * after } ] with null for an answer absent on one side. */
static json_t *changed_answers(const json_t *before, const json_t *after)
{
	json_t *list = json_array(), *v, *w;
	const char *name;

	if (list == NULL)
		return NULL;
	json_object_foreach((json_t *)after, name, v) {
		w = json_object_get(before, name);
		if (w != NULL && json_equal(v, w))
			continue;
		if (json_array_append_new(list, json_pack("{s:s, s:O?, s:O}", "name", name, "before",
		                                          w, "after", v)) != 0)
			goto fail;
	}
	json_object_foreach((json_t *)before, name, w) {
		if (json_object_get(after, name) != NULL)
			continue;
		if (json_array_append_new(list, json_pack("{s:s, s:O, s:n}", "name", name, "before",
		                                          w, "after")) != 0)
			goto fail;
	}
	return list;
fail:
	json_decref(list);
	return NULL;
}

int dossier_versions(struct db *db, const struct actor *a, int64_t id, json_t **out)
{
	struct db_stmt *st;
	json_t *list = NULL, *v, *prev_data = NULL;
	int64_t prev = 0;
	int rc, editable;
	size_t i;

	*out = NULL;
	if (dossier_is_citizen(a)) {
		if ((rc = dossier_owned_status(db, a, id, &editable)) != 0)
			return rc;
	} else if ((rc = dossier_flow_visible(db, a, id)) != 0) {
		return rc;
	}
	list = json_array();
	if (list == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db,
		"SELECT number, created_at, actor_name, reason, form_data FROM dossier_versions "
		"WHERE dossier_id = ? ORDER BY number", &st);
	if (rc != 0)
		goto out;
	if ((rc = db_bind_int64(st, 1, id)) != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *reason = db_col_text(st, 3, NULL), *text;
		size_t len = 0;

		text = db_col_text(st, 4, &len);
		v = json_object();
		if (v == NULL || json_array_append_new(list, v) != 0 ||
		    rows_put(v, "number", json_integer(db_col_int64(st, 0))) != 0 ||
		    rows_put(v, "at", dossier_local_time(st, 1)) != 0 ||
		    rows_put(v, "actor_name", rows_text(st, 2)) != 0 ||
		    rows_put(v, "reason", rows_text(st, 3)) != 0 ||
		    rows_put(v, "reason_label",
		             json_string(reason == NULL ? "Nộp hồ sơ"
		                         : strcmp(reason, "supplement") == 0 ? "Cập nhật bổ sung"
		                         : strcmp(reason, "walk_in") == 0
		                             ? "Nộp trực tiếp tại bộ phận một cửa"
		                             : "Nộp hồ sơ")) != 0 ||
		    rows_put(v, "form_data", json_loadb(text != NULL ? text : "{}", len, 0, NULL))
		        != 0) {
			db_reset(st);
			rc = MC_ENOMEM;
			goto out;
		}
	}
	if (rc != DB_DONE) {
		rc = rc < 0 ? rc : MC_EDB;
		goto out;
	}
	/* Each version against the one before it (the first against nothing). */
	json_array_foreach(list, i, v) {
		int64_t number = json_integer_value(json_object_get(v, "number"));
		json_t *data = json_object_get(v, "form_data"), *empty = json_object();
		json_t *changes = changed_answers(prev_data != NULL ? prev_data : empty, data);

		json_decref(empty);
		if (changes == NULL || (rc = rows_put(v, "changes", changes)) != 0 ||
		    (rc = version_files(db, id, prev, number, 1, v, "files_added")) != 0 ||
		    (rc = version_files(db, id, prev, number, 0, v, "files_removed")) != 0) {
			rc = rc != 0 ? rc : MC_ENOMEM;
			goto out;
		}
		prev = number;
		prev_data = data;
	}
	*out = list;
	list = NULL;
	rc = 0;
out:
	json_decref(list);
	return rc;
}

/* ---- read-only checks and views ---- */

int dossier_check(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                  json_t **errors)
{
	struct owned d = { 0 };
	json_t *clean = NULL, *errs = NULL;
	char today[DATE_SIZE];
	int rc;

	*errors = NULL;
	if (!dossier_is_citizen(a))
		return MC_EFORBIDDEN;
	clock_local_date(now_ms, today, sizeof today);
	if ((rc = load_owned(db, a, id, 1, &d)) != 0)
		goto out;
	rc = check_complete(db, id, &d, today, &clean, &errs);
	if (rc == 0 || rc == MC_EINVAL)
		rc = strcmp(d.status, DOSSIER_DRAFT) == 0 ? check_still_open(db, id, errs) : 0;
	if (rc == 0 || rc == MC_EINVAL) {
		*errors = errs;
		errs = NULL;
		rc = 0;
	}
out:
	json_decref(clean);
	json_decref(errs);
	owned_clear(&d);
	return rc;
}

int dossier_confirmation_facts(const struct account_env *env, struct db *db, int64_t id,
                               json_t **out)
{
	char to[DOSSIER_EMAIL_SIZE];

	return dossier_mail_facts(env, db, id, to, out);
}
