#include "emu/cli/trace_kernel_tasks.hpp"

#include "guest/include/abi.h"

namespace fs::cli {

namespace tr = fs::trace;

namespace {

// init_task's comm in the image (guest/kernel/init_task.c), "" without one.
std::string swapper_name(const OpenTrace& t) {
  std::string name;
  const std::uint8_t* p = nullptr;
  if (auto at = t.symbols.address_of("init_task");
      at && t.code_at(*at + TASK_COMM, TASK_COMM_LEN, p))
    for (std::uint32_t i = 0; i < TASK_COMM_LEN && p[i]; ++i) name += static_cast<char>(p[i]);
  return name;
}

}  // namespace

KernelTasks::KernelTasks(const OpenTrace& t, bool kernel_events) : pid_(kernel_events ? 0 : -1) {
  if (!kernel_events) return;
  const std::string swapper = swapper_name(t);
  names_[0] = swapper.empty() ? "swapper" : swapper;  // init_task.c's, without an image
}

std::span<const tr::Event> KernelTasks::on_event(const tr::Event& e) {
  if (const auto* s = std::get_if<tr::Switch>(&e.data))
    pid_ = s->next_pid;
  else if (const auto* f = std::get_if<tr::Fork>(&e.data))
    names_[f->child_pid] = f->comm;
  else if (const auto* u = std::get_if<tr::UserSpace>(&e.data))
    names_[u->pid] = u->comm;
  if (!is_task_event(e)) return {};
  return {&e, 1};
}

const std::string& KernelTasks::name_of(std::int64_t pid) const {
  static const std::string none;
  auto it = names_.find(pid);
  return it == names_.end() ? none : it->second;
}

}  // namespace fs::cli
