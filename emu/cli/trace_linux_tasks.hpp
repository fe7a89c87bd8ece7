// Linux 6.1 i386's tasks, followed from a trace's instructions (issue 13 item 4): which task runs,
// its pid and its name, and the task events forkscope's own kernel would have recorded
// (trace_tasks.hpp). Debian's image names no variables (CONFIG_KALLSYMS_ALL is off), so the layout
// of task_struct is unknown; what is known is the functions that hand tasks, pids and names over,
// by their kallsyms names, and i386 Linux's calling convention (regparm(3): the first three
// arguments in EAX, EDX, ECX, the result in EAX). A function's return is the first instruction
// with ESP back above its return address, on the same THREAD_SIZE stack.
//  - __switch_to(prev_p, next_p) (arch/x86/kernel/process_32.c; __switch_to_asm jumps there on the
//    new task's stack): from its first instruction on, next_p runs. A Switch event.
//  - kernel_clone(args) (kernel/fork.c) makes every task but init_task (kernel_init, pid 1, and
//    kthreadd, pid 2, included): args->flags is its first member, stored by the caller on its
//    stack. It calls pid_vnr() for the new pid (kernel/pid.c, not inlined), then
//    wake_up_new_task(p) with the new task (a Fork event), and returns the pid (read there too,
//    when pid_vnr is not in the image). A new task has its parent's name (dup_task_struct copies
//    comm).
//  - ret_from_fork (arch/x86/entry/entry_32.S) is a new task's first instruction: RetFromFork.
//  - __set_task_comm(tsk, buf, exec) (fs/exec.c) names tsk: an exec names it after the program's
//    file, kthread_create after its thread ("kworker/0:0"). buf's bytes are read from the trace's
//    memory writes (the caller built the name in memory: vsnprintf for a kthread, the file name
//    copied from user space for an exec), else from the image (a literal: "kthreadd"). Traces of
//    format version 2 have no memory writes: names come from the image only.
//  - a task's first instruction in ring 3 after its fork or its exec: UserSpace (its program).
//  - int $0x80 from ring 3 (entry_INT80_32) with the call's number in EAX and its arguments in EBX,
//    ECX, EDX, ESI, EDI, EBP: SyscallEntry; the task's next iret to ring 3, with the result in EAX
//    (restore_all pops pt_regs before its IRET): SyscallExit.
// init_task runs first: pid 0, "swapper"; its address is __switch_to's prev_p the first time it
// switches away (the switches back to it, the idle task, name it). A task whose pid is not known
// yet is pid -1. A task is
// its task_struct's address, which an exit frees for the next fork: a new task starts afresh.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "emu/cli/trace_tasks.hpp"
#include "emu/cli/trace_written_memory.hpp"

namespace fs::cli {

class LinuxTasks final : public TaskFollower {
 public:
  explicit LinuxTasks(const OpenTrace& t);

  std::span<const trace::Event> on_event(const trace::Event& e) override;
  std::span<const trace::Event> on_insn(const trace::Instruction& in) override;
  bool reads_instructions() const override { return true; }
  std::int64_t pid() const override { return current_->pid; }
  const std::string& name_of(std::int64_t pid) const override;
  // The task running now: its task_struct's address (0: init_task before its first switch).
  std::uint32_t task() const { return current_task_; }

 private:
  // init_task until its first switch away tells its address (the image does not name it)
  static constexpr std::uint32_t kInitTask = 0;
  struct Task {
    std::int64_t pid = -1;
    std::string comm;
    bool in_user = false;               // ran in ring 3 since its fork or its last exec
    std::optional<std::uint32_t> call;  // the system call it is in (from ring 3)
  };
  struct Clone {                    // a kernel_clone() call not returned yet
    std::uint32_t stack = 0;        // the THREAD_SIZE block it runs on
    std::uint32_t ret_esp = 0;      // ESP once it has returned
    std::uint32_t flags = 0;        // args->flags (low half), 0 when not in the writes
    std::uint32_t child = 0;        // wake_up_new_task's task (0: not yet)
    std::uint32_t vnr_ret_esp = 0;  // ESP once pid_vnr() returns (0: not in it)
    std::int64_t nr = -1;           // pid_vnr()'s result
    bool reported = false;          // its Fork event is out
  };

  void on_kernel_insn(const trace::Instruction& in);
  void returns(const trace::Instruction& in, std::uint32_t stack);
  void clone_returned(const trace::Instruction& in, Clone& c);
  void switch_to(const trace::Instruction& in);
  void new_task(const trace::Instruction& in, Clone& c);
  void report_fork(const trace::Instruction& in, Clone& c);
  void set_comm(const trace::Instruction& in);
  void first_in_user(const trace::Instruction& in);
  Clone* clone_on(std::uint32_t stack);  // the innermost open call on that stack
  void emit(const trace::Instruction& in, trace::EventData d);
  // The NUL-terminated string at addr (at most TASK_COMM_LEN - 1 bytes), from the memory writes
  // seen, else from the image; nullopt when a byte is known from neither.
  std::optional<std::string> read_string(std::uint32_t addr) const;
  std::optional<std::uint8_t> byte_at(std::uint32_t addr) const;
  std::optional<std::uint32_t> read_u32(std::uint32_t addr) const;

  const OpenTrace& t_;
  std::optional<std::uint32_t> switch_to_, kernel_clone_, pid_vnr_, wake_up_new_task_,
      set_task_comm_, ret_from_fork_;
  std::unordered_map<std::uint32_t, Task> tasks_;  // by task_struct address
  std::uint32_t current_task_ = kInitTask;
  Task* current_ = nullptr;  // tasks_[current_task_] (unordered_map nodes do not move)
  // pid -> the latest name of the task with that pid (a dead task's name stays with its pid)
  std::unordered_map<std::int64_t, std::string> name_;
  std::vector<Clone> clones_;
  trace::RegFile last_{};  // the registers before the last instruction (an event's INT or IRET)
  WrittenMemory memory_;
  std::vector<trace::Event> out_;  // the task events of the record being read
};

}  // namespace fs::cli
