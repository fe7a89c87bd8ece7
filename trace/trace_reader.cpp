// The trace reader (trace/trace_reader.hpp); the bytes are specified in docs/trace-format.md.
// Every length read from the file is checked against what is left before it is used, and every
// allocation is bounded by the bytes that justify it (the file size, or a chunk's payload size once
// its checksum matched), so no input can crash, hang or exhaust memory.
#include "trace/trace_reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>

#include "trace/trace_codec.hpp"

namespace fs::trace {

using namespace codec;

namespace {

std::uint8_t mem_size_of(std::uint8_t code_byte) {
  return static_cast<std::uint8_t>(1u << (code_byte & kMemSizeMask));
}

FarPtr get_far(Cursor& c) {
  FarPtr p;
  p.cs = c.varint16("far pointer");
  p.eip = c.varint32("far pointer");
  return p;
}

std::vector<std::uint32_t> get_frame(Cursor& c) {
  const std::uint64_t n = c.varint64("frame length");
  if (n > kMaxFrameWords) throw Malformed{"frame longer than 8 words"};
  std::vector<std::uint32_t> words(static_cast<std::size_t>(n));
  for (auto& w : words) w = c.varint32("frame word");
  return words;
}

std::vector<std::uint32_t> get_words(Cursor& c, const char* what) {
  const std::uint64_t n = c.varint64(what);
  if (n > kMaxRegWords) throw Malformed{"pt_regs longer than 16 words"};
  std::vector<std::uint32_t> words(static_cast<std::size_t>(n));
  for (auto& w : words) w = c.varint32(what);
  return words;
}

// A task's comm (fork, user_space): a length of at most 16, then the bytes. The messages are the
// event's (Malformed keeps a pointer: string literals only).
std::string get_comm(Cursor& c, bool fork) {
  const std::uint64_t n = c.varint64(fork ? "fork comm length" : "user_space comm length");
  if (n > 16)
    throw Malformed{fork ? "fork comm longer than 16 bytes"
                         : "user_space comm longer than 16 bytes"};
  const std::uint8_t* p =
      c.take(static_cast<std::size_t>(n), fork ? "fork comm" : "user_space comm");
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::int32_t get_sint(Cursor& c, const char* what) {
  return unzigzag32(c.varint32(what));
}

EventData get_event_fields(Cursor& c, EventKind kind, std::uint32_t version) {
  switch (kind) {
    case EventKind::Delivery: {
      Delivery d;
      d.vector = c.u8("delivery vector");
      const std::uint8_t flags = c.u8("delivery flags");
      if ((flags & 3) > 2 || (flags & ~0x0Fu)) throw Malformed{"delivery flags"};
      d.kind = static_cast<DeliveryKind>(flags & 3);
      d.has_error_code = flags & 4;
      d.stack_switched = flags & 8;
      d.error_code = c.varint32("delivery error code");
      d.from = get_far(c);
      d.to = get_far(c);
      d.esp0_used = c.varint32("delivery esp0");
      d.frame = get_frame(c);
      if (version >= kMemWritesVersion) {
        const std::uint64_t n = c.varint64("delivery writes");
        if (n > kMaxDeliveryWrites) throw Malformed{"delivery with too many memory writes"};
        d.writes.resize(static_cast<std::size_t>(n));
        for (MemWrite& m : d.writes) {
          const std::uint8_t code = c.u8("delivery write size");
          if (code & ~kMemSizeMask) throw Malformed{"delivery write size"};
          m.size = mem_size_of(code);
          m.addr = c.varint32("delivery write address");
          m.value = c.varint64("delivery write value");
          if (m.value & ~mem_value_mask(m.size)) throw Malformed{"delivery write value"};
        }
      }
      return d;
    }
    case EventKind::Iret: {
      Iret i;
      i.frame = get_frame(c);
      i.cpl_before = c.u8("iret cpl");
      i.cpl_after = c.u8("iret cpl");
      i.from = get_far(c);
      i.to = get_far(c);
      return i;
    }
    case EventKind::Hlt:
      return Hlt{c.varint64("hlt idle cycles")};
    case EventKind::PortIo: {
      PortIo p;
      p.port = c.varint16("port");
      p.size = c.u8("port size");
      p.is_write = c.boolean("port direction");
      p.value = c.varint32("port value");
      return p;
    }
    case EventKind::Switch: {
      Switch s;
      s.prev_pid = get_sint(c, "switch pid");
      s.next_pid = get_sint(c, "switch pid");
      s.prev_task = c.varint32("switch task");
      s.next_task = c.varint32("switch task");
      return s;
    }
    case EventKind::RetFromFork: {
      RetFromFork r;
      r.pid = get_sint(c, "ret_from_fork pid");
      r.task = c.varint32("ret_from_fork task");
      r.esp = c.varint32("ret_from_fork esp");
      r.regs = get_words(c, "ret_from_fork pt_regs");
      r.tss_esp0 = c.varint32("ret_from_fork tss esp0");
      r.thread_esp0 = c.varint32("ret_from_fork thread esp0");
      r.stack_top = c.varint32("ret_from_fork stack top");
      return r;
    }
    case EventKind::Fork: {
      Fork f;
      f.parent_pid = get_sint(c, "fork parent pid");
      f.child_pid = get_sint(c, "fork child pid");
      f.clone_flags = c.varint32("fork clone flags");
      f.child_task = c.varint32("fork child task");
      f.parent_regs = get_words(c, "fork parent pt_regs");
      if (version >= kForkCommVersion) f.comm = get_comm(c, true);
      return f;
    }
    case EventKind::UserSpace: {
      UserSpace u;
      u.pid = get_sint(c, "user_space pid");
      u.task = c.varint32("user_space task");
      u.cr3 = c.varint32("user_space cr3");
      u.comm = get_comm(c, false);
      return u;
    }
    case EventKind::SyscallEntry: {
      SyscallEntry s;
      s.nr = c.varint32("syscall number");
      for (auto& a : s.args) a = c.varint32("syscall argument");
      return s;
    }
    case EventKind::SyscallExit: {
      SyscallExit s;
      s.nr = c.varint32("syscall number");
      s.result = get_sint(c, "syscall result");
      return s;
    }
    case EventKind::Stop: {
      Stop s;
      s.reason = c.u8("stop reason");
      s.exit_status = get_sint(c, "stop status");
      const std::uint64_t n = c.varint64("stop message length");
      if (n > kMaxStopMessage) throw Malformed{"stop message too long"};
      const std::uint8_t* p = c.take(static_cast<std::size_t>(n), "stop message");
      s.message.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
      return s;
    }
  }
  throw Malformed{"unknown event kind"};
}

}  // namespace

struct Reader::Impl {
  std::string path;
  int fd = -1;
  std::uint64_t size = 0;
  Header header;
  std::uint64_t header_end = 0;
  std::uint64_t data_end = 0;  // end of the chunk area (the index offset, or the file size)
  bool indexed = false;
  std::vector<ChunkInfo> chunks;
  std::uint64_t n_insns = 0;
  std::uint64_t n_events = 0;
  bool truncated = false;
  std::string truncation;

