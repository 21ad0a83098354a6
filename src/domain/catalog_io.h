/* catalog_io.h: the procedure catalogue as one file (docs/catalog-format.md), out and in. */
#ifndef MC_CATALOG_IO_H
#define MC_CATALOG_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "domain/actor.h"

struct db;

/* The largest catalogue file import reads (kept here, not in limit.h, which belongs to the
 * HTTP side: the command line reads files, the admin upload is bounded by LIMIT_BODY_BYTES). */
#define CATALOG_FILE_MAX (64u * 1024 * 1024)

/* The "format" and "version" members of a catalogue file. */
#define CATALOG_FORMAT  "motcua-catalog"
#define CATALOG_VERSION 1

/*
 * Write every procedure to 'out' in the canonical catalogue form: procedures sorted by code,
 * members in the format's order, two-space indentation, UTF-8 without escapes, template
 * contents included, a final newline.  Export, import, export gives the same bytes.  Reads in
 * one transaction, so the file is one consistent state (call it outside any transaction).
 * MC_EIO: writing to 'out' failed; MC_EUNAVAIL: the database stayed locked; MC_EDB; MC_ENOMEM.
 * The whole catalogue is built in memory before it is written.
 */
int catalog_export(struct db *db, FILE *out);

/*
 * Import the catalogue json_text[0..len) on behalf of 'actor' (a system administrator, or the
 * command line's system actor: role ROLE_STAFF with STAFF_SYSTEM_ADMIN and account_id 0) at
 * 'now_ms'.
 *
 * The whole file is checked first (size, JSON, format, version, unique codes, every procedure
 * with procedure_check_json after NFC normalisation, one media type per template content); the
 * first problem goes to err as "procedures[3] (1.000894).documents[0].max_size: ..." and nothing
 * changes.  Then, in one transaction (call it outside any transaction), every procedure whose
 * code is new is created and every procedure that differs from the stored one is replaced with
 * procedure_store; procedures equal to the stored ones and procedures absent from the file are
 * left alone; one audit record ("import", "catalog") lists the codes created and replaced.
 *
 * 'report' (may be NULL) receives, after success, one line per procedure in file order,
 * "new", "changed" or "unchanged", a tab, the code, a tab and the name, then one Vietnamese
 * summary line.  With dry_run the same report is written and nothing is stored or audited.
 *
 * MC_EFORBIDDEN: actor may not import; MC_ETOOBIG: len > CATALOG_FILE_MAX; MC_EINVAL: the file
 * breaks a rule; MC_ECONFLICT: the database refused a change (a removed document still in use);
 * MC_EUNAVAIL: the database stayed locked; MC_EDB; MC_ENOMEM; MC_EIO: writing the report failed
 * (the import itself is committed then).  On every failure err holds one Vietnamese line.
 */
int catalog_import(struct db *db, const struct actor *actor, int64_t now_ms, const char *json_text,
                   size_t len, int dry_run, FILE *report, char *err, size_t errlen);

#endif
