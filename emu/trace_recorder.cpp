#include "emu/trace_recorder.hpp"

#include <fmt/format.h>

#include <array>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include "emu/store_address.hpp"
#include "guest/include/abi.h"

namespace fs {

namespace tr = fs::trace;

namespace {

// Reg (emu) order is EAX..EDI, EIP, EFLAGS, CS, SS, DS, ES, FS, GS, CR0, CR2, CR3, CR4; the trace's
// register ids follow it up to GS, then TR, CR0, CR2, CR3, CPL. So a RegMask (EAX..EFLAGS) is also
// a mask of trace ids.
constexpr std::uint32_t kEipBit = 1u << static_cast<unsigned>(tr::Reg::kEip);
constexpr std::uint32_t kAllTraceRegs = ((1u << tr::kRegCount) - 1) & ~kEipBit;
// Every so many instructions the recorder reads every register and checks the ones it did not read
// (a write set that missed one): the trace heals there and missed_writes() counts it.
constexpr std::uint32_t kResyncInterval = 65536;

struct InsnMeta {
  std::uint64_t seq = 0;
  std::uint64_t cycle = 0;
  std::uint32_t eip = 0;
  std::uint8_t len = 0;
  bool writes_system = false;
  bool is_iret = false;
  bool flushes_tlb = false;
  RegMask writes = kAllFastRegs;  // EAX..EDI, EFLAGS it may write
};

// An IRET about to execute: what its event needs from before it.
struct IretStart {
  std::array<std::uint32_t, 5> words{};  // the words at ESP
  std::uint16_t cs = 0;
};

// Where the kernel's own transitions start (kernel images only).
struct KernelSites {
  std::uint32_t ret_from_fork = 0, switch_to = 0, system_call = 0, syscall_exit = 0,
                wake_up_new_task = 0;
  std::uint32_t do_execve = 0;  // 0 in kernels without exec
  std::uint32_t init_task = 0;  // swapper, running until the first switch
};

// Records for the writer, in the order the recorder produced them: instructions (each with its
// changes) and the events between them.
struct Batch {
  // 64 Ki records (about 3.5 MiB with the changes): each hand-over wakes the other thread, and
  // with 4 Ki records a traced Linux boot made 72 000 of them (30.9 s -> 26.0 s wall).
  static constexpr std::size_t kRecords = 1u << 16;
  static constexpr std::size_t kChanges = 4 * kRecords;  // room for tr::kRegCount more always kept
  struct Record {
    std::uint64_t cycle;
    std::uint32_t eip;
    std::uint8_t len;
    std::uint8_t changes;  // the next `changes` entries of `changes`
    std::uint32_t mems;    // the next `mems` entries of `mems`
  };
  std::unique_ptr<Record[]> records{new Record[kRecords]};
  std::unique_ptr<tr::RegChange[]> changes{new tr::RegChange[kChanges + tr::kRegCount]};
  std::size_t n = 0, n_changes = 0;
  std::vector<tr::MemWrite> mems;
  std::vector<std::pair<std::size_t, tr::Event>> events;  // (records before it, event)

  bool full() const { return n == kRecords || n_changes > kChanges || mems.size() > kChanges; }
  bool empty() const { return n == 0 && events.empty(); }
  void clear() {
    n = n_changes = 0;
    mems.clear();
    events.clear();
  }
};

// Feeds the writer on a thread of its own, a batch at a time: encoding the records costs about as
// much as recording them, and the machine's thread has better things to do. The writer sees the
// same calls in the same order as if the recorder made them itself, so the file is the same.
// Without a second hardware thread, the batches are encoded in place.
class Encoder {
 public:
  explicit Encoder(tr::Writer& w) : w_(w) {
    if (std::thread::hardware_concurrency() > 1) thread_ = std::thread([this] { loop(); });
  }
  ~Encoder() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  Batch& batch() { return *fill_; }

  // Hands the filled batch over (waiting for the previous one to be encoded) and returns the one
  // to fill next; rethrows what the writer threw on an earlier batch.
  Batch& submit() {
    if (!thread_.joinable()) {
      encode(*fill_);
      fill_->clear();
      return *fill_;
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !job_; });
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    std::swap(fill_, busy_);
    job_ = true;
    lock.unlock();
    cv_.notify_all();
    fill_->clear();
    return *fill_;
  }

