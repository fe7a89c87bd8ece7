// Mirrors emu/snapshot.cpp: a snapshot taken in the middle of a kernel run, restored after the run
// has gone on, gives the same history again, instruction for instruction (registers, cycles,
// deliveries, RAM, console), across a fork, an interrupt and a context switch; and the console
// shows nothing twice.
#include "emu/snapshot.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "emu/machine.hpp"
#include "trace/fnv1a.hpp"

using namespace fs;

namespace {

std::string kernel() {
  return std::string(FS_BUILD_DIR) + "/guest/kernel.elf";
}

MachineOptions options(std::string* console) {
  MachineOptions o;
  o.per_instruction = true;
  o.cmdline = "init=forktest";
  o.serial_out = [console](std::uint8_t b) { console->push_back(static_cast<char>(b)); };
  return o;
}

// One instruction boundary as an observer sees it: every register Reg names (EAX .. CR4), the
// cycle count and the instruction count.
struct Boundary {
  std::array<std::uint32_t, 22> regs{};
  Cycles cycles = 0;
  std::uint64_t instructions = 0;
  bool operator==(const Boundary&) const = default;
};

Boundary boundary(const Machine& m) {
  Boundary b;
  m.cpu().read_regs(b.regs.data(), b.regs.size());
  b.cycles = m.clock().now;
  b.instructions = m.stats().instructions;
  return b;
}

std::uint64_t ram_hash(const Machine& m) {
  return trace::fnv1a64(m.ram().data(), m.ram().size());
}

// What happened in a window of the run: its boundaries, the deliveries (vector, cycle), the
// console bytes and the RAM at its end.
struct Window {
  std::vector<Boundary> boundaries;
  std::vector<std::pair<unsigned, Cycles>> deliveries;
  std::string console;
  std::uint64_t ram = 0;
};

// The first boundary where two windows differ, for the failure message.
std::string first_difference(const Window& a, const Window& b) {
  const std::size_t n = std::min(a.boundaries.size(), b.boundaries.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Boundary &x = a.boundaries[i], &y = b.boundaries[i];
    if (x == y) continue;
    for (std::size_t r = 0; r < x.regs.size(); ++r)
      if (x.regs[r] != y.regs[r])
        return fmt::format("boundary {}: reg {} {:#x} then {:#x}", i, r, x.regs[r], y.regs[r]);
    return fmt::format("boundary {}: cycles {} then {}, instructions {} then {}", i, x.cycles,
                       y.cycles, x.instructions, y.instructions);
  }
  if (a.boundaries.size() != b.boundaries.size())
    return fmt::format("{} boundaries then {}", a.boundaries.size(), b.boundaries.size());
  return "none";
}

}  // namespace

TEST_CASE("snapshot: restoring mid-run replays a fork, an interrupt and a context switch exactly",
          "[snapshot]") {
  // The reference: the same run with no snapshot.
  std::string plain_console;
  Machine plain(options(&plain_console));
  plain.load(kernel());
  const RunResult plain_result = plain.run();
  REQUIRE(plain_result.exit_status == 0);

  std::string console;
  Machine m(options(&console));
  m.load(kernel());
  const std::uint32_t do_fork = *m.symbols().address_of("do_fork");
  const std::uint32_t switch_to = *m.symbols().address_of("__switch_to");
  constexpr std::size_t kWindow = 200'000;  // boundaries recorded after the snapshot

  std::optional<Snapshot> snap;
  int pass = 0;  // 0: before the snapshot, 1: recording, 2: replaying, 3: done
  std::size_t forks_seen = 0;
  Window first, second;
  std::size_t console_at_snapshot = 0;
  std::optional<std::size_t> ram_mismatch_after_restore{~std::size_t{0}};
  m.on_delivery([&](Machine& mm, const Delivery& d) {
    Window* w = pass == 1 ? &first : pass == 2 ? &second : nullptr;
    if (w) w->deliveries.emplace_back(d.vector, mm.clock().now);
  });
  m.on_instruction([&](std::uint32_t eip, Cycles) {
    if (pass == 0) {
      // The snapshot: at the second do_fork (a user process forking), so the window holds the fork,
      // the child's first run and timer interrupts.
      if (eip == do_fork && ++forks_seen == 2) {
        snap = m.snapshot();
        console_at_snapshot = console.size();
        pass = 1;
      }
      if (pass == 0) return;
    }
    Window* w = pass == 1 ? &first : pass == 2 ? &second : nullptr;
    if (!w) return;
    if (w->boundaries.size() < kWindow) {
      w->boundaries.push_back(boundary(m));
      return;
    }
    w->ram = ram_hash(m);
    w->console = console.substr(console_at_snapshot);
    if (pass == 1) {
      pass = 2;
      m.restore(*snap);
      // RAM is back at once; the CPU and the rest from the next boundary on.
      ram_mismatch_after_restore = first_differing_page(*snap, m.ram());
    } else {
      pass = 3;
    }
  });
  const RunResult r = m.run();
  REQUIRE(pass == 3);
  CHECK(ram_mismatch_after_restore == std::nullopt);

  // The window is worth replaying: a fork, a context switch, a timer interrupt and console output.
  auto passes = [&](std::uint32_t addr) {
    return std::count_if(first.boundaries.begin(), first.boundaries.end(),
                         [&](const Boundary& b) { return b.regs[8] == addr; });
  };
  CHECK(passes(switch_to) >= 1);
  CHECK(std::count_if(first.deliveries.begin(), first.deliveries.end(),
                      [](auto& d) { return d.first == 0x20; }) >= 1);  // IRQ0, the timer
  CHECK(std::count_if(first.deliveries.begin(), first.deliveries.end(),
                      [](auto& d) { return d.first == 0x80; }) >= 1);  // a system call
  CHECK(first.console.find("fork: pid") != std::string::npos);
  CHECK(first.boundaries.front().regs[8] == do_fork);

  // The replay is the history again.
  INFO("first difference: " << first_difference(first, second));
  CHECK(first.boundaries == second.boundaries);
  CHECK(first.deliveries == second.deliveries);
  CHECK(first.ram == second.ram);
  CHECK(first.console == second.console);

  // And the run, replay included, ends as the plain one: same status, cycles, instructions, and a
  // console with nothing shown twice.
  CHECK(r.exit_status == plain_result.exit_status);
  CHECK(m.clock().now == plain.clock().now);
  CHECK(m.stats().instructions == plain.stats().instructions);
  CHECK(console == plain_console);
  CHECK(ram_hash(m) == ram_hash(plain));
}

