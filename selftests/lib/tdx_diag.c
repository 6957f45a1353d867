// SPDX-License-Identifier: GPL-2.0
/*
 * The facts a host shows about TDX, and their diagnosis (tdx_diag.h).
 *
 * Sources, each under the root (a host, or a snapshot of one in
 * fixtures/tdx-host/):
 *   proc/cpuinfo                           tdx_host_platform
 *   dev/kmsg (or a dmesg text in its place) the kernel's lines: virt/tdx:
 *     (the TDX host core), kvm_intel: (KVM's TDX bring-up); on the
 *     emulated platform virtlife_tdx: and virtlife:, the same messages
 *   sys/module/kvm_intel/parameters/tdx, sys/module/kvm/parameters/
 *     enable_virt_at_load
 *   sys/fs/cgroup/misc.capacity            "tdx N"
 *   proc/meminfo, sys/devices/system/node, sys/devices/system/cpu/
 *     {present,online}, proc/cmdline, sys/power/{state,mem_sleep}
 *   dev/cpu/0/msr                          MSR 0x87, the KeyID partitioning
 *     (a snapshot holds "0x87 VALUE" text lines instead)
 *   sys/devices/faux/tdx_host/version      the module version (7.2)
 *   sys/kernel/debug/virtlife_tdx/state    the emulated platform's core
 */
#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tdx_diag.h"

#define MSR_IA32_MKTME_KEYID_PARTITIONING	0x87

/* ---- decoding tables ------------------------------------------------------ */

struct tdx_leaf { unsigned int nr; const char *name; };

/* Leaf numbers (RAX bits 15:0) as the kernel's tdx.h defines them. */
static const struct tdx_leaf tdx_leaves[] = {
	{ 31, "TDH.SYS.KEY.CONFIG" }, { 32, "TDH.SYS.INFO" },
	{ 33, "TDH.SYS.INIT" }, { 34, "TDH.SYS.RD" },
	{ 35, "TDH.SYS.LP.INIT" }, { 36, "TDH.SYS.TDMR.INIT" },
	{ 38, "TDH.SYS.RDALL" }, { 45, "TDH.SYS.CONFIG" },
	{ 52, "TDH.SYS.SHUTDOWN" }, { 53, "TDH.SYS.UPDATE" },
	{ 69, "TDH.SYS.DISABLE" },
};

const char *tdx_leaf_name(uint64_t fn)
{
	unsigned int i;

	/* P-SEAMLDR leaves have bit 63 set; 1 is SEAMLDR.INSTALL. */
	if (fn >> 63)
		return (fn & 0xffff) == 1 ? "SEAMLDR.INSTALL" :
		       (fn & 0xffff) == 0 ? "SEAMLDR.INFO" : "a P-SEAMLDR leaf";
	for (i = 0; i < sizeof(tdx_leaves) / sizeof(tdx_leaves[0]); i++)
		if (tdx_leaves[i].nr == (fn & 0xffff))
			return tdx_leaves[i].name;
	return NULL;
}

/*
 * Status classes (bits 63:32) from the TDX module's own code list
 * (tdx_error_codes_defs.h): those the host's initialization can meet, with
 * what to do about each. detail: what the low 32 bits carry.
 */
enum tdx_detail { DETAIL_NONE, DETAIL_OPERAND, DETAIL_MSR, DETAIL_RAW };

struct tdx_class {
	uint32_t hi;
	const char *name;
	enum tdx_detail detail;
	const char *fix;
};

static const struct tdx_class tdx_classes[] = {
	{ 0x80000003, "TDX_INTERRUPTED_RESUMABLE", DETAIL_NONE,
	  "the kernel resumes such a call itself; seen in a failure message it is a kernel bug: report it with this line" },
	{ 0xC0000100, "TDX_OPERAND_INVALID", DETAIL_OPERAND,
	  "the kernel passed an operand the module refuses: a kernel/module mismatch or a kernel bug; update the TDX module, and report it with this line if that does not help" },
	{ 0xC0000101, "TDX_OPERAND_ADDR_RANGE_ERROR", DETAIL_OPERAND,
	  "an address operand outside what the module accepts: report it with this line" },
	{ 0x80000200, "TDX_OPERAND_BUSY", DETAIL_OPERAND,
	  "contention on a module resource: the kernel serializes initialization, so this is a kernel bug; report it" },
	{ 0x80000202, "TDX_SYS_BUSY", DETAIL_NONE,
	  "another SEAMCALL held the module's global lock: a kernel bug (initialization calls are serialized); report it" },
	{ 0x80000203, "TDX_RND_NO_ENTROPY", DETAIL_NONE,
	  "the CPU's random number generator ran dry through all of the kernel's retries: transient; retry, and check RDRAND/RDSEED are not disabled in the BIOS" },
	{ 0xC0000500, "TDX_SYS_INIT_NOT_PENDING", DETAIL_NONE,
	  "the module was already initialized: a kernel started by kexec from one that used TDX (the old kernel must TDH.SYS.DISABLE first, 7.2), or a second TDH.SYS.INIT (kernel bug); reboot cold" },
	{ 0xC0000502, "TDX_SYS_LP_INIT_NOT_DONE", DETAIL_NONE,
	  "a SEAMCALL on a CPU that has not done TDH.SYS.LP.INIT: a kernel bug; report it" },
	{ 0xC0000503, "TDX_SYS_LP_INIT_DONE", DETAIL_NONE,
	  "TDH.SYS.LP.INIT repeated on a CPU: the kernel lost its per-CPU flag (kernel bug), or the module outlived a kexec; reboot cold" },
	{ 0xC0000505, "TDX_SYS_NOT_READY", DETAIL_NONE,
	  "the module is not ready for this call; from TDH.SYS.RD: the module lacks a metadata field this kernel reads (a 1.0 module): update the TDX module to 1.5 or later" },
	{ 0xC0000506, "TDX_SYS_SHUTDOWN", DETAIL_NONE,
	  "the module was shut down (a runtime update that did not finish): no TDX until reboot" },
	{ 0xC0000507, "TDX_SYS_KEY_CONFIG_NOT_PENDING", DETAIL_NONE,
	  "TDH.SYS.KEY.CONFIG out of order (before TDH.SYS.CONFIG): a kernel bug; report it" },
	{ 0xC0000508, "TDX_SYS_STATE_INCORRECT", DETAIL_NONE,
	  "the module is in the wrong state for this call (a runtime update out of order): report it" },
	{ 0xC0000509, "TDX_SYS_INVALID_HANDOFF", DETAIL_NONE,
	  "a runtime update without the old module's handoff data: report it" },
	{ 0xC000050A, "TDX_SYS_INCOMPATIBLE_SIGSTRUCT", DETAIL_NONE,
	  "the module image's signature structure does not fit this platform: install a TDX module built for this CPU" },
	{ 0xC000050B, "TDX_SYS_LP_INIT_NOT_PENDING", DETAIL_NONE,
	  "TDH.SYS.LP.INIT after TDH.SYS.CONFIG (or before TDH.SYS.INIT): a CPU came online after the module was configured (CPU hot-add is not supported with TDX); boot with every CPU online" },
	{ 0xC000050C, "TDX_SYS_CONFIG_NOT_PENDING", DETAIL_NONE,
	  "TDH.SYS.CONFIG before every BIOS-enabled CPU did TDH.SYS.LP.INIT: a CPU is offline or was never brought up (maxcpus=, nr_cpus=, a CPU offlined); boot with every CPU online and retry" },
	{ 0xC000050D, "TDX_INCOMPATIBLE_SEAM_CAPABILITIES", DETAIL_NONE,
	  "the module and the SEAM loader (P-SEAMLDR) do not fit together: update the BIOS and the TDX module together" },
	{ 0xC0000511, "TDX_CRYPTO_SELF_TEST_FAILED", DETAIL_NONE,
	  "the CPU's crypto self test failed: a hardware or microcode problem; update the microcode, then contact the vendor" },
	{ 0x00000815, "TDX_KEY_CONFIGURED", DETAIL_NONE,
	  "the package's key was already configured: TDH.SYS.KEY.CONFIG repeated (kernel bug) or a module that outlived a kexec; reboot cold" },
	{ 0x80000800, "TDX_KEY_GENERATION_FAILED", DETAIL_NONE,
	  "the CPU could not generate the key (entropy): transient; retry" },
	{ 0xC0000811, "TDX_KEY_STATE_INCORRECT", DETAIL_NONE,
	  "the KeyID is in the wrong state: report it" },
	{ 0xC0000900, "TDX_INCORRECT_CPUID_VALUE", DETAIL_RAW,
	  "the module refuses this CPU's CPUID configuration (a BIOS setting or microcode it does not accept): update the BIOS (and its microcode) to a release that supports this TDX module" },
	{ 0xC0000901, "TDX_LIMIT_CPUID_MAXVAL_SET", DETAIL_NONE,
	  "\"Limit CPUID Maxval\" is on in the BIOS: turn it off" },
	{ 0xC0000902, "TDX_INCONSISTENT_CPUID_FIELD", DETAIL_RAW,
	  "CPUs report different CPUID values: the BIOS must configure every CPU the same; update the BIOS" },
	{ 0xC0000906, "TDX_INVALID_PKG_ID", DETAIL_NONE,
	  "the package topology is not what the module expects: update the BIOS" },
	{ 0xC0000910, "TDX_SMRR_NOT_LOCKED", DETAIL_NONE,
	  "the BIOS left the SMRR unlocked: update the BIOS" },
	{ 0xC0000911, "TDX_INVALID_SMRR_CONFIGURATION", DETAIL_NONE,
	  "the BIOS's SMRR configuration is invalid for TDX: update the BIOS" },
	{ 0xC0000912, "TDX_SMRR_OVERLAPS_CMR", DETAIL_NONE,
	  "SMM memory overlaps TDX convertible memory: update the BIOS" },
	{ 0xC0000920, "TDX_INCONSISTENT_MSR", DETAIL_MSR,
	  "CPUs hold different values of this MSR: the BIOS must program every CPU the same; update the BIOS" },
	{ 0xC0000921, "TDX_INCORRECT_MSR_VALUE", DETAIL_MSR,
	  "this MSR holds a value the module does not accept: change the BIOS setting behind it, or update the BIOS" },
	{ 0xC0000A00, "TDX_INVALID_TDMR", DETAIL_OPERAND,
	  "the module refuses a TDMR the kernel built: memory the kernel uses is not TDX-convertible (a BIOS memory setting, non-TDX memory such as CXL or hot-pluggable ranges); check the BIOS memory configuration" },
	{ 0xC0000A01, "TDX_NON_ORDERED_TDMR", DETAIL_OPERAND,
	  "the TDMR list is not sorted: a kernel bug; report it" },
	{ 0xC0000A02, "TDX_TDMR_OUTSIDE_CMRS", DETAIL_OPERAND,
	  "a TDMR covers memory outside the BIOS's convertible memory ranges (CMRs): all memory the kernel manages must be convertible; remove non-TDX memory (memmap=, CXL) or fix the BIOS memory configuration" },
	{ 0x00000A03, "TDX_TDMR_ALREADY_INITIALIZED", DETAIL_NONE,
	  "TDH.SYS.TDMR.INIT on a finished TDMR: a kernel bug; report it" },
	{ 0xC0000A10, "TDX_INVALID_PAMT", DETAIL_OPERAND,
	  "the module refuses a PAMT the kernel allocated: report it" },
	{ 0xC0000A11, "TDX_PAMT_OUTSIDE_CMRS", DETAIL_OPERAND,
	  "a PAMT lies in memory that is not convertible: fix the BIOS memory configuration" },
	{ 0xC0000A12, "TDX_PAMT_OVERLAP", DETAIL_OPERAND,
	  "PAMTs overlap: a kernel bug; report it" },
	{ 0xC0000A20, "TDX_INVALID_RESERVED_IN_TDMR", DETAIL_OPERAND,
	  "a reserved area in a TDMR is invalid: a kernel bug; report it" },
	{ 0xC0000A21, "TDX_NON_ORDERED_RESERVED_IN_TDMR", DETAIL_OPERAND,
	  "reserved areas not sorted: a kernel bug; report it" },
	{ 0xC0000A22, "TDX_CMR_LIST_INVALID", DETAIL_NONE,
	  "the BIOS's CMR list is invalid: update the BIOS" },
	{ 0xC0000C00, "TDX_METADATA_FIELD_ID_INCORRECT", DETAIL_NONE,
	  "the module does not know a metadata field this kernel reads: the module is older than the kernel expects; update the TDX module" },
	{ 0xC0000C02, "TDX_METADATA_FIELD_NOT_READABLE", DETAIL_NONE,
	  "a metadata field this kernel reads is not readable by the host: update the TDX module" },
};

