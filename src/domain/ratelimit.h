/* ratelimit.h: counting attempts per key (an account, a client address) in the database, so
 * limits hold across threads and, later, across servers. */
#ifndef MC_RATELIMIT_H
#define MC_RATELIMIT_H

#include <stdint.h>

struct db;

/* The rules: attempts allowed within a window, and how long a key waits once over. */
struct rate_rule {
	const char *name;   /* "login", "register", "resend", "reset" */
	int max;            /* events allowed within the window */
	int64_t window_ms;
	int64_t block_ms;
};

extern const struct rate_rule RATE_LOGIN_FAILURES; /* 5 failed logins / 15 min on one account
                                                     * → it waits 15 min */
/* 20 failed logins / 15 min from one address → it waits 15 min.  Higher than the account's:
 * the citizens behind one commune office's NAT share an address, and one person's typos must not
 * lock out the others, while guessing across many accounts is still cut short. */
extern const struct rate_rule RATE_LOGIN_ADDRESS;
extern const struct rate_rule RATE_REGISTER;       /* 30 valid registrations / hour per address */
extern const struct rate_rule RATE_MAIL;           /* 5 resend or reset mails / hour per account */
extern const struct rate_rule RATE_MAIL_ADDRESS;   /* 30 resend or reset requests / hour per address */

/* 0 when 'key' (e.g. "acct:12", "ip:203.0.113.5") may go on under 'rule' at now_ms;
 * MC_ELIMIT while it is blocked; MC_EDB. */
int rate_check(struct db *db, const struct rate_rule *rule, const char *key, int64_t now_ms);

/* Count one event for 'key'.  MC_ELIMIT, without counting, while the key waits; when this event
 * makes rule->max within the window, the key waits rule->block_ms from now and MC_ELIMIT is
 * returned; otherwise 0.  MC_EDB. */
int rate_hit(struct db *db, const struct rate_rule *rule, const char *key, int64_t now_ms);

/* Forget the events of 'key' (a successful login clears the account's failures). */
int rate_clear(struct db *db, const struct rate_rule *rule, const char *key);

#endif
