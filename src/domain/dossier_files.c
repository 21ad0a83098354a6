/* dossier_files.c: a dossier's attachments (docs/dossiers.md, "Uploads and limits"): checking
 * uploads against the catalogue, storing them by content, attaching and removing them in the
 * dossier's versions, and what the pages show of them. */
#include "domain/dossier.h"
#include "domain/dossier_priv.h"
#include "domain/fields.h"
#include "domain/workflow.h"
#include "domain/audit.h"
#include "domain/dossier_flow.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/catalog.h"
#include "domain/filestore.h"
#include "domain/procedure.h"
#include "domain/rows.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "limit.h"
#include "store/db.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define SIZE_TEXT 48       /* "12,3 MB" */
#define KEY_SIZE 32        /* "doc_<id>" */

/* The catalogue's file kinds, as filestore_type_of names them; the allowed lists point here. */
static const char *const kind_names[] = {
	"pdf", "jpg", "png", "docx", "doc", "xlsx", "xls", "odt", "zip", "xml",
};

/* Split the stored "pdf,jpg,png" into static kind names (unknown ones are dropped). */
static size_t parse_kinds(const char *s, const char *allowed[DOSSIER_KINDS_MAX])
{
	size_t n = 0;

	while (s != NULL && *s != '\0' && n < DOSSIER_KINDS_MAX) {
		size_t len = strcspn(s, ",");

		while (len > 0 && s[len - 1] == ' ')
			len--;
		for (size_t i = 0; i < COUNT(kind_names); i++)
			if (strlen(kind_names[i]) == len && strncmp(kind_names[i], s, len) == 0)
				allowed[n++] = kind_names[i];
		s += strcspn(s, ",");
		if (*s == ',')
			s++;
		while (*s == ' ')
			s++;
	}
	return n;
}

/* "PDF, JPG hoặc PNG" for the allowed kinds, into out. */
static void kinds_text(const char *const *allowed, size_t n, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used < cap; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " hoặc " : ", ";
		int w = snprintf(out + used, cap - used, "%s", sep);

		if (w < 0)
			return;
		used += (size_t)w;
		for (const char *k = allowed[i]; *k != '\0' && used + 1 < cap; k++)
			out[used++] = (char)(*k >= 'a' && *k <= 'z' ? *k - 'a' + 'A' : *k);
		if (used < cap)
			out[used] = '\0';
	}
}

/* Set the upload's problem: 'rc' and a Vietnamese message naming the file. */
static void refuse(struct dossier_upload *u, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void refuse(struct dossier_upload *u, int rc, const char *fmt, ...)
{
	va_list ap;

	u->rc = rc;
	free(u->message);
	u->message = NULL;
	va_start(ap, fmt);
	if (vasprintf(&u->message, fmt, ap) < 0)
		u->message = NULL;
	va_end(ap);
}

/* The name to quote in a message: the sanitised display name (never the raw bytes sent). */
static const char *quoted_name(struct dossier_upload *u)
{
	if (u->name[0] == '\0' && filestore_display_name(u->filename, u->name, sizeof u->name) != 0)
		snprintf(u->name, sizeof u->name, "%s", FILESTORE_DISPLAY_NAME_FALLBACK);
	return u->name;
}

void dossier_uploads_free(struct dossier_upload *u, size_t n)
{
	for (size_t i = 0; u != NULL && i < n; i++) {
		free(u[i].message);
		u[i].message = NULL;
	}
}

/* ---- checking against the catalogue ---- */

/* One document of the dossier's procedure, as the checks need it. */
struct doc_rule {
	int64_t id;
	int64_t max_size;
	int multiple;
	char types[128];
	int64_t current_bytes; /* the dossier's current files for it */
	int64_t current_files;
};

/* The documents of dossier 'id''s procedure with the bytes of the current files of each. */
static int load_rules(struct db *db, int64_t id, struct doc_rule **rules, size_t *n)
{
	struct db_stmt *st;
	struct doc_rule *r = NULL, *grown;
	size_t count = 0, cap = 0;
	int rc;

	*rules = NULL;
	*n = 0;
	rc = db_prepare(db,
		"SELECT pd.id, pd.max_size, pd.multiple, pd.file_types, "
		"(SELECT COALESCE(SUM(f.size), 0) FROM dossier_files f WHERE f.dossier_id = d.id "
		"AND f.document_id = pd.id AND f.removed_in IS NULL), "
		"(SELECT COUNT(*) FROM dossier_files f WHERE f.dossier_id = d.id "
		"AND f.document_id = pd.id AND f.removed_in IS NULL) "
		"FROM dossiers d JOIN procedure_documents pd ON pd.procedure_id = d.procedure_id "
		"WHERE d.id = ? ORDER BY pd.position", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(r, cap * sizeof(*r));
			if (grown == NULL) {
				db_reset(st);
				free(r);
				return MC_ENOMEM;
			}
			r = grown;
		}
		r[count].id = db_col_int64(st, 0);
		r[count].max_size = db_col_int64(st, 1);
		r[count].multiple = db_col_int64(st, 2) != 0;
		db_col_copy(st, 3, r[count].types, sizeof r[count].types);
		r[count].current_bytes = db_col_int64(st, 4);
		r[count].current_files = db_col_int64(st, 5);
		count++;
	}
	if (rc != DB_DONE) {
		free(r);
		return rc < 0 ? rc : MC_EDB;
	}
	*rules = r;
	*n = count;
	return 0;
}

