// SPDX-License-Identifier: GPL-2.0
/* The real-hardware backends' checks; see hwvirt.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hwvirt.h"
#include "msr_util.h"
#include "virtlife_util.h"

/* linux/kvm.h: KVMIO 0xAE, KVM_CREATE_VM _IO(KVMIO, 0x01). */
#define HV_KVM_CREATE_VM	_IO(0xAE, 0x01)

#define WHY(...) (snprintf(why, len, __VA_ARGS__), false)

bool hv_cpu_flag(const char *flag)
{
	char line[8192], pat[64];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	snprintf(pat, sizeof(pat), " %s ", flag);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		if (strncmp(line, "flags", 5))
			continue;
		/* Words end with a space: the last one with the newline. */
		if (n && line[n - 1] == '\n')
			line[n - 1] = ' ';
		found = strstr(line, pat) != NULL;
		break;
	}
	fclose(f);
	return found;
}

const char *hv_svm_unmet(void)
{
	if (!hv_cpu_flag("svm"))
		return "no SVM on this CPU (no svm flag in /proc/cpuinfo)";
	if (msr_driver_ready())
		return "no /dev/cpu/0/msr (modprobe msr failed: CONFIG_X86_MSR?)";
	return NULL;
}

const char *hv_backend(void)
{
	static char name[64];
	char *nl;

	if (vl_read(VL_SYSFS "/backend", name, sizeof(name)) < 0)
		name[0] = '\0';
	nl = strchr(name, '\n');
	if (nl)
		*nl = '\0';
	return name;
}

int hv_svme_cpulist(char *buf, size_t len)
{
	cpu_set_t online, svme;
	int ret = vl_online_cpus(&online);

	if (!ret)
		ret = msr_svme_cpus(&online, &svme);
	if (ret)
		return ret;
	vl_format_cpus(&svme, buf, len);
	return 0;
}

/*
 * The driver's side of a real backend's invariant: @name active, hotplug
 * state iff usage > 0, enabled_cpus = @expect (the online CPUs iff usage >
 * 0), the simulated hardware untouched, no flag found in the wrong state.
 */
static bool real_backend_view(const char *name, cpu_set_t *expect,
			      char *why, size_t len)
{
	static struct vl_cpu dcpu[CPU_SETSIZE];
	cpu_set_t hw;
	char a[256];
	uint64_t usage;
	int cpu, n;

	if (strcmp(hv_backend(), name))
		return WHY("backend is '%s', not %s", hv_backend(), name);
	if (!vl_driver_view(expect, &usage, why, len))
		return false;
	if (simhw_enabled_cpus(&hw))
		return WHY("cannot read the simulated hardware's enabled_cpus");
	if (CPU_COUNT(&hw)) {
		vl_format_cpus(&hw, a, sizeof(a));
		return WHY("the simulated hardware has CPUs %s on: the %s backend must not use it",
			   a, name);
	}
	n = vl_cpus(dcpu, CPU_SETSIZE);
	if (n <= 0)
		return WHY("cannot read %s/cpus", VL_DEBUGFS);
	for (cpu = 0; cpu < n; cpu++)
		if (dcpu[cpu].double_enables || dcpu[cpu].double_disables)
			return WHY("cpu%d: driver found its flag already %s (L4)",
				   cpu, dcpu[cpu].double_enables ? "set" : "clear");
	return true;
}

bool hv_svm_state_consistent(char *why, size_t len)
{
	cpu_set_t online, svme, expect;
	uint64_t usage;
	int ret;

	/*
	 * The hardware first, against what the usage count implies: on every
	 * online CPU iff usage > 0; then the driver's view against the same.
	 */
	if (vl_usage(&usage))
		return WHY("cannot read %s/usage_count", VL_SYSFS);
	if (vl_online_cpus(&online))
		return WHY("cannot read the online CPUs");
	ret = msr_svme_cpus(&online, &svme);
	if (ret)
		return WHY("cannot read EFER through /dev/cpu/N/msr: %s",
			   strerror(-ret));
	if (usage)
		expect = online;
	else
		CPU_ZERO(&expect);
	if (!vl_cpus_expected(&svme, &expect, "EFER.SVME is set on CPUs", usage,
			      why, len))
		return false;
	return real_backend_view("svm", &expect, why, len);
}

