#include "loader/linux_syscalls.hpp"

#include <cstring>
#include <optional>
#include <string_view>

namespace fs {

namespace {

constexpr std::string_view kEntryPrefix = "__ia32_sys_";  // SYSCALL_DEFINE's i386 wrapper
constexpr std::string_view kNotImplemented = "sys_ni_syscall";

std::uint32_t word_at(std::span<const std::uint8_t> b, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

// The system call an entry's address serves: "fork", "" for sys_ni_syscall, nullopt when the
// address is no system call entry (the table has ended).
std::optional<std::string> entry_name(const SymbolTable& syms, std::uint32_t addr) {
  const std::optional<SymbolRef> s = syms.lookup(addr);
  if (!s || s->offset != 0) return std::nullopt;
  if (s->name == kNotImplemented) return std::string();
  if (!s->name.starts_with(kEntryPrefix)) return std::nullopt;
  // sys_ni_syscall's address is named __ia32_sys_ni_syscall too (a COND_SYSCALL alias).
  const std::string_view call = s->name.substr(kEntryPrefix.size());
  return call == "ni_syscall" ? std::string() : std::string(call);
}

}  // namespace

std::vector<std::string> linux_syscall_names(std::span<const std::uint8_t> vmlinux,
                                             const SymbolTable& syms) {
  const std::optional<std::uint32_t> first = syms.address_of("__ia32_sys_restart_syscall");
  const std::optional<std::uint32_t> second = syms.address_of("__ia32_sys_exit");
  const std::optional<std::uint32_t> third = syms.address_of("__ia32_sys_fork");
  if (!first || !second || !third) return {};
  // sys_call_table is 4-aligned (an array of pointers; the linker keeps its alignment in the file
  // as in memory, sections being placed at aligned file offsets).
  for (std::size_t at = 0; at + 12 <= vmlinux.size(); at += 4) {
    if (word_at(vmlinux, at) != *first || word_at(vmlinux, at + 4) != *second ||
        word_at(vmlinux, at + 8) != *third)
      continue;
    std::vector<std::string> names;
    for (std::size_t e = at; e + 4 <= vmlinux.size(); e += 4) {
      std::optional<std::string> n = entry_name(syms, word_at(vmlinux, e));
      if (!n) break;
      names.push_back(std::move(*n));
    }
    return names;
  }
  return {};
}

}  // namespace fs
