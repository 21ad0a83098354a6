/* agency.h: agencies (cơ quan) and their departments (phòng ban), as administrators see them. */
#ifndef MC_AGENCY_H
#define MC_AGENCY_H

#include <jansson.h>
#include <stdint.h>

#include "domain/actor.h"
#include "domain/field_errors.h"

struct db;

/*
 * Who may do what (every call below checks it; handlers only parse and render):
 *   - a system administrator: every agency, creating roots (agencies without a parent) too;
 *   - an agency administrator: its own agency (editing it, but not moving it under another
 *     parent nor deactivating it) and every agency below it, which it may create (under a parent
 *     in its scope), edit, deactivate and reactivate;
 *   - anyone else: MC_EFORBIDDEN.
 * An agency outside the actor's scope answers MC_ENOTFOUND, exactly like a missing one, so
 * nothing about it leaks.  Every change is written to the audit log (entity "agency" or
 * "department", with the agency concerned) in the change's own transaction.
 */

#define AGENCY_CODE_MAX 13        /* "000.00.06.H56" */
#define AGENCY_NAME_MAX 300       /* characters */
#define AGENCY_ADDRESS_MAX 300    /* characters */
#define AGENCY_EMAIL_MAX 254      /* bytes, as validate_email */
#define AGENCY_PHONE_MAX 30       /* characters as typed ("0237 3 752 588") */
#define AGENCY_HOURS_RANGES 4     /* opening ranges in one day */
#define AGENCY_HOURS_MAX 64       /* bytes of one day's normalised hours */
#define AGENCY_SEARCH_MAX 200     /* characters of a search */
#define DEPARTMENT_NAME_MAX 200   /* characters */
#define AGENCY_WEEKDAYS 7         /* office hours, Monday first */
#define AGENCY_RECEIPT_PATTERN_MAX 100   /* characters (A-Z 0-9 . - / and tokens) of a pattern */
#define AGENCY_RECEIPT_COUNTER_MAX 12    /* N's of the counter token {N...} */
#define AGENCY_RECEIPT_START_MAX 999999  /* the largest first number of a day */
#define AGENCY_RECEIPT_MAX 64            /* bytes of a receipt number (FLOW_RECEIPT_MAX) */
/* What an agency starts with (migration 0007): 000.01.61.H56-261130-0001, 0002 ... */
#define AGENCY_RECEIPT_PATTERN_DEFAULT "{code}-{yy}{MM}{dd}-{NNNN}"
#define AGENCY_RECEIPT_START_DEFAULT "1"

/* The agency form as typed (NFC; this module trims).  NULL reads as "". */
struct agency_form {
	const char *code;         /* electronic agency ID, e.g. 000.00.06.H56 */
	const char *name;
	const char *level;        /* "central", "province" or "commune" */
	const char *parent_id;    /* decimal id, or "" for none (a root) */
	const char *address;
	const char *phone;        /* landline or mobile */
	const char *email;
	const char *hours[AGENCY_WEEKDAYS]; /* "07:30-11:30, 13:00-17:00"; "" when closed */
	const char *is_desk;      /* checkbox: "1" when ticked, "" or NULL when not */
	const char *is_competent;
	/*
	 * How the agency numbers the dossiers it receives (it matters for desks only).  Unlike the
	 * fields above, NULL means "not posted" (a form from before these fields): the stored value
	 * when updating, the default (AGENCY_RECEIPT_PATTERN_DEFAULT, AGENCY_RECEIPT_START_DEFAULT)
	 * when creating.  "" was posted empty and is refused.
	 */
	const char *receipt_pattern; /* tokens {code} {yyyy} {yy} {MM} {dd}, one counter {N...} */
	const char *receipt_start;   /* the counter's first number each day: 0..999999 */
};

/* The form fields of agency_form, in page order (for keeping what was typed). */
extern const char *const agency_form_fields[];
extern const size_t agency_form_field_count;

