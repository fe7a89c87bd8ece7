#include "emu/guest_ram.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace fs {

GuestRam::GuestRam(std::uint64_t bytes) : size_(static_cast<std::size_t>(bytes)) {
  // MAP_NORESERVE: no swap is set aside for pages the guest never touches; anonymous pages read as
  // zero until written.
  void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    throw std::runtime_error(
        fmt::format("cannot reserve {} MiB of guest RAM: {}", bytes >> 20, std::strerror(errno)));
  }
  data_ = static_cast<std::uint8_t*>(p);
}

std::vector<bool> GuestRam::touched_pages() const {
  constexpr std::size_t kPage = 4096;
  const std::size_t pages = size_ / kPage;
  std::vector<bool> touched(pages, true);
  const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return touched;
  // One 64-bit entry per virtual page: bit 63 present, bit 62 swapped (pagemap.rst).
  constexpr std::uint64_t kPresentOrSwapped = 3ull << 62;
  std::vector<std::uint64_t> entries(std::min<std::size_t>(pages, 1u << 16));
  const std::size_t first = reinterpret_cast<std::uintptr_t>(data_) / kPage;
  for (std::size_t at = 0; at < pages;) {
    const std::size_t n = std::min(entries.size(), pages - at);
    const ssize_t want = static_cast<ssize_t>(n * sizeof(std::uint64_t));
    if (pread(fd, entries.data(), static_cast<std::size_t>(want),
              static_cast<off_t>((first + at) * sizeof(std::uint64_t))) != want) {
      std::fill(touched.begin(), touched.end(), true);  // unreadable: every page may hold data
      break;
    }
    for (std::size_t i = 0; i < n; ++i) touched[at + i] = (entries[i] & kPresentOrSwapped) != 0;
    at += n;
  }
  close(fd);
  return touched;
}

GuestRam::~GuestRam() {
  if (data_) munmap(data_, size_);
}

}  // namespace fs
