// Mirrors devices/pit8254.cpp: Intel 8254 datasheet modes 0-5, count/latch/read-back reads, the
// exact tick <-> cycle conversion, and the closed-form jump-ahead checked against single CLKs.
#include "devices/pit8254.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

using namespace fs;

namespace {

constexpr std::uint64_t kOneCyclePerTick = kPitHz;  // cycle c is PIT tick c: timings read directly

// Control words: counter 0-2, lsb-then-msb, mode m, binary.
constexpr std::uint8_t control(int counter, int mode, int rw = Pit8254::kRwLsbMsb) {
  return static_cast<std::uint8_t>((counter << 6) | (rw << 4) | (mode << 1));
}

void program(Pit8254& p, Cycles at, int counter, int mode, std::uint16_t count) {
  p.io_write(at, 3, 1, control(counter, mode));
  p.io_write(at, static_cast<std::uint16_t>(counter), 1, count & 0xFF);
  p.io_write(at, static_cast<std::uint16_t>(counter), 1, count >> 8);
}

// Latch and read a lo/hi counter.
std::uint16_t latched_count(Pit8254& p, Cycles at, int counter) {
  p.io_write(at, 3, 1, static_cast<std::uint8_t>(counter << 6));  // counter latch command
  const std::uint32_t lo = p.io_read(at, static_cast<std::uint16_t>(counter), 1);
  const std::uint32_t hi = p.io_read(at, static_cast<std::uint16_t>(counter), 1);
  return static_cast<std::uint16_t>((hi << 8) | lo);
}

struct Edge {
  int channel;
  Cycles cycle;
  bool level;
  bool operator==(const Edge&) const = default;
};

// Records OUT edges with the cycle the machine was at, driving the PIT the way the machine does:
// from next_event() to next_event().
struct Recorder {
  Pit8254& p;
  std::vector<Edge> edges;
  Cycles now = 0;
  explicit Recorder(Pit8254& pit, std::vector<int> channels = {0}) : p(pit) {
    for (int ch : channels)
      p.set_out_handler(ch, [this, ch](bool level) { edges.push_back({ch, now, level}); });
  }
  void run_to(Cycles until) {
    while (p.next_event() <= until) {
      now = p.next_event();
      p.run_until(now);
    }
    now = until;
    p.run_until(until);
  }
  std::vector<Cycles> rising(int channel = 0) const {
    std::vector<Cycles> r;
    for (const Edge& e : edges)
      if (e.channel == channel && e.level) r.push_back(e.cycle);
    return r;
  }
};

// ceil(tick * hz / kPitHz): the first cycle of a PIT tick, computed independently of the device.
Cycles first_cycle(std::uint64_t tick, std::uint64_t hz) {
  const unsigned __int128 n = static_cast<unsigned __int128>(tick) * hz;
  return static_cast<Cycles>((n + kPitHz - 1) / kPitHz);
}

}  // namespace

// ---- the clock
// ------------------------------------------------------------------------------------------