/* The Vietnamese name of level 'level' ("Trung ương", "Cấp tỉnh", "Cấp xã"), or "". */
const char *agency_level_label(const char *level);

/* The Vietnamese name of weekday 'i' (0 Monday .. 6 Sunday), or "". */
const char *agency_weekday_label(int i);

/*
 * Check a telephone number of an agency: a landline ("0237 3 752 588", "0237.3752588") or a
 * mobile, i.e. after removing spaces, dots and hyphens, 10 or 11 digits starting with 0.  The
 * number is kept as typed (trimmed).  0, or MC_EINVAL with a Vietnamese message in *msg.
 */
int agency_check_phone(const char *s, const char **msg);

/*
 * Check one day's office hours typed as "07:30-11:30, 13:00-17:00" (an en dash is accepted for
 * the hyphen, hours may have one digit; "" means closed) and write the normalised form
 * "07:30-11:30,13:00-17:00" into out (AGENCY_HOURS_MAX bytes).  Each range must be a valid
 * HH:MM-HH:MM with start before end, ranges in order without overlapping, at most
 * AGENCY_HOURS_RANGES.  0, or MC_EINVAL with the reason in *msg (a sentence to follow the
 * day's name, e.g. "Thứ Hai: ...").
 */
int agency_normalise_hours(const char *s, char out[AGENCY_HOURS_MAX], const char **msg);

/*
 * The number receipt pattern 'pattern' gives the first dossier of the local day of 'now_ms' at an
 * agency of code 'code' whose day starts at 'start' (all three as typed: trimmed here; a code
 * that is not a valid one reads as 000.00.06.H56, a start that is not valid as 1), written into
 * out: the example the agency form shows.  0, or MC_EINVAL when agency_create would refuse the
 * pattern (out is then "").
 */
int agency_receipt_example(const char *pattern, const char *code, const char *start,
                           int64_t now_ms, char out[AGENCY_RECEIPT_MAX + 1]);

/*
 * The agencies in the actor's scope as a tree, in *out (new reference):
 *   { "items": [ { id, code, name, level, level_label, depth, indent_class, parent_id,
 *                  parent_name, active, is_desk, is_competent, is_own } ],
 *     "total", "search" }
 * Without 'search' (NULL or "") every agency in depth-first order, siblings by name, depth 0
 * for the roots (for an agency administrator: its own agency).  With a search, only the agencies
 * whose name or code contains it (case and diacritics ignored), in the same order.
 * MC_EFORBIDDEN; MC_EINVAL: a search longer than AGENCY_SEARCH_MAX or not UTF-8; MC_EDB; MC_ENOMEM.
 */
int agency_tree(struct db *db, const struct actor *actor, const char *search, json_t **out);

/*
 * Agency 'id' for its page, in *out (new reference): every column (office hours as
 * "hours": [ { "day", "value" } ], "receipt_pattern", "receipt_start" a number), "level_label", "parent_name", "values" (the edit form filled
 * from the stored agency), "departments": [ { id, name, active, staff_count } ], "children":
 * [ { id, code, name, active } ], "is_own" (the actor's own agency), "parent_locked" (the actor
 * may not move it), "can_deactivate".  MC_ENOTFOUND (missing or outside the scope);
 * MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int agency_get(struct db *db, const struct actor *actor, int64_t id, json_t **out);

/*
 * The active agencies in the actor's scope, tree-ordered, as [ { id, label, depth } ] in *out
 * (new reference); 'label' shows the depth and the code.  'exclude' (0: none) leaves out that
 * agency and everything below it (the choices of parent when moving it).  MC_EFORBIDDEN; MC_EDB;
 * MC_ENOMEM.
 */
int agency_options(struct db *db, const struct actor *actor, int64_t exclude, json_t **out);

