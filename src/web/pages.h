/* pages.h: the route table and the page handlers. */
#ifndef MC_PAGES_H
#define MC_PAGES_H

#include <stddef.h>

#include "http/router.h"

/* The one route table: every URL the portal answers. */
extern const struct route web_routes[];
extern const size_t web_routes_count;

/* pages_public.c */
int page_home(struct req *r);
int page_healthz(struct req *r);

#endif
