/* demo.c: demonstration data: a province's portal, agencies, staff, holidays and catalogue. */
#include "domain/demo.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/account.h"
#include "domain/actor.h"
#include "domain/catalog_io.h"
#include "domain/site.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/token.h"
#include "store/db.h"

#define DEMO_PATH_MAX 4096
#define DEMO_RANDOM_PASSWORD_LEN 16 /* 96 random bits are plenty for a demo */
#define DEMO_ERR_MAX 1024

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *key;
	const char *value;
} demo_site[] = {
	{ "portal_name", "Cổng Dịch vụ công tỉnh Thanh Hóa (bản trình diễn)" },
	{ "agency_name", "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa" },
	{ "agency_address", "Số 28 Đại lộ Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa" },
	{ "agency_phone", "0237 3 752 588" },
	{ "agency_email", "hanhchinhcong@thanhhoa.example.vn" },
	{ "agency_hours", "Thứ Hai – Thứ Sáu: 07:00–11:30, 13:30–17:00; Thứ Bảy: 07:00–11:30" },
};

static const struct registration_clean demo_accounts[] = {
	{
		.account_type = "citizen",
		.full_name = "Nguyễn Văn An",
		.email = "congdan@example.vn",
		.email_key = "congdan@example.vn",
		.phone = "0912345678",
		.citizen_id = "038090012345",
		.birth_date = "1990-05-21",
		.address = "Số 15 phố Trần Phú, phường Hạc Thành, tỉnh Thanh Hóa",
	},
	{
		.account_type = "business",
		.full_name = "Trần Thị Bình",
		.email = "doanhnghiep@example.vn",
		.email_key = "doanhnghiep@example.vn",
		.phone = "0987654321",
		.citizen_id = "038185001234",
		.birth_date = "1985-11-02",
		.address = "Lô A2 Khu công nghiệp Lễ Môn, phường Quảng Hưng, tỉnh Thanh Hóa",
		.organization_name = "Công ty TNHH Thương mại Hạc Thành",
		.tax_code = "2801234564",
	},
};

/*
 * Office hours, Monday first (agencies.office_hours).  Thanh Hóa's offices work 07:00–11:30 and
 * 13:30–17:00 (domain.md §6.3); the province centre also opens on Saturday mornings.
 */
#define HOURS_WEEKDAYS                                                                      \
	"[\"07:00-11:30,13:30-17:00\",\"07:00-11:30,13:30-17:00\",\"07:00-11:30,13:30-17:00\"," \
	"\"07:00-11:30,13:30-17:00\",\"07:00-11:30,13:30-17:00\",\"\",\"\"]"
#define HOURS_SATURDAY_MORNING                                                              \
	"[\"07:00-11:30,13:30-17:00\",\"07:00-11:30,13:30-17:00\",\"07:00-11:30,13:30-17:00\"," \
	"\"07:00-11:30,13:30-17:00\",\"07:00-11:30,13:30-17:00\",\"07:00-11:30\",\"\"]"

/*
 * The agencies, parents before their children.  Codes follow the electronic agency ID pattern
 * LLL.LL.LL.H56 (H56 is Thanh Hóa): the People's Committee is 000.00.00, bodies directly under
 * it 000.00.NN, and a commune's centre sits one level below its commune (000.01.NN).
 */
struct demo_agency {
	const char *code;
	const char *name;
	const char *level;
	const char *parent;   /* code of the parent, NULL for the root */
	const char *address;
	const char *phone;
	const char *email;
	const char *hours;
	int is_desk, is_competent;
};

#define CODE_PROVINCE "000.00.00.H56"
#define CODE_PROVINCE_CENTRE "000.00.06.H56"
#define CODE_JUSTICE "000.00.13.H56"
#define CODE_CONSTRUCTION "000.00.15.H56"
#define CODE_POLICE "000.00.40.H56"
#define CODE_HAC_THANH "000.00.61.H56"
#define CODE_HAC_THANH_CENTRE "000.01.61.H56"
#define CODE_HOANG_HOA "000.00.62.H56"
#define CODE_HOANG_HOA_CENTRE "000.01.62.H56"

