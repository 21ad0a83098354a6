/* err.c: descriptions of the project's error codes, for logs. */
#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>

const char *mc_strerror(int err)
{
	switch (err) {
	case MC_OK: return "ok";
	case MC_EINVAL: return "invalid input";
	case MC_ENOTFOUND: return "not found";
	case MC_EFORBIDDEN: return "forbidden";
	case MC_ECONFLICT: return "conflict";
	case MC_ETOOBIG: return "limit exceeded";
	case MC_ENOMEM: return "out of memory";
	case MC_EDB: return "database error";
	case MC_EIO: return "i/o error";
	case MC_ELIMIT: return "rate limited";
	case MC_EUNAVAIL: return "unavailable";
	}
	return "unknown error";
}

void mc_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
