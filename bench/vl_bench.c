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
 * --online N  --seconds S  --no-trace (latency: wall times only).
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
	bool no_trace;	/* latency: wall times only (diagnosis) */
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
	double tmean;	/* mean of the middle 80 % */
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
	int i;

	if (!n)
		return s;
	qsort(v, n, sizeof(*v), cmp_double);
	s.median = quantile(v, n, 0.5);
	s.p10 = quantile(v, n, 0.1);
	s.p90 = quantile(v, n, 0.9);
	s.min = v[0];
	s.max = v[n - 1];
	for (i = n / 10; i < n - n / 10; i++)
		s.tmean += v[i];
	s.tmean /= n - 2 * (n / 10);
	return s;
}

static void print_stats(const char *name, struct stats s, bool last)
{
	if (!s.n)
		printf("\"%s\":null%s", name, last ? "" : ",");
	else
		printf("\"%s\":{\"n\":%d,\"median\":%.3f,\"tmean\":%.3f,\"p10\":%.3f,\"p90\":%.3f,\"min\":%.3f,\"max\":%.3f}%s",
		       name, s.n, s.median, s.tmean, s.p10, s.p90, s.min, s.max,
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

enum { FN_ENABLE, FN_DISABLE, NR_FN };

/*
 * One hypervisor the benchmark makes enable virtualization: loaded with
 * enabling on demand, a VM opened and closed (usage 0->1, 1->0).  @fn: its
 * per-CPU enable and disable functions.
 */
struct target {
	const char *name;		/* sim, svm, kvm */
	const char *fn[NR_FN];
	const char *fn_new[NR_FN];	/* the same on newer kernels, if renamed */
	int (*load)(const struct target *t);	/* alone */
	void (*unload)(void);
	int (*vm_create)(void);
	void (*vm_close)(int vm);
};

static int virtlife_load(const struct target *t)
{
	char params[64];

	snprintf(params, sizeof(params), "backend=%s enable_at_load=0", t->name);
	return vl_load(params);
}

static void virtlife_unload(void)
{
	int ret = vl_unload_all();

	if (ret)
		die("cannot unload virtlife: %s", strerror(-ret));
}

static int virtlife_vm_create(void)
{
	return vl_vm_create();
}

static void virtlife_vm_close(int vm)
{
	vl_vm_close(vm);
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

	if (!mod)
		return -ENODEV;
	kvm_module = mod;
	if (vl_exists("/sys/module/kvm/parameters/enable_virt_at_load") ||
	    system("modinfo -F parm kvm 2>/dev/null | grep -q '^enable_virt_at_load:'") == 0) {
		hv_rmmod_kvm(mod);
		if (system("modprobe kvm enable_virt_at_load=0"))
			return -EIO;
	}
	return hv_modprobe(mod);
}

static void kvm_unload(void)
{
	hv_rmmod_kvm(kvm_module);
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

#define VIRTLIFE_FNS { "__virtlife_enable_this_cpu", "virtlife_disable_this_cpu" }

static const struct target targets[] = {
	{ "sim", VIRTLIFE_FNS, { NULL }, virtlife_load, virtlife_unload,
	  virtlife_vm_create, virtlife_vm_close },
	{ "svm", VIRTLIFE_FNS, { NULL }, virtlife_load, virtlife_unload,
	  virtlife_vm_create, virtlife_vm_close },
	/*
	 * The 6.1 names. 6.12 renamed the wrappers and inlines the enable one
	 * (kvm_enable_virtualization_cpu() is static with one caller, not in
	 * available_filter_functions there), so on 6.12 the pair timed is the
	 * arch hooks each wrapper calls: the per-CPU flag test is left out.
	 */
	{ "kvm", { "hardware_enable_nolock", "hardware_disable_nolock" },
	  { "kvm_arch_enable_virtualization_cpu", "kvm_arch_disable_virtualization_cpu" },
	  kvm_load, kvm_unload, kvm_vm_create, kvm_vm_close },
};
#define NR_TARGETS (sizeof(targets) / sizeof(targets[0]))

static const struct target *target_find(const char *name)
{
	size_t i;

	for (i = 0; i < NR_TARGETS; i++)
		if (!strcmp(targets[i].name, name))
			return &targets[i];
	return NULL;
}

/* ------------------------------------------------------------ the tracer */

/*
 * function_graph on a few functions: each call is one line with its entry
 * time (CLOCK_MONOTONIC, microseconds) and its duration (ns precision).
 * Under TCG, guests hung when the tracer did more (build/bench runs of
 * 2026-11-22, 8 vCPUs): CPUs looping on the int3 of a live patch site in
 * finish_task_switch() after the tracer's stop with CPU-hotplug callbacks
 * traced; a freeze while a CPU came up with KVM's STARTING callback traced;
 * a CPU that never answered KVM's disable IPI when kvm_amd ran after
 * virtlife's svm backend in one tracer session (3 of 3 runs; without the
 * tracer, or in separate sessions, 0 of 3).  So: one target per run of
 * this program (tools/bench runs it once per target), the tracer started
 * and stopped once, only the per-CPU enable and disable functions traced,
 * and no CPU brought up while KVM is loaded (bench_latency()).
 */
#define MAX_FNS		8

static const char *trace_fns[MAX_FNS];
static int nr_trace_fns;

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
static int trace_filter(const char * const *fns, int n)
{
	int fd = open(TRACEFS "/set_ftrace_filter", O_WRONLY | O_TRUNC);
	int i;

	if (fd < 0)
		return -errno;
	for (i = 0; i < n; i++) {
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

/* Whether the loaded kernel and modules can trace @fn. */
static bool fn_traceable(const char *fn)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "grep -qE '^%s( |$)' " TRACEFS "/available_filter_functions", fn);
	return system(cmd) == 0;
}

/* @t's function @i on this kernel: its new name where that one exists. */
static const char *target_fn(const struct target *t, int i)
{
	if (t->fn_new[i] && fn_traceable(t->fn_new[i]))
		return t->fn_new[i];
	return t->fn[i];
}

/* Trace the functions of @t (added to those already listed). */
static void trace_add(const struct target *t)
{
	const char *fn;
	int i, j;

	for (i = 0; i < NR_FN; i++) {
		fn = target_fn(t, i);
		for (j = 0; j < nr_trace_fns; j++)
			if (!strcmp(trace_fns[j], fn))
				break;
		if (j == nr_trace_fns && nr_trace_fns < MAX_FNS)
			trace_fns[nr_trace_fns++] = fn;
	}
}

static int trace_fn_index(const char *name)
{
	int i;

	for (i = 0; i < nr_trace_fns; i++)
		if (!strcmp(trace_fns[i], name))
			return i;
	return -1;
}

static void trace_start(void)
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
	ret = trace_filter(trace_fns, nr_trace_fns);
	if (ret)
		die("cannot trace %s ... (%s): are they all in %s/available_filter_functions? (inlined, another kernel's names, or the module is not loaded)",
		    trace_fns[0], strerror(-ret), TRACEFS);
	trace_write("current_tracer", "function_graph");
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		trace_write("trace_options", opts[i]);
	trace_clear();
}

static void trace_stop(void)
{
	trace_write("tracing_on", "0");
	trace_write("current_tracer", "nop");
	trace_filter(NULL, 0);
}

struct call {
	int fn;		/* index in trace_fns */
	int cpu;
	uint64_t start_ns, end_ns;
};

struct calls {
	struct call c[MAX_SAMPLES];
	int n;
};

/* "fn [mod]();" or "fn() {" -> the index of fn in trace_fns, or -1. */
static int call_fn(const char *body)
{
	char name[128];
	size_t len = strcspn(body, " (");

	if (len >= sizeof(name))
		return -1;
	memcpy(name, body, len);
	name[len] = '\0';
	return trace_fn_index(name);
}

/*
 * "  105.123456 |   1)   2.345 us    |  fn [mod]();" for a call without
 * traced children; a call split by other events on its CPU reads
 * "... |  fn() {" then "... |   1)   2.345 us    |  }".
 */
static void trace_collect(struct calls *out)
{
	static uint64_t open_start[CPU_SETSIZE];
	static int open_fn[CPU_SETSIZE];
	char line[512];
	FILE *f = fopen(TRACEFS "/trace", "r");

	if (!f)
		die("open " TRACEFS "/trace: %s", strerror(errno));
	memset(open_start, 0, sizeof(open_start));
	out->n = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long sec, usec;
		int cpu, fn, pos = 0;
		double dur_us = -1;
		char *body;
		uint64_t start;

		if (line[0] == '#' ||
		    sscanf(line, " %lu.%lu | %d) %n", &sec, &usec, &cpu, &pos) < 3 ||
		    !pos || cpu < 0 || cpu >= CPU_SETSIZE)
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
			fn = open_fn[cpu];
			open_start[cpu] = 0;
		} else {
			fn = call_fn(body);
			if (fn < 0)
				continue;
			if (strstr(body, "() {")) {
				open_start[cpu] = start;
				open_fn[cpu] = fn;
				continue;
			}
			if (dur_us < 0 || !strstr(body, "();"))
				continue;
		}
		if (out->n < MAX_SAMPLES)
			out->c[out->n++] = (struct call){ fn, cpu, start,
				start + (uint64_t)(dur_us * 1000) };
	}
	fclose(f);
}

