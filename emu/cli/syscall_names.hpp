// The guest's system call names by number, for the host's readers (trace timeline, and any tool
// that names a SyscallEntry). One table, syscall_names.cpp, built from the guest's own __NR_
// macros (guest/include/asm/unistd.h, Linux's i386 numbers), so a renumbered call is renamed at
// the next build; tests/trace_timeline_test.cpp checks that every __NR_ of that header has a row.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace fs::cli {

struct SyscallName {
  std::uint32_t nr;
  std::string_view name;
};

std::span<const SyscallName> syscall_names();

// "waitpid" for 7; "syscall 999" for a number the guest does not define (the kernel answers it
// -ENOSYS, and a trace still records the attempt).
std::string syscall_name(std::uint32_t nr);

}  // namespace fs::cli
