/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtlife_tdx: the TDX host core, what arch/x86/virt/vmx/tdx is in the
 * kernel.  It is built in there and never reloaded with KVM; here it is a
 * module of its own that virtlife.ko calls into, so its once-per-boot state
 * outlives every reload of virtlife.ko.  Only reloading the simulated
 * platform (virtlife_simhw.ko, and this module with it) starts a new "boot".
 */
#ifndef VIRTLIFE_TDX_H
#define VIRTLIFE_TDX_H

#include <linux/types.h>

/* T1: UNINITIALIZED -> INITIALIZED, or -> ERROR; both final. */
enum virtlife_tdx_status {
	VIRTLIFE_TDX_UNINITIALIZED,
	VIRTLIFE_TDX_INITIALIZED,
	VIRTLIFE_TDX_ERROR,
};

/*
 * Per-CPU init (T2, T3): TDH.SYS.INIT once per boot (its result cached and
 * returned to every later caller), then TDH.SYS.LP.INIT once per CPU per
 * boot.  Call on the CPU itself with IRQs off, after virtualization is
 * enabled on it.  Errors as T7 maps them.
 */
int virtlife_tdx_cpu_enable(void);

/*
 * T11: on the CPU, preemption disabled, after its last SEAMCALL (before it
 * goes offline or the machine kexecs): WBINVD if a SEAMCALL ran there.
 */
void virtlife_tdx_cpu_flush_cache(void);

/*
 * T11: before kexec, on a CPU with virtualization on, preemption disabled:
 * TDH.SYS.DISABLE, whatever the initialization reached (7.2 calls it
 * blindly).  No SEAMCALL may follow; the caller then flushes every CPU.
 */
void virtlife_tdx_sys_disable(void);

/*
 * Initializes the TDX module (T5) once per boot.  The caller holds the CPU
 * hotplug read lock and has enabled virtualization and called
 * virtlife_tdx_cpu_enable() on every online CPU (T4).  Returns 0 when the
 * module is initialized (at once if it already was), -EINVAL at once after
 * a failed initialization, or the error of the step that failed.
 */
int virtlife_tdx_enable(void);

/*
 * T3: 0 if the initialization may start (or is already done); -EBUSY,
 * with a message naming them, while a present CPU is offline.  The caller
 * holds the CPU hotplug lock.
 */
int virtlife_tdx_check_cpus(void);

/*
 * T12: replaces the initialized module by the platform's new image, every
 * CPU stopped; TDs and KeyIDs survive.  0, -EINVAL when not initialized,
 * -EBUSY with a present CPU offline; any other error leaves ERROR.  The
 * caller holds no CPU hotplug lock and keeps virtualization on every CPU.
 */
int virtlife_tdx_update(void);

enum virtlife_tdx_status virtlife_tdx_status(void);

/* The errno that put the module in ERROR (0 otherwise). */
int virtlife_tdx_error(void);

/*
 * TD private KeyIDs (T9).  Allocation needs an initialized module; returns
 * the KeyID or a negative errno (-ENOSPC when none is left).
 */
int virtlife_tdx_guest_keyid_alloc(void);
void virtlife_tdx_guest_keyid_free(unsigned int keyid);
bool virtlife_tdx_keyids_in_use(void);

#endif /* VIRTLIFE_TDX_H */
