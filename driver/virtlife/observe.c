// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: observability and fault injection (observe.h): counters, the
 * event log, fault knobs and race-window delays, with their debugfs files
 * (formats: docs/interface.md).  It calls nothing of the lifecycle, the
 * backends or the rest: they call it.  status.c shows the driver's state.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "observe.h"

/* ---- counters ------------------------------------------------------------ */

atomic64_t virtlife_counters[VL_CNT_NR];
DEFINE_PER_CPU(struct virtlife_cpu_stats, virtlife_cpu_stats);

static const char * const virtlife_counter_names[VL_CNT_NR] = {
	[VL_CNT_ENABLE_ALL]		= "enable_all",
	[VL_CNT_ENABLE_ALL_FAILURES]	= "enable_all_failures",
	[VL_CNT_DISABLE_ALL]		= "disable_all",
	[VL_CNT_CPU_ENABLES]		= "cpu_enables",
	[VL_CNT_CPU_DISABLES]		= "cpu_disables",
	[VL_CNT_COMPAT_CHECKS]		= "compat_checks",
	[VL_CNT_COMPAT_FAILURES]	= "compat_failures",
	[VL_CNT_ENABLE_FAILURES]	= "enable_failures",
	[VL_CNT_DOUBLE_ENABLES]		= "double_enables",
	[VL_CNT_DOUBLE_DISABLES]	= "double_disables",
	[VL_CNT_ONLINE_CALLBACKS]	= "online_callbacks",
	[VL_CNT_OFFLINE_CALLBACKS]	= "offline_callbacks",
	[VL_CNT_VMS_CREATED]		= "vms_created",
	[VL_CNT_VMS_DESTROYED]		= "vms_destroyed",
	[VL_CNT_SUSPEND_CALLS]		= "suspend_calls",
	[VL_CNT_RESUME_CALLS]		= "resume_calls",
	[VL_CNT_SHUTDOWN_CALLS]		= "shutdown_calls",
	[VL_CNT_BACKSTOP_RUNS]		= "backstop_runs",
	[VL_CNT_ENABLE_ABORTS]		= "enable_aborts",
};

static const char * const virtlife_cpu_counter_names[VL_CPU_NR] = {
	[VL_CPU_ENABLES]		= "enables",
	[VL_CPU_DISABLES]		= "disables",
	[VL_CPU_COMPAT_CHECKS]		= "compat_checks",
	[VL_CPU_COMPAT_FAILURES]	= "compat_failures",
	[VL_CPU_ENABLE_FAILURES]	= "enable_failures",
	[VL_CPU_DOUBLE_ENABLES]		= "double_enables",
	[VL_CPU_DOUBLE_DISABLES]	= "double_disables",
	[VL_CPU_ONLINE]			= "online",
	[VL_CPU_OFFLINE]		= "offline",
};

/* ---- event log --------------------------------------------------------- */

