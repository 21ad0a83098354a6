/* compose.c: rendering an email's subject, text and HTML from templates. */
#include "mail/compose.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/tpl.h"

#define COMPOSE_NAME_MAX 64

static int name_valid(const char *name)
{
	size_t n, i;

	if (name == NULL)
		return 0;
	n = strlen(name);
	if (n == 0 || n > COMPOSE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_'))
			return 0;
	return 1;
}

/* Render "mail/<name>_<part>" into a heap string (*out, never NULL on success). */
static int render(const struct tpl_set *t, const char *name, const char *part,
                  const json_t *data, char **out)
{
	char tname[COMPOSE_NAME_MAX + 32];
	struct buf b;
	int rc;

	*out = NULL;
	buf_init(&b, NULL);
	snprintf(tname, sizeof tname, "mail/%s_%s", name, part);
	rc = tpl_render(t, tname, data, &b);
	if (rc == 0)
		rc = buf_reserve(&b, 0); /* data is allocated even for empty output */
	if (rc != 0) {
		buf_free(&b);
		return rc;
	}
	*out = b.data;
	return 0;
}

/* Collapse every run of white space (line breaks included) to one space and trim, in place. */
static void one_line(char *s)
{
	char *r = s, *w = s;
	int space = 0;

	for (; *r != '\0'; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n' || *r == '\v' || *r == '\f') {
			space = 1;
			continue;
		}
		if (space && w != s)
			*w++ = ' ';
		space = 0;
		*w++ = *r;
	}
	*w = '\0';
}

int mail_compose(const struct tpl_set *t, const char *name, const json_t *data,
                 struct mail_content *out)
{
	struct mail_content c = { NULL, NULL, NULL };
	int rc;

	if (!name_valid(name)) {
		rc = MC_EINVAL;
		goto out;
	}
	rc = render(t, name, "subject", data, &c.subject);
	if (rc == 0)
		rc = render(t, name, "text", data, &c.text);
	if (rc == 0)
		rc = render(t, name, "html", data, &c.html);
	if (rc != 0)
		goto out;
	one_line(c.subject);
	*out = c;
	c.subject = c.text = c.html = NULL;
out:
	mail_content_free(&c);
	return rc;
}

void mail_content_free(struct mail_content *c)
{
	if (c == NULL)
		return;
	free(c->subject);
	free(c->text);
	free(c->html);
	c->subject = c->text = c->html = NULL;
}
