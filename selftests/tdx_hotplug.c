// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_hotplug - CPU and memory hotplug around the TDX module's
 * initialization.
 *
 * Invariants: T3 (LP.INIT exactly once per CPU per boot: not again after
 * offline/online or a reload of virtlife.ko; with a present CPU offline
 * the initialization is refused with -EBUSY before any SEAMCALL, since the
 * module would refuse it for the boot; once initialized, offline CPUs do
 * not matter; the TDX hotplug state after the virtualization state), T9 (with a TD alive, the last online CPU of a
 * package cannot go offline), T8 (once initialized, memory outside the
 * TDX memory list cannot be onlined; memory in it can go and come back).
 */
#include "tdx_test.h"
#include "hwvirt.h"

FIXTURE(tdx_cpu) {
	int cpus[CPU_SETSIZE];	/* hotpluggable CPUs */
	int n;
};

FIXTURE_SETUP(tdx_cpu)
{
	TDX_BOOT("", "enable_at_load=0");
	self->n = vl_hotpluggable_cpus(self->cpus, CPU_SETSIZE);
}

TDX_TEARDOWN(tdx_cpu)

static void cycle_all(struct __test_metadata *_metadata,
		      FIXTURE_DATA(tdx_cpu) *self, int rounds)
{
	int r, i, ret;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < self->n; i++) {
			ret = vl_cpu_set_online(self->cpus[i], false);
			ASSERT_EQ(0, ret) TH_LOG("offline cpu%d: %s", self->cpus[i],
						 strerror(-ret));
			ret = vl_cpu_set_online(self->cpus[i], true);
			ASSERT_EQ(0, ret) TH_LOG("online cpu%d: %s", self->cpus[i],
						 strerror(-ret));
		}
	}
}

/* T3: offline/online cycles and a reload do not repeat LP.INIT. */
TEST_F(tdx_cpu, lp_init_once_per_cpu_per_boot_T3)
{
	struct tdx_leaves l;

	if (!self->n)
		SKIP(return, "no hotpluggable CPU");
	ASSERT_ERRNO(0, tdx_enable());
	ASSERT_CHECK(tdx_first_init_ok(WHY));
	cycle_all(_metadata, self, 3);
	EXPECT_CHECK(tdx_lp_init_calls_are(1, WHY));
	/* A new virtlife.ko starts TDX again: its state's startup on every CPU. */
	ASSERT_EQ(0, vl_unload());
	ASSERT_EQ(0, vl_load("enable_at_load=0"));
	ASSERT_ERRNO(0, tdx_enable());
	cycle_all(_metadata, self, 2);
	EXPECT_CHECK(tdx_lp_init_calls_are(1, WHY));
	ASSERT_EQ(0, tdx_leaves(&l));
	EXPECT_EQ(tdx_nr_online_cpus(), l.calls[TDX_LP_INIT]);
	EXPECT_EQ(0, l.failures[TDX_LP_INIT]);
	EXPECT_EQ(1, l.calls[TDX_SYS_INIT]);
	ASSERT_STATE(vl_state_consistent);
	EXPECT_TDX_STATE("initialized", 0);
}

/*
 * T3: the module counts every CPU the BIOS enabled, so with one offline the
 * initialization would fail for the boot. The driver refuses it first:
 * -EBUSY, the CPU named, no SEAMCALL, still uninitialized; once the CPU is
 * back online the same request succeeds.
 */
TEST_F(tdx_cpu, offline_cpu_refused_before_any_seamcall_T3)
{
	struct tdx_core_state st;
	struct hv_kmsg log;
	struct tdx_leaves l;
	char msg[64];
	int cpu, ret;

	if (!self->n)
		SKIP(return, "no hotpluggable CPU");
	cpu = self->cpus[self->n - 1];
	ASSERT_EQ(0, vl_cpu_set_online(cpu, false));
	ASSERT_EQ(0, hv_kmsg_open(&log));
	EXPECT_ERRNO(-EBUSY, tdx_enable());
	snprintf(msg, sizeof(msg), "CPU %d present but offline", cpu);
	EXPECT_TRUE(hv_kmsg_has(&log, msg)) TH_LOG("no message '%s'", msg);
	hv_kmsg_close(&log);
	ASSERT_EQ(0, tdx_leaves(&l));
	EXPECT_EQ(0, tdx_leaves_total(&l)) TH_LOG("SEAMCALLs issued with cpu%d offline", cpu);
	EXPECT_TDX_STATE("uninitialized", 0);
	ASSERT_EQ(0, tdx_core_state(&st));
	EXPECT_STREQ("uninitialized", st.status);
	ASSERT_STATE(vl_state_consistent);

	ret = vl_cpu_set_online(cpu, true);
	ASSERT_EQ(0, ret) TH_LOG("online cpu%d: %s", cpu, strerror(-ret));
	ASSERT_ERRNO(0, tdx_enable());
	EXPECT_CHECK(tdx_first_init_ok(WHY));
}

