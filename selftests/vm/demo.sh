#!/bin/sh
# The main job, run in the guest by `make demo`: three IPvCoyo nodes, each a
# network namespace with its own identity, exchanging AF_VCOYO datagrams
# addressed to 512-bit identifiers.  (Datagrams between nodes need links and
# tunnels: until they exist each node talks to itself.)
. ./lib.sh

NODES="alice bob carol"
PORT=7000

for n in $NODES; do
	node_add "$n"
	vcoyo-nl genkey >"/tmp/$n.key"
	check "$n: identity set" on "$n" vcoyo-nl id set private-key "/tmp/$n.key"
	echo "== node $n"
	on "$n" vcoyo-nl id show
done

for n in $NODES; do
	addr=$(vcoyo-nl pubkey <"/tmp/$n.key" | vcoyo-nl address)
	on "$n" vcoyo-cat -l $PORT -c 3 >"/tmp/$n.out" &
	listener=$!
	sleep 1
	printf 'hello %s\nfrom a 512-bit socket\nbye\n' "$n" | on "$n" vcoyo-cat "$addr" $PORT
	wait "$listener"
	echo "== $n received, on [$addr]:$PORT"
	cat "/tmp/$n.out"
	check "$n: 3 datagrams arrived" test "$(grep -c "^\[$addr\]:" "/tmp/$n.out")" = 3
	check "$n: the first one intact" grep -q "hello $n\$" "/tmp/$n.out"
	echo "== $n counters"
	on "$n" vcoyo-nl stats
done
tap_done
