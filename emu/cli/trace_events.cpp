// `forkscope trace events FILE [--kind K,...] [--pid N] [--json]`: one line per event.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "emu/cli/trace_common.hpp"

namespace fs::cli {

int cmd_trace_events(const TraceEventsOptions& opt) {
  OpenTrace t = open_trace(opt.in);
  const auto kinds = parse_kinds(opt.kinds);
  PidTracker pid(t.kernel);
  std::string line;
  // A page fault's line names the faulting address, CR2, which the trace holds in the register
  // file of the handler's first instruction: the line (and any after it) waits for that step.
  std::vector<std::string> held;
  std::size_t cr2_at = std::string::npos;  // where CR2 goes in held.front(), the #PF's line
  std::string pf_bits;  // the error code spelled out (Intel SDM vol. 3A 4.7: P, W/R, U/S, RSVD)
  auto flush = [&](std::optional<std::uint32_t> cr2) {
    if (cr2_at != std::string::npos) {
      held.front().insert(cr2_at,
                          cr2 ? (opt.in.json ? fmt::format(",\"cr2\":{}", *cr2)
                                             : fmt::format(" ({}), CR2 {}", pf_bits, hex32(*cr2)))
                              : std::string());
      cr2_at = std::string::npos;
    }
    for (const auto& l : held) std::fputs(l.c_str(), stdout);
    held.clear();
  };
  while (const trace::Step* s = t.reader.next()) {
    if (!s->event) {
      if (!held.empty()) flush(s->insn.before[trace::Reg::CR2]);
      continue;
    }
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
    const auto* d = std::get_if<trace::Delivery>(&e.data);
    if (d && d->is_exception() && d->vector == 14 && cr2_at == std::string::npos) {
      flush(std::nullopt);
      held.push_back(line);
      pf_bits = fmt::format("{}, {}, {}{}", d->error_code & 1 ? "present" : "not present",
                            d->error_code & 2 ? "write" : "read",
                            d->error_code & 4 ? "user" : "supervisor",
                            d->error_code & 8 ? ", reserved bit" : "");
      // After the error code in the text; before the closing brace in JSON.
      const std::size_t at = opt.in.json ? line.rfind('}') : line.find(" from ");
      cr2_at = at == std::string::npos ? line.size() - 1 : at;
    } else if (!held.empty()) {
      held.push_back(line);
    } else {
      std::fputs(line.c_str(), stdout);
    }
  }
  flush(std::nullopt);
  return 0;
}

}  // namespace fs::cli
