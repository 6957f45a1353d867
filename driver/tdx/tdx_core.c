// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife_tdx: the TDX host core, modelled on the kernel's
 * arch/x86/virt/vmx/tdx/tdx.c.
 *
 * One state enum under one mutex (T1); the global and per-CPU module init
 * (T2, T3); the initialization sequence of T5 as one short function that
 * calls one function per step and unwinds in exact reverse (T6); SEAMCALL
 * error mapping (T7); the memory-online refusal (T8); the boot-time
 * choice between TDX and hibernation, and ACPI S3 disabled (T10); the TD
 * KeyID pool (T9).  The SEAMCALLs go to the emulated TDX module in
 * virtlife_simhw.ko.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/memory.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/percpu.h>
#include <linux/pfn.h>
#include <linux/platform_device.h>
#include <linux/pm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/stop_machine.h>
#include <linux/suspend.h>
#include <linux/topology.h>
#include <linux/wait.h>
#include <asm/io.h>
#include <asm/smp.h>

#include "simhw.h"
#include "tdx_core.h"

/* TDX_RND_NO_ENTROPY: at most this many calls in all (RDRAND_RETRY_LOOPS). */
#define TDX_SEAMCALL_TRIES	10

/* The KeyID partitioning, read once at load (the kernel: at boot). */
bool tdx_platform;
u32 tdx_keyid_first;
u32 tdx_nr_keyids;
u32 tdx_global_keyid;

static DEFINE_IDA(tdx_guest_keyid_pool);
atomic_t tdx_guest_keyids_in_use = ATOMIC_INIT(0);

/* T1: the state machine. */
DEFINE_MUTEX(tdx_module_lock);
enum virtlife_tdx_status tdx_module_status;
int tdx_module_error;
u64 tdx_init_time_us;
u64 tdx_updates;		/* completed runtime updates (T12) */
struct tdx_sysinfo tdx_sysinfo;
struct tdx_tdmr_list tdx_tdmr_list;

/* Set between PM_*_PREPARE and PM_POST_*: no initialization then. */
static bool tdx_pm_transition;

/* T10: set at load on a TDX platform; ACPI S3 refused until unload. */
bool tdx_s3_disabled;
bool tdx_off_for_hibernation;

/*
 * The TDX memory list, read by the memory-online notifier.  Memory
 * onlining is held off while it is built: see tdx_mem_hotplug_hold().
 */
DEFINE_MUTEX(tdx_mem_lock);
LIST_HEAD(tdx_memlist);
static bool tdx_mem_onlining;
static DECLARE_WAIT_QUEUE_HEAD(tdx_mem_wq);

/* T2: the TDH.SYS.INIT result, cached for every later caller. */
static DEFINE_RAW_SPINLOCK(tdx_sysinit_lock);
static bool tdx_sysinit_done;
static int tdx_sysinit_ret;

/* T3: set once TDH.SYS.LP.INIT succeeded on the CPU; never cleared. */
static DEFINE_PER_CPU(bool, tdx_lp_initialized);

/*
 * T11: set by every SEAMCALL, cleared by the CPU's WBINVD: the CPU's
 * caches may hold TDX private lines, which must be written back before it
 * goes offline or the machine kexecs (the kernel's cache_state_incoherent).
 */
static DEFINE_PER_CPU(bool, tdx_cache_incoherent);

/* ---- SEAMCALLs ------------------------------------------------------------ */

/*
 * Issues @leaf on this CPU; a lack of entropy is transient and retried,
 * with the inputs restored, up to TDX_SEAMCALL_TRIES calls in all.
 */
static u64 tdx_seamcall_retry(u64 leaf, struct simhw_seam_args *args)
{
	const struct simhw_seam_args in = *args;
	int tries = TDX_SEAMCALL_TRIES;
	u64 sret;

	do {
		*args = in;
		preempt_disable();
		this_cpu_write(tdx_cache_incoherent, true);
		sret = simhw_seamcall(leaf, args);
		preempt_enable();
	} while (sret == TDX_RND_NO_ENTROPY && --tries);
	return sret;
}

/*
 * The kernel's failure message, word for word (seamcall_err() and, for the
 * leaves with outputs, seamcall_err_ret()): tools/tdx-diagnose decodes
 * these lines the same on a real host and here.  The emulator has no
 * R10/R11, so the second register line is left out.
 */
static void tdx_seamcall_err(u64 leaf, u64 sret, const struct simhw_seam_args *args)
{
	pr_err("SEAMCALL (0x%016llx) failed: 0x%016llx\n", leaf, sret);
	if (TDX_LEAF_NR(leaf) == TDH_SYS_RD || TDX_LEAF_NR(leaf) == TDH_SYS_TDMR_INIT)
		pr_err("RCX 0x%016llx RDX 0x%016llx R08 0x%016llx\n",
		       args->rcx, args->rdx, args->r8);
}