  // The decoded chunk.
  struct Insn {
    std::uint64_t cycle;
    std::uint32_t eip;
    std::uint32_t first_change;
    std::uint32_t first_mem;
    std::uint16_t mems;
    std::uint8_t len;
    std::uint8_t changes;
  };
  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::size_t loaded = kNone;
  RegFile snapshot;
  std::vector<Insn> insns;
  std::vector<RegChange> changes;
  std::vector<MemWrite> mems;
  std::vector<Event> events;
  std::vector<std::uint8_t> comp;
  std::vector<std::uint8_t> raw;
  ZSTD_DCtx* dctx = nullptr;
  // raw_chunk()/chunk_payload()'s own buffers, so that they leave the decoded chunk alone.
  std::array<std::uint8_t, kChunkHeaderBytes> side_header{};
  std::vector<std::uint8_t> side_comp, side_raw;

  // The cursor: in chunk `chunk`, the next instruction is insns[i], the next event events[j], and
  // cur is the register file before insns[i].
  bool positioned = false;
  std::size_t chunk = 0;
  std::size_t i = 0;
  std::size_t j = 0;
  RegFile cur;
  Step step;

  ~Impl() {
    if (fd >= 0) ::close(fd);
    ZSTD_freeDCtx(dctx);
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw TraceError(fmt::format("{}: {}", path, what));
  }

