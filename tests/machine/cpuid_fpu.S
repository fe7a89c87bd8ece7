/* The CPU as Linux 6.1 probes it (emu/cpuid_model.hpp): EFLAGS.ID toggles (have_cpuid_p), CPUID leaves
 * 0, 1 and an extended leaf (answered by leaf 2), the x87 probe of fpu__probe_without_cpuid (fninit;
 * fnstsw; fnstcw with CR0.TS/EM clear), x87 arithmetic through memory, CMOVcc, CMPXCHG8B, and RDTSC
 * strictly increasing. Prints what CPUID said (the same in both run modes: tests/CMakeLists.txt) and
 * exits 0; a failed check exits with its own code. */
#include "common.inc"
#include "print.inc"
	.text
	.globl _start
_start:
	SETUP
	/* EFLAGS.ID (bit 21) can be toggled: CPUID exists (Linux's flag_is_changeable_p). */
	pushfl
	pop %eax
	mov %eax, %ecx
	xor $0x200000, %eax
	push %eax
	popfl
	pushfl
	pop %eax
	xor %ecx, %eax
	EXPECT %eax, 0x200000, 2

	/* Leaf 0: maximum leaf 2 and the vendor, EBX EDX ECX in that order. */
	xor %eax, %eax
	cpuid
	mov %ebx, vendor
	mov %edx, vendor + 4
	mov %ecx, vendor + 8
	EXPECT %eax, 2, 3
	PRINT vendor_msg
	PRINT vendor

	/* Leaf 1: the signature and the feature bits. */
	mov $1, %eax
	cpuid
	mov %edx, features
	push %ebx
	push %eax
	PRINT signature_msg
	pop %eax
	call print_hex
	PRINT ebx_msg
	pop %eax
	call print_hex
	PRINT features_msg
	mov features, %eax
	call print_hex
	PRINT newline

	/* An extended leaf on a part without them: the highest basic leaf's data (leaf 2). */
	mov $0x80000000, %eax
	cpuid
	push %edx
	push %eax
	PRINT leaf2_msg
	pop %eax
	call print_hex
	PRINT edx_msg
	pop %eax
	call print_hex
	PRINT newline

	/* The x87 probe, as fpu__probe_without_cpuid: CR0.TS and CR0.EM clear, then FSW = 0 and
	 * (FCW & 0x103f) == 0x003f after FNINIT. */
	mov %cr0, %eax
	and $~0xC, %eax
	mov %eax, %cr0
	movw $0xFFFF, fsw
	movw $0xFFFF, fcw
	fninit
	fnstsw fsw
	fnstcw fcw
	movzwl fsw, %eax
	EXPECT %eax, 0, 4
	movzwl fcw, %eax
	and $0x103F, %eax
	EXPECT %eax, 0x3F, 5

	/* x87 arithmetic: 1.5 + 2.25 = 3.75 (a double through memory), (7 * 6) as an integer. */
	fldl one_and_half
	faddl two_and_quarter
	fstpl result
	mov result + 4, %eax
	EXPECT %eax, 0x400E0000, 6
	mov result, %eax
	EXPECT %eax, 0, 7
	fildl seven
	fimull six
	fistpl product
	mov product, %eax
	EXPECT %eax, 42, 8
	fnstsw %ax
	EXPECT %eax, 0, 9

	/* CMOVcc (Linux 686 kernels need it): taken and not taken. */
	mov $5, %ecx
	xor %eax, %eax
	cmovz %ecx, %eax
	EXPECT %eax, 5, 10
	mov $1, %edx
	test %eax, %eax
	cmovz %ecx, %edx
	EXPECT %edx, 1, 11

	/* CMPXCHG8B: equal (stores ECX:EBX, ZF=1), then unequal (loads the memory into EDX:EAX). */
	xor %eax, %eax
	xor %edx, %edx
	mov $0x11223344, %ebx
	mov $0x55667788, %ecx
	cmpxchg8b qword
	jnz fail_cx8
	xor %eax, %eax
	xor %edx, %edx
	cmpxchg8b qword
	jz fail_cx8
	EXPECT %eax, 0x11223344, 12
	EXPECT %edx, 0x55667788, 13

	/* RDTSC: strictly increasing across a loop (64-bit compare). */
	rdtsc
	mov %eax, %esi
	mov %edx, %edi
	mov $100, %ecx
1:	dec %ecx
	jnz 1b
	rdtsc
	sub %esi, %eax
	sbb %edi, %edx
	js fail_tsc
	or %eax, %edx
	jz fail_tsc
	PRINT done_msg
	EXIT 0
	hlt
fail_cx8:
	EXIT 14
	hlt
fail_tsc:
	EXIT 15
	hlt

	PRINT_HEX_ROUTINE

	.data
vendor_msg:	.asciz "cpuid_fpu: vendor "
signature_msg:	.asciz "\ncpuid_fpu: leaf 1 eax "
ebx_msg:	.asciz " ebx "
features_msg:	.asciz " edx "
leaf2_msg:	.asciz "cpuid_fpu: leaf 0x80000000 eax "
edx_msg:	.asciz " edx "
done_msg:	.asciz "cpuid_fpu: fpu probe, x87, cmov, cmpxchg8b and rdtsc ok\n"
newline:	.asciz "\n"
	.align 8
one_and_half:	.double 1.5
two_and_quarter: .double 2.25
result:	.quad 0
qword:	.quad 0
seven:	.long 7
six:	.long 6
product: .long 0
features: .long 0
vendor:	.space 13
fsw:	.word 0
fcw:	.word 0
#include "common_data.inc"
