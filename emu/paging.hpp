// i386 paging as forkscope itself needs it: the guest's own accesses are translated by Unicorn
// 2.1.1 (UC_TLB_CPU: it walks the tables, sets accessed/dirty bits, checks U/S and R/W, raises #PF
// and then uses the frame the tables name; ../shared/UNICORN-NOTES.md "Unicorn 2.1.x"), but the
// accesses forkscope makes on the guest's behalf - interrupt frames, IDT/GDT/TSS reads, the trace
// recorder, the gdb stub, the inspectors - name linear addresses too, and uc_mem_read/uc_mem_write
// take physical ones. This file is the one translation those accesses go through: the same walk,
// the same access rights and #PF error code as the CPU (Intel SDM vol. 3A 4.3, 4.6, 4.7), and the
// same accessed/dirty bits (4.8).
//
// Nothing here knows Unicorn: it works on guest RAM as bytes from physical 0.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace fs {

inline constexpr std::uint32_t kPageSize = 4096;
inline constexpr std::uint32_t kCr0PG = 0x80000000u;
inline constexpr std::uint32_t kCr0WP = 0x00010000u;   // supervisor writes honour R/W (SDM 2.5)
inline constexpr std::uint32_t kCr4PSE = 0x00000010u;  // PDE.PS maps 4 MiB pages (SDM 4.3)

// #PF error code bits (Intel SDM vol. 3A, 4.7).
inline constexpr std::uint32_t kPfProtection = 1;  // 0: not present, 1: access rights
inline constexpr std::uint32_t kPfWrite = 2;
inline constexpr std::uint32_t kPfUser = 4;  // the access came from CPL 3

struct PageMapping {
  std::uint32_t linear = 0;  // the 4 KiB page's linear address
  std::uint32_t frame = 0;   // the physical 4 KiB frame it maps (inside a 4 MiB page if large)
  bool user = false;         // U/S of both levels (of the PDE alone for a 4 MiB page)
  bool writable = false;     // R/W of both levels (of the PDE alone for a 4 MiB page)
  bool large = false;        // mapped by a 4 MiB PDE (CR4.PSE and PDE.PS)
};

// Walks the two-level i386 tables at `cr3` for `linear`. With `pse` (CR4.PSE) a PDE with PS set
// maps a 4 MiB page itself; without it PS is ignored, as on the 486. nullopt when a level is not
// present or a table lies outside `ram`. The one walk forkscope does.
std::optional<PageMapping> walk_page_tables(std::span<const std::uint8_t> ram, std::uint32_t cr3,
                                            std::uint32_t linear, bool pse = false);

// The #PF error code an access to a page with this walk result raises, or nullopt when it is
// allowed (Intel SDM vol. 3A, 4.6 "Access rights", 4.7 "Page-fault exceptions"): not present ->
// write/user bits only; present -> P set when a user access meets a supervisor page, or a write
// meets a read-only page from user mode, or from the supervisor with CR0.WP (`wp`).
std::optional<std::uint32_t> page_fault_error(const std::optional<PageMapping>& m, bool write,
                                              bool user, bool wp);

// The paging registers a translation depends on, read from the CPU at the access.
struct PagingRegs {
  std::uint32_t cr0 = 0;
  std::uint32_t cr3 = 0;
  std::uint32_t cr4 = 0;
  bool enabled() const { return (cr0 & kCr0PG) != 0; }
  bool pse() const { return (cr4 & kCr4PSE) != 0; }
  bool wp() const { return (cr0 & kCr0WP) != 0; }
};

// The physical address of `linear`, with no access check (a debugger's or inspector's view of what
// the tables map): `linear` itself with paging off, nullopt when a level is not present.
std::optional<std::uint32_t> linear_to_physical(std::span<const std::uint8_t> ram,
                                                const PagingRegs& regs, std::uint32_t linear);

// Copies [linear, linear + n) out of RAM page by page through the tables (no access check, as
// linear_to_physical), zeros where a page is not mapped or its frame lies beyond RAM. True when
// every byte came from RAM.
bool copy_from_linear(std::span<const std::uint8_t> ram, const PagingRegs& regs,
                      std::uint32_t linear, void* out, std::size_t n);

// Sets the accessed bit of the directory and table entries the walk of `linear` used, and for a
// write the dirty bit of the entry that maps the page, as the CPU does for its own accesses (Intel
// SDM vol. 3A 4.8). Call it only for an access page_fault_error() allowed.
void mark_accessed(std::span<std::uint8_t> ram, const PagingRegs& regs, std::uint32_t linear,
                   bool write);

}  // namespace fs
