// Every uc_* call in forkscope. Each Unicorn 2.1.1 workaround is a named function or block headed
// WORKAROUND, saying what is missing and when it can go; tests/unicorn_quirks_test.cpp pins the
// upstream behaviour each one relies on, so a Unicorn upgrade that changes it fails a test instead
// of a guest.
#include "emu/unicorn_cpu.hpp"

#include <fmt/format.h>
#include <unicorn/unicorn.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "emu/cpuid_model.hpp"

namespace fs {
namespace {

constexpr int uc_reg_id(Reg r) {
  switch (r) {
    case Reg::kEax:
      return UC_X86_REG_EAX;
    case Reg::kEcx:
      return UC_X86_REG_ECX;
    case Reg::kEdx:
      return UC_X86_REG_EDX;
    case Reg::kEbx:
      return UC_X86_REG_EBX;
    case Reg::kEsp:
      return UC_X86_REG_ESP;
    case Reg::kEbp:
      return UC_X86_REG_EBP;
    case Reg::kEsi:
      return UC_X86_REG_ESI;
    case Reg::kEdi:
      return UC_X86_REG_EDI;
    case Reg::kEip:
      return UC_X86_REG_EIP;
    case Reg::kEflags:
      return UC_X86_REG_EFLAGS;
    case Reg::kCs:
      return UC_X86_REG_CS;
    case Reg::kSs:
      return UC_X86_REG_SS;
    case Reg::kDs:
      return UC_X86_REG_DS;
    case Reg::kEs:
      return UC_X86_REG_ES;
    case Reg::kFs:
      return UC_X86_REG_FS;
    case Reg::kGs:
      return UC_X86_REG_GS;
    case Reg::kCr0:
      return UC_X86_REG_CR0;
    case Reg::kCr2:
      return UC_X86_REG_CR2;
    case Reg::kCr3:
      return UC_X86_REG_CR3;
    case Reg::kCr4:
      return UC_X86_REG_CR4;
    case Reg::kTr:   // Unicorn reads TR as a uc_x86_mmr: UnicornCpu::tr_selector()
    case Reg::kCpl:  // not a register: CS.RPL (UnicornCpu::cpl())
      break;
  }
  return UC_X86_REG_INVALID;
}

void check(uc_err e, const char* what) {
  if (e != UC_ERR_OK)
    throw std::runtime_error(fmt::format("unicorn: {}: {}", what, uc_strerror(e)));
}

// The uc_context header in 2.1.1 (include/uc_priv.h): size_t context_size; uc_mode mode; uc_arch
// arch; int snapshot_level; then `char data[]`, the raw CPUX86State copy, at offset 20 (2.0.1 had
// no snapshot_level: 16). Offsets in ContextLayout count from the start of that copy.
constexpr std::size_t kContextHeader = 20;

std::uint8_t* blob(uc_context* ctx) {
  return reinterpret_cast<std::uint8_t*>(ctx) + kContextHeader;
}

}  // namespace

struct UnicornCpu::Impl {
  uc_engine* uc = nullptr;
  // An exception thrown by a machine hook must not unwind through Unicorn's C frames: it is caught
  // at the callback, the CPU is stopped, and run() rethrows it.
  std::exception_ptr failure;
  template <typename F>
  auto guarded(F&& f) -> decltype(f()) {
    if (failure) {  // the run is ending: no more hooks (e.g. the rest of the translated block)
      if constexpr (!std::is_void_v<decltype(f())>)
        return {};
      else
        return;
    }
    try {
      return f();
    } catch (...) {
      if (!failure) failure = std::current_exception();
      if (failed_flag) *failed_flag = true;
      uc_emu_stop(uc);
      if constexpr (!std::is_void_v<decltype(f())>) return {};
    }
  }
  uc_context* ctx = nullptr;
  bool* failed_flag = nullptr;  // UnicornCpu::failed_, which the hot hooks read inline
  CpuHooks hooks;
  // An address hook's function and its CPU: stable addresses for hook user_data.
  struct AddressHook {
    Impl* impl;
    std::function<void(std::uint32_t)> fn;
  };
  std::deque<AddressHook> address_fns;
  std::uint32_t rdtsc_next = 0;  // the address after the RDTSC being watched, while it executes

  static void stop_cb(uc_engine*, uint64_t addr, uint32_t, void* self) {
    Impl* m = static_cast<Impl*>(self);
    m->guarded([&] { m->hooks.on_stop_point(static_cast<std::uint32_t>(addr)); });
  }
  static void address_cb(uc_engine*, uint64_t addr, uint32_t, void* hook) {
    // An observer's exception (a test's, an inspector's) stops the CPU and comes out of run(), as
    // every hook's does: it was dropped once, and the run then ended as a guest error.
    auto* h = static_cast<AddressHook*>(hook);
    h->impl->guarded([&] { h->fn(static_cast<std::uint32_t>(addr)); });
  }
  static void rdtsc_cb(uc_engine*, uint64_t addr, uint32_t, void* self) {
    Impl* m = static_cast<Impl*>(self);
    m->guarded([&] { m->hooks.on_rdtsc_site(static_cast<std::uint32_t>(addr)); });
  }
  static void intr_cb(uc_engine*, uint32_t intno, void* self) {
    Impl* m = static_cast<Impl*>(self);
    m->guarded([&] { m->hooks.on_interrupt(intno); });
  }
  static bool invalid_cb(uc_engine*, void* self) {
    Impl* m = static_cast<Impl*>(self);
    return m->guarded([&] { return m->hooks.on_invalid_insn(); });
  }
  static uint32_t in_cb(uc_engine*, uint32_t port, int size, void* self) {
    Impl* m = static_cast<Impl*>(self);
    return m->guarded([&] {
      return m->hooks.on_port_in(static_cast<std::uint16_t>(port), static_cast<unsigned>(size));
    });
  }
  static void out_cb(uc_engine*, uint32_t port, int size, uint32_t value, void* self) {
    Impl* m = static_cast<Impl*>(self);
    m->guarded([&] {
      m->hooks.on_port_out(static_cast<std::uint16_t>(port), static_cast<unsigned>(size), value);
    });
  }

