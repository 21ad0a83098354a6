/* test_catalog_io.c: procedure records and the catalogue exchange on an in-memory SQLite
 * database with the real migrations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/actor.h"
#include "domain/catalog_io.h"
#include "domain/procedure.h"
#include "lib/err.h"
#include "store/db.h"

#ifndef MIGRATIONS_DIR
#define MIGRATIONS_DIR "migrations"
#endif

#define T0 1795998825000LL /* 2026-11-30T00:33:45.000Z */
#define DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

/* The command line, the catalogue's importer. */
static const struct actor *system_actor(void)
{
	static struct actor a;

	actor_command_line(&a);
	return &a;
}

static int setup(void **state)
{
	struct db *db = NULL;
	char err[512];

	if (db_open("sqlite::memory:", &db, err, sizeof err) != 0) {
		fprintf(stderr, "db_open: %s\n", err);
		return -1;
	}
	if (db_migrate(db, MIGRATIONS_DIR, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "db_migrate: %s\n", err);
		db_close(db);
		return -1;
	}
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Building catalogues */

static json_t *make_template(const char *name, const char *media, const void *bytes, size_t len)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[65];
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(cap);
	json_t *t;

	assert_non_null(b64);
	sodium_bin2base64(b64, cap, bytes, len, sodium_base64_VARIANT_ORIGINAL);
	crypto_hash_sha256(digest, bytes, len);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	t = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "media_type", media, "sha256", hex,
	              "content_base64", b64);
	free(b64);
	assert_non_null(t);
	return t;
}

static json_t *make_document(const char *name, const char *requirement, const char *condition,
                             int multiple)
{
	json_t *d = json_pack("{s:s, s:i, s:i, s:s, s:s, s:[sss], s:I, s:b}", "name", name,
	                      "originals", 1, "copies", 0, "requirement", requirement, "condition",
	                      condition, "file_types", "pdf", "jpg", "png", "max_size",
	                      (json_int_t)10485760, "multiple", multiple);

	assert_non_null(d);
	return d;
}

static json_t *simple_form(const char *label)
{
	json_t *f = json_pack("{s:[{s:s, s:[{s:s, s:s, s:s, s:b, s:i, s:s}]}]}", "sections",
	                      "title", "Thông tin người yêu cầu", "fields", "name", "requester_name",
	                      "label", label, "type", "text", "required", 1, "max_length", 100,
	                      "prefill", "full_name");

	assert_non_null(f);
	return f;
}

/* A procedure with every member, fees and no documents. */
static json_t *make_procedure(const char *code, const char *name)
{
	json_t *p = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:i, s:s},"
		" s:[{s:i, s:s}], s:s, s:s, s:s, s:b, s:[], s:o}",
		"code", code, "name", name, "field", "Hộ tịch", "level", "commune", "applicant_type",
		"citizen", "description", "Mô tả thủ tục.", "steps", "Bước 1: nộp hồ sơ.", "submission",
		"Trực tuyến", "conditions", "", "time", "kind", "days", "value", 5, "note", "",
		"fees", "amount", 0, "description", "Miễn lệ phí", "legal_basis",
		"Luật Hộ tịch số 60/2014/QH13", "result", "Giấy khai sinh", "service_mode", "full",
		"active", 1, "documents", "form", simple_form("Họ, chữ đệm, tên"));

	assert_non_null(p);
	return p;
}

static void set(json_t *o, const char *key, json_t *v)
{
	assert_non_null(v);
	assert_int_equal(json_object_set_new(o, key, v), 0);
}

static const char pdf_bytes[] = "%PDF-1.4\n% Tờ khai mẫu\n%%EOF\n";
static const char docx_bytes[] = "PK\003\004 tờ khai đăng ký khai sinh (mẫu)";

/*
 * Three procedures covering every member and value of the format, in an order that is not the
 * code order: 2.000815 (province, business, hours, forms, inactive, three fees, a PDF template
 * and a conditional document), 1.001193 (commune, citizen, same_day, full, a DOCX template and
 * an empty template file), 1.000894 (central, both, days, info, no fees, no documents, a form
 * with a real number).
 */
static json_t *full_catalog(void)
{
	json_t *root, *list, *p, *d;

	list = json_array();
	assert_non_null(list);

	p = make_procedure("2.000815", "Chứng thực bản sao từ bản chính");
	set(p, "field", json_string("Chứng thực"));
	set(p, "level", json_string("province"));
	set(p, "applicant_type", json_string("business"));
	set(p, "description", json_string("Mô tả có \"ngoặc kép\", dấu \\ gạch ngược,\tmột tab\n"
	                                  "và dòng thứ hai / có gạch chéo."));
	set(p, "steps", json_string("Bước 1: xuất trình bản chính.\nBước 2: nhận bản sao."));
	set(p, "conditions", json_string("Bản chính không bị tẩy xóa."));
	set(p, "time", json_pack("{s:s, s:i, s:s}", "kind", "hours", "value", 8, "note",
	                         "Nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo"));
	set(p, "fees", json_pack("[{s:i, s:s}, {s:i, s:s}, {s:I, s:s}]", "amount", 2000,
	                         "description", "Trang thứ nhất và thứ hai", "amount", 1000,
	                         "description", "", "amount", (json_int_t)1000000000,
	                         "description", "Mức tối đa"));
	set(p, "result", json_string("Bản sao được chứng thực"));
	set(p, "service_mode", json_string("forms"));
	set(p, "active", json_false());
	d = make_document("Bản chính giấy tờ", "mandatory", "", 1);
	set(d, "copies", json_integer(2));
	set(d, "file_types", json_pack("[s]", "pdf"));
	set(d, "max_size", json_integer(52428800));
	set(d, "template", make_template("mau-yeu-cau.pdf", "application/pdf", pdf_bytes,
	                                 sizeof(pdf_bytes) - 1));
	assert_int_equal(json_array_append_new(json_object_get(p, "documents"), d), 0);
	d = make_document("Văn bản ủy quyền", "conditional",
	                  "Trường hợp người khác nộp thay người yêu cầu", 0);
	set(d, "originals", json_integer(0));
	set(d, "file_types", json_pack("[ssssssssss]", "pdf", "jpg", "png", "docx", "doc", "xlsx",
	                               "xls", "odt", "zip", "xml"));
	set(d, "max_size", json_integer(1));
	assert_int_equal(json_array_append_new(json_object_get(p, "documents"), d), 0);
	assert_int_equal(json_array_append_new(list, p), 0);

	p = make_procedure("1.001193", "Đăng ký khai sinh");
	set(p, "time", json_pack("{s:s, s:i, s:s}", "kind", "same_day", "value", 0, "note", ""));
	set(p, "fees", json_pack("[{s:i, s:s}]", "amount", 0, "description",
	                         "Miễn lệ phí khi đăng ký đúng hạn"));
	d = make_document("Tờ khai đăng ký khai sinh", "mandatory", "", 0);
	set(d, "template", make_template("to-khai-dang-ky-khai-sinh.docx", DOCX, docx_bytes,
	                                 sizeof(docx_bytes) - 1));
	assert_int_equal(json_array_append_new(json_object_get(p, "documents"), d), 0);
	d = make_document("Giấy chứng sinh", "mandatory", "", 0);
	set(d, "template", make_template("trong.txt", "text/plain", "", 0));
	assert_int_equal(json_array_append_new(json_object_get(p, "documents"), d), 0);
	assert_int_equal(json_array_append_new(list, p), 0);

	p = make_procedure("1.000894", "Đăng ký kết hôn");
	set(p, "level", json_string("central"));
	set(p, "applicant_type", json_string("both"));
	set(p, "submission", json_string(""));
	set(p, "legal_basis", json_string(""));
	set(p, "description", json_string(""));
	set(p, "fees", json_array());
	set(p, "service_mode", json_string("info"));
	set(p, "form", json_pack("{s:[{s:s, s:s, s:[{s:s, s:s, s:s, s:f, s:i, s:b}]}]}", "sections",
	                         "title", "Yêu cầu", "description", "Ghi đầy đủ.", "fields", "name",
	                         "weight", "label", "Cân nặng (kg)", "type", "number", "min", 0.5,
	                         "max", 300, "integer", 0));
	assert_int_equal(json_array_append_new(list, p), 0);

	root = json_pack("{s:s, s:i, s:o}", "format", "motcua-catalog", "version", 1,
	                 "procedures", list);
	assert_non_null(root);
	return root;
}