  // Reads exactly n bytes at off; false on a short file. Throws on an I/O error.
  bool read_at(std::uint64_t off, void* buf, std::size_t n) const {
    auto* p = static_cast<std::uint8_t*>(buf);
    while (n > 0) {
      const ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
      if (r < 0) {
        if (errno == EINTR) continue;
        fail(fmt::format("read failed: {}", std::strerror(errno)));
      }
      if (r == 0) return false;
      p += r;
      off += static_cast<std::uint64_t>(r);
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }

  void read_header() {
    if (size == 0) fail("empty file, not a forkscope trace");
    std::uint8_t prefix[kFilePrefixBytes];
    const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(size, sizeof prefix));
    if (!read_at(0, prefix, have)) fail("trace header truncated");
    if (std::memcmp(prefix, kFileMagic, std::min(have, sizeof kFileMagic)) != 0)
      fail("not a forkscope trace (bad magic)");
    if (have < kFilePrefixBytes) fail("trace header truncated");
    header.version = load_u32(prefix + 8);
    if (header.version < kOldestFormatVersion || header.version > kFormatVersion)
      fail(fmt::format("unsupported trace format version {} (this build reads versions {} to {})",
                       header.version, kOldestFormatVersion, kFormatVersion));
    const std::uint64_t body = load_u32(prefix + 12);
    if (body > size - kFilePrefixBytes)
      fail(fmt::format("trace header truncated ({} bytes, the header needs {})", size,
                       kFilePrefixBytes + body));
    header_end = kFilePrefixBytes + body;
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(header_end));
    if (!read_at(0, bytes.data(), bytes.size())) fail("trace header truncated");
    try {
      Cursor c(bytes.data() + kFilePrefixBytes, static_cast<std::size_t>(body));
      const std::uint8_t id_len = c.u8("build id");
      if (id_len > kMaxBuildIdBytes) throw Malformed{"build id longer than 64 bytes"};
      const std::uint8_t* id = c.take(id_len, "build id");
      header.build_id.assign(id, id + id_len);
      const std::uint16_t name_len = c.u16("image name");
      const std::uint8_t* name = c.take(name_len, "image name");
      header.image_name.assign(reinterpret_cast<const char*>(name), name_len);
      const std::uint16_t n_opts = c.u16("options");
      for (std::uint16_t k = 0; k < n_opts; ++k) {
        const std::uint16_t klen = c.u16("option key");
        const std::uint8_t* key = c.take(klen, "option key");
        const std::uint32_t vlen = c.u32("option value");
        const std::uint8_t* value = c.take(vlen, "option value");
        header.options.emplace_back(std::string(reinterpret_cast<const char*>(key), klen),
                                    std::string(reinterpret_cast<const char*>(value), vlen));
      }
      if (c.u8("register count") != kRegCount) throw Malformed{"register count"};
      for (auto& v : header.regs.v) v = c.u32("registers");
      const std::size_t checked = bytes.size() - c.left();
      if (c.u64("checksum") != fnv1a64(bytes.data(), checked)) throw Malformed{"checksum mismatch"};
      if (!c.done()) throw Malformed{"trailing bytes"};
    } catch (const Malformed& m) {
      fail(fmt::format("trace header corrupt ({})", m.what));
    }
  }

