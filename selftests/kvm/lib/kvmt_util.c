// SPDX-License-Identifier: GPL-2.0
/* The kvm target's library; see kvmt_util.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hwvirt.h"
#include "kvmt_util.h"
#include "msr_util.h"
#include "virtlife_util.h"

/*
 * The kernel's KVM library starts before main(): its constructor
 * (kvm_util.c's kvm_selftest_init; 6.12: kvm_selftest_arch_init reads
 * /sys/module/kvm/parameters/force_emulation_prefix) ends the program with
 * KSFT_SKIP when kvm.ko is not loaded. This constructor runs first
 * (priorities run before the default one) and loads kvm.ko alone, with its
 * defaults: kvm_amd, and kvm.ko's configuration for a case, are the
 * fixture's (kvmt_configure, kvmt_vendor_load), which unloads and reloads
 * both as the cases need; the library reads kvm's parameters only at
 * start. Not as root, or when kvm.ko cannot load: the program skips here
 * with the reason (the library would skip with "Cannot open ...").
 */
__attribute__((constructor(101))) static void kvmt_preload(void)
{
	const char *const argv[] = { "modprobe", "kvm", NULL };

	if (hv_kvm_loaded("kvm"))
		return;
	if (geteuid()) {
		printf("1..0 # SKIP needs root (kvm.ko is not loaded, and the KVM library needs it before main())\n");
		exit(4);
	}
	if (vl_run_quiet(argv) || !hv_kvm_loaded("kvm")) {
		printf("1..0 # SKIP modprobe kvm failed: no KVM in this kernel (CONFIG_KVM)\n");
		exit(4);
	}
}

const struct hv_kvm_rule *kvmt_rules(void)
{
	return hv_kvm_rule();
}

const char *kvmt_rule_name(void)
{
	return hv_kvm_rule()->name;
}

const char *kvmt_rule_text(void)
{
	return hv_kvm_rule()->text;
}

int kvmt_configure(int at_load, char *why, size_t len)
{
	return hv_kvm_configure(at_load, why, len);
}

/* ---- requirements ---- */

const char *kvmt_vendor(void)
{
	static char line[4096];
	const char *vendor = NULL;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return NULL;
	while (!vendor && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		if (strstr(line, " svm"))
			vendor = "kvm_amd";
		else if (strstr(line, " vmx"))
			vendor = "kvm_intel";
		break;
	}
	fclose(f);
	return vendor;
}

const char *kvmt_unmet(void)
{
	static char reason[KVMT_WHY_LEN + 32];
	char why[KVMT_WHY_LEN] = "";
	const char *vendor;
	int ret;

	if (geteuid())
		return "needs root";
	vendor = kvmt_vendor();
	if (!vendor)
		return "the CPU has neither svm nor vmx (no hardware virtualization)";
	if (strcmp(vendor, "kvm_amd"))
		return "kvm_intel: no MSR shows a CPU's VMX operation (CR4.VMXE), the SVME checks are AMD-only";
	ret = kvmt_vendor_load_why(why, sizeof(why));
	if (ret) {
		snprintf(reason, sizeof(reason), "kvm_amd does not load: %s", why);
		return reason;
	}
	if (access("/dev/kvm", F_OK))
		return "no /dev/kvm although kvm_amd is loaded";
	if (msr_driver_ready())
		return "no /dev/cpu/N/msr (CONFIG_X86_MSR, the msr module)";
	return NULL;
}

/* ---- modules ---- */

bool kvmt_vendor_loaded(void)
{
	return hv_kvm_loaded("kvm_amd");
}

int kvmt_vendor_load_why(char *why, size_t len)
{
	char buf[KVMT_WHY_LEN];

	return hv_kvm_load("kvm_amd", why ? why : buf, why ? len : sizeof(buf));
}

int kvmt_vendor_load(void)
{
	return kvmt_vendor_load_why(NULL, 0);
}

int kvmt_vendor_unload(void)
{
	const char *mods[] = { "kvm_amd", "kvm" };
	int i;

	for (i = 0; i < 2; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (!vl_exists(path))
			continue;
		if (syscall(SYS_delete_module, mods[i], O_NONBLOCK))
			return -errno;
	}
	return 0;
}

/* ---- CPUs ---- */

