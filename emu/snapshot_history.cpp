#include "emu/snapshot_history.hpp"

#include <algorithm>
#include <unordered_set>

#include "emu/machine.hpp"

namespace fs {

void SnapshotHistory::maybe_take(const Machine& m, std::uint64_t position) {
  if (opt_.interval == 0 || !m.at_snapshot_point()) return;
  if (!entries_.empty() && position < entries_.back().position + opt_.interval) return;
  take(m, position);
}

void SnapshotHistory::restart(const Machine& m, std::uint64_t position) {
  entries_.clear();
  bytes_ = 0;
  if (opt_.interval != 0 && m.at_snapshot_point()) take(m, position);
}

void SnapshotHistory::take(const Machine& m, std::uint64_t position) {
  Entry e{position, m.snapshot(entries_.empty() ? nullptr : &entries_.back().snapshot)};
  bytes_ += e.snapshot.own_bytes();
  entries_.push_back(std::move(e));
  if (bytes_ > opt_.max_bytes) thin();
}

std::optional<std::size_t> SnapshotHistory::index_at_or_before(std::uint64_t position) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), position,
                             [](std::uint64_t p, const Entry& e) { return p < e.position; });
  if (it == entries_.begin()) return std::nullopt;
  return static_cast<std::size_t>(it - entries_.begin() - 1);
}

void SnapshotHistory::thin() {
  // Question 1: keep the first and the newest, drop every second one between them, until under the
  // cap or nothing is left to drop. A page another snapshot still shares stays counted once.
  while (bytes_ > opt_.max_bytes && entries_.size() > 2) {
    std::vector<Entry> kept;
    kept.reserve(entries_.size() / 2 + 2);
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (i == 0 || i + 1 == entries_.size() || i % 2 == 0) kept.push_back(std::move(entries_[i]));
    }
    entries_ = std::move(kept);
    bytes_ = count_bytes();
  }
}

std::size_t SnapshotHistory::count_bytes() const {
  std::unordered_set<const RamPage*> pages;
  std::size_t other = 0;
  for (const Entry& e : entries_) {
    for (const auto& p : e.snapshot.ram)
      if (p) pages.insert(p.get());
    other += e.snapshot.own_bytes() - e.snapshot.fresh_pages * sizeof(RamPage);
  }
  return pages.size() * sizeof(RamPage) + other;
}

}  // namespace fs
