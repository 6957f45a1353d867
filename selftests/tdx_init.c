// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_init - the TDX module's once-per-boot initialization, as the
 * emulated module (the witness) sees it, and the interfaces that start it.
 *
 * Invariants: T1 (once per boot; INITIALIZED and ERROR are final, across
 * reloads of virtlife.ko; concurrent requests make one initialization),
 * T2 (SYS.INIT once), T3 (LP.INIT once per CPU), T4 (on demand, or at load
 * with tdx=1), T5 (KEY.CONFIG once per package, on a CPU of that package),
 * T7 (no module -> off with -ENODEV, the driver still works; #GP ->
 * -EOPNOTSUPP; any other failure at load fails the load).
 * Every scenario starts from a cold boot of the simulated platform.
 */
#include <pthread.h>

#include "tdx_test.h"
#include "tdx_mem.h"
#include "hwvirt.h"

#define RACERS	16

FIXTURE(tdx_init) {
	struct tdx_leaves before;
};

FIXTURE_SETUP(tdx_init)
{
	TDX_BOOT("", "");
	ASSERT_EQ(0, tdx_leaves(&self->before));
}

/* The TDX initialization as a timeline in the report (tools/results). */
VL_TEARDOWN_CHECKED(tdx_init, vl_events_dump("tdx_init"), tdx_teardown)

/* T4: loading virtlife.ko and running normal VMs never touch the module. */
TEST_F(tdx_init, on_demand_only_T4)
{
	struct tdx_core_state st;
	struct tdx_leaves l;
	int vm = vl_vm_create();

	ASSERT_LE(0, vm) TH_LOG("normal VM: %s", strerror(-vm));
	ASSERT_EQ(0, tdx_leaves(&l));
	EXPECT_EQ(0, tdx_leaves_total(&l));
	EXPECT_TDX_STATE("uninitialized", 0);
	ASSERT_EQ(0, tdx_core_state(&st));
	EXPECT_STREQ("uninitialized", st.status);
	EXPECT_STREQ("none", st.sys_init);
	EXPECT_EQ(0, st.pamt_bytes);
}

/*
 * T10: the device whose prepare callback refuses S3 on a TDX platform is
 * there, bound to its driver, from the load on (the suspend guest tests
 * the refusal itself).
 */
TEST_F(tdx_init, host_device_bound_T10)
{
	const char *link = "/sys/bus/platform/devices/virtlife_tdx_host/driver";
	char target[256];
	const char *name;
	ssize_t n;

	n = readlink(link, target, sizeof(target) - 1);
	ASSERT_LT(0, n) TH_LOG("%s: %s", link, strerror(errno));
	target[n] = '\0';
	name = strrchr(target, '/');
	EXPECT_STREQ("virtlife_tdx_host", name ? name + 1 : target) TH_LOG("-> %s", target);
}

/* T1, T2, T3, T5: the first request runs the whole sequence once. */
TEST_F(tdx_init, first_request_T2_T3_T5)
{
	ASSERT_ERRNO(0, tdx_enable());
	EXPECT_CHECK(tdx_first_init_ok(WHY));
	/* Already initialized: later requests succeed at once, no SEAMCALL. */
	ASSERT_EQ(0, tdx_leaves(&self->before));
	EXPECT_ERRNO(0, tdx_enable());
	EXPECT_LE(0, tdx_td_create());
	EXPECT_CHECK(tdx_first_init_ok(WHY));
}

/* T5: one KEY.CONFIG per physical package, each on a CPU of that package. */
TEST_F(tdx_init, key_config_once_per_package_T5)
{
	struct tdx_emu_package pkgs[256];
	cpu_set_t online;
	bool listed[1024] = { false };
	int np, i, cpu, pkg;

	ASSERT_ERRNO(0, tdx_enable());
	np = tdx_emu_packages(pkgs, 256);
	ASSERT_LT(0, np);
	EXPECT_EQ(tdx_nr_packages(), np);
	for (i = 0; i < np; i++) {
		EXPECT_EQ(1, pkgs[i].key_config_calls)
			TH_LOG("package %d: %llu KEY.CONFIG calls", pkgs[i].package,
			       (unsigned long long)pkgs[i].key_config_calls);
		EXPECT_TRUE(pkgs[i].configured);
		EXPECT_EQ(pkgs[i].package, tdx_cpu_package(pkgs[i].by_cpu))
			TH_LOG("package %d configured by cpu%d", pkgs[i].package,
			       pkgs[i].by_cpu);
		if (pkgs[i].package >= 0 && pkgs[i].package < 1024)
			listed[pkgs[i].package] = true;
	}
	/* Every package of the topology was configured. */
	ASSERT_EQ(0, vl_online_cpus(&online));
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &online))
			continue;
		pkg = tdx_cpu_package(cpu);
		EXPECT_TRUE(pkg >= 0 && pkg < 1024 && listed[pkg])
			TH_LOG("package %d of cpu%d not configured", pkg, cpu);
	}
	EXPECT_CHECK(tdx_first_init_ok(WHY));
}

