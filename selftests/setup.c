// SPDX-License-Identifier: GPL-2.0
/*
 * setup - the backend ("vendor") setup order and its failures.
 *
 * Invariant L12: one backend at a time; MMU masks reset to their defaults
 * before the backend's hardware setup (so a backend never starts from what
 * another left); structures sized by the backend created after it; ops
 * published before the per-CPU compatibility checks and unpublished when one
 * fails, so that a later setup succeeds.
 */
#include "vl_test.h"
#include "hwvirt.h"

#define MASKS VL_DEBUGFS "/mmu_masks"

FIXTURE(setup) {
	struct vl_events evs;
};

FIXTURE_SETUP(setup)
{
	VL_SETUP("enable_at_load=0");
}

VL_EVENTS_TEARDOWN(setup)

/* A field of the mmu_masks line: "default" or "current"; 0 if unreadable. */
static uint64_t masks(const char *field)
{
	char buf[128], key[32], *p;

	if (vl_read(MASKS, buf, sizeof(buf)) < 0)
		return 0;
	snprintf(key, sizeof(key), "%s=", field);
	p = strstr(buf, key);
	return p ? strtoull(p + strlen(key), NULL, 0) : 0;
}

/* The L12 steps from @from in order; -1 with @why when not. */
static int setup_in_order(const struct vl_events *evs, int from, char *why, size_t len)
{
	static const char *const steps[] = {
		"mmu_reset", "backend_hw_setup", "structs_create",
		"backend_publish", "compat_check",
	};
	unsigned int i;
	int at = from;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		at = vl_event_find(evs, at, steps[i]);
		if (at < 0) {
			snprintf(why, len, "'%s' missing or out of order (after '%s')",
				 steps[i], i ? steps[i - 1] : "start");
			return -1;
		}
		at++;
	}
	return at - 1;
}

static int switch_backend(const char *name)
{
	return vl_write(VL_SYSFS "/backend", name);
}

TEST_F(setup, load_order)
{
	char why[VL_WHY_LEN] = "";

	ASSERT_LT(0, vl_events_since(0, &self->evs));
	ASSERT_LE(0, setup_in_order(&self->evs, 0, why, sizeof(why))) TH_LOG("%s", why);
}

/* Each backend's masks come from the defaults, whatever ran before. */
TEST_F(setup, masks_start_from_defaults)
{
	uint64_t def = masks("default"), sim, alt;

	ASSERT_NE(0, def);
	sim = masks("current");
	ASSERT_NE(def, sim) TH_LOG("sim's setup did not change the masks: nothing to see");
	ASSERT_EQ(0, switch_backend("sim-alt"));
	alt = masks("current");
	EXPECT_NE(sim, alt) TH_LOG("sim-alt's setup did not take effect");
	ASSERT_EQ(0, switch_backend("sim"));
	EXPECT_EQ(sim, masks("current")) TH_LOG("sim after sim-alt differs from sim after load");
	ASSERT_EQ(0, switch_backend("sim-alt"));
	EXPECT_EQ(alt, masks("current"));
	ASSERT_EQ(0, switch_backend("sim"));
}

/* A failed setup unpublishes: the next one succeeds (not -EEXIST). */
TEST_F(setup, failed_setup_then_success)
{
	char why[VL_WHY_LEN] = "", name[64] = "";
	int cpus[CPU_SETSIZE], n, ret, vm;
	uint64_t seq = vl_last_seq();

	struct hv_kmsg log;

	n = vl_hotpluggable_cpus(cpus, CPU_SETSIZE);
	if (!n)
		SKIP(return, "needs a second CPU to differ from the boot CPU");
	ASSERT_EQ(0, simhw_set_features(cpus[n - 1], "0x5a5a"));
	ASSERT_EQ(0, hv_kmsg_open(&log));
	ret = switch_backend("sim-alt");
	ASSERT_NE(0, ret) TH_LOG("setup succeeded with cpu%d incompatible", cpus[n - 1]);
	/* The old backend fails on that CPU too: none is left, and the log says so. */
	EXPECT_TRUE(hv_kmsg_has(&log, "and sim again (-5): no backend"))
		TH_LOG("no backend is left, and the log does not say so");
	hv_kmsg_close(&log);
	EXPECT_EQ(-ENODEV, vl_vm_create()) TH_LOG("a VM with no backend");
	ASSERT_LE(0, vl_events_since(seq, &self->evs));
	ASSERT_LE(0, vl_event_find(&self->evs, 0, "backend_unpublish"))
		TH_LOG("failed setup did not unpublish");
	vl_events_free(&self->evs);
	ASSERT_EQ(0, simhw_set_features(cpus[n - 1], "default"));
	seq = vl_last_seq();
	ret = switch_backend("sim-alt");
	ASSERT_EQ(0, ret) TH_LOG("setup after a failed one: %s", strerror(-ret));
	ASSERT_LE(0, vl_read(VL_SYSFS "/backend", name, sizeof(name)));
	EXPECT_STREQ("sim-alt\n", name);
	ASSERT_LE(0, vl_events_since(seq, &self->evs));
	ASSERT_LE(0, setup_in_order(&self->evs, 0, why, sizeof(why))) TH_LOG("%s", why);
	vm = vl_vm_create();
	ASSERT_LE(0, vm) TH_LOG("VM after the switch: %s", strerror(-vm));
	ASSERT_STATE(vl_state_consistent);
}

