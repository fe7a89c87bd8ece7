// Linux's system call names by number, read from the kernel's own sys_call_table: i386 numbers
// are the kernel's ABI (arch/x86/entry/syscalls/syscall_32.tbl), and the image says which function
// serves each, so no table of names is kept here that could disagree with the kernel that ran.
//
// Where the table is: Debian's image names no variables (CONFIG_KALLSYMS_ALL is off), so
// sys_call_table is found by its contents: in 6.1 (arch/x86/entry/syscall_32.c) it is an array of
// the entry functions' addresses in number order, starting with restart_syscall (0), exit (1) and
// fork (2), each entry the __ia32_sys_ wrapper that SYSCALL_DEFINE makes (asm/syscall_wrapper.h),
// or sys_ni_syscall (__ia32_sys_ni_syscall) for a number not built in. The table holds link-time
// addresses, which are the run-time ones for an image loaded where it was linked (scripts/linux
// boots with nokaslr).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "loader/symbols.hpp"

namespace fs {

// The names by number ("fork" for 2; "" for a number the image does not implement) of the
// sys_call_table in `vmlinux` (the image's bytes, any layout) whose functions `syms` names; empty
// when no such table is found (a kernel built otherwise, or symbols of another image).
std::vector<std::string> linux_syscall_names(std::span<const std::uint8_t> vmlinux,
                                             const SymbolTable& syms);

}  // namespace fs
