/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The real-hardware backends (svm, vmx): what the CPU says about them and
 * the invariant that ties it to the driver's view, for the svm and vmx
 * programs and suspend's svm cases.  The MSR reads themselves are
 * msr_util's.
 *
 * Functions that can fail return 0 or a negative errno; checks fill @why
 * and return false, as in virtlife_util.h.
 */
#ifndef HWVIRT_H
#define HWVIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether /proc/cpuinfo's flags (of the first CPU) include @flag. */
bool hv_cpu_flag(const char *flag);

/*
 * NULL when this machine can check the svm backend (svm flag, msr driver:
 * loaded with modprobe when missing), else the reason to SKIP.
 */
const char *hv_svm_unmet(void);

/* sysfs backend name without the newline ("" when unreadable). */
const char *hv_backend(void);

/*
 * The svm backend's state invariant, after every lifecycle step: usage
 * count, hotplug state (iff usage > 0), the driver's enabled CPUs and every
 * online CPU's EFER.SVME agree: all online CPUs when usage > 0, none
 * otherwise; the simulated hardware stays off (the svm backend must not
 * touch it); the driver never found its flag in the wrong state.
 */
bool hv_svm_state_consistent(char *why, size_t len);
/*
 * The vmx backend's, without the hardware: CR4.VMXE cannot be read from user
 * space.  The driver's view only: usage, hotplug state, enabled CPUs, the
 * simulated hardware off.
 */
bool hv_vmx_state_consistent(char *why, size_t len);
/* No online CPU has EFER.SVME set (after unload, or with another backend). */
bool hv_svme_all_clear(char *why, size_t len);
/* A test's end with svm: virtlife's teardown (vl_teardown), then SVME clear. */
bool hv_svm_teardown(char *why, size_t len);
/* The CPUs (of the online ones) with EFER.SVME set, as a cpulist string. */
int hv_svme_cpulist(char *buf, size_t len);

/* ---- kernel log: messages a step printed ---- */
struct hv_kmsg {
	int fd;
};
/* Start reading /dev/kmsg from now on. */
int hv_kmsg_open(struct hv_kmsg *k);
/*
 * Whether a message since hv_kmsg_open() contains @needle. It reads the
 * messages, so a second call sees only those after the first: look for
 * two lines of one step in hv_kmsg_text()'s text instead.
 */
bool hv_kmsg_has(struct hv_kmsg *k, const char *needle);
void hv_kmsg_close(struct hv_kmsg *k);

/* Every message since hv_kmsg_open() (the text after the header), "; "
 * between them, into @buf; returns how many there were. It reads them too. */
int hv_kmsg_text(struct hv_kmsg *k, char *buf, size_t len);

/* ---- another hypervisor: KVM ---- */
/*
 * KVM's enable/disable rule on the running kernel, chosen by what the
 * kernel shows (probed when kvm.ko is loaded, kept while it is not), never
 * by the version number alone (printed, and checked against it):
 *
 *   HV_KVM_STARTING  kvm.ko's hotplug callback is kvm_starting_cpu (< 6.3):
 *                    the state "kvm/cpu:starting" exists from the vendor
 *                    module's load to its unload; SVM is on every online CPU
 *                    from the first VM to the last (usage count = VMs).
 *   HV_KVM_ONLINE    kvm_online_cpu, no kvm.enable_virt_at_load (6.3-6.11):
 *                    "kvm/cpu:online", the same lifetimes.
 *   HV_KVM_AT_LOAD   kvm.enable_virt_at_load exists (6.12+): the usage count
 *                    is 1 from the vendor module's load to its unload when Y
 *                    (0 when N), plus one per VM; SVM on every online CPU
 *                    and "kvm/cpu:online" exactly while it is above 0.
 *   HV_KVM_CORE_REFS x86_virt_get_ref in /proc/kallsyms (7.1+): as
 *                    HV_KVM_AT_LOAD, the per-CPU enable being a reference
 *                    in the core kernel's count (arch/x86/virt/hw.c), of
 *                    which KVM is the only SVM user. Not run here: no 7.1
 *                    kernel is available.
 */
