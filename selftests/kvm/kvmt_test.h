/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kvm target's programs share: the harness, the library, the
 * CHECK macro, the fixture (every online CPU online, kvm_amd loaded, SVM
 * and the hotplug states as the version rule says with no VM; at the end,
 * a kernel log free of KVM enable failures) and main(), which skips the
 * program with the reason when kvm_amd cannot run here.
 */
#ifndef KVMT_TEST_H
#define KVMT_TEST_H

#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "kvmt_util.h"

/*
 * Every check goes through CHECK. Built with -DKVMT_INVERT (make
 * KVMT_INVERT=1), each check in a test's body expects the opposite and goes
 * on, so one run shows every check failing; the fixture's checks (SETUP_CHECK)
 * stay as they are then, since a failing setup ends the test before its
 * body (an ordinary build shows them failing on a wrong setup).
 */
#define SETUP_CHECK(call)						\
	do {								\
		char __why[KVMT_WHY_LEN] = "";				\
		bool __ok = (call);					\
		ASSERT_TRUE(__ok) TH_LOG("%s", __why);			\
	} while (0)
#define WHY __why, sizeof(__why)
#ifndef KVMT_INVERT
#define CHECK(call) SETUP_CHECK(call)
#else
#define CHECK(call)							\
	do {								\
		char __why[KVMT_WHY_LEN] = "";				\
		bool __ok = (call);					\
		EXPECT_FALSE(__ok) TH_LOG("inverted: %s held", #call);	\
	} while (0)
#endif

FIXTURE(kvm) {
	int mark;
	int cpu;	/* a hotpluggable CPU, or -1 */
};

FIXTURE_SETUP(kvm)
{
	int ret;

	ASSERT_EQ(0, kvmt_online_all_cpus());
	ret = kvmt_vendor_load();
	ASSERT_EQ(0, ret) TH_LOG("modprobe kvm_amd: %s", strerror(-ret));
	self->cpu = kvmt_hotpluggable_cpu();
	self->mark = kvmt_log_mark();
	TH_LOG("%s", kvmt_rules()->text);
	/* No VM: SVM is on only where the rule enables at load. */
	SETUP_CHECK(kvmt_svme_all(kvmt_expect_enabled(false), WHY));
	SETUP_CHECK(kvmt_states_follow_rule(false, WHY));
}

FIXTURE_TEARDOWN(kvm)
{
	char why[KVMT_WHY_LEN] = "";

	EXPECT_EQ(0, kvmt_online_all_cpus());
	EXPECT_EQ(0, kvmt_vendor_load());
	EXPECT_TRUE(kvmt_log_clean_since(self->mark, why, sizeof(why)))
		TH_LOG("%s", why);
}

#define KVMT_HARNESS_MAIN						\
	int main(int argc, char **argv)					\
	{								\
		const char *unmet = kvmt_unmet();			\
									\
		if (unmet)						\
			ksft_exit_skip("%s\n", unmet);			\
		return test_harness_run(argc, argv);			\
	}

#endif /* KVMT_TEST_H */
