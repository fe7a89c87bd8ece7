// The guest's system call names by number, for the trace readers ("getpid", not "nr 20"). The
// table is generated at configure time from guest/include/asm/unistd.h, the header the kernel and
// the user programs' libc are built from (trace/CMakeLists.txt), so it cannot drift from it.
#pragma once

#include <cstdint>

namespace fs::trace {

// "getpid" for 20; nullptr for a number the guest does not define.
const char* syscall_name(std::uint32_t nr);

}  // namespace fs::trace
