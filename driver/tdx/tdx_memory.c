// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife_tdx: the memory side of TDX module initialization (T5, T6).
 *
 * The TDX memory list (which memory TDX may use), the TDMRs that cover it,
 * each TDMR's PAMT (the module's page metadata, ~1/256 of the TDMR) and the
 * reserved areas that tell the module which parts of a TDMR it must leave
 * alone.  Each function is one step; tdx_core.c calls them in order and
 * unwinds them in reverse.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/memory_hotplug.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/pfn.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/topology.h>
#include <asm/io.h>

#include "compat.h"

/* As the kernel's INTEL_TDX_HOST: PAMTs are physically contiguous. */
#ifndef CONFIG_CONTIG_ALLOC
#error "virtlife_tdx needs CONFIG_CONTIG_ALLOC: PAMTs come from alloc_contig_range()"
#endif
#include "tdx_core.h"

/* Warn when fewer TDMRs than this are left over (the kernel's rule). */
#define TDX_TDMR_NR_WARN	4

/* ---- the memory list ----------------------------------------------------- */

/* Appends [start_pfn, end_pfn) of @nid, merging it into the last region. */
static int tdx_add_memblock(struct list_head *memlist, unsigned long start_pfn,
			    unsigned long end_pfn, int nid)
{
	struct tdx_memblock *tmb;

	if (!list_empty(memlist)) {
		tmb = list_last_entry(memlist, struct tdx_memblock, list);
		/* Nested or repeated resources: keep the list disjoint. */
		start_pfn = max(start_pfn, tmb->end_pfn);
		if (start_pfn >= end_pfn)
			return 0;
		if (tmb->end_pfn == start_pfn && tmb->nid == nid) {
			tmb->end_pfn = end_pfn;
			return 0;
		}
	}

	tmb = kmalloc(sizeof(*tmb), GFP_KERNEL);
	if (!tmb)
		return -ENOMEM;
	tmb->start_pfn = start_pfn;
	tmb->end_pfn = end_pfn;
	tmb->nid = nid;
	list_add_tail(&tmb->list, memlist);
	return 0;
}

/*
 * One System RAM resource: its online part, from 1 MiB up, one region per
 * node.  Memory is onlined by whole sections, so one look per section
 * tells which part is online; a node can end inside a section, so a chunk
 * also stops at the end of its node's span.
 */
static int tdx_memlist_add_ram(struct resource *res, void *arg)
{
	unsigned long pfn = max(PFN_UP(res->start), PHYS_PFN(SZ_1M));
	unsigned long end = PFN_DOWN(res->end + 1);
	struct list_head *memlist = arg;

	while (pfn < end) {
		unsigned long next = min(end, SECTION_ALIGN_DOWN(pfn) +
						PAGES_PER_SECTION);
		struct page *page = pfn_to_online_page(pfn);

		if (page) {
			int nid = page_to_nid(page);
			int ret;

			next = min(next, node_end_pfn(nid));
			if (next <= pfn)
				next = pfn + 1;
			ret = tdx_add_memblock(memlist, pfn, next, nid);
			if (ret)
				return ret;
		}
		pfn = next;
	}
	return 0;
}

/*
 * TDX memory: every page the page allocator can hand out, so that any page
 * may later become a TD page.  The first 1 MiB is never convertible.  The
 * caller holds memory onlining off, so the online sections stay as seen.
 */
int tdx_build_memlist(struct list_head *memlist)
{
	int ret;

	ret = walk_iomem_res_desc(IORES_DESC_NONE,
				  IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
				  0, -1, memlist, tdx_memlist_add_ram);
	/* -EINVAL from the walk: no System RAM at all. */
	if (!ret && list_empty(memlist))
		ret = -EINVAL;
	if (ret)
		tdx_free_memlist(memlist);
	return ret;
}

