/* procedure_admin.h: the national procedure catalogue as administrators see and change it:
 * the list, the procedure form, its documents (thành phần hồ sơ) with their template files,
 * and its online form schema. */
#ifndef MC_PROCEDURE_ADMIN_H
#define MC_PROCEDURE_ADMIN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/actor.h"
#include "domain/field_errors.h"
#include "domain/procedure.h"

struct db;

/*
 * Who may do what: every administrator (agency or system) may read the catalogue, because
 * agency administrators choose which procedures their desks offer; only a system administrator
 * changes it (MC_EFORBIDDEN for anyone else).  Every change is checked by procedure_check_json
 * (the rules of the catalogue import, docs/catalog-format.md), stored by procedure_store and
 * written to the audit log with its before and after in the same transaction.
 */

#define PROCEDURE_ADMIN_PER_PAGE   20
#define PROCEDURE_ADMIN_PAGE_MAX   10000
#define PROCEDURE_ADMIN_QUERY_MAX  200   /* characters of the search text */
/* Fee rows a form may post: every line the format allows plus the two empty rows the form
 * offers for adding. */
#define PROCEDURE_ADMIN_FEE_ROWS   (PROCEDURE_FEES_MAX + 2)
/* File type values a document form may post (the format allows 10 distinct ones). */
#define PROCEDURE_ADMIN_TYPE_VALUES 16
#define PROCEDURE_ADMIN_SCHEMA_MAX (200u * 1024) /* bytes of form schema JSON text */
#define PROCEDURE_ADMIN_MB         (1024 * 1024) /* a document's size limit is typed in MB */

/* The procedure form as typed (valid UTF-8, NFC; this module trims).  NULL reads as "". */
struct procedure_input {
	const char *code, *name, *field, *level, *applicant_type;
	const char *description, *steps, *submission, *conditions;
	const char *time_kind, *time_value, *time_note;
	const char *legal_basis, *result, *service_mode;
	size_t fee_rows;  /* rows posted, 1-based field numbers fee_amount_1 .. fee_amount_N */
	struct {
		const char *amount;      /* "100.000" or "100000" đồng; blank with a blank
		                          * description: the row is left out */
		const char *description;
	} fees[PROCEDURE_ADMIN_FEE_ROWS];
};

/* One document (thành phần hồ sơ) as typed.  NULL reads as "". */
struct document_input {
	const char *name, *originals, *copies;
	const char *requirement;                /* "mandatory" or "conditional" */
	const char *condition;
	size_t type_count;                      /* values of the file_types check boxes */
	const char *file_types[PROCEDURE_ADMIN_TYPE_VALUES];
	int too_many_types;                     /* more values were posted than fit above */
	const char *max_size_mb;                /* "10", "2,5" or "0.5" */
	int multiple;
};

/* A template file sent with a document form (the raw bytes of a multipart part). */
struct template_upload {
	const char *filename;                   /* as the browser sent it; sanitised here */
	const unsigned char *data;
	size_t len;
};

/* Form field names of a fee row (N = 1 .. PROCEDURE_ADMIN_FEE_ROWS), static storage; NULL when
 * N is out of range. */
const char *procedure_admin_fee_amount_field(size_t n);
const char *procedure_admin_fee_description_field(size_t n);

/*
 * One page of the catalogue, inactive procedures included, ordered by code.  'text' (may be
 * NULL or "") is searched word by word in the folded code, name and field (lib/fold.h), so
 * "dang ky khai sinh" finds "Đăng ký khai sinh".  *out (caller owns): { "items": [ { "id",
 * "code", "name", "field", "level_label", "mode_label", "active" } ], "total", "page",
 * "pages", "per_page" }.  MC_EFORBIDDEN: not an administrator; MC_EINVAL: text longer than
 * PROCEDURE_ADMIN_QUERY_MAX characters, not UTF-8, or page out of 1..PROCEDURE_ADMIN_PAGE_MAX;
 * MC_EDB; MC_ENOMEM.
 */
int procedure_admin_list(struct db *db, const struct actor *actor, const char *text, int page,
                         json_t **out);

/*
 * Procedure 'id' in catalogue form (templates without their content) in *out, which the caller
 * owns, plus in *info (may be NULL; caller owns) { "id", "active", "created_at", "updated_at",
 * "documents": [ { "id", "position" (0-based), "number" (1-based), "name", "originals",
 * "copies", "mandatory", "condition", "file_types_text", "max_size_text", "multiple",
 * "has_template", "template_name", "template_size_text", "first", "last" } ] }.
 * MC_EFORBIDDEN: not an administrator; MC_ENOTFOUND; MC_EDB; MC_ENOMEM.
 */
int procedure_admin_get(struct db *db, const struct actor *actor, int64_t id, json_t **out,
                        json_t **info);

/*
 * Create a procedure from 'in' at 'now_ms': active, no documents, and a one-field starter form
 * (the requester's name) that the form editor replaces.  Every problem goes into 'errs' by form
 * field ("code", "time_value", "fee_amount_2" ...) as "Label: reason" in Vietnamese; a code
 * already in the catalogue is refused with a message naming it.  *id (may be NULL) receives the
 * new id.  MC_EINVAL (errs filled); MC_EFORBIDDEN: not a system administrator; MC_EDB;
 * MC_EUNAVAIL; MC_ENOMEM.
 */
int procedure_admin_create(struct db *db, const struct actor *actor, int64_t now_ms,
                           const struct procedure_input *in, struct field_errors *errs,
                           int64_t *id);

/*
 * Replace the members of procedure 'id' that the form holds (everything but 'active', the
 * documents and the form schema, which keep their values) with 'in'.  The code may change, to
 * one not used by another procedure.  Errors as procedure_admin_create; MC_ENOTFOUND.
 */
