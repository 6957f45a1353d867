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
 *   vcpu.c         vCPU file descriptors, the VMCSs loaded on each CPU
 *   tdx.c          TDX on demand (calls the host core, virtlife_tdx.ko)
 *   kexec.c        the shutdown hook on a kexec, from a device's shutdown
 *   status.c       sysfs and the debugfs state files (the driver's state)
 *   observe.c      counters, event log, fault knobs (observe.h: calls
 *                  nothing of the others)
 */
#ifndef VIRTLIFE_INTERNAL_H
#define VIRTLIFE_INTERNAL_H

#include <linux/bits.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/types.h>

/* ---- backend.c -------------------------------------------------------- */

/*
 * A backend ("vendor" in KVM's terms).  The per-CPU operations run on the
 * CPU they name, with preemption disabled.
 */
struct simhw_vmcs;

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
	/*
	 * The VMCS model (optional; vCPUs need it): load @vmcs on @cpu, and
	 * write it back there.  On @cpu, IRQs off, in virtualization operation.
	 */
	int (*vmptrld)(unsigned int cpu, struct simhw_vmcs *vmcs);
	int (*vmclear)(unsigned int cpu, struct simhw_vmcs *vmcs);
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
/* kexec.c's device shutdown on a kexec: the shutdown hook, if in use. */
void virtlife_shutdown_for_kexec(void);

/* ---- kexec.c ------------------------------------------------------------ */

int virtlife_kexec_init(void);
void virtlife_kexec_exit(void);

/* ---- tdx.c -------------------------------------------------------------- */

struct attribute_group;

int virtlife_tdx_init(void);
void virtlife_tdx_exit(void);
/* Process context, no lock held: initialize TDX now if it is not yet. */
int virtlife_tdx_request(void);
/* The shutdown hook, before any CPU turns virtualization off. */
void virtlife_tdx_shutdown(void);
extern const struct attribute_group virtlife_tdx_attr_group;

/* ---- status.c ---------------------------------------------------------- */

/* sysfs /sys/kernel/virtlife/ and debugfs /sys/kernel/debug/virtlife/. */
int virtlife_status_init(void);
void virtlife_status_exit(void);

/* ---- vcpu.c ------------------------------------------------------------- */

struct file;

void virtlife_vcpu_init(void);
/* A vCPU descriptor of the VM @vm (VIRTLIFE_CREATE_VCPU). */
int virtlife_create_vcpu(struct file *vm);
/* On the CPU, IRQs off: VMCLEAR every VMCS loaded here. */
void virtlife_vcpus_clear_this_cpu(void);

/* ---- vm.c --------------------------------------------------------------- */

int virtlife_vm_dev_init(void);
void virtlife_vm_dev_exit(void);

#endif /* VIRTLIFE_INTERNAL_H */
