// The trace file's data model: the register file, the per-instruction register changes, the event
// records, the header, and the one error type of trace/. The byte-level encoding is in
// docs/trace-format.md; trace_writer.hpp and trace_reader.hpp turn these structs into bytes and
// back. Nothing here knows about Unicorn, Capstone or the machine: the machine supplies the values,
// the writer does not interpret them beyond encoding.
//
// Ordering rule (docs/trace-format.md "Sequence numbers"): instruction records are numbered 0,
// 1, 2... in retirement order. An event with seq S happens after instruction S-1 retired and before
// instruction S executes; an event with seq == the number of instructions (e.g. Stop) happens after
// the last one. The changes of instruction S take the register file from "before S" to "before S+1"
// (whatever happened in between, e.g. an interrupt delivery, is folded in), EIP excluded.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "x86/delivery.hpp"
#include "x86/mem_write.hpp"
#include "x86/reg.hpp"
#include "x86/vectors.hpp"

namespace fs::trace {

// Bad input or I/O failure: a missing or unwritable file, not a trace, an unsupported version, a
// truncated header, a corrupt chunk. The message is one line, "path: problem", no trailing newline.
struct TraceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The format version this build writes, and the oldest it still reads. Any change to the bytes
// bumps it; a reader accepts kOldestFormatVersion..kFormatVersion and refuses every other version
// (docs/trace-format.md "Versioning"). Version 2 added the fork event's comm, version 3 the guest's
// memory writes.
inline constexpr std::uint32_t kFormatVersion = 3;
inline constexpr std::uint32_t kOldestFormatVersion = 2;
// The first version whose fork events carry the child's comm (Fork::comm).
inline constexpr std::uint32_t kForkCommVersion = 2;
// The first version that records memory writes (Instruction::mem, Delivery::writes).
inline constexpr std::uint32_t kMemWritesVersion = 3;

// Register ids: x86/reg.hpp's Reg, whose numbers are stored in the file. The trace holds the first
// kRegCount (EAX..CPL).
using fs::Reg;
inline constexpr std::size_t kRegCount = 21;

// "eax", "eflags", "cs", "cpl"...; "?" for an id >= kRegCount.
const char* reg_name(Reg r);
// Inverse of reg_name (lower case); false if unknown.
bool reg_from_name(std::string_view name, Reg& out);

// The full register file. Selectors and CPL are held zero-extended in a u32 slot.
struct RegFile {
  std::array<std::uint32_t, kRegCount> v{};

  std::uint32_t operator[](Reg r) const { return v[static_cast<std::size_t>(r)]; }
  std::uint32_t& operator[](Reg r) { return v[static_cast<std::size_t>(r)]; }
  std::uint32_t get(Reg r) const { return (*this)[r]; }
  void set(Reg r, std::uint32_t value) { (*this)[r] = value; }

  std::uint32_t eip() const { return (*this)[Reg::kEip]; }
  std::uint32_t esp() const { return (*this)[Reg::kEsp]; }
  std::uint32_t eflags() const { return (*this)[Reg::kEflags]; }
  std::uint16_t cs() const { return static_cast<std::uint16_t>((*this)[Reg::kCs]); }
  std::uint16_t ss() const { return static_cast<std::uint16_t>((*this)[Reg::kSs]); }
  std::uint8_t cpl() const { return static_cast<std::uint8_t>((*this)[Reg::kCpl]); }

