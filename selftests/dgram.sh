#!/bin/sh
# SOCK_DGRAM on one node (dgram.c).  It runs in a network namespace of its
# own: it sets that node's identity and binds ports without touching the
# namespaces of other tests.
ns=dgram-$$
/usr/bin/ip netns add "$ns" || exit 1
/usr/bin/ip netns exec "$ns" dgram
rc=$?
/usr/bin/ip netns del "$ns"
exit $rc
