/* mime.c: writing one email message (RFC 5322, RFC 2045-2047). */
#include "mail/mime.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/evp.h>

#include "lib/err.h"
#include "lib/utf8.h"

#define MIME_LINE_MAX 78         /* RFC 5322 2.1.1: header lines SHOULD stay within 78 */
#define MIME_WORD_MAX 75         /* RFC 2047 2: one encoded-word */
#define MIME_WORD_OVERHEAD 12    /* "=?UTF-8?B?" and "?=" */
#define MIME_B64_LINE_BYTES 57   /* 57 input bytes make one 76-character base64 line */
#define MIME_ADDRESS_MAX 254     /* RFC 5321 4.5.3.1.3 path, less its brackets */
#define MIME_MESSAGE_ID_MAX 250
#define MIME_DOMAIN_MAX 200
#define MIME_RANDOM_BYTES 16
#define MIME_BOUNDARY_TRIES 8

/* A mailbox split into its display name (may be empty) and its address. */
struct mailbox {
	const char *name;
	size_t namelen;
	const char *addr;
	size_t addrlen;
};

/* The header being written, with the length of its current line. */
struct hdr {
	struct buf *out;
	size_t col;
};

static int has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Bytes in the UTF-8 character starting with lead byte 'b' (the text was validated). */
static size_t utf8_char_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if ((b & 0xe0) == 0xc0)
		return 2;
	if ((b & 0xf0) == 0xe0)
		return 3;
	return 4;
}

/* out gets 2 * n lowercase hex digits and a NUL. */
static void hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Fill p[0..n) from the kernel's generator.  MC_EIO when it fails. */
static int random_bytes(unsigned char *p, size_t n)
{
	ssize_t got;
	size_t done = 0;

	while (done < n) {
		got = getrandom(p + done, n - done, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return MC_EIO;
		}
		done += (size_t)got;
	}
	return 0;
}

/* A character allowed in a bare address: printable ASCII, none of the specials that would
 * let it carry a second address, a comment or a quoted part. */
static int address_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("<>()[]\\,;:\"", c) == NULL;
}

static int mailbox_parse(const char *s, struct mailbox *mb)
{
	const char *lt, *gt, *end, *at = NULL;
	size_t i;

	memset(mb, 0, sizeof *mb);
	if (s == NULL || has_crlf(s))
		return MC_EINVAL;
	lt = strchr(s, '<');
	if (lt != NULL) {
		gt = strchr(lt, '>');
		if (gt == NULL)
			return MC_EINVAL;
		for (end = gt + 1; *end != '\0'; end++)
			if (!is_space(*end))
				return MC_EINVAL;
		mb->name = s;
		while (mb->name < lt && is_space(*mb->name))
			mb->name++;
		mb->namelen = (size_t)(lt - mb->name);
		while (mb->namelen > 0 && is_space(mb->name[mb->namelen - 1]))
			mb->namelen--;
		/* A quoted name: the quotes are syntax, not part of the name. */
		if (mb->namelen >= 2 && mb->name[0] == '"' && mb->name[mb->namelen - 1] == '"') {
			mb->name++;
			mb->namelen -= 2;
		}
		mb->addr = lt + 1;
		mb->addrlen = (size_t)(gt - mb->addr);
	} else {
		mb->name = "";
		mb->addr = s;
		while (is_space(*mb->addr))
			mb->addr++;
		mb->addrlen = strlen(mb->addr);
		while (mb->addrlen > 0 && is_space(mb->addr[mb->addrlen - 1]))
			mb->addrlen--;
	}
	if (mb->addrlen == 0 || mb->addrlen > MIME_ADDRESS_MAX)
		return MC_EINVAL;
	for (i = 0; i < mb->addrlen; i++) {
		if (!address_char((unsigned char)mb->addr[i]))
			return MC_EINVAL;
		if (mb->addr[i] == '@')
			at = mb->addr + i;
	}
	if (at == NULL || at == mb->addr || at == mb->addr + mb->addrlen - 1)
		return MC_EINVAL;
	for (i = 0; i < mb->namelen; i++)
		if ((unsigned char)mb->name[i] < 0x20 || mb->name[i] == 0x7f)
			return MC_EINVAL;
	if (!utf8_valid(mb->name, mb->namelen))
		return MC_EINVAL;
	return 0;
}