  // The index and trailer of a finished file; false (and nothing changed) if absent or invalid.
  bool read_index() {
    if (size < header_end + kTrailerBytes) return false;
    std::uint8_t t[kTrailerBytes];
    if (!read_at(size - kTrailerBytes, t, sizeof t)) return false;
    if (std::memcmp(t + 16, kTrailerMagic, sizeof kTrailerMagic) != 0) return false;
    const std::uint64_t index_offset = load_u64(t);
    const std::uint32_t count = load_u32(t + 8);
    if (load_u32(t + 12) != 0) return false;
    const std::uint64_t index_end = size - kTrailerBytes;
    if (index_offset < header_end || index_offset > index_end) return false;
    const std::uint64_t index_bytes = 8 + std::uint64_t{count} * kIndexEntryBytes + 8;
    if (index_end - index_offset != index_bytes) return false;
    std::vector<std::uint8_t> b(static_cast<std::size_t>(index_bytes));
    if (!read_at(index_offset, b.data(), b.size())) return false;
    if (std::memcmp(b.data(), kIndexMagic, 4) != 0 || load_u32(b.data() + 4) != count) return false;
    if (load_u64(b.data() + b.size() - 8) != fnv1a64(b.data(), b.size() - 8)) return false;
    std::vector<ChunkInfo> list(count);
    std::uint64_t seq = 0;
    std::uint64_t events = 0;
    std::uint64_t next_offset = header_end;
    for (std::uint32_t k = 0; k < count; ++k) {
      const std::uint8_t* e = b.data() + 8 + std::size_t{k} * kIndexEntryBytes;
      ChunkInfo& c = list[k];
      c.offset = load_u64(e);
      c.first_seq = load_u64(e + 8);
      c.first_cycle = load_u64(e + 16);
      c.instructions = load_u32(e + 24);
      c.events = load_u32(e + 28);
      c.first_eip = load_u32(e + 32);
      if (load_u32(e + 36) != 0) return false;
      if (k == 0 ? c.offset != header_end : c.offset < next_offset) return false;
      if (c.offset > index_offset || index_offset - c.offset < kChunkHeaderBytes) return false;
      if (c.first_seq != seq) return false;
      if (k > 0 && c.first_cycle < list[k - 1].first_cycle) return false;
      next_offset = c.offset + kChunkHeaderBytes;
      seq += c.instructions;
      events += c.events;
    }
    chunks = std::move(list);
    n_insns = seq;
    n_events = events;
    data_end = index_offset;
    indexed = true;
    return true;
  }

  // No index: walk the chunk headers from the start, stopping at the first one that is incomplete
  // or inconsistent (a partial last chunk, or where the index would have begun).
  void scan() {
    std::uint64_t pos = header_end;
    std::uint64_t seq = 0;
    std::uint64_t events = 0;
    std::uint64_t cycle = 0;
    for (;;) {
      if (size - pos < kChunkHeaderBytes) break;
      std::uint8_t hb[kChunkHeaderBytes];
      if (!read_at(pos, hb, sizeof hb)) break;
      ChunkHeader h;
      if (!decode_chunk_header(hb, h)) break;
      if (h.first_seq != seq || h.first_cycle < cycle) break;
      if (h.uncompressed_size > kMaxChunkPayload) break;
      if (h.compressed_size > size - pos - kChunkHeaderBytes) break;
      chunks.push_back(
          ChunkInfo{pos, h.first_seq, h.first_cycle, h.instructions, h.events, h.first_eip});
      pos += kChunkHeaderBytes + h.compressed_size;
      seq += h.instructions;
      events += h.events;
      cycle = h.first_cycle;
    }
    n_insns = seq;
    n_events = events;
    data_end = pos;
    truncated = true;
    if (chunks.empty())
      truncation = "trace truncated after the header (no whole chunk)";
    else if (n_insns == 0)
      truncation =
          fmt::format("trace truncated after chunk {} (no instruction)", chunks.size() - 1);
    else
      truncation =
          fmt::format("trace truncated after chunk {} (seq {})", chunks.size() - 1, n_insns - 1);
  }

