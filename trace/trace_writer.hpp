// Writes a trace file (docs/trace-format.md): the header at construction, then chunks of
// instruction and event records compressed with zstd as they fill, then at finish() the last chunk,
// the index and the trailer. The bytes depend only on the header, the options and the records
// written: identical input gives a byte-identical file.
//
// Hot path: instruction() appends a few bytes to in-memory buffers (no allocation once they have
// grown to a chunk's size); every chunk_instructions instructions the chunk is handed to a worker
// thread that compresses and writes it (WriterOptions::background). An I/O error on the worker is
// thrown by the next instruction()/event() that seals a chunk, or by finish().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "trace/trace_format.hpp"

namespace fs::trace {

struct WriterOptions {
  std::uint32_t chunk_instructions = 65536;  // instructions per chunk (>= 1)
  int zstd_level = 3;                        // ZSTD_c_compressionLevel
  // Compress and write chunks on a worker thread, so instruction() never waits for zstd (unless
  // the worker is still busy with the previous chunk when the next one fills). The file is the
  // same either way.
  bool background = true;
};

class Writer {
 public:
  // Creates (truncates) path and writes the header. Throws TraceError if the file cannot be created
  // or written, or the header breaks a limit (build id > 64 bytes, a bad option key/value).
  Writer(const std::string& path, const Header& header, const WriterOptions& options = {});
  // Calls finish() if it was not called, swallowing errors.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // One retired instruction, in seq order (its seq is instructions() before the call). cycle: when
  // it started, non-decreasing; len: 1..15; changes: the registers whose value before the next
  // instruction differs from before this one, EIP excluded, each register at most once. mem: the
  // guest's stores from this instruction to the next, in the order made (sizes 1, 2, 4 or 8).
  // Throws TraceError on a decreasing cycle, a bad len, EIP or an unknown id in changes, a bad
  // store size, or an I/O error.
  void instruction(std::uint64_t cycle, std::uint32_t eip, std::uint8_t len,
                   std::span<const RegChange> changes, std::span<const MemWrite> mem = {});

  // One event. e.seq must be >= instructions() and >= the previous event's seq (events are kept in
  // call order); an event whose seq is ahead of the instructions written is held until that many
  // instructions have been written (so the machine may report an event before flushing the
  // instruction it follows). At finish() held events are written at seq instructions().
  // Throws TraceError on an out-of-order seq, a frame of more than 8 words, a Stop message over
  // 64 KiB, or an I/O error.
  void event(const Event& e);

  // Writes the last chunk, the index and the trailer, and closes the file. Idempotent.
  void finish();

  std::uint64_t instructions() const;   // instruction records written so far
  std::uint64_t events() const;         // event records accepted so far
  std::uint64_t bytes_written() const;  // bytes in the file so far (compressed chunks + header...)
  std::uint64_t chunks() const;         // chunks written so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fs::trace
