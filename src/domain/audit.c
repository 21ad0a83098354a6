/* audit.c: the administrative audit log. */
#include "domain/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "domain/scope.h"
#include "domain/workflow.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/db.h"

/* Bind 'j' as JSON text, or NULL. */
static int bind_json(struct db_stmt *st, int idx, const json_t *j)
{
	char *text;
	int rc;

	if (j == NULL)
		return db_bind_null(st, idx);
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (text == NULL)
		return MC_ENOMEM;
	rc = db_bind_text(st, idx, text, strlen(text));
	free(text);
	return rc;
}

int audit_record(struct db *db, const struct actor *actor, int64_t now_ms, const char *action,
                 const char *entity, int64_t entity_id, int64_t agency_id, const char *summary,
                 const json_t *before, const json_t *after)
{
	struct db_stmt *st;
	char at[32];
	int rc;

	clock_iso8601(now_ms, at, sizeof(at));
	rc = db_prepare(db,
	                "INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, "
	                "agency_id, summary, before_json, after_json) "
	                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                &st);
	if (rc != 0)
		goto out;
	if ((rc = db_bind_cstr(st, 1, at)) != 0)
		goto out;
	if (actor != NULL && actor->account_id > 0) {
		if ((rc = db_bind_int64(st, 2, actor->account_id)) != 0 ||
		    (rc = db_bind_cstr(st, 3, actor->full_name)) != 0)
			goto out;
	} else if ((rc = db_bind_null(st, 2)) != 0 ||
	           (rc = db_bind_cstr(st, 3,
	                              actor != NULL && actor->full_name[0] != '\0' ? actor->full_name
	                                                                            : "Hệ thống")) != 0)
		goto out;
	if ((rc = db_bind_cstr(st, 4, action)) != 0 || (rc = db_bind_cstr(st, 5, entity)) != 0)
		goto out;
	rc = entity_id > 0 ? db_bind_int64(st, 6, entity_id) : db_bind_null(st, 6);
	if (rc == 0)
		rc = agency_id > 0 ? db_bind_int64(st, 7, agency_id) : db_bind_null(st, 7);
	if (rc != 0 || (rc = db_bind_cstr(st, 8, summary)) != 0 ||
	    (rc = bind_json(st, 9, before)) != 0 || (rc = bind_json(st, 10, after)) != 0)
		goto out;
	if ((rc = db_step_done(st)) != 0)
		goto out;
	rc = audit_seal_row(db, db_last_id(db));
out:
	return rc;
}

/* ---- the hash chain ---- */

#define HASH_HEX (crypto_hash_sha256_BYTES * 2 + 1)
#define CHAIN_START "0000000000000000000000000000000000000000000000000000000000000000"

/* The columns a row's hash covers, in order (after its id and the previous row's hash). */
#define CHAIN_COLUMNS \
	"at, actor_id, actor_name, action, entity, entity_id, agency_id, summary, before_json, " \
	"after_json"
enum { CHAIN_NCOLS = 10 };

/* Feed one field as "<length>:<bytes>;" (NULL as "-;"), so no two rows read the same. */
static void feed(crypto_hash_sha256_state *h, const char *s, size_t len, int is_null)
{
	char head[32];

	if (is_null) {
		crypto_hash_sha256_update(h, (const unsigned char *)"-;", 2);
		return;
	}
	snprintf(head, sizeof head, "%zu:", len);
	crypto_hash_sha256_update(h, (const unsigned char *)head, strlen(head));
	crypto_hash_sha256_update(h, (const unsigned char *)s, len);
	crypto_hash_sha256_update(h, (const unsigned char *)";", 1);
}

/* The hash of row 'id' whose columns CHAIN_COLUMNS are columns first.. of 'st', chained to
 * 'prev' (hex). */
static void row_hash(struct db_stmt *st, int first, int64_t id, const char *prev,
                     char out[HASH_HEX])
{
	crypto_hash_sha256_state h;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char num[32];

	crypto_hash_sha256_init(&h);
	feed(&h, prev, strlen(prev), 0);
	snprintf(num, sizeof num, "%lld", (long long)id);
	feed(&h, num, strlen(num), 0);
	for (int c = first; c < first + CHAIN_NCOLS; c++) {
		size_t len = 0;
		const char *text = db_col_text(st, c, &len);

		feed(&h, text != NULL ? text : "", len, db_col_is_null(st, c));
	}
	crypto_hash_sha256_final(&h, digest);
	sodium_bin2hex(out, HASH_HEX, digest, sizeof digest);
}

/* The hash of the last sealed row before 'id' (CHAIN_START when there is none).  A row written
 * around audit_record (an SQL tool) is unsealed: the chain goes on past it, so the portal keeps
 * working, and audit_verify reports that row. */
