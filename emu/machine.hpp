// The PC: RAM, the CPU (Unicorn behind emu/unicorn_cpu), the board with its devices
// (emu/pc_board.hpp), the cycle clock, and the run loop that delivers interrupts at exact
// instruction boundaries.
//
// Run loop (DESIGN.md "The machine"): run the CPU until the next device deadline, bring the devices
// up to that cycle, deliver a pending IRQ when IF=1 and no STI/MOV SS shadow is active, repeat. An
// interrupt is taken at the first instruction boundary whose cycle count is at or after its
// deadline, never early. How cycles are charged is the timing's (emu/timing.hpp): fast mode pays
// per translated block (emu/block_timing.hpp), trace mode (per_instruction) per instruction
// (emu/insn_timing.hpp); both charge the same cycles to the same instructions, so they deliver
// interrupts at the same boundaries.
//
// Files: machine.cpp the loop and inspection; emu/pc_board.cpp the devices and their wiring;
// machine_stop.cpp how a run ends; machine_delivery.cpp delivery through the IDT;
// machine_intercept.cpp the instructions forkscope runs itself; emu/hooks.hpp the observers.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "emu/block_cache.hpp"
#include "emu/block_timing.hpp"
#include "emu/clock.hpp"
#include "emu/code_fetch.hpp"
#include "emu/guest_ram.hpp"
#include "emu/hooks.hpp"
#include "emu/insn_timing.hpp"
#include "emu/intercept.hpp"
#include "emu/interrupt.hpp"
#include "emu/paging.hpp"
#include "emu/pc_board.hpp"
#include "emu/ram_size.hpp"
#include "emu/run_state.hpp"
#include "emu/timing.hpp"
#include "emu/unicorn_cpu.hpp"
#include "emu/watchpoints.hpp"
#include "loader/elf_image.hpp"
#include "loader/symbols.hpp"
#include "x86/reg_writes.hpp"

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

