// SPDX-License-Identifier: GPL-2.0
/*
 * virtlife_tdx: debugfs /sys/kernel/debug/virtlife_tdx/ (the host core's
 * own view: state, PAMTs, TDMRs, memory list, KeyIDs) and the fail_step
 * knob.  Formats are those of docs/tdx.md.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/nodemask.h>
#include <linux/pfn.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "tdx_core.h"

static struct dentry *tdx_debugfs_dir;

/* ---- read-only views ---------------------------------------------------- */

static const char * const tdx_status_names[] = {
	[VIRTLIFE_TDX_UNINITIALIZED]	= "uninitialized",
	[VIRTLIFE_TDX_INITIALIZED]	= "initialized",
	[VIRTLIFE_TDX_ERROR]		= "error",
};

static int tdx_state_show(struct seq_file *m, void *unused)
{
	cpumask_var_t lp;
	unsigned int cpu;
	int sysinit;

	if (!zalloc_cpumask_var(&lp, GFP_KERNEL))
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		if (tdx_cpu_lp_initialized(cpu))
			cpumask_set_cpu(cpu, lp);
	}

	mutex_lock(&tdx_module_lock);
	seq_printf(m, "status=%s\n", tdx_status_names[tdx_module_status]);
	seq_printf(m, "error=%d\n",
		   tdx_module_status == VIRTLIFE_TDX_ERROR ? tdx_module_error : 0);
	if (tdx_sys_init_result(&sysinit))
		seq_printf(m, "sys_init=%d\n", sysinit);
	else
		seq_puts(m, "sys_init=none\n");
	seq_printf(m, "lp_initialized=%*pbl\n", cpumask_pr_args(lp));
	seq_printf(m, "init_time_us=%llu\n", tdx_init_time_us);
	seq_printf(m, "pamt_bytes=%llu\n", tdx_pamt_bytes(&tdx_tdmr_list, -1));
	seq_printf(m, "tdmrs=%d\n", tdx_tdmr_list.nr_tdmrs);
	seq_printf(m, "updates=%llu\n", tdx_updates);
	/* T10: what the host core decided at load. */
	seq_printf(m, "platform=%d\n", tdx_platform);
	seq_printf(m, "off_for_hibernation=%d\n", tdx_off_for_hibernation);
	seq_printf(m, "s3_disabled=%d\n", tdx_s3_disabled);
	/* As TDH.SYS.RD gave it (0.0.0 until the first request reads it). */
	seq_printf(m, "version=%u.%u.%u\n", tdx_sysinfo.major,
		   tdx_sysinfo.minor, tdx_sysinfo.update);
	mutex_unlock(&tdx_module_lock);

	free_cpumask_var(lp);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tdx_state);

