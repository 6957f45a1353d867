// SPDX-License-Identifier: GPL-2.0
/*
 * knobs - every control file rejects bad input with -EINVAL and changes
 * nothing; read-only files and unknown ioctls are refused; the event log
 * that the other programs' order checks read says what it dropped.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "virtlife.h"
#include "vl_test.h"

FIXTURE(knobs) {
	char big_cpu[32];	/* "N 1" with N a CPU that cannot exist */
};

FIXTURE_SETUP(knobs)
{
	VL_SETUP("enable_at_load=1");
	snprintf(self->big_cpu, sizeof(self->big_cpu), "%d 1",
		 vl_nr_possible_cpus() + 4096);
}

VL_STANDARD_TEARDOWN(knobs)

static const char *const bad_fault[] = {
	"\n", "abc", "1", "0 ", "0 1 2", "0 -2", "-1 1", "0- 1", "0 1x",
	"0,,1 1", "0 99999999999999999999", "none 1", "0\t1\n\n2",
	"nonex", "1-0 1",
};

/* Write each bad value; each must fail with EINVAL and leave @path as it was. */
static void reject_all(struct __test_metadata *_metadata, const char *path,
		       const char *const *bad, int n, const char *extra)
{
	char before[4096], after[4096];
	int i, ret;

	ASSERT_LE(0, vl_read(path, before, sizeof(before)));
	for (i = 0; i <= n; i++) {
		const char *val = i < n ? bad[i] : extra;

		ret = vl_write(path, val);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s accepted \"%s\" (%d)", path, val, ret);
		ASSERT_LE(0, vl_read(path, after, sizeof(after)));
		EXPECT_STREQ(before, after) TH_LOG("%s changed by \"%s\"", path, val);
	}
}

TEST_F(knobs, fault_knobs_reject_garbage)
{
	const int n = sizeof(bad_fault) / sizeof(bad_fault[0]);

	/* Set a known value first so that "unchanged" is not just "empty". */
	ASSERT_EQ(0, vl_write(VL_DEBUGFS "/fail_compat", "1 5"));
	ASSERT_EQ(0, vl_write(VL_DEBUGFS "/fail_enable", "0 3"));
	reject_all(_metadata, VL_DEBUGFS "/fail_compat", bad_fault, n, self->big_cpu);
	reject_all(_metadata, VL_DEBUGFS "/fail_enable", bad_fault, n, self->big_cpu);
}

TEST_F(knobs, fault_knobs_round_trip)
{
	static const char *const good[][2] = {
		{ "1 3", "1 3\n" },
		{ "0-1 -1\n", "0-1 -1\n" },
		{ "0,1 2", "0-1 2\n" },
		{ "none", "none\n" },
		{ "0 7", "0 7\n" },
		{ "1 0", "none\n" },
	};
	const char *knobs[] = { "fail_compat", "fail_enable" };
	char path[128], buf[128];
	unsigned int i, k;

	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), VL_DEBUGFS "/%s", knobs[k]);
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			ASSERT_EQ(0, vl_write(path, good[i][0]))
				TH_LOG("%s rejected \"%s\"", path, good[i][0]);
			ASSERT_LE(0, vl_read(path, buf, sizeof(buf)));
			EXPECT_STREQ(good[i][1], buf);
		}
	}
}

/* features is write-only: compare the witness's per-CPU table instead. */
TEST_F(knobs, simhw_features_reject_garbage)
{
	static const char *const bad[] = {
		"\n", "x", "0", "0 0xzz", "-1 0x1", "0 1 2", "0 default x",
		"1 -5", "default", "4096 0x1", "0 0x1ffffffffffffffff",
	};
	static struct simhw_cpu before[CPU_SETSIZE], after[CPU_SETSIZE];
	int n, cpu;
	unsigned int i;

	ASSERT_EQ(0, simhw_set_features(0, "0x77"));
	n = simhw_cpus(before, CPU_SETSIZE);
	ASSERT_LT(0, n);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = vl_write(SIMHW_DEBUGFS "/features", bad[i]);

		if (ret != -EINVAL)
			TH_LOG("features: \"%s\" gave %d", bad[i], ret);
		EXPECT_EQ(-EINVAL, ret);
	}
	ASSERT_EQ(n, simhw_cpus(after, CPU_SETSIZE));
	for (cpu = 0; cpu < n; cpu++)
		EXPECT_EQ(before[cpu].features, after[cpu].features)
			TH_LOG("cpu%d", cpu);
	EXPECT_EQ(0x77, after[0].features);
}

TEST_F(knobs, read_only_files_refuse_writes)
{
	static const char *const ro[] = {
		VL_SYSFS "/usage_count", VL_SYSFS "/enabled_cpus",
		VL_SYSFS "/backend", VL_DEBUGFS "/counters", VL_DEBUGFS "/cpus",
		VL_DEBUGFS "/events", SIMHW_DEBUGFS "/cpus",
		SIMHW_DEBUGFS "/enabled_cpus",
	};
	uint64_t usage;
	unsigned int i;

	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		int ret = vl_write(ro[i], "0");

		if (ret == 0)
			TH_LOG("%s is writable", ro[i]);
		EXPECT_NE(0, ret);
	}
	ASSERT_EQ(0, vl_usage(&usage));
	EXPECT_EQ(1, usage);
	ASSERT_STATE(vl_state_consistent);
}

