// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_VCOYO address family: registration under the configured number,
 * socket creation by type, and the checks every socket address goes through.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include "vcoyo.h"

/*
 * Returns 0 for a well-formed sockaddr_vcoyo; the errors are those inet gives
 * for a sockaddr_in: EINVAL if too short, EAFNOSUPPORT for another family.
 */
int vcoyo_sockaddr_check(const struct sockaddr *uaddr, int len)
{
	const struct sockaddr_vcoyo *sa = (const struct sockaddr_vcoyo *)uaddr;

	if (len < (int)sizeof(*sa))
		return -EINVAL;
	if (sa->svc_family != vcoyo_family)
		return -EAFNOSUPPORT;
	if (sa->svc_reserved)
		return -EINVAL;
	return 0;
}

static int vcoyo_create(struct net *net, struct socket *sock, int protocol, int kern)
{
	if (protocol)
		return -EPROTONOSUPPORT;

	switch (sock->type) {
	case SOCK_DGRAM:
		return vcoyo_dgram_create(net, sock, kern);
	default:
		return -ESOCKTNOSUPPORT;
	}
}

/* Not const: the family number is a module parameter, known at load time. */
static struct net_proto_family vcoyo_family_ops = {
	.create = vcoyo_create,
	.owner = THIS_MODULE,
};

int vcoyo_af_init(void)
{
	int err;

	vcoyo_family_ops.family = vcoyo_family;
	err = sock_register(&vcoyo_family_ops);
	if (err == -EEXIST)
		pr_err("address family %d is already registered; load with family=N to pick a free number below %d\n",
		       vcoyo_family, AF_MAX);
	return err;
}

void vcoyo_af_exit(void)
{
	sock_unregister(vcoyo_family);
}
