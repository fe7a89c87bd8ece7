// Mirrors trace/trace_writer.cpp: determinism (identical input, byte-identical file), the counters,
// events held until their seq, the limits the writer enforces, and the size of a realistic stream.
#include "trace/trace_writer.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "tests/trace_test_util.hpp"
#include "trace/trace_reader.hpp"

using namespace fs::trace;
using namespace fs::trace::testing;

TEST_CASE("trace_writer: identical input gives a byte-identical file", "[trace_writer]") {
  const SynthStream s = make_stream(5, 50000, false, 4096);
  TempFile a("det_a.fst"), b("det_b.fst"), c("det_c.fst");
  write_stream(s, a.str(), WriterOptions{4096, 3});
  write_stream(s, b.str(), WriterOptions{4096, 3});
  const auto bytes_a = read_bytes(a.str());
  CHECK(bytes_a.size() > 1000);
  CHECK(bytes_a == read_bytes(b.str()));
  // Compressing on the caller's thread gives the same bytes as on the worker.
  write_stream(s, b.str(), WriterOptions{4096, 3, false});
  CHECK(bytes_a == read_bytes(b.str()));

  // A single changed register value changes the file.
  SynthStream s2 = s;
  s2.insns[30000].changes.push_back(RegChange{Reg::kCr2, 0x1234});
  write_stream(s2, c.str(), WriterOptions{4096, 3});
  CHECK(bytes_a != read_bytes(c.str()));
}

TEST_CASE("trace_writer: counters, and a file with no instruction", "[trace_writer]") {
  TempFile f("counters.fst");
  {
    Writer w(f.str(), sample_header(), WriterOptions{2, 3, false});  // chunks() counts at once
    CHECK(w.bytes_written() > 16);
    const RegChange chg[] = {{Reg::kEax, 1}};
    w.instruction(10, 0x100000, 5, chg);
    w.instruction(11, 0x100005, 2, {});
    w.instruction(13, 0x100007, 2, {});
    w.event(Event{3, 15, Stop{1, 0, "done"}});
    CHECK(w.instructions() == 3);
    CHECK(w.events() == 1);
    CHECK(w.chunks() == 1);
    // no finish(): the destructor writes the rest
  }
  Reader r = Reader::open(f.str());
  CHECK_FALSE(r.truncated());
  CHECK(r.instruction_count() == 3);
  CHECK(r.chunk_count() == 2);  // {0,1}, {2, stop}
  CHECK(r.event_count() == 1);

  TempFile empty("empty.fst");
  Writer(empty.str(), sample_header()).finish();
  Reader e = Reader::open(empty.str());
  CHECK_FALSE(e.truncated());
  CHECK(e.instruction_count() == 0);
  CHECK(e.chunk_count() == 0);
  CHECK(e.next() == nullptr);
  CHECK(e.seek_cycle(5) == 0);
}

TEST_CASE("trace_writer: an event ahead of the instructions is held until its seq",
          "[trace_writer]") {
  TempFile f("held.fst");
  {
    Writer w(f.str(), sample_header());
    w.instruction(0, 0x1000, 1, {});
    w.event(Event{2, 5, Hlt{100}});  // after instruction 1, which is not written yet
    w.event(Event{2, 6, PortIo{0x3f8, 1, true, 'x'}});
    w.instruction(1, 0x1001, 1, {});
    w.instruction(105, 0x1002, 1, {});
    w.event(Event{5, 200, Stop{0, 0, "end"}});  // never reached: written at seq 3
  }
  Reader r = Reader::open(f.str());
  std::vector<std::string> seen;
  while (const Step* s = r.next()) {
    seen.push_back(s->event ? std::string(event_kind_name(s->event->kind())) + "@" +
                                  std::to_string(s->event->seq)
                            : "insn" + std::to_string(s->insn.seq));
  }
  CHECK(seen ==
        std::vector<std::string>{"insn0", "insn1", "hlt@2", "port_io@2", "insn2", "stop@3"});
}

TEST_CASE("trace_writer: bad input is a TraceError", "[trace_writer]") {
  TempFile f("errors.fst");
  Writer w(f.str(), sample_header());
  CHECK_THROWS_AS(w.instruction(0, 0, 0, {}), TraceError);   // length 0
  CHECK_THROWS_AS(w.instruction(0, 0, 16, {}), TraceError);  // length 16
  const RegChange eip[] = {{Reg::kEip, 5}};
  CHECK_THROWS_AS(w.instruction(0, 0, 1, eip), TraceError);
  const RegChange unknown[] = {{static_cast<Reg>(40), 5}};
  CHECK_THROWS_AS(w.instruction(0, 0, 1, unknown), TraceError);
  w.instruction(100, 0, 1, {});
  CHECK_THROWS_AS(w.instruction(99, 1, 1, {}), TraceError);     // cycle going back
  CHECK_THROWS_AS(w.event(Event{0, 100, Hlt{1}}), TraceError);  // seq already past
  w.event(Event{3, 100, Hlt{1}});
  CHECK_THROWS_AS(w.event(Event{2, 100, Hlt{1}}), TraceError);  // seq going back
  Delivery big;
  big.frame.assign(9, 0);
  CHECK_THROWS_AS(w.event(Event{3, 100, big}), TraceError);

  Header h = sample_header();
  h.build_id.assign(65, 1);
  CHECK_THROWS_AS(Writer(f.str() + ".2", h), TraceError);
  h = sample_header();
  h.options.push_back({"a=b", "c"});
  CHECK_THROWS_AS(Writer(f.str() + ".2", h), TraceError);
  std::remove((f.str() + ".2").c_str());
  CHECK_THROWS_WITH(Writer("/nonexistent/dir/run.fst", sample_header()),
                    Catch::Contains("/nonexistent/dir/run.fst: cannot create trace file"));
}

