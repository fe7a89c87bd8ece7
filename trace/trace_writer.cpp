// The trace writer (trace/trace_writer.hpp); the bytes are specified in docs/trace-format.md.
#include "trace/trace_writer.hpp"

#include <fmt/format.h>
#include <zstd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <type_traits>

#include "trace/trace_codec.hpp"

namespace fs::trace {

using namespace codec;

namespace {

void check_frame(const std::string& path, const std::vector<std::uint32_t>& frame) {
  if (frame.size() > kMaxFrameWords)
    throw TraceError(fmt::format("{}: event frame of {} words (at most {})", path, frame.size(),
                                 kMaxFrameWords));
}

void put_far(ByteBuf& b, const FarPtr& p) {
  b.varint(p.cs);
  b.varint(p.eip);
}

void put_frame(ByteBuf& b, const std::vector<std::uint32_t>& frame) {
  b.varint(frame.size());
  for (std::uint32_t w : frame) b.varint(w);
}

void put_words(ByteBuf& b, const std::vector<std::uint32_t>& words) {
  b.varint(words.size());
  for (std::uint32_t w : words) b.varint(w);
}

void put_sint(ByteBuf& b, std::int32_t v) {
  b.varint(zigzag32(v));
}

// The kind-specific fields of an event (docs/trace-format.md "Events").
void put_event_fields(ByteBuf& b, const EventData& data) {
  std::visit(
      [&b](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, Delivery>) {
          b.u8(d.vector);
          b.u8(static_cast<std::uint8_t>(static_cast<unsigned>(d.kind) |
                                         (d.has_error_code ? 4u : 0u) |
                                         (d.stack_switched ? 8u : 0u)));
          b.varint(d.error_code);
          put_far(b, d.from);
          put_far(b, d.to);
          b.varint(d.esp0_used);
          put_frame(b, d.frame);
          b.varint(d.writes.size());
          for (const MemWrite& m : d.writes) {
            b.u8(static_cast<std::uint8_t>(mem_size_code(m.size)));
            b.varint(m.addr);
            b.varint(m.value);
          }
        } else if constexpr (std::is_same_v<T, Iret>) {
          put_frame(b, d.frame);
          b.u8(d.cpl_before);
          b.u8(d.cpl_after);
          put_far(b, d.from);
          put_far(b, d.to);
        } else if constexpr (std::is_same_v<T, Hlt>) {
          b.varint(d.idle_cycles);
        } else if constexpr (std::is_same_v<T, PortIo>) {
          b.varint(d.port);
          b.u8(d.size);
          b.u8(d.is_write ? 1 : 0);
          b.varint(d.value);
        } else if constexpr (std::is_same_v<T, Switch>) {
          put_sint(b, d.prev_pid);
          put_sint(b, d.next_pid);
          b.varint(d.prev_task);
          b.varint(d.next_task);
        } else if constexpr (std::is_same_v<T, RetFromFork>) {
          put_sint(b, d.pid);
          b.varint(d.task);
          b.varint(d.esp);
          put_words(b, d.regs);
          b.varint(d.tss_esp0);
          b.varint(d.thread_esp0);
          b.varint(d.stack_top);
        } else if constexpr (std::is_same_v<T, Fork>) {
          put_sint(b, d.parent_pid);
          put_sint(b, d.child_pid);
          b.varint(d.clone_flags);
          b.varint(d.child_task);
          put_words(b, d.parent_regs);
          b.varint(d.comm.size());
          b.bytes(d.comm.data(), d.comm.size());
        } else if constexpr (std::is_same_v<T, UserSpace>) {
          put_sint(b, d.pid);
          b.varint(d.task);
          b.varint(d.cr3);
          b.varint(d.comm.size());
          b.bytes(d.comm.data(), d.comm.size());
        } else if constexpr (std::is_same_v<T, SyscallEntry>) {
          b.varint(d.nr);
          for (std::uint32_t a : d.args) b.varint(a);
        } else if constexpr (std::is_same_v<T, SyscallExit>) {
          b.varint(d.nr);
          put_sint(b, d.result);
        } else if constexpr (std::is_same_v<T, Stop>) {
          b.u8(d.reason);
          put_sint(b, d.exit_status);
          b.varint(d.message.size());
          b.bytes(d.message.data(), d.message.size());
        }
      },
      data);
}

std::string basename_of(const std::string& name) {
  const auto slash = name.find_last_of('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

}  // namespace

struct Writer::Impl {
  std::string path;
  WriterOptions opt;
  std::FILE* file = nullptr;
  ZSTD_CCtx* cctx = nullptr;

  std::array<ByteBuf, kSectionCount> sec;
  ByteBuf payload;

  // The chunk being compressed and written (by the worker thread, if any). While job_ready the
  // worker owns job_*, compressed, cctx, file and index.
  ChunkHeader job_header;
  ByteBuf job_payload;
  std::vector<std::uint8_t> compressed;
  std::thread worker;
  std::mutex mu;
  std::condition_variable cv;
  bool job_ready = false;
  bool stop = false;
  std::string worker_error;

  RegFile cur;  // before the next instruction; EIP = the previous instruction's fallthrough
  RegFile snapshot;
  bool chunk_open = false;
  std::uint64_t chunk_first_seq = 0;
  std::uint64_t chunk_first_cycle = 0;
  std::uint32_t chunk_first_eip = 0;
  std::uint32_t chunk_insns = 0;
  std::uint32_t chunk_events = 0;
  std::uint64_t chunk_event_seq = 0;    // previous event's seq in this chunk
  std::uint64_t chunk_event_cycle = 0;  // previous event's cycle in this chunk
  std::uint32_t chunk_mem_addr = 0;     // previous memory write's address in this chunk

  std::uint64_t last_cycle = 0;  // previous instruction's start cycle
  std::uint64_t n_insns = 0;
  std::uint64_t n_events = 0;
  std::uint64_t last_event_seq = 0;
  std::atomic<std::uint64_t> bytes = 0;
  std::atomic<std::uint64_t> chunk_count = 0;
  std::vector<Event> pending;  // events whose seq is ahead of n_insns, in call order
  std::vector<ChunkInfo> index;
  bool finished = false;

  ~Impl() {
    try {
      stop_worker();
    } catch (...) {
    }
    if (file) std::fclose(file);
    ZSTD_freeCCtx(cctx);
  }

  // The payload grows by at most kMaxInsnRecordBytes per instruction record: its size is compared
  // with kSealPayload only when it may have crossed it (and at the first instruction after an
  // event), which seals at the same instruction as a check after every one.
  // An instruction with more memory writes than kMemWritesInBound checks the size right after it.
  static constexpr std::size_t kMemWritesInBound = 4;
  static constexpr std::size_t kMaxInsnRecordBytes =
      1 + 10 + 5 + 1 + (1 + 5) * kMaxChangesPerInsn + (1 + 5 + 10) * kMemWritesInBound;
  std::size_t until_size_check = 1;
  void schedule_size_check() {
    until_size_check = (kSealPayload - payload_size()) / kMaxInsnRecordBytes + 1;
  }

  [[noreturn]] void bad_instruction(std::uint64_t cycle, std::uint8_t len,
                                    std::span<const RegChange> changes,
                                    std::span<const MemWrite> mem) {
    for (const MemWrite& m : mem)
      if (mem_size_code(m.size) < 0)
        throw TraceError(
            fmt::format("{}: instruction {} writes {} bytes to memory", path, n_insns, m.size));
    if (len == 0 || len > 15)
      throw TraceError(fmt::format("{}: instruction {} has length {}", path, n_insns, len));
    if (cycle < last_cycle)
      throw TraceError(
          fmt::format("{}: instruction {} starts at cycle {}, before the previous one ({})", path,
                      n_insns, cycle, last_cycle));
    if (changes.size() > kMaxChangesPerInsn)
      throw TraceError(
          fmt::format("{}: instruction {} changes {} registers", path, n_insns, changes.size()));
    for (const RegChange& c : changes) {
      if (static_cast<std::size_t>(c.reg) >= kRegCount || c.reg == Reg::kEip)
        throw TraceError(fmt::format("{}: instruction {} changes register id {}", path, n_insns,
                                     static_cast<unsigned>(c.reg)));
    }
    throw TraceError(fmt::format("{}: instruction {} is invalid", path, n_insns));
  }

  [[noreturn]] void io_error(const char* what) {
    const int err = errno;
    throw TraceError(fmt::format("{}: {}: {}", path, what, std::strerror(err)));
  }

  void write(const void* p, std::size_t n) {
    if (n == 0) return;
    if (!file) throw TraceError(fmt::format("{}: trace writer already failed or finished", path));
    if (std::fwrite(p, 1, n, file) != n) io_error("write failed");
    bytes += n;
  }

  void write_header(const Header& h) {
    if (h.build_id.size() > kMaxBuildIdBytes)
      throw TraceError(fmt::format("{}: build id of {} bytes (at most {})", path, h.build_id.size(),
                                   kMaxBuildIdBytes));
    const std::string name = basename_of(h.image_name);
    if (name.size() > kMaxImageName)
      throw TraceError(fmt::format("{}: image name longer than {} bytes", path, kMaxImageName));
    if (h.options.size() > kMaxOptions)
      throw TraceError(fmt::format("{}: more than {} run options", path, kMaxOptions));
    ByteBuf b;
    b.bytes(kFileMagic, sizeof kFileMagic);
    b.u32(kFormatVersion);
    b.u32(0);  // body length, patched below
    b.u8(static_cast<std::uint8_t>(h.build_id.size()));
    b.bytes(h.build_id.data(), h.build_id.size());
    b.u16(static_cast<std::uint16_t>(name.size()));
    b.bytes(name.data(), name.size());
    b.u16(static_cast<std::uint16_t>(h.options.size()));
    for (const auto& [key, value] : h.options) {
      if (key.empty() || key.size() > kMaxOptionKey ||
          key.find_first_of("=\n") != std::string::npos)
        throw TraceError(fmt::format("{}: bad run option key '{}'", path, key));
      if (value.size() > kMaxOptionValue || value.find('\n') != std::string::npos)
        throw TraceError(fmt::format("{}: bad value for run option '{}'", path, key));
      b.u16(static_cast<std::uint16_t>(key.size()));
      b.bytes(key.data(), key.size());
      b.u32(static_cast<std::uint32_t>(value.size()));
      b.bytes(value.data(), value.size());
    }
    b.u8(static_cast<std::uint8_t>(kRegCount));
    for (std::uint32_t v : h.regs.v) b.u32(v);
    store_u32(b.data() + 12, static_cast<std::uint32_t>(b.size() + 8 - kFilePrefixBytes));
    b.u64(fnv1a64(b.data(), b.size()));  // over everything before it
    write(b.data(), b.size());
  }

  void open_chunk() {
    chunk_open = true;
    snapshot = cur;
    chunk_first_seq = n_insns;
    chunk_first_cycle = last_cycle;
    chunk_first_eip = 0;
    chunk_insns = 0;
    chunk_events = 0;
    chunk_event_seq = chunk_first_seq;
    chunk_event_cycle = 0;
    chunk_mem_addr = 0;
    for (auto& s : sec) s.clear();
    until_size_check = 1;
  }

  // An instruction's memory writes (docs/trace-format.md "Memory writes").
  void put_mem(std::span<const MemWrite> mem) {
    const std::size_t n = mem.size();
    std::uint8_t* o = sec[kMemOps].tail(n);
    std::uint8_t* a = sec[kMemAddrs].tail(5 * n);
    std::uint8_t* v = sec[kMemValues].tail(10 * n);
    for (std::size_t i = 0; i < n; ++i) {
      const MemWrite& m = mem[i];
      *o++ = static_cast<std::uint8_t>(mem_size_code(m.size) | (i + 1 < n ? kMemMore : 0));
      a = put_varint(a, zigzag32(static_cast<std::int32_t>(m.addr - chunk_mem_addr)));
      v = put_varint(v, m.value & mem_value_mask(m.size));
      chunk_mem_addr = m.addr;
    }
    sec[kMemOps].commit(o);
    sec[kMemAddrs].commit(a);
    sec[kMemValues].commit(v);
    if (n > kMemWritesInBound) until_size_check = 1;
  }

  std::size_t payload_size() const {
    std::size_t n = kPayloadPrefixBytes;
    for (const auto& s : sec) n += s.size();
    return n;
  }

  void encode_event(const Event& e, std::uint64_t seq) {
    if (!chunk_open) open_chunk();
    ByteBuf& b = sec[kEvents];
    b.u8(static_cast<std::uint8_t>(e.data.index()));
    b.varint(seq - chunk_event_seq);
    if (chunk_events == 0)
      b.varint(e.cycle);
    else
      b.varint(zigzag64(static_cast<std::int64_t>(e.cycle - chunk_event_cycle)));
    put_event_fields(b, e.data);
    chunk_event_seq = seq;
    chunk_event_cycle = e.cycle;
    until_size_check = 1;
    ++chunk_events;
  }

  void flush_pending(bool all) {
    std::size_t i = 0;
    for (; i < pending.size(); ++i) {
      if (!all && pending[i].seq > n_insns) break;
      encode_event(pending[i], all ? std::min(pending[i].seq, n_insns) : pending[i].seq);
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(i));
  }

  // Seal the open chunk: build its payload here, compress and write it here or on the worker.
  void seal() {
    const std::size_t size = payload_size();
    if (size > kMaxChunkPayload)
      throw TraceError(fmt::format("{}: chunk of {} bytes exceeds the format's limit", path, size));
    payload.clear();
    for (std::uint32_t v : snapshot.v) payload.u32(v);
    for (const auto& s : sec) payload.u32(static_cast<std::uint32_t>(s.size()));
    for (const auto& s : sec) payload.bytes(s.data(), s.size());
    ChunkHeader h;
    h.instructions = chunk_insns;
    h.first_seq = chunk_first_seq;
    h.first_cycle = chunk_first_cycle;
    h.events = chunk_events;
    h.first_eip = chunk_first_eip;
    chunk_open = false;
    if (!worker.joinable()) {
      job_header = h;
      std::swap(payload, job_payload);
      compress_and_write();
      return;
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return !job_ready; });
    if (!worker_error.empty()) throw TraceError(worker_error);
    job_header = h;
    std::swap(payload, job_payload);
    job_ready = true;
    cv.notify_all();
  }

  // job_header + job_payload -> a chunk in the file (on the worker thread when there is one).
  void compress_and_write() {
    const std::size_t bound = ZSTD_compressBound(job_payload.size());
    if (compressed.size() < bound) compressed.resize(bound);
    const std::size_t csize = ZSTD_compress2(cctx, compressed.data(), compressed.size(),
                                             job_payload.data(), job_payload.size());
    if (ZSTD_isError(csize))
      throw TraceError(fmt::format("{}: zstd: {}", path, ZSTD_getErrorName(csize)));
    ChunkHeader& h = job_header;
    h.compressed_size = static_cast<std::uint32_t>(csize);
    h.uncompressed_size = static_cast<std::uint32_t>(job_payload.size());
    h.payload_checksum = fnv1a64(compressed.data(), csize);
    std::uint8_t hb[kChunkHeaderBytes];
    encode_chunk_header(h, hb);
    const std::uint64_t offset = bytes.load();
    write(hb, sizeof hb);
    write(compressed.data(), csize);
    index.push_back(
        ChunkInfo{offset, h.first_seq, h.first_cycle, h.instructions, h.events, h.first_eip});
    ++chunk_count;
  }

  void worker_loop() {
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return job_ready || stop; });
      if (!job_ready) return;
      lock.unlock();
      std::string error;
      try {
        compress_and_write();
      } catch (const std::exception& e) {
        error = e.what();
      }
      lock.lock();
      if (!error.empty() && worker_error.empty()) worker_error = error;
      job_ready = false;
      cv.notify_all();
    }
  }

  // Waits for the worker to finish its last chunk and stops it; throws what it failed with.
  void stop_worker() {
    if (worker.joinable()) {
      {
        std::lock_guard lock(mu);
        stop = true;
      }
      cv.notify_all();
      worker.join();
    }
    if (!worker_error.empty()) throw TraceError(worker_error);
  }

  void write_index_and_trailer() {
    const std::uint64_t index_offset = bytes.load();
    ByteBuf b;
    b.bytes(kIndexMagic, sizeof kIndexMagic);
    b.u32(static_cast<std::uint32_t>(index.size()));
    for (const ChunkInfo& c : index) {
      b.u64(c.offset);
      b.u64(c.first_seq);
      b.u64(c.first_cycle);
      b.u32(c.instructions);
      b.u32(c.events);
      b.u32(c.first_eip);
      b.u32(0);
    }
    b.u64(fnv1a64(b.data(), b.size()));
    b.u64(index_offset);
    b.u32(static_cast<std::uint32_t>(index.size()));
    b.u32(0);
    b.bytes(kTrailerMagic, sizeof kTrailerMagic);
    write(b.data(), b.size());
  }
};

