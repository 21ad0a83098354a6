/* pages_dossier.c: the citizen's own dossiers (docs/dossiers.md): starting one from an offering,
 * filling and saving its form as a draft, the list "Hồ sơ của tôi", the detail with its
 * timeline, and withdrawing.  Handlers parse, call domain/dossier.c, render; which dossier a
 * citizen may see or change is decided there (anything not its own answers MC_ENOTFOUND). */
#include "web/pages.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain/catalog.h"
#include "domain/dossier.h"
#include "domain/field_errors.h"
#include "domain/formschema.h"
#include "http/work.h"
#include "http/req.h"
#include "http/server.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "limit.h"
#include "store/db.h"
#include "web/dossier_view.h"
#include "web/view.h"

/* Every URL built here fits: "/dossiers/<id>?withdrawn=1", "/dossiers?page=<n>" ... */
#define DOSSIER_URL_SIZE 192

/* ---- shared pieces ---- */

static int64_t now_ms(const struct req *r)
{
	return clock_now_ms(&r->app->clock);
}

/* "/dossiers/<id><suffix>" into url (DOSSIER_URL_SIZE bytes). */
static const char *dossier_url(char *url, int64_t id, const char *suffix)
{
	snprintf(url, DOSSIER_URL_SIZE, "/dossiers/%" PRId64 "%s", id, suffix);
	return url;
}

/* The route's dossier id and the owner's view of it (dossier_get).  MC_ENOTFOUND for a
 * malformed id, an unknown one and another account's dossier alike. */
static int load_dossier(struct req *r, int64_t *id, json_t **d)
{
	int rc;

	*d = NULL;
	if ((rc = view_id_param(r, "id", id)) != 0)
		return rc;
	return dossier_get(r->db, &r->actor, *id, d);
}

/* ---- starting a dossier ---- */

/*
 * GET /dossiers/new?offering=<id>: what the catalogue's "Nộp hồ sơ trực tuyến" button opens.
 * Creating a dossier changes state, so it takes a POST; this page asks for it with one button.
 * No domain call maps an offering to its procedure and desk for a citizen, so the page cannot
 * name them; the POST checks the offering.
 */
int page_dossier_new_form(struct req *r)
{
	int64_t id = view_positive_id(view_query(r, "offering"));
	json_t *data;
	int rc;

	if (id <= 0)
		return MC_ENOTFOUND; /* a malformed id names no record */
	if ((rc = dossier_offering_summary(r->db, &r->actor, id, &data)) != 0)
		return rc;
	json_object_set_new(data, "csrf", json_string(req_csrf_token(r)));
	respond_page(r, 200, "dossier/new", data);
	return 0;
}

/* POST /dossiers/new: start a draft for the posted offering, then to its form. */
int page_dossier_new(struct req *r)
{
	const char *refusal = NULL;
	char url[DOSSIER_URL_SIZE];
	int64_t offering = view_positive_id(view_field(r, "offering")), id;
	int rc;

	if (offering <= 0)
		return MC_ENOTFOUND;
	rc = dossier_start(r->db, &r->actor, now_ms(r), offering, &id, &refusal);
	if (rc == MC_EFORBIDDEN && refusal != NULL) {
		/* The account cannot use this procedure (a business on a citizen's procedure ...):
		 * say why, in the domain's fixed words, never the request's. */
		respond_page(r, 403, "dossier/refused", json_pack("{s:s}", "reason", refusal));
		return 0;
	}
	if (rc != 0)
		return rc;
	respond_redirect(r, 303, dossier_url(url, id, "/form"));
	return 0;
}

/* ---- the form ---- */

static int detail_page(struct req *r, int status, const json_t *d, const char *reason,
                       const struct field_errors *errs, const char *notice);

/* ---- the form, step by step, and the supplement's edit page ---- */

/* How the form is shown: one step at a time while drafting (each section of the schema, then
 * the documents), or all at once when the agency asked for a supplement. */
enum form_mode { FORM_STEPS, FORM_EDIT };

/* The schema's sections (nsections) and whether the procedure asks for documents. */
static int step_count(const json_t *d, int *nsections)
{
	*nsections = (int)json_array_size(json_object_get(json_object_get(d, "form"), "sections"));
	return *nsections + (json_array_size(json_object_get(d, "documents")) > 0 ? 1 : 0);
}

/* Whether any field of section 'step' (1-based) of 'schema' has a message in 'errors'. */
static int section_has_errors(const json_t *schema, int step, const json_t *errors)
{
	const json_t *section = json_array_get(json_object_get(schema, "sections"), (size_t)step - 1);
	const json_t *field;
	size_t i;

	json_array_foreach(json_object_get(section, "fields"), i, field)
		if (json_object_get(errors, view_member(field, "name")) != NULL)
			return 1;
	return 0;
}

