#include "emu/cli/trace_linux_tasks.hpp"

namespace fs::cli {

namespace tr = fs::trace;
using Reg = tr::Reg;

namespace {

constexpr std::uint32_t kThreadSize = 8192;  // THREAD_SIZE, i386 (THREAD_SIZE_ORDER 1)
constexpr std::uint32_t kTaskCommLen = 16;   // TASK_COMM_LEN
constexpr std::uint8_t kSyscallVector = 0x80;

std::uint32_t stack_of(std::uint32_t esp) {
  return esp & ~(kThreadSize - 1);
}

}  // namespace

LinuxTasks::LinuxTasks(const OpenTrace& t)
    : t_(t),
      switch_to_(t.symbols.address_of("__switch_to")),
      kernel_clone_(t.symbols.address_of("kernel_clone")),
      pid_vnr_(t.symbols.address_of("pid_vnr")),
      wake_up_new_task_(t.symbols.address_of("wake_up_new_task")),
      set_task_comm_(t.symbols.address_of("__set_task_comm")),
      ret_from_fork_(t.symbols.address_of("ret_from_fork")) {
  current_ = &tasks_[kInitTask];
  current_->pid = 0;
  current_->comm = name_[0] = "swapper";  // INIT_TASK_COMM
}

std::span<const tr::Event> LinuxTasks::on_insn(const tr::Instruction& in) {
  out_.clear();
  if (in.before.cpl() == 0)
    on_kernel_insn(in);
  else if (!current_->in_user)
    first_in_user(in);
  memory_.remember(in);
  last_ = in.before;
  return out_;
}

std::span<const tr::Event> LinuxTasks::on_event(const tr::Event& e) {
  out_.clear();
  if (const auto* d = std::get_if<tr::Delivery>(&e.data)) {
    if (d->is_software_int() && d->vector == kSyscallVector && (d->from.cs & 3) == 3) {
      current_->call = last_[Reg::kEax];
      out_.push_back({e.seq, e.cycle,
                      tr::SyscallEntry{last_[Reg::kEax],
                                       {last_[Reg::kEbx], last_[Reg::kEcx], last_[Reg::kEdx],
                                        last_[Reg::kEsi], last_[Reg::kEdi], last_[Reg::kEbp]}}});
    }
  } else if (const auto* i = std::get_if<tr::Iret>(&e.data)) {
    if (i->cpl_after == 3 && current_->call) {
      out_.push_back(
          {e.seq, e.cycle,
           tr::SyscallExit{*current_->call, static_cast<std::int32_t>(last_[Reg::kEax])}});
      current_->call.reset();
    }
  }
  return out_;
}

void LinuxTasks::on_kernel_insn(const tr::Instruction& in) {
  const std::uint32_t stack = stack_of(in.before.esp());
  if (!clones_.empty()) returns(in, stack);
  if (in.eip == switch_to_) {
    switch_to(in);
  } else if (in.eip == kernel_clone_) {
    const std::optional<std::uint32_t> flags = read_u32(in.before[Reg::kEax]);
    clones_.push_back(Clone{stack, in.before.esp() + 4, flags.value_or(0)});
  } else if (in.eip == pid_vnr_) {
    if (Clone* c = clone_on(stack)) c->vnr_ret_esp = in.before.esp() + 4;
  } else if (in.eip == wake_up_new_task_) {
    if (Clone* c = clone_on(stack)) new_task(in, *c);
  } else if (in.eip == set_task_comm_) {
    set_comm(in);
  } else if (in.eip == ret_from_fork_) {
    const std::uint32_t esp = in.before.esp();
    tr::RetFromFork r;
    r.pid = static_cast<std::int32_t>(current_->pid);
    r.task = current_task_;
    r.esp = esp;
    r.stack_top = stack_of(esp) + kThreadSize;
    emit(in, std::move(r));
  }
}

// The functions followed that return at this instruction: pid_vnr() inside a kernel_clone(), or
// kernel_clone() itself.
void LinuxTasks::returns(const tr::Instruction& in, std::uint32_t stack) {
  const std::uint32_t esp = in.before.esp();
  for (auto it = clones_.begin(); it != clones_.end(); ++it) {
    if (it->stack != stack) continue;
    if (it->vnr_ret_esp == esp && in.eip != pid_vnr_) {
      it->nr = static_cast<std::int32_t>(in.before[Reg::kEax]);
      it->vnr_ret_esp = 0;
    }
    if (it->ret_esp == esp && in.eip != kernel_clone_) {
      clone_returned(in, *it);
      clones_.erase(it);
      return;
    }
  }
}

void LinuxTasks::clone_returned(const tr::Instruction& in, Clone& c) {
  const auto nr = static_cast<std::int32_t>(in.before[Reg::kEax]);
  if (c.child == 0 || nr <= 0 || c.reported) return;
  c.nr = nr;  // (without pid_vnr in the image: the pid is known only now)
  Task& child = tasks_[c.child];
  child.pid = nr;
  name_[nr] = child.comm;
  report_fork(in, c);
}

void LinuxTasks::switch_to(const tr::Instruction& in) {
  const std::uint32_t prev = in.before[Reg::kEax];  // prev_p: the task running
  if (current_task_ == kInitTask && prev != kInitTask) {
    // init_task's first switch away names its address, for the switches back to it (the idle
    // task).
    Task& init = tasks_[prev] = std::move(tasks_[kInitTask]);
    tasks_.erase(kInitTask);
    current_task_ = prev;
    current_ = &init;
  }
  const std::uint32_t next = in.before[Reg::kEdx];  // next_p
  Task& n = tasks_[next];
  emit(in, tr::Switch{static_cast<std::int32_t>(current_->pid), static_cast<std::int32_t>(n.pid),
                      current_task_, next});
  current_task_ = next;
  current_ = &n;
}

void LinuxTasks::new_task(const tr::Instruction& in, Clone& c) {
  c.child = in.before[Reg::kEax];
  // A task_struct freed by an exit is soon another task's: nothing of the old one carries over.
  Task& child = tasks_[c.child] = Task{};
  child.comm = current_->comm;  // the parent's, as dup_task_struct copies it
  if (c.nr <= 0) return;        // its pid comes with kernel_clone's return
  child.pid = c.nr;
  name_[c.nr] = child.comm;
  report_fork(in, c);
}

void LinuxTasks::report_fork(const tr::Instruction& in, Clone& c) {
  tr::Fork f;
  f.parent_pid = static_cast<std::int32_t>(current_->pid);
  f.child_pid = static_cast<std::int32_t>(c.nr);
  f.clone_flags = c.flags;
  f.child_task = c.child;
  f.comm = tasks_[c.child].comm;
  emit(in, std::move(f));
  c.reported = true;
}

void LinuxTasks::set_comm(const tr::Instruction& in) {
  std::optional<std::string> name = read_string(in.before[Reg::kEdx]);
  if (!name) return;
  Task& k = tasks_[in.before[Reg::kEax]];
  if (k.pid >= 0) name_[k.pid] = *name;
  k.comm = std::move(*name);
  k.in_user = false;  // an exec: the new program's first ring 3 instruction is ahead
}

void LinuxTasks::first_in_user(const tr::Instruction& in) {
  current_->in_user = true;
  emit(in, tr::UserSpace{static_cast<std::int32_t>(current_->pid), current_task_,
                         in.before[Reg::kCr3], current_->comm});
}

LinuxTasks::Clone* LinuxTasks::clone_on(std::uint32_t stack) {
  for (auto it = clones_.rbegin(); it != clones_.rend(); ++it)
    if (it->stack == stack) return &*it;
  return nullptr;
}

void LinuxTasks::emit(const tr::Instruction& in, tr::EventData d) {
  out_.push_back(tr::Event{in.seq, in.cycle, std::move(d)});
}

std::optional<std::uint8_t> LinuxTasks::byte_at(std::uint32_t addr) const {
  if (std::optional<std::uint8_t> b = memory_.byte_at(addr)) return b;
  const std::uint8_t* b = nullptr;
  if (t_.code_at(addr, 1, b)) return *b;
  return std::nullopt;
}

std::optional<std::string> LinuxTasks::read_string(std::uint32_t addr) const {
  std::string s;
  for (std::uint32_t i = 0; i + 1 < kTaskCommLen; ++i) {
    const std::optional<std::uint8_t> c = byte_at(addr + i);
    if (!c) return std::nullopt;
    if (*c == 0) break;
    s.push_back(static_cast<char>(*c));
  }
  return s;
}

std::optional<std::uint32_t> LinuxTasks::read_u32(std::uint32_t addr) const {
  std::uint32_t v = 0;
  for (std::uint32_t i = 0; i < 4; ++i) {
    const std::optional<std::uint8_t> b = memory_.byte_at(addr + i);
    if (!b) return std::nullopt;
    v |= std::uint32_t{*b} << (8 * i);
  }
  return v;
}

const std::string& LinuxTasks::name_of(std::int64_t pid) const {
  static const std::string none;
  auto it = name_.find(pid);
  return it == name_.end() ? none : it->second;
}

}  // namespace fs::cli
