// Decoded translated blocks with their cycle costs.
//
// Fast mode pays per block, not per instruction: the first time Unicorn runs a block, Capstone
// decodes it once and the cycle table prices every instruction; afterwards the block hook only
// looks the block up and adds its total. The per-instruction prefix sums let the machine place an
// event at an exact instruction boundary inside a block, and time an I/O access to its own
// instruction.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "x86/decoder.hpp"

namespace fs {

struct Block {
  std::uint32_t addr = 0;
  std::uint32_t size = 0;
  std::vector<std::uint8_t> bytes;  // the code decoded (size bytes), to notice when it changes
  std::vector<DecodedInsn> insns;
  std::vector<std::uint32_t>
      before;  // before[i]: cycles of insns[0..i) ; before[n] = total static cost
  bool has_rdtsc = false;
  bool flushes_tlb = false;  // some instruction flushes the TLB (it ends the block in QEMU)
  // Some instruction is I/O or MOV to/from DRn: the machine checks or runs it itself at the
  // boundary before it (emu/machine_intercept.cpp, issue 12).
  bool checked_at_boundary = false;
  std::uint32_t total() const { return before.back(); }
  // Index of the instruction starting at `addr`, or -1.
  int index_of(std::uint32_t a) const;
};

// Decodes `bytes` (readable 16 bytes past `size`) as a block starting at `addr`, with its prefix
// sums; stops at the first undecodable byte.
Block decode_block(Decoder& dec, std::uint32_t addr, const std::uint8_t* bytes, std::uint32_t size);

// Which bytes of the first 32 code bytes, read as four little-endian words, belong to a block of n
// bytes: kCodeMasks[min(n, 32)][word] (a table, so that a cache slot need not hold them).
inline constexpr auto kCodeMasks = [] {
  std::array<std::array<std::uint64_t, 4>, 33> t{};
  for (std::uint32_t n = 0; n < t.size(); ++n) {
    for (std::uint32_t i = 0; i < 4; ++i) {
      const std::uint32_t from = 8 * i;
      t[n][i] = n >= from + 8 ? ~0ull : n <= from ? 0 : (1ull << (8 * (n - from))) - 1;
    }
  }
  return t;
}();

// Blocks by (address, size, bytes). Unicorn retranslates code that changed; the cache must notice
// too, or a block rewritten in place (a program loaded over another, self-modifying code) would
// keep the old block's costs and instruction classes. So every hit is checked against the live
// bytes: one memcmp of a few dozen bytes. A changed block is decoded again; the old version is kept
// (the machine may still point at it, e.g. in its history of recent blocks), so a Block& stays
// valid for the cache's lifetime.
class BlockCache {
 public:
  explicit BlockCache(Decoder& dec) : dec_(dec) {}
  // What fast mode needs of a block on every execution, kept beside the lookup key so that the hot
  // path reads one slot and not the Block's vectors.
  struct Summary {
    std::uint32_t total = 0;        // static cycles of the whole block
    std::uint32_t fallthrough = 0;  // kBranch: the address after the conditional branch
    std::uint16_t insns = 0;
    std::uint16_t taken_extra = 0;  // kBranch: cycles added when it is taken
    enum class End : std::uint8_t { kPlain, kBranch, kIret } end = End::kPlain;
    // Block::has_rdtsc, flushes_tlb or checked_at_boundary: the block hook's rare path reads the
    // Block itself (one flag keeps the slot to one cache line).
    bool rare = false;
  };
  struct Hit {
    const Block* block;
    const Summary* summary;
  };
  // The block Unicorn is about to run, whose code is `live` (size bytes of guest memory, readable
  // to at least kLiveBytes). Decoded on first sight. The hot path is one direct-mapped probe and a
  // compare of the first 32 bytes as four masked words kept in the slot, a memcmp only for longer
  // blocks (this runs on every block execution in fast mode).
  static constexpr std::uint32_t kLiveBytes = 32;
  static_assert(kCodeMasks.size() == kLiveBytes + 1);
  Hit get(std::uint32_t addr, std::uint32_t size, const std::uint8_t* live) {
    if (const Hit h = probe(addr, size, live); h.block) [[likely]]
      return h;
    Slot& s = slot(addr);
    fill(s, get_slow(addr, size, live), live);
    return {s.block, &s.summary};
  }
  // get() without decoding: {nullptr, nullptr} unless the slot holds this block with this code.
  Hit probe(std::uint32_t addr, std::uint32_t size, const std::uint8_t* live) const {
    const Slot& s = slot(addr);
    if (s.addr == addr && s.size == size && s.block && same_words(s, live) &&
        (size <= kLiveBytes || same_tail(s.block->bytes.data(), live, size))) [[likely]] {
      return {s.block, &s.summary};
    }
    return {nullptr, nullptr};
  }
  void clear() {
    map_.clear();
    front_.assign(kFrontSize, Slot{});
  }
  std::size_t size() const { return map_.size(); }
  std::uint64_t redecoded() const { return redecoded_; }  // blocks whose code changed

 private:
  static constexpr std::size_t kFrontSize = 1u << 14;
  // One cache line: a kernel runs thousands of blocks, and the hook reads nothing else of a slot.
  struct alignas(64) Slot {
    std::uint32_t addr = 0, size = 0;
    const Block* block = nullptr;
    Summary summary;
    std::uint64_t words[4] = {};  // the first 32 code bytes, zero past `size`
  };
  static_assert(sizeof(Slot) == 64);
  Slot& slot(std::uint32_t addr) { return front_[(addr ^ (addr >> 13)) & (kFrontSize - 1)]; }
  const Slot& slot(std::uint32_t addr) const {
    return front_[(addr ^ (addr >> 13)) & (kFrontSize - 1)];
  }
  static std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  // Four separate 8-byte loads: one 32-byte copy to the stack read back in halves made the compiler
  // spill through a 16-byte store, and each 8-byte reload of its upper half missed store
  // forwarding.
  static bool same_words(const Slot& s, const std::uint8_t* live) {
    const auto& m = kCodeMasks[s.size < kLiveBytes ? s.size : kLiveBytes];
    return (((load64(live) & m[0]) ^ s.words[0]) | ((load64(live + 8) & m[1]) ^ s.words[1]) |
            ((load64(live + 16) & m[2]) ^ s.words[2]) |
            ((load64(live + 24) & m[3]) ^ s.words[3])) == 0;
  }
  // Bytes [32, size) of a longer block, a word at a time (the last word may overlap the one
  // before): no call, so the block hook's common case stays a leaf.
  static bool same_tail(const std::uint8_t* known, const std::uint8_t* live, std::uint32_t size) {
    std::uint64_t diff = 0;
    std::uint32_t off = kLiveBytes;
    for (; off + 8 <= size; off += 8) diff |= load64(known + off) ^ load64(live + off);
    if (off < size) diff |= load64(known + size - 8) ^ load64(live + size - 8);
    return diff == 0;
  }
  static void fill(Slot& s, const Block& b, const std::uint8_t* live);
  const Block& get_slow(std::uint32_t addr, std::uint32_t size, const std::uint8_t* live);
  Decoder& dec_;
  // Every version seen at (addr, size), newest last.
  std::unordered_map<std::uint64_t, std::vector<std::unique_ptr<Block>>> map_;
  std::vector<Slot> front_ = std::vector<Slot>(kFrontSize);
  std::uint64_t redecoded_ = 0;
};

}  // namespace fs
