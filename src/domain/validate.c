/* validate.c: the rules for citizen and business registration fields (see validate.h). */
#include "domain/validate.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include "lib/err.h"

/* ---- Messages ------------------------------------------------------------------------------
 * Shown to citizens next to the field.  Static, never echoing input; each names the problem and
 * what to type instead. */

static const char E_EMAIL_EMPTY[] = "Vui lòng nhập địa chỉ thư điện tử (email).";
static const char E_EMAIL_NONASCII[] =
	"Địa chỉ thư điện tử chỉ được dùng chữ cái không dấu, chữ số và ký hiệu. Vui lòng bỏ dấu "
	"tiếng Việt, ví dụ nguyenvana@gmail.com.";
static const char E_EMAIL_TOO_LONG[] = "Địa chỉ thư điện tử không được dài quá 254 ký tự.";
static const char E_EMAIL_FORMAT[] =
	"Địa chỉ thư điện tử không đúng dạng. Vui lòng nhập theo dạng ten@tenmien, ví dụ "
	"nguyenvana@gmail.com.";
static const char E_EMAIL_LOCAL_LONG[] =
	"Phần trước dấu @ của địa chỉ thư điện tử không được dài quá 64 ký tự.";
static const char E_EMAIL_LOCAL[] =
	"Phần trước dấu @ chỉ được gồm chữ cái không dấu, chữ số và các ký hiệu như . _ - +, không "
	"bắt đầu hay kết thúc bằng dấu chấm và không có hai dấu chấm liền nhau.";
static const char E_EMAIL_DOMAIN[] =
	"Tên miền sau dấu @ không đúng. Vui lòng kiểm tra lại, ví dụ gmail.com hoặc hanoi.gov.vn.";

static const char E_PHONE_EMPTY[] = "Vui lòng nhập số điện thoại di động.";
static const char E_PHONE_FORMAT[] =
	"Số điện thoại phải là số di động Việt Nam gồm 10 chữ số, ví dụ 0912345678.";
static const char E_PHONE_LANDLINE[] =
	"Vui lòng nhập số điện thoại di động (gồm 10 chữ số, ví dụ 0912345678), không nhập số máy "
	"bàn.";
static const char E_PHONE_PREFIX[] =
	"Đầu số này không phải là đầu số di động tại Việt Nam. Vui lòng kiểm tra lại số điện thoại, "
	"ví dụ 0912345678.";

static const char E_BIRTH_EMPTY[] = "Vui lòng nhập ngày sinh.";
static const char E_BIRTH_FORMAT[] =
	"Ngày sinh không đúng định dạng. Vui lòng chọn ngày trên lịch hoặc nhập theo dạng "
	"năm-tháng-ngày, ví dụ 1990-05-31.";
static const char E_BIRTH_NOT_REAL[] =
	"Ngày sinh không có thật trên lịch (ví dụ tháng 2 chỉ có 28 hoặc 29 ngày). Vui lòng kiểm "
	"tra lại ngày và tháng.";
static const char E_BIRTH_FUTURE[] =
	"Ngày sinh không được sau ngày hôm nay. Vui lòng kiểm tra lại năm sinh.";
static const char E_BIRTH_TOO_OLD[] =
	"Ngày sinh không được trước ngày 01/01/1900. Vui lòng kiểm tra lại năm sinh.";

static const char E_CID_EMPTY[] = "Vui lòng nhập số định danh cá nhân (số căn cước).";
static const char E_CID_FORMAT[] =
	"Số định danh cá nhân phải gồm đúng 12 chữ số, in trên thẻ căn cước hoặc căn cước công "
	"dân, ví dụ 001090012345.";
static const char E_CID_PROVINCE[] =
	"Ba chữ số đầu của số định danh cá nhân không phải là mã tỉnh, thành phố nơi đăng ký khai "
	"sinh. Vui lòng đối chiếu lại với thẻ căn cước.";
static const char E_CID_YEAR[] =
	"Số định danh cá nhân không khớp với năm sinh đã nhập (chữ số thứ 4 đến thứ 6 cho biết năm "
	"sinh). Vui lòng kiểm tra lại số định danh và ngày sinh.";

