/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-node free memory through libnuma (numa_node_size64), for the T5/T6
 * checks: PAMT memory taken from the right node, and given back to it on a
 * failure. Page cache and per-CPU lists make single samples noisy, so
 * every sample drops caches first and comparisons re-sample.
 */
#ifndef TDX_MEM_H
#define TDX_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdx_util.h"

/* Below one TDMR's 4K PAMT (4 MiB): what the comparisons tolerate. */
#define TDX_MEM_TOLERANCE	(1ULL << 20)

struct tdx_mem {
	int nr_nodes;			/* highest node + 1 */
	bool present[TDX_MAX_NODES];	/* node has memory */
	int64_t free[TDX_MAX_NODES];
};

/* NULL when libnuma works here, else the reason to skip. */
const char *tdx_mem_unavailable(void);
/* Drop caches, then read every node's free bytes (per-CPU lists included). */
int tdx_mem_sample(struct tdx_mem *m);
int tdx_nr_memory_nodes(void);

/*
 * Whether every node's free memory is now @base minus @drop[node] bytes
 * (within TDX_MEM_TOLERANCE), re-sampling a few times; @drop NULL means
 * "back to the baseline". On failure @why names the node and the numbers.
 */
bool tdx_mem_dropped_by(const struct tdx_mem *base, const uint64_t *drop,
			char *why, size_t len);

#endif /* TDX_MEM_H */
