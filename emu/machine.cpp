#include "emu/machine.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "emu/cycle_table.hpp"
#include "emu/ram_size.hpp"
#include "loader/bzimage.hpp"
#include "loader/multiboot.hpp"

namespace fs {
namespace {

constexpr std::uint32_t kIF = 1u << 9;
// Guest memory for delivery: linear addresses checked against the guest's page tables when CR0.PG
// is set (emu/paging.cpp's walk: 4 MiB pages when CR4.PSE, the #PF error code of Intel SDM vol. 3A
// 4.6/4.7, CR0.WP for supervisor writes), the accessed/dirty bits set as the CPU sets them (4.8),
// then read or written in RAM at the frame.
class MachineMemory : public GuestMemory {
 public:
  MachineMemory(std::span<std::uint8_t> ram, PagingRegs regs) : ram_(ram), regs_(regs) {}

  std::optional<MemFault> read(std::uint32_t lin, void* out, unsigned n, bool sup) override {
    return access(lin, n, false, sup, [&](std::uint32_t phys, unsigned off, unsigned k) {
      std::memcpy(static_cast<std::uint8_t*>(out) + off, ram_.data() + phys, k);
      return true;
    });
  }
  // Frames land on stacks, never on code, so no translated code is dropped (the guest's own
  // stores are Unicorn's to track).
  std::optional<MemFault> write(std::uint32_t lin, const void* in, unsigned n, bool sup) override {
    return access(lin, n, true, sup, [&](std::uint32_t phys, unsigned off, unsigned k) {
      std::memcpy(ram_.data() + phys, static_cast<const std::uint8_t*>(in) + off, k);
      return true;
    });
  }

 private:
  // Every page the access touches, in order: the first that faults is the #PF (CR2 = the first
  // byte of the access in that page). All pages are checked before any byte moves. A frame beyond
  // RAM is #GP for a read and #SS for a write (the frame write's stack), as before paging.
  template <typename Move>
  std::optional<MemFault> access(std::uint32_t lin, unsigned n, bool write, bool sup, Move move) {
    std::uint32_t phys[2] = {lin, lin};
    unsigned pieces = 0;
    for (std::uint32_t off = 0; off < n; ++pieces) {
      const std::uint32_t addr = lin + off;
      const unsigned k = std::min<std::uint32_t>(n - off, kPageSize - (addr & (kPageSize - 1)));
      if (regs_.enabled()) {
        auto m = walk_page_tables(ram_, regs_.cr3, addr, regs_.pse());
        if (auto code = page_fault_error(m, write, !sup, regs_.wp()))
          return MemFault{kPF, *code, addr};
        phys[pieces] = m->frame | (addr & (kPageSize - 1));
      } else {
        phys[pieces] = addr;
      }
      if (std::uint64_t{phys[pieces]} + k > ram_.size())
        return MemFault{write ? kSS : kGP, 0, addr};
      off += k;
    }
    for (std::uint32_t off = 0, i = 0; off < n; ++i) {
      const std::uint32_t addr = lin + off;
      const unsigned k = std::min<std::uint32_t>(n - off, kPageSize - (addr & (kPageSize - 1)));
      mark_accessed(ram_, regs_, addr, write);
      move(phys[i], off, k);
      off += k;
    }
    return std::nullopt;
  }
  std::span<std::uint8_t> ram_;
  PagingRegs regs_;
};

}  // namespace

// exit_status_for: emu/exit_status.cpp, with the scheme it belongs to.

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::kGuestExit:
      return "guest exit";
    case StopReason::kTripleFault:
      return "triple fault";
    case StopReason::kHaltedNoIrq:
      return "halted";
    case StopReason::kGuestError:
      return "guest error";
    case StopReason::kCycleLimit:
      return "cycle limit";
    case StopReason::kKilled:
      return "killed";
  }
  return "?";
}

std::vector<std::uint8_t> serial_input_with_eof(std::vector<std::uint8_t> input) {
  constexpr std::uint8_t kEof = 0x04;  // ^D, VEOF in a tty's default termios
  if (!input.empty() && input.back() != '\n') input.push_back(kEof);
  input.push_back(kEof);
  return input;
}

