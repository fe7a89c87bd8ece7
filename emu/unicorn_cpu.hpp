// The one door to Unicorn. Nothing else in forkscope includes unicorn.h: every uc_* call, and every
// workaround for what Unicorn 2.1.1 (cmake/unicorn.cmake says why that release) lacks, lives behind
// this class (see ../shared/UNICORN-NOTES.md and tests/unicorn_quirks_test.cpp, which pins each
// workaround's upstream behaviour).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "x86/reg.hpp"

namespace fs {

struct DescriptorTableReg {
  std::uint32_t base = 0;
  std::uint32_t limit = 0;
};

// Why an uc_emu_start returned.
enum class CpuExit : std::uint8_t {
  kStopped,      // uc_emu_stop from a hook, or HLT (the caller tells them apart by its own flags)
  kInvalidInsn,  // UC_ERR_INSN_INVALID not handled by the invalid-instruction hook
  kUnmapped,     // a fetch/read/write of an address with no RAM behind it
  kOtherError,
};

// The CPU state Unicorn keeps, as uc_context_save copies it: QEMU's CPUX86State up to `retaddr`
// (every register with its hidden segment state, the control, debug and descriptor-table registers,
// hflags with the STI/MOV SS shadow, the lazy flags, the FPU). Opaque bytes, valid on the engine
// that saved them; copyable, so a machine snapshot holds one (emu/snapshot.hpp).
struct CpuContext {
  std::vector<std::uint8_t> bytes;  // the whole uc_context, header included
  bool operator==(const CpuContext&) const = default;
};

struct CpuRunResult {
  CpuExit exit = CpuExit::kStopped;
  std::string error;  // uc_strerror text for the error kinds
};

// Callbacks the machine installs. Each is called from inside uc_emu_start.
struct CpuHooks {
  // Start of every translated-block execution (fast mode), and every instruction (trace mode, when
  // `per_instruction` was requested at creation): address and size in bytes. These run on every
  // block or instruction, so Unicorn calls them directly, with Unicorn's own callback signature
  // (`engine` is the uc_engine, `ctx` the *_ctx below), not through a wrapper: they must not throw
  // (report a failure with UnicornCpu::fail instead).
  using HotHook = void (*)(void* engine, std::uint64_t addr, std::uint32_t size,
                           void* ctx) noexcept;
  HotHook on_block = nullptr;
  void* on_block_ctx = nullptr;
  HotHook on_insn = nullptr;
  void* on_insn_ctx = nullptr;
  // A one-shot stop point fired (see arm_stop_at).
  std::function<void(std::uint32_t addr)> on_stop_point;
  // `int n`, int3, into and CPU exceptions (Unicorn's UC_HOOK_INTR).
  std::function<void(std::uint32_t vector)> on_interrupt;
  // An invalid opcode. Return true if the handler redirected execution (it delivered #UD).
  std::function<bool()> on_invalid_insn;
  std::function<std::uint32_t(std::uint16_t port, unsigned size)> on_port_in;
  std::function<void(std::uint16_t port, unsigned size, std::uint32_t value)> on_port_out;
  // Addresses around an RDTSC: called before it executes (at its address) and after (at the next
  // one).
  std::function<void(std::uint32_t addr)> on_rdtsc_site;
  // An access (fetch, read or write) of a physical address with no RAM behind it (a page table
  // naming a frame beyond RAM, or paging off and an address beyond RAM): the run ends with
  // CpuExit::kUnmapped; `addr` is the address Unicorn reports, for the message.
  std::function<void(std::uint32_t addr, bool fetch)> on_unmapped;
};

class UnicornCpu {
 public:
  // Maps `ram` (host memory owned by the caller) at guest-physical 0. With `per_instruction`, a
  // code hook runs on every instruction (trace mode); otherwise only block hooks (fast mode).
  UnicornCpu(std::span<std::uint8_t> ram, bool per_instruction, CpuHooks hooks);
  ~UnicornCpu();
  UnicornCpu(const UnicornCpu&) = delete;
  UnicornCpu& operator=(const UnicornCpu&) = delete;

