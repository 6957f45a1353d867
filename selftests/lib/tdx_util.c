// SPDX-License-Identifier: GPL-2.0
/*
 * TDX mechanics shared by the TDX tests: see tdx_util.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msr_util.h"
#include "tdx_util.h"

#define WHY(...) (snprintf(why, len, __VA_ARGS__), false)

const char *const tdx_leaf_names[TDX_NR_LEAVES] = {
	[TDX_KEY_CONFIG] = "SYS.KEY.CONFIG",
	[TDX_SYS_INIT] = "SYS.INIT",
	[TDX_SYS_RD] = "SYS.RD",
	[TDX_LP_INIT] = "SYS.LP.INIT",
	[TDX_TDMR_INIT] = "SYS.TDMR.INIT",
	[TDX_SYS_CONFIG] = "SYS.CONFIG",
	[TDX_SYS_SHUTDOWN] = "SYS.SHUTDOWN",
	[TDX_SYS_UPDATE] = "SYS.UPDATE",
	[TDX_SEAMLDR_INSTALL] = "SEAMLDR.INSTALL",
	[TDX_SYS_DISABLE] = "SYS.DISABLE",
};

/* ------------------------------------------------------------- parsing */

/* The value of "key=" in a line of space-separated key=value tokens. */
static bool token(const char *line, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	const char *p = line;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, " \t\n");

			if (n >= size)
				n = size - 1;
			memcpy(val, p + klen + 1, n);
			val[n] = '\0';
			return true;
		}
		p += strcspn(p, " \t\n");
		while (*p == '\n')
			p++;
	}
	return false;
}

static bool token_u64(const char *line, const char *key, uint64_t *v)
{
	char buf[64], *end;

	if (!token(line, key, buf, sizeof(buf)))
		return false;
	errno = 0;
	*v = strtoull(buf, &end, 0);
	return !errno && end != buf && !*end;
}

static bool token_int(const char *line, const char *key, int *v)
{
	char buf[64], *end;
	long n;

	if (!token(line, key, buf, sizeof(buf)))
		return false;
	n = strtol(buf, &end, 0);
	*v = (int)n;
	return end != buf && !*end;
}

/* "0xA/0xB" */
static bool token_pair(const char *line, const char *key, uint64_t *a,
		       uint64_t *b)
{
	char buf[96], *end;

	if (!token(line, key, buf, sizeof(buf)))
		return false;
	*a = strtoull(buf, &end, 0);
	if (*end != '/')
		return false;
	*b = strtoull(end + 1, &end, 0);
	return !*end;
}

/* "key=value" lines: the value of @key. */
static int keyed_line(const char *path, const char *key, char *val, size_t size)
{
	return vl_read_field(path, key, '=', val, size);
}

static int keyed_u64(const char *path, const char *key, uint64_t *v)
{
	char buf[64], *end;
	int ret = keyed_line(path, key, buf, sizeof(buf));

	if (ret)
		return ret;
	*v = strtoull(buf, &end, 0);
	return end != buf && !*end ? 0 : -EPROTO;
}

/* -------------------------------------------------------- the emulator */

static bool leaves_line(const char *line, void *ctx)
{
	struct tdx_leaves *l = ctx;
	char name[32];
	int i;

	if (!token(line, "leaf", name, sizeof(name)))
		return false;
	for (i = 0; i < TDX_NR_LEAVES; i++)
		if (!strcmp(name, tdx_leaf_names[i]))
			return token_u64(line, "calls", &l->calls[i]) &&
			       token_u64(line, "failures", &l->failures[i]);
	return true;	/* a leaf the tests do not know: fine */
}

int tdx_leaves(struct tdx_leaves *l)
{
	memset(l, 0, sizeof(*l));
	return vl_each_line(TDX_EMU_DEBUGFS "/leaves", leaves_line, l);
}

uint64_t tdx_leaves_total(const struct tdx_leaves *l)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < TDX_NR_LEAVES; i++)
		sum += l->calls[i];
	return sum;
}

void tdx_leaves_format(const struct tdx_leaves *l, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < TDX_NR_LEAVES && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s=%llu/%llu",
				i ? " " : "", tdx_leaf_names[i],
				(unsigned long long)l->calls[i],
				(unsigned long long)l->failures[i]);
}

