/* rows.c: building JSON views from database rows. */
#include "domain/rows.h"

#include "lib/err.h"
#include "store/db.h"

int rows_put(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return MC_ENOMEM;
	return json_object_set_new(o, key, v) == 0 ? 0 : MC_ENOMEM;
}

json_t *rows_text(struct db_stmt *st, int col)
{
	size_t len = 0;
	const char *s = db_col_text(st, col, &len);

	return json_stringn(s != NULL ? s : "", s != NULL ? len : 0);
}
