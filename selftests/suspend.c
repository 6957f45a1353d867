// SPDX-License-Identifier: GPL-2.0
/*
 * suspend - suspend/resume with virtualization enabled and not.
 *
 * Invariants: L7 (syscore ops exist only while usage > 0: with usage 0 they
 * are never called), L9 (the non-boot CPUs go down through the hotplug
 * teardown before syscore suspend, which disables the boot CPU; resume
 * re-enables it; afterwards every online CPU is enabled iff usage > 0).
 *
 * TDX (T10): on a TDX platform the host core disables ACPI S3 when it
 * starts, before and after the module's initialization alike (S3 fails
 * with -EOPNOTSUPP before any device suspends); s2idle keeps TDX and stays
 * allowed; hibernation is impossible (the guest boots with nohibernate,
 * else TDX would be off: tdx_boot checks that rule). This program runs in a guest
 * of its own: its first TDX initialization is the boot's first, checked
 * completely (T2, T3, T5) without a cold boot in between.
 *
 * The suspend/resume fixtures (L9) run on a platform without TDX KeyIDs:
 * a TDX platform has no S3 (T10).
 *
 * In the suite's QEMU guest this program runs from tmpfs, statically
 * linked: a suspend that reaches the devices kills the guest's 9p root.
 */
#include <stdlib.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "tdx_test.h"
#include "hwvirt.h"
#include "msr_util.h"

/*
 * First in the file: the first TDX initialization of this guest's boot.
 * Whatever loaded the modules before (nothing, in the suite's suspend
 * guest), only virtlife.ko is reloaded here: the emulated module and the
 * host core are the boot's own. If something already initialized TDX in
 * this boot (the program run twice), a cold boot stands in for a fresh guest.
 */
FIXTURE(tdx_fresh) {
	int unused;
};

FIXTURE_SETUP(tdx_fresh)
{
	struct tdx_leaves l;

	ASSERT_EQ(0, vl_unload());
	ASSERT_EQ(0, vl_load(""));
	ASSERT_EQ(0, tdx_leaves(&l));
	if (tdx_leaves_total(&l)) {
		TH_LOG("TDX already used in this boot: a cold boot instead of a fresh guest");
		TDX_BOOT("", "");
	}
}

TDX_TEARDOWN(tdx_fresh)

TEST_F(tdx_fresh, first_init_of_the_boot_T1_T2_T3_T5)
{
	ASSERT_ERRNO(0, tdx_enable());
	EXPECT_CHECK(tdx_first_init_ok(WHY));
	EXPECT_ERRNO(0, tdx_enable());
	EXPECT_CHECK(tdx_first_init_ok(WHY));
}

/* T10: S3 refused on a TDX platform, initialized or not; s2idle allowed. */
FIXTURE(tdx_suspend) {
	uint64_t suspend_calls, usage;
	char mem_sleep[64];
};

FIXTURE_VARIANT(tdx_suspend) {
	bool initialized;
};

FIXTURE_VARIANT_ADD(tdx_suspend, initialized) {
	.initialized = true,
};

FIXTURE_VARIANT_ADD(tdx_suspend, uninitialized) {
	.initialized = false,
};

FIXTURE_SETUP(tdx_suspend)
{
	TDX_BOOT("", "");
	if (variant->initialized)
		ASSERT_ERRNO(0, tdx_enable());
	ASSERT_EQ(0, vl_counter("suspend_calls", &self->suspend_calls));
	ASSERT_EQ(0, vl_usage(&self->usage));
	vl_read("/sys/power/mem_sleep", self->mem_sleep, sizeof(self->mem_sleep));
}

/* pm_test off, mem_sleep back to the mode selected before ("s2idle [deep]"). */
static void tdx_suspend_restore(char *mem_sleep)
{
	char *cur = strchr(mem_sleep, '[');

	vl_write("/sys/power/pm_test", "none");
	if (cur && strchr(cur, ']')) {
		*strchr(cur, ']') = '\0';
		vl_write("/sys/power/mem_sleep", cur + 1);
	}
}

VL_TEARDOWN_CHECKED(tdx_suspend, tdx_suspend_restore(self->mem_sleep), tdx_teardown)

/*
 * One sleep attempt at pm_test=devices (the refusal comes before the
 * devices: with it broken the devices suspend and resume, which this
 * program survives from tmpfs): @want, no syscore suspend (the test level
 * stops before it), TDX and usage as before.
 */
