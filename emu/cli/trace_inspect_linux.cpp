// Linux 6.1 i386's process creation as the trace shows it, read from registers and deliveries
// only (the recorder reads no Linux structures, and Debian's image names no variables:
// CONFIG_KALLSYMS_ALL is off).
//
// What 6.1 does (arch/x86/kernel/process.c copy_thread, arch/x86/entry/entry_32.S):
//  - copy_thread copies the parent's pt_regs to the top of the child's stack, sets their ax to 0,
//    and leaves a frame whose return address is ret_from_fork with ebx = 0 (a user fork) or the
//    kernel thread's function. __switch_to_asm returns there with ESP at those pt_regs.
//  - the child reaches user mode through .Lrestore_all_switch_stack: the registers are restored
//    from pt_regs and an IRET pops EIP, CS, EFLAGS, ESP, SS (to CPL 3) from the per-CPU entry
//    stack (SWITCH_TO_ENTRY_STACK copies the frame there first).
// So, for each task (its 8 KiB stack, THREAD_SIZE on i386, identifies it):
//  1. EAX is 0 after its first IRET to user mode;
//  2. that IRET pops 5 words, CPL 0 -> 3, with CS and SS of RPL 3;
//  3. a task forked by a user system call (int $0x80 with fork, vfork, clone or clone3) returns
//     with the parent's registers at that INT, EAX aside: EBX, ECX, EDX, ESI, EDI, EBP, and the
//     user EIP and ESP (ESP is clone's new stack, ECX, when it gives one).
//  4. its next entry to the kernel from user mode moves to its own stack. TSS.sp0 is not the
//     task's on 6.1: it is the per-CPU entry stack's top, the same for every task. The CPU pushes
//     the frame there, and SWITCH_TO_KERNEL_STACK copies it to the top of the stack that
//     __switch_to named as the running task's (cpu_current_top_of_stack and TSS.sp1,
//     update_task_stack): the first kernel instruction off the entry stack must be on the child's.
// Which task runs, its pid and its name are LinuxTasks' (trace_linux_tasks.hpp): a task is its
// task_struct, its pid the one kernel_clone gave it, its name its latest (after an exec, the
// program's).
#include "emu/cli/trace_inspect_linux.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "emu/cli/trace_linux_tasks.hpp"
#include "emu/cli/trace_programs.hpp"

