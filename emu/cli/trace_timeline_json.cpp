// The Timeline as Chrome trace-event JSON ("JSON Object Format" of the Trace Event Format
// document, which Perfetto's and chrome://tracing's importers read): one process per task (pid =
// the guest pid, named by process_name metadata, sorted by pid), holding two threads: "running"
// (tid = pid: X slices while the task has the CPU, the idle task's HLT waits nested in them, and
// instant events for deliveries, irets, ret_from_fork and a program's first run in ring 3) and
// "system calls" (tid = kSyscallTid + pid: a call's slice spans its sleeps, so it cannot nest in
// the running slices and gets a thread of its own). Forks are flow events: "s" on the parent at
// the fork, "f" (binding to the enclosing slice) on the child at its ret_from_fork. Times are
// guest microseconds: cycles / the run's --cpu-mhz.
#include <nlohmann/json.hpp>

#include "emu/cli/trace_timeline.hpp"

namespace fs::cli {

namespace {

using Json = nlohmann::ordered_json;  // members in the order written: a stable, readable file

constexpr std::int64_t kSyscallTid = 1'000'000;  // above any guest pid (PID_MAX_LIMIT is 4M, but
                                                 // 2.6.12's default pid_max is 32768)

class JsonWriter {
 public:
  explicit JsonWriter(const Timeline& t) : t_(t) {}

  std::string write() {
    for (const auto& [pid, task] : t_.tasks) metadata(task);
    for (const TimelineSlice& s : t_.running) slice(s, s.pid, "running", running_name(s.pid));
    for (const TimelineSlice& s : t_.idle) slice(s, s.pid, "idle", "idle (hlt)");
    for (const TimelineSyscall& c : t_.syscalls) syscall(c);
    for (const TimelineMark& m : t_.marks) instant(m);
    for (std::size_t k = 0; k < t_.forks.size(); ++k) fork(t_.forks[k], k + 1);
    Json doc;
    doc["traceEvents"] = std::move(events_);
    doc["otherData"] = {{"generator", "forkscope trace timeline"},
                        {"trace", t_.trace_name},
                        {"image", t_.image_name},
                        {"cmdline", t_.cmdline},
                        {"cpu_mhz", t_.cpu_mhz},
                        {"first_cycle", t_.first_cycle},
                        {"last_cycle", t_.last_cycle}};
    // replace: a stray byte that is not UTF-8 becomes U+FFFD instead of an exception (the guest's
    // strings are made printable before this; this is the second guard).
    return doc.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  }

 private:
  const Timeline& t_;
  Json events_ = Json::array();

  double us(std::uint64_t cycle) const {
    return static_cast<double>(cycle) / static_cast<double>(t_.cpu_mhz);
  }

  std::string running_name(std::int32_t pid) const {
    auto it = t_.tasks.find(pid);
    return it == t_.tasks.end() || it->second.comm.empty() ? "running" : it->second.comm;
  }

  static std::string process_name(const TimelineTask& task) {
    if (task.pid == 0) return "swapper (idle task)";
    if (task.pid < 0) return "cpu (no task events)";
    if (task.comm.empty()) return "kernel thread";
    return task.programs.empty() ? task.comm + " (kernel thread)" : task.comm;
  }

