/* agency.c: agencies and departments: the tree, the forms' rules, and their audit records. */
#include "domain/fields.h"
#include "domain/agency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/dossier_flow.h"
#include "domain/scope.h"
#include "domain/validate.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/fold.h"
#include "store/db.h"

const char *const agency_form_fields[] = {
	"code",    "name",    "level",   "parent_id", "address", "phone",   "email",
	"hours_0", "hours_1", "hours_2", "hours_3",   "hours_4", "hours_5", "hours_6",
	"is_desk", "is_competent", "receipt_pattern", "receipt_start",
};
const size_t agency_form_field_count = sizeof(agency_form_fields) / sizeof(agency_form_fields[0]);

_Static_assert(AGENCY_RECEIPT_MAX == FLOW_RECEIPT_MAX, "the agency form checks what the desk makes");

static const char *const hours_fields[AGENCY_WEEKDAYS] = {
	"hours_0", "hours_1", "hours_2", "hours_3", "hours_4", "hours_5", "hours_6",
};

static const char *const weekday_labels[AGENCY_WEEKDAYS] = {
	"Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật",
};

/* Levels from the top down: an agency's rank is never smaller than its parent's. */
static const struct {
	const char *name;
	const char *label;
} levels[] = {
	{ "central", "Trung ương" },
	{ "province", "Cấp tỉnh" },
	{ "commune", "Cấp xã" },
};

#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

static int level_rank(const char *level)
{
	for (size_t i = 0; i < NLEVELS; i++)
		if (level != NULL && strcmp(levels[i].name, level) == 0)
			return (int)i;
	return -1;
}

const char *agency_level_label(const char *level)
{
	int r = level_rank(level);

	return r < 0 ? "" : levels[r].label;
}

const char *agency_weekday_label(int i)
{
	return i >= 0 && i < AGENCY_WEEKDAYS ? weekday_labels[i] : "";
}

/* ---- small text helpers ---- */

static int checked(const char *s)
{
	return s != NULL && s[0] != '\0' && strcmp(s, "0") != 0;
}

/* ---- phone, code and office hours ---- */

int agency_check_phone(const char *s, const char **msg)
{
	size_t digits = 0;
	int first = -1;

	*msg = NULL;
	for (const char *p = s != NULL ? s : ""; *p != '\0'; p++) {
		if (*p == ' ' || *p == '.' || *p == '-')
			continue;
		if (*p < '0' || *p > '9') {
			*msg = "Số điện thoại chỉ gồm chữ số, có thể cách nhau bằng dấu cách hoặc dấu chấm, "
			       "ví dụ 0237 3 752 588.";
			return MC_EINVAL;
		}
		if (first < 0)
			first = *p;
		digits++;
	}
	if (digits < 10 || digits > 11 || first != '0') {
		*msg = "Số điện thoại phải có 10 hoặc 11 chữ số, bắt đầu bằng 0, ví dụ 0237 3 752 588.";
		return MC_EINVAL;
	}
	return 0;
}

/* "000.00.06.H56": three, two and two letters or digits, then a letter and two digits. */
static int code_valid(const char *s)
{
	static const char shape[] = "XXX.XX.XX.L99";

	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i] != '\0'; i++) {
		char c = s[i];
		int digit = c >= '0' && c <= '9', upper = c >= 'A' && c <= 'Z';
		switch (shape[i]) {
		case '.':
			if (c != '.')
				return 0;
			break;
		case 'X':
			if (!digit && !upper)
				return 0;
			break;
		case 'L':
			if (!upper)
				return 0;
			break;
		default:
			if (!digit)
				return 0;
		}
	}
	return 1;
}

/* Read "H:MM" or "HH:MM" at *p as minutes since midnight; -1 when malformed, -2 out of range. */
static int read_time(const char **p)
{
	const char *s = *p;
	int h = 0, m, nd = 0;

	while (*s >= '0' && *s <= '9' && nd < 3) {
		h = h * 10 + (*s - '0');
		s++;
		nd++;
	}
	if (nd == 0 || nd > 2 || *s != ':')
		return -1;
	s++;
	if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	s += 2;
	if (*s >= '0' && *s <= '9')
		return -1;
	*p = s;
	if (h > 23 || m > 59)
		return -2;
	return h * 60 + m;
}

