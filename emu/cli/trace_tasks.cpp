#include "emu/cli/trace_tasks.hpp"

#include "emu/cli/trace_kernel_tasks.hpp"
#include "emu/cli/trace_linux_tasks.hpp"

namespace fs::cli {

namespace tr = fs::trace;

std::unique_ptr<TaskFollower> follow_tasks(const OpenTrace& t, bool kernel_events) {
  if (t.linux_image) return std::make_unique<LinuxTasks>(t);
  return std::make_unique<KernelTasks>(t, kernel_events);
}

std::unique_ptr<TaskFollower> follow_tasks(const OpenTrace& t) {
  return follow_tasks(t, t.kernel);
}

bool is_task_event(const tr::Event& e) {
  switch (e.kind()) {
    case tr::EventKind::Switch:
    case tr::EventKind::Fork:
    case tr::EventKind::RetFromFork:
    case tr::EventKind::UserSpace:
    case tr::EventKind::SyscallEntry:
    case tr::EventKind::SyscallExit:
      return true;
    default:
      return false;
  }
}

}  // namespace fs::cli
