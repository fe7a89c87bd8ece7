/* asm-i386/desc.h: GDT/IDT descriptors. */
#ifndef _ASM_DESC_H
#define _ASM_DESC_H

#include <linux/types.h>
#include <asm/segment.h>

struct desc_struct {
	unsigned long a, b;
};

struct Xgt_desc_struct {
	unsigned short size;
	unsigned long address __attribute__((packed));
	unsigned short pad;
} __attribute__((packed));

extern struct desc_struct cpu_gdt_table[GDT_ENTRIES];	/* head.S */
extern struct desc_struct idt_table[256];		/* traps.c */

/* Gate types (Intel SDM vol. 3, 6.11): 14 interrupt gate (IF cleared), 15 trap gate. */
#define GATE_INTERRUPT	14
#define GATE_TRAP	15

void set_intr_gate(unsigned int n, void *addr);
void set_trap_gate(unsigned int n, void *addr);
void set_system_gate(unsigned int n, void *addr);
void set_tss_desc(unsigned int entry, void *addr, unsigned int limit);

#endif
