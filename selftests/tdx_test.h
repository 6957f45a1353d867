/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the TDX test programs share on top of vl_test.h: every scenario
 * starts from a cold boot of the simulated platform (the TDX module is
 * initialized at most once per boot, T1) and ends with one, so that the
 * next test and the next program find a fresh platform with the defaults.
 */
#ifndef TDX_TEST_H
#define TDX_TEST_H

#include <stdlib.h>
#include <unistd.h>

#include "vl_test.h"
#include "tdx_util.h"

/* Cold boot: simhw with @simhw, virtlife.ko with @vl (NULL: not loaded). */
#define TDX_BOOT(simhw, vl)						\
	do {								\
		const char *__vl = (vl);				\
		int __ret = tdx_cold_boot(simhw, __vl);			\
									\
		ASSERT_EQ(0, __ret)					\
			TH_LOG("cold boot (simhw '%s', virtlife '%s'): %s", \
			       simhw, __vl ? __vl : "not loaded",	\
			       __ret == -EALREADY ?			\
			       "SEAMCALLs issued before any request (T4)" : \
			       strerror(-__ret));			\
		if (tdx_off_for_hibernation())				\
			SKIP(return, "TDX is off for this boot: hibernation is possible (T10; TDX hosts boot with nohibernate)"); \
	} while (0)

#define TDX_TEARDOWN(fixture)						\
	VL_TEARDOWN_CHECKED(fixture, (void)self, tdx_teardown)

/*
 * VL_HARNESS_MAIN, plus a last cleanup in the parent after every test: a
 * test whose setup failed has no teardown, and the next program must still
 * find the default platform. An unclean platform fails the program.
 */
static inline void tdx_final_cleanup(void)
{
	char why[VL_WHY_LEN];

	if (!tdx_teardown(why, sizeof(why))) {
		printf("# final cleanup: %s\n", why);
		case_stream_fail_at_exit();
	}
}

#define TDX_HARNESS_MAIN(needs)						\
	VL_HARNESS_MAIN_THEN(needs, atexit(tdx_final_cleanup))

/* virtlife's tdx/state: its first word and errno must be these. */
#define EXPECT_TDX_STATE(want_word, want_err)				\
	do {								\
		char __w[64] = "", __line[256] = "";			\
		int __e = 0;						\
									\
		ASSERT_EQ(0, tdx_state(__w, sizeof(__w), &__e, __line,	\
				       sizeof(__line)));		\
		EXPECT_STREQ(want_word, __w)				\
			TH_LOG("tdx/state is '%s'", __line);		\
		EXPECT_EQ(want_err, __e)				\
			TH_LOG("tdx/state is '%s', expected errno %s",	\
			       __line, tdx_errno_name(want_err));	\
	} while (0)

/* An errno-returning call must return @want; logs both by name. */
#define EXPECT_ERRNO(want, call)					\
	do {								\
		int __got = (call);					\
									\
		EXPECT_EQ(want, __got)					\
			TH_LOG("%s: %s, expected %s", #call,		\
			       tdx_errno_name(__got), tdx_errno_name(want)); \
	} while (0)

#define ASSERT_ERRNO(want, call)					\
	do {								\
		int __got = (call);					\
									\
		ASSERT_EQ(want, __got)					\
			TH_LOG("%s: %s, expected %s", #call,		\
			       tdx_errno_name(__got), tdx_errno_name(want)); \
	} while (0)

/*
 * A check of the library (why-buffer style) must pass; the call passes
 * WHY for the buffer: EXPECT_CHECK(tdx_first_init_ok(WHY)).
 */
#define WHY	__why, sizeof(__why)
#define EXPECT_CHECK(call)						\
	do {								\
		char __why[VL_WHY_LEN] = "";				\
		bool __ok = (call);					\
									\
		EXPECT_TRUE(__ok) TH_LOG("%s", __why);			\
	} while (0)

#define ASSERT_CHECK(call)						\
	do {								\
		char __why[VL_WHY_LEN] = "";				\
		bool __ok = (call);					\
									\
		ASSERT_TRUE(__ok) TH_LOG("%s", __why);			\
	} while (0)

#endif /* TDX_TEST_H */
