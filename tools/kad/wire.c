// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding and checked decoding of the messages between routing helpers.
 * A message comes from another node, so nothing in it is trusted: the
 * parser walks every entry once, before the caller reads any.
 */
#include <errno.h>
#include <string.h>
#include "wire.h"

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int kad_wire_parse(struct kad_msg *msg, const uint8_t *buf, size_t len)
{
	const uint8_t *p, *end = buf + len;

	if (len < KAD_HDR_LEN)
		return -EBADMSG;
	if (buf[0] != KAD_WIRE_VERSION)
		return -EPROTO;
	memset(msg, 0, sizeof(*msg));
	msg->type = buf[1];
	msg->path_len = buf[2];
	msg->count = buf[3];
	msg->txid = get_be32(buf + 4);
	msg->end = end;
	p = buf + KAD_HDR_LEN;
	if ((size_t)(end - p) < (size_t)msg->path_len * 8)
		return -EBADMSG;
	msg->path = p;
	p += (size_t)msg->path_len * 8;

	switch (msg->type) {
	case KAD_MSG_PING:
	case KAD_MSG_FIND_NODE:
		/* A request names the path it came by: at least this node. */
		if (!msg->path_len || msg->count)
			return -EBADMSG;
		if (msg->type == KAD_MSG_FIND_NODE) {
			if (end - p < KAD_ID_LEN)
				return -EBADMSG;
			msg->target = p;
			p += KAD_ID_LEN;
		}
		break;
	case KAD_MSG_PONG:
		if (msg->path_len || msg->count)
			return -EBADMSG;
		break;
	case KAD_MSG_NODES:
		if (msg->path_len)
			return -EBADMSG;
		msg->nodes = p;
		for (unsigned int i = 0; i < msg->count; i++) {
			size_t plen;

			if (end - p < KAD_ID_LEN + 1)
				return -EBADMSG;
			plen = p[KAD_ID_LEN];
			p += KAD_ID_LEN + 1;
			/* A node is at least one hop from the one that knows it. */
			if (!plen || (size_t)(end - p) < plen * 8)
				return -EBADMSG;
			p += plen * 8;
		}
		break;
	default:
		return -EBADMSG;
	}
	/* Trailing bytes would be a message this version cannot read. */
	return p == end ? 0 : -EBADMSG;
}

void kad_wire_next_node(const uint8_t **pos, struct kad_wire_node *node)
{
	const uint8_t *p = *pos;

	memcpy(node->id.b, p, KAD_ID_LEN);
	node->path_len = p[KAD_ID_LEN];
	node->path = p + KAD_ID_LEN + 1;
	*pos = node->path + (size_t)node->path_len * 8;
}

static size_t put_hdr(uint8_t *buf, uint8_t type, uint32_t txid, uint8_t path_len)
{
	buf[0] = KAD_WIRE_VERSION;
	buf[1] = type;
	buf[2] = path_len;
	buf[3] = 0;
	put_be32(buf + 4, txid);
	return KAD_HDR_LEN;
}

size_t kad_wire_request(uint8_t *buf, uint8_t type, uint32_t txid, const kad_tag *path,
			uint8_t path_len, const struct kad_id *target)
{
	size_t len = put_hdr(buf, type, txid, path_len);

	for (unsigned int i = 0; i < path_len; i++, len += 8)
		kad_wire_put_tag(buf + len, path[i]);
	if (target) {
		memcpy(buf + len, target->b, KAD_ID_LEN);
		len += KAD_ID_LEN;
	}
	return len;
}

size_t kad_wire_pong(uint8_t *buf, uint32_t txid)
{
	return put_hdr(buf, KAD_MSG_PONG, txid, 0);
}

size_t kad_wire_nodes_start(uint8_t *buf, uint32_t txid)
{
	return put_hdr(buf, KAD_MSG_NODES, txid, 0);
}

size_t kad_wire_add_node(uint8_t *buf, size_t len, const struct kad_id *id, const kad_tag *path,
			 uint8_t path_len)
{
	size_t need = KAD_ID_LEN + 1 + (size_t)path_len * 8;

	if (buf[3] == UINT8_MAX || len + need > KAD_MSG_MAX)
		return len;
	memcpy(buf + len, id->b, KAD_ID_LEN);
	buf[len + KAD_ID_LEN] = path_len;
	len += KAD_ID_LEN + 1;
	for (unsigned int i = 0; i < path_len; i++, len += 8)
		kad_wire_put_tag(buf + len, path[i]);
	buf[3]++;
	return len;
}
