/* fuzz_cookie.c: libFuzzer target for cookie_parse.  Each input line is one Cookie header, all
 * parsed into the same jar. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/cookie.h"
#include "lib/err.h"
#include "limit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int is_octet(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

static void check_jar(const struct cookie_jar *jar)
{
	const unsigned char *s;
	size_t i;

	if (jar->count > LIMIT_COOKIES)
		abort();
	for (i = 0; i < jar->count; i++) {
		s = (const unsigned char *)jar->cookies[i].name;
		if (s == NULL || *s == '\0')
			abort();
		for (; *s; s++)
			if (!is_tchar(*s))
				abort();
		s = (const unsigned char *)jar->cookies[i].value;
		if (s == NULL)
			abort();
		for (; *s; s++)
			if (!is_octet(*s))
				abort();
		if (cookie_get(jar, jar->cookies[i].name) == NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct cookie_jar jar = { NULL, 0 }, before;
	h2o_mem_pool_t pool;
	int rc;

	h2o_mem_init_pool(&pool);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		before = jar;
		rc = cookie_parse(&pool, p, (size_t)(nl - p), &jar);
		if (rc != 0) {
			if (rc != MC_ETOOBIG || jar.cookies != before.cookies || jar.count != before.count)
				abort();
			/* Within the size limit, only a pair too many is refused: "a=" ';' each. */
			if ((size_t)(nl - p) <= LIMIT_COOKIE_HEADER_BYTES && before.count == 0 &&
			    (size_t)(nl - p) < 3 * (LIMIT_COOKIES + 1) - 1)
				abort();
		} else if (jar.count < before.count) {
			abort();
		}
		check_jar(&jar);
		if (nl == end)
			break;
		p = nl + 1;
	}
	h2o_mem_clear_pool(&pool);
	return 0;
}
