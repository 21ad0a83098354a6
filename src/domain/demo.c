/* demo.c: demonstration data. */
#include "domain/demo.h"

#include "domain/site.h"
#include "lib/err.h"
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

int demo_load(struct db *db, const char *password, const char *now, FILE *out)
{
	int rc;

	(void)password; /* no accounts exist yet: the accounts module adds them here */
	(void)out;
	rc = db_begin(db);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < sizeof(demo_site) / sizeof(demo_site[0]); i++) {
		rc = site_set(db, demo_site[i].key, demo_site[i].value, now);
		if (rc != 0) {
			db_rollback(db);
			return rc;
		}
	}
	return db_commit(db);
}
