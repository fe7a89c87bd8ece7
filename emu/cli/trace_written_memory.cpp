#include "emu/cli/trace_written_memory.hpp"

#include <cstring>

namespace fs::cli {

WrittenMemory::Page& WrittenMemory::page(std::uint32_t base) {
  if (base == last_base_) return *last_;
  std::unique_ptr<Page>& p = pages_[base];
  if (!p) {
    p = std::make_unique<Page>();
    std::memset(p->known, 0, sizeof p->known);
  }
  last_base_ = base;
  last_ = p.get();
  return *p;
}

void WrittenMemory::remember(const trace::Instruction& in) {
  for (const MemWrite& w : in.mem) {
    for (std::uint32_t i = 0; i < w.size; ++i) {
      const std::uint32_t a = w.addr + i, off = a & 0xFFFu;
      Page& p = page(a & ~0xFFFu);
      p.bytes[off] = static_cast<std::uint8_t>(w.value >> (8 * i));
      p.known[off / 64] |= std::uint64_t{1} << (off % 64);
    }
  }
}

std::optional<std::uint8_t> WrittenMemory::byte_at(std::uint32_t addr) const {
  auto it = pages_.find(addr & ~0xFFFu);
  const std::uint32_t off = addr & 0xFFFu;
  if (it == pages_.end() || !(it->second->known[off / 64] >> (off % 64) & 1)) return std::nullopt;
  return it->second->bytes[off];
}

}  // namespace fs::cli
