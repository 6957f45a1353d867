#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# virtlife.sh: the LAVA test definition's run step (virtlife.yaml). Installs
# a kselftest tarball holding the virtlife collection (make gen_tar:
# kselftest.tar.gz, the collection's modules inside), runs the collection
# with the kernel's own run_kselftest.sh, and reports one result per test
# case (parse-kselftest.awk): lava-test-case NAME --result pass|fail|skip
# when lava-test-case is on PATH, and always a "NAME RESULT" line in the
# result file (what Linaro's send-to-lava.sh reads).
#
# usage: virtlife.sh [-u TESTPROG_URL] [-p KSELFTEST_PATH] [-c COLLECTION]
#                    [-T "COLLECTION:PROGRAM ..."] [-o TIMEOUT] [-r RESULT_FILE]
#                    [-e "NAME=VALUE ..."]
#   -u URL    the tarball: http(s):// (wget or curl), file:// or a path;
#             unpacked into KSELFTEST_PATH (emptied first). Without -u, the
#             tree already in KSELFTEST_PATH runs.
#   -p DIR    where the tree is (default /opt/kselftests/virtlife)
#   -c NAME   the collection (default virtlife): run_kselftest.sh -c NAME
#   -T LIST   only these programs instead (run_kselftest.sh -t each)
#   -o S      per-program timeout: run_kselftest.sh -o S where the runner
#             has it (Linux 6.4+), else the collection's settings file in
#             the installed tree says timeout=S
#   -r FILE   the result file (default ./output/result.txt); the runner's
#             output goes beside it (kselftest.log)
#   -e VARS   environment for the programs, NAME=VALUE words (no spaces in
#             a value), e.g. VIRTLIFE_NO_REAL_SUSPEND=1 (docs/interface.md)
# Exit status: 0 once results were reported (a failing case is a result,
# not an error of this script); 1 when the tree could not be installed or
# run, reported as the result COLLECTION.install fail.
set -u

here=$(cd "$(dirname "$0")" && pwd)
url="" path=/opt/kselftests/virtlife coll=virtlife tests="" timeout="" result=""

usage() {
	sed -n '/^# usage:/,/^# Exit status/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

while getopts "u:p:c:T:o:r:e:h" opt; do
	case $opt in
	u) url=$OPTARG ;;
	p) path=$OPTARG ;;
	c) coll=$OPTARG ;;
	T) tests=$OPTARG ;;
	o) timeout=$OPTARG ;;
	r) result=$OPTARG ;;
	e) for v in $OPTARG; do
		case $v in
		[A-Za-z_]*=*) export "${v?}" ;;
		*) echo "virtlife.sh: -e takes NAME=VALUE words, not '$v'" >&2; exit 2 ;;
		esac
	   done ;;
	*) usage ;;
	esac
done
[ -n "$coll" ] || coll=virtlife
[ -n "$result" ] || result=$PWD/output/result.txt
mkdir -p "$(dirname "$result")" || exit 1
result=$(cd "$(dirname "$result")" && pwd)/$(basename "$result")
log=$(dirname "$result")/kselftest.log
: > "$result"

have_lava=0
command -v lava-test-case >/dev/null 2>&1 && have_lava=1

report() {	# NAME RESULT
	echo "$1 $2" >> "$result"
	if [ $have_lava = 1 ]; then
		lava-test-case "$1" --result "$2"
	fi
}

fail_install() {
	echo "virtlife.sh: $*" >&2
	report "$coll.install" fail
	exit 1
}

fetch() {	# URL FILE
	case $1 in
	http://* | https://* | ftp://*)
		if command -v wget >/dev/null 2>&1; then
			wget -q -O "$2" "$1"
		else
			curl -fsSL -o "$2" "$1"
		fi ;;
	file://*) cp "${1#file://}" "$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

if [ -n "$url" ]; then
	case $path in
	"" | / | /opt | /usr | /home | /root | /tmp) fail_install "will not empty '$path' (-p)" ;;
	esac
	{ rm -rf "$path" && mkdir -p "$path"; } || fail_install "cannot create $path"
	fetch "$url" "$path/kselftest.tar" || fail_install "cannot fetch $url"
	# Whatever compression: tar finds out (-a needs a suffix; none here).
	(cd "$path" && tar -xf kselftest.tar && rm -f kselftest.tar) ||
		fail_install "cannot unpack $url"
fi
top=$path
[ -x "$top/run_kselftest.sh" ] || top=$path/kselftest
[ -x "$top/run_kselftest.sh" ] || fail_install "no run_kselftest.sh in $path or $path/kselftest"

args=""
if [ -n "$tests" ]; then
	for t in $tests; do args="$args -t $t"; done
else
	args="-c $coll"
fi
if [ -n "$timeout" ]; then
	if "$top/run_kselftest.sh" -h 2>&1 | grep -q -- '--override-timeout'; then
		args="$args -o $timeout"
	elif [ -f "$top/$coll/settings" ]; then
		sed -i "s/^timeout=.*/timeout=$timeout/" "$top/$coll/settings" ||
			fail_install "cannot set the timeout in $top/$coll/settings"
	else
		echo "timeout=$timeout" > "$top/$coll/settings" ||
			fail_install "cannot write $top/$coll/settings"
	fi
fi

# The kernel's runner writes each program's output to /dev/stdout (its
# "logfile"); a /dev without the standard links (a bare devtmpfs, as in a
# minimal initramfs) would turn that into a regular file and lose it.
if [ ! -e /dev/stdout ] && [ -d /proc/self/fd ]; then
	echo "virtlife.sh: no /dev/stdout: linking /dev/stdout, /dev/stderr, /dev/fd to /proc/self/fd"
	ln -s /proc/self/fd/1 /dev/stdout
	[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
fi

# The programs load their modules from the tree (modules/ beside them);
# one whose kernel differs from the one running skips and says so.
echo "virtlife.sh: $top/run_kselftest.sh$args"
# shellcheck disable=SC2086  # args: words on purpose
(cd "$top" && ./run_kselftest.sh $args) 2>&1 | tee "$log"
[ -s "$log" ] || fail_install "run_kselftest.sh printed nothing"

awk -f "$here/parse-kselftest.awk" < "$log" > "$result.new" ||
	fail_install "cannot parse $log"
: > "$result"
while read -r name res; do
	report "$name" "$res"
done < "$result.new"
rm -f "$result.new"
echo "virtlife.sh: $(wc -l < "$result") results in $result" \
	"(pass $(grep -c ' pass$' "$result"), fail $(grep -c ' fail$' "$result"), skip $(grep -c ' skip$' "$result"))"
exit 0