static void sleep_once(struct __test_metadata *_metadata,
		       FIXTURE_DATA(tdx_suspend) *self, bool initialized,
		       const char *state, int want)
{
	uint64_t calls, usage;
	int ret;

	if (!vl_exists("/sys/power/pm_test") || !vl_sleep_state_available(state))
		SKIP(return, "needs /sys/power/pm_test and %s in /sys/power/state", state);
	ret = vl_suspend(state, "devices");
	vl_write("/sys/power/pm_test", "none");
	EXPECT_EQ(want, ret)
		TH_LOG("%s with TDX %sinitialized: %s, expected %s", state,
		       initialized ? "" : "un", tdx_errno_name(ret),
		       tdx_errno_name(want));
	ASSERT_EQ(0, vl_counter("suspend_calls", &calls));
	EXPECT_EQ(self->suspend_calls, calls);
	ASSERT_EQ(0, vl_usage(&usage));
	EXPECT_EQ(self->usage, usage);
	EXPECT_TDX_STATE(initialized ? "initialized" : "uninitialized", 0);
	ASSERT_STATE(vl_state_consistent);
}

/* ACPI S3 ("mem" with mem_sleep "deep"): refused (-EOPNOTSUPP; docs/tdx.md). */
TEST_F(tdx_suspend, s3_disabled_T10)
{
	if (!strstr(self->mem_sleep, "deep"))
		SKIP(return, "the machine has no S3 (mem_sleep '%s')", self->mem_sleep);
	ASSERT_EQ(0, vl_write("/sys/power/mem_sleep", "deep"));
	sleep_once(_metadata, self, variant->initialized, "mem", -EOPNOTSUPP);
}

/* s2idle keeps memory and CPU state: TDX survives it, it stays allowed. */
TEST_F(tdx_suspend, s2idle_allowed_T10)
{
	sleep_once(_metadata, self, variant->initialized, "freeze", 0);
}

/*
 * L9 needs ACPI S3, which a TDX platform disables (T10): the suspend and
 * resume fixtures run on a platform whose BIOS did not enable TDX.
 */
#define SETUP_WITHOUT_TDX(params)					\
	do {								\
		int __ret = vl_cold_boot("tdx_seam=0", params);		\
									\
		ASSERT_EQ(0, __ret) TH_LOG("cold boot without TDX, virtlife %s: %s", \
					   params, strerror(-__ret));	\
	} while (0)

struct sleep_counts {
	uint64_t suspend, resume;
	uint64_t boot_enables, boot_disables;	/* the witness, boot CPU */
};

static void sleep_counts(struct sleep_counts *c)
{
	static struct simhw_cpu hw[CPU_SETSIZE];

	memset(c, 0, sizeof(*c));
	vl_counter("suspend_calls", &c->suspend);
	vl_counter("resume_calls", &c->resume);
	if (simhw_cpus(hw, CPU_SETSIZE) > 0) {
		c->boot_enables = hw[0].enables;
		c->boot_disables = hw[0].disables;
	}
}

/*
 * The L9 order in the event log: every other online CPU's cpu_offline
 * before syscore_suspend, then the boot CPU disabled, syscore_resume, the
 * boot CPU enabled, then the other CPUs' cpu_online.
 */
static bool l9_order(uint64_t since, int others, char *why, size_t len)
{
	struct vl_events evs;
	int s, r, i, off = 0, on = 0;
	bool ok = false;

	if (vl_events_since(since, &evs) < 0)
		return snprintf(why, len, "cannot read the event log"), false;
	s = vl_event_find(&evs, 0, "syscore_suspend");
	r = vl_event_find(&evs, s + 1, "syscore_resume");
	if (s < 0 || r < 0) {
		snprintf(why, len, "syscore_suspend/resume events missing (%d, %d)", s, r);
		goto out;
	}
	for (i = 0; i < evs.n; i++) {
		if (!strcmp(evs.ev[i].name, "cpu_offline") && i < s)
			off++;
		if (!strcmp(evs.ev[i].name, "cpu_online") && i > r)
			on++;
	}
	if (off != others || on != others) {
		snprintf(why, len, "%d cpu_offline before suspend and %d cpu_online after resume, expected %d each",
			 off, on, others);
		goto out;
	}
	i = vl_event_find(&evs, s, "cpu_disable");
	if (i < 0 || i > r || evs.ev[i].arg != 0) {
		snprintf(why, len, "syscore suspend did not disable the boot CPU");
		goto out;
	}
	i = vl_event_find(&evs, r, "cpu_enable");
	if (i < 0 || evs.ev[i].arg != 0) {
		snprintf(why, len, "syscore resume did not re-enable the boot CPU");
		goto out;
	}
	ok = true;
out:
	vl_events_free(&evs);
	return ok;
}

