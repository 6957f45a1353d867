// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: backend ("vendor") registration and the per-CPU compatibility
 * check, in the order of kvm_x86_vendor_init() and kvm_init(): one backend
 * at a time, MMU masks reset before the backend's setup, structures sized
 * by the backend created after it, ops published before the per-CPU checks
 * that use them, and unpublished again if a check fails.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/topology.h>

#include "observe.h"
#include "virtlife.h"

static const struct virtlife_backend * const virtlife_backends[] = {
	&virtlife_sim_backend,
	&virtlife_sim_alt_backend,
	&virtlife_svm_backend,
	&virtlife_vmx_backend,
};

/*
 * The published ops, what the lifecycle calls; set before the per-CPU
 * checks of a setup, cleared when they fail and at teardown.
 */
static const struct virtlife_backend *virtlife_ops;

/*
 * The backend whose setup succeeded, torn down by the next switch or at
 * unload; unlike virtlife_ops, never left set by a failed setup.
 */
static const struct virtlife_backend *virtlife_cur;

/* Structures sized by the backend: one region per possible CPU. */
static void *virtlife_regions;

/* The boot CPU's feature-derived mask, that every CPU must match. */
static u64 virtlife_boot_features;

u64 virtlife_mmu_masks;

const struct virtlife_backend *virtlife_backend_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(virtlife_backends); i++)
		if (sysfs_streq(name, virtlife_backends[i]->name))
			return virtlife_backends[i];
	return NULL;
}

struct virtlife_on_cpu_call {
	bool (*fn)(void);
	bool ret;
};

static void virtlife_on_cpu_ipi(void *data)
{
	struct virtlife_on_cpu_call *call = data;

	call->ret = call->fn();
}

/*
 * @fn's answer on @cpu: directly when this is @cpu, else by IPI, which needs
 * IRQs on; false for an offline CPU (its teardown turned it off) and when
 * IRQs are off.
 */
/*
 * A zeroed page on each possible CPU's node, for a backend's per-CPU host
 * area (SVM's host save area, VMX's VMXON region): all of them or none.
 */
int virtlife_alloc_cpu_pages(struct page *__percpu *pages)
{
	struct page *page;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			virtlife_free_cpu_pages(pages);
			return -ENOMEM;
		}
		*per_cpu_ptr(pages, cpu) = page;
	}
	return 0;
}

void virtlife_free_cpu_pages(struct page *__percpu *pages)
{
	struct page **page;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		page = per_cpu_ptr(pages, cpu);
		if (*page)
			__free_page(*page);
		*page = NULL;
	}
}

bool virtlife_on_cpu_bool(unsigned int cpu, bool (*fn)(void))
{
	struct virtlife_on_cpu_call call = { .fn = fn };

	if (cpu == get_cpu())
		call.ret = fn();
	else if (!cpu_online(cpu) || irqs_disabled() ||
		 smp_call_function_single(cpu, virtlife_on_cpu_ipi, &call, 1))
		call.ret = false;
	put_cpu();
	return call.ret;
}

const struct virtlife_backend *virtlife_backend_ops(void)
{
	return READ_ONCE(virtlife_ops);
}

const struct virtlife_backend *virtlife_backend_current(void)
{
	return READ_ONCE(virtlife_cur);
}

/*
 * Compatibility check of the current CPU, @cpu, with preemption disabled:
 * its feature-derived mask must equal the boot CPU's, and the backend's own
 * check must pass.
 */
int virtlife_check_cpu_compat(unsigned int cpu)
{
	const struct virtlife_backend *ops = virtlife_backend_ops();
	u64 features;
	int r = 0;

	virtlife_count(VL_CNT_COMPAT_CHECKS);
	virtlife_cpu_count(cpu, VL_CPU_COMPAT_CHECKS);
	virtlife_event(VL_EV_COMPAT_CHECK, cpu);

	if (virtlife_knob_hit(&virtlife_fail_compat, cpu)) {
		r = -EIO;
		goto out;
	}

	features = ops->cpu_features(cpu);
	if (features != virtlife_boot_features) {
		pr_warn("CPU%u: feature mask %#llx differs from the boot CPU's %#llx\n",
			cpu, features, virtlife_boot_features);
		r = -EIO;
		goto out;
	}

	if (ops->check_processor_compat)
		r = ops->check_processor_compat(cpu);
out:
	if (r) {
		virtlife_count(VL_CNT_COMPAT_FAILURES);
		virtlife_cpu_count(cpu, VL_CPU_COMPAT_FAILURES);
		virtlife_event(VL_EV_COMPAT_FAIL, cpu);
	}
	return r;
}

static void virtlife_compat_ipi(void *data)
{
	int *r = data;

	*r = virtlife_check_cpu_compat(smp_processor_id());
}

