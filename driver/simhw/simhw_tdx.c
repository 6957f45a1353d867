// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife_simhw: the emulated TDX module ("SEAM").
 *
 * simhw_seamcall() plays the part of the SEAMCALL instruction and of the
 * TDX module behind it, for the host initialization leaves only: global
 * and per-CPU init, metadata reads, the TDMR list (validated the way the
 * module would), per-package key configuration and TDMR initialization,
 * which writes the PAMTs.  The module's state lives here, apart from the
 * host core, like firmware state: it survives reloads of the host core and
 * of the driver, and only unloading virtlife_simhw.ko "reboots" it.  The
 * debugfs files under virtlife_simhw/tdx/ are an independent witness of
 * the SEAMCALLs the host core really issued.
 *
 * SEAMCALLs may come from several CPUs at once, with preemption and maybe
 * interrupts disabled: the module state is under one raw spinlock, and
 * nothing in here sleeps.  The two slow leaves (KEY.CONFIG, TDMR.INIT) do
 * their slow part outside the lock, with a busy mark that concurrent
 * callers see.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/uaccess.h>

#include "simhw.h"
#include "tdx_abi.h"

/* ---- parameters -------------------------------------------------------- */

static int tdx_module = 1;
module_param(tdx_module, int, 0444);
MODULE_PARM_DESC(tdx_module, "TDX module loaded (1) or not (0: VMFAILINVALID)");

static int tdx_seam = 1;
module_param(tdx_seam, int, 0444);
MODULE_PARM_DESC(tdx_seam, "SEAM enabled by the BIOS (1) or not (0: #GP, no KeyIDs)");

static unsigned int tdx_max_tdmrs = 64;
module_param(tdx_max_tdmrs, uint, 0444);
MODULE_PARM_DESC(tdx_max_tdmrs, "metadata MAX_TDMRS (1-1024)");

static unsigned int tdx_max_reserved = 16;
module_param(tdx_max_reserved, uint, 0444);
MODULE_PARM_DESC(tdx_max_reserved, "metadata MAX_RESERVED_PER_TDMR (1-1024)");

static unsigned int tdx_pamt_entry_4k = 16;
module_param(tdx_pamt_entry_4k, uint, 0444);
MODULE_PARM_DESC(tdx_pamt_entry_4k, "metadata PAMT_4K_ENTRY_SIZE (1-4096)");

static unsigned int tdx_pamt_entry_2m = 16;
module_param(tdx_pamt_entry_2m, uint, 0444);
MODULE_PARM_DESC(tdx_pamt_entry_2m, "metadata PAMT_2M_ENTRY_SIZE (1-4096)");

static unsigned int tdx_pamt_entry_1g = 16;
module_param(tdx_pamt_entry_1g, uint, 0444);
MODULE_PARM_DESC(tdx_pamt_entry_1g, "metadata PAMT_1G_ENTRY_SIZE (1-4096)");

static unsigned long long tdx_features0 = TDX_FEATURES0_NO_RBP_MOD;
module_param(tdx_features0, ullong, 0444);
MODULE_PARM_DESC(tdx_features0, "metadata TDX_FEATURES0");

static char *tdx_version = "1.5.6";
module_param(tdx_version, charp, 0444);
MODULE_PARM_DESC(tdx_version, "module version, major.minor.update");

static unsigned int tdx_keyid_first = 32;
module_param(tdx_keyid_first, uint, 0444);
MODULE_PARM_DESC(tdx_keyid_first, "first TDX private KeyID (>= 1)");

static unsigned int tdx_nr_keyids = 32;
module_param(tdx_nr_keyids, uint, 0444);
MODULE_PARM_DESC(tdx_nr_keyids, "number of TDX private KeyIDs (>= 1)");

static unsigned int tdx_tdmr_init_chunk_mb = 256;
module_param(tdx_tdmr_init_chunk_mb, uint, 0444);
MODULE_PARM_DESC(tdx_tdmr_init_chunk_mb,
		 "MiB of a TDMR that one TDH.SYS.TDMR.INIT initializes");

#define SIMHW_TDX_MAX_TDMRS	1024
#define SIMHW_TDX_MAX_RESERVED	1024
#define SIMHW_TDX_MAX_ENTRY	4096
#define SIMHW_TDX_KEYID_LIMIT	BIT(15)	/* KeyIDs are 15 bits */
#define SIMHW_TDX_MAX_CHUNK_MB	BIT(14)

/* How long TDH.SYS.KEY.CONFIG takes: long enough to be caught at it. */
#define SIMHW_TDX_KEY_CONFIG_US	300

/* What TDH.SYS.TDMR.INIT writes into the PAMT: anything but zero. */
#define SIMHW_TDX_PAMT_PATTERN	0xa5

#define SIMHW_TDX_WHY_LEN	160

static u16 simhw_tdx_ver[3];		/* major, minor, update */
static unsigned int simhw_tdx_entry[TDX_PS_NR];

static const char * const simhw_tdx_lvl_name[TDX_PS_NR] = {
	[TDX_PS_4K] = "4K", [TDX_PS_2M] = "2M", [TDX_PS_1G] = "1G",
};

/* ---- state ------------------------------------------------------------- */

enum simhw_tdx_leaf_idx {
	SIMHW_KEY_CONFIG,
	SIMHW_SYS_INIT,
	SIMHW_SYS_RD,
	SIMHW_LP_INIT,
	SIMHW_TDMR_INIT,
	SIMHW_SYS_CONFIG,
	SIMHW_SYS_SHUTDOWN,
	SIMHW_SYS_UPDATE,
	SIMHW_SEAMLDR_INSTALL,
	SIMHW_SYS_DISABLE,
	SIMHW_NR_LEAVES
};

struct simhw_tdx_leaf {
	const char *name;
	u64 nr;
	atomic64_t calls;
	atomic64_t failures;
};

static struct simhw_tdx_leaf simhw_tdx_leaves[SIMHW_NR_LEAVES] = {
	[SIMHW_KEY_CONFIG] = { .name = "SYS.KEY.CONFIG", .nr = TDH_SYS_KEY_CONFIG },
	[SIMHW_SYS_INIT] = { .name = "SYS.INIT", .nr = TDH_SYS_INIT },
	[SIMHW_SYS_RD] = { .name = "SYS.RD", .nr = TDH_SYS_RD },
	[SIMHW_LP_INIT] = { .name = "SYS.LP.INIT", .nr = TDH_SYS_LP_INIT },
	[SIMHW_TDMR_INIT] = { .name = "SYS.TDMR.INIT", .nr = TDH_SYS_TDMR_INIT },
	[SIMHW_SYS_CONFIG] = { .name = "SYS.CONFIG", .nr = TDH_SYS_CONFIG },
	[SIMHW_SYS_SHUTDOWN] = { .name = "SYS.SHUTDOWN", .nr = TDH_SYS_SHUTDOWN },
	[SIMHW_SYS_UPDATE] = { .name = "SYS.UPDATE", .nr = TDH_SYS_UPDATE },
	[SIMHW_SEAMLDR_INSTALL] = { .name = "SEAMLDR.INSTALL",
				    .nr = P_SEAMCALL_SEAMLDR_INSTALL },
	[SIMHW_SYS_DISABLE] = { .name = "SYS.DISABLE", .nr = TDH_SYS_DISABLE },
};

/*
 * The newest SEAMCALLs, in order: what the module was asked, on which CPU,
 * when (CLOCK_MONOTONIC, as virtlife's event log) and its answer. The
 * suite draws the TDX initialization from it.
 */
#define SIMHW_TDX_CALL_LOG	1024

struct simhw_tdx_call {
	u64 time_ns;
	u64 status;
	u32 cpu;
	int idx;			/* -1: a leaf the module does not know */
};

static struct simhw_tdx_call simhw_tdx_calls[SIMHW_TDX_CALL_LOG];
static u64 simhw_tdx_calls_seq;
static DEFINE_RAW_SPINLOCK(simhw_tdx_calls_lock);

struct simhw_tdx_cpu {
	atomic64_t lp_init_calls;
	bool lp_initialized;		/* under simhw_tdx_lock */
};

/*
 * The logical CPUs "the BIOS enabled", as MCHECK counts them at boot: the
 * CPUs present when this module loads.  SYS.CONFIG requires every one of
 * them to have done LP.INIT, and every package of them to get its key.
 */
static struct cpumask simhw_tdx_bios_cpus;

static DEFINE_PER_CPU(struct simhw_tdx_cpu, simhw_tdx_cpu);

