/* procedure_admin.c: administrators' side of the procedure catalogue. */
#include "domain/rows.h"
#include "domain/fields.h"
#include "domain/procedure_admin.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "domain/audit.h"
#include "domain/catalog.h"
#include "domain/formschema.h"
#include "domain/scope.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/fold.h"
#include "store/db.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A checker message "path: reason" fits here (procedure.c's paths are under 192 bytes and its
 * reasons, the form schema's included, under 512). */
#define CHECK_MSG_SIZE 768
/* Rounds of "check, note the problem, put a valid stand-in in its place, check again": enough
 * for every member of the form to be wrong once. */
#define CHECK_ROUNDS (FIELD_ERRORS_MAX + 8)
#define SUMMARY_SIZE 2048
#define SEARCH_WORDS 24 /* as the public search: the longest words are not needed for paging */

/* The form a new procedure starts with: one field, the requester's name, which the form editor
 * replaces.  It passes formschema_check (a procedure cannot be stored without a valid form). */
static const char starter_form[] =
	"{\"sections\":[{\"title\":\"Thông tin người yêu cầu\",\"fields\":[{\"name\":"
	"\"requester_name\",\"label\":\"Họ, chữ đệm, tên người yêu cầu\",\"type\":\"text\","
	"\"required\":true,\"max_length\":100,\"prefill\":\"full_name\"}]}]}";

/* ---- fee row field names (the form posts fee_amount_1 ... and errors name them) ---- */

#define FEE_FIELD(n) "fee_amount_" #n, "fee_description_" #n
static const char *const fee_fields[][2] = {
	{ FEE_FIELD(1) },  { FEE_FIELD(2) },  { FEE_FIELD(3) },  { FEE_FIELD(4) },
	{ FEE_FIELD(5) },  { FEE_FIELD(6) },  { FEE_FIELD(7) },  { FEE_FIELD(8) },
	{ FEE_FIELD(9) },  { FEE_FIELD(10) }, { FEE_FIELD(11) }, { FEE_FIELD(12) },
	{ FEE_FIELD(13) }, { FEE_FIELD(14) }, { FEE_FIELD(15) }, { FEE_FIELD(16) },
	{ FEE_FIELD(17) }, { FEE_FIELD(18) }, { FEE_FIELD(19) }, { FEE_FIELD(20) },
	{ FEE_FIELD(21) }, { FEE_FIELD(22) },
};
_Static_assert(COUNT(fee_fields) == PROCEDURE_ADMIN_FEE_ROWS, "one name pair per fee row");

const char *procedure_admin_fee_amount_field(size_t n)
{
	return n >= 1 && n <= COUNT(fee_fields) ? fee_fields[n - 1][0] : NULL;
}

const char *procedure_admin_fee_description_field(size_t n)
{
	return n >= 1 && n <= COUNT(fee_fields) ? fee_fields[n - 1][1] : NULL;
}

/* ---- small helpers ---- */

/* 's' without surrounding white space: start in *start, length returned. */
static size_t trimmed(const char *s, const char **start)
{
	size_t len;

	if (s == NULL)
		s = "";
	while (fields_is_space(*s))
		s++;
	len = strlen(s);
	while (len > 0 && fields_is_space(s[len - 1]))
		len--;
	*start = s;
	return len;
}

/*
 * 's' trimmed as a JSON string; with 'lines', CRLF and lone CR become LF (browsers send CRLF
 * from text areas; the catalogue stores LF).  NULL when memory runs out or 's' is not UTF-8
 * (the form parser guarantees it is).
 */
static json_t *text_json(const char *s, int lines)
{
	const char *t;
	size_t len = trimmed(s, &t), o = 0;
	char *copy;
	json_t *v;

	if (!lines || memchr(t, '\r', len) == NULL)
		return json_stringn(t, len);
	copy = malloc(len + 1);
	if (copy == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (t[i] == '\r') {
			copy[o++] = '\n';
			if (i + 1 < len && t[i + 1] == '\n')
				i++;
		} else {
			copy[o++] = t[i];
		}
	}
	v = json_stringn(copy, o);
	free(copy);
	return v;
}

static const char *str_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Whole number from s (trimmed): 1..15 digits.  0 or MC_EINVAL. */
static int parse_count(const char *s, long long *out)
{
	const char *t;
	size_t len = trimmed(s, &t);
	long long v = 0;

	if (len == 0 || len > 15)
		return MC_EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (t[i] < '0' || t[i] > '9')
			return MC_EINVAL;
		v = v * 10 + (t[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * An amount of đồng as people type it: "100000", or grouped by thousands with dots or spaces
 * ("100.000", "1 500 000").  A comma is refused: in Vietnamese it is the decimal mark, and
 * đồng have no fractions.  0 or MC_EINVAL.
 */
static int parse_money(const char *s, long long *out)
{
	const char *t;
	size_t len = trimmed(s, &t), group = 0, groups = 0, digits = 0;
	long long v = 0;

	int grouped;

	if (len == 0)
		return MC_EINVAL;
	grouped = memchr(t, '.', len) != NULL || memchr(t, ' ', len) != NULL;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || t[i] == '.' || t[i] == ' ') {
			/* Grouped: the first group has 1-3 digits, every later one exactly 3. */
			if (group == 0 || (grouped && (group > 3 || (groups > 0 && group != 3))))
				return MC_EINVAL;
			groups++;
			group = 0;
			continue;
		}
		if (t[i] < '0' || t[i] > '9' || ++digits > 15)
			return MC_EINVAL;
		v = v * 10 + (t[i] - '0');
		group++;
	}
	*out = v;
	return 0;
}

/*
 * A size in MB as typed ("10", "2,5", "0.5"; comma or dot as decimal mark, up to 6 decimals)
 * in bytes, rounded.  0 or MC_EINVAL.
 */
static int parse_mb(const char *s, long long *bytes)
{
	const char *t;
	size_t len = trimmed(s, &t), i = 0, ndec = 0;
	long long whole = 0, frac = 0, scale = 1;

	if (len == 0)
		return MC_EINVAL;
	for (; i < len && t[i] >= '0' && t[i] <= '9'; i++) {
		if (i >= 5)
			return MC_EINVAL;
		whole = whole * 10 + (t[i] - '0');
	}
	if (i == 0)
		return MC_EINVAL;
	if (i < len) {
		if (t[i] != ',' && t[i] != '.')
			return MC_EINVAL;
		for (i++; i < len; i++, ndec++) {
			if (t[i] < '0' || t[i] > '9' || ndec >= 6)
				return MC_EINVAL;
			frac = frac * 10 + (t[i] - '0');
			scale *= 10;
		}
		if (ndec == 0)
			return MC_EINVAL;
	}
	*bytes = whole * PROCEDURE_ADMIN_MB + (frac * PROCEDURE_ADMIN_MB + scale / 2) / scale;
	return 0;
}

/* 'bytes' in MB as the form shows it: "10", or with a decimal comma "2,5" (at most 6 decimals,
 * enough to give back the same byte count when read by parse_mb). */
static void format_mb(long long bytes, char *out, size_t cap)
{
	long long whole = bytes / PROCEDURE_ADMIN_MB, rest = bytes % PROCEDURE_ADMIN_MB;
	long long micro = (rest * 1000000 + PROCEDURE_ADMIN_MB / 2) / PROCEDURE_ADMIN_MB;
	char dec[8];
	size_t n;

	if (micro == 1000000) {
		whole++;
		micro = 0;
	}
	if (micro == 0) {
		snprintf(out, cap, "%lld", whole);
		return;
	}
	snprintf(dec, sizeof(dec), "%06lld", micro);
	for (n = strlen(dec); n > 0 && dec[n - 1] == '0'; n--)
		dec[n - 1] = '\0';
	snprintf(out, cap, "%lld,%s", whole, dec);
}

/* "10 MB", "1,5 MB", "500 KB" or "12 byte". */
static void format_size(long long size, char *out, size_t cap)
{
	static const struct {
		long long unit;
		const char *name;
	} units[] = { { 1024 * 1024, "MB" }, { 1024, "KB" } };

	for (size_t i = 0; i < COUNT(units); i++) {
		long long unit = units[i].unit, tenths;

		if (size < unit)
			continue;
		tenths = (size * 10 + unit / 2) / unit;
		if (tenths % 10 == 0)
			snprintf(out, cap, "%lld %s", tenths / 10, units[i].name);
		else
			snprintf(out, cap, "%lld,%lld %s", tenths / 10, tenths % 10, units[i].name);
		return;
	}
	snprintf(out, cap, "%lld byte", size);
}

/* "PDF, JPG" from "pdf,jpg". */
static void format_types(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; s != NULL && *s != '\0' && o + 3 < cap; s++) {
		if (*s == ',') {
			out[o++] = ',';
			out[o++] = ' ';
		} else {
			out[o++] = (*s >= 'a' && *s <= 'z') ? (char)(*s - 'a' + 'A') : *s;
		}
	}
	out[o] = '\0';
}

/* The audit log's time and procedure_store's stamp for 'now_ms'. */
static void iso_now(int64_t now_ms, char *out, size_t cap)
{
	clock_iso8601(now_ms, out, cap);
}

/* A copy of procedure 'p' without the documents' templates, for procedure_check_json: stored
 * templates were checked when they arrived (import or upload) and their content stays in the
 * blobs table, so the editor never loads it. */
