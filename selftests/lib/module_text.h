/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the virtlife modules' code was, load after load, so that a report
 * printed after their unload (kmemleak's backtraces: a freed module's
 * addresses print as bare hex) can still be put down to them.
 *
 * On a kernel with kmemleak (/sys/kernel/debug/kmemleak), or with SLUB's
 * allocation tracking (booted with slub_debug=U: /sys/kernel/debug/slab/
 * lists the tracked caches; slab-check reads it), the library
 * appends one line per module just before it unloads it, to
 * $VIRTLIFE_MODULE_TEXT_LOG (default /run/virtlife/module-text):
 *
 *   NAME TEXT_START TEXT_END INIT_START INIT_END CORE_START CORE_END KO_PATH
 *
 * TEXT_* from /sys/module/NAME/sections/.text and the .ko's .text size,
 * INIT_* the same for .init.text (freed after init, its address kept),
 * CORE_* from /proc/modules (the module's core address and size). Without
 * either nothing is written (a host's /run is left alone).
 */
#ifndef VL_MODULE_TEXT_H
#define VL_MODULE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VL_KMEMLEAK_FILE "/sys/kernel/debug/kmemleak"
#define VL_SLAB_DEBUGFS "/sys/kernel/debug/slab"

struct vl_module_text {
	char name[64];
	uint64_t text_start, text_end, init_start, init_end, core_start, core_end;
	char ko[4096];
};

/* The log's path ($VIRTLIFE_MODULE_TEXT_LOG or the default). */
const char *vl_module_text_log(void);

/* Whether SLUB tracks allocations of some cache (slub_debug=U). */
bool vl_slab_tracking(void);
/* Whether the log is kept here: kmemleak, or SLUB's allocation tracking. */
bool vl_module_text_wanted(void);

/* Append module @name (loaded from @ko) to the log; nothing without either. */
void vl_module_text_record(const char *name, const char *ko);

/*
 * The record whose code holds @addr (the latest load first), or NULL; in
 * @sym (when not NULL) "function+0xoff" from the .ko's symbols when the
 * address is in .text or .init.text, else "+0xoff" from the module's core
 * start.
 */
const struct vl_module_text *vl_module_text_find(uint64_t addr, char *sym, size_t len);

/* Read the log; -errno when it cannot be read. */
int vl_module_text_load(void);

/*
 * Record and unload virtlife's modules that are still loaded (users
 * first), so that their frames are read against the log, not against
 * whatever module is loaded at their addresses later; 0 or -errno (said
 * on stdout, after @prog).
 */
int vl_module_text_unload_all(const char *prog);

/*
 * Whether backtrace frame @frame ("fn+0x1/0x2 [mod]", or a bare address
 * once its module is gone) is virtlife's code; its name then in @ours.
 */
bool vl_module_text_owner(const char *frame, char *ours, size_t len);

#endif