enum hv_kvm_design {
	HV_KVM_UNKNOWN,		/* kvm.ko never seen loaded */
	HV_KVM_STARTING,
	HV_KVM_ONLINE,
	HV_KVM_AT_LOAD,
	HV_KVM_CORE_REFS,
};

struct hv_kvm_rule {
	enum hv_kvm_design design;
	int major, minor;	/* uname -r, for the text */
	bool have_param;	/* kvm.enable_virt_at_load exists */
	bool enable_at_load;	/* its value (kvm.ko loaded), else the last known */
	const char *state;	/* the hotplug state's name */
	char name[64];		/* short, for every failure: "6.12 rule, enable_virt_at_load=N" */
	char text[512];		/* the whole rule, printed by every case */
};
const struct hv_kvm_rule *hv_kvm_rule(void);

/* The usage count the rule implies with @vms VMs (0 when @vendor is not loaded). */
int hv_kvm_usage_expected(const char *vendor, int vms);
/* The usage count's share that comes from the vendor module's load. */
int hv_kvm_usage_at_load(void);

/*
 * The configurations of kvm.ko a test can ask for: HV_KVM_NO_PARAM (a
 * kernel without enable_virt_at_load), 0 or 1 (enable_virt_at_load=N/Y).
 * hv_kvm_configure() loads kvm.ko to see what the kernel has, reloads it
 * when its value differs, and makes later loads use @at_load; -EOPNOTSUPP
 * when this kernel has no such configuration (@why: the reason to SKIP).
 */
#define HV_KVM_NO_PARAM	(-1)
int hv_kvm_configure(int at_load, char *why, size_t len);
const char *hv_kvm_config_name(int at_load);	/* "virt_at_load_N" ... */

/*
 * A harness fixture's variants, one per configuration (the case names say
 * which: FIXTURE.virt_at_load_Y.CASE); variant->at_load is the value to
 * pass to hv_kvm_configure(). Needs kselftest_harness.h.
 */
#define HV_KVM_CONFIG_VARIANTS(fixture)					\
	FIXTURE_VARIANT(fixture) {					\
		int at_load;	/* HV_KVM_NO_PARAM, 0 or 1 */		\
	};								\
	FIXTURE_VARIANT_ADD(fixture, no_virt_at_load) {			\
		.at_load = HV_KVM_NO_PARAM,				\
	};								\
	FIXTURE_VARIANT_ADD(fixture, virt_at_load_Y) {			\
		.at_load = 1,						\
	};								\
	FIXTURE_VARIANT_ADD(fixture, virt_at_load_N) {			\
		.at_load = 0,						\
	}
/*
 * modprobe kvm (with the configured enable_virt_at_load) then @vendor; 0 if
 * loaded already. On failure -errno and @why: the kernel's own reason, the
 * messages it printed while the modules were loading (e.g. "RT requires
 * X86_FEATURE_CONSTANT_TSC"), or that it printed nothing.
 */
int hv_kvm_load(const char *vendor, char *why, size_t len);
bool hv_kvm_loaded(const char *module);	/* /sys/module/@module exists */
/*
 * For a program that suspends the machine (a suspend kills the guest's 9p
 * root: nothing can be exec'ed or read from it afterwards): kvm.ko's and
 * @vendor's files (modules.dep) copied into memory now, and every later
 * hv_kvm_load() loads them from there with finit_module() (compressed ones
 * decompressed by the kernel) instead of modprobe. Their dependencies must
 * be loaded already (hv_kvm_load() once before). 0 or -errno with @why.
 */
int hv_kvm_cache_modules(const char *vendor, char *why, size_t len);

/* modprobe @module (kvm_amd, kvm_intel); 0 or -errno (-ENOENT: failed). */
int hv_modprobe(const char *module);
/* rmmod @module and, when unused, kvm. */
void hv_rmmod_kvm(const char *module);
/* KVM_CREATE_VM through /dev/kvm: VM fd or -errno; *kvm gets /dev/kvm's. */
int hv_kvm_create_vm(int *kvm);
/* Close @log and the fds (-1: none) a test holds with KVM; sets them -1. */
void hv_kvm_release(struct hv_kmsg *log, int *kvm_vm, int *kvm);

#endif /* HWVIRT_H */
