// SPDX-License-Identifier: GPL-2.0
/*
 * kmemleak-check: after the programs, has virtlife leaked kernel memory?
 *
 * On a kernel with kmemleak (the debug kernel: make debug-kernel), scans
 * twice (an object referenced from a register or stack during one scan is
 * not reported by the next) and reads the unreferenced objects. One whose
 * allocation backtrace has a frame of virtlife's modules is a leak of
 * ours (L13). A module unloaded since prints its frames as bare addresses:
 * they are put down to it through the load log the library keeps
 * (lib/module_text.h). Other objects are counted and shown, not failed:
 * they are the kernel's. Before scanning, virtlife's modules still loaded
 * are recorded in that log and unloaded: the kernel names a bare address
 * after whatever module is loaded there when the report is read, and a
 * later load of the same module at another address gave an earlier
 * load's frames the names of other functions.
 *
 * usage: kmemleak-check [--no-scan] [--file FILE]
 *   --no-scan    read the current report only
 *   --file FILE  read FILE instead of /sys/kernel/debug/kmemleak (no scan;
 *                for the tool's own tests)
 * exit: 0 no leak of virtlife's, 1 a leak of virtlife's, 2 kmemleak cannot
 *       be read or scan (disabled: its reason) or a module of virtlife's
 *       cannot be unloaded, 4 no kmemleak (skip)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "module_text.h"
#include "vl_modules.h"

/* Objects younger than this are not reported (mm/kmemleak.c MSECS_MIN_AGE). */
#define KMEMLEAK_MIN_AGE_S	5

struct leak {
	char head[160];		/* "unreferenced object 0x... (size N):" */
	char comm[160];
	char frames[2048];	/* the backtrace, one "name" per frame */
	char ours[256];		/* the first virtlife frame, or "" */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kmemleak-check [--no-scan] [--file FILE]\n"
		   "  exit 0 no leak of virtlife's, 1 a leak of virtlife's, 2 kmemleak unusable, 4 no kmemleak\n");
}

static int scan(void)
{
	int fd = open(VL_KMEMLEAK_FILE, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, "scan", 4);
	close(fd);
	return n == 4 ? 0 : -errno;
}

int main(int argc, char **argv)
{
	const char *file = VL_KMEMLEAK_FILE;
	bool do_scan = true, in_trace = false;
	struct leak *leaks = NULL, *cur = NULL;
	size_t nr = 0, ours = 0, i;
	char line[1024];
	FILE *f;
	int i_arg, ret;

	for (i_arg = 1; i_arg < argc; i_arg++) {
		if (!strcmp(argv[i_arg], "--no-scan")) {
			do_scan = false;
		} else if (!strcmp(argv[i_arg], "--file") && i_arg + 1 < argc) {
			file = argv[++i_arg];
			do_scan = false;
		} else if (!strcmp(argv[i_arg], "-h") || !strcmp(argv[i_arg], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "kmemleak-check: unknown argument '%s'\n", argv[i_arg]);
			usage(stderr);
			return 2;
		}
	}
	if (!strcmp(file, VL_KMEMLEAK_FILE) && access(file, F_OK)) {
		printf("kmemleak-check: no %s (a kernel without CONFIG_DEBUG_KMEMLEAK, or debugfs not mounted): nothing checked\n",
		       file);
		return 4;
	}
	ret = vl_module_text_load();
	if (ret && ret != -ENOENT)
		printf("kmemleak-check: cannot read %s: %s (unloaded modules' frames stay unnamed)\n",
		       vl_module_text_log(), strerror(-ret));
	if (do_scan) {
		if (vl_module_text_unload_all("kmemleak-check"))
			return 2;
		sleep(KMEMLEAK_MIN_AGE_S + 1);
		ret = scan();
		if (!ret)
			ret = scan();
		if (ret) {
			printf("kmemleak-check: writing \"scan\" to %s: %s: kmemleak is disabled (its reason is in dmesg: grep kmemleak)\n",
			       file, strerror(-ret));
			return 2;
		}
	}
	f = fopen(file, "r");
	if (!f) {
		printf("kmemleak-check: cannot read %s: %s\n", file, strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *text;

		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "unreferenced object ", 20)) {
			struct leak *n = realloc(leaks, (nr + 1) * sizeof(*leaks));

			if (!n)
				break;
			leaks = n;
			cur = &leaks[nr++];
			memset(cur, 0, sizeof(*cur));
			snprintf(cur->head, sizeof(cur->head), "%.159s", line);
			in_trace = false;
			continue;
		}
		if (!cur)
			continue;
		while (*p == ' ')
			p++;
		if (!strncmp(p, "comm ", 5)) {
			snprintf(cur->comm, sizeof(cur->comm), "%.159s", p);
		} else if (!strncmp(p, "backtrace", 9)) {
			in_trace = true;
		} else if (in_trace && *p) {
			/*
			 * A frame: "%pS" in 6.12 ("fn+0x1/0x2 [mod]", or a
			 * bare address once its module is gone); older
			 * kernels put "[<address>] " before it.
			 */
			text = p;
			if (*p == '[' && strstr(p, "] "))
				text = strstr(p, "] ") + 2;
			snprintf(cur->frames + strlen(cur->frames),
				 sizeof(cur->frames) - strlen(cur->frames), "%s%s",
				 cur->frames[0] ? " < " : "", text);
			if (!cur->ours[0])
				vl_module_text_owner(text, cur->ours, sizeof(cur->ours));
		}
	}
	fclose(f);

	for (i = 0; i < nr; i++) {
		if (!leaks[i].ours[0])
			continue;
		ours++;
		printf("kmemleak-check: LEAK of virtlife's: %s allocated in %s; %s\n", leaks[i].head,
		       leaks[i].ours, leaks[i].comm);
		printf("kmemleak-check:   backtrace: %s\n", leaks[i].frames);
	}
	if (nr > ours) {
		for (i = 0; i < nr && leaks[i].ours[0]; i++)
			;
		printf("kmemleak-check: %zu other unreferenced object(s), no virtlife frame (the kernel's; not counted); first: %s %s: %.300s\n",
		       nr - ours, leaks[i].head, leaks[i].comm, leaks[i].frames);
	}
	printf("kmemleak-check: %zu unreferenced object(s) allocated by virtlife, %zu other\n", ours,
	       nr - ours);
	free(leaks);
	return ours ? 1 : 0;
}
