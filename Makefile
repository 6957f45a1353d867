# SPDX-License-Identifier: GPL-2.0
#
# virtlife: a kselftest-style conformance suite for the virtualization
# enable/disable lifecycle, with its reference driver.
#
#   make            build the modules and the suite for KERNEL in
#                   build/kernels/RELEASE (tools/build-kernel); the same as
#                   make kernel-build [KVER=RELEASE] [WERROR=1]
#   make help       this text
#   make deps       install what the project needs (tools/install-deps) and
#                   KERNEL (tools/kernel install)
#   make run_vm     install what is missing, build, boot the default QEMU
#                   machine and run the whole suite there (the main job);
#                   build/run_vm/: ktap.log, ktap-strict.log, results.json,
#                   junit.xml, report.html (tools/results), guests/
#   make check      the project's own tests: warnings-as-errors builds,
#                   checkpatch, tool self-tests, interfaces (tools/tests/
#                   interfaces), the suite in the VM, the kvm target in the
#                   VM, the kselftest tarball under run_kselftest.sh, the
#                   kill matrix; "check: N passed, N failed"
#   make run_tests  every program on the running kernel (a real host; root),
#                   built for it in build/kernels/$(uname -r); a real S3 of
#                   the host only with VIRTLIFE_HOST_S3=1 (build/run_tests.*)
#   make matrix     every kernel (tools/kernel names) x {suite, kvm target}:
#                   build/matrix/matrix.md and .json (KERNELS="6.1 6.12",
#                   TARGETS="virtlife kvm")
#   make flake      make run_vm's suite RUNS times (default 5) on the correct
#                   driver: every case that failed in any run, with its
#                   messages; exit non-zero if one did (build/flake/)
#   make selfcheck  the kill matrix: every defect variant of the driver must
#                   be caught by the suite; each runs the whole suite and
#                   fixtures/selfcheck/catchers is rewritten (QUICK=1, as
#                   make check: each variant runs the part that caught it
#                   last, the whole suite when that no longer does);
#                   build/selfcheck/report.html has the defects x programs grid.
#                   A variant is the correct driver with a patch of
#                   driver/defects/ applied (driver/apply-variant)
#   make selfcheck PATCH=my.patch  would the suite catch this bug? Your own
#                   patch (git diff of driver/virtlife/ or driver/tdx/) as
#                   the variant, the whole suite against it (QUICK=1: up to
#                   the first failing program); ends "caught by ..." or
#                   "survived" (exit 1)
#   make install    INSTALL_PATH=DIR (or KSFT_INSTALL_PATH): a kselftest
#                   collection (virtlife/)
#   make gen_tar    build/kselftest.tar.gz that run_kselftest.sh runs as is
#   make modules_install  the three modules into (INSTALL_MOD_PATH)
#                   /lib/modules/RELEASE/updates/virtlife/, then depmod:
#                   modprobe and the suite (no VIRTLIFE_MODULE_DIR) find them
#   make check_dkms driver/dkms.conf: dkms add/build/install for the kernel,
#                   the suite in the VM from the installed modules, dkms
#                   remove (root; PROGRAMS="..." for a subset; QUICK=1: the
#                   subset make check runs)
#   make check_lava ci/lava/virtlife.sh (the LAVA test definition) in the VM
#                   on make gen_tar's tarball, lava-test-case stubbed
#   make check_install  that tarball under the kernel's run_kselftest.sh in
#                   the VM, then on OTHER_KERNEL (default 6.12): it must skip
#                   and say which kernel its modules are for
#   make tdx-sizes  TDX initialization in guests of 2, 4 and 8 GiB: TDMRs,
#                   PAMT per node against the formula, init time, SEAMCALLs
#                   (build/tdx-sizes/sizes.json; not part of make check)
#   make bench      side by side in guests of 1, 2, 4, 8 vCPUs: per-CPU
#                   enable/disable and enable-all latency of virtlife (sim,
#                   svm) and kvm_amd; CPU offline+online cycle cost per
#                   driver state; storm throughput (build/bench/bench.json,
#                   table.md; about 2.5 minutes; not part of make check)
#   make debug-kernel  the debug kernel (tools/debug-kernel): Debian's
#                   linux-source-6.12 with lockdep, DEBUG_ATOMIC_SLEEP,
#                   DEBUG_PREEMPT, KASAN and kmemleak (fixtures/kernels/
#                   debug.config), cached in build/debug-kernel/ by its
#                   config; then KERNEL=debug runs anything on it (make
#                   run_vm KERNEL=debug). Not part of make check
#   make debug-proof  D11, D28 and D36 on the debug kernel, each caught by
#                   its report (lockdep, the preemption checks, kmemleak;
#                   tools/debug-proof). Not part of make check
#   make coverage   the suite's line and branch coverage of virtlife.ko and
#                   virtlife_tdx.ko on the debug kernel, per program
#                   (tools/coverage; build/coverage/report.md, html/).
#                   Not part of make check
#   make mutate     mutants of virtlife.ko and virtlife_tdx.ko (delete a
#                   call, negate a condition, shift a bound, another errno,
#                   drop an unwind step), each run against the programs that
#                   cover its line; the kill rate and every survivor
#                   (tools/mutate; SAMPLE=N SEED=S JOBS=N; build/mutate/).
#                   Not part of make check
#   make soak       the reliability goals to their counts (tools/soak): 10000
#                   CPU transitions with VMs and TDs, 1000 reloads, 100
#                   pm_test + 100 real S3 cycles, 100 forced-reboot trials,
#                   each step checked; build/soak/report.txt (KERNEL=debug:
#                   a tenth; SCALE=F, PARTS="cpu reload suspend reboot").
#                   Not part of make check
#   make checkpatch the driver's sources through the kernel's checkpatch.pl
#   make driver, make selftests   in-place developer builds (KDIR)
#   make clean      remove every build product (build/ and in-place builds)
#
# Modules (in build/kernels/RELEASE/driver/): virtlife_simhw.ko, virtlife_tdx.ko,
# virtlife.ko (load in that order, unload in reverse).
#
# Variables: KERNEL (6.1 = the default, 6.1-rt, 6.1-cloud, 6.12, 6.12-rt,
# 6.12-cloud, debug (make debug-kernel's, built when missing), or a release
# string: installed when missing), VM_KVER (its
# release; may be given instead), KVER (make kernel-build/kvm: the release
# to build for, default VM_KVER), KSRC (kernel tree for the harness
# headers, checkpatch and the KVM library; default: that kernel's
# linux-source), KDIR (make driver: the in-place build's kernel build dir),
# MACHINE (machine profile, default "default"), VM_TIMEOUT (seconds),
# PROGRAMS="hotplug compat" (make run_vm, run_tests: only these programs;
# for run_vm also suspend, reboot_trials and big:PROGRAM), FILTER="-r
# fixture.variant.test" (only these cases in each program: -f/-F fixture,
# -v/-V variant, -t/-T test, -r case; PROGRAM -l lists the cases),
# REBOOT_TRIALS=off|quick|full (the forced-reboot trials: quick, the
# default, 12 guests; full, every enable source and offset, 48 guests,
# ~13 min; off: none),
# BIG_PROGRAMS="tdx_init ..." (the programs the 8-CPU "big" guest runs;
# default: the tdx* programs but tdx_host; "none": no big guest),
# BIG_WHEN=parallel|after (the big guest beside the others, the default, or
# after the main guest), WERROR=1 (warnings as errors), OTHER_KERNEL (make
# check_install), RUNS (make flake), QUICK=1 and PATCH=FILE (make selfcheck), KERNELS and
# TARGETS (make matrix).
#
# TARGET=kvm (make run_vm TARGET=kvm, make run_tests TARGET=kvm): instead of
# the virtlife driver, the lifecycle scenarios run against the running
# kernel's KVM (kvm_amd), with the kernel's KVM selftests library built from
# linux-source (or KSRC) into build/kvm-lib (tools/kvm-lib, selftests/kvm/);
# logs in build/run_vm-kvm/. TARGET=virtlife is the default.

