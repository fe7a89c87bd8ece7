#include "emu/cycle_table.hpp"

namespace fs::cycle_table {
namespace {

bool has_mem(const cs_insn& in) {
  const cs_x86& x = in.detail->x86;
  for (int i = 0; i < x.op_count; ++i)
    if (x.operands[i].type == X86_OP_MEM) return true;
  return false;
}
bool dest_mem(const cs_insn& in) {
  const cs_x86& x = in.detail->x86;
  return x.op_count > 0 && x.operands[0].type == X86_OP_MEM;
}
bool has_rep(const cs_insn& in) {
  const std::uint8_t p = in.detail->x86.prefix[0];
  return p == X86_PREFIX_REP || p == X86_PREFIX_REPNE;
}
bool op_is_reg(const cs_insn& in, int i) {
  const cs_x86& x = in.detail->x86;
  return i < x.op_count && x.operands[i].type == X86_OP_REG;
}
bool is_segment_reg(x86_reg r) {
  return r == X86_REG_CS || r == X86_REG_DS || r == X86_REG_ES || r == X86_REG_SS ||
         r == X86_REG_FS || r == X86_REG_GS;
}
bool is_control_reg(x86_reg r) {
  return r >= X86_REG_CR0 && r <= X86_REG_CR15;
}

// Returns 0 for unknown.
std::uint32_t lookup(const cs_insn& in) {
  const cs_x86& x = in.detail->x86;
  const bool mem = has_mem(in), dmem = dest_mem(in);
  switch (in.id) {
    // Data transfer.
    case X86_INS_MOV:
      if (x.op_count == 2 && op_is_reg(in, 0) && is_segment_reg(x.operands[0].reg))
        return 9;  // MOV sreg: 3 real, 9 protected
      if (x.op_count == 2 && op_is_reg(in, 1) && is_segment_reg(x.operands[1].reg)) return 3;
      if (x.op_count == 2 && op_is_reg(in, 0) && is_control_reg(x.operands[0].reg))
        return x.operands[0].reg == X86_REG_CR0 ? 17 : 4;  // MOV CR0,r 17; CR2/CR3 4
      if (x.op_count == 2 && op_is_reg(in, 1) && is_control_reg(x.operands[1].reg)) return 4;
      return 1;
    case X86_INS_MOVZX:
    case X86_INS_MOVSX:
      return 3;
    case X86_INS_LEA:
      return 1;
    case X86_INS_XCHG:
      return mem ? 5 : 3;
    case X86_INS_PUSH:
      return mem ? 4 : 1;  // PUSH sreg is 3 (not distinguished: rare)
    case X86_INS_POP:
      return mem ? 6 : (op_is_reg(in, 0) && is_segment_reg(x.operands[0].reg) ? 9 : 4);
    case X86_INS_PUSHAL:
    case X86_INS_PUSHAW:
      return 11;
    case X86_INS_POPAL:
    case X86_INS_POPAW:
      return 9;
    case X86_INS_PUSHFD:
    case X86_INS_PUSHF:
      return 4;
    case X86_INS_POPFD:
    case X86_INS_POPF:
      return 6;
    case X86_INS_LAHF:
      return 3;
    case X86_INS_SAHF:
      return 2;
    case X86_INS_CBW:
    case X86_INS_CWDE:
    case X86_INS_CWD:
    case X86_INS_CDQ:
      return 3;
    case X86_INS_BSWAP:
      return 1;
    // Arithmetic and logic: r,r 1 / r,m 2 / m,r 3 / r,imm 1 / m,imm 3.
    case X86_INS_ADD:
    case X86_INS_ADC:
    case X86_INS_SUB:
    case X86_INS_SBB:
    case X86_INS_AND:
    case X86_INS_OR:
    case X86_INS_XOR:
      return dmem ? 3 : (mem ? 2 : 1);
    case X86_INS_CMP:
    case X86_INS_TEST:
      return mem ? 2 : 1;
    case X86_INS_INC:
    case X86_INS_DEC:
    case X86_INS_NEG:
    case X86_INS_NOT:
      return mem ? 3 : 1;
    case X86_INS_SHL:
    case X86_INS_SAL:
    case X86_INS_SHR:
    case X86_INS_SAR:
    case X86_INS_ROL:
    case X86_INS_ROR:
      return mem ? 4
                 : (x.op_count == 2 && op_is_reg(in, 1)
                        ? 3
                        : 2);  // by CL 3, by imm 2 (by 1: 3, folded)
    case X86_INS_RCL:
    case X86_INS_RCR:
      return mem ? 10 : 9;
    case X86_INS_SHLD:
    case X86_INS_SHRD:
      return mem ? 3 : 2;
    case X86_INS_MUL:
      return 26;  // 13-42 for 32-bit: midpoint of the data-dependent range
    case X86_INS_IMUL:
      return x.op_count == 3 ? 26 : 26;
    case X86_INS_DIV:
      return 40;
    case X86_INS_IDIV:
      return 43;
    case X86_INS_CMPXCHG:
      return mem ? 8 : 6;
    case X86_INS_XADD:
      return mem ? 4 : 3;
    case X86_INS_BT:
      return mem ? 3 : 3;
    case X86_INS_BTS:
    case X86_INS_BTR:
    case X86_INS_BTC:
      return mem ? 8 : 6;
    case X86_INS_BSF:
    case X86_INS_BSR:
      return 10;  // 6-42 data dependent
    case X86_INS_SETE:
    case X86_INS_SETNE:
    case X86_INS_SETA:
    case X86_INS_SETAE:
    case X86_INS_SETB:
    case X86_INS_SETBE:
    case X86_INS_SETG:
    case X86_INS_SETGE:
    case X86_INS_SETL:
    case X86_INS_SETLE:
    case X86_INS_SETO:
    case X86_INS_SETNO:
    case X86_INS_SETP:
    case X86_INS_SETNP:
    case X86_INS_SETS:
    case X86_INS_SETNS:
      return mem ? 3 : 4;
    // Control transfer.
    case X86_INS_JMP:
      if (x.op_count == 1 && x.operands[0].type == X86_OP_IMM) return 3;
      return 5;
    case X86_INS_LJMP:
      return 18;
    case X86_INS_CALL:
      return (x.op_count == 1 && x.operands[0].type == X86_OP_IMM) ? 3 : 5;
    case X86_INS_LCALL:
      return 20;
    case X86_INS_RET:
      return 5;
    case X86_INS_RETF:
      return 13;
    case X86_INS_ENTER:
      return 14;
    case X86_INS_LEAVE:
      return 5;
    // Strings: per iteration with REP.
    case X86_INS_MOVSB:
    case X86_INS_MOVSW:
    case X86_INS_MOVSD:
      return has_rep(in) ? 3 : 7;
    case X86_INS_STOSB:
    case X86_INS_STOSW:
    case X86_INS_STOSD:
      return has_rep(in) ? 4 : 5;
    case X86_INS_LODSB:
    case X86_INS_LODSW:
    case X86_INS_LODSD:
      return has_rep(in) ? 4 : 5;
    case X86_INS_CMPSB:
    case X86_INS_CMPSW:
    case X86_INS_CMPSD:
      return has_rep(in) ? 7 : 8;
    case X86_INS_SCASB:
    case X86_INS_SCASW:
    case X86_INS_SCASD:
      return has_rep(in) ? 5 : 6;
    // I/O, protected mode with CPL <= IOPL.
    case X86_INS_IN:
      return (x.op_count == 2 && x.operands[1].type == X86_OP_IMM) ? 9 : 8;
    case X86_INS_OUT:
      return (x.op_count == 2 && x.operands[0].type == X86_OP_IMM) ? 11 : 10;
    case X86_INS_INSB:
    case X86_INS_INSW:
    case X86_INS_INSD:
      return 10;
    case X86_INS_OUTSB:
    case X86_INS_OUTSW:
    case X86_INS_OUTSD:
      return 10;
    // Flags and processor control.
    case X86_INS_NOP:
      return 1;
    case X86_INS_CLI:
    case X86_INS_STI:
      return 5;
    case X86_INS_CLD:
    case X86_INS_STD:
    case X86_INS_CLC:
    case X86_INS_STC:
    case X86_INS_CMC:
      return 2;
    case X86_INS_HLT:
      return kHltCycles;
    case X86_INS_LGDT:
    case X86_INS_LIDT:
      return 11;
    case X86_INS_SGDT:
    case X86_INS_SIDT:
      return 10;
    case X86_INS_LLDT:
      return 11;
    case X86_INS_LTR:
      return 20;
    case X86_INS_STR:
      return 2;
    case X86_INS_CLTS:
      return 7;
    case X86_INS_INVLPG:
      return 12;
    case X86_INS_WBINVD:
      return 5;
    case X86_INS_INVD:
      return 4;
    case X86_INS_CPUID:
      return 14;
    case X86_INS_RDTSC:
      return 11;  // not an i486 instruction: the Pentium's count
    case X86_INS_UD2:
      return 0;  // always faults; the fault is charged by delivery
    default:
      return 0;
  }
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
    // Jcc: 3 taken, 1 not taken; LOOP: 7/6; JECXZ: 8/5.
    if (in.id == X86_INS_LOOP || in.id == X86_INS_LOOPE || in.id == X86_INS_LOOPNE) return 6;
    if (in.id == X86_INS_JECXZ || in.id == X86_INS_JCXZ) return 5;
    return 1;
  }
  if (charged_by_delivery(in)) return 0;
  const std::uint32_t c = lookup(in);
  return c ? c : (in.id == X86_INS_UD2 ? 0 : kDefaultCycles);
}

std::uint32_t taken_extra(const cs_insn& in) {
  if (!is_conditional_branch(in)) return 0;
  if (in.id == X86_INS_LOOP || in.id == X86_INS_LOOPE || in.id == X86_INS_LOOPNE) return 1;
  if (in.id == X86_INS_JECXZ || in.id == X86_INS_JCXZ) return 3;
  return 2;
}

bool is_known(const cs_insn& in) {
  return is_conditional_branch(in) || charged_by_delivery(in) || lookup(in) != 0 ||
         in.id == X86_INS_UD2;
}

std::uint32_t int_cycles(Delivery d) {
  return d == Delivery::kSamePrivilege ? 44 : 71;
}
std::uint32_t iret_cycles(bool to_outer) {
  return to_outer ? 36 : 15;
}

}  // namespace fs::cycle_table
