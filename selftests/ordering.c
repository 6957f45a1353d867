// SPDX-License-Identifier: GPL-2.0
/*
 * ordering - the event log shows the kernel's order on every transition.
 *
 * Invariants: L2 (0->1: arch enable, hotplug state with per-CPU enables,
 * syscore ops, system_state check, done), L3 (1->0: syscore ops, hotplug
 * state with per-CPU disables, arch disable), L12 (backend published
 * before the compatibility checks).
 */
#include "vl_test.h"

FIXTURE(ordering) {
	struct vl_events evs;
	int ncpus;
};

FIXTURE_SETUP(ordering)
{
	cpu_set_t online;

	VL_SETUP("enable_at_load=0");
	ASSERT_EQ(0, vl_online_cpus(&online));
	self->ncpus = CPU_COUNT(&online);
}

VL_EVENTS_TEARDOWN(ordering)

/*
 * Check that @steps appear in this order from @from, with every @percpu
 * event between @steps[0] and the step named @percpu_before, @want of them.
 * Returns the index of the last step, or -1 with @why filled.
 */
static int in_order(const struct vl_events *evs, int from,
		    const char *const *steps, int nsteps,
		    const char *percpu, const char *percpu_before, int want,
		    char *why, size_t len)
{
	int i, pos = from, first = -1, limit = -1, seen = 0;

	for (i = 0; i < nsteps; i++) {
		int at = vl_event_find(evs, pos, steps[i]);

		if (at < 0) {
			snprintf(why, len, "'%s' missing after event #%d (%s)",
				 steps[i], pos, i ? steps[i - 1] : "start");
			return -1;
		}
		if (i == 0)
			first = at;
		if (!strcmp(steps[i], percpu_before))
			limit = at;
		pos = at + 1;
	}
	for (i = from; i < evs->n; i++) {
		if (strcmp(evs->ev[i].name, percpu))
			continue;
		if (i < first || i > limit) {
			snprintf(why, len, "%s (cpu%lld) at #%d is outside %s..%s",
				 percpu, evs->ev[i].arg, i, steps[0], percpu_before);
			return -1;
		}
		seen++;
	}
	if (seen != want) {
		snprintf(why, len, "%d %s events, expected %d", seen, percpu, want);
		return -1;
	}
	return pos - 1;
}

static const char *const enable_steps[] = {
	"arch_enable", "hotplug_add", "syscore_register", "state_check",
	"enable_done",
};

static const char *const disable_steps[] = {
	"syscore_unregister", "hotplug_remove", "arch_disable",
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

TEST_F(ordering, vm_transitions)
{
	char why[VL_WHY_LEN] = "";
	uint64_t seq = vl_last_seq();
	int vm, end;

	vm = vl_vm_create();
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, vl_vm_close(vm));
	ASSERT_LT(0, vl_events_since(seq, &self->evs));
	end = in_order(&self->evs, 0, enable_steps, N(enable_steps),
		       "cpu_enable", "syscore_register", self->ncpus,
		       why, sizeof(why));
	ASSERT_LE(0, end) TH_LOG("0->1: %s", why);
	end = in_order(&self->evs, end + 1, disable_steps, N(disable_steps),
		       "cpu_disable", "arch_disable", self->ncpus,
		       why, sizeof(why));
	ASSERT_LE(0, end) TH_LOG("1->0: %s", why);
}

/* Nested references do no work: only the outer pair logs transitions. */
TEST_F(ordering, nested_references)
{
	uint64_t seq;
	int a, b;

	a = vl_vm_create();
	ASSERT_LE(0, a);
	seq = vl_last_seq();
	b = vl_vm_create();
	ASSERT_LE(0, b);
	ASSERT_EQ(0, vl_vm_close(b));
	ASSERT_LE(0, vl_events_since(seq, &self->evs));
	EXPECT_EQ(0, vl_event_count(&self->evs, "arch_enable"));
	EXPECT_EQ(0, vl_event_count(&self->evs, "cpu_enable"));
	EXPECT_EQ(0, vl_event_count(&self->evs, "arch_disable"));
	EXPECT_EQ(0, vl_event_count(&self->evs, "cpu_disable"));
}

/* enable_at_load=1: publish, check every CPU, then the 0->1 order. */
TEST_F(ordering, load_transition)
{
	char why[VL_WHY_LEN] = "";
	int publish, check, end;

	ASSERT_EQ(0, vl_unload());
	ASSERT_EQ(0, vl_load("enable_at_load=1"));
	ASSERT_LT(0, vl_events_since(0, &self->evs));
	publish = vl_event_find(&self->evs, 0, "backend_publish");
	check = vl_event_find(&self->evs, 0, "compat_check");
	ASSERT_LE(0, publish) TH_LOG("no backend_publish event");
	ASSERT_LT(publish, check) TH_LOG("compat check before the backend was published (L12)");
	end = in_order(&self->evs, check, enable_steps, N(enable_steps),
		       "cpu_enable", "syscore_register", self->ncpus,
		       why, sizeof(why));
	ASSERT_LE(0, end) TH_LOG("load 0->1: %s", why);
}

VL_HARNESS_MAIN(VL_BASE_NEEDS)
