/* utf8.c: UTF-8 validation and NFC normalisation, on top of libunistring. */
#include "lib/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>
#include <uninorm.h>

#include "lib/err.h"

/*
 * Scan s[0..len) once: MC_EINVAL when it holds a C0 control other than TAB, LF and CR (NUL
 * included), else 0, with *ascii telling whether every byte is below 0x80.  Controls are single
 * bytes in UTF-8 (lead and continuation bytes are all >= 0x80), so a byte scan finds them.
 */
static int utf8_scan(const unsigned char *s, size_t len, int *ascii)
{
	unsigned char high = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		high |= s[i];
		if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return MC_EINVAL;
	}
	*ascii = (high & 0x80) == 0;
	return 0;
}

int utf8_valid(const char *s, size_t len)
{
	if (len == 0)
		return 1;
	/* u8_check refuses overlongs, surrogates (ED A0..BF) and anything above U+10FFFF. */
	return u8_check((const uint8_t *)s, len) == NULL;
}

int utf8_to_nfc(h2o_mem_pool_t *pool, const char *s, size_t len, char **out, size_t *outlen)
{
	const uint8_t *src = (const uint8_t *)s;
	uint8_t *norm = NULL;
	size_t normlen = 0;
	char *copy;
	int ascii = 1;
	int rc;

	*out = NULL;
	*outlen = 0;
	rc = utf8_scan(src, len, &ascii);
	if (rc != 0)
		goto out;
	if (!ascii) {
		if (u8_check(src, len) != NULL) {
			rc = MC_EINVAL;
			goto out;
		}
		/* NFC of valid input fails only when malloc does. */
		norm = u8_normalize(UNINORM_NFC, src, len, NULL, &normlen);
		if (norm == NULL) {
			rc = MC_ENOMEM;
			goto out;
		}
		src = norm;
		len = normlen;
	}
	copy = h2o_mem_alloc_pool(pool, len + 1);
	if (copy == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if (len)
		memcpy(copy, src, len);
	copy[len] = '\0';
	*out = copy;
	*outlen = len;
	rc = 0;
out:
	free(norm);
	return rc;
}
