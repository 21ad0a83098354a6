/* test_validate.c: unit tests for domain/validate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uninorm.h>
#include <unistr.h>

#include "domain/validate.h"
#include "lib/err.h"

/* The shipped list: MOTCUA_PASSWORDS_FILE in the environment, else the build's define. */
#ifndef PASSWORDS_FILE
#define PASSWORDS_FILE "data/common-passwords.txt"
#endif

static const char *passwords_path(void)
{
	const char *env = getenv("MOTCUA_PASSWORDS_FILE");

	return env != NULL && env[0] != '\0' ? env : PASSWORDS_FILE;
}

/* A message for a citizen: non-empty, valid UTF-8 in NFC, Vietnamese (so not pure ASCII), one
 * line, ending with a full stop. */
static void check_message(const char *msg)
{
	size_t len, nfclen = 0, i;
	uint8_t *nfc;
	int non_ascii = 0;

	assert_non_null(msg);
	len = strlen(msg);
	assert_true(len > 10);
	assert_null(u8_check((const uint8_t *)msg, len));
	nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)msg, len, NULL, &nfclen);
	assert_non_null(nfc);
	assert_int_equal(nfclen, len);
	assert_memory_equal(nfc, msg, len);
	free(nfc);
	for (i = 0; i < len; i++) {
		assert_true((unsigned char)msg[i] >= 0x20 && msg[i] != 0x7f);
		if ((unsigned char)msg[i] >= 0x80)
			non_ascii = 1;
	}
	assert_true(non_ascii);
	assert_int_equal(msg[len - 1], '.');
}

/* ---- E-mail ---------------------------------------------------------------------------------- */

static void email_ok(const char *s, const char *want_key)
{
	char key[VALIDATE_EMAIL_KEY_SIZE];
	const char *msg = "sentinel";

	memset(key, 'x', sizeof(key));
	assert_int_equal(validate_email(s, key, sizeof(key), &msg), 0);
	assert_null(msg);
	assert_string_equal(key, want_key);
}

/* Refused, with message 'want' when not NULL; returns the message. */
static const char *email_bad(const char *s, const char *want)
{
	char key[VALIDATE_EMAIL_KEY_SIZE];
	const char *msg = NULL;

	memset(key, 'x', sizeof(key));
	assert_int_equal(validate_email(s, key, sizeof(key), &msg), MC_EINVAL);
	check_message(msg);
	assert_string_equal(key, "");
	if (want != NULL)
		assert_string_equal(msg, want);
	return msg;
}

static void test_email_valid(void **state)
{
	(void)state;
	email_ok("a@b.co", "a@b.co");
	email_ok("Nguyen.Van.A@Gmail.COM", "nguyen.van.a@gmail.com");
	email_ok("user+tag@sub.example.vn", "user+tag@sub.example.vn");
	email_ok("o'brien@example.com", "o'brien@example.com");
	email_ok("x_y-z@a-b.c-d.gov.vn", "x_y-z@a-b.c-d.gov.vn");
	email_ok("a!#$%&'*+-/=?^_`{|}~z@example.com", "a!#$%&'*+-/=?^_`{|}~z@example.com");
	email_ok("123@456.vn", "123@456.vn");
	email_ok("a@1-2.example", "a@1-2.example");
}

static void test_email_invalid(void **state)
{
	const char *empty, *format, *local, *domain, *nonascii;

	(void)state;
	empty = email_bad("", NULL);
	assert_string_equal(email_bad(NULL, NULL), empty);
	format = email_bad("plainaddress", NULL);
	email_bad("@example.com", format);
	email_bad("a@", format);
	email_bad("a@@b.com", format);
	email_bad("a@b@c.com", format);
	email_bad("\"quoted\"@example.com", NULL);
	local = email_bad(".a@b.com", NULL);
	email_bad("a.@b.com", local);
	email_bad("a..b@c.com", local);
	email_bad("a b@c.com", local);
	email_bad("a(b)@c.com", local);
	email_bad("a,b@c.com", local);
	domain = email_bad("a@b", NULL);
	email_bad("a@localhost", domain);
	email_bad("a@vn", domain);
	email_bad("a@b.c", domain);
	email_bad("a@b.c1", domain);
	email_bad("a@b.com1", domain);
	email_bad("a@-b.com", domain);
	email_bad("a@b-.com", domain);
	email_bad("a@b..com", domain);
	email_bad("a@.b.com", domain);
	email_bad("a@b.com.", domain);
	email_bad("a@b_c.com", domain);
	email_bad("a@[127.0.0.1]", domain);
	email_bad("a@xn--p1ai", domain);
	email_bad("a@b.com ", domain);
	nonascii = email_bad("nguy\xe1\xbb\x85n@gmail.com", NULL);
	email_bad("an@h\xc3\xa0n\xe1\xbb\x99i.vn", nonascii);
	/* Every message differs, so the citizen learns what is wrong. */
	assert_string_not_equal(empty, format);
	assert_string_not_equal(format, local);
	assert_string_not_equal(local, domain);
	assert_string_not_equal(domain, nonascii);
}

