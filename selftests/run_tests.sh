#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run virtlife test programs and print KTAP the way the kernel's kselftest
# runner does ("# selftests: virtlife: NAME", "ok N ...", "# SKIP",
# "# TIMEOUT N seconds"), so CI parsers need no adapter. Additions, all as
# "# " diagnostics or verdicts the parsers already know:
#   - the time each program took;
#   - a kernel WARN/BUG/oops logged while a program ran fails that program,
#     with the dmesg lines shown;
#   - a program that skipped as a whole (exit 4) has its reason on its
#     line: "ok N selftests: virtlife: tdx_host # SKIP not a TDX host ...";
#   - on a TDX host (tdx_host_platform in /proc/cpuinfo), or with
#     VIRTLIFE_DIAGNOSE=1, the run ends with tdx-diagnose's findings (why
#     TDX is or is not working), as "# " lines after the last verdict;
#   - on a kernel with kmemleak (the debug kernel), the run ends with
#     kmemleak-check: an unreferenced object allocated by virtlife makes
#     the exit status 3 (tools/run-suite: main_guest fails).
# exit: 0, 3 kmemleak-check found a leak of virtlife's or could not scan,
#       2 usage.
#
# usage: run_tests.sh [-h|--help] [PROGRAM...]
#        (default: every program in this directory)
# env:   VIRTLIFE_TIMEOUT overrides the per-program timeout of ./settings;
#        VIRTLIFE_STOP_ON_FAIL=1 stops after the first failing program (the
#        programs not run are left out of the count, and the plan says so);
#        VIRTLIFE_FILTER="-r fixture.variant.test ..." selects cases in
#        every program (its -h: -f/-F -v/-V -t/-T -r; "PROGRAM -l" lists);
#        VIRTLIFE_GCOV_DIR=DIR (make coverage; a kernel with
#        CONFIG_GCOV_KERNEL, modules built with GCOV=1): each program's
#        gcov counts into DIR/PROGRAM/ (a relative DIR is under $VMRUN_OUT
#        when that is set: tools/vmrun's read-write directory).
set -u

usage() {
	sed -n '/^# usage:/,/^set -u$/p' "$0" | sed '$d; s/^# \{0,1\}//'
}
case ${1:-} in
-h|--help) usage; exit 0 ;;
-*) echo "run_tests.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
collection=virtlife
progs=("$@")
if [ ${#progs[@]} = 0 ]; then
	for f in "$here"/*; do
		case ${f##*/} in
		run_tests.sh|tdx-diagnose|kmemleak-check|slab-check) continue ;;	# not tests
		esac
		[ -f "$f" ] && [ -x "$f" ] && progs+=("${f##*/}")
	done
fi

timeout_s=45
if [ -r "$here/settings" ]; then
	t=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$here/settings")
	[ -n "$t" ] && timeout_s=$t
fi
timeout_s=${VIRTLIFE_TIMEOUT:-$timeout_s}
# Programs run from their own directory: keep a relative module dir valid.
if [ -n "${VIRTLIFE_MODULE_DIR:-}" ] && [ -d "$VIRTLIFE_MODULE_DIR" ]; then
	VIRTLIFE_MODULE_DIR=$(cd "$VIRTLIFE_MODULE_DIR" && pwd)
	export VIRTLIFE_MODULE_DIR
fi

# What fails a program when it appears in dmesg while the program runs.
kernel_problems=$(grep -v '^#' "$here/kernel-problems" | paste -sd '|')
[ -n "$kernel_problems" ] || { echo "run_tests.sh: no $here/kernel-problems" >&2; exit 2; }

dmesg_lines() {
	dmesg 2>/dev/null | wc -l
}

# Lockdep checks until its first report, then turns itself off for the
# boot (debug_locks 0): say so, or the later programs' silence would read
# as "no lock problem". Empty without lockdep.
lockdep_on() {
	awk '$1 == "debug_locks:" { print $2 }' /proc/lockdep_stats 2>/dev/null
}
lockdep=$(lockdep_on)
[ "$lockdep" = 0 ] &&
	echo "# lockdep: off before the first program (debug_locks 0: a report earlier in this boot): lock order is not checked"

