// SPDX-License-Identifier: GPL-2.0
/*
 * hotplug - CPU offline/online with usage 0 and usage > 0.
 *
 * Invariants: L4 (every online CPU enabled iff usage > 0, offline CPUs
 * disabled, never twice), L5 (a compatibility check on every online),
 * L7 (no callbacks while the hotplug state does not exist).
 */
#include "vl_test.h"

FIXTURE(hotplug) {
	int cpus[CPU_SETSIZE];
	int n;
};

FIXTURE_VARIANT(hotplug) {
	bool hold_vm;
};

FIXTURE_VARIANT_ADD(hotplug, usage0) {
	.hold_vm = false,
};

FIXTURE_VARIANT_ADD(hotplug, usage1) {
	.hold_vm = true,
};

FIXTURE_SETUP(hotplug)
{
	VL_SETUP("enable_at_load=0");
	self->n = vl_hotpluggable_cpus(self->cpus, CPU_SETSIZE);
	if (variant->hold_vm)
		ASSERT_LE(0, vl_vm_create());
}

VL_STANDARD_TEARDOWN(hotplug)

/* Each hotpluggable CPU goes down and comes back, one at a time. */
TEST_F(hotplug, one_by_one)
{
	int i;

	if (!self->n)
		SKIP(return, "no hotpluggable CPU");
	for (i = 0; i < self->n; i++) {
		int cpu = self->cpus[i];
		struct vl_cpu before = vl_cpu_view(cpu), after;
		int ret;

		ASSERT_EQ(cpu, before.cpu);
		ret = vl_cpu_set_online(cpu, false);
		ASSERT_EQ(0, ret) TH_LOG("offline cpu%d: %s", cpu, strerror(-ret));
		ASSERT_STATE(vl_state_consistent);
		ret = vl_cpu_set_online(cpu, true);
		ASSERT_EQ(0, ret) TH_LOG("online cpu%d: %s", cpu, strerror(-ret));
		ASSERT_STATE(vl_state_consistent);
		after = vl_cpu_view(cpu);
		/* With the state registered, one callback each way. */
		EXPECT_EQ(variant->hold_vm, after.offline - before.offline);
		EXPECT_EQ(variant->hold_vm, after.online - before.online);
		EXPECT_EQ(variant->hold_vm, after.compat_checks - before.compat_checks);
		EXPECT_EQ(variant->hold_vm, after.enables - before.enables);
		EXPECT_EQ(variant->hold_vm, after.disables - before.disables);
	}
}

/* All hotpluggable CPUs down at once, then back in reverse order. */
TEST_F(hotplug, all_down_then_up)
{
	int i, ret;

	if (!self->n)
		SKIP(return, "no hotpluggable CPU");
	for (i = 0; i < self->n; i++) {
		ret = vl_cpu_set_online(self->cpus[i], false);
		if (ret == -EBUSY)	/* the platform's answer, not ours */
			break;
		ASSERT_EQ(0, ret) TH_LOG("offline cpu%d: %s", self->cpus[i],
					 strerror(-ret));
		ASSERT_STATE(vl_state_consistent);
	}
	for (i = i - 1; i >= 0; i--) {
		ret = vl_cpu_set_online(self->cpus[i], true);
		ASSERT_EQ(0, ret) TH_LOG("online cpu%d: %s", self->cpus[i],
					 strerror(-ret));
		ASSERT_STATE(vl_state_consistent);
	}
}

/* A CPU that was offline while usage went 0->1 is enabled when it returns. */
TEST_F(hotplug, offline_across_transition)
{
	int cpu, vm, ret;

	if (!self->n)
		SKIP(return, "no hotpluggable CPU");
	cpu = self->cpus[self->n - 1];
	ASSERT_EQ(0, vl_cpu_set_online(cpu, false));
	vm = vl_vm_create();
	ASSERT_LE(0, vm);
	ASSERT_STATE(vl_state_consistent);
	ret = vl_cpu_set_online(cpu, true);
	ASSERT_EQ(0, ret) TH_LOG("online cpu%d: %s", cpu, strerror(-ret));
	ASSERT_STATE(vl_state_consistent);
	ASSERT_EQ(0, vl_cpu_set_online(cpu, false));
	ASSERT_EQ(0, vl_vm_close(vm));
	vl_vm_close_all();
	ASSERT_STATE(vl_state_consistent);
	ASSERT_EQ(0, vl_cpu_set_online(cpu, true));
	ASSERT_STATE(vl_state_consistent);
}

/*
 * Loaded with a CPU already offline: the load's per-CPU work leaves it
 * alone, and its first online does what the load would have done for it,
 * once (L4, L5).
 */
FIXTURE(offline_at_load) {
	int cpu;
};

FIXTURE_VARIANT(offline_at_load) {
	const char *params;
	bool enabled_at_load;
};

FIXTURE_VARIANT_ADD(offline_at_load, enable_at_load) {
	.params = "enable_at_load=1",
	.enabled_at_load = true,
};

FIXTURE_VARIANT_ADD(offline_at_load, on_demand) {
	.params = "enable_at_load=0",
	.enabled_at_load = false,
};

FIXTURE_SETUP(offline_at_load)
{
	int cpus[CPU_SETSIZE], n, ret;

	ret = vl_reset_platform();
	ASSERT_EQ(0, ret) TH_LOG("reset: %s", strerror(-ret));
	n = vl_hotpluggable_cpus(cpus, CPU_SETSIZE);
	self->cpu = n ? cpus[n - 1] : -1;
	if (self->cpu >= 0)
		ASSERT_EQ(0, vl_cpu_set_online(self->cpu, false));
	ret = vl_load(variant->params);
	ASSERT_EQ(0, ret) TH_LOG("insmod virtlife %s with cpu%d offline: %s",
				 variant->params, self->cpu, strerror(-ret));
}

VL_STANDARD_TEARDOWN(offline_at_load)

TEST_F(offline_at_load, first_online_enables_once)
{
	struct vl_cpu at_load, after;
	int vm = -1, ret;

	if (self->cpu < 0)
		SKIP(return, "no hotpluggable CPU");
	ASSERT_STATE(vl_state_consistent);
	at_load = vl_cpu_view(self->cpu);
	ASSERT_EQ(self->cpu, at_load.cpu);
	EXPECT_FALSE(at_load.enabled);
	EXPECT_EQ(0, at_load.enables);
	EXPECT_EQ(0, at_load.compat_checks);
	EXPECT_EQ(0, at_load.online);
	if (!variant->enabled_at_load) {
		vm = vl_vm_create();
		ASSERT_LE(0, vm) TH_LOG("VM: %s", strerror(-vm));
		ASSERT_STATE(vl_state_consistent);
		EXPECT_EQ(0, vl_cpu_view(self->cpu).enables) TH_LOG("offline cpu%d enabled at 0->1",
								   self->cpu);
	}
	ret = vl_cpu_set_online(self->cpu, true);
	ASSERT_EQ(0, ret) TH_LOG("online cpu%d: %s", self->cpu, strerror(-ret));
	ASSERT_STATE(vl_state_consistent);
	after = vl_cpu_view(self->cpu);
	EXPECT_TRUE(after.enabled);
	EXPECT_EQ(1, after.online);
	EXPECT_EQ(1, after.compat_checks);
	EXPECT_EQ(1, after.enables);
	EXPECT_EQ(0, after.disables);
	if (vm >= 0)
		ASSERT_EQ(0, vl_vm_close(vm));
	ASSERT_STATE(vl_state_consistent);
}

VL_HARNESS_MAIN(VL_BASE_NEEDS | VL_NEED_HOTPLUG)
