// The guest's memory as far as a trace's memory writes (format version 3) have shown it: every
// byte stored so far, by linear address. A tool that needs what the guest built in memory (a name
// the kernel composed before handing it over, a structure filled on the stack) reads it here, as
// of the instruction it has reached. Only written pages are kept: tens of MiB for a Linux boot.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>

#include "trace/trace_reader.hpp"

namespace fs::cli {

class WrittenMemory {
 public:
  // The stores an instruction made (in.mem), in order.
  void remember(const trace::Instruction& in);
  // The byte last stored at addr; nullopt when none was.
  std::optional<std::uint8_t> byte_at(std::uint32_t addr) const;

 private:
  struct Page {
    std::uint8_t bytes[4096];
    std::uint64_t known[64];  // a bit per byte stored
  };
  Page& page(std::uint32_t base);

  std::unordered_map<std::uint32_t, std::unique_ptr<Page>> pages_;  // by base address
  std::uint32_t last_base_ = 1;  // the page last written (1: none)
  Page* last_ = nullptr;
};

}  // namespace fs::cli
