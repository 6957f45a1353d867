// SPDX-License-Identifier: GPL-2.0
/*
 * usage - the usage count, VM references and enable_at_load.
 *
 * Invariants: L1 (real work only on 0->1 and 1->0), L7 (hotplug state
 * exists iff usage > 0), L10 (enable_at_load).
 */
#include <sys/wait.h>
#include <unistd.h>

#include "vl_test.h"

FIXTURE(usage) {
	uint64_t base;		/* references held by the driver itself */
};

FIXTURE_VARIANT(usage) {
	const char *params;
	uint64_t base;
};

FIXTURE_VARIANT_ADD(usage, at_load) {
	.params = "enable_at_load=1",
	.base = 1,
};

FIXTURE_VARIANT_ADD(usage, on_demand) {
	.params = "enable_at_load=0",
	.base = 0,
};

FIXTURE_SETUP(usage)
{
	VL_SETUP(variant->params);
	self->base = variant->base;
}

VL_STANDARD_TEARDOWN(usage)

static uint64_t usage_now(void)
{
	uint64_t usage = ~0ULL;

	vl_usage(&usage);
	return usage;
}

static uint64_t counter(const char *name)
{
	uint64_t val = ~0ULL;

	vl_counter(name, &val);
	return val;
}

TEST_F(usage, count_follows_vms)
{
	uint64_t enable_all0 = counter("enable_all");
	uint64_t disable_all0 = counter("disable_all");
	int vm[3], i;

	ASSERT_EQ(self->base, usage_now());
	ASSERT_STATE(vl_state_consistent);
	for (i = 0; i < 3; i++) {
		vm[i] = vl_vm_create();
		ASSERT_LE(0, vm[i]) TH_LOG("VM %d: %s", i, strerror(-vm[i]));
		ASSERT_EQ(self->base + i + 1, usage_now());
		ASSERT_STATE(vl_state_consistent);
	}
	/* Only a 0->1 transition enables. */
	EXPECT_EQ(enable_all0 + !self->base, counter("enable_all"));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, vl_vm_close(vm[i]));
		ASSERT_EQ(self->base + 2 - i, usage_now());
		ASSERT_STATE(vl_state_consistent);
	}
	/* Only a 1->0 transition disables. */
	EXPECT_EQ(disable_all0 + !self->base, counter("disable_all"));
	EXPECT_EQ(enable_all0 + !self->base, counter("enable_all"));
}

/* References held by a process are dropped when it dies without closing. */
TEST_F(usage, exit_drops_references)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int a = vl_vm_create(), b = vl_vm_create();

		_exit(a >= 0 && b >= 0 && usage_now() == self->base + 2 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child could not hold two VMs");
	ASSERT_EQ(self->base, usage_now());
	ASSERT_STATE(vl_state_consistent);
}

/*
 * The VM's fd is the last step of its creation: when there is none left,
 * the unwind gives the usage reference back (a 0->1 enable is undone);
 * a vCPU that gets no fd gives its reference on the VM back, so that the
 * VM's close still drops the usage count.
 */
TEST_F(usage, no_fd_left_unwinds)
{
	uint64_t enable_all0 = counter("enable_all");
	uint64_t disable_all0 = counter("disable_all");
	struct vl_fds_hold hold;
	int vm, vcpu;

	/* One fd for /dev/virtlife, none for the VM. */
	ASSERT_EQ(0, vl_fds_hold(&hold, 1));
	vm = vl_vm_create();
	vl_fds_release(&hold);
	EXPECT_EQ(-EMFILE, vm);
	EXPECT_EQ(self->base, usage_now());
	EXPECT_EQ(enable_all0 + !self->base, counter("enable_all"));
	EXPECT_EQ(disable_all0 + !self->base, counter("disable_all"));
	ASSERT_STATE(vl_state_consistent);

	vm = vl_vm_create();
	ASSERT_LE(0, vm) TH_LOG("VM: %s", strerror(-vm));
	ASSERT_EQ(0, vl_fds_hold(&hold, 0));
	vcpu = vl_vcpu_create(vm);
	vl_fds_release(&hold);
	EXPECT_EQ(-EMFILE, vcpu);
	ASSERT_EQ(0, vl_vm_close(vm));
	EXPECT_EQ(self->base, usage_now()) TH_LOG("the failed vCPU kept the VM");
	ASSERT_STATE(vl_state_consistent);
}

/* Many VMs at once: the count is exact, each CPU enabled at most once. */
TEST_F(usage, many_vms)
{
	static struct simhw_cpu before[CPU_SETSIZE], after[CPU_SETSIZE];
	cpu_set_t online;
	int i, n, cpu;

	ASSERT_EQ(0, vl_online_cpus(&online));
	n = simhw_cpus(before, CPU_SETSIZE);
	ASSERT_LT(0, n);
	for (i = 0; i < 200; i++)
		ASSERT_LE(0, vl_vm_create());
	ASSERT_EQ(self->base + 200, usage_now());
	ASSERT_STATE(vl_state_consistent);
	vl_vm_close_all();
	ASSERT_EQ(self->base, usage_now());
	ASSERT_STATE(vl_state_consistent);
	ASSERT_EQ(n, simhw_cpus(after, CPU_SETSIZE));
	for (cpu = 0; cpu < n; cpu++) {
		/* Already enabled by enable_at_load: no work; else one cycle. */
		uint64_t want = !self->base && CPU_ISSET(cpu, &online);

		EXPECT_EQ(want, after[cpu].enables - before[cpu].enables)
			TH_LOG("cpu%d", cpu);
		EXPECT_EQ(want, after[cpu].disables - before[cpu].disables)
			TH_LOG("cpu%d", cpu);
	}
}

VL_HARNESS_MAIN(VL_BASE_NEEDS)