static const struct demo_agency demo_agencies[] = {
	{ CODE_PROVINCE, "Ủy ban nhân dân tỉnh Thanh Hóa", "province", NULL,
	  "Số 35 Đại lộ Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa", "0237 3 852 366",
	  "ubnd@thanhhoa.example.vn", HOURS_WEEKDAYS, 0, 1 },
	{ CODE_PROVINCE_CENTRE, "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa", "province",
	  CODE_PROVINCE, "Số 28 Đại lộ Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa", "0237 3 752 588",
	  "hanhchinhcong@thanhhoa.example.vn", HOURS_SATURDAY_MORNING, 1, 0 },
	{ CODE_CONSTRUCTION, "Sở Xây dựng tỉnh Thanh Hóa", "province", CODE_PROVINCE,
	  "Phường Hạc Thành, tỉnh Thanh Hóa", "0237 3 852 551", "soxaydung@thanhhoa.example.vn",
	  HOURS_WEEKDAYS, 0, 1 },
	{ CODE_JUSTICE, "Sở Tư pháp tỉnh Thanh Hóa", "province", CODE_PROVINCE,
	  "Phường Hạc Thành, tỉnh Thanh Hóa", "0237 3 852 447", "sotuphap@thanhhoa.example.vn",
	  HOURS_WEEKDAYS, 0, 1 },
	{ CODE_POLICE, "Công an tỉnh Thanh Hóa", "province", CODE_PROVINCE,
	  "Phường Hạc Thành, tỉnh Thanh Hóa", "0237 3 852 609", "congan@thanhhoa.example.vn",
	  HOURS_WEEKDAYS, 0, 1 },
	{ CODE_HAC_THANH, "Ủy ban nhân dân phường Hạc Thành", "commune", CODE_PROVINCE,
	  "Phường Hạc Thành, tỉnh Thanh Hóa", "0237 3 852 120", "hacthanh@thanhhoa.example.vn",
	  HOURS_WEEKDAYS, 0, 1 },
	{ CODE_HAC_THANH_CENTRE, "Trung tâm Phục vụ hành chính công phường Hạc Thành", "commune",
	  CODE_HAC_THANH, "Phường Hạc Thành, tỉnh Thanh Hóa", "0237 3 852 121",
	  "motcua.hacthanh@thanhhoa.example.vn", HOURS_WEEKDAYS, 1, 0 },
	{ CODE_HOANG_HOA, "Ủy ban nhân dân xã Hoằng Hóa", "commune", CODE_PROVINCE,
	  "Xã Hoằng Hóa, tỉnh Thanh Hóa", "0237 3 865 210", "hoanghoa@thanhhoa.example.vn",
	  HOURS_WEEKDAYS, 0, 1 },
	{ CODE_HOANG_HOA_CENTRE, "Trung tâm Phục vụ hành chính công xã Hoằng Hóa", "commune",
	  CODE_HOANG_HOA, "Xã Hoằng Hóa, tỉnh Thanh Hóa", "0237 3 865 211",
	  "motcua.hoanghoa@thanhhoa.example.vn", HOURS_WEEKDAYS, 1, 0 },
};

/* Department names used by several tables below. */
#define DEPT_CONSTRUCTION "Phòng Quản lý xây dựng"
#define DEPT_JUSTICE "Phòng Hành chính tư pháp"
#define DEPT_RECORDS "Phòng Hồ sơ nghiệp vụ"
#define DEPT_SOCIAL "Phòng Văn hóa – Xã hội"
#define DEPT_WARD_ECONOMY "Phòng Kinh tế, Hạ tầng và Đô thị"
#define DEPT_COMMUNE_ECONOMY "Phòng Kinh tế"
#define DEPT_OFFICE "Văn phòng HĐND và UBND"

static const struct {
	const char *agency;
	const char *name;
} demo_departments[] = {
	{ CODE_CONSTRUCTION, DEPT_CONSTRUCTION },
	{ CODE_JUSTICE, DEPT_JUSTICE },
	{ CODE_POLICE, DEPT_RECORDS },
	{ CODE_HAC_THANH, DEPT_SOCIAL },
	{ CODE_HAC_THANH, DEPT_WARD_ECONOMY },
	{ CODE_HAC_THANH, DEPT_OFFICE },
	{ CODE_HOANG_HOA, DEPT_SOCIAL },
	{ CODE_HOANG_HOA, DEPT_COMMUNE_ECONOMY },
	{ CODE_HOANG_HOA, DEPT_OFFICE },
};

struct demo_staff {
	enum staff_role role;
	const char *email;      /* lower case: it is also the email_key */
	const char *full_name;
	const char *phone;
	const char *agency;     /* code */
	const char *department; /* name within the agency, or NULL */
	const char *title;
};

