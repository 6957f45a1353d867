// SPDX-License-Identifier: GPL-2.0
/*
 * slab-check: after the programs, does any slab object that virtlife's
 * code allocated outlive its modules?
 *
 * On a kernel booted with SLUB's allocation tracking (slub_debug=U: every
 * tracked cache has /sys/kernel/debug/slab/CACHE/alloc_traces, the live
 * objects counted by allocation site, each with its stack), virtlife's
 * modules are unloaded and every cache is read: a site whose caller or
 * stack has a frame of virtlife's is memory of ours still held, counted
 * object by object by the allocator itself (L13). Unlike kmemleak this
 * needs no scan and sees objects still referenced (put on a kernel list
 * and never taken off), on any kernel with CONFIG_SLUB_DEBUG (Debian's
 * all have it). Objects freed after an RCU grace period (inodes, dentries
 * of debugfs) get SETTLE_S seconds to go. A module unloaded since prints
 * its frames as bare addresses: they are put down to it through the load
 * log the library keeps (lib/module_text.h).
 *
 * Not run by run_tests.sh yet: its first guest run (6.1, slub_debug=U on
 * the kmalloc caches, after reload vcpu knobs tdx_init) listed 23 objects
 * still held 10 s after the unload, all made by the kernel for objects
 * the modules' init created (a kmem_cache's name and random sequence,
 * a workqueue's attributes, sysfs names): leaks or late frees, not yet
 * told apart (build/slab/ of that session; the note).
 *
 * usage: slab-check [--dir DIR]
 *   --dir DIR  read DIR/CACHE/alloc_traces instead of the kernel's (no
 *              unload, no wait; for the tool's own tests)
 * exit: 0 nothing of virtlife's held, 1 objects of virtlife's held, 2 a
 *       cache cannot be read or a module cannot be unloaded, 4 no
 *       tracking (skip: booted without slub_debug=U)
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module_text.h"

#define SETTLE_S	10

struct held {
	char cache[64];
	long count;
	char site[256];		/* the location line: caller, age, pid */
	char ours[256];		/* the first virtlife frame */
	char frames[1024];
};

static struct held *held;
static size_t nr_held;

static void usage(FILE *f)
{
	fprintf(f, "usage: slab-check [--dir DIR]\n"
		   "  exit 0 nothing of virtlife's held, 1 objects of virtlife's held, 2 unreadable, 4 no tracking\n");
}

static void add_held(const struct held *h)
{
	struct held *n = realloc(held, (nr_held + 1) * sizeof(*held));

	if (!n)
		return;
	held = n;
	held[nr_held++] = *h;
}

/*
 * One cache's alloc_traces: a location is "%7ld CALLER age=... pid=..."
 * (fewer than 8 leading spaces), its stack frames follow with 8.
 */
static int read_cache(const char *dir, const char *cache)
{
	char path[512], line[1024];
	struct held cur;
	bool in = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/alloc_traces", dir, cache);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t sp = strspn(line, " ");
		char *text = line + sp;

		line[strcspn(line, "\n")] = 0;
		if (!*text)
			continue;
		if (sp < 8) {
			char *end;
			long count = strtol(text, &end, 10);

			if (in && cur.ours[0])
				add_held(&cur);
			in = false;
			if (end == text || *end != ' ')
				continue;
			memset(&cur, 0, sizeof(cur));
			in = true;
			snprintf(cur.cache, sizeof(cur.cache), "%.63s", cache);
			cur.count = count;
			snprintf(cur.site, sizeof(cur.site), "%.255s", end + 1);
			/* The caller, up to its first blank. */
			text = end + 1;
			text[strcspn(text, " ")] = 0;
			vl_module_text_owner(text, cur.ours, sizeof(cur.ours));
			continue;
		}
		if (!in)
			continue;
		snprintf(cur.frames + strlen(cur.frames), sizeof(cur.frames) - strlen(cur.frames),
			 "%s%s", cur.frames[0] ? " < " : "", text);
		if (!cur.ours[0])
			vl_module_text_owner(text, cur.ours, sizeof(cur.ours));
	}
	if (in && cur.ours[0])
		add_held(&cur);
	fclose(f);
	return 0;
}

/* Every cache of @dir; the number of objects of ours held, or -errno. */
static long read_all(const char *dir)
{
	struct dirent *e;
	long objects = 0;
	size_t i;
	DIR *d = opendir(dir);
	int ret;

	if (!d)
		return -errno;
	nr_held = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		ret = read_cache(dir, e->d_name);
		if (ret) {
			printf("slab-check: cannot read %s/%s/alloc_traces: %s\n", dir, e->d_name,
			       strerror(-ret));
			closedir(d);
			return ret;
		}
	}
	closedir(d);
	for (i = 0; i < nr_held; i++)
		objects += held[i].count;
	return objects;
}

int main(int argc, char **argv)
{
	const char *dir = VL_SLAB_DEBUGFS;
	bool live = true;
	long objects;
	size_t i;
	int a, waited = 0, ret;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--dir") && a + 1 < argc) {
			dir = argv[++a];
			live = false;
		} else if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "slab-check: unknown argument '%s'\n", argv[a]);
			usage(stderr);
			return 2;
		}
	}
	if (live && !vl_slab_tracking()) {
		printf("slab-check: no cache tracked in %s (booted without slub_debug=U, or debugfs not mounted): nothing checked\n",
		       dir);
		return 4;
	}
	ret = vl_module_text_load();
	if (ret && ret != -ENOENT)
		printf("slab-check: cannot read %s: %s (unloaded modules' frames stay unnamed)\n",
		       vl_module_text_log(), strerror(-ret));
	if (live && vl_module_text_unload_all("slab-check"))
		return 2;
	for (;;) {
		objects = read_all(dir);
		if (objects <= 0 || !live || waited >= SETTLE_S)
			break;
		sleep(1);
		waited++;
	}
	if (objects < 0)
		return 2;
	for (i = 0; i < nr_held; i++) {
		printf("slab-check: HELD by virtlife's: %ld object(s) of %s allocated in %s: %s\n",
		       held[i].count, held[i].cache, held[i].ours, held[i].site);
		printf("slab-check:   stack: %.900s\n", held[i].frames[0] ? held[i].frames : "(none kept)");
	}
	printf("slab-check: %ld object(s) allocated by virtlife still held after its unload (%d s waited)\n",
	       objects, waited);
	free(held);
	return objects ? 1 : 0;
}
