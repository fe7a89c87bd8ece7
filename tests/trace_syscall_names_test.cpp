// trace/syscall_names.hpp: the table generated from guest/include/asm/unistd.h names every system
// call the header defines, by the header's own numbers, and nothing else.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <string>

#include "trace/syscall_names.hpp"

TEST_CASE("syscall names: every __NR_ of the guest's unistd.h, by its number", "[syscall_names]") {
  using fs::trace::syscall_name;
  std::ifstream in(std::string(FS_SOURCE_DIR) + "/guest/include/asm/unistd.h");
  REQUIRE(in);
  const std::regex def(R"(^#define\s+__NR_([a-z0-9_]+)\s+([0-9]+))");
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, def)) continue;
    INFO(line);
    const char* name = syscall_name(static_cast<std::uint32_t>(std::stoul(m[2])));
    REQUIRE(name != nullptr);
    CHECK(std::string(name) == m[1].str());
    ++n;
  }
  CHECK(n >= 20);
  // Linux's i386 numbers, which the header keeps.
  CHECK(std::string(syscall_name(20)) == "getpid");
  CHECK(std::string(syscall_name(120)) == "clone");
  CHECK(syscall_name(5) == nullptr);  // open: not in the guest
  CHECK(syscall_name(0xFFFFFFFFu) == nullptr);
}
