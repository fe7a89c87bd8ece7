// Where the IRET Unicorn runs (QEMU's helper_ret_protected) raises another fault than the SDM's:
// forkscope corrects the event before delivering it (issue 12, tests/conformance/iret_rules.c).
//
// The one case: IRET returning to an outer privilege level with a not-present SS in its frame. The
// SDM (vol. 2A "IRET/IRETD", RETURN-TO-OUTER-PRIVILEGE-LEVEL: "IF stack segment is not present THEN
// #SS(SS selector)") and Bochs (iret.cc) raise #SS(selector); QEMU 7.2 and Unicorn 2.1.1 raise
// #NP(selector). Every other IRET check agrees (docs/conformance.md).
//
// Pure: the machine gives the bytes at EIP and the words at SS:ESP (tests/iret_fault_test.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "emu/interrupt.hpp"

namespace fs {

// The fault to deliver for `raised`, an exception the CPU raised at the instruction whose first
// bytes are `bytes` (n of them), at CPL `cpl`, with `stack` the five words at SS:ESP then (an
// IRET's EIP, CS, EFLAGS, ESP, SS). `raised` itself unless it is that #NP.
Event sdm_iret_fault(const Event& raised, const std::uint8_t* bytes, std::size_t n,
                     const std::array<std::uint32_t, 5>& stack, unsigned cpl);

}  // namespace fs
