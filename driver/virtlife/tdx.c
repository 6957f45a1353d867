// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: TDX on demand.  What KVM's TDX bring-up does, started by the
 * first request instead of at load: virtualization on for good, a second
 * hotplug state for the per-CPU TDX init, then the module initialization
 * itself in the host core (virtlife_tdx.ko), which owns the once-per-boot
 * state.  Also the package rule for TD KeyIDs (T9) and TD-type VMs' keys.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/err.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/sysfs.h>
#include <linux/topology.h>

#include "virtlife.h"
#include "virtlife_tdx.h"

/*
 * Protects the session below.  Taken outside the usage mutex and the CPU
 * hotplug lock, never inside a hotplug callback.
 */
static DEFINE_MUTEX(virtlife_tdx_lock);

/* The hotplug state of the per-CPU TDX init; 0 while no session runs. */
static int virtlife_tdx_cpuhp_state;

/*
 * Why TDX is unusable for the rest of this load: -ENODEV (no module: TDX
 * off), or the error of a failed per-CPU init (like KVM clearing
 * enable_tdx).  0 while TDX may still be used.
 */
static int virtlife_tdx_dead;

/* Set at unload: no new session may start. */
static bool virtlife_tdx_closed;

/*
 * Hotplug startup, on @cpu, after virtlife/cpu:online's startup has turned
 * virtualization on there (that state was registered first, so it runs
 * first): the per-CPU TDX init, which the module only accepts post-VMXON.
 */
static int virtlife_tdx_online_cpu(unsigned int cpu)
{
	unsigned long flags;
	int r;

	local_irq_save(flags);
	r = virtlife_cpu_enable_for_tdx();
	if (!r)
		r = virtlife_tdx_cpu_enable();
	local_irq_restore(flags);
	if (r)
		pr_warn("CPU%u: TDX per-CPU initialization failed: %d\n", cpu, r);
	return r;
}

/* Whether @cpu is the only online CPU of its package. */
static bool virtlife_tdx_last_of_package(unsigned int cpu)
{
	int pkg = topology_physical_package_id(cpu);
	unsigned int i;

	for_each_online_cpu(i) {
		if (i != cpu && topology_physical_package_id(i) == pkg)
			return false;
	}
	return true;
}

/*
 * Hotplug teardown, on @cpu, before virtualization goes off there.  A
 * package whose last CPU goes away loses its key programming, which TDs
 * in use rely on (T9).  Otherwise the CPU's last SEAMCALL is behind it:
 * its caches are written back before it goes (T11).
 */
static int virtlife_tdx_offline_cpu(unsigned int cpu)
{
	if (virtlife_tdx_last_of_package(cpu) && virtlife_tdx_keyids_in_use()) {
		pr_warn("CPU%u: last online CPU of package %d, TD KeyIDs in use\n",
			cpu, topology_physical_package_id(cpu));
		return -EBUSY;
	}
	/* The hotplug thread is preemptible; the flush is per CPU. */
	preempt_disable();
	virtlife_tdx_cpu_flush_cache();
	preempt_enable();
	return 0;
}

static int virtlife_tdx_hotplug_add(void)
{
	int r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "virtlife/tdx:online",
				  virtlife_tdx_online_cpu,
				  virtlife_tdx_offline_cpu);

	if (r < 0)
		return r;
	virtlife_tdx_cpuhp_state = r;
	return 0;
}

/* The per-CPU init failed: TDX is unusable until this module is reloaded. */
static void virtlife_tdx_cpu_init_failed(int r)
{
	virtlife_tdx_dead = r;
	if (r == -ENODEV)
		pr_err("TDX off: no TDX module\n");
	else
		pr_err("TDX per-CPU initialization failed: %d\n", r);
}

