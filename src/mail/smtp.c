/* smtp.c: handing one message to an SMTP server through libcurl. */
#include "mail/smtp.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/err.h"
#include "mail/mime.h"

#define SMTP_CONNECT_TIMEOUT_MS 10000L
#define SMTP_TIMEOUT_MS 60000L
#define SMTP_ADDRESS_LEN 256
#define SMTP_ANSWER_LEN 512

/* The message being uploaded. */
struct upload {
	const char *p;
	size_t left;
};

/* The server's replies (all lines of a multi-line reply joined by spaces): the one being read,
 * and the last 4xx/5xx one, kept because libcurl sends QUIT after a failure and its "221"
 * comes after the answer that matters. */
struct answer {
	char text[SMTP_ANSWER_LEN];
	size_t len;
	int more; /* the last line was "NNN-...": the reply goes on */
	char error[SMTP_ANSWER_LEN];
	long error_code;
	char command[5];       /* the verb of the last command sent ("MAIL", "RCPT", "DATA" ...) */
	char error_command[5]; /* the one the kept error answered ("" for the greeting) */
};

static pthread_once_t smtp_once = PTHREAD_ONCE_INIT;
static CURLcode smtp_init_rc = CURLE_FAILED_INIT;

/* curl_global_init is not thread-safe in every libcurl build: run it once, whoever comes first. */
static void smtp_global_init(void)
{
	smtp_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int smtp_url_check(const char *url)
{
	char *scheme = NULL, *host = NULL;
	CURLU *u;
	int rc = MC_EINVAL;

	if (url == NULL || (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0))
		return MC_EINVAL;
	u = curl_url();
	if (u == NULL)
		return MC_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] != '\0' &&
	    (strcmp(scheme, "smtp") == 0 || strcmp(scheme, "smtps") == 0))
		rc = 0;
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

static size_t upload_read(char *dest, size_t size, size_t nitems, void *arg)
{
	struct upload *up = arg;
	size_t n = size * nitems;

	if (n > up->left)
		n = up->left;
	memcpy(dest, up->p, n);
	up->p += n;
	up->left -= n;
	return n;
}

/*
 * libcurl shows each line the server sends as CURLINFO_HEADER_IN; keep the last reply.  Of what
 * we send (CURLINFO_HEADER_OUT) only a command's first four letters are kept: the rest may be
 * the AUTH exchange.
 */
