/* rows.h: building JSON views from database rows. */
#ifndef MC_ROWS_H
#define MC_ROWS_H

#include <jansson.h>

struct db_stmt;

/* Set o[key] = v, taking v.  MC_ENOMEM when v is NULL (a failed allocation) or the set fails. */
int rows_put(json_t *o, const char *key, json_t *v);

/* Text column 'col' of the current row as a new JSON string ("" for NULL), or NULL. */
json_t *rows_text(struct db_stmt *st, int col);

#endif
