/* router.c: route matching on raw path segments. */
#include "http/router.h"

#include <string.h>

/* Next segment of s[0..len) starting at *pos (which is at a '/'): sets seg/seglen, advances. */
static int next_segment(const char *s, size_t len, size_t *pos, const char **seg, size_t *seglen)
{
	size_t start;

	if (*pos >= len || s[*pos] != '/')
		return 0;
	start = ++*pos;
	while (*pos < len && s[*pos] != '/')
		(*pos)++;
	*seg = s + start;
	*seglen = *pos - start;
	return 1;
}

static int segment_is_unsafe(const char *seg, size_t len)
{
	if (len == 0)
		return 1;
	if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
		return 1;
	return memchr(seg, '\0', len) != NULL;
}

/* Whether 'path' matches 'pattern'; fills the parameters when it does. */
static int match_pattern(const char *pattern, const char *path, size_t path_len,
                         struct route_match *m)
{
	size_t plen = strlen(pattern), ppos = 0, pos = 0;
	const char *pseg, *seg;
	size_t pseglen, seglen;

	m->nparams = 0;
	if (plen == 1 && path_len == 1)
		return pattern[0] == '/' && path[0] == '/';
	while (next_segment(pattern, plen, &ppos, &pseg, &pseglen)) {
		int is_param = pseglen >= 2 && pseg[0] == '{' && pseg[pseglen - 1] == '}';
		int is_rest = is_param && pseglen >= 3 && pseg[pseglen - 2] == '*';

		if (!next_segment(path, path_len, &pos, &seg, &seglen) || segment_is_unsafe(seg, seglen))
			return 0;
		if (!is_param) {
			if (seglen != pseglen || memcmp(seg, pseg, seglen) != 0)
				return 0;
			continue;
		}
		if (m->nparams >= ROUTE_MAX_PARAMS)
			return 0;
		if (is_rest) {
			/* Every remaining segment must be safe too. */
			size_t rest_start = (size_t)(seg - path), p = pos;
			const char *s2;
			size_t l2;
			while (next_segment(path, path_len, &p, &s2, &l2))
				if (segment_is_unsafe(s2, l2))
					return 0;
			pos = path_len;
			seglen = path_len - rest_start;
		}
		m->params[m->nparams].name = pseg + 1;
		m->params[m->nparams].name_len = pseglen - 2 - (is_rest ? 1 : 0);
		m->params[m->nparams].value = seg;
		m->params[m->nparams].value_len = seglen;
		m->nparams++;
		if (is_rest)
			return ppos == plen;
	}
	return pos == path_len;
}

enum router_result router_match(const struct route *table, size_t n, const char *method,
                                size_t method_len, const char *path, size_t path_len,
                                struct route_match *m, char *allow, size_t allowlen)
{
	int path_seen = 0;
	size_t used = 0;
	struct route_match tmp;

	if (allowlen)
		allow[0] = '\0';
	if (path_len == 0 || path[0] != '/')
		return ROUTER_NO_PATH;
	for (size_t i = 0; i < n; i++) {
		const struct route *rt = &table[i];
		size_t rml = strlen(rt->method);
		int same = rml == method_len && memcmp(rt->method, method, rml) == 0;

		if (!same && method_len == 4 && memcmp(method, "HEAD", 4) == 0 &&
		    strcmp(rt->method, "GET") == 0)
			same = 1;
		if (!match_pattern(rt->pattern, path, path_len, &tmp))
			continue;
		if (same) {
			*m = tmp;
			m->route = rt;
			return ROUTER_FOUND;
		}
		path_seen = 1;
		if (allowlen && used + rml + 3 < allowlen && strstr(allow, rt->method) == NULL) {
			if (used) {
				memcpy(allow + used, ", ", 2);
				used += 2;
			}
			memcpy(allow + used, rt->method, rml);
			used += rml;
			allow[used] = '\0';
		}
	}
	return path_seen ? ROUTER_NO_METHOD : ROUTER_NO_PATH;
}

const char *router_param(const struct route_match *m, const char *name, size_t *len)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < m->nparams; i++)
		if (m->params[i].name_len == nl && memcmp(m->params[i].name, name, nl) == 0) {
			if (len)
				*len = m->params[i].value_len;
			return m->params[i].value;
		}
	return NULL;
}
