// The PC: RAM, the CPU (Unicorn behind emu/unicorn_cpu), the port bus with PIT, PIC pair, UART and
// debug-exit, the cycle clock, and the run loop that delivers interrupts at exact instruction
// boundaries.
//
// Run loop (DESIGN.md "The machine"): run the CPU until the next device deadline, bring the devices
// up to that cycle, deliver a pending IRQ when IF=1 and no STI/MOV SS shadow is active, repeat. An
// interrupt is taken at the first instruction boundary whose cycle count is at or after its
// deadline, never early. Fast mode pays per translated block; trace mode (per_instruction) per
// instruction; both charge the same cycles to the same instructions, so they deliver interrupts at
// the same boundaries.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "devices/debug_exit.hpp"
#include "devices/pic8259.hpp"
#include "devices/pit8254.hpp"
#include "devices/port_bus.hpp"
#include "devices/uart16550.hpp"
#include "emu/block_cache.hpp"
#include "emu/clock.hpp"
#include "emu/debug_registers.hpp"
#include "emu/guest_ram.hpp"
#include "emu/interrupt.hpp"
#include "emu/paging.hpp"
#include "emu/ram_size.hpp"
#include "emu/reg_writes.hpp"
#include "emu/unicorn_cpu.hpp"
#include "loader/elf_image.hpp"
#include "loader/symbols.hpp"

namespace fs {

// The RAM sizes --ram accepts (kMinRamBytes, kMaxRamBytes): emu/ram_size.hpp.

struct MachineOptions {
  std::uint64_t ram_bytes = 64ull << 20;
  std::uint64_t cpu_hz = 100'000'000;
  std::uint64_t max_cycles = 3'000'000'000ull;  // 30 guest seconds at 100 MHz
  std::string cmdline;
  std::string initrd;            // a Linux bzImage's initial RAM disk (a path; empty: none)
  bool per_instruction = false;  // trace mode: a hook on every instruction
  std::function<void(std::uint8_t)> serial_out;  // default: stdout
  // The bytes COM1 receives (devices/uart16550.hpp, open question 3), or none: no input connected
  // (MSR.DCD low). Given, forkscope appends end of input as a terminal user types it: ^D (0x04)
  // after the last byte, and one more ^D first when the last line has no '\n' (the first ends that
  // line, the second, at the start of a line, is end of file).
  std::optional<std::vector<std::uint8_t>> serial_input;
};

// What COM1's far end sends for `input`: the bytes, then ^D (two when the last line is unended).
std::vector<std::uint8_t> serial_input_with_eof(std::vector<std::uint8_t> input);

// Why a run ended, and the process exit status each maps to (emu/exit_status.hpp).
enum class StopReason : std::uint8_t {
  kGuestExit,    // the guest wrote v to the debug-exit port: 0 for 0, else ((v << 1) | 1) & 0xff
  kTripleFault,  // status 6
  kHaltedNoIrq,  // HLT with IF=0, or with IF=1 and no device event ever due: status 4
  kGuestError,   // an access to unmapped memory, an unsupported state: status 8
  kCycleLimit,   // --max-cycles reached: status 124, like timeout(1)
  kKilled,       // a debugger killed the run (gdb's `kill`): status 130, as a shell reports ^C
};
int exit_status_for(StopReason r, std::uint32_t guest_value);
const char* stop_reason_name(StopReason r);

struct RunResult {
  StopReason reason = StopReason::kGuestExit;
  std::uint32_t guest_value = 0;
  int exit_status = 0;
  std::string message;  // one line for the user (empty for a clean guest exit)
  std::vector<std::string>
      last_instructions;  // for guest faults: "0060:00101234 <sym+0x4> mov ..."
};

struct MachineStats {
  std::uint64_t instructions = 0;
  std::uint64_t hlts = 0;
  std::array<std::uint64_t, 256> interrupts{};  // delivered, by vector
  std::uint64_t stop_points = 0;                // exact mid-block stops armed
  std::uint64_t blocks = 0;
};

// What delivery did, for observers (tests, trace).
struct DeliveryRecord {
  Event event;
  Delivered delivered;
  std::uint32_t from_eip = 0;  // the return EIP in the frame
  Cycles at = 0;
};

class Machine {
 public:
  explicit Machine(MachineOptions opt);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Loads a multiboot ELF, or a Linux bzImage (with options().initrd), and sets the boot state.
  // Throws LoadError (one line) on bad input.
  void load(const std::string& image_path);
  // The loaded image's identity (loader's image_build_id), for trace headers.
  const std::vector<std::uint8_t>& image_build_id() const { return build_id_; }
  RunResult run();

