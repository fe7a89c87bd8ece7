// The i386 registers by one name everywhere: the machine reads and writes them through Unicorn
// (emu/unicorn_cpu.hpp), the recorder stores them in traces and the trace tools read them back
// (trace/trace_format.hpp). The numbers are the trace file's register ids, stored in files: never
// renumber, append only (with a trace format version bump if the trace stores the new one).
#pragma once

#include <cstdint>

namespace fs {

enum class Reg : std::uint8_t {
  // General registers, in x86 encoding order (a ModRM reg field is the Reg).
  kEax = 0,
  kEcx = 1,
  kEdx = 2,
  kEbx = 3,
  kEsp = 4,
  kEbp = 5,
  kEsi = 6,
  kEdi = 7,
  kEip = 8,
  kEflags = 9,
  // Segment selectors and the task register (16-bit values).
  kCs = 10,
  kSs = 11,
  kDs = 12,
  kEs = 13,
  kFs = 14,
  kGs = 15,
  kTr = 16,
  kCr0 = 17,
  kCr2 = 18,
  kCr3 = 19,
  kCpl = 20,  // current privilege level, 0..3 (CS's RPL in protected mode)
  // Not stored in traces (trace::kRegCount ends before it).
  kCr4 = 21,
};

}  // namespace fs
