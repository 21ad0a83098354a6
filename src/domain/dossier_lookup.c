/* dossier_lookup.c: looking a dossier up by procedure, desk agency and receipt number, and
 * attaching a walk-in dossier to its applicant's account (dossier_lookup.h). */
#include "domain/dossier_lookup.h"
#include "domain/dossier.h"
#include "domain/dossier_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "domain/procedure.h"
#include "domain/ratelimit.h"
#include "domain/rows.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/db.h"

#define STATUS_SIZE 32
#define CITIZEN_ID_SIZE 32     /* accounts.citizen_id: 12 digits */
#define RATE_KEY_SIZE 48       /* "acct:<id>" */
#define ACCOUNT_NAME_SIZE 512  /* accounts.full_name, as the account forms allow */
#define NOTE_SIZE (ACCOUNT_NAME_SIZE + 64)

/* ---- what was typed ---- */

/*
 * The receipt number 'typed' as receipts are stored: without the white space around it and with
 * its letters in upper case (they come from agency codes such as "000.00.06.H56"), into
 * out[LOOKUP_RECEIPT_MAX + 1].  NULL, or the Vietnamese reason it cannot be a receipt number.
 */
static const char *receipt_canonical(const char *typed, char *out)
{
	size_t len = strlen(typed);
	const char *s = dossier_trim(typed, &len);

	if (len == 0)
		return "Vui lòng nhập số biên nhận (mã hồ sơ) ghi trên giấy tiếp nhận.";
	/* Characters first: after this loop every byte is one ASCII character. */
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '/'))
			return "Số biên nhận chỉ gồm chữ cái không dấu, chữ số và các dấu chấm (.), "
			       "gạch ngang (-), gạch chéo (/).";
	}
	if (len > LOOKUP_RECEIPT_MAX)
		return "Số biên nhận không được dài quá 64 ký tự.";
	for (size_t i = 0; i < len; i++)
		out[i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
	out[len] = '\0';
	return NULL;
}

/* The procedure code 'typed' without surrounding white space into
 * out[LOOKUP_PROCEDURE_MAX + 1].  NULL, or the Vietnamese reason it is not a code. */
static const char *procedure_canonical(const char *typed, char *out)
{
	size_t len = strlen(typed);
	const char *s = dossier_trim(typed, &len);

	if (len == 0)
		return "Vui lòng nhập mã thủ tục ghi trên giấy tiếp nhận, ví dụ 1.001193.";
	if (len > LOOKUP_PROCEDURE_MAX)
		len = LOOKUP_PROCEDURE_MAX; /* too long for a code: refused just below */
	memcpy(out, s, len);
	out[len] = '\0';
	if (!procedure_code_valid(out))
		return "Mã thủ tục gồm một chữ số, dấu chấm và sáu chữ số, ví dụ 1.001193.";
	return NULL;
}

/* ---- the lookup ---- */

/* One query, so the dossier and its timeline are read from one snapshot: the dossier's columns
 * repeat on each of its events (LEFT JOIN: a dossier without events still comes back once).
 * The unique index on receipt_no finds the row; the procedure and the desk must match too. */
static const char lookup_sql[] =
	"SELECT d.id, d.owner_account_id, d.channel, d.status, d.receipt_no, d.applicant_name, "
	"d.applicant_citizen_id, me.citizen_id, p.code, p.name, dk.name, ca.name, d.submitted_at, "
	"d.received_at, d.due_at, d.updated_at, e.at, e.actor_name, e.from_status, e.to_status, "
	"CASE WHEN e.internal = 1 THEN '' ELSE e.note END FROM dossiers d "
	"JOIN procedures p ON p.id = d.procedure_id "
	"JOIN agencies dk ON dk.id = d.desk_agency_id "
	"JOIN agencies ca ON ca.id = d.competent_agency_id "
	"LEFT JOIN accounts me ON me.id = ? "
	"LEFT JOIN dossier_events e ON e.dossier_id = d.id AND " DOSSIER_CITIZEN_EVENT("e.") " "
	"WHERE d.receipt_no = ? AND p.code = ? AND d.desk_agency_id = ? AND d.status <> 'draft' "
	"ORDER BY e.id";

