#include "devices/pit8254.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace fs {

namespace {

using Counter = Pit8254::Counter;

// The datasheet's count N: a written 0 counts 65536 (binary counting).
std::uint32_t count_value(std::uint16_t cr) {
  return cr ? cr : 65536u;
}

// Modes 0, 1, 4, 5: CE after k decrements, 0 wrapping to 0xFFFF ("the counter continues to
// decrement" after terminal count).
std::uint32_t dec_wrap(std::uint32_t ce, std::uint64_t k) {
  if (k <= ce) return static_cast<std::uint32_t>(ce - k);
  const std::uint64_t m = (k - ce) % 65536;
  return m == 0 ? 0 : static_cast<std::uint32_t>(65536 - m);
}

// CLKs until a decrementing CE next reaches 0.
std::uint64_t clks_to_zero(std::uint32_t ce) {
  return ce == 0 ? 65536 : ce;
}

bool gate_counts(const Counter& c) {
  return c.mode == 1 || c.mode == 5 || c.gate;
}

// Mode 3 reload: an even N as is, an odd N as N-1 (datasheet, mode 3).
void reload_square(Counter& c) {
  const std::uint32_t n = count_value(c.cr);
  c.ce = n & ~1u;
  c.ce_odd = n & 1;
  c.null_count = false;
}

// Mode 3: CLKs left in the current half-period. An odd count's high half has one CLK at CE = 0.
std::uint64_t half_left(const Counter& c) {
  if (c.ce == 0) return 1;
  return c.ce / 2 + ((c.out && c.ce_odd) ? 1 : 0);
}

}  // namespace

Pit8254::Pit8254(std::uint64_t cpu_hz) : cpu_hz_(cpu_hz) {
  if (cpu_hz == 0) throw std::invalid_argument("pit8254: CPU clock of 0 Hz");
}

std::uint64_t Pit8254::tick_at(Cycles c) const {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(c) * kPitHz) / cpu_hz_);
}

Cycles Pit8254::cycle_of_tick(std::uint64_t t) const {
  const unsigned __int128 c = (static_cast<unsigned __int128>(t) * cpu_hz_ + kPitHz - 1) / kPitHz;
  return c >= kNever ? kNever : static_cast<Cycles>(c);
}

void Pit8254::set_out_handler(int channel, std::function<void(bool)> fn, bool rising_deadlines) {
  handler_.at(channel) = std::move(fn);
  rising_deadlines_.at(channel) = rising_deadlines;
}

// ---- the counter rules
// ----------------------------------------------------------------------------------

void Pit8254::step_clk(Counter& c) {
  if (c.load_pending) {  // this CLK moves CR into CE and does not decrement
    c.load_pending = false;
    c.null_count = false;
    c.running = true;
    const std::uint32_t n = count_value(c.cr);
    switch (c.mode) {
      case 1:  // one-shot: OUT low from the CLK after the trigger
        c.ce = n;
        c.out = false;
        break;
      case 3:
        reload_square(c);
        c.out = true;
        break;
      case 4:
      case 5:
        c.ce = n;
        c.armed = true;
        break;
      default:  // 0, 2
        c.ce = n;
        break;
    }
    return;
  }
  if (!c.running) return;
  if ((c.mode == 4 || c.mode == 5) && !c.out) c.out = true;  // the strobe lasts one CLK
  if (!gate_counts(c)) return;
  switch (c.mode) {
    case 0:
    case 1:
      c.ce = dec_wrap(c.ce, 1);
      if (c.ce == 0) c.out = true;
      break;
    case 4:
    case 5:
      c.ce = dec_wrap(c.ce, 1);
      if (c.ce == 0 && c.armed) {
        c.armed = false;
        c.out = false;
      }
      break;
    case 2:
      if (c.ce == 1) {  // reload; OUT back high
        c.ce = count_value(c.cr);
        c.null_count = false;
        c.out = true;
      } else if (--c.ce == 1) {
        c.out = false;
      }
      break;
    case 3:
      if (c.ce == 0) {  // the odd count's extra CLK (or a count of 1)
        c.out = !c.out;
        reload_square(c);
      } else {
        c.ce -= 2;
        if (c.ce == 0 && (!c.out || !c.ce_odd)) {
          c.out = !c.out;
          reload_square(c);
        }
      }
      break;
  }
}

