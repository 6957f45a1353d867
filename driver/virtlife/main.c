// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: reference driver for the hardware-virtualization enable/disable
 * lifecycle.  Module load and unload, parameters.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "observe.h"
#include "virtlife.h"

static bool enable_at_load = true;
module_param(enable_at_load, bool, 0444);
MODULE_PARM_DESC(enable_at_load,
		 "Enable virtualization from load to unload instead of on the first VM (default: 1)");

static char *backend = "sim";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend,
		 "Backend: sim (default), sim-alt, svm (AMD-V: EFER.SVME), vmx (Intel: VMXON)");

/*
 * The fault knobs, armed before anything runs, so that a failure can be
 * injected into the load itself (debugfs does not exist yet then).
 */
static char *fail_compat;
module_param(fail_compat, charp, 0444);
MODULE_PARM_DESC(fail_compat,
		 "Fault injection at load: \"CPULIST COUNT\" compat checks fail");

static char *fail_enable;
module_param(fail_enable, charp, 0444);
MODULE_PARM_DESC(fail_enable,
		 "Fault injection at load: \"CPULIST COUNT\" enables fail");

/* A race window armed at load, for the enable_at_load transition. */
static char *delay;
module_param(delay, charp, 0444);
MODULE_PARM_DESC(delay,
		 "Race window: \"POINT MS\" sleeps MS ms at POINT of every 0->1 transition");

unsigned int virtlife_backstop_wait_ms;
module_param_named(backstop_wait_ms, virtlife_backstop_wait_ms, uint, 0644);
MODULE_PARM_DESC(backstop_wait_ms,
		 "Emergency-disable backstop: ms to wait at shutdown before it reports and disables (default 0, at most 10000)");

static int virtlife_arm_knob(struct virtlife_knob *knob, const char *name,
			     const char *cmd)
{
	char *copy;
	int r;

	if (!cmd)
		return 0;
	copy = kstrdup(cmd, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	r = virtlife_knob_set(knob, copy);
	kfree(copy);
	if (r)
		pr_err("%s=\"%s\": expected \"CPULIST COUNT\" or \"none\"\n",
		       name, cmd);
	return r;
}

/* Whether this module holds the enable_at_load usage reference. */
static bool virtlife_load_ref;

/*
 * The fault-injection parameters (fail_compat, fail_enable, delay) armed
 * before anything runs, so that the load itself can fail where a test
 * asked; a malformed one fails the load and arms nothing.
 */
static int __init virtlife_arm_test_params(void)
{
	char *copy;
	int r;

	r = virtlife_arm_knob(&virtlife_fail_compat, "fail_compat", fail_compat);
	if (!r)
		r = virtlife_arm_knob(&virtlife_fail_enable, "fail_enable",
				      fail_enable);
	/* The delay's default is empty: no delay. */
	if (r || !delay || !*delay)
		return r;

	copy = kstrdup(delay, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	r = virtlife_delay_set(copy);
	kfree(copy);
	if (r)
		pr_err("delay=\"%s\": expected \"POINT MS\" or \"none\"\n",
		       delay);
	return r;
}

static int __init virtlife_init(void)
{
	const struct virtlife_backend *be;
	int r;

	be = virtlife_backend_find(backend);
	if (!be) {
		pr_err("unknown backend '%s'\n", backend);
		return -EINVAL;
	}

	r = virtlife_arm_test_params();
	if (r)
		return r;

	virtlife_vcpu_init();

	/* First, so that every later step is counted and logged. */
	r = virtlife_status_init();
	if (r)
		return r;

	/* Before any CPU can be on: the shutdown hook's path on a kexec. */
	r = virtlife_kexec_init();
	if (r)
		goto err_status;

	r = virtlife_set_backend(be);
	if (r)
		goto err_kexec;

	if (enable_at_load) {
		r = virtlife_enable_virtualization();
		if (r)
			goto err_backend;
		virtlife_load_ref = true;
	}

	/* tdx=1: initialize the TDX module now, with everything else ready. */
	r = virtlife_tdx_init();
	if (r)
		goto err_enable;

	/* Last: exposes /dev/virtlife, so everything must be ready. */
	r = virtlife_vm_dev_init();
	if (r)
		goto err_tdx;
	return 0;

err_tdx:
	virtlife_tdx_exit();
err_enable:
	if (virtlife_load_ref)
		virtlife_disable_virtualization();
	virtlife_load_ref = false;
err_backend:
	virtlife_set_backend(NULL);
err_kexec:
	virtlife_kexec_exit();
err_status:
	virtlife_status_exit();
	return r;
}

static void __exit virtlife_exit(void)
{
	/* No VM can exist here: each VM file pins the module. */
	virtlife_vm_dev_exit();
	virtlife_tdx_exit();
	if (virtlife_load_ref)
		virtlife_disable_virtualization();
	virtlife_set_backend(NULL);
	virtlife_kexec_exit();
	virtlife_status_exit();
}

module_init(virtlife_init);
module_exit(virtlife_exit);

MODULE_DESCRIPTION("virtlife: virtualization enable/disable lifecycle reference driver");
MODULE_LICENSE("GPL");
/* A test module: loading it taints the kernel with TAINT_TEST (N). */
MODULE_INFO(test, "Y");
