// A GDB Remote Serial Protocol stub for the machine (`forkscope run --gdb PORT`): gdb attaches as
// to `qemu -s -S`, the guest waits at its first instruction, and gdb reads and writes registers and
// memory, sets breakpoints, steps and continues. The protocol's reference is the GDB manual,
// appendix E "Remote Serial Protocol"; the socket is emu/gdb_socket's, behind Transport, so the
// tests drive the stub with scripted bytes.
//
// Open questions and the answers chosen:
// 1. How does the guest pause? The stub is an instruction observer (the machine runs per
//    instruction); when it decides to stop (a breakpoint address, a step done, gdb's ^C), it serves
//    packets right there, inside the observer, until gdb continues. The instruction at EIP has not
//    run yet. Breakpoints are addresses the observer compares EIP with: the guest's memory is never
//    patched with 0xCC, and Z1 (hardware) breakpoints are the same thing.
// 2. Does attaching change the run? No: the observer reads no host time and changes nothing unless
//    gdb writes a register or memory; a run continued under gdb retires the same instructions at
//    the same cycles as `run --per-instruction`. ^C is looked for every kPollEvery instructions, so
//    where it lands depends on the host; what the guest does does not.
// 3. Which registers may gdb write? EAX..EDI, EFLAGS and EIP (`jump`, `set $pc`, `c ADDR`: the
//    instruction gdb stood at does not run, the guest resumes at the new EIP; Machine::set_reg).
//    The segment and the system registers are refused with an error reply unless unchanged
//    (Machine::set_reg says why); a `G` packet that would change one of them is refused whole.
//    gdb reads the registers and their numbers from the target description
//    (emu/gdb_target_xml.hpp, qXfer:features:read), which has no orig_eax, fs_base or gs_base, so
//    gdb never writes them; `monitor` commands are emu/gdb_monitor.hpp's.
// 4. Addresses are linear: memory is read and written through the page tables at CR3 when CR0.PG
//    is set (walk_page_tables), so `x/4i $eip` works in the kernel and in a user process. Access
//    rights are not checked (a debugger may read supervisor pages from ring 3, as with QEMU);
//    unmapped addresses get `E14` (QEMU's reply, EFAULT).
// 5. gdb goes away (`detach`, or the connection closes): the run continues to its end without it,
//    as QEMU's does. `kill` ends the run at once (Machine::kill, status 130).
// 6. A step into a boundary where an interrupt is delivered stops at the handler's first
//    instruction (QEMU's default masks interrupts while stepping; forkscope never changes when one
//    is taken).
// 7. gdb writes code: the write drops the CPU's translations of those bytes, but the block being
//    executed (the instruction at EIP and the rest of its translated block) runs as it was
//    translated; the new bytes run from the next fetch of their address.
// 8. Reverse execution (`bs`, `bc`; emu/gdb_reverse.cpp, docs/gdb.md "Reverse debugging"): the stub
//    keeps snapshots of the machine (emu/snapshot_history.hpp) and goes back by replaying forward
//    from the nearest earlier one, to the boundary before (reverse-stepi) or to the last breakpoint
//    hit before the current boundary (reverse-continue, found by a replay that records the hits).
//    A write by gdb (register or memory) starts history again at that boundary.
// 9. Watchpoints (Z2 write, Z3 read, Z4 access) are the machine's (Machine::set_watchpoints,
//    emu/watchpoints.hpp): linear addresses, any length, exact to the instruction. The guest stops
//    at the boundary right after the accessing instruction, as a data breakpoint traps, with a
//    `watch:`/`rwatch:`/`awatch:` stop reply naming the watchpoint's address (QEMU's reply). gdb
//    inserts and removes them at every stop; the machine hears the set when gdb resumes, and only
//    when it changed (a change restarts the current instruction).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "emu/snapshot_history.hpp"
#include "emu/watchpoints.hpp"

namespace fs {

class Machine;
struct RunResult;

namespace gdb {

// The byte stream to and from gdb.
class Transport {
 public:
  virtual ~Transport() = default;
  // The next byte from gdb, waiting for it; nullopt once gdb has gone.
  virtual std::optional<std::uint8_t> read() = 0;
  // True when read() would not wait (a byte is there, or the connection has closed). Never waits.
  virtual bool readable() = 0;
  virtual void write(std::string_view bytes) = 0;
};

// Packet framing: $payload#xx, xx the modulo-256 sum of the payload's bytes as sent, in hex.
std::uint8_t checksum(std::string_view payload);
// '$', '#', '}' and '*' become '}' followed by the byte XOR 0x20.
std::string escape(std::string_view raw);
std::string unescape(std::string_view escaped);
std::string frame(std::string_view payload);  // "$" + escape(payload) + "#xx"
std::string to_hex(const void* data, std::size_t n);
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view hex);

// What arrives from gdb.
struct Incoming {
  enum class Kind : std::uint8_t { kPacket, kInterrupt, kClosed } kind = Kind::kClosed;
  std::string payload;  // kPacket: unescaped
};

// Framing over a Transport: acknowledges each packet ('+', or '-' for a bad checksum), resends the
// last packet on '-', skips gdb's acks.
class Channel {
 public:
  // The PacketSize qSupported advertises (GDB manual E.4, in hex there): the most payload bytes,
  // as sent (escaped), a packet from gdb may carry. A longer one is read to its end without being
  // kept, acknowledged and answered "E22" (gdb never sends one: it honours PacketSize).
  static constexpr std::size_t kMaxPacket = 0x1000;