  // CPUID answers from emu/cpuid_model, not from Unicorn's own table (its default CPU is QEMU's
  // qemu64: AuthenticAMD with SSE2 and the hypervisor bit). Returning 1 skips Unicorn's CPUID
  // (qemu/target/i386/misc_helper.c helper_cpuid); pinned by "unicorn: a CPUID hook returning 1
  // replaces CPUID's result". The result is a function of EAX and ECX only, so both run modes
  // see the same CPU.
  static int cpuid_cb(uc_engine* uc, void*) {
    std::uint32_t leaf = 0, subleaf = 0;
    uc_reg_read(uc, UC_X86_REG_EAX, &leaf);
    uc_reg_read(uc, UC_X86_REG_ECX, &subleaf);
    const CpuidResult r = cpuid(leaf, subleaf);
    uc_reg_write(uc, UC_X86_REG_EAX, &r.eax);
    uc_reg_write(uc, UC_X86_REG_EBX, &r.ebx);
    uc_reg_write(uc, UC_X86_REG_ECX, &r.ecx);
    uc_reg_write(uc, UC_X86_REG_EDX, &r.edx);
    return 1;
  }

  // Open bus (docs/machine.md "Memory"): a data read of a physical page with neither RAM nor a
  // device behind it returns all ones and a write is dropped, as on a PC, where nothing drives
  // the data lines and the pull-ups read 0xFF. The page becomes an MMIO page doing that, mapped on
  // its first access (Unicorn retries the access once the hook returns true); Unicorn's mapping
  // is not machine state: a page reads all ones whether mapped yet or not. An instruction fetch
  // stays an error: running code from nowhere is the guest's bug, not a probe.
  static uint64_t open_bus_read(uc_engine*, uint64_t, unsigned, void*) { return ~0ull; }
  static void open_bus_write(uc_engine*, uint64_t, unsigned, uint64_t, void*) {}
  static bool unmapped_cb(uc_engine* uc, uc_mem_type type, uint64_t addr, int, int64_t,
                          void* self) {
    Impl* m = static_cast<Impl*>(self);
    if ((type == UC_MEM_READ_UNMAPPED || type == UC_MEM_WRITE_UNMAPPED) && addr < (1ull << 32) &&
        uc_mmio_map(uc, addr & ~0xFFFull, 0x1000, &Impl::open_bus_read, nullptr,
                    &Impl::open_bus_write, nullptr) == UC_ERR_OK) {
      return true;
    }
    if (m->hooks.on_unmapped)
      m->guarded([&] {
        m->hooks.on_unmapped(static_cast<std::uint32_t>(addr), type == UC_MEM_FETCH_UNMAPPED);
      });
    return false;  // a fetch: the run ends with UC_ERR_FETCH_UNMAPPED
  }

  // Data breakpoints (watch_data): the memory hooks and the every-instruction code hook.
  std::vector<uc_hook> data_hooks;
  UnicornCpu::DataAccessFn data_fn;
  std::function<void()> step_fn;
  static void data_cb(uc_engine*, uc_mem_type type, uint64_t addr, int size, int64_t, void* self) {
    Impl* m = static_cast<Impl*>(self);
    m->guarded([&] {
      m->data_fn(static_cast<std::uint32_t>(addr), static_cast<unsigned>(size),
                 type == UC_MEM_WRITE);
    });
  }
  static void step_cb(uc_engine*, uint64_t, uint32_t, void* self) {
    Impl* m = static_cast<Impl*>(self);
    m->guarded([&] { m->step_fn(); });
  }

  // Trace mode's store watch (watch_stores): one unbounded UC_HOOK_MEM_WRITE.
  uc_hook store_hook = 0;
  UnicornCpu::StoreFn store_fn = nullptr;
  void* store_ctx = nullptr;
  static void store_cb(uc_engine*, uc_mem_type, uint64_t addr, int size, int64_t value,
                       void* self) {
    Impl* m = static_cast<Impl*>(self);
    m->store_fn(m->store_ctx, static_cast<std::uint32_t>(addr), static_cast<unsigned>(size),
                static_cast<std::uint64_t>(value));
  }

