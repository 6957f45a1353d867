// SPDX-License-Identifier: GPL-2.0
/*
 * svm - the "svm" backend on real (or QEMU-emulated) AMD-V hardware.
 *
 * After every lifecycle step (load with enable_at_load 0 and 1, VM
 * creation and close, CPU offline/online, run-time backend switches
 * sim <-> svm, unload) each online CPU's EFER.SVME, read through
 * /dev/cpu/N/msr, must agree with the driver's view (enabled_cpus, usage
 * count, hotplug state): set on every online CPU iff usage > 0.  Another
 * hypervisor owning SVM (kvm_amd with a VM; from its load with
 * kvm.enable_virt_at_load=Y, 6.12+) makes virtlife refuse with
 * EBUSY and a message, and the reverse.
 *
 * Invariants: L1, L4, L5, L7, L10, L12, L13 with the CPU as the witness.
 */
#include <unistd.h>

#include "vl_test.h"
#include "hwvirt.h"
#include "msr_util.h"

#define SVM_REFUSAL_MSG	"EFER.SVME is already set"

static uint64_t usage_now(void)
{
	uint64_t usage = ~0ULL;

	vl_usage(&usage);
	return usage;
}

/* Teardown: nothing left, and no CPU with EFER.SVME set. */
#define SVM_TEARDOWN(fixture)						\
	VL_TEARDOWN_CHECKED(fixture, (void)self, hv_svm_teardown)

FIXTURE(svm) {
	uint64_t base;		/* the driver's own reference (enable_at_load) */
};

FIXTURE_VARIANT(svm) {
	const char *params;
	uint64_t base;
};

FIXTURE_VARIANT_ADD(svm, at_load) {
	.params = "backend=svm enable_at_load=1",
	.base = 1,
};

FIXTURE_VARIANT_ADD(svm, on_demand) {
	.params = "backend=svm enable_at_load=0",
	.base = 0,
};

FIXTURE_SETUP(svm)
{
	char why[VL_WHY_LEN] = "";
	int ret = vl_reset_platform();

	ASSERT_EQ(0, ret) TH_LOG("reset: %s", strerror(-ret));
	ASSERT_TRUE(hv_svme_all_clear(why, sizeof(why)))
		TH_LOG("before loading virtlife: %s (another hypervisor?)", why);
	ret = vl_load(variant->params);
	ASSERT_EQ(0, ret) TH_LOG("insmod virtlife %s: %s", variant->params,
				 strerror(-ret));
	self->base = variant->base;
}

SVM_TEARDOWN(svm)

/* Load: SVME on every online CPU with enable_at_load=1, none with 0. */
TEST_F(svm, load)
{
	ASSERT_STREQ("svm", hv_backend());
	ASSERT_EQ(self->base, usage_now());
	ASSERT_STATE(hv_svm_state_consistent);
}

/* VM create/close: 0->1 sets SVME everywhere, 1->0 clears it. */
TEST_F(svm, vm_create_close)
{
	int vm[2], i;

	ASSERT_STATE(hv_svm_state_consistent);
	for (i = 0; i < 2; i++) {
		vm[i] = vl_vm_create();
		ASSERT_LE(0, vm[i]) TH_LOG("VM %d: %s", i, strerror(-vm[i]));
		ASSERT_EQ(self->base + i + 1, usage_now());
		ASSERT_STATE(hv_svm_state_consistent);
	}
	for (i = 1; i >= 0; i--) {
		ASSERT_EQ(0, vl_vm_close(vm[i]));
		ASSERT_EQ(self->base + i, usage_now());
		ASSERT_STATE(hv_svm_state_consistent);
	}
}

