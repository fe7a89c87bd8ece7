#include "emu/trace_recorder.hpp"

#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "guest/include/abi.h"

namespace fs {

namespace tr = fs::trace;

namespace {

// Reg (emu) order is EAX..EDI, EIP, EFLAGS, CS, SS, DS, ES, FS, GS, CR0, CR2, CR3, CR4; the trace's
// register ids follow it up to GS, then TR, CR0, CR2, CR3, CPL.
constexpr std::size_t kFastRegs = 10;  // EAX..EDI, EIP, EFLAGS: read at every instruction
constexpr std::size_t kSystemRegs = static_cast<std::size_t>(Reg::kCr3) + 1;

struct InsnMeta {
  std::uint64_t seq = 0;
  std::uint64_t cycle = 0;
  std::uint32_t eip = 0;
  std::uint8_t len = 0;
  bool writes_system = false;
  bool is_iret = false;
  std::array<std::uint32_t, 5> iret_words{};  // the words at ESP when an IRET starts
  std::uint16_t iret_cs = 0;
};

// Where the kernel's own transitions start (kernel images only).
struct KernelSites {
  std::uint32_t ret_from_fork = 0, switch_to = 0, system_call = 0, syscall_exit = 0,
                wake_up_new_task = 0;
};

}  // namespace

struct TraceRecorder::Impl {
  Machine& m;
  std::unique_ptr<tr::Writer> w;
  tr::RegFile now;      // the register file at the current boundary (maintained incrementally)
  tr::RegFile written;  // the state before `prev` (after the last instruction written)
  tr::RegFile prev_after;
  std::optional<InsnMeta> prev;  // retired; its after-state may still absorb a fault's delivery
  std::optional<InsnMeta> cur;   // started at the current boundary; not known to retire yet
  bool need_system = true;
  std::optional<KernelSites> kernel;
  std::array<tr::RegChange, tr::kRegCount> changes{};

  Impl(Machine& machine) : m(machine) {}

  void read_fast() {
    std::uint32_t v[kFastRegs];
    m.cpu().read_regs(v, kFastRegs);
    for (std::size_t i = 0; i < kFastRegs; ++i) now.v[i] = v[i];
  }
  void read_all() {
    std::uint32_t v[kSystemRegs];
    m.cpu().read_regs(v, kSystemRegs);
    for (std::size_t i = 0; i <= static_cast<std::size_t>(Reg::kGs); ++i) now.v[i] = v[i];
    now[tr::Reg::TR] = m.cpu().tr_selector();
    now[tr::Reg::CR0] = v[static_cast<std::size_t>(Reg::kCr0)];
    now[tr::Reg::CR2] = v[static_cast<std::size_t>(Reg::kCr2)];
    now[tr::Reg::CR3] = v[static_cast<std::size_t>(Reg::kCr3)];
    now[tr::Reg::CPL] = now[tr::Reg::CS] & 3u;
  }

