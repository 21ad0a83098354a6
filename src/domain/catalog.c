/* catalog.c: the public procedure catalogue: search, filter choices, detail, template files. */
#include "domain/rows.h"
#include "domain/catalog.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/fold.h"
#include "store/db.h"

/* ---- fixed values and their labels ---- */

struct label {
	const char *value;
	const char *label;
};

static const struct label levels[] = {
	{ "central", "Cấp trung ương" },
	{ "province", "Cấp tỉnh" },
	{ "commune", "Cấp xã" },
};

/* The search form offers citizen and business; "both" is only a stored value. */
static const struct label applicant_types[] = {
	{ "citizen", "Công dân" },
	{ "business", "Tổ chức, doanh nghiệp" },
	{ "both", "Công dân, tổ chức, doanh nghiệp" },
};
#define APPLICANT_CHOICES 2

static const struct label service_modes[] = {
	{ "info", "Chỉ cung cấp thông tin" },
	{ "forms", "Cung cấp thông tin và biểu mẫu" },
	{ "partial", "Dịch vụ công trực tuyến một phần" },
	{ "full", "Dịch vụ công trực tuyến toàn trình" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* 's', or "" for NULL: a label of a value the schema's CHECK should have kept out. */
static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static const char *label_of(const struct label *t, size_t n, const char *value)
{
	if (value == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].value, value) == 0)
			return t[i].label;
	return NULL;
}

const char *catalog_level_label(const char *level)
{
	return label_of(levels, COUNT(levels), level);
}

const char *catalog_applicant_label(const char *applicant_type)
{
	return label_of(applicant_types, COUNT(applicant_types), applicant_type);
}

const char *catalog_mode_label(const char *service_mode)
{
	return label_of(service_modes, COUNT(service_modes), service_mode);
}

/* Online submission exists only for these modes (Decree 42/2022: một phần, toàn trình). */
static int mode_is_online(const char *mode)
{
	return mode != NULL && (strcmp(mode, "partial") == 0 || strcmp(mode, "full") == 0);
}

/* ---- formatting ---- */

char *catalog_format_money(int64_t amount, char *out, size_t len)
{
	char digits[24], grouped[32];
	size_t n, g = 0;
	uint64_t v;

	if (amount == 0) {
		snprintf(out, len, "Miễn phí");
		return out;
	}
	v = amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
	n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, v);
	if (amount < 0)
		grouped[g++] = '-';
	for (size_t i = 0; i < n; i++) {
		/* A dot before every group of three digits counted from the right. */
		if (i > 0 && (n - i) % 3 == 0)
			grouped[g++] = '.';
		grouped[g++] = digits[i];
	}
	grouped[g] = '\0';
	snprintf(out, len, "%s đồng", grouped);
	return out;
}

/* "15 ngày làm việc" and the like for a procedure's time limit, into out. */
static const char *format_time(const char *kind, int64_t value, char *out, size_t len)
{
	if (kind != NULL && strcmp(kind, "same_day") == 0)
		snprintf(out, len, "Trong ngày làm việc (tiếp nhận sau 15 giờ thì trả kết quả trong "
		                   "ngày làm việc tiếp theo)");
	else if (kind != NULL && strcmp(kind, "hours") == 0)
		snprintf(out, len, "%" PRId64 " giờ làm việc", value);
	else
		snprintf(out, len, "%" PRId64 " ngày làm việc", value);
	return out;
}

/* "10 MB", "1,5 MB", "500 KB" for a size limit in bytes, into out.  Decimal comma, as written
 * in Vietnamese. */
const char *catalog_format_size(int64_t size, char *out, size_t len)
{
	static const struct {
		int64_t unit;
		const char *name;
	} units[] = { { 1024 * 1024, "MB" }, { 1024, "KB" } };

	for (size_t i = 0; i < COUNT(units); i++) {
		int64_t unit = units[i].unit, tenths;

		if (size < unit)
			continue;
		tenths = (size * 10 + unit / 2) / unit;
		if (tenths % 10 == 0)
			snprintf(out, len, "%" PRId64 " %s", tenths / 10, units[i].name);
		else
			snprintf(out, len, "%" PRId64 ",%" PRId64 " %s", tenths / 10, tenths % 10,
			         units[i].name);
		return out;
	}
	snprintf(out, len, "%" PRId64 " byte", size);
	return out;
}

/* "PDF, JPG, PNG" from the stored "pdf,jpg,png". */
json_t *catalog_format_file_types(const char *s)
{
	struct buf b;
	json_t *res;

	buf_init(&b, NULL);
	for (; s != NULL && *s != '\0'; s++) {
		char c = *s;

		if (c == ' ')
			continue;
		if (c == ',') {
			if (buf_puts(&b, ", ") != 0)
				goto fail;
			continue;
		}
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (buf_putc(&b, c) != 0)
			goto fail;
	}
	res = json_stringn(b.data ? b.data : "", b.len);
	buf_free(&b);
	return res;
fail:
	buf_free(&b);
	return NULL;
}

/* The non-empty lines of 's', each trimmed, as a JSON array: multi-line texts become
 * paragraphs in the template, never HTML built here. */
