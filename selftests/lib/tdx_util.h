/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TDX part of the suite's library (docs/tdx.md): the emulated TDX
 * module's debugfs (the independent witness: what SEAMCALLs it saw), the
 * host core's debugfs (state, TDMRs, PAMTs, memory list), virtlife's
 * tdx/ sysfs, the platform's topology (packages, memory blocks), and the
 * per-node free memory (tdx_mem.c, libnuma; not in the static suspend).
 *
 * Same rules as virtlife_util.h: 0 or -errno; checks fill a "why" buffer.
 */
#ifndef TDX_UTIL_H
#define TDX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtlife_util.h"

#define TDX_EMU_DEBUGFS		SIMHW_DEBUGFS "/tdx"
#define TDX_CORE_DEBUGFS	"/sys/kernel/debug/virtlife_tdx"
#define VL_TDX_SYSFS		VL_SYSFS "/tdx"
#define VL_TDX_HP_STATE		"virtlife/tdx:online"

/* VIRTLIFE_CREATE_VM's argument (driver/include/uapi/virtlife.h). */
#ifndef VIRTLIFE_VM_TYPE_DEFAULT
#define VIRTLIFE_VM_TYPE_DEFAULT	0
#endif
#ifndef VIRTLIFE_VM_TYPE_TD
#define VIRTLIFE_VM_TYPE_TD		1
#endif

/* Status codes (driver/include/tdx_abi.h) the tests inject. */
#define TDX_OPERAND_INVALID		0xC000010000000000ULL
#define TDX_SEAMCALL_VMFAILINVALID	0x8000FF00FFFF0000ULL
#define TDX_SEAMCALL_GP			0x8000FF000000000DULL
#define TDX_SEAMCALL_UD			0x8000FF0000000006ULL

/* ---- the emulated TDX module (simhw debugfs tdx/) ---- */
enum tdx_leaf {
	TDX_KEY_CONFIG, TDX_SYS_INIT, TDX_SYS_RD, TDX_LP_INIT,
	TDX_TDMR_INIT, TDX_SYS_CONFIG, TDX_SYS_SHUTDOWN, TDX_SYS_UPDATE,
	TDX_SEAMLDR_INSTALL, TDX_SYS_DISABLE, TDX_NR_LEAVES
};
extern const char *const tdx_leaf_names[TDX_NR_LEAVES];	/* "SYS.INIT", ... */

struct tdx_leaves {
	uint64_t calls[TDX_NR_LEAVES];
	uint64_t failures[TDX_NR_LEAVES];
};
int tdx_leaves(struct tdx_leaves *l);
uint64_t tdx_leaves_total(const struct tdx_leaves *l);
/* "SYS.INIT=1 SYS.LP.INIT=4 ..." for logs. */
void tdx_leaves_format(const struct tdx_leaves *l, char *buf, size_t size);

struct tdx_emu_cpu {
	int cpu, package;
	uint64_t lp_init_calls;
	bool lp_initialized;
};
/* Indexed by CPU number; returns the number of slots filled (max cpu + 1). */
int tdx_emu_cpus(struct tdx_emu_cpu *cpus, int max);
/* Every online CPU did exactly @n LP.INITs and is LP-initialized (emulator). */
bool tdx_lp_init_calls_are(uint64_t n, char *why, size_t len);

struct tdx_emu_package {
	int package;
	uint64_t key_config_calls;
	bool configured;
	int by_cpu;
};
/* In file order; returns the count. */
int tdx_emu_packages(struct tdx_emu_package *pkgs, int max);

/* One "key=value" of the emulator's state file (value without newline). */
int tdx_emu_state(const char *key, char *val, size_t size);
int tdx_emu_state_u64(const char *key, uint64_t *val);

/*
 * A SEAMCALL by hand (the emulator's tdx/seamcall): LEAF (name as in
 * tdx/leaves) on CPU with RCX, RDX, R8; its status in *status.  Returns 0
 * or the write's -errno (-ENXIO: CPU offline, -EINVAL: refused input).
 */
int tdx_raw_seamcall(int cpu, const char *leaf, uint64_t rcx, uint64_t rdx,
		     uint64_t r8, uint64_t *status);

/* Arm injections; see docs/tdx.md. @leaf is a name of tdx_leaf_names. */
int tdx_fail_leaf(const char *leaf, uint64_t status, int nth);
int tdx_no_entropy(const char *cmd);		/* "K" or "K LEAF" */

/* ---- the host core (virtlife_tdx debugfs) ---- */
struct tdx_core_state {
	char status[32];	/* uninitialized|initialized|error */
	int error;
	char sys_init[16];	/* none|0|-N */
	char lp_initialized[256];
	uint64_t init_time_us, pamt_bytes, tdmrs;
	char version[32];	/* major.minor.update, as TDH.SYS.RD gave it */
	/* T10, decided at the core's load */
	uint64_t platform, off_for_hibernation, s3_disabled;
	uint64_t updates;	/* completed runtime updates (T12) */
};
int tdx_core_state(struct tdx_core_state *st);
/* T10: the host core turned TDX off at load because hibernation is possible. */
bool tdx_off_for_hibernation(void);

