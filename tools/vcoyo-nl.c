// SPDX-License-Identifier: GPL-2.0
/*
 * vcoyo-nl: configure an IPvCoyo node, in the style of ip(8) and wg(8).
 * Documentation/vcoyo-nl.rst describes each command.  Commands live in
 * tables of struct verb: a new one (route, monitor...) is a function and a
 * table entry.  Every failure exits with status 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include "addr.h"
#include "keys.h"
#include "nl.h"

#define PROG	"vcoyo-nl"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct verb;

/* What the running command needs to know: output format, and its own name. */
struct ctx {
	bool json;
	bool json_first;		/* no member of the JSON object printed yet */
	bool list_first;		/* no object of the list printed yet */
	const char *indent;		/* before each text line (NULL: none) */
	const struct verb *parent;	/* "id" while running "id show" */
	const struct verb *verb;
};

struct verb {
	const char *name;
	int (*run)(struct ctx *ctx, int argc, char **argv);
	const struct verb *sub;		/* a verb with sub-verbs has no run */
	const char *args;
	const char *help;
};

static const struct verb verbs[];

/* Usage of every verb of table, sub-verbs under their parent's name. */
static void usage_table(FILE *f, const struct verb *table, const char *prefix)
{
	const struct verb *v;
	char name[128];

	for (v = table; v->name; v++) {
		snprintf(name, sizeof(name), "%s%s %s", prefix, v->name, v->args);
		if (v->sub)
			usage_table(f, v->sub, name);
		else if (strlen(name) > 30)	/* the help on a line of its own */
			fprintf(f, "  %s [-j] %s\n%*s%s\n", PROG, name, 47, "", v->help);
		else
			fprintf(f, "  %s [-j] %-30s %s\n", PROG, name, v->help);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [-j|--json] COMMAND [ARGUMENTS]\n", PROG);
	usage_table(f, verbs, "");
	fprintf(f, "  %s %-35s %s\n", PROG, "[-j] -b|--batch FILE",
		"the commands in FILE ('-': stdin), one a line");
	fprintf(f, "  %s %-35s %s\n", PROG, "-h|--help", "this text");
}

/* The command's full name, e.g. "id set", for messages. */
static const char *verb_name(const struct ctx *ctx)
{
	static char name[64];

	snprintf(name, sizeof(name), "%s%s%s", ctx->parent ? ctx->parent->name : "",
		 ctx->parent ? " " : "", ctx->verb->name);
	return name;
}

/* A bad command line: say which word is wrong, then how to say it. */
__attribute__((format(printf, 2, 3)))
static int usage_error(const struct ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (ctx && ctx->verb)
		fprintf(stderr, "usage: %s %s %s\n", PROG, verb_name(ctx), ctx->verb->args);
	else
		usage(stderr);
	return 1;
}

static int no_args(const struct ctx *ctx, int argc, char **argv)
{
	if (argc)
		return usage_error(ctx, "%s: unexpected argument '%s'", verb_name(ctx), argv[0]);
	return 0;
}

/* A request the kernel refused: what failed, why, and its own explanation. */
static int nl_error(const struct ctx *ctx, const struct vcoyo_nl *nl)
{
	const char *extack = vcoyo_nl_extack(nl);

	fprintf(stderr, "%s: %s: %s%s%s\n", PROG, verb_name(ctx), strerror(errno),
		extack ? ": " : "", extack ? extack : "");
	return 1;
}

static struct vcoyo_nl *nl_open(void)
{
	struct vcoyo_nl *nl;
	char err[256];

	nl = vcoyo_nl_open(err, sizeof(err));
	if (!nl)
		fprintf(stderr, "%s: %s\n", PROG, err);
	return nl;
}

/* The kernel accepted but had a remark (an extack warning): pass it on. */
static void nl_warning(const struct vcoyo_nl *nl)
{
	const char *extack = vcoyo_nl_extack(nl);

	if (extack)
		fprintf(stderr, "%s: warning: %s\n", PROG, extack);
}

/*
 * Output: one JSON object per command with -j, else "label: value" lines.
 * Values without a label (genkey, pubkey, address) print bare in text mode.
 */
static void out_begin(struct ctx *ctx)
{
	ctx->json_first = true;
	if (ctx->json)
		putchar('{');
}

static void out_end(const struct ctx *ctx)
{
	if (ctx->json)
		puts("}");
}

/*
 * A list of objects (link show): a JSON array of them on one line, or in text
 * a block per object, its first line unindented, the others indented, blocks
 * separated by an empty line.
 */
static void out_list_begin(struct ctx *ctx)
{
	ctx->list_first = true;
	if (ctx->json)
		putchar('[');
}

static void out_list_item(struct ctx *ctx)
{
	ctx->json_first = true;
	if (ctx->json)
		fputs(ctx->list_first ? "{" : ", {", stdout);
	else if (!ctx->list_first)
		putchar('\n');
	ctx->list_first = false;
}

static void out_list_item_end(const struct ctx *ctx)
{
	if (ctx->json)
		putchar('}');
}

static void out_list_end(const struct ctx *ctx)
{
	if (ctx->json)
		puts("]");
}

static const char *out_indent(const struct ctx *ctx)
{
	return ctx->indent ? ctx->indent : "";
}

static void out_json_key(struct ctx *ctx, const char *key)
{
	printf("%s\"%s\": ", ctx->json_first ? "" : ", ", key);
	ctx->json_first = false;
}

/* Escape what JSON requires, so any future string value stays valid. */
static void out_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* A string value; NULL is JSON null, "none" in text. */
static void out_str(struct ctx *ctx, const char *key, const char *label, const char *value)
{
	if (ctx->json) {
		out_json_key(ctx, key);
		if (value)
			out_json_string(value);
		else
			fputs("null", stdout);
	} else if (label) {
		printf("%s%s: %s\n", out_indent(ctx), label, value ? value : "none");
	} else {
		puts(value);
	}
}

/* A number; without a label, bare in text as out_str() prints it. */
static void out_u64(struct ctx *ctx, const char *key, const char *label, uint64_t value)
{
	if (ctx->json) {
		out_json_key(ctx, key);
		printf("%" PRIu64, value);
	} else if (label) {
		printf("%s%s: %" PRIu64 "\n", out_indent(ctx), label, value);
	} else {
		printf("%" PRIu64 "\n", value);
	}
}

/* A number with a unit: "label: VALUE UNIT" in text, the bare number in JSON. */
static void out_num_unit(struct ctx *ctx, const char *key, const char *label, const char *value,
			 const char *unit)
{
	if (ctx->json) {
		out_json_key(ctx, key);
		fputs(value, stdout);
	} else {
		printf("%s%s: %s %s\n", out_indent(ctx), label, value, unit);
	}
}

/* An absent value: null in JSON, no line in text. */
static void out_null(struct ctx *ctx, const char *key)
{
	if (ctx->json) {
		out_json_key(ctx, key);
		fputs("null", stdout);
	}
}

/* Only JSON has booleans; the text form shows them as "none" values. */
static void out_bool(struct ctx *ctx, const char *key, bool value)
{
	if (ctx->json) {
		out_json_key(ctx, key);
		fputs(value ? "true" : "false", stdout);
	}
}

/* A number the kernel may leave out: null in JSON, no line in text. */
static void out_opt_u64(struct ctx *ctx, bool has, const char *key, const char *label,
			uint64_t value)
{
	if (has)
		out_u64(ctx, key, label, value);
	else
		out_null(ctx, key);
}

/*
 * One-line items (route show, tunnel show, label show, monitor): " WORD VALUE"
 * pairs, VALUE "-" when the kernel left it out, so that every line of a kind
 * has the same words and stays easy to grep and to cut.
 */
static void text_value(bool has, uint64_t value, const char *unit)
{
	if (has)
		printf("%" PRIu64 "%s", value, unit);
	else
		putchar('-');
}

static void text_field(const char *word, bool has, uint64_t value, const char *unit)
{
	printf(" %s ", word);
	text_value(has, value, unit);
}

/* The longest name enum_name() makes up: a prefix and a number. */
#define ENUM_STRLEN	24

/*
 * The name of value in names (n of them); a value newer than this program,
 * or one without a name, is PREFIX_N in buf.
 */
static const char *enum_name(const char *const *names, size_t n, unsigned int value,
			     const char *prefix, char buf[ENUM_STRLEN])
{
	if (value < n && names[value])
		return names[value];
	snprintf(buf, ENUM_STRLEN, "%s_%u", prefix, value);
	return buf;
}

/*
 * The attributes of a parsed object (a link, a tunnel...): "has" holds a bit
 * for each attribute present, by type, so that absent and zero differ.
 */
#define HAS(obj, attr)	((obj)->has & (1u << (attr)))

static uint32_t attrs_present(const struct nlattr *const *tb, unsigned int max)
{
	uint32_t has = 0;
	unsigned int type;

	for (type = 0; type <= max; type++)
		if (tb[type])
			has |= 1u << type;
	return has;
}

/* An attribute's value, 0 if absent: HAS() tells the two apart. */
static uint8_t attr_u8(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u8(attr) : 0;
}

static uint16_t attr_u16(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u16(attr) : 0;
}

static uint32_t attr_u32(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u32(attr) : 0;
}

static uint64_t attr_u64(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u64(attr) : 0;
}

/* The highest attribute a "has" mask holds, in a nest or at the top level. */
#define OBJ_A_MAX	31
_Static_assert(VCOYO_A_MAX <= OBJ_A_MAX, "struct node has, identity");
_Static_assert(VCOYO_LINK_A_MAX <= OBJ_A_MAX, "struct link has");
_Static_assert(VCOYO_ROUTE_A_MAX <= OBJ_A_MAX, "struct route");
_Static_assert(VCOYO_TUNNEL_A_MAX <= OBJ_A_MAX, "struct tunnel has");
_Static_assert(VCOYO_LABEL_A_MAX <= OBJ_A_MAX, "struct label has");

/* A nest parser of nl.h: vcoyo_nl_parse_link(), vcoyo_nl_parse_tunnel()... */
typedef int (*nest_parse_t)(const struct nlattr *nest, const struct nlattr **tb);

/*
 * What a message of a dump or an event carries: an identity, a link, a
 * tunnel...  It sits in the nest attribute @nest (0: at the top level), which
 * @parse checks against the uapi; @required are the attributes without which
 * it is of no use; @fill reads the checked attributes into the object (0, or
 * -1 with errno set).  @json prints the members of its JSON object, @text its
 * line of text without the newline (one-line dumps: route, tunnel, label).
 */
struct object_kind {
	uint16_t nest;
	nest_parse_t parse;
	unsigned int max;
	uint32_t required;
	int (*fill)(void *obj, const struct nlattr *const *tb);
	void (*json)(struct ctx *ctx, const void *obj);
	void (*text)(const void *obj);
};

/* The object of kind in msg: 1, 0 if msg has none, or -1 with errno set. */
static int object_parse(const struct object_kind *kind, const struct vcoyo_nl_msg *msg,
			void *obj)
{
	const struct nlattr *nest_tb[OBJ_A_MAX + 1];
	const struct nlattr *const *tb = msg->tb;

	if (kind->nest) {
		if (!msg->tb[kind->nest])
			return 0;
		if (kind->parse(msg->tb[kind->nest], nest_tb))
			return -1;
		tb = nest_tb;
	}
	if ((attrs_present(tb, kind->max) & kind->required) != kind->required) {
		errno = EPROTO;
		return -1;
	}
	return kind->fill(obj, tb) ? -1 : 1;
}

/* Read a key in base64; reports its own errors.  path "-" is stdin. */
static int read_key(uint8_t key[VCOYO_KEY_LEN], const char *path)
{
	const char *err;

	if (!vcoyo_key_read_path(key, path, &err))
		return 0;
	if (!strcmp(path, "-"))
		path = "stdin";
	if (err)
		fprintf(stderr, "%s: invalid key: %s: %s\n", PROG, path, err);
	else
		fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(errno));
	return 1;
}

