#include "emu/exit_status.hpp"

#include <fmt/format.h>

#include "emu/machine.hpp"

namespace fs {

int exit_status_for(StopReason r, std::uint32_t v) {
  switch (r) {
    case StopReason::kGuestExit:
      return exit_status::for_guest_value(v);
    case StopReason::kTripleFault:
      return exit_status::kTripleFault;
    case StopReason::kHaltedNoIrq:
      return exit_status::kHalted;
    case StopReason::kGuestError:
      return exit_status::kGuestError;
    case StopReason::kUnimplemented:
      return exit_status::kUnimplemented;
    case StopReason::kInternal:
      return exit_status::kInternal;
    case StopReason::kCycleLimit:
      return exit_status::kCycleLimit;
    case StopReason::kKilled:
      return exit_status::kKilled;
    case StopReason::kReset:
      return exit_status::kReset;
  }
  return exit_status::kInternal;
}

namespace exit_status {

std::string table() {
  return fmt::format(
      "Exit status (docs/exit-status.md):\n"
      "  {:<4} the guest wrote 0 to the debug-exit port (0xf4)\n"
      "  odd  the guest wrote v != 0: ((v << 1) | 1) & 0xff, as QEMU's isa-debug-exit;\n"
      "       v = status >> 1 for v < 128 (the summary on stderr names v)\n"
      "  {:<4} bad input: an option, the image, an input or output file\n"
      "  {:<4} halted for good (HLT with IF=0, or no interrupt can come)\n"
      "  {:<4} triple fault\n"
      "  {:<4} guest error (memory with no RAM behind it)\n"
      "  {:<4} not modelled: the guest used a device or CPU mode forkscope does not model\n"
      "  {:<4} guest reset (the i8042's RESET pulse: the guest asked to reboot)\n"
      "  {:<4} internal error (a forkscope bug)\n"
      "  {:<4} --max-cycles reached\n"
      "  {:<4} killed from gdb\n",
      kSuccess, kBadInput, kHalted, kTripleFault, kGuestError, kUnimplemented, kReset, kInternal,
      kCycleLimit, kKilled);
}

}  // namespace exit_status

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::kGuestExit:
      return "guest exit";
    case StopReason::kTripleFault:
      return "triple fault";
    case StopReason::kHaltedNoIrq:
      return "halted";
    case StopReason::kGuestError:
      return "guest error";
    case StopReason::kUnimplemented:
      return "not modelled";
    case StopReason::kInternal:
      return "internal error";
    case StopReason::kCycleLimit:
      return "cycle limit";
    case StopReason::kKilled:
      return "killed";
    case StopReason::kReset:
      return "reset";
  }
  return "?";
}

}  // namespace fs
