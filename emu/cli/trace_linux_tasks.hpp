// Which Linux 6.1 task runs at each point of a trace, with its pid and name, for the trace tools
// (issue 13 item 4). Debian's image names no variables (CONFIG_KALLSYMS_ALL is off), so the layout
// of task_struct is unknown; what is known is the functions that hand tasks, pids and names over,
// by their kallsyms names, and i386 Linux's calling convention (regparm(3): the first three
// arguments in EAX, EDX, ECX, the result in EAX):
//  - __switch_to(prev_p, next_p) (arch/x86/kernel/process_32.c; __switch_to_asm jumps there on the
//    new task's stack): from its first instruction on, next_p runs;
//  - kernel_clone() (kernel/fork.c) calls wake_up_new_task(p) with the new task and returns its
//  pid:
//    read at the instruction its RET returns to (ESP back above kernel_clone's return address, on
//    the same stack). Every task but init_task comes from it, kernel_init (pid 1) and kthreadd
//    (pid 2) included. A new task has its parent's name (dup_task_struct copies comm);
//  - __set_task_comm(tsk, buf, exec) (fs/exec.c) names tsk: an exec names it after the program's
//    file, kthread_create after its thread ("kworker/0:0"). buf's bytes are read from the trace's
//    memory writes (the caller built the name in memory: vsnprintf for a kthread, the file name
//    copied from user space for an exec), else from the image (a literal: "kthreadd"). Traces of
//    format version 2 have no memory writes: names come from the image only.
// init_task runs first: pid 0, "swapper". A task whose pid is not known yet (its kernel_clone has
// not returned) is pid -1. A task is its task_struct's address, which an exit frees for the next
// fork: a new task forgets the pid its address had.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "emu/cli/trace_common.hpp"

namespace fs::cli {

class LinuxTasks {
 public:
  explicit LinuxTasks(const OpenTrace& t);

  // Each instruction of the stream, in order (events need nothing).
  void on_insn(const trace::Instruction& in);

  // The task running now: its pid (-1 while unknown) and its name ("" while unknown).
  std::int64_t pid() const { return pid_of(current_); }
  const std::string& comm() const { return comm_of(current_); }
  // The latest name of the task with this pid ("" when none is known).
  const std::string& comm_of_pid(std::int64_t pid) const;

 private:
  static constexpr std::uint32_t kInitTask = 0;  // init_task, whose address the image does not name
  struct Clone {                                 // a kernel_clone() call not returned yet
    std::uint32_t stack = 0;                     // the THREAD_SIZE block it runs on
    std::uint32_t ret_esp = 0;                   // ESP once it has returned
    std::uint32_t child = 0;                     // wake_up_new_task's task (0: not yet)
  };
  std::int64_t pid_of(std::uint32_t task) const;
  const std::string& comm_of(std::uint32_t task) const;
  // The NUL-terminated string at addr (at most TASK_COMM_LEN - 1 bytes), from the memory writes
  // seen, else from the image; nullopt when a byte is known from neither.
  std::optional<std::string> read_string(std::uint32_t addr) const;
  std::optional<std::uint8_t> byte_at(std::uint32_t addr) const;
  void remember_writes(const trace::Instruction& in);

  const OpenTrace& t_;
  std::optional<std::uint32_t> switch_to_, kernel_clone_, wake_up_new_task_, set_task_comm_;
  std::uint32_t current_ = kInitTask;
  std::unordered_map<std::uint32_t, std::int64_t> pid_;  // task -> pid
  std::unordered_map<std::uint32_t, std::string> comm_;  // task -> name
  // pid -> the latest name of the task with that pid (task_structs are reused: a dead task's
  // name stays with its pid)
  std::unordered_map<std::int64_t, std::string> name_;
  std::vector<Clone> clones_;
  // The bytes the trace's memory writes have stored so far, by linear page (a name is built in
  // memory before it is set; only written pages are kept, tens of MiB for a whole boot).
  struct Page {
    std::uint8_t bytes[4096];
    std::uint64_t known[64];  // a bit per byte written
  };
  std::unordered_map<std::uint32_t, std::unique_ptr<Page>> pages_;
  std::uint32_t last_page_ = 1;  // pages_'s entry last written (1: none)
  Page* last_ = nullptr;
};

}  // namespace fs::cli
