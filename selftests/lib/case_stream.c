// SPDX-License-Identifier: GPL-2.0
/*
 * The output filter of case_stream.h. It sees every line the program and
 * its test children write, in the order written (stdout and stderr share
 * one pipe, as they share one file under a runner), and changes only the
 * case result lines:
 *
 *   "#  RUN           fix.var.test ..."   remembered: the case's name and
 *                                         the time its run began
 *   "ok 3 # SKIP reason"                  -> "ok 3 fix.var.test # SKIP reason"
 *   any case result line                  followed by
 *                                         "# case-time: fix.var.test 0.52 s
 *                                          uptime 12.301 12.824"
 *
 *   "# vl-events: begin ..." / "end ..." -> "... begin fix.var.test ..."
 *                                         (virtlife_util.c's event dumps)
 *
 * and, when every case skipped, ends with "# skip-reason: ..." (the
 * runner's program line takes its reason from it) and exits 4.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "case_stream.h"

#define KSFT_FAIL	1
#define KSFT_SKIP	4
#define NAME_LEN	256
#define REASON_LEN	512
#define MAX_REASONS	8
/* How long the exiting program waits for the filter to drain. */
#define DRAIN_MS	5000

struct case_filter {
	char name[NAME_LEN];	/* the case now running, "" between cases */
	double start;
	int results, skips;
	int nr_reasons;		/* distinct skip reasons, up to MAX_REASONS */
	char reasons[MAX_REASONS][REASON_LEN];
};

static pid_t stream_owner, stream_filter;
static int saved_out = -1, saved_err = -1;
static bool fail_at_exit;

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The filter's output, written once per chunk read: a write per line
 * would cost a system call (and, under a runner, a file write) per line.
 */
static char out_buf[65536];
static size_t out_len;

