/* dossier_priv.h: what the files of the dossier module (dossier*.c) share and nothing else
 * includes: the timeline, the mails and small conversions.  Definitions in dossier.c. */
#ifndef MC_DOSSIER_PRIV_H
#define MC_DOSSIER_PRIV_H

#include <jansson.h>
#include <stdint.h>

#include "domain/account.h"
#include "domain/actor.h"

struct db;
struct db_stmt;
struct dossier_upload;

#define DOSSIER_TIME_SIZE 32     /* an ISO-8601 time or a local "dd/mm/yyyy HH:MM" */
#define DOSSIER_LINK_SIZE 1024   /* a link in a mail: the base URL and a path */
#define DOSSIER_EMAIL_SIZE 256   /* accounts.email, as validate_email allows */
#define DOSSIER_SYSTEM_NAME "Hệ thống" /* who a sweep acts as on the timeline */

/* The timeline events a citizen sees, for the events table under alias prefix 'e' ("" or
 * "e."): all but the staff's own entries that leave the status as it was (an internal note, a
 * reassignment).  Staff notes on the others are blanked by the reading query. */
#define DOSSIER_CITIZEN_EVENT(e) \
	"NOT (" e "internal = 1 AND COALESCE(" e "from_status, '') = " e "to_status)"

/* Only an account-holding citizen or business acts on its dossiers. */
int dossier_is_citizen(const struct actor *a);

/* Whether staff member 'a' handles dossiers at all: a desk officer, specialist or leader bound
 * to an agency.  Which dossiers: those of that agency as desk or competent agency (the
 * workflow table narrows this per step). */
int dossier_staff_handles(const struct actor *a);

/* Load the acting account: its type into type[] and its non-empty details (full_name, email,
 * phone, citizen_id, address, birth_date, organization_name, tax_code) into *details (a new
 * object).  MC_EFORBIDDEN when the account is missing, not active or a staff account. */
int dossier_load_account(struct db *db, int64_t account_id, char *type, size_t type_cap,
                         json_t **details);

/* A label for any status: an unknown one (added by a later workflow) shows as its name. */
const char *dossier_label(const char *status);

/* Text column 'col' (an ISO-8601 time or NULL) as local time text; "" when NULL or unreadable. */
json_t *dossier_local_time(struct db_stmt *st, int col);

/* One entry of a dossier's timeline. */
struct dossier_event {
	int64_t dossier_id;
	const char *at;         /* ISO-8601 */
	int64_t account_id;     /* who; 0: the system, stored as NULL */
	const char *actor_name;
	const char *from, *to;  /* the statuses; from NULL: the creation */
	const char *note;
	int internal;           /* a staff entry: the citizen never sees its note */
	const char *action;     /* the workflow action that made it, or NULL */
};

/* Record event 'e' on its dossier's timeline. */
int dossier_add_event(struct db *db, const struct dossier_event *e);

/* dossier_add_event of a citizen-visible entry that no workflow action made. */
int dossier_add_event_by(struct db *db, int64_t dossier_id, const char *at, int64_t account_id,
                         const char *actor_name, const char *from, const char *to,
                         const char *note);

/* The part of s[0..*len) without the white space around it: its start, its length in *len. */
const char *dossier_trim(const char *s, size_t *len);

/* A typed note (a reason, a request) without the white space around it, into *out (the
 * caller frees it): 0, or MC_EINVAL with *problem set (not UTF-8, empty, longer than 'max'
 * characters); MC_ENOMEM. */
enum note_problem { NOTE_OK, NOTE_EMPTY, NOTE_NOT_UTF8, NOTE_TOO_LONG };
int dossier_clean_note(const char *in, size_t max, char **out, enum note_problem *problem);

/* Wake the mail sender after a commit that queued mail. */
void dossier_mail_wake(const struct account_env *env);

/* 'base_url', 'path' and 'arg' into link[DOSSIER_LINK_SIZE]: 0, or MC_ETOOBIG. */
int dossier_make_link(char link[DOSSIER_LINK_SIZE], const char *base_url, const char *path,
                      const char *arg);

/*
 * What the dossier's mails say, as a new object in *data: full_name (the owner's), email,
 * procedure_name, procedure_code, agency_name (the desk), desk_address, desk_phone,
 * desk_email, desk_hours ([ { days, times, text } ], open days only), competent_name,
 * dossier_link and portal_name.  The owner's address goes to to[DOSSIER_EMAIL_SIZE]; for a
 * walk-in dossier nobody attached, the applicant's name and address as the desk typed them
 * (dossier_link is then the lookup page).  MC_ENOTFOUND when there is no address to write to.
 */
int dossier_mail_facts(const struct account_env *env, struct db *db, int64_t id,
                       char to[DOSSIER_EMAIL_SIZE], json_t **data);

/* Render mail 'name' (templates/mail/<name>_*) with 'data' and put it in the outbox, inside the
 * caller's transaction. */
int dossier_queue_mail(const struct account_env *env, struct db *db, int64_t now_ms,
                       const char *to, const char *name, const json_t *data);

/* Whether dossier 'id' belongs to 'a' (MC_ENOTFOUND otherwise) and *editable: its status
 * allows changing its answers and files (a draft, or a supplement asked for). */
int dossier_owned_status(struct db *db, const struct actor *a, int64_t id, int *editable);

/*
 * Inside the caller's transaction on dossier 'id', which becomes version 'version' with this
 * change: take out the current files remove[0..nremove), check the uploads u[0..n) again and
 * attach those stored, each refused one adding its message to 'errs' under "doc_<id>".
 */
int dossier_files_apply(struct db *db, int64_t id, int64_t version, const char *now,
                        struct dossier_upload *u, size_t n, const int64_t *remove,
                        size_t nremove, json_t *errs);

/* Put "documents" into 'out': the procedure's documents of dossier 'id' with their current
 * files ([ { id, number, input ("doc_<id>"), name, mandatory, condition, file_types_text,
 * accept, max_size, max_size_text, multiple, has_files, files: [ { id, name, kind, size,
 * size_text, url } ] } ]). */
int dossier_documents_view(struct db *db, int64_t id, json_t *out);

#endif