static int prev_hash_of(struct db *db, int64_t id, char out[HASH_HEX])
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "SELECT hash FROM audit_log WHERE id < ? AND hash IS NOT NULL "
	                    "ORDER BY id DESC LIMIT 1", &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE) {
		snprintf(out, HASH_HEX, "%s", CHAIN_START);
		return 0;
	}
	db_col_copy(st, 0, out, HASH_HEX);
	db_reset(st);
	return 0;
}

int audit_seal_row(struct db *db, int64_t id)
{
	struct db_stmt *st;
	char prev[HASH_HEX], hash[HASH_HEX];
	int rc;

	if ((rc = prev_hash_of(db, id, prev)) != 0)
		return rc;
	if ((rc = db_row_by_id(db, "SELECT " CHAIN_COLUMNS " FROM audit_log WHERE id = ?", id,
	                       &st)) != 0)
		return rc;
	row_hash(st, 0, id, prev, hash);
	db_reset(st);
	rc = db_prepare(db, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", &st);
	if (rc == 0 && (rc = db_bind_cstr(st, 1, prev)) == 0 && (rc = db_bind_cstr(st, 2, hash)) == 0 &&
	    (rc = db_bind_int64(st, 3, id)) == 0)
		rc = db_step_done(st);
	return rc;
}

int audit_seal(struct db *db, int64_t *sealed)
{
	int64_t id = 0, n = 0, chained = 0;
	int rc;

	if (sealed != NULL)
		*sealed = 0;
	if ((rc = db_begin(db)) != 0)
		return rc;
	/* Only while the chain does not exist yet: once a row is sealed, every writer seals its
	 * own, so an unsealed row anywhere is one whose seal was taken off, and audit_verify names
	 * it rather than a start-up sealing it with whatever it now says. */
	rc = db_get_int64(db, "SELECT count(*) FROM audit_log WHERE hash IS NOT NULL AND id > ?", 0,
	                  &chained);
	while (rc == 0 && chained == 0) {
		rc = db_get_int64(db, "SELECT coalesce(min(id), 0) FROM audit_log WHERE id > ?", id, &id);
		if (rc != 0 || id == 0 || (rc = audit_seal_row(db, id)) != 0)
			break;
		n++;
	}
	if (rc == 0 && (rc = db_commit(db)) == 0 && sealed != NULL)
		*sealed = n;
	if (rc != 0)
		db_rollback(db);
	return rc;
}

int audit_verify(struct db *db, int64_t *rows, int64_t *broken, char *why, size_t cap)
{
	struct db_stmt *st;
	char prev[HASH_HEX] = CHAIN_START, hash[HASH_HEX];
	int rc;

	*rows = 0;
	*broken = 0;
	if (cap > 0)
		why[0] = '\0';
	rc = db_prepare(db, "SELECT id, prev_hash, hash, " CHAIN_COLUMNS " FROM audit_log ORDER BY id",
	                &st);
	if (rc != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		const char *stored_prev = db_col_text(st, 1, NULL), *stored = db_col_text(st, 2, NULL);

		(*rows)++;
		row_hash(st, 3, id, prev, hash);
		if (stored_prev == NULL || stored == NULL)
			snprintf(why, cap, "not sealed");
		else if (strcmp(stored_prev, prev) != 0)
			snprintf(why, cap, "does not follow the row before it (a row was removed or "
			                   "changed before it)");
		else if (strcmp(stored, hash) != 0)
			snprintf(why, cap, "its content does not match its hash (it was changed)");
		else {
			memcpy(prev, stored, HASH_HEX);
			continue;
		}
		*broken = id;
		db_reset(st);
		return 0;
	}
	return rc == DB_DONE ? 0 : (rc < 0 ? rc : MC_EDB);
}

static const char *const action_labels[][2] = {
	{ "create", "Tạo mới" },     { "update", "Sửa" },     { "deactivate", "Ngừng hoạt động" },
	{ "activate", "Kích hoạt lại" }, { "delete", "Xoá" }, { "import", "Nhập danh mục" },
	{ "retry", "Gửi lại" },     { "view", "Xem" },       { "attach", "Đính kèm tệp" },
};

/* The label of 'action': the table above, else the workflow's button for it (a dossier's
 * transition), else the action itself. */
static const char *action_label(const char *action)
{
	size_t n;
	const struct wf_transition *t = wf_transitions(&n);

	for (size_t i = 0; i < sizeof(action_labels) / sizeof(action_labels[0]); i++)
		if (strcmp(action_labels[i][0], action) == 0)
			return action_labels[i][1];
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].action, action) == 0)
			return t[i].label;
	return action;
}

/* "2026-11-30T03:04:05.000Z" in the portal's time zone (UTC+7) as "30/11/2026 10:04". */
static void local_time(const char *iso, char *out, size_t cap)
{
	int64_t ms;

	if (clock_parse_iso8601(iso, &ms) != 0) {
		snprintf(out, cap, "%s", iso);
		return;
	}
	clock_format_local(ms, out, cap);
}

