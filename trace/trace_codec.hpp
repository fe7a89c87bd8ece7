// Internal to trace/: the byte-level pieces shared by the writer and the reader (constants, little
// endian fields, LEB128 varints, zigzag, FNV-1a). docs/trace-format.md is the specification; a
// change here is a change there and a kFormatVersion bump.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "trace/fnv1a.hpp"
#include "trace/trace_format.hpp"

namespace fs::trace::codec {

inline constexpr char kFileMagic[8] = {'F', 'S', 'T', 'R', 'A', 'C', 'E', '\0'};
inline constexpr char kChunkMagic[4] = {'F', 'S', 'C', 'K'};
inline constexpr char kIndexMagic[4] = {'F', 'S', 'I', 'X'};
inline constexpr char kTrailerMagic[8] = {'F', 'S', 'T', 'R', 'E', 'N', 'D', '\0'};

inline constexpr std::size_t kFilePrefixBytes = 16;  // magic, version, body length
inline constexpr std::size_t kChunkHeaderBytes = 56;
inline constexpr std::size_t kIndexEntryBytes = 40;
inline constexpr std::size_t kTrailerBytes = 24;
// A chunk's sections, in the order stored (docs/trace-format.md "Chunk"). Version 2 has the
// first six; version 3 adds the memory writes'.
enum Section : std::size_t {
  kOps,
  kCycles,
  kEips,
  kRegs,
  kValues,
  kEvents,
  kMemOps,
  kMemAddrs,
  kMemValues
};
inline constexpr std::size_t kSectionCountV2 = kMemOps;
inline constexpr std::size_t kSectionCount = kMemValues + 1;
constexpr std::size_t section_count(std::uint32_t version) {
  return version >= kMemWritesVersion ? kSectionCount : kSectionCountV2;
}
inline constexpr std::size_t kSnapshotBytes = kRegCount * 4;
constexpr std::size_t payload_prefix_bytes(std::uint32_t version) {
  return kSnapshotBytes + section_count(version) * 4;
}
inline constexpr std::size_t kPayloadPrefixBytes = payload_prefix_bytes(kFormatVersion);

inline constexpr std::size_t kMaxImageName = 4096;
inline constexpr std::size_t kMaxOptions = 4096;
inline constexpr std::size_t kMaxOptionKey = 4096;
inline constexpr std::size_t kMaxOptionValue = 65536;
inline constexpr std::size_t kMaxFrameWords = 8;
inline constexpr std::size_t kMaxRegWords = 16;  // RetFromFork/Fork pt_regs
inline constexpr std::size_t kMaxStopMessage = 65536;
inline constexpr std::size_t kMaxChangesPerInsn = kRegCount - 1;  // every register but EIP
inline constexpr std::uint32_t kMaxChunkPayload = 256u << 20;     // uncompressed bytes
inline constexpr std::uint32_t kSealPayload = 64u << 20;          // writer seals a chunk past this

// Instruction op byte: bit 7 (version 3 on) memory writes follow in mem_ops, bits 6-5 number of
// changes (3: a varint count >= 3 follows in the regs section), bit 4 EIP is not the fallthrough,
// bits 3-0 length.
inline constexpr std::uint8_t kOpJump = 0x10;
inline constexpr unsigned kOpChangesShift = 5;
inline constexpr std::uint8_t kOpMem = 0x80;

// A memory write's mem_ops byte: bits 1-0 log2 of its size (1, 2, 4, 8), bit 2 another write of the
// same instruction follows; bits 7-3 zero.
inline constexpr std::uint8_t kMemSizeMask = 0x03;
inline constexpr std::uint8_t kMemMore = 0x04;
// log2 of a write's size, or -1 if it is not 1, 2, 4 or 8.
constexpr int mem_size_code(std::uint8_t size) {
  return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : -1;
}
// The value as stored: its low `size` bytes.
constexpr std::uint64_t mem_value_mask(std::uint8_t size) {
  return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

// Registers whose changes are stored as XOR (bit flips) instead of a zigzag difference.
constexpr bool xor_coded(Reg r) {
  return r == Reg::kEflags || r == Reg::kCr0;
}

using ::fs::trace::fnv1a64;  // trace/fnv1a.hpp

constexpr std::uint32_t zigzag32(std::int32_t v) {
  return (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31);
}
constexpr std::int32_t unzigzag32(std::uint32_t u) {
  return static_cast<std::int32_t>((u >> 1) ^ (0u - (u & 1)));
}
constexpr std::uint64_t zigzag64(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
constexpr std::int64_t unzigzag64(std::uint64_t u) {
  return static_cast<std::int64_t>((u >> 1) ^ (0ull - (u & 1)));
}

// ---- Writing: raw pointer helpers (the caller reserved room) -------------------------------

inline std::uint8_t* put_varint(std::uint8_t* p, std::uint64_t x) {
  while (x >= 0x80) {
    *p++ = static_cast<std::uint8_t>(x | 0x80);
    x >>= 7;
  }
  *p++ = static_cast<std::uint8_t>(x);
  return p;
}

// A growable byte buffer that never shrinks: tail(n) returns room for n bytes at the end, commit(p)
// sets the end to p.
class ByteBuf {
 public:
  std::uint8_t* tail(std::size_t n) {
    if (size_ + n > buf_.size()) grow(size_ + n);
    return buf_.data() + size_;
  }
  void commit(std::uint8_t* end) { size_ = static_cast<std::size_t>(end - buf_.data()); }
  const std::uint8_t* data() const { return buf_.data(); }
  std::uint8_t* data() { return buf_.data(); }
  std::size_t size() const { return size_; }
  void clear() { size_ = 0; }

  void u8(std::uint8_t v) { commit(&(*tail(1) = v) + 1); }
  void u16(std::uint16_t v) { le(v, 2); }
  void u32(std::uint32_t v) { le(v, 4); }
  void u64(std::uint64_t v) { le(v, 8); }
  void varint(std::uint64_t v) { commit(put_varint(tail(10), v)); }
  void bytes(const void* p, std::size_t n) {
    if (n == 0) return;
    std::memcpy(tail(n), p, n);
    size_ += n;
  }

 private:
  void le(std::uint64_t v, int n) {
    std::uint8_t* p = tail(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
    size_ += static_cast<std::size_t>(n);
  }
  void grow(std::size_t need) {
    std::size_t cap = buf_.size() < 4096 ? 4096 : buf_.size();
    while (cap < need) cap *= 2;
    buf_.resize(cap);
  }

  std::vector<std::uint8_t> buf_;
  std::size_t size_ = 0;
};

// ---- Reading: a bounds-checked cursor ------------------------------------------------------

// Thrown by Cursor on any overrun or malformed value; the reader turns it into a TraceError that
// names the file and the chunk.
struct Malformed {
  const char* what;
};

class Cursor {
 public:
  Cursor() = default;
  Cursor(const std::uint8_t* p, std::size_t n) : p_(p), end_(p + n) {}

  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
  bool done() const { return p_ == end_; }

  const std::uint8_t* take(std::size_t n, const char* what) {
    if (left() < n) throw Malformed{what};
    const std::uint8_t* r = p_;
    p_ += n;
    return r;
  }
  std::uint8_t u8(const char* what) { return *take(1, what); }
  std::uint16_t u16(const char* what) { return static_cast<std::uint16_t>(le(2, what)); }
  std::uint32_t u32(const char* what) { return static_cast<std::uint32_t>(le(4, what)); }
  std::uint64_t u64(const char* what) { return le(8, what); }
  bool boolean(const char* what) {
    const std::uint8_t b = u8(what);
    if (b > 1) throw Malformed{what};
    return b != 0;
  }

  std::uint64_t varint64(const char* what) {
    std::uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) throw Malformed{what};
      const std::uint8_t b = *p_++;
      if (shift == 63 && b > 1) throw Malformed{what};
      x |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return x;
    }
    throw Malformed{what};
  }
  std::uint32_t varint32(const char* what) {
    const std::uint64_t x = varint64(what);
    if (x > 0xFFFFFFFFu) throw Malformed{what};
    return static_cast<std::uint32_t>(x);
  }
  std::uint16_t varint16(const char* what) {
    const std::uint64_t x = varint64(what);
    if (x > 0xFFFFu) throw Malformed{what};
    return static_cast<std::uint16_t>(x);
  }

 private:
  std::uint64_t le(int n, const char* what) {
    const std::uint8_t* p = take(static_cast<std::size_t>(n), what);
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    return v;
  }

  const std::uint8_t* p_ = nullptr;
  const std::uint8_t* end_ = nullptr;
};

inline std::uint32_t load_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
inline std::uint64_t load_u64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(load_u32(p)) | static_cast<std::uint64_t>(load_u32(p + 4))
                                                       << 32;
}
inline void store_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void store_u64(std::uint8_t* p, std::uint64_t v) {
  store_u32(p, static_cast<std::uint32_t>(v));
  store_u32(p + 4, static_cast<std::uint32_t>(v >> 32));
}

// The 56-byte chunk header (docs/trace-format.md "Chunk").
struct ChunkHeader {
  std::uint32_t instructions = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t first_cycle = 0;
  std::uint32_t events = 0;
  std::uint32_t first_eip = 0;
  std::uint32_t compressed_size = 0;
  std::uint32_t uncompressed_size = 0;
  std::uint64_t payload_checksum = 0;
};

inline void encode_chunk_header(const ChunkHeader& h, std::uint8_t* out) {
  std::memcpy(out, kChunkMagic, 4);
  store_u32(out + 4, h.instructions);
  store_u64(out + 8, h.first_seq);
  store_u64(out + 16, h.first_cycle);
  store_u32(out + 24, h.events);
  store_u32(out + 28, h.first_eip);
  store_u32(out + 32, h.compressed_size);
  store_u32(out + 36, h.uncompressed_size);
  store_u64(out + 40, h.payload_checksum);
  store_u32(out + 48, 0);
  store_u32(out + 52, static_cast<std::uint32_t>(fnv1a64(out, 52)));
}

// False if the magic or the header checksum is wrong.
inline bool decode_chunk_header(const std::uint8_t* in, ChunkHeader& h) {
  if (std::memcmp(in, kChunkMagic, 4) != 0) return false;
  if (load_u32(in + 52) != static_cast<std::uint32_t>(fnv1a64(in, 52))) return false;
  if (load_u32(in + 48) != 0) return false;
  h.instructions = load_u32(in + 4);
  h.first_seq = load_u64(in + 8);
  h.first_cycle = load_u64(in + 16);
  h.events = load_u32(in + 24);
  h.first_eip = load_u32(in + 28);
  h.compressed_size = load_u32(in + 32);
  h.uncompressed_size = load_u32(in + 36);
  h.payload_checksum = load_u64(in + 40);
  return true;
}

}  // namespace fs::trace::codec
