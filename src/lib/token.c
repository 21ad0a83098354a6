/* token.c: random tokens, their hashes and signatures (libsodium). */
#include "lib/token.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "lib/err.h"

int token_init(void)
{
	return sodium_init() < 0 ? MC_EIO : 0;
}

void token_new(char out[TOKEN_LEN + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, TOKEN_LEN + 1, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

int token_valid_shape(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char c = s[n];
		if (n >= TOKEN_LEN || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		                        (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return n == TOKEN_LEN;
}

void token_hash(const char *s, char out[TOKEN_HASH_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(out, TOKEN_HASH_LEN + 1, h, sizeof(h));
}

int token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return sodium_memcmp(a, b, la) == 0;
}

void token_sign(const unsigned char key[32], const char *msg, char out[TOKEN_LEN + 1])
{
	unsigned char mac[crypto_auth_BYTES];

	crypto_auth(mac, (const unsigned char *)msg, strlen(msg), key);
	sodium_bin2base64(out, TOKEN_LEN + 1, mac, sizeof(mac),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int token_load_key(const char *path, unsigned char key[32])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return MC_EIO;
		randombytes_buf(key, 32);
		n = write(fd, key, 32);
		if (n != 32 || fsync(fd) != 0) {
			close(fd);
			unlink(path);
			return MC_EIO;
		}
		close(fd);
		return 0;
	}
	if (fd < 0)
		return MC_EIO;
	n = read(fd, key, 32);
	close(fd);
	return n == 32 ? 0 : MC_EIO;
}