  bool running = false;  // inside uc_emu_start (run())
  // restore_context from a hook: done again once the CPU has stopped.
  struct Restore {
    CpuContext context;
    std::vector<std::uint32_t> changed_pages;
  };
  std::optional<Restore> restore_after_run;
  void load(const CpuContext& c) {
    if (c.bytes.size() != uc_context_size(uc))
      throw std::logic_error("unicorn: restore_context: a context from another engine");
    std::memcpy(ctx, c.bytes.data(), c.bytes.size());
    check(uc_context_restore(uc, ctx), "context_restore");
  }
  // WORKAROUND(unicorn 2.1.1): no API drops translations by physical address, and UC_CTL_TB_FLUSH
  // zeroes the whole translation buffer (tcg_region_assign's memset, ~0.2 s and its pages
  // faulted in every time). uc_ctl_remove_cache takes a linear address, translated once at its
  // start (see invalidate_code): with CR0.PG clear, linear is physical. So paging is switched off
  // for the drop; the context loaded next sets CR0 (and everything else) back. Pinned by "unicorn:
  // with paging off, remove_cache at a physical address drops code translated under paging".
  void drop_code(const std::vector<std::uint32_t>& pages) {
    if (pages.empty()) return;
    std::uint32_t cr0 = 0;
    check(uc_reg_read(uc, UC_X86_REG_CR0, &cr0), "CR0 read");
    constexpr std::uint32_t kPG = 1u << 31;
    if (cr0 & kPG) {
      cr0 &= ~kPG;
      check(uc_reg_write(uc, UC_X86_REG_CR0, &cr0), "CR0 write");
    }
    for (std::uint32_t p : pages)
      check(uc_ctl_remove_cache(uc, p, std::uint64_t{p} + 4096), "drop translations");
  }
  void restore(const CpuContext& c, const std::vector<std::uint32_t>& changed_pages) {
    drop_code(changed_pages);
    load(c);
    // The TLB maps linear addresses under the page tables of the state left behind (a full TLB
    // flush also empties QEMU's virtual-address jump cache).
    check(uc_ctl_flush_tlb(uc), "flush TLB");
  }

  uc_context* saved() {
    check(uc_context_save(uc, ctx), "context_save");
    return ctx;
  }
};

UnicornCpu::UnicornCpu(std::span<std::uint8_t> ram, bool per_instruction, CpuHooks hooks)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.hooks = std::move(hooks);
  m.failed_flag = &failed_;
  check(uc_open(UC_ARCH_X86, UC_MODE_32, &m.uc), "open");
  check(uc_context_alloc(m.uc, &m.ctx), "context_alloc");
  check(uc_mem_map_ptr(m.uc, 0, ram.size(), UC_PROT_ALL, ram.data()), "map RAM");
  // WORKAROUND(unicorn 2.0.1-2.1.1): uc_emu_start translates its `until` address to drop code
  // there; with paging on, that walk of ~0 fails and leaves CR2 = 0xfffffffe and a fault "in
  // flight" (the guest's next exception then becomes #DF). With exits enabled and none set, `until`
  // is ignored: run() stops only through hooks, HLT or errors, as it wants. Pinned by "unicorn:
  // with paging on, uc_emu_start's until address clobbers CR2 unless exits are enabled".
  check(uc_ctl_exits_enable(m.uc), "exits enable");
  uc_hook h;
  // Hooks must exist before the first translation (a hook added later is not called from code
  // already translated), so the mode is fixed at construction.
  if (per_instruction) {
    check(uc_hook_add(m.uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(m.hooks.on_insn),
                      m.hooks.on_insn_ctx, 1, 0),
          "hook code");
  } else {
    check(uc_hook_add(m.uc, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(m.hooks.on_block),
                      m.hooks.on_block_ctx, 1, 0),
          "hook block");
  }
  check(uc_hook_add(m.uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&Impl::intr_cb), &m, 1, 0),
        "hook intr");
  check(uc_hook_add(m.uc, &h, UC_HOOK_INSN_INVALID, reinterpret_cast<void*>(&Impl::invalid_cb), &m,
                    1, 0),
        "hook invalid insn");
  check(uc_hook_add(m.uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Impl::in_cb), &m, 1, 0,
                    UC_X86_INS_IN),
        "hook in");
  check(uc_hook_add(m.uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Impl::out_cb), &m, 1, 0,
                    UC_X86_INS_OUT),
        "hook out");
  check(uc_hook_add(m.uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Impl::cpuid_cb), &m, 1, 0,
                    UC_X86_INS_CPUID),
        "hook cpuid");
  check(uc_hook_add(m.uc, &h, UC_HOOK_MEM_UNMAPPED, reinterpret_cast<void*>(&Impl::unmapped_cb), &m,
                    1, 0),
        "hook unmapped");
}

UnicornCpu::~UnicornCpu() {
  if (impl_->ctx) uc_context_free(impl_->ctx);
  if (impl_->uc) uc_close(impl_->uc);
}

