// The guest's header comes first and alone: the host's <sys/syscall.h> defines the same __NR_
// names with x86-64's numbers, so no file that may include it can include the guest's.
// clang-format off
#include "guest/include/asm/unistd.h"
#include "emu/cli/syscall_names.hpp"
// clang-format on

namespace fs::cli {

namespace {

#define FS_SYSCALL(name) \
  SyscallName {          \
    __NR_##name, #name   \
  }
constexpr SyscallName kSyscallNames[] = {
    FS_SYSCALL(restart_syscall),
    FS_SYSCALL(exit),
    FS_SYSCALL(fork),
    FS_SYSCALL(read),
    FS_SYSCALL(write),
    FS_SYSCALL(waitpid),
    FS_SYSCALL(execve),
    FS_SYSCALL(getpid),
    FS_SYSCALL(setuid),
    FS_SYSCALL(getuid),
    FS_SYSCALL(nice),
    FS_SYSCALL(kill),
    FS_SYSCALL(times),
    FS_SYSCALL(signal),
    FS_SYSCALL(getppid),
    FS_SYSCALL(sigaction),
    FS_SYSCALL(setrlimit),
    FS_SYSCALL(getrlimit),
    FS_SYSCALL(wait4),
    FS_SYSCALL(sigreturn),
    FS_SYSCALL(clone),
    FS_SYSCALL(sigprocmask),
    FS_SYSCALL(sched_yield),
    FS_SYSCALL(nanosleep),
    FS_SYSCALL(vfork),
};
#undef FS_SYSCALL

}  // namespace

std::span<const SyscallName> syscall_names() {
  return kSyscallNames;
}

std::string syscall_name(std::uint32_t nr) {
  for (const SyscallName& s : kSyscallNames)
    if (s.nr == nr) return std::string(s.name);
  return "syscall " + std::to_string(nr);
}

}  // namespace fs::cli
