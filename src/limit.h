/* limit.h: every size, count and time limit in one place. */
#ifndef MC_LIMIT_H
#define MC_LIMIT_H

/* Request bodies. */
#define LIMIT_BODY_BYTES           (64u * 1024 * 1024) /* whole request body (uploads included) */
#define LIMIT_FORM_BODY_BYTES      (1u * 1024 * 1024)  /* x-www-form-urlencoded body */
#define LIMIT_QUERY_BYTES          8192u               /* query string */
#define LIMIT_FORM_FIELDS          512u                /* fields in one form or query */
#define LIMIT_FIELD_NAME_BYTES     128u
#define LIMIT_FIELD_VALUE_BYTES    (256u * 1024)       /* one text field, after decoding */

/* multipart/form-data (RFC 7578). */
#define LIMIT_MULTIPART_PARTS      256u
#define LIMIT_MULTIPART_HEADER_BYTES 4096u             /* all header lines of one part */
#define LIMIT_MULTIPART_BOUNDARY_BYTES 70u             /* RFC 2046 */

/* Dossiers' attachments (each file also within its document's max_size in the catalogue). */
#define LIMIT_DOSSIER_FILES_BYTES  (50u * 1024 * 1024) /* current files of one dossier, in all */
#define LIMIT_DOSSIER_FILES        100                 /* current files of one dossier */
/* A dossier's form post: the files and room for the answers around them. */
#define LIMIT_DOSSIER_POST_BYTES   (LIMIT_DOSSIER_FILES_BYTES + 2u * 1024 * 1024)

/* Cookies. */
#define LIMIT_COOKIES              64u
#define LIMIT_COOKIE_HEADER_BYTES  8192u

/* Server. */
#define LIMIT_SHUTDOWN_SECONDS     4u                  /* drain in-flight requests, then exit */
#define LIMIT_WORKER_QUEUE         4096u               /* jobs waiting for a worker thread */
#define LIMIT_THREADS              256u
/* Threads for disk-bound jobs per event loop: each mostly waits on an fsync, and a disk serves
 * several at once (measured: 8 threads for 2 loops, 380-516 uploads/s against 368-380 with 2). */
#define LIMIT_IO_THREADS_PER_LOOP  4u

/* Templates (lib/tpl.c). */
#define LIMIT_TPL_BYTES            (4u * 1024 * 1024)  /* one template's source */
#define LIMIT_TPL_DEPTH            64u     /* partials, parents and block overrides inside each other */
#define LIMIT_TPL_EXPANSIONS       1000000u /* partials, parents and overrides expanded in one render */
#define LIMIT_TPL_NESTING          128u    /* sections, parents and blocks inside each other */
#define LIMIT_TPL_NAME_BYTES       1024u   /* a tag's name */
#define LIMIT_TPL_DIR_LEVELS       32u     /* folder levels under the templates folder */

#endif
