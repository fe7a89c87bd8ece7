// Guest RAM: physical memory from address 0, reserved with mmap so that a large --ram costs nothing
// until the guest touches it (pages the host kernel hands out zeroed on first use, as a PC's RAM
// reads after the BIOS clears it). A std::vector would write every byte up front: 6 GiB took 20 s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace fs {

class GuestRam {
 public:
  // Throws std::runtime_error (one line) when the host cannot reserve `bytes`.
  explicit GuestRam(std::uint64_t bytes);
  ~GuestRam();
  GuestRam(const GuestRam&) = delete;
  GuestRam& operator=(const GuestRam&) = delete;

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  operator std::span<std::uint8_t>() { return {data_, size_}; }
  operator std::span<const std::uint8_t>() const { return {data_, size_}; }
  std::uint8_t* begin() { return data_; }
  std::uint8_t* end() { return data_ + size_; }
  const std::uint8_t* begin() const { return data_; }
  const std::uint8_t* end() const { return data_ + size_; }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace fs
