// The user programs a trace's tasks run, for their code and symbols (OpenTrace::programs): the
// forkscope kernel's embedded ones (guest/usr/user_programs.S), found in its image, and a Linux
// run's, the ELF executables of the initramfs it booted with (`--initrd FILE`, as `run` was given).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "emu/cli/trace_common.hpp"

namespace fs::cli {

// The kernel image's user_programs[] table, each entry an ELF32 executable. A malformed one is
// skipped: symbols are a help, not the trace.
void add_user_programs(OpenTrace& t);

// A Linux trace's initramfs (--initrd): each ELF executable in it becomes a program named as exec
// names the task that runs it (its file's last path component, at most TASK_COMM_LEN - 1 = 15
// characters: fs/exec.c, __set_task_comm(kbasename(filename))). CliError when the file is not the
// initrd the trace was recorded with (its "initrd" run option: size and FNV-1a 64), when the trace
// had none, or when it is not a cpio archive.
void add_initrd_programs(OpenTrace& t, const std::string& initrd, const std::string& trace);

// The program named comm (a task's name: the program it execs is named so), -1 when none is.
int program_named(const OpenTrace& t, std::string_view comm);

// A task follower's task events (trace_tasks.hpp), each t.track()ed: a task's program follows its
// user_space and fork events, recorded by forkscope's kernel or inferred for Linux. Returns them.
std::span<const trace::Event> track_programs(OpenTrace& t, std::span<const trace::Event> events);

}  // namespace fs::cli
