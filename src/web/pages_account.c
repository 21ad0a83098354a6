/* pages_account.c: registration, activation, login, logout, password reset and profile. */
#include "web/pages.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "domain/account.h"
#include "domain/ratelimit.h"
#include "domain/validate.h"
#include "domain/session.h"
#include "http/req.h"
#include "http/server.h"
#include "http/work.h"
#include "lib/err.h"
#include "web/view.h"

static const char *const registration_fields[] = {
	"account_type", "full_name", "email", "phone", "citizen_id", "birth_date", "address",
	"organization_name", "tax_code",
};

/* ---- form pages ---- */

static void one_error(struct field_errors *errs, const char *field_name, const char *message)
{
	field_errors_init(errs);
	field_errors_add(errs, field_name, message);
}

/* The typed values of 'names', with the checked account type. */
static json_t *kept_values(struct req *r, const char *const *names, size_t n)
{
	json_t *v = view_kept_values(r, names, n);

	json_object_set_new(v, "is_business",
	                    json_boolean(strcmp(view_field(r, "account_type"), "business") == 0));
	return v;
}

/* ---- registration ---- */

int page_register_form(struct req *r)
{
	json_t *values = json_pack("{s:b}", "is_business", 0);

	view_form_page(r, 200, "account/register", values, NULL, NULL);
	return 0;
}

struct hash_job {
	char password[512];
	char hash[PASSWORD_HASH_LEN];
	char current_hash[PASSWORD_HASH_LEN]; /* change of password: the stored hash */
	char current[512];                    /* ... and the password typed as current */
	int rc;
	int current_ok;
	struct registration_clean reg;
};

static void hash_job_free(void *p)
{
	sodium_memzero(p, sizeof(struct hash_job));
	free(p);
}

static void hash_work(void *p)
{
	struct hash_job *j = p;

	if (j->current_hash[0] != '\0')
		j->current_ok = account_verify_password(j->current_hash, j->current);
	if (j->current_hash[0] == '\0' || j->current_ok)
		j->rc = account_hash_password(j->password, j->hash);
}

static void register_done(struct req *r, void *p)
{
	struct hash_job *j = p;
	struct field_errors errs = { 0 };
	int64_t id;
	int rc = j->rc;

	if (rc == 0)
		rc = account_register(&r->app->accounts, r->db, &j->reg, j->hash, &id, &errs);
	if (rc == MC_ECONFLICT) {
		view_form_page(r, 422, "account/register",
		          kept_values(r, registration_fields, sizeof(registration_fields) / sizeof(registration_fields[0])),
		          &errs, NULL);
		return;
	}
	if (rc != 0) {
		respond_err(r, rc);
		return;
	}
	respond_redirect(r, 303, "/register/sent");
}

int page_register(struct req *r)
{
	struct registration in = {
		.account_type = view_field(r, "account_type"), .full_name = view_field(r, "full_name"),
		.email = view_field(r, "email"), .phone = view_field(r, "phone"),
		.citizen_id = view_field(r, "citizen_id"), .birth_date = view_field(r, "birth_date"),
		.address = view_field(r, "address"), .organization_name = view_field(r, "organization_name"),
		.tax_code = view_field(r, "tax_code"), .password = view_field(r, "password"),
		.password_confirm = view_field(r, "password_confirm"),
	};
	struct field_errors errs = { 0 };
	struct hash_job *j;
	char key[80];
	int rc;

	snprintf(key, sizeof(key), "ip:%s", req_client(r));
	rc = rate_check(r->db, &RATE_REGISTER, key, clock_now_ms(&r->app->clock));
	if (rc != 0)
		return rc;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return MC_ENOMEM;
	if (account_check_registration(&r->app->accounts, &in, &j->reg, &errs) != 0) {
		hash_job_free(j);
		view_form_page(r, 422, "account/register",
		          kept_values(r, registration_fields, sizeof(registration_fields) / sizeof(registration_fields[0])),
		          &errs, NULL);
		return 0;
	}
	/* Each valid submission costs an argon2id hash: count those against the address. */
	rc = rate_hit(r->db, &RATE_REGISTER, key, clock_now_ms(&r->app->clock));
	if (rc != 0) {
		hash_job_free(j);
		return rc;
	}
	snprintf(j->password, sizeof(j->password), "%s", in.password);
	rc = work_submit(r, hash_work, register_done, j, hash_job_free);
	if (rc != 0)
		hash_job_free(j);
	return rc;
}

