// `forkscope trace diff A.fst B.fst`: are two traces the same machine history, and if not, where
// and how do they first part?
//
// Same history means every record equal, in stream order: each instruction's seq, start cycle,
// EIP, length and full register file before and after it (EIP after an instruction is checked as
// the next instruction's EIP), and every event with its seq, cycle and fields. --ignore-reg and
// --ignore-event leave registers or event kinds out; --from-seq starts the comparison there.
//
// Speed: the comparison runs per chunk of A (docs/trace-format.md "Chunk"), on --jobs threads, each
// with its own pair of readers. A chunk whose header and compressed payload are byte for byte the
// same in both files, or whose payloads decompress to the same bytes, holds the same records (a
// chunk decodes alone, from its own register snapshot), so it is compared without decoding its
// records (ChunkMatcher); --decode-all decodes and compares every record anyway. Either way the
// loop allocates and formats nothing: only the report does, once. Chunks are handed out in order
// and the first divergence is the one in the lowest chunk, so the result does not depend on the
// number of threads.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <limits>
#include <optional>
#include <thread>

#include "emu/block_cache.hpp"
#include "emu/cli/run.hpp"
#include "emu/cli/trace_common.hpp"
#include "loader/elf_image.hpp"
#include "loader/load_error.hpp"

namespace fs::cli {

namespace tr = fs::trace;

namespace {

constexpr std::uint64_t kEnd = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t kEip = static_cast<std::size_t>(tr::Reg::EIP);
constexpr std::uint64_t kContext = 5;  // instructions shown before the divergence

// What the comparison leaves out.
struct Masks {
  std::array<bool, tr::kRegCount> ignore_reg{};
  std::array<bool, tr::kEventKindCount> ignore_kind{};
  bool any_reg = false;
  std::uint64_t from_seq = 0;
  bool ignored(const tr::Event& e) const { return ignore_kind[static_cast<std::size_t>(e.kind())]; }
};

// ---- The comparison ----------------------------------------------------------------------------

// One side's record at the divergence, copied out of the reader (only there: the loop copies
// nothing).
struct Rec {
  enum Type : std::uint8_t { kNone, kEvent, kInsn } type = kNone;  // kNone: the stream ended
  tr::Event event;
  std::uint64_t seq = kEnd;
  std::uint64_t cycle = 0;
  std::uint32_t eip = 0;
  std::uint8_t len = 0;
  tr::RegFile before, after;
};

Rec copy_rec(const tr::Step* s) {
  Rec r;
  if (!s) return r;
  if (s->event) {
    r.type = Rec::kEvent;
    r.event = *s->event;
    r.seq = s->event->seq;
    r.cycle = s->event->cycle;
    return r;
  }
  r.type = Rec::kInsn;
  r.seq = s->insn.seq;
  r.cycle = s->insn.cycle;
  r.eip = s->insn.eip;
  r.len = s->insn.len;
  r.before = s->insn.before;
  r.after = s->insn.after;
  return r;
}

struct Mismatch {
  Rec a, b;
  std::uint64_t seq = 0;            // the first divergent seq: min(a.seq, b.seq)
  std::uint64_t events_at_seq = 0;  // events of that seq that matched before it
  // When two instructions differ: the events right after each (seq + 1), which often explain it
  // (a delivery's frame is part of the registers after the instruction it follows).
  std::vector<tr::Event> then_a, then_b;
};

// A reader with the record it is at, skipping ignored event kinds.
class Stream {
 public:
  Stream(const std::string& path, const Masks& m) : r_(open(path)), m_(m) {}
  void seek(std::uint64_t seq) {
    r_.seek_seq(seq);
    at_ = seq;
    advance();
  }
  void advance() {
    do cur_ = r_.next();
    while (cur_ && cur_->event && m_.ignored(*cur_->event));
  }
  const tr::Step* cur() const { return cur_; }
  std::uint64_t seq() const { return cur_->event ? cur_->event->seq : cur_->insn.seq; }
  // The seq the stream stands at (its record is the first one with seq >= at()), or kEnd when
  // that is not known: a range starting at at() needs no seek.
  std::uint64_t at() const { return at_; }
  void set_at(std::uint64_t s) { at_ = s; }

