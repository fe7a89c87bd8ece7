// loader/initramfs.hpp. A newc header is 110 ASCII bytes: the magic "070701" (or "070702", the same
// with a checksum the kernel checks and we do not), then 13 fields of 8 hex digits: ino, mode, uid,
// gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize (with its NUL),
// check. The name follows, padded so that header and name end on 4 bytes; then the file's data,
// padded to 4. An entry named "TRAILER!!!" ends an archive (buffer-format.rst).
#include "loader/initramfs.hpp"

#include <fmt/format.h>

#include <optional>
#include <string_view>

#include "loader/kernel_payload.hpp"
#include "loader/load_error.hpp"

namespace fs {

namespace {

constexpr std::size_t kHeader = 110;
constexpr std::size_t kMaxUnpacked = std::size_t{256} << 20;  // a compressed initramfs, unpacked
constexpr std::uint32_t kTypeMask = 0170000, kRegular = 0100000;  // S_IFMT, S_IFREG

std::size_t align4(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

// Field k (0 = ino) of the header at h, or nullopt when it is not 8 hex digits.
std::optional<std::uint32_t> field(std::span<const std::uint8_t> h, int k) {
  std::uint32_t v = 0;
  for (std::size_t i = 6 + 8 * static_cast<std::size_t>(k), end = i + 8; i < end; ++i) {
    const char c = static_cast<char>(h[i]);
    const int d = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<std::uint32_t>(d);
  }
  return v;
}

std::string strip_root(std::string_view p) {
  while (p.starts_with("./") || p.starts_with("/")) p.remove_prefix(p.starts_with("/") ? 1 : 2);
  return std::string(p);
}

class Parser {
 public:
  Parser(std::span<const std::uint8_t> b, const std::string& name) : b_(b), name_(name) {}

  std::vector<InitramfsFile> files() {
    std::vector<InitramfsFile> out;
    bool any = false;
    while (skip_padding()) {
      any = true;
      while (entry(out)) {
      }
    }
    if (!any) throw error(0, "not a newc cpio archive (no 070701 header)");
    return out;
  }

 private:
  LoadError error(std::size_t at, std::string_view what) const {
    return LoadError(fmt::format("{}: {} at byte {}", name_, what, at));
  }

  // Past the NUL padding before an archive; false at the end of the bytes.
  bool skip_padding() {
    while (at_ < b_.size() && b_[at_] == 0) ++at_;
    return at_ < b_.size();
  }

  // One entry, its file kept when it is a regular one; false after the trailer.
  bool entry(std::vector<InitramfsFile>& out) {
    if (b_.size() - at_ < kHeader) throw error(at_, "a header cut short");
    const auto h = b_.subspan(at_, kHeader);
    const std::string_view magic(reinterpret_cast<const char*>(h.data()), 6);
    if (magic != "070701" && magic != "070702") throw error(at_, "not a newc header");
    const auto mode = field(h, 1), size = field(h, 6), namesize = field(h, 11);
    if (!mode || !size || !namesize || *namesize == 0) throw error(at_, "a malformed header");
    const std::size_t name_at = at_ + kHeader;
    if (b_.size() - name_at < *namesize) throw error(at_, "a name cut short");
    std::string_view path(reinterpret_cast<const char*>(b_.data() + name_at), *namesize - 1);
    const std::size_t data_at = align4(name_at + *namesize);
    if (data_at > b_.size() || b_.size() - data_at < *size) throw error(at_, "a file cut short");
    at_ = std::min(b_.size(), align4(data_at + *size));
    if (path == "TRAILER!!!") return false;
    if ((*mode & kTypeMask) == kRegular)
      out.push_back({strip_root(path),
                     {b_.begin() + static_cast<std::ptrdiff_t>(data_at),
                      b_.begin() + static_cast<std::ptrdiff_t>(data_at + *size)}});
    if (at_ == b_.size()) throw error(at_, "no TRAILER!!! entry: the archive is cut short");
    return true;
  }

  std::span<const std::uint8_t> b_;
  const std::string& name_;
  std::size_t at_ = 0;
};

}  // namespace

std::vector<InitramfsFile> read_initramfs(std::span<const std::uint8_t> bytes,
                                          const std::string& name) {
  if (!payload_format(bytes).empty()) {
    const std::vector<std::uint8_t> unpacked = decompress_payload(bytes, name, kMaxUnpacked);
    return Parser(unpacked, name).files();
  }
  return Parser(bytes, name).files();
}

}  // namespace fs
