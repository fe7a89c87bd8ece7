// `forkscope run --trace` and the trace readers (`trace dump|events|inspect|stats`) on real
// recordings, run as a user runs them (tests/cli/cli_fixture.hpp): what they print, line by line,
// and their exit statuses, bad input included. Each case records what it reads (process1 takes
// about half a second). trace diff: trace_diff_cli_test.cpp; --json: trace_json_test.cpp.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.hpp"

namespace {

using fs::testing::CliFixture;
using fs::testing::CliRun;
using fs::testing::count_lines;
using fs::testing::has_line;

const std::string kKernel = std::string(FS_BUILD_DIR) + "/guest/kernel.elf";
const std::string kGuests = std::string(FS_BUILD_DIR) + "/tests/machine";

// `forkscope run --quiet --cmdline init=SCENARIO --trace NAME KERNEL`, which must exit 0.
void record(CliFixture& f, const std::string& name, const std::string& scenario,
            std::vector<std::string> more = {}) {
  std::vector<std::string> args{"run", "--quiet", "--cmdline", "init=" + scenario};
  args.insert(args.end(), more.begin(), more.end());
  args.insert(args.end(), {"--trace", name, kKernel});
  const CliRun r = f.run(args);
  INFO("recording " << name << ": " << r.err);
  REQUIRE(r.status == 0);
}

// Bad input: status 2 and one line on stderr matching `re`, nothing else.
void check_bad(CliFixture& f, const std::vector<std::string>& args, const std::string& re) {
  const CliRun r = f.run(args);
  INFO("stderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(has_line(r.err, re));
  CHECK(fs::testing::lines_of(r.err).size() == 1);
}

}  // namespace

TEST_CASE("trace cli: run --trace prints the console, exits with the guest, records the same bytes",
          "[trace_cli]") {
  CliFixture f;
  const CliRun r =
      f.run({"run", "--quiet", "--cmdline", "init=process1", "--trace", "p1.fst", kKernel});
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "^process1: pid 1 \\(init\\) parent 0"));
  record(f, "p1b.fst", "process1");
  CHECK(fs::testing::read_text(f.path("p1.fst")) == fs::testing::read_text(f.path("p1b.fst")));
}

TEST_CASE("trace cli: inspect --ret-from-fork checks pid 1's first run, in text and JSON",
          "[trace_cli]") {
  CliFixture f;
  record(f, "p1.fst", "process1");
  CliRun r = f.run({"trace", "inspect", "p1.fst", "--ret-from-fork"});
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "^pid 1 \\(init\\): forked by pid 0 .*CLONE_VM"));
  CHECK(has_line(r.out, "eip 0x[0-9a-f]+ <kernel_thread_helper>"));
  CHECK(has_line(r.out, "ebx 0x[0-9a-f]+ <init>"));
  CHECK(has_line(r.out, "iret at seq [0-9]+ .*3-word frame .*<kernel_thread_helper>, CPL 0 -> 0"));
  CHECK(count_lines(r.out, "^  PASS ") == 4);
  CHECK(count_lines(r.out, "FAIL") == 0);
  r = f.run({"trace", "inspect", "p1.fst", "--ret-from-fork", "--json"});
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "^\\{\"pid\":1,.*\"checks\":\\[\\{\"verdict\":\"PASS\""));
}

TEST_CASE("trace cli: inspect --iret pairs each iret with what it ends", "[trace_cli]") {
  CliFixture f;
  record(f, "p1.fst", "process1");
  const CliRun r = f.run({"trace", "inspect", "p1.fst", "--iret"});
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "ends ret_from_fork"));
  CHECK(has_line(r.out, "ends the delivery at seq [0-9]+: int vector 0x80"));
}

