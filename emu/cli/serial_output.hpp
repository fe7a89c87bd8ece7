// Where `forkscope run` writes COM1's output: stdout or --serial FILE, with write errors caught
// (`--serial /dev/full` used to lose the console and exit 0).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace fs::cli {

class SerialOutput {
 public:
  // path empty: stdout, flushed at each '\n' as a terminal user expects; else FILE, truncated.
  // ok() is false (and error() says why) when FILE cannot be opened.
  explicit SerialOutput(const std::string& path);
  ~SerialOutput();
  SerialOutput(const SerialOutput&) = delete;
  SerialOutput& operator=(const SerialOutput&) = delete;

  // Writes one byte; false from the first failed write on (the byte and every later one is lost).
  bool put(std::uint8_t b);
  // Flushes (and closes FILE); false if that or any write failed.
  bool finish();
  bool ok() const { return error_.empty(); }
  // One line: "cannot write serial output to FILE: No space left on device".
  const std::string& error() const { return error_; }

 private:
  void fail(int err);
  std::string name_;
  std::FILE* f_ = nullptr;
  bool is_stdout_ = false;
  std::string error_;
};

}  // namespace fs::cli