/* T7: a SEAMCALL's status as an errno. */
static int tdx_seamcall(u64 leaf, struct simhw_seam_args *args)
{
	u64 sret = tdx_seamcall_retry(leaf, args);

	switch (sret) {
	case TDX_SUCCESS:
		return 0;
	case TDX_SEAMCALL_VMFAILINVALID:
		return -ENODEV;
	case TDX_SEAMCALL_GP:
		return -EOPNOTSUPP;
	case TDX_SEAMCALL_UD:
		return -EACCES;
	}
	tdx_seamcall_err(leaf, sret, args);
	return -EIO;
}

/* ---- per-CPU init (T2, T3) ---------------------------------------------- */

/* TDH.SYS.INIT once, on whichever CPU comes first; its result is kept. */
static int tdx_sys_init_once(void)
{
	struct simhw_seam_args args = {};
	int ret;

	raw_spin_lock(&tdx_sysinit_lock);
	if (!tdx_sysinit_done) {
		tdx_sysinit_ret = tdx_seamcall(TDH_SYS_INIT, &args);
		/* The first SEAMCALL is also where a missing module shows. */
		if (tdx_sysinit_ret == -ENODEV)
			pr_err("module not loaded\n");
		tdx_sysinit_done = true;
	}
	ret = tdx_sysinit_ret;
	raw_spin_unlock(&tdx_sysinit_lock);
	return ret;
}

bool tdx_sys_init_result(int *ret)
{
	unsigned long flags;
	bool done;

	raw_spin_lock_irqsave(&tdx_sysinit_lock, flags);
	done = tdx_sysinit_done;
	*ret = tdx_sysinit_ret;
	raw_spin_unlock_irqrestore(&tdx_sysinit_lock, flags);
	return done;
}

bool tdx_cpu_lp_initialized(unsigned int cpu)
{
	return READ_ONCE(per_cpu(tdx_lp_initialized, cpu));
}

int virtlife_tdx_cpu_enable(void)
{
	struct simhw_seam_args args = {};
	int ret;

	if (!tdx_platform)
		return -ENODEV;

	lockdep_assert_irqs_disabled();

	if (__this_cpu_read(tdx_lp_initialized))
		return 0;

	/* A module in ERROR (a failed update) gets no SEAMCALL any more (T1). */
	if (READ_ONCE(tdx_module_status) == VIRTLIFE_TDX_ERROR)
		return -EINVAL;

	ret = tdx_sys_init_once();
	if (ret)
		return ret;

	ret = tdx_seamcall(TDH_SYS_LP_INIT, &args);
	if (ret)
		return ret;

	__this_cpu_write(tdx_lp_initialized, true);
	return 0;
}
EXPORT_SYMBOL_GPL(virtlife_tdx_cpu_enable);

/*
 * T3: the module counts the CPUs the BIOS enabled and refuses SYS.CONFIG
 * until every one of them did LP.INIT (and LP.INIT after CONFIG): with a
 * present CPU offline the initialization can only fail, and failing is
 * final for the boot.  Refuse before the first SEAMCALL instead, so that
 * onlining the CPUs and asking again succeeds.  The caller holds the CPU
 * hotplug lock; once initialized, offline CPUs do not matter.
 */
/* -EBUSY, naming them, while a present CPU is offline; @what is refused. */
static int tdx_refuse_offline_cpus(const char *what)
{
	cpumask_var_t offline;
	int ret = 0;

	if (!zalloc_cpumask_var(&offline, GFP_KERNEL))
		return -ENOMEM;
	cpumask_andnot(offline, cpu_present_mask, cpu_online_mask);
	if (!cpumask_empty(offline)) {
		pr_warn("%s refused: CPU %*pbl present but offline (the module needs every CPU); online it and retry\n",
			what, cpumask_pr_args(offline));
		ret = -EBUSY;
	}
	free_cpumask_var(offline);
	return ret;
}

int virtlife_tdx_check_cpus(void)
{
	if (READ_ONCE(tdx_module_status) != VIRTLIFE_TDX_UNINITIALIZED)
		return 0;
	return tdx_refuse_offline_cpus("initialization");
}
EXPORT_SYMBOL_GPL(virtlife_tdx_check_cpus);

/*
 * T11: after the CPU's last SEAMCALL, before it goes offline (or kexecs):
 * write back what the SEAMCALLs may have left in its caches.  On the CPU,
 * preemption disabled: the flag and the WBINVD must be the same CPU's.
 */
void virtlife_tdx_cpu_flush_cache(void)
{
	lockdep_assert_preemption_disabled();

	if (!this_cpu_read(tdx_cache_incoherent))
		return;
	simhw_cpu_wbinvd(smp_processor_id());
	this_cpu_write(tdx_cache_incoherent, false);
}
EXPORT_SYMBOL_GPL(virtlife_tdx_cpu_flush_cache);

/*
 * Retried while the module is busy with another TDH.SYS.* call or was
 * interrupted: both promise progress.  Software errors (no module, #UD,
 * #GP) are the platform's answer, not a failure worth a line.
 */
void virtlife_tdx_sys_disable(void)
{
	struct simhw_seam_args args;
	u64 sret;

	lockdep_assert_preemption_disabled();

	do {
		memset(&args, 0, sizeof(args));
		this_cpu_write(tdx_cache_incoherent, true);
		sret = simhw_seamcall(TDH_SYS_DISABLE, &args);
	} while (sret == TDX_INTERRUPTED_RESUMABLE || sret == TDX_SYS_BUSY);

	if (sret && (sret & TDX_SW_ERROR) != TDX_SW_ERROR)
		pr_err("TDH.SYS.DISABLE failed: 0x%016llx\n", sret);
}
EXPORT_SYMBOL_GPL(virtlife_tdx_sys_disable);