static const char E_TAX_EMPTY[] = "Vui lòng nhập mã số thuế.";
static const char E_TAX_FORMAT[] =
	"Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số đối với chi "
	"nhánh, ví dụ 0100109106 hoặc 0100109106-001.";
static const char E_TAX_BRANCH[] =
	"Mã chi nhánh (3 chữ số sau dấu gạch ngang) phải từ 001 đến 999.";
static const char E_TAX_CHECK[] =
	"Mã số thuế không đúng: chữ số kiểm tra (chữ số thứ 10) không khớp. Vui lòng kiểm tra lại "
	"từng chữ số.";

static const char E_PW_EMPTY[] = "Vui lòng nhập mật khẩu.";
static const char E_PW_INVALID[] = "Mật khẩu có ký tự không hợp lệ. Vui lòng nhập lại.";
static const char E_PW_CONTROL[] =
	"Mật khẩu không được chứa ký tự điều khiển như dấu tab hay dấu xuống dòng.";
static const char E_PW_SHORT[] =
	"Mật khẩu phải có ít nhất 10 ký tự. Nên dùng một cụm vài từ mà bạn dễ nhớ.";
static const char E_PW_LONG[] = "Mật khẩu không được dài quá 128 ký tự.";
static const char E_PW_EMAIL[] =
	"Mật khẩu không được chứa tên tài khoản thư điện tử của bạn (phần trước dấu @). Vui lòng "
	"chọn mật khẩu khác.";
static const char E_PW_PHONE[] =
	"Mật khẩu không được chứa số điện thoại của bạn. Vui lòng chọn mật khẩu khác.";
static const char E_PW_COMMON[] =
	"Mật khẩu này quá phổ biến nên rất dễ bị đoán. Vui lòng chọn mật khẩu khác, ví dụ một cụm "
	"vài từ mà bạn dễ nhớ.";
static const char E_PW_CONFIRM_EMPTY[] = "Vui lòng nhập lại mật khẩu để xác nhận.";
static const char E_PW_MISMATCH[] =
	"Mật khẩu nhập lại không khớp. Vui lòng nhập lại đúng mật khẩu ở ô trên.";

static const char E_TEXT_REQUIRED[] = "Vui lòng nhập thông tin này.";
static const char E_TEXT_INVALID[] = "Thông tin này có ký tự không hợp lệ. Vui lòng nhập lại.";
static const char E_TEXT_CONTROL[] =
	"Thông tin này chỉ được nhập trên một dòng và không được chứa ký tự điều khiển như dấu "
	"tab.";
static const char E_TEXT_CONTROL_MULTI[] =
	"Nội dung không được chứa ký tự điều khiển. Vui lòng nhập lại bằng chữ thông thường.";
static const char E_TEXT_LONG[] = "Thông tin này dài quá mức cho phép. Vui lòng rút gọn lại.";
static const char E_TEXT_SHORT[] = "Thông tin này quá ngắn. Vui lòng nhập đầy đủ hơn.";

/* Length messages that can name their limit (validate_text). */
struct limit_message {
	size_t limit;
	const char *text;
};

static const struct limit_message text_max_messages[] = {
	{ 20, "Thông tin này không được dài quá 20 ký tự." },
	{ 30, "Thông tin này không được dài quá 30 ký tự." },
	{ 50, "Thông tin này không được dài quá 50 ký tự." },
	{ 64, "Thông tin này không được dài quá 64 ký tự." },
	{ 100, "Thông tin này không được dài quá 100 ký tự." },
	{ 128, "Thông tin này không được dài quá 128 ký tự." },
	{ 150, "Thông tin này không được dài quá 150 ký tự." },
	{ 200, "Thông tin này không được dài quá 200 ký tự." },
	{ 255, "Thông tin này không được dài quá 255 ký tự." },
	{ 300, "Thông tin này không được dài quá 300 ký tự." },
	{ 500, "Thông tin này không được dài quá 500 ký tự." },
	{ 1000, "Thông tin này không được dài quá 1.000 ký tự." },
	{ 2000, "Thông tin này không được dài quá 2.000 ký tự." },
	{ 4000, "Thông tin này không được dài quá 4.000 ký tự." },
	{ 5000, "Thông tin này không được dài quá 5.000 ký tự." },
	{ 10000, "Thông tin này không được dài quá 10.000 ký tự." },
};

