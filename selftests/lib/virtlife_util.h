/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The suite's library: the mechanics of driving virtlife (modules, CPU
 * hotplug, VMs, fault knobs) and of reading what it and the simulated
 * hardware report, so that tests read as short scenarios.
 *
 * Functions that can fail return 0 or a negative errno; they never exit.
 * Functions that check an invariant fill a caller-supplied "why" buffer with
 * the first violation found and return false.
 */
#ifndef VIRTLIFE_UTIL_H
#define VIRTLIFE_UTIL_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#define VL_SYSFS	"/sys/kernel/virtlife"
#define VL_DEBUGFS	"/sys/kernel/debug/virtlife"
#define SIMHW_DEBUGFS	"/sys/kernel/debug/virtlife_simhw"
#define VL_DEV		"/dev/virtlife"
#define HOTPLUG_STATES	"/sys/devices/system/cpu/hotplug/states"
#define VL_HP_STATE	"virtlife/cpu:online"

#define VL_WHY_LEN	512

/* ---- requirements: NULL when met, else the reason to SKIP ---- */
enum vl_need {
	VL_NEED_ROOT	= 1 << 0,
	VL_NEED_DEBUGFS	= 1 << 1,
	VL_NEED_MODULES	= 1 << 2,	/* the built .ko files can be found */
	VL_NEED_HOTPLUG	= 1 << 3,	/* >= 2 CPUs, one of them hotpluggable */
};
const char *vl_unmet(unsigned int needs);
/* A setting that cannot work (a test run must fail, not skip), else NULL. */
const char *vl_config_error(void);

/* ---- files ---- */
int vl_read(const char *path, char *buf, size_t size);
/* The rest of the line "KEY<sep>..." in a file of such lines; -ENOENT if none. */
int vl_read_field(const char *path, const char *key, char sep,
		  char *val, size_t size);
/*
 * Call @fn for every line of @path; a false return from @fn makes the whole
 * read -EPROTO (a format the contract does not describe).
 */
int vl_each_line(const char *path, bool (*fn)(const char *line, void *ctx),
		 void *ctx);
int vl_write(const char *path, const char *str);
int vl_read_u64(const char *path, uint64_t *val);
bool vl_exists(const char *path);

/* ---- cpu sets ---- */
int vl_parse_cpulist(const char *s, cpu_set_t *set);
int vl_read_cpulist(const char *path, cpu_set_t *set);
void vl_format_cpus(const cpu_set_t *set, char *buf, size_t size);
int vl_nr_possible_cpus(void);
int vl_online_cpus(cpu_set_t *set);
bool vl_cpu_hotpluggable(int cpu);
int vl_hotpluggable_cpus(int *cpus, int max);
int vl_cpu_set_online(int cpu, bool online);
int vl_online_all_cpus(void);
bool vl_cpu_is_online(int cpu);

/* ---- modules ---- */
const char *vl_module_dir(void);
int vl_load_simhw(void);
int vl_load(const char *params);	/* virtlife.ko; loads simhw first */
int vl_unload(void);			/* virtlife.ko only */
int vl_unload_all(void);		/* virtlife.ko then simhw */
int vl_unload_tdx_core(void);		/* virtlife.ko then the TDX core */
bool vl_loaded(void);
bool vl_simhw_loaded(void);
/* Back to a known platform: virtlife unloaded, all CPUs online, simhw loaded. */
int vl_reset_platform(void);
/*
 * The simulated platform's "cold boot" (docs/tdx.md): VMs closed, all three
 * modules unloaded, then simhw loaded with @simhw_params (NULL or "" for the
 * defaults) and the TDX core after it: a fresh TDX module and host core.
 * virtlife.ko is loaded too with @vl_params unless that is NULL.
 */
int vl_cold_boot(const char *simhw_params, const char *vl_params);
bool vl_tdx_core_loaded(void);

/* ---- the driver's view ---- */
int vl_usage(uint64_t *usage);
int vl_counter(const char *name, uint64_t *val);
bool vl_hotplug_state_present(void);

struct vl_cpu {
	int cpu;
	bool enabled;
	uint64_t enables, disables, compat_checks, compat_failures;
	uint64_t enable_failures, double_enables, double_disables;
	uint64_t online, offline;
};
/* Fills cpus[0..n) indexed by CPU number; returns n or -errno. */
int vl_cpus(struct vl_cpu *cpus, int max);
/* One CPU's row; .cpu is -1 when it cannot be read. */
struct vl_cpu vl_cpu_view(int cpu);

/* ---- the simulated hardware's view (the independent witness) ---- */
struct simhw_cpu {
	int cpu;
	bool on;
	uint64_t enables, disables, double_enables, double_disables, wrong_cpu;
	uint64_t preemptible;	/* per-CPU operations called preemptible */
	uint64_t flushes;	/* WBINVDs (T11) */
	uint64_t offline_dirty;	/* went offline with TDX lines cached (T11) */
	uint64_t active_vmcs;	/* VMCSs active on the CPU now */
	uint64_t vmxoff_active;	/* VMCSs left active at a VMXOFF (L8) */
	uint64_t vmcs_elsewhere; /* VMPTRLD of a VMCS active on another CPU */
	bool cache_dirty;
	uint64_t features;
};
int simhw_cpus(struct simhw_cpu *cpus, int max);
int simhw_enabled_cpus(cpu_set_t *set);
int simhw_set_features(int cpu, const char *mask);	/* "default" resets */
int simhw_reset_features(void);

