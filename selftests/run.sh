#!/bin/sh
# vcoyo's test runner: the engine of `make check`.
#
#   selftests/run.sh [-k "KERNELS"] [TEST...]
#
# TEST names a host test (host-*) or a guest test (a path below selftests/);
# without any, every test runs, with the static checks.  VCOYO_VERBOSE=1 shows
# the tests' own output; VCOYO_OUT picks the directory for logs.
#
# Runs the host-side checks (unit tests, checkpatch), then for each target
# kernel, in parallel, builds vcoyo.ko against it with W=1 and sparse, boots a
# QEMU guest, runs the guest tests and collects their TAP.  A kernel log with
# an oops, WARN, BUG, KASAN, UBSAN, lockdep or RCU report, a kmemleak report,
# or a guest that does not finish in time fails the run.  Prints TAP, then one
# line: "N passed, N failed".
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/vm/kernels.sh"

kernels=${VCOYO_KERNELS:-$VCOYO_KERNELS_ALL}
while getopts k: opt; do
	case $opt in
	k) kernels=$OPTARG ;;
	*) echo "usage: $0 [-k KERNELS] [TEST...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# Every selftests/*.sh is a guest test, but for this runner and the helpers.
guest_tests_all=$(cd "$top/selftests" && ls *.sh | grep -vx -e lib.sh -e run.sh | sort)
host_tests_all=$(cd "$top/selftests" && ls host-*.c 2>/dev/null | sed 's/\.c$//' | sort)
if [ $# -gt 0 ]; then
	guest_tests= host_tests=
	for t in "$@"; do
		case " $host_tests_all " in
		*" $t "*) host_tests="$host_tests $t" ;;
		*) guest_tests="$guest_tests $t" ;;
		esac
	done
	static_checks=no
else
	guest_tests=$guest_tests_all host_tests=$host_tests_all static_checks=yes
fi

out=${VCOYO_OUT:-$top/build/check}
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Each stage writes "ok - WHAT", "not ok - WHAT" and "# ..." lines to its own
# report; the reports are numbered and counted at the end, in a fixed order.
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }

# Prefix the test points of one test's TAP output.
collect()
{
	prefix=$1 file=$2
	while IFS= read -r line; do
		case "$line" in
		"ok "*) pass "$prefix: $(echo "$line" | sed 's/^ok [0-9]* *-* *//')" ;;
		"not ok "*) fail "$prefix: $(echo "$line" | sed 's/^not ok [0-9]* *-* *//')" ;;
		"#"*) echo "$line" ;;
		*) [ -z "${VCOYO_VERBOSE:-}" ] || echo "# $line" ;;
		esac
	done <"$file"
}

host_checks()
{
	for t in $host_tests; do
		"$top/selftests/bin/$t" >"$out/$t.tap" 2>&1
		rc=$?
		collect "host/$t" "$out/$t.tap"
		[ $rc -eq 0 ] || grep -q '^not ok' "$out/$t.tap" || fail "host/$t: exited with $rc"
	done
	[ "$static_checks" = yes ] || return 0
	if "$top/scripts/checkpatch" >"$out/checkpatch.log" 2>&1; then
		pass "checkpatch --strict: kmod/ and uapi/ clean"
	else
		sed 's/^/# /' "$out/checkpatch.log"
		fail "checkpatch --strict: kmod/ and uapi/ clean"
	fi
}

log_splats='BUG:|WARNING:|Oops|general protection fault|Kernel panic|KASAN|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|list_add corruption|list_del corruption|ODEBUG:|refcount_t:|Call Trace:|sleeping function called from invalid context|rcu: INFO|self-detected stall'

# One kernel: build the module, boot the guest, judge what it printed.
kernel_checks()
{
	k=$1 kout=$out/$1
	mkdir -p "$kout/module"
	if ! vcoyo_kernel "$k" 2>"$kout/kernel.err"; then
		sed 's/^/# /' "$kout/kernel.err"
		fail "$k: kernel available"
		return
	fi

	# Build vcoyo.ko for this kernel in its own tree, warnings as failures.
	cp -r "$top/Kbuild" "$top/kmod" "$top/uapi" "$kout/module/"
	if make -C "$KDIR" M="$kout/module" W=1 C=1 modules >"$kout/build.log" 2>&1 &&
	   ! grep -E 'warning:|error:' "$kout/build.log" >/dev/null; then
		pass "$k: vcoyo.ko builds with W=1 and sparse, no warnings"
	else
		grep -E 'warning|error' "$kout/build.log" | head -n 30 | sed 's/^/# /'
		fail "$k: vcoyo.ko builds with W=1 and sparse, no warnings"
		[ -f "$kout/module/vcoyo.ko" ] || return
	fi

	[ -n "$guest_tests" ] || return
	# A test that says "# vcoyo-own-guest" runs in a guest of its own,
	# booted beside the first: the guests' scripts mostly run one process
	# at a time, and a second guest keeps the second core busy.
	own= rest=
	for t in $guest_tests; do
		if grep -q '^# vcoyo-own-guest$' "$top/selftests/$t"; then
			own="$own $t"
		else
			rest="$rest $t"
		fi
	done
	guest_checks "$k" "$kout" "$k" $rest >"$kout/guest.report" 2>&1 &
	if [ -n "$own" ]; then
		mkdir -p "$kout/own"
		# shellcheck disable=SC2086
		guest_checks "$k" "$kout/own" "$k (own guest)" $own >"$kout/own.report" 2>&1
	fi
	wait
	cat "$kout/guest.report" "$kout/own.report" 2>/dev/null
}

