/* smtp.h: handing one message to an SMTP server (libcurl). */
#ifndef MC_SMTP_H
#define MC_SMTP_H

#include <stddef.h>

/*
 * Where and how to send.  'url' is "smtp://[user:password@]host[:port]" (STARTTLS when the
 * server offers it, plain otherwise) or "smtps://..." (TLS from the start, port 465 by default);
 * user and password are percent-encoded in the URL.  Server certificates are always verified.
 * The URL holds a secret: it is never logged nor put into error messages.
 */
struct smtp_config {
	const char *url;
	long connect_timeout_ms; /* 0: 10 s */
	long timeout_ms;         /* the whole conversation; 0: 60 s */
};

/*
 * Whether 'url' is one smtp_send can use: scheme smtp or smtps and a host.  0 or MC_EINVAL.
 * Check the setting with this at start-up, so a typo never counts against the messages.
 */
int smtp_url_check(const char *url);

/*
 * Send message[0..len) (a whole RFC 5322 message with CRLF lines) from address 'from' to
 * address 'to' (bare addresses, as mime_address gives).  *smtp_code (may be NULL) receives the
 * server's last reply code, 0 when it never answered.  On failure err (may be NULL) receives
 * the server's answer and libcurl's description, e.g. "550 5.1.1 No such user (RCPT failed:
 * 550)", or why no answer came.
 * Returns 0 when the server accepted the message (250 after DATA).  MC_EINVAL: a permanent
 * failure: a 5xx answer to MAIL FROM, RCPT TO or the message (DATA), or a bad 'from'/'to'
 * (CR, LF, brackets...); never retry.  MC_EUNAVAIL: a temporary failure: no connection, a
 * timeout, a TLS problem (certificate included), a 4xx answer, a bad URL, and also a 5xx
 * answer to the greeting, EHLO, STARTTLS or AUTH and the authentication answers (530, 534, 535,
 * 538): those are the server's or the settings' fault, not the message's, so they are retried
 * while an administrator fixes them.  MC_ENOMEM.
 */
int smtp_send(const struct smtp_config *c, const char *from, const char *to, const char *message,
              size_t len, long *smtp_code, char *err, size_t errlen);

#endif
