// `forkscope run --summary-json FILE`: the run's summary (the lines on stderr, and more) as one
// JSON object for scripts (scripts/bench); docs/json.md "run --summary-json" lists its members.
#pragma once

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace fs {
class Machine;
struct RunResult;
}  // namespace fs

namespace fs::cli {

// What the run knows beside the machine: host figures and what forkscope itself wrote.
struct RunHostFigures {
  double wall_seconds = 0;          // host time of the run (not of the guest: never on its path)
  std::uint64_t console_bytes = 0;  // COM1 output bytes the guest wrote
  // --trace: its file, instructions and bytes
  std::optional<std::string> trace_file;
  std::uint64_t trace_instructions = 0, trace_bytes = 0;
};

// The summary, members in the order docs/json.md lists them.
nlohmann::ordered_json run_summary_json(const Machine& m, const RunResult& r,
                                        const RunHostFigures& host);

// The --summary-json file, opened (truncated) before the run so that a path that cannot be written
// is refused before the guest runs, not after it.
class SummaryFile {
 public:
  explicit SummaryFile(std::string path);  // "" for none: write() does nothing
  ~SummaryFile();                          // removes FILE if it was never written
  SummaryFile(const SummaryFile&) = delete;
  SummaryFile& operator=(const SummaryFile&) = delete;
  // "" or one line saying why FILE cannot be written.
  const std::string& error() const { return error_; }
  // Writes j indented, with a final newline, and closes the file; false (error() says why) on
  // failure.
  bool write(const nlohmann::ordered_json& j);

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
  std::string error_;
};

}  // namespace fs::cli
