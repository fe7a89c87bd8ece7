// The trace readers' --json output (docs/json.md): every line parses as JSON (nlohmann, strict:
// invalid UTF-8 is an error) and has the documented members; addresses come as numbers with a
// "_hex" twin; a guest's bytes that are not UTF-8 (a comm) still give valid JSON.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.hpp"
#include "tests/trace_test_util.hpp"
#include "trace/trace_writer.hpp"

namespace {

using fs::testing::CliFixture;
using fs::testing::CliRun;
using nlohmann::json;

const std::string kKernel = std::string(FS_BUILD_DIR) + "/guest/kernel.elf";

// Each line of out parsed (a parse error fails the test, naming the line).
std::vector<json> parse_lines(const std::string& out) {
  std::vector<json> v;
  for (const auto& l : fs::testing::lines_of(out)) {
    INFO("line: " << l);
    REQUIRE_NOTHROW(v.push_back(json::parse(l)));
  }
  return v;
}

// j has every member in names.
void check_members(const json& j, const std::vector<const char*>& names) {
  for (const char* n : names) {
    INFO("member " << n << " in " << j.dump());
    CHECK(j.contains(n));
  }
}

// j[name] is a number and j[name + "_hex"] is the same value as "0x%08x".
void check_address(const json& j, const std::string& name) {
  INFO("address " << name << " in " << j.dump());
  REQUIRE(j.contains(name));
  REQUIRE(j.contains(name + "_hex"));
  CHECK(j[name].is_number_unsigned());
  CHECK(j[name + "_hex"].get<std::string>() ==
        fmt::format("{:#010x}", j[name].get<std::uint32_t>()));
}

}  // namespace

TEST_CASE("trace json: events, stats, dump, inspect and diff --json have the documented members",
          "[trace_json]") {
  CliFixture f;
  REQUIRE(f.run({"run", "--quiet", "--cmdline", "init=isolation", "--trace", "iso.fst", kKernel})
              .status == 0);

  CliRun r = f.run({"trace", "events", "iso.fst", "--json"});
  REQUIRE(r.status == 0);
  const auto events = parse_lines(r.out);
  REQUIRE(events.size() > 100);
  bool pf = false, sw = false, us = false;
  for (const json& e : events) {
    check_members(e, {"seq", "cycle", "pid", "kind"});
    const std::string kind = e["kind"];
    if (kind == "switch") {
      sw = true;
      check_members(e, {"prev_pid", "next_pid"});
      check_address(e, "prev_task");
      check_address(e, "next_task");
    } else if (kind == "user_space") {
      us = true;
      check_members(e, {"pid", "comm"});
      check_address(e, "cr3");
      check_address(e, "task");
    } else if (kind == "delivery") {
      check_members(e, {"vector", "delivery", "error_code", "from", "from_symbol", "to",
                        "to_symbol", "stack_switched", "frame"});
      check_address(e, "esp0");
      if (e["vector"] == 14 && e["delivery"] == "exception") {
        pf = true;
        check_address(e, "cr2");
      }
    }
  }
  CHECK((pf && sw && us));

  r = f.run({"trace", "stats", "iso.fst", "--json"});
  REQUIRE(r.status == 0);
  const auto stats = parse_lines(r.out);
  REQUIRE(stats.size() == 1);
  check_members(stats[0],
                {"instructions", "cycles", "idle_cycles", "truncated", "per_pid", "interrupts",
                 "switches", "forks", "syscalls", "irets", "hlts", "port_io", "exit_status"});
  REQUIRE(!stats[0]["per_pid"].empty());
  check_members(stats[0]["per_pid"][0],
                {"pid", "comm", "program", "instructions", "ring3_instructions", "cycles",
                 "syscalls", "page_faults"});

  r = f.run({"trace", "dump", "iso.fst", "--json", "--cpl", "3", "--count", "3"});
  REQUIRE(r.status == 0);
  const auto insns = parse_lines(r.out);
  REQUIRE(insns.size() == 3);
  for (const json& i : insns) {
    check_members(i, {"seq", "cycle", "pid", "cpl", "symbol", "bytes", "text", "changes"});
    check_address(i, "eip");
    CHECK(i["cpl"] == 3);
  }
  CHECK(insns[0]["symbol"] == "init:_start");
  CHECK(insns[0]["text"] == "xor ebp, ebp");

  r = f.run({"trace", "inspect", "iso.fst", "--ret-from-fork", "--json"});
  REQUIRE(r.status == 0);
  for (const json& p : parse_lines(r.out)) {
    check_members(p, {"pid", "first_seq", "first_cycle", "pt_regs", "path", "path_instructions",
                      "interrupts_on_the_way", "checks"});
    for (const char* a : {"task", "esp", "tss_esp0", "stack_top"}) check_address(p, a);
    CHECK(p["pt_regs"].contains("eax"));
  }

  r = f.run({"trace", "inspect", "iso.fst", "--iret", "--json"});
  REQUIRE(r.status == 0);
  for (const json& i : parse_lines(r.out))
    check_members(
        i, {"seq", "cycle", "pid", "frame", "from", "to", "cpl_before", "cpl_after", "ends"});

  r = f.run({"trace", "diff", "iso.fst", "iso.fst", "--json"});
  REQUIRE(r.status == 0);
  const auto same = parse_lines(r.out);
  REQUIRE(same.size() == 1);
  check_members(same[0],
                {"result", "a", "b", "from_seq", "instructions_compared", "ignoring", "notes"});
  CHECK(same[0]["result"] == "same");

  // Diverged: the same run cut short (its stop event is only in B).
  REQUIRE(f.run({"run", "--quiet", "--cmdline", "init=isolation", "--max-cycles", "4000000",
                 "--trace", "cut.fst", kKernel})
              .status == 124);
  r = f.run({"trace", "diff", "iso.fst", "cut.fst", "--json"});
  REQUIRE(r.status == 1);
  const auto diverged = parse_lines(r.out);
  REQUIRE(diverged.size() == 1);
  const json& d = diverged[0];
  check_members(
      d, {"result", "a", "b", "from_seq", "first_divergent_seq", "cycle", "cycle_a", "cycle_b",
          "instructions_matched", "differences", "context", "ignoring", "notes"});
  CHECK(d["result"] == "diverged");
  REQUIRE(d["differences"].size() == 1);
  CHECK(d["differences"][0]["what"] == "event_only");
  CHECK(d["differences"][0]["event"] == "stop");
  REQUIRE(d["context"]["a"].size() >= 6);  // five instructions (and events), the divergent one
  for (const json& c : d["context"]["a"]) {
    check_members(c, {"seq", "cycle", "pid", "divergent"});
    if (!c.contains("event")) check_address(c, "eip");
  }
}

