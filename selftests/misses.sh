#!/bin/sh
# Route misses answered by a routing helper (selftests/miss-helper), and
# source-routed setups.  A ring of five nodes, r1 - r2 - r3 - r4 - r5 - r1,
# without a single route: neighbours reach each other directly; r1 asks its
# helper for the rest.  No helper: EHOSTUNREACH at once.  One helper per
# node (EBUSY).  A helper's path the long way round carries the datagrams
# through r5 and r4, not r2.  Answers "unreachable", no answer (the miss
# timeout), a helper killed while a miss waits, a path through a node that
# is not a neighbour (NO_NEIGHBOUR, and the helper route goes), static
# routes before neighbours before helper routes.
# shellcheck source=lib.sh
. ./lib.sh

PORT=7100
dir=$(mktemp -d)
chmod 755 "$dir"

# helper_start NODE MODE [PATH]: a miss-helper on NODE, registered.
helper_start()
{
	h_node=$1
	shift
	# Not through on(): $! must be miss-helper itself, for kill and wait.
	nsenter --net="/run/netns/$h_node" miss-helper "$@" >"$dir/helper-$h_node" 2>&1 &
	echo $! >"$dir/helper-$h_node.pid"
	wait_for 5 helper_is "$h_node" yes
}

helper_stop()
{
	kill "$(cat "$dir/helper-$1.pid")" && wait "$(cat "$dir/helper-$1.pid")"
	h_rc=$?
	cat "$dir/helper-$1"
	same "miss-helper's exit status" $h_rc 0
}

# helper_is NODE yes|no: what node show says of the node's helper.
helper_is()
{
	on "$1" vcoyo-nl node show | grep -qx "helper: $2"
}

# tunnel_is NODE REMOTE-ADDRESS ERE: NODE's tunnel to the address, in words.
tunnel_is()
{
	t_line=$(on "$1" vcoyo-nl tunnel show | grep "^$2 ")
	echo "$t_line"
	echo "$t_line" | grep -Eq "^$2 $3"
}

ghost()
{
	vcoyo-nl genkey | vcoyo-nl pubkey | vcoyo-nl address
}

ring()
{
	for n in r1 r2 r3 r4 r5; do
		ident $n || return 1
	done
	wire r1 r2 10.41.0 && wire r2 r3 10.42.0 && wire r3 r4 10.43.0 &&
	wire r4 r5 10.44.0 && wire r5 r1 10.45.0
}
check "a ring of 5 nodes, no routes" ring
check "every link up" wait_for 10 links_up r1 2 r2 2 r3 2 r4 2 r5 2
check "no routes anywhere" sh -c "[ -z \"\$(nsenter --net=/run/netns/r1 vcoyo-nl route show)\" ]"
# Failed tunnels stay failed this long: time for the checks to see them.
check "r1: setup timeout 5000 ms" on r1 vcoyo-nl node set setup-timeout 5000
check "node show: no helper, miss timeout 5000 ms" sh -c "
	out=\$(nsenter --net=/run/netns/r1 vcoyo-nl node show); echo \"\$out\"
	echo \"\$out\" | grep -qx 'helper: no' && echo \"\$out\" | grep -qx 'miss timeout: 5000 ms'"
check "node show -j: helper false" sh -c "nsenter --net=/run/netns/r1 vcoyo-nl -j node show |
	grep -q '\"miss_timeout_ms\": 5000, \"helper\": false'"

# --- Neighbours need no route ---------------------------------------------
check "r3->r4, neighbours, no route: datagrams arrive" flow r3 r4 5
check "r3 asked nobody" stat_is r3 route_miss 0
# A helper route to a neighbour, the long way: the neighbour still goes first.
check "r1: a helper route to r2 through r5, r4, r3" \
	on r1 vcoyo-nl route add "$(addr r2)" path "$(addr r5),$(addr r4),$(addr r3)" helper
check "r1->r2 goes direct all the same" flow r1 r2 5
check "r5 switched nothing" stat_is r5 switched 0
check "route del it" on r1 vcoyo-nl route del "$(addr r2)"

