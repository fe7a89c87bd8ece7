#include "emu/cli/default_image.hpp"

#include <filesystem>
#include <system_error>

namespace fs::cli {

std::vector<std::string> default_image_candidates() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {"guest/kernel.elf"};
  const auto dir = exe.parent_path();
  // The build tree first (build/forkscope beside build/guest/kernel.elf), then the installed tree
  // (<prefix>/bin/forkscope and <prefix>/share/forkscope/kernel.elf, FS_DATADIR_FROM_BINDIR set by
  // emu/CMakeLists.txt), both from the binary's own place so an installed tree can be moved.
  return {(dir / "guest" / "kernel.elf").string(),
          (dir / FS_DATADIR_FROM_BINDIR / "kernel.elf").lexically_normal().string()};
}

std::string default_image() {
  std::error_code ec;
  for (const auto& path : default_image_candidates())
    if (std::filesystem::is_regular_file(path, ec)) return path;
  return {};
}

}  // namespace fs::cli
