// forkscope's own kernel's tasks (guest/kernel: 2.6.12-style), as its trace events give them: the
// pid running is 0 (swapper) until the first switch, then each switch's next pid; a task's name is
// the comm its fork event records (a kernel thread's only name, as it never reaches ring 3), then
// its user_space events' (the program after an exec). pid 0, which no fork creates, is named by
// init_task's comm in the image (swapper). The task events are the trace's own, passed through.
// Without the kernel's events (!kernel_events: another image) the pid is -1 and nothing is named.
#pragma once

#include <unordered_map>

#include "emu/cli/trace_tasks.hpp"

namespace fs::cli {

class KernelTasks final : public TaskFollower {
 public:
  KernelTasks(const OpenTrace& t, bool kernel_events);

  std::span<const trace::Event> on_event(const trace::Event& e) override;
  std::span<const trace::Event> on_insn(const trace::Instruction&) override { return {}; }
  bool reads_instructions() const override { return false; }
  std::int64_t pid() const override { return pid_; }
  const std::string& name_of(std::int64_t pid) const override;

 private:
  std::int64_t pid_;
  std::unordered_map<std::int64_t, std::string> names_;
};

}  // namespace fs::cli