void tdx_free_memlist(struct list_head *memlist)
{
	struct tdx_memblock *tmb, *tmp;

	list_for_each_entry_safe(tmb, tmp, memlist, list) {
		list_del(&tmb->list);
		kfree(tmb);
	}
}

/* Whether one region holds all of [start_pfn, end_pfn) (T8). */
bool tdx_memlist_covers(const struct list_head *memlist,
			unsigned long start_pfn, unsigned long end_pfn)
{
	struct tdx_memblock *tmb;

	list_for_each_entry(tmb, memlist, list) {
		if (start_pfn >= tmb->start_pfn && end_pfn <= tmb->end_pfn)
			return true;
	}
	return false;
}

/* ---- the TDMR list ------------------------------------------------------- */

/*
 * Room for the module's maximum of TDMRs, in one physically contiguous,
 * zeroed buffer: each TDMR_INFO must be contiguous and 512-byte aligned.
 */
int tdx_alloc_tdmr_list(struct tdx_tdmr_list *list,
			const struct tdx_sysinfo *sysinfo)
{
	list->tdmr_sz = tdmr_info_size(sysinfo->max_reserved_per_tdmr);
	list->max_tdmrs = sysinfo->max_tdmrs;
	list->nr_tdmrs = 0;

	list->nid = kcalloc(list->max_tdmrs, sizeof(*list->nid), GFP_KERNEL);
	if (!list->nid)
		return -ENOMEM;
	list->tdmrs = alloc_pages_exact(list->tdmr_sz * list->max_tdmrs,
					GFP_KERNEL | __GFP_ZERO);
	if (!list->tdmrs) {
		kfree(list->nid);
		list->nid = NULL;
		return -ENOMEM;
	}
	return 0;
}

void tdx_free_tdmr_list(struct tdx_tdmr_list *list)
{
	if (list->tdmrs)
		free_pages_exact(list->tdmrs, list->tdmr_sz * list->max_tdmrs);
	kfree(list->nid);
	list->tdmrs = NULL;
	list->nid = NULL;
	list->nr_tdmrs = 0;
}

/*
 * One TDMR per memory region, its ends rounded out to 1 GiB.  A region
 * that starts inside the previous TDMR only gets a TDMR for the part past
 * its end, and none if it lies wholly inside: simple, and it may use more
 * TDMRs than strictly needed, as the kernel's does.
 */
int tdx_construct_tdmrs(const struct list_head *memlist,
			struct tdx_tdmr_list *list)
{
	struct tdmr_info *tdmr = NULL;
	struct tdx_memblock *tmb;
	int nr = 0;

	list_for_each_entry(tmb, memlist, list) {
		u64 start = ALIGN_DOWN(PFN_PHYS(tmb->start_pfn), TDMR_ALIGNMENT);
		u64 end = ALIGN(PFN_PHYS(tmb->end_pfn), TDMR_ALIGNMENT);

		if (tdmr) {
			if (end <= tdx_tdmr_end(tdmr))
				continue;
			start = max(start, tdx_tdmr_end(tdmr));
		}
		if (nr >= list->max_tdmrs) {
			pr_warn("initialization failed: TDMRs exhausted (more than %d)\n",
				list->max_tdmrs);
			return -ENOSPC;
		}
		tdmr = tdx_tdmr_entry(list, nr++);
		tdmr->base = start;
		tdmr->size = end - start;
	}
	list->nr_tdmrs = nr;

	if (list->max_tdmrs - nr < TDX_TDMR_NR_WARN)
		pr_warn("consumed TDMRs reaching limit: %d used out of %d\n",
			nr, list->max_tdmrs);
	return 0;
}

/* ---- PAMTs ----------------------------------------------------------------- */

/*
 * The node for a TDMR's PAMT: that of the first region ending above the
 * TDMR's base, which is memory the TDMR covers.
 */
