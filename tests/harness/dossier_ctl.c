/* dossier_ctl.c: motcua-dossier-ctl, a test tool that acts on dossiers through the domain layer
 * as a staff member would, until the back office has pages for it (issue 6).  Used by the
 * integration tests (tests/integration/dossier_helpers.py):
 *
 *     motcua-dossier-ctl [settings] request-supplement DOSSIER_ID STAFF_EMAIL NOTE
 *
 * The settings are motcua's own (--database, --share, --base-url, --mail-from, --clock-offset
 * ... and their MOTCUA_* variables, read by cfg_load), so the tool sees the same database,
 * templates and links as the server it runs beside.  The mail it queues goes through the
 * database's outbox: the running server's mail sender delivers it at its next poll (it cannot
 * be woken from another process).
 *
 * Exit status: 0 done; 1 refused by the rules (the Vietnamese reason on stderr); 2 anything else
 * (bad arguments, unknown staff member or dossier, database or template failure).  As for motcua,
 * an argument starting with '-' is read as a setting, so a NOTE cannot start with one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cfg.h"
#include "domain/account.h"
#include "domain/actor.h"
#include "domain/dossier.h"
#include "domain/dossier_flow.h"
#include "domain/site.h"
#include "domain/validate.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/tpl.h"
#include "store/db.h"
#include "lib/utf8.h"
#include "store/db.h"

#define CTL_NAME "motcua-dossier-ctl"
#define CTL_WORDS_MAX 4         /* the command and its three operands */
#define CTL_ID_DIGITS_MAX 18    /* an id: at most 18 decimal digits, like the pages' */
#define CTL_PATH_SIZE (PATH_MAX + 32)

/* What the tool exits with. */
enum ctl_exit { CTL_DONE = 0, CTL_REFUSED = 1, CTL_FAILED = 2 };

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: " CTL_NAME " [settings] request-supplement DOSSIER_ID STAFF_EMAIL NOTE\n"
	        "\n"
	        "Ask for a supplement of pending dossier DOSSIER_ID as the staff member whose\n"
	        "account has STAFF_EMAIL, saying what is missing in NOTE; the owner is mailed.\n"
	        "Exit status: 0 done, 1 refused by the rules (reason on stderr), 2 other errors.\n"
	        "\n");
	cfg_usage(out);
}

/* 's' as a positive id: 1 to CTL_ID_DIGITS_MAX decimal digits, no sign, no leading zero.
 * 0 or MC_EINVAL. */
