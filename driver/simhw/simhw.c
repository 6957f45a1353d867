// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife_simhw: simulated per-CPU virtualization hardware.
 *
 * Models, per CPU, the "in virtualization operation" bit that VMXON sets and
 * VMXOFF clears: a second enable fails like VMXON on a CPU already in VMX
 * operation, and an operation issued on behalf of another CPU fails, as an
 * instruction can only act on the CPU that executes it.  It also models each
 * CPU's feature-derived reserved-bit mask, which the driver compares between
 * CPUs.  The module lives apart from virtlife.ko, like hardware: its state
 * survives reloads of the driver, and its debugfs files are an independent
 * witness of what the driver really did.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kmsg_dump.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/cpuhotplug.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <asm/special_insns.h>

#include "compat.h"
#include "simhw.h"

struct simhw_cpu {
	atomic64_t enables;
	atomic64_t disables;
	atomic64_t double_enables;
	atomic64_t double_disables;
	atomic64_t wrong_cpu;
	atomic64_t preemptible;
	atomic64_t flushes;
	atomic64_t offline_dirty;	/* went offline with TDX lines cached */
	bool cache_dirty;		/* a SEAMCALL ran since the last WBINVD */
	atomic_t active_vmcs;		/* VMCSs active (cached) on this CPU */
	atomic64_t vmxoff_active;	/* VMCSs left active at a VMXOFF */
	atomic64_t vmcs_elsewhere;	/* VMPTRLD of a VMCS active elsewhere */
	u64 features;
};

static DEFINE_PER_CPU(struct simhw_cpu, simhw_cpu);

/* The per-CPU "on" bits; atomic bit operations make each transition atomic. */
static struct cpumask simhw_on_mask;

static struct dentry *simhw_debugfs_dir;
static int simhw_cpuhp_dead_state;

/*
 * The caller's context, as a per-CPU instruction needs it: on @cpu, with
 * preemption disabled (else the task may move to another CPU half-way;
 * a debug kernel would warn in smp_processor_id(), a production kernel
 * says nothing).  A preemptible caller is counted on @cpu and still
 * served; the counter is the witness of D28/D29 without a debug kernel.
 * Needs CONFIG_PREEMPT_COUNT (preemptible() is always false without it).
 */
void simhw_check_context(unsigned int cpu)
{
	if (preemptible())
		atomic64_inc(&per_cpu(simhw_cpu, cpu).preemptible);
}

/* Returns true if the caller runs on @cpu; counts the context too. */
static bool simhw_on_cpu(unsigned int cpu)
{
	simhw_check_context(cpu);
	if (cpu == raw_smp_processor_id())
		return true;
	atomic64_inc(&per_cpu(simhw_cpu, cpu).wrong_cpu);
	return false;
}

/* What both operations require of their caller: a real CPU, and being on it. */
static int simhw_check_caller(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return -EINVAL;
	return simhw_on_cpu(cpu) ? 0 : -EPERM;
}

/*
 * VMXOFF with VMCSs still active: the CPU may keep their cached state and
 * write it back whenever it likes, after the next kernel owns the memory
 * (the SDM does not flush the VMCS cache on INIT; CVE-2023-52514).
 * Reported at once, on the console: it may be the last thing this kernel
 * does.  The VMCSs are forgotten with the CPU's VMX state.
 */
static void simhw_check_vmxoff(unsigned int cpu, struct simhw_cpu *sc)
{
	int n = atomic_xchg(&sc->active_vmcs, 0);

	if (!n)
		return;
	atomic64_add(n, &sc->vmxoff_active);
	pr_emerg("CPU%u: VMXOFF with %d VMCS still active (no VMCLEAR)\n",
		 cpu, n);
}

void simhw_vmcs_init(struct simhw_vmcs *vmcs)
{
	WRITE_ONCE(vmcs->active_cpu, -1);
}
EXPORT_SYMBOL_GPL(simhw_vmcs_init);

/* A VMCS active on another CPU is loaded here only after VMCLEAR there. */
int simhw_vmptrld(unsigned int cpu, struct simhw_vmcs *vmcs)
{
	int r = simhw_check_caller(cpu), was;

	if (r)
		return r;
	if (!cpumask_test_cpu(cpu, &simhw_on_mask))
		return -EPERM;		/* #UD outside VMX operation */
	was = READ_ONCE(vmcs->active_cpu);
	if (was == cpu)
		return 0;
	if (was >= 0) {
		atomic64_inc(&per_cpu(simhw_cpu, cpu).vmcs_elsewhere);
		return -EBUSY;
	}
	WRITE_ONCE(vmcs->active_cpu, cpu);
	atomic_inc(&per_cpu(simhw_cpu, cpu).active_vmcs);
	return 0;
}
EXPORT_SYMBOL_GPL(simhw_vmptrld);

