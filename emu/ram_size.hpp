// The guest RAM sizes forkscope accepts, checked before anything is reserved (`--ram 6G` used to
// zero 6 GiB before saying no; `--ram 5T` ended in std::bad_alloc).
#pragma once

#include <cstdint>
#include <string>

namespace fs {

constexpr std::uint64_t kMinRamBytes = 2ull << 20;  // the kernel image, its page tables and a stack
// The largest --ram: 3 GiB, below the 32-bit top where a PC keeps its ROMs and devices. RAM is
// reserved, not written, up front (emu/guest_ram.hpp), so a large size costs only what the guest
// uses.
constexpr std::uint64_t kMaxRamBytes = 3ull << 30;
constexpr std::uint64_t kRamGranule = 4096;  // RAM is mapped in whole pages

// `bytes` when it is a RAM size the machine can have; otherwise throws std::invalid_argument with
// one line ("RAM size 5 TiB: must be a multiple of 4 KiB between 2 MiB and 3 GiB").
std::uint64_t checked_ram_size(std::uint64_t bytes);

// "64 MiB", "3 GiB", "4097 bytes": a size as a user wrote it, when it is a whole number of units.
std::string size_text(std::uint64_t bytes);

}  // namespace fs
