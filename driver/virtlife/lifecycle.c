// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: the virtualization enable/disable lifecycle.
 *
 * The design is the kernel's kvm_enable_virtualization() and
 * kvm_disable_virtualization(): a usage count under a dedicated mutex, real
 * work only on the 0->1 and 1->0 transitions, a CPU-hotplug state that owns
 * the per-CPU enabling, and syscore ops for suspend, resume and shutdown.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/kmsg_dump.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "observe.h"
#include "virtlife.h"
#include "virtlife_tdx.h"

/*
 * Protects virtlife_usage and, with it, the existence of the hotplug state
 * and of the syscore ops.  Taken outside cpus_read_lock() (which
 * cpuhp_setup_state() and cpuhp_remove_state() take) and never from a
 * hotplug or syscore callback: the enabler waits for those callbacks while
 * holding this mutex, and sharing a lock with them is a known deadlock.
 */
static DEFINE_MUTEX(virtlife_usage_lock);
static int virtlife_usage;
static int virtlife_cpuhp_state;

/* Per-CPU "virtualization enabled" flag, only changed on its own CPU. */
static DEFINE_PER_CPU(bool, virtlife_virt_enabled);

/*
 * Set by the shutdown hook (and the backstop) before it disables
 * virtualization everywhere; failures of the hardware operations are
 * expected only after that.
 */
static bool virtlife_rebooting;

int virtlife_usage_count(void)
{
	return READ_ONCE(virtlife_usage);
}

bool virtlife_cpu_enabled(unsigned int cpu)
{
	return READ_ONCE(per_cpu(virtlife_virt_enabled, cpu));
}

/*
 * Enable virtualization on the current CPU unless its flag says it is on,
 * after checking that the CPU is compatible.  Called on the CPU itself: from
 * its hotplug thread, from syscore resume, or for the TDX per-CPU init
 * (@second_user: finding the CPU on is then expected, not counted).  IRQs
 * are off across the flag test, the hardware operation and the flag update,
 * so that the shutdown IPI always finds the flag and the hardware in
 * agreement.
 */
static int __virtlife_enable_this_cpu(bool second_user)
{
	const struct virtlife_backend *ops = virtlife_backend_ops();
	unsigned long flags;
	unsigned int cpu;
	int r;

	local_irq_save(flags);
	cpu = smp_processor_id();

	/*
	 * The flag test: with two users of the per-CPU enable (the lifecycle
	 * and TDX), the second must not enable again; VMXON on a CPU already
	 * in VMX operation fails.  D09 (L4) drops it.
	 */
	if (__this_cpu_read(virtlife_virt_enabled)) {
		if (!second_user) {
			virtlife_count(VL_CNT_DOUBLE_ENABLES);
			virtlife_cpu_count(cpu, VL_CPU_DOUBLE_ENABLES);
		}
		r = 0;
		goto out;
	}

	r = virtlife_check_cpu_compat(cpu);
	if (r)
		goto out;

	if (virtlife_knob_hit(&virtlife_fail_enable, cpu) ||
	    ops->enable_cpu(cpu)) {
		virtlife_count(VL_CNT_ENABLE_FAILURES);
		virtlife_cpu_count(cpu, VL_CPU_ENABLE_FAILURES);
		virtlife_event(VL_EV_CPU_ENABLE_FAIL, cpu);
		r = -EIO;
		goto out;
	}

	__this_cpu_write(virtlife_virt_enabled, true);
	virtlife_count(VL_CNT_CPU_ENABLES);
	virtlife_cpu_count(cpu, VL_CPU_ENABLES);
	virtlife_event(VL_EV_CPU_ENABLE, cpu);
out:
	local_irq_restore(flags);
	return r;
}

static int virtlife_enable_this_cpu(void)
{
	return __virtlife_enable_this_cpu(false);
}

/*
 * TDX's per-CPU init runs only in virtualization operation (T3), and asks
 * for it itself, as the kernel's TDX code takes its own reference on a
 * CPU's VMXON next to KVM's: after virtlife/cpu:online's startup, this
 * finds the CPU on and does nothing.  On the CPU, preemption disabled.
 */
int virtlife_cpu_enable_for_tdx(void)
{
	return __virtlife_enable_this_cpu(true);
}