bool hv_vmx_state_consistent(char *why, size_t len)
{
	cpu_set_t expect;

	return real_backend_view("vmx", &expect, why, len);
}

bool hv_svm_teardown(char *why, size_t len)
{
	return vl_teardown(why, len) && hv_svme_all_clear(why, len);
}

bool hv_svme_all_clear(char *why, size_t len)
{
	char a[256];
	int ret = hv_svme_cpulist(a, sizeof(a));

	if (ret)
		return WHY("cannot read EFER through /dev/cpu/N/msr: %s",
			   strerror(-ret));
	if (strcmp(a, "(none)"))
		return WHY("EFER.SVME still set on CPUs %s", a);
	return true;
}

/* ---------------------------------------------------------- kernel log */

int hv_kmsg_open(struct hv_kmsg *k)
{
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	if (lseek(k->fd, 0, SEEK_END) < 0) {
		int err = -errno;

		close(k->fd);
		k->fd = -1;
		return err;
	}
	return 0;
}

bool hv_kmsg_has(struct hv_kmsg *k, const char *needle)
{
	char rec[8192];
	bool found = false;
	ssize_t n;

	if (k->fd < 0)
		return false;
	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, needle))
			found = true;
	}
	return found;
}

void hv_kmsg_close(struct hv_kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

int hv_kmsg_text(struct hv_kmsg *k, char *buf, size_t len)
{
	char rec[8192];
	size_t used = 0;
	ssize_t n;
	int count = 0;

	if (len)
		buf[0] = '\0';
	if (k->fd < 0)
		return 0;
	for (;;) {
		char *msg, *end;

		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* "PRIO,SEQ,USEC,FLAGS;TEXT\n" then " KEY=VALUE" lines. */
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		count++;
		if (used + 1 < len)
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? "; " : "", msg);
		if (used >= len)
			used = len - 1;
	}
	return count;
}

/* ----------------------------------------------------------------- KVM */

#define KVM_PARAM	"/sys/module/kvm/parameters/enable_virt_at_load"

static struct hv_kvm_rule kvm_rule;
static int kvm_config = HV_KVM_NO_PARAM;	/* what hv_kvm_load() passes */
static bool kvm_config_set;

bool hv_kvm_loaded(const char *module)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	return vl_exists(path);
}

struct kallsyms_probe {
	bool starting, online, core_refs;
};

/* "ADDR TYPE NAME" or "ADDR TYPE NAME\t[MODULE]". */
static bool kallsyms_line(const char *line, void *ctx)
{
	struct kallsyms_probe *p = ctx;
	const char *name = strchr(line, ' ');

	if (!name || !(name = strchr(name + 1, ' ')))
		return true;
	name++;
	if (!strncmp(name, "kvm_starting_cpu\t[kvm]", 23))
		p->starting = true;
	else if (!strncmp(name, "kvm_online_cpu\t[kvm]", 21))
		p->online = true;
	else if (!strcmp(name, "x86_virt_get_ref"))
		p->core_refs = true;
	return true;
}

/* The hotplug states file's "kvm/cpu:..." entry, or NULL. */
static const char *kvm_state_listed(void)
{
	static char buf[16384];

	if (vl_read(HOTPLUG_STATES, buf, sizeof(buf)) < 0)
		return NULL;
	if (strstr(buf, " kvm/cpu:starting\n"))
		return "kvm/cpu:starting";
	if (strstr(buf, " kvm/cpu:online\n"))
		return "kvm/cpu:online";
	return NULL;
}

/*
 * What the kernel shows, probed once kvm.ko is loaded: kvm.ko's parameters,
 * its hotplug callbacks and the core kernel's virtualization references in
 * /proc/kallsyms (names are listed even where addresses are hidden), the
 * hotplug states file when kallsyms names neither callback.
 */