  void write(const InsnMeta& meta, const tr::RegFile& after) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < tr::kRegCount; ++i) {
      if (i == static_cast<std::size_t>(tr::Reg::EIP)) continue;
      if (after.v[i] != written.v[i]) changes[n++] = {static_cast<tr::Reg>(i), after.v[i]};
    }
    w->instruction(meta.cycle, meta.eip, meta.len, std::span(changes.data(), n));
    written = after;
  }

  void event(std::uint64_t seq, tr::EventData data) {
    w->event(tr::Event{seq, m.clock().now, std::move(data)});
  }

  std::int32_t pid_of(std::uint32_t task) const {
    return static_cast<std::int32_t>(m.read32(task + TASK_PID));
  }
  std::vector<std::uint32_t> words(std::uint32_t addr, std::uint32_t n) const {
    std::vector<std::uint32_t> w(n);
    for (std::uint32_t i = 0; i < n; ++i) w[i] = m.read32(addr + 4 * i);
    return w;
  }
  std::uint32_t current_task(std::uint32_t esp) const {
    return m.read32((esp & ~std::uint32_t{THREAD_SIZE - 1}) + TI_TASK);
  }

  void on_instruction(std::uint32_t eip, Cycles t) {
    const std::uint64_t seq = m.stats().instructions;
    if (need_system || (cur && cur->writes_system)) {
      read_all();
      need_system = false;
    } else {
      read_fast();
    }
    if (cur) {
      if (seq == cur->seq + 1) {  // cur retired
        if (prev) write(*prev, prev_after);
        prev = cur;
        prev_after = now;
        if (cur->is_iret) iret_event(*cur, seq);
      } else if (prev) {  // cur faulted: the delivery's changes belong to prev
        prev_after = now;
      }
    }
    const DecodedInsn& d = m.current_instruction();
    InsnMeta meta;
    meta.seq = seq;
    meta.cycle = t;
    meta.eip = eip;
    meta.len = d.len ? d.len : 1;
    meta.writes_system = d.writes_system;
    meta.is_iret = d.cls == InsnClass::kIret;
    if (meta.is_iret) {
      const std::uint32_t esp = now.esp();
      for (std::size_t i = 0; i < meta.iret_words.size(); ++i)
        meta.iret_words[i] = m.read32(esp + 4 * static_cast<std::uint32_t>(i));
      meta.iret_cs = now.cs();
    }
    cur = meta;
    if (kernel) kernel_events(eip, seq);
  }

  void iret_event(const InsnMeta& iret, std::uint64_t seq) {
    tr::Iret e;
    e.cpl_before = static_cast<std::uint8_t>(iret.iret_cs & 3u);
    e.cpl_after = now.cpl();
    const std::size_t words = e.cpl_after > e.cpl_before ? 5 : 3;
    e.frame.assign(iret.iret_words.begin(), iret.iret_words.begin() + words);
    e.from = {iret.iret_cs, iret.eip};
    e.to = {now.cs(), now.eip()};
    event(seq, std::move(e));
  }

  void kernel_events(std::uint32_t eip, std::uint64_t seq) {
    const KernelSites& k = *kernel;
    if (eip == k.switch_to) {  // fastcall __switch_to(prev = EAX, next = EDX)
      const std::uint32_t p = now[tr::Reg::EAX], n = now[tr::Reg::EDX];
      event(seq, tr::Switch{pid_of(p), pid_of(n), p, n});
    } else if (eip == k.ret_from_fork) {
      const std::uint32_t esp = now.esp();
      const std::uint32_t task = current_task(esp);
      tr::RetFromFork r;
      r.pid = pid_of(task);
      r.task = task;
      r.esp = esp;
      r.regs = words(esp, PT_REGS_SIZE / 4);
      r.tss_esp0 = m.tss_esp0();
      r.thread_esp0 = m.read32(task + TASK_THREAD_ESP0);
      r.stack_top = m.read32(task + TASK_THREAD_INFO) + THREAD_SIZE;
      event(seq, std::move(r));
    } else if (eip == k.wake_up_new_task) {  // fastcall (p = EAX, clone_flags = EDX)
      const std::uint32_t child = now[tr::Reg::EAX];
      const std::uint32_t parent = current_task(now.esp());
      tr::Fork f;
      f.parent_pid = pid_of(parent);
      f.child_pid = pid_of(child);
      f.clone_flags = now[tr::Reg::EDX];
      f.child_task = child;
      const std::uint32_t top = m.read32(parent + TASK_THREAD_INFO) + THREAD_SIZE;
      f.parent_regs = words(top - COPY_THREAD_RESERVE - PT_REGS_SIZE, PT_REGS_SIZE / 4);
      event(seq, std::move(f));
    } else if (eip == k.system_call) {
      event(seq, tr::SyscallEntry{now[tr::Reg::EAX],
                                  {now[tr::Reg::EBX], now[tr::Reg::ECX], now[tr::Reg::EDX],
                                   now[tr::Reg::ESI], now[tr::Reg::EDI], now[tr::Reg::EBP]}});
    } else if (eip == k.syscall_exit) {
      // Also reached by ret_from_fork, where a kernel thread's pt_regs say orig_eax = -1.
      const std::uint32_t nr = m.read32(now.esp() + PT_ORIG_EAX);
      if (nr != 0xFFFFFFFFu) {
        event(seq, tr::SyscallExit{nr, static_cast<std::int32_t>(m.read32(now.esp() + PT_EAX))});
      }
    }
  }

  void on_delivery(const DeliveryRecord& r) {
    need_system = true;
    const Delivered& d = r.delivered;
    tr::Delivery e;
    e.vector = r.event.vector;
    e.kind = r.event.kind == EventKind::kSoftware   ? tr::DeliveryKind::SoftwareInt
             : r.event.kind == EventKind::kExternal ? tr::DeliveryKind::Irq
                                                    : tr::DeliveryKind::Exception;
    e.has_error_code = r.event.error_code.has_value();
    e.error_code = r.event.error_code.value_or(0);
    // d.frame is in memory order from the new ESP up: [error], EIP, CS, EFLAGS, [ESP, SS].
    const std::size_t eip_at = e.has_error_code ? 1 : 0;
    const std::uint16_t old_cs =
        d.frame.size() > eip_at + 1 ? static_cast<std::uint16_t>(d.frame[eip_at + 1]) : 0;
    e.from = {old_cs, r.from_eip};
    e.to = {d.cs, d.eip};
    e.stack_switched = d.privilege_change;
    e.esp0_used = d.privilege_change ? d.esp0 : 0;
    e.frame.assign(d.frame.rbegin(), d.frame.rend());  // push order
    event(m.stats().instructions, std::move(e));
  }
};

