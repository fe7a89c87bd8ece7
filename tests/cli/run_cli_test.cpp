// The command line as a user meets it (issues 12 and 14): forkscope run as a process, its status
// and its one line on stderr checked (tests/cli/cli_fixture.hpp). The scheme: emu/exit_status.hpp.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <string>

#include "emu/exit_status.hpp"
#include "tests/cli/cli_fixture.hpp"
#include "x86/decoder.hpp"

using namespace fs;
using fs::testing::CliFixture;
using fs::testing::test_guest;
using fs::testing::test_kernel;

namespace {

constexpr int kOwn[] = {
    exit_status::kBadInput,      exit_status::kHalted,   exit_status::kTripleFault,
    exit_status::kGuestError,    exit_status::kInternal, exit_status::kCycleLimit,
    exit_status::kUnimplemented, exit_status::kKilled,   exit_status::kReset};

bool is_own(int status) {
  for (int s : kOwn)
    if (s == status) return true;
  return false;
}

}  // namespace

TEST_CASE("cli: a guest value gives 0 for 0, else an odd status none of forkscope's own", "[cli]") {
  for (int s : kOwn) CHECK(s % 2 == 0);
  CHECK(exit_status::for_guest_value(0) == 0);
  for (std::uint32_t v = 1; v < 0x1000; ++v) {
    const int s = exit_status::for_guest_value(v);
    INFO("value " << v);
    CHECK(s % 2 == 1);
    CHECK_FALSE(is_own(s));
  }
  // QEMU's isa-debug-exit: (v << 1) | 1, the OS keeping 8 bits; v = status >> 1 below 128.
  CHECK(exit_status::for_guest_value(0x7c) == 249);
  CHECK(exit_status::for_guest_value(0x7f) == 255);
  CHECK(exit_status::for_guest_value(0x80) == 1);
  CHECK(exit_status::for_guest_value(0x100) == 1);
  CHECK(exit_status::for_guest_value(0x12345600) == 1);
  CHECK(exit_status::for_guest_value(0xFFFFFFFF) == 255);
}

TEST_CASE("cli: the edge values written by a guest give their statuses and the summary names them",
          "[cli]") {
  CliFixture f;
  const struct {
    const char* value;
    int status;
  } cases[] = {{"0", 0},  {"1", 3},      {"2", 5},    {"3", 7},     {"4", 9},
               {"5", 11}, {"0x7c", 249}, {"0x80", 1}, {"0x100", 1}, {"0x12345600", 1}};
  for (const auto& c : cases) {
    INFO("guest value " << c.value);
    auto r = f.run({"run", "--cmdline", c.value, test_guest("exit_value")});
    CHECK(r.status == c.status);
    const std::string shown = std::string(c.value) == "0"
                                  ? ""
                                  : fmt::format("value {:#x}, ", std::stoul(c.value, nullptr, 16));
    CHECK_THAT(r.err, Catch::StartsWith(
                          fmt::format("forkscope: guest exit ({}status {})\n", shown, c.status)));
  }
}

TEST_CASE("cli: forkscope's own stops have their even statuses", "[cli]") {
  CliFixture f;
  CHECK(f.run({"run", "-q", test_guest("triple_fault")}).status == exit_status::kTripleFault);
  CHECK(f.run({"run", "-q", test_guest("hlt_cli")}).status == exit_status::kHalted);
  CHECK(f.run({"run", "-q", test_guest("pit_mode1")}).status == exit_status::kUnimplemented);
  CHECK(f.run({"run", "-q", "--max-cycles", "100000", test_guest("spin")}).status ==
        exit_status::kCycleLimit);
}

