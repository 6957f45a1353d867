// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_host - on a real TDX host, the host-visible checks against the
 * kernel's own TDX (arch/x86/virt/vmx/tdx, initialized by kvm_intel with
 * tdx=1), not the emulator: what the kernel reports must hang together.
 *
 * A TDX host is detected, never assumed: the BIOS enabled TDX and the
 * kernel found its KeyIDs when /proc/cpuinfo has the flag
 * tdx_host_platform. Elsewhere (any machine without it, the suite's QEMU
 * guests included) every case SKIPs with that reason.
 *
 * What is read (each under $VIRTLIFE_SYSROOT, default "/", so that the
 * tool self-tests can feed snapshots of hosts, fixtures/tdx-host/): the
 * facts of lib/tdx_diag.c (tdx_host_read()): the tdx_host_platform flag,
 * kvm_intel's tdx parameter, the kernel's "virt/tdx: ..." lines ("NNN KB
 * allocated for PAMT", "module initialized", "module initialization
 * failed (-E)"), the misc cgroup's "tdx N", MemTotal and the nodes. A
 * failed case ends with the diagnosis of the same host (tdx_diagnose(),
 * what tools/tdx-diagnose prints).
 *
 * Emulator-only checks (the SEAMCALL witness, fault injection, cold boots)
 * are in the other tdx_* programs; they skip here by themselves (no
 * modules on such a host unless built for it).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "harness_main.h"
#include "tdx_diag.h"

#define NOT_TDX_HOST "not a TDX host (no tdx_host_platform in /proc/cpuinfo)"

/* Whether the kernel says TDX is initialized: its log, or KVM's parameter. */
static bool tdx_initialized(const struct tdx_host_facts *h)
{
	return h->initialized > 0 || h->kvm_tdx == TDX_KVM_Y;
}

FIXTURE(tdx_host) {
	struct tdx_host_facts h;
};

/* Every case reads the host; on a TDX host the facts go to the log. */
FIXTURE_SETUP(tdx_host)
{
	struct tdx_host_facts *h = &self->h;

	tdx_host_read(h, getenv("VIRTLIFE_SYSROOT"));
	if (h->platform)
		TH_LOG("root %s: cpuinfo %s, %s, log %s (%s, %s): initialized x%d, failed x%d, PAMT %lld KB; misc.capacity %s tdx %lld; MemTotal %lld kB, %d node(s)",
		       h->root[0] ? h->root : "/",
		       !h->cpuinfo_read ? "unreadable" : h->platform ? "tdx_host_platform" : "no tdx_host_platform",
		       tdx_kvm_word(h->kvm_tdx), h->log_err ? strerror(h->log_err) : "read",
		       h->log_first[0] ? h->log_first : "-", h->log_complete ? "complete since boot" : "not from boot",
		       h->initialized, h->init_failed, h->pamt_kb,
		       h->misc_file ? "present" : "absent", h->misc_tdx, h->memtotal_kb, h->nodes);
}

/* A failed case ends with the diagnosis: why, and what to change. */
FIXTURE_TEARDOWN(tdx_host)
{
	static struct tdx_diag d;

	if (!VL_CASE_FAILED(_metadata))
		return;
	tdx_diagnose(&d, getenv("VIRTLIFE_SYSROOT"));
	tdx_diag_print(&d, stderr, "# ");
}

/* SKIP the case (6.1's harness runs the body after a SKIP in the setup). */
#define REQUIRE_TDX_HOST(h)						\
	do {								\
		if (!(h)->cpuinfo_read)					\
			SKIP(return, "cannot read %.200s/proc/cpuinfo", (h)->root); \
		if (!(h)->platform)					\
			SKIP(return, NOT_TDX_HOST);			\
	} while (0)

#define REQUIRE_LOG(h)							\
	do {								\
		if ((h)->log_err)					\
			SKIP(return, "cannot read the kernel log (%.200s/dev/kmsg: %s)%s", \
			     (h)->root, strerror((h)->log_err),		\
			     (h)->log_err == EPERM || (h)->log_err == EACCES ? \
			     ": needs root" : "");			\
	} while (0)

/*
 * T1 as the kernel shows it: initialization runs at most once per boot and
 * ends one way: never both "module initialized" and "initialization
 * failed", and neither twice.
 */
TEST_F(tdx_host, one_outcome_per_boot)
{
	struct tdx_host_facts *h = &self->h;

	REQUIRE_TDX_HOST(h);
	REQUIRE_LOG(h);
	EXPECT_GE(1, h->initialized) TH_LOG("\"virt/tdx: module initialized\" %d times in one boot",
					    h->initialized);
	EXPECT_GE(1, h->init_failed) TH_LOG("\"virt/tdx: module initialization failed\" %d times in one boot",
					    h->init_failed);
	EXPECT_FALSE(h->initialized && h->init_failed)
		TH_LOG("the log says both \"module initialized\" and \"%s\"", h->failed_line);
	EXPECT_GE(1, h->pamt_msgs) TH_LOG("%d PAMT allocation messages in one boot", h->pamt_msgs);
}

/*
 * KVM's view and the TDX core's agree: kvm_intel's tdx parameter reads Y
 * exactly when the kernel initialized the TDX module (kvm_intel turns it
 * off when the initialization fails).
 */
TEST_F(tdx_host, kvm_param_matches_log)
{
	struct tdx_host_facts *h = &self->h;

	REQUIRE_TDX_HOST(h);
	if (h->kvm_tdx == TDX_KVM_NOT_LOADED)
		SKIP(return, "kvm_intel is not loaded: no KVM view to compare");
	if (h->kvm_tdx == TDX_KVM_NO_PARAM)
		SKIP(return, "this kvm_intel has no tdx parameter (kernel without KVM TDX support)");
	REQUIRE_LOG(h);
	if (h->kvm_tdx == TDX_KVM_Y && !h->initialized && !h->init_failed && !h->log_complete)
		SKIP(return, "kvm_intel tdx=Y, but the kernel log no longer reaches back to the initialization (starts at %s)",
		     h->log_first);
	if (h->kvm_tdx == TDX_KVM_Y) {
		EXPECT_FALSE(h->init_failed)
			TH_LOG("kvm_intel tdx=Y although the kernel logged \"%s\"", h->failed_line);
		EXPECT_LT(0, h->initialized)
			TH_LOG("kvm_intel tdx=Y but no \"virt/tdx: module initialized\" in a log complete since boot");
	} else {
		EXPECT_EQ(0, h->initialized)
			TH_LOG("the kernel logged \"virt/tdx: module initialized\" but kvm_intel tdx=N");
	}
}

/*
 * The PAMT the kernel allocated, against MemTotal: within the bounds
 * lib/tdx_diag.c derives from the PAMT's layout (tdx_pamt_bounds()).
 */
TEST_F(tdx_host, pamt_size_plausible)
{
	struct tdx_host_facts *h = &self->h;
	double base, low, high;

	REQUIRE_TDX_HOST(h);
	REQUIRE_LOG(h);
	if (!tdx_initialized(h))
		SKIP(return, "the kernel has not initialized TDX (%s, no \"module initialized\")",
		     tdx_kvm_word(h->kvm_tdx));
	if (h->pamt_msgs == 0 && !h->log_complete)
		SKIP(return, "the kernel log no longer reaches back to the initialization (starts at %s)",
		     h->log_first);
	ASSERT_LT(0, h->pamt_msgs)
		TH_LOG("TDX is initialized (%s, \"module initialized\" x%d) but the log has no \"virt/tdx: NNN KB allocated for PAMT\"",
		       tdx_kvm_word(h->kvm_tdx), h->initialized);
	ASSERT_LT(0, h->memtotal_kb) TH_LOG("no MemTotal in %s/proc/meminfo", h->root);
	base = h->memtotal_kb / 256.0;
	tdx_pamt_bounds(h->memtotal_kb, h->nodes, &low, &high);
	TH_LOG("PAMT %lld KB, MemTotal %lld kB: %.3f x MemTotal/256; plausible %.0f-%.0f KB",
	       h->pamt_kb, h->memtotal_kb, h->pamt_kb / base, low, high);
	EXPECT_LE(low, (double)h->pamt_kb)
		TH_LOG("PAMT %lld KB is less than 0.90 x MemTotal/256 (%.0f KB): not all memory is TDX memory?",
		       h->pamt_kb, low);
	EXPECT_GE(high, (double)h->pamt_kb)
		TH_LOG("PAMT %lld KB is more than the TDMRs of %lld kB of memory can need (%.0f KB)",
		       h->pamt_kb, h->memtotal_kb, high);
}

/*
 * KVM publishes its TDX KeyIDs as the misc cgroup's "tdx" capacity when it
 * has TDX: with kvm_intel tdx=Y the root cgroup's misc.capacity has
 * "tdx N", N > 0 (a resource of capacity 0 is not listed at all).
 */
TEST_F(tdx_host, misc_cgroup_tdx_capacity)
{
	struct tdx_host_facts *h = &self->h;

	REQUIRE_TDX_HOST(h);
	if (h->kvm_tdx != TDX_KVM_Y)
		SKIP(return, "KVM does not offer TDX (%s): no TDX KeyIDs to publish",
		     tdx_kvm_word(h->kvm_tdx));
	if (!h->misc_file)
		SKIP(return, "no %.200s/sys/fs/cgroup/misc.capacity (cgroup v2 with the misc controller)",
		     h->root);
	EXPECT_LT(0, h->misc_tdx)
		TH_LOG("kvm_intel tdx=Y but misc.capacity says %s%lld (want tdx N, N > 0)",
		       h->misc_tdx < 0 ? "nothing of tdx: " : "tdx ", h->misc_tdx);
}

VL_MAIN_WITH((void)0)
