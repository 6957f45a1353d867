// SPDX-License-Identifier: GPL-2.0
/*
 * Mechanics shared by the virtlife tests: see virtlife_util.h.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "virtlife.h"		/* uapi */
#include "module_text.h"
#include "virtlife_util.h"
#include "vl_modules.h"

/* ---------------------------------------------------------------- files */

int vl_read(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - total);
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (n == 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return (int)total;
}

int vl_write(const char *path, const char *str)
{
	size_t len = strlen(str);
	ssize_t n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	n = write(fd, str, len);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

int vl_read_u64(const char *path, uint64_t *val)
{
	char buf[64], *end;
	int ret = vl_read(path, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

bool vl_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ------------------------------------------------------------- cpu sets */

int vl_parse_cpulist(const char *s, cpu_set_t *set)
{
	CPU_ZERO(set);
	while (*s && *s != '\n') {
		char *end;
		long a, b;

		a = strtol(s, &end, 10);
		if (end == s || a < 0)
			return -EINVAL;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a)
				return -EINVAL;
		}
		if (b >= CPU_SETSIZE)
			return -ERANGE;
		for (; a <= b; a++)
			CPU_SET(a, set);
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	return 0;
}

int vl_read_cpulist(const char *path, cpu_set_t *set)
{
	char buf[4096];
	int ret = vl_read(path, buf, sizeof(buf));

	return ret < 0 ? ret : vl_parse_cpulist(buf, set);
}

void vl_format_cpus(const cpu_set_t *set, char *buf, size_t size)
{
	size_t off = 0;
	int cpu, start = -1;

	buf[0] = '\0';
	for (cpu = 0; cpu <= CPU_SETSIZE && off < size; cpu++) {
		bool in = cpu < CPU_SETSIZE && CPU_ISSET(cpu, set);

		if (in && start < 0)
			start = cpu;
		if (!in && start >= 0) {
			if (start == cpu - 1)
				off += snprintf(buf + off, size - off, "%s%d",
						off ? "," : "", start);
			else
				off += snprintf(buf + off, size - off,
						"%s%d-%d", off ? "," : "",
						start, cpu - 1);
			start = -1;
		}
	}
	if (!buf[0])
		snprintf(buf, size, "(none)");
}

int vl_nr_possible_cpus(void)
{
	cpu_set_t set;

	if (vl_read_cpulist("/sys/devices/system/cpu/possible", &set))
		return -EIO;
	return CPU_COUNT(&set);
}

int vl_online_cpus(cpu_set_t *set)
{
	return vl_read_cpulist("/sys/devices/system/cpu/online", set);
}

static void cpu_online_path(int cpu, char *buf, size_t size)
{
	snprintf(buf, size, "/sys/devices/system/cpu/cpu%d/online", cpu);
}

bool vl_cpu_hotpluggable(int cpu)
{
	char path[96];

	cpu_online_path(cpu, path, sizeof(path));
	return vl_exists(path);
}

int vl_hotpluggable_cpus(int *cpus, int max)
{
	int cpu, n = 0, nr = vl_nr_possible_cpus();

	for (cpu = 0; cpu < nr && n < max; cpu++)
		if (vl_cpu_hotpluggable(cpu))
			cpus[n++] = cpu;
	return n;
}

int vl_cpu_set_online(int cpu, bool online)
{
	char path[96];
	uint64_t cur;
	int ret;

	cpu_online_path(cpu, path, sizeof(path));
	ret = vl_read_u64(path, &cur);
	if (ret)
		return ret;
	if (cur == online)
		return 0;
	return vl_write(path, online ? "1" : "0");
}

bool vl_cpu_is_online(int cpu)
{
	cpu_set_t online;

	return !vl_online_cpus(&online) && CPU_ISSET(cpu, &online);
}

int vl_online_all_cpus(void)
{
	int cpu, ret, err = 0, nr = vl_nr_possible_cpus();

	for (cpu = 0; cpu < nr; cpu++) {
		if (!vl_cpu_hotpluggable(cpu))
			continue;
		ret = vl_cpu_set_online(cpu, true);
		if (ret && !err)
			err = ret;
	}
	return err;
}

/* -------------------------------------------------------------- modules */

static bool module_dir_ok(const char *dir)
{
	char path[PATH_MAX + 32];

	size_t i;

	for (i = 0; i < VL_NR_MODULES; i++) {
		snprintf(path, sizeof(path), "%s/%s.ko", dir, vl_modules[i]);
		if (!vl_exists(path))
			return false;
	}
	return true;
}

/* VIRTLIFE_INSTALLED_MODULES=1: the installed modules even beside modules/. */
static bool want_installed(void)
{
	const char *env = getenv("VIRTLIFE_INSTALLED_MODULES");

	return env && !strcmp(env, "1");
}

/*
 * Where the modules are: $VIRTLIFE_MODULE_DIR, else beside the installed
 * test programs (modules/), else the source tree's driver/ next to selftests/.
 * NULL otherwise: then each module is the one installed for the running
 * kernel (installed_module()), unless $VIRTLIFE_MODULE_DIR was given.
 */
const char *vl_module_dir(void)
{
	static char dir[PATH_MAX + 16];
	char exe[PATH_MAX], *slash;
	const char *env = getenv("VIRTLIFE_MODULE_DIR");
	ssize_t n;

	if (env && *env)
		return module_dir_ok(env) ? env : NULL;
	if (want_installed())
		return NULL;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	snprintf(dir, sizeof(dir), "%s/modules", exe);
	if (module_dir_ok(dir))
		return dir;
	snprintf(dir, sizeof(dir), "%s/../driver", exe);
	if (module_dir_ok(dir))
		return dir;
	return NULL;
}

static bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return vl_exists(path);
}

bool vl_loaded(void)
{
	return module_loaded("virtlife");
}

bool vl_simhw_loaded(void)
{
	return module_loaded("virtlife_simhw");
}

/*
 * The module @name installed for the running kernel, the file modprobe would
 * load: kmod's own lookup (modinfo -n: modules.dep of /lib/modules/RELEASE,
 * updates/ before kernel/, as depmod ordered it), into @path. 0, or -ENOENT
 * when it is not installed (or built in). Looked up once per module.
 */
static int installed_module(const char *name, char *path, size_t size)
{
	static struct {
		const char *name;
		int ret;
		char path[PATH_MAX];
	} cache[VL_NR_MODULES];
	size_t i, total = 0;
	int fds[2], status, ret = -ENOENT;
	ssize_t n;
	pid_t pid;

	for (i = 0; i < sizeof(cache) / sizeof(cache[0]) && cache[i].name; i++) {
		if (!strcmp(cache[i].name, name)) {
			snprintf(path, size, "%s", cache[i].path);
			return cache[i].ret;
		}
	}
	if (pipe(fds))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		/* /sbin may not be on a test runner's PATH. */
		execlp("modinfo", "modinfo", "-n", name, (char *)NULL);
		execl("/sbin/modinfo", "modinfo", "-n", name, (char *)NULL);
		execl("/usr/sbin/modinfo", "modinfo", "-n", name, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (total < size - 1 &&
	       (n = read(fds[0], path + total, size - 1 - total)) > 0)
		total += n;
	close(fds[0]);
	path[total] = '\0';
	path[strcspn(path, "\n")] = '\0';
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    !WEXITSTATUS(status) && path[0] == '/' && vl_exists(path))
		ret = 0;
	if (ret)
		*path = '\0';
	if (i < sizeof(cache) / sizeof(cache[0])) {
		cache[i].name = name;
		cache[i].ret = ret;
		snprintf(cache[i].path, sizeof(cache[i].path), "%s", path);
	}
	return ret;
}

/* The file of module @name: in the module directory, else the installed one. */
static int module_path(const char *name, char *path, size_t size)
{
	const char *dir = vl_module_dir();
	const char *env = getenv("VIRTLIFE_MODULE_DIR");

	if (dir) {
		snprintf(path, size, "%s/%s.ko", dir, name);
		return 0;
	}
	if (env && *env)
		return -ENOENT;	/* asked for that directory only */
	return installed_module(name, path, size);
}

/*
 * NULL when every module is found, else which one is not and where it was
 * looked for.
 */
static const char *modules_missing(void)
{
	static char why[PATH_MAX + 256];
	const char *env = getenv("VIRTLIFE_MODULE_DIR");
	char path[PATH_MAX + 64], exe[PATH_MAX] = "";
	struct utsname u;
	size_t i;
	ssize_t n;

	if (vl_module_dir())
		return NULL;
	for (i = VL_NR_MODULES; i-- > 0;) {
		if (!module_path(vl_modules[i], path, sizeof(path)))
			continue;
		if (env && *env) {
			snprintf(why, sizeof(why), "%s.ko: not in VIRTLIFE_MODULE_DIR=%s",
				 vl_modules[i], env);
			return why;
		}
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		if (strrchr(exe, '/'))
			*strrchr(exe, '/') = '\0';
		if (uname(&u))
			snprintf(u.release, sizeof(u.release), "this kernel");
		if (want_installed())
			snprintf(why, sizeof(why),
				 "%s.ko: not installed for %s (VIRTLIFE_INSTALLED_MODULES=1; make modules_install or dkms install)",
				 vl_modules[i], u.release);
		else
			snprintf(why, sizeof(why),
				 "%s.ko: not in VIRTLIFE_MODULE_DIR (unset), %s/modules or %s/../driver, and not installed for %s (make modules_install or dkms install)",
				 vl_modules[i], exe, exe, u.release);
		return why;
	}
	return NULL;
}

/* finit_module() decompresses .ko.xz/.zst/.gz itself with this flag (5.17+). */
#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

static int load_module(const char *name, const char *params)
{
	char path[PATH_MAX + 64];
	const char *ext;
	int fd, ret, flags = 0;

	ret = module_path(name, path, sizeof(path));
	if (ret)
		return ret;
	ext = strrchr(path, '.');
	if (ext && (!strcmp(ext, ".xz") || !strcmp(ext, ".zst") || !strcmp(ext, ".gz")))
		flags |= MODULE_INIT_COMPRESSED_FILE;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params ? params : "", flags);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

/* Unload, waiting a little for references (closing fds) to drain. */
static int unload_module(const char *name)
{
	char path[PATH_MAX + 64];
	int i, ret = 0;

	for (i = 0; i < 200; i++) {
		if (!module_loaded(name))
			return 0;
		/* Where its code is, for a kmemleak report after it is gone. */
		if (!i && !module_path(name, path, sizeof(path)))
			vl_module_text_record(name, path);
		ret = syscall(__NR_delete_module, name, O_NONBLOCK);
		if (!ret || errno == ENOENT)
			return 0;
		ret = -errno;
		if (ret != -EAGAIN && ret != -EBUSY && ret != -EWOULDBLOCK)
			return ret;
		usleep(10000);
	}
	return ret;
}

int vl_load_simhw(void)
{
	return vl_simhw_loaded() ? 0 : load_module("virtlife_simhw", NULL);
}

/* The platform below virtlife.ko: the simulated hardware and the TDX core. */
static int load_platform(void)
{
	int ret = vl_load_simhw();

	if (ret || module_loaded("virtlife_tdx"))
		return ret;
	return load_module("virtlife_tdx", NULL);
}

int vl_load(const char *params)
{
	int ret = load_platform();

	return ret ? ret : load_module("virtlife", params);
}

int vl_unload(void)
{
	return unload_module(vl_modules[0]);
}

int vl_unload_all(void)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < VL_NR_MODULES && !ret; i++)
		ret = unload_module(vl_modules[i]);
	return ret;
}

