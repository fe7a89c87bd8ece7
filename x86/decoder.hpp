// The instruction decoder the machine and the trace tools share (issue 16): Capstone behind it
// (x86/capstone.hpp, the one place its header is included), the cycle table's prices on each
// decoded instruction, and the disassembly text traces and reports print.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

struct cs_insn;  // Capstone's (x86/capstone.hpp)

namespace fs {

enum class InsnClass : std::uint8_t {
  kPlain,
  kCondBranch,  // Jcc, LOOP*, JECXZ: taken_extra charged when the next EIP is not the fall-through
  kSoftInt,     // INT n, INT3, INTO: charged by interrupt delivery
  kIret,        // charged when the next block shows the privilege it returned to
  kHlt,
  kIo,  // IN/OUT/INS/OUTS
  kRdtsc,
};

struct DecodedInsn {
  std::uint32_t addr = 0;
  std::uint8_t len = 0;
  InsnClass cls = InsnClass::kPlain;
  std::uint16_t cycles = 0;       // static cost (not-taken cost for branches; 0 for kSoftInt/kIret)
  std::uint16_t taken_extra = 0;  // kCondBranch only
  std::uint8_t soft_vector = 0;   // kSoftInt: the vector INT n raises
  bool writes_system = false;     // may load a segment register, CRn or TR (or transfer far)
  bool flushes_tlb = false;       // MOV to CR0/CR3/CR4 or INVLPG: paging registers re-read
  bool cmpxchg8b = false;         // Unicorn 2.1.1 needs help with its flags (emu/block_timing.cpp)
};

// The Capstone release linked in, asked of the library at run time ("4.0").
std::string capstone_version();

// Capstone in CS_MODE_32 with details on; one per machine (not thread-safe).
class Decoder {
 public:
  Decoder();
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
  // One instruction as text ("mov eax, dword ptr [ebx + 4]"); empty when undecodable.
  std::string disassemble(std::uint32_t addr, const std::uint8_t* bytes, std::size_t size,
                          std::uint8_t* len_out = nullptr);
  DecodedInsn decode_one(std::uint32_t addr, const std::uint8_t* bytes, std::size_t size);
  std::uint64_t unknown_cost_insns() const { return unknown_; }

 private:
  std::size_t cs_ = 0;  // Capstone's csh (a size_t)
  ::cs_insn* insn_ = nullptr;
  std::uint64_t unknown_ = 0;
};

}  // namespace fs