Machine::Machine(MachineOptions opt)
    : opt_(std::move(opt)),
      ram_(checked_ram_size(opt_.ram_bytes)),  // emu/ram_size.hpp, before anything is reserved
      pit_(opt_.cpu_hz),
      uart_(
          [this](std::uint8_t b) {
            if (opt_.serial_out) {
              opt_.serial_out(b);
            } else {
              std::fputc(b, stdout);
              if (b == '\n') std::fflush(stdout);
            }
          },
          opt_.cpu_hz),
      debug_exit_([this](std::uint32_t v) {
        // The run ends at this OUT: counters stop at its retirement, even though Unicorn may still
        // run the rest of the translated block (whose port I/O is then ignored).
        if (result_) return;
        clock_.now = io_retire_clock_;
        stats_.instructions = io_retire_insns_;
        exit_value_ = v;
        RunResult r;
        r.reason = StopReason::kGuestExit;
        r.guest_value = v;
        r.exit_status = exit_status_for(r.reason, v);
        result_ = r;
        request_stop(StopKind::kExit);
      }) {
  if (opt_.cpu_hz < 1'000'000) throw std::invalid_argument("CPU clock must be at least 1 MHz");
  clock_.cpu_hz = opt_.cpu_hz;
  pit_.set_out_handler(0, [this](bool level) { pic_.set_irq(0, level); });
  // COM1 interrupts on IRQ4 (the PC's wiring; the OUT2 gate is modelled in the UART).
  uart_.set_irq_handler([this](bool level) { pic_.set_irq(4, level); });
  if (opt_.serial_input) uart_.set_input(serial_input_with_eof(*opt_.serial_input));
  bus_.attach(0x20, 2, &pic_.master);
  bus_.attach(0x40, 4, &pit_);
  bus_.attach(0xA0, 2, &pic_.slave);
  bus_.attach(0xF4, 4, &debug_exit_);
  bus_.attach(0x3F8, 8, &uart_);

  CpuHooks h;
  // The hot hooks: called by Unicorn directly (hot_hook).
  h.on_block = &Machine::hot_hook<&Machine::hook_block>;
  h.on_block_ctx = this;
  h.on_insn = &Machine::hot_hook<&Machine::hook_insn>;
  h.on_insn_ctx = this;
  h.on_stop_point = [this](std::uint32_t a) { hook_stop_point(a); };
  h.on_interrupt = [this](std::uint32_t v) { hook_interrupt(v); };
  h.on_invalid_insn = [this]() { return hook_invalid_insn(); };
  h.on_port_in = [this](std::uint16_t p, unsigned s) { return hook_port_in(p, s); };
  h.on_port_out = [this](std::uint16_t p, unsigned s, std::uint32_t v) { hook_port_out(p, s, v); };
  h.on_rdtsc_site = [this](std::uint32_t a) { hook_rdtsc(a); };
  h.on_unmapped = [this](std::uint32_t a, bool fetch) { hook_unmapped(a, fetch); };
  cpu_ = std::make_unique<UnicornCpu>(std::span<std::uint8_t>(ram_), opt_.per_instruction,
                                      std::move(h));
}

Machine::~Machine() = default;

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
  cpu_->set_reg(Reg::kEsp,
                0x7000);  // undefined by the spec; somewhere harmless below the info block
  boot_eip_ = boot.eip;
  loaded_ = true;
}

PagingRegs Machine::paging_regs() const {
  return PagingRegs{cpu_->reg(Reg::kCr0), cpu_->reg(Reg::kCr3), cpu_->reg(Reg::kCr4)};
}

std::optional<std::uint32_t> Machine::physical(std::uint32_t linear) const {
  return linear_to_physical(ram_, paging_regs(), linear);
}

bool Machine::read(std::uint32_t linear, void* out, std::size_t n) const {
  const PagingRegs regs = paging_regs();
  auto* dst = static_cast<std::uint8_t*>(out);
  for (std::size_t off = 0; off < n;) {
    const std::uint32_t addr = linear + static_cast<std::uint32_t>(off);
    const std::size_t k = std::min<std::size_t>(n - off, kPageSize - (addr & (kPageSize - 1)));
    auto phys = linear_to_physical(ram_, regs, addr);
    if (!phys || std::uint64_t{*phys} + k > ram_.size()) return false;
    std::memcpy(dst + off, ram_.data() + *phys, k);
    off += k;
  }
  return true;
}

std::uint32_t Machine::read32(std::uint32_t linear) const {
  std::uint32_t v = 0;
  read(linear, &v, 4);
  return v;
}

bool Machine::set_reg(Reg r, std::uint32_t v) {
  if (r > Reg::kEflags || r == Reg::kEip) return false;
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
    // A breakpoint right after an RDTSC must see the cycle count, whichever hook Unicorn calls
    // first.
    if (rdtsc_after_ == a && !opt_.per_instruction) hook_rdtsc(a);
    f(*this);
  });
}

void Machine::add_breakpoint(const std::string& symbol, std::function<void(Machine&)> fn) {
  auto a = symbols_.address_of(symbol);
  if (!a) throw std::invalid_argument(fmt::format("no symbol '{}' in the guest image", symbol));
  add_breakpoint(*a, std::move(fn));
}

// ---- the run loop
// ---------------------------------------------------------------------------------

void Machine::request_stop(StopKind k) {
  if (stop_kind_ == StopKind::kFatal || stop_kind_ == StopKind::kExit) return;  // first wins
  stop_kind_ = k;
  cpu_->stop();
}

void Machine::service_devices() {
  bus_.run_until(clock_.now);
  deadline_ = std::min(bus_.next_event(), opt_.max_cycles);
  irq_line_ = pic_.interrupt_pending();
}

bool Machine::irq_deliverable() const {
  return pic_.interrupt_pending() && (cpu_->reg(Reg::kEflags) & kIF) && !cpu_->interrupt_shadow();
}

