// `forkscope trace diff A.fst B.fst`: are two traces the same machine history, and if not, where
// and how do they first part? The comparison is trace_diff_compare.hpp's, the report of what
// differs trace_diff_report.hpp's; this file checks that the two traces can be compared, runs the
// comparison and prints the result as text or JSON (docs/json.md).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "emu/cli/trace_diff_compare.hpp"
#include "emu/cli/trace_diff_report.hpp"

namespace fs::cli {

namespace tr = fs::trace;

namespace {

std::string hex_id(const std::vector<std::uint8_t>& id) {
  std::string s;
  for (std::uint8_t b : id) s += fmt::format("{:02x}", b);
  return s.empty() ? "(none)" : s;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

Masks parse_masks(const TraceDiffOptions& opt) {
  Masks m;
  m.from_seq = opt.from_seq;
  for (const auto& name : opt.ignore_regs) {
    tr::Reg r;
    if (!tr::reg_from_name(name, r)) {
      std::vector<std::string> known;
      for (std::size_t i = 0; i < tr::kRegCount; ++i)
        known.push_back(tr::reg_name(static_cast<tr::Reg>(i)));
      throw CliError(fmt::format("no register '{}' (known: {})", name, joined(known)));
    }
    m.ignore_reg[static_cast<std::size_t>(r)] = true;
    m.any_reg = true;
  }
  for (tr::EventKind k : parse_kinds(opt.ignore_events))
    m.ignore_kind[static_cast<std::size_t>(k)] = true;
  return m;
}

// What the comparison leaves out, as the report names it ("eax", "port_io events").
std::vector<std::string> ignoring(const Masks& m) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < tr::kRegCount; ++i)
    if (m.ignore_reg[i]) out.push_back(tr::reg_name(static_cast<tr::Reg>(i)));
  for (std::size_t i = 0; i < tr::kEventKindCount; ++i)
    if (m.ignore_kind[i])
      out.push_back(fmt::format("{} events", tr::event_kind_name(static_cast<tr::EventKind>(i))));
  return out;
}

// Refuses two traces that cannot be compared (another guest build unless allowed) and returns the
// notes on what else differs: the build, the run options, a trace without memory writes (format
// version 2: both are read, memory is not compared).
std::vector<std::string> check_comparable(const TraceDiffOptions& opt, const tr::Header& ha,
                                          const tr::Header& hb) {
  const bool other_build = ha.build_id != hb.build_id;
  if (other_build && !opt.allow_build_id_mismatch)
    throw CliError(fmt::format(
        "trace diff: {} and {} were recorded from different guest builds (build id {} and {}): not "
        "compared (re-record, or pass --allow-build-id-mismatch to compare a deliberately changed "
        "build)",
        opt.a, opt.b, hex_id(ha.build_id), hex_id(hb.build_id)));
  std::vector<std::string> notes;
  if ((ha.version >= tr::kMemWritesVersion) != (hb.version >= tr::kMemWritesVersion))
    notes.push_back(fmt::format(
        "{} records no memory writes (trace format version {}): memory writes not compared",
        ha.version < tr::kMemWritesVersion ? "A" : "B", std::min(ha.version, hb.version)));
  if (other_build)
    notes.push_back(
        fmt::format("different guest builds (build id {} in A, {} in B), compared as "
                    "asked (--allow-build-id-mismatch)",
                    hex_id(ha.build_id), hex_id(hb.build_id)));
  for (const auto& [k, v] : ha.options) {
    const std::string* w = hb.option(k);
    if (!w || *w != v)
      notes.push_back(fmt::format("run option {} differs: \"{}\" in A, {} in B", k, v,
                                  w ? "\"" + *w + "\"" : std::string("absent")));
  }
  for (const auto& [k, v] : hb.options)
    if (!ha.option(k))
      notes.push_back(fmt::format("run option {} differs: absent in A, \"{}\" in B", k, v));
  return notes;
}

// The comparison, and with --timing how fast it went on stderr. Host time, only for --timing:
// wall time, and the process's CPU time (which other load on the host does not inflate as much).
CompareResult compare(const TraceDiffOptions& opt, const Masks& m, const tr::Reader& ra,
                      const tr::Reader& rb, std::uint64_t& compared) {
  unsigned jobs = opt.jobs;
  if (jobs == 0) jobs = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  CompareResult res = run_compare(opt.a, opt.b, ra, rb, m, !opt.decode_all, jobs);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  const std::uint64_t n = std::max(ra.instruction_count(), rb.instruction_count());
  compared = res.mismatch ? res.mismatch->seq - std::min(res.mismatch->seq, m.from_seq)
                          : n - std::min(n, m.from_seq);
  if (opt.timing) {
    std::fflush(stdout);
    fmt::print(stderr,
               "trace diff: {} instructions compared in {:.3f} s: {:.1f} M instructions/s ({} "
               "threads, {:.3f} s CPU: {:.1f} M instructions per CPU second; of {} chunks, {} had "
               "the same bytes and {} the same payload in both files, the rest were decoded{})\n",
               compared, secs, secs > 0 ? static_cast<double>(compared) / secs / 1e6 : 0.0,
               res.jobs, cpu, cpu > 0 ? static_cast<double>(compared) / cpu / 1e6 : 0.0, res.items,
               res.same_bytes, res.same_payload, opt.decode_all ? ": --decode-all" : "");
  }
  return res;
}

int report_same(const TraceDiffOptions& opt, const Masks& m, std::uint64_t compared,
                const std::vector<std::string>& notes) {
  const auto ign = ignoring(m);
  if (opt.json) {
    const Json j{{"result", "same"},
                 {"a", opt.a},
                 {"b", opt.b},
                 {"from_seq", m.from_seq},
                 {"instructions_compared", compared},
                 {"ignoring", ign},
                 {"notes", notes}};
    fmt::print("{}\n", json_text(j));
    return 0;
  }
  fmt::print(
      "trace diff: same machine history: {} and {} agree on {} instructions{} and "
      "every event{}\n",
      opt.a, opt.b, compared, m.from_seq ? fmt::format(" from seq {}", m.from_seq) : std::string(),
      ign.empty() ? "" : fmt::format(" (ignoring {})", joined(ign)));
  for (const auto& n : notes) fmt::print("note: {}\n", n);
  return 0;
}

// Everything the divergence report shows, gathered once.
struct Divergence {
  const Mismatch& mm;
  std::vector<Diff> diffs;
  std::vector<CtxLine> ctx_a, ctx_b;
  std::uint64_t compared = 0;
  std::vector<std::string> ignoring, notes;
};

void print_json(const TraceDiffOptions& opt, const Masks& m, const Divergence& dv, OpenTrace& ta,
                OpenTrace& tb) {
  const Mismatch& mm = dv.mm;
  Decoder dec;
  Json diffs = Json::array(), ctx_a = Json::array(), ctx_b = Json::array();
  for (const auto& x : dv.diffs) diffs.push_back(x.json);
  for (const auto& l : dv.ctx_a) ctx_a.push_back(ctx_json(l, ta, dec));
  for (const auto& l : dv.ctx_b) ctx_b.push_back(ctx_json(l, tb, dec));
  const bool has_a = mm.a.type != Rec::kNone, has_b = mm.b.type != Rec::kNone;
  const Json j{{"result", "diverged"},
               {"a", opt.a},
               {"b", opt.b},
               {"from_seq", m.from_seq},
               {"first_divergent_seq", mm.seq},
               {"cycle", has_a ? mm.a.cycle : mm.b.cycle},
               {"cycle_a", has_a ? Json(mm.a.cycle) : Json(nullptr)},
               {"cycle_b", has_b ? Json(mm.b.cycle) : Json(nullptr)},
               {"instructions_matched", dv.compared},
               {"differences", diffs},
               {"context", Json{{"a", ctx_a}, {"b", ctx_b}}},
               {"ignoring", dv.ignoring},
               {"notes", dv.notes}};
  fmt::print("{}\n", json_text(j));
}

void print_text(const TraceDiffOptions& opt, const Masks& m, const Divergence& dv, OpenTrace& ta,
                OpenTrace& tb) {
  const Mismatch& mm = dv.mm;
  Decoder dec;
  const bool has_a = mm.a.type != Rec::kNone, has_b = mm.b.type != Rec::kNone;
  fmt::memory_buffer out;
  auto line = [&out](const std::string& s) {
    out.append(s);
    out.push_back('\n');
  };
  line(fmt::format("trace diff: A = {}, B = {}", opt.a, opt.b));
  line(fmt::format(
      "first divergence at seq {}, cycle {}{}: {} instructions matched{}{}", mm.seq,
      has_a ? mm.a.cycle : mm.b.cycle,
      has_a && has_b && mm.a.cycle != mm.b.cycle ? fmt::format(" in A ({} in B)", mm.b.cycle)
                                                 : std::string(),
      dv.compared, m.from_seq ? fmt::format(" from seq {}", m.from_seq) : std::string(),
      dv.ignoring.empty() ? "" : fmt::format(" (ignoring {})", joined(dv.ignoring))));
  line("what differs:");
  for (const auto& x : dv.diffs) line("  " + x.text);
  const std::string head = fmt::format("  {:>10} {:>12} {:>4} {} {:<28} {:<8}  {:<20} {}", "seq",
                                       "cycle", "pid", "L", "where", "address", "bytes", "text");
  line(fmt::format("A ({}): the {} instructions before it, and the divergent record (>):", opt.a,
                   kContext));
  line(head);
  for (const auto& l : dv.ctx_a) line(ctx_text(l, ta, dec));
  if (!has_a) line("  (end of trace)");
  line(fmt::format("B ({}):", opt.b));
  line(head);
  for (const auto& l : dv.ctx_b) line(ctx_text(l, tb, dec));
  if (!has_b) line("  (end of trace)");
  for (const auto& n : dv.notes) line("note: " + n);
  std::fwrite(out.data(), 1, out.size(), stdout);
}

// Without an image, a trace of kernel.elf is taken for the kernel's (its pid column).
bool kernel_trace(const OpenTrace& t) {
  return t.kernel || (t.image_path.empty() && t.reader.header().image_name == "kernel.elf");
}

}  // namespace

