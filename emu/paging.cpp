#include "emu/paging.hpp"

#include <algorithm>
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

std::optional<std::uint32_t> linear_to_physical(std::span<const std::uint8_t> ram,
                                                const PagingRegs& regs, std::uint32_t linear) {
  if (!regs.enabled()) return linear;
  auto m = walk_page_tables(ram, regs.cr3, linear, regs.pse());
  if (!m) return std::nullopt;
  return m->frame | (linear & (kPageSize - 1));
}

bool copy_from_linear(std::span<const std::uint8_t> ram, const PagingRegs& regs,
                      std::uint32_t linear, void* out, std::size_t n) {
  auto* dst = static_cast<std::uint8_t*>(out);
  bool all = true;
  for (std::size_t off = 0; off < n;) {
    const std::uint32_t addr = linear + static_cast<std::uint32_t>(off);
    const std::size_t k = std::min<std::size_t>(n - off, kPageSize - (addr & (kPageSize - 1)));
    auto phys = linear_to_physical(ram, regs, addr);
    if (phys && std::uint64_t{*phys} + k <= ram.size()) {
      std::memcpy(dst + off, ram.data() + *phys, k);
    } else {
      std::memset(dst + off, 0, k);
      all = false;
    }
    off += k;
  }
  return all;
}

void mark_accessed(std::span<std::uint8_t> ram, const PagingRegs& regs, std::uint32_t linear,
                   bool write) {
  if (!regs.enabled()) return;
  constexpr std::uint32_t kAccessed = 0x20, kDirty = 0x40;
  auto set = [&](std::uint32_t addr, std::uint32_t bits) {
    std::uint32_t e = 0;
    if (!read_entry(ram, addr, e) || !(e & kPresent)) return std::uint32_t{0};
    e |= bits;
    std::memcpy(ram.data() + addr, &e, 4);
    return e;
  };
  const std::uint32_t pde_addr = (regs.cr3 & ~0xFFFu) + ((linear >> 22) << 2);
  std::uint32_t pde = 0;
  if (!read_entry(ram, pde_addr, pde) || !(pde & kPresent)) return;
  if (regs.pse() && (pde & kPageSizeBit)) {  // a 4 MiB page: the PDE is the entry that maps it
    set(pde_addr, kAccessed | (write ? kDirty : 0u));
    return;
  }
  set(pde_addr, kAccessed);
  set((pde & ~0xFFFu) + (((linear >> 12) & 0x3FF) << 2), kAccessed | (write ? kDirty : 0u));
}

}  // namespace fs