 private:
  static tr::Reader open(const std::string& path) { return tr::Reader::open(path); }
  tr::Reader r_;
  const Masks& m_;
  const tr::Step* cur_ = nullptr;
  std::uint64_t at_ = kEnd;
};

// The events of seq s where the stream stands (at most a few), for Mismatch::then_*.
std::vector<tr::Event> events_of(Stream& st, std::uint64_t s) {
  std::vector<tr::Event> out;
  for (; st.cur() && st.cur()->event && st.cur()->event->seq == s && out.size() < 8; st.advance())
    out.push_back(*st.cur()->event);
  return out;
}

bool same_insn(const tr::Instruction& a, const tr::Instruction& b, const Masks& m) {
  if (a.seq != b.seq || a.cycle != b.cycle || a.len != b.len) return false;
  if (!m.any_reg) {
    // before holds EIP; after's EIP is the next instruction's, checked there.
    return a.before == b.before && std::memcmp(a.after.v.data(), b.after.v.data(), kEip * 4) == 0 &&
           std::memcmp(a.after.v.data() + kEip + 1, b.after.v.data() + kEip + 1,
                       (tr::kRegCount - kEip - 1) * 4) == 0;
  }
  for (std::size_t i = 0; i < tr::kRegCount; ++i) {
    if (m.ignore_reg[i]) continue;
    if (a.before.v[i] != b.before.v[i]) return false;
    if (i != kEip && a.after.v[i] != b.after.v[i]) return false;
  }
  return true;
}

// Compares the records with seq in [lo, hi) (hi == kEnd: to the end of both). Returns the first
// mismatch, or nothing if every record matched.
std::optional<Mismatch> compare_range(Stream& a, Stream& b, std::uint64_t lo, std::uint64_t hi,
                                      const Masks& m) {
  if (a.at() != lo) a.seek(lo);
  if (b.at() != lo) b.seek(lo);
  std::uint64_t last_seq = kEnd, events_at_seq = 0;
  for (;;) {
    const tr::Step* sa = a.cur();
    const tr::Step* sb = b.cur();
    const std::uint64_t qa = sa ? a.seq() : kEnd;
    const std::uint64_t qb = sb ? b.seq() : kEnd;
    if (qa >= hi && qb >= hi) {
      a.set_at(hi);
      b.set_at(hi);
      return std::nullopt;
    }
    bool same = qa == qb;
    if (same) {
      if (sa->event && sb->event)
        same = *sa->event == *sb->event;
      else if (!sa->event && !sb->event)
        same = same_insn(sa->insn, sb->insn, m);
      else
        same = false;  // an event in one where the other runs an instruction
    }
    if (!same) {
      Mismatch mm{copy_rec(sa), copy_rec(sb), std::min(qa, qb), 0, {}, {}};
      mm.events_at_seq = last_seq == mm.seq ? events_at_seq : 0;
      if (mm.a.type == Rec::kInsn && mm.b.type == Rec::kInsn) {
        a.advance();
        b.advance();
        mm.then_a = events_of(a, mm.seq + 1);
        mm.then_b = events_of(b, mm.seq + 1);
      }
      a.set_at(kEnd);
      b.set_at(kEnd);
      return mm;
    }
    if (qa != last_seq) last_seq = qa, events_at_seq = 0;
    if (sa->event) ++events_at_seq;
    a.advance();
    b.advance();
  }
}

// ---- The fast path: chunks byte-identical in both files ---------------------------------------

class File {
 public:
  explicit File(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw CliError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  // Exactly n bytes at off (thread-safe: pread); false if the file is shorter or unreadable.
  bool read(std::uint64_t off, void* buf, std::size_t n) const {
    auto* p = static_cast<std::uint8_t*>(buf);
    while (n > 0) {
      const ssize_t r = ::pread(fd_, p, n, static_cast<off_t>(off));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      p += r;
      off += static_cast<std::uint64_t>(r);
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

std::uint64_t fnv1a64(const std::uint8_t* p, std::size_t n, std::uint64_t h) {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}
std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint64_t le64(const std::uint8_t* p) {
  return le32(p) | static_cast<std::uint64_t>(le32(p + 4)) << 32;
}

// How a pair of chunks was found equal without decoding their records.
enum class Shortcut : std::uint8_t { kNone, kBytes, kPayload };

// Compares two chunks of format version 1 (docs/trace-format.md "Chunk") below the record level.
// Equal compressed bytes, or else equal decompressed payloads, under equal header fields (first
// seq, first cycle, instruction and event counts, first EIP) mean equal records: a chunk is
// decoded from its own payload and header alone. Every checksum is verified first, so a damaged
// chunk is never passed over here: it is left to the reader, which reports it.
class ChunkMatcher {
 public:
  ChunkMatcher() = default;
  ChunkMatcher(const ChunkMatcher&) = delete;
  ChunkMatcher& operator=(const ChunkMatcher&) = delete;
  ~ChunkMatcher() { ZSTD_freeDCtx(dctx_); }

  Shortcut match(const File& fa, std::uint64_t oa, const File& fb, std::uint64_t ob) {
    std::uint8_t ha[kHeader], hb[kHeader];
    if (!header(fa, oa, ha) || !header(fb, ob, hb)) return Shortcut::kNone;
    if (std::memcmp(ha + 4, hb + 4, 28) != 0) return Shortcut::kNone;  // counts, seq, cycle, EIP
    if (std::memcmp(ha, hb, kHeader) == 0) return same_bytes(fa, oa, fb, ob, ha);
    // Other bytes (another zstd level or version): compare what they decompress to.
    const std::uint32_t ua = le32(ha + 36);
    if (ua != le32(hb + 36) || ua > kMaxPayload) return Shortcut::kNone;
    if (!payload(fa, oa, ha, comp_a_, raw_a_) || !payload(fb, ob, hb, comp_b_, raw_b_))
      return Shortcut::kNone;
    return raw_a_ == raw_b_ ? Shortcut::kPayload : Shortcut::kNone;
  }

 private:
  static constexpr std::size_t kHeader = 56;
  static constexpr std::uint32_t kMaxPayload = 256u << 20;
  static constexpr std::uint64_t kFnvBasis = 0xcbf29ce484222325ull;

  // The chunk header at off, if it reads and checks (magic, reserved word, header checksum).
  static bool header(const File& f, std::uint64_t off, std::uint8_t* h) {
    return f.read(off, h, kHeader) && std::memcmp(h, "FSCK", 4) == 0 && le32(h + 48) == 0 &&
           le32(h + 52) == static_cast<std::uint32_t>(fnv1a64(h, 52, kFnvBasis));
  }

  Shortcut same_bytes(const File& fa, std::uint64_t oa, const File& fb, std::uint64_t ob,
                      const std::uint8_t* h) {
    const std::uint32_t size = le32(h + 32);
    constexpr std::size_t kBlock = 1u << 16;
    comp_a_.resize(kBlock);
    comp_b_.resize(kBlock);
    std::uint64_t sum = kFnvBasis;
    for (std::uint32_t done = 0; done < size;) {
      const std::size_t n = std::min<std::size_t>(kBlock, size - done);
      if (!fa.read(oa + kHeader + done, comp_a_.data(), n) ||
          !fb.read(ob + kHeader + done, comp_b_.data(), n) ||
          std::memcmp(comp_a_.data(), comp_b_.data(), n) != 0)
        return Shortcut::kNone;
      sum = fnv1a64(comp_a_.data(), n, sum);
      done += static_cast<std::uint32_t>(n);
    }
    return sum == le64(h + 40) ? Shortcut::kBytes : Shortcut::kNone;
  }

  // The chunk's payload, checked and decompressed into raw.
  bool payload(const File& f, std::uint64_t off, const std::uint8_t* h,
               std::vector<std::uint8_t>& comp, std::vector<std::uint8_t>& raw) {
    const std::uint32_t size = le32(h + 32);
    const std::uint32_t usize = le32(h + 36);
    comp.resize(size);
    if (!f.read(off + kHeader, comp.data(), size)) return false;
    if (fnv1a64(comp.data(), size, kFnvBasis) != le64(h + 40)) return false;
    if (ZSTD_getFrameContentSize(comp.data(), size) != usize) return false;
    if (!dctx_) dctx_ = ZSTD_createDCtx();
    if (!dctx_) return false;
    raw.resize(usize);
    const std::size_t got = ZSTD_decompressDCtx(dctx_, raw.data(), usize, comp.data(), size);
    return !ZSTD_isError(got) && got == usize;
  }

  ZSTD_DCtx* dctx_ = nullptr;
  std::vector<std::uint8_t> comp_a_, comp_b_, raw_a_, raw_b_;
};

// ---- Running the comparison over chunks --------------------------------------------------------

struct Item {
  std::uint64_t lo = 0, hi = kEnd;  // seq range
  std::size_t chunk = 0;            // A's chunk (for the fast path)
  bool fast_ok = false;             // B has the same chunk index holding the same range
};

struct Outcome {
  enum State : std::uint8_t { kPending, kEqual, kDiverged, kError };
  State state = kPending;
  Shortcut shortcut = Shortcut::kNone;
  std::optional<Mismatch> mismatch;
  std::exception_ptr error;
};

struct CompareResult {
  std::optional<Mismatch> mismatch;
  std::size_t same_bytes = 0;    // chunks with the same bytes in both files, not decoded
  std::size_t same_payload = 0;  // the same once decompressed, records not decoded
  std::size_t items = 0;
  unsigned jobs = 1;
};

CompareResult run_compare(const std::string& pa, const std::string& pb, const tr::Reader& ra,
                          const tr::Reader& rb, const Masks& m, bool fast, unsigned jobs) {
  const auto& ca = ra.chunks();
  const auto& cb = rb.chunks();
  std::vector<Item> items;
  for (std::size_t k = 0; k < ca.size(); ++k) {
    Item it;
    it.lo = ca[k].first_seq;
    it.hi = k + 1 < ca.size() ? ca[k + 1].first_seq : kEnd;
    it.chunk = k;
    // The last chunk of A stands for everything after it: only the last chunk of B matches it.
    it.fast_ok = fast && k < cb.size() && (k + 1 < ca.size()) == (k + 1 < cb.size());
    if (it.hi != kEnd && it.hi <= m.from_seq) continue;
    if (it.lo < m.from_seq) it.lo = m.from_seq;
    if (it.hi != kEnd && it.lo >= it.hi) continue;  // an empty chunk (cannot be in a valid file)
    items.push_back(it);
  }
  if (items.empty()) items.push_back(Item{m.from_seq, kEnd, 0, false});

  std::unique_ptr<File> fa, fb;
  if (fast) fa = std::make_unique<File>(pa), fb = std::make_unique<File>(pb);
  std::vector<Outcome> out(items.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> first_bad{items.size()};
  auto worker = [&] {
    std::optional<Stream> sa, sb;
    ChunkMatcher matcher;
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= items.size() || i > first_bad.load()) return;
      const Item& it = items[i];
      Outcome& o = out[i];
      try {
        if (it.fast_ok) {
          o.shortcut = matcher.match(*fa, ca[it.chunk].offset, *fb, cb[it.chunk].offset);
          if (o.shortcut != Shortcut::kNone) {
            o.state = Outcome::kEqual;
            continue;
          }
        }
        if (!sa) sa.emplace(pa, m), sb.emplace(pb, m);
        o.mismatch = compare_range(*sa, *sb, it.lo, it.hi, m);
        o.state = o.mismatch ? Outcome::kDiverged : Outcome::kEqual;
      } catch (...) {
        o.error = std::current_exception();
        o.state = Outcome::kError;
      }
      if (o.state != Outcome::kEqual) {
        std::size_t cur = first_bad.load();
        while (i < cur && !first_bad.compare_exchange_weak(cur, i)) {
        }
      }
    }
  };
  jobs = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(items.size())));
  if (jobs == 1) {
    worker();
  } else {
    std::vector<std::jthread> threads;
    for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
  }
  CompareResult r;
  r.items = items.size();
  r.jobs = jobs;
  for (auto& o : out) {
    if (o.state == Outcome::kError) std::rethrow_exception(o.error);
    if (o.state == Outcome::kDiverged) {
      r.mismatch = std::move(o.mismatch);
      break;
    }
    if (o.shortcut == Shortcut::kBytes) ++r.same_bytes;
    if (o.shortcut == Shortcut::kPayload) ++r.same_payload;
  }
  return r;
}

// ---- The report ---------------------------------------------------------------------------------

// A guest image for symbols and code bytes, checked against the trace's build id.
struct Image {
  std::string path;  // "" when none
  SymbolTable syms;
  std::vector<std::uint8_t> ram;
  bool kernel = false;
  std::string note;  // why there is none, when there is none

