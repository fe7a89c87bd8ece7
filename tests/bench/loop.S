/* A CPU-bound guest for scripts/bench: the PIT ticks at HZ=1000 through the remapped PIC, the handler
 * counts ticks and sends EOI, and the main loop runs LOOP_ITERATIONS iterations of register ALU work with
 * interrupts on, so the figure includes exact interrupt delivery. unicorn_baseline runs the same loop
 * body (bench_loop .. bench_loop_end) on a bare Unicorn with no hooks for the ratio. */
#define LOOP_ITERATIONS 50000000

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
	mov %ax, %ss
	mov $stack_top, %esp

	/* IDT: every vector -> ignore (iret); vector 0x20 -> timer. */
	mov $idt, %edi
	xor %ecx, %ecx
2:	mov $ignore, %eax
	cmp $0x20, %ecx
	jne 3f
	mov $timer, %eax
3:	mov %ax, (%edi)
	movw $0x08, 2(%edi)
	movw $0x8E00, 4(%edi)
	shr $16, %eax
	mov %ax, 6(%edi)
	add $8, %edi
	inc %ecx
	cmp $256, %ecx
	jne 2b
	lidt idt_desc

	/* PIC: ICW1-4, vectors 0x20/0x28, only IRQ0 unmasked. */
	mov $0x11, %al; out %al, $0x20; out %al, $0xA0
	mov $0x20, %al; out %al, $0x21
	mov $0x28, %al; out %al, $0xA1
	mov $0x04, %al; out %al, $0x21
	mov $0x02, %al; out %al, $0xA1
	mov $0x01, %al; out %al, $0x21; out %al, $0xA1
	mov $0xFE, %al; out %al, $0x21
	mov $0xFF, %al; out %al, $0xA1
	/* PIT channel 0, mode 2, LATCH 1193 (HZ 1000). */
	mov $0x34, %al; out %al, $0x43
	mov $(1193 & 0xFF), %al; out %al, $0x40
	mov $(1193 >> 8), %al; out %al, $0x40
	sti

	mov $LOOP_ITERATIONS, %ecx
	xor %eax, %eax
	mov $0x12345678, %ebx
	mov $0x9ABCDEF0, %edx
	.globl bench_loop
bench_loop:
	add %ebx, %eax
	xor %eax, %edx
	rol $3, %ebx
	sub %edx, %ebx
	lea 1(%eax,%edx), %esi
	or %esi, %edi
	dec %ecx
	jnz bench_loop
	.globl bench_loop_end
bench_loop_end:
	cli
	/* Exit 0 through the debug-exit port. */
	xor %eax, %eax
	out %eax, $0xF4
	hlt

timer:
	incl ticks
	push %eax
	mov $0x20, %al
	out %al, $0x20
	pop %eax
	iret
ignore:
	iret

	.data
	.align 8
gdt:	.quad 0
	.quad 0x00CF9A000000FFFF
	.quad 0x00CF92000000FFFF
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt
	.align 4
idt_desc:
	.word 256 * 8 - 1
	.long idt
	.globl ticks
ticks:	.long 0

	.bss
	.align 4096
idt:	.space 256 * 8
	.space 8192
stack_top:
