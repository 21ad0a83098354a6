/* catalog_io.c: exporting and importing the procedure catalogue (docs/catalog-format.md). */
#include "domain/catalog_io.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/procedure.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/db.h"

/* Room for "procedures[123456] (1.000894)". */
#define WHERE_BYTES 64

/* Room for one message of procedure_check_json_at with a form path inside. */
#define MESSAGE_BYTES 1024

static const char *const file_members[] = { "format", "version", "procedures", NULL };

/* What an import does with one procedure of the file. */
enum outcome { OUTCOME_NEW, OUTCOME_CHANGED, OUTCOME_UNCHANGED };

static const char *const outcome_names[] = { "new", "changed", "unchanged" };

/* ------------------------------------------------------------------------------------------ */
/* Export */

/* The codes of every procedure, sorted, as a JSON array of strings in *out. */
static int list_codes(struct db *db, json_t **out)
{
	struct db_stmt *st = NULL;
	json_t *codes = json_array();
	int rc;

	*out = NULL;
	if (codes == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db, "SELECT code FROM procedures ORDER BY code", &st);
	while (rc == 0 && (rc = db_step(st)) == DB_ROW) {
		size_t len = 0;
		const char *code = db_col_text(st, 0, &len);

		rc = json_array_append_new(codes, json_stringn(code != NULL ? code : "", len)) == 0
		             ? 0
		             : MC_ENOMEM;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		json_decref(codes);
		return rc;
	}
	*out = codes;
	return 0;
}

/* The whole catalogue object, read in one transaction. */
static int build_catalog(struct db *db, json_t **out)
{
	json_t *root = NULL, *list = NULL, *codes = NULL, *code;
	size_t i;
	int rc;

	*out = NULL;
	/* A write transaction is the facade's only way to read several statements from one
	 * snapshot; it is rolled back, so it changes nothing. */
	rc = db_begin(db);
	if (rc != 0)
		return rc;
	rc = list_codes(db, &codes);
	if (rc == 0) {
		root = json_object();
		list = json_array();
		if (root == NULL || list == NULL ||
		    json_object_set_new(root, "format", json_string(CATALOG_FORMAT)) != 0 ||
		    json_object_set_new(root, "version", json_integer(CATALOG_VERSION)) != 0)
			rc = MC_ENOMEM;
	}
	json_array_foreach(codes, i, code) {
		json_t *p = NULL;

		if (rc != 0)
			break;
		rc = procedure_load_json(db, json_string_value(code), 1, &p);
		if (rc == 0 && json_array_append_new(list, p) != 0)
			rc = MC_ENOMEM;
	}
	db_rollback(db);
	if (rc == 0) {
		rc = json_object_set_new(root, "procedures", list) == 0 ? 0 : MC_ENOMEM;
		list = NULL;
	}
	if (rc == 0) {
		*out = root;
		root = NULL;
	}
	json_decref(root);
	json_decref(list);
	json_decref(codes);
	return rc;
}