/* Disable virtualization on the current CPU unless its flag says it is off. */
static void virtlife_disable_this_cpu(void)
{
	const struct virtlife_backend *ops = virtlife_backend_ops();
	unsigned long flags;
	unsigned int cpu;
	int r;

	local_irq_save(flags);
	cpu = smp_processor_id();

	if (!__this_cpu_read(virtlife_virt_enabled)) {
		virtlife_count(VL_CNT_DOUBLE_DISABLES);
		virtlife_cpu_count(cpu, VL_CPU_DOUBLE_DISABLES);
		goto out;
	}

	/* VMCLEAR before VMXOFF: an active VMCS's state stays cached. */
	virtlife_vcpus_clear_this_cpu();
	r = ops->disable_cpu(cpu);
	if (r) {
		/* Like a faulting VMXOFF: tolerated only while rebooting. */
		virtlife_event(VL_EV_CPU_DISABLE_FAIL, cpu);
		WARN_ONCE(!READ_ONCE(virtlife_rebooting),
			  "virtlife: CPU%u: disabling virtualization failed: %d\n",
			  cpu, r);
	}

	__this_cpu_write(virtlife_virt_enabled, false);
	virtlife_count(VL_CNT_CPU_DISABLES);
	virtlife_cpu_count(cpu, VL_CPU_DISABLES);
	virtlife_event(VL_EV_CPU_DISABLE, cpu);
out:
	local_irq_restore(flags);
}

/*
 * Per CPU, from the shutdown hook: this CPU's last SEAMCALL is behind it,
 * so its caches are written back before the machine kexecs (T11; 6.18's
 * flush in KVM's per-CPU disable), then virtualization goes off.
 */
static void virtlife_disable_cpu_ipi(void *unused)
{
	virtlife_tdx_cpu_flush_cache();
	virtlife_disable_this_cpu();
}

/*
 * CPU-hotplug startup callback, run in @cpu's hotplug thread on @cpu, for
 * every online CPU when the state is registered and for every CPU that comes
 * online later.  A failure makes that CPU's online fail (a VM scheduled onto
 * it could not run), or rolls back the registration.
 */
static int virtlife_online_cpu(unsigned int cpu)
{
	int r;

	virtlife_count(VL_CNT_ONLINE_CALLBACKS);
	virtlife_cpu_count(cpu, VL_CPU_ONLINE);
	virtlife_event(VL_EV_CPU_ONLINE, cpu);

	r = virtlife_enable_this_cpu();
	if (r)
		pr_warn("CPU%u: cannot enable virtualization: %d\n", cpu, r);
	return r;
}

/* CPU-hotplug teardown callback, run in @cpu's hotplug thread on @cpu. */
static int virtlife_offline_cpu(unsigned int cpu)
{
	virtlife_count(VL_CNT_OFFLINE_CALLBACKS);
	virtlife_cpu_count(cpu, VL_CPU_OFFLINE);
	virtlife_event(VL_EV_CPU_OFFLINE, cpu);

	virtlife_disable_this_cpu();
	return 0;
}

/*
 * Syscore suspend: runs on the boot CPU with IRQs off, after the other CPUs
 * went down through the hotplug teardown; so only this CPU is left.  The
 * count cannot change meanwhile (tasks are frozen, and an enabler cannot be
 * frozen while it holds the usage mutex), so it is not taken.
 */
static int virtlife_suspend(void *data)
{
	lockdep_assert_irqs_disabled();
	lockdep_assert_not_held(&virtlife_usage_lock);

	virtlife_count(VL_CNT_SUSPEND_CALLS);
	virtlife_event(VL_EV_SYSCORE_SUSPEND, 0);
	virtlife_disable_this_cpu();
	return 0;
}

/* Syscore resume: the boot CPU again; the others come back via hotplug. */
static void virtlife_resume(void *data)
{
	int r;

	lockdep_assert_irqs_disabled();
	lockdep_assert_not_held(&virtlife_usage_lock);

	virtlife_count(VL_CNT_RESUME_CALLS);
	virtlife_event(VL_EV_SYSCORE_RESUME, 0);
	r = virtlife_enable_this_cpu();
	if (r)
		pr_warn("CPU%u: cannot re-enable virtualization on resume: %d\n",
			smp_processor_id(), r);
}