int kvmt_online_cpus(cpu_set_t *set)
{
	return vl_online_cpus(set);
}

int kvmt_hotpluggable_cpu(void)
{
	int cpus[CPU_SETSIZE];
	int n = vl_hotpluggable_cpus(cpus, CPU_SETSIZE);

	return n > 0 ? cpus[n - 1] : -ENODEV;
}

int kvmt_cpu_set_online(int cpu, bool online)
{
	return vl_cpu_set_online(cpu, online);
}

int kvmt_online_all_cpus(void)
{
	return vl_online_all_cpus();
}

/* ---- system sleep ---- */

bool kvmt_sleep_available(const char *state)
{
	return vl_sleep_state_available(state);
}

int kvmt_suspend(const char *state, const char *pm_test)
{
	char mem_sleep[128] = "";

	/* "mem" must be S3 (deep): s2idle refuses pm_test levels, runs no syscore. */
	if (!strcmp(state, "mem")) {
		vl_read("/sys/power/mem_sleep", mem_sleep, sizeof(mem_sleep));
		if (!strstr(mem_sleep, "deep") || vl_write("/sys/power/mem_sleep", "deep"))
			return -EOPNOTSUPP;
	}
	return vl_suspend(state, pm_test);
}

int kvmt_rtc_wake_in(int secs)
{
	return vl_rtc_wake_in(secs);
}

/* ---- observables ---- */

