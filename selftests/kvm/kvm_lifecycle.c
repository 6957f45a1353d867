// SPDX-License-Identifier: GPL-2.0
/*
 * The enable/disable lifecycle of the running kernel's KVM (kvm_amd),
 * driven with the kernel's KVM selftests library (VMs with one vCPU running
 * a guest) and observed through EFER.SVME on every CPU (/dev/cpu/N/msr),
 * the CPU-hotplug states file, kvm.ko's parameters and the kernel log.
 *
 * Every expectation comes from the rule of kvmt_util.h for the running
 * kernel (printed first, and in every failure): on 6.1, the state
 * "kvm/cpu:starting" exists while kvm_amd is loaded, SVM is enabled on
 * every online CPU by the first VM and disabled after the last (L1, L4, L7
 * as the kernel of that version implements them); from 6.12 the usage
 * count has one reference from kvm_amd's load to its unload with
 * enable_virt_at_load=Y (L10), none with N, plus one per VM, and SVM and
 * "kvm/cpu:online" follow it. Every case runs once per configuration
 * (kvm.virt_at_load_Y.*, kvm.virt_at_load_N.*, kvm.no_virt_at_load.* for
 * kernels without the parameter).
 */
#include <time.h>

#include "kvmt_test.h"

/* The hotplug state and kvm.ko's parameters are those of the version rule. */
KVMT_TEST(rule_states_and_params, 120)
{
	CHECK(kvmt_states_follow_rule(0, WHY));
	CHECK(kvmt_params_follow_rule(variant->at_load, WHY));
}

/* A VM enables SVM on every online CPU (usage count +1), its vCPU runs on
 * each, and its end leaves SVM as the usage count without it says: off
 * everywhere (0) unless kvm_amd's load holds one (enable_virt_at_load=Y). */
KVMT_TEST(vm_enables_every_cpu, 120)
{
	cpu_set_t online;
	struct kvmt_vm *vm;
	int cpu;

	vm = kvmt_vm_create();
	CHECK(kvmt_svme_follow_rule(-1, 1, WHY));
	CHECK(kvmt_states_follow_rule(1, WHY));
	ASSERT_EQ(0, kvmt_online_cpus(&online));
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &online))
			CHECK(kvmt_vm_run(vm, cpu, WHY));
	kvmt_vm_free(vm);
	CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
	CHECK(kvmt_states_follow_rule(0, WHY));
}

/* Only the last VM's end disables (kvm_usage_count). */
KVMT_TEST(second_vm_keeps_svm_on, 120)
{
	struct kvmt_vm *a, *b;

	a = kvmt_vm_create();
	b = kvmt_vm_create();
	CHECK(kvmt_svme_follow_rule(-1, 2, WHY));
	kvmt_vm_free(a);
	CHECK(kvmt_svme_follow_rule(-1, 1, WHY));
	CHECK(kvmt_states_follow_rule(1, WHY));
	CHECK(kvmt_vm_run(b, -1, WHY));
	kvmt_vm_free(b);
	CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
	CHECK(kvmt_states_follow_rule(0, WHY));
}

/* A CPU going offline and online while a VM exists comes back with SVM on
 * (6.1: kvm_starting_cpu; 6.12: kvm_online_cpu), and the vCPU runs on it
 * before and after. */