/* The steps for the progress list: [ { number, title, current, url } ]. */
static json_t *steps_view(const json_t *d, int step, int nsections, int count)
{
	json_t *list = json_array(), *it;
	char url[DOSSIER_URL_SIZE], suffix[32];
	int rc = 0;

	for (int i = 1; list != NULL && i <= count; i++) {
		const json_t *section = json_array_get(
			json_object_get(json_object_get(d, "form"), "sections"), (size_t)i - 1);

		snprintf(suffix, sizeof suffix, "/form?step=%d", i);
		it = json_object();
		if (it == NULL || json_array_append_new(list, it) != 0) {
			json_decref(list);
			return NULL;
		}
		view_put(it, "number", json_integer(i), &rc);
		view_put(it, "title", json_string(i <= nsections ? view_member(section, "title")
		                                            : "Giấy tờ đính kèm"), &rc);
		view_put(it, "current", json_boolean(i == step), &rc);
		view_put(it, "url", json_string(dossier_url(url, json_integer_value(
			json_object_get(d, "id")), suffix)), &rc);
	}
	if (rc != 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/*
 * The documents of 'd' with the messages of 'errors' ("doc_<id>") beside each, appending those
 * messages to 'summary' ({ field, message }).
 */
static json_t *documents_view(const json_t *d, const json_t *errors, json_t *summary, int *rc)
{
	json_t *docs = json_deep_copy(json_object_get(d, "documents")), *doc;
	size_t i;

	if (docs == NULL) {
		*rc = MC_ENOMEM;
		return NULL;
	}
	json_array_foreach(docs, i, doc) {
		const char *msg = json_string_value(json_object_get(errors, view_member(doc, "input")));

		view_put(doc, "invalid", json_boolean(msg != NULL), rc);
		view_put(doc, "error", json_string(msg != NULL ? msg : ""), rc);
		if (msg != NULL && json_array_append_new(summary, json_pack("{s:s, s:s}", "field",
		                                          view_member(doc, "input"), "message", msg)) != 0)
			*rc = MC_ENOMEM;
	}
	return docs;
}

/*
 * Render the form of dossier 'd' ('mode'; 'step' 1-based for FORM_STEPS) with 'status': its
 * stored answers and files, the problems in 'errors' (field name or "doc_<id>" → message; NULL
 * for none) beside each field and in the summary, and 'notice' (NULL for none) on top.
 */
static int form_page(struct req *r, int status, const json_t *d, enum form_mode mode, int step,
                     const json_t *errors, const char *notice)
{
	json_t *view = NULL, *data = NULL, *summary = NULL, *sections, *kept, *field;
	const json_t *schema = json_object_get(d, "form");
	int nsections, count = step_count(d, &nsections), docs_shown, rc = 0;
	char today[16], files_limit[48];
	size_t i;

	clock_local_date(now_ms(r), today, sizeof today);
	rc = formschema_view(schema, json_object_get(d, "form_data"), errors, today, &view);
	if (rc != 0)
		goto out;
	summary = json_array();
	data = json_object();
	if (summary == NULL || data == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	sections = json_object_get(view, "sections");
	docs_shown = mode == FORM_EDIT || step > nsections;
	if (mode == FORM_STEPS) {
		/* One section per page, or none on the documents' page. */
		kept = json_array();
		if (kept == NULL) {
			rc = MC_ENOMEM;
			goto out;
		}
		if (step <= nsections)
			json_array_append(kept, json_array_get(sections, (size_t)step - 1));
		json_object_set_new(view, "sections", kept);
		sections = kept;
	}
	/* The summary lists the problems of what the page shows, in its order. */
	json_array_foreach(sections, i, kept) {
		size_t j;

		json_array_foreach(json_object_get(kept, "fields"), j, field)
			if (json_is_true(json_object_get(field, "invalid")) &&
			    json_array_append_new(summary, json_pack("{s:s, s:s}", "field",
			                          view_member(field, "id"), "message", view_member(field, "error")))
			        != 0)
				rc = MC_ENOMEM;
	}
	if (docs_shown) {
		view_put(data, "documents", documents_view(d, errors, summary, &rc), &rc);
		catalog_format_size((int64_t)LIMIT_DOSSIER_FILES_BYTES, files_limit, sizeof files_limit);
		view_put(data, "files_limit_text", json_string(files_limit), &rc);
	}
	view_put(data, "dossier", json_incref((json_t *)d), &rc);
	view_put(data, "form", view, &rc);
	view = NULL;
	view_put(data, "csrf", json_string(req_csrf_token(r)), &rc);
	view_put(data, "show_documents", json_boolean(docs_shown), &rc);
	view_put(data, "has_summary", json_boolean(json_array_size(summary) > 0), &rc);
	view_put(data, "summary", json_incref(summary), &rc);
	view_put(data, "edit_mode", json_boolean(mode == FORM_EDIT), &rc);
	view_put(data, "step", json_integer(step), &rc);
	view_put(data, "step_count", json_integer(count), &rc);
	view_put(data, "has_previous", json_boolean(mode == FORM_STEPS && step > 1), &rc);
	view_put(data, "is_last", json_boolean(step >= count), &rc);
	if (mode == FORM_STEPS)
		view_put(data, "steps", steps_view(d, step, nsections, count), &rc);
	if (notice != NULL)
		view_put(data, "notice", json_string(notice), &rc);
	if (rc != 0)
		goto out;
	respond_page(r, status, "dossier/form", data);
	data = NULL;
out:
	json_decref(summary);
	json_decref(view);
	json_decref(data);
	return rc;
}

/* The "step" of the query or the form: 1 to 'count' (1 when absent or out of range). */
static int step_param(const char *s, int count)
{
	int64_t v = view_positive_id(s);

	if (v <= 0 || v > count)
		return 1;
	return (int)v;
}

/* GET /dossiers/{id}/form?step=N: step N of the draft with its stored answers.  A dossier that
 * is no longer a draft is shown instead (an old bookmark, the back button after submitting);
 * one waiting for a supplement goes to its edit page. */
int page_dossier_form(struct req *r)
{
	json_t *d = NULL;
	char url[DOSSIER_URL_SIZE];
	int64_t id;
	int rc, nsections;

	if ((rc = load_dossier(r, &id, &d)) != 0)
		goto out;
	if (!json_is_true(json_object_get(d, "is_draft"))) {
		respond_redirect(r, 303, dossier_url(url, id, json_is_true(json_object_get(
			d, "is_supplement")) ? "/edit" : ""));
		goto out;
	}
	rc = form_page(r, 200, d, FORM_STEPS,
	               step_param(view_query(r, "step"), step_count(d, &nsections)), NULL, NULL);
out:
	json_decref(d);
	return rc;
}

/* GET /dossiers/{id}/edit: the supplement's page, everything at once with the agency's
 * request on top.  Refused (409) in every status but "Yêu cầu bổ sung". */
int page_dossier_edit(struct req *r)
{
	json_t *d = NULL;
	int64_t id;
	int rc;

	if ((rc = load_dossier(r, &id, &d)) != 0)
		goto out;
	if (!json_is_true(json_object_get(d, "is_supplement"))) {
		rc = detail_page(r, 409, d, NULL, NULL,
		                 "Hồ sơ không ở trạng thái yêu cầu bổ sung nên không thể chỉnh sửa.");
		goto out;
	}
	rc = form_page(r, 200, d, FORM_EDIT, 1, NULL, NULL);
out:
	json_decref(d);
	return rc;
}

/* What a post of the form or the edit page carries to the worker and back. */
struct save_job {
	int64_t id;
	enum form_mode mode;
	int step;
	char action[16];
	json_t *answers;             /* only touched on the event loop */
	int64_t *remove;
	size_t nremove;
	struct dossier_upload *u;    /* each with its own heap copy of the bytes */
	size_t n;
	struct filestore *files;
	json_t *errors;              /* the save's problems, from the save to the page */
	char wal[PATH_MAX];          /* the file whose sync acknowledges the save (group commit) */
	int sync_rc;
	int sync_errno;              /* errno of a failed sync (MC_EIO), taken on its worker */
};

static void save_job_free(void *p)
{
	struct save_job *j = p;

	json_decref(j->errors);

	for (size_t i = 0; i < j->n; i++)
		free((void *)j->u[i].data);
	dossier_uploads_free(j->u, j->n);
	free(j->u);
	free(j->remove);
	json_decref(j->answers);
	free(j);
}

/* The files the citizen asked to take out: each "remove" value (the button pressed). */
static int collect_removals(struct req *r, struct save_job *j)
{
	const struct form *f;
	int64_t fid;
	int rc;

	if ((rc = req_form(r, &f)) != 0)
		return rc;
	j->remove = calloc(f->count > 0 ? f->count : 1, sizeof(*j->remove));
	if (j->remove == NULL)
		return MC_ENOMEM;
	for (size_t i = 0; i < f->count; i++)
		if (strcmp(f->fields[i].name, "remove") == 0 &&
		    (fid = view_positive_id(f->fields[i].value)) > 0)
			j->remove[j->nremove++] = fid;
	return 0;
}

/* The status the uploads call for: 413 when one was too big, 422 when one was refused
 * otherwise, 0 when all went in. */
static int uploads_status(const struct save_job *j)
{
	int status = 0;

	for (size_t i = 0; i < j->n; i++) {
		if (j->u[i].rc == MC_ETOOBIG)
			return 413;
		if (j->u[i].rc != 0)
			status = 422;
	}
	return status;
}

/* The last part of a post, once the save is on disk: go on as the button pressed says. */
static int finish_render(struct req *r, struct save_job *j)
{
	json_t *d = NULL, *errors = j->errors, *update_errors = NULL;
	const char *action = j->action;
	char url[DOSSIER_URL_SIZE], suffix[32];
	int rc, status, nsections, count;

	j->errors = NULL;
	if ((rc = dossier_get(r->db, &r->actor, j->id, &d)) != 0)
		goto out;
	status = uploads_status(j);
	count = step_count(d, &nsections);
	if (j->mode == FORM_EDIT) {
		if (strcmp(action, "update") == 0 && status == 0) {
			rc = dossier_update_supplement(&r->app->accounts, r->db, &r->actor, now_ms(r),
			                               j->id, &update_errors);
			if (rc == 0) {
				respond_redirect(r, 303, dossier_url(url, j->id, "?updated=1"));
				goto out;
			}
			if (rc != MC_EINVAL)
				goto out;
			rc = form_page(r, 422, d, FORM_EDIT, 1, update_errors,
			               "Hồ sơ chưa được cập nhật: vui lòng sửa các mục dưới đây.");
			goto out;
		}
		rc = form_page(r, status != 0 ? status : 200, d, FORM_EDIT, 1, errors,
		               status != 0 ? "Một số tệp chưa được lưu; các thông tin khác đã được lưu."
		                           : "Đã lưu các thay đổi. Bấm “Cập nhật nội dung hồ sơ” để "
		                             "gửi lại hồ sơ cho cơ quan.");
		goto out;
	}
	if (status != 0) {
		rc = form_page(r, status, d, FORM_STEPS, j->step, errors,
		               "Một số tệp chưa được lưu; các thông tin khác đã được lưu nháp.");
		goto out;
	}
	if (strcmp(action, "back") == 0 && j->step > 1) {
		snprintf(suffix, sizeof suffix, "/form?step=%d", j->step - 1);
		respond_redirect(r, 303, dossier_url(url, j->id, suffix));
		goto out;
	}
	if (strcmp(action, "next") == 0) {
		if (j->step <= nsections &&
		    section_has_errors(json_object_get(d, "form"), j->step, errors)) {
			rc = form_page(r, 422, d, FORM_STEPS, j->step, errors,
			               "Đã lưu nháp. Vui lòng sửa các mục dưới đây để tiếp tục.");
			goto out;
		}
		if (j->step < count)
			snprintf(suffix, sizeof suffix, "/form?step=%d", j->step + 1);
		else
			snprintf(suffix, sizeof suffix, "/check");
		respond_redirect(r, 303, dossier_url(url, j->id, suffix));
		goto out;
	}
	rc = form_page(r, 200, d, FORM_STEPS, j->step, errors,
	               j->nremove > 0 ? "Đã xóa tệp và lưu nháp." : "Đã lưu nháp.");
out:
	json_decref(update_errors);
	json_decref(errors);
	json_decref(d);
	return rc;
}

static void sync_work(void *p)
{
	struct save_job *j = p;

	j->sync_rc = db_sync_file(j->wal);
	j->sync_errno = j->sync_rc == MC_EIO ? errno : 0;
}

static void sync_done(struct req *r, void *p)
{
	struct save_job *j = p;
	int rc = j->sync_rc;

	if (rc != 0)
		fprintf(stderr, "dossier: cannot sync %s: %s\n", j->wal,
		        j->sync_errno != 0 ? strerror(j->sync_errno) : mc_strerror(rc));
	if (rc == 0)
		rc = finish_render(r, j);
	if (rc != 0)
		respond_err(r, rc);
}

/*
 * The second half of a post, on the event loop once the files are stored: save everything in
 * one transaction.  The commit does not wait for the disk on the event loop: a worker syncs the
 * database's log, shared with the saves of other requests (group commit), and only then does the
 * page answer, so nothing is acknowledged before it is on disk.  j's contents move to the sync's
 * job.
 */
static int finish_save(struct req *r, struct save_job *j)
{
	struct save_job *k;
	json_t *errors = NULL;
	char url[DOSSIER_URL_SIZE];
	int rc, restore;

	if ((rc = db_defer_sync(r->db, 1, NULL, 0)) != 0)
		return rc;
	rc = dossier_save(r->db, &r->actor, now_ms(r), j->id, j->answers, j->u, j->n, j->remove,
	                  j->nremove, &errors);
	/* Back to waiting commits before anything else writes on this connection. */
	restore = db_defer_sync(r->db, 0, j->wal, sizeof j->wal);
	if (rc == 0 && restore != 0)
		rc = restore;
	if (rc == MC_ECONFLICT) {
		/* Submitted or received meanwhile (another tab): show where it stands. */
		respond_redirect(r, 303, dossier_url(url, j->id, ""));
		return 0;
	}
	if (rc != 0) {
		json_decref(errors);
		return rc;
	}
	j->errors = errors;
	if (j->wal[0] == '\0')
		return finish_render(r, j); /* nothing to sync (a database in memory) */
	k = malloc(sizeof(*k));
	if (k == NULL)
		return MC_ENOMEM;
	/* k takes what j owned: j's own release then frees nothing. */
	*k = *j;
	j->u = NULL;
	j->n = 0;
	j->remove = NULL;
	j->answers = NULL;
	j->errors = NULL;
	rc = work_submit_io(r, sync_work, sync_done, k, save_job_free);
	if (rc != 0)
		save_job_free(k);
	return rc;
}

static void save_work(void *p)
{
	struct save_job *j = p;

	dossier_uploads_store(j->files, j->u, j->n);
}

static void save_done(struct req *r, void *p)
{
	int rc = finish_save(r, p);

	if (rc != 0)
		respond_err(r, rc);
}

/*
 * POST /dossiers/{id}/form and /dossiers/{id}/edit (multipart, or urlencoded when no file is
 * sent): the answers of the fields shown, the files chosen, the file to take out ("remove"),
 * and the button pressed ("action": save, next, back; update on the edit page).  Sizes are
 * checked here, before any byte is stored; contents are checked and stored on a worker thread
 * (libmagic, SHA-256, fsync), then finish_save saves everything in one transaction.  Nothing
 * typed is lost: refused files leave every answer saved.
 */
static int post_form(struct req *r, enum form_mode mode)
{
	const char *action = view_field(r, "action");
	json_t *d = NULL;
	struct save_job *j = NULL;
	int64_t id;
	int rc, nsections;

	if ((rc = load_dossier(r, &id, &d)) != 0)
		goto out;
	if (strcmp(action, "save") != 0 && strcmp(action, "next") != 0 &&
	    strcmp(action, "back") != 0 && strcmp(action, "update") != 0 && action[0] != '\0') {
		rc = MC_EINVAL;
		goto out;
	}
	if (mode == FORM_STEPS && !json_is_true(json_object_get(d, "is_draft"))) {
		/* The steps are a draft's; a supplement is edited on its own page. */
		char url[DOSSIER_URL_SIZE];

		respond_redirect(r, 303, dossier_url(url, id, json_is_true(json_object_get(
			d, "is_supplement")) ? "/edit" : ""));
		goto out;
	}
	if (mode == FORM_EDIT && !json_is_true(json_object_get(d, "is_supplement"))) {
		rc = detail_page(r, 409, d, NULL, NULL,
		                 "Hồ sơ không ở trạng thái yêu cầu bổ sung nên không thể chỉnh sửa.");
		goto out;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	j->id = id;
	j->mode = mode;
	j->step = mode == FORM_STEPS ? step_param(view_field(r, "step"), step_count(d, &nsections))
	                             : 1;
	snprintf(j->action, sizeof j->action, "%s", action);
	j->files = r->app->files;
	/* A step shows one section, the documents' step none (its index is past the last). */
	j->answers = dossier_view_posted_answers(r, json_object_get(d, "form"),
	                                         mode == FORM_STEPS ? (size_t)j->step - 1
	                                                            : DOSSIER_VIEW_ALL_SECTIONS);
	if (j->answers == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if ((rc = dossier_view_uploads(r, &j->u, &j->n)) != 0 || (rc = collect_removals(r, j)) != 0)
		goto out;
	if (j->n == 0) {
		rc = finish_save(r, j);
		goto out;
	}
	rc = dossier_uploads_check(r->db, &r->actor, id, j->u, j->n);
	if (rc == MC_ECONFLICT) {
		char url[DOSSIER_URL_SIZE];

		respond_redirect(r, 303, dossier_url(url, id, ""));
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = work_submit_io(r, save_work, save_done, j, save_job_free);
	if (rc == 0)
		j = NULL; /* the job owns it now */
out:
	if (j != NULL)
		save_job_free(j);
	json_decref(d);
	return rc;
}

int page_dossier_form_save(struct req *r)
{
	return post_form(r, FORM_STEPS);
}

int page_dossier_edit_save(struct req *r)
{
	return post_form(r, FORM_EDIT);
}

/* ---- the list ---- */

/* GET /dossiers: "Hồ sơ của tôi", most recently changed first, DOSSIER_PER_PAGE a page. */
int page_dossiers(struct req *r)
{
	json_t *list = NULL, *data = NULL;
	json_int_t pages, total;
	char url[DOSSIER_URL_SIZE];
	int page, rc;

	if (view_page_param(r, "page", DOSSIER_PAGE_MAX, &page) != 0) {
		respond_error(r, 400);
		return 0;
	}
	if ((rc = dossier_list(r->db, &r->actor, page, &list)) != 0)
		goto out;
	pages = json_integer_value(json_object_get(list, "pages"));
	total = json_integer_value(json_object_get(list, "total"));
	data = json_object();
	if (data == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	view_put(data, "list", json_incref(list), &rc);
	view_put(data, "has_items", json_boolean(json_array_size(json_object_get(list, "items")) > 0),
	    &rc);
	view_put(data, "paged", json_boolean(pages > 1), &rc);
	/* Past the last page: say so and link back rather than pretending there is nothing. */
	view_put(data, "beyond_end", json_boolean(total > 0 && page > pages), &rc);
	if (page > 1) {
		json_int_t prev = page > pages ? pages : (json_int_t)page - 1;

		snprintf(url, sizeof url, "/dossiers?page=%" JSON_INTEGER_FORMAT, prev > 1 ? prev : 1);
		view_put(data, "prev_url", json_string(url), &rc);
	}
	if ((json_int_t)page < pages) {
		snprintf(url, sizeof url, "/dossiers?page=%d", page + 1);
		view_put(data, "next_url", json_string(url), &rc);
	}
	view_put(data, "pager", json_boolean(page > 1 || (json_int_t)page < pages), &rc);
	if (rc != 0)
		goto out;
	respond_page(r, 200, "dossier/list", data);
	data = NULL;
out:
	json_decref(data);
	json_decref(list);
	return rc;
}

/* ---- the detail ---- */

/*
 * Render the detail of dossier 'd' with 'status'.  'reason' is the withdrawal reason to show
 * again and 'errs' its problem (both NULL for none); 'notice' a message above everything (a
 * refused withdrawal of a dossier that can no longer be withdrawn).
 */
static int detail_page(struct req *r, int status, const json_t *d, const char *reason,
                       const struct field_errors *errs, const char *notice)
{
	const json_t *schema = json_object_get(d, "form");
	json_t *data = NULL, *values = NULL;
	int rc = 0;

	data = json_object();
	values = json_object();
	if (data == NULL || values == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	view_put(data, "dossier", json_incref((json_t *)d), &rc);
	view_put(data, "answers", dossier_view_answers(r->pool, schema, json_object_get(d, "form_data")), &rc);
	view_put(data, "has_timeline", json_boolean(json_array_size(json_object_get(d, "timeline")) > 0),
	    &rc);
	view_put(data, "withdrawn_now", json_boolean(strcmp(view_query(r, "withdrawn"), "1") == 0), &rc);
	view_put(data, "submitted_now", json_boolean(strcmp(view_query(r, "submitted"), "1") == 0), &rc);
	view_put(data, "resent_now", json_boolean(strcmp(view_query(r, "resent"), "1") == 0), &rc);
	view_put(data, "updated_now", json_boolean(strcmp(view_query(r, "updated"), "1") == 0), &rc);
	view_put(data, "versions", dossier_view_versions(r, d, &rc), &rc);
	view_put(data, "has_documents",
	    json_boolean(json_array_size(json_object_get(d, "documents")) > 0), &rc);
	view_put(data, "reason_max", json_integer(DOSSIER_REASON_MAX), &rc);
	if (notice != NULL)
		view_put(data, "notice", json_string(notice), &rc);
	if (reason != NULL)
		view_put(values, "reason", json_string(reason), &rc);
	if (rc != 0)
		goto out;
	view_form_page(r, status, "dossier/detail", values, errs, data);
	values = data = NULL;
out:
	json_decref(values);
	json_decref(data);
	return rc;
}

/* GET /dossiers/{id}: status, procedure, desk, answers, timeline; the next step offered. */
int page_dossier(struct req *r)
{
	json_t *d = NULL;
	int64_t id;
	int rc;

	if ((rc = load_dossier(r, &id, &d)) != 0)
		goto out;
	rc = detail_page(r, 200, d, NULL, NULL, NULL);
out:
	json_decref(d);
	return rc;
}

/*
 * POST /dossiers/{id}/withdraw: withdraw with the posted reason, then to the detail.  A reason
 * refused (missing, too long) shows the detail again with 422, the message beside the field and
 * the reason kept; a dossier whose status no longer allows it, with 409 and the domain's reason.
 */
int page_dossier_withdraw(struct req *r)
{
	const char *reason = view_field(r, "reason"), *refusal = NULL;
	struct field_errors errs;
	char url[DOSSIER_URL_SIZE];
	json_t *d = NULL;
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		goto out;
	rc = dossier_withdraw(&r->app->accounts, r->db, &r->actor, now_ms(r), id, reason, &refusal);
	if (rc == 0) {
		respond_redirect(r, 303, dossier_url(url, id, "?withdrawn=1"));
		goto out;
	}
	if (rc != MC_EINVAL && rc != MC_ECONFLICT)
		goto out;
	if (refusal == NULL)
		refusal = rc == MC_EINVAL ? "Vui lòng nhập lý do rút hồ sơ."
		                          : "Hồ sơ ở trạng thái này không thể rút.";
	if (rc == MC_EINVAL) {
		field_errors_init(&errs);
		field_errors_add(&errs, "reason", refusal);
		if ((rc = dossier_get(r->db, &r->actor, id, &d)) != 0)
			goto out;
		rc = detail_page(r, 422, d, reason, &errs, NULL);
	} else {
		if ((rc = dossier_get(r->db, &r->actor, id, &d)) != 0)
			goto out;
		rc = detail_page(r, 409, d, NULL, NULL, refusal);
	}
out:
	json_decref(d);
	return rc;
}

/* ---- check your answers, submit, confirm ---- */

/*
 * The "check your answers" page of draft 'd': every section's answers with a link to change
 * them, the files of each document, and what is still wrong ('errors', as dossier_check gives
 * them) in a summary whose links lead to the step to fix.
 */
static int check_page(struct req *r, int status, const json_t *d, const json_t *errors)
{
	const json_t *schema = json_object_get(d, "form"), *section, *field, *msg;
	json_t *data = json_object(), *summary = json_array(), *answers, *it, *docs;
	char url[DOSSIER_URL_SIZE], suffix[128];
	const char *key;
	int rc = 0, nsections, count = step_count(d, &nsections);
	size_t i, j;

	if (data == NULL || summary == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	answers = dossier_view_answers(r->pool, schema, json_object_get(d, "form_data"));
	json_array_foreach(answers, i, it) {
		snprintf(suffix, sizeof suffix, "/form?step=%zu", i + 1);
		view_put(it, "change_url", json_string(dossier_url(url, json_integer_value(
			json_object_get(d, "id")), suffix)), &rc);
	}
	/* The summary follows the form's order: each wrong field links to its step. */
	json_array_foreach(json_object_get(schema, "sections"), i, section) {
		json_array_foreach(json_object_get(section, "fields"), j, field) {
			msg = json_object_get(errors, view_member(field, "name"));
			if (msg == NULL)
				continue;
			snprintf(suffix, sizeof suffix, "/form?step=%zu#%s%s", i + 1,
			         FORMSCHEMA_INPUT_PREFIX, view_member(field, "name"));
			if (json_array_append_new(summary, json_pack("{s:s, s:O}", "url", dossier_url(url,
			                          json_integer_value(json_object_get(d, "id")), suffix),
			                          "message", msg)) != 0)
				rc = MC_ENOMEM;
		}
	}
	docs = json_deep_copy(json_object_get(d, "documents"));
	json_array_foreach(docs, i, it) {
		msg = json_object_get(errors, view_member(it, "input"));
		view_put(it, "error", json_string(msg != NULL ? json_string_value(msg) : ""), &rc);
		if (msg == NULL)
			continue;
		snprintf(suffix, sizeof suffix, "/form?step=%d#%s", count, view_member(it, "input"));
		if (json_array_append_new(summary, json_pack("{s:s, s:O}", "url", dossier_url(url,
		                          json_integer_value(json_object_get(d, "id")), suffix),
		                          "message", msg)) != 0)
			rc = MC_ENOMEM;
	}
	json_object_foreach((json_t *)errors, key, msg)
		if (strcmp(key, "offering") == 0 &&
		    json_array_append_new(summary, json_pack("{s:s, s:O}", "url", "#submit",
		                                             "message", msg)) != 0)
			rc = MC_ENOMEM;
	snprintf(suffix, sizeof suffix, "/form?step=%d", count);
	view_put(data, "documents_url", json_string(dossier_url(url, json_integer_value(
		json_object_get(d, "id")), suffix)), &rc);
	view_put(data, "dossier", json_incref((json_t *)d), &rc);
	view_put(data, "answers", answers, &rc);
	view_put(data, "documents", docs, &rc);
	view_put(data, "has_documents", json_boolean(json_array_size(docs) > 0), &rc);
	view_put(data, "has_summary", json_boolean(json_array_size(summary) > 0), &rc);
	view_put(data, "summary", json_incref(summary), &rc);
	view_put(data, "csrf", json_string(req_csrf_token(r)), &rc);
	if (rc != 0)
		goto out;
	respond_page(r, status, "dossier/check", data);
	data = NULL;
out:
	json_decref(summary);
	json_decref(data);
	return rc;
}

/* GET /dossiers/{id}/check: check your answers before submitting.  Anything but a draft goes
 * to its detail page. */
int page_dossier_check(struct req *r)
{
	json_t *d = NULL, *errors = NULL;
	char url[DOSSIER_URL_SIZE];
	int64_t id;
	int rc;

	if ((rc = load_dossier(r, &id, &d)) != 0)
		goto out;
	if (!json_is_true(json_object_get(d, "is_draft"))) {
		respond_redirect(r, 303, dossier_url(url, id, ""));
		goto out;
	}
	if ((rc = dossier_check(r->db, &r->actor, now_ms(r), id, &errors)) != 0)
		goto out;
	rc = check_page(r, 200, d, errors);
out:
	json_decref(errors);
	json_decref(d);
	return rc;
}

/* POST /dossiers/{id}/submit: submit the draft; the confirmation mail goes out.  What is still
 * wrong shows the check page again with 422; a dossier submitted already goes to its page. */
int page_dossier_submit(struct req *r)
{
	json_t *d = NULL, *errors = NULL;
	char url[DOSSIER_URL_SIZE];
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		goto out;
	rc = dossier_submit(&r->app->accounts, r->db, &r->actor, now_ms(r), id, &errors);
	if (rc == 0 || rc == MC_ECONFLICT) {
		respond_redirect(r, 303, dossier_url(url, id, rc == 0 ? "?submitted=1" : ""));
		rc = 0;
		goto out;
	}
	if (rc != MC_EINVAL || (rc = dossier_get(r->db, &r->actor, id, &d)) != 0)
		goto out;
	rc = check_page(r, 422, d, errors);
out:
	json_decref(errors);
	json_decref(d);
	return rc;
}

/* POST /dossiers/{id}/resend: a new confirmation link.  429 with the detail page when the
 * account asked too often; 409 when the dossier no longer waits for its confirmation. */
int page_dossier_resend(struct req *r)
{
	json_t *d = NULL;
	char url[DOSSIER_URL_SIZE];
	int64_t id;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0)
		goto out;
	rc = dossier_resend_confirmation(&r->app->accounts, r->db, &r->actor, now_ms(r), id);
	if (rc == 0) {
		respond_redirect(r, 303, dossier_url(url, id, "?resent=1"));
		goto out;
	}
	if (rc != MC_ELIMIT && rc != MC_ECONFLICT)
		goto out;
	{
		int status = rc == MC_ELIMIT ? 429 : 409;

		if ((rc = dossier_get(r->db, &r->actor, id, &d)) != 0)
			goto out;
		rc = detail_page(r, status, d, NULL, NULL, status == 429
			? "Bạn đã yêu cầu gửi lại thư xác thực quá nhiều lần. Vui lòng thử lại sau một "
			  "giờ."
			: "Hồ sơ không còn chờ xác thực nên không gửi lại thư xác thực được.");
	}
out:
	json_decref(d);
	return rc;
}

/* GET /dossiers/confirm?token=: the mail's link.  The token is the proof, so whoever follows it
 * (logged in or not) confirms the dossier; the page then says what happens next and where the
 * desk is.  A used, expired or unknown link gets its own explanation. */
int page_dossier_confirm(struct req *r)
{
	enum token_outcome outcome = TOKEN_INVALID;
	json_t *facts = NULL;
	int64_t id = 0;
	int rc;

	rc = dossier_confirm(&r->app->accounts, r->db, view_query(r, "token"), now_ms(r), &id,
	                     &outcome);
	if (rc != 0)
		return rc;
	if (outcome != TOKEN_OK) {
		respond_page(r, outcome == TOKEN_INVALID ? 404 : outcome == TOKEN_EXPIRED ? 410 : 200,
		             "dossier/confirm_failed",
		             json_pack("{s:b, s:b, s:b}", "used", outcome == TOKEN_USED, "expired",
		                       outcome == TOKEN_EXPIRED, "invalid", outcome == TOKEN_INVALID));
		return 0;
	}
	if ((rc = dossier_confirmation_facts(&r->app->accounts, r->db, id, &facts)) != 0)
		return rc;
	json_object_set_new(facts, "id", json_integer(id));
	respond_page(r, 200, "dossier/confirmed", facts);
	return 0;
}

/* ---- files ---- */

/* A download read on a worker thread into memory the response then holds. */
struct file_job {
	const struct filestore *files;
	struct dossier_file_ref ref;
	char *data;          /* h2o shared memory, or NULL */
	size_t size;
	int rc;
};

static void file_job_free(void *p)
{
	struct file_job *j = p;

	if (j->data != NULL)
		h2o_mem_release_shared(j->data);
	free(j);
}

static void file_work(void *p)
{
	struct file_job *j = p;
	size_t size = 0, got = 0;
	int fd = -1;

	j->rc = filestore_open_read(j->files, j->ref.sha256, &fd, &size);
	if (j->rc != 0)
		return;
	j->data = h2o_mem_alloc_shared(NULL, size > 0 ? size : 1, NULL);
	while (got < size) {
		ssize_t n = read(fd, j->data + got, size - got);

		if (n <= 0) {
			j->rc = MC_EIO;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	j->size = got;
}

static void file_done(struct req *r, void *p)
{
	struct file_job *j = p;
	const char *type = filestore_media_type(j->ref.kind);
	/* PDF and images open in the browser; anything else is saved. */
	int inline_ok = strcmp(j->ref.kind, "pdf") == 0 || strcmp(j->ref.kind, "jpg") == 0 ||
	                strcmp(j->ref.kind, "png") == 0;
	int rc = j->rc;

	if (rc == 0)
		rc = view_disposition(r, inline_ok ? "inline" : "attachment", j->ref.name);
	if (rc != 0) {
		/* The row says the file is there: its absence is a broken store, not a 404. */
		respond_err(r, rc == MC_ENOTFOUND ? MC_EIO : rc);
		return;
	}
	h2o_mem_link_shared(r->pool, j->data);
	h2o_add_header(r->pool, &r->h2o->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
	               H2O_STRLIT("private, no-store"));
	respond_bytes(r, 200, type != NULL ? type : "application/octet-stream", j->data, j->size);
}

/* GET /dossiers/{id}/files/{file}: a file of the owner's dossier, any version's. */
int page_dossier_file(struct req *r)
{
	struct file_job *j;
	int64_t id, fid;
	int rc;

	if ((rc = view_id_param(r, "id", &id)) != 0 || (rc = view_id_param(r, "file", &fid)) != 0)
		return rc;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return MC_ENOMEM;
	j->files = r->app->files;
	rc = dossier_file(r->db, &r->actor, now_ms(r), id, fid, &j->ref);
	if (rc == 0)
		rc = work_submit_io(r, file_work, file_done, j, file_job_free);
	if (rc != 0)
		file_job_free(j);
	return rc;
}