static char *dump(const json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	assert_non_null(text);
	return text;
}

/* ------------------------------------------------------------------------------------------ */
/* Running imports and exports */

static char *export_text(struct db *db)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(catalog_export(db, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(text);
	return text;
}

struct result {
	int rc;
	char err[1024];
	char *report;
};

static void import_text(struct db *db, const char *text, size_t len, int dry_run,
                        struct result *r)
{
	size_t rlen = 0;
	FILE *f;

	r->report = NULL;
	f = open_memstream(&r->report, &rlen);
	assert_non_null(f);
	memset(r->err, 'x', sizeof(r->err));
	r->rc = catalog_import(db, system_actor(), T0, text, len, dry_run, f, r->err,
	                       sizeof(r->err));
	assert_int_equal(fclose(f), 0);
	if (r->rc != 0)
		assert_non_null(memchr(r->err, '\0', sizeof(r->err)));
}

static void import_json(struct db *db, const json_t *root, int dry_run, struct result *r)
{
	char *text = dump(root);

	import_text(db, text, strlen(text), dry_run, r);
	free(text);
}

/* Import that must succeed; returns the report (caller frees). */
static char *import_ok(struct db *db, const json_t *root)
{
	struct result r;

	import_json(db, root, 0, &r);
	if (r.rc != 0)
		fail_msg("import failed: %d %s", r.rc, r.err);
	return r.report;
}

static int64_t count(struct db *db, const char *sql)
{
	struct db_stmt *st;
	int64_t n;

	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	n = db_col_int64(st, 0);
	assert_int_equal(db_step(st), DB_DONE);
	return n;
}

static int64_t lookup_id(struct db *db, const char *sql, const char *code, int64_t position)
{
	struct db_stmt *st;
	int64_t id;

	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_bind_cstr(st, 1, code), 0);
	if (position >= 0)
		assert_int_equal(db_bind_int64(st, 2, position), 0);
	if (db_step(st) != DB_ROW)
		return 0;
	id = db_col_int64(st, 0);
	assert_int_equal(db_step(st), DB_DONE);
	return id;
}

#define DOCUMENT_ID_SQL \
	"SELECT d.id FROM procedure_documents d JOIN procedures p ON p.id = d.procedure_id " \
	"WHERE p.code = ? AND d.position = ?"

/* ------------------------------------------------------------------------------------------ */
/* Round trip */

static void test_round_trip(void **state)
{
	struct db *db = *state, *other = NULL;
	json_t *root = full_catalog(), *back, *list;
	char *report, *first, *second, *third;
	json_error_t jerr;

	report = import_ok(db, root);
	assert_string_equal(report, "new\t2.000815\tChứng thực bản sao từ bản chính\n"
	                            "new\t1.001193\tĐăng ký khai sinh\n"
	                            "new\t1.000894\tĐăng ký kết hôn\n"
	                            "Nhập danh mục: 3 thủ tục mới, 0 thủ tục cập nhật, "
	                            "0 thủ tục không đổi.\n");
	free(report);
	first = export_text(db);

	/* Canonical form: sorted by code, UTF-8 as is, final newline, every member kept. */
	assert_true(strlen(first) > 0 && first[strlen(first) - 1] == '\n');
	assert_non_null(strstr(first, "\"name\": \"Đăng ký khai sinh\""));
	assert_null(strstr(first, "\\u"));
	assert_true(strstr(first, "1.000894") < strstr(first, "1.001193"));
	assert_true(strstr(first, "1.001193") < strstr(first, "2.000815"));
	{
		static const char head[] = "{\n  \"format\": \"motcua-catalog\",\n  \"version\": 1,\n"
		                           "  \"procedures\": [\n    {\n      \"code\": \"1.000894\",\n"
		                           "      \"name\": \"Đăng ký kết hôn\",\n";

		assert_int_equal(strncmp(first, head, sizeof(head) - 1), 0);
	}
	back = json_loads(first, 0, &jerr);
	assert_non_null(back);
	list = json_object_get(root, "procedures");
	/* The file's order was 2.000815, 1.001193, 1.000894: the export reverses it. */
	assert_true(json_equal(json_array_get(json_object_get(back, "procedures"), 0),
	                       json_array_get(list, 2)));
	assert_true(json_equal(json_array_get(json_object_get(back, "procedures"), 1),
	                       json_array_get(list, 1)));
	assert_true(json_equal(json_array_get(json_object_get(back, "procedures"), 2),
	                       json_array_get(list, 0)));
	json_decref(back);

	/* Export -> import into an empty database -> export: the same bytes. */
	assert_int_equal(setup((void **)&other), 0);
	{
		struct result r;

		import_text(other, first, strlen(first), 0, &r);
		assert_int_equal(r.rc, 0);
		free(r.report);
	}
	second = export_text(other);
	assert_string_equal(first, second);
	teardown((void **)&other);

	/* Importing the export into the same database changes nothing. */
	{
		struct result r;

		import_text(db, first, strlen(first), 0, &r);
		assert_int_equal(r.rc, 0);
		assert_string_equal(r.report, "unchanged\t1.000894\tĐăng ký kết hôn\n"
		                              "unchanged\t1.001193\tĐăng ký khai sinh\n"
		                              "unchanged\t2.000815\tChứng thực bản sao từ bản chính\n"
		                              "Nhập danh mục: 0 thủ tục mới, 0 thủ tục cập nhật, "
		                              "3 thủ tục không đổi.\n");
		free(r.report);
	}
	third = export_text(db);
	assert_string_equal(first, third);

	/* Templates are stored once per content. */
	assert_int_equal(count(db, "SELECT COUNT(*) FROM blobs"), 3);
	assert_int_equal(count(db, "SELECT size FROM blobs WHERE media_type = 'application/pdf'"),
	                 (int64_t)sizeof(pdf_bytes) - 1);
	free(first);
	free(second);
	free(third);
	json_decref(root);
}

