/*
 * tpl.c: our Mustache engine.
 *
 * A template is compiled once, in five passes over its source:
 *
 *   1. tokenize        text (split at newlines) and tags, following delimiter changes;
 *   2. match_sections  pair every section, parent and block with its end tag;
 *   3. mark_lines      find the standalone lines the spec removes, and the lines that start output;
 *   4. compute_indents the indentation of standalone partials, parents and blocks, and the
 *                      leading whitespace that block content loses where it is defined;
 *   5. emit            a flat array of ops; a section's children are the ops up to its 'end'.
 *
 * Rendering walks that array.  It keeps all its state on the C stack (the context stack, the
 * chain of parents whose blocks override, the indentation), so one set can serve any number of
 * threads.  Partials and parents are found by name when they are rendered, so templates may be
 * added in any order.
 *
 * Indentation works on template lines, never on data: an op flagged F_BOL starts a line of its
 * template and writes the current indentation first, and text writes it after each newline it
 * holds.  A standalone partial or parent adds its indentation for the template it expands to; a
 * standalone block adds its own for the content that replaces it (~inheritance, spec 1.3).
 */
#include "lib/tpl.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/err.h"
#include "limit.h"

#define DELIM_MAX 16 /* bytes in a delimiter set by {{=a b=}} */
#define SUFFIX ".mustache"
#define SUFFIX_LEN (sizeof SUFFIX - 1)

enum op_type {
	OP_TEXT,     /* bytes of the template */
	OP_VAR,      /* {{x}}: HTML-escaped */
	OP_RAW,      /* {{{x}}} and {{&x}} */
	OP_SECTION,  /* {{#x}}: children below, up to 'end' */
	OP_INVERTED, /* {{^x}} */
	OP_PARTIAL,  /* {{>x}} */
	OP_PARENT,   /* {{<x}}: its blocks are the arguments */
	OP_BLOCK,    /* {{$x}}: default content below */
};

enum {
	F_BOL = 1,        /* starts a line of the template: write the indentation first */
	F_STANDALONE = 2, /* partial, parent or block alone on its line: indent what it expands to */
};

struct op {
	uint8_t type;
	uint8_t flags;
	uint16_t nseg;    /* VAR, RAW, SECTION, INVERTED: parts of the dotted name; 0 for "." */
	uint32_t end;     /* SECTION, INVERTED, PARENT, BLOCK: the op after the last child */
	uint32_t off;     /* TEXT: bytes in the pool; others: the name, NUL-terminated */
	uint32_t len;
	uint32_t seg;     /* first entry of the name in tpl->segs */
	uint32_t hash;    /* of the name: PARTIAL and PARENT look templates up, BLOCK its override */
	uint32_t ind_off; /* F_STANDALONE: the indentation, in the pool */
	uint32_t ind_len;
};

/* One part of a dotted name, in the pool. */
struct seg {
	uint32_t off;
	uint32_t len;
};

struct tpl {
	char *name;
	uint32_t hash;
	struct op *ops;
	uint32_t nops;
	struct seg *segs; /* the parts of dotted names */
	char *pool;       /* text, names and indentations */
};

struct tpl_set {
	struct tpl **slots; /* open addressing, linear probing */
	size_t cap;         /* a power of two, or 0 */
	size_t count;
};

/* ---- small helpers ---------------------------------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool all_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_blank(s[i]))
			return false;
	return true;
}

static size_t lead_blanks(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_blank(s[i]))
		i++;
	return i;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Grow 'arr' (of 'size'-byte elements) to hold 'need'; the new array, or NULL (arr unchanged). */
static void *grow_array(void *arr, size_t *cap, size_t need, size_t size)
{
	size_t n;
	void *p;

	if (need <= *cap)
		return arr;
	n = *cap ? *cap : 32;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / size)
		return NULL;
	p = realloc(arr, n * size);
	if (p == NULL)
		return NULL;
	*cap = n;
	return p;
}

/* ---- compiling ---------------------------------------------------------------------------- */

enum tok_type {
	T_TEXT,
	T_VAR,
	T_RAW,
	T_SECTION,
	T_INVERTED,
	T_CLOSE,
	T_COMMENT,
	T_DELIM,
	T_PARTIAL,
	T_PARENT,
	T_BLOCK,
};

enum {
	TF_REMOVED = 1,    /* whitespace of a standalone line: not output */
	TF_BOL = 2,        /* first token of a line that is output */
	TF_STANDALONE = 4, /* alone on its line, or in one of the pairs of mark_line */
};

struct tok {
	uint8_t type;
	uint8_t flags;
	unsigned line;
	size_t off, len;         /* text: its bytes (one line at most); tag: its name, trimmed */
	size_t match;            /* opening tag: its end tag; end tag: its opening tag */
	size_t ws_off, ws_len;   /* standalone tag: the whitespace before it on its line */
	size_t strip;            /* standalone block: leading whitespace its content lines lose;
	                            TF_BOL text: the blanks it loses */
	size_t ind_off, ind_len; /* standalone partial, parent or block: its indentation */
};

struct delims {
	const char *open, *close;
	size_t olen, clen;
};

struct compiler {
	const char *src;
	size_t len;
	char *err;
	size_t errlen;
	struct tok *toks;
	size_t ntoks, tokcap;
	struct op *ops;
	size_t nops, opcap;
	struct seg *segs;
	size_t nsegs, segcap;
	struct buf pool;
};