int vl_unload_tdx_core(void)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < VL_NR_MODULES && !ret; i++)
		if (strcmp(vl_modules[i], "virtlife_simhw"))
			ret = unload_module(vl_modules[i]);
	return ret;
}

bool vl_tdx_core_loaded(void)
{
	return module_loaded("virtlife_tdx");
}

int vl_cold_boot(const char *simhw_params, const char *vl_params)
{
	int ret;

	vl_vm_close_all();
	ret = vl_unload_all();
	if (ret)
		return ret;
	ret = load_module("virtlife_simhw", simhw_params);
	if (ret)
		return ret;
	ret = load_module("virtlife_tdx", NULL);
	if (ret || !vl_params)
		return ret;
	return load_module("virtlife", vl_params);
}

int vl_reset_platform(void)
{
	int ret = vl_unload();

	if (ret)
		return ret;
	ret = vl_online_all_cpus();
	if (ret)
		return ret;
	ret = vl_load_simhw();
	if (ret)
		return ret;
	return simhw_reset_features();
}

/* --------------------------------------------------------- requirements */

const char *vl_config_error(void)
{
	const char *env = getenv("VIRTLIFE_MODULE_DIR");

	/* Asked for modules somewhere: their absence is an error, not a skip. */
	if (env && *env && !module_dir_ok(env))
		return "VIRTLIFE_MODULE_DIR lacks one of virtlife.ko, virtlife_tdx.ko, virtlife_simhw.ko";
	/* So is asking for the installed ones (VIRTLIFE_INSTALLED_MODULES=1). */
	if (!(env && *env) && want_installed())
		return modules_missing();
	return NULL;
}