static void out_flush(void)
{
	const char *p = out_buf;

	while (out_len) {
		ssize_t n = write(STDOUT_FILENO, p, out_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		out_len -= n;
	}
	out_len = 0;
}

static void put(const char *s, size_t len)
{
	while (len) {
		size_t n = sizeof(out_buf) - out_len;

		if (!n) {
			out_flush();
			continue;
		}
		if (n > len)
			n = len;
		memcpy(out_buf + out_len, s, n);
		out_len += n;
		s += n;
		len -= n;
	}
}

static void putstr(const char *s)
{
	put(s, strlen(s));
}

/* "#  RUN           NAME ..." -> NAME into @name. */
static bool run_line(const char *line, char *name)
{
	const char *p = line, *end;

	if (strncmp(p, "#  RUN ", 7))
		return false;
	p += 7;
	while (*p == ' ')
		p++;
	end = strstr(p, " ...");
	if (!end || end == p || end[4] || end - p >= NAME_LEN)
		return false;
	memcpy(name, p, end - p);
	name[end - p] = '\0';
	return true;
}

/* "ok N..." or "not ok N...": the text after the number, else NULL. */
static const char *result_rest(const char *line)
{
	const char *p = line;

	if (!strncmp(p, "not ", 4))
		p += 4;
	if (strncmp(p, "ok ", 3))
		return NULL;
	p += 3;
	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0' || *p == ' ' ? p : NULL;
}

static void note_skip(struct case_filter *cf, const char *reason)
{
	int i;

	cf->skips++;
	for (i = 0; i < cf->nr_reasons; i++)
		if (!strcmp(cf->reasons[i], reason))
			return;
	if (cf->nr_reasons < MAX_REASONS)
		snprintf(cf->reasons[cf->nr_reasons++], REASON_LEN, "%s", reason);
}

static void filter_line(struct case_filter *cf, const char *line, size_t len)
{
	char name[NAME_LEN];
	const char *rest, *dir;
	char buf[NAME_LEN + 128];
	double end;

	if (run_line(line, name)) {
		snprintf(cf->name, sizeof(cf->name), "%s", name);
		cf->start = monotonic_s();
		putstr(line);
		putstr("\n");
		return;
	}
	if (cf->name[0] && (!strncmp(line, "# vl-events: begin ", 19) ||
			    !strncmp(line, "# vl-events: end ", 17))) {
		const char *after = strchr(line + 13, ' ') + 1;

		put(line, after - line);
		putstr(cf->name);
		putstr(" ");
		putstr(after);
		putstr("\n");
		return;
	}
	rest = result_rest(line);
	if (!rest || !cf->name[0]) {
		put(line, len);
		putstr("\n");
		return;
	}
	if (!strncmp(rest, " # ", 3)) {
		/* A nameless result: the harness's SKIP line. */
		put(line, rest - line);
		putstr(" ");
		putstr(cf->name);
		putstr(rest);
	} else {
		putstr(line);
	}
	putstr("\n");
	cf->results++;
	dir = strstr(rest, " # ");
	if (dir && !strncmp(dir + 3, "SKIP", 4)) {
		dir += 7;
		while (*dir == ' ')
			dir++;
		note_skip(cf, dir);
	}
	end = monotonic_s();
	snprintf(buf, sizeof(buf), "# case-time: %s %.3f s uptime %.3f %.3f\n",
		 cf->name, end - cf->start, cf->start, end);
	putstr(buf);
	cf->name[0] = '\0';
}

static int filter_end(struct case_filter *cf)
{
	char buf[REASON_LEN + 128];

	if (!cf->results || cf->skips != cf->results)
		return 0;
	if (cf->nr_reasons == 1)
		snprintf(buf, sizeof(buf), "# skip-reason: %s\n", cf->reasons[0]);
	else
		snprintf(buf, sizeof(buf),
			 "# skip-reason: all %d cases skipped, for %s%d reasons; the first: %s\n",
			 cf->results, cf->nr_reasons < MAX_REASONS ? "" : "at least ",
			 cf->nr_reasons, cf->reasons[0]);
	putstr(buf);
	return KSFT_SKIP;
}

static void __attribute__((noreturn)) filter_run(int in)
{
	static struct case_filter cf;
	static char line[16384], chunk[4096];
	size_t len = 0;
	int n;

	/* The program's end must not end the filter before it drained. */
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		ssize_t got = read(in, chunk, sizeof(chunk)), i;

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		for (i = 0; i < got; i++) {
			if (chunk[i] == '\n') {
				line[len] = '\0';
				filter_line(&cf, line, len);
				len = 0;
				continue;
			}
			if (len == sizeof(line) - 1) {
				/* An overlong line goes out in pieces, unfiltered. */
				put(line, len);
				len = 0;
			}
			line[len++] = chunk[i];
		}
		/* What was read goes out before the next read can block. */
		out_flush();
	}
	if (len)
		put(line, len);
	n = filter_end(&cf);
	out_flush();
	_exit(n);
}

static void case_stream_end(void)
{
	int status, waited = 0;
	pid_t r;

	if (getpid() != stream_owner)
		return;
	fflush(stdout);
	fflush(stderr);
	/* Our ends of the pipe close: the filter reads EOF once the test
	 * children have ended too.
	 */
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	while ((r = waitpid(stream_filter, &status, WNOHANG)) == 0 &&
	       waited < DRAIN_MS) {
		usleep(10000);
		waited += 10;
	}
	if (r == 0)
		fprintf(stderr, "# case stream: output still open after %d ms (a process left running?)\n",
			DRAIN_MS);
	if (fail_at_exit)
		_exit(KSFT_FAIL);
	if (r == stream_filter && WIFEXITED(status) &&
	    WEXITSTATUS(status) == KSFT_SKIP)
		_exit(KSFT_SKIP);
}

int case_stream_start(void)
{
	int fds[2];
	pid_t pid;

	if (stream_owner)
		return 0;
	fflush(stdout);
	fflush(stderr);
	if (pipe(fds))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(fds[0]);
		close(fds[1]);
		return -err;
	}
	if (pid == 0) {
		close(fds[1]);
		filter_run(fds[0]);
	}
	close(fds[0]);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fds[1], STDOUT_FILENO);
	dup2(fds[1], STDERR_FILENO);
	close(fds[1]);
	stream_owner = getpid();
	stream_filter = pid;
	atexit(case_stream_end);
	return 0;
}

void case_stream_fail_at_exit(void)
{
	fail_at_exit = true;
	if (!stream_owner)
		_exit(KSFT_FAIL);
}
