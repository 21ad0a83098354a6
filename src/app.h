/* app.h: start-up shared by the motcua binary and the test harness. */
#ifndef MC_APP_H
#define MC_APP_H

#include <stddef.h>

#include "http/router.h"

struct cfg;
struct db;

/*
 * Create the data folder and its parts (files/, mail/, documents/), open the database and apply
 * pending migrations.  Errors are printed to stderr; returns 0, MC_EIO, MC_EDB or MC_EINVAL.
 */
int app_open_database(const struct cfg *c, struct db **db);

/*
 * Load templates, static files and site settings, start the worker pool and serve 'routes'
 * until SIGTERM or SIGINT.  Returns the process exit status: 0 after a clean shutdown, 1 when
 * start-up failed (reason printed).
 */
int app_serve(const struct cfg *c, const struct route *routes, size_t nroutes);

#endif
