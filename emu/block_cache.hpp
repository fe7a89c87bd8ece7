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
  // The address of the block's last CMPXCHG8B, 0 if it has none (emu/block_timing.cpp, WORKAROUND
  // cmpxchg8b lazy flags).
  std::uint32_t last_cmpxchg8b = 0;
  std::uint32_t total() const { return before.back(); }
  // Index of the instruction starting at `addr`, or -1.
  int index_of(std::uint32_t a) const;
};

// Decodes `bytes` (readable 16 bytes past `size`) as a block starting at `addr`, with its prefix
// sums; stops at the first undecodable byte.
Block decode_block(Decoder& dec, std::uint32_t addr, const std::uint8_t* bytes, std::uint32_t size);

// Which bytes of the first 24 code bytes, read as three little-endian words, belong to a block of
// n bytes: kCodeMasks[min(n, 24)][word] (a table, so that a cache slot need not hold them).
inline constexpr auto kCodeMasks = [] {
  std::array<std::array<std::uint64_t, 3>, 25> t{};
  for (std::uint32_t n = 0; n < t.size(); ++n) {
    for (std::uint32_t i = 0; i < 3; ++i) {
      const std::uint32_t from = 8 * i;
      t[n][i] = n >= from + 8 ? ~0ull : n <= from ? 0 : (1ull << (8 * (n - from))) - 1;
    }
  }
  return t;
}();

// Blocks by (address, size, bytes). Unicorn retranslates code that changed; the cache must notice
// too, or a block rewritten in place (a program loaded over another, self-modifying code) would
// keep the old block's costs and instruction classes. So every hit is checked against the live
// bytes (a few words; the slot remembers where in RAM they lay, until the paging registers may have
// changed, so the hot path does not translate). A changed block is decoded again; the old version
// is kept (the machine may still point at it, e.g. in its history of recent blocks), so a Block&
// stays valid for the cache's lifetime.
class BlockCache {
 public:
  explicit BlockCache(Decoder& dec) : dec_(dec) {}
  // What fast mode needs of a block on every execution, kept beside the lookup key so that the hot
  // path reads one slot and not the Block's vectors.
  struct Summary {
    std::uint32_t total = 0;  // static cycles of the whole block
    std::uint16_t insns = 0;
    std::uint16_t taken_extra = 0;  // kBranch: cycles added when it is taken
    // kBranch: the block ends with a conditional branch, whose fall-through address is the
    // block's end (addr + size; a block where it is not is rare).
    enum class End : std::uint8_t { kPlain, kBranch, kIret } end = End::kPlain;
    // Block::has_rdtsc, flushes_tlb, checked_at_boundary or last_cmpxchg8b (or an odd branch
    // end): the block hook's rare path reads the Block itself (one flag keeps the slot to one
    // cache line).
    bool rare = false;
  };
  struct Hit {
    const Block* block;
    const Summary* summary;
    // The block's code is not what it was when this block last ran (self-modifying code, a program
    // loaded over another, a patch through another mapping of the frame).
    bool changed = false;
  };
  // The block Unicorn is about to run, whose code is `live` (size bytes of guest memory, readable
  // to at least kLiveBytes). Decoded on first sight. `live_gen`: when `live` lies in guest RAM,
  // the code-fetch generation under which that address stays the block's (CodeFetch::generation),
  // else 0.
  static constexpr std::uint32_t kLiveBytes = 32;
  Hit get(std::uint32_t addr, std::uint32_t size, const std::uint8_t* live,
          std::uint32_t live_gen) {
    Slot& s = slot(addr);
    bool changed = false;
    if (!(s.addr == addr && s.size == size && s.block && same_code(s, s.block, live)))
      fill(s, get_slow(addr, size, live, changed), live);
    s.host = live_gen ? live : nullptr;
    s.gen = live_gen;
    return {s.block, &s.summary, changed};
  }
  // The hot path (every block execution in fast mode): one direct-mapped probe, then the code
  // compared where get() last found it in RAM, if that still holds (`gen`, the current code-fetch
  // generation, is the one it was found under): the first 24 bytes as words kept in the slot, the
  // rest against the Block's copy. {nullptr, nullptr} when get() must look.
  Hit probe(std::uint32_t addr, std::uint32_t size, std::uint32_t gen) const {
    const Slot& s = slot(addr);
    if (s.addr == addr && s.size == size && s.gen == gen && same_code(s, s.block, s.host))
        [[likely]] {
      return {s.block, &s.summary};
    }
    return {nullptr, nullptr};
  }
  void clear() {
    map_.clear();
    clear_front();
  }
  // Forget where code was found (a code-fetch generation wrapped around).
  void clear_front() { front_.assign(kFrontSize, Slot{}); }
  std::size_t size() const { return map_.size(); }
  std::uint64_t redecoded() const { return redecoded_; }  // blocks whose code changed

