#include "emu/cli/serial_output.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace fs::cli {

SerialOutput::SerialOutput(const std::string& path)
    : name_(path.empty() ? "stdout" : path), is_stdout_(path.empty()) {
  f_ = is_stdout_ ? stdout : std::fopen(path.c_str(), "wb");
  if (!f_) fail(errno);
}

SerialOutput::~SerialOutput() {
  if (f_ && !is_stdout_) std::fclose(f_);
}

void SerialOutput::fail(int err) {
  if (error_.empty())
    error_ = fmt::format("cannot write serial output to {}: {}", name_, std::strerror(err));
}

bool SerialOutput::put(std::uint8_t b) {
  if (!ok()) return false;
  errno = 0;
  if (std::fputc(b, f_) == EOF || (is_stdout_ && b == '\n' && std::fflush(f_) != 0)) {
    fail(errno ? errno : EIO);
    return false;
  }
  return true;
}

bool SerialOutput::finish() {
  if (!f_) return ok();
  errno = 0;
  // Buffered bytes meet a full disk only here, so a short console still reports the error.
  if (std::fflush(f_) != 0 || std::ferror(f_)) fail(errno ? errno : EIO);
  if (!is_stdout_) {
    if (std::fclose(f_) != 0) fail(errno ? errno : EIO);
    f_ = nullptr;
  }
  return ok();
}

}  // namespace fs::cli
