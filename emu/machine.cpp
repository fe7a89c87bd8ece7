#include "emu/machine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "base/severity.hpp"
#include "emu/ram_size.hpp"
#include "loader/bzimage.hpp"
#include "loader/multiboot.hpp"

namespace fs {
namespace {
constexpr std::uint32_t kIF = 1u << 9;
}  // namespace

// exit_status_for and stop_reason_name: emu/exit_status.cpp, with the scheme they belong to.

Machine::Machine(MachineOptions opt)
    : opt_(std::move(opt)),
      ram_(checked_ram_size(opt_.ram_bytes)),  // emu/ram_size.hpp, before anything is reserved
      board_(board_wiring()) {
  if (opt_.cpu_hz < 1'000'000) throw std::invalid_argument("CPU clock must be at least 1 MHz");
  s_.clock.cpu_hz = opt_.cpu_hz;
  s_.max_cycles = opt_.max_cycles;

  CpuHooks h;
  // The timing's hooks run on every block or instruction: Unicorn calls them directly (hot_hook).
  if (opt_.per_instruction) {
    insn_timing_ = std::make_unique<InsnTiming>(s_, code_, ix_, decoder_, observers_);
    timing_ = insn_timing_.get();
    h.on_insn = &InsnTiming::insn_hook;
    h.on_insn_ctx = insn_timing_.get();
  } else {
    block_timing_ = std::make_unique<BlockTiming>(s_, code_, ix_, decoder_);
    timing_ = block_timing_.get();
    h.on_block = &BlockTiming::block_hook;
    h.on_block_ctx = block_timing_.get();
    h.on_stop_point = [t = block_timing_.get()](std::uint32_t a) { t->on_stop_point(a); };
    h.on_rdtsc_site = [t = block_timing_.get()](std::uint32_t a) { t->on_rdtsc_site(a); };
  }
  h.on_interrupt = [this](std::uint32_t v) { hook_interrupt(v); };
  // WORKAROUND(unicorn 2.1.1): an invalid opcode reaches UC_HOOK_INSN_INVALID first; when the hook
  // returns true (claims it), Unicorn raises #UD as an ordinary exception through UC_HOOK_INTR with
  // EIP on the instruction, so hook_interrupt delivers it like any fault. (Without the hook,
  // uc_emu_start returns UC_ERR_INSN_INVALID; 2.0.1 raised nothing after a claim.) Pinned by
  // "unicorn: a claimed invalid opcode comes back as #UD through the interrupt hook".
  h.on_invalid_insn = [] { return true; };
  h.on_port_in = [this](std::uint16_t p, unsigned s) { return hook_port_in(p, s); };
  h.on_port_out = [this](std::uint16_t p, unsigned s, std::uint32_t v) { hook_port_out(p, s, v); };
  h.on_unmapped = [this](std::uint32_t a, bool fetch) { hook_unmapped(a, fetch); };
  cpu_ = std::make_unique<UnicornCpu>(std::span<std::uint8_t>(ram_), opt_.per_instruction,
                                      std::move(h));
  s_.cpu = cpu_.get();
  code_.bind(cpu_.get());
}

Machine::~Machine() = default;

PcBoardWiring Machine::board_wiring() {
  PcBoardWiring w;
  w.cpu_hz = opt_.cpu_hz;
  w.ram_bytes = opt_.ram_bytes;
  w.serial_out = opt_.serial_out;
  w.serial_input = opt_.serial_input;
  w.on_exit = [this](std::uint32_t v) { board_exit(v); };
  w.on_reset = [this] { board_reset(); };
  return w;
}

void Machine::load(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file(path);
  if (is_bzimage(bytes)) return load_linux(bytes, path);
  if (!opt_.initrd.empty())
    throw LoadError(
        fmt::format("{}: an initrd goes with a Linux bzImage, not a multiboot ELF", path));
  LoadedImage img = load_elf_bytes(bytes, path, std::span<std::uint8_t>(ram_));
  build_id_ = fs::image_build_id(img, ram_);
  BootState boot = write_multiboot_info(std::span<std::uint8_t>(ram_), img, opt_.cmdline);
  symbols_ = SymbolTable::from_elf_bytes(bytes, path);
  // Multiboot 0.6.96 3.2 "Machine state": EAX magic, EBX info, flat segments, PE on, PG off, IF
  // clear.
  cpu_->load_flat_boot_segments();
  cpu_->set_reg(Reg::kEax, boot.eax);
  cpu_->set_reg(Reg::kEbx, boot.ebx);
  cpu_->set_reg(Reg::kEflags, 0x2);
  // ESP is undefined by the spec; somewhere harmless below the info block.
  cpu_->set_reg(Reg::kEsp, 0x7000);
  boot_eip_ = boot.eip;
  loaded_ = true;
}

// ---- inspection and debugger control ----------------------------------------------------------

PagingRegs Machine::paging_regs() const {
  return paging_regs_of(*cpu_);
}

std::optional<std::uint32_t> Machine::physical(std::uint32_t linear) const {
  return linear_to_physical(ram_, paging_regs(), linear);
}

bool Machine::read(std::uint32_t linear, void* out, std::size_t n) const {
  return copy_from_linear(ram_, paging_regs(), linear, out, n);
}

std::uint32_t Machine::read32(std::uint32_t linear) const {
  std::uint32_t v = 0;
  read(linear, &v, 4);
  return v;
}

const DecodedInsn& Machine::current_instruction() const {
  static const DecodedInsn kNone{};
  return insn_timing_ ? insn_timing_->current() : kNone;
}

bool Machine::set_reg(Reg r, std::uint32_t v) {
  if (r > Reg::kEflags) return false;
  if (r == Reg::kEip && cpu_->running()) {
    if (!insn_timing_) return false;  // fast mode charged the block already
    restart_at(v);
    return true;
  }
  cpu_->set_reg(r, v);
  return true;
}

bool Machine::write_physical(std::uint32_t phys, std::uint32_t linear, const void* data,
                             std::size_t n) {
  if (std::uint64_t{phys} + n > ram_.size()) return false;
  std::memcpy(ram_.data() + phys, data, n);
  // Translated code is found by physical page, but the only way to drop it is through the linear
  // address the debugger wrote at (UnicornCpu::invalidate_code), which names the same frames.
  cpu_->invalidate_code(linear, static_cast<std::uint32_t>(linear + n));
  return true;
}

std::uint32_t Machine::tss_esp0() const {
  if ((cpu_->tr_selector() & ~3u) == 0) return 0;
  return read32(cpu_->tr_base() + 4);
}

void Machine::add_breakpoint(std::uint32_t addr, std::function<void(Machine&)> fn) {
  cpu_->add_address_hook(addr, [this, f = std::move(fn)](std::uint32_t a) {
    timing_->at_breakpoint(a);
    f(*this);
  });
}

void Machine::add_breakpoint(const std::string& symbol, std::function<void(Machine&)> fn) {
  auto a = symbols_.address_of(symbol);
  if (!a) throw std::invalid_argument(fmt::format("no symbol '{}' in the guest image", symbol));
  add_breakpoint(*a, std::move(fn));
}

// ---- the run loop -----------------------------------------------------------------------------

void Machine::service_devices() {
  board_.run_until(s_.clock.now);
  s_.deadline = std::min(board_.next_event(), opt_.max_cycles);
  s_.irq_line = board_.interrupt_pending();
}

bool Machine::irq_deliverable() const {
  return board_.interrupt_pending() && (cpu_->reg(Reg::kEflags) & kIF) && !cpu_->interrupt_shadow();
}

RunResult Machine::run() {
  FS_ASSERT(loaded_, "Machine::run before load");
  cpu_->set_reg(Reg::kEip, boot_eip_);
  service_devices();
  while (!s_.result) {
    // At an instruction boundary, outside the CPU: time, devices, interrupts.
    if (s_.clock.now >= opt_.max_cycles) {
      fatal(StopReason::kCycleLimit,
            fmt::format("cycle limit reached: {} cycles ({:.3f} s guest time) at {}", s_.clock.now,
                        s_.clock.seconds(), where(cpu_->reg(Reg::kEip))),
            false);
      break;
    }
    if (observers_.progress) observers_.progress();
    if (restart_eip_) [[unlikely]]
      apply_restart();  // a debugger moved EIP or changed watchpoints (issue 14)
    // Issue 12: a data breakpoint's #DB, a trap of the instruction that just ran, comes before an
    // interrupt at this boundary (SDM vol. 3A table 6-2); gdb's watchpoints stop before both.
    if (ix_.data_stop()) [[unlikely]] {
      stop_after_data_access();
      if (s_.result) break;
    }
    service_devices();
    if (irq_deliverable()) {
      std::uint8_t vec = board_.acknowledge();
      s_.irq_line = board_.interrupt_pending();
      deliver(Event{vec, DeliveryKind::kExternal, std::nullopt}, cpu_->reg(Reg::kEip));
      if (s_.result) break;
    }
    // Issue 12: the CPU stopped before an instruction forkscope checks or runs itself.
    if (ix_.pending.addr != ~0u) [[unlikely]] {
      if (ix_.pending.addr == cpu_->reg(Reg::kEip) && run_intercept()) {
        if (s_.result) break;
        continue;
      }
      ix_.pending.addr = ~0u;
    }
    timing_->before_run();
    s_.stop_kind = StopKind::kNone;
    CpuRunResult r;
    try {
      r = cpu_->run(cpu_->reg(Reg::kEip));
    } catch (const Unimplemented& e) {
      timing_->rewind_to(failing_eip());  // the instruction did not complete
      // A device mode the guest used that forkscope does not model: forkscope's limit, reported
      // at the guest's instruction (base/severity.hpp).
      fatal(StopReason::kUnimplemented,
            fmt::format("not modelled: {} at {}", e.what(), where(failing_eip())));
      break;
    } catch (const std::exception& e) {
      // Anything else from inside the run is forkscope's bug, not the guest's.
      timing_->rewind_to(failing_eip());
      fatal(StopReason::kInternal,
            fmt::format("forkscope bug: {} (guest at {})", e.what(), where(failing_eip())));
      break;
    }
    timing_->after_run();
    if (s_.result) break;
    if (s_.stop_kind != StopKind::kNone && r.exit == CpuExit::kStopped) continue;  // one of ours
    if (!cpu_returned(r)) break;
  }
  return *s_.result;
}

bool Machine::cpu_returned(const CpuRunResult& r) {
  if (r.exit == CpuExit::kInvalidInsn) {
    // Only reached when the invalid-instruction hook did not take it.
    deliver(Event{kUD, DeliveryKind::kException, std::nullopt}, cpu_->reg(Reg::kEip));
    return !s_.result;
  }
  if (r.exit == CpuExit::kUnmapped && unmapped_fetch_ && fetch_limit_ == 0) {
    // Unicorn translates a block before running any of it, so a fetch that finds no RAM ends the
    // run at the block's start, wherever the block started: the instructions before the hole,
    // all in RAM, never ran. Run them, up to the first instruction that cannot be fetched.
    const std::uint32_t at = cpu_->reg(Reg::kEip);
    const std::uint32_t limit = code_.first_unfetchable(at, decoder_);
    if (limit != at) {
      fetch_limit_ = limit;
      cpu_->set_fetch_limit(limit);
      return true;
    }
  }
  if (r.exit != CpuExit::kStopped) {
    // The instruction at EIP failed (a hole in memory, Unicorn's error): it did not retire.
    timing_->rewind_to(cpu_->reg(Reg::kEip));
    fatal(
        StopReason::kGuestError,
        fmt::format("guest error: {} at {}",
                    unmapped_why_.empty() || r.exit != CpuExit::kUnmapped ? r.error : unmapped_why_,
                    where(cpu_->reg(Reg::kEip))));
    return false;
  }
  if (fetch_limit_ != 0 && cpu_->reg(Reg::kEip) == fetch_limit_) {
    fatal(StopReason::kGuestError,
          fmt::format("guest error: {} at {}", unmapped_why_, where(fetch_limit_)));
    return false;
  }
  // Otherwise Unicorn returned by itself, which it does for HLT (EIP is past it) and nothing
  // else.
  const std::uint32_t after = cpu_->reg(Reg::kEip);
  std::uint8_t op = 0;
  if (!read(after - 1, &op, 1) || op != 0xF4) {
    fatal(StopReason::kGuestError,
          fmt::format("internal: Unicorn stopped without a reason at {}", where(after)));
    return false;
  }
  return halt(after);
}

bool Machine::halt(std::uint32_t after) {
  ++s_.stats.hlts;
  service_devices();
  if (!(cpu_->reg(Reg::kEflags) & kIF)) {
    fatal(StopReason::kHaltedNoIrq,
          fmt::format("halted with interrupts disabled at {}", where(after - 1)));
    return false;
  }
  // HLT with IF=1: the clock jumps to the next device event; the gap is idle time, not work.
  Clock& clock = s_.clock;
  const Cycles idle_before = clock.idle;
  while (!board_.interrupt_pending()) {
    if (s_.deadline == kNever) {
      fatal(StopReason::kHaltedNoIrq,
            fmt::format("halted forever at {}: interrupts enabled but no device event is due",
                        where(after - 1)));
      break;
    }
    if (s_.deadline >= opt_.max_cycles) {
      clock.idle += opt_.max_cycles - clock.now;
      clock.now = opt_.max_cycles;
      break;
    }
    clock.idle += s_.deadline - clock.now;
    clock.now = s_.deadline;
    service_devices();
  }
  for (auto& f : observers_.halt) f(clock.idle - idle_before);
  return !s_.result;
}

// ---- port I/O and unmapped accesses (hooks) ---------------------------------------------------

std::uint32_t Machine::hook_port_in(std::uint16_t port, unsigned size) {
  if (s_.result) return 0xFFFFFFFFu;
  io_ = timing_->io_slot();
  std::uint32_t v = board_.read(io_.start, port, size);
  io_.insn_addr = 0;
  for (auto& f : observers_.port_io) f(port, size, false, v);
  // Reading may acknowledge (OCW3 poll), drop an IRQ or move a deadline (a UART's RBR read makes
  // room for the next character).
  after_port_access();
  return v;
}

void Machine::hook_port_out(std::uint16_t port, unsigned size, std::uint32_t value) {
  if (s_.result) return;
  io_ = timing_->io_slot();
  board_.write(io_.start, port, size, value);
  io_.insn_addr = 0;
  for (auto& f : observers_.port_io) f(port, size, true, value);
  // A write may move a device deadline (a PIT reprogrammed) or the INT line (an EOI, a mask); the
  // next block start sees it.
  after_port_access();
}

void Machine::after_port_access() {
  s_.deadline = std::min(board_.next_event(), opt_.max_cycles);
  s_.irq_line = board_.interrupt_pending();
}

void Machine::hook_unmapped(std::uint32_t addr, bool fetch) {
  unmapped_fetch_ = fetch;
  // Unicorn reports the physical address: with paging on it came from a page table entry.
  unmapped_why_ =
      paging_regs().enabled()
          ? fmt::format(
                "paging: an access reached physical {:#010x}, beyond {} MiB of RAM (a page "
                "table names a frame past the end of RAM)",
                addr, ram_.size() >> 20)
          : fmt::format("no RAM at physical {:#010x} ({} MiB of RAM)", addr, ram_.size() >> 20);
}

}  // namespace fs