CpuRunResult UnicornCpu::run(std::uint32_t start_eip) {
  // `until` is a 64-bit address no 32-bit EIP can equal: we stop only through hooks, HLT or errors.
  // (Never the `timeout` argument: it starts a host thread and reads host time.)
  impl_->running = running_ = true;
  uc_err e = uc_emu_start(impl_->uc, start_eip, ~0ull, 0, 0);
  impl_->running = running_ = false;
  failed_ = false;
  if (impl_->restore_after_run) {
    auto r = std::move(*impl_->restore_after_run);
    impl_->restore_after_run.reset();
    impl_->restore(r.context, r.changed_pages);
    e = UC_ERR_OK;  // a stop of ours
  }
  if (impl_->failure) std::rethrow_exception(std::exchange(impl_->failure, nullptr));
  CpuRunResult r;
  switch (e) {
    case UC_ERR_OK:
      r.exit = CpuExit::kStopped;
      return r;
    case UC_ERR_INSN_INVALID:
      r.exit = CpuExit::kInvalidInsn;
      break;
    case UC_ERR_READ_UNMAPPED:
    case UC_ERR_WRITE_UNMAPPED:
    case UC_ERR_FETCH_UNMAPPED:
      r.exit = CpuExit::kUnmapped;
      break;
    default:
      r.exit = CpuExit::kOtherError;
      break;
  }
  r.error = uc_strerror(e);
  return r;
}

void UnicornCpu::fail(std::exception_ptr e) {
  failed_ = true;
  if (!impl_->failure) impl_->failure = std::move(e);
  uc_emu_stop(impl_->uc);
}

void UnicornCpu::stop() {
  uc_emu_stop(impl_->uc);
}

CpuContext UnicornCpu::save_context() const {
  uc_context* c = impl_->saved();
  const auto* p = reinterpret_cast<const std::uint8_t*>(c);
  return CpuContext{std::vector<std::uint8_t>(p, p + uc_context_size(impl_->uc))};
}

void UnicornCpu::restore_context(const CpuContext& c, std::vector<std::uint32_t> changed_pages) {
  disarm_stop();
  if (impl_->running) {
    impl_->load(c);  // for the registers read before the CPU stops
    impl_->restore_after_run = Impl::Restore{c, std::move(changed_pages)};
    uc_emu_stop(impl_->uc);
    return;
  }
  impl_->restore(c, changed_pages);
}

std::uint32_t UnicornCpu::reg(Reg r) const {
  if (r == Reg::kTr) return tr_selector();
  if (r == Reg::kCpl) return cpl();
  std::uint32_t v = 0;
  uc_reg_read(impl_->uc, uc_reg_id(r), &v);
  return v;
}

void UnicornCpu::read_regs(std::uint32_t* out, std::size_t n) const {
  static const auto ids = [] {
    std::array<int, static_cast<std::size_t>(Reg::kCr4) + 1> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = uc_reg_id(static_cast<Reg>(i));
    return a;
  }();
  int which[ids.size()];
  void* ptrs[ids.size()];
  int k = 0;
  n = std::min(n, ids.size());
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = 0;  // Unicorn writes only the low 16 bits of a selector
    if (ids[i] == UC_X86_REG_INVALID) continue;  // TR and CPL: below
    which[k] = ids[i];
    ptrs[k++] = &out[i];
  }
  uc_reg_read_batch(impl_->uc, which, ptrs, k);
  constexpr auto kTr = static_cast<std::size_t>(Reg::kTr),
                 kCpl = static_cast<std::size_t>(Reg::kCpl);
  if (n > kTr) out[kTr] = tr_selector();
  if (n > kCpl) out[kCpl] = out[static_cast<std::size_t>(Reg::kCs)] & 3u;
}

void UnicornCpu::read_regs_masked(std::uint32_t* out, std::uint32_t mask) const {
  // A constant table, not a function-local static: this runs on every instruction of a trace.
  static constexpr auto ids = [] {
    std::array<int, static_cast<std::size_t>(Reg::kEflags) + 1> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = uc_reg_id(static_cast<Reg>(i));
    return a;
  }();
  int which[ids.size()];
  void* ptrs[ids.size()];
  int n = 0;
  mask &= (1u << ids.size()) - 1;
  for (; mask; mask &= mask - 1) {
    const int r = __builtin_ctz(mask);
    which[n] = ids[static_cast<std::size_t>(r)];
    ptrs[n++] = &out[r];
  }
  if (n) uc_reg_read_batch(impl_->uc, which, ptrs, n);
}

void UnicornCpu::set_reg(Reg r, std::uint32_t v) {
  if (uc_reg_id(r) == UC_X86_REG_INVALID)
    throw std::logic_error(fmt::format("UnicornCpu::set_reg: register {} cannot be written",
                                       static_cast<unsigned>(r)));
  if (r == Reg::kCr2) return set_cr2(v);
  check(uc_reg_write(impl_->uc, uc_reg_id(r), &v), "reg_write");
}

// WORKAROUND(unicorn 2.1.1): uc_reg_write of CR2 also loads the value into CR3 (its x86 reg_write
// sends CR1, CR2 and CR3 alike through cpu_x86_update_cr3 before storing cr[n]), so a #PF raised
// while delivering (the TSS or the frame on a not-present page: machine.cpp, issue 12) switched the
// guest to page tables at its fault address and ended in a triple fault. CR3 is written back.
// Pinned by "unicorn: writing CR2 also loads it into CR3"; can go when that test fails.
void UnicornCpu::set_cr2(std::uint32_t v) {
  std::uint32_t cr3 = 0;
  check(uc_reg_read(impl_->uc, UC_X86_REG_CR3, &cr3), "reg_read");
  check(uc_reg_write(impl_->uc, UC_X86_REG_CR2, &v), "reg_write");
  check(uc_reg_write(impl_->uc, UC_X86_REG_CR3, &cr3), "reg_write");
}

