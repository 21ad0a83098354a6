/* clock.c: system and fixed clocks. */
#include "lib/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"

static int64_t system_now(const struct clock *c)
{
	struct timespec ts;

	(void)c;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t fixed_now(const struct clock *c)
{
	return c->fixed_ms;
}

static int64_t offset_now(const struct clock *c)
{
	return system_now(c) + c->fixed_ms;
}

const struct clock clock_system = { system_now, 0 };

struct clock clock_offset(int64_t offset_ms)
{
	struct clock c = { offset_now, offset_ms };
	return c;
}

struct clock clock_fixed(int64_t ms)
{
	struct clock c = { fixed_now, ms };
	return c;
}

int64_t clock_now_ms(const struct clock *c)
{
	return c->now_ms(c);
}

char *clock_iso8601(int64_t ms, char *out, size_t len)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return out;
}

/* The 'n' decimal digits at s as a number, or -1 when one is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int clock_parse_iso8601(const char *s, int64_t *ms)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, milli = 0;

	/* "YYYY-MM-DDTHH:MM:SS" exactly (this runs for every time shown, so no sscanf), then an
	 * optional ".mmm", then "Z". */
	if (s == NULL || strnlen(s, 20) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return MC_EINVAL;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	s += 19;
	if (*s == '.') {
		if ((milli = digits(s + 1, 3)) < 0)
			return MC_EINVAL;
		s += 4;
	}
	if (strcmp(s, "Z") != 0 || y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return MC_EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*ms = (int64_t)timegm(&tm) * 1000 + milli;
	return 0;
}

char *clock_format_local(int64_t ms, char *out, size_t len)
{
	time_t secs = (time_t)((ms + CLOCK_LOCAL_OFFSET_MS) / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, len, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1,
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	return out;
}

char *clock_local_date(int64_t ms, char *out, size_t len)
{
	time_t secs = (time_t)((ms + CLOCK_LOCAL_OFFSET_MS) / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return out;
}
