/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtlife: the observability interface (observe.c): counters, the event
 * log, fault-injection knobs and race-window delays.  The lifecycle, the
 * backends, VMs and TDX call it; it calls nothing of theirs, so it may be
 * called from any of them, in any context its functions name.
 */
#ifndef VIRTLIFE_OBSERVE_H
#define VIRTLIFE_OBSERVE_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct dentry;
struct seq_file;

/* ---- counters --------------------------------------------- */

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
	VL_CNT_BACKSTOP_RUNS,
	VL_CNT_ENABLE_ABORTS,
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

/* ---- event log -------------------------------------------- */

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
	VL_EV_ENABLE_ABORT,
	VL_EV_BACKSTOP,
	VL_EV_DELAY_BEGIN,
	VL_EV_DELAY_END,
	VL_EV_MMU_RESET,
	VL_EV_BACKEND_HW_SETUP,
	VL_EV_STRUCTS_CREATE,
	VL_EV_STRUCTS_DESTROY,
	VL_EV_BACKEND_HW_UNSETUP,
	VL_EV_NR,
};

#define VIRTLIFE_EVENT_LOG_SIZE	4096

/* Any context, including hard IRQ and IRQs-off syscore callbacks. */
void virtlife_event(enum virtlife_event_id id, int arg);

/* ---- fault injection knobs -------------------------------- */

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

/* ---- race windows ------------------------------------------ */

/* The named points of the 0->1 path where a delay can be injected. */
enum virtlife_delay_point {
	VL_DELAY_AFTER_ARCH_ENABLE,
	VL_DELAY_AFTER_HOTPLUG_ADD,
	VL_DELAY_AFTER_SYSCORE_REGISTER,
	VL_DELAY_AFTER_STATE_CHECK,
	VL_DELAY_NR,
};

/* Process context; sleeps if a delay is armed at @point. */
void virtlife_delay_at(enum virtlife_delay_point point);
/* Process context; "none" or "POINT MS", -EINVAL changes nothing. */
int virtlife_delay_set(char *cmd);

/* The debugfs files of the above (events, fail_*, delay) in @dir. */
void virtlife_observe_debugfs_init(struct dentry *dir);
/* The lines of debugfs counters and cpus (docs/interface.md). */
void virtlife_counters_print(struct seq_file *m);
void virtlife_cpu_counters_print(struct seq_file *m, unsigned int cpu);

#endif /* VIRTLIFE_OBSERVE_H */