 private:
  static constexpr std::size_t kFrontSize = 1u << 14;
  // One cache line: a kernel runs thousands of blocks, and the hook reads nothing else of a slot.
  struct alignas(64) Slot {
    std::uint32_t addr = 0;
    std::uint32_t size = 0;
    std::uint32_t gen = 0;  // host is valid under this code-fetch generation (0: never)
    Summary summary;
    const Block* block = nullptr;
    const std::uint8_t* host = nullptr;  // where the code lay in RAM
    std::uint64_t words[3] = {};         // the first 24 code bytes, zero past `size`
  };
  static_assert(sizeof(Slot) == 64);
  static constexpr std::uint32_t kSlotBytes = 24;
  static_assert(kCodeMasks.size() == kSlotBytes + 1);
  Slot& slot(std::uint32_t addr) { return front_[(addr ^ (addr >> 13)) & (kFrontSize - 1)]; }
  const Slot& slot(std::uint32_t addr) const {
    return front_[(addr ^ (addr >> 13)) & (kFrontSize - 1)];
  }
  static std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  // Separate 8-byte loads: one 32-byte copy to the stack read back in halves made the compiler
  // spill through a 16-byte store, and each 8-byte reload of its upper half missed store
  // forwarding. Bytes from 24 on are compared a word at a time with the Block's copy (the last
  // word may overlap the one before): no call, so the block hook's common case stays a leaf.
  static bool same_code(const Slot& s, const Block* b, const std::uint8_t* live) {
    const auto& m = kCodeMasks[s.size < kSlotBytes ? s.size : kSlotBytes];
    std::uint64_t diff = ((load64(live) & m[0]) ^ s.words[0]) |
                         ((load64(live + 8) & m[1]) ^ s.words[1]) |
                         ((load64(live + 16) & m[2]) ^ s.words[2]);
    if (s.size > kSlotBytes) {
      const std::uint8_t* known = b->bytes.data();
      std::uint32_t off = kSlotBytes;
      for (; off + 8 <= s.size; off += 8) diff |= load64(known + off) ^ load64(live + off);
      if (off < s.size) diff |= load64(known + s.size - 8) ^ load64(live + s.size - 8);
    }
    return diff == 0;
  }
  static void fill(Slot& s, const Block& b, const std::uint8_t* live);
  // The version of (addr, size) whose bytes are `live`, decoded if none is; versions are kept with
  // the one that ran last at the back, so `changed` says whether that is another one now.
  const Block& get_slow(std::uint32_t addr, std::uint32_t size, const std::uint8_t* live,
                        bool& changed);
  Decoder& dec_;
  // Every version seen at (addr, size), newest last.
  std::unordered_map<std::uint64_t, std::vector<std::unique_ptr<Block>>> map_;
  std::vector<Slot> front_ = std::vector<Slot>(kFrontSize);
  std::uint64_t redecoded_ = 0;
};

}  // namespace fs
