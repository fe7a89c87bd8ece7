// forkscope's command line: main only wires the subcommands (one file each under emu/cli/).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <string>
#include <vector>

#include "emu/cli/qemu_args.hpp"
#include "emu/cli/replay.hpp"
#include "emu/cli/run.hpp"
#include "emu/cli/trace.hpp"
#include "emu/cli/version.hpp"
#include "emu/exit_status.hpp"

namespace {

// "forkscope runn", "forkscope trace dumpp": CLI11 would say only "A subcommand is required".
// Returns the line for the first word that names no command where one is required.
std::string unknown_command(const CLI::App& app, const std::vector<std::string>& args) {
  const CLI::App* at = &app;
  std::string path = "forkscope";
  for (const auto& a : args) {
    if (a.starts_with("-")) return {};
    const CLI::App* next = nullptr;
    std::string names;
    for (const CLI::App* sub : at->get_subcommands([](const CLI::App*) { return true; })) {
      names += fmt::format("{}{}", names.empty() ? "" : ", ", sub->get_name());
      if (sub->get_name() == a) next = sub;
    }
    if (!next) {
      if (at->get_require_subcommand_min() == 0) return {};
      return fmt::format("no command '{}' in {} (commands: {}); see {} --help", a, path, names,
                         path);
    }
    at = next;
    path += " " + a;
  }
  return {};
}

int parse_error(const CLI::ParseError& e) {
  // One line and status 2 for a wrong option (CLI11 would print usage and return 105 etc.).
  std::string what = e.what();
  if (e.get_name() == "RequiredError" && what.starts_with("A subcommand is required"))
    what = "a command is required: run, replay or trace; see forkscope --help";
  fmt::print(stderr, "forkscope: {}\n", what);
  return fs::exit_status::kBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"forkscope: a deterministic, cycle-counted i386 PC emulator", "forkscope"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] {
    std::string v = fs::cli::version_text();
    if (v.ends_with('\n')) v.pop_back();  // CLI11 ends the line itself
    return v;
  });
  fs::cli::RunOptions run;
  fs::cli::setup_run(app, run);
  fs::cli::ReplayOptions replay;
  fs::cli::setup_replay(app, replay);
  fs::cli::TraceOptions trace;
  fs::cli::setup_trace(app, trace);
  // After the subcommands, which would inherit it (trace's statuses are its own).
  app.footer(
      fs::exit_status::table() +
      "QEMU's -kernel, -append, -initrd, -m, -serial, -s and -S are understood (forkscope run "
      "--help).\n");
  std::vector<std::string> args(argv + 1, argv + argc);
  if (auto bad = fs::cli::translate_qemu_args(args)) {
    fmt::print(stderr, "forkscope: {}\n", *bad);
    return fs::exit_status::kBadInput;
  }
  if (auto bad = unknown_command(app, args); !bad.empty()) {
    fmt::print(stderr, "forkscope: {}\n", bad);
    return fs::exit_status::kBadInput;
  }
  try {
    std::reverse(args.begin(), args.end());  // CLI11 takes its vector last argument first
    app.parse(args);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return parse_error(e);
  }
  try {
    if (app.got_subcommand("run")) return fs::cli::cmd_run(run);
    if (app.got_subcommand("replay")) return fs::cli::cmd_replay(replay);
    if (app.got_subcommand("trace")) return fs::cli::cmd_trace(app, trace);
  } catch (const std::exception& e) {
    fmt::print(stderr, "forkscope: internal error: {}\n", e.what());
    return fs::exit_status::kInternal;
  }
  return fs::exit_status::kBadInput;
}