# --- No helper ---------------------------------------------------------------
check "no helper: EHOSTUNREACH at once" sh -c "
	nsenter --net=/run/netns/r1 vflow send '$(addr r3)' $PORT | grep -qx '0 EHOSTUNREACH'"
check "counted as miss_no_helper" stat_is r1 miss_no_helper 1
check "and as an unreachable drop" stat_is r1 drop_unreachable 1
check "no miss was raised" stat_is r1 route_miss 0

# --- A helper, the long way round ------------------------------------------
check "a helper registers" helper_start r1 route "$(addr r5),$(addr r4)"
check "node show: helper yes" helper_is r1 yes
check_fails "a second helper: EBUSY" "helper set: Device or resource busy: another socket is the routing helper" \
	on r1 miss-helper silent
on r1 vcoyo-nl monitor count 1 >"$dir/monitor" &
mon=$!
sleep 0.3
check "r1->r3: the helper answers, 10 datagrams arrive" flow r1 r3 10
check "the helper saw one miss, for r3" same "helper output" "$(cat "$dir/helper-r1")" "miss $(addr r3)"
monitored()
{
	wait $mon
	cat "$dir/monitor"
	grep -qx "route-miss $(addr r3)" "$dir/monitor"
}
check "monitor printed the route miss" monitored
check "r1 counted the miss and its answer" sh -c "
	nsenter --net=/run/netns/r1 vcoyo-nl stats | grep -x -e 'route_miss: 1' -e 'miss_resolved: 1' | wc -l | grep -qx 2"
tags=$(on r1 vcoyo-nl route show | awk -v d="$(addr r3)" '$1 == d { print $3 }')
check "r1's route to r3: a helper route along r5, r4" sh -c "
	nsenter --net=/run/netns/r1 vcoyo-nl route show | grep -qx '$(addr r3) path $tags helper' &&
	echo '$tags' | grep -Eqx '[0-9a-f]{16},[0-9a-f]{16}'"
check "r5 and r4 switched the datagrams: the long way" sh -c "
	[ \$(nsenter --net=/run/netns/r5 vcoyo-nl stats | sed -n 's/^switched: //p') -ge 10 ] &&
	[ \$(nsenter --net=/run/netns/r4 vcoyo-nl stats | sed -n 's/^switched: //p') -ge 10 ]"
check "r2 switched nothing" stat_is r2 switched 0
check "r1->r3 tunnel up" tunnel_is r1 "$(addr r3)" up
check "r3->r1 through the same tunnel, r3 without a route" flow r3 r1 5
check "r3 raised no miss" stat_is r3 route_miss 0

# Static routes first: the administrator's replaces the helper's, which
# cannot come back over it.
check "a static route to r3 replaces the helper's" \
	on r1 vcoyo-nl route add "$(addr r3)" via "$(link_id r1 r2)"
check_fails "the helper's route cannot replace it" "a static route to this destination exists" \
	on r1 vcoyo-nl route add "$(addr r3)" path "$(addr r5),$(addr r4)" helper
check "route del r3" on r1 vcoyo-nl route del "$(addr r3)"
check "the helper stops on SIGTERM, exit 0" helper_stop r1
check "node show: helper no" wait_for 5 helper_is r1 no

# --- A path through a node that is not a neighbour -----------------------------
check "a helper with a wrong path: r5 then r3" helper_start r1 route "$(addr r5),$(addr r3)"
wrong()
{
	on r1 vflow send -c -n 4 -i 300 "$(addr r4)" $PORT >"$dir/send"
	cat "$dir/send"
	grep -qx '0 ok' "$dir/send" && grep -q 'EHOSTUNREACH' "$dir/send"
}
check "r1->r4 fails: r5 has no neighbour r3" wrong
check "r5 refused the setup" stat_ge r5 setup_refused 1
check "r1's tunnel failed: no-neighbour" tunnel_is r1 "$(addr r4)" "failed .*reason no-neighbour"
check "the helper route is gone with it" sh -c "
	! nsenter --net=/run/netns/r1 vcoyo-nl route show | grep -q '^$(addr r4) '"
