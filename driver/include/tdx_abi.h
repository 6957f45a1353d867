/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TDX module's host initialization ABI, as far as virtlife uses it:
 * the contract between the emulated TDX module (virtlife_simhw.ko, the
 * "firmware") and the TDX host core (virtlife_tdx.ko).  Leaf numbers,
 * status codes, metadata field IDs and the TDMR_INFO layout are the
 * architectural ones the kernel's TDX headers use (spec/tdx-abi.md).
 * Codes the kernel does not name are defined here, marked "virtlife:",
 * with bit 63 (error) set.
 */
#ifndef VIRTLIFE_TDX_ABI_H
#define VIRTLIFE_TDX_ABI_H

#include <linux/bits.h>
#include <linux/types.h>

/* ---- leaves (RAX) ------------------------------------------------------ */

#define TDH_SYS_KEY_CONFIG	31
#define TDH_SYS_INIT		33
#define TDH_SYS_RD		34
#define TDH_SYS_LP_INIT		35
#define TDH_SYS_TDMR_INIT	36
#define TDH_SYS_CONFIG		45
#define TDH_SYS_SHUTDOWN	52	/* runtime update: hand off, stop */
#define TDH_SYS_UPDATE		53	/* runtime update: take the handoff */
#define TDH_SYS_DISABLE		69	/* before kexec: stop the module, reclaim its memory */

/* Bits 23:16 of RAX carry the leaf version; the number is bits 15:0. */
#define TDX_LEAF_NR(leaf)	((leaf) & 0xffff)

/* SEAMCALLs to the P-SEAMLDR (the module loader) have bit 63 set. */
#define P_SEAMLDR_SEAMCALL_BASE		BIT_ULL(63)
#define P_SEAMCALL_SEAMLDR_INSTALL	(P_SEAMLDR_SEAMCALL_BASE | 1)

/* ---- status codes (bit 63 = error) ------------------------------------- */

#define TDX_SUCCESS			0ULL
#define TDX_ERROR			BIT_ULL(63)
#define TDX_NON_RECOVERABLE		BIT_ULL(62)
#define TDX_INTERRUPTED_RESUMABLE	0x8000000300000000ULL
#define TDX_OPERAND_INVALID		0xC000010000000000ULL
#define TDX_OPERAND_BUSY		0x8000020000000000ULL
#define TDX_SYS_BUSY			0x8000020200000000ULL
#define TDX_RND_NO_ENTROPY		0x8000020300000000ULL
#define TDX_METADATA_FIELD_NOT_READABLE	0xC0000C0200000000ULL
#define TDX_METADATA_FIELD_ID_INCORRECT	0xC0000C0000000000ULL
/* Not an error bit: KEY.CONFIG on a package whose key is already set. */
#define TDX_KEY_CONFIGURED		0x0000081500000000ULL

/*
 * Out-of-order and repeated calls: the codes the TDX module's own source
 * returns (tdx_error_codes_defs.h, api_calls/tdh_sys_*.c; spec/tdx-abi.md).
 * Two failures have bit 63 clear (TDX_KEY_CONFIGURED above and
 * TDX_TDMR_ALREADY_INITIALIZED); the low 32 bits carry detail such as the
 * operand id, so compare classes with TDX_STATUS_CLASS().
 */
#define TDX_SYS_INIT_NOT_PENDING	0xC000050000000000ULL /* 2nd SYS.INIT */
#define TDX_SYS_LP_INIT_DONE		0xC000050300000000ULL /* 2nd LP.INIT */
#define TDX_SYS_KEY_CONFIG_NOT_PENDING	0xC000050700000000ULL /* before CONFIG */
#define TDX_SYS_LP_INIT_NOT_PENDING	0xC000050B00000000ULL /* before SYS.INIT, after CONFIG */
#define TDX_SYS_CONFIG_NOT_PENDING	0xC000050C00000000ULL /* 2nd CONFIG, LPs missing */
#define TDX_SYS_LP_INIT_NOT_DONE	0xC000050200000000ULL /* RD, TDMR.INIT: no LP.INIT */
#define TDX_SYS_NOT_READY		0xC000050500000000ULL /* TDMR.INIT before the keys */
#define TDX_SYS_SHUTDOWN		0xC000050600000000ULL /* any leaf after SHUTDOWN */
#define TDX_SYS_STATE_INCORRECT		0xC000050800000000ULL /* UPDATE before LP.INITs */
#define TDX_SYS_INVALID_HANDOFF		0xC000050900000000ULL /* UPDATE without handoff */
#define TDX_INVALID_TDMR		0xC0000A0000000000ULL /* a bad TDMR list entry */
#define TDX_TDMR_ALREADY_INITIALIZED	0x00000A0300000000ULL
/* Operand ids in the low bits of TDX_OPERAND_INVALID/BUSY. */
#define TDX_OPERAND_ID_RCX		1ULL
#define TDX_OPERAND_ID_RDX		2ULL
#define TDX_OPERAND_ID_R8		8ULL