/*
 * T1, T2, T3: reloading virtlife.ko keeps the host core's state: no
 * second SYS.INIT, no new LP.INIT, not one SEAMCALL more.
 */
TEST_F(tdx_init, reload_keeps_initialized_T1_T2_T3)
{
	struct tdx_core_state st;
	struct tdx_leaves init, after;
	char a[256], b[256];
	int i, vm;

	ASSERT_ERRNO(0, tdx_enable());
	ASSERT_EQ(0, tdx_leaves(&init));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vl_unload());
		ASSERT_EQ(0, tdx_core_state(&st));
		EXPECT_STREQ("initialized", st.status);
		ASSERT_EQ(0, vl_load(i ? "tdx=1" : ""));
		EXPECT_TDX_STATE("initialized", 0);
		EXPECT_ERRNO(0, tdx_enable());
		vm = tdx_td_create();
		EXPECT_LE(0, vm) TH_LOG("TD after reload: %s", tdx_errno_name(vm));
		vl_vm_close_all();
	}
	ASSERT_EQ(0, tdx_leaves(&after));
	tdx_leaves_format(&init, a, sizeof(a));
	tdx_leaves_format(&after, b, sizeof(b));
	EXPECT_EQ(0, memcmp(&init, &after, sizeof(init)))
		TH_LOG("SEAMCALLs after the reloads: %s, before: %s", b, a);
	EXPECT_CHECK(tdx_first_init_ok(WHY));
}

/*
 * T1: ERROR is final. After a failed SYS.CONFIG every request fails with
 * -EINVAL without one SEAMCALL, also after virtlife.ko is reloaded.
 */
TEST_F(tdx_init, error_is_final_T1)
{
	struct tdx_core_state st;
	struct tdx_leaves failed, now;
	int i;

	ASSERT_EQ(0, tdx_fail_leaf("SYS.CONFIG", TDX_OPERAND_INVALID, 1));
	ASSERT_ERRNO(-EIO, tdx_enable());
	EXPECT_TDX_STATE("error", -EIO);
	ASSERT_EQ(0, tdx_core_state(&st));
	EXPECT_STREQ("error", st.status);
	EXPECT_EQ(-EIO, st.error);
	ASSERT_EQ(0, tdx_leaves(&failed));
	EXPECT_EQ(1, failed.calls[TDX_SYS_CONFIG]);
	for (i = 0; i < 2; i++) {
		if (i) {
			ASSERT_EQ(0, vl_unload());
			ASSERT_EQ(0, vl_load(""));
			EXPECT_TDX_STATE("error", -EIO);
		}
		EXPECT_ERRNO(-EINVAL, tdx_enable());
		EXPECT_ERRNO(-EINVAL, tdx_td_create());
		EXPECT_ERRNO(-EINVAL, tdx_enable());
		ASSERT_EQ(0, tdx_leaves(&now));
		EXPECT_EQ(tdx_leaves_total(&failed), tdx_leaves_total(&now))
			TH_LOG("a request after ERROR issued SEAMCALLs (%s)",
			       i ? "after a reload" : "same load");
	}
	/* A normal VM still works. */
	EXPECT_LE(0, vl_vm_create());
}

/* ---------------------------------------------------------------- races */

struct racer {
	pthread_barrier_t *start;
	bool td;
	int ret;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	r->ret = r->td ? tdx_td_create() : tdx_enable();
	return NULL;
}

FIXTURE(tdx_race) {
	int unused;
};