TEST_CASE("trace cli: events --kind lists those events, in text and JSON", "[trace_cli]") {
  CliFixture f;
  record(f, "p1.fst", "process1");
  CliRun r = f.run({"trace", "events", "p1.fst", "--kind", "fork,switch,ret_from_fork,iret"});
  INFO(r.out);
  CHECK(r.status == 0);
  // The column headers, then 1 fork, 2 switches, 1 ret_from_fork, 2 irets.
  CHECK(count_lines(r.out, ".") == 7);
  CHECK(count_lines(r.out, "^ +[0-9]+ +[0-9]+ pid ") == 6);
  CHECK(has_line(r.out, "fork +pid 0 creates pid 1 init \\(task "));
  r = f.run({"trace", "events", "p1.fst", "--kind", "switch", "--json"});
  CHECK(has_line(r.out,
                 "^\\{\"seq\":[0-9]+,\"cycle\":[0-9]+,\"pid\":0,\"kind\":\"switch\","
                 "\"prev_pid\":0,\"next_pid\":1"));
}

TEST_CASE("trace cli: stats counts instructions, switches and forks", "[trace_cli]") {
  CliFixture f;
  record(f, "p1.fst", "process1");
  const CliRun r = f.run({"trace", "stats", "p1.fst"});
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "switches 2  forks 1 "));
  CHECK(has_line(r.out, "^instructions [0-9]+ "));
}

// Tasks that never reach ring 3 are named too (issue 14): pid 0 by init_task's comm in the image,
// a kernel thread by the comm its fork event records (process1's init never execs).
TEST_CASE("trace cli: stats names swapper and kernel threads, in text and JSON", "[trace_cli]") {
  CliFixture f;
  record(f, "p1.fst", "process1");
  CliRun r = f.run({"trace", "stats", "p1.fst"});
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "^  pid 0 +swapper +[0-9]+ instructions \\(  0% in ring 3\\)"));
  CHECK(has_line(r.out, "^  pid 1 +init +[0-9]+ instructions \\(  0% in ring 3\\)"));
  r = f.run({"trace", "stats", "p1.fst", "--json"});
  CHECK(r.status == 0);
  CHECK(has_line(r.out, "\"per_pid\":\\[\\{\"pid\":0,\"comm\":\"swapper\",\"program\":null,"));
  CHECK(has_line(r.out, "\\{\"pid\":1,\"comm\":\"init\",\"program\":null,"));
}

TEST_CASE("trace cli: dump --symbol --count shows that function's instructions", "[trace_cli]") {
  CliFixture f;
  record(f, "p1.fst", "process1");
  const CliRun r = f.run({"trace", "dump", "p1.fst", "--symbol", "ret_from_fork", "--count", "5"});
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(count_lines(r.out, " ret_from_fork(\\+0x[0-9a-f]+)? ") == 5);
  // pid 1, CPL 0, push eax first.
  CHECK(has_line(r.out, "^ +[0-9]+ +[0-9]+ +1 0 ret_from_fork +[0-9a-f]{8}  50 +push eax +esp="));
}

// The text output of events and dump opens with one line naming the columns, always (a pipe
// too); JSON has none (tests/cli/trace_json_test.cpp parses every line).
TEST_CASE("trace cli: events and dump print one line of column headers first", "[trace_cli]") {
  CliFixture f;
  record(f, "p1.fst", "process1");
  CliRun r = f.run({"trace", "events", "p1.fst", "--kind", "fork"});
  REQUIRE(fs::testing::lines_of(r.out).size() == 2);
  CHECK(fs::testing::lines_of(r.out)[0] ==
        "       seq        cycle pid      kind          what happened");
  r = f.run({"trace", "dump", "p1.fst", "--count", "1"});
  REQUIRE(fs::testing::lines_of(r.out).size() == 2);
  CHECK(has_line(fs::testing::lines_of(r.out)[0],
                 "^       seq        cycle  pid L where +address +bytes +text +changes$"));
  // The header comes with the first line: a dump that selects nothing prints nothing.
  r = f.run({"trace", "dump", "p1.fst", "--count", "0"});
  CHECK(r.out.empty());
}

