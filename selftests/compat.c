// SPDX-License-Identifier: GPL-2.0
/*
 * compat - the per-CPU compatibility check and its failures.
 *
 * Invariants: L5 (checked on the target CPU, at load and on every online),
 * L6 (a failing CPU stays offline, others untouched; a failing load leaves
 * nothing), L12 (a failed setup unpublishes the backend: the next load
 * works).
 */
#include "vl_test.h"

FIXTURE(compat) {
	int cpu;		/* the CPU the faults are aimed at */
	char cpulist[16];
	uint64_t seq;
};

FIXTURE_SETUP(compat)
{
	int cpus[CPU_SETSIZE], n;

	VL_SETUP("enable_at_load=1");
	n = vl_hotpluggable_cpus(cpus, CPU_SETSIZE);
	self->cpu = n ? cpus[n - 1] : -1;
	snprintf(self->cpulist, sizeof(self->cpulist), "%d", self->cpu);
	self->seq = vl_last_seq();
}

VL_STANDARD_TEARDOWN(compat)

/* Every compat_check event since @since was logged on the CPU it checked. */
static bool checks_on_target(uint64_t since, int *checks, char *why, size_t len)
{
	struct vl_events evs;
	bool ok = true;
	int i;

	*checks = 0;
	if (vl_events_since(since, &evs) < 0)
		return snprintf(why, len, "cannot read the event log"), false;
	for (i = 0; i < evs.n && ok; i++) {
		if (strcmp(evs.ev[i].name, "compat_check"))
			continue;
		(*checks)++;
		if (evs.ev[i].cpu != evs.ev[i].arg) {
			snprintf(why, len, "event %llu: check for cpu%lld ran on cpu%d (L5)",
				 (unsigned long long)evs.ev[i].seq,
				 evs.ev[i].arg, evs.ev[i].cpu);
			ok = false;
		}
	}
	vl_events_free(&evs);
	return ok;
}

/* @cpu is offline and its check will fail: the online fails, nothing else changes. */
static void online_must_fail(struct __test_metadata *_metadata, int cpu)
{
	struct vl_cpu before = vl_cpu_view(cpu), after;
	int ret;

	ret = vl_cpu_set_online(cpu, true);
	ASSERT_NE(0, ret) TH_LOG("cpu%d came online despite a failing check (L6)", cpu);
	ASSERT_FALSE(vl_cpu_is_online(cpu)) TH_LOG("cpu%d is online (L6)", cpu);
	ASSERT_STATE(vl_state_consistent);
	after = vl_cpu_view(cpu);
	EXPECT_FALSE(after.enabled);
	EXPECT_EQ(before.compat_failures + 1, after.compat_failures);
}

TEST_F(compat, injected_failure_blocks_online)
{
	int ret;

	if (self->cpu < 0)
		SKIP(return, "no hotpluggable CPU");
	ASSERT_EQ(0, vl_cpu_set_online(self->cpu, false));
	ASSERT_EQ(0, vl_inject("fail_compat", self->cpulist, 1));
	online_must_fail(_metadata, self->cpu);
	/* The injection was for one check only: the next online works. */
	ret = vl_cpu_set_online(self->cpu, true);
	ASSERT_EQ(0, ret) TH_LOG("online cpu%d: %s", self->cpu, strerror(-ret));
	ASSERT_STATE(vl_state_consistent);
}

/* A CPU whose features differ from the boot CPU's may not come online. */
TEST_F(compat, feature_mismatch_blocks_online)
{
	int ret;

	if (self->cpu < 0)
		SKIP(return, "no hotpluggable CPU");
	ASSERT_EQ(0, vl_cpu_set_online(self->cpu, false));
	ASSERT_EQ(0, simhw_set_features(self->cpu, "0x5a5a"));
	online_must_fail(_metadata, self->cpu);
	online_must_fail(_metadata, self->cpu);
	ASSERT_EQ(0, simhw_set_features(self->cpu, "default"));
	ret = vl_cpu_set_online(self->cpu, true);
	ASSERT_EQ(0, ret) TH_LOG("online cpu%d: %s", self->cpu, strerror(-ret));
	ASSERT_STATE(vl_state_consistent);
}

