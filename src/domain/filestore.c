/* filestore.c: dossier attachments, checked by content and stored durably once by SHA-256. */
#include "domain/filestore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <magic.h>
#include <openssl/evp.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "domain/procedure.h"
#include "lib/err.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Bytes hashed and written per step: small enough to stay in cache between the two. */
#define FILESTORE_CHUNK_BYTES (128u * 1024)
/* Longest folder name accepted by filestore_open, so every derived path fits PATH_MAX. */
#define FILESTORE_DIR_MAX (PATH_MAX - 128)
/* Longest media type libmagic reports that we keep (they are all far shorter). */
#define FILESTORE_MIME_MAX 128u
/* An extension longer than this is not one: a long name is then cut at its end. */
#define FILESTORE_EXT_CHARS_MAX 16u
/* Attempts at a fresh temporary name before giving up (a clash needs a stale file). */
#define FILESTORE_TMP_ATTEMPTS 64
/* "ab/cd/" and 64 hex digits and the NUL. */
#define FILESTORE_REL_CAP (6u + 64u + 1u)
/* "tmp/put-", a pid, '-', a counter and the NUL. */
#define FILESTORE_TMP_NAME_CAP 64u

struct filestore {
	char *dir;                  /* as given to filestore_open, for filestore_path */
	int dirfd;                  /* every file system call is relative to it */
	magic_t magic;              /* not thread-safe: only used under magic_lock */
	pthread_mutex_t magic_lock;
	int lock_ready;
	/* OpenSSL's SHA-256 uses the CPU's SHA extensions: 0.12 ms for 200 KB here against
	 * 0.76 ms for libsodium's portable code.  Fetched once, shared by threads (read-only). */
	EVP_MD *sha256;
};

