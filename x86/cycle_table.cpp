// i486 clock counts by Capstone instruction id and operand form. Sources and the determinism rule
// are in cycle_table.hpp; each row cites [HelpPC] (the Intel486 PRM's figures as transcribed in
// HelpPC 2.10, page asm-<mnemonic>), [PRM] (from the Intel486 PRM, not re-checked against a scan)
// [P5] (Pentium) or [P6] (Pentium Pro/II).
//
// Open questions and the answer we chose:
//  1. HelpPC gives some 486 figures that look like copies of the 386 column (BT m,r 12; BT m,imm
//     6) or that disagree within one opcode (TEST r,m 1 vs m,r 2, XCHG r,m 3 vs m,r 5). We keep
//     HelpPC's figure where it is self-consistent and, for one opcode listed twice, take the
//     memory-form figure for both orders (TEST 2, XCHG 5).
//  2. MOV/POP to a segment register: HelpPC lists 3 (register source, real mode) and 9 (memory
//     source). The guest runs in protected mode, where every segment load reads a descriptor, so
//     both forms cost 9.
//  3. Data-dependent ranges (MUL/IMUL early-out, BSF/BSR scan length, RCL/RCR by n): the midpoint,
//     rounded down, so long runs over varied data are not biased to either end.
//  4. Prefixes (LOCK, segment override, operand size) cost nothing extra; HelpPC lists none for
//     the 486.
#include "x86/cycle_table.hpp"

#include "x86/capstone.hpp"