static const char * const virtlife_event_names[VL_EV_NR] = {
	[VL_EV_USAGE_GET]		= "usage_get",
	[VL_EV_USAGE_PUT]		= "usage_put",
	[VL_EV_ARCH_ENABLE]		= "arch_enable",
	[VL_EV_HOTPLUG_ADD]		= "hotplug_add",
	[VL_EV_SYSCORE_REGISTER]	= "syscore_register",
	[VL_EV_STATE_CHECK]		= "state_check",
	[VL_EV_ENABLE_DONE]		= "enable_done",
	[VL_EV_ENABLE_UNWIND]		= "enable_unwind",
	[VL_EV_SYSCORE_UNREGISTER]	= "syscore_unregister",
	[VL_EV_HOTPLUG_REMOVE]		= "hotplug_remove",
	[VL_EV_ARCH_DISABLE]		= "arch_disable",
	[VL_EV_COMPAT_CHECK]		= "compat_check",
	[VL_EV_COMPAT_FAIL]		= "compat_fail",
	[VL_EV_CPU_ENABLE]		= "cpu_enable",
	[VL_EV_CPU_ENABLE_FAIL]		= "cpu_enable_fail",
	[VL_EV_CPU_DISABLE]		= "cpu_disable",
	[VL_EV_CPU_DISABLE_FAIL]	= "cpu_disable_fail",
	[VL_EV_CPU_ONLINE]		= "cpu_online",
	[VL_EV_CPU_OFFLINE]		= "cpu_offline",
	[VL_EV_BACKEND_PUBLISH]		= "backend_publish",
	[VL_EV_BACKEND_UNPUBLISH]	= "backend_unpublish",
	[VL_EV_SYSCORE_SUSPEND]		= "syscore_suspend",
	[VL_EV_SYSCORE_RESUME]		= "syscore_resume",
	[VL_EV_SYSCORE_SHUTDOWN]	= "syscore_shutdown",
	[VL_EV_ENABLE_ABORT]		= "enable_abort",
	[VL_EV_BACKSTOP]		= "backstop",
	[VL_EV_DELAY_BEGIN]		= "delay_begin",
	[VL_EV_DELAY_END]		= "delay_end",
	[VL_EV_MMU_RESET]		= "mmu_reset",
	[VL_EV_BACKEND_HW_SETUP]	= "backend_hw_setup",
	[VL_EV_STRUCTS_CREATE]		= "structs_create",
	[VL_EV_STRUCTS_DESTROY]		= "structs_destroy",
	[VL_EV_BACKEND_HW_UNSETUP]	= "backend_hw_unsetup",
};

struct virtlife_event_rec {
	u64 seq;
	u64 time_ns;
	u32 cpu;
	u32 id;
	int arg;
};

/*
 * A ring of the newest VIRTLIFE_EVENT_LOG_SIZE events.  A raw spinlock with
 * IRQs saved, so that events can be logged from any context: hotplug
 * callbacks, IPIs, syscore callbacks with IRQs off.
 */
static DEFINE_RAW_SPINLOCK(virtlife_log_lock);
static struct virtlife_event_rec virtlife_log[VIRTLIFE_EVENT_LOG_SIZE];
static u64 virtlife_log_seq;	/* the last sequence number handed out */

void virtlife_event(enum virtlife_event_id id, int arg)
{
	struct virtlife_event_rec *rec;
	unsigned long flags;

	raw_spin_lock_irqsave(&virtlife_log_lock, flags);
	rec = &virtlife_log[virtlife_log_seq % VIRTLIFE_EVENT_LOG_SIZE];
	rec->seq = ++virtlife_log_seq;
	/* The NMI-safe CLOCK_MONOTONIC: also usable across syscore suspend. */
	rec->time_ns = ktime_get_mono_fast_ns();
	rec->cpu = raw_smp_processor_id();
	rec->id = id;
	rec->arg = arg;
	raw_spin_unlock_irqrestore(&virtlife_log_lock, flags);
}

static u64 virtlife_events_dropped(void)
{
	unsigned long flags;
	u64 seq;

	raw_spin_lock_irqsave(&virtlife_log_lock, flags);
	seq = virtlife_log_seq;
	raw_spin_unlock_irqrestore(&virtlife_log_lock, flags);
	return seq > VIRTLIFE_EVENT_LOG_SIZE ? seq - VIRTLIFE_EVENT_LOG_SIZE : 0;
}

struct virtlife_events_snap {
	unsigned int nr;
	struct virtlife_event_rec rec[];
};

static int virtlife_events_show(struct seq_file *m, void *unused)
{
	struct virtlife_events_snap *snap = m->private;
	unsigned int i;

	for (i = 0; i < snap->nr; i++) {
		const struct virtlife_event_rec *rec = &snap->rec[i];

		seq_printf(m, "%llu %llu %u %s %d\n", rec->seq, rec->time_ns,
			   rec->cpu, virtlife_event_names[rec->id], rec->arg);
	}
	return 0;
}