int catalog_export(struct db *db, FILE *out)
{
	json_t *root = NULL;
	int rc;

	rc = build_catalog(db, &root);
	if (rc != 0)
		goto out;
	/* Jansson keeps members in insertion order, which is the format's order; reals keep all
	 * 17 digits so that a number read back is the same number. */
	if (json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
	    fputc('\n', out) == EOF || fflush(out) != 0 || ferror(out))
		rc = MC_EIO;
out:
	json_decref(root);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Import: checking the file */

static int can_import(const struct actor *actor)
{
	return actor != NULL && actor->role == ROLE_STAFF &&
	       actor->staff_role == STAFF_SYSTEM_ADMIN;
}

/* The procedure's place for messages: "procedures[3] (1.000894)", or "procedures[3]" while its
 * code is not a valid code (so nothing odd is echoed). */
static void where_of(const json_t *p, size_t i, char *out, size_t cap)
{
	const char *code = json_string_value(json_object_get(p, "code"));

	if (procedure_code_valid(code))
		snprintf(out, cap, "procedures[%zu] (%s)", i, code);
	else
		snprintf(out, cap, "procedures[%zu]", i);
}

static const char *json_problem(const json_error_t *e)
{
	switch (json_error_code(e)) {
	case json_error_invalid_utf8:
		return "có byte không phải UTF-8";
	case json_error_premature_end_of_input:
		return "tệp kết thúc giữa chừng";
	case json_error_end_of_input_expected:
		return "còn nội dung sau đối tượng JSON chính";
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return "có ký tự NUL (\\u0000)";
	case json_error_duplicate_key:
		return "một đối tượng có hai mục trùng tên";
	case json_error_numeric_overflow:
		return "có số quá lớn";
	case json_error_stack_overflow:
		return "lồng nhau quá sâu";
	case json_error_out_of_memory:
		return "không đủ bộ nhớ để đọc";
	default:
		return "sai cú pháp";
	}
}

/*
 * Check the file's outer object and every procedure (normalising their text to NFC first).
 * MC_EINVAL with the first problem in err; MC_ENOMEM.
 */
static int check_file(json_t *root, char *err, size_t errlen)
{
	char where[WHERE_BYTES], msg[MESSAGE_BYTES];
	json_t *list, *p, *seen_codes = NULL, *seen_templates = NULL;
	const json_t *v;
	const char *key;
	size_t i;
	int rc = MC_EINVAL;

	if (!json_is_object(root)) {
		mc_errf(err, errlen, "Tệp danh mục phải là một đối tượng JSON");
		goto out;
	}
	json_object_foreach(root, key, p) {
		int known = 0;

		for (size_t k = 0; file_members[k] != NULL; k++)
			known |= strcmp(key, file_members[k]) == 0;
		if (!known) {
			if (strlen(key) <= 64 && strspn(key, "abcdefghijklmnopqrstuvwxyz_0123456789") ==
			                             strlen(key) && key[0] != '\0')
				mc_errf(err, errlen, "%s: không có trong định dạng danh mục", key);
			else
				mc_errf(err, errlen, "Tệp danh mục có một mục không thuộc định dạng");
			goto out;
		}
	}
	v = json_object_get(root, "format");
	if (v == NULL || !json_is_string(v) || strcmp(json_string_value(v), CATALOG_FORMAT) != 0) {
		mc_errf(err, errlen, "format: phải là \"%s\" (tệp không phải danh mục thủ tục của "
		                     "motcua)", CATALOG_FORMAT);
		goto out;
	}
	v = json_object_get(root, "version");
	if (v == NULL || !json_is_integer(v)) {
		mc_errf(err, errlen, "version: phải là số nguyên (phiên bản định dạng)");
		goto out;
	}
	if (json_integer_value(v) != CATALOG_VERSION) {
		mc_errf(err, errlen, "version: phiên bản %lld không được hỗ trợ (chỉ đọc được phiên "
		                     "bản %d)", (long long)json_integer_value(v), CATALOG_VERSION);
		goto out;
	}
	list = json_object_get(root, "procedures");
	if (list == NULL || !json_is_array(list)) {
		mc_errf(err, errlen, "procedures: %s", list == NULL ? "còn thiếu" : "phải là một mảng");
		goto out;
	}

	seen_codes = json_object();
	seen_templates = json_object();
	if (seen_codes == NULL || seen_templates == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	json_array_foreach(list, i, p) {
		const json_t *docs, *doc, *first;
		const char *code;
		size_t d;

		if (json_is_object(p)) {
			rc = procedure_normalize_json(p);
			if (rc == MC_ENOMEM) {
				mc_errf(err, errlen, "Không đủ bộ nhớ để đọc tệp danh mục");
				goto out;
			}
		}
		where_of(p, i, where, sizeof(where));
		rc = procedure_check_json_at(p, where, msg, sizeof(msg));
		if (rc != 0) {
			mc_errf(err, errlen, "%s", msg);
			goto out;
		}
		code = json_string_value(json_object_get(p, "code"));
		first = json_object_get(seen_codes, code);
		if (first != NULL) {
			rc = MC_EINVAL;
			mc_errf(err, errlen, "%s.code: trùng mã với procedures[%lld]", where,
			        (long long)json_integer_value(first));
			goto out;
		}
		if (json_object_set_new(seen_codes, code, json_integer((json_int_t)i)) != 0) {
			rc = MC_ENOMEM;
			goto out;
		}
		/* blobs holds one media type per content: two templates with the same bytes must
		 * agree on it, or the export would not give the file back. */
		docs = json_object_get(p, "documents");
		json_array_foreach(docs, d, doc) {
			const json_t *tpl = json_object_get(doc, "template"), *prev;
			const char *sha, *media;
			char here[WHERE_BYTES + 32];

			if (tpl == NULL)
				continue;
			sha = json_string_value(json_object_get(tpl, "sha256"));
			media = json_string_value(json_object_get(tpl, "media_type"));
			snprintf(here, sizeof(here), "%s.documents[%zu]", where, d);
			prev = json_object_get(seen_templates, sha);
			if (prev == NULL) {
				if (json_object_set_new(seen_templates, sha,
				                        json_pack("[ss]", media, here)) != 0) {
					rc = MC_ENOMEM;
					goto out;
				}
			} else if (strcmp(json_string_value(json_array_get(prev, 0)), media) != 0) {
				rc = MC_EINVAL;
				mc_errf(err, errlen, "%s.template.media_type: khác với tệp mẫu cùng nội dung "
				                     "ở %s (%s)", here,
				        json_string_value(json_array_get(prev, 1)),
				        json_string_value(json_array_get(prev, 0)));
				goto out;
			}
		}
	}
	rc = 0;
out:
	json_decref(seen_codes);
	json_decref(seen_templates);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Import: applying it */

/* Compare procedure p of the file with the stored one. */
static int classify(struct db *db, const json_t *p, enum outcome *outcome)
{
	json_t *stored = NULL;
	int rc;

	rc = procedure_load_json(db, json_string_value(json_object_get(p, "code")), 1, &stored);
	if (rc == MC_ENOTFOUND) {
		*outcome = OUTCOME_NEW;
		return 0;
	}
	if (rc != 0)
		return rc;
	/* The file's procedure passed the same checks the stored one did and holds exactly the
	 * catalogue's members, so equality of the two objects is equality of procedures. */
	*outcome = json_equal(stored, p) ? OUTCOME_UNCHANGED : OUTCOME_CHANGED;
	json_decref(stored);
	return 0;
}

static const char *db_problem(int rc)
{
	switch (rc) {
	case MC_ECONFLICT:
		return "cơ sở dữ liệu không cho phép thay đổi này (một thành phần hồ sơ bị bỏ đi "
		       "đang được sử dụng)";
	case MC_EUNAVAIL:
		return "cơ sở dữ liệu đang bận, hãy thử lại sau";
	case MC_ENOMEM:
		return "không đủ bộ nhớ";
	default:
		return "lỗi cơ sở dữ liệu";
	}
}

/* The audit record's "after": which codes were created and replaced. */
static json_t *audit_after(const json_t *list, const enum outcome *outcomes, size_t counts[3])
{
	json_t *after = json_pack("{s[]s[]sI}", "new", "changed", "unchanged",
	                          (json_int_t)counts[OUTCOME_UNCHANGED]);
	const json_t *p;
	size_t i;

	if (after == NULL)
		return NULL;
	json_array_foreach(list, i, p) {
		json_t *bucket;

		if (outcomes[i] == OUTCOME_UNCHANGED)
			continue;
		bucket = json_object_get(after, outcomes[i] == OUTCOME_NEW ? "new" : "changed");
		if (json_array_append(bucket, json_object_get(p, "code")) != 0) {
			json_decref(after);
			return NULL;
		}
	}
	return after;
}

int catalog_import(struct db *db, const struct actor *actor, int64_t now_ms, const char *json_text,
                   size_t len, int dry_run, FILE *report, char *err, size_t errlen)
{
	char now[32], where[WHERE_BYTES], summary[256];
	json_error_t jerr;
	json_t *root = NULL, *list, *p, *after = NULL;
	enum outcome *outcomes = NULL;
	size_t counts[3] = { 0, 0, 0 }, i;
	int rc, in_transaction = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (!can_import(actor)) {
		rc = MC_EFORBIDDEN;
		mc_errf(err, errlen, "Chỉ quản trị hệ thống được nhập danh mục thủ tục");
		goto out;
	}
	if (len > CATALOG_FILE_MAX) {
		rc = MC_ETOOBIG;
		mc_errf(err, errlen, "Tệp danh mục lớn hơn giới hạn %u MiB", CATALOG_FILE_MAX >> 20);
		goto out;
	}
	root = json_loadb(json_text != NULL ? json_text : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		rc = json_error_code(&jerr) == json_error_out_of_memory ? MC_ENOMEM : MC_EINVAL;
		mc_errf(err, errlen, "Tệp không phải JSON hợp lệ: %s (dòng %d, cột %d)",
		        json_problem(&jerr), jerr.line, jerr.column);
		goto out;
	}
	rc = check_file(root, err, errlen);
	if (rc != 0)
		goto out;

	list = json_object_get(root, "procedures");
	outcomes = calloc(json_array_size(list) + 1, sizeof(*outcomes));
	if (outcomes == NULL) {
		rc = MC_ENOMEM;
		mc_errf(err, errlen, "Không đủ bộ nhớ để nhập danh mục");
		goto out;
	}
	if (!dry_run) {
		rc = db_begin(db);
		if (rc != 0) {
			mc_errf(err, errlen, "Không bắt đầu được việc nhập: %s", db_problem(rc));
			goto out;
		}
		in_transaction = 1;
	}
	clock_iso8601(now_ms, now, sizeof(now));
	json_array_foreach(list, i, p) {
		where_of(p, i, where, sizeof(where));
		rc = classify(db, p, &outcomes[i]);
		if (rc == 0 && !dry_run && outcomes[i] != OUTCOME_UNCHANGED)
			rc = procedure_store(db, p, now, NULL, NULL);
		if (rc != 0) {
			mc_errf(err, errlen, "%s: không lưu được: %s", where, db_problem(rc));
			goto out;
		}
		counts[outcomes[i]]++;
	}
	snprintf(summary, sizeof(summary),
	         "Nhập danh mục: %zu thủ tục mới, %zu thủ tục cập nhật, %zu thủ tục không đổi",
	         counts[OUTCOME_NEW], counts[OUTCOME_CHANGED], counts[OUTCOME_UNCHANGED]);
	if (!dry_run) {
		after = audit_after(list, outcomes, counts);
		rc = after == NULL ? MC_ENOMEM
		                   : audit_record(db, actor, now_ms, "import", "catalog", 0, 0, summary,
		                                  NULL, after);
		if (rc == 0)
			rc = db_commit(db);
		if (rc != 0) {
			mc_errf(err, errlen, "Không ghi được việc nhập danh mục: %s", db_problem(rc));
			goto out;
		}
		in_transaction = 0;
	}

	if (report != NULL) {
		json_array_foreach(list, i, p)
			fprintf(report, "%s\t%s\t%s\n", outcome_names[outcomes[i]],
			        json_string_value(json_object_get(p, "code")),
			        json_string_value(json_object_get(p, "name")));
		fprintf(report, "%s%s.\n", dry_run ? "Chạy thử, không lưu gì. " : "", summary);
		if (fflush(report) != 0 || ferror(report)) {
			rc = MC_EIO;
			mc_errf(err, errlen, "Không ghi được báo cáo nhập danh mục%s",
			        dry_run ? "" : " (danh mục đã được nhập)");
			goto out;
		}
	}
	rc = 0;
out:
	if (in_transaction)
		db_rollback(db);
	json_decref(after);
	json_decref(root);
	free(outcomes);
	return rc;
}
