/* backoffice.h: what staff see of dossiers: the queues of their role with counts, the queue
 * lists with filters, search and paging, and one dossier with what they may do with it. */
#ifndef MC_BACKOFFICE_H
#define MC_BACKOFFICE_H

#include <jansson.h>
#include <stdint.h>

#include "domain/actor.h"

struct db;

#define BO_PER_PAGE 20
#define BO_PAGE_MAX 10000
#define BO_SEARCH_MAX 100  /* characters of the search box */
#define BO_SEARCH_WORDS 5  /* words of the search box used */

/*
 * The queues of each role (every one also shows the staff member's scope only, never a draft,
 * an unconfirmed or an expired dossier):
 *   intake:     "pending" (Chờ tiếp nhận), "received" (Đã tiếp nhận), "done" (Chờ trả kết quả),
 *               "supplement" (Chờ công dân bổ sung), "all";
 *   specialist: "unclaimed" (Chờ nhận xử lý), "mine" (Tôi đang xử lý), "approved" (Đã phê
 *               duyệt, chờ chuyển một cửa), "all";
 *   leader:     "approval" (Chờ phê duyệt), "processing" (Đang xử lý), "overdue" (Quá hạn), "all".
 * Administrators have none (MC_EFORBIDDEN).
 *
 * A dossier is overdue when its due time has passed, its clock is running (no supplement
 * awaited) and it is not finished.
 */

/* The dashboard: { "queues": [ { code, label, count, overdue } ], "role_label", "can_walk_in"
 * (an intake officer registers walk-in dossiers) } in *out. */
int bo_dashboard(struct db *db, const struct actor *a, int64_t now_ms, json_t **out);

/* What a queue list asks for; strings as typed ("" or NULL: no filter). */
struct bo_query {
	const char *queue;
	int64_t procedure_id;   /* 0: any */
	const char *status;     /* a status code */
	const char *channel;    /* "online" / "walk_in" */
	const char *due;        /* "overdue", "today" (due by the end of today), "week" */
	const char *q;          /* name, receipt number or citizen ID; diacritics ignored */
	const char *sort;       /* "due" (default), "received", "updated" */
	int page;               /* 1-based */
};

/*
 * One page of queue q->queue:
 *   { "queue": { code, label }, "queues": [ { code, label, selected } ], "items": [ { id,
 *     receipt_no, procedure_code, procedure_name, applicant_name, channel, channel_label,
 *     status, status_label, department_name, assignee_name, received_text, due_text,
 *     time_left_text, overdue, due_soon (less than a working day left), paused } ], "total", "page", "pages", "procedures": [ { id,
 *     code, name, selected } ] (those of the queue's scope, for the filter), "statuses":
 *     [ { code, label, selected } ] }
 * MC_ENOTFOUND: no such queue for the actor's role; MC_EINVAL: a filter value that is not one
 * of the choices, or a page out of range; MC_EFORBIDDEN; MC_EDB.
 */
int bo_queue(struct db *db, const struct actor *a, int64_t now_ms, const struct bo_query *q,
             json_t **out);

/*
 * Dossier 'id' for a staff member's page, in *out: every fact (receipt_no, procedure, agencies,
 * department, assignee, receiver_name (the officer who received it, "" before), channel,
 * status and label, version, workflow label, applicant_*, dates as local text, due_text,
 * step_due_text, time_left_text, overdue, paused, result (number, text, kind, reason),
 * return_method_label), "form_data" and "form" (the procedure's form, for
 * showing the answers), "documents" (the files, as dossier_documents_view gives them, with
 * "url" for staff), "timeline" (every entry, staff notes included, each with "internal"),
 * "extensions", "actions": [ { action, label, note_label, needs_note, optional_note,
 * needs_department, needs_assignee, needs_result, needs_return, needs_due, danger } ] (what
 * the actor may do now), "departments" and "specialists" (the choices those need), and
 * "receipt_printable" (the reception slip exists).  Looking at the applicant's data is written
 * to the audit log ("view").  MC_ENOTFOUND: not visible to the actor; MC_EFORBIDDEN: not
 * staff; MC_EDB.
 */
int bo_dossier(struct db *db, const struct actor *a, int64_t now_ms, int64_t id, json_t **out);

/* The working time left before 'due_ms' at 'now_ms' on the calendar of agency 'agency_id', as
 * Vietnamese text ("Còn 2 ngày 3 giờ", "Quá hạn 5 giờ"; "" when there is no due time), whether
 * it is overdue, and whether it is due soon (less than a working day left).  MC_EDB. */
int bo_time_left(struct db *db, int64_t agency_id, int64_t now_ms, int64_t due_ms,
                 char *text, size_t cap, int *overdue, int *soon);

#endif
