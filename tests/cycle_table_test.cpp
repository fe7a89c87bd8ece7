// Mirrors emu/cycle_table.cpp: the i486 clock counts, decoded through Capstone like the machine
// does.
#include "emu/cycle_table.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace fs;

namespace {
struct Decoded {
  csh h = 0;
  cs_insn* insn = nullptr;
  explicit Decoded(std::vector<std::uint8_t> bytes) {
    cs_open(CS_ARCH_X86, CS_MODE_32, &h);
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    REQUIRE(cs_disasm(h, bytes.data(), bytes.size(), 0x1000, 1, &insn) == 1);
  }
  ~Decoded() {
    cs_free(insn, 1);
    cs_close(&h);
  }
  const cs_insn& operator*() const { return *insn; }
};
std::uint32_t cost(std::vector<std::uint8_t> b) {
  return cycle_table::insn_cycles(*Decoded(std::move(b)));
}
}  // namespace

TEST_CASE("cycle_table: ALU register, memory and immediate forms", "[cycle_table]") {
  CHECK(cost({0x01, 0xD8}) == 1);         // add eax, ebx
  CHECK(cost({0x03, 0x03}) == 2);         // add eax, [ebx]
  CHECK(cost({0x01, 0x03}) == 3);         // add [ebx], eax
  CHECK(cost({0x83, 0xC0, 0x05}) == 1);   // add eax, 5
  CHECK(cost({0x83, 0x03, 0x05}) == 3);   // add dword [ebx], 5
  CHECK(cost({0x89, 0xD8}) == 1);         // mov eax, ebx
  CHECK(cost({0x8E, 0xD8}) == 9);         // mov ds, ax (protected mode)
  CHECK(cost({0x0F, 0x22, 0xC0}) == 17);  // mov cr0, eax
  CHECK(cost({0xF7, 0xF1}) == 40);        // div ecx
}

TEST_CASE("cycle_table: branches: not-taken cost plus a taken extra", "[cycle_table]") {
  Decoded jz({0x74, 0x05});
  CHECK(cycle_table::is_conditional_branch(*jz));
  CHECK(cycle_table::insn_cycles(*jz) == 1);
  CHECK(cycle_table::taken_extra(*jz) == 2);  // 3 taken
  Decoded loop({0xE2, 0xFE});
  CHECK(cycle_table::insn_cycles(*loop) + cycle_table::taken_extra(*loop) == 7);
  CHECK(cost({0xEB, 0x00}) == 3);  // jmp short
  CHECK(cost({0xFF, 0xE0}) == 5);  // jmp eax
  CHECK(cost({0xC3}) == 5);        // ret
}

TEST_CASE("cycle_table: REP strings are charged per iteration", "[cycle_table]") {
  CHECK(cost({0xF3, 0xA5}) == 3);  // rep movsd: 12 + 3n -> 3 per iteration
  CHECK(cost({0xA5}) == 7);        // movsd
}

TEST_CASE("cycle_table: I/O, HLT and privilege-dependent transfers", "[cycle_table]") {
  CHECK(cost({0xE6, 0x80}) == 11);  // out 0x80, al
  CHECK(cost({0xEE}) == 10);        // out dx, al
  CHECK(cost({0xE4, 0x40}) == 9);   // in al, 0x40
  CHECK(cost({0xF4}) == cycle_table::kHltCycles);
  Decoded i80({0xCD, 0x80});
  CHECK(cycle_table::charged_by_delivery(*i80));
  CHECK(cycle_table::int_cycles(cycle_table::Delivery::kSamePrivilege) == 44);
  CHECK(cycle_table::int_cycles(cycle_table::Delivery::kToInnerPrivilege) == 71);
  CHECK(cycle_table::iret_cycles(false) == 15);
  CHECK(cycle_table::iret_cycles(true) == 36);
}

TEST_CASE("cycle_table: what a small kernel uses is known", "[cycle_table]") {
  const std::vector<std::vector<std::uint8_t>> set = {{0x55},
                                                      {0x89, 0xE5},
                                                      {0x5D},
                                                      {0xC3},
                                                      {0xE8, 0, 0, 0, 0},
                                                      {0x8D, 0x45, 0x08},
                                                      {0x0F, 0xB6, 0xC0},
                                                      {0x85, 0xC0},
                                                      {0x9C},
                                                      {0x9D},
                                                      {0xFA},
                                                      {0xFB},
                                                      {0xF4},
                                                      {0x0F, 0x01, 0x15, 0, 0, 0, 0},
                                                      {0x0F, 0x00, 0xD8},
                                                      {0x60},
                                                      {0x61},
                                                      {0xCF},
                                                      {0x0F, 0xBC, 0xC0},
                                                      {0xC9},
                                                      {0xF3, 0xAB}};
  for (const auto& b : set) {
    Decoded d(b);
    INFO(d.insn->mnemonic << " " << d.insn->op_str);
    CHECK(cycle_table::is_known(*d));
  }
}
