/* routes.c: every URL in one table, each row naming its handler and who may call it. */
#include "web/pages.h"

#include "http/static.h"
#include "limit.h"

/* Account forms are small: 64 KiB is far more than any of them needs. */
#define FORM (64u * 1024)

const struct route web_routes[] = {
	{ "GET", "/", page_home, WHO_ANYONE, 0, 0 },
	{ "GET", "/healthz", page_healthz, WHO_ANYONE, 0, 0 },
	{ "GET", "/static/{path*}", static_serve, WHO_ANYONE, 0, 0 },

	{ "GET", "/register", page_register_form, WHO_ANYONE, 0, 0 },
	{ "POST", "/register", page_register, WHO_ANYONE, FORM, 0 },
	{ "GET", "/register/sent", page_register_sent, WHO_ANYONE, 0, 0 },
	{ "GET", "/activate", page_activate, WHO_ANYONE, 0, 0 },
	{ "GET", "/activate/resend", page_resend_form, WHO_ANYONE, 0, 0 },
	{ "POST", "/activate/resend", page_resend, WHO_ANYONE, FORM, 0 },
	{ "GET", "/login", page_login_form, WHO_ANYONE, 0, 0 },
	{ "POST", "/login", page_login, WHO_ANYONE, FORM, 0 },
	{ "POST", "/logout", page_logout, WHO_CITIZEN, FORM, 0 },
	{ "GET", "/password/forgot", page_forgot_form, WHO_ANYONE, 0, 0 },
	{ "POST", "/password/forgot", page_forgot, WHO_ANYONE, FORM, 0 },
	{ "GET", "/password/reset", page_reset_form, WHO_ANYONE, 0, 0 },
	{ "POST", "/password/reset", page_reset, WHO_ANYONE, FORM, 0 },
	{ "GET", "/email/confirm", page_email_confirm, WHO_ANYONE, 0, 0 },
	{ "GET", "/profile", page_profile, WHO_CITIZEN, 0, 0 },
	{ "POST", "/profile", page_profile_contact, WHO_CITIZEN, FORM, 0 },
	{ "GET", "/profile/password", page_profile, WHO_CITIZEN, 0, 0 },
	{ "POST", "/profile/password", page_profile_password, WHO_CITIZEN, FORM, 0 },
	{ "GET", "/profile/email", page_profile, WHO_CITIZEN, 0, 0 },
	{ "POST", "/profile/email", page_profile_email, WHO_CITIZEN, FORM, 0 },
};

const size_t web_routes_count = sizeof(web_routes) / sizeof(web_routes[0]);