// A comm is whatever bytes the guest's task_struct holds: a program name that is not UTF-8 must
// not make a line that JSON parsers refuse. Each invalid byte becomes U+FFFD.
TEST_CASE("trace json: a comm that is not UTF-8 still gives valid JSON", "[trace_json]") {
  CliFixture f;
  fs::trace::Header h = fs::trace::testing::sample_header();
  h.image_name = "synthetic.elf";  // no image to look for
  {
    fs::trace::Writer w(f.path("comm.fst"), h);
    std::vector<fs::trace::RegChange> none;
    w.instruction(0, 0x00100000, 1, none);
    fs::trace::Event e;
    e.seq = 1;
    e.cycle = 10;
    e.data = fs::trace::UserSpace{7, 0x03c00000, 0x00200000,
                                  "a\xff\xfe"
                                  "b\xc3"};
    w.event(e);
    w.instruction(10, 0x08048000, 1, none);
    fs::trace::Event stop;
    stop.seq = 2;
    stop.cycle = 20;
    stop.data = fs::trace::Stop{0, 0, "done \x80"};
    w.event(stop);
    w.finish();
  }
  const std::string fffd = "\xef\xbf\xbd";
  CliRun r = f.run({"trace", "events", "comm.fst", "--json"});
  REQUIRE(r.status == 0);
  auto lines = parse_lines(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["comm"] == "a" + fffd + fffd + "b" + fffd);
  CHECK(lines[1]["message"] == "done " + fffd);
  r = f.run({"trace", "stats", "comm.fst", "--json"});
  REQUIRE(r.status == 0);
  lines = parse_lines(r.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["per_pid"][1]["program"] == "a" + fffd + fffd + "b" + fffd);
}