// System calls by the guest's names (trace/syscall_names.hpp, from guest/include/asm/unistd.h):
// /sbin/init's getpid() (eax 20) in events, stats and dump.
TEST_CASE("trace cli: system calls are named in events, stats and dump", "[trace_cli]") {
  CliFixture f;
  record(f, "iso.fst", "isolation");
  CliRun r = f.run({"trace", "events", "iso.fst", "--kind", "syscall_entry,syscall_exit"});
  INFO(r.out);
  CHECK(has_line(r.out, "^ +[0-9]+ +[0-9]+ pid 1 +syscall_entry +getpid args 0x"));
  CHECK(has_line(r.out, "^ +[0-9]+ +[0-9]+ pid 1 +syscall_exit +getpid result 1$"));
  CHECK(has_line(r.out, " syscall_entry +execve args "));
  CHECK(count_lines(r.out, " nr [0-9]+ ") == 0);
  r = f.run({"trace", "stats", "iso.fst"});
  CHECK(has_line(r.out, "^system calls by name .*getpid [1-9][0-9]*"));
  r = f.run({"trace", "dump", "iso.fst", "--symbol", "init:getpid", "--count", "20"});
  CHECK(
      has_line(r.out, " 3 init:getpid\\+0x[0-9a-f]+ +[0-9a-f]{8}  cd 80 +int 0x80 .*  # getpid$"));
}

// User programs are told apart by the user_space events: a trace of init=isolation names and
// disassembles /sbin/init's code in pid 1, and isolation's in pid 2 once it has exec'd - two
// programs linked at the same address.
TEST_CASE("trace cli: user code is named after the program the task runs", "[trace_cli]") {
  CliFixture f;
  record(f, "iso.fst", "isolation");
  CliRun r = f.run({"trace", "dump", "iso.fst", "--cpl", "3", "--count", "1"});
  CHECK(has_line(r.out, "^ +[0-9]+ +[0-9]+ +1 3 init:_start +08048000  31 ed +xor ebp, ebp"));
  r = f.run({"trace", "dump", "iso.fst", "--pid", "2", "--cpl", "3", "--symbol", "isolation:_start",
             "--count", "1"});
  CHECK(has_line(r.out, "^ +[0-9]+ +[0-9]+ +2 3 isolation:_start +08048000  31 ed +xor ebp, ebp"));
  r = f.run({"trace", "events", "iso.fst", "--kind", "user_space"});
  INFO(r.out);
  CHECK(has_line(r.out, "pid 1 runs init in ring 3 on the address space at CR3 0x"));
  CHECK(has_line(r.out, "pid 2 runs init in ring 3"));
  CHECK(has_line(r.out, "pid 2 runs isolation in ring 3"));
  CHECK(has_line(r.out, "pid 3 runs isolation in ring 3"));
}

// A page fault names its address (CR2, from the handler's first instruction) and spells out its
// error code: isolation's child writing the global it shares copy-on-write with its parent.
TEST_CASE("trace cli: a page fault's event names CR2 and the error code", "[trace_cli]") {
  CliFixture f;
  record(f, "iso.fst", "isolation");
  CliRun r = f.run({"trace", "events", "iso.fst", "--kind", "delivery", "--pid", "3"});
  INFO(r.out);
  CHECK(has_line(r.out,
                 "exception #PF \\(vector 14\\) error 0x7 \\(present, write, user\\), CR2 "
                 "0x0804a000 from 0073:[0-9a-f]{8} <isolation:main\\+0x[0-9a-f]+>"));
  r = f.run({"trace", "events", "iso.fst", "--kind", "delivery", "--pid", "3", "--json"});
  CHECK(has_line(r.out, "\"vector\":14,.*\"cr2\":134520832,\"cr2_hex\":\"0x0804a000\"\\}$"));
}

TEST_CASE("trace cli: stats per pid names the program, ring 3's share, system calls, faults",
          "[trace_cli]") {
  CliFixture f;
  record(f, "iso.fst", "isolation");
  const CliRun r = f.run({"trace", "stats", "iso.fst"});
  INFO(r.out);
  CHECK(has_line(r.out,
                 "^  pid 3 +isolation +[0-9]+ instructions \\( *[0-9]+% in ring 3\\) +[0-9]+ "
                 "cycles \\([0-9.]+%\\)  system calls [1-9][0-9]*  page faults [1-9]"));
  CHECK(has_line(r.out, "^  pid 1 +init "));
}