  bool code_at(std::uint32_t addr, std::uint8_t len, const std::uint8_t*& out) const {
    if (ram.empty() || addr >= ram.size() || ram.size() - addr < len) return false;
    out = ram.data() + addr;
    return true;
  }
};

Image load_image(const std::string& given, const std::string& trace, const tr::Header& h,
                 const char* option) {
  Image img;
  std::string path = given;
  if (path.empty() && h.image_name == "kernel.elf") path = default_image();
  img.kernel = h.image_name == "kernel.elf";  // without symbols: judged by the name
  if (path.empty()) {
    img.note = fmt::format("no image for {}'s symbols and code: pass it with {}", trace, option);
    return img;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    if (!given.empty()) throw CliError(fmt::format("{}: no such image", path));
    img.note = fmt::format("no image for {}'s symbols and code: pass it with {}", trace, option);
    return img;
  }
  try {
    std::vector<std::uint8_t> ram(64u << 20);
    LoadedImage li = load_elf(path, ram);
    if (image_build_id(li, ram) != h.build_id) {
      if (!given.empty())
        throw CliError(fmt::format("{}: recorded from a different image than {} (build ids differ)",
                                   trace, path));
      img.note = fmt::format(
          "{} was recorded from another build than {}: no symbols or code for it (pass the "
          "image with {})",
          trace, path, option);
      return img;
    }
    img.syms = SymbolTable::from_elf(path);
    img.ram = std::move(ram);
  } catch (const LoadError& e) {
    throw CliError(e.what());
  }
  img.path = path;
  img.kernel = img.syms.address_of("ret_from_fork").has_value() &&
               img.syms.address_of("__switch_to").has_value();
  return img;
}

// The pid running when instruction p executes: the last Switch with seq <= p, found by walking
// the chunks back from the one holding p (0 for a kernel trace with none, -1 for other guests).
std::int64_t pid_at(tr::Reader& r, std::uint64_t p, bool kernel) {
  if (!kernel) return -1;
  const auto& ch = r.chunks();
  std::size_t c = static_cast<std::size_t>(
      std::partition_point(ch.begin(), ch.end(),
                           [&](const tr::ChunkInfo& i) { return i.first_seq <= p; }) -
      ch.begin());
  while (c-- > 0) {
    const std::uint64_t stop = std::min(p, ch[c].first_seq + ch[c].instructions);
    r.seek_seq(ch[c].first_seq);
    std::optional<std::int64_t> pid;
    while (const tr::Step* s = r.next()) {
      if (!s->event) {
        if (s->insn.seq >= stop) break;
        continue;
      }
      if (s->event->seq > p) break;
      if (const auto* sw = std::get_if<tr::Switch>(&s->event->data)) pid = sw->next_pid;
    }
    if (pid) return *pid;
  }
  return 0;
}

struct CtxLine {
  Rec rec;
  std::int64_t pid = -1;
  bool divergent = false;
};

// The records shown for one trace: the kContext instructions before seq S and the events among
// them, the events of seq S that matched, and the divergent record.
std::vector<CtxLine> context(const std::string& path, const Mismatch& mm, const Rec& div,
                             const Masks& m, bool kernel) {
  tr::Reader r = tr::Reader::open(path);
  const std::uint64_t s = mm.seq;
  const std::uint64_t first = s > kContext ? s - kContext : 0;
  std::int64_t pid = pid_at(r, first, kernel);
  std::vector<CtxLine> out;
  r.seek_seq(first);
  std::uint64_t events_at_s = 0;
  while (const tr::Step* st = r.next()) {
    if (st->event) {
      const tr::Event& e = *st->event;
      if (e.seq > s) break;
      if (!m.ignored(e)) {
        if (e.seq == s) {
          if (events_at_s == mm.events_at_seq) break;  // the divergent record's place
          ++events_at_s;
          out.push_back(CtxLine{copy_rec(st), pid, false});
        } else if (e.seq != first) {  // (events before the first instruction shown are not)
          out.push_back(CtxLine{copy_rec(st), pid, false});
        }
      }
      if (const auto* sw = std::get_if<tr::Switch>(&e.data)) pid = sw->next_pid;
      continue;
    }
    if (st->insn.seq >= s) break;
    out.push_back(CtxLine{copy_rec(st), pid, false});
  }
  if (div.type != Rec::kNone) out.push_back(CtxLine{div, pid, true});
  return out;
}

struct Decoded {
  std::string where, bytes, text;
};

Decoded decode(const Image& img, Decoder& dec, std::uint32_t eip, std::uint8_t len) {
  Decoded d;
  d.where = img.syms.describe(eip);
  const std::uint8_t* code = nullptr;
  if (img.code_at(eip, len, code)) {
    d.text = dec.disassemble(eip, code, len);
    for (std::uint8_t i = 0; i < len; ++i)
      d.bytes += fmt::format("{}{:02x}", i ? " " : "", code[i]);
  }
  if (d.text.empty()) d.text = "(no code)";
  return d;
}

std::string pid_text(std::int64_t pid) {
  return pid < 0 ? std::string("-") : std::to_string(pid);
}

std::string ctx_text(const CtxLine& l, const Image& img, Decoder& dec) {
  const Rec& r = l.rec;
  const char* mark = l.divergent ? ">" : " ";
  if (r.type == Rec::kEvent)
    return fmt::format("{} {:>10} {:>12} {:>4}   event {} {}", mark, r.seq, r.cycle,
                       pid_text(l.pid), tr::event_kind_name(r.event.kind()),
                       event_text(r.event, img.syms));
  const Decoded d = decode(img, dec, r.eip, r.len);
  return fmt::format("{} {:>10} {:>12} {:>4} {} {:<28} {:08x}  {:<20} {}", mark, r.seq, r.cycle,
                     pid_text(l.pid), r.before.cpl(), d.where, r.eip, d.bytes, d.text);
}

std::string ctx_json(const CtxLine& l, const Image& img, Decoder& dec) {
  const Rec& r = l.rec;
  if (r.type == Rec::kEvent)
    return fmt::format(
        "{{\"seq\":{},\"cycle\":{},\"pid\":{},\"divergent\":{},\"event\":\"{}\",{}}}", r.seq,
        r.cycle, l.pid, l.divergent, tr::event_kind_name(r.event.kind()),
        event_json_members(r.event, img.syms));
  const Decoded d = decode(img, dec, r.eip, r.len);
  return fmt::format(
      "{{\"seq\":{},\"cycle\":{},\"pid\":{},\"divergent\":{},\"cpl\":{},\"eip\":{},"
      "\"symbol\":{},\"bytes\":{},\"text\":{}}}",
      r.seq, r.cycle, l.pid, l.divergent, r.before.cpl(), r.eip, json_string(d.where),
      json_string(d.bytes), json_string(d.text));
}

// What differs, one item per fact: a line of text and the same as JSON members.
struct Diff {
  std::string text;
  std::string json;
};

struct Differ {
  const Image& ia;
  const Image& ib;
  std::vector<Diff> out;