struct cpus_ctx {
	struct tdx_emu_cpu *cpus;
	int max, n;
};

static bool emu_cpu_line(const char *line, void *ctx)
{
	struct cpus_ctx *c = ctx;
	struct tdx_emu_cpu e;
	uint64_t init;

	if (!token_int(line, "cpu", &e.cpu) || !token_int(line, "package", &e.package) ||
	    !token_u64(line, "lp_init_calls", &e.lp_init_calls) ||
	    !token_u64(line, "lp_initialized", &init))
		return false;
	e.lp_initialized = init;
	if (e.cpu < 0 || e.cpu >= c->max)
		return true;
	c->cpus[e.cpu] = e;
	if (e.cpu + 1 > c->n)
		c->n = e.cpu + 1;
	return true;
}

int tdx_emu_cpus(struct tdx_emu_cpu *cpus, int max)
{
	struct cpus_ctx c = { cpus, max, 0 };
	int i, ret;

	for (i = 0; i < max; i++)
		cpus[i] = (struct tdx_emu_cpu){ .cpu = -1 };
	ret = vl_each_line(TDX_EMU_DEBUGFS "/cpus", emu_cpu_line, &c);
	return ret ? ret : c.n;
}

struct pkgs_ctx {
	struct tdx_emu_package *p;
	int max, n;
};

static bool emu_pkg_line(const char *line, void *ctx)
{
	struct pkgs_ctx *c = ctx;
	struct tdx_emu_package e;
	uint64_t conf;

	if (!token_int(line, "package", &e.package) ||
	    !token_u64(line, "key_config_calls", &e.key_config_calls) ||
	    !token_u64(line, "configured", &conf) ||
	    !token_int(line, "by_cpu", &e.by_cpu))
		return false;
	e.configured = conf;
	if (c->n < c->max)
		c->p[c->n++] = e;
	return true;
}

int tdx_emu_packages(struct tdx_emu_package *pkgs, int max)
{
	struct pkgs_ctx c = { pkgs, max, 0 };
	int ret = vl_each_line(TDX_EMU_DEBUGFS "/packages", emu_pkg_line, &c);

	return ret ? ret : c.n;
}

int tdx_emu_state(const char *key, char *val, size_t size)
{
	return keyed_line(TDX_EMU_DEBUGFS "/state", key, val, size);
}

int tdx_emu_state_u64(const char *key, uint64_t *val)
{
	return keyed_u64(TDX_EMU_DEBUGFS "/state", key, val);
}

int tdx_fail_leaf(const char *leaf, uint64_t status, int nth)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "%s 0x%llX %d", leaf,
		 (unsigned long long)status, nth);
	return vl_write(TDX_EMU_DEBUGFS "/fail_leaf", buf);
}

int tdx_no_entropy(const char *cmd)
{
	return vl_write(TDX_EMU_DEBUGFS "/no_entropy", cmd);
}

/* --------------------------------------------------------- the host core */

int tdx_core_state(struct tdx_core_state *st)
{
	const char *f = TDX_CORE_DEBUGFS "/state";
	char num[32];
	int ret;

	memset(st, 0, sizeof(*st));
	ret = keyed_line(f, "status", st->status, sizeof(st->status));
	if (!ret)
		ret = keyed_line(f, "error", num, sizeof(num));
	if (!ret)
		st->error = atoi(num);
	if (!ret)
		ret = keyed_line(f, "sys_init", st->sys_init, sizeof(st->sys_init));
	if (!ret)
		ret = keyed_line(f, "lp_initialized", st->lp_initialized,
				 sizeof(st->lp_initialized));
	if (!ret)
		ret = keyed_u64(f, "init_time_us", &st->init_time_us);
	if (!ret)
		ret = keyed_u64(f, "pamt_bytes", &st->pamt_bytes);
	if (!ret)
		ret = keyed_u64(f, "tdmrs", &st->tdmrs);
	if (!ret)
		ret = keyed_line(f, "version", st->version, sizeof(st->version));
	if (!ret)
		ret = keyed_u64(f, "platform", &st->platform);
	if (!ret)
		ret = keyed_u64(f, "off_for_hibernation", &st->off_for_hibernation);
	if (!ret)
		ret = keyed_u64(f, "s3_disabled", &st->s3_disabled);
	if (!ret)
		ret = keyed_u64(f, "updates", &st->updates);
	return ret;
}