  bool operator==(const RegFile&) const = default;
};

// One register whose value after an instruction differs from before (the new value).
struct RegChange {
  Reg reg = Reg::kEax;
  std::uint32_t value = 0;
  bool operator==(const RegChange&) const = default;
};

// One store to guest memory (x86/mem_write.hpp): linear address, size 1, 2, 4 or 8, value.
using fs::MemWrite;

// A delivery stores at most this many (a 5-word frame with its error code, twice over for a #DF).
inline constexpr std::size_t kMaxDeliveryWrites = 32;

// ---- Events ----------------------------------------------------------------------------------

// An interrupt, exception or INT n delivered through the IDT: x86/delivery.hpp's Delivery, the
// record the machine builds and its observers see, stored as is (frame in push order). FarPtr is
// CS:EIP; DeliveryKind's numbers are stored in the file.
using fs::Delivery;
using fs::DeliveryKind;
using fs::FarPtr;

// An IRET retired. Like every event its seq says where it sits in the instruction stream; the
// natural choice is the IRET's seq + 1 (recorded before the first instruction at the return
// address).
struct Iret {
  std::vector<std::uint32_t>
      frame;  // words popped, in pop order: EIP, CS, EFLAGS[, ESP, SS] (3 or 5)
  std::uint8_t cpl_before = 0;
  std::uint8_t cpl_after = 0;
  FarPtr from;  // the IRET instruction
  FarPtr to;    // where it returned
  bool operator==(const Iret&) const = default;
};

// HLT waited idle_cycles until an interrupt woke the CPU.
struct Hlt {
  std::uint64_t idle_cycles = 0;
  bool operator==(const Hlt&) const = default;
};

struct PortIo {
  std::uint16_t port = 0;
  std::uint8_t size = 1;  // 1, 2 or 4
  bool is_write = false;
  std::uint32_t value = 0;
  bool operator==(const PortIo&) const = default;
};

// Context switch prev -> next (pids and task_struct addresses from the guest's shared ABI header).
struct Switch {
  std::int32_t prev_pid = 0;
  std::int32_t next_pid = 0;
  std::uint32_t prev_task = 0;
  std::uint32_t next_task = 0;
  bool operator==(const Switch&) const = default;
};

// A new task's first instruction at ret_from_fork: where it starts, the pt_regs copy_thread left
// at its stack top (struct pt_regs, 15 words in the order of guest/include/abi.h), and the kernel
// stack pointers the CPU will use for it.
struct RetFromFork {
  std::int32_t pid = 0;
  std::uint32_t task = 0;
  std::uint32_t esp = 0;
  std::vector<std::uint32_t> regs;  // pt_regs at esp (at most 16 words)
  std::uint32_t tss_esp0 = 0;       // TSS.esp0 as __switch_to left it
  std::uint32_t thread_esp0 = 0;    // the task's thread.esp0
  std::uint32_t stack_top = 0;      // its thread_info + THREAD_SIZE
  bool operator==(const RetFromFork&) const = default;
};

// A task created: copy_process() is done and wake_up_new_task() is about to queue the child.
// comm is the child's name then (its parent's, or kernel_thread_named()'s: what names a kernel
// thread, which never reaches a user_space event; at most 16 bytes).
struct Fork {
  std::int32_t parent_pid = 0;
  std::int32_t child_pid = 0;
  std::uint32_t clone_flags = 0;
  std::uint32_t child_task = 0;
  // The parent's pt_regs at the top of its kernel stack (its user state if it forked from user
  // mode; at most 16 words).
  std::vector<std::uint32_t> parent_regs;
  std::string comm;
  bool operator==(const Fork&) const = default;
};

struct SyscallEntry {
  std::uint32_t nr = 0;
  std::array<std::uint32_t, 6> args{};  // ebx ecx edx esi edi ebp
  bool operator==(const SyscallEntry&) const = default;
};

struct SyscallExit {
  std::uint32_t nr = 0;
  std::int32_t result = 0;
  bool operator==(const SyscallExit&) const = default;
};

// The machine stopped (guest exit, cycle limit, triple fault...). reason is the machine's
// StopReason code, opaque to trace/. message is at most 64 KiB.
struct Stop {
  std::uint8_t reason = 0;
  std::int32_t exit_status = 0;
  std::string message;
  bool operator==(const Stop&) const = default;
};

// A task runs in ring 3 on an address space it has not run on before: after an exec, or as a
// child of fork (its own copy). comm is the task's name then (after exec, the program's name:
// the reader picks the program's symbols and code by it; at most 16 bytes).
struct UserSpace {
  std::int32_t pid = 0;
  std::uint32_t task = 0;
  std::uint32_t cr3 = 0;
  std::string comm;
  bool operator==(const UserSpace&) const = default;
};

// The alternative index is the kind number stored in the file (docs/trace-format.md "Events"):
// append only.
using EventData = std::variant<Delivery, Iret, Hlt, PortIo, Switch, RetFromFork, SyscallEntry,
                               SyscallExit, Stop, Fork, UserSpace>;

enum class EventKind : std::uint8_t {
  Delivery = 0,
  Iret = 1,
  Hlt = 2,
  PortIo = 3,
  Switch = 4,
  RetFromFork = 5,
  SyscallEntry = 6,
  SyscallExit = 7,
  Stop = 8,
  Fork = 9,
  UserSpace = 10,
};
inline constexpr std::size_t kEventKindCount = 11;

// "delivery", "iret", "hlt", "port_io", "switch", "ret_from_fork", "syscall_entry", "syscall_exit",
// "stop"; "?" if out of range.
const char* event_kind_name(EventKind k);
bool event_kind_from_name(std::string_view name, EventKind& out);

struct Event {
  std::uint64_t seq = 0;    // happens after instruction seq-1 and before instruction seq
  std::uint64_t cycle = 0;  // the machine's cycle count when it happened
  EventData data;

  EventKind kind() const { return static_cast<EventKind>(data.index()); }
  bool operator==(const Event&) const = default;
};

// ---- Header ----------------------------------------------------------------------------------

inline constexpr std::size_t kMaxBuildIdBytes = 64;

struct Header {
  std::uint32_t version = kFormatVersion;  // read: the file's version; write: ignored
  std::vector<std::uint8_t> build_id;      // opaque, at most kMaxBuildIdBytes
  std::string image_name;                  // basename of the guest image (the writer strips dirs)
  // Run options, key=value in the order given (ram, cpu_mhz, cmdline, max_cycles...). Keys are
  // non-empty without '=' or '\n', values without '\n'.
  std::vector<std::pair<std::string, std::string>> options;
  RegFile regs;  // the register file before instruction 0

  // The value of option key, or nullptr.
  const std::string* option(std::string_view key) const {
    for (const auto& kv : options)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  bool operator==(const Header&) const = default;
};

// One chunk as the index (or a sequential scan) describes it.
struct ChunkInfo {
  std::uint64_t offset = 0;     // file offset of the chunk header
  std::uint64_t first_seq = 0;  // seq of its first instruction (== instructions before it)
  std::uint64_t first_cycle =
      0;  // cycle of its first instruction (no instruction: the previous one's)
  std::uint32_t instructions = 0;
  std::uint32_t events = 0;
  std::uint32_t first_eip = 0;  // EIP of its first instruction (0 if none)
  bool operator==(const ChunkInfo&) const = default;
};

}  // namespace fs::trace
