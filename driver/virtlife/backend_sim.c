// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: the "sim" and "sim-alt" backends, driving the simulated per-CPU
 * virtualization hardware of virtlife_simhw.ko.  Both run on any x86 CPU and
 * in any VM; they differ in what their hardware setup does to the MMU masks
 * and in the size of their per-CPU region, so that switching between them
 * shows the setup order of L12.
 */

#include <linux/kernel.h>

#include "simhw.h"
#include "virtlife.h"

/* The simulated hardware marks MMIO SPTEs the way EPT does (RWX = 110b). */
#define SIM_MMIO_VALUE		0x6ULL

/* sim-alt encrypts guest memory: a C-bit in every SPTE, as with SME/SEV. */
#define SIM_ALT_ME_MASK		BIT_ULL(51)

static int sim_hardware_setup(void)
{
	virtlife_mmu_masks |= SIM_MMIO_VALUE;
	return 0;
}

static int sim_alt_hardware_setup(void)
{
	virtlife_mmu_masks |= SIM_ALT_ME_MASK;
	return 0;
}

static u64 sim_cpu_features(unsigned int cpu)
{
	return simhw_cpu_features(cpu);
}

static int sim_enable_cpu(unsigned int cpu)
{
	return simhw_cpu_enable(cpu);
}

static int sim_disable_cpu(unsigned int cpu)
{
	return simhw_cpu_disable(cpu);
}

static bool sim_cpu_hw_enabled(unsigned int cpu)
{
	return simhw_cpu_enabled(cpu);
}

static int sim_vmptrld(unsigned int cpu, struct simhw_vmcs *vmcs)
{
	return simhw_vmptrld(cpu, vmcs);
}

static int sim_vmclear(unsigned int cpu, struct simhw_vmcs *vmcs)
{
	return simhw_vmclear(cpu, vmcs);
}

const struct virtlife_backend virtlife_sim_backend = {
	.name = "sim",
	.region_size = 4096,
	.hardware_setup = sim_hardware_setup,
	.cpu_features = sim_cpu_features,
	.enable_cpu = sim_enable_cpu,
	.disable_cpu = sim_disable_cpu,
	.cpu_hw_enabled = sim_cpu_hw_enabled,
	.vmptrld = sim_vmptrld,
	.vmclear = sim_vmclear,
};

const struct virtlife_backend virtlife_sim_alt_backend = {
	.name = "sim-alt",
	.region_size = 8192,
	.hardware_setup = sim_alt_hardware_setup,
	.cpu_features = sim_cpu_features,
	.enable_cpu = sim_enable_cpu,
	.disable_cpu = sim_disable_cpu,
	.cpu_hw_enabled = sim_cpu_hw_enabled,
	.vmptrld = sim_vmptrld,
	.vmclear = sim_vmclear,
};
