/* SPDX-License-Identifier: GPL-2.0 */
/*
 * main() for a harness program, the same on every kernel tree's harness:
 *
 *   -h               usage (exit 0)
 *   -l               every case's full name, one a line (exit 0)
 *   -f/-F NAME       include/exclude a fixture
 *   -v/-V NAME       include/exclude a variant
 *   -t/-T NAME       include/exclude a test
 *   -r FIX.VAR.TEST  run that case (FIX.TEST for a fixture without variants)
 *
 * Filters also come from $VIRTLIFE_FILTER (the same options, blank
 * separated), so that a runner that passes no arguments (run_kselftest.sh)
 * can select cases. As in the newer harness: filters are tried in order,
 * the first that matches a case decides; a case no filter matches runs
 * when no including filter was given. A tree whose harness has these
 * filters (test_harness_argv_check, Makefile: -DVL_HARNESS_FILTERS) gets
 * them passed through; 6.1's harness has none, and the selected cases run
 * through its own per-case runner, __run_test(), as test_harness_run()
 * would run them.
 *
 * Include after kselftest_harness.h.
 */
#ifndef HARNESS_MAIN_H
#define HARNESS_MAIN_H

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "case_stream.h"
#include "virtlife_util.h"

/* Whether the case that ran (or runs) has failed, on either harness. */
#ifdef VL_HARNESS_EXIT_CODE
#define VL_CASE_FAILED(m)	((m)->exit_code == KSFT_FAIL)
#else
#define VL_CASE_FAILED(m)	(!(m)->passed)
#endif

#define VL_MAX_FILTERS	32

struct vl_filter {
	char opt;
	const char *arg;
};

static struct vl_filter vl_filters[VL_MAX_FILTERS];
static int vl_nr_filters;

static inline void vl_harness_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [-h] [-l] [-f|-F fixture] [-v|-V variant] [-t|-T test] [-r fixture.variant.test] ...\n"
		"  -l list the cases; lower case includes, upper case excludes;\n"
		"  the first filter that matches a case decides; $VIRTLIFE_FILTER adds filters\n",
		prog);
}

static inline bool vl_filter_add(char opt, const char *arg, const char *prog)
{
	if (!strchr("fFvVtTr", opt) || !arg || !*arg) {
		fprintf(stderr, "%s: bad filter -%c%s%s\n", prog, opt,
			arg ? " " : "", arg ? arg : "");
		return false;
	}
	if (vl_nr_filters == VL_MAX_FILTERS) {
		fprintf(stderr, "%s: more than %d filters\n", prog, VL_MAX_FILTERS);
		return false;
	}
	vl_filters[vl_nr_filters].opt = opt;
	vl_filters[vl_nr_filters++].arg = arg;
	return true;
}

static inline void vl_case_fullname(char *buf, size_t len, struct __fixture_metadata *f,
			     struct __fixture_variant_metadata *v,
			     struct __test_metadata *t)
{
	snprintf(buf, len, "%s%s%s.%s", f->name, v->name[0] ? "." : "",
		 v->name, t->name);
}

static inline bool vl_case_enabled(struct __fixture_metadata *f,
			    struct __fixture_variant_metadata *v,
			    struct __test_metadata *t)
{
	bool has_positive = false;
	char full[512];
	int i;

	vl_case_fullname(full, sizeof(full), f, v, t);
	for (i = 0; i < vl_nr_filters; i++) {
		char opt = vl_filters[i].opt;
		const char *arg = vl_filters[i].arg;
		const char *what;

		has_positive |= opt >= 'a';
		switch (opt | 0x20) {
		case 'f': what = f->name; break;
		case 'v': what = v->name; break;
		case 't': what = t->name; break;
		default: what = full; break;
		}
		if (!strcmp(what, arg))
			return opt >= 'a';
	}
	return !has_positive;
}

#define vl_for_each_case(f, v, t, none)					\
	for (f = __fixture_list; f; f = f->next)			\
		for (v = f->variant ?: &none; v; v = v->next)		\
			for (t = f->tests; t; t = t->next)

/*
 * Options from argv and $VIRTLIFE_FILTER; -h and -l answered here, bad
 * options refused (exit 1), no selected case: skip the program.
 */