static void test_email_lengths(void **state)
{
	char s[300], want[512];
	char label63[64], label64[65];
	const char *msg;
	size_t i;

	(void)state;
	memset(label63, 'd', 63);
	label63[63] = '\0';
	memset(label64, 'd', 64);
	label64[64] = '\0';

	/* Local part: 64 accepted, 65 refused. */
	memset(s, 'L', 64);
	strcpy(s + 64, "@example.com");
	for (i = 0; s[i] != '\0'; i++)
		want[i] = (char)(s[i] == 'L' ? 'l' : s[i]);
	want[i] = '\0';
	email_ok(s, want);
	memset(s, 'l', 65);
	strcpy(s + 65, "@example.com");
	msg = email_bad(s, NULL);
	assert_non_null(strstr(msg, "64"));

	/* A label: 63 accepted, 64 refused. */
	snprintf(s, sizeof(s), "a@%s.vn", label63);
	email_ok(s, s);
	snprintf(s, sizeof(s), "a@%s.vn", label64);
	email_bad(s, NULL);

	/* The whole address: 254 accepted, 255 refused (64 + 1 + 63 + 1 + 63 + 1 + 57/58 + 4). */
	memset(s, 'l', 64);
	s[64] = '\0';
	snprintf(want, sizeof(want), "%s@%s.%s.%.57s.com", s, label63, label63, label63);
	assert_int_equal(strlen(want), 254);
	email_ok(want, want);
	snprintf(want, sizeof(want), "%s@%s.%s.%.58s.com", s, label63, label63, label63);
	assert_int_equal(strlen(want), 255);
	msg = email_bad(want, NULL);
	assert_non_null(strstr(msg, "254"));
}

static void test_email_key_buffer(void **state)
{
	char small[6], fit[7];
	const char *msg = NULL;

	(void)state;
	/* Syntax only. */
	assert_int_equal(validate_email("A@b.vn", NULL, 0, &msg), 0);
	assert_null(msg);
	/* One byte short of the NUL: a caller bug, refused. */
	memset(small, 'x', sizeof(small));
	assert_int_equal(validate_email("A@b.vn", small, sizeof(small), &msg), MC_EINVAL);
	check_message(msg);
	assert_string_equal(small, "");
	/* Exactly big enough. */
	assert_int_equal(validate_email("A@b.vn", fit, sizeof(fit), &msg), 0);
	assert_null(msg);
	assert_string_equal(fit, "a@b.vn");
}

/* ---- Phone ----------------------------------------------------------------------------------- */

static void phone_ok(const char *s, const char *want)
{
	char out[VALIDATE_PHONE_SIZE];
	const char *msg = "sentinel";

	memset(out, 'x', sizeof(out));
	assert_int_equal(validate_phone(s, out, &msg), 0);
	assert_null(msg);
	assert_string_equal(out, want);
}

static const char *phone_bad(const char *s, const char *want)
{
	char out[VALIDATE_PHONE_SIZE];
	const char *msg = NULL;

	memset(out, 'x', sizeof(out));
	assert_int_equal(validate_phone(s, out, &msg), MC_EINVAL);
	check_message(msg);
	assert_string_equal(out, "");
	if (want != NULL)
		assert_string_equal(msg, want);
	return msg;
}

static void test_phone_forms(void **state)
{
	(void)state;
	phone_ok("0912345678", "0912345678");
	phone_ok("+84912345678", "0912345678");
	phone_ok("84912345678", "0912345678");
	phone_ok("+84 912 345 678", "0912345678");
	phone_ok("+84-912-345-678", "0912345678");
	phone_ok("0912 345 678", "0912345678");
	phone_ok("091.234.5678", "0912345678");
	phone_ok("091-234-5678", "0912345678");
	phone_ok("0 9 1 2 3 4 5 6 7 8", "0912345678");
	phone_ok("+84 0912345678", "0912345678");
	phone_ok("840912345678", "0912345678");
	phone_ok("+84 38 123 4567", "0381234567");
	phone_ok("84 868 000 111", "0868000111");
}

static void test_phone_invalid(void **state)
{
	const char *empty, *format, *prefix, *landline;

	(void)state;
	empty = phone_bad("", NULL);
	assert_string_equal(phone_bad(NULL, NULL), empty);
	format = phone_bad("09123456789", NULL); /* 11 digits */
	assert_non_null(strstr(format, "10 chữ số"));
	phone_bad("091234567", format);           /* 9 digits */
	phone_bad("+849123456789", format);       /* 12 digits after +84 */
	phone_bad("8491234567", format);          /* 10 digits starting 84 */
	phone_bad("+0912345678", format);
	phone_bad("0912  345678", format);
	phone_bad("0912345678 ", format);
	phone_bad(" 0912345678", format);
	phone_bad("0912--345678", format);
	phone_bad("091234567a", format);
	phone_bad("(+84) 912345678", format);
	phone_bad("+84", format);
	phone_bad("+", format);
	phone_bad("+ 84912345678", format);
	phone_bad("912345678", format);
	phone_bad("0012345678", format);
	phone_bad("0912345678012345678901234567890", format);
	phone_bad("\xef\xbc\x90\x39\x31\x32\x33\x34\x35\x36\x37\x38", format); /* fullwidth 0 */
	prefix = phone_bad("0312345678", NULL);
	phone_bad("+84 31 234 5678", prefix);
	phone_bad("0512345678", prefix);
	phone_bad("0952345678", prefix);
	landline = phone_bad("02438253555", NULL);
	phone_bad("+84 24 3825 3555", landline);
	phone_bad("0283822 1234", landline);
	assert_string_not_equal(format, prefix);
	assert_string_not_equal(format, landline);
	assert_string_not_equal(prefix, landline);
	assert_string_not_equal(empty, format);
}