static int print_key(struct ctx *ctx, const char *key, const uint8_t bin[VCOYO_KEY_LEN])
{
	char b64[VCOYO_KEY_B64_SIZE];

	vcoyo_key_to_base64(b64, bin);
	out_begin(ctx);
	out_str(ctx, key, NULL, b64);
	out_end(ctx);
	vcoyo_key_clear(b64, sizeof(b64));
	return 0;
}

static int cmd_genkey(struct ctx *ctx, int argc, char **argv)
{
	uint8_t priv[VCOYO_KEY_LEN];
	int ret;

	if (no_args(ctx, argc, argv))
		return 1;
	if (vcoyo_key_generate(priv)) {
		fprintf(stderr, "%s: genkey: libsodium failed to initialise\n", PROG);
		return 1;
	}
	ret = print_key(ctx, "private_key", priv);
	vcoyo_key_clear(priv, sizeof(priv));
	return ret;
}

static int cmd_pubkey(struct ctx *ctx, int argc, char **argv)
{
	uint8_t priv[VCOYO_KEY_LEN], pub[VCOYO_KEY_LEN];
	int ret;

	if (no_args(ctx, argc, argv) || read_key(priv, "-"))
		return 1;
	ret = vcoyo_key_public(pub, priv);
	vcoyo_key_clear(priv, sizeof(priv));
	if (ret) {
		fprintf(stderr, "%s: invalid key: stdin: gives a weak public key\n", PROG);
		return 1;
	}
	return print_key(ctx, "public_key", pub);
}

static int cmd_address(struct ctx *ctx, int argc, char **argv)
{
	uint8_t pub[VCOYO_KEY_LEN];
	char text[VCOYO_ADDR_STRLEN];
	struct vcoyo_addr addr;

	if (no_args(ctx, argc, argv) || read_key(pub, "-"))
		return 1;
	vcoyo_key_addr(&addr, pub);
	vcoyo_addr_format(&addr, text);
	out_begin(ctx);
	out_str(ctx, "address", NULL, text);
	out_end(ctx);
	return 0;
}

/* The VCOYO_CMD_ID_GET reply. */
struct identity {
	uint16_t family;
	bool has_identity;
	uint8_t public_key[VCOYO_KEY_LEN];
	struct vcoyo_addr addr;
};

/* The identity of an ID_GET reply or of an identity event (top level). */
static int identity_fill(void *obj, const struct nlattr *const *tb)
{
	const struct nlattr *pub = tb[VCOYO_A_PUBLIC_KEY], *addr = tb[VCOYO_A_ADDRESS];
	struct identity *id = obj;

	/* The uapi promises the family always, and the key and address together. */
	if (!tb[VCOYO_A_FAMILY] || !pub != !addr) {
		errno = EPROTO;
		return -1;
	}
	id->family = mnl_attr_get_u16(tb[VCOYO_A_FAMILY]);
	id->has_identity = pub;
	if (pub) {
		memcpy(id->public_key, mnl_attr_get_payload(pub), VCOYO_KEY_LEN);
		memcpy(&id->addr, mnl_attr_get_payload(addr), VCOYO_ADDR_LEN);
	}
	return 0;
}

/* The members of id show, also those of the JSON identity event. */
static void identity_fields(struct ctx *ctx, const void *data)
{
	const struct identity *id = data;
	char addr[VCOYO_ADDR_STRLEN], pub[VCOYO_KEY_B64_SIZE];

	if (id->has_identity) {
		vcoyo_addr_format(&id->addr, addr);
		vcoyo_key_to_base64(pub, id->public_key);
	}
	out_bool(ctx, "has_identity", id->has_identity);
	out_str(ctx, "address", "address", id->has_identity ? addr : NULL);
	out_str(ctx, "public_key", "public key", id->has_identity ? pub : NULL);
	out_u64(ctx, "family", "family", id->family);
}

static void identity_print(struct ctx *ctx, const void *data)
{
	out_begin(ctx);
	identity_fields(ctx, data);
	out_end(ctx);
}

/* At the top level; identity_fill() checks what it needs itself. */
static const struct object_kind identity_kind = {
	.fill = identity_fill,
	.json = identity_fields,
};

static int identity_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	return object_parse(&identity_kind, msg, arg) < 0 ? -1 : 0;
}

/*
 * A verb that shows what one request returns: its reply is parsed by @cb
 * into @data, which @print prints once the request succeeded.
 */
static int show_reply(struct ctx *ctx, int argc, char **argv, uint8_t cmd, vcoyo_nl_msg_t cb,
		      void *data, void (*print)(struct ctx *ctx, const void *data))
{
	struct vcoyo_nl *nl;
	int ret = 0;

	if (no_args(ctx, argc, argv))
		return 1;
	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_request(nl, cmd, NULL, NULL, cb, data))
		ret = nl_error(ctx, nl);
	else
		print(ctx, data);
	vcoyo_nl_close(nl);
	return ret;
}

static int cmd_id_show(struct ctx *ctx, int argc, char **argv)
{
	struct identity id = { 0 };

	return show_reply(ctx, argc, argv, VCOYO_CMD_ID_GET, identity_cb, &id, identity_print);
}

static int put_private_key(struct nlmsghdr *nlh, size_t buflen, void *arg)
{
	if (!mnl_attr_put_check(nlh, buflen, VCOYO_A_PRIVATE_KEY, VCOYO_KEY_LEN, arg)) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Parse "private-key FILE": the one (required) setting of id set. */
static int id_set_args(const struct ctx *ctx, int argc, char **argv, const char **path)
{
	*path = NULL;
	for (; argc; argc -= 2, argv += 2) {
		if (strcmp(argv[0], "private-key"))
			return usage_error(ctx, "id set: unknown setting '%s'", argv[0]);
		if (argc < 2)
			return usage_error(ctx, "id set: private-key needs a FILE ('-': stdin)");
		*path = argv[1];
	}
	if (!*path)
		return usage_error(ctx, "id set: missing private-key FILE");
	return 0;
}

static int cmd_id_set(struct ctx *ctx, int argc, char **argv)
{
	uint8_t priv[VCOYO_KEY_LEN];
	struct vcoyo_nl *nl;
	const char *path;
	int ret = 0;

	if (id_set_args(ctx, argc, argv, &path) || read_key(priv, path))
		return 1;
	nl = nl_open();
	if (!nl) {
		vcoyo_key_clear(priv, sizeof(priv));
		return 1;
	}
	if (vcoyo_nl_request(nl, VCOYO_CMD_ID_SET, put_private_key, priv, NULL, NULL))
		ret = nl_error(ctx, nl);
	else
		nl_warning(nl);
	vcoyo_key_clear(priv, sizeof(priv));
	vcoyo_nl_close(nl);
	return ret;
}

/* Counters by enum vcoyo_stat; newer kernels' extra ones print as stat_N. */
static const char *const stat_names[VCOYO_STAT_MAX + 1] = {
	[VCOYO_STAT_DGRAM_SENT] = "dgram_sent",
	[VCOYO_STAT_DGRAM_DELIVERED] = "dgram_delivered",
	[VCOYO_STAT_DROP_NO_PORT] = "drop_no_port",
	[VCOYO_STAT_DROP_RCVBUF] = "drop_rcvbuf",
	[VCOYO_STAT_HELLO_SENT] = "hello_sent",
	[VCOYO_STAT_HELLO_RECEIVED] = "hello_received",
	[VCOYO_STAT_RX_TRUNCATED] = "rx_truncated",
	[VCOYO_STAT_RX_BAD_VERSION] = "rx_bad_version",
	[VCOYO_STAT_RX_UNKNOWN_TYPE] = "rx_unknown_type",
	[VCOYO_STAT_RX_MALFORMED] = "rx_malformed",
	[VCOYO_STAT_RX_UNKNOWN_ENDPOINT] = "rx_unknown_endpoint",
	[VCOYO_STAT_RX_KEY_MISMATCH] = "rx_key_mismatch",
	[VCOYO_STAT_SWITCHED] = "switched",
	[VCOYO_STAT_TUNNEL_SETUP] = "tunnel_setup",
	[VCOYO_STAT_TUNNEL_UP] = "tunnel_up",
	[VCOYO_STAT_TUNNEL_FAILED] = "tunnel_failed",
	[VCOYO_STAT_TUNNEL_EXPIRED] = "tunnel_expired",
	[VCOYO_STAT_TUNNEL_TORN_DOWN] = "tunnel_torn_down",
	[VCOYO_STAT_SETUP_REFUSED] = "setup_refused",
	[VCOYO_STAT_DROP_UNREACHABLE] = "drop_unreachable",
	[VCOYO_STAT_DROP_QUEUE_FULL] = "drop_queue_full",
	[VCOYO_STAT_DROP_CTL_OVERFLOW] = "drop_ctl_overflow",
	[VCOYO_STAT_RX_UNKNOWN_LABEL] = "rx_unknown_label",
	[VCOYO_STAT_RX_WRONG_LINK] = "rx_wrong_link",
	[VCOYO_STAT_RX_LABEL_PENDING] = "rx_label_pending",
	[VCOYO_STAT_TX_ERROR] = "tx_error",
	[VCOYO_STAT_ROUTE_MISS] = "route_miss",
	[VCOYO_STAT_MISS_RESOLVED] = "miss_resolved",
	[VCOYO_STAT_MISS_UNREACHABLE] = "miss_unreachable",
	[VCOYO_STAT_MISS_TIMEOUT] = "miss_timeout",
	[VCOYO_STAT_MISS_NO_HELPER] = "miss_no_helper",
	[VCOYO_STAT_STREAM_ACTIVE_OPENS] = "stream_active_opens",
	[VCOYO_STAT_STREAM_PASSIVE_OPENS] = "stream_passive_opens",
	[VCOYO_STAT_STREAM_ESTABLISHED] = "stream_established",
	[VCOYO_STAT_STREAM_SEGS_OUT] = "stream_segs_out",
	[VCOYO_STAT_STREAM_SEGS_IN] = "stream_segs_in",
	[VCOYO_STAT_STREAM_RETRANS] = "stream_retrans",
	[VCOYO_STAT_STREAM_FAST_RETRANS] = "stream_fast_retrans",
	[VCOYO_STAT_STREAM_TIMEOUTS] = "stream_timeouts",
	[VCOYO_STAT_STREAM_RESETS_SENT] = "stream_resets_sent",
	[VCOYO_STAT_STREAM_RESETS_RECEIVED] = "stream_resets_received",
	[VCOYO_STAT_STREAM_NO_SOCKET] = "stream_no_socket",
	[VCOYO_STAT_STREAM_BACKLOG_FULL] = "stream_backlog_full",
	[VCOYO_STAT_STREAM_OUT_OF_ORDER] = "stream_out_of_order",
	[VCOYO_STAT_STREAM_OUT_OF_WINDOW] = "stream_out_of_window",
	[VCOYO_STAT_STREAM_DROP_RCVBUF] = "stream_drop_rcvbuf",
	[VCOYO_STAT_STREAM_CONN_TIMEOUT] = "stream_conn_timeout",
};

#define STATS_MAX	64

/* Counters in the kernel's order. */
struct stats {
	unsigned int n;
	uint16_t type[STATS_MAX];
	uint64_t value[STATS_MAX];
};

static int stats_add(struct stats *st, const struct nlattr *attr)
{
	uint16_t type = mnl_attr_get_type(attr);

	if (type == VCOYO_STAT_PAD || st->n == STATS_MAX)
		return 0;
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0) {
		errno = EPROTO;
		return -1;
	}
	st->type[st->n] = type;
	st->value[st->n++] = mnl_attr_get_u64(attr);
	return 0;
}