#define TDX_SW_ERROR			0x8000FF0000000000ULL
#define TDX_SEAMCALL_VMFAILINVALID	(TDX_SW_ERROR | 0xFFFF0000ULL)
#define TDX_SEAMCALL_GP			(TDX_SW_ERROR | 13)
#define TDX_SEAMCALL_UD			(TDX_SW_ERROR | 6)

static const char *fix_vmfailinvalid =
	"no TDX module is loaded: enable TDX (and the TDX module load) in the BIOS, install the TDX module image the BIOS loads, and check the BIOS log for a SEAM loader error";
static const char *fix_gp =
	"SEAMCALL faulted (#GP): TDX or SEAMRR is not enabled in the BIOS on this CPU; enable TDX in the BIOS";
static const char *fix_ud =
	"SEAMCALL outside VMX operation (#UD): the kernel issued it before VMXON on that CPU; a kernel bug, report it";

static const struct tdx_class *tdx_class_of(uint64_t status)
{
	uint32_t hi = status >> 32;
	unsigned int i;

	for (i = 0; i < sizeof(tdx_classes) / sizeof(tdx_classes[0]); i++)
		if (tdx_classes[i].hi == hi)
			return &tdx_classes[i];
	return NULL;
}

const char *tdx_status_class_name(uint64_t status)
{
	const struct tdx_class *c;

	if (status == 0)
		return "TDX_SUCCESS";
	if (status == TDX_SEAMCALL_VMFAILINVALID)
		return "TDX_SEAMCALL_VMFAILINVALID";
	if (status == TDX_SEAMCALL_GP)
		return "TDX_SEAMCALL_GP";
	if (status == TDX_SEAMCALL_UD)
		return "TDX_SEAMCALL_UD";
	c = tdx_class_of(status);
	return c ? c->name : NULL;
}

static const char *tdx_status_fix(uint64_t status)
{
	const struct tdx_class *c;

	if (status == TDX_SEAMCALL_VMFAILINVALID)
		return fix_vmfailinvalid;
	if (status == TDX_SEAMCALL_GP)
		return fix_gp;
	if (status == TDX_SEAMCALL_UD)
		return fix_ud;
	c = tdx_class_of(status);
	return c ? c->fix : "a status this tool does not know: look its class (bits 63:32) up in the TDX module's ABI specification, and report it with this line";
}

struct tdx_msr_name { uint32_t msr; const char *name; };

static const struct tdx_msr_name tdx_msr_names[] = {
	{ 0x3a, "IA32_FEATURE_CONTROL" }, { 0x48, "IA32_SPEC_CTRL" },
	{ 0x87, "IA32_MKTME_KEYID_PARTITIONING" }, { 0x10a, "IA32_ARCH_CAPABILITIES" },
	{ 0x122, "IA32_TSX_CTRL" }, { 0x1a0, "IA32_MISC_ENABLE" },
	{ 0x1f2, "IA32_SMRR_PHYSBASE" }, { 0x1f3, "IA32_SMRR_PHYSMASK" },
	{ 0x982, "IA32_TME_ACTIVATE" },
};

static const char *tdx_msr_name(uint32_t msr)
{
	unsigned int i;

	for (i = 0; i < sizeof(tdx_msr_names) / sizeof(tdx_msr_names[0]); i++)
		if (tdx_msr_names[i].msr == msr)
			return tdx_msr_names[i].name;
	return NULL;
}

/* Operand ids (the module's OPERAND_ID_*): the register that was refused. */
static const char *tdx_operand_name(uint32_t id)
{
	static const char *const regs[] = {
		"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
		"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
	};

	return id < 16 ? regs[id] : NULL;
}

/* Metadata fields the kernel reads with TDH.SYS.RD (RDX). */
static const char *tdx_field_name(uint64_t id)
{
	switch (id) {
	case 0x9100000100000008ULL: return "MAX_TDMRS";
	case 0x9100000100000009ULL: return "MAX_RESERVED_PER_TDMR";
	case 0x9100000100000010ULL: return "PAMT_4K_ENTRY_SIZE";
	case 0x9100000100000011ULL: return "PAMT_2M_ENTRY_SIZE";
	case 0x9100000100000012ULL: return "PAMT_1G_ENTRY_SIZE";
	case 0x0A00000300000008ULL: return "TDX_FEATURES0";
	case 0x0800000100000003ULL: return "MINOR_VERSION";
	case 0x0800000100000004ULL: return "MAJOR_VERSION";
	case 0x0800000100000005ULL: return "UPDATE_VERSION";
	}
	return NULL;
}

struct tdx_errno { int err; const char *name; const char *means; };

/* The kernel's TDX errnos and what each says (arch/x86/virt/vmx/tdx/tdx.c). */
static const struct tdx_errno tdx_errnos[] = {
	{ EIO, "EIO", "a SEAMCALL failed (its status is in the SEAMCALL line)" },
	{ ENODEV, "ENODEV", "no TDX module (SEAMCALL VMFAILINVALID) or no TDX platform" },
	{ EOPNOTSUPP, "EOPNOTSUPP", "a SEAMCALL faulted with #GP (TDX not enabled in the BIOS)" },
	{ EACCES, "EACCES", "a SEAMCALL outside VMX operation (#UD)" },
	{ EINVAL, "EINVAL", "the module lacks a feature the kernel needs, its metadata is invalid, or TDX already failed this boot" },
	{ ENOSPC, "ENOSPC", "the memory layout needs more TDMRs or reserved areas than the module allows" },
	{ ENOMEM, "ENOMEM", "no memory for the PAMT or the TDMR list (the PAMT needs 1/256 of memory, physically contiguous per TDMR)" },
	{ EBUSY, "EBUSY", "refused while a suspend or hibernation was in progress" },
	{ ENXIO, "ENXIO", "a CPU was offline" },
	{ EPERM, "EPERM", "not permitted" },
};