bool kvmt_state_present(const char *name)
{
	char buf[16384], *p;
	size_t n = strlen(name);

	if (vl_read(HOTPLUG_STATES, buf, sizeof(buf)) < 0)
		return false;
	/* Lines are "NUM: NAME". */
	for (p = buf; (p = strstr(p, name)); p += n)
		if (p > buf + 1 && p[-1] == ' ' && p[-2] == ':' &&
		    (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static bool svme_check(const cpu_set_t *cpus, bool on, const char *expl,
		       char *why, size_t len)
{
	char want[256], got[256];
	cpu_set_t svme, expect;
	int ret = msr_svme_cpus(cpus, &svme);

	if (ret) {
		snprintf(why, len, "reading EFER: %s", strerror(-ret));
		return false;
	}
	CPU_ZERO(&expect);
	if (on)
		expect = *cpus;
	if (CPU_EQUAL(&svme, &expect))
		return true;
	vl_format_cpus(&expect, want, sizeof(want));
	vl_format_cpus(&svme, got, sizeof(got));
	snprintf(why, len, "EFER.SVME set on CPUs [%s], expected [%s]%s", got, want, expl);
	return false;
}

static bool svme_on(int cpu, bool on, const char *expl, char *why, size_t len)
{
	cpu_set_t set;
	int ret;

	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
	} else if ((ret = vl_online_cpus(&set))) {
		snprintf(why, len, "online CPUs: %s", strerror(-ret));
		return false;
	}
	return svme_check(&set, on, expl, why, len);
}

bool kvmt_svme_all(bool on, char *why, size_t len)
{
	return svme_on(-1, on, "", why, len);
}

bool kvmt_svme_cpu(int cpu, bool on, char *why, size_t len)
{
	return svme_on(cpu, on, "", why, len);
}

int kvmt_usage_expected(int vms)
{
	return hv_kvm_usage_expected("kvm_amd", vms);
}

bool kvmt_expect_enabled(int vms)
{
	return kvmt_usage_expected(vms) > 0;
}

bool kvmt_svme_follow_rule(int cpu, int vms, char *why, size_t len)
{
	char expl[160];
	int usage = kvmt_usage_expected(vms);

	snprintf(expl, sizeof(expl),
		 " (kvm_amd %s, %d VM%s: usage count %d = %d from load + %d)",
		 kvmt_vendor_loaded() ? "loaded" : "unloaded", vms, vms == 1 ? "" : "s",
		 usage, kvmt_vendor_loaded() ? hv_kvm_usage_at_load() : 0,
		 kvmt_vendor_loaded() ? vms : 0);
	return svme_on(cpu, usage > 0, expl, why, len);
}

bool kvmt_states_follow_rule(int vms, char *why, size_t len)
{
	const struct hv_kvm_rule *r = kvmt_rules();
	const char *other = strcmp(r->state, "kvm/cpu:online") ?
			    "kvm/cpu:online" : "kvm/cpu:starting";
	bool loaded = kvmt_vendor_loaded();
	bool want;

	switch (r->design) {
	case HV_KVM_STARTING:
	case HV_KVM_ONLINE:	/* from the vendor's load to its unload */
		want = loaded;
		break;
	case HV_KVM_AT_LOAD:
	case HV_KVM_CORE_REFS:	/* exactly while the usage count is > 0 */
		want = kvmt_usage_expected(vms) > 0;
		break;
	default:
		snprintf(why, len, "no rule: %s", r->text);
		return false;
	}
	if (kvmt_state_present(r->state) != want) {
		snprintf(why, len, "hotplug state \"%s\" %s with kvm_amd %s and %d VM%s (usage count %d)",
			 r->state, want ? "missing" : "present",
			 loaded ? "loaded" : "unloaded", vms, vms == 1 ? "" : "s",
			 kvmt_usage_expected(vms));
		return false;
	}
	if (kvmt_state_present(other)) {
		snprintf(why, len, "hotplug state \"%s\" present", other);
		return false;
	}
	return true;
}

bool kvmt_params_follow_rule(int at_load, char *why, size_t len)
{
	const struct hv_kvm_rule *r = kvmt_rules();
	bool v612 = r->major > 6 || (r->major == 6 && r->minor >= 12);
	char buf[16] = "";
	int n;

	/* The rule came from the kernel; the version is the cross-check. */
	if (r->have_param != v612) {
		snprintf(why, len, "kvm.enable_virt_at_load %s on %d.%d (it exists from 6.12 on)",
			 r->have_param ? "present" : "missing", r->major, r->minor);
		return false;
	}
	if (!hv_kvm_loaded("kvm")) {
		snprintf(why, len, "kvm.ko not loaded");
		return false;
	}
	n = vl_read("/sys/module/kvm/parameters/enable_virt_at_load", buf, sizeof(buf));
	if ((n > 0) != (at_load >= 0)) {
		snprintf(why, len, "/sys/module/kvm/parameters/enable_virt_at_load %s, configuration %s",
			 n > 0 ? "present" : "missing", hv_kvm_config_name(at_load));
		return false;
	}
	if (at_load >= 0 && (buf[0] == 'Y') != (at_load == 1)) {
		snprintf(why, len, "kvm.enable_virt_at_load reads %c, loaded with enable_virt_at_load=%d",
			 buf[0], at_load);
		return false;
	}
	return true;
}

bool kvmt_unload_refused(char *why, size_t len)
{
	int ret = kvmt_vendor_unload();

	if (ret != -EAGAIN) {
		snprintf(why, len, "rmmod kvm_amd while in use: %s, expected %s",
			 ret ? strerror(-ret) : "success", strerror(EAGAIN));
		return false;
	}
	if (!kvmt_vendor_loaded()) {
		snprintf(why, len, "kvm_amd gone while in use");
		return false;
	}
	return true;
}

/*
 * The kernel log through syslog(2), not dmesg(1): after a suspend that
 * reached the devices the 9p root is gone and nothing can be exec'ed.
 */
static char *log_text(void)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;
	int n;

	if (size <= 0)
		return NULL;
	buf = malloc(size + 1);
	if (!buf)
		return NULL;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int kvmt_log_mark(void)
{
	char *text = log_text(), *p;
	int n = 0;

	if (!text)
		return -EIO;
	for (p = text; (p = strchr(p, '\n')); p++)
		n++;
	free(text);
	return n;
}

bool kvmt_log_clean_since(int mark, char *why, size_t len)
{
	static const char *const bad[] = {
		"enabling virtualization on CPU",	/* hardware_enable_nolock failed */
		"kvm: disabled by bios",
		"WARNING:", "BUG:",
	};
	char *text = log_text(), *line, *save = NULL;
	int n = 0, i;
	bool clean = true;

	if (!text) {
		snprintf(why, len, "cannot read the kernel log");
		return false;
	}
	for (line = strtok_r(text, "\n", &save); line && clean;
	     line = strtok_r(NULL, "\n", &save)) {
		if (++n <= mark)
			continue;
		for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++)
			if (strstr(line, bad[i])) {
				snprintf(why, len, "kernel log: %s", line);
				clean = false;
				break;
			}
	}
	free(text);
	return clean;
}