/* -------------------------------------------------------------- latency */

static struct calls calls;

/* Offline+online @cpu; 0 or -errno. */
static int hotplug_cycle(int cpu)
{
	int ret = vl_cpu_set_online(cpu, false);

	return ret ? ret : vl_cpu_set_online(cpu, true);
}

/*
 * For each CPU count: reps x (create a VM: 0->1, close it: 1->0); the first
 * rep warms up (TCG translates code on its first run) and is not counted.
 */
static void latency_of(const struct target *t, const struct opts *o)
{
	static double en[MAX_SAMPLES], dis[MAX_SAMPLES];
	static double en_all[MAX_REPS], dis_all[MAX_REPS], create[MAX_REPS];
	uint64_t t0[MAX_REPS], t1[MAX_REPS], t2[MAX_REPS];
	int fen = trace_fn_index(target_fn(t, FN_ENABLE));
	int fdis = trace_fn_index(target_fn(t, FN_DISABLE));
	int i, k, r, nen, ndis, nall, ndall, bad;
	struct utsname u;

	uname(&u);
	for (k = 0; k < o->ncpus; k++) {
		int n = o->cpus[k];

		set_online_count(n);
		if (nr_online() != n) {
			printf("BENCH {\"kind\":\"latency\",\"target\":\"%s\",\"cpus\":%d,\"skip\":\"only %d CPUs\"}\n",
			       t->name, n, nr_online());
			continue;
		}
		if (!o->no_trace) {
			trace_clear();
			trace_write("tracing_on", "1");
		}
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
		calls.n = 0;
		if (!o->no_trace) {
			trace_write("tracing_on", "0");
			trace_collect(&calls);
		}

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
				if (c->fn == fen && c->start_ns < t2[r]) {
					ce++;
					en[nen++ % MAX_SAMPLES] = (c->end_ns - c->start_ns) / 1000.0;
					if (c->end_ns > last_en)
						last_en = c->end_ns;
				} else if (c->fn == fdis && c->start_ns + 1000 >= t2[r]) {
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
	}
}

/*
 * One target per run of this program.  CPUs only go offline while the
 * target is loaded (counts largest first; all CPUs online before the load
 * and after the unload): under TCG, guests froze when CPUs came online
 * with kvm_amd loaded (build/bench runs of 2026-11-22, 8 vCPUs: 4 freezes
 * in 8 runs, during a CPU's bring-up or at the next IPI to it).
 */
static void bench_latency(const struct target *t, const struct opts *o)
{
	int ret;

	set_online_count(vl_nr_possible_cpus());
	ret = t->load(t);
	if (ret)
		die("%s: cannot load: %s", t->name, strerror(-ret));
	trace_add(t);
	if (!o->no_trace)
		trace_start();
	latency_of(t, o);
	if (!o->no_trace)
		trace_stop();
	t->unload();
	set_online_count(vl_nr_possible_cpus());
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
};
#define NR_HP_CONFIGS (sizeof(hp_configs) / sizeof(hp_configs[0]))

static double hp_cyc[NR_HP_CONFIGS][MAX_SAMPLES], hp_raw[NR_HP_CONFIGS][MAX_SAMPLES];
static int hp_n[NR_HP_CONFIGS];

/*
 * One config's share of a round: set up (load its target, open a VM),
 * settle, one warm-up cycle (TCG translates new code paths
 * on their first run), @cycles timed offline+online cycles of CPUs
 * 1..online-1 in turn, tear down.
 */
static void hp_run_config(size_t c, int round, const struct opts *o)
{
	const struct hp_config *hc = &hp_configs[c];
	int i, ret, vm = -1;

	if (hc->target) {
		ret = hc->target->load(hc->target);
		if (ret)
			die("%s: cannot load: %s", hc->name, strerror(-ret));
	}
	if (hc->vm) {
		vm = hc->target->vm_create();
		if (vm < 0)
			die("%s: create VM: %s", hc->name, strerror(-vm));
	}
	usleep(300000);
	for (i = 0; i <= o->cycles; i++) {
		int cpu = 1 + (round * o->cycles + i) % (o->online - 1);
		uint64_t a = now_ns();

		ret = hotplug_cycle(cpu);
		if (ret)
			die("%s: cpu%d offline/online: %s", hc->name, cpu, strerror(-ret));
		if (i && hp_n[c] < MAX_SAMPLES) {
			hp_raw[c][hp_n[c]] = (now_ns() - a) / 1e6;
			hp_cyc[c][hp_n[c]] = hp_raw[c][hp_n[c]];
			hp_n[c]++;
		}
	}
	if (vm >= 0)
		hc->target->vm_close(vm);
	if (hc->target) {
		usleep(20000);
		hc->target->unload();
	}
}

/*
 * The cycle's time is quantized by the timer tick (its waits end on
 * ticks: 4 ms steps at HZ=250), which makes the median jump by whole ticks
 * between configs; the ratio is of the means of the middle 80 % instead.
 *
 * Rounds of every config, in an order shuffled each round (seeded: a
 * drift of the host's load, or what an unload leaves running, spreads over
 * all configs), virtlife loaded and unloaded per config.  KVM is not here:
 * under TCG, guests froze when CPUs came online with kvm_amd loaded (see
 * bench_latency()); its hotplug cost is not measured.
 */
static void bench_hotplug(const struct opts *o)
{
	struct stats base, s;
	unsigned int seed = 1;
	size_t c;
	int i, round;

	if (o->online < 2)
		die("--online must be at least 2");
	set_online_count(o->online);
	if (nr_online() != o->online)
		die("cannot have %d CPUs online", o->online);

	for (round = 0; round < o->rounds; round++) {
		size_t order[NR_HP_CONFIGS], j, k, tmp;

		for (j = 0; j < NR_HP_CONFIGS; j++)
			order[j] = j;
		for (j = NR_HP_CONFIGS - 1; j > 0; j--) {
			k = rand_r(&seed) % (j + 1);
			tmp = order[j];
			order[j] = order[k];
			order[k] = tmp;
		}
		for (j = 0; j < NR_HP_CONFIGS; j++)
			hp_run_config(order[j], round, o);
	}

	base = stats_of(hp_cyc[0], hp_n[0]);
	for (c = 0; c < NR_HP_CONFIGS; c++) {
		s = stats_of(hp_cyc[c], hp_n[c]);
		printf("BENCH {\"kind\":\"hotplug\",\"config\":\"%s\",\"online\":%d,\"rounds\":%d,\"cycles\":%d,\"unit\":\"ms\",\"ratio\":%.3f,",
		       hp_configs[c].name, o->online, o->rounds, o->cycles,
		       base.tmean > 0 ? s.tmean / base.tmean : 0);
		/* In the order taken (stats_of() sorts a copy). */
		printf("\"samples\":[");
		for (i = 0; i < hp_n[c]; i++)
			printf("%s%.2f", i ? "," : "", hp_raw[c][i]);
		printf("],");
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

static int cmp_int_desc(const void *a, const void *b)
{
	return *(const int *)b - *(const int *)a;
}

/* CPU counts, kept largest first (see bench_latency()). */
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
	qsort(o->cpus, o->ncpus, sizeof(o->cpus[0]), cmp_int_desc);
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
		{ "no-trace", no_argument, NULL, 'n' },
		{ }
	};
	struct opts o = { .reps = 11, .rounds = 5, .cycles = 8, .online = 4,
			  .seconds = 10 };
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
		case 'n': o.no_trace = true; break;
		default: die("usage: vl_bench latency sim|svm|kvm | hotplug | loop [options]");
		}
	}
	if (o.reps > MAX_REPS)
		die("--reps: at most %d", MAX_REPS - 1);
	if (geteuid())
		die("needs root");
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (optind + 2 == argc && !strcmp(argv[optind], "latency")) {
		const struct target *t = target_find(argv[optind + 1]);

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