TEST_CASE("pit8254: cycle <-> tick conversion is exact integer arithmetic", "[pit8254]") {
  Pit8254 p(100'000'000);
  CHECK(p.tick_at(0) == 0);
  CHECK(p.tick_at(100'000'000) == 1193182);
  CHECK(p.tick_at(1'000'000'000'000ull) == 11'931'820'000ull);  // no drift after 10^12 cycles
  for (std::uint64_t t : {1ull, 1193ull, 1193182ull, 987654321ull, 11'931'820'001ull}) {
    const Cycles c = p.cycle_of_tick(t);
    CHECK(c == first_cycle(t, 100'000'000));
    CHECK(p.tick_at(c) == t);
    CHECK(p.tick_at(c - 1) == t - 1);  // c is the first cycle of that tick
  }
}

TEST_CASE("pit8254: mode 2 with LATCH 1193 gives 1000 rising edges in 10^8 cycles", "[pit8254]") {
  Pit8254 p(100'000'000);
  program(p, 0, 0, 2, 1193);
  Recorder r(p);
  r.run_to(100'000'000);
  const std::vector<Cycles> up = r.rising();
  REQUIRE(up.size() == 1000);
  // The count loads on CLK 1 (the CLK after the write); edge k rises on the reload at CLK
  // 1 + 1193k, and the machine sees it at the first cycle of that tick.
  for (std::size_t k = 1; k <= up.size(); ++k)
    REQUIRE(up[k - 1] == first_cycle(1 + 1193 * k, 100'000'000));
  CHECK(up[0] == 100'069);  // ceil(1194 * 10^8 / 1193182)
  // Every falling edge is one CLK before its rising edge.
  REQUIRE(r.edges.size() == 2000);
  CHECK(r.edges[0] == Edge{0, first_cycle(1193, 100'000'000), false});
}

TEST_CASE("pit8254: mode 2 edges stay on the integer formula at 10^9 and 10^12 cycles",
          "[pit8254]") {
  const std::uint64_t hz = 100'000'000;
  Pit8254 p(hz);
  program(p, 0, 0, 2, 1193);
  std::uint64_t rises = 0;
  p.set_out_handler(0, [&](bool level) { rises += level; });
  for (Cycles at : {1'000'000'000ull, 1'000'000'000'000ull}) {
    p.run_until(at);
    const std::uint64_t t = p.tick_at(at);
    CHECK(t == static_cast<std::uint64_t>(static_cast<unsigned __int128>(at) * kPitHz / hz));
    CHECK(rises == (t - 1) / 1193);  // rising edges at ticks 1 + 1193k <= t
    // The next edge: falling at 1193k or rising at 1193k + 1, whichever comes first after t.
    const std::uint64_t next_fall = (t / 1193 + 1) * 1193;
    const std::uint64_t next_edge = (t % 1193 == 0) ? t + 1 : next_fall;
    CHECK(p.next_event() == first_cycle(next_edge, hz));
  }
  CHECK(rises == 10'001'525);
}

TEST_CASE("pit8254: next_event is the first cycle of the edge's CLK at any CPU clock",
          "[pit8254]") {
  for (std::uint64_t hz : {33'333'333ull, 100'000'000ull, 1'000'000'007ull}) {
    Pit8254 p(hz);
    program(p, 0, 0, 3, 11932);  // ~100 Hz square wave
    Recorder r(p);
    r.run_to(hz + hz / 100);  // 1.01 s: rising edges at CLK 1 + 11932k, k = 1..100
    CHECK(r.rising().size() == 100);
    for (const Edge& e : r.edges) {
      const std::uint64_t t = p.tick_at(e.cycle);
      CHECK(p.tick_at(e.cycle - 1) == t - 1);  // no earlier cycle is in that CLK
    }
  }
}

// ---- mode 2
// ---------------------------------------------------------------------------------------------

TEST_CASE("pit8254: mode 2 reloads when count reaches 1", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 0, 2, 5);  // written at tick 0, loaded at tick 1
  const std::uint16_t expect[] = {5, 4, 3, 2, 1, 5, 4, 3, 2, 1, 5};
  for (int i = 0; i < 11; ++i) {
    INFO("tick " << i + 1);
    CHECK(latched_count(p, 1 + i, 0) == expect[i]);
    CHECK(p.out(0, 1 + i) == (expect[i] != 1));  // low for exactly the CLK at count 1
  }
  CHECK(p.out(0, 0));  // high from the control word
}

TEST_CASE("pit8254: mode 2 edges are reported once each, at the exact cycle", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 7, 0, 2, 10);  // load at tick 8
  Recorder r(p);
  r.run_to(40);
  const std::vector<Edge> want = {{0, 17, false}, {0, 18, true},  {0, 27, false},
                                  {0, 28, true},  {0, 37, false}, {0, 38, true}};
  CHECK(r.edges == want);
}

TEST_CASE("pit8254: mode 2 takes a new count at the next reload, not at once", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 0, 2, 10);  // load at 1, reloads at 11, 21, ...
  p.io_write(5, 0, 1, 4);   // new count 4, written mid-period
  p.io_write(5, 0, 1, 0);
  CHECK(latched_count(p, 6, 0) == 5);  // the current period goes on: 10 - 5
  Recorder r(p);
  r.run_to(30);
  const std::vector<Edge> want = {{0, 10, false}, {0, 11, true}, {0, 14, false}, {0, 15, true},
                                  {0, 18, false}, {0, 19, true}, {0, 22, false}, {0, 23, true},
                                  {0, 26, false}, {0, 27, true}, {0, 30, false}};
  CHECK(r.edges == want);
}

TEST_CASE("pit8254: a count of 0 is 65536", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 0, 2, 0);
  CHECK(latched_count(p, 1, 0) == 0);  // 65536 reads as 0
  CHECK(latched_count(p, 2, 0) == 0xFFFF);
  Recorder r(p);
  r.run_to(200'000);
  CHECK(r.rising() == std::vector<Cycles>{1 + 65536, 1 + 2 * 65536, 1 + 3 * 65536});
}

TEST_CASE("pit8254: mode 2 count 1 is warned once and OUT stays high", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 0, 2, 1);
  program(p, 0, 0, 2, 1);
  REQUIRE(p.warnings().size() == 1);
  CHECK(p.warnings()[0] == "pit8254: count below the mode 2 minimum of 2 (1)");
  Recorder r(p);
  r.run_to(1000);
  CHECK(r.edges.empty());
  CHECK(p.next_event() == kNever);
}

TEST_CASE("pit8254: GATE low in mode 2 holds OUT high and stops counting, rising reloads",
          "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 2, 2, 10);  // channel 2: load at 1
  Recorder r(p, {2});
  r.run_to(10);  // count 1 at tick 10: OUT low
  CHECK_FALSE(p.out(2, 10));
  p.set_gate(2, false, 10);
  CHECK(r.edges.back() == Edge{2, 10, true});  // forced high at once
  CHECK(latched_count(p, 50, 2) == 1);         // frozen
  p.set_gate(2, true, 50);                     // trigger: reload on CLK 51
  CHECK(latched_count(p, 51, 2) == 10);
  r.run_to(70);
  CHECK(r.rising(2) == std::vector<Cycles>{10, 61});
}

// ---- mode 3
// ---------------------------------------------------------------------------------------------

TEST_CASE("pit8254: mode 3 even count: N/2 high, N/2 low, counting by two", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 0, 3, 6);  // load at 1
  const std::uint16_t count[] = {6, 4, 2, 6, 4, 2, 6};
  const bool out[] = {true, true, true, false, false, false, true};
  for (int i = 0; i < 7; ++i) {
    INFO("tick " << i + 1);
    CHECK(latched_count(p, 1 + i, 0) == count[i]);
    CHECK(p.out(0, 1 + i) == out[i]);
  }
}

