#!/bin/sh
# Label-switched tunnels between nodes: two neighbours; a line of six nodes
# (four transit hops) with traffic both ways, each transit node switching by
# label; the biggest datagram across it; an IPv6 underlay; a ring with two
# paths; a link that goes down during traffic and comes back; setups that
# are refused or time out, and the bounded queue; idle tunnels expiring.
# tunnels-many.sh has the 10,000 tunnels and the hand-made packets.
#
# Each topology is a set of network namespaces joined by veth pairs, one
# IPv4 (or IPv6) subnet per pair, with links both ways over it and static
# routes from every node to every other along the topology.
#
# It runs in the second guest, beside kademlia.sh: on the debug kernel the
# first guest's tests took 1637 s and the second's 1025 s, and a guest's
# tests keep about one core busy.  On a loaded debug guest it took 611 s,
# past the default limit of 600: it has a limit of its own.
# vcoyo-own-guest
# vcoyo-timeout: 1200
# shellcheck source=lib.sh
. ./lib.sh

PORT=7000
dir=$(mktemp -d)
chmod 755 "$dir"

# line PREFIX N [6]: nodes PREFIX1..PREFIXN in a line, routes along it.
line()
{
	l_p=$1 l_n=$2
	i=1
	while [ $i -le "$l_n" ]; do
		ident "$l_p$i" || return 1
		i=$((i + 1))
	done
	i=1
	while [ $i -lt "$l_n" ]; do
		if [ "${3:-}" = 6 ]; then
			wire "$l_p$i" "$l_p$((i + 1))" "fd0$i:" 6 || return 1
		else
			wire "$l_p$i" "$l_p$((i + 1))" "10.$i.0" || return 1
		fi
		i=$((i + 1))
	done
	i=1
	while [ $i -le "$l_n" ]; do
		k=1
		while [ $k -le "$l_n" ]; do
			if [ $k -gt $i ]; then
				route "$l_p$i" "$l_p$k" "$l_p$((i + 1))"
			elif [ $k -lt $i ]; then
				route "$l_p$i" "$l_p$k" "$l_p$((i - 1))"
			fi
			k=$((k + 1))
		done
		install "$l_p$i" || return 1
		i=$((i + 1))
	done
}

# tunnel_up NODE REMOTE: NODE has a tunnel to REMOTE, up.
tunnel_up()
{
	on "$1" vcoyo-nl tunnel show | grep -q "^$(addr "$2") up "
}

# switched_none NODE...: no NODE switched a packet.
switched_none()
{
	for n in "$@"; do
		stat_is "$n" switched 0 || return 1
	done
}

# switched_all MIN NODE...: each NODE switched at least MIN packets.
switched_all()
{
	s_min=$1
	shift
	for n in "$@"; do
		at_least "switched by $n" "$(stat "$n" switched)" "$s_min" || return 1
	done
}

# --- Two neighbours -------------------------------------------------------
pair()
{
	ident a && ident b && wire a b 10.20.0
}
check "two nodes, a link each way" pair
check "a and b: links up" wait_for 5 links_up a 1 b 1
route a b b
route b a a
check "routes a->b and b->a" install a b
check "a->b: 10 datagrams arrive, intact, from a" flow a b 10
check "a set the tunnel up: one setup" stat_is a tunnel_setup 1
check "and it did not fail" stat_is a tunnel_failed 0
check "b->a: 10 datagrams through the same tunnel" flow b a 10
check "b started no setup of its own" stat_is b tunnel_setup 0
check "a and b are the ends: they switched nothing" switched_none a b
check "a sent its datagrams" stat_ge a dgram_sent 10
check "b delivered them" stat_ge b dgram_delivered 10

# b forgets the tunnel without a word: a link deleted takes its labels along,
# and nobody is left on it to tell.  Re-added at once, in one batch, before a
# misses a hello: a's tunnel leads to a label b no longer holds.
forget()
{
	on a vcoyo-nl node set link-timeout 3000 &&
	printf 'link del %s\nlink add 10.20.0.1:4477\nroute add %s via 2\n' \
		"$(link_id b a)" "$(addr a)" >"$dir/forget" &&
	on b vcoyo-nl -b "$dir/forget" && wait_for 5 links_up b 1
}
check "b deletes and re-adds its link to a, in one go" forget
check "a's tunnel is still up: nobody told it" tunnel_up a b
heals()
{
	on b vflow recv -t 3000 $PORT >"$dir/recv" &
	h_pid=$!
	sleep 0.3
	on a vflow send -n 20 -i 50 "$(addr b)" $PORT >"$dir/send"
	wait $h_pid
	cat "$dir/recv"
	at_least received "$(sed -n 's/^received \([0-9]*\) bad 0 .*/\1/p' "$dir/recv")" 15
}
check "a->b: b answers NO_LABEL, a sets up anew, datagrams arrive" heals
check "b counted the label it did not hold" stat_ge b rx_unknown_label 1
check "a tore its tunnel down" stat_ge a tunnel_torn_down 1
check "and set a second one up" stat_is a tunnel_setup 2