  [[noreturn]] void corrupt(std::size_t k, const char* why) const {
    fail(fmt::format("corrupt chunk {} (first seq {}): {}", k, chunks[k].first_seq, why));
  }

  // Chunk k's header (into hb and h) and compressed payload (into comp_out), with every check but
  // the payload's own: the header's checksum, its agreement with the index, the sizes, the payload
  // checksum and the zstd frame.
  void read_chunk(std::size_t k, std::uint8_t* hb, ChunkHeader& h,
                  std::vector<std::uint8_t>& comp_out) const {
    const ChunkInfo& info = chunks[k];
    if (!read_at(info.offset, hb, kChunkHeaderBytes))
      corrupt(k, "file shorter than the index says");
    if (!decode_chunk_header(hb, h)) corrupt(k, "chunk header damaged");
    if (h.first_seq != info.first_seq || h.first_cycle != info.first_cycle ||
        h.instructions != info.instructions || h.events != info.events ||
        h.first_eip != info.first_eip)
      corrupt(k, "chunk header disagrees with the index");
    const std::uint64_t end = k + 1 < chunks.size() ? chunks[k + 1].offset : data_end;
    if (end - info.offset - kChunkHeaderBytes != h.compressed_size)
      corrupt(k, "compressed size does not match the chunk's extent");
    if (h.uncompressed_size > kMaxChunkPayload ||
        h.uncompressed_size < payload_prefix_bytes(header.version))
      corrupt(k, "bad uncompressed size");
    comp_out.resize(h.compressed_size);
    if (!read_at(info.offset + kChunkHeaderBytes, comp_out.data(), comp_out.size()))
      corrupt(k, "file shorter than the chunk");
    if (fnv1a64(comp_out.data(), comp_out.size()) != h.payload_checksum)
      corrupt(k, "payload checksum mismatch");
    if (ZSTD_getFrameContentSize(comp_out.data(), comp_out.size()) != h.uncompressed_size ||
        ZSTD_findFrameCompressedSize(comp_out.data(), comp_out.size()) != comp_out.size())
      corrupt(k, "zstd frame does not match the chunk header");
  }

  // comp_in (chunk k's checked compressed payload) decompressed into raw_out.
  void decompress(std::size_t k, const ChunkHeader& h, const std::vector<std::uint8_t>& comp_in,
                  std::vector<std::uint8_t>& raw_out) {
    raw_out.resize(h.uncompressed_size);
    if (!dctx) dctx = ZSTD_createDCtx();
    if (!dctx) fail("zstd: cannot create a decompression context");
    const std::size_t got =
        ZSTD_decompressDCtx(dctx, raw_out.data(), raw_out.size(), comp_in.data(), comp_in.size());
    if (ZSTD_isError(got)) corrupt(k, ZSTD_getErrorName(got));
    if (got != raw_out.size()) corrupt(k, "zstd: short payload");
  }

  void load(std::size_t k) {
    if (loaded == k) return;
    loaded = kNone;
    const ChunkInfo& info = chunks[k];
    std::uint8_t hb[kChunkHeaderBytes];
    ChunkHeader h;
    read_chunk(k, hb, h, comp);
    decompress(k, h, comp, raw);
    try {
      decode(info);
    } catch (const Malformed& m) {
      corrupt(k, m.what);
    }
    loaded = k;
  }

