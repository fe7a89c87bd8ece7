#include "devices/system_port_b.hpp"

namespace fs {

SystemPortB::SystemPortB(Pit8254& pit) : pit_(pit) {
  pit_.set_gate(2, false, 0);  // open question 4: the port resets to 0
}

std::uint32_t SystemPortB::io_read(Cycles now, std::uint16_t, unsigned) {
  std::uint8_t v = s_.written;
  if ((pit_.tick_at(now) / kRefreshClks) & 1) v |= kRefreshToggle;
  if (pit_.out(2, now)) v |= kOut2;
  return v;
}

void SystemPortB::io_write(Cycles now, std::uint16_t, unsigned, std::uint32_t value) {
  s_.written = static_cast<std::uint8_t>(value & 0x0F);
  pit_.set_gate(2, (s_.written & kGate2) != 0, now);
}

}  // namespace fs
