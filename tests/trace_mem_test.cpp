// Memory writes in the trace format (issue 15, docs/trace-format.md "Memory writes"): every store
// and every delivery's stores round-trip across chunks and seeks; the writer refuses what the
// format cannot hold; a version 2 trace still reads, with no memory; a damaged memory section is
// one line naming the chunk.
#include <zstd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tests/trace_test_util.hpp"
#include "trace/trace_codec.hpp"
#include "trace/trace_reader.hpp"
#include "trace/trace_writer.hpp"

using namespace fs::trace;
using namespace fs::trace::testing;

namespace {

struct MemInsn {
  std::uint32_t eip;
  std::vector<MemWrite> mem;
};

// A seeded stream: instructions with 0..5 stores each (pushes walking down a stack, scattered
// stores of every size, values using every bit of their size), and a delivery with its frame's
// stores every 97 instructions.
struct MemStream {
  std::vector<MemInsn> insns;
  std::vector<Event> deliveries;
};

MemStream make_mem_stream(unsigned seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  MemStream s;
  std::uint32_t esp = 0xC0204000, eip = 0x00100000;
  for (std::size_t i = 0; i < n; ++i) {
    MemInsn in{eip, {}};
    const unsigned k = rng() % 8 < 5 ? 0 : static_cast<unsigned>(rng() % 6);
    for (unsigned j = 0; j < k; ++j) {
      const std::uint8_t size = static_cast<std::uint8_t>(1u << (rng() % 4));
      const std::uint64_t value = rng() & codec::mem_value_mask(size);
      const std::uint32_t addr =
          rng() % 2 ? (esp -= 4) : static_cast<std::uint32_t>(rng() % 2 ? rng() : rng() % 4096);
      in.mem.push_back(MemWrite{addr, size, value});
    }
    eip += 1 + static_cast<std::uint32_t>(rng() % 7);
    s.insns.push_back(std::move(in));
    if (i % 97 == 0) {
      Delivery d;
      d.vector = 0x20;
      d.kind = DeliveryKind::kExternal;
      d.frame = {0x202, 0x08, eip};
      for (std::uint32_t w = 0; w < 3; ++w)
        d.writes.push_back(MemWrite{esp - 4 * w, 4, d.frame[w]});
      s.deliveries.push_back(Event{i + 1, i, d});
    }
  }
  return s;
}

void write_mem_stream(const MemStream& s, const std::string& path, std::uint32_t chunk) {
  Writer w(path, sample_header(), WriterOptions{chunk, 3});
  std::size_t e = 0;
  for (std::size_t i = 0; i < s.insns.size(); ++i) {
    while (e < s.deliveries.size() && s.deliveries[e].seq == i) w.event(s.deliveries[e++]);
    const std::uint8_t len = 1;
    w.instruction(i, s.insns[i].eip, len, {}, s.insns[i].mem);
  }
  while (e < s.deliveries.size()) w.event(s.deliveries[e++]);
  w.finish();
}

// Every instruction's stores and every delivery from the reader's position on, checked against s.
void check_from(Reader& r, const MemStream& s, std::uint64_t from) {
  std::uint64_t seq = from, deliveries = 0;
  while (const Step* st = r.next()) {
    if (st->event) {
      const auto* d = std::get_if<Delivery>(&st->event->data);
      REQUIRE(d);
      const auto it = std::find_if(s.deliveries.begin(), s.deliveries.end(),
                                   [&](const Event& e) { return e.seq == st->event->seq; });
      REQUIRE(it != s.deliveries.end());
      CHECK(d->writes == std::get<Delivery>(it->data).writes);
      ++deliveries;
      continue;
    }
    REQUIRE(st->insn.seq == seq);
    const auto& want = s.insns[seq].mem;
    CHECK(std::vector<MemWrite>(st->insn.mem.begin(), st->insn.mem.end()) == want);
    ++seq;
  }
  CHECK(seq == s.insns.size());
  CHECK(deliveries ==
        static_cast<std::uint64_t>(std::count_if(s.deliveries.begin(), s.deliveries.end(),
                                                 [&](const Event& e) { return e.seq >= from; })));
}

// The file at `path` with chunk 0's payload replaced by edit(payload) (recompressed, its header and
// checksums redone) and no index, as a writer killed after chunk 0 would leave it.
void rewrite_chunk0(const std::string& path, const std::string& out,
                    void (*edit)(std::vector<std::uint8_t>&)) {
  Reader r = Reader::open(path);
  const std::uint64_t at = r.chunks()[0].offset;
  const auto raw = r.chunk_payload(0);
  std::vector<std::uint8_t> payload(raw.begin(), raw.end());
  edit(payload);
  std::vector<std::uint8_t> comp(ZSTD_compressBound(payload.size()));
  comp.resize(ZSTD_compress(comp.data(), comp.size(), payload.data(), payload.size(), 3));
  const std::vector<std::uint8_t> file = read_bytes(path);
  codec::ChunkHeader h;
  REQUIRE(codec::decode_chunk_header(file.data() + at, h));
  h.compressed_size = static_cast<std::uint32_t>(comp.size());
  h.uncompressed_size = static_cast<std::uint32_t>(payload.size());
  h.payload_checksum = codec::fnv1a64(comp.data(), comp.size());
  std::vector<std::uint8_t> bytes(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(at));
  bytes.resize(at + codec::kChunkHeaderBytes);
  codec::encode_chunk_header(h, bytes.data() + at);
  bytes.insert(bytes.end(), comp.begin(), comp.end());
  write_bytes(out, bytes);
}

// Section k's size field in a version 3 payload.
std::uint8_t* section_size(std::vector<std::uint8_t>& p, std::size_t k) {
  return p.data() + codec::kSnapshotBytes + 4 * k;
}

}  // namespace