/* One physical package; the table is small and searched linearly. */
struct simhw_tdx_pkg {
	int id;
	int by_cpu;			/* CPU that configured the key, or -1 */
	u64 key_config_calls;
	bool configured;
};

/* A range [start, end) of physical addresses. */
struct simhw_tdx_range {
	u64 start;
	u64 end;
	unsigned int tdmr;
	unsigned int lvl;
};

/* One TDMR of the list TDH.SYS.CONFIG accepted (the module's own copy). */
struct simhw_tdmr {
	u64 info_pa;			/* only used while validating */
	u64 base;
	u64 size;
	u64 pamt_base[TDX_PS_NR];
	u64 pamt_size[TDX_PS_NR];
	u64 next;			/* next address TDMR.INIT initializes */
	unsigned int nr_reserved;
	bool busy;			/* a TDMR.INIT is writing its PAMT */
};

static DEFINE_RAW_SPINLOCK(simhw_tdx_lock);

/* Everything below is protected by simhw_tdx_lock. */
static bool simhw_tdx_sys_init;
static bool simhw_tdx_configured;
static bool simhw_tdx_key_busy;		/* a KEY.CONFIG is in progress */
static unsigned int simhw_tdx_nr_tdmrs;
static unsigned int simhw_tdx_tdmrs_done;
static u64 simhw_tdx_global_keyid;
static char simhw_tdx_config_error[SIMHW_TDX_WHY_LEN] = "none";

/*
 * Runtime update (T12): SHUTDOWN stops the module (every module leaf then
 * answers TDX_SYS_SHUTDOWN) and leaves its handoff (the TDMRs, the keys);
 * the P-SEAMLDR's INSTALL on every BIOS-enabled CPU loads the staged
 * image as a new module, which needs SYS.INIT and LP.INIT everywhere
 * before UPDATE takes the handoff and makes it ready.
 */
static bool simhw_tdx_shut_down;
static bool simhw_tdx_handoff;		/* a new module has one to take */
static struct cpumask simhw_tdx_installed;	/* this round's INSTALLs */
static bool simhw_tdx_image_staged;
static u16 simhw_tdx_image[3];		/* the staged image's version */
static u64 simhw_tdx_updates;		/* completed UPDATEs */

/*
 * SYS.DISABLE (kexec, T11): the module stops, gives back every TDX memory
 * resource and forgets its initialization; a new kernel starts it again
 * from SYS.INIT.  Cleared by that SYS.INIT.
 */
static bool simhw_tdx_disabled;
static struct simhw_tdmr *simhw_tdx_tdmrs;	/* tdx_max_tdmrs entries */
static struct simhw_tdx_range *simhw_tdx_pamts;	/* 3 per TDMR, scratch */
static struct simhw_tdx_pkg *simhw_tdx_pkgs;	/* nr_cpu_ids entries */
static unsigned int simhw_tdx_nr_pkgs;

/* Injections: fail_leaf and no_entropy. */
static int simhw_tdx_fail_leaf = -1;
static u64 simhw_tdx_fail_status;
static u64 simhw_tdx_fail_remaining;
static int simhw_tdx_noent_leaf = -1;	/* -1: any leaf */
static u64 simhw_tdx_noent_remaining;

/* Convertible memory: System RAM at load, sorted, adjacent ranges merged. */
static struct simhw_tdx_range *simhw_tdx_cmrs;
static unsigned int simhw_tdx_nr_cmrs;

/* ---- memory ------------------------------------------------------------ */

/* True if [start, start + size) lies inside one CMR. */
static bool simhw_tdx_in_cmr(u64 start, u64 size)
{
	unsigned int i;
	u64 end;

	if (check_add_overflow(start, size, &end))
		return false;
	for (i = 0; i < simhw_tdx_nr_cmrs; i++) {
		if (start >= simhw_tdx_cmrs[i].start &&
		    end <= simhw_tdx_cmrs[i].end)
			return true;
	}
	return false;
}

/*
 * True if the module may touch [start, start + size) through the direct
 * map: convertible memory that still has a memory map (not hot-removed
 * since load).  Checked per 2 MiB, the memory-map granularity, not per page.
 */
static bool simhw_tdx_mem_ok(u64 start, u64 size)
{
	u64 pa;

	if (!size)
		return true;
	if (!simhw_tdx_in_cmr(start, size))
		return false;
	for (pa = start; pa < start + size; pa = ALIGN_DOWN(pa, SZ_2M) + SZ_2M) {
		if (!pfn_valid(PHYS_PFN(pa)))
			return false;
	}
	return pfn_valid(PHYS_PFN(start + size - 1));
}

static int simhw_tdx_count_cmr(struct resource *res, void *arg)
{
	(*(unsigned int *)arg)++;
	return 0;
}

static int simhw_tdx_add_cmr(struct resource *res, void *arg)
{
	unsigned int *max = arg;
	struct simhw_tdx_range *last;

	if (res->end < res->start)
		return 0;
	if (simhw_tdx_nr_cmrs) {
		last = &simhw_tdx_cmrs[simhw_tdx_nr_cmrs - 1];
		if (last->end == res->start) {
			last->end = (u64)res->end + 1;
			return 0;
		}
	}
	if (simhw_tdx_nr_cmrs == *max)
		return 1;
	simhw_tdx_cmrs[simhw_tdx_nr_cmrs].start = res->start;
	simhw_tdx_cmrs[simhw_tdx_nr_cmrs].end = (u64)res->end + 1;
	simhw_tdx_nr_cmrs++;
	return 0;
}

static int simhw_tdx_read_cmrs(void)
{
	unsigned int n = 0;

	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM, 0, -1,
			    &n, simhw_tdx_count_cmr);
	if (!n) {
		pr_err("TDX: no System RAM found for the CMRs\n");
		return -ENODEV;
	}
	simhw_tdx_cmrs = kcalloc(n, sizeof(*simhw_tdx_cmrs), GFP_KERNEL);
	if (!simhw_tdx_cmrs)
		return -ENOMEM;
	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM, 0, -1,
			    &n, simhw_tdx_add_cmr);
	return 0;
}

/* ---- packages ---------------------------------------------------------- */

static struct simhw_tdx_pkg *simhw_tdx_find_pkg(int id, bool add)
{
	struct simhw_tdx_pkg *p;
	unsigned int i;

	lockdep_assert_held(&simhw_tdx_lock);
	for (i = 0; i < simhw_tdx_nr_pkgs; i++) {
		if (simhw_tdx_pkgs[i].id == id)
			return &simhw_tdx_pkgs[i];
	}
	if (!add || simhw_tdx_nr_pkgs >= nr_cpu_ids)
		return NULL;
	p = &simhw_tdx_pkgs[simhw_tdx_nr_pkgs++];
	p->id = id;
	p->by_cpu = -1;
	return p;
}

static int simhw_tdx_pkg_of(unsigned int cpu)
{
	return topology_physical_package_id(cpu);
}

/*
 * Every package has its key: the module is ready (the packages are those
 * of the BIOS-enabled CPUs, entered at load).
 */
static bool simhw_tdx_all_keys(void)
{
	unsigned int i;

	lockdep_assert_held(&simhw_tdx_lock);
	for (i = 0; i < simhw_tdx_nr_pkgs; i++) {
		if (!simhw_tdx_pkgs[i].configured)
			return false;
	}
	return true;
}

/* Every BIOS-enabled CPU did LP.INIT (the module's num_of_init_lps). */
static bool simhw_tdx_all_lps(void)
{
	unsigned int cpu;

	lockdep_assert_held(&simhw_tdx_lock);
	for_each_cpu(cpu, &simhw_tdx_bios_cpus) {
		if (!per_cpu(simhw_tdx_cpu, cpu).lp_initialized)
			return false;
	}
	return true;
}

/* ---- TDH.SYS.CONFIG validation ----------------------------------------- */

static __printf(2, 3) bool simhw_tdx_reject(char *why, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vscnprintf(why, SIMHW_TDX_WHY_LEN, fmt, args);
	va_end(args);
	return false;
}

static const struct tdmr_reserved_area *
simhw_tdx_reserved(const struct simhw_tdmr *t)
{
	const struct tdmr_info *info = phys_to_virt(t->info_pa);

	return info->reserved_areas;
}

