#include "emu/cli/run.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "emu/cli/default_image.hpp"
#include "emu/cli/progress_line.hpp"
#include "emu/cli/run_files.hpp"
#include "emu/cli/run_summary.hpp"
#include "emu/cli/serial_output.hpp"
#include "emu/exit_status.hpp"
#include "emu/gdb_socket.hpp"
#include "emu/gdb_stub.hpp"
#include "emu/machine.hpp"
#include "emu/ram_size.hpp"
#include "emu/trace_recorder.hpp"
#include "loader/elf_image.hpp"
#include "trace/trace_codec.hpp"

namespace fs::cli {

namespace {

// --max-cycles as CLI11 would not check it: above 2^64 - 1 its conversion saturated (no limit),
// and CLI::PositiveNumber's message for 0 printed the double range (300 digits).
std::string check_cycle_count(const std::string& text) {
  std::uint64_t n = 0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec == std::errc() && p == end && n > 0) return {};
  return fmt::format("{} is not a cycle count from 1 to {}", text,
                     std::numeric_limits<std::uint64_t>::max());
}

}  // namespace

void setup_run(CLI::App& app, RunOptions& opt) {
  auto* run = app.add_subcommand(
      "run", "boot a multiboot image or a Linux bzImage and stream its serial console");
  run->footer(
      exit_status::table() +
      "QEMU's spellings are understood:\n"
      "  -kernel FILE    the image (--kernel FILE)\n"
      "  -append TEXT    --append TEXT\n"
      "  -initrd FILE    --initrd FILE\n"
      "  -m N            --ram N MiB\n"
      "  -serial stdio|file:FILE|null   stdout, --serial FILE, --serial /dev/null\n"
      "  -s              --gdb 1234 (forkscope always waits for gdb, as QEMU's -s -S)\n"
      "  -S, -nographic, -no-reboot   what forkscope does anyway; -gdb tcp::PORT: --gdb PORT\n");
  run->add_option("image,--kernel", opt.image,
                  "multiboot ELF image or Linux bzImage (default: guest/kernel.elf beside "
                  "forkscope, or the installed ../share/forkscope/kernel.elf)")
      ->type_name("IMAGE");
  run->add_option("--ram", opt.ram_bytes,
                  fmt::format("guest RAM, e.g. 64M or 128MiB, a multiple of 4 KiB from {} to {} "
                              "(default 64 MiB)",
                              size_text(kMinRamBytes), size_text(kMaxRamBytes)))
      ->type_name("SIZE")
      ->check(CLI::Validator(
          [](const std::string& v) {
            return v.starts_with("-") ? fmt::format("{} is not a size", v) : std::string();
          },
          ""))  // AsSizeValue would read -1 as 2^64 - 1
      ->transform(CLI::AsSizeValue(false));
  run->add_option("--cpu-mhz", opt.cpu_mhz, "CPU clock relating cycles to seconds (default 100)")
      ->type_name("MHZ")
      ->check(CLI::Range(1, 4000));
  run->add_option("--max-cycles", opt.max_cycles,
                  "stop a runaway guest after N cycles, exit status 124 (default: 30 guest "
                  "seconds)")
      ->type_name("N")
      ->check(CLI::Validator(check_cycle_count, ""));
  run->add_option("--append,--cmdline", opt.cmdline,
                  "kernel command line (multiboot info, or a bzImage's boot_params)")
      ->type_name("TEXT");
  run->add_option("--initrd", opt.initrd,
                  "initial RAM disk for a Linux bzImage, placed high in RAM (boot_params "
                  "ramdisk_image)")
      ->type_name("FILE");
  run->add_option("--serial", opt.serial_file,
                  "write the serial console to FILE instead of stdout; a write error ends the "
                  "run (status 2)")
      ->type_name("FILE");
  run->add_option("--serial-input", opt.serial_input_file,
                  fmt::format("COM1 receives the bytes of FILE (\"-\": all of stdin, read before "
                              "the run starts; at most {}), each one character time after the "
                              "guest has room for it, then ^D (0x04) as end of input (two when "
                              "the last line has no newline). Without it no input is connected "
                              "(no carrier): the guest's console reads return 0 at once",
                              size_text(kMaxSerialInput)))
      ->type_name("FILE");
  run->add_flag("-q,--quiet", opt.quiet, "no summary on stderr");
  run->add_option("--summary-json", opt.summary_json,
                  "write the run's summary (stop reason, exit status, instructions, cycles, "
                  "MIPS...) to FILE as JSON (docs/json.md), with or without --quiet")
      ->type_name("FILE");
  run->add_flag("--per-instruction", opt.per_instruction,
                "run with a hook on every instruction (the trace mode's timing, for comparison)");
  run->add_option("--trace", opt.trace_file,
                  "record every instruction and event into FILE (docs/trace-format.md); read it "
                  "with `forkscope trace`")
      ->type_name("FILE");
  run->add_option("--gdb", opt.gdb_port,
                  "wait for gdb on 127.0.0.1:PORT before the first instruction (0: any free port, "
                  "printed), then serve the GDB remote protocol, like QEMU's -s -S (implies "
                  "per-instruction). `gdb IMAGE -ex 'target remote :PORT'`")
      ->type_name("PORT")
      ->check(CLI::Range(0, 65535));
  run->add_option("--snapshot-interval", opt.snapshot_interval,
                  "under --gdb, a snapshot of the machine every N instructions for reverse "
                  "execution (reverse-stepi, reverse-continue; docs/gdb.md); 0: none")
      ->type_name("N")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 62))
      ->capture_default_str();
  run->add_option(
         "--snapshot-mem", opt.snapshot_mem_mib,
         "under --gdb, the host memory the snapshots may hold, in MiB; over it every second "
         "snapshot but the first and the newest goes")
      ->type_name("MIB")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 20))
      ->capture_default_str();
}

