// Mirrors emu/watchpoints.cpp (what a watchpoint matches) and Machine::set_watchpoints (issue 14):
// a hit stops the run right after the accessing instruction, at the same instruction and cycle in
// both run modes, beside the guest's own data breakpoints, and the memory hook goes when the last
// watchpoint does.
#include "emu/watchpoints.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "emu/machine.hpp"

using namespace fs;

namespace {

struct Hit {
  std::uint64_t seq;  // instructions retired
  Cycles at;
  std::uint32_t eip;
  Watchpoint wp;
  bool write;
  std::uint32_t value;  // the watched dword at the stop
  bool in_do_timer;     // the kernel's tick (the boot's BSS clear writes jiffies too)
  bool operator==(const Hit&) const = default;
};

struct WatchRun {
  RunResult result;
  std::vector<Hit> hits;
  std::string console;
  // Trace mode: the last instruction observed before each stop, and where it ends.
  std::vector<std::uint32_t> before, before_end;
  std::vector<Hit> ticks() const {
    std::vector<Hit> out;
    for (const Hit& h : hits)
      if (h.in_do_timer) out.push_back(h);
    return out;
  }
};

std::string path(const std::string& rel) {
  return std::string(FS_BUILD_DIR) + "/" + rel;
}

// Runs `image`, watching what `make` returns (given the loaded machine, for its symbols).
template <typename F>
WatchRun watch_run(const std::string& image, const std::string& cmdline, bool per_instruction,
                   F&& make) {
  MachineOptions o;
  o.per_instruction = per_instruction;
  o.cmdline = cmdline;
  WatchRun out;
  o.serial_out = [&out](std::uint8_t b) { out.console.push_back(static_cast<char>(b)); };
  Machine m(o);
  m.load(path(image));
  const std::vector<Watchpoint> w = make(m);
  m.set_watchpoints(w);
  std::uint32_t last = 0, last_end = 0;
  if (per_instruction) {
    m.on_instruction([&](std::uint32_t eip, Cycles) {
      last = eip;
      last_end = eip + m.current_instruction().len;
    });
  }
  m.on_watch([&](const WatchHit& h) {
    const std::uint32_t eip = m.reg(Reg::kEip);
    out.before.push_back(last);
    out.before_end.push_back(last_end);
    out.hits.push_back(Hit{m.stats().instructions, m.clock().now, eip, h.wp, h.write,
                           m.read32(w.front().addr), m.describe(eip).starts_with("do_timer+")});
  });
  out.result = m.run();
  return out;
}

std::uint32_t sym(const Machine& m, const char* name) {
  auto a = m.symbols().address_of(name);
  REQUIRE(a.has_value());
  return *a;
}

std::string file_text(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("watchpoints: kinds, ranges and accesses across an edge", "[watchpoints]") {
  const Watchpoint w{0x1000, 4, WatchKind::kWrite};
  CHECK(watch_matches(w, 0x1000, 4, true));
  CHECK_FALSE(watch_matches(w, 0x1000, 4, false));  // a write watch ignores reads
  CHECK(watch_matches(w, 0x0FFE, 4, true));         // straddles the first byte
  CHECK(watch_matches(w, 0x1003, 2, true));         // straddles the last
  CHECK_FALSE(watch_matches(w, 0x0FFC, 4, true));   // ends just before
  CHECK_FALSE(watch_matches(w, 0x1004, 1, true));   // starts just after
  const Watchpoint r{0x2000, 1, WatchKind::kRead}, a{0x3000, 40, WatchKind::kAccess};
  CHECK(watch_matches(r, 0x1FFD, 4, false));
  CHECK_FALSE(watch_matches(r, 0x2000, 1, true));
  CHECK(watch_matches(a, 0x3027, 1, false));  // a struct-sized range, any length
  CHECK(watch_matches(a, 0x3010, 8, true));
  CHECK_FALSE(watch_matches(a, 0x3028, 1, true));
  // The top of the address space: no wrap to 0.
  const Watchpoint top{0xFFFFFFFE, 8, WatchKind::kAccess};
  CHECK(watch_last(top) == 0xFFFFFFFFu);
  CHECK_FALSE(watch_matches(top, 0, 4, true));
  CHECK(watch_matches(top, 0xFFFFFFFC, 4, false));
  auto hit = first_watch_hit({w, a}, 0x3002, 2, false);
  REQUIRE(hit.has_value());
  CHECK(hit->wp == a);
  CHECK(hit->addr == 0x3002);
  CHECK_FALSE(first_watch_hit({w, r}, 0x1000, 4, false).has_value());
  CHECK(watch_ranges({w, a}) ==
        std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0x1000, 0x1003}, {0x3000, 0x3027}});
}

TEST_CASE("watchpoints: the hook is installed only while a watchpoint is set", "[watchpoints]") {
  MachineOptions o;
  o.serial_out = [](std::uint8_t) {};
  Machine m(o);
  m.load(path("tests/machine/spin.elf"));
  CHECK_FALSE(m.watching_data());
  m.set_watchpoints({{0x1000, 4, WatchKind::kWrite}, {0x2000, 2, WatchKind::kRead}});
  CHECK(m.watching_data());
  m.set_watchpoints({});
  CHECK_FALSE(m.watching_data());  // Unicorn's fast store path is back
}