static int stats_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	const struct nlattr *attr;

	if (!msg->tb[VCOYO_A_STATS]) {
		errno = EPROTO;
		return -1;
	}
	mnl_attr_for_each_nested(attr, msg->tb[VCOYO_A_STATS])
		if (stats_add(arg, attr))
			return -1;
	return 0;
}

static void stats_print(struct ctx *ctx, const void *data)
{
	const struct stats *st = data;
	char other[ENUM_STRLEN];
	const char *name;
	unsigned int i;

	out_begin(ctx);
	for (i = 0; i < st->n; i++) {
		name = enum_name(stat_names, ARRAY_SIZE(stat_names), st->type[i], "stat", other);
		out_u64(ctx, name, name, st->value[i]);
	}
	out_end(ctx);
}

static int cmd_stats(struct ctx *ctx, int argc, char **argv)
{
	struct stats st = { 0 };

	return show_reply(ctx, argc, argv, VCOYO_CMD_STATS_GET, stats_cb, &st, stats_print);
}

/*
 * A decimal number of at most max and at least min: digits only, no sign, no
 * spaces.  0, or -1.
 */
static int parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
	unsigned long long v;
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*value = v;
	return 0;
}

/*
 * The VCOYO_CMD_NODE_GET reply, has by top-level attribute; a setting the
 * kernel left out shows as none.
 */
struct node {
	uint32_t has;
	uint16_t port;
	uint32_t hello_ms, timeout_ms, setup_ms, idle_ms, miss_ms;
	uint8_t helper;
};

static int node_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	struct node *node = arg;

	node->has = attrs_present(msg->tb, VCOYO_A_MAX);
	node->port = attr_u16(msg->tb[VCOYO_A_LISTEN_PORT]);
	node->hello_ms = attr_u32(msg->tb[VCOYO_A_HELLO_INTERVAL]);
	node->timeout_ms = attr_u32(msg->tb[VCOYO_A_LINK_TIMEOUT]);
	node->setup_ms = attr_u32(msg->tb[VCOYO_A_SETUP_TIMEOUT]);
	node->idle_ms = attr_u32(msg->tb[VCOYO_A_TUNNEL_IDLE]);
	node->miss_ms = attr_u32(msg->tb[VCOYO_A_MISS_TIMEOUT]);
	node->helper = attr_u8(msg->tb[VCOYO_A_HELPER]);
	return 0;
}

/* A duration in milliseconds, or none. */
static void out_ms(struct ctx *ctx, const char *key, const char *label, bool has, uint32_t ms)
{
	char text[16];

	if (!has) {
		out_str(ctx, key, label, NULL);
		return;
	}
	snprintf(text, sizeof(text), "%" PRIu32, ms);
	out_num_unit(ctx, key, label, text, "ms");
}

static void node_print(struct ctx *ctx, const void *data)
{
	const struct node *node = data;

	out_begin(ctx);
	if (HAS(node, VCOYO_A_LISTEN_PORT))
		out_u64(ctx, "listen_port", "listen port", node->port);
	else
		out_str(ctx, "listen_port", "listen port", NULL);
	out_ms(ctx, "hello_interval_ms", "hello interval", HAS(node, VCOYO_A_HELLO_INTERVAL),
	       node->hello_ms);
	out_ms(ctx, "link_timeout_ms", "link timeout", HAS(node, VCOYO_A_LINK_TIMEOUT),
	       node->timeout_ms);
	out_ms(ctx, "setup_timeout_ms", "setup timeout", HAS(node, VCOYO_A_SETUP_TIMEOUT),
	       node->setup_ms);
	out_ms(ctx, "tunnel_idle_ms", "tunnel idle", HAS(node, VCOYO_A_TUNNEL_IDLE),
	       node->idle_ms);
	out_ms(ctx, "miss_timeout_ms", "miss timeout", HAS(node, VCOYO_A_MISS_TIMEOUT),
	       node->miss_ms);
	/* Whether a routing helper answers this node's route misses. */
	if (!HAS(node, VCOYO_A_HELPER))
		out_str(ctx, "helper", "helper", NULL);
	else if (ctx->json)
		out_bool(ctx, "helper", node->helper);
	else
		out_str(ctx, "helper", "helper", node->helper ? "yes" : "no");
	out_end(ctx);
}

static int cmd_node_show(struct ctx *ctx, int argc, char **argv)
{
	struct node node = { 0 };

	return show_reply(ctx, argc, argv, VCOYO_CMD_NODE_GET, node_cb, &node, node_print);
}

/*
 * The settings of node set: each as the word, its attribute and its size, its
 * limits.  The limits are the kernel's (uapi), so that a mistyped value gets
 * a usage message rather than an EINVAL from the kernel.
 */
struct node_setting {
	const char *name;
	uint16_t type;
	bool u16;		/* a u16 attribute, else u32 */
	uint64_t min, max;
	const char *what;	/* for messages, before the range */
};

static const struct node_setting node_settings[] = {
	{ "listen-port", VCOYO_A_LISTEN_PORT, true, 1, UINT16_MAX, "a UDP port" },
	{ "hello-interval", VCOYO_A_HELLO_INTERVAL, false, VCOYO_HELLO_MS_MIN,
	  VCOYO_HELLO_MS_MAX, "milliseconds" },
	{ "link-timeout", VCOYO_A_LINK_TIMEOUT, false, VCOYO_LINK_TIMEOUT_MS_MIN,
	  VCOYO_LINK_TIMEOUT_MS_MAX, "milliseconds" },
	{ "setup-timeout", VCOYO_A_SETUP_TIMEOUT, false, VCOYO_SETUP_TIMEOUT_MS_MIN,
	  VCOYO_SETUP_TIMEOUT_MS_MAX, "milliseconds" },
	{ "tunnel-idle", VCOYO_A_TUNNEL_IDLE, false, VCOYO_TUNNEL_IDLE_MS_MIN,
	  VCOYO_TUNNEL_IDLE_MS_MAX, "milliseconds" },
	{ "miss-timeout", VCOYO_A_MISS_TIMEOUT, false, VCOYO_MISS_TIMEOUT_MS_MIN,
	  VCOYO_MISS_TIMEOUT_MS_MAX, "milliseconds" },
};

#define N_NODE_SETTINGS	ARRAY_SIZE(node_settings)

static int cmd_node_set(struct ctx *ctx, int argc, char **argv)
{
	struct vcoyo_nl_attr attrs[N_NODE_SETTINGS];
	uint32_t u32[N_NODE_SETTINGS];
	uint16_t u16[N_NODE_SETTINGS];
	bool given[N_NODE_SETTINGS] = { false };
	const struct node_setting *set;
	struct vcoyo_nl *nl;
	size_t i, n = 0;
	uint64_t value;
	int ret = 0;

	for (; argc; argc -= 2, argv += 2) {
		for (i = 0; i < N_NODE_SETTINGS && strcmp(argv[0], node_settings[i].name); i++)
			;
		if (i == N_NODE_SETTINGS)
			return usage_error(ctx, "node set: unknown setting '%s'", argv[0]);
		set = &node_settings[i];
		if (argc < 2)
			return usage_error(ctx, "node set: %s needs a value (%s, %" PRIu64 "-%"
					   PRIu64 ")", set->name, set->what, set->min, set->max);
		if (given[i])
			return usage_error(ctx, "node set: %s given twice", set->name);
		if (parse_uint(argv[1], set->min, set->max, &value))
			return usage_error(ctx, "node set: bad %s '%s' (%s, %" PRIu64 "-%" PRIu64
					   ")", set->name, argv[1], set->what, set->min, set->max);
		given[i] = true;
		attrs[n].type = set->type;
		if (set->u16) {
			u16[n] = value;
			attrs[n].len = sizeof(u16[n]);
			attrs[n].data = &u16[n];
		} else {
			u32[n] = value;
			attrs[n].len = sizeof(u32[n]);
			attrs[n].data = &u32[n];
		}
		n++;
	}
	if (!n)
		return usage_error(ctx, "node set: nothing to set");
	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_request_attrs(nl, VCOYO_CMD_NODE_SET, attrs, n, NULL, NULL))
		ret = nl_error(ctx, nl);
	else
		nl_warning(nl);
	vcoyo_nl_close(nl);
	return ret;
}