/* The console line the reboot trials parse; first thing the hook does. */
static void virtlife_print_shutdown_hook(void)
{
	enum system_states state = READ_ONCE(system_state);
	int usage = READ_ONCE(virtlife_usage);
	const char *name;

	switch (state) {
	case SYSTEM_RESTART:
		name = "RESTART";
		break;
	case SYSTEM_POWER_OFF:
		name = "POWER_OFF";
		break;
	case SYSTEM_HALT:
		name = "HALT";
		break;
	default:
		pr_emerg("shutdown hook: system_state=OTHER(%d) usage=%d\n",
			 state, usage);
		return;
	}
	pr_emerg("shutdown hook: system_state=%s usage=%d\n", name, usage);
}

/* Whether the hook ran: a kexec calls it twice on 6.7+ (kexec.c). */
static atomic_t virtlife_shutdown_ran = ATOMIC_INIT(0);

/*
 * The shutdown hook: system_state is already HALT, POWER_OFF or RESTART.
 * The other CPUs are still online here (they are stopped later, by
 * machine_restart() and friends), so disable on every online CPU, as
 * kvm_shutdown() does.  Virtualization left on can block INIT and hang the
 * restart.  The usage count is read without its mutex: an enabler may hold
 * it (and it will see system_state and back out).  TDX goes first: its
 * module is disabled with a SEAMCALL, which needs virtualization on.
 */
static void virtlife_shutdown_hook(void)
{
	if (atomic_xchg(&virtlife_shutdown_ran, 1))
		return;
	virtlife_print_shutdown_hook();
	virtlife_count(VL_CNT_SHUTDOWN_CALLS);
	virtlife_event(VL_EV_SYSCORE_SHUTDOWN, 0);
	pr_info("exiting hardware virtualization\n");

	WRITE_ONCE(virtlife_rebooting, true);
	/* Order the flag before the disables that may now fault. */
	smp_wmb();
	virtlife_tdx_shutdown();
	on_each_cpu(virtlife_disable_cpu_ipi, NULL, 1);
}

static void virtlife_shutdown(void *data)
{
	virtlife_shutdown_hook();
}

/*
 * A kexec, from a device's shutdown callback (kexec.c), before the other
 * CPUs are stopped: the hook runs while any usage reference exists, even
 * before the syscore ops do.  Nothing runs again after the stop, so an
 * enabler caught between its hotplug state and its syscore ops would
 * otherwise leave its CPUs on (the kernel's stop IPI turns them off
 * through the emergency callback; a module has none).  The full barrier
 * pairs with the one before the system_state check: either the enabler
 * sees the shutdown, or this sees its reference.
 */
void virtlife_shutdown_for_kexec(void)
{
	/* system_state (set before device_shutdown()) before the count. */
	smp_mb();
	if (READ_ONCE(virtlife_usage) > 0)
		virtlife_shutdown_hook();
}

static const struct syscore_ops virtlife_syscore_ops = {
	.suspend = virtlife_suspend,
	.resume = virtlife_resume,
	.shutdown = virtlife_shutdown,
};

static struct syscore virtlife_syscore = {
	.ops = &virtlife_syscore_ops,
};

/* ---- the emergency-disable backstop (L11) -------------------------------- */

/*
 * The longest backstop wait: below the soft-lockup (20 s) and RCU-stall
 * (21 s) thresholds, so that the spin is never reported as a hang.
 */
#define VIRTLIFE_BACKSTOP_WAIT_MAX_MS	10000

/* Only one reboot runs, so one mask, kept off the stack. */
static struct cpumask virtlife_backstop_found;

/*
 * kmsg_dump() calls the dumper inside rcu_read_lock(), in the task that
 * reboots, with IRQs on: it must not sleep (msleep() is a voluntary context
 * switch in an RCU read-side critical section), so it spins.  With
 * preemptible RCU a reader may be preempted, and the spin lets the
 * scheduler run other tasks on this CPU between milliseconds: an enabler
 * that unwinds needs this CPU's hotplug thread to run its teardown here.
 * Without preemptible RCU the reader must not be preempted at all, and the
 * enabler's unwind waits for this CPU until the backstop is done.
 */
static void virtlife_backstop_wait(unsigned int ms)
{
	u64 end = ktime_get_mono_fast_ns() + (u64)ms * NSEC_PER_MSEC;

	/* By the clock: the time other tasks run here counts too. */
	while (ktime_get_mono_fast_ns() < end) {
		mdelay(1);
		if (IS_ENABLED(CONFIG_PREEMPT_RCU))
			cond_resched();
	}
}

