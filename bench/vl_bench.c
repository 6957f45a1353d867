// SPDX-License-Identifier: GPL-2.0
/*
 * vl_bench - what enabling virtualization costs, virtlife beside the
 * running kernel's KVM, measured inside one machine (tools/bench boots it).
 *
 *   vl_bench latency TARGET    TARGET: sim, svm (virtlife's backends) or
 *                              kvm (kvm_amd / kvm_intel)
 *   vl_bench hotplug           CPU offline+online cycle cost per config
 *   vl_bench loop              plain random offline/online loop (the
 *                              baseline of the suite's storm)
 *
 * Every result is one line "BENCH {json}" on stdout; tools/bench makes the
 * table.  Options: --cpus 1,2,4,8  --reps N  --rounds N  --cycles N
 * --online N  --seconds S.
 *
 * Latency: the per-CPU enable and disable functions of each target are
 * timed by the function_graph tracer (the same tracer for both, so that
 * both pay the same probe cost): virtlife's __virtlife_enable_this_cpu()
 * and virtlife_disable_this_cpu(), KVM's hardware_enable_nolock() and
 * hardware_disable_nolock() (both wrap the arch enable with the per-CPU
 * flag).  Enable-all is the time from the VM-creating ioctl's start
 * (user space, CLOCK_MONOTONIC, which is the trace clock "mono") to the
 * end of the last CPU's enable; disable-all likewise from close().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "virtlife_util.h"
#include "hwvirt.h"

#define TRACEFS		"/sys/kernel/tracing"
#define MAX_SAMPLES	4096
#define MAX_REPS	64

struct opts {
	int cpus[8], ncpus;
	int reps, rounds, cycles, online;
	double seconds;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vl_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ------------------------------------------------------------ statistics */

struct stats {
	int n;
	double median, p10, p90, min, max;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double quantile(const double *sorted, int n, double q)
{
	double pos = q * (n - 1);
	int i = (int)pos;

	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]);
}

static struct stats stats_of(double *v, int n)
{
	struct stats s = { .n = n };

	if (!n)
		return s;
	qsort(v, n, sizeof(*v), cmp_double);
	s.median = quantile(v, n, 0.5);
	s.p10 = quantile(v, n, 0.1);
	s.p90 = quantile(v, n, 0.9);
	s.min = v[0];
	s.max = v[n - 1];
	return s;
}

static void print_stats(const char *name, struct stats s, bool last)
{
	if (!s.n)
		printf("\"%s\":null%s", name, last ? "" : ",");
	else
		printf("\"%s\":{\"n\":%d,\"median\":%.3f,\"p10\":%.3f,\"p90\":%.3f,\"min\":%.3f,\"max\":%.3f}%s",
		       name, s.n, s.median, s.p10, s.p90, s.min, s.max,
		       last ? "" : ",");
}

/* ------------------------------------------------------------------ CPUs */

/* Exactly CPUs 0..n-1 online. */
static void set_online_count(int n)
{
	int cpu, nr = vl_nr_possible_cpus(), ret;

	for (cpu = 0; cpu < nr; cpu++) {
		if (!vl_cpu_hotpluggable(cpu))
			continue;
		ret = vl_cpu_set_online(cpu, cpu < n);
		if (ret)
			die("cannot %s cpu%d: %s", cpu < n ? "online" : "offline",
			    cpu, strerror(-ret));
	}
}

static int nr_online(void)
{
	cpu_set_t set;

	if (vl_online_cpus(&set))
		die("cannot read the online CPUs");
	return CPU_COUNT(&set);
}

/* --------------------------------------------------------------- targets */

/*
 * One hypervisor the benchmark can make enable virtualization: load it with
 * enabling on demand, open/close a VM (usage 0->1, 1->0), unload.
 */
struct target {
	const char *name;		/* sim, svm, kvm */
	const char *enable_fn, *disable_fn;	/* per CPU */
	const char *online_fn, *offline_fn;	/* its CPU-hotplug callbacks */
	int (*load)(const struct target *t);
	int (*vm_create)(void);
	void (*vm_close)(int vm);
	void (*unload)(void);
};

static int virtlife_load(const struct target *t)
{
	char params[64];

	snprintf(params, sizeof(params), "backend=%s enable_at_load=0", t->name);
	return vl_load(params);
}

