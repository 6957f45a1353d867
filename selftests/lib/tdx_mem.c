// SPDX-License-Identifier: GPL-2.0
/*
 * Per-node free memory (libnuma): see tdx_mem.h.
 */
#include <errno.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tdx_mem.h"

const char *tdx_mem_unavailable(void)
{
	if (numa_available() < 0)
		return "libnuma says NUMA is not available (CONFIG_NUMA)";
	return NULL;
}

/*
 * Pages on the per-CPU free lists of each node's zones (/proc/zoneinfo,
 * "count:" of every pageset): free, but not in MemFree. Pages freed one
 * by one land there by the megabyte (a module load alone moves several),
 * so they count as free here.
 */
static void add_pcp_pages(struct tdx_mem *m)
{
	char line[256];
	long long count;
	int node = -1;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d,", &node) == 1)
			continue;
		if (node >= 0 && node < TDX_MAX_NODES &&
		    sscanf(line, " count: %lld", &count) == 1)
			m->free[node] += count * sysconf(_SC_PAGESIZE);
	}
	fclose(f);
}

int tdx_mem_sample(struct tdx_mem *m)
{
	int node, max = numa_max_node();

	memset(m, 0, sizeof(*m));
	if (max < 0 || max >= TDX_MAX_NODES)
		return -ERANGE;
	sync();
	vl_write("/proc/sys/vm/drop_caches", "3");
	m->nr_nodes = max + 1;
	for (node = 0; node <= max; node++) {
		long long free = 0;
		long long size = numa_node_size64(node, &free);

		if (size <= 0)
			continue;
		m->present[node] = true;
		m->free[node] = free;
	}
	add_pcp_pages(m);
	return 0;
}

int tdx_nr_memory_nodes(void)
{
	struct tdx_mem m;
	int node, n = 0;

	if (tdx_mem_sample(&m))
		return -EIO;
	for (node = 0; node < m.nr_nodes; node++)
		n += m.present[node];
	return n;
}

bool tdx_mem_dropped_by(const struct tdx_mem *base, const uint64_t *drop,
			char *why, size_t len)
{
	struct tdx_mem now;
	int try, node;

	for (try = 0; try < 6; try++) {
		bool ok = true;

		if (try)
			usleep(100000 * try);
		if (tdx_mem_sample(&now))
			return snprintf(why, len, "cannot read the nodes' free memory"), false;
		for (node = 0; node < base->nr_nodes && ok; node++) {
			int64_t want = drop ? (int64_t)drop[node] : 0;
			int64_t seen = base->free[node] - now.free[node];
			int64_t off = seen - want;

			if (!base->present[node])
				continue;
			if (getenv("VIRTLIFE_TDX_MEM_DEBUG"))
				printf("# mem: try %d node %d: off by %lld KiB\n",
				       try, node, (long long)off / 1024);
			if (off > (int64_t)TDX_MEM_TOLERANCE ||
			    off < -(int64_t)TDX_MEM_TOLERANCE) {
				ok = false;
				snprintf(why, len,
					 "node %d: free memory went from %lld to %lld KiB (down %lld KiB), expected down %lld KiB (+-%llu KiB)",
					 node, (long long)base->free[node] >> 10,
					 (long long)now.free[node] >> 10,
					 (long long)seen >> 10, (long long)want >> 10,
					 TDX_MEM_TOLERANCE >> 10);
			}
		}
		if (ok)
			return true;
	}
	return false;
}
