# SPDX-License-Identifier: GPL-2.0
#
# virtlife: a kselftest-style conformance suite for the virtualization
# enable/disable lifecycle, with its reference driver.
#
#   make            build the driver (driver/*.ko) and the suite
#   make run_vm     install what is missing, build, boot the default QEMU
#                   machine and run the whole suite there (the main job)
#   make check      the project's own tests: warnings-as-errors builds,
#                   checkpatch, tool self-tests, the suite in the VM, the
#                   kvm target in the VM, the kselftest tarball under
#                   run_kselftest.sh, the kill matrix
#   make run_tests  run the suite on the running kernel (a real host; root)
#   make flake      make run_vm's suite RUNS times (default 5) on the correct
#                   driver: every case that failed in any run, with its
#                   messages; exit non-zero if one did (build/flake/)
#   make selfcheck  the kill matrix: every defect variant of the driver must
#                   be caught by the suite; each runs the whole suite and
#                   fixtures/selfcheck/catchers is rewritten (QUICK=1, as
#                   make check: each variant runs the part that caught it
#                   last, the whole suite when that no longer does)
#   make install    INSTALL_PATH=DIR: a kselftest collection (virtlife/)
#   make gen_tar    build/kselftest.tar.gz that run_kselftest.sh runs as is
#   make tdx-sizes  TDX initialization in guests of 2, 4 and 8 GiB: TDMRs,
#                   PAMT per node against the formula, init time, SEAMCALLs
#                   (build/tdx-sizes/sizes.json; not part of make check)
#   make bench      side by side in guests of 1, 2, 4, 8 vCPUs: per-CPU
#                   enable/disable and enable-all latency of virtlife (sim,
#                   svm) and kvm_amd; CPU offline+online cycle cost per
#                   driver state; storm throughput (build/bench/bench.json,
#                   table.md; about 2.5 minutes; not part of make check)
#
# Modules: driver/virtlife_simhw.ko, driver/virtlife_tdx.ko,
# driver/virtlife.ko (load in that order, unload in reverse).
#
# Variables: KDIR (kernel build dir for the modules), KSRC (kernel tree for
# the harness headers and checkpatch; default: Debian's linux-source),
# MACHINE (machine profile, default "default"), VM_TIMEOUT (seconds),
# REBOOT_TRIALS=full (every enable source and offset of the forced-reboot
# trials: 48 guests, ~13 min; the default is the quick set, 12 guests),
# BIG_PROGRAMS="tdx_init ..." (the programs the 8-CPU "big" guest runs;
# default: the tdx* programs but tdx_host; "none": no big guest),
# BIG_WHEN=parallel|after (the big guest beside the others, the default, or
# after the main guest).
#
# TARGET=kvm (make run_vm TARGET=kvm, make run_tests TARGET=kvm): instead of
# the virtlife driver, the lifecycle scenarios run against the running
# kernel's KVM (kvm_amd), with the kernel's KVM selftests library built from
# linux-source (or KSRC) into build/kvm-lib (tools/kvm-lib, selftests/kvm/).
# TARGET=virtlife is the default; make check builds the kvm target's programs
# (warnings as errors) but does not run them.

SHELL := /bin/bash
BUILD := $(CURDIR)/build
KFILES := $(BUILD)/kernel-files
MACHINE ?= default
VM_TIMEOUT ?= 900
TARGET ?= virtlife
ifeq ($(filter virtlife kvm,$(TARGET)),)
$(error TARGET is virtlife or kvm)
endif
# Load order; unload in reverse.
VL_MODULES := virtlife_simhw.ko virtlife_tdx.ko virtlife.ko

