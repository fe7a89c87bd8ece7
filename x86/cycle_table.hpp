// The cycle table: what one retired instruction costs, in i486 clocks (cache hit, 32-bit protected
// mode, CPL <= IOPL for I/O). One place, documented, tested (tests/cycle_table_test.cpp).
//
// Sources (cited per row in cycle_table.cpp):
//   [HelpPC]  HelpPC 2.10 Quick Reference (D. Jurgens, 1991), "486" clock column, which transcribes
//             the Intel486 Microprocessor Programmer's Reference Manual instruction pages
//             (docs.huihoo.com/help-pc/asm-<mnemonic>.html). The primary source for most rows.
//   [PRM]     Intel486 Programmer's Reference Manual figures that HelpPC does not list (REP string
//             forms, MOV DRn, far indirect forms, call gates); taken from the manual as remembered
//             and marked so, to be checked against a scan when one is in the library.
//   [P5]      Instructions the i486 does not have (RDTSC, CMPXCHG8B, RDMSR, WRMSR): Pentium figures
//             (Pentium Processor Family Developer's Manual vol. 3, as remembered, marked so).
//   [P6]      P6 instructions with no Pentium figure (CMOVcc): Pentium Pro/II uop counts and
//             latencies as Agner Fog's instruction tables give them, to be checked like [PRM].
//
// Determinism rule: a cost is a function of the static instruction only (Capstone id, operand
// kinds reg/mem/imm, operand size, opcode byte, prefixes and immediates) and, for conditional
// transfers, of whether the transfer was taken. Block-at-a-time runs (decode a translated block
// once, sum) and instruction-at-a-time runs (trace mode) therefore charge identical cycles.
// Where the manual gives a data-dependent range (MUL, BSF, RCL by n...) we charge the midpoint,
// rounded down; where it depends on an outcome we cannot see statically (CMPXCHG mismatch) we
// charge the common case. Each such choice is commented at its row.
//
// REP string instructions: Unicorn executes each iteration as a separate execution of the
// instruction, so a REP-prefixed string instruction costs the per-iteration part of the manual's
// formula (REP MOVS = 12+3n -> 3). The fixed part (the 12) is not charged: nothing static tells
// the first iteration from the others. A REP with ECX=0 is one execution and costs one
// per-iteration charge (the manual says 5 for REP MOVS with n=0).
//
// Conditional transfers (Jcc, LOOP/LOOPcc, JCXZ/JECXZ): insn_cycles() is the not-taken cost,
// taken_extra() is added when the next EIP is the branch target.
//
// Privilege-dependent transfers: INT n, INT3, INTO and IRET(D) are "charged by delivery"
// (charged_by_delivery() is true): emu/interrupt delivery charges int_cycles()/iret_cycles(),
// which depend on the privilege transition known only at delivery; insn_cycles() returns 0 for
// them, except INTO, which returns its not-taken cost (3: OF=0, no interrupt, nothing delivered).
// Far CALL/JMP/RETF are ordinary instructions: insn_cycles() charges their same-privilege
// figure; far_call_cycles()/far_ret_cycles() give both figures so code that knows the
// transition can add the difference.
#pragma once

#include <cstdint>

struct cs_insn;  // Capstone's, defined in x86/capstone.hpp

namespace fs::cycle_table {

// Cost of one execution of `insn` (decoded in CS_MODE_32 with CS_OPT_DETAIL on). For conditional
// jumps/loops/jecxz: the not-taken cost. For an instruction the table does not know:
// kDefaultCycles (and is_known() is false).
std::uint32_t insn_cycles(const cs_insn& insn);

// Extra cycles when a conditional transfer (Jcc, LOOP/LOOPcc, JCXZ/JECXZ) is taken; 0 otherwise.
std::uint32_t taken_extra(const cs_insn& insn);

// Jcc, JCXZ/JECXZ, LOOP, LOOPE, LOOPNE.
bool is_conditional_branch(const cs_insn& insn);

// INT n, INT3, INTO, IRET, IRETD: their privilege-dependent cost is charged by the interrupt
// delivery code through int_cycles()/iret_cycles(), not by insn_cycles().
bool charged_by_delivery(const cs_insn& insn);

// False when insn_cycles() fell back to kDefaultCycles: the machine counts these (grep for
// "unknown" in its statistics) so a guest using an unlisted instruction is noticed.
bool is_known(const cs_insn& insn);

// Interrupt/trap gate delivery in protected mode (INT n, INT3, INTO taken, exception, external
// IRQ): [HelpPC] INT: 44 same privilege, 71 to inner privilege.
enum class Delivery { kSamePrivilege, kToInnerPrivilege };
std::uint32_t int_cycles(Delivery d);

// IRET in protected mode: [HelpPC] IRET: 15 same privilege, 36 to outer privilege.
std::uint32_t iret_cycles(bool to_outer_privilege);

// Far CALL in protected mode: 20 to a code segment at the same privilege ([HelpPC] CALL
// ptr16:32 prot. mode), 69 through a call gate to inner privilege with no parameters ([PRM]).
std::uint32_t far_call_cycles(bool to_inner_privilege);

// Far RET (no immediate) in protected mode: [HelpPC] RETF: 18 same privilege, 33 to outer.
std::uint32_t far_ret_cycles(bool to_outer_privilege);

// Charged for an instruction the table does not know (is_known() == false). 2 is the i486's
// most common non-trivial cost and keeps an unknown instruction from being free.
inline constexpr std::uint32_t kDefaultCycles = 2;

// HLT's own cost, [HelpPC] HLT: 4. The idle cycles until the next event are separate.
inline constexpr std::uint32_t kHltCycles = 4;

}  // namespace fs::cycle_table
