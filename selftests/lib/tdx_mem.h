/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-node free memory through libnuma (numa_node_size64), for the T5/T6
 * checks: PAMT memory taken from the right node, and given back to it on a
 * failure. This is the second line: the first is exact (the host core's
 * count of its PAMT page allocations, tdx_no_pamt_held(), checked against
 * what the emulated module was handed). Free memory moves by megabytes on
 * its own (page cache, per-CPU lists, slab pages freed after an RCU grace
 * period), so every sample drops caches, counts the per-CPU lists, and
 * waits until the nodes' free memory stops moving; the comparisons allow
 * the noise measured on the machine profiles (docs/tdx.md, "Free memory
 * as a witness").
 */
#ifndef TDX_MEM_H
#define TDX_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdx_util.h"

/*
 * How far a node's free memory may end up from the expected value on a
 * correct driver, either way: the noise measured on the machine profiles
 * with settled samples, with margin (docs/tdx.md, "Free memory as a
 * witness"); a quarter of one TDMR's 4K PAMT (4 MiB), the smallest leak.
 */
#define TDX_MEM_NOISE	(1ULL << 20)
/*
 * Under generic KASAN (the debug kernel) free memory is not judged: its
 * quarantine keeps freed objects, and so their slab pages, and lets them
 * go a batch at a time, so a node's free memory sits off by up to 3836 KiB
 * on a correct driver (docs/tdx.md, "Free memory as a witness"): as much
 * as the smallest leak. There the offsets are noted, and the exact line
 * judges alone.
 */

struct tdx_mem {
	int nr_nodes;			/* highest node + 1 */
	bool present[TDX_MAX_NODES];	/* node has memory */
	int64_t free[TDX_MAX_NODES];
};

/* NULL when libnuma works here, else the reason to skip. */
const char *tdx_mem_unavailable(void);
/*
 * Drop caches, then read every node's free bytes (per-CPU lists included)
 * until two reads in a row agree (tdx_mem.c says how closely and how long).
 */
int tdx_mem_sample(struct tdx_mem *m);
int tdx_nr_memory_nodes(void);

/*
 * Whether every node's free memory is now @base minus @drop[node] bytes,
 * within the noise; @drop NULL means "not below the baseline" (a rise is
 * no leak). Re-samples a few times; notes the offsets it ended with. On
 * failure @why names the node and the numbers. Always true under generic
 * KASAN (noted as not judged: above).
 */
bool tdx_mem_dropped_by(const struct tdx_mem *base, const uint64_t *drop,
			char *why, size_t len);

#endif /* TDX_MEM_H */
