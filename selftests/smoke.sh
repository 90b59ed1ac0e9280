#!/bin/sh
. ./lib.sh
check "family param readable" test -r /sys/module/vcoyo/parameters/family
check "netns add" node_add a
tap_done
