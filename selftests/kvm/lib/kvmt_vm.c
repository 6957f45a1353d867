// SPDX-License-Identifier: GPL-2.0
/*
 * VMs through the kernel's KVM selftests library (built from the kernel
 * source, tools/kvm-lib): the only file that includes its headers, which
 * clash with the kselftest harness's (ASSERT_EQ).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>

#include "kvm_util.h"
#include "processor.h"
#include "kvmt_util.h"

struct kvmt_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint64_t runs;
};

/* The guest: each run ends with a GUEST_SYNC carrying the run count. */
static void guest_code(void)
{
	uint64_t n = 0;

	for (;;)
		GUEST_SYNC(++n);
}

struct kvmt_vm *kvmt_vm_create(void)
{
	struct kvmt_vm *vm = calloc(1, sizeof(*vm));

	TEST_ASSERT(vm, "out of memory");
	vm->vm = vm_create_with_one_vcpu(&vm->vcpu, guest_code);
	return vm;
}

bool kvmt_vm_run(struct kvmt_vm *vm, int cpu, char *why, size_t len)
{
	cpu_set_t old, one;
	struct ucall uc;
	uint64_t cmd;
	bool pinned = false;
	int rc;

	if (cpu >= 0) {
		if (sched_getaffinity(0, sizeof(old), &old)) {
			snprintf(why, len, "sched_getaffinity: %s", strerror(errno));
			return false;
		}
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one)) {
			snprintf(why, len, "pin to CPU%d: %s", cpu, strerror(errno));
			return false;
		}
		pinned = true;
	}
	rc = _vcpu_run(vm->vcpu);
	if (rc) {
		snprintf(why, len, "KVM_RUN on CPU%d: %s", cpu >= 0 ? cpu : sched_getcpu(),
			 strerror(errno));
		goto out;
	}
	if (vm->vcpu->run->exit_reason != KVM_EXIT_IO) {
		snprintf(why, len, "exit reason %u (%s), expected KVM_EXIT_IO (ucall)",
			 vm->vcpu->run->exit_reason,
			 exit_reason_str(vm->vcpu->run->exit_reason));
		rc = -1;
		goto out;
	}
	cmd = get_ucall(vm->vcpu, &uc);
	if (cmd != UCALL_SYNC || uc.args[1] != vm->runs + 1) {
		snprintf(why, len, "guest reported ucall %lu arg %lu, expected SYNC %lu",
			 (unsigned long)cmd, (unsigned long)uc.args[1],
			 (unsigned long)vm->runs + 1);
		rc = -1;
		goto out;
	}
	vm->runs++;
out:
	if (pinned)
		sched_setaffinity(0, sizeof(old), &old);
	return !rc;
}

void kvmt_vm_free(struct kvmt_vm *vm)
{
	if (!vm)
		return;
	kvm_vm_free(vm->vm);
	free(vm);
}