RunResult Machine::run() {
  if (!loaded_) throw std::logic_error("Machine::run before load");
  std::uint32_t eip = boot_eip_;
  cpu_->set_reg(Reg::kEip, eip);
  service_devices();
  while (!result_) {
    // At an instruction boundary, outside the CPU: time, devices, interrupts.
    if (clock_.now >= opt_.max_cycles) {
      fatal(StopReason::kCycleLimit,
            fmt::format("cycle limit reached: {} cycles ({:.3f} s guest time) at {}", clock_.now,
                        clock_.seconds(), where(cpu_->reg(Reg::kEip))),
            false);
      break;
    }
    if (progress_observer_) progress_observer_();
    // Issue 12: a data breakpoint's #DB, a trap of the instruction that just ran, comes before an
    // interrupt at this boundary (SDM vol. 3A table 6-2).
    if (data_hits_) [[unlikely]] {
      deliver_data_breakpoint();
      if (result_) break;
    }
    service_devices();
    if (irq_deliverable()) {
      std::uint8_t vec = pic_.acknowledge();
      irq_line_ = pic_.interrupt_pending();
      deliver(Event{vec, EventKind::kExternal, std::nullopt}, cpu_->reg(Reg::kEip));
      if (result_) break;
    }
    // Issue 12: the CPU stopped before an instruction forkscope checks or runs itself.
    if (intercept_.addr != ~0u) [[unlikely]] {
      if (intercept_.addr == cpu_->reg(Reg::kEip) && run_intercept()) {
        if (result_) break;
        continue;
      }
      intercept_.addr = ~0u;
    }
    if (stop_kind_ == StopKind::kArm || arm_addr_ != 0) {
      if (armed_addr_ != arm_addr_) {
        cpu_->arm_stop_at(arm_addr_);
        armed_addr_ = arm_addr_;
        ++stats_.stop_points;
      }
      arm_addr_ = 0;
    }
    for (std::uint32_t a : rdtsc_to_watch_) {
      std::uint8_t len = 0;
      std::uint8_t bytes[16] = {};
      read(a, bytes, sizeof bytes);
      decoder_.disassemble(a, bytes, sizeof bytes, &len);
      cpu_->watch_rdtsc(a, len);
      rdtsc_watched_.push_back(a);
    }
    rdtsc_to_watch_.clear();

    stop_kind_ = StopKind::kNone;
    stopped_from_block_hook_ = false;
    block_ = nullptr;
    eip = cpu_->reg(Reg::kEip);
    CpuRunResult r;
    try {
      r = cpu_->run(eip);
    } catch (const std::exception& e) {
      // A device feature the guest used that forkscope does not model (or a delivery the CPU
      // refused): the guest's problem to report, with its location.
      const std::uint32_t at = io_insn_addr_ ? io_insn_addr_ : cpu_->reg(Reg::kEip);
      fatal(StopReason::kGuestError, fmt::format("guest error: {} at {}", e.what(), where(at)));
      break;
    }
    // WORKAROUND(unicorn 2.0.1-2.1.1): after uc_emu_stop from a block hook, EIP is stale when any
    // code hook exists (it holds the last code-hooked address) although the CPU stopped exactly at
    // the block's start; restore it. Pinned by "unicorn: block-hook stop leaves EIP stale when a
    // code hook exists".
    if (stopped_from_block_hook_) cpu_->set_reg(Reg::kEip, stop_block_addr_);
    if (armed_addr_ != 0 && stop_kind_ != StopKind::kArm) {
      cpu_->disarm_stop();
      armed_addr_ = 0;
    }
    if (result_) break;
    if (r.exit == CpuExit::kInvalidInsn) {
      // Only reached when the invalid-instruction hook did not take it.
      deliver(Event{kUD, EventKind::kException, std::nullopt}, cpu_->reg(Reg::kEip));
      continue;
    }
    if (r.exit == CpuExit::kUnmapped && unmapped_fetch_ && fetch_limit_ == 0) {
      // Unicorn translates a block before running any of it, so a fetch that finds no RAM ends the
      // run at the block's start, wherever the block started: the instructions before the hole,
      // all in RAM, never ran. Run them, up to the first instruction that cannot be fetched.
      const std::uint32_t at = cpu_->reg(Reg::kEip);
      const std::uint32_t limit = first_unfetchable(at);
      if (limit != at) {
        fetch_limit_ = limit;
        cpu_->set_fetch_limit(limit);
        continue;
      }
    }
    if (r.exit != CpuExit::kStopped) {
      fatal(StopReason::kGuestError,
            fmt::format(
                "guest error: {} at {}",
                unmapped_why_.empty() || r.exit != CpuExit::kUnmapped ? r.error : unmapped_why_,
                where(cpu_->reg(Reg::kEip))));
      break;
    }
    if (stop_kind_ != StopKind::kNone) continue;  // one of ours: boundary work at the loop top
    if (fetch_limit_ != 0 && cpu_->reg(Reg::kEip) == fetch_limit_) {
      fatal(StopReason::kGuestError,
            fmt::format("guest error: {} at {}", unmapped_why_, where(fetch_limit_)));
      break;
    }
    // Otherwise Unicorn returned by itself, which it does for HLT (EIP is past it) and nothing
    // else.
    const std::uint32_t after = cpu_->reg(Reg::kEip);
    std::uint8_t op = 0;
    if (!read(after - 1, &op, 1) || op != 0xF4) {
      fatal(StopReason::kGuestError,
            fmt::format("internal: Unicorn stopped without a reason at {}", where(after)));
      break;
    }
    ++stats_.hlts;
    service_devices();
    if (!(cpu_->reg(Reg::kEflags) & kIF)) {
      fatal(StopReason::kHaltedNoIrq,
            fmt::format("halted with interrupts disabled at {}", where(after - 1)));
      break;
    }
    // HLT with IF=1: the clock jumps to the next device event; the gap is idle time, not work.
    const Cycles idle_before = clock_.idle;
    while (!pic_.interrupt_pending()) {
      if (deadline_ == kNever) {
        fatal(StopReason::kHaltedNoIrq,
              fmt::format("halted forever at {}: interrupts enabled but no device event is due",
                          where(after - 1)));
        break;
      }
      if (deadline_ >= opt_.max_cycles) {
        clock_.idle += opt_.max_cycles - clock_.now;
        clock_.now = opt_.max_cycles;
        break;
      }
      clock_.idle += deadline_ - clock_.now;
      clock_.now = deadline_;
      service_devices();
    }
    for (auto& f : halt_observers_) f(clock_.idle - idle_before);
  }
  RunResult out = *result_;
  return out;
}