TEST_CASE("pit8254: mode 3 odd count: (N+1)/2 high, (N-1)/2 low", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 0, 3, 5);  // load at 1 with N-1 = 4
  const std::uint16_t count[] = {4, 2, 0, 4, 2, 4, 2, 0, 4};
  const bool out[] = {true, true, true, false, false, true, true, true, false};
  for (int i = 0; i < 9; ++i) {
    INFO("tick " << i + 1);
    CHECK(latched_count(p, 1 + i, 0) == count[i]);
    CHECK(p.out(0, 1 + i) == out[i]);
  }
  Recorder r(p);
  r.run_to(30);
  // Edges (from tick 9 on): low at 9, high 11, low 14, high 16, ...
  const std::vector<Edge> want = {{0, 11, true}, {0, 14, false}, {0, 16, true}, {0, 19, false},
                                  {0, 21, true}, {0, 24, false}, {0, 26, true}, {0, 29, false}};
  CHECK(r.edges == want);
}

TEST_CASE("pit8254: mode 3 LATCH 1193 at 100 MHz: 1000 periods a second", "[pit8254]") {
  Pit8254 p(100'000'000);
  program(p, 0, 0, 3, 1193);
  Recorder r(p);
  r.run_to(100'000'000);
  const std::vector<Cycles> up = r.rising();
  REQUIRE(up.size() == 1000);
  // High for 597 CLKs, low for 596: rising edges at CLK 1 + 1193k.
  CHECK(up[0] == first_cycle(1 + 1193, 100'000'000));
  CHECK(up[999] == first_cycle(1 + 1193 * 1000, 100'000'000));
  CHECK(r.edges[0] == Edge{0, first_cycle(1 + 597, 100'000'000), false});
}

// ---- mode 0, 1, 4, 5
// ------------------------------------------------------------------------------------