  std::string sym(const Image& img, std::uint32_t a) const {
    return img.syms.empty() ? std::string() : fmt::format(" <{}>", img.syms.describe(a));
  }
  void add(std::string text, std::string json) {
    out.push_back(Diff{std::move(text), std::move(json)});
  }

  void eip(std::uint32_t a, std::uint32_t b) {
    add(fmt::format("EIP: {}{} in A, {}{} in B", hex32(a), sym(ia, a), hex32(b), sym(ib, b)),
        fmt::format("\"what\":\"eip\",\"a\":{},\"b\":{},\"a_symbol\":{},\"b_symbol\":{}", a, b,
                    json_string(ia.syms.describe(a)), json_string(ib.syms.describe(b))));
  }
  void value(const char* what, std::uint64_t a, std::uint64_t b) {
    add(fmt::format("{}: {} in A, {} in B", what, a, b),
        fmt::format("\"what\":{},\"a\":{},\"b\":{}", json_string(what), a, b));
  }
  void reg(tr::Reg r, const char* when, std::uint32_t a, std::uint32_t b) {
    add(fmt::format("{} {} the instruction: {} in A, {} in B", tr::reg_name(r), when, hex32(a),
                    hex32(b)),
        fmt::format("\"what\":\"register\",\"register\":\"{}\",\"when\":\"{}\",\"a\":{},\"b\":{}",
                    tr::reg_name(r), when, a, b));
  }
  // An event field; hex for addresses and words.
  void field(const tr::Event& e, const std::string& name, std::uint64_t a, std::uint64_t b,
             bool hex) {
    if (a == b) return;
    const char* kind = tr::event_kind_name(e.kind());
    add(fmt::format("{} {}: {} in A, {} in B", kind, name,
                    hex ? fmt::format("{:#x}", a) : fmt::format("{}", a),
                    hex ? fmt::format("{:#x}", b) : fmt::format("{}", b)),
        fmt::format("\"what\":\"event_field\",\"event\":\"{}\",\"field\":{},\"a\":{},\"b\":{}",
                    kind, json_string(name), a, b));
  }
  void signed_field(const tr::Event& e, const std::string& name, std::int64_t a, std::int64_t b) {
    if (a == b) return;
    const char* kind = tr::event_kind_name(e.kind());
    add(fmt::format("{} {}: {} in A, {} in B", kind, name, a, b),
        fmt::format("\"what\":\"event_field\",\"event\":\"{}\",\"field\":{},\"a\":{},\"b\":{}",
                    kind, json_string(name), a, b));
  }
  void far(const tr::Event& e, const char* name, const tr::FarPtr& a, const tr::FarPtr& b) {
    if (a == b) return;
    const char* kind = tr::event_kind_name(e.kind());
    add(fmt::format("{} {}: {}{} in A, {}{} in B", kind, name, far_ptr(a), sym(ia, a.eip),
                    far_ptr(b), sym(ib, b.eip)),
        fmt::format("\"what\":\"event_field\",\"event\":\"{}\",\"field\":\"{}\",\"a\":\"{}\","
                    "\"b\":\"{}\"",
                    kind, name, far_ptr(a), far_ptr(b)));
  }
  // A list of words (an interrupt frame, pt_regs): its length, then each word that differs, named.
  void words(const tr::Event& e, const char* name, const std::vector<std::uint32_t>& a,
             const std::vector<std::uint32_t>& b, const std::vector<const char*>& names) {
    const char* kind = tr::event_kind_name(e.kind());
    if (a.size() != b.size())
      add(fmt::format("{} {} length: {} words in A, {} in B", kind, name, a.size(), b.size()),
          fmt::format("\"what\":\"event_field\",\"event\":\"{}\",\"field\":\"{} length\",\"a\":{},"
                      "\"b\":{}",
                      kind, name, a.size(), b.size()));
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      if (a[i] == b[i]) continue;
      const char* w = i < names.size() ? names[i] : "";
      add(fmt::format("{} {} word {}{}{}{}: {} in A, {} in B", kind, name, i, *w ? " (" : "", w,
                      *w ? ")" : "", hex32(a[i]), hex32(b[i])),
          fmt::format("\"what\":\"frame_word\",\"event\":\"{}\",\"field\":\"{}\",\"index\":{},"
                      "\"word\":\"{}\",\"a\":{},\"b\":{}",
                      kind, name, i, w, a[i], b[i]));
    }
  }

