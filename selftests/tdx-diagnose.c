// SPDX-License-Identifier: GPL-2.0
/*
 * tdx-diagnose - why TDX is not working on this host, and what to change.
 *
 * Reads the host the way the tdx_host program does (lib/tdx_diag.c: the
 * kernel log's TDX lines decoded, the platform, the configuration, the
 * outcome) and prints a summary line, then one finding a line:
 *   LEVEL id: what | evidence: ... | fix: ...
 * LEVEL is BLOCK (TDX cannot work until it is fixed), WARN (TDX is up but
 * something does not add up), OK or INFO.
 *
 * Exit: 0 TDX is up and consistent, 1 a finding blocks TDX (or a warning
 * says it is not consistent), 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tdx_diag.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tdx-diagnose [--json] [--root DIR]\n"
		"  Diagnose this host's TDX: the kernel log's TDX lines decoded (SEAMCALL\n"
		"  leaf, status class, operand or MSR, errno), the platform (tdx_host_platform,\n"
		"  the KeyID partitioning in MSR 0x87), the configuration (hibernation, S3,\n"
		"  kvm_intel.tdx, kvm.enable_virt_at_load, offline CPUs, the module version)\n"
		"  and the outcome (initialized, PAMT size, the misc cgroup's tdx capacity).\n"
		"  --json      one JSON object instead of text (for CI)\n"
		"  --root DIR  read the host under DIR (a snapshot; default $VIRTLIFE_SYSROOT\n"
		"              or /)\n"
		"  Root is needed for the kernel log (dmesg_restrict) and the MSR reads;\n"
		"  without it those findings say so.\n"
		"  Exit: 0 TDX up and consistent, 1 a finding blocks TDX, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = getenv("VIRTLIFE_SYSROOT");
	static struct tdx_diag d;
	bool json = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "hjr:", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'r':
			root = optarg;
			if (access(root, R_OK | X_OK)) {
				fprintf(stderr, "tdx-diagnose: --root %s: not a readable directory\n", root);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (optopt)
				fprintf(stderr, "tdx-diagnose: option -%c: unknown or missing its argument\n", optopt);
			else
				fprintf(stderr, "tdx-diagnose: unknown option %s\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tdx-diagnose: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	tdx_diagnose(&d, root);
	if (json)
		tdx_diag_print_json(&d, stdout);
	else
		tdx_diag_print(&d, stdout, "");
	return tdx_diag_exit_code(&d);
}