check "helper stopped" helper_stop r1

# --- Unreachable ----------------------------------------------------------------
g1=$(ghost)
unreachable_before=$(stat r1 miss_unreachable)
check "a helper that answers unreachable" helper_start r1 unreachable
unreachable()
{
	on r1 vflow send -n 3 -i 300 "$g1" $PORT >"$dir/send"
	cat "$dir/send"
	grep -qx '0 ok' "$dir/send" && grep -qx '2 EHOSTUNREACH' "$dir/send"
}
check "to a node nobody knows: queued, then EHOSTUNREACH" unreachable
check "miss_unreachable counted" stat_is r1 miss_unreachable $((unreachable_before + 1))
check "the tunnel failed: unreachable" tunnel_is r1 "$g1" "failed .*reason unreachable"
check "helper stopped" helper_stop r1

# --- No answer: the miss timeout ------------------------------------------------
check "miss timeout 500 ms" on r1 vcoyo-nl node set miss-timeout 500
check "node show says so" sh -c "nsenter --net=/run/netns/r1 vcoyo-nl node show | grep -qx 'miss timeout: 500 ms'"
check_fails "miss timeout below the minimum" "bad miss-timeout '10'" on r1 vcoyo-nl node set miss-timeout 10
check "a silent helper" helper_start r1 silent
g2=$(ghost)
drops_before=$(stat r1 drop_unreachable)
timeouts_before=$(stat r1 miss_timeout)
silent()
{
	s_start=$(now_ms)
	on r1 vflow send -n 10 -i 150 "$g2" $PORT >"$dir/send"
	cat "$dir/send"
	echo "took $(($(now_ms) - s_start)) ms"
	# Datagram N leaves at N * 150 ms: the first ones wait, the last fail
	# (the timers look every quarter of the miss timeout, or every second
	# at the first look).
	grep -qx '0 ok' "$dir/send" && grep -qx '1 ok' "$dir/send" && grep -qx '9 EHOSTUNREACH' "$dir/send"
}
check "silent helper: queued, then EHOSTUNREACH after about 500 ms" silent
check "miss_timeout counted" stat_is r1 miss_timeout $((timeouts_before + 1))
check "the tunnel failed: miss-timeout" tunnel_is r1 "$g2" "failed .*reason miss-timeout"
queued_dropped()
{
	d=$(($(stat r1 drop_unreachable) - drops_before))
	at_least "unreachable drops" $d 4
}
check "the queued datagrams were dropped and counted" queued_dropped

# --- The helper goes away while a miss waits -----------------------------------
check "miss timeout 60000 ms" on r1 vcoyo-nl node set miss-timeout 60000
g3=$(ghost)
check "a datagram waits for the silent helper" sh -c "
	nsenter --net=/run/netns/r1 vflow send -c '$g3' $PORT | grep -qx '0 ok'"
check "the tunnel is resolving" tunnel_is r1 "$g3" "resolving"
no_helper_before=$(stat r1 miss_no_helper)
killed()
{
	kill -KILL "$(cat "$dir/helper-r1.pid")"
	wait "$(cat "$dir/helper-r1.pid")" 2>/dev/null
	true
}
check "the helper is killed" killed
check "the miss fails at once (no-helper)" wait_for 2 tunnel_is r1 "$g3" "failed .*reason no-helper"
check "miss_no_helper counted" stat_is r1 miss_no_helper $((no_helper_before + 1))
check "node show: helper no" helper_is r1 no
check "a new helper can register" helper_start r1 route "$(addr r2),$(addr r3)"
check "and it is asked: r1->r4 through r2 and r3" flow r1 r4 3
check "r2 and r3 switched them" sh -c "
	[ \$(nsenter --net=/run/netns/r2 vcoyo-nl stats | sed -n 's/^switched: //p') -ge 3 ] &&
	[ \$(nsenter --net=/run/netns/r3 vcoyo-nl stats | sed -n 's/^switched: //p') -ge 3 ]"
check "helper stopped" helper_stop r1

nodes_del r1 r2 r3 r4 r5
rm -rf "$dir"
tap_done