/* A link's neighbour: the bytes of a struct sockaddr_in or sockaddr_in6. */
struct endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	};
	size_t len;
};

/* "PORT" of an endpoint: 1-65535. */
static const char *endpoint_port(const char *text, in_port_t *port)
{
	uint64_t v;

	if (!*text)
		return "missing port";
	if (parse_uint(text, 1, UINT16_MAX, &v))
		return "bad port (1-65535)";
	*port = htons(v);
	return NULL;
}

/* "[IPv6]:PORT" or "[IPv6%SCOPE]:PORT", SCOPE an interface name or number. */
static const char *endpoint_parse6(const char *text, struct endpoint *ep)
{
	const char *close = strchr(text, ']'), *scope;
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	size_t len;
	uint64_t index;

	if (!close)
		return "missing ']' after the IPv6 address";
	if (close[1] != ':')
		return close[1] ? "expected ':' after ']'" : "missing port";
	len = close - (text + 1);
	if (len >= sizeof(host))
		return "bad IPv6 address";
	memcpy(host, text + 1, len);
	host[len] = '\0';
	ep->sin6.sin6_family = AF_INET6;
	scope = strchr(host, '%');
	if (scope) {
		host[scope - host] = '\0';
		scope++;
		index = if_nametoindex(scope);
		if (!index && parse_uint(scope, 1, UINT32_MAX, &index))
			return "unknown interface after '%'";
		ep->sin6.sin6_scope_id = index;
	}
	if (inet_pton(AF_INET6, host, &ep->sin6.sin6_addr) != 1)
		return "bad IPv6 address";
	ep->len = sizeof(ep->sin6);
	return endpoint_port(close + 2, &ep->sin6.sin6_port);
}

/* "IPv4:PORT" */
static const char *endpoint_parse4(const char *text, struct endpoint *ep)
{
	const char *colon = strchr(text, ':');
	char host[INET_ADDRSTRLEN];
	size_t len;

	if (!colon)
		return "missing port";
	if (strchr(colon + 1, ':'))
		return "an IPv6 address needs brackets: [IPv6]:PORT";
	if (strchr(text, ']'))
		return "missing '[' before the IPv6 address";
	len = colon - text;
	if (len >= sizeof(host))
		return "bad IPv4 address";
	memcpy(host, text, len);
	host[len] = '\0';
	ep->sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &ep->sin.sin_addr) != 1)
		return "bad IPv4 address";
	ep->len = sizeof(ep->sin);
	return endpoint_port(colon + 1, &ep->sin.sin_port);
}

/* IPv4:PORT or [IPv6]:PORT.  NULL, or what is wrong with text. */
static const char *endpoint_parse(const char *text, struct endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (!*text)
		return "empty";
	return text[0] == '[' ? endpoint_parse6(text, ep) : endpoint_parse4(text, ep);
}

#define ENDPOINT_STRLEN	(INET6_ADDRSTRLEN + IF_NAMESIZE + 16)

/* The text form of an endpoint the kernel sent; "unknown" if it is neither. */
static void endpoint_format(char buf[ENDPOINT_STRLEN], const void *data, size_t len)
{
	char host[INET6_ADDRSTRLEN], scope[IF_NAMESIZE + 12] = "";
	struct endpoint ep = { .len = len };

	snprintf(buf, ENDPOINT_STRLEN, "unknown");
	if (len > sizeof(ep.sin6) || len < sizeof(sa_family_t))
		return;
	memcpy(&ep.sin6, data, len);
	if (ep.sa.sa_family == AF_INET && len == sizeof(ep.sin)) {
		inet_ntop(AF_INET, &ep.sin.sin_addr, host, sizeof(host));
		snprintf(buf, ENDPOINT_STRLEN, "%s:%u", host, ntohs(ep.sin.sin_port));
	} else if (ep.sa.sa_family == AF_INET6 && len == sizeof(ep.sin6)) {
		inet_ntop(AF_INET6, &ep.sin6.sin6_addr, host, sizeof(host));
		if (ep.sin6.sin6_scope_id) {
			scope[0] = '%';
			if (!if_indextoname(ep.sin6.sin6_scope_id, scope + 1))
				snprintf(scope, sizeof(scope), "%%%" PRIu32,
					 ep.sin6.sin6_scope_id);
		}
		snprintf(buf, ENDPOINT_STRLEN, "[%s%s]:%u", host, scope,
			 ntohs(ep.sin6.sin6_port));
	}
}

/* What link add, link del put in VCOYO_A_LINK. */
struct link_req {
	const struct endpoint *ep;
	const uint8_t *peer_key;
	bool has_id;
	uint32_t id;
};

static int put_link(struct nlmsghdr *nlh, size_t buflen, void *arg)
{
	const struct link_req *req = arg;
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, VCOYO_A_LINK);
	if (!nest ||
	    (req->has_id && !mnl_attr_put_u32_check(nlh, buflen, VCOYO_LINK_A_ID, req->id)) ||
	    (req->ep && !mnl_attr_put_check(nlh, buflen, VCOYO_LINK_A_ENDPOINT, req->ep->len,
					    &req->ep->sa)) ||
	    (req->peer_key && !mnl_attr_put_check(nlh, buflen, VCOYO_LINK_A_PEER_KEY,
						  VCOYO_KEY_LEN, req->peer_key))) {
		errno = EMSGSIZE;
		return -1;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* The link add reply: the new link's id. */
struct link_added {
	bool has_id;
	uint32_t id;
};

static int link_added_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	const struct nlattr *tb[VCOYO_LINK_A_MAX + 1];
	struct link_added *added = arg;

	if (!msg->tb[VCOYO_A_LINK])
		return 0;
	if (vcoyo_nl_parse_link(msg->tb[VCOYO_A_LINK], tb))
		return -1;
	if (tb[VCOYO_LINK_A_ID]) {
		added->has_id = true;
		added->id = mnl_attr_get_u32(tb[VCOYO_LINK_A_ID]);
	}
	return 0;
}

/* Parse "ENDPOINT [public-key KEY]". */
static int link_add_args(const struct ctx *ctx, int argc, char **argv, struct endpoint *ep,
			 uint8_t key[VCOYO_KEY_LEN], bool *has_key)
{
	const char *err;

	*has_key = false;
	if (!argc)
		return usage_error(ctx, "link add: missing ENDPOINT (IPv4:PORT or [IPv6]:PORT)");
	err = endpoint_parse(argv[0], ep);
	if (err)
		return usage_error(ctx, "link add: bad endpoint '%s': %s", argv[0], err);
	for (argc--, argv++; argc; argc -= 2, argv += 2) {
		if (strcmp(argv[0], "public-key"))
			return usage_error(ctx, "link add: unknown setting '%s'", argv[0]);
		if (argc < 2)
			return usage_error(ctx, "link add: public-key needs a KEY (base64)");
		if (*has_key)
			return usage_error(ctx, "link add: public-key given twice");
		if (vcoyo_key_from_base64(key, argv[1], &err))
			return usage_error(ctx, "link add: invalid key '%s': %s", argv[1], err);
		*has_key = true;
	}
	return 0;
}

static int cmd_link_add(struct ctx *ctx, int argc, char **argv)
{
	struct link_added added = { 0 };
	uint8_t key[VCOYO_KEY_LEN];
	struct link_req req = { 0 };
	struct vcoyo_nl *nl;
	struct endpoint ep;
	bool has_key;
	int ret = 0;

	if (link_add_args(ctx, argc, argv, &ep, key, &has_key))
		return 1;
	req.ep = &ep;
	req.peer_key = has_key ? key : NULL;
	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_request(nl, VCOYO_CMD_LINK_ADD, put_link, &req, link_added_cb, &added)) {
		ret = nl_error(ctx, nl);
	} else if (!added.has_id) {
		fprintf(stderr, "%s: %s: the kernel added the link but did not say its id\n",
			PROG, verb_name(ctx));
		ret = 1;
	} else {
		nl_warning(nl);
		if (ctx->json)
			printf("{\"id\": %" PRIu32 "}\n", added.id);
		else
			printf("link %" PRIu32 "\n", added.id);
	}
	vcoyo_nl_close(nl);
	return ret;
}

static int cmd_link_del(struct ctx *ctx, int argc, char **argv)
{
	struct link_req req = { .has_id = true };
	struct vcoyo_nl *nl;
	uint64_t id;
	int ret = 0;

	if (!argc)
		return usage_error(ctx, "link del: missing link ID");
	if (parse_uint(argv[0], 0, UINT32_MAX, &id))
		return usage_error(ctx, "link del: bad link ID '%s'", argv[0]);
	if (no_args(ctx, argc - 1, argv + 1))
		return 1;
	req.id = id;
	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_request(nl, VCOYO_CMD_LINK_DEL, put_link, &req, NULL, NULL))
		ret = nl_error(ctx, nl);
	else
		nl_warning(nl);
	vcoyo_nl_close(nl);
	return ret;
}

/* One link of the dump, or of a link event. */
struct link {
	uint32_t has;
	uint32_t id;
	char endpoint[ENDPOINT_STRLEN];
	uint8_t peer_key[VCOYO_KEY_LEN];
	uint8_t state;
	uint8_t remote_key[VCOYO_KEY_LEN];
	struct vcoyo_addr remote_addr;
	uint32_t rtt_us;
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
	uint32_t last_rx_ms;
};

struct links {
	struct link *v;
	size_t n, size;
};

static int link_fill(void *obj, const struct nlattr *const *tb)
{
	struct link *l = obj;

	memset(l, 0, sizeof(*l));
	l->has = attrs_present(tb, VCOYO_LINK_A_MAX);
	l->id = attr_u32(tb[VCOYO_LINK_A_ID]);
	if (tb[VCOYO_LINK_A_ENDPOINT])
		endpoint_format(l->endpoint, mnl_attr_get_payload(tb[VCOYO_LINK_A_ENDPOINT]),
				mnl_attr_get_payload_len(tb[VCOYO_LINK_A_ENDPOINT]));
	if (tb[VCOYO_LINK_A_PEER_KEY])
		memcpy(l->peer_key, mnl_attr_get_payload(tb[VCOYO_LINK_A_PEER_KEY]),
		       VCOYO_KEY_LEN);
	l->state = attr_u8(tb[VCOYO_LINK_A_STATE]);
	if (tb[VCOYO_LINK_A_REMOTE_KEY])
		memcpy(l->remote_key, mnl_attr_get_payload(tb[VCOYO_LINK_A_REMOTE_KEY]),
		       VCOYO_KEY_LEN);
	if (tb[VCOYO_LINK_A_REMOTE_ADDRESS])
		memcpy(&l->remote_addr, mnl_attr_get_payload(tb[VCOYO_LINK_A_REMOTE_ADDRESS]),
		       VCOYO_ADDR_LEN);
	l->rtt_us = attr_u32(tb[VCOYO_LINK_A_RTT_US]);
	l->tx_packets = attr_u64(tb[VCOYO_LINK_A_TX_PACKETS]);
	l->tx_bytes = attr_u64(tb[VCOYO_LINK_A_TX_BYTES]);
	l->rx_packets = attr_u64(tb[VCOYO_LINK_A_RX_PACKETS]);
	l->rx_bytes = attr_u64(tb[VCOYO_LINK_A_RX_BYTES]);
	l->last_rx_ms = attr_u32(tb[VCOYO_LINK_A_LAST_RX_MS]);
	return 0;
}