  void decode(const ChunkInfo& info) {
    Cursor c(raw.data(), raw.size());
    for (auto& v : snapshot.v) v = c.u32("snapshot");
    // A version 2 chunk has no mem_* sections: they stay empty.
    const std::size_t n_sec = section_count(header.version);
    std::array<Cursor, kSectionCount> sec;
    std::array<std::uint32_t, kSectionCount> len{};
    std::uint64_t total = 0;
    for (std::size_t s = 0; s < n_sec; ++s) {
      len[s] = c.u32("section sizes");
      total += len[s];
    }
    if (total != c.left()) throw Malformed{"section sizes do not add up"};
    for (std::size_t s = 0; s < n_sec; ++s) sec[s] = Cursor(c.take(len[s], "section"), len[s]);

    if (len[kOps] != info.instructions) throw Malformed{"instruction count"};
    if (info.events > len[kEvents] / 3) throw Malformed{"event count"};
    insns.clear();
    changes.clear();
    mems.clear();
    events.clear();
    insns.reserve(info.instructions);

    RegFile regs = snapshot;
    std::uint32_t expected = snapshot[Reg::kEip];
    std::uint64_t cycle = info.first_cycle;
    std::uint32_t mem_addr = 0;
    const bool has_mem = header.version >= kMemWritesVersion;
    for (std::uint32_t n = 0; n < info.instructions; ++n) {
      const std::uint8_t op = sec[kOps].u8("op");
      if ((op & kOpMem) && !has_mem) throw Malformed{"bad op byte"};
      Insn in;
      in.len = op & 0x0F;
      if (in.len == 0) throw Malformed{"instruction length 0"};
      const std::uint64_t delta = sec[kCycles].varint64("cycle");
      if (delta > std::numeric_limits<std::uint64_t>::max() - cycle)
        throw Malformed{"cycle overflow"};
      cycle += delta;
      in.cycle = cycle;
      in.eip = expected;
      if (op & kOpJump)
        in.eip += static_cast<std::uint32_t>(unzigzag32(sec[kEips].varint32("eip")));
      std::size_t nchg = (op >> kOpChangesShift) & 3;
      if (nchg == 3) {
        nchg = sec[kRegs].u8("change count");
        if (nchg < 3 || nchg > kMaxChangesPerInsn) throw Malformed{"change count"};
      }
      in.first_change = static_cast<std::uint32_t>(changes.size());
      in.changes = static_cast<std::uint8_t>(nchg);
      for (std::size_t m = 0; m < nchg; ++m) {
        const std::uint8_t id = sec[kRegs].u8("register id");
        if (id >= kRegCount || id == static_cast<std::uint8_t>(Reg::kEip))
          throw Malformed{"bad register id"};
        const Reg r = static_cast<Reg>(id);
        const std::uint32_t v = sec[kValues].varint32("register value");
        std::uint32_t& old = regs.v[id];
        old = xor_coded(r) ? (old ^ v) : old + static_cast<std::uint32_t>(unzigzag32(v));
        changes.push_back(RegChange{r, old});
      }
      in.first_mem = static_cast<std::uint32_t>(mems.size());
      in.mems = 0;
      if (op & kOpMem) decode_mem(sec, in, mem_addr);
      if (n == 0 && (in.eip != info.first_eip || in.cycle != info.first_cycle))
        throw Malformed{"first instruction disagrees with the chunk header"};
      expected = in.eip + in.len;
      insns.push_back(in);
    }

    std::uint64_t seq = info.first_seq;
    std::uint64_t ev_cycle = 0;
    const std::uint64_t last_seq = info.first_seq + info.instructions;
    events.reserve(info.events);
    for (std::uint32_t n = 0; n < info.events; ++n) {
      Cursor& e = sec[kEvents];
      const std::uint8_t kind = e.u8("event kind");
      if (kind >= kEventKindCount) throw Malformed{"unknown event kind"};
      const std::uint64_t d = e.varint64("event seq");
      if (d > last_seq - seq) throw Malformed{"event seq out of range"};
      seq += d;
      const std::uint64_t cv = e.varint64("event cycle");
      ev_cycle = n == 0 ? cv : ev_cycle + static_cast<std::uint64_t>(unzigzag64(cv));
      Event ev;
      ev.seq = seq;
      ev.cycle = ev_cycle;
      ev.data = get_event_fields(e, static_cast<EventKind>(kind), header.version);
      events.push_back(std::move(ev));
    }
    for (const Cursor& s : sec)
      if (!s.done()) throw Malformed{"trailing bytes in a section"};
  }

