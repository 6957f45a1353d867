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
/* Whether a message since hv_kmsg_open() contains @needle. */
bool hv_kmsg_has(struct hv_kmsg *k, const char *needle);
void hv_kmsg_close(struct hv_kmsg *k);

/* ---- another hypervisor: KVM ---- */
/* modprobe @module (kvm_amd, kvm_intel); 0 or -errno (-ENOENT: failed). */
int hv_modprobe(const char *module);
/* rmmod @module and, when unused, kvm. */
void hv_rmmod_kvm(const char *module);
/* KVM_CREATE_VM through /dev/kvm: VM fd or -errno; *kvm gets /dev/kvm's. */
int hv_kvm_create_vm(int *kvm);
/* Close @log and the fds (-1: none) a test holds with KVM; sets them -1. */
void hv_kvm_release(struct hv_kmsg *log, int *kvm_vm, int *kvm);

#endif /* HWVIRT_H */