/*
 * Whether @cpu has virtualization on: the driver's flag, or the hardware
 * itself, which is what matters for the restart (the kernel's emergency
 * disable tests CR4.VMXE, not KVM's bookkeeping).
 */
static bool virtlife_backstop_cpu_on(const struct virtlife_backend *ops,
				     unsigned int cpu)
{
	return virtlife_cpu_enabled(cpu) ||
	       (ops && ops->cpu_hw_enabled && ops->cpu_hw_enabled(cpu));
}

/*
 * On each CPU, as the kernel's emergency disable callback does it: the
 * loaded VMCSs cleared first (b23c83ad2c63: the CPU may keep their state
 * across INIT and write it into the next kernel's memory), then off, with
 * no other bookkeeping than the flag.
 */
static void virtlife_backstop_disable_ipi(void *unused)
{
	const struct virtlife_backend *ops = virtlife_backend_ops();
	unsigned int cpu = smp_processor_id();

	if (!ops)
		return;
	virtlife_vcpus_clear_this_cpu();
	if (__this_cpu_read(virtlife_virt_enabled) ||
	    (ops->cpu_hw_enabled && ops->cpu_hw_enabled(cpu)))
		ops->disable_cpu(cpu);
	__this_cpu_write(virtlife_virt_enabled, false);
}

/*
 * The module's equivalent of the x86 reboot path's emergency disable: a
 * kmsg dumper, which kernel_restart(), kernel_power_off() and kernel_halt()
 * call with KMSG_DUMP_SHUTDOWN after syscore_shutdown() and right before
 * machine_restart() and friends.  It catches an enable that the shutdown
 * hook could not see (its syscore ops were not registered yet when
 * syscore_shutdown() ran): it waits backstop_wait_ms, so that in-flight
 * enablers run to their end, reports what is still on, then turns it off.
 */
static void virtlife_backstop(struct kmsg_dumper *dumper,
			      struct kmsg_dump_detail *detail)
{
	const struct virtlife_backend *ops;
	unsigned int cpu, ms;
	bool stopped;

	/*
	 * emergency_restart() (sysrq b, a panic's reboot) dumps with
	 * KMSG_DUMP_EMERG and runs no shutdown hook: this is its only
	 * disable, as the kernel's emergency disable is.  Nothing is in
	 * flight to wait for.
	 */
	if (detail->reason != KMSG_DUMP_SHUTDOWN &&
	    detail->reason != KMSG_DUMP_EMERG)
		return;

	/*
	 * On kexec (and after a panic) the dump comes after the other CPUs
	 * were stopped, with IRQs off: nothing else can run, so there is
	 * nothing to wait for, and only this CPU is left to turn off.
	 */
	stopped = irqs_disabled();
	ms = stopped || detail->reason == KMSG_DUMP_EMERG ? 0 :
		min_t(unsigned int, READ_ONCE(virtlife_backstop_wait_ms),
		      VIRTLIFE_BACKSTOP_WAIT_MAX_MS);
	pr_emerg("backstop: waiting %u ms%s\n", ms,
		 stopped ? " (the other CPUs are stopped)" :
		 detail->reason == KMSG_DUMP_EMERG ? " (emergency restart)" : "");
	virtlife_backstop_wait(ms);

	virtlife_count(VL_CNT_BACKSTOP_RUNS);
	virtlife_event(VL_EV_BACKSTOP, 0);

	ops = virtlife_backend_ops();
	cpumask_clear(&virtlife_backstop_found);
	for_each_possible_cpu(cpu)
		if (virtlife_backstop_cpu_on(ops, cpu))
			cpumask_set_cpu(cpu, &virtlife_backstop_found);
	if (cpumask_empty(&virtlife_backstop_found))
		pr_emerg("backstop: CPUs still enabled: none\n");
	else
		pr_emerg("backstop: CPUs still enabled: %*pbl\n",
			 cpumask_pr_args(&virtlife_backstop_found));

	WRITE_ONCE(virtlife_rebooting, true);
	/* As in the shutdown hook: the flag before the disables that fault. */
	smp_wmb();
	if (stopped) {
		virtlife_backstop_disable_ipi(NULL);
	} else {
		/* Process context, IRQs on: IPIs are allowed here. */
		lockdep_assert_irqs_enabled();
		on_each_cpu(virtlife_backstop_disable_ipi, NULL, 1);
	}
	pr_emerg("backstop: done\n");
}

