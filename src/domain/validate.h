/* validate.h: the rules for citizen and business registration fields. */
#ifndef MC_VALIDATE_H
#define MC_VALIDATE_H

#include <stddef.h>

/*
 * Conventions shared by every validator below.
 *
 * Input is a NUL-terminated string that the caller has already checked to be valid UTF-8,
 * normalised to NFC and trimmed (http/form.c does this for every declared field).  NULL is
 * treated like the empty string.  The validators are pure: no I/O, no allocation (except
 * validate_password, which may lower-case a long password on the heap), no global state, safe
 * from any thread.
 *
 * Each returns 0 or MC_EINVAL.  On MC_EINVAL, *msg is set to a static message in Vietnamese
 * (UTF-8, NFC) addressed to the citizen: it names the problem and says what to type.  It never
 * echoes the input, so it can be shown next to the field as it is.  On success *msg is NULL.
 * 'msg' itself must not be NULL.
 */

/* A day of the proleptic Gregorian calendar: year 1900.., month 1..12, day 1..31. */
#ifndef MC_CIVIL_DATE_DEFINED
#define MC_CIVIL_DATE_DEFINED
struct civil_date {
	int year;
	int month;
	int day;
};
#endif

#define VALIDATE_EMAIL_MAX        254u /* bytes of a whole address (RFC 5321 path limit) */
#define VALIDATE_EMAIL_LOCAL_MAX  64u  /* bytes before the '@' */
#define VALIDATE_EMAIL_KEY_SIZE   (VALIDATE_EMAIL_MAX + 1) /* a 'key' buffer this big always fits */
#define VALIDATE_PHONE_SIZE       11u  /* 10 digits and the NUL */
#define VALIDATE_PASSWORD_MIN     10u  /* code points */
#define VALIDATE_PASSWORD_MAX     128u /* code points */

/*
 * Check an e-mail address with practical, not full RFC 5322, syntax: ASCII only; exactly one
 * '@'; a local part of 1..64 dot-atom characters (letters, digits and !#$%&'*+-/=?^_`{|}~) with
 * no leading, trailing or doubled dot; a domain of two or more dot-separated labels, each 1..63
 * letters, digits or hyphens and not starting or ending with a hyphen, the last (the TLD) made of
 * two or more letters; 254 bytes at most in all.  Quoted local parts, IP literals, comments and
 * internationalised addresses are refused: a citizen never needs them to receive our mail.
 *
 * On success writes the address lower-cased into key[0..keylen) (NUL-terminated): the form kept
 * for case-insensitive uniqueness of accounts.  A keylen of VALIDATE_EMAIL_KEY_SIZE always fits;
 * a buffer too small for this address (a caller bug) gives MC_EINVAL with a generic message.  On
 * error key is set to "" when keylen > 0.  'key' may be NULL when keylen is 0 (syntax check only).
 */
int validate_email(const char *s, char *key, size_t keylen, const char **msg);

/*
 * Check a Vietnamese mobile number and normalise it to 10 digits starting with 0 in out.
 * Accepted forms: "0xxxxxxxxx", "+84xxxxxxxxx", "84xxxxxxxxx" (and "+84 0xxxxxxxxx", a common
 * way of writing it), with single spaces, dots or hyphens allowed between digits, for example
 * "0912 345 678", "091.234.5678", "+84 912-345-678".  The 3-digit prefix must belong to a mobile
 * network (the table in validate.c, from domain.md §4.2); landlines (02x) are refused.  On error
 * out is "".
 */
int validate_phone(const char *s, char out[VALIDATE_PHONE_SIZE], const char **msg);

/*
 * The network that owns the prefix of 'phone', a number already normalised by validate_phone
 * ("Viettel", "Vinaphone", "MobiFone", "Vietnamobile", "Gmobile", "Itelecom", "Reddi"), or NULL
 * when the prefix is not a mobile one.  Static storage.
 */
const char *validate_phone_carrier(const char *phone);

/*
 * Check a date of birth written strictly as "YYYY-MM-DD" (what <input type="date"> sends): a
 * real day of the Gregorian calendar, not before 1900-01-01 and not after today, given as
 * today_y-today_m-today_d in the portal's time zone (passed in so tests can set it; the caller
 * supplies a real date).  On success stores the date in *out (which may be NULL); on error *out
 * is left untouched.
 */
int validate_birth_date(const char *s, int today_y, int today_m, int today_d,
                        struct civil_date *out, const char **msg);

