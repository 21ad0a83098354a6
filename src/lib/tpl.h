/* tpl.h: our Mustache engine (https://github.com/mustache/spec, with ~inheritance). */
#ifndef MC_TPL_H
#define MC_TPL_H

#include <stddef.h>
#include <jansson.h>

#include "lib/buf.h"

/*
 * A set of named, compiled templates.  Partials ({{>name}}) and parents ({{<name}}) resolve to
 * other templates of the same set by name, at render time; a missing partial renders as nothing.
 * A set is built once at start-up and is then read-only, so any number of threads may render
 * from it at once (adding to a set while another thread renders from it is not allowed).
 */
struct tpl_set;

/* A new empty set, or NULL when memory runs out.  Free it with tpl_set_free. */
struct tpl_set *tpl_set_new(void);

/* Free the set and every template in it.  NULL is allowed. */
void tpl_set_free(struct tpl_set *set);

/*
 * Compile 'src' (len bytes, need not be NUL-terminated) and store it under 'name', replacing any
 * template of that name.  MC_EINVAL: a syntax error (unclosed tag or section, mismatched section
 * end, bad delimiter change, empty or malformed tag name, sections nested deeper than
 * LIMIT_TPL_NESTING), described in 'err' as "line N: ..." (at most errlen bytes; err may be
 * NULL); MC_ETOOBIG: 'src' is larger than LIMIT_TPL_BYTES; MC_ENOMEM.  On failure the set is
 * unchanged.  The set copies what it needs; 'src' may be freed afterwards.
 */
int tpl_set_add(struct tpl_set *set, const char *name, const char *src, size_t len, char *err,
                size_t errlen);

/*
 * Compile every '*.mustache' file under directory 'dir' (recursively, following symbolic links,
 * skipping names that start with '.').  A file 'dir/a/b.mustache' is named "a/b".  MC_EIO: a
 * directory or file could not be read; MC_EINVAL: a syntax error; MC_ETOOBIG: a file is larger
 * than LIMIT_TPL_BYTES; in each case 'err' names the file.  Templates loaded before the failure
 * stay in the set.
 */
int tpl_set_load_dir(struct tpl_set *set, const char *dir, char *err, size_t errlen);

/* Whether the set holds a template called 'name'. */
int tpl_exists(const struct tpl_set *set, const char *name);

/*
 * Render template 'name' with the context 'data' (a jansson value, usually an object; NULL is an
 * empty context) and append the output to 'out'.  {{x}} HTML-escapes (& < > " '); {{{x}}} and
 * {{&x}} do not.  Lookup follows the spec: dotted names, implicit iterator {{.}}, context stack;
 * a dotted part made of digits also indexes a list ({{rows.0.name}}).  Falsey: missing, false,
 * null, the empty list and the empty string (the spec leaves "" open); everything else, 0
 * included, is truthy.  Integers print without a decimal point, reals in the shortest form that reads
 * back the same (1.21), true/false as words, null, objects and lists as nothing.  Partials,
 * parents and block overrides nested deeper than LIMIT_TPL_DEPTH (a template including itself)
 * are not expanded; rendering goes on without them.  MC_ENOTFOUND: no template 'name';
 * MC_ETOOBIG: more than LIMIT_TPL_EXPANSIONS expansions in this render (a template including
 * itself more than once); MC_ENOMEM.  On an error 'out' may hold part of the output.
 */
int tpl_render(const struct tpl_set *set, const char *name, const json_t *data, struct buf *out);

#endif