static int virtlife_vm_create(void)
{
	return vl_vm_create();
}

static void virtlife_vm_close(int vm)
{
	vl_vm_close(vm);
}

static void virtlife_unload(void)
{
	int ret = vl_unload_all();

	if (ret)
		die("cannot unload virtlife: %s", strerror(-ret));
}

static int kvm_dev = -1;
static const char *kvm_module;

static const char *kvm_vendor_module(void)
{
	return hv_cpu_flag("svm") ? "kvm_amd" : hv_cpu_flag("vmx") ? "kvm_intel" : NULL;
}

/*
 * The kernel's KVM, enabling on demand: on 6.12+ kvm.enable_virt_at_load
 * (default on) must be off for the 0->1 transition to happen at VM
 * creation; before 6.12 the parameter does not exist and KVM always
 * enables at the first VM.
 */
static int kvm_load(const struct target *t)
{
	const char *mod = kvm_vendor_module();
	char cmd[160];

	if (!mod)
		return -ENODEV;
	kvm_module = mod;
	if (vl_exists("/sys/module/kvm/parameters/enable_virt_at_load") ||
	    system("modinfo -F parm kvm 2>/dev/null | grep -q '^enable_virt_at_load:'") == 0) {
		hv_rmmod_kvm(mod);
		snprintf(cmd, sizeof(cmd), "modprobe kvm enable_virt_at_load=0");
		if (system(cmd))
			return -EIO;
	}
	return hv_modprobe(mod);
}

static int kvm_vm_create(void)
{
	return hv_kvm_create_vm(&kvm_dev);
}

static void kvm_vm_close(int vm)
{
	close(vm);
	if (kvm_dev >= 0)
		close(kvm_dev);
	kvm_dev = -1;
}

static void kvm_unload(void)
{
	hv_rmmod_kvm(kvm_module);
}

static const struct target targets[] = {
	{ "sim", "__virtlife_enable_this_cpu", "virtlife_disable_this_cpu",
	  "virtlife_online_cpu", "virtlife_offline_cpu",
	  virtlife_load, virtlife_vm_create, virtlife_vm_close, virtlife_unload },
	{ "svm", "__virtlife_enable_this_cpu", "virtlife_disable_this_cpu",
	  "virtlife_online_cpu", "virtlife_offline_cpu",
	  virtlife_load, virtlife_vm_create, virtlife_vm_close, virtlife_unload },
	/* 6.1: kvm/cpu:starting; 6.3+: kvm_online_cpu/kvm_offline_cpu. */
	{ "kvm", "hardware_enable_nolock", "hardware_disable_nolock",
	  "kvm_starting_cpu", "kvm_dying_cpu",
	  kvm_load, kvm_vm_create, kvm_vm_close, kvm_unload },
};

static const struct target *target_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (!strcmp(targets[i].name, name))
			return &targets[i];
	return NULL;
}

/* ------------------------------------------------------------ the tracer */

static void trace_write(const char *file, const char *val)
{
	char path[128];
	int ret;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	ret = vl_write(path, val);
	if (ret)
		die("write '%s' to %s: %s", val, path, strerror(-ret));
}

static void trace_mount(void)
{
	if (vl_exists(TRACEFS "/trace"))
		return;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		die("mount tracefs on " TRACEFS ": %s", strerror(errno));
	if (!vl_exists(TRACEFS "/current_tracer"))
		die("no ftrace (" TRACEFS "/current_tracer missing)");
}

/* Opening "trace" with O_TRUNC empties the buffer. */
static void trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC);

	if (fd < 0)
		die("clear " TRACEFS "/trace: %s", strerror(errno));
	close(fd);
}

/*
 * set_ftrace_filter takes one name per write(), ended by white space (else
 * the next write continues the name); truncating at open clears it.
 */
static int trace_filter(const char *fn1, const char *fn2)
{
	const char *fns[] = { fn1, fn2 };
	int fd = open(TRACEFS "/set_ftrace_filter", O_WRONLY | O_TRUNC);
	size_t i;

	if (fd < 0)
		return -errno;
	for (i = 0; i < 2 && fns[i]; i++) {
		char name[128];
		int len = snprintf(name, sizeof(name), "%s\n", fns[i]);

		if (write(fd, name, len) != len) {
			int err = errno ? -errno : -EIO;

			close(fd);
			return err;
		}
	}
	return close(fd) ? -errno : 0;
}