# Coverage: the counters are zeroed before each program and copied after
# it, those of modules unloaded meanwhile included (gcov_persist).
gcov_src=/sys/kernel/debug/gcov
gcov_dir=${VIRTLIFE_GCOV_DIR:-}
if [ -n "$gcov_dir" ]; then
	[ -w "$gcov_src/reset" ] ||
		{ echo "run_tests.sh: VIRTLIFE_GCOV_DIR set, but no $gcov_src/reset (a kernel with CONFIG_GCOV_KERNEL, debugfs mounted)" >&2; exit 2; }
	command -v python3 > /dev/null ||
		{ echo "run_tests.sh: VIRTLIFE_GCOV_DIR needs python3 (it copies the counts)" >&2; exit 2; }
	case $gcov_dir in /*) ;; *) gcov_dir=${VMRUN_OUT:-$PWD}/$gcov_dir ;; esac
	mkdir -p "$gcov_dir" || exit 2
fi
# One process for all files: on the debug kernel a fork+exec costs seconds
# (a cat per file took about 30 s a file beside four other guests). The
# files are read to their end: debugfs says size 0.
gcov_save() {
	python3 -c '
import os, sys
src, dst = sys.argv[1], sys.argv[2]
for d, _, files in os.walk(src):
    for f in files:
        if f.endswith(".gcda"):
            rel = os.path.relpath(os.path.join(d, f), src)
            os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
            with open(os.path.join(d, f), "rb") as i, open(os.path.join(dst, rel), "wb") as o:
                o.write(i.read())
' "$gcov_src" "$1"
}

echo "TAP version 13"
echo "1..${#progs[@]}"
num=0
for prog in "${progs[@]}"; do
	num=$((num + 1))
	hdr="selftests: $collection: $prog"
	echo "# $hdr"
	if [ ! -x "$here/$prog" ]; then
		echo "# Warning: $here/$prog is missing or not executable (build with make)"
		echo "not ok $num $hdr"
		continue
	fi
	[ -n "$gcov_dir" ] && echo 1 > "$gcov_src/reset"
	mark=$(dmesg_lines)
	start=$(date +%s.%N)
	# The harness kills a hung test itself; timeout(1) is the backstop for
	# a hang the harness cannot end (a test stuck in the kernel). Output
	# goes through a file, not a pipe, so that a process stuck in the
	# kernel cannot hold the stream open and stall the whole run.
	log=$(mktemp)
	(cd "$here" && exec timeout -k 10 "$timeout_s" "./$prog") > "$log" 2>&1 &
	pid=$!
	tail -n +1 -s 0.2 -f --pid=$pid "$log" | sed -u 's/^/# /' &
	follower=$!
	wait $pid
	rc=$?
	wait $follower
	# A whole-program skip's reason: the case stream's summary line, else
	# ksft_exit_skip's plan line or the last skipped case. Only then: each
	# process costs a TCG guest about 0.1 s.
	reason=""
	if [ $rc = 4 ]; then
		reason=$(sed -n 's/^# skip-reason: //p' "$log" | tail -n 1)
		[ -n "$reason" ] || reason=$(grep -E '^(1\.\.0|ok [0-9]+)( .*)? # SKIP' "$log" | tail -n 1 | sed 's/.*# SKIP *//')
	fi
	rm -f "$log"
	printf '# time: %s %s s\n' "$prog" \
		"$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')"
	[ -n "$gcov_dir" ] && gcov_save "$gcov_dir/$prog"
	new=$(dmesg 2>/dev/null | tail -n +"$((mark + 1))")
	if [ -n "$new" ] && echo "$new" | grep -Eq "$kernel_problems"; then
		echo "# kernel reported a problem while $prog ran:"
		echo "$new" | grep -E -B3 -A12 "$kernel_problems" | head -60 | sed 's/^/# dmesg: /'
		verdict="not ok $num $hdr # kernel WARN/BUG/oops"
	else
		case $rc in
		0) verdict="ok $num $hdr" ;;
		4) verdict="ok $num $hdr # SKIP${reason:+ $reason}" ;;
		124|137) echo "#"; verdict="not ok $num $hdr # TIMEOUT $timeout_s seconds" ;;
		*) verdict="not ok $num $hdr # exit=$rc" ;;
		esac
	fi
	if [ "$lockdep" = 1 ] && [ "$(lockdep_on)" = 0 ]; then
		echo "# lockdep: turned itself off while $prog ran (its report is in dmesg): the later programs' lock order is not checked"
		lockdep=0
	fi
	echo "$verdict"
	if [[ $verdict == "not ok"* ]] && [ "${VIRTLIFE_STOP_ON_FAIL:-0}" = 1 ]; then
		echo "# stopping after the first failure (VIRTLIFE_STOP_ON_FAIL=1)"
		break
	fi
done
if [ -x "$here/tdx-diagnose" ] && { [ "${VIRTLIFE_DIAGNOSE:-0}" = 1 ] ||
	grep -qw tdx_host_platform /proc/cpuinfo 2>/dev/null; }; then
	echo "# tdx-diagnose: this host's TDX (exit 0: up and consistent):"
	"$here/tdx-diagnose" 2>&1 | sed 's/^/# /'
	echo "# tdx-diagnose: exit ${PIPESTATUS[0]}"
fi
# On a kernel with kmemleak: whether the programs left memory of virtlife's
# unreferenced (L13), every module unloaded by now.
rc=0
if [ -x "$here/kmemleak-check" ] && [ -e /sys/kernel/debug/kmemleak ]; then
	echo "# kmemleak-check: after the programs (exit 0: no leak of virtlife's):"
	"$here/kmemleak-check" 2>&1 | sed 's/^/# /'
	krc=${PIPESTATUS[0]}
	echo "# kmemleak-check: exit $krc"
	[ "$krc" = 0 ] || rc=3
fi
exit $rc
