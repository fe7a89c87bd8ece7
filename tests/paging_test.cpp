// Mirrors emu/paging.cpp: the page walk (4 KiB and 4 MiB pages), the #PF error codes, translation
// and the accessed/dirty bits, without the CPU (the machine-level behaviour is
// tests/machine/paging_alias.S, paging_in_ram.S, paging_fault.S, paging_cow.S and paging_high.S).
#include "emu/paging.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <optional>
#include <vector>

using namespace fs;

namespace {

struct Tables {
  std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(8u << 20, 0);
  void put(std::uint32_t a, std::uint32_t v) { std::memcpy(ram.data() + a, &v, 4); }
  // Directory at 0x10000 with an identity table for 0-4 MiB at 0x11000 and a table at 0x12000 for
  // the 4 MiB at 0x40000000.
  Tables() {
    for (std::uint32_t i = 0; i < 1024; ++i) put(0x11000 + 4 * i, (i << 12) | 3);
    put(0x10000, 0x11000 | 3);
    put(0x10000 + (0x40000000 >> 22) * 4, 0x12000 | 7);
  }
};

}  // namespace

TEST_CASE("paging: the walk follows both levels and ANDs U/S and R/W", "[paging]") {
  Tables t;
  t.put(0x12000 + 5 * 4, 0x345000 | 5);  // 0x40005000 -> 0x345000, user, read-only
  auto m = walk_page_tables(t.ram, 0x10000, 0x40005123);
  REQUIRE(m);
  CHECK(m->linear == 0x40005000);
  CHECK(m->frame == 0x345000);
  CHECK(m->user);
  CHECK_FALSE(m->writable);
  auto k = walk_page_tables(t.ram, 0x10000, 0x1234);
  REQUIRE(k);
  CHECK(k->frame == 0x1000);
  CHECK_FALSE(k->user);  // the identity table is supervisor-only
  CHECK(k->writable);
  CHECK_FALSE(walk_page_tables(t.ram, 0x10000, 0x40006000));  // PTE not present
  CHECK_FALSE(walk_page_tables(t.ram, 0x10000, 0x80000000));  // PDE not present
  t.put(0x10000 + (0x80000000 >> 22) * 4, 0x7FFF000 | 3);     // a table beyond RAM
  CHECK_FALSE(walk_page_tables(t.ram, 0x10000, 0x80000000));
}

TEST_CASE("paging: linear_to_physical follows the tables, any mapping inside or above RAM",
          "[paging]") {
  Tables t;
  const PagingRegs on{kCr0PG | 1, 0x10000, 0}, off{1, 0x10000, 0};
  t.put(0x12000, 0x200000 | 7);              // 0x40000000 -> 0x200000
  t.put(0x11000 + 0x300 * 4, 0x500000 | 3);  // 0x300000 (inside RAM) -> 0x500000
  CHECK(linear_to_physical(t.ram, on, 0x40000abc) == 0x200abcu);
  CHECK(linear_to_physical(t.ram, on, 0x300010) == 0x500010u);
  CHECK(linear_to_physical(t.ram, on, 0x1234) == 0x1234u);       // identity table
  CHECK_FALSE(linear_to_physical(t.ram, on, 0x40001000));        // PTE not present
  CHECK_FALSE(linear_to_physical(t.ram, on, 0x80000000));        // PDE not present
  CHECK(linear_to_physical(t.ram, off, 0x300010) == 0x300010u);  // paging off: the address itself
}

TEST_CASE("paging: mark_accessed sets A on both levels and D on a write, as the CPU does",
          "[paging]") {
  Tables t;
  const PagingRegs on{kCr0PG | 1, 0x10000, 0};
  auto entry = [&](std::uint32_t a) {
    std::uint32_t v;
    std::memcpy(&v, t.ram.data() + a, 4);
    return v;
  };
  t.put(0x12000 + 4, 0x201000 | 7);  // 0x40001000
  mark_accessed(t.ram, on, 0x40001010, false);
  CHECK(entry(0x10000 + (0x40000000 >> 22) * 4) == (0x12000u | 7 | 0x20));
  CHECK(entry(0x12000 + 4) == (0x201000u | 7 | 0x20));  // accessed, not dirty
  mark_accessed(t.ram, on, 0x40001010, true);
  CHECK(entry(0x12000 + 4) == (0x201000u | 7 | 0x60));                      // and dirty
  CHECK(entry(0x10000 + (0x40000000 >> 22) * 4) == (0x12000u | 7 | 0x20));  // a PDE is never dirty
  const std::uint32_t before = entry(0x12000 + 8);
  mark_accessed(t.ram, on, 0x40002000, true);  // not present: nothing changes
  CHECK(entry(0x12000 + 8) == before);
  // A 4 MiB page (CR4.PSE): the PDE maps it and takes both bits.
  const PagingRegs pse{kCr0PG | 1, 0x10000, kCr4PSE};
  t.put(0x10000 + (0x80000000 >> 22) * 4, 0x400000 | 0x80 | 3);
  mark_accessed(t.ram, pse, 0x80001234, true);
  CHECK(entry(0x10000 + (0x80000000 >> 22) * 4) == (0x400000u | 0x80 | 3 | 0x60));
}

