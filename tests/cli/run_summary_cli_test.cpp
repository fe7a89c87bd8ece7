// `forkscope run --summary-json FILE` (issue 14, docs/json.md "run --summary-json FILE"): the
// members scripts/bench reads, checked against what the trace of the same run says, and its bad
// input.
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli/cli_fixture.hpp"

using fs::testing::CliFixture;
using fs::testing::CliRun;
using fs::testing::test_guest;
using json = nlohmann::ordered_json;  // members in the file's order

namespace {

json read_json(const CliFixture& f, const std::string& name) {
  return json::parse(fs::testing::read_text(f.path(name)));  // strict: throws on invalid JSON
}

}  // namespace

TEST_CASE("run summary: --summary-json holds the run's figures, the same as its trace's",
          "[cli][summary]") {
  CliFixture f;
  const std::string guest = test_guest("pit_irq0");
  const CliRun r = f.run({"run", "--quiet", "--trace", "t.fst", "--summary-json", "s.json", guest});
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());  // --quiet: the file, not stderr
  const json s = read_json(f, "s.json");
  INFO(s.dump(2));
  const char* members[] = {"stop_reason",
                           "guest_value",
                           "exit_status",
                           "message",
                           "instructions",
                           "cycles",
                           "idle_cycles",
                           "guest_seconds",
                           "deliveries",
                           "deliveries_by_vector",
                           "hlts",
                           "tlb_flushes",
                           "unclaimed_port_reads",
                           "unclaimed_port_writes",
                           "stop_points",
                           "console_bytes",
                           "trace",
                           "wall_seconds",
                           "mips"};
  std::size_t i = 0;
  for (auto it = s.begin(); it != s.end(); ++it, ++i) {
    REQUIRE(i < std::size(members));
    CHECK(it.key() == members[i]);  // every member, in the documented order
  }
  CHECK(i == std::size(members));
  CHECK(s["stop_reason"] == "guest exit");
  CHECK(s["exit_status"] == 0);
  CHECK(s["guest_value"] == 0);
  CHECK(s["message"] == "");
  CHECK(s["console_bytes"] == r.out.size());
  CHECK(r.out ==
        fs::testing::read_text(std::string(FS_SOURCE_DIR) + "/tests/machine/pit_irq0.expected"));
  // pit_irq0 acknowledges 1001 timer interrupts (vector 0x20) and exits.
  CHECK(s["deliveries_by_vector"]["32"] == 1001);
  CHECK(s["deliveries"] == 1001);
  CHECK(s["guest_seconds"].get<double>() ==
        Approx(s["cycles"].get<double>() / 100e6));  // the default 100 MHz
  CHECK(s["trace"]["file"] == "t.fst");
  CHECK(s["trace"]["bytes"] == std::filesystem::file_size(f.path("t.fst")));
  CHECK(s["wall_seconds"].get<double>() > 0);
  CHECK(s["mips"].get<double>() > 0);

  // The trace of the same run: the same instructions, the same interrupts, the same status.
  const CliRun st = f.run({"trace", "stats", "t.fst", "--image", guest, "--json"});
  REQUIRE(st.status == 0);
  const json t = json::parse(st.out);
  CHECK(s["instructions"] == t["instructions"]);
  CHECK(s["trace"]["instructions"] == t["instructions"]);
  CHECK(s["deliveries_by_vector"]["32"] == t["interrupts"]["32"]);
  CHECK(s["hlts"] == t["hlts"]);
  CHECK(s["exit_status"] == t["exit_status"]);

  // Fast mode (no trace): the same guest figures, and `trace` null.
  REQUIRE(f.run({"run", "--quiet", "--summary-json", "fast.json", guest}).status == 0);
  const json fast = read_json(f, "fast.json");
  for (const char* m : {"instructions", "cycles", "idle_cycles", "deliveries", "hlts",
                        "console_bytes", "exit_status"})
    CHECK(fast[m] == s[m]);
  CHECK(fast["trace"].is_null());
}

TEST_CASE("run summary: a guest's value and a cycle limit are in the summary", "[cli][summary]") {
  CliFixture f;
  CliRun r =
      f.run({"run", "-q", "--cmdline", "2", "--summary-json", "v.json", test_guest("exit_value")});
  CHECK(r.status == 5);
  json s = read_json(f, "v.json");
  CHECK(s["stop_reason"] == "guest exit");
  CHECK(s["guest_value"] == 2);
  CHECK(s["exit_status"] == 5);
  r = f.run(
      {"run", "-q", "--max-cycles", "100000", "--summary-json", "limit.json", test_guest("spin")});
  CHECK(r.status == 124);
  s = read_json(f, "limit.json");
  CHECK(s["stop_reason"] == "cycle limit");
  CHECK(s["exit_status"] == 124);
  CHECK(s["message"] != "");
  CHECK(s["cycles"].get<std::uint64_t>() >= 100000);
}

TEST_CASE("run summary: a file that cannot be written is refused before the run, in one line",
          "[cli][summary]") {
  CliFixture f;
  CliRun r = f.run({"run", "--summary-json", "no/such/dir/s.json", test_guest("pit_irq0")});
  CHECK(r.status == 2);
  CHECK(r.out.empty());  // the guest never ran
  CHECK_THAT(r.one_line(),
             Catch::Matches("forkscope: cannot write --summary-json no/such/dir/s.json: .+"));
  r = f.run({"run", "--trace", "x", "--summary-json", "x", test_guest("pit_irq0")});
  CHECK(r.status == 2);
  CHECK(r.one_line() ==
        "forkscope: --trace x is the same file as --summary-json x: both would be written into it");
  // Refused later (no image): no summary file is left behind.
  r = f.run({"run", "--summary-json", "s.json", f.path("nosuch.elf")});
  CHECK(r.status == 2);
  CHECK_FALSE(std::filesystem::exists(f.path("s.json")));
}
