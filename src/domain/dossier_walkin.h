/* dossier_walkin.h: a dossier brought to the one-stop desk in person (hồ sơ nộp trực tiếp): the
 * desk officer types the applicant's details and the procedure's form, and the dossier is
 * received at once; the scanned documents follow (dossier_files.h, staff uploads). */
#ifndef MC_DOSSIER_WALKIN_H
#define MC_DOSSIER_WALKIN_H

#include <jansson.h>
#include <stdint.h>

#include "domain/account.h"
#include "domain/actor.h"
#include "domain/dossier_flow.h"
#include "domain/field_errors.h"

struct db;

#define WALKIN_NAME_MAX 200     /* characters of the applicant's name */
#define WALKIN_ADDRESS_MAX 500  /* characters of the applicant's address */

/* The applicant as typed at the desk (NFC; this module trims).  NULL reads as "". */
struct walkin_applicant {
	const char *name;        /* required */
	const char *citizen_id;  /* required: 12 digits (the lookup and the attaching match on it) */
	const char *phone;       /* optional: a mobile number */
	const char *email;       /* optional: the results are mailed there */
	const char *address;     /* required */
};

/* The form fields of walkin_applicant, in page order, as posted ("applicant_name" ...). */
extern const char *const walkin_applicant_fields[];
extern const size_t walkin_applicant_field_count;

/*
 * The offerings desk officer 'a' may register walk-in dossiers for: the active offerings of its
 * desk agency whose procedure is active (online or not), as { "offerings": [ { id, code,
 * name } ] } by code in *out.  MC_EFORBIDDEN: not an intake officer.  MC_EDB; MC_ENOMEM.
 */
int walkin_offerings(struct db *db, const struct actor *a, json_t **out);

/*
 * What the walk-in form of offering 'offering_id' needs, in *out: { "offering": { id,
 * procedure_code, procedure_name, desk_name, competent_name }, "form" (the procedure's form
 * schema), "known" (the details of the citizen ID 'citizen_id' when given and known: from a
 * citizen account with that ID, else from the latest dossier of that applicant: { name, phone,
 * email, address }, or null) }.  Details found are a view of personal data: an audit record
 * ("view", entity "person", the citizen ID masked) is written at 'now_ms'.
 * MC_ENOTFOUND: no such offering at the officer's desk;
 * MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int walkin_form(struct db *db, const struct actor *a, int64_t now_ms, int64_t offering_id,
                const char *citizen_id, json_t **out);

/*
 * Register a walk-in dossier of offering 'offering_id' for applicant 'ap' with the answers
 * 'answers' (field name → string or list, as posted), by desk officer 'a' at 'now_ms', and
 * receive it in the same transaction (dossier_act_in "receive": receipt number, due date, the
 * reception mail when the applicant gave an address).  The dossier has no owner until the
 * citizen attaches it (lookup); its channel is walk_in; version 1 of its answers is kept.
 * 0 with *id and *out (the reception's output).  MC_EINVAL: 'errs' names each wrong applicant
 * field ("applicant_name" ...), and *answer_errors (caller frees; NULL when none) maps each
 * wrong answer to its message.  MC_ENOTFOUND: no such offering at the officer's desk;
 * MC_EFORBIDDEN: not an intake officer; MC_EUNAVAIL; MC_EDB.
 */
int dossier_walk_in(const struct account_env *env, struct db *db, const struct actor *a,
                    int64_t now_ms, int64_t offering_id, const struct walkin_applicant *ap,
                    const json_t *answers, struct field_errors *errs, json_t **answer_errors,
                    int64_t *id, struct flow_output *out);

#endif