/* Software-defined: what the SEAMCALL instruction itself reports. */
#define TDX_SW_ERROR			(TDX_ERROR | GENMASK_ULL(47, 40))
#define TDX_SEAMCALL_VMFAILINVALID	(TDX_SW_ERROR | 0xFFFF0000ULL)
#define TDX_SEAMCALL_GP			(TDX_SW_ERROR | 13)	/* #GP */
#define TDX_SEAMCALL_UD			(TDX_SW_ERROR | 6)	/* #UD */

/* The status class: the upper 32 bits, without the operand details. */
#define TDX_STATUS_CLASS(s)		((s) & 0xFFFFFFFF00000000ULL)

/* ---- metadata field IDs (TDH.SYS.RD, RDX in, R8 out) ------------------- */

#define MD_FIELD_ID_MAX_TDMRS			0x9100000100000008ULL
#define MD_FIELD_ID_MAX_RESERVED_PER_TDMR	0x9100000100000009ULL
#define MD_FIELD_ID_PAMT_4K_ENTRY_SIZE		0x9100000100000010ULL
#define MD_FIELD_ID_PAMT_2M_ENTRY_SIZE		0x9100000100000011ULL
#define MD_FIELD_ID_PAMT_1G_ENTRY_SIZE		0x9100000100000012ULL
#define MD_FIELD_ID_TDX_FEATURES0		0x0A00000300000008ULL
#define MD_FIELD_ID_MINOR_VERSION		0x0800000100000003ULL
#define MD_FIELD_ID_MAJOR_VERSION		0x0800000100000004ULL
#define MD_FIELD_ID_UPDATE_VERSION		0x0800000100000005ULL

/* TDX_FEATURES0 bit 18: the module no longer clobbers RBP (required). */
#define TDX_FEATURES0_NO_RBP_MOD		BIT_ULL(18)

/* ---- TDMR_INFO (TDH.SYS.CONFIG) ---------------------------------------- */

#define TDMR_ALIGNMENT			BIT_ULL(30)	/* 1 GiB */
#define TDMR_INFO_ALIGNMENT		512
#define TDMR_INFO_PA_ARRAY_ALIGNMENT	512
#define TDX_PAMT_ALIGNMENT		4096

/* PAMT levels, and the page shift each level covers. */
enum tdx_pamt_level { TDX_PS_4K, TDX_PS_2M, TDX_PS_1G, TDX_PS_NR };
#define TDX_PS_SHIFT(level)	(12 + 9 * (level))

/* Offset is relative to the TDMR base; an entry of size 0 ends the list. */
struct tdmr_reserved_area {
	u64 offset;
	u64 size;
} __packed;

struct tdmr_info {
	u64 base;
	u64 size;
	u64 pamt_1g_base;
	u64 pamt_1g_size;
	u64 pamt_2m_base;
	u64 pamt_2m_size;
	u64 pamt_4k_base;
	u64 pamt_4k_size;
	struct tdmr_reserved_area reserved_areas[];
} __packed __aligned(TDMR_INFO_ALIGNMENT);

/* Size of one TDMR_INFO entry for a module with @max_reserved areas. */
static inline size_t tdmr_info_size(u16 max_reserved)
{
	size_t sz = sizeof(struct tdmr_info) +
		    max_reserved * sizeof(struct tdmr_reserved_area);

	return (sz + TDMR_INFO_ALIGNMENT - 1) & ~(size_t)(TDMR_INFO_ALIGNMENT - 1);
}

/* PAMT bytes one level needs for a TDMR: ALIGN(pages * entry, 4 KiB). */
static inline u64 tdx_pamt_level_size(u64 tdmr_size, enum tdx_pamt_level lvl,
				      u16 entry_size)
{
	u64 sz = (tdmr_size >> TDX_PS_SHIFT(lvl)) * entry_size;

	return (sz + TDX_PAMT_ALIGNMENT - 1) & ~(u64)(TDX_PAMT_ALIGNMENT - 1);
}

#endif /* VIRTLIFE_TDX_ABI_H */