  // Inspection (valid inside observers and after run()).
  std::uint32_t reg(Reg r) const { return cpu_->reg(r); }
  // Guest memory by linear address, through the guest's page tables as they stand (emu/paging.hpp;
  // no access check: an observer's view). False when a page of the range is not mapped or its
  // frame lies beyond RAM.
  bool read(std::uint32_t linear, void* out, std::size_t n) const;
  std::uint32_t read32(std::uint32_t linear) const;
  // The paging registers now, and where a linear address lands in RAM (nullopt: not mapped).
  PagingRegs paging_regs() const;
  std::optional<std::uint32_t> physical(std::uint32_t linear) const;
  // Guest RAM from physical 0.
  std::span<const std::uint8_t> ram() const { return ram_; }
  const Clock& clock() const { return clock_; }
  const MachineOptions& options() const { return opt_; }
  const MachineStats& stats() const { return stats_; }
  const SymbolTable& symbols() const { return symbols_; }
  const PortBus& bus() const { return bus_; }
  const Uart16550& uart() const { return uart_; }
  std::uint32_t tss_esp0() const;  // TSS.esp0 of the loaded TR (0 when none)
  std::string describe(std::uint32_t addr) const { return symbols_.describe(addr); }
  std::uint64_t unknown_cost_insns() const { return decoder_.unknown_cost_insns(); }

  // Debugger control, valid inside an instruction observer (the instruction has not run yet).
  // set_reg: EAX..EDI and EFLAGS only; EIP and the segment registers are refused (false), since
  // Unicorn (2.0.1 and 2.1.1) leaves the current translated block when EIP is written from a hook,
  // and a segment load needs a descriptor read the machine would have to model.
  bool set_reg(Reg r, std::uint32_t v);
  // Writes guest-physical RAM [phys, phys + n) and drops translated code there and at the linear
  // address `linear` the debugger wrote through. False (nothing written) outside RAM.
  bool write_physical(std::uint32_t phys, std::uint32_t linear, const void* data, std::size_t n);
  // Ends the run before the current instruction: run() returns kKilled with `message`.
  void kill(std::string message) { fatal(StopReason::kKilled, std::move(message), false); }

