// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_module - the emulated TDX module refuses what the real one refuses,
 * with the real module's status codes (spec/tdx-abi.md, from the module's
 * own source; docs/tdx-module-refusals.md).  A suite whose emulator is
 * kinder than the hardware passes drivers that real hardware fails.
 *
 * Each case starts from a cold boot of the platform with virtualization
 * on every CPU (enable_at_load=1) and no TDX request, issues SEAMCALLs by
 * hand (the emulator's tdx/seamcall) in an order the host core never
 * would, and checks the exact status, bit 63 included.  Invariants: the
 * module side of T2 (one SYS.INIT), T3 (LP.INIT between SYS.INIT and
 * CONFIG only, once per CPU; CONFIG needs every BIOS-enabled CPU), T5
 * (KEY.CONFIG after CONFIG, once per package; TDMR.INIT once ready),
 * T12 (SHUTDOWN once ready and then every leaf refused; UPDATE only after
 * the new module's SYS.INIT and LP.INITs, with a handoff).
 */
#include "tdx_test.h"

/* Status values of spec/tdx-abi.md (the emulator's tdx_abi.h has them too). */
#define SUCCESS				0x0000000000000000ULL
#define OPERAND_INVALID_RCX		0xC000010000000001ULL
#define OPERAND_INVALID_RDX		0xC000010000000002ULL
#define SYS_INIT_NOT_PENDING		0xC000050000000000ULL
#define SYS_LP_INIT_NOT_DONE		0xC000050200000000ULL
#define SYS_LP_INIT_DONE		0xC000050300000000ULL
#define SYS_NOT_READY			0xC000050500000000ULL
#define SYS_KEY_CONFIG_NOT_PENDING	0xC000050700000000ULL
#define SYS_LP_INIT_NOT_PENDING		0xC000050B00000000ULL
#define SYS_CONFIG_NOT_PENDING		0xC000050C00000000ULL
#define METADATA_FIELD_ID_INCORRECT	0xC0000C0000000000ULL
#define KEY_CONFIGURED			0x0000081500000000ULL
#define TDMR_ALREADY_INITIALIZED	0x00000A0300000000ULL
#define OPERAND_INVALID			0xC000010000000000ULL
#define SYS_SHUTDOWN			0xC000050600000000ULL
#define SYS_STATE_INCORRECT		0xC000050800000000ULL
#define SYS_INVALID_HANDOFF		0xC000050900000000ULL

#define MD_MAX_TDMRS			0x9100000100000008ULL

FIXTURE(tdx_module) {
	cpu_set_t online;
	int first, last;	/* lowest and highest online CPU */
};

FIXTURE_SETUP(tdx_module)
{
	int cpu;

	TDX_BOOT("", "enable_at_load=1");
	ASSERT_EQ(0, vl_online_cpus(&self->online));
	self->first = -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &self->online))
			continue;
		if (self->first < 0)
			self->first = cpu;
		self->last = cpu;
	}
	ASSERT_LT(self->first, self->last) TH_LOG("needs two online CPUs");
}

TDX_TEARDOWN(tdx_module)

/* One SEAMCALL by hand; the test fails unless the module answers @want. */
#define EXPECT_SEAMCALL(want, cpu, leaf, rcx, rdx, r8)				\
	do {									\
		uint64_t __st = ~0ULL;						\
		int __r = tdx_raw_seamcall(cpu, leaf, rcx, rdx, r8, &__st);	\
										\
		ASSERT_EQ(0, __r) TH_LOG("tdx/seamcall %s on cpu%d: %s",	\
					 leaf, cpu, strerror(-__r));		\
		EXPECT_EQ((uint64_t)(want), __st)				\
			TH_LOG("%s on cpu%d: status 0x%016llx, the real module returns %s (0x%016llx)", \
			       leaf, cpu, (unsigned long long)__st, #want,	\
			       (unsigned long long)(want));			\
	} while (0)