// ---- hooks
// ----------------------------------------------------------------------------------------

void Machine::settle_iret() {
  const bool to_outer = cpu_->cpl() > pending_cpl_;
  clock_.now += cycle_table::iret_cycles(to_outer);
  pending_ = Pending::kNone;
}

void Machine::remember(const Block* b, std::uint32_t executed, std::uint32_t addr) {
  recent_[recent_pos_ % recent_.size()] = Recent{b, executed, addr};
  ++recent_pos_;
}

void Machine::hook_block(std::uint32_t addr, std::uint32_t size) {
  if (result_) [[unlikely]]
    return;  // the run has ended; Unicorn is only winding down
  if (pending_ != Pending::kNone) settle_pending_transfer(addr);
  // The hot path reads the block's summary only; the Block itself when it must stop inside it.
  const BlockCache::Hit hit = blocks_.get(addr, size, code_bytes(addr, size));
  const BlockCache::Summary& sum = *hit.summary;
  const Cycles base = clock_.now;
  // RDTSC sites get their fix-up hooks before the block first runs; an interrupt waiting for IF
  // (IF changes only at the end of a translated block: STI, POPF and IRET end one in QEMU, so block
  // starts are the boundaries to look at); a device deadline at or inside the block.
  // Issue 12: also a block with an instruction forkscope checks or runs itself, or any block while
  // an instruction breakpoint is enabled (emu/machine_intercept.cpp).
  if (sum.has_rdtsc || (irq_line_ && (cpu_->reg(Reg::kEflags) & kIF)) ||
      deadline_ < base + sum.total || sum.checked_at_boundary || insn_breakpoints_) [[unlikely]] {
    if (stop_in_block(addr, *hit.block, base)) return;
  }
  // A CR0/CR3/CR4 load or INVLPG ends its translated block in QEMU: it is the block's last
  // instruction, and it retires when the block does (hook_stop_point and the fault paths take it
  // back when it does not).
  if (sum.flushes_tlb) count_tlb_flush();
  block_ = hit.block;
  block_base_ = base;
  block_base_insns_ = stats_.instructions;
  block_io_seen_ = 0;
  clock_.now = base + sum.total;
  stats_.instructions += sum.insns;
  ++stats_.blocks;
  remember(hit.block, sum.insns, addr);
  if (sum.end == BlockCache::Summary::End::kBranch) {
    pending_ = Pending::kBranch;
    pending_fallthrough_ = sum.fallthrough;
    pending_extra_ = sum.taken_extra;
  } else if (sum.end == BlockCache::Summary::End::kIret) {
    pending_ = Pending::kIret;
    pending_cpl_ = cpu_->cpl();
  }
}

bool Machine::stop_in_block(std::uint32_t addr, const Block& b, Cycles base) {
  auto stop_here = [&](StopKind k) {
    stop_block_addr_ = addr;
    stopped_from_block_hook_ = true;
    block_ = nullptr;
    request_stop(k);
    return true;
  };
  if (b.has_rdtsc) {
    bool all = true;
    for (const auto& in : b.insns) {
      if (in.cls != InsnClass::kRdtsc) continue;
      if (std::find(rdtsc_watched_.begin(), rdtsc_watched_.end(), in.addr) ==
          rdtsc_watched_.end()) {
        rdtsc_to_watch_.push_back(in.addr);
        all = false;
      }
    }
    if (!all) return stop_here(StopKind::kBoundary);
  }
  if (irq_line_ && (cpu_->reg(Reg::kEflags) & kIF)) {
    if (!cpu_->interrupt_shadow()) return stop_here(StopKind::kBoundary);
    if (b.insns.size() > 1 && armed_addr_ != b.insns[1].addr) {
      arm_addr_ = b.insns[1].addr;
      return stop_here(StopKind::kArm);
    }
  }
  if (deadline_ <= base) return stop_here(StopKind::kBoundary);
  // A stop point armed at or before instruction k of this block (one stop point at a time: the
  // earliest wins, the later reason is met again at the next block).
  auto armed_by = [&](std::size_t k) {
    const int at = armed_addr_ ? b.index_of(armed_addr_) : -1;
    return at >= 0 && static_cast<std::size_t>(at) <= k;
  };
  if (deadline_ < base + b.total()) {
    // The deadline falls inside this block: stop exactly before the first instruction at or after
    // it.
    std::size_t k = 1;
    while (k < b.insns.size() && base + b.before[k] < deadline_) ++k;
    if (k < b.insns.size() && !armed_by(k)) {
      arm_addr_ = b.insns[k].addr;
      return stop_here(StopKind::kArm);
    }
  }
  // Issue 12: an instruction forkscope checks or runs itself (I/O above IOPL, MOV DRn, an
  // instruction breakpoint; emu/machine_intercept.cpp) stops the CPU right before it.
  if (const int k = first_intercept(b); k >= 0) {
    if (k == 0) return stop_here(StopKind::kBoundary);
    if (!armed_by(static_cast<std::size_t>(k))) {
      arm_addr_ = b.insns[k].addr;
      return stop_here(StopKind::kArm);
    }
  }
  intercept_pass_ = ~0u;  // the block runs: an instruction let pass at its start runs now
  return false;
}

