/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtlife: internal interfaces between the parts of virtlife.ko.
 *
 *   main.c         module init/exit, parameters
 *   lifecycle.c    usage count, enable/disable order, hotplug, syscore
 *   backend.c      backend registration, per-CPU compatibility check
 *   backend_sim.c  the "sim" and "sim-alt" backends (virtlife_simhw.ko)
 *   backend_svm.c  the "svm" backend (AMD-V: EFER.SVME, VM_HSAVE_PA)
 *   backend_vmx.c  the "vmx" backend (Intel: CR4.VMXE, VMXON/VMXOFF)
 *   vm.c           /dev/virtlife and VM file descriptors
 *   tdx.c          TDX on demand (calls the host core, virtlife_tdx.ko)
 *   observe.c      counters, event log, fault knobs, sysfs, debugfs
 */
#ifndef VIRTLIFE_INTERNAL_H
#define VIRTLIFE_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
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

/* ---- observe.c: race windows ------------------------------------------ */

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

int virtlife_observe_init(void);
void virtlife_observe_exit(void);

/* ---- backend.c -------------------------------------------------------- */

/*
 * A backend ("vendor" in KVM's terms).  The per-CPU operations run on the
 * CPU they name, with preemption disabled.
 */
struct virtlife_backend {
	const char *name;
	/*
	 * Size of the per-CPU region that the core allocates for the backend
	 * after its hardware_setup() (as kvm_init() sizes its vCPU cache by
	 * the vendor's vcpu_size).
	 */
	unsigned int region_size;
	/* Global setup; may adjust virtlife_mmu_masks. */
	int (*hardware_setup)(void);
	void (*hardware_unsetup)(void);
	/* This CPU's feature-derived reserved-bit mask. */
	u64 (*cpu_features)(unsigned int cpu);
	/* Backend-specific compatibility check of this CPU (optional). */
	int (*check_processor_compat)(unsigned int cpu);
	int (*enable_cpu)(unsigned int cpu);
	int (*disable_cpu)(unsigned int cpu);
	/*
	 * Whether @cpu's hardware is in virtualization operation, whatever
	 * the core's per-CPU flag says (for the emergency disable); called on
	 * @cpu, or on any CPU by the backstop's report.
	 */
	bool (*cpu_hw_enabled)(unsigned int cpu);
};

/*
 * MMU-style masks (kvm.ko's SPTE masks): SPTE bits that the MMU uses, state
 * of virtlife.ko, reset to VIRTLIFE_MMU_MASKS_DEFAULT before every backend's
 * hardware_setup(), which may set or clear bits.
 */
#define VIRTLIFE_SPTE_PRESENT		BIT_ULL(0)
#define VIRTLIFE_SPTE_ACCESSED		BIT_ULL(5)
#define VIRTLIFE_SPTE_DIRTY		BIT_ULL(6)
#define VIRTLIFE_SPTE_NX		BIT_ULL(63)
#define VIRTLIFE_MMU_MASKS_DEFAULT	(VIRTLIFE_SPTE_PRESENT |	\
					 VIRTLIFE_SPTE_ACCESSED |	\
					 VIRTLIFE_SPTE_DIRTY |		\
					 VIRTLIFE_SPTE_NX)

extern u64 virtlife_mmu_masks;
extern const struct virtlife_backend virtlife_sim_backend;
extern const struct virtlife_backend virtlife_sim_alt_backend;
/* Real hardware: AMD-V (backend_svm.c) and Intel VMX (backend_vmx.c). */
extern const struct virtlife_backend virtlife_svm_backend;
extern const struct virtlife_backend virtlife_vmx_backend;

const struct virtlife_backend *virtlife_backend_find(const char *name);
/* Both with the usage count at 0, under the lifecycle's usage mutex. */
int virtlife_backend_setup(const struct virtlife_backend *backend);
void virtlife_backend_teardown(void);
/* The published ops (NULL when none): what the lifecycle calls. */
const struct virtlife_backend *virtlife_backend_ops(void);
/* The backend whose setup succeeded and is not torn down yet. */
const struct virtlife_backend *virtlife_backend_current(void);
int virtlife_check_cpu_compat(unsigned int cpu);
/*
 * Run @fn on @cpu (directly when called there, else by IPI: IRQs must be
 * on) and return its answer; false for an offline CPU.  For the real
 * backends' cpu_hw_enabled(), whose state only the CPU itself can read.
 */
bool virtlife_on_cpu_bool(unsigned int cpu, bool (*fn)(void));
int virtlife_alloc_cpu_pages(struct page *__percpu *pages);
void virtlife_free_cpu_pages(struct page *__percpu *pages);

/* ---- lifecycle.c ------------------------------------------------------ */

/* Emergency-disable backstop: wait before it reports (module parameter). */
extern unsigned int virtlife_backstop_wait_ms;

int virtlife_enable_virtualization(void);
void virtlife_disable_virtualization(void);
/*
 * Tear the current backend down and set @backend up (NULL: only tear
 * down); -EBUSY while the usage count is above 0.  Process context.
 */
int virtlife_set_backend(const struct virtlife_backend *backend);
int virtlife_usage_count(void);
bool virtlife_cpu_enabled(unsigned int cpu);
/* On the CPU: make sure virtualization is on, for TDX's per-CPU init. */
int virtlife_cpu_enable_for_tdx(void);

/* ---- tdx.c -------------------------------------------------------------- */

struct attribute_group;

int virtlife_tdx_init(void);
void virtlife_tdx_exit(void);
/* Process context, no lock held: initialize TDX now if it is not yet. */
int virtlife_tdx_request(void);
extern const struct attribute_group virtlife_tdx_attr_group;

/* ---- vm.c --------------------------------------------------------------- */

int virtlife_vm_dev_init(void);
void virtlife_vm_dev_exit(void);

#endif /* VIRTLIFE_INTERNAL_H */
