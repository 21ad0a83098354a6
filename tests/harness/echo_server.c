/* echo_server.c: the real motcua server plus two routes that answer, as JSON, what the form
 * parsers decoded.  Used only by the HTTP tests (tests/integration/test_forms.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cfg.h"
#include "http/req.h"
#include "limit.h"
#include "web/pages.h"

static int echo(struct req *r)
{
	const struct form *f;
	json_t *fields = json_array(), *files = json_array();
	int rc = req_form(r, &f);

	if (rc != 0)
		return rc;
	for (size_t i = 0; i < f->count; i++)
		json_array_append_new(fields, json_pack("[s, s#]", f->fields[i].name, f->fields[i].value,
		                                        (int)f->fields[i].value_len));
	if (r->multipart != NULL)
		for (size_t i = 0; i < r->multipart->count; i++) {
			const struct multipart_part *p = &r->multipart->parts[i];
			if (p->filename == NULL)
				continue;
			json_array_append_new(files, json_pack("{s:s, s:s, s:s, s:I}", "name", p->name,
			                                       "filename", p->filename, "type",
			                                       p->content_type, "size", (json_int_t)p->len));
		}
	respond_json(r, 200, json_pack("{s:o, s:o}", "fields", fields, "files", files));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct route extra[] = {
		{ "POST", "/echo/form", echo, WHO_ANYONE, LIMIT_FORM_BODY_BYTES, ROUTE_NO_CSRF },
		{ "POST", "/echo/upload", echo, WHO_ANYONE, LIMIT_BODY_BYTES, ROUTE_NO_CSRF },
	};
	struct route *routes;
	size_t n = web_routes_count + sizeof(extra) / sizeof(extra[0]);
	struct cfg c;
	const char *words[2];
	size_t nwords;
	int help, status;

	if (cfg_load(&c, argc - 1, argv + 1, words, 2, &nwords, &help, stderr) != 0)
		return 2;
	routes = malloc(n * sizeof(*routes));
	if (routes == NULL)
		return 1;
	memcpy(routes, web_routes, web_routes_count * sizeof(*routes));
	memcpy(routes + web_routes_count, extra, sizeof(extra));
	status = app_serve(&c, routes, n);
	free(routes);
	return status;
}
