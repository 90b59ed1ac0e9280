/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Node keys: 32-byte Curve25519 keys, written as 44 characters of standard
 * base64 with padding, exactly as `wg genkey` and `wg pubkey` write them.  A
 * node's address is SHA-512 of its public key.  All the cryptography is
 * libsodium's.
 */
#ifndef VCOYO_KEYS_H
#define VCOYO_KEYS_H

#include <stdint.h>
#include <stdio.h>
#include <linux/vcoyo.h>

/* 32 bytes of base64 with padding: 44 characters. */
#define VCOYO_KEY_B64_LEN	44
/* The same plus the terminating NUL. */
#define VCOYO_KEY_B64_SIZE	(VCOYO_KEY_B64_LEN + 1)

/* A new random private key, clamped for Curve25519.  0, or -1. */
int vcoyo_key_generate(uint8_t priv[VCOYO_KEY_LEN]);
/* The public key of a private key (clamped or not).  0, or -1: weak key. */
int vcoyo_key_public(uint8_t pub[VCOYO_KEY_LEN], const uint8_t priv[VCOYO_KEY_LEN]);
/* The node address of a public key: SHA-512 of it. */
void vcoyo_key_addr(struct vcoyo_addr *addr, const uint8_t pub[VCOYO_KEY_LEN]);

/* Writes the base64 form and a NUL into buf (VCOYO_KEY_B64_SIZE bytes). */
void vcoyo_key_to_base64(char buf[VCOYO_KEY_B64_SIZE], const uint8_t key[VCOYO_KEY_LEN]);
/*
 * Decodes exactly VCOYO_KEY_B64_LEN characters of base64, optionally followed
 * by whitespace (the newline of a key file).  0, or -1 with *err saying why.
 */
int vcoyo_key_from_base64(uint8_t key[VCOYO_KEY_LEN], const char *text, const char **err);

/*
 * Read one key in base64 from f, or from the file at path ("-": standard
 * input, not read from before).  0, or -1: then *err says what is wrong with
 * the text, or *err is NULL and errno gives the I/O error.
 */
int vcoyo_key_read(uint8_t key[VCOYO_KEY_LEN], FILE *f, const char **err);
int vcoyo_key_read_path(uint8_t key[VCOYO_KEY_LEN], const char *path, const char **err);

/* Wipe a private key (or any secret) so that it does not linger in memory. */
void vcoyo_key_clear(void *key, size_t len);

#endif /* VCOYO_KEYS_H */