TEST_CASE("snapshot: a snapshot taken against an earlier one shares the pages that did not change",
          "[snapshot]") {
  std::string console;
  Machine m(options(&console));
  m.load(kernel());
  std::vector<Snapshot> snaps;
  std::uint64_t calls = 0;
  m.on_instruction([&](std::uint32_t, Cycles) {
    if (++calls % 50'000 != 0 || snaps.size() == 3) return;
    snaps.push_back(m.snapshot(snaps.empty() ? nullptr : &snaps.back()));
  });
  m.run();
  REQUIRE(snaps.size() == 3);
  const std::size_t pages = m.ram().size() / kSnapshotPageSize;
  CHECK(snaps[0].ram.size() == pages);
  // The kernel and its data are copied once; later snapshots copy exactly the pages that changed.
  CHECK(snaps[0].fresh_pages > 50);
  std::size_t shared = 0, copied = 0;
  for (std::size_t i = 0; i < pages; ++i) {
    const auto &now = snaps[1].ram[i], &before = snaps[0].ram[i];
    if (now == before) {
      shared += now != nullptr;
      continue;
    }
    ++copied;
    const RamPage zero{};
    CHECK(*(now ? now.get() : &zero) != *(before ? before.get() : &zero));
  }
  CHECK(shared > 50);
  CHECK(copied >= snaps[1].fresh_pages);
  CHECK(snaps[1].fresh_pages < pages / 100);
  CHECK(snaps[2].instructions > snaps[1].instructions);
  CHECK(snaps[2].cycles > snaps[1].cycles);
}

TEST_CASE("snapshot: outside an instruction observer it is refused", "[snapshot]") {
  std::string console;
  Machine m(options(&console));
  m.load(kernel());
  CHECK_THROWS_AS(m.snapshot(), std::logic_error);
  MachineOptions fast = options(&console);
  fast.per_instruction = false;
  Machine f(fast);
  f.load(kernel());
  CHECK_THROWS_AS(f.snapshot(), std::logic_error);
}

// The board's smaller chips are in the snapshot too (emu/pc_board.hpp): the CMOS index register and
// clock, port 0x61's bits and the i8042's queue. tests/machine/pc_devices.S reads them all; the
// snapshot is taken right after its first write to `port`, and the guest's next accesses read what
// that write and the ones after it left. A restore that missed a chip would replay different reads
// (port 0x61 before the gate is set, the self-test's answer).
TEST_CASE("snapshot: CMOS, port 0x61 and the i8042 come back with the machine", "[snapshot]") {
  const std::uint16_t port = GENERATE(std::uint16_t{0x70}, std::uint16_t{0x64});
  INFO("snapshot after the first write to port " << port);
  std::string console;
  MachineOptions o = options(&console);
  o.cmdline.clear();
  Machine m(o);
  m.load(std::string(FS_BUILD_DIR) + "/tests/machine/pc_devices.elf");
  constexpr std::size_t kWindow = 60'000;
  struct Io {
    std::uint16_t port;
    bool is_write;
    std::uint32_t value;
    bool operator==(const Io&) const = default;
  };
  struct Replayed {
    std::vector<Boundary> boundaries;
    std::vector<Io> io;
  };
  std::optional<Snapshot> snap;
  int pass = 0;  // 0: before the snapshot, 1: recording, 2: replaying, 3: done
  bool armed = false;
  Replayed first, second;
  m.on_port_io([&](std::uint16_t p, unsigned, bool is_write, std::uint32_t value) {
    if (pass == 0 && p == port && is_write) armed = true;
    Replayed* w = pass == 1 ? &first : pass == 2 ? &second : nullptr;
    if (w) w->io.push_back({p, is_write, value});
  });
  m.on_instruction([&](std::uint32_t, Cycles) {
    if (pass == 0) {
      if (!armed) return;
      snap = m.snapshot();
      pass = 1;
    }
    Replayed* w = pass == 1 ? &first : pass == 2 ? &second : nullptr;
    if (!w) return;
    if (w->boundaries.size() < kWindow) {
      w->boundaries.push_back(boundary(m));
      return;
    }
    if (pass == 1) {
      pass = 2;
      m.restore(*snap);
    } else {
      pass = 3;
    }
  });
  const RunResult r = m.run();
  CHECK(r.exit_status == 0);
  REQUIRE(pass == 3);
  // The window reaches every chip the snapshot must hold.
  auto reads = [&](std::uint16_t p) {
    return std::count_if(first.io.begin(), first.io.end(),
                         [&](const Io& i) { return i.port == p && !i.is_write; });
  };
  CHECK(reads(0x61) >= 1);
  CHECK(reads(0x60) >= 1);
  if (port == 0x70) CHECK(reads(0x71) >= 1);
  CHECK(first.io == second.io);
  INFO("first difference: " << first_difference(Window{first.boundaries, {}, {}, 0},
                                                Window{second.boundaries, {}, {}, 0}));
  CHECK(first.boundaries == second.boundaries);
}