static const char *diag_errno_name(int err)
{
	unsigned int i;

	for (i = 0; i < sizeof(tdx_errnos) / sizeof(tdx_errnos[0]); i++)
		if (tdx_errnos[i].err == err)
			return tdx_errnos[i].name;
	return NULL;
}

static const char *tdx_errno_means(int err)
{
	unsigned int i;

	for (i = 0; i < sizeof(tdx_errnos) / sizeof(tdx_errnos[0]); i++)
		if (tdx_errnos[i].err == err)
			return tdx_errnos[i].means;
	return "an error this tool does not know";
}

/*
 * The PAMT has 16-byte entries for every 4 KiB page of every TDMR (1/256
 * of the memory they cover), plus 1/131072 for the 2 MiB level and 1/2^26
 * for 1 GiB, each level rounded up to 4 KiB per TDMR. The TDMRs cover all
 * boot RAM (the kernel refuses TDX otherwise), which is more than
 * MemTotal: the memmap (struct pages, 1.6%), the kernel image, firmware
 * and crash-kernel reservations are RAM outside MemTotal; TDMRs are 1 GiB
 * aligned, so each node's start and end and the hole below 4 GiB add up
 * to 2 GiB each. Bounds, in KB:
 *   low  = 0.90 * MemTotal / 256   (10% slack for RAM counted in MemTotal
 *                                   but outside TDX, e.g. late hot-add)
 *   high = 1.20 * MemTotal / 256 + (2 + 2 * nodes) GiB / 256 + 64 TDMRs *
 *          12 KB (the 4 KiB rounding of three levels)
 * A 1 TiB two-node host: MemTotal ~1008 GiB, PAMT ~4202512 KB, ratio 1.02.
 */
void tdx_pamt_bounds(long long memtotal_kb, int nodes, double *low, double *high)
{
	double base = memtotal_kb / 256.0;

	*low = 0.90 * base;
	*high = 1.20 * base + (2.0 + 2.0 * nodes) * 1024 * 1024 / 256 + 64 * 12;
}

/* ---- reading the host ----------------------------------------------------- */

/* The TDX lines of the log, in order; the diagnosis decodes each. */
#define TDX_LOG_LINES	96
static char tdx_log[TDX_LOG_LINES][240];
static int tdx_log_n;

static void host_path(const struct tdx_host_facts *h, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", h->root, rel);
}

static FILE *host_open(const struct tdx_host_facts *h, const char *rel)
{
	char path[PATH_MAX + 64];

	host_path(h, rel, path, sizeof(path));
	return fopen(path, "r");
}

static bool host_exists(const struct tdx_host_facts *h, const char *rel)
{
	char path[PATH_MAX + 64];

	host_path(h, rel, path, sizeof(path));
	return access(path, F_OK) == 0;
}

/* The first line of a file, without its newline; false if unreadable. */
static bool host_line(const struct tdx_host_facts *h, const char *rel, char *buf, size_t len)
{
	FILE *f = host_open(h, rel);
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

static void read_cpuinfo(struct tdx_host_facts *h)
{
	char line[8192];
	FILE *f = host_open(h, "proc/cpuinfo");

	if (!f)
		return;
	h->cpuinfo_read = true;
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save;

		if (strncmp(line, "flags", 5))
			continue;
		for (tok = strtok_r(strchr(line, ':') ?: line, " :\t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (!strcmp(tok, "tdx_host_platform"))
				h->platform = true;
		break;
	}
	fclose(f);
}

static int yes_no(const char *v)
{
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
}

static void read_params(struct tdx_host_facts *h)
{
	char v[16];

	if (!host_exists(h, "sys/module/kvm_intel"))
		h->kvm_tdx = TDX_KVM_NOT_LOADED;
	else if (!host_line(h, "sys/module/kvm_intel/parameters/tdx", v, sizeof(v)))
		h->kvm_tdx = TDX_KVM_NO_PARAM;
	else
		h->kvm_tdx = yes_no(v) ? TDX_KVM_Y : TDX_KVM_N;
	h->virt_at_load = -1;
	if (host_line(h, "sys/module/kvm/parameters/enable_virt_at_load", v, sizeof(v)))
		h->virt_at_load = yes_no(v);
}

/* What a new load of the emulated platform forgets: the earlier boot's log. */
static void log_restart(struct tdx_host_facts *h)
{
	h->initialized = h->init_failed = h->pamt_msgs = 0;
	h->failed_line[0] = 0;
	h->init_errno = 0;
	h->pamt_kb = -1;
	h->keyid_first = h->keyid_end = -1;
	if (!strcmp(h->version_from, "the kernel log"))
		h->version[0] = h->version_from[0] = 0;
	tdx_log_n = 0;
}

enum tdx_source { SRC_CORE, SRC_EMU_CORE, SRC_KVM, SRC_EMU_KVM };

/*
 * The text after a TDX prefix, or NULL: which lines are TDX lines, and
 * whose: the TDX host core's (the kernel's virt/tdx, the emulated
 * platform's virtlife_tdx) or its user's (kvm_intel, virtlife).
 */
static const char *tdx_text(const char *msg, enum tdx_source *src)
{
	static const char *const prefixes[] = {
		[SRC_CORE] = "virt/tdx: ", [SRC_EMU_CORE] = "virtlife_tdx: ",
		[SRC_KVM] = "kvm_intel: ", [SRC_EMU_KVM] = "virtlife: ",
	};
	unsigned int i;
	const char *p;

	for (i = 0; i < 4; i++) {
		p = strstr(msg, prefixes[i]);
		if (!p)
			continue;
		p += strlen(prefixes[i]);
		/* KVM's and virtlife's lines only where they are about TDX. */
		if (i >= SRC_KVM && !strcasestr(p, "tdx") && strncmp(p, "SEAMCALL ", 9))
			return NULL;
		*src = i;
		return p;
	}
	return NULL;
}

static void log_message(struct tdx_host_facts *h, const char *msg)
{
	enum tdx_source src;
	const char *p = tdx_text(msg, &src);
	long long kb, a, b;
	unsigned int ma, mi, up;
	int err;

	if (!p)
		return;
	/* Each load of the emulated platform is a boot of its own. */
	if (src == SRC_EMU_CORE && (!strncmp(p, "BIOS enabled: ", 14) ||
				    !strncmp(p, "no TDX private KeyIDs", 21)))
		log_restart(h);
	if (tdx_log_n < TDX_LOG_LINES) {
		snprintf(tdx_log[tdx_log_n], sizeof(tdx_log[0]), "%s", msg);
		tdx_log[tdx_log_n][strcspn(tdx_log[tdx_log_n], "\n")] = 0;
		tdx_log_n++;
	}
	if (!strncmp(p, "module initialized", 18)) {
		h->initialized++;
	} else if (!strncmp(p, "module initialization failed", 28)) {
		h->init_failed++;
		snprintf(h->failed_line, sizeof(h->failed_line), "%s", p);
		h->failed_line[strcspn(h->failed_line, "\n")] = 0;
		if (sscanf(p, "module initialization failed (%d)", &err) == 1)
			h->init_errno = err;
	} else if (sscanf(p, "%lld KB allocated for PAMT", &kb) == 1 &&
		   strstr(p, " KB allocated for PAMT")) {
		h->pamt_msgs++;
		h->pamt_kb = kb;
	} else if (sscanf(p, "BIOS enabled: private KeyID range [%lld, %lld)", &a, &b) == 2) {
		h->keyid_first = a;
		h->keyid_end = b;
	} else if (sscanf(p, "module %u.%u.%u:", &ma, &mi, &up) == 3 ||
		   sscanf(p, "module updated to %u.%u.%u", &ma, &mi, &up) == 3 ||
		   sscanf(p, "TDX module %u.%u.%u", &ma, &mi, &up) == 3) {
		snprintf(h->version, sizeof(h->version), "%u.%u.%02u", ma, mi, up);
		snprintf(h->version_from, sizeof(h->version_from), "the kernel log");
	}
}

/*
 * Records "PRIO,SEQ,USEC,FLAGS;TEXT" (/dev/kmsg; continuation lines start
 * with a space) or "[   12.345678] TEXT" lines (dmesg). The log is complete
 * when its first record is sequence 0 or time 0: nothing has been
 * overwritten since boot.
 */
static void log_record(struct tdx_host_facts *h, char *rec, bool *first)
{
	unsigned long long seq, usec;
	double ts;
	char *semi;
	int prio;

	rec[strcspn(rec, "\n")] = 0;
	if (rec[0] == ' ' || !rec[0])
		return;
	if (sscanf(rec, "%d,%llu,%llu,", &prio, &seq, &usec) == 3 &&
	    (semi = strchr(rec, ';'))) {
		if (*first) {
			h->log_complete = seq == 0;
			snprintf(h->log_first, sizeof(h->log_first), "record %llu", seq);
		}
		*first = false;
		log_message(h, semi + 1);
		return;
	}
	if (rec[0] == '[' && sscanf(rec, "[%lf]", &ts) == 1) {
		if (*first) {
			h->log_complete = ts == 0;
			snprintf(h->log_first, sizeof(h->log_first), "time %.6f", ts);
		}
		*first = false;
	}
	log_message(h, rec);
}

static void read_log(struct tdx_host_facts *h)
{
	char path[PATH_MAX + 64], rec[8192];
	bool first = true;
	struct stat st;
	ssize_t n;
	FILE *f;
	int fd;

	host_path(h, "dev/kmsg", path, sizeof(path));
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		h->log_err = errno;
		if (fd >= 0)
			close(fd);
		return;
	}
	if (S_ISCHR(st.st_mode)) {
		/*
		 * /dev/kmsg: one record per read() from the oldest, EAGAIN at
		 * the end, EPIPE when a record was overwritten meanwhile.
		 */
		for (;;) {
			n = read(fd, rec, sizeof(rec) - 1);
			if (n < 0 && errno == EPIPE)
				continue;
			if (n <= 0)
				break;
			rec[n] = 0;
			log_record(h, rec, &first);
		}
		close(fd);
	} else {
		/* A snapshot: the same records (or dmesg lines), one a line. */
		f = fdopen(fd, "r");
		if (!f) {
			h->log_err = errno;
			close(fd);
			return;
		}
		while (fgets(rec, sizeof(rec), f))
			log_record(h, rec, &first);
		fclose(f);
	}
	if (first)
		snprintf(h->log_first, sizeof(h->log_first), "empty");
}

static void read_misc(struct tdx_host_facts *h)
{
	char name[64];
	long long v;
	FILE *f = host_open(h, "sys/fs/cgroup/misc.capacity");

	if (!f)
		return;
	h->misc_file = true;
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		if (!strcmp(name, "tdx"))
			h->misc_tdx = v;
	fclose(f);
}

static void read_memory(struct tdx_host_facts *h)
{
	char line[256], path[PATH_MAX + 64];
	struct dirent *e;
	long long kb;
	FILE *f = host_open(h, "proc/meminfo");
	DIR *d;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
				h->memtotal_kb = kb;
		fclose(f);
	}
	host_path(h, "sys/devices/system/node", path, sizeof(path));
	d = opendir(path);
	if (d) {
		while ((e = readdir(d)))
			if (!strncmp(e->d_name, "node", 4) &&
			    e->d_name[4] >= '0' && e->d_name[4] <= '9')
				h->nodes++;
		closedir(d);
	}
	if (h->nodes < 1)
		h->nodes = 1;
}