void Machine::hook_stop_point(std::uint32_t addr) {
  if (!block_) return;
  const int k = block_->index_of(addr);
  if (k < 0) return;
  // The block was charged in full at its start; only the first k instructions retired.
  if (block_->flushes_tlb) --tlb_flushes_;
  clock_.now = block_base_ + block_->before[k];
  stats_.instructions = block_base_insns_ + k;
  recent_[(recent_pos_ - 1) % recent_.size()].executed = static_cast<std::uint32_t>(k);
  pending_ = Pending::kNone;
  block_ = nullptr;
  request_stop(StopKind::kBoundary);
}

void Machine::decode_into(InsnSlot& slot, std::uint32_t addr, const std::uint8_t* bytes,
                          std::uint32_t size) {
  slot.insn = decoder_.decode_one(addr, bytes, size);
  if (!write_sets_) write_sets_ = std::make_unique<RegWriteSets>();
  slot.writes = slot.insn.len ? write_sets_->of(addr, bytes, size) : kAllFastRegs;
}

void Machine::hook_insn(std::uint32_t addr, std::uint32_t size) {
  if (result_) return;  // the run has ended; Unicorn is only winding down
  // The instruction before this one hit a data breakpoint: #DB, a trap, comes first (issue 12).
  if (data_hits_) [[unlikely]]
    return request_stop(StopKind::kBoundary);
  // Trace mode: the previous instruction retired; settle its variable cost, then this boundary.
  if (pending_ != Pending::kNone) settle_pending_transfer(addr);
  if (have_cur_insn_ && cur_insn_.cls == InsnClass::kRdtsc && rdtsc_after_ == addr) {
    cpu_->set_reg(Reg::kEax, static_cast<std::uint32_t>(rdtsc_value_));
    cpu_->set_reg(Reg::kEdx, static_cast<std::uint32_t>(rdtsc_value_ >> 32));
  }
  if (have_cur_insn_ && cur_insn_.flushes_tlb) count_tlb_flush();  // it retired
  have_cur_insn_ = false;
  if (clock_.now >= deadline_ ||
      (irq_line_ && (cpu_->reg(Reg::kEflags) & kIF) && !cpu_->interrupt_shadow())) {
    return request_stop(StopKind::kBoundary);
  }
  // The instruction's bytes, from the frames its linear address maps to (16 readable bytes).
  const std::uint32_t n = size < 16 ? size : 16;
  std::uint8_t bytes[16];
  const std::uint8_t* code = code_bytes(addr, n);
  std::uint64_t lo, hi;
  std::memcpy(&lo, code, 8);
  std::memcpy(&hi, code + 8, 8);
  const std::uint64_t lo_mask = n >= 8 ? ~0ull : (1ull << (8 * n)) - 1;
  const std::uint64_t hi_mask = n <= 8 ? 0 : n >= 16 ? ~0ull : (1ull << (8 * (n - 8))) - 1;
  // Decoding is the expensive part of trace mode: cache by address, validated by the instruction's
  // bytes (code can change under the same address).
  const std::size_t at = (addr ^ (addr >> 12)) & (insn_cache_.size() - 1);
  InsnSlot& slot = insn_cache_[at];
  if (slot.addr != addr || slot.size != size || (lo & lo_mask) != slot.lo ||
      (n > 8 && (hi & hi_mask) != insn_hi_[at])) [[unlikely]] {
    slot.addr = addr;
    slot.size = static_cast<std::uint8_t>(size);
    slot.lo = lo & lo_mask;
    insn_hi_[at] = hi & hi_mask;
    if (code != bytes) {
      std::memset(bytes, 0, sizeof bytes);
      std::memcpy(bytes, code, n);
    }
    decode_into(slot, addr, bytes, size);
  }
  cur_insn_ = slot.insn;
  cur_writes_ = slot.writes;
  // Issue 12: an instruction forkscope checks or runs itself stops the CPU right before it
  // (emu/machine_intercept.cpp); the run loop handles it, then lets it pass here once.
  if (addr != intercept_pass_) [[likely]] {
    bool cpl_read = false, above_iopl = false;
    if ((cur_insn_.cls == InsnClass::kIo || code[0] == 0x0F || insn_breakpoints_) &&
        needs_intercept(cur_insn_, code, &cpl_read, &above_iopl)) [[unlikely]] {
      intercept_.addr = addr;
      intercept_.insn = cur_insn_;
      std::memcpy(intercept_.bytes.data(), code, n);
      return request_stop(StopKind::kBoundary);
    }
  }
  intercept_pass_ = ~0u;
  cur_insn_clock_ = clock_.now;
  have_cur_insn_ = true;
  if (insn_fast_) insn_fast_(insn_fast_ctx_, addr, clock_.now);
  for (auto& f : insn_observers_) f(addr, clock_.now);
  if (result_) [[unlikely]]
    return;  // an observer ended the run (kill): the instruction never runs
  clock_.now += cur_insn_.cycles;
  ++stats_.instructions;
  remember(nullptr, 1, addr);
  if (cur_insn_.cls == InsnClass::kCondBranch) {
    pending_ = Pending::kBranch;
    pending_fallthrough_ = addr + cur_insn_.len;
    pending_extra_ = cur_insn_.taken_extra;
  } else if (cur_insn_.cls == InsnClass::kIret) {
    pending_ = Pending::kIret;
    pending_cpl_ = cpu_->cpl();
  } else if (cur_insn_.cls == InsnClass::kRdtsc) {
    rdtsc_after_ = addr + cur_insn_.len;
    rdtsc_value_ = clock_.now;
  }
}

