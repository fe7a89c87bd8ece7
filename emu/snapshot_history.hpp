// The snapshots reverse execution replays from (docs/gdb.md "Reverse debugging"): one every
// `interval` instruction boundaries of a run, at increasing positions (a position counts the
// boundaries an instruction observer has seen, so a faulting instruction and its handler's first
// instruction are two), under a cap on the host memory they hold.
//
// Open questions and the answers chosen:
// 1. Over the cap, which go? The first snapshot (the start of history) and the newest always stay;
//    of the others every second one goes, as often as needed: history stays whole back to its
//    start, and going back costs longer replays (at most twice as long per thinning) instead of
//    losing the past. The cap is soft by the first and newest snapshots.
// 2. Each snapshot shares the RAM pages that did not change since the one before it
//    (emu/snapshot.hpp), so a snapshot costs the pages the guest wrote in its interval.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "emu/snapshot.hpp"

namespace fs {

class Machine;

struct HistoryOptions {
  // Boundaries between snapshots; 0: none (no reverse execution). At trace-mode speed (about 10 M
  // instructions/s under gdb on this machine) a million is ~0.1 s of replay at most per reverse
  // step.
  std::uint64_t interval = 1'000'000;
  std::uint64_t max_bytes = 256ull << 20;  // host memory the snapshots may hold (question 1)
};

class SnapshotHistory {
 public:
  struct Entry {
    std::uint64_t position = 0;
    Snapshot snapshot;
  };

  explicit SnapshotHistory(HistoryOptions o) : opt_(o) {}

  // Inside an instruction observer at boundary `position`: takes a snapshot when one is due (none
  // yet, or `interval` boundaries since the newest), then thins the history if it is over the cap.
  void maybe_take(const Machine& m, std::uint64_t position);
  // History starts again at `position` with a snapshot of the machine as it is now (the machine
  // was changed by hand: the earlier snapshots would replay into a different present).
  void restart(const Machine& m, std::uint64_t position);

  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }
  // The index of the newest entry at or before `position`; nullopt when history starts after it.
  std::optional<std::size_t> index_at_or_before(std::uint64_t position) const;
  // Host memory held (distinct RAM pages, page tables, CPU contexts).
  std::size_t bytes() const { return bytes_; }
  const HistoryOptions& options() const { return opt_; }

 private:
  void take(const Machine& m, std::uint64_t position);
  void thin();
  std::size_t count_bytes() const;
  HistoryOptions opt_;
  std::vector<Entry> entries_;
  std::size_t bytes_ = 0;
};

}  // namespace fs
