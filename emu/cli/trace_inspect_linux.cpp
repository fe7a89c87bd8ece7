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
// The pid is the parent's return value: EAX when the parent comes back to the same user EIP/ESP.
#include "emu/cli/trace_inspect_linux.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>

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
  tr::RegFile regs;                 // before the INT
  std::uint32_t user_eip = 0;       // the INT's next instruction (the frame's EIP)
  std::optional<std::int64_t> pid;  // the parent's return value, once seen
};

struct Task {
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

// Follows the stream: which task runs (its kernel stack), each task from ret_from_fork to its
// first IRET to user mode, and the fork system calls of the tasks in user mode.
class Follower {
 public:
  Follower(const OpenTrace& t, std::uint32_t rff) : t_(t), rff_(rff) {}

  void on_event(const tr::Event& e) {
    if (const auto* d = std::get_if<tr::Delivery>(&e.data)) {
      if (d->is_software_int() && d->vector == kSyscallVector && (d->from.cs & 3) == 3 &&
          fork_name(last_[Reg::kEax]) != nullptr)
        pending_ = ForkCall{e.seq, e.cycle, last_, d->from.eip, std::nullopt};
      if (Task* k = running(); k && (d->from.cs & 3) == 0) ++k->interrupts;
      if ((d->from.cs & 3) == 3 && awaiting_) {  // the child's next entry
        entering_ = awaiting_;
        awaiting_.reset();
        entry_sp0_ = d->esp0_used;
      }
    } else if (const auto* i = std::get_if<tr::Iret>(&e.data)) {
      if (i->cpl_before == 0 && i->cpl_after == 3) on_user_iret(e);
    }
  }

  void on_insn(const tr::Instruction& in) {
    last_ = in.before;
    if (returned_) {  // the instruction an IRET to user mode returned to
      returned_ = false;
      if (child_) tasks_[*child_].after = in.before;
      awaiting_ = child_;
      child_.reset();
      parent_return(in.before);
    }
    if (in.before.cpl() != 0) return;
    // The stack a kernel instruction runs on names the task, but for the entry stack's copies.
    const std::uint32_t block = stack_of(in.before.esp());
    if (entering_ && block != stack_of(entry_sp0_ - 1)) {
      tasks_[*entering_].entry = Task::Entry{in.seq, entry_sp0_, in.before.esp()};
      entering_.reset();
    }
    if (block != entry_ && block != stack_) {
      prev_stack_ = stack_;
      stack_ = block;
    }
    if (in.eip == rff_) start(in);
    if (Task* k = running()) {
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
  }

  const std::vector<Task>& tasks() const { return tasks_; }

 private:
  Task* running() {
    auto it = active_.find(stack_);
    return it == active_.end() ? nullptr : &tasks_[it->second];
  }

  void start(const tr::Instruction& in) {
    Task k;
    k.stack = stack_;
    k.seq = in.seq;
    k.cycle = in.cycle;
    k.at_rff = in.before;
    if (in.before[Reg::kEbx] == 0 && pending_) {  // a user fork: the latest fork call made it
      k.fork = pending_;
      pending_.reset();
    }
    active_[k.stack] = tasks_.size();
    tasks_.push_back(std::move(k));
  }

  void on_user_iret(const tr::Event& e) {
    // The IRET runs on the entry stack (SWITCH_TO_ENTRY_STACK, last_ is the IRET's registers):
    // from now on that block names no task; the task is the one whose stack ran before it.
    const std::uint32_t block = stack_of(last_.esp());
    if (entry_ != block) {
      entry_ = block;
      if (stack_ == block) stack_ = prev_stack_;
    }
    returned_ = true;
    auto it = active_.find(stack_);
    if (it == active_.end()) return;
    Task& k = tasks_[it->second];
    k.iret = e;
    k.iret_text = event_text(e, t_.symbols);
    child_ = it->second;
    active_.erase(it);
  }

  // A task back in user mode at a fork's EIP and ESP with EAX != 0 is that fork's parent: EAX is
  // the child's pid (negative: an error).
  // The parent may return before its child first runs: the pending call gets it then.
  void parent_return(const tr::RegFile& r) {
    auto match = [&r](std::optional<ForkCall>& f) {
      if (f && !f->pid && f->user_eip == r.eip() && f->regs.esp() == r.esp() && r[Reg::kEax] != 0)
        f->pid = static_cast<std::int32_t>(r[Reg::kEax]);
    };
    match(pending_);
    for (Task& k : tasks_) match(k.fork);
  }

  const OpenTrace& t_;
  std::uint32_t rff_;
  tr::RegFile last_{};  // the registers before the last instruction (an event's INT or IRET)
  std::uint32_t stack_ = 0, prev_stack_ = 0;  // the task's stack block now, and the one before
  std::uint32_t entry_ = 1;  // the entry stack's block (1: none known before the first user IRET)
  std::optional<ForkCall> pending_;
  bool returned_ = false;
  std::optional<std::size_t> child_;
  // A child back in user mode after its first IRET, until its next entry; then that entry until
  // its first instruction off the entry stack (whose top, TSS.sp0, is entry_sp0_).
  std::optional<std::size_t> awaiting_, entering_;
  std::uint32_t entry_sp0_ = 0;
  std::map<std::uint32_t, std::size_t> active_;  // stack -> tasks_ index, until the user IRET
  std::vector<Task> tasks_;
};

std::string task_name(const Task& k) {
  if (k.fork && k.fork->pid) return fmt::format("pid {}", *k.fork->pid);
  return fmt::format("task on stack {}", hex32(k.stack));
}

void print_task(const Task& k, const std::vector<Check>& checks, const OpenTrace& t) {
  if (k.at_rff[Reg::kEbx] != 0) {
    fmt::print("{}: kernel thread {}\n", task_name(k), t.symbols.describe(k.at_rff[Reg::kEbx]));
  } else if (k.fork) {
    fmt::print("{}: forked by {} (int $0x80 at {:#010x}) at seq {} cycle {}\n", task_name(k),
               fork_name(k.fork->regs[Reg::kEax]), k.fork->user_eip - 2, k.fork->seq,
               k.fork->cycle);
  } else {
    fmt::print("{}: (its fork is not in the trace)\n", task_name(k));
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

Json task_json(const Task& k, const std::vector<Check>& checks) {
  Json j = Json::object();
  if (k.fork && k.fork->pid) j["pid"] = *k.fork->pid;
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
  const std::optional<std::uint32_t> rff = t.symbols.address_of("ret_from_fork");
  if (!rff)
    throw CliError(
        fmt::format("{}: --ret-from-fork needs the kernel's symbols ({} has no "
                    "ret_from_fork)",
                    opt.in.file, t.image_path));
  Follower f(t, *rff);
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
    if (opt.pid && !(k.fork && k.fork->pid == *opt.pid)) continue;
    const std::vector<Check> checks = checks_for(k);
    for (const Check& c : checks)
      if (std::string_view(c.verdict) == "FAIL") status = 1;
    if (opt.in.json)
      fmt::print("{}\n", json_text(task_json(k, checks)));
    else
      print_task(k, checks, t);
  }
  if (!opt.in.json && !opt.pid)
    fmt::print("{} kernel threads started at ret_from_fork and stayed in the kernel\n",
               kernel_only);
  return status;
}

}  // namespace fs::cli
