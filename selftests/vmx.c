// SPDX-License-Identifier: GPL-2.0
/*
 * vmx - the "vmx" backend (VMXON/VMXOFF on Intel).
 *
 * Without VMX (QEMU's TCG, AMD): loading backend=vmx and switching to it
 * fail with EOPNOTSUPP and a message saying why, and change nothing.  With
 * VMX: CR4.VMXE cannot be read from user space, so the lifecycle checks
 * the driver's view (usage, hotplug state, enabled CPUs, the simulated
 * hardware untouched) after every step, and that another hypervisor
 * (kvm_intel with a VM, which holds VMX on every CPU) makes backend=vmx
 * refuse with EBUSY and a message.
 *
 * Invariants: L1, L4, L7, L10, L12, L13.
 */
#include <unistd.h>

#include "vl_test.h"
#include "hwvirt.h"

#define NO_VMX		"no VMX on this CPU (no vmx flag in /proc/cpuinfo)"
#define VMX_REFUSAL_MSG	"CR4.VMXE is already set"
#define VMX_ABSENT_MSG	"backend vmx: no VMX on this CPU"

/*
 * The harness runs the test after a SKIP in the setup: setups leave the
 * reason in self->skip, the tests skip with it.
 */
#define SKIP_IF_SET(reason)						\
	do {								\
		if (reason)						\
			SKIP(return, "%s", reason);			\
	} while (0)

static uint64_t usage_now(void)
{
	uint64_t usage = ~0ULL;

	vl_usage(&usage);
	return usage;
}

/* Where there is no VMX: the backend refuses, and says why. */
FIXTURE(vmx_absent) {
	struct hv_kmsg log;
	const char *skip;
};

FIXTURE_SETUP(vmx_absent)
{
	int ret;

	self->log.fd = -1;
	if (hv_cpu_flag("vmx")) {
		self->skip = "this CPU has VMX: the vmx fixtures check it";
		return;
	}
	ret = vl_reset_platform();
	ASSERT_EQ(0, ret) TH_LOG("reset: %s", strerror(-ret));
	ASSERT_EQ(0, hv_kmsg_open(&self->log));
}

FIXTURE_TEARDOWN(vmx_absent)
{
	char why[VL_WHY_LEN];
	bool clean;

	hv_kmsg_close(&self->log);
	clean = vl_teardown(why, sizeof(why));
	if (!clean)
		TH_LOG("teardown: %s", why);
	EXPECT_TRUE(clean);
}

TEST_F(vmx_absent, load_refused)
{
	char why[VL_WHY_LEN] = "";
	int ret;

	SKIP_IF_SET(self->skip);
	ret = vl_load("backend=vmx enable_at_load=0");

	EXPECT_EQ(-EOPNOTSUPP, ret) TH_LOG("insmod virtlife backend=vmx: %s",
					   ret ? strerror(-ret) : "loaded");
	EXPECT_TRUE(hv_kmsg_has(&self->log, VMX_ABSENT_MSG))
		TH_LOG("no '%s' message in the kernel log", VMX_ABSENT_MSG);
	if (vl_loaded())
		vl_unload();
	EXPECT_TRUE(vl_fully_unloaded(why, sizeof(why))) TH_LOG("%s", why);
}

/* A run-time switch to vmx fails, and sim is set up again. */
TEST_F(vmx_absent, switch_refused)
{
	int ret, vm;

	SKIP_IF_SET(self->skip);
	ret = vl_load("enable_at_load=0");
	ASSERT_EQ(0, ret) TH_LOG("insmod: %s", strerror(-ret));
	ret = vl_write(VL_SYSFS "/backend", "vmx");
	EXPECT_EQ(-EOPNOTSUPP, ret) TH_LOG("switch to vmx: %s",
					   ret ? strerror(-ret) : "done");
	EXPECT_TRUE(hv_kmsg_has(&self->log, VMX_ABSENT_MSG))
		TH_LOG("no '%s' message in the kernel log", VMX_ABSENT_MSG);
	EXPECT_STREQ("sim", hv_backend());
	vm = vl_vm_create();
	ASSERT_LE(0, vm) TH_LOG("VM with sim again: %s", strerror(-vm));
	ASSERT_STATE(vl_state_consistent);
}

