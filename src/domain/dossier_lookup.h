/* dossier_lookup.h: a logged-in citizen looks up any dossier by procedure, desk agency and
 * receipt number (its own, another's, or one submitted on paper at the desk), and attaches a
 * walk-in dossier of its own to its account (docs/dossiers.md, "Lookup"). */
#ifndef MC_DOSSIER_LOOKUP_H
#define MC_DOSSIER_LOOKUP_H

#include <jansson.h>
#include <stdint.h>

#include "domain/actor.h"
#include "domain/field_errors.h"

struct db;

/*
 * Who may do what.  Only a citizen or business account (ROLE_CITIZEN with an account id) looks
 * up or attaches; anyone else gets MC_EFORBIDDEN.  A dossier is found only when its receipt
 * number, its procedure and its desk agency all match what was typed, and never while it is a
 * draft; which part failed is never said.
 *
 * What a lookup shows depends on who asks:
 *   - the owner, or an account whose citizen ID equals the dossier's applicant citizen ID
 *     ("matching"): everything the timeline holds (notes and who acted) and the applicant's name;
 *   - anyone else: only what is not personal: the procedure, the agencies, the status, the
 *     dates and the status changes with their times.  Notes may hold personal data and names
 *     are personal, so neither is shown, and timeline entries that change no status are left
 *     out.
 *
 * The rate limit: a lookup that finds nothing is what guessing receipt numbers produces, so
 * only those are counted, per account (rate key "lookup:acct:<id>"); once 'limit' of them fell
 * within an hour the next one is refused and every lookup of the account waits an hour.  A
 * lookup that finds a dossier costs one indexed read of the block table and writes nothing.
 * 'limit' 0 turns the limit off (no read, no write).
 */

#define LOOKUP_RECEIPT_MAX     64u   /* characters of a receipt number ("000.00.06.H56-231027-0361") */
#define LOOKUP_PROCEDURE_MAX   16u   /* bytes of a typed procedure code before it is refused */
#define LOOKUP_PROCEDURES_MAX  500   /* procedure choices listed for one desk agency */
#define LOOKUP_LIMIT_MAX       1000000u /* the largest per-account limit a setting may give */
#define LOOKUP_WINDOW_MS       (60LL * 60 * 1000) /* the limit's window, and the wait once over */

/* What was typed into the lookup form. */
struct lookup_query {
	const char *procedure_code; /* as typed; surrounding white space is ignored */
	int64_t agency_id;          /* the chosen desk agency; 0 when none (or unreadable) */
	const char *receipt_no;     /* as typed; white space around it is ignored, letters are
	                             * compared in upper case */
};

/*
 * Look up the dossier 'q' names on behalf of 'a' at 'now_ms', with at most 'limit' lookups
 * finding nothing per account and hour (0: no limit).
 *
 * 0: found; *out (caller owns, json_decref) is { "procedure_code", "procedure_name",
 * "desk_name", "competent_name", "channel" ("online" / "walk_in"), "channel_label", "status",
 * "status_label", "receipt_no", "submitted_at", "received_at", "due_at", "updated_at" (local
 * time "dd/mm/yyyy HH:MM", "" when not yet), "own", "matching", "can_attach" (booleans),
 * "applicant_name" ("" unless own or matching), "id" (only when own or can_attach; absent
 * otherwise), "timeline": [ { "at", "from_label" ("" for the creation), "to_label",
 * "actor_name", "note" ("" unless own or matching) } ] oldest first }.  can_attach: a walk-in
 * dossier nobody owns yet whose applicant citizen ID is the account's (not empty).
 *
 * MC_EINVAL: something typed is missing or malformed: 'errs' (initialised here) holds a
 * Vietnamese message per field ("procedure", "agency", "receipt"); nothing is counted.
 * MC_ENOTFOUND: no dossier matches (counted against the limit).  MC_ELIMIT: the account is over
 * its limit (this lookup was not made, or was the one that went over).  MC_EFORBIDDEN: not a
 * citizen or business account.  MC_EUNAVAIL; MC_EDB; MC_ENOMEM.  *out is NULL on failure.
 */
int dossier_lookup(struct db *db, const struct actor *a, int64_t now_ms, unsigned limit,
                   const struct lookup_query *q, struct field_errors *errs, json_t **out);

/*
 * What the lookup form offers, in *out (caller owns): { "agencies": [ { "id", "name" } ] (the
 * active desk agencies with at least one offering, active or not, since a withdrawn offering
 * still has dossiers in progress; by name), "procedures": [ { "code", "name" } ] (the
 * procedures offered at desk 'agency_id', by code, at most LOOKUP_PROCEDURES_MAX; empty when
 * 'agency_id' is 0 or unknown) }.  A province has a few hundred desks but thousands of
 * procedures, so the form takes the procedure as a typed code and only suggests those of the
 * chosen desk.  MC_EFORBIDDEN: not a citizen or business account; MC_EDB; MC_ENOMEM.  *out is
 * NULL on failure.
 */
int dossier_lookup_choices(struct db *db, const struct actor *a, int64_t agency_id,
                           json_t **out);

/*
 * Attach walk-in dossier 'id' to the account of 'a' at 'now_ms', in one transaction: the dossier
 * must have no owner and its applicant citizen ID must equal the account's (checked here again:
 * the form is never trusted).  The owner is set, the version raised and the timeline records
 * "Gắn hồ sơ vào tài khoản <name>" by the account, the status unchanged.
 * MC_ENOTFOUND: no such dossier, or its applicant is not the account's holder (whoever owns
 * it: nothing is said about another person's dossier); MC_ECONFLICT: the dossier is the account
 * holder's but already has an owner (this account included); MC_EFORBIDDEN: not an active
 * citizen or business account; MC_EUNAVAIL; MC_EDB.
 */
int dossier_attach(struct db *db, const struct actor *a, int64_t now_ms, int64_t id);

#endif
