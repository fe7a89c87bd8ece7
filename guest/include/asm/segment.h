/* asm-i386/segment.h: the GDT layout. The selector values themselves live in abi.h (the host reads them
 * too): entry 12 __KERNEL_CS 0x60, 13 __KERNEL_DS 0x68, 14 __USER_CS 0x73, 15 __USER_DS 0x7B,
 * 16 TSS 0x80, 17 LDT 0x88; entries 0-11 and 18-31 are unused here (TLS, APM, PnP BIOS in Linux). */
#ifndef _ASM_SEGMENT_H
#define _ASM_SEGMENT_H

#include <abi.h>

#define GDT_ENTRIES		32
#define GDT_SIZE		(GDT_ENTRIES * 8)
#define GDT_ENTRY_KERNEL_CS	12
#define GDT_ENTRY_KERNEL_DS	13
#define GDT_ENTRY_DEFAULT_USER_CS 14
#define GDT_ENTRY_DEFAULT_USER_DS 15
#define GDT_ENTRY_LDT		17

#endif