/* Takes a snapshot at open, oldest first, so that a read is consistent. */
static int virtlife_events_open(struct inode *inode, struct file *file)
{
	struct virtlife_events_snap *snap;
	unsigned long flags;
	unsigned int i, nr;
	u64 first;
	int r;

	snap = kvmalloc(struct_size(snap, rec, VIRTLIFE_EVENT_LOG_SIZE),
			GFP_KERNEL);
	if (!snap)
		return -ENOMEM;

	raw_spin_lock_irqsave(&virtlife_log_lock, flags);
	nr = min_t(u64, virtlife_log_seq, VIRTLIFE_EVENT_LOG_SIZE);
	first = virtlife_log_seq - nr;
	for (i = 0; i < nr; i++)
		snap->rec[i] = virtlife_log[(first + i) % VIRTLIFE_EVENT_LOG_SIZE];
	raw_spin_unlock_irqrestore(&virtlife_log_lock, flags);
	snap->nr = nr;

	r = single_open_size(file, virtlife_events_show, snap,
			     (size_t)nr * 64 + PAGE_SIZE);
	if (r)
		kvfree(snap);
	return r;
}

static int virtlife_events_release(struct inode *inode, struct file *file)
{
	struct virtlife_events_snap *snap =
		((struct seq_file *)file->private_data)->private;

	single_release(inode, file);
	kvfree(snap);
	return 0;
}

static const struct file_operations virtlife_events_fops = {
	.owner = THIS_MODULE,
	.open = virtlife_events_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = virtlife_events_release,
};

/* ---- fault knobs --------------------------------------------------------- */

struct virtlife_knob virtlife_fail_compat = {
	.lock = __RAW_SPIN_LOCK_UNLOCKED(virtlife_fail_compat.lock),
};

struct virtlife_knob virtlife_fail_enable = {
	.lock = __RAW_SPIN_LOCK_UNLOCKED(virtlife_fail_enable.lock),
};

bool virtlife_knob_hit(struct virtlife_knob *knob, unsigned int cpu)
{
	unsigned long flags;
	bool hit = false;

	raw_spin_lock_irqsave(&knob->lock, flags);
	if (knob->count && cpumask_test_cpu(cpu, &knob->cpus)) {
		hit = true;
		if (knob->count > 0 && --knob->count == 0)
			cpumask_clear(&knob->cpus);
	}
	raw_spin_unlock_irqrestore(&knob->lock, flags);
	return hit;
}

static int virtlife_knob_show(struct seq_file *m, void *unused)
{
	struct virtlife_knob *knob = m->private;
	cpumask_var_t cpus;
	unsigned long flags;
	int count;

	if (!alloc_cpumask_var(&cpus, GFP_KERNEL))
		return -ENOMEM;

	raw_spin_lock_irqsave(&knob->lock, flags);
	cpumask_copy(cpus, &knob->cpus);
	count = knob->count;
	raw_spin_unlock_irqrestore(&knob->lock, flags);

	if (count)
		seq_printf(m, "%*pbl %d\n", cpumask_pr_args(cpus), count);
	else
		seq_puts(m, "none\n");
	free_cpumask_var(cpus);
	return 0;
}

/*
 * The CPULIST token: cpulist_parse() tolerates stray separators, we do not.
 * It contains no whitespace (the write was split at the first space).
 */
static bool virtlife_cpulist_well_formed(const char *s)
{
	size_t len = strlen(s);

	return len && s[0] != ',' && s[len - 1] != ',' && !strstr(s, ",,");
}

/* "none" or "CPULIST COUNT"; on success fills @cpus and @count. */
static int virtlife_knob_parse(char *buf, struct cpumask *cpus, int *count)
{
	char *count_str;

	if (!strcmp(buf, "none")) {
		cpumask_clear(cpus);
		*count = 0;
		return 0;
	}

	count_str = strchr(buf, ' ');
	if (!count_str)
		return -EINVAL;
	*count_str++ = '\0';

	if (!virtlife_cpulist_well_formed(buf) || cpulist_parse(buf, cpus) ||
	    cpumask_empty(cpus) || !cpumask_subset(cpus, cpu_possible_mask))
		return -EINVAL;
	if (kstrtoint(count_str, 10, count) || *count < -1)
		return -EINVAL;

	if (*count == 0)
		cpumask_clear(cpus);
	return 0;
}

