#include "devices/port_bus.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace fs {

void PortBus::attach(std::uint16_t base, std::uint16_t count, IoDevice* dev) {
  if (devices_.size() >= 255) throw std::invalid_argument("port bus: too many devices");
  for (std::uint32_t p = base; p < std::uint32_t{base} + count; ++p) {
    if (p > 0xFFFF || owner_[p] != 0) {
      throw std::invalid_argument(
          fmt::format("port bus: {} at {:#06x} overlaps a claimed port", dev->name(), p));
    }
  }
  devices_.push_back({dev, base});
  for (std::uint32_t p = base; p < std::uint32_t{base} + count; ++p)
    owner_[p] = static_cast<std::uint8_t>(devices_.size());
}

std::uint32_t PortBus::read(Cycles now, std::uint16_t port, unsigned size) {
  if (const std::uint8_t o = owner_[port]) {
    const Entry& e = devices_[o - 1];
    return e.dev->io_read(now, static_cast<std::uint16_t>(port - e.base), size);
  }
  ++unclaimed_reads_;
  return size >= 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1);
}

void PortBus::write(Cycles now, std::uint16_t port, unsigned size, std::uint32_t value) {
  if (const std::uint8_t o = owner_[port]) {
    const Entry& e = devices_[o - 1];
    e.dev->io_write(now, static_cast<std::uint16_t>(port - e.base), size, value);
    return;
  }
  ++unclaimed_writes_;
}

Cycles PortBus::next_event() const {
  Cycles n = kNever;
  for (const Entry& e : devices_) n = std::min(n, e.dev->next_event());
  return n;
}

void PortBus::run_until(Cycles now) {
  for (const Entry& e : devices_) e.dev->run_until(now);
}

}  // namespace fs