/* The last kernel log line that names @what, for a refusal's reason. */
static void last_log_line(const char *what, char *line, size_t size)
{
	char *buf, *p, *start, *found = NULL;
	int n;

	*line = '\0';
	n = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (n <= 0)
		return;
	buf = malloc(n + 1);
	if (!buf)
		return;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, n);
	if (n > 0) {
		buf[n] = '\0';
		for (start = buf; (p = strchr(start, '\n')); start = p + 1) {
			*p = '\0';
			if (strstr(start, what))
				found = start;
		}
		if (found)
			snprintf(line, size, "%s", found);
	}
	free(buf);
}

/*
 * Whether this kernel takes the modules: they must be built for it (the
 * installed collection records the release in modules/KERNEL) and the
 * kernel must accept them (vermagic, signature enforcement, lockdown). A
 * refusal is a skip with the kernel's own reason, not a failure of tests.
 */
static const char *modules_refused(void)
{
	static char why[512];
	char path[PATH_MAX + 16], built[128], line[256];
	const char *dir = vl_module_dir();
	struct utsname u;
	int ret;

	if (uname(&u))
		return NULL;
	/* Installed modules (no directory) are the running kernel's by place. */
	if (dir)
		snprintf(path, sizeof(path), "%s/KERNEL", dir);
	if (dir && vl_read(path, built, sizeof(built)) > 0) {
		built[strcspn(built, "\n")] = '\0';
		if (strcmp(built, u.release)) {
			snprintf(why, sizeof(why),
				 "modules built for %s, running %s: rebuild on this kernel (make run_tests, or make gen_tar there)",
				 built, u.release);
			return why;
		}
	}
	if (vl_simhw_loaded() || geteuid() != 0)
		return NULL;
	ret = load_module("virtlife_simhw", NULL);
	if (!ret)
		return unload_module("virtlife_simhw") ? "cannot unload virtlife_simhw after the load probe" : NULL;
	last_log_line(ret == -EPERM ? "ockdown" : "virtlife_simhw", line, sizeof(line));
	snprintf(why, sizeof(why), "the kernel refuses the modules (%s%s): %s",
		 strerror(-ret),
		 ret == -ENOEXEC ? ", wrong vermagic or format" :
		 ret == -EKEYREJECTED || ret == -ENOKEY ? ", module signature enforced" :
		 ret == -EPERM ? ", lockdown or no CAP_SYS_MODULE" : "",
		 *line ? line : "no kernel log line");
	return why;
}

