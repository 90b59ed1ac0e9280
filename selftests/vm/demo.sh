#!/bin/sh
# The main job, run in the guest by `make demo`: three IPvCoyo nodes in a
# line, alice - bob - carol, each a network namespace with its own identity.
# Neighbours are linked over UDP on a veth pair; alice and carol reach each
# other through bob, who switches their datagrams by label in his kernel's
# receive path, without looking at their 512-bit addresses.
. ./lib.sh

PORT=7000

for n in alice bob carol; do
	node_add "$n"
	vcoyo-nl genkey >"/tmp/$n.key"
	vcoyo-nl pubkey <"/tmp/$n.key" | vcoyo-nl address >"/tmp/$n.addr"
	check "$n: identity set" on "$n" vcoyo-nl id set private-key "/tmp/$n.key"
	echo "== node $n"
	on "$n" vcoyo-nl id show
done
alice=$(cat /tmp/alice.addr)
bob=$(cat /tmp/bob.addr)
carol=$(cat /tmp/carol.addr)

# veth NAME-A NODE-A IP-A NAME-B NODE-B IP-B
veth()
{
	$IP link add "$1" type veth peer name "$4" &&
	$IP link set "$1" netns "$2" && $IP link set "$4" netns "$5" &&
	$IP -n "$2" addr add "$3/24" dev "$1" && $IP -n "$5" addr add "$6/24" dev "$4" &&
	$IP -n "$2" link set "$1" up && $IP -n "$5" link set "$4" up
}
check "alice - bob over 10.1.0.0/24" veth ab alice 10.1.0.1 ba bob 10.1.0.2
check "bob - carol over 10.2.0.0/24" veth bc bob 10.2.0.1 cb carol 10.2.0.2
check "links: alice to bob" on alice vcoyo-nl link add 10.1.0.2:4477
check "links: bob to alice and carol" sh -c "
	nsenter --net=/run/netns/bob vcoyo-nl link add 10.1.0.1:4477 &&
	nsenter --net=/run/netns/bob vcoyo-nl link add 10.2.0.2:4477"
check "links: carol to bob" on carol vcoyo-nl link add 10.2.0.1:4477
check "routes: alice reaches carol via bob" on alice vcoyo-nl route add "$carol" via 1
check "routes: bob reaches each end" sh -c "
	nsenter --net=/run/netns/bob vcoyo-nl route add '$alice' via 1 &&
	nsenter --net=/run/netns/bob vcoyo-nl route add '$carol' via 2"
check "routes: carol reaches alice via bob" on carol vcoyo-nl route add "$alice" via 1

links_up()
{
	[ "$(on bob vcoyo-nl link show | grep -c '^  state: up$')" -eq 2 ]
}
check "every link is up (hellos both ways)" wait_for 10 links_up
echo "== bob's links"
on bob vcoyo-nl link show

on carol vcoyo-cat -l $PORT -c 3 >/tmp/carol.out &
listener=$!
on alice vcoyo-cat -l $PORT -c 1 >/tmp/alice.out &
replier=$!
sleep 1
printf 'hello carol\nfrom a 512-bit socket\nbye\n' | on alice vcoyo-cat "$carol" $PORT
wait "$listener"
echo "== carol received, on [$carol]:$PORT"
cat /tmp/carol.out
check "carol: 3 datagrams arrived from alice" test "$(grep -c "^\[$alice\]:" /tmp/carol.out)" = 3
check "carol: the first one intact" grep -q "hello carol\$" /tmp/carol.out
echo 'hello alice, carol here' | on carol vcoyo-cat "$alice" $PORT
wait "$replier"
echo "== alice received"
cat /tmp/alice.out
check "alice: carol's answer arrived" grep -q "^\[$carol\]:.*hello alice, carol here" /tmp/alice.out

echo "== the tunnel, from alice and from carol"
on alice vcoyo-nl tunnel show
on carol vcoyo-nl tunnel show
echo "== bob's label: one per tunnel, bound to his two links"
on bob vcoyo-nl label show
echo "== bob's counters"
on bob vcoyo-nl stats
check "bob switched all 4 datagrams by label" \
	test "$(on bob vcoyo-nl stats | sed -n 's/^switched: //p')" = 4
tap_done
