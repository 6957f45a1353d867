/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kvm target's library: the running kernel's KVM driven through the
 * kernel's own KVM selftests library (VMs with one vCPU running a tiny
 * guest), observed through what the kernel and the hardware show: EFER.SVME
 * per CPU (/dev/cpu/N/msr), the CPU-hotplug states file, module parameters
 * and the kernel log.
 *
 * The kernel's behaviour differs by version; kvmt_rules() says which rule
 * applies to the running kernel, and every check names it:
 *
 *   < 6.3   hotplug state "kvm/cpu:starting" (CPUHP_AP_KVM_STARTING),
 *           registered by kvm_init() when kvm_amd/kvm_intel loads, removed
 *           at unload: present iff the vendor module is loaded, VMs or not.
 *           Virtualization is enabled on every online CPU by the first VM
 *           (kvm_usage_count 0->1) and disabled after the last one (1->0);
 *           a CPU coming online while VMs exist is enabled in its STARTING
 *           callback.
 *   6.3+    the state is "kvm/cpu:online" (CPUHP_AP_KVM_ONLINE), same
 *           lifetime.
 *   6.12+   kvm.ko's enable_virt_at_load (default Y): virtualization is
 *           enabled from vendor-module load to unload; the state
 *           "kvm/cpu:online" exists exactly while it is enabled (with N:
 *           from the first VM to the last).
 *
 * Functions that can fail return 0 or a negative errno; functions that check
 * fill @why with the first violation and return false; none exits, except
 * the kernel's KVM library itself, which ends the test on a failed ioctl
 * with its own "Test Assertion Failure" report.
 */
#ifndef KVMT_UTIL_H
#define KVMT_UTIL_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KVMT_WHY_LEN	512

/* ---- the version rule for the running kernel ---- */
struct kvmt_rules {
	int major, minor;
	const char *state;	/* the hotplug state's name */
	bool state_while_loaded;	/* < 6.12: from vendor load to unload */
	bool have_param;	/* /sys/module/kvm/parameters/enable_virt_at_load */
	bool enable_at_load;	/* enabled with no VM (6.12+ and param Y) */
	char text[160];		/* the rule, for messages */
};
const struct kvmt_rules *kvmt_rules(void);

/* ---- requirements: NULL when met, else the reason to SKIP ---- */
const char *kvmt_unmet(void);	/* root, x86 SVM, kvm_amd loads, /dev/kvm, msr */
const char *kvmt_vendor(void);	/* "kvm_amd" or "kvm_intel" or NULL */

/* ---- modules ---- */
int kvmt_vendor_load(void);	/* modprobe kvm_amd; 0 if loaded already */
int kvmt_vendor_unload(void);	/* rmmod kvm_amd then kvm: -EBUSY when in use */
bool kvmt_vendor_loaded(void);

/* ---- CPUs ---- */
int kvmt_online_cpus(cpu_set_t *set);
int kvmt_hotpluggable_cpu(void);	/* the highest CPU with an online file */
int kvmt_cpu_set_online(int cpu, bool online);
int kvmt_online_all_cpus(void);

/* ---- system sleep (virtlife_util's mechanics) ---- */
bool kvmt_sleep_available(const char *state);	/* listed in /sys/power/state */
/* Returns after resume; "mem" is S3 (mem_sleep deep), else -EOPNOTSUPP. */
int kvmt_suspend(const char *state, const char *pm_test);
int kvmt_rtc_wake_in(int secs);

/* ---- observables ---- */
bool kvmt_state_present(const char *name);
/* EFER.SVME is set on exactly the online CPUs (@on) or on none of them. */
bool kvmt_svme_all(bool on, char *why, size_t len);
bool kvmt_svme_cpu(int cpu, bool on, char *why, size_t len);
/* The hotplug states file and the rule agree (@vms: VMs exist). */
bool kvmt_states_follow_rule(bool vms, char *why, size_t len);
/* kvm.ko's enable_virt_at_load exists from 6.12 on, not before. */
bool kvmt_params_follow_rule(char *why, size_t len);
/* rmmod kvm_amd fails with EAGAIN (in use) and the module stays. */
bool kvmt_unload_refused(char *why, size_t len);
bool kvmt_expect_enabled(bool vms);	/* by the rule, with @vms */
/* Kernel log lines since the mark: none matching KVM enable failures. */
int kvmt_log_mark(void);
bool kvmt_log_clean_since(int mark, char *why, size_t len);

/* ---- VMs through the kernel's KVM selftests library (kvmt_vm.c) ---- */
struct kvmt_vm;
struct kvmt_vm *kvmt_vm_create(void);	/* one vCPU; the library asserts */
/*
 * Run the vCPU once on @cpu (-1: anywhere): the guest reports GUEST_SYNC
 * with its run count, which must be the next one.
 */
bool kvmt_vm_run(struct kvmt_vm *vm, int cpu, char *why, size_t len);
void kvmt_vm_free(struct kvmt_vm *vm);

#endif /* KVMT_UTIL_H */
