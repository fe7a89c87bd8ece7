// A whole machine at an instruction boundary, and the way back to it (issue 15):
// Machine::snapshot() and Machine::restore(). Reverse execution (emu/gdb_reverse.hpp) is built on
// it: forkscope is deterministic, so a snapshot and a forward run from it give the history after it
// again, instruction for instruction.
//
// Open questions and the answers chosen:
// 1. What is "the whole machine"? The CPU as Unicorn keeps it (UnicornCpu::save_context: every
//    register with its hidden state, hflags, the lazy flags, the FPU) plus forkscope's own CPU
//    state (the debug registers, the pending cost of the last conditional branch or IRET, the RDTSC
//    fix-up), the RAM, every device on the board (emu/pc_board.hpp: PIT, PIC pair, UART with its
//    input position and transmit count, debug-exit, CMOS/RTC, i8042, port B, POST port, and the
//    bus's counts of unclaimed accesses), the cycle clock, the statistics and the run loop's
//    bookkeeping (the next device deadline, the INT line, the recent-instruction history for
//    reports). Pending events are device state: the devices compute them from their registers
//    (IoDevice::next_event).
// 2. Where may one be taken and restored? Inside an instruction observer in trace mode
//    (Machine::on_instruction): the boundary before the observed instruction, which has not run.
//    Restoring there abandons that instruction: the CPU stops before it, and the run goes on from
//    the snapshot's boundary, whose observers are called again (the snapshot is of the machine,
//    not of its observers). Elsewhere both throw std::logic_error (Machine::at_snapshot_point
//    says; not for an instruction the run loop runs itself, MOV DRn or I/O above IOPL, since the
//    CPU is not running there to be stopped).
// 3. RAM: pages of 4 KiB, shared between snapshots. One taken against an earlier one (`base`)
//    shares every page that has not changed since (compared byte for byte: nothing has to track
//    the guest's stores, which Unicorn makes straight into RAM) and copies the others; an all-zero
//    page is no copy at all. Taking one reads the pages the host has given frames to
//    (GuestRam::touched_pages: a page never touched is zero without a look); restoring compares
//    those and writes only the ones that differ. So a 3 GiB --ram costs what the guest used.
// 4. Translated code: restoring drops the blocks translated from the pages whose bytes it changed
//    (the others hold the same code), empties the TLB (the page tables may differ) and forkscope's
//    own caches of the code page and paging registers. The decode caches check the live bytes at
//    every use and stay.
// 5. Serial output is not taken back: bytes the terminal has are sent. The UART counts what it has
//    sent and does not send again what the guest, replaying, transmits again (devices/uart16550.hpp
//    question 9), so a replay prints nothing twice. Input comes back: its position is UART state.
// 6. Observers and the host side are not restored: port, delivery and halt observers see a replay
//    again (a trace recorder would record it twice: `run --trace` has no reverse execution), and
//    device warnings already printed stay printed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "emu/clock.hpp"
#include "emu/debug_registers.hpp"
#include "emu/pc_board.hpp"
#include "emu/unicorn_cpu.hpp"

namespace fs {

inline constexpr std::size_t kSnapshotPageSize = 4096;
using RamPage = std::array<std::uint8_t, kSnapshotPageSize>;

// The run loop's own state (emu/snapshot.cpp), opaque here.
struct SnapshotFields;

struct Snapshot {
  std::uint64_t instructions = 0;  // stats().instructions at the boundary
  Cycles cycles = 0;               // clock().now
  std::uint32_t eip = 0;           // the instruction the boundary is before
  CpuContext cpu;
  // Physical page i is [i * 4096, (i + 1) * 4096); nullptr: all zero.
  std::vector<std::shared_ptr<const RamPage>> ram;
  std::size_t fresh_pages = 0;  // pages copied for this snapshot (not shared with `base`, not zero)
  PcBoard::State board;         // every device (emu/pc_board.hpp)
  std::shared_ptr<const SnapshotFields> run_state;

  // Host memory this snapshot holds that no earlier one shares: its copied pages, its page table,
  // its CPU context.
  std::size_t own_bytes() const;
};

// The RAM pages of a snapshot, compared with `live` RAM: the index of the first page that differs,
// or nullopt when all are equal (tests, and a check after restore).
std::optional<std::size_t> first_differing_page(const Snapshot& s,
                                                std::span<const std::uint8_t> live);

}  // namespace fs
