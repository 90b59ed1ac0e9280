/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text form of 512-bit IPvCoyo addresses (Documentation/addresses.rst):
 * 32 groups of 16 bits in hexadecimal, separated by colons, as IPv6 writes
 * 8.  One run of two or more zero groups may be written "::".  The canonical
 * form (what format gives) is lowercase, without leading zeroes, with the
 * longest zero run (the first of equals) compressed.
 */
#ifndef VCOYO_ADDR_H
#define VCOYO_ADDR_H

#include <linux/vcoyo.h>

#define VCOYO_ADDR_GROUPS	(VCOYO_ADDR_LEN / 2)
/* 32 groups of at most 4 digits, 31 colons, and the terminating NUL. */
#define VCOYO_ADDR_STRLEN	(VCOYO_ADDR_GROUPS * 5)

/* Returns 0, or -1 with *err set to a message saying what is wrong. */
int vcoyo_addr_parse(const char *text, struct vcoyo_addr *addr, const char **err);
/* Writes the canonical form into buf, which holds VCOYO_ADDR_STRLEN bytes. */
void vcoyo_addr_format(const struct vcoyo_addr *addr, char *buf);

#endif /* VCOYO_ADDR_H */