namespace fs::cli {

namespace tr = fs::trace;

namespace {

constexpr std::uint32_t kThreadSize = 8192;  // THREAD_SIZE, i386 (THREAD_SIZE_ORDER 1)
constexpr std::uint8_t kSyscallVector = 0x80;
// i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl) that create a task.
constexpr std::uint32_t kFork = 2, kClone = 120, kVfork = 190, kClone3 = 435;

const char* fork_name(std::uint32_t nr) {
  switch (nr) {
    case kFork:
      return "fork";
    case kClone:
      return "clone";
    case kVfork:
      return "vfork";
    case kClone3:
      return "clone3";
    default:
      return nullptr;
  }
}

constexpr std::size_t kPathKept = 64;  // functions of a path kept (text and JSON)

std::uint32_t stack_of(std::uint32_t esp) {
  return esp & ~(kThreadSize - 1);
}

// A user system call that creates a task: the parent's registers at its INT $0x80.
struct ForkCall {
  std::uint64_t seq = 0, cycle = 0;
  tr::RegFile regs;            // before the INT
  std::uint32_t user_eip = 0;  // the INT's next instruction (the frame's EIP)
};

struct Task {
  std::uint32_t task = 0;  // its task_struct
  std::int64_t pid = -1;   // -1: not known yet
  std::uint32_t stack = 0;
  std::uint64_t seq = 0, cycle = 0;
  tr::RegFile at_rff;             // registers at ret_from_fork
  std::optional<ForkCall> fork;   // the system call that created it (user forks)
  std::vector<std::string> path;  // functions on the way, repeats merged (the first kPathKept)
  std::uint64_t functions = 0;    // how many path would have without the cap
  std::uint32_t last_fn = 0;      // the start of the function the path ends with
  std::uint64_t instructions = 0;
  int interrupts = 0;
  std::optional<tr::Event> iret;
  std::string iret_text;
  std::optional<tr::RegFile> after;  // registers at the IRET's target
  // Its next entry from user mode: TSS.sp0 (the entry stack's top) and the first kernel ESP off
  // the entry stack.
  struct Entry {
    std::uint64_t seq = 0;
    std::uint32_t tss_sp0 = 0, esp = 0;
  };
  std::optional<Entry> entry;
};

struct Check {
  const char* verdict;
  std::string what;
};

std::vector<Check> checks_for(const Task& k) {
  std::vector<Check> out;
  if (!k.iret || !k.after) {
    out.push_back({"FAIL", "the task reached user mode (the trace ends before its first iret)"});
    return out;
  }
  const auto& i = std::get<tr::Iret>(k.iret->data);
  const tr::RegFile& a = *k.after;
  out.push_back(
      {a[Reg::kEax] == 0 ? "PASS" : "FAIL",
       fmt::format("eax = 0 in the child (EAX {:#x} after its first iret)", a[Reg::kEax])});
  const std::uint32_t cs = i.frame.size() > 1 ? i.frame[1] : 0;
  const std::uint32_t ss = i.frame.size() > 4 ? i.frame[4] : 0;
  const bool frame_ok = i.frame.size() == 5 && i.cpl_before == 0 && i.cpl_after == 3 &&
                        (cs & 3) == 3 && (ss & 3) == 3;
  out.push_back({frame_ok ? "PASS" : "FAIL",
                 fmt::format("5-word frame for CPL {} -> {} (CS {:#06x}, SS {:#06x}, {} words)",
                             i.cpl_before, i.cpl_after, cs, ss, i.frame.size())});
  if (!k.entry) {
    out.push_back({"n/a", "its next kernel entry moves to its own stack (the trace ends first)"});
  } else {
    const Task::Entry& n = *k.entry;
    const bool own = stack_of(n.esp) == k.stack;
    out.push_back({own ? "PASS" : "FAIL",
                   fmt::format("its next kernel entry moves to its own stack (seq {}: TSS.sp0 {} "
                               "is the entry stack, then ESP {} {} {}-{})",
                               n.seq, hex32(n.tss_sp0), hex32(n.esp), own ? "inside" : "outside",
                               hex32(k.stack), hex32(k.stack + kThreadSize))});
  }
  if (k.at_rff[Reg::kEbx] != 0) {
    out.push_back({"n/a", "user registers equal the parent's (a kernel thread: no user parent)"});
    return out;
  }
  if (!k.fork) {
    out.push_back({"FAIL", "user registers equal the parent's (no fork system call recorded)"});
    return out;
  }
  const tr::RegFile& p = k.fork->regs;
  const std::uint32_t nr = p[Reg::kEax];
  // clone(flags, newsp = ECX, ...): a child on a new stack starts with ESP = newsp.
  const std::uint32_t want_esp = (nr == kClone && p[Reg::kEcx] != 0) ? p[Reg::kEcx] : p.esp();
  std::string diff;
  for (Reg r : {Reg::kEbx, Reg::kEcx, Reg::kEdx, Reg::kEsi, Reg::kEdi, Reg::kEbp})
    if (a[r] != p[r]) diff += fmt::format(" reg{} {:#x}/{:#x}", static_cast<int>(r), p[r], a[r]);
  if (a.eip() != k.fork->user_eip)
    diff += fmt::format(" eip {:#010x}/{:#010x}", k.fork->user_eip, a.eip());
  if (a.esp() != want_esp) diff += fmt::format(" esp {:#010x}/{:#010x}", want_esp, a.esp());
  out.push_back({diff.empty() ? "PASS" : "FAIL",
                 fmt::format("user EBX ECX EDX ESI EDI EBP, EIP {:#010x} and ESP {:#010x} equal "
                             "the parent's at its {}{}",
                             a.eip(), a.esp(), fork_name(nr),
                             diff.empty() ? "" : " (parent/child:" + diff + ")")});
  return out;
}

// Follows each task from ret_from_fork to its first IRET to user mode and its next entry from
// user mode, and the fork system calls of the tasks in user mode; which task runs is LinuxTasks'.
class Follower {
 public:
  explicit Follower(const OpenTrace& t) : t_(t), tasks_(t) {}

  void on_event(const tr::Event& e) {
    for (const tr::Event& k : tasks_.on_event(e)) on_task_event(k);
    if (const auto* d = std::get_if<tr::Delivery>(&e.data)) {
      on_delivery(e, *d);
    } else if (const auto* i = std::get_if<tr::Iret>(&e.data)) {
      if (i->cpl_before == 0 && i->cpl_after == 3) on_user_iret(e);
    }
  }

  void on_insn(const tr::Instruction& in) {
    const std::span<const tr::Event> news = tasks_.on_insn(in);
    if (returned_) {  // the instruction an IRET to user mode returned to
      returned_ = false;
      if (child_)
        tasks_of_[*child_].after = state_after_iret(in.before, between_ ? &*between_ : nullptr);
      if (!between_) awaiting_ = child_;  // (a delivery between them was its next entry already)
      child_.reset();
      between_.reset();
    }
    for (const tr::Event& k : news) {
      if (const auto* r = std::get_if<tr::RetFromFork>(&k.data)) start(in, *r);
      on_task_event(k);
    }
    last_ = in.before;
    if (in.before.cpl() == 0) on_kernel_insn(in);
  }

