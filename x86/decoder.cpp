#include "x86/decoder.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <type_traits>

#include "x86/capstone.hpp"
#include "x86/cycle_table.hpp"

namespace fs {
namespace {

// Whether the instruction may change a segment register, a control register or TR: the trace
// recorder reads those only after such an instruction (or a delivery), and the general registers
// and EFLAGS after every one. Capstone's register-access lists first, then the instructions whose
// lists are known to be incomplete in Capstone 4 (far transfers, descriptor-table loads).
bool writes_system_state(const cs_insn& in) {
  switch (in.id) {
    case X86_INS_IRET:
    case X86_INS_IRETD:
    case X86_INS_LJMP:
    case X86_INS_LCALL:
    case X86_INS_RETF:
    case X86_INS_RETFQ:
    case X86_INS_LTR:
    case X86_INS_LGDT:
    case X86_INS_LIDT:
    case X86_INS_LLDT:
    case X86_INS_LMSW:
    case X86_INS_CLTS:
    case X86_INS_LDS:
    case X86_INS_LES:
    case X86_INS_LFS:
    case X86_INS_LGS:
    case X86_INS_LSS:
    case X86_INS_INT:
    case X86_INS_INT3:
    case X86_INS_INTO:
      return true;
    default:
      break;
  }
  const cs_x86& x = in.detail->x86;
  auto is_system = [](unsigned r) {
    return (r >= X86_REG_CR0 && r <= X86_REG_CR15) || r == X86_REG_CS || r == X86_REG_SS ||
           r == X86_REG_DS || r == X86_REG_ES || r == X86_REG_FS || r == X86_REG_GS;
  };
  for (unsigned i = 0; i < in.detail->regs_write_count; ++i)
    if (is_system(in.detail->regs_write[i])) return true;
  // Any segment or control register operand, read or written: Capstone 4 marks neither `pop %ds`
  // nor its operand as a write. A read costs only a full register read.
  for (unsigned i = 0; i < x.op_count; ++i)
    if (x.operands[i].type == X86_OP_REG && is_system(x.operands[i].reg)) return true;
  return false;
}

}  // namespace

std::string capstone_version() {
  int major = 0, minor = 0;
  cs_version(&major, &minor);
  return fmt::format("{}.{}", major, minor);
}

Decoder::Decoder() {
  static_assert(std::is_same_v<csh, std::size_t>, "Decoder keeps Capstone's handle as a size_t");
  if (cs_open(CS_ARCH_X86, CS_MODE_32, &cs_) != CS_ERR_OK)
    throw std::runtime_error("capstone: open");
  cs_option(cs_, CS_OPT_DETAIL, CS_OPT_ON);
  insn_ = cs_malloc(cs_);
}

Decoder::~Decoder() {
  if (insn_) cs_free(insn_, 1);
  cs_close(&cs_);
}

DecodedInsn Decoder::decode_one(std::uint32_t addr, const std::uint8_t* bytes, std::size_t size) {
  DecodedInsn d;
  d.addr = addr;
  const std::uint8_t* p = bytes;
  std::uint64_t a = addr;
  if (!cs_disasm_iter(cs_, &p, &size, &a, insn_)) return d;  // len 0: undecodable
  const cs_insn& in = *insn_;
  d.len = static_cast<std::uint8_t>(in.size);
  d.writes_system = writes_system_state(in);
  d.flushes_tlb =
      in.id == X86_INS_INVLPG || (in.id == X86_INS_MOV && in.detail->x86.op_count == 2 &&
                                  in.detail->x86.operands[0].type == X86_OP_REG &&
                                  in.detail->x86.operands[0].reg >= X86_REG_CR0 &&
                                  in.detail->x86.operands[0].reg <= X86_REG_CR15);
  d.cmpxchg8b = in.id == X86_INS_CMPXCHG8B;
  if (!cycle_table::is_known(in)) ++unknown_;
  if (cycle_table::charged_by_delivery(in)) {
    if (in.id == X86_INS_IRET || in.id == X86_INS_IRETD) {
      d.cls = InsnClass::kIret;
    } else {
      d.cls = InsnClass::kSoftInt;
      if (in.id == X86_INS_INT3)
        d.soft_vector = 3;
      else if (in.id == X86_INS_INTO)
        d.soft_vector = 4, d.cycles = static_cast<std::uint16_t>(cycle_table::insn_cycles(in));
      else
        d.soft_vector = static_cast<std::uint8_t>(in.detail->x86.operands[0].imm);
    }
    return d;
  }
  d.cycles = static_cast<std::uint16_t>(cycle_table::insn_cycles(in));
  if (cycle_table::is_conditional_branch(in)) {
    d.cls = InsnClass::kCondBranch;
    d.taken_extra = static_cast<std::uint16_t>(cycle_table::taken_extra(in));
  } else if (in.id == X86_INS_HLT) {
    d.cls = InsnClass::kHlt;
  } else if (in.id == X86_INS_RDTSC) {
    d.cls = InsnClass::kRdtsc;
  } else if (in.id == X86_INS_IN || in.id == X86_INS_OUT || in.id == X86_INS_INSB ||
             in.id == X86_INS_INSW || in.id == X86_INS_INSD || in.id == X86_INS_OUTSB ||
             in.id == X86_INS_OUTSW || in.id == X86_INS_OUTSD) {
    d.cls = InsnClass::kIo;
  }
  return d;
}

std::string Decoder::disassemble(std::uint32_t addr, const std::uint8_t* bytes, std::size_t size,
                                 std::uint8_t* len_out) {
  const std::uint8_t* p = bytes;
  std::uint64_t a = addr;
  if (!cs_disasm_iter(cs_, &p, &size, &a, insn_)) {
    if (len_out) *len_out = 0;
    return {};
  }
  if (len_out) *len_out = static_cast<std::uint8_t>(insn_->size);
  std::string s = insn_->mnemonic;
  if (insn_->op_str[0]) {
    s += ' ';
    s += insn_->op_str;
  }
  return s;
}

}  // namespace fs