/* An empty database exports an empty catalogue, which imports. */
static void test_empty_catalog(void **state)
{
	struct db *db = *state;
	char *text = export_text(db);
	struct result r;

	assert_string_equal(text, "{\n  \"format\": \"motcua-catalog\",\n  \"version\": 1,\n"
	                          "  \"procedures\": []\n}\n");
	import_text(db, text, strlen(text), 0, &r);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.report, "Nhập danh mục: 0 thủ tục mới, 0 thủ tục cập nhật, "
	                              "0 thủ tục không đổi.\n");
	free(r.report);
	free(text);
}

/* ------------------------------------------------------------------------------------------ */
/* Broken files */

/* A value for a broken case: JSON text, or a generated value "@chars:<c>:<n>" (a string of n
 * copies of c), "@fees:<n>", "@docs:<n>", "@types:<n>". */
static json_t *make_value(const char *spec)
{
	json_error_t jerr;
	json_t *v;

	if (strncmp(spec, "@chars:", 7) == 0) {
		const char *c = spec + 7, *colon = strchr(c, ':');
		size_t clen = (size_t)(colon - c), n = strtoul(colon + 1, NULL, 10);
		char *s = malloc(clen * n + 1);

		assert_non_null(s);
		for (size_t i = 0; i < n; i++)
			memcpy(s + i * clen, c, clen);
		s[clen * n] = '\0';
		v = json_string(s);
		free(s);
	} else if (strncmp(spec, "@fees:", 6) == 0) {
		v = json_array();
		for (long i = strtol(spec + 6, NULL, 10); i > 0; i--)
			json_array_append_new(v, json_pack("{s:i, s:s}", "amount", 1000, "description",
			                                   "Phí"));
	} else if (strncmp(spec, "@docs:", 6) == 0) {
		v = json_array();
		for (long i = strtol(spec + 6, NULL, 10); i > 0; i--)
			json_array_append_new(v, make_document("Giấy tờ", "mandatory", "", 0));
	} else if (strncmp(spec, "@types:", 7) == 0) {
		static const char *const types[] = { "pdf", "jpg", "png", "docx", "doc", "xlsx",
			                             "xls", "odt", "zip", "xml", "pdf" };
		v = json_array();
		for (long i = 0; i < strtol(spec + 7, NULL, 10); i++)
			json_array_append_new(v, json_string(types[i % 11]));
	} else {
		v = json_loads(spec, JSON_DECODE_ANY, &jerr);
	}
	assert_non_null(v);
	return v;
}

/* Set (value non-NULL) or delete the member at 'path' ("procedures.0.documents.1.name"). */
static void set_path(json_t *root, const char *path, const char *value)
{
	char buf[256], *seg, *next, *save = NULL;
	json_t *cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	seg = strtok_r(buf, ".", &save);
	while ((next = strtok_r(NULL, ".", &save)) != NULL) {
		cur = json_is_array(cur) ? json_array_get(cur, strtoul(seg, NULL, 10))
		                         : json_object_get(cur, seg);
		assert_non_null(cur);
		seg = next;
	}
	if (json_is_array(cur)) {
		assert_non_null(value);
		assert_int_equal(json_array_set_new(cur, strtoul(seg, NULL, 10), make_value(value)), 0);
	} else if (value == NULL) {
		assert_int_equal(json_object_del(cur, seg), 0);
	} else {
		assert_int_equal(json_object_set_new(cur, seg, make_value(value)), 0);
	}
}

#define P0 "procedures[0] (2.000815)."
#define P1 "procedures[1] (1.001193)."
#define P2 "procedures[2] (1.000894)."