static const struct demo_staff demo_staff[] = {
	{ STAFF_SYSTEM_ADMIN, "quantri@example.vn", "Lê Minh Quân", "0912000001", CODE_PROVINCE,
	  NULL, "Quản trị hệ thống" },
	{ STAFF_LEADER, "lanhdao.tinh@example.vn", "Đỗ Văn Thành", "0912000002", CODE_PROVINCE, NULL,
	  "Phó Chủ tịch Ủy ban nhân dân tỉnh" },
	{ STAFF_INTAKE, "tiepnhan.tinh@example.vn", "Phạm Thị Hương", "0912000003",
	  CODE_PROVINCE_CENTRE, NULL, "Công chức tiếp nhận và trả kết quả" },
	{ STAFF_LEADER, "lanhdao.ttpvhcc.tinh@example.vn", "Nguyễn Thị Lan", "0912000004",
	  CODE_PROVINCE_CENTRE, NULL, "Giám đốc Trung tâm" },
	{ STAFF_AGENCY_ADMIN, "quantri.tinh@example.vn", "Vũ Đức Hải", "0912000005",
	  CODE_PROVINCE_CENTRE, NULL, "Quản trị Trung tâm" },
	{ STAFF_SPECIALIST, "chuyenvien.qlxd.soxaydung@example.vn", "Trịnh Văn Dũng", "0912000006",
	  CODE_CONSTRUCTION, DEPT_CONSTRUCTION, "Chuyên viên" },
	{ STAFF_LEADER, "lanhdao.soxaydung@example.vn", "Hoàng Văn Nam", "0912000007",
	  CODE_CONSTRUCTION, NULL, "Giám đốc Sở" },
	{ STAFF_SPECIALIST, "chuyenvien.hctp.sotuphap@example.vn", "Lê Thị Mai", "0912000008",
	  CODE_JUSTICE, DEPT_JUSTICE, "Chuyên viên" },
	{ STAFF_LEADER, "lanhdao.sotuphap@example.vn", "Nguyễn Văn Hùng", "0912000009",
	  CODE_JUSTICE, NULL, "Giám đốc Sở" },
	{ STAFF_SPECIALIST, "chuyenvien.hsnv.congan@example.vn", "Lê Văn Cường", "0912000010",
	  CODE_POLICE, DEPT_RECORDS, "Cán bộ" },
	{ STAFF_LEADER, "lanhdao.congan@example.vn", "Trần Quốc Tuấn", "0912000011", CODE_POLICE,
	  NULL, "Phó Giám đốc Công an tỉnh" },

	{ STAFF_INTAKE, "tiepnhan.hacthanh@example.vn", "Nguyễn Thị Thu", "0912000012",
	  CODE_HAC_THANH_CENTRE, NULL, "Công chức tiếp nhận và trả kết quả" },
	{ STAFF_LEADER, "lanhdao.ttpvhcc.hacthanh@example.vn", "Mai Văn Long", "0912000013",
	  CODE_HAC_THANH_CENTRE, NULL, "Giám đốc Trung tâm" },
	{ STAFF_SPECIALIST, "chuyenvien.vhxh.hacthanh@example.vn", "Đặng Thị Hoa", "0912000014",
	  CODE_HAC_THANH, DEPT_SOCIAL, "Chuyên viên" },
	{ STAFF_SPECIALIST, "chuyenvien.kthtdt.hacthanh@example.vn", "Bùi Văn Toàn", "0912000015",
	  CODE_HAC_THANH, DEPT_WARD_ECONOMY, "Chuyên viên" },
	{ STAFF_SPECIALIST, "chuyenvien.vp.hacthanh@example.vn", "Phạm Thị Ngọc", "0912000016",
	  CODE_HAC_THANH, DEPT_OFFICE, "Công chức Tư pháp – Hộ tịch" },
	{ STAFF_LEADER, "lanhdao.vp.hacthanh@example.vn", "Lê Văn Bình", "0912000017",
	  CODE_HAC_THANH, DEPT_OFFICE, "Chánh Văn phòng HĐND và UBND" },
	{ STAFF_LEADER, "lanhdao.hacthanh@example.vn", "Trần Văn Quang", "0912000018",
	  CODE_HAC_THANH, NULL, "Chủ tịch Ủy ban nhân dân phường" },
	{ STAFF_AGENCY_ADMIN, "quantri.hacthanh@example.vn", "Ngô Thị Hạnh", "0912000019",
	  CODE_HAC_THANH, NULL, "Quản trị hệ thống phường" },

	{ STAFF_INTAKE, "tiepnhan.hoanghoa@example.vn", "Lê Thị Phương", "0912000020",
	  CODE_HOANG_HOA_CENTRE, NULL, "Công chức tiếp nhận và trả kết quả" },
	{ STAFF_LEADER, "lanhdao.ttpvhcc.hoanghoa@example.vn", "Nguyễn Văn Tâm", "0912000021",
	  CODE_HOANG_HOA_CENTRE, NULL, "Giám đốc Trung tâm" },
	{ STAFF_SPECIALIST, "chuyenvien.vhxh.hoanghoa@example.vn", "Hoàng Thị Yến", "0912000022",
	  CODE_HOANG_HOA, DEPT_SOCIAL, "Chuyên viên" },
	{ STAFF_SPECIALIST, "chuyenvien.kt.hoanghoa@example.vn", "Lê Đình Khoa", "0912000023",
	  CODE_HOANG_HOA, DEPT_COMMUNE_ECONOMY, "Chuyên viên" },
	{ STAFF_SPECIALIST, "chuyenvien.vp.hoanghoa@example.vn", "Trịnh Thị Loan", "0912000024",
	  CODE_HOANG_HOA, DEPT_OFFICE, "Công chức Tư pháp – Hộ tịch" },
	{ STAFF_LEADER, "lanhdao.hoanghoa@example.vn", "Phạm Văn Đức", "0912000025", CODE_HOANG_HOA,
	  NULL, "Chủ tịch Ủy ban nhân dân xã" },
	{ STAFF_AGENCY_ADMIN, "quantri.hoanghoa@example.vn", "Đỗ Thị Nhung", "0912000026",
	  CODE_HOANG_HOA, NULL, "Quản trị hệ thống xã" },
};

