#include "emu/code_fetch.hpp"

#include <cstring>

namespace fs {

PagingRegs paging_regs_of(const UnicornCpu& cpu) {
  return PagingRegs{cpu.reg(Reg::kCr0), cpu.reg(Reg::kCr3), cpu.reg(Reg::kCr4)};
}

const PagingRegs& CodeFetch::regs() {
  if (!regs_valid_) {
    regs_ = paging_regs_of(*cpu_);
    regs_valid_ = true;
  }
  return regs_;
}

const std::uint8_t* CodeFetch::bytes_slow(std::uint32_t addr, std::uint32_t size) {
  const std::uint32_t want = std::max<std::uint32_t>(size, kCodeBytes);
  const PagingRegs& r = regs();
  auto phys = linear_to_physical(ram_, r, addr);
  if (phys && (addr & (kPageSize - 1)) + want <= kPageSize &&
      std::uint64_t{*phys & ~(kPageSize - 1)} + kPageSize <= ram_.size()) {
    const std::uint32_t page = addr & ~(kPageSize - 1);
    pages_[(page >> 12) & (kPageEntries - 1)] =
        PageEntry{page, *phys & ~(kPageSize - 1), generation_};
    return ram_.data() + *phys;
  }
  // Across a page boundary (or beyond RAM): page by page, zeros where nothing is mapped.
  scratch_.resize(want);
  copy_from_linear(ram_, r, addr, scratch_.data(), want);
  return scratch_.data();
}

std::uint32_t CodeFetch::first_unfetchable(std::uint32_t eip, Decoder& decoder) {
  // The first page from EIP's with no RAM behind it, then the instructions up to it: the first
  // whose bytes reach into it cannot be fetched.
  const PagingRegs r = paging_regs_of(*cpu_);
  auto backed = [&](std::uint32_t page) {
    auto p = linear_to_physical(ram_, r, page);
    return p && std::uint64_t{*p} + kPageSize <= ram_.size();
  };
  std::uint64_t hole = eip & ~(kPageSize - 1);
  while (hole <= 0xFFFFFFFFu && backed(static_cast<std::uint32_t>(hole)) &&
         hole < std::uint64_t{eip} + 2 * kPageSize)
    hole += kPageSize;
  std::uint64_t a = eip;
  while (a < hole) {
    std::uint8_t bytes[16] = {};
    const std::uint32_t n = static_cast<std::uint32_t>(std::min<std::uint64_t>(16, hole - a));
    copy_from_linear(ram_, r, static_cast<std::uint32_t>(a), bytes, n);
    const DecodedInsn in = decoder.decode_one(static_cast<std::uint32_t>(a), bytes, sizeof bytes);
    if (in.len == 0 || a + in.len > hole) break;
    a += in.len;
  }
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(a, 0xFFFFFFFFu));
}

}  // namespace fs