/* Offline/online one by one and all at once, at the base usage and with a VM. */
TEST_F(svm, hotplug)
{
	int cpus[CPU_SETSIZE], n, i, pass, vm = -1;

	n = vl_hotpluggable_cpus(cpus, CPU_SETSIZE);
	if (!n)
		SKIP(return, "needs at least one hotpluggable CPU");
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			ASSERT_EQ(0, vl_cpu_set_online(cpus[i], false))
				TH_LOG("offline cpu%d", cpus[i]);
			ASSERT_STATE(hv_svm_state_consistent);
			ASSERT_EQ(0, vl_cpu_set_online(cpus[i], true))
				TH_LOG("online cpu%d", cpus[i]);
			ASSERT_STATE(hv_svm_state_consistent);
		}
		for (i = 0; i < n; i++)
			ASSERT_EQ(0, vl_cpu_set_online(cpus[i], false));
		ASSERT_STATE(hv_svm_state_consistent);
		/* A VM created with CPUs offline: they are enabled on online. */
		if (!pass) {
			vm = vl_vm_create();
			ASSERT_LE(0, vm) TH_LOG("VM: %s", strerror(-vm));
			ASSERT_STATE(hv_svm_state_consistent);
		}
		ASSERT_EQ(0, vl_online_all_cpus());
		ASSERT_STATE(hv_svm_state_consistent);
	}
	ASSERT_EQ(0, vl_vm_close(vm));
	ASSERT_STATE(hv_svm_state_consistent);
}