static int tdx_tdmr_nid(const struct tdmr_info *tdmr,
			const struct list_head *memlist)
{
	struct tdx_memblock *tmb;

	list_for_each_entry(tmb, memlist, list) {
		if (PFN_PHYS(tmb->end_pfn) > tdmr->base)
			return tmb->nid;
	}
	pr_warn("TDMR [0x%llx, 0x%llx): no memory region, PAMT on node 0\n",
		tdmr->base, tdx_tdmr_end(tdmr));
	return 0;
}

/* Whether the pages [pfn, pfn + nr) could be taken by alloc_contig_range. */
static bool tdx_contig_range_usable(struct zone *zone, unsigned long pfn,
				    unsigned long nr)
{
	unsigned long end = pfn + nr;

	for (; pfn < end; pfn++) {
		struct page *page = pfn_to_online_page(pfn);

		if (!page || page_zone(page) != zone || PageReserved(page) ||
		    PageHuge(page))
			return false;
	}
	return true;
}

/*
 * @nr pages beyond the page allocator's largest order, physically
 * contiguous on @nid: try size-aligned ranges of the node's zones from the
 * top down (the top is where free, movable memory is likeliest).  Returns
 * the first pfn, or 0.
 */
static unsigned long tdx_alloc_contig_node(int nid, unsigned long nr)
{
	unsigned long step = roundup(nr, pageblock_nr_pages);
	pg_data_t *pgdat = NODE_DATA(nid);
	int z;

	for (z = MAX_NR_ZONES - 1; z >= 0; z--) {
		struct zone *zone = &pgdat->node_zones[z];
		unsigned long start = zone->zone_start_pfn;
		unsigned long end = zone_end_pfn(zone);
		unsigned long pfn;

		if (!populated_zone(zone) || end - start < nr)
			continue;
		for (pfn = rounddown(end - nr, step); pfn >= start;
		     pfn -= step) {
			if (tdx_contig_range_usable(zone, pfn, nr) &&
			    !alloc_contig_range(pfn, pfn + nr, MIGRATE_MOVABLE,
						GFP_KERNEL | __GFP_NOWARN))
				return pfn;
			cond_resched();
			if (pfn < step)
				break;
		}
	}
	return 0;
}

/*
 * PAMT pages the host core holds from the page allocator, per node the
 * pages are on: counted where they are taken and where they are given
 * back, so a PAMT that an unwind forgets stays counted (T6).  The suite
 * checks it against what the module was handed and against zero after a
 * failure: an exact witness, where free memory is a noisy one.
 */
static atomic_long_t tdx_pamt_pages[MAX_NUMNODES];

static void tdx_pamt_account(unsigned long pfn, long nr)
{
	atomic_long_add(nr, &tdx_pamt_pages[page_to_nid(pfn_to_page(pfn))]);
}

/* PAMT bytes allocated and not yet freed on node @nid (< 0: freed twice). */
s64 tdx_pamt_allocated(int nid)
{
	return (s64)atomic_long_read(&tdx_pamt_pages[nid]) * PAGE_SIZE;
}

/*
 * @size bytes (page multiple) of zeroed, physically contiguous memory on
 * @nid, held as order-0 pages so that free_contig_range() frees any part.
 * Returns the physical address, or 0.
 */
static u64 tdx_alloc_pamt_block(int nid, u64 size)
{
	unsigned long nr = size >> PAGE_SHIFT;
	unsigned int order = get_order(size);
	unsigned long pfn;
	struct page *page;

	if (order <= MAX_PAGE_ORDER) {
		page = alloc_pages_node(nid, GFP_KERNEL | __GFP_THISNODE |
					__GFP_ZERO | __GFP_NOWARN, order);
		if (!page)
			return 0;
		pfn = page_to_pfn(page);
		split_page(page, order);
		if ((1UL << order) > nr)
			free_contig_range(pfn + nr, (1UL << order) - nr);
		tdx_pamt_account(pfn, nr);
		return PFN_PHYS(pfn);
	}

	pfn = tdx_alloc_contig_node(nid, nr);
	if (!pfn)
		return 0;
	memset(pfn_to_kaddr(pfn), 0, size);
	tdx_pamt_account(pfn, nr);
	return PFN_PHYS(pfn);
}

