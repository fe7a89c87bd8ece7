// `forkscope trace dump|events|inspect|stats|timeline FILE` and `trace diff A B`: reading a
// recorded trace (docs/trace-format.md). One file per subcommand (trace_dump.cpp, trace_events.cpp,
// trace_inspect.cpp, trace_stats.cpp, trace_timeline.cpp, trace_diff.cpp), sharing
// trace_common.hpp: opening the file, the guest's symbols, the running pid.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fs::cli {

struct TraceInput {
  std::string file;    // the trace
  std::string image;   // the guest image for symbols and code bytes (default: the kernel beside
                       // forkscope when the trace's image is kernel.elf)
  bool json = false;   // one JSON object a line
  std::string initrd;  // a Linux trace's initramfs, for its programs' code and symbols
};

struct TraceDumpOptions {
  TraceInput in;
  std::optional<std::uint64_t> from_seq, to_seq;  // inclusive range
  std::optional<std::uint64_t> count;             // at most this many lines
  std::string symbol;                             // only instructions inside this function
  std::optional<std::int64_t> pid;
  std::optional<unsigned> cpl;
  bool mem = false;  // each instruction's memory writes (and a delivery's) under it
};

struct TraceEventsOptions {
  TraceInput in;
  std::vector<std::string> kinds;  // event kind names; empty: all
  std::optional<std::int64_t> pid;
};

struct TraceInspectOptions {
  TraceInput in;
  bool ret_from_fork = false;
  bool iret = false;
  std::optional<std::int64_t> pid;
};

struct TraceStatsOptions {
  TraceInput in;
};

// `trace timeline FILE -o OUT` (trace_timeline.cpp, docs/timeline.md): OUT's extension picks the
// format, .json (Chrome trace events), .svg or .html.
struct TraceTimelineOptions {
  TraceInput in;
  std::string out;
  std::optional<std::uint64_t> from_us, to_us;  // the picture's window in guest microseconds
};

// `trace diff A B` (trace_diff.cpp): exit 0 same history, 1 diverged, 2 bad input.
struct TraceDiffOptions {
  std::string a, b;                      // the two traces
  std::string image_a, image_b;          // --image (A's, and B's too if the same build), --image-b
  bool json = false;                     // the report as one JSON object
  std::vector<std::string> ignore_regs;  // register names left out of the comparison
  std::vector<std::string> ignore_events;  // event kinds left out
  std::uint64_t from_seq = 0;              // compare from this seq on
  bool allow_build_id_mismatch = false;    // compare traces of two guest builds (mutation checks)
  bool decode_all = false;                 // decode even byte-identical chunks (for measuring)
  unsigned jobs = 0;                       // comparison threads; 0: the host's, at most 4
  bool timing = false;                     // instructions compared per second, on stderr
};

struct TraceOptions {
  TraceDumpOptions dump;
  TraceEventsOptions events;
  TraceInspectOptions inspect;
  TraceStatsOptions stats;
  TraceTimelineOptions timeline;
  TraceDiffOptions diff;
};

void setup_trace(CLI::App& app, TraceOptions& opt);
// Runs the trace subcommand that was given. Exit status: 0, 1 when an inspected invariant FAILs
// or two diffed traces diverge, 2 on bad input (one line on stderr).
int cmd_trace(CLI::App& app, const TraceOptions& opt);

int cmd_trace_dump(const TraceDumpOptions& opt);
int cmd_trace_events(const TraceEventsOptions& opt);
int cmd_trace_inspect(const TraceInspectOptions& opt);
int cmd_trace_stats(const TraceStatsOptions& opt);
int cmd_trace_timeline(const TraceTimelineOptions& opt);
int cmd_trace_diff(const TraceDiffOptions& opt);

}  // namespace fs::cli
