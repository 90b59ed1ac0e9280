// SPDX-License-Identifier: GPL-2.0
/*
 * The routing helper: a userspace program (vcoyod) that answers route
 * misses.  One netlink socket per node registers with VCOYO_CMD_HELPER_SET
 * and stays the helper until it closes; then the misses it was asked about
 * fail at once (they would only time out), and another program may
 * register.  The kernel learns of the close from the netlink notifier
 * chain (NETLINK_URELEASE), which runs in process context for every
 * netlink socket that was bound: it must be cheap for all the others.
 *
 * Misses themselves (the RESOLVING tunnels, the events, the answers) are
 * tunnel.c's and netlink.c's; this file only knows who the helper is.
 */
#include <linux/netlink.h>
#include <linux/notifier.h>
#include "vcoyo.h"

int vcoyo_helper_set(struct vcoyo_net *vn, u32 portid, struct netlink_ext_ack *extack)
{
	int err = 0;

	mutex_lock(&vn->conf_lock);
	if (vn->helper_portid && vn->helper_portid != portid) {
		NL_SET_ERR_MSG(extack, "another socket is the routing helper");
		err = -EBUSY;
	} else {
		WRITE_ONCE(vn->helper_portid, portid);
	}
	mutex_unlock(&vn->conf_lock);
	return err;
}

/* A netlink socket was released: if it was a helper, that helper is gone. */
static int vcoyo_helper_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct vcoyo_net *vn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC || !n->portid)
		return NOTIFY_DONE;
	/* The socket held its namespace until now: the node is still there. */
	vn = vcoyo_pernet(n->net);
	if (READ_ONCE(vn->helper_portid) != n->portid)
		return NOTIFY_DONE;
	mutex_lock(&vn->conf_lock);
	if (vn->helper_portid == n->portid) {
		WRITE_ONCE(vn->helper_portid, 0);
		vcoyo_tunnels_helper_gone(vn);
	}
	mutex_unlock(&vn->conf_lock);
	return NOTIFY_OK;
}

static struct notifier_block vcoyo_helper_notifier = {
	.notifier_call = vcoyo_helper_event,
};

int vcoyo_helper_init(void)
{
	return netlink_register_notifier(&vcoyo_helper_notifier);
}

void vcoyo_helper_exit(void)
{
	netlink_unregister_notifier(&vcoyo_helper_notifier);
}
