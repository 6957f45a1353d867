// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife: /dev/virtlife and VM file descriptors.  A VM is a usage
 * reference: taken by VIRTLIFE_CREATE_VM, dropped when its file is
 * released (after its vCPUs', which hold it).  A TD also holds a TD
 * private KeyID.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "uapi/virtlife.h"
#include "observe.h"
#include "virtlife.h"
#include "virtlife_tdx.h"

/* A VM's private data: its TD KeyID, or 0 for a normal VM. */
#define VIRTLIFE_VM_KEYID(file)	((unsigned long)(file)->private_data)

static int virtlife_vm_release(struct inode *inode, struct file *file)
{
	if (VIRTLIFE_VM_KEYID(file))
		virtlife_tdx_guest_keyid_free(VIRTLIFE_VM_KEYID(file));
	virtlife_disable_virtualization();
	virtlife_count(VL_CNT_VMS_DESTROYED);
	return 0;
}

static long virtlife_vm_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	if (cmd != VIRTLIFE_CREATE_VCPU)
		return -ENOTTY;
	return virtlife_create_vcpu(file);
}

/* .owner pins the module while any VM file exists. */
static const struct file_operations virtlife_vm_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = virtlife_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = virtlife_vm_release,
	.llseek = noop_llseek,
};

/* A TD's KeyID, with the TDX module initialized first if it is not yet. */
static int virtlife_td_keyid(void)
{
	int r = virtlife_tdx_request();

	return r ? r : virtlife_tdx_guest_keyid_alloc();
}

static int virtlife_create_vm(unsigned long type)
{
	unsigned long keyid = 0;
	int fd, r;

	if (type != VIRTLIFE_VM_TYPE_DEFAULT && type != VIRTLIFE_VM_TYPE_TD)
		return -EINVAL;

	r = virtlife_enable_virtualization();
	if (r)
		return r;

	if (type == VIRTLIFE_VM_TYPE_TD) {
		r = virtlife_td_keyid();
		if (r < 0)
			goto err_enable;
		keyid = r;
	}

	fd = anon_inode_getfd("virtlife-vm", &virtlife_vm_fops, (void *)keyid,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto err_keyid;
	}
	virtlife_count(VL_CNT_VMS_CREATED);
	return fd;

err_keyid:
	if (keyid)
		virtlife_tdx_guest_keyid_free(keyid);
err_enable:
	virtlife_disable_virtualization();
	return r;
}

static long virtlife_dev_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	switch (cmd) {
	case VIRTLIFE_GET_API_VERSION:
		return VIRTLIFE_API_VERSION;
	case VIRTLIFE_CREATE_VM:
		return virtlife_create_vm(arg);
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