/* Called with cpus_read_lock() held, so that the set of CPUs is stable. */
static int virtlife_check_online_cpus(void)
{
	unsigned int cpu;
	int r = 0, ret;

	for_each_online_cpu(cpu) {
		ret = smp_call_function_single(cpu, virtlife_compat_ipi, &r, 1);
		if (ret)
			r = ret;
		if (r) {
			pr_err("CPU%u is not compatible with backend %s: %d\n",
			       cpu, virtlife_ops->name, r);
			return r;
		}
	}
	return 0;
}

static void virtlife_record_boot_features_ipi(void *data)
{
	const struct virtlife_backend *backend = data;

	virtlife_boot_features = backend->cpu_features(smp_processor_id());
}

/*
 * Called with cpus_read_lock() held.  On x86 the boot CPU is always CPU 0
 * (__boot_cpu_id is not exported); the first online CPU if it is offline.
 */
static int virtlife_record_boot_features(const struct virtlife_backend *backend)
{
	unsigned int cpu = 0;

	if (!cpu_online(cpu))
		cpu = cpumask_first(cpu_online_mask);
	return smp_call_function_single(cpu, virtlife_record_boot_features_ipi,
					(void *)backend, 1);
}

/* Back to the defaults, before (never after) the backend's setup. */
static void virtlife_mmu_reset_masks(void)
{
	WRITE_ONCE(virtlife_mmu_masks, VIRTLIFE_MMU_MASKS_DEFAULT);
	virtlife_event(VL_EV_MMU_RESET, 0);
}

static int virtlife_hw_setup(const struct virtlife_backend *backend)
{
	int r = backend->hardware_setup ? backend->hardware_setup() : 0;

	virtlife_event(VL_EV_BACKEND_HW_SETUP, r);
	return r;
}

static void virtlife_hw_unsetup(const struct virtlife_backend *backend)
{
	if (backend->hardware_unsetup)
		backend->hardware_unsetup();
	virtlife_event(VL_EV_BACKEND_HW_UNSETUP, 0);
}

/*
 * After the backend's setup: their size comes from its configuration (here
 * region_size, as kvm_init() sizes the vCPU cache by the vendor's
 * vcpu_size).  The event's ARG is the size in bytes.
 */
static int virtlife_structs_create(const struct virtlife_backend *backend)
{
	size_t size = array_size(nr_cpu_ids, backend->region_size);

	virtlife_regions = kvzalloc(size, GFP_KERNEL);
	if (!virtlife_regions)
		return -ENOMEM;
	virtlife_event(VL_EV_STRUCTS_CREATE, (int)min_t(size_t, size, INT_MAX));
	return 0;
}

static void virtlife_structs_destroy(void)
{
	kvfree(virtlife_regions);
	virtlife_regions = NULL;
	virtlife_event(VL_EV_STRUCTS_DESTROY, 0);
}

static void virtlife_publish(const struct virtlife_backend *backend)
{
	WRITE_ONCE(virtlife_ops, backend);
	virtlife_event(VL_EV_BACKEND_PUBLISH, 0);
}

static void virtlife_unpublish(void)
{
	WRITE_ONCE(virtlife_ops, NULL);
	virtlife_event(VL_EV_BACKEND_UNPUBLISH, 0);
}

/*
 * The full setup of one backend (L12), at load and at every switch:
 * mmu_reset, backend_hw_setup, structs_create, backend_publish, then the
 * per-CPU compat_checks; a failure undoes it all in reverse.
 */
int virtlife_backend_setup(const struct virtlife_backend *backend)
{
	int r;

	/* One backend at a time, like KVM's vendor modules. */
	if (virtlife_ops) {
		pr_err("backend %s already registered, refusing %s\n",
		       virtlife_ops->name, backend->name);
		return -EEXIST;
	}

	/*
	 * Before the backend's setup, which may change them: a backend must
	 * start from the defaults, never from what another one left.
	 */
	virtlife_mmu_reset_masks();
	r = virtlife_hw_setup(backend);
	if (r)
		return r;

	/* After the setup that configures their size. */
	r = virtlife_structs_create(backend);
	if (r)
		goto err_unsetup;

	cpus_read_lock();
	r = virtlife_record_boot_features(backend);
	if (r)
		goto err_unlock;

	/*
	 * Publish before the per-CPU checks: they go through the published
	 * ops, exactly as the hotplug callbacks will later.
	 */
	virtlife_publish(backend);
	r = virtlife_check_online_cpus();
	if (r)
		/* Unpublish, so that a later setup can register a backend. */
		virtlife_unpublish();
err_unlock:
	cpus_read_unlock();
	if (r)
		goto err_structs;

	WRITE_ONCE(virtlife_cur, backend);
	return 0;

err_structs:
	virtlife_structs_destroy();
err_unsetup:
	virtlife_hw_unsetup(backend);
	return r;
}

/* The reverse of a successful setup. */
void virtlife_backend_teardown(void)
{
	const struct virtlife_backend *backend = virtlife_cur;

	if (!backend)
		return;
	WRITE_ONCE(virtlife_cur, NULL);
	virtlife_unpublish();
	virtlife_structs_destroy();
	virtlife_hw_unsetup(backend);
}