/* Unload clears SVME everywhere; a reload sets it up again. */
TEST_F(svm, unload_reload)
{
	char why[VL_WHY_LEN] = "";
	int ret;

	ASSERT_STATE(hv_svm_state_consistent);
	ASSERT_EQ(0, vl_unload());
	ASSERT_TRUE(vl_fully_unloaded(why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_TRUE(hv_svme_all_clear(why, sizeof(why))) TH_LOG("%s", why);
	ret = vl_load(variant->params);
	ASSERT_EQ(0, ret) TH_LOG("reload: %s", strerror(-ret));
	ASSERT_STATE(hv_svm_state_consistent);
	ASSERT_EQ(0, vl_unload());
	ASSERT_TRUE(hv_svme_all_clear(why, sizeof(why))) TH_LOG("%s", why);
}

/* Run-time switches sim <-> svm at usage 0 (L12): only svm touches SVME. */
FIXTURE(svm_switch) {
	int unused;
};

FIXTURE_SETUP(svm_switch)
{
	VL_SETUP("enable_at_load=0");
}

SVM_TEARDOWN(svm_switch)

static int switch_backend(const char *name)
{
	return vl_write(VL_SYSFS "/backend", name);
}

/* With the sim backend: the witness follows usage, SVME stays clear. */
static bool sim_consistent(char *why, size_t len)
{
	if (strcmp(hv_backend(), "sim"))
		return snprintf(why, len, "backend is '%s', not sim",
				hv_backend()), false;
	return vl_state_consistent(why, len) && hv_svme_all_clear(why, len);
}

TEST_F(svm_switch, sim_svm_sim)
{
	int round, vm, ret;

	ASSERT_STATE(sim_consistent);
	for (round = 0; round < 2; round++) {
		ret = switch_backend("svm");
		ASSERT_EQ(0, ret) TH_LOG("switch to svm: %s", strerror(-ret));
		ASSERT_STATE(hv_svm_state_consistent);
		vm = vl_vm_create();
		ASSERT_LE(0, vm) TH_LOG("VM under svm: %s", strerror(-vm));
		ASSERT_STATE(hv_svm_state_consistent);
		/* No switch while in use: SVME stays as it is. */
		EXPECT_EQ(-EBUSY, switch_backend("sim"));
		ASSERT_STATE(hv_svm_state_consistent);
		ASSERT_EQ(0, vl_vm_close(vm));
		ASSERT_STATE(hv_svm_state_consistent);

		ret = switch_backend("sim");
		ASSERT_EQ(0, ret) TH_LOG("switch to sim: %s", strerror(-ret));
		ASSERT_STATE(sim_consistent);
		vm = vl_vm_create();
		ASSERT_LE(0, vm) TH_LOG("VM under sim: %s", strerror(-vm));
		ASSERT_STATE(sim_consistent);
		ASSERT_EQ(0, vl_vm_close(vm));
		ASSERT_STATE(sim_consistent);
	}
	/* svm again, then unload from svm at usage 0. */
	ASSERT_EQ(0, switch_backend("svm"));
	ASSERT_STATE(hv_svm_state_consistent);
}

/*
 * Another hypervisor: kvm_amd. When it owns SVM depends on the kernel's
 * rule (hwvirt.h, hv_kvm_rule(): chosen by what the kernel shows, printed
 * by every case and named in the failures): before 6.12, and from 6.12
 * with kvm.enable_virt_at_load=N, from its first VM to the last; with
 * enable_virt_at_load=Y (6.12's default) from kvm_amd's load to its
 * unload. Each case runs once per configuration of kvm.ko (variants
 * no_virt_at_load, virt_at_load_Y, virt_at_load_N; one that this kernel
 * does not have skips with the reason), and KVM takes SVM (and gives it
 * back) the way its rule says: with a VM, or by loading (unloading)
 * kvm_amd.
 */
FIXTURE(svm_kvm) {
	int kvm, kvm_vm;
	struct hv_kmsg log;
	const char *skip;	/* why this machine cannot run the case */
	char skip_buf[VL_WHY_LEN];
};

HV_KVM_CONFIG_VARIANTS(svm_kvm);

/*
 * The harness runs the test after a SKIP in the setup: the setup leaves
 * the reason here, the test skips with it.
 */
#define SKIP_IF_SET(reason)						\
	do {								\
		if (reason)						\
			SKIP(return, "%s", reason);			\
	} while (0)

#define RULE	(hv_kvm_rule()->name)

/* kvm_amd holds SVM from its load (enable_virt_at_load=Y), not per VM. */
static bool kvm_owns_at_load(void)
{
	return hv_kvm_usage_at_load() > 0;
}

/* EFER.SVME on every online CPU (@on) or on none; "" or the difference. */
static bool svme_everywhere(bool on, char *why, size_t len)
{
	char a[256] = "", b[256] = "(none)";
	cpu_set_t online;
	int ret;

	if ((ret = vl_online_cpus(&online)) || (ret = hv_svme_cpulist(a, sizeof(a)))) {
		snprintf(why, len, "reading online CPUs / EFER: %s", strerror(-ret));
		return false;
	}
	if (on)
		vl_format_cpus(&online, b, sizeof(b));
	if (!strcmp(a, b))
		return true;
	snprintf(why, len, "EFER.SVME set on CPUs %s, expected %s", a, b);
	return false;
}

/* SVME as the rule says with @vms KVM VMs (a closed VM may lag a little). */
static bool svme_follows_kvm(int vms, char *why, size_t len)
{
	int usage = hv_kvm_usage_expected("kvm_amd", vms), i;
	bool ok = false;

	for (i = 0; i < 100 && !(ok = svme_everywhere(usage > 0, why, len)); i++)
		usleep(20000);
	if (!ok) {
		size_t n = strlen(why);

		snprintf(why + n, len - n, " (kvm_amd %s, %d KVM VM%s: usage count %d)",
			 hv_kvm_loaded("kvm_amd") ? "loaded" : "unloaded", vms,
			 vms == 1 ? "" : "s", usage);
	}
	return ok;
}

FIXTURE_SETUP(svm_kvm)
{
	char why[VL_WHY_LEN] = "";
	int ret;

	self->kvm = self->kvm_vm = -1;
	self->log.fd = -1;
	/*
	 * From a clean state even after a failed case: 6.12's harness built
	 * with optimization skips the teardown after a failed ASSERT (its
	 * wrapper's "child" clobbered by the longjmp, see ../Makefile), and a
	 * kvm_amd left loaded with enable_virt_at_load=Y would fail every
	 * later case here. The failed case was charged already.
	 */
	hv_rmmod_kvm("kvm_amd");
	ret = vl_reset_platform();
	ASSERT_EQ(0, ret) TH_LOG("reset: %s", strerror(-ret));
	ASSERT_TRUE(hv_svme_all_clear(why, sizeof(why))) TH_LOG("%s", why);
	ret = hv_kvm_configure(variant->at_load, why, sizeof(why));
	if (!ret)
		ret = hv_kvm_load("kvm_amd", why, sizeof(why));
	if (ret == -EOPNOTSUPP) {
		snprintf(self->skip_buf, sizeof(self->skip_buf), "%s", why);
	} else if (ret) {
		snprintf(self->skip_buf, sizeof(self->skip_buf),
			 "kvm_amd cannot be loaded here: %s", why);
	} else if (!vl_exists("/dev/kvm")) {
		snprintf(self->skip_buf, sizeof(self->skip_buf),
			 "no /dev/kvm although kvm_amd is loaded");
	} else {
		TH_LOG("%s", hv_kvm_rule()->text);
		/* No VM yet: SVM is KVM's only if it enables at load. */
		ASSERT_TRUE(svme_follows_kvm(0, why, sizeof(why)))
			TH_LOG("kvm_amd loaded: %s [%s]", why, RULE);
		return;
	}
	self->skip = self->skip_buf;
}

/* virtlife's teardown, then kvm_amd away: SVM must be off everywhere. */
static bool svm_kvm_clean(char *why, size_t len)
{
	hv_rmmod_kvm("kvm_amd");
	return hv_svm_teardown(why, len);
}

VL_TEARDOWN_CHECKED(svm_kvm,
		    hv_kvm_release(&self->log, &self->kvm_vm, &self->kvm),
		    svm_kvm_clean)

/* A KVM VM; SKIP when KVM cannot make one, fail if SVME is not then set. */
#define KVM_VM_OR_SKIP()						\
	do {								\
		char __why[VL_WHY_LEN] = "";				\
									\
		self->kvm_vm = hv_kvm_create_vm(&self->kvm);		\
		if (self->kvm_vm < 0)					\
			SKIP(return, "KVM_CREATE_VM failed: %s",	\
			     strerror(-self->kvm_vm));			\
		ASSERT_TRUE(svme_follows_kvm(1, __why, sizeof(__why)))	\
			TH_LOG("kvm_amd with a VM: %s [%s]", __why, RULE); \
	} while (0)

static void close_kvm_vm(struct __test_metadata *_metadata,
			 FIXTURE_DATA(svm_kvm) *self)
{
	char why[VL_WHY_LEN] = "";

	close(self->kvm_vm);
	close(self->kvm);
	self->kvm_vm = self->kvm = -1;
	/* The VM's destruction (and KVM's usage count -1) may lag the close. */
	ASSERT_TRUE(svme_follows_kvm(0, why, sizeof(why)))
		TH_LOG("KVM VM closed: %s [%s]", why, RULE);
}

/* kvm_amd unloaded: the reference it took at its load is gone with it. */
static void unload_kvm(struct __test_metadata *_metadata)
{
	char why[VL_WHY_LEN] = "";

	hv_rmmod_kvm("kvm_amd");
	ASSERT_FALSE(hv_kvm_loaded("kvm_amd")) TH_LOG("rmmod kvm_amd failed");
	ASSERT_TRUE(svme_follows_kvm(0, why, sizeof(why)))
		TH_LOG("kvm_amd unloaded: %s [%s]", why, RULE);
}

/* Loading backend=svm while kvm_amd owns SVM: EBUSY, a message, no change. */
static void expect_load_refused(struct __test_metadata *_metadata,
				FIXTURE_DATA(svm_kvm) *self, const char *when)
{
	static const char *const params[] = {
		"backend=svm enable_at_load=0", "backend=svm enable_at_load=1",
	};
	char a[256] = "";
	unsigned int i;
	int ret;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, hv_kmsg_open(&self->log));
		ret = vl_load(params[i]);
		EXPECT_EQ(-EBUSY, ret) TH_LOG("insmod virtlife %s (%s): %s [%s]",
					      params[i], when, strerror(-ret), RULE);
		EXPECT_TRUE(hv_kmsg_has(&self->log, SVM_REFUSAL_MSG))
			TH_LOG("no '%s' message in the kernel log (%s)", SVM_REFUSAL_MSG, when);
		hv_kmsg_close(&self->log);
		EXPECT_FALSE(vl_loaded());
		if (vl_loaded())
			vl_unload();
		/* KVM's SVME untouched. */
		ASSERT_EQ(0, hv_svme_cpulist(a, sizeof(a)));
		EXPECT_STRNE("(none)", a) TH_LOG("%s: KVM's SVME cleared", when);
	}
}