// A ring-3 guest without the kernel: the int 0x80 from user mode switches stacks and its iret
// pops 5 words.
TEST_CASE("trace cli: a ring-3 guest's int 0x80 switches stacks, its iret pops 5 words",
          "[trace_cli]") {
  CliFixture f;
  const std::string guest = kGuests + "/syscall_ring3.elf";
  REQUIRE(f.run({"run", "--quiet", "--trace", "ring3.fst", guest}).status == 0);
  const CliRun r =
      f.run({"trace", "events", "ring3.fst", "--image", guest, "--kind", "delivery,iret"});
  INFO(r.out);
  CHECK(has_line(r.out, "int vector 0x80 from 001b:.* stack switched to TSS.esp0 0x"));
  CHECK(has_line(r.out, "5-word frame .* CPL 0 -> 3"));
}

TEST_CASE("trace cli: every trace subcommand explains itself", "[trace_cli]") {
  CliFixture f;
  for (const char* sub : {"dump", "events", "inspect", "stats", "diff"}) {
    INFO(sub);
    CHECK(f.run({"trace", sub, "--help"}).status == 0);
  }
  CHECK(has_line(f.run({"trace", "inspect", "--help"}).out, "--ret-from-fork"));
  CHECK(has_line(f.run({"trace", "diff", "--help"}).out, "--allow-build-id-mismatch"));
}

