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

/*
 * The checks bind() makes of every socket type: a well-formed address, a
 * port below 1024 only with CAP_NET_BIND_SERVICE, and an address of this
 * node (or the any address).  The port, host order, goes to @port.
 */
int vcoyo_bind_check(struct sock *sk, const struct sockaddr *uaddr, int len, u16 *port)
{
	const struct sockaddr_vcoyo *sa = (const struct sockaddr_vcoyo *)uaddr;
	int err;

	err = vcoyo_sockaddr_check(uaddr, len);
	if (err)
		return err;
	*port = ntohs(sa->svc_port);
	if (*port && *port < VCOYO_PORT_PRIVILEGED &&
	    !ns_capable(sock_net(sk)->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;
	if (!vcoyo_addr_is_local(vcoyo_pernet(sock_net(sk)), &sa->svc_addr))
		return -EADDRNOTAVAIL;
	return 0;
}

void vcoyo_fill_sockaddr(struct sockaddr_vcoyo *sa, const struct vcoyo_addr *addr, u16 port)
{
	memset(sa, 0, sizeof(*sa));
	sa->svc_family = vcoyo_family;
	sa->svc_port = htons(port);
	sa->svc_addr = *addr;
}

static int vcoyo_create(struct net *net, struct socket *sock, int protocol, int kern)
{
	if (protocol)
		return -EPROTONOSUPPORT;

	switch (sock->type) {
	case SOCK_DGRAM:
		return vcoyo_dgram_create(net, sock, kern);
	case SOCK_STREAM:
		return vcoyo_stream_create(net, sock, kern);
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
