/* dossier_flow.h: what the one-stop desk, the departments and the leaders do with a dossier,
 * one transition of the workflow table (workflow.h) at a time (docs/workflow.md). */
#ifndef MC_DOSSIER_FLOW_H
#define MC_DOSSIER_FLOW_H

#include <jansson.h>
#include <stdint.h>

#include "domain/account.h"
#include "domain/actor.h"
#include "domain/field_errors.h"
#include "domain/workflow.h"

struct db;

#define FLOW_NOTE_MAX 2000        /* characters of a note */
#define FLOW_RESULT_NUMBER_MAX 64 /* characters of a result's number ("123/QĐ-UBND") */
#define FLOW_RESULT_MAX 4000      /* characters of a result's content */
#define FLOW_RECEIPT_MAX 64       /* bytes of a receipt number */

/*
 * Who may see a dossier.  Nobody on staff sees a draft or an unconfirmed dossier.
 *   - an intake officer: the dossiers its agency receives as desk, and those it decides on;
 *   - a specialist: those its department handles (forwarded to it);
 *   - a leader: those its agency decides on (a department's leader: its department's only),
 *     and, for an agency-wide leader, those its agency receives as desk.
 * Administrators administer; they do not handle dossiers.  Anyone else gets MC_ENOTFOUND, as
 * if the dossier did not exist.
 *
 * The roles an actor holds on a visible dossier (enum wf_role bits) decide which transitions it
 * may take: WF_INTAKE for the desk's intake officers, WF_SPECIALIST for the specialists of the
 * department handling it, WF_LEADER for the competent agency's leaders (a department's leader
 * only for its department).
 */

/* What a staff member's form posts for one transition. */
struct flow_input {
	const char *action;         /* a transition's action ("receive", "forward" ...) */
	int64_t version;            /* the dossier's version the form was built from */
	const char *note;           /* NULL or "": none */
	int64_t department_id;      /* forward */
	int64_t assignee_id;        /* reassign: the specialist's account id */
	const char *result_number;  /* submit_result, finish: the document's number (optional) */
	const char *result_text;    /* submit_result, finish: its content */
	const char *return_method;  /* return: "in_person" or "post" */
	const char *new_due;        /* extend: "dd/mm/yyyy" (due as the office closes that day) */
};

/* What a transition did. */
struct flow_output {
	char status[32];                       /* the new status */
	char receipt_no[FLOW_RECEIPT_MAX + 1]; /* the dossier's receipt number ("" before one) */
	int64_t due_ms;                        /* its due instant (0: none) */
	int64_t version;                       /* its new version */
};

/*
 * Take transition in->action on dossier 'id' as staff member 'a' at 'now_ms', in one
 * transaction: the table must allow the action from the dossier's status in its variant, to one
 * of the actor's roles on it; the version must be the dossier's.  What it records:
 *   - every transition: the new status and version, the step's due time, a timeline entry
 *     (the note; kept from the citizen when the table says it is internal), an audit record,
 *     and the table's e-mail to the citizen (owner, or a walk-in applicant's address);
 *   - receive: a receipt number from the desk agency's pattern and daily counter (kept when the
 *     dossier had one), the reception time and the due date from the procedure's time and the
 *     desk's working calendar (kept when it had one);
 *   - request_supplement: the clock stops (dossier_flow_resume restarts it when the citizen
 *     updates the dossier); forward: the department; claim and reassign: the specialist;
 *     submit_result, finish: the result; propose_refusal, refuse_result: the reason as the
 *     result; approve: who and when; hand_back, finish, approve (no_department), refuse:
 *     the end of processing; return: the time and method; extend: the new due date and the
 *     extension's history row.
 * 0 with *out.  MC_ENOTFOUND: no such dossier, or not visible to 'a'.  MC_EFORBIDDEN: visible,
 * but the action is not one of the actor's (or the dossier is claimed by someone else);
 * *refusal says why.  MC_ECONFLICT: the version is stale, or the action is not possible from
 * the dossier's status (someone acted first); *refusal says so.  MC_EINVAL: 'errs' names each
 * wrong input ("note", "department_id", "assignee_id", "result_number", "result_text",
 * "return_method", "new_due").  MC_EUNAVAIL; MC_EDB.
 */
int dossier_act(const struct account_env *env, struct db *db, const struct actor *a,
                int64_t now_ms, int64_t id, const struct flow_input *in,
                struct field_errors *errs, struct flow_output *out, const char **refusal);

/* dossier_act inside the caller's transaction (which it neither commits nor rolls back, and
 * whose mail the caller wakes the sender for after committing). */
int dossier_act_in(const struct account_env *env, struct db *db, const struct actor *a,
                   int64_t now_ms, int64_t id, const struct flow_input *in,
                   struct field_errors *errs, struct flow_output *out, const char **refusal);

/*
 * Inside the caller's transaction: the citizen supplemented dossier 'id' at 'now_ms'.  When its
 * clock was stopped for the supplement, the due date moves by the working time waited and the
 * clock runs again.  MC_EDB.
 */
int dossier_flow_resume(struct db *db, int64_t id, int64_t now_ms);

/* Whether staff member 'a' sees dossier 'id' (the rules above; never a draft, an unconfirmed
 * or an expired dossier): 0, MC_ENOTFOUND, or MC_EFORBIDDEN when 'a' is not staff; MC_EDB. */
int dossier_flow_visible(struct db *db, const struct actor *a, int64_t id);

/* Recompute dossier 'id''s search_text (its applicant's name, receipt number and citizen ID,
 * folded) inside the caller's transaction, after any of them changed.  MC_EDB; MC_ENOMEM. */
int dossier_search_refresh(struct db *db, int64_t id);

/* Fill search_text where it is still NULL (rows from before the column), in one transaction;
 * *filled (may be NULL) receives how many.  MC_EDB. */
int dossier_search_backfill(struct db *db, int64_t *filled);

/* The roles (enum wf_role bits) 'a' holds on a dossier of desk 'desk', competent agency
 * 'competent' and department 'department' (0: not forwarded), and whether it sees it at all. */
unsigned dossier_flow_roles(const struct actor *a, int64_t desk, int64_t competent,
                            int64_t department, int *visible);

/*
 * The next receipt number of agency 'agency_id' for the local day of 'now_ms', inside the
 * caller's transaction: from the agency's pattern and its counter for the day (starting at the
 * agency's receipt_start), skipping numbers another dossier holds.  0 with out[FLOW_RECEIPT_MAX
 * + 1]; MC_EINVAL: the pattern makes a number longer than FLOW_RECEIPT_MAX; MC_EDB.
 */
int dossier_receipt_next(struct db *db, int64_t agency_id, int64_t now_ms,
                         char out[FLOW_RECEIPT_MAX + 1]);

/* Format receipt pattern 'pattern' for agency code 'code', local date y-m-d and counter 'n'
 * (tokens: {code} {yyyy} {yy} {MM} {dd} and {N...}, as many digits as N's, at least).
 * 0, or MC_EINVAL (too long, or no counter token). */
int dossier_receipt_format(const char *pattern, const char *code, int y, int m, int d, long n,
                           char out[FLOW_RECEIPT_MAX + 1]);

#endif
