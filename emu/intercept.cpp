#include "emu/intercept.hpp"

#include <algorithm>

#include "emu/io_permission.hpp"

namespace fs {
namespace {

constexpr std::uint32_t kCr4DE = 1u << 3;

bool is_mov_dr(const std::uint8_t* bytes) {
  return bytes[0] == 0x0F && (bytes[1] == 0x21 || bytes[1] == 0x23);
}

}  // namespace

bool Intercepts::needs(const UnicornCpu& cpu, const DecodedInsn& in, const std::uint8_t* bytes,
                       bool* cpl_read, bool* above_iopl) const {
  if (is_mov_dr(bytes)) return true;
  if (insn_breakpoints && instruction_breakpoint_hits(dr, in.addr)) return true;
  if (in.cls != InsnClass::kIo) return false;
  // An enabled I/O breakpoint (R/W 10 with CR4.DE): every IN and OUT, to compare its port.
  if (dr.any_io_breakpoint() && (cpu.reg(Reg::kCr4) & kCr4DE)) return true;
  if (!*cpl_read) {
    IoAccess a;
    a.cpl = cpu.cpl();
    a.eflags = cpu.reg(Reg::kEflags);
    *above_iopl = !iopl_allows(a);
    *cpl_read = true;
  }
  return *above_iopl;
}

int Intercepts::first_in(const UnicornCpu& cpu, const Block& b) {
  // Called for blocks with an I/O instruction or a MOV DRn (Block::checked_at_boundary), and for
  // every block while an instruction breakpoint is enabled.
  bool cpl_read = false, above_iopl = false;
  for (std::size_t k = 0; k < b.insns.size(); ++k) {
    const DecodedInsn& in = b.insns[k];
    if (k == 0 && in.addr == pass) continue;  // checked at the loop top: let it run
    const std::size_t off = in.addr - b.addr;
    std::uint8_t bytes[16] = {};
    std::memcpy(bytes, &b.bytes[off], std::min<std::size_t>(sizeof bytes, b.bytes.size() - off));
    if (!needs(cpu, in, bytes, &cpl_read, &above_iopl)) continue;
    pending.addr = in.addr;
    pending.insn = in;
    std::memcpy(pending.bytes.data(), bytes, sizeof bytes);
    return static_cast<int>(k);
  }
  return -1;
}

}  // namespace fs
