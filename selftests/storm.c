// SPDX-License-Identifier: GPL-2.0
/*
 * storm - VMs created and closed while CPUs go offline and online.
 *
 * Invariants: L1 (the count is exact under concurrency), L4 (no CPU ever
 * enabled twice; per CPU, enables - disables stays 0 or 1), L5/L6 (no
 * spurious compatibility or enable failures), L7 (final state exact).
 * Duration: VIRTLIFE_STORM_SECONDS (default 8); seed: VIRTLIFE_SEED.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "vl_test.h"

#define VM_THREADS	2
#define HOLD_MAX	4

struct storm {
	double deadline;
	unsigned int seed;
	int cpus[CPU_SETSIZE], ncpus;
	atomic_int stop;
	atomic_long vm_ops, hp_ops, hp_busy, checks;
	char failure[VL_WHY_LEN];
	pthread_mutex_t lock;
};

static void storm_fail(struct storm *s, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&s->lock);
	if (!s->failure[0]) {
		va_start(ap, fmt);
		vsnprintf(s->failure, sizeof(s->failure), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&s->lock);
	atomic_store(&s->stop, 1);
}

static bool storm_running(struct storm *s)
{
	return !atomic_load(&s->stop) && vl_now() < s->deadline;
}

/* Create up to HOLD_MAX VMs, close them in random order, repeat. */
static void *vm_thread(void *arg)
{
	struct storm *s = arg;
	unsigned int seed = s->seed ^ (unsigned int)(uintptr_t)pthread_self();
	int held[HOLD_MAX], n = 0;

	while (storm_running(s)) {
		if (n < HOLD_MAX && (n == 0 || rand_r(&seed) & 1)) {
			int vm = vl_vm_create();

			if (vm < 0) {
				storm_fail(s, "create VM: %s", strerror(-vm));
				break;
			}
			held[n++] = vm;
		} else {
			int i = rand_r(&seed) % n;

			close(held[i]);
			held[i] = held[--n];
		}
		atomic_fetch_add(&s->vm_ops, 1);
	}
	while (n)
		close(held[--n]);
	return NULL;
}

/* Offline or online a random hotpluggable CPU. */
static void *hotplug_thread(void *arg)
{
	struct storm *s = arg;
	unsigned int seed = s->seed;

	while (storm_running(s)) {
		int cpu = s->cpus[rand_r(&seed) % s->ncpus];
		bool online = !vl_cpu_is_online(cpu);
		int ret = vl_cpu_set_online(cpu, online);

		if (ret == -EBUSY && !online) {
			atomic_fetch_add(&s->hp_busy, 1); /* platform refused */
		} else if (ret) {
			storm_fail(s, "%s cpu%d: %s", online ? "online" : "offline",
				   cpu, strerror(-ret));
			break;
		}
		atomic_fetch_add(&s->hp_ops, 1);
	}
	return NULL;
}

/* What must hold at every instant, read from the hardware witness. */
static void *checker_thread(void *arg)
{
	static struct simhw_cpu hw[CPU_SETSIZE];
	struct storm *s = arg;

	while (storm_running(s)) {
		int cpu, n = simhw_cpus(hw, CPU_SETSIZE);

		if (n <= 0) {
			storm_fail(s, "cannot read the witness");
			break;
		}
		for (cpu = 0; cpu < n; cpu++) {
			int64_t diff = (int64_t)(hw[cpu].enables - hw[cpu].disables);

			if (hw[cpu].double_enables || hw[cpu].wrong_cpu ||
			    hw[cpu].double_disables || diff < 0 || diff > 1)
				storm_fail(s, "cpu%d: enables=%llu disables=%llu double_enables=%llu double_disables=%llu wrong_cpu=%llu (L4)",
					   cpu, (unsigned long long)hw[cpu].enables,
					   (unsigned long long)hw[cpu].disables,
					   (unsigned long long)hw[cpu].double_enables,
					   (unsigned long long)hw[cpu].double_disables,
					   (unsigned long long)hw[cpu].wrong_cpu);
		}
		atomic_fetch_add(&s->checks, 1);
		usleep(20000);
	}
	return NULL;
}

FIXTURE(storm) {
	struct storm s;
};

FIXTURE_VARIANT(storm) {
	const char *params;
	uint64_t base;		/* references the driver holds itself */
};

/* usage crosses 0 <-> 1 all the time: transitions race with hotplug. */
FIXTURE_VARIANT_ADD(storm, on_demand) {
	.params = "enable_at_load=0",
	.base = 0,
};

/* usage never reaches 0: only hotplug does work. */
FIXTURE_VARIANT_ADD(storm, at_load) {
	.params = "enable_at_load=1",
	.base = 1,
};

FIXTURE_SETUP(storm)
{
	VL_SETUP(variant->params);
	pthread_mutex_init(&self->s.lock, NULL);
	self->s.ncpus = vl_hotpluggable_cpus(self->s.cpus, CPU_SETSIZE);
}

VL_TEARDOWN_CHECKED(storm, vl_events_dump("storm"), vl_teardown)

TEST_F_TIMEOUT(storm, vms_and_hotplug, 600)
{
	struct storm *s = &self->s;
	pthread_t vm[VM_THREADS], hp, check;
	double secs = vl_duration("storm", 8);
	uint64_t fails = 0, usage;
	int i;

	if (!s->ncpus)
		SKIP(return, "no hotpluggable CPU");
	s->seed = vl_seed();
	s->deadline = vl_now() + secs;
	for (i = 0; i < VM_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&vm[i], NULL, vm_thread, s));
	ASSERT_EQ(0, pthread_create(&hp, NULL, hotplug_thread, s));
	ASSERT_EQ(0, pthread_create(&check, NULL, checker_thread, s));
	for (i = 0; i < VM_THREADS; i++)
		pthread_join(vm[i], NULL);
	pthread_join(hp, NULL);
	pthread_join(check, NULL);
	vl_note("%.0f s: %ld VM ops, %ld hotplug ops (%ld refused by the platform), %ld checks",
		secs, atomic_load(&s->vm_ops), atomic_load(&s->hp_ops),
		atomic_load(&s->hp_busy), atomic_load(&s->checks));
	ASSERT_EQ(0, s->failure[0]) TH_LOG("%s", s->failure);
	EXPECT_LT(0, atomic_load(&s->hp_ops));
	EXPECT_LT(0, atomic_load(&s->vm_ops));

	/* Quiescent with some CPUs offline: offline CPUs must be off. */
	ASSERT_STATE(vl_state_consistent);
	ASSERT_EQ(0, vl_online_all_cpus());
	ASSERT_EQ(0, vl_usage(&usage));
	EXPECT_EQ(variant->base, usage);
	ASSERT_STATE(vl_state_consistent);
	ASSERT_EQ(0, vl_counter("compat_failures", &fails));
	EXPECT_EQ(0, fails);
	ASSERT_EQ(0, vl_counter("enable_failures", &fails));
	EXPECT_EQ(0, fails);
}

VL_HARNESS_MAIN(VL_BASE_NEEDS)
