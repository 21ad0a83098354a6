/* account.c: the rules of citizen and business accounts. */
#include "domain/account.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/ratelimit.h"
#include "domain/session.h"
#include "domain/validate.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/tpl.h"
#include "mail/compose.h"
#include "mail/outbox.h"
#include "store/db.h"

/* Vietnam is UTC+7 all year: "today" for birth dates is the local date. */
#define VN_OFFSET_MS (7LL * 60 * 60 * 1000)

/*
 * argon2id cost: 19 MiB, 2 passes, 1 lane (OWASP's recommended minimum).  With libsodium's
 * "interactive" 64 MiB, 20 logins at once kept the process busy mapping and unmapping memory and
 * pages on other connections waited up to 60 ms; with 19 MiB they stay under 30 ms.
 */
#define ACCOUNT_HASH_MEMLIMIT (19u * 1024 * 1024)

/* Lengths in characters (code points). */
#define NAME_MAX_CHARS 100
#define ADDRESS_MAX_CHARS 300
#define ORGANIZATION_MAX_CHARS 200

static char dummy_hash[PASSWORD_HASH_LEN];

/* Copy 's' without leading and trailing white space into dst.  0, or MC_ETOOBIG. */
static int trim_copy(const char *s, char *dst, size_t cap)
{
	size_t len;

	if (s == NULL)
		s = "";
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
	                   s[len - 1] == '\n'))
		len--;
	if (len >= cap)
		return MC_ETOOBIG;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* Trim 's' into dst and check it as text of min..max characters; the error goes to 'field'. */
static void text_field(const char *s, char *dst, size_t cap, size_t min, size_t max,
                       const char *field, struct field_errors *errs)
{
	const char *msg;

	if (trim_copy(s, dst, cap) != 0) {
		dst[0] = '\0';
		field_errors_add(errs, field, "Nội dung quá dài.");
		return;
	}
	if (validate_text(dst, min, max, &msg) != 0)
		field_errors_add(errs, field, msg);
}

/* The registration form's fields, top to bottom: the error summary lists them in this order. */
static const char *const registration_order[] = {
	"account_type", "full_name", "email", "phone", "citizen_id", "birth_date", "address",
	"organization_name", "tax_code", "password", "password_confirm",
};

static size_t order_of(const char *field, const char *const *order, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(order[i], field) == 0)
			return i;
	return n;
}

/* Put the errors in the order the fields appear on the page (a stable insertion sort). */
static void sort_errors(struct field_errors *errs, const char *const *order, size_t n)
{
	for (size_t i = 1; i < errs->count; i++) {
		struct field_error e = errs->items[i];
		size_t k = order_of(e.field, order, n), j = i;
		while (j > 0 && order_of(errs->items[j - 1].field, order, n) > k) {
			errs->items[j] = errs->items[j - 1];
			j--;
		}
		errs->items[j] = e;
	}
}