KVMT_TEST(offline_online_with_vm, 120)
{
	struct kvmt_vm *vm;
	int ret;

	if (self->cpu < 0)
		SKIP(return, "no hotpluggable CPU");
	vm = kvmt_vm_create();
	CHECK(kvmt_vm_run(vm, self->cpu, WHY));
	ret = kvmt_cpu_set_online(self->cpu, false);
	ASSERT_EQ(0, ret) TH_LOG("offline CPU%d: %s", self->cpu, strerror(-ret));
	CHECK(kvmt_svme_follow_rule(-1, 1, WHY));
	CHECK(kvmt_states_follow_rule(1, WHY));
	CHECK(kvmt_vm_run(vm, -1, WHY));
	ret = kvmt_cpu_set_online(self->cpu, true);
	ASSERT_EQ(0, ret) TH_LOG("online CPU%d: %s", self->cpu, strerror(-ret));
	CHECK(kvmt_svme_follow_rule(self->cpu, 1, WHY));
	CHECK(kvmt_svme_follow_rule(-1, 1, WHY));
	CHECK(kvmt_vm_run(vm, self->cpu, WHY));
	kvmt_vm_free(vm);
	CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
}

/* A CPU offlined and onlined with no VM: the others and it as the usage
 * count without VMs says (off; on with enable_virt_at_load=Y, by
 * kvm_online_cpu); the next VM enables it. */
KVMT_TEST(online_without_vm_then_vm, 120)
{
	struct kvmt_vm *vm;

	if (self->cpu < 0)
		SKIP(return, "no hotpluggable CPU");
	ASSERT_EQ(0, kvmt_cpu_set_online(self->cpu, false));
	CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
	CHECK(kvmt_states_follow_rule(0, WHY));
	ASSERT_EQ(0, kvmt_cpu_set_online(self->cpu, true));
	CHECK(kvmt_svme_follow_rule(self->cpu, 0, WHY));
	CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
	vm = kvmt_vm_create();
	CHECK(kvmt_svme_follow_rule(self->cpu, 1, WHY));
	CHECK(kvmt_vm_run(vm, self->cpu, WHY));
	kvmt_vm_free(vm);
	CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
}

/* Seconds since @t0, for the step logs: a slow step and a stuck one differ. */
static double secs_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* kvm_amd unload and reload with no VM (kvm.ko reloaded in the case's
 * configuration): nothing left on any CPU, the state gone with the module
 * and back as the rule says (with the module; with =Y at once, with =N
 * with the VM), VMs work after every reload. */
KVMT_TEST(reload, 240)
{
	char why[KVMT_WHY_LEN];
	struct timespec t0;
	struct kvmt_vm *vm;
	int i, ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 3; i++) {
		TH_LOG("cycle %d: rmmod (at %.2f s)", i, secs_since(&t0));
		ret = kvmt_vendor_unload();
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: rmmod kvm_amd kvm: %s", i, strerror(-ret));
		CHECK(kvmt_svme_all(false, WHY));
		CHECK(kvmt_states_follow_rule(0, WHY));
		TH_LOG("cycle %d: modprobe (at %.2f s)", i, secs_since(&t0));
		ret = kvmt_vendor_load_why(why, sizeof(why));
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: modprobe kvm_amd: %s", i, why);
		CHECK(kvmt_params_follow_rule(variant->at_load, WHY));
		CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
		CHECK(kvmt_states_follow_rule(0, WHY));
		TH_LOG("cycle %d: VM (at %.2f s)", i, secs_since(&t0));
		vm = kvmt_vm_create();
		CHECK(kvmt_svme_follow_rule(-1, 1, WHY));
		CHECK(kvmt_states_follow_rule(1, WHY));
		CHECK(kvmt_vm_run(vm, -1, WHY));
		kvmt_vm_free(vm);
		CHECK(kvmt_svme_follow_rule(-1, 0, WHY));
	}
	TH_LOG("3 cycles in %.2f s", secs_since(&t0));
}

/* A VM pins kvm_amd: rmmod fails and nothing changes. */
KVMT_TEST(vm_pins_module, 120)
{
	struct kvmt_vm *vm;

	vm = kvmt_vm_create();
	CHECK(kvmt_unload_refused(WHY));
	CHECK(kvmt_svme_follow_rule(-1, 1, WHY));
	CHECK(kvmt_vm_run(vm, -1, WHY));
	kvmt_vm_free(vm);
}

KVMT_HARNESS_MAIN
