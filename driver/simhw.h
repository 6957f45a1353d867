/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtlife_simhw: simulated per-CPU virtualization hardware.
 *
 * Every function that takes a CPU must run on that CPU with preemption
 * disabled, the way VMXON/VMXOFF act on the CPU that executes them.
 */
#ifndef VIRTLIFE_SIMHW_H
#define VIRTLIFE_SIMHW_H

#include <linux/types.h>

/* Feature-derived reserved-bit mask that every CPU reports by default. */
#define SIMHW_FEATURES_DEFAULT	0xffffffff00001800ULL

int simhw_cpu_enable(unsigned int cpu);
int simhw_cpu_disable(unsigned int cpu);
bool simhw_cpu_enabled(unsigned int cpu);
u64 simhw_cpu_features(unsigned int cpu);

#endif /* VIRTLIFE_SIMHW_H */