static int debug_seen(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct answer *a = arg;
	size_t i;

	(void)h;
	if (type == CURLINFO_HEADER_OUT) {
		for (i = 0; i < 4 && i < size && data[i] >= 'A' && data[i] <= 'Z'; i++)
			a->command[i] = data[i];
		a->command[i] = '\0';
		return 0;
	}
	if (type != CURLINFO_HEADER_IN)
		return 0;
	if (!a->more)
		a->len = 0;
	a->more = size >= 4 && data[3] == '-';
	while (size > 0 && (data[size - 1] == '\r' || data[size - 1] == '\n'))
		size--;
	if (a->len > 0 && a->len + 1 < sizeof a->text)
		a->text[a->len++] = ' ';
	for (i = 0; i < size && a->len + 1 < sizeof a->text; i++) {
		unsigned char c = (unsigned char)data[i];
		a->text[a->len++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
	}
	a->text[a->len] = '\0';
	if (!a->more && a->len >= 3 && (a->text[0] == '4' || a->text[0] == '5') &&
	    a->text[1] >= '0' && a->text[1] <= '9' && a->text[2] >= '0' && a->text[2] <= '9') {
		memcpy(a->error, a->text, a->len + 1);
		memcpy(a->error_command, a->command, sizeof a->command);
		a->error_code = (a->text[0] - '0') * 100 + (a->text[1] - '0') * 10 + (a->text[2] - '0');
	}
	return 0;
}

/*
 * Whether a failure is about this message: a 5xx answer to MAIL FROM, RCPT TO or the message
 * itself.  A 5xx to the greeting, EHLO, STARTTLS or AUTH, and the authentication answers, say
 * the server or our settings are wrong, which an administrator can fix: retried.
 */
static int permanent(CURLcode res, long code, const struct answer *a)
{
	if (code < 500 || code > 599 || res == CURLE_LOGIN_DENIED)
		return 0;
	if (code == 530 || code == 534 || code == 535 || code == 538)
		return 0;
	if (a->error_code != code)
		return 1; /* no record of the exchange: trust the code */
	return strcmp(a->error_command, "MAIL") == 0 || strcmp(a->error_command, "RCPT") == 0 ||
	       strcmp(a->error_command, "DATA") == 0;
}

int smtp_send(const struct smtp_config *c, const char *from, const char *to, const char *message,
              size_t len, long *smtp_code, char *err, size_t errlen)
{
	char from_addr[SMTP_ADDRESS_LEN + 2], to_addr[SMTP_ADDRESS_LEN + 2];
	char curl_err[CURL_ERROR_SIZE];
	struct curl_slist *rcpt = NULL;
	struct answer answer;
	struct upload up;
	CURLcode res;
	CURL *h = NULL;
	long code = 0;
	int rc;

	mc_errf(err, errlen, "%s", "");
	memset(&answer, 0, sizeof answer);
	curl_err[0] = '\0';
	/* Bracketed here, so that nothing the server sees comes unchecked from the message. */
	from_addr[0] = '<';
	to_addr[0] = '<';
	if (mime_address(from, from_addr + 1, sizeof from_addr - 2) != 0 ||
	    mime_address(to, to_addr + 1, sizeof to_addr - 2) != 0) {
		mc_errf(err, errlen, "invalid sender or recipient address");
		rc = MC_EINVAL;
		goto out;
	}
	strcat(from_addr, ">");
	strcat(to_addr, ">");
	pthread_once(&smtp_once, smtp_global_init);
	if (smtp_init_rc != CURLE_OK) {
		mc_errf(err, errlen, "libcurl: %s", curl_easy_strerror(smtp_init_rc));
		rc = MC_EUNAVAIL;
		goto out;
	}
	if (smtp_url_check(c->url) != 0) {
		mc_errf(err, errlen, "the SMTP URL is not smtp://host or smtps://host");
		rc = MC_EUNAVAIL;
		goto out;
	}
	h = curl_easy_init();
	rcpt = curl_slist_append(NULL, to_addr);
	if (h == NULL || rcpt == NULL) {
		mc_errf(err, errlen, "out of memory");
		rc = MC_ENOMEM;
		goto out;
	}
	up.p = message;
	up.left = len;
	curl_easy_setopt(h, CURLOPT_URL, c->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	/* An empty proxy: never route mail through a proxy picked up from the environment. */
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	if (strncmp(c->url, "smtp://", 7) == 0)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from_addr);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	                 c->connect_timeout_ms > 0 ? c->connect_timeout_ms : SMTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms > 0 ? c->timeout_ms : SMTP_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	/* Verbose only feeds debug_seen, which keeps the server's replies; nothing is printed. */
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_seen);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, &answer);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	res = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (res == CURLE_OK) {
		rc = 0;
		goto out;
	}
	if (res == CURLE_OUT_OF_MEMORY) {
		mc_errf(err, errlen, "out of memory");
		rc = MC_ENOMEM;
		goto out;
	}
	if (code >= 400 && code <= 599 && answer.error_code == code)
		mc_errf(err, errlen, "%s (%s)", answer.error,
		        curl_err[0] != '\0' ? curl_err : curl_easy_strerror(res));
	else
		mc_errf(err, errlen, "%s", curl_err[0] != '\0' ? curl_err : curl_easy_strerror(res));
	rc = permanent(res, code, &answer) ? MC_EINVAL : MC_EUNAVAIL;
out:
	if (smtp_code != NULL)
		*smtp_code = code;
	curl_slist_free_all(rcpt);
	if (h != NULL)
		curl_easy_cleanup(h);
	return rc;
}
