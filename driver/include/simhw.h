/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtlife_simhw: simulated per-CPU virtualization hardware.
 *
 * Every function that takes a CPU must run on that CPU with preemption
 * disabled, the way VMXON/VMXOFF act on the CPU that executes them.
 */
#ifndef VIRTLIFE_SIMHW_H
#define VIRTLIFE_SIMHW_H

#include <linux/types.h>

/* Feature-derived reserved-bit mask that every CPU reports by default. */
#define SIMHW_FEATURES_DEFAULT	0xffffffff00001800ULL

int simhw_cpu_enable(unsigned int cpu);
int simhw_cpu_disable(unsigned int cpu);
bool simhw_cpu_enabled(unsigned int cpu);

/*
 * WBINVD on @cpu: writes back the TDX private cache lines its SEAMCALLs
 * may have left (T11).  The witness counts a CPU that goes offline
 * without one after its last SEAMCALL.
 */
int simhw_cpu_wbinvd(unsigned int cpu);

/*
 * A VMCS region, owned by the driver; the simulated CPU keeps it cached
 * while it is active on that CPU (VMPTRLD) until VMCLEAR writes it back
 * (L8: VMCLEAR before VMXOFF, in the emergency path too).  @active_cpu is
 * the hardware's: -1 when not active anywhere.  Initialize with
 * simhw_vmcs_init().
 */
struct simhw_vmcs {
	int active_cpu;
};

void simhw_vmcs_init(struct simhw_vmcs *vmcs);
/* On @cpu, in VMX operation: make @vmcs current and active there. */
int simhw_vmptrld(unsigned int cpu, struct simhw_vmcs *vmcs);
/* On @cpu, in VMX operation: write @vmcs back, inactive. */
int simhw_vmclear(unsigned int cpu, struct simhw_vmcs *vmcs);
u64 simhw_cpu_features(unsigned int cpu);

/*
 * The emulated TDX module (simhw_tdx.c).  Registers in and out, as the
 * SEAMCALL instruction passes them (RAX is the leaf and the return value).
 */
struct simhw_seam_args {
	u64 rcx;
	u64 rdx;
	u64 r8;
	u64 r9;
};

/*
 * Executes SEAMCALL @leaf on the calling CPU (preemption disabled) and
 * returns the TDX status (tdx_abi.h).  Outside virtualization operation on
 * this CPU it fails as #UD (TDX_SEAMCALL_UD); without a module loaded as
 * VMFAILINVALID; with SEAM disabled by the "BIOS" as #GP.
 */
u64 simhw_seamcall(u64 leaf, struct simhw_seam_args *args);

/*
 * The KeyID partitioning MSR: first TDX private KeyID and their number.
 * Returns false when the platform has no TDX KeyIDs (SEAM disabled).
 */
bool simhw_tdx_keyids(u32 *first, u32 *nr);

/* Internal to virtlife_simhw.ko: simhw.c's load and unload call these. */
struct dentry;
void simhw_check_context(unsigned int cpu);
void simhw_cpu_mark_cache_dirty(unsigned int cpu);
int simhw_tdx_init(void);
const char *simhw_tdx_module_state(void);
void simhw_tdx_debugfs_init(struct dentry *root);
void simhw_tdx_exit(void);

#endif /* VIRTLIFE_SIMHW_H */
