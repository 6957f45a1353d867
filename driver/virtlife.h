/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtlife: internal interfaces between the parts of virtlife.ko.
 *
 *   main.c         module init/exit, parameters
 *   lifecycle.c    usage count, enable/disable order, hotplug, syscore
 *   backend.c      backend registration, per-CPU compatibility check
 *   backend_sim.c  the "sim" backend (virtlife_simhw.ko)
 *   vm.c           /dev/virtlife and VM file descriptors
 *   observe.c      counters, event log, fault knobs, sysfs, debugfs
 */
#ifndef VIRTLIFE_INTERNAL_H
#define VIRTLIFE_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* ---- observe.c: counters --------------------------------------------- */

enum virtlife_counter {
	VL_CNT_ENABLE_ALL,
	VL_CNT_ENABLE_ALL_FAILURES,
	VL_CNT_DISABLE_ALL,
	VL_CNT_CPU_ENABLES,
	VL_CNT_CPU_DISABLES,
	VL_CNT_COMPAT_CHECKS,
	VL_CNT_COMPAT_FAILURES,
	VL_CNT_ENABLE_FAILURES,
	VL_CNT_DOUBLE_ENABLES,
	VL_CNT_DOUBLE_DISABLES,
	VL_CNT_ONLINE_CALLBACKS,
	VL_CNT_OFFLINE_CALLBACKS,
	VL_CNT_VMS_CREATED,
	VL_CNT_VMS_DESTROYED,
	VL_CNT_SUSPEND_CALLS,
	VL_CNT_RESUME_CALLS,
	VL_CNT_SHUTDOWN_CALLS,
	VL_CNT_NR,
};

enum virtlife_cpu_counter {
	VL_CPU_ENABLES,
	VL_CPU_DISABLES,
	VL_CPU_COMPAT_CHECKS,
	VL_CPU_COMPAT_FAILURES,
	VL_CPU_ENABLE_FAILURES,
	VL_CPU_DOUBLE_ENABLES,
	VL_CPU_DOUBLE_DISABLES,
	VL_CPU_ONLINE,
	VL_CPU_OFFLINE,
	VL_CPU_NR,
};

extern atomic64_t virtlife_counters[VL_CNT_NR];

struct virtlife_cpu_stats {
	atomic64_t c[VL_CPU_NR];
};

DECLARE_PER_CPU(struct virtlife_cpu_stats, virtlife_cpu_stats);

static inline void virtlife_count(enum virtlife_counter c)
{
	atomic64_inc(&virtlife_counters[c]);
}

static inline void virtlife_cpu_count(unsigned int cpu,
				      enum virtlife_cpu_counter c)
{
	atomic64_inc(&per_cpu(virtlife_cpu_stats, cpu).c[c]);
}

/* ---- observe.c: event log -------------------------------------------- */

enum virtlife_event_id {
	VL_EV_USAGE_GET,
	VL_EV_USAGE_PUT,
	VL_EV_ARCH_ENABLE,
	VL_EV_HOTPLUG_ADD,
	VL_EV_SYSCORE_REGISTER,
	VL_EV_STATE_CHECK,
	VL_EV_ENABLE_DONE,
	VL_EV_ENABLE_UNWIND,
	VL_EV_SYSCORE_UNREGISTER,
	VL_EV_HOTPLUG_REMOVE,
	VL_EV_ARCH_DISABLE,
	VL_EV_COMPAT_CHECK,
	VL_EV_COMPAT_FAIL,
	VL_EV_CPU_ENABLE,
	VL_EV_CPU_ENABLE_FAIL,
	VL_EV_CPU_DISABLE,
	VL_EV_CPU_DISABLE_FAIL,
	VL_EV_CPU_ONLINE,
	VL_EV_CPU_OFFLINE,
	VL_EV_BACKEND_PUBLISH,
	VL_EV_BACKEND_UNPUBLISH,
	VL_EV_SYSCORE_SUSPEND,
	VL_EV_SYSCORE_RESUME,
	VL_EV_SYSCORE_SHUTDOWN,
	VL_EV_NR,
};

#define VIRTLIFE_EVENT_LOG_SIZE	4096

/* Any context, including hard IRQ and IRQs-off syscore callbacks. */
void virtlife_event(enum virtlife_event_id id, int arg);

/* ---- observe.c: fault injection knobs -------------------------------- */

struct virtlife_knob {
	raw_spinlock_t lock;
	struct cpumask cpus;
	int count;		/* 0: off, -1: always, N: the next N hits */
};

extern struct virtlife_knob virtlife_fail_compat;
extern struct virtlife_knob virtlife_fail_enable;

/* Any context: consumes one hit if @cpu is armed. */
bool virtlife_knob_hit(struct virtlife_knob *knob, unsigned int cpu);
/* Process context; "none" or "CPULIST COUNT", -EINVAL changes nothing. */
int virtlife_knob_set(struct virtlife_knob *knob, char *cmd);

int virtlife_observe_init(void);
void virtlife_observe_exit(void);

/* ---- backend.c -------------------------------------------------------- */

/*
 * A backend ("vendor" in KVM's terms).  The per-CPU operations run on the
 * CPU they name, with preemption disabled.
 */
struct virtlife_backend {
	const char *name;
	/* Global setup; may adjust virtlife_mmu_masks. */
	int (*hardware_setup)(void);
	void (*hardware_unsetup)(void);
	/* This CPU's feature-derived reserved-bit mask. */
	u64 (*cpu_features)(unsigned int cpu);
	/* Backend-specific compatibility check of this CPU (optional). */
	int (*check_processor_compat)(unsigned int cpu);
	int (*enable_cpu)(unsigned int cpu);
	int (*disable_cpu)(unsigned int cpu);
};

/* MMU configuration that a backend may change in its hardware_setup(). */
struct virtlife_mmu_masks {
	u64 present_mask;
	u64 mmio_value;
};

extern struct virtlife_mmu_masks virtlife_mmu_masks;
extern const struct virtlife_backend virtlife_sim_backend;

const struct virtlife_backend *virtlife_backend_find(const char *name);
int virtlife_backend_setup(const struct virtlife_backend *backend);
void virtlife_backend_teardown(void);
const struct virtlife_backend *virtlife_backend_ops(void);
int virtlife_check_cpu_compat(unsigned int cpu);

/* ---- lifecycle.c ------------------------------------------------------ */

int virtlife_enable_virtualization(void);
void virtlife_disable_virtualization(void);
int virtlife_usage_count(void);
bool virtlife_cpu_enabled(unsigned int cpu);

/* ---- vm.c --------------------------------------------------------------- */

int virtlife_vm_dev_init(void);
void virtlife_vm_dev_exit(void);

#endif /* VIRTLIFE_INTERNAL_H */