  explicit Channel(Transport& t) : t_(t) {}
  void send(std::string_view payload);
  Incoming next();                 // waits
  std::optional<Incoming> poll();  // nullopt when nothing has arrived; never waits for a first byte
 private:
  // After '$': the rest of the packet, waiting for it; nullopt (and '-' sent) for a bad checksum.
  std::optional<Incoming> read_packet();
  std::optional<Incoming> take(std::uint8_t b);  // one byte between packets
  Transport& t_;
  std::string last_;  // framed, for a resend
};

// The guest's memory at linear addresses, as gdb sees it (open question 4).
// Reads up to n bytes from `linear`; stops at the first unmapped byte (possibly returning none).
std::vector<std::uint8_t> read_linear(const Machine& m, std::uint32_t linear, std::size_t n);
// Writes all the bytes or none (false when any is unmapped).
bool write_linear(Machine& m, std::uint32_t linear, const std::vector<std::uint8_t>& bytes);

class Stub {
 public:
  // ^C is looked for (without waiting) every this many instructions while the guest runs.
  static constexpr unsigned kPollEvery = 4096;

  // Installs the instruction observer on `m` (which must run per instruction); the guest stops at
  // its first instruction and waits for gdb's commands. `reverse`: the snapshots reverse execution
  // replays from (interval 0, the default here: no reverse execution, and qSupported does not
  // offer it; `run --gdb` gives HistoryOptions's defaults).
  // `first_stop`: the guest first stops at the first boundary where stats().instructions is at
  // least this (`forkscope replay --at SEQ`); until then it runs without reading the socket, and
  // the snapshots of history are taken from its first instruction on.
  Stub(Machine& m, Transport& t, HistoryOptions reverse = HistoryOptions{0, 0},
       std::uint64_t first_stop = 0);
  // After Machine::run() returned: tells a still-connected gdb how the run ended: W (exit status)
  // for a guest exit or a final HLT, X (a signal) for a triple fault, guest error or cycle limit,
  // after an O packet with forkscope's message. Nothing after a kill.
  void finish(const RunResult& r);
  bool attached() const { return attached_; }
  std::uint64_t stops() const { return stops_; }
  // The boundaries the guest has passed (open question 8's positions): the current one's index.
  std::uint64_t position() const { return position_ ? position_ - 1 : 0; }
  const SnapshotHistory& history() const { return history_; }

 private:
  enum class Next : std::uint8_t { kServe, kResume, kGone };
  void on_instruction(std::uint32_t eip);
  void on_watch(const WatchHit& hit);
  void serve(bool announce);
  std::string watch_packet(char cmd, std::string_view args);
  void push_watchpoints();
  void gone();  // gdb detached or went away: the run goes on without it (open question 5)
  Next handle(const std::string& p);
  std::string stop_reply() const;
  std::string read_registers() const;
  std::string write_registers(std::string_view hex);
  std::string write_register(std::string_view args);
  bool may_write(unsigned r, const std::uint8_t* v) const;
  void write(unsigned r, const std::uint8_t* v);
  void monitor_command(std::string_view hex);
  std::string resume(std::string_view addr, bool step);
  // emu/gdb_reverse.cpp (open question 8).
  bool replaying(std::uint32_t eip, std::uint64_t pos);  // true: this boundary is the replay's
  void replay_watch(const WatchHit& hit);                // a watchpoint hit while replaying
  Next reverse_step();
  Next reverse_continue();
  void go_back_to(std::size_t entry);  // restore a snapshot; the replay goes on from it
  void history_changed();              // gdb wrote to the machine
  bool reverse_enabled() const { return history_.options().interval != 0; }

  Machine& m_;
  Channel ch_;
  static constexpr std::uint8_t kSoftware = 1, kHardware = 2;    // Z0, Z1
  std::unordered_map<std::uint32_t, std::uint8_t> breakpoints_;  // address -> kinds
  std::uint8_t stop_kinds_ = 0;          // the breakpoint kinds at the last stop's EIP
  std::vector<Watchpoint> watchpoints_;  // as gdb has inserted them (Z2-Z4)
  std::vector<Watchpoint> pushed_;       // as the machine watches them
  std::optional<WatchHit> watch_hit_;    // the last stop's, when a watchpoint stopped it
  // Where gdb left the guest when it resumed: EIP and the instruction count (the instruction at
  // EIP had not run). The observer's next call there is that same boundary, not a new one.
  struct Boundary {
    std::uint32_t eip = 0;
    std::uint64_t seq = 0;
  };
  std::optional<Boundary> resumed_at_;
  bool swbreak_ = false, hwbreak_ = false;  // gdb understands these stop reasons (qSupported)
  bool attached_ = true;
  bool stop_next_ = true;         // the first instruction, or a step
  std::uint64_t first_stop_ = 0;  // no stop, and no ^C poll, before this instruction count
  std::uint8_t signal_ = 5;       // of the last stop: SIGTRAP, or SIGINT after ^C
  unsigned poll_countdown_ = kPollEvery;
  std::uint64_t stops_ = 0;

  // Reverse execution (open question 8).
  SnapshotHistory history_;
  std::uint64_t position_ = 0;  // boundaries seen: the next one's index
  enum class Replay : std::uint8_t {
    kNone,
    kTo,    // replaying to boundary replay_end_, where the guest stops
    kScan,  // replaying snapshot scan_entry_'s stretch up to replay_end_, noting breakpoint hits
  } replay_ = Replay::kNone;
  std::uint64_t replay_end_ = 0;
  std::size_t scan_entry_ = 0;
  std::optional<std::uint64_t> scan_hit_;  // the last hit in the stretch so far
  // When scan_hit_ is a watchpoint's (the boundary before the accessing instruction), its hit: the
  // stop there reports it.
  std::optional<WatchHit> scan_watch_;
  bool at_history_begin_ = false;  // the stop reply says replaylog:begin
};

}  // namespace gdb
}  // namespace fs
