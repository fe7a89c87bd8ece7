// `forkscope trace diff` from the command line (tests/cli/cli_fixture.hpp): the result with its
// count, a run cut short, the run options noted, --from-seq, --ignore-reg/--ignore-event, --json,
// the result independent of threads and of the same-bytes shortcut, the same history in other
// bytes (tests/golden/trace_rewrite.cpp), each kind of event divergence named, and bad input. The
// golden traces and the mutation checks are tests/golden/golden.cmake's.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.hpp"

namespace {

using fs::testing::CliFixture;
using fs::testing::CliRun;
using fs::testing::has_line;

const std::string kKernel = std::string(FS_BUILD_DIR) + "/guest/kernel.elf";
const std::string kGuests = std::string(FS_BUILD_DIR) + "/tests/machine";

// process1 as tests/golden/scenarios.txt runs it (init=process1), whole and cut by --max-cycles.
struct DiffFixture : CliFixture {
  DiffFixture() {
    REQUIRE(run({"run", "--quiet", "--cmdline", "init=process1", "--trace", "p1.fst", kKernel})
                .status == 0);
    REQUIRE(run({"run", "--quiet", "--cmdline", "init=process1", "--max-cycles", "3000000",
                 "--trace", "cut.fst", kKernel})
                .status == 124);
    const CliRun s = run({"trace", "stats", "cut.fst", "--json"});
    cut_instructions = nlohmann::json::parse(s.out)["instructions"].get<std::uint64_t>();
  }
  // `trace diff ARGS`, whose stdout and stderr are both in out.
  CliRun diff(std::vector<std::string> args) {
    args.insert(args.begin(), {"trace", "diff"});
    CliRun r = run(args);
    r.out += r.err;
    return r;
  }
  // trace_rewrite p1.fst OUT ARGS: the same records rewritten, with one change.
  void rewrite(const std::string& out, std::vector<std::string> args) {
    args.insert(args.begin(), {"p1.fst", out});
    REQUIRE(run_program(FS_TRACE_REWRITE, args).status == 0);
  }
  // The seq of the nth (from 0) event of `kind` in p1.fst.
  std::uint64_t event_seq(const std::string& kind, std::size_t nth) {
    const auto lines =
        fs::testing::lines_of(run({"trace", "events", "p1.fst", "--kind", kind, "--json"}).out);
    REQUIRE(nth < lines.size());
    return nlohmann::json::parse(lines[nth])["seq"].get<std::uint64_t>();
  }
  std::uint64_t cut_instructions = 0;
};

}  // namespace

TEST_CASE_METHOD(DiffFixture, "trace diff: the same trace is the same history, with its count",
                 "[trace_diff]") {
  CliRun r = diff({"p1.fst", "p1.fst"});
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "agree on [0-9]+ instructions and every event$"));
  r = diff({"p1.fst", "p1.fst", "--json"});
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "^\\{\"result\":\"same\",.*\"instructions_compared\":[0-9]+,"));
  const std::uint64_t n = cut_instructions;
  r = diff({"cut.fst", "cut.fst", "--from-seq", std::to_string(n - 100)});
  CHECK(has_line(r.out, fmt::format("agree on 100 instructions from seq {}", n - 100)));
  // --from-seq past the end of both: nothing to compare.
  r = diff({"p1.fst", "cut.fst", "--from-seq", "99999999999"});
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "agree on 0 instructions from seq 99999999999"));
}

// The traces part where the cut one stops (its stop event, at seq n), and the header's run options
// are noted.
TEST_CASE_METHOD(DiffFixture, "trace diff: a run cut short parts at its stop event",
                 "[trace_diff]") {
  const std::uint64_t n = cut_instructions;
  CliRun r = diff({"p1.fst", "cut.fst"});
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK(has_line(r.out, fmt::format("^first divergence at seq {}, cycle [0-9]+: {} instructions "
                                    "matched",
                                    n, n)));
  CHECK(has_line(r.out, "^  event stop only in B \\(status 124: cycle limit reached"));
  CHECK(
      has_line(r.out, "^note: run option max_cycles differs: \"[0-9]+\" in A, \"3000000\" in B$"));
  r = diff({"cut.fst", "p1.fst", "--json"});
  CHECK(r.status == 1);
  CHECK(has_line(r.out, "\"what\":\"event_only\",\"in\":\"A\",\"event\":\"stop\""));
  // Leaving the stop events out: the shorter one simply ends.
  r = diff({"cut.fst", "p1.fst", "--ignore-event", "stop"});
  CHECK(has_line(r.out, fmt::format("^  A ends after {} instructions; B goes on with instruction "
                                    "{} at 0x",
                                    n, n)));
}

