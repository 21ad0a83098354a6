/* pages_lookup.c: the logged-in dossier lookup (GET /lookup) and attaching a walk-in dossier to
 * one's own account (POST /lookup/attach).  Handlers parse, call domain/dossier_lookup.c,
 * render; what a lookup may show and who may attach is decided there.
 *
 * GET /lookup is what citizens refresh while they wait, so its successful path stays lean:
 * the session check the dispatcher does, one read of the rate-limit block (when the limit is
 * on), one indexed query for the dossier and its timeline, and the result template; and the
 * page is kept (respond_page_keep), so a refresh while nothing was committed is sent again
 * without any of them.  The form's choices (a query over the desk agencies) are read only when
 * the form is shown: the result page links back to a prefilled form instead of repeating it. */
#include "web/pages.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "domain/dossier_lookup.h"
#include "http/req.h"
#include "http/server.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "web/view.h"

/* "/lookup?agency=<id>&procedure=<code>" and "/dossiers/<id>" fit. */
#define LOOKUP_URL_SIZE 96
#define NOT_FOUND_MESSAGE \
	"Không tìm thấy hồ sơ với thủ tục, nơi tiếp nhận và số biên nhận đã nhập. Vui lòng kiểm " \
	"tra lại thông tin ghi trên giấy tiếp nhận."

/*
 * The lookup form with 'status': the desks to choose from (the one of 'agency_id' selected),
 * the procedures of that desk as suggestions, what was typed ('agency', 'procedure', 'receipt'
 * as they came), the problems in 'errs' (NULL for none) and, when 'limited', the rate limit's
 * message.
 */
static int form_page(struct req *r, int status, int64_t agency_id, const struct field_errors *errs,
                     int limited)
{
	static const char *const fields[] = { "agency", "procedure", "receipt" };
	json_t *choices = NULL, *values = NULL, *agency;
	size_t i;
	int rc;

	if ((rc = dossier_lookup_choices(r->db, &r->actor, agency_id, &choices)) != 0)
		goto out;
	json_array_foreach(json_object_get(choices, "agencies"), i, agency)
		if (json_integer_value(json_object_get(agency, "id")) == agency_id)
			view_put(agency, "selected", json_true(), &rc);
	view_put(choices, "has_procedures",
	    json_boolean(json_array_size(json_object_get(choices, "procedures")) > 0), &rc);
	view_put(choices, "limited", json_boolean(limited), &rc);
	view_put(choices, "receipt_max", json_integer(LOOKUP_RECEIPT_MAX), &rc);
	values = json_object();
	if (values == NULL)
		rc = MC_ENOMEM;
	for (i = 0; rc == 0 && i < sizeof fields / sizeof fields[0]; i++)
		view_put(values, fields[i], json_string(view_query(r, fields[i])), &rc);
	if (rc != 0)
		goto out;
	view_form_page(r, status, "lookup/form", values, errs, choices);
	values = choices = NULL;
out:
	json_decref(values);
	json_decref(choices);
	return rc;
}

/* The result page for dossier view 'd' (dossier_lookup's). */
static int result_page(struct req *r, int64_t agency_id, json_t *d)
{
	json_t *data = json_object();
	char again[LOOKUP_URL_SIZE];
	int rc = 0;

	if (data == NULL)
		return MC_ENOMEM;
	/* Another lookup starts from the same desk and procedure; the code is digits and a dot. */
	snprintf(again, sizeof again, "/lookup?agency=%" PRId64 "&procedure=%s", agency_id,
	         json_string_value(json_object_get(d, "procedure_code")));
	view_put(data, "has_timeline", json_boolean(json_array_size(json_object_get(d, "timeline")) > 0),
	    &rc);
	view_put(data, "again_url", json_string(again), &rc);
	view_put(data, "csrf", json_string(req_csrf_token(r)), &rc);
	view_put(data, "dossier", json_incref(d), &rc);
	if (rc != 0) {
		json_decref(data);
		return rc;
	}
	respond_page_keep(r, 200, "lookup/result", data);
	return 0;
}

/*
 * GET /lookup: without a "receipt" parameter, the form (prefilled from "agency" and
 * "procedure", as the result page's link does); with it, the lookup: the result (200), the
 * form again with the problems beside the fields (422), "not found" beside the receipt number
 * (404) or the rate limit's message (429), what was typed kept each time.
 */
int page_lookup(struct req *r)
{
	const struct form *q;
	struct field_errors errs;
	struct lookup_query lq;
	json_t *d = NULL;
	int64_t agency_id;
	int rc;

	if ((rc = req_query(r, &q)) != 0)
		return MC_EINVAL;
	agency_id = view_positive_id(view_query(r, "agency"));
	if (agency_id < 0)
		agency_id = 0; /* no desk chosen */
	if (form_get(q, "receipt") == NULL)
		return form_page(r, 200, agency_id, NULL, 0);
	/* A result page depends on the database, the session and the URL only: a citizen who
	 * refreshes it, while nothing changed, gets the same bytes without a query. */
	if (respond_kept(r))
		return 0;
	lq.procedure_code = view_query(r, "procedure");
	lq.agency_id = agency_id;
	lq.receipt_no = view_query(r, "receipt");
	rc = dossier_lookup(r->db, &r->actor, clock_now_ms(&r->app->clock),
	                    r->app->cfg->lookup_limit, &lq, &errs, &d);
	switch (rc) {
	case 0:
		rc = result_page(r, agency_id, d);
		break;
	case MC_EINVAL:
		rc = form_page(r, 422, agency_id, &errs, 0);
		break;
	case MC_ENOTFOUND:
		/* Never which part failed: the receipt number is the one to check first. */
		field_errors_init(&errs);
		field_errors_add(&errs, "receipt", NOT_FOUND_MESSAGE);
		rc = form_page(r, 404, agency_id, &errs, 0);
		break;
	case MC_ELIMIT:
		rc = form_page(r, 429, agency_id, NULL, 1);
		break;
	default:
		break;
	}
	json_decref(d);
	return rc;
}

/*
 * POST /lookup/attach (id): attach the walk-in dossier to the account, then to its page in
 * "Hồ sơ của tôi".  The domain checks the citizen ID again.  Another person's dossier, or an id
 * that names nothing, answers 404; a dossier that already has an owner, 409 with the reason.
 */
int page_lookup_attach(struct req *r)
{
	char url[LOOKUP_URL_SIZE];
	int64_t id = view_positive_id(view_field(r, "id"));
	int rc;

	if (id <= 0)
		return MC_ENOTFOUND;
	rc = dossier_attach(r->db, &r->actor, clock_now_ms(&r->app->clock), id);
	if (rc == MC_ECONFLICT) {
		respond_page(r, 409, "lookup/attach_refused", json_object());
		return 0;
	}
	if (rc != 0)
		return rc;
	snprintf(url, sizeof url, "/dossiers/%" PRId64, id);
	respond_redirect(r, 303, url);
	return 0;
}
