/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtlife: the kernel-API compatibility layer.
 *
 * The driver is written against the newest API of each kernel interface
 * it uses, so that it reads like the kernel's own code; on a kernel from
 * before a change, this header provides the new name on top of the old
 * one.  Which side of each change the kernel is on is decided by
 * compat-probe, which reads the declarations in $(KDIR)'s headers at
 * build time and writes the build's generated/compat_config.h; never by
 * LINUX_VERSION_CODE, since distributions backport (Debian's 6.12 has
 * 6.19's syscore API).  docs/compat.md has the table of shims.
 *
 * Include it after the kernel headers; it includes those it shims.
 *
 * No shim is needed for no_llseek, removed in 6.12 (cb787f4ac0c2
 * "[tree-wide] finally take no_llseek out"): it has been NULL since 6.0
 * (868941b14441 "fs: remove no_llseek"), so the driver leaves .llseek
 * unset, as that commit did everywhere.
 */
#ifndef _VIRTLIFE_COMPAT_H
#define _VIRTLIFE_COMPAT_H

#include <linux/kmsg_dump.h>
#include <linux/log2.h>
#include <linux/mmzone.h>
#include <linux/syscore_ops.h>
#include <linux/types.h>

#include <asm/msr-index.h>
#include <asm/vmx.h>

#include "generated/compat_config.h"

#if !VL_COMPAT_PROBED
#error "generated/compat_config.h is not compat-probe's output"
#endif

/*
 * MAX_PAGE_ORDER, the largest order the page allocator hands out: 6.8's
 * name (5e0a760b4441 "mm, treewide: rename MAX_ORDER to MAX_PAGE_ORDER")
 * for what MAX_ORDER meant from 6.4 (23baf831a32c "mm, treewide: redefine
 * MAX_ORDER sanely"); before 6.4, MAX_ORDER was one more than that.
 * MAX_ORDER_NR_PAGES, the pages of the largest block, is right on both
 * sides of 6.4 (6.4 to 6.7: not built here).
 */
#if !VL_HAVE_MAX_PAGE_ORDER
#define MAX_PAGE_ORDER	ilog2(MAX_ORDER_NR_PAGES)
#endif

/*
 * IA32_VMX_BASIC, as asm/vmx.h has it since 6.12 (the series of
 * d7bfc9ffd580 "KVM: VMX: Move MSR_IA32_VMX_BASIC bit defines to
 * asm/vmx.h"): the field helpers (vmx_basic_vmcs_revision_id() and
 * vmx_basic_vmcs_size() are older, in every kernel built here), the
 * 32-bit-addresses flag under its new name, and the architectural memory
 * type.  Before, asm/msr-index.h had masks and shifts instead.
 */

/* 9df398ff7d2a "KVM: VMX: Track CPU's MSR_IA32_VMX_BASIC as a single 64-bit value" */
#if !VL_HAVE_VMX_BASIC_VMCS_MEM_TYPE
static inline u32 vmx_basic_vmcs_mem_type(u64 vmx_basic)
{
	return (vmx_basic & VMX_BASIC_MEM_TYPE_MASK) >> VMX_BASIC_MEM_TYPE_SHIFT;
}
#endif

/* d7bfc9ffd580 "KVM: VMX: Move MSR_IA32_VMX_BASIC bit defines to asm/vmx.h" */
#if !VL_HAVE_VMX_BASIC_32BIT_PHYS_ADDR_ONLY
#define VMX_BASIC_32BIT_PHYS_ADDR_ONLY	VMX_BASIC_64
#endif

/*
 * e7e80b66fb24 "x86/cpu: KVM: Add common defines for architectural memory
 * types (PAT, MTRRs, etc.)"
 */
#if !VL_HAVE_X86_MEMTYPE_WB
#define X86_MEMTYPE_WB	VMX_BASIC_MEM_TYPE_WB
#endif

/*
 * The kmsg dumper's callback: since 6.12 (e1a261ba599e "printk: Add a
 * short description string to kmsg_dump()") it takes a struct
 * kmsg_dump_detail, before only the reason.  VL_DEFINE_KMSG_DUMPER()
 * defines the dumper @name that calls @dump, written for the new
 * callback, on every kernel: before 6.12 through a small function that
 * passes the reason in a struct kmsg_dump_detail without a description.
 */
#if VL_HAVE_KMSG_DUMP_DETAIL
#define VL_DEFINE_KMSG_DUMPER(name, dump_fn, max)			\
	static struct kmsg_dumper name = {				\
		.dump = dump_fn,					\
		.max_reason = max,					\
	}
#else
struct kmsg_dump_detail {
	enum kmsg_dump_reason reason;
	const char *description;
};

#define VL_DEFINE_KMSG_DUMPER(name, dump_fn, max)			\
	static void name##_reason(struct kmsg_dumper *dumper,		\
				  enum kmsg_dump_reason reason)		\
	{								\
		struct kmsg_dump_detail detail = { .reason = reason };	\
									\
		dump_fn(dumper, &detail);				\
	}								\
	static struct kmsg_dumper name = {				\
		.dump = name##_reason,					\
		.max_reason = max,					\
	}
#endif

/*
 * Syscore ops: since 6.19 (a97fbc3ee3e2 "syscore: Pass context data to
 * callbacks"; Debian backported it to its 6.12) the callbacks take the
 * registration's data, and what is registered is a struct syscore that
 * points at const ops, with register_syscore().  Before, the struct
 * syscore_ops itself was registered, with register_syscore_ops(), and its
 * callbacks took no argument.
 *
 * On the older kernels, the new API over the old one: the kernel's struct
 * syscore_ops is embedded in struct syscore (declared before the rename
 * below), and from here on the name syscore_ops means the new layout.
 * register_syscore() (compat.c) fills the kernel's ops with callbacks
 * that find the struct syscore again and registers them.  The old
 * callbacks get no argument to find it by, so compat.c keeps the one
 * registration a module makes; virtlife.ko makes one.
 */
#if !VL_HAVE_REGISTER_SYSCORE
struct vl_syscore_ops;

struct syscore {
	const struct vl_syscore_ops *ops;
	void *data;
	struct syscore_ops kernel_ops;	/* the kernel's, registered */
};

#define syscore_ops vl_syscore_ops

struct syscore_ops {
	int (*suspend)(void *data);
	void (*resume)(void *data);
	void (*shutdown)(void *data);
};

#define register_syscore vl_register_syscore
#define unregister_syscore vl_unregister_syscore

void register_syscore(struct syscore *syscore);
void unregister_syscore(struct syscore *syscore);
#endif

#endif /* _VIRTLIFE_COMPAT_H */
