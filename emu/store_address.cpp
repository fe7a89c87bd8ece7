#include "emu/store_address.hpp"

#include <cstring>

#include "x86/reg.hpp"

namespace fs {
namespace {

constexpr std::uint32_t kPageMask = ~(kPageSize - 1);
constexpr std::uint32_t kPresent = 1, kUser = 4, kLarge = 0x80;
// Linux's PAGE_OFFSET (include/asm-i386/page.h): the direct map of every frame.
constexpr std::uint32_t kLinuxPageOffset = 0xC0000000u;

bool load32(std::span<const std::uint8_t> ram, std::uint64_t at, std::uint32_t& out) {
  if (at + 4 > ram.size()) return false;
  std::memcpy(&out, ram.data() + at, 4);
  return true;
}

}  // namespace

void StoreAddress::set_paging(const PagingRegs& p) {
  if (p.cr0 == regs_.cr0 && p.cr3 == regs_.cr3 && p.cr4 == regs_.cr4) return;
  regs_ = p;
  flush();
}

void StoreAddress::flush() {
  walks_.fill(Walk{});
  by_frame_.clear();
}

std::uint32_t StoreAddress::frame_of(std::uint32_t page) {
  Walk& w = walks_[(page >> 12) & (walks_.size() - 1)];
  if (w.page != page) {
    w.page = page;
    const auto m = walk_page_tables(ram_, regs_.cr3, page, regs_.pse());
    w.frame = m ? m->frame : kNoFrame;
  }
  return w.frame;
}

std::uint32_t StoreAddress::linear(std::uint32_t phys, const std::uint32_t* gprs, bool user) {
  if (!regs_.enabled()) return phys;
  const std::uint32_t frame = phys & kPageMask, offset = phys & ~kPageMask;
  static constexpr Reg kOrder[] = {Reg::kEsp, Reg::kEdi, Reg::kEsi, Reg::kEbx,
                                   Reg::kEbp, Reg::kEax, Reg::kEcx, Reg::kEdx};
  for (Reg r : kOrder) {
    const std::uint32_t page = gprs[static_cast<unsigned>(r)] & kPageMask;
    if (frame_of(page) == frame) return page | offset;
    // A push from ESP at a page's start lands on the page below.
    if (r == Reg::kEsp && frame_of(page - kPageSize) == frame) return (page - kPageSize) | offset;
  }
  if (auto it = by_frame_.find(frame); it != by_frame_.end() && frame_of(it->second) == frame)
    return it->second | offset;
  std::uint32_t page = kNoFrame;
  if (frame_of(frame) == frame)
    page = frame;
  else if (frame < 0x40000000u && frame_of(frame + kLinuxPageOffset) == frame)
    page = frame + kLinuxPageOffset;
  else
    page = scan(frame, user);
  if (page == kNoFrame) return phys;
  by_frame_[frame] = page;
  return page | offset;
}

std::uint32_t StoreAddress::scan(std::uint32_t frame, bool user) {
  const std::uint64_t dir = regs_.cr3 & kPageMask;
  std::uint32_t found = kNoFrame;
  for (std::uint32_t i = 0; i < 1024; ++i) {
    std::uint32_t pde;
    if (!load32(ram_, dir + 4 * i, pde)) return found;
    if (!(pde & kPresent)) continue;
    if ((pde & kLarge) && regs_.pse()) {
      const std::uint32_t base = pde & 0xFFC00000u;
      if (frame - base < (1u << 22)) {
        const std::uint32_t page = (i << 22) | (frame - base);
        if (!user || (pde & kUser)) return page;
        if (found == kNoFrame) found = page;
      }
      continue;
    }
    const std::uint64_t table = pde & kPageMask;
    for (std::uint32_t j = 0; j < 1024; ++j) {
      std::uint32_t pte;
      if (!load32(ram_, table + 4 * j, pte)) break;
      if (!(pte & kPresent) || (pte & kPageMask) != frame) continue;
      const std::uint32_t page = (i << 22) | (j << 12);
      if (!user || (pde & pte & kUser)) return page;
      if (found == kNoFrame) found = page;
    }
  }
  return found;
}

}  // namespace fs
