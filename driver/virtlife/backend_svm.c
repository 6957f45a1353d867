// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: the "svm" backend: real AMD-V enabling, as kvm_amd's
 * svm_hardware_enable() and svm_hardware_disable() do it.  Per CPU, on the
 * CPU itself with preemption disabled: VM_HSAVE_PA gets the physical address
 * of the CPU's host save area, then EFER.SVME is set; disabling clears
 * EFER.SVME and VM_HSAVE_PA.  A CPU whose EFER.SVME is already set belongs
 * to another hypervisor (kvm_amd with a VM, say): refused with -EBUSY.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mem_encrypt.h>
#include <linux/mm.h>
#include <linux/percpu.h>

#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/svm.h>

#include "virtlife.h"

/* CPUID 0x80000001 ECX bit 2: SVM. */
#define SVM_CPUID_EXT_FEATURES		0x80000001
#define SVM_CPUID_ECX_SVM		BIT(2)
/* CPUID 0x8000000A: SVM revision, number of ASIDs, SVM feature bits. */
#define SVM_CPUID_SVM_FEATURES		0x8000000a

/* The host save area of each possible CPU, allocated at hardware setup. */
static DEFINE_PER_CPU(struct page *, svm_hsave);

static int svm_hardware_setup(void)
{
	int r;

	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("backend svm: this CPU has no SVM (CPUID 0x80000001 ECX bit 2 clear)\n");
		return -EOPNOTSUPP;
	}

	r = virtlife_alloc_cpu_pages(&svm_hsave);
	if (r)
		return r;

	/* Guest memory is encrypted with the kernel's C-bit, if any (SME). */
	virtlife_mmu_masks |= sme_me_mask;
	return 0;
}

static void svm_hardware_unsetup(void)
{
	virtlife_free_cpu_pages(&svm_hsave);
}

/*
 * The SVM feature bits (CPUID 0x8000000A EDX) and the number of ASIDs (EBX):
 * the same on every CPU of a sane system.
 */
static u64 svm_cpu_features(unsigned int cpu)
{
	u32 eax, ebx, ecx, edx;

	cpuid(SVM_CPUID_SVM_FEATURES, &eax, &ebx, &ecx, &edx);
	return (u64)ebx << 32 | edx;
}

/* On @cpu: SVM present, not disabled by the firmware, not in use. */
static int svm_check_processor_compat(unsigned int cpu)
{
	u64 vm_cr, efer;

	if (!(cpuid_ecx(SVM_CPUID_EXT_FEATURES) & SVM_CPUID_ECX_SVM)) {
		pr_err("CPU%u: no SVM (CPUID 0x80000001 ECX bit 2 clear)\n",
		       cpu);
		return -EOPNOTSUPP;
	}
	if (rdmsrl_safe(MSR_VM_CR, &vm_cr)) {
		pr_err("CPU%u: cannot read VM_CR (MSR %#x)\n", cpu, MSR_VM_CR);
		return -EIO;
	}
	if (vm_cr & SVM_VM_CR_SVM_DIS_MASK) {
		pr_err("CPU%u: SVM disabled by the firmware (VM_CR.SVMDIS set)\n",
		       cpu);
		return -EOPNOTSUPP;
	}
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("CPU%u: EFER.SVME is already set: another hypervisor (e.g. kvm_amd) owns SVM on this CPU\n",
		       cpu);
		return -EBUSY;
	}
	return 0;
}

static int svm_enable_cpu(unsigned int cpu)
{
	struct page *hsave = per_cpu(svm_hsave, cpu);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("CPU%u: EFER.SVME is already set: another hypervisor owns SVM on this CPU\n",
		       cpu);
		return -EBUSY;
	}
	wrmsrl(MSR_VM_HSAVE_PA, __sme_set(page_to_phys(hsave)));
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	return 0;
}

static int svm_disable_cpu(unsigned int cpu)
{
	u64 efer;
	int r = 0;

	rdmsrl(MSR_EFER, efer);
	if (!(efer & EFER_SVME)) {
		/* Someone cleared it behind our back: say so, clean up. */
		pr_err("CPU%u: EFER.SVME is already clear\n", cpu);
		r = -EIO;
	}
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	return r;
}

static bool svm_this_cpu_hw_enabled(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	return efer & EFER_SVME;
}

static bool svm_cpu_hw_enabled(unsigned int cpu)
{
	return virtlife_on_cpu_bool(cpu, svm_this_cpu_hw_enabled);
}

const struct virtlife_backend virtlife_svm_backend = {
	.name = "svm",
	.region_size = PAGE_SIZE,
	.hardware_setup = svm_hardware_setup,
	.hardware_unsetup = svm_hardware_unsetup,
	.cpu_features = svm_cpu_features,
	.check_processor_compat = svm_check_processor_compat,
	.enable_cpu = svm_enable_cpu,
	.disable_cpu = svm_disable_cpu,
	.cpu_hw_enabled = svm_cpu_hw_enabled,
};