const char *vl_unmet(unsigned int needs)
{
	const char *refused;
	int cpus[2];

	if ((needs & VL_NEED_ROOT) && geteuid() != 0)
		return "needs root";
	if ((needs & VL_NEED_DEBUGFS) &&
	    !vl_exists("/sys/kernel/debug/.") && !vl_exists("/sys/kernel/debug"))
		return "debugfs is not available";
	if ((needs & VL_NEED_DEBUGFS) &&
	    access("/sys/kernel/debug", R_OK | X_OK))
		return "debugfs is not mounted or not readable";
	if ((needs & VL_NEED_MODULES) && (refused = modules_missing()))
		return refused;
	if ((needs & VL_NEED_MODULES) && (refused = modules_refused()))
		return refused;
	if ((needs & VL_NEED_HOTPLUG) && vl_hotpluggable_cpus(cpus, 2) < 1)
		return "needs at least one hotpluggable CPU (CONFIG_HOTPLUG_CPU, >= 2 CPUs)";
	return NULL;
}

/* ------------------------------------------------------ the driver view */

int vl_usage(uint64_t *usage)
{
	return vl_read_u64(VL_SYSFS "/usage_count", usage);
}

int vl_read_field(const char *path, const char *key, char sep,
		  char *val, size_t size)
{
	char buf[8192], *line, *save = NULL;
	size_t len = strlen(key);
	int ret = vl_read(path, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, key, len) && line[len] == sep) {
			snprintf(val, size, "%s", line + len + 1);
			return 0;
		}
	}
	return -ENOENT;
}

/* Find "name value" in a counters file. */
static int keyed_value(const char *path, const char *name, uint64_t *val)
{
	char num[32];
	int ret = vl_read_field(path, name, ' ', num, sizeof(num));

	if (!ret)
		*val = strtoull(num, NULL, 0);
	return ret;
}

int vl_counter(const char *name, uint64_t *val)
{
	return keyed_value(VL_DEBUGFS "/counters", name, val);
}

bool vl_hotplug_state_present(void)
{
	char buf[16384];

	if (vl_read(HOTPLUG_STATES, buf, sizeof(buf)) < 0)
		return false;
	return strstr(buf, VL_HP_STATE) != NULL;
}

/* Value of "key=" in a "k=v k=v" line; *found cleared when absent. */
static uint64_t kv(const char *line, const char *key, bool *found)
{
	char pat[48];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	if (!strncmp(line, pat + 1, strlen(pat + 1)))
		return strtoull(line + strlen(pat + 1), NULL, 0);
	p = strstr(line, pat);
	if (!p) {
		*found = false;
		return 0;
	}
	return strtoull(p + strlen(pat), NULL, 0);
}

/*
 * Call @fn for every line of @path; a false return from @fn makes the
 * whole read -EPROTO (a format the contract does not describe).
 */
int vl_each_line(const char *path, bool (*fn)(const char *line, void *ctx),
		 void *ctx)
{
	char *buf, *line, *save = NULL;
	int ret;

	buf = malloc(1 << 16);
	if (!buf)
		return -ENOMEM;
	ret = vl_read(path, buf, 1 << 16);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	ret = 0;
	for (line = strtok_r(buf, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save))
		if (!fn(line, ctx))
			ret = -EPROTO;
	free(buf);
	return ret;
}

struct cpu_table {
	void *cpus;
	size_t elem;
	int max, n;
	bool (*fill)(const char *line, void *slot);
};

/* One line of a per-CPU table: lines without a CPU of ours are skipped. */
static bool cpu_table_line(const char *line, void *ctx)
{
	struct cpu_table *t = ctx;
	bool found = true;
	int cpu = (int)kv(line, "cpu", &found);

	if (!found || cpu < 0 || cpu >= t->max)
		return true;
	if (!t->fill(line, (char *)t->cpus + t->elem * cpu))
		return false;
	if (cpu + 1 > t->n)
		t->n = cpu + 1;
	return true;
}

/* Read a per-CPU "k=v" table; @fill parses one line into slot cpu. */
static int read_cpu_table(const char *path, void *cpus, size_t elem, int max,
			  bool (*fill)(const char *line, void *slot))
{
	struct cpu_table t = {
		.cpus = cpus, .elem = elem, .max = max, .fill = fill,
	};
	int ret;

	memset(cpus, 0, elem * max);
	ret = vl_each_line(path, cpu_table_line, &t);
	return ret ? ret : t.n;
}

static bool fill_vl_cpu(const char *line, void *slot)
{
	struct vl_cpu *c = slot;
	bool ok = true;

	c->cpu = (int)kv(line, "cpu", &ok);
	c->enabled = kv(line, "enabled", &ok);
	c->enables = kv(line, "enables", &ok);
	c->disables = kv(line, "disables", &ok);
	c->compat_checks = kv(line, "compat_checks", &ok);
	c->compat_failures = kv(line, "compat_failures", &ok);
	c->enable_failures = kv(line, "enable_failures", &ok);
	c->double_enables = kv(line, "double_enables", &ok);
	c->double_disables = kv(line, "double_disables", &ok);
	c->online = kv(line, "online", &ok);
	c->offline = kv(line, "offline", &ok);
	return ok;
}

int vl_cpus(struct vl_cpu *cpus, int max)
{
	return read_cpu_table(VL_DEBUGFS "/cpus", cpus, sizeof(*cpus), max,
			      fill_vl_cpu);
}

struct vl_cpu vl_cpu_view(int cpu)
{
	static struct vl_cpu all[CPU_SETSIZE];
	struct vl_cpu none = { .cpu = -1 };

	return vl_cpus(all, CPU_SETSIZE) > cpu ? all[cpu] : none;
}

/* ------------------------------------------------------ the witness view */

static bool fill_simhw_cpu(const char *line, void *slot)
{
	struct simhw_cpu *c = slot;
	bool ok = true;

	c->cpu = (int)kv(line, "cpu", &ok);
	c->on = kv(line, "on", &ok);
	c->enables = kv(line, "enables", &ok);
	c->disables = kv(line, "disables", &ok);
	c->double_enables = kv(line, "double_enables", &ok);
	c->double_disables = kv(line, "double_disables", &ok);
	c->wrong_cpu = kv(line, "wrong_cpu", &ok);
	c->preemptible = kv(line, "preemptible", &ok);
	c->cache_dirty = kv(line, "cache_dirty", &ok);
	c->flushes = kv(line, "flushes", &ok);
	c->offline_dirty = kv(line, "offline_dirty", &ok);
	c->active_vmcs = kv(line, "active_vmcs", &ok);
	c->vmxoff_active = kv(line, "vmxoff_active", &ok);
	c->vmcs_elsewhere = kv(line, "vmcs_elsewhere", &ok);
	c->features = kv(line, "features", &ok);
	return ok;
}

int simhw_cpus(struct simhw_cpu *cpus, int max)
{
	return read_cpu_table(SIMHW_DEBUGFS "/cpus", cpus, sizeof(*cpus), max,
			      fill_simhw_cpu);
}

int simhw_enabled_cpus(cpu_set_t *set)
{
	return vl_read_cpulist(SIMHW_DEBUGFS "/enabled_cpus", set);
}

int simhw_reset_features(void)
{
	int cpu, ret, nr = vl_nr_possible_cpus();

	for (cpu = 0; cpu < nr; cpu++) {
		ret = simhw_set_features(cpu, "default");
		if (ret)
			return ret;
	}
	return 0;
}

int simhw_set_features(int cpu, const char *mask)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%d %s", cpu, mask);
	return vl_write(SIMHW_DEBUGFS "/features", buf);
}

/* ------------------------------------------------------------------ VMs */

/* VMs this process holds, so that teardown can drop every reference. */
static int vl_vms[4096];
static int vl_nr_vms;
static pthread_mutex_t vl_vms_lock = PTHREAD_MUTEX_INITIALIZER; /* threads create VMs */

int vl_vm_create(void)
{
	return vl_vm_create_type(0);
}

int vl_vm_create_type(unsigned long type)
{
	int fd, vm;

	fd = open(VL_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	vm = ioctl(fd, VIRTLIFE_CREATE_VM, type);
	if (vm < 0)
		vm = -errno;
	close(fd);
	pthread_mutex_lock(&vl_vms_lock);
	if (vm >= 0 && vl_nr_vms < (int)(sizeof(vl_vms) / sizeof(vl_vms[0])))
		vl_vms[vl_nr_vms++] = vm;
	pthread_mutex_unlock(&vl_vms_lock);
	return vm;
}

int vl_vm_close(int vm)
{
	int i;

	pthread_mutex_lock(&vl_vms_lock);
	for (i = 0; i < vl_nr_vms; i++) {
		if (vl_vms[i] == vm) {
			vl_vms[i] = vl_vms[--vl_nr_vms];
			break;
		}
	}
	pthread_mutex_unlock(&vl_vms_lock);
	return close(vm) ? -errno : 0;
}

void vl_vm_close_all(void)
{
	while (vl_nr_vms)
		vl_vm_close(vl_vms[0]);
}

int vl_fds_hold(struct vl_fds_hold *h, int spare)
{
	struct rlimit low;
	int fd;

	h->n = 0;
	if (getrlimit(RLIMIT_NOFILE, &h->old))
		return -errno;
	low = h->old;
	low.rlim_cur = VL_FDS_HOLD_LIMIT;
	if (setrlimit(RLIMIT_NOFILE, &low))
		return -errno;
	while (h->n < VL_FDS_HOLD_LIMIT) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		h->fds[h->n++] = fd;
	}
	if (errno != EMFILE || h->n < spare) {
		int err = h->n == VL_FDS_HOLD_LIMIT ? E2BIG : errno;

		vl_fds_release(h);
		return -err;
	}
	while (spare-- > 0)
		close(h->fds[--h->n]);
	return 0;
}