static void tdx_flush_cache_ipi(void *unused)
{
	virtlife_tdx_cpu_flush_cache();
}

/* ---- T5 steps that talk to the module ----------------------------------- */

static int tdx_read_md(u64 field_id, u64 *val)
{
	struct simhw_seam_args args = { .rdx = field_id };
	int ret;

	ret = tdx_seamcall(TDH_SYS_RD, &args);
	if (!ret)
		*val = args.r8;
	return ret;
}

static int tdx_read_md16(u64 field_id, u16 *val)
{
	u64 v;
	int ret;

	ret = tdx_read_md(field_id, &v);
	if (ret)
		return ret;
	if (v > U16_MAX) {
		pr_err("metadata field 0x%016llx: value 0x%llx out of range\n",
		       field_id, v);
		return -EINVAL;
	}
	*val = v;
	return 0;
}

/* TDH.SYS.RD: the TDMR limits, PAMT entry sizes, features, version. */
static int tdx_read_sysinfo(struct tdx_sysinfo *si)
{
	int ret;

	ret = tdx_read_md16(MD_FIELD_ID_MAX_TDMRS, &si->max_tdmrs) ?:
	      tdx_read_md16(MD_FIELD_ID_MAX_RESERVED_PER_TDMR,
			    &si->max_reserved_per_tdmr) ?:
	      tdx_read_md16(MD_FIELD_ID_PAMT_4K_ENTRY_SIZE,
			    &si->pamt_entry_size[TDX_PS_4K]) ?:
	      tdx_read_md16(MD_FIELD_ID_PAMT_2M_ENTRY_SIZE,
			    &si->pamt_entry_size[TDX_PS_2M]) ?:
	      tdx_read_md16(MD_FIELD_ID_PAMT_1G_ENTRY_SIZE,
			    &si->pamt_entry_size[TDX_PS_1G]) ?:
	      tdx_read_md(MD_FIELD_ID_TDX_FEATURES0, &si->features0) ?:
	      tdx_read_md16(MD_FIELD_ID_MAJOR_VERSION, &si->major) ?:
	      tdx_read_md16(MD_FIELD_ID_MINOR_VERSION, &si->minor) ?:
	      tdx_read_md16(MD_FIELD_ID_UPDATE_VERSION, &si->update);
	if (ret)
		return ret;

	if (!si->max_tdmrs || !si->max_reserved_per_tdmr ||
	    !si->pamt_entry_size[TDX_PS_4K] ||
	    !si->pamt_entry_size[TDX_PS_2M] ||
	    !si->pamt_entry_size[TDX_PS_1G]) {
		pr_err("module metadata invalid: a TDMR limit or PAMT entry size is 0\n");
		return -EINVAL;
	}
	pr_info("module %u.%u.%u: max %u TDMRs, %u reserved areas each, features0 0x%llx\n",
		si->major, si->minor, si->update, si->max_tdmrs,
		si->max_reserved_per_tdmr, si->features0);
	return 0;
}

