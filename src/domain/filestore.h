/* filestore.h: dossier attachments, checked by content and stored durably once by SHA-256. */
#ifndef MC_FILESTORE_H
#define MC_FILESTORE_H

#include <stddef.h>

/*
 * Layout under the store's folder (normally <data>/files):
 *
 *     ab/cd/abcd...<64 lower-case hex>   one file per distinct content, mode 0600
 *     tmp/put-<pid>-<n>                  files being written; never read as stored files
 *
 * Files are named by the SHA-256 of their content, never by the uploaded name, so a name cannot
 * reach the file system and the same content is stored once.  Nothing is ever rewritten in
 * place: a file appears under its final name only complete and fsync'ed (rename from tmp/), so
 * a crash leaves at worst a stray temporary file.
 *
 * Deleting is safe against uploads in flight.  The database, not the store, knows which content
 * is still used, and an upload stores its bytes (filestore_put) before it commits the row that
 * uses them.  So a stored file's modification time says when it was last put: a put of content
 * already there refreshes it.  filestore_remove deletes only a file older than a grace period,
 * and it checks the age and unlinks under an exclusive flock(2) of the store's folder, which
 * filestore_put holds shared while it refreshes or renames; a put can therefore never return
 * success for a file that a remove is about to unlink.  The lock is taken on a descriptor of
 * its own for each call, so it also orders the threads of one process.
 */
struct filestore;

#define FILESTORE_SHA256_HEX 65u        /* 64 lower-case hex digits and the NUL */
#define FILESTORE_DISPLAY_NAME_CHARS 200u /* characters (code points) of a display name */
/* Bytes a display name may need: 4 per character at most in UTF-8, and the NUL. */
#define FILESTORE_DISPLAY_NAME_CAP (FILESTORE_DISPLAY_NAME_CHARS * 4u + 1u)
#define FILESTORE_DISPLAY_NAME_FALLBACK "tep-dinh-kem"
/* Temporary files older than this are left over from a crash and removed by filestore_open.
 * No upload takes this long between its put and its commit, so it is also the grace period a
 * caller of filestore_remove should give content it has just found unused. */
#define FILESTORE_TMP_STALE_SECONDS 3600

/*
 * Open the store in folder 'dir' (created with mode 0700 when missing; its parent must exist),
 * with its tmp/ folder, a libmagic cookie (MAGIC_MIME_TYPE | MAGIC_ERROR, default database)
 * and a SHA-256 implementation.  Removes temporary files older than
 * FILESTORE_TMP_STALE_SECONDS (left by a crash in the middle of a put).  On success *out owns
 * the store: release it with filestore_close.  MC_EIO: the folder cannot be created or opened,
 * or the libmagic database cannot be loaded; MC_ENOMEM; MC_EINVAL: 'dir' is empty or too long.
 * On failure *out is NULL and 'err' (errlen bytes; may be NULL) says why, in English, for logs.
 *
 * Threads: every function may be called from any number of threads at once on one store.
 * libmagic's cookie is not thread-safe, so the store holds one cookie behind a mutex rather
 * than one per thread: loading the database costs milliseconds and megabytes per cookie, while
 * one lookup costs about 15-200 microseconds (about 1 ms for text), so 400 uploads a second
 * keep the lock busy a few percent of the time.  Only the libmagic call is under the lock, and
 * zip-based content (the slowest for libmagic) does not need it.
 */
int filestore_open(const char *dir, struct filestore **out, char *err, size_t errlen);

/* Release 'fs' and everything it holds.  NULL is allowed.  Must not race with other calls. */
void filestore_close(struct filestore *fs);

/*
 * Decide which of the kinds in allowed[0..nallowed) ("pdf", "jpg", "png", "docx", "doc",
 * "xlsx", "xls", "odt", "zip", "xml": the catalogue's file_types) the content data[0..len) is,
 * from the content alone.  Zip-based content is judged from the zip's central directory
 * (docx/xlsx: [Content_Types].xml and word/ or xl/ parts, no macros; odt: the ODF "mimetype"
 * entry), everything else by libmagic.  Any valid zip archive (a docx, an ods ... included)
 * counts as "zip" where its own kind is not allowed but "zip" is.  An
 * OLE compound file that libmagic cannot name (no summary information, as some tools write
 * Word and Excel 97-2003 files) counts as "doc" when allowed, else as "xls"; text that libmagic
 * calls plain but starts with a tag counts as "xml".  Unknown names in 'allowed' are ignored.  On success *kind points to a static
 * string, one of the names above.  MC_EINVAL: empty content, or content that is none of the
 * allowed kinds (the caller names the file in its message); MC_ENOMEM.  *kind is NULL on error.
 */
int filestore_type_of(struct filestore *fs, const void *data, size_t len,
                      const char *const *allowed, size_t nallowed, const char **kind);

/*
 * The media type to serve a file of catalogue kind 'kind' with ("pdf" gives
 * "application/pdf"), or NULL for an unknown kind.  Static storage.
 */
const char *filestore_media_type(const char *kind);