static void skip_blanks(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* Accept '-', an en dash (U+2013) or an em dash (U+2014) between the two times. */
static int read_dash(const char **p)
{
	const char *s = *p;

	if (*s == '-') {
		*p = s + 1;
		return 1;
	}
	if ((unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
	    ((unsigned char)s[2] == 0x93 || (unsigned char)s[2] == 0x94)) {
		*p = s + 3;
		return 1;
	}
	return 0;
}

int agency_normalise_hours(const char *s, char out[AGENCY_HOURS_MAX], const char **msg)
{
	const char *p = s != NULL ? s : "";
	size_t used = 0;
	int ranges = 0, prev_end = -1;

	out[0] = '\0';
	*msg = NULL;
	for (;;) {
		int start, end;

		skip_blanks(&p);
		if (*p == '\0')
			break;
		if (*p == ',' || *p == ';') { /* an empty piece, as in a trailing comma */
			p++;
			continue;
		}
		if ((start = read_time(&p)) == -1)
			goto malformed;
		skip_blanks(&p);
		if (!read_dash(&p))
			goto malformed;
		skip_blanks(&p);
		if ((end = read_time(&p)) == -1)
			goto malformed;
		if (start == -2 || end == -2) {
			*msg = "giờ không hợp lệ: giờ từ 00 đến 23, phút từ 00 đến 59.";
			return MC_EINVAL;
		}
		skip_blanks(&p);
		if (*p != '\0' && *p != ',' && *p != ';')
			goto malformed;
		if (start >= end) {
			*msg = "giờ bắt đầu phải trước giờ kết thúc.";
			return MC_EINVAL;
		}
		if (start < prev_end) {
			*msg = "các khoảng giờ phải theo thứ tự từ sáng đến chiều và không chồng lên nhau.";
			return MC_EINVAL;
		}
		if (++ranges > AGENCY_HOURS_RANGES) {
			*msg = "nhiều nhất 4 khoảng giờ trong một ngày.";
			return MC_EINVAL;
		}
		used += (size_t)snprintf(out + used, AGENCY_HOURS_MAX - used, "%s%02d:%02d-%02d:%02d",
		                         ranges > 1 ? "," : "", start / 60, start % 60, end / 60,
		                         end % 60);
		prev_end = end;
	}
	return 0;
malformed:
	out[0] = '\0';
	*msg = "không đúng dạng. Nhập các khoảng giờ như 07:30-11:30, 13:00-17:00, hoặc để trống "
	       "nếu không làm việc.";
	return MC_EINVAL;
}

/* Stored hours "07:30-11:30,13:00-17:00" as people type them: "07:30-11:30, 13:00-17:00". */
static json_t *hours_display(const char *stored)
{
	char buf[AGENCY_HOURS_MAX * 2];
	size_t n = 0;

	for (const char *p = stored; *p != '\0' && n + 3 < sizeof(buf); p++) {
		buf[n++] = *p;
		if (*p == ',')
			buf[n++] = ' ';
	}
	buf[n] = '\0';
	return json_string(buf);
}

/* ---- the tree of agencies in a scope ---- */

struct node {
	int64_t id, parent_id;
	char code[AGENCY_CODE_MAX + 8];
	char level[12];
	char *name, *folded, *folded_code;
	int active, is_desk, is_competent;
	size_t parent, first_child, next_sibling; /* indexes; NONE when there is none */
};

#define NONE ((size_t)-1)

struct nodes {
	struct node *v;
	size_t n;
};

static void nodes_free(struct nodes *ns)
{
	for (size_t i = 0; i < ns->n; i++) {
		free(ns->v[i].name);
		free(ns->v[i].folded);
		free(ns->v[i].folded_code);
	}
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
}

static int node_cmp(const void *a, const void *b)
{
	const struct node *x = a, *y = b;
	int c = strcmp(x->folded, y->folded);

	if (c == 0)
		c = strcmp(x->name, y->name);
	if (c == 0)
		c = x->id < y->id ? -1 : x->id > y->id;
	return c;
}

struct id_index {
	int64_t id;
	size_t idx;
};

static int id_index_cmp(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Load the agencies of the actor's scope, sorted by folded name, with parent and child links. */
static int nodes_load(struct db *db, const struct actor *actor, struct nodes *ns)
{
	struct id_index *ix = NULL;
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	ns->v = NULL;
	ns->n = 0;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if (scope_is_global(actor))
		rc = db_prepare(db,
		                "SELECT id, parent_id, code, level, name, active, is_desk, is_competent "
		                "FROM agencies WHERE ? IS NOT NULL",
		                &st);
	else
		rc = db_prepare(db,
		                "SELECT id, parent_id, code, level, name, active, is_desk, is_competent "
		                "FROM agencies WHERE id IN (" SCOPE_SUBTREE_SQL ")",
		                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, actor->agency_id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct node *nd;
		size_t len;
		const char *name = db_col_text(st, 4, &len);
		if (ns->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct node *v = realloc(ns->v, ncap * sizeof(*v));
			if (v == NULL) {
				db_reset(st);
				rc = MC_ENOMEM;
				goto out;
			}
			ns->v = v;
			cap = ncap;
		}
		nd = &ns->v[ns->n];
		memset(nd, 0, sizeof(*nd));
		nd->id = db_col_int64(st, 0);
		nd->parent_id = db_col_is_null(st, 1) ? 0 : db_col_int64(st, 1);
		db_col_copy(st, 2, nd->code, sizeof(nd->code));
		db_col_copy(st, 3, nd->level, sizeof(nd->level));
		nd->active = (int)db_col_int64(st, 5);
		nd->is_desk = (int)db_col_int64(st, 6);
		nd->is_competent = (int)db_col_int64(st, 7);
		ns->n++;
		nd->name = strdup(name != NULL ? name : "");
		if (nd->name == NULL) {
			db_reset(st);
			rc = MC_ENOMEM;
			goto out;
		}
		if (fold_text(nd->name, strlen(nd->name), &nd->folded) != 0 ||
		    fold_text(nd->code, strlen(nd->code), &nd->folded_code) != 0) {
			db_reset(st);
			rc = MC_ENOMEM;
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	rc = 0;
	if (ns->n == 0)
		goto out;
	qsort(ns->v, ns->n, sizeof(ns->v[0]), node_cmp);
	ix = malloc(ns->n * sizeof(*ix));
	if (ix == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ns->n; i++) {
		ix[i].id = ns->v[i].id;
		ix[i].idx = i;
		ns->v[i].parent = ns->v[i].first_child = ns->v[i].next_sibling = NONE;
	}
	qsort(ix, ns->n, sizeof(*ix), id_index_cmp);
	/* Walking backwards and prepending keeps each parent's children in name order. */
	for (size_t k = ns->n; k-- > 0;) {
		struct node *nd = &ns->v[k];
		struct id_index key = { nd->parent_id, 0 }, *hit;
		if (nd->parent_id == 0)
			continue;
		hit = bsearch(&key, ix, ns->n, sizeof(*ix), id_index_cmp);
		if (hit == NULL)
			continue; /* its parent is outside the scope: it is a root here */
		nd->parent = hit->idx;
		nd->next_sibling = ns->v[hit->idx].first_child;
		ns->v[hit->idx].first_child = k;
	}
out:
	free(ix);
	if (rc != 0)
		nodes_free(ns);
	return rc;
}

/*
 * Visit the nodes depth first (roots, then each one's children in name order), calling
 * fn(arg, node, depth); fn returns 1 to go below the node, 0 to skip its subtree, or a negative
 * error that stops the walk.
 */
static int nodes_walk(const struct nodes *ns, int (*fn)(void *arg, const struct node *nd, int depth),
                      void *arg)
{
	size_t *stack, top = 0;
	int *depth, rc = 0;

	if (ns->n == 0)
		return 0;
	stack = malloc(ns->n * sizeof(*stack));
	depth = malloc(ns->n * sizeof(*depth));
	if (stack == NULL || depth == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	/* Push the roots in reverse so they pop in name order. */
	for (size_t k = ns->n; k-- > 0;)
		if (ns->v[k].parent == NONE) {
			stack[top] = k;
			depth[top++] = 0;
		}
	while (top > 0) {
		size_t k = stack[--top], c, nchild = 0, first;
		int d = depth[top];
		rc = fn(arg, &ns->v[k], d);
		if (rc < 0)
			goto out;
		if (rc == 0)
			continue;
		first = top;
		for (c = ns->v[k].first_child; c != NONE; c = ns->v[c].next_sibling) {
			stack[top] = c;
			depth[top++] = d + 1;
			nchild++;
		}
		/* Reverse the children just pushed so the first in name order pops first. */
		for (size_t i = 0; i < nchild / 2; i++) {
			size_t t = stack[first + i];
			stack[first + i] = stack[first + nchild - 1 - i];
			stack[first + nchild - 1 - i] = t;
		}
	}
	rc = 0;
out:
	free(stack);
	free(depth);
	return rc;
}

struct tree_ctx {
	const struct nodes *ns;
	const struct actor *actor;
	const char *search; /* folded, or NULL */
	json_t *items;
};

static json_t *node_json(const struct tree_ctx *t, const struct node *nd, int depth)
{
	char indent[16];
	const struct node *parent = nd->parent != NONE ? &t->ns->v[nd->parent] : NULL;

	/* Bootstrap's padding steps 3, 4, 5 are 1, 1.5 and 3 rem: enough to see a level. */
	snprintf(indent, sizeof(indent), "ps-%d", depth == 0 ? 1 : depth >= 3 ? 5 : depth + 2);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:s, s:b, s:I, s:s, s:b, s:b, s:b, s:b}",
	                 "id", (json_int_t)nd->id, "code", nd->code, "name", nd->name, "level",
	                 nd->level, "level_label", agency_level_label(nd->level), "depth", depth,
	                 "indent_class", indent, "nested", depth > 0, "parent_id",
	                 (json_int_t)nd->parent_id, "parent_name", parent ? parent->name : "",
	                 "active", nd->active, "is_desk", nd->is_desk, "is_competent",
	                 nd->is_competent, "is_own", nd->id == t->actor->agency_id);
}

static int tree_visit(void *arg, const struct node *nd, int depth)
{
	struct tree_ctx *t = arg;

	if (t->search != NULL && strstr(nd->folded, t->search) == NULL &&
	    strstr(nd->folded_code, t->search) == NULL)
		return 1;
	if (json_array_append_new(t->items, node_json(t, nd, t->search != NULL ? 0 : depth)) != 0)
		return MC_ENOMEM;
	return 1;
}

int agency_tree(struct db *db, const struct actor *actor, const char *search, json_t **out)
{
	struct nodes ns = { 0 };
	struct tree_ctx t = { &ns, actor, NULL, NULL };
	char *folded = NULL;
	int rc;

	*out = NULL;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if (search != NULL && search[0] != '\0') {
		if (fields_chars(search) > AGENCY_SEARCH_MAX)
			return MC_EINVAL;
		if ((rc = fold_text(search, strlen(search), &folded)) != 0)
			return rc;
		if (folded[0] != '\0')
			t.search = folded;
	}
	if ((rc = nodes_load(db, actor, &ns)) != 0)
		goto out;
	t.items = json_array();
	if (t.items == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if ((rc = nodes_walk(&ns, tree_visit, &t)) != 0)
		goto out;
	*out = json_pack("{s:O, s:I, s:s}", "items", t.items, "total",
	                 (json_int_t)json_array_size(t.items), "search", search ? search : "");
	rc = *out != NULL ? 0 : MC_ENOMEM;
out:
	json_decref(t.items);
	free(folded);
	nodes_free(&ns);
	return rc;
}

struct options_ctx {
	int64_t exclude;
	json_t *items;
};

static int options_visit(void *arg, const struct node *nd, int depth)
{
	struct options_ctx *o = arg;
	char label[AGENCY_NAME_MAX * 4 + 64];
	size_t n = 0;

	if (!nd->active || nd->id == o->exclude)
		return 0;
	/* Depth as a run of "– " marks: <option> text cannot be styled. */
	for (int i = 0; i < depth && n + 5 < sizeof(label); i++)
		n += (size_t)snprintf(label + n, sizeof(label) - n, "– ");
	snprintf(label + n, sizeof(label) - n, "%s (%s)", nd->name, nd->code);
	if (json_array_append_new(o->items, json_pack("{s:I, s:s, s:i}", "id", (json_int_t)nd->id,
	                                              "label", label, "depth", depth)) != 0)
		return MC_ENOMEM;
	return 1;
}

int agency_options(struct db *db, const struct actor *actor, int64_t exclude, json_t **out)
{
	struct nodes ns = { 0 };
	struct options_ctx o = { exclude, json_array() };
	int rc;

	*out = NULL;
	if (o.items == NULL)
		return MC_ENOMEM;
	if ((rc = nodes_load(db, actor, &ns)) != 0)
		goto out;
	if ((rc = nodes_walk(&ns, options_visit, &o)) != 0)
		goto out;
	*out = o.items;
	o.items = NULL;
out:
	json_decref(o.items);
	nodes_free(&ns);
	return rc;
}

/* ---- receipt numbers ---- */

/* Room for a typed pattern up to a character past the limit, to tell "too long" apart. */
#define RECEIPT_PATTERN_SIZE (AGENCY_RECEIPT_PATTERN_MAX * 4 + 1)

/* What a pattern is tried with while the agency's own code is missing or wrong: every code has
 * this length, so the number's length comes out the same. */
#define SAMPLE_CODE "000.00.06.H56"

static void upper_ascii(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

/* The portal's local date of 'now_ms', the day a desk's counter runs for. */
static void local_day(int64_t now_ms, int *y, int *m, int *d)
{
	char day[16];

	clock_local_date(now_ms, day, sizeof(day));
	if (sscanf(day, "%d-%d-%d", y, m, d) != 3)
		*y = 2000, *m = 1, *d = 1; /* not reached: clock_local_date writes YYYY-MM-DD */
}

/* The counter tokens {N...} of 'pattern', found as dossier_receipt_format finds them (whatever
 * their length): how many, and the N's of the widest in *width. */
static int receipt_counters(const char *pattern, size_t *width)
{
	int count = 0;

	*width = 0;
	for (const char *p = pattern; *p != '\0';) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		size_t tok = end != NULL ? (size_t)(end - p - 1) : 0;

		if (tok > 0 && strspn(p + 1, "N") == tok) {
			count++;
			if (tok > *width)
				*width = tok;
			p = end + 1;
		} else {
			p++; /* other tokens hold no brace, so stepping through them finds nothing */
		}
	}
	return count;
}

/* The widest counter 'width' N's show, all nines: the number whose length is the longest the
 * counter makes while it fits.  Past nine N's the zero padding gives the same length, and nine
 * nines fit any long. */
static long widest_counter(size_t width)
{
	long n = 0;

	for (size_t i = 0; i < width && i < 9; i++)
		n = n * 10 + 9;
	return n;
}

/* Whether 's' holds printable ASCII only (space to tilde): no letters with diacritics, which
 * receipts printed and typed elsewhere mangle, and no tab or other control character. */
static int printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < ' ' || *s > '~')
			return 0;
	return 1;
}

/* Whether every character of 'pattern' outside its tokens is one a citizen's lookup can match
 * (dossier_lookup.c's receipt_canonical): an upper-case letter, a digit, '.', '-' or '/'.
 * Tokens are found as dossier_receipt_format finds them; a brace of no token is a character. */
static int receipt_literals_ok(const char *pattern)
{
	static const char *const tokens[] = { "code", "yyyy", "yy", "MM", "dd" };

	for (const char *p = pattern; *p != '\0';) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		size_t tok = end != NULL ? (size_t)(end - p - 1) : 0;
		int token = tok > 0 && strspn(p + 1, "N") == tok;

		for (size_t i = 0; !token && tok > 0 && i < sizeof(tokens) / sizeof(tokens[0]); i++)
			token = strlen(tokens[i]) == tok && strncmp(p + 1, tokens[i], tok) == 0;
		if (token) {
			p = end + 1;
			continue;
		}
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		      *p == '/'))
			return 0;
		p++;
	}
	return 1;
}