/*
 * Loading backend=svm while kvm_amd owns SVM: EBUSY, a message, no change;
 * as long as KVM owns it (=Y: after its VM is gone too, until kvm_amd's
 * unload); afterwards the load succeeds.
 */
TEST_F(svm_kvm, load_refused)
{
	int ret;

	SKIP_IF_SET(self->skip);
	KVM_VM_OR_SKIP();
	expect_load_refused(_metadata, self, "KVM VM open");
	close_kvm_vm(_metadata, self);
	if (kvm_owns_at_load()) {
		expect_load_refused(_metadata, self, "KVM VM closed, kvm_amd loaded");
		unload_kvm(_metadata);
	}
	ret = vl_load("backend=svm enable_at_load=1");
	ASSERT_EQ(0, ret) TH_LOG("after KVM released SVM: %s [%s]", strerror(-ret), RULE);
	ASSERT_STATE(hv_svm_state_consistent);
}

/*
 * virtlife loaded with nothing enabled, then KVM takes SVM (a KVM VM; =Y:
 * loading kvm_amd): virtlife's VM creation fails, with a message; once KVM
 * gave SVM back (VM closed; =Y: kvm_amd unloaded), it succeeds.
 */
TEST_F(svm_kvm, vm_create_refused)
{
	char why[VL_WHY_LEN] = "";
	int ret, vm;

	SKIP_IF_SET(self->skip);
	if (kvm_owns_at_load())		/* virtlife first, then kvm_amd */
		unload_kvm(_metadata);
	ret = vl_load("backend=svm enable_at_load=0");
	ASSERT_EQ(0, ret) TH_LOG("insmod: %s", strerror(-ret));
	ASSERT_STATE(hv_svm_state_consistent);
	if (kvm_owns_at_load()) {
		ret = hv_kvm_load("kvm_amd", why, sizeof(why));
		ASSERT_EQ(0, ret) TH_LOG("modprobe kvm_amd with virtlife idle: %s", why);
		ASSERT_TRUE(svme_follows_kvm(0, why, sizeof(why)))
			TH_LOG("kvm_amd loaded: %s [%s]", why, RULE);
	} else {
		KVM_VM_OR_SKIP();
	}
	ASSERT_EQ(0, hv_kmsg_open(&self->log));
	vm = vl_vm_create();
	EXPECT_EQ(-EBUSY, vm) TH_LOG("VIRTLIFE_CREATE_VM: %s [%s]",
				     vm < 0 ? strerror(-vm) : "succeeded", RULE);
	EXPECT_TRUE(hv_kmsg_has(&self->log, SVM_REFUSAL_MSG))
		TH_LOG("no '%s' message in the kernel log", SVM_REFUSAL_MSG);
	if (vm >= 0)
		vl_vm_close(vm);
	EXPECT_EQ(0, usage_now());
	EXPECT_FALSE(vl_hotplug_state_present());
	if (kvm_owns_at_load())
		unload_kvm(_metadata);
	else
		close_kvm_vm(_metadata, self);
	ASSERT_STATE(hv_svm_state_consistent);
	vm = vl_vm_create();
	ASSERT_LE(0, vm) TH_LOG("VM after KVM released SVM: %s", strerror(-vm));
	ASSERT_STATE(hv_svm_state_consistent);
}