void Machine::hook_rdtsc(std::uint32_t addr) {
  // Fast mode: the hook at an RDTSC records the cycle count it must return (its retirement time);
  // the hook at the next address writes it over the host TSC Unicorn put in EDX:EAX.
  if (block_) {
    const int k = block_->index_of(addr);
    if (k >= 0 && block_->insns[k].cls == InsnClass::kRdtsc) {
      rdtsc_after_ = addr + block_->insns[k].len;
      rdtsc_value_ = block_base_ + block_->before[k + 1];
      return;
    }
  }
  if (rdtsc_after_ == addr) {
    cpu_->set_reg(Reg::kEax, static_cast<std::uint32_t>(rdtsc_value_));
    cpu_->set_reg(Reg::kEdx, static_cast<std::uint32_t>(rdtsc_value_ >> 32));
    rdtsc_after_ = 0;
  }
}

Cycles Machine::io_time() {
  io_retire_clock_ = clock_.now;
  io_retire_insns_ = stats_.instructions;
  io_insn_addr_ = 0;
  if (opt_.per_instruction) {
    io_insn_addr_ = cur_insn_.addr;
    return cur_insn_clock_;
  }
  if (!block_) return clock_.now;
  // The n-th I/O callback of a block belongs to its n-th I/O instruction (REP INS/OUTS iterate as
  // separate executions of a one-instruction block in QEMU, so the count restarts).
  unsigned seen = 0;
  for (std::size_t i = 0; i < block_->insns.size(); ++i) {
    if (block_->insns[i].cls != InsnClass::kIo) continue;
    if (seen++ == block_io_seen_) {
      io_insn_addr_ = block_->insns[i].addr;
      io_retire_clock_ = block_base_ + block_->before[i + 1];
      io_retire_insns_ = block_base_insns_ + i + 1;
      return block_base_ + block_->before[i];
    }
  }
  return clock_.now;
}

std::uint32_t Machine::hook_port_in(std::uint16_t port, unsigned size) {
  if (result_) return 0xFFFFFFFFu;
  const Cycles t = io_time();
  ++block_io_seen_;
  std::uint32_t v = bus_.read(t, port, size);
  io_insn_addr_ = 0;
  for (auto& f : port_observers_) f(port, size, false, v);
  // Reading may acknowledge (OCW3 poll), drop an IRQ or move a deadline (a UART's RBR read makes
  // room for the next character).
  deadline_ = std::min(bus_.next_event(), opt_.max_cycles);
  irq_line_ = pic_.interrupt_pending();
  return v;
}

void Machine::hook_port_out(std::uint16_t port, unsigned size, std::uint32_t value) {
  if (result_) return;
  const Cycles t = io_time();
  ++block_io_seen_;
  bus_.write(t, port, size, value);
  io_insn_addr_ = 0;
  for (auto& f : port_observers_) f(port, size, true, value);
  // A write may move a device deadline (a PIT reprogrammed) or the INT line (an EOI, a mask); the
  // next block start sees it.
  deadline_ = std::min(bus_.next_event(), opt_.max_cycles);
  irq_line_ = pic_.interrupt_pending();
}

