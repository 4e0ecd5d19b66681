// SPDX-License-Identifier: GPL-2.0
/*
 * Reproducer, found by grant_fuzz (2026-12-04): gntdev accepts an
 * IOCTL_GNTDEV_SET_UNMAP_NOTIFY with UNMAP_NOTIFY_CLEAR_BYTE before the
 * map's first mmap, as its flags are not known yet; a read-only mmap then
 * maps the grants read-only, the kernel side included, and the clear at
 * munmap (__unmap_grant_pages()) is a supervisor write to a read-only
 * page: Oops in gntdev_invalidate() <- munmap, seen on the series (the
 * base has the same code).  Not built by the harness; to run it in a
 * test dom0:
 *   gcc -O2 -I build/src/dom0/tools/testing/selftests/xen \
 *       -isystem build/selftests-headers/include -o notify_clear_byte_ro \
 *       tests/repro/notify_clear_byte_ro.c \
 *       build/src/dom0/tools/testing/selftests/xen/xen_util.c
 */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "xen_util.h"

int main(void)
{
	struct xen_gref_pages g;
	struct ioctl_gntdev_unmap_notify n = { .action = UNMAP_NOTIFY_CLEAR_BYTE };
	uint64_t index;
	unsigned char *p;
	int fd;

	printf("TAP version 13\n1..1\n");
	if (xen_gref_share(&g, 1)) { perror("share"); return 1; }
	fill_pattern(g.data, XEN_PAGE_SIZE, 3);
	printf("# byte 100 before: %#x\n", g.data[100]);
	fd = gntdev_open();
	if (gntdev_map_refs(fd, 0, g.refs, 1, &index)) { perror("map"); return 1; }
	n.index = index + 100;
	printf("# notify before mmap: %d (%m)\n", ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &n));
	p = mmap(NULL, XEN_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, index);
	if (p == MAP_FAILED) { perror("mmap ro"); return 1; }
	printf("# mapped read-only, byte 100 reads %#x; notify now: %d (%m)\n", p[100],
	       ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &n));
	fflush(stdout);
	munmap(p, XEN_PAGE_SIZE);
	printf("# munmap done, byte 100 now %#x\n", g.data[100]);
	gntdev_unmap_refs(fd, index, 1);
	close(fd);
	xen_gref_release(&g);
	printf("ok 1 notify_ro survived\n");
	return 0;
}
