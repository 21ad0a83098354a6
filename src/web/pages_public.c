/* pages_public.c: public pages that need no account. */
#include "web/pages.h"

#include "domain/site.h"
#include "http/req.h"

int page_home(struct req *r)
{
	respond_page(r, 200, "home", json_object());
	return 0;
}

int page_healthz(struct req *r)
{
	int ok = site_health(r->db) == 0;

	respond_json(r, ok ? 200 : 503,
	             json_pack("{s:s, s:s}", "status", ok ? "ok" : "error", "database",
	                       ok ? "ok" : "unavailable"));
	return 0;
}