/*
 * Store data[0..len) durably under its SHA-256 and write the lower-case hex digest to
 * sha256_hex.  The content is hashed while it is written to tmp/, then fsync'ed, renamed to
 * ab/cd/<hex> and that folder fsync'ed (and the fan-out folders' parents when they were just
 * created), so the file survives a crash once this returns 0.  When a file of that hash and
 * size is there already, only the temporary file is dropped (the existing file and its folder
 * are fsync'ed, which costs nothing when they are already on disk, so a put racing another put
 * of the same content also returns only once it is durable) and its modification time is set
 * to now, which keeps filestore_remove off it for the grace period; one of another size
 * (damaged) is replaced.  The check and the refresh or the rename happen under the store's
 * shared lock.  MC_EINVAL: len is 0; MC_ETOOBIG: len is above PROCEDURE_DOCUMENT_SIZE_MAX, more
 * than any catalogue allows; MC_EIO with errno kept: a file system call failed; MC_ENOMEM.  On
 * error sha256_hex is "", the temporary file is removed and no partial file is ever under a
 * final name (when only the last fsync of the folder fails, the complete file stays there).
 * The caller checks the catalogue's per-document max_size and the dossier's total first.
 */
int filestore_put(struct filestore *fs, const void *data, size_t len,
                  char sha256_hex[FILESTORE_SHA256_HEX]);

/*
 * Delete the stored file 'sha256_hex' unless it is younger than 'min_age_seconds': its
 * modification time, which filestore_put sets when it stores the content and refreshes when the
 * content was there already, is later than now - min_age_seconds (real time, time(2): file
 * times are real, whatever clock the rules see).  The caller deletes only content that no
 * database row uses any more and passes at least FILESTORE_TMP_STALE_SECONDS, so that an upload
 * which has put its bytes and not yet committed its row keeps them (see the top of this file).
 * The age check and the unlink happen under the store's exclusive lock.  The deletion is not
 * fsync'ed: after a crash the file may be back, which wastes space and nothing else.  Empty
 * fan-out folders stay.  *removed (may be NULL) is 1 when the file was deleted, 0 when it was
 * not there or is too young.  MC_EINVAL: malformed hash (see filestore_path) or a negative
 * min_age_seconds; MC_EIO with errno kept: the lock, the check or the unlink failed (the file is
 * then still there).
 */
int filestore_remove(struct filestore *fs, const char *sha256_hex, long min_age_seconds,
                     int *removed);

/*
 * Call fn(arg, hex) for each stored content whose modification time is at least
 * 'min_age_seconds' old (real time), in no particular order; a non-zero return of fn stops the
 * walk and is returned.  Only names of the store's own shape ("ab/cd/<hex>") are seen: tmp/ and
 * anything else put there by hand are not.  A folder that cannot be read is passed over.
 * MC_EINVAL: a negative min_age_seconds; MC_EIO: the store's folder cannot be read.
 */
int filestore_each(struct filestore *fs, long min_age_seconds,
                   int (*fn)(void *arg, const char *hex), void *arg);

/*
 * Write to out[0..cap) the path of the stored file 'sha256_hex' ("<dir>/ab/cd/<hex>", 'dir' as
 * given to filestore_open), checking that it is there.  MC_EINVAL: sha256_hex is not exactly 64
 * lower-case hex digits (so no path tricks can get through); MC_ENOTFOUND: no such file;
 * MC_ETOOBIG: cap is too small; MC_EIO: it could not be checked.  out is "" on error (cap > 0).
 */
int filestore_path(const struct filestore *fs, const char *sha256_hex, char *out, size_t cap);

/*
 * Open the stored file 'sha256_hex' for reading (serving a download): *fd is a new read-only
 * descriptor the caller must close, *size the file's size.  MC_EINVAL: malformed hash (see
 * filestore_path); MC_ENOTFOUND: no such file; MC_EIO with errno kept: it could not be opened,
 * or is not a regular file.  On error *fd is -1 and *size 0.
 */
int filestore_open_read(const struct filestore *fs, const char *sha256_hex, int *fd,
                        size_t *size);

/*
 * The name to keep for display (and Content-Disposition) from an uploaded file name 'uploaded'
 * (NULL allowed): the last path component (after the last '/' or '\'); invalid UTF-8 bytes,
 * C0 and C1 controls, DEL, Unicode format characters (bidi overrides, zero-width), line and
 * paragraph separators and " * : < > ? | each replaced by '_'; normalised to NFC; leading dots
 * and spaces and trailing spaces and dots removed; cut to FILESTORE_DISPLAY_NAME_CHARS
 * characters keeping the extension (up to 16 characters after the last dot); never empty,
 * "." or ".." (FILESTORE_DISPLAY_NAME_FALLBACK instead).  Written NUL-terminated to out[0..cap).
 * MC_EINVAL: cap is below FILESTORE_DISPLAY_NAME_CAP; MC_ENOMEM.  out is "" on error (cap > 0).
 */
int filestore_display_name(const char *uploaded, char *out, size_t cap);

#endif