int mime_address(const char *mailbox, char *out, size_t len)
{
	struct mailbox mb;
	int rc;

	if (len > 0)
		out[0] = '\0';
	rc = mailbox_parse(mailbox, &mb);
	if (rc != 0)
		return rc;
	if (mb.addrlen >= len)
		return MC_ETOOBIG;
	memcpy(out, mb.addr, mb.addrlen);
	out[mb.addrlen] = '\0';
	return 0;
}

int mime_message_id(const char *domain, char *out, size_t len)
{
	unsigned char raw[MIME_RANDOM_BYTES];
	char hex[2 * MIME_RANDOM_BYTES + 1];
	size_t dlen, i;
	int rc;

	if (len > 0)
		out[0] = '\0';
	if (domain == NULL)
		return MC_EINVAL;
	dlen = strlen(domain);
	if (dlen == 0 || dlen > MIME_DOMAIN_MAX)
		return MC_EINVAL;
	for (i = 0; i < dlen; i++) {
		char c = domain[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			return MC_EINVAL;
	}
	/* '<' + hex + '@' + domain + '>' + NUL */
	if (len < dlen + sizeof hex + 3)
		return MC_ETOOBIG;
	rc = random_bytes(raw, sizeof raw);
	if (rc != 0)
		return rc;
	hex_encode(raw, sizeof raw, hex);
	snprintf(out, len, "<%s@%s>", hex, domain);
	return 0;
}

/* "<x@y>": printable ASCII, no brackets inside, an '@'. */
static int message_id_valid(const char *id)
{
	size_t n, i;

	if (id == NULL)
		return 0;
	n = strlen(id);
	if (n < 5 || n > MIME_MESSAGE_ID_MAX || id[0] != '<' || id[n - 1] != '>')
		return 0;
	for (i = 1; i < n - 1; i++)
		if ((unsigned char)id[i] <= 0x20 || (unsigned char)id[i] >= 0x7f || id[i] == '<' ||
		    id[i] == '>')
			return 0;
	return memchr(id + 1, '@', n - 2) != NULL;
}

static int hdr_put(struct hdr *h, const char *s, size_t n)
{
	h->col += n;
	return buf_append(h->out, s, n);
}

static int hdr_start(struct hdr *h, struct buf *out, const char *name)
{
	h->out = out;
	h->col = 0;
	if (hdr_put(h, name, strlen(name)) != 0 || hdr_put(h, ": ", 2) != 0)
		return MC_ENOMEM;
	return 0;
}

/* Continue the header on a new line (RFC 5322 folding: CRLF then a space). */
static int hdr_fold(struct hdr *h)
{
	if (buf_append(h->out, "\r\n ", 3) != 0)
		return MC_ENOMEM;
	h->col = 1;
	return 0;
}

static int hdr_end(struct hdr *h)
{
	return buf_append(h->out, "\r\n", 2);
}

/*
 * Write s[0..n) (valid UTF-8, n > 0) as encoded-words: the first after what the line already
 * holds, each further one on its own folded line.  Whitespace between adjacent encoded-words is
 * dropped by decoders, so the words join back into the exact text.  Each word takes whole
 * characters only and as many as keep it within 75 characters and its line within 78.
 */
static int hdr_encoded(struct hdr *h, const char *s, size_t n)
{
	unsigned char b64[MIME_WORD_MAX];
	size_t i = 0, j, cl, avail, maxbytes;
	int first = 1;

	while (i < n) {
		if (!first && hdr_fold(h) != 0)
			return MC_ENOMEM;
		avail = MIME_LINE_MAX > h->col ? MIME_LINE_MAX - h->col : 0;
		if (avail > MIME_WORD_MAX)
			avail = MIME_WORD_MAX;
		/* Room for at least one 4-byte character (8 base64 characters). */
		if (avail < MIME_WORD_OVERHEAD + 8) {
			if (hdr_fold(h) != 0)
				return MC_ENOMEM;
			avail = MIME_WORD_MAX;
		}
		maxbytes = (avail - MIME_WORD_OVERHEAD) / 4 * 3;
		for (j = i; j < n; j += cl) {
			cl = utf8_char_len((unsigned char)s[j]);
			if (j + cl - i > maxbytes)
				break;
		}
		EVP_EncodeBlock(b64, (const unsigned char *)s + i, (int)(j - i));
		if (hdr_put(h, "=?UTF-8?B?", 10) != 0 ||
		    hdr_put(h, (const char *)b64, strlen((const char *)b64)) != 0 ||
		    hdr_put(h, "?=", 2) != 0)
			return MC_ENOMEM;
		i = j;
		first = 0;
	}
	return 0;
}

/* Whether s[0..n) may go into a header as it is: printable ASCII that no decoder could take
 * for an encoded-word. */
static int header_plain(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
		if (s[i] == '=' && i + 1 < n && s[i + 1] == '?')
			return 0;
	}
	return 1;
}