namespace {

// The whole input, read before the run so its timing never depends on the host; nullopt (and a
// message) when it cannot be read or is larger than kMaxSerialInput (/dev/zero never ends).
std::optional<std::vector<std::uint8_t>> read_serial_input(const std::string& path) {
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "from stdin" : path;
  std::FILE* f = is_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) {
    fmt::print(stderr, "forkscope: cannot read serial input {}: {}\n", path, std::strerror(errno));
    return std::nullopt;
  }
  std::vector<std::uint8_t> bytes;
  std::uint8_t buf[65536];
  std::size_t n;
  while (bytes.size() <= kMaxSerialInput && (n = std::fread(buf, 1, sizeof buf, f)) > 0)
    bytes.insert(bytes.end(), buf, buf + n);
  const bool failed = std::ferror(f);
  const int err = errno;
  if (!is_stdin) std::fclose(f);
  if (failed) {
    fmt::print(stderr, "forkscope: cannot read serial input {}: {}\n", name, std::strerror(err));
    return std::nullopt;
  }
  if (bytes.size() > kMaxSerialInput) {
    fmt::print(stderr,
               "forkscope: serial input {} is larger than {}: it is read whole before the run\n",
               name, size_text(kMaxSerialInput));
    return std::nullopt;
  }
  return bytes;
}

void print_summary(const Machine& m, const RunResult& r, double wall_s) {
  const auto& st = m.stats();
  const auto& c = m.clock();
  std::string irqs;
  for (std::size_t v = 0; v < st.interrupts.size(); ++v) {
    if (st.interrupts[v] == 0) continue;
    if (!irqs.empty()) irqs += ", ";
    irqs += fmt::format("{:#04x}:{}", v, st.interrupts[v]);
  }
  const double mips = wall_s > 0 ? static_cast<double>(st.instructions) / wall_s / 1e6 : 0.0;
  // A guest value other than 0 is named: its status tells only its low 7 bits (exit_status.hpp).
  const std::string value = r.reason == StopReason::kGuestExit && r.guest_value
                                ? fmt::format("value {:#x}, ", r.guest_value)
                                : "";
  fmt::print(stderr,
             "forkscope: {} ({}status {})\n"
             "  instructions {}  cycles {}  guest {:.6f} s  idle cycles {} ({:.1f}%)\n"
             "  interrupts {}  HLTs {}\n"
             "  unclaimed ports: {} reads, {} writes  exact stop points {}\n"
             "  wall {:.3f} s  {:.1f} MIPS\n",
             stop_reason_name(r.reason), value, r.exit_status, st.instructions, c.now, c.seconds(),
             c.idle, c.now ? 100.0 * static_cast<double>(c.idle) / static_cast<double>(c.now) : 0.0,
             irqs.empty() ? "none" : irqs, st.hlts, m.bus().unclaimed_reads(),
             m.bus().unclaimed_writes(), st.stop_points, wall_s, mips);
  if (m.tlb_flushes()) {
    fmt::print(stderr, "  paging: {} TLB flushes\n", m.tlb_flushes());
  }
}

}  // namespace