SHELL := /bin/bash
# PATCH= on this command line is make selfcheck's (its variant); the
# variant build (driver/Makefile) takes PATCH= too, so it must not reach
# the sub-makes and scripts that build the correct driver.
MAKEOVERRIDES := $(filter-out PATCH=%,$(MAKEOVERRIDES))
unexport PATCH

BUILD := $(CURDIR)/build
MACHINE ?= default
# Per guest; the debug kernel (lockdep, KASAN, kmemleak under TCG) is slower:
# there tdx_init took 212 s beside two other guests (9 s alone on 6.1,
# 19 s beside two), about 11x, so a main guest of about 350 s on 6.1
# needs about an hour, and a program more than selftests/settings' 300 s.
VM_TIMEOUT ?= $(if $(filter debug,$(KERNEL)),7200,900)
# Each case's harness timeout too (VIRTLIFE_TIMEOUT_SCALE, lib/harness_main.h):
# a tdx_init case of about 3 s on 6.1 ran past the harness's 30 s there.
# And the forced-reboot trials' delays and bounds (tools/reboot-trials,
# VIRTLIFE_TRIAL_SCALE): there the reboot took 6.1 s from the delay line to
# the shutdown hook (6.1: up to 3.5 s), past the trials' 5000 ms delay.
ifeq ($(KERNEL),debug)
export VIRTLIFE_TIMEOUT ?= 1500
export VIRTLIFE_TIMEOUT_SCALE ?= 10
export VIRTLIFE_TRIAL_SCALE ?= 4
endif
TARGET ?= virtlife
ifeq ($(filter virtlife kvm,$(TARGET)),)
$(error TARGET is virtlife or kvm)
endif
# Load order; unload in reverse.
VL_MODULES := virtlife_simhw.ko virtlife_tdx.ko virtlife.ko

