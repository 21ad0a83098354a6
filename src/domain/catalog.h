/* catalog.h: the public procedure catalogue, read side (search, filters, detail, templates). */
#ifndef MC_CATALOG_H
#define MC_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct db;

/*
 * The catalogue is public: these calls need no actor and show active procedures only.  Texts
 * in the JSON they return are plain (templates escape them); multi-line texts come as arrays of
 * lines ("paragraphs") so no HTML is ever built here.
 */

#define CATALOG_PER_PAGE 20         /* results per page unless the query says otherwise */
#define CATALOG_PER_PAGE_MAX 100
#define CATALOG_PAGE_MAX 10000      /* the highest page number a query may ask for */
#define CATALOG_TEXT_MAX_CHARS 200  /* the search text, in characters */
#define CATALOG_FIELD_MAX_CHARS 200 /* a field (lĩnh vực) name, as docs/catalog-format.md */
#define CATALOG_SEARCH_WORDS 24     /* distinct search words used; the longest are kept */

/* A search.  NULL or "" strings and a 0 agency_id mean "any". */
struct catalog_query {
	const char *text;           /* words to find in code, name and field, any case or marks */
	const char *field;          /* exact field (lĩnh vực) name */
	const char *level;          /* "central", "province" or "commune" */
	int64_t agency_id;          /* desk or competent agency of an active offering */
	const char *applicant_type; /* "citizen" or "business" (each also matches "both") */
	const char *service_mode;   /* "info", "forms", "partial" or "full" */
	int page;                   /* 1-based; 0 means 1 */
	int per_page;               /* 0 means CATALOG_PER_PAGE */
};

/*
 * Search the active procedures.  Every word of the folded text (lib/fold.h) must occur in the
 * procedure's search_text, so "dang ky khai sinh", "ĐĂNG KÝ" in NFC or NFD, and a code all find
 * their procedure.  On success *out is a new object the caller owns:
 *   { "items": [ { "code", "name", "field", "level", "level_label", "applicant_label",
 *                  "mode_label", "time_text", "online" (bool: some desk accepts it online) } ],
 *     "total", "page", "per_page", "pages" (0 when nothing matched) }
 * ordered by name, Vietnamese-aware (folded), then code.  A page past the last gives an empty
 * "items" with the real "total" and "pages".
 * MC_EINVAL: an unknown level, applicant type or service mode, a negative agency id, page or
 * per_page out of range (above CATALOG_PAGE_MAX / CATALOG_PER_PAGE_MAX), text longer than
 * CATALOG_TEXT_MAX_CHARS characters, a field longer than CATALOG_FIELD_MAX_CHARS, or text that
 * is not valid UTF-8; MC_EDB; MC_ENOMEM.
 */
int catalog_search(struct db *db, const struct catalog_query *q, json_t **out);

/*
 * The choices of the search form.  *out (caller owns):
 *   { "fields": [ "Hộ tịch", ... ]            distinct fields of active procedures, folded order
 *     "agencies": [ { "id", "name" } ]         active agencies that are desk or competent agency
 *                                              of an active offering of an active procedure
 *     "levels": [ { "value", "label" } ], "applicant_types": [...], "service_modes": [...] }
 * MC_EDB; MC_ENOMEM.
 */
int catalog_filters(struct db *db, json_t **out);

/*
 * Everything the detail page shows about the active procedure 'code'.  *out (caller owns):
 *   { "code", "name", "field", "level", "level_label", "applicant_type", "applicant_label",
 *     "service_mode", "mode_label", "online_service" (bool: partial or full),
 *     "description", "steps", "submission", "conditions", "legal_basis", "result", "time_note":
 *         arrays of non-empty lines,
 *     "time_text": "15 ngày làm việc" | "Trong ngày làm việc (...)" | "8 giờ làm việc",
 *     "fees": [ { "amount", "amount_text" ("100.000 đồng" / "Miễn phí"), "description" } ],
 *     "documents": [ { "id", "number" (1-based), "name", "counts_text" ("Bản chính: 1, Bản sao:
 *         0"), "originals", "copies", "mandatory" (bool), "requirement_label", "condition",
 *         "file_types_text" ("PDF, JPG"), "max_size_text" ("10 MB"), "multiple" (bool),
 *         "has_template" (bool), and when it has one "template_name", "template_url" } ],
 *     "updated_date": "dd/mm/yyyy" (Vietnam time), "updated_at",
 *     "offerings": [ { "id", "desk": { "id", "name", "address", "phone", "email",
 *         "hours": [ { "days", "times", "text" } ] }, "competent_name", "same_agency" (bool),
 *         "online_open" (bool), "submit_url" (only when open: /dossiers/new?offering=ID) } ],
 *     "online_open" (bool: at least one offering open online) }
 * Offerings are the active ones whose desk and competent agencies are active, by desk name.
 * MC_ENOTFOUND: no such code, or the procedure is inactive; MC_EDB; MC_ENOMEM.
 */
int catalog_detail(struct db *db, const char *code, json_t **out);

/* A template file to download.  Every member is malloc'd; free with catalog_file_free. */
struct catalog_file {
	char *name;          /* the file name offered, as stored (UTF-8, no '/', '\' or controls) */
	char *media_type;    /* as stored */
	unsigned char *data; /* the bytes */
	size_t size;
};

/*
 * The template of document 'document_id' of the active procedure 'code', copied into *out
 * (zeroed first; release with catalog_file_free, also after an error).  MC_ENOTFOUND: no such
 * active procedure, the document belongs to another procedure, or it has no template; MC_EDB;
 * MC_ENOMEM.
 */
int catalog_template(struct db *db, const char *code, int64_t document_id,
                     struct catalog_file *out);

/* Free what catalog_template copied and zero *f.  NULL allowed. */
void catalog_file_free(struct catalog_file *f);

/* The Vietnamese label of a level ("Cấp xã"), applicant type ("Công dân") or service mode
 * ("Dịch vụ công trực tuyến toàn trình"), or NULL when the value is unknown.  Static storage. */
const char *catalog_level_label(const char *level);
const char *catalog_applicant_label(const char *applicant_type);
const char *catalog_mode_label(const char *service_mode);

/*
 * Format 'amount' đồng the Vietnamese way into out (at least 32 bytes): "100.000 đồng", with
 * dots between thousands; 0 gives "Miễn phí".  Returns out.
 */
char *catalog_format_money(int64_t amount, char *out, size_t len);

/* "10 MB", "1,5 MB", "500 KB" for a size in bytes (decimal comma, as written in Vietnamese) into
 * out (at least 48 bytes).  Returns out. */
const char *catalog_format_size(int64_t size, char *out, size_t len);

/* "PDF, JPG, PNG" from the stored "pdf,jpg,png", as a new JSON string; NULL without memory. */
json_t *catalog_format_file_types(const char *s);

/*
 * Format office hours stored as a JSON array of 7 strings (Monday first, "07:30-11:30,13:00-17:00"
 * or "" when closed) into a new array of { "days", "times", "text" }, equal consecutive open days
 * grouped: "Thứ Hai – Thứ Sáu: 07:30–11:30, 13:00–17:00".  Closed days are left out.  NULL when
 * 'json' is not such an array or memory runs out (the page then shows no hours).
 */
json_t *catalog_format_hours(const char *json);

#endif
