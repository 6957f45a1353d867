// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_update - a runtime update of the TDX module (T12, the kernel's 7.2
 * P-SEAMLDR flow): with every CPU stopped, TDH.SYS.SHUTDOWN, SEAMLDR
 * INSTALL on every CPU, SYS.INIT and LP.INIT of the new module on every
 * CPU, TDH.SYS.UPDATE.  The host core's software state (SYS.INIT done, the
 * per-CPU LP flags) is reset with it; TDs and their KeyIDs survive; a
 * failure at any step leaves TDX in ERROR with the step named.
 *
 * The emulated platform holds the new image (virtlife_simhw/tdx/
 * update_image); /sys/kernel/virtlife/tdx/update asks for the update.
 */
#include "tdx_test.h"
#include "hwvirt.h"

FIXTURE(tdx_update) {
	struct hv_kmsg log;
};

FIXTURE_SETUP(tdx_update)
{
	TDX_BOOT("tdx_version=1.5.6", "enable_at_load=0");
	ASSERT_EQ(0, hv_kmsg_open(&self->log));
}

VL_TEARDOWN_CHECKED(tdx_update, hv_kmsg_close(&self->log), tdx_teardown)

/* The update: the new version, LP.INIT again everywhere, the TD lives on. */
TEST_F(tdx_update, to_a_new_version_T12)
{
	struct tdx_core_state st;
	struct tdx_leaves l;
	char ver[32];
	int td, td2;

	td = tdx_td_create();
	ASSERT_LE(0, td) TH_LOG("TD: %s", tdx_errno_name(td));
	ASSERT_EQ(0, tdx_stage_image("1.5.7"));
	ASSERT_ERRNO(0, tdx_update());

	ASSERT_EQ(0, tdx_core_state(&st));
	EXPECT_STREQ("initialized", st.status);
	EXPECT_STREQ("1.5.7", st.version) TH_LOG("the core re-reads the version");
	EXPECT_EQ(1, st.updates);
	ASSERT_EQ(0, tdx_emu_state("version", ver, sizeof(ver)));
	EXPECT_STREQ("1.5.7", ver);
	EXPECT_TRUE(hv_kmsg_has(&self->log, "virtlife_tdx: module updated to 1.5.7"));

	ASSERT_EQ(0, tdx_leaves(&l));
	EXPECT_EQ(1, l.calls[TDX_SYS_SHUTDOWN]);
	EXPECT_EQ(1, l.calls[TDX_SYS_UPDATE]);
	EXPECT_EQ(tdx_nr_online_cpus(), l.calls[TDX_SEAMLDR_INSTALL]);
	EXPECT_EQ(2, l.calls[TDX_SYS_INIT]) TH_LOG("the new module's SYS.INIT");
	EXPECT_EQ(0, l.failures[TDX_SYS_INIT] + l.failures[TDX_LP_INIT] +
		     l.failures[TDX_SYS_UPDATE] + l.failures[TDX_SEAMLDR_INSTALL]);
	EXPECT_CHECK(tdx_lp_init_calls_are(2, WHY));

	/* The TD and its KeyID survived; the module serves new TDs. */
	td2 = tdx_td_create();
	EXPECT_LE(0, td2) TH_LOG("TD after the update: %s", tdx_errno_name(td2));
	EXPECT_EQ(0, vl_vm_close(td));
	if (td2 >= 0)
		EXPECT_EQ(0, vl_vm_close(td2));
	EXPECT_TDX_STATE("initialized", 0);
	ASSERT_STATE(vl_state_consistent);
}

/* Not initialized: refused without a SEAMCALL, nothing changes. */
TEST_F(tdx_update, refused_before_initialization_T12)
{
	struct tdx_leaves l;

	ASSERT_EQ(0, tdx_stage_image("1.5.7"));
	EXPECT_ERRNO(-EINVAL, tdx_update());
	ASSERT_EQ(0, tdx_leaves(&l));
	EXPECT_EQ(0, tdx_leaves_total(&l));
	EXPECT_TDX_STATE("uninitialized", 0);
}

/* With a present CPU offline the new module could not LP.INIT it. */
TEST_F(tdx_update, refused_with_a_cpu_offline_T12)
{
	int cpus[CPU_SETSIZE], n;
	struct tdx_leaves l;

	n = vl_hotpluggable_cpus(cpus, CPU_SETSIZE);
	if (!n)
		SKIP(return, "no hotpluggable CPU");
	ASSERT_ERRNO(0, tdx_enable());
	ASSERT_EQ(0, tdx_stage_image("1.5.7"));
	ASSERT_EQ(0, vl_cpu_set_online(cpus[n - 1], false));
	EXPECT_ERRNO(-EBUSY, tdx_update());
	ASSERT_EQ(0, tdx_leaves(&l));
	EXPECT_EQ(0, l.calls[TDX_SYS_SHUTDOWN]);
	EXPECT_TDX_STATE("initialized", 0);
	ASSERT_EQ(0, vl_cpu_set_online(cpus[n - 1], true));
}