namespace fs::cycle_table {
namespace {

// Returned by lookup() for an instruction the table does not list.
constexpr std::uint32_t kUnknown = 0xFFFFFFFFu;

// The documented range [lo, hi] charged as one static value (open question 3).
constexpr std::uint32_t midpoint(std::uint32_t lo, std::uint32_t hi) {
  return (lo + hi) / 2;
}

const cs_x86& x86(const cs_insn& in) {
  return in.detail->x86;
}

bool has_mem(const cs_insn& in) {
  const cs_x86& x = x86(in);
  for (int i = 0; i < x.op_count; ++i)
    if (x.operands[i].type == X86_OP_MEM) return true;
  return false;
}

bool op_is(const cs_insn& in, int i, x86_op_type t) {
  const cs_x86& x = x86(in);
  return i < x.op_count && x.operands[i].type == t;
}

x86_reg op_reg(const cs_insn& in, int i) {
  return op_is(in, i, X86_OP_REG) ? x86(in).operands[i].reg : X86_REG_INVALID;
}

bool is_sreg(x86_reg r) {
  return r == X86_REG_CS || r == X86_REG_DS || r == X86_REG_ES || r == X86_REG_SS ||
         r == X86_REG_FS || r == X86_REG_GS;
}
bool is_creg(x86_reg r) {
  return r >= X86_REG_CR0 && r <= X86_REG_CR15;
}
bool is_dreg(x86_reg r) {
  return r >= X86_REG_DR0 && r <= X86_REG_DR15;
}

bool has_rep(const cs_insn& in) {
  const std::uint8_t p = x86(in).prefix[0];
  return p == X86_PREFIX_REP || p == X86_PREFIX_REPNE;
}

// Operand size in bytes of the first operand (MUL/DIV/IMUL pick their range by it).
unsigned size0(const cs_insn& in) {
  return x86(in).op_count ? x86(in).operands[0].size : 4;
}

// SSE forms share Capstone ids with the string MOVSD/CMPSD; an XMM operand means the SSE one,
// which the i486 does not have.
bool has_xmm(const cs_insn& in) {
  const cs_x86& x = x86(in);
  for (int i = 0; i < x.op_count; ++i)
    if (x.operands[i].type == X86_OP_REG && x.operands[i].reg >= X86_REG_XMM0 &&
        x.operands[i].reg <= X86_REG_XMM31)
      return true;
  return false;
}

// [HelpPC] ADD/ADC/SUB/SBB/AND/OR/XOR: reg,reg 1; mem,reg 3; reg,mem 2; reg,imm 1; mem,imm 3.
std::uint32_t alu_rmw(const cs_insn& in) {
  if (op_is(in, 0, X86_OP_MEM)) return 3;
  return has_mem(in) ? 2 : 1;
}

// [HelpPC] SHL/SAL/SHR/SAR/ROL/ROR: reg,1 3; mem,1 4; reg,CL 3; mem,CL 4; reg,imm8 2;
// mem,imm8 4. Capstone shows "by 1" as an immediate 1, so the D0/D1 opcode tells it apart from
// C0/C1 with an immediate of 1.
std::uint32_t shift(const cs_insn& in) {
  const std::uint8_t op = x86(in).opcode[0];
  const bool mem = has_mem(in);
  if (op == 0xD0 || op == 0xD1) return mem ? 4 : 3;
  if (op == 0xD2 || op == 0xD3) return mem ? 4 : 3;
  return mem ? 4 : 2;
}

// [HelpPC] RCL/RCR: reg,1 3; mem,1 4; by CL or imm8: reg 8-30, mem 9-31 (midpoint, question 3).
std::uint32_t rotate_carry(const cs_insn& in) {
  const std::uint8_t op = x86(in).opcode[0];
  const bool mem = has_mem(in);
  if (op == 0xD0 || op == 0xD1) return mem ? 4 : 3;
  return mem ? midpoint(9, 31) : midpoint(8, 30);
}

// [HelpPC] MUL and IMUL (all forms): 8-bit 13-18, 16-bit 13-26, 32-bit 13-42, register or memory
// alike (HelpPC's "reg32 12-42" for IMUL is taken as a typo for 13-42). The 486 multiplier
// exits early on small operands; the range is picked by operand size, charged at its midpoint.
std::uint32_t multiply(const cs_insn& in) {
  switch (size0(in)) {
    case 1:
      return midpoint(13, 18);  // 15
    case 2:
      return midpoint(13, 26);  // 19
    default:
      return midpoint(13, 42);  // 27
  }
}

// [HelpPC] DIV: reg8 16, reg16 24, reg32 40; mem8 16, mem16 24, mem32 40.
std::uint32_t divide(const cs_insn& in) {
  switch (size0(in)) {
    case 1:
      return 16;
    case 2:
      return 24;
    default:
      return 40;
  }
}

// [HelpPC] IDIV: reg8 19, reg16 27, reg32 43; mem8 20, mem16 28, mem32 44.
std::uint32_t idivide(const cs_insn& in) {
  const std::uint32_t mem = has_mem(in) ? 1 : 0;
  switch (size0(in)) {
    case 1:
      return 19 + mem;
    case 2:
      return 27 + mem;
    default:
      return 43 + mem;
  }
}

std::uint32_t mov(const cs_insn& in) {
  const x86_reg dst = op_reg(in, 0), src = op_reg(in, 1);
  // Question 2: protected-mode segment load, register or memory source.
  if (is_sreg(dst)) return 9;
  if (is_sreg(src)) return 3;  // [HelpPC] MOV reg16/mem16,segreg: 3
  // [HelpPC] MOV CR0,reg32 16; CR2/CR3,reg32 4; reg32,CR0/CR2/CR3 4.
  if (is_creg(dst)) return dst == X86_REG_CR0 ? 16 : 4;
  if (is_creg(src)) return 4;
  // [PRM] MOV DRn,r32 10; MOV r32,DRn 9 (HelpPC's MOV page stops before the debug registers).
  if (is_dreg(dst)) return 10;
  if (is_dreg(src)) return 9;
  return 1;  // [HelpPC] MOV: every reg/mem/imm/accumulator form 1
}

std::uint32_t push(const cs_insn& in) {
  if (is_sreg(op_reg(in, 0))) return 3;  // [HelpPC] PUSH segreg 3
  return has_mem(in) ? 4 : 1;            // [HelpPC] PUSH reg 1, mem 4, immed 1
}

std::uint32_t pop(const cs_insn& in) {
  if (is_sreg(op_reg(in, 0))) return 9;  // question 2: protected-mode segment load
  return has_mem(in) ? 6 : 4;            // [HelpPC] POP reg 4, mem 6
}

// [HelpPC] ENTER: immed16,0 14; immed16,1 17; immed16,n 17+3n (n = nesting level, mod 32).
std::uint32_t enter(const cs_insn& in) {
  const std::uint32_t level =
      op_is(in, 1, X86_OP_IMM) ? static_cast<std::uint32_t>(x86(in).operands[1].imm) & 31u : 0;
  if (level == 0) return 14;
  if (level == 1) return 17;
  return 17 + 3 * level;
}

// Cost of one execution, or kUnknown. Conditional branches and the delivery-charged ids are
// handled by the public functions before this is reached.
std::uint32_t lookup(const cs_insn& in) {
  const bool mem = has_mem(in);
  switch (in.id) {
    // --- Data transfer ---
    case X86_INS_MOV:
      return mov(in);
    case X86_INS_MOVZX:
    case X86_INS_MOVSX:
      return 3;  // [HelpPC] MOVZX/MOVSX reg,reg 3; reg,mem 3
    case X86_INS_LEA:
      return 1;  // [HelpPC] LEA 1
    case X86_INS_XCHG:
      return mem ? 5 : 3;  // [HelpPC] XCHG reg,reg 3; mem,reg 5 (question 1)
    case X86_INS_PUSH:
      return push(in);
    case X86_INS_POP:
      return pop(in);
    case X86_INS_PUSHAL:
    case X86_INS_PUSHAW:
      return 11;  // [HelpPC] PUSHA/PUSHAD 11
    case X86_INS_POPAL:
    case X86_INS_POPAW:
      return 9;  // [HelpPC] POPA/POPAD 9
    case X86_INS_PUSHFD:
    case X86_INS_PUSHF:
      return 3;  // [HelpPC] PUSHF (PM) 3
    case X86_INS_POPFD:
    case X86_INS_POPF:
      return 6;  // [HelpPC] POPF (PM) 6
    case X86_INS_LAHF:
      return 3;  // [HelpPC] LAHF 3
    case X86_INS_SAHF:
      return 2;  // [HelpPC] SAHF 2
    case X86_INS_CBW:
    case X86_INS_CWDE:
      return 3;  // [HelpPC] CBW 3; CWDE 3
    case X86_INS_CWD:
    case X86_INS_CDQ:
      return 3;  // [HelpPC] CWD 3; CDQ 3
    case X86_INS_BSWAP:
      return 1;  // [HelpPC] BSWAP 1
    case X86_INS_XLATB:
      return 4;  // [HelpPC] XLAT 4
    case X86_INS_LDS:
    case X86_INS_LES:
    case X86_INS_LFS:
    case X86_INS_LGS:
    case X86_INS_LSS:
      return 12;  // [PRM] LDS/LES/LFS/LGS/LSS pm=12 (a segment load plus a memory read)

    // --- Arithmetic and logic ---
    case X86_INS_ADD:
    case X86_INS_ADC:
    case X86_INS_SUB:
    case X86_INS_SBB:
    case X86_INS_AND:
    case X86_INS_OR:
    case X86_INS_XOR:
      return alu_rmw(in);
    case X86_INS_CMP:
      return mem ? 2 : 1;  // [HelpPC] CMP reg,reg 1; mem,reg 2; reg,mem 2; reg,imm 1; mem,imm 2
    case X86_INS_TEST:
      return mem ? 2 : 1;  // [HelpPC] TEST reg,reg 1; mem,reg 2; mem,imm 2 (question 1)
    case X86_INS_INC:
    case X86_INS_DEC:
    case X86_INS_NEG:
    case X86_INS_NOT:
      return mem ? 3 : 1;  // [HelpPC] INC/DEC/NEG/NOT reg 1, mem 3
    case X86_INS_SHL:
    case X86_INS_SAL:
    case X86_INS_SHR:
    case X86_INS_SAR:
    case X86_INS_ROL:
    case X86_INS_ROR:
      return shift(in);
    case X86_INS_RCL:
    case X86_INS_RCR:
      return rotate_carry(in);
    case X86_INS_SHLD:
    case X86_INS_SHRD:
      // [HelpPC] SHLD/SHRD reg,reg,imm8 2; mem,reg,imm8 3; reg,reg,CL 3; mem,reg,CL 4.
      if (op_is(in, 2, X86_OP_IMM)) return mem ? 3 : 2;
      return mem ? 4 : 3;
    case X86_INS_MUL:
    case X86_INS_IMUL:
      return multiply(in);
    case X86_INS_DIV:
      return divide(in);
    case X86_INS_IDIV:
      return idivide(in);
    case X86_INS_CMOVA:
    case X86_INS_CMOVAE:
    case X86_INS_CMOVB:
    case X86_INS_CMOVBE:
    case X86_INS_CMOVE:
    case X86_INS_CMOVG:
    case X86_INS_CMOVGE:
    case X86_INS_CMOVL:
    case X86_INS_CMOVLE:
    case X86_INS_CMOVNE:
    case X86_INS_CMOVNO:
    case X86_INS_CMOVNP:
    case X86_INS_CMOVNS:
    case X86_INS_CMOVO:
    case X86_INS_CMOVP:
    case X86_INS_CMOVS:
      // [P6] CMOVcc r,r 2 (2 uops, latency 2), r,m 3 (one more uop for the load). A P6
      // instruction (Linux 686 kernels need it): no i486 or Pentium figure exists. Taken or not,
      // the same cost: the P6 executes both outcomes' uops.
      return mem ? 3 : 2;
    case X86_INS_CMPXCHG:
      // [HelpPC] CMPXCHG reg,reg 6; mem,reg 7, +3 if the comparison fails. The outcome is not
      // static; the success figure is charged (a lock's compare-exchange usually succeeds).
      return mem ? 7 : 6;
    case X86_INS_XADD:
      return mem ? 4 : 3;  // [PRM] XADD reg,reg 3; mem,reg 4
    case X86_INS_BT:
      // [HelpPC] BT reg,imm8 3; mem,imm8 6; reg,reg 3; mem,reg 12 (question 1).
      if (!mem) return 3;
      return op_is(in, 1, X86_OP_IMM) ? 6 : 12;
    case X86_INS_BTS:
    case X86_INS_BTR:
    case X86_INS_BTC:
      // [HelpPC] BTS/BTR/BTC reg,imm8 6; mem,imm8 8; reg,reg 6; mem,reg 13.
      if (!mem) return 6;
      return op_is(in, 1, X86_OP_IMM) ? 8 : 13;
    case X86_INS_BSF:
      // [HelpPC] BSF reg 6-42, mem 7-43 (scan length; midpoint, question 3).
      return mem ? midpoint(7, 43) : midpoint(6, 42);
    case X86_INS_BSR:
      // [HelpPC] BSR reg 6-103, mem 7-104 (midpoint, question 3).
      return mem ? midpoint(7, 104) : midpoint(6, 103);
    case X86_INS_SETAE:
    case X86_INS_SETA:
    case X86_INS_SETBE:
    case X86_INS_SETB:
    case X86_INS_SETE:
    case X86_INS_SETGE:
    case X86_INS_SETG:
    case X86_INS_SETLE:
    case X86_INS_SETL:
    case X86_INS_SETNE:
    case X86_INS_SETNO:
    case X86_INS_SETNP:
    case X86_INS_SETNS:
    case X86_INS_SETO:
    case X86_INS_SETP:
    case X86_INS_SETS:
      return mem ? 4 : 3;  // [HelpPC] SETcc reg8 3, mem8 4

    // --- Control transfer (unconditional) ---
    case X86_INS_JMP:
      // [HelpPC] JMP rel8/rel32 3; reg32 5; mem32 5.
      return op_is(in, 0, X86_OP_IMM) ? 3 : 5;
    case X86_INS_CALL:
      // [HelpPC] CALL rel32 3; reg32 5; mem32 5.
      return op_is(in, 0, X86_OP_IMM) ? 3 : 5;
    case X86_INS_RET:
      return 5;  // [HelpPC] RETN 5; RETN immed 5
    case X86_INS_LJMP:
      // [HelpPC] JMP ptr16:32 (PM) 19; [PRM] JMP m16:32 pm=18. Call gates and task switches are
      // not modelled (the guest does not use them).
      return mem ? 18 : 19;
    case X86_INS_LCALL:
      return 20;  // [HelpPC] CALL ptr16:32 (PM) 20; [PRM] CALL m16:32 pm=20; see far_call_cycles
    case X86_INS_RETF:
      // [HelpPC] RETF (PM, same priv.) 18; RETF immed (PM, same priv.) 17; see far_ret_cycles.
      return op_is(in, 0, X86_OP_IMM) ? 17 : 18;
    case X86_INS_ENTER:
      return enter(in);
    case X86_INS_LEAVE:
      return 5;  // [HelpPC] LEAVE 5

    // --- Strings: one execution = one iteration (see the header for REP) ---
    case X86_INS_MOVSB:
    case X86_INS_MOVSW:
    case X86_INS_MOVSD:
      if (has_xmm(in)) return kUnknown;  // SSE2 MOVSD
      return has_rep(in) ? 3 : 7;        // [HelpPC] MOVS 7; [PRM] REP MOVS 12+3n
    case X86_INS_STOSB:
    case X86_INS_STOSW:
    case X86_INS_STOSD:
      return has_rep(in) ? 4 : 5;  // [HelpPC] STOS 5; [PRM] REP STOS 7+4n
    case X86_INS_LODSB:
    case X86_INS_LODSW:
    case X86_INS_LODSD:
      return has_rep(in) ? 4 : 5;  // [HelpPC] LODS 5; [PRM] REP LODS 7+4n
    case X86_INS_CMPSB:
    case X86_INS_CMPSW:
    case X86_INS_CMPSD:
      if (has_xmm(in)) return kUnknown;  // SSE2 CMPSD
      return has_rep(in) ? 7 : 8;        // [HelpPC] CMPS 8; [PRM] REPE/REPNE CMPS 7+7n
    case X86_INS_SCASB:
    case X86_INS_SCASW:
    case X86_INS_SCASD:
      return has_rep(in) ? 5 : 6;  // [HelpPC] SCAS 6; [PRM] REPE/REPNE SCAS 7+5n

    // --- I/O, protected mode with CPL <= IOPL (the first of HelpPC's three PM figures) ---
    case X86_INS_IN:
      return op_is(in, 1, X86_OP_IMM) ? 9 : 8;  // [HelpPC] IN accum,immed8 (PM) 8/28/27 ...
    case X86_INS_OUT:
      return op_is(in, 0, X86_OP_IMM) ? 11 : 10;  // [HelpPC] OUT immed8 (PM) 11; DX (PM) 10
    case X86_INS_INSB:
    case X86_INS_INSW:
    case X86_INS_INSD:
      return has_rep(in) ? 8 : 10;  // [HelpPC] INS (PM) 10; [PRM] REP INS pm=10+8n
    case X86_INS_OUTSB:
    case X86_INS_OUTSW:
    case X86_INS_OUTSD:
      return has_rep(in) ? 5 : 10;  // [HelpPC] OUTS (PM) 10; [PRM] REP OUTS pm=11+5n

    // --- Flags and processor control ---
    case X86_INS_NOP:
    case X86_INS_PAUSE:  // F3 90: REP NOP to an i486
      return 1;          // [HelpPC] NOP 1
    case X86_INS_CLI:
      return 5;  // [HelpPC] CLI 5
    case X86_INS_STI:
      return 5;  // [HelpPC] STI 5
    case X86_INS_CLD:
    case X86_INS_STD:
    case X86_INS_CLC:
    case X86_INS_STC:
    case X86_INS_CMC:
      return 2;  // [HelpPC] CLD/STD/CLC/STC/CMC 2
    case X86_INS_HLT:
      return kHltCycles;
    case X86_INS_LGDT:
    case X86_INS_LIDT:
      return 11;  // [HelpPC] LGDT 11; LIDT 11
    case X86_INS_SGDT:
    case X86_INS_SIDT:
      return 10;  // [HelpPC] SGDT 10; SIDT 10
    case X86_INS_LLDT:
      return 11;  // [HelpPC] LLDT 11
    case X86_INS_SLDT:
    case X86_INS_STR:
    case X86_INS_SMSW:
      return mem ? 3 : 2;  // [HelpPC] SLDT/STR reg16 2, mem16 3; [PRM] SMSW 2/3
    case X86_INS_LTR:
      return 20;  // [HelpPC] LTR 20
    case X86_INS_LMSW:
      return 13;  // [PRM] LMSW 13
    case X86_INS_CLTS:
      return 7;  // [HelpPC] CLTS 7
    case X86_INS_INVLPG:
      return 12;  // [HelpPC] INVLPG 12 (TLB hit; 11 on a miss)
    case X86_INS_WBINVD:
      return 5;  // [HelpPC] WBINVD 5
    case X86_INS_INVD:
      return 4;  // [HelpPC] INVD 4
    case X86_INS_CPUID:
      return 14;  // [PRM] CPUID 14 (later i486 steppings)
    case X86_INS_CMPXCHG8B:
      // [P5] CMPXCHG8B 10. Not an i486 instruction; Linux 686 kernels use it (64-bit atomics).
      return 10;
    case X86_INS_RDMSR:
      return midpoint(20, 24);  // [P5] RDMSR 20-24
    case X86_INS_WRMSR:
      return midpoint(30, 45);  // [P5] WRMSR 30-45
    // x87 control instructions, the ones Linux runs itself (FPU probe, FNSAVE/FRSTOR context
    // switch, FWAIT). [PRM] the Intel486 DX figures, protected mode; arithmetic x87 instructions
    // are not listed yet and cost kDefaultCycles.
    case X86_INS_FNINIT:
      return 17;  // [PRM] FINIT 17 (FNINIT, without the wait)
    case X86_INS_FNSTSW:
    case X86_INS_FNSTCW:
      return 3;  // [PRM] FSTSW AX 3, FSTSW m16 3, FSTCW m16 3
    case X86_INS_FLDCW:
      return 4;  // [PRM] FLDCW 4
    case X86_INS_FNCLEX:
      return 7;  // [PRM] FCLEX 7
    case X86_INS_WAIT:
      return midpoint(1, 3);  // [PRM] WAIT 1-3
    case X86_INS_FNSAVE:
      return 143;  // [PRM] FSAVE 143 (protected mode; 154 in real mode)
    case X86_INS_FRSTOR:
      return 131;  // [PRM] FRSTOR 131 (protected mode; 120 in real mode)
    case X86_INS_RDTSC:
      // [P5] Not an i486 instruction; a Pentium figure. No Pentium manual is in the library yet:
      // 11 is kept from the table's first revision and should be checked.
      return 11;
    case X86_INS_UD2:
      // Always #UD and never retires (Unicorn stops with UC_ERR_INSN_INVALID); the exception, if
      // delivered, is charged by delivery.
      return 0;
    default:
      return kUnknown;
  }
}

bool is_loop(unsigned id) {
  return id == X86_INS_LOOP || id == X86_INS_LOOPE || id == X86_INS_LOOPNE;
}
bool is_jcxz(unsigned id) {
  return id == X86_INS_JCXZ || id == X86_INS_JECXZ || id == X86_INS_JRCXZ;
}

}  // namespace

bool is_conditional_branch(const cs_insn& in) {
  switch (in.id) {
    case X86_INS_JAE:
    case X86_INS_JA:
    case X86_INS_JBE:
    case X86_INS_JB:
    case X86_INS_JCXZ:
    case X86_INS_JECXZ:
    case X86_INS_JRCXZ:
    case X86_INS_JE:
    case X86_INS_JGE:
    case X86_INS_JG:
    case X86_INS_JLE:
    case X86_INS_JL:
    case X86_INS_JNE:
    case X86_INS_JNO:
    case X86_INS_JNP:
    case X86_INS_JNS:
    case X86_INS_JO:
    case X86_INS_JP:
    case X86_INS_JS:
    case X86_INS_LOOP:
    case X86_INS_LOOPE:
    case X86_INS_LOOPNE:
      return true;
    default:
      return false;
  }
}

bool charged_by_delivery(const cs_insn& in) {
  return in.id == X86_INS_INT || in.id == X86_INS_INT3 || in.id == X86_INS_INTO ||
         in.id == X86_INS_IRET || in.id == X86_INS_IRETD;
}

std::uint32_t insn_cycles(const cs_insn& in) {
  if (is_conditional_branch(in)) {
    if (is_loop(in.id)) return in.id == X86_INS_LOOP ? 2 : 6;  // [HelpPC] LOOP 2; LOOPE/NE 6
    if (is_jcxz(in.id)) return 5;                              // [HelpPC] JCXZ/JECXZ 5
    return 1;                                                  // [HelpPC] Jcc no jump 1
  }
  // [HelpPC] INTO no jump 3: with OF=0 nothing is delivered, so the instruction pays for itself.
  if (in.id == X86_INS_INTO) return 3;
  if (charged_by_delivery(in)) return 0;
  const std::uint32_t c = lookup(in);
  return c == kUnknown ? kDefaultCycles : c;
}

std::uint32_t taken_extra(const cs_insn& in) {
  if (!is_conditional_branch(in)) return 0;
  if (in.id == X86_INS_LOOP) return 6 - 2;  // [HelpPC] LOOP jump 6, no jump 2
  if (is_loop(in.id)) return 9 - 6;         // [HelpPC] LOOPE/LOOPNE jump 9, no jump 6
  if (is_jcxz(in.id)) return 8 - 5;         // [HelpPC] JCXZ/JECXZ jump 8, no jump 5
  return 3 - 1;                             // [HelpPC] Jcc jump 3, no jump 1
}

bool is_known(const cs_insn& in) {
  return is_conditional_branch(in) || charged_by_delivery(in) || lookup(in) != kUnknown;
}

std::uint32_t int_cycles(Delivery d) {
  return d == Delivery::kSamePrivilege ? 44 : 71;
}
std::uint32_t iret_cycles(bool to_outer) {
  return to_outer ? 36 : 15;
}
std::uint32_t far_call_cycles(bool to_inner) {
  return to_inner ? 69 : 20;
}
std::uint32_t far_ret_cycles(bool to_outer) {
  return to_outer ? 33 : 18;
}

}  // namespace fs::cycle_table