static const char *const link_state_names[] = {
	[VCOYO_LINK_DOWN] = "down",
	[VCOYO_LINK_UP] = "up",
	[VCOYO_LINK_KEY_MISMATCH] = "key-mismatch",
};

/* The name of a link's state; NULL if the kernel left it out. */
static const char *link_state(const struct link *l, char buf[ENUM_STRLEN])
{
	if (!HAS(l, VCOYO_LINK_A_STATE))
		return NULL;
	return enum_name(link_state_names, ARRAY_SIZE(link_state_names), l->state, "state", buf);
}

/* A key of a link, or none. */
static void out_key(struct ctx *ctx, const char *key, const char *label, bool has,
		    const uint8_t bin[VCOYO_KEY_LEN])
{
	char b64[VCOYO_KEY_B64_SIZE];

	if (!has) {
		out_null(ctx, key);
		return;
	}
	vcoyo_key_to_base64(b64, bin);
	out_str(ctx, key, label, b64);
}

/* What link show says of a link after its id, also in the JSON link event. */
static void link_fields(struct ctx *ctx, const struct link *l)
{
	char text[VCOYO_ADDR_STRLEN], state[ENUM_STRLEN];

	out_str(ctx, "endpoint", "endpoint", HAS(l, VCOYO_LINK_A_ENDPOINT) ? l->endpoint : NULL);
	out_str(ctx, "state", "state", link_state(l, state));
	out_key(ctx, "expected_key", "expected key", HAS(l, VCOYO_LINK_A_PEER_KEY), l->peer_key);
	out_key(ctx, "remote_key", "remote key", HAS(l, VCOYO_LINK_A_REMOTE_KEY), l->remote_key);
	if (HAS(l, VCOYO_LINK_A_REMOTE_ADDRESS)) {
		vcoyo_addr_format(&l->remote_addr, text);
		out_str(ctx, "remote_address", "remote address", text);
	} else {
		out_null(ctx, "remote_address");
	}
	if (HAS(l, VCOYO_LINK_A_RTT_US)) {
		snprintf(text, sizeof(text), "%" PRIu32 ".%03" PRIu32, l->rtt_us / 1000,
			 l->rtt_us % 1000);
		out_num_unit(ctx, "rtt_ms", "rtt", text, "ms");
	} else {
		out_null(ctx, "rtt_ms");
	}
	out_opt_u64(ctx, HAS(l, VCOYO_LINK_A_TX_PACKETS), "tx_packets", "tx packets",
		    l->tx_packets);
	out_opt_u64(ctx, HAS(l, VCOYO_LINK_A_TX_BYTES), "tx_bytes", "tx bytes", l->tx_bytes);
	out_opt_u64(ctx, HAS(l, VCOYO_LINK_A_RX_PACKETS), "rx_packets", "rx packets",
		    l->rx_packets);
	out_opt_u64(ctx, HAS(l, VCOYO_LINK_A_RX_BYTES), "rx_bytes", "rx bytes", l->rx_bytes);
	if (HAS(l, VCOYO_LINK_A_LAST_RX_MS)) {
		snprintf(text, sizeof(text), "%" PRIu32, l->last_rx_ms);
		out_num_unit(ctx, "last_hello_ms", "last hello", text, "ms ago");
	} else {
		out_null(ctx, "last_hello_ms");
	}
}

/* The members of a link's JSON object. */
static void link_json(struct ctx *ctx, const void *obj)
{
	const struct link *l = obj;

	out_u64(ctx, "id", NULL, l->id);
	link_fields(ctx, l);
}

/* A link without its name is of no use. */
static const struct object_kind link_kind = {
	.nest = VCOYO_A_LINK,
	.parse = vcoyo_nl_parse_link,
	.max = VCOYO_LINK_A_MAX,
	.required = 1u << VCOYO_LINK_A_ID,
	.fill = link_fill,
	.json = link_json,
};

/* One message of the link dump: one link, kept until the dump is complete. */
static int links_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	struct links *links = arg;
	struct link l, *v;
	int ret;

	ret = object_parse(&link_kind, msg, &l);
	if (ret <= 0)
		return ret;
	if (links->n == links->size) {
		v = reallocarray(links->v, links->size ? 2 * links->size : 8, sizeof(*v));
		if (!v)
			return -1;
		links->v = v;
		links->size = links->size ? 2 * links->size : 8;
	}
	links->v[links->n++] = l;
	return 0;
}

static void link_print(struct ctx *ctx, const struct link *l)
{
	out_list_item(ctx);
	if (ctx->json) {
		link_json(ctx, l);
	} else {
		printf("link %" PRIu32 "\n", l->id);
		ctx->indent = "  ";
		link_fields(ctx, l);
		ctx->indent = NULL;
	}
	out_list_item_end(ctx);
}

/* Links are printed once the dump is complete: the text form is in blocks. */
static int cmd_link_show(struct ctx *ctx, int argc, char **argv)
{
	struct links links = { 0 };
	struct vcoyo_nl *nl;
	int ret = 0;
	size_t i;

	if (no_args(ctx, argc, argv))
		return 1;
	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_dump(nl, VCOYO_CMD_LINK_GET, NULL, NULL, links_cb, &links)) {
		ret = nl_error(ctx, nl);
	} else {
		out_list_begin(ctx);
		for (i = 0; i < links.n; i++)
			link_print(ctx, &links.v[i]);
		out_list_end(ctx);
	}
	free(links.v);
	vcoyo_nl_close(nl);
	return ret;
}

/* A route request: the destination, and the link or path and origin for route add. */
struct route_req {
	struct vcoyo_addr dest;
	bool has_link;
	uint32_t link;
	size_t path_len;		/* hop tags; 0: none */
	uint8_t path[VCOYO_PATH_MAX][VCOYO_TAG_LEN];
	bool has_origin;
	uint8_t origin;
};

static int put_route(struct nlmsghdr *nlh, size_t buflen, void *arg)
{
	const struct route_req *req = arg;
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, VCOYO_A_ROUTE);
	if (!nest ||
	    !mnl_attr_put_check(nlh, buflen, VCOYO_ROUTE_A_DEST, VCOYO_ADDR_LEN, &req->dest) ||
	    (req->has_link && !mnl_attr_put_u32_check(nlh, buflen, VCOYO_ROUTE_A_LINK, req->link)) ||
	    (req->path_len && !mnl_attr_put_check(nlh, buflen, VCOYO_ROUTE_A_PATH,
						  req->path_len * VCOYO_TAG_LEN, req->path)) ||
	    (req->has_origin &&
	     !mnl_attr_put_u8_check(nlh, buflen, VCOYO_ROUTE_A_ORIGIN, req->origin))) {
		errno = EMSGSIZE;
		return -1;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* Send a route request built from the command line; 0 or an exit status. */
static int route_request(struct ctx *ctx, uint8_t cmd, const struct route_req *req)
{
	struct vcoyo_nl *nl;
	int ret = 0;

	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_request(nl, cmd, put_route, (void *)req, NULL, NULL))
		ret = nl_error(ctx, nl);
	else
		nl_warning(nl);
	vcoyo_nl_close(nl);
	return ret;
}

static int route_dest(const struct ctx *ctx, const char *text, struct route_req *req)
{
	const char *err;

	if (vcoyo_addr_parse(text, &req->dest, &err))
		return usage_error(ctx, "%s: bad address '%s': %s", verb_name(ctx), text, err);
	return 0;
}

/*
 * route add ADDRESS {via LINK-ID | path TAG[,TAG...]} [helper]
 * The words after the way may come in any order, once each.
 */
static int cmd_route_add(struct ctx *ctx, int argc, char **argv)
{
	struct route_req req = { 0 };
	const char *err;
	uint64_t link;

	if (argc < 1)
		return usage_error(ctx, "route add: missing ADDRESS");
	if (route_dest(ctx, argv[0], &req))
		return 1;
	if (argc < 3 || (strcmp(argv[1], "via") && strcmp(argv[1], "path")))
		return usage_error(ctx, "route add: expected 'via LINK-ID' or 'path TAGS' after "
				   "the address");
	if (!strcmp(argv[1], "via")) {
		if (parse_uint(argv[2], 1, UINT32_MAX, &link))
			return usage_error(ctx, "route add: bad link ID '%s'", argv[2]);
		req.has_link = true;
		req.link = link;
	} else if (vcoyo_path_parse(argv[2], req.path, &req.path_len, &err)) {
		return usage_error(ctx, "route add: bad path '%s': %s", argv[2], err);
	}
	for (argc -= 3, argv += 3; argc; argc--, argv++) {
		if (!strcmp(argv[0], "helper") && !req.has_origin) {
			req.has_origin = true;
			req.origin = VCOYO_ROUTE_HELPER;
		} else if (!strcmp(argv[0], "via") || !strcmp(argv[0], "path")) {
			return usage_error(ctx, "route add: a route has one way: 'via' or 'path'");
		} else {
			return usage_error(ctx, "route add: unexpected '%s'", argv[0]);
		}
	}
	return route_request(ctx, VCOYO_CMD_ROUTE_ADD, &req);
}

/* route unreachable ADDRESS: the helper's answer, by hand */
static int cmd_route_unreachable(struct ctx *ctx, int argc, char **argv)
{
	struct route_req req = { 0 };

	if (argc < 1)
		return usage_error(ctx, "route unreachable: missing ADDRESS");
	if (route_dest(ctx, argv[0], &req) || no_args(ctx, argc - 1, argv + 1))
		return 1;
	return route_request(ctx, VCOYO_CMD_ROUTE_UNREACHABLE, &req);
}

