/* cfg.h: the one typed table of settings (command-line flags with MOTCUA_* equivalents). */
#ifndef MC_CFG_H
#define MC_CFG_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

struct cfg {
	char listen[256];      /* as given, e.g. "127.0.0.1:8080" or "[::1]:8080" */
	char listen_host[240]; /* host part without brackets */
	unsigned listen_port;
	char data[PATH_MAX];     /* data folder: database, files, mail, documents */
	char database[PATH_MAX + 16]; /* "sqlite:<path>" */
	char base_url[512];      /* without a trailing '/' */
	char share[PATH_MAX];    /* folder holding templates/, static/ and migrations/ */
	char vendor[PATH_MAX];   /* Debian's /usr/share/javascript */
	unsigned threads;
	char password[256];      /* demo: the one password for every demo account ("" = random) */
	char smtp[1024];         /* smtp:// or smtps:// URL; "" = write mail into <data>/mail/new/ */
	char mail_from[256];     /* sender address of every mail */
	long clock_offset;       /* seconds added to the system clock */
	unsigned lookup_limit;   /* dossier lookups finding nothing, per account and hour (0: off) */
	unsigned sweep_interval; /* seconds between the background sweeps of serve (0: none) */
};

/*
 * Fill 'c' from the defaults, then the MOTCUA_* environment, then the flags in argv[first..argc)
 * (flags win).  Both "--name value" and "--name=value" are accepted.  Arguments that are not
 * flags are collected, in order, into 'words' (at most max_words; the subcommand and its
 * operands).  On a bad or unknown setting, writes one line naming it to 'err' and returns
 * MC_EINVAL; the caller exits with code 2.  "--help" sets *help to 1.
 */
int cfg_load(struct cfg *c, int argc, char **argv, const char **words, size_t max_words,
             size_t *nwords, int *help, FILE *err);

/* Print the settings table (flag, environment variable, default, meaning) to 'out'. */
void cfg_usage(FILE *out);

#endif