/*
 * T3: a CPU offlined after the initialization keeps its LP.INIT: a new
 * virtlife.ko starts TDX with it offline (no refusal: the module is
 * initialized), and when it comes back its online callback issues nothing.
 */
TEST_F(tdx_cpu, offlined_after_init_keeps_lp_init_T3)
{
	static struct tdx_emu_cpu cpus[CPU_SETSIZE];
	int cpu, ret;

	if (!self->n)
		SKIP(return, "no hotpluggable CPU");
	cpu = self->cpus[self->n - 1];
	ASSERT_ERRNO(0, tdx_enable());
	ASSERT_EQ(0, vl_cpu_set_online(cpu, false));
	ASSERT_EQ(0, vl_unload());
	ASSERT_EQ(0, vl_load("enable_at_load=0"));
	ASSERT_ERRNO(0, tdx_enable());
	ret = vl_cpu_set_online(cpu, true);
	ASSERT_EQ(0, ret) TH_LOG("online cpu%d after init: %s", cpu, strerror(-ret));
	ASSERT_LT(cpu, tdx_emu_cpus(cpus, CPU_SETSIZE));
	EXPECT_EQ(1, cpus[cpu].lp_init_calls) TH_LOG("cpu%d offlined after init", cpu);
	EXPECT_CHECK(tdx_lp_init_calls_are(1, WHY));
	EXPECT_TDX_STATE("initialized", 0);
	ASSERT_STATE(vl_state_consistent);
}

/* T3: the TDX state runs after the virtualization state (lower number first). */
TEST_F(tdx_cpu, hotplug_state_order_T3)
{
	int vcpu, vtdx;

	EXPECT_EQ(-1, tdx_hp_state_number(VL_TDX_HP_STATE));
	ASSERT_ERRNO(0, tdx_enable());
	vcpu = tdx_hp_state_number(VL_HP_STATE);
	vtdx = tdx_hp_state_number(VL_TDX_HP_STATE);
	ASSERT_LE(0, vcpu) TH_LOG("%s missing", VL_HP_STATE);
	ASSERT_LE(0, vtdx) TH_LOG("%s missing", VL_TDX_HP_STATE);
	EXPECT_LT(vcpu, vtdx) TH_LOG("%s is state %d, %s is %d", VL_HP_STATE,
				     vcpu, VL_TDX_HP_STATE, vtdx);
	ASSERT_EQ(0, vl_unload());
	EXPECT_EQ(-1, tdx_hp_state_number(VL_TDX_HP_STATE));
	EXPECT_EQ(-1, tdx_hp_state_number(VL_HP_STATE));
}

/* A package all of whose online CPUs can go offline; its CPUs in @cpus. */
static int package_cpus(int *cpus, int max)
{
	cpu_set_t online;
	int pkg, cpu, n, other;

	if (vl_online_cpus(&online))
		return -1;
	for (pkg = 0; pkg < 1024; pkg++) {
		bool all = true;

		n = 0;
		other = 0;
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &online))
				continue;
			if (tdx_cpu_package(cpu) != pkg) {
				other++;
				continue;
			}
			if (!vl_cpu_hotpluggable(cpu))
				all = false;
			else if (n < max)
				cpus[n++] = cpu;
		}
		if (n && all && other)
			return n;
	}
	return 0;
}

/*
 * T9: with a TD alive, the last online CPU of a package cannot go offline
 * (EBUSY, and it stays online); the others can; once the TD is closed it
 * can, and without TDs (normal VM or not) it always could.
 */
