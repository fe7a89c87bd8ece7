// The one error type of loader/: bad input (a missing file, a broken ELF image, a multiboot header
// we cannot honour, a boot area that does not fit). The message is one line, "file: problem", with
// no trailing newline, so the CLI can print it after "forkscope: " as it is (docs/exit-status.md).
#pragma once

#include <stdexcept>

namespace fs {

struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace fs
