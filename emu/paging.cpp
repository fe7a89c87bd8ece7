#include "emu/paging.hpp"

#include <cstring>

namespace fs {

namespace {

constexpr std::uint32_t kPresent = 1, kWritable = 2, kUser = 4, kPageSizeBit = 0x80;
constexpr std::uint32_t kLargeFrameMask = 0xFFC00000u;  // a 4 MiB PDE's frame, bits 31:22

bool read_entry(std::span<const std::uint8_t> ram, std::uint32_t addr, std::uint32_t& out) {
  if (addr > ram.size() || ram.size() - addr < 4) return false;
  std::memcpy(&out, ram.data() + addr, 4);
  return true;
}

PageMapping mapping_of(std::uint32_t linear, std::uint32_t frame, std::uint32_t flags, bool large) {
  PageMapping m;
  m.linear = linear & ~(kPageSize - 1);
  m.frame = frame;
  m.user = (flags & kUser) != 0;
  m.writable = (flags & kWritable) != 0;
  m.large = large;
  return m;
}

}  // namespace

std::optional<PageMapping> walk_page_tables(std::span<const std::uint8_t> ram, std::uint32_t cr3,
                                            std::uint32_t linear, bool pse) {
  // Intel SDM vol. 3A 4.3 "32-bit paging": PDE at CR3[31:12] + linear[31:22] * 4. With CR4.PSE and
  // PDE.PS the PDE maps a 4 MiB page at PDE[31:22] (table 4-4) and its U/S, R/W are the only ones;
  // otherwise the PTE is at PDE[31:12] + linear[21:12] * 4 and U/S, R/W are the AND of both levels.
  std::uint32_t pde = 0, pte = 0;
  if (!read_entry(ram, (cr3 & ~0xFFFu) + ((linear >> 22) << 2), pde) || !(pde & kPresent))
    return std::nullopt;
  if (pse && (pde & kPageSizeBit))
    return mapping_of(linear, (pde & kLargeFrameMask) | (linear & ~kLargeFrameMask & ~0xFFFu), pde,
                      true);
  if (!read_entry(ram, (pde & ~0xFFFu) + (((linear >> 12) & 0x3FF) << 2), pte) || !(pte & kPresent))
    return std::nullopt;
  return mapping_of(linear, pte & ~0xFFFu, pde & pte, false);
}

std::optional<std::uint32_t> page_fault_error(const std::optional<PageMapping>& m, bool write,
                                              bool user, bool wp) {
  // Intel SDM vol. 3A 4.6: user mode needs U/S in every level, and R/W for a write; supervisor
  // mode may read anything mapped and write read-only pages too unless CR0.WP is set. 4.7: the
  // error code says present (P), write (W/R) and user (U/S).
  const std::uint32_t code = (write ? kPfWrite : 0u) | (user ? kPfUser : 0u);
  if (!m) return code;
  if (user && !m->user) return code | kPfProtection;
  if (write && !m->writable && (user || wp)) return code | kPfProtection;
  return std::nullopt;
}

std::optional<PageMapping> first_unaliasable(std::span<const std::uint8_t> ram, std::uint32_t cr3,
                                             bool pse) {
  const std::uint64_t ram_size = ram.size();
  for (std::uint32_t pdi = 0; pdi < 1024; ++pdi) {
    const std::uint64_t base = std::uint64_t{pdi} << 22;
    if (base >= ram_size) break;  // linear pages beyond RAM can always be aliased
    std::uint32_t pde = 0;
    if (!read_entry(ram, (cr3 & ~0xFFFu) + (pdi << 2), pde) || !(pde & kPresent)) continue;
    if (pse && (pde & kPageSizeBit)) {  // one 4 MiB page: identity or not as a whole
      if ((pde & kLargeFrameMask) != base)
        return mapping_of(static_cast<std::uint32_t>(base), pde & kLargeFrameMask, pde, true);
      continue;
    }
    for (std::uint32_t pti = 0; pti < 1024; ++pti) {
      const std::uint64_t linear = base + (std::uint64_t{pti} << 12);
      if (linear >= ram_size) break;
      std::uint32_t pte = 0;
      if (!read_entry(ram, (pde & ~0xFFFu) + (pti << 2), pte) || !(pte & kPresent)) continue;
      if ((pte & ~0xFFFu) != linear)
        return mapping_of(static_cast<std::uint32_t>(linear), pte & ~0xFFFu, pde & pte, false);
    }
  }
  return std::nullopt;
}

LinearAliases::Result LinearAliases::on_unmapped(std::uint32_t cr3, std::uint32_t linear,
                                                 PageMapping* found, bool pse) {
  const std::uint32_t page = linear & ~(kPageSize - 1);
  if (page < ram_.size()) return Result::kInsideRam;
  auto m = walk_page_tables(ram_, cr3, linear, pse);
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