TraceRecorder::TraceRecorder(Machine& m, const TraceRecorderOptions& opt)
    : impl_(std::make_unique<Impl>(m)) {
  if (!m.options().per_instruction)
    throw std::invalid_argument("trace recording needs the machine in per-instruction mode");
  Impl& s = *impl_;
  s.read_all();
  tr::Header h;
  h.build_id = m.image_build_id();
  h.image_name = std::filesystem::path(opt.image_path).filename().string();
  h.options = opt.run_options;
  h.regs = s.now;
  s.written = s.now;
  tr::WriterOptions wo;
  wo.chunk_instructions = opt.chunk_instructions;
  s.w = std::make_unique<tr::Writer>(opt.path, h, wo);

  const SymbolTable& syms = m.symbols();
  auto rff = syms.address_of("ret_from_fork");
  auto sw = syms.address_of("__switch_to");
  auto sc = syms.address_of("system_call");
  auto se = syms.address_of("syscall_exit");
  auto wk = syms.address_of("wake_up_new_task");
  if (rff && sw && sc && se && wk) s.kernel = KernelSites{*rff, *sw, *sc, *se, *wk};

  m.on_instruction([&s](std::uint32_t eip, Cycles t) { s.on_instruction(eip, t); });
  m.on_delivery([&s](Machine&, const DeliveryRecord& r) { s.on_delivery(r); });
  m.on_port_io([&s](std::uint16_t port, unsigned size, bool is_write, std::uint32_t value) {
    s.event(s.m.stats().instructions,
            tr::PortIo{port, static_cast<std::uint8_t>(size), is_write, value});
  });
  m.on_halt([&s](Cycles idle) { s.event(s.m.stats().instructions, tr::Hlt{idle}); });
}

TraceRecorder::~TraceRecorder() = default;

void TraceRecorder::finish(const RunResult& r) {
  Impl& s = *impl_;
  // The instruction in flight when the run stopped retired unless the machine says otherwise (a
  // triple fault's instruction did not).
  const std::uint64_t retired = s.m.stats().instructions;
  s.need_system = true;
  s.read_all();
  if (s.cur && s.cur->seq + 1 == retired) {
    if (s.prev) s.write(*s.prev, s.prev_after);
    s.prev = s.cur;
    s.prev_after = s.now;
  } else if (s.prev) {
    s.prev_after = s.now;
  }
  s.cur.reset();
  if (s.prev) {
    s.write(*s.prev, s.prev_after);
    s.prev.reset();
  }
  s.event(retired, tr::Stop{static_cast<std::uint8_t>(r.reason), r.exit_status, r.message});
  s.w->finish();
}

std::uint64_t TraceRecorder::instructions() const {
  return impl_->w->instructions();
}
std::uint64_t TraceRecorder::bytes() const {
  return impl_->w->bytes_written();
}

}  // namespace fs