# The kernel the VM boots, by name (tools/kernel names: 6.1, 6.1-rt,
# 6.1-cloud, 6.12, 6.12-rt, 6.12-cloud) or release string. The default is
# named in tools/kernel (6.1), never "the newest installed". VM_KVER is its
# release, resolved late (after "deps" may have installed it); it may also
# be given directly.
KERNEL ?= $(shell tools/kernel default)
VM_KVER ?= $(shell tools/kernel release $(KERNEL))
VM_KDIR = $(shell tools/kernel kdir $(VM_KVER))
# Its bzImage: /boot/vmlinuz-RELEASE, or the debug kernel's under build/.
VM_IMAGE = $(shell tools/kernel image $(VM_KVER))
# Everything built for one kernel lives in its own directory: the modules
# (driver/), the harness and checkpatch from that kernel's source
# (kernel-files/), the collection as installed (virtlife/: programs,
# run_tests.sh, modules/), the KVM selftests library (kvm-lib/) and the kvm
# target's programs (kvm/).
KBUILD_DIR = $(BUILD)/kernels/$(VM_KVER)
# make run_tests: the running kernel, whatever KERNEL says.
HOST_KVER := $(shell uname -r)
HOST_BUILD_DIR := $(BUILD)/kernels/$(HOST_KVER)
# The default kernel's extracted files (checkpatch, gen_tar).
KFILES = $(KBUILD_DIR)/kernel-files
export KSRC

all: kernel-build

# The modules and the collection for one kernel (KVER, default VM_KVER):
# make kernel-build KVER=6.12.117+deb12-amd64 [WERROR=1]
KVER ?= $(VM_KVER)
kernel-build:
	@tools/build-kernel $(KVER) $(BUILD)/kernels/$(KVER) virtlife $(if $(WERROR),--werror)

# The kvm target's programs and the kernel's KVM selftests library.
kvm:
	@tools/build-kernel $(KVER) $(BUILD)/kernels/$(KVER) kvm $(if $(WERROR),--werror)

# In-place developer builds (driver/*.ko, selftests/*), for KDIR or the
# running kernel.
driver:
	$(MAKE) -C driver $(if $(KDIR),KDIR=$(KDIR))

selftests:
	$(MAKE) -C selftests

deps:
	@tools/install-deps
	@tools/kernel install $(KERNEL)

debug-kernel:
	@tools/debug-kernel

# D11, D28 and D36 caught by the debug kernel's own reports (lockdep, the
# preemption checks, kmemleak): tools/debug-proof, build/debug-proof/.
debug-proof: override KERNEL = debug
debug-proof: deps
	@$(MAKE) --no-print-directory kernel-build KVER=$(VM_KVER)
	VL_BUILD=$(KBUILD_DIR) VM_KVER=$(VM_KVER) MACHINE=$(MACHINE) tools/debug-proof

