/* offering.h: which one-stop desk receives which procedure for which competent agency
 * (the offerings table), as administrators see and change it. */
#ifndef MC_OFFERING_H
#define MC_OFFERING_H

#include <jansson.h>
#include <stdint.h>

#include "domain/actor.h"
#include "domain/field_errors.h"

struct db;

/*
 * Who may do what.  A system administrator sees and changes every offering.  An agency
 * administrator sees and changes the offerings whose desk agency is its own agency or one below
 * it; anything else answers MC_ENOTFOUND, exactly like an id that does not exist, so nothing
 * leaks.  Anyone else gets MC_EFORBIDDEN.  The competent agency may be any active competent
 * agency, in the scope or not: a desk can receive dossiers for other agencies of the province.
 * Every change is written to the audit log (entity "offering", agency the desk) with its before
 * and after, in the same transaction.
 */

#define OFFERING_PER_PAGE 30
#define OFFERING_PAGE_MAX 10000

/* The offering form as typed.  Ids are decimal text from the select boxes; NULL reads as "". */
struct offering_input {
	const char *procedure_id;
	const char *desk_agency_id;
	const char *competent_agency_id;
	const char *department_id;   /* "" for none */
	const char *online;          /* "1": dossiers may be submitted online */
	const char *workflow;        /* "standard", "no_department" or "no_leader" */
};

/* A list filter: 0 means any. */
struct offering_query {
	int64_t procedure_id;
	int64_t desk_agency_id;
	int page;                    /* 1-based */
};

/* The Vietnamese label of a workflow variant, or NULL when unknown.  Static storage. */
const char *offering_workflow_label(const char *workflow);

/*
 * One page of the offerings 'actor' may see, ordered by procedure code, desk and competent
 * agency names.  *out (caller owns): { "items": [ { "id", "procedure_id", "procedure_code",
 * "procedure_name", "procedure_active", "desk_agency_id", "desk_name", "competent_name",
 * "department_name" ("" for none), "online", "workflow", "workflow_label", "active" } ],
 * "total", "page", "pages", "per_page" }.  MC_EFORBIDDEN: not an administrator; MC_EINVAL: a
 * page out of 1..OFFERING_PAGE_MAX or a negative id; MC_EDB; MC_ENOMEM.
 */
int offering_list(struct db *db, const struct actor *actor, const struct offering_query *q,
                  json_t **out);

/*
 * The choices of the list filters: *out (caller owns) { "procedures": [ { "id", "code",
 * "name" } ] (procedures with an offering the actor sees), "desks": [ { "id", "name" } ] (desk
 * agencies in the actor's scope) }.  MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int offering_filters(struct db *db, const struct actor *actor, json_t **out);

/*
 * Offering 'id' in *out (caller owns): { "id", "procedure_id", "procedure_code",
 * "procedure_name", "service_mode", "desk_agency_id", "desk_name", "competent_agency_id",
 * "competent_name", "department_id" (0 for none), "department_name", "online", "workflow",
 * "workflow_label", "active", "created_at", "updated_at" }.  MC_ENOTFOUND: no such offering or
 * outside the actor's scope; MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int offering_get(struct db *db, const struct actor *actor, int64_t id, json_t **out);

/*
 * What the offering form offers, in *out (caller owns): { "procedures": [ { "id", "code",
 * "name", "online_allowed" } ] (active ones), "desks": [ { "id", "name" } ] (active desk
 * agencies in the actor's scope), "competents": [ { "id", "name" } ] (active competent
 * agencies), "department_groups": [ { "agency_id", "agency_name", "departments": [ { "id",
 * "name" } ] } ] (active departments of active competent agencies), "workflows": [ { "value",
 * "label" } ] }.  When 'offering_id' is not 0 its current choices are listed even when no
 * longer active, so the form can show them.  MC_ENOTFOUND: that offering is not visible;
 * MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int offering_choices(struct db *db, const struct actor *actor, int64_t offering_id,
                     json_t **out);

/*
 * Create an offering from 'in' at 'now_ms', active.  Problems go into 'errs' by form field
 * ("procedure_id", "desk_agency_id", "competent_agency_id", "department_id", "online",
 * "workflow") in Vietnamese: a missing choice; a procedure, agency or department that does not
 * exist or is no longer active; a desk agency that does not receive dossiers; a competent agency
 * that does not decide on them; a department of another agency; online reception for a
 * procedure whose service mode is not partial or full; the same procedure, desk and competent
 * agency offered already.  *id (may be NULL) receives the new id.  MC_EINVAL (errs filled);
 * MC_ENOTFOUND: the desk agency is outside the actor's scope (or does not exist);
 * MC_EFORBIDDEN; MC_EDB; MC_EUNAVAIL; MC_ENOMEM.
 */
int offering_create(struct db *db, const struct actor *actor, int64_t now_ms,
                    const struct offering_input *in, struct field_errors *errs, int64_t *id);

/*
 * Change offering 'id' to 'in'.  Rules as offering_create, except that a choice the offering
 * already has is accepted even when it is no longer active (the rest of the offering can still
 * be changed).  MC_ENOTFOUND: no such offering, or it or the new desk is outside the actor's
 * scope; other errors as offering_create.
 */
int offering_update(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                    const struct offering_input *in, struct field_errors *errs);

/* Deactivate (active 0) or reactivate (1) offering 'id'.  The value it has already changes
 * nothing and records nothing.  MC_ENOTFOUND; MC_EFORBIDDEN; MC_EDB. */
int offering_set_active(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                        int active);

#endif