/* The WHERE clause limiting rows to the actor's scope: none for a system administrator. */
static const char *scope_clause(const struct actor *actor)
{
	/* Both forms take one parameter, so the callers bind the same list either way. */
	return scope_is_global(actor) ? "? IS NOT NULL" : "agency_id IN (" SCOPE_SUBTREE_SQL ")";
}

int audit_list(struct db *db, const struct actor *actor, const struct audit_query *q,
               json_t **out)
{
	struct db_stmt *st;
	char sql[1024];
	const char *entity = q->entity != NULL ? q->entity : "";
	int64_t total = 0;
	int per_page = q->per_page < 1 || q->per_page > 100 ? 50 : q->per_page;
	int page = q->page < 1 ? 1 : q->page, pages, rc;
	json_t *items = NULL;

	*out = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_log WHERE %s AND (? = '' OR entity = ?) "
	         "AND (? = 0 OR entity_id = ?)",
	         scope_clause(actor));
	rc = db_prepare(db, sql, &st);
	if (rc != 0)
		goto out;
	if ((rc = db_bind_int64(st, 1, actor->agency_id)) != 0 ||
	    (rc = db_bind_cstr(st, 2, entity)) != 0 || (rc = db_bind_cstr(st, 3, entity)) != 0 ||
	    (rc = db_bind_int64(st, 4, q->entity_id)) != 0 ||
	    (rc = db_bind_int64(st, 5, q->entity_id)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0)
		goto out;
	if (rc == DB_ROW)
		total = db_col_int64(st, 0);
	db_reset(st);
	pages = total == 0 ? 1 : (int)((total + per_page - 1) / per_page);
	snprintf(sql, sizeof(sql),
	         "SELECT id, at, actor_name, action, entity, entity_id, summary FROM audit_log "
	         "WHERE %s AND (? = '' OR entity = ?) AND (? = 0 OR entity_id = ?) "
	         "ORDER BY id DESC LIMIT ? OFFSET ?",
	         scope_clause(actor));
	rc = db_prepare(db, sql, &st);
	if (rc != 0)
		goto out;
	if ((rc = db_bind_int64(st, 1, actor->agency_id)) != 0 ||
	    (rc = db_bind_cstr(st, 2, entity)) != 0 || (rc = db_bind_cstr(st, 3, entity)) != 0 ||
	    (rc = db_bind_int64(st, 4, q->entity_id)) != 0 ||
	    (rc = db_bind_int64(st, 5, q->entity_id)) != 0 ||
	    (rc = db_bind_int64(st, 6, per_page)) != 0 ||
	    (rc = db_bind_int64(st, 7, (int64_t)(page - 1) * per_page)) != 0)
		goto out;
	items = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		char when[40];
		local_time(db_col_text(st, 1, NULL), when, sizeof(when));
		json_array_append_new(
			items, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s}", "id",
		                         (json_int_t)db_col_int64(st, 0), "at", when, "actor_name",
		                         db_col_text(st, 2, NULL), "action",
		                         action_label(db_col_text(st, 3, NULL)), "entity",
		                         db_col_text(st, 4, NULL), "entity_id",
		                         (json_int_t)db_col_int64(st, 5), "summary",
		                         db_col_text(st, 6, NULL)));
	}
	if (rc < 0)
		goto out;
	*out = json_pack("{s:o, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total, "page",
	                 page, "pages", pages);
	items = NULL;
	rc = *out != NULL ? 0 : MC_ENOMEM;
out:
	json_decref(items);
	return rc;
}

/* Parse stored JSON text, or JSON null. */
static json_t *stored_json(struct db_stmt *st, int col)
{
	json_t *j = NULL;

	if (!db_col_is_null(st, col))
		j = json_loads(db_col_text(st, col, NULL), JSON_DECODE_ANY, NULL);
	return j != NULL ? j : json_null();
}

int audit_get(struct db *db, const struct actor *actor, int64_t id, json_t **out)
{
	struct db_stmt *st;
	char sql[1024], when[40];
	int rc;

	*out = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	snprintf(sql, sizeof(sql),
	         "SELECT id, at, actor_name, action, entity, entity_id, summary, before_json, "
	         "after_json FROM audit_log WHERE id = ? AND %s",
	         scope_clause(actor));
	rc = db_prepare(db, sql, &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0 || (rc = db_bind_int64(st, 2, actor->agency_id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	local_time(db_col_text(st, 1, NULL), when, sizeof(when));
	*out = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:o}", "id",
	                 (json_int_t)db_col_int64(st, 0), "at", when, "actor_name",
	                 db_col_text(st, 2, NULL), "action", action_label(db_col_text(st, 3, NULL)),
	                 "entity", db_col_text(st, 4, NULL), "entity_id",
	                 (json_int_t)db_col_int64(st, 5), "summary", db_col_text(st, 6, NULL),
	                 "before", stored_json(st, 7), "after", stored_json(st, 8));
	db_reset(st);
	return *out != NULL ? 0 : MC_ENOMEM;
}
