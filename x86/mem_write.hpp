// One store to guest memory, as the trace records it (issue 15, docs/trace-format.md "Memory
// writes"): the guest's own stores (the recorder, through Machine::on_guest_store) and those the
// CPU makes delivering an interrupt (x86/delivery.hpp's Delivery::writes). It depends on nothing,
// so the trace library and the delivery record can both hold it.
#pragma once

#include <cstdint>

namespace fs {

struct MemWrite {
  std::uint32_t addr = 0;  // the linear address of its first byte
  std::uint8_t size = 4;   // in bytes: 1, 2, 4 or 8
  // The value stored, little-endian, in the low `size` bytes (the rest zero).
  std::uint64_t value = 0;
  bool operator==(const MemWrite&) const = default;
};

}  // namespace fs
