/* dossier.h: a citizen's dossiers (hồ sơ) submitted online: starting one from an offering,
 * saving its form, viewing, listing and withdrawing (docs/dossiers.md). */
#ifndef MC_DOSSIER_H
#define MC_DOSSIER_H

#include <jansson.h>
#include <stdint.h>

#include "domain/account.h"
#include "domain/actor.h"
#include "domain/filestore.h"

struct db;

/*
 * Who may do what.  Every call takes the acting user.  Only a citizen or business account
 * (ROLE_CITIZEN with an account id) acts here; anyone else gets MC_EFORBIDDEN.  A citizen sees
 * and changes only the dossiers it owns: any other id answers MC_ENOTFOUND, exactly like an id
 * that does not exist, so nothing leaks.  Staff access comes with the workflow (issue 6).
 *
 * Every change runs in its own transaction (call these outside one) and raises the dossier's
 * version.  Status changes are written to the timeline (dossier_events) in the same transaction.
 */

#define DOSSIER_PER_PAGE          20
#define DOSSIER_PAGE_MAX          10000
#define DOSSIER_REASON_MAX        1000u  /* characters of a withdrawal reason */
/* A submitted dossier must be confirmed from its mail within this many hours of submission,
 * else the sweep expires it; every confirmation link ends at that same deadline. */
#define DOSSIER_CONFIRM_HOURS     72
#define DOSSIER_CONFIRM_MS        (DOSSIER_CONFIRM_HOURS * 60LL * 60 * 1000)
#define DOSSIER_SWEEP_BATCH       200    /* dossiers expired per transaction by the sweep */

/* The statuses of the citizen side (the workflow adds the others). */
#define DOSSIER_DRAFT             "draft"
#define DOSSIER_UNCONFIRMED       "unconfirmed"
#define DOSSIER_PENDING           "pending"
#define DOSSIER_SUPPLEMENT        "supplement"
#define DOSSIER_WITHDRAWN         "withdrawn"
#define DOSSIER_EXPIRED           "expired"

/* The Vietnamese label of 'status' ("Nháp", "Chờ tiếp nhận" ...), or NULL when unknown.
 * Static storage. */
const char *dossier_status_label(const char *status);

/*
 * What a citizen is about to start: offering 'offering_id' when it is open online, as
 * { offering, procedure_code, procedure_name, desk_name, desk_address, desk_phone, desk_hours
 * (lines of office hours, see catalog_format_hours), competent_name } in *out (new reference).
 * MC_EFORBIDDEN: not a citizen; MC_ENOTFOUND: no such offering open online; MC_EDB; MC_ENOMEM.
 */
int dossier_offering_summary(struct db *db, const struct actor *a, int64_t offering_id,
                             json_t **out);

/*
 * Start a draft dossier for offering 'offering_id' on behalf of citizen 'a' at 'now_ms'.
 * The offering must be active and open online, its procedure active with service mode partial
 * or full, its desk and competent agencies active.  The form's prefill fields are filled from
 * the account (full name, e-mail, phone, citizen ID, address, birth date, organisation name,
 * tax code); the procedure and agencies are copied from the offering; the timeline gets its
 * first event ("Tạo hồ sơ").  *id receives the new dossier's id.
 * MC_EFORBIDDEN: 'a' is not an active citizen or business account, or the account's type does
 * not suit the procedure's applicant type; then *refusal (may be NULL; static storage) says why
 * in Vietnamese.  MC_ENOTFOUND: no offering open online with that id.  MC_EUNAVAIL; MC_EDB;
 * MC_ENOMEM.
 */
int dossier_start(struct db *db, const struct actor *a, int64_t now_ms, int64_t offering_id,
                  int64_t *id, const char **refusal);