  const std::vector<Task>& tasks() const { return tasks_of_; }
  const LinuxTasks& linux_tasks() const { return tasks_; }

 private:
  Task* running() {
    auto it = active_.find(tasks_.task());
    return it == active_.end() ? nullptr : &tasks_of_[it->second];
  }

  void on_task_event(const tr::Event& k) {
    const auto* f = std::get_if<tr::Fork>(&k.data);
    if (!f) return;
    parent_of_[f->child_pid] = f->parent_pid;
    // A pid learnt when kernel_clone returned, after the child first ran.
    if (auto it = active_.find(f->child_task); it != active_.end())
      tasks_of_[it->second].pid = f->child_pid;
  }

  void on_delivery(const tr::Event& e, const tr::Delivery& d) {
    if (returned_ && !between_) {  // at the boundary right after an IRET to user mode: a #PF
      between_ = d;                // fetching at its target, or an IRQ it unmasked
      awaiting_ = child_;
    }
    if (d.is_software_int() && d.vector == kSyscallVector && (d.from.cs & 3) == 3 &&
        fork_name(last_[Reg::kEax]) != nullptr)
      fork_calls_[tasks_.pid()] = ForkCall{e.seq, e.cycle, last_, d.from.eip};
    if (Task* k = running(); k && (d.from.cs & 3) == 0) ++k->interrupts;
    if ((d.from.cs & 3) == 3 && awaiting_) {  // the child's next entry
      entering_ = awaiting_;
      awaiting_.reset();
      entry_sp0_ = d.esp0_used;
    }
  }

  void on_kernel_insn(const tr::Instruction& in) {
    // The first instruction off the entry stack (whose top is TSS.sp0) after the child's entry.
    if (entering_ && stack_of(in.before.esp()) != stack_of(entry_sp0_ - 1)) {
      tasks_of_[*entering_].entry = Task::Entry{in.seq, entry_sp0_, in.before.esp()};
      entering_.reset();
    }
    Task* k = running();
    if (!k) return;
    ++k->instructions;
    auto r = t_.symbols.lookup(in.eip);
    // A function is its symbol's start (an address without one stands for itself).
    const std::uint32_t fn = r ? in.eip - r->offset : in.eip;
    if (k->functions > 0 && k->last_fn == fn) return;
    k->last_fn = fn;
    ++k->functions;
    // kernel_init's way is the whole boot: keep its beginning only.
    if (k->path.size() < kPathKept) k->path.push_back(r ? std::string(r->name) : hex32(in.eip));
  }

  void start(const tr::Instruction& in, const tr::RetFromFork& r) {
    Task k;
    k.task = r.task;
    k.pid = r.pid;
    k.stack = stack_of(r.esp);
    k.seq = in.seq;
    k.cycle = in.cycle;
    k.at_rff = in.before;
    auto parent = parent_of_.find(r.pid);
    if (in.before[Reg::kEbx] == 0 && r.pid >= 0 && parent != parent_of_.end()) {
      // A user fork: its parent's latest fork call made it.
      auto call = fork_calls_.find(parent->second);
      if (call != fork_calls_.end()) {
        k.fork = call->second;
        fork_calls_.erase(call);
      }
    }
    active_[k.task] = tasks_of_.size();
    tasks_of_.push_back(std::move(k));
  }

  void on_user_iret(const tr::Event& e) {
    returned_ = true;
    auto it = active_.find(tasks_.task());
    if (it == active_.end()) return;
    Task& k = tasks_of_[it->second];
    k.iret = e;
    // Its target in the program it runs (the UserSpace event comes at its first instruction).
    k.iret_text = event_text(e, t_.symbols_of(program_named(t_, tasks_.name_of(k.pid))));
    child_ = it->second;
    active_.erase(it);
  }