/* Arm @knob from "none" or "CPULIST COUNT"; on error nothing changes. */
int virtlife_knob_set(struct virtlife_knob *knob, char *cmd)
{
	cpumask_var_t cpus;
	unsigned long flags;
	int count, r;

	if (!alloc_cpumask_var(&cpus, GFP_KERNEL))
		return -ENOMEM;
	r = virtlife_knob_parse(cmd, cpus, &count);
	if (!r) {
		raw_spin_lock_irqsave(&knob->lock, flags);
		cpumask_copy(&knob->cpus, cpus);
		knob->count = count;
		raw_spin_unlock_irqrestore(&knob->lock, flags);
	}
	free_cpumask_var(cpus);
	return r;
}

#define VIRTLIFE_CMD_MAX	128

/*
 * Copy one knob command from userspace into @buf (VIRTLIFE_CMD_MAX bytes):
 * each write() is one whole command, whatever the file position; one
 * trailing newline is dropped.
 */
static int virtlife_cmd_from_user(char *buf, const char __user *ubuf,
				  size_t len)
{
	size_t n = len;

	if (len == 0 || len >= VIRTLIFE_CMD_MAX)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (buf[n - 1] == '\n')
		buf[--n] = '\0';
	/* Nothing empty, nothing after the one trailing newline, no NULs. */
	if (n == 0 || strlen(buf) != n || strpbrk(buf, "\n\t\r\v\f"))
		return -EINVAL;
	return 0;
}

static ssize_t virtlife_knob_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct virtlife_knob *knob =
		((struct seq_file *)file->private_data)->private;
	char buf[VIRTLIFE_CMD_MAX];
	int r;

	r = virtlife_cmd_from_user(buf, ubuf, len);
	if (!r)
		r = virtlife_knob_set(knob, buf);
	return r ? r : len;
}

static int virtlife_knob_open(struct inode *inode, struct file *file)
{
	return single_open(file, virtlife_knob_show, inode->i_private);
}

