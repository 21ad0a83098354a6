/* app.h: start-up shared by the motcua binary and the test harness. */
#ifndef MC_APP_H
#define MC_APP_H

#include <stddef.h>

#include <jansson.h>

#include "http/router.h"

struct account_env;
struct cfg;
struct clock;
struct db;
struct tpl_set;

/*
 * Create the data folder and its parts (files/, mail/, documents/), open the database and apply
 * pending migrations.  Errors are printed to stderr; returns 0, MC_EIO, MC_EDB or MC_EINVAL.
 */
int app_open_database(const struct cfg *c, struct db **db);

/*
 * What the domain needs to write mail: the site's settings in *site, the mail templates in
 * *templates (both the caller's to free, also on error), and in *env (zeroed first) 'clock',
 * the templates, the links' base URL, the portal name and the mail domain.  0, or 1 with the
 * reason on stderr.
 */
int app_mail_env(const struct cfg *c, struct db *db, const struct clock *clock,
                 struct account_env *env, struct tpl_set **templates, json_t **site);

/*
 * Load templates, static files and site settings, start the worker pool and serve 'routes'
 * until SIGTERM or SIGINT.  Returns the process exit status: 0 after a clean shutdown, 1 when
 * start-up failed (reason printed).
 */
int app_serve(const struct cfg *c, const struct route *routes, size_t nroutes);

#endif
