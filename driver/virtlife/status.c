// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: the driver's state as userspace reads it: sysfs
 * /sys/kernel/virtlife/ (stable: usage count, enabled CPUs, the backend,
 * TDX) and debugfs /sys/kernel/debug/virtlife/ (counters, per-CPU state,
 * MMU masks, and observe.c's event log and knobs).  Formats are those of
 * docs/interface.md.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>

#include "observe.h"
#include "virtlife.h"

/* ---- debugfs ------------------------------------------------------------- */

static struct dentry *virtlife_debugfs_dir;

static int virtlife_counters_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "usage_count %d\n", virtlife_usage_count());
	virtlife_counters_print(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(virtlife_counters);

static int virtlife_cpus_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		seq_printf(m, "cpu=%u enabled=%d", cpu,
			   virtlife_cpu_enabled(cpu));
		virtlife_cpu_counters_print(m, cpu);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(virtlife_cpus);

static int virtlife_mmu_masks_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "default=0x%llx current=0x%llx\n",
		   (u64)VIRTLIFE_MMU_MASKS_DEFAULT, READ_ONCE(virtlife_mmu_masks));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(virtlife_mmu_masks);

static void virtlife_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("virtlife", NULL);

	virtlife_debugfs_dir = dir;
	debugfs_create_file("counters", 0400, dir, NULL,
			    &virtlife_counters_fops);
	debugfs_create_file("cpus", 0400, dir, NULL, &virtlife_cpus_fops);
	virtlife_observe_debugfs_init(dir);
	debugfs_create_file("mmu_masks", 0400, dir, NULL,
			    &virtlife_mmu_masks_fops);
}

/* ---- sysfs --------------------------------------------------------------- */

static struct kobject *virtlife_kobj;

static ssize_t usage_count_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", virtlife_usage_count());
}

static ssize_t enabled_cpus_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	cpumask_var_t cpus;
	unsigned int cpu;
	ssize_t r;

	if (!zalloc_cpumask_var(&cpus, GFP_KERNEL))
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		if (virtlife_cpu_enabled(cpu))
			cpumask_set_cpu(cpu, cpus);
	r = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(cpus));
	free_cpumask_var(cpus);
	return r;
}

static ssize_t backend_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	const struct virtlife_backend *ops = virtlife_backend_ops();

	return sysfs_emit(buf, "%s\n", ops ? ops->name : "none");
}

/*
 * Switch the backend (usage count 0 only): the full teardown and L12 setup,
 * see virtlife_set_backend().  An unknown name changes nothing.
 */
static ssize_t backend_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	const struct virtlife_backend *backend = virtlife_backend_find(buf);
	int r;

	if (!backend)
		return -EINVAL;
	r = virtlife_set_backend(backend);
	return r ? r : count;
}

static struct kobj_attribute virtlife_usage_count_attr =
	__ATTR_RO_MODE(usage_count, 0400);
static struct kobj_attribute virtlife_enabled_cpus_attr =
	__ATTR_RO_MODE(enabled_cpus, 0400);
static struct kobj_attribute virtlife_backend_attr = __ATTR_RW(backend);

static struct attribute *virtlife_attrs[] = {
	&virtlife_usage_count_attr.attr,
	&virtlife_enabled_cpus_attr.attr,
	&virtlife_backend_attr.attr,
	NULL,
};

static const struct attribute_group virtlife_attr_group = {
	.attrs = virtlife_attrs,
};

int virtlife_status_init(void)
{
	int r;

	virtlife_kobj = kobject_create_and_add("virtlife", kernel_kobj);
	if (!virtlife_kobj)
		return -ENOMEM;
	r = sysfs_create_group(virtlife_kobj, &virtlife_attr_group);
	if (r) {
		kobject_put(virtlife_kobj);
		return r;
	}
	r = sysfs_create_group(virtlife_kobj, &virtlife_tdx_attr_group);
	if (r) {
		sysfs_remove_group(virtlife_kobj, &virtlife_attr_group);
		kobject_put(virtlife_kobj);
		return r;
	}

	virtlife_debugfs_init();
	return 0;
}

void virtlife_status_exit(void)
{
	debugfs_remove_recursive(virtlife_debugfs_dir);
	sysfs_remove_group(virtlife_kobj, &virtlife_tdx_attr_group);
	sysfs_remove_group(virtlife_kobj, &virtlife_attr_group);
	kobject_put(virtlife_kobj);
}