int cmd_trace_diff(const TraceDiffOptions& opt) {
  Masks m = parse_masks(opt);
  OpenTrace ta{open_reader(opt.a, false)};
  OpenTrace tb{open_reader(opt.b, false)};
  m.mem = ta.reader.has_memory() && tb.reader.has_memory();
  std::vector<std::string> notes = check_comparable(opt, ta.reader.header(), tb.reader.header());
  warn_if_truncated(ta.reader, opt.a);
  warn_if_truncated(tb.reader, opt.b);
  std::uint64_t compared = 0;
  const CompareResult res = compare(opt, m, ta.reader, tb.reader, compared);
  if (!res.mismatch) return report_same(opt, m, compared, notes);

  // A divergence: everything from here on runs once. Each side is named as `trace dump` names it:
  // its image (B's: --image-b, or A's --image when the same build), its user programs, the task
  // and program running at each record.
  const bool other_build = ta.reader.header().build_id != tb.reader.header().build_id;
  const std::string note_a = load_image(ta, ImageRequest{opt.image_a, opt.a, "--image", true});
  const std::string note_b =
      load_image(tb, ImageRequest{opt.image_b.empty() && !other_build ? opt.image_a : opt.image_b,
                                  opt.b, other_build ? "--image-b" : "--image", true});
  if (!note_a.empty()) notes.push_back(note_a);
  if (!note_b.empty() && note_b != note_a) notes.push_back(note_b);
  const Mismatch& mm = *res.mismatch;
  Divergence dv{mm, {}, {}, {}, compared, ignoring(m), std::move(notes)};
  dv.ctx_a = context(ta, kernel_trace(ta), mm, mm.a, m);
  dv.ctx_b = context(tb, kernel_trace(tb), mm, mm.b, m);
  dv.diffs = differences(mm, m, symbols_at(ta, dv.ctx_a), symbols_at(tb, dv.ctx_b),
                         ta.reader.instruction_count(), tb.reader.instruction_count());
  if (opt.json)
    print_json(opt, m, dv, ta, tb);
  else
    print_text(opt, m, dv, ta, tb);
  return 1;
}

}  // namespace fs::cli