static json_t *without_templates(const json_t *p)
{
	json_t *copy = json_deep_copy(p), *doc;
	size_t i;

	if (copy == NULL)
		return NULL;
	json_array_foreach(json_object_get(copy, "documents"), i, doc)
		json_object_del(doc, "template");
	return copy;
}

/* Put 'errs' in the order of 'rank' (stable), so the summary follows the form. */
static void sort_errors(struct field_errors *errs, int (*rank)(const char *field))
{
	for (size_t i = 1; i < errs->count; i++) {
		struct field_error e = errs->items[i];
		size_t j = i;

		while (j > 0 && rank(errs->items[j - 1].field) > rank(e.field)) {
			errs->items[j] = errs->items[j - 1];
			j--;
		}
		errs->items[j] = e;
	}
}

/* ---- from checker messages to form fields ---- */

/* Where a checker path lands in the form, and what valid value stands in for it. */
struct member_rule {
	const char *member;    /* the member name under the object being edited */
	const char *field;     /* the form field */
	const char *label;     /* how the form calls it */
	const char *stand_in;  /* JSON of a value the checker accepts */
};

static const struct member_rule procedure_rules[] = {
	{ "code", "code", "Mã thủ tục", "\"0.000000\"" },
	{ "name", "name", "Tên thủ tục", "\"x\"" },
	{ "field", "field", "Lĩnh vực", "\"x\"" },
	{ "level", "level", "Cấp thực hiện", "\"commune\"" },
	{ "applicant_type", "applicant_type", "Đối tượng thực hiện", "\"citizen\"" },
	{ "description", "description", "Mô tả", "\"\"" },
	{ "steps", "steps", "Trình tự thực hiện", "\"x\"" },
	{ "submission", "submission", "Cách thức thực hiện", "\"\"" },
	{ "conditions", "conditions", "Yêu cầu, điều kiện thực hiện", "\"\"" },
	{ "time_kind", "time_kind", "Loại thời hạn", NULL },
	{ "time_value", "time_value", "Thời hạn giải quyết", NULL },
	{ "time_note", "time_note", "Ghi chú về thời hạn", NULL },
	{ "fees", "fees", "Phí, lệ phí", NULL },
	{ "legal_basis", "legal_basis", "Căn cứ pháp lý", "\"\"" },
	{ "result", "result", "Kết quả thực hiện", "\"x\"" },
	{ "service_mode", "service_mode", "Mức độ dịch vụ công trực tuyến", "\"info\"" },
};

static const struct member_rule document_rules[] = {
	{ "name", "name", "Tên giấy tờ", "\"x\"" },
	{ "originals", "originals", "Số bản chính", "0" },
	{ "copies", "copies", "Số bản sao", "0" },
	{ "requirement", "requirement", "Yêu cầu nộp", "\"mandatory\"" },
	{ "condition", "condition", "Trường hợp phải nộp", "\"x\"" },
	{ "file_types", "file_types", "Loại tệp được nộp", "[\"pdf\"]" },
	{ "max_size", "max_size_mb", "Dung lượng tối đa", "1" },
	{ "multiple", "multiple", "Cho phép nhiều tệp", "false" },
	{ "template", "template", "Tệp mẫu", NULL },
};

static const struct member_rule *rule_for(const struct member_rule *rules, size_t n,
                                          const char *member, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(rules[i].member) == len && memcmp(rules[i].member, member, len) == 0)
			return &rules[i];
	return NULL;
}

static int rule_rank(const struct member_rule *rules, size_t n, const char *field)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rules[i].field, field) == 0)
			return (int)i * 100;
	return 100000;
}

/* Form order of the procedure form's fields: the fee rows sit where "fees" does. */
static int procedure_rank(const char *field)
{
	int fees = rule_rank(procedure_rules, COUNT(procedure_rules), "fees");

	for (size_t n = 1; n <= COUNT(fee_fields); n++) {
		if (strcmp(field, fee_fields[n - 1][0]) == 0)
			return fees + 2 * (int)n;
		if (strcmp(field, fee_fields[n - 1][1]) == 0)
			return fees + 2 * (int)n + 1;
	}
	return rule_rank(procedure_rules, COUNT(procedure_rules), field);
}

static int document_rank(const char *field)
{
	return rule_rank(document_rules, COUNT(document_rules), field);
}

/*
 * The checker speaks the catalogue file's language ("phải là days, same_day hoặc hours"); the
 * form shows choices and labels instead.  A reason not listed here is shown as the checker
 * wrote it (it is Vietnamese too, only more technical).
 */
static const char *const friendly_reasons[][2] = {
	{ "phải là central, province hoặc commune", "hãy chọn một cấp thực hiện trong danh sách" },
	{ "phải là citizen, business hoặc both", "hãy chọn một đối tượng trong danh sách" },
	{ "phải là info, forms, partial hoặc full", "hãy chọn một mức độ trong danh sách" },
	{ "phải là days, same_day hoặc hours", "hãy chọn một cách tính thời hạn trong danh sách" },
	{ "phải từ 1 đến 365 ngày làm việc khi kind là days", "phải từ 1 đến 365 ngày làm việc" },
	{ "phải từ 1 đến 2.000 giờ làm việc khi kind là hours", "phải từ 1 đến 2.000 giờ làm việc" },
	{ "phải là mandatory hoặc conditional",
	  "hãy chọn bắt buộc hoặc nộp trong trường hợp cụ thể" },
	{ "phải nêu trường hợp cần nộp khi requirement là conditional",
	  "hãy nêu trường hợp phải nộp giấy tờ này" },
	{ "phải là một trong pdf, jpg, png, docx, doc, xlsx, xls, odt, zip, xml",
	  "chỉ chọn trong các loại tệp được liệt kê" },
	{ "bị lặp lại", "mỗi loại tệp chỉ chọn một lần" },
};

static const char *friendly_reason(const char *reason)
{
	for (size_t i = 0; i < COUNT(friendly_reasons); i++)
		if (strcmp(reason, friendly_reasons[i][0]) == 0)
			return friendly_reasons[i][1];
	return reason;
}

/* Split a checker message "path: reason".  The reason in *reason; the path copied into 'path'.
 * A message without a path gives path "". */
static void split_message(const char *msg, char *path, size_t cap, const char **reason)
{
	const char *sep = strstr(msg, ": ");
	size_t n = sep != NULL ? (size_t)(sep - msg) : 0;

	if (sep == NULL || n >= cap || memchr(msg, ' ', n) != NULL) {
		path[0] = '\0';
		*reason = msg;
		return;
	}
	memcpy(path, msg, n);
	path[n] = '\0';
	*reason = sep + 2;
}

/* "name[12]..." -> 12, with *rest after the ']'; -1 when 'path' does not start with 'name['. */
static long index_after(const char *path, const char *name, const char **rest)
{
	size_t n = strlen(name);
	char *end;
	long v;

	if (strncmp(path, name, n) != 0 || path[n] != '[')
		return -1;
	v = strtol(path + n + 1, &end, 10);
	if (end == path + n + 1 || *end != ']' || v < 0)
		return -1;
	*rest = end + 1;
	return v;
}

/* Replace member 'member' of 'o' with the JSON 'stand_in'. */
static int set_stand_in(json_t *o, const char *member, const char *stand_in)
{
	json_t *v = json_loads(stand_in, JSON_DECODE_ANY, NULL);

	return rows_put(o, member, v);
}

/* What the fee array of the work copy came from: the form row of each entry. */
struct fee_rows {
	size_t count;
	size_t row[PROCEDURE_ADMIN_FEE_ROWS];
};

/*
 * Turn the checker's problem at 'path' in the procedure 'work' into a form field and label and
 * put a valid stand-in there, so the next check can find the next problem.  'doc_index' >= 0:
 * the form edits that document (its paths are "documents[i].member"); else the procedure form.
 * 0, or MC_EINVAL when the path is not one the form holds.
 */
