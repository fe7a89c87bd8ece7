// The files one `forkscope run` reads and writes must be distinct: `--trace X --serial X` wrote the
// console into the trace, and `--trace` could overwrite the image being run.
#pragma once

#include <string>

namespace fs::cli {

struct RunFiles {
  std::string image;         // read
  std::string initrd;        // read ("" none)
  std::string serial_input;  // read ("" none, "-" stdin)
  std::string serial;        // written ("" stdout)
  std::string trace;         // written ("" none)
  std::string summary;       // written ("" none): --summary-json
};

// One line naming the two options that name the same file, or "" when all are distinct. Existing
// regular files are compared by device and inode (a link or another spelling of the path is still
// the same file); paths not yet created by their canonical form. Devices (/dev/null) may be shared.
std::string same_file_problem(const RunFiles& f);

}  // namespace fs::cli
