// Builds Linux/x86 bzImages in memory for the loader tests (Documentation/x86/boot.rst): setup
// sectors holding the real-mode header, then the protected-mode part with the payload, a vmlinux
// (tests/elf_builder.hpp) compressed with xz or gzip as the kernel's Makefile does it (xz with the
// uncompressed size appended). Tests start from a valid image and break one thing.
#pragma once

#include <lzma.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "tests/elf_builder.hpp"

namespace fs::test {

// The vmlinux of the synthetic kernels: linked at 0xC0100000, loaded at 1 MiB (p_paddr), entry
// startup_32's physical address as Linux's vmlinux.lds says (ENTRY(phys_startup_32)); a text
// segment with `code`, and a data segment with 0x100 file bytes (0x5A) and 0x1000 of memory.
inline ElfBuilder vmlinux_builder(std::vector<std::uint8_t> code) {
  ElfBuilder b;
  b.multiboot.reset();
  b.segments.clear();
  ElfBuilder::Segment text;
  text.paddr = 0x100000;
  text.vaddr = 0xC0100000;
  text.flags = PF_R | PF_X;
  text.data = std::move(code);
  text.memsz = static_cast<std::uint32_t>(text.data.size());
  b.segments.push_back(text);
  ElfBuilder::Segment data;
  data.paddr = 0x102000;
  data.vaddr = 0xC0102000;
  data.flags = PF_R | PF_W;
  data.data.assign(0x100, 0x5A);
  data.memsz = 0x1000;
  b.segments.push_back(data);
  b.e_entry = 0x100000;
  return b;
}

enum class Compression { kXz, kGzip, kNone };

inline std::vector<std::uint8_t> compress(const std::vector<std::uint8_t>& in, Compression c) {
  std::vector<std::uint8_t> out(in.size() + 1024);
  if (c == Compression::kXz) {
    std::size_t pos = 0;
    if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, nullptr, in.data(), in.size(), out.data(),
                                &pos, out.size()) != LZMA_OK)
      throw std::runtime_error("xz encode failed");
    out.resize(pos);
    // size_append (scripts/Makefile.lib): the uncompressed size, 4 bytes little-endian.
    const auto n = static_cast<std::uint32_t>(in.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    return out;
  }
  if (c == Compression::kGzip) {
    z_stream s{};
    if (deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::runtime_error("gzip init failed");
    s.next_in = const_cast<Bytef*>(in.data());
    s.avail_in = static_cast<uInt>(in.size());
    s.next_out = out.data();
    s.avail_out = static_cast<uInt>(out.size());
    const int r = deflate(&s, Z_FINISH);
    out.resize(s.total_out);
    deflateEnd(&s);
    if (r != Z_STREAM_END) throw std::runtime_error("gzip encode failed");
    return out;
  }
  return in;
}

struct BzImageBuilder {
  std::uint8_t setup_sects = 4;
  std::uint16_t protocol = 0x020F;
  std::uint8_t loadflags = 0x01;  // LOADED_HIGH
  std::uint32_t initrd_addr_max = 0x7FFFFFFF;
  std::uint32_t kernel_alignment = 0x100000;
  std::uint32_t cmdline_size = 2047;
  std::uint64_t pref_address = 0x100000;
  std::uint32_t init_size = 0x4000;
  std::uint32_t header_end = 0x26C;  // 0x202 + the jump's byte at 0x201
  std::uint32_t payload_gap = 0x40;  // payload_offset: bytes of stub code before the payload
  std::vector<std::uint8_t> payload;

  explicit BzImageBuilder(const std::vector<std::uint8_t>& vmlinux,
                          Compression c = Compression::kXz)
      : payload(compress(vmlinux, c)) {}

  static constexpr std::uint32_t kPayloadOffsetAt = 0x248;

  std::vector<std::uint8_t> build() const {
    const std::size_t pm = (std::size_t{setup_sects ? setup_sects : 4u} + 1) * 512;
    std::vector<std::uint8_t> f(pm + payload_gap, 0x90);
    std::fill(f.begin(), f.begin() + pm, std::uint8_t{0});
    f[0x1F1] = setup_sects;
    put<std::uint16_t>(f, 0x1FE, 0xAA55);
    f[0x200] = 0xEB;  // jmp short over the header
    f[0x201] = static_cast<std::uint8_t>(header_end - 0x202);
    put<std::uint32_t>(f, 0x202, 0x53726448);  // "HdrS"
    put<std::uint16_t>(f, 0x206, protocol);
    f[0x211] = loadflags;
    put<std::uint32_t>(f, 0x214, 0x100000);  // code32_start
    put<std::uint32_t>(f, 0x22C, initrd_addr_max);
    put<std::uint32_t>(f, 0x230, kernel_alignment);
    f[0x234] = 1;  // relocatable_kernel
    put<std::uint32_t>(f, 0x238, cmdline_size);
    put<std::uint32_t>(f, 0x248, payload_gap);
    put<std::uint32_t>(f, 0x24C, static_cast<std::uint32_t>(payload.size()));
    put<std::uint64_t>(f, 0x258, pref_address);
    put<std::uint32_t>(f, 0x260, init_size);
    f.insert(f.end(), payload.begin(), payload.end());
    f.insert(f.end(), 16, 0);  // what follows the payload in a real image (setup data, padding)
    return f;
  }

  template <class T>
  static void put(std::vector<std::uint8_t>& b, std::size_t off, T v) {
    std::memcpy(b.data() + off, &v, sizeof v);
  }
};

}  // namespace fs::test
