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

struct PageMapping {
  std::uint32_t linear = 0;  // the page's linear address
  std::uint32_t frame = 0;   // the physical frame it maps
  bool user = false;         // U/S of both levels
  bool writable = false;     // R/W of both levels
};

// Walks the two-level i386 tables at `cr3` for `linear` (4 KiB pages: the 486 has no PSE). nullopt
// when a level is not present or a table lies outside `ram`.
std::optional<PageMapping> walk_page_tables(std::span<const std::uint8_t> ram, std::uint32_t cr3,
                                            std::uint32_t linear);

// The first present mapping of a linear page inside [0, ram.size()) to another frame, or nullopt:
// what forkscope cannot honour (see above).
std::optional<PageMapping> first_unaliasable(std::span<const std::uint8_t> ram, std::uint32_t cr3);

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
  Result on_unmapped(std::uint32_t cr3, std::uint32_t linear, PageMapping* found = nullptr);
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
