// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: the "sim" backend, driving the simulated per-CPU virtualization
 * hardware of virtlife_simhw.ko.  Runs on any x86 CPU and in any VM.
 */

#include <linux/kernel.h>

#include "simhw.h"
#include "virtlife.h"

/* The simulated hardware marks MMIO SPTEs the way EPT does (RWX = 110b). */
#define SIM_MMIO_VALUE	0x6ULL

static int sim_hardware_setup(void)
{
	virtlife_mmu_masks.mmio_value = SIM_MMIO_VALUE;
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

const struct virtlife_backend virtlife_sim_backend = {
	.name = "sim",
	.hardware_setup = sim_hardware_setup,
	.cpu_features = sim_cpu_features,
	.enable_cpu = sim_enable_cpu,
	.disable_cpu = sim_disable_cpu,
};
