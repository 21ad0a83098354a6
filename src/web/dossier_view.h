/* dossier_view.h: how a dossier's answers and versions read on a page, for its owner and for
 * staff alike. */
#ifndef MC_DOSSIER_VIEW_H
#define MC_DOSSIER_VIEW_H

#include <h2o.h>
#include <jansson.h>

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

#endif
