/* fuzz_query.c: libFuzzer target for form_parse_query, checked against the body parser. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	h2o_mem_pool_t pool;
	struct form q, f;
	size_t i;
	int rc, rc2;

	h2o_mem_init_pool(&pool);
	rc = form_parse_query(&pool, (const char *)data, size, &q);
	if (size > LIMIT_QUERY_BYTES) {
		if (rc != MC_ETOOBIG || q.count != 0)
			abort();
		goto out;
	}
	/* Within the query limit both parsers must agree exactly. */
	rc2 = form_parse_urlencoded(&pool, (const char *)data, size, &f);
	if (rc != rc2 || q.count != f.count)
		abort();
	if (rc != 0) {
		if ((rc != MC_EINVAL && rc != MC_ETOOBIG) || q.fields != NULL || q.count != 0)
			abort();
		goto out;
	}
	if (q.count > LIMIT_FORM_FIELDS)
		abort();
	for (i = 0; i < q.count; i++) {
		check_text(&pool, q.fields[i].name, strlen(q.fields[i].name), LIMIT_FIELD_NAME_BYTES);
		check_text(&pool, q.fields[i].value, q.fields[i].value_len, LIMIT_FIELD_VALUE_BYTES);
		if (strcmp(q.fields[i].name, f.fields[i].name) != 0 ||
		    q.fields[i].value_len != f.fields[i].value_len ||
		    memcmp(q.fields[i].value, f.fields[i].value, q.fields[i].value_len) != 0)
			abort();
	}
out:
	h2o_mem_clear_pool(&pool);
	return 0;
}
