// The machine's only time: a 64-bit count of CPU cycles since reset.
//
// Every retired instruction adds its cost from x86/cycle_table; HLT jumps the count to the next
// device deadline and books the gap as idle. Seconds exist only for the summary: cycles / cpu_hz.
// Nothing here (or anywhere on the emulated path) reads host time, so a run is a pure function of
// image and options.
#pragma once

#include <cstdint>

#include "devices/io_device.hpp"

namespace fs {

struct Clock {
  Cycles now = 0;   // cycles since reset
  Cycles idle = 0;  // of which spent halted (HLT with IF=1 waiting for an event)
  std::uint64_t cpu_hz = 100'000'000;

  double seconds() const { return static_cast<double>(now) / static_cast<double>(cpu_hz); }
};

}  // namespace fs