/*
 * Check a 12-digit personal identification number (số định danh cá nhân, printed on the căn
 * cước card), structure PPP G YY RRRRRR: exactly 12 ASCII digits; PPP one of the 63 pre-2025
 * province codes of the birth registration place; G the century and sex digit (0/1 → 1900s,
 * 2/3 → 2000s, 4/5 → 2100s ... so century = 1900 + 100 × ⌊G/2⌋); century + YY must equal
 * birth->year when 'birth' is not NULL.  There is no public check digit, so none is verified.
 * Citizens born abroad carry a country code in PPP; those are refused until the list of country
 * codes is known.  Distinct messages: empty, not 12 digits, unknown province code, birth year
 * mismatch.
 */
int validate_citizen_id(const char *s, const struct civil_date *birth, const char **msg);

/*
 * The name of the province (pre-2025 boundaries) whose 3-digit code starts 's' ("038..." →
 * "Thanh Hóa"), or NULL when the first three bytes are not a known code.  Static storage.
 */
const char *validate_province_name(const char *s);

/*
 * Check a business tax code (mã số thuế): "NNNNNNNNNN" for an enterprise, or
 * "NNNNNNNNNN-NNN" for a branch, whose 3-digit branch number is 001..999.  The 10th digit is the
 * check digit: with weights 31, 29, 23, 19, 17, 13, 7, 5, 3 over digits 1..9,
 * r = 10 − (Σ weight × digit mod 11), and the code is valid only when r equals the 10th digit
 * (r = 10 never does).  Distinct messages: empty, wrong shape, branch 000, wrong check digit.
 */
int validate_tax_code(const char *s, const char **msg);

/* A set of passwords too common to allow, lower-cased.  Read-only once loaded, so one list can
 * serve every thread. */
struct password_list;

/*
 * Load the list in file 'path': one password a line, LF or CRLF endings; empty lines and lines
 * starting with '#' are ignored; entries are lower-cased and deduplicated.  On success *out owns
 * the new list (free it with password_list_free).  MC_EIO: the file cannot be opened or read;
 * MC_EINVAL: a line is not valid UTF-8; MC_ENOMEM.  On error *out is NULL.
 */
int password_list_load(const char *path, struct password_list **out);

/* Release a list from password_list_load.  NULL is allowed. */
void password_list_free(struct password_list *list);

/* How many distinct entries 'list' holds (0 for NULL). */
size_t password_list_count(const struct password_list *list);

/* 1 when 'pw' (compared case-insensitively, by Unicode simple lower case) is in 'list', else 0.
 * A NULL list holds nothing. */
int password_list_contains(const struct password_list *list, const char *pw);

/*
 * Check a new password 'pw' and its confirmation 'confirm', in this order:
 *   - 10..128 characters counted as Unicode code points, with no control character;
 *   - it does not contain the local part (before the '@') of 'email', compared without regard
 *     to ASCII case, when that part has 3 or more characters;
 *   - it does not contain the 10 digits of 'phone' nor its last 9 (the number without the
 *     leading 0, as in "+84 9...");  'phone' may be raw or normalised; one that validate_phone
 *     cannot normalise is ignored;
 *   - it is not in 'common' (case-insensitive);
 *   - 'confirm' equals 'pw' byte for byte.
 * 'email', 'phone' and 'common' may be NULL (that check is skipped; production passes the
 * loaded list).  *which says which form field the message belongs to: 0 "password",
 * 1 "password_confirm" (set to 0 on success; 'which' may be NULL).  Returns 0 or MC_EINVAL.
 */
int validate_password(const char *pw, const char *confirm, const char *email, const char *phone,
                      const struct password_list *common, const char **msg, int *which);

/*
 * Check a free single-line text field: min_chars..max_chars Unicode code points and no control
 * character (C0 including TAB/CR/LF, DEL, C1).  An empty string with min_chars > 0 gets
 * "Vui lòng nhập thông tin này.".  The length messages are static, so they can only name the
 * limit for the values in validate.c's table (20, 30, 50, 64, 100, 128, 150, 200, 255, 300, 500,
 * 1000, 2000, 4000, 5000, 10000 for max_chars; 2, 3, 5, 10, 20 for min_chars); other limits get a
 * message that does not name the number, and the page can show the limit beside the field itself.
 * Invalid UTF-8 (a caller bug) is refused with a generic message.
 */
int validate_text(const char *s, size_t min_chars, size_t max_chars, const char **msg);

/* As validate_text, for multi-line fields (textarea): LF, CR and TAB are allowed. */
int validate_multiline_text(const char *s, size_t min_chars, size_t max_chars, const char **msg);

#endif
