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
 * from it at once.
 */
struct tpl_set;

/* A new empty set, or NULL when memory runs out.  Free it with tpl_set_free. */
struct tpl_set *tpl_set_new(void);

/* Free the set and every template in it.  NULL is allowed. */
void tpl_set_free(struct tpl_set *set);

/*
 * Compile 'src' (len bytes, need not be NUL-terminated) and store it under 'name', replacing any
 * template of that name.  MC_EINVAL: a syntax error (unclosed tag or section, mismatched section
 * end, bad delimiter change), described in 'err' (at most errlen bytes, with the line number);
 * MC_ENOMEM.  The set copies what it needs; 'src' may be freed afterwards.
 */
int tpl_set_add(struct tpl_set *set, const char *name, const char *src, size_t len, char *err,
                size_t errlen);

/*
 * Compile every '*.mustache' file under directory 'dir' (recursively).  A file 'dir/a/b.mustache'
 * is named "a/b".  MC_EIO: a file could not be read; MC_EINVAL: a syntax error; in both cases
 * 'err' names the file.
 */
int tpl_set_load_dir(struct tpl_set *set, const char *dir, char *err, size_t errlen);

/* Whether the set holds a template called 'name'. */
int tpl_exists(const struct tpl_set *set, const char *name);

/*
 * Render template 'name' with the context 'data' (a jansson value; usually an object) and append
 * the output to 'out'.  {{x}} HTML-escapes (& < > " '); {{{x}}} and {{&x}} do not.  Lookup
 * follows the spec: dotted names, implicit iterator {{.}}, context stack; JSON false, null, ""
 * ... follow the spec's truthiness (false, null, empty list are falsey; 0 and "" are truthy per
 * the spec's JSON mapping where the spec says so).  Numbers print as the spec expects (integers
 * without a decimal point, reals in shortest form).  MC_ENOTFOUND: no template 'name';
 * MC_ENOMEM.
 */
int tpl_render(const struct tpl_set *set, const char *name, const json_t *data, struct buf *out);

#endif