/*
 * Days off of 2026 and 2027 (domain.md §6): the Labour Code's holidays, the Tết blocks of the
 * civil service (2026 as announced, 14–22/02; 2027 laid out as 2024's, whose Tết also began on a
 * Saturday: two days before, five after), compensatory days for holidays falling on a weekend,
 * the day next to National Day, and Vietnamese Culture Day from 2026.  Holidays are data: an
 * administrator corrects them when the year's official notice differs.
 */
static const struct {
	const char *day;
	const char *kind;
	const char *name;
} demo_holidays[] = {
	{ "2026-01-01", "day_off", "Tết Dương lịch" },
	{ "2026-02-14", "day_off", "Tết Nguyên đán Bính Ngọ" },
	{ "2026-02-15", "day_off", "Tết Nguyên đán Bính Ngọ" },
	{ "2026-02-16", "day_off", "Tết Nguyên đán Bính Ngọ" },
	{ "2026-02-17", "day_off", "Tết Nguyên đán Bính Ngọ (mùng 1 Tết)" },
	{ "2026-02-18", "day_off", "Tết Nguyên đán Bính Ngọ" },
	{ "2026-02-19", "day_off", "Tết Nguyên đán Bính Ngọ" },
	{ "2026-02-20", "day_off", "Tết Nguyên đán Bính Ngọ" },
	{ "2026-02-21", "day_off", "Tết Nguyên đán Bính Ngọ" },
	{ "2026-02-22", "day_off", "Tết Nguyên đán Bính Ngọ" },
	{ "2026-04-26", "day_off", "Giỗ Tổ Hùng Vương (10/3 âm lịch)" },
	{ "2026-04-27", "day_off", "Nghỉ bù Giỗ Tổ Hùng Vương" },
	{ "2026-04-30", "day_off", "Ngày Chiến thắng (30/4)" },
	{ "2026-05-01", "day_off", "Ngày Quốc tế Lao động (1/5)" },
	{ "2026-09-01", "day_off", "Nghỉ lễ Quốc khánh (ngày liền kề)" },
	{ "2026-09-02", "day_off", "Quốc khánh (2/9)" },
	{ "2026-11-24", "day_off", "Ngày Văn hóa Việt Nam (24/11)" },
	{ "2027-01-01", "day_off", "Tết Dương lịch" },
	{ "2027-02-04", "day_off", "Tết Nguyên đán Đinh Mùi" },
	{ "2027-02-05", "day_off", "Tết Nguyên đán Đinh Mùi" },
	{ "2027-02-06", "day_off", "Tết Nguyên đán Đinh Mùi (mùng 1 Tết)" },
	{ "2027-02-07", "day_off", "Tết Nguyên đán Đinh Mùi" },
	{ "2027-02-08", "day_off", "Tết Nguyên đán Đinh Mùi" },
	{ "2027-02-09", "day_off", "Tết Nguyên đán Đinh Mùi" },
	{ "2027-02-10", "day_off", "Tết Nguyên đán Đinh Mùi" },
	{ "2027-04-16", "day_off", "Giỗ Tổ Hùng Vương (10/3 âm lịch)" },
	{ "2027-04-30", "day_off", "Ngày Chiến thắng (30/4)" },
	{ "2027-05-01", "day_off", "Ngày Quốc tế Lao động (1/5)" },
	{ "2027-05-03", "day_off", "Nghỉ bù Ngày Quốc tế Lao động" },
	{ "2027-09-02", "day_off", "Quốc khánh (2/9)" },
	{ "2027-09-03", "day_off", "Nghỉ lễ Quốc khánh (ngày liền kề)" },
	{ "2027-11-24", "day_off", "Ngày Văn hóa Việt Nam (24/11)" },
};

/* Which department of a commune handles a procedure. */
enum demo_unit {
	UNIT_NONE = 0,  /* no department step (workflow no_department) */
	UNIT_OFFICE,    /* Văn phòng HĐND và UBND: civil status, certification */
	UNIT_ECONOMY,   /* the economic department: household businesses, building permits */
};

/* Where each procedure of the demo catalogue is offered.  'competent' NULL: at both communes'
 * centres for their People's Committees, else at 'desk' for 'competent' with 'department'. */
static const struct {
	const char *code;
	const char *workflow;
	enum demo_unit unit;
	const char *desk, *competent, *department;
} demo_offerings[] = {
	{ "1.000656", "standard", UNIT_OFFICE, NULL, NULL, NULL },      /* khai tử */
	{ "1.000894", "standard", UNIT_OFFICE, NULL, NULL, NULL },      /* kết hôn */
	{ "1.001193", "standard", UNIT_OFFICE, NULL, NULL, NULL },      /* khai sinh */
	{ "1.001612", "standard", UNIT_ECONOMY, NULL, NULL, NULL },     /* thành lập HKD */
	{ "1.004873", "standard", UNIT_OFFICE, NULL, NULL, NULL },      /* tình trạng hôn nhân */
	{ "1.004884", "standard", UNIT_OFFICE, NULL, NULL, NULL },      /* đăng ký lại khai sinh */
	{ "1.013225", "standard", UNIT_ECONOMY, NULL, NULL, NULL },     /* giấy phép xây dựng */
	{ "2.000635", "no_leader", UNIT_OFFICE, NULL, NULL, NULL },     /* bản sao trích lục */
	{ "2.000720", "standard", UNIT_ECONOMY, NULL, NULL, NULL },     /* thay đổi HKD */
	{ "2.000806", "standard", UNIT_OFFICE, NULL, NULL, NULL },      /* kết hôn có YTNN */
	{ "2.000815", "no_department", UNIT_NONE, NULL, NULL, NULL },   /* chứng thực bản sao */
	{ "2.000884", "no_department", UNIT_NONE, NULL, NULL, NULL },   /* chứng thực chữ ký */
	{ "2.001019", "standard", UNIT_OFFICE, NULL, NULL, NULL },      /* chứng thực di chúc */
	{ "3.000333", "standard", UNIT_NONE, CODE_PROVINCE_CENTRE, CODE_POLICE, DEPT_RECORDS },
};

