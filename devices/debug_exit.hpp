// QEMU's isa-debug-exit (iobase 0xf4, iosize 4). Source: QEMU hw/misc/debugexit.c.
//
// Open questions and the answers chosen:
// 1. What ends the run? A write of any size (1, 2 or 4 bytes) at any of the 4 ports: on_exit gets
//    the value as written (masked to the access size). The device keeps no policy: the process
//    status is made from v by emu/exit_status.hpp, QEMU's (v << 1) | 1 except 0 -> 0 (QEMU: 1).
// 2. Reads: QEMU's debug_exit_read returns 0 (its only tell: a read gives zero), so ours do too.
#pragma once

#include <functional>

#include "devices/io_device.hpp"

namespace fs {

class DebugExit : public IoDevice {
 public:
  explicit DebugExit(std::function<void(std::uint32_t value)> on_exit);
  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override;
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override;
  const char* name() const override { return "debug-exit"; }

  // Everything the device holds (a machine snapshot, emu/snapshot.hpp).
  struct State {
    std::uint64_t writes = 0;  // how many exit writes were seen
    bool operator==(const State&) const = default;
  };
  const State& state() const { return s_; }
  void restore(const State& s) { s_ = s; }

  std::uint64_t writes() const { return s_.writes; }

 private:
  std::function<void(std::uint32_t)> on_exit_;
  State s_;
};

}  // namespace fs