static void kvm_probe(struct hv_kvm_rule *r)
{
	struct kallsyms_probe p = { 0 };
	char buf[16] = "";

	if (!hv_kvm_loaded("kvm")) {
		/* Unloaded: the value the next load will have. */
		if (kvm_config_set && kvm_config >= 0)
			r->enable_at_load = kvm_config;
		return;
	}
	r->have_param = vl_read(KVM_PARAM, buf, sizeof(buf)) > 0;
	if (r->have_param)
		r->enable_at_load = buf[0] == 'Y' || buf[0] == '1';
	if (r->design != HV_KVM_UNKNOWN)
		return;
	vl_each_line("/proc/kallsyms", kallsyms_line, &p);
	if (p.core_refs && r->have_param) {
		r->design = HV_KVM_CORE_REFS;
		r->state = "kvm/cpu:online";
	} else if (r->have_param) {
		r->design = HV_KVM_AT_LOAD;
		r->state = "kvm/cpu:online";
	} else {
		const char *listed = kvm_state_listed();

		if (p.starting || (!p.online && listed && !strcmp(listed, "kvm/cpu:starting"))) {
			r->design = HV_KVM_STARTING;
			r->state = "kvm/cpu:starting";
		} else if (p.online || listed) {
			r->design = HV_KVM_ONLINE;
			r->state = "kvm/cpu:online";
		}
	}
}

const struct hv_kvm_rule *hv_kvm_rule(void)
{
	struct hv_kvm_rule *r = &kvm_rule;
	struct utsname u;
	char at;

	if (uname(&u) || sscanf(u.release, "%d.%d", &r->major, &r->minor) != 2)
		r->major = r->minor = 0;
	kvm_probe(r);
	at = r->enable_at_load ? 'Y' : 'N';
	switch (r->design) {
	case HV_KVM_UNKNOWN:
		r->state = "kvm/cpu:?";
		snprintf(r->name, sizeof(r->name), "%d.%d, rule unknown", r->major, r->minor);
		snprintf(r->text, sizeof(r->text),
			 "%d.%d: KVM's rule unknown (kvm.ko was never loaded)", r->major, r->minor);
		break;
	case HV_KVM_STARTING:
	case HV_KVM_ONLINE:
		snprintf(r->name, sizeof(r->name), "%d.%d rule, %s, no enable_virt_at_load",
			 r->major, r->minor, r->state);
		snprintf(r->text, sizeof(r->text),
			 "%d.%d rule (kvm.ko: hotplug callback %s, no enable_virt_at_load): hotplug state \"%s\" from kvm_amd's load to its unload; usage count = VMs: SVM on every online CPU from the first VM to the last, a CPU onlined meanwhile enabled by the state's callback",
			 r->major, r->minor,
			 r->design == HV_KVM_STARTING ? "kvm_starting_cpu" : "kvm_online_cpu",
			 r->state);
		break;
	case HV_KVM_AT_LOAD:
	case HV_KVM_CORE_REFS:
		snprintf(r->name, sizeof(r->name), "%d.%d rule%s, enable_virt_at_load=%c",
			 r->major, r->minor,
			 r->design == HV_KVM_CORE_REFS ? " (7.1+ core refs, not run here)" : "", at);
		snprintf(r->text, sizeof(r->text),
			 "%d.%d rule (kvm.enable_virt_at_load=%c): usage count = %s + VMs; SVM on every online CPU and hotplug state \"%s\" exactly while it is above 0 (%s)%s",
			 r->major, r->minor, at,
			 r->enable_at_load ? "1 from kvm_amd's load to its unload" : "0 at load",
			 r->state,
			 r->enable_at_load ? "from load to unload" : "from the first VM to the last",
			 /*
			  * 7.1+: VMXON/EFER.SVME moved into the core kernel
			  * (arch/x86/virt/hw.c, x86_virt_get_ref/put_ref: a
			  * per-CPU count, SVME set on 0->1, cleared on 1->0);
			  * kvm_amd takes one reference per CPU in its per-CPU
			  * enable, under the same usage count and hotplug
			  * state, and nothing else takes SVM references, so the
			  * observable rule for kvm_amd is the 6.12 one. (On
			  * Intel, TDX takes VMX references on every CPU from
			  * boot, "virt/tdx:online": not checkable here.) Not
			  * run here: no 7.1 kernel is available.
			  */
			 r->design == HV_KVM_CORE_REFS ?
			 "; 7.1+ (x86_virt_get_ref in kallsyms): each CPU's enable is a reference in the core kernel's per-CPU count, KVM the only SVM user, so the same [7.1 rule: not run here, no 7.1 kernel available]" : "");
		break;
	}
	return r;
}

int hv_kvm_usage_at_load(void)
{
	const struct hv_kvm_rule *r = hv_kvm_rule();

	return r->have_param && r->enable_at_load;
}

int hv_kvm_usage_expected(const char *vendor, int vms)
{
	if (!hv_kvm_loaded(vendor))
		return 0;
	return hv_kvm_usage_at_load() + vms;
}

