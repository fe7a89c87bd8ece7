#include "emu/paging.hpp"

#include <cstring>

namespace fs {

namespace {

constexpr std::uint32_t kPresent = 1, kWritable = 2, kUser = 4;

bool read_entry(std::span<const std::uint8_t> ram, std::uint32_t addr, std::uint32_t& out) {
  if (addr > ram.size() || ram.size() - addr < 4) return false;
  std::memcpy(&out, ram.data() + addr, 4);
  return true;
}

}  // namespace

std::optional<PageMapping> walk_page_tables(std::span<const std::uint8_t> ram, std::uint32_t cr3,
                                            std::uint32_t linear) {
  // Intel SDM vol. 3A 4.3 "32-bit paging": PDE at CR3[31:12] + linear[31:22] * 4, PTE at
  // PDE[31:12] + linear[21:12] * 4; U/S and R/W are the AND of both levels.
  std::uint32_t pde = 0, pte = 0;
  if (!read_entry(ram, (cr3 & ~0xFFFu) + ((linear >> 22) << 2), pde) || !(pde & kPresent))
    return std::nullopt;
  if (!read_entry(ram, (pde & ~0xFFFu) + (((linear >> 12) & 0x3FF) << 2), pte) || !(pte & kPresent))
    return std::nullopt;
  PageMapping m;
  m.linear = linear & ~(kPageSize - 1);
  m.frame = pte & ~0xFFFu;
  m.user = (pde & pte & kUser) != 0;
  m.writable = (pde & pte & kWritable) != 0;
  return m;
}

std::optional<PageMapping> first_unaliasable(std::span<const std::uint8_t> ram, std::uint32_t cr3) {
  const std::uint64_t ram_size = ram.size();
  for (std::uint32_t pdi = 0; pdi < 1024; ++pdi) {
    const std::uint64_t base = std::uint64_t{pdi} << 22;
    if (base >= ram_size) break;  // linear pages beyond RAM can always be aliased
    std::uint32_t pde = 0;
    if (!read_entry(ram, (cr3 & ~0xFFFu) + (pdi << 2), pde) || !(pde & kPresent)) continue;
    for (std::uint32_t pti = 0; pti < 1024; ++pti) {
      const std::uint64_t linear = base + (std::uint64_t{pti} << 12);
      if (linear >= ram_size) break;
      std::uint32_t pte = 0;
      if (!read_entry(ram, (pde & ~0xFFFu) + (pti << 2), pte) || !(pte & kPresent)) continue;
      if ((pte & ~0xFFFu) != linear) {
        PageMapping m;
        m.linear = static_cast<std::uint32_t>(linear);
        m.frame = pte & ~0xFFFu;
        m.user = (pde & pte & kUser) != 0;
        m.writable = (pde & pte & kWritable) != 0;
        return m;
      }
    }
  }
  return std::nullopt;
}

LinearAliases::Result LinearAliases::on_unmapped(std::uint32_t cr3, std::uint32_t linear,
                                                 PageMapping* found) {
  const std::uint32_t page = linear & ~(kPageSize - 1);
  if (page < ram_.size()) return Result::kInsideRam;
  auto m = walk_page_tables(ram_, cr3, linear);
  if (!m) {
    if (!backend_.map(page, guard_page_)) return Result::kNotPresent;
    guards_.push_back(page);
    return Result::kGuarded;
  }
  if (found) *found = *m;
  if (m->frame >= ram_.size() || ram_.size() - m->frame < kPageSize)
    return Result::kFrameOutsideRam;
  if (!backend_.map(page, ram_.data() + m->frame)) return Result::kFrameOutsideRam;
  frames_[page] = m->frame;
  ++aliased_total_;
  return Result::kAliased;
}

void LinearAliases::drop_all() {
  ++flushes_;
  for (const auto& [page, frame] : frames_) backend_.unmap(page);
  frames_.clear();
  drop_guards();
}

void LinearAliases::drop_guards() {
  for (std::uint32_t page : guards_) backend_.unmap(page);
  guards_.clear();
}

}  // namespace fs