DescriptorTableReg UnicornCpu::gdtr() const {
  uc_x86_mmr m{};
  uc_reg_read(impl_->uc, UC_X86_REG_GDTR, &m);
  return {static_cast<std::uint32_t>(m.base), m.limit};
}
DescriptorTableReg UnicornCpu::idtr() const {
  uc_x86_mmr m{};
  uc_reg_read(impl_->uc, UC_X86_REG_IDTR, &m);
  return {static_cast<std::uint32_t>(m.base), m.limit};
}
void UnicornCpu::set_gdtr(DescriptorTableReg v) {
  uc_x86_mmr m{0, v.base, v.limit, 0};
  check(uc_reg_write(impl_->uc, UC_X86_REG_GDTR, &m), "GDTR write");
}
void UnicornCpu::set_idtr(DescriptorTableReg v) {
  uc_x86_mmr m{0, v.base, v.limit, 0};
  check(uc_reg_write(impl_->uc, UC_X86_REG_IDTR, &m), "IDTR write");
}
std::uint16_t UnicornCpu::tr_selector() const {
  uc_x86_mmr m{};
  uc_reg_read(impl_->uc, UC_X86_REG_TR, &m);
  return m.selector;
}
std::uint32_t UnicornCpu::tr_base() const {
  uc_x86_mmr m{};
  uc_reg_read(impl_->uc, UC_X86_REG_TR, &m);
  return static_cast<std::uint32_t>(m.base);
}
std::uint32_t UnicornCpu::tr_limit() const {
  uc_x86_mmr m{};
  uc_reg_read(impl_->uc, UC_X86_REG_TR, &m);
  return m.limit;
}

unsigned UnicornCpu::cpl() const {
  // In protected mode CS.RPL is the CPL (Intel SDM vol. 3A 5.5); forkscope never runs conforming
  // code.
  return reg(Reg::kCs) & 3u;
}

bool UnicornCpu::read(std::uint32_t phys, void* out, std::size_t n) const {
  return uc_mem_read(impl_->uc, phys, out, n) == UC_ERR_OK;
}
bool UnicornCpu::write(std::uint32_t phys, const void* in, std::size_t n) {
  // Does not drop translated code (pinned by "unicorn: uc_mem_write of physical RAM keeps code
  // translated from it, and remove_cache at a linear address drops it"): invalidate_code does.
  return uc_mem_write(impl_->uc, phys, in, n) == UC_ERR_OK;
}

// WORKAROUND(unicorn 2.0.1-2.1.1, no API to raise an interrupt): uc_reg_write of SS/CS is checked
// against the current CPL like a guest MOV, so from ring 3 a ring-0 SS cannot be written. A raw CR0
// store with PE clear makes the next SS write a real-mode load (DPL 0, hence CPL 0); CR0 is then
// restored and the real selectors loaded. Pinned by "unicorn: ring-0 SS can be loaded from CPL 3
// through the PE toggle".
void UnicornCpu::load_ring0(std::uint16_t cs, std::uint32_t eip, std::uint16_t ss,
                            std::uint32_t esp) {
  if (cpl() != 0) {
    std::uint32_t cr0 = reg(Reg::kCr0);
    set_reg(Reg::kCr0, cr0 & ~1u);
    set_reg(Reg::kSs, ss);
    set_reg(Reg::kCr0, cr0);
  }
  set_reg(Reg::kSs, ss);
  set_reg(Reg::kEsp, esp);
  set_reg(Reg::kCs, cs);
  set_reg(Reg::kEip, eip);
}

void UnicornCpu::load_cs_eip(std::uint16_t cs, std::uint32_t eip) {
  if (reg(Reg::kCs) != cs) set_reg(Reg::kCs, cs);
  set_reg(Reg::kEip, eip);
}

void UnicornCpu::load_flat_boot_segments(std::uint16_t cs, std::uint16_t ds) {
  // Multiboot 0.6.96 3.2: CS a 32-bit read/execute segment and DS/ES/FS/GS/SS read/write segments,
  // all offset 0 and limit 0xFFFFFFFF; the selector values are undefined. Linux's boot.rst (32-bit
  // boot protocol) asks the same at __BOOT_CS/__BOOT_DS. Unicorn loads a selector only through a
  // GDT, so a boot GDT is placed in free conventional memory at 0x600 (the guest must load its own
  // GDT before touching a segment register, as both protocols say).
  constexpr std::uint32_t kBootGdt = 0x600;
  constexpr std::uint64_t kCode = 0x00CF9A000000FFFFull, kData = 0x00CF92000000FFFFull;
  std::uint64_t gdt[8] = {};
  const unsigned ci = cs >> 3, di = ds >> 3;
  if (ci == 0 || di == 0 || ci == di || ci >= 8 || di >= 8 || (cs & 7) || (ds & 7))
    throw std::invalid_argument("boot: bad boot GDT selectors");
  gdt[ci] = kCode;
  gdt[di] = kData;
  const std::size_t bytes = (std::max(ci, di) + 1) * sizeof gdt[0];
  if (!write(kBootGdt, gdt, bytes)) throw std::runtime_error("boot: RAM too small for boot GDT");
  set_gdtr({kBootGdt, static_cast<std::uint32_t>(bytes - 1)});
  set_reg(Reg::kSs, ds);
  for (Reg r : {Reg::kDs, Reg::kEs, Reg::kFs, Reg::kGs}) set_reg(r, ds);
  set_reg(Reg::kCs, cs);
}

