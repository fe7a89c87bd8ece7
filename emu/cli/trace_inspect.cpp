// `forkscope trace inspect FILE --ret-from-fork | --iret [--pid N] [--json]`.
//
// --ret-from-fork: for every new task, the fork that created it, its first instruction at
// ret_from_fork, the pt_regs copy_thread left on its stack field by field, the functions on its way
// to its first iret and that iret's frame, and the invariants of 2.6's process creation checked:
// EAX = 0 in the child, TSS.esp0 = the child's stack top - 8, the frame's CS/SS agreeing with the
// CPL change, EFLAGS.IF set after the iret, and (for a fork from user mode) the child's user
// ESP/EIP equal to the parent's at the fork.
//
// --iret: every iret with its frame, its CPL change, the task, and the delivery (interrupt,
// exception, system call) it ends, paired through a stack of deliveries per task.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

#include "emu/cli/trace_common.hpp"
#include "emu/cli/trace_inspect_linux.hpp"
#include "emu/cli/trace_programs.hpp"
#include "emu/cli/trace_tasks.hpp"
#include "guest/include/abi.h"

namespace fs::cli {

namespace tr = fs::trace;

namespace {

constexpr std::uint32_t kIF = 0x200;

const char* const kPtRegsNames[] = {"ebx", "ecx",      "edx", "esi", "edi",    "ebp", "eax", "ds",
                                    "es",  "orig_eax", "eip", "cs",  "eflags", "esp", "ss"};
static_assert(std::size(kPtRegsNames) * 4 == PT_REGS_SIZE);

std::string clone_flags_text(std::uint32_t f) {
  static const std::pair<std::uint32_t, const char*> names[] = {
      {0x00000100, "CLONE_VM"},      {0x00000200, "CLONE_FS"},     {0x00000400, "CLONE_FILES"},
      {0x00000800, "CLONE_SIGHAND"}, {0x00002000, "CLONE_PTRACE"}, {0x00004000, "CLONE_VFORK"},
      {0x00008000, "CLONE_PARENT"},  {0x00010000, "CLONE_THREAD"}, {0x00800000, "CLONE_UNTRACED"},
      {0x02000000, "CLONE_STOPPED"}};
  std::string s;
  for (const auto& [bit, name] : names)
    if (f & bit) s += fmt::format("{}{}", s.empty() ? "" : "|", name);
  if (f & 0xFF) s += fmt::format("{}signal {}", s.empty() ? "" : "|", f & 0xFF);
  return s.empty() ? "0" : s;
}

struct Check {
  std::string verdict;  // "PASS", "FAIL", "n/a"
  std::string what;
};

// A new task followed from its ret_from_fork to its first iret.
struct Probe {
  std::int32_t pid = 0;
  std::optional<tr::Event> fork;  // the Fork event that created it, when recorded
  tr::Event first;                // its RetFromFork
  std::vector<std::string> path;  // functions entered, in order, consecutive repeats merged
  std::uint64_t instructions = 0;
  int nesting = 0;     // interrupts taken on the way and not yet returned from
  int interrupts = 0;  // how many were taken on the way (their irets are not ret_from_fork's)
  std::optional<tr::Event> iret;
  // The iret as text and JSON, named with the program the task ran then (a child runs its parent's
  // program until it execs another).
  std::string iret_text;
  Json iret_json;
  std::optional<tr::RegFile> after_iret;  // the register file at the iret's target
};

std::vector<Check> checks_for(const Probe& p) {
  std::vector<Check> out;
  const auto& r = std::get<tr::RetFromFork>(p.first.data);
  auto reg = [&r](std::size_t off) { return r.regs.size() * 4 > off ? r.regs[off / 4] : 0u; };
  const bool eax0 = reg(PT_EAX) == 0 && (!p.after_iret || (*p.after_iret)[tr::Reg::kEax] == 0);
  out.push_back({eax0 ? "PASS" : "FAIL",
                 fmt::format("eax = 0 in the child (pt_regs eax {:#x}{})", reg(PT_EAX),
                             p.after_iret ? fmt::format(", EAX after the iret {:#x}",
                                                        (*p.after_iret)[tr::Reg::kEax])
                                          : std::string())});
  const std::uint32_t top = r.stack_top;
  out.push_back(
      {r.tss_esp0 == top - COPY_THREAD_RESERVE && r.thread_esp0 == r.tss_esp0 ? "PASS" : "FAIL",
       fmt::format("TSS.esp0 = stack top - 8 (TSS.esp0 {:#010x}, thread.esp0 {:#010x}, "
                   "stack top {:#010x})",
                   r.tss_esp0, r.thread_esp0, top)});
  if (!p.iret) {
    out.push_back({"FAIL", "the task reached an iret (the trace ends before it does)"});
    return out;
  }
  const auto& i = std::get<tr::Iret>(p.iret->data);
  const std::uint32_t cs = i.frame.size() > 1 ? i.frame[1] : 0;
  bool frame_ok;
  std::string frame_what;
  if (i.cpl_after == i.cpl_before) {
    frame_ok = i.frame.size() == 3 && (cs & 3) == i.cpl_after;
    frame_what = fmt::format("3-word frame for a return at the same CPL {} (CS {:#06x}, {} words)",
                             i.cpl_after, cs, i.frame.size());
  } else {
    const std::uint32_t ss = i.frame.size() > 4 ? i.frame[4] : 0;
    frame_ok = i.frame.size() == 5 && i.cpl_after > i.cpl_before && (cs & 3) == i.cpl_after &&
               (ss & 3) == i.cpl_after;
    frame_what = fmt::format("5-word frame for CPL {} -> {} (CS {:#06x}, SS {:#06x}, {} words)",
                             i.cpl_before, i.cpl_after, cs, ss, i.frame.size());
  }
  frame_ok = frame_ok && i.frame[0] == reg(PT_EIP) && cs == reg(PT_CS);
  out.push_back({frame_ok ? "PASS" : "FAIL", frame_what + ", EIP and CS as in pt_regs"});
  const std::uint32_t fl = p.after_iret ? (*p.after_iret)[tr::Reg::kEflags] : 0;
  out.push_back(
      {fl & kIF ? "PASS" : "FAIL", fmt::format("EFLAGS.IF set after the iret (EFLAGS {:#x})", fl)});
  if ((reg(PT_CS) & 3) == 0) {
    out.push_back({"n/a", "user ESP/EIP equal the parent's (a kernel thread has no user frame)"});
  } else if (!p.fork) {
    out.push_back({"FAIL", "user ESP/EIP equal the parent's (no fork event recorded)"});
  } else {
    const auto& f = std::get<tr::Fork>(p.fork->data);
    const std::uint32_t peip = f.parent_regs.size() > PT_EIP / 4 ? f.parent_regs[PT_EIP / 4] : 0;
    const std::uint32_t pesp =
        f.parent_regs.size() > PT_OLDESP / 4 ? f.parent_regs[PT_OLDESP / 4] : 0;
    const std::uint32_t ceip = p.after_iret ? p.after_iret->eip() : 0;
    const std::uint32_t cesp = p.after_iret ? p.after_iret->esp() : 0;
    out.push_back({peip == ceip && pesp == cesp ? "PASS" : "FAIL",
                   fmt::format("user ESP/EIP equal the parent's (parent {:#010x}/{:#010x}, child "
                               "{:#010x}/{:#010x})",
                               pesp, peip, cesp, ceip)});
  }
  return out;
}

// One new task as a JSON object (docs/json.md "trace inspect --ret-from-fork").
Json probe_json(const Probe& p, const std::vector<Check>& checks) {
  const auto& r = std::get<tr::RetFromFork>(p.first.data);
  Json j{{"pid", p.pid}};
  put_address(j, "task", r.task);
  j["first_seq"] = p.first.seq;
  j["first_cycle"] = p.first.cycle;
  put_address(j, "esp", r.esp);
  put_address(j, "tss_esp0", r.tss_esp0);
  put_address(j, "stack_top", r.stack_top);
  if (p.fork) {
    const auto& f = std::get<tr::Fork>(p.fork->data);
    j["parent"] = f.parent_pid;
    j["comm"] = f.comm;
    j["clone_flags"] = f.clone_flags;
    j["fork_seq"] = p.fork->seq;
    j["fork_cycle"] = p.fork->cycle;
  }
  Json regs = Json::object();
  for (std::size_t k = 0; k < r.regs.size() && k < std::size(kPtRegsNames); ++k)
    regs[kPtRegsNames[k]] = r.regs[k];
  j["pt_regs"] = std::move(regs);
  j["path"] = p.path;
  j["path_instructions"] = p.instructions;
  j["interrupts_on_the_way"] = p.interrupts;
  if (p.iret) j["iret"] = p.iret_json;
  Json cs = Json::array();
  for (const Check& c : checks) cs.push_back(Json{{"verdict", c.verdict}, {"what", c.what}});
  j["checks"] = std::move(cs);
  return j;
}

// One new task as text: its fork, its first instruction, its pt_regs, its path, its iret, its
// checks.
void print_probe(const Probe& p, const std::vector<Check>& checks, const OpenTrace& t) {
  const auto& r = std::get<tr::RetFromFork>(p.first.data);
  if (p.fork) {
    const auto& f = std::get<tr::Fork>(p.fork->data);
    fmt::print("pid {} ({}): forked by pid {} at seq {} cycle {}, clone flags {:#x} ({})\n", p.pid,
               f.comm.empty() ? "?" : f.comm, f.parent_pid, p.fork->seq, p.fork->cycle,
               f.clone_flags, clone_flags_text(f.clone_flags));
  } else {
    fmt::print("pid {}: (its fork is not in the trace)\n", p.pid);
  }
  fmt::print("  first instruction: seq {} cycle {} at {}, task {}, esp {}\n", p.first.seq,
             p.first.cycle, t.symbols.describe(t.symbols.address_of("ret_from_fork").value_or(0)),
             hex32(r.task), hex32(r.esp));
  fmt::print("  pt_regs at {}:\n   ", hex32(r.esp));
  for (std::size_t k = 0; k < r.regs.size() && k < std::size(kPtRegsNames); ++k) {
    std::string extra;
    if (k * 4 == PT_EIP || k * 4 == PT_EBX) {
      if (auto sym = t.symbols.lookup(r.regs[k]); sym && sym->offset == 0)
        extra = fmt::format(" <{}>", sym->name);
    }
    fmt::print(" {} {:#x}{}{}", kPtRegsNames[k], r.regs[k], extra,
               k == 7 ? "\n   " : (k + 1 < r.regs.size() ? "," : ""));
  }
  fmt::print("\n");
  std::string path;
  for (std::size_t k = 0; k < p.path.size(); ++k) {
    if (k == 24 && p.path.size() > 26) {
      path += fmt::format(" -> ... ({} more)", p.path.size() - 25);
      k = p.path.size() - 1;
    }
    path += (k ? " -> " : "") + p.path[k];
  }
  fmt::print("  path to its first iret ({} instructions{}): {}\n", p.instructions,
             p.interrupts ? fmt::format(", {} interrupt{} taken on the way", p.interrupts,
                                        p.interrupts == 1 ? "" : "s")
                          : std::string(),
             path);
  if (p.iret) {
    fmt::print("  iret at seq {} cycle {}: {}\n", p.iret->seq, p.iret->cycle, p.iret_text);
  }
  for (const auto& c : checks) fmt::print("  {:<4} {}\n", c.verdict, c.what);
}

int report_ret_from_fork(const TraceInspectOptions& opt, OpenTrace& t) {
  const std::unique_ptr<TaskFollower> tasks = follow_tasks(t);
  std::map<std::int32_t, tr::Event> forks;  // by child pid, the latest
  std::map<std::int32_t, Probe> active;     // new tasks not yet past their first iret
  std::vector<Probe> done;
  std::unordered_map<std::uint32_t, std::string> fn_of;
  bool want_after = false;
  std::int32_t after_pid = 0;
  std::optional<tr::Delivery> between;  // one at the boundary after the iret (its target's state)
  auto fn = [&](std::uint32_t eip) -> const std::string& {
    auto it = fn_of.find(eip);
    if (it != fn_of.end()) return it->second;
    auto r = t.symbols.lookup(eip);
    return fn_of.emplace(eip, r ? std::string(r->name) : hex32(eip)).first->second;
  };
  auto running = [&] { return static_cast<std::int32_t>(tasks->pid()); };
  while (const tr::Step* s = t.reader.next()) {
    if (s->event) {
      const tr::Event& e = *s->event;
      for (const tr::Event& k : track_programs(t, tasks->on_event(e))) {
        if (const auto* f = std::get_if<tr::Fork>(&k.data)) forks[f->child_pid] = k;
        if (const auto* r = std::get_if<tr::RetFromFork>(&k.data)) {
          Probe p;
          p.pid = r->pid;
          p.first = k;
          if (auto it = forks.find(r->pid); it != forks.end()) p.fork = it->second;
          active[r->pid] = std::move(p);
        }
      }
      // An interrupt taken on the way (schedule_tail enables interrupts before ret_from_fork
      // reaches restore_all) returns with an iret of its own: the task's first iret is the first
      // one outside every such interrupt.
      const auto* d = std::get_if<tr::Delivery>(&e.data);
      if (d && want_after) {  // at the boundary right after the child's iret: not on its way
        if (!between) between = *d;
        continue;
      }
      if (d) {
        auto it = active.find(running());
        if (it != active.end()) {
          ++it->second.nesting;
          ++it->second.interrupts;
        }
      }
      if (std::holds_alternative<tr::Iret>(e.data)) {
        auto it = active.find(running());
        if (it != active.end() && it->second.nesting > 0) {
          --it->second.nesting;
        } else if (it != active.end()) {
          it->second.iret = e;
          it->second.iret_text = event_text(e, t.symbols_for(it->first));
          it->second.iret_json = Json::object();
          event_json(it->second.iret_json, e, t.symbols_for(it->first));
          want_after = true;
          after_pid = it->first;
        }
      }
      continue;
    }
    track_programs(t, tasks->on_insn(s->insn));
    if (want_after) {  // the instruction the iret returned to
      want_after = false;
      auto it = active.find(after_pid);
      it->second.after_iret = state_after_iret(s->insn.before, between ? &*between : nullptr);
      between.reset();
      done.push_back(std::move(it->second));
      active.erase(it);
      continue;
    }
    auto it = active.find(running());
    if (it == active.end()) continue;
    Probe& p = it->second;
    ++p.instructions;
    const std::string& name = fn(s->insn.eip);
    if (p.path.empty() || p.path.back() != name) p.path.push_back(name);
  }
  for (auto& [_, p] : active) done.push_back(std::move(p));  // never reached an iret

  int status = 0;
  for (const Probe& p : done) {
    if (opt.pid && p.pid != *opt.pid) continue;
    const auto checks = checks_for(p);
    for (const auto& c : checks)
      if (c.verdict == "FAIL") status = 1;
    if (opt.in.json) {
      fmt::print("{}\n", json_text(probe_json(p, checks)));
      continue;
    }
    print_probe(p, checks, t);
  }
  if (done.empty() && !opt.in.json) fmt::print("no task reached ret_from_fork in this trace\n");
  return status;
}

// What an iret ends, as text and JSON, and the symbols its own text is named with.
struct IretEnds {
  std::string text;
  Json json;
  const SymbolTable* names = nullptr;
};

// Pairs each task's irets with its deliveries (innermost first), or with the frame its
// ret_from_fork pops.
class IretPairs {
 public:
  explicit IretPairs(const OpenTrace& t) : t_(t) {}
  void delivered(std::int64_t pid, const tr::Event& e) { deliveries_[pid].push_back(e); }
  void started(std::int64_t pid) { fresh_[pid] = true; }

