#include "emu/block_cache.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "emu/cycle_table.hpp"

namespace fs {

int Block::index_of(std::uint32_t a) const {
  for (std::size_t i = 0; i < insns.size(); ++i)
    if (insns[i].addr == a) return static_cast<int>(i);
  return -1;
}

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

Block Decoder::decode_block(std::uint32_t addr, const std::uint8_t* bytes, std::uint32_t size) {
  Block b;
  b.addr = addr;
  b.size = size;
  b.before.push_back(0);
  std::uint32_t off = 0;
  while (off < size) {
    DecodedInsn d = decode_one(addr + off, bytes + off, size - off);
    if (d.len == 0) break;
    b.has_rdtsc |= d.cls == InsnClass::kRdtsc;
    b.flushes_tlb |= d.flushes_tlb;
    b.checked_at_boundary |=
        d.cls == InsnClass::kIo || (d.len >= 3 && bytes[off] == 0x0F &&
                                    (bytes[off + 1] == 0x21 || bytes[off + 1] == 0x23));  // MOV DRn
    b.insns.push_back(d);
    b.before.push_back(b.before.back() + d.cycles);
    off += d.len;
  }
  return b;
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

void BlockCache::fill(Slot& s, const Block& b, const std::uint8_t* live) {
  s.addr = b.addr;
  s.size = b.size;
  s.block = &b;
  for (unsigned i = 0; i < 4; ++i) {
    const std::uint32_t from = 8 * i;
    s.masks[i] = b.size >= from + 8 ? ~0ull
                 : b.size <= from   ? 0
                                    : (1ull << (8 * (b.size - from))) - 1;
    std::uint64_t w;
    std::memcpy(&w, live + from, 8);
    s.words[i] = w & s.masks[i];
  }
  Summary& m = s.summary;
  m = Summary{};
  m.total = b.total();
  m.insns = static_cast<std::uint16_t>(b.insns.size());
  m.has_rdtsc = b.has_rdtsc;
  m.flushes_tlb = b.flushes_tlb;
  m.checked_at_boundary = b.checked_at_boundary;
  if (!b.insns.empty()) {
    const DecodedInsn& last = b.insns.back();
    if (last.cls == InsnClass::kCondBranch) {
      m.end = Summary::End::kBranch;
      m.fallthrough = last.addr + last.len;
      m.taken_extra = last.taken_extra;
    } else if (last.cls == InsnClass::kIret) {
      m.end = Summary::End::kIret;
    }
  }
}

const Block& BlockCache::get_slow(std::uint32_t addr, std::uint32_t size,
                                  const std::uint8_t* live) {
  const std::uint64_t key = (std::uint64_t{addr} << 16) ^ size;
  auto& versions = map_[key];
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (std::memcmp((*it)->bytes.data(), live, size) == 0) return **it;
  }
  if (!versions.empty()) ++redecoded_;
  // Capstone may look past the block's end for the last instruction's bytes; give it zeros.
  std::vector<std::uint8_t> bytes(size + 16, 0);
  std::memcpy(bytes.data(), live, size);
  auto b = std::make_unique<Block>(dec_.decode_block(addr, bytes.data(), size));
  b->bytes.assign(live, live + size);
  versions.push_back(std::move(b));
  return *versions.back();
}

}  // namespace fs
