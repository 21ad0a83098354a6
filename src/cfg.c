/* cfg.c: settings from flags and the environment, validated in one typed table. */
#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain/dossier_lookup.h"
#include "lib/err.h"
#include "mail/smtp.h"
#include "limit.h"
#include "sweeper.h"

#ifndef MOTCUA_SHARE_DIR
#define MOTCUA_SHARE_DIR "."
#endif

enum cfg_type { CFG_LISTEN, CFG_PATH, CFG_DATABASE, CFG_URL, CFG_UNSIGNED, CFG_SECRET, CFG_SMTP,
	        CFG_EMAIL, CFG_OFFSET };

/* A whole number's range, and the words around it in the error ("must be a whole
 * number<unit> from <min> to <max><note>"). */
struct cfg_range {
	unsigned min, max;
	const char *unit, *note;
};

static const struct cfg_range threads_range = { 1, LIMIT_THREADS, "", "" };
static const struct cfg_range lookup_range = { 0, LOOKUP_LIMIT_MAX, "", " (0: no limit)" };
static const struct cfg_range interval_range = { 0, SWEEPER_INTERVAL_MAX, " of seconds",
                                                 " (0: no timer)" };

struct cfg_entry {
	const char *flag;
	const char *env;
	enum cfg_type type;
	size_t offset;
	size_t size;
	const char *default_text; /* for --help */
	const char *help;
	const struct cfg_range *range; /* CFG_UNSIGNED */
};

#define FIELD(f) offsetof(struct cfg, f), sizeof(((struct cfg *)0)->f)

static const struct cfg_entry entries[] = {
	{ "listen", "MOTCUA_LISTEN", CFG_LISTEN, FIELD(listen), "127.0.0.1:8080",
	  "address and port to serve HTTP on", NULL },
	{ "data", "MOTCUA_DATA", CFG_PATH, FIELD(data), "./var",
	  "data folder: database, uploaded files, mail, documents", NULL },
	{ "database", "MOTCUA_DATABASE", CFG_DATABASE, FIELD(database), "sqlite:<data>/motcua.db",
	  "database URL", NULL },
	{ "base-url", "MOTCUA_BASE_URL", CFG_URL, FIELD(base_url), "http://<listen>",
	  "public address of the portal, used in links sent by email", NULL },
	{ "threads", "MOTCUA_THREADS", CFG_UNSIGNED, offsetof(struct cfg, threads), sizeof(unsigned),
	  "number of cores", "event-loop threads (and worker threads)", &threads_range },
	{ "share", "MOTCUA_SHARE", CFG_PATH, FIELD(share), MOTCUA_SHARE_DIR,
	  "folder with templates/, static/ and migrations/", NULL },
	{ "vendor", "MOTCUA_VENDOR", CFG_PATH, FIELD(vendor), "/usr/share/javascript",
	  "folder with Debian's bootstrap5/ and chart.js/", NULL },
	{ "password", "MOTCUA_DEMO_PASSWORD", CFG_SECRET, FIELD(password), "(random)",
	  "demo: one password for every demo account", NULL },
	{ "smtp", "MOTCUA_SMTP_URL", CFG_SMTP, FIELD(smtp), "(none: mail goes to <data>/mail/new/)",
	  "SMTP server, smtp://user:password@host:port or smtps://...", NULL },
	{ "mail-from", "MOTCUA_MAIL_FROM", CFG_EMAIL, FIELD(mail_from),
	  "no-reply@<base-url host>, or no-reply@localhost when that host is an IP address",
	  "sender address of the portal's mail", NULL },
	{ "clock-offset", "MOTCUA_CLOCK_OFFSET", CFG_OFFSET, offsetof(struct cfg, clock_offset),
	  sizeof(long), "0", "seconds added to the clock (rehearsing expiry; tests)", NULL },
	{ "lookup-limit", "MOTCUA_LOOKUP_LIMIT", CFG_UNSIGNED,
	  offsetof(struct cfg, lookup_limit), sizeof(unsigned), "60",
	  "dossier lookups finding nothing, per account and hour, before its lookups wait an hour "
	  "(0: no limit)", &lookup_range },
	{ "sweep-interval", "MOTCUA_SWEEP_INTERVAL", CFG_UNSIGNED,
	  offsetof(struct cfg, sweep_interval), sizeof(unsigned), "60",
	  "seconds between serve's background sweeps (expiring unconfirmed dossiers, reminding "
	  "and deleting old drafts, flagging overdue dossiers; 0: none, run 'motcua sweep' "
	  "instead)", &interval_range },
};