FIXTURE_VARIANT(tdx_race) {
	int tds;	/* of RACERS threads, how many create TDs; the rest write enable */
	const char *vl_params;
};

FIXTURE_VARIANT_ADD(tdx_race, enable_writes) {
	.tds = 0, .vl_params = "",
};

FIXTURE_VARIANT_ADD(tdx_race, td_creates) {
	.tds = RACERS, .vl_params = "enable_at_load=0",
};

FIXTURE_VARIANT_ADD(tdx_race, mixed) {
	.tds = RACERS / 2, .vl_params = "enable_at_load=0",
};

FIXTURE_SETUP(tdx_race)
{
	TDX_BOOT("", variant->vl_params);
}

VL_TEARDOWN_CHECKED(tdx_race, vl_events_dump("tdx_race"), tdx_teardown)

/* T1, T2, T5: 16 threads released at once make exactly one initialization. */
TEST_F(tdx_race, one_initialization_T1_T2_T5)
{
	pthread_t th[RACERS];
	struct racer r[RACERS];
	pthread_barrier_t start;
	int i;

	pthread_barrier_init(&start, NULL, RACERS);
	for (i = 0; i < RACERS; i++) {
		r[i] = (struct racer){ &start, i < variant->tds, -1 };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, racer_run, &r[i]));
	}
	for (i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	for (i = 0; i < RACERS; i++) {
		int ret = r[i].ret;
		const char *what = r[i].td ? "TD" : "enable";

		EXPECT_LE(0, ret) TH_LOG("thread %d (%s): %s", i, what,
					 tdx_errno_name(ret));
	}
	EXPECT_CHECK(tdx_first_init_ok(WHY));
}

/* ------------------------------------------------------- no TDX module */

FIXTURE(tdx_off) {
	struct hv_kmsg log;
};

FIXTURE_VARIANT(tdx_off) {
	const char *vl_params;
	bool at_load;
};

FIXTURE_VARIANT_ADD(tdx_off, on_demand) {
	.vl_params = "", .at_load = false,
};

FIXTURE_VARIANT_ADD(tdx_off, at_load) {
	.vl_params = "tdx=1", .at_load = true,
};

FIXTURE_SETUP(tdx_off)
{
	/* Before the load: with tdx=1 the first SEAMCALL is made there. */
	ASSERT_EQ(0, hv_kmsg_open(&self->log));
	TDX_BOOT("tdx_module=0", variant->vl_params);
}

VL_TEARDOWN_CHECKED(tdx_off, hv_kmsg_close(&self->log), tdx_teardown)

/*
 * T7: no TDX module (VMFAILINVALID): virtlife loads, TDX is off with
 * -ENODEV and says so (in its state, and in the log line that
 * tdx-diagnose reads on a host), TDs fail with -ENODEV, normal VMs work.
 */
TEST_F(tdx_off, no_module_is_off_T7)
{
	static char msgs[32768];
	char line[256];
	int vm;

	ASSERT_TRUE(vl_loaded());
	if (variant->at_load) {
		EXPECT_TDX_STATE("off", -ENODEV);
	} else {
		EXPECT_TDX_STATE("uninitialized", 0);
		EXPECT_ERRNO(-ENODEV, tdx_enable());
	}
	EXPECT_TDX_STATE("off", -ENODEV);
	ASSERT_EQ(0, tdx_state(NULL, 0, NULL, line, sizeof(line)));
	/* "says why": more than the bare word and the errno. */
	EXPECT_LT(strlen("off: (-ENODEV)"), strlen(line)) TH_LOG("'%s'", line);
	ASSERT_LE(0, hv_kmsg_text(&self->log, msgs, sizeof(msgs)));
	EXPECT_TRUE(strstr(msgs, "virtlife_tdx: module not loaded") != NULL);
	/* virtlife's own line names the cause, not a per-CPU failure. */
	EXPECT_TRUE(strstr(msgs, "virtlife: TDX off: no TDX module") != NULL);
	EXPECT_ERRNO(-ENODEV, tdx_td_create());
	EXPECT_ERRNO(-ENODEV, tdx_enable());
	EXPECT_TDX_STATE("off", -ENODEV);
	vm = vl_vm_create();
	EXPECT_LE(0, vm) TH_LOG("normal VM with TDX off: %s", strerror(-vm));
	ASSERT_STATE(vl_state_consistent);
}

