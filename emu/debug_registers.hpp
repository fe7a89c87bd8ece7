// The debug registers DR0-DR3, DR6 and DR7 (Intel SDM vol. 3B 17.2-17.3), owned by forkscope.
//
// Unicorn must never execute a MOV to DR7 that enables a breakpoint: QEMU's own breakpoint
// machinery behind it (cpu_breakpoint_insert) crashes Unicorn 2.0.1 with SIGSEGV in translated code
// (tests/conformance/debug_regs.c). So the machine runs every MOV to or from a debug register
// itself, at the instruction boundary before it (execute_mov_dr), keeps the registers here, and
// checks breakpoints itself: instruction breakpoints before an instruction runs (a fault, EIP = the
// instruction), data breakpoints after the access (a trap, EIP = the next instruction). Single
// steps (EFLAGS.TF) stay Unicorn's; the machine adds DR6.BS when it delivers them.
//
// This file is the state and the matching: pure, unit-tested without Unicorn
// (tests/debug_registers_test.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace fs {

// DR6 (SDM vol. 3B 17.2.3): B0-B3 (bits 0-3), BD (13), BS (14), BT (15); the other bits of the low
// word read as 1 and the high word as 1 (the value at reset, 0xFFFF0FF0).
constexpr std::uint32_t kDr6Fixed = 0xFFFF0FF0u;
constexpr std::uint32_t kDr6BD = 1u << 13, kDr6BS = 1u << 14;
// DR7 (17.2.4): L0/G0..L3/G3 (bits 0-7), GD (13), R/W0 LEN0 .. R/W3 LEN3 (16-31); bit 10 reads
// as 1.
constexpr std::uint32_t kDr7Fixed = 0x400u, kDr7GD = 1u << 13;

struct DebugRegisters {
  std::array<std::uint32_t, 4> addr{};  // DR0-DR3: linear addresses
  std::uint32_t dr6 = kDr6Fixed;
  std::uint32_t dr7 = kDr7Fixed;

  // Breakpoint n is enabled (Ln or Gn; forkscope has no task switches, so local = global).
  bool enabled(unsigned n) const { return (dr7 >> (2 * n)) & 3u; }
  // R/Wn: 0 instruction, 1 data write, 2 I/O (with CR4.DE; undefined without it, and then
  // forkscope ignores the breakpoint), 3 data read or write.
  unsigned rw(unsigned n) const { return (dr7 >> (16 + 4 * n)) & 3u; }
  // LENn in bytes: 1, 2, 8 (undefined on 32-bit processors; taken as 8) or 4.
  unsigned len(unsigned n) const {
    static constexpr unsigned kLen[4] = {1, 2, 8, 4};
    return kLen[(dr7 >> (18 + 4 * n)) & 3u];
  }
  bool any_instruction_breakpoint() const;
  bool any_data_breakpoint() const;
  bool any_io_breakpoint() const;  // R/W 10, whatever CR4.DE says
};

// Bits B0-B3 of the enabled instruction breakpoints at linear address `eip`.
std::uint32_t instruction_breakpoint_hits(const DebugRegisters& d, std::uint32_t eip);
// Bits B0-B3 of the enabled data breakpoints an access of `size` bytes at linear `addr` matches:
// R/W 1 matches writes, R/W 3 reads and writes; a breakpoint covers LEN bytes from its address with
// the low bits cleared (17.2.5: DRn is aligned to LEN).
std::uint32_t data_breakpoint_hits(const DebugRegisters& d, std::uint32_t addr, unsigned size,
                                   bool write);

// Bits B0-B3 of the enabled I/O breakpoints (R/W 10, meaningful only with CR4.DE set: the caller
// checks) an IN or OUT of `size` bytes at `port` matches: LEN ports from DRn's low 16 bits, aligned
// to LEN as addresses are (17.2.5), overlapping [port, port + size).
std::uint32_t io_breakpoint_hits(const DebugRegisters& d, std::uint16_t port, unsigned size);

// MOV to or from a debug register: 0F 21 /r (MOV r32, DRn) or 0F 23 /r (MOV DRn, r32). The ModRM
// mod bits are ignored (SDM vol. 2B "MOV-Move to/from Debug Registers"): reg names DRn, r/m the
// general register (EAX=0 .. EDI=7).
struct MovDr {
  bool to_dr = false;
  unsigned dr = 0;
  unsigned gpr = 0;
  unsigned length = 3;
};
std::optional<MovDr> decode_mov_dr(const std::uint8_t* bytes, std::size_t n);

enum class MovDrResult : std::uint8_t {
  kDone,  // executed: `gpr` (MOV from DRn) or the register (MOV to DRn) updated
  kGP,    // #GP(0): CPL > 0
  kUD,    // #UD: DR4/DR5 with CR4.DE set
  kDB,    // #DB, a fault: DR7.GD was set (DR6.BD set, GD cleared, nothing moved)
};
// Executes `m` with CPL `cpl` and CR4.DE `de` on `d`; `gpr` is the general register's value, in
// and out.
MovDrResult execute_mov_dr(DebugRegisters& d, const MovDr& m, std::uint32_t& gpr, unsigned cpl,
                           bool de);

}  // namespace fs
