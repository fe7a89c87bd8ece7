#include "trace/chunk_match.hpp"

#include <algorithm>

namespace fs::trace {

namespace {

// What places a chunk's records in the stream: everything of its index entry but where it lies.
bool same_place(const ChunkInfo& a, const ChunkInfo& b) {
  return a.first_seq == b.first_seq && a.first_cycle == b.first_cycle &&
         a.instructions == b.instructions && a.events == b.events && a.first_eip == b.first_eip;
}

}  // namespace

ChunkMatch match_chunk(Reader& a, Reader& b, std::size_t k) {
  if (k >= a.chunk_count() || k >= b.chunk_count()) return ChunkMatch::kNone;
  if (!same_place(a.chunks()[k], b.chunks()[k])) return ChunkMatch::kNone;
  try {
    // raw_chunk() checked each header against its index entry, so the headers place the records
    // alike; equal headers also mean equal sizes and payload checksums.
    const Reader::RawChunk ra = a.raw_chunk(k);
    const Reader::RawChunk rb = b.raw_chunk(k);
    if (std::ranges::equal(ra.header, rb.header) &&
        std::ranges::equal(ra.compressed, rb.compressed))
      return ChunkMatch::kSameBytes;
    // Other bytes (another zstd level or version): compare what they decompress to.
    const std::span<const std::uint8_t> pa = a.chunk_payload(k);
    return std::ranges::equal(pa, b.chunk_payload(k)) ? ChunkMatch::kSamePayload
                                                      : ChunkMatch::kNone;
  } catch (const TraceError&) {
    return ChunkMatch::kNone;
  }
}

}  // namespace fs::trace
