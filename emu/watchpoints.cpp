#include "emu/watchpoints.hpp"

#include <algorithm>

namespace fs {

std::uint32_t watch_last(const Watchpoint& w) {
  const std::uint64_t last = std::uint64_t{w.addr} + std::max<std::uint32_t>(w.len, 1) - 1;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(last, 0xFFFFFFFFu));
}

bool watch_matches(const Watchpoint& w, std::uint32_t addr, unsigned size, bool write) {
  const bool kind_ok = w.kind == WatchKind::kAccess || (w.kind == WatchKind::kWrite) == write;
  if (!kind_ok || size == 0) return false;
  const std::uint64_t a = addr, b = std::uint64_t{addr} + size - 1;  // the access, inclusive
  return a <= watch_last(w) && w.addr <= b;
}

std::optional<WatchHit> first_watch_hit(const std::vector<Watchpoint>& list, std::uint32_t addr,
                                        unsigned size, bool write) {
  for (const Watchpoint& w : list)
    if (watch_matches(w, addr, size, write)) return WatchHit{w, addr, size, write};
  return std::nullopt;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> watch_ranges(
    const std::vector<Watchpoint>& list) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  out.reserve(list.size());
  for (const Watchpoint& w : list) out.emplace_back(w.addr, watch_last(w));
  return out;
}

}  // namespace fs
