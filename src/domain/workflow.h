/* workflow.h: every dossier status and every transition between them, as one table.
 *
 * The table is the only place that says what may happen to a dossier: which action leads from
 * which status to which, in which workflow variant, by whom, with what input, which e-mail it
 * sends, what it does to the deadline clock, and which national portal (DVCQG) status code the
 * new status maps to.  Handlers and domain functions look transitions up here; an action the
 * table does not allow from the dossier's status changes nothing (MC_ECONFLICT, HTTP 409).
 * `motcua workflow show` prints it (docs/workflow.md explains it). */
#ifndef MC_WORKFLOW_H
#define MC_WORKFLOW_H

#include <stdio.h>

/* The workflow variants an offering chooses (offerings.workflow). */
enum wf_variant {
	WF_STANDARD = 1,      /* "standard": desk → department → leader → desk */
	WF_NO_DEPARTMENT = 2, /* "no_department": the desk itself prepares the result (certified
	                       * copies and the like), a leader approves */
	WF_NO_LEADER = 4,     /* "no_leader": the department decides without a leader's approval */
};
#define WF_ALL_VARIANTS (WF_STANDARD | WF_NO_DEPARTMENT | WF_NO_LEADER)

/* Who acts.  Staff roles act only on dossiers of their scope (the domain checks: the desk's
 * intake officers, the competent agency's specialists of the dossier's department, its
 * leaders). */
enum wf_role {
	WF_CITIZEN = 1,     /* the dossier's owner */
	WF_INTAKE = 2,      /* cán bộ tiếp nhận of the receiving desk */
	WF_SPECIALIST = 4,  /* chuyên viên of the department handling it */
	WF_LEADER = 8,      /* lãnh đạo of the competent agency or of that department */
	WF_SYSTEM = 16,     /* a sweep */
};

/* What a transition requires besides the dossier's version. */
enum wf_need {
	WF_NEED_NOTE = 1,        /* a note (reason, request, transfer note ...), never empty */
	WF_NEED_DEPARTMENT = 2,  /* the department to handle it */
	WF_NEED_ASSIGNEE = 4,    /* the specialist to take it over */
	WF_NEED_RESULT = 8,      /* the result drafted: document number and content */
	WF_NEED_RETURN = 16,     /* how the result was returned: in person or by post */
	WF_NEED_DUE = 32,        /* a new due date (an extension) */
	WF_NEED_CLAIM = 64,      /* only the specialist who claimed it (or a leader) */
	WF_OPTIONAL_NOTE = 128,  /* a note may be given */
	WF_INTERNAL_NOTE = 256,  /* the note is for staff: never shown or mailed to the citizen */
};

/* What a transition does to the deadline clock. */
enum wf_clock {
	WF_CLOCK_KEEP = 0,
	WF_CLOCK_START,   /* the dossier is received: its due date is computed (kept when it has one) */
	WF_CLOCK_PAUSE,   /* a supplement is awaited: the clock stops */
	WF_CLOCK_RESUME,  /* the citizen supplemented: the due date moves by the time waited
	                   * (the citizen's update calls dossier_flow_resume itself; no code reads
	                   * this value, it documents the table) */
	WF_CLOCK_STOP,    /* finished: the time it took is final */
	WF_CLOCK_EXTEND,  /* a leader sets a new due date */
};

/* How long a dossier may stay in a status (its step's due time). */
enum wf_step_kind {
	WF_STEP_NONE = 0,    /* no step deadline (waiting for the citizen, or finished) */
	WF_STEP_HOURS,       /* 'hours' working hours after entering it */
	WF_STEP_SAME_DAY,    /* the same working day, or the next when entered after 15:00 */
	WF_STEP_BEFORE_DUE,  /* the dossier's due time less 'hours' working hours */
};

struct wf_status {
	const char *code;      /* stored in dossiers.status */
	const char *label;     /* Vietnamese, for staff and citizens alike */
	int portal;            /* national portal status code 1..10; 0: not reported */
	int final;             /* nothing follows (returned, refused, withdrawn, expired) */
	enum wf_step_kind step;
	int step_hours;
};

struct wf_transition {
	const char *action;    /* "receive", "forward" ... (forms post it) */
	const char *label;     /* the button: "Tiếp nhận" */
	const char *from, *to; /* statuses; to == from for actions that keep the status */
	unsigned roles;        /* enum wf_role bits */
	unsigned variants;     /* enum wf_variant bits */
	unsigned needs;        /* enum wf_need bits */
	const char *note_label; /* the note's field label, when it takes one */
	const char *mail;      /* templates/mail/<mail>_{subject,text,html}; NULL: none */
	enum wf_clock clock;
};

/* The status named 'code', or NULL. */
const struct wf_status *wf_status(const char *code);

/* Every status, in flow order; *n receives how many. */
const struct wf_status *wf_statuses(size_t *n);

/* Every transition, in flow order; *n receives how many. */
const struct wf_transition *wf_transitions(size_t *n);

/* The variant an offering stores ("standard", "no_department", "no_leader"), or 0. */
enum wf_variant wf_variant_parse(const char *name);
const char *wf_variant_name(enum wf_variant v);
const char *wf_variant_label(enum wf_variant v);

/* The transition 'action' from status 'from' in variant 'v', or NULL when the table has none. */
const struct wf_transition *wf_find(enum wf_variant v, const char *from, const char *action);

/* Whether 'roles' (enum wf_role bits the actor holds on this dossier) may take transition 't'. */
int wf_allows(const struct wf_transition *t, unsigned roles);

/* The transitions of variant 'v' from status 'from' that 'roles' may take, into out[0..cap);
 * returns how many there are (even beyond cap). */
size_t wf_available(enum wf_variant v, const char *from, unsigned roles,
                    const struct wf_transition **out, size_t cap);

/* Print the table (every variant, or one when 'only' is not 0) to 'f': as text, or as a
 * Graphviz dot digraph per variant when 'dot'. */
void wf_print(FILE *f, enum wf_variant only, int dot);

#endif
