// `forkscope trace timeline FILE -o OUT [--from-us N] [--to-us N]`: reads a trace into a Timeline
// (trace_timeline.hpp) and writes it in the format OUT's extension names.
//
// Where each part of the picture comes from: the task events (docs/trace-format.md) that the task
// follower gives (trace_tasks.hpp: forkscope's kernel records them, Linux's are read from its
// instructions), and the machine's deliveries, irets, HLTs and stop:
// - running slices: a task runs from the context switch to it until the next switch away (the
//   first slice starts at the first instruction, with pid 0, swapper, as the follower says); the
//   last ends at the Stop event (or the last instruction);
// - idle: each HLT event's wait, which ends at the event's cycle (the machine reports a HLT when
//   the interrupt that ends it is due);
// - system calls: system_call's entry to syscall_exit's (the result is pt_regs->eax). A call
//   whose exit the kernel does not pass through syscall_exit with its number (sigreturn sets
//   orig_eax to -1, as Linux's does) ends at the task's next iret to ring 3; exit() and a trace
//   cut short end it at the task's last running instant;
// - marks: every delivery (by vector), iret, ret_from_fork and first run of a program in ring 3;
// - forks: the Fork event in the parent (wake_up_new_task) to the child's ret_from_fork;
// - names: a task's last program in ring 3, else (a kernel thread) its latest name.
#include "emu/cli/trace_timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <unordered_map>

#include "emu/cli/syscall_names.hpp"
#include "emu/cli/trace_common.hpp"
#include "emu/cli/trace_programs.hpp"
#include "emu/cli/trace_tasks.hpp"
#include "x86/vectors.hpp"

namespace fs::cli {

namespace tr = fs::trace;

std::string printable_comm(std::string_view guest_bytes) {
  std::string out;
  for (char c : guest_bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f)
      out += c;
    else
      out += fmt::format("\\x{:02x}", b);
  }
  return out;
}

