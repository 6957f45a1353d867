// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: the shutdown hook on a kexec.
 *
 * kernel_kexec() calls syscore_shutdown() only since 6.7 (7bb943806ff6
 * "kexec: do syscore_shutdown() in kernel_kexec"; 6.1's does not): before,
 * KVM turned virtualization off from a reboot notifier, and its move to
 * syscore ops (6735150b6997) left VMX on across a kexec until that fix.
 * The notifier runs before system_state is set, so it is the wrong hook
 * (L11).  device_shutdown() runs after it on every kernel, before the
 * other CPUs are stopped: on a kexec the shutdown hook runs from a
 * device's shutdown callback, and the syscore shutdown that follows on
 * 6.7+ finds it done.  The notifier only tells a kexec from a reboot.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/notifier.h>
#include <linux/platform_device.h>
#include <linux/reboot.h>
#include <linux/string.h>

#include "virtlife.h"

/* kernel_kexec() passes this to kernel_restart_prepare(). */
#define VIRTLIFE_KEXEC_CMD	"kexec reboot"

static bool virtlife_kexec_in_progress;

static int virtlife_kexec_reboot_notify(struct notifier_block *nb,
					unsigned long code, void *cmd)
{
	if (code == SYS_RESTART && cmd && !strcmp(cmd, VIRTLIFE_KEXEC_CMD))
		WRITE_ONCE(virtlife_kexec_in_progress, true);
	return NOTIFY_DONE;
}

static struct notifier_block virtlife_kexec_nb = {
	.notifier_call = virtlife_kexec_reboot_notify,
};

static void virtlife_kexec_device_shutdown(struct platform_device *pdev)
{
	if (READ_ONCE(virtlife_kexec_in_progress))
		virtlife_shutdown_for_kexec();
}

static struct platform_driver virtlife_kexec_driver = {
	.shutdown = virtlife_kexec_device_shutdown,
	.driver = {
		.name = "virtlife_kexec",
	},
};

static struct platform_device *virtlife_kexec_pdev;

int virtlife_kexec_init(void)
{
	int r;

	r = register_reboot_notifier(&virtlife_kexec_nb);
	if (r)
		return r;
	r = platform_driver_register(&virtlife_kexec_driver);
	if (r)
		goto err_notifier;
	virtlife_kexec_pdev = platform_device_register_simple("virtlife_kexec",
							      PLATFORM_DEVID_NONE,
							      NULL, 0);
	if (IS_ERR(virtlife_kexec_pdev)) {
		r = PTR_ERR(virtlife_kexec_pdev);
		goto err_driver;
	}
	return 0;

err_driver:
	platform_driver_unregister(&virtlife_kexec_driver);
err_notifier:
	unregister_reboot_notifier(&virtlife_kexec_nb);
	return r;
}

void virtlife_kexec_exit(void)
{
	platform_device_unregister(virtlife_kexec_pdev);
	platform_driver_unregister(&virtlife_kexec_driver);
	unregister_reboot_notifier(&virtlife_kexec_nb);
}