static void today(const struct account_env *env, int *y, int *m, int *d)
{
	time_t t = (time_t)((clock_now_ms(env->clock) + VN_OFFSET_MS) / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

int account_check_registration(const struct account_env *env, const struct registration *in,
                               struct registration_clean *c, struct field_errors *errs)
{
	struct civil_date birth;
	const char *msg;
	char raw[256];
	int y, m, d, birth_ok = 0, which = 0;

	memset(c, 0, sizeof(*c));
	field_errors_init(errs);

	if (in->account_type != NULL && (strcmp(in->account_type, "citizen") == 0 ||
	                                 strcmp(in->account_type, "business") == 0))
		snprintf(c->account_type, sizeof(c->account_type), "%s", in->account_type);
	else
		field_errors_add(errs, "account_type", "Vui lòng chọn loại tài khoản: công dân hoặc doanh nghiệp.");

	text_field(in->full_name, c->full_name, sizeof(c->full_name), 1, NAME_MAX_CHARS, "full_name",
	           errs);

	if (trim_copy(in->email, raw, sizeof(raw)) != 0)
		field_errors_add(errs, "email", "Địa chỉ thư điện tử quá dài.");
	else if (validate_email(raw, c->email_key, sizeof(c->email_key), &msg) != 0)
		field_errors_add(errs, "email", msg);
	else
		snprintf(c->email, sizeof(c->email), "%s", raw);

	if (trim_copy(in->phone, raw, sizeof(raw)) != 0)
		field_errors_add(errs, "phone", "Số điện thoại quá dài.");
	else if (validate_phone(raw, c->phone, &msg) != 0)
		field_errors_add(errs, "phone", msg);

	today(env, &y, &m, &d);
	if (trim_copy(in->birth_date, c->birth_date, sizeof(c->birth_date)) != 0)
		field_errors_add(errs, "birth_date", "Ngày sinh phải theo dạng năm-tháng-ngày, ví dụ 1990-05-21.");
	else if (validate_birth_date(c->birth_date, y, m, d, &birth, &msg) != 0)
		field_errors_add(errs, "birth_date", msg);
	else
		birth_ok = 1;

	if (trim_copy(in->citizen_id, c->citizen_id, sizeof(c->citizen_id)) != 0)
		field_errors_add(errs, "citizen_id", "Số định danh cá nhân gồm đúng 12 chữ số.");
	else if (validate_citizen_id(c->citizen_id, birth_ok ? &birth : NULL, &msg) != 0)
		field_errors_add(errs, "citizen_id", msg);

	text_field(in->address, c->address, sizeof(c->address), 1, ADDRESS_MAX_CHARS, "address",
	           errs);

	if (strcmp(c->account_type, "business") == 0) {
		text_field(in->organization_name, c->organization_name, sizeof(c->organization_name), 1,
		           ORGANIZATION_MAX_CHARS, "organization_name", errs);
		if (trim_copy(in->tax_code, c->tax_code, sizeof(c->tax_code)) != 0)
			field_errors_add(errs, "tax_code", "Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số.");
		else if (validate_tax_code(c->tax_code, &msg) != 0)
			field_errors_add(errs, "tax_code", msg);
	}

	if (validate_password(in->password ? in->password : "",
	                      in->password_confirm ? in->password_confirm : "", c->email,
	                      c->phone, env->passwords, &msg, &which) != 0)
		field_errors_add(errs, which ? "password_confirm" : "password", msg);

	sort_errors(errs, registration_order,
	            sizeof(registration_order) / sizeof(registration_order[0]));
	return errs->count ? MC_EINVAL : 0;
}

int account_hash_password(const char *password, char out[PASSWORD_HASH_LEN])
{
	if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                          ACCOUNT_HASH_MEMLIMIT,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		return MC_ENOMEM;
	return 0;
}

int account_verify_password(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int account_init_dummy_hash(void)
{
	char pw[TOKEN_LEN + 1];

	token_new(pw);
	return account_hash_password(pw, dummy_hash);
}

/* ---- tokens and mail ---- */

static const char *now_text(const struct account_env *env, char buf[32])
{
	return clock_iso8601(clock_now_ms(env->clock), buf, 32);
}

/* Create a token for 'purpose'; the token itself goes to 'token' (for the link). */
static int issue_token(const struct account_env *env, struct db *db, int64_t account_id,
                       const char *purpose, const char *new_email, char token[TOKEN_LEN + 1])
{
	char hash[TOKEN_HASH_LEN + 1], now[32], expires[32];
	struct db_stmt *st;
	int rc;

	token_new(token);
	token_hash(token, hash);
	now_text(env, now);
	clock_iso8601(clock_now_ms(env->clock) + TOKEN_VALID_MS, expires, sizeof(expires));
	rc = db_prepare(db,
	                "INSERT INTO account_tokens (account_id, purpose, token_hash, new_email, "
	                "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, account_id)) != 0 || (rc = db_bind_cstr(st, 2, purpose)) != 0 ||
	    (rc = db_bind_cstr(st, 3, hash)) != 0 || (rc = db_bind_cstr(st, 4, new_email)) != 0 ||
	    (rc = db_bind_cstr(st, 5, now)) != 0 || (rc = db_bind_cstr(st, 6, expires)) != 0)
		return rc;
	rc = db_step(st);
	return rc < 0 ? rc : 0;
}

/* Render mail 'name' with 'data' (reference taken) and put it in the outbox (inside the caller's
 * transaction). */
static int queue_mail(const struct account_env *env, struct db *db, const char *to,
                      const char *name, json_t *data)
{
	struct mail_content mc;
	int64_t id;
	int rc;

	json_object_set_new(data, "portal_name", json_string(env->portal_name));
	rc = mail_compose(env->templates, name, data, &mc);
	json_decref(data);
	if (rc != 0)
		return rc;
	rc = outbox_enqueue(db, to, mc.subject, mc.text, mc.html, env->mail_domain,
	                    clock_now_ms(env->clock), &id);
	mail_content_free(&mc);
	return rc;
}

static void mail_wake(const struct account_env *env)
{
	if (env->mail_queued != NULL)
		env->mail_queued(env->mail_ctx);
}

static json_t *link_data(const struct account_env *env, const char *full_name, const char *path,
                         const char *token)
{
	char link[1024];

	snprintf(link, sizeof(link), "%s%s?token=%s", env->base_url, path, token);
	return json_pack("{s:s, s:s, s:i}", "full_name", full_name, "link", link, "hours", 24);
}

/*
 * Find token 'token' for 'purpose' and, when it is live, mark it used.  *outcome tells; on
 * TOKEN_OK *account_id is set and new_email (if not NULL) receives the token's new address.
 * Runs inside the caller's transaction.
 */
static int use_token(const struct account_env *env, struct db *db, const char *token,
                     const char *purpose, enum token_outcome *outcome, int64_t *account_id,
                     char new_email[256], int mark_used)
{
	char hash[TOKEN_HASH_LEN + 1], now[32];
	struct db_stmt *st;
	int64_t id;
	int rc, used, expired;

	*outcome = TOKEN_INVALID;
	if (token == NULL || !token_valid_shape(token))
		return 0;
	token_hash(token, hash);
	now_text(env, now);
	rc = db_prepare(db,
	                "SELECT id, account_id, used_at IS NOT NULL, expires_at <= ?, new_email "
	                "FROM account_tokens WHERE token_hash = ? AND purpose = ?",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, now)) != 0 || (rc = db_bind_cstr(st, 2, hash)) != 0 ||
	    (rc = db_bind_cstr(st, 3, purpose)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return 0;
	id = db_col_int64(st, 0);
	*account_id = db_col_int64(st, 1);
	used = (int)db_col_int64(st, 2);
	expired = (int)db_col_int64(st, 3);
	if (new_email != NULL)
		db_col_copy(st, 4, new_email, 256);
	db_reset(st);
	if (used) {
		*outcome = TOKEN_USED;
		return 0;
	}
	if (expired) {
		*outcome = TOKEN_EXPIRED;
		return 0;
	}
	if (mark_used) {
		rc = db_prepare(db, "UPDATE account_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL",
		                &st);
		if (rc == 0 && (rc = db_bind_cstr(st, 1, now)) == 0 && (rc = db_bind_int64(st, 2, id)) == 0)
			rc = db_step(st);
		if (rc < 0)
			return rc;
		if (db_changes(db) != 1) {
			*outcome = TOKEN_USED; /* another request used it first */
			return 0;
		}
	}
	*outcome = TOKEN_OK;
	return 0;
}

/* ---- registration and activation ---- */

static int insert_account(const struct account_env *env, struct db *db,
                          const struct registration_clean *r, const char *hash,
                          const char *status, int64_t *id)
{
	char now[32];
	struct db_stmt *st;
	int rc;
	int business = strcmp(r->account_type, "business") == 0;

	now_text(env, now);
	rc = db_prepare(db,
	                "INSERT INTO accounts (account_type, full_name, email, email_key, phone, "
	                "citizen_id, birth_date, address, organization_name, tax_code, password_hash, "
	                "status, created_at, activated_at, updated_at) "
	                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, r->account_type)) != 0 ||
	    (rc = db_bind_cstr(st, 2, r->full_name)) != 0 || (rc = db_bind_cstr(st, 3, r->email)) != 0 ||
	    (rc = db_bind_cstr(st, 4, r->email_key)) != 0 || (rc = db_bind_cstr(st, 5, r->phone)) != 0 ||
	    (rc = db_bind_cstr(st, 6, r->citizen_id)) != 0 ||
	    (rc = db_bind_cstr(st, 7, r->birth_date)) != 0 ||
	    (rc = db_bind_cstr(st, 8, r->address)) != 0 ||
	    (rc = db_bind_cstr(st, 9, business ? r->organization_name : NULL)) != 0 ||
	    (rc = db_bind_cstr(st, 10, business ? r->tax_code : NULL)) != 0 ||
	    (rc = db_bind_cstr(st, 11, hash)) != 0 || (rc = db_bind_cstr(st, 12, status)) != 0 ||
	    (rc = db_bind_cstr(st, 13, now)) != 0 ||
	    (rc = db_bind_cstr(st, 14, strcmp(status, "active") == 0 ? now : NULL)) != 0 ||
	    (rc = db_bind_cstr(st, 15, now)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	*id = db_last_id(db);
	return 0;
}

/* Whether a row of 'sql' exists for 'value'. */
static int exists(struct db *db, const char *sql, const char *value, int *found)
{
	struct db_stmt *st;
	int rc = db_prepare(db, sql, &st);

	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, value)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	*found = rc == DB_ROW;
	db_reset(st);
	return 0;
}

int account_register(const struct account_env *env, struct db *db,
                     const struct registration_clean *reg, const char *password_hash,
                     int64_t *account_id, struct field_errors *errs)
{
	char token[TOKEN_LEN + 1];
	int rc, found = 0;

	field_errors_init(errs);
	rc = db_begin(db);
	if (rc != 0)
		return rc;
	if ((rc = exists(db, "SELECT 1 FROM accounts WHERE email_key = ?", reg->email_key, &found)) != 0)
		goto out;
	if (found)
		field_errors_add(errs, "email", "Địa chỉ thư điện tử này đã được dùng để đăng ký một tài khoản khác.");
	if ((rc = exists(db, "SELECT 1 FROM accounts WHERE citizen_id = ?", reg->citizen_id, &found)) != 0)
		goto out;
	if (found)
		field_errors_add(errs, "citizen_id", "Số định danh cá nhân này đã được dùng để đăng ký một tài khoản khác.");
	if (errs->count) {
		rc = MC_ECONFLICT;
		goto out;
	}
	if ((rc = insert_account(env, db, reg, password_hash, "inactive", account_id)) != 0 ||
	    (rc = issue_token(env, db, *account_id, "activate", NULL, token)) != 0 ||
	    (rc = queue_mail(env, db, reg->email, "activate",
	                     link_data(env, reg->full_name, "/activate", token))) != 0)
		goto out;
	rc = db_commit(db);
out:
	if (rc != 0)
		db_rollback(db);
	else
		mail_wake(env);
	if (rc == MC_ECONFLICT && errs->count == 0)
		field_errors_add(errs, "email", "Địa chỉ thư điện tử này đã được dùng để đăng ký một tài khoản khác.");
	return rc;
}

int account_activate(const struct account_env *env, struct db *db, const char *token,
                     enum token_outcome *outcome)
{
	char now[32];
	struct db_stmt *st;
	int64_t id = 0;
	int rc;

	rc = db_begin(db);
	if (rc != 0)
		return rc;
	rc = use_token(env, db, token, "activate", outcome, &id, NULL, 1);
	if (rc == 0 && *outcome == TOKEN_OK) {
		now_text(env, now);
		rc = db_prepare(db,
		                "UPDATE accounts SET status = 'active', activated_at = ?, updated_at = ? "
		                "WHERE id = ? AND status = 'inactive'",
		                &st);
		if (rc == 0 && (rc = db_bind_cstr(st, 1, now)) == 0 &&
		    (rc = db_bind_cstr(st, 2, now)) == 0 && (rc = db_bind_int64(st, 3, id)) == 0)
			rc = db_step(st);
		rc = rc < 0 ? rc : 0;
	}
	if (rc == 0 && *outcome == TOKEN_OK)
		rc = db_commit(db);
	else
		db_rollback(db);
	return rc;
}

/* Account id, name and status for 'email' (any case).  *id = 0 when none. */
static int find_by_email(struct db *db, const char *email, int64_t *id, char name[404],
                         char status[16], char address[256])
{
	char key[256];
	const char *msg;
	struct db_stmt *st;
	int rc;

	*id = 0;
	if (email == NULL || validate_email(email, key, sizeof(key), &msg) != 0)
		return 0;
	rc = db_prepare(db, "SELECT id, full_name, status, email FROM accounts WHERE email_key = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, key)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return 0;
	*id = db_col_int64(st, 0);
	db_col_copy(st, 1, name, 404);
	db_col_copy(st, 2, status, 16);
	db_col_copy(st, 3, address, 256);
	db_reset(st);
	return 0;
}

/* Mail a new link of 'purpose' to the account of 'email' when it has 'want_status'; at most
 * RATE_MAIL per account, silently. */
static int mail_link(const struct account_env *env, struct db *db, const char *email,
                     const char *want_status, const char *purpose, const char *path,
                     const char *template_name)
{
	char name[404], status[16], to[256], token[TOKEN_LEN + 1], key[64];
	int64_t id;
	int rc;

	rc = db_begin(db);
	if (rc != 0)
		return rc;
	rc = find_by_email(db, email, &id, name, status, to);
	if (rc != 0 || id == 0 || strcmp(status, want_status) != 0)
		goto out;
	snprintf(key, sizeof(key), "acct:%lld", (long long)id);
	rc = rate_hit(db, &RATE_MAIL, key, clock_now_ms(env->clock));
	if (rc == MC_ELIMIT) {
		rc = 0; /* over the limit: no more mail for a while, and the same answer */
		goto out;
	}
	if (rc != 0 || (rc = issue_token(env, db, id, purpose, NULL, token)) != 0 ||
	    (rc = queue_mail(env, db, to, template_name, link_data(env, name, path, token))) != 0)
		goto out;
	rc = db_commit(db);
	if (rc == 0)
		mail_wake(env);
	return rc;
out:
	/* The rate count is kept even when no mail goes out. */
	if (rc == 0)
		rc = db_commit(db);
	if (rc != 0)
		db_rollback(db);
	return rc;
}

int account_resend_activation(const struct account_env *env, struct db *db, const char *email)
{
	return mail_link(env, db, email, "inactive", "activate", "/activate", "activate");
}

int account_create_staff(const struct account_env *env, struct db *db, const char *full_name,
                         const char *email, const char *phone, int64_t *account_id)
{
	char key[256], now[32], unusable[TOKEN_LEN + 2], token[TOKEN_LEN + 1];
	const char *msg;
	struct db_stmt *st;
	int rc;

	if (validate_email(email, key, sizeof(key), &msg) != 0)
		return MC_EINVAL;
	/* No password until the staff member sets one from the mail: '!' is never an argon2 hash. */
	unusable[0] = '!';
	token_new(unusable + 1);
	now_text(env, now);
	rc = db_prepare(db,
	                "INSERT INTO accounts (account_type, full_name, email, email_key, phone, address, "
	                "password_hash, status, created_at, activated_at, updated_at) "
	                "VALUES ('staff', ?, ?, ?, ?, '', ?, 'active', ?, ?, ?)",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, full_name)) != 0 || (rc = db_bind_cstr(st, 2, email)) != 0 ||
	    (rc = db_bind_cstr(st, 3, key)) != 0 || (rc = db_bind_cstr(st, 4, phone)) != 0 ||
	    (rc = db_bind_cstr(st, 5, unusable)) != 0 || (rc = db_bind_cstr(st, 6, now)) != 0 ||
	    (rc = db_bind_cstr(st, 7, now)) != 0 || (rc = db_bind_cstr(st, 8, now)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	*account_id = db_last_id(db);
	if ((rc = issue_token(env, db, *account_id, "reset", NULL, token)) != 0)
		return rc;
	return queue_mail(env, db, email, "staff_welcome",
	                  link_data(env, full_name, "/password/reset", token));
}

int account_send_password_link(const struct account_env *env, struct db *db, int64_t account_id)
{
	char name[404], status[16], to[256], token[TOKEN_LEN + 1];
	struct db_stmt *st;
	int rc;

	rc = db_row_by_id(db, "SELECT full_name, status, email FROM accounts WHERE id = ?", account_id, &st);
	if (rc != 0)
		return rc;
	db_col_copy(st, 0, name, sizeof(name));
	db_col_copy(st, 1, status, sizeof(status));
	db_col_copy(st, 2, to, sizeof(to));
	db_reset(st);
	if (strcmp(status, "active") != 0)
		return MC_ECONFLICT;
	if ((rc = issue_token(env, db, account_id, "reset", NULL, token)) != 0)
		return rc;
	return queue_mail(env, db, to, "reset", link_data(env, name, "/password/reset", token));
}

int account_request_reset(const struct account_env *env, struct db *db, const char *email)
{
	return mail_link(env, db, email, "active", "reset", "/password/reset", "reset");
}

/* ---- login ---- */

int account_login_begin(struct db *db, const char *email, struct login_attempt *out)
{
	const char *msg;
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	memcpy(out->hash, dummy_hash, sizeof(dummy_hash));
	if (email == NULL || validate_email(email, out->email_key, sizeof(out->email_key), &msg) != 0) {
		out->email_key[0] = '\0';
		return 0;
	}
	rc = db_prepare(db, "SELECT id, status, password_hash FROM accounts WHERE email_key = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, out->email_key)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return 0;
	out->account_id = db_col_int64(st, 0);
	db_col_copy(st, 1, out->status, sizeof(out->status));
	db_col_copy(st, 2, out->hash, sizeof(out->hash));
	db_reset(st);
	return 0;
}

int account_login_allowed(const struct account_env *env, struct db *db, const char *email,
                          const char *client)
{
	char key[300], ekey[256];
	const char *msg;
	int64_t now = clock_now_ms(env->clock);
	int rc;

	snprintf(key, sizeof(key), "ip:%s", client);
	if ((rc = rate_check(db, &RATE_LOGIN_ADDRESS, key, now)) != 0)
		return rc;
	if (email != NULL && validate_email(email, ekey, sizeof(ekey), &msg) == 0) {
		snprintf(key, sizeof(key), "email:%s", ekey);
		return rate_check(db, &RATE_LOGIN_FAILURES, key, now);
	}
	return 0;
}

int account_login_finish(const struct account_env *env, struct db *db,
                         const struct login_attempt *a, int verified, const char *client,
                         enum login_outcome *outcome, char cookie[TOKEN_LEN + 1])
{
	char ipkey[300], acctkey[300];
	int64_t now = clock_now_ms(env->clock);
	int rc, r1, r2;

	snprintf(ipkey, sizeof(ipkey), "ip:%s", client);
	snprintf(acctkey, sizeof(acctkey), "email:%s", a->email_key);
	rc = db_begin(db);
	if (rc != 0)
		return rc;
	if (!verified || a->account_id == 0) {
		/* Count the failure for the address and for the account (by its e-mail, so an unknown
		 * address is limited the same way and reveals nothing). */
		r1 = rate_hit(db, &RATE_LOGIN_ADDRESS, ipkey, now);
		r2 = a->email_key[0] ? rate_hit(db, &RATE_LOGIN_FAILURES, acctkey, now) : 0;
		if ((r1 < 0 && r1 != MC_ELIMIT) || (r2 < 0 && r2 != MC_ELIMIT)) {
			rc = r1 != MC_ELIMIT && r1 < 0 ? r1 : r2;
			goto out;
		}
		*outcome = LOGIN_BAD;
	} else if (strcmp(a->status, "active") != 0) {
		*outcome = LOGIN_INACTIVE;
	} else {
		rate_clear(db, &RATE_LOGIN_FAILURES, acctkey);
		if ((rc = session_create(db, a->account_id, now, cookie)) != 0)
			goto out;
		*outcome = LOGIN_OK;
	}
	rc = db_commit(db);
out:
	if (rc != 0)
		db_rollback(db);
	return rc;
}

/* ---- password reset ---- */

/* Email and phone of account 'id'. */
static int contact_of(struct db *db, int64_t id, char email[256], char phone[11], char name[404])
{
	struct db_stmt *st;
	int rc = db_prepare(db, "SELECT email, phone, full_name FROM accounts WHERE id = ?", &st);

	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : MC_ENOTFOUND;
	db_col_copy(st, 0, email, 256);
	db_col_copy(st, 1, phone, 11);
	db_col_copy(st, 2, name, 404);
	db_reset(st);
	return 0;
}

int account_reset_lookup(const struct account_env *env, struct db *db, const char *token,
                         enum token_outcome *outcome, char email[256], char phone[11])
{
	char name[404];
	int64_t id = 0;
	int rc = use_token(env, db, token, "reset", outcome, &id, NULL, 0);

	if (rc != 0 || *outcome != TOKEN_OK)
		return rc;
	return contact_of(db, id, email, phone, name);
}

static int notify_password_changed(const struct account_env *env, struct db *db, int64_t id)
{
	char email[256], phone[11], name[404], when[32];
	time_t t = (time_t)((clock_now_ms(env->clock) + VN_OFFSET_MS) / 1000);
	struct tm tm;
	int rc = contact_of(db, id, email, phone, name);

	if (rc != 0)
		return rc;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M ngày %d/%m/%Y", &tm);
	return queue_mail(env, db, email, "password_changed",
	                  json_pack("{s:s, s:s}", "full_name", name, "time", when));
}

static int set_password(const struct account_env *env, struct db *db, int64_t id,
                        const char *hash)
{
	char now[32];
	struct db_stmt *st;
	int rc;

	now_text(env, now);
	rc = db_prepare(db, "UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?", &st);
	if (rc == 0 && (rc = db_bind_cstr(st, 1, hash)) == 0 && (rc = db_bind_cstr(st, 2, now)) == 0 &&
	    (rc = db_bind_int64(st, 3, id)) == 0)
		rc = db_step(st);
	if (rc < 0)
		return rc;
	if ((rc = session_revoke_all(db, id)) != 0)
		return rc;
	return notify_password_changed(env, db, id);
}

int account_reset_password(const struct account_env *env, struct db *db, const char *token,
                           const char *password_hash, enum token_outcome *outcome)
{
	int64_t id = 0;
	int rc = db_begin(db);

	if (rc != 0)
		return rc;
	rc = use_token(env, db, token, "reset", outcome, &id, NULL, 1);
	if (rc == 0 && *outcome == TOKEN_OK)
		rc = set_password(env, db, id, password_hash);
	if (rc == 0 && *outcome == TOKEN_OK) {
		rc = db_commit(db);
		if (rc == 0)
			mail_wake(env);
	} else {
		db_rollback(db);
	}
	return rc;
}

/* ---- profile ---- */

static int require_login(const struct actor *actor)
{
	return actor == NULL || actor->role != ROLE_CITIZEN || actor->account_id <= 0 ? MC_EFORBIDDEN
	                                                                              : 0;
}

int account_get(struct db *db, const struct actor *actor, struct account_view *v)
{
	static const struct {
		size_t off, size;
	} cols[] = {
#define COL(f) { offsetof(struct account_view, f), sizeof(((struct account_view *)0)->f) }
		COL(account_type), COL(full_name), COL(email), COL(phone), COL(citizen_id),
		COL(birth_date), COL(address), COL(organization_name), COL(tax_code), COL(created_at),
		COL(pending_email),
#undef COL
	};
	struct db_stmt *st;
	int rc;

	if ((rc = require_login(actor)) != 0)
		return rc;
	rc = db_prepare(db,
	                "SELECT account_type, full_name, email, phone, citizen_id, birth_date, address, "
	                "organization_name, tax_code, created_at, "
	                "(SELECT new_email FROM account_tokens t WHERE t.account_id = accounts.id AND "
	                "t.purpose = 'email' AND t.used_at IS NULL ORDER BY t.id DESC LIMIT 1) "
	                "FROM accounts WHERE id = ?",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, actor->account_id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : MC_ENOTFOUND;
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		db_col_copy(st, (int)i, (char *)v + cols[i].off, cols[i].size);
	db_reset(st);
	return 0;
}

int account_update_contact(const struct account_env *env, struct db *db, const struct actor *actor,
                           const char *phone, const char *address, struct field_errors *errs)
{
	char raw[256], norm[11], addr[1204], now[32];
	const char *msg;
	struct db_stmt *st;
	int rc;

	field_errors_init(errs);
	if ((rc = require_login(actor)) != 0)
		return rc;
	if (trim_copy(phone, raw, sizeof(raw)) != 0)
		field_errors_add(errs, "phone", "Số điện thoại quá dài.");
	else if (validate_phone(raw, norm, &msg) != 0)
		field_errors_add(errs, "phone", msg);
	text_field(address, addr, sizeof(addr), 1, ADDRESS_MAX_CHARS, "address", errs);
	if (errs->count)
		return MC_EINVAL;
	now_text(env, now);
	rc = db_prepare(db, "UPDATE accounts SET phone = ?, address = ?, updated_at = ? WHERE id = ?", &st);
	if (rc == 0 && (rc = db_bind_cstr(st, 1, norm)) == 0 && (rc = db_bind_cstr(st, 2, addr)) == 0 &&
	    (rc = db_bind_cstr(st, 3, now)) == 0 && (rc = db_bind_int64(st, 4, actor->account_id)) == 0)
		rc = db_step(st);
	return rc < 0 ? rc : 0;
}

int account_check_new_password(const struct account_env *env, struct db *db,
                               const struct actor *actor, const char *password,
                               const char *confirm, struct field_errors *errs)
{
	char email[256], phone[11], name[404];
	const char *msg;
	int rc, which = 0;

	field_errors_init(errs);
	if ((rc = require_login(actor)) != 0)
		return rc;
	if ((rc = contact_of(db, actor->account_id, email, phone, name)) != 0)
		return rc;
	if (validate_password(password ? password : "", confirm ? confirm : "", email, phone,
	                      env->passwords, &msg, &which) != 0) {
		field_errors_add(errs, which ? "password_confirm" : "password", msg);
		return MC_EINVAL;
	}
	return 0;
}

int account_password_hash(struct db *db, const struct actor *actor, char out[PASSWORD_HASH_LEN])
{
	struct db_stmt *st;
	int rc;

	if ((rc = require_login(actor)) != 0)
		return rc;
	rc = db_prepare(db, "SELECT password_hash FROM accounts WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, actor->account_id)) != 0)
		return rc;
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : MC_ENOTFOUND;
	db_col_copy(st, 0, out, PASSWORD_HASH_LEN);
	db_reset(st);
	return 0;
}

int account_change_password(const struct account_env *env, struct db *db,
                            const struct actor *actor, const char *password_hash,
                            char cookie[TOKEN_LEN + 1])
{
	int rc;

	if ((rc = require_login(actor)) != 0)
		return rc;
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = set_password(env, db, actor->account_id, password_hash)) != 0 ||
	    (rc = session_create(db, actor->account_id, clock_now_ms(env->clock), cookie)) != 0) {
		db_rollback(db);
		return rc;
	}
	rc = db_commit(db);
	if (rc == 0)
		mail_wake(env);
	else
		db_rollback(db);
	return rc;
}

int account_request_email_change(const struct account_env *env, struct db *db,
                                 const struct actor *actor, const char *email,
                                 struct field_errors *errs)
{
	char raw[256], key[256], token[TOKEN_LEN + 1];
	const char *msg;
	int rc, found = 0;

	field_errors_init(errs);
	if ((rc = require_login(actor)) != 0)
		return rc;
	if (trim_copy(email, raw, sizeof(raw)) != 0) {
		field_errors_add(errs, "email", "Địa chỉ thư điện tử quá dài.");
		return MC_EINVAL;
	}
	if (validate_email(raw, key, sizeof(key), &msg) != 0) {
		field_errors_add(errs, "email", msg);
		return MC_EINVAL;
	}
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = exists(db, "SELECT 1 FROM accounts WHERE email_key = ?", key, &found)) != 0)
		goto out;
	if (found) {
		field_errors_add(errs, "email", "Địa chỉ thư điện tử này đã được dùng cho một tài khoản khác.");
		rc = MC_ECONFLICT;
		goto out;
	}
	if ((rc = issue_token(env, db, actor->account_id, "email", raw, token)) != 0)
		goto out;
	{
		json_t *data = link_data(env, actor->full_name, "/email/confirm", token);
		json_object_set_new(data, "new_email", json_string(raw));
		if ((rc = queue_mail(env, db, raw, "email_change", data)) != 0)
			goto out;
	}
	rc = db_commit(db);
out:
	if (rc != 0)
		db_rollback(db);
	else
		mail_wake(env);
	return rc;
}

int account_confirm_email(const struct account_env *env, struct db *db, const char *token,
                          enum token_outcome *outcome)
{
	char new_email[256], key[256], now[32];
	const char *msg;
	struct db_stmt *st;
	int64_t id = 0;
	int rc = db_begin(db);

	if (rc != 0)
		return rc;
	rc = use_token(env, db, token, "email", outcome, &id, new_email, 1);
	if (rc != 0 || *outcome != TOKEN_OK)
		goto out;
	if (validate_email(new_email, key, sizeof(key), &msg) != 0) {
		*outcome = TOKEN_INVALID;
		goto out;
	}
	now_text(env, now);
	rc = db_prepare(db, "UPDATE accounts SET email = ?, email_key = ?, updated_at = ? WHERE id = ?",
	                &st);
	if (rc == 0 && (rc = db_bind_cstr(st, 1, new_email)) == 0 &&
	    (rc = db_bind_cstr(st, 2, key)) == 0 && (rc = db_bind_cstr(st, 3, now)) == 0 &&
	    (rc = db_bind_int64(st, 4, id)) == 0)
		rc = db_step(st);
	if (rc == MC_ECONFLICT) {
		*outcome = TOKEN_USED; /* the address was taken meanwhile */
		rc = 0;
		goto out;
	}
	rc = rc < 0 ? rc : 0;
out:
	if (rc == 0 && *outcome == TOKEN_OK)
		rc = db_commit(db);
	else
		db_rollback(db);
	return rc;
}

int account_create_demo(const struct account_env *env, struct db *db,
                        const struct registration_clean *reg, const char *password, FILE *out)
{
	char hash[PASSWORD_HASH_LEN];
	int64_t id;
	int rc, found = 0;

	if ((rc = exists(db, "SELECT 1 FROM accounts WHERE email_key = ?", reg->email_key, &found)) != 0)
		return rc;
	if (found)
		return 0;
	if ((rc = account_hash_password(password, hash)) != 0)
		return rc;
	if ((rc = insert_account(env, db, reg, hash, "active", &id)) != 0)
		return rc;
	fprintf(out, "%s, %s, %s\n",
	        strcmp(reg->account_type, "business") == 0 ? "business" : "citizen", reg->email,
	        password);
	return 0;
}
