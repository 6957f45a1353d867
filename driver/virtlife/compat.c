// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: the out-of-line part of the compatibility layer (compat.h):
 * 6.19's register_syscore() and unregister_syscore() on a kernel that has
 * register_syscore_ops() only.  Empty on the newer kernels.
 */

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/syscore_ops.h>

#include "compat.h"

#if !VL_HAVE_REGISTER_SYSCORE

/*
 * The registered struct syscore: the kernel's old callbacks get no
 * argument.  Set before the kernel's ops are registered, cleared after
 * they are unregistered, so a callback always finds it.
 */
static struct syscore *vl_syscore;

static int vl_syscore_suspend(void)
{
	struct syscore *syscore = READ_ONCE(vl_syscore);

	return syscore->ops->suspend(syscore->data);
}

static void vl_syscore_resume(void)
{
	struct syscore *syscore = READ_ONCE(vl_syscore);

	syscore->ops->resume(syscore->data);
}

static void vl_syscore_shutdown(void)
{
	struct syscore *syscore = READ_ONCE(vl_syscore);

	syscore->ops->shutdown(syscore->data);
}

/*
 * As the kernel's: no check that @syscore is not registered already (a
 * second registration is the list corruption it is with the kernel's).
 */
void vl_register_syscore(struct syscore *syscore)
{
	const struct syscore_ops *ops = syscore->ops;

	/* One registration at a time: the callbacks find only one. */
	WARN_ON_ONCE(vl_syscore && vl_syscore != syscore);
	syscore->kernel_ops.suspend = ops->suspend ? vl_syscore_suspend : NULL;
	syscore->kernel_ops.resume = ops->resume ? vl_syscore_resume : NULL;
	syscore->kernel_ops.shutdown =
		ops->shutdown ? vl_syscore_shutdown : NULL;
	WRITE_ONCE(vl_syscore, syscore);
	register_syscore_ops(&syscore->kernel_ops);
}

void vl_unregister_syscore(struct syscore *syscore)
{
	unregister_syscore_ops(&syscore->kernel_ops);
	if (vl_syscore == syscore)
		WRITE_ONCE(vl_syscore, NULL);
}

#endif /* !VL_HAVE_REGISTER_SYSCORE */