int simhw_vmclear(unsigned int cpu, struct simhw_vmcs *vmcs)
{
	int r = simhw_check_caller(cpu);

	if (r)
		return r;
	if (!cpumask_test_cpu(cpu, &simhw_on_mask))
		return -EPERM;
	if (READ_ONCE(vmcs->active_cpu) != cpu)
		return 0;		/* not active here: nothing cached */
	WRITE_ONCE(vmcs->active_cpu, -1);
	atomic_dec(&per_cpu(simhw_cpu, cpu).active_vmcs);
	return 0;
}
EXPORT_SYMBOL_GPL(simhw_vmclear);

int simhw_cpu_enable(unsigned int cpu)
{
	struct simhw_cpu *sc;
	int r = simhw_check_caller(cpu);

	if (r)
		return r;
	sc = per_cpu_ptr(&simhw_cpu, cpu);
	if (cpumask_test_and_set_cpu(cpu, &simhw_on_mask)) {
		atomic64_inc(&sc->double_enables);
		return -EBUSY;
	}
	atomic64_inc(&sc->enables);
	return 0;
}
EXPORT_SYMBOL_GPL(simhw_cpu_enable);

int simhw_cpu_disable(unsigned int cpu)
{
	struct simhw_cpu *sc;
	int r = simhw_check_caller(cpu);

	if (r)
		return r;
	sc = per_cpu_ptr(&simhw_cpu, cpu);
	if (!cpumask_test_and_clear_cpu(cpu, &simhw_on_mask)) {
		atomic64_inc(&sc->double_disables);
		return -EINVAL;
	}
	atomic64_inc(&sc->disables);
	simhw_check_vmxoff(cpu, sc);
	return 0;
}
EXPORT_SYMBOL_GPL(simhw_cpu_disable);

/*
 * T11: a SEAMCALL may leave TDX private cache lines on the CPU that ran
 * it (simhw_seamcall() marks it); WBINVD on that CPU writes them back.
 */
void simhw_cpu_mark_cache_dirty(unsigned int cpu)
{
	WRITE_ONCE(per_cpu(simhw_cpu, cpu).cache_dirty, true);
}

int simhw_cpu_wbinvd(unsigned int cpu)
{
	struct simhw_cpu *sc;
	int r = simhw_check_caller(cpu);

	if (r)
		return r;
	sc = per_cpu_ptr(&simhw_cpu, cpu);
	wbinvd();
	WRITE_ONCE(sc->cache_dirty, false);
	atomic64_inc(&sc->flushes);
	return 0;
}
EXPORT_SYMBOL_GPL(simhw_cpu_wbinvd);

/*
 * After @cpu is dead (a PREPARE state's teardown runs on another CPU once
 * every ONLINE teardown is done): TDX lines still in its caches are what
 * a flush after the last SEAMCALL prevents.  Counted, then forgotten.
 */
static int simhw_cpu_dead(unsigned int cpu)
{
	struct simhw_cpu *sc = per_cpu_ptr(&simhw_cpu, cpu);

	if (READ_ONCE(sc->cache_dirty)) {
		atomic64_inc(&sc->offline_dirty);
		WRITE_ONCE(sc->cache_dirty, false);
	}
	return 0;
}

/* One machine goes down once: one mask, kept off the stack. */
static struct cpumask simhw_dirty_at_shutdown;

/*
 * The last look at the machine before it goes: kmsg_dump() with
 * KMSG_DUMP_SHUTDOWN, after the syscore shutdown on reboot, power-off and
 * halt, and on kexec after machine_shutdown() stopped the other CPUs,
 * right before the jump into the new kernel.  What that kernel would
 * inherit (T11): caches still holding TDX lines, a module not disabled.
 * tools/reboot-trials judges the line.
 */
static void simhw_at_shutdown(struct kmsg_dumper *dumper,
			      struct kmsg_dump_detail *detail)
{
	unsigned int cpu;

	if (detail->reason != KMSG_DUMP_SHUTDOWN)
		return;
	cpumask_clear(&simhw_dirty_at_shutdown);
	for_each_possible_cpu(cpu) {
		if (READ_ONCE(per_cpu(simhw_cpu, cpu).cache_dirty))
			cpumask_set_cpu(cpu, &simhw_dirty_at_shutdown);
	}
	if (cpumask_empty(&simhw_dirty_at_shutdown))
		pr_emerg("at shutdown: TDX lines cached on CPUs: none; TDX module: %s\n",
			 simhw_tdx_module_state());
	else
		pr_emerg("at shutdown: TDX lines cached on CPUs: %*pbl; TDX module: %s\n",
			 cpumask_pr_args(&simhw_dirty_at_shutdown),
			 simhw_tdx_module_state());
}

VL_DEFINE_KMSG_DUMPER(simhw_shutdown_dumper, simhw_at_shutdown,
		      KMSG_DUMP_SHUTDOWN);

bool simhw_cpu_enabled(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids)
		return false;
	return cpumask_test_cpu(cpu, &simhw_on_mask);
}
EXPORT_SYMBOL_GPL(simhw_cpu_enabled);

