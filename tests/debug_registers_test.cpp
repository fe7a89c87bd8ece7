// Mirrors emu/debug_registers.cpp: MOV to/from DRn, breakpoint matching and DR6 (Intel SDM vol. 3B
// 17.2), without Unicorn.
#include "emu/debug_registers.hpp"

#include <catch2/catch.hpp>

using namespace fs;

namespace {

std::uint32_t mov(DebugRegisters& d, bool to, unsigned dr, std::uint32_t v, unsigned cpl = 0,
                  bool de = false, MovDrResult want = MovDrResult::kDone) {
  MovDr m;
  m.to_dr = to;
  m.dr = dr;
  CHECK(execute_mov_dr(d, m, v, cpl, de) == want);
  return v;
}

}  // namespace

TEST_CASE("debug_registers: MOV DRn decodes 0F 21 and 0F 23 with reg = DRn, r/m = GPR",
          "[debug_registers]") {
  const std::uint8_t to7[] = {0x0F, 0x23, 0xF8};    // mov %eax, %dr7
  const std::uint8_t from6[] = {0x0F, 0x21, 0xF3};  // mov %dr6, %ebx
  auto a = decode_mov_dr(to7, 3);
  REQUIRE(a);
  CHECK(a->to_dr);
  CHECK(a->dr == 7);
  CHECK(a->gpr == 0);
  auto b = decode_mov_dr(from6, 3);
  REQUIRE(b);
  CHECK_FALSE(b->to_dr);
  CHECK(b->dr == 6);
  CHECK(b->gpr == 3);
  const std::uint8_t cr[] = {0x0F, 0x22, 0xD8};  // mov %eax, %cr3
  CHECK_FALSE(decode_mov_dr(cr, 3));
  CHECK_FALSE(decode_mov_dr(to7, 2));
}

TEST_CASE("debug_registers: reset values, fixed bits and the DR4/DR5 aliases",
          "[debug_registers]") {
  DebugRegisters d;
  CHECK(mov(d, false, 6, 0) == 0xFFFF0FF0u);
  CHECK(mov(d, false, 7, 0) == 0x400u);
  mov(d, true, 6, 0);
  CHECK(d.dr6 == 0xFFFF0FF0u);  // the fixed bits stay set
  mov(d, true, 5, 0x1);         // DR5 is DR7 without CR4.DE
  CHECK(d.dr7 == 0x401u);
  CHECK(mov(d, false, 4, 0) == d.dr6);
  mov(d, false, 4, 0, 0, true, MovDrResult::kUD);
  mov(d, true, 0, 0x1234, 3, false, MovDrResult::kGP);
  CHECK(d.addr[0] == 0);
}

TEST_CASE("debug_registers: DR7.GD makes the next MOV DRn a #DB with DR6.BD, and clears GD",
          "[debug_registers]") {
  DebugRegisters d;
  mov(d, true, 7, kDr7GD);
  mov(d, true, 0, 0x1234, 0, false, MovDrResult::kDB);
  CHECK(d.addr[0] == 0);
  CHECK((d.dr6 & kDr6BD) != 0);
  CHECK((d.dr7 & kDr7GD) == 0);
  mov(d, true, 0, 0x1234);
  CHECK(d.addr[0] == 0x1234);
}

TEST_CASE("debug_registers: instruction breakpoints need Ln/Gn and R/W 00", "[debug_registers]") {
  DebugRegisters d;
  d.addr = {0x1000, 0x2000, 0x1000, 0x3000};
  CHECK(instruction_breakpoint_hits(d, 0x1000) == 0);
  d.dr7 = 0x400 | 0x1 | 0x20;  // L0, G2
  CHECK(d.any_instruction_breakpoint());
  CHECK_FALSE(d.any_data_breakpoint());
  CHECK(instruction_breakpoint_hits(d, 0x1000) == 0x5);
  CHECK(instruction_breakpoint_hits(d, 0x1001) == 0);
  d.dr7 |= 1u << 16;  // R/W0 = 01: now a write breakpoint
  CHECK(instruction_breakpoint_hits(d, 0x1000) == 0x4);
}

TEST_CASE("debug_registers: data breakpoints match R/W and the aligned LEN range",
          "[debug_registers]") {
  DebugRegisters d;
  d.addr = {0x1003, 0x2000, 0, 0};
  // DR0: R/W 01 (write), LEN 11 (4 bytes: 0x1000-0x1003); DR1: R/W 11 (read/write), LEN 00.
  d.dr7 = 0x400 | 0x1 | 0x4 | (0x1u << 16) | (0x3u << 18) | (0x3u << 20);
  CHECK(d.any_data_breakpoint());
  CHECK(data_breakpoint_hits(d, 0x1000, 1, true) == 0x1);
  CHECK(data_breakpoint_hits(d, 0x1000, 1, false) == 0);   // a write breakpoint ignores reads
  CHECK(data_breakpoint_hits(d, 0x0FFE, 4, true) == 0x1);  // overlaps 0x1000-0x1001
  CHECK(data_breakpoint_hits(d, 0x1004, 4, true) == 0);
  CHECK(data_breakpoint_hits(d, 0x2000, 1, false) == 0x2);
  CHECK(data_breakpoint_hits(d, 0x1FFC, 4, false) == 0);
  CHECK(data_breakpoint_hits(d, 0x1FFD, 4, true) == 0x2);
}

TEST_CASE("debug_registers: I/O breakpoints match ports by R/W 10 and LEN (issue 12)",
          "[debug_registers]") {
  DebugRegisters d;
  d.addr[0] = 0x3FF;
  d.addr[2] = 0x3FC;
  d.dr7 = 0x1 | (2u << 16) | 0x10 | (2u << 24) | (3u << 26);  // L0 I/O LEN 1; L2 I/O LEN 4
  CHECK(d.any_io_breakpoint());
  CHECK(io_breakpoint_hits(d, 0x3FF, 1) == 0x5);
  CHECK(io_breakpoint_hits(d, 0x3FE, 2) == 0x5);  // a word at 0x3fe covers 0x3ff
  CHECK(io_breakpoint_hits(d, 0x3FC, 1) == 0x4);
  CHECK(io_breakpoint_hits(d, 0x3F8, 4) == 0);
  CHECK(io_breakpoint_hits(d, 0x400, 1) == 0);
  // Only the low 16 bits of DRn name the port; a data breakpoint at the same number is no I/O one.
  d.addr[0] = 0x100003FF;
  CHECK(io_breakpoint_hits(d, 0x3FF, 1) == 0x5);
  d.dr7 = 0x1 | (1u << 16);
  CHECK_FALSE(d.any_io_breakpoint());
  CHECK(io_breakpoint_hits(d, 0x3FF, 1) == 0);
}
