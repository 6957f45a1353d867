/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kvm target's library: the running kernel's KVM driven through the
 * kernel's own KVM selftests library (VMs with one vCPU running a tiny
 * guest), observed through what the kernel and the hardware show: EFER.SVME
 * per CPU (/dev/cpu/N/msr), the CPU-hotplug states file, module parameters
 * and the kernel log.
 *
 * The kernel's behaviour differs by version; the rule that applies to the
 * running kernel is chosen by what the kernel shows (kvm.ko's parameters,
 * its hotplug callbacks and the core kernel's symbols in /proc/kallsyms,
 * the hotplug states file), in ../../lib/hwvirt.h (hv_kvm_rule(), shared
 * with svm.c's svm_kvm cases); every case prints it and every failed check
 * names it:
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
 *   6.12+   kvm.ko's enable_virt_at_load (default Y): with Y the usage count
 *           is 1 from the vendor module's load to its unload (plus one per
 *           VM), with N 0 plus one per VM; virtualization is on every online
 *           CPU and "kvm/cpu:online" exists exactly while it is above 0.
 *           The cases run once per configuration (fixture variants
 *           virt_at_load_Y, virt_at_load_N; no_virt_at_load for kernels
 *           without the parameter), each skipping where its configuration
 *           does not exist.
 *   7.1+    (x86_virt_get_ref in kallsyms) the per-CPU enable is a reference
 *           in the core kernel; for kvm_amd the same expectations as 6.12.
 *           Not run here: no 7.1 kernel is available.
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

/* ---- the rule for the running kernel (hwvirt.h) ---- */
struct hv_kvm_rule;
const struct hv_kvm_rule *kvmt_rules(void);
const char *kvmt_rule_name(void);	/* short, for failures */
const char *kvmt_rule_text(void);	/* the whole rule */
/*
 * The case's configuration of kvm.ko (HV_KVM_NO_PARAM, 0, 1): 0, or
 * -EOPNOTSUPP with the reason to SKIP when this kernel has no such
 * configuration; later loads (kvmt_vendor_load) use it.
 */
int kvmt_configure(int at_load, char *why, size_t len);

/* ---- requirements: NULL when met, else the reason to SKIP ---- */
const char *kvmt_unmet(void);	/* root, x86 SVM, kvm_amd loads, /dev/kvm, msr */
const char *kvmt_vendor(void);	/* "kvm_amd" or "kvm_intel" or NULL */

/* ---- modules ---- */
/* modprobe kvm (configured) and kvm_amd; 0 if loaded already; @why: the
 * kernel's reason on failure (may be NULL). */
int kvmt_vendor_load_why(char *why, size_t len);
int kvmt_vendor_load(void);
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
/* The usage count the rule implies with @vms VMs, and SVM on iff above 0. */
int kvmt_usage_expected(int vms);
bool kvmt_expect_enabled(int vms);
/* EFER.SVME on every online CPU (@cpu < 0) or on @cpu as the rule says
 * with @vms VMs; the failure gives the usage count expected. */
bool kvmt_svme_follow_rule(int cpu, int vms, char *why, size_t len);
/* The hotplug states file and the rule agree (@vms VMs exist). */
bool kvmt_states_follow_rule(int vms, char *why, size_t len);
/* kvm.ko's enable_virt_at_load: present as the rule says (from 6.12 on,
 * cross-checked with the version), with the configured value. */
bool kvmt_params_follow_rule(int at_load, char *why, size_t len);
/* rmmod kvm_amd fails with EAGAIN (in use) and the module stays. */
bool kvmt_unload_refused(char *why, size_t len);
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