void Pit8254::advance(Counter& c, std::uint64_t k) {
  if (k == 0) return;
  if (c.load_pending) {
    step_clk(c);
    if (--k == 0) return;
  }
  if (!c.running) return;
  if ((c.mode == 4 || c.mode == 5) && !c.out) c.out = true;
  if (!gate_counts(c)) return;
  switch (c.mode) {
    case 0:
    case 1:
      if (k >= clks_to_zero(c.ce)) c.out = true;
      c.ce = dec_wrap(c.ce, k);
      return;
    case 4:
    case 5: {
      const std::uint64_t z = clks_to_zero(c.ce);
      if (c.armed && k >= z) {
        c.armed = false;
        c.out = k != z;  // low for exactly the CLK at which CE reached 0
      }
      c.ce = dec_wrap(c.ce, k);
      return;
    }
    case 2: {
      if (k < c.ce) {
        c.ce -= static_cast<std::uint32_t>(k);
        c.out = c.ce != 1;
        return;
      }
      k -= c.ce;  // CE reached 1 and reloaded
      const std::uint32_t n = count_value(c.cr);
      c.ce = n;
      c.out = true;
      c.null_count = false;
      if (n == 1) return;  // below the minimum count: CE stays 1, OUT stays high
      c.ce -= static_cast<std::uint32_t>(k % n);
      c.out = c.ce != 1;
      return;
    }
    case 3: {
      std::uint64_t left = half_left(c);
      if (k < left) {
        c.ce -= static_cast<std::uint32_t>(2 * k);
        return;
      }
      k -= left;
      c.out = !c.out;
      reload_square(c);
      const std::uint32_t n = count_value(c.cr);
      const std::uint64_t high = n / 2 + (n & 1), low = std::max<std::uint32_t>(n / 2, 1);
      k %= high + low;
      while (k >= (left = half_left(c))) {
        k -= left;
        c.out = !c.out;
        reload_square(c);
      }
      c.ce -= static_cast<std::uint32_t>(2 * k);
      return;
    }
  }
}

std::uint64_t Pit8254::clks_to_edge(const Counter& c0) {
  Counter c = c0;
  std::uint64_t d = 0;
  if (c.load_pending) {
    step_clk(c);
    d = 1;
    if (c.out != c0.out) return d;
  }
  if (!c.running) return kNoEdge;
  if ((c.mode == 4 || c.mode == 5) && !c.out) return d + 1;
  if (!gate_counts(c)) return kNoEdge;
  switch (c.mode) {
    case 0:
    case 1:
      return c.out ? kNoEdge : d + clks_to_zero(c.ce);
    case 4:
    case 5:
      return c.armed ? d + clks_to_zero(c.ce) : kNoEdge;
    case 2: {
      if (!c.out) return d + 1;                   // CE is 1: the reload
      if (c.ce >= 2) return d + c.ce - 1;         // CE reaches 1
      const std::uint32_t n = count_value(c.cr);  // CE is a loaded 1: reload, then n-1 CLKs
      return n == 1 ? kNoEdge : d + n;
    }
    case 3:
      return d + half_left(c);
  }
  return kNoEdge;
}

// ---- time
// -----------------------------------------------------------------------------------------------

void Pit8254::sync(Cycles now) {
  s_.last_now = std::max(s_.last_now, now);
  const std::uint64_t t = tick_at(now);
  for (;;) {  // the edges due, in time order; the same CLK in channel order
    int best = -1;
    std::uint64_t best_tick = 0;
    for (int i = 0; i < 3; ++i) {
      const Counter& c = s_.ch[i];
      if (!handler_[i] || c.at >= t) continue;
      const std::uint64_t d = clks_to_edge(c);
      if (d == kNoEdge || d > t - c.at) continue;
      if (best < 0 || c.at + d < best_tick) {
        best = i;
        best_tick = c.at + d;
      }
    }
    if (best < 0) break;
    Counter& c = s_.ch[best];
    advance(c, best_tick - c.at);
    c.at = best_tick;
    handler_[best](c.out);
  }
  for (Counter& c : s_.ch) {
    if (c.at < t) {
      advance(c, t - c.at);
      c.at = t;
    }
  }
}

void Pit8254::run_until(Cycles now) {
  sync(now);
}

Cycles Pit8254::next_event() const {
  Cycles best = kNever;
  for (int i = 0; i < 3; ++i) {
    if (!handler_[i]) continue;
    std::uint64_t d = clks_to_edge(s_.ch[i]);
    if (d != kNoEdge && rising_deadlines_[i] && s_.ch[i].out) {
      // OUT is high, so the next edge falls: the deadline is the rising edge after it.
      Counter c = s_.ch[i];
      advance(c, d);
      const std::uint64_t rise = clks_to_edge(c);
      d = rise == kNoEdge || rise > kNoEdge - d ? kNoEdge : d + rise;
    }
    if (d == kNoEdge || d > kNoEdge - s_.ch[i].at) continue;
    best = std::min(best, cycle_of_tick(s_.ch[i].at + d));
  }
  return best;
}

bool Pit8254::out(int channel, Cycles now) const {
  Counter c = s_.ch.at(channel);
  const std::uint64_t t = tick_at(now);
  if (t > c.at) advance(c, t - c.at);
  return c.out;
}

void Pit8254::set_gate(int channel, bool level) {
  set_gate(channel, level, s_.last_now);
}

void Pit8254::set_gate(int channel, bool level, Cycles now) {
  sync(now);
  Counter& c = s_.ch.at(channel);
  if (c.gate == level) return;
  c.gate = level;
  if (!level) {
    // Modes 2 and 3: GATE low stops counting and forces OUT high at once.
    if (c.mode == 2 || c.mode == 3) set_out(channel, true);
    return;
  }
  // A rising edge is a trigger: modes 1, 2, 3, 5 (re)load the count on the next CLK.
  if (c.mode != 0 && c.mode != 4 && c.cr_written) c.load_pending = true;
}

