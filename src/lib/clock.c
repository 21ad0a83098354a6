/* clock.c: system and fixed clocks. */
#include "lib/clock.h"

#include <stdio.h>
#include <time.h>

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