/* A typed first number (trimmed, not empty): its value, or -1 when it is not a whole number
 * 0..AGENCY_RECEIPT_START_MAX. */
static int64_t start_value(const char *s)
{
	int64_t v = 0;

	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > AGENCY_RECEIPT_START_MAX)
			return -1;
	}
	return v;
}

/*
 * Check receipt pattern 'pattern_in' and first number 'start_in' as typed, for an agency of code
 * 'code' (valid) on local day y-m-d, into 'pattern' (trimmed) and *start (-1 when wrong).
 * Problems go to 'errs' as "receipt_pattern" and "receipt_start".  The length is decided by
 * dossier_receipt_format itself, so the desk can never make a number the form let through as
 * fitting and then refuse it.
 */
static void check_receipt(const char *pattern_in, const char *start_in, const char *code, int y,
                          int m, int d, char pattern[RECEIPT_PATTERN_SIZE], int64_t *start,
                          struct field_errors *errs)
{
	char typed[16], number[AGENCY_RECEIPT_MAX + 1];
	size_t width = 0;
	int counters = 0, pattern_ok = 0, start_empty = 0;

	*start = -1;
	if (fields_trim(start_in, typed, sizeof(typed)) == 0) {
		start_empty = typed[0] == '\0';
		if (!start_empty)
			*start = start_value(typed);
	}
	if (fields_trim(pattern_in, pattern, RECEIPT_PATTERN_SIZE) != 0 ||
	    fields_chars(pattern) > AGENCY_RECEIPT_PATTERN_MAX) {
		field_errors_addf(errs, "receipt_pattern",
		                  "Mẫu số biên nhận không được dài quá %d ký tự.",
		                  AGENCY_RECEIPT_PATTERN_MAX);
	} else if (pattern[0] == '\0') {
		field_errors_add(errs, "receipt_pattern",
		                 "Vui lòng nhập mẫu số biên nhận, ví dụ "
		                 AGENCY_RECEIPT_PATTERN_DEFAULT ".");
	} else if (!printable_ascii(pattern)) {
		field_errors_add(errs, "receipt_pattern",
		                 "Mẫu số biên nhận chỉ gồm chữ cái không dấu, chữ số, dấu cách và dấu "
		                 "câu; không dùng chữ có dấu, dấu tab hay ký tự điều khiển.");
	} else if (!receipt_literals_ok(pattern)) {
		field_errors_add(errs, "receipt_pattern",
		                 "Mẫu số biên nhận, ngoài các ký hiệu {code}, {yyyy}, {yy}, {MM}, {dd} và "
		                 "{N...}, chỉ được gồm chữ in hoa không dấu, chữ số và các dấu chấm (.), "
		                 "gạch ngang (-), gạch chéo (/): người dân tra cứu hồ sơ chỉ nhập được "
		                 "những ký tự này.");
	} else if ((counters = receipt_counters(pattern, &width)) == 0) {
		field_errors_add(errs, "receipt_pattern",
		                 "Mẫu số biên nhận phải có một chỗ cho số thứ tự trong ngày, ví dụ "
		                 "{NNNN}.");
	} else if (counters > 1) {
		field_errors_addf(errs, "receipt_pattern",
		                  "Mẫu số biên nhận chỉ được có một chỗ cho số thứ tự ({N...}), mẫu này "
		                  "có %d chỗ.", counters);
	} else if (width > AGENCY_RECEIPT_COUNTER_MAX) {
		field_errors_addf(errs, "receipt_pattern",
		                  "Mẫu số biên nhận: chỗ cho số thứ tự có từ 1 đến %d chữ N, ví dụ "
		                  "{NNNN}.", AGENCY_RECEIPT_COUNTER_MAX);
	} else {
		long n = widest_counter(width);
		if (*start > n)
			n = (long)*start;
		/* MC_EINVAL here means too long: the counter is there. */
		if (dossier_receipt_format(pattern, code, y, m, d, n, number) != 0)
			field_errors_addf(errs, "receipt_pattern",
			                  "Mẫu số biên nhận tạo ra số biên nhận dài quá %d ký tự. Vui lòng "
			                  "rút gọn mẫu.", AGENCY_RECEIPT_MAX);
		else
			pattern_ok = 1;
	}
	if (start_empty) {
		field_errors_add(errs, "receipt_start",
		                 "Vui lòng nhập số bắt đầu mỗi ngày, thường là 1.");
	} else if (*start < 0) {
		field_errors_addf(errs, "receipt_start",
		                  "Số bắt đầu mỗi ngày phải là số nguyên từ 0 đến %d.",
		                  AGENCY_RECEIPT_START_MAX);
	} else if (pattern_ok && *start > widest_counter(width)) {
		char ns[AGENCY_RECEIPT_COUNTER_MAX + 1];
		memset(ns, 'N', width);
		ns[width] = '\0';
		field_errors_addf(errs, "receipt_start",
		                  "Số bắt đầu mỗi ngày không được lớn hơn %ld: mẫu số biên nhận chỉ dành "
		                  "%zu chữ số cho số thứ tự ({%s}).",
		                  widest_counter(width), width, ns);
	}
}

