// gdb's watchpoints (Z2 write, Z3 read, Z4 access; GDB manual E.2 "Packets", `Z type,addr,kind`):
// what they watch and which access they match. The machine watches them through the same memory
// hook as the guest's own data breakpoints (emu/machine_intercept.cpp, Machine::set_watchpoints)
// and reports a hit at the boundary right after the accessing instruction, as a data breakpoint
// traps (Intel SDM vol. 3B 17.2.5); the stub turns it into a `watch:`/`rwatch:`/`awatch:` stop
// reply (emu/gdb_stub.cpp). Pure: tests/watchpoints_test.cpp checks it without Unicorn.
//
// Open questions and the answers chosen:
// 1. Any length? Yes: unlike DR0-DR3 (1, 2, 4 or 8 bytes, aligned), a watchpoint covers
//    [addr, addr + len) for any len gdb sends (a `watch` on a struct is one Z2 of its size), and
//    no alignment is required.
// 2. An access that straddles an edge (a 4-byte store at addr - 2) matches: any byte in common.
// 3. Which address does a hit report? The watchpoint's own (QEMU's gdbstub reports
//    watchpoint_hit->vaddr too): gdb finds its watchpoint by it, whatever byte was touched.
// 4. How many? kMaxWatchpoints, each one memory hook; gdb has no packet to ask, and by default
//    (`set remote hardware-watchpoint-limit -1`) it assumes no limit and learns from an E reply.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace fs {

// The Z packet's type number.
enum class WatchKind : std::uint8_t { kWrite = 2, kRead = 3, kAccess = 4 };

struct Watchpoint {
  std::uint32_t addr = 0;  // linear
  std::uint32_t len = 1;   // bytes, at least 1
  WatchKind kind = WatchKind::kWrite;
  bool operator==(const Watchpoint&) const = default;
};

// A hit: the watchpoint, and the access that matched it.
struct WatchHit {
  Watchpoint wp;
  std::uint32_t addr = 0;  // the access's first byte
  unsigned size = 0;
  bool write = false;
};

inline constexpr std::size_t kMaxWatchpoints = 64;

// The last byte a watchpoint covers (the address space ends at 0xffffffff: no wrap).
std::uint32_t watch_last(const Watchpoint& w);
// Whether an access of `size` bytes at `addr` (a write when `write`) matches `w`.
bool watch_matches(const Watchpoint& w, std::uint32_t addr, unsigned size, bool write);
// The first of `list` that the access matches.
std::optional<WatchHit> first_watch_hit(const std::vector<Watchpoint>& list, std::uint32_t addr,
                                        unsigned size, bool write);
// The inclusive [first, last] ranges of `list`, for the memory hook.
std::vector<std::pair<std::uint32_t, std::uint32_t>> watch_ranges(
    const std::vector<Watchpoint>& list);

}  // namespace fs
