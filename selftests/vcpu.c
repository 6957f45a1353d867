// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu - vCPUs and the VMCSs the CPUs keep loaded.
 *
 * Invariant: L8 (a CPU clears every VMCS it has loaded before it turns
 * virtualization off: the hardware keeps the cached state of an active
 * VMCS across VMXOFF and INIT). The simulated hardware is the witness:
 * its active_vmcs per CPU, and vmxoff_active / vmcs_elsewhere, which
 * vl_state_consistent requires to be 0.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "virtlife.h"
#include "vl_test.h"

FIXTURE(vcpu) {
	int vm;
	int online[CPU_SETSIZE], n;	/* online CPUs, in order */
	int hot[CPU_SETSIZE], nhot;	/* the hotpluggable ones */
};

FIXTURE_SETUP(vcpu)
{
	cpu_set_t set;
	int cpu;

	VL_SETUP("enable_at_load=0");
	ASSERT_EQ(0, vl_online_cpus(&set));
	self->n = 0;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			self->online[self->n++] = cpu;
	ASSERT_LE(2, self->n) TH_LOG("needs two online CPUs");
	self->nhot = vl_hotpluggable_cpus(self->hot, CPU_SETSIZE);
	self->vm = vl_vm_create();
	ASSERT_LE(0, self->vm) TH_LOG("VM: %s", strerror(-self->vm));
}

VL_STANDARD_TEARDOWN(vcpu)

/* The VMCSs active on @cpu, as the simulated hardware counts them. */
static int64_t active_on(int cpu)
{
	struct simhw_cpu c[CPU_SETSIZE];
	int n = simhw_cpus(c, CPU_SETSIZE);

	return cpu < n ? (int64_t)c[cpu].active_vmcs : -1;
}

/* One vCPU run on every online CPU stays loaded there until closed. */
TEST_F(vcpu, loaded_where_it_ran_until_closed_L8)
{
	int vcpu[CPU_SETSIZE], i, r;

	for (i = 0; i < self->n; i++) {
		vcpu[i] = vl_vcpu_create(self->vm);
		ASSERT_LE(0, vcpu[i]) TH_LOG("vCPU %d: %s", i, strerror(-vcpu[i]));
		r = vl_vcpu_run_on(vcpu[i], self->online[i]);
		ASSERT_EQ(self->online[i], r) TH_LOG("run on cpu%d: %s",
						     self->online[i], strerror(-r));
	}
	for (i = 0; i < self->n; i++)
		EXPECT_EQ(1, active_on(self->online[i]));
	ASSERT_STATE(vl_state_consistent);
	for (i = 0; i < self->n; i++) {
		ASSERT_EQ(0, vl_vm_close(vcpu[i]));
		EXPECT_EQ(0, active_on(self->online[i]));
	}
	ASSERT_STATE(vl_state_consistent);
}

/* Run elsewhere: cleared on the old CPU first, loaded on the new one. */
TEST_F(vcpu, moves_with_a_vmclear_on_the_old_cpu_L8)
{
	int first = self->online[0], last = self->online[self->n - 1];
	int vcpu = vl_vcpu_create(self->vm);

	ASSERT_LE(0, vcpu);
	ASSERT_EQ(first, vl_vcpu_run_on(vcpu, first));
	ASSERT_EQ(first, vl_vcpu_run_on(vcpu, first));
	EXPECT_EQ(1, active_on(first));
	ASSERT_EQ(last, vl_vcpu_run_on(vcpu, last));
	EXPECT_EQ(0, active_on(first));
	EXPECT_EQ(1, active_on(last));
	ASSERT_STATE(vl_state_consistent);
}

/* A CPU going offline clears what it has loaded before VMXOFF. */
TEST_F(vcpu, offline_cpu_clears_its_vmcs_L8)
{
	int vcpu = vl_vcpu_create(self->vm), cpu, r;

	if (!self->nhot)
		SKIP(return, "no hotpluggable CPU");
	cpu = self->hot[self->nhot - 1];
	ASSERT_LE(0, vcpu);
	ASSERT_EQ(cpu, vl_vcpu_run_on(vcpu, cpu));
	r = vl_cpu_set_online(cpu, false);
	ASSERT_EQ(0, r) TH_LOG("offline cpu%d: %s", cpu, strerror(-r));
	EXPECT_EQ(0, active_on(cpu));
	ASSERT_STATE(vl_state_consistent);
	ASSERT_EQ(0, vl_cpu_set_online(cpu, true));
	ASSERT_EQ(cpu, vl_vcpu_run_on(vcpu, cpu));
	EXPECT_EQ(1, active_on(cpu));
	ASSERT_STATE(vl_state_consistent);
}

/* Each ioctl on the descriptor it belongs to only. */
TEST_F(vcpu, ioctls_on_the_wrong_descriptor_refused)
{
	int vcpu = vl_vcpu_create(self->vm);

	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-1, ioctl(self->vm, VIRTLIFE_RUN, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(vcpu, VIRTLIFE_CREATE_VCPU, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(vcpu, VIRTLIFE_CREATE_VM, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(0, active_on(self->online[0]));
	ASSERT_STATE(vl_state_consistent);
}

VL_HARNESS_MAIN(VL_BASE_NEEDS)
