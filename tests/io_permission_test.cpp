// Mirrors emu/io_permission.cpp: IOPL against CPL, then the TSS I/O permission bit map (Intel SDM
// vol. 1 19.5), with a fake flat memory and no Unicorn.
#include "emu/io_permission.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

using namespace fs;

namespace {

constexpr std::uint32_t kTss = 0x3000, kMap = 0x68;

struct TssMemory : GuestMemory {
  std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(0x8000, 0);
  unsigned reads = 0;
  TssMemory() {
    const std::uint16_t base = kMap;
    std::memcpy(bytes.data() + kTss + 0x66, &base, 2);
  }
  std::optional<MemFault> read(std::uint32_t a, void* out, unsigned n, bool) override {
    ++reads;
    if (a + n > bytes.size()) return MemFault{kPF, 0, a};
    std::memcpy(out, bytes.data() + a, n);
    return std::nullopt;
  }
  std::optional<MemFault> write(std::uint32_t, const void*, unsigned, bool) override {
    return MemFault{kPF, 2, 0};
  }
  void deny(std::uint16_t port) { bytes[kTss + kMap + port / 8] |= 1u << (port & 7); }
};

IoAccess ring3(std::uint16_t port, unsigned width, unsigned iopl = 0) {
  IoAccess a;
  a.cpl = 3;
  a.eflags = 0x202 | (iopl << 12);
  a.tr_base = kTss;
  a.tr_limit = kMap + 8192;  // the whole map and the byte after it
  a.port = port;
  a.width = width;
  return a;
}

bool denied(const IoAccess& a, TssMemory& m) {
  auto f = check_io_permission(a, m);
  if (!f) return false;
  CHECK(f->vector == kGP);
  CHECK(f->error_code == 0);
  return true;
}

}  // namespace

TEST_CASE("io_permission: CPL <= IOPL runs without reading the bit map", "[io_permission]") {
  TssMemory m;
  m.deny(0x3F8);
  IoAccess a = ring3(0x3F8, 1, 3);
  CHECK_FALSE(denied(a, m));
  a.cpl = 0;
  a.eflags = 0x202;
  CHECK_FALSE(denied(a, m));
  CHECK(m.reads == 0);
}

TEST_CASE("io_permission: above IOPL a clear bit runs and a set bit is #GP(0)", "[io_permission]") {
  TssMemory m;
  CHECK_FALSE(denied(ring3(0x3FF, 1), m));
  m.deny(0x3FF);
  CHECK(denied(ring3(0x3FF, 1), m));
  CHECK_FALSE(denied(ring3(0x3FE, 1), m));
}

TEST_CASE("io_permission: every bit of the access width counts, across a byte of the map",
          "[io_permission]") {
  TssMemory m;
  m.deny(0x400);                            // bit 0 of map byte 0x80
  CHECK_FALSE(denied(ring3(0x3FF, 1), m));  // bit 7 of byte 0x7F only
  CHECK(denied(ring3(0x3FF, 2), m));        // 0x3FF and 0x400
  CHECK(denied(ring3(0x3FD, 4), m));        // 0x3FD..0x400
  CHECK_FALSE(denied(ring3(0x3FC, 4), m));  // 0x3FC..0x3FF
  CHECK_FALSE(denied(ring3(0x401, 4), m));
}

TEST_CASE("io_permission: the two bytes read must lie inside the TSS limit", "[io_permission]") {
  TssMemory m;
  IoAccess a = ring3(0x3FF, 1);  // map byte 0x7F, read with byte 0x80
  a.tr_limit = kMap + 0x7F;
  CHECK(denied(a, m));
  a.tr_limit = kMap + 0x80;
  CHECK_FALSE(denied(a, m));
  // A map base at or past the limit: no map, every access faults.
  a.tr_limit = 0x67;
  const std::uint16_t past = 0x68;
  std::memcpy(m.bytes.data() + kTss + 0x66, &past, 2);
  CHECK(denied(a, m));
  // No TSS (or one shorter than 104 bytes): #GP(0) without reading anything.
  TssMemory none;
  IoAccess b = ring3(0x80, 1);
  b.tr_limit = 0;
  CHECK(denied(b, none));
  CHECK(none.reads == 0);
}

TEST_CASE("io_permission: a fault reading the TSS is that fault", "[io_permission]") {
  TssMemory m;
  IoAccess a = ring3(0x80, 1);
  a.tr_base = 0x7FF0;  // TSS+0x66 lies past the fake memory: #PF
  auto f = check_io_permission(a, m);
  REQUIRE(f);
  CHECK(f->vector == kPF);
}

TEST_CASE("io_permission: decode_io finds the port operand and the width", "[io_permission]") {
  const std::uint8_t out_imm[] = {0xE6, 0x80};          // out %al, $0x80
  const std::uint8_t in_dx_w[] = {0x66, 0xED};          // in (%dx), %ax
  const std::uint8_t rep_outsd[] = {0xF3, 0x6F};        // rep outsl
  const std::uint8_t seg_outsb[] = {0xF3, 0x2E, 0x6E};  // rep outsb %cs:(%esi)
  const std::uint8_t nop[] = {0x90};
  auto a = decode_io(out_imm, 2);
  REQUIRE(a);
  CHECK_FALSE(a->port_in_dx);
  CHECK(a->imm_port == 0x80);
  CHECK(a->width == 1);
  auto b = decode_io(in_dx_w, 2);
  REQUIRE(b);
  CHECK(b->port_in_dx);
  CHECK(b->width == 2);
  auto c = decode_io(rep_outsd, 2);
  REQUIRE(c);
  CHECK(c->width == 4);
  auto d = decode_io(seg_outsb, 3);
  REQUIRE(d);
  CHECK(d->width == 1);
  CHECK_FALSE(decode_io(nop, 1));
  CHECK_FALSE(decode_io(out_imm, 1));
  // Direction and string form (an I/O breakpoint's IN/OUT is run by forkscope, issue 12).
  CHECK_FALSE(a->is_in);
  CHECK_FALSE(a->string);
  CHECK(b->is_in);
  CHECK_FALSE(b->string);
  CHECK_FALSE(c->is_in);
  CHECK(c->string);
  const std::uint8_t insb[] = {0x6C}, in_imm[] = {0xE5, 0x40};
  CHECK(decode_io(insb, 1)->is_in);
  CHECK(decode_io(insb, 1)->string);
  CHECK(decode_io(in_imm, 2)->is_in);
}