TEST_CASE("cli: --ram is checked before anything is allocated", "[cli]") {
  CliFixture f;
  const std::string spin = test_guest("spin");
  const struct {
    const char* arg;
    const char* line;
  } cases[] = {
      {"6G",
       "forkscope: --ram: RAM size 6 GiB: must be a multiple of 4 KiB between 2 MiB and 3 GiB"},
      {"5T",
       "forkscope: --ram: RAM size 5 TiB: must be a multiple of 4 KiB between 2 MiB and 3 GiB"},
      {"3145732K",
       "forkscope: --ram: RAM size 3145732 KiB: must be a multiple of 4 KiB between 2 MiB and 3 "
       "GiB"},
      {"1K",
       "forkscope: --ram: RAM size 1 KiB: must be a multiple of 4 KiB between 2 MiB and 3 GiB"},
      {"4194305",
       "forkscope: --ram: RAM size 4194305 bytes: must be a multiple of 4 KiB between 2 MiB and 3 "
       "GiB"},
      {"-1", "forkscope: --ram: -1 is not a size"},
  };
  for (const auto& c : cases) {
    INFO("--ram " << c.arg);
    auto r = f.run({"run", "--ram", c.arg, spin});
    CHECK(r.status == 2);
    CHECK(r.one_line() == c.line);
  }
  // The smallest size runs.
  CHECK(f.run({"run", "-q", "--ram", "2M", "--cmdline", "0", test_guest("exit_value")}).status ==
        0);
}

TEST_CASE("cli: --serial-input refuses more than 16 MiB rather than read /dev/zero forever",
          "[cli]") {
  CliFixture f;
  const std::string spin = test_guest("spin");
  auto r = f.run({"run", "--serial-input", "/dev/zero", spin});
  CHECK(r.status == 2);
  CHECK(r.one_line() ==
        "forkscope: serial input /dev/zero is larger than 16 MiB: it is read whole before the run");
  r = f.run({"run", "--serial-input", "-", spin}, "/dev/zero");
  CHECK(r.status == 2);
  CHECK(
      r.one_line() ==
      "forkscope: serial input from stdin is larger than 16 MiB: it is read whole before the run");
  // Exactly the limit is accepted (the guest spins until the cycle limit).
  const std::string limit = f.write("16MiB", std::string(16u << 20, 'x'));
  CHECK(f.run({"run", "-q", "--max-cycles", "100000", "--serial-input", limit, spin}).status ==
        124);
}

TEST_CASE("cli: a console write error ends the run with one line and status 2", "[cli]") {
  CliFixture f;
  const std::string talker = test_guest("pit_irq0");
  auto r = f.run({"run", "--serial", "/dev/full", talker});
  CHECK(r.status == 2);
  CHECK(r.one_line() ==
        "forkscope: cannot write serial output to /dev/full: No space left on device");
  r = f.run({"run", talker}, "/dev/null", "/dev/full");
  CHECK(r.status == 2);
  CHECK(r.one_line() == "forkscope: cannot write serial output to stdout: No space left on device");
}

TEST_CASE("cli: the files of a run must be distinct, and the image is never overwritten", "[cli]") {
  CliFixture f;
  const std::string spin = test_guest("spin");
  auto r =
      f.run({"run", "--max-cycles", "1000", "--trace", f.path("x"), "--serial", f.path("x"), spin});
  CHECK(r.status == 2);
  CHECK(r.one_line() == fmt::format("forkscope: --trace {0} is the same file as --serial {0}: both "
                                    "would be written into it",
                                    f.path("x")));
  // Another spelling of a path not yet created.
  r = f.run({"run", "--trace", f.path("y"), "--serial", f.path("sub/../y"), spin});
  CHECK(r.status == 2);
  // The image, by inode through a hard link; it is left as it was.
  const std::string image = f.path("image.elf");
  std::filesystem::copy_file(spin, image);
  std::filesystem::create_hard_link(image, f.path("link.elf"));
  const std::string before = CliFixture::read(image);
  r = f.run({"run", "--trace", f.path("link.elf"), image});
  CHECK(r.status == 2);
  CHECK(r.one_line() == fmt::format("forkscope: --trace {} is the same file as the image {}: it "
                                    "would be overwritten",
                                    f.path("link.elf"), image));
  r = f.run({"run", "--serial", image, image});
  CHECK(r.status == 2);
  CHECK(CliFixture::read(image) == before);
  // The input file is not overwritten either; /dev/null may take both outputs.
  const std::string in = f.write("in.txt", "a\n");
  CHECK(f.run({"run", "--serial-input", in, "--serial", in, spin}).status == 2);
  CHECK(f.run({"run", "-q", "--serial-input", "/dev/null", "--serial", "/dev/null", "--cmdline",
               "0", test_guest("exit_value")})
            .status == 0);
}

