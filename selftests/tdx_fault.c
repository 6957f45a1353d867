// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_fault - a failure at every step of the TDX module's initialization:
 * each SEAMCALL leaf (the emulator's fail_leaf), each non-SEAMCALL step
 * (the host core's fail_step), the module's own limits (emulator
 * parameters), and transient entropy exhaustion.
 *
 * Invariants: T7 (the errno: VMFAILINVALID -> -ENODEV and TDX off, #GP ->
 * -EOPNOTSUPP, #UD -> -EACCES, other statuses -> -EIO, too many TDMRs or
 * reserved areas -> -ENOSPC, missing features -> -EINVAL; no entropy is
 * retried, up to a bound), T6 (everything released: no PAMT in the
 * core's TDMRs nor allocated from the page allocator on any node, and no
 * node's free memory below its baseline), T1 (ERROR is final: the next
 * request fails with -EINVAL and issues no SEAMCALL).
 * Each scenario is one boot of the simulated platform.
 */
#include "tdx_test.h"
#include "tdx_mem.h"

FIXTURE(tdx_fault) {
	struct tdx_mem base;	/* per-node free memory before the request */
};

FIXTURE_VARIANT(tdx_fault) {
	const char *simhw;	/* emulator parameters of the boot */
	const char *leaf;	/* fail_leaf: LEAF STATUS NTH */
	unsigned int leaf_nr;
	uint64_t status;
	const char *status_class;	/* its name: what tdx-diagnose must say */
	int nth;
	const char *step;	/* fail_step */
	const char *entropy;	/* no_entropy */
	int err;		/* what the request returns */
	int min_nodes;		/* the fault needs this many NUMA nodes */
};

/*
 * _nr: the leaf's number (spec/tdx-abi.md), as the kernel's failure
 * message prints it; 0 where the SEAMCALL instruction itself failed and
 * the kernel prints no SEAMCALL line.
 */
#define LEAF(_name, _leaf, _nr, _status, _nth, _err)			\
	FIXTURE_VARIANT_ADD(tdx_fault, _name) {				\
		.simhw = "", .leaf = _leaf, .leaf_nr = _nr,		\
		.status = _status, .status_class = #_status,		\
		.nth = _nth, .err = _err,				\
	}

/* Each leaf failing with an ordinary error status: -EIO (T7). */
LEAF(sys_init, "SYS.INIT", 33, TDX_OPERAND_INVALID, 1, -EIO);
LEAF(lp_init, "SYS.LP.INIT", 35, TDX_OPERAND_INVALID, 2, -EIO);
LEAF(sys_rd, "SYS.RD", 34, TDX_OPERAND_INVALID, 2, -EIO);
LEAF(sys_config, "SYS.CONFIG", 45, TDX_OPERAND_INVALID, 1, -EIO);
LEAF(key_config, "SYS.KEY.CONFIG", 31, TDX_OPERAND_INVALID, 2, -EIO);
LEAF(tdmr_init, "SYS.TDMR.INIT", 36, TDX_OPERAND_INVALID, 2, -EIO);
/* What the SEAMCALL instruction itself reports (T7). */
LEAF(vmfailinvalid, "SYS.INIT", 0, TDX_SEAMCALL_VMFAILINVALID, 1, -ENODEV);
LEAF(seamcall_gp, "SYS.INIT", 0, TDX_SEAMCALL_GP, 1, -EOPNOTSUPP);
LEAF(seamcall_ud, "SYS.INIT", 0, TDX_SEAMCALL_UD, 1, -EACCES);

#define STEP(_name, _step, _err)					\
	FIXTURE_VARIANT_ADD(tdx_fault, _name) {				\
		.simhw = "", .step = _step, .err = _err,		\
	}

/* The host core's own steps (T5 order, T6 unwind). */
STEP(step_memlist, "memlist", -ENOMEM);
STEP(step_tdmrs, "tdmrs -28", -ENOSPC);
STEP(step_pamt, "pamt", -ENOMEM);
STEP(step_reserved, "reserved -28", -ENOSPC);
STEP(step_flush, "flush -5", -EIO);

/* The module's limits and features, read with SYS.RD (T5, T7). */
FIXTURE_VARIANT_ADD(tdx_fault, max_tdmrs_1) {
	.simhw = "tdx_max_tdmrs=1", .err = -ENOSPC, .min_nodes = 2,
};

FIXTURE_VARIANT_ADD(tdx_fault, max_reserved_1) {
	.simhw = "tdx_max_reserved=1", .err = -ENOSPC,
};

FIXTURE_VARIANT_ADD(tdx_fault, no_rbp_mod_feature) {
	.simhw = "tdx_features0=0", .err = -EINVAL,
};

/* Entropy: retried up to 10 times in all (T7). */
FIXTURE_VARIANT_ADD(tdx_fault, no_entropy_3) {
	.simhw = "", .entropy = "3", .err = 0,
};

/* At the bound: the 10th call may succeed, and is the last (sc_retry()). */
FIXTURE_VARIANT_ADD(tdx_fault, no_entropy_9_config) {
	.simhw = "", .entropy = "9 SYS.CONFIG", .err = 0,
};

FIXTURE_VARIANT_ADD(tdx_fault, no_entropy_10_config) {
	.simhw = "", .entropy = "10 SYS.CONFIG", .err = -EIO,
};

FIXTURE_VARIANT_ADD(tdx_fault, no_entropy_11_config) {
	.simhw = "", .entropy = "11 SYS.CONFIG", .err = -EIO,
};

FIXTURE_SETUP(tdx_fault)
{
	TDX_BOOT(variant->simhw, "");
}

TDX_TEARDOWN(tdx_fault)

/*
 * T6: no PAMT held, by the core's own accounting of its page allocations
 * (exact), then each node's free memory not below its baseline (the
 * second line: see tdx_mem.h).
 */
static bool all_released(const struct tdx_mem *base, char *why, size_t len)
{
	return tdx_no_pamt_held(why, len) &&
	       tdx_mem_dropped_by(base, NULL, why, len);
}

/*
 * T6, T7, T1: the request returns the errno of the fault; TDX is in
 * ERROR (off for -ENODEV) with that errno; nothing is left allocated; the
 * next requests fail at once without a SEAMCALL.
 */
TEST_F(tdx_fault, fails_cleanly_T1_T6_T7)
{
	bool off = variant->err == -ENODEV;
	int again = off ? -ENODEV : -EINVAL;
	struct tdx_core_state st;
	struct tdx_leaves failed, now;
	char a[256], b[256];
	const char *skip = tdx_mem_unavailable();

	if (skip)
		SKIP(return, "%s", skip);
	if (variant->min_nodes && tdx_nr_memory_nodes() < variant->min_nodes)
		SKIP(return, "needs %d NUMA nodes with memory", variant->min_nodes);
	ASSERT_EQ(0, tdx_mem_sample(&self->base));
	if (variant->leaf)
		ASSERT_EQ(0, tdx_fail_leaf(variant->leaf, variant->status, variant->nth));
	if (variant->step)
		ASSERT_EQ(0, tdx_fail_step(variant->step));
	if (variant->entropy)
		ASSERT_EQ(0, tdx_no_entropy(variant->entropy));

	ASSERT_ERRNO(variant->err, tdx_enable());
	/*
	 * The diagnosis of the platform names what failed, the injected leaf
	 * and status class, and says TDX is not working (or is, after a
	 * transient failure).
	 */
	EXPECT_CHECK(tdx_diagnosis_names(variant->leaf, variant->leaf_nr,
					 variant->status_class,
					 variant->err ? 1 : 0, WHY));
	if (!variant->err) {
		/* A transient failure only: initialized. */
		uint64_t ready = 0;

		EXPECT_TDX_STATE("initialized", 0);
		ASSERT_EQ(0, tdx_core_state(&st));
		EXPECT_STREQ("initialized", st.status);
		EXPECT_EQ(0, tdx_emu_state_u64("ready", &ready));
		EXPECT_EQ(1, ready);
		return;
	}
	EXPECT_TDX_STATE(off ? "off" : "error", variant->err);
	ASSERT_EQ(0, tdx_core_state(&st));
	EXPECT_STRNE("initialized", st.status);
	EXPECT_CHECK(all_released(&self->base, WHY));

	ASSERT_EQ(0, tdx_leaves(&failed));
	EXPECT_ERRNO(again, tdx_enable());
	EXPECT_ERRNO(again, tdx_td_create());
	EXPECT_TDX_STATE(off ? "off" : "error", variant->err);
	ASSERT_EQ(0, tdx_leaves(&now));
	tdx_leaves_format(&failed, a, sizeof(a));
	tdx_leaves_format(&now, b, sizeof(b));
	EXPECT_EQ(tdx_leaves_total(&failed), tdx_leaves_total(&now))
		TH_LOG("requests after the failure issued SEAMCALLs (T1): %s -> %s", a, b);
	EXPECT_CHECK(all_released(&self->base, WHY));
}

TDX_HARNESS_MAIN(VL_BASE_NEEDS)
