/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU MSRs through the msr driver (/dev/cpu/N/msr, CONFIG_X86_MSR):
 * what the hardware says, independent of any driver's own view.
 *
 * Functions return 0 or a negative errno; they never exit.
 */
#ifndef MSR_UTIL_H
#define MSR_UTIL_H

#include <sched.h>
#include <stdint.h>

#define MSR_EFER	0xc0000080u
#define EFER_SVME	(1ull << 12)	/* AMD: SVM enabled on this CPU */

/* Load the msr module if /dev/cpu/0/msr is missing; -ENODEV if it stays so. */
int msr_driver_ready(void);

/* rdmsr @msr on @cpu (the msr driver runs it on that CPU). */
int msr_read(int cpu, uint32_t msr, uint64_t *val);

/*
 * EFER.SVME of every CPU in @cpus: @svme gets the CPUs with the bit set.
 * Fails on the first CPU whose EFER cannot be read (offline: -ENXIO).
 */
int msr_svme_cpus(const cpu_set_t *cpus, cpu_set_t *svme);

#endif /* MSR_UTIL_H */
