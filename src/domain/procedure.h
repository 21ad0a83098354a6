/* procedure.h: one administrative procedure (thủ tục hành chính) in its catalogue form. */
#ifndef MC_PROCEDURE_H
#define MC_PROCEDURE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/*
 * A procedure travels as a jansson object in the catalogue form of docs/catalog-format.md, with
 * its members in the document's order: code, name, field, level, applicant_type, description,
 * steps, submission, conditions, time { kind, value, note }, fees [ { amount, description } ],
 * legal_basis, result, service_mode, active, documents [ { name, originals, copies,
 * requirement, condition, file_types, max_size, multiple, template? { name, media_type, sha256,
 * content_base64? } } ], form.  The catalogue import, the export and the admin editor all use
 * this one form, so a procedure is checked by one function and stored by one function.
 *
 * Every member is required except a document's "template" (absent when the document has none);
 * a member the format does not name is refused (it is usually a typo).  A template to check or
 * store carries its content_base64 (the sha256 is checked against it), so an editor that keeps
 * a template unchanged loads the procedure with its template content.
 */

/* Limits of the format, in characters (code points of NFC text) unless named otherwise. */
#define PROCEDURE_NAME_MAX          500     /* name, result, a document's name */
#define PROCEDURE_FIELD_MAX         200     /* field (lĩnh vực) */
#define PROCEDURE_TEXT_MAX          20000   /* description, steps, submission, conditions,
                                               legal_basis */
#define PROCEDURE_NOTE_MAX          500     /* time.note */
#define PROCEDURE_DAYS_MAX          365     /* time.value for "days" */
#define PROCEDURE_HOURS_MAX         2000    /* time.value for "hours" */
#define PROCEDURE_FEES_MAX          20
#define PROCEDURE_FEE_AMOUNT_MAX    1000000000LL /* đồng */
#define PROCEDURE_FEE_TEXT_MAX      500
#define PROCEDURE_DOCUMENTS_MAX     50
#define PROCEDURE_COPIES_MAX        100     /* originals, copies of one document */
#define PROCEDURE_CONDITION_MAX     1000
#define PROCEDURE_FILE_TYPES_MAX    10
#define PROCEDURE_DOCUMENT_SIZE_MAX (50LL * 1024 * 1024) /* bytes: documents[].max_size */
#define PROCEDURE_TEMPLATE_NAME_MAX 200
#define PROCEDURE_MEDIA_TYPE_MAX    200
#define PROCEDURE_TEMPLATE_BYTES    (10u * 1024 * 1024) /* one template file, decoded */

/*
 * Replace every string of procedure 'p' (its form included) by its Unicode NFC form, so that
 * lengths count characters the way people see them and equal texts compare equal.  Strings that
 * are already NFC (pure ASCII in particular) are left untouched.  Call it on text from outside
 * (a catalogue file) before procedure_check_json.  0; MC_ENOMEM (p may then be partly
 * normalised); MC_EINVAL when p is not an object.
 */
int procedure_normalize_json(json_t *p);

/* 1 when 's' is a national procedure code, "^[0-9]\.[0-9]{6}$" (e.g. "1.001193"), else 0. */
int procedure_code_valid(const char *s);

/*
 * Check procedure 'p' against every rule of docs/catalog-format.md, the form with
 * formschema_check_json and the template's content against its sha256.  On failure writes
 * "member path: Vietnamese reason" into where_and_msg (len bytes, may be NULL/0), e.g.
 * "documents[0].max_size: phải từ 1 đến 52.428.800 byte", and returns MC_EINVAL.  The first
 * problem found is reported: within an object a member the format does not name comes first,
 * then the members in the format's order.  Text must be NFC (see procedure_normalize_json).
 * 0; MC_EINVAL.  Reads p only; allocates nothing that outlives the call.
 */
int procedure_check_json(const json_t *p, char *where_and_msg, size_t len);

/*
 * As procedure_check_json, with every path put under 'where' (e.g. "procedures[3] (1.000894)"
 * gives "procedures[3] (1.000894).documents[0].max_size: ..." and, when p itself is not an
 * object, "procedures[3] (1.000894): ...").  'where' "" is procedure_check_json.
 */
int procedure_check_json_at(const json_t *p, const char *where, char *where_and_msg, size_t len);

/*
 * Store procedure 'p' (which passed procedure_check_json) inside the caller's transaction,
 * stamped 'now' (ISO-8601 UTC text).  A new code is inserted (*created = 1); an existing code is
 * replaced in place (*created = 0), keeping the procedure's id: its fees are replaced, its
 * documents are updated position by position so a document keeps its id while its position
 * exists, new positions are inserted and positions beyond the new count are deleted.  Template
 * contents go into the blobs table once per sha256; when a stored blob's media type differs, the
 * newest one is kept (the media type belongs to the content); a new content is decoded and
 * its sha256 checked again, and a template without content_base64 must name a stored blob.
 * search_text is the folded "code name field".  *id (may be NULL) receives the procedure's id;
 * created may be NULL.
 * MC_EINVAL: p is not a checked procedure (bad or missing template content, missing member);
 * MC_ECONFLICT: a constraint refused the change (a removed document still referenced);
 * MC_EDB; MC_ENOMEM.  Nothing of p is taken.
 */
int procedure_store(struct db *db, const json_t *p, const char *now, int64_t *id, int *created);

/*
 * Mark procedure 'id' active (1) or not (0) at 'now' (ISO-8601), in the procedure and its search
 * index, inside the caller's transaction.  MC_ENOTFOUND; MC_EDB.
 */
int procedure_set_active(struct db *db, int64_t id, int active, const char *now);

/*
 * The procedure with code 'code' in catalogue form, as a new reference in *out (the caller
 * json_decref's it).  Templates carry name, media_type and sha256, and content_base64 only when
 * with_template_content is non-zero (an export, or an editor that will check and store the
 * procedure again; a page showing the procedure does not need the bytes).
 * MC_ENOTFOUND: no such code; MC_EDB; MC_ENOMEM.  *out is NULL on failure.
 */
int procedure_load_json(struct db *db, const char *code, int with_template_content, json_t **out);

/* As procedure_load_json, by the procedure's id. */
int procedure_load_json_by_id(struct db *db, int64_t id, int with_template_content, json_t **out);

/* The id of the procedure with code 'code' in *id.  MC_ENOTFOUND; MC_EDB. */
int procedure_find_id(struct db *db, const char *code, int64_t *id);

#endif
