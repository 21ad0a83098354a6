/* demo.h: demonstration data for trying the portal out. */
#ifndef MC_DEMO_H
#define MC_DEMO_H

#include <stdint.h>
#include <stdio.h>

struct account_env;
struct db;

/* The catalogue demo_load_catalog imports, relative to the share folder. */
#define DEMO_CATALOG_PATH "data/demo-catalog.json"

/*
 * Load the demonstration data of the demo province (Thanh Hóa) into a migrated database, in
 * one transaction:
 *   - the portal identity (site settings) and an activated demo citizen and demo business;
 *   - agencies: the provincial People's Committee, its public administration centre (a desk),
 *     the Departments of Construction and of Justice and the provincial Police (competent
 *     agencies), and two communes (a ward and a rural commune), each with its centre as a desk
 *     below it; their departments (phòng);
 *   - active staff accounts: an intake officer per desk, a specialist per department, a leader
 *     per agency plus one department leader, an agency administrator per commune and for the
 *     province centre, and one system administrator;
 *   - the public holidays and days off of 2026 and 2027.
 * Idempotent: what exists is left alone (accounts by e-mail, agencies by code, departments by
 * agency and name, holidays by day), so running it again creates nothing.  Prints one line
 * "role, email, password" to 'out' per account created (role: citizen, business, intake,
 * specialist, leader, agency_admin, system_admin); 'password' is the one password for all of
 * them, or NULL/"" for a random one each.  Hashing the passwords is slow by design (argon2id).
 * MC_EDB (nothing is changed then); MC_ENOMEM when a password cannot be hashed.
 */
int demo_load(const struct account_env *env, struct db *db, const char *password, FILE *out);

/*
 * Load the demonstration catalogue and where it is offered; call after demo_load, outside any
 * transaction.  When the procedures table is empty, imports 'share_dir'/DEMO_CATALOG_PATH with
 * catalog_import (its own transaction, recorded in the audit log as done by the system); a
 * catalogue already there is never touched.  Then, in one transaction, offers every procedure
 * of the demo catalogue that exists: commune procedures at both communes' centres for their
 * People's Committees, the criminal-record certificate at the province centre for the
 * provincial Police, each with its department and workflow, online when the procedure's mode is
 * "partial" or "full".  Existing offerings are left alone.  Problems are described on 'err' (one
 * line; may be NULL).  MC_EIO: the catalogue file cannot be read; MC_EINVAL: the file breaks
 * the catalogue format; MC_ENOTFOUND: a demo agency or department is missing (demo_load has not
 * run); MC_EUNAVAIL; MC_EDB; MC_ENOMEM.
 */
int demo_load_catalog(const struct account_env *env, struct db *db, const char *share_dir,
                      FILE *err);

/*
 * Create 'n' demonstration dossiers, the same ones for the same 'n' (a fixed random sequence),
 * spread over the active offerings, both channels (online ones belong to the demo citizen;
 * walk-in ones carry a made-up applicant), submitted during the year before 'now_ms' in office
 * hours, and taken through the real workflow (dossier_act) at past times by the demo staff:
 * each stops at a status drawn from a realistic mix (a third returned, the rest at every step,
 * a few refused or withdrawn), or earlier when its next step would fall after 'now_ms'.  Their
 * receipt numbers, due dates, timelines and audit records are what the portal would have made;
 * the mails they queued are taken out of the outbox again.  When the database holds any
 * dossier already, nothing is added (so running the demo again is harmless).  Call after
 * demo_load and demo_load_catalog, outside any transaction; 'env' needs the mail templates.
 * Prints one line to 'out' (may be NULL).  MC_ENOTFOUND: no offering; MC_EDB; MC_ENOMEM.
 */
int demo_dossiers(const struct account_env *env, struct db *db, int n, int64_t now_ms,
                  FILE *out);

#endif