TEST_F(tdx_cpu, last_cpu_of_package_busy_with_td_T9)
{
	int cpus[CPU_SETSIZE], n, i, td, ret, last, pkg;

	n = package_cpus(cpus, CPU_SETSIZE);
	if (n <= 0)
		SKIP(return, "no package whose CPUs can all go offline (and another package stays)");
	last = cpus[n - 1];
	pkg = tdx_cpu_package(last);
	td = tdx_td_create();
	ASSERT_LE(0, td) TH_LOG("TD: %s", tdx_errno_name(td));
	ASSERT_LE(0, vl_vm_create());
	for (i = 0; i < n - 1; i++) {
		ret = vl_cpu_set_online(cpus[i], false);
		ASSERT_EQ(0, ret) TH_LOG("offline cpu%d (not the last of its package): %s",
					 cpus[i], strerror(-ret));
	}
	ret = vl_cpu_set_online(last, false);
	EXPECT_EQ(-EBUSY, ret) TH_LOG("offline cpu%d, the last of package %d, with a TD: %s",
				      last, pkg, tdx_errno_name(ret));
	EXPECT_TRUE(vl_cpu_is_online(last));
	ASSERT_STATE(vl_state_consistent);

	ASSERT_EQ(0, vl_vm_close(td));
	ret = vl_cpu_set_online(last, false);
	EXPECT_EQ(0, ret) TH_LOG("offline cpu%d without TDs: %s", last, strerror(-ret));
	EXPECT_FALSE(vl_cpu_is_online(last));
	ASSERT_STATE(vl_state_consistent);
	ASSERT_EQ(0, vl_online_all_cpus());
	EXPECT_CHECK(tdx_lp_init_calls_are(1, WHY));
	ASSERT_STATE(vl_state_consistent);
}

/* ------------------------------------------------------- memory hotplug */

FIXTURE(tdx_memory) {
	int blocks[4096];
	int n;
};

FIXTURE_SETUP(tdx_memory)
{
	TDX_BOOT("", "");
	self->n = tdx_memory_blocks(self->blocks, 4096);
}

TDX_TEARDOWN(tdx_memory)

/* Offline the highest online block other than @not that goes; its number or -1. */
static int offline_some_block(FIXTURE_DATA(tdx_memory) *self, int not)
{
	int i;

	for (i = self->n - 1; i >= 0; i--) {
		int b = self->blocks[i];

		if (b == not || !tdx_block_online(b))
			continue;
		if (!tdx_block_set_online(b, false))
			return b;
	}
	return -1;
}

/*
 * T8: a block offline at initialization is outside the TDX memory list
 * and cannot be onlined afterwards; a block that was online at
 * initialization can go offline and come back.
 */
TEST_F(tdx_memory, online_outside_tdx_memory_refused_T8)
{
	struct tdx_range r[256];
	uint64_t bs = tdx_block_size(), start;
	int outside, inside, nr, i, ret;

	if (!bs || self->n <= 0)
		SKIP(return, "no memory blocks (CONFIG_MEMORY_HOTPLUG)");
	outside = offline_some_block(self, -1);
	if (outside < 0)
		SKIP(return, "no memory block could be offlined (platform: all in use or not removable)");
	start = (uint64_t)outside * bs;
	ASSERT_ERRNO(0, tdx_enable());
	nr = tdx_core_memlist(r, 256);
	ASSERT_LT(0, nr);
	for (i = 0; i < nr; i++)
		EXPECT_FALSE(r[i].start < start + bs && start < r[i].end)
			TH_LOG("offline block %d [%#llx, +%#llx) in the memory list [%#llx, %#llx)",
			       outside, (unsigned long long)start,
			       (unsigned long long)bs, (unsigned long long)r[i].start,
			       (unsigned long long)r[i].end);

	ret = tdx_block_set_online(outside, true);
	EXPECT_NE(0, ret) TH_LOG("memory%d, offline at init, was onlined", outside);
	EXPECT_FALSE(tdx_block_online(outside));

	inside = offline_some_block(self, outside);
	if (inside < 0)
		SKIP(return, "no second memory block could be offlined");
	ret = tdx_block_set_online(inside, true);
	EXPECT_EQ(0, ret) TH_LOG("memory%d, online at init, cannot come back: %s",
				 inside, strerror(-ret));
	EXPECT_TRUE(tdx_block_online(inside));
	EXPECT_TDX_STATE("initialized", 0);
}

TDX_HARNESS_MAIN(VL_BASE_NEEDS)
