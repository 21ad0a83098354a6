/* actor.h: who is acting.  Every domain call that reads or changes data takes one. */
#ifndef MC_ACTOR_H
#define MC_ACTOR_H

#include <stdint.h>

#include "lib/token.h"

enum actor_role {
	ROLE_ANONYMOUS = 0,
	ROLE_CITIZEN,  /* a citizen or business account */
};

struct actor {
	enum actor_role role;
	int64_t account_id;          /* 0 when anonymous */
	char account_type[12];       /* "citizen" or "business" */
	char full_name[256];
	char email[256];
	char session_hash[TOKEN_HASH_LEN + 1];
	char csrf[TOKEN_LEN + 1];    /* the session's CSRF token */
};

#endif
