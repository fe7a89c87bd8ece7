// Mirrors emu/paging.cpp: the page walk (4 KiB and 4 MiB pages), the #PF error codes, the in-RAM
// limit, and the alias bookkeeping, without the CPU (the machine-level behaviour is
// tests/machine/paging_alias.S, paging_in_ram.S, paging_fault.S and paging_cow.S).
#include "emu/paging.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
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

TEST_CASE("paging: a non-identity mapping inside RAM is found, any mapping above RAM is fine",
          "[paging]") {
  Tables t;
  t.put(0x12000, 0x200000 | 7);  // above RAM: aliasable
  CHECK_FALSE(first_unaliasable(t.ram, 0x10000));
  t.put(0x11000 + 0x300 * 4, 0x500000 | 3);  // 0x300000 -> 0x500000
  auto bad = first_unaliasable(t.ram, 0x10000);
  REQUIRE(bad);
  CHECK(bad->linear == 0x300000);
  CHECK(bad->frame == 0x500000);
  t.put(0x11000 + 0x300 * 4, 0);  // not present is fine
  CHECK_FALSE(first_unaliasable(t.ram, 0x10000));
}

TEST_CASE("paging: aliases map the named frame, are dropped together, and say why they cannot be",
          "[paging]") {
  Tables t;
  t.put(0x12000, 0x200000 | 7);
  t.put(0x12000 + 4, 0x7FFF000 | 7);  // a frame beyond the 8 MiB of RAM
  std::map<std::uint32_t, std::uint8_t*> mapped;
  std::vector<std::uint32_t> unmapped;
  LinearAliases a(t.ram, {[&](std::uint32_t l, std::uint8_t* h) {
                            mapped[l] = h;
                            return true;
                          },
                          [&](std::uint32_t l) { unmapped.push_back(l); }});
  PageMapping m;
  CHECK(a.on_unmapped(0x10000, 0x40000abc, &m) == LinearAliases::Result::kAliased);
  CHECK(m.frame == 0x200000);
  REQUIRE(mapped.count(0x40000000));
  CHECK(mapped[0x40000000] == t.ram.data() + 0x200000);
  CHECK(a.host(0x40000010) == t.ram.data() + 0x200010);
  CHECK(a.host(0x40002000) == nullptr);
  CHECK(a.on_unmapped(0x10000, 0x40001000) == LinearAliases::Result::kFrameOutsideRam);
  // Not present: a guard page stands there (for Unicorn's walk to raise #PF), until the #PF.
  CHECK(a.on_unmapped(0x10000, 0x40002000) == LinearAliases::Result::kGuarded);
  CHECK(mapped.count(0x40002000));
  CHECK(a.host(0x40002000) == nullptr);
  CHECK(a.guards() == 1);
  a.drop_guards();
  CHECK(unmapped == std::vector<std::uint32_t>{0x40002000});
  unmapped.clear();
  CHECK(a.guards() == 0);
  CHECK(a.on_unmapped(0x10000, 0x1000) == LinearAliases::Result::kInsideRam);
  CHECK(a.size() == 1);
  a.drop_all();
  CHECK(unmapped == std::vector<std::uint32_t>{0x40000000});
  CHECK(a.size() == 0);
  CHECK(a.host(0x40000010) == nullptr);
  CHECK(a.aliased_total() == 1);
  CHECK(a.flushes() == 1);
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
  // In the in-RAM check: an identity 4 MiB page is fine, another frame is found.
  t.put(0x10000 + 4, 0x400000 | 0x80 | 3);
  CHECK_FALSE(first_unaliasable(t.ram, 0x10000, /*pse=*/true));
  t.put(0x10000 + 4, 0x000000 | 0x80 | 3);
  auto bad = first_unaliasable(t.ram, 0x10000, /*pse=*/true);
  REQUIRE(bad);
  CHECK(bad->linear == 0x400000);
  CHECK(bad->frame == 0);
  CHECK(bad->large);
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