  void events(const tr::Event& a, const tr::Event& b) {
    if (a.kind() != b.kind()) {
      add(fmt::format("event: {} ({}) in A, {} ({}) in B", tr::event_kind_name(a.kind()),
                      event_text(a, ia.syms), tr::event_kind_name(b.kind()),
                      event_text(b, ib.syms)),
          fmt::format("\"what\":\"event_kind\",\"a\":\"{}\",\"b\":\"{}\"",
                      tr::event_kind_name(a.kind()), tr::event_kind_name(b.kind())));
      return;
    }
    if (a.cycle != b.cycle) field(a, "cycle", a.cycle, b.cycle, false);
    static const std::vector<const char*> kPtRegs = {"ebx", "ecx", "edx",    "esi", "edi",
                                                     "ebp", "eax", "ds",     "es",  "orig_eax",
                                                     "eip", "cs",  "eflags", "esp", "ss"};
    static const std::vector<const char*> kSyscallArgs = {"ebx", "ecx", "edx", "esi", "edi", "ebp"};
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          const T& y = std::get<T>(b.data);
          if constexpr (std::is_same_v<T, tr::Delivery>) {
            field(a, "vector", x.vector, y.vector, true);
            field(a, "kind", static_cast<unsigned>(x.kind), static_cast<unsigned>(y.kind), false);
            field(a, "has error code", x.has_error_code, y.has_error_code, false);
            field(a, "error code", x.error_code, y.error_code, true);
            far(a, "from", x.from, y.from);
            far(a, "to", x.to, y.to);
            field(a, "stack switched", x.stack_switched, y.stack_switched, false);
            field(a, "esp0", x.esp0_used, y.esp0_used, true);
            std::vector<const char*> n;
            if (x.stack_switched) n = {"ss", "esp"};
            for (const char* w : {"eflags", "cs", "eip", "error code"}) n.push_back(w);
            words(a, "frame", x.frame, y.frame, n);
          } else if constexpr (std::is_same_v<T, tr::Iret>) {
            words(a, "frame", x.frame, y.frame, {"eip", "cs", "eflags", "esp", "ss"});
            field(a, "cpl before", x.cpl_before, y.cpl_before, false);
            field(a, "cpl after", x.cpl_after, y.cpl_after, false);
            far(a, "from", x.from, y.from);
            far(a, "to", x.to, y.to);
          } else if constexpr (std::is_same_v<T, tr::Hlt>) {
            field(a, "idle cycles", x.idle_cycles, y.idle_cycles, false);
          } else if constexpr (std::is_same_v<T, tr::PortIo>) {
            field(a, "port", x.port, y.port, true);
            field(a, "size", x.size, y.size, false);
            field(a, "write", x.is_write, y.is_write, false);
            field(a, "value", x.value, y.value, true);
          } else if constexpr (std::is_same_v<T, tr::Switch>) {
            signed_field(a, "prev pid", x.prev_pid, y.prev_pid);
            signed_field(a, "next pid", x.next_pid, y.next_pid);
            field(a, "prev task", x.prev_task, y.prev_task, true);
            field(a, "next task", x.next_task, y.next_task, true);
          } else if constexpr (std::is_same_v<T, tr::RetFromFork>) {
            signed_field(a, "pid", x.pid, y.pid);
            field(a, "task", x.task, y.task, true);
            field(a, "esp", x.esp, y.esp, true);
            words(a, "pt_regs", x.regs, y.regs, kPtRegs);
            field(a, "TSS.esp0", x.tss_esp0, y.tss_esp0, true);
            field(a, "thread.esp0", x.thread_esp0, y.thread_esp0, true);
            field(a, "stack top", x.stack_top, y.stack_top, true);
          } else if constexpr (std::is_same_v<T, tr::Fork>) {
            signed_field(a, "parent pid", x.parent_pid, y.parent_pid);
            signed_field(a, "child pid", x.child_pid, y.child_pid);
            field(a, "clone flags", x.clone_flags, y.clone_flags, true);
            field(a, "child task", x.child_task, y.child_task, true);
            words(a, "parent pt_regs", x.parent_regs, y.parent_regs, kPtRegs);
          } else if constexpr (std::is_same_v<T, tr::SyscallEntry>) {
            field(a, "nr", x.nr, y.nr, false);
            for (std::size_t i = 0; i < x.args.size(); ++i)
              field(a, fmt::format("argument {} ({})", i, kSyscallArgs[i]), x.args[i], y.args[i],
                    true);
          } else if constexpr (std::is_same_v<T, tr::SyscallExit>) {
            field(a, "nr", x.nr, y.nr, false);
            signed_field(a, "result", x.result, y.result);
          } else if constexpr (std::is_same_v<T, tr::Stop>) {
            field(a, "reason", x.reason, y.reason, false);
            signed_field(a, "exit status", x.exit_status, y.exit_status);
            if (x.message != y.message)
              add(fmt::format("stop message: \"{}\" in A, \"{}\" in B", x.message, y.message),
                  fmt::format("\"what\":\"event_field\",\"event\":\"stop\",\"field\":\"message\","
                              "\"a\":{},\"b\":{}",
                              json_string(x.message), json_string(y.message)));
          }
        },
        a.data);
  }

