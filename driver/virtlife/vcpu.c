// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: vCPU file descriptors and the VMCSs loaded on each CPU.
 *
 * As KVM's VMX code keeps them (loaded_vmcss_on_cpu): a vCPU's VMCS stays
 * active on the CPU it last ran on; it is cleared (VMCLEAR) there before it
 * is loaded on another CPU, when the vCPU is freed, and when that CPU turns
 * virtualization off, in the emergency disable too (L8: the CPU may keep
 * the cached state of an active VMCS across INIT; CVE-2023-52514).  Each
 * CPU's list is changed only on that CPU with IRQs off, so the disable
 * paths walk it without a lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "uapi/virtlife.h"
#include "simhw.h"
#include "virtlife.h"

struct virtlife_vcpu {
	struct simhw_vmcs vmcs;
	struct list_head loaded_link;	/* on its CPU's list while loaded */
	int cpu;			/* where loaded, -1 nowhere */
	struct mutex lock;		/* one VIRTLIFE_RUN at a time */
	struct file *vm;		/* the VM it belongs to, held */
};

static DEFINE_PER_CPU(struct list_head, virtlife_loaded_vcpus);

/* On the vCPU's CPU, IRQs off. */
static void virtlife_vcpu_clear_local(struct virtlife_vcpu *vcpu)
{
	const struct virtlife_backend *ops = virtlife_backend_ops();
	unsigned int cpu = smp_processor_id();
	int r = ops->vmclear(cpu, &vcpu->vmcs);

	if (r)
		pr_warn("CPU%u: VMCLEAR failed: %d\n", cpu, r);
	list_del(&vcpu->loaded_link);
	WRITE_ONCE(vcpu->cpu, -1);
}

void virtlife_vcpus_clear_this_cpu(void)
{
	struct virtlife_vcpu *vcpu, *tmp;

	lockdep_assert_irqs_disabled();
	list_for_each_entry_safe(vcpu, tmp, this_cpu_ptr(&virtlife_loaded_vcpus),
				 loaded_link)
		virtlife_vcpu_clear_local(vcpu);
}

static void virtlife_vcpu_clear_ipi(void *arg)
{
	struct virtlife_vcpu *vcpu = arg;

	/* Gone meanwhile: that CPU's disable cleared it. */
	if (READ_ONCE(vcpu->cpu) == smp_processor_id())
		virtlife_vcpu_clear_local(vcpu);
}

/*
 * Clears @vcpu where it is loaded.  An offline CPU (-ENXIO) cleared its
 * VMCSs when it turned virtualization off.
 */
static void virtlife_vcpu_clear(struct virtlife_vcpu *vcpu)
{
	int cpu = READ_ONCE(vcpu->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, virtlife_vcpu_clear_ipi, vcpu, 1);
}

/* Returns the CPU it ran on, or -errno. */
static long virtlife_vcpu_run(struct virtlife_vcpu *vcpu)
{
	const struct virtlife_backend *ops = virtlife_backend_ops();
	unsigned int cpu;
	int r = 0;

	mutex_lock(&vcpu->lock);
	cpu = get_cpu();
	if (READ_ONCE(vcpu->cpu) != cpu) {
		virtlife_vcpu_clear(vcpu);
		local_irq_disable();
		if (!virtlife_cpu_enabled(cpu))
			r = -EIO;
		else
			r = ops->vmptrld(cpu, &vcpu->vmcs);
		if (!r) {
			list_add(&vcpu->loaded_link,
				 this_cpu_ptr(&virtlife_loaded_vcpus));
			WRITE_ONCE(vcpu->cpu, cpu);
		}
		local_irq_enable();
	}
	put_cpu();
	mutex_unlock(&vcpu->lock);
	return r ? r : cpu;
}

static long virtlife_vcpu_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	if (cmd != VIRTLIFE_RUN)
		return -ENOTTY;
	return virtlife_vcpu_run(file->private_data);
}

static int virtlife_vcpu_release(struct inode *inode, struct file *file)
{
	struct virtlife_vcpu *vcpu = file->private_data;

	virtlife_vcpu_clear(vcpu);
	fput(vcpu->vm);
	kfree(vcpu);
	return 0;
}

static const struct file_operations virtlife_vcpu_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = virtlife_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = virtlife_vcpu_release,
	.llseek = noop_llseek,
};

int virtlife_create_vcpu(struct file *vm)
{
	const struct virtlife_backend *ops = virtlife_backend_ops();
	struct virtlife_vcpu *vcpu;
	int fd;

	if (!ops || !ops->vmptrld || !ops->vmclear)
		return -EOPNOTSUPP;
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL);
	if (!vcpu)
		return -ENOMEM;
	simhw_vmcs_init(&vcpu->vmcs);
	INIT_LIST_HEAD(&vcpu->loaded_link);
	vcpu->cpu = -1;
	mutex_init(&vcpu->lock);
	vcpu->vm = get_file(vm);

	fd = anon_inode_getfd("virtlife-vcpu", &virtlife_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fput(vm);
		kfree(vcpu);
	}
	return fd;
}

void virtlife_vcpu_init(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(per_cpu_ptr(&virtlife_loaded_vcpus, cpu));
}
