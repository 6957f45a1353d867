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

#include "kvmt_util.h"
#include "msr_util.h"
#include "virtlife_util.h"

#define KVM_PARAM	"/sys/module/kvm/parameters/enable_virt_at_load"

static struct kvmt_rules rules;

const struct kvmt_rules *kvmt_rules(void)
{
	struct utsname u;
	char buf[16] = "";

	if (uname(&u) || sscanf(u.release, "%d.%d", &rules.major, &rules.minor) != 2)
		rules.major = rules.minor = 0;
	/*
	 * A kernel with the parameter has the 6.12 design (backports too).
	 * vl_read() returns the bytes read ("Y\n"), or -errno without it.
	 */
	rules.have_param = vl_read(KVM_PARAM, buf, sizeof(buf)) > 0;
	rules.enable_at_load = rules.have_param && buf[0] == 'Y';
	rules.state_while_loaded = !rules.have_param;
	rules.state = (rules.major < 6 || (rules.major == 6 && rules.minor < 3)) ?
		      "kvm/cpu:starting" : "kvm/cpu:online";
	if (rules.state_while_loaded)
		snprintf(rules.text, sizeof(rules.text),
			 "%d.%d rule (< 6.12, no enable_virt_at_load): \"%s\" while the vendor module is loaded; SVM on from the first VM to the last",
			 rules.major, rules.minor, rules.state);
	else
		snprintf(rules.text, sizeof(rules.text),
			 "%d.%d rule (6.12+, enable_virt_at_load=%c): \"%s\" exactly while SVM is on; on %s",
			 rules.major, rules.minor, rules.enable_at_load ? 'Y' : 'N', rules.state,
			 rules.enable_at_load ? "from load to unload" : "from the first VM to the last");
	return &rules;
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
	static char reason[256];
	const char *vendor;
	int ret;

	if (geteuid())
		return "needs root";
	vendor = kvmt_vendor();
	if (!vendor)
		return "the CPU has neither svm nor vmx (no hardware virtualization)";
	if (strcmp(vendor, "kvm_amd"))
		return "kvm_intel: no MSR shows a CPU's VMX operation (CR4.VMXE), the SVME checks are AMD-only";
	ret = kvmt_vendor_load();
	if (ret) {
		snprintf(reason, sizeof(reason),
			 "kvm_amd does not load (%s): SVM disabled by the firmware or not usable",
			 strerror(-ret));
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
	return vl_exists("/sys/module/kvm_amd");
}

int kvmt_vendor_load(void)
{
	const char *const argv[] = { "modprobe", "kvm_amd", NULL };
	int ret;

	if (kvmt_vendor_loaded())
		return 0;
	ret = vl_run_quiet(argv);
	if (ret < 0)
		return ret;
	return kvmt_vendor_loaded() ? 0 : -ENODEV;
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

static bool svme_check(const cpu_set_t *cpus, bool on, char *why, size_t len)
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
	snprintf(why, len, "EFER.SVME set on CPUs [%s], expected [%s] (%s)",
		 got, want, kvmt_rules()->text);
	return false;
}

bool kvmt_svme_all(bool on, char *why, size_t len)
{
	cpu_set_t online;
	int ret = vl_online_cpus(&online);

	if (ret) {
		snprintf(why, len, "online CPUs: %s", strerror(-ret));
		return false;
	}
	return svme_check(&online, on, why, len);
}

bool kvmt_svme_cpu(int cpu, bool on, char *why, size_t len)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return svme_check(&one, on, why, len);
}

bool kvmt_expect_enabled(bool vms)
{
	return kvmt_vendor_loaded() && (vms || kvmt_rules()->enable_at_load);
}

bool kvmt_states_follow_rule(bool vms, char *why, size_t len)
{
	const struct kvmt_rules *r = kvmt_rules();
	const char *other = strcmp(r->state, "kvm/cpu:online") ?
			    "kvm/cpu:online" : "kvm/cpu:starting";
	bool loaded = kvmt_vendor_loaded();
	bool want = loaded && (r->state_while_loaded || r->enable_at_load || vms);

	if (kvmt_state_present(r->state) != want) {
		snprintf(why, len, "hotplug state \"%s\" %s with kvm_amd %s and %s VM (%s)",
			 r->state, want ? "missing" : "present",
			 loaded ? "loaded" : "unloaded", vms ? "a" : "no", r->text);
		return false;
	}
	if (kvmt_state_present(other)) {
		snprintf(why, len, "hotplug state \"%s\" present (%s)", other, r->text);
		return false;
	}
	return true;
}

bool kvmt_params_follow_rule(char *why, size_t len)
{
	const struct kvmt_rules *r = kvmt_rules();
	bool v612 = r->major > 6 || (r->major == 6 && r->minor >= 12);

	if (r->have_param == v612)
		return true;
	snprintf(why, len, "kvm.enable_virt_at_load %s on %d.%d (%s)",
		 r->have_param ? "present" : "missing", r->major, r->minor, r->text);
	return false;
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
