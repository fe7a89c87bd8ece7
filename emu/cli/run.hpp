// `forkscope run [IMAGE]`: boot a multiboot image or a Linux bzImage, stream its serial console,
// exit with its status; with --gdb PORT, under gdb's control (emu/gdb_stub.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fs::cli {

struct RunOptions {
  std::string image;  // default: default_image()
  std::uint64_t ram_bytes = 64ull << 20;
  std::uint64_t cpu_mhz = 100;
  std::uint64_t max_cycles = 0;  // 0: 30 guest seconds
  std::string cmdline;           // --append (--cmdline)
  std::string initrd;            // --initrd: a Linux bzImage's initial RAM disk
  std::string serial_file;
  std::string serial_input_file;  // --serial-input: COM1's input ("-": stdin), read before the run
  bool quiet = false;
  std::string summary_json;  // --summary-json: the summary as JSON into FILE ("" none)
  bool per_instruction = false;
  std::string trace_file;  // --trace: record every instruction (implies per-instruction)
  int gdb_port = -1;       // --gdb: serve gdb on 127.0.0.1:PORT (0: any free port), -1: no
  // Reverse execution under gdb (emu/snapshot_history.hpp): boundaries between snapshots (0: no
  // reverse execution) and the MiB they may hold; defaults: HistoryOptions's.
  std::uint64_t snapshot_interval = 1'000'000;
  std::uint64_t snapshot_mem_mib = 256;
  // Under --gdb, the guest first stops at this instruction (its sequence number in a trace) instead
  // of the first: `forkscope replay --at` (emu/cli/replay.hpp). Not an option of `run`.
  std::uint64_t gdb_first_stop = 0;
};

// --serial-input is read whole before the run (its timing must not depend on the host): at most
// this much, so /dev/zero is refused rather than read until memory runs out.
constexpr std::size_t kMaxSerialInput = 16u << 20;

void setup_run(CLI::App& app, RunOptions& opt);
int cmd_run(const RunOptions& opt);

}  // namespace fs::cli
