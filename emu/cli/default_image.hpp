// Where forkscope finds its own kernel when no image is named: `forkscope run` boots it, and the
// trace tools read its symbols for a trace recorded from it.
#pragma once

#include <string>
#include <vector>

namespace fs::cli {

// Where the default guest image may be, in the order tried: build/guest/kernel.elf beside
// build/forkscope, then <prefix>/share/forkscope/kernel.elf for <prefix>/bin/forkscope.
std::vector<std::string> default_image_candidates();
// The first of those that is a file; empty when none is.
std::string default_image();

}  // namespace fs::cli
