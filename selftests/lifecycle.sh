#!/bin/sh
# Module and namespace lifecycle: load and unload many times, refuse to unload
# while sockets exist, clean namespace teardown with sockets and identities,
# and a clear failure when the address family number is taken.
. ./lib.sh

KO=/vcoyo/vcoyo.ko
FAMILY_FILE=/sys/module/vcoyo/parameters/family

# Start sockhold in the background (in node $1 if given) and wait until ready.
hold()
{
	fifo=$(mktemp -u)
	mkfifo "$fifo"
	if [ -n "${1:-}" ]; then
		# Not through the "on" function: $! must be sockhold itself.
		$IP netns exec "$1" sockhold -n 8 >"$fifo" &
	else
		sockhold -n 8 >"$fifo" &
	fi
	holder=$!
	read -r line <"$fifo"
	rm -f "$fifo"
	[ "$line" = ready ]
}

loaded() { grep -q '^vcoyo ' /proc/modules; }

# A closed socket is freed after an RCU grace period, and holds the module
# until then: rmmod may say "in use" for a moment after the last close.
unload()
{
	tries=0
	until rmmod vcoyo 2>/dev/null; do
		tries=$((tries + 1))
		[ $tries -lt 50 ] || { rmmod vcoyo; return 1; }
		usleep 20000
	done
}
not_loaded() { ! loaded; }

check "module is loaded" loaded
check "family parameter is readable and default 22" test "$(cat $FAMILY_FILE)" = 22

hold
check_fails "rmmod refused while a socket is open" "in use|busy|Resource temporarily" rmmod vcoyo
check "module still loaded" loaded
kill "$holder"
wait "$holder" 2>/dev/null
check "rmmod succeeds once the socket is closed" unload

check_fails "family taken (AF_INET) is refused" "File exists|exists" insmod $KO family=2
check "dmesg says why the family was refused" sh -c "dmesg | grep -q 'address family 2 is already registered'"
check_fails "family out of range is refused" "Invalid|invalid" insmod $KO family=4096
check_fails "family 0 is refused" "Invalid|invalid" insmod $KO family=0
check "module not left loaded by failed inserts" not_loaded

check "loads under family 18 (AF_ASH)" insmod $KO family=18
check "family 18 is readable" test "$(cat $FAMILY_FILE)" = 18
check "sockets open under family 18" sockhold -x
check "rmmod family 18" unload

cycle()
{
	i=0
	while [ $i -lt 100 ]; do
		insmod $KO || return 1
		sockhold -x -n 4 >/dev/null || return 1
		if [ $((i % 10)) -eq 0 ]; then
			vcoyo-nl genkey >/tmp/k && vcoyo-nl id set private-key /tmp/k || return 1
		fi
		unload || return 1
		i=$((i + 1))
	done
}
check "insmod, use and rmmod 100 times" cycle
check "module loads again" insmod $KO

# A namespace deleted while a process in it holds sockets with queued
# datagrams and the node has an identity: teardown happens when the process
# exits, and must be clean.
node_add gone
vcoyo-nl genkey >/tmp/k
check "identity set in the namespace" on gone vcoyo-nl id set private-key /tmp/k
hold gone
check "namespace deleted while sockets are open" node_del gone
check_fails "rmmod refused while the deleted namespace keeps a socket" "in use|busy|Resource" rmmod vcoyo
kill "$holder"
wait "$holder" 2>/dev/null

# Two linked nodes deleted while their links are up: the namespace exit
# closes the UDP socket and frees the links.
node_add la
node_add lb
$IP link add lva netns la type veth peer name lvb netns lb
$IP -n la addr add 10.9.0.1/24 dev lva && $IP -n la link set lva up
$IP -n lb addr add 10.9.0.2/24 dev lvb && $IP -n lb link set lvb up
vcoyo-nl genkey >/tmp/k2
on la vcoyo-nl id set private-key /tmp/k
on lb vcoyo-nl id set private-key /tmp/k2
check "links added on both nodes" sh -c \
	"$IP netns exec la vcoyo-nl link add 10.9.0.2:4477 && $IP netns exec lb vcoyo-nl link add 10.9.0.1:4477"
links_up()
{
	n=0
	until on la vcoyo-nl link show | grep -q 'state: up'; do
		n=$((n + 1))
		[ $n -lt 100 ] || return 1
		usleep 100000
	done
}
check "the link comes up" links_up
check "linked namespaces are deleted" sh -c "$IP netns del la && $IP netns del lb"

for n in 1 2 3 4 5; do
	node_add "many$n"
	on "many$n" vcoyo-nl id set private-key /tmp/k
done
check "namespaces with identities and no sockets are deleted" sh -c \
	'for n in 1 2 3 4 5; do /usr/bin/ip netns del many$n || exit 1; done'

# A stream connection between two nodes: rmmod is refused while it exists;
# its namespaces are deleted while it carries data, then its processes are
# killed.  The connection ends (a reset: the receiver had unread data), its
# sockets go, then the namespaces: rmmod succeeds once they are gone.
node_add sa
node_add sb
$IP link add sva netns sa type veth peer name svb netns sb
$IP -n sa addr add 10.9.1.1/24 dev sva && $IP -n sa link set sva up
$IP -n sb addr add 10.9.1.2/24 dev svb && $IP -n sb link set svb up
on sa vcoyo-nl id set private-key /tmp/k
on sb vcoyo-nl id set private-key /tmp/k2
sb_addr=$(vcoyo-nl pubkey </tmp/k2 | vcoyo-nl address)
on sa vcoyo-nl link add 10.9.1.2:4477 >/dev/null
on sb vcoyo-nl link add 10.9.1.1:4477 >/dev/null
stream_up()
{
	on sb vcoyo-nl stats | grep -q '^stream_established: [1-9]'
}
$IP netns exec sb vstream recv -t 60000 7500 >/dev/null 2>&1 &
receiver=$!
sleep 1
$IP netns exec sa vstream send -t 60000 -b 100000000000 "$sb_addr" 7500 >/dev/null 2>&1 &
sender=$!
check "a stream connection carries data between two nodes" wait_for 30 stream_up
check_fails "rmmod refused while a stream connection exists" "in use|busy|Resource" rmmod vcoyo
check "its namespaces are deleted while it carries data" sh -c "$IP netns del sa && $IP netns del sb"
kill "$sender" "$receiver"
wait "$sender" "$receiver" 2>/dev/null

# Namespace teardown is asynchronous, and a closed connection's socket may
# linger (TIME_WAIT, 2 s): rmmod waits for them.
check "rmmod after all namespaces are gone" wait_for 30 unload
check "module loads again for the tests that follow" insmod $KO
tap_done
