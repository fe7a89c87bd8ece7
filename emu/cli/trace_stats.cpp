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

// What a trace's records add up to. Tasks, switches, forks and system calls are the follower's.
class Stats {
 public:
  explicit Stats(const OpenTrace& t) : tasks(follow_tasks(t)), last_pid_(tasks->pid()) {}

  const std::unique_ptr<TaskFollower> tasks;
  std::map<std::int64_t, PidTime> per_pid;
  std::array<std::uint64_t, 256> vectors{};
  std::array<std::uint64_t, trace::kEventKindCount> kinds{};
  std::map<std::uint32_t, std::uint64_t> calls;  // system calls by number
  std::uint64_t instructions = 0, idle = 0, first_cycle = 0, last_cycle = 0;
  std::uint64_t switches = 0, forks = 0, syscalls = 0;
  std::optional<trace::Stop> stop;

  std::uint64_t count(trace::EventKind k) const { return kinds[static_cast<std::size_t>(k)]; }
  const std::string& name_of(std::int64_t pid) const { return tasks->name_of(pid); }

  void on_event(const trace::Event& e) {
    ++kinds[static_cast<std::size_t>(e.kind())];
    if (const auto* d = std::get_if<trace::Delivery>(&e.data)) {
      ++vectors[d->vector];
      if (d->is_exception() && d->vector == 14) ++per_pid[tasks->pid()].page_faults;
    }
    if (const auto* h = std::get_if<trace::Hlt>(&e.data)) idle += h->idle_cycles;
    if (const auto* st = std::get_if<trace::Stop>(&e.data)) {
      stop = *st;
      if (any_) per_pid[last_pid_].cycles += e.cycle - last_cycle, last_cycle = e.cycle;
    }
    on_task_events(tasks->on_event(e));
  }

  void on_insn(const trace::Instruction& in) {
    on_task_events(tasks->on_insn(in));
    if (!any_)
      first_cycle = in.cycle, any_ = true;
    else
      per_pid[last_pid_].cycles += in.cycle - last_cycle;
    last_cycle = in.cycle;
    last_pid_ = tasks->pid();
    PidTime& pt = per_pid[last_pid_];
    ++pt.instructions;
    if (in.before[trace::Reg::kCpl] == 3) ++pt.user_instructions;
    ++instructions;
  }

 private:
  void on_task_events(std::span<const trace::Event> news) {
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
  }

  bool any_ = false;
  std::int64_t last_pid_;
};

void print_json(const Stats& st, const OpenTrace& t) {
  Json pids = Json::array(), vecs = Json::object();
  for (const auto& [p, v] : st.per_pid)
    pids.push_back(Json{{"pid", p},
                        {"comm", st.name_of(p).empty() ? Json(nullptr) : Json(st.name_of(p))},
                        {"program", v.program.empty() ? Json(nullptr) : Json(v.program)},
                        {"instructions", v.instructions},
                        {"ring3_instructions", v.user_instructions},
                        {"cycles", v.cycles},
                        {"syscalls", v.syscalls},
                        {"page_faults", v.page_faults}});
  for (std::size_t v = 0; v < st.vectors.size(); ++v)
    if (st.vectors[v]) vecs[std::to_string(v)] = st.vectors[v];
  Json by_name = Json::object();
  for (const auto& [nr, n] : st.calls) by_name[t.syscall_name(nr)] = n;
  const Json j{{"instructions", st.instructions},
               {"cycles", st.last_cycle - st.first_cycle},
               {"idle_cycles", st.idle},
               {"truncated", t.reader.truncated()},
               {"per_pid", pids},
               {"interrupts", vecs},
               {"switches", st.switches},
               {"forks", st.forks},
               {"syscalls", st.syscalls},
               {"syscalls_by_name", by_name},
               {"irets", st.count(trace::EventKind::Iret)},
               {"hlts", st.count(trace::EventKind::Hlt)},
               {"port_io", st.count(trace::EventKind::PortIo)},
               {"exit_status", st.stop ? Json(st.stop->exit_status) : Json(nullptr)}};
  fmt::print("{}\n", json_text(j));
}

void print_per_pid(const Stats& st, const OpenTrace& t) {
  const std::uint64_t cycles = st.last_cycle - st.first_cycle;
  fmt::print("per pid:\n");
  // Linux's names take up to TASK_COMM_LEN - 1 = 15 characters; the forkscope kernel's fit 10.
  const int name_width = t.linux_image ? 15 : 10;
  for (const auto& [p, v] : st.per_pid)
    fmt::print(
        "  pid {:<5} {:<{}} {:>12} instructions ({:>3.0f}% in ring 3) {:>14} cycles ({:.1f}%)  "
        "system calls {}  page faults {}\n",
        p, st.name_of(p).empty() ? "-" : st.name_of(p), name_width, v.instructions,
        v.instructions ? 100.0 * static_cast<double>(v.user_instructions) / v.instructions : 0.0,
        v.cycles, cycles ? 100.0 * static_cast<double>(v.cycles) / cycles : 0.0, v.syscalls,
        v.page_faults);
}

void print_text(const Stats& st, const OpenTrace& t, const std::string& file) {
  fmt::print("trace {} ({}{})\n", file, t.reader.header().image_name,
             t.reader.truncated() ? ", truncated" : "");
  fmt::print("instructions {}  cycles {}  idle cycles {}\n", st.instructions,
             st.last_cycle - st.first_cycle, st.idle);
  if (st.stop)
    fmt::print("stopped: status {}{}\n", st.stop->exit_status,
               st.stop->message.empty() ? "" : ": " + st.stop->message);
  if (t.kernel || t.linux_image) print_per_pid(st, t);
  std::string vecs;
  for (std::size_t v = 0; v < st.vectors.size(); ++v)
    if (st.vectors[v])
      vecs += fmt::format("{}{:#04x}:{}", vecs.empty() ? "" : ", ", v, st.vectors[v]);
  fmt::print("interrupts {}\n", vecs.empty() ? "none" : vecs);
  fmt::print("switches {}  forks {}  system calls {}  irets {}  HLTs {}  port accesses {}\n",
             st.switches, st.forks, st.syscalls, st.count(trace::EventKind::Iret),
             st.count(trace::EventKind::Hlt), st.count(trace::EventKind::PortIo));
  std::string by_name;
  for (const auto& [nr, n] : st.calls)
    by_name += fmt::format("{}{} {}", by_name.empty() ? "" : ", ", t.syscall_name(nr), n);
  fmt::print("system calls by name {}\n", by_name.empty() ? "none" : by_name);
}

}  // namespace

int cmd_trace_stats(const TraceStatsOptions& opt) {
  OpenTrace t = open_trace(opt.in);
  Stats st(t);
  while (const trace::Step* s = t.reader.next()) {
    if (s->event)
      st.on_event(*s->event);
    else
      st.on_insn(s->insn);
  }
  if (opt.in.json)
    print_json(st, t);
  else
    print_text(st, t, opt.in.file);
  return 0;
}

}  // namespace fs::cli
