/* Ring 3 -> int $0x80 through a DPL-3 trap gate, 1000 times. The handler checks the 5-word frame sits at
 * TSS.esp0 - 20 and holds the user EIP/CS/EFLAGS/ESP/SS (Intel SDM vol. 3A 6.12.1, figure 6-4), then
 * irets back to ring 3, where the user code checks its registers survived. Exit 0 = all good; 10+n names
 * the failed check. */
#include "common.inc"
#include "print.inc"
#define UCODE 0x1B
#define UDATA 0x23
	.text
	.globl _start
_start:
	SETUP
	RING3_SETUP kstack_top
	/* int 0x80: trap gate (type 0xF), DPL 3 */
	SET_GATE 0x80, system_call
	movw $0xEF00, idt + 0x80 * 8 + 4
	/* iret to ring 3 */
	push $UDATA
	push $ustack_top
	push $0x202
	push $UCODE
	push $user_main
	iret

	.globl system_call
system_call:
	/* At entry ESP must be TSS.esp0 - 20 with the user frame above it. */
	cmp $kstack_top - 20, %esp
	jne 1f
	cmp $0xFFFF, %eax
	je done
	cmpl $after_int, (%esp)
	jne 2f
	cmpl $UCODE, 4(%esp)
	jne 3f
	testl $0x200, 8(%esp)
	jz 4f
	cmpl $ustack_top, 12(%esp)
	jne 5f
	cmpl $UDATA, 16(%esp)
	jne 6f
	incl calls
	iret
1:	EXIT 11
2:	EXIT 12
3:	EXIT 13
4:	EXIT 14
5:	EXIT 15
6:	EXIT 16
done:
	cmpl $1000, calls
	jne 7f
	PRINT msg
	EXIT 0
7:	EXIT 17
	hlt

	.globl user_main
user_main:
	xor %edi, %edi
user_loop:
	mov %edi, %eax
	mov $0x11111111, %ebx
	mov $0x22222222, %ecx
	mov $0x33333333, %edx
	mov $0x44444444, %esi
	mov $0x55555555, %ebp
	.globl user_int
user_int:
	int $0x80
	.globl after_int
after_int:
	cmp %edi, %eax
	jne bad
	cmp $0x11111111, %ebx
	jne bad
	cmp $0x22222222, %ecx
	jne bad
	cmp $0x33333333, %edx
	jne bad
	cmp $0x44444444, %esi
	jne bad
	cmp $0x55555555, %ebp
	jne bad
	inc %edi
	cmp $1000, %edi
	jne user_loop
	mov $0xFFFF, %eax
	int $0x80
bad:
	mov $0xBAD, %eax   /* not 0xFFFF: the handler sees fewer calls and exits 17 */
	mov $0xFFFF, %eax
	int $0x80

	.data
msg:	.asciz "syscall_ring3: 1000 round trips, frame at esp0-20 ok\n"
	.align 4
calls:	.long 0
	RING3_GDT
	.bss
	.align 16
	.space 4096
kstack_top:
	.space 4096
ustack_top:
#include "common_data.inc"
