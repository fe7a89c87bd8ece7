// The linear address of a guest store that Unicorn reports by physical address (issue 15: the
// trace records stores by linear address, as the guest's code names them).
//
// WORKAROUND(unicorn 2.1.1): UC_HOOK_MEM_WRITE passes the physical address its TLB holds
// (cputlb.c store_helper, `paddr = entry->paddr | offset`) and nothing reports the linear one; no
// release pinned here has uc_vmem_translate. The page offset is the same in both, so what is
// missing is the linear page, and a frame may be mapped at several (our kernel's identity map and
// a user mapping of the same frame; Linux's direct map at 0xC0000000 and a user mapping). The
// answer is the first of these whose page maps the store's frame under the current tables:
//   1. the pages of the registers the instruction started with (ESP first, then EDI, ESI, EBX,
//      EBP, EAX, ECX, EDX): stack pushes, string stores and based operands name their own alias;
//   2. the linear page this frame was last found at;
//   3. the identity page, then the same page at Linux's PAGE_OFFSET 0xC0000000;
//   4. a scan of the page tables (supervisor and user pages; user pages first from CPL 3).
// With paging off the linear address is the physical one. A frame no table maps (none found) is
// recorded at its physical address. Deterministic: it depends only on guest state.
//
// Cost: a direct-mapped cache of page walks (linear page -> frame), emptied whenever the paging
// registers change or the guest flushes its TLB (MOV CR3, INVLPG: flush()), keeps step 1 to a few
// compares per store.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <unordered_map>

#include "emu/paging.hpp"

namespace fs {

class StoreAddress {
 public:
  explicit StoreAddress(std::span<const std::uint8_t> ram) : ram_(ram) {}

  // The paging registers now (CR0, CR3, CR4); forgets what it knew if they changed.
  void set_paging(const PagingRegs& p);
  // The guest flushed its TLB (the page tables may have changed): forget every walk.
  void flush();

  // The linear address of the store at physical `phys`, given the general registers at the start
  // of the storing instruction (EAX..EDI in Reg order: EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI) and
  // whether it ran at CPL 3.
  std::uint32_t linear(std::uint32_t phys, const std::uint32_t* gprs, bool user);

 private:
  static constexpr std::uint32_t kNoFrame = 0xFFFFFFFFu;  // never a frame (those are 4 KiB aligned)
  // The frame linear page `page` maps now (kNoFrame: none), through the walk cache.
  std::uint32_t frame_of(std::uint32_t page);
  std::uint32_t scan(std::uint32_t frame, bool user);

  std::span<const std::uint8_t> ram_;
  PagingRegs regs_;
  struct Walk {
    std::uint32_t page = 1;  // linear page (1: empty; pages are 4 KiB aligned)
    std::uint32_t frame = kNoFrame;
  };
  std::array<Walk, 1024> walks_{};
  std::unordered_map<std::uint32_t, std::uint32_t> by_frame_;  // frame -> linear page last found
};

}  // namespace fs
