// Port 0x80, the POST diagnostic port: BIOSes write progress codes there, and Linux writes to it as
// an I/O delay (outb_p, "io_delay=0x80", the default). Nothing on the PC board answers it; a POST
// card on the ISA bus shows the code.
//
// Open questions and the answers chosen:
// 1. Writes are accepted and the last byte is kept (last_code(), for whoever inspects the
//    machine), with no effect on the guest. They are claimed by this device, not left to the port
//    bus, so Linux's thousands of delay writes do not count as unclaimed accesses.
// 2. Reads return 0xFF, as QEMU's ioport80 does (a POST card only listens; the ISA bus floats
//    high), not the last code: some chipsets echo it, but nothing depends on that.
// 3. The delay itself is the OUT's cost in the cycle table; the port adds none.
#pragma once

#include <cstdint>

#include "devices/io_device.hpp"

namespace fs {

class PostPort : public IoDevice {
 public:
  std::uint32_t io_read(Cycles, std::uint16_t, unsigned) override { return 0xFFFFFFFFu; }
  void io_write(Cycles, std::uint16_t, unsigned, std::uint32_t value) override {
    s_.last_code = static_cast<std::uint8_t>(value);
    ++s_.writes;
  }
  const char* name() const override { return "post"; }

  // Everything the port holds (a machine snapshot, emu/snapshot.hpp).
  struct State {
    std::uint8_t last_code = 0;  // the last byte written (open question 1)
    std::uint64_t writes = 0;
    bool operator==(const State&) const = default;
  };
  const State& state() const { return s_; }
  void restore(const State& s) { s_ = s; }

  std::uint8_t last_code() const { return s_.last_code; }
  std::uint64_t writes() const { return s_.writes; }

 private:
  State s_;
};

}  // namespace fs