  // Everything submitted and encoded; the writer is the caller's again.
  void drain() {
    if (!fill_->empty()) submit();
    if (!thread_.joinable()) return;
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !job_; });
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  void encode(const Batch& b) {
    const tr::RegChange* c = b.changes.get();
    const tr::MemWrite* mw = b.mems.data();
    std::size_t e = 0;
    for (std::size_t i = 0; i < b.n; ++i) {
      while (e < b.events.size() && b.events[e].first == i) w_.event(b.events[e++].second);
      const Batch::Record& r = b.records[i];
      w_.instruction(r.cycle, r.eip, r.len, std::span(c, r.changes), std::span(mw, r.mems));
      c += r.changes;
      mw += r.mems;
    }
    while (e < b.events.size()) w_.event(b.events[e++].second);
  }

  void loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return job_ || stop_; });
      if (!job_) return;
      lock.unlock();
      std::exception_ptr err;
      try {
        encode(*busy_);
      } catch (...) {
        err = std::current_exception();
      }
      lock.lock();
      if (err && !error_) error_ = err;
      job_ = false;
      cv_.notify_all();
    }
  }

  tr::Writer& w_;
  std::unique_ptr<Batch> fill_ = std::make_unique<Batch>();
  std::unique_ptr<Batch> busy_ = std::make_unique<Batch>();  // the thread's while job_
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool job_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace

struct TraceRecorder::Impl {
  Machine& m;
  const UnicornCpu& cpu;
  std::unique_ptr<tr::Writer> w;
  // Instructions are written one boundary late: `prev` retired, but a fault of `cur` (the
  // instruction that started at the last boundary, not known to retire yet) still folds its
  // delivery's changes into prev's record. `written` is the register file before prev, `now` the
  // one at the current boundary, maintained incrementally: a boundary reads only what cur may have
  // written. `dirty`: the ids that may differ between the two (read since prev's record began).
  // prev is written at the boundary where cur turns out to have retired, before that boundary's
  // reads, when `now` still holds the state after prev.
  tr::RegFile now;
  tr::RegFile written;
  std::uint32_t dirty = 0;
  bool have_prev = false;
  bool have_cur = false;
  InsnMeta prev, cur;
  IretStart iret;  // cur's, when cur is an IRET
  bool need_system = true;
  std::uint32_t until_resync = kResyncInterval;
  std::uint64_t missed = 0;
  std::optional<KernelSites> kernel;
  // UserSpace events: the task running (from the switches), and the address space each task was
  // last seen on in ring 3 (forgotten at exec and when a task is new).
  std::uint32_t running_task = 0;
  std::uint32_t us_task = 0, us_cr3 = 0;  // the last (task, CR3) checked
  std::unordered_map<std::uint32_t, std::uint32_t> user_cr3;
  std::unique_ptr<Encoder> enc;       // after w: stopped before the writer goes
  Batch* batch = nullptr;             // enc's batch being filled (changes at each submit)
  const DecodedInsn* insn = nullptr;  // the machine's current instruction (a stable reference)
  // The guest's stores (Machine::on_guest_store) by linear address, in the order made: cur's so
  // far, and prev's (written with its record). A store of an instruction that faulted belongs to
  // prev, as the registers its delivery changed do.
  StoreAddress store_address;
  std::vector<tr::MemWrite> cur_mem, prev_mem;

  Impl(Machine& machine)
      : m(machine),
        cpu(machine.cpu()),
        insn(&machine.current_instruction()),
        store_address(machine.ram()) {}

  void read_all() {
    cpu.read_regs(now.v.data(), tr::kRegCount);  // the trace's ids are Reg's
    dirty = kAllTraceRegs;
    store_address.set_paging(
        PagingRegs{now[tr::Reg::kCr0], now[tr::Reg::kCr3], cpu.reg(Reg::kCr4)});
  }