/*
 * A switch whose new backend fails once (one injected compat failure) sets
 * the old one up again: it is in use, VMs work, and the log says nothing
 * of "no backend".
 */
TEST_F(setup, failed_switch_keeps_the_old_backend)
{
	char name[64] = "";
	struct hv_kmsg log;
	int ret, vm;

	ASSERT_EQ(0, vl_inject("fail_compat", "0", 1));
	ASSERT_EQ(0, hv_kmsg_open(&log));
	ret = switch_backend("sim-alt");
	EXPECT_EQ(-EIO, ret) TH_LOG("switch with an injected compat failure: %s", strerror(-ret));
	EXPECT_FALSE(hv_kmsg_has(&log, "no backend"))
		TH_LOG("the old backend came back, yet the log says none is left");
	hv_kmsg_close(&log);
	ASSERT_LE(0, vl_read(VL_SYSFS "/backend", name, sizeof(name)));
	EXPECT_STREQ("sim\n", name);
	vm = vl_vm_create();
	EXPECT_LE(0, vm) TH_LOG("VM on the old backend: %s", strerror(-vm));
	ASSERT_STATE(vl_state_consistent);
}

/* No switch while virtualization is in use; bad names change nothing. */
TEST_F(setup, switch_refused)
{
	char name[64] = "";
	int vm = vl_vm_create();

	ASSERT_LE(0, vm);
	EXPECT_EQ(-EBUSY, switch_backend("sim-alt"));
	ASSERT_EQ(0, vl_vm_close(vm));
	EXPECT_EQ(-EINVAL, switch_backend("nosuch"));
	EXPECT_EQ(-EINVAL, switch_backend("\n"));
	EXPECT_EQ(-EINVAL, switch_backend("sim sim"));
	ASSERT_LE(0, vl_read(VL_SYSFS "/backend", name, sizeof(name)));
	EXPECT_STREQ("sim\n", name);
	ASSERT_STATE(vl_state_consistent);
}

/*
 * A switch checks the online CPUs only: an incompatible CPU that is offline
 * does not fail it, and is checked against the new backend when it comes
 * online with virtualization in use (L5, L12).
 */
TEST_F(setup, switch_with_a_cpu_offline)
{
	int cpus[CPU_SETSIZE], n, cpu, ret, vm;
	cpu_set_t online;
	uint64_t seq;
	int checks;

	n = vl_hotpluggable_cpus(cpus, CPU_SETSIZE);
	if (!n)
		SKIP(return, "no hotpluggable CPU");
	cpu = cpus[n - 1];
	ASSERT_EQ(0, vl_cpu_set_online(cpu, false));
	ASSERT_EQ(0, simhw_set_features(cpu, "0x5a5a"));
	ASSERT_EQ(0, vl_online_cpus(&online));
	seq = vl_last_seq();
	ret = switch_backend("sim-alt");
	ASSERT_EQ(0, ret) TH_LOG("switch with incompatible cpu%d offline: %s",
				 cpu, strerror(-ret));
	ASSERT_LE(0, vl_events_since(seq, &self->evs));
	checks = vl_event_count(&self->evs, "compat_check");
	EXPECT_EQ(CPU_COUNT(&online), checks) TH_LOG("checks at the switch");
	vm = vl_vm_create();
	ASSERT_LE(0, vm) TH_LOG("VM after the switch: %s", strerror(-vm));
	ret = vl_cpu_set_online(cpu, true);
	EXPECT_NE(0, ret) TH_LOG("incompatible cpu%d came online under sim-alt", cpu);
	EXPECT_FALSE(vl_cpu_is_online(cpu));
	ASSERT_STATE(vl_state_consistent);
	ASSERT_EQ(0, simhw_set_features(cpu, "default"));
	ret = vl_cpu_set_online(cpu, true);
	ASSERT_EQ(0, ret) TH_LOG("online cpu%d: %s", cpu, strerror(-ret));
	EXPECT_TRUE(vl_cpu_view(cpu).enabled);
	ASSERT_EQ(0, vl_vm_close(vm));
	ASSERT_STATE(vl_state_consistent);
	ASSERT_EQ(0, switch_backend("sim"));
}

VL_HARNESS_MAIN(VL_BASE_NEEDS)
