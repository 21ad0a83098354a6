/* pages_staff.c: the back office at /staff: the dashboard of a staff member's queues, a queue's
 * list, a dossier with the actions the workflow allows, and the printable reception slip.
 * Handlers parse and render; who may see and do what is decided in domain/backoffice.c and
 * domain/dossier_flow.c. */
#include "web/pages.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/backoffice.h"
#include "domain/dossier.h"
#include "domain/dossier_flow.h"
#include "domain/dossier_walkin.h"
#include "domain/formschema.h"
#include "domain/workflow.h"
#include "http/req.h"
#include "http/work.h"
#include "http/server.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "web/dossier_view.h"
#include "web/view.h"

/* The fields of the action forms, kept when a post is refused. */
static const char *const act_fields[] = { "action", "note", "department_id", "assignee_id",
                                          "result_number", "result_text", "return_method",
                                          "new_due" };

static int64_t now_ms(const struct req *r)
{
	return clock_now_ms(&r->app->clock);
}

/* A posted decimal id ("" or malformed: 0). */
static int64_t field_id(struct req *r, const char *name)
{
	int64_t id = view_positive_id(view_field(r, name));

	return id > 0 ? id : 0;
}

/* Why a dossier takes no scans (dossier_scans_check's or dossier_scans_attach's MC_ECONFLICT). */
#define SCANS_CLOSED "Hồ sơ này không nhận thêm giấy tờ bản quét."

/* GET /staff: the queues of the staff member's role, with counts and overdue counts. */
int page_staff_home(struct req *r)
{
	json_t *data = NULL;
	int rc = bo_dashboard(r->db, &r->actor, now_ms(r), &data);

	if (rc != 0)
		return rc;
	respond_page(r, 200, "staff/home", data);
	return 0;
}

/* The query string of a queue list without 'page' ("&key=value..."), for the pager's links. */
static void put_filter_query(struct req *r, json_t *data, int *rc)
{
	static const char *const keys[] = { "procedure", "status", "channel", "due", "q", "sort" };
	struct buf b;

	buf_init(&b, r->pool);
	for (size_t i = 0; *rc == 0 && i < sizeof keys / sizeof keys[0]; i++) {
		const char *v = view_query(r, keys[i]);

		if (v[0] != '\0' && (buf_printf(&b, "&%s=", keys[i]) != 0 || view_pct_append(&b, v) != 0))
			*rc = MC_ENOMEM;
	}
	view_put(data, "filter_query", json_string(b.data != NULL ? b.data : ""), rc);
}

/* GET /staff/queue/{code}?procedure=&status=&channel=&due=&q=&sort=&page= */
int page_staff_queue(struct req *r)
{
	static const char *const kept[] = { "procedure", "status", "channel", "due", "q", "sort" };
	struct bo_query q = { 0 };
	json_t *data = NULL, *values;
	const char *proc = view_query(r, "procedure");
	int rc;

	q.queue = req_param(r, "code");
	if (q.queue == NULL)
		return MC_ENOTFOUND;
	if ((rc = view_page_param(r, "page", BO_PAGE_MAX, &q.page)) != 0)
		return MC_EINVAL;
	if (proc[0] != '\0' && (q.procedure_id = view_positive_id(proc)) <= 0)
		return MC_EINVAL;
	q.status = view_query(r, "status");
	q.channel = view_query(r, "channel");
	q.due = view_query(r, "due");
	q.q = view_query(r, "q");
	q.sort = view_query(r, "sort");
	if ((rc = bo_queue(r->db, &r->actor, now_ms(r), &q, &data)) != 0)
		return rc;
	values = json_object();
	for (size_t i = 0; values != NULL && i < sizeof kept / sizeof kept[0]; i++)
		json_object_set_new(values, kept[i], json_string(view_query(r, kept[i])));
	view_put(data, "values", values, &rc);
	view_put(data, "due_" , json_object(), &rc);
	view_put(json_object_get(data, "due_"), view_query(r, "due")[0] != '\0'
	                                            ? view_query(r, "due") : "any",
	         json_true(), &rc);
	view_put(data, "sort_", json_object(), &rc);
	view_put(json_object_get(data, "sort_"), view_query(r, "sort")[0] != '\0'
	                                             ? view_query(r, "sort") : "due",
	         json_true(), &rc);
	view_put(data, "channel_", json_object(), &rc);
	view_put(json_object_get(data, "channel_"), view_query(r, "channel")[0] != '\0'
	                                                ? view_query(r, "channel") : "any",
	         json_true(), &rc);
	view_put(data, "has_prev", json_boolean(q.page > 1), &rc);
	view_put(data, "prev_page", json_integer(q.page - 1), &rc);
	view_put(data, "has_next",
	         json_boolean(q.page < json_integer_value(json_object_get(data, "pages"))), &rc);
	view_put(data, "next_page", json_integer(q.page + 1), &rc);
	put_filter_query(r, data, &rc);
	if (rc != 0) {
		json_decref(data);
		return rc;
	}
	respond_page(r, 200, "staff/queue", data);
	return 0;
}

