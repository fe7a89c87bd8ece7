#include "devices/port_bus.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace fs {

namespace {
std::uint32_t all_ones(unsigned size) {
  return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}
}  // namespace

void PortBus::attach(std::uint16_t base, std::uint16_t count, IoDevice* dev) {
  if (!dev) throw std::invalid_argument("port bus: null device");
  if (count == 0)
    throw std::invalid_argument(fmt::format("port bus: {} claims no ports", dev->name()));
  if (devices_.size() >= 0xFFFF) throw std::invalid_argument("port bus: too many devices");
  const std::uint32_t end = std::uint32_t{base} + count;
  if (end > 0x10000) {
    throw std::invalid_argument(
        fmt::format("port bus: {} at {:#06x}+{} runs past port 0xffff", dev->name(), base, count));
  }
  for (std::uint32_t p = base; p < end; ++p) {
    if (owner_[p] != 0) {
      throw std::invalid_argument(fmt::format("port bus: {} at {:#06x} overlaps {}", dev->name(), p,
                                              devices_[owner_[p] - 1].dev->name()));
    }
  }
  devices_.push_back({dev, base});
  for (std::uint32_t p = base; p < end; ++p)
    owner_[p] = static_cast<std::uint16_t>(devices_.size());
}

IoDevice* PortBus::owner(std::uint16_t port) const {
  return owner_[port] ? devices_[owner_[port] - 1].dev : nullptr;
}

std::uint32_t PortBus::read(Cycles now, std::uint16_t port, unsigned size) {
  if (const std::uint16_t o = owner_[port]) {
    const Entry& e = devices_[o - 1];
    return e.dev->io_read(now, static_cast<std::uint16_t>(port - e.base), size) & all_ones(size);
  }
  ++unclaimed_reads_;
  return all_ones(size);
}

void PortBus::write(Cycles now, std::uint16_t port, unsigned size, std::uint32_t value) {
  if (const std::uint16_t o = owner_[port]) {
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