# --- A line of six: four transit hops ------------------------------------
check "a line of 6 nodes" line t 6
check "t: every link up" wait_for 10 links_up t1 1 t2 2 t3 2 t4 2 t5 2 t6 1
on t1 vcoyo-nl monitor count 1 >"$dir/monitor-t1" &
mon_t1=$!
on t6 vcoyo-nl -j monitor count 1 >"$dir/monitor-t6" &
mon_t6=$!
sleep 0.3
check "t1->t6: 20 datagrams arrive" flow t1 t6 20
check "t6->t1: 20 datagrams arrive" flow t6 t1 20
check "each transit node switched both ways, by label" switched_all 40 t2 t3 t4 t5
check "the ends switched nothing" switched_none t1 t6
check "t1 set the tunnel up" stat_is t1 tunnel_setup 1
check "t6 answered through it: no setup of its own" stat_is t6 tunnel_setup 0
no_drops()
{
	for n in "$@"; do
		same "drops on $n" "$(sum "$n" rx_unknown_label rx_wrong_link rx_label_pending \
			tx_error drop_unreachable drop_queue_full)" 0 || return 1
	done
}
check "no drops on the way" no_drops t1 t2 t3 t4 t5 t6

# tunnel_is NODE REMOTE STATE ROLE: NODE's tunnel show has one line, to
# REMOTE, in STATE, and NODE is ROLE.
tunnel_is()
{
	t_out=$(on "$1" vcoyo-nl tunnel show)
	echo "$t_out"
	[ "$(echo "$t_out" | wc -l)" -eq 1 ] &&
	matches "$t_out" "$(addr "$2") $3 $4 label [0-9]+ peer-label [0-9]+ link [0-9]+ idle [0-9]+ms queued 0 tx [0-9]+/[0-9]+ rx [0-9]+/[0-9]+"
}
check "tunnel show on t1: up to t6, t1 the initiator" tunnel_is t1 t6 up initiator
check "tunnel show on t6: up to t1, t6 the responder" tunnel_is t6 t1 up responder
check "tunnel show -j" sh -c "nsenter --net=/run/netns/t1 vcoyo-nl -j tunnel show |
	grep -q '\"remote\": \"$(addr t6)\", \"state\": \"up\", \"initiator\": true'"
# transit_is NODE: NODE has one label, transit, up link 1, down link 2.
transit_is()
{
	l_out=$(on "$1" vcoyo-nl label show)
	echo "$l_out"
	[ "$(echo "$l_out" | wc -l)" -eq 1 ] &&
	matches "$l_out" "label [0-9]+ transit up link 1 label [0-9]+ down link 2 label [0-9]+ packets 4[0-9] bytes [0-9]+ idle [0-9]+ms"
}
check "label show on t2: one transit label between links 1 and 2" transit_is t2
check "and on t5" transit_is t5
check "label show on t1: its head label" sh -c "nsenter --net=/run/netns/t1 vcoyo-nl label show |
	grep -Eqx 'label [0-9]+ head up local down link 1 label [0-9]+ .*'"
check "label show -j on t3" sh -c "nsenter --net=/run/netns/t3 vcoyo-nl -j label show |
	grep -q '\"role\": \"transit\", \"up_link\": 1'"
check "monitor on t1 saw the tunnel come up" sh -c "wait $mon_t1; cat '$dir/monitor-t1';
	grep -q '^tunnel $(addr t6) up' '$dir/monitor-t1'" 
check "monitor -j on t6 too" sh -c "wait $mon_t6; cat '$dir/monitor-t6';
	grep -q '\"event\": \"tunnel\", \"remote\": \"$(addr t1)\", \"state\": \"up\"' '$dir/monitor-t6'"
check "t1->t6: 5 datagrams of 65000 bytes, fragmented and switched" flow t1 t6 5 65000
check "t6->t1: 5 datagrams of 65000 bytes" flow t6 t1 5 65000