namespace {

void bench(const char* what, const SynthStream& s, WriterOptions opt = {}) {
  const std::size_t n = s.insns.size();
  // Flat arrays, as a machine would hand them over, so the timing is the writer's.
  std::vector<RegChange> flat;
  std::vector<std::uint32_t> first(n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    first[i] = static_cast<std::uint32_t>(flat.size());
    flat.insert(flat.end(), s.insns[i].changes.begin(), s.insns[i].changes.end());
  }
  first[n] = static_cast<std::uint32_t>(flat.size());
  std::vector<std::uint64_t> cycles(n);
  std::vector<std::uint32_t> eips(n);
  std::vector<std::uint8_t> lens(n);
  for (std::size_t i = 0; i < n; ++i) {
    cycles[i] = s.insns[i].cycle;
    eips[i] = s.insns[i].eip;
    lens[i] = s.insns[i].len;
  }
  TempFile f("bench.fst");
  const auto t0 = std::chrono::steady_clock::now();
  {
    Writer w(f.str(), s.header, opt);
    std::size_t k = 0;
    for (std::size_t seq = 0; seq < n; ++seq) {
      while (k < s.events.size() && s.events[k].seq == seq) w.event(s.events[k++]);
      w.instruction(
          cycles[seq], eips[seq], lens[seq],
          std::span<const RegChange>(flat.data() + first[seq], first[seq + 1] - first[seq]));
    }
    w.finish();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto size = read_bytes(f.str()).size();
  const auto t1 = std::chrono::steady_clock::now();
  Reader r = Reader::open(f.str());
  std::uint64_t insns = 0;
  while (const Step* st = r.next())
    if (!st->event) ++insns;
  const double rsecs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  WARN(what << ": " << n << " instructions, " << size << " bytes, "
            << static_cast<double>(size) / static_cast<double>(n) << " bytes/instruction; write "
            << n / secs / 1e6 << " M insn/s, read " << insns / rsecs / 1e6 << " M insn/s");
  CHECK(insns == n);
}

}  // namespace

TEST_CASE(
    "trace_writer: a chunk is sealed after the instruction that takes its payload past 64 MiB",
    "[trace_writer]") {
  // The writer compares the payload size with the limit only when it may have crossed it; the
  // seal must still come after the very instruction that crossed it. Every record here is 123
  // bytes: op, cycle delta 1, a count and 20 register ids, 20 values of 5 bytes (each register
  // flips between 0 and 0x80000000). The payload is 108 + 123 k bytes after k instructions.
  TempFile f("seal_at_size.fst");
  const std::uint64_t limit = 64u << 20;
  const std::uint64_t want_first = (limit - 108) / 123 + 1;
  {
    Writer w(f.str(), Header{}, WriterOptions{1u << 30, 1, false});
    std::vector<RegChange> changes;
    for (std::uint64_t i = 0; i < want_first + 10; ++i) {
      changes.clear();
      for (std::size_t r = 0; r < kRegCount; ++r)
        if (r != static_cast<std::size_t>(Reg::kEip))
          changes.push_back({static_cast<Reg>(r), i % 2 ? 0u : 0x80000000u});
      w.instruction(i, 0x1000 + static_cast<std::uint32_t>(i), 1, changes);
    }
    w.finish();
  }
  Reader r = Reader::open(f.str());
  REQUIRE(r.chunk_count() == 2);
  CHECK(r.chunks()[0].instructions == want_first);
  CHECK(r.chunks()[1].instructions == 10);
}

// Not run by ctest (hidden): `build/forkscope_tests "[.trace-bench]"` prints the size and speed of
// a kernel-like stream (a fixed program of loops: each EIP has one length, cost and register set)
// and of a memoryless random one (fallthrough 11/12, 1-2 small register changes, cycle deltas 1-10,
// no repetition for zstd to find: a worst case).
TEST_CASE("trace_writer: bytes per instruction and throughput", "[.trace-bench]") {
  bench("kernel-like stream", make_program_stream(2024, 5'000'000));
  bench("memoryless random stream", make_stream(2024, 5'000'000, true));
  if (const char* lv = std::getenv("FS_TRACE_BENCH_LEVELS")) {
    const SynthStream k = make_program_stream(2024, 5'000'000);
    for (int level : {1, 3, 6, 9, 15, 19})
      for (std::uint32_t chunk : {16384u, 65536u, 262144u})
        bench(("kernel-like level " + std::to_string(level) + " chunk " + std::to_string(chunk))
                  .c_str(),
              k, WriterOptions{chunk, level});
    (void)lv;
  }
}
