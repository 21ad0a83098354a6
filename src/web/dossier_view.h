/* dossier_view.h: how a dossier's answers and versions read on a page, for its owner and for
 * staff alike. */
#ifndef MC_DOSSIER_VIEW_H
#define MC_DOSSIER_VIEW_H

#include <h2o.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct req;

/*
 * The answers 'values' as a detail page shows them: [ { "title", "items": [ { "label", "lines",
 * "empty" } ] } ] in the order of form 'schema', with its labels: option labels instead of
 * values, "Có"/"Không" for a single checkbox, dates as dd/mm/yyyy, multi-line answers line by
 * line.  Texts are built on 'pool'.  NULL when memory runs out.
 */
json_t *dossier_view_answers(h2o_mem_pool_t *pool, const json_t *schema, const json_t *values);

/*
 * The submitted versions of dossier view 'd' (its "id" and its form "form") for the history:
 * [ { number, at, actor_name, reason_label, first, changes: [ { label, before, after } ],
 * files_added, files_removed } ], read with r's actor (dossier_versions decides who may).  NULL
 * with *rc set on failure; nothing is done when *rc is already set.
 */
json_t *dossier_view_versions(struct req *r, const json_t *d, int *rc);

/* dossier_view_posted_answers: every section of the form was on the page. */
#define DOSSIER_VIEW_ALL_SECTIONS SIZE_MAX

/*
 * The answers posted for the fields of section 'shown' of form 'schema' (0-based;
 * DOSSIER_VIEW_ALL_SECTIONS for every section), the section on the page: for each field, its
 * control's value ("f_<name>").  A checkbox group takes every posted value (the control
 * repeats) and [] when none is ticked; a single checkbox takes "" when unticked, since a
 * browser posts nothing for it and a stored "1" must go.  That is only right for the section on
 * the page: the boxes of the other steps are not in the post and keep their stored answers.
 * Other fields absent from the post are left out too.  Controls the form does not declare are
 * dropped.  NULL when memory runs out or the body is unreadable.
 */
json_t *dossier_view_posted_answers(struct req *r, const json_t *schema, size_t shown);

struct dossier_upload;

/*
 * The files of a multipart post: every non-empty file part named "doc_<document id>", its bytes
 * copied to the heap and its display name (filestore_display_name) into 'name', with 'filename'
 * NULL: a worker's job may outlive the request's memory, so nothing in *out points into it.
 * Into *out (calloc'd; the caller frees each 'data', then dossier_uploads_free and free) with
 * *count.  Other parts are ignored; *out is NULL and *count 0 for a post that is not
 * multipart.  MC_ENOMEM (what was copied stays in *out for the caller to free).
 */
int dossier_view_uploads(struct req *r, struct dossier_upload **out, size_t *count);

#endif
