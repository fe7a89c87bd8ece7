// forkscope's process exit statuses: one scheme in which a guest's debug-exit value can never read
// as success (unless it is 0) nor as one of forkscope's own statuses (docs/exit-status.md).
//
// Open questions and the answers chosen:
// 1. How does a guest value become a status? As QEMU's isa-debug-exit does (hw/misc/debugexit.c:
//    exit((val << 1) | 1)), truncated to 8 bits by the OS: always odd. One exception: 0 gives 0,
//    so a guest that reports success makes `forkscope run` (and ./scripts/run) succeed; QEMU gives
//    1 there. So for v < 128, v = status >> 1, as with QEMU.
// 2. How can forkscope's own statuses never collide? They are all even (and non-zero), so no guest
//    value reaches them. That is why a triple fault is 6, a guest error 8 and a kill 130, not the
//    3, 5 and 137 of earlier versions, which a guest writing 3, 5 or 137 could fake.
// 3. Distinct guest values share a status (0x80, 0x100 and 0x12345600 all give 1, as under QEMU):
//    8 bits cannot hold 32. The summary line on stderr names the value itself.
// 4. A shell's own statuses (126, 127, 128 + a signal, e.g. 139 for SIGSEGV) are odd too, so a
//    guest value 63 or 69 looks like them; the stderr summary tells them apart
//    (docs/exit-status.md).
#pragma once

#include <cstdint>
#include <string>

namespace fs::exit_status {

constexpr int kSuccess = 0;      // the guest wrote 0
constexpr int kBadInput = 2;     // the command line, the image, an input or output file
constexpr int kHalted = 4;       // HLT for good: IF=0, or IF=1 with no device event ever due
constexpr int kTripleFault = 6;  // the chain and the last instructions on stderr
constexpr int kGuestError = 8;   // memory with no RAM behind it, a paging state not modelled
constexpr int kUnimplemented =
    10;                        // a device or CPU mode forkscope does not model (base/severity.hpp)
constexpr int kReset = 12;     // the guest pulsed RESET (i8042 command 0xfe): a reboot request
constexpr int kInternal = 70;  // a forkscope bug (EX_SOFTWARE in sysexits.h)
constexpr int kCycleLimit = 124;  // --max-cycles reached, as timeout(1) reports a timeout
constexpr int kKilled = 130;      // gdb's `kill`: 128 + SIGINT, as a shell reports ^C

// The status for a guest's debug-exit write of `value` (open question 1): 0 for 0, else odd.
constexpr int for_guest_value(std::uint32_t value) {
  if (value == 0) return kSuccess;
  return static_cast<int>(((value << 1) | 1) & 0xFF);
}

// The table above as text, for `forkscope --help` (docs/exit-status.md says the same).
std::string table();

}  // namespace fs::exit_status