void vl_fds_release(struct vl_fds_hold *h)
{
	while (h->n > 0)
		close(h->fds[--h->n]);
	setrlimit(RLIMIT_NOFILE, &h->old);
}

int vl_vcpu_create(int vm)
{
	int vcpu = ioctl(vm, VIRTLIFE_CREATE_VCPU, 0);

	if (vcpu < 0)
		return -errno;
	pthread_mutex_lock(&vl_vms_lock);
	if (vl_nr_vms < (int)(sizeof(vl_vms) / sizeof(vl_vms[0])))
		vl_vms[vl_nr_vms++] = vcpu;
	pthread_mutex_unlock(&vl_vms_lock);
	return vcpu;
}

int vl_vcpu_run_on(int vcpu, int cpu)
{
	cpu_set_t old, one;
	int ret, err;

	if (sched_getaffinity(0, sizeof(old), &old))
		return -errno;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return -errno;
	ret = ioctl(vcpu, VIRTLIFE_RUN, 0);
	err = errno;
	sched_setaffinity(0, sizeof(old), &old);
	return ret < 0 ? -err : ret;
}

/* ------------------------------------------------------ fault injection */

int vl_inject(const char *knob, const char *cpulist, int count)
{
	char path[128], buf[128];

	snprintf(path, sizeof(path), VL_DEBUGFS "/%s", knob);
	snprintf(buf, sizeof(buf), "%s %d", cpulist, count);
	return vl_write(path, buf);
}

int vl_inject_clear(void)
{
	int ret = vl_write(VL_DEBUGFS "/fail_compat", "none");

	return ret ? ret : vl_write(VL_DEBUGFS "/fail_enable", "none");
}

/* ------------------------------------------------------------ event log */

int vl_events_since(uint64_t since, struct vl_events *out)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap), *line, *save = NULL;
	int ret, n = 0, max = VL_EVENT_LOG_SIZE + 16;
	uint64_t oldest = 0;

	out->n = 0;
	out->ev = calloc(max, sizeof(*out->ev));
	if (!buf || !out->ev) {
		free(buf);
		free(out->ev);
		out->ev = NULL;
		return -ENOMEM;
	}
	ret = vl_read(VL_DEBUGFS "/events", buf, cap);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	for (line = strtok_r(buf, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		struct vl_event *e = &out->ev[n];
		unsigned long long seq, ns;

		if (sscanf(line, "%llu %llu %d %31s %lld", &seq, &ns, &e->cpu,
			   e->name, &e->arg) != 5)
			continue;
		if (!oldest)
			oldest = seq;
		if (seq <= since)
			continue;
		e->seq = seq;
		e->ns = ns;
		n++;
	}
	free(buf);
	/*
	 * The ring dropped events after @since: what a check would read is
	 * not all that happened, and must not pass for it.
	 */
	if (since && oldest > since + 1) {
		vl_events_free(out);
		return -EOVERFLOW;
	}
	out->n = n;
	return n;
}

void vl_events_free(struct vl_events *evs)
{
	free(evs->ev);
	evs->ev = NULL;
	evs->n = 0;
}

/*
 * The emulated TDX module's SEAMCALL log, as events: "NS CPU LEAF CLASS"
 * (CLASS: the status's upper 32 bits, 0 for TDX_SUCCESS). 0 lines when the
 * emulator is not loaded.
 */
static int seamcalls_dump(void)
{
	FILE *f = fopen(SIMHW_DEBUGFS "/tdx/calls", "r");
	unsigned long long ns, status;
	char line[160], leaf[32];
	int cpu, n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llu %d %31s %llx", &ns, &cpu, leaf, &status) != 4)
			continue;
		printf("# vl-event: %llu %d %s %llu\n", ns, cpu, leaf, status >> 32);
		n++;
	}
	fclose(f);
	return n;
}

/*
 * The driver's whole event log, for the run's report: tools/results draws
 * it as a per-CPU timeline. With the emulated TDX module loaded, its
 * SEAMCALLs follow (seamcalls_dump). The case stream (case_stream.c) puts
 * the running case's name after "begin" and "end".
 */
void vl_events_dump(const char *label)
{
	struct vl_events evs;
	int i, n = vl_events_since(0, &evs);
	uint64_t dropped = 0;

	if (n < 0) {
		printf("# vl-events: none (%s: %s)\n", label, strerror(-n));
		fflush(stdout);
		return;
	}
	vl_counter("events_dropped", &dropped);
	printf("# vl-events: begin cpus=%ld label=%s\n",
	       sysconf(_SC_NPROCESSORS_CONF), label);
	for (i = 0; i < evs.n; i++)
		printf("# vl-event: %llu %d %s %lld\n",
		       (unsigned long long)evs.ev[i].ns, evs.ev[i].cpu,
		       evs.ev[i].name, evs.ev[i].arg);
	n = evs.n + seamcalls_dump();
	printf("# vl-events: end count=%d dropped=%llu\n", n,
	       (unsigned long long)dropped);
	fflush(stdout);
	vl_events_free(&evs);
}