bool tdx_off_for_hibernation(void)
{
	struct tdx_core_state st;

	return !tdx_core_state(&st) && st.off_for_hibernation;
}

int tdx_raw_seamcall(int cpu, const char *leaf, uint64_t rcx, uint64_t rdx,
		     uint64_t r8, uint64_t *status)
{
	const char *f = TDX_EMU_DEBUGFS "/seamcall";
	char cmd[160], line[256], *p;
	int ret;

	snprintf(cmd, sizeof(cmd), "%d %s %llx %llx %llx", cpu, leaf,
		 (unsigned long long)rcx, (unsigned long long)rdx,
		 (unsigned long long)r8);
	ret = vl_write(f, cmd);
	if (ret)
		return ret;
	ret = vl_read(f, line, sizeof(line));
	if (ret < 0)
		return ret;
	p = strstr(line, "status=");
	if (!p)
		return -EPROTO;
	*status = strtoull(p + 7, NULL, 16);
	return 0;
}

struct pamt_ctx {
	struct tdx_core_pamt *p;
	int n;
};

static bool pamt_line(const char *line, void *ctx)
{
	struct pamt_ctx *c = ctx;
	char buf[32], *end;
	uint64_t b;
	int64_t a;
	int node;

	if (!token_int(line, "node", &node) || !token_u64(line, "bytes", &b) ||
	    !token(line, "allocated", buf, sizeof(buf)) ||
	    node < 0 || node >= TDX_MAX_NODES)
		return false;
	errno = 0;
	a = strtoll(buf, &end, 10);
	if (errno || end == buf || *end)
		return false;
	c->p[node].bytes = b;
	c->p[node].allocated = a;
	c->n++;
	return true;
}

int tdx_core_pamt(struct tdx_core_pamt p[TDX_MAX_NODES])
{
	struct pamt_ctx c = { p, 0 };
	int ret;

	memset(p, 0, sizeof(*p) * TDX_MAX_NODES);
	ret = vl_each_line(TDX_CORE_DEBUGFS "/pamt", pamt_line, &c);
	return ret ? ret : c.n;
}

bool tdx_no_pamt_held(char *why, size_t len)
{
	struct tdx_core_pamt p[TDX_MAX_NODES];
	struct tdx_core_state st;
	int node;

	if (tdx_core_state(&st))
		return snprintf(why, len, "cannot read the core's state"), false;
	if (st.pamt_bytes)
		return snprintf(why, len, "the core's TDMR list still has %llu PAMT bytes (T6)",
				(unsigned long long)st.pamt_bytes), false;
	if (tdx_core_pamt(p) <= 0)
		return snprintf(why, len, "cannot read the core's pamt file"), false;
	for (node = 0; node < TDX_MAX_NODES; node++) {
		if (p[node].bytes || p[node].allocated)
			return snprintf(why, len,
					"node %d: the core holds %llu PAMT bytes in its TDMRs, %lld allocated from the page allocator and not freed (T6)",
					node, (unsigned long long)p[node].bytes,
					(long long)p[node].allocated), false;
	}
	return true;
}

struct tdmrs_ctx {
	struct tdx_tdmr *t;
	int max, n;
};

static bool tdmr_line(const char *line, void *ctx)
{
	static const char *const lvl[3] = { "pamt_4k", "pamt_2m", "pamt_1g" };
	struct tdmrs_ctx *c = ctx;
	struct tdx_tdmr t;
	int i, idx;

	if (!token_int(line, "tdmr", &idx) || !token_u64(line, "base", &t.base) ||
	    !token_u64(line, "size", &t.size) ||
	    !token_int(line, "reserved", &t.reserved))
		return false;
	/* The core names the node, the emulator the next address to initialize. */
	if (!token_int(line, "nid", &t.nid))
		t.nid = -1;
	if (!token_u64(line, "next", &t.next))
		t.next = 0;
	for (i = 0; i < 3; i++)
		if (!token_pair(line, lvl[i], &t.pamt_base[i], &t.pamt_size[i]))
			return false;
	if (c->n < c->max)
		c->t[c->n++] = t;
	return true;
}

int tdx_core_tdmrs(struct tdx_tdmr *t, int max)
{
	struct tdmrs_ctx c = { t, max, 0 };
	int ret = vl_each_line(TDX_CORE_DEBUGFS "/tdmrs", tdmr_line, &c);

	return ret ? ret : c.n;
}