static void test_phone_carriers(void **state)
{
	/* domain.md §4.2, copied independently of validate.c's table. */
	static const struct {
		const char *prefix;
		const char *carrier;
	} want[] = {
		{ "032", "Viettel" }, { "033", "Viettel" }, { "034", "Viettel" }, { "035", "Viettel" },
		{ "036", "Viettel" }, { "037", "Viettel" }, { "038", "Viettel" }, { "039", "Viettel" },
		{ "086", "Viettel" }, { "096", "Viettel" }, { "097", "Viettel" }, { "098", "Viettel" },
		{ "081", "Vinaphone" }, { "082", "Vinaphone" }, { "083", "Vinaphone" },
		{ "084", "Vinaphone" }, { "085", "Vinaphone" }, { "088", "Vinaphone" },
		{ "091", "Vinaphone" }, { "094", "Vinaphone" },
		{ "070", "MobiFone" }, { "076", "MobiFone" }, { "077", "MobiFone" },
		{ "078", "MobiFone" }, { "079", "MobiFone" }, { "089", "MobiFone" },
		{ "090", "MobiFone" }, { "093", "MobiFone" },
		{ "052", "Vietnamobile" }, { "056", "Vietnamobile" }, { "058", "Vietnamobile" },
		{ "092", "Vietnamobile" },
		{ "059", "Gmobile" }, { "099", "Gmobile" },
		{ "087", "Itelecom" },
		{ "055", "Reddi" },
	};
	char num[32], intl[32];
	size_t i;
	int p, accepted = 0;

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), 36);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(num, sizeof(num), "%s1234567", want[i].prefix);
		phone_ok(num, num);
		snprintf(intl, sizeof(intl), "+84 %s 123 4567", want[i].prefix + 1);
		phone_ok(intl, num);
		assert_string_equal(validate_phone_carrier(num), want[i].carrier);
	}
	/* Every other 0xx prefix is refused: the table is the whole truth. */
	for (p = 0; p < 100; p++) {
		char out[VALIDATE_PHONE_SIZE];
		const char *msg;

		snprintf(num, sizeof(num), "0%02d1234567", p);
		if (validate_phone(num, out, &msg) == 0) {
			accepted++;
			assert_non_null(validate_phone_carrier(out));
		} else {
			check_message(msg);
			assert_null(validate_phone_carrier(num));
		}
	}
	assert_int_equal(accepted, 36);
	assert_null(validate_phone_carrier("031"));
	assert_null(validate_phone_carrier("03"));
	assert_null(validate_phone_carrier(NULL));
}

/* ---- Birth date ------------------------------------------------------------------------------ */

#define TODAY 2026, 11, 30

static void birth_ok(const char *s, int y, int m, int d)
{
	struct civil_date out = { 0, 0, 0 };
	const char *msg = "sentinel";

	assert_int_equal(validate_birth_date(s, TODAY, &out, &msg), 0);
	assert_null(msg);
	assert_int_equal(out.year, y);
	assert_int_equal(out.month, m);
	assert_int_equal(out.day, d);
}

static const char *birth_bad(const char *s, const char *want)
{
	struct civil_date out = { -1, -1, -1 };
	const char *msg = NULL;

	assert_int_equal(validate_birth_date(s, TODAY, &out, &msg), MC_EINVAL);
	check_message(msg);
	assert_int_equal(out.year, -1); /* untouched */
	if (want != NULL)
		assert_string_equal(msg, want);
	return msg;
}

static void test_birth_date_bounds(void **state)
{
	const char *msg = NULL, *old, *future;

	(void)state;
	birth_ok("1990-05-31", 1990, 5, 31);
	birth_ok("1900-01-01", 1900, 1, 1);
	old = birth_bad("1899-12-31", NULL);
	birth_bad("0000-01-01", old);
	birth_ok("2026-11-30", 2026, 11, 30); /* today */
	future = birth_bad("2026-12-01", NULL); /* tomorrow */
	birth_bad("2027-01-01", future);
	birth_bad("2026-11-31", NULL); /* no such day, whatever today is */
	birth_bad("9999-12-31", future);
	assert_string_not_equal(old, future);
	/* Today on the last day of a year. */
	assert_int_equal(validate_birth_date("2024-12-31", 2024, 12, 31, NULL, &msg), 0);
	assert_int_equal(validate_birth_date("2025-01-01", 2024, 12, 31, NULL, &msg), MC_EINVAL);
	assert_string_equal(msg, future);
}

static void test_birth_date_calendar(void **state)
{
	const char *not_real;

	(void)state;
	birth_ok("2000-02-29", 2000, 2, 29); /* divisible by 400 */
	birth_ok("2024-02-29", 2024, 2, 29);
	birth_ok("1996-02-29", 1996, 2, 29);
	not_real = birth_bad("1900-02-29", NULL); /* divisible by 100, not 400 */
	birth_bad("2023-02-29", not_real);
	birth_bad("2024-02-30", not_real);
	birth_bad("2024-04-31", not_real);
	birth_bad("2024-06-31", not_real);
	birth_bad("2024-09-31", not_real);
	birth_bad("2024-11-31", not_real);
	birth_bad("2024-13-01", not_real);
	birth_bad("2024-00-10", not_real);
	birth_bad("2024-01-00", not_real);
	birth_bad("2024-01-32", not_real);
	birth_ok("2024-01-31", 2024, 1, 31);
	birth_ok("2023-12-31", 2023, 12, 31);
	birth_ok("2023-02-28", 2023, 2, 28);
}

static void test_birth_date_format(void **state)
{
	const char *empty, *format;

	(void)state;
	empty = birth_bad("", NULL);
	assert_string_equal(birth_bad(NULL, NULL), empty);
	format = birth_bad("31/05/1990", NULL);
	birth_bad("1990-5-31", format);
	birth_bad("1990-05-1", format);
	birth_bad("1990/05/31", format);
	birth_bad("19900531", format);
	birth_bad("1990-05-31T00:00", format);
	birth_bad(" 1990-05-31", format);
	birth_bad("1990-05-31 ", format);
	birth_bad("+990-05-31", format);
	birth_bad("1990-05-3a", format);
	birth_bad("1990-0x-31", format);
	birth_bad("1990--5-31", format);
	birth_bad("\xef\xbc\x91\x39\x39\x30-05-31", format);
	assert_string_not_equal(empty, format);
}