static const struct limit_message text_min_messages[] = {
	{ 2, "Thông tin này phải có ít nhất 2 ký tự." },
	{ 3, "Thông tin này phải có ít nhất 3 ký tự." },
	{ 5, "Thông tin này phải có ít nhất 5 ký tự." },
	{ 10, "Thông tin này phải có ít nhất 10 ký tự." },
	{ 20, "Thông tin này phải có ít nhất 20 ký tự." },
};

/* ---- Data ----------------------------------------------------------------------------------- */

/* Mobile prefixes after the 2018 move from 11 to 10 digits (domain.md §4.2).  Networks get new
 * prefixes from time to time: this table is the one place to add them. */
static const struct {
	char prefix[4];
	const char *carrier;
} phone_prefixes[] = {
	{ "032", "Viettel" }, { "033", "Viettel" }, { "034", "Viettel" }, { "035", "Viettel" },
	{ "036", "Viettel" }, { "037", "Viettel" }, { "038", "Viettel" }, { "039", "Viettel" },
	{ "086", "Viettel" }, { "096", "Viettel" }, { "097", "Viettel" }, { "098", "Viettel" },
	{ "081", "Vinaphone" }, { "082", "Vinaphone" }, { "083", "Vinaphone" },
	{ "084", "Vinaphone" }, { "085", "Vinaphone" }, { "088", "Vinaphone" },
	{ "091", "Vinaphone" }, { "094", "Vinaphone" },
	{ "070", "MobiFone" }, { "076", "MobiFone" }, { "077", "MobiFone" }, { "078", "MobiFone" },
	{ "079", "MobiFone" }, { "089", "MobiFone" }, { "090", "MobiFone" }, { "093", "MobiFone" },
	{ "052", "Vietnamobile" }, { "056", "Vietnamobile" }, { "058", "Vietnamobile" },
	{ "092", "Vietnamobile" },
	{ "059", "Gmobile" }, { "099", "Gmobile" },
	{ "087", "Itelecom" },
	{ "055", "Reddi" },
};

/* Birth registration provinces, pre-2025 GSO codes (domain.md §4.1).  Identification numbers
 * are not reissued after the 2025 mergers, so these 63 codes stay valid. */
static const struct {
	char code[4];
	const char *name;
} provinces[] = {
	{ "001", "Hà Nội" }, { "002", "Hà Giang" }, { "004", "Cao Bằng" }, { "006", "Bắc Kạn" },
	{ "008", "Tuyên Quang" }, { "010", "Lào Cai" }, { "011", "Điện Biên" },
	{ "012", "Lai Châu" }, { "014", "Sơn La" }, { "015", "Yên Bái" }, { "017", "Hòa Bình" },
	{ "019", "Thái Nguyên" }, { "020", "Lạng Sơn" }, { "022", "Quảng Ninh" },
	{ "024", "Bắc Giang" }, { "025", "Phú Thọ" }, { "026", "Vĩnh Phúc" }, { "027", "Bắc Ninh" },
	{ "030", "Hải Dương" }, { "031", "Hải Phòng" }, { "033", "Hưng Yên" },
	{ "034", "Thái Bình" }, { "035", "Hà Nam" }, { "036", "Nam Định" }, { "037", "Ninh Bình" },
	{ "038", "Thanh Hóa" }, { "040", "Nghệ An" }, { "042", "Hà Tĩnh" }, { "044", "Quảng Bình" },
	{ "045", "Quảng Trị" }, { "046", "Thừa Thiên Huế" }, { "048", "Đà Nẵng" },
	{ "049", "Quảng Nam" }, { "051", "Quảng Ngãi" }, { "052", "Bình Định" },
	{ "054", "Phú Yên" }, { "056", "Khánh Hòa" }, { "058", "Ninh Thuận" },
	{ "060", "Bình Thuận" }, { "062", "Kon Tum" }, { "064", "Gia Lai" }, { "066", "Đắk Lắk" },
	{ "067", "Đắk Nông" }, { "068", "Lâm Đồng" }, { "070", "Bình Phước" },
	{ "072", "Tây Ninh" }, { "074", "Bình Dương" }, { "075", "Đồng Nai" },
	{ "077", "Bà Rịa – Vũng Tàu" }, { "079", "TP Hồ Chí Minh" }, { "080", "Long An" },
	{ "082", "Tiền Giang" }, { "083", "Bến Tre" }, { "084", "Trà Vinh" },
	{ "086", "Vĩnh Long" }, { "087", "Đồng Tháp" }, { "089", "An Giang" },
	{ "091", "Kiên Giang" }, { "092", "Cần Thơ" }, { "093", "Hậu Giang" },
	{ "094", "Sóc Trăng" }, { "095", "Bạc Liêu" }, { "096", "Cà Mau" },
};

