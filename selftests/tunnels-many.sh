#!/bin/sh
# Tunnels at scale, and packets no node would send: 10,000 tunnels through
# one node, set up, used both ways and torn down; then hand-made packets
# from a neighbour the labels are not bound to, for labels the node never
# gave, truncated, or malformed setups, each counted by its reason and
# answered, or not, as the wire format says.  tun-gen plays the neighbours
# from plain UDP sockets.
# shellcheck source=lib.sh
. ./lib.sh

dir=$(mktemp -d)
chmod 755 "$dir"

# no_labels NODE...: no NODE holds a label.
no_labels()
{
	for n in "$@"; do
		same "labels of $n" "$(on "$n" vcoyo-nl label show | wc -l)" 0 || return 1
	done
}

# --- 10,000 tunnels through one node ---------------------------------------
# m is the transit node under test, with the default timers.  tun-gen, in g,
# plays its neighbours: from 10.50.0.2:5001 the heads of 10000 tunnels, from
# 10.50.0.2:5002 their tail (whose address m routes to), and from
# 10.50.0.2:5003 a third neighbour that sends single hand-made packets.
gen_ends()
{
	node_add m && node_add g &&
	vcoyo-nl genkey >"$dir/m.key" && on m vcoyo-nl id set private-key "$dir/m.key" &&
	$IP link add v-m-g netns m type veth peer name v-g-m netns g &&
	$IP -n m addr add 10.50.0.1/24 dev v-m-g && $IP -n g addr add 10.50.0.2/24 dev v-g-m &&
	$IP -n m link set v-m-g up && $IP -n g link set v-g-m up &&
	mkdir -p "$dir/gen" && tun-gen keys "$dir/gen" &&
	on m vcoyo-nl link add 10.50.0.2:5001 public-key "$(cat "$dir/gen/up.pub")" |
		sed 's/^link //' >"$dir/link-m-up" &&
	on m vcoyo-nl link add 10.50.0.2:5002 public-key "$(cat "$dir/gen/down.pub")" |
		sed 's/^link //' >"$dir/link-m-down" &&
	on m vcoyo-nl link add 10.50.0.2:5003 >/dev/null &&
	on m vcoyo-nl route add "$(cat "$dir/gen/down.addr")" via "$(cat "$dir/link-m-down")" &&
	# The debug kernel takes minutes for 10,000 setups, with the guest's
	# two CPUs busy: no setup may time out meanwhile, no label expire while
	# it waits for its datagram, no link go down for a hello that is late.
	on m vcoyo-nl node set link-timeout 60000 setup-timeout 60000 tunnel-idle 900000
}
check "node m; tun-gen's ends in g, each linked from m; m routes to the down end" gen_ends
# tun-gen goes on saying hello for 15 s after its summary: m keeps the links,
# and the labels, for the checks that follow.
many_tunnels()
{
	on g tun-gen many -n 10000 --keys "$dir/gen" --up 10.50.0.2:5001 \
		--down 10.50.0.2:5002 --node 10.50.0.1:4477 --linger 15 --timeout 480 \
		--item-timeout 60000 >"$dir/many" 2>&1 &
	many_pid=$!
	wait_for 500 grep -q '^links ' "$dir/many"
	cat "$dir/many"
	grep -q '^tunnels 10000 setup 10000 acked 10000 down-ok 10000 up-ok 10000 ' "$dir/many" &&
		grep -q ' unexpected 0,' "$dir/many"
}
check "10000 tunnels through m: set up, a datagram each way in each, intact" many_tunnels
sed 's/^/# /' "$dir/many"
check "m switched them all: 20000" stat_is m switched 20000
check "m holds 10000 transit labels" same labels \
	"$(on m vcoyo-nl label show | grep -c '^label [0-9]* transit ')" 10000
check "m lost no control packet and refused no setup" same drops \
	"$(sum m drop_ctl_overflow setup_refused)" 0

# Single packets from the third end, 10.50.0.2:5003.
g3()
{
	on g tun-gen send -b 10.50.0.2 -p 5003 "$@"
}
# grows_by NODE NAME BY CMD...: CMD makes NODE's counter NAME grow by BY.
grows_by()
{
	g_node=$1 g_name=$2 g_by=$3
	shift 3
	g_before=$(stat "$g_node" "$g_name")
	"$@" && wait_for 5 stat_is "$g_node" "$g_name" $((g_before + g_by))
}
wrong_link()
{
	g3 data 10.50.0.1 4477 "$(on m vcoyo-nl label show | sed -n '1s/^label \([0-9]*\) .*/\1/p')"
}
check "data with a label m bound to other links: rx_wrong_link" grows_by m rx_wrong_link 1 wrong_link
check "data with a label m never gave: rx_unknown_label" \
	grows_by m rx_unknown_label 1 g3 data 10.50.0.1 4477 999999
check "and m answers it: NO_LABEL" same answer \
	"$(sleep 0.1; g3 -r 1000 data 10.50.0.1 4477 999998)" "no-label label 999998"
check "a NO_LABEL for a label m writes to nobody: rx_unknown_label" \
	grows_by m rx_unknown_label 1 g3 no-label 10.50.0.1 4477 4242
for k in data-short setup-short ack-short teardown-short; do
	check "$k: rx_truncated" grows_by m rx_truncated 1 g3 "$k" 10.50.0.1 4477
done
check "setup with label 0: rx_malformed, no answer" sh -c \
	"nsenter --net=/run/netns/g tun-gen send -b 10.50.0.2 -p 5003 -r 500 setup-bad 10.50.0.1 4477 label0 | grep -c . | grep -qx 0"
KX=$(vcoyo-nl genkey | vcoyo-nl pubkey)
# setup_refused_with WANT HOW [DST]: g3's setup-bad HOW is answered with
# WANT; a hello first, so that m's link to g3 is up, as a setup needs.
setup_refused_with()
{
	g3 hello 10.50.0.1 4477 "$KX" || return 1
	r_want=$1
	shift
	r_got=$(g3 -r 1000 setup-bad 10.50.0.1 4477 "$@")
	same answer "$r_got" "$r_want"
}
for how in src-zero dst-zero src-is-dst; do
	check "setup-bad $how: refused, invalid (8)" setup_refused_with "teardown label 1 reason 8" "$how"
done
check "setup-bad hops0 to a routed destination: refused, hop limit (3)" \
	setup_refused_with "teardown label 1 reason 3" hops0 "$(cat "$dir/gen/down.addr")"
check "m counted 3 malformed setups and the label 0 one" stat_ge m rx_malformed 4
check "tun-gen ended well" wait "$many_pid"
unlink_ends()
{
	on m vcoyo-nl link del "$(cat "$dir/link-m-up")" &&
	on m vcoyo-nl link del "$(cat "$dir/link-m-down")"
}
check "m deletes its links to the two ends" unlink_ends
check "all 10000 labels went with them" no_labels m
check "each torn down" stat_is m tunnel_torn_down 10000
nodes_del m g

tap_done
