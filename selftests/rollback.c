// SPDX-License-Identifier: GPL-2.0
/*
 * rollback - an enable failing on one CPU during 0->1 undoes everything.
 *
 * Invariant: L6 (CPUs enabled so far are disabled again, no syscore ops or
 * hotplug state stay registered, the usage count returns to its old value).
 */
#include "vl_test.h"

FIXTURE(rollback) {
	int cpu;		/* the CPU whose enable fails */
	char fault[32];		/* "CPU 1" */
};

FIXTURE_VARIANT(rollback) {
	bool last;		/* fail on the last online CPU, else the first */
};

FIXTURE_VARIANT_ADD(rollback, first_cpu) {
	.last = false,
};

FIXTURE_VARIANT_ADD(rollback, last_cpu) {
	.last = true,
};

FIXTURE_SETUP(rollback)
{
	cpu_set_t online;
	int cpu;

	VL_SETUP("enable_at_load=0");
	ASSERT_EQ(0, vl_online_cpus(&online));
	self->cpu = -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &online))
			continue;
		if (self->cpu < 0 || variant->last)
			self->cpu = cpu;
	}
	snprintf(self->fault, sizeof(self->fault), "%d 1", self->cpu);
}

VL_STANDARD_TEARDOWN(rollback)

/* Every CPU enabled by the failed attempt was disabled after it. */
static bool attempt_undone(uint64_t since, char *why, size_t len)
{
	struct vl_events evs;
	int i, j, enabled = 0;
	bool ok = true;

	if (vl_events_since(since, &evs) < 0)
		return snprintf(why, len, "cannot read the event log"), false;
	if (vl_event_find(&evs, 0, "enable_unwind") < 0) {
		snprintf(why, len, "no enable_unwind event");
		ok = false;
	}
	if (vl_event_find(&evs, 0, "enable_done") >= 0) {
		snprintf(why, len, "enable_done logged for a failed enable");
		ok = false;
	}
	for (i = 0; i < evs.n && ok; i++) {
		if (strcmp(evs.ev[i].name, "cpu_enable"))
			continue;
		enabled++;
		for (j = i + 1; j < evs.n; j++)
			if (!strcmp(evs.ev[j].name, "cpu_disable") &&
			    evs.ev[j].arg == evs.ev[i].arg)
				break;
		if (j == evs.n) {
			snprintf(why, len, "cpu%lld enabled, never disabled (L6)",
				 evs.ev[i].arg);
			ok = false;
		}
	}
	vl_events_free(&evs);
	return ok;
}

TEST_F(rollback, vm_create_unwinds)
{
	char why[VL_WHY_LEN] = "";
	uint64_t usage, fails0 = 0, fails1 = 0, seq;
	int vm;

	ASSERT_EQ(0, vl_counter("enable_all_failures", &fails0));
	ASSERT_EQ(0, vl_write(VL_DEBUGFS "/fail_enable", self->fault));
	seq = vl_last_seq();
	vm = vl_vm_create();
	ASSERT_GT(0, vm) TH_LOG("VM created although cpu%d failed to enable", self->cpu);
	EXPECT_EQ(-EIO, vm);
	ASSERT_EQ(0, vl_usage(&usage));
	EXPECT_EQ(0, usage) TH_LOG("usage count not restored (L6)");
	ASSERT_STATE(vl_state_consistent);
	ASSERT_EQ(0, vl_counter("enable_all_failures", &fails1));
	EXPECT_EQ(fails0 + 1, fails1);
	EXPECT_TRUE(attempt_undone(seq, why, sizeof(why))) TH_LOG("%s", why);
	/* The fault was for one enable: the next attempt works. */
	vm = vl_vm_create();
	ASSERT_LE(0, vm) TH_LOG("create after rollback: %s", strerror(-vm));
	ASSERT_STATE(vl_state_consistent);
}

/* Repeated failures never leak a reference or an enabled CPU. */
TEST_F(rollback, repeated_failures)
{
	uint64_t usage;
	int i, vm;

	char list[16];

	snprintf(list, sizeof(list), "%d", self->cpu);
	ASSERT_EQ(0, vl_inject("fail_enable", list, 20));
	for (i = 0; i < 20; i++) {
		vm = vl_vm_create();
		ASSERT_GT(0, vm) TH_LOG("attempt %d succeeded", i);
		ASSERT_EQ(0, vl_usage(&usage));
		ASSERT_EQ(0, usage);
		ASSERT_STATE(vl_state_consistent);
	}
	vm = vl_vm_create();
	ASSERT_LE(0, vm) TH_LOG("create after 20 failures: %s", strerror(-vm));
}

/* The same failure during module load with enable_at_load=1. */
TEST_F(rollback, load_unwinds)
{
	char params[64];
	int ret;

	ASSERT_EQ(0, vl_unload());
	snprintf(params, sizeof(params), "enable_at_load=1 fail_enable=\"%s\"",
		 self->fault);
	ret = vl_load(params);
	ASSERT_NE(0, ret) TH_LOG("load succeeded although cpu%d failed", self->cpu);
	ASSERT_STATE(vl_fully_unloaded);
	ret = vl_load("enable_at_load=1");
	ASSERT_EQ(0, ret) TH_LOG("load after a failed one: %s", strerror(-ret));
	ASSERT_STATE(vl_state_consistent);
}

VL_HARNESS_MAIN(VL_BASE_NEEDS)
