#!/bin/sh
# The main job, run in the guest by `make demo`: eight IPvCoyo nodes, each
# a network namespace with its own identity, linked over UDP in a ring with
# two chords.  Nobody writes a route: vcoyod, on every node, finds the way
# with Kademlia when a datagram needs one, and the kernel sets a tunnel up
# along it.  The nodes on the way switch the datagrams by label in their
# kernels' receive path, without looking at their 512-bit addresses.
#
#        alice - bob - carol - dave
#          |      \      \      |
#        heidi - grace - frank - erin      (chords: bob-frank, carol-heidi)
. ./lib.sh

PORT=7000
NODES="alice bob carol dave erin frank grace heidi"

for n in $NODES; do
	node_add "$n"
	vcoyo-nl genkey >"/tmp/$n.key"
	vcoyo-nl pubkey <"/tmp/$n.key" | vcoyo-nl address >"/tmp/$n.addr"
	on "$n" vcoyo-nl id set private-key "/tmp/$n.key" &&
	on "$n" vcoyo-nl node set hello-interval 250 link-timeout 2000
done
check "8 nodes, each with its identity" test "$(ls /tmp/*.addr | wc -l)" -ge 8
addr() { cat "/tmp/$1.addr"; }
echo "== alice"
on alice vcoyo-nl id show

# wire A B N: a veth pair between A (10.N.0.1) and B (10.N.0.2), a link each way.
wire()
{
	$IP link add "$1-$2" netns "$1" type veth peer name "$2-$1" netns "$2" &&
	$IP -n "$1" addr add "10.$3.0.1/24" dev "$1-$2" && $IP -n "$1" link set "$1-$2" up &&
	$IP -n "$2" addr add "10.$3.0.2/24" dev "$2-$1" && $IP -n "$2" link set "$2-$1" up &&
	on "$1" vcoyo-nl link add "10.$3.0.2:4477" >/dev/null &&
	on "$2" vcoyo-nl link add "10.$3.0.1:4477" >/dev/null
}
edges="alice:bob bob:carol carol:dave dave:erin erin:frank frank:grace grace:heidi heidi:alice
bob:frank carol:heidi"
wired()
{
	i=1
	for e in $edges; do
		wire "${e%:*}" "${e#*:}" $i || return 1
		i=$((i + 1))
	done
}
check "10 links over UDP, and not a single route" wired

for n in $NODES; do
	nsenter --net="/run/netns/$n" vcoyod >"/tmp/$n.log" 2>&1 &
	echo $! >"/tmp/$n.pid"
done
links_up()
{
	[ "$(for n in $NODES; do on "$n" vcoyo-nl link show; done | grep -c 'state: up')" -eq 20 ]
}
check "every link is up (hellos both ways)" wait_for 20 links_up
helpers()
{
	for n in $NODES; do
		on "$n" vcoyo-nl node show | grep -q 'helper: yes' || return 1
	done
}
check "vcoyod runs on every node, as its routing helper" wait_for 10 helpers
sleep 2
echo "== alice's routes before any traffic: those vcoyod installed for its own queries"
on alice vcoyo-nl route show

on erin vcoyo-cat -l $PORT -c 3 >/tmp/erin.out &
listener=$!
on alice vcoyo-cat -l $PORT -c 1 >/tmp/alice.out &
replier=$!
sleep 1
printf 'hello erin\nfrom a 512-bit socket\nbye\n' | on alice vcoyo-cat "$(addr erin)" $PORT
wait "$listener"
echo "== erin received, on [$(addr erin)]:$PORT"
cat /tmp/erin.out
check "erin: 3 datagrams arrived from alice" test "$(grep -c "^\[$(addr alice)\]:" /tmp/erin.out)" = 3
echo 'hello alice, erin here' | on erin vcoyo-cat "$(addr alice)" $PORT
wait "$replier"
echo "== alice received"
cat /tmp/alice.out
check "alice: erin's answer arrived" grep -q "hello alice, erin here" /tmp/alice.out

echo "== alice's route to erin: found by vcoyod (the hop tags of the nodes on the way)"
on alice vcoyo-nl route show | grep "^$(addr erin) "
check "alice's route to erin came from the helper" sh -c \
	"nsenter --net=/run/netns/alice vcoyo-nl route show | grep '^$(addr erin) ' | grep -q helper"
echo "== the tunnel, from alice"
on alice vcoyo-nl tunnel show
echo "== who switched what"
for n in $NODES; do
	echo "$n: $(on "$n" vcoyo-nl stats | sed -n 's/^switched: //p') switched, $(on "$n" vcoyo-nl stats | sed -n 's/^route_miss: //p') route misses"
done

# Everyone to the node across the ring, at once.
across()
{
	set -- $NODES
	pids=
	for i in 1 2 3 4 5 6 7 8; do
		eval "src=\${$i}"
		j=$(((i + 3) % 8 + 1))
		eval "dst=\${$j}"
		on "$dst" vflow recv -n 5 -t 15000 $((8000 + i)) >"/tmp/across-$i" &
		pids="$pids $!"
		echo "$src -> $dst" >"/tmp/across-$i.pair"
	done
	sleep 0.5
	for i in 1 2 3 4 5 6 7 8; do
		eval "src=\${$i}"
		j=$(((i + 3) % 8 + 1))
		eval "dst=\${$j}"
		on "$src" vflow send -n 5 -i 200 "$(addr "$dst")" $((8000 + i)) >/dev/null &
	done
	# shellcheck disable=SC2086
	wait $pids
	ok=0
	for i in 1 2 3 4 5 6 7 8; do
		echo "$(cat "/tmp/across-$i.pair"): $(head -n 1 "/tmp/across-$i")"
		grep -q '^received 5 bad 0' "/tmp/across-$i" && ok=$((ok + 1))
	done
	[ $ok -eq 8 ]
}
check "every node to the node across the ring: all datagrams arrive" across

for n in $NODES; do
	kill "$(cat "/tmp/$n.pid")"
done
wait
echo "== alice's vcoyod said"
cat /tmp/alice.log
tap_done
