/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every virtlife test program shares: the kselftest harness, the
 * library, a main() that skips the whole program with the reason when the
 * platform lacks what it needs, and the standard fixture teardown.
 */
#ifndef VL_TEST_H
#define VL_TEST_H

#include "kselftest_harness.h"
#include "harness_main.h"
#include "virtlife_util.h"

#define VL_BASE_NEEDS	(VL_NEED_ROOT | VL_NEED_DEBUGFS | VL_NEED_MODULES)

/*
 * Fail the whole program on a setting that cannot work; skip it (exit 4,
 * reason on the plan line) when @needs are unmet.
 */
#define VL_HARNESS_MAIN(needs)	VL_HARNESS_MAIN_THEN(needs, (void)0)

/* The same, running @before (a statement) just before the tests. */
#define VL_HARNESS_MAIN_THEN(needs, before)				\
	VL_MAIN_WITH({							\
		const char *unmet = vl_config_error();			\
									\
		if (unmet)						\
			ksft_exit_fail_msg("%s\n", unmet);		\
		unmet = vl_unmet(needs);				\
		if (unmet)						\
			ksft_exit_skip("%s\n", unmet);			\
		before;							\
	})

/* Fail the test with the reason when an invariant check fails. */
#define ASSERT_STATE(check)						\
	do {								\
		char __why[VL_WHY_LEN] = "";				\
		bool __ok = (check)(__why, sizeof(__why));		\
		ASSERT_TRUE(__ok) TH_LOG("%s", __why);			\
	} while (0)

/*
 * Teardown that runs @release(self) first (a statement, may be empty), then
 * @check (bool fn(char *why, size_t len)), which must find the platform
 * clean.
 */
#define VL_TEARDOWN_CHECKED(fixture, release, check)			\
	FIXTURE_TEARDOWN(fixture)					\
	{								\
		char why[VL_WHY_LEN];					\
		bool clean;						\
									\
		release;						\
		clean = (check)(why, sizeof(why));			\
		if (!clean)						\
			TH_LOG("teardown: %s", why);			\
		EXPECT_TRUE(clean);					\
	}

#define VL_STANDARD_TEARDOWN(fixture)					\
	VL_TEARDOWN_CHECKED(fixture, (void)self, vl_teardown)

/* The same, for a fixture that keeps an event list in self->evs. */
#define VL_EVENTS_TEARDOWN(fixture)					\
	VL_TEARDOWN_CHECKED(fixture, vl_events_free(&self->evs), vl_teardown)

/* A fresh platform with virtlife loaded with @params. */
#define VL_SETUP(params)						\
	do {								\
		int __ret = vl_reset_platform();			\
									\
		ASSERT_EQ(0, __ret) TH_LOG("reset: %s", strerror(-__ret)); \
		__ret = vl_load(params);				\
		ASSERT_EQ(0, __ret) TH_LOG("insmod virtlife %s: %s",	\
					   params, strerror(-__ret));	\
	} while (0)

#endif /* VL_TEST_H */