# The suite's line and branch coverage of the driver on the debug kernel
# (CONFIG_GCOV_KERNEL), the modules built with GCOV=1: tools/coverage,
# build/coverage/ (report.md, html/, lines.json for tools/mutate).
coverage: override KERNEL = debug
coverage: deps
	@$(MAKE) --no-print-directory kernel-build KVER=$(VM_KVER)
	VL_BUILD=$(KBUILD_DIR) VM_KVER=$(VM_KVER) tools/coverage $(if $(PROGRAMS),--programs "$(PROGRAMS)")

# Mutation testing of the driver (tools/mutate): SAMPLE=N SEED=S for a
# reproducible sample, JOBS=N; on KERNEL; programs chosen by make
# coverage's line map when there is one. build/mutate/results.json.
mutate: deps
	@$(MAKE) --no-print-directory kernel-build KVER=$(VM_KVER)
	VL_BUILD=$(KBUILD_DIR) VM_KVER=$(VM_KVER) tools/mutate $(if $(SAMPLE),--sample $(SAMPLE)) \
		$(if $(SEED),--seed $(SEED)) $(if $(JOBS),--jobs $(JOBS)) $(if $(RESUME),--resume)

# The reliability goals to their counts (tools/soak), on KERNEL (debug: a
# tenth of each count); build/soak[-KERNEL]/report.txt. SCALE=F multiplies
# the counts, PARTS="cpu reload suspend reboot" picks parts.
soak: deps
	@$(MAKE) --no-print-directory kernel-build KVER=$(VM_KVER)
	VL_BUILD=$(KBUILD_DIR) tools/soak --kernel $(VM_IMAGE) --machine $(MACHINE) \
		--scale $(or $(SCALE),$(if $(filter debug,$(KERNEL)),0.1,1)) \
		$(if $(PARTS),--parts "$(PARTS)") \
		--out $(BUILD)/soak$(if $(filter-out $(DEFAULT_KERNEL),$(KERNEL)),-$(KERNEL))

# The collections' programs (emit_tests), for make run_tests.
VL_PROGRAMS = $(shell $(MAKE) -s -C selftests emit_tests | sed 's/^virtlife://')
KVM_PROGRAMS = $(shell $(MAKE) -s -C selftests/kvm emit_tests | sed 's/^virtlife://')

ifeq ($(TARGET),kvm)
run_tests:
	tools/build-kernel $(HOST_KVER) $(HOST_BUILD_DIR) kvm
	@mkdir -p $(BUILD)
	$(HOST_BUILD_DIR)/kvm/run_tests.sh $(or $(PROGRAMS),$(KVM_PROGRAMS)) | \
		tools/ktap-summary --log $(BUILD)/run_tests.log; rc=$$?; \
	$(RESULTS_RUN_TESTS) || { echo "run_tests: tools/results failed"; [ $$rc != 0 ] || rc=1; }; exit $$rc
else
# On a host: every program, with modules built for the running kernel.
# Steps that disturb a host are opt-in there: VIRTLIFE_HOST_S3=1 lets the
# suspend cases do a real S3 of this machine (docs/interface.md).
run_tests:
	tools/build-kernel $(HOST_KVER) $(HOST_BUILD_DIR) virtlife
	@mkdir -p $(BUILD)
	VIRTLIFE_MODULE_DIR=$(HOST_BUILD_DIR)/virtlife/modules \
	$(if $(VIRTLIFE_HOST_S3),,VIRTLIFE_NO_REAL_SUSPEND=1) \
	$(HOST_BUILD_DIR)/virtlife/run_tests.sh $(or $(PROGRAMS),$(VL_PROGRAMS)) | \
		tools/ktap-summary --log $(BUILD)/run_tests.log; rc=$$?; \
	$(RESULTS_RUN_TESTS) || { echo "run_tests: tools/results failed"; [ $$rc != 0 ] || rc=1; }; exit $$rc
endif
# The run's results and report (tools/results): build/run_tests/.
RESULTS_RUN_TESTS = tools/results --ktap $(BUILD)/run_tests.log --out $(BUILD)/run_tests \
	--title "make run_tests TARGET=$(TARGET) on $(HOST_KVER)"