# --- Link down during traffic ----------------------------------------------
outage()
{
	on t3 vcoyo-nl monitor >"$dir/monitor-t3" &
	o_mpid=$!
	on t6 vflow recv -t 9000 $PORT >"$dir/recv" &
	o_rpid=$!
	sleep 0.3
	on t1 vflow send -n 250 -i 40 "$(addr t6)" $PORT >"$dir/send" &
	o_spid=$!
	sleep 1
	$IP -n t3 link set v-t3-t4 down
	sleep 3
	$IP -n t3 link set v-t3-t4 up
	wait $o_spid
	wait $o_rpid
	kill $o_mpid
	cat "$dir/recv"
	uniq -c -f1 "$dir/send"
}
check "t1->t6 while the t3-t4 link goes down and comes back" outage
check "the sender got EHOSTUNREACH while the link was down" grep -q ' EHOSTUNREACH$' "$dir/send"
check "and ok again once it was back" same "last 5 sends ok" \
	"$(tail -n 5 "$dir/send" | grep -c ' ok$')" 5
check "datagrams arrived, intact, before and after the outage" at_least received \
	"$(sed -n 's/^received \([0-9]*\) bad 0 .*/\1/p' "$dir/recv")" 40
check "torn down both ways: t1 got a teardown" stat_ge t1 tunnel_torn_down 1
check "and so did t6" stat_ge t6 tunnel_torn_down 1
check "monitor on t3: its link to t4 went down, then up" sh -c "cat '$dir/monitor-t3';
	grep -A9 '^link 2 down' '$dir/monitor-t3' | grep -q '^link 2 up'"
check "t3 refused setups while its onward link was down" stat_ge t3 setup_refused 1
both_ways()
{
	flow "$1" "$2" "$3" && flow "$2" "$1" "$3"
}
check "traffic flows again both ways" both_ways t1 t6 5

# --- Idle tunnels expire ---------------------------------------------------
idle_set()
{
	for n in t1 t2 t3 t4 t5 t6; do
		on "$n" vcoyo-nl node set tunnel-idle 300 || return 1
	done
}
no_labels()
{
	for n in "$@"; do
		same "labels of $n" "$(on "$n" vcoyo-nl label show | wc -l)" 0 || return 1
	done
}
check "tunnel idle 300 ms on the line" idle_set
check "idle: every label on the line is released" wait_for 10 no_labels t1 t2 t3 t4 t5 t6
# Whichever end's timer ran first expired it, and tore it down for the other.
ends_expired()
{
	at_least "expired by t1 or t6" \
		$(($(stat t1 tunnel_expired) + $(stat t6 tunnel_expired))) 1
}
check "an end expired it" ends_expired
check "the next datagram sets a new tunnel up" flow t1 t6 3
check "a new setup it was" stat_ge t1 tunnel_setup 2

# --- Refused setups --------------------------------------------------------
ident x
refused()
{
	on t1 vcoyo-nl route add "$(addr x)" via 1 &&
	on t1 vflow send -c -n 3 -i 300 "$(addr x)" $PORT >"$dir/send"
	cat "$dir/send"
	grep -qx '0 ok' "$dir/send" && grep -q 'EHOSTUNREACH' "$dir/send"
}
check "t2 has no route to x: the setup is refused, the sender told" refused
check "t2 counted the refusal" stat_ge t2 setup_refused 1
check "t1 counted the failure" stat_ge t1 tunnel_failed 1
check "no route at all: EHOSTUNREACH at once" sh -c "
	nsenter --net=/run/netns/t2 vflow send '$(addr x)' $PORT | grep -qx '0 EHOSTUNREACH'"

nodes_del t1 t2 t3 t4 t5 t6 x

# --- IPv6 underlay -----------------------------------------------------------
check "a line of 3 nodes over IPv6" line s 3 6
check "s: every link up" wait_for 10 links_up s1 1 s2 2 s3 1
# Both ends send first, at once: one tunnel between them all the same.
at_once()
{
	on s3 vflow recv -n 10 -t 5000 $PORT >"$dir/recv3" &
	a_r3=$!
	on s1 vflow recv -n 10 -t 5000 $PORT >"$dir/recv1" &
	a_r1=$!
	sleep 0.3
	on s1 vflow send -n 10 "$(addr s3)" $PORT >/dev/null &
	a_s1=$!
	on s3 vflow send -n 10 "$(addr s1)" $PORT >/dev/null
	wait $a_s1
	wait $a_r3
	a_rc=$?
	wait $a_r1
	a_rc=$((a_rc + $?))
	cat "$dir/recv1" "$dir/recv3"
	for n in s1 s2 s3; do
		echo "== $n"
		on $n vcoyo-nl tunnel show
		on $n vcoyo-nl label show
	done
	[ $a_rc -eq 0 ]
}
check "s1->s3 and s3->s1 at once, over IPv6: 10 datagrams each" at_once
one_tunnel()
{
	o_out=$(on "$1" vcoyo-nl tunnel show)
	echo "$o_out"
	[ "$(echo "$o_out" | wc -l)" -eq 1 ] && matches "$o_out" "$(addr "$2") up .*"
}
# A race between the two setups on a loaded guest has been seen to leave one
# end with a tunnel the other had let go; the first datagrams into it get a
# NO_LABEL and a new setup follows.  A few paced ones first, both ways.
prime()
{
	on s1 vflow send -n 4 -i 200 "$(addr s3)" $PORT >/dev/null &&
	on s3 vflow send -n 4 -i 200 "$(addr s1)" $PORT >/dev/null
}
check "s1 and s3 send a few more, paced" prime
check "s1->s3 over IPv6: 10 datagrams more" flow s1 s3 10
check "s3->s1 over IPv6: 10 datagrams more" flow s3 s1 10
# Then, whatever the race between the two setups did, one tunnel remains.
one_label()
{
	[ "$(on s2 vcoyo-nl label show | wc -l)" -eq 1 ] && return 0
	dump_nodes
	return 1
}
check "s1 has one tunnel to s3, up" one_tunnel s1 s3
check "s3 has one tunnel to s1, up" one_tunnel s3 s1
check "s2 holds one label for it" one_label
check "s2 switched them all" switched_all 40 s2
nodes_del s1 s2 s3

