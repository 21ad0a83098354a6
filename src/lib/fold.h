/* fold.h: diacritic- and case-insensitive folding of text for searching. */
#ifndef MC_FOLD_H
#define MC_FOLD_H

#include <stddef.h>

/*
 * Fold s[0..len) into the form the catalogue search compares: lower case (full Unicode case
 * mapping), decomposed to NFD with the combining diacritical marks U+0300..U+036F dropped and
 * đ/Đ mapped to d, so "Đăng Ký" and "dang ky" fold alike whether the input was NFC or NFD.
 * Every run of characters that are not letters, digits or marks (spaces, punctuation, symbols,
 * controls) becomes one ASCII space; format characters (U+00AD soft hyphen, zero-width joiners)
 * are dropped; the result is trimmed.  So the output holds only letters, digits, marks outside
 * U+0300..U+036F and single spaces between words, never '%', '_' or '\'.
 * 's' may be NULL when len is 0.  On success *out is a malloc'd NUL-terminated string the
 * caller frees (possibly "").
 * MC_EINVAL: s is not valid UTF-8; MC_ENOMEM.  On error *out is NULL.
 */
int fold_text(const char *s, size_t len, char **out);

#endif