/* route del ADDRESS */
static int cmd_route_del(struct ctx *ctx, int argc, char **argv)
{
	struct route_req req = { 0 };

	if (argc < 1)
		return usage_error(ctx, "route del: missing ADDRESS");
	if (route_dest(ctx, argv[0], &req) || no_args(ctx, argc - 1, argv + 1))
		return 1;
	return route_request(ctx, VCOYO_CMD_ROUTE_DEL, &req);
}

static const char *const route_origin_names[] = {
	[VCOYO_ROUTE_STATIC] = "static",
	[VCOYO_ROUTE_HELPER] = "helper",
};

/* One route of the dump, or the destination of a route miss. */
struct route {
	struct vcoyo_addr dest;
	uint32_t link;			/* 0: a path route */
	uint8_t origin;
	size_t path_len;
	uint8_t path[VCOYO_PATH_MAX * VCOYO_TAG_LEN];
};

static int route_fill(void *obj, const struct nlattr *const *tb)
{
	const struct nlattr *path = tb[VCOYO_ROUTE_A_PATH];
	struct route *r = obj;
	size_t len = path ? mnl_attr_get_payload_len(path) : 0;

	if (len % VCOYO_TAG_LEN || len > sizeof(r->path)) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&r->dest, mnl_attr_get_payload(tb[VCOYO_ROUTE_A_DEST]), VCOYO_ADDR_LEN);
	r->link = attr_u32(tb[VCOYO_ROUTE_A_LINK]);
	r->origin = attr_u8(tb[VCOYO_ROUTE_A_ORIGIN]);	/* absent: static */
	r->path_len = len / VCOYO_TAG_LEN;
	if (len)
		memcpy(r->path, mnl_attr_get_payload(path), len);
	return 0;
}

static const char *route_origin(const struct route *r)
{
	return r->origin < ARRAY_SIZE(route_origin_names) ? route_origin_names[r->origin] :
							    "unknown";
}

static void route_json(struct ctx *ctx, const void *obj)
{
	const struct route *r = obj;
	char dest[VCOYO_ADDR_STRLEN];

	vcoyo_addr_format(&r->dest, dest);
	out_str(ctx, "destination", NULL, dest);
	if (r->path_len) {
		/* An array of tags: "path": ["TAG", ...] */
		size_t i;

		out_json_key(ctx, "path");
		putchar('[');
		for (i = 0; i < r->path_len; i++) {
			char tag[2 * VCOYO_TAG_LEN + 1];

			vcoyo_path_format(r->path + i * VCOYO_TAG_LEN, 1, tag);
			printf("%s\"%s\"", i ? ", " : "", tag);
		}
		putchar(']');
	} else {
		out_u64(ctx, "link", NULL, r->link);
	}
	out_str(ctx, "origin", NULL, route_origin(r));
}

/* ADDRESS via LINK-ID ORIGIN, or ADDRESS path TAG,TAG... ORIGIN */
static void route_text(const void *obj)
{
	const struct route *r = obj;
	char dest[VCOYO_ADDR_STRLEN], path[VCOYO_PATH_STRLEN];

	vcoyo_addr_format(&r->dest, dest);
	if (r->path_len) {
		vcoyo_path_format(r->path, r->path_len, path);
		printf("%s path %s %s", dest, path, route_origin(r));
	} else {
		printf("%s via %" PRIu32 " %s", dest, r->link, route_origin(r));
	}
}

static const struct object_kind route_kind = {
	.nest = VCOYO_A_ROUTE,
	.parse = vcoyo_nl_parse_route,
	.max = VCOYO_ROUTE_A_MAX,
	.required = 1u << VCOYO_ROUTE_A_DEST,
	.fill = route_fill,
	.json = route_json,
	.text = route_text,
};

/* A route miss: the destination the node has no route to. */
static void miss_json(struct ctx *ctx, const void *obj)
{
	const struct route *r = obj;
	char dest[VCOYO_ADDR_STRLEN];

	vcoyo_addr_format(&r->dest, dest);
	out_str(ctx, "destination", NULL, dest);
}

static const struct object_kind miss_kind = {
	.nest = VCOYO_A_ROUTE,
	.parse = vcoyo_nl_parse_route,
	.max = VCOYO_ROUTE_A_MAX,
	.required = 1u << VCOYO_ROUTE_A_DEST,
	.fill = route_fill,
	.json = miss_json,
};

/* ADDRESS */
static void miss_event_text(const void *obj)
{
	const struct route *r = obj;
	char dest[VCOYO_ADDR_STRLEN];

	vcoyo_addr_format(&r->dest, dest);
	fputs(dest, stdout);
}

static const char *const tunnel_state_names[] = {
	[VCOYO_TUNNEL_PENDING] = "pending",
	[VCOYO_TUNNEL_UP] = "up",
	[VCOYO_TUNNEL_FAILED] = "failed",
	[VCOYO_TUNNEL_DOWN] = "down",
	[VCOYO_TUNNEL_RESOLVING] = "resolving",
};

/* One tunnel of the dump, or of a tunnel event. */
struct tunnel {
	uint32_t has;
	struct vcoyo_addr remote;
	uint8_t state, initiator, reason;
	uint32_t label, peer_label, link, idle_ms, queued;
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
};

static int tunnel_fill(void *obj, const struct nlattr *const *tb)
{
	struct tunnel *t = obj;

	t->has = attrs_present(tb, VCOYO_TUNNEL_A_MAX);
	memcpy(&t->remote, mnl_attr_get_payload(tb[VCOYO_TUNNEL_A_REMOTE]), VCOYO_ADDR_LEN);
	t->state = attr_u8(tb[VCOYO_TUNNEL_A_STATE]);
	t->initiator = attr_u8(tb[VCOYO_TUNNEL_A_INITIATOR]);
	t->reason = attr_u8(tb[VCOYO_TUNNEL_A_REASON]);
	t->label = attr_u32(tb[VCOYO_TUNNEL_A_LABEL]);
	t->peer_label = attr_u32(tb[VCOYO_TUNNEL_A_PEER_LABEL]);
	t->link = attr_u32(tb[VCOYO_TUNNEL_A_LINK]);
	t->idle_ms = attr_u32(tb[VCOYO_TUNNEL_A_IDLE_MS]);
	t->queued = attr_u32(tb[VCOYO_TUNNEL_A_QUEUED]);
	t->tx_packets = attr_u64(tb[VCOYO_TUNNEL_A_TX_PACKETS]);
	t->tx_bytes = attr_u64(tb[VCOYO_TUNNEL_A_TX_BYTES]);
	t->rx_packets = attr_u64(tb[VCOYO_TUNNEL_A_RX_PACKETS]);
	t->rx_bytes = attr_u64(tb[VCOYO_TUNNEL_A_RX_BYTES]);
	return 0;
}

static const char *tunnel_state(const struct tunnel *t, char buf[ENUM_STRLEN])
{
	return enum_name(tunnel_state_names, ARRAY_SIZE(tunnel_state_names), t->state, "state",
			 buf);
}

/* The words both text forms of a tunnel start with: its far end and its state. */
static void tunnel_text_head(const struct tunnel *t)
{
	char remote[VCOYO_ADDR_STRLEN], state[ENUM_STRLEN];

	vcoyo_addr_format(&t->remote, remote);
	printf("%s %s", remote, tunnel_state(t, state));
}

/* Its reason; NULL if the kernel gave none. */
static const char *tunnel_reason(const struct tunnel *t, char buf[ENUM_STRLEN])
{
	if (!HAS(t, VCOYO_TUNNEL_A_REASON))
		return NULL;
	if (vcoyo_reason_name(t->reason))
		return vcoyo_reason_name(t->reason);
	snprintf(buf, ENUM_STRLEN, "reason_%u", t->reason);
	return buf;
}

/*
 * REMOTE STATE ROLE label L peer-label L link ID idle MSms queued N
 * tx PACKETS/BYTES rx PACKETS/BYTES [reason REASON]
 */
static void tunnel_text(const void *obj)
{
	const struct tunnel *t = obj;
	char reason[ENUM_STRLEN];

	tunnel_text_head(t);
	printf(" %s", !HAS(t, VCOYO_TUNNEL_A_INITIATOR) ? "-" :
		      t->initiator ? "initiator" : "responder");
	text_field("label", HAS(t, VCOYO_TUNNEL_A_LABEL), t->label, "");
	text_field("peer-label", HAS(t, VCOYO_TUNNEL_A_PEER_LABEL), t->peer_label, "");
	text_field("link", HAS(t, VCOYO_TUNNEL_A_LINK), t->link, "");
	text_field("idle", HAS(t, VCOYO_TUNNEL_A_IDLE_MS), t->idle_ms, "ms");
	text_field("queued", HAS(t, VCOYO_TUNNEL_A_QUEUED), t->queued, "");
	text_field("tx", HAS(t, VCOYO_TUNNEL_A_TX_PACKETS), t->tx_packets, "");
	putchar('/');
	text_value(HAS(t, VCOYO_TUNNEL_A_TX_BYTES), t->tx_bytes, "");
	text_field("rx", HAS(t, VCOYO_TUNNEL_A_RX_PACKETS), t->rx_packets, "");
	putchar('/');
	text_value(HAS(t, VCOYO_TUNNEL_A_RX_BYTES), t->rx_bytes, "");
	if (HAS(t, VCOYO_TUNNEL_A_REASON))
		printf(" reason %s", tunnel_reason(t, reason));
}

/* REMOTE STATE [reason REASON] [label L]: what changed, and which label went. */
static void tunnel_event_text(const void *obj)
{
	const struct tunnel *t = obj;
	char reason[ENUM_STRLEN];

	tunnel_text_head(t);
	if (HAS(t, VCOYO_TUNNEL_A_REASON))
		printf(" reason %s", tunnel_reason(t, reason));
	if (HAS(t, VCOYO_TUNNEL_A_LABEL))
		printf(" label %" PRIu32, t->label);
}