int tdx_emu_tdmrs(struct tdx_tdmr *t, int max)
{
	struct tdmrs_ctx c = { t, max, 0 };
	int ret = vl_each_line(TDX_EMU_DEBUGFS "/tdmrs", tdmr_line, &c);

	return ret ? ret : c.n;
}

struct memlist_ctx {
	struct tdx_range *r;
	int max, n;
};

static bool memlist_line(const char *line, void *ctx)
{
	struct memlist_ctx *c = ctx;
	struct tdx_range r;

	if (!token_u64(line, "start", &r.start) || !token_u64(line, "end", &r.end) ||
	    !token_int(line, "nid", &r.nid))
		return false;
	if (c->n < c->max)
		c->r[c->n++] = r;
	return true;
}

int tdx_core_memlist(struct tdx_range *r, int max)
{
	struct memlist_ctx c = { r, max, 0 };
	int ret = vl_each_line(TDX_CORE_DEBUGFS "/memlist", memlist_line, &c);

	return ret ? ret : c.n;
}

struct ram_ctx {
	struct tdx_range *r;
	int max, n;
	bool hidden;
};

/* "00100000-bffdffff : System RAM"; nested resources are indented. */
static bool ram_line(const char *line, void *ctx)
{
	struct ram_ctx *c = ctx;
	unsigned long long start, last;
	char name[64] = "";

	if (line[0] == ' ' ||
	    sscanf(line, "%llx-%llx : %63[^\n]", &start, &last, name) != 3 ||
	    strcmp(name, "System RAM"))
		return true;
	if (!start && !last)
		c->hidden = true;
	if (c->n && c->r[c->n - 1].end == start)
		c->r[c->n - 1].end = last + 1;
	else if (c->n < c->max)
		c->r[c->n++] = (struct tdx_range){ start, last + 1, -1 };
	return true;
}

int tdx_system_ram(struct tdx_range *r, int max)
{
	struct ram_ctx c = { r, max, 0, false };
	int ret = vl_each_line("/proc/iomem", ram_line, &c);

	if (ret)
		return ret;
	return c.hidden ? -EPERM : c.n;
}

int tdx_fail_step(const char *cmd)
{
	return vl_write(TDX_CORE_DEBUGFS "/fail_step", cmd);
}

/* ------------------------------------------------------ virtlife's glue */

static const struct { int err; const char *name; } errnos[] = {
	{ -EPERM, "-EPERM" }, { -ENOENT, "-ENOENT" }, { -EIO, "-EIO" },
	{ -ENOMEM, "-ENOMEM" }, { -EACCES, "-EACCES" }, { -EBUSY, "-EBUSY" },
	{ -ENODEV, "-ENODEV" }, { -EINVAL, "-EINVAL" }, { -ENOSPC, "-ENOSPC" },
	{ -EOPNOTSUPP, "-EOPNOTSUPP" }, { -EAGAIN, "-EAGAIN" },
	{ -EFAULT, "-EFAULT" }, { -ENXIO, "-ENXIO" }, { -E2BIG, "-E2BIG" },
};

int tdx_errno_parse(const char *s)
{
	char *end;
	long n;
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(s, errnos[i].name))
			return errnos[i].err;
	n = strtol(s, &end, 10);
	return (end != s && !*end && n < 0) ? (int)n : 0;
}