/* With VMX: the lifecycle, the driver's view after every step. */
FIXTURE(vmx) {
	uint64_t base;
	const char *skip;
};

FIXTURE_VARIANT(vmx) {
	const char *params;
	uint64_t base;
};

FIXTURE_VARIANT_ADD(vmx, at_load) {
	.params = "backend=vmx enable_at_load=1",
	.base = 1,
};

FIXTURE_VARIANT_ADD(vmx, on_demand) {
	.params = "backend=vmx enable_at_load=0",
	.base = 0,
};

FIXTURE_SETUP(vmx)
{
	if (!hv_cpu_flag("vmx")) {
		self->skip = NO_VMX;
		return;
	}
	VL_SETUP(variant->params);
	self->base = variant->base;
}

VL_STANDARD_TEARDOWN(vmx)

TEST_F(vmx, lifecycle)
{
	int cpus[CPU_SETSIZE], n, i, vm;

	SKIP_IF_SET(self->skip);
	ASSERT_EQ(self->base, usage_now());
	ASSERT_STATE(hv_vmx_state_consistent);
	vm = vl_vm_create();
	ASSERT_LE(0, vm) TH_LOG("VM: %s", strerror(-vm));
	ASSERT_STATE(hv_vmx_state_consistent);
	n = vl_hotpluggable_cpus(cpus, CPU_SETSIZE);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, vl_cpu_set_online(cpus[i], false));
		ASSERT_STATE(hv_vmx_state_consistent);
		ASSERT_EQ(0, vl_cpu_set_online(cpus[i], true));
		ASSERT_STATE(hv_vmx_state_consistent);
	}
	ASSERT_EQ(0, vl_vm_close(vm));
	ASSERT_EQ(self->base, usage_now());
	ASSERT_STATE(hv_vmx_state_consistent);
	ASSERT_EQ(0, vl_unload());
	ASSERT_EQ(0, vl_load(variant->params)) TH_LOG("reload");
	ASSERT_STATE(hv_vmx_state_consistent);
}

/* kvm_intel with a VM holds VMX on every CPU: backend=vmx refuses. */
FIXTURE(vmx_kvm) {
	int kvm, kvm_vm;
	struct hv_kmsg log;
	const char *skip;
};

FIXTURE_SETUP(vmx_kvm)
{
	int ret;

	self->kvm = self->kvm_vm = -1;
	self->log.fd = -1;
	if (!hv_cpu_flag("vmx")) {
		self->skip = NO_VMX;
		return;
	}
	ret = vl_reset_platform();
	ASSERT_EQ(0, ret) TH_LOG("reset: %s", strerror(-ret));
	if (hv_modprobe("kvm_intel") || !vl_exists("/dev/kvm")) {
		self->skip = "kvm_intel cannot be loaded here";
		return;
	}
	self->kvm_vm = hv_kvm_create_vm(&self->kvm);
	if (self->kvm_vm < 0)
		self->skip = "KVM_CREATE_VM failed with kvm_intel loaded";
}

/* virtlife's teardown, then kvm_intel away. */
static bool vmx_kvm_clean(char *why, size_t len)
{
	bool clean = vl_teardown(why, len);

	hv_rmmod_kvm("kvm_intel");
	return clean;
}

VL_TEARDOWN_CHECKED(vmx_kvm,
		    hv_kvm_release(&self->log, &self->kvm_vm, &self->kvm),
		    vmx_kvm_clean)

TEST_F(vmx_kvm, load_refused)
{
	int ret;

	SKIP_IF_SET(self->skip);
	ASSERT_EQ(0, hv_kmsg_open(&self->log));
	ret = vl_load("backend=vmx enable_at_load=0");
	EXPECT_EQ(-EBUSY, ret) TH_LOG("insmod virtlife backend=vmx: %s",
				      ret ? strerror(-ret) : "loaded");
	EXPECT_TRUE(hv_kmsg_has(&self->log, VMX_REFUSAL_MSG))
		TH_LOG("no '%s' message in the kernel log", VMX_REFUSAL_MSG);
	EXPECT_FALSE(vl_loaded());
}

VL_HARNESS_MAIN(VL_BASE_NEEDS)
