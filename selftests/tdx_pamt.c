// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_pamt - the TDMRs and their PAMTs after initialization, as the host
 * core reports them (debugfs tdmrs, pamt, memlist), checked against the
 * formula, the NUMA topology of sysfs and the free memory of libnuma.
 *
 * Invariants: T5 (the memory list is the online System RAM from 1 MiB
 * up, one region per run of a node; TDMRs 1 GiB aligned covering it; each
 * PAMT level ALIGN((size >> shift) * entry_size, 4 KiB) with the module's
 * entry sizes; each TDMR's PAMT on the node that owns the TDMR, taken from
 * that node's free memory; the module accepted exactly that list and
 * initialized all of it), T6 (the PAMT memory given back when the TDX
 * core unloads).
 * Variants: the default entry sizes (16 bytes), smaller ones, and a 4K
 * level too large for the page allocator (8 MiB per GiB).
 */
#include "tdx_test.h"
#include "tdx_mem.h"

#define GiB	(1ULL << 30)

FIXTURE(tdx_pamt) {
	struct tdx_mem base;
};

FIXTURE_VARIANT(tdx_pamt) {
	const char *simhw;
	int entry[3];		/* 4K, 2M, 1G entry sizes the module reports */
};

FIXTURE_VARIANT_ADD(tdx_pamt, entry_default) {
	.simhw = "", .entry = { 16, 16, 16 },
};

FIXTURE_VARIANT_ADD(tdx_pamt, entry_8) {
	.simhw = "tdx_pamt_entry_4k=8 tdx_pamt_entry_2m=8 tdx_pamt_entry_1g=8",
	.entry = { 8, 8, 8 },
};

FIXTURE_VARIANT_ADD(tdx_pamt, entry_4k_32) {
	.simhw = "tdx_pamt_entry_4k=32 tdx_pamt_entry_2m=24",
	.entry = { 32, 24, 16 },
};

FIXTURE_SETUP(tdx_pamt)
{
	TDX_BOOT(variant->simhw, "");
}

TDX_TEARDOWN(tdx_pamt)

static uint64_t pamt_level_size(uint64_t tdmr_size, int level, int entry)
{
	uint64_t sz = (tdmr_size >> (12 + 9 * level)) * entry;

	return (sz + 4095) & ~4095ULL;
}

/* Whether [start, end) lies inside the union of the (sorted) TDMRs. */
static bool covered(const struct tdx_tdmr *t, int n, uint64_t start, uint64_t end)
{
	uint64_t pos = start;
	int i;

	for (i = 0; i < n && pos < end; i++)
		if (t[i].base <= pos && pos < t[i].base + t[i].size)
			pos = t[i].base + t[i].size;
	return pos >= end;
}

/* Whether [start, end) lies inside the union of the (sorted) ranges. */
static bool ranges_cover(const struct tdx_range *r, int n, uint64_t start, uint64_t end)
{
	uint64_t pos = start;
	int i;

	for (i = 0; i < n && pos < end; i++)
		if (r[i].start <= pos && pos < r[i].end)
			pos = r[i].end;
	return pos >= end;
}

/* The node of the first memory-list region that ends above @base. */
static int owner_node(const struct tdx_range *r, int n, uint64_t base)
{
	int i;

	for (i = 0; i < n; i++)
		if (r[i].end > base)
			return r[i].nid;
	return -1;
}

static const char *const level_name[3] = { "4K", "2M", "1G" };

