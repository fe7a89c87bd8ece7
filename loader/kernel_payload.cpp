#include "loader/kernel_payload.hpp"

#include <fmt/format.h>
#include <lzma.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <memory>

#include "loader/load_error.hpp"

namespace fs {
namespace {

struct Magic {
  std::string_view format;
  std::array<std::uint8_t, 6> bytes;
  std::size_t size;
};

// Each format's first bytes: xz (.xz file format 2.1.1.1), gzip (RFC 1952 2.3.1, then CM 8 =
// deflate), bzip2 ("BZh"), lzma (properties byte 0x5D and a 64 KiB+ dictionary as lzma(1)
// writes it: the kernel's Makefile check the same bytes in decompress_method, lib/decompress.c),
// lzo (lzop's header), lz4 (legacy frame), zstd (RFC 8878 3.1.1).
constexpr Magic kMagics[] = {
    {"xz", {0xFD, '7', 'z', 'X', 'Z', 0x00}, 6},
    {"gzip", {0x1F, 0x8B, 0x08}, 3},
    {"bzip2", {'B', 'Z', 'h'}, 3},
    {"lzma", {0x5D, 0x00, 0x00}, 3},
    {"lzo", {0x89, 'L', 'Z', 'O'}, 4},
    {"lz4", {0x02, 0x21, 0x4C, 0x18}, 4},
    {"zstd", {0x28, 0xB5, 0x2F, 0xFD}, 4},
};

// Output grows in steps of this much (or less, near the limit).
constexpr std::size_t kChunk = std::size_t{4} << 20;

std::string too_large(std::string_view name, std::size_t limit) {
  return fmt::format("{}: decompressed kernel is larger than {} MiB: not a kernel", name,
                     limit >> 20);
}

std::vector<std::uint8_t> unxz(std::span<const std::uint8_t> in, std::string_view name,
                               std::size_t limit) {
  lzma_stream s = LZMA_STREAM_INIT;
  // No LZMA_CONCATENATED: decoding ends with the first stream (question 2). The memory limit is
  // liblzma's own for the dictionary; the kernel's xz_wrap.sh uses 32 MiB at most.
  if (lzma_stream_decoder(&s, std::uint64_t{256} << 20, 0) != LZMA_OK)
    throw LoadError(fmt::format("{}: cannot start the xz decoder", name));
  const std::unique_ptr<lzma_stream, void (*)(lzma_stream*)> end(&s, lzma_end);
  std::vector<std::uint8_t> out;
  s.next_in = in.data();
  s.avail_in = in.size();
  for (;;) {
    if (out.size() == limit) throw LoadError(too_large(name, limit));
    const std::size_t have = out.size();
    out.resize(std::min(limit, have + kChunk));
    s.next_out = out.data() + have;
    s.avail_out = out.size() - have;
    const lzma_ret r = lzma_code(&s, LZMA_FINISH);
    out.resize(out.size() - s.avail_out);
    if (r == LZMA_STREAM_END) return out;
    if (r == LZMA_OK) continue;
    if (r == LZMA_BUF_ERROR) throw LoadError(fmt::format("{}: xz payload is truncated", name));
    throw LoadError(
        fmt::format("{}: xz payload is corrupt (liblzma error {})", name, static_cast<int>(r)));
  }
}

std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> in, std::string_view name,
                                 std::size_t limit) {
  z_stream s{};
  // 16 + MAX_WBITS: a gzip wrapper (RFC 1952) around the deflate stream, not zlib's own.
  if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
    throw LoadError(fmt::format("{}: cannot start the gzip decoder", name));
  const std::unique_ptr<z_stream, int (*)(z_stream*)> end(&s, inflateEnd);
  std::vector<std::uint8_t> out;
  std::size_t in_off = 0;
  for (;;) {
    if (out.size() == limit) throw LoadError(too_large(name, limit));
    const std::size_t have = out.size();
    out.resize(std::min(limit, have + kChunk));
    // zlib counts in uInt: feed at most UINT_MAX at a time.
    const std::size_t give = std::min<std::size_t>(in.size() - in_off, UINT_MAX);
    s.next_in = const_cast<Bytef*>(in.data() + in_off);  // zlib never writes its input
    s.avail_in = static_cast<uInt>(give);
    s.next_out = out.data() + have;
    s.avail_out = static_cast<uInt>(std::min<std::size_t>(out.size() - have, UINT_MAX));
    const std::size_t out_room = s.avail_out;
    const int r = inflate(&s, Z_NO_FLUSH);
    in_off += give - s.avail_in;
    out.resize(have + (out_room - s.avail_out));
    if (r == Z_STREAM_END) return out;
    if (r == Z_OK) continue;
    if (r == Z_BUF_ERROR && in_off == in.size())
      throw LoadError(fmt::format("{}: gzip payload is truncated", name));
    throw LoadError(
        fmt::format("{}: gzip payload is corrupt ({})", name, s.msg ? s.msg : "zlib error"));
  }
}

}  // namespace

std::string_view payload_format(std::span<const std::uint8_t> payload) {
  for (const Magic& m : kMagics)
    if (payload.size() >= m.size &&
        std::equal(m.bytes.begin(), m.bytes.begin() + m.size, payload.begin()))
      return m.format;
  return {};
}

std::vector<std::uint8_t> decompress_payload(std::span<const std::uint8_t> payload,
                                             std::string_view name, std::size_t limit) {
  const std::string_view format = payload_format(payload);
  if (format == "xz") return unxz(payload, name, limit);
  if (format == "gzip") return gunzip(payload, name, limit);
  if (format.empty())
    throw LoadError(
        fmt::format("{}: kernel payload is in no compression format forkscope knows", name));
  throw LoadError(fmt::format(
      "{}: kernel payload is compressed with {}: forkscope decompresses xz and gzip only", name,
      format));
}

}  // namespace fs
