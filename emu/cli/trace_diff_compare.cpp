#include "emu/cli/trace_diff_compare.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <thread>

#include "trace/chunk_match.hpp"

namespace fs::cli {

namespace tr = fs::trace;

namespace {

constexpr std::size_t kEip = static_cast<std::size_t>(tr::Reg::kEip);

// A reader with the record it is at, skipping ignored event kinds.
class Stream {
 public:
  Stream(const std::string& path, const Masks& m) : r_(tr::Reader::open(path)), m_(m) {}
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
  // The seq the stream stands at (its record is the first one with seq >= at()), or kSeqEnd when
  // that is not known: a range starting at at() needs no seek.
  std::uint64_t at() const { return at_; }
  void set_at(std::uint64_t s) { at_ = s; }
  tr::Reader& reader() { return r_; }

 private:
  tr::Reader r_;
  const Masks& m_;
  const tr::Step* cur_ = nullptr;
  std::uint64_t at_ = kSeqEnd;
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
  if (m.mem && !std::equal(a.mem.begin(), a.mem.end(), b.mem.begin(), b.mem.end())) return false;
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

// Compares the records with seq in [lo, hi) (hi == kSeqEnd: to the end of both). Returns the
// first mismatch, or nothing if every record matched.
std::optional<Mismatch> compare_range(Stream& a, Stream& b, std::uint64_t lo, std::uint64_t hi,
                                      const Masks& m) {
  if (a.at() != lo) a.seek(lo);
  if (b.at() != lo) b.seek(lo);
  std::uint64_t last_seq = kSeqEnd, events_at_seq = 0;
  for (;;) {
    const tr::Step* sa = a.cur();
    const tr::Step* sb = b.cur();
    const std::uint64_t qa = sa ? a.seq() : kSeqEnd;
    const std::uint64_t qb = sb ? b.seq() : kSeqEnd;
    if (qa >= hi && qb >= hi) {
      a.set_at(hi);
      b.set_at(hi);
      return std::nullopt;
    }
    bool same = qa == qb;
    if (same) {
      if (sa->event && sb->event)
        same = same_event(*sa->event, *sb->event, m);
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
      a.set_at(kSeqEnd);
      b.set_at(kSeqEnd);
      return mm;
    }
    if (qa != last_seq) last_seq = qa, events_at_seq = 0;
    if (sa->event) ++events_at_seq;
    a.advance();
    b.advance();
  }
}

struct Item {
  std::uint64_t lo = 0, hi = kSeqEnd;  // seq range
  std::size_t chunk = 0;               // A's chunk (for the fast path)
  bool fast_ok = false;                // B has the same chunk index holding the same range
};

struct Outcome {
  enum State : std::uint8_t { kPending, kEqual, kDiverged, kError };
  State state = kPending;
  tr::ChunkMatch shortcut = tr::ChunkMatch::kNone;
  std::optional<Mismatch> mismatch;
  std::exception_ptr error;
};

// The ranges to compare: A's chunks from m.from_seq on.
std::vector<Item> plan(const tr::Reader& ra, const tr::Reader& rb, const Masks& m, bool fast) {
  const auto& ca = ra.chunks();
  const auto& cb = rb.chunks();
  std::vector<Item> items;
  for (std::size_t k = 0; k < ca.size(); ++k) {
    Item it;
    it.lo = ca[k].first_seq;
    it.hi = k + 1 < ca.size() ? ca[k + 1].first_seq : kSeqEnd;
    it.chunk = k;
    // The last chunk of A stands for everything after it: only the last chunk of B matches it.
    it.fast_ok = fast && k < cb.size() && (k + 1 < ca.size()) == (k + 1 < cb.size());
    if (it.hi != kSeqEnd && it.hi <= m.from_seq) continue;
    if (it.lo < m.from_seq) it.lo = m.from_seq;
    if (it.hi != kSeqEnd && it.lo >= it.hi) continue;  // an empty chunk (not in a valid file)
    items.push_back(it);
  }
  if (items.empty()) items.push_back(Item{m.from_seq, kSeqEnd, 0, false});
  return items;
}

}  // namespace

bool same_event(const tr::Event& a, const tr::Event& b, const Masks& m) {
  if (m.mem) return a == b;
  const auto* da = std::get_if<tr::Delivery>(&a.data);
  const auto* db = std::get_if<tr::Delivery>(&b.data);
  if (!da || !db || (da->writes.empty() && db->writes.empty())) return a == b;
  tr::Event x = a, y = b;
  std::get<tr::Delivery>(x.data).writes.clear();
  std::get<tr::Delivery>(y.data).writes.clear();
  return x == y;
}

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
  r.mem.assign(s->insn.mem.begin(), s->insn.mem.end());
  return r;
}

CompareResult run_compare(const std::string& pa, const std::string& pb, const tr::Reader& ra,
                          const tr::Reader& rb, const Masks& m, bool fast, unsigned jobs) {
  const std::vector<Item> items = plan(ra, rb, m, fast);
  std::vector<Outcome> out(items.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> first_bad{items.size()};
  auto worker = [&] {
    std::optional<Stream> sa, sb;
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= items.size() || i > first_bad.load()) return;
      const Item& it = items[i];
      Outcome& o = out[i];
      try {
        if (!sa) sa.emplace(pa, m), sb.emplace(pb, m);
        if (it.fast_ok) o.shortcut = tr::match_chunk(sa->reader(), sb->reader(), it.chunk);
        if (o.shortcut == tr::ChunkMatch::kNone)
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
    if (o.shortcut == tr::ChunkMatch::kSameBytes) ++r.same_bytes;
    if (o.shortcut == tr::ChunkMatch::kSamePayload) ++r.same_payload;
  }
  return r;
}

}  // namespace fs::cli