  CpuRunResult run(std::uint32_t start_eip);
  // From inside a hook that must not throw (on_block, on_insn): stop, and have run() rethrow `e`.
  // Until run() returns, failed() is true: Unicorn may still call the hooks for the rest of the
  // translated block, and they should do nothing.
  void fail(std::exception_ptr e);
  bool failed() const { return failed_; }
  // Inside run(): the CPU is executing (a hook is being called), so register and hook changes
  // reach only code translated after them.
  bool running() const { return running_; }
  void
  stop();  // from inside a hook: stop before the current instruction (code/stop hooks) or block

  // The whole CPU state (emu/snapshot.hpp). Inside a hook it is the state before the current
  // instruction, as the registers read there are.
  CpuContext save_context() const;
  // Loads `c` (saved on this engine), drops the code translated from the physical pages
  // `changed_pages` (their addresses: the caller rewrote their bytes behind the CPU's back) and
  // empties the TLB (the page tables may differ). From inside a hook the CPU also stops before the
  // current instruction, and all this is done again once uc_emu_start has returned (QEMU may write
  // back registers it held across the hook, and must not drop the block it is running): the next
  // run() starts at `c`'s EIP.
  void restore_context(const CpuContext& c, std::vector<std::uint32_t> changed_pages);

  std::uint32_t reg(Reg r) const;
  // The first n registers of Reg's order (EAX .. CR4) in one uc_reg_read_batch (TR's selector and
  // the CPL filled in after it): the trace recorder reads the whole trace register file at once.
  void read_regs(std::uint32_t* out, std::size_t n) const;
  // The registers of `mask` (bit r = 1 << Reg r, EAX .. EFLAGS only) in one uc_reg_read_batch, each
  // into out[r]; the others are left alone. The trace recorder's per-instruction read.
  void read_regs_masked(std::uint32_t* out, std::uint32_t mask) const;
  void set_reg(Reg r, std::uint32_t v);  // CR2 alone, unlike uc_reg_write (set_cr2)
  DescriptorTableReg gdtr() const;
  DescriptorTableReg idtr() const;
  void set_gdtr(DescriptorTableReg v);
  void set_idtr(DescriptorTableReg v);
  std::uint16_t tr_selector() const;
  std::uint32_t tr_base() const;   // the hidden base cached by `ltr`
  std::uint32_t tr_limit() const;  // and its limit (the I/O permission check, issue 12)
  unsigned cpl() const;            // from the hidden SS/CS state (QEMU hflags)

  // Guest memory by physical address (uc_mem_read/uc_mem_write do not translate; emu/paging.hpp
  // does, for the callers that hold linear addresses). write() keeps translated code it overwrites:
  // invalidate_code drops it.
  bool read(std::uint32_t phys, void* out, std::size_t n) const;
  bool write(std::uint32_t phys, const void* in, std::size_t n);

  // Loads ring-0 CS:EIP and SS:ESP whatever the current CPL (the stack switch of an interrupt).
  void load_ring0(std::uint16_t cs, std::uint32_t eip, std::uint16_t ss, std::uint32_t esp);
  // Loads CS:EIP at the current privilege level (an interrupt without privilege change).
  void load_cs_eip(std::uint16_t cs, std::uint32_t eip);
  // Loads flat 4 GiB ring-0 segments for a boot state (before the guest has a GDT): code at
  // selector `cs`, data in DS/ES/FS/GS/SS at `ds` (multiboot: any, 0x08/0x10; Linux's 32-bit boot
  // protocol: __BOOT_CS 0x10, __BOOT_DS 0x18).
  void load_flat_boot_segments(std::uint16_t cs = 0x08, std::uint16_t ds = 0x10);

  // The error code of the exception being reported to on_interrupt (no API in Unicorn).
  std::uint32_t pending_error_code() const;
  // WORKAROUND: clear QEMU's "exception in flight" so the next one is not promoted to #DF by
  // Unicorn.
  void clear_exception_in_flight();
  // True for one instruction after STI or MOV SS (interrupts inhibited).
  bool interrupt_shadow() const;

