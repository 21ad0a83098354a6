/* site.h: the portal's public identity (name, agency, contact), shown on every page. */
#ifndef MC_SITE_H
#define MC_SITE_H

#include <jansson.h>

struct db;

/*
 * Read every site setting into a new JSON object (key -> text) in *out; the caller owns it.
 * MC_EDB on a database failure; MC_ENOMEM.
 */
int site_load(struct db *db, json_t **out);

/*
 * Set site setting 'key' to 'value' (valid UTF-8, NFC; the caller validates) at time 'now'
 * (ISO-8601 UTC text).  MC_ENOTFOUND: no such setting; MC_EDB.
 */
int site_set(struct db *db, const char *key, const char *value, const char *now);

/* Whether the database answers: 0 or MC_EDB. */
int site_health(struct db *db);

#endif
