#!/bin/sh
# `make bench`, in the guest: transit datagrams per second through a line of
# six nodes, n1 -- n2 -- n3 -- n4 -- n5 -- n6, (A) with the guest kernel's
# own IPv4 forwarding of UDP and (B) with vcoyo, whose four transit nodes
# switch every datagram by label.  Not a test: the points below only say
# whether each step worked; the numbers are the "# bench:" lines, and
# Documentation/bench.rst tells how to read them.
#
# Topology: a veth pair between each two neighbours, segment i (ni -- ni+1)
# being 10.0.i.0/24: ri in ni has 10.0.i.1, li+1 in ni+1 has 10.0.i.2.
# A: static IPv4 routes, forwarding on in n2..n5, UDP from n1 to n6.
# B: an identity per node, vcoyo links between neighbours over the same
# veths, static vcoyo routes along the line both ways, AF_VCOYO datagrams
# from n1 to n6 once a first one has set the tunnel up.
#
# Both are set up first; then each payload size in SIZES is measured in
# ROUNDS rounds of T seconds, a round being an A run and then a B run, and
# the best run of each counts: the guest is an emulator on a shared machine
# whose load changes, and taking turns exposes A and B to the same changes.
# Should B's set-up fail, the A runs still take place.  The guest gets no
# environment from the host: change the values below.  The sender runs on
# CPU 0, the receiver on CPU 1, in both alike.
# shellcheck source=lib.sh
. ./lib.sh

T=4
SIZES="64 1000"
ROUNDS=3
PORT=9000
NODES="1 2 3 4 5 6"
TRANSIT="2 3 4 5"
dir=$(mktemp -d)

# The numbers go to fd 3, the test's own output: check keeps the output of
# its command to itself unless the command fails.
exec 3>&1
say()
{
	echo "# bench: $*" >&3
}

