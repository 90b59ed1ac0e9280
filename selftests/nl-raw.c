// SPDX-License-Identifier: GPL-2.0
/*
 * nl-raw: the identity commands of vcoyo's generic netlink family, driven
 * with requests vcoyo-nl never sends: keys of the wrong length, unknown,
 * read-only and missing attributes, and an unprivileged caller.  Each refusal
 * must come with the right errno and an extended ACK explaining it, and must
 * leave the identity as it was.  Also checks the identity event.  Prints TAP;
 * run it in a fresh network namespace (selftests/identity.sh does).
 *
 *   nl-raw                      the tests
 *   nl-raw as-nobody CMD ARG... run CMD as uid/gid 65534, without capabilities
 */
#include <grp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "af.h"
#include "keys.h"
#include "nl.h"
#include "tap.h"

#define NOBODY		65534
#define EVENT_TIMEOUT_MS	5000

/* RFC 7748 section 6.1: Alice's private key and the public key it gives. */
static const uint8_t alice_priv[VCOYO_KEY_LEN] = {
	0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d,
	0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
	0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a,
	0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a,
};

static const uint8_t alice_pub[VCOYO_KEY_LEN] = {
	0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54,
	0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
	0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4,
	0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
};

/* An ID_GET reply or identity event, as received. */
struct identity {
	int n;			/* messages received */
	uint8_t cmd;
	int family;		/* -1: absent */
	bool has_key;
	uint8_t pub[VCOYO_KEY_LEN];
	struct vcoyo_addr addr;
};

static int identity_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	struct identity *id = arg;

	id->n++;
	id->cmd = msg->cmd;
	id->family = msg->tb[VCOYO_A_FAMILY] ? mnl_attr_get_u16(msg->tb[VCOYO_A_FAMILY]) : -1;
	id->has_key = msg->tb[VCOYO_A_PUBLIC_KEY] && msg->tb[VCOYO_A_ADDRESS];
	if (id->has_key) {
		memcpy(id->pub, mnl_attr_get_payload(msg->tb[VCOYO_A_PUBLIC_KEY]), VCOYO_KEY_LEN);
		memcpy(&id->addr, mnl_attr_get_payload(msg->tb[VCOYO_A_ADDRESS]), VCOYO_ADDR_LEN);
	}
	return 0;
}

static int id_get(struct vcoyo_nl *nl, struct identity *id)
{
	memset(id, 0, sizeof(*id));
	return vcoyo_nl_request(nl, VCOYO_CMD_ID_GET, NULL, NULL, identity_cb, id);
}

/* The identity is Alice's: her public key, and SHA-512 of it as address. */
static bool is_alice(const struct identity *id)
{
	struct vcoyo_addr addr;

	vcoyo_key_addr(&addr, alice_pub);
	return id->has_key && !memcmp(id->pub, alice_pub, VCOYO_KEY_LEN) &&
	       !memcmp(&id->addr, &addr, sizeof(addr));
}

static int id_set_attrs(struct vcoyo_nl *nl, const struct vcoyo_nl_attr *attrs, size_t n)
{
	return vcoyo_nl_request_attrs(nl, VCOYO_CMD_ID_SET, attrs, n, NULL, NULL);
}

/*
 * A request that must fail with errno want_err and an extended ACK saying why.
 * The netlink core gives ERANGE for a length outside the policy's range.
 */
static void check_refused(struct vcoyo_nl *nl, const char *what, int want_err, const char *want,
			  const struct vcoyo_nl_attr *attrs, size_t n)
{
	int ret = id_set_attrs(nl, attrs, n), err = errno;
	const char *extack = vcoyo_nl_extack(nl);

	tap_diag("%s: returned %d, errno %d (%s), extack \"%s\"", what, ret, err,
		 strerror(err), extack ? extack : "");
	tap_ok(ret == -1 && err == want_err, "%s: %s", what, strerrorname_np(want_err));
	tap_ok(extack && strstr(extack, want), "%s: extack says \"%s\"", what, want);
}

static void test_bad_requests(struct vcoyo_nl *nl)
{
	uint8_t key[VCOYO_KEY_LEN + 1] = { 0 };
	const struct vcoyo_nl_attr short_key[] = { { VCOYO_A_PRIVATE_KEY, 31, key } };
	const struct vcoyo_nl_attr long_key[] = { { VCOYO_A_PRIVATE_KEY, 33, key } };
	const struct vcoyo_nl_attr unknown[] = {
		{ VCOYO_A_PRIVATE_KEY, VCOYO_KEY_LEN, key },
		{ VCOYO_A_MAX + 1, 4, key },
	};
	const struct vcoyo_nl_attr read_only[] = {
		{ VCOYO_A_PRIVATE_KEY, VCOYO_KEY_LEN, key },
		{ VCOYO_A_PUBLIC_KEY, VCOYO_KEY_LEN, key },
	};
	struct identity id;

	check_refused(nl, "31-byte private key", ERANGE, "out of range", short_key, 1);
	check_refused(nl, "33-byte private key", ERANGE, "out of range", long_key, 1);
	check_refused(nl, "unknown attribute", EINVAL, "Unknown attribute", unknown, 2);
	check_refused(nl, "public key in ID_SET", EINVAL, "Unsupported attribute", read_only, 2);
	check_refused(nl, "no private key", EINVAL, "missing required attribute: private key",
		      NULL, 0);
	tap_ok(!id_get(nl, &id) && is_alice(&id), "refused requests left the identity alone");
}

