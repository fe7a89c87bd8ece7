// `trace diff`'s report (trace_diff.cpp has the command, trace_diff_compare.cpp the comparison):
// what differs at the first divergence, one item per fact, and the records around it in each
// trace, named and disassembled as `trace dump` and `trace events` name them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emu/cli/trace_common.hpp"
#include "emu/cli/trace_diff_compare.hpp"
#include "x86/decoder.hpp"

namespace fs::cli {

inline constexpr std::uint64_t kContext = 5;  // instructions shown before the divergence

// One record shown around the divergence, with the task running it and that task's program
// (OpenTrace::program_index; -1 for none).
struct CtxLine {
  Rec rec;
  std::int64_t pid = -1;
  int program = -1;
  bool divergent = false;
};

// The records shown for one trace: the kContext instructions before the divergent seq and the
// events among them, the events of that seq that matched, and the divergent record `div`. Walks t
// from the start, following the running pid (when `kernel`) and each task's program: which
// program a task runs depends on every exec and fork before it. So the records up to the
// divergence are decoded once per report (tens of millions a second), never per compared chunk.
std::vector<CtxLine> context(OpenTrace& t, bool kernel, const Mismatch& mm, const Rec& div,
                             const Masks& m);
// The symbols for what a trace did at its divergence: those of the program its last context line
// ran.
const SymbolTable& symbols_at(const OpenTrace& t, const std::vector<CtxLine>& ctx);

std::string ctx_text(const CtxLine& l, const OpenTrace& t, Decoder& dec);
Json ctx_json(const CtxLine& l, const OpenTrace& t, Decoder& dec);

// What differs, one item per fact: a line of text and the same as a JSON object.
struct Diff {
  std::string text;
  Json json;
};

// The facts of mm, naming A's addresses with sa and B's with sb; count_a and count_b are the
// traces' instruction counts (for "A ends after N instructions").
std::vector<Diff> differences(const Mismatch& mm, const Masks& m, const SymbolTable& sa,
                              const SymbolTable& sb, std::uint64_t count_a, std::uint64_t count_b);

}  // namespace fs::cli