  // A one-shot stop before the instruction at `addr`: installs a code hook bounded to that address
  // and drops translated code covering it, so the next translation calls the hook.
  void arm_stop_at(std::uint32_t addr);
  // WORKAROUND(unicorn 2.1.1) cmpxchg8b lazy flags: a no-op code hook on every instruction from
  // `from` through `to` (a block's start and its last CMPXCHG8B), so that Unicorn writes the
  // pending flags operation back before each of them (see the comment in emu/unicorn_cpu.cpp).
  void sync_flags_through(std::uint32_t from, std::uint32_t to);
  void disarm_stop();
  bool stop_armed() const { return stop_hook_ != 0; }
  // Adds a persistent hook pair around an RDTSC instruction at `addr` (length `len`).
  void watch_rdtsc(std::uint32_t addr, std::uint32_t len);
  // Breakpoint-style observers (tests, inspectors): persistent code hook at one address.
  void add_address_hook(std::uint32_t addr, std::function<void(std::uint32_t)> fn);
  // Ends every run before the instruction at linear `addr` (0: no such limit): translation stops
  // there without fetching it (uc_ctl_set_exits), so the code before an address with no RAM behind
  // it runs. Drops translated code around `addr` so that the limit applies.
  void set_fetch_limit(std::uint32_t addr);
  // Drop translated code for the linear range [begin, end): the frames the current page tables map
  // it to, whatever linear address the code was run at.
  void invalidate_code(std::uint32_t begin, std::uint32_t end);
  // Data breakpoints (emu/debug_registers.hpp, issue 12): `on_access` sees every read and write
  // that starts inside the inclusive ranges, before the access, and `on_boundary` runs before every
  // instruction meanwhile: a stop requested there lands right after the accessing instruction. (A
  // stop requested inside a memory hook does not: Unicorn leaves the instruction right after the
  // access, before its register write-back.) Costly (memory hooks put every store on Unicorn's slow
  // path, and a code hook runs on every instruction): the machine watches only while a data
  // breakpoint is enabled. An empty list removes the watch.
  using DataAccessFn = std::function<void(std::uint32_t addr, unsigned size, bool write)>;
  void watch_data(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& ranges,
                  DataAccessFn on_access, std::function<void()> on_boundary);
  // Trace mode's memory writes (issue 15): `fn` sees every guest store before it lands, with the
  // *physical* address of its first byte (Unicorn 2.1.1's store_helper passes the frame its TLB
  // holds, after the page walk, so a store that faults on its page is never seen), its size (1, 2,
  // 4, 8) and the value. WORKAROUND(unicorn 2.1.1): no hook reports the linear address; the caller
  // recovers it (emu/store_address.hpp). Costly: any memory hook puts every load and store on
  // Unicorn's slow path, so only trace mode installs it. nullptr removes it.
  using StoreFn = void (*)(void* ctx, std::uint32_t phys, unsigned size, std::uint64_t value);
  void watch_stores(StoreFn fn, void* ctx);
  // The memory and boundary hooks watch_data has installed (0: none, the fast store path is back).
  std::size_t data_hooks() const;

 private:
  void set_cr2(std::uint32_t v);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool failed_ = false;
  bool running_ = false;
  std::size_t stop_hook_ = 0;
  std::uint32_t stop_addr_ = 0;
  friend struct UnicornCpuAccess;
};

// The offsets into Unicorn's context blob (see UNICORN-NOTES.md "Interrupts and exceptions"), found
// at start-up by provoking known events, because they depend on the library build.
struct ContextLayout {
  std::size_t header =
      0;  // where the CPU state starts in a uc_context (the offsets below add to it)
  std::size_t error_code = 0;
  std::size_t old_exception = 0;
  std::size_t hflags = 0;
};
// Calibrates on a scratch engine; throws std::runtime_error with a one-line message if it cannot.
const ContextLayout& context_layout();

// The Unicorn release linked in, asked of the library at run time ("2.1.1").
std::string unicorn_version();

}  // namespace fs