int procedure_admin_update(struct db *db, const struct actor *actor, int64_t now_ms, int64_t id,
                           const struct procedure_input *in, struct field_errors *errs);

/* Deactivate (active 0) or reactivate (1) procedure 'id'.  Setting the value it already has
 * changes nothing and records nothing.  MC_EFORBIDDEN; MC_ENOTFOUND; MC_EDB. */
int procedure_admin_set_active(struct db *db, const struct actor *actor, int64_t now_ms,
                               int64_t id, int active);

/*
 * The form schema of procedure 'id' as pretty-printed JSON text (two-space indentation, member
 * order kept, UTF-8 unescaped) in *text (malloc'd; the caller frees it).  MC_EFORBIDDEN: not an
 * administrator; MC_ENOTFOUND; MC_EDB; MC_ENOMEM.
 */
int procedure_admin_form_text(struct db *db, const struct actor *actor, int64_t id, char **text);

/*
 * Replace the form schema of procedure 'id' with the JSON text[0..len), checked with
 * formschema_check.  MC_EINVAL: the text is longer than PROCEDURE_ADMIN_SCHEMA_MAX, not JSON or
 * breaks a rule, described in Vietnamese in err[0..errlen) (FORMSCHEMA_ERR_SIZE is enough);
 * MC_EFORBIDDEN; MC_ENOTFOUND; MC_EDB; MC_ENOMEM.
 */
int procedure_admin_set_form(struct db *db, const struct actor *actor, int64_t now_ms,
                             int64_t id, const char *text, size_t len, char *err, size_t errlen);

/*
 * Document 'document_id' in *out (caller owns): { "id", "procedure_id", "procedure_code",
 * "procedure_name", "position", "name", "originals", "copies", "requirement", "condition",
 * "file_types": [ ... ], "max_size", "max_size_mb" (as the form shows it: "10", "2,5"),
 * "multiple", and when it has one "template": { "name", "media_type", "sha256", "size",
 * "size_text" } }.  MC_EFORBIDDEN: not an administrator; MC_ENOTFOUND; MC_EDB; MC_ENOMEM.
 */
int procedure_admin_document_get(struct db *db, const struct actor *actor, int64_t document_id,
                                 json_t **out);

/*
 * Add a document at the end of procedure 'procedure_id''s list, with the template 'upload'
 * (NULL or an empty file: none).  Problems go into 'errs' by form field ("name", "originals",
 * "copies", "requirement", "condition", "file_types", "max_size_mb", "template").  A template
 * must be a .docx, .doc, .pdf, .odt, .xlsx or .xls file of at most PROCEDURE_TEMPLATE_BYTES whose
 * content starts as its kind does (%PDF-, a zip for OOXML and ODF, an OLE2 compound file for
 * legacy Office); its name is sanitised and kept for download; its media type follows the
 * extension.  *document_id (may be NULL) receives the new id.  MC_EINVAL (errs filled);
 * MC_ETOOBIG: the template is larger than PROCEDURE_TEMPLATE_BYTES (errs filled);
 * MC_EFORBIDDEN; MC_ENOTFOUND: no such procedure; MC_EDB; MC_ENOMEM.
 */
int procedure_admin_document_add(struct db *db, const struct actor *actor, int64_t now_ms,
                                 int64_t procedure_id, const struct document_input *in,
                                 const struct template_upload *upload, struct field_errors *errs,
                                 int64_t *document_id);

/* Change document 'document_id' to 'in'; a non-empty 'upload' replaces its template, while
 * NULL or an empty file keeps the one it has.  *procedure_id (may be NULL) receives its
 * procedure.  Errors as procedure_admin_document_add; MC_ENOTFOUND: no such document. */
int procedure_admin_document_update(struct db *db, const struct actor *actor, int64_t now_ms,
                                    int64_t document_id, const struct document_input *in,
                                    const struct template_upload *upload,
                                    struct field_errors *errs, int64_t *procedure_id);

/* Delete document 'document_id'; the documents after it move up one place.  *procedure_id (may
 * be NULL) receives its procedure.  MC_EFORBIDDEN; MC_ENOTFOUND; MC_ECONFLICT: something still
 * refers to the document; MC_EDB. */
int procedure_admin_document_delete(struct db *db, const struct actor *actor, int64_t now_ms,
                                    int64_t document_id, int64_t *procedure_id);

/* Move document 'document_id' one place up (delta -1) or down (+1), swapping it with its
 * neighbour; at either end nothing changes.  Documents keep their ids (dossiers and download
 * links refer to them).  Errors as procedure_admin_document_delete; MC_EINVAL: another delta. */
int procedure_admin_document_move(struct db *db, const struct actor *actor, int64_t now_ms,
                                  int64_t document_id, int delta, int64_t *procedure_id);

/* Remove the template of document 'document_id' (its stored content stays: it is shared by
 * content and cheap to keep).  Errors as procedure_admin_document_delete. */
int procedure_admin_document_remove_template(struct db *db, const struct actor *actor,
                                             int64_t now_ms, int64_t document_id,
                                             int64_t *procedure_id);

/*
 * Check a template file on its own: the sanitised name in name_out (cap bytes; at least
 * PROCEDURE_TEMPLATE_NAME_MAX * 4 + 1 for any name), its media type in *media_type (static
 * storage).  The file name keeps letters of any script, digits, spaces and ".-_()"; other
 * characters become '_', a path before the name is dropped, and it is cut to
 * PROCEDURE_TEMPLATE_NAME_MAX characters keeping the extension.  MC_EINVAL with the reason in
 * 'errs' under "template"; MC_ETOOBIG (errs filled).
 */
int procedure_admin_template_check(const struct template_upload *upload, char *name_out,
                                   size_t cap, const char **media_type, struct field_errors *errs);

#endif