  // Observers. Breakpoints must be added before run(); they fire before the instruction executes.
  void add_breakpoint(std::uint32_t addr, std::function<void(Machine&)> fn);
  void add_breakpoint(const std::string& symbol, std::function<void(Machine&)> fn);
  void on_delivery(std::function<void(Machine&, const DeliveryRecord&)> fn) {
    delivery_observers_.push_back(std::move(fn));
  }
  // Trace mode only: every instruction boundary, before the instruction, with the cycle count.
  // Inside it, stats().instructions is the instruction's sequence number (0, 1, ...; a faulting
  // instruction does not retire, so the handler's first instruction reuses its number) and
  // current_instruction() its decoding.
  void on_instruction(std::function<void(std::uint32_t eip, Cycles now)> fn) {
    insn_observers_.push_back(std::move(fn));
  }
  // The same for one observer that runs on every instruction (the trace recorder): a plain function
  // pointer, called before the std::function ones. At most one.
  using InsnObserverFn = void (*)(void* ctx, std::uint32_t eip, Cycles now);
  void on_instruction_fast(InsnObserverFn fn, void* ctx) {
    insn_fast_ = fn;
    insn_fast_ctx_ = ctx;
  }
  const DecodedInsn& current_instruction() const { return cur_insn_; }
  // Which of EAX..EDI and EFLAGS the current instruction may write (emu/reg_writes.hpp), in trace
  // mode.
  RegMask current_writes() const { return cur_writes_; }
  // Every port access the guest makes (after the device handled it; for IN, the value read).
  void on_port_io(
      std::function<void(std::uint16_t port, unsigned size, bool is_write, std::uint32_t value)>
          fn) {
    port_observers_.push_back(std::move(fn));
  }
  // Instructions retired that flush the TLB (CR0/CR3/CR4 loads, INVLPG).
  std::uint64_t tlb_flushes() const { return tlb_flushes_; }
  // A HLT that waited: the idle cycles skipped until the interrupt that ends it.
  void on_halt(std::function<void(Cycles idle)> fn) { halt_observers_.push_back(std::move(fn)); }
  // At every pass of the run loop (each device event, interrupt, stop point or HLT: thousands of
  // times a guest second when a timer runs), for a display of progress; it must not change the
  // machine (the CLI's progress line on a terminal).
  void on_progress(std::function<void()> fn) { progress_observer_ = std::move(fn); }
  // The cpu itself, for observers that read many registers at once (the trace recorder).
  const UnicornCpu& cpu() const { return *cpu_; }

 private:
  // machine_linux.cpp: load() for a bzImage: the 32-bit boot protocol's state.
  void load_linux(std::span<const std::uint8_t> image, const std::string& path);
  enum class StopKind : std::uint8_t { kNone, kBoundary, kArm, kFatal, kExit };

  // Hooks (called from inside the CPU run).
  // Unicorn's callback for a hook that runs on every block or instruction: no wrapper, and an
  // exception (a decoder out of memory, an observer's) is handed to the CPU, which stops and
  // rethrows it from run().
  template <void (Machine::*Hook)(std::uint32_t, std::uint32_t)>
  static void hot_hook(void*, std::uint64_t addr, std::uint32_t size, void* self) noexcept {
    auto* m = static_cast<Machine*>(self);
    if (m->cpu_->failed()) [[unlikely]]
      return;
    try {
      (m->*Hook)(static_cast<std::uint32_t>(addr), size);
    } catch (...) {
      m->cpu_->fail(std::current_exception());
    }
  }
  void hook_block(std::uint32_t addr, std::uint32_t size);
  // The rare cases of hook_block: an RDTSC not yet watched, an interrupt waiting, a deadline at or
  // inside block `b` starting at cycle `base`. True when it stopped the CPU.
  bool stop_in_block(std::uint32_t addr, const Block& b, Cycles base);
  void hook_insn(std::uint32_t addr, std::uint32_t size);
  void hook_stop_point(std::uint32_t addr);
  void hook_interrupt(std::uint32_t vector);
  bool hook_invalid_insn();
  std::uint32_t hook_port_in(std::uint16_t port, unsigned size);
  void hook_port_out(std::uint16_t port, unsigned size, std::uint32_t value);
  void hook_rdtsc(std::uint32_t addr);
  void hook_unmapped(std::uint32_t addr, bool fetch);
  // The first instruction from `eip` on whose bytes reach a linear page with no RAM behind it
  // (`eip` itself when it is such an instruction).
  std::uint32_t first_unfetchable(std::uint32_t eip);
  // The live bytes of code about to run at linear `addr`, readable to max(size, kCodeBytes): in RAM
  // when they lie in one page, else copied together into code_scratch_ (zeros where a page is not
  // mapped). The hot path is the last code page's translation.
  static constexpr std::uint32_t kCodeBytes = BlockCache::kLiveBytes;
  const std::uint8_t* code_bytes(std::uint32_t addr, std::uint32_t size) {
    const std::uint32_t off = addr & (kPageSize - 1);
    if (code_page_valid_ && (addr & ~(kPageSize - 1)) == code_page_linear_ &&
        off + std::max(size, kCodeBytes) <= kPageSize) [[likely]] {
      return ram_.data() + code_page_phys_ + off;
    }
    return code_bytes_slow(addr, size);
  }
  const std::uint8_t* code_bytes_slow(std::uint32_t addr, std::uint32_t size);
  // A TLB-flushing instruction retires (or is about to, with its block): the paging registers code
  // is fetched under may change, so they are read again at the next fetch.
  void count_tlb_flush() {
    ++tlb_flushes_;
    code_regs_valid_ = false;
    code_page_valid_ = false;
  }

