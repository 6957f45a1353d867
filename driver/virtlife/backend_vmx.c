// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: the "vmx" backend: real VMXON/VMXOFF on Intel, as kvm_intel's
 * vmx_hardware_enable() and vmx_hardware_disable() do it.  Per CPU, on the
 * CPU itself with preemption disabled: CR4.VMXE is set, then VMXON with the
 * CPU's VMXON region (its first word the VMCS revision identifier from
 * IA32_VMX_BASIC); disabling is VMXOFF, then CR4.VMXE cleared.  A CPU whose
 * CR4.VMXE is already set belongs to another hypervisor (kvm_intel with a
 * VM, say): refused with -EBUSY.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/percpu.h>

#include <asm/asm.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/perf_event.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "compat.h"
#include "virtlife.h"

/* CPUID.1:ECX bit 5: VMX. */
#define VMX_CPUID_ECX_VMX		BIT(5)

/* The VMXON region of each possible CPU, allocated at hardware setup. */
static DEFINE_PER_CPU(struct page *, vmx_vmxon_region);

static int vmx_hardware_setup(void)
{
	u64 basic, size, memtype;
	unsigned int cpu;
	u32 revision;
	int r;

	/*
	 * The kernel clears the flag too when the firmware left VMX disabled
	 * in IA32_FEATURE_CONTROL (init_ia32_feat_ctl()).
	 */
	if (!boot_cpu_has(X86_FEATURE_VMX)) {
		pr_err("backend vmx: no VMX on this CPU (CPUID.1:ECX.VMX clear, or VMX disabled in IA32_FEATURE_CONTROL)\n");
		return -EOPNOTSUPP;
	}
	if (rdmsrl_safe(MSR_IA32_VMX_BASIC, &basic)) {
		pr_err("backend vmx: cannot read IA32_VMX_BASIC (MSR %#x)\n",
		       MSR_IA32_VMX_BASIC);
		return -EIO;
	}
	/* IA32_VMX_BASIC: SDM Vol. 3D, A.1. */
	size = vmx_basic_vmcs_size(basic);
	memtype = vmx_basic_vmcs_mem_type(basic);
	/*
	 * As kvm_intel's setup_vmcs_config(): the region fits in a page, may
	 * lie anywhere in physical memory (bit 48 is 0 on 64-bit CPUs), and
	 * is accessed write-back.
	 */
	if (!size || size > PAGE_SIZE ||
	    (basic & VMX_BASIC_32BIT_PHYS_ADDR_ONLY) ||
	    memtype != X86_MEMTYPE_WB) {
		pr_err("backend vmx: unsupported IA32_VMX_BASIC %#llx\n", basic);
		return -EIO;
	}
	revision = vmx_basic_vmcs_revision_id(basic);

	r = virtlife_alloc_cpu_pages(&vmx_vmxon_region);
	if (r)
		return r;
	for_each_possible_cpu(cpu) {
		u32 *region = page_address(per_cpu(vmx_vmxon_region, cpu));

		*region = revision;
	}
	return 0;
}

static void vmx_hardware_unsetup(void)
{
	virtlife_free_cpu_pages(&vmx_vmxon_region);
}

/* IA32_VMX_BASIC: revision, region size, memory type; same on every CPU. */
static u64 vmx_cpu_features(unsigned int cpu)
{
	u64 basic;

	return rdmsrl_safe(MSR_IA32_VMX_BASIC, &basic) ? 0 : basic;
}

/*
 * On @cpu: VMX present, VMXON allowed outside SMX by a locked
 * IA32_FEATURE_CONTROL, and not in use.
 */
static int vmx_check_processor_compat(unsigned int cpu)
{
	u64 feat_ctl;

	if (!(cpuid_ecx(1) & VMX_CPUID_ECX_VMX)) {
		pr_err("CPU%u: no VMX (CPUID.1:ECX.VMX clear)\n", cpu);
		return -EOPNOTSUPP;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat_ctl)) {
		pr_err("CPU%u: cannot read IA32_FEATURE_CONTROL (MSR %#x)\n",
		       cpu, MSR_IA32_FEAT_CTL);
		return -EIO;
	}
	if (!(feat_ctl & FEAT_CTL_LOCKED) ||
	    !(feat_ctl & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("CPU%u: VMX disabled by the firmware: IA32_FEATURE_CONTROL %#llx is not locked with VMXON outside SMX enabled\n",
		       cpu, feat_ctl);
		return -EOPNOTSUPP;
	}
	if (__read_cr4() & X86_CR4_VMXE) {
		pr_err("CPU%u: CR4.VMXE is already set: another hypervisor (e.g. kvm_intel) owns VMX on this CPU\n",
		       cpu);
		return -EBUSY;
	}
	return 0;
}

static int vmx_enable_cpu(unsigned int cpu)
{
	u64 pa = page_to_phys(per_cpu(vmx_vmxon_region, cpu));
	u64 feat_ctl;

	if (__read_cr4() & X86_CR4_VMXE) {
		pr_err("CPU%u: CR4.VMXE is already set: another hypervisor owns VMX on this CPU\n",
		       cpu);
		return -EBUSY;
	}

	/* VMXON fails while Intel PT traces without VMX support (as KVM). */
	intel_pt_handle_vmx(1);
	cr4_set_bits(X86_CR4_VMXE);
	/*
	 * VMfailInvalid sets CF, VMfailValid ZF: "jna" takes either.  A fault
	 * (#UD, #GP) goes through the exception table to 2:, on to fault.
	 */
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[vmfail]\n\t"
		 "jmp 3f\n"
		 "2:\tjmp %l[fault]\n"
		 "3:\n\t"
		 _ASM_EXTABLE(1b, 2b)
		 : : [pa] "m" (pa) : "cc", "memory" : vmfail, fault);
	return 0;

vmfail:
	pr_err("CPU%u: VMXON failed (VMfail: CF or ZF set)\n", cpu);
	goto err;
fault:
	pr_err("CPU%u: VMXON faulted, IA32_FEATURE_CONTROL %#llx\n", cpu,
	       rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat_ctl) ? 0ULL : feat_ctl);
err:
	cr4_clear_bits(X86_CR4_VMXE);
	intel_pt_handle_vmx(0);
	return -EIO;
}

static int vmx_disable_cpu(unsigned int cpu)
{
	int r = 0;

	if (!(__read_cr4() & X86_CR4_VMXE)) {
		pr_err("CPU%u: CR4.VMXE is already clear\n", cpu);
		return -EIO;
	}
	/* The same failure paths as VMXON's. */
	asm goto("1: vmxoff\n\t"
		 "jna %l[vmfail]\n\t"
		 "jmp 3f\n"
		 "2:\tjmp %l[fault]\n"
		 "3:\n\t"
		 _ASM_EXTABLE(1b, 2b)
		 : : : "cc", "memory" : vmfail, fault);
	goto out;

vmfail:
	pr_err("CPU%u: VMXOFF failed (VMfail: CF or ZF set)\n", cpu);
	r = -EIO;
	goto out;
fault:
	/* #UD: not in VMX operation after all. */
	pr_err("CPU%u: VMXOFF faulted\n", cpu);
	r = -EIO;
out:
	cr4_clear_bits(X86_CR4_VMXE);
	intel_pt_handle_vmx(0);
	return r;
}

static bool vmx_this_cpu_hw_enabled(void)
{
	return __read_cr4() & X86_CR4_VMXE;
}

static bool vmx_cpu_hw_enabled(unsigned int cpu)
{
	return virtlife_on_cpu_bool(cpu, vmx_this_cpu_hw_enabled);
}

const struct virtlife_backend virtlife_vmx_backend = {
	.name = "vmx",
	.region_size = PAGE_SIZE,
	.hardware_setup = vmx_hardware_setup,
	.hardware_unsetup = vmx_hardware_unsetup,
	.cpu_features = vmx_cpu_features,
	.check_processor_compat = vmx_check_processor_compat,
	.enable_cpu = vmx_enable_cpu,
	.disable_cpu = vmx_disable_cpu,
	.cpu_hw_enabled = vmx_cpu_hw_enabled,
};
