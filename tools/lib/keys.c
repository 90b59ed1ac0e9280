// SPDX-License-Identifier: GPL-2.0
/* Curve25519 keys and node addresses with libsodium; see keys.h. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sodium.h>
#include "keys.h"

/* A key file holds one key and a newline; anything much longer is not a key. */
#define KEY_TEXT_MAX	128

/* sodium_init() is idempotent; it seeds the random generator we use. */
static int keys_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int vcoyo_key_generate(uint8_t priv[VCOYO_KEY_LEN])
{
	if (keys_init())
		return -1;
	randombytes_buf(priv, VCOYO_KEY_LEN);
	/* Curve25519 key formatting (RFC 7748), as `wg genkey` writes keys. */
	priv[0] &= 248;
	priv[31] &= 127;
	priv[31] |= 64;
	return 0;
}

/* libsodium clamps the scalar itself, as the kernel does: both agree. */
int vcoyo_key_public(uint8_t pub[VCOYO_KEY_LEN], const uint8_t priv[VCOYO_KEY_LEN])
{
	if (keys_init())
		return -1;
	return crypto_scalarmult_curve25519_base(pub, priv) ? -1 : 0;
}

void vcoyo_key_addr(struct vcoyo_addr *addr, const uint8_t pub[VCOYO_KEY_LEN])
{
	crypto_hash_sha512(addr->bytes, pub, VCOYO_KEY_LEN);
}

void vcoyo_key_to_base64(char buf[VCOYO_KEY_B64_SIZE], const uint8_t key[VCOYO_KEY_LEN])
{
	sodium_bin2base64(buf, VCOYO_KEY_B64_SIZE, key, VCOYO_KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}

/* Length of text without trailing whitespace: a key file ends in a newline. */
static size_t key_text_len(const char *text)
{
	size_t len = strlen(text);

	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	return len;
}

int vcoyo_key_from_base64(uint8_t key[VCOYO_KEY_LEN], const char *text, const char **err)
{
	size_t len = key_text_len(text), bin_len = 0;

	if (len != VCOYO_KEY_B64_LEN) {
		*err = "not 44 characters of base64 (a 32-byte key)";
		return -1;
	}
	/* Strict: padding required, no stray characters, unused bits zero. */
	if (sodium_base642bin(key, VCOYO_KEY_LEN, text, len, NULL, &bin_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL)) {
		*err = errno == ERANGE ? "longer than 32 bytes" : "not base64";
		vcoyo_key_clear(key, VCOYO_KEY_LEN);
		return -1;
	}
	if (bin_len != VCOYO_KEY_LEN) {
		*err = "shorter than 32 bytes";
		vcoyo_key_clear(key, VCOYO_KEY_LEN);
		return -1;
	}
	return 0;
}

/* Reads at most size - 1 bytes and a NUL; -1 if there was more, or on error. */
static int key_text_read(char *buf, size_t size, FILE *f, const char **err)
{
	size_t n = fread(buf, 1, size - 1, f);

	buf[n] = '\0';
	if (ferror(f)) {
		*err = NULL;
		if (!errno)
			errno = EIO;
		return -1;
	}
	if (n == size - 1 && fgetc(f) != EOF) {
		*err = "longer than a key";
		return -1;
	}
	return 0;
}

int vcoyo_key_read(uint8_t key[VCOYO_KEY_LEN], FILE *f, const char **err)
{
	char text[KEY_TEXT_MAX];
	int ret;

	errno = 0;
	ret = key_text_read(text, sizeof(text), f, err);
	if (!ret)
		ret = vcoyo_key_from_base64(key, text, err);
	/* The text is the private key too. */
	vcoyo_key_clear(text, sizeof(text));
	return ret;
}

int vcoyo_key_read_path(uint8_t key[VCOYO_KEY_LEN], const char *path, const char **err)
{
	FILE *f = stdin;
	int ret, saved;

	if (strcmp(path, "-")) {
		f = fopen(path, "re");
		if (!f) {
			*err = NULL;
			return -1;
		}
	}
	/* Unbuffered: no copy of the key is left in a stdio buffer we cannot wipe. */
	setvbuf(f, NULL, _IONBF, 0);
	ret = vcoyo_key_read(key, f, err);
	saved = errno;
	if (f != stdin)
		fclose(f);
	errno = saved;
	return ret;
}

void vcoyo_key_clear(void *key, size_t len)
{
	sodium_memzero(key, len);
}
