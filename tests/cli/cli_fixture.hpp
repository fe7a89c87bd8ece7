// CliFixture: runs the built forkscope binary as a user does (no shell) and keeps what it printed,
// for every CLI test written as a Catch2 case (tests/cli_test.cpp, tests/cli/*) (STYLE.md rule 11;
// the shape of CLI11's tests/app_helper.hpp: a fixture holding the arguments, and run()).
//
//   CliFixture f;
//   const CliRun r = f.run({"trace", "stats", f.path("p1.fst")});
//   CHECK(r.status == 0);
//   CHECK(has_line(r.out, "^switches 2  forks 1 "));
//
// The binary is FS_FORKSCOPE (a compile definition from tests/CMakeLists.txt). Each fixture has a
// fresh working directory (dir()), removed at the end unless FS_KEEP_CLI_WORK is set in the
// environment (to look at what a failed test left). stdout and stderr go to files there (no pipe
// to fill), so run() never blocks on output size.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace fs::testing {

// What one run printed, and how it ended.
struct CliRun {
  int status = -1;  // the exit status; 128 + N for a run killed by signal N (as a shell says it)
  bool signalled = false;
  std::string out, err;
  // stderr without its newline when it is exactly one line, else "" (the bad-input contract).
  std::string one_line() const {
    if (err.empty() || err.back() != '\n' || err.find('\n') != err.size() - 1) return {};
    return err.substr(0, err.size() - 1);
  }
};

inline std::string test_guest(const std::string& name) {
  return std::string(FS_BUILD_DIR) + "/tests/machine/" + name + ".elf";
}
inline std::string test_kernel() {
  return std::string(FS_BUILD_DIR) + "/guest/kernel.elf";
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The lines of s (without their newlines).
inline std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// How many lines of s the ECMAScript regex `re` matches somewhere in (grep -cE, mostly).
inline std::size_t count_lines(const std::string& s, const std::string& re) {
  const std::regex r(re);
  std::size_t n = 0;
  for (const auto& l : lines_of(s)) n += std::regex_search(l, r) ? 1 : 0;
  return n;
}
inline bool has_line(const std::string& s, const std::string& re) {
  return count_lines(s, re) > 0;
}

class CliFixture {
 public:
  CliFixture() {
    static int serial = 0;
    dir_ = std::filesystem::path(FS_BUILD_DIR) / "tests" / "cli_work" /
           (std::to_string(::getpid()) + "-" + std::to_string(serial++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~CliFixture() {
    std::error_code ec;
    if (!std::getenv("FS_KEEP_CLI_WORK")) std::filesystem::remove_all(dir_, ec);
  }
  CliFixture(const CliFixture&) = delete;
  CliFixture& operator=(const CliFixture&) = delete;

  // forkscope with args, in dir(); stdin from the file `input` ("": /dev/null); stdout into the
  // file `output` ("": captured in CliRun::out).
  CliRun run(const std::vector<std::string>& args, const std::string& input = "",
             const std::string& output = "") {
    return run_program(FS_FORKSCOPE, args, input, output);
  }

  // Any program (a test tool, a second binary) run the same way.
  CliRun run_program(const std::string& program, const std::vector<std::string>& args,
                     const std::string& input = "", const std::string& output = "") {
    const auto out_path = output.empty() ? dir_ / ".stdout" : std::filesystem::path(output);
    const auto err_path = dir_ / ".stderr";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, input.empty() ? "/dev/null" : input.c_str(), O_RDONLY,
                                     0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addchdir_np(&fa, dir_.c_str());
    std::vector<std::string> argv_s{program};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    CliRun r;
    const int e = posix_spawn(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) FAIL("cannot start " << program << ": " << std::strerror(e));
    int ws = 0;
    while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    r.signalled = WIFSIGNALED(ws);
    r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    if (output.empty()) r.out = read_text(out_path);
    r.err = read_text(err_path);
    return r;
  }

  const std::filesystem::path& dir() const { return dir_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Writes `bytes` to dir()/name; its path.
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
    return path(name);
  }
  static std::string read(const std::string& file) { return read_text(file); }

 private:
  std::filesystem::path dir_;
};

}  // namespace fs::testing