int page_register_sent(struct req *r)
{
	respond_page(r, 200, "account/register_sent", json_object());
	return 0;
}

/* ---- links from e-mails ---- */

static const char *const outcome_names[] = { "ok", "invalid", "used", "expired" };

static void token_page(struct req *r, const char *tpl, enum token_outcome o)
{
	json_t *data = json_object();

	json_object_set_new(data, outcome_names[o], json_true());
	respond_page(r, o == TOKEN_OK ? 200 : o == TOKEN_INVALID ? 404 : 410, tpl, data);
}

int page_activate(struct req *r)
{
	enum token_outcome o;
	int rc = account_activate(&r->app->accounts, r->db, view_query(r, "token"), &o);

	if (rc != 0)
		return rc;
	token_page(r, "account/activate", o);
	return 0;
}

int page_resend_form(struct req *r)
{
	view_form_page(r, 200, "account/resend", json_object(), NULL, NULL);
	return 0;
}

/* Requests that send mail (resend, reset) count against the client's address too: 429 when
 * it asks too often, whatever the address typed (so the answer reveals nothing). */
static int mail_request_allowed(struct req *r)
{
	char key[80];

	snprintf(key, sizeof(key), "ip:%s", req_client(r));
	return rate_hit(r->db, &RATE_MAIL_ADDRESS, key, clock_now_ms(&r->app->clock));
}

int page_resend(struct req *r)
{
	int rc = mail_request_allowed(r);

	if (rc == 0)
		rc = account_resend_activation(&r->app->accounts, r->db, view_field(r, "email"));

	if (rc != 0)
		return rc;
	view_form_page(r, 200, "account/resend", json_object(), NULL, json_pack("{s:b}", "sent", 1));
	return 0;
}

int page_email_confirm(struct req *r)
{
	enum token_outcome o;
	int rc = account_confirm_email(&r->app->accounts, r->db, view_query(r, "token"), &o);

	if (rc != 0)
		return rc;
	token_page(r, "account/email_confirm", o);
	return 0;
}

/* ---- login and logout ---- */

int page_login_form(struct req *r)
{
	if (r->actor.role != ROLE_ANONYMOUS) {
		respond_redirect(r, 303, actor_home(&r->actor));
		return 0;
	}
	view_form_page(r, 200, "account/login", json_object(), NULL, NULL);
	return 0;
}

struct login_job {
	struct login_attempt attempt;
	char password[512];
	int verified;
};

static void login_job_free(void *p)
{
	sodium_memzero(p, sizeof(struct login_job));
	free(p);
}

static void login_work(void *p)
{
	struct login_job *j = p;

	j->verified = account_verify_password(j->attempt.hash, j->password);
}

static void login_refused(struct req *r, int status, const char *message, int inactive)
{
	struct field_errors errs;
	json_t *values = json_pack("{s:s}", "email", view_field(r, "email"));

	one_error(&errs, "email", message);
	view_form_page(r, status, "account/login", values, &errs,
	          json_pack("{s:b}", "inactive", inactive));
}

static void login_done(struct req *r, void *p)
{
	struct login_job *j = p;
	enum login_outcome o = LOGIN_BAD;
	char cookie[TOKEN_LEN + 1];
	int rc = account_login_finish(&r->app->accounts, r->db, &j->attempt, j->verified, req_client(r),
	                              &o, cookie);

	if (rc != 0) {
		respond_err(r, rc);
		return;
	}
	switch (o) {
	case LOGIN_OK:
		/* A new session id at every login; the old cookie, if any, is simply replaced. */
		if (r->actor.role != ROLE_ANONYMOUS)
			session_delete(r->db, r->actor.session_hash);
		respond_cookie(r, COOKIE_SESSION, cookie, -1);
		{
			struct actor who;
			const char *home = "/";
			if (session_lookup(r->db, cookie, clock_now_ms(r->app->accounts.clock), &who) == 0)
				home = actor_home(&who);
			respond_redirect(r, 303, home);
		}
		return;
	case LOGIN_INACTIVE:
		login_refused(r, 403,
		              "Tài khoản chưa được kích hoạt. Vui lòng mở thư kích hoạt đã gửi đến hộp thư của bạn, hoặc yêu cầu gửi lại thư kích hoạt.",
		              1);
		return;
	case LOGIN_BAD:
		login_refused(r, 422, "Thư điện tử hoặc mật khẩu không đúng.", 0);
		return;
	}
}