static void tunnel_json(struct ctx *ctx, const void *obj)
{
	const struct tunnel *t = obj;
	char remote[VCOYO_ADDR_STRLEN], name[ENUM_STRLEN];

	vcoyo_addr_format(&t->remote, remote);
	out_str(ctx, "remote", NULL, remote);
	out_str(ctx, "state", NULL, tunnel_state(t, name));
	if (HAS(t, VCOYO_TUNNEL_A_INITIATOR))
		out_bool(ctx, "initiator", t->initiator);
	else
		out_null(ctx, "initiator");
	out_opt_u64(ctx, HAS(t, VCOYO_TUNNEL_A_LABEL), "label", NULL, t->label);
	out_opt_u64(ctx, HAS(t, VCOYO_TUNNEL_A_PEER_LABEL), "peer_label", NULL, t->peer_label);
	out_opt_u64(ctx, HAS(t, VCOYO_TUNNEL_A_LINK), "link", NULL, t->link);
	out_opt_u64(ctx, HAS(t, VCOYO_TUNNEL_A_IDLE_MS), "idle_ms", NULL, t->idle_ms);
	out_opt_u64(ctx, HAS(t, VCOYO_TUNNEL_A_QUEUED), "queued", NULL, t->queued);
	out_opt_u64(ctx, HAS(t, VCOYO_TUNNEL_A_TX_PACKETS), "tx_packets", NULL, t->tx_packets);
	out_opt_u64(ctx, HAS(t, VCOYO_TUNNEL_A_TX_BYTES), "tx_bytes", NULL, t->tx_bytes);
	out_opt_u64(ctx, HAS(t, VCOYO_TUNNEL_A_RX_PACKETS), "rx_packets", NULL, t->rx_packets);
	out_opt_u64(ctx, HAS(t, VCOYO_TUNNEL_A_RX_BYTES), "rx_bytes", NULL, t->rx_bytes);
	/* Left out rather than null: a reason explains a failure, most tunnels have none. */
	if (HAS(t, VCOYO_TUNNEL_A_REASON))
		out_str(ctx, "reason", NULL, tunnel_reason(t, name));
}

/* A tunnel is named by its far end, and its state is what an event is about. */
static const struct object_kind tunnel_kind = {
	.nest = VCOYO_A_TUNNEL,
	.parse = vcoyo_nl_parse_tunnel,
	.max = VCOYO_TUNNEL_A_MAX,
	.required = 1u << VCOYO_TUNNEL_A_REMOTE | 1u << VCOYO_TUNNEL_A_STATE,
	.fill = tunnel_fill,
	.json = tunnel_json,
	.text = tunnel_text,
};

static const char *const label_role_names[] = {
	[VCOYO_LABEL_HEAD] = "head",
	[VCOYO_LABEL_TAIL] = "tail",
	[VCOYO_LABEL_TRANSIT] = "transit",
};

/* One label of the dump. */
struct label {
	uint32_t has;
	uint32_t id;
	uint8_t role;
	uint32_t up_link, up_label, down_link, down_label, idle_ms;
	uint64_t packets, bytes;
};

static int label_fill(void *obj, const struct nlattr *const *tb)
{
	struct label *l = obj;

	l->has = attrs_present(tb, VCOYO_LABEL_A_MAX);
	l->id = attr_u32(tb[VCOYO_LABEL_A_ID]);
	l->role = attr_u8(tb[VCOYO_LABEL_A_ROLE]);
	l->up_link = attr_u32(tb[VCOYO_LABEL_A_UP_LINK]);
	l->up_label = attr_u32(tb[VCOYO_LABEL_A_UP_LABEL]);
	l->down_link = attr_u32(tb[VCOYO_LABEL_A_DOWN_LINK]);
	l->down_label = attr_u32(tb[VCOYO_LABEL_A_DOWN_LABEL]);
	l->idle_ms = attr_u32(tb[VCOYO_LABEL_A_IDLE_MS]);
	l->packets = attr_u64(tb[VCOYO_LABEL_A_PACKETS]);
	l->bytes = attr_u64(tb[VCOYO_LABEL_A_BYTES]);
	return 0;
}

/* Its role; NULL if the kernel left it out. */
static const char *label_role(const struct label *l, char buf[ENUM_STRLEN])
{
	if (!HAS(l, VCOYO_LABEL_A_ROLE))
		return NULL;
	return enum_name(label_role_names, ARRAY_SIZE(label_role_names), l->role, "role", buf);
}

/*
 * One side of a label: " up local" where this node is the end (no link), else
 * " up link ID label L", L "-" until the neighbour's label is known.
 */
static void label_side_text(const char *side, bool has_link, uint32_t link, bool has_label,
			    uint32_t label)
{
	printf(" %s", side);
	if (!has_link) {
		fputs(" local", stdout);
		return;
	}
	text_field("link", true, link, "");
	text_field("label", has_label, label, "");
}

/* label ID ROLE up SIDE down SIDE packets N bytes N idle MSms */
static void label_text(const void *obj)
{
	const struct label *l = obj;
	const char *role;
	char buf[ENUM_STRLEN];

	role = label_role(l, buf);
	printf("label %" PRIu32 " %s", l->id, role ? role : "-");
	label_side_text("up", HAS(l, VCOYO_LABEL_A_UP_LINK), l->up_link,
			HAS(l, VCOYO_LABEL_A_UP_LABEL), l->up_label);
	label_side_text("down", HAS(l, VCOYO_LABEL_A_DOWN_LINK), l->down_link,
			HAS(l, VCOYO_LABEL_A_DOWN_LABEL), l->down_label);
	text_field("packets", HAS(l, VCOYO_LABEL_A_PACKETS), l->packets, "");
	text_field("bytes", HAS(l, VCOYO_LABEL_A_BYTES), l->bytes, "");
	text_field("idle", HAS(l, VCOYO_LABEL_A_IDLE_MS), l->idle_ms, "ms");
}

static void label_json(struct ctx *ctx, const void *obj)
{
	const struct label *l = obj;
	char buf[ENUM_STRLEN];

	out_u64(ctx, "label", NULL, l->id);
	out_str(ctx, "role", NULL, label_role(l, buf));
	out_opt_u64(ctx, HAS(l, VCOYO_LABEL_A_UP_LINK), "up_link", NULL, l->up_link);
	out_opt_u64(ctx, HAS(l, VCOYO_LABEL_A_UP_LABEL), "up_label", NULL, l->up_label);
	out_opt_u64(ctx, HAS(l, VCOYO_LABEL_A_DOWN_LINK), "down_link", NULL, l->down_link);
	out_opt_u64(ctx, HAS(l, VCOYO_LABEL_A_DOWN_LABEL), "down_label", NULL, l->down_label);
	out_opt_u64(ctx, HAS(l, VCOYO_LABEL_A_PACKETS), "packets", NULL, l->packets);
	out_opt_u64(ctx, HAS(l, VCOYO_LABEL_A_BYTES), "bytes", NULL, l->bytes);
	out_opt_u64(ctx, HAS(l, VCOYO_LABEL_A_IDLE_MS), "idle_ms", NULL, l->idle_ms);
}

static const struct object_kind label_kind = {
	.nest = VCOYO_A_LABEL,
	.parse = vcoyo_nl_parse_label,
	.max = VCOYO_LABEL_A_MAX,
	.required = 1u << VCOYO_LABEL_A_ID,
	.fill = label_fill,
	.json = label_json,
	.text = label_text,
};

/* Room for any object of a dump or an event. */
union object {
	struct identity identity;
	struct link link;
	struct route route;
	struct tunnel tunnel;
	struct label label;
};

struct dump_print {
	struct ctx *ctx;
	const struct object_kind *kind;
};

/* One message of a one-line dump, printed as it comes. */
static int dump_print_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	const struct dump_print *dp = arg;
	struct ctx *ctx = dp->ctx;
	union object obj;
	int ret;

	ret = object_parse(dp->kind, msg, &obj);
	if (ret <= 0)
		return ret;
	if (ctx->json) {
		out_list_item(ctx);
		dp->kind->json(ctx, &obj);
		out_list_item_end(ctx);
	} else {
		dp->kind->text(&obj);
		putchar('\n');
	}
	return 0;
}

/*
 * A verb that shows a dump of cmd, one line per object (a JSON array with
 * -j), printed as it comes: nothing is held, however large the table.
 */
static int show_dump(struct ctx *ctx, int argc, char **argv, uint8_t cmd,
		     const struct object_kind *kind)
{
	struct dump_print dp = { ctx, kind };
	struct vcoyo_nl *nl;
	int ret = 0;

	if (no_args(ctx, argc, argv))
		return 1;
	nl = nl_open();
	if (!nl)
		return 1;
	out_list_begin(ctx);
	if (vcoyo_nl_dump(nl, cmd, NULL, NULL, dump_print_cb, &dp))
		ret = nl_error(ctx, nl);
	out_list_end(ctx);
	vcoyo_nl_close(nl);
	return ret;
}

static int cmd_route_show(struct ctx *ctx, int argc, char **argv)
{
	return show_dump(ctx, argc, argv, VCOYO_CMD_ROUTE_GET, &route_kind);
}

static int cmd_tunnel_show(struct ctx *ctx, int argc, char **argv)
{
	return show_dump(ctx, argc, argv, VCOYO_CMD_TUNNEL_GET, &tunnel_kind);
}

static int cmd_label_show(struct ctx *ctx, int argc, char **argv)
{
	return show_dump(ctx, argc, argv, VCOYO_CMD_LABEL_GET, &label_kind);
}

/* ADDRESS, or none for a node without a key. */
static void identity_event_text(const void *obj)
{
	const struct identity *id = obj;
	char addr[VCOYO_ADDR_STRLEN];

	if (id->has_identity)
		vcoyo_addr_format(&id->addr, addr);
	fputs(id->has_identity ? addr : "none", stdout);
}

/* ID STATE ENDPOINT [REMOTE-ADDRESS] */
static void link_event_text(const void *obj)
{
	const struct link *l = obj;
	char addr[VCOYO_ADDR_STRLEN], buf[ENUM_STRLEN];
	const char *state = link_state(l, buf);

	printf("%" PRIu32 " %s %s", l->id, state ? state : "-",
	       HAS(l, VCOYO_LINK_A_ENDPOINT) ? l->endpoint : "-");
	if (HAS(l, VCOYO_LINK_A_REMOTE_ADDRESS)) {
		vcoyo_addr_format(&l->remote_addr, addr);
		printf(" %s", addr);
	}
}

/*
 * What the events group sends, by command.  The identity event goes out as
 * the ID_SET that caused it (uapi), in the format of the ID_GET reply; both
 * are taken.
 */
static const struct event_kind {
	uint8_t cmd;
	const char *name;
	const struct object_kind *kind;
	void (*text)(const void *obj);	/* the line after the name */
} event_kinds[] = {
	{ VCOYO_CMD_ID_SET, "identity", &identity_kind, identity_event_text },
	{ VCOYO_CMD_ID_GET, "identity", &identity_kind, identity_event_text },
	{ VCOYO_CMD_LINK_GET, "link", &link_kind, link_event_text },
	{ VCOYO_CMD_TUNNEL_GET, "tunnel", &tunnel_kind, tunnel_event_text },
	{ VCOYO_CMD_ROUTE_MISS, "route-miss", &miss_kind, miss_event_text },
};