static bool simhw_tdx_check_pamt(unsigned int i, unsigned int lvl, char *why)
{
	const struct simhw_tdmr *t = &simhw_tdx_tdmrs[i];
	u64 base = t->pamt_base[lvl], size = t->pamt_size[lvl];
	u64 need = tdx_pamt_level_size(t->size, lvl, simhw_tdx_entry[lvl]);
	const char *name = simhw_tdx_lvl_name[lvl];

	if (!IS_ALIGNED(base | size, TDX_PAMT_ALIGNMENT))
		return simhw_tdx_reject(why,
					"TDMR %u: PAMT %s at 0x%llx size 0x%llx not 4 KiB aligned",
					i, name, base, size);
	if (size < need)
		return simhw_tdx_reject(why, "TDMR %u: PAMT %s size 0x%llx below 0x%llx",
					i, name, size, need);
	if (!simhw_tdx_mem_ok(base, size))
		return simhw_tdx_reject(why,
					"TDMR %u: PAMT %s 0x%llx-0x%llx not in convertible memory",
					i, name, base, base + size);
	return true;
}

/*
 * The reserved areas of TDMR @i: 4 KiB aligned, inside the TDMR, sorted,
 * not overlapping; the gaps between them must be convertible memory.
 */
static bool simhw_tdx_check_reserved(unsigned int i, char *why)
{
	struct simhw_tdmr *t = &simhw_tdx_tdmrs[i];
	const struct tdmr_reserved_area *ra = simhw_tdx_reserved(t);
	u64 cur = 0;	/* offset where the previous area ended */
	unsigned int j;

	for (j = 0; j < tdx_max_reserved; j++) {
		u64 off = ra[j].offset, size = ra[j].size;

		if (!size)
			break;
		if (!IS_ALIGNED(off | size, SZ_4K))
			return simhw_tdx_reject(why,
						"TDMR %u: reserved area %u (offset 0x%llx size 0x%llx) not 4 KiB aligned",
						i, j, off, size);
		if (off > t->size || size > t->size - off)
			return simhw_tdx_reject(why,
						"TDMR %u: reserved area %u (offset 0x%llx size 0x%llx) outside the TDMR",
						i, j, off, size);
		if (off < cur)
			return simhw_tdx_reject(why,
						"TDMR %u: reserved area %u (offset 0x%llx) not sorted or overlapping",
						i, j, off);
		if (off > cur && !simhw_tdx_in_cmr(t->base + cur, off - cur))
			return simhw_tdx_reject(why,
						"TDMR %u: 0x%llx-0x%llx neither reserved nor convertible memory",
						i, t->base + cur, t->base + off);
		cur = off + size;
	}
	t->nr_reserved = j;
	if (cur < t->size && !simhw_tdx_in_cmr(t->base + cur, t->size - cur))
		return simhw_tdx_reject(why,
					"TDMR %u: 0x%llx-0x%llx neither reserved nor convertible memory",
					i, t->base + cur, t->base + t->size);
	return true;
}

static bool simhw_tdx_check_tdmr(unsigned int i, u64 pa, char *why)
{
	size_t info_size = offsetof(struct tdmr_info, reserved_areas) +
			   tdx_max_reserved * sizeof(struct tdmr_reserved_area);
	struct simhw_tdmr *t = &simhw_tdx_tdmrs[i];
	const struct tdmr_info *info;
	unsigned int lvl;
	u64 end;

	if (!IS_ALIGNED(pa, TDMR_INFO_ALIGNMENT))
		return simhw_tdx_reject(why, "TDMR %u: TDMR_INFO at 0x%llx not 512-byte aligned",
					i, pa);
	if (!simhw_tdx_mem_ok(pa, info_size))
		return simhw_tdx_reject(why,
					"TDMR %u: TDMR_INFO at 0x%llx not in convertible memory",
					i, pa);

	info = phys_to_virt(pa);
	memset(t, 0, sizeof(*t));
	t->info_pa = pa;
	t->base = info->base;
	t->size = info->size;
	t->pamt_base[TDX_PS_4K] = info->pamt_4k_base;
	t->pamt_size[TDX_PS_4K] = info->pamt_4k_size;
	t->pamt_base[TDX_PS_2M] = info->pamt_2m_base;
	t->pamt_size[TDX_PS_2M] = info->pamt_2m_size;
	t->pamt_base[TDX_PS_1G] = info->pamt_1g_base;
	t->pamt_size[TDX_PS_1G] = info->pamt_1g_size;
	t->next = t->base;

	if (!t->size || !IS_ALIGNED(t->base | t->size, TDMR_ALIGNMENT) ||
	    check_add_overflow(t->base, t->size, &end))
		return simhw_tdx_reject(why,
					"TDMR %u: base 0x%llx size 0x%llx not 1 GiB aligned and nonzero",
					i, t->base, t->size);
	if (i && t->base < simhw_tdx_tdmrs[i - 1].base +
			   simhw_tdx_tdmrs[i - 1].size)
		return simhw_tdx_reject(why,
					"TDMR %u: base 0x%llx below the end of TDMR %u: not sorted or overlapping",
					i, t->base, i - 1);
	for (lvl = 0; lvl < TDX_PS_NR; lvl++) {
		if (!simhw_tdx_check_pamt(i, lvl, why))
			return false;
	}
	return simhw_tdx_check_reserved(i, why);
}

