// Mirrors base/severity.hpp: whose fault it is, and the exit status each gets through the machine.
#include "base/severity.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "emu/exit_status.hpp"
#include "emu/machine.hpp"
#include "tests/cli/cli_fixture.hpp"

using namespace fs;

TEST_CASE("severity: FS_ASSERT throws an InternalError naming the check and its place",
          "[severity]") {
  int x = 1;
  CHECK_NOTHROW(FS_ASSERT(x == 1, "never"));
  try {
    FS_ASSERT(x == 2, "the answer changed");
    FAIL("no throw");
  } catch (const InternalError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::StartsWith("the answer changed (x == 2 failed at "));
    CHECK_THAT(what, Catch::Contains("severity_test.cpp:"));
  }
}

TEST_CASE("severity: a device warns once per kind, tagged, whatever the details", "[severity]") {
  std::vector<std::string> seen;
  WarnOnce warn("pit8254", [&](const std::string& line) { seen.push_back(line); });
  warn("count below minimum", "count below the mode 2 minimum of 2 (1)");
  warn("count below minimum", "count below the mode 3 minimum of 2 (1)");
  warn("other", "something else");
  CHECK(seen == std::vector<std::string>{"pit8254: count below the mode 2 minimum of 2 (1)",
                                         "pit8254: something else"});
  CHECK(warn.printed() == seen);
}

TEST_CASE("severity: an exception from inside a run is forkscope's bug, not the guest's error",
          "[severity][machine]") {
  for (bool per_insn : {false, true}) {
    MachineOptions o;
    o.per_instruction = per_insn;
    o.serial_out = [](std::uint8_t) {};
    Machine m(o);
    m.load(testing::test_guest("irq_boundary"));
    // A breakpoint observer that fails stands for any host-side failure inside the CPU run.
    m.add_breakpoint(m.symbols().address_of("_start").value(),
                     [](Machine&) { throw std::runtime_error("an observer's own failure"); });
    const RunResult r = m.run();
    CHECK(r.reason == StopReason::kInternal);
    CHECK(r.exit_status == exit_status::kInternal);
    CHECK_THAT(r.message, Catch::StartsWith("forkscope bug: an observer's own failure (guest at "));
  }
}

TEST_CASE("severity: an unmodelled device mode ends the run as forkscope's limit", "[severity]") {
  MachineOptions o;
  o.serial_out = [](std::uint8_t) {};
  Machine m(o);
  m.load(testing::test_guest("pit_mode1"));
  const RunResult r = m.run();
  CHECK(r.reason == StopReason::kUnimplemented);
  CHECK(r.exit_status == exit_status::kUnimplemented);
  CHECK_THAT(r.message, Catch::StartsWith("not modelled: pit8254: BCD counting is not modelled"));
  CHECK_THAT(r.message, Catch::Contains("<program_mode1"));
}