# The kernel the VM boots: the newest /boot/vmlinuz-* whose build dir is
# installed. The modules are built for exactly that kernel. Both are
# expanded late, after "deps" may have installed that kernel.
VM_KVER ?= $(shell for k in $$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|.*/vmlinuz-||' | sort -V); do \
	[ -d /lib/modules/$$k/build ] && echo $$k; done | tail -n 1)
VM_KDIR = /lib/modules/$(VM_KVER)/build

export KSRC

all: driver selftests

driver:
	$(MAKE) -C driver $(if $(KDIR),KDIR=$(KDIR))

selftests:
	$(MAKE) -C selftests KFILES=$(KFILES)

# The kvm target's programs and the kernel's KVM selftests library.
kvm:
	$(MAKE) -C selftests/kvm KFILES=$(KFILES) KVMLIB=$(BUILD)/kvm-lib

deps:
	@tools/install-deps

ifeq ($(TARGET),kvm)
run_tests: kvm
	@mkdir -p $(BUILD)
	@selftests/kvm/run_tests.sh $$($(MAKE) -s -C selftests/kvm emit_tests | sed 's/^virtlife://') | \
		tools/ktap-summary --log $(BUILD)/run_tests.log
else
run_tests: all
	@mkdir -p $(BUILD)
	@selftests/run_tests.sh | tools/ktap-summary --log $(BUILD)/run_tests.log
endif

# The main job. Deps first, then the build for the VM's kernel, then one
# guest running the whole suite; the KTAP stream and the console are kept.
ifeq ($(TARGET),kvm)
run_vm: deps
	@$(MAKE) --no-print-directory kvm
	@mkdir -p $(BUILD)/run_vm-kvm
	@echo "run_vm: TARGET=kvm, kernel $(VM_KVER), machine $(MACHINE), logs in build/run_vm-kvm/ and build/run-suite-kvm/"
	@set -o pipefail; start=$$(date +%s); \
	tools/run-suite --target kvm --machine $(MACHINE) --kernel /boot/vmlinuz-$(VM_KVER) \
		--timeout $(VM_TIMEOUT) 2>&1 | \
		tools/ktap-summary --log $(BUILD)/run_vm-kvm/ktap.log; rc=$$?; \
	echo "run_vm: $$(( $$(date +%s) - start )) s"; exit $$rc
else
run_vm: deps
	@$(MAKE) --no-print-directory all KDIR=$(VM_KDIR)
	@mkdir -p $(BUILD)/run_vm
	@echo "run_vm: kernel $(VM_KVER), machine $(MACHINE), logs in build/run_vm/ and build/run-suite/"
	@set -o pipefail; start=$$(date +%s); \
	tools/run-suite --machine $(MACHINE) --kernel /boot/vmlinuz-$(VM_KVER) \
		--timeout $(VM_TIMEOUT) $(if $(filter full,$(REBOOT_TRIALS)),,--quick) \
		$(if $(BIG_PROGRAMS),--big-programs "$(BIG_PROGRAMS)") \
		$(if $(BIG_WHEN),--big-when $(BIG_WHEN)) 2>&1 | \
		tools/ktap-summary --log $(BUILD)/run_vm/ktap.log; rc=$$?; \
	echo "run_vm: $$(( $$(date +%s) - start )) s"; exit $$rc
endif

# The whole suite RUNS times (default 5) on the correct driver: every case
# that failed in any run, with its messages (build/flake/report.txt).
flake: deps
	@$(MAKE) --no-print-directory all KDIR=$(VM_KDIR)
	tools/flake --runs $(or $(RUNS),5) --kernel /boot/vmlinuz-$(VM_KVER) \
		--machine $(MACHINE) --timeout $(VM_TIMEOUT)

selfcheck: deps
	@$(MAKE) --no-print-directory all KDIR=$(VM_KDIR)
	VM_KVER=$(VM_KVER) MACHINE=$(MACHINE) tools/selfcheck $(if $(QUICK),--quick,--update-catchers)

# checkpatch as the kernel would run it on a patch to these files.
checkpatch: $(KFILES)/.origin
	perl $(KFILES)/scripts/checkpatch.pl --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f $(filter-out %.mod.c,$(wildcard driver/*.c)) driver/*.h driver/uapi/*.h

$(KFILES)/.origin:
	tools/kernel-files $(KFILES)

# The parts, each timed; the last line is "check: N passed, N failed".
check: deps $(KFILES)/.origin
	@VM_KVER=$(VM_KVER) VM_KDIR=$(VM_KDIR) KFILES=$(KFILES) MACHINE=$(MACHINE) \
		MAKE="$(MAKE)" tools/check

install: all
	$(MAKE) -C selftests install INSTALL_PATH=$(or $(INSTALL_PATH),$(KSFT_INSTALL_PATH))

# A kselftest tree: run_kselftest.sh, kselftest/ runner, kselftest-list.txt,
# and the virtlife collection with its modules.
gen_tar: all $(KFILES)/.origin
	rm -rf $(BUILD)/kselftest && mkdir -p $(BUILD)/kselftest/kselftest
	$(MAKE) -C selftests install INSTALL_PATH=$(BUILD)/kselftest/virtlife
	@for ko in $(VL_MODULES); do \
		[ -f $(BUILD)/kselftest/virtlife/modules/$$ko ] || \
		{ echo "gen_tar: the collection lacks modules/$$ko"; exit 1; }; done
	cp $(KFILES)/tools/testing/selftests/run_kselftest.sh $(BUILD)/kselftest/
	cp $(KFILES)/tools/testing/selftests/kselftest/runner.sh \
	   $(KFILES)/tools/testing/selftests/kselftest/prefix.pl $(BUILD)/kselftest/kselftest/
	$(MAKE) -s -C selftests emit_tests > $(BUILD)/kselftest/kselftest-list.txt
	tar -C $(BUILD) -czf $(BUILD)/kselftest.tar.gz kselftest
	@echo "gen_tar: $(BUILD)/kselftest.tar.gz"

# The tarball as CI bots use it: the kernel's own run_kselftest.sh runs one
# program of it in the guest, unchanged; a layout or lookup mistake fails.
check_install: gen_tar
	rm -rf $(BUILD)/ksft-check && mkdir -p $(BUILD)/ksft-check
	tar -C $(BUILD)/ksft-check -xzf $(BUILD)/kselftest.tar.gz
	@set -o pipefail; tools/vmrun --quiet --timeout 300 -- \
		sh -c 'cd build/ksft-check/kselftest && ./run_kselftest.sh -t virtlife:knobs' | \
		tee $(BUILD)/ksft-check/out.log
	@grep -qx 'ok 1 selftests: virtlife: knobs' $(BUILD)/ksft-check/out.log || \
		{ echo "check_install: run_kselftest.sh did not pass virtlife:knobs"; exit 1; }

# TDX initialization cost by memory size (2, 4, 8 GiB guests).
tdx-sizes: deps
	@$(MAKE) --no-print-directory driver KDIR=$(VM_KDIR)
	tools/tdx-sizes --kernel /boot/vmlinuz-$(VM_KVER)

bench: deps
	@$(MAKE) --no-print-directory all KDIR=$(VM_KDIR)
	@$(MAKE) --no-print-directory -C bench
	tools/bench --kernel /boot/vmlinuz-$(VM_KVER)

clean:
	$(MAKE) -C driver clean
	$(MAKE) -C selftests clean
	$(MAKE) -C selftests/kvm clean
	$(MAKE) -C bench clean
	rm -rf $(BUILD)

.PHONY: all driver selftests kvm deps run_tests run_vm flake selfcheck checkpatch check check_install install gen_tar tdx-sizes bench clean