/* ---- VMs ---- */
int vl_vm_create(void);		/* fd, or -errno; remembered for teardown */
/* The same with a VM type (VIRTLIFE_VM_TYPE_*, or any value to probe). */
int vl_vm_create_type(unsigned long type);
int vl_vm_close(int vm);
void vl_vm_close_all(void);
/* A vCPU of @vm: fd, or -errno; closed by vl_vm_close()/vl_vm_close_all(). */
int vl_vcpu_create(int vm);
/* VIRTLIFE_RUN with the calling thread on @cpu: the CPU it ran on, or -errno. */
int vl_vcpu_run_on(int vcpu, int cpu);

/*
 * Every free file descriptor below a low RLIMIT_NOFILE taken but @spare, so
 * that the fd after those fails with EMFILE: the driver's last step
 * (anon_inode_getfd()) fails and its unwind runs.  vl_fds_release() gives
 * the fds and the limit back.  0 or -errno.
 */
#define VL_FDS_HOLD_LIMIT	64
struct vl_fds_hold {
	struct rlimit old;
	int fds[VL_FDS_HOLD_LIMIT];
	int n;
};
int vl_fds_hold(struct vl_fds_hold *h, int spare);
void vl_fds_release(struct vl_fds_hold *h);

/* ---- fault injection: knob is "fail_compat" or "fail_enable" ---- */
int vl_inject(const char *knob, const char *cpulist, int count);
int vl_inject_clear(void);

/* ---- event log ---- */
struct vl_event {
	uint64_t seq, ns;
	int cpu;
	char name[32];
	long long arg;
};
/* The driver's event ring holds this many (VIRTLIFE_EVENT_LOG_SIZE). */
#define VL_EVENT_LOG_SIZE 4096
struct vl_events {
	struct vl_event *ev;
	int n;
};
/*
 * Events with seq > since; returns count or -errno (-EOVERFLOW: the ring
 * no longer holds them all). since 0: what the ring holds. Free with
 * vl_events_free.
 */
int vl_events_since(uint64_t since, struct vl_events *out);
void vl_events_free(struct vl_events *evs);
/* The whole log on stdout ("# vl-event: NS CPU NAME ARG" lines). */
void vl_events_dump(const char *label);
uint64_t vl_last_seq(void);
/* Index of the first event named @name at or after @from, or -1. */
int vl_event_find(const struct vl_events *evs, int from, const char *name);
int vl_event_count(const struct vl_events *evs, const char *name);

/*
 * The state invariant every test ends with (L4, L7): the driver's enabled
 * set equals the witness's; it is exactly the online CPUs when usage > 0 and
 * empty otherwise; the hotplug state exists iff usage > 0; per CPU,
 * enables - disables is 0 or 1 and matches the bit; the hardware never saw
 * a double enable/disable or an operation from the wrong CPU.
 */
bool vl_state_consistent(char *why, size_t len);
/*
 * The driver's own view: usage count, hotplug state iff usage > 0, enabled
 * CPUs = the online ones iff usage > 0 (*@expect gets that set).
 */
bool vl_driver_view(cpu_set_t *expect, uint64_t *usage, char *why,
		    size_t len);
/* @got == @want, else @why = "@what GOT, expected WANT (usage @usage)". */
bool vl_cpus_expected(const cpu_set_t *got, const cpu_set_t *want,
		      const char *what, uint64_t usage, char *why, size_t len);
/* After unload (L13): nothing of virtlife left, every CPU off in simhw. */
bool vl_fully_unloaded(char *why, size_t len);
/* Close VMs, clear knobs, online CPUs, unload; then vl_fully_unloaded(). */
bool vl_teardown(char *why, size_t len);
/* One delete_module attempt, no waiting for references. */
int vl_try_unload(void);

/* ---- suspend ---- */
/* Whether /sys/power/state offers @state ("mem", "freeze"). */
bool vl_sleep_state_available(const char *state);
/*
 * One suspend: pm_test level @pm_test ("none" for a real one) and
 * pm_test_delay 0, then @state into /sys/power/state. Returns 0 or -errno.
 */
int vl_suspend(const char *state, const char *pm_test);
/* Arm the RTC to wake the machine @secs seconds from now. */
int vl_rtc_wake_in(int secs);
/*
 * The RTC alarm's delay for a real S3 cycle: longer than entering S3 takes,
 * or the alarm fires before the machine sleeps and nothing wakes it (6.1
 * under TCG: 0.5 s from "PM: suspend entry" to the last CPU offline; the
 * debug kernel: 2 s, and its alarm of 3 s was missed). 3 s times
 * $VIRTLIFE_TIMEOUT_SCALE (the harness refused a bad one before any case).
 */
int vl_s3_wake_secs(void);
/*
 * $VIRTLIFE_TIMEOUT_SCALE, for a kernel that runs the same cases several
 * times slower (the debug kernel: Makefile): 1 when unset, the number
 * when it is a whole number from 1 to 100, else -EINVAL.
 */
int vl_env_timeout_scale(void);

/* ---- misc ---- */
double vl_now(void);
unsigned int vl_seed(void);
/* Run argv[] (NULL-terminated) silently: exit status, -EINTR, or -errno. */
int vl_run_quiet(const char *const argv[]);
/* A "# " note line on stdout, flushed (test bodies end with _exit()). */
void vl_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Seconds a long-running test may take: env VIRTLIFE_<NAME>_SECONDS or @def. */
double vl_duration(const char *name, double def);

#endif /* VIRTLIFE_UTIL_H */