#define NENTRIES (sizeof(entries) / sizeof(entries[0]))

static int bad(FILE *err, const struct cfg_entry *e, const char *why)
{
	fprintf(err, "motcua: bad value for --%s (%s): %s\n", e->flag, e->env, why);
	return MC_EINVAL;
}

static int has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int set_listen(struct cfg *c, const struct cfg_entry *e, const char *v, FILE *err)
{
	const char *colon;
	char *end;
	size_t hostlen;
	long port;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		if (close == NULL || close[1] != ':')
			return bad(err, e, "expected [address]:port");
		colon = close + 1;
		hostlen = (size_t)(close - v - 1);
		v++;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL || colon == v)
			return bad(err, e, "expected address:port, e.g. 127.0.0.1:8080");
		hostlen = (size_t)(colon - v);
		if (memchr(v, ':', hostlen) != NULL)
			return bad(err, e, "put an IPv6 address in brackets: [::1]:8080");
	}
	if (hostlen == 0 || hostlen >= sizeof(c->listen_host))
		return bad(err, e, "the address is empty or too long");
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || errno != 0 || *end != '\0' || port < 1 ||
	    port > 65535)
		return bad(err, e, "the port must be a number from 1 to 65535");
	memcpy(c->listen_host, v, hostlen);
	c->listen_host[hostlen] = '\0';
	for (size_t i = 0; i < hostlen; i++)
		if (!isalnum((unsigned char)c->listen_host[i]) && strchr(".-:", c->listen_host[i]) == NULL)
			return bad(err, e, "the address holds characters a host name cannot have");
	c->listen_port = (unsigned)port;
	return 0;
}

static int set_one(struct cfg *c, const struct cfg_entry *e, const char *v, FILE *err)
{
	char *dst = (char *)c + e->offset;

	if (has_ctl(v))
		return bad(err, e, "control characters are not allowed");
	switch (e->type) {
	case CFG_UNSIGNED: {
		char *end;
		unsigned long n;
		errno = 0;
		n = strtoul(v, &end, 10);
		if (!isdigit((unsigned char)v[0]) || errno != 0 || *end != '\0' || n < e->range->min ||
		    n > e->range->max) {
			fprintf(err, "motcua: bad value for --%s (%s): must be a whole number%s from %u "
			        "to %u%s\n", e->flag, e->env, e->range->unit, e->range->min,
			        e->range->max, e->range->note);
			return MC_EINVAL;
		}
		*(unsigned *)(void *)dst = (unsigned)n;
		return 0;
	}
	case CFG_DATABASE:
		if (strncmp(v, "sqlite:", 7) != 0 || v[7] == '\0')
			return bad(err, e, "expected sqlite:<path> (postgresql:// is not supported yet)");
		break;
	case CFG_URL:
		if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
			return bad(err, e, "must start with http:// or https://");
		if (strchr(v, ' ') != NULL || strchr(v, '?') != NULL || strchr(v, '#') != NULL)
			return bad(err, e, "must be a plain address without spaces, ? or #");
		{
			const char *host = v + (v[4] == 's' ? 8 : 7);
			if (*host == '\0' || *host == '/' || *host == ':')
				return bad(err, e, "the host is missing");
		}
		break;
	case CFG_PATH:
		if (v[0] == '\0')
			return bad(err, e, "must not be empty");
		break;
	case CFG_SMTP:
		if (v[0] != '\0' && smtp_url_check(v) != 0)
			return bad(err, e, "must be smtp://[user:password@]host[:port] or smtps://...");
		break;
	case CFG_EMAIL: {
		const char *at = strchr(v, '@');
		if (at == NULL || at == v || at[1] == '\0' || strpbrk(v, " <>,;\"") != NULL)
			return bad(err, e, "must be an e-mail address such as no-reply@example.vn");
		break;
	}
	case CFG_OFFSET: {
		char *end;
		long n;
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < -3153600000L || n > 3153600000L)
			return bad(err, e, "must be a whole number of seconds");
		*(long *)(void *)dst = n;
		return 0;
	}
	case CFG_LISTEN:
	case CFG_SECRET:
		break;
	}
	if (strlen(v) >= e->size)
		return bad(err, e, "too long");
	if (e->type == CFG_LISTEN && set_listen(c, e, v, err) != 0)
		return MC_EINVAL;
	memcpy(dst, v, strlen(v) + 1);
	if (e->type == CFG_URL) {
		size_t n = strlen(dst);
		while (n > 0 && dst[n - 1] == '/')
			dst[--n] = '\0';
	}
	return 0;
}