/* The catalogue's kinds and the media type each is served with. */
static const struct kind_info {
	const char *kind;
	const char *media_type;
} kinds[] = {
	{ "pdf", "application/pdf" },
	{ "jpg", "image/jpeg" },
	{ "png", "image/png" },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
	{ "doc", "application/msword" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	{ "xls", "application/vnd.ms-excel" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "zip", "application/zip" },
	{ "xml", "application/xml" },
};

/* What libmagic's answer means for content that is not a zip, most specific kind first. */
static const struct mime_rule {
	const char *mime;
	const char *kinds[2];
} mime_rules[] = {
	{ "application/pdf", { "pdf", NULL } },
	{ "image/jpeg", { "jpg", NULL } },
	{ "image/png", { "png", NULL } },
	{ "image/apng", { "png", NULL } },  /* an animated PNG is a valid PNG */
	{ "application/msword", { "doc", NULL } },
	{ "application/vnd.ms-excel", { "xls", NULL } },
	/* An OLE compound file libmagic could not name (no summary information): Word and Excel
	 * 97-2003 files written by some tools look like this. */
	{ "application/x-ole-storage", { "doc", "xls" } },
	{ "application/CDFV2", { "doc", "xls" } },
	{ "text/xml", { "xml", NULL } },
	{ "application/xml", { "xml", NULL } },
};

static const char odt_mimetype[] = "application/vnd.oasis.opendocument.text";

/* ---- small helpers ---- */

/* Write all of p[0..len) to fd.  0, or -1 with errno set. */
static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the folder 'rel' under dirfd ("." for dirfd itself).  0, or -1 with errno set. */
static int fsync_dir_at(int dirfd, const char *rel)
{
	int fd, rc, saved;

	if (strcmp(rel, ".") == 0)
		return fsync(dirfd);
	fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* 1 when s is exactly 64 lower-case hex digits: the only names a caller can ask for. */
static int hex_ok(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* "ab/cd/<hex>" for a checked hash. */
static void rel_path(const char *hex, char rel[FILESTORE_REL_CAP])
{
	memcpy(rel, hex, 2);
	rel[2] = '/';
	memcpy(rel + 3, hex + 2, 2);
	rel[5] = '/';
	memcpy(rel + 6, hex, 65);
}

static uint32_t get_u16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- open and close ---- */

/*
 * Remove tmp/put-* files older than FILESTORE_TMP_STALE_SECONDS: a put takes far less, so
 * they were left by a crash (another process using the store may be writing younger ones).
 * Best effort: a file that cannot be removed only wastes space.
 */
static void tmp_sweep(int dirfd)
{
	time_t now = time(NULL);
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd;

	fd = openat(dirfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "put-", 4) != 0)
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (st.st_mtime < now - FILESTORE_TMP_STALE_SECONDS)
			unlinkat(fd, e->d_name, 0);
	}
	closedir(d);
}

/* Create folder 'path' (mode 0700) unless it exists; when created, fsync its parent so the new
 * entry survives a crash.  0 or -1 with errno set. */
static int make_store_dir(const char *path)
{
	char parent[PATH_MAX];
	char *slash;
	int fd, rc, saved;

	if (mkdir(path, 0700) != 0)
		return errno == EEXIST ? 0 : -1;
	snprintf(parent, sizeof(parent), "%s", path);
	/* Trailing slashes are not separators of a parent. */
	for (slash = parent + strlen(parent) - 1; slash > parent && *slash == '/'; slash--)
		*slash = '\0';
	slash = strrchr(parent, '/');
	if (slash == NULL)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int filestore_open(const char *dir, struct filestore **out, char *err, size_t errlen)
{
	struct filestore *fs = NULL;
	int rc;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (dir == NULL || dir[0] == '\0' || strlen(dir) > FILESTORE_DIR_MAX) {
		mc_errf(err, errlen, "file store: the folder name is empty or too long");
		return MC_EINVAL;
	}
	fs = calloc(1, sizeof(*fs));
	if (fs == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	fs->dirfd = -1;
	fs->dir = strdup(dir);
	if (fs->dir == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if (make_store_dir(dir) != 0) {
		mc_errf(err, errlen, "file store: cannot create %s: %s", dir, strerror(errno));
		rc = MC_EIO;
		goto out;
	}
	fs->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->dirfd < 0) {
		mc_errf(err, errlen, "file store: cannot open %s: %s", dir, strerror(errno));
		rc = MC_EIO;
		goto out;
	}
	/* tmp/ need not be durable: a missing one is created again here. */
	if (mkdirat(fs->dirfd, "tmp", 0700) != 0 && errno != EEXIST) {
		mc_errf(err, errlen, "file store: cannot create %s/tmp: %s", dir, strerror(errno));
		rc = MC_EIO;
		goto out;
	}
	tmp_sweep(fs->dirfd);
	fs->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
	if (fs->magic == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	if (magic_load(fs->magic, NULL) != 0) {
		mc_errf(err, errlen, "file store: cannot load the libmagic database: %s",
		        magic_error(fs->magic) ? magic_error(fs->magic) : "unknown error");
		rc = MC_EIO;
		goto out;
	}
	if (pthread_mutex_init(&fs->magic_lock, NULL) != 0) {
		rc = MC_ENOMEM;
		goto out;
	}
	fs->lock_ready = 1;
	fs->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (fs->sha256 == NULL) {
		mc_errf(err, errlen, "file store: SHA-256 is not available from OpenSSL");
		rc = MC_EIO;
		goto out;
	}
	*out = fs;
	fs = NULL;
	rc = 0;
out:
	if (rc == MC_ENOMEM)
		mc_errf(err, errlen, "file store: out of memory");
	filestore_close(fs);
	return rc;
}

void filestore_close(struct filestore *fs)
{
	if (fs == NULL)
		return;
	if (fs->magic != NULL)
		magic_close(fs->magic);
	if (fs->lock_ready)
		pthread_mutex_destroy(&fs->magic_lock);
	EVP_MD_free(fs->sha256);
	if (fs->dirfd >= 0)
		close(fs->dirfd);
	free(fs->dir);
	free(fs);
}

/* ---- kinds ---- */

enum zip_kind { ZIP_NOT, ZIP_PLAIN, ZIP_DOCX, ZIP_XLSX, ZIP_ODT };

/*
 * Look inside the zip archive p[0..len) through its central directory (the authoritative list
 * of entries, at the end).  libmagic only reads the first local headers, so it calls real
 * documents whose parts come in another order plain zips, and a zip cut short a document.
 * An ODF text has a stored "mimetype" entry holding odt_mimetype; an OOXML package has
 * [Content_Types].xml and its parts under word/ (docx) or xl/ (xlsx), and no vbaProject.bin
 * (macros: a .docm or .xlsm, which Word and Excel refuse to open as .docx or .xlsx).
 * ZIP_NOT: no valid end record and central directory.  A zip64 archive is not looked into
 * (no document of ours needs it): ZIP_PLAIN.
 */
static enum zip_kind zip_inspect(const unsigned char *p, size_t len)
{
	size_t eocd, lowest, pos, end;
	uint32_t count, cd_size, cd_off;
	int found = 0, content_types = 0, word = 0, xl = 0, odt = 0, macros = 0;

	if (len < 30 + 22 || memcmp(p, "PK\3\4", 4) != 0)
		return ZIP_NOT;
	/* The end record is 22 bytes followed by a comment of at most 65535. */
	lowest = len - 22 > 65535 ? len - 22 - 65535 : 0;
	for (eocd = len - 22 + 1; eocd-- > lowest;)
		if (memcmp(p + eocd, "PK\5\6", 4) == 0) {
			found = 1;
			break;
		}
	if (!found)
		return ZIP_NOT;
	count = get_u16(p + eocd + 10);
	cd_size = get_u32(p + eocd + 12);
	cd_off = get_u32(p + eocd + 16);
	if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_off == 0xFFFFFFFF)
		return ZIP_PLAIN;
	if ((size_t)cd_off > eocd || (size_t)cd_size > eocd - cd_off)
		return ZIP_NOT;
	pos = cd_off;
	end = (size_t)cd_off + cd_size;
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *e = p + pos, *name;
		size_t nlen;

		if (end - pos < 46 || memcmp(e, "PK\1\2", 4) != 0)
			return ZIP_NOT;
		nlen = get_u16(e + 28);
		if (end - pos - 46 < nlen + get_u16(e + 30) + get_u16(e + 32))
			return ZIP_NOT;
		name = e + 46;
		if (nlen >= 14 && memcmp(name + nlen - 14, "vbaProject.bin", 14) == 0)
			macros = 1;
		if (nlen == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
			content_types = 1;
		else if (nlen > 5 && memcmp(name, "word/", 5) == 0)
			word = 1;
		else if (nlen > 3 && memcmp(name, "xl/", 3) == 0)
			xl = 1;
		else if (nlen == 8 && memcmp(name, "mimetype", 8) == 0 && get_u16(e + 10) == 0 &&
		         get_u32(e + 20) == sizeof(odt_mimetype) - 1) {
			/* ODF stores it uncompressed, so its bytes follow the local header. */
			size_t lho = get_u32(e + 42), data;

			if (lho <= len - 30 && memcmp(p + lho, "PK\3\4", 4) == 0) {
				data = lho + 30 + get_u16(p + lho + 26) + get_u16(p + lho + 28);
				if (data <= len && len - data >= sizeof(odt_mimetype) - 1 &&
				    memcmp(p + data, odt_mimetype, sizeof(odt_mimetype) - 1) == 0)
					odt = 1;
			}
		}
		pos += 46 + nlen + get_u16(e + 30) + get_u16(e + 32);
	}
	if (odt)
		return ZIP_ODT;
	if (content_types && word && !xl && !macros)
		return ZIP_DOCX;
	if (content_types && xl && !word && !macros)
		return ZIP_XLSX;
	return ZIP_PLAIN;
}

/* libmagic calls XML without a declaration plain text: accept text whose first mark-up
 * (after a byte order mark and white space) opens a tag, a declaration or a comment. */
static int looks_like_xml(const unsigned char *p, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (len - i < 2 || p[i] != '<')
		return 0;
	i++;
	return p[i] == '?' || p[i] == '!' || p[i] == '_' || p[i] >= 0x80 ||
	       (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z');
}

/* The static name of kind 'k' ("pdf" ...) when it is in allowed[0..n), else NULL. */
static const char *pick(const char *k, const char *const *allowed, size_t n)
{
	for (size_t i = 0; k != NULL && i < n; i++)
		if (allowed[i] != NULL && strcmp(allowed[i], k) == 0)
			return k;
	return NULL;
}

int filestore_type_of(struct filestore *fs, const void *data, size_t len,
                      const char *const *allowed, size_t nallowed, const char **kind)
{
	const unsigned char *p = data;
	const char *cand[2] = { NULL, NULL }, *m;
	char mime[FILESTORE_MIME_MAX];
	int merr = 0;

	*kind = NULL;
	if (len == 0 || data == NULL)
		return MC_EINVAL;
	if (len >= 4 && memcmp(p, "PK\3\4", 4) == 0) {
		/* Zip-based: decided from the central directory, which libmagic does not read. */
		switch (zip_inspect(p, len)) {
		case ZIP_DOCX: cand[0] = "docx"; cand[1] = "zip"; break;
		case ZIP_XLSX: cand[0] = "xlsx"; cand[1] = "zip"; break;
		case ZIP_ODT: cand[0] = "odt"; cand[1] = "zip"; break;
		case ZIP_PLAIN: cand[0] = "zip"; break;
		case ZIP_NOT: break;
		}
	} else {
		pthread_mutex_lock(&fs->magic_lock);
		m = magic_buffer(fs->magic, data, len);
		if (m != NULL)
			snprintf(mime, sizeof(mime), "%s", m);
		else
			merr = magic_errno(fs->magic);
		pthread_mutex_unlock(&fs->magic_lock);
		if (m == NULL)
			return merr == ENOMEM ? MC_ENOMEM : MC_EINVAL;
		for (size_t i = 0; i < COUNT(mime_rules); i++)
			if (strcmp(mime, mime_rules[i].mime) == 0) {
				cand[0] = mime_rules[i].kinds[0];
				cand[1] = mime_rules[i].kinds[1];
				break;
			}
		if (cand[0] == NULL && strcmp(mime, "text/plain") == 0 && looks_like_xml(p, len))
			cand[0] = "xml";
	}
	for (size_t i = 0; i < COUNT(cand) && *kind == NULL; i++)
		*kind = pick(cand[i], allowed, nallowed);
	return *kind != NULL ? 0 : MC_EINVAL;
}

const char *filestore_media_type(const char *kind)
{
	for (size_t i = 0; kind != NULL && i < COUNT(kinds); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return kinds[i].media_type;
	return NULL;
}

/* ---- the store's lock ---- */

/*
 * Take the store's lock, 'how' being LOCK_SH (a put refreshing or renaming) or LOCK_EX (a
 * remove), on a descriptor of its own: flock(2) locks belong to an open file description, so
 * a fresh one per call also orders the threads of one process.  The descriptor to give to
 * store_unlock, or -1 with errno set.
 */
static int store_lock(const struct filestore *fs, int how)
{
	int fd, saved;

	fd = openat(fs->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (flock(fd, how) != 0) {
		if (errno == EINTR)
			continue;
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Release what store_lock took (closing the descriptor drops the lock); errno is kept. */
static void store_unlock(int fd)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	errno = saved;
}

/* ---- storing ---- */

/*
 * Create a fresh temporary file tmp/put-<pid>-<n> under the store, mode 0600.  Its name goes
 * to name.  The fd, or -1 with errno set.
 */
static int tmp_create(const struct filestore *fs, char name[FILESTORE_TMP_NAME_CAP])
{
	static atomic_ulong counter;
	int fd = -1;

	for (int i = 0; i < FILESTORE_TMP_ATTEMPTS && fd < 0; i++) {
		snprintf(name, FILESTORE_TMP_NAME_CAP, "tmp/put-%ld-%lu", (long)getpid(),
		         atomic_fetch_add(&counter, 1));
		fd = openat(fs->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		/* tmp/ removed by hand while the server runs: make it again. */
		if (fd < 0 && errno == ENOENT && i == 0 && mkdirat(fs->dirfd, "tmp", 0700) == 0)
			continue;
		/* A stale file of an earlier process with the same pid: try the next number. */
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		name[0] = '\0';
	return fd;
}

/*
 * Create fan-out folder 'rel' unless it exists; when created, fsync 'parent' so the new entry
 * is durable.  0 or -1 with errno set.  When another put created it a moment ago and has not
 * fsync'ed the parent yet, the fsync of the folder after our rename still makes that mkdir
 * durable on a journalling file system (ext4, XFS), whose metadata changes commit in order.
 */
static int fanout_dir(const struct filestore *fs, const char *rel, const char *parent)
{
	if (mkdirat(fs->dirfd, rel, 0700) != 0)
		return errno == EEXIST ? 0 : -1;
	return fsync_dir_at(fs->dirfd, parent);
}

/* An existing complete file 'rel' (in folder 'folder'): make sure it and its entry are on disk,
 * in case another put renamed it there a moment ago and has not fsync'ed yet.  0 or -1. */
static int sync_existing(const struct filestore *fs, const char *rel, const char *folder)
{
	int fd, rc, saved;

	fd = openat(fs->dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc == 0 ? fsync_dir_at(fs->dirfd, folder) : -1;
}

int filestore_put(struct filestore *fs, const void *data, size_t len,
                  char sha256_hex[FILESTORE_SHA256_HEX])
{
	static const char hexdigits[] = "0123456789abcdef";
	const unsigned char *p = data;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char tmp[FILESTORE_TMP_NAME_CAP] = "", rel[FILESTORE_REL_CAP], folder[6], top[3];
	EVP_MD_CTX *ctx = NULL;
	struct stat st;
	int fd = -1, lockfd = -1, rc, saved_errno = 0;

	sha256_hex[0] = '\0';
	if (len == 0 || data == NULL)
		return MC_EINVAL;
	if ((unsigned long long)len > (unsigned long long)PROCEDURE_DOCUMENT_SIZE_MAX)
		return MC_ETOOBIG;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || !EVP_DigestInit_ex(ctx, fs->sha256, NULL)) {
		rc = MC_ENOMEM;
		goto out;
	}
	fd = tmp_create(fs, tmp);
	if (fd < 0) {
		rc = MC_EIO;
		goto out;
	}
	/* One pass: each chunk is hashed and written while it is in cache. */
	for (size_t off = 0; off < len;) {
		size_t n = len - off < FILESTORE_CHUNK_BYTES ? len - off : FILESTORE_CHUNK_BYTES;

		if (!EVP_DigestUpdate(ctx, p + off, n)) {
			rc = MC_ENOMEM;
			goto out;
		}
		if (write_all(fd, p + off, n) != 0) {
			rc = MC_EIO;
			goto out;
		}
		off += n;
	}
	if (!EVP_DigestFinal_ex(ctx, digest, &dlen) || dlen != 32) {
		rc = MC_ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < 32; i++) {
		sha256_hex[2 * i] = hexdigits[digest[i] >> 4];
		sha256_hex[2 * i + 1] = hexdigits[digest[i] & 15];
	}
	sha256_hex[64] = '\0';
	rel_path(sha256_hex, rel);
	memcpy(top, rel, 2);
	top[2] = '\0';
	memcpy(folder, rel, 5);
	folder[5] = '\0';

	/* Stored already: nothing to write, but the file is young again, so a remove that found
	 * the content unused a moment ago leaves it to the row this put is for.  A file of another
	 * size is damaged: replace it. */
	if ((lockfd = store_lock(fs, LOCK_SH)) < 0) {
		rc = MC_EIO;
		goto out;
	}
	if (fstatat(fs->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size == (unsigned long long)len) {
		rc = utimensat(fs->dirfd, rel, NULL, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : MC_EIO;
		store_unlock(lockfd);
		lockfd = -1;
		if (rc == 0)
			rc = sync_existing(fs, rel, folder) == 0 ? 0 : MC_EIO;
		goto out;
	}
	/* Not under the lock: a remove must not wait for a disk flush. */
	store_unlock(lockfd);
	lockfd = -1;
	if (fsync(fd) != 0) {
		rc = MC_EIO;
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0) {
		rc = MC_EIO;
		goto out;
	}
	/* Under the lock again, so a remove that judged a damaged file old cannot unlink ours. */
	if ((lockfd = store_lock(fs, LOCK_SH)) < 0) {
		rc = MC_EIO;
		goto out;
	}
	/* The fan-out folders exist but for the first file of each: try the rename first. */
	if (renameat(fs->dirfd, tmp, fs->dirfd, rel) != 0) {
		if (errno != ENOENT || fanout_dir(fs, top, ".") != 0 ||
		    fanout_dir(fs, folder, top) != 0 || renameat(fs->dirfd, tmp, fs->dirfd, rel) != 0) {
			rc = MC_EIO;
			goto out;
		}
	}
	store_unlock(lockfd);
	lockfd = -1;
	tmp[0] = '\0';
	/* The file is complete under its name; this makes the name itself durable. */
	rc = fsync_dir_at(fs->dirfd, folder) == 0 ? 0 : MC_EIO;
out:
	if (rc != 0)
		saved_errno = errno;
	store_unlock(lockfd);
	if (fd >= 0)
		close(fd);
	if (tmp[0] != '\0')
		unlinkat(fs->dirfd, tmp, 0);
	EVP_MD_CTX_free(ctx);
	if (rc != 0) {
		sha256_hex[0] = '\0';
		errno = saved_errno;
	}
	return rc;
}

/* ---- removing ---- */

int filestore_remove(struct filestore *fs, const char *sha256_hex, long min_age_seconds,
                     int *removed)
{
	char rel[FILESTORE_REL_CAP];
	struct stat st;
	time_t now;
	int lockfd = -1, rc;

	if (removed != NULL)
		*removed = 0;
	if (!hex_ok(sha256_hex) || min_age_seconds < 0)
		return MC_EINVAL;
	rel_path(sha256_hex, rel);
	lockfd = store_lock(fs, LOCK_EX);
	if (lockfd < 0)
		return MC_EIO;
	if (fstatat(fs->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		rc = errno == ENOENT || errno == ENOTDIR ? 0 : MC_EIO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EISDIR;
		rc = MC_EIO;
		goto out;
	}
	/* Read after the lock is held: a put that refreshed the file before us counts. */
	now = time(NULL);
	if (st.st_mtime > now - (time_t)min_age_seconds) {
		rc = 0;
		goto out;
	}
	if (unlinkat(fs->dirfd, rel, 0) != 0) {
		rc = errno == ENOENT ? 0 : MC_EIO;
		goto out;
	}
	if (removed != NULL)
		*removed = 1;
	rc = 0;
out:
	store_unlock(lockfd);
	return rc;
}

/* ---- walking the store ---- */

/* Whether 'name' is 'len' lower-case hex digits and nothing more. */
static int hex_name(const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return name[len] == '\0';
}

/* The entries of folder 'rel' under 'dirfd' (opened for reading), or NULL. */
static DIR *open_folder(int dirfd, const char *rel)
{
	int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d;

	if (fd < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		close(fd);
	return d;
}

/* The contents in folder "ab/cd" (rel), as filestore_each. */
static int each_in(int store_fd, const char *rel, time_t before,
                   int (*fn)(void *arg, const char *hex), void *arg)
{
	DIR *d = open_folder(store_fd, rel);
	struct dirent *e;
	struct stat st;
	int rc = 0;

	if (d == NULL)
		return 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		/* Only "ab/cd/abcd…": a name of the right shape in the right folder. */
		if (!hex_name(e->d_name, 64) || memcmp(e->d_name, rel, 2) != 0 ||
		    memcmp(e->d_name + 2, rel + 3, 2) != 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || st.st_mtime > before)
			continue;
		rc = fn(arg, e->d_name);
	}
	closedir(d);
	return rc;
}

int filestore_each(struct filestore *fs, long min_age_seconds,
                   int (*fn)(void *arg, const char *hex), void *arg)
{
	time_t before = time(NULL) - (time_t)min_age_seconds;
	struct dirent *top, *sub;
	char rel[6];
	DIR *d, *inner;
	int rc = 0;

	if (min_age_seconds < 0)
		return MC_EINVAL;
	if ((d = open_folder(fs->dirfd, ".")) == NULL)
		return MC_EIO;
	while (rc == 0 && (top = readdir(d)) != NULL) {
		if (!hex_name(top->d_name, 2) || (inner = open_folder(fs->dirfd, top->d_name)) == NULL)
			continue;
		while (rc == 0 && (sub = readdir(inner)) != NULL) {
			if (!hex_name(sub->d_name, 2))
				continue;
			memcpy(rel, top->d_name, 2);
			rel[2] = '/';
			memcpy(rel + 3, sub->d_name, 3); /* two digits and the NUL */
			rc = each_in(fs->dirfd, rel, before, fn, arg);
		}
		closedir(inner);
	}
	closedir(d);
	return rc;
}

/* ---- reading ---- */

int filestore_path(const struct filestore *fs, const char *sha256_hex, char *out, size_t cap)
{
	char rel[FILESTORE_REL_CAP];
	struct stat st;
	int n;

	if (cap > 0)
		out[0] = '\0';
	if (!hex_ok(sha256_hex))
		return MC_EINVAL;
	rel_path(sha256_hex, rel);
	if (fstatat(fs->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT || errno == ENOTDIR ? MC_ENOTFOUND : MC_EIO;
	if (!S_ISREG(st.st_mode))
		return MC_EIO;
	n = snprintf(out, cap, "%s/%s", fs->dir, rel);
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			out[0] = '\0';
		return MC_ETOOBIG;
	}
	return 0;
}

int filestore_open_read(const struct filestore *fs, const char *sha256_hex, int *fd,
                        size_t *size)
{
	char rel[FILESTORE_REL_CAP];
	struct stat st;
	int f, rc;

	*fd = -1;
	*size = 0;
	if (!hex_ok(sha256_hex))
		return MC_EINVAL;
	rel_path(sha256_hex, rel);
	f = openat(fs->dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f < 0)
		return errno == ENOENT || errno == ENOTDIR ? MC_ENOTFOUND : MC_EIO;
	if (fstat(f, &st) != 0) {
		rc = MC_EIO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EISDIR;
		rc = MC_EIO;
		goto out;
	}
	*fd = f;
	*size = (size_t)st.st_size;
	f = -1;
	rc = 0;
out:
	if (f >= 0) {
		int saved = errno;

		close(f);
		errno = saved;
	}
	return rc;
}

/* ---- display names ---- */

/* 1 when code point c may not stay in a display name. */
static int display_char_unsafe(ucs4_t c)
{
	if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
		return 1;
	if (c < 0x80)
		return strchr("\"*:<>?|/\\", (int)c) != NULL;
	/* Bidi overrides and zero-width characters make a name read differently from what it is
	 * ("gpj.exe" shown as "exe.jpg"); separators break lines. */
	return uc_is_general_category(c, UC_CATEGORY_Cf) ||
	       uc_is_general_category(c, UC_CATEGORY_Zl) ||
	       uc_is_general_category(c, UC_CATEGORY_Zp);
}

/* The byte offset of the character after the first 'chars' characters of s[0..len). */
static size_t char_offset(const uint8_t *s, size_t len, size_t chars)
{
	size_t off = 0;

	while (chars > 0 && off < len) {
		off += (size_t)u8_mblen(s + off, len - off);
		chars--;
	}
	return off;
}

int filestore_display_name(const char *uploaded, char *out, size_t cap)
{
	const char *base = uploaded != NULL ? uploaded : "";
	uint8_t *clean = NULL, *norm = NULL, *res = NULL;
	const uint8_t *src;
	size_t blen, clen = 0, nlen = 0, rlen = 0, start, end, chars;
	int rc;

	if (cap > 0)
		out[0] = '\0';
	if (cap < FILESTORE_DISPLAY_NAME_CAP)
		return MC_EINVAL;
	/* Some browsers send the whole path. */
	for (const char *s = base; *s != '\0'; s++)
		if (*s == '/' || *s == '\\')
			base = s + 1;
	blen = strlen(base);

	/* Invalid UTF-8 (a name in a legacy code page) becomes '_' byte by byte. */
	clean = malloc(blen + 1);
	if (clean == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < blen;) {
		ucs4_t c;
		int n = u8_mbtoucr(&c, (const uint8_t *)base + i, blen - i);

		if (n <= 0) {
			clean[clen++] = '_';
			i++;
		} else {
			memcpy(clean + clen, base + i, (size_t)n);
			clen += (size_t)n;
			i += (size_t)n;
		}
	}
	src = clean;
	nlen = clen;
	if (clen > 0) {
		norm = u8_normalize(UNINORM_NFC, clean, clen, NULL, &nlen);
		if (norm == NULL) {
			rc = MC_ENOMEM;
			goto out;
		}
		src = norm;
	}

	/* Characters are checked after NFC, which can turn one into another.  Replacing one by '_'
	 * keeps the text NFC: '_' composes with nothing. */
	res = malloc(nlen + 1);
	if (res == NULL) {
		rc = MC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nlen;) {
		ucs4_t c;
		int n = u8_mbtouc(&c, src + i, nlen - i);

		if (display_char_unsafe(c)) {
			res[rlen++] = '_';
		} else {
			memcpy(res + rlen, src + i, (size_t)n);
			rlen += (size_t)n;
		}
		i += (size_t)n;
	}

	/* No hidden files, no "." or "..", no names Windows cannot save. */
	start = 0;
	while (start < rlen && (res[start] == '.' || res[start] == ' '))
		start++;
	end = rlen;
	while (end > start && (res[end - 1] == '.' || res[end - 1] == ' '))
		end--;
	chars = u8_mbsnlen(res + start, end - start);
	if (chars > FILESTORE_DISPLAY_NAME_CHARS) {
		const uint8_t *dot = NULL;
		size_t ext_chars = 0;

		for (size_t i = end; i > start; i--)
			if (res[i - 1] == '.') {
				dot = res + i - 1;
				break;
			}
		if (dot != NULL && dot > res + start)
			ext_chars = u8_mbsnlen(dot + 1, (size_t)(res + end - (dot + 1)));
		if (ext_chars >= 1 && ext_chars <= FILESTORE_EXT_CHARS_MAX) {
			size_t stem = char_offset(res + start, (size_t)(dot - (res + start)),
			                          FILESTORE_DISPLAY_NAME_CHARS - 1 - ext_chars);
			size_t ext_len = (size_t)(res + end - dot);

			memmove(res + start + stem, dot, ext_len);
			end = start + stem + ext_len;
		} else {
			end = start + char_offset(res + start, end - start, FILESTORE_DISPLAY_NAME_CHARS);
		}
	}
	if (end == start)
		snprintf(out, cap, "%s", FILESTORE_DISPLAY_NAME_FALLBACK);
	else {
		memcpy(out, res + start, end - start);
		out[end - start] = '\0';
	}
	rc = 0;
out:
	free(clean);
	free(norm);
	free(res);
	return rc;
}