TEST_CASE("pit8254: mode 0 raises OUT N+1 CLKs after the count, once", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  Recorder r(p);
  program(p, 10, 0, 0, 100);
  CHECK(r.edges == std::vector<Edge>{{0, 0, false}});  // the control word sets OUT low
  CHECK_FALSE(p.out(0, 110));
  CHECK(p.out(0, 111));
  r.run_to(112);
  CHECK(latched_count(p, 112, 0) == 0xFFFF);  // the counter wraps and goes on
  r.run_to(200'000);
  CHECK(r.edges == std::vector<Edge>{{0, 0, false}, {0, 111, true}});
}

TEST_CASE("pit8254: mode 0 first byte of a rewrite stops the count and drops OUT", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 0, 0, 10);  // OUT high at 11
  Recorder r(p);
  r.run_to(20);
  p.io_write(20, 0, 1, 5);  // first byte
  CHECK_FALSE(p.out(0, 20));
  CHECK(latched_count(p, 40, 0) == 0xFFF7);  // 0 at 11, -9 at 20; stopped since
  p.io_write(40, 0, 1, 0);                   // second byte: count 5 loads at 41
  r.run_to(100);
  CHECK(r.edges == std::vector<Edge>{{0, 11, true}, {0, 20, false}, {0, 46, true}});
}

TEST_CASE("pit8254: mode 0 GATE low pauses counting", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 2, 0, 10);  // load at 1, would expire at 11
  p.set_gate(2, false, 5);  // counted 5 -> 6 left
  p.set_gate(2, true, 25);
  CHECK_FALSE(p.out(2, 30));
  CHECK(p.out(2, 31));
}

TEST_CASE("pit8254: mode 1 one-shot starts on a GATE rising edge", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  p.set_gate(2, false, 0);
  program(p, 0, 2, 1, 8);
  Recorder r(p, {2});
  r.run_to(50);
  CHECK(r.edges.empty());   // no trigger, no one-shot
  p.set_gate(2, true, 50);  // trigger: OUT low from CLK 51 for 8 CLKs
  r.run_to(100);
  CHECK(r.edges == std::vector<Edge>{{2, 51, false}, {2, 59, true}});
  // Retriggering during the one-shot restarts it.
  p.set_gate(2, false, 100);
  p.set_gate(2, true, 100);
  r.run_to(105);
  p.set_gate(2, false, 105);
  p.set_gate(2, true, 105);
  r.run_to(200);
  CHECK(r.edges ==
        std::vector<Edge>{{2, 51, false}, {2, 59, true}, {2, 101, false}, {2, 114, true}});
  // Channel 0's gate is tied high: mode 1 there never fires.
  program(p, 200, 0, 1, 8);
  CHECK(p.out(0, 1'000'000));
}

TEST_CASE("pit8254: mode 4 strobes OUT low for one CLK, N+1 CLKs after the count", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 1, 4, 20);
  Recorder r(p, {1});
  r.run_to(200'000);
  CHECK(r.edges == std::vector<Edge>{{1, 21, false}, {1, 22, true}});  // once, not per wrap
}

TEST_CASE("pit8254: mode 5 strobes N+1 CLKs after a GATE trigger", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  p.set_gate(2, false, 0);
  program(p, 0, 2, 5, 3);
  Recorder r(p, {2});
  p.set_gate(2, true, 10);
  r.run_to(100);
  CHECK(r.edges == std::vector<Edge>{{2, 14, false}, {2, 15, true}});
}

// ---- reads
// ----------------------------------------------------------------------------------------------

TEST_CASE("pit8254: the counter latch holds the count until both bytes are read", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 0, 2, 1000);
  p.io_write(100, 3, 1, 0x00);  // latch at tick 100: 1000 - 99
  p.io_write(150, 3, 1, 0x00);  // a second latch before the read is ignored
  const std::uint32_t lo = p.io_read(500, 0, 1);
  const std::uint32_t hi = p.io_read(600, 0, 1);
  CHECK(((hi << 8) | lo) == 901);
  // Unlatched reads follow the clock, one byte at a time.
  CHECK(p.io_read(700, 0, 1) == ((1000 - 699) & 0xFF));
  CHECK(p.io_read(701, 0, 1) == ((1000 - 700) >> 8));
}