/* Weights of the tax code check digit over digits 1..9. */
static const int tax_weights[9] = { 31, 29, 23, 19, 17, 13, 7, 5, 3 };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Small helpers -------------------------------------------------------------------------- */

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Whether s[0..n) is all ASCII digits. */
static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Value of the two or four ASCII digits at s (already checked). */
static int digits_value(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Whether needle[0..nlen) occurs in hay[0..hlen), ignoring ASCII case. */
static int contains_ascii_nocase(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i, j;

	if (nlen == 0 || nlen > hlen)
		return nlen == 0;
	for (i = 0; i + nlen <= hlen; i++) {
		for (j = 0; j < nlen; j++)
			if (ascii_lower((unsigned char)hay[i + j]) !=
			    ascii_lower((unsigned char)needle[j]))
				break;
		if (j == nlen)
			return 1;
	}
	return 0;
}

/* Whether needle[0..nlen) occurs in hay[0..hlen) byte for byte. */
static int contains_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i;

	for (i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

/* ---- E-mail --------------------------------------------------------------------------------- */

/* RFC 5322 atext: the characters of a dot-atom other than the dot. */
static int is_atext(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* MC_EINVAL unless local[0..n) is a dot-atom: atext runs separated by single dots. */
static int email_local_ok(const char *local, size_t n)
{
	size_t i;

	if (local[0] == '.' || local[n - 1] == '.')
		return MC_EINVAL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)local[i];

		if (c == '.') {
			if (local[i + 1] == '.')
				return MC_EINVAL;
		} else if (!is_atext(c)) {
			return MC_EINVAL;
		}
	}
	return 0;
}

/* MC_EINVAL unless dom[0..n) is two or more LDH labels of 1..63 bytes ending in a TLD of two or
 * more letters. */
static int email_domain_ok(const char *dom, size_t n)
{
	size_t start = 0, labels = 0, i;

	while (start <= n) {
		size_t end = start;
		int letters_only = 1;

		while (end < n && dom[end] != '.')
			end++;
		if (end == start || end - start > 63)
			return MC_EINVAL;
		if (dom[start] == '-' || dom[end - 1] == '-')
			return MC_EINVAL;
		for (i = start; i < end; i++) {
			unsigned char c = (unsigned char)dom[i];

			if (!is_alpha(c) && !is_digit(c) && c != '-')
				return MC_EINVAL;
			if (!is_alpha(c))
				letters_only = 0;
		}
		labels++;
		if (end == n) {
			if (labels < 2 || end - start < 2 || !letters_only)
				return MC_EINVAL;
			return 0;
		}
		start = end + 1;
	}
	return MC_EINVAL; /* a trailing dot leaves an empty last label */
}

int validate_email(const char *s, char *key, size_t keylen, const char **msg)
{
	const char *at;
	size_t len, llen, i;
	int rc = MC_EINVAL;

	*msg = NULL;
	if (key != NULL && keylen > 0)
		key[0] = '\0';
	if (s == NULL || s[0] == '\0') {
		*msg = E_EMAIL_EMPTY;
		goto out;
	}
	len = strlen(s);
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80) {
			*msg = E_EMAIL_NONASCII;
			goto out;
		}
	}
	if (len > VALIDATE_EMAIL_MAX) {
		*msg = E_EMAIL_TOO_LONG;
		goto out;
	}
	at = strchr(s, '@');
	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL) {
		*msg = E_EMAIL_FORMAT;
		goto out;
	}
	llen = (size_t)(at - s);
	if (llen > VALIDATE_EMAIL_LOCAL_MAX) {
		*msg = E_EMAIL_LOCAL_LONG;
		goto out;
	}
	if (email_local_ok(s, llen) != 0) {
		*msg = E_EMAIL_LOCAL;
		goto out;
	}
	if (email_domain_ok(at + 1, len - llen - 1) != 0) {
		*msg = E_EMAIL_DOMAIN;
		goto out;
	}
	if (keylen > 0) {
		if (key == NULL || keylen < len + 1) {
			*msg = E_EMAIL_FORMAT;
			goto out;
		}
		for (i = 0; i <= len; i++)
			key[i] = (char)ascii_lower((unsigned char)s[i]);
	}
	rc = 0;
