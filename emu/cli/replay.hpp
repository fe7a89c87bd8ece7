// `forkscope replay TRACE --gdb PORT --at SEQ` (or `--at-cycle N`, `--at-symbol NAME[:N]`): from a
// line of `trace dump` to a live debugger. The
// trace's header names the image (by build id) and the options of the recorded run (RAM, clock,
// cycle limit, command line, the serial input's length and hash); replay runs that image with
// those options, which by determinism retraces the recorded run, stops at instruction SEQ and
// serves gdb there, with reverse execution back to the run's start (docs/gdb.md).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace fs::cli {

struct ReplayOptions {
  std::string trace;
  std::string image;              // default: the kernel beside forkscope for a kernel.elf trace
  std::string serial_input_file;  // required when the run had one: the same bytes
  std::string serial_file;        // the console (default stdout)
  int gdb_port = -1;
  // Where gdb first stops, exactly one of: the sequence number; the first instruction starting at
  // or after this cycle; the N-th time (from 1) execution reaches a symbol's address,
  // "NAME" or "NAME:N".
  std::optional<std::uint64_t> at, at_cycle;
  std::string at_symbol;
  std::uint64_t snapshot_interval = 1'000'000;
  std::uint64_t snapshot_mem_mib = 256;
};

void setup_replay(CLI::App& app, ReplayOptions& opt);
int cmd_replay(const ReplayOptions& opt);

}  // namespace fs::cli
