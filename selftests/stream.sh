#!/bin/sh
# SOCK_STREAM between nodes: byte streams across lines of nodes, checked
# byte for byte (the BLAKE2b of every connection, at both ends): one
# connection, many at once, both ways, over a bad network (netem: loss,
# reordering, duplication, delay), across four transit nodes; and a way that
# goes away under a connection, which must end in ETIMEDOUT, not hang.
# shellcheck source=lib.sh
. ./lib.sh

PORT=7400
dir=$(mktemp -d)
chmod 755 "$dir"
# The debug kernel (KASAN, lockdep, kmemleak) carries some 0.1 MB/s where
# the stock ones carry 1: there the big transfers are a tenth of the size
# and the 100 connections a fifth, the same checks otherwise.
BIG=50000000 EACH=100000
if [ -e /sys/kernel/debug/kmemleak ]; then
	BIG=5000000 EACH=20000
fi
# The goodput of each transfer goes to fd 3, the test's own output: check
# keeps its command's output to itself unless the command fails.
exec 3>&1

# A line of three nodes, s1 - s2 - s3, routed both ways.
line()
{
	ident s1 && ident s2 && ident s3 || return 1
	wire s1 s2 10.81.0 && wire s2 s3 10.82.0 || return 1
	route s1 s3 s2 && route s3 s1 s2 && install s1 s3
}
check "a line of three nodes" line
check "every link up" wait_for 15 links_up s1 1 s2 2 s3 1

# transfer FROM TO CONNS BYTES [-e]: CONNS connections of BYTES each, from
# FROM to TO; what TO received (or, with -e, what came back) must hash as
# what FROM sent.
transfer()
{
	t_from=$1 t_to=$2 t_n=$3 t_bytes=$4 t_echo=${5:-}
	rm -f "$dir/ready"
	# $t_echo is empty or -e: an option, or nothing.
	# shellcheck disable=SC2086
	on "$t_to" vstream recv -n "$t_n" $t_echo -r "$dir/ready" $PORT >"$dir/recv" 2>&1 &
	t_r=$!
	wait_for 10 test -e "$dir/ready" >/dev/null || return 1
	# shellcheck disable=SC2086
	on "$t_from" vstream send -n "$t_n" -b "$t_bytes" $t_echo "$(addr "$t_to")" $PORT \
		>"$dir/send" 2>&1
	t_s=$?
	wait $t_r
	t_rc=$?
	echo "# $t_from -> $t_to, $t_n x $t_bytes bytes${t_echo:+, echoed}: $(tail -n 1 "$dir/send")" >&3
	if [ $t_s -ne 0 ] || [ $t_rc -ne 0 ]; then
		tail -n 5 "$dir/send" "$dir/recv"
		dump_nodes
		return 1
	fi
	same "connections and hashes" "$(grep '^conn' "$dir/recv")" "$(grep '^conn' "$dir/send")"
}
check "one connection, 1 MB, s1 -> s3" transfer s1 s3 1 1000000
check "one connection, 1 MB each way (echo)" transfer s1 s3 1 1000000 -e
check "s2 switched the streams" stat_ge s2 switched 1000
check "ten connections at once, 200 kB each" transfer s3 s1 10 200000
check "100 connections at once, $EACH bytes each" transfer s1 s3 100 $EACH

# socat, a program that knows nothing of AF_VCOYO, through its generic
# socket addresses: the family's number, protocol 0, and the sockaddr's
# bytes after the family in hex (port, 4 reserved bytes, the address).
FAMILY=$(cat /sys/module/vcoyo/parameters/family)
sockaddr_hex()
{
	addr "$1" | awk -v port="$2" '{
		n = split($0, g, ":"); printf "x%04x00000000", port
		for (i = 1; i <= n; i++) printf "%04x", ("0x" g[i]) + 0
		print ""
	}'
}
# vstream to socat: socat on s3 listens and writes what comes into a file.
send_to_socat()
{
	on s1 vstream send -b 1000000 "$(addr s3)" $((PORT + 10)) >"$dir/send"
}
to_socat()
{
	on s3 socat -u "SOCKET-LISTEN:$FAMILY:0:$(sockaddr_hex s3 $((PORT + 10)))" \
		"OPEN:$dir/socat.in,creat,trunc" 2>"$dir/socat.err" &
	t_pid=$!
	# Until socat listens, the connect is refused: try again.
	wait_for 10 send_to_socat >/dev/null ||
		{ cat "$dir/send" "$dir/socat.err"; kill $t_pid; return 1; }
	wait $t_pid || { cat "$dir/socat.err"; return 1; }
	same "what socat received" "$(vstream hash "$dir/socat.in")" \
		"$(sed -n 's/^conn 0 //p' "$dir/send")"
}
check "socat listens (SOCKET-LISTEN), vstream sends 1 MB: byte for byte" to_socat
# socat to vstream: socat on s1 connects and sends the file socat received.
from_socat()
{
	rm -f "$dir/ready"
	on s3 vstream recv -r "$dir/ready" $((PORT + 11)) >"$dir/recv" 2>&1 &
	f_pid=$!
	wait_for 10 test -e "$dir/ready" >/dev/null || return 1
	on s1 socat -u "OPEN:$dir/socat.in" \
		"SOCKET-CONNECT:$FAMILY:0:$(sockaddr_hex s3 $((PORT + 11)))" || return 1
	wait $f_pid || { cat "$dir/recv"; return 1; }
	same "what vstream received from socat" "$(sed -n 's/^conn 0 //p' "$dir/recv")" \
		"$(vstream hash "$dir/socat.in")"
}
check "socat connects (SOCKET-CONNECT) and sends 1 MB to vstream: byte for byte" from_socat