namespace {

// What the options ask of the machine, checked before anything is read or allocated; a non-empty
// result is the one line saying what is wrong.
std::string machine_options(const RunOptions& opt, MachineOptions& mo) {
  try {
    mo.ram_bytes = checked_ram_size(opt.ram_bytes);
  } catch (const std::invalid_argument& e) {
    return fmt::format("--ram: {}", e.what());
  }
  mo.cpu_hz = opt.cpu_mhz * 1'000'000;
  mo.max_cycles = opt.max_cycles ? opt.max_cycles : 30 * mo.cpu_hz;
  mo.cmdline = opt.cmdline;
  mo.initrd = opt.initrd;
  mo.per_instruction = opt.per_instruction || !opt.trace_file.empty() || opt.gdb_port >= 0;
  return {};
}

int bad_input(const std::string& line) {
  fmt::print(stderr, "forkscope: {}\n", line);
  return exit_status::kBadInput;
}

}  // namespace

int cmd_run(const RunOptions& opt) {
  MachineOptions mo;
  if (auto bad = machine_options(opt, mo); !bad.empty()) return bad_input(bad);
  const std::string image = opt.image.empty() ? default_image() : opt.image;
  if (image.empty())
    return bad_input(fmt::format("no kernel image given and none found at {}: pass one (run IMAGE)",
                                 fmt::join(default_image_candidates(), " or ")));
  if (auto bad = same_file_problem({image, opt.initrd, opt.serial_input_file, opt.serial_file,
                                    opt.trace_file, opt.summary_json});
      !bad.empty())
    return bad_input(bad);
  if (!opt.serial_input_file.empty()) {
    mo.serial_input = read_serial_input(opt.serial_input_file);
    if (!mo.serial_input) return exit_status::kBadInput;
  }
  SerialOutput serial(opt.serial_file);
  if (!serial.ok()) return bad_input(serial.error());
  SummaryFile summary(opt.summary_json);
  if (!summary.error().empty()) return bad_input(summary.error());
  // A failed console write ends the run there (the guest would go on printing into nothing).
  Machine* running = nullptr;
  std::unique_ptr<ProgressLine> progress;
  RunHostFigures host;
  mo.serial_out = [&serial, &running, &progress, &host](std::uint8_t b) {
    ++host.console_bytes;
    if (progress) progress->erase();  // the console's bytes never land after the progress line
    if (!serial.put(b) && running) running->kill(serial.error());
  };
  std::unique_ptr<Machine> m;
  try {
    m = std::make_unique<Machine>(mo);
    m->load(image);
    if (!m->symbols_note().empty())
      fmt::print(stderr, "forkscope: warning: {}\n", m->symbols_note());
  } catch (const LoadError& e) {
    return bad_input(e.what());
  } catch (const std::invalid_argument& e) {
    return bad_input(e.what());
  }
  running = m.get();
  std::unique_ptr<TraceRecorder> recorder;
  if (!opt.trace_file.empty()) {
    TraceRecorderOptions to;
    to.path = opt.trace_file;
    to.image_path = image;
    // What makes the run what it is (no host paths: the image is named by its build id).
    to.run_options = {{"ram", std::to_string(mo.ram_bytes)},
                      {"cpu_mhz", std::to_string(opt.cpu_mhz)},
                      {"max_cycles", std::to_string(mo.max_cycles)},
                      {"cmdline", opt.cmdline}};
    // So does the initrd of a Linux kernel: its length and FNV-1a 64.
    if (!opt.initrd.empty()) {
      std::vector<std::uint8_t> rd;
      try {
        rd = read_file(opt.initrd);  // read by load() already: fails only if it went since
      } catch (const LoadError& e) {
        return bad_input(e.what());
      }
      to.run_options.emplace_back("initrd",
                                  fmt::format("{} bytes fnv1a64 {:016x}", rd.size(),
                                              ::fs::trace::codec::fnv1a64(rd.data(), rd.size())));
    }
    // The input makes the run too: its length and FNV-1a 64 (the bytes as read, before the ^D
    // forkscope appends), so a rerun can be checked to have been fed the same bytes.
    if (mo.serial_input)
      to.run_options.emplace_back(
          "serial_input", fmt::format("{} bytes fnv1a64 {:016x}", mo.serial_input->size(),
                                      ::fs::trace::codec::fnv1a64(mo.serial_input->data(),
                                                                  mo.serial_input->size())));
    try {
      recorder = std::make_unique<TraceRecorder>(*m, to);
    } catch (const trace::TraceError& e) {
      return bad_input(e.what());
    }
  }
  // gdb: connected before the first instruction, which waits for its commands.
  std::unique_ptr<gdb::SocketTransport> gdb_conn;
  std::unique_ptr<gdb::Stub> gdb_stub;
  if (opt.gdb_port >= 0) {
    try {
      gdb::Listener listener(static_cast<std::uint16_t>(opt.gdb_port));
      fmt::print(stderr, "forkscope: waiting for gdb on 127.0.0.1:{} (target remote :{})\n",
                 listener.port(), listener.port());
      gdb_conn = listener.accept();
    } catch (const gdb::SocketError& e) {
      return bad_input(e.what());
    }
    // Reverse execution replays the run: a trace being recorded would record the replays too.
    HistoryOptions reverse;
    reverse.interval = opt.trace_file.empty() ? opt.snapshot_interval : 0;
    reverse.max_bytes = opt.snapshot_mem_mib << 20;
    gdb_stub = std::make_unique<gdb::Stub>(*m, *gdb_conn, reverse, opt.gdb_first_stop);
  }
  progress =
      std::make_unique<ProgressLine>(*m, !opt.quiet && !gdb_stub && isatty(STDERR_FILENO) == 1);
  m->on_progress([&progress] { progress->tick(); });
  const auto t0 = std::chrono::steady_clock::now();  // wall time for the summary only
  RunResult r = m->run();
  progress->erase();
  if (gdb_stub) {
    gdb_stub->finish(r);
    gdb_conn->close_gracefully(2000);
  }
  if (recorder) {
    try {
      recorder->finish(r);
    } catch (const trace::TraceError& e) {
      return bad_input(e.what());
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!serial.finish()) return bad_input(serial.error());  // the run's own line would say "killed"
  host.wall_seconds = wall;
  if (recorder) {
    host.trace_file = opt.trace_file;
    host.trace_instructions = recorder->instructions();
    host.trace_bytes = recorder->bytes();
  }
  if (!summary.write(run_summary_json(*m, r, host))) return bad_input(summary.error());
  if (!r.message.empty()) {
    fmt::print(stderr, "forkscope: {}\n", r.message);
    if (!r.last_instructions.empty()) {
      fmt::print(stderr, "  last {} instructions:\n", r.last_instructions.size());
      for (const auto& l : r.last_instructions) fmt::print(stderr, "    {}\n", l);
    }
  }
  if (!opt.quiet) {
    print_summary(*m, r, wall);
    if (recorder) {
      const double n = static_cast<double>(recorder->instructions());
      fmt::print(stderr, "  trace {}: {} instructions, {} bytes ({:.2f} bytes/instruction)\n",
                 opt.trace_file, recorder->instructions(), recorder->bytes(),
                 n > 0 ? static_cast<double>(recorder->bytes()) / n : 0.0);
    }
  }
  return r.exit_status;
}

}  // namespace fs::cli
