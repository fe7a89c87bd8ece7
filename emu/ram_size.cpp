#include "emu/ram_size.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace fs {

std::string size_text(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  unsigned u = 0;
  while (u + 1 < std::size(kUnits) && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++u;
  }
  return fmt::format("{} {}", bytes, kUnits[u]);
}

std::uint64_t checked_ram_size(std::uint64_t bytes) {
  if (bytes < kMinRamBytes || bytes > kMaxRamBytes || bytes % kRamGranule) {
    throw std::invalid_argument(
        fmt::format("RAM size {}: must be a multiple of {} between {} and {}", size_text(bytes),
                    size_text(kRamGranule), size_text(kMinRamBytes), size_text(kMaxRamBytes)));
  }
  return bytes;
}

}  // namespace fs
