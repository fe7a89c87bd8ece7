#include "emu/gdb_stub.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "emu/gdb_monitor.hpp"
#include "emu/gdb_target_xml.hpp"
#include "emu/machine.hpp"
#include "emu/paging.hpp"

namespace fs::gdb {

namespace {

constexpr std::uint8_t kEscape = '}';
constexpr std::uint8_t kCtrlC = 0x03;
constexpr std::size_t kMaxMemoryReply = 0x800;  // bytes per `m`: 4 KiB of hex, under PacketSize
constexpr int kSigInt = 2, kSigBus = 10, kSigSegv = 11, kSigXcpu = 24;  // gdb's signal numbers

bool needs_escape(char c) {
  return c == '$' || c == '#' || c == '}' || c == '*';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A hex number (gdb sends addresses, lengths, register numbers in big-endian hex).
std::optional<std::uint32_t> parse_hex(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "ADDR,LEN" (and what follows, after `stop`, into *rest).
bool parse_addr_len(std::string_view s, std::uint32_t& addr, std::uint32_t& len,
                    std::string_view* rest = nullptr, char stop = ':') {
  const auto comma = s.find(',');
  if (comma == std::string_view::npos) return false;
  std::string_view len_s = s.substr(comma + 1);
  if (rest) {
    const auto colon = len_s.find(stop);
    if (colon == std::string_view::npos) return false;
    *rest = len_s.substr(colon + 1);
    len_s = len_s.substr(0, colon);
  }
  auto a = parse_hex(s.substr(0, comma));
  auto l = parse_hex(len_s);
  if (!a || !l) return false;
  addr = *a;
  len = *l;
  return true;
}

// The physical address behind `linear` under the current CR0/CR3/CR4, or nullopt (open question 4).
std::optional<std::uint32_t> translate(const Machine& m, std::uint32_t linear) {
  std::uint64_t phys = linear;
  if (m.reg(Reg::kCr0) & kCr0PG) {
    auto pm = walk_page_tables(m.ram(), m.reg(Reg::kCr3), linear, m.reg(Reg::kCr4) & kCr4PSE);
    if (!pm) return std::nullopt;
    phys = std::uint64_t{pm->frame} + (linear & (kPageSize - 1));
  }
  if (phys >= m.ram().size()) return std::nullopt;
  return static_cast<std::uint32_t>(phys);
}

// The bytes [linear, linear + n) split at page boundaries: f(linear, phys, n) per piece, until it
// returns false or a page is unmapped. True when every piece was done.
template <typename F>
bool for_each_piece(const Machine& m, std::uint32_t linear, std::size_t n, F&& f) {
  std::uint64_t at = linear;
  const std::uint64_t end = std::uint64_t{linear} + n;
  while (at < end) {
    if (at > 0xFFFFFFFFu) return false;
    const auto a = static_cast<std::uint32_t>(at);
    const std::uint64_t piece =
        std::min<std::uint64_t>(end - at, kPageSize - (a & (kPageSize - 1)));
    auto phys = translate(m, a);
    if (!phys || std::uint64_t{*phys} + piece > m.ram().size()) return false;
    if (!f(a, *phys, static_cast<std::size_t>(piece))) return false;
    at += piece;
  }
  return true;
}

}  // namespace

// ---- framing
// ---------------------------------------------------------------------------------------

std::uint8_t checksum(std::string_view payload) {
  std::uint8_t sum = 0;
  for (char c : payload) sum = static_cast<std::uint8_t>(sum + static_cast<std::uint8_t>(c));
  return sum;
}

std::string escape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (needs_escape(c)) {
      out += static_cast<char>(kEscape);
      out += static_cast<char>(c ^ 0x20);
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    if (static_cast<std::uint8_t>(escaped[i]) == kEscape && i + 1 < escaped.size())
      out += static_cast<char>(escaped[++i] ^ 0x20);
    else
      out += escaped[i];
  }
  return out;
}

std::string frame(std::string_view payload) {
  const std::string body = escape(payload);
  return fmt::format("${}#{:02x}", body, checksum(body));
}

std::string to_hex(const void* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const auto* p = static_cast<const std::uint8_t*>(data);
  std::string out(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 0xF];
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::vector<std::uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

void Channel::send(std::string_view payload) {
  last_ = frame(payload);
  t_.write(last_);
}

std::optional<Incoming> Channel::read_packet() {
  std::string body;
  bool too_long = false;  // then the rest is counted into no buffer: memory stays bounded
  for (;;) {
    auto b = t_.read();
    if (!b) return Incoming{};
    if (*b == '#') break;
    too_long = too_long || body.size() == kMaxPacket;
    if (!too_long) body += static_cast<char>(*b);
  }
  auto h1 = t_.read();
  if (!h1) return Incoming{};
  auto h2 = t_.read();
  if (!h2) return Incoming{};
  const int hi = hex_digit(static_cast<char>(*h1)), lo = hex_digit(static_cast<char>(*h2));
  if (!too_long && (hi < 0 || lo < 0 || checksum(body) != (hi << 4 | lo))) {
    t_.write("-");  // gdb sends it again
    return std::nullopt;
  }
  t_.write("+");
  if (too_long) {
    send("E22");  // EINVAL; QEMU drops such a packet unacknowledged, leaving gdb to time out
    return std::nullopt;
  }
  return Incoming{Incoming::Kind::kPacket, unescape(body)};
}

std::optional<Incoming> Channel::take(std::uint8_t b) {
  if (b == kCtrlC) return Incoming{Incoming::Kind::kInterrupt, {}};
  if (b == '-' && !last_.empty()) t_.write(last_);
  if (b != '$') return std::nullopt;  // '+' (gdb's ack) or noise between packets
  return read_packet();
}

Incoming Channel::next() {
  for (;;) {
    auto b = t_.read();
    if (!b) return {};
    if (auto in = take(*b)) return *in;
  }
}

std::optional<Incoming> Channel::poll() {
  while (t_.readable()) {
    auto b = t_.read();
    if (!b) return Incoming{};
    if (auto in = take(*b)) return in;
  }
  return std::nullopt;
}

// ---- memory
// ----------------------------------------------------------------------------------------

std::vector<std::uint8_t> read_linear(const Machine& m, std::uint32_t linear, std::size_t n) {
  std::vector<std::uint8_t> out;
  out.reserve(n);
  for_each_piece(m, linear, n, [&](std::uint32_t, std::uint32_t phys, std::size_t k) {
    out.insert(out.end(), m.ram().begin() + phys, m.ram().begin() + phys + k);
    return true;
  });
  return out;
}

bool write_linear(Machine& m, std::uint32_t linear, const std::vector<std::uint8_t>& bytes) {
  // All or nothing: check every page first.
  if (!for_each_piece(m, linear, bytes.size(),
                      [](std::uint32_t, std::uint32_t, std::size_t) { return true; }))
    return false;
  std::size_t done = 0;
  return for_each_piece(m, linear, bytes.size(),
                        [&](std::uint32_t lin, std::uint32_t phys, std::size_t k) {
                          const bool ok = m.write_physical(phys, lin, bytes.data() + done, k);
                          done += k;
                          return ok;
                        });
}

// ---- the stub
// --------------------------------------------------------------------------------------

Stub::Stub(Machine& m, Transport& t, HistoryOptions reverse, std::uint64_t first_stop)
    : m_(m), ch_(t), first_stop_(first_stop), history_(reverse) {
  if (!m.options().per_instruction)
    throw std::logic_error("gdb stub: the machine must run per instruction");
  m.on_instruction([this](std::uint32_t eip, Cycles) { on_instruction(eip); });
  m.on_watch([this](const WatchHit& hit) { on_watch(hit); });
}

void Stub::on_instruction(std::uint32_t eip) {
  const std::uint64_t pos = position_++;
  if (!attached_) return;
  if (replay_ != Replay::kNone) [[unlikely]] {
    if (replaying(eip, pos)) return;
  }
  history_.maybe_take(m_, pos);
  if (first_stop_) [[unlikely]] {
    if (m_.stats().instructions < first_stop_) return;  // gdb's first packets wait for the stop
    first_stop_ = 0;
  }
  std::uint8_t kinds = 0;  // of the breakpoints at eip
  if (!breakpoints_.empty()) [[unlikely]] {
    auto it = breakpoints_.find(eip);
    if (it != breakpoints_.end()) kinds = it->second;
  }
  if (resumed_at_) [[unlikely]] {
    // The boundary gdb resumed from is no new stop for a step or ^C (after a watchpoint's stop the
    // instruction there has yet to run, after a jump the new one). A breakpoint there stops: gdb
    // removes one it means to step over, and leaves one in place after a jump to it.
    const Boundary b = *std::exchange(resumed_at_, std::nullopt);
    if (b.eip == eip && b.seq == m_.stats().instructions && !kinds) return;
  }
  bool stop = stop_next_ || kinds;
  signal_ = 5;  // SIGTRAP
  stop_kinds_ = kinds;
  if (!stop && --poll_countdown_ == 0) {
    poll_countdown_ = kPollEvery;
    while (auto in = ch_.poll()) {
      if (in->kind == Incoming::Kind::kClosed) {
        gone();
        return;
      }
      if (in->kind == Incoming::Kind::kInterrupt) {
        stop = true;
        signal_ = kSigInt;
        break;
      }
      // A packet while the guest runs (all-stop gdb sends none): acknowledged and dropped.
    }
  }
  if (!stop) return;
  const bool announce = !(stop_next_ && stops_ == 0);  // gdb asks with `?` after connecting
  stop_next_ = false;
  watch_hit_.reset();
  ++stops_;
  serve(announce);
}

// Outside the CPU run, at the boundary after the accessing instruction (Machine::on_watch); a step
// that hit a watchpoint stops here too.
void Stub::on_watch(const WatchHit& hit) {
  if (!attached_) return;
  if (replay_ != Replay::kNone) [[unlikely]]
    return replay_watch(hit);
  resumed_at_.reset();
  signal_ = 5;
  stop_kinds_ = 0;
  stop_next_ = false;
  watch_hit_ = hit;
  ++stops_;
  serve(true);
}

void Stub::gone() {
  attached_ = false;
  watchpoints_.clear();  // the run goes on at its own speed, without memory hooks
  push_watchpoints();
}

void Stub::push_watchpoints() {
  if (watchpoints_ == pushed_) return;
  pushed_ = watchpoints_;
  m_.set_watchpoints(pushed_);
}

void Stub::serve(bool announce) {
  if (announce) ch_.send(stop_reply());
  for (;;) {
    Incoming in = ch_.next();
    if (in.kind == Incoming::Kind::kClosed) {
      gone();
      return;
    }
    if (in.kind == Incoming::Kind::kInterrupt) continue;  // already stopped
    Next next = Next::kServe;
    try {
      next = handle(in.payload);
    } catch (const std::exception&) {
      // A packet the parsers did not expect (a missing argument, say): the debugger's mistake,
      // answered as an error, never the end of the guest's run.
      ch_.send("E00");
    }
    switch (next) {
      case Next::kServe:
        break;
      case Next::kResume: {
        resumed_at_ = Boundary{m_.reg(Reg::kEip), m_.stats().instructions};
        push_watchpoints();
        return;
      }
      case Next::kGone:
        gone();
        return;
    }
  }
}

std::string Stub::stop_reply() const {
  // A watchpoint: its kind and its own address (GDB manual E.3; QEMU's gdbstub reports the
  // watchpoint's address too), which gdb looks its watchpoint up by. swbreak/hwbreak (when gdb
  // asked for them in qSupported) say EIP is the breakpoint's address already: without them gdb
  // may move EIP back by one when EIP - 1 holds a breakpoint too, as it would after an int3.
  std::string why;
  if (at_history_begin_) why = "replaylog:begin;";  // GDB manual E.3: no history before this
  if (signal_ == 5 && why.empty() && watch_hit_) {
    const WatchKind k = watch_hit_->wp.kind;
    why = fmt::format("{}watch:{:x};",
                      k == WatchKind::kRead     ? "r"
                      : k == WatchKind::kAccess ? "a"
                                                : "",
                      watch_hit_->wp.addr);
  }
  if (signal_ == 5 && why.empty() && (stop_kinds_ & kSoftware) && swbreak_) why = "swbreak:;";
  if (signal_ == 5 && why.empty() && (stop_kinds_ & kHardware) && hwbreak_) why = "hwbreak:;";
  return fmt::format("T{:02x}{}thread:01;", signal_, why);
}

std::string Stub::read_registers() const {
  std::string out;
  out.reserve(2 * kGBytes);
  for (unsigned r = 0; r < kNumRegs; ++r) out += register_hex(m_, r);
  return out;
}

// Whether register `r` may take `v` (its bytes in target order): the writable ones always, the
// others when unchanged (open question 3), the unavailable x87 ones never.
bool Stub::may_write(unsigned r, const std::uint8_t* v) const {
  if (r <= static_cast<unsigned>(Reg::kEflags)) return true;
  auto now = register_bytes(m_, r);
  return now && std::equal(now->begin(), now->end(), v);
}

void Stub::write(unsigned r, const std::uint8_t* v) {
  const std::uint32_t value =
      static_cast<std::uint32_t>(v[0] | v[1] << 8 | v[2] << 16 | v[3] << 24);
  if (r <= static_cast<unsigned>(Reg::kEflags) && value != m_.reg(static_cast<Reg>(r)))
    m_.set_reg(static_cast<Reg>(r), value);
}

std::string Stub::write_registers(std::string_view hex) {
  // The registers in target_xml()'s order; a shorter G covers the first ones it holds whole.
  // Refused whole if it would move EIP, load a segment register or change a system register.
  // The x87 registers may come back as the `x` digits `g` sent for them (unavailable).
  std::string digits(hex);
  const std::size_t x87_begin = 2 * 4 * kFirstX87, x87_end = x87_begin + 2 * (8 * 10 + 8 * 4);
  for (std::size_t i = x87_begin; i < std::min(x87_end, digits.size()); ++i)
    if (digits[i] == 'x') digits[i] = '0';
  auto bytes = from_hex(digits);
  if (!bytes) return "E01";
  std::size_t at = 0;
  unsigned n = 0;
  for (; n < kNumRegs && at + register_size(n) <= bytes->size(); at += register_size(n++)) {
    const bool x87 = n >= kFirstX87 && n < kFirstSystem;  // unavailable: whatever gdb holds
    if (!x87 && !may_write(n, bytes->data() + at)) return "E01";
  }
  at = 0;
  for (unsigned r = 0; r < n; at += register_size(r++)) write(r, bytes->data() + at);
  return "OK";
}

std::string Stub::write_register(std::string_view args) {
  const auto eq = args.find('=');
  if (eq == std::string_view::npos) return "E01";
  auto r = parse_hex(args.substr(0, eq));
  auto bytes = from_hex(args.substr(eq + 1));
  if (!r || *r >= kNumRegs || !bytes || bytes->size() != register_size(*r)) return "E01";
  if (!may_write(*r, bytes->data())) return "E01";
  write(*r, bytes->data());
  return "OK";
}

// Z2/Z3/Z4 and z2/z3/z4 "T,ADDR,LEN": kept here, handed to the machine when gdb resumes.
std::string Stub::watch_packet(char cmd, std::string_view args) {
  std::uint32_t addr, len;
  if (!parse_addr_len(args.substr(2), addr, len)) return "E01";
  const Watchpoint w{addr, len, static_cast<WatchKind>(args[0] - '0')};
  if (cmd == 'z') {
    auto it = std::find(watchpoints_.begin(), watchpoints_.end(), w);
    if (it == watchpoints_.end()) return "E02";  // ENOENT: none such
    watchpoints_.erase(it);
    return "OK";
  }
  if (len == 0) return "E22";                                // EINVAL
  if (watchpoints_.size() == kMaxWatchpoints) return "E28";  // ENOSPC: gdb reports it
  watchpoints_.push_back(w);
  return "OK";
}

// qRcmd,HEX: the command's output as O packets (GDB manual E.4), then OK.
void Stub::monitor_command(std::string_view hex) {
  auto cmd = from_hex(hex);
  if (!cmd) {
    ch_.send("E01");
    return;
  }
  const std::string out = monitor(m_, std::string(cmd->begin(), cmd->end()));
  constexpr std::size_t kChunk = 512;  // text bytes per O packet, well under PacketSize in hex
  for (std::size_t i = 0; i < out.size(); i += kChunk) {
    std::string packet = "O";
    packet += to_hex(out.data() + i, std::min(kChunk, out.size() - i));
    ch_.send(packet);
  }
  ch_.send("OK");
}

std::string Stub::resume(std::string_view addr, bool step) {
  if (!addr.empty()) {  // resume elsewhere, as after `set $pc` (open question 3)
    auto a = parse_hex(addr);
    if (!a || (*a != m_.reg(Reg::kEip) && !m_.set_reg(Reg::kEip, *a))) return "E01";
  }
  stop_next_ = step;
  at_history_begin_ = false;
  return {};
}

Stub::Next Stub::handle(const std::string& p) {
  const char cmd = p.empty() ? '\0' : p[0];
  const std::string_view args = p.empty() ? std::string_view{} : std::string_view(p).substr(1);
  auto reply = [&](std::string_view r) {
    ch_.send(r);
    return Next::kServe;
  };
  switch (cmd) {
    case '?':
      return reply(stop_reply());
    case 'g':
      return reply(read_registers());
    case 'G': {
      const std::string r = write_registers(args);
      if (r == "OK") history_changed();
      return reply(r);
    }
    case 'p': {
      auto r = parse_hex(args);
      if (!r || *r >= kNumRegs) return reply("E01");
      return reply(register_hex(m_, *r));
    }
    case 'P': {
      const std::string r = write_register(args);
      if (r == "OK") history_changed();
      return reply(r);
    }
    case 'm': {
      std::uint32_t addr, len;
      if (!parse_addr_len(args, addr, len)) return reply("E01");
      auto bytes = read_linear(m_, addr, std::min<std::size_t>(len, kMaxMemoryReply));
      if (bytes.empty() && len) return reply("E14");
      return reply(to_hex(bytes.data(), bytes.size()));
    }
    case 'M':
    case 'X': {
      std::uint32_t addr, len;
      std::string_view data;
      if (!parse_addr_len(args, addr, len, &data)) return reply("E01");
      std::vector<std::uint8_t> bytes;
      if (cmd == 'M') {
        auto b = from_hex(data);
        if (!b) return reply("E01");
        bytes = std::move(*b);
      } else {
        bytes.assign(data.begin(), data.end());  // already unescaped by the channel
      }
      if (bytes.size() != len) return reply("E01");
      if (!write_linear(m_, addr, bytes)) return reply("E14");
      history_changed();
      return reply("OK");
    }
    case 'c':
    case 's':
    case 'C':
    case 'S': {
      // C/S SIG[;ADDR]: the signal means nothing to a machine; continue or step.
      std::string_view addr = args;
      if (cmd == 'C' || cmd == 'S') {
        const auto semi = args.find(';');
        addr = semi == std::string_view::npos ? std::string_view{} : args.substr(semi + 1);
      }
      const std::string err = resume(addr, cmd == 's' || cmd == 'S');
      if (!err.empty()) return reply(err);
      return Next::kResume;
    }
    case 'Z':
    case 'z': {
      // Z0 software, Z1 hardware: both are forkscope's own address checks (open question 1).
      // Z2-Z4: watchpoints (open question 8).
      if (args.size() >= 2 && args[0] >= '2' && args[0] <= '4' && args[1] == ',')
        return reply(watch_packet(cmd, args));
      if (args.size() < 2 || (args[0] != '0' && args[0] != '1') || args[1] != ',')
        return reply("");        // another kind: not supported
      std::uint32_t addr, size;  // size: the instruction length gdb would patch (ignored)
      if (!parse_addr_len(args.substr(2), addr, size)) return reply("E01");
      const std::uint8_t kind = args[0] == '0' ? kSoftware : kHardware;
      if (cmd == 'Z') {
        breakpoints_[addr] |= kind;
      } else if (auto it = breakpoints_.find(addr); it != breakpoints_.end()) {
        it->second &= static_cast<std::uint8_t>(~kind);
        if (!it->second) breakpoints_.erase(it);
      }
      return reply("OK");
    }
    case 'b':
      // bs, bc: reverse step and continue (open question 8), when offered in qSupported.
      if (reverse_enabled() && args == "s") return reverse_step();
      if (reverse_enabled() && args == "c") return reverse_continue();
      return reply("");
    case 'k':
      // No reply (the manual's "kill request"): the run ends before this instruction.
      m_.kill(fmt::format("killed by gdb at {:04x}:{:08x} <{}>", m_.reg(Reg::kCs),
                          m_.reg(Reg::kEip), m_.describe(m_.reg(Reg::kEip))));
      return Next::kGone;
    case 'D':
      reply("OK");
      return Next::kGone;
    case 'H':
    case 'T':
      return reply("OK");  // one thread: every thread id is it
    case 'q':
      if (p.starts_with("qSupported")) {
        swbreak_ = p.find("swbreak+") != std::string::npos;
        hwbreak_ = p.find("hwbreak+") != std::string::npos;
        return reply(fmt::format("PacketSize={:x};qXfer:features:read+{}{}{}", Channel::kMaxPacket,
                                 swbreak_ ? ";swbreak+" : "", hwbreak_ ? ";hwbreak+" : "",
                                 reverse_enabled() ? ";ReverseStep+;ReverseContinue+" : ""));
      }
      if (p.starts_with("qXfer:features:read:"))
        return reply(features_read(std::string_view(p).substr(20)));
      if (p.starts_with("qRcmd,")) {
        monitor_command(std::string_view(p).substr(6));
        return Next::kServe;
      }
      if (p == "qAttached") return reply("1");
      if (p == "qC") return reply("QC01");
      if (p == "qfThreadInfo") return reply("m01");
      if (p == "qsThreadInfo") return reply("l");
      return reply("");
    default:
      return reply("");  // unknown: the empty reply says so (vCont? included)
  }
}

void Stub::finish(const RunResult& r) {
  if (!attached_ || r.reason == StopReason::kKilled) return;
  if (!r.message.empty()) {
    const std::string line = "forkscope: " + r.message + "\n";
    // Appended, not "O" + to_hex(...): GCC 12 at -O3 reports a false -Wrestrict on a literal
    // prepended to a temporary string (GCC bug 105329).
    std::string packet = "O";
    packet += to_hex(line.data(), line.size());
    ch_.send(packet);
  }
  switch (r.reason) {
    case StopReason::kTripleFault:
      ch_.send(fmt::format("X{:02x}", kSigSegv));
      break;
    case StopReason::kGuestError:
      ch_.send(fmt::format("X{:02x}", kSigBus));
      break;
    case StopReason::kCycleLimit:
      ch_.send(fmt::format("X{:02x}", kSigXcpu));
      break;
    default:
      ch_.send(fmt::format("W{:02x}", r.exit_status & 0xFF));
      break;
  }
  attached_ = false;
}

}  // namespace fs::gdb
