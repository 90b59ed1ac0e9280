// SPDX-License-Identifier: GPL-2.0
/* Parse and format the text form of 512-bit addresses; see addr.h. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vcoyo_addr_parse(const char *text, struct vcoyo_addr *addr, const char **err)
{
	uint16_t groups[VCOYO_ADDR_GROUPS];
	int n = 0, gap = -1, i;
	const char *p = text;

	if (!*p) {
		*err = "empty address";
		return -1;
	}
	if (p[0] == ':') {
		if (p[1] != ':') {
			*err = "address starts with a single ':'";
			return -1;
		}
		gap = 0;
		p += 2;
	}
	while (*p) {
		unsigned int v = 0;
		int digits = 0;

		if (n == VCOYO_ADDR_GROUPS) {
			*err = "more than 32 groups";
			return -1;
		}
		while (hexval(*p) >= 0) {
			if (++digits > 4) {
				*err = "a group has more than 4 hex digits";
				return -1;
			}
			v = v << 4 | hexval(*p++);
		}
		if (!digits) {
			*err = *p == ':' ? "more than one '::'" : "invalid character";
			return -1;
		}
		groups[n++] = v;
		if (!*p)
			break;
		if (*p != ':') {
			*err = "invalid character";
			return -1;
		}
		p++;
		if (*p == ':') {
			if (gap >= 0) {
				*err = "more than one '::'";
				return -1;
			}
			gap = n;
			p++;
		} else if (!*p) {
			*err = "address ends with a single ':'";
			return -1;
		}
	}

	if (gap < 0 && n != VCOYO_ADDR_GROUPS) {
		*err = "fewer than 32 groups and no '::'";
		return -1;
	}
	if (gap >= 0 && n == VCOYO_ADDR_GROUPS) {
		*err = "'::' stands for no group in a full address";
		return -1;
	}

	memset(addr, 0, sizeof(*addr));
	for (i = 0; i < n; i++) {
		/* Groups after the gap are right-aligned. */
		int at = gap >= 0 && i >= gap ? VCOYO_ADDR_GROUPS - (n - i) : i;

		addr->bytes[2 * at] = groups[i] >> 8;
		addr->bytes[2 * at + 1] = groups[i] & 0xff;
	}
	return 0;
}

void vcoyo_addr_format(const struct vcoyo_addr *addr, char *buf)
{
	int best = -1, best_len = 1, run = -1, i;
	char *p = buf;

	/* The longest run of at least two zero groups; the first one on a tie. */
	for (i = 0; i <= VCOYO_ADDR_GROUPS; i++) {
		int zero = i < VCOYO_ADDR_GROUPS &&
			   !addr->bytes[2 * i] && !addr->bytes[2 * i + 1];

		if (zero && run < 0)
			run = i;
		if (!zero && run >= 0) {
			if (i - run > best_len) {
				best = run;
				best_len = i - run;
			}
			run = -1;
		}
	}

	for (i = 0; i < VCOYO_ADDR_GROUPS; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			*p++ = ':';
		p += sprintf(p, "%x", addr->bytes[2 * i] << 8 | addr->bytes[2 * i + 1]);
	}
	*p = '\0';
}