out:
	return rc;
}

/* ---- Phone ---------------------------------------------------------------------------------- */

enum phone_shape { PHONE_OK, PHONE_BAD, PHONE_LANDLINE };

/*
 * Turn one of the accepted written forms into 10 digits starting with 0 (out[11]).  Separators
 * are single spaces, dots or hyphens, each between two digits.  The prefix is not checked.
 */
static enum phone_shape phone_normalise(const char *s, char out[VALIDATE_PHONE_SIZE])
{
	char d[16];
	size_t n = 0;
	int plus = 0, after_digit = 0;
	const char *p = s;
	const char *national;

	out[0] = '\0';
	if (*p == '+') {
		plus = 1;
		p++;
	}
	for (; *p != '\0'; p++) {
		if (is_digit((unsigned char)*p)) {
			if (n >= sizeof(d) - 1)
				return PHONE_BAD;
			d[n++] = *p;
			after_digit = 1;
		} else if ((*p == ' ' || *p == '.' || *p == '-') && after_digit) {
			after_digit = 0;
		} else {
			return PHONE_BAD;
		}
	}
	if (!after_digit)
		return PHONE_BAD; /* empty, "+" alone, or a trailing separator */
	d[n] = '\0';

	if (!plus && d[0] == '0') {
		national = d;
	} else if (n >= 3 && d[0] == '8' && d[1] == '4') {
		/* "+84 9..." drops the 0; "+84 09..." keeps it, which people often write. */
		national = d + 1;
		if (d[2] == '0')
			national = d + 2;
		else
			d[1] = '0';
	} else {
		return PHONE_BAD;
	}
	if (national[0] == '0' && national[1] == '2')
		return PHONE_LANDLINE;
	if (strlen(national) != 10 || national[1] == '0')
		return PHONE_BAD;
	memcpy(out, national, 11);
	return PHONE_OK;
}

const char *validate_phone_carrier(const char *phone)
{
	size_t i;

	if (phone == NULL || strlen(phone) < 3)
		return NULL;
	for (i = 0; i < COUNT(phone_prefixes); i++)
		if (memcmp(phone, phone_prefixes[i].prefix, 3) == 0)
			return phone_prefixes[i].carrier;
	return NULL;
}

int validate_phone(const char *s, char out[VALIDATE_PHONE_SIZE], const char **msg)
{
	char tmp[VALIDATE_PHONE_SIZE];
	int rc = MC_EINVAL;

	*msg = NULL;
	out[0] = '\0';
	if (s == NULL || s[0] == '\0') {
		*msg = E_PHONE_EMPTY;
		goto out;
	}
	switch (phone_normalise(s, tmp)) {
	case PHONE_OK:
		break;
	case PHONE_LANDLINE:
		*msg = E_PHONE_LANDLINE;
		goto out;
	case PHONE_BAD:
	default:
		*msg = E_PHONE_FORMAT;
		goto out;
	}
	if (validate_phone_carrier(tmp) == NULL) {
		*msg = E_PHONE_PREFIX;
		goto out;
	}
	memcpy(out, tmp, sizeof(tmp));
	rc = 0;
out:
	return rc;
}

/* ---- Dates ---------------------------------------------------------------------------------- */

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && is_leap(y))
		return 29;
	return days[m - 1];
}