# The main job. Deps first (the kernel too), then the build for the VM's
# kernel in its own directory, then the guests running the whole suite; the
# KTAP stream and the consoles are kept.
RUN_VM_LOGS = $(BUILD)/run_vm$(if $(filter kvm,$(TARGET)),-kvm)$(if $(filter-out $(DEFAULT_KERNEL),$(KERNEL)),-$(KERNEL))
DEFAULT_KERNEL := $(shell tools/kernel default)
# PROGRAMS="hotplug compat": only these programs (make run_vm: each where it
# runs; suspend, reboot_trials and big:PROGRAM are names too). FILTER="-r
# fixture.variant.test": only these cases in each program (the harness's
# filters, run_tests.sh --help). REBOOT_TRIALS=off|quick|full.
ifneq ($(filter-out off quick full,$(REBOOT_TRIALS)),)
$(error REBOOT_TRIALS is off, quick (the default) or full)
endif
ifdef FILTER
export VIRTLIFE_FILTER := $(FILTER)
endif

run_vm: deps
	@$(MAKE) --no-print-directory $(if $(filter kvm,$(TARGET)),kvm,kernel-build) KVER=$(VM_KVER)
	@mkdir -p $(RUN_VM_LOGS)
	@echo "run_vm: TARGET=$(TARGET), kernel $(KERNEL) ($(VM_KVER)), machine $(MACHINE), build $(KBUILD_DIR), logs in $(RUN_VM_LOGS)/"
	@tools/kernel lacks $(VM_KVER) | sed 's/^/run_vm: this kernel lacks /'
	@set -o pipefail; start=$$(date +%s); \
	VL_BUILD=$(KBUILD_DIR) tools/run-suite --target $(TARGET) --machine $(MACHINE) \
		--kernel $(VM_IMAGE) --timeout $(VM_TIMEOUT) --out $(RUN_VM_LOGS)/guests \
		$(if $(PROGRAMS),--programs "$(PROGRAMS)") \
		$(if $(filter virtlife,$(TARGET)),$(if $(filter full,$(REBOOT_TRIALS)),,--quick) \
		$(if $(filter off,$(REBOOT_TRIALS)),--no-reboot-trials) \
		$(if $(BIG_PROGRAMS),--big-programs "$(BIG_PROGRAMS)") \
		$(if $(BIG_WHEN),--big-when $(BIG_WHEN))) 2>&1 | \
		tools/ktap-summary --log $(RUN_VM_LOGS)/ktap.log; rc=$$?; \
	tools/results --ktap $(RUN_VM_LOGS)/ktap.log --guests $(RUN_VM_LOGS)/guests \
		--title "make run_vm TARGET=$(TARGET) KERNEL=$(KERNEL) ($(VM_KVER)), machine $(MACHINE)" || \
		{ echo "run_vm: tools/results failed"; [ $$rc != 0 ] || rc=1; }; \
	echo "run_vm: $$(( $$(date +%s) - start )) s"; exit $$rc

# The whole suite RUNS times (default 5) on the correct driver: every case
# that failed in any run, with its messages (build/flake/report.txt).
flake: deps
	@$(MAKE) --no-print-directory kernel-build KVER=$(VM_KVER)
	VL_BUILD=$(KBUILD_DIR) tools/flake --runs $(or $(RUNS),5) --kernel $(VM_IMAGE) \
		--machine $(MACHINE) --timeout $(VM_TIMEOUT)

selfcheck: deps
	@$(MAKE) --no-print-directory kernel-build KVER=$(VM_KVER)
	VL_BUILD=$(KBUILD_DIR) VM_KVER=$(VM_KVER) MACHINE=$(MACHINE) \
		tools/selfcheck $(if $(PATCH),$(foreach p,$(PATCH),--patch $(p)) $(if $(QUICK),--quick),$(if $(QUICK),--quick,--update-catchers)); rc=$$?; \
	tools/results --selfcheck $(BUILD)/selfcheck --title "make selfcheck$(if $(PATCH), PATCH=$(PATCH))$(if $(QUICK), QUICK=1): the kill matrix" || \
		{ echo "selfcheck: tools/results failed"; [ $$rc != 0 ] || rc=1; }; exit $$rc

# Every kernel of tools/kernel names x {suite, kvm target}: one table
# (build/matrix/matrix.md, matrix.json). Not part of make check.
matrix: deps
	tools/matrix $(if $(KERNELS),--kernels "$(KERNELS)") $(if $(TARGETS),--targets "$(TARGETS)")