std::string guest_us(const Timeline& t, std::uint64_t cycle) {
  // Integer arithmetic: two decimals of a microsecond, exact for any clock that divides 100 MHz
  // evenly, rounded down otherwise; never host floating point formatting.
  const std::uint64_t hundredths = cycle * 100 / t.cpu_mhz;
  std::string s = fmt::format("{}.{:02}", hundredths / 100, hundredths % 100);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string task_label(const TimelineTask& task) {
  if (task.pid == 0) return "pid 0 swapper (idle task)";
  if (task.pid < 0) return "cpu (no task events)";
  if (task.comm.empty()) return fmt::format("pid {} (kernel thread)", task.pid);
  // A task that never ran a program in ring 3 is a kernel thread, named by its fork.
  return fmt::format("pid {} {}{}", task.pid, task.comm,
                     task.programs.empty() ? " (kernel thread)" : "");
}

namespace {

class TimelineBuilder {
 public:
  TimelineBuilder(OpenTrace& trace, const std::string& path)
      : tr_(trace),
        tasks_(follow_tasks(trace)),
        running_(static_cast<std::int32_t>(tasks_->pid())) {
    const tr::Header& h = trace.reader.header();
    // Host strings too may hold any bytes (a file name, an option): made printable like a comm.
    t_.trace_name = printable_comm(std::filesystem::path(path).filename().string());
    t_.image_name = printable_comm(h.image_name);
    if (const std::string* c = h.option("cmdline")) t_.cmdline = printable_comm(*c);
    if (const std::string* m = h.option("cpu_mhz")) {
      try {
        t_.cpu_mhz = std::stoull(*m);
      } catch (const std::exception&) {
        t_.cpu_mhz = 0;
      }
      if (t_.cpu_mhz == 0)
        throw CliError(fmt::format("{}: bad cpu_mhz '{}' in its header", path, *m));
    }
    t_.kernel = trace.kernel;
  }

  Timeline build() {
    while (const tr::Step* s = tr_.reader.next()) {
      if (s->event)
        on_event(*s->event);
      else
        on_instruction(s->insn);
    }
    finish();
    return std::move(t_);
  }

 private:
  OpenTrace& tr_;
  std::unique_ptr<TaskFollower> tasks_;
  std::int32_t running_;  // the task whose slice is open
  Timeline t_;
  bool started_ = false;
  std::uint64_t now_ = 0;          // the latest cycle seen
  std::uint64_t slice_begin_ = 0;  // the running task's current slice
  std::optional<std::uint64_t> stop_;
  std::unordered_map<std::int32_t, std::size_t> open_syscall_;  // pid -> index in t_.syscalls
  std::unordered_map<std::int32_t, std::size_t> unstarted_;     // child pid -> index in t_.forks
  std::optional<std::size_t> page_fault_;  // a #PF mark waiting for CR2 (the next instruction's)

  std::int32_t running() const { return running_; }

  TimelineTask& task(std::int32_t pid) {
    TimelineTask& k = t_.tasks[pid];
    k.pid = pid;
    if (pid == 0 && k.comm.empty()) k.comm = "swapper";
    return k;
  }

  void start(std::uint64_t cycle) {
    if (started_) return;
    started_ = true;
    t_.first_cycle = slice_begin_ = cycle;
    task(running());
  }

  void on_instruction(const tr::Instruction& in) {
    start(in.cycle);
    now_ = in.cycle;
    if (page_fault_) {
      t_.marks[*page_fault_].detail += fmt::format(", CR2 {}", hex32(in.before[tr::Reg::kCr2]));
      page_fault_.reset();
    }
    for (const tr::Event& k : track_programs(tr_, tasks_->on_insn(in))) on_task_event(k);
  }

  void mark(TimelineMark::Kind kind, const tr::Event& e, std::string name,
            std::uint8_t vector = 0) {
    TimelineMark m;
    m.kind = kind;
    m.pid = running();
    m.cycle = e.cycle;
    m.vector = vector;
    m.name = std::move(name);
    m.detail = printable_comm(event_text(e, tr_.symbols_for(m.pid)));  // it quotes the comm
    t_.marks.push_back(std::move(m));
  }

  void end_syscall(std::int32_t pid, std::uint64_t at, std::optional<std::int32_t> result) {
    auto it = open_syscall_.find(pid);
    if (it == open_syscall_.end()) return;
    TimelineSyscall& c = t_.syscalls[it->second];
    c.span.end = at;
    c.returned = result.has_value();
    c.result = result.value_or(0);
    open_syscall_.erase(it);
  }

  void on_delivery(const tr::Event& e, const tr::Delivery& d) {
    using K = TimelineMark::Kind;
    if (d.is_irq()) {
      mark(K::Irq, e, fmt::format("irq vector {:#04x}", d.vector), d.vector);
    } else if (d.is_software_int()) {
      mark(K::SoftwareInt, e, fmt::format("int {:#04x}", d.vector), d.vector);
    } else {
      mark(K::Exception, e, fmt::format("{} (vector {})", vector_mnemonic(d.vector), d.vector),
           d.vector);
      if (d.vector == 14) page_fault_ = t_.marks.size() - 1;
    }
  }

  void on_switch(const tr::Event& e, const tr::Switch& s) {
    t_.running.push_back({running(), slice_begin_, e.cycle});
    slice_begin_ = e.cycle;
    running_ = s.next_pid;
    task(s.prev_pid);
    task(s.next_pid);
    auto it = unstarted_.find(s.next_pid);
    if (it != unstarted_.end()) t_.forks[it->second].child_start = e.cycle;  // until its rff
  }

  void on_event(const tr::Event& e) {
    start(e.cycle);
    now_ = std::max(now_, e.cycle);
    for (const tr::Event& k : track_programs(tr_, tasks_->on_event(e))) on_task_event(k);
    const std::int32_t pid = running();
    if (const auto* d = std::get_if<tr::Delivery>(&e.data)) {
      on_delivery(e, *d);
    } else if (const auto* i = std::get_if<tr::Iret>(&e.data)) {
      mark(TimelineMark::Kind::Iret, e, "iret");
      if (i->cpl_after == 3) end_syscall(pid, e.cycle, std::nullopt);
    } else if (const auto* h = std::get_if<tr::Hlt>(&e.data)) {
      t_.idle.push_back({pid, e.cycle - std::min(h->idle_cycles, e.cycle), e.cycle});
    } else if (std::holds_alternative<tr::Stop>(e.data)) {
      stop_ = e.cycle;
    }
  }

  // A switch, fork, first instruction, program or system call (the follower's).
  void on_task_event(const tr::Event& e) {
    using K = TimelineMark::Kind;
    const std::int32_t pid = running();
    if (const auto* r = std::get_if<tr::RetFromFork>(&e.data)) {
      mark(K::RetFromFork, e, "ret_from_fork");
      auto it = unstarted_.find(r->pid);
      if (it != unstarted_.end()) t_.forks[it->second].child_start = e.cycle;
      unstarted_.erase(r->pid);
    } else if (const auto* u = std::get_if<tr::UserSpace>(&e.data)) {
      TimelineTask& k = task(u->pid);
      k.comm = printable_comm(u->comm);
      if (k.programs.empty() || k.programs.back() != k.comm) k.programs.push_back(k.comm);
      mark(K::UserSpace, e, "ring 3: " + k.comm);
    } else if (const auto* f = std::get_if<tr::Fork>(&e.data)) {
      TimelineTask& child = task(f->child_pid);
      // A reused pid starts afresh, named as the fork names it (a kernel thread keeps that name).
      child = TimelineTask{f->child_pid, printable_comm(f->comm), {}, f->parent_pid};
      unstarted_[f->child_pid] = t_.forks.size();
      t_.forks.push_back({f->parent_pid, f->child_pid, e.cycle, e.cycle, f->clone_flags});
    } else if (const auto* c = std::get_if<tr::SyscallEntry>(&e.data)) {
      end_syscall(pid, e.cycle, std::nullopt);  // one call at a time per task
      open_syscall_[pid] = t_.syscalls.size();
      t_.syscalls.push_back({{pid, e.cycle, e.cycle}, c->nr, call_name(c->nr), 0, false});
    } else if (const auto* x = std::get_if<tr::SyscallExit>(&e.data)) {
      auto it = open_syscall_.find(pid);
      if (it != open_syscall_.end() && t_.syscalls[it->second].nr == x->nr)
        end_syscall(pid, e.cycle, x->result);
    } else if (const auto* s = std::get_if<tr::Switch>(&e.data)) {
      on_switch(e, *s);
    }
  }

  // A Linux image's name for the call (its sys_call_table), else the forkscope kernel's.
  std::string call_name(std::uint32_t nr) const {
    return tr_.linux_syscalls.empty() ? syscall_name(nr) : tr_.syscall_name(nr);
  }

  void finish() {
    const std::uint64_t end = stop_.value_or(now_);
    t_.last_cycle = end;
    if (!started_) return;  // an empty trace: no slices
    t_.running.push_back({running(), slice_begin_, end});
    // A call that never returned ends where its task last ran.
    std::unordered_map<std::int32_t, std::uint64_t> last_run;
    for (const TimelineSlice& s : t_.running) last_run[s.pid] = s.end;
    for (const auto& [pid, index] : open_syscall_) {
      auto it = last_run.find(pid);
      t_.syscalls[index].span.end = it == last_run.end() ? end : it->second;
    }
    // A kernel thread is named after its fork, and renamed since (Linux's kthreads: by
    // kthread_create, after kthreadd forked them with its own name).
    for (auto& [pid, k] : t_.tasks)
      if (k.programs.empty() && !tasks_->name_of(pid).empty())
        k.comm = printable_comm(tasks_->name_of(pid));
    std::stable_sort(t_.running.begin(), t_.running.end(),
                     [](const TimelineSlice& a, const TimelineSlice& b) { return a.pid < b.pid; });
  }
};

}  // namespace

Timeline read_timeline(OpenTrace& trace, const std::string& path) {
  return TimelineBuilder(trace, path).build();
}

namespace {

enum class Format { Json, Svg, Html };

Format format_of(const std::string& out) {
  std::string ext = std::filesystem::path(out).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".json") return Format::Json;
  if (ext == ".svg") return Format::Svg;
  if (ext == ".html" || ext == ".htm") return Format::Html;
  throw CliError(fmt::format(
      "trace timeline: cannot tell the format of '{}' (the extension must be .json, .svg or .html)",
      out));
}

PictureWindow window_of(const TraceTimelineOptions& opt, const Timeline& t) {
  PictureWindow w{t.first_cycle, t.last_cycle};
  if (opt.from_us) w.from = std::max(w.from, *opt.from_us * t.cpu_mhz);
  if (opt.to_us) w.to = std::min(w.to, *opt.to_us * t.cpu_mhz);
  if (w.from >= w.to)
    throw CliError(
        fmt::format("trace timeline: the window {}-{} us holds none of the run ({}-{} us)",
                    opt.from_us.value_or(0), opt.to_us ? std::to_string(*opt.to_us) : "end",
                    guest_us(t, t.first_cycle), guest_us(t, t.last_cycle)));
  return w;
}

void write_file(const std::string& path, const std::string& bytes) {
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out || !out.flush())
    throw CliError(fmt::format("trace timeline: cannot write {}{}", path,
                               errno ? fmt::format(": {}", std::strerror(errno)) : ""));
}

}  // namespace

int cmd_trace_timeline(const TraceTimelineOptions& opt) {
  const Format format = format_of(opt.out);  // before reading the trace: a typo costs nothing
  OpenTrace trace = open_trace(opt.in);
  const Timeline t = read_timeline(trace, opt.in.file);
  switch (format) {
    case Format::Json:
      write_file(opt.out, timeline_json(t));
      break;
    case Format::Svg:
      write_file(opt.out, timeline_svg(t, window_of(opt, t)));
      break;
    case Format::Html:
      write_file(opt.out, timeline_html(t, window_of(opt, t)));
      break;
  }
  return 0;
}

}  // namespace fs::cli
