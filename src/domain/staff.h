/* staff.h: staff accounts (cán bộ) as administrators manage them: role, agency, department. */
#ifndef MC_STAFF_H
#define MC_STAFF_H

#include <jansson.h>
#include <stdint.h>

#include "domain/actor.h"
#include "domain/field_errors.h"

struct account_env;
struct db;

/*
 * Who may do what (checked by every call below):
 *   - a system administrator: every staff account;
 *   - an agency administrator: the staff of its agency and of the agencies below it, except
 *     system administrators, whom it may see but neither create, edit nor (de)activate;
 *   - nobody changes their own role or deactivates their own account;
 *   - anyone else: MC_EFORBIDDEN.
 * A staff account outside the actor's scope answers MC_ENOTFOUND like a missing one.  Every
 * change is written to the audit log (entity "staff", the account's agency) in its transaction.
 */

#define STAFF_NAME_MAX 100     /* characters of a full name */
#define STAFF_TITLE_MAX 100    /* characters of a title (chức vụ) */
#define STAFF_SEARCH_MAX 200   /* characters of a search */
#define STAFF_PER_PAGE 50
#define STAFF_PAGE_MAX 10000

/* The staff form as typed (NFC; this module trims).  NULL reads as "". */
struct staff_form {
	const char *full_name;
	const char *email;
	const char *phone;          /* a mobile number */
	const char *role;           /* staff_role_name() of a role */
	const char *agency_id;      /* decimal id */
	const char *department_id;  /* decimal id, or "" for none */
	const char *title;          /* chức vụ, e.g. "Chuyên viên"; may be empty */
};

/* The form fields of staff_form, in page order (for keeping what was typed). */
extern const char *const staff_form_fields[];
extern const size_t staff_form_field_count;

/* A search of the staff list.  0 / NULL / "" mean "any". */
struct staff_query {
	int64_t agency_id;    /* exactly this agency */
	const char *role;     /* a role name */
	const char *status;   /* "active" or "disabled" */
	const char *text;     /* words of the name or e-mail address, case and diacritics ignored */
	int page;             /* 1-based; 0 means 1 */
};

/*
 * The staff accounts the actor may see, ordered by agency then name, one page in *out (new
 * reference):
 *   { "items": [ { id, full_name, email, phone, role, role_label, agency_id, agency_name,
 *                  department_name, title, active } ], "total", "page", "pages" }
 * An agency filter outside the scope simply finds nothing.  MC_EINVAL: an unknown role or status,
 * a search over STAFF_SEARCH_MAX characters, a page over STAFF_PAGE_MAX; MC_EFORBIDDEN; MC_EDB;
 * MC_ENOMEM.
 */
int staff_list(struct db *db, const struct actor *actor, const struct staff_query *q,
               json_t **out);

/*
 * Staff account 'id' in *out (new reference): id, full_name, email, phone, role, role_label,
 * agency_id, agency_name, department_id, department_name, title, active, created_at,
 * "values" (the edit form filled in), "is_self" (the actor's own account), "editable" (the actor
 * may change it).  MC_ENOTFOUND (no such staff account, or outside the scope); MC_EFORBIDDEN;
 * MC_EDB; MC_ENOMEM.
 */
int staff_get(struct db *db, const struct actor *actor, int64_t id, json_t **out);

/* The roles the actor may give, as [ { name, label } ] in *out (new reference).  MC_EFORBIDDEN;
 * MC_ENOMEM. */
int staff_role_options(const struct actor *actor, json_t **out);

/*
 * Create a staff account from 'in' at 'now_ms' and mail it a link to set its password (through
 * account_create_staff, in the same transaction).  The e-mail address must be unused by every
 * account, citizens included (compared without case); the agency in the actor's scope and
 * active; a specialist needs a department, and a department given must be an active one of that
 * agency.  *id receives the account's id.  MC_EINVAL: 'errs' names each wrong field (a role the
 * actor may not give is one); MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int staff_create(const struct account_env *env, struct db *db, const struct actor *actor,
                 int64_t now_ms, const struct staff_form *in, int64_t *id,
                 struct field_errors *errs);

/*
 * Change staff account 'id' to 'in' at 'now_ms' (rules as staff_create; the e-mail address may
 * change when it is unused).  MC_EINVAL with 'errs' (the actor's own role, a role the actor may
 * not give); MC_ENOTFOUND; MC_EFORBIDDEN: an agency administrator editing a system
 * administrator; MC_EDB; MC_ENOMEM.
 */
int staff_update(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                 const struct staff_form *in, struct field_errors *errs);

/*
 * Deactivate ('active' 0: the account becomes 'disabled' and every session of it ends at once)
 * or reactivate ('active' 1) staff account 'id' at 'now_ms'.  Deactivating oneself is refused
 * with MC_ECONFLICT and a reason in *refusal (static).  Doing what is already done returns 0.
 * MC_ENOTFOUND; MC_EFORBIDDEN (an agency administrator and a system administrator's account);
 * MC_EDB.
 */
int staff_set_active(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                     int active, const char **refusal);

/*
 * Mail staff account 'id' a new link to set its password (account_send_password_link, in a
 * transaction of its own).  A deactivated account is refused: MC_ECONFLICT with *refusal.
 * MC_ENOTFOUND; MC_EFORBIDDEN; MC_EDB.
 */
int staff_send_password_link(const struct account_env *env, struct db *db,
                             const struct actor *actor, int64_t id, const char **refusal);

/* How many staff accounts the actor's scope holds, and how many are active.  MC_EFORBIDDEN;
 * MC_EDB. */
int staff_count(struct db *db, const struct actor *actor, int64_t *total, int64_t *active);

#endif
