// Whose fault it is (issue 16): forkscope tells apart what goes wrong by who must act on it, and
// gives each its own exit status (emu/exit_status.hpp, docs/exit-status.md).
// - The guest's: a triple fault, memory with no RAM behind it. Reported as the guest's (vector,
//   CS:EIP, symbol, last instructions); not exceptions, the machine ends the run itself.
// - Unimplemented: the guest used a mode of a device or the CPU that forkscope does not model
//   (the PIT's BCD counting, the PIC's level-triggered mode). The guest may be right; forkscope's
//   model stops short. Thrown from the device, reported with the guest's location.
// - InternalError: a forkscope bug, an invariant that broke (FS_ASSERT). Reported as forkscope's,
//   with the guest's location only as context.
// - A warning: something worth a line that does not stop the run, once per kind per device
//   (WarnOnce).
#pragma once

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fs {

struct Unimplemented : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct InternalError : std::logic_error {
  using std::logic_error::logic_error;
};

[[noreturn]] inline void assertion_failed(const char* expr, const char* file, int line,
                                          std::string_view what) {
  throw InternalError(std::string(what) + " (" + expr + " failed at " + file + ":" +
                      std::to_string(line) + ")");
}

// An invariant of forkscope's own code; when it breaks, the run ends as forkscope's error.
#define FS_ASSERT(cond, what) \
  ((cond) ? void(0) : ::fs::assertion_failed(#cond, __FILE__, __LINE__, (what)))

// Warnings of one device, each kind printed once ("pit8254: count below the mode 2 minimum of 2
// (1)"); later ones of the same kind, whatever their details, are counted, not printed.
class WarnOnce {
 public:
  using Sink = std::function<void(const std::string&)>;
  explicit WarnOnce(std::string tag, Sink sink = {})
      : tag_(std::move(tag)), sink_(std::move(sink)) {}
  // `kind` names the warning (the same kind is printed once); `text` is the line after the tag.
  void operator()(std::string_view kind, std::string_view text) {
    for (const auto& k : kinds_)
      if (k == kind) return;
    kinds_.emplace_back(kind);
    printed_.push_back(tag_ + ": " + std::string(text));
    if (sink_) {
      sink_(printed_.back());
    } else {
      std::fprintf(stderr, "%s\n", printed_.back().c_str());
    }
  }
  // Every line printed so far, in order.
  const std::vector<std::string>& printed() const { return printed_; }

 private:
  std::string tag_;
  Sink sink_;
  std::vector<std::string> kinds_;
  std::vector<std::string> printed_;
};

}  // namespace fs