/*
 * function_graph on just @fn1 and @fn2: each call is one line with its
 * entry time (CLOCK_MONOTONIC, microseconds) and its duration (ns
 * precision).  -errno when they cannot be traced.
 */
static int trace_try_setup(const char *fn1, const char *fn2)
{
	static const char * const opts[] = {
		"funcgraph-abstime", "funcgraph-cpu", "funcgraph-irqs",
		"funcgraph-duration", "nofuncgraph-proc", "nofuncgraph-overhead",
		"nofuncgraph-tail",
	};
	size_t i;
	int ret;

	trace_mount();
	trace_write("tracing_on", "0");
	trace_write("current_tracer", "nop");
	trace_write("trace_clock", "mono");
	trace_write("buffer_size_kb", "2048");
	ret = trace_filter(fn1, fn2);
	if (ret)
		return ret;
	trace_write("current_tracer", "function_graph");
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		trace_write("trace_options", opts[i]);
	trace_clear();
	return 0;
}

static void trace_setup(const char *fn1, const char *fn2)
{
	int ret = trace_try_setup(fn1, fn2);

	if (ret)
		die("cannot trace %s and %s (%s): are they in %s/available_filter_functions? (inlined, or the module is not loaded)",
		    fn1, fn2, strerror(-ret), TRACEFS);
}

static void trace_teardown(void)
{
	trace_write("tracing_on", "0");
	trace_write("current_tracer", "nop");
	trace_filter(NULL, NULL);
}

struct call {
	bool enable;
	int cpu;
	uint64_t start_ns, end_ns;
};

struct calls {
	struct call c[MAX_SAMPLES];
	int n;
};

/*
 * "  105.123456 |   1)   2.345 us    |  fn [mod]();" for a call without
 * traced children; a call split by other events on its CPU reads
 * "... |  fn() {" then "... |   1)   2.345 us    |  }".
 */
static void trace_collect(const char *enable_fn, struct calls *out)
{
	uint64_t open_start[CPU_SETSIZE] = { 0 };
	bool open_enable[CPU_SETSIZE] = { false };
	char line[512];
	FILE *f = fopen(TRACEFS "/trace", "r");

	if (!f)
		die("open " TRACEFS "/trace: %s", strerror(errno));
	out->n = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long sec, usec;
		int cpu, pos = 0;
		double dur_us = -1;
		char *body;
		uint64_t start;

		if (line[0] == '#' || sscanf(line, " %lu.%lu | %d) %n", &sec, &usec, &cpu, &pos) < 3 || !pos)
			continue;
		if (cpu < 0 || cpu >= CPU_SETSIZE)
			continue;
		start = sec * 1000000000ull + usec * 1000ull;
		body = line + pos;
		if (sscanf(body, " %lf us", &dur_us) != 1)
			dur_us = -1;
		body = strchr(body, '|');
		if (!body)
			continue;
		body++;
		while (*body == ' ')
			body++;
		if (*body == '}') {
			if (!open_start[cpu] || dur_us < 0)
				continue;
			start = open_start[cpu];
			open_start[cpu] = 0;
			if (out->n < MAX_SAMPLES)
				out->c[out->n++] = (struct call){ open_enable[cpu], cpu, start,
					start + (uint64_t)(dur_us * 1000) };
			continue;
		}
		bool enable = !strncmp(body, enable_fn, strlen(enable_fn)) &&
			      (body[strlen(enable_fn)] == '(' || body[strlen(enable_fn)] == ' ');
		if (strstr(body, "() {")) {
			open_start[cpu] = start;
			open_enable[cpu] = enable;
			continue;
		}
		if (dur_us < 0 || !strstr(body, "();"))
			continue;
		if (out->n < MAX_SAMPLES)
			out->c[out->n++] = (struct call){ enable, cpu, start,
				start + (uint64_t)(dur_us * 1000) };
	}
	fclose(f);
}

/* -------------------------------------------------------------- latency */

static struct calls calls;

/*
 * For each CPU count: reps x (create a VM: 0->1, close it: 1->0); the first
 * rep warms up (TCG translates code on its first run) and is not counted.
 */