/* KMSG_DUMP_SHUTDOWN is above KMSG_DUMP_OOPS, so it must be asked for. */
VL_DEFINE_KMSG_DUMPER(virtlife_backstop_dumper, virtlife_backstop,
		      KMSG_DUMP_SHUTDOWN);

/*
 * Arch hooks around the whole enabled period.  The enable hook arms the
 * emergency-disable backstop of the reboot path (L11) before any CPU can be
 * enabled; the disable hook disarms it after the last CPU was disabled.
 */
static int virtlife_arch_enable(void)
{
	int r = kmsg_dump_register(&virtlife_backstop_dumper);

	if (r) {
		virtlife_event(VL_EV_ENABLE_UNWIND, r);
		return r;
	}
	virtlife_event(VL_EV_ARCH_ENABLE, 0);
	virtlife_delay_at(VL_DELAY_AFTER_ARCH_ENABLE);
	return 0;
}

/* Waits for a running backstop (kmsg_dump_unregister() syncs RCU). */
static void virtlife_arch_disable(void)
{
	kmsg_dump_unregister(&virtlife_backstop_dumper);
	virtlife_event(VL_EV_ARCH_DISABLE, 0);
}

/* Registers the hotplug state; the step that fails starts the unwind. */
static int virtlife_hotplug_add(void)
{
	int r;

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "virtlife/cpu:online",
			      virtlife_online_cpu, virtlife_offline_cpu);
	if (r < 0) {
		virtlife_event(VL_EV_ENABLE_UNWIND, r);
		return r;
	}
	virtlife_cpuhp_state = r;
	virtlife_event(VL_EV_HOTPLUG_ADD, 0);
	virtlife_delay_at(VL_DELAY_AFTER_HOTPLUG_ADD);
	return 0;
}

static void virtlife_hotplug_remove(void)
{
	cpuhp_remove_state(virtlife_cpuhp_state);
	virtlife_cpuhp_state = 0;
	virtlife_event(VL_EV_HOTPLUG_REMOVE, 0);
}

static void virtlife_syscore_register(void)
{
	register_syscore(&virtlife_syscore);
	/* The reference before the system_state check (kexec.c's hook). */
	smp_mb();
	virtlife_event(VL_EV_SYSCORE_REGISTER, 0);
	virtlife_delay_at(VL_DELAY_AFTER_SYSCORE_REGISTER);
}

static void virtlife_syscore_unregister(void)
{
	unregister_syscore(&virtlife_syscore);
	virtlife_event(VL_EV_SYSCORE_UNREGISTER, 0);
}

/* Backs out of an enable that raced with a reboot (L2, L11). */
static int virtlife_check_system_state(void)
{
	int r = 0;

	if (system_state == SYSTEM_HALT || system_state == SYSTEM_POWER_OFF ||
	    system_state == SYSTEM_RESTART)
		r = -EBUSY;
	virtlife_event(VL_EV_STATE_CHECK, r);
	if (r) {
		pr_warn("enable aborted: system is shutting down\n");
		virtlife_count(VL_CNT_ENABLE_ABORTS);
		virtlife_event(VL_EV_ENABLE_ABORT, 0);
		virtlife_event(VL_EV_ENABLE_UNWIND, r);
		return r;
	}
	virtlife_delay_at(VL_DELAY_AFTER_STATE_CHECK);
	return 0;
}

/* The count, under virtlife_usage_lock; each returns the new value. */
static int virtlife_usage_get(void)
{
	WRITE_ONCE(virtlife_usage, virtlife_usage + 1);
	virtlife_event(VL_EV_USAGE_GET, virtlife_usage);
	return virtlife_usage;
}

static int virtlife_usage_put(void)
{
	WRITE_ONCE(virtlife_usage, virtlife_usage - 1);
	virtlife_event(VL_EV_USAGE_PUT, virtlife_usage);
	return virtlife_usage;
}

/*
 * The 0->1 transition, under virtlife_usage_lock with the first reference
 * taken.  Each step opens a race window for the tests after it (the delay
 * knob).  On a failure the steps done so far are undone in exact reverse
 * and the reference is dropped.
 */