static const struct broken {
	const char *path;
	const char *value; /* NULL: delete */
	const char *message; /* what err must contain */
} broken_cases[] = {
	{ "format", "\"other\"", "format: phải là \"motcua-catalog\"" },
	{ "format", NULL, "format: phải là \"motcua-catalog\"" },
	{ "version", "2", "version: phiên bản 2 không được hỗ trợ" },
	{ "version", "\"1\"", "version: phải là số nguyên" },
	{ "procedures", "{}", "procedures: phải là một mảng" },
	{ "procedures", NULL, "procedures: còn thiếu" },
	{ "extra", "1", "extra: không có trong định dạng danh mục" },
	{ "procedures.1.code", "\"2.000815\"",
	  "procedures[1] (2.000815).code: trùng mã với procedures[0]" },
	{ "procedures.2.code", "\"1.00119\"", "procedures[2].code: phải là mã thủ tục quốc gia" },
	{ "procedures.2.code", "\"1.0011930\"", "procedures[2].code: phải là mã thủ tục" },
	{ "procedures.2.code", "\"1,001193\"", "procedures[2].code: phải là mã thủ tục" },
	{ "procedures.2.code", "1001193", "procedures[2].code: phải là mã thủ tục" },
	{ "procedures.2.code", NULL, "procedures[2].code: còn thiếu" },
	{ "procedures.1", "[]", "procedures[1]: phải là một đối tượng JSON" },
	{ "procedures.0.nmae", "\"x\"", P0 "nmae: không có trong định dạng danh mục" },
	{ "procedures.0.name", NULL, P0 "name: còn thiếu" },
	{ "procedures.0.name", "\"\"", P0 "name: không được để trống" },
	{ "procedures.0.name", "\"  \\n \"", P0 "name: không được chứa ký tự điều khiển" },
	{ "procedures.0.name", "\"   \"", P0 "name: không được để trống" },
	{ "procedures.0.name", "@chars:ệ:501", P0 "name: không được dài quá 500 ký tự" },
	{ "procedures.0.name", "\"Dòng 1\\nDòng 2\"",
	  P0 "name: không được chứa ký tự điều khiển hay xuống dòng" },
	{ "procedures.0.name", "\"Tên\\u0085\"", P0 "name: không được chứa ký tự điều khiển" },
	{ "procedures.0.name", "42", P0 "name: phải là chuỗi văn bản" },
	{ "procedures.0.field", "@chars:đ:201", P0 "field: không được dài quá 200 ký tự" },
	{ "procedures.0.field", "\"\"", P0 "field: không được để trống" },
	{ "procedures.0.level", "\"district\"", P0 "level: phải là central, province hoặc commune" },
	{ "procedures.0.applicant_type", "\"person\"",
	  P0 "applicant_type: phải là citizen, business hoặc both" },
	{ "procedures.0.description", "@chars:a:20001",
	  P0 "description: không được dài quá 20.000 ký tự" },
	{ "procedures.0.steps", "\"\"", P0 "steps: không được để trống" },
	{ "procedures.0.steps", "@chars:ư:20001", P0 "steps: không được dài quá 20.000 ký tự" },
	{ "procedures.0.submission", "\"Chuông \\u0007\"",
	  P0 "submission: không được chứa ký tự điều khiển" },
	{ "procedures.0.conditions", "@chars:x:20001", P0 "conditions: không được dài quá 20.000" },
	{ "procedures.0.legal_basis", "@chars:x:20001", P0 "legal_basis: không được dài quá 20.000" },
	{ "procedures.0.time", "5", P0 "time: phải là một đối tượng JSON" },
	{ "procedures.0.time.kind", "\"weeks\"", P0 "time.kind: phải là days, same_day hoặc hours" },
	{ "procedures.0.time.value", "2001", P0 "time.value: phải từ 1 đến 2.000 giờ làm việc" },
	{ "procedures.0.time.value", "0", P0 "time.value: phải từ 1 đến 2.000" },
	{ "procedures.0.time.value", "1.5", P0 "time.value: phải là số nguyên" },
	{ "procedures.0.time.note", NULL, P0 "time.note: còn thiếu" },
	{ "procedures.0.time.note", "@chars:a:501", P0 "time.note: không được dài quá 500 ký tự" },
	{ "procedures.0.time.unit", "\"x\"", P0 "time.unit: không có trong định dạng danh mục" },
	{ "procedures.1.time.value", "1", P1 "time.value: phải bằng 0 khi kind là same_day" },
	{ "procedures.2.time.value", "366", P2 "time.value: phải từ 1 đến 365 ngày làm việc" },
	{ "procedures.2.time.value", "0", P2 "time.value: phải từ 1 đến 365" },
	{ "procedures.0.fees", "{}", P0 "fees: phải là một mảng" },
	{ "procedures.0.fees", "@fees:21", P0 "fees: có tối đa 20 dòng phí, lệ phí" },
	{ "procedures.0.fees.0", "3", P0 "fees[0]: phải là một đối tượng JSON" },
	{ "procedures.0.fees.0.amount", "-1",
	  P0 "fees[0].amount: phải là số đồng nguyên từ 0 đến 1.000.000.000" },
	{ "procedures.0.fees.2.amount", "1000000001", P0 "fees[2].amount: phải là số đồng nguyên" },
	{ "procedures.0.fees.1.amount", "1000.0", P0 "fees[1].amount: phải là số nguyên" },
	{ "procedures.0.fees.1.description", "@chars:ô:501",
	  P0 "fees[1].description: không được dài quá 500 ký tự" },
	{ "procedures.0.fees.1.currency", "\"VND\"",
	  P0 "fees[1].currency: không có trong định dạng danh mục" },
	{ "procedures.0.result", "\"\"", P0 "result: không được để trống" },
	{ "procedures.0.result", "@chars:a:501", P0 "result: không được dài quá 500 ký tự" },
	{ "procedures.0.service_mode", "\"online\"",
	  P0 "service_mode: phải là info, forms, partial hoặc full" },
	{ "procedures.0.active", "\"true\"", P0 "active: phải là true hoặc false" },
	{ "procedures.0.active", "1", P0 "active: phải là true hoặc false" },
	{ "procedures.0.documents", "@docs:51", P0 "documents: có tối đa 50 thành phần hồ sơ" },
	{ "procedures.0.documents.0", "\"x\"", P0 "documents[0]: phải là một đối tượng JSON" },
	{ "procedures.0.documents.0.name", "\"\"", P0 "documents[0].name: không được để trống" },
	{ "procedures.0.documents.0.name", "@chars:a:501",
	  P0 "documents[0].name: không được dài quá 500 ký tự" },
	{ "procedures.0.documents.0.originals", "-1",
	  P0 "documents[0].originals: phải là số nguyên từ 0 đến 100" },
	{ "procedures.0.documents.0.copies", "101",
	  P0 "documents[0].copies: phải là số nguyên từ 0 đến 100" },
	{ "procedures.0.documents.0.requirement", "\"optional\"",
	  P0 "documents[0].requirement: phải là mandatory hoặc conditional" },
	{ "procedures.0.documents.1.condition", "\"\"",
	  P0 "documents[1].condition: phải nêu trường hợp cần nộp" },
	{ "procedures.0.documents.1.condition", "\" \\n\"",
	  P0 "documents[1].condition: phải nêu trường hợp cần nộp" },
	{ "procedures.0.documents.1.condition", "@chars:ă:1001",
	  P0 "documents[1].condition: không được dài quá 1.000 ký tự" },
	{ "procedures.0.documents.0.condition", "@chars:ă:1001",
	  P0 "documents[0].condition: không được dài quá 1.000 ký tự" },
	{ "procedures.0.documents.0.condition", NULL, P0 "documents[0].condition: còn thiếu" },
	{ "procedures.0.documents.0.file_types", "[]",
	  P0 "documents[0].file_types: phải có từ 1 đến 10 loại tệp" },
	{ "procedures.0.documents.0.file_types", "@types:11",
	  P0 "documents[0].file_types: phải có từ 1 đến 10 loại tệp" },
	{ "procedures.0.documents.0.file_types", "[\"pdf\", \"exe\"]",
	  P0 "documents[0].file_types[1]: phải là một trong pdf, jpg" },
	{ "procedures.0.documents.0.file_types", "[\"PDF\"]", P0 "documents[0].file_types[0]:" },
	{ "procedures.0.documents.0.file_types", "[\"pdf\", \"jpg\", \"pdf\"]",
	  P0 "documents[0].file_types[2]: bị lặp lại" },
	{ "procedures.0.documents.0.file_types", "\"pdf\"",
	  P0 "documents[0].file_types: phải là một mảng" },
	{ "procedures.0.documents.0.max_size", "0",
	  "procedures[0] (2.000815).documents[0].max_size: phải từ 1 đến 52.428.800 byte" },
	{ "procedures.0.documents.0.max_size", "52428801",
	  "procedures[0] (2.000815).documents[0].max_size: phải từ 1 đến 52.428.800 byte" },
	{ "procedures.0.documents.0.multiple", "0",
	  P0 "documents[0].multiple: phải là true hoặc false" },
	{ "procedures.0.documents.0.template", "\"x\"",
	  P0 "documents[0].template: phải là một đối tượng JSON" },
	{ "procedures.0.documents.0.template", "null",
	  P0 "documents[0].template: phải là một đối tượng JSON" },
	{ "procedures.0.documents.0.template.size", "3",
	  P0 "documents[0].template.size: không có trong định dạng danh mục" },
	{ "procedures.0.documents.0.template.name", "\"thu-muc/mau.pdf\"",
	  P0 "documents[0].template.name: phải là một tên tệp, không chứa / hay \\" },
	{ "procedures.0.documents.0.template.name", "\"thu-muc\\\\mau.pdf\"",
	  P0 "documents[0].template.name: phải là một tên tệp" },
	{ "procedures.0.documents.0.template.name", "\"..\"",
	  P0 "documents[0].template.name: phải là một tên tệp" },
	{ "procedures.0.documents.0.template.name", "\"\"",
	  P0 "documents[0].template.name: không được để trống" },
	{ "procedures.0.documents.0.template.name", "\"mau\\r.pdf\"",
	  P0 "documents[0].template.name: không được chứa ký tự điều khiển" },
	{ "procedures.0.documents.0.template.name", "@chars:a:201",
	  P0 "documents[0].template.name: không được dài quá 200 ký tự" },
	{ "procedures.0.documents.0.template.media_type", "\"pdf\"",
	  P0 "documents[0].template.media_type: phải là một kiểu nội dung" },
	{ "procedures.0.documents.0.template.media_type", "\"application/pdf; q=1\"",
	  P0 "documents[0].template.media_type: phải là một kiểu nội dung" },
	{ "procedures.0.documents.0.template.media_type", "\"application/\"",
	  P0 "documents[0].template.media_type: phải là một kiểu nội dung" },
	{ "procedures.0.documents.0.template.sha256", "\"ABC\"",
	  P0 "documents[0].template.sha256: phải gồm 64 chữ số thập lục phân viết thường" },
	{ "procedures.0.documents.0.template.sha256",
	  "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"",
	  P0 "documents[0].template.sha256: không khớp với nội dung tệp mẫu" },
	{ "procedures.0.documents.0.template.sha256", NULL,
	  P0 "documents[0].template.sha256: còn thiếu" },
	{ "procedures.0.documents.0.template.content_base64", "\"@@@@\"",
	  P0 "documents[0].template.content_base64: không phải base64 chuẩn hợp lệ" },
	{ "procedures.0.documents.0.template.content_base64", "\"QQ\"",
	  P0 "documents[0].template.content_base64: không phải base64" },
	{ "procedures.0.documents.0.template.content_base64", "\"QR==\"",
	  P0 "documents[0].template.content_base64: không phải base64" },
	{ "procedures.0.documents.0.template.content_base64", "\"QQ==QUFB\"",
	  P0 "documents[0].template.content_base64: không phải base64" },
	{ "procedures.0.documents.0.template.content_base64", "\"QUFB\\nQUFB\"",
	  P0 "documents[0].template.content_base64: không phải base64" },
	{ "procedures.0.documents.0.template.content_base64", "\"QUFB\"",
	  P0 "documents[0].template.sha256: không khớp với nội dung tệp mẫu" },
	{ "procedures.0.documents.0.template.content_base64", "3",
	  P0 "documents[0].template.content_base64: phải là chuỗi base64" },
	{ "procedures.0.documents.0.template.content_base64", NULL,
	  P0 "documents[0].template.content_base64: còn thiếu" },
	{ "procedures.0.form", NULL, P0 "form: còn thiếu" },
	{ "procedures.0.form", "[]", P0 "form" },
	{ "procedures.0.form", "{\"sections\": []}", P0 "form" },
	{ "procedures.0.form.sections.0.fields.0.requried", "true",
	  P0 "form.sections[0].fields[0]" },
	{ "procedures.2.form.sections.0.fields.0.type", "\"colour\"",
	  P2 "form.sections[0].fields[0]" },
	{ "procedures.2.form.sections.0.fields.0.min", "400", P2 "form.sections[0].fields[0]" },
};

