// SPDX-License-Identifier: GPL-2.0
/*
 * Node identity.  The administrator gives a Curve25519 private key; the node's
 * public key is derived from it and its 512-bit address is SHA-512 of the
 * public key.  The private key never leaves the kernel again.  The public half
 * is published under RCU because every send and bind consults it.
 */
#include <crypto/curve25519.h>
#include <crypto/hash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "vcoyo.h"

/* SHA-512 is stateless per call: one transform serves every namespace. */
static struct crypto_shash *vcoyo_sha512;

int vcoyo_identity_init(void)
{
	vcoyo_sha512 = crypto_alloc_shash("sha512", 0, 0);
	return PTR_ERR_OR_ZERO(vcoyo_sha512);
}

void vcoyo_identity_exit(void)
{
	crypto_free_shash(vcoyo_sha512);
}

/* A node's address is SHA-512 of its public key; any context. */
int vcoyo_addr_of_key(const u8 *public_key, struct vcoyo_addr *addr)
{
	return crypto_shash_tfm_digest(vcoyo_sha512, public_key, VCOYO_KEY_LEN,
				       addr->bytes);
}

static struct vcoyo_identity *vcoyo_identity_derive(const u8 *private_key,
						    struct netlink_ext_ack *extack)
{
	u8 secret[CURVE25519_KEY_SIZE];
	struct vcoyo_identity *id;
	int err;

	id = kzalloc(sizeof(*id), GFP_KERNEL);
	if (!id)
		return ERR_PTR(-ENOMEM);

	memcpy(secret, private_key, sizeof(secret));
	curve25519_clamp_secret(secret);
	/*
	 * Only the all-zero point is refused, which a clamped secret cannot
	 * give; the check stays because the library marks it __must_check.
	 */
	if (!curve25519_generate_public(id->public_key, secret)) {
		NL_SET_ERR_MSG(extack, "private key gives a weak public key");
		err = -EINVAL;
		goto err;
	}
	err = vcoyo_addr_of_key(id->public_key, &id->addr);
	if (err)
		goto err;
	memzero_explicit(secret, sizeof(secret));
	return id;

err:
	memzero_explicit(secret, sizeof(secret));
	kfree(id);
	return ERR_PTR(err);
}

int vcoyo_identity_set(struct vcoyo_net *vn, const u8 *private_key,
		       struct netlink_ext_ack *extack)
{
	struct vcoyo_identity *id, *old;

	id = vcoyo_identity_derive(private_key, extack);
	if (IS_ERR(id))
		return PTR_ERR(id);

	mutex_lock(&vn->conf_lock);
	memcpy(vn->private_key, private_key, sizeof(vn->private_key));
	curve25519_clamp_secret(vn->private_key);
	old = rcu_replace_pointer(vn->identity, id, lockdep_is_held(&vn->conf_lock));
	mutex_unlock(&vn->conf_lock);

	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/* Only at namespace exit: nothing can look the identity up any more. */
void vcoyo_identity_clear(struct vcoyo_net *vn)
{
	struct vcoyo_identity *old;

	old = rcu_replace_pointer(vn->identity, NULL, true);
	memzero_explicit(vn->private_key, sizeof(vn->private_key));
	if (old)
		kfree_rcu(old, rcu);
}

bool vcoyo_addr_is_any(const struct vcoyo_addr *addr)
{
	return !memchr_inv(addr->bytes, 0, sizeof(addr->bytes));
}

/* The any address stands for this node, as INADDR_ANY does for UDP. */
bool vcoyo_addr_is_local(struct vcoyo_net *vn, const struct vcoyo_addr *addr)
{
	const struct vcoyo_identity *id;
	bool local;

	if (vcoyo_addr_is_any(addr))
		return true;
	rcu_read_lock();
	id = rcu_dereference(vn->identity);
	local = id && !memcmp(&id->addr, addr, sizeof(*addr));
	rcu_read_unlock();
	return local;
}

/* The node's address, or the any address while no identity is set. */
void vcoyo_local_addr(struct vcoyo_net *vn, struct vcoyo_addr *addr)
{
	const struct vcoyo_identity *id;

	rcu_read_lock();
	id = rcu_dereference(vn->identity);
	if (id)
		*addr = id->addr;
	else
		memset(addr, 0, sizeof(*addr));
	rcu_read_unlock();
}

/* The node's public key, for hellos; false while no identity is set. */
bool vcoyo_local_public_key(struct vcoyo_net *vn, u8 *key)
{
	const struct vcoyo_identity *id;

	rcu_read_lock();
	id = rcu_dereference(vn->identity);
	if (id)
		memcpy(key, id->public_key, VCOYO_KEY_LEN);
	rcu_read_unlock();
	return id;
}