static int tdx_pamt_show(struct seq_file *m, void *unused)
{
	int nid;

	mutex_lock(&tdx_module_lock);
	for_each_online_node(nid)
		seq_printf(m, "node=%d bytes=%llu allocated=%lld\n", nid,
			   tdx_pamt_bytes(&tdx_tdmr_list, nid),
			   tdx_pamt_allocated(nid));
	mutex_unlock(&tdx_module_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tdx_pamt);

static int tdx_tdmrs_show(struct seq_file *m, void *unused)
{
	const struct tdx_tdmr_list *list = &tdx_tdmr_list;
	int i;

	mutex_lock(&tdx_module_lock);
	for (i = 0; i < list->nr_tdmrs; i++) {
		const struct tdmr_info *t = tdx_tdmr_entry(list, i);

		seq_printf(m, "tdmr=%d base=0x%llx size=0x%llx nid=%d pamt_4k=0x%llx/0x%llx pamt_2m=0x%llx/0x%llx pamt_1g=0x%llx/0x%llx reserved=%d\n",
			   i, t->base, t->size, list->nid[i],
			   t->pamt_4k_base, t->pamt_4k_size,
			   t->pamt_2m_base, t->pamt_2m_size,
			   t->pamt_1g_base, t->pamt_1g_size,
			   tdx_tdmr_nr_reserved(list, i,
						tdx_sysinfo.max_reserved_per_tdmr));
	}
	mutex_unlock(&tdx_module_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tdx_tdmrs);

static int tdx_memlist_show(struct seq_file *m, void *unused)
{
	struct tdx_memblock *tmb;

	mutex_lock(&tdx_mem_lock);
	list_for_each_entry(tmb, &tdx_memlist, list)
		seq_printf(m, "start=0x%llx end=0x%llx nid=%d\n",
			   PFN_PHYS(tmb->start_pfn), PFN_PHYS(tmb->end_pfn),
			   tmb->nid);
	mutex_unlock(&tdx_mem_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tdx_memlist);

static int tdx_keyids_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "global_keyid=%u first=%u nr=%u guest_in_use=%d\n",
		   tdx_global_keyid, tdx_keyid_first, tdx_nr_keyids,
		   atomic_read(&tdx_guest_keyids_in_use));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tdx_keyids);

/* ---- fail_step ------------------------------------------------------------ */

static const char * const tdx_step_names[TDX_STEP_NR] = {
	[TDX_STEP_NONE]		= "none",
	[TDX_STEP_MEMLIST]	= "memlist",
	[TDX_STEP_TDMRS]	= "tdmrs",
	[TDX_STEP_PAMT]		= "pamt",
	[TDX_STEP_RESERVED]	= "reserved",
	[TDX_STEP_FLUSH]	= "flush",
};

static DEFINE_SPINLOCK(tdx_fail_lock);
static enum tdx_step tdx_fail_step;
static int tdx_fail_err;

enum tdx_step tdx_fail_step_take(int *err)
{
	enum tdx_step step;

	spin_lock(&tdx_fail_lock);
	step = tdx_fail_step;
	*err = tdx_fail_err;
	tdx_fail_step = TDX_STEP_NONE;
	spin_unlock(&tdx_fail_lock);
	return step;
}

const char *tdx_step_name(enum tdx_step step)
{
	return tdx_step_names[step];
}

/* A negative errno in decimal, nothing else: "-12". */
static int tdx_parse_errno(const char *s, int *err)
{
	if (s[0] != '-' || !isdigit(s[1]) || !isdigit(s[strlen(s) - 1]) ||
	    kstrtoint(s, 10, err) || *err >= 0 || *err < -MAX_ERRNO)
		return -EINVAL;
	return 0;
}

/* "none", "STEP" or "STEP ERRNO". */
static int tdx_fail_step_parse(char *buf, enum tdx_step *step, int *err)
{
	char *err_str = strchr(buf, ' ');
	int i;

	*err = -ENOMEM;
	if (err_str) {
		*err_str++ = '\0';
		if (tdx_parse_errno(err_str, err))
			return -EINVAL;
	}
	i = match_string(tdx_step_names, TDX_STEP_NR, buf);
	if (i < 0 || (i == TDX_STEP_NONE && err_str))
		return -EINVAL;
	*step = i;
	return 0;
}

static int tdx_fail_step_show(struct seq_file *m, void *unused)
{
	enum tdx_step step;
	int err;

	spin_lock(&tdx_fail_lock);
	step = tdx_fail_step;
	err = tdx_fail_err;
	spin_unlock(&tdx_fail_lock);

	if (step == TDX_STEP_NONE)
		seq_puts(m, "none\n");
	else
		seq_printf(m, "%s %d\n", tdx_step_names[step], err);
	return 0;
}

#define TDX_CMD_MAX	64

static ssize_t tdx_fail_step_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	char buf[TDX_CMD_MAX];
	enum tdx_step step;
	size_t n = len;
	int err;

	/* One whole command per write(); one trailing newline is dropped. */
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n == 0 || strlen(buf) != n || strpbrk(buf, "\n\t\r\v\f"))
		return -EINVAL;

	if (tdx_fail_step_parse(buf, &step, &err))
		return -EINVAL;

	spin_lock(&tdx_fail_lock);
	tdx_fail_step = step;
	tdx_fail_err = err;
	spin_unlock(&tdx_fail_lock);
	return len;
}

static int tdx_fail_step_open(struct inode *inode, struct file *file)
{
	return single_open(file, tdx_fail_step_show, NULL);
}

static const struct file_operations tdx_fail_step_fops = {
	.owner = THIS_MODULE,
	.open = tdx_fail_step_open,
	.read = seq_read,
	.write = tdx_fail_step_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* ---- debugfs ------------------------------------------------------------- */

void tdx_observe_init(void)
{
	struct dentry *d = debugfs_create_dir("virtlife_tdx", NULL);

	tdx_debugfs_dir = d;
	debugfs_create_file("state", 0400, d, NULL, &tdx_state_fops);
	debugfs_create_file("pamt", 0400, d, NULL, &tdx_pamt_fops);
	debugfs_create_file("tdmrs", 0400, d, NULL, &tdx_tdmrs_fops);
	debugfs_create_file("memlist", 0400, d, NULL, &tdx_memlist_fops);
	debugfs_create_file("keyids", 0400, d, NULL, &tdx_keyids_fops);
	debugfs_create_file("fail_step", 0600, d, NULL, &tdx_fail_step_fops);
}

void tdx_observe_exit(void)
{
	debugfs_remove(tdx_debugfs_dir);
	tdx_debugfs_dir = NULL;
}
