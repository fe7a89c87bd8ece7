/* Writes the number its command line ends with (hex, "0x" optional: --cmdline 0x12345600) to the
 * debug-exit port as one 32-bit OUT: the exit-status scheme's edge values (tests/cli/run_cli_test.cpp). The
 * last word counts, since QEMU's multiboot loader puts the kernel's path first. */
#include "common.inc"
	.text
	.globl _start
_start:
	SETUP
	xor %eax, %eax
	testl $4, (%ebx)		/* multiboot info flags: bit 2, a command line */
	jz exit
	mov 16(%ebx), %esi
	mov %esi, %edi			/* the last word's start */
1:	movb (%esi), %cl
	test %cl, %cl
	jz 2f
	inc %esi
	cmp $' ', %cl
	jne 1b
	mov %esi, %edi
	jmp 1b
2:	mov %edi, %esi
	cmpb $'0', (%esi)
	jne digits
	cmpb $'x', 1(%esi)
	jne digits
	add $2, %esi
digits:
	movzbl (%esi), %ecx
	sub $'0', %ecx
	cmp $9, %ecx
	jbe 3f
	movzbl (%esi), %ecx
	or $0x20, %ecx
	sub $'a', %ecx
	cmp $5, %ecx
	ja exit
	add $10, %ecx
3:	shl $4, %eax
	or %ecx, %eax
	inc %esi
	jmp digits
	.globl exit
exit:
	out %eax, $0xF4
	hlt
#include "common_data.inc"