/* ---------------------------------------- loading with tdx=1, and SEAM off */

FIXTURE(tdx_load) {
	struct tdx_mem mem;
};

FIXTURE_SETUP(tdx_load)
{
	TDX_BOOT("", NULL);
}

TDX_TEARDOWN(tdx_load)

/* T4: tdx=1 initializes at load, completely. */
TEST_F(tdx_load, tdx1_initializes_at_load_T4)
{
	ASSERT_ERRNO(0, vl_load("tdx=1"));
	EXPECT_CHECK(tdx_first_init_ok(WHY));
	EXPECT_ERRNO(0, tdx_enable());
	EXPECT_CHECK(tdx_first_init_ok(WHY));
}

/* Nothing of virtlife left: the load failed. */
static bool nothing_left(char *why, size_t len)
{
	cpu_set_t on;

	if (vl_loaded() || vl_exists(VL_SYSFS) || vl_exists(VL_DEV))
		return snprintf(why, len, "virtlife (or its sysfs/dev) still there"), false;
	if (vl_hotplug_state_present() || tdx_hp_state_number(VL_TDX_HP_STATE) >= 0)
		return snprintf(why, len, "a virtlife hotplug state is still registered"), false;
	if (simhw_enabled_cpus(&on) || CPU_COUNT(&on))
		return snprintf(why, len, "virtualization still on on %d CPUs", CPU_COUNT(&on)), false;
	return tdx_no_pamt_held(why, len);
}

/*
 * T4, T7, T6: with tdx=1 a failure other than -ENODEV fails the load with
 * that errno and leaves nothing behind; the ERROR stays (T1): the next
 * tdx=1 load fails with -EINVAL without a SEAMCALL, a tdx=0 load works.
 */
TEST_F(tdx_load, failure_at_load_fails_insmod_T4_T7)
{
	struct tdx_leaves failed, now;
	struct hv_kmsg log;
	const char *skip = tdx_mem_unavailable();

	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, tdx_mem_sample(&self->mem));
	ASSERT_EQ(0, tdx_fail_leaf("SYS.KEY.CONFIG", TDX_OPERAND_INVALID, 1));
	ASSERT_EQ(0, hv_kmsg_open(&log));
	ASSERT_ERRNO(-EIO, vl_load("tdx=1"));
	/* The failed load says why in the log. */
	EXPECT_TRUE(hv_kmsg_has(&log, "virtlife: tdx=1: TDX initialization failed: -5"));
	hv_kmsg_close(&log);
	EXPECT_CHECK(nothing_left(WHY));
	EXPECT_CHECK(tdx_mem_dropped_by(&self->mem, NULL, WHY));
	ASSERT_EQ(0, tdx_leaves(&failed));
	EXPECT_ERRNO(-EINVAL, vl_load("tdx=1"));
	EXPECT_CHECK(nothing_left(WHY));
	ASSERT_EQ(0, tdx_leaves(&now));
	EXPECT_EQ(tdx_leaves_total(&failed), tdx_leaves_total(&now));
	ASSERT_ERRNO(0, vl_load(""));
	EXPECT_TDX_STATE("error", -EIO);
}

/*
 * T7: SEAM disabled by the BIOS (tdx_seam=0: no TDX KeyIDs, and #GP on a
 * SEAMCALL). Like the kernel, the host core sees no KeyIDs and never
 * issues a SEAMCALL: TDX is off (-ENODEV), at load and on demand. (The
 * #GP -> -EOPNOTSUPP mapping itself: tdx_fault.seamcall_gp.)
 */
TEST_F(tdx_load, seam_disabled_T7)
{
	struct tdx_leaves l;

	ASSERT_EQ(0, vl_cold_boot("tdx_seam=0", NULL));
	ASSERT_ERRNO(0, vl_load("tdx=1"));
	EXPECT_TDX_STATE("off", -ENODEV);
	EXPECT_ERRNO(-ENODEV, tdx_td_create());
	ASSERT_EQ(0, vl_cold_boot("tdx_seam=0", ""));
	EXPECT_ERRNO(-ENODEV, tdx_enable());
	EXPECT_TDX_STATE("off", -ENODEV);
	EXPECT_ERRNO(-ENODEV, tdx_td_create());
	ASSERT_EQ(0, tdx_leaves(&l));
	EXPECT_EQ(0, tdx_leaves_total(&l));
	EXPECT_LE(0, vl_vm_create());
}