/*
 * Create an agency from 'in' at 'now_ms'.  The parent must exist, be active and be in the
 * actor's scope; no parent (a root) is for system administrators only.  A commune agency may
 * sit under a province one, but never the other way round: an agency's level is its parent's or
 * below it.  The receipt pattern (trimmed) is required, at most AGENCY_RECEIPT_PATTERN_MAX
 * printable ASCII characters, outside its tokens only upper-case letters, digits, '.', '-' and
 * '/' (what the citizen's lookup matches), with exactly one counter token {N...} of 1 to
 * AGENCY_RECEIPT_COUNTER_MAX N's, and the number it makes today with the agency's code and the
 * widest counter (or the start, when wider) fits AGENCY_RECEIPT_MAX; the start is a whole number
 * 0..AGENCY_RECEIPT_START_MAX that has no more digits than the N's.  *id receives the new id.  MC_EINVAL: 'errs' names each wrong field (including a
 * code already used, named in the message); MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int agency_create(struct db *db, const struct actor *actor, int64_t now_ms,
                  const struct agency_form *in, int64_t *id, struct field_errors *errs);

/*
 * Change agency 'id' to 'in' at 'now_ms'.  Rules as agency_create, and the new parent may be
 * neither the agency itself nor one below it; an agency administrator editing its own agency
 * cannot move it ('parent_id' is then ignored).  A level above that of an agency below it is
 * refused.  MC_ENOTFOUND; MC_EINVAL with 'errs'; MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int agency_update(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                  const struct agency_form *in, struct field_errors *errs);

/*
 * Deactivate ('active' 0) or reactivate ('active' 1) agency 'id' at 'now_ms'.  Refused with
 * MC_ECONFLICT and a Vietnamese reason in *refusal (static): deactivating the actor's own agency,
 * or one with active agencies below it; reactivating one whose parent is inactive.  Doing what is
 * already done changes nothing and returns 0.  MC_ENOTFOUND; MC_EFORBIDDEN; MC_EDB.
 */
int agency_set_active(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                      int active, const char **refusal);

/*
 * Create department 'name' in agency 'agency_id'.  The name (1..DEPARTMENT_NAME_MAX characters)
 * is unique within the agency, compared exactly after trimming.  *id receives the new id.
 * MC_EINVAL: errs["name"] says why (naming the department that has the name);
 * MC_ENOTFOUND: no such agency in the scope; MC_EFORBIDDEN; MC_EDB.
 */
int agency_department_create(struct db *db, const struct actor *actor, int64_t now_ms,
                             int64_t agency_id, const char *name, int64_t *id,
                             struct field_errors *errs);

/*
 * Rename department 'id' to 'name' (rules as above).  *agency_id receives its agency's id
 * (also on MC_EINVAL, so the page can be shown again).  MC_EINVAL with errs["name"];
 * MC_ENOTFOUND: no such department in the scope; MC_EFORBIDDEN; MC_EDB.
 */
int agency_department_rename(struct db *db, const struct actor *actor, int64_t now_ms,
                             int64_t id, const char *name, int64_t *agency_id,
                             struct field_errors *errs);

/*
 * Deactivate or reactivate department 'id'.  *agency_id as above.  Deactivating a department
 * that active staff accounts belong to is refused: MC_ECONFLICT with the reason in *refusal
 * (static).  MC_ENOTFOUND; MC_EFORBIDDEN; MC_EDB.
 */
int agency_department_set_active(struct db *db, const struct actor *actor, int64_t now_ms,
                                 int64_t id, int active, int64_t *agency_id,
                                 const char **refusal);

/*
 * The active departments of the active agencies in the actor's scope, grouped by agency in tree
 * order: [ { agency_id, agency_name, departments: [ { id, name } ] } ] in *out (new reference;
 * agencies without departments are left out).  MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int agency_department_options(struct db *db, const struct actor *actor, json_t **out);

/* How many agencies the actor's scope holds, and how many of them are active.  MC_EFORBIDDEN;
 * MC_EDB. */
int agency_count(struct db *db, const struct actor *actor, int64_t *total, int64_t *active);

#endif