static void read_system(struct tdx_host_facts *h)
{
	char v[512];

	host_line(h, "sys/devices/system/cpu/present", h->cpus_present, sizeof(h->cpus_present));
	host_line(h, "sys/devices/system/cpu/online", h->cpus_online, sizeof(h->cpus_online));
	h->cmdline_read = host_line(h, "proc/cmdline", h->cmdline, sizeof(h->cmdline));
	h->hibernation = h->s3 = -1;
	if (host_line(h, "sys/power/state", v, sizeof(v)))
		h->hibernation = strstr(v, "disk") != NULL;
	if (host_line(h, "sys/power/mem_sleep", v, sizeof(v)))
		h->s3 = strstr(v, "deep") != NULL;
	if (host_line(h, "sys/devices/faux/tdx_host/version", v, sizeof(v)) && v[0]) {
		snprintf(h->version, sizeof(h->version), "%.31s", v);
		snprintf(h->version_from, sizeof(h->version_from),
			 "sys/devices/faux/tdx_host/version");
	}
}

/* MSR 0x87 of CPU 0: the msr driver's device, or a snapshot's text lines. */
static void read_msr(struct tdx_host_facts *h)
{
	char path[PATH_MAX + 64], line[128];
	unsigned long long msr, val = 0;
	bool found = false;
	struct stat st;
	FILE *f;
	int fd;

	h->msr_tdx_keyids = h->msr_mktme_keyids = -1;
	host_path(h, "dev/cpu/0/msr", path, sizeof(path));
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		h->msr_err = errno;
		if (fd >= 0)
			close(fd);
		return;
	}
	if (S_ISCHR(st.st_mode)) {
		if (pread(fd, &val, sizeof(val), MSR_IA32_MKTME_KEYID_PARTITIONING) == sizeof(val))
			found = true;
		else
			h->msr_err = errno ? errno : EIO;
		close(fd);
	} else {
		f = fdopen(fd, "r");
		if (!f) {
			h->msr_err = errno;
			close(fd);
			return;
		}
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%llx %llx", &msr, &val) == 2 &&
			    msr == MSR_IA32_MKTME_KEYID_PARTITIONING) {
				found = true;
				break;
			}
		fclose(f);
		if (!found)
			h->msr_err = EIO;	/* as the msr driver says for #GP */
	}
	if (found) {
		h->msr_err = 0;
		h->msr_mktme_keyids = val & 0xffffffffULL;
		h->msr_tdx_keyids = val >> 32;
	}
}

static void read_emulated(struct tdx_host_facts *h)
{
	char line[256], v[64];
	int n;
	FILE *f;

	h->emu_platform = -1;
	h->emu_sys_init = INT_MIN;
	h->emu_off_for_hibernation = -1;
	h->emulated = host_exists(h, "sys/module/virtlife_tdx");
	if (!h->emulated)
		return;
	f = host_open(h, "sys/kernel/debug/virtlife_tdx/state");
	if (!f)
		return;
	h->emu_state_read = true;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "status=%23s", h->emu_status) == 1)
			continue;
		if (sscanf(line, "platform=%d", &n) == 1)
			h->emu_platform = n;
		else if (sscanf(line, "off_for_hibernation=%d", &n) == 1)
			h->emu_off_for_hibernation = n;
		else if (sscanf(line, "sys_init=%63s", v) == 1)
			h->emu_sys_init = !strcmp(v, "none") ? 1 : atoi(v);
		else if (sscanf(line, "version=%63s", v) == 1 && strcmp(v, "0.0.0")) {
			snprintf(h->version, sizeof(h->version), "%.31s", v);
			snprintf(h->version_from, sizeof(h->version_from),
				 "virtlife_tdx/state");
		}
	}
	fclose(f);
}

void tdx_host_read(struct tdx_host_facts *h, const char *root)
{
	size_t len;

	memset(h, 0, sizeof(*h));
	tdx_log_n = 0;
	h->pamt_kb = -1;
	h->misc_tdx = -1;
	h->memtotal_kb = -1;
	h->keyid_first = h->keyid_end = -1;
	snprintf(h->root, sizeof(h->root), "%s", root && *root ? root : "/");
	len = strlen(h->root);
	while (len > 0 && h->root[len - 1] == '/')
		h->root[--len] = 0;
	read_cpuinfo(h);
	read_params(h);
	read_system(h);
	read_emulated(h);
	read_log(h);
	read_misc(h);
	read_memory(h);
	read_msr(h);
}

/* ---- the diagnosis ---------------------------------------------------------- */

static const char *const tdx_level_names[] = {
	[TDX_DIAG_INFO] = "INFO", [TDX_DIAG_OK] = "OK",
	[TDX_DIAG_WARN] = "WARN", [TDX_DIAG_BLOCK] = "BLOCK",
};

static struct tdx_finding *find_id(struct tdx_diag *d, const char *id)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->f[i].id, id))
			return &d->f[i];
	return NULL;
}

static int count_level(const struct tdx_diag *d, enum tdx_diag_level level)
{
	int i, n = 0;

	for (i = 0; i < d->n; i++)
		n += d->f[i].level == level;
	return n;
}

