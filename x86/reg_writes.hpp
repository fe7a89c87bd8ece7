// Which general registers and EFLAGS an instruction may write, for the trace recorder: it reads
// only those after each instruction (UNICORN-NOTES.md "Throughput": every register read through
// Unicorn costs), and all of them after a delivery or an instruction that may write system state
// (DecodedInsn::writes_system). The sets are Capstone 4's register-access lists widened on purpose:
// every register operand, read or written, and the implicit writes Capstone 4 is known to leave out
// (string instructions, REP, stack instructions, CDQ, MUL/DIV, CPUID...). A register in the set
// that the instruction does not change costs one read; a missing one would be a wrong trace, so
// tests/trace_recorder_test.cpp compares every instruction of several guests and kernel scenarios
// against a run that reads every register, and the recorder re-reads everything at each chunk
// boundary and counts any difference (TraceRecorder::missed_writes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "x86/reg.hpp"

namespace fs {

// Bit r is 1 << static_cast<unsigned>(Reg r), for EAX..EDI and EFLAGS.
using RegMask = std::uint16_t;
constexpr RegMask reg_bit(Reg r) {
  return static_cast<RegMask>(1u << static_cast<unsigned>(r));
}
// EAX..EDI and EFLAGS: what an undecodable instruction gets.
inline constexpr RegMask kAllFastRegs = 0xFF | (1u << static_cast<unsigned>(Reg::kEflags));

// A Capstone handle of its own (one per machine, used on decode-cache misses only).
class RegWriteSets {
 public:
  RegWriteSets();
  ~RegWriteSets();
  RegWriteSets(const RegWriteSets&) = delete;
  RegWriteSets& operator=(const RegWriteSets&) = delete;
  // The registers the instruction at `bytes` (decoded at `addr`) may write; kAllFastRegs when it
  // does not decode.
  RegMask of(std::uint32_t addr, const std::uint8_t* bytes, std::size_t size);

 private:
  std::size_t cs_ = 0;  // csh
  void* insn_ = nullptr;
};

}  // namespace fs