TEST_CASE("cli: --max-cycles takes 1 to 2^64 - 1, and says so in one short line", "[cli]") {
  CliFixture f;
  const std::string spin = test_guest("spin");
  for (const char* bad : {"0", "18446744073709551616", "99999999999999999999999", "-5", "1e9"}) {
    INFO("--max-cycles " << bad);
    auto r = f.run({"run", "--max-cycles", bad, spin});
    CHECK(r.status == 2);
    CHECK(r.one_line() == fmt::format("forkscope: --max-cycles: {} is not a cycle count from 1 to "
                                      "18446744073709551615",
                                      bad));
  }
  CHECK(f.run({"run", "-q", "--max-cycles", "18446744073709551615", "--cmdline", "0",
               test_guest("exit_value")})
            .status == 0);
}

TEST_CASE("cli: an unknown command, no command, --version", "[cli]") {
  CliFixture f;
  auto r = f.run({"runn"});
  CHECK(r.status == 2);
  CHECK(r.one_line() ==
        "forkscope: no command 'runn' in forkscope (commands: run, replay, trace); see forkscope --help");
  r = f.run({"trace", "dumpp", "x.fst"});
  CHECK(r.status == 2);
  CHECK(r.one_line() ==
        "forkscope: no command 'dumpp' in forkscope trace (commands: dump, events, inspect, stats, "
        "timeline, diff); see forkscope trace --help");
  r = f.run({});
  CHECK(r.status == 2);
  CHECK(r.one_line() ==
        "forkscope: a command is required: run, replay or trace; see forkscope --help");
  r = f.run({"--version"});
  CHECK(r.status == 0);
  // The engines' versions come from the libraries at run time: the pinned Unicorn, Debian's
  // Capstone.
  CHECK(r.out == "forkscope " FS_PROJECT_VERSION "\nUnicorn Engine 2.1.1\nCapstone " +
                     fs::capstone_version() + "\n");
  CHECK(r.err.empty());
}

TEST_CASE("cli: --help shows the exit statuses, FILE for --serial and every event kind", "[cli]") {
  CliFixture f;
  auto r = f.run({"--help"});
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("Usage: forkscope [OPTIONS] SUBCOMMAND"));
  CHECK_THAT(r.out, Catch::Contains("  odd  the guest wrote v != 0: ((v << 1) | 1) & 0xff"));
  CHECK_THAT(r.out, Catch::Contains("  6    triple fault"));
  r = f.run({"run", "--help"});
  CHECK_THAT(r.out, Catch::Contains("--serial FILE"));
  CHECK_THAT(r.out, Catch::Contains("--ram SIZE"));
  CHECK_THAT(r.out, Catch::Contains("-kernel FILE"));
  r = f.run({"trace", "events", "--help"});
  CHECK_THAT(r.out, Catch::Contains("--kind KIND"));
  CHECK_THAT(r.out,
             !Catch::Contains("Exit status"));  // the guest's statuses are run's, not trace's
  for (const char* kind : {"fork", "switch", "iret", "delivery", "user_space"})
    CHECK_THAT(r.out, Catch::Contains(kind));
}