TEST_CASE("watchpoints: a write watch on jiffies stops after the store, alike in both modes",
          "[watchpoints]") {
  std::uint32_t jiffies = 0;
  auto make = [&](Machine& m) {
    jiffies = sym(m, "jiffies");
    return std::vector<Watchpoint>{{jiffies, 4, WatchKind::kWrite}};
  };
  WatchRun fast = watch_run("guest/kernel.elf", "init=forktest", false, make);
  WatchRun slow = watch_run("guest/kernel.elf", "init=forktest", true, make);
  REQUIRE(slow.result.reason == StopReason::kGuestExit);
  CHECK(fast.hits == slow.hits);  // same instruction count, cycle and EIP at every stop
  CHECK(fast.console == slow.console);
  const std::vector<Hit> ticks = slow.ticks();
  REQUIRE(ticks.size() >= 2);
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    INFO("tick " << i);
    CHECK(ticks[i].value == i + 1);  // the store has happened: jiffies counts the ticks
    CHECK(ticks[i].write);
    CHECK(ticks[i].eip == ticks[0].eip);
  }
  // Right after the storing instruction: the one the observer saw last ends at each stop's EIP;
  // the BSS clear's REP STOSL stops after the iteration that stored there, at itself (SDM vol. 3B
  // 17.3.1.2), with ECX counting the rest.
  for (std::size_t i = 0; i < slow.hits.size(); ++i) {
    INFO("hit " << i << " at " << std::hex << slow.hits[i].eip);
    if (slow.hits[i].in_do_timer)
      CHECK(slow.before_end[i] == slow.hits[i].eip);
    else
      CHECK(slow.before[i] == slow.hits[i].eip);
  }
}

TEST_CASE("watchpoints: a struct-sized range, an edge-straddling store and a read watch",
          "[watchpoints]") {
  std::uint32_t jiffies = 0;
  // jiffies_64 (8 bytes): the high half's adcl and the low half's store both hit, each tick; a
  // one-byte watch on the low half's last byte is hit by the 4-byte store that starts below it.
  auto both = [&](Machine& m) {
    jiffies = sym(m, "jiffies_64");
    return std::vector<Watchpoint>{{jiffies, 8, WatchKind::kWrite}};
  };
  auto edge = [&](Machine& m) {
    return std::vector<Watchpoint>{{sym(m, "jiffies") + 3, 1, WatchKind::kWrite}};
  };
  auto reads = [&](Machine& m) {
    return std::vector<Watchpoint>{{sym(m, "jiffies"), 4, WatchKind::kRead}};
  };
  WatchRun one = watch_run("guest/kernel.elf", "init=forktest", true, edge);
  WatchRun two = watch_run("guest/kernel.elf", "init=forktest", true, both);
  const std::vector<Hit> one_t = one.ticks(), two_t = two.ticks();
  REQUIRE(one_t.size() >= 2);
  REQUIRE(two_t.size() == 2 * one_t.size());
  for (std::size_t i = 0; i < one_t.size(); ++i) {
    CHECK(two_t[2 * i + 1].eip == one_t[i].eip);
    CHECK(two_t[2 * i].eip != one_t[i].eip);  // the adcl's stop comes first
  }
  WatchRun rf = watch_run("guest/kernel.elf", "init=forktest", false, reads);
  WatchRun rs = watch_run("guest/kernel.elf", "init=forktest", true, reads);
  REQUIRE(rs.ticks().size() >= one_t.size());
  CHECK(rf.hits == rs.hits);
  for (const Hit& h : rs.hits) CHECK_FALSE(h.write);
}

TEST_CASE("watchpoints: the guest's data breakpoints work beside them, gdb's stop comes first",
          "[watchpoints]") {
  const std::string expected =
      file_text(std::string(FS_SOURCE_DIR) + "/tests/conformance/debug_regs.expected");
  std::uint32_t write_after = 0, read_after = 0;
  auto make = [&](Machine& m) {
    write_after = sym(m, "write_after");
    read_after = sym(m, "read_after");
    return std::vector<Watchpoint>{{sym(m, "watched"), 4, WatchKind::kAccess}};
  };
  std::vector<Hit> fast_hits;
  for (bool per_instruction : {false, true}) {
    INFO("per_instruction " << per_instruction);
    WatchRun r = watch_run("tests/conformance/debug_regs.elf", "", per_instruction, make);
    if (!per_instruction) fast_hits = r.hits;
    if (per_instruction) CHECK(r.hits == fast_hits);
    CHECK(r.console == expected);  // every check of DR0-DR3 still passes
    CHECK(r.result.exit_status == 0);
    // The accesses DR2 and DR3 trap on stop gdb first, at the same EIP the #DB reports.
    auto at = [&](std::uint32_t eip) {
      for (const Hit& h : r.hits)
        if (h.eip == eip) return true;
      return false;
    };
    CHECK(at(write_after));
    CHECK(at(read_after));
  }
}