const char *tdx_errno_name(int err)
{
	static char buf[16];
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

int tdx_state(char *word, size_t size, int *err, char *line, size_t lsize)
{
	char buf[512], w[64], *open, *close;
	int ret = vl_read(VL_TDX_SYSFS "/state", buf, sizeof(buf));

	if (ret < 0)
		return ret;
	buf[strcspn(buf, "\n")] = '\0';
	if (line)
		snprintf(line, lsize, "%s", buf);
	if (sscanf(buf, "%63s", w) != 1)
		return -EPROTO;
	if (w[strlen(w) - 1] == ':')
		w[strlen(w) - 1] = '\0';
	if (word)
		snprintf(word, size, "%s", w);
	if (err) {
		*err = 0;
		open = strrchr(buf, '(');
		close = open ? strchr(open, ')') : NULL;
		if (open && close) {
			*close = '\0';
			*err = tdx_errno_parse(open + 1);
		}
	}
	return 0;
}

int tdx_enable(void)
{
	return vl_write(VL_TDX_SYSFS "/enable", "1");
}

bool tdx_lp_init_calls_are(uint64_t n, char *why, size_t len)
{
	static struct tdx_emu_cpu cpus[CPU_SETSIZE];
	cpu_set_t online;
	int cpu, nr = tdx_emu_cpus(cpus, CPU_SETSIZE);

	if (nr <= 0 || vl_online_cpus(&online))
		return WHY("cannot read the emulator's cpus");
	for (cpu = 0; cpu < nr; cpu++) {
		if (CPU_ISSET(cpu, &online) &&
		    (cpus[cpu].lp_init_calls != n || !cpus[cpu].lp_initialized))
			return WHY("cpu%d: lp_init_calls=%llu lp_initialized=%d, expected %llu and 1 (T3)",
				   cpu, (unsigned long long)cpus[cpu].lp_init_calls,
				   cpus[cpu].lp_initialized, (unsigned long long)n);
	}
	return true;
}

int tdx_update(void)
{
	return vl_write(VL_TDX_SYSFS "/update", "1");
}

int tdx_stage_image(const char *version)
{
	return vl_write(TDX_EMU_DEBUGFS "/update_image", version);
}

int tdx_td_create(void)
{
	return vl_vm_create_type(VIRTLIFE_VM_TYPE_TD);
}

int tdx_hp_state_number(const char *name)
{
	char buf[16384], *line, *save = NULL;
	int nr;

	if (vl_read(HOTPLUG_STATES, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (!colon || sscanf(line, "%d", &nr) != 1)
			continue;
		colon++;
		while (*colon == ' ')
			colon++;
		if (!strcmp(colon, name))
			return nr;
	}
	return -1;
}

/* ------------------------------------------------------------- topology */

int tdx_cpu_package(int cpu)
{
	char path[128];
	uint64_t v;
	int ret;

	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
	ret = vl_read_u64(path, &v);
	return ret ? ret : (int)v;
}

int tdx_nr_online_cpus(void)
{
	cpu_set_t online;

	return vl_online_cpus(&online) ? -EIO : CPU_COUNT(&online);
}

int tdx_nr_packages(void)
{
	cpu_set_t online;
	bool seen[1024] = { false };
	int cpu, n = 0, pkg;

	if (vl_online_cpus(&online))
		return -EIO;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &online))
			continue;
		pkg = tdx_cpu_package(cpu);
		if (pkg < 0 || pkg >= 1024)
			return -EIO;
		if (!seen[pkg])
			n++;
		seen[pkg] = true;
	}
	return n;
}

/* -------------------------------------------------------- memory blocks */

#define MEMORY_SYSFS	"/sys/devices/system/memory"

uint64_t tdx_block_size(void)
{
	char buf[64];

	if (vl_read(MEMORY_SYSFS "/block_size_bytes", buf, sizeof(buf)) < 0)
		return 0;
	return strtoull(buf, NULL, 16);	/* hex, without 0x */
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int tdx_memory_blocks(int *blocks, int max)
{
	DIR *d = opendir(MEMORY_SYSFS);
	struct dirent *e;
	int n = 0, nr;
	char tail;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max)
		if (sscanf(e->d_name, "memory%d%c", &nr, &tail) == 1)
			blocks[n++] = nr;
	closedir(d);
	qsort(blocks, n, sizeof(int), cmp_int);
	return n;
}

int tdx_block_node(int block)
{
	char path[128];
	int node;

	for (node = 0; node < TDX_MAX_NODES; node++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/memory%d", node, block);
		if (vl_exists(path))
			return node;
	}
	return -1;
}

int tdx_pa_node(uint64_t pa)
{
	uint64_t bs = tdx_block_size();

	return bs ? tdx_block_node((int)(pa / bs)) : -1;
}

static void block_state_path(int block, char *buf, size_t size)
{
	snprintf(buf, size, MEMORY_SYSFS "/memory%d/state", block);
}

bool tdx_block_online(int block)
{
	char path[128], buf[32];

	block_state_path(block, path, sizeof(path));
	return vl_read(path, buf, sizeof(buf)) > 0 && !strcmp(buf, "online\n");
}