static const struct {
	const char *agency, *desk, *economy;
} demo_communes[] = {
	{ CODE_HAC_THANH, CODE_HAC_THANH_CENTRE, DEPT_WARD_ECONOMY },
	{ CODE_HOANG_HOA, CODE_HOANG_HOA_CENTRE, DEPT_COMMUNE_ECONOMY },
};

/* The id of the agency with 'code' in *id, 0 when there is none. */
static int agency_id_of(struct db *db, const char *code, int64_t *id)
{
	struct db_stmt *st;
	int rc;

	*id = 0;
	if ((rc = db_prepare(db, "SELECT id FROM agencies WHERE code = ?", &st)) != 0 ||
	    (rc = db_bind_cstr(st, 1, code)) != 0)
		return rc;
	rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_col_int64(st, 0);
		db_reset(st);
		return 0;
	}
	return rc < 0 ? rc : 0;
}

/* The id of department 'name' of agency 'agency_id' in *id, 0 when there is none. */
static int department_id_of(struct db *db, int64_t agency_id, const char *name, int64_t *id)
{
	struct db_stmt *st;
	int rc;

	*id = 0;
	if ((rc = db_prepare(db, "SELECT id FROM departments WHERE agency_id = ? AND name = ?",
	                     &st)) != 0 ||
	    (rc = db_bind_int64(st, 1, agency_id)) != 0 || (rc = db_bind_cstr(st, 2, name)) != 0)
		return rc;
	rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_col_int64(st, 0);
		db_reset(st);
		return 0;
	}
	return rc < 0 ? rc : 0;
}

/* Whether the single-parameter query 'sql' finds a row for 'value'. */
static int row_exists(struct db *db, const char *sql, const char *value, int *found)
{
	struct db_stmt *st;
	int rc;

	*found = 0;
	if ((rc = db_prepare(db, sql, &st)) != 0 || (rc = db_bind_cstr(st, 1, value)) != 0)
		return rc;
	rc = db_step(st);
	if (rc == DB_ROW) {
		*found = 1;
		db_reset(st);
		return 0;
	}
	return rc < 0 ? rc : 0;
}

static int create_agencies(struct db *db, const char *now)
{
	for (size_t i = 0; i < COUNT(demo_agencies); i++) {
		const struct demo_agency *a = &demo_agencies[i];
		struct db_stmt *st;
		int64_t id, parent = 0;
		int rc;

		if ((rc = agency_id_of(db, a->code, &id)) != 0)
			return rc;
		if (id != 0)
			continue;
		/* A parent whose code an administrator has changed is not found: the child then
		 * becomes a root rather than failing the whole demo. */
		if (a->parent != NULL && (rc = agency_id_of(db, a->parent, &parent)) != 0)
			return rc;
		rc = db_prepare(db,
		                "INSERT INTO agencies (code, name, level, parent_id, address, phone, "
		                "email, office_hours, is_desk, is_competent, active, created_at, "
		                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
		                &st);
		if (rc != 0)
			return rc;
		if ((rc = db_bind_cstr(st, 1, a->code)) != 0 || (rc = db_bind_cstr(st, 2, a->name)) != 0 ||
		    (rc = db_bind_cstr(st, 3, a->level)) != 0 ||
		    (rc = parent != 0 ? db_bind_int64(st, 4, parent) : db_bind_null(st, 4)) != 0 ||
		    (rc = db_bind_cstr(st, 5, a->address)) != 0 ||
		    (rc = db_bind_cstr(st, 6, a->phone)) != 0 || (rc = db_bind_cstr(st, 7, a->email)) != 0 ||
		    (rc = db_bind_cstr(st, 8, a->hours)) != 0 ||
		    (rc = db_bind_int64(st, 9, a->is_desk)) != 0 ||
		    (rc = db_bind_int64(st, 10, a->is_competent)) != 0 ||
		    (rc = db_bind_cstr(st, 11, now)) != 0 || (rc = db_bind_cstr(st, 12, now)) != 0)
			return rc;
		if ((rc = db_step(st)) < 0)
			return rc;
	}
	return 0;
}