  static void on_store_cb(void* self, std::uint32_t phys, unsigned size, std::uint64_t value) {
    Impl& s = *static_cast<Impl*>(self);
    const std::uint32_t lin = s.store_address.linear(phys, s.now.v.data(), s.now.cpl() == 3);
    s.cur_mem.push_back(tr::MemWrite{lin, static_cast<std::uint8_t>(size), value});
  }

  // cur retired: its stores become prev's. Or it faulted: they join prev's.
  void shift_mem(bool retired) {
    if (retired)
      prev_mem.swap(cur_mem);
    else
      prev_mem.insert(prev_mem.end(), cur_mem.begin(), cur_mem.end());
    cur_mem.clear();
  }

  // The safety net for the write sets (x86/reg_writes.hpp): every register, compared with what the
  // recorder believes.
  void resync() {
    until_resync = kResyncInterval;
    const tr::RegFile believed = now;
    read_all();
    for (std::size_t i = 0; i < tr::kRegCount; ++i)
      if (i != static_cast<std::size_t>(tr::Reg::kEip) && now.v[i] != believed.v[i]) ++missed;
  }

  // prev's record, with `now` the state after it: the registers of `dirty` whose value differs
  // from before it, in id order.
  void write_prev() {
    if (batch->full()) [[unlikely]]
      batch = &enc->submit();
    Batch* b = batch;
    tr::RegChange* out = &b->changes[b->n_changes];
    std::size_t n = 0;
    for (std::uint32_t d = dirty; d; d &= d - 1) {
      const unsigned i = static_cast<unsigned>(__builtin_ctz(d));
      const std::uint32_t v = now.v[i];
      out[n] = {static_cast<tr::Reg>(i), v};  // kept only if it changed (no branch to mispredict)
      n += v != written.v[i];
      written.v[i] = v;
    }
    dirty = 0;
    b->records[b->n++] = Batch::Record{prev.cycle, prev.eip, prev.len, static_cast<std::uint8_t>(n),
                                       static_cast<std::uint32_t>(prev_mem.size())};
    b->n_changes += n;
    if (!prev_mem.empty()) {
      b->mems.insert(b->mems.end(), prev_mem.begin(), prev_mem.end());
      prev_mem.clear();
    }
  }

  void event(std::uint64_t seq, tr::EventData data) {
    Batch& b = *batch;
    b.events.emplace_back(b.n, tr::Event{seq, m.clock().now, std::move(data)});
  }

  std::int32_t pid_of(std::uint32_t task) const {
    return static_cast<std::int32_t>(m.read32(task + TASK_PID));
  }
  // The task's comm (TASK_COMM, the shared ABI header), up to its NUL.
  std::string comm_of(std::uint32_t task) const {
    std::string comm;
    for (std::uint32_t i = 0; i < TASK_COMM_LEN; ++i) {
      std::uint8_t c = 0;
      if (!m.read(task + TASK_COMM + i, &c, 1) || c == 0) break;
      comm.push_back(static_cast<char>(c));
    }
    return comm;
  }
  std::vector<std::uint32_t> words(std::uint32_t addr, std::uint32_t n) const {
    std::vector<std::uint32_t> w(n);
    for (std::uint32_t i = 0; i < n; ++i) w[i] = m.read32(addr + 4 * i);
    return w;
  }
  std::uint32_t current_task(std::uint32_t esp) const {
    return m.read32((esp & ~std::uint32_t{THREAD_SIZE - 1}) + TI_TASK);
  }

  static void on_instruction_cb(void* self, std::uint32_t eip, Cycles t) {
    static_cast<Impl*>(self)->on_instruction(eip, t);
  }

