/* routes.c: every URL in one table, each row naming its handler and who may call it. */
#include "web/pages.h"

#include "http/static.h"

const struct route web_routes[] = {
	{ "GET", "/", page_home, WHO_ANYONE, 0 },
	{ "GET", "/healthz", page_healthz, WHO_ANYONE, 0 },
	{ "GET", "/static/{path*}", static_serve, WHO_ANYONE, 0 },
};

const size_t web_routes_count = sizeof(web_routes) / sizeof(web_routes[0]);
