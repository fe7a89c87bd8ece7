// The ISA I/O port space: 64 Ki ports, each claimed by at most one device.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "devices/io_device.hpp"

namespace fs {

class PortBus {
 public:
  // Claims [base, base+count). Throws std::invalid_argument on overlap. Device id = attach order.
  void attach(std::uint16_t base, std::uint16_t count, IoDevice* dev);
  // Unclaimed ports read as all ones of `size` (an ISA bus with nothing driving it) and are
  // counted.
  std::uint32_t read(Cycles now, std::uint16_t port, unsigned size);
  // Unclaimed writes are ignored and counted.
  void write(Cycles now, std::uint16_t port, unsigned size, std::uint32_t value);
  Cycles next_event() const;
  // Every device in attach order, so same-cycle events fire in device-id order.
  void run_until(Cycles now);
  std::uint64_t unclaimed_reads() const { return unclaimed_reads_; }
  std::uint64_t unclaimed_writes() const { return unclaimed_writes_; }

 private:
  struct Entry {
    IoDevice* dev;
    std::uint16_t base;
  };
  std::vector<Entry> devices_;
  std::array<std::uint8_t, 65536> owner_{};  // 0 = none, else index + 1 into devices_
  std::uint64_t unclaimed_reads_ = 0, unclaimed_writes_ = 0;
};

}  // namespace fs
