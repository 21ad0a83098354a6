/* demo.c: demonstration data. */
#include "domain/demo.h"

#include <string.h>

#include "domain/account.h"
#include "domain/site.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/token.h"
#include "store/db.h"

static const struct {
	const char *key;
	const char *value;
} demo_site[] = {
	{ "portal_name", "Cổng Dịch vụ công tỉnh Thanh Hóa (bản trình diễn)" },
	{ "agency_name", "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa" },
	{ "agency_address", "Số 28 Đại lộ Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa" },
	{ "agency_phone", "0237 3 752 588" },
	{ "agency_email", "hanhchinhcong@thanhhoa.example.vn" },
	{ "agency_hours", "Thứ Hai – Thứ Sáu: 07:30–11:30, 13:00–17:00" },
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

int demo_load(const struct account_env *env, struct db *db, const char *password, FILE *out)
{
	char now[32], random_pw[TOKEN_LEN + 1];
	int rc;

	clock_iso8601(clock_now_ms(env->clock), now, sizeof(now));
	rc = db_begin(db);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < sizeof(demo_site) / sizeof(demo_site[0]); i++)
		if ((rc = site_set(db, demo_site[i].key, demo_site[i].value, now)) != 0)
			goto out;
	for (size_t i = 0; i < sizeof(demo_accounts) / sizeof(demo_accounts[0]); i++) {
		const char *pw = password;
		if (pw == NULL || pw[0] == '\0') {
			token_new(random_pw);
			random_pw[16] = '\0'; /* 96 random bits are plenty for a demo */
			pw = random_pw;
		}
		if ((rc = account_create_demo(env, db, &demo_accounts[i], pw, out)) != 0)
			goto out;
	}
	rc = db_commit(db);
out:
	if (rc != 0)
		db_rollback(db);
	return rc;
}
