// The ISA I/O port space: 64 Ki ports, each claimed by at most one device.
//
// Open questions and the answers chosen:
// 1. A port nobody claims reads as all ones of the access size (nothing drives the ISA data bus;
//    the pull-ups win, as on a PC and in QEMU) and ignores writes; both are counted.
// 2. A device sees the access at the port it was addressed on (offset = port - base) with the
//    access size; a 2- or 4-byte access is not split across ports. A read result is cut to the
//    access size.
// 3. Same-cycle events: run_until visits devices in attach order (device id), never in container
//    or address order, so two edges due on the same cycle always fire in the same order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "devices/io_device.hpp"

namespace fs {

class PortBus {
 public:
  // Claims [base, base+count). Throws std::invalid_argument on overlap, past 0xFFFF, or an empty
  // range. Device id = attach order (0, 1, ...).
  void attach(std::uint16_t base, std::uint16_t count, IoDevice* dev);
  // Unclaimed ports read as all ones of `size` (0xFF/0xFFFF/0xFFFFFFFF) and are counted.
  std::uint32_t read(Cycles now, std::uint16_t port, unsigned size);
  // Unclaimed writes are ignored and counted.
  void write(Cycles now, std::uint16_t port, unsigned size, std::uint32_t value);
  // The earliest next_event() of all devices, or kNever.
  Cycles next_event() const;
  // Every device in attach (id) order, so same-cycle events fire in device-id order.
  void run_until(Cycles now);
  std::uint64_t unclaimed_reads() const { return unclaimed_reads_; }
  std::uint64_t unclaimed_writes() const { return unclaimed_writes_; }
  // The counts back as they were (a machine snapshot, emu/snapshot.hpp).
  void restore_unclaimed(std::uint64_t reads, std::uint64_t writes) {
    unclaimed_reads_ = reads;
    unclaimed_writes_ = writes;
  }

  // The device claiming `port`, or nullptr.
  IoDevice* owner(std::uint16_t port) const;
  std::size_t device_count() const { return devices_.size(); }

 private:
  struct Entry {
    IoDevice* dev;
    std::uint16_t base;
  };
  std::vector<Entry> devices_;                // index = device id
  std::array<std::uint16_t, 65536> owner_{};  // 0 = none, else device id + 1
  std::uint64_t unclaimed_reads_ = 0, unclaimed_writes_ = 0;
};

}  // namespace fs