TEST_CASE("pit8254: lsb-only and msb-only access", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  p.io_write(0, 3, 1, control(0, 2, Pit8254::kRwLsb));
  p.io_write(0, 0, 1, 50);  // one byte is the whole count
  Recorder r(p);
  r.run_to(1000);
  CHECK(r.rising().size() == 19);  // edges at ticks 51, 101, ..., 951
  CHECK(r.rising().front() == 51);
  CHECK(p.io_read(1000, 0, 1) == 50 - (1000 - 951));  // reads the low byte
  p.io_write(1000, 3, 1, control(1, 2, Pit8254::kRwMsb));
  p.io_write(1000, 1, 1, 0x12);  // count 0x1200
  p.io_write(1001, 3, 1, 0x40);  // latch counter 1
  CHECK(p.io_read(1001, 1, 1) == 0x12);
  CHECK(p.io_read(1200, 1, 1) == (0x1200 - 199) >> 8);
}

TEST_CASE("pit8254: read-back latches status then count, null count clears on load", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  p.io_write(0, 3, 1, control(2, 3));
  p.io_write(0, 2, 1, 0x34);
  p.io_write(0, 2, 1, 0x12);
  p.io_write(0, 3, 1, 0xC8);  // read-back: count and status of counter 2, at tick 0
  CHECK(p.io_read(0, 2, 1) == (0x80 | 0x40 | (control(2, 3) & 0x3F)));  // OUT, null count, RW/M/BCD
  CHECK(p.io_read(0, 2, 1) == 0x00);  // CE not loaded yet: it still holds 0
  CHECK(p.io_read(0, 2, 1) == 0x00);
  p.io_write(5, 3, 1, 0xE8);  // status only, at tick 5 (loaded at 1, 0x1234 - 8)
  CHECK(p.io_read(5, 2, 1) == (0x80 | (control(2, 3) & 0x3F)));
  CHECK(p.io_read(5, 2, 1) == 0x2C);  // then the live count, mode 3 steps by two: 0x1234 - 2*4
  CHECK(p.io_read(5, 2, 1) == 0x12);
  p.io_write(6, 3, 1, 0xD8);  // count only, counter 2
  p.io_write(9, 3, 1, 0xD8);  // a second latch before the read is ignored
  CHECK(p.io_read(20, 2, 1) == 0x2A);
  CHECK(p.io_read(20, 2, 1) == 0x12);
}

TEST_CASE("pit8254: a control word drops latches and resets the byte flip-flops", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 0, 2, 0x1234);
  p.io_write(10, 3, 1, 0x00);
  CHECK(p.io_read(10, 0, 1) == ((0x1234 - 9) & 0xFF));  // half read
  p.io_write(10, 3, 1, control(0, 2));
  p.io_write(10, 0, 1, 0x10);  // the write flip-flop restarted with the low byte
  p.io_write(10, 0, 1, 0x00);
  CHECK(latched_count(p, 11, 0) == 0x10);
}

TEST_CASE("pit8254: the control port reads as a floating bus, BCD throws", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  CHECK(p.io_read(0, 3, 1) == 0xFF);
  CHECK_THROWS_WITH(p.io_write(0, 3, 1, 0x35), Catch::Contains("pit8254: BCD"));
  CHECK_NOTHROW(p.io_write(0, 3, 1, control(0, 6)));  // 6 and 7 alias 2 and 3
  CHECK(p.counter(0).mode == 2);
}

// ---- order of events
// ------------------------------------------------------------------------------------

TEST_CASE("pit8254: edges fire in time order, the same CLK in channel order", "[pit8254]") {
  Pit8254 p(kOneCyclePerTick);
  program(p, 0, 2, 2, 5);  // channel 2: low at 5, high at 6, low at 10, ...
  program(p, 0, 0, 2, 4);  // channel 0: low at 4, high at 5, low at 8, high 9, low 12 ...
  std::vector<Edge> seen;
  for (int ch : {0, 2})
    p.set_out_handler(ch, [&, ch](bool level) { seen.push_back({ch, 0, level}); });
  p.run_until(10);  // one jump: still time-ordered
  const std::vector<Edge> want = {{0, 0, false}, {0, 0, true}, {2, 0, false}, {2, 0, true},
                                  {0, 0, false}, {0, 0, true}, {2, 0, false}};
  CHECK(seen == want);
  // Ticks: ch0 4 5 _ 8 9; ch2 5 6 10 -> at tick 5 channel 0 (rise) goes before channel 2 (fall).
}

