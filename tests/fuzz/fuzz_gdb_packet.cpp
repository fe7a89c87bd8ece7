// libFuzzer harness: the bytes are what gdb sends to `forkscope run --gdb` (emu/gdb_stub.hpp),
// without a socket: the stub's Transport seam reads them one by one. The stub runs as it does
// under gdb - framing, checksums, acks and resends, ^C, every packet it dispatches (registers,
// memory through the page tables, breakpoints, steps, continues, qXfer, monitor commands, kill,
// detach) - on a real machine paused in a small guest, then finish() reports the run's end. The
// input ending is gdb going away. Anything escaping the stub, a sanitizer report, a hang or an
// allocation past libFuzzer's limit is a finding (scripts/fuzz, issue 12: a 512 MiB unterminated
// packet once grew the stub without bound).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>

#include "emu/gdb_stub.hpp"
#include "emu/machine.hpp"
#include "emu/ram_size.hpp"
#include "tests/elf_builder.hpp"

namespace {

// gdb's bytes from the fuzzer's input; replies are dropped. Once the input is used up gdb has gone
// (read() says so, and readable() is true because read() would not wait).
class BytesTransport : public fs::gdb::Transport {
 public:
  explicit BytesTransport(std::span<const std::uint8_t> in) : in_(in) {}
  std::optional<std::uint8_t> read() override {
    if (pos_ == in_.size()) return std::nullopt;
    return in_[pos_++];
  }
  bool readable() override { return true; }
  void write(std::string_view bytes) override { written_ += bytes.size(); }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  std::size_t written_ = 0;
};

// The guest: a multiboot image at 1 MiB whose entry loops storing a counter, so that steps,
// continues, breakpoints and memory reads all have something to act on:
//   0x10000c _start: inc %eax; mov %eax, 0x100100; jmp _start
// Written once into a memfd, which Machine::load opens by its /proc/self/fd path.
const std::string& image_path() {
  static const std::string path = [] {
    fs::test::ElfBuilder b;
    b.segments[0].data = {0,    0,    0,    0,    0,    0,    0,    0,
                          0,    0,    0,    0,  // the multiboot header
                          0x40, 0xA3, 0x00, 0x01, 0x10, 0x00, 0xEB, 0xF8};
    b.segments[0].memsz = 0x200;
    b.add_symbol("_start", 0x10000C, 8);
    const std::vector<std::uint8_t> bytes = b.build();
    const int fd = memfd_create("fuzz_gdb_image", MFD_CLOEXEC);
    if (fd < 0 || write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
      std::perror("fuzz_gdb_packet: writing the guest image");
      std::abort();
    }
    return "/proc/self/fd/" + std::to_string(fd);
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fs::MachineOptions o;
  o.ram_bytes = fs::kMinRamBytes;
  o.per_instruction = true;  // the stub's requirement
  // After gdb goes the guest runs on: a small limit ends it (status 124) within a few hundred
  // instructions.
  o.max_cycles = 2000;
  o.serial_out = [](std::uint8_t) {};
  fs::Machine m(o);
  m.load(image_path());
  BytesTransport t({data, size});
  fs::gdb::Stub stub(m, t);
  const fs::RunResult r = m.run();
  stub.finish(r);
  return 0;
}
