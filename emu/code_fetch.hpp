// The bytes of the code the CPU is about to run, by linear address, for the cycle model's decoder
// (emu/block_timing.hpp, emu/insn_timing.hpp): through the guest's page tables as the CPU fetches
// them (emu/paging.hpp), straight out of RAM when they lie in one page.
//
// The paging registers change only through instructions that end their translated block (CR0/CR3/
// CR4 loads, INVLPG: QEMU ends a block at each), so they are read again only after one retires
// (invalidate()), and the translations of the code pages run since are kept: the hot path is a
// table look-up and two compares.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "emu/block_cache.hpp"
#include "emu/paging.hpp"
#include "emu/unicorn_cpu.hpp"

namespace fs {

// The paging registers as the CPU holds them now.
PagingRegs paging_regs_of(const UnicornCpu& cpu);

class CodeFetch {
 public:
  // Callers may read kCodeBytes bytes from bytes()'s result whatever the instruction's size is
  // (the block cache's compared words, the trace-mode decode cache).
  static constexpr std::uint32_t kCodeBytes = BlockCache::kLiveBytes;

  explicit CodeFetch(std::span<std::uint8_t> ram) : ram_(ram) {}
  void bind(const UnicornCpu* cpu) { cpu_ = cpu; }

  // The live bytes of code at linear `addr`, readable to max(size, kCodeBytes): in RAM when they
  // lie in one page, else copied together into a scratch buffer (zeros where a page is not mapped
  // or lies beyond RAM), valid until the next call.
  const std::uint8_t* bytes(std::uint32_t addr, std::uint32_t size) {
    const std::uint32_t off = addr & (kPageSize - 1);
    const std::uint32_t page = addr & ~(kPageSize - 1);
    if (off + std::max(size, kCodeBytes) <= kPageSize) [[likely]] {
      const PageEntry& e = pages_[(page >> 12) & (kPageEntries - 1)];
      if (e.linear == page && e.generation == generation_) [[likely]]
        return ram_.data() + e.phys + off;
    }
    return bytes_slow(addr, size);
  }
  // A TLB-flushing instruction retired (or is about to, with its block): the paging registers
  // code is fetched under may have changed.
  void invalidate() {
    regs_valid_ = false;
    if (++generation_ == 0) {
      generation_ = 1;
      pages_.fill(PageEntry{});
      if (on_wrap_) on_wrap_();
    }
  }
  // Counts invalidate()s, from 1: a pointer bytes() returned into RAM keeps naming the code at its
  // linear address while the generation stays the same (as the CPU's TLB keeps a translation until
  // a flush). `on_wrap` runs when the count wraps around, for those who keep such pointers.
  std::uint32_t generation() const { return generation_; }
  void on_generation_wrap(std::function<void()> on_wrap) { on_wrap_ = std::move(on_wrap); }
  // The generation under which `p`, a result of bytes(), stays valid: 0 for the scratch buffer.
  std::uint32_t generation_of(const std::uint8_t* p) const {
    return p >= ram_.data() && p < ram_.data() + ram_.size() ? generation_ : 0;
  }
  // The first instruction from `eip` on whose bytes reach a linear page with no RAM behind it
  // (`eip` itself when it is such an instruction).
  std::uint32_t first_unfetchable(std::uint32_t eip, Decoder& decoder);

 private:
  const std::uint8_t* bytes_slow(std::uint32_t addr, std::uint32_t size);
  const PagingRegs& regs();

  std::span<std::uint8_t> ram_;
  const UnicornCpu* cpu_ = nullptr;
  PagingRegs regs_;
  bool regs_valid_ = false;
  // The code pages translated since the last invalidate() (their entries carry its generation),
  // direct-mapped by linear page: kernel code calls across many pages, and a walk of the page
  // tables at each change of page cost 4 % of a traced Linux boot with one page kept.
  static constexpr std::size_t kPageEntries = 64;
  struct PageEntry {
    std::uint32_t linear = 0;
    std::uint32_t phys = 0;
    std::uint32_t generation = 0;  // never current: generations count from 1
  };
  std::array<PageEntry, kPageEntries> pages_{};
  std::vector<std::uint8_t> scratch_;  // code bytes when they straddle discontiguous frames
  std::uint32_t generation_ = 1;
  std::function<void()> on_wrap_;
};

}  // namespace fs