static void test_broken_files(void **state)
{
	struct db *db = *state;
	json_t *base = full_catalog();
	char *before, *after, *report;
	int64_t audits;

	/* The database already holds two of the procedures, one of them different from the file,
	 * so a partly applied import would show in the export. */
	{
		json_t *old = json_deep_copy(base);

		set_path(old, "procedures.0.name", "\"Tên cũ của thủ tục\"");
		assert_int_equal(json_array_remove(json_object_get(old, "procedures"), 2), 0);
		report = import_ok(db, old);
		free(report);
		json_decref(old);
	}
	before = export_text(db);
	audits = count(db, "SELECT COUNT(*) FROM audit_log");

	for (size_t i = 0; i < sizeof(broken_cases) / sizeof(broken_cases[0]); i++) {
		const struct broken *b = &broken_cases[i];
		json_t *root = json_deep_copy(base);
		struct result r;

		set_path(root, b->path, b->value);
		import_json(db, root, 0, &r);
		if (r.rc != MC_EINVAL || strstr(r.err, b->message) == NULL)
			fail_msg("case %zu (%s): rc %d, err \"%s\", expected \"%s\"", i, b->path, r.rc,
			         r.err, b->message);
		assert_null(strchr(r.err, '\n'));
		assert_string_equal(r.report, ""); /* nothing reported for a refused file */
		free(r.report);
		/* A dry run refuses the same way. */
		import_json(db, root, 1, &r);
		assert_int_equal(r.rc, MC_EINVAL);
		assert_non_null(strstr(r.err, b->message));
		free(r.report);
		json_decref(root);
	}
	after = export_text(db);
	assert_string_equal(before, after);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM audit_log"), audits);
	free(after);

	/* Valid edges of the same rules are accepted. */
	{
		static const struct {
			const char *path, *value;
		} edges[] = {
			{ "procedures.0.name", "@chars:ệ:500" },
			{ "procedures.0.description", "@chars:ư:20000" },
			{ "procedures.0.time.value", "2000" },
			{ "procedures.2.time.value", "365" },
			{ "procedures.2.time.value", "1" },
			{ "procedures.0.fees", "@fees:20" },
			{ "procedures.0.fees", "[]" },
			{ "procedures.0.documents", "@docs:50" },
			{ "procedures.0.documents", "[]" },
			{ "procedures.0.documents.0.file_types", "@types:10" },
			{ "procedures.0.documents.0.condition", "@chars:ă:1000" },
			{ "procedures.0.documents.0.originals", "100" },
			{ "procedures.0.documents.0.template.name", "@chars:ạ:200" },
			{ "procedures.0.documents.0.template.name", "\"Tờ khai (mẫu số 1).pdf\"" },
		};

		for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
			json_t *root = json_deep_copy(base);
			struct result r;

			set_path(root, edges[i].path, edges[i].value);
			import_json(db, root, 1, &r);
			if (r.rc != 0)
				fail_msg("edge %zu (%s): rc %d, err %s", i, edges[i].path, r.rc, r.err);
			free(r.report);
			json_decref(root);
		}
	}
	free(before);
	json_decref(base);
}

/* Problems that are not a member's value. */
static void test_broken_text(void **state)
{
	struct db *db = *state;
	static const struct {
		const char *text, *message;
	} cases[] = {
		{ "", "Tệp không phải JSON hợp lệ" },
		{ "{", "Tệp không phải JSON hợp lệ: tệp kết thúc giữa chừng (dòng 1" },
		{ "{\"format\": \"motcua-catalog\",\n \"version\": 1,\n \"procedures\": [,]}",
		  "Tệp không phải JSON hợp lệ: sai cú pháp (dòng 3" },
		{ "[]", "Tệp danh mục phải là một đối tượng JSON" },
		{ "{\"format\": \"motcua-catalog\", \"format\": \"x\", \"version\": 1, \"procedures\": []}",
		  "một đối tượng có hai mục trùng tên" },
		{ "{\"format\": \"motcua-catalog\", \"version\": 1, \"procedures\": []} x",
		  "còn nội dung sau đối tượng JSON chính" },
		{ "{\"format\": \"\xff\", \"version\": 1, \"procedures\": []}", "có byte không phải UTF-8" },
		{ "{\"format\": \"a\\u0000b\", \"version\": 1, \"procedures\": []}", "có ký tự NUL" },
		{ "{\"version\": 1, \"procedures\": [], \"Định dạng\": 1}",
		  "Tệp danh mục có một mục không thuộc định dạng" },
	};
	char *before = export_text(db), *after;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct result r;

		import_text(db, cases[i].text, strlen(cases[i].text), 0, &r);
		if (r.rc != MC_EINVAL || strstr(r.err, cases[i].message) == NULL)
			fail_msg("case %zu: rc %d, err \"%s\"", i, r.rc, r.err);
		free(r.report);
	}
	after = export_text(db);
	assert_string_equal(before, after);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM audit_log"), 0);
	free(before);
	free(after);
}

