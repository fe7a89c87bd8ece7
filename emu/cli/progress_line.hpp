// The progress line of a long run (issue 14): on a terminal, `forkscope run` shows on stderr where
// the guest is (guest time, instructions, host MIPS), redrawn in place at most four times a second
// and erased before the console prints and when the run ends. Never in a pipe, a file, --quiet or
// under gdb: only a person watching a terminal wants it, and nothing else may depend on it. It
// reads host time for the display only; the machine never sees it.
#pragma once

#include <chrono>
#include <cstdint>

namespace fs {
class Machine;
}

namespace fs::cli {

class ProgressLine {
 public:
  // Shown only when `enabled` (the caller's decision: stderr is a terminal, no --quiet, no gdb).
  ProgressLine(const Machine& m, bool enabled);
  // From the machine's progress observer: redraw when 250 ms have passed.
  void tick();
  // Erase the line if it is shown (before console output, and at the end of the run).
  void erase();

 private:
  const Machine& m_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace fs::cli