static int write_subject(struct buf *out, const char *subject)
{
	size_t n = strlen(subject);
	struct hdr h;

	if (hdr_start(&h, out, "Subject") != 0)
		return MC_ENOMEM;
	if (n > 0 && header_plain(subject, n) && h.col + n <= MIME_LINE_MAX &&
	    !is_space(subject[0]) && !is_space(subject[n - 1])) {
		if (hdr_put(&h, subject, n) != 0)
			return MC_ENOMEM;
	} else if (n > 0 && hdr_encoded(&h, subject, n) != 0) {
		return MC_ENOMEM;
	}
	return hdr_end(&h) != 0 ? MC_ENOMEM : 0;
}

static int write_mailbox(struct buf *out, const char *name, const struct mailbox *mb)
{
	struct hdr h;
	size_t i;
	int quotable;

	if (hdr_start(&h, out, name) != 0)
		return MC_ENOMEM;
	if (mb->namelen == 0) {
		if (hdr_put(&h, mb->addr, mb->addrlen) != 0)
			return MC_ENOMEM;
		return hdr_end(&h) != 0 ? MC_ENOMEM : 0;
	}
	quotable = header_plain(mb->name, mb->namelen) &&
	           h.col + mb->namelen + 2 + 1 + mb->addrlen + 2 <= MIME_LINE_MAX;
	for (i = 0; quotable && i < mb->namelen; i++)
		if (mb->name[i] == '"' || mb->name[i] == '\\')
			quotable = 0;
	if (quotable) {
		if (hdr_put(&h, "\"", 1) != 0 || hdr_put(&h, mb->name, mb->namelen) != 0 ||
		    hdr_put(&h, "\"", 1) != 0)
			return MC_ENOMEM;
	} else if (hdr_encoded(&h, mb->name, mb->namelen) != 0) {
		return MC_ENOMEM;
	}
	if (h.col + 1 + mb->addrlen + 2 > MIME_LINE_MAX) {
		if (hdr_fold(&h) != 0)
			return MC_ENOMEM;
	} else if (hdr_put(&h, " ", 1) != 0) {
		return MC_ENOMEM;
	}
	if (hdr_put(&h, "<", 1) != 0 || hdr_put(&h, mb->addr, mb->addrlen) != 0 ||
	    hdr_put(&h, ">", 1) != 0 || hdr_end(&h) != 0)
		return MC_ENOMEM;
	return 0;
}

/* "Date: Sun, 29 Nov 2026 17:33:45 +0000", with English names whatever the locale. */
static int write_date(struct buf *out, int64_t ms)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t secs = ms / 1000 - (ms % 1000 < 0);
	time_t t = (time_t)secs;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11)
		return MC_EINVAL;
	return buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
	                  tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	                  tm.tm_sec);
}

/* Base64 lines of 76 characters, fed byte by byte so line breaks can be made canonical. */
struct b64_writer {
	struct buf *out;
	unsigned char block[MIME_B64_LINE_BYTES];
	size_t n;
	int rc;
};

static void b64_flush(struct b64_writer *w)
{
	unsigned char line[4 * MIME_B64_LINE_BYTES / 3 + 1];
	int n;

	if (w->n == 0 || w->rc != 0)
		return;
	n = EVP_EncodeBlock(line, w->block, (int)w->n);
	if (buf_append(w->out, line, (size_t)n) != 0 || buf_append(w->out, "\r\n", 2) != 0)
		w->rc = MC_ENOMEM;
	w->n = 0;
}