  void metadata(const TimelineTask& task) {
    const std::int64_t sys = kSyscallTid + task.pid;
    Json programs = Json::array();
    for (const std::string& p : task.programs) programs.push_back(p);
    events_.push_back({{"ph", "M"},
                       {"ts", 0},
                       {"name", "process_name"},
                       {"pid", task.pid},
                       {"tid", task.pid},
                       {"args", {{"name", process_name(task)}}}});
    if (task.parent >= 0)
      events_.push_back({{"ph", "M"},
                         {"ts", 0},
                         {"name", "process_labels"},
                         {"pid", task.pid},
                         {"tid", task.pid},
                         {"args", {{"labels", "forked by pid " + std::to_string(task.parent)}}}});
    events_.push_back({{"ph", "M"},
                       {"ts", 0},
                       {"name", "process_sort_index"},
                       {"pid", task.pid},
                       {"tid", task.pid},
                       {"args", {{"sort_index", task.pid}}}});
    events_.push_back({{"ph", "M"},
                       {"ts", 0},
                       {"name", "thread_name"},
                       {"pid", task.pid},
                       {"tid", task.pid},
                       {"args", {{"name", "running"}, {"programs", programs}}}});
    events_.push_back({{"ph", "M"},
                       {"ts", 0},
                       {"name", "thread_name"},
                       {"pid", task.pid},
                       {"tid", sys},
                       {"args", {{"name", "system calls"}}}});
    events_.push_back({{"ph", "M"},
                       {"ts", 0},
                       {"name", "thread_sort_index"},
                       {"pid", task.pid},
                       {"tid", sys},
                       {"args", {{"sort_index", 1}}}});
  }

  void slice(const TimelineSlice& s, std::int64_t tid, const char* cat, const std::string& name) {
    events_.push_back({{"ph", "X"},
                       {"name", name},
                       {"cat", cat},
                       {"pid", s.pid},
                       {"tid", tid},
                       {"ts", us(s.begin)},
                       {"dur", us(s.end - s.begin)},
                       {"args", {{"begin_cycle", s.begin}, {"end_cycle", s.end}}}});
  }

  void syscall(const TimelineSyscall& c) {
    Json args = {{"nr", c.nr},
                 {"result", c.returned ? Json(c.result) : Json(nullptr)},
                 {"begin_cycle", c.span.begin},
                 {"end_cycle", c.span.end}};
    events_.push_back({{"ph", "X"},
                       {"name", c.name},
                       {"cat", "syscall"},
                       {"pid", c.span.pid},
                       {"tid", kSyscallTid + c.span.pid},
                       {"ts", us(c.span.begin)},
                       {"dur", us(c.span.end - c.span.begin)},
                       {"args", std::move(args)}});
  }

  static const char* category(TimelineMark::Kind k) {
    switch (k) {
      case TimelineMark::Kind::Irq:
        return "irq";
      case TimelineMark::Kind::Exception:
        return "exception";
      case TimelineMark::Kind::SoftwareInt:
        return "int";
      case TimelineMark::Kind::Iret:
        return "iret";
      case TimelineMark::Kind::RetFromFork:
        return "ret_from_fork";
      case TimelineMark::Kind::UserSpace:
        return "user_space";
    }
    return "?";
  }

  void instant(const TimelineMark& m) {
    events_.push_back({{"ph", "i"},
                       {"s", "t"},
                       {"name", m.name},
                       {"cat", category(m.kind)},
                       {"pid", m.pid},
                       {"tid", m.pid},
                       {"ts", us(m.cycle)},
                       {"args", {{"cycle", m.cycle}, {"detail", m.detail}}}});
  }

  void fork(const TimelineFork& f, std::size_t id) {
    events_.push_back({{"ph", "s"},
                       {"id", id},
                       {"name", "fork"},
                       {"cat", "fork"},
                       {"pid", f.parent},
                       {"tid", f.parent},
                       {"ts", us(f.at)},
                       {"args",
                        {{"parent_pid", f.parent},
                         {"child_pid", f.child},
                         {"clone_flags", f.clone_flags},
                         {"cycle", f.at}}}});
    events_.push_back({{"ph", "f"},
                       {"bp", "e"},
                       {"id", id},
                       {"name", "fork"},
                       {"cat", "fork"},
                       {"pid", f.child},
                       {"tid", f.child},
                       {"ts", us(f.child_start)},
                       {"args", {{"cycle", f.child_start}}}});
  }
};

}  // namespace

std::string timeline_json(const Timeline& t) {
  return JsonWriter(t).write();
}

}  // namespace fs::cli