static int place_problem(json_t *work, const char *path, long doc_index,
                         const struct fee_rows *rows, const char **field, char *label,
                         size_t cap)
{
	const struct member_rule *rule;
	const char *rest;
	size_t mlen;

	if (doc_index >= 0) {
		json_t *doc;

		if (index_after(path, "documents", &rest) != doc_index || *rest != '.')
			return MC_EINVAL;
		rest++;
		doc = json_array_get(json_object_get(work, "documents"), (size_t)doc_index);
		mlen = strcspn(rest, ".[");
		rule = rule_for(document_rules, COUNT(document_rules), rest, mlen);
		if (doc == NULL || rule == NULL)
			return MC_EINVAL;
		*field = rule->field;
		snprintf(label, cap, "%s", rule->label);
		if (rule->stand_in == NULL) { /* the template */
			json_object_del(doc, "template");
			return 0;
		}
		return set_stand_in(doc, rule->member, rule->stand_in);
	}

	if (strncmp(path, "time.", 5) == 0) {
		json_t *t = json_object_get(work, "time");
		const char *kind;

		if (t == NULL)
			return MC_EINVAL;
		if (strcmp(path, "time.kind") == 0) {
			*field = "time_kind";
			snprintf(label, cap, "Loại thời hạn");
			if (rows_put(t, "kind", json_string("same_day")) != 0)
				return MC_ENOMEM;
			return rows_put(t, "value", json_integer(0));
		}
		if (strcmp(path, "time.value") == 0) {
			*field = "time_value";
			snprintf(label, cap, "Thời hạn giải quyết");
			kind = str_of(t, "kind");
			return rows_put(t, "value", json_integer(strcmp(kind, "same_day") == 0 ? 0 : 1));
		}
		if (strcmp(path, "time.note") == 0) {
			*field = "time_note";
			snprintf(label, cap, "Ghi chú về thời hạn");
			return rows_put(t, "note", json_string(""));
		}
		return MC_EINVAL;
	}

	if (strncmp(path, "fees", 4) == 0) {
		json_t *fees = json_object_get(work, "fees"), *fee;
		long i;

		if (strcmp(path, "fees") == 0) {
			*field = "fees";
			snprintf(label, cap, "Phí, lệ phí");
			while (json_array_size(fees) > PROCEDURE_FEES_MAX)
				json_array_remove(fees, json_array_size(fees) - 1);
			return 0;
		}
		i = index_after(path, "fees", &rest);
		fee = i >= 0 ? json_array_get(fees, (size_t)i) : NULL;
		if (fee == NULL || (size_t)i >= rows->count)
			return MC_EINVAL;
		if (strcmp(rest, ".amount") == 0) {
			*field = procedure_admin_fee_amount_field(rows->row[i]);
			snprintf(label, cap, "Phí, lệ phí dòng %zu, số tiền", rows->row[i]);
			return rows_put(fee, "amount", json_integer(0));
		}
		if (strcmp(rest, ".description") == 0) {
			*field = procedure_admin_fee_description_field(rows->row[i]);
			snprintf(label, cap, "Phí, lệ phí dòng %zu, nội dung", rows->row[i]);
			return rows_put(fee, "description", json_string(""));
		}
		return MC_EINVAL;
	}

	rule = rule_for(procedure_rules, COUNT(procedure_rules), path, strlen(path));
	if (rule == NULL || rule->stand_in == NULL)
		return MC_EINVAL;
	*field = rule->field;
	snprintf(label, cap, "%s", rule->label);
	return set_stand_in(work, rule->member, rule->stand_in);
}

/*
 * Check procedure 'p' (which is not changed) with procedure_check_json and put every problem
 * into 'errs' by form field.  The checker reports one problem at a time, so each is replaced by
 * a valid stand-in in a work copy and the copy checked again.  A problem the form cannot show
 * (a stored document or form that no longer passes) goes to 'fallback' with the checker's whole
 * message.  0 (errs may hold problems found earlier); MC_ENOMEM.
 */
static int check_procedure_form(const json_t *p, long doc_index, const struct fee_rows *rows,
                                const char *fallback, struct field_errors *errs)
{
	char msg[CHECK_MSG_SIZE], path[256], last[256] = "", label[160];
	json_t *work = without_templates(p);
	int rc = 0;

	if (work == NULL)
		return MC_ENOMEM;
	for (int round = 0; round < CHECK_ROUNDS; round++) {
		const char *reason, *field = NULL;

		msg[0] = '\0';
		rc = procedure_check_json(work, msg, sizeof(msg));
		if (rc == 0)
			break;
		if (rc != MC_EINVAL)
			goto out;
		rc = 0;
		split_message(msg, path, sizeof(path), &reason);
		if (path[0] == '\0' || strcmp(path, last) == 0 ||
		    place_problem(work, path, doc_index, rows, &field, label, sizeof(label)) != 0 ||
		    field == NULL) {
			field_errors_addf(errs, fallback, "%s", msg);
			break;
		}
		snprintf(last, sizeof(last), "%s", path);
		field_errors_addf(errs, field, "%s: %s", label, friendly_reason(reason));
	}
out:
	json_decref(work);
	return rc;
}

/* ---- the procedure form ---- */

/*
 * Put the members the procedure form holds into 'p' (an existing procedure, or a new one whose
 * members are already in the catalogue's order), parsing numbers.  A number that cannot be read
 * goes into 'errs' and a stand-in into 'p' (then p is never stored).  'rows' receives the form
 * row of each fee.  0; MC_ENOMEM.
 */
static int apply_procedure_input(json_t *p, const struct procedure_input *in,
                                 struct fee_rows *rows, struct field_errors *errs)
{
	json_t *time, *fees;
	const char *kind;
	long long v;
	int rc = 0;

	rc = rows_put(p, "code", text_json(in->code, 0));
	if (rc == 0)
		rc = rows_put(p, "name", text_json(in->name, 0));
	if (rc == 0)
		rc = rows_put(p, "field", text_json(in->field, 0));
	if (rc == 0)
		rc = rows_put(p, "level", text_json(in->level, 0));
	if (rc == 0)
		rc = rows_put(p, "applicant_type", text_json(in->applicant_type, 0));
	if (rc == 0)
		rc = rows_put(p, "description", text_json(in->description, 1));
	if (rc == 0)
		rc = rows_put(p, "steps", text_json(in->steps, 1));
	if (rc == 0)
		rc = rows_put(p, "submission", text_json(in->submission, 1));
	if (rc == 0)
		rc = rows_put(p, "conditions", text_json(in->conditions, 1));
	if (rc != 0)
		return rc;

	time = json_object();
	if (time == NULL)
		return MC_ENOMEM;
	rc = rows_put(time, "kind", text_json(in->time_kind, 0));
	kind = str_of(time, "kind");
	if (rc == 0) {
		v = 0;
		/* The same day has no count: whatever the box holds is not asked for. */
		if (strcmp(kind, "same_day") != 0 && parse_count(in->time_value, &v) != 0) {
			const char *t;
			field_errors_add(errs, "time_value",
			                 trimmed(in->time_value, &t) == 0
			                     ? "Thời hạn giải quyết: không được để trống"
			                     : "Thời hạn giải quyết: phải là một số nguyên, ví dụ 15");
			v = 1;
		}
		rc = rows_put(time, "value", json_integer(v));
	}
	if (rc == 0)
		rc = rows_put(time, "note", text_json(in->time_note, 1));
	if (rc != 0 || (rc = rows_put(p, "time", time)) != 0) {
		if (rc != 0)
			json_decref(time);
		return rc;
	}

	fees = json_array();
	if (fees == NULL)
		return MC_ENOMEM;
	rows->count = 0;
	for (size_t i = 0; i < in->fee_rows && i < PROCEDURE_ADMIN_FEE_ROWS && rc == 0; i++) {
		const char *a, *d;
		size_t alen = trimmed(in->fees[i].amount, &a), dlen = trimmed(in->fees[i].description, &d);
		json_t *fee;

		if (alen == 0 && dlen == 0)
			continue; /* an empty row of the form */
		if (alen == 0) {
			field_errors_addf(errs, fee_fields[i][0],
			                  "Phí, lệ phí dòng %zu, số tiền: không được để trống (nhập 0 "
			                  "nếu miễn phí)", i + 1);
			v = 0;
		} else if (parse_money(in->fees[i].amount, &v) != 0) {
			field_errors_addf(errs, fee_fields[i][0],
			                  "Phí, lệ phí dòng %zu, số tiền: phải là số đồng, ví dụ 100000 "
			                  "hoặc 100.000", i + 1);
			v = 0;
		}
		fee = json_object();
		rc = fee == NULL ? MC_ENOMEM : rows_put(fee, "amount", json_integer(v));
		if (rc == 0)
			rc = rows_put(fee, "description", text_json(in->fees[i].description, 1));
		if (fee != NULL && json_array_append_new(fees, fee) != 0 && rc == 0)
			rc = MC_ENOMEM;
		if (rc == 0 && rows->count < PROCEDURE_ADMIN_FEE_ROWS)
			rows->row[rows->count++] = i + 1;
	}
	if (rc != 0) {
		json_decref(fees);
		return rc;
	}
	rc = rows_put(p, "fees", fees);
	if (rc == 0)
		rc = rows_put(p, "legal_basis", text_json(in->legal_basis, 1));
	if (rc == 0)
		rc = rows_put(p, "result", text_json(in->result, 0));
	if (rc == 0)
		rc = rows_put(p, "service_mode", text_json(in->service_mode, 0));
	return rc;
}

/* A new procedure with every member in the catalogue's order (values filled in later). */
static json_t *new_procedure(void)
{
	static const char *const order[] = { "code", "name", "field", "level", "applicant_type",
		                             "description", "steps", "submission", "conditions",
		                             "time", "fees", "legal_basis", "result", "service_mode" };
	json_t *p = json_object(), *form;

	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < COUNT(order); i++)
		if (rows_put(p, order[i], json_null()) != 0)
			goto fail;
	form = json_loads(starter_form, 0, NULL);
	if (rows_put(p, "active", json_true()) != 0 || rows_put(p, "documents", json_array()) != 0 ||
	    rows_put(p, "form", form) != 0)
		goto fail;
	return p;
fail:
	json_decref(p);
	return NULL;
}

/* The id and name of the procedure with 'code' other than 'self' (0: any).  MC_ENOTFOUND when
 * there is none. */
static int code_taken(struct db *db, const char *code, int64_t self, char *name, size_t cap)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT name FROM procedures WHERE code = ? AND id <> ?", &st);

	if (rc == 0)
		rc = db_bind_cstr(st, 1, code);
	if (rc == 0)
		rc = db_bind_int64(st, 2, self);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	if (rc != DB_ROW)
		return rc;
	db_col_copy(st, 0, name, cap);
	db_reset(st);
	return 0;
}

/* Check the code is free; a taken code goes into errs.  0 (free or noted); MC_EDB. */
static int check_code_free(struct db *db, const char *code, int64_t self,
                           struct field_errors *errs)
{
	char other[512];
	int rc = code_taken(db, code, self, other, sizeof(other));