/* <0, 0, >0 as (y1,m1,d1) is before, equal to or after (y2,m2,d2). */
static int date_cmp(int y1, int m1, int d1, int y2, int m2, int d2)
{
	if (y1 != y2)
		return y1 < y2 ? -1 : 1;
	if (m1 != m2)
		return m1 < m2 ? -1 : 1;
	if (d1 != d2)
		return d1 < d2 ? -1 : 1;
	return 0;
}

int validate_birth_date(const char *s, int today_y, int today_m, int today_d,
                        struct civil_date *out, const char **msg)
{
	int y, m, d, rc = MC_EINVAL;

	*msg = NULL;
	if (s == NULL || s[0] == '\0') {
		*msg = E_BIRTH_EMPTY;
		goto out;
	}
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !all_digits(s, 4) ||
	    !all_digits(s + 5, 2) || !all_digits(s + 8, 2)) {
		*msg = E_BIRTH_FORMAT;
		goto out;
	}
	y = digits_value(s, 4);
	m = digits_value(s + 5, 2);
	d = digits_value(s + 8, 2);
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
		*msg = E_BIRTH_NOT_REAL;
		goto out;
	}
	if (date_cmp(y, m, d, 1900, 1, 1) < 0) {
		*msg = E_BIRTH_TOO_OLD;
		goto out;
	}
	if (date_cmp(y, m, d, today_y, today_m, today_d) > 0) {
		*msg = E_BIRTH_FUTURE;
		goto out;
	}
	if (out != NULL) {
		out->year = y;
		out->month = m;
		out->day = d;
	}
	rc = 0;
out:
	return rc;
}

/* ---- Citizen identification number ----------------------------------------------------------- */

const char *validate_province_name(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) < 3)
		return NULL;
	for (i = 0; i < COUNT(provinces); i++)
		if (memcmp(s, provinces[i].code, 3) == 0)
			return provinces[i].name;
	return NULL;
}

int validate_citizen_id(const char *s, const struct civil_date *birth, const char **msg)
{
	int century, year, rc = MC_EINVAL;

	*msg = NULL;
	if (s == NULL || s[0] == '\0') {
		*msg = E_CID_EMPTY;
		goto out;
	}
	if (strlen(s) != 12 || !all_digits(s, 12)) {
		*msg = E_CID_FORMAT;
		goto out;
	}
	if (validate_province_name(s) == NULL) {
		*msg = E_CID_PROVINCE;
		goto out;
	}
	/* Digit 4: even = male, odd = female; each pair of values is one century from 1900. */
	century = 1900 + 100 * ((s[3] - '0') / 2);
	year = century + digits_value(s + 4, 2);
	if (birth != NULL && birth->year != year) {
		*msg = E_CID_YEAR;
		goto out;
	}
	rc = 0;
out:
	return rc;
}

/* ---- Tax code ------------------------------------------------------------------------------- */

int validate_tax_code(const char *s, const char **msg)
{
	size_t len;
	int sum = 0, r, i, rc = MC_EINVAL;

	*msg = NULL;
	if (s == NULL || s[0] == '\0') {
		*msg = E_TAX_EMPTY;
		goto out;
	}
	len = strlen(s);
	if (!(len == 10 || (len == 14 && s[10] == '-' && all_digits(s + 11, 3))) ||
	    !all_digits(s, 10)) {
		*msg = E_TAX_FORMAT;
		goto out;
	}
	if (len == 14 && memcmp(s + 11, "000", 3) == 0) {
		*msg = E_TAX_BRANCH;
		goto out;
	}
	for (i = 0; i < 9; i++)
		sum += tax_weights[i] * (s[i] - '0');
	r = 10 - sum % 11;
	if (r != s[9] - '0') { /* r == 10 matches no digit */
		*msg = E_TAX_CHECK;
		goto out;
	}
	rc = 0;
out:
	return rc;
}

/* ---- Password list ---------------------------------------------------------------------------- */

struct password_list {
	char **words; /* sorted by strcmp, distinct, each lower-cased and NUL-terminated */
	size_t count;
};

static int cmp_words(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Lower-case s[0..n) (simple Unicode case mapping, NFC result) into a NUL-terminated string:
 * buf when it fits (bufsize bytes), else a malloc'd one that *heap also points to (the caller
 * frees *heap).  NULL on allocation failure or invalid UTF-8.
 */
