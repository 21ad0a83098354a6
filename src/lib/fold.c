/* fold.c: search folding (lower case, no Vietnamese diacritics, one space between words). */
#include "lib/fold.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <unistr.h>

#include "lib/err.h"

/* How one character takes part in a folded string. */
enum fold_class {
	FOLD_KEEP,      /* a letter, digit or kept mark: copied */
	FOLD_SEPARATE,  /* space, punctuation, symbol, control: ends a word */
	FOLD_DROP,      /* a diacritic or a format character: vanishes without splitting a word */
};

static enum fold_class fold_classify(ucs4_t c)
{
	/* The combining diacritical marks block holds every Vietnamese tone and vowel mark once
	 * the text is in NFD; marks of other scripts (Devanagari vowel signs ...) stay. */
	if (c >= 0x0300 && c <= 0x036F)
		return FOLD_DROP;
	if (uc_is_general_category(c, UC_CATEGORY_L) || uc_is_general_category(c, UC_CATEGORY_N) ||
	    uc_is_general_category(c, UC_CATEGORY_M))
		return FOLD_KEEP;
	/* A soft hyphen or zero-width joiner inside a word must not split it. */
	if (uc_is_general_category(c, UC_CATEGORY_Cf))
		return FOLD_DROP;
	return FOLD_SEPARATE;
}

/*
 * Append the folded form of the NFD, lower-case text src[0..len) to dst, which has room for
 * len + 1 bytes (folding never lengthens: a dropped mark or separator run writes at most one
 * byte per input character, đ (2 bytes) becomes 'd'); return the length written.
 */
static size_t fold_copy(const uint8_t *src, size_t len, char *dst)
{
	size_t i = 0, n = 0;
	int pending_space = 0;

	while (i < len) {
		ucs4_t c;
		int step = u8_mbtouc(&c, src + i, len - i);
		enum fold_class cls;

		if (c == 0x0111) { /* đ: a letter of its own, not d + a mark, so NFD keeps it */
			cls = FOLD_KEEP;
		} else if (c < 0x80) {
			int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

			cls = alnum ? FOLD_KEEP : FOLD_SEPARATE;
			/* Upper-case ASCII cannot remain after u8_tolower, but the ASCII fast path in
			 * fold_text() calls us on raw input too. */
			if (c >= 'A' && c <= 'Z') {
				c += 'a' - 'A';
				cls = FOLD_KEEP;
			}
		} else {
			cls = fold_classify(c);
		}
		if (cls == FOLD_SEPARATE) {
			pending_space = n > 0;
		} else if (cls == FOLD_KEEP) {
			if (pending_space)
				dst[n++] = ' ';
			pending_space = 0;
			if (c == 0x0111 || c < 0x80) {
				dst[n++] = c == 0x0111 ? 'd' : (char)c;
			} else {
				memcpy(dst + n, src + i, (size_t)step);
				n += (size_t)step;
			}
		}
		i += (size_t)step;
	}
	dst[n] = '\0';
	return n;
}

int fold_text(const char *s, size_t len, char **out)
{
	const uint8_t *src = (const uint8_t *)s;
	uint8_t *lower = NULL;
	size_t lowerlen = 0, i;
	int ascii = 1;
	char *res = NULL;
	int rc;

	*out = NULL;
	for (i = 0; i < len; i++) {
		if (src[i] & 0x80) {
			ascii = 0;
			break;
		}
	}
	if (!ascii) {
		if (u8_check(src, len) != NULL) {
			rc = MC_EINVAL;
			goto out;
		}
		/* Lower-case and decompose in one pass; on valid input this fails only when malloc
		 * does.  Lower-casing first matters: Đ (U+0110) lowers to đ (U+0111), which we map. */
		lower = u8_tolower(src, len, NULL, UNINORM_NFD, NULL, &lowerlen);
		if (lower == NULL) {
			rc = MC_ENOMEM;
			goto out;
		}
		src = lower;
		len = lowerlen;
	}
	res = malloc(len + 1);
	if (res == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	fold_copy(src, len, res);
	*out = res;
	rc = 0;
out:
	free(lower);
	return rc;
}
