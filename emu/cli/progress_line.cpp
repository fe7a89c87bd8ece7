#include "emu/cli/progress_line.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "emu/machine.hpp"

namespace fs::cli {

ProgressLine::ProgressLine(const Machine& m, bool enabled)
    : m_(m), enabled_(enabled), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressLine::tick() {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  const double wall = std::chrono::duration<double>(now - start_).count();
  const auto insns = m_.stats().instructions;
  // "\r" then erase to the end of the line (ECMA-48 EL, "\033[K"): the line is redrawn in place.
  fmt::print(stderr, "\r\033[Kforkscope: guest {:.3f} s  {:.1f} M instructions  {:.0f} MIPS",
             m_.clock().seconds(), static_cast<double>(insns) / 1e6,
             wall > 0 ? static_cast<double>(insns) / wall / 1e6 : 0.0);
  std::fflush(stderr);
  shown_ = true;
}

void ProgressLine::erase() {
  if (!shown_) return;
  fmt::print(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace fs::cli
