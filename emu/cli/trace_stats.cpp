// `forkscope trace stats FILE [--json]`: instructions, cycles, per-pid CPU time (and how much of it
// in ring 3, its name, the program it ran last, its system calls and page faults), interrupts by
// vector, switches, forks, system calls, irets, HLTs. Linux traces have no kernel events: their
// switches, forks and system calls are counted from the instructions (LinuxCounts).
#include <fmt/format.h>

#include <array>
#include <map>
#include <optional>
#include <string>

#include "emu/cli/trace_linux_tasks.hpp"
#include "emu/cli/trace_common.hpp"

namespace fs::cli {

namespace {

struct PidTime {
  std::uint64_t instructions = 0;
  std::uint64_t user_instructions = 0;  // at CPL 3
  std::uint64_t cycles = 0;  // from each of its instructions' start to the next instruction's
  std::uint64_t syscalls = 0, page_faults = 0;
  std::string program;  // the user program it ran last (user_space events), "" for none
};

// A Linux 6.1 trace's switches, forks and system calls, which its recorder cannot name as events
// (it reads no Linux structures): a switch is an entry to __switch_to (__switch_to_asm jumps there
// on every context switch, arch/x86/entry/entry_32.S), a new task's first instruction is at
// ret_from_fork (copy_thread's frame returns there), and a system call is an int $0x80 from ring 3
// with its number in EAX (the i386 ABI; the image's sys_call_table names it).
class LinuxCounts {
 public:
  explicit LinuxCounts(const OpenTrace& t)
      : switch_to_(t.symbols.address_of("__switch_to")),
        ret_from_fork_(t.symbols.address_of("ret_from_fork")) {}
  std::uint64_t switches = 0, forks = 0, syscalls = 0;

  void on_insn(const trace::Instruction& in) {
    if (in.eip == switch_to_) ++switches;
    if (in.eip == ret_from_fork_) ++forks;
    last_eax_ = in.before[trace::Reg::kEax];
  }
  // A delivery: the instruction before it was the INT, whose EAX is the call's number. True if
  // it is a system call.
  bool on_delivery(const trace::Delivery& d, std::map<std::uint32_t, std::uint64_t>& calls) {
    if (d.vector != 0x80 || !d.is_software_int() || (d.from.cs & 3u) != 3) return false;
    ++syscalls;
    ++calls[last_eax_];
    return true;
  }