void Pit8254::set_out(int channel, bool level) {
  Counter& c = s_.ch[channel];
  if (c.out == level) return;
  c.out = level;
  if (handler_[channel]) handler_[channel](level);
}

// ---- ports
// ----------------------------------------------------------------------------------------------

std::uint32_t Pit8254::io_read(Cycles now, std::uint16_t offset, unsigned /*size*/) {
  sync(now);
  if (offset >= 3) return 0xFF;  // the control word register cannot be read: the bus floats
  return read_counter(offset);
}

void Pit8254::io_write(Cycles now, std::uint16_t offset, unsigned /*size*/, std::uint32_t value) {
  sync(now);
  const std::uint8_t v = static_cast<std::uint8_t>(value);
  if (offset == 3)
    write_control(v);
  else if (offset < 3)
    write_count(offset, v);
}

void Pit8254::write_control(std::uint8_t v) {
  const unsigned sc = v >> 6;
  if (sc == kScReadBack) {  // read-back: latch count and/or status of each selected counter
    for (int i = 0; i < 3; ++i) {
      if (!(v & (2u << i))) continue;
      if (!(v & kReadBackNoCount)) latch_count(s_.ch[i]);
      if (!(v & kReadBackNoStatus)) latch_status(s_.ch[i]);
    }
    return;
  }
  Counter& c = s_.ch[sc];
  const std::uint8_t rw = (v >> 4) & 3;
  if (rw == kRwLatch) {  // counter latch command
    latch_count(c);
    return;
  }
  if (v & 1) {
    throw Unimplemented(
        fmt::format("pit8254: BCD counting is not modelled (control word {:#04x})", v));
  }
  std::uint8_t mode = (v >> 1) & 7;
  if (mode >= 6) mode -= 4;  // "X10" and "X11": modes 2 and 3
  c.control = v & 0x3F;
  c.mode = mode;
  c.rw = rw;
  c.write_msb_next = c.read_msb_next = false;
  c.count_latched = c.status_latched = false;
  c.cr_written = false;
  c.null_count = true;
  c.running = c.load_pending = c.armed = false;
  set_out(static_cast<int>(sc), mode != 0);  // datasheet: OUT's initial state per mode
}

void Pit8254::write_count(int channel, std::uint8_t v) {
  Counter& c = s_.ch[channel];
  switch (c.rw) {
    case kRwLsb:
      commit_count(channel, v);
      break;
    case kRwMsb:
      commit_count(channel, static_cast<std::uint16_t>(v << 8));
      break;
    default:
      if (!c.write_msb_next) {
        c.cr_lsb = v;
        c.write_msb_next = true;
        if (c.mode == 0) {  // "writing the first byte disables counting; OUT is set low"
          c.running = c.load_pending = false;
          set_out(channel, false);
        }
      } else {
        c.write_msb_next = false;
        commit_count(channel, static_cast<std::uint16_t>(c.cr_lsb | (v << 8)));
      }
      break;
  }
}

void Pit8254::commit_count(int channel, std::uint16_t n) {
  Counter& c = s_.ch[channel];
  c.cr = n;
  c.cr_written = true;
  c.null_count = true;
  if ((c.mode == 2 || c.mode == 3) && n == 1)
    warn_("count below minimum",
          fmt::format("count below the mode {} minimum of 2 ({})", c.mode, n));
  switch (c.mode) {
    case 0:  // loaded on the next CLK; OUT low until it expires
      c.load_pending = true;
      set_out(channel, false);
      break;
    case 4:
      c.load_pending = true;
      break;
    case 2:
    case 3:  // the first count loads on the next CLK; later ones at the next reload
      if (!c.running) c.load_pending = true;
      break;
    default:  // 1, 5: waits for a GATE trigger
      break;
  }
}

std::uint8_t Pit8254::read_counter(int channel) {
  Counter& c = s_.ch[channel];
  if (c.status_latched) {  // a latched status is read before a latched count
    c.status_latched = false;
    return c.status;
  }
  const std::uint16_t v = c.count_latched ? c.ol : static_cast<std::uint16_t>(c.ce & 0xFFFF);
  switch (c.rw) {
    case kRwLsb:
      c.count_latched = false;
      return v & 0xFF;
    case kRwMsb:
      c.count_latched = false;
      return static_cast<std::uint8_t>(v >> 8);
    default:
      if (!c.read_msb_next) {
        c.read_msb_next = true;
        return v & 0xFF;
      }
      c.read_msb_next = false;
      c.count_latched = false;
      return static_cast<std::uint8_t>(v >> 8);
  }
}

void Pit8254::latch_count(Counter& c) {
  if (c.count_latched) return;  // a second latch before the read is ignored
  c.count_latched = true;
  c.ol = static_cast<std::uint16_t>(c.ce & 0xFFFF);
}

void Pit8254::latch_status(Counter& c) {
  if (c.status_latched) return;
  c.status_latched = true;
  c.status = static_cast<std::uint8_t>((c.out ? 0x80 : 0) | (c.null_count ? 0x40 : 0) | c.control);
}

}  // namespace fs