/* The columns of lookup_sql. */
enum { C_ID, C_OWNER, C_CHANNEL, C_STATUS, C_RECEIPT, C_APPLICANT, C_APPLICANT_CID, C_MY_CID,
       C_PCODE, C_PNAME, C_DESK, C_COMPETENT, C_SUBMITTED, C_RECEIVED, C_DUE, C_UPDATED,
       C_EV_AT, C_EV_ACTOR, C_EV_FROM, C_EV_TO, C_EV_NOTE };

static const char *channel_label(const char *channel)
{
	return strcmp(channel, "walk_in") == 0 ? "Trực tiếp tại bộ phận một cửa" : "Trực tuyến";
}

/* The dossier part of the view from the first row; *personal says whether the asker may see
 * personal data (owner or matching citizen ID). */
static int put_dossier(struct db_stmt *st, const struct actor *a, json_t *o, int *personal)
{
	const char *mine = db_col_text(st, C_MY_CID, NULL);
	const char *theirs = db_col_text(st, C_APPLICANT_CID, NULL);
	char status[STATUS_SIZE], channel[16];
	int own, matching, can_attach, orphan, rc;

	own = !db_col_is_null(st, C_OWNER) && db_col_int64(st, C_OWNER) == a->account_id;
	matching = mine != NULL && mine[0] != '\0' && theirs != NULL && strcmp(mine, theirs) == 0;
	orphan = db_col_is_null(st, C_OWNER);
	db_col_copy(st, C_STATUS, status, sizeof status);
	db_col_copy(st, C_CHANNEL, channel, sizeof channel);
	can_attach = orphan && matching && strcmp(channel, "walk_in") == 0;
	*personal = own || matching;
	if ((rc = rows_put(o, "procedure_code", rows_text(st, C_PCODE))) != 0 ||
	    (rc = rows_put(o, "procedure_name", rows_text(st, C_PNAME))) != 0 ||
	    (rc = rows_put(o, "desk_name", rows_text(st, C_DESK))) != 0 ||
	    (rc = rows_put(o, "competent_name", rows_text(st, C_COMPETENT))) != 0 ||
	    (rc = rows_put(o, "channel", json_string(channel))) != 0 ||
	    (rc = rows_put(o, "channel_label", json_string(channel_label(channel)))) != 0 ||
	    (rc = rows_put(o, "status", json_string(status))) != 0 ||
	    (rc = rows_put(o, "status_label", json_string(dossier_label(status)))) != 0 ||
	    (rc = rows_put(o, "receipt_no", rows_text(st, C_RECEIPT))) != 0 ||
	    (rc = rows_put(o, "submitted_at", dossier_local_time(st, C_SUBMITTED))) != 0 ||
	    (rc = rows_put(o, "received_at", dossier_local_time(st, C_RECEIVED))) != 0 ||
	    (rc = rows_put(o, "due_at", dossier_local_time(st, C_DUE))) != 0 ||
	    (rc = rows_put(o, "updated_at", dossier_local_time(st, C_UPDATED))) != 0 ||
	    (rc = rows_put(o, "own", json_boolean(own))) != 0 ||
	    (rc = rows_put(o, "matching", json_boolean(matching))) != 0 ||
	    (rc = rows_put(o, "can_attach", json_boolean(can_attach))) != 0 ||
	    (rc = rows_put(o, "applicant_name",
	                   *personal ? rows_text(st, C_APPLICANT) : json_string(""))) != 0)
		return rc;
	/* The id leads to the owner's page or to the attach button; nobody else needs it. */
	if (own || can_attach)
		return rows_put(o, "id", json_integer(db_col_int64(st, C_ID)));
	return 0;
}

