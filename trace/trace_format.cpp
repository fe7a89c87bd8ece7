// Names of registers and event kinds (trace/trace_format.hpp).
#include "trace/trace_format.hpp"

#include <array>

namespace fs::trace {

namespace {

constexpr std::array<const char*, kRegCount> kRegNames = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags", "cs",
    "ss",  "ds",  "es",  "fs",  "gs",  "tr",  "cr0", "cr2", "cr3", "cpl",
};

constexpr std::array<const char*, kEventKindCount> kEventNames = {
    "delivery",      "iret",         "hlt",  "port_io", "switch",     "ret_from_fork",
    "syscall_entry", "syscall_exit", "stop", "fork",    "user_space",
};

static_assert(std::variant_size_v<EventData> == kEventKindCount);

}  // namespace

const char* reg_name(Reg r) {
  const auto i = static_cast<std::size_t>(r);
  return i < kRegCount ? kRegNames[i] : "?";
}

bool reg_from_name(std::string_view name, Reg& out) {
  for (std::size_t i = 0; i < kRegCount; ++i) {
    if (name == kRegNames[i]) {
      out = static_cast<Reg>(i);
      return true;
    }
  }
  return false;
}

const char* event_kind_name(EventKind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kEventKindCount ? kEventNames[i] : "?";
}

bool event_kind_from_name(std::string_view name, EventKind& out) {
  for (std::size_t i = 0; i < kEventKindCount; ++i) {
    if (name == kEventNames[i]) {
      out = static_cast<EventKind>(i);
      return true;
    }
  }
  return false;
}

}  // namespace fs::trace