static void tdx_free_pamt_block(u64 base, u64 size)
{
	if (!size)
		return;
	tdx_pamt_account(PHYS_PFN(base), -(long)(size >> PAGE_SHIFT));
	free_contig_range(PHYS_PFN(base), size >> PAGE_SHIFT);
}

/* The PAMT level bases and sizes of a TDMR_INFO, indexed by level. */
static void tdx_tdmr_pamt(const struct tdmr_info *tdmr, u64 base[TDX_PS_NR],
			  u64 size[TDX_PS_NR])
{
	base[TDX_PS_4K] = tdmr->pamt_4k_base;
	size[TDX_PS_4K] = tdmr->pamt_4k_size;
	base[TDX_PS_2M] = tdmr->pamt_2m_base;
	size[TDX_PS_2M] = tdmr->pamt_2m_size;
	base[TDX_PS_1G] = tdmr->pamt_1g_base;
	size[TDX_PS_1G] = tdmr->pamt_1g_size;
}

static void tdx_tdmr_set_pamt(struct tdmr_info *tdmr,
			      const u64 base[TDX_PS_NR],
			      const u64 size[TDX_PS_NR])
{
	tdmr->pamt_4k_base = base[TDX_PS_4K];
	tdmr->pamt_4k_size = size[TDX_PS_4K];
	tdmr->pamt_2m_base = base[TDX_PS_2M];
	tdmr->pamt_2m_size = size[TDX_PS_2M];
	tdmr->pamt_1g_base = base[TDX_PS_1G];
	tdmr->pamt_1g_size = size[TDX_PS_1G];
}

/*
 * One TDMR's PAMT on @nid: the three levels in one block when the page
 * allocator can give one that large (fewer reserved areas when the PAMT
 * lies inside a TDMR), else one block per level.
 */
static int tdx_tdmr_alloc_pamt(struct tdmr_info *tdmr, int nid,
			       const struct tdx_sysinfo *sysinfo)
{
	u64 base[TDX_PS_NR] = {}, size[TDX_PS_NR];
	u64 total = 0, block = 0;
	int lvl;

	for (lvl = TDX_PS_4K; lvl < TDX_PS_NR; lvl++) {
		size[lvl] = tdx_pamt_level_size(tdmr->size, lvl,
						sysinfo->pamt_entry_size[lvl]);
		total += size[lvl];
	}

	if (get_order(total) <= MAX_PAGE_ORDER)
		block = tdx_alloc_pamt_block(nid, total);
	for (lvl = TDX_PS_4K; lvl < TDX_PS_NR; lvl++) {
		if (block) {
			base[lvl] = block;
			block += size[lvl];
			continue;
		}
		base[lvl] = tdx_alloc_pamt_block(nid, size[lvl]);
		if (!base[lvl])
			goto err;
	}
	tdx_tdmr_set_pamt(tdmr, base, size);
	return 0;

err:
	while (--lvl >= TDX_PS_4K)
		tdx_free_pamt_block(base[lvl], size[lvl]);
	return -ENOMEM;
}

int tdx_alloc_pamts(struct tdx_tdmr_list *list,
		    const struct list_head *memlist,
		    const struct tdx_sysinfo *sysinfo)
{
	int i, ret;

	for (i = 0; i < list->nr_tdmrs; i++) {
		struct tdmr_info *tdmr = tdx_tdmr_entry(list, i);

		list->nid[i] = tdx_tdmr_nid(tdmr, memlist);
		ret = tdx_tdmr_alloc_pamt(tdmr, list->nid[i], sysinfo);
		if (ret) {
			pr_warn("TDMR [0x%llx, 0x%llx): no PAMT memory on node %d\n",
				tdmr->base, tdx_tdmr_end(tdmr), list->nid[i]);
			tdx_free_pamts(list);
			return ret;
		}
	}
	return 0;
}

