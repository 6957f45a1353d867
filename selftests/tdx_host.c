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
 * tool self-tests can feed snapshots of hosts, fixtures/tdx-host/):
 *   proc/cpuinfo                          the tdx_host_platform flag
 *   sys/module/kvm_intel/parameters/tdx   Y when KVM initialized TDX
 *   dev/kmsg (or a dmesg text in its place) the kernel's "virt/tdx: ..."
 *     lines: "NNN KB allocated for PAMT", "module initialized",
 *     "module initialization failed (-E)"
 *   sys/fs/cgroup/misc.capacity           "tdx N": KVM's TDX KeyIDs
 *   proc/meminfo, sys/devices/system/node what the PAMT is compared with
 *
 * Emulator-only checks (the SEAMCALL witness, fault injection, cold boots)
 * are in the other tdx_* programs; they skip here by themselves (no
 * modules on such a host unless built for it).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "harness_main.h"

#define NOT_TDX_HOST "not a TDX host (no tdx_host_platform in /proc/cpuinfo)"

enum kvm_tdx { KVM_NOT_LOADED = -2, KVM_NO_PARAM = -1, KVM_TDX_N = 0, KVM_TDX_Y = 1 };

struct host {
	char root[PATH_MAX];		/* "" for "/" */
	bool cpuinfo_read;
	bool platform;			/* tdx_host_platform */
	enum kvm_tdx kvm_tdx;
	/* the kernel log */
	int log_err;			/* 0, or the errno of opening it */
	bool log_complete;		/* it still starts at boot */
	char log_first[64];		/* what says where it starts */
	int initialized;		/* "module initialized" lines */
	int init_failed;		/* "module initialization failed" lines */
	char failed_line[160];
	int pamt_msgs;
	long long pamt_kb;		/* the last PAMT line's value, -1 none */
	/* misc cgroup */
	bool misc_file;
	long long misc_tdx;		/* -1: no tdx line */
	/* memory */
	long long memtotal_kb;		/* -1: unknown */
	int nodes;
};

static void host_path(const struct host *h, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", h->root, rel);
}

static FILE *host_open(const struct host *h, const char *rel)
{
	char path[PATH_MAX + 64];

	host_path(h, rel, path, sizeof(path));
	return fopen(path, "r");
}

static bool host_exists(const struct host *h, const char *rel)
{
	char path[PATH_MAX + 64];

	host_path(h, rel, path, sizeof(path));
	return access(path, F_OK) == 0;
}

/* The flags line of the first processor has the word tdx_host_platform. */
static void read_cpuinfo(struct host *h)
{
	char line[8192];
	FILE *f = host_open(h, "proc/cpuinfo");

	if (!f)
		return;
	h->cpuinfo_read = true;
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save;

		if (strncmp(line, "flags", 5))
			continue;
		for (tok = strtok_r(strchr(line, ':') ?: line, " :\t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (!strcmp(tok, "tdx_host_platform"))
				h->platform = true;
		break;
	}
	fclose(f);
}

static void read_kvm(struct host *h)
{
	char v[16] = "";
	FILE *f;

	if (!host_exists(h, "sys/module/kvm_intel")) {
		h->kvm_tdx = KVM_NOT_LOADED;
		return;
	}
	f = host_open(h, "sys/module/kvm_intel/parameters/tdx");
	if (!f) {
		h->kvm_tdx = KVM_NO_PARAM;
		return;
	}
	if (!fgets(v, sizeof(v), f))
		v[0] = 0;
	fclose(f);
	h->kvm_tdx = (v[0] == 'Y' || v[0] == 'y' || v[0] == '1') ? KVM_TDX_Y : KVM_TDX_N;
}

/* One message of the log: the text of a /dev/kmsg record or a dmesg line. */
static void log_message(struct host *h, const char *msg)
{
	const char *p;
	long long kb;

	p = strstr(msg, "virt/tdx: ");
	if (!p)
		return;
	p += strlen("virt/tdx: ");
	if (!strncmp(p, "module initialized", 18)) {
		h->initialized++;
	} else if (!strncmp(p, "module initialization failed", 28)) {
		h->init_failed++;
		snprintf(h->failed_line, sizeof(h->failed_line), "%s", p);
		h->failed_line[strcspn(h->failed_line, "\n")] = 0;
	} else if (sscanf(p, "%lld KB allocated for PAMT", &kb) == 1 &&
		   strstr(p, " KB allocated for PAMT")) {
		h->pamt_msgs++;
		h->pamt_kb = kb;
	}
}

/*
 * Records "PRIO,SEQ,USEC,FLAGS;TEXT" (/dev/kmsg; continuation lines start
 * with a space) or "[   12.345678] TEXT" lines (dmesg). The log is complete
 * when its first record is sequence 0 or time 0: nothing has been
 * overwritten since boot.
 */
static void log_record(struct host *h, char *rec, bool *first)
{
	unsigned long long seq, usec;
	double ts;
	char *semi;
	int prio;

	rec[strcspn(rec, "\n")] = 0;
	if (rec[0] == ' ' || !rec[0])
		return;
	if (sscanf(rec, "%d,%llu,%llu,", &prio, &seq, &usec) == 3 &&
	    (semi = strchr(rec, ';'))) {
		if (*first) {
			h->log_complete = seq == 0;
			snprintf(h->log_first, sizeof(h->log_first), "record %llu", seq);
		}
		*first = false;
		log_message(h, semi + 1);
		return;
	}
	if (rec[0] == '[' && sscanf(rec, "[%lf]", &ts) == 1) {
		if (*first) {
			h->log_complete = ts == 0;
			snprintf(h->log_first, sizeof(h->log_first), "time %.6f", ts);
		}
		*first = false;
	}
	log_message(h, rec);
}

static void read_log(struct host *h)
{
	char path[PATH_MAX + 64], rec[8192];
	bool first = true;
	struct stat st;
	ssize_t n;
	FILE *f;
	int fd;

	host_path(h, "dev/kmsg", path, sizeof(path));
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		h->log_err = errno;
		if (fd >= 0)
			close(fd);
		return;
	}
	if (S_ISCHR(st.st_mode)) {
		/*
		 * /dev/kmsg: one record per read() from the oldest, EAGAIN at
		 * the end, EPIPE when a record was overwritten meanwhile.
		 */
		for (;;) {
			n = read(fd, rec, sizeof(rec) - 1);
			if (n < 0 && errno == EPIPE)
				continue;
			if (n <= 0)
				break;
			rec[n] = 0;
			log_record(h, rec, &first);
		}
		close(fd);
	} else {
		/* A snapshot: the same records (or dmesg lines), one a line. */
		f = fdopen(fd, "r");
		if (!f) {
			h->log_err = errno;
			close(fd);
			return;
		}
		while (fgets(rec, sizeof(rec), f))
			log_record(h, rec, &first);
		fclose(f);
	}
	if (first)
		snprintf(h->log_first, sizeof(h->log_first), "empty");
}