int agency_receipt_example(const char *pattern, const char *code, const char *start,
                           int64_t now_ms, char out[AGENCY_RECEIPT_MAX + 1])
{
	struct field_errors errs;
	char clean[RECEIPT_PATTERN_SIZE], shown_code[AGENCY_CODE_MAX + 1];
	int64_t first;
	int y, m, d;

	out[0] = '\0';
	field_errors_init(&errs);
	if (fields_trim(code, shown_code, sizeof(shown_code)) != 0)
		shown_code[0] = '\0';
	upper_ascii(shown_code);
	if (!code_valid(shown_code))
		memcpy(shown_code, SAMPLE_CODE, sizeof(SAMPLE_CODE));
	local_day(now_ms, &y, &m, &d);
	check_receipt(pattern, start, shown_code, y, m, d, clean, &first, &errs);
	if (field_errors_get(&errs, "receipt_pattern") != NULL)
		return MC_EINVAL;
	if (field_errors_get(&errs, "receipt_start") != NULL)
		first = 1;
	return dossier_receipt_format(clean, shown_code, y, m, d, (long)first, out);
}

/* ---- one agency ---- */

/* Agency 'id' as stored, without any scope check: every column, office hours parsed, and the
 * parent's name.  MC_ENOTFOUND; MC_EDB; MC_ENOMEM. */
static int agency_load(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st;
	json_t *hours;
	int rc;

	*out = NULL;
	rc = db_prepare(db,
	                "SELECT g.id, g.code, g.name, g.level, g.parent_id, p.name, g.address, g.phone, "
	                "g.email, g.office_hours, g.is_desk, g.is_competent, g.active, g.created_at, "
	                "g.updated_at, g.receipt_pattern, g.receipt_start FROM agencies g "
	                "LEFT JOIN agencies p ON p.id = g.parent_id WHERE g.id = ?",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	hours = json_loads(db_col_text(st, 9, NULL), 0, NULL);
	if (!json_is_array(hours)) {
		json_decref(hours);
		hours = json_array();
	}
	*out = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:b, s:b, s:b, s:s, "
	                 "s:s, s:s, s:I}",
	                 "id", (json_int_t)db_col_int64(st, 0), "code", db_col_text(st, 1, NULL),
	                 "name", db_col_text(st, 2, NULL), "level", db_col_text(st, 3, NULL),
	                 "parent_id",
	                 db_col_is_null(st, 4) ? json_null() : json_integer(db_col_int64(st, 4)),
	                 "parent_name", db_col_is_null(st, 5) ? "" : db_col_text(st, 5, NULL),
	                 "address", db_col_text(st, 6, NULL), "phone", db_col_text(st, 7, NULL),
	                 "email", db_col_text(st, 8, NULL), "office_hours", hours, "is_desk",
	                 (int)db_col_int64(st, 10), "is_competent", (int)db_col_int64(st, 11),
	                 "active", (int)db_col_int64(st, 12), "created_at", db_col_text(st, 13, NULL),
	                 "updated_at", db_col_text(st, 14, NULL), "receipt_pattern",
	                 db_col_text(st, 15, NULL), "receipt_start",
	                 (json_int_t)db_col_int64(st, 16));
	db_reset(st);
	return *out != NULL ? 0 : MC_ENOMEM;
}

/* What the audit log keeps of an agency: its data without id and times. */
static json_t *agency_snapshot(const json_t *a)
{
	json_t *s = json_deep_copy(a);

	if (s != NULL) {
		json_object_del(s, "id");
		json_object_del(s, "created_at");
		json_object_del(s, "updated_at");
	}
	return s;
}

static int64_t json_id(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static const char *json_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

/* The edit form's values from a stored agency. */
static json_t *agency_values(const json_t *a)
{
	json_t *v = json_object(), *hours = json_object_get(a, "office_hours");
	char parent[24] = "", start[24];
	int64_t pid = json_id(a, "parent_id");

	if (pid > 0)
		snprintf(parent, sizeof(parent), "%lld", (long long)pid);
	json_object_set_new(v, "code", json_string(json_str(a, "code")));
	json_object_set_new(v, "name", json_string(json_str(a, "name")));
	json_object_set_new(v, "level", json_string(json_str(a, "level")));
	json_object_set_new(v, "parent_id", json_string(parent));
	json_object_set_new(v, "address", json_string(json_str(a, "address")));
	json_object_set_new(v, "phone", json_string(json_str(a, "phone")));
	json_object_set_new(v, "email", json_string(json_str(a, "email")));
	for (int i = 0; i < AGENCY_WEEKDAYS; i++) {
		const char *h = json_string_value(json_array_get(hours, (size_t)i));
		json_object_set_new(v, hours_fields[i], hours_display(h != NULL ? h : ""));
	}
	json_object_set_new(v, "is_desk",
	                    json_string(json_is_true(json_object_get(a, "is_desk")) ? "1" : ""));
	json_object_set_new(v, "is_competent",
	                    json_string(json_is_true(json_object_get(a, "is_competent")) ? "1" : ""));
	json_object_set_new(v, "receipt_pattern", json_string(json_str(a, "receipt_pattern")));
	snprintf(start, sizeof(start), "%lld", (long long)json_id(a, "receipt_start"));
	json_object_set_new(v, "receipt_start", json_string(start));
	return v;
}

/* Whether 'candidate' is agency 'root' or lies below it: 1, 0, or a negative error. */
static int in_subtree(struct db *db, int64_t root, int64_t candidate)
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT 1 WHERE ? IN (" SCOPE_SUBTREE_SQL ")", &st);

	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, candidate)) != 0 || (rc = db_bind_int64(st, 2, root)) != 0)
		return rc;
	rc = db_step(st);
	if (rc == DB_ROW) {
		db_reset(st);
		return 1;
	}
	return rc;
}

/* One int64 from a query with one int64 parameter ('dflt' when there is no row). */
static int query_int(struct db *db, const char *sql, int64_t arg, int64_t dflt, int64_t *out)
{
	struct db_stmt *st;
	int rc = db_prepare(db, sql, &st);

	*out = dflt;
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, arg)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_ROW) {
		*out = db_col_int64(st, 0);
		db_reset(st);
	}
	return 0;
}

static int list_departments(struct db *db, int64_t agency_id, json_t *list)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
	                    "SELECT d.id, d.name, d.active, (SELECT count(*) FROM staff s JOIN accounts "
	                    "a ON a.id = s.account_id WHERE s.department_id = d.id AND a.status = "
	                    "'active') FROM departments d WHERE d.agency_id = ? ORDER BY d.active "
	                    "DESC, d.name, d.id",
	                    &st);

	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, agency_id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I, s:s, s:b, s:I}", "id",
		                                      (json_int_t)db_col_int64(st, 0), "name",
		                                      db_col_text(st, 1, NULL), "active",
		                                      (int)db_col_int64(st, 2), "staff_count",
		                                      (json_int_t)db_col_int64(st, 3)));
	return rc < 0 ? rc : 0;
}

