/* mime.h: writing one email message (RFC 5322 headers, RFC 2047 subjects, MIME alternatives). */
#ifndef MC_MIME_H
#define MC_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/*
 * One message to write.  'from' and 'to' are mailboxes: a bare address "a@example.vn" or
 * "Display Name <a@example.vn>" (the name may be Vietnamese: it is encoded).  The subject and both
 * bodies are UTF-8.  The caller keeps ownership of every string.
 */
struct mime_message {
	const char *from;
	const char *to;
	const char *subject;    /* one line */
	const char *text;       /* the text/plain part */
	const char *html;       /* the text/html part */
	const char *message_id; /* "<unique@domain>", as made by mime_message_id */
	int64_t date_ms;        /* the Date header, milliseconds since the epoch (UTC) */
};

/*
 * Append message 'm' to 'out': CRLF lines, headers From, To, Subject, Date (+0000), Message-ID,
 * MIME-Version, Content-Type multipart/alternative (a random boundary, 128 bits, that occurs in
 * neither body), Auto-Submitted; then a text/plain and a text/html part, both UTF-8 and base64
 * (76-character lines).  A non-ASCII, long or "=?"-holding subject or display name is written as
 * RFC 2047 encoded-words ("=?UTF-8?B?...?=", at most 75 characters each, never splitting a
 * character), folded so no header line exceeds 78 characters (an address longer than about 70
 * characters is never split and may make its line longer).  Line breaks in the bodies are
 * written as CRLF (MIME's canonical text form), so a body decodes to its text with every LF or
 * lone CR turned into CRLF.
 * MC_EINVAL: a CR or LF in from, to, subject or message_id (header injection), a mailbox that
 * is not one plain address (see mime_address), a message id not of the form "<x@y>" in
 * printable ASCII, text that is not valid UTF-8, a NULL field; MC_EIO: no random bytes;
 * MC_ENOMEM.  On any error 'out' is left as it was.
 */
int mime_build(const struct mime_message *m, struct buf *out);

/*
 * Write a new random Message-ID "<32 hex digits@domain>" (128 bits from getrandom) into
 * out[0..len).  MC_EINVAL: 'domain' is empty, longer than 200 bytes or holds anything but ASCII
 * letters, digits, '.' and '-'; MC_ETOOBIG: 'out' is too small (len < strlen(domain) + 36);
 * MC_EIO: the kernel gave no random bytes.  On error out is "" (when len > 0).
 */
int mime_message_id(const char *domain, char *out, size_t len);

/*
 * Copy the bare address of 'mailbox' ("a@example.vn" or "Name <a@example.vn>") into
 * out[0..len), for SMTP's MAIL FROM and RCPT TO.  The address must be printable ASCII with no
 * space, quote, bracket, comma, semicolon or backslash (one recipient, nothing an SMTP command
 * could be bent with), with a non-empty part before and after its last '@', at most 254 bytes;
 * the name must be valid UTF-8 with no control characters.  MC_EINVAL otherwise; MC_ETOOBIG:
 * 'out' is too small.  On error out is "" (when len > 0).
 */
int mime_address(const char *mailbox, char *out, size_t len);

#endif