static int create_departments(struct db *db, const char *now)
{
	for (size_t i = 0; i < COUNT(demo_departments); i++) {
		struct db_stmt *st;
		int64_t agency, id;
		int rc;

		if ((rc = agency_id_of(db, demo_departments[i].agency, &agency)) != 0)
			return rc;
		if (agency == 0)
			continue; /* the agency is gone (see create_agencies) */
		if ((rc = department_id_of(db, agency, demo_departments[i].name, &id)) != 0)
			return rc;
		if (id != 0)
			continue;
		rc = db_prepare(db,
		                "INSERT INTO departments (agency_id, name, active, created_at, "
		                "updated_at) VALUES (?, ?, 1, ?, ?)",
		                &st);
		if (rc != 0)
			return rc;
		if ((rc = db_bind_int64(st, 1, agency)) != 0 ||
		    (rc = db_bind_cstr(st, 2, demo_departments[i].name)) != 0 ||
		    (rc = db_bind_cstr(st, 3, now)) != 0 || (rc = db_bind_cstr(st, 4, now)) != 0)
			return rc;
		if ((rc = db_step(st)) < 0)
			return rc;
	}
	return 0;
}

/* The password of the next demo account: the one given, or a new random one in 'buf'. */
static const char *account_password(const char *password, char buf[TOKEN_LEN + 1])
{
	if (password != NULL && password[0] != '\0')
		return password;
	token_new(buf);
	buf[DEMO_RANDOM_PASSWORD_LEN] = '\0';
	return buf;
}

/* Create staff account 's' unless its e-mail is taken; prints its line to 'out' when created. */
static int create_staff_account(struct db *db, const struct demo_staff *s, const char *password,
                                const char *now, FILE *out)
{
	char hash[PASSWORD_HASH_LEN], random_pw[TOKEN_LEN + 1];
	const char *pw;
	struct db_stmt *st;
	int64_t agency, department = 0, account;
	int rc, found;

	if ((rc = row_exists(db, "SELECT 1 FROM accounts WHERE email_key = ?", s->email, &found)) != 0)
		return rc;
	if (found)
		return 0;
	if ((rc = agency_id_of(db, s->agency, &agency)) != 0)
		return rc;
	if (agency == 0)
		return 0; /* its agency is gone: nobody to work there */
	if (s->department != NULL) {
		if ((rc = department_id_of(db, agency, s->department, &department)) != 0)
			return rc;
		if (department == 0 && s->role == STAFF_SPECIALIST)
			return 0; /* a specialist needs the department */
	}
	pw = account_password(password, random_pw);
	if ((rc = account_hash_password(pw, hash)) != 0)
		return rc;
	rc = db_prepare(db,
	                "INSERT INTO accounts (account_type, full_name, email, email_key, phone, "
	                "citizen_id, birth_date, address, organization_name, tax_code, "
	                "password_hash, status, created_at, activated_at, updated_at) "
	                "VALUES ('staff', ?, ?, ?, ?, NULL, NULL, '', NULL, NULL, ?, 'active', ?, ?, ?)",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, s->full_name)) != 0 || (rc = db_bind_cstr(st, 2, s->email)) != 0 ||
	    (rc = db_bind_cstr(st, 3, s->email)) != 0 || (rc = db_bind_cstr(st, 4, s->phone)) != 0 ||
	    (rc = db_bind_cstr(st, 5, hash)) != 0 || (rc = db_bind_cstr(st, 6, now)) != 0 ||
	    (rc = db_bind_cstr(st, 7, now)) != 0 || (rc = db_bind_cstr(st, 8, now)) != 0)
		return rc;
	if ((rc = db_step(st)) < 0)
		return rc;
	account = db_last_id(db);
	rc = db_prepare(db,
	                "INSERT INTO staff (account_id, role, agency_id, department_id, title) "
	                "VALUES (?, ?, ?, ?, ?)",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, account)) != 0 ||
	    (rc = db_bind_cstr(st, 2, staff_role_name(s->role))) != 0 ||
	    (rc = db_bind_int64(st, 3, agency)) != 0 ||
	    (rc = department != 0 ? db_bind_int64(st, 4, department) : db_bind_null(st, 4)) != 0 ||
	    (rc = db_bind_cstr(st, 5, s->title)) != 0)
		return rc;
	if ((rc = db_step(st)) < 0)
		return rc;
	fprintf(out, "%s, %s, %s\n", staff_role_name(s->role), s->email, pw);
	return 0;
}

static int create_holidays(struct db *db)
{
	for (size_t i = 0; i < COUNT(demo_holidays); i++) {
		struct db_stmt *st;
		int rc, found;

		if ((rc = row_exists(db, "SELECT 1 FROM holidays WHERE day = ?", demo_holidays[i].day,
		                     &found)) != 0)
			return rc;
		if (found)
			continue;
		if ((rc = db_prepare(db, "INSERT INTO holidays (day, kind, name) VALUES (?, ?, ?)",
		                     &st)) != 0)
			return rc;
		if ((rc = db_bind_cstr(st, 1, demo_holidays[i].day)) != 0 ||
		    (rc = db_bind_cstr(st, 2, demo_holidays[i].kind)) != 0 ||
		    (rc = db_bind_cstr(st, 3, demo_holidays[i].name)) != 0)
			return rc;
		if ((rc = db_step(st)) < 0)
			return rc;
	}
	/* These years are what the list says, not their computed defaults. */
	return db_exec_script(db, "INSERT INTO holiday_years (year, filled_at) VALUES "
	                          "(2026, '2026-01-01T00:00:00.000Z'), "
	                          "(2027, '2026-01-01T00:00:00.000Z') ON CONFLICT (year) DO NOTHING");
}

