/* dbtest.h: helpers the unit tests on a database share: reading a whole file, one number or one
 * text out of a query.  Include after <cmocka.h>. */
#ifndef MC_TEST_DBTEST_H
#define MC_TEST_DBTEST_H

#include <stdio.h>
#include <stdlib.h>

#include "store/db.h"

/* The whole of file 'path' (NUL-terminated, the caller frees it); its length in *len. */
static inline char *dbtest_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	text = malloc((size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return text;
}

/* Column 0 of the first row of 'sql' with 'arg' bound as its one parameter. */
static inline int64_t dbtest_int(struct db *db, const char *sql, int64_t arg)
{
	struct db_stmt *st;
	int64_t v;

	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_bind_int64(st, 1, arg), 0);
	assert_int_equal(db_step(st), DB_ROW);
	v = db_col_int64(st, 0);
	db_reset(st);
	return v;
}

/* Column 0 of the first row of 'sql' with 'arg' bound, as text into out (cap bytes): "(null)"
 * for NULL.  Returns out. */
static inline const char *dbtest_text(struct db *db, const char *sql, int64_t arg, char *out,
                                      size_t cap)
{
	struct db_stmt *st;

	assert_int_equal(db_prepare(db, sql, &st), 0);
	assert_int_equal(db_bind_int64(st, 1, arg), 0);
	assert_int_equal(db_step(st), DB_ROW);
	if (db_col_is_null(st, 0))
		snprintf(out, cap, "(null)");
	else
		db_col_copy(st, 0, out, cap);
	db_reset(st);
	return out;
}

#endif
