// What every `forkscope trace` subcommand shares: opening a trace (one-line errors, the truncation
// warning), the guest image's symbols and code, the pid that is running at each point of the
// stream, and describing an event as text or JSON.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "emu/cli/trace.hpp"
#include "loader/symbols.hpp"
#include "trace/trace_reader.hpp"

namespace fs::cli {

// Bad input for a trace subcommand: printed as "forkscope: <what>", exit status 2.
struct CliError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OpenTrace {
  trace::Reader reader;
  std::string image_path;          // "" when no image was found
  SymbolTable symbols;             // the image's (empty without one)
  std::vector<std::uint8_t> code;  // the image loaded at its addresses (empty without one)
  bool kernel = false;  // the image is the forkscope kernel (its pid events are meaningful)
  // The kernel's user programs (guest/usr/user_programs.S), by name: their loadable segments at
  // their linked addresses, and the kernel's symbols plus theirs ("forktest:main"). Which one a
  // task runs comes from the trace's user_space events (the task's comm after exec); track()
  // follows them, and symbols_for()/code_for() answer for the task that runs.
  struct UserSegment {
    std::uint32_t vaddr = 0;
    std::vector<std::uint8_t> bytes;
  };
  struct Program {
    std::string name;
    std::vector<UserSegment> code;
    SymbolTable symbols;  // the kernel's and the program's
  };
  std::vector<Program> programs;
  std::unordered_map<std::int64_t, int> program_of_pid;  // index into programs

  // The instruction bytes at addr from the image (false outside it).
  bool code_at(std::uint32_t addr, std::uint8_t len, const std::uint8_t*& out) const;
  // The same for task `pid`, whose user code is its program's.
  bool code_for(std::int64_t pid, std::uint32_t addr, std::uint8_t len,
                const std::uint8_t*& out) const;
  const SymbolTable& symbols_for(std::int64_t pid) const;
  int program_index(std::int64_t pid) const;  // -1: kernel only
  // Follows user_space events (a task's program) and forks (a child runs its parent's).
  void track(const trace::Event& e);
};

// Opens in.file (CliError on any problem; a truncated trace gives a warning on stderr and is read
// up to its last whole chunk) and the image: in.image, or else the kernel beside forkscope when
// the trace was recorded from an image named kernel.elf. An image whose build id differs from the
// trace's is refused (CliError), since its symbols would lie.
OpenTrace open_trace(const TraceInput& in);

// The pid running at each point of the stream: 0 (swapper) until the first switch of a kernel
// trace, then each Switch's next pid; -1 for traces without the kernel's events.
class PidTracker {
 public:
  explicit PidTracker(bool kernel) : pid_(kernel ? 0 : -1) {}
  void on_event(const trace::Event& e) {
    if (const auto* s = std::get_if<trace::Switch>(&e.data)) pid_ = s->next_pid;
  }
  std::int64_t pid() const { return pid_; }

 private:
  std::int64_t pid_;
};

std::string json_string(std::string_view s);  // a quoted, escaped JSON string
std::string hex32(std::uint32_t v);           // "0x0010ab3c"
std::string far_ptr(const trace::FarPtr& p);  // "0060:0010ab3c"

// One line describing an event's payload, and the same as JSON members (no braces).
std::string event_text(const trace::Event& e, const SymbolTable& syms);
std::string event_json_members(const trace::Event& e, const SymbolTable& syms);

// Parses "fork,switch,iret" (event kind names, "fork" meaning ret_from_fork) into kinds;
// CliError names an unknown one and lists the known.
std::vector<trace::EventKind> parse_kinds(const std::vector<std::string>& names);

}  // namespace fs::cli