static void bench_latency(const struct target *t, const struct opts *o)
{
	static double en[MAX_SAMPLES], dis[MAX_SAMPLES];
	static double en_all[MAX_REPS], dis_all[MAX_REPS], create[MAX_REPS];
	uint64_t t0[MAX_REPS], t1[MAX_REPS], t2[MAX_REPS];
	int i, k, r, ret, nen, ndis, nall, ndall, bad;
	struct utsname u;

	uname(&u);
	ret = t->load(t);
	if (ret)
		die("%s: cannot load: %s", t->name, strerror(-ret));
	trace_setup(t->enable_fn, t->disable_fn);

	for (k = 0; k < o->ncpus; k++) {
		int n = o->cpus[k];

		set_online_count(n);
		if (nr_online() != n) {
			printf("BENCH {\"kind\":\"latency\",\"target\":\"%s\",\"cpus\":%d,\"skip\":\"only %d CPUs\"}\n",
			       t->name, n, nr_online());
			continue;
		}
		trace_clear();
		trace_write("tracing_on", "1");
		for (r = 0; r < o->reps; r++) {
			int vm;

			t0[r] = now_ns();
			vm = t->vm_create();
			t1[r] = now_ns();
			if (vm < 0)
				die("%s: create VM with %d CPUs: %s", t->name, n, strerror(-vm));
			usleep(2000);
			t2[r] = now_ns();
			t->vm_close(vm);
			/* KVM may free the VM a little later: wait for it. */
			usleep(20000);
		}
		trace_write("tracing_on", "0");
		trace_collect(t->enable_fn, &calls);

		nen = ndis = nall = ndall = bad = 0;
		for (r = 1; r < o->reps; r++) {
			uint64_t end = r + 1 < o->reps ? t0[r + 1] : UINT64_MAX;
			uint64_t last_en = 0, last_dis = 0;
			int ce = 0, cd = 0;

			for (i = 0; i < calls.n; i++) {
				struct call *c = &calls.c[i];

				/* Entry times are whole microseconds. */
				if (c->start_ns + 1000 < t0[r] || c->start_ns >= end)
					continue;
				if (c->enable && c->start_ns < t2[r]) {
					ce++;
					en[nen++ % MAX_SAMPLES] = (c->end_ns - c->start_ns) / 1000.0;
					if (c->end_ns > last_en)
						last_en = c->end_ns;
				} else if (!c->enable && c->start_ns + 1000 >= t2[r]) {
					cd++;
					dis[ndis++ % MAX_SAMPLES] = (c->end_ns - c->start_ns) / 1000.0;
					if (c->end_ns > last_dis)
						last_dis = c->end_ns;
				}
			}
			create[r - 1] = (t1[r] - t0[r]) / 1000.0;
			if (ce != n || cd != n) {
				bad++;
				continue;
			}
			en_all[nall++] = last_en > t0[r] ? (last_en - t0[r]) / 1000.0 : 0;
			dis_all[ndall++] = last_dis > t2[r] ? (last_dis - t2[r]) / 1000.0 : 0;
		}
		printf("BENCH {\"kind\":\"latency\",\"target\":\"%s\",\"kernel\":\"%s\",\"cpus\":%d,\"reps\":%d,\"incomplete_reps\":%d,\"unit\":\"us\",",
		       t->name, u.release, n, o->reps - 1, bad);
		print_stats("cpu_enable", stats_of(en, nen < MAX_SAMPLES ? nen : MAX_SAMPLES), false);
		print_stats("cpu_disable", stats_of(dis, ndis < MAX_SAMPLES ? ndis : MAX_SAMPLES), false);
		print_stats("enable_all", stats_of(en_all, nall), false);
		print_stats("disable_all", stats_of(dis_all, ndall), false);
		print_stats("create_vm", stats_of(create, o->reps - 1), true);
		printf("}\n");
		fflush(stdout);
	}
	trace_teardown();
	set_online_count(vl_nr_possible_cpus());
	t->unload();
}

/* -------------------------------------------------------------- hotplug */

/* What is loaded and in use while a CPU goes offline and online. */
struct hp_config {
	const char *name;
	const struct target *target;	/* NULL: nothing loaded */
	bool vm;			/* usage > 0 */
};

