// SPDX-License-Identifier: GPL-2.0
/*
 * Suspend with the running kernel's KVM (kvm_amd): runs from tmpfs,
 * statically linked, in a guest of its own (a suspend that reaches the
 * devices kills the guest's 9p root). kvm_amd and msr are loaded before the
 * first suspend, and kvm.ko and kvm_amd kept in memory for the reloads of
 * the next configurations (finit_module); nothing is exec'ed after it.
 *
 * Rule (all kernels since syscore ops, 6.1 included): the other CPUs go
 * down and up through the hotplug state (6.1: kvm_dying_cpu /
 * kvm_starting_cpu in "kvm/cpu:starting"; 6.12: kvm_offline_cpu /
 * kvm_online_cpu in "kvm/cpu:online"), the boot CPU through the syscore ops
 * (kvm_suspend/kvm_resume) with IRQs off; after resume every online CPU has
 * EFER.SVME set iff the usage count is above 0: VMs exist, or (6.12+ with
 * enable_virt_at_load=Y) kvm_amd is loaded (L9). Every case runs once per
 * configuration of kvm.ko (kvmt_test.h).
 */
#include "kvmt_test.h"

static bool run_everywhere(struct kvmt_vm *vm, char *why, size_t len)
{
	cpu_set_t online;
	int cpu;

	if (kvmt_online_cpus(&online)) {
		snprintf(why, len, "online CPUs unreadable");
		return false;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &online) && !kvmt_vm_run(vm, cpu, why, len))
			return false;
	return true;
}

#define SUSPEND(state, pm_test)						\
	do {								\
		int __ret;						\
									\
		if (!kvmt_sleep_available(state))			\
			SKIP(return, "no \"%s\" in /sys/power/state", state); \
		__ret = kvmt_suspend(state, pm_test);			\
		if (__ret == -EOPNOTSUPP)				\
			SKIP(return, "no S3 (/sys/power/mem_sleep lacks deep) or no pm_test"); \
		ASSERT_EQ(0, __ret) TH_LOG("suspend %s (pm_test %s): %s", \
					   state, pm_test, strerror(-__ret)); \
	} while (0)

/* pm_test=core: devices, CPUs and syscore ops go down and come back. */
KVMT_TEST(pm_test_core_with_vm, 120)
{
	struct kvmt_vm *vm = kvmt_vm_create();

	CHECK(run_everywhere(vm, WHY));
	SUSPEND("mem", "core");
	CHECK(kvmt_svme_follow_rule(-1, 1, WHY));
	CHECK(kvmt_states_follow_rule(1, WHY));
	CHECK(run_everywhere(vm, WHY));
	kvmt_vm_free(vm);
	CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
}

KVMT_TEST(pm_test_core_without_vm, 120)
{
	struct kvmt_vm *vm;

	SUSPEND("mem", "core");
	CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
	CHECK(kvmt_states_follow_rule(0, WHY));
	vm = kvmt_vm_create();
	CHECK(kvmt_svme_follow_rule(-1, 1, WHY));
	CHECK(run_everywhere(vm, WHY));
	kvmt_vm_free(vm);
	CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
}

/* A real S3, woken by the RTC: the firmware's resume path, then the same. */
KVMT_TEST(real_s3_with_vm, 120)
{
	struct kvmt_vm *vm = kvmt_vm_create();
	int ret;

	CHECK(run_everywhere(vm, WHY));
	ret = kvmt_rtc_wake_in(3);
	if (ret)
		SKIP(kvmt_vm_free(vm); return, "no RTC wake alarm: %s", strerror(-ret));
	SUSPEND("mem", "none");
	CHECK(kvmt_svme_follow_rule(-1, 1, WHY));
	CHECK(run_everywhere(vm, WHY));
	kvmt_vm_free(vm);
	CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
}

KVMT_HARNESS_MAIN_SUSPENDING