static char *lower_copy(const char *s, size_t n, char *buf, size_t bufsize, char **heap)
{
	size_t outlen = bufsize > 0 ? bufsize - 1 : 0;
	uint8_t *r;

	*heap = NULL;
	r = u8_tolower((const uint8_t *)s, n, NULL, UNINORM_NFC, (uint8_t *)buf, &outlen);
	if (r == NULL)
		return NULL;
	if (r != (uint8_t *)buf) {
		uint8_t *grown = realloc(r, outlen + 1);

		if (grown == NULL) {
			free(r);
			return NULL;
		}
		r = grown;
		*heap = (char *)r;
	}
	r[outlen] = '\0';
	return (char *)r;
}

void password_list_free(struct password_list *list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < list->count; i++)
		free(list->words[i]);
	free(list->words);
	free(list);
}

int password_list_load(const char *path, struct password_list **out)
{
	struct password_list *list = NULL;
	FILE *f = NULL;
	char *line = NULL, *heap, *word;
	size_t cap = 0, alloc = 0, i, j;
	ssize_t got;
	int rc = 0;

	*out = NULL;
	f = fopen(path, "re");
	if (f == NULL) {
		rc = MC_EIO;
		goto out;
	}
	list = calloc(1, sizeof(*list));
	if (list == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	while ((got = getline(&line, &cap, f)) != -1) {
		size_t n = (size_t)got;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		if (memchr(line, '\0', n) != NULL || u8_check((const uint8_t *)line, n) != NULL) {
			rc = MC_EINVAL;
			goto out;
		}
		if (list->count == alloc) {
			size_t grow = alloc == 0 ? 256 : alloc * 2;
			char **words = realloc(list->words, grow * sizeof(*words));

			if (words == NULL) {
				rc = MC_ENOMEM;
				goto out;
			}
			list->words = words;
			alloc = grow;
		}
		word = lower_copy(line, n, NULL, 0, &heap);
		if (word == NULL) {
			rc = MC_ENOMEM;
			goto out;
		}
		list->words[list->count++] = word; /* == heap: no buffer was offered */
	}
	if (ferror(f) || !feof(f)) { /* getline stops early on a read error or ENOMEM */
		rc = !ferror(f) && errno == ENOMEM ? MC_ENOMEM : MC_EIO;
		goto out;
	}
	if (list->count > 0) {
		qsort(list->words, list->count, sizeof(*list->words), cmp_words);
		for (i = 1, j = 1; i < list->count; i++) {
			if (strcmp(list->words[i], list->words[j - 1]) == 0)
				free(list->words[i]);
			else
				list->words[j++] = list->words[i];
		}
		list->count = j;
	}
	*out = list;
	list = NULL;
out:
	free(line);
	if (f != NULL)
		fclose(f);
	password_list_free(list);
	return rc;
}

size_t password_list_count(const struct password_list *list)
{
	return list != NULL ? list->count : 0;
}

int password_list_contains(const struct password_list *list, const char *pw)
{
	char buf[2048], *heap, *key;
	int found = 0;

	if (list == NULL || list->count == 0 || pw == NULL)
		return 0;
	key = lower_copy(pw, strlen(pw), buf, sizeof(buf), &heap);
	if (key == NULL) {
		/* Out of memory or not UTF-8: fall back to ASCII lower case, which is what every entry
		 * of the shipped list needs. */
		size_t n = strlen(pw), i;

		if (n >= sizeof(buf))
			return 0;
		for (i = 0; i <= n; i++)
			buf[i] = (char)ascii_lower((unsigned char)pw[i]);
		key = buf;
	}
	found = bsearch(&key, list->words, list->count, sizeof(*list->words), cmp_words) != NULL;
	free(heap);
	return found;
}

/* ---- Password ------------------------------------------------------------------------------- */

/* Whether s[0..n) (valid UTF-8) holds a C0 control, DEL or a C1 control, allowing TAB, LF and CR
 * when 'multiline'.  C0 and DEL are single bytes; C1 (U+0080..U+009F) is C2 80..C2 9F. */
static int has_control(const char *s, size_t n, int multiline)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20) {
			if (!(multiline && (c == '\t' || c == '\n' || c == '\r')))
				return 1;
		} else if (c == 0x7f) {
			return 1;
		} else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9f) {
			return 1; /* valid UTF-8, so the next byte is a continuation byte >= 0x80 */
		}
	}
	return 0;
}