static int fail(struct compiler *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Describe a syntax error at 'line' in c->err; returns MC_EINVAL. */
static int fail(struct compiler *c, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->err == NULL || c->errlen == 0)
		return MC_EINVAL;
	n = snprintf(c->err, c->errlen, "line %u: ", line);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return MC_EINVAL;
}

static struct tok *new_tok(struct compiler *c, uint8_t type, unsigned line)
{
	struct tok *p, *t;

	p = grow_array(c->toks, &c->tokcap, c->ntoks + 1, sizeof *c->toks);
	if (p == NULL)
		return NULL;
	c->toks = p;
	t = &c->toks[c->ntoks++];
	memset(t, 0, sizeof *t);
	t->type = type;
	t->line = line;
	return t;
}

/* Bytes of the newline ending text token 't' ("\n" or "\r\n"); 0 if it does not end a line. */
static size_t nl_len(const struct compiler *c, const struct tok *t)
{
	const char *s = c->src + t->off;

	if (t->type != T_TEXT || t->len == 0 || s[t->len - 1] != '\n')
		return 0;
	return t->len >= 2 && s[t->len - 2] == '\r' ? 2 : 1;
}

/* Add text [from, to) as tokens of one line each, so that lines can be told apart later. */
static int add_text(struct compiler *c, size_t from, size_t to, unsigned *line)
{
	const char *nl;
	struct tok *t;
	size_t end;

	while (from < to) {
		nl = memchr(c->src + from, '\n', to - from);
		end = nl != NULL ? (size_t)(nl - c->src) + 1 : to;
		t = new_tok(c, T_TEXT, *line);
		if (t == NULL)
			return MC_ENOMEM;
		t->off = from;
		t->len = end - from;
		if (nl != NULL)
			(*line)++;
		from = end;
	}
	return 0;
}

static unsigned count_newlines(const char *s, size_t n)
{
	unsigned lines = 0;
	size_t i;

	for (i = 0; i < n; i++)
		lines += s[i] == '\n';
	return lines;
}

/* Parse "{{=open close=}}" content [from, to) into 'd'; false if it is malformed. */
static bool parse_delims(const char *src, size_t from, size_t to, struct delims *d)
{
	size_t a, b, e;

	while (from < to && is_space(src[from]))
		from++;
	while (to > from && is_space(src[to - 1]))
		to--;
	for (a = from; a < to && !is_space(src[a]); a++)
		;
	for (b = a; b < to && is_space(src[b]); b++)
		;
	for (e = b; e < to && !is_space(src[e]); e++)
		;
	if (a == from || b == a || e == b || e != to || a - from > DELIM_MAX || e - b > DELIM_MAX)
		return false;
	if (memchr(src + from, '=', a - from) != NULL || memchr(src + b, '=', e - b) != NULL)
		return false;
	d->open = src + from;
	d->olen = a - from;
	d->close = src + b;
	d->clen = e - b;
	return true;
}

