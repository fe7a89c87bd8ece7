// Mirrors loader/initramfs.cpp: the files of a newc cpio archive, as scripts/mkinitramfs writes one
// for scripts/linux (the archive here is laid out by hand from buffer-format.rst's header).
#include "loader/initramfs.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "loader/load_error.hpp"

namespace {

// One newc entry: "070701", 13 fields of 8 hex digits, the name with its NUL, padded to 4 bytes,
// then the data padded to 4.
void add_entry(std::vector<std::uint8_t>& a, const std::string& name, std::uint32_t mode,
               const std::string& data) {
  const std::string header = fmt::format(
      "070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}",
      a.size() + 1, mode, 0, 0, 1, 0, data.size(), 0, 0, 0, 0, name.size() + 1, 0);
  a.insert(a.end(), header.begin(), header.end());
  a.insert(a.end(), name.begin(), name.end());
  a.push_back(0);
  while (a.size() % 4) a.push_back(0);
  a.insert(a.end(), data.begin(), data.end());
  while (a.size() % 4) a.push_back(0);
}

std::vector<std::uint8_t> archive() {
  std::vector<std::uint8_t> a;
  add_entry(a, "bin", 0040755, "");
  add_entry(a, "init", 0100755,
            "\x7f"
            "ELF init");
  add_entry(a, "./bin/hello", 0100755,
            "\x7f"
            "ELF hello, five");
  add_entry(a, "dev/console", 0020600, "");
  add_entry(a, "TRAILER!!!", 0, "");
  return a;
}

}  // namespace

TEST_CASE("initramfs: the regular files of a newc archive with their paths and bytes",
          "[initramfs][loader]") {
  const auto files = fs::read_initramfs(archive(), "initramfs.cpio");
  REQUIRE(files.size() == 2);
  CHECK(files[0].path == "init");
  CHECK(std::string(files[0].bytes.begin(), files[0].bytes.end()) ==
        "\x7f"
        "ELF init");
  CHECK(files[1].path == "bin/hello");  // "./" dropped
  CHECK(std::string(files[1].bytes.begin(), files[1].bytes.end()) ==
        "\x7f"
        "ELF hello, five");
}

TEST_CASE("initramfs: archives one after another with NUL padding between them are all read",
          "[initramfs][loader]") {
  std::vector<std::uint8_t> two = archive();
  two.insert(two.end(), 512, 0);  // as a boot loader pads between concatenated archives
  std::vector<std::uint8_t> second;
  add_entry(second, "etc/motd", 0100644, "hi");
  add_entry(second, "TRAILER!!!", 0, "");
  two.insert(two.end(), second.begin(), second.end());
  const auto files = fs::read_initramfs(two, "two.cpio");
  REQUIRE(files.size() == 3);
  CHECK(files[2].path == "etc/motd");
  CHECK(files[2].bytes == std::vector<std::uint8_t>{'h', 'i'});
}

TEST_CASE("initramfs: not an archive or cut short is one line naming the file",
          "[initramfs][loader]") {
  auto message = [](const std::vector<std::uint8_t>& bytes) -> std::string {
    try {
      fs::read_initramfs(bytes, "rd.cpio");
    } catch (const fs::LoadError& e) {
      return e.what();
    }
    return "";
  };
  const std::vector<std::uint8_t> text{'h', 'e', 'l', 'l', 'o'};
  CHECK(message(text).starts_with("rd.cpio: "));
  CHECK(message({}).starts_with("rd.cpio: "));
  std::vector<std::uint8_t> cut = archive();
  cut.resize(236);  // inside init's data (its header at 116, its data at 232)
  const std::string m = message(cut);
  CHECK(m.starts_with("rd.cpio: "));
  CHECK(m.find('\n') == std::string::npos);
  // A name size past the end is refused, not allocated (libarchive allocates it).
  std::vector<std::uint8_t> huge = archive();
  const char* size = "99999999";
  std::copy(size, size + 8, huge.begin() + 6 + 8 * 11);
  CHECK(message(huge).starts_with("rd.cpio: a name cut short"));
  // Without its trailer an archive is cut short.
  std::vector<std::uint8_t> open = archive();
  open.resize(open.size() - 124);  // the trailer: a 110-byte header and "TRAILER!!!\0", padded
  CHECK(message(open).starts_with("rd.cpio: no TRAILER!!! entry"));
}
