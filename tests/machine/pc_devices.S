/* The PC devices Linux 6.1 probes, end to end through the port bus (issue 13): unclaimed ports read
 * all ones, port 0x80, the CMOS clock (date, UIP, register D, memory size), the i8042's self-test,
 * Linux's pit_calibrate_tsc (port 0x61 gates PIT channel 2, bit 5 shows its OUT), and output driven by
 * the 16550's THRE interrupt through the PIC, as Linux's 8250 driver sends user-space output. Prints
 * what it read and exits 0; a failed check exits with its own code. */
#include "common.inc"
#include "print.inc"
	.text
	.globl _start
_start:
	SETUP
	SET_GATE 0x24, serial_interrupt

	/* Unclaimed ports read all ones of the access size (COM2's data port: nothing there). */
	mov $0x2F8, %dx
	xor %eax, %eax
	inb %dx, %al
	EXPECT %eax, 0xFF, 2
	xor %eax, %eax
	inw %dx, %ax
	EXPECT %eax, 0xFFFF, 3
	inl %dx, %eax
	EXPECT %eax, 0xFFFFFFFF, 4
	/* Port 0x80 takes Linux's delay writes and reads 0xFF. */
	mov $0x55, %al
	out %al, $0x80
	xor %eax, %eax
	in $0x80, %al
	EXPECT %eax, 0xFF, 5

	/* CMOS: register D says the battery is good; wait for UIP to clear as mc146818_get_time does,
	 * then read the date and time (BCD, register B = 0x02). */
	mov $0x0D, %al
	out %al, $0x70
	xor %eax, %eax
	in $0x71, %al
	EXPECT %eax, 0x80, 6
1:	mov $0x0A, %al
	out %al, $0x70
	in $0x71, %al
	test $0x80, %al
	jnz 1b
	mov $0x32, %bl		/* century, year, month, day into EAX as BCD digits 20261204 */
	call cmos_read
	mov $0x09, %bl
	call cmos_read_low
	mov $0x08, %bl
	call cmos_read_low
	mov $0x07, %bl
	call cmos_read_low
	mov %eax, date
	PRINT date_msg
	mov date, %eax
	call print_hex
	PRINT newline
	/* Extended memory above 1 MiB in KiB (0x30/0x31): 63 MiB with the default 64 MiB of RAM. */
	mov $0x31, %bl
	call cmos_read
	mov $0x30, %bl
	call cmos_read_low
	EXPECT %eax, 63 * 1024, 7

	/* i8042: self-test 0xAA -> 0x55, then the command byte. */
	mov $0xAA, %al
	out %al, $0x64
	call kbc_read
	EXPECT %eax, 0x55, 8
	mov $0x20, %al
	out %al, $0x64
	call kbc_read
	EXPECT %eax, 0x65, 9

	/* Linux's pit_calibrate_tsc: gate on, speaker off; channel 2 mode 0 with 10 ms (11932 CLKs);
	 * TSC before and after port 0x61 bit 5 rises. 10 ms at 100 MHz: about 1,000,000 cycles. */
	in $0x61, %al
	and $~0x02, %al
	or $0x01, %al
	out %al, $0x61
	mov $0xB0, %al
	out %al, $0x43
	mov $(11932 & 0xFF), %al
	out %al, $0x42
	mov $(11932 >> 8), %al
	out %al, $0x42
	rdtsc
	mov %eax, %esi
2:	in $0x61, %al
	test $0x20, %al
	jz 2b
	rdtsc
	sub %esi, %eax
	cmp $990000, %eax
	jb fail_tsc
	cmp $1010000, %eax
	ja fail_tsc
	PRINT tsc_msg

	/* THRE-driven output: PIC with only IRQ4 open, UART IER = ETBEI, MCR = OUT2. Enabling ETBEI
	 * raises the first THRE; each handler call sends one byte until the message ends. */
	mov $0x11, %al; out %al, $0x20; out %al, $0xA0
	mov $0x20, %al; out %al, $0x21
	mov $0x28, %al; out %al, $0xA1
	mov $0x04, %al; out %al, $0x21
	mov $0x02, %al; out %al, $0xA1
	mov $0x01, %al; out %al, $0x21; out %al, $0xA1
	mov $0xEF, %al; out %al, $0x21
	mov $0xFF, %al; out %al, $0xA1
	mov $thre_msg, %eax
	mov %eax, tx_next
	mov $0x08, %al
	mov $0x3FC, %dx
	out %al, %dx
	mov $0x02, %al
	mov $0x3F9, %dx
	out %al, %dx
3:	sti
	hlt
	cli
	cmpl $0, tx_done
	je 3b
	/* One interrupt per byte sent (the first from enabling ETBEI), plus the last that stopped it. */
	mov irq_count, %eax
	EXPECT %eax, thre_msg_len + 1, 10
	PRINT done_msg
	EXIT 0
	hlt
fail_tsc:
	EXIT 11
	hlt

/* serial_interrupt: IIR must say THRE; send the next byte, or clear ETBEI at the end. */
	.globl serial_interrupt
serial_interrupt:
	push %eax
	push %edx
	incl irq_count
	mov $0x3FA, %dx
	in %dx, %al
	and $0x0F, %al
	cmp $0x02, %al
	jne bad_iir
	mov tx_next, %edx
	movzbl (%edx), %eax
	test %al, %al
	jz 4f
	incl tx_next
	mov $0x3F8, %dx
	out %al, %dx
	jmp 5f
4:	xor %al, %al		/* nothing left: IER = 0, as Linux's __stop_tx */
	mov $0x3F9, %dx
	out %al, %dx
	movl $1, tx_done
5:	mov $0x20, %al
	out %al, $0x20
	pop %edx
	pop %eax
	iret
bad_iir:
	EXIT 12
	hlt

/* cmos_read: CMOS register BL into EAX (zero-extended). cmos_read_low: into AL, EAX shifted left 8
 * first. Clobber nothing else. */
cmos_read:
	xor %eax, %eax
cmos_read_low:
	shl $8, %eax
	push %eax
	mov %bl, %al
	out %al, $0x70
	pop %eax
	in $0x71, %al
	ret

/* kbc_read: wait for the i8042's OBF, then the data byte into EAX. */
kbc_read:
	in $0x64, %al
	test $0x01, %al
	jz kbc_read
	xor %eax, %eax
	in $0x60, %al
	ret

	PRINT_HEX_ROUTINE

	.data
date_msg:	.asciz "pc_devices: cmos date (BCD) "
tsc_msg:	.asciz "pc_devices: pit channel 2 gated by port 0x61 expired after 10 ms of TSC\n"
thre_msg:	.ascii "pc_devices: this line was sent one THRE interrupt at a time\n"
	.set thre_msg_len, . - thre_msg
	.byte 0
done_msg:	.asciz "pc_devices: ok\n"
newline:	.asciz "\n"
	.align 4
date:	.long 0
tx_next: .long 0
tx_done: .long 0
irq_count: .long 0
#include "common_data.inc"
