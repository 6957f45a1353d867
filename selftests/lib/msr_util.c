// SPDX-License-Identifier: GPL-2.0
/* Per-CPU MSRs through /dev/cpu/N/msr; see msr_util.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "msr_util.h"
#include "virtlife_util.h"

int msr_driver_ready(void)
{
	const char *const argv[] = { "modprobe", "msr", NULL };

	if (access("/dev/cpu/0/msr", F_OK))
		vl_run_quiet(argv);
	return access("/dev/cpu/0/msr", F_OK) ? -ENODEV : 0;
}

int msr_read(int cpu, uint32_t msr, uint64_t *val)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, val, sizeof(*val), msr);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	return n == sizeof(*val) ? 0 : -EIO;
}

int msr_svme_cpus(const cpu_set_t *cpus, cpu_set_t *svme)
{
	uint64_t efer;
	int cpu, ret;

	CPU_ZERO(svme);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, cpus))
			continue;
		ret = msr_read(cpu, MSR_EFER, &efer);
		if (ret)
			return ret;
		if (efer & EFER_SVME)
			CPU_SET(cpu, svme);
	}
	return 0;
}