static const struct file_operations virtlife_knob_fops = {
	.owner = THIS_MODULE,
	.open = virtlife_knob_open,
	.read = seq_read,
	.write = virtlife_knob_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* ---- race windows: the delay knob ---------------------------------------- */

/* Longest delay: the enabler sleeps holding the usage mutex. */
#define VIRTLIFE_DELAY_MAX_MS	60000

static const char * const virtlife_delay_point_names[VL_DELAY_NR] = {
	[VL_DELAY_AFTER_ARCH_ENABLE]		= "after_arch_enable",
	[VL_DELAY_AFTER_HOTPLUG_ADD]		= "after_hotplug_add",
	[VL_DELAY_AFTER_SYSCORE_REGISTER]	= "after_syscore_register",
	[VL_DELAY_AFTER_STATE_CHECK]		= "after_state_check",
};

static DEFINE_SPINLOCK(virtlife_delay_lock);
static int virtlife_delay_point = -1;	/* -1: none */
static unsigned int virtlife_delay_ms;

/*
 * Sleep on a hard hrtimer pinned to this CPU, not msleep(): msleep()'s
 * timer-wheel timer of an idle CPU expires on a busy one (timer
 * migration, 6.9+), and during a reboot the busy CPU is the one spinning
 * in the backstop, whose timer softirq a PREEMPT_RT kernel never runs
 * there (seen on 6.12-rt: the in-flight enabler slept through the whole
 * backstop wait).  Pinned and hard, the wake-up is this CPU's own
 * interrupt, as a real enabler's progress would be.
 */
static void virtlife_delay_sleep(unsigned int ms)
{
	ktime_t left = ms_to_ktime(ms);

	set_current_state(TASK_UNINTERRUPTIBLE);
	schedule_hrtimeout(&left, HRTIMER_MODE_REL_PINNED_HARD);
}

void virtlife_delay_at(enum virtlife_delay_point point)
{
	unsigned int ms = 0;

	spin_lock(&virtlife_delay_lock);
	if (virtlife_delay_point == point)
		ms = virtlife_delay_ms;
	spin_unlock(&virtlife_delay_lock);
	if (!ms)
		return;

	pr_info("delay %s %u ms\n", virtlife_delay_point_names[point], ms);
	virtlife_event(VL_EV_DELAY_BEGIN, ms);
	virtlife_delay_sleep(ms);
	virtlife_event(VL_EV_DELAY_END, ms);
}

/* "none" or "POINT MS" (MS decimal digits, 0 means none); -EINVAL else. */
static int virtlife_delay_parse(char *buf, int *point, unsigned int *ms)
{
	char *ms_str;

	if (!strcmp(buf, "none")) {
		*point = -1;
		*ms = 0;
		return 0;
	}

	ms_str = strchr(buf, ' ');
	if (!ms_str)
		return -EINVAL;
	*ms_str++ = '\0';

	*point = match_string(virtlife_delay_point_names, VL_DELAY_NR, buf);
	if (*point < 0)
		return -EINVAL;
	/* kstrtouint() would take a sign and a trailing newline. */
	if (!isdigit(*ms_str) || kstrtouint(ms_str, 10, ms) ||
	    !isdigit(ms_str[strlen(ms_str) - 1]) || *ms > VIRTLIFE_DELAY_MAX_MS)
		return -EINVAL;

	if (*ms == 0)
		*point = -1;
	return 0;
}

int virtlife_delay_set(char *cmd)
{
	unsigned int ms;
	int point, r;

	r = virtlife_delay_parse(cmd, &point, &ms);
	if (r)
		return r;
	spin_lock(&virtlife_delay_lock);
	virtlife_delay_point = point;
	virtlife_delay_ms = ms;
	spin_unlock(&virtlife_delay_lock);
	return 0;
}

static int virtlife_delay_show(struct seq_file *m, void *unused)
{
	unsigned int ms;
	int point;

	spin_lock(&virtlife_delay_lock);
	point = virtlife_delay_point;
	ms = virtlife_delay_ms;
	spin_unlock(&virtlife_delay_lock);

	if (point < 0)
		seq_puts(m, "none\n");
	else
		seq_printf(m, "%s %u\n", virtlife_delay_point_names[point], ms);
	return 0;
}

static ssize_t virtlife_delay_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	char buf[VIRTLIFE_CMD_MAX];
	int r;

	r = virtlife_cmd_from_user(buf, ubuf, len);
	if (!r)
		r = virtlife_delay_set(buf);
	return r ? r : len;
}

static int virtlife_delay_open(struct inode *inode, struct file *file)
{
	return single_open(file, virtlife_delay_show, NULL);
}

static const struct file_operations virtlife_delay_fops = {
	.owner = THIS_MODULE,
	.open = virtlife_delay_open,
	.read = seq_read,
	.write = virtlife_delay_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* ---- the debugfs files --------------------------------------------------- */

/* debugfs counters, after status.c's usage_count line. */
void virtlife_counters_print(struct seq_file *m)
{
	unsigned int i;

	for (i = 0; i < VL_CNT_NR; i++)
		seq_printf(m, "%s %lld\n", virtlife_counter_names[i],
			   atomic64_read(&virtlife_counters[i]));
	seq_printf(m, "events_dropped %llu\n", virtlife_events_dropped());
}

/* One CPU's counters of debugfs cpus, after status.c's "cpu= enabled=". */
void virtlife_cpu_counters_print(struct seq_file *m, unsigned int cpu)
{
	struct virtlife_cpu_stats *st = per_cpu_ptr(&virtlife_cpu_stats, cpu);
	unsigned int i;

	for (i = 0; i < VL_CPU_NR; i++)
		seq_printf(m, " %s=%lld", virtlife_cpu_counter_names[i],
			   atomic64_read(&st->c[i]));
}

void virtlife_observe_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("events", 0400, dir, NULL, &virtlife_events_fops);
	debugfs_create_file("fail_compat", 0600, dir, &virtlife_fail_compat,
			    &virtlife_knob_fops);
	debugfs_create_file("fail_enable", 0600, dir, &virtlife_fail_enable,
			    &virtlife_knob_fops);
	debugfs_create_file("delay", 0600, dir, NULL, &virtlife_delay_fops);
}
