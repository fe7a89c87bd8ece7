// Paging that translates, on a Unicorn that does not.
//
// Unicorn 2.0.1 walks the guest's page tables, sets the accessed/dirty bits, checks U/S and R/W and
// raises #PF with CR2 and the error code, and then uses the *linear* address as the physical one
// (unicorn-engine/unicorn#1953, fixed in 2.1.0; ../shared/UNICORN-NOTES.md "Paging"). forkscope
// gives the guest the frame its page tables name by aliasing: guest RAM is mapped at physical 0,
// so a linear page outside RAM has no memory behind it, and Unicorn's first access there comes to
// the machine as an unmapped access; LinearAliases walks the tables itself and maps the frame's
// host memory at that linear page, and the access is retried. Every alias is dropped when the TLB
// would be (a CR3 or CR0 or CR4 load, INVLPG), so the next address space faults its pages in
// afresh.
//
// The limit, checked rather than assumed: a linear page *inside* guest RAM is used by Unicorn as
// that same physical page, so the only mappings of those addresses forkscope can honour are
// identity ones. first_unaliasable() finds any other (the machine checks each new set of page
// tables and stops the run with a message naming the page), so the guest never silently reads the
// wrong frame. Linux's user space starts at 0x08048000 (128 MiB + 288 KiB), above forkscope's
// default 64 MiB of RAM; run with more than 128 MiB of RAM, such a guest gets the message instead.
//
// Nothing here knows Unicorn: the mapping itself is the caller's (Backend).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

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
// present or a table lies outside `ram`. The one walk forkscope does: aliasing (below) and the
// access checks of interrupt delivery (the machine's GuestMemory) both use it.
std::optional<PageMapping> walk_page_tables(std::span<const std::uint8_t> ram, std::uint32_t cr3,
                                            std::uint32_t linear, bool pse = false);

// The #PF error code an access to a page with this walk result raises, or nullopt when it is
// allowed (Intel SDM vol. 3A, 4.6 "Access rights", 4.7 "Page-fault exceptions"): not present ->
// write/user bits only; present -> P set when a user access meets a supervisor page, or a write
// meets a read-only page from user mode, or from the supervisor with CR0.WP (`wp`).
std::optional<std::uint32_t> page_fault_error(const std::optional<PageMapping>& m, bool write,
                                              bool user, bool wp);

// The first present mapping of a linear page inside [0, ram.size()) to another frame, or nullopt:
// what forkscope cannot honour (see above).
std::optional<PageMapping> first_unaliasable(std::span<const std::uint8_t> ram, std::uint32_t cr3,
                                             bool pse = false);

class LinearAliases {
 public:
  struct Backend {
    std::function<bool(std::uint32_t linear, std::uint8_t* host)> map;  // one page
    std::function<void(std::uint32_t linear)> unmap;                    // one page
  };
  enum class Result : std::uint8_t {
    kAliased,          // the frame is now mapped at the page: retry the access
    kGuarded,          // the tables do not map it: a guard page stands there so that Unicorn's
                       // retry walks the tables and raises #PF itself (drop_guards() at delivery)
    kNotPresent,       // the tables do not map it and no guard could be mapped
    kInsideRam,        // the linear page is guest RAM itself: nothing to alias
    kFrameOutsideRam,  // the tables name a frame beyond guest RAM
  };

  LinearAliases(std::span<std::uint8_t> ram, Backend backend)
      : ram_(ram), backend_(std::move(backend)) {}

  // Unicorn found no memory at `linear` with paging on and the tables at `cr3`. `found` receives
  // the walk's result when there is one.
  Result on_unmapped(std::uint32_t cr3, std::uint32_t linear, PageMapping* found = nullptr,
                     bool pse = false);
  // The TLB is flushed (CR3/CR0/CR4 load, INVLPG): forget every alias and guard.
  void drop_all();
  // A #PF is being delivered: the guard pages have done their work. They must go before the
  // handler maps the page and the access is retried, or the retry would read the guard.
  void drop_guards();
  std::size_t guards() const { return guards_.size(); }

  // Host memory behind `linear` when its page is aliased (nullptr otherwise).
  const std::uint8_t* host(std::uint32_t linear) const {
    auto it = frames_.find(linear & ~(kPageSize - 1));
    return it == frames_.end() ? nullptr : ram_.data() + it->second + (linear & (kPageSize - 1));
  }
  std::size_t size() const { return frames_.size(); }
  std::uint64_t aliased_total() const { return aliased_total_; }
  std::uint64_t flushes() const { return flushes_; }

 private:
  std::span<std::uint8_t> ram_;
  Backend backend_;
  std::unordered_map<std::uint32_t, std::uint32_t> frames_;  // linear page -> frame
  // Unicorn 2.0.1 looks for memory at the linear address *before* it walks the page tables, so a
  // not-present page above RAM would be reported as unmapped memory, never as #PF. A zero page
  // mapped there (never written: the walk faults first) lets the walk run and raise #PF.
  std::vector<std::uint32_t> guards_;
  alignas(4096) std::uint8_t guard_page_[kPageSize] = {};
  std::uint64_t aliased_total_ = 0;
  std::uint64_t flushes_ = 0;
};

}  // namespace fs