static struct doc_rule *find_rule(struct doc_rule *rules, size_t n, int64_t document_id)
{
	for (size_t i = 0; i < n; i++)
		if (rules[i].id == document_id)
			return &rules[i];
	return NULL;
}

/*
 * Check uploads u[0..n) of dossier 'id' against its documents (inside or outside a
 * transaction).  Each upload gets rc 0 with its allowed kinds, or its refusal.  A document that
 * takes one file only is replaced by the new one, so its current bytes do not count.
 */
static int check_uploads(struct db *db, int64_t id, struct dossier_upload *u, size_t n)
{
	struct doc_rule *rules = NULL;
	size_t nrules = 0;
	int64_t total = 0, files = 0;
	char size[SIZE_TEXT], limit[SIZE_TEXT];
	int rc;

	if ((rc = load_rules(db, id, &rules, &nrules)) != 0)
		return rc;
	for (size_t i = 0; i < nrules; i++) {
		int replaced = 0;

		for (size_t j = 0; j < n && !rules[i].multiple; j++)
			replaced |= u[j].document_id == rules[i].id && u[j].rc == 0;
		if (!replaced) {
			total += rules[i].current_bytes;
			files += rules[i].current_files;
		}
	}
	for (size_t j = 0; j < n; j++) {
		struct doc_rule *rule = find_rule(rules, nrules, u[j].document_id);

		/* Checked again inside the save's transaction: a refusal stays a refusal. */
		if (u[j].rc != 0)
			continue;
		u[j].nallowed = 0;
		u[j].replace = 0;
		if (rule == NULL) {
			refuse(&u[j], MC_EINVAL, "Giấy tờ này không thuộc thủ tục của hồ sơ.");
			continue;
		}
		if (u[j].len == 0) {
			refuse(&u[j], MC_EINVAL, "Tệp «%s» không có nội dung.", quoted_name(&u[j]));
			continue;
		}
		catalog_format_size((int64_t)u[j].len, size, sizeof size);
		if ((int64_t)u[j].len > rule->max_size) {
			catalog_format_size(rule->max_size, limit, sizeof limit);
			refuse(&u[j], MC_ETOOBIG,
			       "Tệp «%s» có dung lượng %s, vượt quá mức tối đa %s cho giấy tờ này.",
			       quoted_name(&u[j]), size, limit);
			continue;
		}
		if (!rule->multiple) {
			/* One file only: the last one sent wins; an earlier one in the same post is
			 * refused rather than silently dropped. */
			int later = 0;

			for (size_t k = j + 1; k < n; k++)
				later |= u[k].document_id == rule->id && u[k].rc == 0;
			if (later) {
				refuse(&u[j], MC_EINVAL,
				       "Giấy tờ này chỉ nhận một tệp; tệp «%s» không được lưu.",
				       quoted_name(&u[j]));
				continue;
			}
		}
		if (total + (int64_t)u[j].len > (int64_t)LIMIT_DOSSIER_FILES_BYTES) {
			catalog_format_size((int64_t)LIMIT_DOSSIER_FILES_BYTES, limit, sizeof limit);
			refuse(&u[j], MC_ETOOBIG,
			       "Tệp «%s» (%s) làm tổng dung lượng các tệp của hồ sơ vượt quá %s.",
			       quoted_name(&u[j]), size, limit);
			continue;
		}
		if (files + 1 > LIMIT_DOSSIER_FILES) {
			refuse(&u[j], MC_EINVAL, "Hồ sơ đã có %d tệp, không thể đính kèm thêm tệp «%s».",
			       (int)LIMIT_DOSSIER_FILES, quoted_name(&u[j]));
			continue;
		}
		total += (int64_t)u[j].len;
		files++;
		u[j].nallowed = parse_kinds(rule->types, u[j].allowed);
		u[j].replace = !rule->multiple;
	}
	free(rules);
	return 0;
}