  const OpenTrace& t_;
  LinuxTasks tasks_;
  tr::RegFile last_{};  // the registers before the last instruction (an event's INT or IRET)
  std::map<std::int64_t, ForkCall> fork_calls_;     // by the calling pid, until its child starts
  std::map<std::int64_t, std::int64_t> parent_of_;  // child pid -> the pid that forked it
  bool returned_ = false;
  std::optional<tr::Delivery> between_;  // a delivery right after that IRET (its target's state)
  std::optional<std::size_t> child_;
  // A child back in user mode after its first IRET, until its next entry; then that entry until
  // its first instruction off the entry stack (whose top, TSS.sp0, is entry_sp0_).
  std::optional<std::size_t> awaiting_, entering_;
  std::uint32_t entry_sp0_ = 0;
  std::map<std::uint32_t, std::size_t> active_;  // task_struct -> tasks_of_ index, until its IRET
  std::vector<Task> tasks_of_;
};

// "pid 80 (init)": its pid and its latest name.
std::string task_name(const Task& k, const LinuxTasks& tasks) {
  if (k.pid < 0) return fmt::format("task on stack {}", hex32(k.stack));
  const std::string& comm = tasks.name_of(k.pid);
  return fmt::format("pid {} ({})", k.pid, comm.empty() ? "?" : comm);
}

void print_task(const Task& k, const std::vector<Check>& checks, const OpenTrace& t,
                const LinuxTasks& tasks) {
  if (k.at_rff[Reg::kEbx] != 0) {
    fmt::print("{}: kernel thread {}\n", task_name(k, tasks),
               t.symbols.describe(k.at_rff[Reg::kEbx]));
  } else if (k.fork) {
    fmt::print("{}: forked by {} (int $0x80 at {:#010x}) at seq {} cycle {}\n", task_name(k, tasks),
               fork_name(k.fork->regs[Reg::kEax]), k.fork->user_eip - 2, k.fork->seq,
               k.fork->cycle);
  } else {
    fmt::print("{}: (its fork is not in the trace)\n", task_name(k, tasks));
  }
  fmt::print("  first instruction: seq {} cycle {} at ret_from_fork, pt_regs at esp {}\n", k.seq,
             k.cycle, hex32(k.at_rff.esp()));
  // A kernel thread's way (kernel_init's: the whole boot) is long: its first functions only.
  constexpr std::size_t kShown = 24;
  std::string path;
  for (std::size_t i = 0; i < k.path.size() && i < kShown; ++i)
    path += (path.empty() ? "" : " -> ") + k.path[i];
  if (k.functions > kShown) path += fmt::format(" -> ... ({} more)", k.functions - kShown);
  fmt::print("  path ({} instructions, {} interrupts on the way): {}\n", k.instructions,
             k.interrupts, path);
  if (k.iret) fmt::print("  first iret to user mode: {}\n", k.iret_text);
  for (const Check& c : checks) fmt::print("  {:4} {}\n", c.verdict, c.what);
}

Json task_json(const Task& k, const std::vector<Check>& checks, const LinuxTasks& tasks) {
  Json j = Json::object();
  if (k.pid >= 0) {
    j["pid"] = k.pid;
    const std::string& comm = tasks.name_of(k.pid);
    j["comm"] = comm.empty() ? Json(nullptr) : Json(comm);
  }
  put_address(j, "task", k.task);
  put_address(j, "stack", k.stack);
  j["first_seq"] = k.seq;
  j["first_cycle"] = k.cycle;
  put_address(j, "esp", k.at_rff.esp());
  if (k.at_rff[Reg::kEbx] != 0) put_address(j, "kernel_thread", k.at_rff[Reg::kEbx]);
  if (k.fork) {
    j["fork"] = fork_name(k.fork->regs[Reg::kEax]);
    j["fork_seq"] = k.fork->seq;
  }
  j["path"] = k.path;
  j["path_functions"] = k.functions;
  j["path_instructions"] = k.instructions;
  j["interrupts_on_the_way"] = k.interrupts;
  if (k.iret) j["iret_seq"] = k.iret->seq;
  Json cs = Json::array();
  for (const Check& c : checks) cs.push_back(Json{{"verdict", c.verdict}, {"what", c.what}});
  j["checks"] = std::move(cs);
  return j;
}

}  // namespace

int report_linux_ret_from_fork(const TraceInspectOptions& opt, OpenTrace& t) {
  if (!t.symbols.address_of("ret_from_fork"))
    throw CliError(
        fmt::format("{}: --ret-from-fork needs the kernel's symbols ({} has no "
                    "ret_from_fork)",
                    opt.in.file, t.image_path));
  Follower f(t);
  while (const tr::Step* s = t.reader.next()) {
    if (s->event)
      f.on_event(*s->event);
    else
      f.on_insn(s->insn);
  }
  int status = 0;
  std::size_t kernel_only = 0;
  for (const Task& k : f.tasks()) {
    // Kernel threads that never leave the kernel (kworkers...) have nothing to check.
    if (k.at_rff[Reg::kEbx] != 0 && !k.iret) {
      ++kernel_only;
      continue;
    }
    if (opt.pid && k.pid != *opt.pid) continue;
    const std::vector<Check> checks = checks_for(k);
    for (const Check& c : checks)
      if (std::string_view(c.verdict) == "FAIL") status = 1;
    if (opt.in.json)
      fmt::print("{}\n", json_text(task_json(k, checks, f.linux_tasks())));
    else
      print_task(k, checks, t, f.linux_tasks());
  }
  if (!opt.in.json && !opt.pid)
    fmt::print("{} kernel threads started at ret_from_fork and stayed in the kernel\n",
               kernel_only);
  return status;
}

}  // namespace fs::cli
