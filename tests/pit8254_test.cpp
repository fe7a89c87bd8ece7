// Mirrors devices/pit8254.cpp (Intel 8254 datasheet modes 0, 2, 3; exact tick <-> cycle
// conversion).
#include "devices/pit8254.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace fs;

namespace {
struct Edges {
  std::vector<std::pair<Cycles, bool>> seen;
};
// Program channel 0: control word, then count low/high, at cycle `at`.
void program(Pit8254& p, Cycles at, std::uint8_t control, std::uint16_t count) {
  p.io_write(at, 3, 1, control);
  p.io_write(at, 0, 1, count & 0xFF);
  p.io_write(at, 0, 1, count >> 8);
}
// Drive the PIT the way the machine does: jump from event to event up to `until`.
std::uint64_t rising_edges_until(Pit8254& p, Cycles until, std::vector<Cycles>* at = nullptr) {
  std::uint64_t n = 0;
  bool last = p.out(0, 0);
  p.set_out_handler(0, [&](bool level) {
    if (level && !last) ++n;
    last = level;
  });
  while (p.next_event() <= until) {
    Cycles c = p.next_event();
    std::uint64_t before = n;
    p.run_until(c);
    if (at && n != before) at->push_back(c);
  }
  return n;
}
}  // namespace

TEST_CASE("pit8254: cycle <-> tick conversion is exact integer arithmetic", "[pit8254]") {
  Pit8254 p(100'000'000);
  CHECK(p.tick_at(0) == 0);
  CHECK(p.tick_at(100'000'000) == 1193182);
  CHECK(p.tick_at(1'000'000'000'000ull) == 11'931'820'000ull);  // no drift after 10^12 cycles
  for (std::uint64_t t : {1ull, 1193ull, 1193182ull, 987654321ull}) {
    const Cycles c = p.cycle_of_tick(t);
    CHECK(p.tick_at(c) == t);
    CHECK(p.tick_at(c - 1) == t - 1);  // the first cycle of that tick
  }
}

TEST_CASE("pit8254: mode 2 with LATCH 1193 gives 1000 rising edges in 10^8 cycles", "[pit8254]") {
  Pit8254 p(100'000'000);
  program(p, 0, 0x34, 1193);
  std::vector<Cycles> at;
  CHECK(rising_edges_until(p, 100'000'000, &at) == 1000);
  // Edge k is at the first cycle of PIT tick 1 + 1193k (the count loads on the CLK after the
  // write).
  REQUIRE(at.size() == 1000);
  CHECK(at[0] == p.cycle_of_tick(1 + 1193));
  CHECK(at[999] == p.cycle_of_tick(1 + 1193ull * 1000));
}

TEST_CASE("pit8254: mode 2 OUT is low for exactly the one CLK where the count is 1", "[pit8254]") {
  Pit8254 p(1193182);  // one cycle per PIT tick makes the arithmetic visible
  program(p, 0, 0x34, 10);
  CHECK(p.out(0, 0));
  CHECK(p.out(0, 9));
  CHECK_FALSE(p.out(0, 10));  // load at tick 1, count 1 at tick 10
  CHECK(p.out(0, 11));        // reload: rising edge
  CHECK_FALSE(p.out(0, 20));
}

TEST_CASE("pit8254: mode 3 is a square wave with ceil(N/2) high", "[pit8254]") {
  Pit8254 p(1193182);
  program(p, 0, 0x36, 5);
  // load at tick 1: high for 3 ticks (1,2,3), low for 2 (4,5), high again at 6.
  CHECK(p.out(0, 1));
  CHECK(p.out(0, 3));
  CHECK_FALSE(p.out(0, 4));
  CHECK_FALSE(p.out(0, 5));
  CHECK(p.out(0, 6));
}

TEST_CASE("pit8254: mode 0 raises OUT once at terminal count", "[pit8254]") {
  Pit8254 p(1193182);
  program(p, 0, 0x30, 100);
  CHECK_FALSE(p.out(0, 50));
  CHECK_FALSE(p.out(0, 100));
  CHECK(p.out(0, 101));
  CHECK(rising_edges_until(p, 100000) == 1);
}

TEST_CASE("pit8254: the counter latch freezes the count for a lo/hi read", "[pit8254]") {
  Pit8254 p(1193182);
  program(p, 0, 0x34, 1000);
  p.io_write(100, 3, 1, 0x00);  // latch channel 0 at tick 100: count = 1000 - 99
  const std::uint32_t lo = p.io_read(500, 0, 1);
  const std::uint32_t hi = p.io_read(600, 0, 1);
  CHECK(((hi << 8) | lo) == 901);
  // Unlatched reads follow the clock.
  const std::uint32_t lo2 = p.io_read(200, 0, 1);
  const std::uint32_t hi2 = p.io_read(200, 0, 1);
  CHECK(((hi2 << 8) | lo2) == 801);
}

TEST_CASE("pit8254: lobyte-only access loads at once", "[pit8254]") {
  Pit8254 p(1193182);
  p.io_write(0, 3, 1, 0x14);  // channel 0, lobyte only, mode 2
  p.io_write(0, 0, 1, 50);
  std::vector<Cycles> at;
  CHECK(rising_edges_until(p, 1000, &at) == 19);  // edges at ticks 51, 101, ..., 951
  CHECK(at.front() == 51);
}

TEST_CASE("pit8254: unmodelled modes are reported, not guessed", "[pit8254]") {
  Pit8254 p(1193182);
  CHECK_THROWS_WITH(p.io_write(0, 3, 1, 0x32), Catch::Contains("mode 1"));
}