FIXTURE(suspend) {
	struct sleep_counts before;
	uint64_t seq;
	int others;		/* online CPUs besides the boot CPU */
};

FIXTURE_VARIANT(suspend) {
	bool hold_vm;
};

FIXTURE_VARIANT_ADD(suspend, usage0) {
	.hold_vm = false,
};

FIXTURE_VARIANT_ADD(suspend, usage1) {
	.hold_vm = true,
};

FIXTURE_SETUP(suspend)
{
	cpu_set_t online;

	SETUP_WITHOUT_TDX("enable_at_load=0");
	if (variant->hold_vm)
		ASSERT_LE(0, vl_vm_create());
	ASSERT_EQ(0, vl_online_cpus(&online));
	self->others = CPU_COUNT(&online) - 1;
	sleep_counts(&self->before);
	self->seq = vl_last_seq();
}

VL_TEARDOWN_CHECKED(suspend, vl_events_dump("suspend"), vl_teardown)

/* After one suspend/resume cycle: the calls, the order, the state. */
static void check_cycle(struct __test_metadata *_metadata,
			FIXTURE_DATA(suspend) *self, bool enabled, int cycles)
{
	char why[VL_WHY_LEN] = "";
	struct sleep_counts after;

	sleep_counts(&after);
	/* With usage 0 the syscore ops do not exist: never called (L7). */
	EXPECT_EQ(enabled ? cycles : 0, after.suspend - self->before.suspend);
	EXPECT_EQ(enabled ? cycles : 0, after.resume - self->before.resume);
	EXPECT_EQ(enabled ? cycles : 0, after.boot_disables - self->before.boot_disables);
	EXPECT_EQ(enabled ? cycles : 0, after.boot_enables - self->before.boot_enables);
	if (enabled && cycles == 1)
		EXPECT_TRUE(l9_order(self->seq, self->others, why, sizeof(why)))
			TH_LOG("%s", why);
	ASSERT_STATE(vl_state_consistent);
}

TEST_F(suspend, pm_test_core)
{
	int ret;

	if (!vl_exists("/sys/power/pm_test") || !vl_sleep_state_available("mem"))
		SKIP(return, "needs /sys/power/pm_test (CONFIG_PM_DEBUG) and mem in /sys/power/state");
	ret = vl_suspend("mem", "core");
	ASSERT_EQ(0, ret) TH_LOG("pm_test=core suspend: %s", strerror(-ret));
	check_cycle(_metadata, self, variant->hold_vm, 1);
}

/*
 * A real S3, woken by the RTC after 3 s; VIRTLIFE_REAL_S3_CYCLES of them
 * (make soak), each checked as the one.
 */
TEST_F_TIMEOUT(suspend, real_s3, 900)
{
	char *env = getenv("VIRTLIFE_REAL_S3_CYCLES");
	char mem_sleep[128] = "";
	int ret, i, cycles = 1;
	double t0 = vl_now();

	if (getenv("VIRTLIFE_NO_REAL_SUSPEND"))
		SKIP(return, "no real S3: VIRTLIFE_NO_REAL_SUSPEND is set (make run_tests on a host sets it unless VIRTLIFE_HOST_S3=1)");
	if (!vl_exists("/sys/class/rtc/rtc0/wakealarm"))
		SKIP(return, "no RTC wake alarm (/sys/class/rtc/rtc0/wakealarm)");
	vl_read("/sys/power/mem_sleep", mem_sleep, sizeof(mem_sleep));
	if (!strstr(mem_sleep, "deep"))
		SKIP(return, "no S3: /sys/power/mem_sleep is '%.60s'", mem_sleep);
	if (env) {
		cycles = atoi(env);
		ASSERT_LT(0, cycles) TH_LOG("VIRTLIFE_REAL_S3_CYCLES=%s: not a positive count", env);
	}
	ASSERT_EQ(0, vl_write("/sys/power/mem_sleep", "deep"));
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, vl_rtc_wake_in(vl_s3_wake_secs()));
		ret = vl_suspend("mem", "none");
		ASSERT_EQ(0, ret) TH_LOG("S3 cycle %d: %s", i + 1, strerror(-ret));
		check_cycle(_metadata, self, variant->hold_vm, i + 1);
		if (cycles >= 10 && (i + 1) % (cycles / 10) == 0)
			vl_note("real S3: %d/%d cycles, %.2f/s", i + 1, cycles,
				(i + 1) / (vl_now() - t0));
	}
}