static struct tdx_finding *add(struct tdx_diag *d, enum tdx_diag_level level,
			       const char *id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A new finding; the same id and text twice is one finding. */
static struct tdx_finding *add(struct tdx_diag *d, enum tdx_diag_level level,
			       const char *id, const char *fmt, ...)
{
	struct tdx_finding *f, tmp = { .level = level };
	va_list ap;
	int i;

	snprintf(tmp.id, sizeof(tmp.id), "%s", id);
	va_start(ap, fmt);
	vsnprintf(tmp.what, sizeof(tmp.what), fmt, ap);
	va_end(ap);
	for (i = 0; i < d->n; i++)
		if (!strcmp(d->f[i].id, tmp.id) && !strcmp(d->f[i].what, tmp.what))
			return &d->f[i];
	f = &d->f[d->n < TDX_DIAG_MAX ? d->n++ : TDX_DIAG_MAX - 1];
	*f = tmp;
	return f;
}

#define SET(f, field, ...) snprintf((f)->field, sizeof((f)->field), __VA_ARGS__)

/* Appends to a finding's evidence: "a; b". */
static void evidence(struct tdx_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void evidence(struct tdx_finding *f, const char *fmt, ...)
{
	size_t len = strlen(f->evidence);
	va_list ap;

	if (len && len + 2 < sizeof(f->evidence)) {
		strcpy(f->evidence + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(f->evidence + len, sizeof(f->evidence) - len, fmt, ap);
	va_end(ap);
}

/* "CPU0: ..." and the like without the record's prefix, for evidence. */
static const char *log_quote(const char *line)
{
	const char *p = strstr(line, "virt/tdx: ");

	p = p ?: strstr(line, "virtlife_tdx: ");
	p = p ?: strstr(line, "kvm_intel: ");
	p = p ?: strstr(line, "virtlife: ");
	return p ?: line;
}

static void seamcall_finding(struct tdx_diag *d, const char *line, const char *leafword,
			     uint64_t status)
{
	const struct tdx_class *c = tdx_class_of(status);
	const char *cls = tdx_status_class_name(status);
	uint32_t lo = status & 0xffffffffULL;
	char detail[96] = "", leafbuf[72], numbuf[32] = "";
	const char *leaf, *reg, *msr = tdx_msr_name(lo);
	struct tdx_finding *f;
	char *end;
	uint64_t fn;

	/* The kernel prints the leaf as a number (RAX); older text a name. */
	fn = strtoull(leafword, &end, 0);
	if (end != leafword && !*end) {
		leaf = tdx_leaf_name(fn);
		if (!leaf) {
			snprintf(leafbuf, sizeof(leafbuf), "leaf %llu", (unsigned long long)(fn & 0xffff));
			leaf = leafbuf;
		}
	} else {
		/* "TDH_MNG_CREATE" (KVM's messages) or "SYS.INIT": as TDH.X.Y. */
		char *q;

		fn = 0;
		snprintf(leafbuf, sizeof(leafbuf), "%s%.60s",
			 strncmp(leafword, "TDH", 3) ? "TDH." : "", leafword);
		for (q = leafbuf; *q; q++)
			if (*q == '_')
				*q = '.';
		leaf = leafbuf;
	}
	if (c && c->detail == DETAIL_OPERAND && (reg = tdx_operand_name(lo)))
		snprintf(detail, sizeof(detail), ", operand %s", reg);
	else if (c && c->detail == DETAIL_MSR)
		snprintf(detail, sizeof(detail), ", MSR 0x%x%s%s%s", lo,
			 msr ? " (" : "", msr ?: "", msr ? ")" : "");
	else if (c && c->detail == DETAIL_RAW && lo)
		snprintf(detail, sizeof(detail), ", detail 0x%08x", lo);
	/* The leaf number too, as the kernel printed it. */
	if (fn)
		snprintf(numbuf, sizeof(numbuf), " (0x%llx)", (unsigned long long)fn);
	/*
	 * By name, it is KVM's message about a TD's SEAMCALL (pr_tdx_error()):
	 * TDX itself is up, and the failure is one that should not happen.
	 */
	f = add(d, fn ? TDX_DIAG_BLOCK : TDX_DIAG_WARN, fn ? "seamcall" : "seamcall_td",
		"%s%s failed: 0x%016llx = %s%s", leaf, numbuf,
		(unsigned long long)status, cls ?: "an unknown status class", detail);
	f->seamcall = true;
	f->fn = fn;
	f->status = status;
	SET(f, leaf, "%.63s", leaf);
	SET(f, class_name, "%s", cls ?: "unknown");
	if (!f->evidence[0])
		evidence(f, "\"%s\"", log_quote(line));
	SET(f, fix, "%s", tdx_status_fix(status));
}

/* "RCX 0x... RDX 0x... R08 0x...": the registers of the SEAMCALL before. */
static void seamcall_registers(struct tdx_diag *d, const char *p)
{
	unsigned long long rcx, rdx, r8;
	struct tdx_finding *f = d->n ? &d->f[d->n - 1] : NULL;
	const char *field;

	if (!f || !f->seamcall || sscanf(p, "RCX %llx RDX %llx R08 %llx", &rcx, &rdx, &r8) != 3)
		return;
	evidence(f, "RCX 0x%llx RDX 0x%llx R08 0x%llx", rcx, rdx, r8);
	if ((f->fn & 0xffff) == 34 && (field = tdx_field_name(rdx)))
		evidence(f, "TDH.SYS.RD of field %s (RDX)", field);
	else if ((f->fn & 0xffff) == 34)
		evidence(f, "TDH.SYS.RD of field 0x%016llx (RDX)", rdx);
	else if ((f->fn & 0xffff) == 36)
		evidence(f, "TDH.SYS.TDMR.INIT of the TDMR at 0x%llx (RCX)", rcx);
}

/* A per-CPU initialization's errno, where no SEAMCALL line says more. */
static void percpu_errno_finding(struct tdx_diag *d, const char *line, int err)
{
	const struct tdx_host_facts *h = &d->h;
	const char *leaf = "TDH.SYS.INIT or TDH.SYS.LP.INIT (the kernel does not say which)";
	uint64_t status = 0;
	struct tdx_finding *f;

	if (err == -ENODEV)
		status = TDX_SEAMCALL_VMFAILINVALID;
	else if (err == -EOPNOTSUPP)
		status = TDX_SEAMCALL_GP;
	else if (err == -EACCES)
		status = TDX_SEAMCALL_UD;
	/* The emulated core keeps TDH.SYS.INIT's result: which leaf it was. */
	if (h->emu_sys_init != INT_MIN && h->emu_sys_init != 1)
		leaf = h->emu_sys_init == err ? "TDH.SYS.INIT" : "TDH.SYS.LP.INIT";
	if (!status) {
		f = add(d, TDX_DIAG_BLOCK, "percpu_init", "TDX per-CPU initialization failed: %d (-%s: %s)",
			err, diag_errno_name(-err) ?: "?", tdx_errno_means(-err));
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "%s", find_id(d, "seamcall") ? "see the SEAMCALL failure" :
		    "look for the SEAMCALL failure before it in the full kernel log");
		return;
	}
	f = add(d, TDX_DIAG_BLOCK, "seamcall", "%s failed: 0x%016llx = %s (the kernel's -%s)",
		leaf, (unsigned long long)status, tdx_status_class_name(status),
		diag_errno_name(-err));
	f->seamcall = true;
	f->status = status;
	SET(f, leaf, "%.63s", leaf);
	SET(f, class_name, "%s", tdx_status_class_name(status));
	if (!f->evidence[0]) {
		evidence(f, "\"%s\"", log_quote(line));
		if (h->emu_sys_init != INT_MIN && h->emu_sys_init != 1)
			evidence(f, "virtlife_tdx/state sys_init=%d", h->emu_sys_init);
	}
	SET(f, fix, "%s", tdx_status_fix(status));
}

static void diagnose_log_line(struct tdx_diag *d, const char *line)
{
	struct tdx_host_facts *h = &d->h;
	char word[64], failed[64];
	unsigned long long status;
	struct tdx_finding *f;
	enum tdx_source src;
	long long a, b;
	const char *p = tdx_text(line, &src);
	int err;

	if (!p)
		return;
	if ((sscanf(p, "SEAMCALL (%63[^)]) failed: %llx", word, &status) == 2) ||
	    (sscanf(p, "SEAMCALL %63s failed: %llx", word, &status) == 2)) {
		seamcall_finding(d, line, word, status);
	} else if (!strncmp(p, "RCX ", 4)) {
		seamcall_registers(d, p);
	} else if (!strncmp(p, "module not loaded", 17)) {
		f = add(d, TDX_DIAG_BLOCK, "seamcall",
			"TDH.SYS.INIT failed: 0x%016llx = TDX_SEAMCALL_VMFAILINVALID (no TDX module loaded)",
			(unsigned long long)TDX_SEAMCALL_VMFAILINVALID);
		f->seamcall = true;
		f->fn = 33;
		f->status = TDX_SEAMCALL_VMFAILINVALID;
		SET(f, leaf, "TDH.SYS.INIT");
		SET(f, class_name, "TDX_SEAMCALL_VMFAILINVALID");
		evidence(f, "\"%s\" (the kernel prints it when the first SEAMCALL, TDH.SYS.INIT, fails VMFAILINVALID)",
			 log_quote(line));
		SET(f, fix, "%s", fix_vmfailinvalid);
	} else if (sscanf(p, "module initialization failed (%d)", &err) == 1) {
		f = add(d, TDX_DIAG_BLOCK, "init_failed", "TDX module initialization failed: %d (-%s: %s)",
			err, diag_errno_name(-err) ?: "?", tdx_errno_means(-err));
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "%s", d->n > 1 && count_level(d, TDX_DIAG_BLOCK) > 1 ?
		    "the findings before this one are the cause; TDX stays off until the next boot (the kernel does not retry)" :
		    "the cause is not in the log (its earlier lines may be lost); TDX stays off until the next boot");
	} else if (strstr(p, "clobber bug present, upgrade TDX module")) {
		f = add(d, TDX_DIAG_BLOCK, "module_too_old",
			"the TDX module lacks NO_RBP_MOD (TDX_FEATURES0 bit 18), which the kernel requires");
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "update the TDX module to a release with NO_RBP_MOD (the module, not the kernel)");
	} else if (strstr(p, "too few private KeyIDs")) {
		f = add(d, TDX_DIAG_BLOCK, "keyids", "too few TDX KeyIDs: TDX needs at least 2 (one for the module, the rest for TDs)");
		evidence(f, "\"%s\"", log_quote(line));
		if (h->keyid_first >= 0)
			evidence(f, "KeyID range [%lld, %lld): %lld", h->keyid_first, h->keyid_end,
				 h->keyid_end - h->keyid_first);
		SET(f, fix, "in the BIOS, give TDX more KeyIDs (the split of TME-MT/MKTME KeyIDs between MKTME and TDX)");
	} else if (strstr(p, "Hibernation support is enabled")) {
		f = add(d, TDX_DIAG_BLOCK, "hibernation",
			"hibernation is possible, and the kernel keeps TDX off while it is");
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "boot with nohibernate on the kernel command line (or a kernel without CONFIG_HIBERNATION)");
	} else if (strstr(p, "TDMRs exhausted")) {
		f = add(d, TDX_DIAG_BLOCK, "tdmrs", "the memory map needs more TDMRs than the module supports");
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "fewer, larger memory regions: check the BIOS memory map (NUMA interleaving, memory holes, memmap= options); report it with the e820 map");
	} else if (strstr(p, "reserved areas exhausted")) {
		f = add(d, TDX_DIAG_BLOCK, "reserved", "a TDMR needs more reserved areas than the module supports");
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "the memory map has too many holes inside one 1 GiB-aligned region: check the BIOS memory map; report it with the e820 map");
	} else if (strstr(p, "register_memory_notifier() failed")) {
		f = add(d, TDX_DIAG_BLOCK, "memory_notifier", "the kernel could not register its memory-hotplug notifier");
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "a kernel problem at boot: report it with the full log");
	} else if (strstr(p, "present but offline")) {
		f = add(d, TDX_DIAG_BLOCK, "cpu_offline",
			"TDX initialization needs every BIOS-enabled CPU online (TDH.SYS.CONFIG waits for each CPU's TDH.SYS.LP.INIT)");
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "bring the CPUs online (echo 1 > /sys/devices/system/cpu/cpuN/online), then retry");
	} else if (sscanf(p, "BIOS enabled: private KeyID range [%lld, %lld)", &a, &b) == 2) {
		f = add(d, b - a >= 2 ? TDX_DIAG_OK : TDX_DIAG_INFO, "keyids_bios",
			"the BIOS enabled %lld TDX KeyIDs [%lld, %lld): 1 for the module, %lld for TDs",
			b - a, a, b, b - a > 0 ? b - a - 1 : 0);
		evidence(f, "\"%s\"", log_quote(line));
	} else if (!strncmp(p, "no TDX private KeyIDs", 21) && src == SRC_EMU_CORE) {
		f = add(d, TDX_DIAG_BLOCK, "platform", "the BIOS did not enable TDX: no TDX KeyIDs");
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "enable TDX in the BIOS (the emulator: load virtlife_simhw without tdx_seam=0)");
	} else if (strstr(p, "Disable ACPI S3")) {
		f = add(d, TDX_DIAG_INFO, "s3", "ACPI S3 is disabled on this TDX platform (suspend to RAM is not available)");
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "as designed: turn TDX off in the BIOS to use S3");
	} else if (sscanf(p, "consumed TDMRs reaching limit: %lld used out of %lld", &a, &b) == 2) {
		f = add(d, TDX_DIAG_INFO, "tdmrs_limit", "%lld of the module's %lld TDMRs used", a, b);
		evidence(f, "\"%s\"", log_quote(line));
	} else if (sscanf(p, "module update failed at %63s", failed) == 1) {
		f = add(d, TDX_DIAG_BLOCK, "update_failed", "a runtime module update failed at %s: no usable module until reboot", failed);
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "reboot; check the update image is compatible with the running module");
	} else if (strstr(p, "requires kvm.enable_virt_at_load=1")) {
		f = add(d, TDX_DIAG_BLOCK, "virt_at_load", "KVM's TDX needs kvm.enable_virt_at_load=1");
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "boot with kvm.enable_virt_at_load=1 (or load kvm with enable_virt_at_load=1), then load kvm_intel with tdx=1");
	} else if (src == SRC_KVM && (strstr(p, "no TDX private KeyIDs available") ||
				      strstr(p, "TDX not supported by the host platform"))) {
		f = add(d, TDX_DIAG_BLOCK, "kvm_platform", "KVM found no TDX platform (the kernel did not enable TDX at boot)");
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "see the platform findings: TDX must be enabled in the BIOS and found by the kernel at boot");
	} else if (src == SRC_KVM && (strstr(p, "required for TDX") || strstr(p, "Disable TDX"))) {
		f = add(d, TDX_DIAG_BLOCK, "kvm_requirement", "KVM turned TDX off: %s", p);
		evidence(f, "\"%s\"", log_quote(line));
		SET(f, fix, "meet KVM's requirement (a kvm_intel parameter, a CPU feature, or the module's limits) and reload kvm_intel with tdx=1");
	} else if (src == SRC_EMU_KVM && (sscanf(p, "CPU%*u: TDX per-CPU initialization failed: %d", &err) == 1 ||
					  sscanf(p, "TDX per-CPU initialization failed: %d", &err) == 1)) {
		percpu_errno_finding(d, line, err);
	}
}