/* Alice's key through the kernel: her public key, its hash, and an event. */
static void test_set(struct vcoyo_nl *nl, struct vcoyo_nl *events)
{
	const struct vcoyo_nl_attr attrs[] = { { VCOYO_A_PRIVATE_KEY, VCOYO_KEY_LEN, alice_priv } };
	struct pollfd pfd = { .fd = vcoyo_nl_fd(events), .events = POLLIN };
	struct identity id, ev = { 0 };

	tap_call(id_set_attrs(nl, attrs, 1), "ID_SET with RFC 7748 Alice's key");
	tap_ok(!id_get(nl, &id) && id.n == 1 && is_alice(&id),
	       "ID_GET: RFC 7748 public key, address SHA-512 of it");
	tap_ok(poll(&pfd, 1, EVENT_TIMEOUT_MS) == 1 && !vcoyo_nl_recv(events, identity_cb, &ev),
	       "identity event received");
	tap_ok(ev.n == 1 && ev.cmd == VCOYO_CMD_ID_SET && ev.family == vcoyo_af() && is_alice(&ev),
	       "identity event: VCOYO_CMD_ID_SET with family, new key and address");
}

static void test_fresh(struct vcoyo_nl *nl)
{
	struct identity id;

	tap_ok(!id_get(nl, &id) && id.n == 1 && !id.has_key,
	       "ID_GET in a fresh namespace: no key, no address");
	tap_ok(id.family > 0 && id.family == vcoyo_af(), "ID_GET: family %d is the module's (%d)",
	       id.family, vcoyo_af());
}

static int drop_privileges(void)
{
	gid_t gid = NOBODY;

	/* Changing every uid away from 0 clears all capability sets too. */
	return setgroups(1, &gid) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY) ? -1 : 0;
}

/* In the child, as nobody: bit 0 open, 1 ID_GET, 2 ID_SET not refused with EPERM. */
static int unprivileged_child(void)
{
	const struct vcoyo_nl_attr attrs[] = { { VCOYO_A_PRIVATE_KEY, VCOYO_KEY_LEN, alice_pub } };
	struct vcoyo_nl *nl;
	struct identity id;
	char err[256];
	int ret = 0;

	if (drop_privileges())
		return 7;
	nl = vcoyo_nl_open(err, sizeof(err));
	if (!nl)
		return 7;
	if (id_get(nl, &id) || !is_alice(&id))
		ret |= 2;
	if (id_set_attrs(nl, attrs, 1) != -1 || errno != EPERM)
		ret |= 4;
	vcoyo_nl_close(nl);
	return ret;
}

static void test_unprivileged(struct vcoyo_nl *nl)
{
	struct identity id;
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid)
		_exit(unprivileged_child());
	if (pid > 0)
		waitpid(pid, &status, 0);
	tap_diag("unprivileged child: status %#x", status);
	tap_ok(WIFEXITED(status) && !(WEXITSTATUS(status) & 1), "uid 65534: netlink handle opens");
	tap_ok(WIFEXITED(status) && !(WEXITSTATUS(status) & 3), "uid 65534: ID_GET works");
	tap_ok(WIFEXITED(status) && !(WEXITSTATUS(status) & 5), "uid 65534: ID_SET fails, EPERM");
	tap_ok(!id_get(nl, &id) && is_alice(&id), "refused ID_SET left the identity alone");
}

static int as_nobody(char **argv)
{
	if (drop_privileges()) {
		perror("nl-raw: as-nobody");
		return 1;
	}
	execvp(argv[0], argv);
	perror(argv[0]);
	return 1;
}

int main(int argc, char **argv)
{
	struct vcoyo_nl *nl, *events;
	char err[256];

	if (argc > 2 && !strcmp(argv[1], "as-nobody"))
		return as_nobody(argv + 2);
	nl = vcoyo_nl_open(err, sizeof(err));
	events = vcoyo_nl_open(err, sizeof(err));
	if (!tap_ok(nl && events, "open generic netlink handles")) {
		tap_diag("%s", err);
		return tap_done();
	}
	tap_ok(vcoyo_nl_mcast_group(nl, VCOYO_MCGRP_EVENTS) > 0,
	       "multicast group \"events\" found");
	tap_ok(vcoyo_nl_mcast_group(nl, "nonexistent") == -1 && errno == ENOENT,
	       "multicast group \"nonexistent\" not found");
	tap_call(vcoyo_nl_subscribe(events, VCOYO_MCGRP_EVENTS), "subscribe to \"events\"");
	test_fresh(nl);
	test_set(nl, events);
	test_bad_requests(nl);
	test_unprivileged(nl);
	vcoyo_nl_close(events);
	vcoyo_nl_close(nl);
	return tap_done();
}
