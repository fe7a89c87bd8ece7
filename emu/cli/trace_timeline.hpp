// `forkscope trace timeline FILE -o OUT`: what a trace says each task did over guest time, and the
// three pictures of it. trace_timeline.cpp reads the trace into a Timeline (running slices from
// context switches, system calls, interrupts, irets, forks); trace_timeline_json.cpp writes it as
// Chrome trace-event JSON (Perfetto, chrome://tracing), trace_timeline_svg.cpp as an SVG picture or
// an HTML page holding that picture and a small zoom script. Every writer's output depends on the
// Timeline alone, so the same trace gives byte-identical files.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fs::cli {

struct TimelineTask {
  std::int32_t pid = 0;
  // Printable (see printable_comm): the name its fork gave it, then the last program it ran.
  std::string comm;
  std::vector<std::string> programs;  // every program it ran in ring 3, in order
  std::int32_t parent = -1;           // -1: not forked inside the trace
};

// A span of guest cycles on one task's lane, [begin, end).
struct TimelineSlice {
  std::int32_t pid = 0;
  std::uint64_t begin = 0, end = 0;
};

struct TimelineSyscall {
  TimelineSlice span;    // entry (system_call) to exit (syscall_exit), across any sleep
  std::uint32_t nr = 0;  // Linux i386 number (guest/include/asm/unistd.h)
  std::string name;      // "waitpid" (the guest's names; a Linux image's own sys_call_table's)
  std::int32_t result = 0;
  bool returned = false;  // false: exit(), execve() into a new image, or the trace ended
};

// A point on a task's lane: a delivery, an iret, ret_from_fork, the first run in ring 3 of a
// program.
struct TimelineMark {
  enum class Kind { Irq, Exception, SoftwareInt, Iret, RetFromFork, UserSpace };
  Kind kind = Kind::Irq;
  std::int32_t pid = 0;
  std::uint64_t cycle = 0;
  std::uint8_t vector = 0;  // deliveries
  std::string name;         // "IRQ vector 0x20", "#PF (vector 14)", "iret", "ret_from_fork"...
  std::string detail;       // one line for hover text and JSON args
};

// A fork: the parent's Fork event to the child's first instruction (ret_from_fork).
struct TimelineFork {
  std::int32_t parent = 0, child = 0;
  std::uint64_t at = 0;           // the Fork event (wake_up_new_task), on the parent's lane
  std::uint64_t child_start = 0;  // the child's ret_from_fork; its first switch-in if none
  std::uint32_t clone_flags = 0;
};

struct Timeline {
  std::string trace_name;  // the trace file's basename (not its path: output must not depend on it)
  std::string image_name;
  std::string cmdline;
  std::uint64_t cpu_mhz = 100;  // the run's --cpu-mhz (trace header), cycles per microsecond
  std::uint64_t first_cycle = 0, last_cycle = 0;  // the run's span of guest time
  std::map<std::int32_t, TimelineTask> tasks;     // every task that ran or was forked, by pid
  std::vector<TimelineSlice> running;             // per task, in time order
  std::vector<TimelineSlice> idle;                // HLT waits (the idle task's)
  std::vector<TimelineSyscall> syscalls;          // in entry order
  std::vector<TimelineMark> marks;                // in time order
  std::vector<TimelineFork> forks;                // in time order
  bool kernel = false;                            // the trace has the kernel's task events
};

// The guest's bytes as printable ASCII: 0x20-0x7e kept, anything else (a comm is 16 bytes of
// whatever the guest wrote) as "\xNN", so no output format ever sees invalid UTF-8 or an XML
// control character.
std::string printable_comm(std::string_view guest_bytes);

// Microseconds of guest time at `cycle`, as text with up to two decimals ("40031.5").
std::string guest_us(const Timeline& t, std::uint64_t cycle);

// The lane label: "pid 3 forktest", "pid 0 swapper (idle task)".
std::string task_label(const TimelineTask& task);

// Reads the whole of trace (opened as open_trace() opens it; `path` names it in the pictures)
// into a Timeline. CliError on a bad header.
struct OpenTrace;
Timeline read_timeline(OpenTrace& trace, const std::string& path);

// The writers (return the file's bytes).
std::string timeline_json(const Timeline& t);
struct PictureWindow {
  std::uint64_t from = 0, to = 0;  // cycles drawn; from == to: the whole run
};
std::string timeline_svg(const Timeline& t, const PictureWindow& w);
std::string timeline_html(const Timeline& t, const PictureWindow& w);

}  // namespace fs::cli