int tdx_block_set_online(int block, bool online)
{
	char path[128];

	block_state_path(block, path, sizeof(path));
	return vl_write(path, online ? "online" : "offline");
}

int tdx_online_all_blocks(void)
{
	int blocks[4096], i, n, ret, err = 0;

	n = tdx_memory_blocks(blocks, 4096);
	for (i = 0; i < n; i++) {
		if (tdx_block_online(blocks[i]))
			continue;
		ret = tdx_block_set_online(blocks[i], true);
		if (ret && !err)
			err = ret;
	}
	return n < 0 ? n : err;
}

/* ------------------------------------------------------------ platform */

int tdx_cold_boot(const char *simhw_params, const char *vl_params)
{
	struct tdx_leaves l;
	int ret = vl_cold_boot(simhw_params, vl_params);

	if (ret)
		return ret;
	ret = tdx_leaves(&l);
	if (ret)
		return ret;
	/* virtlife's load alone must not touch the module (tdx=0: T4). */
	if (tdx_leaves_total(&l) && (!vl_params || !strstr(vl_params, "tdx=1")))
		return -EALREADY;
	return 0;
}

bool tdx_teardown(char *why, size_t len)
{
	cpu_set_t on;
	int ret;

	why[0] = '\0';
	vl_vm_close_all();
	ret = vl_online_all_cpus();
	if (ret)
		snprintf(why, len, "could not online every CPU: %s", strerror(-ret));
	ret = vl_unload_all();
	if (ret && !why[0])
		snprintf(why, len, "could not unload the modules: %s", strerror(-ret));
	if (!ret && tdx_hp_state_number(VL_TDX_HP_STATE) >= 0 && !why[0])
		snprintf(why, len, "%s still registered after unload", VL_TDX_HP_STATE);
	ret = tdx_online_all_blocks();
	if (ret && !why[0])
		snprintf(why, len, "could not online every memory block: %s",
			 strerror(-ret));
	ret = vl_cold_boot("", NULL);
	if (ret && !why[0])
		snprintf(why, len, "cold boot with defaults: %s", strerror(-ret));
	if (!ret && !simhw_enabled_cpus(&on) && CPU_COUNT(&on) && !why[0])
		snprintf(why, len, "virtualization still on after unload");
	return !why[0];
}