	if (rc == MC_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	field_errors_addf(errs, "code", "Mã thủ tục: mã %s đã được dùng cho thủ tục “%s”", code,
	                  other);
	return 0;
}

int procedure_admin_create(struct db *db, const struct actor *actor, int64_t now_ms,
                           const struct procedure_input *in, struct field_errors *errs,
                           int64_t *id)
{
	char now[32], summary[SUMMARY_SIZE];
	struct fee_rows rows = { 0 };
	json_t *p = NULL;
	int64_t pid = 0;
	int rc, begun = 0;

	field_errors_init(errs);
	if (!scope_is_global(actor))
		return MC_EFORBIDDEN;
	p = new_procedure();
	if (p == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	rc = apply_procedure_input(p, in, &rows, errs);
	if (rc == 0)
		rc = check_procedure_form(p, -1, &rows, "name", errs);
	if (rc != 0)
		goto out;
	rc = db_begin(db);
	if (rc != 0)
		goto out;
	begun = 1;
	if (field_errors_get(errs, "code") == NULL &&
	    (rc = check_code_free(db, str_of(p, "code"), 0, errs)) != 0)
		goto out;
	if (errs->count > 0) {
		sort_errors(errs, procedure_rank);
		rc = MC_EINVAL;
		goto out;
	}
	iso_now(now_ms, now, sizeof(now));
	rc = procedure_store(db, p, now, &pid, NULL);
	if (rc == 0) {
		fields_printf(summary, sizeof(summary), "Tạo thủ tục %s – %s", str_of(p, "code"),
		               str_of(p, "name"));
		rc = audit_record(db, actor, now_ms, "create", "procedure", pid, 0, summary, NULL, p);
	}
	if (rc == 0)
		rc = db_commit(db);
	if (rc == 0 && id != NULL)
		*id = pid;
out:
	if (rc != 0 && begun)
		db_rollback(db);
	json_decref(p);
	return rc;
}

int procedure_admin_update(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                           const struct procedure_input *in, struct field_errors *errs)
{
	char now[32], summary[SUMMARY_SIZE], *old_code = NULL;
	struct fee_rows rows = { 0 };
	json_t *p = NULL, *before = NULL;
	struct db_stmt *st;
	int rc, begun = 0;

	field_errors_init(errs);
	if (!scope_is_global(actor))
		return MC_EFORBIDDEN;
	rc = db_begin(db);
	if (rc != 0)
		goto out;
	begun = 1;
	rc = procedure_load_json_by_id(db, id, 0, &p);
	if (rc != 0)
		goto out;
	before = json_deep_copy(p);
	old_code = strdup(str_of(p, "code"));
	if (before == NULL || old_code == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	rc = apply_procedure_input(p, in, &rows, errs);
	if (rc == 0)
		rc = check_procedure_form(p, -1, &rows, "name", errs);
	if (rc == 0 && field_errors_get(errs, "code") == NULL &&
	    strcmp(old_code, str_of(p, "code")) != 0)
		rc = check_code_free(db, str_of(p, "code"), id, errs);
	if (rc != 0)
		goto out;
	if (errs->count > 0) {
		sort_errors(errs, procedure_rank);
		rc = MC_EINVAL;
		goto out;
	}
	if (strcmp(old_code, str_of(p, "code")) != 0) {
		/* procedure_store finds a procedure by its code: rename first, so the id stays. */
		rc = db_prepare(db, "UPDATE procedures SET code = ? WHERE id = ?", &st);
		if (rc == 0)
			rc = db_bind_cstr(st, 1, str_of(p, "code"));
		if (rc == 0)
			rc = db_bind_int64(st, 2, id);
		if (rc == 0)
			rc = db_step_done(st);
		if (rc != 0)
			goto out;
	}
	iso_now(now_ms, now, sizeof(now));
	rc = procedure_store(db, p, now, NULL, NULL);
	if (rc == 0) {
		fields_printf(summary, sizeof(summary), "Sửa thủ tục %s – %s", str_of(p, "code"),
		               str_of(p, "name"));
		rc = audit_record(db, actor, now_ms, "update", "procedure", id, 0, summary, before, p);
	}
	if (rc == 0)
		rc = db_commit(db);
out:
	if (rc != 0 && begun)
		db_rollback(db);
	json_decref(p);
	json_decref(before);
	free(old_code);
	return rc;
}

int procedure_admin_set_active(struct db *db, const struct actor *actor, int64_t now_ms,
                               int64_t id, int active)
{
	char now[32], summary[SUMMARY_SIZE], code[32], name[2048];
	json_t *before = NULL, *after = NULL;
	struct db_stmt *st;
	int rc, begun = 0, was;

	if (!scope_is_global(actor))
		return MC_EFORBIDDEN;
	active = active ? 1 : 0;
	rc = db_begin(db);
	if (rc != 0)
		goto out;
	begun = 1;
	rc = db_prepare(db, "SELECT active, code, name FROM procedures WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE)
		rc = MC_ENOTFOUND;
	if (rc != DB_ROW)
		goto out;
	was = (int)db_col_int64(st, 0);
	db_col_copy(st, 1, code, sizeof(code));
	db_col_copy(st, 2, name, sizeof(name));
	db_reset(st);
	rc = 0;
	if (was == active)
		goto out; /* nothing to change: commit the empty transaction below */
	iso_now(now_ms, now, sizeof(now));
	rc = procedure_set_active(db, id, active, now);
	if (rc != 0)
		goto out;
	before = json_pack("{s:s, s:s, s:b}", "code", code, "name", name, "active", was);
	after = json_pack("{s:s, s:s, s:b}", "code", code, "name", name, "active", active);
	if (before == NULL || after == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	fields_printf(summary, sizeof(summary), "%s thủ tục %s – %s",
	               active ? "Áp dụng lại" : "Ngừng áp dụng", code, name);
	rc = audit_record(db, actor, now_ms, active ? "activate" : "deactivate", "procedure", id, 0,
	                  summary, before, after);
out:
	if (begun) {
		if (rc == 0)
			rc = db_commit(db);
		if (rc != 0)
			db_rollback(db);
	}
	json_decref(before);
	json_decref(after);
	return rc;
}

/* ---- reading ---- */

int procedure_admin_list(struct db *db, const struct actor *actor, const char *text, int page,
                         json_t **out)
{
	struct buf where;
	char sql[2048];
	char *folded = NULL, *words[SEARCH_WORDS];
	size_t nwords = 0;
	struct db_stmt *st;
	json_t *res = NULL, *items = NULL;
	int64_t total = 0;
	int rc, idx;

	*out = NULL;
	buf_init(&where, NULL);
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if (page < 1 || page > PROCEDURE_ADMIN_PAGE_MAX)
		return MC_EINVAL;
	if (text == NULL)
		text = "";
	if (u8_check((const uint8_t *)text, strlen(text)) != NULL ||
	    u8_mbsnlen((const uint8_t *)text, strlen(text)) > PROCEDURE_ADMIN_QUERY_MAX)
		return MC_EINVAL;
	rc = fold_text(text, strlen(text), &folded);
	if (rc != 0)
		return rc;
	/* Words of the folded text, each one a LIKE condition.  fold_text leaves no '%', '_' or
	 * '\' in its output, so a word matches only itself. */
	{
		char *save = NULL;
		for (char *w = strtok_r(folded, " ", &save); w != NULL && nwords < SEARCH_WORDS;
		     w = strtok_r(NULL, " ", &save))
			words[nwords++] = w;
	}
	rc = buf_puts(&where, "FROM procedures WHERE 1 = 1");
	for (size_t i = 0; i < nwords && rc == 0; i++)
		rc = buf_puts(&where, " AND search_text LIKE ?");
	if (rc != 0)
		goto out;

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) %s", where.data);
	rc = db_prepare(db, sql, &st);
	for (size_t i = 0; i < nwords && rc == 0; i++) {
		char pattern[1024];
		snprintf(pattern, sizeof(pattern), "%%%s%%", words[i]);
		rc = db_bind_cstr(st, (int)i + 1, pattern);
	}
	if (rc == 0)
		rc = db_step(st);
	if (rc != DB_ROW)
		goto out;
	total = db_col_int64(st, 0);
	db_reset(st);

	snprintf(sql, sizeof(sql),
	         "SELECT id, code, name, field, level, service_mode, active %s "
	         "ORDER BY code LIMIT ? OFFSET ?", where.data);
	rc = db_prepare(db, sql, &st);
	for (size_t i = 0; i < nwords && rc == 0; i++) {
		char pattern[1024];
		snprintf(pattern, sizeof(pattern), "%%%s%%", words[i]);
		rc = db_bind_cstr(st, (int)i + 1, pattern);
	}
	idx = (int)nwords + 1;
	if (rc == 0)
		rc = db_bind_int64(st, idx, PROCEDURE_ADMIN_PER_PAGE);
	if (rc == 0)
		rc = db_bind_int64(st, idx + 1, (int64_t)(page - 1) * PROCEDURE_ADMIN_PER_PAGE);
	items = json_array();
	if (rc == 0 && items == NULL)
		rc = MC_ENOMEM;
	while (rc == 0 && (rc = db_step(st)) == DB_ROW) {
		const char *level = db_col_text(st, 4, NULL), *mode = db_col_text(st, 5, NULL);
		const char *ll = catalog_level_label(level), *ml = catalog_mode_label(mode);
		json_t *it = json_object();

		rc = it == NULL ? MC_ENOMEM : 0;
		if (rc == 0)
			rc = rows_put(it, "id", json_integer(db_col_int64(st, 0)));
		if (rc == 0)
			rc = rows_put(it, "code", rows_text(st, 1));
		if (rc == 0)
			rc = rows_put(it, "name", rows_text(st, 2));
		if (rc == 0)
			rc = rows_put(it, "field", rows_text(st, 3));
		if (rc == 0)
			rc = rows_put(it, "level_label", json_string(ll != NULL ? ll : ""));
		if (rc == 0)
			rc = rows_put(it, "mode_label", json_string(ml != NULL ? ml : ""));
		if (rc == 0)
			rc = rows_put(it, "active", json_boolean(db_col_int64(st, 6) != 0));
		if (it != NULL && json_array_append_new(items, it) != 0 && rc == 0)
			rc = MC_ENOMEM;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		goto out;
	}
	res = json_pack("{s:O, s:I, s:i, s:I, s:i}", "items", items, "total", (json_int_t)total,
	                "page", page, "pages",
	                (json_int_t)((total + PROCEDURE_ADMIN_PER_PAGE - 1) / PROCEDURE_ADMIN_PER_PAGE),
	                "per_page", PROCEDURE_ADMIN_PER_PAGE);
	rc = res == NULL ? MC_ENOMEM : 0;
	if (rc == 0) {
		*out = res;
		res = NULL;
	}
out:
	buf_free(&where);
	free(folded);
	json_decref(items);
	json_decref(res);
	return rc;
}

/* The documents of procedure 'id' with their ids, for the procedure page. */
static int load_document_rows(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st;
	json_t *docs = json_array();
	size_t n = 0;
	int rc;

	*out = NULL;
	if (docs == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db, "SELECT d.id, d.position, d.name, d.originals, d.copies, d.requirement, "
	                    "d.condition, d.file_types, d.max_size, d.multiple, d.template_name, "
	                    "b.size FROM procedure_documents d "
	                    "LEFT JOIN blobs b ON b.sha256 = d.template_sha256 "
	                    "WHERE d.procedure_id = ? ORDER BY d.position", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, id);
	while (rc == 0 && (rc = db_step(st)) == DB_ROW) {
		char types[128], size[32], tsize[32];
		json_t *d = json_object();
		int has_template = !db_col_is_null(st, 10);

		format_types(db_col_text(st, 7, NULL), types, sizeof(types));
		format_size(db_col_int64(st, 8), size, sizeof(size));
		format_size(db_col_int64(st, 11), tsize, sizeof(tsize));
		rc = d == NULL ? MC_ENOMEM : 0;
		if (rc == 0)
			rc = rows_put(d, "id", json_integer(db_col_int64(st, 0)));
		if (rc == 0)
			rc = rows_put(d, "position", json_integer(db_col_int64(st, 1)));
		if (rc == 0)
			rc = rows_put(d, "number", json_integer((json_int_t)++n));
		if (rc == 0)
			rc = rows_put(d, "name", rows_text(st, 2));
		if (rc == 0)
			rc = rows_put(d, "originals", json_integer(db_col_int64(st, 3)));
		if (rc == 0)
			rc = rows_put(d, "copies", json_integer(db_col_int64(st, 4)));
		if (rc == 0)
			rc = rows_put(d, "mandatory", json_boolean(strcmp(db_col_text(st, 5, NULL),
			                                             "mandatory") == 0));
		if (rc == 0)
			rc = rows_put(d, "condition", rows_text(st, 6));
		if (rc == 0)
			rc = rows_put(d, "file_types_text", json_string(types));
		if (rc == 0)
			rc = rows_put(d, "max_size_text", json_string(size));
		if (rc == 0)
			rc = rows_put(d, "multiple", json_boolean(db_col_int64(st, 9) != 0));
		if (rc == 0)
			rc = rows_put(d, "has_template", json_boolean(has_template));
		if (rc == 0 && has_template)
			rc = rows_put(d, "template_name", rows_text(st, 10));
		if (rc == 0 && has_template)
			rc = rows_put(d, "template_size_text", json_string(tsize));
		if (d != NULL && json_array_append_new(docs, d) != 0 && rc == 0)
			rc = MC_ENOMEM;
	}
	if (rc != DB_DONE) {
		db_reset(st);
		json_decref(docs);
		return rc;
	}
	for (size_t i = 0; i < json_array_size(docs); i++) {
		json_t *d = json_array_get(docs, i);
		if (rows_put(d, "first", json_boolean(i == 0)) != 0 ||
		    rows_put(d, "last", json_boolean(i + 1 == json_array_size(docs))) != 0) {
			json_decref(docs);
			return MC_ENOMEM;
		}
	}
	*out = docs;
	return 0;
}

int procedure_admin_get(struct db *db, const struct actor *actor, int64_t id, json_t **out,
                        json_t **info)
{
	struct db_stmt *st;
	json_t *p = NULL, *inf = NULL, *docs = NULL;
	int rc;

	*out = NULL;
	if (info != NULL)
		*info = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	rc = procedure_load_json_by_id(db, id, 0, &p);
	if (rc != 0 || info == NULL)
		goto done;
	rc = db_prepare(db, "SELECT active, created_at, updated_at FROM procedures WHERE id = ?",
	                &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE)
		rc = MC_ENOTFOUND;
	if (rc != DB_ROW)
		goto done;
	inf = json_object();
	rc = inf == NULL ? MC_ENOMEM : rows_put(inf, "id", json_integer(id));
	if (rc == 0)
		rc = rows_put(inf, "active", json_boolean(db_col_int64(st, 0) != 0));
	if (rc == 0)
		rc = rows_put(inf, "created_at", rows_text(st, 1));
	if (rc == 0)
		rc = rows_put(inf, "updated_at", rows_text(st, 2));
	db_reset(st);
	if (rc == 0)
		rc = load_document_rows(db, id, &docs);
	if (rc == 0) {
		rc = rows_put(inf, "documents", docs);
		docs = NULL;
	}
done:
	if (rc == 0) {
		*out = p;
		p = NULL;
		if (info != NULL) {
			*info = inf;
			inf = NULL;
		}
	}
	json_decref(p);
	json_decref(inf);
	json_decref(docs);
	return rc;
}

int procedure_admin_form_text(struct db *db, const struct actor *actor, int64_t id, char **text)
{
	struct db_stmt *st;
	json_t *form = NULL;
	int rc;

	*text = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	rc = db_prepare(db, "SELECT form_schema FROM procedures WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	if (rc != DB_ROW)
		return rc;
	{
		size_t len = 0;
		const char *s = db_col_text(st, 0, &len);
		form = json_loadb(s != NULL ? s : "", len, 0, NULL);
	}
	db_reset(st);
	if (form == NULL)
		return MC_EDB; /* not JSON: the database was changed by hand */
	*text = json_dumps(form, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(form);
	return *text == NULL ? MC_ENOMEM : 0;
}

int procedure_admin_set_form(struct db *db, const struct actor *actor, int64_t now_ms,
                             int64_t id, const char *text, size_t len, char *err, size_t errlen)
{
	char now[32], summary[SUMMARY_SIZE], msg[CHECK_MSG_SIZE];
	json_t *schema = NULL, *p = NULL, *before = NULL, *work = NULL;
	int rc, begun = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (!scope_is_global(actor))
		return MC_EFORBIDDEN;
	if (len > PROCEDURE_ADMIN_SCHEMA_MAX) {
		mc_errf(err, errlen, "Nội dung biểu mẫu dài quá %u KiB.",
		        PROCEDURE_ADMIN_SCHEMA_MAX / 1024);
		return MC_EINVAL;
	}
	rc = formschema_check(text, len, &schema, err, errlen);
	if (rc != 0)
		return rc;
	rc = db_begin(db);
	if (rc != 0)
		goto out;
	begun = 1;
	rc = procedure_load_json_by_id(db, id, 0, &p);
	if (rc != 0)
		goto out;
	before = json_deep_copy(p);
	if (before == NULL || json_object_set(p, "form", schema) != 0) {
		rc = MC_ENOMEM;
		goto out;
	}
	/* The one check of a whole procedure (the form passed already; the rest was stored
	 * checked): kept so nothing unchecked is ever stored. */
	work = without_templates(p);
	if (work == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	rc = procedure_check_json(work, msg, sizeof(msg));
	if (rc != 0) {
		mc_errf(err, errlen, "%s", msg);
		goto out;
	}
	iso_now(now_ms, now, sizeof(now));
	rc = procedure_store(db, p, now, NULL, NULL);
	if (rc == 0) {
		fields_printf(summary, sizeof(summary), "Sửa biểu mẫu trực tuyến của thủ tục %s – %s",
		               str_of(p, "code"), str_of(p, "name"));
		rc = audit_record(db, actor, now_ms, "update", "procedure", id, 0, summary, before, p);
	}
	if (rc == 0)
		rc = db_commit(db);
out:
	if (rc != 0 && begun)
		db_rollback(db);
	json_decref(schema);
	json_decref(p);
	json_decref(before);
	json_decref(work);
	return rc;
}

/* ---- documents ---- */

/* Where document 'document_id' is: its procedure and position.  MC_ENOTFOUND. */
static int document_place(struct db *db, int64_t document_id, int64_t *procedure_id,
                          int64_t *position)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT procedure_id, position FROM procedure_documents "
	                        "WHERE id = ?", &st);

	if (rc == 0)
		rc = db_bind_int64(st, 1, document_id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	if (rc != DB_ROW)
		return rc;
	*procedure_id = db_col_int64(st, 0);
	*position = db_col_int64(st, 1);
	db_reset(st);
	return 0;
}

/*
 * Number the documents of procedure 'pid' 0, 1, 2 ... in their order.  procedure_store updates
 * documents by position and the loaded list is in position order, so the two agree only while
 * the positions have no gaps.  Moving each row down to its index in ascending order never
 * meets a taken position.
 */
static int renumber_documents(struct db *db, int64_t pid)
{
	struct db_stmt *st;
	int64_t ids[PROCEDURE_DOCUMENTS_MAX * 2], pos[PROCEDURE_DOCUMENTS_MAX * 2];
	size_t n = 0;
	int rc;

	rc = db_prepare(db, "SELECT id, position FROM procedure_documents WHERE procedure_id = ? "
	                    "ORDER BY position", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, pid);
	while (rc == 0 && (rc = db_step(st)) == DB_ROW) {
		rc = 0;
		if (n == COUNT(ids)) {
			db_reset(st);
			return MC_EDB; /* far more documents than the format allows */
		}
		ids[n] = db_col_int64(st, 0);
		pos[n] = db_col_int64(st, 1);
		n++;
	}
	if (rc != DB_DONE)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (pos[i] == (int64_t)i)
			continue;
		rc = db_prepare(db, "UPDATE procedure_documents SET position = ? WHERE id = ?", &st);
		if (rc == 0)
			rc = db_bind_int64(st, 1, (int64_t)i);
		if (rc == 0)
			rc = db_bind_int64(st, 2, ids[i]);
		if (rc == 0)
			rc = db_step_done(st);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int touch_procedure(struct db *db, int64_t pid, int64_t now_ms)
{
	char now[32];
	struct db_stmt *st;
	int rc = db_prepare(db, "UPDATE procedures SET updated_at = ? WHERE id = ?", &st);

	iso_now(now_ms, now, sizeof(now));
	if (rc == 0)
		rc = db_bind_cstr(st, 1, now);
	if (rc == 0)
		rc = db_bind_int64(st, 2, pid);
	if (rc == 0)
		rc = db_step_done(st);
	return rc;
}

int procedure_admin_document_get(struct db *db, const struct actor *actor, int64_t document_id,
                                 json_t **out)
{
	struct db_stmt *st;
	json_t *d = NULL, *types = NULL;
	char mb[32], size[32];
	int rc;

	*out = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	rc = db_prepare(db, "SELECT d.id, d.procedure_id, p.code, p.name, d.position, d.name, "
	                    "d.originals, d.copies, d.requirement, d.condition, d.file_types, "
	                    "d.max_size, d.multiple, d.template_name, b.media_type, "
	                    "d.template_sha256, b.size "
	                    "FROM procedure_documents d JOIN procedures p ON p.id = d.procedure_id "
	                    "LEFT JOIN blobs b ON b.sha256 = d.template_sha256 WHERE d.id = ?", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, document_id);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	if (rc != DB_ROW)
		return rc;
	d = json_object();
	types = json_array();
	rc = d == NULL || types == NULL ? MC_ENOMEM : 0;
	{
		const char *s = db_col_text(st, 10, NULL);
		while (rc == 0 && s != NULL && *s != '\0') {
			size_t n = strcspn(s, ",");
			if (n > 0 && json_array_append_new(types, json_stringn(s, n)) != 0)
				rc = MC_ENOMEM;
			s += n;
			if (*s == ',')
				s++;
		}
	}
	format_mb(db_col_int64(st, 11), mb, sizeof(mb));
	if (rc == 0)
		rc = rows_put(d, "id", json_integer(db_col_int64(st, 0)));
	if (rc == 0)
		rc = rows_put(d, "procedure_id", json_integer(db_col_int64(st, 1)));
	if (rc == 0)
		rc = rows_put(d, "procedure_code", rows_text(st, 2));
	if (rc == 0)
		rc = rows_put(d, "procedure_name", rows_text(st, 3));
	if (rc == 0)
		rc = rows_put(d, "position", json_integer(db_col_int64(st, 4)));
	if (rc == 0)
		rc = rows_put(d, "name", rows_text(st, 5));
	if (rc == 0)
		rc = rows_put(d, "originals", json_integer(db_col_int64(st, 6)));
	if (rc == 0)
		rc = rows_put(d, "copies", json_integer(db_col_int64(st, 7)));
	if (rc == 0)
		rc = rows_put(d, "requirement", rows_text(st, 8));
	if (rc == 0)
		rc = rows_put(d, "condition", rows_text(st, 9));
	if (rc == 0) {
		rc = rows_put(d, "file_types", types);
		types = NULL;
	}
	if (rc == 0)
		rc = rows_put(d, "max_size", json_integer(db_col_int64(st, 11)));
	if (rc == 0)
		rc = rows_put(d, "max_size_mb", json_string(mb));
	if (rc == 0)
		rc = rows_put(d, "multiple", json_boolean(db_col_int64(st, 12) != 0));
	if (rc == 0 && !db_col_is_null(st, 13)) {
		format_size(db_col_int64(st, 16), size, sizeof(size));
		rc = rows_put(d, "template", json_pack("{s:o, s:o, s:o, s:I, s:s}", "name", rows_text(st, 13),
		                                  "media_type", rows_text(st, 14), "sha256",
		                                  rows_text(st, 15), "size",
		                                  (json_int_t)db_col_int64(st, 16), "size_text", size));
	}
	db_reset(st);
	if (rc != 0) {
		json_decref(d);
		json_decref(types);
		return rc;
	}
	*out = d;
	return 0;
}

/* ---- templates ---- */

static const struct template_kind {
	const char *ext;
	const char *media_type;
	const char *magic;
	size_t magic_len;
	const char *kind;  /* named in messages */
} template_kinds[] = {
	{ "pdf", "application/pdf", "%PDF-", 5, "PDF" },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	  "PK\x03\x04", 4, "Word (.docx)" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	  "PK\x03\x04", 4, "Excel (.xlsx)" },
	{ "odt", "application/vnd.oasis.opendocument.text", "PK\x03\x04", 4,
	  "OpenDocument (.odt)" },
	{ "doc", "application/msword", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, "Word (.doc)" },
	{ "xls", "application/vnd.ms-excel", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8,
	  "Excel (.xls)" },
};

/* Whether code point 'c' may stay in a template's file name. */
static int name_char_ok(ucs4_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		       c == ' ' || c == '.' || c == '-' || c == '_' || c == '(' || c == ')';
	return uc_is_general_category(c, UC_CATEGORY_L) || uc_is_general_category(c, UC_CATEGORY_M) ||
	       uc_is_general_category(c, UC_CATEGORY_Nd);
}

int procedure_admin_template_check(const struct template_upload *upload, char *name_out,
                                   size_t cap, const char **media_type, struct field_errors *errs)
{
	const char *base = upload->filename != NULL ? upload->filename : "", *dot;
	const struct template_kind *kind = NULL;
	struct buf b;
	char ext[8];
	uint8_t *norm = NULL;
	size_t normlen = 0, chars = 0, extlen;
	int rc = 0;

	buf_init(&b, NULL);
	*media_type = NULL;
	if (cap > 0)
		name_out[0] = '\0';
	if (upload->len > PROCEDURE_TEMPLATE_BYTES) {
		field_errors_add(errs, "template", "Tệp mẫu: dung lượng vượt quá 10 MB");
		return MC_ETOOBIG;
	}
	/* Some browsers send the whole path: keep the last part. */
	for (const char *s = base; *s != '\0'; s++)
		if (*s == '/' || *s == '\\')
			base = s + 1;
	dot = strrchr(base, '.');
	extlen = dot != NULL ? strlen(dot + 1) : 0;
	if (dot != NULL && extlen < sizeof(ext)) {
		for (size_t i = 0; i <= extlen; i++)
			ext[i] = (dot[1 + i] >= 'A' && dot[1 + i] <= 'Z') ? (char)(dot[1 + i] + 32)
			                                                   : dot[1 + i];
		for (size_t i = 0; i < COUNT(template_kinds); i++)
			if (strcmp(template_kinds[i].ext, ext) == 0)
				kind = &template_kinds[i];
	}
	if (kind == NULL) {
		field_errors_add(errs, "template", "Tệp mẫu: chỉ nhận tệp .docx, .doc, .pdf, .odt, "
		                                   ".xlsx hoặc .xls");
		return MC_EINVAL;
	}
	if (upload->len == 0) {
		field_errors_add(errs, "template", "Tệp mẫu: tệp rỗng");
		return MC_EINVAL;
	}
	if (upload->len < kind->magic_len || memcmp(upload->data, kind->magic, kind->magic_len) != 0) {
		field_errors_addf(errs, "template", "Tệp mẫu: nội dung tệp không phải là tệp %s như "
		                                    "phần mở rộng .%s cho biết", kind->kind, kind->ext);
		return MC_EINVAL;
	}

	/* The stem, character by character, cut so that stem, '.' and extension fit the limit. */
	{
		const uint8_t *s = (const uint8_t *)base, *end = (const uint8_t *)dot;
		size_t room = PROCEDURE_TEMPLATE_NAME_MAX - 1 - strlen(kind->ext);

		while (s < end && chars < room && rc == 0) {
			ucs4_t c;
			int n = u8_mbtouc(&c, s, (size_t)(end - s));

			if (n <= 0)
				break;
			if (name_char_ok(c))
				rc = buf_append(&b, s, (size_t)n);
			else
				rc = buf_putc(&b, '_');
			s += n;
			chars++;
		}
	}
	if (rc != 0)
		goto out;
	/* No leading or trailing dots and spaces: no hidden files, nothing a system trims. */
	{
		size_t start = 0, len = b.len;
		while (start < len && (b.data[start] == '.' || b.data[start] == ' '))
			start++;
		while (len > start && (b.data[len - 1] == '.' || b.data[len - 1] == ' '))
			len--;
		if (len > start)
			memmove(b.data, b.data + start, len - start);
		b.len = len - start;
	}
	if (b.len == 0)
		rc = buf_puts(&b, "tep-mau");
	if (rc == 0)
		rc = buf_printf(&b, ".%s", kind->ext);
	if (rc != 0)
		goto out;
	/* A kept mark after a replaced letter may leave text that is not NFC: compose it. */
	norm = u8_normalize(UNINORM_NFC, (const uint8_t *)b.data, b.len, NULL, &normlen);
	if (norm == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if (normlen + 1 > cap) {
		rc = MC_ENOMEM; /* the caller's buffer is smaller than documented */
		goto out;
	}
	memcpy(name_out, norm, normlen);
	name_out[normlen] = '\0';
	*media_type = kind->media_type;
out:
	free(norm);
	buf_free(&b);
	return rc;
}

/* Store the template's bytes under their sha256 unless they are there already. */
static int store_template_blob(struct db *db, const struct template_upload *upload,
                               const char *media_type, const char *sha)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "INSERT INTO blobs (sha256, media_type, size, content) "
	                        "SELECT ?, ?, ?, ? WHERE NOT EXISTS "
	                        "(SELECT 1 FROM blobs WHERE sha256 = ?)", &st);

	if (rc == 0)
		rc = db_bind_cstr(st, 1, sha);
	if (rc == 0)
		rc = db_bind_cstr(st, 2, media_type);
	if (rc == 0)
		rc = db_bind_int64(st, 3, (int64_t)upload->len);
	if (rc == 0)
		rc = db_bind_blob(st, 4, upload->data, upload->len);
	if (rc == 0)
		rc = db_bind_cstr(st, 5, sha);
	if (rc == 0)
		rc = db_step_done(st);
	return rc;
}

/* Whether 'upload' holds a file (an empty file input sends no name and no bytes). */
static int has_upload(const struct template_upload *upload)
{
	return upload != NULL &&
	       ((upload->filename != NULL && upload->filename[0] != '\0') || upload->len > 0);
}

/*
 * Fill document object 'doc' from 'in' in the catalogue's member order, keeping its template.
 * Numbers that cannot be read go into errs with a stand-in.  0; MC_ENOMEM.
 */
static int apply_document_input(json_t *doc, const struct document_input *in,
                                struct field_errors *errs)
{
	json_t *tpl = json_incref(json_object_get(doc, "template")), *types;
	const char *req;
	long long v;
	int rc;

	json_object_clear(doc);
	rc = rows_put(doc, "name", text_json(in->name, 0));
	if (rc == 0) {
		const char *t;
		v = 0;
		if (parse_count(in->originals, &v) != 0)
			field_errors_add(errs, "originals",
			                 trimmed(in->originals, &t) == 0
			                     ? "Số bản chính: không được để trống (nhập 0 nếu không cần)"
			                     : "Số bản chính: phải là một số nguyên không âm");
		rc = rows_put(doc, "originals", json_integer(v));
	}
	if (rc == 0) {
		const char *t;
		v = 0;
		if (parse_count(in->copies, &v) != 0)
			field_errors_add(errs, "copies",
			                 trimmed(in->copies, &t) == 0
			                     ? "Số bản sao: không được để trống (nhập 0 nếu không cần)"
			                     : "Số bản sao: phải là một số nguyên không âm");
		rc = rows_put(doc, "copies", json_integer(v));
	}
	if (rc == 0)
		rc = rows_put(doc, "requirement", text_json(in->requirement, 0));
	req = str_of(doc, "requirement");
	/* The condition says when a conditional document is needed; a mandatory one has none. */
	if (rc == 0)
		rc = rows_put(doc, "condition", strcmp(req, "mandatory") == 0 ? json_string("")
		                                                         : text_json(in->condition, 1));
	types = json_array();
	if (rc == 0 && types == NULL)
		rc = MC_ENOMEM;
	for (size_t i = 0; i < in->type_count && i < PROCEDURE_ADMIN_TYPE_VALUES && rc == 0; i++)
		if (json_array_append_new(types, text_json(in->file_types[i], 0)) != 0)
			rc = MC_ENOMEM;
	if (rc == 0 && in->too_many_types)
		field_errors_add(errs, "file_types", "Loại tệp được nộp: chọn tối đa 10 loại tệp");
	if (rc == 0) {
		rc = rows_put(doc, "file_types", types);
		types = NULL;
	}
	if (rc == 0) {
		const char *t;
		long long bytes = 0;
		if (trimmed(in->max_size_mb, &t) == 0) {
			field_errors_add(errs, "max_size_mb", "Dung lượng tối đa: không được để trống");
			bytes = PROCEDURE_ADMIN_MB;
		} else if (parse_mb(in->max_size_mb, &bytes) != 0) {
			field_errors_add(errs, "max_size_mb", "Dung lượng tối đa: phải là một số MB, ví dụ "
			                                      "10 hoặc 2,5");
			bytes = PROCEDURE_ADMIN_MB;
		} else if (bytes < 1 || bytes > PROCEDURE_DOCUMENT_SIZE_MAX) {
			/* Checked here in the unit the form uses; the format counts bytes. */
			field_errors_add(errs, "max_size_mb", "Dung lượng tối đa: phải lớn hơn 0 và không "
			                                      "quá 50 MB");
			bytes = PROCEDURE_ADMIN_MB;
		}
		rc = rows_put(doc, "max_size", json_integer(bytes));
	}
	if (rc == 0)
		rc = rows_put(doc, "multiple", json_boolean(in->multiple));
	if (rc == 0 && tpl != NULL) {
		rc = rows_put(doc, "template", tpl);
		tpl = NULL;
	}
	json_decref(tpl);
	json_decref(types);
	return rc;
}

/*
 * Add (document_id 0: at the end of procedure 'pid') or change a document from the form, with
 * its template.  Shared by procedure_admin_document_add and _update.
 */
static int save_document(struct db *db, const struct actor *actor, int64_t now_ms, int64_t pid,
                         int64_t document_id, const struct document_input *in,
                         const struct template_upload *upload, struct field_errors *errs,
                         int64_t *id_out, int64_t *pid_out)
{
	char now[32], summary[SUMMARY_SIZE], name[PROCEDURE_TEMPLATE_NAME_MAX * 4 + 1];
	char sha[crypto_hash_sha256_BYTES * 2 + 1];
	const char *media = NULL;
	json_t *p = NULL, *docs, *doc = NULL, *before = NULL;
	int64_t position = 0;
	struct db_stmt *st;
	int rc, begun = 0, uploading = has_upload(upload);

	field_errors_init(errs);
	if (!scope_is_global(actor))
		return MC_EFORBIDDEN;
	if (uploading) {
		unsigned char digest[crypto_hash_sha256_BYTES];

		rc = procedure_admin_template_check(upload, name, sizeof(name), &media, errs);
		if (rc == MC_ETOOBIG)
			return rc;
		if (rc != 0 && rc != MC_EINVAL)
			return rc;
		if (rc == 0) {
			crypto_hash_sha256(digest, upload->data, upload->len);
			sodium_bin2hex(sha, sizeof(sha), digest, sizeof(digest));
		}
	}
	rc = db_begin(db);
	if (rc != 0)
		goto out;
	begun = 1;
	if (document_id > 0) {
		rc = document_place(db, document_id, &pid, &position);
		if (rc != 0)
			goto out;
	}
	rc = renumber_documents(db, pid);
	if (rc == 0 && document_id > 0)
		rc = document_place(db, document_id, &pid, &position);
	if (rc == 0)
		rc = procedure_load_json_by_id(db, pid, 0, &p);
	if (rc != 0)
		goto out;
	docs = json_object_get(p, "documents");
	if (document_id > 0) {
		doc = json_array_get(docs, (size_t)position);
		if (doc == NULL) {
			rc = MC_EDB; /* positions were just renumbered to match the list */
			goto out;
		}
		before = json_deep_copy(doc); /* the audit log's "before" */
		if (before == NULL) {
			rc = MC_ENOMEM;
			goto out;
		}
	} else {
		position = (int64_t)json_array_size(docs);
		doc = json_object();
		if (doc == NULL || json_array_append_new(docs, doc) != 0) {
			rc = MC_ENOMEM;
			goto out;
		}
	}
	rc = apply_document_input(doc, in, errs);
	if (rc == 0 && uploading && media != NULL)
		rc = rows_put(doc, "template", json_pack("{s:s, s:s, s:s}", "name", name, "media_type", media,
		                                    "sha256", sha));
	if (rc == 0)
		rc = check_procedure_form(p, (long)position, NULL, "name", errs);
	if (rc != 0)
		goto out;
	if (errs->count > 0) {
		sort_errors(errs, document_rank);
		rc = MC_EINVAL;
		goto out;
	}
	if (uploading) {
		rc = store_template_blob(db, upload, media, sha);
		if (rc != 0)
			goto out;
	}
	iso_now(now_ms, now, sizeof(now));
	rc = procedure_store(db, p, now, NULL, NULL);
	if (rc != 0)
		goto out;
	if (document_id == 0) {
		rc = db_prepare(db, "SELECT id FROM procedure_documents WHERE procedure_id = ? AND "
		                    "position = ?", &st);
		if (rc == 0)
			rc = db_bind_int64(st, 1, pid);
		if (rc == 0)
			rc = db_bind_int64(st, 2, position);
		if (rc == 0)
			rc = db_step(st);
		if (rc != DB_ROW) {
			rc = rc == DB_DONE ? MC_EDB : rc;
			goto out;
		}
		document_id = db_col_int64(st, 0);
		db_reset(st);
		rc = 0;
	}
	fields_printf(summary, sizeof(summary), "%s thành phần hồ sơ “%s” của thủ tục %s",
	               before == NULL ? "Thêm" : "Sửa", str_of(doc, "name"), str_of(p, "code"));
	rc = audit_record(db, actor, now_ms, before == NULL ? "create" : "update", "document",
	                  document_id, 0, summary, before, doc);
	if (rc == 0)
		rc = db_commit(db);
	if (rc == 0) {
		if (id_out != NULL)
			*id_out = document_id;
		if (pid_out != NULL)
			*pid_out = pid;
	}
out:
	if (rc != 0 && begun)
		db_rollback(db);
	if (rc == 0 || rc == MC_EINVAL)
		sort_errors(errs, document_rank);
	json_decref(p);
	json_decref(before);
	return rc;
}

int procedure_admin_document_add(struct db *db, const struct actor *actor, int64_t now_ms,
                                 int64_t procedure_id, const struct document_input *in,
                                 const struct template_upload *upload, struct field_errors *errs,
                                 int64_t *document_id)
{
	return save_document(db, actor, now_ms, procedure_id, 0, in, upload, errs, document_id,
	                     NULL);
}

int procedure_admin_document_update(struct db *db, const struct actor *actor, int64_t now_ms,
                                    int64_t document_id, const struct document_input *in,
                                    const struct template_upload *upload,
                                    struct field_errors *errs, int64_t *procedure_id)
{
	return save_document(db, actor, now_ms, 0, document_id, in, upload, errs, NULL,
	                     procedure_id);
}

/* Begin a change of document 'document_id': the transaction, its place and its catalogue form
 * (in *doc, caller owns) with the procedure's code in 'code'. */
static int begin_document_change(struct db *db, const struct actor *actor, int64_t document_id,
                                 int64_t *pid, int64_t *position, json_t **doc, char *code,
                                 size_t cap)
{
	json_t *p = NULL;
	int rc;

	*doc = NULL;
	if (!scope_is_global(actor))
		return MC_EFORBIDDEN;
	rc = db_begin(db);
	if (rc != 0)
		return rc;
	rc = document_place(db, document_id, pid, position);
	if (rc == 0)
		rc = renumber_documents(db, *pid);
	if (rc == 0)
		rc = document_place(db, document_id, pid, position);
	if (rc == 0)
		rc = procedure_load_json_by_id(db, *pid, 0, &p);
	if (rc == 0) {
		*doc = json_incref(json_array_get(json_object_get(p, "documents"), (size_t)*position));
		snprintf(code, cap, "%s", str_of(p, "code"));
		if (*doc == NULL)
			rc = MC_EDB;
	}
	json_decref(p);
	if (rc != 0)
		db_rollback(db);
	return rc;
}

int procedure_admin_document_delete(struct db *db, const struct actor *actor, int64_t now_ms,
                                    int64_t document_id, int64_t *procedure_id)
{
	char code[32], summary[SUMMARY_SIZE];
	int64_t pid = 0, position = 0;
	json_t *doc = NULL;
	struct db_stmt *st;
	int rc;

	rc = begin_document_change(db, actor, document_id, &pid, &position, &doc, code,
	                           sizeof(code));
	if (rc != 0)
		return rc;
	rc = db_prepare(db, "DELETE FROM procedure_documents WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, document_id);
	if (rc == 0)
		rc = db_step_done(st);
	if (rc == 0)
		rc = renumber_documents(db, pid);
	if (rc == 0)
		rc = touch_procedure(db, pid, now_ms);
	if (rc == 0) {
		fields_printf(summary, sizeof(summary), "Xoá thành phần hồ sơ “%s” của thủ tục %s",
		               str_of(doc, "name"), code);
		rc = audit_record(db, actor, now_ms, "delete", "document", document_id, 0, summary, doc,
		                  NULL);
	}
	if (rc == 0)
		rc = db_commit(db);
	if (rc != 0)
		db_rollback(db);
	else if (procedure_id != NULL)
		*procedure_id = pid;
	json_decref(doc);
	return rc;
}

/* Set the position of document 'id'. */
static int set_position(struct db *db, int64_t id, int64_t position)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "UPDATE procedure_documents SET position = ? WHERE id = ?", &st);

	if (rc == 0)
		rc = db_bind_int64(st, 1, position);
	if (rc == 0)
		rc = db_bind_int64(st, 2, id);
	if (rc == 0)
		rc = db_step_done(st);
	return rc;
}

int procedure_admin_document_move(struct db *db, const struct actor *actor, int64_t now_ms,
                                  int64_t document_id, int delta, int64_t *procedure_id)
{
	char code[32], summary[SUMMARY_SIZE];
	int64_t pid = 0, position = 0, other = 0, count = 0;
	json_t *doc = NULL, *before = NULL, *after = NULL;
	struct db_stmt *st;
	int rc;

	if (delta != -1 && delta != 1)
		return MC_EINVAL;
	rc = begin_document_change(db, actor, document_id, &pid, &position, &doc, code,
	                           sizeof(code));
	if (rc != 0)
		return rc;
	rc = db_prepare(db, "SELECT COUNT(*) FROM procedure_documents WHERE procedure_id = ?", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, pid);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_ROW) {
		count = db_col_int64(st, 0);
		db_reset(st);
		rc = 0;
	}
	if (rc != 0 || position + delta < 0 || position + delta >= count)
		goto out; /* at either end: nothing to move */
	rc = db_prepare(db, "SELECT id FROM procedure_documents WHERE procedure_id = ? AND "
	                    "position = ?", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, pid);
	if (rc == 0)
		rc = db_bind_int64(st, 2, position + delta);
	if (rc == 0)
		rc = db_step(st);
	if (rc != DB_ROW) {
		rc = rc == DB_DONE ? MC_EDB : rc;
		goto out;
	}
	other = db_col_int64(st, 0);
	db_reset(st);
	/* Swap through a free position: (procedure_id, position) is unique at every step. */
	rc = set_position(db, document_id, -1);
	if (rc == 0)
		rc = set_position(db, other, position);
	if (rc == 0)
		rc = set_position(db, document_id, position + delta);
	if (rc == 0)
		rc = touch_procedure(db, pid, now_ms);
	if (rc != 0)
		goto out;
	before = json_pack("{s:O, s:I}", "name", json_object_get(doc, "name"), "position",
	                   (json_int_t)position + 1);
	after = json_pack("{s:O, s:I}", "name", json_object_get(doc, "name"), "position",
	                  (json_int_t)(position + delta) + 1);
	if (before == NULL || after == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	fields_printf(summary, sizeof(summary), "Chuyển thành phần hồ sơ “%s” của thủ tục %s %s",
	               str_of(doc, "name"), code, delta < 0 ? "lên trên" : "xuống dưới");
	rc = audit_record(db, actor, now_ms, "update", "document", document_id, 0, summary, before,
	                  after);
out:
	if (rc == 0)
		rc = db_commit(db);
	if (rc != 0)
		db_rollback(db);
	else if (procedure_id != NULL)
		*procedure_id = pid;
	json_decref(doc);
	json_decref(before);
	json_decref(after);
	return rc;
}

int procedure_admin_document_remove_template(struct db *db, const struct actor *actor,
                                             int64_t now_ms, int64_t document_id,
                                             int64_t *procedure_id)
{
	char code[32], summary[SUMMARY_SIZE];
	int64_t pid = 0, position = 0;
	json_t *doc = NULL, *after = NULL;
	struct db_stmt *st;
	int rc;

	rc = begin_document_change(db, actor, document_id, &pid, &position, &doc, code,
	                           sizeof(code));
	if (rc != 0)
		return rc;
	if (json_object_get(doc, "template") == NULL)
		goto out; /* none: nothing to do */
	after = json_deep_copy(doc);
	if (after == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	json_object_del(after, "template");
	rc = db_prepare(db, "UPDATE procedure_documents SET template_name = NULL, "
	                    "template_sha256 = NULL WHERE id = ?", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, document_id);
	if (rc == 0)
		rc = db_step_done(st);
	if (rc == 0)
		rc = touch_procedure(db, pid, now_ms);
	if (rc == 0) {
		fields_printf(summary, sizeof(summary),
		               "Gỡ tệp mẫu của thành phần hồ sơ “%s” (thủ tục %s)", str_of(doc, "name"),
		               code);
		rc = audit_record(db, actor, now_ms, "update", "document", document_id, 0, summary, doc,
		                  after);
	}
out:
	if (rc == 0)
		rc = db_commit(db);
	if (rc != 0)
		db_rollback(db);
	else if (procedure_id != NULL)
		*procedure_id = pid;
	json_decref(doc);
	json_decref(after);
	return rc;
}