void Machine::hook_interrupt(std::uint32_t vector) {
  // Unicorn reports INT n / INT3 / INTO with EIP past the instruction, and CPU faults with EIP on
  // the faulting instruction (UNICORN-NOTES.md). Which one is it? A software interrupt ends its
  // translated block, so it is the block's last instruction and EIP is just past it.
  const std::uint32_t eip = cpu_->reg(Reg::kEip);
  cpu_->clear_exception_in_flight();
  Event ev;
  ev.vector = static_cast<std::uint8_t>(vector);
  std::uint32_t return_eip = eip;
  if (opt_.per_instruction) {
    const bool soft = have_cur_insn_ && cur_insn_.cls == InsnClass::kSoftInt &&
                      eip == cur_insn_.addr + cur_insn_.len && cur_insn_.soft_vector == vector;
    if (soft) {
      // Delivery charges the whole INT n; INTO's own 3 cycles are only its not-taken cost.
      clock_.now = cur_insn_clock_;
      ev.kind = EventKind::kSoftware;
      ev.insn_length = cur_insn_.len;  // a fault while delivering it is at the INT (issue 12)
    } else if (have_cur_insn_) {
      // The faulting instruction did not retire.
      clock_.now = cur_insn_clock_;
      --stats_.instructions;
    }
    pending_ = Pending::kNone;
    have_cur_insn_ = false;
  } else if (block_) {
    if (block_->flushes_tlb) --tlb_flushes_;  // the fault or INT n is before the block's end
    // INT n and INT3 end their translated block; INTO does not (QEMU raises #OF from a helper
    // mid-block), so the software interrupt is the instruction just before EIP, wherever it is.
    const auto& insns = block_->insns;
    const int at_eip = block_->index_of(eip);
    const int before_eip = at_eip > 0 ? at_eip - 1
                           : !insns.empty() && eip == insns.back().addr + insns.back().len
                               ? static_cast<int>(insns.size()) - 1
                               : -1;
    const bool soft = before_eip >= 0 && insns[before_eip].cls == InsnClass::kSoftInt &&
                      insns[before_eip].soft_vector == vector;
    int k = soft ? before_eip : at_eip;
    if (soft) {
      ev.kind = EventKind::kSoftware;
      ev.insn_length = insns[before_eip].len;  // a fault while delivering it is at the INT
    }
    if (k >= 0) {
      clock_.now = block_base_ + block_->before[k];
      stats_.instructions = block_base_insns_ + k + (soft ? 1 : 0);
      recent_[(recent_pos_ - 1) % recent_.size()].executed = static_cast<std::uint32_t>(k + 1);
    }
    pending_ = Pending::kNone;
    block_ = nullptr;
  }
  if (ev.kind == EventKind::kException && pushes_error_code(ev.vector)) {
    ev.error_code = cpu_->pending_error_code();
  }
  if (ev.kind == EventKind::kException) note_cpu_exception(vector);  // DR6 (issue 12)
  deliver(ev, return_eip);
  if (result_) request_stop(StopKind::kFatal);
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

std::uint32_t Machine::first_unfetchable(std::uint32_t eip) {
  // The first page from EIP's with no RAM behind it, then the instructions up to it: the first
  // whose bytes reach into it cannot be fetched.
  const PagingRegs regs = paging_regs();
  auto backed = [&](std::uint32_t page) {
    auto p = linear_to_physical(ram_, regs, page);
    return p && std::uint64_t{*p} + kPageSize <= ram_.size();
  };
  std::uint64_t hole = eip & ~(kPageSize - 1);
  while (hole <= 0xFFFFFFFFu && backed(static_cast<std::uint32_t>(hole)) &&
         hole < std::uint64_t{eip} + 2 * kPageSize)
    hole += kPageSize;
  std::uint64_t a = eip;
  while (a < hole) {
    std::uint8_t bytes[16] = {};
    const std::uint32_t n = static_cast<std::uint32_t>(std::min<std::uint64_t>(16, hole - a));
    read(static_cast<std::uint32_t>(a), bytes, n);
    const DecodedInsn in = decoder_.decode_one(static_cast<std::uint32_t>(a), bytes, sizeof bytes);
    if (in.len == 0 || a + in.len > hole) break;
    a += in.len;
  }
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(a, 0xFFFFFFFFu));
}

const std::uint8_t* Machine::code_bytes_slow(std::uint32_t addr, std::uint32_t size) {
  // Callers may read kCodeBytes bytes from the result whatever `size` is (the block cache's words,
  // the trace-mode decode cache).
  const std::uint32_t want = std::max<std::uint32_t>(size, kCodeBytes);
  const PagingRegs& regs = code_regs();
  auto phys = linear_to_physical(ram_, regs, addr);
  if (phys && (addr & (kPageSize - 1)) + want <= kPageSize &&
      std::uint64_t{*phys & ~(kPageSize - 1)} + kPageSize <= ram_.size()) {
    code_page_valid_ = true;
    code_page_linear_ = addr & ~(kPageSize - 1);
    code_page_phys_ = *phys & ~(kPageSize - 1);
    return ram_.data() + *phys;
  }
  // Across a page boundary (or beyond RAM): copy page by page, zeros where nothing is mapped.
  code_scratch_.assign(want, 0);
  for (std::uint32_t off = 0; off < want;) {
    const std::uint32_t a = addr + off;
    const std::uint32_t k = std::min(want - off, kPageSize - (a & (kPageSize - 1)));
    auto p = linear_to_physical(ram_, regs, a);
    if (p && std::uint64_t{*p} + k <= ram_.size())
      std::memcpy(code_scratch_.data() + off, ram_.data() + *p, k);
    off += k;
  }
  return code_scratch_.data();
}

const PagingRegs& Machine::code_regs() {
  // The paging registers change only through instructions that end their translated block (CR0/
  // CR3/CR4 loads): re-read them at the block (or instruction) after one, not at every block.
  if (!code_regs_valid_) {
    code_regs_ = paging_regs();
    code_regs_valid_ = true;
    code_page_valid_ = false;
  }
  return code_regs_;
}

// WORKAROUND(unicorn 2.1.1): an invalid opcode reaches UC_HOOK_INSN_INVALID first; when the hook
// returns true (claims it), Unicorn raises #UD as an ordinary exception through UC_HOOK_INTR with
// EIP on the instruction, so hook_interrupt delivers it like any fault. (Without the hook,
// uc_emu_start returns UC_ERR_INSN_INVALID; 2.0.1 raised nothing after a claim.) Pinned by
// "unicorn: a claimed invalid opcode comes back as #UD through the interrupt hook".
bool Machine::hook_invalid_insn() {
  return true;
}

// ---- delivery
// -------------------------------------------------------------------------------------