TEST_CASE_METHOD(DiffFixture, "trace diff: the result depends on neither threads nor shortcuts",
                 "[trace_diff]") {
  const std::string ref = diff({"p1.fst", "cut.fst", "--json", "--jobs", "1", "--decode-all"}).out;
  for (const auto& j : std::vector<std::vector<std::string>>{
           {"--jobs", "1"}, {"--jobs", "3"}, {"--jobs", "4", "--decode-all"}}) {
    std::vector<std::string> args{"p1.fst", "cut.fst", "--json"};
    args.insert(args.end(), j.begin(), j.end());
    INFO(j[1]);
    CHECK(diff(args).out == ref);
  }
}

// A higher zstd level is compared payload by payload, another chunk size record by record; both
// are the same history.
TEST_CASE_METHOD(DiffFixture, "trace diff: the same records in other bytes are the same history",
                 "[trace_diff]") {
  rewrite("z19.fst", {"--zstd-level", "19"});
  rewrite("c5000.fst", {"--chunk", "5000"});
  CliRun r = diff({"p1.fst", "z19.fst", "--timing"});
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "same payload in both files"));
  r = diff({"p1.fst", "c5000.fst", "--timing"});
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "0 had the same bytes and 0 the same payload"));
}

// Known divergences in events (trace_rewrite changes one): each is reported at the event's seq,
// naming the field or the frame word.
TEST_CASE_METHOD(DiffFixture, "trace diff: an event divergence names the event, field and word",
                 "[trace_diff]") {
  rewrite("word.fst", {"--frame-word", "delivery:0:0:0x12345"});
  CliRun r = diff({"p1.fst", "word.fst"});
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK(has_line(
      r.out, "^  delivery frame word 0 \\(eflags\\): 0x00000[0-9a-f]{3} in A, 0x00012345 in B$"));
  CHECK(has_line(r.out, fmt::format("^first divergence at seq {}, ", event_seq("delivery", 0))));
  r = diff({"p1.fst", "word.fst", "--json"});
  CHECK(has_line(r.out,
                 "\"what\":\"frame_word\",\"event\":\"delivery\",\"field\":\"frame\","
                 "\"index\":0,\"word\":\"eflags\",\"a\":[0-9]+,\"b\":74565"));

  rewrite("regs.fst", {"--frame-word", "ret_from_fork:0:6:7"});
  r = diff({"p1.fst", "regs.fst"});
  CHECK(has_line(r.out,
                 "^  ret_from_fork pt_regs word 6 \\(eax\\): 0x00000000 in A, 0x00000007 "
                 "in B$"));
  rewrite("iret.fst", {"--frame-word", "iret:1:2:0x2"});
  r = diff({"p1.fst", "iret.fst"});
  CHECK(has_line(r.out, "^  iret frame word 2 \\(eflags\\): 0x[0-9a-f]{8} in A, 0x00000002 in B$"));

  rewrite("drop.fst", {"--drop-event", "switch:0"});
  r = diff({"p1.fst", "drop.fst"});
  const std::uint64_t sw = event_seq("switch", 0);
  CHECK(has_line(r.out,
                 "^  event switch only in A \\(pid 0 -> pid 1 .*\\); B runs instruction "
                 "[0-9]+ at 0x[0-9a-f]{8} <"));
  CHECK(has_line(r.out, fmt::format("^first divergence at seq {}, ", sw)));
  CHECK(has_line(r.out, fmt::format("^> +{} +[0-9]+ +0   event switch pid 0 -> pid 1", sw)));
  // ... unless that kind is left out.
  r = diff({"p1.fst", "drop.fst", "--ignore-event", "switch"});
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "ignoring switch events"));
  r = diff({"p1.fst", "iret.fst", "--ignore-event", "iret", "--ignore-reg", "eflags"});
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "ignoring eflags"));
}