/*
 * The module may have written PAMTs (TDMR.INIT) with the global KeyID:
 * clear them before they go back to the page allocator.  The caller has
 * flushed the caches.
 */
void tdx_reset_pamts(struct tdx_tdmr_list *list)
{
	u64 base[TDX_PS_NR], size[TDX_PS_NR];
	int i, lvl;

	for (i = 0; i < list->nr_tdmrs; i++) {
		tdx_tdmr_pamt(tdx_tdmr_entry(list, i), base, size);
		for (lvl = TDX_PS_4K; lvl < TDX_PS_NR; lvl++) {
			if (size[lvl])
				memset(phys_to_virt(base[lvl]), 0, size[lvl]);
		}
		cond_resched();
	}
}

/* Frees every PAMT allocated so far (TDMRs without one have size 0). */
void tdx_free_pamts(struct tdx_tdmr_list *list)
{
	u64 base[TDX_PS_NR], size[TDX_PS_NR];
	int i, lvl;

	for (i = 0; i < list->nr_tdmrs; i++) {
		struct tdmr_info *tdmr = tdx_tdmr_entry(list, i);

		tdx_tdmr_pamt(tdmr, base, size);
		for (lvl = TDX_PS_4K; lvl < TDX_PS_NR; lvl++)
			tdx_free_pamt_block(base[lvl], size[lvl]);
		memset(base, 0, sizeof(base));
		memset(size, 0, sizeof(size));
		tdx_tdmr_set_pamt(tdmr, base, size);
	}
}

/* PAMT bytes held on node @nid (where the pages are), or on all if < 0. */
u64 tdx_pamt_bytes(const struct tdx_tdmr_list *list, int nid)
{
	u64 base[TDX_PS_NR], size[TDX_PS_NR];
	u64 bytes = 0;
	int i, lvl;

	for (i = 0; i < list->nr_tdmrs; i++) {
		tdx_tdmr_pamt(tdx_tdmr_entry(list, i), base, size);
		for (lvl = TDX_PS_4K; lvl < TDX_PS_NR; lvl++) {
			if (!size[lvl])
				continue;
			if (nid < 0 ||
			    page_to_nid(pfn_to_page(PHYS_PFN(base[lvl]))) == nid)
				bytes += size[lvl];
		}
	}
	return bytes;
}

/* ---- reserved areas ------------------------------------------------------ */

struct tdx_rsvd {
	struct tdmr_reserved_area *area;
	int nr;
};

/* Adds [start, end) clipped to @tdmr, if anything is left of it. */
static void tdx_rsvd_add(struct tdx_rsvd *rsvd, const struct tdmr_info *tdmr,
			 u64 start, u64 end)
{
	start = max(start, tdmr->base);
	end = min(end, tdx_tdmr_end(tdmr));
	if (start >= end)
		return;
	rsvd->area[rsvd->nr].offset = start - tdmr->base;
	rsvd->area[rsvd->nr].size = end - start;
	rsvd->nr++;
}

static int tdx_rsvd_cmp(const void *a, const void *b)
{
	const struct tdmr_reserved_area *ra = a, *rb = b;

	if (ra->offset != rb->offset)
		return ra->offset < rb->offset ? -1 : 1;
	return 0;
}

/* Sorts by offset and merges areas that overlap or touch. */
static void tdx_rsvd_sort_merge(struct tdx_rsvd *rsvd)
{
	struct tdmr_reserved_area *a = rsvd->area;
	int i, n = 0;

	if (!rsvd->nr)
		return;
	sort(a, rsvd->nr, sizeof(*a), tdx_rsvd_cmp, NULL);
	for (i = 1; i < rsvd->nr; i++) {
		u64 end = a[n].offset + a[n].size;

		if (a[i].offset <= end) {
			end = max(end, a[i].offset + a[i].size);
			a[n].size = end - a[n].offset;
		} else {
			a[++n] = a[i];
		}
	}
	rsvd->nr = n + 1;
}