/* The event of the current row, if any, appended to 'timeline'.  For a stranger only status
 * changes, with their times. */
static int put_event(struct db_stmt *st, int personal, json_t *timeline)
{
	const char *from = db_col_text(st, C_EV_FROM, NULL), *to = db_col_text(st, C_EV_TO, NULL);
	json_t *ev;
	int rc;

	if (db_col_is_null(st, C_EV_AT))
		return 0; /* no event at all (LEFT JOIN) */
	if (to == NULL)
		to = "";
	if (!personal && from != NULL && strcmp(from, to) == 0)
		return 0;
	ev = json_object();
	if (ev == NULL || json_array_append_new(timeline, ev) != 0)
		return MC_ENOMEM;
	if ((rc = rows_put(ev, "at", dossier_local_time(st, C_EV_AT))) != 0 ||
	    (rc = rows_put(ev, "from_label",
	                   json_string(from != NULL ? dossier_label(from) : ""))) != 0 ||
	    (rc = rows_put(ev, "to_label", json_string(dossier_label(to)))) != 0 ||
	    (rc = rows_put(ev, "actor_name",
	                   personal ? rows_text(st, C_EV_ACTOR) : json_string(""))) != 0 ||
	    (rc = rows_put(ev, "note", personal ? rows_text(st, C_EV_NOTE) : json_string(""))) != 0)
		return rc;
	return 0;
}

/* Run lookup_sql: 0 with *out, or MC_ENOTFOUND. */
static int find(struct db *db, const struct actor *a, const char *procedure, int64_t agency_id,
                const char *receipt, json_t **out)
{
	struct db_stmt *st;
	json_t *o = NULL, *timeline = NULL;
	int rc, personal = 0, rows = 0;

	*out = NULL;
	rc = db_prepare(db, lookup_sql, &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, a->account_id)) != 0 ||
	    (rc = db_bind_cstr(st, 2, receipt)) != 0 || (rc = db_bind_cstr(st, 3, procedure)) != 0 ||
	    (rc = db_bind_int64(st, 4, agency_id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (rows++ == 0) {
			o = json_object();
			timeline = json_array();
			if (o == NULL || (rc = rows_put(o, "timeline", timeline)) != 0) {
				if (o == NULL)
					json_decref(timeline);
				rc = MC_ENOMEM;
				break;
			}
			if ((rc = put_dossier(st, a, o, &personal)) != 0)
				break;
		}
		if ((rc = put_event(st, personal, timeline)) != 0)
			break;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		rc = rc < 0 ? rc : MC_EDB;
		goto out;
	}
	if (rows == 0) {
		rc = MC_ENOTFOUND;
		goto out;
	}
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* Count a lookup that found nothing: MC_ENOTFOUND, or MC_ELIMIT when it went over the limit. */
static int count_miss(struct db *db, const struct rate_rule *rule, const char *key,
                      int64_t now_ms)
{
	int rc;

	if ((rc = db_begin(db)) != 0)
		return rc;
	rc = rate_hit(db, rule, key, now_ms);
	if (rc != 0 && rc != MC_ELIMIT) {
		db_rollback(db);
		return rc;
	}
	/* The block is kept too: it is what makes the next lookups wait. */
	if (db_commit(db) != 0) {
		db_rollback(db);
		return MC_EDB;
	}
	return rc == MC_ELIMIT ? MC_ELIMIT : MC_ENOTFOUND;
}

int dossier_lookup(struct db *db, const struct actor *a, int64_t now_ms, unsigned limit,
                   const struct lookup_query *q, struct field_errors *errs, json_t **out)
{
	char receipt[LOOKUP_RECEIPT_MAX + 1], procedure[LOOKUP_PROCEDURE_MAX + 1];
	char key[RATE_KEY_SIZE];
	struct rate_rule rule;
	const char *why;
	int rc;

	*out = NULL;
	field_errors_init(errs);
	if (!dossier_is_citizen(a))
		return MC_EFORBIDDEN;
	if (q->agency_id <= 0)
		field_errors_add(errs, "agency", "Vui lòng chọn nơi tiếp nhận hồ sơ.");
	if ((why = procedure_canonical(q->procedure_code != NULL ? q->procedure_code : "",
	                               procedure)) != NULL)
		field_errors_add(errs, "procedure", why);
	if ((why = receipt_canonical(q->receipt_no != NULL ? q->receipt_no : "", receipt)) != NULL)
		field_errors_add(errs, "receipt", why);
	if (errs->count > 0)
		return MC_EINVAL;
	if (limit > LOOKUP_LIMIT_MAX)
		limit = LOOKUP_LIMIT_MAX;
	/* 'limit' misses pass; the one after them is refused (rate_hit refuses the max-th). */
	rule = (struct rate_rule){ "lookup", (int)limit + 1, LOOKUP_WINDOW_MS, LOOKUP_WINDOW_MS };
	snprintf(key, sizeof key, "acct:%" PRId64, a->account_id);
	if (limit > 0 && (rc = rate_check(db, &rule, key, now_ms)) != 0)
		return rc;
	rc = find(db, a, procedure, q->agency_id, receipt, out);
	if (rc == MC_ENOTFOUND && limit > 0)
		rc = count_miss(db, &rule, key, now_ms);
	return rc;
}

/* ---- the form's choices ---- */

/* Append the rows of 'st' (two text columns) to 'list' as { k0, k1 } objects. */
static int put_pairs(struct db_stmt *st, json_t *list, const char *k0, int k0_is_id,
                     const char *k1)
{
	json_t *it;
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		it = json_object();
		if (it == NULL || json_array_append_new(list, it) != 0) {
			rc = MC_ENOMEM;
			break;
		}
		if ((rc = rows_put(it, k0, k0_is_id ? json_integer(db_col_int64(st, 0))
		                                     : rows_text(st, 0))) != 0 ||
		    (rc = rows_put(it, k1, rows_text(st, 1))) != 0)
			break;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		return rc < 0 ? rc : MC_EDB;
	}
	return 0;
}

