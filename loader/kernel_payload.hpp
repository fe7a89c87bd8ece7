// The compressed vmlinux inside a bzImage (its "payload", Documentation/x86/boot.rst, fields
// payload_offset and payload_length), decompressed on the host instead of by the kernel's own
// decompressor: faster, and the trace starts at the kernel proper.
//
// Open questions and the answers chosen:
//  1. Which formats? The kernel's Makefile can compress with gzip, bzip2, lzma, xz, lzo, lz4 or
//     zstd (arch/x86/boot/compressed/Makefile). Debian's i386 kernels use xz (CONFIG_KERNEL_XZ);
//     gzip is the default of a kernel built from source. Those two are decompressed, with liblzma
//     and zlib; the others are recognised by their magic and refused by name.
//  2. What follows the stream? For xz (and lzma, lz4, zstd) the Makefile appends the uncompressed
//     size as 4 little-endian bytes (size_append); gzip carries it in its own trailer. Decoding
//     stops at the end of the first stream; trailing bytes are ignored, as the kernel's
//     decompressor ignores them.
//  3. How much output? At most `limit` bytes: a corrupt or hostile payload cannot fill host memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace fs {

// "xz", "gzip", "bzip2", "lzma", "lzo", "lz4", "zstd", or "" when the magic is none of them.
std::string_view payload_format(std::span<const std::uint8_t> payload);

// The decompressed bytes. LoadError "name: ..." when the format is not xz or gzip, the stream is
// corrupt or cut short, or it would exceed `limit` bytes.
std::vector<std::uint8_t> decompress_payload(std::span<const std::uint8_t> payload,
                                             std::string_view name, std::size_t limit);

}  // namespace fs
