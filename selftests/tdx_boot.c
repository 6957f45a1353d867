// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_boot - what the host core decides when it starts (T10), as the
 * kernel's boot-time tdx_init() does on a platform whose BIOS configured
 * TDX KeyIDs: while hibernation is possible TDX is off for the whole boot
 * ("initialization failed: Hibernation support is enabled"); otherwise
 * ACPI S3 is disabled for the boot ("Disable ACPI S3. ..."), whether or
 * not the module is ever initialized.  Without KeyIDs nothing changes.
 *
 * The host core's load is the "boot" here.  Whether hibernation is
 * possible is the running kernel's (/sys/power/state lists "disk"): the
 * suite's guests boot with nohibernate, as TDX hosts must, except one
 * (run-suite's hibernation guest) that runs this program without it.  So
 * each branch runs in the default VM; the log names the one checked.
 * The S3 refusal itself is exercised in the suspend guest (suspend.c).
 */
#include "tdx_test.h"
#include "hwvirt.h"

#define MSG_HIBERNATION	"virtlife_tdx: initialization failed: Hibernation support is enabled"
#define MSG_S3		"virtlife_tdx: Disable ACPI S3. Turn off TDX in the BIOS to use ACPI S3."

FIXTURE(tdx_boot) {
	struct hv_kmsg log;
};

FIXTURE_SETUP(tdx_boot)
{
	ASSERT_EQ(0, hv_kmsg_open(&self->log));
}

VL_TEARDOWN_CHECKED(tdx_boot, hv_kmsg_close(&self->log), tdx_teardown)

TEST_F(tdx_boot, hibernation_or_s3_T10)
{
	bool hibernation = vl_sleep_state_available("disk");
	struct tdx_core_state st;
	struct tdx_leaves l;

	ASSERT_EQ(0, tdx_cold_boot("", "enable_at_load=0"));
	ASSERT_EQ(0, tdx_core_state(&st));
	TH_LOG("this boot: hibernation %s", hibernation ?
	       "possible (no nohibernate): TDX must be off" :
	       "impossible (nohibernate): S3 must be disabled");
	if (hibernation) {
		EXPECT_TRUE(hv_kmsg_has(&self->log, MSG_HIBERNATION));
		EXPECT_FALSE(hv_kmsg_has(&self->log, MSG_S3));
		EXPECT_EQ(1, st.off_for_hibernation);
		EXPECT_EQ(0, st.platform);
		EXPECT_EQ(0, st.s3_disabled) TH_LOG("S3 stays usable without TDX");
		EXPECT_ERRNO(-ENODEV, tdx_enable());
		ASSERT_EQ(0, tdx_leaves(&l));
		EXPECT_EQ(0, tdx_leaves_total(&l)) TH_LOG("TDX off: no SEAMCALL at all");
	} else {
		EXPECT_TRUE(hv_kmsg_has(&self->log, MSG_S3));
		EXPECT_FALSE(hv_kmsg_has(&self->log, MSG_HIBERNATION));
		EXPECT_EQ(0, st.off_for_hibernation);
		EXPECT_EQ(1, st.platform);
		EXPECT_EQ(1, st.s3_disabled) TH_LOG("before any initialization");
		EXPECT_ERRNO(0, tdx_enable());
		ASSERT_EQ(0, tdx_core_state(&st));
		EXPECT_EQ(1, st.s3_disabled) TH_LOG("after the initialization");
	}
}

/* A platform without TDX KeyIDs (SEAM off in the BIOS) keeps S3. */
TEST_F(tdx_boot, no_keyids_keeps_s3_T10)
{
	struct tdx_core_state st;

	ASSERT_EQ(0, tdx_cold_boot("tdx_seam=0", "enable_at_load=0"));
	ASSERT_EQ(0, tdx_core_state(&st));
	EXPECT_TRUE(hv_kmsg_has(&self->log, "no TDX private KeyIDs"));
	EXPECT_FALSE(hv_kmsg_has(&self->log, MSG_S3));
	EXPECT_FALSE(hv_kmsg_has(&self->log, MSG_HIBERNATION));
	EXPECT_EQ(0, st.platform);
	EXPECT_EQ(0, st.s3_disabled);
	EXPECT_EQ(0, st.off_for_hibernation);
}

TDX_HARNESS_MAIN(VL_BASE_NEEDS)
