/* fuzz_form.c: libFuzzer target for form_parse_urlencoded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/form.h"
#include "lib/err.h"
#include "lib/utf8.h"
#include "limit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* NUL-terminated, valid UTF-8, no forbidden control, and already in NFC. */
static void check_text(h2o_mem_pool_t *pool, const char *s, size_t len, size_t limit)
{
	char *again;
	size_t again_len;

	if (s == NULL || s[len] != '\0' || strlen(s) != len || len > limit || !utf8_valid(s, len))
		abort();
	if (utf8_to_nfc(pool, s, len, &again, &again_len) != 0 || again_len != len ||
	    memcmp(again, s, len) != 0)
		abort();
}

/* The number of non-empty '&' pieces: what a successful parse must return. */
static size_t pieces(const uint8_t *data, size_t size)
{
	size_t i, n = 0, run = 0;

	for (i = 0; i < size; i++) {
		if (data[i] == '&') {
			n += run > 0;
			run = 0;
		} else {
			run++;
		}
	}
	return n + (run > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	h2o_mem_pool_t pool;
	struct form f;
	size_t i;
	int rc;

	h2o_mem_init_pool(&pool);
	rc = form_parse_urlencoded(&pool, (const char *)data, size, &f);
	if (rc != 0) {
		if ((rc != MC_EINVAL && rc != MC_ETOOBIG) || f.fields != NULL || f.count != 0)
			abort();
		goto out;
	}
	if (f.count > LIMIT_FORM_FIELDS || f.count != pieces(data, size))
		abort();
	for (i = 0; i < f.count; i++) {
		check_text(&pool, f.fields[i].name, strlen(f.fields[i].name), LIMIT_FIELD_NAME_BYTES);
		check_text(&pool, f.fields[i].value, f.fields[i].value_len, LIMIT_FIELD_VALUE_BYTES);
		if (form_get(&f, f.fields[i].name) == NULL || form_count(&f, f.fields[i].name) == 0)
			abort();
	}
out:
	h2o_mem_clear_pool(&pool);
	return 0;
}