/* ------------------------------------------------------------ bad input */

/* Each write must fail with EINVAL and leave @path reading as before. */
static void reject_all(struct __test_metadata *_metadata, const char *path,
		       const char *const *bad, int n)
{
	char before[512], after[512];
	int i, ret;

	ASSERT_LE(0, vl_read(path, before, sizeof(before)));
	for (i = 0; i < n; i++) {
		ret = vl_write(path, bad[i]);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s accepted \"%s\" (%s)", path,
					       bad[i], tdx_errno_name(ret));
		ASSERT_LE(0, vl_read(path, after, sizeof(after)));
		EXPECT_STREQ(before, after) TH_LOG("%s changed by \"%s\"", path, bad[i]);
	}
}

#define NR(a)	(int)(sizeof(a) / sizeof((a)[0]))

/* tdx/enable takes "1" only; anything else changes nothing. */
TEST_F(tdx_init, enable_rejects_garbage)
{
	static const char *const bad[] = {
		"0", "2", "11", "1x", " 1", "1 ", "1\n\n", "yes", "-1", "01x",
	};
	struct tdx_leaves l;
	int i, ret;

	for (i = 0; i < NR(bad); i++) {
		ret = vl_write(VL_TDX_SYSFS "/enable", bad[i]);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("tdx/enable accepted \"%s\" (%s)",
					       bad[i], tdx_errno_name(ret));
	}
	ASSERT_EQ(0, tdx_leaves(&l));
	EXPECT_EQ(0, tdx_leaves_total(&l));
	EXPECT_TDX_STATE("uninitialized", 0);
	/* What echo writes is fine. */
	EXPECT_ERRNO(0, vl_write(VL_TDX_SYSFS "/enable", "1\n"));
	EXPECT_TDX_STATE("initialized", 0);
}

/* VIRTLIFE_CREATE_VM takes the two types only. */
TEST_F(tdx_init, create_vm_rejects_unknown_type)
{
	static const unsigned long bad[] = { 2, 3, 0x100, ~0UL, 1UL << 32 };
	struct tdx_leaves l;
	uint64_t usage0, usage1;
	int i, ret;

	ASSERT_EQ(0, vl_usage(&usage0));
	for (i = 0; i < NR(bad); i++) {
		ret = vl_vm_create_type(bad[i]);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("VM type %#lx: %s", bad[i],
					       tdx_errno_name(ret));
	}
	ASSERT_EQ(0, vl_usage(&usage1));
	EXPECT_EQ(usage0, usage1);
	ASSERT_EQ(0, tdx_leaves(&l));
	EXPECT_EQ(0, tdx_leaves_total(&l));
	EXPECT_TDX_STATE("uninitialized", 0);
	EXPECT_LE(0, vl_vm_create_type(VIRTLIFE_VM_TYPE_DEFAULT));
}

/* The emulator's and the core's injection files reject garbage. */
TEST_F(tdx_init, injection_knobs_reject_garbage)
{
	static const char *const bad_leaf[] = {
		"garbage", "SYS.INIT", "SYS.INIT 0xC000010000000000",
		"SYS.BOGUS 0xC000010000000000 1", "SYS.INIT zz 1",
		"SYS.INIT 0xC000010000000000 0", "SYS.INIT 0xC000010000000000 -1",
		"SYS.INIT 0xC000010000000000 1 2", "99 0xC000010000000000 1",
		"SYS.INIT  0xC000010000000000 1", "\n",
	};
	static const char *const bad_entropy[] = {
		"x", "-1", "3 SYS.BOGUS", "3 SYS.INIT 1", "3x", "\n", " 3",
	};
	static const char *const bad_step[] = {
		"bogus", "pamt 12", "pamt x", "pamt -12 1", "pamt  -12",
		"PAMT", "\n", "memlist,pamt",
	};

	/* Armed first, so that "unchanged" is more than "still empty". */
	ASSERT_EQ(0, tdx_fail_leaf("SYS.CONFIG", TDX_OPERAND_INVALID, 3));
	reject_all(_metadata, TDX_EMU_DEBUGFS "/fail_leaf", bad_leaf, NR(bad_leaf));
	ASSERT_EQ(0, vl_write(TDX_EMU_DEBUGFS "/fail_leaf", "none"));
	ASSERT_EQ(0, tdx_no_entropy("5 SYS.RD"));
	reject_all(_metadata, TDX_EMU_DEBUGFS "/no_entropy", bad_entropy, NR(bad_entropy));
	ASSERT_EQ(0, tdx_no_entropy("0"));
	ASSERT_EQ(0, tdx_fail_step("tdmrs"));
	reject_all(_metadata, TDX_CORE_DEBUGFS "/fail_step", bad_step, NR(bad_step));
	ASSERT_EQ(0, tdx_fail_step("none"));
	/* Disarmed: the initialization goes through. */
	ASSERT_ERRNO(0, tdx_enable());
	EXPECT_CHECK(tdx_first_init_ok(WHY));
}

