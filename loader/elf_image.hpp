// Loading a multiboot (v1) ELF32 i386 executable into guest RAM.
// Every bound is checked; bad input is a LoadError whose message is one line naming file and
// problem.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fs {

struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct MultibootHeader {
  std::uint32_t offset = 0;  // file offset of the header
  std::uint32_t magic = 0, flags = 0, checksum = 0;
};

struct LoadedSegment {
  std::uint32_t paddr = 0, filesz = 0, memsz = 0, flags = 0;
};

struct LoadedImage {
  std::uint32_t entry = 0;
  std::vector<LoadedSegment> segments;
  MultibootHeader multiboot;
  std::uint32_t image_end = 0;  // highest paddr + memsz
};

LoadedImage load_elf(const std::string& path, std::span<std::uint8_t> ram);
LoadedImage load_elf_bytes(std::span<const std::uint8_t> file, std::string_view name,
                           std::span<std::uint8_t> ram);
// Reads a whole file; LoadError when it is not a readable regular file.
std::vector<std::uint8_t> read_file(const std::string& path);

}  // namespace fs