static void read_misc(struct host *h)
{
	char name[64];
	long long v;
	FILE *f = host_open(h, "sys/fs/cgroup/misc.capacity");

	if (!f)
		return;
	h->misc_file = true;
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		if (!strcmp(name, "tdx"))
			h->misc_tdx = v;
	fclose(f);
}

static void read_memory(struct host *h)
{
	char line[256], path[PATH_MAX + 64];
	struct dirent *e;
	long long kb;
	FILE *f = host_open(h, "proc/meminfo");
	DIR *d;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
				h->memtotal_kb = kb;
		fclose(f);
	}
	host_path(h, "sys/devices/system/node", path, sizeof(path));
	d = opendir(path);
	if (d) {
		while ((e = readdir(d)))
			if (!strncmp(e->d_name, "node", 4) &&
			    e->d_name[4] >= '0' && e->d_name[4] <= '9')
				h->nodes++;
		closedir(d);
	}
	if (h->nodes < 1)
		h->nodes = 1;
}

static void host_read(struct host *h)
{
	const char *root = getenv("VIRTLIFE_SYSROOT");
	size_t len;

	memset(h, 0, sizeof(*h));
	h->pamt_kb = -1;
	h->misc_tdx = -1;
	h->memtotal_kb = -1;
	snprintf(h->root, sizeof(h->root), "%s", root && *root ? root : "/");
	len = strlen(h->root);
	while (len > 0 && h->root[len - 1] == '/')
		h->root[--len] = 0;
	read_cpuinfo(h);
	read_kvm(h);
	read_log(h);
	read_misc(h);
	read_memory(h);
}

static const char *kvm_word(enum kvm_tdx k)
{
	switch (k) {
	case KVM_NOT_LOADED:	return "kvm_intel not loaded";
	case KVM_NO_PARAM:	return "kvm_intel has no tdx parameter";
	case KVM_TDX_N:		return "kvm_intel tdx=N";
	default:		return "kvm_intel tdx=Y";
	}
}

/* Whether the kernel says TDX is initialized: its log, or KVM's parameter. */
static bool tdx_initialized(const struct host *h)
{
	return h->initialized > 0 || h->kvm_tdx == KVM_TDX_Y;
}

FIXTURE(tdx_host) {
	struct host h;
};

