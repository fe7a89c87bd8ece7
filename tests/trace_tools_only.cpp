// The trace tools linked alone (issue 16): `trace_tools_only trace dump|events|inspect|stats|
// timeline|diff ...` behaves as `forkscope trace ...`, built from emu/cli/trace*.cpp with the trace
// library, the decoder (x86/) and the loader, and neither the machine nor Unicorn. If a trace tool
// starts to need the machine, this program stops linking.
#include <CLI/CLI.hpp>

#include "emu/cli/trace.hpp"

int main(int argc, char** argv) {
  CLI::App app{"the trace tools without the machine"};
  app.require_subcommand(1);
  fs::cli::TraceOptions opt;
  fs::cli::setup_trace(app, opt);
  CLI11_PARSE(app, argc, argv);
  return fs::cli::cmd_trace(app, opt);
}
