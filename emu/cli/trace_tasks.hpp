// Who runs at each point of a trace, its pid and its name, and what the kernel does to its tasks:
// the question every `forkscope trace` tool asks, answered once per kernel the tools know.
// follow_tasks() picks the answer for an OpenTrace, once:
//  - forkscope's own kernel records it all as events (guest/include/abi.h): switch, fork,
//    ret_from_fork, user_space, syscall_entry/exit. KernelTasks (trace_kernel_tasks.hpp) reads
//    them; the pid is 0 (swapper) until the first switch.
//  - Linux 6.1 records none of them: LinuxTasks (trace_linux_tasks.hpp) infers the same events
//    from its instructions, with the same meaning and Linux's values (a "task event" below).
//  - any other image has no tasks: pid -1 throughout, no task events.
// A tool feeds every record of the stream in order and reads the task events each returns, so it
// handles switches, forks, first instructions, programs and system calls in one way for both
// kernels, and never looks for those kinds in the stream itself.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "emu/cli/trace_common.hpp"

namespace fs::cli {

class TaskFollower {
 public:
  virtual ~TaskFollower() = default;

  // The next record of the stream. Returns the task events it means (Switch, Fork, RetFromFork,
  // UserSpace, SyscallEntry, SyscallExit), valid until the next call; pid() and name_of() are
  // already past them.
  virtual std::span<const trace::Event> on_event(const trace::Event& e) = 0;
  virtual std::span<const trace::Event> on_insn(const trace::Instruction& in) = 0;
  // False when on_insn() has nothing to do (the tool may skip it, and seek).
  virtual bool reads_instructions() const = 0;

  // The task running now (-1: unknown, or a trace without tasks).
  virtual std::int64_t pid() const = 0;
  // The latest name of the task with this pid: its comm, set by its fork or an exec ("" when the
  // trace has not named it).
  virtual const std::string& name_of(std::int64_t pid) const = 0;
};

// The follower for t's kernel (t.linux_image: LinuxTasks; else KernelTasks, which reads the
// forkscope kernel's events when kernel_events, by default t.kernel). It keeps a reference to t.
std::unique_ptr<TaskFollower> follow_tasks(const OpenTrace& t, bool kernel_events);
std::unique_ptr<TaskFollower> follow_tasks(const OpenTrace& t);

// Whether a recorded event is one a TaskFollower reports (tools take those from the follower).
bool is_task_event(const trace::Event& e);

}  // namespace fs::cli
