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

/* Paging (SDM vol. 3A 4.3, 32-bit paging): paging_on() identity maps the first 8 MiB with 4-KiB
 * pages, every one present, writable and user (so ring-3 code can run anywhere), loads CR3 and sets
 * CR0.PG (CR0.WP as given); paging_off() clears PG. pte()/pde() point at the entry of a linear
 * address, for a check to change; invlpg() drops its translation after a change. */
#define PTE_P 0x1u
#define PTE_W 0x2u
#define PTE_U 0x4u
#define PTE_A 0x20u
#define PTE_D 0x40u
void paging_on(int wp);
void paging_off(void);
u32* pte(u32 linear);
u32* pde(u32 linear);
void invlpg(u32 linear);

/* A gate whose handler runs at CPL 3 (SDM vol. 3A 6.12.1: an interrupt to a conforming code segment
 * keeps the CPL, so nothing is read from the TSS and the stack does not switch), for the faults the
 * ring-3 to ring-0 transition itself raises: delivered at CPL 0 their handler would fault the same way.
 * set_ring3_gate(v) turns GDT entry 0x38 into a conforming ring-0 code segment (its boot.S data
 * descriptor is not used by kernels that call this) and points gate v at a CPL-3 stub. The stub
 * records the vector, its stack pointer and the four words there in ring3_trap, writes
 * ring3_repair.value to ring3_repair.addr (when addr is not 0: the check's undo, so that the next
 * transition works), then ends the check with int $0x30 - the ordinary way, so try_user returns 1
 * with trap.vector 0x30 and trap.cr2 the CR2 of the fault. */
struct ring3_record {
	u32 vector;
	u32 esp;
	u32 w[4]; /* [error code,] EIP, CS, EFLAGS: no SS:ESP, the CPL did not change */
};
extern volatile struct ring3_record ring3_trap;
struct ring3_undo {
	u32 addr;
	u32 value;
};
extern volatile struct ring3_undo ring3_repair;
/* When set, the stub calls it (at CPL 3) instead of int $0x30: for a fault nothing at CPL 3 can undo
 * (a TSS limit), the kernel's last check, which ends the run itself (IOPL 3 for its port I/O). */
extern void (*volatile ring3_then)(void);
void set_ring3_gate(unsigned vector);

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