/*
 * Save the answers 'submitted' (field name without FORMSCHEMA_INPUT_PREFIX → string, or list of
 * strings for a checkbox with options) into draft 'id' at 'now_ms'.  Names absent from
 * 'submitted' keep their stored answers, so a form shown section by section posts one section at
 * a time (the handler must then put every field of the posted section in 'submitted', an
 * unticked checkbox as "" or [], else the stored answer stays).  Names the form does not declare
 * are dropped.  The merged answers are checked with formschema_check_values, today being the
 * portal's local date of 'now_ms'; every answer is stored, the invalid ones as typed, so nothing
 * the citizen typed is lost.  The applicant columns follow the form's prefill fields.
 *
 * 0: saved; *errors (caller owns, json_decref) maps each field whose answer is wrong to its
 * Vietnamese message, an empty object when every answer is valid.  On a draft these errors are
 * informative: the dossier is saved all the same.  MC_EINVAL: 'submitted' is not an object;
 * MC_ENOTFOUND: no such dossier of 'a'; MC_ECONFLICT: the dossier's status does not allow editing
 * (only a draft may be saved here); MC_EFORBIDDEN; MC_EUNAVAIL; MC_EDB; MC_ENOMEM.  On failure
 * *errors is NULL.
 */
int dossier_save_form(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                      const json_t *submitted, json_t **errors);

/*
 * The owner's view of dossier 'id' in *out (caller owns, json_decref): { "id", "version",
 * "offering_id", "procedure_id", "procedure_code", "procedure_name", "desk_name",
 * "competent_name", "channel", "status", "status_label", "form_data" (object), "receipt_no",
 * "applicant_name", "created_at", "updated_at", "submitted_at", "confirmed_at", "received_at",
 * "due_at", "withdrawn_at" (local time "dd/mm/yyyy HH:MM", "" when not yet), "withdraw_reason"
 * ("" when none), "can_edit" (a draft or a supplement asked for), "can_withdraw", "can_resend"
 * (unconfirmed), "is_draft", "is_supplement" (booleans), "form" (the procedure's current form
 * schema), "supplement_request" (the note of the latest request for a supplement, "" when none),
 * "timeline": [ { "at", "actor_name", "from_status" ("" for the creation), "from_label",
 * "to_status", "to_label", "note" } ] oldest first, "documents" (the procedure's documents with
 * the current files: see dossier_documents_view in dossier_priv.h) }.  MC_ENOTFOUND: no such dossier of 'a'; MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.  *out is
 * NULL on failure.
 */
int dossier_get(struct db *db, const struct actor *a, int64_t id, json_t **out);

/*
 * Page 'page' (1-based) of the dossiers 'a' owns, most recently updated first, DOSSIER_PER_PAGE
 * a page, in *out (caller owns): { "items": [ { "id", "procedure_code", "procedure_name",
 * "desk_name", "status", "status_label", "created_at", "updated_at", "submitted_at", "due_at"
 * (local times, "" when not yet), "receipt_no" ("" when none) } ], "total", "page", "pages",
 * "per_page" }.  A page past the last is empty.  MC_EINVAL: page outside 1..DOSSIER_PAGE_MAX;
 * MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.  *out is NULL on failure.
 */
int dossier_list(struct db *db, const struct actor *a, int page, json_t **out);

/*
 * Withdraw dossier 'id' at 'now_ms' with 'reason' (UTF-8, NFC; surrounding white space is
 * trimmed; 1 to DOSSIER_REASON_MAX characters).  Only a dossier not yet received may be
 * withdrawn: status unconfirmed or pending.  The status becomes withdrawn, withdrawn_at and the
 * reason are recorded, the timeline gets the reason as its note and the owner is mailed
 * "dossier_withdrawn" (the mail sender woken after the commit).
 * MC_EINVAL: the reason is missing, too long or not UTF-8; MC_ECONFLICT: the status does not
 * allow it; in both cases *refusal (may be NULL; static storage) says why in Vietnamese.
 * MC_ENOTFOUND: no such dossier of 'a'; MC_EFORBIDDEN; MC_EUNAVAIL; MC_EDB; MC_ENOMEM.
 */
int dossier_withdraw(const struct account_env *env, struct db *db, const struct actor *a,
                     int64_t now_ms, int64_t id, const char *reason, const char **refusal);

/*
 * Submit draft 'id' of citizen 'a' at 'now_ms'.  The whole form is checked with
 * formschema_check_values (today being the portal's local date of 'now_ms') and so is every
 * mandatory document of the procedure (procedure_documents.requirement 'mandatory'), which needs
 * at least one current file (dossier_files with removed_in NULL).  When anything is missing or
 * wrong nothing changes and MC_EINVAL is returned with *errors (caller owns, json_decref): an
 * object mapping each wrong field's name to its Vietnamese message, and "doc_<document id>" to
 * "Vui lòng đính kèm <document name>." for each mandatory document without a file.
 *
 * Otherwise, in one transaction: the status becomes unconfirmed, submitted_at is set, the
 * version is raised, the checked answers are frozen in dossier_versions (reason "submit"), the
 * timeline gets the submission, a confirmation token is stored (its hash only; valid
 * DOSSIER_CONFIRM_HOURS) and the confirmation mail ("dossier_confirm", with the link
 * <base_url>/dossiers/confirm?token=<token>) is queued for the owner's e-mail address; after the
 * commit the mail sender is woken (env->mail_queued).
 *
 * MC_ENOTFOUND: no such dossier of 'a'; MC_ECONFLICT: not a draft (or changed meanwhile);
 * MC_EFORBIDDEN: 'a' is not a citizen or business account; MC_EUNAVAIL; MC_EDB; MC_ENOMEM; an
 * error of mail_compose or outbox_enqueue (nothing is then stored).  *errors is NULL unless
 * MC_EINVAL.
 */
int dossier_submit(const struct account_env *env, struct db *db, const struct actor *a,
                   int64_t now_ms, int64_t id, json_t **errors);

/*
 * Confirm the dossier of confirmation token 'token' (from the mail's link) at 'now_ms'.  No actor:
 * the token is the proof, whoever is logged in.  *outcome says how it went, checked in this
 * order: TOKEN_INVALID (not a token, or unknown), TOKEN_USED (followed already, or replaced by a
 * newer link), TOKEN_EXPIRED (past the dossier's deadline, which is also the case of every
 * dossier the sweep expired), TOKEN_INVALID (a live link whose dossier is no longer unconfirmed:
 * withdrawn, or otherwise moved on), or TOKEN_OK, the only outcome that changes anything: in one
 * transaction the token is used, the status becomes pending (Chờ tiếp nhận, now in the desk's
 * queue), confirmed_at is set, the version raised, the timeline records it (in the owner's name)
 * and the "dossier_received" mail tells the owner which desk has the dossier (name, address,
 * telephone, office hours); the mail sender is woken after the commit.  *id (may be NULL) receives the dossier's id on TOKEN_OK, 0
 * otherwise.  Errors (*outcome then TOKEN_INVALID, nothing changed): MC_EUNAVAIL; MC_EDB;
 * MC_ENOMEM; an error of mail_compose or outbox_enqueue.
 */
int dossier_confirm(const struct account_env *env, struct db *db, const char *token,
                    int64_t now_ms, int64_t *id, enum token_outcome *outcome);

/*
 * Mail the owner 'a' of unconfirmed dossier 'id' a new confirmation link at 'now_ms'.  The
 * earlier links of the dossier stop working (TOKEN_USED); the new one ends at the dossier's
 * deadline (submitted_at + DOSSIER_CONFIRM_HOURS), not later, and the mail says when.  Rate
 * limited per account with RATE_MAIL (key "dossier-acct:<account id>", apart from the account's
 * own activation and reset mails): MC_ELIMIT when over it (the count is kept, nothing sent).
 * MC_ECONFLICT: the dossier is not unconfirmed, or its deadline has passed (the sweep will expire
 * it); MC_ENOTFOUND: no such dossier of 'a'; MC_EFORBIDDEN; MC_EUNAVAIL; MC_EDB; MC_ENOMEM; an
 * error of mail_compose or outbox_enqueue.
 */
int dossier_resend_confirmation(const struct account_env *env, struct db *db,
                                const struct actor *a, int64_t now_ms, int64_t id);

/*
 * The sweep: every unconfirmed dossier submitted DOSSIER_CONFIRM_HOURS or more before 'now_ms'
 * becomes expired (version raised, timeline "Hết hạn xác thực sau 72 giờ" by the system, the
 * owner mailed "dossier_expired" unless the outbox refuses the address), in transactions of
 * DOSSIER_SWEEP_BATCH dossiers, the mail sender woken after each.  *count (may be NULL) receives how many were
 * expired, those of the batches committed before an error included.  MC_EUNAVAIL; MC_EDB;
 * MC_ENOMEM.
 */
int dossier_expire_unconfirmed(const struct account_env *env, struct db *db, int64_t now_ms,
                               int64_t *count);

/*
 * How many dossiers wait in the queue of desk agency 'desk_agency_id' (status pending: an
 * unconfirmed dossier is not there yet).  No actor: the back office checks its staff before
 * calling.  MC_EDB.
 */
