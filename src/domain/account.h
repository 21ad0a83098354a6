/* account.h: citizen and business accounts: registration, activation, login, password reset,
 * profile.  Free of HTTP: handlers pass plain values and an actor. */
#ifndef MC_ACCOUNT_H
#define MC_ACCOUNT_H

#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "domain/actor.h"
#include "domain/field_errors.h"
#include "lib/token.h"

struct clock;
struct db;
struct password_list;
struct tpl_set;

#define TOKEN_VALID_MS (24LL * 60 * 60 * 1000) /* activation, reset and e-mail links */
#define PASSWORD_HASH_LEN crypto_pwhash_STRBYTES

/* What account functions need besides their arguments.  Read-only, shared by threads. */
struct account_env {
	const struct clock *clock;
	const struct tpl_set *templates;       /* mail templates (templates/mail/) */
	const struct password_list *passwords; /* common passwords refused */
	const char *base_url;                  /* links in mail, without a trailing '/' */
	const char *portal_name;
	const char *mail_domain;               /* right-hand side of Message-IDs */
	void (*mail_queued)(void *ctx);        /* wakes the mail sender; may be NULL */
	void *mail_ctx;
};


/* The registration form as typed (NFC already; this module trims). */
struct registration {
	const char *account_type, *full_name, *email, *phone, *citizen_id, *birth_date, *address;
	const char *organization_name, *tax_code, *password, *password_confirm;
};

/* A registration that passed every rule: trimmed, normalised (phone in national form). */
struct registration_clean {
	char account_type[16];
	char full_name[404];
	char email[256];
	char email_key[256];
	char phone[11];
	char citizen_id[13];
	char birth_date[11];
	char address[1204];
	char organization_name[804];
	char tax_code[16];
};

/*
 * Check every rule of the registration form at env's today.  Fills 'clean' and returns 0, or
 * returns MC_EINVAL with one message per wrong field in 'errs' (the passwords are checked here
 * too; uniqueness is checked by account_register, in its transaction).
 */
int account_check_registration(const struct account_env *env, const struct registration *in,
                               struct registration_clean *clean, struct field_errors *errs);

/* Hash 'password' with argon2id (libsodium's interactive limits).  Slow by design: call it on a
 * worker thread.  MC_ENOMEM when the memory for hashing is not available. */
int account_hash_password(const char *password, char out[PASSWORD_HASH_LEN]);

/* Whether 'password' matches 'hash' (argon2id).  Slow: worker thread.  1 or 0. */
int account_verify_password(const char *hash, const char *password);

/*
 * Store the new inactive account with 'password_hash', create its activation token and queue the
 * activation mail, all in one transaction.  MC_ECONFLICT: the e-mail or citizen ID is taken
 * (named in 'errs'); MC_EDB.
 */
int account_register(const struct account_env *env, struct db *db,
                     const struct registration_clean *reg, const char *password_hash,
                     int64_t *account_id, struct field_errors *errs);

/* How following a link from an e-mail ended. */
enum token_outcome {
	TOKEN_OK = 0,
	TOKEN_INVALID,  /* malformed, altered or unknown */
	TOKEN_USED,     /* already followed */
	TOKEN_EXPIRED,  /* older than 24 hours */
};

/* Activate the account of activation token 'token'.  *outcome says how it went; only TOKEN_OK
 * changes anything.  MC_EDB. */
int account_activate(const struct account_env *env, struct db *db, const char *token,
                     enum token_outcome *outcome);

/* Send a new activation link to 'email' when an inactive account has it; do nothing otherwise
 * (the caller answers the same either way).  MC_EDB. */
int account_resend_activation(const struct account_env *env, struct db *db, const char *email);

/* What login needs to check a password off the event loop. */
struct login_attempt {
	int64_t account_id;        /* 0: no such account (a dummy hash is checked instead) */
	char status[16];           /* "active", "inactive", "disabled" */
	char hash[PASSWORD_HASH_LEN];
	char email_key[256];
};

/* Look up the account for a login with 'email'.  Always fills 'out->hash' (a dummy one for an
 * unknown address) so a wrong address and a wrong password take the same time.  MC_EDB. */
int account_login_begin(struct db *db, const char *email, struct login_attempt *out);

/* Set the dummy hash used for unknown addresses (computed once at start-up). */
int account_init_dummy_hash(void);

enum login_outcome {
	LOGIN_OK = 0,
	LOGIN_BAD,       /* unknown e-mail or wrong password: one message for both */
	LOGIN_INACTIVE,  /* right password, account not activated yet */
};

