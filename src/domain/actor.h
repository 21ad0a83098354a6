/* actor.h: who is acting.  Every domain call that reads or changes data takes one. */
#ifndef MC_ACTOR_H
#define MC_ACTOR_H

#include <stdint.h>

#include "lib/token.h"

enum actor_role {
	ROLE_ANONYMOUS = 0,
	ROLE_CITIZEN,  /* a citizen or business account */
	ROLE_STAFF,    /* an agency staff account: see staff_role */
};

/* What a staff account does.  Each staff account has one role, bound to one agency. */
enum staff_role {
	STAFF_NONE = 0,
	STAFF_INTAKE,        /* one-stop desk officer (cán bộ tiếp nhận) */
	STAFF_SPECIALIST,    /* department specialist (chuyên viên xử lý), bound to a department */
	STAFF_LEADER,        /* leader (lãnh đạo), of the agency or of one department */
	STAFF_AGENCY_ADMIN,  /* administers its agency and the agencies below it */
	STAFF_SYSTEM_ADMIN,  /* administers everything */
};

struct actor {
	enum actor_role role;
	int64_t account_id;          /* 0 when anonymous */
	char account_type[12];       /* "citizen", "business" or "staff" */
	char full_name[256];
	char email[256];
	char session_hash[TOKEN_HASH_LEN + 1];
	char csrf[TOKEN_LEN + 1];    /* the session's CSRF token */
	enum staff_role staff_role;  /* STAFF_NONE unless role is ROLE_STAFF */
	int64_t agency_id;           /* staff: the agency the account belongs to */
	int64_t department_id;       /* staff: its department, 0 when none */
};

/* The database name of a staff role ("intake", "specialist", "leader", "agency_admin",
 * "system_admin"), or "" for STAFF_NONE. */
const char *staff_role_name(enum staff_role role);

/* The role named 'name' (as above), or STAFF_NONE when unknown. */
enum staff_role staff_role_parse(const char *name);

/* The role's Vietnamese title ("Cán bộ tiếp nhận", ...), or "" for STAFF_NONE. */
const char *staff_role_label(enum staff_role role);

/* 1 when 'a' administers agencies (agency or system administrator), else 0. */
int actor_is_admin(const struct actor *a);

/* Where 'a' lands after logging in: a citizen's profile, the administration for administrators,
 * the home page otherwise. */
const char *actor_home(const struct actor *a);

/* Fill *a as the command line: a system administrator bound to no account or agency, named
 * "Dòng lệnh motcua" (whoever can run the binary owns the data folder). */
void actor_command_line(struct actor *a);

#endif