int page_login(struct req *r)
{
	struct login_job *j;
	int rc;

	rc = account_login_allowed(&r->app->accounts, r->db, view_field(r, "email"), req_client(r));
	if (rc == MC_ELIMIT) {
		login_refused(r, 429,
		              "Bạn đã nhập sai thông tin đăng nhập quá nhiều lần. Để bảo vệ tài khoản, vui lòng thử lại sau 15 phút.",
		              0);
		return 0;
	}
	if (rc != 0)
		return rc;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return MC_ENOMEM;
	if ((rc = account_login_begin(r->db, view_field(r, "email"), &j->attempt)) != 0) {
		login_job_free(j);
		return rc;
	}
	snprintf(j->password, sizeof(j->password), "%s", view_field(r, "password"));
	rc = work_submit(r, login_work, login_done, j, login_job_free);
	if (rc != 0)
		login_job_free(j);
	return rc;
}

int page_logout(struct req *r)
{
	int rc = session_delete(r->db, r->actor.session_hash);

	if (rc != 0)
		return rc;
	respond_cookie(r, COOKIE_SESSION, "", 0);
	respond_redirect(r, 303, "/");
	return 0;
}

/* ---- password reset ---- */

int page_forgot_form(struct req *r)
{
	view_form_page(r, 200, "account/forgot", json_object(), NULL, NULL);
	return 0;
}

int page_forgot(struct req *r)
{
	int rc = mail_request_allowed(r);

	if (rc == 0)
		rc = account_request_reset(&r->app->accounts, r->db, view_field(r, "email"));

	if (rc != 0)
		return rc;
	view_form_page(r, 200, "account/forgot", json_object(), NULL, json_pack("{s:b}", "sent", 1));
	return 0;
}

static void reset_form(struct req *r, int status, const char *token, const struct field_errors *errs)
{
	view_form_page(r, status, "account/reset", json_object(), errs, json_pack("{s:s}", "token", token));
}

int page_reset_form(struct req *r)
{
	enum token_outcome o;
	char email[256], phone[11];
	const char *token = view_query(r, "token");
	int rc = account_reset_lookup(&r->app->accounts, r->db, token, &o, email, phone);

	if (rc != 0)
		return rc;
	if (o != TOKEN_OK) {
		token_page(r, "account/reset_link", o);
		return 0;
	}
	reset_form(r, 200, token, NULL);
	return 0;
}

static void reset_done(struct req *r, void *p)
{
	struct hash_job *j = p;
	enum token_outcome o;
	int rc = j->rc;

	if (rc == 0)
		rc = account_reset_password(&r->app->accounts, r->db, view_field(r, "token"), j->hash, &o);
	if (rc != 0) {
		respond_err(r, rc);
		return;
	}
	if (o != TOKEN_OK) {
		token_page(r, "account/reset_link", o);
		return;
	}
	respond_cookie(r, COOKIE_SESSION, "", 0);
	respond_page(r, 200, "account/reset_done", json_object());
}

int page_reset(struct req *r)
{
	enum token_outcome o;
	char email[256], phone[11];
	const char *token = view_field(r, "token"), *msg;
	struct field_errors errs;
	struct hash_job *j;
	int rc, which = 0;

	rc = account_reset_lookup(&r->app->accounts, r->db, token, &o, email, phone);
	if (rc != 0)
		return rc;
	if (o != TOKEN_OK) {
		token_page(r, "account/reset_link", o);
		return 0;
	}
	if (validate_password(view_field(r, "password"), view_field(r, "password_confirm"), email, phone,
	                      r->app->accounts.passwords, &msg, &which) != 0) {
		one_error(&errs, which ? "password_confirm" : "password", msg);
		reset_form(r, 422, token, &errs);
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return MC_ENOMEM;
	snprintf(j->password, sizeof(j->password), "%s", view_field(r, "password"));
	rc = work_submit(r, hash_work, reset_done, j, hash_job_free);
	if (rc != 0)
		hash_job_free(j);
	return rc;
}

/* ---- profile ---- */

static json_t *view_json(const struct account_view *v)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "account_type",
	                 v->account_type, "full_name", v->full_name, "email", v->email, "phone",
	                 v->phone, "citizen_id", v->citizen_id, "birth_date", v->birth_date, "address",
	                 v->address, "organization_name", v->organization_name, "tax_code",
	                 v->tax_code, "is_business", strcmp(v->account_type, "business") == 0,
	                 "pending_email", v->pending_email);
}