/* SYS.INIT on the first CPU and LP.INIT on every online CPU but @skip. */
static void init_lps_but(struct __test_metadata *_metadata,
			 FIXTURE_DATA(tdx_module) *self, int skip)
{
	int cpu;

	EXPECT_SEAMCALL(SUCCESS, self->first, "SYS.INIT", 0, 0, 0);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &self->online) && cpu != skip)
			EXPECT_SEAMCALL(SUCCESS, cpu, "SYS.LP.INIT", 0, 0, 0);
	}
}

TEST_F(tdx_module, lp_init_before_sys_init)
{
	EXPECT_SEAMCALL(SYS_LP_INIT_NOT_PENDING, self->first, "SYS.LP.INIT", 0, 0, 0);
	/* Refused calls change nothing: the right order still works. */
	init_lps_but(_metadata, self, -1);
}

TEST_F(tdx_module, sys_init_twice)
{
	EXPECT_SEAMCALL(SUCCESS, self->first, "SYS.INIT", 0, 0, 0);
	EXPECT_SEAMCALL(SYS_INIT_NOT_PENDING, self->last, "SYS.INIT", 0, 0, 0);
}

TEST_F(tdx_module, sys_init_reserved_attributes)
{
	EXPECT_SEAMCALL(OPERAND_INVALID_RCX, self->first, "SYS.INIT", 1, 0, 0);
	EXPECT_SEAMCALL(SUCCESS, self->first, "SYS.INIT", 0, 0, 0);
}

TEST_F(tdx_module, lp_init_twice_on_a_cpu)
{
	init_lps_but(_metadata, self, -1);
	EXPECT_SEAMCALL(SYS_LP_INIT_DONE, self->last, "SYS.LP.INIT", 0, 0, 0);
}

/* SYS.RD needs LP.INIT on the calling CPU (so also SYS.INIT first). */
TEST_F(tdx_module, sys_rd_without_lp_init)
{
	EXPECT_SEAMCALL(SYS_LP_INIT_NOT_DONE, self->first, "SYS.RD", 0, MD_MAX_TDMRS, 0);
	init_lps_but(_metadata, self, self->last);
	EXPECT_SEAMCALL(SYS_LP_INIT_NOT_DONE, self->last, "SYS.RD", 0, MD_MAX_TDMRS, 0);
	EXPECT_SEAMCALL(SUCCESS, self->first, "SYS.RD", 0, MD_MAX_TDMRS, 0);
	EXPECT_SEAMCALL(METADATA_FIELD_ID_INCORRECT, self->first, "SYS.RD", 0, 0x1234, 0);
}

TEST_F(tdx_module, config_before_sys_init)
{
	EXPECT_SEAMCALL(SYS_CONFIG_NOT_PENDING, self->first, "SYS.CONFIG", 0, 1, 32);
}

/*
 * The module counts the CPUs the BIOS enabled: one without LP.INIT makes
 * CONFIG fail with the wrong-state code; once it did LP.INIT, CONFIG gets
 * past that gate to its operands (here a TDMR_INFO array at a bad address).
 */
TEST_F(tdx_module, config_with_a_cpu_missing_lp_init_T3)
{
	init_lps_but(_metadata, self, self->last);
	EXPECT_SEAMCALL(SYS_CONFIG_NOT_PENDING, self->first, "SYS.CONFIG", 0x1, 1, 32);
	EXPECT_SEAMCALL(SUCCESS, self->last, "SYS.LP.INIT", 0, 0, 0);
	EXPECT_SEAMCALL(OPERAND_INVALID_RCX, self->first, "SYS.CONFIG", 0x1, 1, 32);
}

/* The same with the CPU offline: the OS's view does not change the count. */
TEST_F(tdx_module, config_with_a_cpu_offline_T3)
{
	int ret;

	if (!vl_cpu_hotpluggable(self->last))
		SKIP(return, "cpu%d cannot go offline", self->last);
	ret = vl_cpu_set_online(self->last, false);
	ASSERT_EQ(0, ret) TH_LOG("offline cpu%d: %s", self->last, strerror(-ret));
	init_lps_but(_metadata, self, self->last);
	EXPECT_SEAMCALL(SYS_CONFIG_NOT_PENDING, self->first, "SYS.CONFIG", 0x1, 1, 32);
}