  void on_instruction(std::uint32_t eip, Cycles t) {
    const std::uint64_t seq = m.stats().instructions;
    const bool retired = have_cur && seq == cur.seq + 1;  // else cur faulted (or none yet)
    if (retired) [[likely]] {
      if (have_prev) write_prev();
      prev = cur;
      have_prev = true;
    }
    if (have_cur) {
      shift_mem(retired);
      if (cur.flushes_tlb) [[unlikely]]
        store_address.flush();
    }
    // What cur changed (when it faulted, what the delivery changed: that belongs to prev).
    if (need_system || (have_cur && cur.writes_system)) [[unlikely]] {
      read_all();
      need_system = false;
    } else if (have_cur && cur.writes) {
      cpu.read_regs_masked(now.v.data(), cur.writes);
      dirty |= cur.writes;
    }
    now[tr::Reg::kEip] = eip;
    if (--until_resync == 0) [[unlikely]]
      resync();
    if (retired && cur.is_iret) [[unlikely]]
      iret_event(cur, seq, FarPtr{now.cs(), now.eip()});
    const DecodedInsn& d = *insn;
    cur.seq = seq;
    cur.cycle = t;
    cur.eip = eip;
    cur.len = d.len ? d.len : 1;
    cur.writes_system = d.writes_system;
    cur.writes = m.current_writes();
    cur.is_iret = d.cls == InsnClass::kIret;
    cur.flushes_tlb = d.flushes_tlb;
    if (cur.is_iret) [[unlikely]] {
      const std::uint32_t esp = now.esp();
      for (std::size_t i = 0; i < iret.words.size(); ++i)
        iret.words[i] = m.read32(esp + 4 * static_cast<std::uint32_t>(i));
      iret.cs = now.cs();
    }
    have_cur = true;
    if (kernel && is_kernel_site(eip)) [[unlikely]]
      kernel_events(eip, seq);
    if (kernel && now.cpl() == 3 && (running_task != us_task || now[tr::Reg::kCr3] != us_cr3))
        [[unlikely]]
      user_space_check(seq);
  }

  void user_space_check(std::uint64_t seq) {
    us_task = running_task;
    us_cr3 = now[tr::Reg::kCr3];
    auto [it, fresh] = user_cr3.try_emplace(us_task, us_cr3);
    if (!fresh && it->second == us_cr3) return;
    it->second = us_cr3;
    tr::UserSpace u;
    u.task = us_task;
    u.pid = pid_of(us_task);
    u.cr3 = us_cr3;
    u.comm = comm_of(us_task);
    event(seq, std::move(u));
  }

  // to: where the IRET went (the next instruction's CS:EIP, or the CS:EIP a delivery at the
  // boundary after it interrupted).
  void iret_event(const InsnMeta& insn, std::uint64_t seq, FarPtr to) {
    tr::Iret e;
    e.cpl_before = static_cast<std::uint8_t>(iret.cs & 3u);
    e.cpl_after = static_cast<std::uint8_t>(to.cs & 3u);
    const std::size_t words = e.cpl_after > e.cpl_before ? 5 : 3;
    e.frame.assign(iret.words.begin(), iret.words.begin() + words);
    e.from = {iret.cs, insn.eip};
    e.to = to;
    event(seq, std::move(e));
  }

  bool is_kernel_site(std::uint32_t eip) const {
    const KernelSites& k = *kernel;
    return eip == k.switch_to || eip == k.ret_from_fork || eip == k.wake_up_new_task ||
           eip == k.system_call || eip == k.syscall_exit || eip == k.do_execve;
  }

  void kernel_events(std::uint32_t eip, std::uint64_t seq) {
    const KernelSites& k = *kernel;
    if (eip == k.do_execve) {  // the running task's next ring-3 code is a new program's
      user_cr3.erase(running_task);
      us_task = 0;
    } else if (eip == k.switch_to) {  // fastcall __switch_to(prev = EAX, next = EDX)
      const std::uint32_t p = now[tr::Reg::kEax], n = now[tr::Reg::kEdx];
      running_task = n;
      event(seq, tr::Switch{pid_of(p), pid_of(n), p, n});
    } else if (eip == k.ret_from_fork) {
      const std::uint32_t esp = now.esp();
      const std::uint32_t task = current_task(esp);
      user_cr3.erase(task);  // a new task (its task_struct may be an old one's)
      us_task = 0;
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
      const std::uint32_t child = now[tr::Reg::kEax];
      const std::uint32_t parent = current_task(now.esp());
      tr::Fork f;
      f.parent_pid = pid_of(parent);
      f.child_pid = pid_of(child);
      f.clone_flags = now[tr::Reg::kEdx];
      f.child_task = child;
      const std::uint32_t top = m.read32(parent + TASK_THREAD_INFO) + THREAD_SIZE;
      f.parent_regs = words(top - COPY_THREAD_RESERVE - PT_REGS_SIZE, PT_REGS_SIZE / 4);
      f.comm = comm_of(child);  // copy_process() set it: a kernel thread's only name
      event(seq, std::move(f));
    } else if (eip == k.system_call) {
      event(seq, tr::SyscallEntry{now[tr::Reg::kEax],
                                  {now[tr::Reg::kEbx], now[tr::Reg::kEcx], now[tr::Reg::kEdx],
                                   now[tr::Reg::kEsi], now[tr::Reg::kEdi], now[tr::Reg::kEbp]}});
    } else if (eip == k.syscall_exit) {
      // Also reached by ret_from_fork, where a kernel thread's pt_regs say orig_eax = -1.
      const std::uint32_t nr = m.read32(now.esp() + PT_ORIG_EAX);
      if (nr != 0xFFFFFFFFu) {
        event(seq, tr::SyscallExit{nr, static_cast<std::int32_t>(m.read32(now.esp() + PT_EAX))});
      }
    }
  }