# One guest: GUEST_CHECKS KERNEL DIR NAME TEST...: build its initramfs with
# the TESTs, boot it, collect their TAP into DIR, judge what it printed.
guest_checks()
{
	k=$1 gout=$2 gname=$3
	shift 3
	[ $# -gt 0 ] || return 0
	if ! "$top/selftests/vm/mkinitramfs.sh" "$gout/initrd.gz" "$kout/module/vcoyo.ko" \
		"$KMODDIR" "$@" >"$gout/initrd.log" 2>&1; then
		sed 's/^/# /' "$gout/initrd.log"
		fail "$gname: initramfs"
		return
	fi

	# A guest that dies before its init has run (TCG emulating SMP text
	# patching has been seen to trap at boot, a second in, before any
	# module) boots again, up to three times in all; its log is kept.
	for attempt in 1 2 3; do
		echo "# $gname: booting $KIMAGE"
		timeout "${VCOYO_VM_TIMEOUT:-2700}" qemu-system-x86_64 -accel tcg -cpu max \
			-smp "${VCOYO_VM_CPUS:-2}" -m "${VCOYO_VM_MEM:-1536}" \
			-nodefaults -display none -no-reboot \
			-kernel "$KIMAGE" -initrd "$gout/initrd.gz" \
			-append "console=ttyS0 panic=-1 loglevel=6 vcoyo.timeout=${VCOYO_TEST_TIMEOUT:-600}" \
			-serial "file:$gout/console.log" -serial "file:$gout/tap.log" \
			>"$gout/qemu.log" 2>&1
		rc=$?
		[ $rc -eq 0 ] || echo "# $gname: qemu exited with $rc (124: timed out)"
		# The serial line turns \n into \r\n.
		tr -d '\r' <"$gout/tap.log" >"$gout/tap.txt" && mv "$gout/tap.txt" "$gout/tap.log"
		grep -q '^# vcoyo-kernel:' "$gout/tap.log" && break
		[ $attempt -lt 3 ] || break
		mv "$gout/console.log" "$gout/console-boot$attempt.log"
		echo "# $gname: the guest died booting, before its init ran (console-boot$attempt.log)"
	done

	if grep -q '^# vcoyo-insmod-failed' "$gout/tap.log"; then
		fail "$gname: insmod vcoyo.ko"
	fi
	for t in "$@"; do
		t=$(basename "$t")
		sed -n "/^# vcoyo-test: $t\$/,/^# vcoyo-exit: $t /p" "$gout/tap.log" >"$gout/$t.tap"
		collect "$k/$t" "$gout/$t.tap"
		ex=$(sed -n "s/^# vcoyo-exit: $t \([0-9]*\)\$/\1/p" "$gout/$t.tap")
		plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$gout/$t.tap")
		points=$(grep -cE '^(not )?ok ' "$gout/$t.tap")
		if [ -z "$ex" ]; then
			fail "$k/$t: finished (it did not: hang or crash)"
		elif [ "$ex" != 0 ] && ! grep -q '^not ok' "$gout/$t.tap"; then
			fail "$k/$t: exited with status $ex"
		elif [ -z "$plan" ] || [ "$plan" != "$points" ]; then
			fail "$k/$t: plan ${plan:-missing} matches $points test points"
		fi
	done

	what="kernel log free of oops, WARN, BUG, KASAN, UBSAN, lockdep and RCU reports"
	if grep -Eq "$log_splats" "$gout/console.log"; then
		grep -E -A12 "$log_splats" "$gout/console.log" | head -n 60 | sed 's/^/# /'
		fail "$gname: $what"
	else
		pass "$gname: $what"
	fi
	if grep -q '^# vcoyo-kmemleak-begin' "$gout/tap.log"; then
		sed -n '/^# vcoyo-kmemleak-begin/,/^# vcoyo-kmemleak-end/p' "$gout/tap.log" \
			>"$gout/kmemleak.log"
		leaks=$(grep -c 'unreferenced object' "$gout/kmemleak.log")
		if [ "$leaks" -eq 0 ]; then
			pass "$gname: kmemleak finds no leak"
		else
			head -n 40 "$gout/kmemleak.log" | sed 's/^/# /'
			fail "$gname: kmemleak finds no leak ($leaks objects)"
		fi
	fi
	grep -q '^# vcoyo-done' "$gout/tap.log" || fail "$gname: guest ran to the end"
}

host_checks >"$out/host.report" 2>&1 &
reports=$out/host.report
for k in $kernels; do
	mkdir -p "$out/$k"
	kernel_checks "$k" >"$out/$k.report" 2>&1 &
	reports="$reports $out/$k.report"
done
wait

# shellcheck disable=SC2086
awk '
	/^ok - / { n++; passed++; sub(/^ok - /, ""); print "ok " n " - " $0; next }
	/^not ok - / { n++; failed++; sub(/^not ok - /, ""); print "not ok " n " - " $0; next }
	{ print }
	END {
		print "1.." n
		printf "%d passed, %d failed\n", passed, failed
		exit failed != 0 || n == 0
	}
' $reports
