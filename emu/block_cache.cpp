#include "emu/block_cache.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace fs {

int Block::index_of(std::uint32_t a) const {
  for (std::size_t i = 0; i < insns.size(); ++i)
    if (insns[i].addr == a) return static_cast<int>(i);
  return -1;
}

Block decode_block(Decoder& dec, std::uint32_t addr, const std::uint8_t* bytes,
                   std::uint32_t size) {
  Block b;
  b.addr = addr;
  b.size = size;
  b.before.push_back(0);
  std::uint32_t off = 0;
  while (off < size) {
    DecodedInsn d = dec.decode_one(addr + off, bytes + off, size - off);
    if (d.len == 0) break;
    b.has_rdtsc |= d.cls == InsnClass::kRdtsc;
    b.flushes_tlb |= d.flushes_tlb;
    if (d.cmpxchg8b) b.last_cmpxchg8b = d.addr;
    b.checked_at_boundary |=
        d.cls == InsnClass::kIo || (d.len >= 3 && bytes[off] == 0x0F &&
                                    (bytes[off + 1] == 0x21 || bytes[off + 1] == 0x23));  // MOV DRn
    b.insns.push_back(d);
    b.before.push_back(b.before.back() + d.cycles);
    off += d.len;
  }
  return b;
}

void BlockCache::fill(Slot& s, const Block& b, const std::uint8_t* live) {
  s.addr = b.addr;
  s.size = b.size;
  s.block = &b;
  const auto& mask = kCodeMasks[b.size < kSlotBytes ? b.size : kSlotBytes];
  for (unsigned i = 0; i < 3; ++i) s.words[i] = load64(live + 8 * i) & mask[i];
  Summary& m = s.summary;
  m = Summary{};
  m.total = b.total();
  m.insns = static_cast<std::uint16_t>(b.insns.size());
  m.rare = b.has_rdtsc || b.flushes_tlb || b.checked_at_boundary || b.last_cmpxchg8b != 0;
  if (!b.insns.empty()) {
    const DecodedInsn& last = b.insns.back();
    if (last.cls == InsnClass::kCondBranch) {
      m.end = Summary::End::kBranch;
      m.taken_extra = last.taken_extra;
      m.rare |= last.addr + last.len != b.addr + b.size;  // the hook assumes addr + size
    } else if (last.cls == InsnClass::kIret) {
      m.end = Summary::End::kIret;
    }
  }
}

const Block& BlockCache::get_slow(std::uint32_t addr, std::uint32_t size, const std::uint8_t* live,
                                  bool& changed) {
  const std::uint64_t key = (std::uint64_t{addr} << 16) ^ size;
  auto& versions = map_[key];
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (std::memcmp((*it)->bytes.data(), live, size) != 0) continue;
    if (it != versions.rbegin()) {  // an older version is back: it becomes the last one run
      changed = true;
      const auto at = std::next(it).base();
      std::rotate(at, std::next(at), versions.end());
    }
    return *versions.back();
  }
  if (!versions.empty()) {
    ++redecoded_;
    changed = true;
  }
  // Capstone may look past the block's end for the last instruction's bytes; give it zeros.
  std::vector<std::uint8_t> bytes(size + 16, 0);
  std::memcpy(bytes.data(), live, size);
  auto b = std::make_unique<Block>(decode_block(dec_, addr, bytes.data(), size));
  b->bytes.assign(live, live + size);
  versions.push_back(std::move(b));
  return *versions.back();
}

}  // namespace fs
