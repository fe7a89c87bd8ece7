#include "emu/io_permission.hpp"

namespace fs {
namespace {

constexpr std::uint32_t kIoMapBaseOffset = 0x66;  // SDM vol. 3A figure 7-2
constexpr std::uint32_t kMinTssLimit = 0x67;      // a 32-bit TSS is at least 104 bytes

MemFault gp0() {
  return MemFault{kGP, 0, 0};
}

}  // namespace

bool iopl_allows(const IoAccess& a) {
  const unsigned iopl = (a.eflags >> 12) & 3u;
  return a.cpl <= iopl;
}

std::optional<MemFault> check_io_permission(const IoAccess& a, GuestMemory& mem) {
  if (iopl_allows(a)) return std::nullopt;
  // No TSS, or one too short to hold the map base: no bit map, every access faults.
  if (a.tr_limit < kMinTssLimit) return gp0();
  std::uint16_t base = 0;
  if (auto f = mem.read(a.tr_base + kIoMapBaseOffset, &base, 2, true)) return f;
  // The CPU reads two bytes at base + port / 8 (an access up to 4 bytes wide, starting at any bit,
  // spans at most two), and both must lie inside the limit (SDM vol. 1 19.5.2: "an extra byte
  // with all bits set" ends a map that covers the last ports).
  const std::uint32_t at = std::uint32_t{base} + a.port / 8u;
  if (at + 1 > a.tr_limit) return gp0();
  std::uint8_t bytes[2] = {};
  if (auto f = mem.read(a.tr_base + at, bytes, 2, true)) return f;
  const std::uint32_t bits =
      (std::uint32_t{bytes[0]} | std::uint32_t{bytes[1]} << 8) >> (a.port & 7u);
  const std::uint32_t mask = (1u << a.width) - 1u;
  if (bits & mask) return gp0();
  return std::nullopt;
}

}  // namespace fs

namespace fs {

std::optional<IoInsn> decode_io(const std::uint8_t* bytes, std::size_t n) {
  bool opsize16 = false;
  std::size_t i = 0;
  // Legacy prefixes: operand size, REP/REPNE, LOCK, segment overrides (OUTS), address size.
  for (; i < n; ++i) {
    const std::uint8_t b = bytes[i];
    if (b == 0x66) {
      opsize16 = true;
    } else if (b != 0xF2 && b != 0xF3 && b != 0xF0 && b != 0x26 && b != 0x2E && b != 0x36 &&
               b != 0x3E && b != 0x64 && b != 0x65 && b != 0x67) {
      break;
    }
  }
  if (i >= n) return std::nullopt;
  const std::uint8_t op = bytes[i];
  IoInsn io;
  switch (op) {
    case 0xE4:
    case 0xE5:
    case 0xE6:
    case 0xE7:
      if (i + 1 >= n) return std::nullopt;
      io.port_in_dx = false;
      io.imm_port = bytes[i + 1];
      break;
    case 0xEC:
    case 0xED:
    case 0xEE:
    case 0xEF:
    case 0x6C:
    case 0x6D:
    case 0x6E:
    case 0x6F:
      break;
    default:
      return std::nullopt;
  }
  const bool byte_form = (op & 1) == 0;
  io.width = byte_form ? 1 : opsize16 ? 2 : 4;
  io.string = op < 0x70;
  io.is_in = io.string ? op < 0x6E : (op & 2) == 0;
  return io;
}

}  // namespace fs