/* Check a tag's name: non-empty, no blanks or control bytes; dotted names without empty parts. */
static int check_name(struct compiler *c, const struct tok *t)
{
	const char *s = c->src + t->off;
	size_t i;
	bool dotted = t->type == T_VAR || t->type == T_RAW || t->type == T_SECTION ||
	              t->type == T_INVERTED;

	if (t->len == 0)
		return fail(c, t->line, "empty tag");
	if (t->len > LIMIT_TPL_NAME_BYTES)
		return fail(c, t->line, "tag name longer than %u bytes", LIMIT_TPL_NAME_BYTES);
	for (i = 0; i < t->len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return fail(c, t->line, "bad tag name '%.*s'", (int)min_size(t->len, 64), s);
	if (!dotted || (t->len == 1 && s[0] == '.'))
		return 0;
	for (i = 0; i < t->len; i++)
		if (s[i] == '.' && (i == 0 || i + 1 == t->len || s[i + 1] == '.'))
			return fail(c, t->line, "bad dotted name '%.*s'", (int)min_size(t->len, 64), s);
	return 0;
}

/* Read the tag whose opening delimiter is at 'at'; '*next' is where the text resumes. */
static int add_tag(struct compiler *c, size_t at, struct delims *d, size_t *next, unsigned *line)
{
	char closing[1 + DELIM_MAX];
	size_t body = at + d->olen, close_at, closing_len = 0, from, to;
	const char *hit = NULL;
	uint8_t type;
	char kind = body < c->len ? c->src[body] : '\0';
	struct tok *t;

	switch (kind) {
	case '{': type = T_RAW; break;
	case '&': type = T_RAW; break;
	case '#': type = T_SECTION; break;
	case '^': type = T_INVERTED; break;
	case '/': type = T_CLOSE; break;
	case '!': type = T_COMMENT; break;
	case '=': type = T_DELIM; break;
	case '>': type = T_PARTIAL; break;
	case '<': type = T_PARENT; break;
	case '$': type = T_BLOCK; break;
	default: type = T_VAR; break;
	}
	if (type != T_VAR)
		body++;
	if (kind == '{' || kind == '=')
		closing[closing_len++] = kind == '{' ? '}' : '=';
	memcpy(closing + closing_len, d->close, d->clen);
	closing_len += d->clen;
	if (body < c->len)
		hit = memmem(c->src + body, c->len - body, closing, closing_len);
	if (hit == NULL)
		return fail(c, *line, "unclosed tag");
	close_at = (size_t)(hit - c->src);

	t = new_tok(c, type, *line);
	if (t == NULL)
		return MC_ENOMEM;
	*line += count_newlines(c->src + at, close_at + closing_len - at);
	*next = close_at + closing_len;
	if (type == T_COMMENT)
		return 0;
	if (type == T_DELIM) {
		if (!parse_delims(c->src, body, close_at, d))
			return fail(c, t->line, "bad delimiter change");
		return 0;
	}
	for (from = body; from < close_at && is_space(c->src[from]); from++)
		;
	for (to = close_at; to > from && is_space(c->src[to - 1]); to--)
		;
	t->off = from;
	t->len = to - from;
	return check_name(c, t);
}

static int tokenize(struct compiler *c)
{
	struct delims d = { "{{", "}}", 2, 2 };
	const char *hit;
	size_t p = 0, at;
	unsigned line = 1;
	int rc = 0;

	while (p < c->len) {
		hit = memmem(c->src + p, c->len - p, d.open, d.olen);
		at = hit != NULL ? (size_t)(hit - c->src) : c->len;
		if ((rc = add_text(c, p, at, &line)) != 0)
			goto out;
		if (hit == NULL)
			break;
		if ((rc = add_tag(c, at, &d, &p, &line)) != 0)
			goto out;
	}
out:
	return rc;
}

static bool opens(uint8_t type)
{
	return type == T_SECTION || type == T_INVERTED || type == T_PARENT || type == T_BLOCK;
}

static int match_sections(struct compiler *c)
{
	size_t stack[LIMIT_TPL_NESTING];
	size_t depth = 0, i;
	struct tok *t, *o;

	for (i = 0; i < c->ntoks; i++) {
		t = &c->toks[i];
		if (opens(t->type)) {
			if (depth == LIMIT_TPL_NESTING)
				return fail(c, t->line, "sections nested deeper than %u",
				            LIMIT_TPL_NESTING);
			stack[depth++] = i;
		} else if (t->type == T_CLOSE) {
			if (depth == 0)
				return fail(c, t->line, "end tag '%.*s' without an open section",
				            (int)min_size(t->len, 64), c->src + t->off);
			o = &c->toks[stack[--depth]];
			if (o->len != t->len || memcmp(c->src + o->off, c->src + t->off, t->len) != 0)
				return fail(c, t->line,
				            "end tag '%.*s' does not match '%.*s' opened on line %u",
				            (int)min_size(t->len, 64), c->src + t->off,
				            (int)min_size(o->len, 64), c->src + o->off, o->line);
			t->match = stack[depth];
			o->match = i;
		}
	}
	if (depth > 0) {
		o = &c->toks[stack[depth - 1]];
		return fail(c, o->line, "unclosed section '%.*s'", (int)min_size(o->len, 64),
		            c->src + o->off);
	}
	return 0;
}

/*
 * Whether line [a, b] is standalone: blanks, one tag that outputs nothing, blanks, end of line.
 * The ~inheritance spec adds adjacent pairs: {{<p}}{{/p}}, {{<p}}{{$b}}, {{/b}}{{/p}} and
 * {{$b}}{{/b}}; the last keeps its newline ('*keep_nl'), so an empty block leaves its line.
 * '*first' and '*last' are the tags.
 */
static bool standalone_line(const struct compiler *c, size_t a, size_t b, size_t *first,
                            size_t *last, bool *keep_nl)
{
	const struct tok *t = c->toks, *x, *y;
	size_t i;

	*first = a;
	*last = b;
	*keep_nl = false;
	if (t[a].type == T_TEXT) {
		if (a == b || !all_blank(c->src + t[a].off, t[a].len))
			return false;
		*first = a + 1;
	}
	if (t[b].type == T_TEXT) {
		if (!all_blank(c->src + t[b].off, t[b].len - nl_len(c, &t[b])))
			return false;
		*last = b - 1;
	}
	if (*last < *first)
		return false;
	for (i = *first; i <= *last; i++)
		if (t[i].type == T_TEXT)
			return false;
	x = &t[*first];
	y = &t[*last];
	if (*first == *last)
		return x->type != T_VAR && x->type != T_RAW;
	if (*last != *first + 1)
		return false;
	if (x->type == T_PARENT)
		return y->type == T_BLOCK || x->match == *last;
	if (x->type == T_BLOCK && x->match == *last)
		return *keep_nl = true;
	return x->type == T_CLOSE && y->type == T_CLOSE && t[x->match].type == T_BLOCK &&
	       t[y->match].type == T_PARENT;
}

/* Drop the blanks of line [a, b] if it is standalone, else mark where its output starts. */
static void mark_line(struct compiler *c, size_t a, size_t b)
{
	struct tok *t = c->toks;
	size_t first, last, i, k;
	bool keep_nl;

	if (!standalone_line(c, a, b, &first, &last, &keep_nl)) {
		t[a].flags |= TF_BOL;
		return;
	}
	if (first > a) {
		t[a].flags |= TF_REMOVED;
		t[first].ws_off = t[a].off;
		t[first].ws_len = t[a].len;
	}
	if (last < b) {
		k = nl_len(c, &t[b]);
		if (keep_nl && k > 0) {
			t[b].off += t[b].len - k;
			t[b].len = k;
		} else {
			t[b].flags |= TF_REMOVED;
		}
	}
	for (i = first; i <= last; i++)
		t[i].flags |= TF_STANDALONE;
}

static void mark_lines(struct compiler *c)
{
	size_t a = 0, b;

	while (a < c->ntoks) {
		b = a;
		while (b + 1 < c->ntoks && nl_len(c, &c->toks[b]) == 0)
			b++;
		mark_line(c, a, b);
		a = b + 1;
	}
}

/*
 * The leading whitespace common to the non-blank content lines of the standalone block opened
 * by token 'open' (textwrap.dedent's margin): the spec removes it where the block is defined and
 * adds the block's indentation where it is expanded.  False when every content line is blank.
 */
static bool block_margin(const struct compiler *c, size_t open, size_t *off, size_t *len)
{
	const struct tok *t = c->toks;
	size_t end = t[open].match, i = open + 1, j, n, k;
	bool have = false, blank;

	while (i < end && nl_len(c, &t[i]) == 0)
		i++;
	i++;
	while (i < end) {
		blank = true;
		for (j = i; j < end; j++) {
			if (t[j].type != T_TEXT ||
			    !all_blank(c->src + t[j].off, t[j].len - nl_len(c, &t[j])))
				blank = false;
			if (nl_len(c, &t[j]) > 0) {
				j++;
				break;
			}
		}
		if (!blank) {
			n = t[i].type == T_TEXT ? lead_blanks(c->src + t[i].off, t[i].len) : 0;
			if (!have) {
				*off = t[i].off;
				*len = n;
				have = true;
			} else {
				for (k = 0; k < *len && k < n && c->src[*off + k] == c->src[t[i].off + k]; k++)
					;
				*len = k;
			}
		}
		i = j;
	}
	return have;
}

static void compute_indents(struct compiler *c)
{
	size_t strips[LIMIT_TPL_NESTING];
	size_t depth = 0, cur = 0, i, off = 0, len = 0, k;
	struct tok *t;

	for (i = 0; i < c->ntoks; i++) {
		t = &c->toks[i];
		switch (t->type) {
		case T_TEXT:
			if (t->flags & TF_BOL)
				t->strip = min_size(cur, lead_blanks(c->src + t->off, t->len));
			break;
		case T_PARTIAL:
		case T_PARENT:
			if (t->flags & TF_STANDALONE) {
				k = min_size(cur, t->ws_len);
				t->ind_off = t->ws_off + k;
				t->ind_len = t->ws_len - k;
			}
			break;
		case T_BLOCK:
			t->strip = cur;
			if (t->flags & TF_STANDALONE) {
				if (t->match != i + 1 && block_margin(c, i, &off, &len)) {
					k = min_size(cur, len);
					t->ind_off = off + k;
					t->ind_len = len - k;
					t->strip = len > cur ? len : cur;
				} else {
					k = min_size(cur, t->ws_len);
					t->ind_off = t->ws_off + k;
					t->ind_len = t->ws_len - k;
				}
			}
			strips[depth++] = cur;
			cur = t->strip;
			break;
		case T_CLOSE:
			if (c->toks[t->match].type == T_BLOCK)
				cur = strips[--depth];
			break;
		default:
			break;
		}
	}
}

static struct op *new_op(struct compiler *c, uint8_t type, uint8_t flags)
{
	struct op *p, *op;

	if (c->nops >= UINT32_MAX)
		return NULL;
	p = grow_array(c->ops, &c->opcap, c->nops + 1, sizeof *c->ops);
	if (p == NULL)
		return NULL;
	c->ops = p;
	op = &c->ops[c->nops++];
	memset(op, 0, sizeof *op);
	op->type = type;
	op->flags = flags;
	return op;
}

/* Append bytes to the pool; their offset in '*off'. */
static int pool_add(struct compiler *c, const char *s, size_t n, uint32_t *off)
{
	if (c->pool.len > UINT32_MAX - n - 1)
		return MC_ETOOBIG;
	*off = (uint32_t)c->pool.len;
	return buf_append(&c->pool, s, n);
}

/* Text token 't'; '*text' is the op it may extend, or SIZE_MAX. */
static int emit_text(struct compiler *c, const struct tok *t, size_t *text)
{
	const char *s = c->src + t->off + t->strip;
	size_t n = t->len - t->strip;
	bool bol = (t->flags & TF_BOL) != 0;
	struct op *op;
	uint32_t off;
	int rc;

	if (*text != SIZE_MAX) {
		op = &c->ops[*text];
		/* A line start inside text is handled at each newline the text holds. */
		if (!bol || (op->len > 0 && c->pool.data[op->off + op->len - 1] == '\n')) {
			if ((rc = pool_add(c, s, n, &off)) != 0)
				return rc;
			op->len += (uint32_t)n;
			return 0;
		}
	}
	if (n == 0 && !bol)
		return 0;
	op = new_op(c, OP_TEXT, bol ? F_BOL : 0);
	if (op == NULL)
		return MC_ENOMEM;
	op->len = (uint32_t)n;
	*text = c->nops - 1;
	return pool_add(c, s, n, &op->off);
}

static int emit_tag(struct compiler *c, const struct tok *t)
{
	static const uint8_t types[] = {
		[T_VAR] = OP_VAR, [T_RAW] = OP_RAW, [T_SECTION] = OP_SECTION,
		[T_INVERTED] = OP_INVERTED, [T_PARTIAL] = OP_PARTIAL, [T_PARENT] = OP_PARENT,
		[T_BLOCK] = OP_BLOCK,
	};
	const char *name = c->src + t->off;
	struct op *op;
	struct seg *p;
	uint32_t zero;
	size_t i, start;
	int rc;

	op = new_op(c, types[t->type], (t->flags & TF_BOL) ? F_BOL : 0);
	if (op == NULL)
		return MC_ENOMEM;
	op->len = (uint32_t)t->len;
	op->hash = hash_bytes(name, t->len);
	if ((rc = pool_add(c, name, t->len, &op->off)) != 0 ||
	    (rc = pool_add(c, "", 1, &zero)) != 0)
		return rc;
	if ((t->flags & TF_STANDALONE) &&
	    (t->type == T_PARTIAL || t->type == T_PARENT || t->type == T_BLOCK)) {
		op->flags |= F_STANDALONE;
		op->ind_len = (uint32_t)t->ind_len;
		if ((rc = pool_add(c, c->src + t->ind_off, t->ind_len, &op->ind_off)) != 0)
			return rc;
	}
	if (op->type != OP_VAR && op->type != OP_RAW && op->type != OP_SECTION &&
	    op->type != OP_INVERTED)
		return 0;
	if (t->len == 1 && name[0] == '.')
		return 0; /* the implicit iterator: nseg 0 */
	op->seg = (uint32_t)c->nsegs;
	for (i = 0, start = 0; i <= t->len; i++) {
		if (i < t->len && name[i] != '.')
			continue;
		p = grow_array(c->segs, &c->segcap, c->nsegs + 1, sizeof *c->segs);
		if (p == NULL)
			return MC_ENOMEM;
		c->segs = p;
		c->segs[c->nsegs].off = op->off + (uint32_t)start;
		c->segs[c->nsegs].len = (uint32_t)(i - start);
		c->nsegs++;
		if (i < t->len)
			c->pool.data[op->off + i] = '\0';
		op->nseg++;
		start = i + 1;
	}
	return 0;
}

/* An empty text op that only writes the indentation: a line starts at a tag without output. */
static int emit_line_start(struct compiler *c, size_t *text)
{
	struct op *op = new_op(c, OP_TEXT, F_BOL);

	if (op == NULL)
		return MC_ENOMEM;
	op->off = (uint32_t)c->pool.len;
	*text = c->nops - 1;
	return 0;
}

static int emit(struct compiler *c)
{
	size_t open[LIMIT_TPL_NESTING];
	size_t depth = 0, text = SIZE_MAX, i;
	const struct tok *t;
	int rc = 0;

	for (i = 0; i < c->ntoks && rc == 0; i++) {
		t = &c->toks[i];
		if (t->flags & TF_REMOVED)
			continue;
		switch (t->type) {
		case T_TEXT:
			rc = emit_text(c, t, &text);
			break;
		case T_COMMENT:
		case T_DELIM:
			if (t->flags & TF_BOL)
				rc = emit_line_start(c, &text);
			break;
		case T_CLOSE:
			if (t->flags & TF_BOL)
				rc = emit_line_start(c, &text);
			c->ops[open[--depth]].end = (uint32_t)c->nops;
			text = SIZE_MAX;
			break;
		default:
			rc = emit_tag(c, t);
			if (opens(t->type))
				open[depth++] = c->nops - 1;
			text = SIZE_MAX;
			break;
		}
	}
	return rc;
}

static void tpl_free(struct tpl *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->ops);
	free(t->segs);
	free(t->pool);
	free(t);
}