/* The profile page, with 'values' in the contact form and 'errs' (both may be NULL). */
static int profile_page(struct req *r, int status, json_t *values, const struct field_errors *errs)
{
	struct account_view v;
	json_t *extra;
	int rc = account_get(r->db, &r->actor, &v);

	if (rc != 0) {
		json_decref(values);
		return rc;
	}
	extra = json_pack("{s:o}", "account", view_json(&v));
	json_object_set_new(extra, view_query(r, "saved")[0] ? "saved" : "not_saved", json_true());
	json_object_set_new(extra, "saved_contact", json_boolean(strcmp(view_query(r, "saved"), "contact") == 0));
	json_object_set_new(extra, "saved_password", json_boolean(strcmp(view_query(r, "saved"), "password") == 0));
	json_object_set_new(extra, "saved_email", json_boolean(strcmp(view_query(r, "saved"), "email") == 0));
	if (values == NULL)
		values = json_pack("{s:s, s:s}", "phone", v.phone, "address", v.address);
	view_form_page(r, status, "account/profile", values, errs, extra);
	return 0;
}

int page_profile(struct req *r)
{
	return profile_page(r, 200, NULL, NULL);
}

int page_profile_contact(struct req *r)
{
	static const char *const names[] = { "phone", "address" };
	struct field_errors errs = { 0 };
	int rc = account_update_contact(&r->app->accounts, r->db, &r->actor, view_field(r, "phone"),
	                                view_field(r, "address"), &errs);

	if (rc == MC_EINVAL)
		return profile_page(r, 422, kept_values(r, names, 2), &errs);
	if (rc != 0)
		return rc;
	respond_redirect(r, 303, "/profile?saved=contact");
	return 0;
}

static void password_done(struct req *r, void *p)
{
	struct hash_job *j = p;
	struct field_errors errs;
	char cookie[TOKEN_LEN + 1];
	int rc;

	if (!j->current_ok) {
		one_error(&errs, "current_password", "Mật khẩu hiện tại không đúng.");
		if (profile_page(r, 422, NULL, &errs) != 0)
			respond_error(r, 500);
		return;
	}
	rc = j->rc;
	if (rc == 0)
		rc = account_change_password(&r->app->accounts, r->db, &r->actor, j->hash, cookie);
	if (rc != 0) {
		respond_err(r, rc);
		return;
	}
	respond_cookie(r, COOKIE_SESSION, cookie, -1);
	respond_redirect(r, 303, "/profile?saved=password");
}

int page_profile_password(struct req *r)
{
	struct field_errors errs = { 0 };
	struct hash_job *j;
	int rc = account_check_new_password(&r->app->accounts, r->db, &r->actor, view_field(r, "password"),
	                                    view_field(r, "password_confirm"), &errs);

	if (rc == MC_EINVAL)
		return profile_page(r, 422, NULL, &errs);
	if (rc != 0)
		return rc;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return MC_ENOMEM;
	if ((rc = account_password_hash(r->db, &r->actor, j->current_hash)) != 0) {
		hash_job_free(j);
		return rc;
	}
	snprintf(j->current, sizeof(j->current), "%s", view_field(r, "current_password"));
	snprintf(j->password, sizeof(j->password), "%s", view_field(r, "password"));
	rc = work_submit(r, hash_work, password_done, j, hash_job_free);
	if (rc != 0)
		hash_job_free(j);
	return rc;
}

int page_profile_email(struct req *r)
{
	struct field_errors errs = { 0 };
	int rc = account_request_email_change(&r->app->accounts, r->db, &r->actor, view_field(r, "email"),
	                                      &errs);

	if (rc == MC_EINVAL || rc == MC_ECONFLICT)
		return profile_page(r, 422, NULL, &errs);
	if (rc != 0)
		return rc;
	respond_redirect(r, 303, "/profile?saved=email");
	return 0;
}