TEST_F(tdx_module, key_config_before_config)
{
	EXPECT_SEAMCALL(SYS_KEY_CONFIG_NOT_PENDING, self->first, "SYS.KEY.CONFIG", 0, 0, 0);
	init_lps_but(_metadata, self, -1);
	EXPECT_SEAMCALL(SYS_KEY_CONFIG_NOT_PENDING, self->first, "SYS.KEY.CONFIG", 0, 0, 0);
}

TEST_F(tdx_module, tdmr_init_before_ready)
{
	EXPECT_SEAMCALL(SYS_NOT_READY, self->first, "SYS.TDMR.INIT", 0, 0, 0);
	init_lps_but(_metadata, self, -1);
	EXPECT_SEAMCALL(SYS_NOT_READY, self->first, "SYS.TDMR.INIT", 0, 0, 0);
}

/* After the host core's initialization every init leaf is refused. */
TEST_F(tdx_module, after_initialization)
{
	struct tdx_tdmr t[4];
	int n;

	ASSERT_ERRNO(0, tdx_enable());
	n = tdx_emu_tdmrs(t, 4);
	ASSERT_LT(0, n);
	EXPECT_SEAMCALL(SYS_INIT_NOT_PENDING, self->first, "SYS.INIT", 0, 0, 0);
	/* The state is tested before the CPU's own flag. */
	EXPECT_SEAMCALL(SYS_LP_INIT_NOT_PENDING, self->last, "SYS.LP.INIT", 0, 0, 0);
	EXPECT_SEAMCALL(SYS_CONFIG_NOT_PENDING, self->first, "SYS.CONFIG", 0x1, 1, 32);
	EXPECT_SEAMCALL(SYS_KEY_CONFIG_NOT_PENDING, self->first, "SYS.KEY.CONFIG", 0, 0, 0);
	/* Not an error (bit 63 clear), and still a refusal. */
	EXPECT_SEAMCALL(TDMR_ALREADY_INITIALIZED, self->first, "SYS.TDMR.INIT", t[0].base, 0, 0);
	EXPECT_SEAMCALL(OPERAND_INVALID_RCX, self->first, "SYS.TDMR.INIT", t[0].base + 0x1000, 0, 0);
	EXPECT_SEAMCALL(SUCCESS, self->last, "SYS.RD", 0, MD_MAX_TDMRS, 0);
	EXPECT_TDX_STATE("initialized", 0);
}

/*
 * KEY.CONFIG a second time on a package: bit 63 clear. Reached with the
 * second package's KEY.CONFIG failing in the host core's initialization
 * (the first package then has its key, the module is not ready yet).
 */
TEST_F(tdx_module, key_config_twice_on_a_package)
{
	if (tdx_nr_packages() < 2)
		SKIP(return, "needs two packages");
	ASSERT_EQ(0, vl_write(TDX_EMU_DEBUGFS "/fail_leaf",
			      "SYS.KEY.CONFIG C000010000000000 2"));
	EXPECT_ERRNO(-EIO, tdx_enable());
	EXPECT_SEAMCALL(KEY_CONFIGURED, self->first, "SYS.KEY.CONFIG", 0, 0, 0);
}

TEST_F(tdx_module, shutdown_before_ready_T12)
{
	EXPECT_SEAMCALL(SYS_NOT_READY, self->first, "SYS.SHUTDOWN", 0, 0, 0);
	init_lps_but(_metadata, self, -1);
	EXPECT_SEAMCALL(SYS_NOT_READY, self->first, "SYS.SHUTDOWN", 0, 0, 0);
}