static int virtlife_enable_all(void)
{
	int r;

	/* First the reboot path's backstop: armed before any CPU is on. */
	r = virtlife_arch_enable();
	if (r)
		goto err_arch;

	/*
	 * Then the hotplug state, which enables every online CPU (compat check
	 * first, on that CPU) and every CPU onlined later, and rolls itself
	 * back on a failure.  It must exist before the syscore ops, or a
	 * suspend/resume in between could enable a CPU that a failing
	 * registration would then leave enabled.
	 */
	r = virtlife_hotplug_add();
	if (r)
		goto err_hotplug;

	/*
	 * Then the syscore ops, before the system_state check: only once they
	 * are registered is the shutdown hook certain to run for a reboot
	 * that has not started yet.
	 */
	virtlife_syscore_register();

	/*
	 * Last, system_state: it is set before syscore_shutdown() runs, so
	 * either our shutdown hook disables everything, or we see the
	 * shutdown here and back out.  A reboot notifier would run before
	 * system_state changes: the wrong hook.
	 */
	r = virtlife_check_system_state();
	if (r)
		goto err_state;

	virtlife_count(VL_CNT_ENABLE_ALL);
	virtlife_event(VL_EV_ENABLE_DONE, 0);
	pr_info("enable done\n");
	return 0;

err_state:
	virtlife_syscore_unregister();
	virtlife_hotplug_remove();
err_hotplug:
	virtlife_arch_disable();
err_arch:
	virtlife_usage_put();
	virtlife_count(VL_CNT_ENABLE_ALL_FAILURES);
	return r;
}

/* Take one usage reference; enable virtualization on the 0->1 transition. */
int virtlife_enable_virtualization(void)
{
	int r = 0;

	mutex_lock(&virtlife_usage_lock);
	/* A failed backend switch left nothing to enable with. */
	if (!virtlife_usage && !virtlife_backend_ops())
		r = -ENODEV;
	else if (virtlife_usage_get() == 1)
		r = virtlife_enable_all();
	mutex_unlock(&virtlife_usage_lock);
	return r;
}

/* The 1->0 transition: the steps of virtlife_enable_all() in reverse. */
static void virtlife_disable_all(void)
{
	/*
	 * First the syscore ops: a suspend/resume must not re-enable a CPU
	 * while the hotplug state is being torn down, and once nothing is on
	 * the shutdown hook has nothing to do.
	 */
	virtlife_syscore_unregister();

	/* Then the hotplug state: its teardown disables every online CPU. */
	virtlife_hotplug_remove();

	/* Last the arch hook: the backstop stays armed while a CPU may be on. */
	virtlife_arch_disable();

	virtlife_count(VL_CNT_DISABLE_ALL);
}

/* Drop one usage reference; disable virtualization on the 1->0 transition. */
void virtlife_disable_virtualization(void)
{
	mutex_lock(&virtlife_usage_lock);
	if (!WARN_ON_ONCE(virtlife_usage <= 0) && !virtlife_usage_put())
		virtlife_disable_all();
	mutex_unlock(&virtlife_usage_lock);
}

/*
 * Replace the backend: tear the current one down and run the full L12 setup
 * for @backend (at load: no current one; at unload: @backend NULL).  Only
 * with the count at 0, under the usage mutex: then no hotplug state, no
 * syscore ops and no backstop exist, nothing else calls the ops, and no
 * enable can start meanwhile.  If @backend's setup fails, the old backend
 * is set up again; if that fails too, there is none until the next switch,
 * and the 0->1 transition fails with -ENODEV.  Returns @backend's error.
 */
int virtlife_set_backend(const struct virtlife_backend *backend)
{
	const struct virtlife_backend *old;
	int r = 0, r2;

	mutex_lock(&virtlife_usage_lock);
	if (virtlife_usage) {
		r = -EBUSY;
		goto out;
	}

	old = virtlife_backend_current();
	virtlife_backend_teardown();
	if (!backend)
		goto out;

	r = virtlife_backend_setup(backend);
	if (r && old) {
		r2 = virtlife_backend_setup(old);
		if (r2)
			pr_err("backend %s failed (%d), and %s again (%d): no backend\n",
			       backend->name, r, old->name, r2);
	}
out:
	mutex_unlock(&virtlife_usage_lock);
	return r;
}
