// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: /dev/virtlife and VM file descriptors.  A VM is nothing but a
 * usage reference: taken by VIRTLIFE_CREATE_VM, dropped when its file is
 * released.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "uapi/virtlife.h"
#include "virtlife.h"

static int virtlife_vm_release(struct inode *inode, struct file *file)
{
	virtlife_disable_virtualization();
	virtlife_count(VL_CNT_VMS_DESTROYED);
	return 0;
}

/* .owner pins the module while any VM file exists. */
static const struct file_operations virtlife_vm_fops = {
	.owner = THIS_MODULE,
	.release = virtlife_vm_release,
	.llseek = noop_llseek,
};

static int virtlife_create_vm(void)
{
	int fd, r;

	r = virtlife_enable_virtualization();
	if (r)
		return r;

	fd = anon_inode_getfd("virtlife-vm", &virtlife_vm_fops, NULL,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		virtlife_disable_virtualization();
		return fd;
	}
	virtlife_count(VL_CNT_VMS_CREATED);
	return fd;
}

static long virtlife_dev_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	switch (cmd) {
	case VIRTLIFE_GET_API_VERSION:
		return VIRTLIFE_API_VERSION;
	case VIRTLIFE_CREATE_VM:
		return virtlife_create_vm();
	default:
		return -ENOTTY;
	}
}

static const struct file_operations virtlife_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = virtlife_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice virtlife_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "virtlife",
	.fops = &virtlife_dev_fops,
	.mode = 0600,
};

int virtlife_vm_dev_init(void)
{
	return misc_register(&virtlife_dev);
}

void virtlife_vm_dev_exit(void)
{
	misc_deregister(&virtlife_dev);
}