/* One content, two media types: the export could not give both back. */
static void test_template_media_type_conflict(void **state)
{
	struct db *db = *state;
	json_t *root = full_catalog(), *tpl;
	struct result r;

	tpl = json_deep_copy(json_object_get(
		json_array_get(json_object_get(json_array_get(json_object_get(root, "procedures"), 0),
		                               "documents"), 0), "template"));
	set(tpl, "media_type", json_string("application/octet-stream"));
	set(json_array_get(json_object_get(json_array_get(json_object_get(root, "procedures"), 1),
	                                   "documents"), 1), "template", tpl);
	import_json(db, root, 0, &r);
	assert_int_equal(r.rc, MC_EINVAL);
	assert_string_equal(r.err, P1 "documents[1].template.media_type: khác với tệp mẫu cùng nội "
	                              "dung ở " P0 "documents[0] (application/pdf)");
	free(r.report);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM procedures"), 0);
	json_decref(root);
}

/* A template over 10 MiB is refused before anything is stored. */
static void test_template_too_big(void **state)
{
	struct db *db = *state;
	json_t *root = full_catalog();
	size_t size = PROCEDURE_TEMPLATE_BYTES + 1;
	unsigned char *big = calloc(1, size);
	struct result r;

	assert_non_null(big);
	set(json_array_get(json_object_get(json_array_get(json_object_get(root, "procedures"), 1),
	                                   "documents"), 0),
	    "template", make_template("lon.bin", "application/octet-stream", big, size));
	import_json(db, root, 0, &r);
	assert_int_equal(r.rc, MC_EINVAL);
	assert_non_null(strstr(r.err, P1 "documents[0].template.content_base64: tệp mẫu lớn hơn "
	                                 "10 MiB (10.485.760 byte)"));
	free(r.report);

	/* Exactly 10 MiB is accepted. */
	set(json_array_get(json_object_get(json_array_get(json_object_get(root, "procedures"), 1),
	                                   "documents"), 0),
	    "template", make_template("lon.bin", "application/octet-stream", big, size - 1));
	import_json(db, root, 0, &r);
	assert_int_equal(r.rc, 0);
	free(r.report);
	assert_int_equal(count(db, "SELECT MAX(size) FROM blobs"), PROCEDURE_TEMPLATE_BYTES);
	free(big);
	json_decref(root);
}

/* The size limit, the actor and a JSON text that is not NUL-terminated. */
static void test_limits_and_actor(void **state)
{
	struct db *db = *state;
	struct actor citizen;
	char err[256];
	char *big, *text;
	json_t *root = full_catalog();
	struct result r;

	big = malloc((size_t)CATALOG_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, ' ', (size_t)CATALOG_FILE_MAX + 1);
	import_text(db, big, (size_t)CATALOG_FILE_MAX + 1, 0, &r);
	assert_int_equal(r.rc, MC_ETOOBIG);
	assert_string_equal(r.err, "Tệp danh mục lớn hơn giới hạn 64 MiB");
	free(r.report);
	free(big);

	text = dump(root);
	memset(&citizen, 0, sizeof(citizen));
	citizen.role = ROLE_CITIZEN;
	citizen.account_id = 7;
	assert_int_equal(catalog_import(db, &citizen, T0, text, strlen(text), 0, NULL, err,
	                                sizeof(err)), MC_EFORBIDDEN);
	assert_string_equal(err, "Chỉ quản trị hệ thống được nhập danh mục thủ tục");
	citizen.role = ROLE_STAFF;
	citizen.staff_role = STAFF_AGENCY_ADMIN;
	assert_int_equal(catalog_import(db, &citizen, T0, text, strlen(text), 0, NULL, err,
	                                sizeof(err)), MC_EFORBIDDEN);
	assert_int_equal(catalog_import(db, NULL, T0, text, strlen(text), 0, NULL, err,
	                                sizeof(err)), MC_EFORBIDDEN);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM procedures"), 0);

	/* The text need not end with a NUL: only len bytes are read. */
	{
		size_t len = strlen(text);
		char *copy = malloc(len + 10);

		assert_non_null(copy);
		memcpy(copy, text, len);
		memcpy(copy + len, "garbage!!", 9);
		assert_int_equal(catalog_import(db, system_actor(), T0, copy, len, 0, NULL, err,
		                                sizeof(err)), 0);
		free(copy);
	}
	/* A small err buffer is cut, never overrun. */
	{
		char small[8];

		memset(small, 'x', sizeof(small));
		assert_int_equal(catalog_import(db, system_actor(), T0, "[]", 2, 0, NULL, small,
		                                sizeof(small)), MC_EINVAL);
		assert_non_null(memchr(small, '\0', sizeof(small)));
	}
	free(text);
	json_decref(root);
}

/* ------------------------------------------------------------------------------------------ */
/* Dry run, replacement, audit */

static void test_dry_run(void **state)
{
	struct db *db = *state;
	json_t *root = full_catalog(), *changed;
	char *before, *after, *report;
	struct result r;
	const char *expected;

	/* Stored: 2.000815 and 1.001193 as in the file. */
	changed = json_deep_copy(root);
	assert_int_equal(json_array_remove(json_object_get(changed, "procedures"), 2), 0);
	report = import_ok(db, changed);
	free(report);
	json_decref(changed);
	before = export_text(db);

	/* The file: 2.000815 with one fee changed, 1.001193 as stored, 1.000894 new. */
	set_path(root, "procedures.0.fees.1.amount", "1500");
	expected = "changed\t2.000815\tChứng thực bản sao từ bản chính\n"
	           "unchanged\t1.001193\tĐăng ký khai sinh\n"
	           "new\t1.000894\tĐăng ký kết hôn\n";
	import_json(db, root, 1, &r);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.report, expected));
	assert_non_null(strstr(r.report, "Chạy thử, không lưu gì. Nhập danh mục: 1 thủ tục mới, "
	                                 "1 thủ tục cập nhật, 1 thủ tục không đổi.\n"));
	free(r.report);
	after = export_text(db);
	assert_string_equal(before, after);
	free(after);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM audit_log"), 1);

	/* The real import reports the same and applies it. */
	import_json(db, root, 0, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(strncmp(r.report, expected, strlen(expected)), 0);
	assert_string_equal(r.report + strlen(expected), "Nhập danh mục: 1 thủ tục mới, 1 thủ tục "
	                                                 "cập nhật, 1 thủ tục không đổi.\n");
	free(r.report);
	after = export_text(db);
	assert_string_not_equal(before, after);
	assert_non_null(strstr(after, "\"amount\": 1500"));
	assert_int_equal(count(db, "SELECT COUNT(*) FROM procedures"), 3);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM audit_log"), 2);
	free(after);
	free(before);
	json_decref(root);
}

