// SPDX-License-Identifier: GPL-2.0
/* Where the virtlife modules' code was, load after load; see module_text.h. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "module_text.h"
#include "vl_modules.h"

#define VL_MODULE_TEXT_DEFAULT "/run/virtlife/module-text"

const char *vl_module_text_log(void)
{
	const char *env = getenv("VIRTLIFE_MODULE_TEXT_LOG");

	return env && *env ? env : VL_MODULE_TEXT_DEFAULT;
}

/* A mapped .ko and its section headers; false when it is not a 64-bit ELF. */
struct ko_elf {
	void *map;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
};

static bool ko_open(const char *path, struct ko_elf *ko)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	memset(ko, 0, sizeof(*ko));
	if (fd < 0)
		return false;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return false;
	}
	ko->map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (ko->map == MAP_FAILED) {
		ko->map = NULL;
		return false;
	}
	ko->size = st.st_size;
	ko->eh = ko->map;
	if (memcmp(ko->eh->e_ident, ELFMAG, SELFMAG) || ko->eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    ko->eh->e_shoff + (uint64_t)ko->eh->e_shnum * sizeof(Elf64_Shdr) > ko->size ||
	    ko->eh->e_shstrndx >= ko->eh->e_shnum) {
		munmap(ko->map, ko->size);
		ko->map = NULL;
		return false;
	}
	ko->sh = (const Elf64_Shdr *)((const char *)ko->map + ko->eh->e_shoff);
	return true;
}

static void ko_close(struct ko_elf *ko)
{
	if (ko->map)
		munmap(ko->map, ko->size);
	ko->map = NULL;
}

static const char *ko_str(const struct ko_elf *ko, unsigned int sec, uint32_t off)
{
	const Elf64_Shdr *s = &ko->sh[sec];

	if (s->sh_offset + off >= ko->size || off >= s->sh_size)
		return "";
	return (const char *)ko->map + s->sh_offset + off;
}

/* The index of section @name, or -1. */
static int ko_section(const struct ko_elf *ko, const char *name)
{
	int i;

	for (i = 0; i < ko->eh->e_shnum; i++)
		if (!strcmp(ko_str(ko, ko->eh->e_shstrndx, ko->sh[i].sh_name), name))
			return i;
	return -1;
}

static uint64_t read_hex_file(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llx", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

bool vl_slab_tracking(void)
{
	struct dirent *e;
	bool any = false;
	DIR *d = opendir(VL_SLAB_DEBUGFS);

	if (!d)
		return false;
	while (!any && (e = readdir(d)))
		any = e->d_name[0] != '.';
	closedir(d);
	return any;
}

bool vl_module_text_wanted(void)
{
	return !access(VL_KMEMLEAK_FILE, F_OK) || vl_slab_tracking();
}

void vl_module_text_record(const char *name, const char *ko_path)
{
	char path[256], line[512], mod[64], *slash;
	unsigned long long size = 0, core = 0, text, init, text_size = 0, init_size = 0;
	struct ko_elf ko;
	const char *log = vl_module_text_log();
	FILE *f;
	int sec;

	if (!vl_module_text_wanted())
		return;
	snprintf(path, sizeof(path), "/sys/module/%s/sections/.text", name);
	text = read_hex_file(path);
	/* Freed after the init function ran, but where it ran is still listed. */
	snprintf(path, sizeof(path), "/sys/module/%s/sections/.init.text", name);
	init = read_hex_file(path);
	f = fopen("/proc/modules", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%63s %llu %*s %*s %*s %llx", mod, &size, &core) == 3 &&
			    !strcmp(mod, name))
				break;
			else
				size = core = 0;
		fclose(f);
	}
	if (ko_open(ko_path, &ko)) {
		sec = ko_section(&ko, ".text");
		if (sec >= 0)
			text_size = ko.sh[sec].sh_size;
		sec = ko_section(&ko, ".init.text");
		if (sec >= 0)
			init_size = ko.sh[sec].sh_size;
		ko_close(&ko);
	}
	snprintf(path, sizeof(path), "%s", log);
	slash = strrchr(path, '/');
	if (slash && slash != path) {
		*slash = 0;
		mkdir(path, 0755);
	}
	f = fopen(log, "a");
	if (!f)
		return;
	fprintf(f, "%s 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx %s\n", name, text,
		text + text_size, init, init ? init + init_size : 0, core, core + size, ko_path);
	fclose(f);
}

static struct vl_module_text *records;
static size_t nr_records;

