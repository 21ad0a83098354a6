/* utf8.h: UTF-8 validation and NFC normalisation of text arriving from outside. */
#ifndef MC_UTF8_H
#define MC_UTF8_H

#define H2O_USE_LIBUV 0
#include <stddef.h>
#include <h2o/memory.h>

/*
 * Check that s[0..len) is valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF) and
 * holds no NUL byte and no C0 control other than TAB, LF and CR; then return in *out a
 * NUL-terminated copy normalised to NFC, allocated from 'pool', with its length in *outlen.
 * MC_EINVAL: invalid input; MC_ENOMEM.  Pure ASCII is copied without normalising.  On error
 * *out is NULL and *outlen 0.  DEL and the C1 controls (U+0080..U+009F) are not refused here.
 * NFC can turn non-ASCII into ASCII (U+212A KELVIN SIGN becomes 'K', U+037E becomes ';'), so
 * callers check allowed characters on the result, never on the input.
 */
int utf8_to_nfc(h2o_mem_pool_t *pool, const char *s, size_t len, char **out, size_t *outlen);

/* 1 when s[0..len) is valid UTF-8 (same rules as above, but C0 controls, NUL included, are
 * allowed), else 0.  The empty string is valid. */
int utf8_valid(const char *s, size_t len);

#endif
