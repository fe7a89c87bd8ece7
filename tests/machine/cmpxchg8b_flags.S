/* CMPXCHG8B changes ZF only: CF, PF, AF, SF and OF keep what the instruction before computed
 * (Intel SDM Vol. 2A, CMPXCHG8B, "Flags Affected"). Unicorn 2.1.1 (QEMU 5.0's translator) keeps the
 * flags lazily as (operation, operands) and its CMPXCHG8B helper reads the CPU's operation without
 * the translator writing the pending one back first: after `sub %ebx, %eax` it takes the operation
 * the CPU held before (CC_OP_EFLAGS at a run's start) with the SUB's source as the flags word, here
 * 0xc2243b72, a kernel pointer's shape, so TF comes on and the next instruction traps with #DB (what
 * Debian's Linux 6.1 hit in kmem_cache_alloc). emu/block_timing.cpp works around it
 * (WORKAROUND cmpxchg8b lazy flags). Exits 0 when both compares left the right flags, 2 on a #DB,
 * 3/4 on wrong flags after an unequal/equal compare. */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	SET_GATE 1, debug_trap
	mov $100, %ebp
1:	movl $0, qword
	movl $0, qword+4
	mov $0xc2243b72, %ebx
	mov $0x10000000, %eax
	xor %edx, %edx
	mov $qword, %esi
	xor %ecx, %ecx
	sub %ebx, %eax		/* 0x4ddbc48e: CF AF PF set, ZF SF OF clear */
	cmpxchg8b (%esi)	/* edx:eax != 0: ZF clear, edx:eax <- 0 */
	pushf
	pop %edi
	and $0x9D5, %edi	/* TF OF SF ZF AF PF CF */
	cmp $0x015, %edi
	je 2f
	EXIT 3
2:	mov $0x80000000, %eax
	mov %eax, %ebx
	dec %ebx
	mov %ebx, qword		/* qword = 0:0x7fffffff, edx = 0 */
	mov $0, %ebx
	sub $1, %eax		/* 0x7fffffff: OF AF PF set; CF ZF SF clear */
	cmpxchg8b (%esi)	/* equal: ZF set, qword <- ecx:ebx */
	pushf
	pop %edi
	and $0x9D5, %edi
	cmp $0x854, %edi	/* OF ZF AF PF */
	je 3f
	EXIT 4
3:	dec %ebp
	jnz 1b
	EXIT 0
	hlt
debug_trap:
	EXIT 2
	hlt
	.data
	.align 8
qword:	.long 0, 0
#include "common_data.inc"
