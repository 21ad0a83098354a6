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

/* pages_account.c */
int page_register_form(struct req *r);
int page_register(struct req *r);
int page_register_sent(struct req *r);
int page_activate(struct req *r);
int page_resend_form(struct req *r);
int page_resend(struct req *r);
int page_email_confirm(struct req *r);
int page_login_form(struct req *r);
int page_login(struct req *r);
int page_logout(struct req *r);
int page_forgot_form(struct req *r);
int page_forgot(struct req *r);
int page_reset_form(struct req *r);
int page_reset(struct req *r);
int page_profile(struct req *r);
int page_profile_contact(struct req *r);
int page_profile_password(struct req *r);
int page_profile_email(struct req *r);

#endif
