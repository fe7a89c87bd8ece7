// `forkscope trace events FILE [--kind K,...] [--pid N] [--json]`: one line per event.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emu/cli/trace_common.hpp"
#include "emu/cli/trace_programs.hpp"
#include "emu/cli/trace_tasks.hpp"

namespace fs::cli {

namespace {

// The error code of a #PF spelled out (Intel SDM vol. 3A 4.7: P, W/R, U/S, RSVD).
std::string pf_bits(std::uint32_t ec) {
  return fmt::format("{}, {}, {}{}", ec & 1 ? "present" : "not present", ec & 2 ? "write" : "read",
                     ec & 4 ? "user" : "supervisor", ec & 8 ? ", reserved bit" : "");
}

// A page fault's line names the faulting address, CR2, which the trace holds in the register file
// of the handler's first instruction: the #PF's line, and any after it, wait for that step.
class HeldLines {
 public:
  explicit HeldLines(bool json) : json_(json) {}
  bool holding() const { return pf_.has_value(); }
  // Starts holding at a #PF: its line as JSON, or as text split where CR2 goes (after the error
  // code).
  void hold_pf(Json j, std::string text, std::uint32_t error_code) {
    flush(std::nullopt);
    pf_ = std::move(j);
    const std::size_t at = text.find(" from ");
    pf_text_ = std::move(text);
    cr2_at_ = at == std::string::npos ? pf_text_.size() - 1 : at;
    bits_ = pf_bits(error_code);
  }
  void add(std::string line) { after_.push_back(std::move(line)); }
  // Prints what is held, with CR2 when known.
  void flush(std::optional<std::uint32_t> cr2) {
    if (!pf_) return;
    if (json_) {
      if (cr2) put_address(*pf_, "cr2", *cr2);
      std::fputs((json_text(*pf_) + "\n").c_str(), stdout);
    } else {
      if (cr2) pf_text_.insert(cr2_at_, fmt::format(" ({}), CR2 {}", bits_, hex32(*cr2)));
      std::fputs(pf_text_.c_str(), stdout);
    }
    for (const auto& l : after_) std::fputs(l.c_str(), stdout);
    pf_.reset();
    after_.clear();
  }

 private:
  bool json_;
  std::optional<Json> pf_;
  std::string pf_text_, bits_;
  std::size_t cr2_at_ = 0;
  std::vector<std::string> after_;
};

}  // namespace

int cmd_trace_events(const TraceEventsOptions& opt) {
  OpenTrace t = open_trace(opt.in);
  const auto kinds = parse_kinds(opt.kinds);
  const std::unique_ptr<TaskFollower> tasks = follow_tasks(t);
  HeldLines held(opt.in.json);
  if (!opt.in.json)
    fmt::print("{:>10} {:>12} {:<8} {:<13} {}\n", "seq", "cycle", "pid", "kind", "what happened");
  while (const trace::Step* s = t.reader.next()) {
    if (!s->event) {
      track_programs(t, tasks->on_insn(s->insn));
      held.flush(s->insn.before[trace::Reg::kCr2]);
      continue;
    }
    const trace::Event& e = *s->event;
    // The task the event happens in (a switch: prev).
    const std::int64_t running = tasks->pid();
    track_programs(t, tasks->on_event(e));
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), e.kind()) == kinds.end()) continue;
    if (opt.pid && running != *opt.pid) continue;
    const SymbolTable& syms = t.symbols_for(running);
    Json j;
    std::string line;
    if (opt.in.json) {
      j = Json{{"seq", e.seq},
               {"cycle", e.cycle},
               {"pid", running},
               {"kind", trace::event_kind_name(e.kind())}};
      event_json(j, e, syms);
    } else {
      line = fmt::format("{:>10} {:>12} pid {:<4} {:<13} {}\n", e.seq, e.cycle,
                         running < 0 ? std::string("-") : std::to_string(running),
                         trace::event_kind_name(e.kind()), event_text(e, syms));
    }
    const auto* d = std::get_if<trace::Delivery>(&e.data);
    if (d && d->is_exception() && d->vector == 14 && !held.holding()) {
      held.hold_pf(std::move(j), std::move(line), d->error_code);
    } else {
      if (opt.in.json) line = json_text(j) + "\n";
      if (held.holding())
        held.add(std::move(line));
      else
        std::fputs(line.c_str(), stdout);
    }
  }
  held.flush(std::nullopt);
  return 0;
}

}  // namespace fs::cli
