// Runs the forkscope binary as a user does (no shell) and keeps what it said: the CLI tests'
// fixture (tests/cli_test.cpp), after CLI11's tests/app_helper.hpp. stdout and stderr go through
// files, so neither can fill a pipe and stall the child.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs::test {

struct CliRun {
  int status = -1;  // the exit status, or 128 + the signal that ended it (as a shell says)
  bool signalled = false;
  std::string out, err;
  // stderr without its newline when it is exactly one line, else "" (the bad-input contract).
  std::string one_line() const {
    if (err.empty() || err.back() != '\n' || err.find('\n') != err.size() - 1) return {};
    return err.substr(0, err.size() - 1);
  }
};

inline std::string forkscope_binary() {
  return std::string(FS_BUILD_DIR) + "/forkscope";
}
inline std::string test_guest(const std::string& name) {
  return std::string(FS_BUILD_DIR) + "/tests/machine/" + name + ".elf";
}
inline std::string test_kernel() {
  return std::string(FS_BUILD_DIR) + "/guest/kernel.elf";
}

// A fresh directory under the build tree for files a test writes, removed with the fixture.
class CliFixture {
 public:
  CliFixture() {
    std::string tmpl = std::string(FS_BUILD_DIR) + "/tests/cli_tmp.XXXXXX";
    if (!::mkdtemp(tmpl.data())) std::abort();
    dir_ = tmpl;
  }
  ~CliFixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  CliFixture(const CliFixture&) = delete;
  CliFixture& operator=(const CliFixture&) = delete;

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
    return path(name);
  }
  static std::string read(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // forkscope ARGS..., stdin from `input` (default: /dev/null), stdout into `output` (default:
  // captured in CliRun::out).
  CliRun run(const std::vector<std::string>& args, const std::string& input = "/dev/null",
             const std::string& output = "") const {
    const std::string out = output.empty() ? path(".stdout") : output, err = path(".stderr");
    const pid_t pid = ::fork();
    if (pid == 0) exec_child(args, input, out, err);
    CliRun r;
    int ws = 0;
    ::waitpid(pid, &ws, 0);
    r.signalled = WIFSIGNALED(ws);
    r.status = r.signalled ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
    if (output.empty()) r.out = read(out);
    r.err = read(err);
    return r;
  }

 private:
  [[noreturn]] static void exec_child(const std::vector<std::string>& args,
                                      const std::string& input, const std::string& out,
                                      const std::string& err) {
    const int in_fd = ::open(input.c_str(), O_RDONLY);
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);  // /dev/full too
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(126);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    const std::string bin = forkscope_binary();
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }

  std::filesystem::path dir_;
};

}  // namespace fs::test