TEST_CASE("paging: with CR4.PSE a PDE with PS set maps a 4 MiB page, without it PS is ignored",
          "[paging]") {
  Tables t;
  // 0x80000000-0x803FFFFF -> 0x400000, user, read-only, as one 4 MiB page (PS = bit 7).
  t.put(0x10000 + (0x80000000 >> 22) * 4, 0x400000 | 0x80 | 5);
  auto m = walk_page_tables(t.ram, 0x10000, 0x80123456, /*pse=*/true);
  REQUIRE(m);
  CHECK(m->large);
  CHECK(m->linear == 0x80123000);
  CHECK(m->frame == 0x523000);  // the 4 KiB frame inside the large page
  CHECK(m->user);
  CHECK_FALSE(m->writable);
  // Without PSE the same entry names a page table at 0x400000 (zeroed RAM: nothing present).
  CHECK_FALSE(walk_page_tables(t.ram, 0x10000, 0x80123456, /*pse=*/false));
  t.put(0x400000 + 0x123 * 4, 0x600000 | 7);
  auto small = walk_page_tables(t.ram, 0x10000, 0x80123456, /*pse=*/false);
  REQUIRE(small);
  CHECK_FALSE(small->large);
  CHECK(small->frame == 0x600000);
  CHECK_FALSE(small->writable);  // the PDE's R/W still counts
  // Translation through a 4 MiB page keeps the offset's low 22 bits.
  const PagingRegs pse{kCr0PG | 1, 0x10000, kCr4PSE};
  CHECK(linear_to_physical(t.ram, pse, 0x80123456) == 0x523456u);
}

TEST_CASE("paging: #PF error codes as Intel SDM vol. 3A 4.6-4.7 give them, CR0.WP included",
          "[paging]") {
  Tables t;
  t.put(0x12000 + 0 * 4, 0x200000 | 5);  // 0x40000000: user, read-only (a page fork shared)
  t.put(0x12000 + 1 * 4, 0x201000 | 7);  // 0x40001000: user, writable
  auto ro = walk_page_tables(t.ram, 0x10000, 0x40000010);
  auto rw = walk_page_tables(t.ram, 0x10000, 0x40001010);
  auto sup = walk_page_tables(t.ram, 0x10000, 0x1000);  // supervisor, writable
  auto none = walk_page_tables(t.ram, 0x10000, 0x40002000);
  REQUIRE(ro);
  REQUIRE(rw);
  REQUIRE(sup);
  REQUIRE_FALSE(none);
  using Code = std::optional<std::uint32_t>;
  // Not present: P clear, W/R and U/S as the access.
  CHECK(page_fault_error(none, false, false, false) == Code{0u});
  CHECK(page_fault_error(none, true, false, true) == Code{2u});
  CHECK(page_fault_error(none, false, true, false) == Code{4u});
  CHECK(page_fault_error(none, true, true, false) == Code{6u});
  // Copy-on-write's fault: a write to a present read-only page - from user mode always (7), from
  // the supervisor only with CR0.WP (3).
  CHECK(page_fault_error(ro, true, true, false) == Code{7u});
  CHECK(page_fault_error(ro, true, true, true) == Code{7u});
  CHECK(page_fault_error(ro, true, false, true) == Code{3u});
  CHECK(page_fault_error(ro, true, false, false) == std::nullopt);
  CHECK(page_fault_error(ro, false, true, true) == std::nullopt);
  CHECK(page_fault_error(rw, true, true, true) == std::nullopt);
  // User mode on a supervisor page: 5 for a read, 7 for a write; the supervisor may.
  CHECK(page_fault_error(sup, false, true, false) == Code{5u});
  CHECK(page_fault_error(sup, true, true, false) == Code{7u});
  CHECK(page_fault_error(sup, true, false, true) == std::nullopt);
}
