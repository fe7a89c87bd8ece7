#include "emu/iret_fault.hpp"

namespace fs {

Event sdm_iret_fault(const Event& raised, const std::uint8_t* bytes, std::size_t n,
                     const std::array<std::uint32_t, 5>& stack, unsigned cpl) {
  // A 32-bit IRET (CF without an operand-size prefix): its frame is the five dwords.
  if (raised.vector != kNP || !raised.error_code || n == 0 || bytes[0] != 0xCF) return raised;
  const std::uint32_t cs = stack[1] & 0xFFFF, ss = stack[4] & 0xFFFF;
  const std::uint32_t error = *raised.error_code & 0xFFFC;
  // Only a return to an outer level pops SS; the CS is checked first, so an #NP naming the CS
  // (even when SS is the same selector) is the CS's.
  if ((cs & 3) <= cpl || error != (ss & 0xFFFC) || error == (cs & 0xFFFC)) return raised;
  Event e = raised;
  e.vector = kSS;
  return e;
}

}  // namespace fs
