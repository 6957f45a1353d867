/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * virtlife: user space interface of /dev/virtlife.
 */
#ifndef _UAPI_VIRTLIFE_H
#define _UAPI_VIRTLIFE_H

#include <linux/ioctl.h>

#define VIRTLIFE_API_VERSION		2

#define VIRTLIFEIO			'V'

/* Returns VIRTLIFE_API_VERSION. */
#define VIRTLIFE_GET_API_VERSION	_IO(VIRTLIFEIO, 0)
/*
 * Takes one usage reference (enabling virtualization on the 0->1
 * transition) and returns a new VM file descriptor that holds it until the
 * descriptor is closed.  The argument is the VM type: a TD initializes the
 * TDX module on demand and holds one TD private KeyID until it is closed.
 */
#define VIRTLIFE_CREATE_VM		_IO(VIRTLIFEIO, 1)

#define VIRTLIFE_VM_TYPE_DEFAULT	0
#define VIRTLIFE_VM_TYPE_TD		1

/*
 * On a VM descriptor: a new vCPU descriptor (API 2), holding the VM.  Its
 * VMCS stays loaded on the CPU it last ran on until it runs elsewhere, is
 * closed, or that CPU turns virtualization off.  -EOPNOTSUPP on a backend
 * without a VMCS model (only the simulated hardware has one).
 */
#define VIRTLIFE_CREATE_VCPU		_IO(VIRTLIFEIO, 2)
/*
 * On a vCPU descriptor: load its VMCS on the calling thread's CPU (after
 * clearing it where it was loaded) and return that CPU's number.
 */
#define VIRTLIFE_RUN			_IO(VIRTLIFEIO, 3)

#endif /* _UAPI_VIRTLIFE_H */