/* ---- Citizen identification number ------------------------------------------------------------ */

static const struct civil_date *year_of(int y, struct civil_date *d)
{
	d->year = y;
	d->month = 6;
	d->day = 15;
	return d;
}

static const char *cid_bad(const char *s, const struct civil_date *birth, const char *want)
{
	const char *msg = NULL;

	assert_int_equal(validate_citizen_id(s, birth, &msg), MC_EINVAL);
	check_message(msg);
	if (want != NULL)
		assert_string_equal(msg, want);
	return msg;
}

static void cid_ok(const char *s, const struct civil_date *birth)
{
	const char *msg = "sentinel";

	assert_int_equal(validate_citizen_id(s, birth, &msg), 0);
	assert_null(msg);
}

static void test_citizen_id_valid(void **state)
{
	struct civil_date d;

	(void)state;
	cid_ok("038090012345", year_of(1990, &d)); /* Thanh Hóa, male, 1990 */
	cid_ok("038090012345", NULL);
	cid_ok("001190123456", year_of(1990, &d)); /* Hà Nội, female */
	cid_ok("079205000001", year_of(2005, &d));
	cid_ok("096300999999", year_of(2000, &d));
	cid_ok("001000000000", year_of(1900, &d));
	cid_ok("001199000000", year_of(1999, &d));
	assert_string_equal(validate_province_name("038090012345"), "Thanh Hóa");
	assert_string_equal(validate_province_name("001"), "Hà Nội");
	assert_string_equal(validate_province_name("079"), "TP Hồ Chí Minh");
	assert_string_equal(validate_province_name("096"), "Cà Mau");
	assert_string_equal(validate_province_name("046"), "Thừa Thiên Huế");
}

static void test_citizen_id_century(void **state)
{
	/* Digit 4: 0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s, 6/7 → 2200s, 8/9 → 2300s. */
	static const int base[10] = { 1900, 1900, 2000, 2000, 2100, 2100, 2200, 2200, 2300, 2300 };
	struct civil_date d;
	char id[32];
	const char *year_msg = NULL, *msg;
	int g;

	(void)state;
	for (g = 0; g <= 9; g++) {
		snprintf(id, sizeof(id), "038%d45123456", g);
		cid_ok(id, year_of(base[g] + 45, &d));
		cid_ok(id, NULL);
		msg = cid_bad(id, year_of(base[g] + 46, &d), year_msg);
		year_msg = msg;
		cid_bad(id, year_of(base[g] + 145, &d), year_msg);
		cid_bad(id, year_of(base[g] - 55, &d), year_msg);
	}
	/* The same YY in the wrong century. */
	cid_bad("038090012345", year_of(2090, &d), year_msg);
	cid_bad("038290012345", year_of(1990, &d), year_msg);
	cid_bad("038405000000", year_of(2005, &d), year_msg);
}

static void test_citizen_id_invalid(void **state)
{
	struct civil_date d;
	const char *empty, *format, *province, *year;

	(void)state;
	empty = cid_bad("", NULL, NULL);
	assert_string_equal(cid_bad(NULL, NULL, NULL), empty);
	format = cid_bad("03809001234", NULL, NULL);      /* 11 digits */
	assert_non_null(strstr(format, "12 chữ số"));
	cid_bad("0380900123456", NULL, format);           /* 13 digits */
	cid_bad("038 090 012345", NULL, format);
	cid_bad("03809001234a", NULL, format);
	cid_bad("038090012345 ", NULL, format);
	cid_bad("038090\xef\xbc\x90\x31\x32\x33\x34\x35", NULL, format);
	cid_bad("123456789", NULL, format);                /* an old 9-digit CMND */
	province = cid_bad("003090012345", year_of(1990, &d), NULL);
	cid_bad("000090012345", NULL, province);
	cid_bad("097090012345", NULL, province);
	cid_bad("100090012345", NULL, province);           /* born abroad: not yet accepted */
	cid_bad("999090012345", NULL, province);
	year = cid_bad("038090012345", year_of(1991, &d), NULL);
	assert_string_not_equal(empty, format);
	assert_string_not_equal(format, province);
	assert_string_not_equal(province, year);
	assert_string_not_equal(format, year);
}

static void test_citizen_id_provinces(void **state)
{
	char id[32];
	int code, known = 0;

	(void)state;
	for (code = 0; code < 1000; code++) {
		const char *msg = NULL;
		int rc;

		snprintf(id, sizeof(id), "%03d090012345", code);
		rc = validate_citizen_id(id, NULL, &msg);
		if (validate_province_name(id) != NULL) {
			known++;
			assert_int_equal(rc, 0);
			assert_null(u8_check((const uint8_t *)validate_province_name(id),
			                     strlen(validate_province_name(id))));
		} else {
			assert_int_equal(rc, MC_EINVAL);
		}
	}
	assert_int_equal(known, 63);
	assert_null(validate_province_name("03"));
	assert_null(validate_province_name(NULL));
}

/* ---- Tax code -------------------------------------------------------------------------------- */

static void tax_ok(const char *s)
{
	const char *msg = "sentinel";

	assert_int_equal(validate_tax_code(s, &msg), 0);
	assert_null(msg);
}

static const char *tax_bad(const char *s, const char *want)
{
	const char *msg = NULL;

	assert_int_equal(validate_tax_code(s, &msg), MC_EINVAL);
	check_message(msg);
	if (want != NULL)
		assert_string_equal(msg, want);
	return msg;
}

/* Real tax codes of enterprises, published on their invoices and in the national business
 * register; their check digits were recomputed by hand for this test. */
static const char *const real_tax_codes[] = {
	"0100109106", /* Viettel */
	"0100686209",
	"0300588569",
	"0100101308",
	"0101243150", /* check digit 0: the sum is 10 mod 11 */
	"0100112437",
	"0106026495",
	"0301442379",
	"0101248141",
	"0100100079",
};