TEST_F(knobs, unknown_ioctls_refused)
{
	uint64_t usage;
	int dev, vm;

	dev = open(VL_DEV, O_RDWR);
	ASSERT_LE(0, dev);
	EXPECT_EQ(-1, ioctl(dev, _IO('V', 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(VIRTLIFE_API_VERSION, ioctl(dev, VIRTLIFE_GET_API_VERSION, 0));
	vm = ioctl(dev, VIRTLIFE_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	EXPECT_EQ(-1, ioctl(vm, VIRTLIFE_CREATE_VM, 0));
	EXPECT_EQ(ENOTTY, errno);
	close(vm);
	close(dev);
	ASSERT_EQ(0, vl_usage(&usage));
	EXPECT_EQ(1, usage);
	ASSERT_STATE(vl_state_consistent);
}

/* The race-window knob: only known points and sane delays. */
TEST_F(knobs, delay_knob_rejects_garbage)
{
	static const char *const bad[] = {
		"\n", "nosuch 10", "after_hotplug_add", "after_hotplug_add -1",
		"after_hotplug_add 60001", "after_hotplug_add 10 x",
		"after_hotplug_add  10", "after_hotplug_add 0x10", "10",
	};

	ASSERT_EQ(0, vl_write(VL_DEBUGFS "/delay", "after_syscore_register 5"));
	reject_all(_metadata, VL_DEBUGFS "/delay", bad,
		   sizeof(bad) / sizeof(bad[0]), "after_state_check 1 2");
	ASSERT_EQ(0, vl_write(VL_DEBUGFS "/delay", "none"));
}

/* A malformed fault parameter fails the load and leaves nothing. */
TEST_F(knobs, bad_load_parameters_refused)
{
	static const char *const bad[] = {
		"fail_enable=garbage", "fail_compat=\"0 -2\"",
		"fail_enable=\"0\"", "enable_at_load=maybe", "backend=nosuch",
		"delay=\"nosuch 10\"", "delay=\"after_hotplug_add -5\"",
	};
	unsigned int i;
	int ret;

	ASSERT_EQ(0, vl_unload());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ret = vl_load(bad[i]);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("insmod virtlife %s: %d", bad[i], ret);
		if (!ret)
			ASSERT_EQ(0, vl_unload());
		ASSERT_STATE(vl_fully_unloaded);
	}
}

/*
 * Past its size the event ring keeps exactly the newest events, in order,
 * counts the rest as dropped, and a read from before them is refused
 * rather than silently short.
 */
TEST_F(knobs, event_log_wraps_exactly)
{
	uint64_t seq0 = vl_last_seq(), seq1, last, dropped = 1;
	struct vl_events evs;
	int i, n, per_cycle, cycles, vm;

	vm = vl_vm_create();
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, vl_vm_close(vm));
	seq1 = vl_last_seq();
	per_cycle = seq1 - seq0;
	ASSERT_LT(0, per_cycle) TH_LOG("a VM's create and close logged no event");
	ASSERT_LT(0, vl_events_since(0, &evs));
	n = evs.n;
	vl_events_free(&evs);
	ASSERT_EQ(seq1, (uint64_t)n) TH_LOG("before the wrap the ring holds every event since load");
	/* Then past its size: it wraps. */
	cycles = (VL_EVENT_LOG_SIZE + 16) / per_cycle + 1;
	for (i = 0; i < cycles; i++) {
		vm = vl_vm_create();
		ASSERT_LE(0, vm) TH_LOG("VM %d: %s", i, strerror(-vm));
		ASSERT_EQ(0, vl_vm_close(vm));
	}
	n = vl_events_since(0, &evs);
	ASSERT_LT(0, n);
	last = evs.ev[n - 1].seq;
	ASSERT_LT((uint64_t)n, last) TH_LOG("%d events in the ring, %llu logged: no wrap",
					     n, (unsigned long long)last);
	EXPECT_EQ(last - n + 1, evs.ev[0].seq);
	for (i = 1; i < n; i++)
		if (evs.ev[i].seq != evs.ev[i - 1].seq + 1)
			break;
	EXPECT_EQ(n, i) TH_LOG("seq %llu follows %llu", (unsigned long long)evs.ev[i].seq,
			       (unsigned long long)evs.ev[i - 1].seq);
	vl_events_free(&evs);
	ASSERT_EQ(0, vl_counter("events_dropped", &dropped));
	EXPECT_EQ(last - n, dropped);
	EXPECT_EQ(-EOVERFLOW, vl_events_since(seq1, &evs));
	EXPECT_EQ(-EOVERFLOW, vl_events_since(last - n - 1, &evs));
	EXPECT_EQ(n, vl_events_since(last - n, &evs));
	vl_events_free(&evs);
	EXPECT_EQ(10, vl_events_since(last - 10, &evs));
	vl_events_free(&evs);
	ASSERT_STATE(vl_state_consistent);
}

VL_HARNESS_MAIN(VL_BASE_NEEDS)
