// I/O protection in protected mode (Intel SDM vol. 1 19.5 "Protected-Mode I/O", 19.5.1 IOPL,
// 19.5.2 the I/O permission bit map). IN, OUT, INS and OUTS at CPL <= IOPL run; above it the CPU
// reads the bit map whose offset is the word at TSS+0x66, and the access runs only when every bit
// of its width (port .. port + width - 1) is clear and the two bytes read lie inside the TSS limit.
// Otherwise the instruction raises #GP(0) before it touches the port (a fault: EIP is the I/O
// instruction).
//
// Unicorn 2.x compiles QEMU's check out ("Unicorn: allow all I/O instructions", gen_check_io in
// qemu/target/i386/translate.c), so forkscope makes it: a pure function over the few registers it
// needs and guest memory (tests/io_permission_test.cpp), called by the machine at the boundary
// before an I/O instruction whenever CPL > IOPL.
#pragma once

#include <cstdint>
#include <optional>

#include "emu/interrupt.hpp"

namespace fs {

struct IoAccess {
  unsigned cpl = 0;
  std::uint32_t eflags = 0;  // IOPL in bits 12-13
  std::uint32_t tr_base = 0;
  std::uint32_t tr_limit = 0;  // the TSS descriptor's limit cached by LTR (0 with no TR)
  std::uint16_t port = 0;
  unsigned width = 1;  // bytes: 1, 2 or 4
};

// True when IOPL alone allows the access (CPL <= IOPL): no bit map is read.
bool iopl_allows(const IoAccess& a);

// nullopt when the access may run; otherwise the fault to raise instead: #GP(0), or the fault of
// reading the TSS itself (a #PF on its page).
std::optional<MemFault> check_io_permission(const IoAccess& a, GuestMemory& mem);

}  // namespace fs

namespace fs {

// The port operand and width of an I/O instruction (SDM vol. 2 IN, OUT, INS, OUTS): E4-E7 take an
// immediate port, EC-EF and 6C-6F take DX; the byte forms are E4, E6, EC, EE, 6C, 6E, the others
// 2 bytes with an operand-size prefix (66) and 4 without. nullopt: not an I/O instruction.
struct IoInsn {
  bool port_in_dx = true;
  std::uint8_t imm_port = 0;
  unsigned width = 1;
  bool is_in = false;   // IN, INS (E4, E5, EC, ED, 6C, 6D): the port is read
  bool string = false;  // INS, OUTS (6C-6F)
};
std::optional<IoInsn> decode_io(const std::uint8_t* bytes, std::size_t n);

}  // namespace fs
