#include "emu/guest_ram.hpp"

#include <fmt/format.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

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

GuestRam::~GuestRam() {
  if (data_) munmap(data_, size_);
}

}  // namespace fs