/*
 * The reverse: virtlife owns SVM; KVM cannot take it (KVM_CREATE_VM fails;
 * =Y: kvm_amd's load fails, its enable at load finding EFER.SVME set), nor
 * clear our SVME.
 */
TEST_F(svm_kvm, kvm_refused)
{
	char why[VL_WHY_LEN] = "";
	int ret;

	SKIP_IF_SET(self->skip);
	if (kvm_owns_at_load())		/* virtlife first, then kvm_amd */
		unload_kvm(_metadata);
	ret = vl_load("backend=svm enable_at_load=1");
	ASSERT_EQ(0, ret) TH_LOG("insmod: %s", strerror(-ret));
	ASSERT_STATE(hv_svm_state_consistent);
	if (kvm_owns_at_load()) {
		ret = hv_kvm_load("kvm_amd", why, sizeof(why));
		EXPECT_NE(0, ret) TH_LOG("kvm_amd loaded on CPUs that virtlife owns [%s]", RULE);
		EXPECT_FALSE(hv_kvm_loaded("kvm_amd"));
		if (ret)
			TH_LOG("kvm_amd refused as expected: %s", why);
	} else {
		self->kvm_vm = hv_kvm_create_vm(&self->kvm);
		EXPECT_GT(0, self->kvm_vm)
			TH_LOG("KVM created a VM on CPUs that virtlife owns [%s]", RULE);
	}
	ASSERT_STATE(hv_svm_state_consistent);
}

VL_MAIN_WITH({
	const char *unmet = vl_config_error();

	if (unmet)
		ksft_exit_fail_msg("%s\n", unmet);
	unmet = vl_unmet(VL_BASE_NEEDS);
	if (!unmet)
		unmet = hv_svm_unmet();
	if (unmet)
		ksft_exit_skip("%s\n", unmet);
})