int demo_load(const struct account_env *env, struct db *db, const char *password, FILE *out)
{
	char now[32], random_pw[TOKEN_LEN + 1];
	int rc;

	clock_iso8601(clock_now_ms(env->clock), now, sizeof(now));
	rc = db_begin(db);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < COUNT(demo_site); i++)
		if ((rc = site_set(db, demo_site[i].key, demo_site[i].value, now)) != 0)
			goto out;
	for (size_t i = 0; i < COUNT(demo_accounts); i++) {
		const char *pw = account_password(password, random_pw);

		if ((rc = account_create_demo(env, db, &demo_accounts[i], pw, out)) != 0)
			goto out;
	}
	if ((rc = create_agencies(db, now)) != 0 || (rc = create_departments(db, now)) != 0)
		goto out;
	for (size_t i = 0; i < COUNT(demo_staff); i++)
		if ((rc = create_staff_account(db, &demo_staff[i], password, now, out)) != 0)
			goto out;
	if ((rc = create_holidays(db)) != 0)
		goto out;
	rc = db_commit(db);
out:
	if (rc != 0)
		db_rollback(db);
	return rc;
}

/* Read all of 'path' into a new NUL-terminated buffer (*text, caller frees).  MC_EIO: cannot
 * open or read it; MC_ETOOBIG: larger than a catalogue may be; MC_ENOMEM. */
static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL, *bigger;
	size_t cap = 0, n = 0, got;
	int rc = 0;

	*text = NULL;
	*len = 0;
	if (f == NULL)
		return MC_EIO;
	do {
		if (cap - n < 2) {
			cap = cap == 0 ? 1u << 20 : cap * 2;
			if (cap > (size_t)CATALOG_FILE_MAX + 2)
				cap = (size_t)CATALOG_FILE_MAX + 2;
			if ((bigger = realloc(data, cap)) == NULL) {
				rc = MC_ENOMEM;
				goto out;
			}
			data = bigger;
		}
		got = fread(data + n, 1, cap - n - 1, f);
		n += got;
		if (n > CATALOG_FILE_MAX) {
			rc = MC_ETOOBIG;
			goto out;
		}
	} while (got != 0);
	if (ferror(f)) {
		rc = MC_EIO;
		goto out;
	}
	data[n] = '\0';
	*text = data;
	*len = n;
	data = NULL;
out:
	free(data);
	fclose(f);
	return rc;
}

/* Import the demo catalogue when no procedure exists yet. */
static int import_catalog(const struct account_env *env, struct db *db, const char *share_dir,
                          FILE *err)
{
	char path[DEMO_PATH_MAX], msg[DEMO_ERR_MAX];
	struct actor system;
	struct db_stmt *st;
	char *text = NULL;
	size_t len;
	int64_t count;
	int rc;

	if ((rc = db_prepare(db, "SELECT COUNT(*) FROM procedures", &st)) != 0)
		return rc;
	if ((rc = db_step(st)) != DB_ROW)
		return rc < 0 ? rc : MC_EDB;
	count = db_col_int64(st, 0);
	db_reset(st);
	if (count > 0)
		return 0; /* a catalogue is there, perhaps edited: never overwrite it */

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", share_dir, DEMO_CATALOG_PATH) >=
	    sizeof(path)) {
		if (err != NULL)
			fprintf(err, "motcua: the share folder path is too long\n");
		return MC_EINVAL;
	}
	if ((rc = read_file(path, &text, &len)) != 0) {
		if (err != NULL)
			fprintf(err, "motcua: cannot read %s: %s\n", path,
			        rc == MC_EIO ? strerror(errno) : mc_strerror(rc));
		return rc;
	}
	/* The demo acts as the system, like the command line's catalog import. */
	memset(&system, 0, sizeof(system));
	system.role = ROLE_STAFF;
	system.staff_role = STAFF_SYSTEM_ADMIN;
	snprintf(system.account_type, sizeof(system.account_type), "staff");
	snprintf(system.full_name, sizeof(system.full_name), "Dữ liệu trình diễn");
	msg[0] = '\0';
	rc = catalog_import(db, &system, clock_now_ms(env->clock), text, len, 0, NULL, msg,
	                    sizeof(msg));
	if (rc != 0 && err != NULL)
		fprintf(err, "motcua: %s: %s\n", path, msg[0] != '\0' ? msg : mc_strerror(rc));
	free(text);
	return rc;
}