/*
 * One TDMR's reserved areas: the holes between its memory regions, and
 * every PAMT (of any TDMR) that lies inside it.  All are page multiples:
 * regions are whole pages, PAMTs are 4 KiB aligned page multiples.
 */
static int tdx_tdmr_set_reserved(const struct tdx_tdmr_list *list, int idx,
				 const struct list_head *memlist,
				 struct tdx_rsvd *rsvd, u16 max_reserved)
{
	struct tdmr_info *tdmr = tdx_tdmr_entry(list, idx);
	u64 base[TDX_PS_NR], size[TDX_PS_NR];
	struct tdx_memblock *tmb;
	u64 prev = tdmr->base;
	int i, lvl;

	rsvd->nr = 0;
	list_for_each_entry(tmb, memlist, list) {
		u64 start = PFN_PHYS(tmb->start_pfn);
		u64 end = PFN_PHYS(tmb->end_pfn);

		if (start >= tdx_tdmr_end(tdmr))
			break;
		if (end <= tdmr->base)
			continue;
		tdx_rsvd_add(rsvd, tdmr, prev, start);
		prev = max(prev, end);
	}
	tdx_rsvd_add(rsvd, tdmr, prev, tdx_tdmr_end(tdmr));

	for (i = 0; i < list->nr_tdmrs; i++) {
		tdx_tdmr_pamt(tdx_tdmr_entry(list, i), base, size);
		for (lvl = TDX_PS_4K; lvl < TDX_PS_NR; lvl++)
			tdx_rsvd_add(rsvd, tdmr, base[lvl],
				     base[lvl] + size[lvl]);
	}

	tdx_rsvd_sort_merge(rsvd);
	if (rsvd->nr > max_reserved) {
		pr_warn("initialization failed: TDMR [0x%llx, 0x%llx): reserved areas exhausted (%d, at most %u)\n",
			tdmr->base, tdx_tdmr_end(tdmr), rsvd->nr, max_reserved);
		return -ENOSPC;
	}
	memset(tdmr->reserved_areas, 0,
	       max_reserved * sizeof(*tdmr->reserved_areas));
	memcpy(tdmr->reserved_areas, rsvd->area,
	       rsvd->nr * sizeof(*rsvd->area));
	return 0;
}

int tdx_set_reserved_areas(struct tdx_tdmr_list *list,
			   const struct list_head *memlist,
			   const struct tdx_sysinfo *sysinfo)
{
	struct tdx_memblock *tmb;
	struct tdx_rsvd rsvd;
	int i, room = 1, ret = 0;

	/* At most one hole per region plus the tail, one area per PAMT. */
	list_for_each_entry(tmb, memlist, list)
		room++;
	room += TDX_PS_NR * list->nr_tdmrs;
	rsvd.area = kcalloc(room, sizeof(*rsvd.area), GFP_KERNEL);
	if (!rsvd.area)
		return -ENOMEM;

	for (i = 0; i < list->nr_tdmrs && !ret; i++)
		ret = tdx_tdmr_set_reserved(list, i, memlist, &rsvd,
					    sysinfo->max_reserved_per_tdmr);
	kfree(rsvd.area);
	return ret;
}

/* The number of reserved areas TDMR @i uses (an empty one ends the list). */
int tdx_tdmr_nr_reserved(const struct tdx_tdmr_list *list, int i,
			 u16 max_reserved)
{
	const struct tdmr_info *tdmr = tdx_tdmr_entry(list, i);
	int n = 0;

	while (n < max_reserved && tdmr->reserved_areas[n].size)
		n++;
	return n;
}