/* UPDATE: the new module's state first, then a handoff to take. */
TEST_F(tdx_module, update_without_handoff_T12)
{
	EXPECT_SEAMCALL(SYS_STATE_INCORRECT, self->first, "SYS.UPDATE", 0, 0, 0);
	init_lps_but(_metadata, self, self->last);
	EXPECT_SEAMCALL(SYS_STATE_INCORRECT, self->first, "SYS.UPDATE", 0, 0, 0);
	EXPECT_SEAMCALL(SUCCESS, self->last, "SYS.LP.INIT", 0, 0, 0);
	EXPECT_SEAMCALL(SYS_INVALID_HANDOFF, self->first, "SYS.UPDATE", 0, 0, 0);
}

/*
 * After SHUTDOWN the module answers every leaf with TDX_SYS_SHUTDOWN; the
 * loader's INSTALL still runs (refused here: no image is staged, and the
 * emulator's stand-in for the loader's codes is TDX_OPERAND_INVALID).
 */
TEST_F(tdx_module, after_shutdown_T12)
{
	ASSERT_ERRNO(0, tdx_enable());
	EXPECT_SEAMCALL(SUCCESS, self->first, "SYS.SHUTDOWN", 0, 0, 0);
	EXPECT_SEAMCALL(SYS_SHUTDOWN, self->last, "SYS.RD", 0, MD_MAX_TDMRS, 0);
	EXPECT_SEAMCALL(SYS_SHUTDOWN, self->first, "SYS.INIT", 0, 0, 0);
	EXPECT_SEAMCALL(SYS_SHUTDOWN, self->first, "SYS.SHUTDOWN", 0, 0, 0);
	EXPECT_SEAMCALL(SYS_SHUTDOWN, self->first, "SYS.UPDATE", 0, 0, 0);
	EXPECT_SEAMCALL(OPERAND_INVALID, self->first, "SEAMLDR.INSTALL", 0, 0, 0);
}

/*
 * SYS.DISABLE (before kexec): the module gives everything back and starts
 * again from SYS.INIT, as the next kernel will; until then the leaves
 * answer as at boot.
 */
TEST_F(tdx_module, disable_then_init_from_scratch_T11)
{
	ASSERT_ERRNO(0, tdx_enable());
	EXPECT_SEAMCALL(SUCCESS, self->first, "SYS.DISABLE", 0, 0, 0);
	EXPECT_SEAMCALL(SYS_LP_INIT_NOT_PENDING, self->last, "SYS.LP.INIT", 0, 0, 0);
	EXPECT_SEAMCALL(SYS_CONFIG_NOT_PENDING, self->first, "SYS.CONFIG", 0, 1, 32);
	EXPECT_SEAMCALL(SUCCESS, self->first, "SYS.DISABLE", 0, 0, 0);
	init_lps_but(_metadata, self, -1);
	EXPECT_SEAMCALL(SYS_INIT_NOT_PENDING, self->first, "SYS.INIT", 0, 0, 0);
}

TEST_F(tdx_module, bad_requests_refused)
{
	static const char *const bad[] = {
		"", "0", "0 SYS.INIT 0 0", "0 SYS.INIT 0 0 0 0", "0 NOPE 0 0 0",
		"x SYS.INIT 0 0 0", "0 SYS.INIT zz 0 0", "99999 SYS.INIT 0 0 0",
		"0  SYS.INIT 0 0 0",
	};
	struct tdx_leaves before, after;
	unsigned int i;

	ASSERT_EQ(0, tdx_leaves(&before));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = vl_write(TDX_EMU_DEBUGFS "/seamcall", bad[i]);

		EXPECT_EQ(-EINVAL, ret) TH_LOG("bad request %u: %s", i, strerror(-ret));
	}
	ASSERT_EQ(0, tdx_leaves(&after));
	EXPECT_EQ(tdx_leaves_total(&before), tdx_leaves_total(&after));
}

TDX_HARNESS_MAIN(VL_BASE_NEEDS)