/*
 * Finish a login after the password check ('verified' from account_verify_password): apply the
 * rate limits for the account and 'client' (the address), open a session on success (its cookie
 * value in 'cookie').  MC_EDB.
 */
int account_login_finish(const struct account_env *env, struct db *db,
                         const struct login_attempt *a, int verified, const char *client,
                         enum login_outcome *outcome, char cookie[TOKEN_LEN + 1]);

/* Whether logins for 'email' or from 'client' must wait now: MC_ELIMIT, 0 or MC_EDB. */
int account_login_allowed(const struct account_env *env, struct db *db, const char *email,
                          const char *client);

/* Send a password-reset link to 'email' when an active account has it.  Same answer either
 * way.  MC_EDB. */
/*
 * Inside the caller's transaction: create an active staff account for 'full_name', 'email' and
 * 'phone' (already validated; no password yet: none works until one is set) and queue a mail
 * with a link to set its password (valid 24 hours).  The staff row is the caller's, and so is
 * waking the mail sender (env->mail_queued) after the commit.
 * MC_ECONFLICT: the e-mail address is taken; MC_EINVAL: not an e-mail address; MC_EDB.
 */
int account_create_staff(const struct account_env *env, struct db *db, const char *full_name,
                         const char *email, const char *phone, int64_t *account_id);

/* Inside the caller's transaction: mail account 'account_id' a new link to set its password
 * (the caller wakes the sender after the commit).  MC_ENOTFOUND; MC_ECONFLICT: the account is
 * not active; MC_EDB. */
int account_send_password_link(const struct account_env *env, struct db *db, int64_t account_id);

int account_request_reset(const struct account_env *env, struct db *db, const char *email);

/* The account a reset token belongs to, for validating the new password before hashing it.
 * *outcome TOKEN_OK with email and phone filled, or why not.  MC_EDB. */
int account_reset_lookup(const struct account_env *env, struct db *db, const char *token,
                         enum token_outcome *outcome, char email[256], char phone[11]);

/* Set the new password of the reset token's account, use the token, end every session of the
 * account and mail a notice.  *outcome as for account_activate.  MC_EDB. */
int account_reset_password(const struct account_env *env, struct db *db, const char *token,
                           const char *password_hash, enum token_outcome *outcome);

/* An account as shown on its profile page. */
struct account_view {
	char account_type[16], full_name[404], email[256], phone[11], citizen_id[13];
	char birth_date[11], address[1204], organization_name[804], tax_code[16], created_at[32];
	char pending_email[256];
};

/* The profile of the acting account.  MC_EFORBIDDEN: not logged in; MC_ENOTFOUND; MC_EDB. */
int account_get(struct db *db, const struct actor *actor, struct account_view *out);

/* Change phone and address of the acting account (validated; errors in 'errs' with
 * MC_EINVAL).  MC_EFORBIDDEN; MC_EDB. */
int account_update_contact(const struct account_env *env, struct db *db, const struct actor *actor,
                           const char *phone, const char *address, struct field_errors *errs);

/* Check a new password for the acting account (rules as at registration).  0 or MC_EINVAL with
 * the field in 'errs'. */
int account_check_new_password(const struct account_env *env, struct db *db,
                               const struct actor *actor, const char *password,
                               const char *confirm, struct field_errors *errs);

/* The acting account's current password hash (to verify 'current_password' off the loop). */
int account_password_hash(struct db *db, const struct actor *actor, char out[PASSWORD_HASH_LEN]);

/* Replace the acting account's password, end all its sessions, and open a new one for this
 * visitor (cookie in 'cookie'); mail a notice.  MC_EFORBIDDEN; MC_EDB. */
int account_change_password(const struct account_env *env, struct db *db,
                            const struct actor *actor, const char *password_hash,
                            char cookie[TOKEN_LEN + 1]);

/* Ask to move the acting account to 'email': checks it, then mails a confirmation link to the
 * new address.  MC_EINVAL / MC_ECONFLICT with 'errs'; MC_EFORBIDDEN; MC_EDB. */
int account_request_email_change(const struct account_env *env, struct db *db,
                                 const struct actor *actor, const char *email,
                                 struct field_errors *errs);

/* Confirm an e-mail change from its link.  *outcome as for account_activate; TOKEN_USED also
 * when the address was taken meanwhile.  MC_EDB. */
int account_confirm_email(const struct account_env *env, struct db *db, const char *token,
                          enum token_outcome *outcome);

/* Create an active demo account (for `motcua demo`); nothing when the e-mail exists.  Prints
 * "role, email, password" to 'out' when created.  MC_EDB. */
int account_create_demo(const struct account_env *env, struct db *db,
                        const struct registration_clean *reg, const char *password, FILE *out);

#endif