void Machine::deliver(Event ev, std::uint32_t return_eip) {
  MachineMemory mem(ram_, paging_regs());
  std::vector<std::string> chain;
  for (int attempt = 0; attempt < 4; ++attempt) {
    CpuSnapshot s;
    s.eip = return_eip;
    s.eflags = cpu_->reg(Reg::kEflags);
    s.esp = cpu_->reg(Reg::kEsp);
    s.cs = static_cast<std::uint16_t>(cpu_->reg(Reg::kCs));
    s.ss = static_cast<std::uint16_t>(cpu_->reg(Reg::kSs));
    auto g = cpu_->gdtr();
    auto i = cpu_->idtr();
    s.gdt_base = g.base;
    s.gdt_limit = g.limit;
    s.idt_base = i.base;
    s.idt_limit = i.limit;
    s.tr_loaded = (cpu_->tr_selector() & ~3u) != 0;
    s.tr_base = cpu_->tr_base();
    chain.push_back(ev.error_code
                        ? fmt::format("{}({:#06x})", vector_mnemonic(ev.vector), *ev.error_code)
                        : (ev.vector < 32 ? std::string(vector_mnemonic(ev.vector))
                                          : fmt::format("INT {:#04x}", ev.vector)));
    DeliveryOutcome o = fs::deliver(s, mem, ev);
    if (o.delivered) {
      const Delivered& d = *o.delivered;
      if (d.privilege_change) {
        cpu_->load_ring0(d.cs, d.eip, d.ss, d.esp);
      } else {
        cpu_->set_reg(Reg::kEsp, d.esp);
        cpu_->load_cs_eip(d.cs, d.eip);
      }
      cpu_->set_reg(Reg::kEflags, d.eflags);
      clock_.now +=
          cycle_table::int_cycles(d.privilege_change ? cycle_table::Delivery::kToInnerPrivilege
                                                     : cycle_table::Delivery::kSamePrivilege);
      ++stats_.interrupts[ev.vector];
      if (!delivery_observers_.empty()) {
        DeliveryRecord rec{ev, d, return_eip, clock_.now};
        for (auto& f : delivery_observers_) f(*this, rec);
      }
      return;
    }
    const DeliveryFault& f = *o.fault;
    const std::uint8_t current = ev.vector;
    return_eip = delivery_fault_eip(ev, return_eip);  // INT n's delivery faults are faults
    if (current == kDF) {
      chain.push_back(fmt::format("{}({:#06x}) [{}]", vector_mnemonic(f.fault.vector),
                                  f.fault.error_code, f.why));
      fatal(StopReason::kTripleFault,
            fmt::format("triple fault: {} at {}", fmt::join(chain, " -> "), where(return_eip)));
      return;
    }
    const bool is_exception = ev.kind == EventKind::kException && current < 32;
    if (is_exception && becomes_double_fault(current, f.fault.vector)) {
      chain.back() += fmt::format(" [{}]", f.why);
      chain.push_back(
          fmt::format("{}({:#06x})", vector_mnemonic(f.fault.vector), f.fault.error_code));
      ev = Event{kDF, EventKind::kException, 0u};
    } else {
      chain.back() += fmt::format(" [{}]", f.why);
      ev = Event{f.fault.vector, EventKind::kException, std::nullopt};
      if (pushes_error_code(f.fault.vector)) ev.error_code = f.fault.error_code;
      if (f.fault.vector == kPF) cpu_->set_reg(Reg::kCr2, f.fault.cr2);
    }
  }
  fatal(StopReason::kTripleFault,
        fmt::format("triple fault: {} at {}", fmt::join(chain, " -> "), where(return_eip)));
}

std::string Machine::where(std::uint32_t eip) const {
  return fmt::format("{:04x}:{:08x} <{}>", cpu_->reg(Reg::kCs), eip, symbols_.describe(eip));
}

void Machine::fatal(StopReason r, std::string message, bool with_history) {
  if (result_) return;
  RunResult res;
  res.reason = r;
  res.exit_status = exit_status_for(r, 0);
  res.message = std::move(message);
  if (with_history) res.last_instructions = history();
  result_ = std::move(res);
  request_stop(StopKind::kFatal);
}

std::vector<std::string> Machine::history() const {
  // Newest last. Fast mode keeps blocks with how many of their instructions retired.
  std::vector<std::uint32_t> addrs;
  const std::size_t n = std::min(recent_pos_, recent_.size());
  for (std::size_t i = 0; i < n && addrs.size() < 16; ++i) {
    const Recent& r = recent_[(recent_pos_ - 1 - i) % recent_.size()];
    if (!r.block) {
      addrs.push_back(r.addr);
      continue;
    }
    for (std::uint32_t j = std::min<std::uint32_t>(r.executed, r.block->insns.size()); j-- > 0;) {
      addrs.push_back(r.block->insns[j].addr);
      if (addrs.size() >= 16) break;
    }
  }
  std::vector<std::string> out;
  auto& dec = const_cast<Decoder&>(decoder_);
  for (auto it = addrs.rbegin(); it != addrs.rend(); ++it) {
    std::uint8_t bytes[16] = {};
    read(*it, bytes, sizeof bytes);
    out.push_back(fmt::format("{:08x} <{}> {}", *it, symbols_.describe(*it),
                              dec.disassemble(*it, bytes, sizeof bytes)));
  }
  return out;
}

}  // namespace fs
