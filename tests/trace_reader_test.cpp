// Mirrors trace/trace_reader.cpp: round trip of a seeded stream across chunks (every register file
// after every instruction), seeking by seq and by cycle, and bad input of every kind (bad magic,
// wrong version, truncated header, a corrupt chunk, a file cut mid-stream, garbage): a one-line
// TraceError or a readable prefix, never a crash.
#include "trace/trace_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tests/trace_test_util.hpp"
#include "trace/trace_writer.hpp"

using namespace fs::trace;
using namespace fs::trace::testing;

namespace {

constexpr std::uint32_t kChunk = 16384;

// The register files the stream implies: before[S] (EIP = insn S's) and after[S] (EIP = insn S+1's,
// or the fallthrough for the last one).
struct Expected {
  std::vector<RegFile> before;
  std::vector<RegFile> after;
};

Expected expected_regs(const SynthStream& s) {
  Expected e;
  RegFile r = s.header.regs;
  for (std::size_t i = 0; i < s.insns.size(); ++i) {
    const SynthInsn& in = s.insns[i];
    r[Reg::kEip] = in.eip;
    e.before.push_back(r);
    for (const RegChange& c : in.changes) r[c.reg] = c.value;
    r[Reg::kEip] = i + 1 < s.insns.size() ? s.insns[i + 1].eip : in.eip + in.len;
    e.after.push_back(r);
  }
  return e;
}

// The whole stream as one list of (event index or instruction seq), in reader order.
struct Item {
  bool is_event;
  std::size_t index;  // into s.events, or the seq
};

std::vector<Item> stream_order(const SynthStream& s) {
  std::vector<Item> out;
  std::size_t k = 0;
  for (std::size_t seq = 0; seq <= s.insns.size(); ++seq) {
    while (k < s.events.size() && s.events[k].seq == seq) out.push_back({true, k++});
    if (seq < s.insns.size()) out.push_back({false, seq});
  }
  return out;
}

// Reads everything from the current position, counting instructions; throws what next() throws.
std::uint64_t drain(Reader& r) {
  std::uint64_t n = 0;
  while (const Step* st = r.next())
    if (!st->event) ++n;
  return n;
}

struct Fixture {
  SynthStream s = make_stream(42, 200000, false, kChunk);
  TempFile file{"roundtrip.fst"};
  Expected exp = expected_regs(s);
  Fixture() { write_stream(s, file.str(), WriterOptions{kChunk, 3}); }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

std::string error_of(const std::string& path, bool iterate = false) {
  try {
    Reader r = Reader::open(path);
    if (iterate) drain(r);
  } catch (const TraceError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("trace_reader: a 200k-instruction stream round-trips, register file by register file",
          "[trace_reader]") {
  Fixture& f = fixture();
  Reader r = Reader::open(f.file.str());
  CHECK_FALSE(r.truncated());
  CHECK(r.truncation_message().empty());
  CHECK(r.instruction_count() == f.s.insns.size());
  CHECK(r.event_count() == f.s.events.size());
  CHECK(r.chunk_count() >= 12);

  Header want = f.s.header;
  want.image_name = "kernel.elf";
  CHECK(r.header() == want);
  REQUIRE(r.header().option("cmdline"));
  CHECK(*r.header().option("cmdline") == "init=sched quiet");

  const std::vector<Item> order = stream_order(f.s);
  std::size_t pos = 0;
  std::size_t mismatches = 0;
  while (const Step* st = r.next()) {
    REQUIRE(pos < order.size());
    const Item& want_item = order[pos++];
    REQUIRE(bool(st->event) == want_item.is_event);
    if (st->event) {
      if (!(*st->event == f.s.events[want_item.index])) ++mismatches;
      continue;
    }
    const Instruction& in = st->insn;
    const SynthInsn& w = f.s.insns[want_item.index];
    const bool same =
        in.seq == want_item.index && in.cycle == w.cycle && in.eip == w.eip && in.len == w.len &&
        std::equal(in.changes.begin(), in.changes.end(), w.changes.begin(), w.changes.end()) &&
        in.before == f.exp.before[in.seq] && in.after == f.exp.after[in.seq];
    if (!same) {
      if (mismatches++ == 0) FAIL_CHECK("first mismatch at seq " << want_item.index);
    }
  }
  CHECK(pos == order.size());
  CHECK(mismatches == 0);
  CHECK_NOTHROW(r.verify());
}

TEST_CASE("trace_reader: seek_seq lands on the events of that seq, then its instruction",
          "[trace_reader]") {
  Fixture& f = fixture();
  Reader r = Reader::open(f.file.str());
  const std::uint64_t n = f.s.insns.size();
  std::vector<std::uint64_t> targets = {0, 1, kChunk - 1, kChunk, kChunk + 1, 5 * kChunk, n - 1, n};
  std::mt19937_64 rng(7);
  for (int k = 0; k < 50; ++k) targets.push_back(rng() % n);
  for (std::uint64_t t : targets) {
    INFO("seek_seq " << t);
    r.seek_seq(t);
    const auto ev = std::find_if(f.s.events.begin(), f.s.events.end(),
                                 [&](const Event& e) { return e.seq >= t; });
    const Step* st = r.next();
    if (ev != f.s.events.end() && ev->seq == t) {
      REQUIRE(st);
      REQUIRE(st->event);
      CHECK(*st->event == *ev);
      while (st && st->event) st = r.next();
    }
    if (t < n) {
      REQUIRE(st);
      REQUIRE_FALSE(st->event);
      CHECK(st->insn.seq == t);
      CHECK(st->insn.before == f.exp.before[t]);
      CHECK(st->insn.after == f.exp.after[t]);
    } else {
      CHECK(st == nullptr);
    }
  }
  r.seek_seq(n + 10);
  CHECK(r.next() == nullptr);
  r.rewind();
  const Step* first = r.next();
  REQUIRE(first);
  REQUIRE(first->event);
  CHECK(*first->event == f.s.events[0]);
}

TEST_CASE("trace_reader: seek_cycle lands on the first instruction starting at or after it",
          "[trace_reader]") {
  Fixture& f = fixture();
  Reader r = Reader::open(f.file.str());
  std::vector<std::uint64_t> cycles = {0,
                                       f.s.insns[0].cycle,
                                       f.s.insns[kChunk].cycle,
                                       f.s.insns[kChunk].cycle + 1,
                                       f.s.insns[kChunk - 1].cycle,
                                       f.s.insns.back().cycle,
                                       f.s.insns.back().cycle + 1};
  std::mt19937_64 rng(11);
  for (int k = 0; k < 50; ++k)
    cycles.push_back(f.s.insns[rng() % f.s.insns.size()].cycle + rng() % 3);
  for (std::uint64_t c : cycles) {
    INFO("seek_cycle " << c);
    const auto it =
        std::lower_bound(f.s.insns.begin(), f.s.insns.end(), c,
                         [](const SynthInsn& in, std::uint64_t v) { return in.cycle < v; });
    const auto want = static_cast<std::uint64_t>(it - f.s.insns.begin());
    CHECK(r.seek_cycle(c) == want);
    const Step* st = r.next();
    while (st && st->event) st = r.next();
    if (want < f.s.insns.size()) {
      REQUIRE(st);
      CHECK(st->insn.seq == want);
      CHECK(st->insn.before == f.exp.before[want]);
    } else {
      CHECK(st == nullptr);
    }
  }
}

TEST_CASE("trace_reader: not a trace, wrong version, truncated header: one line each",
          "[trace_reader]") {
  Fixture& f = fixture();
  const std::vector<std::uint8_t> good = read_bytes(f.file.str());
  TempFile bad("bad.fst");

  write_bytes(bad.str(), {});
  CHECK_THAT(error_of(bad.str()), Catch::Contains("empty file"));

  std::vector<std::uint8_t> b = good;
  b[0] = 'X';
  write_bytes(bad.str(), b);
  CHECK_THAT(error_of(bad.str()), Catch::Contains("not a forkscope trace (bad magic)"));

  write_bytes(bad.str(), std::vector<std::uint8_t>{'#', '!', '/', 'b', 'i', 'n'});
  CHECK_THAT(error_of(bad.str()), Catch::Contains("not a forkscope trace (bad magic)"));

  b = good;
  // 4: the version after this build's; 1: the first, whose fork events have no comm (no longer
  // read); 0: never written.
  for (std::uint8_t v : {4, 1, 0}) {
    b[8] = v;
    write_bytes(bad.str(), b);
    CHECK(error_of(bad.str()) ==
          bad.str() + fmt::format(": unsupported trace format version {} (this build reads "
                                  "versions 2 to 3)",
                                  v));
  }

  for (std::size_t cut : {3u, 8u, 12u, 16u, 40u, 100u}) {
    INFO("cut at " << cut);
    write_bytes(bad.str(), std::vector<std::uint8_t>(good.begin(), good.begin() + cut));
    CHECK_THAT(error_of(bad.str()), Catch::Contains("trace header truncated"));
  }

  b = good;
  b[20] ^= 0x40;  // inside the image name: the header checksum catches it
  write_bytes(bad.str(), b);
  CHECK_THAT(error_of(bad.str()), Catch::Contains("trace header corrupt"));

  CHECK_THAT(error_of("/nonexistent/run.fst"), Catch::Contains("cannot open"));
}

TEST_CASE("trace_reader: a flipped byte in a chunk names the chunk and its first seq",
          "[trace_reader]") {
  Fixture& f = fixture();
  const std::vector<std::uint8_t> good = read_bytes(f.file.str());
  Reader r = Reader::open(f.file.str());
  const ChunkInfo c3 = r.chunks()[3];
  TempFile bad("flipped.fst");
  for (std::uint64_t at : {c3.offset + 56 + 10, c3.offset + 56 + 2000, c3.offset + 20}) {
    INFO("flip at " << at);
    std::vector<std::uint8_t> b = good;
    b[at] ^= 0x01;
    write_bytes(bad.str(), b);
    const std::string msg = error_of(bad.str(), true);
    CHECK_THAT(msg, Catch::StartsWith(bad.str() + ": corrupt chunk 3 (first seq " +
                                      std::to_string(c3.first_seq) + "): "));
    CHECK(msg.find('\n') == std::string::npos);
    // The chunks before it are fine; seeking past it works too.
    Reader rb = Reader::open(bad.str());
    rb.seek_seq(c3.first_seq + 2 * kChunk);
    CHECK(drain(rb) == f.s.insns.size() - c3.first_seq - 2 * kChunk);
    CHECK_THROWS_AS(rb.verify(), TraceError);
  }
}

TEST_CASE("trace_reader: a file cut mid-stream reads up to its last whole chunk",
          "[trace_reader]") {
  Fixture& f = fixture();
  const std::vector<std::uint8_t> good = read_bytes(f.file.str());
  Reader full = Reader::open(f.file.str());
  const std::vector<ChunkInfo> chunks = full.chunks();
  TempFile cut("cut.fst");

  struct Cut {
    std::uint64_t at;
    std::size_t whole;  // chunks readable
  };
  std::vector<Cut> cuts = {
      {chunks[0].offset, 0},              // just the header
      {chunks[0].offset + 30, 0},         // mid chunk header
      {chunks[1].offset, 1},              // exactly after chunk 0
      {chunks[5].offset + 100, 5},        // mid payload
      {chunks[5].offset + 56, 5},         // chunk header, no payload
      {good.size() - 1, chunks.size()},   // the trailer damaged: every chunk is still there
      {good.size() - 30, chunks.size()},  // cut inside the index
  };
  for (const Cut& c : cuts) {
    INFO("cut at " << c.at);
    write_bytes(cut.str(), std::vector<std::uint8_t>(good.begin(), good.begin() + c.at));
    Reader r = Reader::open(cut.str());
    CHECK(r.truncated());
    REQUIRE(r.chunk_count() == c.whole);
    std::uint64_t insns = 0;
    for (std::size_t k = 0; k < c.whole; ++k) insns += chunks[k].instructions;
    CHECK(r.instruction_count() == insns);
    if (c.whole == 0) {
      CHECK(r.truncation_message() == "trace truncated after the header (no whole chunk)");
    } else {
      CHECK(r.truncation_message() == "trace truncated after chunk " + std::to_string(c.whole - 1) +
                                          " (seq " + std::to_string(insns - 1) + ")");
    }
    CHECK(drain(r) == insns);
    r.seek_seq(insns / 2);
    CHECK(drain(r) == insns - insns / 2);
  }
}

TEST_CASE("trace_reader: garbage and mutated traces never crash", "[trace_reader]") {
  TempFile g("garbage.fst");
  std::mt19937_64 rng(1234);
  auto exercise = [&](const std::vector<std::uint8_t>& bytes) {
    write_bytes(g.str(), bytes);
    try {
      Reader r = Reader::open(g.str());
      (void)r.header();
      try {
        drain(r);
      } catch (const TraceError&) {
      }
      try {
        r.seek_seq(rng() % (r.instruction_count() + 2));
        drain(r);
      } catch (const TraceError&) {
      }
      try {
        r.seek_cycle(rng() % 100000);
        drain(r);
      } catch (const TraceError&) {
      }
      try {
        r.verify();
      } catch (const TraceError&) {
      }
    } catch (const TraceError&) {
    }
  };
  for (std::size_t size : {0u, 1u, 7u, 8u, 15u, 16u, 17u, 100u, 4096u, 100000u}) {
    std::vector<std::uint8_t> b(size);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    exercise(b);
    // The same with a valid magic and version, to get past the first checks.
    if (size >= 16) {
      std::memcpy(b.data(), "FSTRACE\0\x01\0\0\0", 12);
      exercise(b);
    }
  }

  // A small valid trace with a few chunks, then single-byte flips, cuts and overwrites of it.
  const SynthStream s = make_stream(99, 3000, false, 500);
  TempFile small("small.fst");
  write_stream(s, small.str(), WriterOptions{500, 3});
  const std::vector<std::uint8_t> good = read_bytes(small.str());
  // FS_TRACE_FUZZ=N runs N mutations instead of 400 (for a longer run under the sanitizers).
  const char* env = std::getenv("FS_TRACE_FUZZ");
  const int rounds = env ? std::atoi(env) : 400;
  for (int k = 0; k < rounds; ++k) {
    std::vector<std::uint8_t> b = good;
    switch (k % 4) {
      case 0:
        b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 1:
        b.resize(rng() % b.size());
        break;
      case 2:
        for (int m = 0; m < 8; ++m) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
        break;
      case 3: {
        const std::size_t at = rng() % b.size();
        for (std::size_t m = at; m < std::min(b.size(), at + 64); ++m)
          b[m] = static_cast<std::uint8_t>(rng());
        break;
      }
    }
    exercise(b);
  }
  SUCCEED();
}