// ---- the closed form against single CLKs
// ----------------------------------------------------------------

TEST_CASE("pit8254: advance(k) equals k single CLKs and clks_to_edge finds the edge", "[pit8254]") {
  std::uint64_t seed = 12345;
  auto rnd = [&](std::uint64_t n) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (seed >> 33) % n;
  };
  auto same = [](const Pit8254::Counter& a, const Pit8254::Counter& b) {
    return a.ce == b.ce && a.out == b.out && a.ce_odd == b.ce_odd && a.armed == b.armed &&
           a.running == b.running && a.load_pending == b.load_pending &&
           a.null_count == b.null_count;
  };
  const std::uint16_t counts[] = {1, 2, 3, 4, 5, 6, 7, 10, 11, 255, 256, 1193, 0xFFFF, 0};
  int checked = 0;
  for (int mode = 0; mode <= 5; ++mode) {
    for (std::uint16_t n : counts) {
      for (int trial = 0; trial < 6; ++trial) {
        Pit8254::Counter c;
        c.mode = static_cast<std::uint8_t>(mode);
        c.cr = n;
        c.cr_written = true;
        c.load_pending = true;
        c.out = mode != 0;
        c.gate = trial != 5 || mode == 1 || mode == 5;  // one trial with GATE low
        // Wander to a random phase, sometimes changing CR on the way.
        const std::uint64_t pre = rnd(3 * (n ? n : 65536ull) + 3);
        for (std::uint64_t i = 0; i < pre; ++i) Pit8254::step_clk(c);
        if (trial == 3) c.cr = counts[rnd(14)];
        const std::uint64_t k = trial == 4 ? 200'000 + rnd(1000) : rnd(3 * (n ? n : 65536ull) + 3);
        Pit8254::Counter stepped = c, jumped = c;
        for (std::uint64_t i = 0; i < k; ++i) Pit8254::step_clk(stepped);
        Pit8254::advance(jumped, k);
        INFO("mode " << mode << " count " << n << " trial " << trial << " pre " << pre << " k "
                     << k);
        REQUIRE(same(stepped, jumped));
        // The edge distance: the first CLK at which a single-stepped copy changes OUT.
        Pit8254::Counter walk = c;
        std::uint64_t d = 0;
        while (d < 140'000) {
          Pit8254::step_clk(walk);
          ++d;
          if (walk.out != c.out) break;
        }
        const std::uint64_t want = walk.out != c.out ? d : Pit8254::kNoEdge;
        REQUIRE(Pit8254::clks_to_edge(c) == want);
        ++checked;
      }
    }
  }
  CHECK(checked == 6 * 14 * 6);
}

TEST_CASE("pit8254: rising-only deadlines skip falling edges, the handler still sees every edge",
          "[pit8254]") {
  // The machine's IRQ0 wiring (emu/machine.cpp): next_event() names only rising edges, yet a
  // machine that runs the PIT only at those deadlines sees the same edges, in the same order, at
  // the same cycles as one that stops at every edge.
  for (int mode : {2, 3}) {
    Pit8254 every(kOneCyclePerTick), rising(kOneCyclePerTick);
    program(every, 0, 0, mode, 7);
    program(rising, 0, 0, mode, 7);
    std::vector<Edge> a, b;
    Cycles now_b = 0;
    every.set_out_handler(0, [&](bool level) { a.push_back({0, 0, level}); });
    rising.set_out_handler(
        0,
        [&](bool level) {
          b.push_back({0, now_b, level});
        },
        true);
    std::vector<Cycles> deadlines;
    while (rising.next_event() <= 100) {
      now_b = rising.next_event();
      deadlines.push_back(now_b);
      rising.run_until(now_b);
    }
    every.run_until(100);
    rising.run_until(100);
    INFO("mode " << mode);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].level == b[i].level);
    // Each deadline is a rising edge: the last edge delivered there rose.
    for (Cycles d : deadlines) {
      bool last = false;
      for (const Edge& e : b)
        if (e.cycle == d) last = e.level;
      CHECK(last);
    }
    // Mode 2 with count 7: OUT falls at CLK 6 + 7k and rises one CLK later.
    if (mode == 2) CHECK(deadlines.front() == 8);
  }
}