  // An instruction's memory writes: mem_ops bytes until one without kMemMore.
  void decode_mem(std::array<Cursor, kSectionCount>& sec, Insn& in, std::uint32_t& mem_addr) {
    for (;;) {
      const std::uint8_t code = sec[kMemOps].u8("memory write");
      if (code & ~(kMemSizeMask | kMemMore)) throw Malformed{"bad memory write byte"};
      if (in.mems == 0xFFFF) throw Malformed{"too many memory writes in one instruction"};
      MemWrite m;
      m.size = mem_size_of(code);
      mem_addr += static_cast<std::uint32_t>(unzigzag32(sec[kMemAddrs].varint32("memory address")));
      m.addr = mem_addr;
      m.value = sec[kMemValues].varint64("memory value");
      if (m.value & ~mem_value_mask(m.size)) throw Malformed{"memory value wider than its size"};
      mems.push_back(m);
      ++in.mems;
      if (!(code & kMemMore)) return;
    }
  }

  // Load chunk k and put the cursor before the first record with seq >= s.
  void position(std::size_t k, std::uint64_t s) {
    positioned = false;
    load(k);
    const std::uint64_t first = chunks[k].first_seq;
    chunk = k;
    i = static_cast<std::size_t>(std::min<std::uint64_t>(s > first ? s - first : 0, insns.size()));
    cur = snapshot;
    for (std::size_t n = 0; n < i; ++n) apply(insns[n], cur);
    if (i > 0) cur[Reg::kEip] = insns[i - 1].eip + insns[i - 1].len;
    j = static_cast<std::size_t>(
        std::lower_bound(events.begin(), events.end(), s,
                         [](const Event& e, std::uint64_t v) { return e.seq < v; }) -
        events.begin());
    positioned = true;
  }

  void apply(const Insn& in, RegFile& r) const {
    for (std::uint32_t m = 0; m < in.changes; ++m) {
      const RegChange& c = changes[in.first_change + m];
      r[c.reg] = c.value;
    }
  }

  void at_end() {
    chunk = chunks.size();
    positioned = true;
  }

  void seek_seq(std::uint64_t s) {
    auto end_of = [](const ChunkInfo& c) { return c.first_seq + c.instructions; };
    auto k = static_cast<std::size_t>(
        std::partition_point(chunks.begin(), chunks.end(),
                             [&](const ChunkInfo& c) { return end_of(c) <= s; }) -
        chunks.begin());
    if (k == chunks.size())
      k = static_cast<std::size_t>(
          std::partition_point(chunks.begin(), chunks.end(),
                               [&](const ChunkInfo& c) { return end_of(c) < s; }) -
          chunks.begin());
    if (k == chunks.size()) return at_end();
    position(k, s);
  }

  std::uint64_t seek_cycle(std::uint64_t c) {
    const auto k = static_cast<std::size_t>(
        std::partition_point(chunks.begin(), chunks.end(),
                             [&](const ChunkInfo& ch) { return ch.first_cycle < c; }) -
        chunks.begin());
    std::uint64_t seq = n_insns;
    // The answer is in the last chunk with instructions before k, or it is the first instruction
    // of the first chunk from k on that has one.
    std::size_t m = k;
    while (m > 0 && chunks[m - 1].instructions == 0) --m;
    bool found = false;
    if (m > 0) {
      load(m - 1);
      positioned = false;
      const auto it =
          std::lower_bound(insns.begin(), insns.end(), c,
                           [](const Insn& in, std::uint64_t v) { return in.cycle < v; });
      if (it != insns.end()) {
        seq = chunks[m - 1].first_seq + static_cast<std::uint64_t>(it - insns.begin());
        found = true;
      }
    }
    if (!found) {
      for (std::size_t n = k; n < chunks.size(); ++n) {
        if (chunks[n].instructions > 0) {
          seq = chunks[n].first_seq;
          break;
        }
      }
    }
    seek_seq(seq);
    return seq;
  }