Writer::Writer(const std::string& path, const Header& header, const WriterOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& w = *impl_;
  w.path = path;
  w.opt = options;
  if (w.opt.chunk_instructions == 0) w.opt.chunk_instructions = 1;
  w.cctx = ZSTD_createCCtx();
  if (!w.cctx) throw TraceError(fmt::format("{}: zstd: cannot create a compression context", path));
  const std::size_t r = ZSTD_CCtx_setParameter(w.cctx, ZSTD_c_compressionLevel, w.opt.zstd_level);
  if (ZSTD_isError(r)) throw TraceError(fmt::format("{}: zstd: {}", path, ZSTD_getErrorName(r)));
  w.cur = header.regs;
  w.file = std::fopen(path.c_str(), "wb");
  if (!w.file) w.io_error("cannot create trace file");
  w.write_header(header);
  if (w.opt.background) w.worker = std::thread([&w] { w.worker_loop(); });
}

Writer::~Writer() {
  try {
    finish();
  } catch (...) {
  }
}

void Writer::instruction(std::uint64_t cycle, std::uint32_t eip, std::uint8_t len,
                         std::span<const RegChange> changes, std::span<const MemWrite> mem) {
  Impl& w = *impl_;
  if (!w.pending.empty()) [[unlikely]]
    w.flush_pending(false);
  bool bad = len == 0 || len > 15 || cycle < w.last_cycle || changes.size() > kMaxChangesPerInsn;
  for (const RegChange& c : changes)
    bad |= static_cast<std::size_t>(c.reg) >= kRegCount || c.reg == Reg::kEip;
  for (const MemWrite& m : mem) bad |= mem_size_code(m.size) < 0;
  if (bad) [[unlikely]]
    w.bad_instruction(cycle, len, changes, mem);
  if (!w.chunk_open) [[unlikely]]
    w.open_chunk();
  if (w.chunk_insns == 0) {
    w.chunk_first_cycle = cycle;
    w.chunk_first_eip = eip;
    w.last_cycle = cycle;
  }

  const std::size_t n = changes.size();
  const std::uint32_t expected = w.cur.v[static_cast<std::size_t>(Reg::kEip)];
  std::uint8_t op = len;
  op |= static_cast<std::uint8_t>((n < 3 ? n : 3) << kOpChangesShift);
  if (eip != expected) {
    op |= kOpJump;
    ByteBuf& e = w.sec[kEips];
    e.commit(put_varint(e.tail(5), zigzag32(static_cast<std::int32_t>(eip - expected))));
  }
  if (!mem.empty()) [[unlikely]] {
    op |= kOpMem;
    w.put_mem(mem);
  }
  w.sec[kOps].u8(op);
  {
    ByteBuf& c = w.sec[kCycles];
    c.commit(put_varint(c.tail(10), cycle - w.last_cycle));
  }
  if (n) {
    ByteBuf& rb = w.sec[kRegs];
    std::uint8_t* r = rb.tail(1 + n);
    if (n >= 3) *r++ = static_cast<std::uint8_t>(n);  // n <= 20: a one-byte varint
    std::uint8_t* v = w.sec[kValues].tail(5 * n);
    for (const RegChange& c : changes) {
      const auto id = static_cast<std::size_t>(c.reg);
      *r++ = static_cast<std::uint8_t>(id);
      std::uint32_t& old = w.cur.v[id];
      v = put_varint(v, xor_coded(c.reg) ? (old ^ c.value)
                                         : zigzag32(static_cast<std::int32_t>(c.value - old)));
      old = c.value;
    }
    rb.commit(r);
    w.sec[kValues].commit(v);
  }
  w.cur.v[static_cast<std::size_t>(Reg::kEip)] = eip + len;
  w.last_cycle = cycle;
  ++w.chunk_insns;
  ++w.n_insns;
  if (w.chunk_insns >= w.opt.chunk_instructions) {
    w.seal();
  } else if (--w.until_size_check == 0) [[unlikely]] {
    if (w.payload_size() > kSealPayload)
      w.seal();
    else
      w.schedule_size_check();
  }
}