/* T5: geometry, formula, node placement, per-node totals, free memory. */
TEST_F(tdx_pamt, pamt_per_node_matches_formula_T5)
{
	struct tdx_tdmr t[64], emu[64];
	struct tdx_range r[256];
	struct tdx_core_state st;
	struct tdx_core_pamt pamt[TDX_MAX_NODES];
	uint64_t sum[TDX_MAX_NODES] = { 0 }, total = 0;
	uint64_t bs = tdx_block_size();
	const char *skip = tdx_mem_unavailable();
	int nt, nr, i, lvl, node;

	if (skip)
		SKIP(return, "%s", skip);
	if (!bs)
		SKIP(return, "no memory block size (CONFIG_MEMORY_HOTPLUG): PAMT nodes unknown");
	ASSERT_EQ(0, tdx_mem_sample(&self->base));
	ASSERT_ERRNO(0, tdx_enable());
	nr = tdx_core_memlist(r, 256);
	nt = tdx_core_tdmrs(t, 64);
	ASSERT_LT(0, nr);
	ASSERT_LT(0, nt);
	ASSERT_EQ(0, tdx_core_state(&st));
	EXPECT_EQ(nt, st.tdmrs);

	for (i = 0; i < nt; i++) {
		EXPECT_EQ(0, t[i].base % GiB) TH_LOG("tdmr %d base %#llx", i,
						     (unsigned long long)t[i].base);
		EXPECT_EQ(0, t[i].size % GiB) TH_LOG("tdmr %d size %#llx", i,
						     (unsigned long long)t[i].size);
		EXPECT_NE(0, t[i].size);
		if (i)
			EXPECT_LE(t[i - 1].base + t[i - 1].size, t[i].base)
				TH_LOG("tdmrs %d and %d unsorted or overlapping", i - 1, i);
		EXPECT_EQ(owner_node(r, nr, t[i].base), t[i].nid)
			TH_LOG("tdmr %d at %#llx: nid %d", i,
			       (unsigned long long)t[i].base, t[i].nid);
		for (lvl = 0; lvl < 3; lvl++) {
			uint64_t want = pamt_level_size(t[i].size, lvl, variant->entry[lvl]);
			uint64_t pa, end = t[i].pamt_base[lvl] + t[i].pamt_size[lvl];

			EXPECT_EQ(want, t[i].pamt_size[lvl])
				TH_LOG("tdmr %d PAMT %s: %#llx bytes, formula %#llx (entry %d)",
				       i, level_name[lvl],
				       (unsigned long long)t[i].pamt_size[lvl],
				       (unsigned long long)want, variant->entry[lvl]);
			EXPECT_EQ(0, t[i].pamt_base[lvl] % 4096);
			/* Every memory block the level touches is on the TDMR's node. */
			for (pa = t[i].pamt_base[lvl]; pa < end;
			     pa = (pa / bs + 1) * bs) {
				node = tdx_pa_node(pa);
				EXPECT_EQ(t[i].nid, node)
					TH_LOG("tdmr %d PAMT %s at %#llx is on node %d, the TDMR's node is %d",
					       i, level_name[lvl],
					       (unsigned long long)pa, node, t[i].nid);
			}
			if (t[i].nid >= 0 && t[i].nid < TDX_MAX_NODES)
				sum[t[i].nid] += t[i].pamt_size[lvl];
			total += t[i].pamt_size[lvl];
		}
	}
	for (i = 0; i < nr; i++) {
		EXPECT_TRUE(covered(t, nt, r[i].start, r[i].end))
			TH_LOG("memory [%#llx, %#llx) not covered by the TDMRs",
			       (unsigned long long)r[i].start,
			       (unsigned long long)r[i].end);
		EXPECT_LE(1ULL << 20, r[i].start) TH_LOG("memory below 1 MiB listed");
	}

	ASSERT_LT(0, tdx_core_pamt(pamt));
	for (node = 0; node < TDX_MAX_NODES; node++) {
		uint64_t core = pamt[node].bytes, tdmrs = sum[node];

		EXPECT_EQ(tdmrs, core)
			TH_LOG("node %d: core says %llu PAMT bytes, the TDMRs %llu",
			       node, (unsigned long long)core,
			       (unsigned long long)tdmrs);
		/* Its page-allocator count is exactly what the module holds. */
		EXPECT_EQ((int64_t)tdmrs, pamt[node].allocated)
			TH_LOG("node %d: the core counts %lld PAMT bytes allocated, its TDMRs hold %llu",
			       node, (long long)pamt[node].allocated,
			       (unsigned long long)tdmrs);
	}
	EXPECT_EQ(total, st.pamt_bytes);
	/* What the module accepted is what the core reports, all initialized. */
	ASSERT_EQ(nt, tdx_emu_tdmrs(emu, 64));
	for (i = 0; i < nt; i++) {
		EXPECT_EQ(t[i].base, emu[i].base);
		EXPECT_EQ(t[i].size, emu[i].size);
		EXPECT_EQ(t[i].reserved, emu[i].reserved);
		EXPECT_LE(t[i].base + t[i].size, emu[i].next)
			TH_LOG("tdmr %d: TDMR.INIT stopped at %#llx", i,
			       (unsigned long long)emu[i].next);
		for (lvl = 0; lvl < 3; lvl++) {
			EXPECT_EQ(t[i].pamt_base[lvl], emu[i].pamt_base[lvl]);
			EXPECT_EQ(t[i].pamt_size[lvl], emu[i].pamt_size[lvl]);
		}
	}
	/* Taken from each node's free memory (the second line: tdx_mem.h). */
	EXPECT_CHECK(tdx_mem_dropped_by(&self->base, sum, WHY));
}

