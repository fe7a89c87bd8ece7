// Mirrors emu/trace_recorder.cpp: a recorded trace, read back, rebuilds the exact register file the
// machine had at every instruction (checked against a second run that reads every register
// directly), and its events say what the machine did.
#include "emu/trace_recorder.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "guest/include/abi.h"
#include "trace/fnv1a.hpp"
#include "trace/trace_reader.hpp"

using namespace fs;
namespace tr = fs::trace;

namespace {

std::string machine_guest(const std::string& name) {
  return std::string(FS_BUILD_DIR) + "/tests/machine/" + name + ".elf";
}
std::string kernel() {
  return std::string(FS_BUILD_DIR) + "/guest/kernel.elf";
}

// Named by the process too: CTest runs each test case as a process of its own, in parallel, and
// two checkouts' test runs may share the temporary directory.
std::string temp_trace(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          fmt::format("forkscope_rec_{}_{}.fst", ::getpid(), name))
      .string();
}

MachineOptions trace_options(const std::string& cmdline = "", std::uint64_t max_cycles = 0) {
  MachineOptions o;
  o.per_instruction = true;
  o.cmdline = cmdline;
  if (max_cycles) o.max_cycles = max_cycles;
  o.serial_out = [](std::uint8_t) {};
  return o;
}

// Records a run. The recorder reads after each instruction only the registers it may write
// (x86/reg_writes.hpp) and checks them all periodically: that check must never find a register it
// missed.
RunResult record(const std::string& image, const std::string& path, const std::string& cmdline,
                 std::uint32_t chunk = 65536, std::uint64_t max_cycles = 0) {
  Machine m(trace_options(cmdline, max_cycles));
  m.load(image);
  TraceRecorderOptions o;
  o.path = path;
  o.image_path = image;
  o.run_options = {{"cmdline", cmdline}};
  o.chunk_instructions = chunk;
  TraceRecorder rec(m, o);
  RunResult r = m.run();
  rec.finish(r);
  INFO(image << " " << cmdline
             << ": registers changed by an instruction whose write set missed them");
  CHECK(rec.missed_writes() == 0);
  return r;
}

// Every register the trace holds, read straight from the machine.
tr::RegFile direct_regs(const Machine& m) {
  tr::RegFile f;
  // Register by register (UnicornCpu::reg), not the recorder's batch read.
  for (std::size_t i = 0; i < tr::kRegCount; ++i) f.v[i] = m.cpu().reg(static_cast<Reg>(i));
  return f;
}

std::uint64_t state_hash(const tr::RegFile& f, std::uint32_t eip, std::uint64_t cycle) {
  std::uint64_t h = tr::kFnv1aBasis;
  auto mix = [&h](std::uint64_t v) { h = tr::fnv1a64(&v, sizeof v, h); };  // little-endian bytes
  for (auto v : f.v) mix(v);
  mix(eip);
  mix(cycle);
  return h;
}

// Replays the run reading every register directly at every instruction (the last state hooked
// under a sequence number wins: a faulting instruction is hooked, then its handler's first
// instruction takes its number), then walks the trace and compares instruction by instruction.
void check_round_trip(const std::string& image, const std::string& cmdline, std::uint32_t chunk,
                      std::uint64_t max_cycles = 0) {
  const std::string path = temp_trace(std::filesystem::path(image).stem().string() + cmdline);
  RunResult recorded = record(image, path, cmdline, chunk, max_cycles);

  Machine m(trace_options(cmdline, max_cycles));
  m.load(image);
  std::vector<std::uint64_t> want;
  m.on_instruction([&](std::uint32_t eip, Cycles now) {
    const std::uint64_t seq = m.stats().instructions;
    want.resize(seq + 1);
    want[seq] = state_hash(direct_regs(m), eip, now);
  });
  RunResult r = m.run();
  CHECK(r.exit_status == recorded.exit_status);
  want.resize(m.stats().instructions);

  tr::Reader reader = tr::Reader::open(path);
  REQUIRE_FALSE(reader.truncated());
  CHECK(reader.header().image_name == std::filesystem::path(image).filename().string());
  CHECK(reader.instruction_count() == want.size());
  std::uint64_t compared = 0, mismatches = 0, first = 0;
  while (const tr::Step* s = reader.next()) {
    if (s->event) continue;
    const auto& in = s->insn;
    if (in.seq >= want.size() || state_hash(in.before, in.eip, in.cycle) != want[in.seq]) {
      if (mismatches++ == 0) first = in.seq;
    }
    ++compared;
  }
  INFO(image << " " << cmdline << ": first mismatch at seq " << first);
  CHECK(mismatches == 0);
  CHECK(compared == want.size());
  std::filesystem::remove(path);
}

