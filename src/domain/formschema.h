/* formschema.h: the online form of a procedure (docs/form-schema.md): checking a schema,
 * the view model that templates/partials/form_fields.mustache renders, and checking answers. */
#ifndef MC_FORMSCHEMA_H
#define MC_FORMSCHEMA_H

#include <stddef.h>
#include <jansson.h>

/* Limits of a schema (docs/form-schema.md, "The object" and "A field"). */
#define FORMSCHEMA_MAX_SECTIONS          20u
#define FORMSCHEMA_MAX_SECTION_FIELDS    100u   /* fields in one section */
#define FORMSCHEMA_MAX_FIELDS            200u   /* fields in the whole form */
#define FORMSCHEMA_MAX_OPTIONS           100u   /* options of one field */
#define FORMSCHEMA_TITLE_MAX             200u   /* characters of a section title */
#define FORMSCHEMA_DESCRIPTION_MAX       1000u  /* characters of a section description */
#define FORMSCHEMA_LABEL_MAX             200u   /* characters of a field or option label */
#define FORMSCHEMA_HELP_MAX              500u   /* characters of a field's help */
#define FORMSCHEMA_NAME_MAX              40u    /* bytes of a field name */
#define FORMSCHEMA_OPTION_VALUE_MAX      40u    /* bytes of an option value */
#define FORMSCHEMA_PATTERN_MAX           200u   /* characters of a pattern */
#define FORMSCHEMA_LENGTH_MAX            10000u /* the largest min_length / max_length */

/* Default answer lengths in characters ("Types and how an answer is checked"). */
#define FORMSCHEMA_TEXT_DEFAULT_MAX      500u
#define FORMSCHEMA_TEXTAREA_DEFAULT_MAX  5000u
#define FORMSCHEMA_EMAIL_DEFAULT_MAX     254u
#define FORMSCHEMA_ADDRESS_DEFAULT_MIN   5u
#define FORMSCHEMA_ADDRESS_DEFAULT_MAX   500u
#define FORMSCHEMA_NUMBER_MAX_BYTES      40u    /* an answer to a number field */

/* Every control of the form is named this prefix + the field's name ("f_birth_date"), so that
 * the form's own fields (csrf_token ...) can never collide with the procedure's. */
#define FORMSCHEMA_INPUT_PREFIX          "f_"

/* An 'err' buffer this big holds any message of formschema_check without cutting it. */
#define FORMSCHEMA_ERR_SIZE              512u

/*
 * Parse 'json_text' (len bytes, need not be NUL-terminated) and check it against every rule of
 * docs/form-schema.md.  On success *out is the parsed schema (a new reference the caller
 * releases with json_decref) and 0 is returned.  MC_EINVAL: a JSON syntax error ("Lỗi cú pháp
 * JSON ở dòng 3, cột 5: ...") or a broken rule ("sections[0].fields[2].options: phải có từ 1
 * đến 100 lựa chọn"), described in Vietnamese in err[0..errlen) (err may be NULL; the message is
 * cut at a character boundary when errlen is too small); MC_ENOMEM.  On failure *out is NULL.
 * Duplicate keys in one object are refused.
 */
int formschema_check(const char *json_text, size_t len, json_t **out, char *err, size_t errlen);

/*
 * Check an already parsed schema (the catalogue import parses whole files itself) against every
 * rule of docs/form-schema.md.  Errors as formschema_check.  'schema' is not modified.
 * Pattern checks compile each regular expression, so this costs more than walking the object.
 */
int formschema_check_json(const json_t *schema, char *err, size_t errlen);

/*
 * Fill empty answers from the account's details.  'account' maps a detail name of the doc's
 * 'prefill' list ("full_name", "email", "birth_date" ...) to a string; 'values' (field name →
 * answer, as for formschema_view) gets, for every field with a 'prefill' whose answer is
 * missing or "", the account's detail when it is a non-empty string.  Answers the citizen gave
 * are never replaced.  'schema' must have passed formschema_check_json.  MC_EINVAL: 'values' is
 * not an object; MC_ENOMEM (values may then be partly filled).
 */
int formschema_prefill(const json_t *schema, const json_t *account, json_t *values);

/*
 * Build the view model of templates/partials/form_fields.mustache for 'schema' (which must have
 * passed formschema_check_json).  'values' maps a field name to its current answer, a string
 * (or, for a checkbox field with options, a list of strings); 'errors' maps a field name to its
 * message.  Both may be NULL (a blank form).  'today' ("YYYY-MM-DD", the portal's date) replaces
 * "today" in date bounds; when NULL those bounds are left out of the page.
 *
 * The model: { "sections": [ { "id", "title", "description", "fields": [ field ... ] } ],
 * "has_errors", "errors": [ { "field", "message" } ] } where "errors" follows the order of the
 * form and suits templates/partials/error_summary.mustache.  Each field holds every key the
 * partial reads (absent attributes are false or ""): name, id and input_name ("f_" + name),
 * label, type, is_<type> for each type, control_input / control_textarea / control_select /
 * control_radio / control_checkboxes / control_checkbox (the markup to use), input_type, value,
 * required, help, help_id, error, error_id, invalid, describedby, maxlength, min, max, step,
 * inputmode, autocomplete, rows, checked (single checkbox) and options [ { id, value, label,
 * selected, checked } ].
 *
 * On success *out is a new object owned by the caller (json_decref).  MC_EINVAL: 'schema' has
 * no sections list; MC_ENOMEM.  On error *out is NULL.
 */
int formschema_view(const json_t *schema, const json_t *values, const json_t *errors,
                    const char *today, json_t **out);

/*
 * Check the answers 'submitted' (field name without the "f_" prefix → string, or list of
 * strings where a control was posted several times, as a handler builds it from the posted
 * form; missing names are empty answers) against 'schema' (which must have passed
 * formschema_check_json), following "Types and how an answer is checked" of the doc.  'today'
 * ("YYYY-MM-DD", the portal's date) gives the meaning of "today" in date bounds and the latest
 * plausible birth year of a citizen_id.
 *
 * Every answer is first normalised to NFC and trimmed of surrounding white space; CRLF in
 * multi-line answers becomes LF.  Then *clean maps every field of the schema to its cleaned
 * answer: a string ("" when empty) or, for a checkbox with options, a list of the ticked option
 * values in the schema's order.  Valid answers are put in canonical form (a date as YYYY-MM-DD,
 * a phone number as 10 digits, a number with '.' as separator); invalid ones are kept as typed,
 * so the form can be shown again with them.  *errors maps the name of each field whose answer is
 * wrong to a Vietnamese message that starts with the field's label ("Ngày sinh: ...").
 *
 * Returns 0 when every answer is valid (*errors is then an empty object), MC_EINVAL when at
 * least one is not; in both cases the caller owns *clean and *errors (json_decref).  MC_EINVAL
 * with *clean and *errors NULL: 'submitted' is not an object, 'schema' has no sections or
 * 'today' is not a date (caller bugs).  MC_ENOMEM: *clean and *errors NULL.
 */
int formschema_check_values(const json_t *schema, const json_t *submitted, const char *today,
                            json_t **clean, json_t **errors);

#endif