int dossier_uploads_check(struct db *db, const struct actor *a, int64_t id,
                          struct dossier_upload *u, size_t n)
{
	int editable = 0, rc;

	if (!dossier_is_citizen(a))
		return MC_EFORBIDDEN;
	if ((rc = dossier_owned_status(db, a, id, &editable)) != 0)
		return rc;
	if (!editable)
		return MC_ECONFLICT;
	return check_uploads(db, id, u, n);
}

void dossier_uploads_store(struct filestore *fs, struct dossier_upload *u, size_t n)
{
	char kinds[128];

	for (size_t i = 0; i < n; i++) {
		const char *kind = NULL;
		int rc;

		if (u[i].rc != 0)
			continue;
		quoted_name(&u[i]);
		rc = filestore_type_of(fs, u[i].data, u[i].len, u[i].allowed, u[i].nallowed, &kind);
		if (rc == MC_EINVAL) {
			kinds_text(u[i].allowed, u[i].nallowed, kinds, sizeof kinds);
			refuse(&u[i], MC_EINVAL,
			       "Tệp «%s» không phải là tệp %s: nội dung tệp không đúng định dạng cho "
			       "phép.", u[i].name, kinds);
			continue;
		}
		if (rc == 0)
			rc = filestore_put(fs, u[i].data, u[i].len, u[i].sha256);
		if (rc != 0) {
			refuse(&u[i], rc == MC_ENOMEM ? MC_ENOMEM : MC_EIO,
			       "Không lưu được tệp «%s». Vui lòng thử lại sau.", u[i].name);
			continue;
		}
		u[i].kind = kind;
	}
}

/* ---- attaching and removing, inside the caller's transaction ---- */

/* The last frozen version of dossier 'id' (0 when it was never submitted). */
static int last_frozen(struct db *db, int64_t id, int64_t *number)
{
	return db_get_int64(db, "SELECT COALESCE(MAX(number), 0) FROM dossier_versions "
	                    "WHERE dossier_id = ?", id, number);
}

/*
 * Take current file 'file_id' out of dossier 'id' as of version 'version'.  A file that no frozen
 * version holds (added after the last one) simply goes; one that a frozen version holds stays in
 * the history with removed_in set.  *found is 0 when the dossier has no such current file.
 */
static int remove_file(struct db *db, int64_t id, int64_t file_id, int64_t version,
                       int64_t frozen, int *found)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
		"DELETE FROM dossier_files WHERE id = ? AND dossier_id = ? AND removed_in IS NULL "
		"AND added_in > ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, file_id)) != 0 || (rc = db_bind_int64(st, 2, id)) != 0 ||
	    (rc = db_bind_int64(st, 3, frozen)) != 0 || (rc = db_step_done(st)) != 0)
		return rc;
	if (db_changes(db) == 1) {
		*found = 1;
		return 0;
	}
	rc = db_prepare(db,
		"UPDATE dossier_files SET removed_in = ? WHERE id = ? AND dossier_id = ? "
		"AND removed_in IS NULL", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, version)) != 0 || (rc = db_bind_int64(st, 2, file_id)) != 0 ||
	    (rc = db_bind_int64(st, 3, id)) != 0 || (rc = db_step_done(st)) != 0)
		return rc;
	*found = db_changes(db) == 1;
	return 0;
}

