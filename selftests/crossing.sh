#!/bin/sh
# Two setups that cross: one tunnel per pair of nodes, and no datagram lost
# on the way to it.
#
# A ring of five nodes, n1 - n2 - n3 - n4 - n5 - n1, with 2 s of delay
# (netem) on each link of the long side, n3 - n4 - n5 - n1.  Of the two ends,
# n1 and n3, the one with the lower address (LO) routes the other (HI) the
# short way, through n2; HI routes LO the long way.  HI sends first, and LO
# while HI's setup is still on the long way: LO's setup reaches HI, which
# takes it in place of its own; LO's tunnel is up long before HI's setup
# reaches LO.  LO must refuse that late setup and keep its tunnel, not
# replace a tunnel both ends are sending through.
#
# LO's sender must start while HI's setup is on the long way; with 150 ms
# a link, then 300, then 1 s, a loaded debug guest (six guests on two
# cores) was seen to start it too late, and nothing crossed: telling it to
# go once HI's setup is counted took that guest more than 3 s.  The refusal, and its teardown back
# to HI, come a long way after the datagrams: they are waited for.
# shellcheck source=lib.sh
. ./lib.sh

PORT=7300
dir=$(mktemp -d)
chmod 755 "$dir"

ring()
{
	# Setups that wait 12 s for their answer on the long way must not
	# time out, on a loaded debug guest either: a transit label that
	# expired would send HI a second teardown for a label it no longer has.
	for n in n1 n2 n3 n4 n5; do
		ident $n && on $n vcoyo-nl node set setup-timeout 30000 || return 1
	done
	wire n1 n2 10.71.0 && wire n2 n3 10.72.0 && wire n3 n4 10.73.0 &&
	wire n4 n5 10.74.0 && wire n5 n1 10.75.0 || return 1
	for v in n3:v-n3-n4 n4:v-n4-n3 n4:v-n4-n5 n5:v-n5-n4 n5:v-n5-n1 n1:v-n1-n5; do
		/usr/sbin/tc -n "${v%%:*}" qdisc add dev "${v#*:}" root netem delay 2000ms ||
			return 1
	done
}

check "a ring of five, the long side 2 s a link" ring
check "every link up" wait_for 15 links_up n1 2 n2 2 n3 2 n4 2 n5 2

# below A B: node A's address is below B's, as 512-bit numbers.  The text
# form has its 32 groups (a run of zero groups is "::" only in one address
# in billions: not here).
below()
{
	awk -v a="$(addr "$1")" -v b="$(addr "$2")" 'BEGIN {
		split(a, x, ":"); split(b, y, ":")
		for (i = 1; i <= 32; i++) {
			p = sprintf("%d", "0x" x[i]) + 0; q = sprintf("%d", "0x" y[i]) + 0
			if (p != q) exit !(p < q)
		}
		exit 1
	}'
}

# LO and HI, and HI's way round the long side: HI - A - B - LO.
if below n1 n3; then
	LO=n1 HI=n3 A=n4 B=n5
else
	LO=n3 HI=n1 A=n5 B=n4
fi
echo "# $LO < $HI; $HI routes $LO through $A and $B"
routes()
{
	route $LO $HI n2 && route $HI $LO $A && route $A $LO $B && install $LO $HI $A
}
check "routes: $LO to $HI the short way, $HI to $LO the long way" routes

# Both ends send 40 datagrams 25 ms apart, and receive the other's 40.  The
# four processes start first; HI's sender is told to go, and LO's once HI's
# setup is on its way: however slowly the guest starts processes or answers
# vcoyo-nl, that is well within the 6 s HI's setup spends on the long way.
crossing()
{
	rm -f "$dir/ready-"* "$dir/go-"*
	on $LO vflow recv -n 40 -t 30000 -r "$dir/ready-lo" $PORT >"$dir/recv-lo" &
	r1=$!
	on $HI vflow recv -n 40 -t 30000 -r "$dir/ready-hi" $PORT >"$dir/recv-hi" &
	r2=$!
	on $HI vflow send -n 40 -i 25 -s 100 -r "$dir/ready-shi" -g "$dir/go-hi" \
		"$(addr $LO)" $PORT >"$dir/send-hi" &
	s1=$!
	on $LO vflow send -n 40 -i 25 -s 100 -r "$dir/ready-slo" -g "$dir/go-lo" \
		"$(addr $HI)" $PORT >"$dir/send-lo" &
	s2=$!
	wait_for 30 sh -c "cd $dir && test -e ready-lo -a -e ready-hi -a -e ready-shi -a -e ready-slo" \
		>/dev/null
	touch "$dir/go-hi"
	wait_for 10 stat_is $HI tunnel_setup 1 >/dev/null
	touch "$dir/go-lo"
	wait $s1
	wait $s2
	wait $r1
	c1=$?
	wait $r2
	c2=$?
	echo "at $LO: $(head -n1 "$dir/recv-lo"); at $HI: $(head -n1 "$dir/recv-hi")"
	[ $c1 -eq 0 ] && [ $c2 -eq 0 ] && return 0
	uniq -c -f1 "$dir/send-lo"
	uniq -c -f1 "$dir/send-hi"
	dump_nodes
	return 1
}
check "both ways at once: every datagram arrives, intact" crossing
check "$HI's setup crossed $LO's: $LO refused it" wait_for 45 stat_is $LO setup_refused 1
check "$HI took $LO's setup in place of its own" stat_is $HI tunnel_up 1
check "$LO's tunnel came up once, and stayed" stat_is $LO tunnel_up 1
one_tunnel()
{
	same "$LO's tunnel" "$(on $LO vcoyo-nl tunnel show | awk '{ print $2, $3 }')" "up initiator" &&
	same "$HI's tunnel" "$(on $HI vcoyo-nl tunnel show | awk '{ print $2, $3 }')" "up responder"
}
check "one tunnel, $LO's, at both ends" one_tunnel
# The refusal's teardown ends at HI, whose label for its own setup went
# when it took LO's: that is the one unknown label.
check "nothing was dropped on the way" sh -c "
	for n in n1 n2 n3 n4 n5; do
		nsenter --net=/run/netns/\$n vcoyo-nl stats
	done | awk '/^(drop_|rx_label_pending|tunnel_failed)/ && \$2 != 0 { print; bad = 1 } END { exit bad }'"
check "the refusal's teardown ended at $HI" wait_for 45 stat_is $HI rx_unknown_label 1

nodes_del n1 n2 n3 n4 n5
rm -rf "$dir"
tap_done
