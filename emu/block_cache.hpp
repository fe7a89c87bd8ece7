// Decoded translated blocks with their cycle costs.
//
// Fast mode pays per block, not per instruction: the first time Unicorn runs a block, Capstone
// decodes it once and the cycle table prices every instruction; afterwards the block hook only
// looks the block up and adds its total. The per-instruction prefix sums let the machine place an
// event at an exact instruction boundary inside a block, and time an I/O access to its own
// instruction.
#pragma once

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
    bool has_rdtsc = false;
    bool flushes_tlb = false;
    bool checked_at_boundary = false;  // Block::checked_at_boundary
    bool has_cmpxchg8b = false;        // Block::last_cmpxchg8b != 0
  };
  struct Hit {
    const Block* block;
    const Summary* summary;
    // The block's code is not what it was when this block last ran (self-modifying code, a program
    // loaded over another, a patch through another mapping of the frame).
    bool changed = false;
  };
  // The block Unicorn is about to run, whose code is `live` (size bytes of guest memory, readable
  // to at least kLiveBytes). Decoded on first sight. The hot path is one direct-mapped probe and a
  // compare of the first 32 bytes as four masked words kept in the slot, a memcmp only for longer
  // blocks (this runs on every block execution in fast mode).
  static constexpr std::uint32_t kLiveBytes = 32;
  Hit get(std::uint32_t addr, std::uint32_t size, const std::uint8_t* live) {
    Slot& s = front_[(addr ^ (addr >> 13)) & (kFrontSize - 1)];
    if (s.addr == addr && s.size == size && s.block && same_words(s, live) &&
        (size <= kLiveBytes || std::memcmp(s.block->bytes.data() + kLiveBytes, live + kLiveBytes,
                                           size - kLiveBytes) == 0)) [[likely]] {
      return {s.block, &s.summary};
    }
    bool changed = false;
    fill(s, get_slow(addr, size, live, changed), live);
    return {s.block, &s.summary, changed};
  }
  void clear() {
    map_.clear();
    front_.assign(kFrontSize, Slot{});
  }
  std::size_t size() const { return map_.size(); }
  std::uint64_t redecoded() const { return redecoded_; }  // blocks whose code changed

 private:
  static constexpr std::size_t kFrontSize = 1u << 14;
  struct alignas(64) Slot {
    std::uint32_t addr = 0, size = 0;
    const Block* block = nullptr;
    Summary summary;
    std::uint64_t words[4] = {};  // the first 32 code bytes, zero past `size`
    std::uint64_t masks[4] = {};  // which of their bytes are the block's
  };
  static std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  // Four separate 8-byte loads: one 32-byte copy to the stack read back in halves made the compiler
  // spill through a 16-byte store, and each 8-byte reload of its upper half missed store
  // forwarding.
  static bool same_words(const Slot& s, const std::uint8_t* live) {
    return (((load64(live) & s.masks[0]) ^ s.words[0]) |
            ((load64(live + 8) & s.masks[1]) ^ s.words[1]) |
            ((load64(live + 16) & s.masks[2]) ^ s.words[2]) |
            ((load64(live + 24) & s.masks[3]) ^ s.words[3])) == 0;
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