  // An event one side has where the other has something else (an instruction, a later event, the
  // end of its trace).
  void only(const char* side, const char* other, const Rec& e, const Image& img, const Rec& o,
            const Image& other_img) {
    const std::string instead =
        o.type == Rec::kInsn    ? fmt::format("{} runs instruction {} at {}{}", other, o.seq,
                                              hex32(o.eip), sym(other_img, o.eip))
        : o.type == Rec::kEvent ? fmt::format("{}'s next event is {} at seq {}", other,
                                              tr::event_kind_name(o.event.kind()), o.seq)
                                : fmt::format("{} has ended", other);
    add(fmt::format("event {} only in {} ({}); {}", tr::event_kind_name(e.event.kind()), side,
                    event_text(e.event, img.syms), instead),
        fmt::format("\"what\":\"event_only\",\"in\":\"{}\",\"event\":\"{}\",{}", side,
                    tr::event_kind_name(e.event.kind()), event_json_members(e.event, img.syms)));
  }

  // The events right after two differing instructions, where they differ: "then" lines.
  void then_events(const std::vector<tr::Event>& a, const std::vector<tr::Event>& b) {
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      if (i < a.size() && i < b.size() && a[i] == b[i]) continue;
      for (int side = 0; side < 2; ++side) {
        const auto& v = side ? b : a;
        if (i >= v.size()) continue;
        const tr::Event& e = v[i];
        const char* name = side ? "B" : "A";
        add(fmt::format("then, before seq {}, {} has event {} ({})", e.seq, name,
                        tr::event_kind_name(e.kind()), event_text(e, side ? ib.syms : ia.syms)),
            fmt::format("\"what\":\"then_event\",\"in\":\"{}\",\"seq\":{},\"event\":\"{}\",{}",
                        name, e.seq, tr::event_kind_name(e.kind()),
                        event_json_members(e, side ? ib.syms : ia.syms)));
      }
    }
  }

  void instructions(const Rec& a, const Rec& b, const Masks& m) {
    if (a.cycle != b.cycle) value("cycle", a.cycle, b.cycle);
    const bool same_place = a.eip == b.eip || m.ignore_reg[kEip];
    if (!same_place) eip(a.eip, b.eip);
    if (a.len != b.len) value("instruction length", a.len, b.len);
    for (std::size_t i = 0; i < tr::kRegCount; ++i)
      if (i != kEip && !m.ignore_reg[i] && a.before.v[i] != b.before.v[i])
        reg(static_cast<tr::Reg>(i), "before", a.before.v[i], b.before.v[i]);
    if (!same_place) return;  // two different instructions: what they did is no news
    for (std::size_t i = 0; i < tr::kRegCount; ++i)
      if (i != kEip && !m.ignore_reg[i] && a.after.v[i] != b.after.v[i])
        reg(static_cast<tr::Reg>(i), "after", a.after.v[i], b.after.v[i]);
  }

  void records(const Mismatch& mm, const Masks& m, std::uint64_t count_a, std::uint64_t count_b) {
    const Rec& a = mm.a;
    const Rec& b = mm.b;
    const std::uint64_t seq = mm.seq;
    if (a.type == Rec::kNone || b.type == Rec::kNone) {
      const bool a_ended = a.type == Rec::kNone;
      const Rec& o = a_ended ? b : a;
      const char* side = a_ended ? "A" : "B";
      if (o.type == Rec::kEvent && o.seq == seq) {
        only(a_ended ? "B" : "A", side, o, a_ended ? ib : ia, a_ended ? a : b, a_ended ? ia : ib);
        return;
      }
      add(fmt::format("{} ends after {} instructions; {} goes on with instruction {} at {}{}", side,
                      a_ended ? count_a : count_b, a_ended ? "B" : "A", o.seq, hex32(o.eip),
                      sym(a_ended ? ib : ia, o.eip)),
          fmt::format("\"what\":\"end\",\"in\":\"{}\",\"instructions\":{}", side,
                      a_ended ? count_a : count_b));
      return;
    }
    if (a.type == Rec::kEvent && (b.type != Rec::kEvent || a.seq < b.seq)) {
      only("A", "B", a, ia, b, ib);
      return;
    }
    if (b.type == Rec::kEvent && (a.type != Rec::kEvent || b.seq < a.seq)) {
      only("B", "A", b, ib, a, ia);
      return;
    }
    if (a.type == Rec::kEvent) {
      events(a.event, b.event);
      return;
    }
    instructions(a, b, m);
    then_events(mm.then_a, mm.then_b);
  }
};

