/* token.h: random tokens for links and cookies, stored only as hashes. */
#ifndef MC_TOKEN_H
#define MC_TOKEN_H

#include <stddef.h>

#define TOKEN_LEN 43      /* 256 random bits, base64url without padding */
#define TOKEN_HASH_LEN 64 /* SHA-256 in lower-case hex */

/* Start libsodium.  Call once before any other function here.  MC_EIO when it cannot start. */
int token_init(void);

/* A new token of 256 random bits into out (TOKEN_LEN + 1 bytes, NUL-terminated). */
void token_new(char out[TOKEN_LEN + 1]);

/* Whether 's' has the shape of a token (TOKEN_LEN base64url characters). */
int token_valid_shape(const char *s);

/* The hash under which token 's' is stored: SHA-256 hex into out (TOKEN_HASH_LEN + 1 bytes). */
void token_hash(const char *s, char out[TOKEN_HASH_LEN + 1]);

/* Constant-time comparison of two NUL-terminated strings: 1 when equal. */
int token_equal(const char *a, const char *b);

/*
 * HMAC (libsodium crypto_auth) of 'msg' under the 32-byte 'key', as base64url into out
 * (TOKEN_LEN + 1 bytes).  Used for the CSRF token of anonymous forms.
 */
void token_sign(const unsigned char key[32], const char *msg, char out[TOKEN_LEN + 1]);

/*
 * Read the 32-byte server key from 'path', creating it (mode 0600, random) when missing.
 * MC_EIO when it cannot be read or written, or has the wrong size.
 */
int token_load_key(const char *path, unsigned char key[32]);

#endif
