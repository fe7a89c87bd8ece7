// The guest's system call names for the pictures of `trace timeline`: trace/syscall_names.hpp's
// table (generated from guest/include/asm/unistd.h), with a name for numbers the guest does not
// define too.
#pragma once

#include <cstdint>
#include <string>

namespace fs::cli {

// "waitpid" for 7; "syscall 999" for a number the guest does not define (the kernel answers it
// -ENOSYS, and a trace still records the attempt).
std::string syscall_name(std::uint32_t nr);

}  // namespace fs::cli