struct Snapshot;
struct SnapshotFields;

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
  std::uint32_t reg(Reg r) const {
    return r == Reg::kEip && restart_eip_ ? *restart_eip_ : cpu_->reg(r);  // set_reg's EIP
  }
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
  const Clock& clock() const { return s_.clock; }
  const MachineOptions& options() const { return opt_; }
  const MachineStats& stats() const { return s_.stats; }
  const SymbolTable& symbols() const { return symbols_; }
  // Why symbols() is empty for a bzImage without kallsyms (one line), else "".
  const std::string& symbols_note() const { return symbols_note_; }
  const PortBus& bus() const { return board_.bus(); }
  const Uart16550& uart() const { return board_.uart(); }
  std::uint32_t tss_esp0() const;  // TSS.esp0 of the loaded TR (0 when none)
  std::string describe(std::uint32_t addr) const { return symbols_.describe(addr); }
  std::uint64_t unknown_cost_insns() const { return decoder_.unknown_cost_insns(); }

  // Debugger control, valid inside an instruction observer (the instruction has not run yet).
  // set_reg: EAX..EDI, EFLAGS and EIP; the segment and system registers are refused (false): a
  // segment load needs a descriptor read the machine would have to model. EIP (trace mode) is not
  // written from inside the CPU run (Unicorn would leave its translated block mid-way): the
  // current instruction does not run, the CPU stops, and resumes at the new EIP (restart_at).
  bool set_reg(Reg r, std::uint32_t v);
  // Writes guest-physical RAM [phys, phys + n) and drops translated code there and at the linear
  // address `linear` the debugger wrote through. False (nothing written) outside RAM.
  bool write_physical(std::uint32_t phys, std::uint32_t linear, const void* data, std::size_t n);
  // Ends the run before the current instruction: run() returns kKilled with `message`.
  void kill(std::string message) { fatal(StopReason::kKilled, std::move(message), false); }
  // emu/snapshot.hpp: the whole machine at this boundary (trace mode, inside an instruction
  // observer called from the CPU run: at_snapshot_point()), sharing the RAM pages unchanged since
  // `base`; and back to one, abandoning the current instruction: the run goes on from the
  // snapshot's boundary.
  bool at_snapshot_point() const;
  Snapshot snapshot(const Snapshot* base = nullptr) const;
  void restore(const Snapshot& s);

  // Observers. Breakpoints must be added before run(); they fire before the instruction executes.
  void add_breakpoint(std::uint32_t addr, std::function<void(Machine&)> fn);
  void add_breakpoint(const std::string& symbol, std::function<void(Machine&)> fn);
  // Every interrupt, exception and INT n delivered (x86/delivery.hpp), after the CPU entered the
  // handler: the registers are the handler's (ESP points at the frame), the clock has charged the
  // delivery, stats().instructions is the next instruction's number.
  void on_delivery(std::function<void(Machine&, const Delivery&)> fn) {
    observers_.delivery.push_back(std::move(fn));
  }
  // Trace mode only: every instruction boundary, before the instruction, with the cycle count.
  // Inside it, stats().instructions is the instruction's sequence number (0, 1, ...; a faulting
  // instruction does not retire, so the handler's first instruction reuses its number) and
  // current_instruction() its decoding.
  void on_instruction(std::function<void(std::uint32_t eip, Cycles now)> fn) {
    observers_.insn.push_back(std::move(fn));
  }
  // The same for one observer that runs on every instruction (the trace recorder): a plain function
  // pointer, called before the std::function ones. At most one.
  using InsnObserverFn = MachineObservers::InsnFastFn;
  void on_instruction_fast(InsnObserverFn fn, void* ctx) {
    observers_.insn_fast = fn;
    observers_.insn_fast_ctx = ctx;
  }
  // Trace mode only (the trace recorder, issue 15): every store the guest's own instructions make,
  // before it lands, by physical address (UnicornCpu::watch_stores says why, and what it costs).
  // At most one; before run(). The stores forkscope makes for the guest are in Delivery::writes.
  void on_guest_store(UnicornCpu::StoreFn fn, void* ctx);
  const DecodedInsn& current_instruction() const;
  // Which of EAX..EDI and EFLAGS the current instruction may write (x86/reg_writes.hpp), in trace
  // mode.
  RegMask current_writes() const {
    return insn_timing_ ? insn_timing_->current_writes() : kAllFastRegs;
  }
  // Every port access the guest makes (after the device handled it; for IN, the value read).
  void on_port_io(
      std::function<void(std::uint16_t port, unsigned size, bool is_write, std::uint32_t value)>
          fn) {
    observers_.port_io.push_back(std::move(fn));
  }
  // Instructions retired that flush the TLB (CR0/CR3/CR4 loads, INVLPG).
  std::uint64_t tlb_flushes() const { return s_.stats.tlb_flushes; }
  // A HLT that waited: the idle cycles skipped until the interrupt that ends it.
  void on_halt(std::function<void(Cycles idle)> fn) { observers_.halt.push_back(std::move(fn)); }
  // At every pass of the run loop (each device event, interrupt, stop point or HLT: thousands of
  // times a guest second when a timer runs), for a display of progress; it must not change the
  // machine (the CLI's progress line on a terminal).
  void on_progress(std::function<void()> fn) { observers_.progress = std::move(fn); }
  // gdb's watchpoints (emu/watchpoints.hpp, emu/machine_intercept.cpp), watched through the memory
  // hook of the guest's data breakpoints, installed only while either is set. on_watch runs at the
  // boundary right after the instruction whose access matched, before the rest of that boundary (a
  // #DB it also raised, an interrupt), in both run modes, outside the CPU run. set_watchpoints:
  // before run(), from on_watch, or from an instruction observer in trace mode (then the CPU stops
  // before the current instruction and resumes there, without calling its observers again).
  void set_watchpoints(std::vector<Watchpoint> list);
  void on_watch(std::function<void(const WatchHit&)> fn) { watch_observer_ = std::move(fn); }
  // A memory hook is installed (Unicorn 2.1.1 takes the slow store path while one is).
  bool watching_data() const { return cpu_->data_hooks() != 0; }
  // The cpu itself, for observers that read many registers at once (the trace recorder).
  const UnicornCpu& cpu() const { return *cpu_; }

 private:
  // machine_linux.cpp: load() for a bzImage: the 32-bit boot protocol's state.
  void load_linux(std::span<const std::uint8_t> image, const std::string& path);
  friend struct SnapshotFields;  // emu/snapshot.cpp copies the run loop's state
  // Hooks Unicorn calls from inside a CPU run that are not the timing's (emu/timing.hpp).
  void hook_interrupt(std::uint32_t vector);
  std::uint32_t hook_port_in(std::uint16_t port, unsigned size);
  void hook_port_out(std::uint16_t port, unsigned size, std::uint32_t value);
  void hook_unmapped(std::uint32_t addr, bool fetch);
  void after_port_access();
  PcBoardWiring board_wiring();

  // Boundary work (outside the CPU run, or from a hook that then stops).
  void service_devices();
  bool irq_deliverable() const;
  // Why Unicorn returned by itself (HLT, a fetch beyond RAM, an error); false when the run ended.
  bool cpu_returned(const CpuRunResult& r);
  bool halt(std::uint32_t after);
  // emu/machine_delivery.cpp: an interrupt or exception through the guest's IDT (emu/interrupt.hpp)
  // with its nested faults, #DF and the triple fault.
  void deliver(Event ev, std::uint32_t return_eip);

  // ---- emu/machine_stop.cpp: how a run ends ----
  // The board's outputs: a debug-exit write and the i8042's RESET end the run at that OUT.
  void board_exit(std::uint32_t value);
  void board_reset();
  void retire_out();
  void fatal(StopReason r, std::string message, bool with_history = true);
  std::vector<std::string> history() const;
  std::string where(std::uint32_t eip) const;
  std::uint32_t failing_eip() const;  // the instruction an exception from inside a run belongs to

  // ---- emu/machine_intercept.cpp: instructions forkscope checks or runs itself (issue 12) ----
  bool run_intercept();
  void stop_after_data_access();  // gdb's watchpoint (on_watch), then the guest's #DB
  void restart_at(std::uint32_t eip);
  void apply_restart();
  void note_cpu_exception(Event& ev);
  void sync_breakpoints();

  MachineOptions opt_;
  GuestRam ram_;
  RunState s_;
  SymbolTable symbols_;
  std::string symbols_note_;  // symbols_note()
  Decoder decoder_;
  CodeFetch code_{ram_};
  Intercepts ix_;
  MachineObservers observers_;

  PcBoard board_;  // the devices (emu/pc_board.hpp)
  // One of the two, by opt_.per_instruction; timing_ points at it.
  std::unique_ptr<BlockTiming> block_timing_;
  std::unique_ptr<InsnTiming> insn_timing_;
  Timing* timing_ = nullptr;
  std::unique_ptr<UnicornCpu> cpu_;

  IoSlot io_;                      // the I/O instruction in progress (insn_addr 0: none)
  std::string unmapped_why_;       // what the unmapped access was (for the report)
  bool unmapped_fetch_ = false;    // ...and whether it was an instruction fetch
  std::uint32_t fetch_limit_ = 0;  // runs end before this instruction (first_unfetchable)
  std::uint32_t boot_eip_ = 0;
  std::vector<std::uint8_t> build_id_;
  bool loaded_ = false;
  std::function<void(const WatchHit&)> watch_observer_;  // gdb's watchpoints (on_watch)
  std::optional<std::uint32_t> restart_eip_;  // where the CPU resumes after a debugger's change
};

}  // namespace fs