static json_t *text_lines(const char *s, size_t len)
{
	json_t *arr = json_array();
	size_t i = 0;

	if (arr == NULL)
		return NULL;
	while (s != NULL && i < len) {
		size_t start = i, end;

		while (i < len && s[i] != '\n')
			i++;
		end = i;
		i++; /* past the '\n' */
		while (start < end && (s[start] == ' ' || s[start] == '\t' || s[start] == '\r'))
			start++;
		while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
			end--;
		if (end > start &&
		    json_array_append_new(arr, json_stringn(s + start, end - start)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* Append 's' percent-encoded for a path segment or an RFC 5987 value: everything but the
 * unreserved ASCII characters is escaped. */
static int append_pct(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		int rc;

		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~')
			rc = buf_putc(b, (char)*p);
		else
			rc = buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The download path of a template: /services/CODE/templates/ID/NAME (segments encoded). */
static json_t *template_url(const char *code, int64_t id, const char *name)
{
	struct buf b;
	json_t *res = NULL;

	buf_init(&b, NULL);
	if (buf_puts(&b, "/services/") == 0 && append_pct(&b, code) == 0 &&
	    buf_printf(&b, "/templates/%" PRId64 "/", id) == 0 && append_pct(&b, name) == 0)
		res = json_stringn(b.data, b.len);
	buf_free(&b);
	return res;
}

static const char *const weekdays[7] = {
	"Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật",
};

/* "07:30-11:30,13:00-17:00" as shown: "07:30–11:30, 13:00–17:00" (en dash, comma and space). */
static int format_times(const char *s, struct buf *b)
{
	for (; *s != '\0'; s++) {
		int rc;

		if (*s == ' ')
			continue;
		if (*s == '-')
			rc = buf_puts(b, "\xe2\x80\x93");
		else if (*s == ',')
			rc = buf_puts(b, ", ");
		else
			rc = buf_putc(b, *s);
		if (rc != 0)
			return rc;
	}
	return 0;
}

json_t *catalog_format_hours(const char *json)
{
	json_t *days = json_loads(json ? json : "", JSON_REJECT_DUPLICATES, NULL);
	json_t *res = NULL;
	const char *v[7];
	size_t i, j;

	if (days == NULL || !json_is_array(days) || json_array_size(days) != 7)
		goto out;
	for (i = 0; i < 7; i++) {
		v[i] = json_string_value(json_array_get(days, i));
		if (v[i] == NULL)
			goto out;
	}
	res = json_array();
	if (res == NULL)
		goto out;
	for (i = 0; i < 7; i = j) {
		struct buf d, t;
		json_t *row;
		int rc;

		/* Days i..j-1 share the same hours. */
		for (j = i + 1; j < 7 && strcmp(v[j], v[i]) == 0; j++)
			;
		if (v[i][strspn(v[i], " ")] == '\0')
			continue; /* closed: "" (or only spaces) */
		buf_init(&d, NULL);
		buf_init(&t, NULL);
		rc = buf_puts(&d, weekdays[i]);
		if (rc == 0 && j - i > 1)
			rc = buf_printf(&d, " \xe2\x80\x93 %s", weekdays[j - 1]);
		if (rc == 0)
			rc = format_times(v[i], &t);
		row = rc == 0 ? json_object() : NULL;
		if (row != NULL) {
			json_object_set_new(row, "days", json_string(d.data));
			json_object_set_new(row, "times", json_string(t.data ? t.data : ""));
			buf_printf(&d, ": %s", t.data ? t.data : "");
			json_object_set_new(row, "text", json_string(d.data));
		}
		buf_free(&d);
		buf_free(&t);
		if (row == NULL || json_object_size(row) != 3 || json_array_append_new(res, row) != 0) {
			json_decref(res);
			res = NULL;
			goto out;
		}
	}
out:
	json_decref(days);
	return res;
}

/* ---- JSON helpers ---- */

static const char *col_cstr(struct db_stmt *st, int col)
{
	size_t len;
	const char *s = db_col_text(st, col, &len);

	return s ? s : "";
}

/* One element of a folded-order sort: the folded key and the element's index. */
struct sort_key {
	char *folded;
	const char *original;
	size_t index;
};

static int sort_key_cmp(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;
	int c = strcmp(x->folded, y->folded);

	if (c == 0)
		c = strcmp(x->original, y->original);
	if (c == 0)
		c = x->index < y->index ? -1 : x->index > y->index;
	return c;
}

/*
 * Sort array 'arr' in place by the folded text of each element (a string) or of its member
 * 'key' (an object), so that "Đăng ký" sorts with the D's and "Cấp" before "Chứng", which a
 * byte order gets wrong.  MC_ENOMEM.
 */
static int sort_folded(json_t *arr, const char *key)
{
	size_t n = json_array_size(arr), i;
	struct sort_key *keys;
	json_t *sorted = NULL;
	int rc = 0;

	if (n < 2)
		return 0;
	keys = calloc(n, sizeof(*keys));
	if (keys == NULL)
		return MC_ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		const char *s = json_string_value(key ? json_object_get(e, key) : e);

		keys[i].original = s ? s : "";
		keys[i].index = i;
		rc = fold_text(keys[i].original, strlen(keys[i].original), &keys[i].folded);
		if (rc != 0)
			goto out;
	}
	qsort(keys, n, sizeof(*keys), sort_key_cmp);
	sorted = json_array();
	if (sorted == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (json_array_append(sorted, json_array_get(arr, keys[i].index)) != 0) {
			rc = MC_ENOMEM;
			goto out;
		}
	if (json_array_clear(arr) != 0 || json_array_extend(arr, sorted) != 0)
		rc = MC_ENOMEM;
out:
	for (i = 0; i < n; i++)
		free(keys[i].folded);
	free(keys);
	json_decref(sorted);
	return rc;
}

/* ---- search ---- */

/*
 * The conditions every search applies, on the narrow search index (procedure_search, kept by
 * procedure_store); empty values switch a condition off, so the filters never change the SQL
 * text.  An offering counts when it and both its agencies are active.  One word condition per
 * search word follows, so there are CATALOG_SEARCH_WORDS + 1 texts of each query (the
 * connection caches each prepared statement by its text).
 */
#define OFFERING_LIVE \
	"SELECT 1 FROM offerings o JOIN agencies da ON da.id = o.desk_agency_id " \
	"JOIN agencies ca ON ca.id = o.competent_agency_id " \
	"WHERE o.procedure_id = p.id AND o.active = 1 AND da.active = 1 AND ca.active = 1"
#define SEARCH_FILTERS \
	" AND (? = '' OR p.field = ?)" \
	" AND (? = '' OR p.level = ?)" \
	" AND (? = '' OR p.applicant_type = ? OR p.applicant_type = 'both')" \
	" AND (? = '' OR p.service_mode = ?)" \
	" AND (? = 0 OR EXISTS (" OFFERING_LIVE \
	" AND (o.desk_agency_id = ? OR o.competent_agency_id = ?)))"
/* Without words the order index drives the search; with words the rows come from the rarest
 * word's range, so "+p.active" keeps the planner off the order index, which would visit every
 * row. */
#define SEARCH_WHERE " FROM procedure_search p WHERE p.active = 1" SEARCH_FILTERS
#define SEARCH_WHERE_WORDS " FROM procedure_search p WHERE +p.active = 1" SEARCH_FILTERS
/* A word of the query is a prefix of a word of the procedure: a range of procedure_words, bound
 * as [word, word + U+10FFFF).  The rarest word's range gives the rows; each other word is one
 * probe of (procedure_id, word) per row. */
#define SEARCH_DRIVER \
	" AND p.id IN (SELECT procedure_id FROM procedure_words WHERE word >= ? AND word < ?)"
#define SEARCH_LIKE \
	" AND EXISTS (SELECT 1 FROM procedure_words w WHERE w.procedure_id = p.id" \
	" AND w.word >= ? AND w.word < ?)"
#define SEARCH_SLOTS CATALOG_SEARCH_WORDS

/*
 * Ordered by the folded name (sort_key, indexed with active and code): byte order of the raw
 * names would put "Chứng" before "Cấp" and every "Đăng ký" after "Xác nhận".  The inner query
 * picks the page from the search index; only its rows read the procedure and pay for the online
 * check.
 */
#define SEARCH_COUNT_HEAD "SELECT COUNT(*)"
#define SEARCH_PAGE_HEAD(total) \
	"SELECT d.code, d.name, d.field, d.level, d.applicant_type, d.service_mode, d.time_kind," \
	" d.time_value, CASE WHEN d.service_mode IN ('partial', 'full') AND EXISTS (" \
	OFFERING_LIVE " AND o.online = 1) THEN 1 ELSE 0 END, p.total FROM (" \
	"SELECT p.id, p.sort_key, p.code, " total " AS total"
#define SEARCH_PAGE_TAIL \
	" ORDER BY p.sort_key, p.code LIMIT ? OFFSET ?) p JOIN procedures d ON d.id = p.id" \
	" ORDER BY p.sort_key, p.code"

/* The SQL text of a search with 'words' words: head, conditions, word conditions, tail.  On the
 * heap (b), or MC_ENOMEM. */
static int search_sql(struct buf *b, const char *head, size_t words, const char *tail)
{
	int rc = buf_puts(b, head);

	if (rc == 0)
		rc = buf_puts(b, words > 0 ? SEARCH_WHERE_WORDS : SEARCH_WHERE);
	for (size_t i = 0; i < words && rc == 0; i++)
		rc = buf_puts(b, i == 0 ? SEARCH_DRIVER : SEARCH_LIKE);
	if (rc == 0)
		rc = buf_puts(b, tail);
	return rc;
}

/* Words looked at in one search text: CATALOG_TEXT_MAX_CHARS characters hold at most this many
 * (a word and a separator each); any beyond are ignored. */
#define SEARCH_SCAN_WORDS (CATALOG_TEXT_MAX_CHARS / 2 + 1)

/* The search's words, each followed by WORD_PREFIX_END (the range of words it begins). */
struct search_words {
	char *pattern[SEARCH_SLOTS];
	size_t count;
};

static void search_words_free(struct search_words *w)
{
	for (size_t i = 0; i < w->count; i++)
		free(w->pattern[i]);
	w->count = 0;
}

/* The largest code point in UTF-8: every word starting with a prefix sorts below prefix+this. */
#define WORD_PREFIX_END "\xf4\x8f\xbf\xbf"

/* 'word' (len bytes) followed by WORD_PREFIX_END in a new string, or NULL; the word alone is
 * the first 'len' bytes. */
static char *like_pattern(const char *word, size_t len)
{
	char *p = malloc(len + sizeof(WORD_PREFIX_END));

	if (p == NULL)
		return NULL;
	memcpy(p, word, len);
	memcpy(p + len, WORD_PREFIX_END, sizeof(WORD_PREFIX_END));
	return p;
}

/*
 * Fold 'text' and keep its distinct words, the longest CATALOG_SEARCH_WORDS of them when there
 * are more (dropping short words loses the least precision; search_words_rank orders them).  MC_EINVAL: invalid UTF-8;
 * MC_ENOMEM.
 */
static int search_words_make(const char *text, struct search_words *w)
{
	char *folded = NULL;
	const char *word[SEARCH_SCAN_WORDS];
	size_t wlen[SEARCH_SCAN_WORDS], n = 0, i, j;
	int rc;

	w->count = 0;
	rc = fold_text(text, strlen(text), &folded);
	if (rc != 0)
		return rc;
	for (char *p = folded; *p != '\0' && n < SEARCH_SCAN_WORDS;) {
		char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		int dup = 0;

		for (i = 0; i < n && !dup; i++)
			dup = wlen[i] == len && memcmp(word[i], p, len) == 0;
		if (!dup) {
			word[n] = p;
			wlen[n++] = len;
		}
		p += len;
		if (*p == ' ')
			p++;
	}
	/* Longest first, stable, then keep the first SEARCH_SLOTS. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && wlen[j - 1] < wlen[j]; j--) {
			const char *tw = word[j];
			size_t tl = wlen[j];

			word[j] = word[j - 1];
			wlen[j] = wlen[j - 1];
			word[j - 1] = tw;
			wlen[j - 1] = tl;
		}
	for (i = 0; i < n && i < SEARCH_SLOTS; i++) {
		w->pattern[i] = like_pattern(word[i], wlen[i]);
		if (w->pattern[i] == NULL) {
			search_words_free(w);
			rc = MC_ENOMEM;
			goto out;
		}
		w->count++;
	}
out:
	free(folded);
	return rc;
}

/*
 * Put the rarest word first (it drives the search; see SEARCH_DRIVER): each word's rows are
 * counted in the index, which costs little beside the search itself.  *none = 1 when some word
 * begins no word at all (the search finds nothing).  MC_EDB.
 */
static int search_words_rank(struct db *db, struct search_words *w, int *none)
{
	int64_t count[SEARCH_SLOTS];
	struct db_stmt *st;
	int rc = 0;

	*none = 0;
	for (size_t i = 0; i < w->count; i++) {
		size_t len = strlen(w->pattern[i]);

		rc = db_prepare(db,
		                "SELECT count(*) FROM procedure_words WHERE word >= ? AND word < ?", &st);
		if (rc == 0)
			rc = db_bind_text(st, 1, w->pattern[i], len - (sizeof(WORD_PREFIX_END) - 1));
		if (rc == 0)
			rc = db_bind_text(st, 2, w->pattern[i], len);
		if (rc == 0)
			rc = db_step(st);
		if (rc != DB_ROW)
			return rc < 0 ? rc : MC_EDB;
		count[i] = db_col_int64(st, 0);
		db_reset(st);
		if (count[i] == 0)
			*none = 1;
	}
	for (size_t i = 1; i < w->count; i++)
		for (size_t j = i; j > 0 && count[j - 1] > count[j]; j--) {
			int64_t tc = count[j];
			char *tp = w->pattern[j];

			count[j] = count[j - 1];
			w->pattern[j] = w->pattern[j - 1];
			count[j - 1] = tc;
			w->pattern[j - 1] = tp;
		}
	return 0;
}

/* Bind the conditions of SEARCH_WHERE from parameter *idx on. */
static int search_bind(struct db_stmt *st, int *idx, const struct catalog_query *q,
                       const struct search_words *w)
{
	const char *texts[4] = { q->field, q->level, q->applicant_type, q->service_mode };
	int rc = 0;

	for (size_t i = 0; i < 4 && rc == 0; i++) {
		const char *v = texts[i] ? texts[i] : "";

		rc = db_bind_cstr(st, (*idx)++, v);
		if (rc == 0)
			rc = db_bind_cstr(st, (*idx)++, v);
	}
	for (int i = 0; i < 3 && rc == 0; i++)
		rc = db_bind_int64(st, (*idx)++, q->agency_id);
	for (size_t i = 0; i < w->count && rc == 0; i++) {
		size_t len = strlen(w->pattern[i]);

		rc = db_bind_text(st, (*idx)++, w->pattern[i], len - (sizeof(WORD_PREFIX_END) - 1));
		if (rc == 0)
			rc = db_bind_text(st, (*idx)++, w->pattern[i], len);
	}
	return rc;
}

/* Check a query's values.  0 or MC_EINVAL. */
static int search_check(const struct catalog_query *q)
{
	const char *text = q->text ? q->text : "", *field = q->field ? q->field : "";

	if (q->page < 0 || q->page > CATALOG_PAGE_MAX || q->per_page < 0 ||
	    q->per_page > CATALOG_PER_PAGE_MAX || q->agency_id < 0)
		return MC_EINVAL;
	if (q->level != NULL && q->level[0] != '\0' && catalog_level_label(q->level) == NULL)
		return MC_EINVAL;
	if (q->service_mode != NULL && q->service_mode[0] != '\0' &&
	    catalog_mode_label(q->service_mode) == NULL)
		return MC_EINVAL;
	if (q->applicant_type != NULL && q->applicant_type[0] != '\0' &&
	    label_of(applicant_types, APPLICANT_CHOICES, q->applicant_type) == NULL)
		return MC_EINVAL;
	if (u8_check((const uint8_t *)text, strlen(text)) != NULL ||
	    u8_check((const uint8_t *)field, strlen(field)) != NULL)
		return MC_EINVAL;
	if (u8_mbsnlen((const uint8_t *)text, strlen(text)) > CATALOG_TEXT_MAX_CHARS ||
	    u8_mbsnlen((const uint8_t *)field, strlen(field)) > CATALOG_FIELD_MAX_CHARS)
		return MC_EINVAL;
	return 0;
}

/* One result row as the list shows it. */
static json_t *search_item(struct db_stmt *st)
{
	char time_text[160];
	const char *level = col_cstr(st, 3), *applicant = col_cstr(st, 4), *mode = col_cstr(st, 5);
	json_t *it = json_object();
	int rc;

	if (it == NULL)
		return NULL;
	format_time(col_cstr(st, 6), db_col_int64(st, 7), time_text, sizeof(time_text));
	if ((rc = rows_put(it, "code", rows_text(st, 0))) != 0 ||
	    (rc = rows_put(it, "name", rows_text(st, 1))) != 0 ||
	    (rc = rows_put(it, "field", rows_text(st, 2))) != 0 ||
	    (rc = rows_put(it, "level", json_string(level))) != 0 ||
	    (rc = rows_put(it, "level_label", json_string(or_empty(catalog_level_label(level))))) != 0 ||
	    (rc = rows_put(it, "applicant_label",
	              json_string(or_empty(catalog_applicant_label(applicant))))) != 0 ||
	    (rc = rows_put(it, "mode_label", json_string(or_empty(catalog_mode_label(mode))))) != 0 ||
	    (rc = rows_put(it, "time_text", json_string(time_text))) != 0 ||
	    (rc = rows_put(it, "online", json_boolean(db_col_int64(st, 8) != 0))) != 0) {
		json_decref(it);
		return NULL;
	}
	return it;
}

/* Count every match of the search (only needed when the page asked for is past the end). */
static int search_count(struct db *db, const struct catalog_query *q, const struct search_words *w,
                        int64_t *total)
{
	struct buf sql;
	struct db_stmt *st;
	int idx = 1, rc;

	buf_init(&sql, NULL);
	rc = search_sql(&sql, SEARCH_COUNT_HEAD, w->count, "");
	if (rc == 0)
		rc = db_prepare(db, sql.data, &st);
	if (rc == 0)
		rc = search_bind(st, &idx, q, w);
	if (rc == 0)
		rc = db_step(st);
	if (rc == DB_ROW) {
		*total = db_col_int64(st, 0);
		db_reset(st);
		rc = 0;
	} else if (rc >= 0) {
		rc = MC_EDB;
	}
	buf_free(&sql);
	return rc;
}

int catalog_search(struct db *db, const struct catalog_query *q, json_t **out)
{
	struct search_words w = { .count = 0 };
	struct buf sql;
	struct db_stmt *st;
	json_t *res = NULL, *items = NULL;
	int64_t total = 0, pages;
	int page, per_page, idx, none = 0, rc;

	*out = NULL;
	buf_init(&sql, NULL);
	rc = search_check(q);
	if (rc != 0)
		return rc;
	page = q->page > 0 ? q->page : 1;
	per_page = q->per_page > 0 ? q->per_page : CATALOG_PER_PAGE;
	rc = search_words_make(q->text ? q->text : "", &w);
	if (rc == 0)
		rc = search_words_rank(db, &w, &none);
	if (rc != 0)
		goto out;
	items = json_array();
	if (items == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}

	/*
	 * With words the matches are few and one query gives the page and, through a window, their
	 * number.  Without words the order index streams the page, which a window would undo by
	 * gathering every row: count apart.
	 */
	if (!none && w.count == 0 && (rc = search_count(db, q, &w, &total)) != 0)
		goto out;
	if (!none) {
		rc = search_sql(&sql,
		                w.count > 0 ? SEARCH_PAGE_HEAD("COUNT(*) OVER ()") : SEARCH_PAGE_HEAD("0"),
		                w.count, SEARCH_PAGE_TAIL);
		if (rc == 0)
			rc = db_prepare(db, sql.data, &st);
		if (rc != 0)
			goto out;
		idx = 1;
		rc = search_bind(st, &idx, q, &w);
		if (rc == 0)
			rc = db_bind_int64(st, idx++, per_page);
		if (rc == 0)
			rc = db_bind_int64(st, idx++, (int64_t)(page - 1) * per_page);
		if (rc != 0)
			goto out;
		while ((rc = db_step(st)) == DB_ROW) {
			json_t *it = search_item(st);

			if (w.count > 0)
				total = db_col_int64(st, 9);
			if (it == NULL || json_array_append_new(items, it) != 0) {
				db_reset(st);
				rc = MC_ENOMEM;
				goto out;
			}
		}
		if (rc != DB_DONE)
			goto out;
		if (w.count > 0 && json_array_size(items) == 0 && page > 1 &&
		    (rc = search_count(db, q, &w, &total)) != 0)
			goto out;
	}
	pages = (total + per_page - 1) / per_page;
	res = json_pack("{s:O, s:I, s:i, s:i, s:I}", "items", items, "total", (json_int_t)total,
	                "page", page, "per_page", per_page, "pages", (json_int_t)pages);
	if (res == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	*out = res;
	rc = 0;
out:
	json_decref(items);
	search_words_free(&w);
	buf_free(&sql);
	return rc;
}

/* ---- filter choices ---- */

static json_t *label_list(const struct label *t, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++)
		if (json_array_append_new(arr, json_pack("{s:s, s:s}", "value", t[i].value, "label",
		                                         t[i].label)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

int catalog_filters(struct db *db, json_t **out)
{
	struct db_stmt *st;
	json_t *res = json_object(), *fields = json_array(), *agencies = json_array();
	int rc;

	*out = NULL;
	if (res == NULL || fields == NULL || agencies == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	/* One index probe per distinct field (a loose index scan), not a pass over every row. */
	rc = db_prepare(db,
	                "WITH RECURSIVE f(v) AS (SELECT min(field) FROM procedure_search "
	                "WHERE active = 1 UNION ALL SELECT (SELECT min(field) FROM procedure_search "
	                "WHERE active = 1 AND field > f.v) FROM f WHERE f.v IS NOT NULL) "
	                "SELECT v FROM f WHERE v IS NOT NULL",
	                &st);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW)
		if (json_array_append_new(fields, rows_text(st, 0)) != 0) {
			db_reset(st);
			rc = MC_ENOMEM;
			goto out;
		}
	if (rc != DB_DONE)
		goto out;

	rc = db_prepare(db,
	                "SELECT g.id, g.name FROM agencies g WHERE g.active = 1 AND EXISTS ("
	                "SELECT 1 FROM offerings o JOIN procedures p ON p.id = o.procedure_id"
	                " JOIN agencies da ON da.id = o.desk_agency_id"
	                " JOIN agencies ca ON ca.id = o.competent_agency_id"
	                " WHERE o.active = 1 AND p.active = 1 AND da.active = 1 AND ca.active = 1"
	                " AND (o.desk_agency_id = g.id OR o.competent_agency_id = g.id))",
	                &st);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *a = json_object();

		if (a == NULL || rows_put(a, "id", json_integer(db_col_int64(st, 0))) != 0 ||
		    rows_put(a, "name", rows_text(st, 1)) != 0 || json_array_append_new(agencies, a) != 0) {
			db_reset(st);
			rc = MC_ENOMEM;
			goto out;
		}
	}
	if (rc != DB_DONE)
		goto out;
	if ((rc = sort_folded(fields, NULL)) != 0 || (rc = sort_folded(agencies, "name")) != 0)
		goto out;
	if ((rc = rows_put(res, "fields", json_incref(fields))) != 0 ||
	    (rc = rows_put(res, "agencies", json_incref(agencies))) != 0 ||
	    (rc = rows_put(res, "levels", label_list(levels, COUNT(levels)))) != 0 ||
	    (rc = rows_put(res, "applicant_types", label_list(applicant_types, APPLICANT_CHOICES))) != 0 ||
	    (rc = rows_put(res, "service_modes", label_list(service_modes, COUNT(service_modes)))) != 0)
		goto out;
	*out = res;
	res = NULL;
	rc = 0;
out:
	json_decref(res);
	json_decref(fields);
	json_decref(agencies);
	return rc;
}

/* ---- detail ---- */

/* The fees of procedure 'pid' into d["fees"]. */
static int detail_fees(struct db *db, int64_t pid, json_t *d)
{
	struct db_stmt *st;
	json_t *fees = json_array();
	int rc;

	if (fees == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db, "SELECT amount, description FROM procedure_fees WHERE procedure_id = ?"
	                    " ORDER BY position", &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, pid);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		char money[48];
		int64_t amount = db_col_int64(st, 0);
		json_t *f = json_object();

		catalog_format_money(amount, money, sizeof(money));
		if (f == NULL || rows_put(f, "amount", json_integer(amount)) != 0 ||
		    rows_put(f, "amount_text", json_string(money)) != 0 ||
		    rows_put(f, "description", rows_text(st, 1)) != 0 ||
		    json_array_append_new(fees, f) != 0) {
			db_reset(st);
			rc = MC_ENOMEM;
			goto out;
		}
	}
	if (rc != DB_DONE)
		goto out;
	rc = rows_put(d, "fees", json_incref(fees));
out:
	json_decref(fees);
	return rc;
}

/* One document row (columns as in detail_documents) as the page shows it. */
static json_t *document_item(struct db_stmt *st, const char *code, int number)
{
	char counts[96], size[48];
	int64_t id = db_col_int64(st, 0), originals = db_col_int64(st, 2);
	int64_t copies = db_col_int64(st, 3);
	int mandatory = strcmp(col_cstr(st, 4), "mandatory") == 0;
	int has_template = !db_col_is_null(st, 9) && !db_col_is_null(st, 10);
	json_t *doc = json_object();
	int rc;

	if (doc == NULL)
		return NULL;
	snprintf(counts, sizeof(counts), "Bản chính: %" PRId64 ", Bản sao: %" PRId64, originals,
	         copies);
	catalog_format_size(db_col_int64(st, 7), size, sizeof(size));
	if ((rc = rows_put(doc, "id", json_integer(id))) != 0 ||
	    (rc = rows_put(doc, "number", json_integer(number))) != 0 ||
	    (rc = rows_put(doc, "name", rows_text(st, 1))) != 0 ||
	    (rc = rows_put(doc, "originals", json_integer(originals))) != 0 ||
	    (rc = rows_put(doc, "copies", json_integer(copies))) != 0 ||
	    (rc = rows_put(doc, "counts_text", json_string(counts))) != 0 ||
	    (rc = rows_put(doc, "mandatory", json_boolean(mandatory))) != 0 ||
	    (rc = rows_put(doc, "requirement_label",
	              json_string(mandatory ? "Bắt buộc" : "Tùy trường hợp"))) != 0 ||
	    (rc = rows_put(doc, "condition", rows_text(st, 5))) != 0 ||
	    (rc = rows_put(doc, "file_types_text", catalog_format_file_types(col_cstr(st, 6)))) != 0 ||
	    (rc = rows_put(doc, "max_size_text", json_string(size))) != 0 ||
	    (rc = rows_put(doc, "multiple", json_boolean(db_col_int64(st, 8) != 0))) != 0 ||
	    (rc = rows_put(doc, "has_template", json_boolean(has_template))) != 0)
		goto fail;
	if (has_template &&
	    ((rc = rows_put(doc, "template_name", rows_text(st, 9))) != 0 ||
	     (rc = rows_put(doc, "template_url", template_url(code, id, col_cstr(st, 9)))) != 0))
		goto fail;
	return doc;
fail:
	json_decref(doc);
	return NULL;
}

static int detail_documents(struct db *db, int64_t pid, const char *code, json_t *d)
{
	struct db_stmt *st;
	json_t *docs = json_array();
	int number = 0, rc;

	if (docs == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db,
	                "SELECT id, name, originals, copies, requirement, condition, file_types,"
	                " max_size, multiple, template_name, template_sha256"
	                " FROM procedure_documents WHERE procedure_id = ? ORDER BY position",
	                &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, pid);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *doc = document_item(st, code, ++number);

		if (doc == NULL || json_array_append_new(docs, doc) != 0) {
			db_reset(st);
			rc = MC_ENOMEM;
			goto out;
		}
	}
	if (rc != DB_DONE)
		goto out;
	rc = rows_put(d, "documents", json_incref(docs));
out:
	json_decref(docs);
	return rc;
}

/* One offering row (columns as in detail_offerings) as a "where to submit" card. */
static json_t *offering_item(struct db_stmt *st, int online_mode, int *open)
{
	char url[64];
	int64_t id = db_col_int64(st, 0);
	json_t *off = json_object(), *desk = json_object(), *hours;

	*open = online_mode && db_col_int64(st, 1) != 0;
	if (off == NULL || desk == NULL)
		goto fail;
	/* rows_put() always consumes its value, so 'hours' and 'desk' need no cleanup after it. */
	hours = catalog_format_hours(col_cstr(st, 7));
	if (rows_put(desk, "hours", hours ? hours : json_array()) != 0 ||
	    rows_put(desk, "id", json_integer(db_col_int64(st, 2))) != 0 ||
	    rows_put(desk, "name", rows_text(st, 3)) != 0 ||
	    rows_put(desk, "address", rows_text(st, 4)) != 0 ||
	    rows_put(desk, "phone", rows_text(st, 5)) != 0 ||
	    rows_put(desk, "email", rows_text(st, 6)) != 0)
		goto fail;
	if (rows_put(off, "desk", desk) != 0) {
		desk = NULL;
		goto fail;
	}
	desk = NULL;
	if (rows_put(off, "id", json_integer(id)) != 0 ||
	    rows_put(off, "competent_name", rows_text(st, 9)) != 0 ||
	    rows_put(off, "same_agency", json_boolean(db_col_int64(st, 2) == db_col_int64(st, 8))) != 0 ||
	    rows_put(off, "online_open", json_boolean(*open)) != 0)
		goto fail;
	if (*open) {
		snprintf(url, sizeof(url), "/dossiers/new?offering=%" PRId64, id);
		if (rows_put(off, "submit_url", json_string(url)) != 0)
			goto fail;
	}
	return off;
fail:
	json_decref(desk);
	json_decref(off);
	return NULL;
}

static int detail_offerings(struct db *db, int64_t pid, int online_mode, json_t *d)
{
	struct db_stmt *st;
	json_t *offs = json_array();
	int any_open = 0, rc;

	if (offs == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db,
	                "SELECT o.id, o.online, da.id, da.name, da.address, da.phone, da.email,"
	                " da.office_hours, ca.id, ca.name FROM offerings o"
	                " JOIN agencies da ON da.id = o.desk_agency_id"
	                " JOIN agencies ca ON ca.id = o.competent_agency_id"
	                " WHERE o.procedure_id = ? AND o.active = 1 AND da.active = 1"
	                " AND ca.active = 1 ORDER BY o.id",
	                &st);
	if (rc == 0)
		rc = db_bind_int64(st, 1, pid);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		int open = 0;
		json_t *off = offering_item(st, online_mode, &open);

		if (off == NULL || json_array_append_new(offs, off) != 0) {
			db_reset(st);
			rc = MC_ENOMEM;
			goto out;
		}
		any_open |= open;
	}
	if (rc != DB_DONE)
		goto out;
	/* By desk name in Vietnamese order (the sort is stable for equal names: by offering). */
	{
		size_t n = json_array_size(offs);

		for (size_t i = 0; i < n; i++) {
			json_t *off = json_array_get(offs, i);

			json_t *desk = json_object_get(off, "desk");

			json_object_set(off, "desk_name", json_object_get(desk, "name"));
		}
		rc = sort_folded(offs, "desk_name");
		for (size_t i = 0; i < n; i++)
			json_object_del(json_array_get(offs, i), "desk_name");
		if (rc != 0)
			goto out;
	}
	if ((rc = rows_put(d, "offerings", json_incref(offs))) != 0)
		goto out;
	rc = rows_put(d, "online_open", json_boolean(any_open));
out:
	json_decref(offs);
	return rc;
}

/* updated_at (ISO-8601 UTC) as the local date "dd/mm/yyyy", or "" when unreadable. */
static json_t *local_date(const char *iso)
{
	char buf[32];
	int64_t ms;

	if (clock_parse_iso8601(iso, &ms) != 0)
		return json_string("");
	clock_format_local(ms, buf, sizeof(buf));
	buf[10] = '\0'; /* "30/11/2026 10:04" -> the date */
	return json_string(buf);
}

int catalog_detail(struct db *db, const char *code, json_t **out)
{
	static const struct {
		const char *key;
		int col;
	} texts[] = {
		{ "description", 6 }, { "steps", 7 }, { "submission", 8 }, { "conditions", 9 },
		{ "time_note", 12 }, { "legal_basis", 13 }, { "result", 14 },
	};
	struct db_stmt *st;
	char time_text[160], level[16], applicant[16], mode[16];
	json_t *d = NULL;
	int64_t pid;
	int rc;

	*out = NULL;
	if (code == NULL)
		return MC_ENOTFOUND;
	rc = db_prepare(db,
	                "SELECT id, code, name, field, level, applicant_type, description, steps,"
	                " submission, conditions, time_kind, time_value, time_note, legal_basis,"
	                " result, service_mode, updated_at FROM procedures"
	                " WHERE code = ? AND active = 1",
	                &st);
	if (rc == 0)
		rc = db_bind_cstr(st, 1, code);
	if (rc != 0)
		return rc;
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? MC_ENOTFOUND : rc;
	d = json_object();
	if (d == NULL) {
		db_reset(st);
		return MC_ENOMEM;
	}
	pid = db_col_int64(st, 0);
	db_col_copy(st, 4, level, sizeof(level));
	db_col_copy(st, 5, applicant, sizeof(applicant));
	db_col_copy(st, 15, mode, sizeof(mode));
	format_time(col_cstr(st, 10), db_col_int64(st, 11), time_text, sizeof(time_text));
	if ((rc = rows_put(d, "code", rows_text(st, 1))) != 0 ||
	    (rc = rows_put(d, "name", rows_text(st, 2))) != 0 ||
	    (rc = rows_put(d, "field", rows_text(st, 3))) != 0 ||
	    (rc = rows_put(d, "level", json_string(level))) != 0 ||
	    (rc = rows_put(d, "level_label", json_string(or_empty(catalog_level_label(level))))) != 0 ||
	    (rc = rows_put(d, "applicant_type", json_string(applicant))) != 0 ||
	    (rc = rows_put(d, "applicant_label",
	              json_string(or_empty(catalog_applicant_label(applicant))))) != 0 ||
	    (rc = rows_put(d, "service_mode", json_string(mode))) != 0 ||
	    (rc = rows_put(d, "mode_label", json_string(or_empty(catalog_mode_label(mode))))) != 0 ||
	    (rc = rows_put(d, "online_service", json_boolean(mode_is_online(mode)))) != 0 ||
	    (rc = rows_put(d, "time_text", json_string(time_text))) != 0 ||
	    (rc = rows_put(d, "updated_at", rows_text(st, 16))) != 0 ||
	    (rc = rows_put(d, "updated_date", local_date(col_cstr(st, 16)))) != 0) {
		db_reset(st);
		goto out;
	}
	for (size_t i = 0; i < COUNT(texts); i++) {
		size_t len;
		const char *s = db_col_text(st, texts[i].col, &len);

		rc = rows_put(d, texts[i].key, text_lines(s, len));
		if (rc != 0) {
			db_reset(st);
			goto out;
		}
	}
	db_reset(st);
	if ((rc = detail_fees(db, pid, d)) != 0 ||
	    (rc = detail_documents(db, pid, json_string_value(json_object_get(d, "code")), d)) != 0 ||
	    (rc = detail_offerings(db, pid, mode_is_online(mode), d)) != 0)
		goto out;
	*out = d;
	d = NULL;
	rc = 0;
out:
	json_decref(d);
	return rc;
}

/* ---- template files ---- */

void catalog_file_free(struct catalog_file *f)
{
	if (f == NULL)
		return;
	free(f->name);
	free(f->media_type);
	free(f->data);
	memset(f, 0, sizeof(*f));
}

int catalog_template(struct db *db, const char *code, int64_t document_id,
                     struct catalog_file *out)
{
	struct db_stmt *st;
	const void *blob;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (code == NULL)
		return MC_ENOTFOUND;
	rc = db_prepare(db,
	                "SELECT d.template_name, b.media_type, b.content FROM procedure_documents d"
	                " JOIN procedures p ON p.id = d.procedure_id"
	                " JOIN blobs b ON b.sha256 = d.template_sha256"
	                " WHERE p.code = ? AND p.active = 1 AND d.id = ?"
	                " AND d.template_name IS NOT NULL",
	                &st);
	if (rc == 0)
		rc = db_bind_cstr(st, 1, code);
	if (rc == 0)
		rc = db_bind_int64(st, 2, document_id);
	if (rc != 0)
		return rc;
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? MC_ENOTFOUND : rc;
	out->name = strdup(col_cstr(st, 0));
	out->media_type = strdup(col_cstr(st, 1));
	blob = db_col_blob(st, 2, &len);
	/* malloc(0) may return NULL: an empty template still gets a buffer. */
	out->data = malloc(len ? len : 1);
	if (out->name == NULL || out->media_type == NULL || out->data == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if (len)
		memcpy(out->data, blob, len);
	out->size = len;
	rc = 0;
out:
	db_reset(st);
	if (rc != 0)
		catalog_file_free(out);
	return rc;
}
