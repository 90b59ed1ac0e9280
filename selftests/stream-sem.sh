#!/bin/sh
# SOCK_STREAM's socket semantics, as TCP's (vstream sem): both ends on one
# node, in a network namespace of its own, talking to its own address.  The
# same program passes against TCP on 127.0.0.1: that is how its
# expectations were checked.
ns=stream-sem-$$
/usr/bin/ip netns add "$ns" || exit 1
key=$(vcoyo-nl genkey)
echo "$key" | /usr/bin/ip netns exec "$ns" vcoyo-nl id set private-key - || exit 1
addr=$(echo "$key" | vcoyo-nl pubkey | vcoyo-nl address)
/usr/bin/ip netns exec "$ns" vstream sem -f vcoyo "$addr"
rc=$?
/usr/bin/ip netns del "$ns"
exit $rc