TEST_CASE("trace_mem: every store and every delivery's stores round-trip, across chunks and seeks",
          "[trace_mem]") {
  const MemStream s = make_mem_stream(15, 20000);
  TempFile f("mem.fst");
  write_mem_stream(s, f.str(), 1000);
  Reader r = Reader::open(f.str());
  CHECK(r.header().version == kFormatVersion);
  CHECK(r.has_memory());
  CHECK(r.chunk_count() == 20);
  check_from(r, s, 0);
  for (std::uint64_t at : {999u, 1000u, 12345u, 19999u}) {
    INFO("seek to " << at);
    r.seek_seq(at);
    check_from(r, s, at);
  }
}

TEST_CASE("trace_mem: the writer refuses a store size or a delivery the format cannot hold",
          "[trace_mem]") {
  TempFile f("mem_bad.fst");
  Writer w(f.str(), sample_header());
  const MemWrite three{0x1000, 3, 0};
  CHECK_THROWS_WITH(w.instruction(0, 0x00100000, 1, {}, std::span(&three, 1)),
                    Catch::Contains("instruction 0 writes 3 bytes to memory"));
  Delivery d;
  d.writes.assign(kMaxDeliveryWrites + 1, MemWrite{0x1000, 4, 1});
  CHECK_THROWS_WITH(w.event(Event{0, 0, d}),
                    Catch::Contains("delivery with 33 memory writes (at most 32)"));
  d.writes = {MemWrite{0x1000, 16, 1}};
  CHECK_THROWS_WITH(w.event(Event{0, 0, d}), Catch::Contains("delivery writes 16 bytes"));
}

TEST_CASE("trace_mem: a version 2 trace (process1's golden as it was) reads, and records no memory",
          "[trace_mem]") {
  Reader r = Reader::open(std::string(FS_SOURCE_DIR) + "/tests/golden/v2/process1.fst");
  CHECK(r.header().version == 2);
  CHECK_FALSE(r.has_memory());
  std::size_t insns = 0, deliveries = 0, forks = 0;
  while (const Step* st = r.next()) {
    if (st->event) {
      if (const auto* d = std::get_if<Delivery>(&st->event->data)) {
        CHECK(d->writes.empty());
        ++deliveries;
      }
      if (const auto* f = std::get_if<Fork>(&st->event->data)) {
        CHECK_FALSE(f->comm.empty());  // version 2's field, read before the memory sections'
        ++forks;
      }
    } else {
      CHECK(st->insn.mem.empty());
      ++insns;
    }
  }
  CHECK(insns == r.instruction_count());
  CHECK(deliveries > 0);
  CHECK(forks > 0);
}

TEST_CASE("trace_mem: a truncated or damaged memory section is one line naming the chunk",
          "[trace_mem]") {
  const MemStream s = make_mem_stream(7, 3000);
  TempFile f("mem_src.fst"), bad("mem_damaged.fst");
  write_mem_stream(s, f.str(), 1000);
  auto error_of = [&] {
    try {
      Reader r = Reader::open(bad.str());
      while (r.next()) {
      }
    } catch (const TraceError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // mem_values (section 8, the last) one byte short: the last store's value runs out.
  rewrite_chunk0(f.str(), bad.str(), [](std::vector<std::uint8_t>& p) {
    std::uint8_t* size = section_size(p, 8);
    std::uint32_t n = codec::load_u32(size);
    REQUIRE(n > 0);
    codec::store_u32(size, n - 1);
    p.pop_back();
  });
  CHECK(error_of() == bad.str() + ": corrupt chunk 0 (first seq 0): memory value");
  // mem_ops (section 6) empty while instructions say they stored: the first store is missing.
  rewrite_chunk0(f.str(), bad.str(), [](std::vector<std::uint8_t>& p) {
    std::uint8_t* size = section_size(p, 6);
    const std::uint32_t n = codec::load_u32(size);
    std::size_t at = codec::payload_prefix_bytes(kFormatVersion);
    for (std::size_t k = 0; k < 6; ++k) at += codec::load_u32(section_size(p, k));
    p.erase(p.begin() + static_cast<std::ptrdiff_t>(at),
            p.begin() + static_cast<std::ptrdiff_t>(at + n));
    codec::store_u32(size, 0);
  });
  CHECK(error_of() == bad.str() + ": corrupt chunk 0 (first seq 0): memory write");
  // A size code with reserved bits set.
  rewrite_chunk0(f.str(), bad.str(), [](std::vector<std::uint8_t>& p) {
    std::size_t at = codec::payload_prefix_bytes(kFormatVersion);
    for (std::size_t k = 0; k < 6; ++k) at += codec::load_u32(section_size(p, k));
    p[at] |= 0x40;
  });
  CHECK(error_of() == bad.str() + ": corrupt chunk 0 (first seq 0): bad memory write byte");
}
