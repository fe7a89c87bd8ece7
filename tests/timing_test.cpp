// Mirrors emu/timing.hpp: block timing (fast mode, emu/block_timing.cpp) and instruction timing
// (trace mode, emu/insn_timing.cpp) must charge the same cycles to the same instructions, so
// every guest ends at the same instruction and cycle and takes every interrupt and exception at
// the same boundary, with the same frame, in both. One case per test guest, including those that
// end in a fault, a triple fault, a hole in memory or a reset, and the PC devices Linux probes.
#include <catch2/catch.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "emu/machine.hpp"
#include "tests/cli/cli_fixture.hpp"

using namespace fs;

namespace {

struct Run {
  StopReason reason{};
  int status = 0;
  std::uint64_t instructions = 0;
  Cycles cycles = 0;
  std::uint64_t tlb_flushes = 0;
  std::string console;
  // vector, return EIP, cycle, and the frame's first word: where each delivery happened.
  std::vector<std::tuple<unsigned, std::uint32_t, Cycles, std::uint32_t>> deliveries;
  std::uint32_t eip = 0, esp = 0, eax = 0;
};

Run run(const std::string& guest, bool per_instruction) {
  MachineOptions o;
  o.per_instruction = per_instruction;
  o.max_cycles = 50'000'000;
  Run r;
  o.serial_out = [&r](std::uint8_t b) { r.console.push_back(static_cast<char>(b)); };
  Machine m(o);
  m.load(testing::test_guest(guest));
  m.on_delivery([&r](Machine& mm, const Delivery& d) {
    r.deliveries.emplace_back(d.vector, d.from.eip, mm.clock().now, mm.read32(mm.reg(Reg::kEsp)));
  });
  const RunResult res = m.run();
  r.reason = res.reason;
  r.status = res.exit_status;
  r.instructions = m.stats().instructions;
  r.cycles = m.clock().now;
  r.tlb_flushes = m.tlb_flushes();
  r.eip = m.reg(Reg::kEip);
  r.esp = m.reg(Reg::kEsp);
  r.eax = m.reg(Reg::kEax);
  return r;
}

}  // namespace

TEST_CASE("timing: block and instruction timing agree on every test guest",
          "[timing][machine][slow]") {
  const auto guest = GENERATE(
      as<std::string>{}, "cmpxchg8b_flags", "cpuid_fpu", "exceptions", "exit_then_int",
      "exit_value", "fetch_fault", "hlt_cli", "i8042_reset", "into", "irq_boundary",
      "irq_if_windows", "pc_devices", "paging_alias", "paging_beyond", "paging_code_switch",
      "paging_cow", "paging_fault", "paging_high", "paging_in_ram", "pit_irq0", "pit_mode1",
      "ram_end", "rdtsc", "smc", "smc_alias", "spin", "syscall_ring3", "triple_fault");
  INFO(guest);
  const Run fast = run(guest, false);
  const Run slow = run(guest, true);
  CHECK(fast.reason == slow.reason);
  CHECK(fast.status == slow.status);
  CHECK(fast.instructions == slow.instructions);
  CHECK(fast.cycles == slow.cycles);
  CHECK(fast.tlb_flushes == slow.tlb_flushes);
  CHECK(fast.console == slow.console);
  CHECK(fast.deliveries == slow.deliveries);
  // A run that ends at a port access (a debug-exit OUT, the i8042's reset pulse, a device mode not
  // modelled): fast mode's Unicorn runs the rest of the translated block (its port accesses
  // ignored, the counters stopped at the access), so the registers then are not compared.
  if (fast.reason != StopReason::kGuestExit && fast.reason != StopReason::kReset &&
      fast.reason != StopReason::kUnimplemented) {
    CHECK(fast.eip == slow.eip);
    CHECK(fast.esp == slow.esp);
    CHECK(fast.eax == slow.eax);
  }
  CHECK(fast.instructions > 10);  // the guest ran
}

TEST_CASE("timing: an IRQ pending under IF=0 is taken right after STI, POPF or IRET sets IF",
          "[timing][machine]") {
  // tests/machine/irq_if_windows.S: 400 windows with IF=0, each longer than a PIT period; its
  // exit status is 0 when at least 100 ticks came. The case above compares the boundaries.
  const Run slow = run("irq_if_windows", true);
  CHECK(slow.reason == StopReason::kGuestExit);
  CHECK(slow.status == 0);
  CHECK(slow.deliveries.size() >= 300);  // 389: nearly every window ends with one
}
