// Mirrors emu/snapshot_history.cpp: snapshots at an interval, thinned under the memory cap with the
// start of history and the newest kept, and the lookup reverse execution replays from.
#include "emu/snapshot_history.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "emu/machine.hpp"

using namespace fs;

namespace {

std::string kernel() {
  return std::string(FS_BUILD_DIR) + "/guest/kernel.elf";
}

// Boots init=forktest with `h` taking snapshots at every boundary it is due; the boundary count.
std::uint64_t run_with(SnapshotHistory& h) {
  MachineOptions o;
  o.per_instruction = true;
  o.cmdline = "init=forktest";
  o.serial_out = [](std::uint8_t) {};
  Machine m(o);
  m.load(kernel());
  std::uint64_t position = 0;
  m.on_instruction([&](std::uint32_t, Cycles) { h.maybe_take(m, position++); });
  m.run();
  return position;
}

}  // namespace

TEST_CASE("snapshot history: one snapshot per interval, found at or before a position",
          "[snapshot_history]") {
  SnapshotHistory h(HistoryOptions{100'000, 1ull << 30});
  const std::uint64_t boundaries = run_with(h);
  REQUIRE(h.entries().size() == (boundaries + 99'999) / 100'000);
  for (std::size_t i = 0; i < h.entries().size(); ++i)
    CHECK(h.entries()[i].position == 100'000 * i);
  CHECK(h.index_at_or_before(0) == std::size_t{0});
  CHECK(h.index_at_or_before(99'999) == std::size_t{0});
  CHECK(h.index_at_or_before(100'000) == std::size_t{1});
  CHECK(h.index_at_or_before(250'000) == std::size_t{2});
  CHECK(h.bytes() < (1u << 30));
}

TEST_CASE("snapshot history: over the cap every second snapshot goes, the first and newest stay",
          "[snapshot_history]") {
  SnapshotHistory all(HistoryOptions{50'000, 1ull << 30});
  run_with(all);
  // A cap of a third of what they all hold.
  SnapshotHistory h(HistoryOptions{50'000, all.bytes() / 3});
  run_with(h);
  REQUIRE(h.entries().size() >= 2);
  CHECK(h.entries().size() < all.entries().size() / 2);
  CHECK(h.entries().front().position == 0);
  CHECK(h.entries().back().position == all.entries().back().position);
  CHECK(h.bytes() <= all.bytes() / 3);
  // What is left is a subset of the positions, each still a multiple of the interval.
  for (const auto& e : h.entries()) CHECK(e.position % 50'000 == 0);
  // With nothing under the cap the first and newest stay all the same.
  SnapshotHistory tiny(HistoryOptions{50'000, 1});
  run_with(tiny);
  REQUIRE(tiny.entries().size() == 2);
  CHECK(tiny.entries().front().position == 0);
}

TEST_CASE("snapshot history: interval 0 takes none", "[snapshot_history]") {
  SnapshotHistory h(HistoryOptions{0, 1ull << 30});
  run_with(h);
  CHECK(h.empty());
}
