/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtlife's modules in unload order (each uses the symbols of the next;
 * load is the reverse): the library and kmemleak-check both unload them.
 */
#ifndef VL_MODULES_H
#define VL_MODULES_H

static const char *const vl_modules[] = {
	"virtlife", "virtlife_tdx", "virtlife_simhw"
};

#define VL_NR_MODULES (sizeof(vl_modules) / sizeof(vl_modules[0]))

#endif /* VL_MODULES_H */