/* Invalid emulator parameters fail simhw's load with -EINVAL. */
TEST_F(tdx_init, emulator_bad_parameters_refused)
{
	static const char *const bad[] = {
		"tdx_version=abc", "tdx_version=1.5", "tdx_max_tdmrs=0",
		"tdx_max_tdmrs=x", "tdx_pamt_entry_4k=0",
		"tdx_tdmr_init_chunk_mb=0",
	};
	int i, ret;

	for (i = 0; i < NR(bad); i++) {
		ret = vl_cold_boot(bad[i], NULL);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("simhw %s: %s", bad[i],
					       tdx_errno_name(ret));
	}
}

/*
 * T7: the module takes one private KeyID for itself, so a platform with
 * one has none for TDs and TDX stays off; two are enough (the boundary at
 * its exact value).
 */
TEST_F(tdx_init, one_private_keyid_is_too_few_T7)
{
	struct hv_kmsg log;
	int td;

	ASSERT_EQ(0, hv_kmsg_open(&log));
	ASSERT_EQ(0, vl_cold_boot("tdx_nr_keyids=1", ""));
	EXPECT_ERRNO(-ENODEV, tdx_enable());
	EXPECT_ERRNO(-ENODEV, tdx_td_create());
	EXPECT_TRUE(hv_kmsg_has(&log, "virtlife_tdx: initialization failed: too few private KeyIDs available"));
	hv_kmsg_close(&log);

	ASSERT_EQ(0, vl_cold_boot("tdx_nr_keyids=2", ""));
	EXPECT_ERRNO(0, tdx_enable());
	td = tdx_td_create();
	EXPECT_LE(0, td) TH_LOG("TD with two KeyIDs: %s", tdx_errno_name(td));
	if (td >= 0)
		EXPECT_EQ(0, vl_vm_close(td));
}

/* virtlife.ko's tdx= takes 0 or 1: anything else fails the load. */
TEST_F(tdx_init, bad_tdx_parameter_refused)
{
	static const char *const bad[] = { "tdx=2", "tdx=-1", "tdx=x" };
	int i, ret;

	for (i = 0; i < NR(bad); i++) {
		ret = vl_cold_boot(NULL, bad[i]);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("virtlife %s: %s", bad[i],
					       tdx_errno_name(ret));
		EXPECT_FALSE(vl_loaded()) TH_LOG("virtlife %s", bad[i]);
	}
}

/*
 * The module's version as the host core read it: TDH.SYS.RD field ...03 is
 * the minor number and ...04 the major (spec/tdx-abi.md; the field IDs were
 * once swapped there). A version whose three numbers differ tells them apart.
 */
FIXTURE(tdx_version) {
};

FIXTURE_SETUP(tdx_version)
{
	TDX_BOOT("tdx_version=2.7.9", "");
}

TDX_TEARDOWN(tdx_version)

TEST_F(tdx_version, read_from_its_fields)
{
	struct tdx_core_state st;

	ASSERT_EQ(0, tdx_core_state(&st));
	EXPECT_STREQ("0.0.0", st.version) TH_LOG("before the first request");
	ASSERT_ERRNO(0, tdx_enable());
	ASSERT_EQ(0, tdx_core_state(&st));
	EXPECT_STREQ("2.7.9", st.version)
		TH_LOG("the emulated module is 2.7.9 (major.minor.update)");
}

TDX_HARNESS_MAIN(VL_BASE_NEEDS)