// WORKAROUND(unicorn 2.0.1-2.1.1): no API for an exception's error code; it is read from the
// context blob at an offset calibrated at start-up (context_layout()). Can go when uc exposes it.
std::uint32_t UnicornCpu::pending_error_code() const {
  std::uint32_t v = 0;
  std::memcpy(&v, blob(impl_->saved()) + context_layout().error_code, 4);
  return v;
}

// WORKAROUND(unicorn 2.0.1-2.1.1): QEMU's old_exception is never reset, so the second exception of
// a run is promoted to #DF and the third silently ends uc_emu_start. forkscope does its own #DF
// logic, so every exception resets it to -1.
void UnicornCpu::clear_exception_in_flight() {
  uc_context* c = impl_->saved();
  const std::int32_t none = -1;
  std::memcpy(blob(c) + context_layout().old_exception, &none, 4);
  check(uc_context_restore(impl_->uc, c), "context_restore");
}

// WORKAROUND(unicorn 2.0.1-2.1.1): the STI/MOV SS interrupt shadow (QEMU HF_INHIBIT_IRQ, hflags bit
// 3) has no register; read it from the blob.
bool UnicornCpu::interrupt_shadow() const {
  std::uint32_t hflags = 0;
  std::memcpy(&hflags, blob(impl_->saved()) + context_layout().hflags, 4);
  return (hflags & (1u << 3)) != 0;
}

void UnicornCpu::arm_stop_at(std::uint32_t addr) {
  disarm_stop();
  uc_hook h;
  check(uc_hook_add(impl_->uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&Impl::stop_cb),
                    impl_.get(), addr, addr),
        "hook stop point");
  stop_hook_ = h;
  stop_addr_ = addr;
  uc_ctl_remove_cache(impl_->uc, addr, addr + 1);
}

void UnicornCpu::sync_flags_through(std::uint32_t from, std::uint32_t to) {
  // QEMU 5.0's translator, which Unicorn 2.1.1 is, keeps the arithmetic flags lazily (the last
  // operation and its operands, cc_op/cc_src/cc_dst) and writes a pending cc_op back to the CPU
  // state before every helper that reads it (gen_update_cc_op), except CMPXCHG8B's (translate.c,
  // case 0x1c7): helper_cmpxchg8b computes EFLAGS from the CPU's stale cc_op with the new operands,
  // keeps ZF's update and stores the rest as the flags. After `sub %ebx, %eax` at a run's start the
  // stale cc_op is CC_OP_EFLAGS and EBX itself becomes EFLAGS: TF on, a #DB on the next instruction
  // (Debian's Linux 6.1 in kmem_cache_alloc, `cmpxchg8b %fs:(%esi)`). Unicorn writes the pending
  // cc_op back before an instruction that has a code hook (disas_insn: sync_eflags when cc_op
  // changed since the block's last hooked instruction), so a no-op hook there fixes the helper's
  // input. The hook covers the block from its start, not the CMPXCHG8B alone: "changed since the
  // last hooked instruction" misses a cc_op written back by an unhooked instruction in between
  // (after an RDTSC site's hook, say). Trace mode hooks every instruction and needs nothing. Pinned
  // by "unicorn: CMPXCHG8B computes the flags from a stale cc_op unless a code hook precedes it".
  uc_hook h;
  auto noop = +[](uc_engine*, uint64_t, uint32_t, void*) {};
  check(uc_hook_add(impl_->uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(noop), nullptr, from, to),
        "hook cmpxchg8b flags");
  uc_ctl_remove_cache(impl_->uc, from, to + 1);
}

void UnicornCpu::disarm_stop() {
  if (stop_hook_ == 0) return;
  // Drop the translation that calls the hook too, so the code runs hook-free again.
  uc_hook_del(impl_->uc, stop_hook_);
  uc_ctl_remove_cache(impl_->uc, stop_addr_, stop_addr_ + 1);
  stop_hook_ = 0;
}

void UnicornCpu::watch_rdtsc(std::uint32_t addr, std::uint32_t len) {
  uc_hook h;
  check(uc_hook_add(impl_->uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&Impl::rdtsc_cb),
                    impl_.get(), addr, addr),
        "hook rdtsc");
  check(uc_hook_add(impl_->uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&Impl::rdtsc_cb),
                    impl_.get(), addr + len, addr + len),
        "hook rdtsc");
  uc_ctl_remove_cache(impl_->uc, addr, addr + len + 1);
}

void UnicornCpu::add_address_hook(std::uint32_t addr, std::function<void(std::uint32_t)> fn) {
  impl_->address_fns.push_back(Impl::AddressHook{impl_.get(), std::move(fn)});
  uc_hook h;
  check(uc_hook_add(impl_->uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&Impl::address_cb),
                    &impl_->address_fns.back(), addr, addr),
        "hook address");
  uc_ctl_remove_cache(impl_->uc, addr, addr + 1);
}

