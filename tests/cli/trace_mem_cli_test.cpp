// Memory writes in traces from the command line (issue 15): `trace dump --mem` shows a known push
// of a known value under its instruction, `--json --mem` the same as data, an interrupt delivery's
// frame stores under it; `trace diff` names the one store in which two runs differ while every
// register agrees; a version 2 trace has no memory to show. Guest: tests/machine/mem_write.S.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.hpp"

namespace {

using fs::testing::CliFixture;
using fs::testing::CliRun;
using fs::testing::has_line;
using fs::testing::lines_of;
using fs::testing::test_guest;
using fs::testing::test_kernel;

// mem_write.elf recorded with the command line `cmdline` (its first byte is the one stored).
std::string record(CliFixture& f, const std::string& name, const std::string& cmdline) {
  const CliRun r =
      f.run({"run", "--quiet", "--cmdline", cmdline, "--trace", name, test_guest("mem_write")});
  REQUIRE(r.status == 0);
  return f.path(name);
}

}  // namespace

TEST_CASE("trace mem: dump --mem shows the push of 0x1234abcd at the new ESP", "[trace_mem_cli]") {
  CliFixture f;
  const std::string t = record(f, "a.fst", "a");
  const CliRun r = f.run({"trace", "dump", "--mem", "--image", test_guest("mem_write"), t});
  REQUIRE(r.status == 0);
  const auto lines = lines_of(r.out);
  const std::regex push(R"(push 0x1234abcd .* esp=([0-9a-f]+)$)");
  std::size_t found = 0;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    std::smatch m;
    if (!std::regex_search(lines[i], m, push)) continue;
    ++found;
    const std::uint32_t esp = static_cast<std::uint32_t>(std::stoul(m[1].str(), nullptr, 16));
    CHECK(lines[i + 1] == fmt::format("  mem [{:#010x}] <- 0x1234abcd (4)", esp));
  }
  CHECK(found == 1);
  // The MOVSB's store: the command line's first byte, 'a'.
  CHECK(has_line(r.out, R"(^  mem \[0x[0-9a-f]{8}\] <- 0x61 \(1\)$)"));
  // Without --mem, no memory lines.
  const CliRun plain = f.run({"trace", "dump", "--image", test_guest("mem_write"), t});
  CHECK_FALSE(has_line(plain.out, "^  mem "));
}

TEST_CASE("trace mem: dump --json --mem gives each instruction its stores", "[trace_mem_cli]") {
  CliFixture f;
  const std::string t = record(f, "a.fst", "a");
  const CliRun r =
      f.run({"trace", "dump", "--json", "--mem", "--image", test_guest("mem_write"), t});
  REQUIRE(r.status == 0);
  std::size_t pushes = 0;
  for (const auto& l : lines_of(r.out)) {
    const auto j = nlohmann::json::parse(l);
    REQUIRE(j.contains("mem"));
    if (j["text"] != "push 0x1234abcd") continue;
    ++pushes;
    REQUIRE(j["mem"].size() == 1);
    CHECK(j["mem"][0]["value"] == 0x1234abcd);
    CHECK(j["mem"][0]["size"] == 4);
    CHECK(j["mem"][0]["addr"] == j["changes"]["esp"]);
  }
  CHECK(pushes == 1);
}

TEST_CASE("trace mem: a delivery's frame stores are shown under it", "[trace_mem_cli]") {
  CliFixture f;
  REQUIRE(
      f.run({"run", "--quiet", "--cmdline", "init=process1", "--trace", "p1.fst", test_kernel()})
          .status == 0);
  // init's getpid: INT 0x80 pushes EFLAGS, CS, EIP (0x60 is the kernel's code selector).
  const CliRun r = f.run({"trace", "dump", "--mem", "--symbol", "init", "p1.fst"});
  REQUIRE(r.status == 0);
  CHECK(has_line(r.out,
                 R"(^  mem \[0x[0-9a-f]{8}\] <- 0x00000060 \(4\)  # delivery of vector 0x80$)"));
}

TEST_CASE("trace mem: diff names the one store two runs differ in while the registers agree",
          "[trace_mem_cli]") {
  CliFixture f;
  const std::string a = record(f, "a.fst", "a");
  const std::string b = record(f, "b.fst", "b");
  const std::string img = test_guest("mem_write");
  CliRun r = f.run({"trace", "diff", "--image", img, a, b});
  CHECK(r.status == 1);
  // The MOVSB, with where it stored and both values.
  CHECK(has_line(r.out,
                 R"(^first divergence at seq [0-9]+, cycle [0-9]+: [0-9]+ instructions matched$)"));
  CHECK(has_line(r.out,
                 R"(^  memory write 0 of the instruction at 0x[0-9a-f]{8} <_start\+0x[0-9a-f]+>: )"
                 R"(\[(0x[0-9a-f]{8})\] <- 0x61 \(1\) in A, \[\1\] <- 0x62 \(1\) in B$)"));
  CHECK_FALSE(has_line(r.out, "after the instruction"));  // no register differs
  r = f.run({"trace", "diff", "--json", "--image", img, a, b});
  CHECK(r.status == 1);
  const auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["differences"].size() == 1);
  const auto& d = j["differences"][0];
  CHECK(d["what"] == "memory_write");
  CHECK(d["a"]["value"] == 0x61);
  CHECK(d["b"]["value"] == 0x62);
  CHECK(d["a"]["address"] == d["b"]["address"]);
  // The same run twice: the same history, stores included.
  const std::string a2 = record(f, "a2.fst", "a");
  CHECK(f.run({"trace", "diff", a, a2}).status == 0);
}

TEST_CASE("trace mem: a version 2 trace compares without memory, and has none to dump",
          "[trace_mem_cli]") {
  CliFixture f;
  const std::string golden = std::string(FS_SOURCE_DIR) + "/tests/golden/v2/process1.fst";
  const CliRun r = f.run({"trace", "dump", "--mem", "--count", "1", golden});
  CHECK(r.status == 2);
  CHECK(r.one_line() == "forkscope: trace dump --mem: " + golden +
                            " records no memory writes (trace format version 2)");
  REQUIRE(
      f.run({"run", "--quiet", "--cmdline", "init=process1", "--trace", "p1.fst", test_kernel()})
          .status == 0);
  const CliRun d = f.run({"trace", "diff", golden, "p1.fst"});
  CHECK(d.status == 0);
  CHECK(has_line(d.out,
                 "^note: A records no memory writes \\(trace format version 2\\): memory "
                 "writes not compared$"));
}