/* s2idle at the pm_test levels QEMU supports: syscore is never reached. */
TEST_F(suspend, s2idle_levels)
{
	static const char *const levels[] = { "freezer", "devices", "platform" };
	unsigned int i;
	int ret;

	if (!vl_exists("/sys/power/pm_test") || !vl_sleep_state_available("freeze"))
		SKIP(return, "needs /sys/power/pm_test and freeze in /sys/power/state");
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		ret = vl_suspend("freeze", levels[i]);
		ASSERT_EQ(0, ret) TH_LOG("freeze at pm_test=%s: %s", levels[i],
					 strerror(-ret));
		ASSERT_STATE(vl_state_consistent);
	}
	check_cycle(_metadata, self, false, 0);
}

/*
 * Repeated pm_test=core cycles with VMs created and closed in between, so
 * that cycles happen at usage 0, 1 and more.
 */
TEST_F_TIMEOUT(suspend, cycles_with_vms, 900)
{
	unsigned int seed = vl_seed();
	int cycles = 20, i, held[4], n = 0, enabled = 0, ret;
	double t0 = vl_now();
	char *env = getenv("VIRTLIFE_SUSPEND_CYCLES");
	struct sleep_counts after;

	if (!vl_exists("/sys/power/pm_test") || !vl_sleep_state_available("mem"))
		SKIP(return, "needs /sys/power/pm_test (CONFIG_PM_DEBUG) and mem in /sys/power/state");
	if (env && atoi(env) > 0)
		cycles = atoi(env);
	for (i = 0; i < cycles; i++) {
		int action = rand_r(&seed) % 3;

		if (action == 0 && n < 4) {
			held[n] = vl_vm_create();
			ASSERT_LE(0, held[n]);
			n++;
		} else if (action == 1 && n > 0) {
			ASSERT_EQ(0, vl_vm_close(held[--n]));
		}
		enabled += (n > 0 || variant->hold_vm);
		ret = vl_suspend("mem", "core");
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: %s", i, strerror(-ret));
		ASSERT_STATE(vl_state_consistent);
		if (cycles >= 100 && (i + 1) % (cycles / 10) == 0)
			vl_note("pm_test: %d/%d cycles, %.2f/s", i + 1, cycles,
				(i + 1) / (vl_now() - t0));
	}
	sleep_counts(&after);
	EXPECT_EQ(enabled, after.suspend - self->before.suspend);
	EXPECT_EQ(enabled, after.resume - self->before.resume);
	vl_note("%d cycles, %d with virtualization enabled", cycles, enabled);
}

/*
 * The svm backend (real AMD-V, QEMU's with -cpu ...,+svm): the same cycles,
 * and the CPU's EFER.SVME (/dev/cpu/N/msr) after resume must agree with the
 * driver's view: a real S3 loses EFER, so resume must set SVME again on the
 * boot CPU (syscore resume) and on the others (hotplug online).
 */
FIXTURE(suspend_svm) {
	uint64_t suspend, resume, seq;
	int others;
	const char *skip;
};

FIXTURE_VARIANT(suspend_svm) {
	bool hold_vm;
};

FIXTURE_VARIANT_ADD(suspend_svm, usage0) {
	.hold_vm = false,
};

FIXTURE_VARIANT_ADD(suspend_svm, usage1) {
	.hold_vm = true,
};

FIXTURE_SETUP(suspend_svm)
{
	cpu_set_t online;

	/* The harness runs the test after a SKIP here: the test skips. */
	self->skip = hv_svm_unmet();
	if (self->skip)
		return;
	SETUP_WITHOUT_TDX("backend=svm enable_at_load=0");
	if (variant->hold_vm)
		ASSERT_LE(0, vl_vm_create());
	ASSERT_EQ(0, vl_online_cpus(&online));
	self->others = CPU_COUNT(&online) - 1;
	ASSERT_EQ(0, vl_counter("suspend_calls", &self->suspend));
	ASSERT_EQ(0, vl_counter("resume_calls", &self->resume));
	self->seq = vl_last_seq();
	ASSERT_STATE(hv_svm_state_consistent);
}

/* Skipped (no SVM or no msr driver): EFER cannot be read, nothing to see. */
VL_TEARDOWN_CHECKED(suspend_svm, (void)self,
		    self->skip ? vl_teardown : hv_svm_teardown)