static void test_tax_code_valid(void **state)
{
	char s[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(real_tax_codes) / sizeof(real_tax_codes[0]); i++) {
		tax_ok(real_tax_codes[i]);
		snprintf(s, sizeof(s), "%s-001", real_tax_codes[i]);
		tax_ok(s);
		snprintf(s, sizeof(s), "%s-999", real_tax_codes[i]);
		tax_ok(s);
	}
	tax_ok("0100109106-123");
}

static void test_tax_code_check_digit(void **state)
{
	char s[32];
	const char *check = NULL;
	size_t i;
	int d, accepted;

	(void)state;
	/* Only the right 10th digit passes. */
	for (i = 0; i < sizeof(real_tax_codes) / sizeof(real_tax_codes[0]); i++) {
		accepted = 0;
		for (d = 0; d <= 9; d++) {
			const char *msg = NULL;

			memcpy(s, real_tax_codes[i], 10);
			s[9] = (char)('0' + d);
			s[10] = '\0';
			if (validate_tax_code(s, &msg) == 0) {
				accepted++;
				assert_int_equal(s[9], real_tax_codes[i][9]);
			} else {
				check_message(msg);
				if (check == NULL)
					check = msg;
				assert_string_equal(msg, check);
			}
		}
		assert_int_equal(accepted, 1);
	}
	/* A changed earlier digit. */
	tax_bad("0100109107", check);
	tax_bad("0200109106", check);
	tax_bad("0100109160", check);
	tax_bad("0302080397", check);
	tax_bad("0100109107-001", check);
	/* Σ ≡ 0 (mod 11) gives r = 10, which no digit matches. */
	for (d = 0; d <= 9; d++) {
		snprintf(s, sizeof(s), "000000000%d", d);
		tax_bad(s, check);
	}
	/* Worked by hand: 29×1 + 3×2 = 35 ≡ 2 (mod 11), so r = 8. */
	tax_ok("0100000028");
	tax_bad("0100000024", check);
}

static void test_tax_code_format(void **state)
{
	const char *empty, *format, *branch;

	(void)state;
	empty = tax_bad("", NULL);
	assert_string_equal(tax_bad(NULL, NULL), empty);
	branch = tax_bad("0100109106-000", NULL);
	format = tax_bad("010010910", NULL);
	tax_bad("01001091066", format);
	tax_bad("010010910a", format);
	tax_bad("0100109106-01", format);
	tax_bad("0100109106-0001", format);
	tax_bad("0100109106 001", format);
	tax_bad("0100109106001", format);
	tax_bad("0100109106-", format);
	tax_bad("0100109106-00a", format);
	tax_bad(" 0100109106", format);
	tax_bad("01-00109106", format);
	tax_bad("0100109106_001", format);
	assert_string_not_equal(empty, format);
	assert_string_not_equal(format, branch);
}

/* ---- Password list ----------------------------------------------------------------------------- */

static int setup_list(void **state)
{
	struct password_list *list = NULL;

	if (password_list_load(passwords_path(), &list) != 0)
		return -1;
	*state = list;
	return 0;
}

static int teardown_list(void **state)
{
	password_list_free(*state);
	return 0;
}

