/* demo.h: demonstration data for trying the portal out. */
#ifndef MC_DEMO_H
#define MC_DEMO_H

#include <stdio.h>

struct db;

/*
 * Load the demonstration data into a migrated database: the portal identity of a demonstration
 * province (and, as later modules arrive, agencies, procedures and accounts).  Idempotent.
 * Prints one line per demo account created to 'out' ("role, email, password"); 'password' is
 * the one password for all of them, or NULL/"" for a random one each.  MC_EDB on failure
 * (nothing is changed then).
 */
int demo_load(struct db *db, const char *password, const char *now, FILE *out);

#endif