TEST_CASE_METHOD(DiffFixture, "trace diff: bad input is one line and status 2", "[trace_diff]") {
  for (const auto& [args, re] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"p1.fst", "cut.fst", "--ignore-reg", "eaxx"},
            "^forkscope: no register 'eaxx' \\(known: eax, ecx,"},
           {{"p1.fst", "cut.fst", "--ignore-event", "ports"}, "^forkscope: no event kind 'ports'"},
           {{"p1.fst", "cut.fst", "--from-seq", "x"}, "^forkscope: .*--from-seq"},
           {{"p1.fst"}, "^forkscope: .*(required|b)"},
           {{"p1.fst", "nosuch.fst"}, "^forkscope: nosuch.fst"},
           {{"p1.fst", kKernel}, "not a forkscope trace"}}) {
    const CliRun r = diff(args);
    INFO(r.out);
    CHECK(r.status == 2);
    CHECK(has_line(r.out, re));
    CHECK(fs::testing::lines_of(r.out).size() == 1);
  }
}

TEST_CASE("trace diff: the header records --serial-input's length and hash, and diff names it",
          "[trace_diff]") {
  CliFixture f;
  std::ofstream(f.path("in_a.txt")) << "a\n";
  std::ofstream(f.path("in_b.txt")) << "b\n";
  const std::string spin = kGuests + "/spin.elf";
  for (const char* side : {"a", "b"})
    f.run({"run", "-q", "--max-cycles", "2000000", "--serial-input",
           std::string("in_") + side + ".txt", "--trace", std::string("in_") + side + ".fst",
           spin});
  const CliRun r = f.run({"trace", "diff", "in_a.fst", "in_b.fst"});
  INFO(r.out);
  CHECK(has_line(r.out, "run option serial_input differs: \"2 bytes fnv1a64 "));
}

// diff names and disassembles the records around a divergence as dump does, user code included:
// the kernel image up to its end, then the program the task runs (init:..., isolation:...).
// A divergence in user space: the first delivery from ring 3 (an int 0x80) with one frame word
// changed (tests/golden/trace_rewrite.cpp), so A's context is the user instructions before it.
TEST_CASE("trace diff: the context names user code by program, as trace dump does",
          "[trace_diff]") {
  CliFixture f;
  REQUIRE(f.run({"run", "--quiet", "--cmdline", "init=isolation", "--trace", "iso.fst", kKernel})
              .status == 0);
  const CliRun ev = f.run({"trace", "events", "iso.fst", "--kind", "delivery"});
  const auto deliveries = fs::testing::lines_of(ev.out);
  std::size_t k = 0;
  while (k < deliveries.size() && deliveries[k].find(" from 0073:") == std::string::npos) ++k;
  REQUIRE(k < deliveries.size());
  const CliRun rw = f.run_program(FS_TRACE_REWRITE, {"iso.fst", "word.fst", "--frame-word",
                                                     fmt::format("delivery:{}:0:0x5", k)});
  REQUIRE(rw.status == 0);
  const CliRun d = f.run({"trace", "diff", "iso.fst", "word.fst"});
  INFO(d.out);
  REQUIRE(d.status == 1);
  // A's context: the lines between "A (...)" and "B (...)" after the column header.
  const auto lines = fs::testing::lines_of(d.out);
  std::size_t at = 0;
  while (at < lines.size() && lines[at].rfind("A (iso.fst)", 0) != 0) ++at;
  std::size_t user = 0;
  for (at += 2; at < lines.size() && lines[at].rfind("B (", 0) != 0; ++at) {
    const std::string& l = lines[at];
    if (l.find("   event ") != std::string::npos) continue;
    const std::string seq = l.substr(2, 10);
    const CliRun dump = f.run({"trace", "dump", "iso.fst", "--from", seq, "--to", seq});
    const auto dumped = fs::testing::lines_of(dump.out);  // the column headers, the instruction
    INFO("diff: " << l << "\ndump: " << dump.out);
    REQUIRE(dumped.size() == 2);
    CHECK(dumped[1].rfind(l.substr(2), 0) == 0);
    user += has_line(l, " 3 (init|isolation):[a-z_]+\\+0x[0-9a-f]+ +[0-9a-f]{8}  [0-9a-f]") ? 1 : 0;
  }
  CHECK(user == 5);
}