static int list_children(struct db *db, int64_t agency_id, json_t *list)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
	                    "SELECT id, code, name, active FROM agencies WHERE parent_id = ? "
	                    "ORDER BY active DESC, name, id",
	                    &st);

	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, agency_id)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:b}", "id",
		                                      (json_int_t)db_col_int64(st, 0), "code",
		                                      db_col_text(st, 1, NULL), "name",
		                                      db_col_text(st, 2, NULL), "active",
		                                      (int)db_col_int64(st, 3)));
	return rc < 0 ? rc : 0;
}

/* An agency administrator may not move its own agency (its parent is outside its scope). */
static int parent_locked(const struct actor *actor, int64_t id)
{
	return !scope_is_global(actor) && actor->agency_id == id;
}

int agency_get(struct db *db, const struct actor *actor, int64_t id, json_t **out)
{
	json_t *a = NULL, *hours, *shown, *deps = NULL, *kids = NULL;
	int rc;

	*out = NULL;
	if ((rc = scope_check_agency(db, actor, id)) != 0)
		return rc;
	if ((rc = agency_load(db, id, &a)) != 0)
		return rc;
	deps = json_array();
	kids = json_array();
	shown = json_array();
	if (deps == NULL || kids == NULL || shown == NULL) {
		json_decref(shown);
		rc = MC_ENOMEM;
		goto out;
	}
	hours = json_object_get(a, "office_hours");
	for (int i = 0; i < AGENCY_WEEKDAYS; i++) {
		const char *h = json_string_value(json_array_get(hours, (size_t)i));
		json_array_append_new(shown, json_pack("{s:s, s:o}", "day", weekday_labels[i], "value",
		                                       hours_display(h != NULL ? h : "")));
	}
	json_object_set_new(a, "hours", shown);
	if ((rc = list_departments(db, id, deps)) != 0 || (rc = list_children(db, id, kids)) != 0)
		goto out;
	json_object_set_new(a, "level_label", json_string(agency_level_label(json_str(a, "level"))));
	json_object_set_new(a, "values", agency_values(a));
	json_object_set(a, "departments", deps);
	json_object_set(a, "children", kids);
	json_object_set_new(a, "is_own", json_boolean(actor->agency_id == id));
	json_object_set_new(a, "parent_locked", json_boolean(parent_locked(actor, id)));
	json_object_set_new(a, "can_deactivate", json_boolean(actor->agency_id != id));
	*out = a;
	a = NULL;
out:
	json_decref(a);
	json_decref(deps);
	json_decref(kids);
	return rc;
}

/* ---- create and update ---- */

struct agency_clean {
	char code[AGENCY_CODE_MAX + 1];
	char name[AGENCY_NAME_MAX * 4 + 1];
	char level[12];
	int64_t parent_id;
	char address[AGENCY_ADDRESS_MAX * 4 + 1];
	char phone[AGENCY_PHONE_MAX * 4 + 1];
	char email[AGENCY_EMAIL_MAX + 1];
	char hours[AGENCY_WEEKDAYS][AGENCY_HOURS_MAX];
	int is_desk, is_competent;
	char receipt_pattern[RECEIPT_PATTERN_SIZE];
	int64_t receipt_start;
};

static void check_code(const char *s, char *code, struct field_errors *errs)
{
	if (fields_trim(s, code, AGENCY_CODE_MAX + 1) != 0) {
		field_errors_add(errs, "code",
		                 "Mã định danh điện tử không đúng dạng, ví dụ đúng: 000.00.06.H56.");
		return;
	}
	upper_ascii(code);
	if (code[0] == '\0')
		field_errors_add(errs, "code", "Vui lòng nhập mã định danh điện tử của cơ quan.");
	else if (!code_valid(code))
		field_errors_add(errs, "code",
		                 "Mã định danh điện tử không đúng dạng: gồm 4 nhóm cách nhau bằng dấu "
		                 "chấm, ví dụ 000.00.06.H56.");
}

/* The code must be unique.  The other agency is named only when the actor may see it. */
static int check_code_unique(struct db *db, const struct actor *actor, const char *code,
                             int64_t self, struct field_errors *errs)
{
	struct db_stmt *st;
	char name[AGENCY_NAME_MAX * 4 + 1];
	int64_t other;
	int rc = db_prepare(db, "SELECT id, name FROM agencies WHERE code = ? AND id <> ?", &st);

	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, code)) != 0 || (rc = db_bind_int64(st, 2, self)) != 0)
		return rc;
	rc = db_step(st);
	if (rc <= 0)
		return rc;
	other = db_col_int64(st, 0);
	db_col_copy(st, 1, name, sizeof(name));
	db_reset(st);
	rc = scope_check_agency(db, actor, other);
	if (rc == 0)
		field_errors_addf(errs, "code", "Mã định danh điện tử này đã được dùng cho cơ quan “%s”.",
		                  name);
	else if (rc == MC_ENOTFOUND)
		field_errors_add(errs, "code",
		                 "Mã định danh điện tử này đã được dùng cho một cơ quan khác.");
	else
		return rc;
	return 0;
}

/* The parent rules: exists in the scope, active, not the agency itself nor below it, and its
 * level at or above the agency's.  'current' is the stored agency when editing. */
static int check_parent(struct db *db, const struct actor *actor, const struct agency_form *in,
                        const json_t *current, struct agency_clean *c, struct field_errors *errs)
{
	int64_t self = current != NULL ? json_id(current, "id") : 0;
	int parent_rank;
	json_t *parent = NULL;
	int rc;

	if (current != NULL && parent_locked(actor, self)) {
		c->parent_id = json_id(current, "parent_id");
		if (c->parent_id > 0 && level_rank(c->level) >= 0) {
			/* The parent stays; the level must still sit below it. */
			if ((rc = agency_load(db, c->parent_id, &parent)) != 0)
				return rc;
			goto level;
		}
		return 0;
	}
	c->parent_id = fields_id(in->parent_id);
	if (c->parent_id < 0) {
		field_errors_add(errs, "parent_id", "Vui lòng chọn cơ quan cấp trên trong danh sách.");
		return 0;
	}
	if (c->parent_id == 0) {
		if (!scope_is_global(actor))
			field_errors_add(errs, "parent_id",
			                 "Vui lòng chọn cơ quan cấp trên. Chỉ quản trị hệ thống mới được tạo "
			                 "cơ quan không có cơ quan cấp trên.");
		return 0;
	}
	rc = scope_check_agency(db, actor, c->parent_id);
	if (rc == MC_ENOTFOUND) {
		field_errors_add(errs, "parent_id", "Vui lòng chọn cơ quan cấp trên trong danh sách.");
		return 0;
	}
	if (rc != 0)
		return rc;
	if (self > 0) {
		if ((rc = in_subtree(db, self, c->parent_id)) < 0)
			return rc;
		if (rc == 1) {
			field_errors_add(errs, "parent_id",
			                 "Cơ quan cấp trên không thể là chính cơ quan này hoặc một cơ quan "
			                 "trực thuộc nó.");
			return 0;
		}
	}
	if ((rc = agency_load(db, c->parent_id, &parent)) != 0)
		return rc;
	if (!json_is_true(json_object_get(parent, "active")) &&
	    !(current != NULL && json_id(current, "parent_id") == c->parent_id)) {
		field_errors_add(errs, "parent_id",
		                 "Cơ quan cấp trên đã chọn đang ngừng hoạt động. Vui lòng chọn cơ quan "
		                 "khác.");
		json_decref(parent);
		return 0;
	}
level:
	parent_rank = level_rank(json_str(parent, "level"));
	if (level_rank(c->level) >= 0 && level_rank(c->level) < parent_rank)
		field_errors_addf(errs, "level",
		                  "Cấp của cơ quan không thể cao hơn cấp của cơ quan cấp trên (%s).",
		                  agency_level_label(json_str(parent, "level")));
	json_decref(parent);
	return 0;
}

/* Editing: no agency below may end up at a higher level than this one. */
static int check_children_levels(struct db *db, int64_t self, const char *level,
                                 struct field_errors *errs)
{
	int64_t top;
	int rc, rank = level_rank(level);

	if (rank < 0)
		return 0;
	rc = query_int(db,
	               "SELECT coalesce(min(CASE level WHEN 'central' THEN 0 WHEN 'province' THEN 1 "
	               "ELSE 2 END), 2) FROM agencies WHERE parent_id = ?",
	               self, 2, &top);
	if (rc != 0)
		return rc;
	if (top < rank)
		field_errors_add(errs, "level",
		                 "Không thể đặt cấp này: có cơ quan trực thuộc ở cấp cao hơn.");
	return 0;
}

