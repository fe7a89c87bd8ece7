#include "emu/cli/replay.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>
#include <vector>

#include "emu/cli/run.hpp"
#include "emu/cli/trace_common.hpp"
#include "emu/exit_status.hpp"
#include "trace/fnv1a.hpp"

namespace fs::cli {

void setup_replay(CLI::App& app, ReplayOptions& opt) {
  auto* r = app.add_subcommand(
      "replay",
      "run a recorded run's image and options again up to one of its instructions and serve gdb "
      "there (docs/gdb.md)");
  r->add_option("trace", opt.trace, "the trace (written by `forkscope run --trace FILE`)")
      ->required()
      ->type_name("TRACE");
  r->add_option("--image", opt.image,
                "the image the trace was recorded from (default: the kernel beside forkscope, "
                "for a trace of kernel.elf); its build id must be the trace's")
      ->type_name("IMAGE");
  r->add_option("--gdb", opt.gdb_port, "wait for gdb on 127.0.0.1:PORT (0: any free port, printed)")
      ->required()
      ->type_name("PORT")
      ->check(CLI::Range(0, 65535));
  r->add_option("--at", opt.at,
                "stop at this instruction, its sequence number in `trace dump` (0: the first)")
      ->type_name("SEQ");
  r->add_option("--at-cycle", opt.at_cycle,
                "stop at the first instruction that starts at or after this cycle")
      ->type_name("N");
  r->add_option("--at-symbol", opt.at_symbol,
                "stop the N-th time (default 1) execution reaches this symbol's address")
      ->type_name("NAME[:N]");
  r->add_option("--serial-input", opt.serial_input_file,
                "the file COM1 received in the recorded run (its length and hash must match the "
                "trace's)")
      ->type_name("FILE");
  r->add_option("--serial", opt.serial_file, "write the serial console to FILE, not stdout")
      ->type_name("FILE");
  r->add_option("--snapshot-interval", opt.snapshot_interval,
                "a snapshot every N instructions for reverse execution (0: none)")
      ->type_name("N")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 62))
      ->capture_default_str();
  r->add_option("--snapshot-mem", opt.snapshot_mem_mib, "the MiB the snapshots may hold")
      ->type_name("MIB")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 20))
      ->capture_default_str();
}

namespace {

std::uint64_t number_option(const trace::Header& h, const char* key, const std::string& trace) {
  const std::string* v = h.option(key);
  std::uint64_t n = 0;
  if (!v || std::from_chars(v->data(), v->data() + v->size(), n).ec != std::errc{})
    throw CliError(fmt::format("{}: the trace's header has no {} (recorded by an older forkscope?)",
                               trace, key));
  return n;
}

// The serial input the run had ("N bytes fnv1a64 H", or none) must be what --serial-input holds.
void check_serial_input(const trace::Header& h, const ReplayOptions& opt) {
  const std::string* recorded = h.option("serial_input");
  if (!recorded) {
    if (!opt.serial_input_file.empty())
      throw CliError(fmt::format("--serial-input: the recorded run had no serial input"));
    return;
  }
  if (opt.serial_input_file.empty() || opt.serial_input_file == "-")
    throw CliError(fmt::format(
        "the recorded run had serial input ({}): give the same file with --serial-input FILE",
        *recorded));
  std::ifstream in(opt.serial_input_file, std::ios::binary);
  if (!in) throw CliError(fmt::format("--serial-input: cannot read {}", opt.serial_input_file));
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  const std::string have = fmt::format("{} bytes fnv1a64 {:016x}", bytes.size(),
                                       trace::fnv1a64(bytes.data(), bytes.size()));
  if (have != *recorded)
    throw CliError(fmt::format("--serial-input: {} is not the recorded run's input ({}, not {})",
                               opt.serial_input_file, have, *recorded));
}

// NAME[:N] of --at-symbol: the name and N (>= 1).
std::pair<std::string, std::uint64_t> symbol_and_count(const std::string& arg) {
  const auto colon = arg.rfind(':');
  if (colon == std::string::npos) return {arg, 1};
  const std::string n = arg.substr(colon + 1);
  std::uint64_t count = 0;
  if (n.empty() || std::from_chars(n.data(), n.data() + n.size(), count).ec != std::errc{} ||
      count == 0 || std::to_string(count) != n)
    throw CliError(fmt::format("--at-symbol {}: N must be a whole number from 1", arg));
  return {arg.substr(0, colon), count};
}

// The sequence number --at, --at-cycle or --at-symbol names in trace t (exactly one is given), or
// one line saying why there is none.
std::uint64_t stop_seq(const ReplayOptions& opt, OpenTrace& t) {
  const int given = (opt.at ? 1 : 0) + (opt.at_cycle ? 1 : 0) + (opt.at_symbol.empty() ? 0 : 1);
  if (given != 1)
    throw CliError("replay: give exactly one of --at SEQ, --at-cycle N, --at-symbol NAME[:N]");
  const std::uint64_t count = t.reader.instruction_count();
  if (opt.at) {
    if (*opt.at >= count)
      throw CliError(fmt::format("--at {}: the trace has {} instructions (0 to {})", *opt.at, count,
                                 count ? count - 1 : 0));
    return *opt.at;
  }
  if (opt.at_cycle) {
    const std::uint64_t seq = t.reader.seek_cycle(*opt.at_cycle);
    if (seq >= count)
      throw CliError(
          fmt::format("--at-cycle {}: past the trace's end (its last instruction starts before)",
                      *opt.at_cycle));
    return seq;
  }
  const auto [name, nth] = symbol_and_count(opt.at_symbol);
  const auto addr = t.symbols.address_of(name);
  if (!addr)
    throw CliError(
        fmt::format("--at-symbol {}: no symbol '{}' in {}", opt.at_symbol, name, t.image_path));
  std::uint64_t hits = 0;
  t.reader.rewind();
  while (const trace::Step* s = t.reader.next()) {
    if (s->event || s->insn.eip != *addr) continue;
    if (++hits == nth) return s->insn.seq;
  }
  throw CliError(fmt::format("--at-symbol {}: the trace reaches {} {} time{}, not {}",
                             opt.at_symbol, name, hits, hits == 1 ? "" : "s", nth));
}

}  // namespace

int cmd_replay(const ReplayOptions& opt) {
  RunOptions run;
  try {
    // open_trace refuses an image whose build id is not the trace's (one line).
    OpenTrace t = open_trace(TraceInput{opt.trace, opt.image, false, ""});
    if (t.image_path.empty())
      throw CliError(fmt::format("{}: no image to replay (recorded from {}): give it with --image",
                                 opt.trace, t.reader.header().image_name));
    const trace::Header& h = t.reader.header();
    run.gdb_first_stop = stop_seq(opt, t);
    check_serial_input(h, opt);
    run.image = t.image_path;
    run.ram_bytes = number_option(h, "ram", opt.trace);
    run.cpu_mhz = number_option(h, "cpu_mhz", opt.trace);
    run.max_cycles = number_option(h, "max_cycles", opt.trace);
    const std::string* cmdline = h.option("cmdline");
    run.cmdline = cmdline ? *cmdline : "";
  } catch (const CliError& e) {
    fmt::print(stderr, "forkscope: {}\n", e.what());
    return exit_status::kBadInput;
  }
  run.serial_input_file = opt.serial_input_file;
  run.serial_file = opt.serial_file;
  run.gdb_port = opt.gdb_port;
  run.snapshot_interval = opt.snapshot_interval;
  run.snapshot_mem_mib = opt.snapshot_mem_mib;
  return cmd_run(run);
}

}  // namespace fs::cli
