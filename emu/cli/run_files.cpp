#include "emu/cli/run_files.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <vector>

namespace fs::cli {

namespace {

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {};
  struct stat sb {};
  const bool ea = ::stat(a.c_str(), &sa) == 0, eb = ::stat(b.c_str(), &sb) == 0;
  if (ea && eb) return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (ea || eb) return false;
  std::error_code e1, e2;
  const auto ca = std::filesystem::weakly_canonical(a, e1);
  const auto cb = std::filesystem::weakly_canonical(b, e2);
  return !e1 && !e2 && ca == cb;
}

struct Named {
  const char* option;
  const std::string* path;
  bool written;
};

}  // namespace

std::string same_file_problem(const RunFiles& f) {
  const std::vector<Named> files = {{"--trace", &f.trace, true},
                                    {"--summary-json", &f.summary, true},
                                    {"--serial", &f.serial, true},
                                    {"the image", &f.image, false},
                                    {"--initrd", &f.initrd, false},
                                    {"--serial-input", &f.serial_input, false}};
  for (std::size_t i = 0; i < files.size(); ++i) {
    const Named& w = files[i];
    if (!w.written || w.path->empty()) continue;
    for (std::size_t j = i + 1; j < files.size(); ++j) {
      const Named& o = files[j];
      if (o.path->empty() || *o.path == "-" || !same_file(*w.path, *o.path)) continue;
      return fmt::format("{} {} is the same file as {} {}: {}", w.option, *w.path, o.option,
                         *o.path,
                         o.written ? "both would be written into it" : "it would be overwritten");
    }
  }
  return {};
}

}  // namespace fs::cli
