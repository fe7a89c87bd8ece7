// `trace diff`'s comparison (trace_diff.cpp has the command, trace_diff_report.cpp the report):
// two traces record for record, in stream order, to the first record that differs.
//
// Same history means every record equal: each instruction's seq, start cycle, EIP, length and full
// register file before and after it (EIP after an instruction is checked as the next instruction's
// EIP), and every event with its seq, cycle and fields. Masks leave registers or event kinds out,
// or start at a seq.
//
// Speed: the comparison runs per chunk of A (docs/trace-format.md "Chunk"), on several threads,
// each with its own pair of readers. A chunk that trace::match_chunk() shows to hold the same
// records in both files is not decoded; the rest are, record by record, allocating and formatting
// nothing. Chunks are handed out in order and the first divergence is the one in the lowest chunk,
// so the result does not depend on the number of threads.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "trace/trace_reader.hpp"

namespace fs::cli {

inline constexpr std::uint64_t kSeqEnd = std::numeric_limits<std::uint64_t>::max();

// What the comparison leaves out.
struct Masks {
  std::array<bool, trace::kRegCount> ignore_reg{};
  std::array<bool, trace::kEventKindCount> ignore_kind{};
  bool any_reg = false;
  std::uint64_t from_seq = 0;
  // Compare memory writes (Instruction::mem, Delivery::writes): both traces record them (format
  // version 3 on). A version 2 trace has none, so against one only the registers and events count.
  bool mem = false;
  bool ignored(const trace::Event& e) const {
    return ignore_kind[static_cast<std::size_t>(e.kind())];
  }
};

// One side's record, copied out of the reader (only at the divergence and for its context: the
// loop copies nothing).
struct Rec {
  enum Type : std::uint8_t { kNone, kEvent, kInsn } type = kNone;  // kNone: the stream ended
  trace::Event event;
  std::uint64_t seq = kSeqEnd;
  std::uint64_t cycle = 0;
  std::uint32_t eip = 0;
  std::uint8_t len = 0;
  trace::RegFile before, after;
  std::vector<trace::MemWrite> mem;
};
Rec copy_rec(const trace::Step* s);  // kNone for nullptr
// Two events the same, Delivery::writes left out unless m.mem.
bool same_event(const trace::Event& a, const trace::Event& b, const Masks& m);

struct Mismatch {
  Rec a, b;
  std::uint64_t seq = 0;            // the first divergent seq: min(a.seq, b.seq)
  std::uint64_t events_at_seq = 0;  // events of that seq that matched before it
  // When two instructions differ: the events right after each (seq + 1), which often explain it
  // (a delivery's frame is part of the registers after the instruction it follows).
  std::vector<trace::Event> then_a, then_b;
};

struct CompareResult {
  std::optional<Mismatch> mismatch;
  std::size_t same_bytes = 0;    // chunks with the same bytes in both files, not decoded
  std::size_t same_payload = 0;  // the same once decompressed, records not decoded
  std::size_t items = 0;         // chunks (or ranges) compared
  unsigned jobs = 1;
};

// Compares the traces at paths a and b (whose chunk lists are ra's and rb's) on `jobs` threads;
// `fast` allows the chunk shortcut. Rethrows the first error (a corrupt chunk) met before the
// first divergence.
CompareResult run_compare(const std::string& a, const std::string& b, const trace::Reader& ra,
                          const trace::Reader& rb, const Masks& m, bool fast, unsigned jobs);

}  // namespace fs::cli