static void test_replace_keeps_ids(void **state)
{
	struct db *db = *state;
	json_t *root = full_catalog(), *p, *docs;
	int64_t pid, d0, d1, d2, other;
	char *report, *text;

	p = json_array_get(json_object_get(root, "procedures"), 0); /* 2.000815 */
	docs = json_object_get(p, "documents");
	assert_int_equal(json_array_append_new(docs, make_document("Giấy tờ thứ ba", "mandatory",
	                                                           "", 1)), 0);
	report = import_ok(db, root);
	free(report);
	pid = lookup_id(db, "SELECT id FROM procedures WHERE code = ?", "2.000815", -1);
	other = lookup_id(db, "SELECT id FROM procedures WHERE code = ?", "1.001193", -1);
	d0 = lookup_id(db, DOCUMENT_ID_SQL, "2.000815", 0);
	d1 = lookup_id(db, DOCUMENT_ID_SQL, "2.000815", 1);
	d2 = lookup_id(db, DOCUMENT_ID_SQL, "2.000815", 2);
	assert_true(pid > 0 && d0 > 0 && d1 > 0 && d2 > 0);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM procedure_fees f JOIN procedures p ON "
	                           "p.id = f.procedure_id WHERE p.code = '2.000815'"), 3);

	/* Fewer documents, changed in place, one fee, no template any more. */
	set_path(root, "procedures.0.documents.0.name", "\"Bản chính (đã sửa)\"");
	json_object_del(json_array_get(docs, 0), "template");
	assert_int_equal(json_array_remove(docs, 2), 0);
	set_path(root, "procedures.0.fees", "[{\"amount\": 3000, \"description\": \"Mỗi trang\"}]");
	set_path(root, "procedures.0.name", "\"Chứng thực bản sao (tên mới)\"");
	report = import_ok(db, root);
	assert_non_null(strstr(report, "changed\t2.000815\tChứng thực bản sao (tên mới)\n"));
	free(report);
	assert_int_equal(lookup_id(db, "SELECT id FROM procedures WHERE code = ?", "2.000815", -1),
	                 pid);
	assert_int_equal(lookup_id(db, DOCUMENT_ID_SQL, "2.000815", 0), d0);
	assert_int_equal(lookup_id(db, DOCUMENT_ID_SQL, "2.000815", 1), d1);
	assert_int_equal(lookup_id(db, DOCUMENT_ID_SQL, "2.000815", 2), 0);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM procedure_documents WHERE procedure_id = "
	                           "(SELECT id FROM procedures WHERE code = '2.000815')"), 2);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM procedure_fees f JOIN procedures p ON "
	                           "p.id = f.procedure_id WHERE p.code = '2.000815'"), 1);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM procedure_documents WHERE "
	                           "template_sha256 IS NULL AND name = 'Bản chính (đã sửa)'"), 1);
	assert_int_equal(lookup_id(db, "SELECT id FROM procedures WHERE code = ?", "1.001193", -1),
	                 other);
	text = export_text(db);
	assert_non_null(strstr(text, "\"name\": \"Bản chính (đã sửa)\""));
	assert_non_null(strstr(text, "\"amount\": 3000"));
	assert_null(strstr(text, "Giấy tờ thứ ba"));
	free(text);

	/* More documents again: existing positions keep their ids, new ones get new ids. */
	assert_int_equal(json_array_append_new(docs, make_document("Giấy tờ mới 1", "mandatory",
	                                                           "", 0)), 0);
	assert_int_equal(json_array_append_new(docs, make_document("Giấy tờ mới 2", "mandatory",
	                                                           "", 0)), 0);
	report = import_ok(db, root);
	free(report);
	assert_int_equal(lookup_id(db, DOCUMENT_ID_SQL, "2.000815", 0), d0);
	assert_int_equal(lookup_id(db, DOCUMENT_ID_SQL, "2.000815", 1), d1);
	assert_true(lookup_id(db, DOCUMENT_ID_SQL, "2.000815", 2) > d2);
	assert_true(lookup_id(db, DOCUMENT_ID_SQL, "2.000815", 3) > d2);

	/* Procedures absent from a file are left alone. */
	assert_int_equal(json_array_remove(json_object_get(root, "procedures"), 1), 0);
	report = import_ok(db, root);
	free(report);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM procedures"), 3);
	json_decref(root);
}

static void test_audit_record(void **state)
{
	struct db *db = *state;
	json_t *root = full_catalog(), *after, *expected;
	struct db_stmt *st;
	char *report;
	const char *text;

	report = import_ok(db, root);
	free(report);
	set_path(root, "procedures.1.result", "\"Giấy khai sinh (bản chính)\"");
	report = import_ok(db, root);
	free(report);
	assert_int_equal(db_prepare(db, "SELECT at, actor_id, actor_name, action, entity, entity_id, "
	                                "summary, before_json, after_json FROM audit_log ORDER BY id",
	                            &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0, NULL), "2026-11-30T00:33:45.000Z");
	assert_true(db_col_is_null(st, 1));
	assert_string_equal(db_col_text(st, 2, NULL), "Dòng lệnh motcua");
	assert_string_equal(db_col_text(st, 3, NULL), "import");
	assert_string_equal(db_col_text(st, 4, NULL), "catalog");
	assert_true(db_col_is_null(st, 5));
	assert_string_equal(db_col_text(st, 6, NULL),
	                    "Nhập danh mục: 3 thủ tục mới, 0 thủ tục cập nhật, 0 thủ tục không đổi");
	assert_true(db_col_is_null(st, 7));
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 6, NULL),
	                    "Nhập danh mục: 0 thủ tục mới, 1 thủ tục cập nhật, 2 thủ tục không đổi");
	text = db_col_text(st, 8, NULL);
	after = json_loads(text, 0, NULL);
	assert_non_null(after);
	expected = json_pack("{s:[], s:[s], s:i}", "new", "changed", "1.001193", "unchanged", 2);
	assert_true(json_equal(after, expected));
	json_decref(expected);
	json_decref(after);
	assert_int_equal(db_step(st), DB_DONE);

	/* A dry run and a refused import write nothing. */
	{
		struct result r;

		import_json(db, root, 1, &r);
		assert_int_equal(r.rc, 0);
		free(r.report);
		set_path(root, "procedures.1.result", "\"\"");
		import_json(db, root, 0, &r);
		assert_int_equal(r.rc, MC_EINVAL);
		free(r.report);
	}
	assert_int_equal(count(db, "SELECT COUNT(*) FROM audit_log"), 2);
	json_decref(root);
}

/* ------------------------------------------------------------------------------------------ */
/* procedure_* directly */