 private:
  std::optional<std::uint32_t> switch_to_, ret_from_fork_;
  std::uint32_t last_eax_ = 0;
};

}  // namespace

int cmd_trace_stats(const TraceStatsOptions& opt) {
  OpenTrace t = open_trace(opt.in);
  PidTracker pid(t.kernel);
  TaskNames names(t);
  std::map<std::int64_t, PidTime> per_pid;
  std::array<std::uint64_t, 256> vectors{};
  std::array<std::uint64_t, trace::kEventKindCount> kinds{};
  std::map<std::uint32_t, std::uint64_t> calls;  // system calls by number
  std::uint64_t instructions = 0, idle = 0, first_cycle = 0, last_cycle = 0;
  bool any = false;
  const trace::Stop* stop = nullptr;
  trace::Stop stop_copy;
  std::optional<LinuxCounts> linux;
  std::optional<LinuxTasks> tasks;  // a Linux trace's tasks, from its instructions
  if (t.linux_image) linux.emplace(t), tasks.emplace(t);
  auto running = [&] { return tasks ? tasks->pid() : pid.pid(); };
  auto name_of = [&](std::int64_t p) -> const std::string& {
    return tasks ? tasks->comm_of_pid(p) : names.of(p);
  };
  std::int64_t last_pid = running();
  while (const trace::Step* s = t.reader.next()) {
    if (s->event) {
      const trace::Event& e = *s->event;
      ++kinds[static_cast<std::size_t>(e.kind())];
      if (const auto* d = std::get_if<trace::Delivery>(&e.data)) {
        ++vectors[d->vector];
        if (linux && linux->on_delivery(*d, calls)) ++per_pid[running()].syscalls;
        if (d->is_exception() && d->vector == 14) ++per_pid[running()].page_faults;
      }
      if (const auto* c = std::get_if<trace::SyscallEntry>(&e.data)) {
        ++per_pid[running()].syscalls;
        ++calls[c->nr];
      }
      if (const auto* u = std::get_if<trace::UserSpace>(&e.data)) per_pid[u->pid].program = u->comm;
      if (const auto* h = std::get_if<trace::Hlt>(&e.data)) idle += h->idle_cycles;
      if (const auto* st = std::get_if<trace::Stop>(&e.data)) {
        stop_copy = *st;
        stop = &stop_copy;
        if (any) per_pid[last_pid].cycles += e.cycle - last_cycle, last_cycle = e.cycle;
      }
      pid.on_event(e);
      names.on_event(e);
      continue;
    }
    const auto& in = s->insn;
    if (linux) linux->on_insn(in), tasks->on_insn(in);
    if (!any)
      first_cycle = in.cycle, any = true;
    else
      per_pid[last_pid].cycles += in.cycle - last_cycle;
    last_cycle = in.cycle;
    last_pid = running();
    PidTime& pt = per_pid[last_pid];
    ++pt.instructions;
    if (in.before[trace::Reg::kCpl] == 3) ++pt.user_instructions;
    ++instructions;
  }
  const std::uint64_t cycles = last_cycle - first_cycle;
  auto count = [&](trace::EventKind k) { return kinds[static_cast<std::size_t>(k)]; };
  const std::uint64_t switches = linux ? linux->switches : count(trace::EventKind::Switch);
  const std::uint64_t forks = linux ? linux->forks : count(trace::EventKind::RetFromFork);
  const std::uint64_t syscalls = linux ? linux->syscalls : count(trace::EventKind::SyscallEntry);
  if (opt.in.json) {
    Json pids = Json::array(), vecs = Json::object();
    for (const auto& [p, v] : per_pid)
      pids.push_back(Json{{"pid", p},
                          {"comm", name_of(p).empty() ? Json(nullptr) : Json(name_of(p))},
                          {"program", v.program.empty() ? Json(nullptr) : Json(v.program)},
                          {"instructions", v.instructions},
                          {"ring3_instructions", v.user_instructions},
                          {"cycles", v.cycles},
                          {"syscalls", v.syscalls},
                          {"page_faults", v.page_faults}});
    for (std::size_t v = 0; v < vectors.size(); ++v)
      if (vectors[v]) vecs[std::to_string(v)] = vectors[v];
    Json by_name = Json::object();
    for (const auto& [nr, n] : calls) by_name[t.syscall_name(nr)] = n;
    const Json j{{"instructions", instructions},
                 {"cycles", cycles},
                 {"idle_cycles", idle},
                 {"truncated", t.reader.truncated()},
                 {"per_pid", pids},
                 {"interrupts", vecs},
                 {"switches", switches},
                 {"forks", forks},
                 {"syscalls", syscalls},
                 {"syscalls_by_name", by_name},
                 {"irets", count(trace::EventKind::Iret)},
                 {"hlts", count(trace::EventKind::Hlt)},
                 {"port_io", count(trace::EventKind::PortIo)},
                 {"exit_status", stop ? Json(stop->exit_status) : Json(nullptr)}};
    fmt::print("{}\n", json_text(j));
    return 0;
  }
  fmt::print("trace {} ({}{})\n", opt.in.file, t.reader.header().image_name,
             t.reader.truncated() ? ", truncated" : "");
  fmt::print("instructions {}  cycles {}  idle cycles {}\n", instructions, cycles, idle);
  if (stop)
    fmt::print("stopped: status {}{}\n", stop->exit_status,
               stop->message.empty() ? "" : ": " + stop->message);
  if (t.kernel || tasks) {
    fmt::print("per pid:\n");
    // Linux's names take up to TASK_COMM_LEN - 1 = 15 characters; the forkscope kernel's fit 10.
    const int name_width = tasks ? 15 : 10;
    for (const auto& [p, v] : per_pid)
      fmt::print(
          "  pid {:<5} {:<{}} {:>12} instructions ({:>3.0f}% in ring 3) {:>14} cycles ({:.1f}%)  "
          "system calls {}  page faults {}\n",
          p, name_of(p).empty() ? "-" : name_of(p), name_width, v.instructions,
          v.instructions ? 100.0 * static_cast<double>(v.user_instructions) / v.instructions : 0.0,
          v.cycles, cycles ? 100.0 * static_cast<double>(v.cycles) / cycles : 0.0, v.syscalls,
          v.page_faults);
  }
  std::string vecs;
  for (std::size_t v = 0; v < vectors.size(); ++v)
    if (vectors[v]) vecs += fmt::format("{}{:#04x}:{}", vecs.empty() ? "" : ", ", v, vectors[v]);
  fmt::print("interrupts {}\n", vecs.empty() ? "none" : vecs);
  fmt::print("switches {}  forks {}  system calls {}  irets {}  HLTs {}  port accesses {}\n",
             switches, forks, syscalls, count(trace::EventKind::Iret), count(trace::EventKind::Hlt),
             count(trace::EventKind::PortIo));
  std::string by_name;
  for (const auto& [nr, n] : calls)
    by_name += fmt::format("{}{} {}", by_name.empty() ? "" : ", ", t.syscall_name(nr), n);
  fmt::print("system calls by name {}\n", by_name.empty() ? "none" : by_name);
  return 0;
}

}  // namespace fs::cli