/* A failure at each step: ERROR, with the step and the errno. */
FIXTURE(tdx_update_fault) {
	struct hv_kmsg log;
};

FIXTURE_VARIANT(tdx_update_fault) {
	const char *fail;	/* fail_leaf, or NULL: no image staged */
	const char *step;	/* as the log names it */
};

FIXTURE_VARIANT_ADD(tdx_update_fault, shutdown) {
	.fail = "SYS.SHUTDOWN C000010000000000 1", .step = "TDH.SYS.SHUTDOWN",
};

FIXTURE_VARIANT_ADD(tdx_update_fault, install) {
	.fail = "SEAMLDR.INSTALL C000010000000000 2", .step = "SEAMLDR.INSTALL",
};

FIXTURE_VARIANT_ADD(tdx_update_fault, no_image) {
	.fail = NULL, .step = "SEAMLDR.INSTALL",
};

FIXTURE_VARIANT_ADD(tdx_update_fault, lp_init) {
	.fail = "SYS.LP.INIT C000010000000000 1",
	.step = "SYS.INIT and LP.INIT of the new module",
};

FIXTURE_VARIANT_ADD(tdx_update_fault, update) {
	.fail = "SYS.UPDATE C000010000000000 1", .step = "TDH.SYS.UPDATE",
};

FIXTURE_SETUP(tdx_update_fault)
{
	TDX_BOOT("", "enable_at_load=0");
	ASSERT_ERRNO(0, tdx_enable());
	ASSERT_EQ(0, hv_kmsg_open(&self->log));
}

VL_TEARDOWN_CHECKED(tdx_update_fault, hv_kmsg_close(&self->log), tdx_teardown)

TEST_F(tdx_update_fault, leaves_error_T12)
{
	struct tdx_leaves before, after;
	char msg[128];

	if (variant->fail) {
		ASSERT_EQ(0, tdx_stage_image("1.5.7"));
		ASSERT_EQ(0, vl_write(TDX_EMU_DEBUGFS "/fail_leaf", variant->fail));
	}
	EXPECT_ERRNO(-EIO, tdx_update());
	EXPECT_TDX_STATE("error", -EIO);
	snprintf(msg, sizeof(msg), "module update failed at %s (-5)", variant->step);
	EXPECT_TRUE(hv_kmsg_has(&self->log, msg)) TH_LOG("no '%s'", msg);
	/* Final for the boot: refused at once, without a SEAMCALL (T1). */
	ASSERT_EQ(0, tdx_leaves(&before));
	EXPECT_ERRNO(-EINVAL, tdx_enable());
	EXPECT_ERRNO(-EINVAL, tdx_update());
	ASSERT_EQ(0, tdx_leaves(&after));
	EXPECT_EQ(tdx_leaves_total(&before), tdx_leaves_total(&after));
	EXPECT_TDX_STATE("error", -EIO);
	ASSERT_STATE(vl_state_consistent);
}

TEST_F(tdx_update, bad_requests_refused)
{
	static const char *const bad[] = { "0", "2", "yes", "1 1", "\n" };
	static const char *const bad_image[] = { "1.5", "1.5.7.1", "a.b.c",
						 "1.5.70000", "" };
	struct tdx_leaves before, after;
	char img[32];
	unsigned int i;

	ASSERT_ERRNO(0, tdx_enable());
	ASSERT_EQ(0, tdx_leaves(&before));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = vl_write(VL_TDX_SYSFS "/update", bad[i]);

		EXPECT_EQ(-EINVAL, ret) TH_LOG("update request %u: %s", i, strerror(-ret));
	}
	for (i = 0; i < sizeof(bad_image) / sizeof(bad_image[0]); i++) {
		int ret = tdx_stage_image(bad_image[i]);

		EXPECT_EQ(-EINVAL, ret) TH_LOG("image %u: %s", i, strerror(-ret));
	}
	ASSERT_LE(0, vl_read(TDX_EMU_DEBUGFS "/update_image", img, sizeof(img)));
	EXPECT_STREQ("none\n", img);
	ASSERT_EQ(0, tdx_leaves(&after));
	EXPECT_EQ(tdx_leaves_total(&before), tdx_leaves_total(&after));
	EXPECT_TDX_STATE("initialized", 0);
}

TDX_HARNESS_MAIN(VL_BASE_NEEDS)