static void test_procedure_functions(void **state)
{
	struct db *db = *state;
	json_t *root = full_catalog(), *p, *loaded = NULL, *tpl;
	char msg[512];
	int64_t id = 0, found = 0;
	int created = -1;

	p = json_array_get(json_object_get(root, "procedures"), 1); /* 1.001193 */
	assert_int_equal(procedure_check_json(p, msg, sizeof(msg)), 0);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(procedure_store(db, p, "2026-11-30T00:00:00.000Z", &id, &created), 0);
	assert_true(id > 0);
	assert_int_equal(created, 1);
	assert_int_equal(procedure_store(db, p, "2026-12-01T00:00:00.000Z", &found, &created), 0);
	assert_int_equal(found, id);
	assert_int_equal(created, 0);
	assert_int_equal(db_commit(db), 0);

	assert_int_equal(procedure_find_id(db, "1.001193", &found), 0);
	assert_int_equal(found, id);
	assert_int_equal(procedure_find_id(db, "9.999999", &found), MC_ENOTFOUND);

	/* Full form with content equals what was stored. */
	assert_int_equal(procedure_load_json(db, "1.001193", 1, &loaded), 0);
	assert_true(json_equal(loaded, p));
	json_decref(loaded);
	/* Without content: the template keeps name, media_type and sha256 only. */
	assert_int_equal(procedure_load_json_by_id(db, id, 0, &loaded), 0);
	tpl = json_object_get(json_array_get(json_object_get(loaded, "documents"), 0), "template");
	assert_non_null(tpl);
	assert_int_equal(json_object_size(tpl), 3);
	assert_null(json_object_get(tpl, "content_base64"));
	assert_string_equal(json_string_value(json_object_get(tpl, "media_type")), DOCX);
	json_decref(loaded);
	loaded = (json_t *)1;
	assert_int_equal(procedure_load_json(db, "9.999999", 1, &loaded), MC_ENOTFOUND);
	assert_null(loaded);
	assert_int_equal(procedure_load_json_by_id(db, id + 100, 0, &loaded), MC_ENOTFOUND);

	/* Timestamps and search text. */
	{
		struct db_stmt *st;

		assert_int_equal(db_prepare(db, "SELECT created_at, updated_at, search_text, form_schema "
		                                "FROM procedures WHERE id = ?", &st), 0);
		assert_int_equal(db_bind_int64(st, 1, id), 0);
		assert_int_equal(db_step(st), DB_ROW);
		assert_string_equal(db_col_text(st, 0, NULL), "2026-11-30T00:00:00.000Z");
		assert_string_equal(db_col_text(st, 1, NULL), "2026-12-01T00:00:00.000Z");
		assert_non_null(strstr(db_col_text(st, 2, NULL), "dang ky khai sinh"));
		assert_non_null(strstr(db_col_text(st, 2, NULL), "ho tich"));
		assert_non_null(strstr(db_col_text(st, 2, NULL), "1"));
		assert_int_equal(strncmp(db_col_text(st, 3, NULL), "{\"sections\":", 12), 0);
		assert_int_equal(db_step(st), DB_DONE);
	}

	/* Messages name the member path; procedure_check_json_at puts it under a prefix. */
	set(json_array_get(json_object_get(p, "documents"), 0), "max_size", json_integer(0));
	assert_int_equal(procedure_check_json(p, msg, sizeof(msg)), MC_EINVAL);
	assert_string_equal(msg, "documents[0].max_size: phải từ 1 đến 52.428.800 byte");
	assert_int_equal(procedure_check_json_at(p, "thủ tục", msg, sizeof(msg)), MC_EINVAL);
	assert_string_equal(msg, "thủ tục.documents[0].max_size: phải từ 1 đến 52.428.800 byte");
	assert_int_equal(procedure_check_json(json_array_get(p, 0), msg, sizeof(msg)), MC_EINVAL);
	assert_string_equal(msg, "phải là một đối tượng JSON");
	assert_int_equal(procedure_check_json(p, NULL, 0), MC_EINVAL);

	/* Text must be NFC for the check; procedure_normalize_json makes it so. */
	set(p, "name", json_string("Đa\xcc\x86ng ky\xcc\x81 khai sinh")); /* NFD ă and ý */
	set(json_array_get(json_object_get(p, "documents"), 0), "max_size", json_integer(1024));
	assert_int_equal(procedure_check_json(p, msg, sizeof(msg)), MC_EINVAL);
	assert_string_equal(msg, "name: phải ở dạng chuẩn Unicode NFC");
	assert_int_equal(procedure_normalize_json(p), 0);
	assert_string_equal(json_string_value(json_object_get(p, "name")), "Đăng ký khai sinh");
	assert_int_equal(procedure_check_json(p, msg, sizeof(msg)), 0);
	{
		json_t *not_object = json_array();

		assert_int_equal(procedure_normalize_json(not_object), MC_EINVAL);
		json_decref(not_object);
	}

	assert_true(procedure_code_valid("1.001193"));
	assert_false(procedure_code_valid("1.00119"));
	assert_false(procedure_code_valid("a.001193"));
	assert_false(procedure_code_valid(NULL));

	/* A checked procedure only: a broken template encoding is refused by store too. */
	set(json_object_get(json_array_get(json_object_get(p, "documents"), 0), "template"),
	    "sha256", json_string("0000000000000000000000000000000000000000000000000000000000000000"));
	set(json_object_get(json_array_get(json_object_get(p, "documents"), 0), "template"),
	    "content_base64", json_string("@@@@"));
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(procedure_store(db, p, "2026-12-02T00:00:00.000Z", NULL, NULL), MC_EINVAL);
	assert_int_equal(db_rollback(db), 0);
	/* Valid base64 of other bytes than the sha256 names: refused, no blob stored. */
	set(json_object_get(json_array_get(json_object_get(p, "documents"), 0), "template"),
	    "content_base64", json_string("QUFB"));
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(procedure_store(db, p, "2026-12-02T00:00:00.000Z", NULL, NULL), MC_EINVAL);
	assert_int_equal(db_rollback(db), 0);
	/* Without its content a template may only name a stored blob. */
	json_object_del(json_object_get(json_array_get(json_object_get(p, "documents"), 0),
	                                "template"), "content_base64");
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(procedure_store(db, p, "2026-12-02T00:00:00.000Z", NULL, NULL), MC_EINVAL);
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM blobs WHERE sha256 LIKE '0000%'"), 0);
	assert_int_equal(procedure_load_json(db, "1.001193", 0, &loaded), 0);
	set(json_object_get(json_array_get(json_object_get(p, "documents"), 0), "template"),
	    "sha256", json_incref(json_object_get(json_object_get(json_array_get(
	                  json_object_get(loaded, "documents"), 0), "template"), "sha256")));
	json_decref(loaded);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(procedure_store(db, p, "2026-12-02T00:00:00.000Z", NULL, NULL), 0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM procedure_documents WHERE "
	                           "template_sha256 IS NOT NULL"), 2);
	assert_int_equal(procedure_store(db, json_array_get(p, 0), "x", NULL, NULL), MC_EINVAL);

	json_decref(root);
}

/* A file in NFD imports as NFC and a second import of it changes nothing. */
static void test_nfd_file(void **state)
{
	struct db *db = *state;
	json_t *root = full_catalog();
	char *text, *exported;
	struct result r;

	set_path(root, "procedures.1.name", "\"Đa\\u0306ng ky\\u0301 khai sinh\"");
	set_path(root, "procedures.1.form.sections.0.fields.0.label", "\"Ho\\u0323 va\\u0300 tên\"");
	text = dump(root);
	import_text(db, text, strlen(text), 0, &r);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.report, "new\t1.001193\tĐăng ký khai sinh\n"));
	free(r.report);
	exported = export_text(db);
	assert_non_null(strstr(exported, "\"name\": \"Đăng ký khai sinh\""));
	assert_non_null(strstr(exported, "\"label\": \"Họ và tên\""));
	free(exported);
	import_text(db, text, strlen(text), 0, &r);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.report, "unchanged\t1.001193\tĐăng ký khai sinh\n"));
	free(r.report);
	free(text);
	json_decref(root);
}

/* A stored blob whose media type a later file states differently takes the newer one. */
static void test_blob_media_type_update(void **state)
{
	struct db *db = *state;
	json_t *root = full_catalog();
	char *report, *text;

	report = import_ok(db, root);
	free(report);
	set_path(root, "procedures.0.documents.0.template.media_type", "\"application/x-pdf\"");
	report = import_ok(db, root);
	assert_non_null(strstr(report, "changed\t2.000815"));
	free(report);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM blobs WHERE media_type = 'application/x-pdf'"),
	                 1);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM blobs"), 3);
	text = export_text(db);
	assert_non_null(strstr(text, "\"media_type\": \"application/x-pdf\""));
	free(text);
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_catalog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_media_type_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_and_actor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_keeps_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_procedure_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nfd_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_media_type_update, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