int dossier_lookup_choices(struct db *db, const struct actor *a, int64_t agency_id,
                           json_t **out)
{
	struct db_stmt *st;
	json_t *o = NULL, *agencies = json_array(), *procedures = json_array();
	int rc;

	*out = NULL;
	if (!dossier_is_citizen(a)) {
		rc = MC_EFORBIDDEN;
		goto out;
	}
	o = json_object();
	if (o == NULL || agencies == NULL || procedures == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	rc = rows_put(o, "agencies", agencies);
	agencies = NULL;
	if (rc != 0)
		goto out;
	rc = rows_put(o, "procedures", procedures);
	procedures = NULL;
	if (rc != 0)
		goto out;
	rc = db_prepare(db,
		"SELECT a.id, a.name FROM agencies a WHERE a.is_desk = 1 AND a.active = 1 AND EXISTS "
		"(SELECT 1 FROM offerings o WHERE o.desk_agency_id = a.id) ORDER BY a.name, a.id", &st);
	if (rc != 0 || (rc = put_pairs(st, json_object_get(o, "agencies"), "id", 1, "name")) != 0)
		goto out;
	if (agency_id > 0) {
		rc = db_prepare(db,
			"SELECT p.code, p.name FROM procedures p WHERE p.id IN (SELECT o.procedure_id "
			"FROM offerings o WHERE o.desk_agency_id = ?) ORDER BY p.code LIMIT ?", &st);
		if (rc != 0 || (rc = db_bind_int64(st, 1, agency_id)) != 0 ||
		    (rc = db_bind_int64(st, 2, LOOKUP_PROCEDURES_MAX)) != 0 ||
		    (rc = put_pairs(st, json_object_get(o, "procedures"), "code", 0, "name")) != 0)
			goto out;
	}
	*out = o;
	o = NULL;
out:
	json_decref(agencies);
	json_decref(procedures);
	json_decref(o);
	return rc;
}

/* ---- attaching ---- */

/* Detail 'key' of an account's details; "" when empty (left out of them). */
static const char *detail(const json_t *details, const char *key)
{
	const char *s = json_string_value(json_object_get(details, key));

	return s != NULL ? s : "";
}

/* The acting account's citizen ID and name; MC_EFORBIDDEN when it is not an active citizen or
 * business account. */
static int load_holder(struct db *db, int64_t account_id, char cid[CITIZEN_ID_SIZE],
                       char name[ACCOUNT_NAME_SIZE])
{
	json_t *details;
	char type[16];
	int rc;

	if ((rc = dossier_load_account(db, account_id, type, sizeof type, &details)) != 0)
		return rc;
	snprintf(cid, CITIZEN_ID_SIZE, "%s", detail(details, "citizen_id"));
	snprintf(name, ACCOUNT_NAME_SIZE, "%s", detail(details, "full_name"));
	json_decref(details);
	return 0;
}

int dossier_attach(struct db *db, const struct actor *a, int64_t now_ms, int64_t id)
{
	struct db_stmt *st;
	char cid[CITIZEN_ID_SIZE], name[ACCOUNT_NAME_SIZE], applicant[CITIZEN_ID_SIZE];
	char status[STATUS_SIZE], channel[16], now[DOSSIER_TIME_SIZE], note[NOTE_SIZE];
	int rc, owned, in_tx = 0;

	if (!dossier_is_citizen(a))
		return MC_EFORBIDDEN;
	if (id <= 0)
		return MC_ENOTFOUND;
	clock_iso8601(now_ms, now, sizeof now);
	if ((rc = db_begin(db)) != 0)
		goto out;
	in_tx = 1;
	if ((rc = load_holder(db, a->account_id, cid, name)) != 0)
		goto out;
	rc = db_prepare(db,
		"SELECT owner_account_id IS NOT NULL, status, channel, applicant_citizen_id "
		"FROM dossiers WHERE id = ?", &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, id)) != 0)
		goto out;
	rc = db_step(st);
	if (rc < 0)
		goto out;
	if (rc == DB_DONE) {
		rc = MC_ENOTFOUND;
		goto out;
	}
	owned = db_col_int64(st, 0) != 0;
	db_col_copy(st, 1, status, sizeof status);
	db_col_copy(st, 2, channel, sizeof channel);
	db_col_copy(st, 3, applicant, sizeof applicant);
	db_reset(st);
	/* Someone else's dossier looks exactly like one that does not exist. */
	if (cid[0] == '\0' || strcmp(cid, applicant) != 0 || strcmp(status, DOSSIER_DRAFT) == 0) {
		rc = MC_ENOTFOUND;
		goto out;
	}
	if (owned || strcmp(channel, "walk_in") != 0) {
		rc = MC_ECONFLICT;
		goto out;
	}
	rc = db_prepare(db,
		"UPDATE dossiers SET owner_account_id = ?, version = version + 1, updated_at = ? "
		"WHERE id = ? AND owner_account_id IS NULL", &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, a->account_id)) != 0 ||
	    (rc = db_bind_cstr(st, 2, now)) != 0 || (rc = db_bind_int64(st, 3, id)) != 0 ||
	    (rc = db_step_done(st)) != 0)
		goto out;
	if (db_changes(db) != 1) {
		rc = MC_ECONFLICT;
		goto out;
	}
	snprintf(note, sizeof note, "Gắn hồ sơ vào tài khoản %s", name);
	if ((rc = dossier_add_event_by(db, id, now, a->account_id, name, status, status, note)) != 0)
		goto out;
	if ((rc = db_commit(db)) != 0)
		goto out;
	in_tx = 0;
out:
	if (in_tx)
		db_rollback(db);
	return rc;
}