void Writer::event(const Event& e) {
  Impl& w = *impl_;
  if (e.seq < w.n_insns || (w.n_events > 0 && e.seq < w.last_event_seq))
    throw TraceError(fmt::format(
        "{}: event with seq {} out of order ({} instructions written, previous event at seq {})",
        w.path, e.seq, w.n_insns, w.last_event_seq));
  if (const auto* d = std::get_if<Delivery>(&e.data)) {
    check_frame(w.path, d->frame);
    if (d->writes.size() > kMaxDeliveryWrites)
      throw TraceError(fmt::format("{}: delivery with {} memory writes (at most {})", w.path,
                                   d->writes.size(), kMaxDeliveryWrites));
    for (const MemWrite& m : d->writes)
      if (mem_size_code(m.size) < 0)
        throw TraceError(fmt::format("{}: delivery writes {} bytes to memory", w.path, m.size));
  }
  if (const auto* i = std::get_if<Iret>(&e.data)) check_frame(w.path, i->frame);
  auto check_regs = [&w](const std::vector<std::uint32_t>& r) {
    if (r.size() > kMaxRegWords)
      throw TraceError(fmt::format("{}: event pt_regs of {} words (at most {})", w.path, r.size(),
                                   kMaxRegWords));
  };
  if (const auto* r = std::get_if<RetFromFork>(&e.data)) check_regs(r->regs);
  if (const auto* f = std::get_if<Fork>(&e.data)) check_regs(f->parent_regs);
  if (const auto* u = std::get_if<UserSpace>(&e.data); u && u->comm.size() > 16)
    throw TraceError(
        fmt::format("{}: user_space comm of {} bytes (at most 16)", w.path, u->comm.size()));
  if (const auto* s = std::get_if<Stop>(&e.data); s && s->message.size() > kMaxStopMessage)
    throw TraceError(fmt::format("{}: stop message longer than {} bytes", w.path, kMaxStopMessage));
  if (e.seq > w.n_insns || !w.pending.empty())
    w.pending.push_back(e);
  else
    w.encode_event(e, e.seq);
  w.last_event_seq = e.seq;
  ++w.n_events;
}

void Writer::finish() {
  Impl& w = *impl_;
  if (w.finished) return;
  w.finished = true;
  w.flush_pending(true);
  if (w.chunk_open && (w.chunk_insns > 0 || w.chunk_events > 0)) w.seal();
  w.stop_worker();
  w.write_index_and_trailer();
  std::FILE* f = w.file;
  w.file = nullptr;
  if (std::fclose(f) != 0) w.io_error("write failed");
}

std::uint64_t Writer::instructions() const {
  return impl_->n_insns;
}
std::uint64_t Writer::events() const {
  return impl_->n_events;
}
std::uint64_t Writer::bytes_written() const {
  return impl_->bytes;
}
std::uint64_t Writer::chunks() const {
  return impl_->chunk_count.load();
}

}  // namespace fs::trace