const char *hv_kvm_config_name(int at_load)
{
	return at_load < 0 ? "no_virt_at_load" : at_load ? "virt_at_load_Y" : "virt_at_load_N";
}

/* rmmod @mods in order; -errno of the first that stays. */
static int kvm_unload_all(void)
{
	static const char *const mods[] = { "kvm_amd", "kvm_intel", "kvm" };
	unsigned int i;
	int j;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		/* A closed VM's last reference goes away asynchronously. */
		for (j = 0; j < 100 && hv_kvm_loaded(mods[i]); j++) {
			if (!syscall(__NR_delete_module, mods[i], O_NONBLOCK) || errno == ENOENT)
				break;
			usleep(20000);
		}
		if (hv_kvm_loaded(mods[i]))
			return -EBUSY;
	}
	return 0;
}

/* hv_kvm_cache_modules(): the modules in memory (fd -1: not cached). */
static struct {
	char name[32];
	int fd;
	bool compressed;
} kvm_cache[2] = { { "", -1, false }, { "", -1, false } };

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE	4
#endif

/* "kernel/arch/x86/kvm/kvm-amd.ko.xz" is module "kvm_amd". */
static bool dep_is(const char *path, const char *module)
{
	const char *base = strrchr(path, '/');
	size_t i, n = strlen(module);

	base = base ? base + 1 : path;
	for (i = 0; i < n; i++)
		if (base[i] != module[i] && !(base[i] == '-' && module[i] == '_'))
			return false;
	return !strncmp(base + n, ".ko", 3);
}

static int cache_one(int slot, const char *module, char *why, size_t len)
{
	char dep[256], line[4096], path[4096 + 128], buf[65536];
	struct utsname u;
	ssize_t n;
	FILE *f;
	int in, out;

	if (uname(&u))
		return -errno;
	snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep", u.release);
	f = fopen(dep, "r");
	if (!f) {
		snprintf(why, len, "%s: %s", dep, strerror(errno));
		return -ENOENT;
	}
	path[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = '\0';
		if (dep_is(line, module)) {
			snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release, line);
			break;
		}
	}
	fclose(f);
	if (!path[0]) {
		snprintf(why, len, "%s is not in %s", module, dep);
		return -ENOENT;
	}
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -ENOENT;
	}
	out = syscall(__NR_memfd_create, module, 0);
	if (out < 0) {
		snprintf(why, len, "memfd_create: %s", strerror(errno));
		close(in);
		return -ENOMEM;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (n < 0) {
		snprintf(why, len, "copying %s: %s", path, strerror(errno));
		close(out);
		return -EIO;
	}
	snprintf(kvm_cache[slot].name, sizeof(kvm_cache[slot].name), "%s", module);
	kvm_cache[slot].fd = out;
	n = strlen(path);
	kvm_cache[slot].compressed = n < 3 || strcmp(path + n - 3, ".ko");
	return 0;
}

int hv_kvm_cache_modules(const char *vendor, char *why, size_t len)
{
	int ret = cache_one(0, "kvm", why, len);

	return ret ? ret : cache_one(1, vendor, why, len);
}

/* finit_module of a cached module, the kernel's messages as the reason. */
static int insmod_cached(const char *module, const char *params, char *why, size_t len)
{
	char said[400];
	struct hv_kmsg k = { -1 };
	int i, ret, n;

	for (i = 0; i < 2; i++)
		if (kvm_cache[i].fd >= 0 && !strcmp(kvm_cache[i].name, module))
			break;
	if (i == 2)
		return 1;	/* not cached */
	hv_kmsg_open(&k);
	ret = syscall(__NR_finit_module, kvm_cache[i].fd, params,
		      kvm_cache[i].compressed ? MODULE_INIT_COMPRESSED_FILE : 0);
	ret = ret ? -errno : 0;
	n = hv_kmsg_text(&k, said, sizeof(said));
	hv_kmsg_close(&k);
	if (ret)
		snprintf(why, len, "finit_module %s (from memory) %s: %s; the kernel said: \"%s\"",
			 module, params, strerror(-ret), n ? said : "nothing");
	return ret;
}

