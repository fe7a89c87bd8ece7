/*
 * A mapping inside guest RAM that is not the identity: linear page IN_RAM (3 MiB) mapped to frame
 * FRAME (2 MiB), with Unicorn 2.1.1 translating (emu/paging.hpp). The guest checks it sees FRAME's
 * data and runs FRAME's code at IN_RAM, not what lies at physical IN_RAM; that a write through
 * IN_RAM lands in FRAME; and that rewriting the code through the frame's second mapping (its
 * identity one) drops the translation made at IN_RAM, so the next call runs the new code.
 * Exit 0 when all hold, 20+n for the check n that failed.
 */
#include "common.inc"
	.set IN_RAM, 0x300000
	.set FRAME, 0x200000

	.text
	.globl _start
_start:
	SETUP
	IDENTITY_PT pt_id
	/* What physical IN_RAM holds: code returning 0xdead and a data word 0x1111. */
	movl $0x00deadb8, IN_RAM	/* b8 ad de 00 | 00 c3: mov $0xdead, %eax; ret */
	movw $0xc300, IN_RAM + 4
	movl $0x1111, IN_RAM + 0x800
	/* What FRAME holds: code returning 0xa and a data word 0x2222. */
	movl $0x00000ab8, FRAME
	movw $0xc300, FRAME + 4
	movl $0x2222, FRAME + 0x800
	movl $FRAME + 3, pt_id + (IN_RAM >> 12) * 4
	mov $pt_id + 3, %eax
	mov %eax, pd
	mov $pd, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000000, %eax
	.globl enable_paging
enable_paging:
	mov %eax, %cr0
	jmp 2f
2:	mov IN_RAM + 0x800, %eax
	EXPECT %eax, 0x2222, 21
	call IN_RAM
	EXPECT %eax, 0xa, 22
	movl $0x3333, IN_RAM + 0x900	/* lands in FRAME, not at physical IN_RAM */
	mov FRAME + 0x900, %eax
	EXPECT %eax, 0x3333, 23
	/* Physical IN_RAM, seen nowhere now, is unchanged: map it back for a look. */
	movl $IN_RAM + 3, pt_id + (IN_RAM >> 12) * 4
	invlpg IN_RAM
	mov IN_RAM + 0x900, %eax
	EXPECT %eax, 0, 24
	mov IN_RAM + 0x800, %eax
	EXPECT %eax, 0x1111, 25
	movl $FRAME + 3, pt_id + (IN_RAM >> 12) * 4
	invlpg IN_RAM
	/* Self-modifying code through the frame's other mapping. */
	call IN_RAM
	EXPECT %eax, 0xa, 26
	movl $0x00000bb8, FRAME		/* mov $0xb, %eax */
	call IN_RAM
	EXPECT %eax, 0xb, 27
	EXIT 0
	hlt

	.bss
	.align 4096
pd:	.space 4096
pt_id:	.space 4096
#include "common_data.inc"