/* What a refused post typed, for showing back as text: [ { label, value } ], non-empty only. */
static json_t *kept_input(struct req *r)
{
	static const struct {
		const char *field, *label;
	} fields[] = {
		{ "note", "Nội dung" }, { "result_number", "Số, ký hiệu văn bản" },
		{ "result_text", "Nội dung kết quả" }, { "new_due", "Ngày hẹn mới" },
	};
	json_t *list = json_array();

	for (size_t i = 0; list != NULL && i < sizeof fields / sizeof fields[0]; i++) {
		const char *v = view_field(r, fields[i].field);

		if (v[0] != '\0' &&
		    json_array_append_new(list, json_pack("{s:s, s:s}", "label", fields[i].label,
		                                          "value", v)) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/*
 * The dossier page with 'status': the dossier 'id' as the actor sees it, its answers and
 * versions, 'notice' (a flash or a refusal; NULL for none), the refused action's values and
 * problems ('errs' NULL for none), and 'open' the action whose form stays open.
 */
static int dossier_page_scans(struct req *r, int status, int64_t id, const char *notice,
                              int notice_is_error, const struct field_errors *errs,
                              const char *open, const json_t *scan_errors);

static int dossier_page(struct req *r, int status, int64_t id, const char *notice,
                        int notice_is_error, const struct field_errors *errs, const char *open)
{
	return dossier_page_scans(r, status, id, notice, notice_is_error, errs, open, NULL);
}

static int dossier_page_scans(struct req *r, int status, int64_t id, const char *notice,
                              int notice_is_error, const struct field_errors *errs,
                              const char *open, const json_t *scan_errors)
{
	json_t *d = NULL, *data, *values;
	int rc = bo_dossier(r->db, &r->actor, now_ms(r), id, &d);
	size_t i;
	json_t *act;

	if (rc != 0)
		return rc;
	data = json_object();
	if (data == NULL) {
		json_decref(d);
		return MC_ENOMEM;
	}
	json_array_foreach(json_object_get(d, "actions"), i, act)
		if (open != NULL && strcmp(view_member(act, "action"), open) == 0) {
			view_put(act, "open", json_true(), &rc);
			open = NULL;
		}
	/* The action is no longer offered (someone acted first): what was typed is shown as text,
	 * so nothing is lost. */
	if (open != NULL && errs != NULL)
		view_put(data, "kept_input", kept_input(r), &rc);
	view_put(data, "answers",
	         dossier_view_answers(r->pool, json_object_get(d, "form"),
	                              json_object_get(d, "form_data")), &rc);
	view_put(data, "versions", dossier_view_versions(r, d, &rc), &rc);
	view_put(data, "has_documents",
	         json_boolean(json_array_size(json_object_get(d, "documents")) > 0), &rc);
	/* Each document's refused scan beside its upload field. */
	json_array_foreach(json_object_get(d, "documents"), i, act) {
		const char *msg = json_string_value(json_object_get(scan_errors,
		                                                    view_member(act, "input")));
		if (msg != NULL)
			view_put(act, "scan_error", json_string(msg), &rc);
	}
	view_put(data, "has_actions",
	         json_boolean(json_array_size(json_object_get(d, "actions")) > 0), &rc);
	if (notice != NULL)
		view_put(data, notice_is_error ? "error_notice" : "notice", json_string(notice), &rc);
	view_put(data, "dossier", d, &rc);
	values = errs != NULL ? view_kept_values(r, act_fields, sizeof act_fields / sizeof act_fields[0])
	                      : NULL;
	if (rc != 0) {
		json_decref(values);
		json_decref(data);
		return rc;
	}
	view_form_page(r, status, "staff/dossier", values, errs, data);
	return 0;
}

/* What the flash after each action says. */
static const char *done_text(const char *action)
{
	static const struct {
		const char *action, *text;
	} texts[] = {
		{ "receive", "Đã tiếp nhận hồ sơ. Số biên nhận và ngày hẹn đã được gửi cho người nộp." },
		{ "request_supplement", "Đã gửi yêu cầu bổ sung cho người nộp." },
		{ "refuse", "Đã từ chối tiếp nhận hồ sơ và thông báo cho người nộp." },
		{ "forward", "Đã chuyển hồ sơ đến phòng chuyên môn." },
		{ "claim", "Bạn đã nhận xử lý hồ sơ." },
		{ "reassign", "Đã phân công lại chuyên viên xử lý." },
		{ "submit_result", "Đã trình lãnh đạo phê duyệt." },
		{ "propose_refusal", "Đã trình lãnh đạo đề xuất từ chối giải quyết." },
		{ "finish", "Đã hoàn thành xử lý và chuyển kết quả về bộ phận một cửa." },
		{ "refuse_result", "Đã từ chối giải quyết và chuyển văn bản về bộ phận một cửa." },
		{ "approve", "Đã phê duyệt." },
		{ "send_back", "Đã trả lại hồ sơ để xử lý lại." },
		{ "hand_back", "Đã chuyển kết quả về bộ phận một cửa." },
		{ "return", "Đã trả kết quả cho người nộp." },
		{ "note", "Đã gửi thông báo cho người nộp." },
		{ "internal_note", "Đã ghi chú nội bộ." },
		{ "extend", "Đã gia hạn và gửi thư xin lỗi, hẹn lại cho người nộp." },
		{ "scans", "Đã đính kèm giấy tờ bản quét vào hồ sơ." },
	};

	for (size_t i = 0; action != NULL && i < sizeof texts / sizeof texts[0]; i++)
		if (strcmp(texts[i].action, action) == 0)
			return texts[i].text;
	return NULL;
}

/* GET /staff/dossiers/{id}[?done=<action>] */
int page_staff_dossier(struct req *r)
{
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	return dossier_page(r, 200, id, done_text(view_query(r, "done")), 0, NULL, NULL);
}

/* POST /staff/dossiers/{id}/act: one transition.  Success: back to the page with its flash
 * (303).  Refused: the page again with what was typed, the problems beside the fields (422),
 * or the reason on top (403, 409). */
int page_staff_act(struct req *r)
{
	struct flow_input in = { 0 };
	struct flow_output out;
	struct field_errors errs;
	const char *refusal = NULL, *version = view_field(r, "version");
	char url[96];
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	in.action = view_field(r, "action");
	in.version = view_positive_id(version); /* malformed: -1, no version: refused as stale */
	in.note = view_field(r, "note");
	in.department_id = field_id(r, "department_id");
	in.assignee_id = field_id(r, "assignee_id");
	in.result_number = view_field(r, "result_number");
	in.result_text = view_field(r, "result_text");
	in.return_method = view_field(r, "return_method");
	in.new_due = view_field(r, "new_due");
	rc = dossier_act(&r->app->accounts, r->db, &r->actor, now_ms(r), id, &in, &errs, &out,
	                 &refusal);
	switch (rc) {
	case 0:
		snprintf(url, sizeof url, "/staff/dossiers/%" PRId64 "?done=%s", id, in.action);
		respond_redirect(r, 303, url);
		return 0;
	case MC_EINVAL:
		return dossier_page(r, 422, id, "Vui lòng kiểm tra lại các mục được đánh dấu.", 1,
		                    &errs, in.action);
	case MC_ECONFLICT:
	case MC_EFORBIDDEN:
		if (refusal == NULL)
			return rc;
		return dossier_page(r, rc == MC_ECONFLICT ? 409 : 403, id, refusal, 1, &errs,
		                    in.action);
	default:
		return rc;
	}
}

/* GET /staff/dossiers/{id}/receipt: the reception slip to print (Giấy tiếp nhận hồ sơ và hẹn
 * trả kết quả), once the dossier has a receipt number. */
int page_staff_receipt(struct req *r)
{
	json_t *d = NULL, *data;
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	if ((rc = bo_dossier(r->db, &r->actor, now_ms(r), id, &d)) != 0)
		return rc;
	if (!json_is_true(json_object_get(d, "receipt_printable"))) {
		json_decref(d);
		return MC_ENOTFOUND;
	}
	data = json_pack("{s:o}", "dossier", d);
	if (data == NULL)
		return MC_ENOMEM;
	respond_page(r, 200, "staff/receipt", data);
	return 0;
}

/* ---- walk-in dossiers ---- */

/* GET /staff/walk-in: the procedures the desk registers walk-in dossiers for. */
int page_staff_walkin_list(struct req *r)
{
	json_t *data = NULL;
	int rc = walkin_offerings(r->db, &r->actor, &data);

	if (rc != 0)
		return rc;
	respond_page(r, 200, "staff/walkin_list", data);
	return 0;
}

/*
 * The walk-in form of offering 'id' with 'status': the applicant's fields ('values' their
 * values, taken; when NULL, what is known of the citizen ID in the query), the procedure's form
 * with 'answers' (may be NULL) and 'answer_errors' beside its fields, 'errs' beside the
 * applicant's.
 */
static int walkin_page(struct req *r, int status, int64_t id, json_t *values,
                       const json_t *answers, const json_t *answer_errors,
                       const struct field_errors *errs)
{
	const char *cid = view_query(r, "cid");
	json_t *data = NULL, *view = NULL, *known;
	char today[16];
	int rc;

	if ((rc = walkin_form(r->db, &r->actor, now_ms(r), id, values != NULL ? NULL : cid,
	                      &data)) != 0) {
		json_decref(values);
		return rc;
	}
	clock_local_date(now_ms(r), today, sizeof today);
	rc = formschema_view(json_object_get(data, "form"), answers, answer_errors, today, &view);
	if (rc == 0 && values == NULL) {
		known = json_object_get(data, "known");
		values = json_pack("{s:s, s:s, s:s, s:s, s:s}", "applicant_citizen_id", cid,
		                   "applicant_name", view_member(known, "name"), "applicant_phone",
		                   view_member(known, "phone"), "applicant_email",
		                   view_member(known, "email"), "applicant_address",
		                   view_member(known, "address"));
		view_put(data, "looked_up", json_boolean(cid[0] != '\0'), &rc);
		view_put(data, "found", json_boolean(json_is_object(known)), &rc);
	}
	json_object_del(data, "form");
	view_put(data, "fields", view, &rc);
	view = NULL;
	if (rc != 0) {
		json_decref(values);
		json_decref(data);
		return rc;
	}
	view_form_page(r, status, "staff/walkin_form", values, errs, data);
	return 0;
}

/* GET /staff/walk-in/{offering}[?cid=]: the form, with the details of a known citizen ID. */
int page_staff_walkin_form(struct req *r)
{
	int64_t id;
	int rc = view_id_param(r, "offering", &id);

	if (rc != 0)
		return rc;
	return walkin_page(r, 200, id, NULL, NULL, NULL, NULL);
}

/* POST /staff/walk-in/{offering}: register and receive; to the dossier's page (303), or the
 * form again with everything typed and the problems beside the fields (422). */
int page_staff_walkin(struct req *r)
{
	struct walkin_applicant ap;
	struct flow_output out;
	struct field_errors errs;
	json_t *form = NULL, *answers = NULL, *answer_errors = NULL;
	char url[64];
	int64_t id, dossier = 0;
	int rc = view_id_param(r, "offering", &id);

	if (rc != 0)
		return rc;
	if ((rc = walkin_form(r->db, &r->actor, now_ms(r), id, NULL, &form)) != 0)
		return rc;
	answers = dossier_view_posted_answers(r, json_object_get(form, "form"),
	                                      DOSSIER_VIEW_ALL_SECTIONS);
	json_decref(form);
	if (answers == NULL)
		return MC_ENOMEM;
	ap.name = view_field(r, "applicant_name");
	ap.citizen_id = view_field(r, "applicant_citizen_id");
	ap.phone = view_field(r, "applicant_phone");
	ap.email = view_field(r, "applicant_email");
	ap.address = view_field(r, "applicant_address");
	rc = dossier_walk_in(&r->app->accounts, r->db, &r->actor, now_ms(r), id, &ap, answers,
	                     &errs, &answer_errors, &dossier, &out);
	if (rc == 0) {
		snprintf(url, sizeof url, "/staff/dossiers/%" PRId64 "?done=receive", dossier);
		respond_redirect(r, 303, url);
	} else if (rc == MC_EINVAL) {
		const char *name;
		json_t *msg;

		/* The summary on top lists the form's problems too, linked to their fields. */
		json_object_foreach(answer_errors, name, msg) {
			size_t len = strlen(FORMSCHEMA_INPUT_PREFIX) + strlen(name) + 1;
			char *input = h2o_mem_alloc_pool(r->pool, len);

			snprintf(input, len, "%s%s", FORMSCHEMA_INPUT_PREFIX, name);
			field_errors_add(&errs, input, json_string_value(msg));
		}
		rc = walkin_page(r, 422, id,
		                 view_kept_values(r, walkin_applicant_fields,
		                                  walkin_applicant_field_count),
		                 answers, answer_errors, &errs);
	}
	json_decref(answers);
	json_decref(answer_errors);
	return rc;
}

/* ---- scanned documents of a walk-in dossier ---- */

struct scans_job {
	int64_t id;
	struct dossier_upload *u;
	size_t n;
	struct filestore *files;
};

static void scans_job_free(void *p)
{
	struct scans_job *j = p;

	for (size_t i = 0; i < j->n; i++)
		free((void *)j->u[i].data);
	dossier_uploads_free(j->u, j->n);
	free(j->u);
	free(j);
}

static void scans_work(void *p)
{
	struct scans_job *j = p;

	dossier_uploads_store(j->files, j->u, j->n);
}

static void scans_done(struct req *r, void *p)
{
	struct scans_job *j = p;
	json_t *errors = NULL;
	char url[96];
	int rc = dossier_scans_attach(r->db, &r->actor, now_ms(r), j->id, j->u, j->n, &errors);
	int too_big = 0;

	for (size_t i = 0; i < j->n; i++)
		too_big |= j->u[i].rc == MC_ETOOBIG;
	if (rc == 0 && errors == NULL) {
		snprintf(url, sizeof url, "/staff/dossiers/%" PRId64 "?done=scans", j->id);
		respond_redirect(r, 303, url);
	} else if (rc == 0) {
		rc = dossier_page_scans(r, too_big ? 413 : 422, j->id,
		                        "Một số tệp chưa được đính kèm; xem lý do bên cạnh từng giấy tờ.",
		                        1, NULL, NULL, errors);
	} else if (rc == MC_ECONFLICT) {
		/* Finished since page_staff_scans checked: said as the check says it. */
		rc = dossier_page(r, 409, j->id, SCANS_CLOSED, 1, NULL, NULL);
	}
	json_decref(errors);
	if (rc != 0)
		respond_err(r, rc);
}

/* POST /staff/dossiers/{id}/files (multipart "doc_<document id>" file parts): the desk's
 * scans of a walk-in dossier's papers, checked against the catalogue here, checked by content
 * and stored on a worker thread, then attached. */
int page_staff_scans(struct req *r)
{
	struct scans_job *j;
	int64_t id;
	int rc = view_id_param(r, "id", &id);

	if (rc != 0)
		return rc;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return MC_ENOMEM;
	j->id = id;
	j->files = r->app->files;
	if ((rc = dossier_view_uploads(r, &j->u, &j->n)) != 0)
		goto fail;
	if (j->n == 0) {
		scans_job_free(j);
		return dossier_page(r, 422, id, "Vui lòng chọn tệp bản quét của ít nhất một giấy tờ.", 1,
		                    NULL, NULL);
	}
	if ((rc = dossier_scans_check(r->db, &r->actor, id, j->u, j->n)) != 0) {
		if (rc == MC_ECONFLICT) {
			scans_job_free(j);
			return dossier_page(r, 409, id, SCANS_CLOSED, 1, NULL, NULL);
		}
		goto fail;
	}
	if ((rc = work_submit_io(r, scans_work, scans_done, j, scans_job_free)) != 0)
		goto fail;
	return 0;
fail:
	scans_job_free(j);
	return rc;
}
