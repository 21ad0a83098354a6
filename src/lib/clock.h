/* clock.h: the time the rules see.  Injectable, so tests set it instead of sleeping. */
#ifndef MC_CLOCK_H
#define MC_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* A source of wall-clock time in milliseconds since the epoch (UTC). */
struct clock {
	int64_t (*now_ms)(const struct clock *c);
	int64_t fixed_ms; /* clock_fixed(): the time; clock_offset(): the offset */
};

/* The system clock. */
extern const struct clock clock_system;

/* The system clock moved by 'offset_ms' (the --clock-offset setting: rehearsing expiry and
 * deadlines without waiting). */
struct clock clock_offset(int64_t offset_ms);

/* A clock stopped at 'ms' (tests move it by changing fixed_ms). */
struct clock clock_fixed(int64_t ms);

/* c's current time. */
int64_t clock_now_ms(const struct clock *c);

/* Format 'ms' as ISO-8601 UTC with milliseconds, "2026-11-30T00:33:45.123Z", into out (at least
 * 25 bytes).  Returns out. */
char *clock_iso8601(int64_t ms, char *out, size_t len);

/* The portal's time zone: Vietnam, UTC+7 all year (no daylight saving). */
#define CLOCK_LOCAL_OFFSET_MS (7LL * 60 * 60 * 1000)

/* Parse what clock_iso8601 writes ("...Z", milliseconds optional) into *ms.  MC_EINVAL when
 * 's' is not such a time. */
int clock_parse_iso8601(const char *s, int64_t *ms);

/* Format 'ms' in the portal's time zone as "30/11/2026 10:04" into out (at least 17 bytes). */
char *clock_format_local(int64_t ms, char *out, size_t len);

/* The portal's local date of 'ms' as "YYYY-MM-DD" into out (at least 11 bytes). */
char *clock_local_date(int64_t ms, char *out, size_t len);

#endif