/*
 * Starts the session (under virtlife_tdx_lock): virtualization on every
 * CPU for as long as this module is loaded, as TDX needs (T4), then the
 * per-CPU init on every online CPU and on every CPU onlined later.  The
 * order of the two hotplug states is the order of their registration:
 * virtualization's startup must run first and its teardown last (T3).
 * A failure to enable virtualization is not TDX's: a later request may
 * succeed.
 */
static int virtlife_tdx_session_start(void)
{
	int r;

	r = virtlife_enable_virtualization();
	if (r)
		return r;
	r = virtlife_tdx_hotplug_add();
	if (r) {
		virtlife_disable_virtualization();
		/* A module in ERROR is the reason itself: the core says why. */
		if (virtlife_tdx_status() != VIRTLIFE_TDX_ERROR)
			virtlife_tdx_cpu_init_failed(r);
	}
	return r;
}

/* Ends the session, in the reverse order of its start. */
static void virtlife_tdx_session_stop(void)
{
	if (!virtlife_tdx_cpuhp_state)
		return;
	cpuhp_remove_state(virtlife_tdx_cpuhp_state);
	virtlife_tdx_cpuhp_state = 0;
	virtlife_disable_virtualization();
}

/* T3: every present CPU online before the session's first SEAMCALL. */
static int virtlife_tdx_cpus_ready(void)
{
	int r;

	cpus_read_lock();
	r = virtlife_tdx_check_cpus();
	cpus_read_unlock();
	return r;
}

/* Under virtlife_tdx_lock: a session exists, or the reason it cannot. */
static int virtlife_tdx_session_get(void)
{
	if (virtlife_tdx_closed)
		return -ENODEV;
	if (virtlife_tdx_dead)
		return virtlife_tdx_dead == -ENODEV ? -ENODEV : -EINVAL;
	if (virtlife_tdx_cpuhp_state)
		return 0;
	return virtlife_tdx_cpus_ready() ?: virtlife_tdx_session_start();
}

/*
 * From the shutdown hook, on its CPU, before virtualization goes off
 * anywhere (a SEAMCALL needs it on): with a session the module is
 * disabled, so that a kexec'd kernel can initialize it again (T11; 7.2's
 * tdx_shutdown()).  No lock: an enabler may hold the session lock, and
 * it sees the shutdown and backs out.
 */
void virtlife_tdx_shutdown(void)
{
	if (!READ_ONCE(virtlife_tdx_cpuhp_state))
		return;
	preempt_disable();
	if (virtlife_cpu_enabled(smp_processor_id()))
		virtlife_tdx_sys_disable();
	preempt_enable();
}

/*
 * Initializes TDX if it is not yet (T4: on demand).  Returns 0 when the
 * module is initialized; -ENODEV when TDX is off; -EINVAL once it failed.
 */
int virtlife_tdx_request(void)
{
	int r;

	mutex_lock(&virtlife_tdx_lock);
	r = virtlife_tdx_session_get();
	mutex_unlock(&virtlife_tdx_lock);
	if (r)
		return r;

	/*
	 * The host core's contract: the hotplug read lock held, so that the
	 * set of CPUs that did the per-CPU init cannot change meanwhile.  Not
	 * under virtlife_tdx_lock: concurrent requests reach the core
	 * concurrently, and its state mutex alone makes one initialization
	 * of them (T1).
	 */
	cpus_read_lock();
	r = virtlife_tdx_enable();
	cpus_read_unlock();
	if (!r)
		return 0;

	/*
	 * The module failed to initialize, which is final for this boot; the
	 * session has nothing left to serve.  A request after this one goes
	 * through the core again, which must refuse it without a SEAMCALL
	 * (so must a concurrent request whose session ends here).
	 */
	mutex_lock(&virtlife_tdx_lock);
	virtlife_tdx_session_stop();
	if (r == -ENODEV && !virtlife_tdx_dead) {
		virtlife_tdx_dead = r;
		pr_err("TDX off: no TDX module (%d)\n", r);
	}
	mutex_unlock(&virtlife_tdx_lock);
	return r;
}

