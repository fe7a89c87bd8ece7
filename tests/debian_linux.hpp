// Debian's i386 Linux 6.1 image for the tests that read it (tagged [linux]): build/linux/vmlinuz,
// fetched by the CTest fixture `linux` (tests/linux_prepare.sh, scripts/linux --prepare), which
// CTest runs before them (tests/CMakeLists.txt). Without the package (no mirror reachable) they are
// skipped with a warning, like the fixture.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "loader/bzimage.hpp"
#include "loader/elf_image.hpp"

namespace fs::test {

// The image's decompressed vmlinux, or nullopt (with a WARN) when the package is not there.
inline std::optional<std::vector<std::uint8_t>> debian_vmlinux() {
  const std::filesystem::path image = std::filesystem::path(FS_BUILD_DIR) / "linux" / "vmlinuz";
  if (!std::filesystem::exists(image)) {
    WARN("no " << image << " (scripts/linux --prepare fetches it): skipped");
    return std::nullopt;
  }
  return fs::bzimage_vmlinux(fs::read_file(image.string()), image.string());
}

}  // namespace fs::test