std::vector<tr::Event> events_of(const std::string& path) {
  tr::Reader reader = tr::Reader::open(path);
  std::vector<tr::Event> out;
  while (const tr::Step* s = reader.next())
    if (s->event) out.push_back(*s->event);
  return out;
}

}  // namespace

TEST_CASE("trace recorder: the register file at every instruction round-trips", "[trace][slow]") {
  // Ring changes and 5-word irets, exceptions with error codes and CR2, HLT and IRQs, and the
  // kernel's process creation; small chunks so that chunk boundaries fall everywhere.
  check_round_trip(machine_guest("syscall_ring3"), "", 1000);
  check_round_trip(machine_guest("exceptions"), "", 777);
  check_round_trip(machine_guest("pit_irq0"), "", 4096);
  check_round_trip(kernel(), "init=process1", 65536);
  check_round_trip(kernel(), "init=forkstorm", 65536);
}

TEST_CASE(
    "trace recorder: reading only each instruction's write set loses no register change (every "
    "guest, kernel scenarios)",
    "[trace][slow]") {
  // The recorder reads after each instruction only the general registers and EFLAGS it may write:
  // a write set missing a register shows up here as a mismatch at the first instruction that
  // changed it. So: every machine guest (string instructions, IN, RDTSC, INTO, self-modifying
  // code, HLT, a triple fault, paging and page faults, a run stopped by the cycle limit) and the
  // kernel's scenarios, the scheduler's for its first 12 M cycles (IRQ 0 every 100 000 cycles,
  // preemption, the run queue) and forktest's ring-3 processes.
  for (const char* g :
       {"into", "rdtsc", "smc", "irq_boundary", "hlt_cli", "pit_mode1", "triple_fault",
        "paging_alias", "paging_in_ram", "paging_high", "paging_fault", "paging_cow"})
    check_round_trip(machine_guest(g), "", 65536);
  check_round_trip(machine_guest("spin"), "", 65536, 2'000'000);
  check_round_trip(kernel(), "", 65536);
  check_round_trip(kernel(), "init=bugon", 65536);
  check_round_trip(kernel(), "init=sched", 65536, 12'000'000);
  check_round_trip(kernel(), "init=forktest", 65536);  // user processes, system calls, paging
}

TEST_CASE("trace recorder: process1's events - ret_from_fork for pid 1, switches, the 3-word iret",
          "[trace]") {
  const std::string path = temp_trace("process1_events");
  RunResult r = record(kernel(), path, "init=process1");
  REQUIRE(r.exit_status == 0);
  Machine probe(trace_options());
  probe.load(kernel());
  const std::uint32_t helper = *probe.symbols().address_of("kernel_thread_helper");
  const auto events = events_of(path);
  std::vector<tr::Switch> switches;
  std::vector<tr::RetFromFork> forks;
  std::vector<tr::Iret> irets;
  std::vector<tr::SyscallEntry> syscalls;
  const tr::Stop* stop = nullptr;
  for (const auto& e : events) {
    if (auto* s = std::get_if<tr::Switch>(&e.data)) switches.push_back(*s);
    if (auto* f = std::get_if<tr::RetFromFork>(&e.data)) forks.push_back(*f);
    if (auto* i = std::get_if<tr::Iret>(&e.data)) irets.push_back(*i);
    if (auto* c = std::get_if<tr::SyscallEntry>(&e.data)) syscalls.push_back(*c);
    if (auto* s = std::get_if<tr::Stop>(&e.data)) stop = s;
  }
  // swapper -> init, init (exited) -> swapper
  REQUIRE(switches.size() == 2);
  CHECK(switches[0].prev_pid == 0);
  CHECK(switches[0].next_pid == 1);
  CHECK(switches[1].prev_pid == 1);
  CHECK(switches[1].next_pid == 0);
  REQUIRE(forks.size() == 1);
  CHECK(forks[0].pid == 1);
  CHECK(forks[0].esp + PT_REGS_SIZE + COPY_THREAD_RESERVE ==
        (forks[0].esp & ~std::uint32_t{THREAD_SIZE - 1}) + THREAD_SIZE);
  // The first iret after ret_from_fork: 3 words, ring 0 to ring 0, into kernel_thread_helper.
  bool found = false;
  for (const auto& i : irets) {
    if (i.to.eip != helper) continue;
    found = true;
    CHECK(i.frame.size() == 3);
    CHECK(i.frame[0] == helper);
    CHECK(i.frame[1] == __KERNEL_CS);
    CHECK(i.frame[2] == KERNEL_THREAD_EFLAGS);
    CHECK(i.cpl_before == 0);
    CHECK(i.cpl_after == 0);
  }
  CHECK(found);
  REQUIRE(stop);
  CHECK(stop->exit_status == 0);
  std::filesystem::remove(path);
}