uint64_t vl_last_seq(void)
{
	struct vl_events evs;
	uint64_t last = 0;

	if (vl_events_since(0, &evs) > 0)
		last = evs.ev[evs.n - 1].seq;
	vl_events_free(&evs);
	return last;
}

int vl_event_find(const struct vl_events *evs, int from, const char *name)
{
	int i;

	for (i = from < 0 ? 0 : from; i < evs->n; i++)
		if (!strcmp(evs->ev[i].name, name))
			return i;
	return -1;
}

int vl_event_count(const struct vl_events *evs, const char *name)
{
	int i, n = 0;

	for (i = 0; i < evs->n; i++)
		n += !strcmp(evs->ev[i].name, name);
	return n;
}

/* ----------------------------------------------------------- invariants */

#define WHY(...) (snprintf(why, len, __VA_ARGS__), false)

bool vl_cpus_expected(const cpu_set_t *got, const cpu_set_t *want,
		      const char *what, uint64_t usage, char *why, size_t len)
{
	char a[256], b[256];

	if (CPU_EQUAL(got, want))
		return true;
	vl_format_cpus(got, a, sizeof(a));
	vl_format_cpus(want, b, sizeof(b));
	return WHY("%s %s, expected %s (usage %llu)", what, a, b,
		   (unsigned long long)usage);
}

bool vl_driver_view(cpu_set_t *expect, uint64_t *usage, char *why,
		    size_t len)
{
	cpu_set_t online, denabled;

	if (vl_usage(usage))
		return WHY("cannot read %s/usage_count", VL_SYSFS);
	if (vl_online_cpus(&online) ||
	    vl_read_cpulist(VL_SYSFS "/enabled_cpus", &denabled))
		return WHY("cannot read the online/enabled cpulists");
	if (vl_hotplug_state_present() != (*usage > 0))
		return WHY("hotplug state %s is %s with usage_count %llu (L7)",
			   VL_HP_STATE, *usage ? "absent" : "present",
			   (unsigned long long)*usage);
	if (*usage)
		*expect = online;
	else
		CPU_ZERO(expect);
	return vl_cpus_expected(&denabled, expect, "driver says enabled CPUs",
				*usage, why, len);
}

bool vl_state_consistent(char *why, size_t len)
{
	static struct vl_cpu dcpu[CPU_SETSIZE];
	static struct simhw_cpu hcpu[CPU_SETSIZE];
	cpu_set_t henabled, expect;
	uint64_t usage;
	int cpu, nd, nh;

	if (!vl_driver_view(&expect, &usage, why, len))
		return false;
	if (simhw_enabled_cpus(&henabled))
		return WHY("cannot read the simulated hardware's enabled_cpus");
	if (!vl_cpus_expected(&henabled, &expect, "hardware (simhw) on: CPUs",
			      usage, why, len))
		return false;
	nd = vl_cpus(dcpu, CPU_SETSIZE);
	nh = simhw_cpus(hcpu, CPU_SETSIZE);
	if (nd <= 0 || nh <= 0)
		return WHY("cannot read the per-CPU tables (%d, %d)", nd, nh);
	for (cpu = 0; cpu < nh; cpu++) {
		struct simhw_cpu *h = &hcpu[cpu];
		int64_t diff = (int64_t)(h->enables - h->disables);

		if (h->double_enables || h->double_disables || h->wrong_cpu)
			return WHY("cpu%d: hardware saw double_enables=%llu double_disables=%llu wrong_cpu=%llu (L4/L5)",
				   cpu, (unsigned long long)h->double_enables,
				   (unsigned long long)h->double_disables,
				   (unsigned long long)h->wrong_cpu);
		if (h->vmxoff_active || h->vmcs_elsewhere)
			return WHY("cpu%d: VMXOFF with %llu VMCS still active, %llu VMPTRLD of a VMCS active on another CPU: no VMCLEAR first (L8)",
				   cpu, (unsigned long long)h->vmxoff_active,
				   (unsigned long long)h->vmcs_elsewhere);
		if (h->offline_dirty)
			return WHY("cpu%d: went offline %llu times with TDX lines in its caches: no flush after its last SEAMCALL (T11)",
				   cpu, (unsigned long long)h->offline_dirty);
		if (h->preemptible)
			return WHY("cpu%d: %llu per-CPU operations or SEAMCALLs ran preemptible: the task could move to another CPU half-way (L4, T11)",
				   cpu, (unsigned long long)h->preemptible);
		if (diff != h->on)
			return WHY("cpu%d: hardware enables-disables=%lld but on=%d (L4)",
				   cpu, (long long)diff, h->on);
		if (cpu < nd && dcpu[cpu].enabled != h->on)
			return WHY("cpu%d: driver flag %d, hardware %d",
				   cpu, dcpu[cpu].enabled, h->on);
		/*
		 * The flag only guards; with the hotplug state owning the
		 * per-CPU work, no path ever finds it already set (an enable
		 * racing the hotplug path does: L4).
		 */
		if (cpu < nd && (dcpu[cpu].double_enables ||
				 dcpu[cpu].double_disables))
			return WHY("cpu%d: driver found its flag already %s (double_enables=%llu double_disables=%llu): two paths enable/disable the same CPU (L4)",
				   cpu, dcpu[cpu].double_enables ? "set" : "clear",
				   (unsigned long long)dcpu[cpu].double_enables,
				   (unsigned long long)dcpu[cpu].double_disables);
	}
	return true;
}