int vl_module_text_load(void)
{
	char line[4400];
	struct vl_module_text r, *n;
	unsigned long long a, b, c, d, e, g;
	FILE *f = fopen(vl_module_text_log(), "r");

	free(records);
	records = NULL;
	nr_records = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		memset(&r, 0, sizeof(r));
		if (sscanf(line, "%63s %llx %llx %llx %llx %llx %llx %4095s", r.name, &a, &b, &e, &g,
			   &c, &d, r.ko) != 8)
			continue;
		r.text_start = a, r.text_end = b, r.init_start = e, r.init_end = g;
		r.core_start = c, r.core_end = d;
		n = realloc(records, (nr_records + 1) * sizeof(*records));
		if (!n)
			break;
		records = n;
		records[nr_records++] = r;
	}
	fclose(f);
	return 0;
}

/* "function+0xoff" for offset @off into section @secname of @ko_path. */
static bool ko_symbol(const char *ko_path, const char *secname, uint64_t off, char *sym,
		      size_t len)
{
	const Elf64_Sym *best = NULL, *s;
	struct ko_elf ko;
	int text, symtab, i;
	size_t n;

	if (!ko_open(ko_path, &ko))
		return false;
	text = ko_section(&ko, secname);
	symtab = ko_section(&ko, ".symtab");
	if (text < 0 || symtab < 0 || ko.sh[symtab].sh_offset + ko.sh[symtab].sh_size > ko.size) {
		ko_close(&ko);
		return false;
	}
	s = (const Elf64_Sym *)((const char *)ko.map + ko.sh[symtab].sh_offset);
	n = ko.sh[symtab].sh_size / sizeof(*s);
	for (i = 0; i < (int)n; i++)
		if (s[i].st_shndx == text && ELF64_ST_TYPE(s[i].st_info) == STT_FUNC &&
		    s[i].st_value <= off && (!best || s[i].st_value > best->st_value))
			best = &s[i];
	if (best)
		snprintf(sym, len, "%s+0x%llx", ko_str(&ko, ko.sh[symtab].sh_link, best->st_name),
			 (unsigned long long)(off - best->st_value));
	ko_close(&ko);
	return best != NULL;
}

const struct vl_module_text *vl_module_text_find(uint64_t addr, char *sym, size_t len)
{
	const struct vl_module_text *r;
	size_t i;

	for (i = nr_records; i-- > 0;) {
		r = &records[i];
		if (r->text_start && addr >= r->text_start && addr < r->text_end) {
			if (sym && !ko_symbol(r->ko, ".text", addr - r->text_start, sym, len))
				snprintf(sym, len, ".text+0x%llx",
					 (unsigned long long)(addr - r->text_start));
			return r;
		}
		if (r->init_start && addr >= r->init_start && addr < r->init_end) {
			if (sym && !ko_symbol(r->ko, ".init.text", addr - r->init_start, sym, len))
				snprintf(sym, len, ".init.text+0x%llx",
					 (unsigned long long)(addr - r->init_start));
			return r;
		}
		if (r->core_start && addr >= r->core_start && addr < r->core_end) {
			if (sym)
				snprintf(sym, len, "+0x%llx", (unsigned long long)(addr - r->core_start));
			return r;
		}
	}
	return NULL;
}

/* The .ko of loaded module @name: $VIRTLIFE_MODULE_DIR's, else modinfo -n's. */
static void module_ko(const char *name, char *path, size_t len)
{
	const char *dir = getenv("VIRTLIFE_MODULE_DIR");
	char cmd[128];
	FILE *p;

	path[0] = 0;
	if (dir && *dir) {
		snprintf(path, len, "%s/%s.ko", dir, name);
		return;
	}
	snprintf(cmd, sizeof(cmd), "modinfo -n %s 2>/dev/null", name);
	p = popen(cmd, "r");
	if (!p)
		return;
	if (!fgets(path, len, p))
		path[0] = 0;
	path[strcspn(path, "\n")] = 0;
	pclose(p);
}

int vl_module_text_unload_all(const char *prog)
{
	char sys[128], ko[4096];
	size_t i;

	for (i = 0; i < VL_NR_MODULES; i++) {
		snprintf(sys, sizeof(sys), "/sys/module/%s", vl_modules[i]);
		if (access(sys, F_OK))
			continue;
		module_ko(vl_modules[i], ko, sizeof(ko));
		vl_module_text_record(vl_modules[i], ko);
		if (syscall(SYS_delete_module, vl_modules[i], O_NONBLOCK)) {
			int err = -errno;

			printf("%s: cannot unload %s: %s\n", prog, vl_modules[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

bool vl_module_text_owner(const char *frame, char *ours, size_t len)
{
	const struct vl_module_text *r;
	unsigned long long addr;
	char sym[256];
	const char *mod = strstr(frame, " [virtlife");

	if (mod) {
		snprintf(ours, len, "%.*s%s", (int)(mod - frame), frame, mod);
		return true;
	}
	if (sscanf(frame, "0x%llx", &addr) == 1) {
		r = vl_module_text_find(addr, sym, sizeof(sym));
		if (r) {
			snprintf(ours, len, "%.160s [%.60s, unloaded since]", sym, r->name);
			return true;
		}
	}
	return false;
}
