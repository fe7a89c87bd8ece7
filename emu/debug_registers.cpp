#include "emu/debug_registers.hpp"

namespace fs {

bool DebugRegisters::any_instruction_breakpoint() const {
  for (unsigned n = 0; n < 4; ++n)
    if (enabled(n) && rw(n) == 0) return true;
  return false;
}

bool DebugRegisters::any_data_breakpoint() const {
  for (unsigned n = 0; n < 4; ++n)
    if (enabled(n) && (rw(n) == 1 || rw(n) == 3)) return true;
  return false;
}

bool DebugRegisters::any_io_breakpoint() const {
  for (unsigned n = 0; n < 4; ++n)
    if (enabled(n) && rw(n) == 2) return true;
  return false;
}

std::uint32_t instruction_breakpoint_hits(const DebugRegisters& d, std::uint32_t eip) {
  // 17.2.5: an instruction breakpoint needs LEN 00; with another LEN the result is undefined, and
  // forkscope, like QEMU, compares the address alone.
  std::uint32_t hits = 0;
  for (unsigned n = 0; n < 4; ++n)
    if (d.enabled(n) && d.rw(n) == 0 && d.addr[n] == eip) hits |= 1u << n;
  return hits;
}

std::uint32_t data_breakpoint_hits(const DebugRegisters& d, std::uint32_t addr, unsigned size,
                                   bool write) {
  std::uint32_t hits = 0;
  for (unsigned n = 0; n < 4; ++n) {
    const unsigned rw = d.rw(n);
    if (!d.enabled(n) || !(rw == 3 || (rw == 1 && write))) continue;
    const std::uint64_t len = d.len(n);
    const std::uint64_t lo = d.addr[n] & ~(len - 1), hi = lo + len;
    const std::uint64_t a = addr, b = std::uint64_t{addr} + size;
    if (a < hi && lo < b) hits |= 1u << n;
  }
  return hits;
}

std::uint32_t io_breakpoint_hits(const DebugRegisters& d, std::uint16_t port, unsigned size) {
  std::uint32_t hits = 0;
  for (unsigned n = 0; n < 4; ++n) {
    if (!d.enabled(n) || d.rw(n) != 2) continue;
    const std::uint32_t len = d.len(n);
    const std::uint32_t lo = (d.addr[n] & 0xFFFFu) & ~(len - 1), hi = lo + len;
    if (port < hi && lo < std::uint32_t{port} + size) hits |= 1u << n;
  }
  return hits;
}

std::optional<MovDr> decode_mov_dr(const std::uint8_t* bytes, std::size_t n) {
  if (n < 3 || bytes[0] != 0x0F || (bytes[1] != 0x21 && bytes[1] != 0x23)) return std::nullopt;
  MovDr m;
  m.to_dr = bytes[1] == 0x23;
  m.dr = (bytes[2] >> 3) & 7u;
  m.gpr = bytes[2] & 7u;
  return m;
}

MovDrResult execute_mov_dr(DebugRegisters& d, const MovDr& m, std::uint32_t& gpr, unsigned cpl,
                           bool de) {
  // SDM vol. 2B MOV DRn: #GP(0) above CPL 0, #UD for DR4/DR5 with CR4.DE, then #DB when DR7.GD
  // is set (17.2.4: the processor clears GD entering the handler, so the handler can use them).
  if (cpl != 0) return MovDrResult::kGP;
  unsigned dr = m.dr;
  if (dr == 4 || dr == 5) {
    if (de) return MovDrResult::kUD;
    dr += 2;  // without CR4.DE, DR4 and DR5 are aliases of DR6 and DR7
  }
  if (d.dr7 & kDr7GD) {
    d.dr6 |= kDr6BD;
    d.dr7 &= ~kDr7GD;
    return MovDrResult::kDB;
  }
  std::uint32_t* reg = dr < 4 ? &d.addr[dr] : dr == 6 ? &d.dr6 : &d.dr7;
  if (!m.to_dr) {
    gpr = *reg;
  } else if (dr == 6) {
    d.dr6 = gpr | kDr6Fixed;  // the fixed bits cannot be cleared
  } else if (dr == 7) {
    d.dr7 = gpr | kDr7Fixed;
  } else {
    *reg = gpr;
  }
  return MovDrResult::kDone;
}

}  // namespace fs