  void on_delivery(const tr::Delivery& d) {
    // A delivery at the boundary right after an IRET (an IRQ it unmasked, or a #PF fetching at its
    // target: the IRET retired, docs/machine.md) follows the IRET's event, which says where the
    // IRET went: the CS:EIP the delivery interrupted, not the handler's first instruction.
    // (cur.is_iret cleared: its event is written, here and not again at the next instruction.)
    if (have_cur && cur.is_iret && m.stats().instructions == cur.seq + 1) [[unlikely]] {
      iret_event(cur, cur.seq + 1, d.from);
      cur.is_iret = false;
    }
    need_system = true;
    // The machine's record is the trace's (x86/delivery.hpp); the format holds at most
    // kMaxDeliveryWrites of its stores (more would take four nested faults, each past a page).
    if (d.writes.size() > tr::kMaxDeliveryWrites) [[unlikely]] {
      tr::Delivery e = d;
      e.writes.resize(tr::kMaxDeliveryWrites);
      event(m.stats().instructions, std::move(e));
      return;
    }
    event(m.stats().instructions, d);
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
  s.enc = std::make_unique<Encoder>(*s.w);
  s.batch = &s.enc->batch();

  const SymbolTable& syms = m.symbols();
  auto rff = syms.address_of("ret_from_fork");
  auto sw = syms.address_of("__switch_to");
  auto sc = syms.address_of("system_call");
  auto se = syms.address_of("syscall_exit");
  auto wk = syms.address_of("wake_up_new_task");
  if (rff && sw && sc && se && wk) {
    s.kernel = KernelSites{*rff,
                           *sw,
                           *sc,
                           *se,
                           *wk,
                           syms.address_of("do_execve").value_or(0),
                           syms.address_of("init_task").value_or(0)};
    s.running_task = s.kernel->init_task;
  }

  m.on_instruction_fast(&Impl::on_instruction_cb, &s);
  m.on_guest_store(&Impl::on_store_cb, &s);
  m.on_delivery([&s](Machine&, const Delivery& d) { s.on_delivery(d); });
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
  const bool cur_retired = s.have_cur && s.cur.seq + 1 == retired;
  if (cur_retired) {
    if (s.have_prev) s.write_prev();
    s.prev = s.cur;
    s.have_prev = true;
  }
  if (s.have_cur) s.shift_mem(cur_retired);
  s.have_cur = false;
  s.read_all();
  if (s.have_prev) {
    s.write_prev();
    s.have_prev = false;
  }
  s.event(retired, tr::Stop{static_cast<std::uint8_t>(r.reason), r.exit_status, r.message});
  s.enc->drain();
  s.batch = &s.enc->batch();
  s.w->finish();
}

std::uint64_t TraceRecorder::instructions() const {
  return impl_->w->instructions();
}
std::uint64_t TraceRecorder::bytes() const {
  return impl_->w->bytes_written();
}
std::uint64_t TraceRecorder::missed_writes() const {
  return impl_->missed;
}

}  // namespace fs