/* The current files of document 'document_id' of dossier 'id', up to 'cap' ids. */
static int current_of_document(struct db *db, int64_t id, int64_t document_id, int64_t *ids,
                               size_t cap, size_t *n)
{
	struct db_stmt *st;
	int rc;

	*n = 0;
	rc = db_prepare(db,
		"SELECT id FROM dossier_files WHERE dossier_id = ? AND document_id = ? "
		"AND removed_in IS NULL ORDER BY id", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0 || (rc = db_bind_int64(st, 2, document_id)) != 0)
		return rc;
	while (*n < cap && (rc = db_step(st)) == DB_ROW)
		ids[(*n)++] = db_col_int64(st, 0);
	if (rc < 0)
		return rc;
	db_reset(st);
	return 0;
}

static int insert_file(struct db *db, int64_t id, const struct dossier_upload *u,
                       int64_t version, const char *now)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db,
		"INSERT INTO dossier_files (dossier_id, document_id, sha256, name, kind, size, "
		"added_in, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0 || (rc = db_bind_int64(st, 2, u->document_id)) != 0 ||
	    (rc = db_bind_cstr(st, 3, u->sha256)) != 0 || (rc = db_bind_cstr(st, 4, u->name)) != 0 ||
	    (rc = db_bind_cstr(st, 5, u->kind)) != 0 ||
	    (rc = db_bind_int64(st, 6, (int64_t)u->len)) != 0 ||
	    (rc = db_bind_int64(st, 7, version)) != 0 || (rc = db_bind_cstr(st, 8, now)) != 0)
		return rc;
	return db_step_done(st);
}

/* Add "doc_<id>" → the upload's message to 'errs', after any message already there. */
static int add_problem(json_t *errs, const struct dossier_upload *u)
{
	char key[KEY_SIZE], *joined = NULL;
	const char *before;
	int rc;

	snprintf(key, sizeof key, "doc_%" PRId64, u->document_id);
	before = json_string_value(json_object_get(errs, key));
	if (before == NULL)
		return rows_put(errs, key, json_string(u->message != NULL ? u->message
		                                       : "Không lưu được tệp này."));
	if (asprintf(&joined, "%s %s", before, u->message != NULL ? u->message : "") < 0)
		return MC_ENOMEM;
	rc = rows_put(errs, key, json_string(joined));
	free(joined);
	return rc;
}