# --- A ring with two paths -------------------------------------------------
ring()
{
	for n in r1 r2 r3 r4; do
		ident $n || return 1
	done
	wire r1 r2 10.31.0 && wire r2 r3 10.32.0 && wire r3 r4 10.33.0 && wire r4 r1 10.34.0 ||
		return 1
	route r1 r3 r2
	route r2 r3 r3
	route r3 r1 r2
	route r2 r1 r1
	install r1 r2 r3
}
check "a ring of 4 nodes" ring
check "r: every link up" wait_for 10 links_up r1 2 r2 2 r3 2 r4 2
check "r1->r3 the short way round" flow r1 r3 10
check "through r2" switched_all 10 r2
check "r4 has switched nothing yet" switched_none r4
reroute()
{
	$IP -n r2 link set v-r2-r1 down
	wait_for 5 links_up r1 1 || return 1
	on r1 vcoyo-nl route del "$(addr r3)" &&
	on r1 vcoyo-nl route add "$(addr r3)" via "$(link_id r1 r4)" &&
	on r4 vcoyo-nl route add "$(addr r3)" via "$(link_id r4 r3)" &&
	on r3 vcoyo-nl route del "$(addr r1)" &&
	on r3 vcoyo-nl route add "$(addr r1)" via "$(link_id r3 r4)" &&
	on r4 vcoyo-nl route add "$(addr r1)" via "$(link_id r4 r1)"
}
check "the r1-r2 link goes down; routes the other way round" reroute
check "r1->r3 the other way" wait_for 5 flow r1 r3 5
check "through r4" switched_all 5 r4
check "r3->r1 back the same way" flow r3 r1 5
check "through r4 too" switched_all 10 r4
nodes_del r1 r2 r3 r4

# --- Setup timeout and the bounded queue -----------------------------------
# q's link to 10.40.0.3:5555 is kept up by hellos from tun-gen, which answers
# nothing: setups towards y there time out.  The hellos carry y's key, every
# 100 ms for 20 s.
silent()
{
	on p tun-gen send -c 200 -i 100 -b 10.40.0.3 -p 5555 hello 10.40.0.1 4477 \
		"$(vcoyo-nl pubkey <"$dir/y.key")"
}
quiet()
{
	ident q && ident p && ident y && wire q p 10.40.0 &&
	$IP -n p addr add 10.40.0.3/24 dev v-p-q &&
	# Long enough for 100 sends on the slowest guest kernel.
	on q vcoyo-nl node set setup-timeout 3000
}
check "nodes q and p, y's address behind a silent neighbour" quiet
silent &
silent_pid=$!
check "q's link to the silent neighbour" sh -c "
	nsenter --net=/run/netns/q vcoyo-nl link add 10.40.0.3:5555 | grep -qx 'link 2' &&
	nsenter --net=/run/netns/q vcoyo-nl route add '$(addr y)' via 2"
check "it is up" wait_for 5 links_up q 2
check "100 datagrams at once are all accepted" same accepted \
	"$(on q vflow send -n 100 "$(addr y)" $PORT | grep -c ' ok$')" 100
check "the first 64 wait, the other 36 are dropped" stat_is q drop_queue_full 36
check "the setup times out: the 64 are dropped as unreachable" wait_for 8 \
	stat_is q drop_unreachable 64
check "q counted one failed setup" stat_is q tunnel_failed 1
wait $silent_pid
nodes_del q p y

tap_done