/* Every case reads the host; on a TDX host the facts go to the log. */
FIXTURE_SETUP(tdx_host)
{
	struct host *h = &self->h;

	host_read(h);
	if (h->platform)
		TH_LOG("root %s: cpuinfo %s, %s, log %s (%s, %s): initialized x%d, failed x%d, PAMT %lld KB; misc.capacity %s tdx %lld; MemTotal %lld kB, %d node(s)",
		       h->root[0] ? h->root : "/",
		       !h->cpuinfo_read ? "unreadable" : h->platform ? "tdx_host_platform" : "no tdx_host_platform",
		       kvm_word(h->kvm_tdx), h->log_err ? strerror(h->log_err) : "read",
		       h->log_first[0] ? h->log_first : "-", h->log_complete ? "complete since boot" : "not from boot",
		       h->initialized, h->init_failed, h->pamt_kb,
		       h->misc_file ? "present" : "absent", h->misc_tdx, h->memtotal_kb, h->nodes);
}

FIXTURE_TEARDOWN(tdx_host)
{
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
	struct host *h = &self->h;

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
	struct host *h = &self->h;

	REQUIRE_TDX_HOST(h);
	if (h->kvm_tdx == KVM_NOT_LOADED)
		SKIP(return, "kvm_intel is not loaded: no KVM view to compare");
	if (h->kvm_tdx == KVM_NO_PARAM)
		SKIP(return, "this kvm_intel has no tdx parameter (kernel without KVM TDX support)");
	REQUIRE_LOG(h);
	if (h->kvm_tdx == KVM_TDX_Y && !h->initialized && !h->init_failed && !h->log_complete)
		SKIP(return, "kvm_intel tdx=Y, but the kernel log no longer reaches back to the initialization (starts at %s)",
		     h->log_first);
	if (h->kvm_tdx == KVM_TDX_Y) {
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
 * The PAMT the kernel allocated, against MemTotal. The PAMT has 16-byte
 * entries for every 4 KiB page of every TDMR (1/256 of the memory they
 * cover), plus 1/131072 for the 2 MiB level and 1/2^26 for 1 GiB, each
 * level rounded up to 4 KiB per TDMR. The TDMRs cover all boot RAM (the
 * kernel refuses TDX otherwise), which is more than MemTotal: the memmap
 * (struct pages, 1.6%), the kernel image, firmware and crash-kernel
 * reservations are RAM outside MemTotal; TDMRs are 1 GiB aligned, so each
 * node's start and end and the hole below 4 GiB add up to 2 GiB each.
 * Bounds, in KB:
 *   low  = 0.90 * MemTotal / 256   (10% slack for RAM counted in MemTotal
 *                                   but outside TDX, e.g. late hot-add)
 *   high = 1.20 * MemTotal / 256 + (2 + 2 * nodes) GiB / 256 + 64 TDMRs *
 *          12 KB (the 4 KiB rounding of three levels)
 * A 1 TiB two-node host: MemTotal ~1008 GiB, PAMT ~4202512 KB, ratio 1.02.
 */
TEST_F(tdx_host, pamt_size_plausible)
{
	struct host *h = &self->h;
	double base, low, high;

	REQUIRE_TDX_HOST(h);
	REQUIRE_LOG(h);
	if (!tdx_initialized(h))
		SKIP(return, "the kernel has not initialized TDX (%s, no \"module initialized\")",
		     kvm_word(h->kvm_tdx));
	if (h->pamt_msgs == 0 && !h->log_complete)
		SKIP(return, "the kernel log no longer reaches back to the initialization (starts at %s)",
		     h->log_first);
	ASSERT_LT(0, h->pamt_msgs)
		TH_LOG("TDX is initialized (%s, \"module initialized\" x%d) but the log has no \"virt/tdx: NNN KB allocated for PAMT\"",
		       kvm_word(h->kvm_tdx), h->initialized);
	ASSERT_LT(0, h->memtotal_kb) TH_LOG("no MemTotal in %s/proc/meminfo", h->root);
	base = h->memtotal_kb / 256.0;
	low = 0.90 * base;
	high = 1.20 * base + (2.0 + 2.0 * h->nodes) * 1024 * 1024 / 256 + 64 * 12;
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
	struct host *h = &self->h;

	REQUIRE_TDX_HOST(h);
	if (h->kvm_tdx != KVM_TDX_Y)
		SKIP(return, "KVM does not offer TDX (%s): no TDX KeyIDs to publish",
		     kvm_word(h->kvm_tdx));
	if (!h->misc_file)
		SKIP(return, "no %.200s/sys/fs/cgroup/misc.capacity (cgroup v2 with the misc controller)",
		     h->root);
	EXPECT_LT(0, h->misc_tdx)
		TH_LOG("kvm_intel tdx=Y but misc.capacity says %s%lld (want tdx N, N > 0)",
		       h->misc_tdx < 0 ? "nothing of tdx: " : "tdx ", h->misc_tdx);
}

VL_MAIN_WITH((void)0)