  IretEnds ends(std::int64_t pid, const tr::Iret& i) {
    auto& stack = deliveries_[pid];
    const tr::Delivery* inner =
        stack.empty() ? nullptr : &std::get<tr::Delivery>(stack.back().data);
    if (inner && inner->is_software_int() && inner->vector == 0x80 && !(inner->from == i.to) &&
        i.cpl_after == 3)
      return delivery_ended(pid, true);
    if (inner && inner->from == i.to) return delivery_ended(pid, false);
    // (An interrupt taken between ret_from_fork and this iret was paired above: the task is
    // still fresh until its own frame is popped. Linux 6.1's kernel threads call their function
    // from ret_from_fork instead: their frame is popped only after an exec, to user mode; their
    // irets before it (sync_core's to itself) are not it.)
    if (fresh_[pid] && (!t_.linux_image || (i.frame.size() > 1 && (i.frame[1] & 3)))) {
      fresh_[pid] = false;
      return {"ends ret_from_fork: the frame copy_thread built, no delivery", "ret_from_fork",
              &t_.symbols_for(pid)};
    }
    return {"pairs with no recorded delivery", nullptr, &t_.symbols_for(pid)};
  }

 private:
  // The innermost delivery ends. An execve's system call ends in the new program
  // (start_thread rewrote its frame), which the trace names only from its first instruction on
  // (a user_space event), so the iret's target is shown as an address.
  IretEnds delivery_ended(std::int64_t pid, bool exec) {
    auto& stack = deliveries_[pid];
    const tr::Event d = stack.back();
    stack.pop_back();
    const SymbolTable& syms = t_.symbols_for(pid);
    IretEnds out;
    out.names = exec ? &t_.symbols : &syms;
    out.text = exec ? fmt::format(
                          "ends the system call at seq {}, whose frame execve rewrote to enter "
                          "the new program: {}",
                          d.seq, event_text(d, syms))
                    : fmt::format("ends the delivery at seq {}: {}", d.seq, event_text(d, syms));
    out.json = exec ? Json{{"seq", d.seq}, {"exec", true}} : Json{{"seq", d.seq}};
    event_json(out.json, d, syms);
    return out;
  }