/* Check every field of 'in' into 'c' at 'now_ms' (the day the receipt pattern is tried on).
 * Database problems are returned; form problems go to 'errs'. */
static int check_form(struct db *db, const struct actor *actor, int64_t now_ms,
                      const struct agency_form *in, const json_t *current,
                      struct agency_clean *c, struct field_errors *errs)
{
	const char *msg, *pattern = in->receipt_pattern, *start = in->receipt_start;
	char raw[AGENCY_EMAIL_MAX * 2], stored_start[24];
	int rc, y, m, d;

	memset(c, 0, sizeof(*c));
	check_code(in->code, c->code, errs);
	if (field_errors_get(errs, "code") == NULL &&
	    (rc = check_code_unique(db, actor, c->code,
	                            current != NULL ? json_id(current, "id") : 0, errs)) != 0)
		return rc;
	fields_text(errs, "name", "tên cơ quan", in->name, c->name, sizeof(c->name), 1,
	           AGENCY_NAME_MAX);
	fields_trim(in->level, c->level, sizeof(c->level));
	if (level_rank(c->level) < 0)
		field_errors_add(errs, "level", "Vui lòng chọn cấp của cơ quan.");
	if ((rc = check_parent(db, actor, in, current, c, errs)) != 0)
		return rc;
	if (current != NULL &&
	    (rc = check_children_levels(db, json_id(current, "id"), c->level, errs)) != 0)
		return rc;
	fields_text(errs, "address", "địa chỉ", in->address, c->address, sizeof(c->address), 0,
	           AGENCY_ADDRESS_MAX);
	if (fields_trim(in->phone, c->phone, sizeof(c->phone)) != 0 ||
	    fields_chars(c->phone) > AGENCY_PHONE_MAX)
		field_errors_add(errs, "phone", "Số điện thoại quá dài.");
	else if (c->phone[0] != '\0' && agency_check_phone(c->phone, &msg) != 0)
		field_errors_add(errs, "phone", msg);
	if (fields_trim(in->email, raw, sizeof(raw)) != 0 || strlen(raw) > AGENCY_EMAIL_MAX)
		field_errors_add(errs, "email", "Địa chỉ thư điện tử không được dài quá 254 ký tự.");
	else if (raw[0] != '\0' && validate_email(raw, NULL, 0, &msg) != 0)
		field_errors_add(errs, "email", msg);
	else
		memcpy(c->email, raw, strlen(raw) + 1);
	for (int i = 0; i < AGENCY_WEEKDAYS; i++)
		if (agency_normalise_hours(in->hours[i], c->hours[i], &msg) != 0)
			field_errors_addf(errs, hours_fields[i], "Giờ làm việc %s: %s", weekday_labels[i],
			                  msg);
	c->is_desk = checked(in->is_desk);
	c->is_competent = checked(in->is_competent);
	if (!c->is_desk && !c->is_competent)
		field_errors_add(errs, "is_desk",
		                 "Vui lòng chọn ít nhất một vai trò của cơ quan: nơi tiếp nhận hồ sơ "
		                 "hoặc cơ quan có thẩm quyền giải quyết.");
	/* Not posted: as stored when editing, the defaults when creating (agency.h). */
	snprintf(stored_start, sizeof(stored_start), "%lld",
	         (long long)json_id(current, "receipt_start"));
	if (pattern == NULL)
		pattern = current != NULL ? json_str(current, "receipt_pattern")
		                          : AGENCY_RECEIPT_PATTERN_DEFAULT;
	if (start == NULL)
		start = current != NULL ? stored_start : AGENCY_RECEIPT_START_DEFAULT;
	local_day(now_ms, &y, &m, &d);
	check_receipt(pattern, start, code_valid(c->code) ? c->code : SAMPLE_CODE, y, m, d,
	              c->receipt_pattern, &c->receipt_start, errs);
	return 0;
}

/* Bind 'c' to parameters 1..12 in the column order of agency_create, and 'now' to 13. */
static int bind_clean(struct db_stmt *st, const struct agency_clean *c, const char *now)
{
	json_t *hours = json_array();
	char *text = NULL;
	int rc;

	if (hours == NULL)
		return MC_ENOMEM;
	for (int i = 0; i < AGENCY_WEEKDAYS; i++)
		json_array_append_new(hours, json_string(c->hours[i]));
	text = json_dumps(hours, JSON_COMPACT);
	json_decref(hours);
	if (text == NULL)
		return MC_ENOMEM;
	if ((rc = db_bind_cstr(st, 1, c->code)) != 0 || (rc = db_bind_cstr(st, 2, c->name)) != 0 ||
	    (rc = db_bind_cstr(st, 3, c->level)) != 0 ||
	    (rc = c->parent_id > 0 ? db_bind_int64(st, 4, c->parent_id) : db_bind_null(st, 4)) != 0 ||
	    (rc = db_bind_cstr(st, 5, c->address)) != 0 || (rc = db_bind_cstr(st, 6, c->phone)) != 0 ||
	    (rc = db_bind_cstr(st, 7, c->email)) != 0 || (rc = db_bind_cstr(st, 8, text)) != 0 ||
	    (rc = db_bind_int64(st, 9, c->is_desk)) != 0 ||
	    (rc = db_bind_int64(st, 10, c->is_competent)) != 0 ||
	    (rc = db_bind_cstr(st, 11, c->receipt_pattern)) != 0 ||
	    (rc = db_bind_int64(st, 12, c->receipt_start)) != 0 ||
	    (rc = db_bind_cstr(st, 13, now)) != 0)
		goto out;
out:
	free(text);
	return rc;
}

/* A unique constraint can still fire when two administrators save the same code at once. */
static void conflict_to_code_error(int rc, struct field_errors *errs)
{
	if (rc == MC_ECONFLICT)
		field_errors_add(errs, "code",
		                 "Mã định danh điện tử này đã được dùng cho một cơ quan khác.");
}

int agency_create(struct db *db, const struct actor *actor, int64_t now_ms,
                  const struct agency_form *in, int64_t *id, struct field_errors *errs)
{
	struct agency_clean c;
	struct db_stmt *st;
	json_t *after = NULL, *snap = NULL;
	char now[32], summary[AGENCY_NAME_MAX * 4 + 64];
	int rc;

	*id = 0;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = check_form(db, actor, now_ms, in, NULL, &c, errs)) != 0)
		goto out;
	if (errs->count > 0) {
		rc = MC_EINVAL;
		goto out;
	}
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db,
	                "INSERT INTO agencies (code, name, level, parent_id, address, phone, email, "
	                "office_hours, is_desk, is_competent, receipt_pattern, receipt_start, "
	                "created_at, updated_at, active) "
	                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
	                &st);
	if (rc != 0 || (rc = bind_clean(st, &c, now)) != 0 || (rc = db_bind_cstr(st, 14, now)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0) {
		conflict_to_code_error(rc, errs);
		if (rc == MC_ECONFLICT)
			rc = MC_EINVAL;
		goto out;
	}
	*id = db_last_id(db);
	if ((rc = agency_load(db, *id, &after)) != 0)
		goto out;
	snap = agency_snapshot(after);
	snprintf(summary, sizeof(summary), "Tạo cơ quan %s (%s)", c.name, c.code);
	if ((rc = audit_record(db, actor, now_ms, "create", "agency", *id, *id, summary, NULL,
	                       snap)) != 0)
		goto out;
	rc = db_commit(db);
out:
	if (rc != 0) {
		db_rollback(db);
		*id = 0;
	}
	json_decref(after);
	json_decref(snap);
	return rc;
}