std::string hex_id(const std::vector<std::uint8_t>& id) {
  std::string s;
  for (std::uint8_t b : id) s += fmt::format("{:02x}", b);
  return s.empty() ? "(none)" : s;
}

tr::Reader open_reader(const std::string& path) {
  try {
    return tr::Reader::open(path);
  } catch (const tr::TraceError& e) {
    throw CliError(e.what());
  }
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

int cmd_trace_diff(const TraceDiffOptions& opt) {
  Masks m;
  m.from_seq = opt.from_seq;
  for (const auto& name : opt.ignore_regs) {
    tr::Reg r;
    if (!tr::reg_from_name(name, r)) {
      std::vector<std::string> known;
      for (std::size_t i = 0; i < tr::kRegCount; ++i)
        known.push_back(tr::reg_name(static_cast<tr::Reg>(i)));
      throw CliError(fmt::format("no register '{}' (known: {})", name, joined(known)));
    }
    m.ignore_reg[static_cast<std::size_t>(r)] = true;
    m.any_reg = true;
  }
  for (tr::EventKind k : parse_kinds(opt.ignore_events))
    m.ignore_kind[static_cast<std::size_t>(k)] = true;

  tr::Reader ra = open_reader(opt.a);
  tr::Reader rb = open_reader(opt.b);
  const tr::Header& ha = ra.header();
  const tr::Header& hb = rb.header();
  if (ha.version != hb.version)
    throw CliError(fmt::format(
        "trace diff: {} and {} have different trace format versions ({} and {}): not compared",
        opt.a, opt.b, ha.version, hb.version));
  const bool other_build = ha.build_id != hb.build_id;
  if (other_build && !opt.allow_build_id_mismatch)
    throw CliError(fmt::format(
        "trace diff: {} and {} were recorded from different guest builds (build id {} and {}): not "
        "compared (re-record, or pass --allow-build-id-mismatch to compare a deliberately changed "
        "build)",
        opt.a, opt.b, hex_id(ha.build_id), hex_id(hb.build_id)));
  for (const tr::Reader* r : {&ra, &rb})
    if (r->truncated()) {
      std::fflush(stdout);
      fmt::print(stderr, "forkscope: warning: {}: {}\n", r == &ra ? opt.a : opt.b,
                 r->truncation_message());
    }
  std::vector<std::string> notes;
  if (other_build)
    notes.push_back(
        fmt::format("different guest builds (build id {} in A, {} in B), compared as "
                    "asked (--allow-build-id-mismatch)",
                    hex_id(ha.build_id), hex_id(hb.build_id)));
  for (const auto& [k, v] : ha.options) {
    const std::string* w = hb.option(k);
    if (!w || *w != v)
      notes.push_back(fmt::format("run option {} differs: \"{}\" in A, {} in B", k, v,
                                  w ? "\"" + *w + "\"" : std::string("absent")));
  }
  for (const auto& [k, v] : hb.options)
    if (!ha.option(k))
      notes.push_back(fmt::format("run option {} differs: absent in A, \"{}\" in B", k, v));

  unsigned jobs = opt.jobs;
  if (jobs == 0) jobs = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  // Host time, only for --timing (on stderr): wall time, and the process's CPU time (which other
  // load on the host does not inflate as much).
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  const CompareResult res =
      run_compare(opt.a, opt.b, ra, rb, m, !opt.decode_all && ha.version == 1, jobs);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;

  const std::uint64_t na = ra.instruction_count(), nb = rb.instruction_count();
  const std::uint64_t compared = res.mismatch
                                     ? res.mismatch->seq - std::min(res.mismatch->seq, m.from_seq)
                                     : std::max(na, nb) - std::min(std::max(na, nb), m.from_seq);
  if (opt.timing) {
    std::fflush(stdout);
    fmt::print(stderr,
               "trace diff: {} instructions compared in {:.3f} s: {:.1f} M instructions/s ({} "
               "threads, {:.3f} s CPU: {:.1f} M instructions per CPU second; of {} chunks, {} had "
               "the same bytes and {} the same payload in both files, the rest were decoded{})\n",
               compared, secs, secs > 0 ? static_cast<double>(compared) / secs / 1e6 : 0.0,
               res.jobs, cpu, cpu > 0 ? static_cast<double>(compared) / cpu / 1e6 : 0.0, res.items,
               res.same_bytes, res.same_payload, opt.decode_all ? ": --decode-all" : "");
  }
  std::vector<std::string> ignoring;
  for (std::size_t i = 0; i < tr::kRegCount; ++i)
    if (m.ignore_reg[i]) ignoring.push_back(tr::reg_name(static_cast<tr::Reg>(i)));
  for (std::size_t i = 0; i < tr::kEventKindCount; ++i)
    if (m.ignore_kind[i])
      ignoring.push_back(
          fmt::format("{} events", tr::event_kind_name(static_cast<tr::EventKind>(i))));

  auto notes_json = [&] {
    std::string s;
    for (const auto& n : notes) s += (s.empty() ? "" : ",") + json_string(n);
    return "[" + s + "]";
  };
  auto ignoring_json = [&] {
    std::string s;
    for (const auto& n : ignoring) s += (s.empty() ? "" : ",") + json_string(n);
    return "[" + s + "]";
  };

  if (!res.mismatch) {
    if (opt.json) {
      fmt::print(
          "{{\"result\":\"same\",\"a\":{},\"b\":{},\"from_seq\":{},\"instructions_compared\":{},"
          "\"ignoring\":{},\"notes\":{}}}\n",
          json_string(opt.a), json_string(opt.b), m.from_seq, compared, ignoring_json(),
          notes_json());
    } else {
      fmt::print(
          "trace diff: same machine history: {} and {} agree on {} instructions{} and "
          "every event{}\n",
          opt.a, opt.b, compared,
          m.from_seq ? fmt::format(" from seq {}", m.from_seq) : std::string(),
          ignoring.empty() ? "" : fmt::format(" (ignoring {})", joined(ignoring)));
      for (const auto& n : notes) fmt::print("note: {}\n", n);
    }
    return 0;
  }

  // A divergence: everything from here on runs once.
  const Mismatch& mm = *res.mismatch;
  const Image ia = load_image(opt.image_a, opt.a, ha, "--image");
  std::optional<Image> own_b;  // B's image when it is not A's
  const Image& ib = !other_build && opt.image_b.empty() && !ia.path.empty()
                        ? ia
                        : own_b.emplace(load_image(
                              opt.image_b.empty() && !other_build ? opt.image_a : opt.image_b,
                              opt.b, hb, other_build ? "--image-b" : "--image"));
  for (const Image* img : {&ia, &ib})
    if (!img->note.empty() && (img == &ia || ib.note != ia.note)) notes.push_back(img->note);
  Differ d{ia, ib, {}};
  d.records(mm, m, na, nb);
  Decoder dec;
  const auto ca = context(opt.a, mm, mm.a, m, ia.kernel);
  const auto cb = context(opt.b, mm, mm.b, m, ib.kernel);
  const std::uint64_t cyc_a = mm.a.type != Rec::kNone ? mm.a.cycle : 0;
  const std::uint64_t cyc_b = mm.b.type != Rec::kNone ? mm.b.cycle : 0;
  const std::uint64_t cycle = mm.a.type != Rec::kNone ? cyc_a : cyc_b;

  if (opt.json) {
    std::string diffs, ctx_a, ctx_b;
    for (const auto& x : d.out) diffs += (diffs.empty() ? "{" : ",{") + x.json + "}";
    for (const auto& l : ca) ctx_a += (ctx_a.empty() ? "" : ",") + ctx_json(l, ia, dec);
    for (const auto& l : cb) ctx_b += (ctx_b.empty() ? "" : ",") + ctx_json(l, ib, dec);
    fmt::print(
        "{{\"result\":\"diverged\",\"a\":{},\"b\":{},\"from_seq\":{},\"first_divergent_seq\":{},"
        "\"cycle\":{},\"cycle_a\":{},\"cycle_b\":{},\"instructions_matched\":{},\"differences\":[{}"
        "],"
        "\"context\":{{\"a\":[{}],\"b\":[{}]}},\"ignoring\":{},\"notes\":{}}}\n",
        json_string(opt.a), json_string(opt.b), m.from_seq, mm.seq, cycle,
        mm.a.type != Rec::kNone ? std::to_string(cyc_a) : "null",
        mm.b.type != Rec::kNone ? std::to_string(cyc_b) : "null", compared, diffs, ctx_a, ctx_b,
        ignoring_json(), notes_json());
    return 1;
  }
  fmt::memory_buffer out;
  auto line = [&out](const std::string& s) {
    out.append(s);
    out.push_back('\n');
  };
  line(fmt::format("trace diff: A = {}, B = {}", opt.a, opt.b));
  line(fmt::format("first divergence at seq {}, cycle {}{}: {} instructions matched{}{}", mm.seq,
                   cycle,
                   mm.a.type != Rec::kNone && mm.b.type != Rec::kNone && cyc_a != cyc_b
                       ? fmt::format(" in A ({} in B)", cyc_b)
                       : std::string(),
                   compared, m.from_seq ? fmt::format(" from seq {}", m.from_seq) : std::string(),
                   ignoring.empty() ? "" : fmt::format(" (ignoring {})", joined(ignoring))));
  line("what differs:");
  for (const auto& x : d.out) line("  " + x.text);
  const std::string head = fmt::format("  {:>10} {:>12} {:>4} {} {:<28} {:<8}  {:<20} {}", "seq",
                                       "cycle", "pid", "L", "where", "address", "bytes", "text");
  line(fmt::format("A ({}): the {} instructions before it, and the divergent record (>):", opt.a,
                   kContext));
  line(head);
  for (const auto& l : ca) line(ctx_text(l, ia, dec));
  if (mm.a.type == Rec::kNone) line("  (end of trace)");
  line(fmt::format("B ({}):", opt.b));
  line(head);
  for (const auto& l : cb) line(ctx_text(l, ib, dec));
  if (mm.b.type == Rec::kNone) line("  (end of trace)");
  for (const auto& n : notes) line("note: " + n);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 1;
}

}  // namespace fs::cli
