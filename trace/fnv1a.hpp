// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3): the one hash of the trace
// format's checksums (docs/trace-format.md), of an image's build id (loader/elf_image.cpp) and of
// the --serial-input bytes a trace header records. Not cryptographic: it catches damage, not
// tampering. Pass the previous result as h to hash a sequence of pieces as one.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fs::trace {

inline constexpr std::uint64_t kFnv1aBasis = 0xcbf29ce484222325ull;

inline std::uint64_t fnv1a64(const void* data, std::size_t n, std::uint64_t h = kFnv1aBasis) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace fs::trace
