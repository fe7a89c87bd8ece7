// `forkscope trace stats FILE [--json]`: instructions, cycles, per-pid CPU time (and how much of it
// in ring 3, its name, the program it ran last, its system calls and page faults), interrupts by
// vector, switches, forks, system calls, irets, HLTs. Tasks, switches, forks and system calls are
// the task follower's (trace_tasks.hpp): forkscope's kernel records them, Linux's are inferred.
#include <fmt/format.h>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "emu/cli/trace_common.hpp"
#include "emu/cli/trace_tasks.hpp"

namespace fs::cli {

namespace {

struct PidTime {
  std::uint64_t instructions = 0;
  std::uint64_t user_instructions = 0;  // at CPL 3
  std::uint64_t cycles = 0;  // from each of its instructions' start to the next instruction's
  std::uint64_t syscalls = 0, page_faults = 0;
  std::string program;  // the user program it ran last (user_space events), "" for none
};

}  // namespace

int cmd_trace_stats(const TraceStatsOptions& opt) {
  OpenTrace t = open_trace(opt.in);
  const std::unique_ptr<TaskFollower> tasks = follow_tasks(t);
  std::map<std::int64_t, PidTime> per_pid;
  std::array<std::uint64_t, 256> vectors{};
  std::array<std::uint64_t, trace::kEventKindCount> kinds{};
  std::map<std::uint32_t, std::uint64_t> calls;  // system calls by number
  std::uint64_t instructions = 0, idle = 0, first_cycle = 0, last_cycle = 0;
  std::uint64_t switches = 0, forks = 0, syscalls = 0;
  bool any = false;
  const trace::Stop* stop = nullptr;
  trace::Stop stop_copy;
  auto on_task_events = [&](std::span<const trace::Event> news) {
    for (const trace::Event& e : news) {
      if (std::holds_alternative<trace::Switch>(e.data)) ++switches;
      if (std::holds_alternative<trace::RetFromFork>(e.data)) ++forks;
      if (const auto* c = std::get_if<trace::SyscallEntry>(&e.data)) {
        ++syscalls;
        ++per_pid[tasks->pid()].syscalls;
        ++calls[c->nr];
      }
      if (const auto* u = std::get_if<trace::UserSpace>(&e.data)) per_pid[u->pid].program = u->comm;
    }
  };
  std::int64_t last_pid = tasks->pid();
  while (const trace::Step* s = t.reader.next()) {
    if (s->event) {
      const trace::Event& e = *s->event;
      ++kinds[static_cast<std::size_t>(e.kind())];
      if (const auto* d = std::get_if<trace::Delivery>(&e.data)) {
        ++vectors[d->vector];
        if (d->is_exception() && d->vector == 14) ++per_pid[tasks->pid()].page_faults;
      }
      if (const auto* h = std::get_if<trace::Hlt>(&e.data)) idle += h->idle_cycles;
      if (const auto* st = std::get_if<trace::Stop>(&e.data)) {
        stop_copy = *st;
        stop = &stop_copy;
        if (any) per_pid[last_pid].cycles += e.cycle - last_cycle, last_cycle = e.cycle;
      }
      on_task_events(tasks->on_event(e));
      continue;
    }
    const auto& in = s->insn;
    on_task_events(tasks->on_insn(in));
    if (!any)
      first_cycle = in.cycle, any = true;
    else
      per_pid[last_pid].cycles += in.cycle - last_cycle;
    last_cycle = in.cycle;
    last_pid = tasks->pid();
    PidTime& pt = per_pid[last_pid];
    ++pt.instructions;
    if (in.before[trace::Reg::kCpl] == 3) ++pt.user_instructions;
    ++instructions;
  }
  const std::uint64_t cycles = last_cycle - first_cycle;
  auto count = [&](trace::EventKind k) { return kinds[static_cast<std::size_t>(k)]; };
  auto name_of = [&](std::int64_t p) -> const std::string& { return tasks->name_of(p); };
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
  if (t.kernel || t.linux_image) {
    fmt::print("per pid:\n");
    // Linux's names take up to TASK_COMM_LEN - 1 = 15 characters; the forkscope kernel's fit 10.
    const int name_width = t.linux_image ? 15 : 10;
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
