// SPDX-License-Identifier: GPL-2.0
/*
 * reload - module load/unload cycles leave nothing behind.
 *
 * Invariants: L7 (hotplug state exists iff usage > 0), L10 (enable_at_load
 * holds one reference from load to unload), L13 (clean unload).
 */
#include <stdlib.h>
#include <unistd.h>

#include "vl_test.h"

/* Totals of the witness's per-CPU counters. */
static void hw_totals(uint64_t *enables, uint64_t *disables)
{
	static struct simhw_cpu hw[CPU_SETSIZE];
	int cpu, n = simhw_cpus(hw, CPU_SETSIZE);

	*enables = *disables = 0;
	for (cpu = 0; cpu < n; cpu++) {
		*enables += hw[cpu].enables;
		*disables += hw[cpu].disables;
	}
}

FIXTURE(reload) {
	int cycles;
};

FIXTURE_SETUP(reload)
{
	char *env = getenv("VIRTLIFE_RELOAD_CYCLES");
	int ret = vl_reset_platform();

	ASSERT_EQ(0, ret) TH_LOG("reset: %s", strerror(-ret));
	self->cycles = env ? atoi(env) : 50;
	if (self->cycles < 1)
		self->cycles = 50;
}

VL_STANDARD_TEARDOWN(reload)

/*
 * Alternate enable_at_load=1 and =0 (with one VM), checking after each load
 * and each unload; the hardware must see exactly one enable and one disable
 * per online CPU per cycle.
 */
TEST_F_TIMEOUT(reload, cycles_balance, 600)
{
	uint64_t en0, dis0, en, dis, usage;
	cpu_set_t online;
	int i, vm, ret, ncpus;
	double t0 = vl_now();

	ASSERT_EQ(0, vl_online_cpus(&online));
	ncpus = CPU_COUNT(&online);
	hw_totals(&en0, &dis0);
	for (i = 0; i < self->cycles; i++) {
		bool at_load = !(i & 1);

		ret = vl_load(at_load ? "enable_at_load=1" : "enable_at_load=0");
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: insmod: %s", i, strerror(-ret));
		ASSERT_EQ(0, vl_usage(&usage));
		ASSERT_EQ(at_load ? 1 : 0, usage) TH_LOG("cycle %d", i);
		ASSERT_STATE(vl_state_consistent);
		if (!at_load) {
			vm = vl_vm_create();
			ASSERT_LE(0, vm) TH_LOG("cycle %d: create VM: %s", i, strerror(-vm));
			ASSERT_STATE(vl_state_consistent);
			ASSERT_EQ(0, vl_vm_close(vm));
			ASSERT_STATE(vl_state_consistent);
		}
		ret = vl_unload();
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: rmmod: %s", i, strerror(-ret));
		ASSERT_STATE(vl_fully_unloaded);
		if (self->cycles >= 100 && (i + 1) % (self->cycles / 10) == 0)
			vl_note("reload: %d/%d cycles, %.2f/s", i + 1, self->cycles,
				(i + 1) / (vl_now() - t0));
	}
	hw_totals(&en, &dis);
	EXPECT_EQ((uint64_t)self->cycles * ncpus, en - en0);
	EXPECT_EQ((uint64_t)self->cycles * ncpus, dis - dis0);
	vl_note("%d cycles, %.1f ms per cycle", self->cycles,
		(vl_now() - t0) * 1000 / self->cycles);
}

/* A VM fd pins the module: unload is refused and changes nothing. */
TEST_F(reload, vm_pins_module)
{
	uint64_t usage;
	int vm, ret;

	ASSERT_EQ(0, vl_load("enable_at_load=0"));
	vm = vl_vm_create();
	ASSERT_LE(0, vm);
	ret = vl_try_unload();
	EXPECT_NE(0, ret) TH_LOG("rmmod succeeded with a VM open");
	ASSERT_TRUE(vl_loaded());
	ASSERT_EQ(0, vl_usage(&usage));
	EXPECT_EQ(1, usage);
	ASSERT_STATE(vl_state_consistent);
	ASSERT_EQ(0, vl_vm_close(vm));
	ASSERT_EQ(0, vl_unload());
	ASSERT_STATE(vl_fully_unloaded);
}

/*
 * The simulated hardware outlives the driver: one load/unload adds exactly
 * one enable and one disable to each online CPU's witness counters.
 */
TEST_F(reload, witness_survives_reload)
{
	static struct simhw_cpu before[CPU_SETSIZE], after[CPU_SETSIZE];
	cpu_set_t online;
	int n, cpu;

	ASSERT_EQ(0, vl_online_cpus(&online));
	n = simhw_cpus(before, CPU_SETSIZE);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, vl_load("enable_at_load=1"));
	ASSERT_EQ(0, vl_unload());
	ASSERT_EQ(n, simhw_cpus(after, CPU_SETSIZE));
	for (cpu = 0; cpu < n; cpu++) {
		uint64_t want = CPU_ISSET(cpu, &online) ? 1 : 0;

		EXPECT_EQ(want, after[cpu].enables - before[cpu].enables)
			TH_LOG("cpu%d", cpu);
		EXPECT_EQ(want, after[cpu].disables - before[cpu].disables)
			TH_LOG("cpu%d", cpu);
	}
}

VL_HARNESS_MAIN(VL_BASE_NEEDS)
