// The gdb stub's reverse execution (emu/gdb_stub.hpp open question 8; docs/gdb.md "Reverse
// debugging"): `bs` and `bc` (GDB manual E.2 "bc", "bs") by replay from snapshots.
//
// A position is a boundary's index among all the instruction observer has seen (Stub::position).
// Going back to position p restores the newest snapshot at or before p and runs forward until the
// observer is at p again; forkscope is deterministic, so the machine there is the one that was
// there: the same instruction count, cycles, registers and memory. The replay itself is never seen
// by gdb (no stop, no ^C poll), and the console does not show it (the UART sends nothing twice).
//
// Watchpoints in reverse (issue 15): reverse-continue stops at the last access a watchpoint matches
// before the current point, *before* the accessing instruction, with memory as it was then, as
// gdb's own record target and rr do: gdb compares the watched value with the one it holds and
// reports "Old value = ... New value = ..." the other way round. A forward run stops after the
// access (Machine::on_watch); going back, the stop is one boundary earlier.
#include <fmt/format.h>

#include <utility>

#include "emu/gdb_stub.hpp"
#include "emu/machine.hpp"

namespace fs::gdb {

void Stub::go_back_to(std::size_t entry) {
  const SnapshotHistory::Entry& e = history_.entries().at(entry);
  m_.restore(e.snapshot);
  position_ = e.position;  // the next boundary the observer sees is the snapshot's
  at_history_begin_ = false;
  stop_next_ = false;
}

void Stub::history_changed() {
  if (reverse_enabled()) history_.restart(m_, position());
}

Stub::Next Stub::reverse_step() {
  if (!m_.at_snapshot_point()) {
    // An instruction the run loop runs itself (MOV DRn, I/O above IOPL): the CPU is not running
    // here to be stopped and sent back. A step forward gets past it.
    ch_.send("E01");
    return Next::kServe;
  }
  const std::uint64_t here = position();
  const auto entry = here ? history_.index_at_or_before(here - 1) : std::nullopt;
  if (!entry) {
    // Nothing before this boundary: gdb says "No more reverse-execution history".
    at_history_begin_ = true;
    stop_kinds_ = 0;
    signal_ = 5;
    ch_.send(stop_reply());
    return Next::kServe;
  }
  go_back_to(*entry);
  replay_ = Replay::kTo;
  replay_end_ = here - 1;
  return Next::kResume;
}

Stub::Next Stub::reverse_continue() {
  if (!m_.at_snapshot_point()) return reverse_step();  // the same refusal
  const std::uint64_t here = position();
  const auto entry = here ? history_.index_at_or_before(here - 1) : std::nullopt;
  if (!entry) return reverse_step();  // the same "no more history" stop
  // Replay the stretch from the newest snapshot before here up to here, noting breakpoint hits;
  // without one, the stretch before it, and so on back to the start of history.
  go_back_to(*entry);
  replay_ = Replay::kScan;
  replay_end_ = here;
  scan_entry_ = *entry;
  scan_hit_.reset();
  scan_watch_.reset();
  return Next::kResume;
}

void Stub::replay_watch(const WatchHit& hit) {
  // Called at the boundary after the accessing instruction, before the observer sees it: that
  // boundary is position_, the access's own position_ - 1.
  const std::uint64_t after = position_;
  if (replay_ != Replay::kScan || after == 0 || after > replay_end_) return;
  if (scan_hit_ && *scan_hit_ > after - 1) return;
  scan_hit_ = after - 1;
  scan_watch_ = hit;
}

bool Stub::replaying(std::uint32_t eip, std::uint64_t pos) {
  if (pos < replay_end_) {
    if (replay_ == Replay::kScan && breakpoints_.count(eip)) {
      scan_hit_ = pos;
      scan_watch_.reset();
    }
    return true;
  }
  if (replay_ == Replay::kScan) {
    // The stretch is done: go to its last hit, or scan the stretch before it.
    if (scan_hit_) {
      replay_ = Replay::kTo;
      replay_end_ = *scan_hit_;
      go_back_to(scan_entry_);
    } else if (scan_entry_ == 0) {
      replay_ = Replay::kTo;
      replay_end_ = history_.entries().front().position;
      go_back_to(0);
      at_history_begin_ = true;
    } else {
      replay_end_ = history_.entries()[scan_entry_].position;
      go_back_to(--scan_entry_);
      scan_hit_.reset();
      scan_watch_.reset();
    }
    return true;
  }
  // Arrived: the guest stops here, as it would have stopped on the way forward.
  replay_ = Replay::kNone;
  const auto it = breakpoints_.find(eip);
  stop_kinds_ = it == breakpoints_.end() ? 0 : it->second;
  watch_hit_ = std::exchange(scan_watch_, std::nullopt);
  if (watch_hit_) stop_kinds_ = 0;
  signal_ = 5;
  ++stops_;
  serve(true);
  return true;
}

}  // namespace fs::gdb
