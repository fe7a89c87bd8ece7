// forkscope's command line: main only wires the subcommands (one file each under emu/cli/).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <exception>

#include "emu/cli/run.hpp"
#include "emu/cli/trace.hpp"

int main(int argc, char** argv) {
  CLI::App app{"forkscope: a deterministic, cycle-counted i386 PC emulator"};
  app.require_subcommand(1);
  fs::cli::RunOptions run;
  fs::cli::setup_run(app, run);
  fs::cli::TraceOptions trace;
  fs::cli::setup_trace(app, trace);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line and status 2 for a wrong option (CLI11 would print usage and return 105 etc.).
    fmt::print(stderr, "forkscope: {}\n", e.what());
    return 2;
  }
  try {
    if (app.got_subcommand("run")) return fs::cli::cmd_run(run);
    if (app.got_subcommand("trace")) return fs::cli::cmd_trace(app, trace);
  } catch (const std::exception& e) {
    fmt::print(stderr, "forkscope: internal error: {}\n", e.what());
    return 70;
  }
  return 2;
}