  const Step* next() {
    if (!positioned) {
      if (chunks.empty()) return nullptr;
      position(0, 0);
    }
    for (;;) {
      if (chunk >= chunks.size()) return nullptr;
      load(chunk);  // a no-op unless seek_cycle() or verify() decoded another chunk meanwhile
      const std::uint64_t first = chunks[chunk].first_seq;
      if (j < events.size() && events[j].seq <= first + i) {
        step.event = &events[j++];
        return &step;
      }
      if (i < insns.size()) {
        const Insn& in = insns[i];
        Instruction& out = step.insn;
        step.event = nullptr;
        out.seq = first + i;
        out.cycle = in.cycle;
        out.eip = in.eip;
        out.len = in.len;
        out.changes = std::span<const RegChange>(changes.data() + in.first_change, in.changes);
        out.mem = std::span<const MemWrite>(mems.data() + in.first_mem, in.mems);
        // Two copies of the register file per instruction, no more: `cur` is the state before
        // this instruction (its EIP aside), `after` becomes the next one's `cur`.
        out.before = cur;
        out.before[Reg::kEip] = in.eip;
        for (std::uint32_t m = 0; m < in.changes; ++m) {
          const RegChange& c = changes[in.first_change + m];
          cur[c.reg] = c.value;
        }
        if (i + 1 < insns.size())
          cur[Reg::kEip] = insns[i + 1].eip;
        else if (chunk + 1 < chunks.size() && chunks[chunk + 1].instructions > 0)
          cur[Reg::kEip] = chunks[chunk + 1].first_eip;
        else
          cur[Reg::kEip] = in.eip + in.len;
        out.after = cur;
        ++i;
        return &step;
      }
      if (chunk + 1 >= chunks.size()) {
        chunk = chunks.size();
        return nullptr;
      }
      position(chunk + 1, chunks[chunk + 1].first_seq);
    }
  }
};

Reader::Reader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reader::~Reader() = default;
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;

Reader Reader::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  Impl& r = *impl;
  r.path = path;
  r.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (r.fd < 0) r.fail(fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st {};
  if (::fstat(r.fd, &st) != 0) r.fail(fmt::format("cannot stat: {}", std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) r.fail("not a regular file");
  r.size = static_cast<std::uint64_t>(st.st_size);
  r.read_header();
  if (!r.read_index()) r.scan();
  return Reader(std::move(impl));
}

const Header& Reader::header() const {
  return impl_->header;
}
bool Reader::has_memory() const {
  return impl_->header.version >= kMemWritesVersion;
}
std::uint64_t Reader::instruction_count() const {
  return impl_->n_insns;
}
std::uint64_t Reader::event_count() const {
  return impl_->n_events;
}
std::size_t Reader::chunk_count() const {
  return impl_->chunks.size();
}
const std::vector<ChunkInfo>& Reader::chunks() const {
  return impl_->chunks;
}
std::uint64_t Reader::file_size() const {
  return impl_->size;
}
bool Reader::truncated() const {
  return impl_->truncated;
}
const std::string& Reader::truncation_message() const {
  return impl_->truncation;
}
const Step* Reader::next() {
  return impl_->next();
}
void Reader::seek_seq(std::uint64_t seq) {
  impl_->seek_seq(seq);
}
std::uint64_t Reader::seek_cycle(std::uint64_t cycle) {
  return impl_->seek_cycle(cycle);
}
void Reader::rewind() {
  impl_->positioned = false;
}

Reader::RawChunk Reader::raw_chunk(std::size_t k) {
  Impl& r = *impl_;
  ChunkHeader h;
  r.read_chunk(k, r.side_header.data(), h, r.side_comp);
  return RawChunk{r.side_header, r.side_comp};
}

std::span<const std::uint8_t> Reader::chunk_payload(std::size_t k) {
  Impl& r = *impl_;
  ChunkHeader h;
  r.read_chunk(k, r.side_header.data(), h, r.side_comp);
  r.decompress(k, h, r.side_comp, r.side_raw);
  return r.side_raw;
}

void Reader::verify() {
  Impl& r = *impl_;
  for (std::size_t k = 0; k < r.chunks.size(); ++k) r.load(k);
}

}  // namespace fs::trace
