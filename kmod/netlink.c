// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink control interface.  One family, usable from any
 * network namespace, with a strict policy on every attribute; changes need
 * CAP_NET_ADMIN in the user namespace that owns the network namespace.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include "vcoyo.h"

/*
 * One policy per command: an attribute a command does not take is refused,
 * so is every attribute that only the kernel sends.
 */
static const struct nla_policy vcoyo_id_set_policy[VCOYO_A_MAX + 1] = {
	[VCOYO_A_PRIVATE_KEY] = NLA_POLICY_EXACT_LEN(VCOYO_KEY_LEN),
};

static const struct nla_policy vcoyo_no_attr_policy[VCOYO_A_MAX + 1] = {
};

enum vcoyo_mcgrp {
	VCOYO_MCGRP_EVENTS_ID,
};

static const struct genl_multicast_group vcoyo_mcgrps[] = {
	[VCOYO_MCGRP_EVENTS_ID] = { .name = VCOYO_MCGRP_EVENTS },
};

static struct genl_family vcoyo_genl_family;

/* The VCOYO_CMD_ID_GET reply, also the identity event. */
static int vcoyo_fill_identity(struct sk_buff *skb, struct vcoyo_net *vn)
{
	const struct vcoyo_identity *id;
	int err = 0;

	if (nla_put_u16(skb, VCOYO_A_FAMILY, vcoyo_family))
		return -EMSGSIZE;
	rcu_read_lock();
	id = rcu_dereference(vn->identity);
	if (id && (nla_put(skb, VCOYO_A_PUBLIC_KEY, sizeof(id->public_key), id->public_key) ||
		   nla_put(skb, VCOYO_A_ADDRESS, sizeof(id->addr), &id->addr)))
		err = -EMSGSIZE;
	rcu_read_unlock();
	return err;
}

static int vcoyo_fill_stats(struct sk_buff *skb, struct vcoyo_net *vn)
{
	struct nlattr *nest;
	int stat;

	nest = nla_nest_start(skb, VCOYO_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (stat = VCOYO_STAT_FIRST; stat <= VCOYO_STAT_MAX; stat++)
		if (nla_put_u64_64bit(skb, stat, vcoyo_stat_read(vn, stat), VCOYO_STAT_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Build a message of @cmd filled by @fill, sized for every reply we send. */
static struct sk_buff *vcoyo_genl_build(struct vcoyo_net *vn, u32 portid, u32 seq, u8 cmd,
					int (*fill)(struct sk_buff *, struct vcoyo_net *))
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	hdr = genlmsg_put(skb, portid, seq, &vcoyo_genl_family, 0, cmd);
	if (!hdr || fill(skb, vn)) {
		nlmsg_free(skb);
		return ERR_PTR(-EMSGSIZE);
	}
	genlmsg_end(skb, hdr);
	return skb;
}

static int vcoyo_genl_reply(struct genl_info *info,
			    int (*fill)(struct sk_buff *, struct vcoyo_net *))
{
	struct vcoyo_net *vn = vcoyo_pernet(genl_info_net(info));
	struct sk_buff *skb;

	skb = vcoyo_genl_build(vn, info->snd_portid, info->snd_seq,
			       info->genlhdr->cmd, fill);
	if (IS_ERR(skb))
		return PTR_ERR(skb);
	return genlmsg_reply(skb, info);
}

static int vcoyo_nl_id_get(struct sk_buff *skb, struct genl_info *info)
{
	return vcoyo_genl_reply(info, vcoyo_fill_identity);
}

static int vcoyo_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	return vcoyo_genl_reply(info, vcoyo_fill_stats);
}

static int vcoyo_nl_id_set(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	int err;

	if (GENL_REQ_ATTR_CHECK(info, VCOYO_A_PRIVATE_KEY))
		return -EINVAL;
	err = vcoyo_identity_set(vcoyo_pernet(net),
				 nla_data(info->attrs[VCOYO_A_PRIVATE_KEY]),
				 info->extack);
	if (!err)
		vcoyo_genl_notify_identity(net);
	return err;
}

void vcoyo_genl_notify_identity(struct net *net)
{
	struct sk_buff *skb;

	skb = vcoyo_genl_build(vcoyo_pernet(net), 0, 0, VCOYO_CMD_ID_SET,
			       vcoyo_fill_identity);
	if (IS_ERR(skb))
		return;
	genlmsg_multicast_netns(&vcoyo_genl_family, net, skb, 0,
				VCOYO_MCGRP_EVENTS_ID, GFP_KERNEL);
}

static const struct genl_ops vcoyo_genl_ops[] = {
	{
		.cmd = VCOYO_CMD_ID_GET,
		.doit = vcoyo_nl_id_get,
		.policy = vcoyo_no_attr_policy,
		.maxattr = VCOYO_A_MAX,
	},
	{
		.cmd = VCOYO_CMD_ID_SET,
		.doit = vcoyo_nl_id_set,
		.policy = vcoyo_id_set_policy,
		.maxattr = VCOYO_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = VCOYO_CMD_STATS_GET,
		.doit = vcoyo_nl_stats_get,
		.policy = vcoyo_no_attr_policy,
		.maxattr = VCOYO_A_MAX,
	},
};

/* resv_start_op is left at zero: every command is strictly validated. */
static struct genl_family vcoyo_genl_family __ro_after_init = {
	.name = VCOYO_GENL_NAME,
	.version = VCOYO_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = vcoyo_genl_ops,
	.n_ops = ARRAY_SIZE(vcoyo_genl_ops),
	.mcgrps = vcoyo_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vcoyo_mcgrps),
};

int vcoyo_genl_init(void)
{
	return genl_register_family(&vcoyo_genl_family);
}

void vcoyo_genl_exit(void)
{
	genl_unregister_family(&vcoyo_genl_family);
}
MODULE_ALIAS_GENL_FAMILY(VCOYO_GENL_NAME);