uptime_ms()
{
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# poll_for SECONDS COMMAND...: poll COMMAND until it succeeds, or fail.
poll_for()
{
	p_limit=$(($(uptime_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(uptime_ms)" -lt "$p_limit" ] || { echo "timed out: $*"; return 1; }
		sleep 0.2
	done
}

# The numbers of blast's summary lines.
sent_count() { sed -n 's/^sent \([0-9]*\) datagrams.*/\1/p' "$1"; }
sent_pps() { sed -n 's/^sent .*: \([0-9]*\) pps.*/\1/p' "$1"; }
recv_count() { sed -n 's/^received \([0-9]*\) datagrams.*/\1/p' "$1"; }
recv_pps() { sed -n 's/^received .*: \([0-9]*\) pps.*/\1/p' "$1"; }

# blast_run NAME KIND DESTINATION SIZE: one run, receiver in n6 and sender in
# n1; leaves blast's output in $dir/NAME.send and $dir/NAME.recv.  Fails
# unless both ran and something arrived.
blast_run()
{
	b_name=$1 b_kind=$2 b_dst=$3 b_size=$4
	on n6 taskset -c 1 blast recv "$b_kind" $PORT -t "$T" -s "$b_size" -w 30 \
		>"$dir/$b_name.recv" 2>&1 &
	b_pid=$!
	poll_for 10 grep -q '^listening' "$dir/$b_name.recv" || { kill "$b_pid"; return 1; }
	on n1 taskset -c 0 blast send "$b_kind" "$b_dst" $PORT -t "$T" -s "$b_size" \
		>"$dir/$b_name.send" 2>&1
	b_rc=$?
	wait "$b_pid" || b_rc=1
	cat "$dir/$b_name.send" "$dir/$b_name.recv"
	say "$b_name: $(cat "$dir/$b_name.send")"
	say "$b_name: $(grep -v '^listening' "$dir/$b_name.recv")"
	return $b_rc
}

# counter NODE NAME [ALT]: a counter of node nNODE, by vcoyo-nl stats.  A
# vcoyo-nl that does not know a counter's name prints it as stat_N: ALT.
counter()
{
	on "n$1" vcoyo-nl stats | awk -v name="$2" -v alt="$3" '
		$1 == name ":" || (alt != "" && $1 == alt ":") { print $2; found = 1 }
		END { if (!found) print 0 }'
}

switched()
{
	counter "$1" switched stat_14
}

# --- the line of nodes ---
for i in $NODES; do
	node_add "n$i"
done
line()
{
	for i in 1 2 3 4 5; do
		j=$((i + 1))
		$IP link add "r$i" netns "n$i" type veth peer name "l$j" netns "n$j" &&
		$IP -n "n$i" addr add "10.0.$i.1/24" dev "r$i" &&
		$IP -n "n$j" addr add "10.0.$i.2/24" dev "l$j" &&
		$IP -n "n$i" link set "r$i" up &&
		$IP -n "n$j" link set "l$j" up || return 1
	done
}
check "six nodes in a line, a veth pair and a /24 between neighbours" line

ipv4_routes()
{
	$IP -n n1 route add default via 10.0.1.2 &&
	$IP -n n6 route add default via 10.0.5.1 || return 1
	for k in $TRANSIT; do
		$IP netns exec "n$k" sysctl -qw net.ipv4.ip_forward=1 || return 1
		for s in 1 2 3 4 5; do
			if [ "$s" -gt "$k" ]; then
				$IP -n "n$k" route add "10.0.$s.0/24" via "10.0.$k.2" || return 1
			elif [ "$s" -lt $((k - 1)) ]; then
				$IP -n "n$k" route add "10.0.$s.0/24" via "10.0.$((k - 1)).1" || return 1
			fi
		done
	done
}
check "IPv4: forwarding in n2..n5, static routes" ipv4_routes
# Also fills every neighbour table on the way, before the clock runs.
check "IPv4: n1 pings n6 across four routers" on n1 ping -c 2 -W 5 10.0.5.2

# --- B: vcoyo ---
failed_before_b=$tap_failed
identities()
{
	for i in $NODES; do
		vcoyo-nl genkey >"$dir/n$i.key" &&
		on "n$i" vcoyo-nl id set private-key "$dir/n$i.key" || return 1
		vcoyo-nl pubkey <"$dir/n$i.key" | vcoyo-nl address >"$dir/n$i.addr" || return 1
	done
}
check "vcoyo: an identity per node" identities
A1=$(cat "$dir/n1.addr")
A6=$(cat "$dir/n6.addr")

# link_add NODE ENDPOINT FILE: the new link's id into FILE.
link_add()
{
	out=$(on "n$1" vcoyo-nl link add "$2") || return 1
	echo "${out#link }" >"$3"
}
links()
{
	for i in 1 2 3 4 5; do
		j=$((i + 1))
		link_add "$i" "10.0.$i.2:4477" "$dir/n$i.right" &&
		link_add "$j" "10.0.$i.1:4477" "$dir/n$j.left" || return 1
	done
}
check "vcoyo: links between neighbours" links

links_up()
{
	for i in $NODES; do
		want=2
		case $i in 1 | 6) want=1 ;; esac
		[ "$(on "n$i" vcoyo-nl link show | grep -c '^  state: up$')" = $want ] || return 1
	done
}
check "vcoyo: all ten links up" poll_for 20 links_up

routes()
{
	for i in 1 2 3 4 5; do
		on "n$i" vcoyo-nl route add "$A6" via "$(cat "$dir/n$i.right")" || return 1
	done
	for i in 2 3 4 5 6; do
		on "n$i" vcoyo-nl route add "$A1" via "$(cat "$dir/n$i.left")" || return 1
	done
}
check "vcoyo: routes to n6 and to n1 along the line" routes

# The first datagram sets the tunnel up and waits in its queue meanwhile;
# one is sent a second until one arrives, should a setup fail.
first_datagram()
{
	on n6 timeout 20 vcoyo-cat -l $PORT -c 1 >"$dir/first.out" 2>&1 &
	f_pid=$!
	sleep 0.5
	for _ in $(seq 15); do
		echo first | on n1 vcoyo-cat "$A6" $PORT
		sleep 1
		grep -q ' first$' "$dir/first.out" && break
	done
	wait "$f_pid"
	cat "$dir/first.out"
	grep -q ' first$' "$dir/first.out"
}
check "vcoyo: a first datagram from n1 reaches n6 (the tunnel is up)" first_datagram
vcoyo_ready=no
[ "$tap_failed" -ne "$failed_before_b" ] || vcoyo_ready=yes

# --- the runs: A and B in turns, so that both see the same load ---
for k in $TRANSIT; do
	switched "$k" >"$dir/n$k.switched0"
done
for size in $SIZES; do
	for r in $(seq $ROUNDS); do
		check "IPv4: $size-byte UDP datagrams from n1 reach n6 (round $r)" \
			blast_run "ipv4-$size-$r" udp 10.0.5.2 "$size"
		[ $vcoyo_ready = yes ] || continue
		check "vcoyo: $size-byte datagrams from n1 reach n6 (round $r)" \
			blast_run "vcoyo-$size-$r" vcoyo "$A6" "$size"
	done
done

# Every datagram n6 got crossed n2..n5 by label: each switched at least as
# many (more if some were lost after it).
got=0
for f in "$dir"/vcoyo-*.recv; do
	[ -e "$f" ] || continue
	r=$(recv_count "$f")
	got=$((got + ${r:-0}))
done
each_switched()
{
	for k in $TRANSIT; do
		d=$(($(switched "$k") - $(cat "$dir/n$k.switched0")))
		echo "n$k switched $d, n6 received $got"
		say "vcoyo: n$k switched $d datagrams by label"
		[ "$d" -ge "$got" ] || return 1
	done
}
if [ $vcoyo_ready = yes ]; then
	check "vcoyo: each of n2..n5 switched every datagram n6 received" each_switched
	say "vcoyo: n1 dgram_sent $(counter 1 dgram_sent), tx_error $(counter 1 tx_error stat_27);" \
		"n6 dgram_delivered $(counter 6 dgram_delivered), drop_rcvbuf $(counter 6 drop_rcvbuf)"
fi

# --- streams: TCP over the IPv4 forwarding against SOCK_STREAM over vcoyo ---
# stream_run NAME FAMILY DESTINATION: one connection of STREAM_BYTES from n1
# to n6 (vstream -q: zeros, not hashed, so that the ends cost little); the
# goodput is the sender's, from the connect to the last byte acknowledged
# and the connection closed.  The byte counts at both ends must agree.
stream_run()
{
	s_name=$1 s_family=$2 s_dst=$3
	rm -f "$dir/$s_name.ready"
	on n6 taskset -c 1 vstream recv -q -f "$s_family" -r "$dir/$s_name.ready" $((PORT + 1)) \
		>"$dir/$s_name.srecv" 2>&1 &
	s_pid=$!
	poll_for 10 test -e "$dir/$s_name.ready" || { kill "$s_pid"; return 1; }
	on n1 taskset -c 0 vstream send -q -f "$s_family" -b "$STREAM_BYTES" "$s_dst" $((PORT + 1)) \
		>"$dir/$s_name.ssend" 2>&1
	s_rc=$?
	wait "$s_pid" || s_rc=1
	say "$s_name: $(tail -n 1 "$dir/$s_name.ssend")"
	[ $s_rc -eq 0 ] && [ "$(grep '^conn' "$dir/$s_name.ssend")" = "$(grep '^conn' "$dir/$s_name.srecv")" ]
}
STREAM_BYTES=30000000
for r in $(seq $ROUNDS); do
	check "TCP: 30 MB from n1 reach n6 (round $r)" stream_run "tcp-$r" inet 10.0.5.2
	[ $vcoyo_ready = yes ] || continue
	check "vcoyo: 30 MB from n1 reach n6 in a stream (round $r)" \
		stream_run "stream-$r" vcoyo "$A6"
done
# best_mbps KIND: the best goodput of the rounds, MB/s.
best_mbps()
{
	for r in $(seq $ROUNDS); do
		sed -n 's/^total .* MBps \([0-9.]*\).*/\1/p' "$dir/$1-$r.ssend" 2>/dev/null
	done | sort -g | tail -n 1
}
tcp_mbps=$(best_mbps tcp)
stream_mbps=$(best_mbps stream)

# --- the summary ---
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b != "") printf "%.2f", b / a; else printf "n/a" }'
}
# best KIND SIZE: "received-pps sent-pps" of the round that received most.
best()
{
	for r in $(seq $ROUNDS); do
		echo "$(recv_pps "$dir/$1-$2-$r.recv" 2>/dev/null) $(sent_pps "$dir/$1-$2-$r.send" 2>/dev/null)"
	done | awk 'NF == 2 && $1 + 0 > best { best = $1 + 0; line = $0 } END { print line }'
}
ratio_first=n/a
say "summary: datagrams per second, the best of $ROUNDS rounds of $T s each"
say "$(printf '%6s %10s %10s %10s %10s %6s' size ipv4-sent ipv4-recv vcoyo-sent vcoyo-recv ratio)"
for size in $SIZES; do
	# shellcheck disable=SC2046
	set -- $(best ipv4 "$size")
	ur=${1:-} us=${2:-}
	# shellcheck disable=SC2046
	set -- $(best vcoyo "$size")
	vr=${1:-} vs=${2:-}
	[ "$size" = "${SIZES%% *}" ] && ratio_first=$(ratio "${ur:-0}" "$vr")
	say "$(printf '%6s %10s %10s %10s %10s %6s' "$size" "${us:--}" "${ur:--}" "${vs:--}" \
		"${vr:--}" "$(ratio "${ur:-0}" "$vr")")"
done
say "streams: goodput of one connection, MB/s, the best of $ROUNDS rounds of 30 MB"
say "$(printf '%10s %10s %6s' tcp vcoyo ratio)"
say "$(printf '%10s %10s %6s' "${tcp_mbps:--}" "${stream_mbps:--}" "$(ratio "${tcp_mbps:-0}" "$stream_mbps")")"
echo "# ratio vcoyo/ipv4 received pps: $ratio_first (${SIZES%% *}-byte payloads)"
echo "# ratio vcoyo/tcp stream goodput: $(ratio "${tcp_mbps:-0}" "$stream_mbps")"

for i in $NODES; do
	node_del "n$i"
done
rm -rf "$dir"
tap_done
