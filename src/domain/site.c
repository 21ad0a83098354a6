/* site.c: site settings. */
#include "domain/site.h"

#include <string.h>

#include "lib/err.h"
#include "store/db.h"

int site_load(struct db *db, json_t **out)
{
	struct db_stmt *st;
	json_t *obj = json_object();
	int rc;

	if (obj == NULL)
		return MC_ENOMEM;
	rc = db_prepare(db, "SELECT key, value FROM site_settings ORDER BY key", &st);
	if (rc != 0)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		size_t klen, vlen;
		const char *k = db_col_text(st, 0, &klen);
		const char *v = db_col_text(st, 1, &vlen);

		if (json_object_set_new(obj, k ? k : "", json_stringn(v ? v : "", vlen)) != 0) {
			db_reset(st);
			rc = MC_ENOMEM;
			goto out;
		}
	}
out:
	if (rc != DB_DONE) {
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return 0;
}

int site_set(struct db *db, const char *key, const char *value, const char *now)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(db, "UPDATE site_settings SET value = ?, updated_at = ? WHERE key = ?", &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, value)) != 0 || (rc = db_bind_cstr(st, 2, now)) != 0 ||
	    (rc = db_bind_cstr(st, 3, key)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	return db_changes(db) == 1 ? 0 : MC_ENOTFOUND;
}

int site_health(struct db *db)
{
	return db_ping(db) == 0 ? 0 : MC_EDB;
}