TEST_CASE(
    "trace recorder: a ring-3 system call's delivery switches to TSS.esp0 and irets with 5 "
    "words",
    "[trace]") {
  const std::string path = temp_trace("syscall_ring3_events");
  RunResult r = record(machine_guest("syscall_ring3"), path, "");
  REQUIRE(r.exit_status == 0);
  bool saw_int80 = false, saw_iret5 = false;
  for (const auto& e : events_of(path)) {
    if (auto* d = std::get_if<tr::Delivery>(&e.data); d && d->vector == 0x80 && !saw_int80) {
      saw_int80 = true;
      CHECK(d->is_software_int());
      CHECK(d->stack_switched);
      CHECK(d->esp0_used != 0);
      REQUIRE(d->frame.size() == 5);  // SS, ESP, EFLAGS, CS, EIP
      CHECK((d->frame[0] & 3) == 3);  // the user SS
      CHECK((d->frame[3] & 3) == 3);  // the user CS
      CHECK(d->frame[4] == d->from.eip);
      CHECK((d->to.cs & 3) == 0);
    }
    if (auto* i = std::get_if<tr::Iret>(&e.data); i && i->cpl_after == 3) {
      saw_iret5 = true;
      CHECK(i->frame.size() == 5);
      CHECK(i->cpl_before == 0);
      CHECK(i->to.eip == i->frame[0]);
    }
  }
  CHECK(saw_int80);
  CHECK(saw_iret5);
  std::filesystem::remove(path);
}

// An IRET that unmasks a pending IRQ (tests/machine/irq_if_windows.S: IF back on by IRET while
// IRQ0 waits) is followed at once by its delivery. The iret event comes first and says where the
// IRET went, the CS:EIP the delivery interrupted; not the handler, as when it was read at the
// handler's first instruction.
TEST_CASE(
    "trace recorder: an iret followed at once by a delivery is recorded before it, to its target",
    "[trace]") {
  const std::string path = temp_trace("iret_then_irq");
  RunResult r = record(machine_guest("irq_if_windows"), path, "");
  REQUIRE(r.exit_status == 0);
  const auto events = events_of(path);
  int pairs = 0;
  for (std::size_t k = 0; k + 1 < events.size(); ++k) {
    const tr::Event &a = events[k], &b = events[k + 1];
    if (b.seq != a.seq) continue;
    // No iret may follow a delivery at its seq into that delivery's handler.
    const auto* late = std::get_if<tr::Iret>(&b.data);
    if (const auto* before = std::get_if<tr::Delivery>(&a.data); late && before) {
      INFO("delivery then iret at seq " << a.seq);
      CHECK(late->to != before->to);
    }
    const auto* i = std::get_if<tr::Iret>(&a.data);
    const auto* d = std::get_if<tr::Delivery>(&b.data);
    if (!i || !d) continue;
    ++pairs;
    CHECK(i->to == d->from);
    CHECK(i->cpl_after == (d->from.cs & 3u));
    CHECK(i->frame.size() == 3);
    CHECK(i->frame[0] == d->from.eip);  // the popped EIP is where it went
    CHECK(d->is_irq());
  }
  CHECK(pairs >= 50);  // a quarter of the 400 passes sets IF by IRET
  std::filesystem::remove(path);
}

TEST_CASE("trace recorder: the same run gives a byte-identical trace", "[trace]") {
  const std::string a = temp_trace("det_a"), b = temp_trace("det_b");
  record(machine_guest("pit_irq0"), a, "");
  record(machine_guest("pit_irq0"), b, "");
  auto slurp = [](const std::string& p) {
    std::FILE* f = std::fopen(p.c_str(), "rb");
    std::string s;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
    return s;
  };
  const std::string sa = slurp(a), sb = slurp(b);
  CHECK(sa.size() > 100);
  CHECK(sa == sb);
  std::filesystem::remove(a);
  std::filesystem::remove(b);
}

TEST_CASE("unicorn cpu: a masked register read equals the full read", "[trace]") {
  std::vector<std::uint8_t> ram(2u << 20);
  UnicornCpu cpu(ram, true, CpuHooks{});
  for (std::uint32_t round = 0; round < 3; ++round) {
    for (unsigned r = 0; r < 8; ++r)
      cpu.set_reg(static_cast<Reg>(r), 0x01020304u * (r + 1) + round);
    std::uint32_t masked[10] = {}, full[10] = {};
    cpu.read_regs_masked(masked, 0x2FF);
    cpu.read_regs(full, 10);
    for (unsigned r = 0; r < 8; ++r) CHECK(masked[r] == full[r]);
    CHECK(masked[9] == full[9]);  // EFLAGS
    CHECK(masked[8] == 0);        // EIP not asked for: untouched
  }
}