int agency_update(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                  const struct agency_form *in, struct field_errors *errs)
{
	struct agency_clean c;
	struct db_stmt *st;
	json_t *before = NULL, *after = NULL, *snap_before = NULL, *snap_after = NULL;
	char now[32], summary[AGENCY_NAME_MAX * 4 + 64];
	int rc;

	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = scope_check_agency(db, actor, id)) != 0 ||
	    (rc = agency_load(db, id, &before)) != 0)
		goto out;
	if ((rc = check_form(db, actor, now_ms, in, before, &c, errs)) != 0)
		goto out;
	if (errs->count > 0) {
		rc = MC_EINVAL;
		goto out;
	}
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db,
	                "UPDATE agencies SET code = ?, name = ?, level = ?, parent_id = ?, address = ?, "
	                "phone = ?, email = ?, office_hours = ?, is_desk = ?, is_competent = ?, "
	                "receipt_pattern = ?, receipt_start = ?, updated_at = ? WHERE id = ?",
	                &st);
	if (rc != 0 || (rc = bind_clean(st, &c, now)) != 0 || (rc = db_bind_int64(st, 14, id)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0) {
		conflict_to_code_error(rc, errs);
		if (rc == MC_ECONFLICT)
			rc = MC_EINVAL;
		goto out;
	}
	if ((rc = agency_load(db, id, &after)) != 0)
		goto out;
	snap_before = agency_snapshot(before);
	snap_after = agency_snapshot(after);
	if (json_equal(snap_before, snap_after)) {
		/* Nothing changed: no record, and updated_at stays as it was. */
		db_rollback(db);
		rc = 0;
		goto done;
	}
	snprintf(summary, sizeof(summary), "Sửa thông tin cơ quan %s (%s)", c.name, c.code);
	if ((rc = audit_record(db, actor, now_ms, "update", "agency", id, id, summary, snap_before,
	                       snap_after)) != 0)
		goto out;
	rc = db_commit(db);
out:
	if (rc != 0)
		db_rollback(db);
done:
	json_decref(before);
	json_decref(after);
	json_decref(snap_before);
	json_decref(snap_after);
	return rc;
}

int agency_set_active(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                      int active, const char **refusal)
{
	json_t *before = NULL, *after = NULL, *snap_before = NULL, *snap_after = NULL;
	struct db_stmt *st;
	char now[32], summary[AGENCY_NAME_MAX * 4 + 64];
	int64_t n;
	int rc;

	*refusal = NULL;
	active = active ? 1 : 0;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = scope_check_agency(db, actor, id)) != 0 ||
	    (rc = agency_load(db, id, &before)) != 0)
		goto out;
	if (json_is_true(json_object_get(before, "active")) == active)
		goto out; /* already so: rc is 0, rolled back below */
	if (!active) {
		if (id == actor->agency_id) {
			*refusal = "Bạn không thể ngừng hoạt động cơ quan của chính mình.";
			rc = MC_ECONFLICT;
			goto out;
		}
		rc = query_int(db, "SELECT count(*) FROM agencies WHERE parent_id = ? AND active = 1",
		               id, 0, &n);
		if (rc != 0)
			goto out;
		if (n > 0) {
			*refusal = "Không thể ngừng hoạt động cơ quan này vì còn cơ quan trực thuộc đang "
			           "hoạt động. Vui lòng ngừng hoạt động các cơ quan trực thuộc trước.";
			rc = MC_ECONFLICT;
			goto out;
		}
	} else if (json_id(before, "parent_id") > 0) {
		rc = query_int(db, "SELECT active FROM agencies WHERE id = ?",
		               json_id(before, "parent_id"), 1, &n);
		if (rc != 0)
			goto out;
		if (n == 0) {
			*refusal = "Không thể kích hoạt lại cơ quan này vì cơ quan cấp trên đang ngừng hoạt "
			           "động. Vui lòng kích hoạt lại cơ quan cấp trên trước.";
			rc = MC_ECONFLICT;
			goto out;
		}
	}
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db, "UPDATE agencies SET active = ?, updated_at = ? WHERE id = ?", &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, active)) != 0 ||
	    (rc = db_bind_cstr(st, 2, now)) != 0 || (rc = db_bind_int64(st, 3, id)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0)
		goto out;
	if ((rc = agency_load(db, id, &after)) != 0)
		goto out;
	snap_before = agency_snapshot(before);
	snap_after = agency_snapshot(after);
	snprintf(summary, sizeof(summary), "%s cơ quan %s (%s)",
	         active ? "Kích hoạt lại" : "Ngừng hoạt động", json_str(after, "name"),
	         json_str(after, "code"));
	if ((rc = audit_record(db, actor, now_ms, active ? "activate" : "deactivate", "agency", id,
	                       id, summary, snap_before, snap_after)) != 0)
		goto out;
	rc = db_commit(db);
	if (rc == 0)
		goto done;
out:
	db_rollback(db);
done:
	json_decref(before);
	json_decref(after);
	json_decref(snap_before);
	json_decref(snap_after);
	return rc;
}

/* ---- departments ---- */

struct department {
	int64_t id, agency_id;
	char name[DEPARTMENT_NAME_MAX * 4 + 1];
	char agency_name[AGENCY_NAME_MAX * 4 + 1];
	int active;
};

static int department_load(struct db *db, int64_t id, struct department *d)
{
	struct db_stmt *st;
	int rc = db_prepare(db,
	                    "SELECT d.id, d.agency_id, d.name, d.active, g.name FROM departments d "
	                    "JOIN agencies g ON g.id = d.agency_id WHERE d.id = ?",
	                    &st);

	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	d->id = db_col_int64(st, 0);
	d->agency_id = db_col_int64(st, 1);
	db_col_copy(st, 2, d->name, sizeof(d->name));
	d->active = (int)db_col_int64(st, 3);
	db_col_copy(st, 4, d->agency_name, sizeof(d->agency_name));
	db_reset(st);
	return 0;
}

static json_t *department_snapshot(const struct department *d)
{
	return json_pack("{s:I, s:s, s:s, s:b}", "agency_id", (json_int_t)d->agency_id,
	                 "agency_name", d->agency_name, "name", d->name, "active", d->active);
}

/* Check a department name and that no other department of the agency has it. */
static int check_department_name(struct db *db, int64_t agency_id, int64_t self, const char *in,
                                 char *name, size_t cap, struct field_errors *errs)
{
	struct db_stmt *st;
	int rc;

	fields_text(errs, "name", "tên phòng ban", in, name, cap, 1, DEPARTMENT_NAME_MAX);
	if (errs->count > 0)
		return 0;
	rc = db_prepare(db,
	                "SELECT name, active FROM departments WHERE agency_id = ? AND name = ? "
	                "AND id <> ?",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, agency_id)) != 0 || (rc = db_bind_cstr(st, 2, name)) != 0 ||
	    (rc = db_bind_int64(st, 3, self)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_ROW) {
		field_errors_addf(errs, "name", "Cơ quan này đã có phòng ban “%s”%s. Vui lòng đặt tên khác.",
		                  db_col_text(st, 0, NULL),
		                  db_col_int64(st, 1) ? "" : " (đang ngừng hoạt động)");
		db_reset(st);
	}
	return 0;
}

int agency_department_create(struct db *db, const struct actor *actor, int64_t now_ms,
                             int64_t agency_id, const char *name, int64_t *id,
                             struct field_errors *errs)
{
	struct department d = { 0 };
	struct db_stmt *st;
	json_t *after = NULL;
	char now[32], summary[(DEPARTMENT_NAME_MAX + AGENCY_NAME_MAX) * 4 + 64];
	int rc;

	*id = 0;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = scope_check_agency(db, actor, agency_id)) != 0)
		goto out;
	if ((rc = check_department_name(db, agency_id, 0, name, d.name, sizeof(d.name), errs)) != 0)
		goto out;
	if (errs->count > 0) {
		rc = MC_EINVAL;
		goto out;
	}
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db,
	                "INSERT INTO departments (agency_id, name, active, created_at, updated_at) "
	                "VALUES (?, ?, 1, ?, ?)",
	                &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, agency_id)) != 0 ||
	    (rc = db_bind_cstr(st, 2, d.name)) != 0 || (rc = db_bind_cstr(st, 3, now)) != 0 ||
	    (rc = db_bind_cstr(st, 4, now)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0) {
		if (rc == MC_ECONFLICT) {
			field_errors_add(errs, "name", "Cơ quan này đã có phòng ban cùng tên.");
			rc = MC_EINVAL;
		}
		goto out;
	}
	*id = db_last_id(db);
	if ((rc = department_load(db, *id, &d)) != 0)
		goto out;
	after = department_snapshot(&d);
	snprintf(summary, sizeof(summary), "Tạo phòng ban %s thuộc %s", d.name, d.agency_name);
	if ((rc = audit_record(db, actor, now_ms, "create", "department", *id, agency_id, summary,
	                       NULL, after)) != 0)
		goto out;
	rc = db_commit(db);
