#include "loader/bzimage.hpp"

#include <fmt/format.h>

#include <cstring>

#include "loader/load_error.hpp"

namespace fs {
namespace {

template <typename T>
T get(std::span<const std::uint8_t> f, std::uint32_t at) {
  T v;
  std::memcpy(&v, f.data() + at, sizeof v);  // x86 host: the header's little-endian fields as is
  return v;
}

}  // namespace

bool is_bzimage(std::span<const std::uint8_t> file) {
  return file.size() >= kHeaderMagicAt + 4 &&
         get<std::uint16_t>(file, kBootFlag) == kBootFlagValue &&
         get<std::uint32_t>(file, kHeaderMagicAt) == kHeaderMagic;
}

BzImage parse_bzimage(std::span<const std::uint8_t> f, std::string_view name) {
  if (!is_bzimage(f))
    throw LoadError(
        fmt::format("{}: not a Linux bzImage (no \"HdrS\" setup header at 0x202)", name));
  BzImage bz;
  bz.protocol = get<std::uint16_t>(f, kProtocolVersion);
  if (bz.protocol < kMinProtocol) {
    throw LoadError(fmt::format(
        "{}: boot protocol {}.{:02} is too old: forkscope needs 2.08 or later (payload_offset)",
        name, bz.protocol >> 8, bz.protocol & 0xFF));
  }
  const unsigned sects = f[kSetupSects] ? f[kSetupSects] : 4;  // question 2
  const std::uint64_t pm_start = (std::uint64_t{sects} + 1) * 512;
  const std::uint32_t header_end = kHeaderMagicAt + f[0x201];
  if (header_end <= kPayloadLength + 4 || header_end > kSetupHeaderLimit) {
    throw LoadError(fmt::format("{}: setup header ends at {:#x}, outside [{:#x}, {:#x}]", name,
                                header_end, kPayloadLength + 4, kSetupHeaderLimit));
  }
  if (pm_start > f.size()) {
    throw LoadError(fmt::format(
        "{}: truncated: {} setup sectors end at {:#x}, past the end of the file ({:#x} bytes)",
        name, sects, pm_start, f.size()));
  }
  bz.setup_header = f.subspan(kSetupSects, header_end - kSetupSects);
  bz.loadflags = f[kLoadFlags];
  bz.initrd_addr_max = get<std::uint32_t>(f, kInitrdAddrMax);
  bz.kernel_alignment = get<std::uint32_t>(f, kKernelAlignment);
  bz.cmdline_size = get<std::uint32_t>(f, kCmdlineSize);
  if (bz.protocol >= 0x020A && header_end >= kInitSize + 4) {
    bz.pref_address = get<std::uint64_t>(f, kPrefAddress);
    bz.init_size = get<std::uint32_t>(f, kInitSize);
  }
  const std::uint32_t off = get<std::uint32_t>(f, kPayloadOffset);
  const std::uint32_t len = get<std::uint32_t>(f, kPayloadLength);
  const std::uint64_t start = pm_start + off, end = start + len;
  if (len == 0) throw LoadError(fmt::format("{}: payload_length is 0: no kernel inside", name));
  if (end > f.size()) {
    throw LoadError(fmt::format(
        "{}: truncated: payload [{:#x}, {:#x}) lies beyond the end of the file ({:#x} bytes)", name,
        start, end, f.size()));
  }
  bz.payload = f.subspan(start, len);
  return bz;
}

}  // namespace fs
