// Guest RAM: physical memory from address 0, reserved with mmap so that a large --ram costs nothing
// until the guest touches it (pages the host kernel hands out zeroed on first use, as a PC's RAM
// reads after the BIOS clears it). A std::vector would write every byte up front: 6 GiB took 20 s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

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

  // Per 4 KiB page: false when the host has never given the page a frame (neither present nor
  // swapped out, from /proc/self/pagemap: Linux's Documentation/admin-guide/mm/pagemap.rst), so it
  // still reads as zero without being looked at. All true where pagemap cannot be read. Snapshots
  // (emu/snapshot.hpp) skip such pages: a 3 GiB --ram costs what the guest touched, not 3 GiB of
  // reads per snapshot.
  std::vector<bool> touched_pages() const;

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace fs
