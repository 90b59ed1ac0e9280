// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the text form of 512-bit addresses (tools/lib/addr.c):
 * known forms, rejection of bad text, and round trips of random addresses.
 */
#include <stdint.h>
#include <sodium.h>
#include "addr.h"
#include "tap.h"

static int parses_to(const char *text, const char *canonical)
{
	char buf[VCOYO_ADDR_STRLEN];
	struct vcoyo_addr a;
	const char *err;

	if (vcoyo_addr_parse(text, &a, &err)) {
		tap_diag("'%s': %s", text, err);
		return 0;
	}
	vcoyo_addr_format(&a, buf);
	if (strcmp(buf, canonical)) {
		tap_diag("'%s' formats as '%s', wanted '%s'", text, buf, canonical);
		return 0;
	}
	return 1;
}

static int rejects(const char *text, const char *why)
{
	struct vcoyo_addr a;
	const char *err = NULL;

	if (!vcoyo_addr_parse(text, &a, &err)) {
		tap_diag("'%s' was accepted", text);
		return 0;
	}
	if (!err || !strstr(err, why)) {
		tap_diag("'%s': error '%s', wanted '%s'", text, err ? err : "(none)", why);
		return 0;
	}
	return 1;
}

/* A random address with random runs of zero groups, to exercise "::". */
static void random_addr(struct vcoyo_addr *a)
{
	int g;

	randombytes_buf(a->bytes, sizeof(a->bytes));
	for (g = 0; g < VCOYO_ADDR_GROUPS; g++) {
		uint32_t r = randombytes_uniform(8);

		if (r < 3)
			a->bytes[2 * g] = a->bytes[2 * g + 1] = 0;
		else if (r == 3)
			a->bytes[2 * g] = 0;
	}
}

static void test_round_trips(int rounds)
{
	char buf[VCOYO_ADDR_STRLEN], again[VCOYO_ADDR_STRLEN];
	int i, bad = 0, longest = 0;
	struct vcoyo_addr a, b;
	const char *err;

	for (i = 0; i < rounds && !bad; i++) {
		random_addr(&a);
		vcoyo_addr_format(&a, buf);
		if ((int)strlen(buf) > longest)
			longest = strlen(buf);
		if (vcoyo_addr_parse(buf, &b, &err)) {
			tap_diag("'%s' does not parse: %s", buf, err);
			bad++;
		} else if (memcmp(&a, &b, sizeof(a))) {
			tap_diag("'%s' parses to another address", buf);
			bad++;
		} else {
			vcoyo_addr_format(&b, again);
			if (strcmp(buf, again))
				bad++;
		}
	}
	tap_ok(!bad, "%d random addresses round-trip through text (longest %d chars)",
	       rounds, longest);
}

int main(void)
{
	char full[VCOYO_ADDR_STRLEN], buf[2 * VCOYO_ADDR_STRLEN];
	char expect[2 * VCOYO_ADDR_STRLEN];
	struct vcoyo_addr a;
	const char *err;
	int i;

	if (sodium_init() < 0)
		return 1;

	memset(&a, 0, sizeof(a));
	vcoyo_addr_format(&a, buf);
	tap_ok(!strcmp(buf, "::"), "the any address is '::' (got '%s')", buf);

	memset(&a, 0xff, sizeof(a));
	vcoyo_addr_format(&a, full);
	tap_ok(strlen(full) == VCOYO_ADDR_STRLEN - 1,
	       "the longest form is %d characters", VCOYO_ADDR_STRLEN - 1);
	tap_ok(parses_to(full, full), "a full address round-trips");

	for (i = 0; i < VCOYO_ADDR_LEN; i++)
		a.bytes[i] = i;
	vcoyo_addr_format(&a, buf);
	tap_ok(!strncmp(buf, "1:203:405:607:", 14), "leading zeroes are dropped ('%.20s...')", buf);

	tap_ok(parses_to("::1", "::1"), "'::1' parses");
	tap_ok(parses_to("1::", "1::"), "'1::' parses");
	tap_ok(parses_to("ABCD::EF01", "abcd::ef01"), "upper case parses, formats lower case");
	tap_ok(parses_to("0001:0000:0000:0002::", "1:0:0:2::"),
	       "the longest zero run is the one compressed");
	tap_ok(parses_to("1:0:0:2:0:0:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f",
			 "1::2:0:0:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f:f"),
	       "the first of two equal zero runs is compressed");
	tap_ok(parses_to("1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0",
			 "1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0:1:0"),
	       "a single zero group is not compressed");

	tap_ok(rejects("", "empty"), "empty text is rejected");
	tap_ok(rejects("1:2:3", "fewer than 32 groups"), "too few groups are rejected");
	tap_ok(rejects("1::2::3", "more than one '::'"), "two '::' are rejected");
	tap_ok(rejects("12345::", "more than 4 hex digits"), "five-digit groups are rejected");
	tap_ok(rejects("::g", "invalid character"), "non-hex characters are rejected");
	tap_ok(rejects(":1::", "single ':'"), "a leading single ':' is rejected");
	tap_ok(rejects("1::2:", "single ':'"), "a trailing single ':' is rejected");
	tap_ok(rejects("::1 ", "invalid character"), "trailing space is rejected");
	snprintf(buf, sizeof(buf), "%s:1", full);
	tap_ok(rejects(buf, "more than 32 groups"), "33 groups are rejected");
	snprintf(buf, sizeof(buf), "ffff::%s", full + 10);
	snprintf(expect, sizeof(expect), "ffff:0:%s", full + 10);
	tap_ok(parses_to(buf, expect), "'::' may stand for a single group");
	snprintf(buf, sizeof(buf), "::%s", full);
	tap_ok(rejects(buf, "'::' stands for no group"), "'::' with 32 groups is rejected");
	tap_ok(vcoyo_addr_parse("1.2.3.4", &a, &err) == -1, "dotted text is rejected");

	test_round_trips(100000);
	return tap_done();
}
