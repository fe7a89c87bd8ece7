/* tests/conformance/conformance.h: what a conformance kernel's checks are written with.
 *
 * Each kernel is one .c file with conformance_main() plus boot.S and lib.c. A check prints exactly
 * one line on COM1: "PASS name" or "FAIL name: got X want Y", and conformance_main returns the
 * number of failures, which boot.S writes to the debug-exit port (forkscope's status, QEMU's
 * isa-debug-exit (status << 1) | 1). The lines must not depend on the emulator except where the
 * emulators deliberately differ (tests/conformance/README.md): the same file is compared against
 * forkscope and against QEMU. */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

/* What boot.S's trap stub recorded for the last vector (layout fixed by boot.S). */
struct trap_record {
	u32 vector;
	u32 esp;   /* the stack pointer after the CPU pushed its frame */
	u32 dr6;
	u32 cr2;
	u32 w[6];  /* the words at esp: [error code,] EIP, CS, EFLAGS[, ESP, SS] */
};
extern volatile struct trap_record trap;
extern volatile u32 trap_eax; /* EAX when the vector arrived */

/* Runs fn at CPL 0: 0 when it returned, 1 when a vector arrived meanwhile (see `trap`). */
int try_call(void (*fn)(void));
/* Runs fn at CPL 3 with EFLAGS `eflags` (IOPL in bits 12-13): enter_user under try_call. fn must
 * end in a vector (int $0x30, the "done" gate installed by lib.c, when it has nothing else to do). */
int try_user(void (*fn)(void), u32 eflags);
#define USER_DONE_VECTOR 0x30

/* Gates (SDM vol. 3A 6.11). Every vector starts as a DPL-0 32-bit interrupt gate to its stub. */
void set_gate(unsigned vector, u16 selector, u8 type, unsigned dpl, int present);
void reset_gate(unsigned vector); /* back to the start-up gate */
#define GATE_INT32 0xE
#define GATE_TRAP32 0xF

/* The I/O permission bitmap that follows the TSS (boot.S), and the TSS fields the checks change. */
extern u8 io_bitmap[];
extern u8 tss[];
extern char trap_stack_top[]; /* TSS.esp0: where a vector from ring 3 pushes its frame */
void tss_set_limit(u32 limit); /* the TSS descriptor's limit; reloads TR */
u32 ring3_eflags(unsigned iopl);

void puts(const char* s);
void puthex(u32 v);
/* One line: PASS name, or FAIL name: got 0x.. want 0x... Returns 1 on a failure. */
int check(const char* name, u32 got, u32 want);
/* check() of the recorded vector, error code and EIP of a fault (error code present or not). */
int check_fault(const char* name, unsigned vector, int has_error, u32 error, u32 eip);

void outb(u16 port, u8 v);
u8 inb(u16 port);

/* Every conformance kernel defines it; returns the number of failed checks. */
int conformance_main(void);

#endif
