/* lunar.c: the Vietnamese lunar calendar (lunar.h). */
#include "lib/lunar.h"

#include <math.h>

#define TIME_ZONE 7.0                  /* Vietnam: UTC+7 */
#define SYNODIC_MONTH 29.530588853     /* mean days from one new moon to the next */
#define NEW_MOON_1900 2415021.076998695 /* Julian day of the new moon of 1 January 1900 */

long lunar_jdn(int year, int month, int day)
{
	long a = (14 - month) / 12;
	long y = year + 4800 - a;
	long m = month + 12 * a - 3;

	return day + (153 * m + 2) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 32045;
}

struct solar_day lunar_from_jdn(long jdn)
{
	long a = jdn + 32044;
	long b = (4 * a + 3) / 146097;
	long c = a - b * 146097 / 4;
	long d = (4 * c + 3) / 1461;
	long e = c - 1461 * d / 4;
	long m = (5 * e + 2) / 153;
	struct solar_day out;

	out.day = (int)(e - (153 * m + 2) / 5 + 1);
	out.month = (int)(m + 3 - 12 * (m / 10));
	out.year = (int)(b * 100 + d - 4800 + m / 10);
	return out;
}

/* The Julian date (UT) of the k-th new moon after that of 1 January 1900 (Meeus, ch. 49, the
 * shorter series: good to a few minutes over these centuries). */
static double new_moon(long k)
{
	const double dr = M_PI / 180;
	double t = k / 1236.85, t2 = t * t, t3 = t2 * t;
	double jd, m, mpr, f, c, dt;

	jd = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
	jd += 0.00033 * sin((166.56 + 132.87 * t - 0.009173 * t2) * dr);
	m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;     /* the sun's anomaly */
	mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3; /* the moon's */
	f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;    /* its latitude */
	c = (0.1734 - 0.000393 * t) * sin(m * dr) + 0.0021 * sin(2 * dr * m);
	c += -0.4068 * sin(mpr * dr) + 0.0161 * sin(dr * 2 * mpr) - 0.0004 * sin(dr * 3 * mpr);
	c += 0.0104 * sin(dr * 2 * f) - 0.0051 * sin(dr * (m + mpr));
	c += -0.0074 * sin(dr * (m - mpr)) + 0.0004 * sin(dr * (2 * f + m));
	c += -0.0004 * sin(dr * (2 * f - m)) - 0.0006 * sin(dr * (2 * f + mpr));
	c += 0.0010 * sin(dr * (2 * f - mpr)) + 0.0005 * sin(dr * (2 * mpr + m));
	/* Terrestrial minus universal time, in days. */
	if (t < -11)
		dt = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3;
	else
		dt = -0.000278 + 0.000265 * t + 0.000262 * t2;
	return jd + c - dt;
}

/* The local day (Julian day number) of the k-th new moon. */
static long new_moon_day(long k)
{
	return (long)floor(new_moon(k) + 0.5 + TIME_ZONE / 24);
}

/* The sun's apparent longitude, in radians within [0, 2π), at Julian date 'jd' (UT). */
static double sun_longitude(double jd)
{
	const double dr = M_PI / 180;
	double t = (jd - 2451545.0) / 36525, t2 = t * t;
	double m, l0, dl, l;

	m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
	l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
	dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * sin(dr * m);
	dl += (0.019993 - 0.000101 * t) * sin(dr * 2 * m) + 0.000290 * sin(dr * 3 * m);
	l = (l0 + dl) * dr;
	return l - 2 * M_PI * floor(l / (2 * M_PI));
}

/* Which twelfth of the ecliptic (0..11, each a major solar term) the sun is in at the start of
 * local day 'jdn'. */
static int sun_term(long jdn)
{
	return (int)floor(sun_longitude(jdn - 0.5 - TIME_ZONE / 24) / M_PI * 6);
}

/* The first day of the lunar month that holds the winter solstice of Gregorian year 'year':
 * the 11th month. */
static long month11(int year)
{
	long off = lunar_jdn(year, 12, 31) - 2415021;
	long k = (long)floor(off / SYNODIC_MONTH);
	long nm = new_moon_day(k);

	/* Already past the solstice (the sun beyond 270°): the month began one moon earlier. */
	if (sun_term(nm) >= 9)
		nm = new_moon_day(k - 1);
	return nm;
}

/* In a 13-month year starting at month 11 'a11', how many months after it the leap month
 * comes: the first month in which the sun enters no new term. */
static int leap_offset(long a11)
{
	long k = (long)floor((a11 - NEW_MOON_1900) / SYNODIC_MONTH + 0.5);
	int i = 1, last, arc = sun_term(new_moon_day(k + 1));

	do {
		last = arc;
		i++;
		arc = sun_term(new_moon_day(k + i));
	} while (arc != last && i < 14);
	return i - 1;
}

int lunar_to_solar(int year, int month, int day, int leap, struct solar_day *out)
{
	long a11, b11, k, start;
	int off;

	if (year < LUNAR_YEAR_MIN || year > LUNAR_YEAR_MAX || month < 1 || month > 12 || day < 1 ||
	    day > 30 || out == 0)
		return -1;
	if (month < 11) {
		a11 = month11(year - 1);
		b11 = month11(year);
	} else {
		a11 = month11(year);
		b11 = month11(year + 1);
	}
	k = (long)floor(0.5 + (a11 - NEW_MOON_1900) / SYNODIC_MONTH);
	off = month - 11;
	if (off < 0)
		off += 12;
	if (b11 - a11 > 365) {
		/* Thirteen months between the two 11th months: one is leap. */
		int leap_off = leap_offset(a11), leap_month = leap_off - 2;

		if (leap_month <= 0)
			leap_month += 12;
		if (leap && month != leap_month)
			return -1;
		if (leap || off >= leap_off)
			off++;
	} else if (leap) {
		return -1;
	}
	start = new_moon_day(k + off);
	*out = lunar_from_jdn(start + day - 1);
	return 0;
}
