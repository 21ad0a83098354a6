/* compose.h: the text of an email, rendered from templates/mail/. */
#ifndef MC_COMPOSE_H
#define MC_COMPOSE_H

#include <jansson.h>

struct tpl_set;

/* A rendered message.  Every string is heap memory owned by the struct (mail_content_free). */
struct mail_content {
	char *subject; /* one line, trimmed */
	char *text;    /* the text/plain body */
	char *html;    /* the text/html body */
};

/*
 * Render message 'name' ("activate", "reset" ...) with 'data' from the templates
 * "mail/<name>_subject", "mail/<name>_text" and "mail/<name>_html" of 't' (the HTML one usually
 * extends "mail/layout_html").  The subject's line breaks and runs of white space become single
 * spaces and it is trimmed, so it is always one line.  The text and subject templates should
 * use {{{x}}}: {{x}} escapes for HTML.  'out' is filled only on success; free it with
 * mail_content_free.  MC_EINVAL: 'name' is not 1 to 64 of [a-z0-9_]; MC_ENOTFOUND: one of the
 * three templates is missing; MC_ETOOBIG, MC_ENOMEM: as tpl_render.
 */
int mail_compose(const struct tpl_set *t, const char *name, const json_t *data,
                 struct mail_content *out);

/* Free the strings of 'c' and set them to NULL.  NULL and an empty struct are allowed. */
void mail_content_free(struct mail_content *c);

#endif