/* modprobe with the kernel's messages as the reason when it fails. */
static int modprobe_why(const char *const argv[], char *why, size_t len)
{
	char said[400];
	struct hv_kmsg k = { -1 };
	int ret, n;

	hv_kmsg_open(&k);
	ret = vl_run_quiet(argv);
	if (!ret) {
		hv_kmsg_close(&k);
		return 0;
	}
	n = hv_kmsg_text(&k, said, sizeof(said));
	hv_kmsg_close(&k);
	if (ret < 0)
		snprintf(why, len, "%s %s: %s", argv[0], argv[1], strerror(-ret));
	else if (n)
		snprintf(why, len, "%s %s failed (exit %d); the kernel said: \"%s\"",
			 argv[0], argv[1], ret, said);
	else
		snprintf(why, len, "%s %s failed (exit %d); the kernel printed nothing (no such module?)",
			 argv[0], argv[1], ret);
	return -ENOENT;
}

/* @module with @params ("" for none): from memory if cached, else modprobe. */
static int load_module(const char *module, const char *params, char *why, size_t len)
{
	const char *argv[] = { "modprobe", module, params[0] ? params : NULL, NULL };
	int ret = insmod_cached(module, params, why, len);

	if (ret > 0)
		ret = modprobe_why(argv, why, len);
	if (!ret && !hv_kvm_loaded(module)) {
		snprintf(why, len, "loading %s succeeded but /sys/module/%s is missing",
			 module, module);
		ret = -ENODEV;
	}
	return ret;
}

int hv_kvm_load(const char *vendor, char *why, size_t len)
{
	char param[40] = "";
	int ret;

	if (!hv_kvm_loaded("kvm")) {
		if (kvm_config_set && kvm_config >= 0)
			snprintf(param, sizeof(param), "enable_virt_at_load=%d", kvm_config);
		ret = load_module("kvm", param, why, len);
		if (ret)
			return ret;
	}
	hv_kvm_rule();	/* probe while kvm.ko is there */
	if (hv_kvm_loaded(vendor))
		return 0;
	return load_module(vendor, "", why, len);
}

int hv_kvm_configure(int at_load, char *why, size_t len)
{
	const struct hv_kvm_rule *r;
	int ret;

	if (!hv_kvm_loaded("kvm")) {
		ret = load_module("kvm", "", why, len);
		if (ret)
			return ret;
	}
	r = hv_kvm_rule();
	if (at_load >= 0 && !r->have_param) {
		snprintf(why, len, "no kvm.enable_virt_at_load on this kernel (%d.%d: its configuration is the no_virt_at_load variant)",
			 r->major, r->minor);
		return -EOPNOTSUPP;
	}
	if (at_load < 0 && r->have_param) {
		snprintf(why, len, "this kernel (%d.%d) has kvm.enable_virt_at_load: its configurations are the virt_at_load_Y and virt_at_load_N variants",
			 r->major, r->minor);
		return -EOPNOTSUPP;
	}
	kvm_config = at_load;
	kvm_config_set = true;
	if (at_load >= 0 && r->enable_at_load != (bool)at_load) {
		ret = kvm_unload_all();
		if (ret) {
			snprintf(why, len, "rmmod kvm_amd kvm to reload kvm with enable_virt_at_load=%d: %s",
				 at_load, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int hv_modprobe(const char *module)
{
	const char *const argv[] = { "modprobe", module, NULL };
	int ret = vl_run_quiet(argv);

	return ret < 0 ? ret : ret ? -ENOENT : 0;
}

void hv_rmmod_kvm(const char *module)
{
	int i;

	/* A closed VM's last reference goes away asynchronously. */
	for (i = 0; i < 100; i++) {
		if (!syscall(__NR_delete_module, module, O_NONBLOCK) ||
		    errno == ENOENT)
			break;
		usleep(20000);
	}
	syscall(__NR_delete_module, "kvm", O_NONBLOCK);
}

void hv_kvm_release(struct hv_kmsg *log, int *kvm_vm, int *kvm)
{
	hv_kmsg_close(log);
	if (*kvm_vm >= 0)
		close(*kvm_vm);
	if (*kvm >= 0)
		close(*kvm);
	*kvm_vm = *kvm = -1;
}

int hv_kvm_create_vm(int *kvm)
{
	int vm;

	*kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (*kvm < 0)
		return -errno;
	vm = ioctl(*kvm, HV_KVM_CREATE_VM, 0);
	if (vm < 0) {
		vm = -errno;
		close(*kvm);
		*kvm = -1;
	}
	return vm;
}