# A bad network between s1 and s2, both ways: 5 % loss, 1 % duplication,
# and 25 % of the packets held 2 ms (+- 1 ms) while the others go at once,
# which reorders them.
netem()
{
	for v in s1:v-s1-s2 s2:v-s2-s1; do
		/usr/sbin/tc -n "${v%%:*}" qdisc add dev "${v#*:}" root netem \
			delay 2ms 1ms loss 5% duplicate 1% reorder 75% 50% || return 1
	done
}
check "netem between s1 and s2: loss, duplication, reordering, delay" netem
before_rtx=$(stat s1 stream_retrans)
before_ooo=$(stat s3 stream_out_of_order)
check "$BIG bytes over the bad network arrive byte for byte" transfer s1 s3 1 $BIG
check "... s1 sent segments again" stat_ge s1 stream_retrans $((before_rtx + 1))
check "... s3 held segments that came out of order" stat_ge s3 stream_out_of_order \
	$((before_ooo + 1))
check "1 MB each way over the bad network (echo)" transfer s3 s1 1 1000000 -e
for v in s1:v-s1-s2 s2:v-s2-s1; do
	/usr/sbin/tc -n "${v%%:*}" qdisc del dev "${v#*:}" root
done

# The way goes under a connection: s2's link to s3 goes down while s1
# sends.  With TCP_USER_TIMEOUT 3 s the sender gives up with ETIMEDOUT.
gone()
{
	rm -f "$dir/ready"
	on s3 vstream recv -t 60000 -r "$dir/ready" $((PORT + 1)) >"$dir/recv" 2>&1 &
	g_r=$!
	wait_for 10 test -e "$dir/ready" >/dev/null || return 1
	on s1 vstream send -t 60000 -u 3000 -b 100000000000 "$(addr s3)" $((PORT + 1)) \
		>"$dir/send" 2>&1 &
	g_s=$!
	wait_for 20 stat_ge s3 stream_established 1 >/dev/null || return 1
	sleep 1
	g_start=$(now_ms)
	$IP -n s2 link set v-s2-s3 down
	wait $g_s
	g_rc=$?
	g_ms=$(($(now_ms) - g_start))
	# The way back first: the receiver's FIN then reaches s1, whose reset
	# ends the connection at once instead of after the orphan's retries.
	$IP -n s2 link set v-s2-s3 up
	wait_for 15 links_up s2 2 s3 1 >/dev/null
	kill $g_r 2>/dev/null
	wait $g_r
	cat "$dir/send"
	echo "the sender ended after $g_ms ms, status $g_rc"
	[ $g_rc -ne 0 ] && grep -q 'error ETIMEDOUT' "$dir/send" && [ $g_ms -lt 30000 ]
}
check "a way gone under a connection: ETIMEDOUT after TCP_USER_TIMEOUT" gone
check "... counted" stat_ge s1 stream_conn_timeout 1

nodes_del s1 s2 s3

# Four transit nodes: t1 - t2 - t3 - t4 - t5 - t6, routed both ways.
six()
{
	for n in t1 t2 t3 t4 t5 t6; do
		ident $n || return 1
	done
	wire t1 t2 10.83.0 && wire t2 t3 10.84.0 && wire t3 t4 10.85.0 &&
	wire t4 t5 10.86.0 && wire t5 t6 10.87.0 || return 1
	route t1 t6 t2 && route t2 t6 t3 && route t3 t6 t4 && route t4 t6 t5 &&
	route t6 t1 t5 && route t5 t1 t4 && route t4 t1 t3 && route t3 t1 t2 &&
	install t1 t2 t3 t4 t5 t6
}
check "a line of six nodes" six
check "... every link up" wait_for 15 links_up t1 1 t2 2 t3 2 t4 2 t5 2 t6 1
check "4 MB across four transit nodes, both ways (echo)" transfer t1 t6 1 4000000 -e
check "t3 switched them" stat_ge t3 switched 2000
nodes_del t1 t2 t3 t4 t5 t6
rm -rf "$dir"
tap_done