bool tdx_first_init_ok(char *why, size_t len)
{
	static struct tdx_emu_cpu cpus[CPU_SETSIZE];
	struct tdx_emu_package pkgs[256];
	struct tdx_core_state st;
	struct tdx_leaves l;
	char word[64], line[256], leaves[256];
	cpu_set_t online;
	int npkg = tdx_nr_packages(), ncpu, np, i, cpu;
	uint64_t ready = 0, configured = 0;

	if (tdx_leaves(&l) || vl_online_cpus(&online) || npkg <= 0)
		return WHY("cannot read the emulator's leaves or the topology");
	ncpu = CPU_COUNT(&online);
	tdx_leaves_format(&l, leaves, sizeof(leaves));
	if (l.calls[TDX_SYS_INIT] != 1)
		return WHY("SYS.INIT issued %llu times, expected 1 (T2): %s",
			   (unsigned long long)l.calls[TDX_SYS_INIT], leaves);
	if (l.calls[TDX_SYS_CONFIG] != 1)
		return WHY("SYS.CONFIG issued %llu times, expected 1 (T1, T5): %s",
			   (unsigned long long)l.calls[TDX_SYS_CONFIG], leaves);
	if (l.calls[TDX_KEY_CONFIG] != (uint64_t)npkg)
		return WHY("SYS.KEY.CONFIG issued %llu times, expected %d = packages (T5): %s",
			   (unsigned long long)l.calls[TDX_KEY_CONFIG], npkg, leaves);
	if (l.calls[TDX_LP_INIT] != (uint64_t)ncpu)
		return WHY("SYS.LP.INIT issued %llu times, expected %d = online CPUs (T3): %s",
			   (unsigned long long)l.calls[TDX_LP_INIT], ncpu, leaves);
	for (i = 0; i < TDX_NR_LEAVES; i++)
		if (l.failures[i])
			return WHY("%s failed %llu times during a clean initialization: %s",
				   tdx_leaf_names[i], (unsigned long long)l.failures[i], leaves);
	if (tdx_emu_cpus(cpus, CPU_SETSIZE) <= 0)
		return WHY("cannot read %s/cpus", TDX_EMU_DEBUGFS);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &online))
			continue;
		if (cpus[cpu].lp_init_calls != 1 || !cpus[cpu].lp_initialized)
			return WHY("cpu%d: lp_init_calls=%llu lp_initialized=%d, expected 1 and 1 (T3)",
				   cpu, (unsigned long long)cpus[cpu].lp_init_calls,
				   cpus[cpu].lp_initialized);
	}
	np = tdx_emu_packages(pkgs, 256);
	if (np <= 0)
		return WHY("cannot read %s/packages", TDX_EMU_DEBUGFS);
	for (i = 0; i < np; i++) {
		struct tdx_emu_package *p = &pkgs[i];

		if (p->key_config_calls != 1 || !p->configured)
			return WHY("package %d: key_config_calls=%llu configured=%d, expected 1 and 1 (T5)",
				   p->package, (unsigned long long)p->key_config_calls,
				   p->configured);
		if (p->by_cpu < 0 || tdx_cpu_package(p->by_cpu) != p->package)
			return WHY("package %d configured by cpu%d, which is in package %d (T5)",
				   p->package, p->by_cpu,
				   p->by_cpu < 0 ? -1 : tdx_cpu_package(p->by_cpu));
	}
	if (tdx_emu_state_u64("ready", &ready) || !ready ||
	    tdx_emu_state_u64("configured", &configured) || !configured)
		return WHY("the emulated module is not ready (ready=%llu configured=%llu)",
			   (unsigned long long)ready, (unsigned long long)configured);
	if (tdx_core_state(&st))
		return WHY("cannot read %s/state", TDX_CORE_DEBUGFS);
	if (strcmp(st.status, "initialized") || st.error || strcmp(st.sys_init, "0"))
		return WHY("host core says status=%s error=%d sys_init=%s",
			   st.status, st.error, st.sys_init);
	if (!st.pamt_bytes || !st.tdmrs)
		return WHY("host core initialized with pamt_bytes=%llu tdmrs=%llu",
			   (unsigned long long)st.pamt_bytes,
			   (unsigned long long)st.tdmrs);
	if (tdx_state(word, sizeof(word), NULL, line, sizeof(line)) ||
	    strcmp(word, "initialized"))
		return WHY("virtlife tdx/state says '%s'", line);
	return true;
}

bool tdx_diagnosis_names(const char *leaf, unsigned int nr, const char *class, int want_rc,
			 char *why, size_t len)
{
	char exe[PATH_MAX], cmd[PATH_MAX + 32], line[1024], want[128] = "", lines[2048] = "";
	bool found = !leaf;
	ssize_t n;
	FILE *p;
	int rc;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return WHY("readlink /proc/self/exe: %s", strerror(errno));
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(cmd, sizeof(cmd), "%s/tdx-diagnose", exe);
	if (access(cmd, X_OK))
		return WHY("%s: %s (installed with the programs)", cmd, strerror(errno));
	/*
	 * The tool reads MSR 0x87 when the msr driver is loaded; load it so the
	 * diagnosis is the same whichever program ran before this one.
	 */
	msr_driver_ready();
	if (leaf && nr)
		snprintf(want, sizeof(want), "TDH.%s (0x%x)", leaf, nr);
	else if (leaf)
		snprintf(want, sizeof(want), "TDH.%s", leaf);
	p = popen(cmd, "r");
	if (!p)
		return WHY("popen %s: %s", cmd, strerror(errno));
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "BLOCK", 5) || !strncmp(line, "WARN", 4) ||
		    !strncmp(line, "tdx-diagnose:", 13))
			snprintf(lines + strlen(lines), sizeof(lines) - strlen(lines), " [%.300s]", line);
		if (leaf && !strncmp(line, "BLOCK seamcall: ", 16) && strstr(line, want) &&
		    strstr(line, class))
			found = true;
	}
	rc = pclose(p);
	rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	if (rc != want_rc)
		return WHY("tdx-diagnose exited %d, want %d:%s", rc, want_rc, lines);
	if (!found)
		return WHY("tdx-diagnose has no \"BLOCK seamcall: %s ... %s\" finding:%s", want, class,
			   lines);
	return true;
}