/* The id and online flag of the procedure with 'code'; *id 0 when there is none. */
static int procedure_of(struct db *db, const char *code, int64_t *id, int *online)
{
	struct db_stmt *st;
	int rc;

	*id = 0;
	*online = 0;
	if ((rc = db_prepare(db, "SELECT id, service_mode FROM procedures WHERE code = ?", &st)) != 0 ||
	    (rc = db_bind_cstr(st, 1, code)) != 0)
		return rc;
	rc = db_step(st);
	if (rc == DB_ROW) {
		const char *mode = db_col_text(st, 1, NULL);

		*id = db_col_int64(st, 0);
		*online = mode != NULL && (strcmp(mode, "partial") == 0 || strcmp(mode, "full") == 0);
		db_reset(st);
		return 0;
	}
	return rc < 0 ? rc : 0;
}

/* Offer procedure 'procedure' at desk 'desk_code' for 'competent_code' unless it is already. */
static int offer(struct db *db, int64_t procedure, int online, const char *workflow,
                 const char *desk_code, const char *competent_code, const char *department,
                 const char *now, FILE *err)
{
	struct db_stmt *st;
	int64_t desk, competent, dept = 0, existing = 0;
	int rc;

	if ((rc = agency_id_of(db, desk_code, &desk)) != 0 ||
	    (rc = agency_id_of(db, competent_code, &competent)) != 0)
		return rc;
	if (desk == 0 || competent == 0) {
		if (err != NULL)
			fprintf(err, "motcua: the demo agency %s is missing: load the demo data first\n",
			        desk == 0 ? desk_code : competent_code);
		return MC_ENOTFOUND;
	}
	if (department != NULL) {
		if ((rc = department_id_of(db, competent, department, &dept)) != 0)
			return rc;
		if (dept == 0) {
			if (err != NULL)
				fprintf(err, "motcua: the demo department %s of %s is missing\n", department,
				        competent_code);
			return MC_ENOTFOUND;
		}
	}
	rc = db_prepare(db,
	                "SELECT id FROM offerings WHERE procedure_id = ? AND desk_agency_id = ? AND "
	                "competent_agency_id = ?",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, procedure)) != 0 || (rc = db_bind_int64(st, 2, desk)) != 0 ||
	    (rc = db_bind_int64(st, 3, competent)) != 0)
		return rc;
	rc = db_step(st);
	if (rc == DB_ROW) {
		existing = db_col_int64(st, 0);
		db_reset(st);
	} else if (rc < 0) {
		return rc;
	}
	if (existing != 0)
		return 0;
	rc = db_prepare(db,
	                "INSERT INTO offerings (procedure_id, desk_agency_id, competent_agency_id, "
	                "department_id, online, workflow, active, created_at, updated_at) "
	                "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_int64(st, 1, procedure)) != 0 || (rc = db_bind_int64(st, 2, desk)) != 0 ||
	    (rc = db_bind_int64(st, 3, competent)) != 0 ||
	    (rc = dept != 0 ? db_bind_int64(st, 4, dept) : db_bind_null(st, 4)) != 0 ||
	    (rc = db_bind_int64(st, 5, online)) != 0 || (rc = db_bind_cstr(st, 6, workflow)) != 0 ||
	    (rc = db_bind_cstr(st, 7, now)) != 0 || (rc = db_bind_cstr(st, 8, now)) != 0)
		return rc;
	rc = db_step(st);
	return rc < 0 ? rc : 0;
}

static int create_offerings(struct db *db, const char *now, FILE *err)
{
	for (size_t i = 0; i < COUNT(demo_offerings); i++) {
		int64_t procedure;
		int online, rc;

		if ((rc = procedure_of(db, demo_offerings[i].code, &procedure, &online)) != 0)
			return rc;
		if (procedure == 0)
			continue; /* not in this catalogue (it was there before the demo) */
		if (demo_offerings[i].competent != NULL) {
			rc = offer(db, procedure, online, demo_offerings[i].workflow,
			           demo_offerings[i].desk, demo_offerings[i].competent,
			           demo_offerings[i].department, now, err);
			if (rc != 0)
				return rc;
			continue;
		}
		for (size_t c = 0; c < COUNT(demo_communes); c++) {
			const char *dept = NULL;

			if (demo_offerings[i].unit == UNIT_OFFICE)
				dept = DEPT_OFFICE;
			else if (demo_offerings[i].unit == UNIT_ECONOMY)
				dept = demo_communes[c].economy;
			rc = offer(db, procedure, online, demo_offerings[i].workflow, demo_communes[c].desk,
			           demo_communes[c].agency, dept, now, err);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int demo_load_catalog(const struct account_env *env, struct db *db, const char *share_dir,
                      FILE *err)
{
	char now[32];
	int rc;

	if ((rc = import_catalog(env, db, share_dir, err)) != 0)
		return rc;
	clock_iso8601(clock_now_ms(env->clock), now, sizeof(now));
	if ((rc = db_begin(db)) != 0)
		return rc;
	if ((rc = create_offerings(db, now, err)) != 0)
		goto out;
	rc = db_commit(db);
out:
	if (rc != 0)
		db_rollback(db);
	return rc;
}
