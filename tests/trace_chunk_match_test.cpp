// trace/chunk_match.hpp: two files' chunks shown to hold the same records without decoding them -
// the same bytes, or the same payload under another zstd level - and never for chunks that differ
// or are damaged (those are left to the record comparison, which reports them).
#include <catch2/catch.hpp>

#include "tests/trace_test_util.hpp"
#include "trace/chunk_match.hpp"
#include "trace/trace_reader.hpp"

namespace {

using fs::trace::ChunkMatch;
using fs::trace::Reader;
namespace tt = fs::trace::testing;

}  // namespace

TEST_CASE("chunk match: same bytes, same payload, or not shown equal", "[chunk_match]") {
  const tt::SynthStream s = tt::make_stream(7, 20000, true);
  fs::trace::WriterOptions opt;
  opt.chunk_instructions = 4096;
  tt::TempFile a("match_a.fst"), b("match_b.fst"), z("match_z.fst"), o("match_o.fst");
  tt::write_stream(s, a.str(), opt);
  tt::write_stream(s, b.str(), opt);
  fs::trace::WriterOptions level = opt;
  level.zstd_level = 19;
  tt::write_stream(s, z.str(), level);
  tt::write_stream(tt::make_stream(8, 20000, true), o.str(), opt);

  Reader ra = Reader::open(a.str()), rb = Reader::open(b.str()), rz = Reader::open(z.str()),
         ro = Reader::open(o.str());
  REQUIRE(ra.chunk_count() == 5);
  for (std::size_t k = 0; k < ra.chunk_count(); ++k) {
    INFO("chunk " << k);
    CHECK(fs::trace::match_chunk(ra, rb, k) == ChunkMatch::kSameBytes);
    CHECK(fs::trace::match_chunk(ra, rz, k) == ChunkMatch::kSamePayload);
    CHECK(fs::trace::match_chunk(ra, ro, k) == ChunkMatch::kNone);
  }
  CHECK(fs::trace::match_chunk(ra, rb, 5) == ChunkMatch::kNone);  // past the end

  // The read position is left alone: next() goes on where it was.
  ra.seek_seq(5000);
  (void)fs::trace::match_chunk(ra, rz, 1);
  const fs::trace::Step* st = ra.next();
  while (st && st->event) st = ra.next();
  REQUIRE(st);
  CHECK(st->insn.seq == 5000);
}

TEST_CASE("chunk match: a damaged chunk is never shown equal", "[chunk_match]") {
  const tt::SynthStream s = tt::make_stream(9, 10000, true);
  fs::trace::WriterOptions opt;
  opt.chunk_instructions = 4096;
  tt::TempFile a("damaged_a.fst"), b("damaged_b.fst");
  tt::write_stream(s, a.str(), opt);
  tt::write_stream(s, b.str(), opt);
  // One byte of chunk 1's payload flipped in both files: still the same bytes, but the payload
  // checksum fails, so the reader (decoding it) must be the one to report it.
  Reader probe = Reader::open(a.str());
  const std::uint64_t at = probe.chunks()[1].offset + 56 + 10;  // past the 56-byte chunk header
  for (const auto* f : {&a, &b}) {
    auto bytes = tt::read_bytes(f->str());
    bytes[at] ^= 0xFF;
    tt::write_bytes(f->str(), bytes);
  }
  Reader ra = Reader::open(a.str()), rb = Reader::open(b.str());
  CHECK(fs::trace::match_chunk(ra, rb, 0) == ChunkMatch::kSameBytes);
  CHECK(fs::trace::match_chunk(ra, rb, 1) == ChunkMatch::kNone);
  CHECK_THROWS_AS(ra.chunk_payload(1), fs::trace::TraceError);
}
