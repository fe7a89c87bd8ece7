// Records a run into a trace file (trace/, docs/trace-format.md): every retired instruction with
// the registers it changed, and the events a reader asks about - interrupt and exception deliveries
// with their frames, IRETs with the frames they popped, HLTs, port I/O, and, when the image is the
// kernel (its symbols say so), context switches, ret_from_fork entries and system calls, read from
// guest memory through the offsets of guest/include/abi.h.
//
// The recorder is an observer of a per-instruction machine: at each instruction boundary it reads
// only the general registers and EFLAGS the instruction before may have written (its write set,
// x86/reg_writes.hpp, cached with the decoded instruction; one batched read,
// UnicornCpu::read_regs_masked), and every register after an instruction that may write
// the segment, control or task registers (DecodedInsn::writes_system) or a delivery, and every
// 65536 instructions as a check of the write sets (missed_writes()). The records are encoded and
// compressed on other threads (the writer sees the same calls in the same order either way).
// Nothing it records comes from the host: the file depends only on the image and the options.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "emu/machine.hpp"
#include "trace/trace_format.hpp"
#include "trace/trace_writer.hpp"

namespace fs {

struct TraceRecorderOptions {
  std::string path;        // the trace file to write
  std::string image_path;  // the guest image (only its name is stored; its id is the machine's)
  std::vector<std::pair<std::string, std::string>> run_options;  // key=value, stored in the header
  std::uint32_t chunk_instructions = 65536;
};

class TraceRecorder {
 public:
  // Attach to a loaded machine in per-instruction mode, before run(). Throws trace::TraceError if
  // the file cannot be written, std::invalid_argument if the machine is not in per-instruction
  // mode.
  TraceRecorder(Machine& m, const TraceRecorderOptions& opt);
  ~TraceRecorder();
  TraceRecorder(const TraceRecorder&) = delete;
  TraceRecorder& operator=(const TraceRecorder&) = delete;

  // After run(): the last instructions, the Stop event, the index. Throws trace::TraceError on I/O.
  void finish(const RunResult& r);

  std::uint64_t instructions() const;
  std::uint64_t bytes() const;
  // Registers found changed by the periodic full read although no instruction's write set named
  // them (x86/reg_writes.hpp): 0 unless a write set is incomplete. The trace records such a change
  // with the instruction before the full read.
  std::uint64_t missed_writes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fs