TEST_CASE("trace cli: bad input is one line on stderr and status 2", "[trace_cli]") {
  CliFixture f;
  record(f, "p1.fst", "process1");
  check_bad(f, {"trace", "stats", kKernel}, "not a forkscope trace");
  check_bad(f, {"trace", "stats", "p0.fst"}, "p0.fst");
  check_bad(f, {"trace", "events", "p1.fst", "--kind", "forks"}, "no event kind 'forks'");
  check_bad(f, {"trace", "stats", "p1.fst", "--image", kGuests + "/syscall_ring3.elf"},
            "different image");
  check_bad(f, {"trace", "inspect", "p1.fst"}, "--ret-from-fork or --iret");
  // --initrd belongs to a Linux run's trace, and only with the very initramfs it booted.
  check_bad(f, {"trace", "dump", "p1.fst", "--initrd", kKernel}, "recorded without --initrd");
  // A flipped word inside the first chunk's payload: the chunk is named.
  std::filesystem::copy_file(f.path("p1.fst"), f.path("corrupt.fst"));
  {
    std::fstream io(f.path("corrupt.fst"), std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(400);
    io.write("\xff\xff\xff\xff", 4);
  }
  check_bad(f, {"trace", "stats", "corrupt.fst"}, "corrupt chunk 0");
}

TEST_CASE("trace cli: a trace cut half-way is read up to its last chunk, with one warning",
          "[trace_cli]") {
  CliFixture f;
  record(f, "p1.fst", "process1");
  std::string bytes = fs::testing::read_text(f.path("p1.fst"));
  REQUIRE(bytes.size() > 300000);
  std::ofstream(f.path("cut.fst"), std::ios::binary).write(bytes.data(), 300000);
  const CliRun r = f.run({"trace", "stats", "cut.fst"});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(has_line(
      r.err, "^forkscope: warning: cut.fst: trace truncated after chunk [0-9]+ \\(seq [0-9]+\\)$"));
  CHECK(fs::testing::lines_of(r.err).size() == 1);
}

// init=forktest (issue 4): each of the 15 processes forked from ring 3 (/sbin/init's child, which
// execs forktest, and the 14 forktest forks) starts at ret_from_fork and leaves through a 5-word
// iret to __USER_CS:__USER_DS with EAX = 0 and the user ESP/EIP its parent had after its int 0x80:
// every check PASS, none FAIL, and both the run and the inspection exit 0.
TEST_CASE("trace cli: init=forktest, every user child's ret_from_fork passes trace inspect",
          "[trace_cli]") {
  CliFixture f;
  const CliRun run =
      f.run({"run", "--quiet", "--cmdline", "init=forktest", "--trace", "forktest.fst", kKernel});
  REQUIRE(run.status == 0);
  CHECK(has_line(run.out, "^forktest: ok$"));
  const CliRun r = f.run({"trace", "inspect", "forktest.fst", "--ret-from-fork"});
  INFO(r.out.substr(0, 4000));
  CHECK(r.status == 0);
  // pid 1 (init, a kernel thread until its exec) and the 15 user children.
  CHECK(count_lines(r.out, "^pid [0-9]+ \\((init|forktest)\\): forked by pid [0-9]+ at seq") == 16);
  CHECK(count_lines(
            r.out,
            "^pid ([2-9]|1[0-6]) \\((init|forktest)\\): forked by pid [0-9]+ at seq [0-9]+ cycle "
            "[0-9]+, clone flags 0x11 \\(signal 17\\)$") == 15);
  CHECK(count_lines(r.out,
                    "^  PASS eax = 0 in the child \\(pt_regs eax 0x0, EAX after the iret "
                    "0x0\\)$") == 16);
  CHECK(count_lines(r.out, "^  PASS TSS.esp0 = stack top - 8 ") == 16);
  CHECK(count_lines(r.out,
                    "^  iret at seq [0-9]+ cycle [0-9]+: 5-word frame \\[[0-9a-f]{8} "
                    "00000073 [0-9a-f]{8} [0-9a-f]{8} 0000007b\\] from "
                    "0060:[0-9a-f]{8} <restore_all\\+0x[0-9a-f]+> to 0073:") == 15);
  CHECK(count_lines(r.out,
                    "^  PASS 5-word frame for CPL 0 -> 3 \\(CS 0x0073, SS 0x007b, 5 "
                    "words\\), EIP and CS as in pt_regs$") == 15);
  CHECK(count_lines(r.out, "^  PASS EFLAGS.IF set after the iret ") == 16);
  CHECK(count_lines(r.out,
                    "^  PASS user ESP/EIP equal the parent's \\(parent "
                    "0x([0-9a-f]{8})/0x([0-9a-f]{8}), child 0x\\1/0x\\2\\)$") == 15);
  CHECK(count_lines(r.out, "FAIL") == 0);
  // User code is named and disassembled from the program the task ran at that moment: init's
  // child returns into init's fork() (it execs forktest after), forktest's children into
  // forktest's.
  CHECK(count_lines(r.out, "<init:fork\\+0x[0-9a-f]+>, CPL 0 -> 3$") == 1);
  CHECK(count_lines(r.out, "<forktest:fork\\+0x[0-9a-f]+>, CPL 0 -> 3$") == 14);
  CliRun d = f.run({"trace", "dump", "forktest.fst", "--cpl", "3", "--count", "1"});
  CHECK(has_line(d.out, "^ +[0-9]+ +[0-9]+ +1 3 init:_start +08048000  [0-9a-f ]+ +[a-z]"));
  // pid 2 runs init's code after the fork, then forktest's after its exec: one address, two names.
  d = f.run({"trace", "dump", "forktest.fst", "--pid", "2", "--cpl", "3", "--symbol",
             "forktest:_start", "--count", "1"});
  CHECK(has_line(d.out, "^ +[0-9]+ +[0-9]+ +2 3 forktest:_start +08048000  [0-9a-f ]+ +[a-z]"));
}

// A timer interrupt taken in schedule_tail (which enables interrupts) before the child's own iret
// is not mistaken for it: at a 5 MHz clock some children take one on the way out of
// ret_from_fork, and every check still passes. (Which clocks hit the window moves with the
// kernel's timing: 10 MHz did until the signal handlers' sighand_struct copy in fork.)
TEST_CASE("trace cli: inspect pairs a child's iret past an interrupt taken on its way out",
          "[trace_cli]") {
  CliFixture f;
  REQUIRE(f.run({"run", "--quiet", "--cpu-mhz", "5", "--cmdline", "init=forktest", "--trace",
                 "forktest5.fst", kKernel})
              .status == 0);
  const CliRun r = f.run({"trace", "inspect", "forktest5.fst", "--ret-from-fork"});
  INFO(r.out.substr(0, 4000));
  CHECK(r.status == 0);
  CHECK(count_lines(r.out, "interrupts? taken on the way") >= 1);  // the case this pins
  CHECK(count_lines(r.out, "FAIL") == 0);
  CHECK(count_lines(r.out, "^  PASS 5-word frame for CPL 0 -> 3") == 15);
}