static const struct hp_config hp_configs[] = {
	{ "none", NULL, false },
	{ "virtlife_usage0", &targets[0], false },
	{ "virtlife_usage1", &targets[0], true },
	{ "virtlife_svm_usage1", &targets[1], true },
	{ "kvm_usage0", &targets[2], false },
	{ "kvm_usage1", &targets[2], true },
};
#define NR_HP_CONFIGS (sizeof(hp_configs) / sizeof(hp_configs[0]))

/* Offline+online @cpu; 0 or -errno. */
static int hotplug_cycle(int cpu)
{
	int ret = vl_cpu_set_online(cpu, false);

	return ret ? ret : vl_cpu_set_online(cpu, true);
}

/*
 * Where a cycle's time goes: the target's own hotplug callbacks, timed by the
 * tracer over a few extra cycles (not the timed ones: tracing costs).  The
 * sum of one online and one offline callback, microseconds; -1 when not
 * traceable (another kernel's names).
 */
static double callbacks_us(const struct target *t, int cpu)
{
	static double v[64];
	double on = -1, off = -1;
	int i, n = 0, m = 0;

	if (trace_try_setup(t->online_fn, t->offline_fn))
		return -1;
	trace_write("tracing_on", "1");
	for (i = 0; i < 5; i++)
		if (hotplug_cycle(cpu))
			die("cpu%d offline/online: %s", cpu, strerror(errno));
	trace_write("tracing_on", "0");
	trace_collect(t->online_fn, &calls);
	trace_teardown();
	for (i = 0; i < calls.n && n < 64; i++)
		if (calls.c[i].enable)
			v[n++] = (calls.c[i].end_ns - calls.c[i].start_ns) / 1000.0;
	if (n)
		on = stats_of(v, n).median;
	for (i = 0; i < calls.n && m < 64; i++)
		if (!calls.c[i].enable)
			v[m++] = (calls.c[i].end_ns - calls.c[i].start_ns) / 1000.0;
	if (m)
		off = stats_of(v, m).median;
	return on < 0 || off < 0 ? -1 : on + off;
}

/*
 * Rounds of every config in turn, the order rotated each round (so that a
 * drift of the host's load, or what loading a module leaves running, spreads
 * over all of them); in each, one warm-up cycle (TCG translates new code
 * paths on their first run), then @cycles offline+online cycles of CPUs
 * 1..online-1 in turn, timed from user space.
 */
static void bench_hotplug(const struct opts *o)
{
	static double cyc[NR_HP_CONFIGS][MAX_SAMPLES];
	double cb_us[NR_HP_CONFIGS];
	int n[NR_HP_CONFIGS] = { 0 };
	struct stats base, s;
	size_t c, j;
	int round, i, ret;

	if (o->online < 2)
		die("--online must be at least 2");
	for (c = 0; c < NR_HP_CONFIGS; c++)
		cb_us[c] = -1;
	set_online_count(o->online);
	if (nr_online() != o->online)
		die("cannot have %d CPUs online", o->online);

	for (round = 0; round < o->rounds; round++) {
		for (j = 0; j < NR_HP_CONFIGS; j++) {
			size_t c = (j + round) % NR_HP_CONFIGS;
			const struct hp_config *hc = &hp_configs[c];
			int vm = -1;

			if (hc->target) {
				ret = hc->target->load(hc->target);
				if (ret)
					die("%s: cannot load: %s", hc->name, strerror(-ret));
				if (hc->vm) {
					vm = hc->target->vm_create();
					if (vm < 0)
						die("%s: create VM: %s", hc->name, strerror(-vm));
				}
			}
			for (i = 0; i <= o->cycles; i++) {
				int cpu = 1 + (round * o->cycles + i) % (o->online - 1);
				uint64_t a = now_ns();

				ret = hotplug_cycle(cpu);
				if (ret)
					die("%s: cpu%d offline/online: %s", hc->name, cpu, strerror(-ret));
				if (i && n[c] < MAX_SAMPLES)
					cyc[c][n[c]++] = (now_ns() - a) / 1e6;
			}
			if (hc->target && !round)
				cb_us[c] = callbacks_us(hc->target, 1);
			if (hc->target) {
				if (vm >= 0)
					hc->target->vm_close(vm);
				usleep(20000);
				hc->target->unload();
			}
		}
	}

	base = stats_of(cyc[0], n[0]);
	for (c = 0; c < NR_HP_CONFIGS; c++) {
		s = stats_of(cyc[c], n[c]);
		printf("BENCH {\"kind\":\"hotplug\",\"config\":\"%s\",\"online\":%d,\"rounds\":%d,\"cycles\":%d,\"unit\":\"ms\",\"ratio\":%.3f,",
		       hp_configs[c].name, o->online, o->rounds, o->cycles,
		       base.median > 0 ? s.median / base.median : 0);
		if (hp_configs[c].target && cb_us[c] >= 0)
			printf("\"callbacks_us\":%.3f,", cb_us[c]);
		print_stats("cycle", s, true);
		printf("}\n");
	}
	set_online_count(vl_nr_possible_cpus());
}

