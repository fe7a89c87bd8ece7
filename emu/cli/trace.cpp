#include "emu/cli/trace.hpp"

#include <fmt/format.h>

#include "emu/cli/trace_common.hpp"

namespace fs::cli {

namespace {

// "fork, switch, ...": every kind --kind accepts, from the trace format's own table.
std::string event_kind_list() {
  std::string out;
  for (std::size_t i = 0; i < trace::kEventKindCount; ++i)
    out += fmt::format("{}{}", i ? ", " : "",
                       trace::event_kind_name(static_cast<trace::EventKind>(i)));
  return out;
}

// with_json: the reader prints lines, so --json can make them JSON objects (not timeline: -o).
void add_input(CLI::App* sub, TraceInput& in, bool with_json = true) {
  sub->add_option("file", in.file, "the trace (written by `forkscope run --trace FILE`)")
      ->required();
  sub->add_option("--image", in.image,
                  "the guest image it was recorded from, for symbols and code (default: the "
                  "kernel beside forkscope, for traces of kernel.elf)");
  sub->add_option("--initrd", in.initrd,
                  "a Linux trace's initramfs (as `run --initrd` was given): its programs' code "
                  "and symbols for the user-space instructions of the tasks that exec them");
  if (with_json) sub->add_flag("--json", in.json, "one JSON object a line (docs/json.md)");
}

}  // namespace

void setup_trace(CLI::App& app, TraceOptions& opt) {
  auto* trace = app.add_subcommand("trace", "read a recorded trace (forkscope run --trace FILE)");
  trace->require_subcommand(1);

  auto* dump = trace->add_subcommand("dump",
                                     "one line per instruction: seq, cycle, pid, CPL, "
                                     "function+offset, address, bytes, text, changes");
  add_input(dump, opt.dump.in);
  dump->add_option("--from", opt.dump.from_seq,
                   "first sequence number (past the last instruction: status 2)")
      ->type_name("SEQ");
  dump->add_option("--to", opt.dump.to_seq, "last sequence number (before --from: status 2)")
      ->type_name("SEQ");
  dump->add_option("--count", opt.dump.count, "at most N lines");
  dump->add_option("--symbol", opt.dump.symbol, "only instructions inside this function");
  dump->add_option("--pid", opt.dump.pid,
                   "only instructions of this task (a pid that never runs: status 2)");
  dump->add_option("--cpl", opt.dump.cpl, "only instructions at this privilege level")
      ->check(CLI::Range(0, 3));
  dump->add_flag("--mem", opt.dump.mem,
                 "the memory writes of each instruction (and of an interrupt delivery) under it");

  auto* events = trace->add_subcommand("events", "one line per event");
  add_input(events, opt.events.in);
  events
      ->add_option("--kind", opt.events.kinds,
                   fmt::format("only these kinds, comma-separated: {} (docs/trace-format.md)",
                               event_kind_list()))
      ->type_name("KIND")
      ->delimiter(',');
  events->add_option("--pid", opt.events.pid, "only events while this task runs");

  auto* inspect = trace->add_subcommand(
      "inspect", "explain every new task's first run (--ret-from-fork) or every iret (--iret)");
  add_input(inspect, opt.inspect.in);
  auto* rff = inspect->add_flag("--ret-from-fork", opt.inspect.ret_from_fork,
                                "each new task: its fork, its pt_regs, its path to its first "
                                "iret, with the invariants checked");
  auto* iret = inspect->add_flag("--iret", opt.inspect.iret,
                                 "each iret: frame, CPL change, task, what it ends");
  rff->excludes(iret);
  inspect->add_option("--pid", opt.inspect.pid, "only this task");

  auto* stats = trace->add_subcommand(
      "stats", "instructions, cycles, per-pid CPU time, interrupts, switches, forks");
  add_input(stats, opt.stats.in);

  auto& tl = opt.timeline;
  auto* timeline = trace->add_subcommand(
      "timeline",
      "a picture of the tasks over guest time: running slices from context switches, system "
      "calls, interrupts, irets and forks (docs/timeline.md)");
  add_input(timeline, tl.in, false);
  timeline
      ->add_option("-o,--output", tl.out,
                   "the file to write; its extension picks the format: .json (Chrome trace "
                   "events, for Perfetto and chrome://tracing), .svg, .html (the SVG, zoomable)")
      ->required();
  timeline->add_option("--from-us", tl.from_us,
                       "the SVG/HTML picture starts at this guest microsecond (JSON: whole run)");
  timeline->add_option("--to-us", tl.to_us, "the SVG/HTML picture ends at this guest microsecond");

  auto& df = opt.diff;
  auto* diff = trace->add_subcommand(
      "diff",
      "compare two traces: exit 0 if they are the same machine history, 1 if they diverge (where "
      "and how, explained), 2 on bad input or another format version or guest build");
  diff->add_option("a", df.a, "the first trace, e.g. the golden one")->required();
  diff->add_option("b", df.b, "the second trace")->required();
  diff->add_option("--image", df.image_a,
                   "the image A was recorded from, for symbols and code (default: the kernel "
                   "beside forkscope, for traces of kernel.elf); B's too if the same build");
  diff->add_option("--image-b", df.image_b, "the image B was recorded from, if another build");
  diff->add_flag("--json", df.json, "the result as one JSON object");
  diff->add_option("--ignore-reg", df.ignore_regs,
                   "leave these registers out, e.g. eax,ecx (see docs/trace-format.md)")
      ->delimiter(',');
  diff->add_option("--ignore-event", df.ignore_events,
                   "leave these event kinds out, e.g. port_io,hlt")
      ->delimiter(',');
  diff->add_option("--from-seq", df.from_seq, "compare from this sequence number on");
  diff->add_flag("--allow-build-id-mismatch", df.allow_build_id_mismatch,
                 "compare traces of two different guest builds anyway: for a kernel changed on "
                 "purpose (the mutation checks in tests/golden/golden.cmake); code that moved "
                 "makes them part where it moved");
  diff->add_flag("--decode-all", df.decode_all,
                 "decode and compare every record, also in chunks whose bytes or payloads are "
                 "the same in both files (slower; for measuring)");
  diff->add_option("--jobs", df.jobs, "comparison threads (default: the host's, at most 4)")
      ->check(CLI::Range(1, 64));
  diff->add_flag("--timing", df.timing,
                 "print the instructions compared per second on stderr (host time)");
}

int cmd_trace(CLI::App& app, const TraceOptions& opt) {
  auto* trace = app.get_subcommand("trace");
  try {
    if (trace->got_subcommand("dump")) return cmd_trace_dump(opt.dump);
    if (trace->got_subcommand("events")) return cmd_trace_events(opt.events);
    if (trace->got_subcommand("stats")) return cmd_trace_stats(opt.stats);
    if (trace->got_subcommand("timeline")) return cmd_trace_timeline(opt.timeline);
    if (trace->got_subcommand("diff")) return cmd_trace_diff(opt.diff);
    if (trace->got_subcommand("inspect")) {
      if (!opt.inspect.ret_from_fork && !opt.inspect.iret)
        throw CliError("trace inspect: say what to inspect: --ret-from-fork or --iret");
      return cmd_trace_inspect(opt.inspect);
    }
  } catch (const CliError& e) {
    std::fflush(stdout);
    fmt::print(stderr, "forkscope: {}\n", e.what());
    return 2;
  } catch (const trace::TraceError& e) {  // a corrupt chunk met while reading
    std::fflush(stdout);
    fmt::print(stderr, "forkscope: {}\n", e.what());
    return 2;
  }
  return 2;
}

}  // namespace fs::cli