int dossier_desk_queue_count(struct db *db, int64_t desk_agency_id, int64_t *count);

/*
 * What submitting editable dossier 'id' of 'a' at 'now_ms' would find wrong, without changing
 * anything: *errors (caller owns) as dossier_submit's (plus "offering" when a draft's offering
 * no longer takes dossiers online), an empty object when nothing is.  For the "check your
 * answers" page.  MC_ENOTFOUND; MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int dossier_check(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                  json_t **errors);

/*
 * What the confirmation page shows of dossier 'id' just confirmed with its token (the token is
 * the proof, so no actor): the mail facts of dossier_confirm's mail (procedure, desk name,
 * address, phone, e-mail, office hours, link) in *out (caller owns).  MC_ENOTFOUND; MC_EDB;
 * MC_ENOMEM.
 */
int dossier_confirmation_facts(const struct account_env *env, struct db *db, int64_t id,
                               json_t **out);

/* ---- supplements (bổ sung) and versions ---- */

#define DOSSIER_NOTE_MAX 2000u  /* characters of a supplement request */


/*
 * The owner 'a' sends back dossier 'id' (status supplement) after changing its answers and
 * files with dossier_save.  Checked as dossier_submit checks (MC_EINVAL with *errors).  In one
 * transaction: the status becomes pending (back in the desk's queue), the answers are frozen as
 * a new version (reason "supplement"; the files current now belong to it), the timeline records
 * it and "dossier_updated" is mailed to the owner.  MC_ECONFLICT: not waiting for a supplement;
 * MC_ENOTFOUND; MC_EFORBIDDEN; MC_EUNAVAIL; MC_EDB; MC_ENOMEM; mail errors.
 */
int dossier_update_supplement(const struct account_env *env, struct db *db,
                              const struct actor *a, int64_t now_ms, int64_t id,
                              json_t **errors);

/*
 * The frozen versions of dossier 'id', oldest first, each against the one before it: [ {
 * "number", "at" (local), "actor_name", "reason" ("submit" or "supplement"), "reason_label",
 * "form_data", "changes": [ { "name", "before" (null when absent), "after" (null when gone) } ],
 * "files_added", "files_removed": [ { "id", "name", "size" } ] } ] in *out (caller owns).  For
 * the owner, or for staff who see it (dossier_flow_visible).  MC_ENOTFOUND;
 * MC_EFORBIDDEN; MC_EDB; MC_ENOMEM.
 */
int dossier_versions(struct db *db, const struct actor *a, int64_t id, json_t **out);

/* ---- attachments (dossier_files.c) ---- */

#define DOSSIER_KINDS_MAX 10  /* file kinds a document may allow (filestore_type_of's names) */

/*
 * One file sent for one of the procedure's documents.  The caller fills the first four members,
 * and may fill 'name' (then used as is, and 'filename' is never read: a caller whose job may
 * outlive the sent name does so); dossier_uploads_check and dossier_uploads_store fill the rest.  A refused upload has rc != 0
 * and 'message', a Vietnamese sentence naming the file (heap; dossier_uploads_free).
 */
struct dossier_upload {
	int64_t document_id;          /* procedure_documents.id */
	const char *filename;         /* the name sent (NULL allowed); only its sanitised form is kept */
	const void *data;             /* the bytes: must stay put until dossier_save returns */
	size_t len;
	/* set by dossier_uploads_check */
	const char *allowed[DOSSIER_KINDS_MAX]; /* the document's kinds (static names) */
	size_t nallowed;
	int replace;                  /* the document takes one file: this one replaces it */
	/* set by dossier_uploads_store */
	const char *kind;             /* the kind found from the content (static) */
	char sha256[FILESTORE_SHA256_HEX];
	char name[FILESTORE_DISPLAY_NAME_CAP]; /* display name (filestore_display_name); or the
	                                        * caller's */
	/* either */
	int rc;                       /* 0; MC_ETOOBIG: over a size limit; MC_EINVAL: refused;
	                               * MC_EIO / MC_ENOMEM: could not be stored */
	char *message;
};