int dossier_files_apply(struct db *db, int64_t id, int64_t version, const char *now,
                        struct dossier_upload *u, size_t n, const int64_t *remove,
                        size_t nremove, json_t *errs)
{
	int64_t frozen = 0, ids[LIMIT_DOSSIER_FILES];
	size_t count;
	int rc, found;

	if (n == 0 && nremove == 0) /* a save of answers alone */
		return 0;
	if ((rc = last_frozen(db, id, &frozen)) != 0)
		return rc;
	for (size_t i = 0; i < nremove; i++) {
		/* A file already gone (a second click, another tab) is not an error. */
		if ((rc = remove_file(db, id, remove[i], version, frozen, &found)) != 0)
			return rc;
	}
	/* Checked again inside the transaction: the totals may have moved since the first check. */
	if ((rc = check_uploads(db, id, u, n)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (u[i].rc != 0 || u[i].kind == NULL || u[i].sha256[0] == '\0') {
			if (u[i].rc == 0)
				refuse(&u[i], MC_EINVAL, "Không lưu được tệp «%s».", quoted_name(&u[i]));
			if ((rc = add_problem(errs, &u[i])) != 0)
				return rc;
			continue;
		}
		if ((rc = current_of_document(db, id, u[i].document_id, ids, COUNT(ids), &count)) != 0)
			return rc;
		if (u[i].replace)
			for (size_t k = 0; k < count; k++)
				if ((rc = remove_file(db, id, ids[k], version, frozen, &found)) != 0)
					return rc;
		if ((rc = insert_file(db, id, &u[i], version, now)) != 0)
			return rc;
	}
	return 0;
}

/* ---- what the pages show ---- */

/* The files of dossier 'id' current in version 'version' (0: the working copy) of document
 * 'document_id', as [ { "id", "name", "kind", "size", "size_text", "url" } ]. */
static json_t *files_of(struct db *db, int64_t id, int64_t document_id, int *rc)
{
	struct db_stmt *st;
	json_t *list = json_array(), *f;
	char size[SIZE_TEXT], url[DOSSIER_LINK_SIZE];

	if (list == NULL) {
		*rc = MC_ENOMEM;
		return NULL;
	}
	*rc = db_prepare(db,
		"SELECT id, name, kind, size FROM dossier_files WHERE dossier_id = ? "
		"AND document_id = ? AND removed_in IS NULL ORDER BY id", &st);
	if (*rc == 0 && (*rc = db_bind_int64(st, 1, id)) == 0)
		*rc = db_bind_int64(st, 2, document_id);
	if (*rc != 0)
		goto fail;
	while ((*rc = db_step(st)) == DB_ROW) {
		int64_t fid = db_col_int64(st, 0);

		catalog_format_size(db_col_int64(st, 3), size, sizeof size);
		/* The name in the URL is for the browser's "save as"; the page builder encodes it. */
		snprintf(url, sizeof url, "/dossiers/%" PRId64 "/files/%" PRId64, id, fid);
		f = json_object();
		if (f == NULL || json_array_append_new(list, f) != 0 ||
		    (*rc = rows_put(f, "id", json_integer(fid))) != 0 ||
		    (*rc = rows_put(f, "name", rows_text(st, 1))) != 0 ||
		    (*rc = rows_put(f, "kind", rows_text(st, 2))) != 0 ||
		    (*rc = rows_put(f, "size", json_integer(db_col_int64(st, 3)))) != 0 ||
		    (*rc = rows_put(f, "size_text", json_string(size))) != 0 ||
		    (*rc = rows_put(f, "url", json_string(url))) != 0) {
			if (*rc == 0)
				*rc = MC_ENOMEM;
			db_reset(st);
			goto fail;
		}
	}
	if (*rc != DB_DONE) {
		*rc = *rc < 0 ? *rc : MC_EDB;
		goto fail;
	}
	*rc = 0;
	return list;
fail:
	json_decref(list);
	return NULL;
}

int dossier_documents_view(struct db *db, int64_t id, json_t *out)
{
	struct db_stmt *st;
	json_t *docs = json_array(), *doc, *files;
	const char *allowed[DOSSIER_KINDS_MAX];
	char size[SIZE_TEXT], accept[160], key[KEY_SIZE];
	int64_t doc_ids[PROCEDURE_DOCUMENTS_MAX];
	size_t n = 0;
	int rc, number = 0;

	if (docs == NULL)
		return MC_ENOMEM;
	if ((rc = rows_put(out, "documents", docs)) != 0)
		return rc;
	rc = db_prepare(db,
		"SELECT pd.id, pd.name, pd.requirement, pd.condition, pd.file_types, pd.max_size, "
		"pd.multiple FROM dossiers d "
		"JOIN procedure_documents pd ON pd.procedure_id = d.procedure_id "
		"WHERE d.id = ? ORDER BY pd.position", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *types = db_col_text(st, 4, NULL);
		size_t nallowed = parse_kinds(types, allowed), used = 0;
		int mandatory = strcmp(db_col_text(st, 2, NULL) ? db_col_text(st, 2, NULL) : "",
		                       "mandatory") == 0;

		/* The browser's file picker offers the allowed kinds; the server checks content. */
		accept[0] = '\0';
		for (size_t i = 0; i < nallowed; i++) {
			int w = snprintf(accept + used, sizeof accept - used, "%s.%s", i ? "," : "",
			                 allowed[i]);
			if (w < 0 || (size_t)w >= sizeof accept - used)
				break;
			used += (size_t)w;
			if (strcmp(allowed[i], "jpg") == 0) {
				w = snprintf(accept + used, sizeof accept - used, ",.jpeg");
				if (w < 0 || (size_t)w >= sizeof accept - used)
					break;
				used += (size_t)w;
			}
		}
		catalog_format_size(db_col_int64(st, 5), size, sizeof size);
		snprintf(key, sizeof key, "doc_%" PRId64, db_col_int64(st, 0));
		if (n < COUNT(doc_ids))
			doc_ids[n++] = db_col_int64(st, 0);
		doc = json_object();
		if (doc == NULL || json_array_append_new(docs, doc) != 0 ||
		    (rc = rows_put(doc, "id", json_integer(db_col_int64(st, 0)))) != 0 ||
		    (rc = rows_put(doc, "number", json_integer(++number))) != 0 ||
		    (rc = rows_put(doc, "input", json_string(key))) != 0 ||
		    (rc = rows_put(doc, "name", rows_text(st, 1))) != 0 ||
		    (rc = rows_put(doc, "mandatory", json_boolean(mandatory))) != 0 ||
		    (rc = rows_put(doc, "condition", rows_text(st, 3))) != 0 ||
		    (rc = rows_put(doc, "file_types_text", catalog_format_file_types(types))) != 0 ||
		    (rc = rows_put(doc, "accept", json_string(accept))) != 0 ||
		    (rc = rows_put(doc, "max_size", json_integer(db_col_int64(st, 5)))) != 0 ||
		    (rc = rows_put(doc, "max_size_text", json_string(size))) != 0 ||
		    (rc = rows_put(doc, "multiple", json_boolean(db_col_int64(st, 6) != 0))) != 0) {
			db_reset(st);
			return rc != 0 ? rc : MC_ENOMEM;
		}
	}
	if (rc != DB_DONE)
		return rc < 0 ? rc : MC_EDB;
	/* The files, once the documents' statement is done with. */
	for (size_t i = 0; i < n; i++) {
		files = files_of(db, id, doc_ids[i], &rc);
		if (files == NULL)
			return rc;
		doc = json_array_get(docs, i);
		if ((rc = rows_put(doc, "has_files", json_boolean(json_array_size(files) > 0))) != 0 ||
		    (rc = rows_put(doc, "files", files)) != 0)
			return rc;
	}
	return 0;
}

int dossier_file(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                 int64_t file_id, struct dossier_file_ref *out)
{
	struct db_stmt *st;
	int staff = dossier_staff_handles(a), rc;

	memset(out, 0, sizeof(*out));
	if (!dossier_is_citizen(a) && !staff)
		return MC_EFORBIDDEN;
	/* Any file the dossier ever held, earlier versions included.  The owner sees them all;
	 * staff those of the dossiers they see (dossier_flow_visible: never a draft's or an
	 * unconfirmed dossier's). */
	if (staff && (rc = dossier_flow_visible(db, a, id)) != 0)
		return rc;
	rc = db_prepare(db, staff
		? "SELECT f.sha256, f.name, f.kind, f.size FROM dossier_files f "
		  "WHERE f.id = ? AND f.dossier_id = ?"
		: "SELECT f.sha256, f.name, f.kind, f.size FROM dossier_files f "
		  "JOIN dossiers d ON d.id = f.dossier_id "
		  "WHERE f.id = ? AND f.dossier_id = ? AND d.owner_account_id = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, file_id)) != 0 || (rc = db_bind_int64(st, 2, id)) != 0 ||
	    (!staff && (rc = db_bind_int64(st, 3, a->account_id)) != 0))
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	db_col_copy(st, 0, out->sha256, sizeof out->sha256);
	db_col_copy(st, 1, out->name, sizeof out->name);
	db_col_copy(st, 2, out->kind, sizeof out->kind);
	out->size = db_col_int64(st, 3);
	db_reset(st);
	/* A staff member opening a citizen's paper is a view of personal data: it is recorded. */
	if (staff) {
		char summary[FILESTORE_DISPLAY_NAME_CAP + 64];

		snprintf(summary, sizeof summary, "Xem tệp «%s» của hồ sơ", out->name);
		if ((rc = db_begin(db)) != 0)
			return rc;
		if ((rc = audit_record(db, a, now_ms, "view", "dossier", id, 0, summary, NULL,
		                       NULL)) != 0 ||
		    (rc = db_commit(db)) != 0) {
			db_rollback(db);
			return rc;
		}
	}
	return 0;
}

/* ---- scanned documents of a walk-in dossier (staff) ---- */

/* Whether intake officer 'a' may attach scans to dossier 'id' now: 0; MC_ENOTFOUND (not seen);
 * MC_EFORBIDDEN (not the desk's intake officer); MC_ECONFLICT (not a walk-in dossier, or
 * finished). */
static int scans_allowed(struct db *db, const struct actor *a, int64_t id)
{
	struct db_stmt *st;
	char channel[16], status[32];
	unsigned roles;
	int rc, visible = 0;

	if (a == NULL || a->role != ROLE_STAFF)
		return MC_EFORBIDDEN;
	if ((rc = db_row_by_id(db, "SELECT desk_agency_id, competent_agency_id, "
	                           "coalesce(department_id, 0), channel, status FROM dossiers "
	                           "WHERE id = ?", id, &st)) != 0)
		return rc;
	roles = dossier_flow_roles(a, db_col_int64(st, 0), db_col_int64(st, 1), db_col_int64(st, 2),
	                           &visible);
	db_col_copy(st, 3, channel, sizeof channel);
	db_col_copy(st, 4, status, sizeof status);
	db_reset(st);
	if (!visible || strcmp(status, "draft") == 0 || strcmp(status, "unconfirmed") == 0)
		return MC_ENOTFOUND;
	if (!(roles & WF_INTAKE))
		return MC_EFORBIDDEN;
	if (strcmp(channel, "walk_in") != 0 || dossier_scans_closed(status))
		return MC_ECONFLICT;
	return 0;
}

int dossier_scans_closed(const char *status)
{
	return strcmp(status, "returned") == 0 || strcmp(status, "refused") == 0 ||
	       strcmp(status, "withdrawn") == 0 || strcmp(status, "expired") == 0;
}

int dossier_scans_check(struct db *db, const struct actor *a, int64_t id,
                        struct dossier_upload *u, size_t n)
{
	int rc = scans_allowed(db, a, id);

	return rc != 0 ? rc : check_uploads(db, id, u, n);
}

int dossier_scans_attach(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                         struct dossier_upload *u, size_t n, json_t **errors)
{
	char now[32], note[512];
	json_t *errs = json_object();
	int64_t frozen = 0;
	size_t used = 0, added = 0;
	int rc;

	*errors = NULL;
	if (errs == NULL)
		return MC_ENOMEM;
	clock_iso8601(now_ms, now, sizeof now);
	if ((rc = db_begin(db)) != 0)
		goto out;
	/* The files belong to the version frozen at registration (or the last supplement's). */
	if ((rc = scans_allowed(db, a, id)) != 0 || (rc = last_frozen(db, id, &frozen)) != 0 ||
	    (rc = dossier_files_apply(db, id, frozen, now, u, n, NULL, 0, errs)) != 0)
		goto rollback;
	note[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (u[i].rc == 0 && u[i].sha256[0] != '\0') {
			/* Cut at a character boundary when the names do not all fit. */
			fields_printf(note + used, sizeof note - used, "%s%s",
			              added++ > 0 ? ", " : "Đính kèm giấy tờ bản quét: ", u[i].name);
			used += strlen(note + used);
		}
	if (added > 0) {
		struct db_stmt *st;
		char status[32];

		if ((rc = db_row_by_id(db, "SELECT status FROM dossiers WHERE id = ?", id, &st)) != 0)
			goto rollback;
		db_col_copy(st, 0, status, sizeof status);
		db_reset(st);
		if ((rc = dossier_add_event_by(db, id, now, a->account_id, a->full_name, status, status,
		                               note)) != 0 ||
		    (rc = audit_record(db, a, now_ms, "attach", "dossier", id, 0, note, NULL, NULL)) != 0)
			goto rollback;
		rc = db_prepare(db, "UPDATE dossiers SET updated_at = ? WHERE id = ?", &st);
		if (rc != 0 || (rc = db_bind_cstr(st, 1, now)) != 0 ||
		    (rc = db_bind_int64(st, 2, id)) != 0 || (rc = db_step_done(st)) != 0)
			goto rollback;
	}
	if ((rc = db_commit(db)) != 0)
		goto rollback;
	if (json_object_size(errs) > 0) {
		*errors = errs;
		errs = NULL;
	}
	goto out;
rollback:
	db_rollback(db);
out:
	json_decref(errs);
	return rc;
}