static int virtlife_tdx_at_load;
module_param_named(tdx, virtlife_tdx_at_load, int, 0444);
MODULE_PARM_DESC(tdx,
		 "0: initialize the TDX module on demand (default); 1: at load");

int virtlife_tdx_init(void)
{
	int r;

	if (virtlife_tdx_at_load != 0 && virtlife_tdx_at_load != 1) {
		pr_err("tdx=%d: expected 0 or 1\n", virtlife_tdx_at_load);
		return -EINVAL;
	}
	if (!virtlife_tdx_at_load)
		return 0;
	r = virtlife_tdx_request();
	/* No module: TDX off, the driver is still useful (T7). */
	if (r == -ENODEV)
		return 0;
	if (r)
		pr_err("tdx=1: TDX initialization failed: %d\n", r);
	return r;
}

void virtlife_tdx_exit(void)
{
	mutex_lock(&virtlife_tdx_lock);
	virtlife_tdx_closed = true;
	virtlife_tdx_session_stop();
	mutex_unlock(&virtlife_tdx_lock);
}

/* ---- sysfs /sys/kernel/virtlife/tdx/ ------------------------------------ */

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	int dead, err;

	mutex_lock(&virtlife_tdx_lock);
	dead = virtlife_tdx_dead;
	mutex_unlock(&virtlife_tdx_lock);

	if (dead == -ENODEV)
		return sysfs_emit(buf, "off: no TDX module (%pe)\n",
				  ERR_PTR(dead));
	if (dead)
		return sysfs_emit(buf, "error: per-CPU initialization failed (%pe)\n",
				  ERR_PTR(dead));

	switch (virtlife_tdx_status()) {
	case VIRTLIFE_TDX_UNINITIALIZED:
		return sysfs_emit(buf, "uninitialized\n");
	case VIRTLIFE_TDX_INITIALIZED:
		return sysfs_emit(buf, "initialized\n");
	case VIRTLIFE_TDX_ERROR:
	default:
		err = virtlife_tdx_error();
		return sysfs_emit(buf, "error: module initialization failed (%pe)\n",
				  ERR_PTR(err ? err : -EINVAL));
	}
}

static ssize_t enable_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	int r;

	if (!sysfs_streq(buf, "1"))
		return -EINVAL;
	r = virtlife_tdx_request();
	return r ? r : count;
}

/*
 * T12: "1" runs a runtime update of an initialized module to the image the
 * platform holds (the host core does it with every CPU stopped).  Refused
 * with -EINVAL, without a SEAMCALL, unless the module is initialized.
 */
static ssize_t update_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	int r;

	if (!sysfs_streq(buf, "1"))
		return -EINVAL;
	if (virtlife_tdx_status() != VIRTLIFE_TDX_INITIALIZED)
		return -EINVAL;

	mutex_lock(&virtlife_tdx_lock);
	/* The update's SEAMCALLs need virtualization on every CPU. */
	r = virtlife_tdx_session_get();
	if (!r) {
		r = virtlife_tdx_update();
		if (r && virtlife_tdx_status() == VIRTLIFE_TDX_ERROR)
			virtlife_tdx_session_stop();
	}
	mutex_unlock(&virtlife_tdx_lock);
	return r ? r : count;
}

static struct kobj_attribute virtlife_tdx_state_attr =
	__ATTR_RO_MODE(state, 0400);
static struct kobj_attribute virtlife_tdx_enable_attr =
	__ATTR_WO(enable);
static struct kobj_attribute virtlife_tdx_update_attr =
	__ATTR_WO(update);

static struct attribute *virtlife_tdx_attrs[] = {
	&virtlife_tdx_state_attr.attr,
	&virtlife_tdx_enable_attr.attr,
	&virtlife_tdx_update_attr.attr,
	NULL,
};

const struct attribute_group virtlife_tdx_attr_group = {
	.name = "tdx",
	.attrs = virtlife_tdx_attrs,
};
