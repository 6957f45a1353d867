// SPDX-License-Identifier: GPL-2.0
/* The real-hardware backends' checks; see hwvirt.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
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

/* ----------------------------------------------------------------- KVM */

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
