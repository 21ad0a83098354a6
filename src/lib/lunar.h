/* lunar.h: the Vietnamese lunar calendar (âm lịch), for the holidays it fixes: Tết Nguyên đán
 * (1st day of the 1st month) and Giỗ Tổ Hùng Vương (10th day of the 3rd month).
 *
 * Months begin on the day of the new moon in Vietnam's time (UTC+7), which is why some years
 * differ from the Chinese calendar (UTC+8).  The 11th month always holds the winter solstice;
 * a year with 13 months repeats the first month after the solstice-to-solstice span that
 * holds no major solar term (the leap month).  New moons and solar longitudes follow the
 * astronomical series of Jean Meeus, "Astronomical Algorithms", as in Hồ Ngọc Đức's published
 * method for the Vietnamese calendar.  Valid for the years 1900 to 2199. */
#ifndef MC_LUNAR_H
#define MC_LUNAR_H

#define LUNAR_YEAR_MIN 1900
#define LUNAR_YEAR_MAX 2199

/* A day of the Gregorian calendar. */
struct solar_day {
	int year, month, day; /* month 1..12, day 1..31 */
};

/*
 * The Gregorian day of lunar day 'day' of month 'month' (1..12) of lunar year 'year' (the
 * year in which its 1st month begins); 'leap' asks for the leap month of that number.
 * 0 with *out, or -1: the year is out of range, the day is not 1..30, or 'leap' names a month
 * that is not leap that year.  Day 30 of a 29-day month gives the next month's first day.
 */
int lunar_to_solar(int year, int month, int day, int leap, struct solar_day *out);

/* The Julian day number of a Gregorian day (noon-based count; 1 January 2000 is 2451545). */
long lunar_jdn(int year, int month, int day);

/* The Gregorian day of Julian day number 'jdn'. */
struct solar_day lunar_from_jdn(long jdn);

#endif