/* Compile 'src' into 't' (ops, segs, pool). */
static int compile(struct tpl *t, const char *src, size_t len, char *err, size_t errlen)
{
	struct compiler c;
	int rc;

	memset(&c, 0, sizeof c);
	c.src = src;
	c.len = len;
	c.err = err;
	c.errlen = errlen;
	buf_init(&c.pool, NULL);
	/* Never NULL, so that text ops always point into it; about the size of the source. */
	if ((rc = buf_reserve(&c.pool, len)) != 0)
		goto out;
	if ((rc = tokenize(&c)) != 0 || (rc = match_sections(&c)) != 0)
		goto out;
	mark_lines(&c);
	compute_indents(&c);
	if ((rc = emit(&c)) != 0)
		goto out;
	t->ops = c.ops;
	t->nops = (uint32_t)c.nops;
	t->segs = c.segs;
	t->pool = c.pool.data;
	c.ops = NULL;
	c.segs = NULL;
	c.pool.data = NULL;
out:
	free(c.toks);
	free(c.ops);
	free(c.segs);
	buf_free(&c.pool);
	return rc;
}

/* ---- the set ------------------------------------------------------------------------------ */

static const struct tpl *set_find(const struct tpl_set *set, const char *name, uint32_t hash)
{
	size_t mask, i;
	const struct tpl *t;

	if (set->cap == 0)
		return NULL;
	mask = set->cap - 1;
	for (i = hash & mask; (t = set->slots[i]) != NULL; i = (i + 1) & mask)
		if (t->hash == hash && strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static void set_place(struct tpl **slots, size_t cap, struct tpl *t)
{
	size_t i;

	for (i = t->hash & (cap - 1); slots[i] != NULL; i = (i + 1) & (cap - 1))
		;
	slots[i] = t;
}

/* Store 't' in the set, replacing (and freeing) a template of the same name. */
static int set_put(struct tpl_set *set, struct tpl *t)
{
	struct tpl **slots;
	size_t cap, i;

	if ((set->count + 1) * 4 > set->cap * 3) {
		cap = set->cap ? set->cap * 2 : 16;
		slots = calloc(cap, sizeof *slots);
		if (slots == NULL)
			return MC_ENOMEM;
		for (i = 0; i < set->cap; i++)
			if (set->slots[i] != NULL)
				set_place(slots, cap, set->slots[i]);
		free(set->slots);
		set->slots = slots;
		set->cap = cap;
	}
	for (i = t->hash & (set->cap - 1); set->slots[i] != NULL; i = (i + 1) & (set->cap - 1)) {
		if (set->slots[i]->hash == t->hash && strcmp(set->slots[i]->name, t->name) == 0) {
			tpl_free(set->slots[i]);
			set->slots[i] = t;
			return 0;
		}
	}
	set->slots[i] = t;
	set->count++;
	return 0;
}

struct tpl_set *tpl_set_new(void)
{
	return calloc(1, sizeof(struct tpl_set));
}

void tpl_set_free(struct tpl_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->cap; i++)
		tpl_free(set->slots[i]);
	free(set->slots);
	free(set);
}

int tpl_set_add(struct tpl_set *set, const char *name, const char *src, size_t len, char *err,
                size_t errlen)
{
	struct tpl *t = NULL;
	int rc;

	if (src == NULL && len > 0) {
		mc_errf(err, errlen, "no source");
		rc = MC_EINVAL;
		goto out;
	}
	if (len > LIMIT_TPL_BYTES) {
		mc_errf(err, errlen, "template larger than %u bytes", LIMIT_TPL_BYTES);
		rc = MC_ETOOBIG;
		goto out;
	}
	t = calloc(1, sizeof *t);
	if (t == NULL || (t->name = strdup(name)) == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	t->hash = hash_bytes(name, strlen(name));
	if ((rc = compile(t, len > 0 ? src : "", len, err, errlen)) != 0)
		goto out;
	if ((rc = set_put(set, t)) != 0)
		goto out;
	t = NULL;
out:
	tpl_free(t);
	return rc;
}

int tpl_exists(const struct tpl_set *set, const char *name)
{
	return set_find(set, name, hash_bytes(name, strlen(name))) != NULL;
}

/* ---- loading a directory -------------------------------------------------------------------- */

/* Read file 'path' into a new heap buffer. */
static int read_whole(const char *path, char **data, size_t *len)
{
	struct stat st;
	char *p = NULL;
	size_t size, got = 0;
	ssize_t n;
	int fd, rc = MC_EIO;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0)
		goto out;
	if (st.st_size < 0 || (unsigned long long)st.st_size > LIMIT_TPL_BYTES) {
		rc = MC_ETOOBIG;
		goto out;
	}
	size = (size_t)st.st_size;
	p = malloc(size + 1);
	if (p == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	while (got < size) {
		n = read(fd, p + got, size - got);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*data = p;
	*len = got;
	p = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(p);
	return rc;
}

/* Load the templates under 'path' (whose first 'root' bytes are the root directory). */
static int load_tree(struct tpl_set *set, struct buf *path, size_t root, unsigned level,
                     char *err, size_t errlen)
{
	char msg[256];
	struct dirent *de;
	struct stat st;
	DIR *dir = NULL;
	char *src = NULL, *name = NULL;
	size_t keep = path->len, n, len;
	int rc = 0;

	if (level > LIMIT_TPL_DIR_LEVELS) {
		mc_errf(err, errlen, "%s: directories nested too deeply", path->data);
		rc = MC_EIO;
		goto out;
	}
	dir = opendir(path->data);
	if (dir == NULL) {
		mc_errf(err, errlen, "%s: cannot open directory", path->data);
		rc = MC_EIO;
		goto out;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue; /* ".", "..", hidden files, editor droppings */
		path->len = keep;
		if ((rc = buf_putc(path, '/')) != 0 || (rc = buf_puts(path, de->d_name)) != 0)
			goto out;
		if (stat(path->data, &st) != 0) {
			mc_errf(err, errlen, "%s: cannot stat", path->data);
			rc = MC_EIO;
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			if ((rc = load_tree(set, path, root, level + 1, err, errlen)) != 0)
				goto out;
			continue;
		}
		n = strlen(de->d_name);
		if (!S_ISREG(st.st_mode) || n <= SUFFIX_LEN ||
		    memcmp(de->d_name + n - SUFFIX_LEN, SUFFIX, SUFFIX_LEN) != 0)
			continue;
		if ((rc = read_whole(path->data, &src, &len)) != 0) {
			mc_errf(err, errlen, "%s: %s", path->data, mc_strerror(rc));
			goto out;
		}
		name = strndup(path->data + root + 1, path->len - root - 1 - SUFFIX_LEN);
		if (name == NULL) {
			rc = MC_ENOMEM;
			goto out;
		}
		msg[0] = '\0';
		if ((rc = tpl_set_add(set, name, src, len, msg, sizeof msg)) != 0) {
			mc_errf(err, errlen, "%s: %s", path->data, msg[0] ? msg : mc_strerror(rc));
			goto out;
		}
		free(name);
		free(src);
		name = src = NULL;
	}
out:
	path->len = keep;
	if (path->data != NULL)
		path->data[keep] = '\0';
	if (dir != NULL)
		closedir(dir);
	free(name);
	free(src);
	return rc;
}

int tpl_set_load_dir(struct tpl_set *set, const char *dir, char *err, size_t errlen)
{
	struct buf path;
	int rc;

	buf_init(&path, NULL);
	if ((rc = buf_puts(&path, dir)) != 0)
		goto out;
	rc = load_tree(set, &path, path.len, 0, err, errlen);
out:
	buf_free(&path);
	return rc;
}

/* ---- rendering ---------------------------------------------------------------------------- */

/* One entry of the context stack; entries live in render_* frames on the C stack. */
struct ctx {
	const json_t *value;
	const struct ctx *up;
};

/* A parent being rendered: its blocks override those of the templates below it. */
struct frame {
	const struct tpl *tpl;
	uint32_t parent; /* index of the OP_PARENT op */
	const struct frame *up;
};

struct render {
	const struct tpl_set *set;
	struct buf *out;
	unsigned depth;   /* partials, parents and overrides being expanded */
	size_t expansions; /* ... and expanded so far */
	char *ind;        /* indentation stack: the current indentation is ind[base, len) */
	size_t base, len, cap;
	char ind_local[256];
};

static int render_ops(struct render *r, const struct tpl *t, uint32_t from, uint32_t to,
                      const struct ctx *cx, const struct frame *fr);

/*
 * Whether one more partial, parent or override may be expanded.  The depth cap stops a template
 * that includes itself; the budget stops one that includes itself twice, which the depth cap
 * alone would let run 2^depth times.
 */
static int may_expand(struct render *r, bool *ok)
{
	*ok = r->depth < LIMIT_TPL_DEPTH;
	if (*ok && ++r->expansions > LIMIT_TPL_EXPANSIONS)
		return MC_ETOOBIG;
	return 0;
}

static int ind_push(struct render *r, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (n > r->cap - r->len) {
		cap = r->cap * 2;
		while (cap - r->len < n)
			cap *= 2;
		if (r->ind == r->ind_local) {
			p = malloc(cap);
			if (p != NULL)
				memcpy(p, r->ind, r->len);
		} else {
			p = realloc(r->ind, cap);
		}
		if (p == NULL)
			return MC_ENOMEM;
		r->ind = p;
		r->cap = cap;
	}
	memcpy(r->ind + r->len, s, n);
	r->len += n;
	return 0;
}

static int put_indent(struct render *r)
{
	if (r->len == r->base)
		return 0;
	return buf_append(r->out, r->ind + r->base, r->len - r->base);
}

/* Template text: the indentation goes after every newline that more text follows. */
static int put_text(struct render *r, const char *s, size_t n)
{
	const char *end = s + n, *nl;

	if (r->len == r->base)
		return buf_append(r->out, s, n);
	while ((nl = memchr(s, '\n', (size_t)(end - s))) != NULL && nl + 1 < end) {
		if (buf_append(r->out, s, (size_t)(nl + 1 - s)) != 0 || put_indent(r) != 0)
			return MC_ENOMEM;
		s = nl + 1;
	}
	return buf_append(r->out, s, (size_t)(end - s));
}

/* A real in the shortest form that reads back the same (1.21, not 1.2099999999999999). */
static int put_real(struct buf *out, double d)
{
	char tmp[40];
	int prec, n = 0;

	for (prec = 1; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	return buf_append(out, tmp, (size_t)n);
}

/* An integer in decimal; snprintf would cost more than the rest of the tag. */
static int put_integer(struct buf *out, json_int_t v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	return buf_append(out, p, (size_t)(tmp + sizeof tmp - p));
}

static int put_value(struct buf *out, const json_t *v, bool escape)
{
	switch (v != NULL ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		if (escape)
			return buf_append_html(out, json_string_value(v), json_string_length(v));
		return buf_append(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return put_integer(out, json_integer_value(v));
	case JSON_REAL:
		return put_real(out, json_real_value(v));
	case JSON_TRUE:
		return buf_append(out, "true", 4);
	case JSON_FALSE:
		return buf_append(out, "false", 5);
	default:
		return 0; /* null, objects and lists print nothing */
	}
}

/*
 * Falsey: missing, false, null, the empty list and the empty string.  The spec leaves "" open;
 * treating it as falsey (as JavaScript's mustache does) lets a template write
 * {{#address}}...{{/address}} for an optional text that may be empty.  0 stays truthy.
 */
static bool truthy(const json_t *v)
{
	return v != NULL && !json_is_false(v) && !json_is_null(v) &&
	       !(json_is_array(v) && json_array_size(v) == 0) &&
	       !(json_is_string(v) && json_string_length(v) == 0);
}

/* Part 'key' of a dotted name, inside 'v': an object's member or a list's item (a.0.b). */
static const json_t *child(const json_t *v, const char *key, size_t len)
{
	size_t i = 0, k;

	if (json_is_object(v))
		return json_object_getn(v, key, len);
	if (!json_is_array(v) || len == 0 || len > 9)
		return NULL;
	for (k = 0; k < len; k++) {
		if (key[k] < '0' || key[k] > '9')
			return NULL;
		i = i * 10 + (size_t)(key[k] - '0');
	}
	return json_array_get(v, i);
}

/* Resolve the name of 'op' against the context stack, as the spec's name resolution says. */
static const json_t *lookup(const struct tpl *t, const struct op *op, const struct ctx *cx)
{
	const struct seg *seg;
	const json_t *v = NULL;
	uint32_t k;

	if (op->nseg == 0)
		return cx != NULL ? cx->value : NULL;
	seg = &t->segs[op->seg];
	for (; cx != NULL; cx = cx->up)
		if (json_is_object(cx->value) &&
		    (v = json_object_getn(cx->value, t->pool + seg->off, seg->len)) != NULL)
			break;
	for (k = 1; v != NULL && k < op->nseg; k++)
		v = child(v, t->pool + seg[k].off, seg[k].len);
	return v;
}

static bool has_children(uint8_t type)
{
	return type == OP_SECTION || type == OP_INVERTED || type == OP_PARENT || type == OP_BLOCK;
}

static int render_section(struct render *r, const struct tpl *t, uint32_t i,
                          const struct ctx *cx, const struct frame *fr)
{
	const struct op *op = &t->ops[i];
	const json_t *v = lookup(t, op, cx);
	struct ctx top = { v, cx };
	size_t k;
	int rc = 0;

	if (json_is_array(v)) {
		for (k = 0; k < json_array_size(v) && rc == 0; k++) {
			top.value = json_array_get(v, k);
			rc = render_ops(r, t, i + 1, op->end, &top, fr);
		}
	} else if (truthy(v)) {
		rc = render_ops(r, t, i + 1, op->end, &top, fr);
	}
	return rc;
}

/* {{>name}} and {{<name}}: render another template of the set in place. */
static int render_include(struct render *r, const struct tpl *t, const struct op *op,
                          const struct ctx *cx, const struct frame *fr)
{
	const struct tpl *p;
	size_t base = r->base, len = r->len;
	bool ok;
	int rc;

	if ((rc = may_expand(r, &ok)) != 0 || !ok)
		goto out; /* runaway recursion: stop descending */
	p = set_find(r->set, t->pool + op->off, op->hash);
	if (p == NULL)
		goto out; /* a missing partial renders as nothing */
	if (op->flags & F_STANDALONE)
		rc = ind_push(r, t->pool + op->ind_off, op->ind_len);
	else
		r->base = r->len; /* an inline partial's lines are not indented */
	if (rc == 0) {
		r->depth++;
		rc = render_ops(r, p, 0, p->nops, cx, fr);
		r->depth--;
	}
	r->base = base;
	r->len = len;
out:
	return rc;
}

/* {{$name}}: the outermost parent's argument of that name, or the default content. */
static int render_block(struct render *r, const struct tpl *t, uint32_t i, const struct ctx *cx,
                        const struct frame *fr)
{
	const struct op *op = &t->ops[i], *p, *b;
	const struct tpl *bt = t;
	const struct frame *f;
	uint32_t bi = i, k;
	size_t base = r->base, len = r->len;
	bool overridden = false, ok;
	int rc = 0;

	/* The outermost parent wins: the page overrides the layouts it inherits from. */
	for (f = fr; f != NULL; f = f->up) {
		p = &f->tpl->ops[f->parent];
		for (k = f->parent + 1; k < p->end;) {
			b = &f->tpl->ops[k];
			if (b->type == OP_BLOCK && b->hash == op->hash &&
			    strcmp(f->tpl->pool + b->off, t->pool + op->off) == 0) {
				bt = f->tpl;
				bi = k;
				overridden = true;
				break;
			}
			k = has_children(b->type) ? b->end : k + 1;
		}
	}
	if (overridden) {
		if ((rc = may_expand(r, &ok)) != 0 || !ok)
			goto out;
		r->depth++;
	}
	if (op->flags & F_STANDALONE) {
		rc = ind_push(r, t->pool + op->ind_off, op->ind_len);
		/* Inline content replacing a standalone block still starts its line. */
		if (rc == 0 && bi + 1 < bt->ops[bi].end && !(bt->ops[bi + 1].flags & F_BOL))
			rc = put_indent(r);
	}
	if (rc == 0)
		rc = render_ops(r, bt, bi + 1, bt->ops[bi].end, cx, fr);
	r->base = base;
	r->len = len;
	if (overridden)
		r->depth--;
out:
	return rc;
}

static int render_ops(struct render *r, const struct tpl *t, uint32_t from, uint32_t to,
                      const struct ctx *cx, const struct frame *fr)
{
	const struct op *op;
	struct frame parent;
	uint32_t i = from;
	int rc = 0;

	while (i < to && rc == 0) {
		op = &t->ops[i];
		if ((op->flags & F_BOL) && (rc = put_indent(r)) != 0)
			break;
		switch (op->type) {
		case OP_TEXT:
			rc = put_text(r, t->pool + op->off, op->len);
			break;
		case OP_VAR:
			rc = put_value(r->out, lookup(t, op, cx), true);
			break;
		case OP_RAW:
			rc = put_value(r->out, lookup(t, op, cx), false);
			break;
		case OP_SECTION:
			rc = render_section(r, t, i, cx, fr);
			break;
		case OP_INVERTED:
			if (!truthy(lookup(t, op, cx)))
				rc = render_ops(r, t, i + 1, op->end, cx, fr);
			break;
		case OP_PARTIAL:
			rc = render_include(r, t, op, cx, fr);
			break;
		case OP_PARENT:
			parent.tpl = t;
			parent.parent = i;
			parent.up = fr;
			rc = render_include(r, t, op, cx, &parent);
			break;
		case OP_BLOCK:
			rc = render_block(r, t, i, cx, fr);
			break;
		}
		i = has_children(op->type) ? op->end : i + 1;
	}
	return rc;
}

int tpl_render(const struct tpl_set *set, const char *name, const json_t *data, struct buf *out)
{
	const struct tpl *t;
	struct ctx top = { data, NULL };
	struct render r;
	int rc;

	t = set_find(set, name, hash_bytes(name, strlen(name)));
	if (t == NULL) {
		rc = MC_ENOTFOUND;
		goto out;
	}
	r.set = set;
	r.out = out;
	r.depth = 0;
	r.expansions = 0;
	r.ind = r.ind_local;
	r.base = 0;
	r.len = 0;
	r.cap = sizeof r.ind_local;
	rc = render_ops(&r, t, 0, t->nops, data != NULL ? &top : NULL, NULL);
	if (r.ind != r.ind_local)
		free(r.ind);
out:
	return rc;
}
