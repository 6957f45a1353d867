// SPDX-License-Identifier: GPL-2.0
/*
 * storm - VMs created and closed while CPUs go offline and online.
 *
 * Invariants: L1 (the count is exact under concurrency), L4 (no CPU ever
 * enabled twice; per CPU, enables - disables stays 0 or 1), L5/L6 (no
 * spurious compatibility or enable failures), L7 (final state exact); with
 * TDs too, T9 (a package's last CPU stays while TDX is up: refused, counted).
 * Duration: VIRTLIFE_STORM_SECONDS (default 8); VIRTLIFE_STORM_TRANSITIONS
 * ends it after that many CPU transitions (make soak: 10000), with a
 * progress line at each tenth; seed: VIRTLIFE_SEED.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "tdx_util.h"
#include "vl_test.h"

#define VM_THREADS	2
#define HOLD_MAX	4

struct storm {
	double deadline;
	unsigned int seed;
	int cpus[CPU_SETSIZE], ncpus;
	long transitions;	/* stop after this many CPU transitions; 0: none */
	atomic_int stop;
	atomic_long vm_ops, td_ops, hp_ops, hp_busy, checks;
	double start;
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
	return !atomic_load(&s->stop) && vl_now() < s->deadline &&
	       (!s->transitions || atomic_load(&s->hp_ops) < s->transitions);
}

/* Create up to HOLD_MAX VMs (or TDs), close them in random order, repeat. */
static void guests(struct storm *s, bool td)
{
	unsigned int seed = s->seed ^ (unsigned int)(uintptr_t)pthread_self();
	int held[HOLD_MAX], n = 0;

	while (storm_running(s)) {
		if (n < HOLD_MAX && (n == 0 || rand_r(&seed) & 1)) {
			int vm = td ? tdx_td_create() : vl_vm_create();

			if (vm < 0) {
				storm_fail(s, "create %s: %s", td ? "TD" : "VM", strerror(-vm));
				break;
			}
			held[n++] = vm;
		} else {
			int i = rand_r(&seed) % n;

			close(held[i]);
			held[i] = held[--n];
		}
		atomic_fetch_add(td ? &s->td_ops : &s->vm_ops, 1);
	}
	while (n)
		close(held[--n]);
}

static void *vm_thread(void *arg)
{
	guests(arg, false);
	return NULL;
}

static void *td_thread(void *arg)
{
	guests(arg, true);
	return NULL;
}

/* Offline or online a random hotpluggable CPU. */
static void *hotplug_thread(void *arg)
{
	struct storm *s = arg;
	unsigned int seed = s->seed;
	long n;

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
		n = atomic_fetch_add(&s->hp_ops, 1) + 1;
		if (s->transitions >= 10 && n % (s->transitions / 10) == 0)
			vl_note("storm: %ld/%ld CPU transitions, %.1f/s, %ld VM and %ld TD ops, %ld refused",
				n, s->transitions, n / (vl_now() - s->start),
				atomic_load(&s->vm_ops), atomic_load(&s->td_ops),
				atomic_load(&s->hp_busy));
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
	bool tds;		/* a thread of TDs beside the VMs */
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

/*
 * TDs too: the TDX module initialized, its per-CPU rules under hotplug.
 * The TDX session holds a reference from the first TD on (L1, T3).
 */
FIXTURE_VARIANT_ADD(storm, with_tds) {
	.params = "enable_at_load=0",
	.base = 1,
	.tds = true,
};

FIXTURE_SETUP(storm)
{
	if (variant->tds) {
		/* A TDX platform as at boot: the module not yet initialized. */
		int ret = tdx_cold_boot("", variant->params);

		ASSERT_EQ(0, ret) TH_LOG("TDX cold boot: %s", strerror(-ret));
		if (tdx_off_for_hibernation())
			SKIP(return, "TDX is off for this boot: hibernation is possible (T10)");
	} else {
		VL_SETUP(variant->params);
	}
	pthread_mutex_init(&self->s.lock, NULL);
	self->s.ncpus = vl_hotpluggable_cpus(self->s.cpus, CPU_SETSIZE);
}

/* A storm with TDs leaves the TDX session's state to be checked too. */
VL_TEARDOWN_CHECKED(storm, vl_events_dump("storm"),
		    variant->tds ? tdx_teardown : vl_teardown)

TEST_F_TIMEOUT(storm, vms_and_hotplug, 1800)
{
	struct storm *s = &self->s;
	pthread_t vm[VM_THREADS], td, hp, check;
	double secs = vl_duration("storm", 8);
	const char *env = getenv("VIRTLIFE_STORM_TRANSITIONS");
	uint64_t fails = 0, usage;
	char state[32] = "";
	int i, fd;

	if (!s->ncpus)
		SKIP(return, "no hotpluggable CPU");
	if (variant->tds) {
		/* The first TD initializes TDX, with every CPU online (T3). */
		tdx_state(state, sizeof(state), NULL, NULL, 0);
		if (!strcmp(state, "off"))
			SKIP(return, "TDX is off on this platform (tdx/state)");
		fd = tdx_td_create();
		ASSERT_LE(0, fd) TH_LOG("first TD: %s", strerror(-fd));
		close(fd);
	}
	if (env) {
		char *end;

		s->transitions = strtol(env, &end, 10);
		ASSERT_TRUE(*env && !*end && s->transitions > 0)
			TH_LOG("VIRTLIFE_STORM_TRANSITIONS=%s: not a positive count", env);
	}
	s->seed = vl_seed();
	s->start = vl_now();
	s->deadline = s->start + secs;
	for (i = 0; i < VM_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&vm[i], NULL, vm_thread, s));
	if (variant->tds)
		ASSERT_EQ(0, pthread_create(&td, NULL, td_thread, s));
	ASSERT_EQ(0, pthread_create(&hp, NULL, hotplug_thread, s));
	ASSERT_EQ(0, pthread_create(&check, NULL, checker_thread, s));
	for (i = 0; i < VM_THREADS; i++)
		pthread_join(vm[i], NULL);
	if (variant->tds)
		pthread_join(td, NULL);
	pthread_join(hp, NULL);
	pthread_join(check, NULL);
	vl_note("%.1f s: %ld VM ops, %ld TD ops, %ld hotplug ops (%ld refused by the platform), %ld checks",
		vl_now() - s->start, atomic_load(&s->vm_ops), atomic_load(&s->td_ops),
		atomic_load(&s->hp_ops), atomic_load(&s->hp_busy), atomic_load(&s->checks));
	ASSERT_EQ(0, s->failure[0]) TH_LOG("%s", s->failure);
	EXPECT_LT(0, atomic_load(&s->hp_ops));
	EXPECT_LT(0, atomic_load(&s->vm_ops));
	if (variant->tds)
		EXPECT_LT(0, atomic_load(&s->td_ops));
	/* A count asked for is a count reached, not a time that ran out. */
	if (s->transitions)
		EXPECT_EQ(s->transitions, atomic_load(&s->hp_ops))
			TH_LOG("%ld of %ld CPU transitions in %.0f s (VIRTLIFE_STORM_SECONDS)",
			       atomic_load(&s->hp_ops), s->transitions, secs);

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