static void check_svm_cycle(struct __test_metadata *_metadata,
			    FIXTURE_DATA(suspend_svm) *self, bool enabled)
{
	char why[VL_WHY_LEN] = "";
	uint64_t suspend = 0, resume = 0;

	vl_counter("suspend_calls", &suspend);
	vl_counter("resume_calls", &resume);
	EXPECT_EQ(enabled, suspend - self->suspend);
	EXPECT_EQ(enabled, resume - self->resume);
	if (enabled)
		EXPECT_TRUE(l9_order(self->seq, self->others, why, sizeof(why)))
			TH_LOG("%s", why);
	ASSERT_STATE(hv_svm_state_consistent);
}

TEST_F(suspend_svm, pm_test_core)
{
	int ret;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (!vl_exists("/sys/power/pm_test") || !vl_sleep_state_available("mem"))
		SKIP(return, "needs /sys/power/pm_test (CONFIG_PM_DEBUG) and mem in /sys/power/state");
	ret = vl_suspend("mem", "core");
	ASSERT_EQ(0, ret) TH_LOG("pm_test=core suspend: %s", strerror(-ret));
	check_svm_cycle(_metadata, self, variant->hold_vm);
}

/* A real S3, woken by the RTC after 3 s: EFER is lost and must come back. */
TEST_F_TIMEOUT(suspend_svm, real_s3, 90)
{
	char mem_sleep[128] = "";
	int ret;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (getenv("VIRTLIFE_NO_REAL_SUSPEND"))
		SKIP(return, "no real S3: VIRTLIFE_NO_REAL_SUSPEND is set (make run_tests on a host sets it unless VIRTLIFE_HOST_S3=1)");
	if (!vl_exists("/sys/class/rtc/rtc0/wakealarm"))
		SKIP(return, "no RTC wake alarm (/sys/class/rtc/rtc0/wakealarm)");
	vl_read("/sys/power/mem_sleep", mem_sleep, sizeof(mem_sleep));
	if (!strstr(mem_sleep, "deep"))
		SKIP(return, "no S3: /sys/power/mem_sleep is '%.60s'", mem_sleep);
	ASSERT_EQ(0, vl_write("/sys/power/mem_sleep", "deep"));
	ASSERT_EQ(0, vl_rtc_wake_in(vl_s3_wake_secs()));
	ret = vl_suspend("mem", "none");
	ASSERT_EQ(0, ret) TH_LOG("S3: %s", strerror(-ret));
	check_svm_cycle(_metadata, self, variant->hold_vm);
}

/*
 * Running from a 9p filesystem, a suspend would leave this program's own
 * pages unreachable: the 9p transport does not survive it (no PM support
 * in 9pnet_virtio). tools/run-suite copies the program to tmpfs first.
 * (statfs() cannot tell: 9p reports the host filesystem's type.)
 */
static void skip_if_on_9p(void)
{
	char exe[PATH_MAX], line[PATH_MAX * 2], dir[PATH_MAX], type[64];
	size_t best = 0;
	bool on_9p = false;
	FILE *mounts;

	if (!realpath("/proc/self/exe", exe))
		return;
	mounts = fopen("/proc/mounts", "r");
	if (!mounts)
		return;
	while (fgets(line, sizeof(line), mounts)) {
		size_t len;

		if (sscanf(line, "%*s %4095s %63s", dir, type) != 2)
			continue;
		len = strlen(dir);
		/* The longest mount point that contains the program wins. */
		if (strncmp(exe, dir, len) || (len > 1 && exe[len] != '/') ||
		    len < best)
			continue;
		best = len;
		on_9p = !strcmp(type, "9p");
	}
	fclose(mounts);
	if (on_9p)
		ksft_exit_skip("this program is on 9p, which does not survive a suspend: run it from tmpfs (tools/run-suite does)\n");
}

VL_MAIN_WITH({
	const char *why = vl_config_error();

	if (why)
		ksft_exit_fail_msg("%s\n", why);
	why = vl_unmet(VL_BASE_NEEDS);
	if (why)
		ksft_exit_skip("%s\n", why);
	skip_if_on_9p();
	/*
	 * The svm cases read EFER through the msr driver: load it now, from
	 * the root filesystem that a suspend may take away.
	 */
	if (hv_cpu_flag("svm"))
		msr_driver_ready();
	atexit(tdx_final_cleanup);
})