/* Each online runs one check, on the CPU coming online. */
TEST_F(compat, checked_on_target_cpu)
{
	char why[VL_WHY_LEN] = "";
	int cpus[CPU_SETSIZE], n, i, checks;
	cpu_set_t only0;

	/* Run from CPU 0 so that a check on the caller's CPU shows. */
	CPU_ZERO(&only0);
	CPU_SET(0, &only0);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(only0), &only0));
	n = vl_hotpluggable_cpus(cpus, CPU_SETSIZE);
	if (!n)
		SKIP(return, "no hotpluggable CPU");
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, vl_cpu_set_online(cpus[i], false));
		ASSERT_EQ(0, vl_cpu_set_online(cpus[i], true));
	}
	EXPECT_TRUE(checks_on_target(self->seq, &checks, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_EQ(n, checks);
}

/* The checks at load and at 0->1 also run on each target CPU. */
TEST_F(compat, load_checks_every_cpu)
{
	char why[VL_WHY_LEN] = "";
	cpu_set_t online, only0;
	int checks, vm;

	CPU_ZERO(&only0);
	CPU_SET(0, &only0);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(only0), &only0));
	ASSERT_EQ(0, vl_online_cpus(&online));
	ASSERT_EQ(0, vl_unload());
	ASSERT_EQ(0, vl_load("enable_at_load=0"));
	/* Load-time checks; then 0->1 checks each CPU again as it enables. */
	EXPECT_TRUE(checks_on_target(0, &checks, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_EQ(CPU_COUNT(&online), checks) TH_LOG("checks at load");
	self->seq = vl_last_seq();
	vm = vl_vm_create();
	ASSERT_LE(0, vm);
	EXPECT_TRUE(checks_on_target(self->seq, &checks, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_EQ(CPU_COUNT(&online), checks) TH_LOG("checks at 0->1");
}

/* A CPU failing its check at load: the load fails and leaves nothing (L6, L13). */
TEST_F(compat, load_fails_cleanly_then_succeeds)
{
	const char *params[] = { "enable_at_load=1", "enable_at_load=0" };
	int i, ret, cpus[CPU_SETSIZE], n;
	int cpu;

	n = vl_hotpluggable_cpus(cpus, CPU_SETSIZE);
	cpu = n ? cpus[n - 1] : 0;
	if (cpu == 0)
		SKIP(return, "needs a second CPU to differ from the boot CPU");
	ASSERT_EQ(0, vl_unload());
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, simhw_set_features(cpu, "0x5a5a"));
		ret = vl_load(params[i]);
		EXPECT_NE(0, ret) TH_LOG("%s: load succeeded with cpu%d incompatible",
					 params[i], cpu);
		if (!ret)
			ASSERT_EQ(0, vl_unload());
		ASSERT_STATE(vl_fully_unloaded);
		/* L12: the failed setup unpublished the backend. */
		ASSERT_EQ(0, simhw_set_features(cpu, "default"));
		ret = vl_load(params[i]);
		ASSERT_EQ(0, ret) TH_LOG("%s: load after a failed one: %s",
					 params[i], strerror(-ret));
		ASSERT_STATE(vl_state_consistent);
		ASSERT_EQ(0, vl_unload());
	}
}

/*
 * A CPU offline at load is not checked then (the load looks at online CPUs
 * only): an incompatible one does not fail the load, and its first online
 * runs the check the load skipped and is refused (L5, L6).
 */
TEST_F(compat, offline_at_load_checked_at_online)
{
	struct vl_cpu at_load;
	int ret;

	if (self->cpu < 0)
		SKIP(return, "no hotpluggable CPU");
	ASSERT_EQ(0, vl_unload());
	ASSERT_EQ(0, vl_cpu_set_online(self->cpu, false));
	ASSERT_EQ(0, simhw_set_features(self->cpu, "0x5a5a"));
	ret = vl_load("enable_at_load=1");
	ASSERT_EQ(0, ret) TH_LOG("load with incompatible cpu%d offline: %s",
				 self->cpu, strerror(-ret));
	ASSERT_STATE(vl_state_consistent);
	at_load = vl_cpu_view(self->cpu);
	ASSERT_EQ(self->cpu, at_load.cpu);
	EXPECT_EQ(0, at_load.compat_checks) TH_LOG("offline cpu%d checked at load", self->cpu);
	EXPECT_EQ(0, at_load.enables) TH_LOG("offline cpu%d enabled at load", self->cpu);
	online_must_fail(_metadata, self->cpu);
	ASSERT_EQ(0, simhw_set_features(self->cpu, "default"));
	ret = vl_cpu_set_online(self->cpu, true);
	ASSERT_EQ(0, ret) TH_LOG("online cpu%d: %s", self->cpu, strerror(-ret));
	ASSERT_STATE(vl_state_consistent);
	EXPECT_TRUE(vl_cpu_view(self->cpu).enabled);
}

VL_HARNESS_MAIN(VL_BASE_NEEDS)
