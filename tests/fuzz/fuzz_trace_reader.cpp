// libFuzzer harness: the bytes are a trace file, read as `forkscope trace dump` reads one
// (emu/cli/trace_dump.cpp): open it (header, index or, without one, a scan of the chunks), then
// every record in stream order with its register files, then the seeks `dump --from` and `trace
// diff` use and a full verify. trace/trace_reader.hpp promises a TraceError, one line, for any
// input; anything else escaping, a sanitizer report, a hang or an allocation past libFuzzer's limit
// is a finding (scripts/fuzz, issue 12).
//
// The reader takes a path: the bytes go into a memfd, opened again through /proc/self/fd (a
// regular file to the reader, and no disk I/O per run).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "trace/trace_format.hpp"
#include "trace/trace_reader.hpp"

namespace {

int memfd() {
  static const int fd = [] {
    const int f = memfd_create("fuzz_trace", MFD_CLOEXEC);
    if (f < 0) {
      std::perror("fuzz_trace_reader: memfd_create");
      std::abort();
    }
    return f;
  }();
  return fd;
}

void put(const std::uint8_t* data, std::size_t size) {
  const int fd = memfd();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
    std::perror("fuzz_trace_reader: writing the memfd");
    std::abort();
  }
}

// Every record, touching what a dump line prints.
std::uint64_t read_all(fs::trace::Reader& r) {
  std::uint64_t sum = 0;
  while (const fs::trace::Step* s = r.next()) {
    if (s->event) {
      sum += s->event->seq + static_cast<std::uint64_t>(s->event->kind());
      sum += std::string(fs::trace::event_kind_name(s->event->kind())).size();
    } else {
      sum += s->insn.seq + s->insn.eip + s->insn.after.eip() + s->insn.changes.size();
      for (const auto& c : s->insn.changes) sum += std::string(fs::trace::reg_name(c.reg)).size();
    }
  }
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  put(data, size);
  try {
    auto r = fs::trace::Reader::open("/proc/self/fd/" + std::to_string(memfd()));
    (void)r.header();
    (void)r.truncation_message();
    volatile std::uint64_t sink = read_all(r);
    const std::uint64_t n = r.instruction_count();
    r.seek_seq(n / 2);
    sink = sink + read_all(r);
    (void)r.seek_cycle(1000);
    r.rewind();
    for (std::size_t k = 0; k < r.chunk_count(); ++k) (void)r.chunk_payload(k);
    r.verify();
    (void)sink;
  } catch (const fs::trace::TraceError&) {
  }
  return 0;
}