/* ----------------------------------------------------------------- loop */

/*
 * The storm's hotplug thread alone, with nothing loaded: a random
 * hotpluggable CPU offlined or onlined, as fast as it goes.
 */
static void bench_loop(const struct opts *o)
{
	int cpus[CPU_SETSIZE], ncpus = vl_hotpluggable_cpus(cpus, CPU_SETSIZE);
	unsigned int seed = 1;
	long ops = 0, busy = 0;
	double start, secs;
	int ret;

	if (ncpus <= 0)
		die("no hotpluggable CPU");
	set_online_count(vl_nr_possible_cpus());
	start = vl_now();
	while (vl_now() - start < o->seconds) {
		int cpu = cpus[rand_r(&seed) % ncpus];
		bool online = !vl_cpu_is_online(cpu);

		ret = vl_cpu_set_online(cpu, online);
		if (ret == -EBUSY && !online)
			busy++;
		else if (ret)
			die("%s cpu%d: %s", online ? "online" : "offline", cpu, strerror(-ret));
		ops++;
	}
	secs = vl_now() - start;
	set_online_count(vl_nr_possible_cpus());
	printf("BENCH {\"kind\":\"loop\",\"seconds\":%.2f,\"hotplug_ops\":%ld,\"refused\":%ld,\"per_second\":%.2f}\n",
	       secs, ops, busy, ops / secs);
}

/* ----------------------------------------------------------------- main */

static void parse_cpus(const char *s, struct opts *o)
{
	char *end;

	o->ncpus = 0;
	while (*s && o->ncpus < 8) {
		long v = strtol(s, &end, 10);

		if (end == s || v < 1 || v > CPU_SETSIZE)
			die("--cpus: '%s' is not a list of CPU counts", s);
		o->cpus[o->ncpus++] = v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			die("--cpus: unexpected '%s'", end);
	}
}

static int positive(const char *name, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end || v < 1 || v > 100000)
		die("--%s: '%s' is not a positive count", name, arg);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "reps", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "cycles", required_argument, NULL, 'y' },
		{ "online", required_argument, NULL, 'o' },
		{ "seconds", required_argument, NULL, 's' },
		{ }
	};
	struct opts o = { .reps = 11, .rounds = 5, .cycles = 8, .online = 4,
			  .seconds = 10 };
	const struct target *t;
	int opt;

	parse_cpus("1,2,4,8", &o);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': parse_cpus(optarg, &o); break;
		case 'r': o.reps = positive("reps", optarg) + 1; break;
		case 'R': o.rounds = positive("rounds", optarg); break;
		case 'y': o.cycles = positive("cycles", optarg); break;
		case 'o': o.online = positive("online", optarg); break;
		case 's': o.seconds = positive("seconds", optarg); break;
		default: die("usage: vl_bench latency sim|svm|kvm | hotplug | loop [options]");
		}
	}
	if (o.reps > MAX_REPS)
		die("--reps: at most %d", MAX_REPS - 1);
	if (geteuid())
		die("needs root");
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (optind + 2 == argc && !strcmp(argv[optind], "latency")) {
		t = target_find(argv[optind + 1]);
		if (!t)
			die("latency: unknown target '%s' (sim, svm, kvm)", argv[optind + 1]);
		bench_latency(t, &o);
	} else if (optind + 1 == argc && !strcmp(argv[optind], "hotplug")) {
		bench_hotplug(&o);
	} else if (optind + 1 == argc && !strcmp(argv[optind], "loop")) {
		bench_loop(&o);
	} else {
		die("usage: vl_bench latency sim|svm|kvm | hotplug | loop [options]");
	}
	return 0;
}
