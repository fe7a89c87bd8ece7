/* tests/conformance/boot.S: start-up and trap capture for the conformance kernels (conformance.h).
 *
 * Multiboot entry, a GDT with ring-0 and ring-3 flat segments and a 32-bit TSS, an IDT whose 256
 * interrupt gates point at one stub each, and the try/trap pair the checks are written with:
 * try_call(fn) runs fn and returns 0 when it returns, or 1 when any vector arrived while it ran; the
 * trap stub then records the vector, the six words at the stack pointer (error code or not: the
 * check decides), the stack pointer itself, DR6 and CR2, and resumes at try_call's return on
 * try_call's own stack (ring 0, DS/ES reloaded). A vector with no try_call active prints one FAIL
 * line and exits.
 *
 * Selectors (Intel SDM vol. 3A 3.4.2): 0x08 ring-0 code, 0x10 ring-0 data, 0x1B ring-3 code, 0x23
 * ring-3 data, 0x28 the TSS (base patched at start, limit set by tss_set_limit), 0x30 a ring-0 code
 * segment marked not present, 0x38 a ring-0 data segment (not code), 0x40 a ring-0 data segment
 * marked not present. */
	.section .multiboot, "a"
	.align 4
	.long 0x1BADB002
	.long 0x00000000
	.long -0x1BADB002

	.text
	.globl _start
_start:
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $kernel_stack_top, %esp
	/* The TSS descriptor's base (SDM vol. 3A figure 7-3). */
	mov $tss, %eax
	mov %ax, gdt + 0x28 + 2
	shr $16, %eax
	mov %al, gdt + 0x28 + 4
	mov %ah, gdt + 0x28 + 7
	movl $trap_stack_top, tss + 4     /* esp0 */
	movl $0x10, tss + 8               /* ss0 */
	movw $0x68, tss + 0x66            /* I/O map base: right after the 104-byte TSS */
	mov $0x28, %ax
	ltr %ax
	call idt_init
	lidt idt_desc
	call conformance_main
	/* conformance_main returns the number of failed checks: the exit status. */
	out %eax, $0xF4
	hlt

/* try_call(fn): 0 when fn returned, 1 when a vector arrived (recorded in `trap`). */
	.globl try_call
try_call:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, try_esp
	movl $1, trap_armed
	call *20(%esp)
	movl $0, trap_armed
	xor %eax, %eax
	jmp 1f
try_resume:
	movl $0, trap_armed
	mov $1, %eax
1:	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret

/* enter_user(): iret to ring 3 at user_entry with user_eflags, on the user stack, DS/ES = 0x23. */
	.globl enter_user
enter_user:
	mov $0x23, %ax
	mov %ax, %ds
	mov %ax, %es
	push $0x23
	push $user_stack_top
	push user_eflags
	push $0x1B
	push user_entry
	iret

/* Trap stubs: stub n, 16 bytes from the previous, calls trap_common, which finds n from the return
 * address the call pushed (where a `push $n` would have put n). */
	.align 16
	.globl trap_stubs
trap_stubs:
	.rept 256
	.align 16
	call trap_common
	.endr

trap_common:
	/* DS may hold the ring-3 data selector (DPL 3, usable at CPL 0) or anything the check loaded:
	 * use SS (ring 0 after any delivery) for the stores. */
	mov %eax, %ss:trap_eax
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	popl %eax                         /* stub n's return address: trap_stubs + 16 n + 5 */
	sub $trap_stubs + 5, %eax
	shr $4, %eax
	mov %eax, trap + 0                /* vector */
	mov %esp, trap + 4                /* frame address */
	mov 0(%esp), %eax
	mov %eax, trap + 16
	mov 4(%esp), %eax
	mov %eax, trap + 20
	mov 8(%esp), %eax
	mov %eax, trap + 24
	mov 12(%esp), %eax
	mov %eax, trap + 28
	mov 16(%esp), %eax
	mov %eax, trap + 32
	mov 20(%esp), %eax
	mov %eax, trap + 36
	mov %dr6, %eax
	mov %eax, trap + 8
	mov %cr2, %eax
	mov %eax, trap + 12
	cmpl $0, trap_armed
	je 2f
	mov try_esp, %esp
	jmp try_resume
2:	call unexpected_trap              /* does not return */
	hlt

	.data
	.align 8
	.globl gdt
gdt:	.quad 0
	.quad 0x00CF9A000000FFFF   /* 0x08 ring-0 code */
	.quad 0x00CF92000000FFFF   /* 0x10 ring-0 data */
	.quad 0x00CFFA000000FFFF   /* 0x18 ring-3 code */
	.quad 0x00CFF2000000FFFF   /* 0x20 ring-3 data */
	.quad 0x0000890000000067   /* 0x28 32-bit TSS, limit 0x67 (patched), base patched */
	.quad 0x00CF1A000000FFFF   /* 0x30 ring-0 code, not present */
	.quad 0x00CF92000000FFFF   /* 0x38 ring-0 data */
	.quad 0x00CF12000000FFFF   /* 0x40 ring-0 data, not present */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
	.align 4
	.globl idt_desc
idt_desc:
	.word 256 * 8 - 1
	.long idt
	.globl user_eflags, user_entry
user_eflags:	.long 0x2
user_entry:	.long 0
try_esp:	.long 0
trap_armed:	.long 0
	.globl trap_eax
trap_eax:	.long 0
	.globl trap
trap:	.space 40

	.bss
	.align 4096
	.globl idt
idt:	.space 256 * 8
	/* The TSS and its I/O permission bitmap: 8192 bytes for 65536 ports plus the all-ones byte
	 * the CPU may read past the last one (SDM vol. 1 18.5.2). */
	.align 4096
	.globl tss, io_bitmap
tss:	.space 0x68
io_bitmap:	.space 8192 + 1
	.align 16
	.space 8192
kernel_stack_top:
	.space 8192
	.globl trap_stack_top
trap_stack_top:
	.space 4096
	.globl user_stack_top
user_stack_top:
