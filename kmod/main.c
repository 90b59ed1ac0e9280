// SPDX-License-Identifier: GPL-2.0
/*
 * vcoyo.ko: IPvCoyo, networking with 512-bit endpoint identifiers.
 *
 * Module entry and exit.  The order of init matters: per-namespace state
 * first, then the control plane, then the socket family, so that no socket
 * or netlink request can see a half-initialised node.  Exit runs in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/socket.h>
#include "vcoyo.h"

int vcoyo_family = VCOYO_AF_DEFAULT;
module_param_named(family, vcoyo_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register AF_VCOYO under (default 22)");

static int __init vcoyo_init(void)
{
	int err;

	if (vcoyo_family <= AF_UNSPEC || vcoyo_family >= AF_MAX) {
		pr_err("family=%d is out of range (1..%d)\n", vcoyo_family, AF_MAX - 1);
		return -EINVAL;
	}

	err = vcoyo_identity_init();
	if (err)
		return err;
	err = vcoyo_netns_init();
	if (err)
		goto err_identity;
	err = vcoyo_genl_init();
	if (err)
		goto err_netns;
	err = vcoyo_helper_init();
	if (err)
		goto err_genl;
	err = vcoyo_dgram_init();
	if (err)
		goto err_helper;
	err = vcoyo_stream_init();
	if (err)
		goto err_dgram;
	err = vcoyo_af_init();
	if (err)
		goto err_stream;

	pr_info("IPvCoyo address family %d registered\n", vcoyo_family);
	return 0;

err_stream:
	vcoyo_stream_exit();
err_dgram:
	vcoyo_dgram_exit();
err_helper:
	vcoyo_helper_exit();
err_genl:
	vcoyo_genl_exit();
err_netns:
	vcoyo_netns_exit();
err_identity:
	vcoyo_identity_exit();
	return err;
}

static void __exit vcoyo_exit(void)
{
	vcoyo_af_exit();
	vcoyo_stream_exit();
	vcoyo_dgram_exit();
	vcoyo_helper_exit();
	vcoyo_genl_exit();
	vcoyo_netns_exit();
	/* Links are freed by RCU callbacks of this module: let them run first. */
	rcu_barrier();
	vcoyo_identity_exit();
}

module_init(vcoyo_init);
module_exit(vcoyo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IPvCoyo: sockets and routing with 512-bit endpoint identifiers");
MODULE_AUTHOR("The vcoyo developers");
MODULE_SOFTDEP("pre: sha512");
