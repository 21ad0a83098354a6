/* test_fold.c: unit tests for lib/fold (search folding). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uninorm.h>
#include <unistr.h>

#include "lib/err.h"
#include "lib/fold.h"

/* Fold in[0..len) and compare with 'want'. */
static void check_fold(const char *in, size_t len, const char *want)
{
	char *out = NULL;

	assert_int_equal(fold_text(in, len, &out), 0);
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

/* fold_text must refuse in[0..len) as invalid UTF-8 and leave *out NULL. */
static void check_bad(const char *in, size_t len)
{
	char *out = (char *)"sentinel";

	assert_int_equal(fold_text(in, len, &out), MC_EINVAL);
	assert_null(out);
}

#define FOLD(in, want) check_fold(in, sizeof(in) - 1, want)
#define BAD(in) check_bad(in, sizeof(in) - 1)

/* The twelve Vietnamese vowels, each with its six tones (none, huyền, sắc, hỏi, ngã, nặng), in
 * NFC, lower and upper case, and the letter each folds to. */
static const struct {
	const char *lower, *upper;
	char base;
} vowels[] = {
	{ "aàáảãạ", "AÀÁẢÃẠ", 'a' }, { "ăằắẳẵặ", "ĂẰẮẲẴẶ", 'a' }, { "âầấẩẫậ", "ÂẦẤẨẪẬ", 'a' },
	{ "eèéẻẽẹ", "EÈÉẺẼẸ", 'e' }, { "êềếểễệ", "ÊỀẾỂỄỆ", 'e' }, { "iìíỉĩị", "IÌÍỈĨỊ", 'i' },
	{ "oòóỏõọ", "OÒÓỎÕỌ", 'o' }, { "ôồốổỗộ", "ÔỒỐỔỖỘ", 'o' }, { "ơờớởỡợ", "ƠỜỚỞỠỢ", 'o' },
	{ "uùúủũụ", "UÙÚỦŨỤ", 'u' }, { "ưừứửữự", "ƯỪỨỬỮỰ", 'u' }, { "yỳýỷỹỵ", "YỲÝỶỸỴ", 'y' },
};

/* Fold every character of the NFC row 'row' alone, then the whole row, then its NFD form. */
static void check_row(const char *row, char base)
{
	const uint8_t *p = (const uint8_t *)row;
	size_t len = strlen(row), i = 0, nfdlen = 0;
	char one[2] = { base, '\0' };
	char six[7];
	uint8_t *nfd;
	int count = 0;

	while (i < len) {
		ucs4_t c;
		int step = u8_mbtouc(&c, p + i, len - i);

		check_fold(row + i, (size_t)step, one);
		i += (size_t)step;
		count++;
	}
	assert_int_equal(count, 6); /* each tone is one precomposed code point in NFC */
	memset(six, base, 6);
	six[6] = '\0';
	check_fold(row, len, six);
	nfd = u8_normalize(UNINORM_NFD, p, len, NULL, &nfdlen);
	assert_non_null(nfd);
	assert_true(nfdlen > len); /* really decomposed */
	check_fold((const char *)nfd, nfdlen, six);
	free(nfd);
}

static void test_vowels_all_tones(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vowels) / sizeof(vowels[0]); i++) {
		check_row(vowels[i].lower, vowels[i].base);
		check_row(vowels[i].upper, vowels[i].base);
	}
}

static void test_d_with_stroke(void **state)
{
	(void)state;
	FOLD("đ", "d");
	FOLD("Đ", "d");
	FOLD("Đồng Đậu đường", "dong dau duong");
}

static void test_phrases(void **state)
{
	(void)state;
	FOLD("Đăng ký khai sinh", "dang ky khai sinh");
	FOLD("ĐĂNG KÝ KẾT HÔN", "dang ky ket hon");
	FOLD("Cấp Giấy Phép Xây Dựng", "cap giay phep xay dung");
	FOLD("dang ky khai sinh", "dang ky khai sinh");
	FOLD("Hộ tịch", "ho tich");
	FOLD("Thủ tục hành chính", "thu tuc hanh chinh");
	FOLD("Nghĩa vụ quân sự", "nghia vu quan su");
}