  const OpenTrace& t_;
  std::map<std::int64_t, std::vector<tr::Event>> deliveries_;  // per task, innermost last
  std::map<std::int64_t, bool> fresh_;  // a task between ret_from_fork and its first iret
};

void print_iret(const TraceInspectOptions& opt, const tr::Event& e, std::int64_t pid,
                IretEnds ends) {
  if (opt.in.json) {
    Json j{{"seq", e.seq}, {"cycle", e.cycle}, {"pid", pid}};
    event_json(j, e, *ends.names);
    j["ends"] = std::move(ends.json);
    fmt::print("{}\n", json_text(j));
  } else {
    fmt::print("seq {} cycle {} pid {}: {}\n  {}\n", e.seq, e.cycle,
               pid < 0 ? std::string("-") : std::to_string(pid), event_text(e, *ends.names),
               ends.text);
  }
}

int report_iret(const TraceInspectOptions& opt, OpenTrace& t) {
  const std::unique_ptr<TaskFollower> tasks = follow_tasks(t);
  IretPairs pairs(t);
  auto started = [&](std::span<const tr::Event> news) {
    for (const tr::Event& k : news)
      if (const auto* r = std::get_if<tr::RetFromFork>(&k.data)) pairs.started(r->pid);
  };
  while (const tr::Step* s = t.reader.next()) {
    if (!s->event) {
      started(track_programs(t, tasks->on_insn(s->insn)));
      continue;
    }
    const tr::Event& e = *s->event;
    const std::int64_t running = tasks->pid();
    started(track_programs(t, tasks->on_event(e)));
    if (std::holds_alternative<tr::Delivery>(e.data)) pairs.delivered(running, e);
    const auto* i = std::get_if<tr::Iret>(&e.data);
    if (!i) continue;
    IretEnds ends = pairs.ends(running, *i);
    if (!opt.pid || running == *opt.pid) print_iret(opt, e, running, std::move(ends));
  }
  return 0;
}

}  // namespace

int cmd_trace_inspect(const TraceInspectOptions& opt) {
  OpenTrace t = open_trace(opt.in);
  if (opt.ret_from_fork && t.linux_image) return report_linux_ret_from_fork(opt, t);
  if (opt.ret_from_fork && !t.kernel)
    throw CliError(
        fmt::format("{}: --ret-from-fork needs a trace of the forkscope kernel (its "
                    "image has no ret_from_fork/__switch_to)",
                    opt.in.file));
  return opt.ret_from_fork ? report_ret_from_fork(opt, t) : report_iret(opt, t);
}

}  // namespace fs::cli
