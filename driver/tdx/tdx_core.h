/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtlife_tdx internals, shared by its three files:
 *   tdx_core.c     the state machine, SEAMCALLs, the T5 sequence, KeyIDs,
 *                  the suspend and memory-online refusals
 *   tdx_memory.c   the TDX memory list, TDMRs, PAMTs, reserved areas
 *   tdx_observe.c  debugfs and the fail_step knob
 */
#ifndef VIRTLIFE_TDX_CORE_H
#define VIRTLIFE_TDX_CORE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "tdx_abi.h"
#include "virtlife_tdx.h"

/* One TDX-usable memory region: online System RAM of one node. */
struct tdx_memblock {
	struct list_head list;
	unsigned long start_pfn;
	unsigned long end_pfn;		/* exclusive */
	int nid;
};

/* What TDH.SYS.RD told us about the module. */
struct tdx_sysinfo {
	u16 max_tdmrs;
	u16 max_reserved_per_tdmr;
	u16 pamt_entry_size[TDX_PS_NR];
	u64 features0;
	u16 major, minor, update;
};

/*
 * The TDMR_INFO array handed to TDH.SYS.CONFIG: @max_tdmrs entries of
 * @tdmr_sz bytes in one physically contiguous buffer, @nr_tdmrs in use.
 * @nid[i] is the node chosen for TDMR i's PAMT.
 */
struct tdx_tdmr_list {
	void *tdmrs;
	size_t tdmr_sz;
	int max_tdmrs;
	int nr_tdmrs;
	int *nid;
};

static inline struct tdmr_info *tdx_tdmr_entry(const struct tdx_tdmr_list *l,
					       int i)
{
	return l->tdmrs + l->tdmr_sz * i;
}

static inline u64 tdx_tdmr_end(const struct tdmr_info *tdmr)
{
	return tdmr->base + tdmr->size;
}

/* ---- tdx_memory.c: one function per T5 memory step ---------------------- */

int tdx_build_memlist(struct list_head *memlist);
void tdx_free_memlist(struct list_head *memlist);
bool tdx_memlist_covers(const struct list_head *memlist,
			unsigned long start_pfn, unsigned long end_pfn);

int tdx_alloc_tdmr_list(struct tdx_tdmr_list *list,
			const struct tdx_sysinfo *sysinfo);
void tdx_free_tdmr_list(struct tdx_tdmr_list *list);
int tdx_construct_tdmrs(const struct list_head *memlist,
			struct tdx_tdmr_list *list);
int tdx_alloc_pamts(struct tdx_tdmr_list *list,
		    const struct list_head *memlist,
		    const struct tdx_sysinfo *sysinfo);
void tdx_reset_pamts(struct tdx_tdmr_list *list);
void tdx_free_pamts(struct tdx_tdmr_list *list);
int tdx_set_reserved_areas(struct tdx_tdmr_list *list,
			   const struct list_head *memlist,
			   const struct tdx_sysinfo *sysinfo);
u64 tdx_pamt_bytes(const struct tdx_tdmr_list *list, int nid);
s64 tdx_pamt_allocated(int nid);
int tdx_tdmr_nr_reserved(const struct tdx_tdmr_list *list, int i,
			 u16 max_reserved);

/* ---- tdx_core.c: state read by tdx_observe.c --------------------------- */

/*
 * tdx_module_lock: the state machine, tdx_tdmr_list, tdx_sysinfo.
 * tdx_mem_lock: tdx_memlist (read by the memory-online notifier).
 */
extern struct mutex tdx_module_lock;
extern enum virtlife_tdx_status tdx_module_status;
extern int tdx_module_error;
extern u64 tdx_init_time_us;
extern u64 tdx_updates;
extern struct tdx_sysinfo tdx_sysinfo;
extern struct tdx_tdmr_list tdx_tdmr_list;
extern struct mutex tdx_mem_lock;
extern struct list_head tdx_memlist;

extern bool tdx_platform;
extern bool tdx_s3_disabled;
extern bool tdx_off_for_hibernation;
extern u32 tdx_keyid_first;
extern u32 tdx_nr_keyids;
extern u32 tdx_global_keyid;
extern atomic_t tdx_guest_keyids_in_use;

/* The cached TDH.SYS.INIT result; false when it has not run yet. */
bool tdx_sys_init_result(int *ret);
bool tdx_cpu_lp_initialized(unsigned int cpu);

/* ---- tdx_observe.c ------------------------------------------------------ */

/* The steps fail_step can fail, in T5 order. */
enum tdx_step {
	TDX_STEP_NONE,
	TDX_STEP_MEMLIST,
	TDX_STEP_TDMRS,
	TDX_STEP_PAMT,
	TDX_STEP_RESERVED,
	TDX_STEP_FLUSH,
	TDX_STEP_NR,
};

/* Takes (and disarms) the armed fail_step; TDX_STEP_NONE when none. */
enum tdx_step tdx_fail_step_take(int *err);
const char *tdx_step_name(enum tdx_step step);

void tdx_observe_init(void);
void tdx_observe_exit(void);

#endif /* VIRTLIFE_TDX_CORE_H */
