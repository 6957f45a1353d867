/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a TDX host's state says about TDX: the facts as the kernel exposes
 * them (read under a root directory, so that snapshots of hosts can stand
 * in for the host), and the diagnosis made of them: one finding per
 * fact that matters, each with its evidence and the fix.
 *
 * Used by tools/tdx-diagnose (selftests/tdx-diagnose.c) and by the
 * tdx_host program. Decoding tables (leaves, status classes, errnos) come
 * from the kernel's TDX host code and the TDX module's own error code
 * list (spec/tdx-abi.md).
 */
#ifndef TDX_DIAG_H
#define TDX_DIAG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum tdx_kvm_param { TDX_KVM_NOT_LOADED = -2, TDX_KVM_NO_PARAM = -1, TDX_KVM_N = 0, TDX_KVM_Y = 1 };

/* What the host shows, read once. -1 in a number: not known. */
struct tdx_host_facts {
	char root[PATH_MAX];		/* "" for "/" */
	bool cpuinfo_read;
	bool platform;			/* cpuinfo: tdx_host_platform */
	enum tdx_kvm_param kvm_tdx;	/* kvm_intel's tdx parameter */
	int virt_at_load;		/* kvm.enable_virt_at_load: 0, 1, -1 */
	/* the kernel log (this boot; on the emulated platform: this load) */
	int log_err;			/* 0, or the errno of opening it */
	bool log_complete;		/* it still starts at boot */
	char log_first[64];		/* what says where it starts */
	int initialized;		/* "module initialized" lines */
	int init_failed;		/* "module initialization failed" lines */
	char failed_line[160];
	int init_errno;			/* the failure's errno (negative), 0 */
	int pamt_msgs;
	long long pamt_kb;		/* the last PAMT line's value */
	long long keyid_first, keyid_end;	/* "BIOS enabled: private KeyID range" */
	char version[32];		/* the module's version, "" unknown */
	char version_from[64];		/* where it was read */
	/* the misc cgroup */
	bool misc_file;
	long long misc_tdx;		/* -1: no tdx line */
	/* memory and CPUs */
	long long memtotal_kb;
	int nodes;
	char cpus_present[256];
	char cpus_online[256];
	char cmdline[1024];
	bool cmdline_read;
	int hibernation;		/* sys/power/state lists disk: 1, 0, -1 */
	int s3;				/* sys/power/mem_sleep offers deep: 1, 0, -1 */
	/* IA32_MKTME_KEYID_PARTITIONING (MSR 0x87) of CPU 0 */
	int msr_err;			/* 0 read, else an errno (ENOENT: no msr driver) */
	long long msr_tdx_keyids, msr_mktme_keyids;
	/* the emulated platform (virtlife_tdx loaded) */
	bool emulated;
	bool emu_state_read;
	char emu_status[24];		/* uninitialized|initialized|error */
	int emu_platform;		/* platform=0|1, -1 */
	int emu_sys_init;		/* sys_init=-N; 1 none; 0 ok; INT_MIN unknown */
	int emu_off_for_hibernation;
};

enum tdx_diag_level { TDX_DIAG_INFO, TDX_DIAG_OK, TDX_DIAG_WARN, TDX_DIAG_BLOCK };

struct tdx_finding {
	enum tdx_diag_level level;
	char id[32];			/* stable: seamcall, hibernation, keyids, ... */
	char what[320];
	char evidence[384];
	char fix[384];
	/* a decoded SEAMCALL failure */
	bool seamcall;
	char leaf[64];			/* "TDH.SYS.INIT" */
	uint64_t fn, status;
	char class_name[48];		/* "TDX_INCORRECT_CPUID_VALUE" */
};

#define TDX_DIAG_MAX	64

struct tdx_diag {
	struct tdx_host_facts h;
	int n;
	struct tdx_finding f[TDX_DIAG_MAX];
	bool tdx_up;			/* initialized, and nothing blocks it */
	char summary[512];
};

/* Reads the host under @root ("/" when NULL or empty). */
void tdx_host_read(struct tdx_host_facts *h, const char *root);
/* Reads and diagnoses the host under @root. */
void tdx_diagnose(struct tdx_diag *d, const char *root);
/* 0: TDX up and consistent; 1: a finding blocks TDX. */
int tdx_diag_exit_code(const struct tdx_diag *d);
/* The summary, then one line a finding, each line after @prefix. */
void tdx_diag_print(const struct tdx_diag *d, FILE *out, const char *prefix);
void tdx_diag_print_json(const struct tdx_diag *d, FILE *out);

/* Decoding, also for tests. */
const char *tdx_leaf_name(uint64_t fn);
const char *tdx_status_class_name(uint64_t status);

/*
 * The plausible PAMT, in KB, for @memtotal_kb of memory on @nodes nodes
 * (the reasoning is at the definition).
 */
void tdx_pamt_bounds(long long memtotal_kb, int nodes, double *low, double *high);

static inline const char *tdx_kvm_word(enum tdx_kvm_param k)
{
	switch (k) {
	case TDX_KVM_NOT_LOADED:	return "kvm_intel not loaded";
	case TDX_KVM_NO_PARAM:		return "kvm_intel has no tdx parameter";
	case TDX_KVM_N:			return "kvm_intel tdx=N";
	default:			return "kvm_intel tdx=Y";
	}
}

#endif