static void b64_byte(struct b64_writer *w, unsigned char c)
{
	w->block[w->n++] = c;
	if (w->n == sizeof w->block)
		b64_flush(w);
}

/* The body 's' in canonical form (every line break CRLF), base64-encoded. */
static int write_base64_body(struct buf *out, const char *s)
{
	struct b64_writer w;

	memset(&w, 0, sizeof w);
	w.out = out;
	for (; *s != '\0' && w.rc == 0; s++) {
		if (*s == '\r' || *s == '\n') {
			b64_byte(&w, '\r');
			b64_byte(&w, '\n');
			if (s[0] == '\r' && s[1] == '\n')
				s++;
		} else {
			b64_byte(&w, (unsigned char)*s);
		}
	}
	b64_flush(&w);
	return w.rc;
}

/* "=_mc_" and 32 hex digits.  '_' is not a base64 character, so the encoded parts can never
 * hold it; the raw bodies are checked as well, for any reader that looks at them. */
static int make_boundary(const struct mime_message *m, char *out, size_t len)
{
	unsigned char raw[MIME_RANDOM_BYTES];
	char hex[2 * MIME_RANDOM_BYTES + 1];
	int tries, rc;

	for (tries = 0; tries < MIME_BOUNDARY_TRIES; tries++) {
		rc = random_bytes(raw, sizeof raw);
		if (rc != 0)
			return rc;
		hex_encode(raw, sizeof raw, hex);
		snprintf(out, len, "=_mc_%s", hex);
		if (strstr(m->text, out) == NULL && strstr(m->html, out) == NULL)
			return 0;
	}
	return MC_EIO;
}

static int write_part(struct buf *out, const char *boundary, const char *type, const char *body)
{
	if (buf_printf(out,
	               "--%s\r\n"
	               "Content-Type: %s; charset=UTF-8\r\n"
	               "Content-Transfer-Encoding: base64\r\n"
	               "\r\n",
	               boundary, type) != 0)
		return MC_ENOMEM;
	return write_base64_body(out, body);
}

int mime_build(const struct mime_message *m, struct buf *out)
{
	char boundary[8 + 2 * MIME_RANDOM_BYTES];
	struct mailbox from, to;
	size_t start = out->len;
	int rc;

	if (m->subject == NULL || m->text == NULL || m->html == NULL || m->message_id == NULL) {
		rc = MC_EINVAL;
		goto out;
	}
	rc = mailbox_parse(m->from, &from);
	if (rc == 0)
		rc = mailbox_parse(m->to, &to);
	if (rc != 0)
		goto out;
	if (has_crlf(m->subject) || !message_id_valid(m->message_id) ||
	    !utf8_valid(m->subject, strlen(m->subject)) || !utf8_valid(m->text, strlen(m->text)) ||
	    !utf8_valid(m->html, strlen(m->html))) {
		rc = MC_EINVAL;
		goto out;
	}
	rc = make_boundary(m, boundary, sizeof boundary);
	if (rc != 0)
		goto out;
	rc = write_mailbox(out, "From", &from);
	if (rc == 0)
		rc = write_mailbox(out, "To", &to);
	if (rc == 0)
		rc = write_subject(out, m->subject);
	if (rc == 0)
		rc = write_date(out, m->date_ms);
	if (rc == 0)
		rc = buf_printf(out,
		                "Message-ID: %s\r\n"
		                "MIME-Version: 1.0\r\n"
		                "Content-Type: multipart/alternative;\r\n"
		                " boundary=\"%s\"\r\n"
		                "Auto-Submitted: auto-generated\r\n"
		                "\r\n",
		                m->message_id, boundary);
	if (rc == 0)
		rc = write_part(out, boundary, "text/plain", m->text);
	if (rc == 0)
		rc = write_part(out, boundary, "text/html", m->html);
	if (rc == 0)
		rc = buf_printf(out, "--%s--\r\n", boundary);
out:
	if (rc != 0 && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	return rc;
}
