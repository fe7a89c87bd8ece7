#include "x86/reg_writes.hpp"

#include <stdexcept>

#include "x86/capstone.hpp"

namespace fs {
namespace {

RegMask bit_of(unsigned r) {
  switch (r) {
    case X86_REG_AL:
    case X86_REG_AH:
    case X86_REG_AX:
    case X86_REG_EAX:
      return reg_bit(Reg::kEax);
    case X86_REG_CL:
    case X86_REG_CH:
    case X86_REG_CX:
    case X86_REG_ECX:
      return reg_bit(Reg::kEcx);
    case X86_REG_DL:
    case X86_REG_DH:
    case X86_REG_DX:
    case X86_REG_EDX:
      return reg_bit(Reg::kEdx);
    case X86_REG_BL:
    case X86_REG_BH:
    case X86_REG_BX:
    case X86_REG_EBX:
      return reg_bit(Reg::kEbx);
    case X86_REG_SPL:
    case X86_REG_SP:
    case X86_REG_ESP:
      return reg_bit(Reg::kEsp);
    case X86_REG_BPL:
    case X86_REG_BP:
    case X86_REG_EBP:
      return reg_bit(Reg::kEbp);
    case X86_REG_SIL:
    case X86_REG_SI:
    case X86_REG_ESI:
      return reg_bit(Reg::kEsi);
    case X86_REG_DIL:
    case X86_REG_DI:
    case X86_REG_EDI:
      return reg_bit(Reg::kEdi);
    case X86_REG_EFLAGS:
      return reg_bit(Reg::kEflags);
    default:
      return 0;
  }
}

constexpr RegMask kA = reg_bit(Reg::kEax), kC = reg_bit(Reg::kEcx), kD = reg_bit(Reg::kEdx),
                  kB = reg_bit(Reg::kEbx), kSp = reg_bit(Reg::kEsp), kBp = reg_bit(Reg::kEbp),
                  kSi = reg_bit(Reg::kEsi), kDi = reg_bit(Reg::kEdi),
                  kFlags = reg_bit(Reg::kEflags);

// Implicit writes of the IA-32 integer instructions (Intel SDM vol. 2), whatever Capstone lists.
RegMask implicit_writes(unsigned id) {
  switch (id) {
    case X86_INS_MOVSB:
    case X86_INS_MOVSW:
    case X86_INS_MOVSD:
    case X86_INS_CMPSB:
    case X86_INS_CMPSW:
    case X86_INS_CMPSD:
    case X86_INS_OUTSB:
    case X86_INS_OUTSW:
    case X86_INS_OUTSD:
    case X86_INS_STOSB:
    case X86_INS_STOSW:
    case X86_INS_STOSD:
    case X86_INS_SCASB:
    case X86_INS_SCASW:
    case X86_INS_SCASD:
    case X86_INS_INSB:
    case X86_INS_INSW:
    case X86_INS_INSD:
      return kSi | kDi | kC;
    case X86_INS_LODSB:
    case X86_INS_LODSW:
    case X86_INS_LODSD:
      return kA | kSi | kDi | kC;
    case X86_INS_PUSH:
    case X86_INS_POP:
    case X86_INS_PUSHAW:
    case X86_INS_PUSHAL:
    case X86_INS_PUSHF:
    case X86_INS_PUSHFD:
    case X86_INS_POPF:
    case X86_INS_POPFD:
    case X86_INS_CALL:
    case X86_INS_LCALL:
    case X86_INS_RET:
    case X86_INS_RETF:
    case X86_INS_INT:
    case X86_INS_INT3:
    case X86_INS_INTO:
    case X86_INS_IRET:
    case X86_INS_IRETD:
      return kSp;
    case X86_INS_ENTER:
    case X86_INS_LEAVE:
      return kSp | kBp;
    case X86_INS_POPAW:
    case X86_INS_POPAL:
      return kA | kC | kD | kB | kSp | kBp | kSi | kDi;
    case X86_INS_CDQ:
    case X86_INS_CWD:
    case X86_INS_CWDE:
    case X86_INS_CBW:
    case X86_INS_MUL:
    case X86_INS_IMUL:
    case X86_INS_DIV:
    case X86_INS_IDIV:
    case X86_INS_RDTSC:
    case X86_INS_RDTSCP:
    case X86_INS_RDMSR:
    case X86_INS_RDPMC:
    case X86_INS_XGETBV:
    case X86_INS_CMPXCHG:
    case X86_INS_CMPXCHG8B:
      return kA | kD | (id == X86_INS_RDTSCP ? kC : 0);
    case X86_INS_CPUID:
      return kA | kB | kC | kD;
    case X86_INS_LAHF:
    case X86_INS_XLATB:
    case X86_INS_IN:
    case X86_INS_SALC:
    case X86_INS_AAA:
    case X86_INS_AAS:
    case X86_INS_DAA:
    case X86_INS_DAS:
    case X86_INS_AAM:
    case X86_INS_AAD:
    case X86_INS_FNSTSW:
      return kA;
    case X86_INS_LOOP:
    case X86_INS_LOOPE:
    case X86_INS_LOOPNE:
    case X86_INS_JCXZ:
    case X86_INS_JECXZ:
      return kC;
    case X86_INS_SYSENTER:
    case X86_INS_SYSEXIT:
    case X86_INS_SYSCALL:
    case X86_INS_SYSRET:
      return kC | kD | kSp;
    default:
      return 0;
  }
}

// Instructions that never change EFLAGS; every other one has it read after it (deny by default:
// Capstone 4's flag lists are not trusted to be complete).
bool leaves_flags(const cs_insn& in, csh h) {
  switch (in.id) {
    case X86_INS_MOV:
    case X86_INS_MOVZX:
    case X86_INS_MOVSX:
    case X86_INS_LEA:
    case X86_INS_PUSH:
    case X86_INS_POP:
    case X86_INS_PUSHAW:
    case X86_INS_PUSHAL:
    case X86_INS_POPAW:
    case X86_INS_POPAL:
    case X86_INS_PUSHF:
    case X86_INS_PUSHFD:
    case X86_INS_ENTER:
    case X86_INS_LEAVE:
    case X86_INS_NOP:
    case X86_INS_NOT:
    case X86_INS_BSWAP:
    case X86_INS_XCHG:
    case X86_INS_CDQ:
    case X86_INS_CWD:
    case X86_INS_CWDE:
    case X86_INS_CBW:
    case X86_INS_LAHF:
    case X86_INS_XLATB:
    case X86_INS_MOVSB:
    case X86_INS_MOVSW:
    case X86_INS_MOVSD:
    case X86_INS_STOSB:
    case X86_INS_STOSW:
    case X86_INS_STOSD:
    case X86_INS_LODSB:
    case X86_INS_LODSW:
    case X86_INS_LODSD:
    case X86_INS_IN:
    case X86_INS_OUT:
    case X86_INS_INSB:
    case X86_INS_INSW:
    case X86_INS_INSD:
    case X86_INS_OUTSB:
    case X86_INS_OUTSW:
    case X86_INS_OUTSD:
    case X86_INS_CPUID:
    case X86_INS_RDTSC:
    case X86_INS_RDMSR:
    case X86_INS_WRMSR:
    case X86_INS_HLT:
    case X86_INS_WAIT:
    case X86_INS_PAUSE:
    case X86_INS_INVLPG:
      return true;
    default:
      break;
  }
  if (in.id >= X86_INS_SETAE && in.id <= X86_INS_SETS) return true;   // SETcc (contiguous ids)
  if (in.id >= X86_INS_CMOVA && in.id <= X86_INS_CMOVS) return true;  // CMOVcc (contiguous ids)
  // JMP, Jcc, LOOP*, JECXZ; CALL; RET (not IRET, which is its own group and restores EFLAGS).
  return cs_insn_group(h, &in, CS_GRP_JUMP) || cs_insn_group(h, &in, CS_GRP_CALL) ||
         (cs_insn_group(h, &in, CS_GRP_RET) && !cs_insn_group(h, &in, CS_GRP_IRET));
}

}  // namespace

RegWriteSets::RegWriteSets() {
  csh h = 0;
  if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK) throw std::runtime_error("capstone: open");
  cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
  cs_ = h;
  insn_ = cs_malloc(h);
}