u64 simhw_cpu_features(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return 0;
	if (!simhw_on_cpu(cpu))
		return 0;
	return READ_ONCE(per_cpu(simhw_cpu, cpu).features);
}
EXPORT_SYMBOL_GPL(simhw_cpu_features);

static int simhw_enabled_cpus_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%*pbl\n", cpumask_pr_args(&simhw_on_mask));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(simhw_enabled_cpus);

static int simhw_cpus_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct simhw_cpu *sc = per_cpu_ptr(&simhw_cpu, cpu);

		seq_printf(m,
			   "cpu=%u on=%d enables=%lld disables=%lld double_enables=%lld double_disables=%lld wrong_cpu=%lld preemptible=%lld cache_dirty=%d flushes=%lld offline_dirty=%lld active_vmcs=%d vmxoff_active=%lld vmcs_elsewhere=%lld features=0x%llx\n",
			   cpu, simhw_cpu_enabled(cpu),
			   atomic64_read(&sc->enables),
			   atomic64_read(&sc->disables),
			   atomic64_read(&sc->double_enables),
			   atomic64_read(&sc->double_disables),
			   atomic64_read(&sc->wrong_cpu),
			   atomic64_read(&sc->preemptible),
			   READ_ONCE(sc->cache_dirty),
			   atomic64_read(&sc->flushes),
			   atomic64_read(&sc->offline_dirty),
			   atomic_read(&sc->active_vmcs),
			   atomic64_read(&sc->vmxoff_active),
			   atomic64_read(&sc->vmcs_elsewhere),
			   READ_ONCE(sc->features));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(simhw_cpus);

/* "CPU 0xMASK" or "CPU default"; anything else is rejected. */
static ssize_t simhw_features_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	char buf[64], *mask_str;
	unsigned int cpu;
	u64 features;
	size_t len;

	/* Each write() is one whole command, whatever the file position. */
	if (count == 0 || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	len = count;
	if (buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len == 0 || strchr(buf, '\n'))
		return -EINVAL;

	mask_str = strchr(buf, ' ');
	if (!mask_str)
		return -EINVAL;
	*mask_str++ = '\0';

	if (kstrtouint(buf, 10, &cpu) || cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return -EINVAL;
	if (!strcmp(mask_str, "default"))
		features = SIMHW_FEATURES_DEFAULT;
	else if (kstrtou64(mask_str, 0, &features))
		return -EINVAL;

	WRITE_ONCE(per_cpu(simhw_cpu, cpu).features, features);
	return count;
}

/* No .llseek: not seekable (no_llseek is gone, compat.h). */
static const struct file_operations simhw_features_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = simhw_features_write,
};

static int __init simhw_init(void)
{
	unsigned int cpu;
	int r;

	/* The emulated TDX module: its parameters decide whether we load. */
	r = simhw_tdx_init();
	if (r)
		return r;

	for_each_possible_cpu(cpu)
		per_cpu(simhw_cpu, cpu).features = SIMHW_FEATURES_DEFAULT;

	r = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "virtlife_simhw/cpu:dead",
				      NULL, simhw_cpu_dead);
	if (r < 0) {
		simhw_tdx_exit();
		return r;
	}
	simhw_cpuhp_dead_state = r;

	r = kmsg_dump_register(&simhw_shutdown_dumper);
	if (r) {
		cpuhp_remove_state_nocalls(simhw_cpuhp_dead_state);
		simhw_tdx_exit();
		return r;
	}

	simhw_debugfs_dir = debugfs_create_dir("virtlife_simhw", NULL);
	debugfs_create_file("enabled_cpus", 0400, simhw_debugfs_dir, NULL,
			    &simhw_enabled_cpus_fops);
	debugfs_create_file("cpus", 0400, simhw_debugfs_dir, NULL,
			    &simhw_cpus_fops);
	debugfs_create_file("features", 0200, simhw_debugfs_dir, NULL,
			    &simhw_features_fops);
	simhw_tdx_debugfs_init(simhw_debugfs_dir);
	return 0;
}

static void __exit simhw_exit(void)
{
	debugfs_remove_recursive(simhw_debugfs_dir);
	kmsg_dump_unregister(&simhw_shutdown_dumper);
	cpuhp_remove_state_nocalls(simhw_cpuhp_dead_state);
	simhw_tdx_exit();

	/*
	 * virtlife.ko holds a reference on this module while it is loaded,
	 * so nobody can still be using the simulated hardware here; a CPU
	 * left on is the driver's fault and is only reported.
	 */
	if (!cpumask_empty(&simhw_on_mask))
		pr_info("unloading with virtualization still on for CPUs %*pbl\n",
			cpumask_pr_args(&simhw_on_mask));
}

module_init(simhw_init);
module_exit(simhw_exit);

MODULE_DESCRIPTION("virtlife simulated per-CPU virtualization hardware and TDX module");
MODULE_LICENSE("GPL");
/* A test module: loading it taints the kernel with TAINT_TEST (N). */
MODULE_INFO(test, "Y");