  // Boundary work (outside the CPU run, or from a hook that then stops).
  // The variable cost of the conditional branch or IRET that ended the last block (or was the last
  // instruction), now that the next one is known.
  void settle_pending_transfer(std::uint32_t next_eip) {
    if (pending_ == Pending::kBranch) {
      if (next_eip != pending_fallthrough_) clock_.now += pending_extra_;
      pending_ = Pending::kNone;
    } else if (pending_ == Pending::kIret) {
      settle_iret();
    }
  }
  void settle_iret();
  void service_devices();
  bool irq_deliverable() const;
  void deliver(Event ev, std::uint32_t return_eip);
  void fatal(StopReason r, std::string message, bool with_history = true);
  void request_stop(StopKind k);
  Cycles io_time();  // the I/O instruction's start; also sets io_retire_*
  std::vector<std::string> history() const;
  std::string where(std::uint32_t eip) const;

  MachineOptions opt_;
  GuestRam ram_;
  Clock clock_;
  MachineStats stats_;
  SymbolTable symbols_;
  Decoder decoder_;
  BlockCache blocks_{decoder_};

  PortBus bus_;
  Pit8254 pit_;
  PicPair pic_;
  Uart16550 uart_;
  DebugExit debug_exit_;
  std::unique_ptr<UnicornCpu> cpu_;
  std::uint64_t tlb_flushes_ = 0;
  // The paging registers code is fetched under, re-read after each TLB-flushing instruction
  // (code_regs()), and the last code page translated.
  const PagingRegs& code_regs();
  PagingRegs code_regs_;
  bool code_regs_valid_ = false;
  bool code_page_valid_ = false;
  std::uint32_t code_page_linear_ = 0;
  std::uint32_t code_page_phys_ = 0;
  std::string unmapped_why_;                // what the unmapped access was (for the report)
  bool unmapped_fetch_ = false;             // ...and whether it was an instruction fetch
  std::uint32_t fetch_limit_ = 0;           // runs end before this instruction (first_unfetchable)
  std::vector<std::uint8_t> code_scratch_;  // code bytes when they straddle discontiguous frames

  std::uint32_t boot_eip_ = 0;
  std::vector<std::uint8_t> build_id_;
  bool loaded_ = false;
  Cycles deadline_ = kNever;  // min(next device event, max_cycles)
  bool irq_line_ = false;     // the PIC's INT pin, cached: read on every block

  // Current block (fast mode) and where it started.
  const Block* block_ = nullptr;
  Cycles block_base_ = 0;
  std::uint64_t block_base_insns_ = 0;
  unsigned block_io_seen_ = 0;
  // Trace mode: the instruction about to retire.
  DecodedInsn cur_insn_{};
  RegMask cur_writes_ = kAllFastRegs;
  // Decoded instructions by address, each checked against the live bytes (code can change under
  // the same address): the first `size` bytes (as Unicorn reports the instruction's size), as
  // little-endian words zero past `size`: the first 8 in the slot, the rest (instructions longer
  // than 8 bytes) in insn_hi_. Half a cache line each.
  struct alignas(32) InsnSlot {
    std::uint32_t addr = ~0u;
    std::uint8_t size = 0;
    RegMask writes = kAllFastRegs;
    DecodedInsn insn;
    std::uint64_t lo = 0;
  };
  std::vector<InsnSlot> insn_cache_ = std::vector<InsnSlot>(1u << 14);  // trace mode only
  std::vector<std::uint64_t> insn_hi_ = std::vector<std::uint64_t>(1u << 14);
  std::unique_ptr<RegWriteSets> write_sets_;  // trace mode only
  InsnObserverFn insn_fast_ = nullptr;
  void* insn_fast_ctx_ = nullptr;
  void decode_into(InsnSlot& slot, std::uint32_t addr, const std::uint8_t* bytes,
                   std::uint32_t size);
  Cycles cur_insn_clock_ = 0;
  bool have_cur_insn_ = false;
  // A conditional branch or IRET whose cost depends on where it went: settled at the next boundary.
  enum class Pending : std::uint8_t { kNone, kBranch, kIret } pending_ = Pending::kNone;
  std::uint32_t pending_fallthrough_ = 0;
  std::uint16_t pending_extra_ = 0;
  unsigned pending_cpl_ = 0;

