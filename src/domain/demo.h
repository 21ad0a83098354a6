/* demo.h: demonstration data for trying the portal out. */
#ifndef MC_DEMO_H
#define MC_DEMO_H

#include <stdio.h>

struct account_env;
struct db;

/*
 * Load the demonstration data into a migrated database: the portal identity of a demonstration
 * province, an activated demo citizen and an activated demo business.  Idempotent: what exists
 * is left alone.  Prints one line per demo account created to 'out' ("role, email, password");
 * 'password' is the one password for all of them, or NULL/"" for a random one each.  MC_EDB on
 * failure (nothing is changed then).
 */
int demo_load(const struct account_env *env, struct db *db, const char *password, FILE *out);

#endif
