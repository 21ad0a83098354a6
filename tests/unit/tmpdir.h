/* tmpdir.h: a temporary folder per test case, and its removal with everything in it. */
#ifndef MC_TEST_TMPDIR_H
#define MC_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

static int tmpdir_remove_entry(const char *path, const struct stat *sb, int flag,
                               struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Make "/tmp/motcua-test-<name>-XXXXXX" into dir (cap bytes): 0, or -1. */
static inline int tmpdir_make(char *dir, size_t cap, const char *name)
{
	if ((size_t)snprintf(dir, cap, "/tmp/motcua-test-%s-XXXXXX", name) >= cap)
		return -1;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* Remove folder 'dir' and everything under it. */
static inline void tmpdir_remove(const char *dir)
{
	nftw(dir, tmpdir_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