int validate_password(const char *pw, const char *confirm, const char *email, const char *phone,
                      const struct password_list *common, const char **msg, int *which)
{
	char digits[VALIDATE_PHONE_SIZE];
	size_t len, chars;
	int field = 0, rc = MC_EINVAL;

	*msg = NULL;
	if (pw == NULL || pw[0] == '\0') {
		*msg = E_PW_EMPTY;
		goto out;
	}
	len = strlen(pw);
	if (u8_check((const uint8_t *)pw, len) != NULL) {
		*msg = E_PW_INVALID;
		goto out;
	}
	if (has_control(pw, len, 0)) {
		*msg = E_PW_CONTROL;
		goto out;
	}
	chars = u8_mbsnlen((const uint8_t *)pw, len);
	if (chars < VALIDATE_PASSWORD_MIN) {
		*msg = E_PW_SHORT;
		goto out;
	}
	if (chars > VALIDATE_PASSWORD_MAX) {
		*msg = E_PW_LONG;
		goto out;
	}
	if (email != NULL) {
		const char *at = strchr(email, '@');
		size_t llen = at != NULL ? (size_t)(at - email) : strlen(email);

		/* Short local parts ("an", "ly") occur by chance in good passwords. */
		if (llen >= 3 && contains_ascii_nocase(pw, len, email, llen)) {
			*msg = E_PW_EMAIL;
			goto out;
		}
	}
	if (phone != NULL && phone_normalise(phone, digits) == PHONE_OK) {
		/* The last 9 digits are also the number as written after +84. */
		if (contains_bytes(pw, len, digits, 10) || contains_bytes(pw, len, digits + 1, 9)) {
			*msg = E_PW_PHONE;
			goto out;
		}
	}
	if (password_list_contains(common, pw)) {
		*msg = E_PW_COMMON;
		goto out;
	}
	field = 1;
	if (confirm == NULL || confirm[0] == '\0') {
		*msg = E_PW_CONFIRM_EMPTY;
		goto out;
	}
	if (strcmp(pw, confirm) != 0) {
		*msg = E_PW_MISMATCH;
		goto out;
	}
	field = 0;
	rc = 0;
out:
	if (which != NULL)
		*which = field;
	return rc;
}

/* ---- Free text ------------------------------------------------------------------------------ */

static const char *limit_text(const struct limit_message *table, size_t n, size_t limit,
                              const char *fallback)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (table[i].limit == limit)
			return table[i].text;
	return fallback;
}

static int text_check(const char *s, size_t min_chars, size_t max_chars, int multiline,
                      const char **msg)
{
	size_t len, chars;
	int rc = MC_EINVAL;

	*msg = NULL;
	if (s == NULL)
		s = "";
	len = strlen(s);
	if (u8_check((const uint8_t *)s, len) != NULL) {
		*msg = E_TEXT_INVALID;
		goto out;
	}
	chars = u8_mbsnlen((const uint8_t *)s, len);
	if (chars == 0 && min_chars > 0) {
		*msg = E_TEXT_REQUIRED;
		goto out;
	}
	if (has_control(s, len, multiline)) {
		*msg = multiline ? E_TEXT_CONTROL_MULTI : E_TEXT_CONTROL;
		goto out;
	}
	if (chars < min_chars) {
		*msg = limit_text(text_min_messages, COUNT(text_min_messages), min_chars, E_TEXT_SHORT);
		goto out;
	}
	if (chars > max_chars) {
		*msg = limit_text(text_max_messages, COUNT(text_max_messages), max_chars, E_TEXT_LONG);
		goto out;
	}
	rc = 0;
out:
	return rc;
}

int validate_text(const char *s, size_t min_chars, size_t max_chars, const char **msg)
{
	return text_check(s, min_chars, max_chars, 0, msg);
}

int validate_multiline_text(const char *s, size_t min_chars, size_t max_chars, const char **msg)
{
	return text_check(s, min_chars, max_chars, 1, msg);
}
