// The contract between the machine and every device on the port bus.
//
// Devices are plain C++ state machines: they know nothing of Unicorn, the CLI or the trace. Time
// reaches them only as an absolute cycle count `now` (the machine's one clock, see emu/clock.hpp),
// passed on every access, so a device can bring itself up to date lazily instead of being ticked.
#pragma once

#include <cstdint>
#include <limits>

namespace fs {

using Cycles = std::uint64_t;
inline constexpr Cycles kNever = std::numeric_limits<Cycles>::max();

class IoDevice {
 public:
  virtual ~IoDevice() = default;
  // `offset` is the port minus the device's base port; `size` is 1, 2 or 4 bytes.
  virtual std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) = 0;
  virtual void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) = 0;
  // The absolute cycle of the device's next visible change (an output edge), or kNever.
  virtual Cycles next_event() const { return kNever; }
  // Process every change due at or before `now` (fires output-edge callbacks). Idempotent.
  virtual void run_until(Cycles /*now*/) {}
  virtual const char* name() const = 0;
};

}  // namespace fs
