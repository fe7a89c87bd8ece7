// QEMU's isa-debug-exit (iobase 0xf4, iosize 4): a write of v ends the run. QEMU exits with (v <<
// 1) | 1; forkscope exits with v itself, and scripts/peer-qemu maps QEMU's status back, so one
// image behaves the same under both.
#pragma once

#include <functional>

#include "devices/io_device.hpp"

namespace fs {

class DebugExit : public IoDevice {
 public:
  explicit DebugExit(std::function<void(std::uint32_t)> on_exit) : on_exit_(std::move(on_exit)) {}
  // QEMU's debug-exit has no read callback; an unbacked ISA read is all ones.
  std::uint32_t io_read(Cycles, std::uint16_t, unsigned size) override {
    return size >= 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1);
  }
  void io_write(Cycles, std::uint16_t, unsigned, std::uint32_t value) override { on_exit_(value); }
  const char* name() const override { return "debug-exit"; }

 private:
  std::function<void(std::uint32_t)> on_exit_;
};

}  // namespace fs