void UnicornCpu::set_fetch_limit(std::uint32_t addr) {
  std::uint64_t exit = addr;
  check(uc_ctl_set_exits(impl_->uc, &exit, addr ? 1 : 0), "set exits");
  // The translation that ran into `addr` failed and left nothing behind; code translated before
  // (a block ending earlier) needs no limit. Nothing to drop.
}

void UnicornCpu::invalidate_code(std::uint32_t begin, std::uint32_t end) {
  // uc_ctl_remove_cache translates `begin` once (get_page_addr_code) and drops the physical range
  // from there, so a range that spans pages (perhaps discontiguous frames) goes a page at a time.
  for (std::uint64_t a = begin; a < end;) {
    const std::uint64_t page_end = std::min<std::uint64_t>((a | 0xFFF) + 1, end);
    uc_ctl_remove_cache(impl_->uc, a, page_end);
    a = page_end;
  }
}

void UnicornCpu::watch_data(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& ranges,
                            DataAccessFn on_access, std::function<void()> on_boundary) {
  Impl& m = *impl_;
  for (uc_hook h : m.data_hooks) uc_hook_del(m.uc, h);
  m.data_hooks.clear();
  m.data_fn = std::move(on_access);
  m.step_fn = std::move(on_boundary);
  for (auto [lo, hi] : ranges) {
    // Unicorn bounds a memory hook by the access's first byte: an access of up to 8 bytes that
    // starts below the range and reaches into it must be seen too (on_access filters).
    const std::uint32_t from = lo >= 7 ? lo - 7 : 0;
    uc_hook h;
    check(uc_hook_add(m.uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
                      reinterpret_cast<void*>(&Impl::data_cb), &m, from, hi),
          "hook data breakpoint");
    m.data_hooks.push_back(h);
  }
  // Unicorn checks for a stop only before an instruction with a code hook, so the stop after the
  // access needs one on every instruction (and code translated earlier has none: drop it all, with
  // the hooks or without them).
  if (!ranges.empty()) {
    uc_hook h;
    check(uc_hook_add(m.uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&Impl::step_cb), &m, 1, 0),
          "hook data breakpoint step");
    m.data_hooks.push_back(h);
  }
  // (Not UC_CTL_TB_FLUSH: in 2.0.1 it zeroes the whole translation buffer, ~0.5 s a time.)
  check(uc_ctl_remove_cache(m.uc, 0, 1ull << 32), "drop translations");
}

void UnicornCpu::watch_stores(StoreFn fn, void* ctx) {
  Impl& m = *impl_;
  if (m.store_hook) check(uc_hook_del(m.uc, m.store_hook), "unhook stores");
  m.store_hook = 0;
  m.store_fn = fn;
  m.store_ctx = ctx;
  if (fn)
    check(uc_hook_add(m.uc, &m.store_hook, UC_HOOK_MEM_WRITE,
                      reinterpret_cast<void*>(&Impl::store_cb), &m, 1, 0),
          "hook stores");
  // Code translated before decided its stores' path then (tcg-target.inc.c: the fast path only
  // while no memory hook exists): drop it, so every store reaches the hook.
  check(uc_ctl_remove_cache(m.uc, 0, 1ull << 32), "drop translations");
}

std::size_t UnicornCpu::data_hooks() const {
  return impl_->data_hooks.size();
}

// ---- calibration
// ----------------------------------------------------------------------------------

namespace {

struct Scratch {
  uc_engine* uc = nullptr;
  uc_context* ctx = nullptr;
  std::vector<std::vector<std::uint8_t>> snaps;  // blob copies taken in hooks
  std::vector<std::uint32_t> vectors;
  std::size_t size = 0;
  ~Scratch() {
    if (ctx) uc_context_free(ctx);
    if (uc) uc_close(uc);
  }
  void snap() {
    uc_context_save(uc, ctx);
    snaps.emplace_back(blob(ctx), blob(ctx) + size);
  }
};

std::vector<std::size_t> offsets_with(const std::vector<std::uint8_t>& b, std::uint32_t value) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i + 4 <= b.size(); i += 4) {
    std::uint32_t v;
    std::memcpy(&v, b.data() + i, 4);
    if (v == value) out.push_back(i);
  }
  return out;
}

