#include "trace/syscall_names.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace fs::trace {

namespace {

// {number, name} for every __NR_name line of guest/include/asm/unistd.h, in the header's order.
constexpr std::pair<std::uint32_t, const char*> kSyscalls[] = {
#include "syscall_table.inc"
};

}  // namespace

const char* syscall_name(std::uint32_t nr) {
  const auto* it = std::find_if(std::begin(kSyscalls), std::end(kSyscalls),
                                [nr](const auto& s) { return s.first == nr; });
  return it == std::end(kSyscalls) ? nullptr : it->second;
}

}  // namespace fs::trace