RegWriteSets::~RegWriteSets() {
  if (insn_) cs_free(static_cast<cs_insn*>(insn_), 1);
  csh h = cs_;
  cs_close(&h);
}

RegMask RegWriteSets::of(std::uint32_t addr, const std::uint8_t* bytes, std::size_t size) {
  const csh h = cs_;
  cs_insn* in = static_cast<cs_insn*>(insn_);
  const std::uint8_t* p = bytes;
  std::uint64_t a = addr;
  if (!cs_disasm_iter(h, &p, &size, &a, in)) return kAllFastRegs;
  RegMask m = implicit_writes(in->id);
  const cs_detail& d = *in->detail;
  for (unsigned i = 0; i < d.regs_write_count; ++i) m |= bit_of(d.regs_write[i]);
  cs_regs rr, rw;
  std::uint8_t nr = 0, nw = 0;
  if (cs_regs_access(h, in, rr, &nr, rw, &nw) == CS_ERR_OK) {
    for (unsigned i = 0; i < nw; ++i) m |= bit_of(rw[i]);
  }
  // Every register operand, read or written: Capstone 4's access flags are not trusted either.
  for (unsigned i = 0; i < d.x86.op_count; ++i)
    if (d.x86.operands[i].type == X86_OP_REG) m |= bit_of(d.x86.operands[i].reg);
  // REP/REPNE count down ECX whatever the instruction.
  if (d.x86.prefix[0] == X86_PREFIX_REP || d.x86.prefix[0] == X86_PREFIX_REPNE) m |= kC;
  if (!leaves_flags(*in, h)) m |= kFlags;
  return m;
}

}  // namespace fs
