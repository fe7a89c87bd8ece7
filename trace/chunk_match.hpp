// Whether two traces' chunks hold the same records, told below the record level (trace diff's fast
// path). A chunk decodes alone, from its own header and payload (docs/trace-format.md "Chunk"), so
// equal header fields (first seq, first cycle, instruction and event counts, first EIP) with equal
// compressed bytes, or else with equal decompressed payloads, mean equal records.
#pragma once

#include <cstddef>
#include <cstdint>

#include "trace/trace_reader.hpp"

namespace fs::trace {

enum class ChunkMatch : std::uint8_t {
  kNone,         // not shown equal: compare the records (a damaged chunk is always kNone, so the
                 // reader, decoding it, is the one that reports it)
  kSameBytes,    // the same header and compressed bytes in both files
  kSamePayload,  // other compressed bytes (another zstd level), the same payload
};

// Compares chunk k of a with chunk k of b. Leaves both readers' read positions alone.
ChunkMatch match_chunk(Reader& a, Reader& b, std::size_t k);

}  // namespace fs::trace