static int simhw_tdx_range_cmp(const void *a, const void *b)
{
	const struct simhw_tdx_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static bool simhw_tdx_check_pamt_overlap(unsigned int n, char *why)
{
	struct simhw_tdx_range *r = simhw_tdx_pamts;
	unsigned int i, lvl, k = 0;

	for (i = 0; i < n; i++) {
		for (lvl = 0; lvl < TDX_PS_NR; lvl++) {
			r[k].start = simhw_tdx_tdmrs[i].pamt_base[lvl];
			r[k].end = r[k].start + simhw_tdx_tdmrs[i].pamt_size[lvl];
			r[k].tdmr = i;
			r[k].lvl = lvl;
			k++;
		}
	}
	sort(r, k, sizeof(*r), simhw_tdx_range_cmp, NULL);
	for (i = 1; i < k; i++) {
		if (r[i].start < r[i - 1].end)
			return simhw_tdx_reject(why,
						"PAMT %s of TDMR %u overlaps PAMT %s of TDMR %u",
						simhw_tdx_lvl_name[r[i].lvl], r[i].tdmr,
						simhw_tdx_lvl_name[r[i - 1].lvl],
						r[i - 1].tdmr);
	}
	return true;
}

/* True if offsets [from, to) of TDMR @t are covered by its reserved areas. */
static bool simhw_tdx_reserved_covers(const struct simhw_tdmr *t, u64 from,
				      u64 to)
{
	const struct tdmr_reserved_area *ra = simhw_tdx_reserved(t);
	unsigned int j;

	for (j = 0; j < t->nr_reserved && from < to; j++) {
		u64 off = ra[j].offset, end = off + ra[j].size;

		if (end <= from)
			continue;
		if (off > from)
			return false;
		from = end;
	}
	return from >= to;
}

/* Index of the first of the @n sorted TDMRs that ends above @pa. */
static unsigned int simhw_tdx_first_tdmr_above(unsigned int n, u64 pa)
{
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct simhw_tdmr *t = &simhw_tdx_tdmrs[mid];

		if (t->base + t->size <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Every PAMT byte inside a TDMR is in a reserved area of that TDMR. */
static bool simhw_tdx_check_pamt_reserved(unsigned int n, char *why)
{
	unsigned int i, lvl, k;

	for (i = 0; i < n; i++) {
		for (lvl = 0; lvl < TDX_PS_NR; lvl++) {
			u64 start = simhw_tdx_tdmrs[i].pamt_base[lvl];
			u64 end = start + simhw_tdx_tdmrs[i].pamt_size[lvl];

			for (k = simhw_tdx_first_tdmr_above(n, start); k < n; k++) {
				const struct simhw_tdmr *t = &simhw_tdx_tdmrs[k];
				u64 lo, hi;

				if (t->base >= end)
					break;
				lo = max(start, t->base);
				hi = min(end, t->base + t->size);
				if (!simhw_tdx_reserved_covers(t, lo - t->base,
							       hi - t->base))
					return simhw_tdx_reject(why,
								"PAMT %s of TDMR %u: 0x%llx-0x%llx inside TDMR %u not reserved",
								simhw_tdx_lvl_name[lvl],
								i, lo, hi, k);
			}
		}
	}
	return true;
}

/*
 * Validates the TDMR list of a TDH.SYS.CONFIG into simhw_tdx_tdmrs and
 * returns the module's status for it: the operands first (their id in the
 * low bits, as the module reports them), then the TDMRs.  On failure, @why
 * says what is wrong.  Works on ranges only: its cost does not depend on
 * the size of the TDMRs.
 */
static u64 simhw_tdx_check_config(u64 list_pa, u64 count, u64 keyid,
				  char *why)
{
	const u64 *list;
	unsigned int i;

	if (!IS_ALIGNED(list_pa, TDMR_INFO_PA_ARRAY_ALIGNMENT) ||
	    !simhw_tdx_mem_ok(list_pa, max_t(u64, count, 1) * sizeof(u64))) {
		simhw_tdx_reject(why,
				 "TDMR_INFO address array at 0x%llx not 512-byte aligned convertible memory",
				 list_pa);
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
	}
	if (!count || count > tdx_max_tdmrs) {
		simhw_tdx_reject(why, "%llu TDMRs, the module takes 1 to %u",
				 count, tdx_max_tdmrs);
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX;
	}
	if (keyid < tdx_keyid_first || keyid - tdx_keyid_first >= tdx_nr_keyids) {
		simhw_tdx_reject(why, "global KeyID %llu outside the TDX KeyIDs %u-%u",
				 keyid, tdx_keyid_first,
				 tdx_keyid_first + tdx_nr_keyids - 1);
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8;
	}

	list = phys_to_virt(list_pa);
	for (i = 0; i < count; i++) {
		if (!simhw_tdx_check_tdmr(i, READ_ONCE(list[i]), why))
			return TDX_INVALID_TDMR | i;
	}
	if (!simhw_tdx_check_pamt_overlap(count, why) ||
	    !simhw_tdx_check_pamt_reserved(count, why))
		return TDX_INVALID_TDMR;
	return TDX_SUCCESS;
}

/* ---- leaves ------------------------------------------------------------ */

static bool simhw_tdx_lp_done(unsigned int cpu)
{
	return per_cpu(simhw_tdx_cpu, cpu).lp_initialized;
}

static u64 simhw_tdx_sys_init_leaf(unsigned int cpu,
				   struct simhw_seam_args *args)
{
	unsigned long flags;
	u64 ret = TDX_SUCCESS;

	/* Every attribute bit is reserved; the module checks them first. */
	if (args->rcx)
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	if (simhw_tdx_sys_init) {
		ret = TDX_SYS_INIT_NOT_PENDING;
	} else {
		simhw_tdx_sys_init = true;
		simhw_tdx_disabled = false;
	}
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return ret;
}

static u64 simhw_tdx_lp_init_leaf(unsigned int cpu,
				  struct simhw_seam_args *args)
{
	struct simhw_tdx_cpu *pc = per_cpu_ptr(&simhw_tdx_cpu, cpu);
	unsigned long flags;
	u64 ret = TDX_SUCCESS;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	/* Only between SYS.INIT and SYS.CONFIG; the state is tested first. */
	if (!simhw_tdx_sys_init || simhw_tdx_configured)
		ret = TDX_SYS_LP_INIT_NOT_PENDING;
	else if (pc->lp_initialized)
		ret = TDX_SYS_LP_INIT_DONE;
	else
		pc->lp_initialized = true;
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return ret;
}

static u64 simhw_tdx_sys_rd_leaf(unsigned int cpu,
				 struct simhw_seam_args *args)
{
	unsigned long flags;
	bool lp_done;
	u64 val;

	/* Only on a CPU that did LP.INIT (so never before SYS.INIT). */
	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	lp_done = simhw_tdx_lp_done(cpu);
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	if (!lp_done)
		return TDX_SYS_LP_INIT_NOT_DONE;

	switch (args->rdx) {
	case MD_FIELD_ID_MAX_TDMRS:
		val = tdx_max_tdmrs;
		break;
	case MD_FIELD_ID_MAX_RESERVED_PER_TDMR:
		val = tdx_max_reserved;
		break;
	case MD_FIELD_ID_PAMT_4K_ENTRY_SIZE:
		val = tdx_pamt_entry_4k;
		break;
	case MD_FIELD_ID_PAMT_2M_ENTRY_SIZE:
		val = tdx_pamt_entry_2m;
		break;
	case MD_FIELD_ID_PAMT_1G_ENTRY_SIZE:
		val = tdx_pamt_entry_1g;
		break;
	case MD_FIELD_ID_TDX_FEATURES0:
		val = tdx_features0;
		break;
	case MD_FIELD_ID_MAJOR_VERSION:
		val = simhw_tdx_ver[0];
		break;
	case MD_FIELD_ID_MINOR_VERSION:
		val = simhw_tdx_ver[1];
		break;
	case MD_FIELD_ID_UPDATE_VERSION:
		val = simhw_tdx_ver[2];
		break;
	default:
		/* Not a field this module has (the 1.5 module's answer). */
		return TDX_METADATA_FIELD_ID_INCORRECT;
	}
	args->r8 = val;
	return TDX_SUCCESS;
}

static u64 simhw_tdx_config_leaf(unsigned int cpu,
				 struct simhw_seam_args *args)
{
	char why[SIMHW_TDX_WHY_LEN];
	unsigned long flags;
	u64 ret;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	/*
	 * Once, after SYS.INIT and after every BIOS-enabled CPU did LP.INIT:
	 * a CPU the OS keeps offline makes every CONFIG fail (the same code).
	 */
	if (!simhw_tdx_sys_init || simhw_tdx_configured || !simhw_tdx_all_lps()) {
		ret = TDX_SYS_CONFIG_NOT_PENDING;
		goto out;
	}
	ret = simhw_tdx_check_config(args->rcx, args->rdx, args->r8, why);
	if (ret != TDX_SUCCESS) {
		strscpy(simhw_tdx_config_error, why,
			sizeof(simhw_tdx_config_error));
		goto out;
	}
	simhw_tdx_nr_tdmrs = args->rdx;
	simhw_tdx_tdmrs_done = 0;
	simhw_tdx_global_keyid = args->r8;
	strscpy(simhw_tdx_config_error, "none",
		sizeof(simhw_tdx_config_error));
	simhw_tdx_configured = true;
out:
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	if (ret != TDX_SUCCESS && ret != TDX_SYS_CONFIG_NOT_PENDING)
		pr_info("TDH.SYS.CONFIG rejected on CPU %u: %s\n", cpu, why);
	return ret;
}

static u64 simhw_tdx_key_config_leaf(unsigned int cpu,
				     struct simhw_seam_args *args)
{
	struct simhw_tdx_pkg *p = NULL;
	unsigned long flags;
	u64 ret = TDX_SUCCESS;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	/* Only between SYS.CONFIG and the last package's key (ready). */
	if (!simhw_tdx_configured || simhw_tdx_all_keys()) {
		ret = TDX_SYS_KEY_CONFIG_NOT_PENDING;
	} else if (simhw_tdx_key_busy) {
		ret = TDX_SYS_BUSY;
	} else {
		p = simhw_tdx_find_pkg(simhw_tdx_pkg_of(cpu), false);
		if (!p)
			ret = TDX_OPERAND_INVALID;
		else if (p->configured)
			ret = TDX_KEY_CONFIGURED;
		else
			simhw_tdx_key_busy = true;
	}
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	if (ret != TDX_SUCCESS)
		return ret;

	/* Programming the key takes a while; others see SYS_BUSY meanwhile. */
	udelay(SIMHW_TDX_KEY_CONFIG_US);

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	p->configured = true;
	p->by_cpu = cpu;
	simhw_tdx_key_busy = false;
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return TDX_SUCCESS;
}

/* Writes the PAMT entries of every level for TDMR addresses [from, to). */
static void simhw_tdx_write_pamt(const struct simhw_tdmr *t, u64 from, u64 to)
{
	unsigned int lvl;

	for (lvl = 0; lvl < TDX_PS_NR; lvl++) {
		unsigned int shift = TDX_PS_SHIFT(lvl);
		u64 first = ((from - t->base) >> shift) * simhw_tdx_entry[lvl];
		u64 last = (((to - 1 - t->base) >> shift) + 1) *
			   simhw_tdx_entry[lvl];

		last = min(last, t->pamt_size[lvl]);
		if (first >= last ||
		    !simhw_tdx_mem_ok(t->pamt_base[lvl] + first, last - first))
			continue;
		memset(phys_to_virt(t->pamt_base[lvl] + first),
		       SIMHW_TDX_PAMT_PATTERN, last - first);
	}
}

static u64 simhw_tdx_tdmr_init_leaf(unsigned int cpu,
				    struct simhw_seam_args *args)
{
	struct simhw_tdmr *t = NULL, copy;
	unsigned long flags;
	u64 ret = TDX_SUCCESS;
	u64 from = 0, to = 0, end;
	unsigned int i;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	/* The real module's dispatcher refuses it until the module is ready. */
	if (!simhw_tdx_configured || !simhw_tdx_all_keys()) {
		ret = TDX_SYS_NOT_READY;
		goto unlock;
	}
	for (i = 0; i < simhw_tdx_nr_tdmrs; i++) {
		if (simhw_tdx_tdmrs[i].base == args->rcx) {
			t = &simhw_tdx_tdmrs[i];
			break;
		}
	}
	if (!t) {
		ret = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		goto unlock;
	}
	if (t->busy) {
		ret = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		goto unlock;
	}
	end = t->base + t->size;
	from = t->next;
	if (from >= end) {
		/* Not an error bit, yet a refusal: nothing left to initialize. */
		ret = TDX_TDMR_ALREADY_INITIALIZED;
		goto unlock;
	}
	to = min_t(u64, end, from + (u64)tdx_tdmr_init_chunk_mb * SZ_1M);
	t->busy = true;
	copy = *t;
unlock:
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	if (ret != TDX_SUCCESS)
		return ret;

	simhw_tdx_write_pamt(&copy, from, to);
	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	t->next = to;
	t->busy = false;
	if (to == end)
		simhw_tdx_tdmrs_done++;
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	args->rdx = to;
	return TDX_SUCCESS;
}

static u64 simhw_tdx_shutdown_leaf(unsigned int cpu,
				   struct simhw_seam_args *args)
{
	unsigned long flags;
	u64 ret = TDX_SUCCESS;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	/* The dispatcher's gate: only a ready module can be shut down. */
	if (!simhw_tdx_configured || !simhw_tdx_all_keys())
		ret = TDX_SYS_NOT_READY;
	else
		simhw_tdx_shut_down = true;
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return ret;
}

/* The last INSTALL: the staged image becomes the module, not yet ready. */
static void simhw_tdx_install_new_module(void)
{
	unsigned int cpu;

	lockdep_assert_held(&simhw_tdx_lock);
	memcpy(simhw_tdx_ver, simhw_tdx_image, sizeof(simhw_tdx_ver));
	simhw_tdx_image_staged = false;
	simhw_tdx_shut_down = false;
	simhw_tdx_sys_init = false;
	simhw_tdx_configured = false;
	simhw_tdx_handoff = true;
	for_each_possible_cpu(cpu)
		per_cpu(simhw_tdx_cpu, cpu).lp_initialized = false;
	cpumask_clear(&simhw_tdx_installed);
}

/*
 * P-SEAMLDR INSTALL, on each BIOS-enabled CPU in turn, of a shut-down
 * module with an image staged.  (The loader's own refusal codes are not
 * in this project's sources: TDX_OPERAND_INVALID stands for them.)
 */
static u64 simhw_tdx_install_leaf(unsigned int cpu,
				  struct simhw_seam_args *args)
{
	unsigned long flags;
	u64 ret = TDX_SUCCESS;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	if (!simhw_tdx_shut_down || !simhw_tdx_image_staged ||
	    cpumask_test_cpu(cpu, &simhw_tdx_installed)) {
		ret = TDX_OPERAND_INVALID;
	} else {
		cpumask_set_cpu(cpu, &simhw_tdx_installed);
		if (cpumask_subset(&simhw_tdx_bios_cpus, &simhw_tdx_installed))
			simhw_tdx_install_new_module();
	}
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return ret;
}

static u64 simhw_tdx_update_leaf(unsigned int cpu,
				 struct simhw_seam_args *args)
{
	unsigned long flags;
	u64 ret = TDX_SUCCESS;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	/* After SYS.INIT and every LP.INIT of the new module, before CONFIG. */
	if (!simhw_tdx_sys_init || simhw_tdx_configured || !simhw_tdx_all_lps()) {
		ret = TDX_SYS_STATE_INCORRECT;
	} else if (!simhw_tdx_handoff) {
		ret = TDX_SYS_INVALID_HANDOFF;
	} else {
		/* The TDMRs, their PAMTs and the keys are the old module's. */
		simhw_tdx_handoff = false;
		simhw_tdx_configured = true;
		simhw_tdx_updates++;
	}
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return ret;
}

/*
 * SYS.DISABLE, in any state of the initialization (the kernel calls it
 * blindly before kexec): the module as at boot, nothing configured, no
 * CPU initialized, no package keyed, so that the next kernel can start
 * it from scratch.  (Its behaviour is not in the module's public source:
 * written from the kernel's use, docs/tdx.md.)
 */
static u64 simhw_tdx_disable_leaf(unsigned int cpu,
				  struct simhw_seam_args *args)
{
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	simhw_tdx_sys_init = false;
	simhw_tdx_configured = false;
	simhw_tdx_key_busy = false;
	simhw_tdx_nr_tdmrs = 0;
	simhw_tdx_tdmrs_done = 0;
	simhw_tdx_global_keyid = 0;
	strscpy(simhw_tdx_config_error, "none", sizeof(simhw_tdx_config_error));
	simhw_tdx_handoff = false;
	cpumask_clear(&simhw_tdx_installed);
	for_each_possible_cpu(i)
		per_cpu(simhw_tdx_cpu, i).lp_initialized = false;
	for (i = 0; i < simhw_tdx_nr_pkgs; i++) {
		simhw_tdx_pkgs[i].configured = false;
		simhw_tdx_pkgs[i].by_cpu = -1;
	}
	simhw_tdx_disabled = true;
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return TDX_SUCCESS;
}

typedef u64 (*simhw_tdx_leaf_fn)(unsigned int cpu,
				 struct simhw_seam_args *args);

static const simhw_tdx_leaf_fn simhw_tdx_leaf_fns[SIMHW_NR_LEAVES] = {
	[SIMHW_KEY_CONFIG] = simhw_tdx_key_config_leaf,
	[SIMHW_SYS_INIT] = simhw_tdx_sys_init_leaf,
	[SIMHW_SYS_RD] = simhw_tdx_sys_rd_leaf,
	[SIMHW_LP_INIT] = simhw_tdx_lp_init_leaf,
	[SIMHW_TDMR_INIT] = simhw_tdx_tdmr_init_leaf,
	[SIMHW_SYS_CONFIG] = simhw_tdx_config_leaf,
	[SIMHW_SYS_SHUTDOWN] = simhw_tdx_shutdown_leaf,
	[SIMHW_SYS_UPDATE] = simhw_tdx_update_leaf,
	[SIMHW_SEAMLDR_INSTALL] = simhw_tdx_install_leaf,
	[SIMHW_SYS_DISABLE] = simhw_tdx_disable_leaf,
};

static int simhw_tdx_leaf_idx(u64 nr)
{
	int i;

	for (i = 0; i < SIMHW_NR_LEAVES; i++) {
		if (simhw_tdx_leaves[i].nr == nr)
			return i;
	}
	return -1;
}

/* The call counters: every SEAMCALL of a known leaf, whatever its fate. */
static void simhw_tdx_count(int idx, unsigned int cpu)
{
	struct simhw_tdx_pkg *p;
	unsigned long flags;

	atomic64_inc(&simhw_tdx_leaves[idx].calls);
	if (idx == SIMHW_LP_INIT)
		atomic64_inc(&per_cpu(simhw_tdx_cpu, cpu).lp_init_calls);
	if (idx == SIMHW_KEY_CONFIG) {
		raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
		p = simhw_tdx_find_pkg(simhw_tdx_pkg_of(cpu), false);
		if (p)
			p->key_config_calls++;
		raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	}
}

/* An armed injection for this call: true and its status in @status. */
static bool simhw_tdx_injected(int idx, u64 *status)
{
	unsigned long flags;
	bool fired = false;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	if (simhw_tdx_fail_leaf == idx && !--simhw_tdx_fail_remaining) {
		*status = simhw_tdx_fail_status;
		simhw_tdx_fail_leaf = -1;
		fired = true;
	}
	if (!fired && simhw_tdx_noent_remaining &&
	    (simhw_tdx_noent_leaf < 0 || simhw_tdx_noent_leaf == idx)) {
		if (!--simhw_tdx_noent_remaining)
			simhw_tdx_noent_leaf = -1;
		*status = TDX_RND_NO_ENTROPY;
		fired = true;
	}
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return fired;
}

static void simhw_tdx_log_call(int idx, unsigned int cpu, u64 status)
{
	struct simhw_tdx_call *c;
	unsigned long flags;

	raw_spin_lock_irqsave(&simhw_tdx_calls_lock, flags);
	c = &simhw_tdx_calls[simhw_tdx_calls_seq++ % SIMHW_TDX_CALL_LOG];
	c->time_ns = ktime_get_mono_fast_ns();
	c->status = status;
	c->cpu = cpu;
	c->idx = idx;
	raw_spin_unlock_irqrestore(&simhw_tdx_calls_lock, flags);
}

/* After SHUTDOWN the module refuses everything; the loader still works. */
static bool simhw_tdx_is_shut_down(int idx)
{
	unsigned long flags;
	bool down;

	if (idx == SIMHW_SEAMLDR_INSTALL)
		return false;
	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	down = simhw_tdx_shut_down;
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return down;
}

u64 simhw_seamcall(u64 leaf, struct simhw_seam_args *args)
{
	unsigned int cpu = raw_smp_processor_id();
	u64 nr = leaf & P_SEAMLDR_SEAMCALL_BASE ? leaf : TDX_LEAF_NR(leaf);
	int idx = simhw_tdx_leaf_idx(nr);
	u64 ret;

	simhw_check_context(cpu);
	simhw_cpu_mark_cache_dirty(cpu);
	if (idx >= 0)
		simhw_tdx_count(idx, cpu);

	if (!tdx_seam)
		ret = TDX_SEAMCALL_GP;
	else if (!simhw_cpu_enabled(cpu))
		ret = TDX_SEAMCALL_UD;
	else if (!tdx_module)
		ret = TDX_SEAMCALL_VMFAILINVALID;
	else if (idx < 0 || WARN_ON_ONCE(!args))
		ret = TDX_OPERAND_INVALID;
	else if (simhw_tdx_is_shut_down(idx))
		ret = TDX_SYS_SHUTDOWN;
	else if (!simhw_tdx_injected(idx, &ret))
		ret = simhw_tdx_leaf_fns[idx](cpu, args);

	if (idx >= 0 && ret != TDX_SUCCESS)
		atomic64_inc(&simhw_tdx_leaves[idx].failures);
	simhw_tdx_log_call(idx, cpu, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(simhw_seamcall);

/*
 * What a kexec'd kernel would find of the module (the shutdown witness,
 * simhw.c): none, never initialized, disabled, or initialized (anything
 * else: an initialization begun or done and not disabled).
 */
const char *simhw_tdx_module_state(void)
{
	bool touched = false, disabled;
	unsigned long flags;
	unsigned int cpu;

	if (!tdx_seam || !tdx_module)
		return "none";
	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	disabled = simhw_tdx_disabled;
	for_each_possible_cpu(cpu)
		touched |= per_cpu(simhw_tdx_cpu, cpu).lp_initialized;
	touched |= simhw_tdx_sys_init || simhw_tdx_shut_down ||
		   simhw_tdx_handoff;
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	if (disabled && !touched)
		return "disabled";
	return touched ? "initialized" : "not initialized";
}

bool simhw_tdx_keyids(u32 *first, u32 *nr)
{
	if (!tdx_seam)
		return false;
	*first = tdx_keyid_first;
	*nr = tdx_nr_keyids;
	return true;
}
EXPORT_SYMBOL_GPL(simhw_tdx_keyids);

/* ---- debugfs ----------------------------------------------------------- */

static int simhw_tdx_leaves_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < SIMHW_NR_LEAVES; i++)
		seq_printf(m, "leaf=%s nr=%llu calls=%lld failures=%lld\n",
			   simhw_tdx_leaves[i].name, simhw_tdx_leaves[i].nr,
			   atomic64_read(&simhw_tdx_leaves[i].calls),
			   atomic64_read(&simhw_tdx_leaves[i].failures));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(simhw_tdx_leaves);

/* Oldest first: "TIME_NS CPU LEAF STATUS" (status in hex). */
static int simhw_tdx_calls_show(struct seq_file *m, void *unused)
{
	unsigned long flags;
	u64 seq, i;

	raw_spin_lock_irqsave(&simhw_tdx_calls_lock, flags);
	seq = simhw_tdx_calls_seq;
	i = seq > SIMHW_TDX_CALL_LOG ? seq - SIMHW_TDX_CALL_LOG : 0;
	for (; i < seq; i++) {
		const struct simhw_tdx_call *c =
			&simhw_tdx_calls[i % SIMHW_TDX_CALL_LOG];

		seq_printf(m, "%llu %u %s %#llx\n", c->time_ns, c->cpu,
			   c->idx < 0 ? "unknown" : simhw_tdx_leaves[c->idx].name,
			   c->status);
	}
	raw_spin_unlock_irqrestore(&simhw_tdx_calls_lock, flags);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(simhw_tdx_calls);

static int simhw_tdx_cpus_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct simhw_tdx_cpu *pc = per_cpu_ptr(&simhw_tdx_cpu, cpu);

		seq_printf(m, "cpu=%u package=%d lp_init_calls=%lld lp_initialized=%d\n",
			   cpu, simhw_tdx_pkg_of(cpu),
			   atomic64_read(&pc->lp_init_calls),
			   READ_ONCE(pc->lp_initialized));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(simhw_tdx_cpus);

static int simhw_tdx_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static int simhw_tdx_packages_show(struct seq_file *m, void *unused)
{
	unsigned int cpu, n = 0, i;
	unsigned long flags;
	int *ids;

	ids = kcalloc(nr_cpu_ids, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	for_each_present_cpu(cpu)
		ids[n++] = simhw_tdx_pkg_of(cpu);
	sort(ids, n, sizeof(*ids), simhw_tdx_int_cmp, NULL);

	for (i = 0; i < n; i++) {
		struct simhw_tdx_pkg p = { .id = ids[i], .by_cpu = -1 };
		struct simhw_tdx_pkg *q;

		if (i && ids[i] == ids[i - 1])
			continue;
		raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
		q = simhw_tdx_find_pkg(ids[i], false);
		if (q)
			p = *q;
		raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
		seq_printf(m, "package=%d key_config_calls=%llu configured=%d by_cpu=%d\n",
			   p.id, p.key_config_calls, p.configured,
			   p.configured ? p.by_cpu : -1);
	}
	kfree(ids);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(simhw_tdx_packages);

static int simhw_tdx_state_show(struct seq_file *m, void *unused)
{
	char err[SIMHW_TDX_WHY_LEN];
	unsigned int tdmrs, done, lps = 0, cpu;
	bool init, configured, down, handoff, disabled;
	unsigned long flags;
	u64 keyid, updates;
	u16 ver[3];

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	memcpy(ver, simhw_tdx_ver, sizeof(ver));
	down = simhw_tdx_shut_down;
	handoff = simhw_tdx_handoff;
	updates = simhw_tdx_updates;
	disabled = simhw_tdx_disabled;
	for_each_cpu(cpu, &simhw_tdx_bios_cpus)
		lps += per_cpu(simhw_tdx_cpu, cpu).lp_initialized;
	init = simhw_tdx_sys_init;
	configured = simhw_tdx_configured;
	tdmrs = simhw_tdx_nr_tdmrs;
	done = simhw_tdx_tdmrs_done;
	keyid = simhw_tdx_global_keyid;
	strscpy(err, simhw_tdx_config_error, sizeof(err));
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);

	seq_printf(m, "bios_cpus=%*pbl\n", cpumask_pr_args(&simhw_tdx_bios_cpus));
	seq_printf(m, "lps_initialized=%u/%u\n", lps,
		   cpumask_weight(&simhw_tdx_bios_cpus));
	seq_printf(m, "sys_init=%d\n", init);
	seq_printf(m, "configured=%d\n", configured);
	seq_printf(m, "tdmrs=%u\n", tdmrs);
	seq_printf(m, "tdmrs_initialized=%u\n", done);
	seq_printf(m, "ready=%d\n", configured && tdmrs && done == tdmrs);
	seq_printf(m, "global_keyid=%llu\n", keyid);
	seq_printf(m, "config_error=%s\n", err);
	seq_printf(m, "version=%u.%u.%u\n", ver[0], ver[1], ver[2]);
	seq_printf(m, "shut_down=%d\n", down);
	seq_printf(m, "handoff=%d\n", handoff);
	seq_printf(m, "updates=%llu\n", updates);
	seq_printf(m, "disabled=%d\n", disabled);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(simhw_tdx_state);

static int simhw_tdx_tdmrs_show(struct seq_file *m, void *unused)
{
	struct simhw_tdmr t;
	unsigned long flags;
	unsigned int i;

	for (i = 0; ; i++) {
		raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
		if (i >= simhw_tdx_nr_tdmrs) {
			raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
			break;
		}
		t = simhw_tdx_tdmrs[i];
		raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
		seq_printf(m, "tdmr=%u base=0x%llx size=0x%llx next=0x%llx pamt_4k=0x%llx/0x%llx pamt_2m=0x%llx/0x%llx pamt_1g=0x%llx/0x%llx reserved=%u\n",
			   i, t.base, t.size, t.next,
			   t.pamt_base[TDX_PS_4K], t.pamt_size[TDX_PS_4K],
			   t.pamt_base[TDX_PS_2M], t.pamt_size[TDX_PS_2M],
			   t.pamt_base[TDX_PS_1G], t.pamt_size[TDX_PS_1G],
			   t.nr_reserved);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(simhw_tdx_tdmrs);

static int simhw_tdx_cmrs_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	for (i = 0; i < simhw_tdx_nr_cmrs; i++)
		seq_printf(m, "cmr=%u start=0x%llx end=0x%llx\n", i,
			   simhw_tdx_cmrs[i].start, simhw_tdx_cmrs[i].end);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(simhw_tdx_cmrs);

/*
 * One write() is one whole command: copied into @buf, one trailing
 * newline dropped; empty commands and embedded newlines are rejected.
 */
static int simhw_tdx_get_cmd(const char __user *ubuf, size_t count,
			     char *buf, size_t size)
{
	if (count == 0 || count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (buf[count - 1] == '\n')
		buf[--count] = '\0';
	if (count == 0 || strchr(buf, '\n'))
		return -EINVAL;
	return 0;
}

/* Splits @buf at single spaces into at most @max nonempty words. */
static int simhw_tdx_split(char *buf, char **words, int max)
{
	char *w;
	int n = 0;

	while ((w = strsep(&buf, " "))) {
		if (!*w || n == max)
			return -EINVAL;
		words[n++] = w;
	}
	return n;
}

/* A leaf by name (as in `leaves`) or by number; -1 if none. */
static int simhw_tdx_parse_leaf(const char *s)
{
	unsigned int nr;
	int i;

	for (i = 0; i < SIMHW_NR_LEAVES; i++) {
		if (!strcmp(s, simhw_tdx_leaves[i].name))
			return i;
	}
	if (kstrtouint(s, 0, &nr))
		return -1;
	return simhw_tdx_leaf_idx(nr);
}

static int simhw_tdx_fail_leaf_show(struct seq_file *m, void *unused)
{
	unsigned long flags;
	u64 status, remaining;
	int idx;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	idx = simhw_tdx_fail_leaf;
	status = simhw_tdx_fail_status;
	remaining = simhw_tdx_fail_remaining;
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);

	if (idx < 0)
		seq_puts(m, "none\n");
	else
		seq_printf(m, "%s 0x%llX remaining=%llu\n",
			   simhw_tdx_leaves[idx].name, status, remaining);
	return 0;
}

static int simhw_tdx_fail_leaf_open(struct inode *inode, struct file *file)
{
	return single_open(file, simhw_tdx_fail_leaf_show, inode->i_private);
}

/* "LEAF STATUS NTH" arms, "none" disarms. */
static ssize_t simhw_tdx_fail_leaf_write(struct file *file,
					 const char __user *ubuf,
					 size_t count, loff_t *ppos)
{
	char buf[96], *w[3];
	unsigned long flags;
	u64 status, nth;
	int idx, r;

	r = simhw_tdx_get_cmd(ubuf, count, buf, sizeof(buf));
	if (r)
		return r;
	if (!strcmp(buf, "none")) {
		raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
		simhw_tdx_fail_leaf = -1;
		simhw_tdx_fail_remaining = 0;
		raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
		return count;
	}
	if (simhw_tdx_split(buf, w, 3) != 3)
		return -EINVAL;
	idx = simhw_tdx_parse_leaf(w[0]);
	if (idx < 0 || kstrtou64(w[1], 16, &status) ||
	    kstrtou64(w[2], 10, &nth) || !nth)
		return -EINVAL;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	simhw_tdx_fail_leaf = idx;
	simhw_tdx_fail_status = status;
	simhw_tdx_fail_remaining = nth;
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return count;
}

static const struct file_operations simhw_tdx_fail_leaf_fops = {
	.owner = THIS_MODULE,
	.open = simhw_tdx_fail_leaf_open,
	.read = seq_read,
	.write = simhw_tdx_fail_leaf_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int simhw_tdx_no_entropy_show(struct seq_file *m, void *unused)
{
	unsigned long flags;
	u64 remaining;
	int idx;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	remaining = simhw_tdx_noent_remaining;
	idx = simhw_tdx_noent_leaf;
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);

	seq_printf(m, "remaining=%llu leaf=%s\n", remaining,
		   idx < 0 ? "any" : simhw_tdx_leaves[idx].name);
	return 0;
}

static int simhw_tdx_no_entropy_open(struct inode *inode, struct file *file)
{
	return single_open(file, simhw_tdx_no_entropy_show, inode->i_private);
}

/* "K" or "K LEAF"; "0" disarms. */
static ssize_t simhw_tdx_no_entropy_write(struct file *file,
					  const char __user *ubuf,
					  size_t count, loff_t *ppos)
{
	char buf[64], *w[2];
	unsigned long flags;
	int n, idx = -1, r;
	u64 k;

	r = simhw_tdx_get_cmd(ubuf, count, buf, sizeof(buf));
	if (r)
		return r;
	n = simhw_tdx_split(buf, w, 2);
	if (n < 1 || kstrtou64(w[0], 10, &k))
		return -EINVAL;
	if (n == 2) {
		idx = simhw_tdx_parse_leaf(w[1]);
		if (idx < 0)
			return -EINVAL;
	}

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	simhw_tdx_noent_remaining = k;
	simhw_tdx_noent_leaf = k ? idx : -1;
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return count;
}

static const struct file_operations simhw_tdx_no_entropy_fops = {
	.owner = THIS_MODULE,
	.open = simhw_tdx_no_entropy_open,
	.read = seq_read,
	.write = simhw_tdx_no_entropy_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/*
 * A SEAMCALL issued by hand, for tests of the module's refusals: "CPU LEAF
 * RCX RDX R8" (LEAF by name or number, registers in hex) runs it on CPU
 * with interrupts off, as the host core would; reading shows the last one
 * and its answer.  Counted and logged like any other SEAMCALL.
 */
struct simhw_tdx_raw {
	u64 leaf;
	struct simhw_seam_args args;
	u64 status;
	unsigned int cpu;
	bool valid;
};

static struct simhw_tdx_raw simhw_tdx_raw_last;
static DEFINE_MUTEX(simhw_tdx_raw_lock);

static void simhw_tdx_raw_call(void *data)
{
	struct simhw_tdx_raw *r = data;

	r->status = simhw_seamcall(r->leaf, &r->args);
}

static int simhw_tdx_seamcall_show(struct seq_file *m, void *unused)
{
	struct simhw_tdx_raw r;
	int idx;

	mutex_lock(&simhw_tdx_raw_lock);
	r = simhw_tdx_raw_last;
	mutex_unlock(&simhw_tdx_raw_lock);
	if (!r.valid) {
		seq_puts(m, "none\n");
		return 0;
	}
	idx = simhw_tdx_leaf_idx(r.leaf);
	seq_printf(m, "cpu=%u leaf=%s status=0x%016llx rcx=0x%llx rdx=0x%llx r8=0x%llx\n",
		   r.cpu, idx < 0 ? "unknown" : simhw_tdx_leaves[idx].name,
		   r.status, r.args.rcx, r.args.rdx, r.args.r8);
	return 0;
}

static int simhw_tdx_seamcall_open(struct inode *inode, struct file *file)
{
	return single_open(file, simhw_tdx_seamcall_show, inode->i_private);
}

static ssize_t simhw_tdx_seamcall_write(struct file *file,
					const char __user *ubuf,
					size_t count, loff_t *ppos)
{
	struct simhw_tdx_raw r = {};
	char buf[128], *w[5];
	int idx, ret;

	ret = simhw_tdx_get_cmd(ubuf, count, buf, sizeof(buf));
	if (ret)
		return ret;
	if (simhw_tdx_split(buf, w, 5) != 5)
		return -EINVAL;
	idx = simhw_tdx_parse_leaf(w[1]);
	if (kstrtouint(w[0], 10, &r.cpu) || r.cpu >= nr_cpu_ids || idx < 0 ||
	    kstrtou64(w[2], 16, &r.args.rcx) ||
	    kstrtou64(w[3], 16, &r.args.rdx) ||
	    kstrtou64(w[4], 16, &r.args.r8))
		return -EINVAL;
	r.leaf = simhw_tdx_leaves[idx].nr;

	mutex_lock(&simhw_tdx_raw_lock);
	ret = smp_call_function_single(r.cpu, simhw_tdx_raw_call, &r, 1);
	if (!ret) {
		r.valid = true;
		simhw_tdx_raw_last = r;
	}
	mutex_unlock(&simhw_tdx_raw_lock);
	return ret ? ret : count;
}

static const struct file_operations simhw_tdx_seamcall_fops = {
	.owner = THIS_MODULE,
	.open = simhw_tdx_seamcall_open,
	.read = seq_read,
	.write = simhw_tdx_seamcall_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int simhw_tdx_parse_version(const char *str, u16 ver[3]);

/* The module image a runtime update installs (T12): "M.m.u" or "none". */
static int simhw_tdx_update_image_show(struct seq_file *m, void *unused)
{
	unsigned long flags;
	bool staged;
	u16 v[3];

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	staged = simhw_tdx_image_staged;
	memcpy(v, simhw_tdx_image, sizeof(v));
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	if (staged)
		seq_printf(m, "%u.%u.%u\n", v[0], v[1], v[2]);
	else
		seq_puts(m, "none\n");
	return 0;
}

static int simhw_tdx_update_image_open(struct inode *inode, struct file *file)
{
	return single_open(file, simhw_tdx_update_image_show, inode->i_private);
}

static ssize_t simhw_tdx_update_image_write(struct file *file,
					    const char __user *ubuf,
					    size_t count, loff_t *ppos)
{
	unsigned long flags;
	char buf[32];
	bool staged;
	u16 v[3];
	int r;

	r = simhw_tdx_get_cmd(ubuf, count, buf, sizeof(buf));
	if (r)
		return r;
	staged = strcmp(buf, "none");
	if (staged && simhw_tdx_parse_version(buf, v))
		return -EINVAL;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	simhw_tdx_image_staged = staged;
	if (staged)
		memcpy(simhw_tdx_image, v, sizeof(v));
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return count;
}

static const struct file_operations simhw_tdx_update_image_fops = {
	.owner = THIS_MODULE,
	.open = simhw_tdx_update_image_open,
	.read = seq_read,
	.write = simhw_tdx_update_image_write,
	.llseek = seq_lseek,
	.release = single_release,
};

void simhw_tdx_debugfs_init(struct dentry *root)
{
	struct dentry *dir = debugfs_create_dir("tdx", root);

	debugfs_create_file("leaves", 0400, dir, NULL, &simhw_tdx_leaves_fops);
	debugfs_create_file("calls", 0400, dir, NULL, &simhw_tdx_calls_fops);
	debugfs_create_file("cpus", 0400, dir, NULL, &simhw_tdx_cpus_fops);
	debugfs_create_file("packages", 0400, dir, NULL,
			    &simhw_tdx_packages_fops);
	debugfs_create_file("state", 0400, dir, NULL, &simhw_tdx_state_fops);
	debugfs_create_file("tdmrs", 0400, dir, NULL, &simhw_tdx_tdmrs_fops);
	debugfs_create_file("cmrs", 0400, dir, NULL, &simhw_tdx_cmrs_fops);
	debugfs_create_file("fail_leaf", 0600, dir, NULL,
			    &simhw_tdx_fail_leaf_fops);
	debugfs_create_file("no_entropy", 0600, dir, NULL,
			    &simhw_tdx_no_entropy_fops);
	debugfs_create_file("seamcall", 0600, dir, NULL,
			    &simhw_tdx_seamcall_fops);
	debugfs_create_file("update_image", 0600, dir, NULL,
			    &simhw_tdx_update_image_fops);
}

/* ---- load and unload --------------------------------------------------- */

static int simhw_tdx_bad(const char *name, const char *what)
{
	pr_err("invalid %s: %s\n", name, what);
	return -EINVAL;
}

/* "major.minor.update", each 0-65535, into @ver. */
static int simhw_tdx_parse_version(const char *str, u16 ver[3])
{
	char buf[32], *s = buf, *w;
	int i;

	if (!str || strscpy(buf, str, sizeof(buf)) < 0)
		return -EINVAL;
	for (i = 0; i < 3; i++) {
		w = strsep(&s, ".");
		if (!w || kstrtou16(w, 10, &ver[i]))
			return -EINVAL;
	}
	return s ? -EINVAL : 0;
}

static int simhw_tdx_check_params(void)
{
	if (tdx_module != 0 && tdx_module != 1)
		return simhw_tdx_bad("tdx_module", "must be 0 or 1");
	if (tdx_seam != 0 && tdx_seam != 1)
		return simhw_tdx_bad("tdx_seam", "must be 0 or 1");
	if (!tdx_max_tdmrs || tdx_max_tdmrs > SIMHW_TDX_MAX_TDMRS)
		return simhw_tdx_bad("tdx_max_tdmrs", "must be 1-1024");
	if (!tdx_max_reserved || tdx_max_reserved > SIMHW_TDX_MAX_RESERVED)
		return simhw_tdx_bad("tdx_max_reserved", "must be 1-1024");
	if (!tdx_pamt_entry_4k || tdx_pamt_entry_4k > SIMHW_TDX_MAX_ENTRY)
		return simhw_tdx_bad("tdx_pamt_entry_4k", "must be 1-4096");
	if (!tdx_pamt_entry_2m || tdx_pamt_entry_2m > SIMHW_TDX_MAX_ENTRY)
		return simhw_tdx_bad("tdx_pamt_entry_2m", "must be 1-4096");
	if (!tdx_pamt_entry_1g || tdx_pamt_entry_1g > SIMHW_TDX_MAX_ENTRY)
		return simhw_tdx_bad("tdx_pamt_entry_1g", "must be 1-4096");
	if (simhw_tdx_parse_version(tdx_version, simhw_tdx_ver))
		return simhw_tdx_bad("tdx_version",
				     "must be major.minor.update, each 0-65535");
	if (!tdx_keyid_first || tdx_keyid_first >= SIMHW_TDX_KEYID_LIMIT)
		return simhw_tdx_bad("tdx_keyid_first", "must be 1-32767");
	if (!tdx_nr_keyids ||
	    tdx_nr_keyids > SIMHW_TDX_KEYID_LIMIT - tdx_keyid_first)
		return simhw_tdx_bad("tdx_nr_keyids",
				     "must be at least 1, and tdx_keyid_first + tdx_nr_keyids at most 32768");
	if (!tdx_tdmr_init_chunk_mb ||
	    tdx_tdmr_init_chunk_mb > SIMHW_TDX_MAX_CHUNK_MB)
		return simhw_tdx_bad("tdx_tdmr_init_chunk_mb",
				     "must be 1-16384");
	return 0;
}

int simhw_tdx_init(void)
{
	unsigned long flags;
	unsigned int cpu;
	int r;

	r = simhw_tdx_check_params();
	if (r)
		return r;
	simhw_tdx_entry[TDX_PS_4K] = tdx_pamt_entry_4k;
	simhw_tdx_entry[TDX_PS_2M] = tdx_pamt_entry_2m;
	simhw_tdx_entry[TDX_PS_1G] = tdx_pamt_entry_1g;

	r = simhw_tdx_read_cmrs();
	if (r)
		goto err;
	r = -ENOMEM;
	simhw_tdx_tdmrs = kcalloc(tdx_max_tdmrs, sizeof(*simhw_tdx_tdmrs),
				  GFP_KERNEL);
	simhw_tdx_pamts = kcalloc(tdx_max_tdmrs * TDX_PS_NR,
				  sizeof(*simhw_tdx_pamts), GFP_KERNEL);
	simhw_tdx_pkgs = kcalloc(nr_cpu_ids, sizeof(*simhw_tdx_pkgs),
				 GFP_KERNEL);
	if (!simhw_tdx_tdmrs || !simhw_tdx_pamts || !simhw_tdx_pkgs)
		goto err;

	raw_spin_lock_irqsave(&simhw_tdx_lock, flags);
	cpumask_copy(&simhw_tdx_bios_cpus, cpu_present_mask);
	for_each_cpu(cpu, &simhw_tdx_bios_cpus)
		simhw_tdx_find_pkg(simhw_tdx_pkg_of(cpu), true);
	raw_spin_unlock_irqrestore(&simhw_tdx_lock, flags);
	return 0;
err:
	simhw_tdx_exit();
	return r;
}

void simhw_tdx_exit(void)
{
	kfree(simhw_tdx_pkgs);
	kfree(simhw_tdx_pamts);
	kfree(simhw_tdx_tdmrs);
	kfree(simhw_tdx_cmrs);
	simhw_tdx_pkgs = NULL;
	simhw_tdx_pamts = NULL;
	simhw_tdx_tdmrs = NULL;
	simhw_tdx_cmrs = NULL;
	simhw_tdx_nr_cmrs = 0;
}