TEST_CASE("cli: QEMU's -kernel, -append, -m, -serial, -S answered or understood", "[cli]") {
  CliFixture f;
  const std::string exit_value = test_guest("exit_value");
  CHECK(f.run({"-kernel", exit_value, "-append", "0x7c", "-m", "64", "-nographic"}).status == 249);
  CHECK(f.run({"run", "-kernel", exit_value, "-append", "0", "-no-reboot"}).status == 0);
  // -m counts MiB: 1 is too little.
  auto r = f.run({"-kernel", exit_value, "-m", "1"});
  CHECK(r.status == 2);
  CHECK_THAT(r.one_line(), Catch::StartsWith("forkscope: --ram: RAM size 1 MiB: "));
  // -serial file:F and stdio.
  const std::string out = f.path("console.txt");
  r = f.run({"-kernel", test_guest("pit_irq0"), "-serial", "file:" + out});
  CHECK(r.status == 0);
  CHECK(r.out.empty());
  CHECK(CliFixture::read(out) ==
        CliFixture::read(std::string(FS_SOURCE_DIR) + "/tests/machine/pit_irq0.expected"));
  CHECK(f.run({"-kernel", test_guest("pit_irq0"), "-serial", "stdio", "-q"}).out ==
        CliFixture::read(std::string(FS_SOURCE_DIR) + "/tests/machine/pit_irq0.expected"));
  // What does not map is one line naming forkscope's spelling.
  r = f.run({"-kernel", exit_value, "-serial", "pty"});
  CHECK(r.status == 2);
  CHECK(r.one_line() ==
        "forkscope: -serial pty: forkscope writes COM1 to stdout (QEMU's -serial stdio) or to "
        "--serial FILE (-serial file:FILE)");
  r = f.run({"-kernel", exit_value, "-S"});
  CHECK(r.status == 2);
  CHECK(r.one_line() ==
        "forkscope: -S without -s: forkscope waits for gdb only with --gdb PORT (QEMU's -s -S)");
  r = f.run({"-kernel", exit_value, "-S", "--gdb", "70000"});  // -S with forkscope's --gdb
  CHECK(r.status == 2);
  CHECK_THAT(r.one_line(), Catch::StartsWith("forkscope: --gdb: Value 70000 not in range"));
  r = f.run({"-kernel", exit_value, "-gdb", "tcp::70000"});
  CHECK(r.status == 2);
  CHECK_THAT(r.one_line(), Catch::StartsWith("forkscope: --gdb: Value 70000 not in range"));
  // -s is -gdb tcp::1234: with that port taken, forkscope says it cannot listen there.
  const int taken = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(1234);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool mine =
      ::bind(taken, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(taken, 1) == 0;
  INFO("port 1234 held by this test: " << mine << " (else by another program)");
  r = f.run({"-kernel", exit_value, "-s", "-S"});
  ::close(taken);
  CHECK(r.status == 2);
  CHECK_THAT(r.one_line(),
             Catch::StartsWith("forkscope: cannot listen for gdb on 127.0.0.1:1234: "));
  // A forkscope option's value is left alone, even when it is spelled like a QEMU option.
  r = f.run({"run", "--cmdline", "-m", exit_value});
  CHECK(r.status == 0);  // the guest found no number in its command line "-m"
  CHECK_THAT(r.err, Catch::StartsWith("forkscope: guest exit (status 0)\n"));
  r = f.run({"-kernel"});
  CHECK(r.status == 2);
  CHECK(r.one_line() == "forkscope: -kernel needs a value (forkscope run --help)");
}

TEST_CASE("cli: trace dump says why it prints nothing", "[cli]") {
  CliFixture f;
  const std::string trace = f.path("p1.fst");
  REQUIRE(
      f.run({"run", "-q", "--cmdline", "init=process1", "--trace", trace, test_kernel()}).status ==
      0);
  auto r = f.run({"trace", "dump", trace, "--from", "10", "--to", "5"});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.one_line() ==
        "forkscope: trace dump: --from 10 is after --to 5: no instruction is in between");
  r = f.run({"trace", "dump", trace, "--pid", "99"});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.one_line() ==
        "forkscope: trace dump: pid 99 does not run in this trace (pids that do: 0 1)");
  r = f.run({"trace", "dump", trace, "--from", "999999999999"});
  CHECK(r.status == 2);
  CHECK_THAT(r.one_line(),
             Catch::Matches("forkscope: trace dump: --from 999999999999 is past the trace's last "
                            "instruction \\(seq [0-9]+\\)"));
  r = f.run({"trace", "dump", trace, "--pid", "1", "--to", "3"});
  CHECK(r.status == 2);
  CHECK(r.one_line() == "forkscope: trace dump: pid 1 does not run up to seq 3 (pids that do: 0)");
  // A filter that matches nothing in a range that exists is an answer, not an error.
  r = f.run({"trace", "dump", trace, "--cpl", "3", "--count", "5"});
  CHECK(r.status == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}