  StopKind stop_kind_ = StopKind::kNone;
  std::uint32_t stop_block_addr_ = 0;  // when stopped from a block hook (EIP workaround)
  bool stopped_from_block_hook_ = false;
  std::uint32_t arm_addr_ = 0;    // next stop point to arm (StopKind::kArm)
  std::uint32_t armed_addr_ = 0;  // currently armed
  std::vector<std::uint32_t> rdtsc_to_watch_;
  std::vector<std::uint32_t> rdtsc_watched_;
  std::uint32_t rdtsc_after_ = 0;  // the address after an RDTSC being executed
  Cycles rdtsc_value_ = 0;
  std::optional<RunResult> result_;
  std::uint32_t exit_value_ = 0;
  Cycles io_retire_clock_ = 0;  // the current I/O instruction's retirement
  std::uint64_t io_retire_insns_ = 0;
  std::uint32_t io_insn_addr_ = 0;  // the I/O instruction in progress (for device errors)

  // History for reports: recent blocks (fast mode) or instructions (trace mode).
  struct Recent {
    const Block* block;
    std::uint32_t executed;  // instructions of the block retired (or 1 + addr for trace)
    std::uint32_t addr;
  };
  std::array<Recent, 32> recent_{};
  std::size_t recent_pos_ = 0;
  void remember(const Block* b, std::uint32_t executed, std::uint32_t addr);

  // ---- emu/machine_intercept.cpp: instructions forkscope checks or runs itself (issue 12) ----
  // IN/OUT/INS/OUTS above IOPL (emu/io_permission.hpp), MOV to/from DRn and instruction
  // breakpoints (emu/debug_registers.hpp) stop the CPU at the boundary before them; the run loop
  // then checks or executes them. Data breakpoints trap after the access.
  struct Intercept {
    std::uint32_t addr = ~0u;  // the instruction the CPU stopped before (~0: none)
    DecodedInsn insn;
    std::array<std::uint8_t, 16> bytes{};
  };
  int first_intercept(const Block& b);
  bool needs_intercept(const DecodedInsn& in, const std::uint8_t* bytes, bool* cpl_read,
                       bool* above_iopl);
  bool run_intercept();
  void deliver_data_breakpoint();
  void note_cpu_exception(std::uint32_t vector);
  void sync_breakpoints();
  DebugRegisters dr_;
  bool insn_breakpoints_ = false;  // some instruction breakpoint is enabled
  std::vector<std::pair<std::uint32_t, std::uint32_t>> data_watch_;
  std::uint32_t data_hits_ = 0;  // B0-B3 of data breakpoints hit by the current instruction
  Intercept intercept_;
  std::uint32_t intercept_pass_ = ~0u;  // checked and allowed: let the CPU run it once

  std::vector<std::function<void(Machine&, const DeliveryRecord&)>> delivery_observers_;
  std::vector<std::function<void(std::uint32_t, Cycles)>> insn_observers_;
  std::vector<std::function<void(std::uint16_t, unsigned, bool, std::uint32_t)>> port_observers_;
  std::vector<std::function<void(Cycles)>> halt_observers_;
  std::function<void()> progress_observer_;
  std::vector<std::pair<std::uint32_t, std::function<void(Machine&)>>> breakpoints_;
};

}  // namespace fs
