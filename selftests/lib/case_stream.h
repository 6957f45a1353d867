/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The program's output as CI parsers need it, whatever harness it was
 * built with: every case result line carries the case's full name (6.1's
 * harness prints a skipped case as "ok 3 # SKIP reason"), each case is
 * followed by "# case-time: NAME S s uptime START END" (CLOCK_MONOTONIC
 * seconds, the printk clock's base), and a program whose every case
 * skipped exits 4 (KSFT_SKIP), so that a program-level runner reports a
 * skip and not a pass.
 *
 * case_stream_start() forks a filter process that stdout and stderr go
 * through from then on; at exit the program waits for it to drain.
 */
#ifndef CASE_STREAM_H
#define CASE_STREAM_H

/* 0, or -errno (the output then goes out unfiltered). */
int case_stream_start(void);

/* At exit, end with KSFT_FAIL whatever the status would be. */
void case_stream_fail_at_exit(void);

#endif /* CASE_STREAM_H */