out:
	if (rc != 0) {
		db_rollback(db);
		*id = 0;
	}
	json_decref(after);
	return rc;
}

/* Load department 'id' and check the actor's scope over its agency (MC_ENOTFOUND outside). */
static int department_in_scope(struct db *db, const struct actor *actor, int64_t id,
                               struct department *d)
{
	int rc;

	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if ((rc = department_load(db, id, d)) != 0)
		return rc;
	return scope_check_agency(db, actor, d->agency_id);
}

int agency_department_rename(struct db *db, const struct actor *actor, int64_t now_ms,
                             int64_t id, const char *name, int64_t *agency_id,
                             struct field_errors *errs)
{
	struct department d, nd;
	struct db_stmt *st;
	json_t *before = NULL, *after = NULL;
	char now[32], summary[(DEPARTMENT_NAME_MAX * 2 + AGENCY_NAME_MAX) * 4 + 64];
	int rc;

	*agency_id = 0;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = department_in_scope(db, actor, id, &d)) != 0)
		goto out;
	*agency_id = d.agency_id;
	nd = d;
	if ((rc = check_department_name(db, d.agency_id, id, name, nd.name, sizeof(nd.name),
	                                errs)) != 0)
		goto out;
	if (errs->count > 0) {
		rc = MC_EINVAL;
		goto out;
	}
	if (strcmp(nd.name, d.name) == 0)
		goto out; /* unchanged: rc is 0, nothing to record */
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db, "UPDATE departments SET name = ?, updated_at = ? WHERE id = ?", &st);
	if (rc != 0 || (rc = db_bind_cstr(st, 1, nd.name)) != 0 ||
	    (rc = db_bind_cstr(st, 2, now)) != 0 || (rc = db_bind_int64(st, 3, id)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0) {
		if (rc == MC_ECONFLICT) {
			field_errors_add(errs, "name", "Cơ quan này đã có phòng ban cùng tên.");
			rc = MC_EINVAL;
		}
		goto out;
	}
	before = department_snapshot(&d);
	after = department_snapshot(&nd);
	snprintf(summary, sizeof(summary), "Đổi tên phòng ban %s thành %s (%s)", d.name, nd.name,
	         d.agency_name);
	if ((rc = audit_record(db, actor, now_ms, "update", "department", id, d.agency_id, summary,
	                       before, after)) != 0)
		goto out;
	rc = db_commit(db);
	if (rc == 0)
		goto done;
out:
	db_rollback(db);
done:
	json_decref(before);
	json_decref(after);
	return rc;
}

int agency_department_set_active(struct db *db, const struct actor *actor, int64_t now_ms,
                                 int64_t id, int active, int64_t *agency_id,
                                 const char **refusal)
{
	struct department d, nd;
	struct db_stmt *st;
	json_t *before = NULL, *after = NULL;
	char now[32], summary[(DEPARTMENT_NAME_MAX + AGENCY_NAME_MAX) * 4 + 64];
	int64_t n;
	int rc;

	*agency_id = 0;
	*refusal = NULL;
	active = active ? 1 : 0;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = department_in_scope(db, actor, id, &d)) != 0)
		goto out;
	*agency_id = d.agency_id;
	if (d.active == active)
		goto out;
	if (!active) {
		rc = query_int(db,
		               "SELECT count(*) FROM staff s JOIN accounts a ON a.id = s.account_id "
		               "WHERE s.department_id = ? AND a.status = 'active'",
		               id, 0, &n);
		if (rc != 0)
			goto out;
		if (n > 0) {
			*refusal = "Không thể ngừng hoạt động phòng ban này vì còn cán bộ đang làm việc "
			           "tại đây. Vui lòng chuyển các cán bộ sang phòng ban khác trước.";
			rc = MC_ECONFLICT;
			goto out;
		}
	}
	clock_iso8601(now_ms, now, sizeof(now));
	rc = db_prepare(db, "UPDATE departments SET active = ?, updated_at = ? WHERE id = ?", &st);
	if (rc != 0 || (rc = db_bind_int64(st, 1, active)) != 0 ||
	    (rc = db_bind_cstr(st, 2, now)) != 0 || (rc = db_bind_int64(st, 3, id)) != 0)
		goto out;
	if ((rc = db_step(st)) < 0)
		goto out;
	nd = d;
	nd.active = active;
	before = department_snapshot(&d);
	after = department_snapshot(&nd);
	snprintf(summary, sizeof(summary), "%s phòng ban %s (%s)",
	         active ? "Kích hoạt lại" : "Ngừng hoạt động", d.name, d.agency_name);
	if ((rc = audit_record(db, actor, now_ms, active ? "activate" : "deactivate", "department",
	                       id, d.agency_id, summary, before, after)) != 0)
		goto out;
	rc = db_commit(db);
	if (rc == 0)
		goto done;
out:
	db_rollback(db);
done:
	json_decref(before);
	json_decref(after);
	return rc;
}

struct dept_ctx {
	json_t *by_agency; /* agency id (text) -> array of departments */
	json_t *groups;
};

static int dept_visit(void *arg, const struct node *nd, int depth)
{
	struct dept_ctx *c = arg;
	char key[24];
	json_t *deps;

	(void)depth;
	if (!nd->active)
		return 0;
	snprintf(key, sizeof(key), "%lld", (long long)nd->id);
	deps = json_object_get(c->by_agency, key);
	if (deps != NULL &&
	    json_array_append_new(c->groups, json_pack("{s:I, s:s, s:O}", "agency_id",
	                                               (json_int_t)nd->id, "agency_name", nd->name,
	                                               "departments", deps)) != 0)
		return MC_ENOMEM;
	return 1;
}

int agency_department_options(struct db *db, const struct actor *actor, json_t **out)
{
	struct nodes ns = { 0 };
	struct dept_ctx c = { json_object(), json_array() };
	struct db_stmt *st;
	int rc;

	*out = NULL;
	if (c.by_agency == NULL || c.groups == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if ((rc = nodes_load(db, actor, &ns)) != 0)
		goto out;
	rc = db_prepare(db, "SELECT id, agency_id, name FROM departments WHERE active = 1 "
	                    "ORDER BY name, id",
	                &st);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		char key[24];
		json_t *deps;
		snprintf(key, sizeof(key), "%lld", (long long)db_col_int64(st, 1));
		deps = json_object_get(c.by_agency, key);
		if (deps == NULL) {
			deps = json_array();
			json_object_set_new(c.by_agency, key, deps);
		}
		json_array_append_new(deps, json_pack("{s:I, s:s}", "id",
		                                      (json_int_t)db_col_int64(st, 0), "name",
		                                      db_col_text(st, 2, NULL)));
	}
	if (rc < 0)
		goto out;
	/* Only the agencies of the scope are walked, so other agencies' departments drop out. */
	if ((rc = nodes_walk(&ns, dept_visit, &c)) != 0)
		goto out;
	*out = c.groups;
	c.groups = NULL;
out:
	json_decref(c.by_agency);
	json_decref(c.groups);
	nodes_free(&ns);
	return rc;
}

int agency_count(struct db *db, const struct actor *actor, int64_t *total, int64_t *active)
{
	struct db_stmt *st;
	int rc;

	*total = *active = 0;
	if (!actor_is_admin(actor))
		return MC_EFORBIDDEN;
	if (scope_is_global(actor))
		rc = db_prepare(db, "SELECT count(*), coalesce(sum(active), 0) FROM agencies "
		                    "WHERE ? IS NOT NULL",
		                &st);
	else
		rc = db_prepare(db, "SELECT count(*), coalesce(sum(active), 0) FROM agencies "
		                    "WHERE id IN (" SCOPE_SUBTREE_SQL ")",
		                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, actor->agency_id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_ROW) {
		*total = db_col_int64(st, 0);
		*active = db_col_int64(st, 1);
		db_reset(st);
	}
	return 0;
}
