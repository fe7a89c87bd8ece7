// Mirrors loader/linux_syscalls.cpp: Linux's system call names read from the image's own
// sys_call_table, found by its first three entries and read while its entries are system calls.
#include "loader/linux_syscalls.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "loader/elf_image.hpp"
#include "loader/kallsyms.hpp"
#include "loader/linux_boot.hpp"
#include "tests/debian_linux.hpp"

using fs::SymbolTable;

namespace {

void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  std::uint8_t w[4];
  std::memcpy(w, &v, 4);
  b.insert(b.end(), w, w + 4);
}

// Five entry functions and one that is none, 16 bytes apart from 0xC1000000.
SymbolTable entry_symbols() {
  SymbolTable t;
  t.add("__ia32_sys_restart_syscall", 0xC1000000, 16);
  t.add("__ia32_sys_exit", 0xC1000010, 16);
  t.add("__ia32_sys_fork", 0xC1000020, 16);
  t.add("sys_ni_syscall", 0xC1000030, 16);
  t.add("__ia32_sys_write", 0xC1000040, 16);
  t.add("schedule", 0xC1000050, 16);
  return t;
}

}  // namespace

TEST_CASE("linux_syscalls: the table is found by its first entries and read to its end",
          "[linux_syscalls]") {
  std::vector<std::uint8_t> image(6, 0xAA);  // the table need not start the image
  image.resize(8);
  put32(image, 0xC1000000);  // a lone restart_syscall: not the table
  put32(image, 0x12345678);
  const std::size_t table = image.size();
  for (std::uint32_t a : {0xC1000000u, 0xC1000010u, 0xC1000020u, 0xC1000030u, 0xC1000040u})
    put32(image, a);
  put32(image, 0xC1000050);  // schedule: not a system call, the table has ended
  put32(image, 0xC1000040);
  REQUIRE(table % 4 == 0);
  const std::vector<std::string> names = fs::linux_syscall_names(image, entry_symbols());
  CHECK(names == std::vector<std::string>{"restart_syscall", "exit", "fork", "", "write"});
}

TEST_CASE("linux_syscalls: an entry inside a function or past the image ends the table",
          "[linux_syscalls]") {
  std::vector<std::uint8_t> image;
  for (std::uint32_t a : {0xC1000000u, 0xC1000010u, 0xC1000020u, 0xC1000044u})  // write+4
    put32(image, a);
  CHECK(fs::linux_syscall_names(image, entry_symbols()) ==
        std::vector<std::string>{"restart_syscall", "exit", "fork"});
  image.resize(12);  // the image ends after fork
  CHECK(fs::linux_syscall_names(image, entry_symbols()).size() == 3);
}

TEST_CASE("linux_syscalls: no table, or no entry symbols, gives no names", "[linux_syscalls]") {
  std::vector<std::uint8_t> image;
  for (std::uint32_t a : {0xC1000000u, 0xC1000020u, 0xC1000010u}) put32(image, a);  // out of order
  CHECK(fs::linux_syscall_names(image, entry_symbols()).empty());
  SymbolTable none;
  none.add("startup_32", 0xC1000000, 16);
  CHECK(fs::linux_syscall_names(image, none).empty());
  // Unaligned: the table is an array of pointers, 4-aligned in the file.
  std::vector<std::uint8_t> odd(2, 0);
  for (std::uint32_t a : {0xC1000000u, 0xC1000010u, 0xC1000020u}) put32(odd, a);
  CHECK(fs::linux_syscall_names(odd, entry_symbols()).empty());
}

TEST_CASE("linux_syscalls: Debian's Linux 6.1 numbers its calls as syscall_32.tbl does",
          "[linux_syscalls][linux]") {
  const auto image = fs::test::debian_vmlinux();
  if (!image) return;
  const std::vector<std::uint8_t>& vmlinux = *image;
  std::string note;
  const SymbolTable syms = fs::linux_symbols(vmlinux, "vmlinux", note);
  const std::vector<std::string> names = fs::linux_syscall_names(vmlinux, syms);
  // 6.1's NR_syscalls: set_mempolicy_home_node (450) is its last.
  REQUIRE(names.size() == 451);
  CHECK(names[1] == "exit");
  CHECK(names[2] == "fork");
  CHECK(names[4] == "write");
  CHECK(names[11] == "execve");
  CHECK(names[20] == "getpid");
  CHECK(names[114] == "wait4");
  CHECK(names[120] == "clone");
  CHECK(names[190] == "vfork");
  CHECK(names[435] == "clone3");
  CHECK(names[450] == "set_mempolicy_home_node");
  CHECK(names[17].empty());  // break: sys_ni_syscall since 1.x
}
