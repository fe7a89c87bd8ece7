// Reads a trace file (docs/trace-format.md). open() reads the header and the index (or, if the file
// has no valid index/trailer - a run killed half-way - scans the chunk headers and reports the file
// as truncated after its last whole chunk). Chunks are decoded lazily, one at a time: seek_seq()
// and seek_cycle() decode only the chunk they land in. Any input, however broken, gives a
// TraceError with a one-line message, never a crash, a hang or an allocation larger than the file
// justifies.
//
//   auto r = fs::trace::Reader::open("run.fst");
//   while (const fs::trace::Step* s = r.next()) {
//     if (s->event) { ... s->event->seq, s->event->data ... }
//     else { ... s->insn.seq, s->insn.eip, s->insn.before, s->insn.after ... }
//   }
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "trace/trace_format.hpp"

namespace fs::trace {

struct Instruction {
  std::uint64_t seq = 0;
  std::uint64_t cycle = 0;
  std::uint32_t eip = 0;
  std::uint8_t len = 0;
  std::span<const RegChange> changes;  // as written; valid until the next next()/seek
  // The guest's stores from this instruction to the next, in the order made (version 3; empty in a
  // version 2 trace); valid until the next next()/seek.
  std::span<const MemWrite> mem;
  RegFile before;  // the full register file when the instruction starts (before.eip() == eip)
  // before with the changes applied and EIP = the next instruction's EIP (for the very last
  // instruction of the trace: eip + len, as nothing recorded says otherwise).
  RegFile after;
};

// One record of the stream. Events with seq S come before instruction S.
struct Step {
  const Event* event = nullptr;  // non-null: an event record (valid until the next next()/seek)
  Instruction insn;              // when event == nullptr
};

class Reader {
 public:
  // Throws TraceError: cannot open, not a trace (bad magic), unsupported version N, header
  // truncated or corrupt. A missing index is not an error: truncated() says so.
  static Reader open(const std::string& path);
  ~Reader();
  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;

  const Header& header() const;
  // True if the trace records memory writes (format version 3 on): an empty Instruction::mem then
  // means the instruction stored nothing.
  bool has_memory() const;
  std::uint64_t instruction_count() const;  // in the readable chunks
  std::uint64_t event_count() const;        // in the readable chunks
  std::size_t chunk_count() const;          // readable chunks
  const std::vector<ChunkInfo>& chunks() const;
  std::uint64_t file_size() const;

  // True if the file had no valid index/trailer and was read by scanning up to its last whole
  // chunk.
  bool truncated() const;
  // "trace truncated after chunk 11 (seq 786431)" (chunks numbered from 0), or "" if not truncated.
  const std::string& truncation_message() const;

  // The next record in stream order, or nullptr at the end. The pointer and everything it points to
  // stay valid until the next call to next(), a seek or rewind(). Throws TraceError for a corrupt
  // chunk: "path: corrupt chunk K (first seq S): why".
  const Step* next();

  // Position so that next() returns the first record with seq >= seq (the events with that seq,
  // then instruction seq). seq >= instruction_count(): at the events after the last instruction.
  void seek_seq(std::uint64_t seq);
  // seek_seq(s) for s = the seq of the first instruction whose start cycle is >= cycle, and return
  // s; instruction_count() if there is none.
  std::uint64_t seek_cycle(std::uint64_t cycle);
  void rewind();  // back to the first record

  // Chunk k below the record level, for telling whether two files' chunks hold the same records
  // without decoding them (trace/chunk_match.hpp): its 56-byte header and its compressed payload,
  // or the payload decompressed, each checked as next() checks them (a TraceError names a corrupt
  // chunk). The read position is left alone; what they return stays valid until the next call of
  // either.
  struct RawChunk {
    std::span<const std::uint8_t> header;
    std::span<const std::uint8_t> compressed;
  };
  RawChunk raw_chunk(std::size_t k);
  std::span<const std::uint8_t> chunk_payload(std::size_t k);

  // Decodes every chunk and checks it (checksums, sizes, counts). Throws the first error.
  void verify();

 private:
  struct Impl;
  explicit Reader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fs::trace