ContextLayout calibrate() {
  // A scratch engine runs: sti; nop; (code hook snapshots hflags at both) then faults with known
  // codes.
  Scratch s;
  check(uc_open(UC_ARCH_X86, UC_MODE_32, &s.uc), "calibrate: open");
  check(uc_context_alloc(s.uc, &s.ctx), "calibrate: context");
  // The CPU state's own size: the header's first field (uc_context_size() counts the header too,
  // so copying that many bytes from the state's start would read past the allocation).
  std::memcpy(&s.size, s.ctx, sizeof s.size);
  if (s.size + kContextHeader > uc_context_size(s.uc))
    throw std::runtime_error("unicorn: context calibration: unexpected uc_context layout");
  check(uc_mem_map(s.uc, 0, 0x10000, UC_PROT_ALL), "calibrate: map");
  const std::uint64_t gdt[3] = {0, 0x00CF9A000000FFFFull, 0x00CF92000000FFFFull};
  uc_mem_write(s.uc, 0x100, gdt, sizeof gdt);
  uc_x86_mmr g{0, 0x100, sizeof gdt - 1, 0};
  uc_reg_write(s.uc, UC_X86_REG_GDTR, &g);
  int sel = 0x10;
  uc_reg_write(s.uc, UC_X86_REG_SS, &sel);
  uc_reg_write(s.uc, UC_X86_REG_DS, &sel);
  int esp = 0x8000;
  uc_reg_write(s.uc, UC_X86_REG_ESP, &esp);
  // 0x1000: sti; nop; mov $0x43,%ax; mov %ax,%ds (#GP 0x40); 0x100c: mov $0x53,%ax; mov %ax,%ds
  // (#GP 0x50)
  const std::uint8_t code[] = {0xFB, 0x90, 0x66, 0xB8, 0x43, 0x00, 0x8E, 0xD8, 0x90, 0x90,
                               0x90, 0x90, 0x66, 0xB8, 0x53, 0x00, 0x8E, 0xD8, 0xF4};
  uc_mem_write(s.uc, 0x1000, code, sizeof code);
  uc_hook h;
  auto code_cb = +[](uc_engine*, uint64_t addr, uint32_t, void* p) {
    auto* sc = static_cast<Scratch*>(p);
    if (addr == 0x1001 || addr == 0x1002) sc->snap();
  };
  uc_hook_add(s.uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(code_cb), &s, 0x1001, 0x1002);
  auto intr_cb = +[](uc_engine* uc, uint32_t intno, void* p) {
    auto* sc = static_cast<Scratch*>(p);
    sc->vectors.push_back(intno);
    sc->snap();
    // Resume past the faulting `mov %ax,%ds` (2 bytes); EIP is the faulting instruction for a
    // fault.
    std::uint32_t eip;
    uc_reg_read(uc, UC_X86_REG_EIP, &eip);
    eip += 2;
    uc_reg_write(uc, UC_X86_REG_EIP, &eip);
    if (sc->vectors.size() == 1) {
      // Reset every candidate old_exception (value 13) to -1, so the second #GP stays #GP.
      uc_context_save(uc, sc->ctx);
      for (std::size_t off : offsets_with(sc->snaps.back(), 13)) {
        std::int32_t none = -1;
        std::memcpy(blob(sc->ctx) + off, &none, 4);
      }
      uc_context_restore(uc, sc->ctx);
    }
  };
  uc_hook_add(s.uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(intr_cb), &s, 1, 0);
  uc_emu_start(s.uc, 0x1000, 0x1000 + sizeof code, 0, 50);
  if (s.snaps.size() != 4 || s.vectors.size() != 2 || s.vectors[0] != 13 || s.vectors[1] != 13) {
    throw std::runtime_error(fmt::format(
        "unicorn: context calibration failed ({} snapshots, {} exceptions); this Unicorn build is "
        "not the 2.1.1 forkscope was written for",
        s.snaps.size(), s.vectors.size()));
  }
  ContextLayout L;
  // hflags: bit 3 set in the STI shadow (at the nop), clear one instruction later. Prefer the
  // offset measured when it qualifies (from the start of the CPU state: 176, 5352, 5464, the same
  // in Debian's 2.0.1 and the pinned 2.1.1; UNICORN-NOTES.md counts them from the uc_context
  // start).
  std::optional<std::size_t> hflags;
  for (std::size_t i = 0; i + 4 <= s.size; i += 4) {
    std::uint32_t a, b;
    std::memcpy(&a, s.snaps[0].data() + i, 4);
    std::memcpy(&b, s.snaps[1].data() + i, 4);
    if ((a & 8u) && !(b & 8u) && (a & ~8u) == (b & ~8u) && (!hflags || i == 176)) hflags = i;
  }
  // error code: 0x40 at the first #GP and 0x50 at the second.
  std::optional<std::size_t> err;
  for (std::size_t off : offsets_with(s.snaps[2], 0x40)) {
    std::uint32_t v;
    std::memcpy(&v, s.snaps[3].data() + off, 4);
    if (v == 0x50 && (!err || off == 5352)) err = off;
  }
  // old_exception: 13 after the first #GP (and reset by us before the second, which stayed #GP).
  std::optional<std::size_t> old;
  for (std::size_t off : offsets_with(s.snaps[2], 13)) {
    if (!old || off == 5464) old = off;
  }
  if (!hflags || !err || !old) {
    throw std::runtime_error(
        "unicorn: context calibration found no offset for hflags/error code/"
        "old_exception; this Unicorn build is not supported");
  }
  L.header = kContextHeader;
  L.hflags = *hflags;
  L.error_code = *err;
  L.old_exception = *old;
  return L;
}

}  // namespace

std::string unicorn_version() {
  unsigned major = 0, minor = 0;
  const unsigned v = uc_version(&major, &minor);
  // uc_version's full form: major << 24 | minor << 16 | patch << 8 | extra (unicorn.h
  // UC_MAKE_VERSION).
  return fmt::format("{}.{}.{}", major, minor, (v >> 8) & 0xFF);
}

const ContextLayout& context_layout() {
  static const ContextLayout layout = calibrate();
  return layout;
}

}  // namespace fs
