# SPDX-License-Identifier: GPL-2.0
#
# parse-kselftest.awk: run_kselftest.sh's output (the kernel's kselftest
# runner) into one "NAME RESULT" line per test case, RESULT pass, fail or
# skip, the form LAVA's lava-test-case and Linaro's send-to-lava.sh take.
#
#   awk -f parse-kselftest.awk [-v prefix=P] < run_kselftest.log
#
# What becomes a result:
#   - each case of a program: the harness's case lines, one level down
#     ("# ok 3 fixture.variant.test", "# not ok 4 ...", "# ok 5 NAME # SKIP
#     reason"), named COLLECTION.PROGRAM.CASE; a case line without a name
#     (6.1's harness prints a skipped case as "ok 3 # SKIP reason") takes
#     the name of the "#  RUN           NAME ..." line before it;
#   - a program without case lines (skipped whole, "1..0 # SKIP", or not a
#     harness program): one result COLLECTION.PROGRAM, the runner's verdict
#     ("ok N selftests: C: P [# SKIP]", "not ok N ... [# TIMEOUT ...]");
#   - a program that failed with no failing case (killed by the runner's
#     timeout, crashed between cases): COLLECTION.PROGRAM fail as well, so a
#     failure is never lost.
# Anything else (diagnostics, "# case-time:", "# vl-event", console noise)
# is ignored. Names keep [A-Za-z0-9._-] (anything else becomes "_") and are
# unique: a repeated one gets ".dupN" and a warning on standard error.
#
# POSIX awk (mawk, busybox awk, gawk).

function clean(s) {
	gsub(/[^A-Za-z0-9._-]/, "_", s)
	return s
}

function emit(name, result,    n) {
	name = clean(name)
	n = ++seen[name]
	if (n > 1) {
		printf "parse-kselftest: %s appears %d times\n", name, n > "/dev/stderr"
		name = name ".dup" n
	}
	print name " " result
}

# "ok N DESCRIPTION # DIRECTIVE" (the "ok"/"not ok" already removed from
# the front of @s): sets desc and directive.
function split_line(s,    i) {
	sub(/^[0-9]+[ \t]*/, "", s)
	i = index(s, "#")
	if (i) {
		directive = substr(s, i + 1)
		s = substr(s, 1, i - 1)
	} else {
		directive = ""
	}
	sub(/^[ \t]+/, "", directive)
	sub(/[ \t]+$/, "", s)
	desc = s
}

function result_of(notok, directive) {
	if (notok)
		return "fail"
	if (toupper(substr(directive, 1, 4)) == "SKIP")
		return "skip"
	return "pass"
}

function program_verdict(coll, name, notok, directive,    r) {
	r = result_of(notok, directive)
	if (ncases == 0)
		emit(prefix coll "." name, r)
	else if (r == "fail" && nfail == 0)
		emit(prefix coll "." name, "fail")
	ncases = 0
	nfail = 0
	lastrun = ""
}

BEGIN {
	ncases = 0
	nfail = 0
	lastrun = ""
	prog = ""
	coll = ""
}

{ sub(/\r$/, "") }

# A program starts: "# selftests: COLLECTION: PROGRAM".
/^# selftests: [^ ]+: [^ ]+[ \t]*$/ {
	coll = $3
	sub(/:$/, "", coll)
	prog = $4
	ncases = 0
	nfail = 0
	lastrun = ""
	next
}

# The harness's announcement of the case whose result comes next.
/^# #[ \t]+RUN[ \t]+/ {
	lastrun = $0
	sub(/^# #[ \t]+RUN[ \t]+/, "", lastrun)
	sub(/[ \t]+\.\.\.[ \t]*$/, "", lastrun)
	sub(/[ \t]+$/, "", lastrun)
	next
}

# A case of the program (one level down).
/^# (not )?ok [0-9]+([ \t]|$)/ {
	if (prog == "")
		next
	s = $0
	sub(/^# /, "", s)
	notok = (substr(s, 1, 4) == "not ")
	sub(/^(not )?ok[ \t]+/, "", s)
	split_line(s)
	name = desc
	if (name == "")
		name = lastrun
	if (name == "")
		name = "case" (ncases + 1)
	r = result_of(notok, directive)
	emit(prefix coll "." prog "." name, r)
	ncases++
	if (r == "fail")
		nfail++
	lastrun = ""
	next
}

# The runner's verdict on the program.
/^(not )?ok [0-9]+ selftests: [^ ]+: [^ ]+/ {
	s = $0
	notok = (substr(s, 1, 4) == "not ")
	sub(/^(not )?ok[ \t]+/, "", s)
	split_line(s)
	# desc: "selftests: COLLECTION: PROGRAM"
	n = split(desc, w, " ")
	c = w[2]
	sub(/:$/, "", c)
	program_verdict(c, w[3], notok, directive)
	prog = ""
	next
}