static int tdx_check_features(const struct tdx_sysinfo *si)
{
	if (!(si->features0 & TDX_FEATURES0_NO_RBP_MOD)) {
		pr_err("frame pointer (RBP) clobber bug present, upgrade TDX module\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * TDH.SYS.CONFIG: the TDMR list, as an array of the TDMR_INFO physical
 * addresses (512-byte aligned: a power-of-two kmalloc of at least 512
 * bytes is aligned to its size), and the global KeyID.
 */
static int tdx_config_module(const struct tdx_tdmr_list *list, u32 keyid)
{
	struct simhw_seam_args args = {};
	size_t array_sz;
	u64 *pa_array;
	int i, ret;

	array_sz = max_t(size_t, TDMR_INFO_PA_ARRAY_ALIGNMENT,
			 roundup_pow_of_two(list->nr_tdmrs * sizeof(u64)));
	pa_array = kzalloc(array_sz, GFP_KERNEL);
	if (!pa_array)
		return -ENOMEM;
	for (i = 0; i < list->nr_tdmrs; i++)
		pa_array[i] = virt_to_phys(tdx_tdmr_entry(list, i));

	args.rcx = virt_to_phys(pa_array);
	args.rdx = list->nr_tdmrs;
	args.r8 = keyid;
	ret = tdx_seamcall(TDH_SYS_CONFIG, &args);

	kfree(pa_array);
	return ret;
}

/*
 * The PAMTs were written (zeroed) with KeyID 0, and caches are not
 * coherent across KeyIDs: write back and invalidate every CPU's caches
 * before the module uses them with the global KeyID.
 */
static int tdx_flush_caches(void)
{
	return wbinvd_on_all_cpus();
}

static int tdx_do_key_config(void *unused)
{
	struct simhw_seam_args args = {};

	return tdx_seamcall(TDH_SYS_KEY_CONFIG, &args);
}

/* Whether @cpu is the first online CPU of its package. */
static bool tdx_first_cpu_of_package(unsigned int cpu)
{
	unsigned int other;

	for_each_online_cpu(other) {
		if (other == cpu)
			return true;
		if (topology_physical_package_id(other) ==
		    topology_physical_package_id(cpu))
			return false;
	}
	return false;
}

/*
 * TDH.SYS.KEY.CONFIG programs the global KeyID on the package of the CPU
 * that runs it: once per package, on a CPU of that package, one package
 * at a time (the module refuses concurrent calls).  A package without an
 * online CPU stays unconfigured and TDMR.INIT then fails.
 */
static int tdx_config_global_keyid(void)
{
	unsigned int cpu;
	int ret = 0;

	for_each_online_cpu(cpu) {
		if (!tdx_first_cpu_of_package(cpu))
			continue;
		ret = smp_call_on_cpu(cpu, tdx_do_key_config, NULL, true);
		if (ret)
			break;
	}
	return ret;
}

/*
 * TDH.SYS.TDMR.INIT initializes a part of the TDMR per call, so that no
 * call runs long; RDX says where the next call starts.
 */
static int tdx_init_tdmr(const struct tdmr_info *tdmr)
{
	u64 next = tdmr->base;

	do {
		struct simhw_seam_args args = { .rcx = tdmr->base };
		u64 prev = next;
		int ret;

		ret = tdx_seamcall(TDH_SYS_TDMR_INIT, &args);
		if (ret)
			return ret;
		next = args.rdx;
		if (next <= prev) {
			pr_err("SEAMCALL (SYS.TDMR.INIT) made no progress at 0x%llx\n",
			       next);
			return -EIO;
		}
		cond_resched();
	} while (next < tdx_tdmr_end(tdmr));
	return 0;
}

static int tdx_init_tdmrs(const struct tdx_tdmr_list *list)
{
	int i, ret;

	for (i = 0; i < list->nr_tdmrs; i++) {
		ret = tdx_init_tdmr(tdx_tdmr_entry(list, i));
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- memory hotplug (T8) -------------------------------------------------- */

/*
 * Memory onlining held off: the kernel takes get_online_mems(), which
 * modules cannot.  Here the memory-online notifier takes tdx_mem_lock at
 * MEM_GOING_ONLINE, so holding it keeps new onlines waiting; an online
 * already past that point is waited for, so that the list sees its pages.
 * Onlines are serialized by the memory hotplug lock: one flag is enough.
 */
static void tdx_mem_hotplug_hold(void)
{
	mutex_lock(&tdx_mem_lock);
	while (tdx_mem_onlining) {
		mutex_unlock(&tdx_mem_lock);
		wait_event(tdx_mem_wq, !READ_ONCE(tdx_mem_onlining));
		mutex_lock(&tdx_mem_lock);
	}
}

static void tdx_mem_hotplug_release(void)
{
	mutex_unlock(&tdx_mem_lock);
}

/*
 * Once the module is initialized its memory configuration is fixed: memory
 * outside the TDX memory list may not come online.  An empty list means
 * TDX is not initialized and anything may.
 */
static int tdx_memory_notifier(struct notifier_block *nb,
			       unsigned long action, void *data)
{
	struct memory_notify *mn = data;
	int ret = NOTIFY_OK;

	switch (action) {
	case MEM_GOING_ONLINE:
		mutex_lock(&tdx_mem_lock);
		if (!list_empty(&tdx_memlist) &&
		    !tdx_memlist_covers(&tdx_memlist, mn->start_pfn,
					mn->start_pfn + mn->nr_pages)) {
			pr_warn("memory online refused: [0x%llx, 0x%llx) is not TDX memory\n",
				PFN_PHYS(mn->start_pfn),
				PFN_PHYS(mn->start_pfn + mn->nr_pages));
			ret = NOTIFY_BAD;
		} else {
			WRITE_ONCE(tdx_mem_onlining, true);
		}
		mutex_unlock(&tdx_mem_lock);
		break;
	case MEM_ONLINE:
	case MEM_CANCEL_ONLINE:
		mutex_lock(&tdx_mem_lock);
		WRITE_ONCE(tdx_mem_onlining, false);
		mutex_unlock(&tdx_mem_lock);
		wake_up_all(&tdx_mem_wq);
		break;
	}
	return ret;
}

static struct notifier_block tdx_memory_nb = {
	.notifier_call = tdx_memory_notifier,
};

/* ---- initialization (T5, T6) -------------------------------------------- */

/* What one initialization builds; published only when it succeeds. */
struct tdx_init_ctx {
	struct list_head memlist;
	struct tdx_tdmr_list tdmrs;
	enum tdx_step fail_step;
	int fail_err;
};

/* fail_step: the armed step fails with the armed errno, without running. */
static int tdx_fault(const struct tdx_init_ctx *ctx, enum tdx_step step)
{
	if (ctx->fail_step != step)
		return 0;
	pr_info("fail_step: %s fails with %d\n", tdx_step_name(step),
		ctx->fail_err);
	return ctx->fail_err;
}

static int init_tdx_module(void)
{
	struct tdx_init_ctx ctx = {};
	int ret;

	INIT_LIST_HEAD(&ctx.memlist);
	ctx.fail_step = tdx_fail_step_take(&ctx.fail_err);

	ret = tdx_read_sysinfo(&tdx_sysinfo);
	if (ret)
		return ret;

	ret = tdx_check_features(&tdx_sysinfo);
	if (ret)
		return ret;

	/* The list must cover every page the allocator holds: no onlining. */
	tdx_mem_hotplug_hold();

	ret = tdx_fault(&ctx, TDX_STEP_MEMLIST) ?:
	      tdx_build_memlist(&ctx.memlist);
	if (ret)
		goto out_release;

	ret = tdx_alloc_tdmr_list(&ctx.tdmrs, &tdx_sysinfo);
	if (ret)
		goto err_free_memlist;

	ret = tdx_fault(&ctx, TDX_STEP_TDMRS) ?:
	      tdx_construct_tdmrs(&ctx.memlist, &ctx.tdmrs);
	if (ret)
		goto err_free_tdmrs;

	ret = tdx_fault(&ctx, TDX_STEP_PAMT) ?:
	      tdx_alloc_pamts(&ctx.tdmrs, &ctx.memlist, &tdx_sysinfo);
	if (ret)
		goto err_free_tdmrs;

	ret = tdx_fault(&ctx, TDX_STEP_RESERVED) ?:
	      tdx_set_reserved_areas(&ctx.tdmrs, &ctx.memlist, &tdx_sysinfo);
	if (ret)
		goto err_free_pamts;

	ret = tdx_config_module(&ctx.tdmrs, tdx_global_keyid);
	if (ret)
		goto err_free_pamts;

	ret = tdx_fault(&ctx, TDX_STEP_FLUSH) ?: tdx_flush_caches();
	if (ret)
		goto err_reset_pamts;

	ret = tdx_config_global_keyid();
	if (ret)
		goto err_reset_pamts;

	ret = tdx_init_tdmrs(&ctx.tdmrs);
	if (ret)
		goto err_reset_pamts;

	pr_info("%llu KB allocated for PAMT\n",
		tdx_pamt_bytes(&ctx.tdmrs, -1) / 1024);
	list_splice_init(&ctx.memlist, &tdx_memlist);
	tdx_tdmr_list = ctx.tdmrs;
out_release:
	tdx_mem_hotplug_release();
	return ret;

err_reset_pamts:
	/* The module may have written PAMTs: flush, then clear them. */
	wbinvd_on_all_cpus();
	tdx_reset_pamts(&ctx.tdmrs);
err_free_pamts:
	tdx_free_pamts(&ctx.tdmrs);
err_free_tdmrs:
	tdx_free_tdmr_list(&ctx.tdmrs);
err_free_memlist:
	tdx_free_memlist(&ctx.memlist);
	goto out_release;
}

static int __tdx_enable(void)
{
	ktime_t start = ktime_get();
	int ret;

	ret = init_tdx_module();
	tdx_init_time_us = ktime_us_delta(ktime_get(), start);
	if (ret) {
		pr_err("module initialization failed (%d)\n", ret);
		tdx_module_error = ret;
		WRITE_ONCE(tdx_module_status, VIRTLIFE_TDX_ERROR);
		return ret;
	}

	pr_info("module initialized in %llu ms\n", tdx_init_time_us / 1000);
	WRITE_ONCE(tdx_module_status, VIRTLIFE_TDX_INITIALIZED);
	return 0;
}

/*
 * The caller holds the CPU hotplug read lock (cpus_read_lock(); the
 * kernel's lockdep_assert_cpus_held() is not exported to modules) and has
 * done virtualization enable and virtlife_tdx_cpu_enable() on every online
 * CPU.
 */
int virtlife_tdx_enable(void)
{
	int ret;

	if (!tdx_platform)
		return -ENODEV;

	mutex_lock(&tdx_module_lock);
	switch (tdx_module_status) {
	case VIRTLIFE_TDX_UNINITIALIZED:
		if (tdx_pm_transition) {
			pr_warn("initialization refused: suspend or hibernation in progress\n");
			ret = -EBUSY;
			break;
		}
		ret = virtlife_tdx_check_cpus() ?: __tdx_enable();
		break;
	case VIRTLIFE_TDX_INITIALIZED:
		ret = 0;
		break;
	default:
		/* A failed initialization is final. */
		ret = -EINVAL;
		break;
	}
	mutex_unlock(&tdx_module_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(virtlife_tdx_enable);

enum virtlife_tdx_status virtlife_tdx_status(void)
{
	return READ_ONCE(tdx_module_status);
}
EXPORT_SYMBOL_GPL(virtlife_tdx_status);

int virtlife_tdx_error(void)
{
	return READ_ONCE(tdx_module_status) == VIRTLIFE_TDX_ERROR ?
		READ_ONCE(tdx_module_error) : 0;
}
EXPORT_SYMBOL_GPL(virtlife_tdx_error);

/* ---- runtime module update (T12) ------------------------------------------ */

enum tdx_update_step {
	TDX_UPDATE_CPUS,
	TDX_UPDATE_SHUTDOWN,
	TDX_UPDATE_INSTALL,
	TDX_UPDATE_CPU_INIT,
	TDX_UPDATE_UPDATE,
	TDX_UPDATE_NR_STEPS
};

static const char * const tdx_update_step_names[TDX_UPDATE_NR_STEPS] = {
	[TDX_UPDATE_CPUS] = "every CPU online",
	[TDX_UPDATE_SHUTDOWN] = "TDH.SYS.SHUTDOWN",
	[TDX_UPDATE_INSTALL] = "SEAMLDR.INSTALL",
	[TDX_UPDATE_CPU_INIT] = "SYS.INIT and LP.INIT of the new module",
	[TDX_UPDATE_UPDATE] = "TDH.SYS.UPDATE",
};

/* One update at a time; taken outside the CPU hotplug lock. */
static DEFINE_MUTEX(tdx_update_lock);

/* One update, shared by every CPU inside stop_machine(). */
struct tdx_update_ctx {
	raw_spinlock_t lock;		/* serializes the INSTALLs */
	atomic_t done[TDX_UPDATE_NR_STEPS];	/* CPUs past each step */
	unsigned int nr_cpus;
	unsigned int boss;		/* runs the one-CPU steps */
	int failed_step;		/* -1, or the first step that failed */
	int err;
};

static void tdx_update_failed(struct tdx_update_ctx *c, int step, int err)
{
	raw_spin_lock(&c->lock);
	if (c->failed_step < 0) {
		c->failed_step = step;
		c->err = err;
	}
	raw_spin_unlock(&c->lock);
}

static bool tdx_update_ok(struct tdx_update_ctx *c)
{
	return READ_ONCE(c->failed_step) < 0;
}

/* Every CPU waits here until every CPU finished @step. */
static void tdx_update_sync(struct tdx_update_ctx *c, int step)
{
	atomic_inc(&c->done[step]);
	while (atomic_read(&c->done[step]) < c->nr_cpus)
		cpu_relax();
}

/*
 * SHUTDOWN made the old module hand off its state; the new one starts
 * from nothing, so the software state of the old one goes: SYS.INIT not
 * done, no CPU LP-initialized (the kernel's tdx_module_shutdown()).
 */
static void tdx_reset_module_state(void)
{
	unsigned int cpu;

	raw_spin_lock(&tdx_sysinit_lock);
	tdx_sysinit_done = false;
	tdx_sysinit_ret = 0;
	raw_spin_unlock(&tdx_sysinit_lock);
	for_each_possible_cpu(cpu)
		per_cpu(tdx_lp_initialized, cpu) = false;
}

static int tdx_module_shutdown(void)
{
	struct simhw_seam_args args = {};
	int ret;

	ret = tdx_seamcall(TDH_SYS_SHUTDOWN, &args);
	if (!ret)
		tdx_reset_module_state();
	return ret;
}

static int tdx_seamldr_install(void)
{
	struct simhw_seam_args args = {};

	return tdx_seamcall(P_SEAMCALL_SEAMLDR_INSTALL, &args);
}

static int tdx_module_run_update(void)
{
	struct simhw_seam_args args = {};

	return tdx_seamcall(TDH_SYS_UPDATE, &args);
}

/*
 * On every online CPU, interrupts off, no task running anywhere: the
 * steps in order, each finished on every CPU before the next starts.
 * After a failure the other CPUs only pass the barriers.
 */
static int tdx_update_cpu(void *data)
{
	struct tdx_update_ctx *c = data;
	bool boss = smp_processor_id() == c->boss;
	int r;

	/* No CPU may miss the new module's LP.INIT (T3). */
	if (boss && !cpumask_subset(cpu_present_mask, cpu_online_mask))
		tdx_update_failed(c, TDX_UPDATE_CPUS, -EBUSY);
	tdx_update_sync(c, TDX_UPDATE_CPUS);

	if (boss && tdx_update_ok(c)) {
		r = tdx_module_shutdown();
		if (r)
			tdx_update_failed(c, TDX_UPDATE_SHUTDOWN, r);
	}
	tdx_update_sync(c, TDX_UPDATE_SHUTDOWN);

	/* The P-SEAMLDR installs on one CPU at a time. */
	if (tdx_update_ok(c)) {
		raw_spin_lock(&c->lock);
		r = tdx_seamldr_install();
		raw_spin_unlock(&c->lock);
		if (r)
			tdx_update_failed(c, TDX_UPDATE_INSTALL, r);
	}
	tdx_update_sync(c, TDX_UPDATE_INSTALL);

	if (tdx_update_ok(c)) {
		r = virtlife_tdx_cpu_enable();
		if (r)
			tdx_update_failed(c, TDX_UPDATE_CPU_INIT, r);
	}
	tdx_update_sync(c, TDX_UPDATE_CPU_INIT);

	if (boss && tdx_update_ok(c)) {
		r = tdx_module_run_update();
		if (r)
			tdx_update_failed(c, TDX_UPDATE_UPDATE, r);
	}
	return 0;
}

/*
 * T12: replaces the initialized module by the image the platform holds,
 * with every CPU stopped: SHUTDOWN, INSTALL on every CPU, SYS.INIT and
 * LP.INIT again on every CPU, UPDATE.  The TDMRs, PAMTs and keys are
 * handed over: TDs and their KeyIDs survive.  A failure after SHUTDOWN
 * leaves no usable module: ERROR, with the step in the log.  The caller
 * holds no CPU hotplug lock (stop_machine() takes it) and has
 * virtualization on every CPU (a TDX session).
 */
int virtlife_tdx_update(void)
{
	struct tdx_update_ctx ctx = { .failed_step = -1 };
	int ret;

	if (!tdx_platform)
		return -ENODEV;

	/*
	 * Not under tdx_module_lock: stop_machine() takes the CPU hotplug
	 * lock, which requests hold while they take tdx_module_lock.  Inside
	 * stop_machine() nothing else runs; before it and after it the module
	 * is an initialized one, old or new.
	 */
	mutex_lock(&tdx_update_lock);
	ret = READ_ONCE(tdx_module_status) == VIRTLIFE_TDX_INITIALIZED ?
	      tdx_refuse_offline_cpus("module update") : -EINVAL;
	if (ret)
		goto out;

	raw_spin_lock_init(&ctx.lock);
	cpus_read_lock();
	ctx.nr_cpus = num_online_cpus();
	ctx.boss = cpumask_first(cpu_online_mask);
	cpus_read_unlock();
	/* (A CPU that comes or goes in between fails the CPUs step.) */
	stop_machine(tdx_update_cpu, &ctx, cpu_online_mask);

	if (ctx.failed_step == TDX_UPDATE_CPUS) {
		ret = -EBUSY;
		pr_warn("module update refused: CPUs changed; retry\n");
		goto out;
	}
	mutex_lock(&tdx_module_lock);
	if (ctx.failed_step >= 0) {
		ret = ctx.err;
		pr_err("module update failed at %s (%d): no usable module for the rest of the boot\n",
		       tdx_update_step_names[ctx.failed_step], ret);
		tdx_module_error = ret;
		WRITE_ONCE(tdx_module_status, VIRTLIFE_TDX_ERROR);
	} else {
		ret = tdx_read_md16(MD_FIELD_ID_MAJOR_VERSION, &tdx_sysinfo.major) ?:
		      tdx_read_md16(MD_FIELD_ID_MINOR_VERSION, &tdx_sysinfo.minor) ?:
		      tdx_read_md16(MD_FIELD_ID_UPDATE_VERSION, &tdx_sysinfo.update);
		WARN_ON_ONCE(ret);
		tdx_updates++;
		pr_info("module updated to %u.%u.%u\n", tdx_sysinfo.major,
			tdx_sysinfo.minor, tdx_sysinfo.update);
	}
	mutex_unlock(&tdx_module_lock);
out:
	mutex_unlock(&tdx_update_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(virtlife_tdx_update);

/* ---- TD KeyIDs (T9) ------------------------------------------------------ */

/* The first TDX KeyID is the global one; TDs get the others. */
int virtlife_tdx_guest_keyid_alloc(void)
{
	int keyid;

	if (READ_ONCE(tdx_module_status) != VIRTLIFE_TDX_INITIALIZED)
		return -EINVAL;

	keyid = ida_alloc_range(&tdx_guest_keyid_pool, tdx_global_keyid + 1,
				tdx_keyid_first + tdx_nr_keyids - 1,
				GFP_KERNEL);
	if (keyid >= 0)
		atomic_inc(&tdx_guest_keyids_in_use);
	return keyid;
}
EXPORT_SYMBOL_GPL(virtlife_tdx_guest_keyid_alloc);

void virtlife_tdx_guest_keyid_free(unsigned int keyid)
{
	if (!tdx_platform || keyid <= tdx_global_keyid ||
	    keyid >= tdx_keyid_first + tdx_nr_keyids) {
		pr_err("guest KeyID %u freed: not a guest KeyID\n", keyid);
		return;
	}
	ida_free(&tdx_guest_keyid_pool, keyid);
	atomic_dec(&tdx_guest_keyids_in_use);
}
EXPORT_SYMBOL_GPL(virtlife_tdx_guest_keyid_free);

bool virtlife_tdx_keyids_in_use(void)
{
	return atomic_read(&tdx_guest_keyids_in_use) > 0;
}
EXPORT_SYMBOL_GPL(virtlife_tdx_keyids_in_use);

/* ---- suspend and hibernation (T10) -------------------------------------- */

/*
 * TDX does not survive ACPI S3 (the memory controller loses the keys) nor
 * hibernation (the image holds TDX private memory).  So, as the kernel's
 * tdx_init() does at boot: TDX is off for the boot while hibernation is
 * possible; otherwise S3 is disabled for the boot, whether or not the
 * module is ever initialized.  s2idle keeps both and stays allowed.
 *
 * hibernation_available() is not exported; /sys/power/state lists "disk"
 * exactly when it is true (and the file is absent without CONFIG_PM_SLEEP).
 */
static bool tdx_hibernation_available(void)
{
	char buf[128] = {};
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = filp_open("/sys/power/state", O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f) != -ENOENT;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n < 0) {
		pr_warn("cannot read /sys/power/state (%zd): hibernation assumed available\n",
			n);
		return true;
	}
	return strstr(buf, "disk");
}

/*
 * The kernel sets acpi_suspend_lowlevel = NULL, so that S3 fails when the
 * platform would enter it.  A module cannot; this device refuses S3 at
 * the first device callback instead, before any device is suspended.
 */
static int tdx_host_prepare(struct device *dev)
{
	if (tdx_s3_disabled && pm_suspend_target_state == PM_SUSPEND_MEM) {
		dev_warn(dev, "ACPI S3 disabled on this TDX platform\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

static const struct dev_pm_ops tdx_host_pm_ops = {
	.prepare = tdx_host_prepare,
};

static struct platform_driver tdx_host_driver = {
	.driver = {
		.name = "virtlife_tdx_host",
		.pm = &tdx_host_pm_ops,
	},
};

static struct platform_device *tdx_host_dev;

static int tdx_host_device_add(void)
{
	int ret = platform_driver_register(&tdx_host_driver);

	if (ret)
		return ret;
	tdx_host_dev = platform_device_register_simple("virtlife_tdx_host",
						       PLATFORM_DEVID_NONE,
						       NULL, 0);
	if (IS_ERR(tdx_host_dev)) {
		platform_driver_unregister(&tdx_host_driver);
		return PTR_ERR(tdx_host_dev);
	}
	return 0;
}

static void tdx_host_device_remove(void)
{
	platform_device_unregister(tdx_host_dev);
	platform_driver_unregister(&tdx_host_driver);
}

/* No initialization may start between PM_*_PREPARE and PM_POST_*. */
static int tdx_pm_notifier(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	switch (action) {
	case PM_SUSPEND_PREPARE:
	case PM_HIBERNATION_PREPARE:
		mutex_lock(&tdx_module_lock);
		tdx_pm_transition = true;
		mutex_unlock(&tdx_module_lock);
		break;
	case PM_POST_SUSPEND:
	case PM_POST_HIBERNATION:
		mutex_lock(&tdx_module_lock);
		tdx_pm_transition = false;
		mutex_unlock(&tdx_module_lock);
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block tdx_pm_nb = {
	.notifier_call = tdx_pm_notifier,
};

/* ---- load and unload ("boot" and "power off" of the platform) ------------ */

static void tdx_read_keyids(void)
{
	if (!simhw_tdx_keyids(&tdx_keyid_first, &tdx_nr_keyids)) {
		pr_info("no TDX private KeyIDs: TDX not enabled by the BIOS\n");
		return;
	}
	pr_info("BIOS enabled: private KeyID range [%u, %u)\n",
		tdx_keyid_first, tdx_keyid_first + tdx_nr_keyids);
	/* The module needs one KeyID itself; none left for TDs is useless. */
	if (tdx_nr_keyids < 2) {
		pr_err("initialization failed: too few private KeyIDs available\n");
		return;
	}
	/* Hibernation would take TDX private memory into its image. */
	if (tdx_hibernation_available()) {
		pr_err("initialization failed: Hibernation support is enabled\n");
		tdx_off_for_hibernation = true;
		return;
	}
	tdx_global_keyid = tdx_keyid_first;
	tdx_platform = true;
	pr_info("Disable ACPI S3. Turn off TDX in the BIOS to use ACPI S3.\n");
	tdx_s3_disabled = true;
}

static int __init virtlife_tdx_init(void)
{
	int ret;

	tdx_read_keyids();

	ret = register_memory_notifier(&tdx_memory_nb);
	if (ret)
		return ret;
	ret = register_pm_notifier(&tdx_pm_nb);
	if (ret)
		goto err_memory;
	ret = tdx_host_device_add();
	if (ret)
		goto err_pm;
	tdx_observe_init();
	return 0;

err_pm:
	unregister_pm_notifier(&tdx_pm_nb);
err_memory:
	unregister_memory_notifier(&tdx_memory_nb);
	return ret;
}

/* Nothing uses TDX any more (virtlife.ko is gone): give the memory back. */
static void __exit virtlife_tdx_exit(void)
{
	tdx_observe_exit();
	/* The flags go with this module: no CPU keeps TDX lines unknown. */
	on_each_cpu(tdx_flush_cache_ipi, NULL, 1);
	tdx_host_device_remove();
	unregister_pm_notifier(&tdx_pm_nb);
	unregister_memory_notifier(&tdx_memory_nb);

	if (tdx_tdmr_list.nr_tdmrs) {
		wbinvd_on_all_cpus();
		tdx_reset_pamts(&tdx_tdmr_list);
		tdx_free_pamts(&tdx_tdmr_list);
		tdx_free_tdmr_list(&tdx_tdmr_list);
	}
	tdx_free_memlist(&tdx_memlist);
	ida_destroy(&tdx_guest_keyid_pool);
}

module_init(virtlife_tdx_init);
module_exit(virtlife_tdx_exit);

MODULE_DESCRIPTION("virtlife: TDX host core (once-per-boot TDX module initialization)");
MODULE_LICENSE("GPL");
/* A test module: loading it taints the kernel with TAINT_TEST (N). */
MODULE_INFO(test, "Y");