static const struct cfg_entry *find_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < NENTRIES; i++)
		if (strlen(entries[i].flag) == len && memcmp(entries[i].flag, name, len) == 0)
			return &entries[i];
	return NULL;
}

static int is_known_env(const char *name, size_t len)
{
	for (size_t i = 0; i < NENTRIES; i++)
		if (strlen(entries[i].env) == len && memcmp(entries[i].env, name, len) == 0)
			return 1;
	return 0;
}

int cfg_load(struct cfg *c, int argc, char **argv, const char **words, size_t max_words,
             size_t *nwords, int *help, FILE *err)
{
	extern char **environ;
	const char *given[NENTRIES] = { 0 };
	long ncpu;

	memset(c, 0, sizeof(*c));
	*nwords = 0;
	*help = 0;

	/* The environment first, refusing MOTCUA_* names we do not know: a typo must not be
	 * silently ignored. */
	for (char **env = environ; *env != NULL; env++) {
		const char *eq = strchr(*env, '=');
		if (strncmp(*env, "MOTCUA_", 7) != 0 || eq == NULL)
			continue;
		if (!is_known_env(*env, (size_t)(eq - *env))) {
			fprintf(err, "motcua: unknown setting %.*s in the environment\n", (int)(eq - *env),
			        *env);
			return MC_EINVAL;
		}
	}
	for (size_t i = 0; i < NENTRIES; i++)
		given[i] = getenv(entries[i].env);

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *name, *eq;
		const struct cfg_entry *e;
		size_t len;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = 1;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (*nwords >= max_words) {
				fprintf(err, "motcua: unexpected argument '%s'\n", a);
				return MC_EINVAL;
			}
			words[(*nwords)++] = a;
			continue;
		}
		if (a[1] != '-') {
			fprintf(err, "motcua: unknown setting %s (settings are --name value)\n", a);
			return MC_EINVAL;
		}
		name = a + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		e = find_flag(name, len);
		if (e == NULL) {
			fprintf(err, "motcua: unknown setting --%.*s\n", (int)len, name);
			return MC_EINVAL;
		}
		if (eq == NULL) {
			if (i + 1 >= argc) {
				fprintf(err, "motcua: setting --%s needs a value\n", e->flag);
				return MC_EINVAL;
			}
			given[e - entries] = argv[++i];
		} else {
			given[e - entries] = eq + 1;
		}
	}

	/* Defaults, some derived from other settings, then what was given. */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	c->threads = ncpu < 1 ? 1 : ncpu > (long)LIMIT_THREADS ? LIMIT_THREADS : (unsigned)ncpu;
	for (size_t i = 0; i < NENTRIES; i++) {
		const struct cfg_entry *e = &entries[i];
		const char *v = given[i];
		char derived[PATH_MAX + 64];

		if (v == NULL) {
			switch (e->type) {
			case CFG_UNSIGNED:
				/* A default that is no number (the number of cores) is set above. */
				if (!isdigit((unsigned char)e->default_text[0]))
					continue;
				v = e->default_text;
				break;
			case CFG_SECRET:
			case CFG_SMTP:
			case CFG_OFFSET:
				continue;
			case CFG_EMAIL: {
				/* no-reply@ the host of the base URL */
				const char *h = strstr(c->base_url, "://") + 3;
				size_t hl = strcspn(h, ":/");
				if (h[0] == '[' || hl == 0 || strspn(h, "0123456789.") == hl)
					snprintf(derived, sizeof(derived), "no-reply@localhost");
				else
					snprintf(derived, sizeof(derived), "no-reply@%.*s", (int)hl, h);
				v = derived;
				break;
			}
			case CFG_DATABASE:
				snprintf(derived, sizeof(derived), "sqlite:%s/motcua.db", c->data);
				v = derived;
				break;
			case CFG_URL:
				if (strchr(c->listen_host, ':') != NULL)
					snprintf(derived, sizeof(derived), "http://[%s]:%u", c->listen_host,
					         c->listen_port);
				else
					snprintf(derived, sizeof(derived), "http://%s", c->listen);
				v = derived;
				break;
			default:
				v = e->default_text;
			}
		}
		if (set_one(c, e, v, err) != 0)
			return MC_EINVAL;
	}
	return 0;
}

void cfg_usage(FILE *out)
{
	fprintf(out, "Settings (a flag wins over its environment variable):\n");
	for (size_t i = 0; i < NENTRIES; i++)
		fprintf(out, "  --%-10s %-22s %s (default: %s)\n", entries[i].flag, entries[i].env,
		        entries[i].help, entries[i].default_text);
}