struct monitor {
	struct ctx *ctx;
	uint64_t count;		/* events to print before stopping; 0: no end */
	uint64_t seen;
};

/*
 * One event: a line of text, or a JSON object on a line of its own (JSON
 * Lines) whose "event" member says which.  Events of a newer kernel are not
 * ours to print.
 */
static int monitor_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	const struct event_kind *ev;
	struct monitor *mon = arg;
	struct ctx *ctx = mon->ctx;
	union object obj;
	int ret;

	for (ev = event_kinds; ev < event_kinds + ARRAY_SIZE(event_kinds); ev++)
		if (ev->cmd == msg->cmd)
			break;
	if (ev == event_kinds + ARRAY_SIZE(event_kinds) || (mon->count && mon->seen == mon->count))
		return 0;
	ret = object_parse(ev->kind, msg, &obj);
	/* A monitor may run for days: one bad event must not end it. */
	if (ret < 0)
		fprintf(stderr, "%s: monitor: malformed %s event ignored: %s\n", PROG, ev->name,
			strerror(errno));
	if (ret <= 0)
		return 0;
	if (ctx->json) {
		out_begin(ctx);
		out_str(ctx, "event", NULL, ev->name);
		ev->kind->json(ctx, &obj);
		out_end(ctx);
	} else {
		printf("%s ", ev->name);
		ev->text(&obj);
		putchar('\n');
	}
	mon->seen++;
	/* Each event as it happens, also into a pipe; a closed one ends the monitor. */
	return fflush(stdout) ? -1 : 0;
}

static volatile sig_atomic_t monitor_stop;

static void monitor_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

/*
 * Print events until mon->count of them or SIGINT or SIGTERM (a normal end).
 * The two signals stay blocked except while ppoll() waits, so that one that
 * comes between the check of monitor_stop and the wait cannot be missed.
 * They are caught even if ignored on entry, so that a script can stop a
 * monitor it started in the background.  0, or -1 with errno set.
 */
static int monitor_loop(struct vcoyo_nl *nl, struct monitor *mon)
{
	struct pollfd pfd = { .fd = vcoyo_nl_fd(nl), .events = POLLIN };
	struct sigaction sa = { .sa_handler = monitor_signal }, old_int, old_term;
	sigset_t stop, old_mask;
	int ret = 0, err = 0;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigemptyset(&sa.sa_mask);
	monitor_stop = 0;
	sigprocmask(SIG_BLOCK, &stop, &old_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (!ret && !monitor_stop && (!mon->count || mon->seen < mon->count)) {
		if (ppoll(&pfd, 1, NULL, &old_mask) < 0) {
			if (errno != EINTR) {
				err = errno;
				ret = -1;
			}
		} else if (vcoyo_nl_recv(nl, monitor_cb, mon)) {
			/* The kernel had more events than the socket could hold: go on. */
			if (errno == ENOBUFS) {
				fprintf(stderr, "%s: monitor: events lost: %s\n", PROG,
					strerror(errno));
			} else {
				err = errno;
				ret = -1;
			}
		}
	}
	/* Unblock first: a second signal still pending then finds the handler. */
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	errno = err;
	return ret;
}

/* [count N] */
static int monitor_args(const struct ctx *ctx, int argc, char **argv, uint64_t *count)
{
	*count = 0;
	if (!argc)
		return 0;
	if (strcmp(argv[0], "count"))
		return usage_error(ctx, "monitor: unknown argument '%s'", argv[0]);
	if (argc < 2)
		return usage_error(ctx, "monitor: count needs a number of events");
	if (parse_uint(argv[1], 1, UINT64_MAX, count))
		return usage_error(ctx, "monitor: bad count '%s' (events, at least 1)", argv[1]);
	return no_args(ctx, argc - 2, argv + 2);
}

static int cmd_monitor(struct ctx *ctx, int argc, char **argv)
{
	struct monitor mon = { .ctx = ctx };
	struct vcoyo_nl *nl;
	int ret = 0;

	if (monitor_args(ctx, argc, argv, &mon.count))
		return 1;
	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_subscribe(nl, VCOYO_MCGRP_EVENTS)) {
		fprintf(stderr, "%s: monitor: cannot join the %s group: %s\n", PROG,
			VCOYO_MCGRP_EVENTS, strerror(errno));
		ret = 1;
	} else if (monitor_loop(nl, &mon)) {
		fprintf(stderr, "%s: monitor: %s\n", PROG, strerror(errno));
		ret = 1;
	}
	vcoyo_nl_close(nl);
	return ret;
}

static int cmd_help(struct ctx *ctx, int argc, char **argv)
{
	if (no_args(ctx, argc, argv))
		return 1;
	usage(stdout);
	return 0;
}

static const struct verb id_verbs[] = {
	{ "show", cmd_id_show, NULL, "", "address, public key, family number" },
	{ "set", cmd_id_set, NULL, "private-key FILE", "set the private key ('-': stdin)" },
	{ NULL }
};

static const struct verb node_verbs[] = {
	{ "show", cmd_node_show, NULL, "", "listen port, link and tunnel timers, miss timeout, helper" },
	{ "set", cmd_node_set, NULL, "[listen-port PORT] [hello-interval MS] [link-timeout MS] "
	  "[setup-timeout MS] [tunnel-idle MS] [miss-timeout MS]", "change them (at least one)" },
	{ NULL }
};

static const struct verb link_verbs[] = {
	{ "show", cmd_link_show, NULL, "", "every link: endpoint, state, neighbour, counters" },
	{ "add", cmd_link_add, NULL, "ENDPOINT [public-key KEY]",
	  "link to IPv4:PORT or [IPv6]:PORT; prints its id" },
	{ "del", cmd_link_del, NULL, "ID", "delete a link" },
	{ NULL }
};

static const struct verb route_verbs[] = {
	{ "show", cmd_route_show, NULL, "", "every route: destination, link or path, origin" },
	{ "add", cmd_route_add, NULL, "ADDRESS {via LINK-ID | path TAG[,TAG...]} [helper]",
	  "route ADDRESS through a link, or along a path of hop tags" },
	{ "del", cmd_route_del, NULL, "ADDRESS", "delete the route to ADDRESS" },
	{ "unreachable", cmd_route_unreachable, NULL, "ADDRESS",
	  "fail the route miss waiting for ADDRESS" },
	{ NULL },
};

static const struct verb tunnel_verbs[] = {
	{ "show", cmd_tunnel_show, NULL, "", "every tunnel ending here: state, labels, counters" },
	{ NULL },
};

static const struct verb label_verbs[] = {
	{ "show", cmd_label_show, NULL, "", "every label: role, hops up and down, counters" },
	{ NULL },
};

static const struct verb verbs[] = {
	{ "genkey", cmd_genkey, NULL, "", "new private key to stdout" },
	{ "pubkey", cmd_pubkey, NULL, "", "private key on stdin to public key" },
	{ "address", cmd_address, NULL, "", "public key on stdin to address" },
	{ "id", NULL, id_verbs, "", "" },
	{ "node", NULL, node_verbs, "", "" },
	{ "link", NULL, link_verbs, "", "" },
	{ "route", NULL, route_verbs, "", "" },
	{ "tunnel", NULL, tunnel_verbs, "", "" },
	{ "label", NULL, label_verbs, "", "" },
	{ "stats", cmd_stats, NULL, "", "node counters" },
	{ "monitor", cmd_monitor, NULL, "[count N]", "print events until killed (or N of them)" },
	{ "help", cmd_help, NULL, "", "this text" },
	{ NULL }
};

/* Run the verb argv[0] names in table; a bare parent runs its first sub-verb. */
static int dispatch(struct ctx *ctx, const struct verb *table, int argc, char **argv)
{
	const struct verb *v = table;

	if (!argc && !ctx->verb)
		return usage_error(NULL, "missing command");
	if (argc) {
		for (; v->name && strcmp(v->name, argv[0]); v++)
			;
		if (!v->name)
			return usage_error(NULL, "unknown command '%s%s%s'",
					   ctx->verb ? ctx->verb->name : "",
					   ctx->verb ? " " : "", argv[0]);
		argc--;
		argv++;
	}
	ctx->parent = ctx->verb;
	ctx->verb = v;
	if (v->sub)
		return dispatch(ctx, v->sub, argc, argv);
	return v->run(ctx, argc, argv);
}

/* Most words a command of a batch may have. */
#define BATCH_WORDS	64

/*
 * -b FILE: one command a line, written as on the command line after the
 * options: words separated by blanks, without quoting.  Empty lines and
 * lines starting with '#' are skipped.  Stops at the first command that
 * fails, naming its line.
 */
static int batch(bool json, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *words[BATCH_WORDS], *word, *save;
	const char *name = f == stdin ? "stdin" : path;
	unsigned int lineno = 0;
	struct ctx ctx;
	size_t size = 0;
	int argc, ret = 0;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(errno));
		return 1;
	}
	while (!ret && getline(&line, &size, f) >= 0) {
		lineno++;
		argc = 0;
		for (word = strtok_r(line, " \t\r\n", &save); word && argc < BATCH_WORDS;
		     word = strtok_r(NULL, " \t\r\n", &save))
			words[argc++] = word;
		if (word) {
			fprintf(stderr, "%s: %s:%u: more than %d words\n", PROG, name, lineno,
				BATCH_WORDS);
			ret = 1;
		} else if (argc && words[0][0] != '#') {
			ctx = (struct ctx){ .json = json };
			ret = dispatch(&ctx, verbs, argc, words);
			if (ret)
				fprintf(stderr, "%s: %s:%u: command failed\n", PROG, name, lineno);
		}
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "%s: %s: %s\n", PROG, name, strerror(errno));
		ret = 1;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	struct ctx ctx = { 0 };
	const char *batch_path = NULL;
	int i;

	/* Options come before the command, as for ip(8). */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-b") || !strcmp(argv[i], "--batch")) {
			if (++i == argc)
				return usage_error(NULL, "%s needs a FILE ('-': stdin)", argv[i - 1]);
			batch_path = argv[i];
			continue;
		}
		if (strcmp(argv[i], "-j") && strcmp(argv[i], "--json"))
			return usage_error(NULL, "unknown option '%s'", argv[i]);
		ctx.json = true;
	}
	if (batch_path) {
		if (i < argc)
			return usage_error(NULL, "-b: unexpected command '%s': the commands come "
					   "from the file", argv[i]);
		return batch(ctx.json, batch_path);
	}
	return dispatch(&ctx, verbs, argc - i, argv + i);
}
