// What every `forkscope trace` subcommand shares: opening a trace (one-line errors, the truncation
// warning), the guest image's symbols and code, and describing an event as text or JSON. Which
// task runs, and its name, is trace_tasks.hpp's.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
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
  explicit OpenTrace(trace::Reader r) : reader(std::move(r)) {}

  trace::Reader reader;
  std::string image_path;          // "" when no image was found
  SymbolTable symbols;             // the image's (empty without one)
  std::vector<std::uint8_t> code;  // the image loaded at its addresses (empty without one)
  // A Linux image is loaded at its physical addresses but runs at virtual ones, this much higher
  // (__PAGE_OFFSET, 0xC0000000 on i386): code_at() takes both. 0 for other images.
  std::uint32_t code_virtual_delta = 0;
  bool kernel = false;       // the image is the forkscope kernel (its pid events are meaningful)
  bool linux_image = false;  // the image is a Linux bzImage (symbols from its kallsyms tables)
  // A Linux image's system call names by number, from its own sys_call_table
  // (loader/linux_syscalls.hpp); empty for other images.
  std::vector<std::string> linux_syscalls;
  // "getpid" for nr: the Linux image's name when it is one, else the forkscope kernel's
  // (syscall_text).
  std::string syscall_name(std::uint32_t nr) const;
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
  // The same by program index (program_index(), -1 for none).
  bool code_of(int program, std::uint32_t addr, std::uint8_t len, const std::uint8_t*& out) const;
  const SymbolTable& symbols_of(int program) const;
  // Follows user_space events (a task's program) and forks (a child runs its parent's).
  void track(const trace::Event& e);
};

// Opens a trace (CliError on any problem). A truncated trace is read up to its last whole chunk,
// with warn_if_truncated()'s warning unless !warn.
trace::Reader open_reader(const std::string& file, bool warn = true);
// "forkscope: warning: FILE: trace truncated after chunk K (seq S)" on stderr, if it is.
void warn_if_truncated(const trace::Reader& r, const std::string& file);

// Which image load_image() looks for, for which trace.
// The register file at an IRET's target: the next instruction's, or, when a delivery came at the
// boundary between them (an IRQ the IRET unmasked, a #PF fetching at its target: the IRET retired),
// the state that delivery interrupted: its saved CS:EIP and EFLAGS, and for a ring change SS:ESP,
// from its frame, in place of the handler's (the other registers a delivery does not change).
trace::RegFile state_after_iret(const trace::RegFile& next, const trace::Delivery* between);

struct ImageRequest {
  std::string given;               // --image's value; "" for the default
  std::string trace;               // the trace's path, for messages
  const char* option = "--image";  // the option that passes it, for messages
  // A default image of another build is passed over with a note instead of refused (trace diff,
  // which reports without symbols rather than not at all).
  bool lenient = false;
};

// Loads into t the image t.reader's trace was recorded from: req.given, or else the kernel beside
// forkscope when the trace was recorded from an image named kernel.elf; then its user programs.
// Returns "" or, without an image, a note saying why there is none. A given image that is missing
// or whose build id differs from the trace's is refused (CliError), since its symbols would lie.
std::string load_image(OpenTrace& t, const ImageRequest& req);

// open_reader(in.file) and load_image() for in.image.
OpenTrace open_trace(const TraceInput& in);

// JSON (docs/json.md): objects keep their members in the order they are added.
using Json = nlohmann::ordered_json;
// j on one line, compact, without a newline. Strings are UTF-8; bytes that are not (a comm is the
// guest's bytes) are replaced by U+FFFD, so the line is always valid JSON.
std::string json_text(const Json& j);
// j[name] = v, and j[name + "_hex"] = "0x0010ab3c": every address member has both forms.
void put_address(Json& j, const std::string& name, std::uint32_t v);

std::string hex32(std::uint32_t v);           // "0x0010ab3c"
std::string syscall_text(std::uint32_t nr);   // "getpid" (trace/syscall_names.hpp), or "nr 999"
std::string far_ptr(const trace::FarPtr& p);  // "0060:0010ab3c"

// One line describing an event's payload, and the same as members added to j.
std::string event_text(const trace::Event& e, const SymbolTable& syms);
void event_json(Json& j, const trace::Event& e, const SymbolTable& syms);

// Parses "fork,switch,iret" (event kind names, "fork" meaning ret_from_fork) into kinds;
// CliError names an unknown one and lists the known.
std::vector<trace::EventKind> parse_kinds(const std::vector<std::string>& names);

}  // namespace fs::cli