/* Write 'text' to a new temporary file; returns its path (free it, unlink it). */
static char *temp_file(const char *text, size_t len)
{
	char *path = strdup("/tmp/test_validate_XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_password_list_file(void **state)
{
	const struct password_list *list = *state;
	FILE *f = fopen(passwords_path(), "r");
	char line[512];
	size_t lines = 0, longer = 0, n;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		n = strcspn(line, "\n");
		assert_int_equal(line[n], '\n'); /* every line ends with LF and fits */
		line[n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		lines++;
		/* Lower case as shipped, and found again through the loaded list. */
		for (size_t i = 0; i < n; i++)
			assert_false(line[i] >= 'A' && line[i] <= 'Z');
		assert_true(password_list_contains(list, line));
		if (u8_mbsnlen((const uint8_t *)line, n) >= VALIDATE_PASSWORD_MIN)
			longer++;
	}
	fclose(f);
	assert_true(longer >= 300);
	assert_true(lines >= 400);
	assert_int_equal(password_list_count(list), lines); /* shipped without duplicates */
	/* The classics and the Vietnamese favourites are there, whatever the case. */
	assert_true(password_list_contains(list, "123456"));
	assert_true(password_list_contains(list, "password"));
	assert_true(password_list_contains(list, "1234567890"));
	assert_true(password_list_contains(list, "0123456789"));
	assert_true(password_list_contains(list, "1111111111"));
	assert_true(password_list_contains(list, "QWERTYUIOP"));
	assert_true(password_list_contains(list, "1q2w3e4r5t"));
	assert_true(password_list_contains(list, "Password123"));
	assert_true(password_list_contains(list, "MatKhau123"));
	assert_true(password_list_contains(list, "anhyeuem123"));
	assert_true(password_list_contains(list, "emyeuanh123"));
	assert_true(password_list_contains(list, "123456789a"));
	assert_true(password_list_contains(list, "iloveyou123"));
	assert_true(password_list_contains(list, "vietnam123"));
	assert_true(password_list_contains(list, "hanoi12345"));
	assert_true(password_list_contains(list, "saigon1234"));
	assert_false(password_list_contains(list, "hoa sen n\xe1\xbb\x9f gi\xe1\xbb\xaf""a h\xc3\xa8"));
	assert_false(password_list_contains(list, ""));
	assert_false(password_list_contains(list, NULL));
}

static void test_password_list_load(void **state)
{
	static const char text[] =
		"# a header\r\n"
		"\r\n"
		"Zebra-Crossing\r\n"
		"alpha12345\n"
		"ALPHA12345\n"
		"M\xe1\xba\xac" "TKH\xe1\xba\xa8U\xc4\x90\xe1\xba\xb8P1\n" /* MẬTKHẨUĐẸP1 */
		"#not a password\n"
		"last-without-newline";
	struct password_list *list = (struct password_list *)&list;
	char *path;

	(void)state;
	path = temp_file(text, sizeof(text) - 1);
	assert_int_equal(password_list_load(path, &list), 0);
	assert_int_equal(password_list_count(list), 4);
	assert_true(password_list_contains(list, "zebra-crossing"));
	assert_true(password_list_contains(list, "ZEBRA-CROSSING"));
	assert_true(password_list_contains(list, "Alpha12345"));
	assert_true(password_list_contains(list, "last-without-newline"));
	assert_true(password_list_contains(list,
	                                   "m\xe1\xba\xad" "tkh\xe1\xba\xa9u\xc4\x91\xe1\xba\xb9p1"));
	assert_true(password_list_contains(list, "M\xe1\xba\xac" "tKh\xe1\xba\xa9u\xc4\x90\xe1\xba\xb9p1"));
	assert_false(password_list_contains(list, "# a header"));
	assert_false(password_list_contains(list, "not a password"));
	assert_false(password_list_contains(list, "alpha1234"));
	assert_false(password_list_contains(list, "\xff"));
	password_list_free(list);
	unlink(path);
	free(path);

	/* Not UTF-8. */
	path = temp_file("good-password\nbad\xff\n", 19);
	list = (struct password_list *)&list;
	assert_int_equal(password_list_load(path, &list), MC_EINVAL);
	assert_null(list);
	unlink(path);
	free(path);

	/* An empty file is an empty list. */
	path = temp_file("", 0);
	assert_int_equal(password_list_load(path, &list), 0);
	assert_int_equal(password_list_count(list), 0);
	assert_false(password_list_contains(list, "anything12"));
	password_list_free(list);
	unlink(path);
	free(path);

	list = (struct password_list *)&list;
	assert_int_equal(password_list_load("/nonexistent/common-passwords.txt", &list), MC_EIO);
	assert_null(list);
	assert_int_equal(password_list_load("/tmp", &list), MC_EIO); /* a folder */
	assert_null(list);

	password_list_free(NULL);
	assert_int_equal(password_list_count(NULL), 0);
	assert_false(password_list_contains(NULL, "password"));
}

/* ---- Password -------------------------------------------------------------------------------- */

static void pw_ok(const char *pw, const char *email, const char *phone,
                  const struct password_list *list)
{
	const char *msg = "sentinel";
	int which = 7;

	assert_int_equal(validate_password(pw, pw, email, phone, list, &msg, &which), 0);
	assert_null(msg);
	assert_int_equal(which, 0);
}

/* Refused on field 'field'; message 'want' when not NULL. */
static const char *pw_bad(const char *pw, const char *confirm, const char *email,
                          const char *phone, const struct password_list *list, int field,
                          const char *want)
{
	const char *msg = NULL;
	int which = 7;

	assert_int_equal(validate_password(pw, confirm, email, phone, list, &msg, &which),
	                 MC_EINVAL);
	check_message(msg);
	assert_int_equal(which, field);
	if (want != NULL)
		assert_string_equal(msg, want);
	return msg;
}

/* n copies of the UTF-8 sequence 'unit' in a new string (free it). */
static char *repeat(const char *unit, size_t n)
{
	size_t u = strlen(unit), i;
	char *s = malloc(u * n + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	s[u * n] = '\0';
	return s;
}

static void test_password_length(void **state)
{
	const struct password_list *list = *state;
	const char *empty, *shortm, *longm;
	char *s;

	empty = pw_bad("", "", NULL, NULL, list, 0, NULL);
	assert_string_equal(pw_bad(NULL, NULL, NULL, NULL, list, 0, NULL), empty);
	shortm = pw_bad("xk7#pq2mz", "xk7#pq2mz", NULL, NULL, list, 0, NULL); /* 9 */
	assert_non_null(strstr(shortm, "10"));
	pw_ok("xk7#pq2mzw", NULL, NULL, list);                                /* 10 */
	/* Counted in code points, not bytes: "đẹp trời!" is 9 characters in 14 bytes. */
	pw_bad("\xc4\x91\xe1\xba\xb9p tr\xe1\xbb\x9di!", "x", NULL, NULL, list, 0, shortm);
	pw_ok("\xc4\x91\xe1\xba\xb9p tr\xe1\xbb\x9di!!", NULL, NULL, list);
	s = repeat("a", 128);
	pw_ok(s, NULL, NULL, list);
	free(s);
	s = repeat("a", 129);
	longm = pw_bad(s, s, NULL, NULL, list, 0, NULL);
	assert_non_null(strstr(longm, "128"));
	free(s);
	s = repeat("\xe1\xbb\x87", 128); /* ệ: 384 bytes, 128 characters */
	pw_ok(s, NULL, NULL, list);
	free(s);
	s = repeat("\xe1\xbb\x87", 129);
	pw_bad(s, s, NULL, NULL, list, 0, longm);
	free(s);
	s = repeat("\xf0\x9f\x94\x91", 10); /* 10 key emoji */
	pw_ok(s, NULL, NULL, list);
	free(s);
	/* Spaces are characters like any other. */
	pw_ok("  a  b  c  ", NULL, NULL, list);
}

static void test_password_controls(void **state)
{
	const struct password_list *list = *state;
	const char *control;

	control = pw_bad("abc\tdefghijk", "abc\tdefghijk", NULL, NULL, list, 0, NULL);
	pw_bad("abcdefghijk\n", "abcdefghijk\n", NULL, NULL, list, 0, control);
	pw_bad("abcdef\x7fghijk", "abcdef\x7fghijk", NULL, NULL, list, 0, control);
	pw_bad("abcdef\xc2\x85ghijk", "abcdef\xc2\x85ghijk", NULL, NULL, list, 0, control);
	pw_bad("abcdef\x01ghijk", "abcdef\x01ghijk", NULL, NULL, list, 0, control);
	pw_ok("abcdef\xc2\xa0ghijk", NULL, NULL, list); /* NBSP is printable */
	pw_bad("abcdefghijk\xff", "abcdefghijk\xff", NULL, NULL, list, 0, NULL);
}

static void test_password_personal(void **state)
{
	const struct password_list *list = *state;
	const char *email, *phone;

	email = pw_bad("xNguyenVanA2024!", "xNguyenVanA2024!", "nguyenvana@gmail.com", NULL, list,
	               0, NULL);
	pw_bad("NGUYENVANA-river", "NGUYENVANA-river", "NguyenVanA@gmail.com", NULL, list, 0,
	       email);
	pw_bad("joanna-river-7", "joanna-river-7", "ann@example.vn", NULL, list, 0, email);
	/* Local parts under 3 characters occur by chance. */
	pw_ok("bananaboat99", "an@example.vn", NULL, list);
	pw_ok("the domain gmail is fine", "someone@gmail.com", NULL, list);
	pw_ok("nguyenvan-river", "nguyenvana@gmail.com", NULL, list);

	phone = pw_bad("call0912345678me", "call0912345678me", NULL, "0912345678", list, 0, NULL);
	pw_bad("x912345678yz", "x912345678yz", NULL, "0912345678", list, 0, phone);
	pw_bad("x912345678yz", "x912345678yz", NULL, "+84 912 345 678", list, 0, phone);
	pw_bad("me+84912345678", "me+84912345678", NULL, "091.234.5678", list, 0, phone);
	pw_ok("x91234567yz-river", NULL, "0912345678", list); /* 8 digits only */
	pw_ok("call0912345678me", NULL, "not a phone", list);  /* unusable phone: skipped */
	pw_ok("call0912345678me", "", "", list);
	assert_string_not_equal(email, phone);
}

static void test_password_common(void **state)
{
	const struct password_list *list = *state;
	const char *common;

	common = pw_bad("password123", "password123", NULL, NULL, list, 0, NULL);
	pw_bad("Password123", "Password123", NULL, NULL, list, 0, common);
	pw_bad("MATKHAU123", "MATKHAU123", NULL, NULL, list, 0, common);
	pw_bad("1234567890", "1234567890", NULL, NULL, list, 0, common);
	pw_bad("qwertyuiop", "qwertyuiop", NULL, NULL, list, 0, common);
	pw_bad("AnhYeuEm123", "AnhYeuEm123", NULL, NULL, list, 0, common);
	pw_bad("123456789a", "wrong", NULL, NULL, list, 0, common); /* before the confirmation */
	/* Without a list the check is skipped. */
	pw_ok("password123", NULL, NULL, NULL);
	pw_ok("password123 but longer", NULL, NULL, list);
}

static void test_password_confirm(void **state)
{
	const struct password_list *list = *state;
	const char *empty, *mismatch, *msg = NULL;

	empty = pw_bad("mèo con thích cá", "", NULL, NULL, list, 1, NULL);
	assert_string_equal(pw_bad("mèo con thích cá", NULL, NULL, NULL, list,
	                           1, NULL), empty);
	mismatch = pw_bad("mèo con thích cá", "meo con thich ca", NULL, NULL,
	                  list, 1, NULL);
	pw_bad("correct horse battery", "Correct horse battery", NULL, NULL, list, 1, mismatch);
	pw_bad("correct horse battery", "correct horse battery ", NULL, NULL, list, 1, mismatch);
	assert_string_not_equal(empty, mismatch);
	/* A password error wins over a confirmation error, and lands on the password field. */
	pw_bad("short", "other", NULL, NULL, list, 0, NULL);
	/* 'which' may be NULL. */
	assert_int_equal(validate_password("correct horse battery", "x", NULL, NULL, list, &msg,
	                                   NULL), MC_EINVAL);
	assert_string_equal(msg, mismatch);
	assert_int_equal(validate_password("correct horse battery", "correct horse battery",
	                                   "a@b.vn", "0912345678", list, &msg, NULL), 0);
	assert_null(msg);
}

/* ---- Text ------------------------------------------------------------------------------------ */

static void text_ok(const char *s, size_t min, size_t max)
{
	const char *msg = "sentinel";

	assert_int_equal(validate_text(s, min, max, &msg), 0);
	assert_null(msg);
}

static const char *text_bad(const char *s, size_t min, size_t max, const char *want)
{
	const char *msg = NULL;

	assert_int_equal(validate_text(s, min, max, &msg), MC_EINVAL);
	check_message(msg);
	if (want != NULL)
		assert_string_equal(msg, want);
	return msg;
}

static void test_text(void **state)
{
	const char *name = "Nguy\xe1\xbb\x85n V\xc4\x83n An"; /* 13 code points, 16 bytes */
	const char *control, *generic_long, *generic_short;

	(void)state;
	text_bad("", 1, 100, "Vui lòng nhập thông tin này.");
	text_bad(NULL, 1, 100, "Vui lòng nhập thông tin này.");
	text_ok("", 0, 100);
	text_ok(NULL, 0, 100);
	text_ok(name, 1, 13);
	text_bad(name, 1, 12, NULL);
	text_bad(name, 14, 100, NULL);
	text_ok(name, 13, 13);
	/* Exact messages for the common limits. */
	text_bad("abcdefghijk", 1, 10, NULL);
	{
		char *s = repeat("\xe1\xbb\x87", 101);

		text_bad(s, 1, 100, "Thông tin này không được dài quá 100 ký tự.");
		text_ok(s, 1, 101); /* 303 bytes, 101 characters */
		free(s);
	}
	{
		char *s = repeat("x", 256);

		text_bad(s, 1, 255, "Thông tin này không được dài quá 255 ký tự.");
		free(s);
		s = repeat("x", 1001);
		text_bad(s, 1, 1000, "Thông tin này không được dài quá 1.000 ký tự.");
		free(s);
	}
	text_bad("A", 2, 100, "Thông tin này phải có ít nhất 2 ký tự.");
	/* Every limit with its own message names that limit (thousands with a dot, as in Vietnam). */
	{
		static const size_t maxima[] = { 20, 30, 50, 64, 100, 128, 150, 200, 255, 300, 500,
		                                 1000, 2000, 4000, 5000, 10000 };
		static const size_t minima[] = { 2, 3, 5, 10, 20 };
		char want[64];
		const char *msg;
		char *s;
		size_t i;

		for (i = 0; i < sizeof(maxima) / sizeof(maxima[0]); i++) {
			s = repeat("x", maxima[i] + 1);
			text_ok(s, 1, maxima[i] + 1);
			msg = text_bad(s, 1, maxima[i], NULL);
			if (maxima[i] >= 1000)
				snprintf(want, sizeof(want), " %zu.%03zu ký tự.", maxima[i] / 1000,
				         maxima[i] % 1000);
			else
				snprintf(want, sizeof(want), " %zu ký tự.", maxima[i]);
			assert_non_null(strstr(msg, want));
			free(s);
		}
		for (i = 0; i < sizeof(minima) / sizeof(minima[0]); i++) {
			s = repeat("\xe1\xbb\x87", minima[i] - 1);
			msg = text_bad(s, minima[i], 100, NULL);
			snprintf(want, sizeof(want), "ít nhất %zu ký tự.", minima[i]);
			assert_non_null(strstr(msg, want));
			free(s);
		}
	}
	generic_long = text_bad("abcdefgh", 1, 7, NULL);
	generic_short = text_bad("abc", 4, 100, NULL);
	assert_null(strstr(generic_long, "7"));
	assert_string_not_equal(generic_long, generic_short);
	/* Controls: none on one line. */
	control = text_bad("a\tb", 0, 100, NULL);
	text_bad("a\nb", 0, 100, control);
	text_bad("a\rb", 0, 100, control);
	text_bad("a\x7f" "b", 0, 100, control);
	text_bad("a\xc2\x80" "b", 0, 100, control);
	text_bad("a\xc2\x9f" "b", 0, 100, control);
	text_bad("\x1b[31m", 0, 100, control);
	text_ok("a\xc2\xa0" "b \xc2\xa9", 0, 100); /* NBSP, © */
	text_bad("a\xff", 0, 100, NULL);           /* not UTF-8 */
	text_bad("\xc3", 0, 100, NULL);
}

static void test_multiline_text(void **state)
{
	const char *msg = NULL, *control;

	(void)state;
	assert_int_equal(validate_multiline_text("d\xc3\xb2ng 1\r\nd\xc3\xb2ng 2\n\tth\xe1\xbb\xa5t",
	                                         1, 100, &msg), 0);
	assert_null(msg);
	assert_int_equal(validate_multiline_text("a\x01" "b", 0, 100, &msg), MC_EINVAL);
	check_message(msg);
	control = msg;
	assert_int_equal(validate_multiline_text("a\x7f" "b", 0, 100, &msg), MC_EINVAL);
	assert_string_equal(msg, control);
	assert_int_equal(validate_multiline_text("a\xc2\x85" "b", 0, 100, &msg), MC_EINVAL);
	assert_string_equal(msg, control);
	assert_int_equal(validate_multiline_text("", 1, 100, &msg), MC_EINVAL);
	assert_string_equal(msg, "Vui lòng nhập thông tin này.");
	assert_int_equal(validate_multiline_text("a\nb", 0, 2, &msg), MC_EINVAL);
	check_message(msg);
	assert_int_equal(validate_multiline_text("a\nb", 0, 3, &msg), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email_valid),
		cmocka_unit_test(test_email_invalid),
		cmocka_unit_test(test_email_lengths),
		cmocka_unit_test(test_email_key_buffer),
		cmocka_unit_test(test_phone_forms),
		cmocka_unit_test(test_phone_invalid),
		cmocka_unit_test(test_phone_carriers),
		cmocka_unit_test(test_birth_date_bounds),
		cmocka_unit_test(test_birth_date_calendar),
		cmocka_unit_test(test_birth_date_format),
		cmocka_unit_test(test_citizen_id_valid),
		cmocka_unit_test(test_citizen_id_century),
		cmocka_unit_test(test_citizen_id_invalid),
		cmocka_unit_test(test_citizen_id_provinces),
		cmocka_unit_test(test_tax_code_valid),
		cmocka_unit_test(test_tax_code_check_digit),
		cmocka_unit_test(test_tax_code_format),
		cmocka_unit_test_setup_teardown(test_password_list_file, setup_list, teardown_list),
		cmocka_unit_test(test_password_list_load),
		cmocka_unit_test_setup_teardown(test_password_length, setup_list, teardown_list),
		cmocka_unit_test_setup_teardown(test_password_controls, setup_list, teardown_list),
		cmocka_unit_test_setup_teardown(test_password_personal, setup_list, teardown_list),
		cmocka_unit_test_setup_teardown(test_password_common, setup_list, teardown_list),
		cmocka_unit_test_setup_teardown(test_password_confirm, setup_list, teardown_list),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_multiline_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