/* The page allocator's largest block: /proc/buddyinfo has a column per order. */
static uint64_t largest_block(void)
{
	char buf[4096], name[32];
	int n, orders = 0;
	char *p;

	if (vl_read("/proc/buddyinfo", buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "zone");
	if (!p || sscanf(p, "zone %31s%n", name, &n) != 1)
		return 0;
	for (p += n; *p && *p != '\n'; orders++) {
		unsigned long count;

		if (sscanf(p, " %lu%n", &count, &n) != 1)
			break;
		p += n;
	}
	return orders ? 4096ULL << (orders - 1) : 0;
}

/*
 * T5 as docs/tdx.md has it: a TDMR's three PAMT levels are one allocation
 * (4K, 2M, 1G in that order) when their total fits the page allocator's
 * largest block, one allocation per level beyond it.
 */
TEST_F(tdx_pamt, pamt_one_block_when_it_fits_T5)
{
	uint64_t largest = largest_block();
	struct tdx_tdmr t[64];
	int nt, i;

	ASSERT_LT(0, largest) TH_LOG("no orders in /proc/buddyinfo");
	ASSERT_ERRNO(0, tdx_enable());
	nt = tdx_core_tdmrs(t, 64);
	ASSERT_LT(0, nt);
	for (i = 0; i < nt; i++) {
		uint64_t total = t[i].pamt_size[0] + t[i].pamt_size[1] + t[i].pamt_size[2];
		bool one = t[i].pamt_base[1] == t[i].pamt_base[0] + t[i].pamt_size[0] &&
			   t[i].pamt_base[2] == t[i].pamt_base[1] + t[i].pamt_size[1];

		EXPECT_EQ(total <= largest, one)
			TH_LOG("tdmr %d: PAMT of %llu bytes (largest block %llu) at %#llx/%#llx/%#llx: %s",
			       i, (unsigned long long)total, (unsigned long long)largest,
			       (unsigned long long)t[i].pamt_base[0],
			       (unsigned long long)t[i].pamt_base[1],
			       (unsigned long long)t[i].pamt_base[2],
			       one ? "one block" : "one block per level");
	}
}

/*
 * T5: the memory list is what /proc/iomem calls System RAM, from 1 MiB up,
 * every online block of it; sorted, disjoint, and one region per run of a
 * node: a list that does not merge hands the module a CMR per section.
 */
TEST_F(tdx_pamt, memlist_is_online_system_ram_T5)
{
	struct tdx_range r[256], ram[64];
	static int blocks[4096];
	uint64_t bs = tdx_block_size();
	int nr, nram, nb, i, j;

	ASSERT_ERRNO(0, tdx_enable());
	nr = tdx_core_memlist(r, 256);
	nram = tdx_system_ram(ram, 64);
	ASSERT_LT(0, nr);
	ASSERT_LT(0, nram) TH_LOG("no System RAM in /proc/iomem: %s", strerror(-nram));
	for (i = 0; i < nr; i++) {
		EXPECT_LT(r[i].start, r[i].end);
		EXPECT_LE(1ULL << 20, r[i].start) TH_LOG("memory below 1 MiB listed");
		EXPECT_TRUE(ranges_cover(ram, nram, r[i].start, r[i].end))
			TH_LOG("region [%#llx, %#llx) is not System RAM",
			       (unsigned long long)r[i].start,
			       (unsigned long long)r[i].end);
		if (!i)
			continue;
		EXPECT_LE(r[i - 1].end, r[i].start)
			TH_LOG("regions %d and %d unsorted or overlapping", i - 1, i);
		EXPECT_FALSE(r[i - 1].end == r[i].start && r[i - 1].nid == r[i].nid)
			TH_LOG("regions %d and %d: one run of node %d in two, at %#llx",
			       i - 1, i, r[i].nid, (unsigned long long)r[i].start);
	}
	if (!bs)
		SKIP(return, "no memory block size (CONFIG_MEMORY_HOTPLUG): which memory is online is unknown");
	nb = tdx_memory_blocks(blocks, 4096);
	ASSERT_LT(0, nb);
	for (i = 0; i < nb; i++) {
		uint64_t bstart = blocks[i] * bs, bend = bstart + bs;

		if (!tdx_block_online(blocks[i]))
			continue;
		for (j = 0; j < nram; j++) {
			uint64_t s = bstart > ram[j].start ? bstart : ram[j].start;
			uint64_t e = bend < ram[j].end ? bend : ram[j].end;

			if (s < 1ULL << 20)
				s = 1ULL << 20;
			if (s < e)
				EXPECT_TRUE(ranges_cover(r, nr, s, e))
					TH_LOG("online System RAM [%#llx, %#llx) not in the list",
					       (unsigned long long)s, (unsigned long long)e);
		}
	}
}

/*
 * T6: the TDX core's unload gives every PAMT page back to the page
 * allocator: each node's free memory is back at what it was before the
 * initialization. The core's exact count goes with the module, so free
 * memory is the witness here; a PAMT is larger than its noise.
 */
TEST_F(tdx_pamt, pamts_given_back_at_unload_T6)
{
	struct tdx_core_pamt pamt[TDX_MAX_NODES];
	const char *skip = tdx_mem_unavailable();
	int node, nodes;

	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, tdx_mem_sample(&self->base));
	ASSERT_ERRNO(0, tdx_enable());
	nodes = tdx_core_pamt(pamt);
	ASSERT_LT(0, nodes);
	for (node = 0; node < nodes; node++)
		if (pamt[node].allocated)
			EXPECT_LT(TDX_MEM_NOISE, (uint64_t)pamt[node].allocated)
				TH_LOG("node %d: a PAMT of %lld bytes is within the noise",
				       node, (long long)pamt[node].allocated);
	ASSERT_EQ(0, vl_unload_tdx_core());
	EXPECT_CHECK(tdx_mem_dropped_by(&self->base, NULL, WHY));
}

TDX_HARNESS_MAIN(VL_BASE_NEEDS)