#define TDX_MAX_NODES	64
/*
 * The core's pamt file, per node: bytes of PAMT in its TDMR list, and
 * bytes it took from the page allocator for PAMTs and has not given back
 * (counted where pages are allocated and freed). Returns the number of
 * nodes listed.
 */
struct tdx_core_pamt {
	uint64_t bytes;
	int64_t allocated;
};
int tdx_core_pamt(struct tdx_core_pamt p[TDX_MAX_NODES]);
/* T6, exactly: no PAMT in the TDMR list and none allocated, on any node. */
bool tdx_no_pamt_held(char *why, size_t len);

struct tdx_tdmr {
	uint64_t base, size;
	int nid, reserved;			/* nid: core only (else -1) */
	uint64_t pamt_base[3], pamt_size[3];	/* 4K, 2M, 1G */
	uint64_t next;				/* emulator only: TDMR.INIT progress */
};
int tdx_core_tdmrs(struct tdx_tdmr *t, int max);
/* The emulated module's copy of the TDMR list it accepted (empty before CONFIG). */
int tdx_emu_tdmrs(struct tdx_tdmr *t, int max);

struct tdx_range {
	uint64_t start, end;	/* end exclusive */
	int nid;
};
int tdx_core_memlist(struct tdx_range *r, int max);
/*
 * The top-level System RAM ranges of /proc/iomem, sorted, adjacent ones
 * joined (nid -1); -EPERM when the addresses are hidden (not root).
 */
int tdx_system_ram(struct tdx_range *r, int max);

int tdx_fail_step(const char *cmd);		/* "STEP" or "STEP ERRNO" */

/* ---- virtlife.ko's TDX glue (sysfs tdx/) ---- */
/*
 * tdx/state: @word gets the first word without a trailing ':'
 * ("uninitialized", "initialized", "error", "off"); *err the errno in
 * "(-E)" (0 when none). Either pointer may be NULL.
 */
int tdx_state(char *word, size_t size, int *err, char *line, size_t lsize);
/* Write "1" to tdx/enable: 0 or the error the write returned. */
int tdx_enable(void);
/* T12: a runtime update to the staged image (tdx_stage_image("M.m.u" or "none")). */
int tdx_update(void);
int tdx_stage_image(const char *version);
int tdx_td_create(void);			/* VM fd or -errno */

/* "-EIO" -> -5 (also plain numbers); 0 when unknown. */
int tdx_errno_parse(const char *s);
const char *tdx_errno_name(int err);		/* -5 -> "-EIO" */

/* Hotplug state number of @name in /sys/devices/system/cpu/hotplug/states, or -1. */
int tdx_hp_state_number(const char *name);

/* ---- topology ---- */
/* Physical package of an online CPU (sysfs topology), or -errno. */
int tdx_cpu_package(int cpu);
/* Distinct packages of the online CPUs. */
int tdx_nr_packages(void);
int tdx_nr_online_cpus(void);

/* ---- memory blocks ---- */
uint64_t tdx_block_size(void);			/* 0 when unknown */
/* Memory block numbers, ascending; returns the count. */
int tdx_memory_blocks(int *blocks, int max);
/* Node of memory block @block, or -1. */
int tdx_block_node(int block);
/* Node of physical address @pa (via its memory block), or -1. */
int tdx_pa_node(uint64_t pa);
bool tdx_block_online(int block);
int tdx_block_set_online(int block, bool online);
int tdx_online_all_blocks(void);

/*
 * Cold boot with @simhw_params, and virtlife.ko with @vl_params unless
 * NULL; after a check that the TDX module is fresh (no SEAMCALL seen).
 */
int tdx_cold_boot(const char *simhw_params, const char *vl_params);

/*
 * The end of every TDX test: VMs closed, CPUs online, all modules unloaded,
 * memory blocks online, then simhw and the TDX core loaded with their
 * defaults (a fresh boot for the next program); false with the first
 * problem in @why.
 */
bool tdx_teardown(char *why, size_t len);

/*
 * The whole-sequence check of a first initialization (T2, T3, T5): the
 * emulator saw SYS.INIT 1, SYS.CONFIG 1, KEY.CONFIG = packages, LP.INIT =
 * online CPUs, every package configured by one of its CPUs, every online
 * CPU LP-initialized once, the module ready; the core and virtlife say
 * initialized.
 */
bool tdx_first_init_ok(char *why, size_t len);

/*
 * Runs tdx-diagnose (installed next to the program) on this machine and
 * checks that its exit code is @want_rc and, with @leaf ("SYS.CONFIG"),
 * that a blocking SEAMCALL finding names "TDH.@leaf", "(0x@nr)" when @nr
 * is not 0 (the number the kernel's message carries), and @class. False
 * with the reason and the tool's BLOCK/WARN lines in @why.
 */
bool tdx_diagnosis_names(const char *leaf, unsigned int nr, const char *class, int want_rc,
			 char *why, size_t len);

#endif /* TDX_UTIL_H */