static int parse_id(const char *s, int64_t *out)
{
	size_t n = strlen(s);
	int64_t v = 0;

	if (n == 0 || n > CTL_ID_DIGITS_MAX || s[0] == '0')
		return MC_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return MC_EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * The actor of the active staff account with e-mail address 'email' (compared as accounts are:
 * lower-cased), as session_lookup builds it for a logged-in staff member: role, agency and
 * department from its staff row; an account of an inactive agency, or without a known role, has
 * no rights and is not found.  MC_ENOTFOUND; MC_EINVAL: not an e-mail address; MC_EDB.
 */
static int load_staff_actor(struct db *db, const char *email, struct actor *out)
{
	char key[VALIDATE_EMAIL_KEY_SIZE];
	const char *msg = NULL;
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (validate_email(email, key, sizeof key, &msg) != 0)
		return MC_EINVAL;
	rc = db_prepare(db,
	                "SELECT a.id, a.full_name, a.email, f.role, f.agency_id, f.department_id "
	                "FROM accounts a JOIN staff f ON f.account_id = a.id "
	                "JOIN agencies g ON g.id = f.agency_id "
	                "WHERE a.email_key = ? AND a.account_type = 'staff' "
	                "AND a.status = 'active' AND g.active = 1",
	                &st);
	if (rc != 0)
		return rc;
	if ((rc = db_bind_cstr(st, 1, key)) != 0)
		return rc;
	rc = db_step(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE)
		return MC_ENOTFOUND;
	out->role = ROLE_STAFF;
	out->account_id = db_col_int64(st, 0);
	snprintf(out->account_type, sizeof out->account_type, "staff");
	db_col_copy(st, 1, out->full_name, sizeof out->full_name);
	db_col_copy(st, 2, out->email, sizeof out->email);
	out->staff_role = staff_role_parse(db_col_text(st, 3, NULL));
	out->agency_id = db_col_int64(st, 4);
	out->department_id = db_col_int64(st, 5);
	db_reset(st);
	return out->staff_role == STAFF_NONE ? MC_ENOTFOUND : 0;
}

/*
 * request-supplement: everything the server would set up for the call (the database, the site's
 * portal name, the mail templates, the clock, the links' base URL), then
 * dossier_act ("request_supplement").  Returns the exit status.
 */
static int request_supplement(const struct cfg *c, const char *id_text, const char *email,
                              const char *note_raw)
{
	struct account_env env;
	struct actor staff;
	struct flow_input in = { 0 };
	struct flow_output out;
	struct field_errors errs;
	struct db *db = NULL;
	struct tpl_set *templates = NULL;
	struct clock clock = clock_offset((int64_t)c->clock_offset * 1000);
	h2o_mem_pool_t pool;
	json_t *site = NULL;
	const char *refusal = NULL, *at;
	char path[CTL_PATH_SIZE], err[512], *note = NULL;
	size_t note_len = 0;
	int64_t id = 0;
	int rc, status = CTL_FAILED;

	h2o_mem_init_pool(&pool);
	if (parse_id(id_text, &id) != 0) {
		fprintf(stderr, CTL_NAME ": not a dossier id: %s\n", id_text);
		goto out;
	}
	/* The pages take text in NFC; so does this. */
	if (utf8_to_nfc(&pool, note_raw, strlen(note_raw), &note, &note_len) != 0) {
		fprintf(stderr, CTL_NAME ": the note is not valid UTF-8 text\n");
		goto out;
	}
	at = strchr(c->mail_from, '@');
	if (at == NULL) {
		fprintf(stderr, CTL_NAME ": --mail-from has no domain: %s\n", c->mail_from);
		goto out;
	}
	if (db_open(c->database, &db, err, sizeof err) != 0) {
		fprintf(stderr, CTL_NAME ": cannot open the database: %s\n", err);
		goto out;
	}
	if ((rc = site_load(db, &site)) != 0) {
		fprintf(stderr, CTL_NAME ": cannot read the site settings: %s\n", mc_strerror(rc));
		goto out;
	}
	templates = tpl_set_new();
	snprintf(path, sizeof path, "%s/templates", c->share);
	err[0] = '\0';
	if (templates == NULL || tpl_set_load_dir(templates, path, err, sizeof err) != 0) {
		fprintf(stderr, CTL_NAME ": cannot load the templates from %s: %s\n", path, err);
		goto out;
	}
	rc = load_staff_actor(db, email, &staff);
	if (rc != 0) {
		fprintf(stderr, CTL_NAME ": no active staff account %s (%s)\n", email,
		        mc_strerror(rc));
		goto out;
	}
	/* As app_serve fills app.accounts, without a mail sender to wake: the server's sender
	 * finds the queued mail at its next poll. */
	memset(&env, 0, sizeof env);
	env.clock = &clock;
	env.templates = templates;
	env.base_url = c->base_url;
	env.portal_name = json_string_value(json_object_get(site, "portal_name"));
	if (env.portal_name == NULL)
		env.portal_name = "";
	env.mail_domain = at + 1;
	env.mail_queued = NULL;
	in.action = "request_supplement";
	in.note = note;
	rc = db_get_int64(db, "SELECT version FROM dossiers WHERE id = ?", id, &in.version);
	if (rc == 0)
		rc = dossier_act(&env, db, &staff, clock_now_ms(&clock), id, &in, &errs, &out,
		                 &refusal);
	if (rc == 0) {
		printf("Đã yêu cầu bổ sung hồ sơ số %s.\n", id_text);
		status = CTL_DONE;
	} else if (rc == MC_EINVAL && errs.count > 0) {
		fprintf(stderr, "%s\n", errs.items[0].message);
		status = CTL_REFUSED;
	} else if ((rc == MC_EFORBIDDEN || rc == MC_ECONFLICT) && refusal != NULL) {
		fprintf(stderr, "%s\n", refusal);
		status = CTL_REFUSED;
	} else if (rc == MC_ENOTFOUND) {
		fprintf(stderr, CTL_NAME ": no dossier %s in the agencies of %s\n", id_text, email);
	} else {
		fprintf(stderr, CTL_NAME ": request-supplement failed: %s\n", mc_strerror(rc));
	}
out:
	tpl_set_free(templates);
	json_decref(site);
	db_close(db);
	h2o_mem_clear_pool(&pool);
	return status;
}

int main(int argc, char **argv)
{
	const char *words[CTL_WORDS_MAX];
	size_t nwords = 0;
	struct cfg c;
	int help = 0;

	if (cfg_load(&c, argc - 1, argv + 1, words, CTL_WORDS_MAX, &nwords, &help, stderr) != 0)
		return CTL_FAILED;
	if (help) {
		usage(stdout);
		return CTL_DONE;
	}
	if (nwords == 4 && strcmp(words[0], "request-supplement") == 0)
		return request_supplement(&c, words[1], words[2], words[3]);
	usage(stderr);
	return CTL_FAILED;
}