static void test_nfd_input(void **state)
{
	(void)state;
	/* "Đăng ký khai sinh" typed in NFD: a + U+0306, y + U+0301 (Đ has no decomposition). */
	FOLD("\xc4\x90" "a\xcc\x86" "ng ky\xcc\x81 khai sinh", "dang ky khai sinh");
	/* "Kết hôn" with two stacked marks on e: U+0302 then U+0301. */
	FOLD("Ke\xcc\x82\xcc\x81t ho\xcc\x82n", "ket hon");
	/* Marks in the non-canonical order (dot below after circumflex) still vanish. */
	FOLD("Ba\xcc\x82\xcc\xa3" "c", "bac");
}

static void test_separators(void **state)
{
	(void)state;
	FOLD("  Cấp lại,  giấy-phép!!! (lần 2)  ", "cap lai giay phep lan 2");
	FOLD("1.001193", "1 001193");
	FOLD("2.000123.000.00.00.H01", "2 000123 000 00 00 h01");
	FOLD("a\tb\nc\r\nd", "a b c d");
	FOLD("a\xc2\xa0" "b", "a b");          /* no-break space */
	FOLD("a\xe2\x80\x94" "b", "a b");      /* em dash */
	FOLD("a\xe2\x80\x9c" "b\xe2\x80\x9d", "a b"); /* curly quotes */
	FOLD("50% phí_lệ\\phí", "50 phi le phi");
	FOLD("<script>alert(1)</script>", "script alert 1 script");
	FOLD("a + b = c", "a b c");
	check_fold("a\0b", 3, "a b");           /* a NUL is a control, so a separator */
}

static void test_format_characters(void **state)
{
	(void)state;
	FOLD("gi\xc2\xad" "ấy", "giay");            /* soft hyphen inside a word */
	FOLD("ho\xe2\x80\x8d" "sơ", "hoso");        /* zero-width joiner */
}

static void test_other_scripts(void **state)
{
	(void)state;
	FOLD("Café Crème", "cafe creme");
	FOLD("Straße", "straße");
	FOLD("ΩMEGA", "ωmega");
	FOLD("Ⅻ", "ⅻ");
}

static void test_empty(void **state)
{
	(void)state;
	FOLD("", "");
	FOLD("   ", "");
	FOLD(" .,;:!?-/()[]{} ", "");
	FOLD("\xcc\x81", ""); /* a lone combining mark */
	check_fold(NULL, 0, "");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	BAD("\xc3");                   /* truncated sequence */
	BAD("ab\xc3");
	BAD("\xc0\xaf");               /* overlong '/' */
	BAD("\xed\xa0\x80");           /* surrogate */
	BAD("\xf4\x90\x80\x80");       /* above U+10FFFF */
	BAD("\xff");
	BAD("Đăng\x80ký");             /* stray continuation byte */
}

static void test_idempotent(void **state)
{
	static const char *const samples[] = {
		"Đăng ký khai sinh", "  Cấp lại,  giấy-phép!!! ", "Straße ΩMEGA", "1.001193",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		char *once = NULL, *twice = NULL;

		assert_int_equal(fold_text(samples[i], strlen(samples[i]), &once), 0);
		assert_int_equal(fold_text(once, strlen(once), &twice), 0);
		assert_string_equal(once, twice);
		free(once);
		free(twice);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vowels_all_tones),
		cmocka_unit_test(test_d_with_stroke),
		cmocka_unit_test(test_phrases),
		cmocka_unit_test(test_nfd_input),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_format_characters),
		cmocka_unit_test(test_other_scripts),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_idempotent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