/*
 * Check uploads u[0..n) for dossier 'id' of 'a' against the catalogue, before any byte is
 * stored: the document must belong to the dossier's procedure, the file must not be empty nor
 * over the document's max_size (MC_ETOOBIG), the dossier's current files and the new ones
 * together must stay within LIMIT_DOSSIER_FILES_BYTES (MC_ETOOBIG) and LIMIT_DOSSIER_FILES
 * files.  A document taking one file is replaced by the new file (so its current bytes do not
 * count), and two files for it in one post refuse the earlier.  Each upload's rc and message
 * say how it went; the return value only says whether the check could run: 0; MC_ENOTFOUND: no
 * such dossier of 'a'; MC_ECONFLICT: the dossier's status does not allow editing; MC_EFORBIDDEN;
 * MC_EDB; MC_ENOMEM.  Runs on the event loop (database reads only).
 */
int dossier_uploads_check(struct db *db, const struct actor *a, int64_t id,
                          struct dossier_upload *u, size_t n);

/*
 * For each upload still accepted (rc 0): decide its kind from the content among its allowed
 * kinds (filestore_type_of: never from the name) and store it durably by SHA-256
 * (filestore_put).  A content of another kind is refused with MC_EINVAL and a message naming
 * the file and the kinds allowed.  Blocking (fsync): call it on a worker thread.  Touches
 * neither the database nor anything but u[0..n).
 */
void dossier_uploads_store(struct filestore *fs, struct dossier_upload *u, size_t n);

/* Free the messages of u[0..n).  NULL allowed. */
void dossier_uploads_free(struct dossier_upload *u, size_t n);

/*
 * Scanned documents of a walk-in dossier: the desk's intake officer attaches them after the
 * registration, while the dossier is not finished.  dossier_scans_check checks uploads u[0..n)
 * like dossier_uploads_check, before any byte is stored; dossier_scans_attach attaches the
 * stored ones in one transaction (checked again), to the version frozen last, with a timeline
 * entry and an audit record naming the files; *errors (caller owns; NULL when none) maps
 * "doc_<id>" to the messages of the refused ones.  Both: MC_ENOTFOUND: not a dossier the officer
 * sees; MC_EFORBIDDEN: not the desk's intake officer; MC_ECONFLICT: not a walk-in dossier, or
 * finished (dossier_scans_closed); MC_EDB; MC_ENOMEM.
 */
int dossier_scans_check(struct db *db, const struct actor *a, int64_t id,
                        struct dossier_upload *u, size_t n);
int dossier_scans_attach(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                         struct dossier_upload *u, size_t n, json_t **errors);

/* 1 when a dossier in 'status' takes no more scans (returned, refused, withdrawn, expired). */
int dossier_scans_closed(const char *status);

/*
 * Save an editable dossier (a draft, or one whose supplement is asked for) in one transaction:
 * the answers as dossier_save_form does ('submitted' may be NULL: answers unchanged), the
 * current files listed in remove[0..nremove) taken out (ids not current in the dossier are
 * ignored), and the stored uploads of u[0..n) attached (a document taking one file loses its
 * current one).  The uploads are checked again inside the transaction.  Files belong to versions:
 * a file that no submitted version holds is deleted outright; one that a submitted version
 * holds stays in the history (removed_in).
 *
 * 0: saved; *errors (caller owns) maps each wrong field to its message (informative, as in
 * dossier_save_form) and "doc_<document id>" to the messages of the uploads refused (their rc
 * says why).  Other returns as dossier_save_form; *errors NULL on failure.
 */
int dossier_save(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                 const json_t *submitted, struct dossier_upload *u, size_t n,
                 const int64_t *remove, size_t nremove, json_t **errors);

/* A stored file of a dossier, for a download. */
struct dossier_file_ref {
	char sha256[FILESTORE_SHA256_HEX];
	char name[FILESTORE_DISPLAY_NAME_CAP];
	char kind[16];
	int64_t size;
};

/*
 * File 'file_id' of dossier 'id' (any file the dossier ever held, every version's) for 'a': its
 * owner, or a desk officer, specialist or leader of its desk or competent agency once the
 * dossier reached the desk (confirmed, or walk-in); never a draft's or an unconfirmed one's.
 * A staff member's opening is written to the audit log ("view", at 'now_ms').
 * MC_ENOTFOUND: no such file that 'a' may see (the same answer whatever the reason);
 * MC_EFORBIDDEN: neither a citizen nor such staff; MC_EDB.
 */
int dossier_file(struct db *db, const struct actor *a, int64_t now_ms, int64_t id,
                 int64_t file_id, struct dossier_file_ref *out);

#endif
