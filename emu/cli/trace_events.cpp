// `forkscope trace events FILE [--kind K,...] [--pid N] [--json]`: one line per event.
#include <fmt/format.h>

#include <algorithm>

#include "emu/cli/trace_common.hpp"

namespace fs::cli {

int cmd_trace_events(const TraceEventsOptions& opt) {
  OpenTrace t = open_trace(opt.in);
  const auto kinds = parse_kinds(opt.kinds);
  PidTracker pid(t.kernel);
  std::string line;
  while (const trace::Step* s = t.reader.next()) {
    if (!s->event) continue;
    const trace::Event& e = *s->event;
    const std::int64_t running = pid.pid();  // the task the event happens in (a switch: prev)
    pid.on_event(e);
    t.track(e);
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), e.kind()) == kinds.end()) continue;
    if (opt.pid && running != *opt.pid) continue;
    if (opt.in.json) {
      line = fmt::format("{{\"seq\":{},\"cycle\":{},\"pid\":{},\"kind\":\"{}\",{}}}\n", e.seq,
                         e.cycle, running, trace::event_kind_name(e.kind()),
                         event_json_members(e, t.symbols_for(running)));
    } else {
      line = fmt::format("{:>10} {:>12} pid {:<4} {:<13} {}\n", e.seq, e.cycle,
                         running < 0 ? std::string("-") : std::to_string(running),
                         trace::event_kind_name(e.kind()), event_text(e, t.symbols_for(running)));
    }
    std::fputs(line.c_str(), stdout);
  }
  return 0;
}

}  // namespace fs::cli