# checkpatch as the kernel would run it on a patch to these files, and on
# the defect patches.
checkpatch: $(KFILES)/.origin
	perl $(KFILES)/scripts/checkpatch.pl --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f $(filter-out %.mod.c,$(wildcard driver/*/*.c)) \
		$(wildcard driver/*/*.h driver/include/uapi/*.h)
	@# The defect patches as patches: the code they add is kernel style too
	@# (they are catalogue rows, never sent: no Signed-off-by). Checked
	@# from a copy outside the work tree: checkpatch reads a file that git
	@# tracks as a source file (as -f), not as a patch.
	@tmp=$$(mktemp -d) && cp driver/defects/*.patch "$$tmp/" && \
	out=$$(perl $(KFILES)/scripts/checkpatch.pl --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,MISSING_SIGN_OFF \
		"$$tmp"/*.patch 2>&1); rc=$$?; rm -rf "$$tmp"; \
	printf '%s\n' "$$out" | sed "s|^$$tmp/|driver/defects/|" | \
		grep -v -e '^total: 0 errors, 0 warnings, 0 checks,' -e '^$$' || true; \
	echo "checkpatch: $(words $(wildcard driver/defects/*.patch)) defect patches"; exit $$rc

$(KFILES)/.origin:
	KSRC_TAR=$$(tools/kernel source $(VM_KVER)) tools/kernel-files $(KFILES)

# The parts, each timed; the last line is "check: N passed, N failed".
check: deps $(KFILES)/.origin
	@VM_KVER=$(VM_KVER) VL_BUILD=$(KBUILD_DIR) KFILES=$(KFILES) MACHINE=$(MACHINE) \
		MAKE="$(MAKE)" tools/check

install: all
	$(MAKE) -C selftests install INSTALL_PATH=$(or $(INSTALL_PATH),$(KSFT_INSTALL_PATH)) \
		OUTPUT=$(KBUILD_DIR)/obj DRIVER_DIR=$(KBUILD_DIR)/driver KFILES=$(KFILES)

# A kselftest tree: run_kselftest.sh, kselftest/ runner, kselftest-list.txt,
# and the virtlife collection with its modules (modules/KERNEL: the kernel
# they are for; on another the programs skip and say so).
gen_tar: all $(KFILES)/.origin
	rm -rf $(BUILD)/kselftest && mkdir -p $(BUILD)/kselftest/kselftest
	cp -r $(KBUILD_DIR)/virtlife $(BUILD)/kselftest/virtlife
	@for ko in $(VL_MODULES) KERNEL; do \
		[ -f $(BUILD)/kselftest/virtlife/modules/$$ko ] || \
		{ echo "gen_tar: the collection lacks modules/$$ko"; exit 1; }; done
	cp $(KFILES)/tools/testing/selftests/run_kselftest.sh $(BUILD)/kselftest/
	cp $(KFILES)/tools/testing/selftests/kselftest/runner.sh \
	   $(KFILES)/tools/testing/selftests/kselftest/prefix.pl $(BUILD)/kselftest/kselftest/
	$(MAKE) -s -C selftests emit_tests > $(BUILD)/kselftest/kselftest-list.txt
	tar -C $(BUILD) -czf $(BUILD)/kselftest.tar.gz kselftest
	@echo "gen_tar: $(BUILD)/kselftest.tar.gz (modules for $$(cat $(KBUILD_DIR)/virtlife/modules/KERNEL))"

# The tarball as CI bots use it: the kernel's own run_kselftest.sh runs one
# program of it in the guest, unchanged; a layout or lookup mistake fails.
# Then the same tarball on another kernel (OTHER_KERNEL, default 6.12 when
# installed): the runner must count the program as skipped, and the
# program's output (which the runner shows) say which kernel its modules
# are for.
OTHER_KERNEL ?= 6.12
check_install: gen_tar
	rm -rf $(BUILD)/ksft-check && mkdir -p $(BUILD)/ksft-check
	tar -C $(BUILD)/ksft-check -xzf $(BUILD)/kselftest.tar.gz
	@set -o pipefail; tools/vmrun --quiet --timeout 300 --kernel $(VM_IMAGE) -- \
		sh -c 'cd build/ksft-check/kselftest && ./run_kselftest.sh -t virtlife:knobs' | \
		tee $(BUILD)/ksft-check/out.log
	@grep -qx 'ok 1 selftests: virtlife: knobs' $(BUILD)/ksft-check/out.log || \
		{ echo "check_install: run_kselftest.sh did not pass virtlife:knobs"; exit 1; }
	@other=$$(tools/kernel release $(OTHER_KERNEL) 2>/dev/null); \
	if [ -z "$$other" ] || [ "$$other" = $(VM_KVER) ]; then \
		echo "check_install: no other kernel installed ($(OTHER_KERNEL)): the wrong-kernel skip is not checked"; \
	else set -o pipefail; tools/vmrun --quiet --timeout 300 --kernel /boot/vmlinuz-$$other -- \
		sh -c 'cd build/ksft-check/kselftest && ./run_kselftest.sh -t virtlife:knobs' | \
		tee $(BUILD)/ksft-check/other.log; \
	grep -qx 'ok 1 selftests: virtlife: knobs # SKIP' $(BUILD)/ksft-check/other.log && \
	grep -q "built for $(VM_KVER), running $$other" $(BUILD)/ksft-check/other.log || \
		{ echo "check_install: on $$other the tarball for $(VM_KVER) did not skip with the reason"; exit 1; }; fi

# The modules installed for KVER (default: the VM's kernel) where modprobe
# looks first, updates/, then depmod; INSTALL_MOD_PATH=DIR installs into
# DIR/lib/modules/... (a staging root; depmod -b DIR).
MOD_DEST = $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/updates/virtlife
modules_install: kernel-build
	install -d $(MOD_DEST)
	install -m 644 $(addprefix $(BUILD)/kernels/$(KVER)/driver/,$(VL_MODULES)) $(MOD_DEST)/
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)
	@echo "modules_install: $(VL_MODULES) in $(MOD_DEST)/"

# driver/dkms.conf checked: dkms add/build/install against the VM kernel's
# headers from the DKMS source tree alone, the suite in the VM from those
# installed modules (tools/run-suite --installed-modules), dkms remove
# (tools/check-dkms; root). The whole suite: 346 s of guests here; QUICK=1
# (make check's part): one program of each guest and one reboot trial, each
# loading the installed modules its own way (80 s).
DKMS_QUICK_PROGRAMS := knobs reload suspend big:tdx_pamt \
	reboot_trials:load.after_arch_enable.reboot.inflight
check_dkms: deps
	@$(MAKE) --no-print-directory kernel-build KVER=$(VM_KVER)
	VL_BUILD=$(KBUILD_DIR) tools/check-dkms \
		$(if $(or $(PROGRAMS),$(QUICK)),--programs "$(or $(PROGRAMS),$(DKMS_QUICK_PROGRAMS))") \
		$(if $(filter full,$(REBOOT_TRIALS)),--full) $(VM_KVER)

# The LAVA test definition (ci/lava/virtlife.yaml) run as LAVA would, in
# the VM, on make gen_tar's tarball: one lava-test-case per case
# (tools/check-lava; PROGRAMS="..." chooses the programs).
check_lava: gen_tar
	tools/check-lava $(VM_KVER) $(PROGRAMS)

# TDX initialization cost by memory size (2, 4, 8 GiB guests).
tdx-sizes: deps
	@$(MAKE) --no-print-directory kernel-build KVER=$(VM_KVER)
	tools/tdx-sizes --kernel $(VM_IMAGE) --module-dir $(KBUILD_DIR)/virtlife/modules

bench: deps
	@$(MAKE) --no-print-directory kernel-build KVER=$(VM_KVER)
	@$(MAKE) --no-print-directory -C bench
	VL_BUILD=$(KBUILD_DIR) tools/bench --kernel $(VM_IMAGE) \
		--out $(BUILD)/bench$(if $(filter-out $(DEFAULT_KERNEL),$(KERNEL)),-$(KERNEL))

# The header of this file: every target and variable.
help:
	@sed -n '3,/^[^#]/{/^#/s/^# \{0,1\}//p}' $(firstword $(MAKEFILE_LIST))

clean:
	$(MAKE) -C driver clean
	$(MAKE) -C selftests clean
	$(MAKE) -C selftests/kvm clean
	$(MAKE) -C bench clean
	rm -rf $(BUILD)

.PHONY: help all kernel-build debug-kernel debug-proof coverage mutate soak matrix driver selftests kvm deps run_tests run_vm flake selfcheck checkpatch check check_install check_dkms check_lava modules_install install gen_tar tdx-sizes bench clean