bool vl_fully_unloaded(char *why, size_t len)
{
	cpu_set_t henabled;
	char a[256];

	if (vl_loaded())
		return WHY("virtlife is still loaded");
	if (vl_exists(VL_SYSFS))
		return WHY("%s still exists (L13)", VL_SYSFS);
	if (vl_exists(VL_DEBUGFS))
		return WHY("%s still exists (L13)", VL_DEBUGFS);
	if (vl_exists(VL_DEV))
		return WHY("%s still exists (L13)", VL_DEV);
	if (vl_hotplug_state_present())
		return WHY("hotplug state %s still registered (L7, L13)",
			   VL_HP_STATE);
	if (!vl_simhw_loaded())
		return true;
	if (simhw_enabled_cpus(&henabled))
		return WHY("cannot read %s/enabled_cpus", SIMHW_DEBUGFS);
	if (CPU_COUNT(&henabled)) {
		vl_format_cpus(&henabled, a, sizeof(a));
		return WHY("CPUs %s still have virtualization on (L13)", a);
	}
	return true;
}

/*
 * Undo whatever a test left behind, then check L13. Returns false with the
 * first problem in @why; keeps going so the next test starts clean.
 */
bool vl_teardown(char *why, size_t len)
{
	int ret;

	why[0] = '\0';
	vl_vm_close_all();
	if (vl_loaded())
		vl_inject_clear();
	ret = vl_online_all_cpus();
	if (ret)
		snprintf(why, len, "could not online every CPU: %s",
			 strerror(-ret));
	ret = vl_unload();
	if (ret && !why[0])
		snprintf(why, len, "rmmod virtlife: %s", strerror(-ret));
	if (vl_simhw_loaded())
		simhw_reset_features();
	if (why[0])
		return false;
	return vl_fully_unloaded(why, len);
}

int vl_try_unload(void)
{
	return syscall(__NR_delete_module, vl_modules[0], O_NONBLOCK) ?
	       -errno : 0;
}

/* -------------------------------------------------------------- suspend */

bool vl_sleep_state_available(const char *state)
{
	char buf[256], *tok, *save = NULL;

	if (vl_read("/sys/power/state", buf, sizeof(buf)) < 0)
		return false;
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, state))
			return true;
	return false;
}

int vl_suspend(const char *state, const char *pm_test)
{
	int ret;

	if (vl_exists("/sys/power/pm_test")) {
		ret = vl_write("/sys/power/pm_test", pm_test);
		if (ret)
			return ret;
	} else if (strcmp(pm_test, "none")) {
		return -EOPNOTSUPP;
	}
	/* The default pm_test delay is 5 s per cycle: nothing to see there. */
	vl_write("/sys/module/suspend/parameters/pm_test_delay", "0");
	return vl_write("/sys/power/state", state);
}

int vl_rtc_wake_in(int secs)
{
	char buf[16];
	int ret = vl_write("/sys/class/rtc/rtc0/wakealarm", "0");

	if (ret)
		return ret;
	snprintf(buf, sizeof(buf), "+%d", secs);
	return vl_write("/sys/class/rtc/rtc0/wakealarm", buf);
}

int vl_env_timeout_scale(void)
{
	const char *s = getenv("VIRTLIFE_TIMEOUT_SCALE");
	char *end;
	long k;

	if (!s || !*s)
		return 1;
	k = strtol(s, &end, 10);
	return *end || k < 1 || k > 100 ? -EINVAL : (int)k;
}

int vl_s3_wake_secs(void)
{
	int k = vl_env_timeout_scale();

	return 3 * (k > 0 ? k : 1);
}

/* ----------------------------------------------------------------- misc */

double vl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run @argv (a NULL-terminated list, found through PATH) with its output
 * thrown away: its exit status, -EINTR when a signal ended it, -errno when
 * it could not be started.
 */
int vl_run_quiet(const char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

/* VIRTLIFE_SEED makes a randomized run repeatable; the seed is printed. */
unsigned int vl_seed(void)
{
	const char *env = getenv("VIRTLIFE_SEED");
	unsigned int seed;

	seed = env ? (unsigned int)strtoul(env, NULL, 0) :
		     (unsigned int)(time(NULL) ^ getpid());
	vl_note("seed %u (set VIRTLIFE_SEED=%u to repeat)", seed, seed);
	return seed;
}

/*
 * A "# " line on stdout, flushed at once: a test body runs in a child that
 * ends with _exit(), which drops what stdio still buffers (stdout is a
 * pipe, not a terminal, under run_kselftest.sh and in the VM).
 */
void vl_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

double vl_duration(const char *name, double def)
{
	char var[64], *end;
	const char *val;
	double d;
	int i;

	snprintf(var, sizeof(var), "VIRTLIFE_%s_SECONDS", name);
	for (i = 0; var[i]; i++)
		var[i] = toupper((unsigned char)var[i]);
	val = getenv(var);
	if (!val)
		return def;
	d = strtod(val, &end);
	return (end != val && d > 0) ? d : def;
}
