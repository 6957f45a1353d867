/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kvm target's programs share: the harness, the library, the
 * CHECK macro, the fixture and main(), which skips the program with the
 * kernel's reason when kvm_amd cannot run here.
 *
 * The fixture runs every case once per configuration of kvm.ko (variants
 * virt_at_load_Y and virt_at_load_N: "modprobe kvm enable_virt_at_load=1/0";
 * no_virt_at_load: a kernel without that parameter, before 6.12); a case
 * whose configuration this kernel does not have skips with the reason. Its
 * setup: every CPU online, kvm.ko reloaded in the case's configuration,
 * kvm_amd loaded, the rule printed, SVM and the hotplug states as the rule
 * says with no VM; at the end, a kernel log free of KVM enable failures.
 */
#ifndef KVMT_TEST_H
#define KVMT_TEST_H

#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "harness_main.h"
#include "hwvirt.h"
#include "kvmt_util.h"

/*
 * Every check goes through CHECK, and its failure names the rule. Built
 * with -DKVMT_INVERT (make KVMT_INVERT=1), each check in a test's body
 * expects the opposite and goes on, so one run shows every check failing;
 * the fixture's checks (SETUP_CHECK) stay as they are then, since a failing
 * setup ends the test before its body (an ordinary build shows them failing
 * on a wrong setup).
 */
#define SETUP_CHECK(call)						\
	do {								\
		char __why[KVMT_WHY_LEN] = "";				\
		bool __ok = (call);					\
		ASSERT_TRUE(__ok) TH_LOG("%s [%s]", __why, kvmt_rule_name()); \
	} while (0)
#define WHY __why, sizeof(__why)
#ifndef KVMT_INVERT
#define CHECK(call) SETUP_CHECK(call)
#else
#define CHECK(call)							\
	do {								\
		char __why[KVMT_WHY_LEN] = "";				\
		bool __ok = (call);					\
		EXPECT_FALSE(__ok) TH_LOG("inverted: %s held [%s]", #call, \
					  kvmt_rule_name());		\
	} while (0)
#endif

FIXTURE(kvm) {
	int mark;
	int cpu;		/* a hotpluggable CPU, or -1 */
	const char *skip;	/* this configuration does not exist here */
	char skip_buf[KVMT_WHY_LEN];
};

HV_KVM_CONFIG_VARIANTS(kvm);

/*
 * A SKIP in a setup is not the same in every harness (6.1's runs the test
 * after it, 6.12's does not): the setup leaves the reason in self->skip and
 * KVMT_TEST's case skips with it, the teardown does nothing then.
 */
FIXTURE_SETUP(kvm)
{
	char why[KVMT_WHY_LEN] = "";
	int ret;

	ASSERT_EQ(0, kvmt_online_all_cpus());
	ret = kvmt_configure(variant->at_load, why, sizeof(why));
	if (ret == -EOPNOTSUPP) {
		snprintf(self->skip_buf, sizeof(self->skip_buf), "%s", why);
		self->skip = self->skip_buf;
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("configure kvm.ko (%s): %s",
				 hv_kvm_config_name(variant->at_load), why);
	ret = kvmt_vendor_load_why(why, sizeof(why));
	ASSERT_EQ(0, ret) TH_LOG("load kvm_amd: %s", why);
	self->cpu = kvmt_hotpluggable_cpu();
	self->mark = kvmt_log_mark();
	TH_LOG("%s", kvmt_rule_text());
	SETUP_CHECK(kvmt_params_follow_rule(variant->at_load, WHY));
	/* No VM: SVM is on only where the rule enables at load. */
	SETUP_CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
	SETUP_CHECK(kvmt_states_follow_rule(0, WHY));
}

/*
 * 6.12's harness skips FIXTURE_TEARDOWN after a failed ASSERT when built
 * with optimization (its wrapper's "child" is clobbered by the longjmp:
 * see the Makefile's -Wno-clobbered); its FIXTURE_TEARDOWN_PARENT runs in
 * the process that never longjmps. The teardown only touches the machine
 * (CPUs, modules, the kernel log) and self->mark, which that harness
 * shares with the parent. 6.1's harness has neither the bug nor the macro.
 */
#ifdef FIXTURE_TEARDOWN_PARENT
FIXTURE_TEARDOWN_PARENT(kvm)
#else
FIXTURE_TEARDOWN(kvm)
#endif
{
	char why[KVMT_WHY_LEN] = "";

	if (self->skip)
		return;
	EXPECT_EQ(0, kvmt_online_all_cpus());
	EXPECT_EQ(0, kvmt_vendor_load());
	EXPECT_TRUE(kvmt_log_clean_since(self->mark, why, sizeof(why)))
		TH_LOG("%s", why);
}

/* A case of the fixture: skips first when its configuration is absent. */
#define KVMT_TEST(name, timeout)					\
	static void kvmt_case_##name(struct __test_metadata *_metadata,	\
				     FIXTURE_DATA(kvm) *self,		\
				     const FIXTURE_VARIANT(kvm) *variant); \
	TEST_F_TIMEOUT(kvm, name, timeout)				\
	{								\
		if (self->skip)						\
			SKIP(return, "%s", self->skip);			\
		kvmt_case_##name(_metadata, self, variant);		\
	}								\
	static void kvmt_case_##name(struct __test_metadata *_metadata,	\
				     FIXTURE_DATA(kvm) *self,		\
				     const FIXTURE_VARIANT(kvm) *variant)

/*
 * main(): the program skips with the reason when kvm_amd cannot run here.
 * KVMT_HARNESS_MAIN_SUSPENDING: for a program that suspends the machine,
 * whose cases reload kvm.ko after a suspend killed the 9p root, the
 * modules are kept in memory first (hv_kvm_cache_modules).
 */
#define __KVMT_MAIN(cache)						\
	VL_MAIN_WITH({							\
		char why[KVMT_WHY_LEN] = "";				\
		const char *unmet = kvmt_unmet();			\
									\
		if (unmet)						\
			ksft_exit_skip("%s\n", unmet);			\
		if (cache && hv_kvm_cache_modules("kvm_amd", why, sizeof(why))) \
			ksft_exit_fail_msg("keeping kvm.ko and kvm_amd in memory: %s\n", why); \
	})
#define KVMT_HARNESS_MAIN		__KVMT_MAIN(0)
#define KVMT_HARNESS_MAIN_SUSPENDING	__KVMT_MAIN(1)

#endif /* KVMT_TEST_H */