static bool cpulist_has(const char *list, int cpu)
{
	const char *p = list;
	char *end;
	long a, b;

	while (*p) {
		a = strtol(p, &end, 10);
		if (end == p)
			return false;
		b = a;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			p = end;
		}
		if (cpu >= a && cpu <= b)
			return true;
		if (*p == ',')
			p++;
		else
			break;
	}
	return false;
}

/* The present CPUs that are not online, as a list ("" when none). */
static void cpus_offline(const struct tdx_host_facts *h, char *buf, size_t len)
{
	size_t used = 0;
	int cpu;

	buf[0] = 0;
	for (cpu = 0; cpu < 8192 && used + 8 < len; cpu++)
		if (cpulist_has(h->cpus_present, cpu) && !cpulist_has(h->cpus_online, cpu))
			used += snprintf(buf + used, len - used, "%s%d", used ? "," : "", cpu);
}

static bool cmdline_has(const struct tdx_host_facts *h, const char *opt)
{
	const char *p = h->cmdline;
	size_t n = strlen(opt);

	while ((p = strstr(p, opt))) {
		if ((p == h->cmdline || p[-1] == ' ') && (p[n] == ' ' || p[n] == '=' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static bool tdx_initialized(const struct tdx_host_facts *h)
{
	if (h->emulated && h->emu_state_read)
		return !strcmp(h->emu_status, "initialized");
	return h->initialized > 0 || h->kvm_tdx == TDX_KVM_Y;
}

static void diagnose_platform(struct tdx_diag *d)
{
	struct tdx_host_facts *h = &d->h;
	struct tdx_finding *f;

	if (h->emulated) {
		f = add(d, TDX_DIAG_INFO, "platform_emulated",
			"the emulated TDX platform (virtlife_tdx loaded): its lines are virtlife_tdx:, its KVM is virtlife");
		if (h->emu_platform == 0 && !find_id(d, "keyids") && !find_id(d, "hibernation") &&
		    !find_id(d, "platform")) {
			f = add(d, TDX_DIAG_BLOCK, "platform", "the emulated platform has TDX off this load");
			evidence(f, "virtlife_tdx/state platform=0");
			SET(f, fix, "see virtlife_tdx's load messages");
		}
	} else if (!h->cpuinfo_read) {
		f = add(d, TDX_DIAG_WARN, "platform", "cannot read %s/proc/cpuinfo", h->root[0] ? h->root : "");
	} else if (h->platform) {
		f = add(d, TDX_DIAG_OK, "platform", "the kernel found a TDX platform at boot (tdx_host_platform)");
		evidence(f, "proc/cpuinfo flags: tdx_host_platform");
	} else {
		f = add(d, TDX_DIAG_BLOCK, "platform", "not a TDX host: the kernel did not enable TDX at boot");
		evidence(f, "no tdx_host_platform in proc/cpuinfo");
		if (h->keyid_first < 0 && !h->log_err && h->log_complete)
			evidence(f, "no \"virt/tdx: BIOS enabled: private KeyID range\" in a log complete since boot");
		if (find_id(d, "keyids") || find_id(d, "hibernation"))
			SET(f, fix, "the findings above say why");
		else
			SET(f, fix, "enable TDX in the BIOS (TME, TME-MT, TDX, the SEAM loader, TDX KeyIDs >= 2) and boot a kernel with TDX host support (CONFIG_INTEL_TDX_HOST, 6.8 or later)");
	}

	/*
	 * The KeyID partitioning, from the MSR where it can be read.  The
	 * emulated platform's KeyIDs are virtlife_tdx's, not this CPU's: QEMU
	 * reads an MSR it does not know as 0, so the value is shown, not judged.
	 */
	if (!h->msr_err && h->emulated) {
		f = add(d, TDX_DIAG_INFO, "keyids_msr",
			"IA32_MKTME_KEYID_PARTITIONING: %lld TDX KeyIDs, %lld MKTME KeyIDs: not judged, the emulated platform's KeyIDs are virtlife_tdx's",
			h->msr_tdx_keyids, h->msr_mktme_keyids);
		evidence(f, "MSR 0x87 of CPU 0 (bits 63:32 TDX KeyIDs, 31:0 MKTME KeyIDs)");
	} else if (!h->msr_err) {
		f = add(d, h->msr_tdx_keyids >= 2 ? TDX_DIAG_OK : TDX_DIAG_BLOCK, "keyids_msr",
			"IA32_MKTME_KEYID_PARTITIONING: %lld TDX KeyIDs, %lld MKTME KeyIDs%s",
			h->msr_tdx_keyids, h->msr_mktme_keyids,
			h->msr_tdx_keyids >= 2 ? "" : ": TDX needs at least 2");
		evidence(f, "MSR 0x87 of CPU 0 (bits 63:32 TDX KeyIDs, 31:0 MKTME KeyIDs)");
		if (h->msr_tdx_keyids < 2)
			SET(f, fix, "in the BIOS, give TDX at least 2 KeyIDs (the TME-MT/MKTME KeyID split)%s",
			    h->msr_tdx_keyids == 0 ? "; 0 means TDX is not enabled in the BIOS" : "");
	} else if (h->msr_err == EACCES || h->msr_err == EPERM) {
		f = add(d, TDX_DIAG_INFO, "keyids_msr", "MSR 0x87 (the KeyID partitioning) not read: needs root");
		SET(f, fix, "run as root for the MSR checks");
	} else if (h->msr_err == ENOENT || h->msr_err == ENXIO) {
		f = add(d, TDX_DIAG_INFO, "keyids_msr", "MSR 0x87 (the KeyID partitioning) not read: no %s/dev/cpu/0/msr",
			h->root);
		SET(f, fix, "modprobe msr");
	} else if (!h->emulated) {
		f = add(d, h->platform ? TDX_DIAG_WARN : TDX_DIAG_BLOCK, "keyids_msr",
			"MSR 0x87 (IA32_MKTME_KEYID_PARTITIONING) cannot be read (%s): this CPU has no MKTME/TDX KeyIDs",
			strerror(h->msr_err));
		SET(f, fix, "a CPU without TDX, or TME-MT disabled in the BIOS");
	}
}

static void diagnose_config(struct tdx_diag *d)
{
	struct tdx_host_facts *h = &d->h;
	bool init = tdx_initialized(h);
	char off[256];
	unsigned int ma, mi;
	struct tdx_finding *f;

	/* Hibernation: TDX stays off while it is possible (spec T10). */
	if (h->hibernation == 1 && !init) {
		f = find_id(d, "hibernation");
		if (!f) {
			f = add(d, TDX_DIAG_BLOCK, "hibernation",
				"hibernation is possible, and the kernel keeps TDX off while it is");
			SET(f, fix, "boot with nohibernate on the kernel command line (or a kernel without CONFIG_HIBERNATION)");
		}
		evidence(f, "sys/power/state lists disk");
		if (h->cmdline_read && !cmdline_has(h, "nohibernate"))
			evidence(f, "no nohibernate in proc/cmdline");
	} else if (h->hibernation == 0) {
		add(d, TDX_DIAG_OK, "hibernation", "hibernation is not possible (sys/power/state has no disk)");
	}
	if (h->s3 == 1 && !find_id(d, "s3") && (h->platform || init))
		add(d, TDX_DIAG_INFO, "s3", "sys/power/mem_sleep offers deep (S3); on a TDX platform the kernel disables ACPI S3");

	/* KVM's switches. */
	if (!h->emulated) {
		switch (h->kvm_tdx) {
		case TDX_KVM_Y:
			add(d, TDX_DIAG_OK, "kvm_tdx", "kvm_intel tdx=Y: KVM uses TDX");
			break;
		case TDX_KVM_N:
			if (count_level(d, TDX_DIAG_BLOCK)) {
				f = add(d, TDX_DIAG_INFO, "kvm_tdx",
					"kvm_intel tdx=N: KVM turned TDX off (kvm_intel does so when TDX cannot come up: the findings above)");
			} else {
				f = add(d, TDX_DIAG_BLOCK, "kvm_tdx", "kvm_intel tdx=N: KVM does not use TDX");
				SET(f, fix, "load kvm_intel with tdx=1 (modprobe -r kvm_intel; modprobe kvm_intel tdx=1), or boot with kvm_intel.tdx=1");
			}
			evidence(f, "sys/module/kvm_intel/parameters/tdx is N");
			break;
		case TDX_KVM_NO_PARAM:
			f = add(d, h->platform ? TDX_DIAG_BLOCK : TDX_DIAG_INFO, "kvm_tdx",
				"kvm_intel has no tdx parameter: a kernel without KVM TDX support");
			SET(f, fix, "a kernel with KVM TDX support (6.16 or later, CONFIG_KVM_INTEL_TDX)");
			break;
		case TDX_KVM_NOT_LOADED:
			add(d, TDX_DIAG_INFO, "kvm_tdx", "kvm_intel is not loaded");
			break;
		}
		if (h->virt_at_load == 0) {
			f = find_id(d, "virt_at_load");
			if (!f) {
				f = add(d, h->platform ? TDX_DIAG_BLOCK : TDX_DIAG_INFO, "virt_at_load",
					"kvm.enable_virt_at_load=N: KVM's TDX needs it on");
				SET(f, fix, "boot with kvm.enable_virt_at_load=1, then load kvm_intel with tdx=1");
			}
			evidence(f, "sys/module/kvm/parameters/enable_virt_at_load is N");
		}
	}

	/* Every BIOS-enabled CPU must be online for the initialization (T3). */
	cpus_offline(h, off, sizeof(off));
	if (off[0]) {
		f = find_id(d, "cpu_offline");
		if (!f && init) {
			f = add(d, TDX_DIAG_INFO, "cpu_offline",
				"CPU %s offline: harmless now (each did TDH.SYS.LP.INIT before), but TDX initialization needs every CPU online", off);
		} else if (!f) {
			f = add(d, TDX_DIAG_BLOCK, "cpu_offline",
				"CPU %s present but offline: TDX initialization needs every BIOS-enabled CPU online (TDH.SYS.CONFIG waits for each CPU's TDH.SYS.LP.INIT)", off);
			SET(f, fix, "bring them online (echo 1 > /sys/devices/system/cpu/cpuN/online), then retry");
		}
		evidence(f, "present %s, online %s", h->cpus_present, h->cpus_online);
	}
	/*
	 * maxcpus= leaves CPUs present but offline (above); nr_cpus= hides
	 * them altogether, so only the command line shows it.
	 */
	if (!init && cmdline_has(h, "nr_cpus")) {
		f = add(d, TDX_DIAG_BLOCK, "cpu_limit",
			"nr_cpus= on the command line: CPUs beyond it never come up, and TDX needs every BIOS-enabled CPU");
		evidence(f, "proc/cmdline: %s", h->cmdline);
		SET(f, fix, "boot without nr_cpus=");
	}

	/* The module's version, against what the kernel needs. */
	if (h->version[0] && sscanf(h->version, "%u.%u", &ma, &mi) == 2) {
		if (ma == 1 && mi == 0) {
			f = find_id(d, "module_too_old");
			if (!f) {
				f = add(d, TDX_DIAG_BLOCK, "module_too_old",
					"TDX module %s: the kernel needs a 1.5 or later module (1.0 lacks metadata it reads)",
					h->version);
				SET(f, fix, "update the TDX module to 1.5 or later");
			}
			evidence(f, "version %s from %s", h->version, h->version_from);
		} else {
			f = add(d, TDX_DIAG_INFO, "module_version", "TDX module %s", h->version);
			evidence(f, "from %s", h->version_from);
		}
	} else if (find_id(d, "seamcall") && strstr(find_id(d, "seamcall")->class_name, "SYS_NOT_READY") &&
		   (find_id(d, "seamcall")->fn & 0xffff) == 34) {
		f = add(d, TDX_DIAG_BLOCK, "module_too_old",
			"TDH.SYS.RD found the module not ready for a field the kernel reads: a 1.0 TDX module");
		evidence(f, "the SEAMCALL finding above");
		SET(f, fix, "update the TDX module to 1.5 or later");
	}
}

static void diagnose_outcome(struct tdx_diag *d)
{
	struct tdx_host_facts *h = &d->h;
	bool init = tdx_initialized(h);
	struct tdx_finding *f;
	double low, high;

	if (h->log_err == EPERM || h->log_err == EACCES) {
		f = add(d, TDX_DIAG_INFO, "log", "cannot read the kernel log (%s/dev/kmsg: %s): needs root",
			h->root, strerror(h->log_err));
		SET(f, fix, "run as root (the log holds most of the evidence)");
	} else if (h->log_err) {
		add(d, TDX_DIAG_INFO, "log", "cannot read the kernel log (%s/dev/kmsg: %s)", h->root,
		    strerror(h->log_err));
	} else if (!h->log_complete && !tdx_log_n) {
		f = add(d, TDX_DIAG_INFO, "log",
			"the kernel log no longer reaches back to boot (it starts at %s) and has no TDX lines: what TDX said at boot is lost",
			h->log_first);
		SET(f, fix, "read the boot's log from the journal (journalctl -k -b) or boot with a larger log_buf_len=");
	}

	if (init) {
		f = add(d, TDX_DIAG_OK, "initialized", "the TDX module is initialized");
		if (h->initialized)
			evidence(f, "\"module initialized\" in the log");
		if (h->kvm_tdx == TDX_KVM_Y)
			evidence(f, "kvm_intel tdx=Y");
		if (h->emulated && h->emu_state_read)
			evidence(f, "virtlife_tdx/state status=%s", h->emu_status);
		if (h->init_failed) {
			f = add(d, TDX_DIAG_WARN, "inconsistent",
				"TDX counts as initialized, but the log says \"%s\"", h->failed_line);
			SET(f, fix, "report it with the full log: the kernel initializes once per boot");
		}
		if (h->pamt_msgs && h->memtotal_kb > 0) {
			tdx_pamt_bounds(h->memtotal_kb, h->nodes, &low, &high);
			f = add(d, h->pamt_kb >= low && h->pamt_kb <= high ? TDX_DIAG_OK : TDX_DIAG_WARN, "pamt",
				"PAMT %lld KB = %.3f x MemTotal/256 (plausible %.0f-%.0f KB)", h->pamt_kb,
				h->pamt_kb / (h->memtotal_kb / 256.0), low, high);
			evidence(f, "\"%lld KB allocated for PAMT\"; MemTotal %lld kB, %d node(s)", h->pamt_kb,
				 h->memtotal_kb, h->nodes);
			if (f->level == TDX_DIAG_WARN)
				SET(f, fix, "the TDMRs do not cover what the memory map says: report it with the e820 map and the full log");
		} else if (!h->pamt_msgs && h->log_complete && !h->emulated) {
			f = add(d, TDX_DIAG_WARN, "pamt", "TDX is initialized but the log has no \"KB allocated for PAMT\" line");
			SET(f, fix, "report it with the full log");
		}
		if (h->kvm_tdx == TDX_KVM_Y && !h->emulated) {
			if (!h->misc_file) {
				add(d, TDX_DIAG_INFO, "misc_tdx", "no sys/fs/cgroup/misc.capacity (cgroup v2 with the misc controller)");
			} else if (h->misc_tdx > 0) {
				f = add(d, TDX_DIAG_OK, "misc_tdx", "the misc cgroup offers %lld TDX KeyIDs to TDs", h->misc_tdx);
				evidence(f, "misc.capacity: tdx %lld", h->misc_tdx);
			} else {
				f = add(d, TDX_DIAG_WARN, "misc_tdx",
					"kvm_intel tdx=Y but the misc cgroup offers no TDX KeyIDs (%s)",
					h->misc_tdx < 0 ? "no tdx line" : "tdx 0");
				SET(f, fix, "report it: KVM sets the capacity to the TD KeyIDs when TDX comes up");
			}
		}
		return;
	}

	if (count_level(d, TDX_DIAG_BLOCK)) {
		add(d, TDX_DIAG_INFO, "initialized", "the TDX module is not initialized: because of the findings above");
		return;
	}
	f = add(d, TDX_DIAG_BLOCK, "initialized", "the TDX module is not initialized");
	if (h->emulated) {
		evidence(f, "virtlife_tdx/state status=%s", h->emu_state_read ? h->emu_status : "unreadable");
		SET(f, fix, "nothing asked for TDX yet: load virtlife with tdx=1, or create a TD");
	} else if (h->kvm_tdx == TDX_KVM_NOT_LOADED) {
		evidence(f, "kvm_intel is not loaded");
		SET(f, fix, "modprobe kvm_intel tdx=1 (the kernel initializes TDX when KVM brings it up)");
	} else if (!h->log_complete) {
		evidence(f, "the log starts at %s, after boot", h->log_first);
		SET(f, fix, "read the boot's log from the journal (journalctl -k -b) for the reason");
	} else {
		SET(f, fix, "load kvm_intel with tdx=1");
	}
}

void tdx_diagnose(struct tdx_diag *d, const char *root)
{
	const struct tdx_finding *first = NULL;
	int i, blocks, warns;

	memset(d, 0, sizeof(*d));
	tdx_host_read(&d->h, root);
	for (i = 0; i < tdx_log_n; i++)
		diagnose_log_line(d, tdx_log[i]);
	diagnose_platform(d);
	diagnose_config(d);
	diagnose_outcome(d);

	blocks = count_level(d, TDX_DIAG_BLOCK);
	warns = count_level(d, TDX_DIAG_WARN);
	d->tdx_up = tdx_initialized(&d->h) && !blocks && !warns;
	/*
	 * The summary names the cause: a blocking finding about the host's
	 * setup before the failures it leads to (a SEAMCALL, the init, KVM
	 * giving up, no platform), which come first only when alone.
	 */
	for (i = 0; i < d->n && !first && blocks; i++) {
		char word[40];

		snprintf(word, sizeof(word), " %s ", d->f[i].id);
		if (d->f[i].level == TDX_DIAG_BLOCK &&
		    !strstr(" seamcall init_failed percpu_init initialized kvm_platform platform kvm_tdx ", word))
			first = &d->f[i];
	}
	for (i = 0; i < d->n && !first; i++)
		if (d->f[i].level == (blocks ? TDX_DIAG_BLOCK : TDX_DIAG_WARN))
			first = &d->f[i];
	if (d->tdx_up)
		snprintf(d->summary, sizeof(d->summary), "TDX is up: the module is initialized%s%s%s",
			 d->h.version[0] ? " (" : "", d->h.version, d->h.version[0] ? ")" : "");
	else if (blocks)
		snprintf(d->summary, sizeof(d->summary), "TDX is not working: %d finding%s block%s it; first: %s",
			 blocks, blocks == 1 ? "" : "s", blocks == 1 ? "s" : "", first->what);
	else
		snprintf(d->summary, sizeof(d->summary), "TDX is up but not consistent: %d warning%s; first: %s",
			 warns, warns == 1 ? "" : "s", first ? first->what : "?");
}

int tdx_diag_exit_code(const struct tdx_diag *d)
{
	return d->tdx_up ? 0 : 1;
}

void tdx_diag_print(const struct tdx_diag *d, FILE *out, const char *prefix)
{
	const struct tdx_finding *f;
	int i;

	fprintf(out, "%stdx-diagnose: %s\n", prefix, d->summary);
	for (i = 0; i < d->n; i++) {
		f = &d->f[i];
		fprintf(out, "%s%-5s %s: %s", prefix, tdx_level_names[f->level], f->id, f->what);
		if (f->evidence[0])
			fprintf(out, " | evidence: %s", f->evidence);
		if (f->fix[0])
			fprintf(out, " | fix: %s", f->fix);
		fputc('\n', out);
	}
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void tdx_diag_print_json(const struct tdx_diag *d, FILE *out)
{
	const struct tdx_finding *f;
	int i;

	fprintf(out, "{\"summary\": ");
	json_string(out, d->summary);
	fprintf(out, ", \"tdx_up\": %s, \"exit\": %d, \"root\": ", d->tdx_up ? "true" : "false",
		tdx_diag_exit_code(d));
	json_string(out, d->h.root[0] ? d->h.root : "/");
	fprintf(out, ", \"emulated\": %s, \"findings\": [", d->h.emulated ? "true" : "false");
	for (i = 0; i < d->n; i++) {
		f = &d->f[i];
		fprintf(out, "%s\n  {\"level\": \"%s\", \"id\": ", i ? "," : "", tdx_level_names[f->level]);
		json_string(out, f->id);
		fprintf(out, ", \"what\": ");
		json_string(out, f->what);
		fprintf(out, ", \"evidence\": ");
		json_string(out, f->evidence);
		fprintf(out, ", \"fix\": ");
		json_string(out, f->fix);
		if (f->seamcall) {
			fprintf(out, ", \"leaf\": ");
			json_string(out, f->leaf);
			if (f->fn)
				fprintf(out, ", \"leaf_number\": %llu", (unsigned long long)(f->fn & 0xffff));
			else
				fprintf(out, ", \"leaf_number\": null");
			fprintf(out, ", \"status\": \"0x%016llx\", \"class\": ",
				(unsigned long long)f->status);
			json_string(out, f->class_name);
		}
		fputc('}', out);
	}
	fprintf(out, "\n]}\n");
}