static inline void vl_harness_options(int argc, char **argv)
{
	struct __fixture_variant_metadata none = { .name = "" }, *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	char *env = getenv("VIRTLIFE_FILTER"), *tok, *save = NULL;
	bool list = false;
	int i, selected = 0;
	char full[512];

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !a[1] || (a[2] && strchr("hl", a[1]))) {
			fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], a);
			vl_harness_usage(stderr, argv[0]);
			exit(KSFT_FAIL);
		}
		if (a[1] == 'h') {
			vl_harness_usage(stdout, argv[0]);
			exit(KSFT_PASS);
		}
		if (a[1] == 'l') {
			list = true;
			continue;
		}
		if (!vl_filter_add(a[1], a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL),
				   argv[0])) {
			vl_harness_usage(stderr, argv[0]);
			exit(KSFT_FAIL);
		}
	}
	env = env ? strdup(env) : NULL;
	for (tok = env ? strtok_r(env, " \t", &save) : NULL; tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		char *arg = tok[0] == '-' && tok[1] && !tok[2] ?
			    strtok_r(NULL, " \t", &save) : NULL;

		if (tok[0] != '-' || !vl_filter_add(tok[1], tok[2] ? tok + 2 : arg, argv[0])) {
			fprintf(stderr, "%s: VIRTLIFE_FILTER='%s' is not a list of filter options\n",
				argv[0], getenv("VIRTLIFE_FILTER"));
			exit(KSFT_FAIL);
		}
	}
	vl_for_each_case(f, v, t, none) {
		if (!vl_case_enabled(f, v, t))
			continue;
		selected++;
		if (list) {
			vl_case_fullname(full, sizeof(full), f, v, t);
			printf("%s\n", full);
		}
	}
	if (list)
		exit(KSFT_PASS);
	if (!selected)
		ksft_exit_skip("no case matches the filters (-l lists the cases)\n");
}

#ifdef VL_HARNESS_FILTERS
/* The harness filters by itself: hand it the filters from both sources. */
static inline int vl_harness_run(int argc, char **argv)
{
	char **args = calloc(2 * vl_nr_filters + 2, sizeof(*args));
	char opts[VL_MAX_FILTERS][3];
	int i, n = 0;

	if (!args)
		ksft_exit_fail_msg("out of memory\n");
	args[n++] = argv[0];
	for (i = 0; i < vl_nr_filters; i++) {
		snprintf(opts[i], sizeof(opts[i]), "-%c", vl_filters[i].opt);
		args[n++] = opts[i];
		args[n++] = (char *)vl_filters[i].arg;
	}
	return test_harness_run(n, args);
}
#else
/* A harness without filters: the selected cases, as test_harness_run(). */
static inline int vl_harness_run(int argc, char **argv)
{
	struct __fixture_variant_metadata none = { .name = "" }, *v;
	struct __fixture_metadata *f;
	struct __test_results *results;
	struct __test_metadata *t;
	unsigned int count = 0, passed = 0;
	int ret = 0;

	if (!vl_nr_filters)
		return test_harness_run(argc, argv);
	vl_for_each_case(f, v, t, none)
		count += vl_case_enabled(f, v, t);
	results = mmap(NULL, sizeof(*results), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	ksft_print_header();
	ksft_set_plan(count);
	ksft_print_msg("Starting %u of the program's tests (filters).\n", count);
	vl_for_each_case(f, v, t, none) {
		if (!vl_case_enabled(f, v, t))
			continue;
		t->results = results;
		__run_test(f, v, t);
		t->results = NULL;
		if (t->passed)
			passed++;
		else
			ret = 1;
	}
	munmap(results, sizeof(*results));
	ksft_print_msg("%s: %u / %u tests passed.\n", ret ? "FAILED" : "PASSED",
		       passed, count);
	ksft_exit(ret == 0);
	return KSFT_FAIL;
}
#endif

/*
 * Every case's timeout (the harness's 30 s default, TEST_F_TIMEOUT's)
 * times $VIRTLIFE_TIMEOUT_SCALE (vl_env_timeout_scale()); a bad value is
 * refused: no case runs.
 */
static inline void vl_timeout_scale(const char *prog)
{
	int k = vl_env_timeout_scale();
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	if (k < 0) {
		fprintf(stderr, "%s: VIRTLIFE_TIMEOUT_SCALE='%s': a whole number from 1 to 100\n",
			prog, getenv("VIRTLIFE_TIMEOUT_SCALE"));
		exit(KSFT_FAIL);
	}
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= k;
}

/*
 * The program's start: options, then the case stream; @checks (a
 * statement) may skip or fail the whole program before any case runs.
 */
#define VL_MAIN_WITH(checks)						\
	int main(int argc, char **argv)					\
	{								\
		vl_timeout_scale(argv[0]);				\
		vl_harness_options(argc, argv);				\
		case_stream_start();					\
		checks;							\
		return vl_harness_run(argc, argv);			\
	}

#endif /* HARNESS_MAIN_H */
