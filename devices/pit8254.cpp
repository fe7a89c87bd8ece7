#include "devices/pit8254.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <limits>
#include <stdexcept>

namespace fs {

namespace {
constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
}

Pit8254::Pit8254(std::uint64_t cpu_hz) : cpu_hz_(cpu_hz) {}

std::uint64_t Pit8254::tick_at(Cycles c) const {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(c) * kPitHz) / cpu_hz_);
}

Cycles Pit8254::cycle_of_tick(std::uint64_t t) const {
  const unsigned __int128 num = static_cast<unsigned __int128>(t) * cpu_hz_;
  return static_cast<Cycles>((num + kPitHz - 1) / kPitHz);
}

void Pit8254::set_out_handler(int channel, std::function<void(bool)> fn) {
  ch_[channel].handler = std::move(fn);
}

bool Pit8254::out_at(const Channel& c, std::uint64_t t) const {
  const std::uint64_t n = c.reload ? c.reload : 65536;
  switch (c.mode) {
    case 0:
      // Mode 0 (interrupt on terminal count): OUT low from the mode write until the count reaches
      // 0.
      return c.counting && t >= c.load_tick + n;
    case 2:
      if (!c.counting || t < c.load_tick) return true;
      return (t - c.load_tick) % n != n - 1;  // low while the count is 1
    case 3:
      if (!c.counting || t < c.load_tick) return true;
      return (t - c.load_tick) % n < (n + 1) / 2;
  }
  return true;
}

std::uint16_t Pit8254::count_at(const Channel& c, std::uint64_t t) const {
  const std::uint64_t n = c.reload ? c.reload : 65536;
  if (!c.counting || t < c.load_tick) return static_cast<std::uint16_t>(c.reload);
  const std::uint64_t e = t - c.load_tick;
  if (c.mode == 0) return static_cast<std::uint16_t>((n - e % 65536) & 0xFFFF);
  return static_cast<std::uint16_t>(n - e % n);
}

std::uint64_t Pit8254::next_transition(const Channel& c, std::uint64_t t) const {
  if (!c.counting) return kNone;
  const std::uint64_t n = c.reload ? c.reload : 65536;
  if (c.mode == 0) {
    const std::uint64_t tc = c.load_tick + n;
    return t < tc ? tc : kNone;
  }
  if (c.mode != 2 && c.mode != 3) return kNone;
  // Transitions happen at phases p1 (falling) and 0 (rising) of each period after load_tick.
  const std::uint64_t fall = c.mode == 2 ? n - 1 : (n + 1) / 2;
  if (n == 1 || fall == 0) return kNone;  // degenerate counts: OUT never changes (warned at load)
  if (t < c.load_tick) return c.load_tick + fall;
  const std::uint64_t phase = (t - c.load_tick) % n;
  if (phase < fall) return t + (fall - phase);
  return t + (n - phase);
}

void Pit8254::load(Channel& c, Cycles now, std::uint32_t v) {
  c.reload = v & 0xFFFF;
  c.counting = true;
  c.load_tick = tick_at(now) + 1;  // datasheet: loaded on the next CLK
  c.done_tick = tick_at(now);
  c.out = out_at(c, c.done_tick);
  if ((c.mode == 2 || c.mode == 3) && c.reload == 1) {
    static bool warned = false;
    if (!warned) std::fprintf(stderr, "pit8254: count 1 is illegal in modes 2 and 3 (1)\n");
    warned = true;
  }
}

std::uint32_t Pit8254::io_read(Cycles now, std::uint16_t offset, unsigned) {
  if (offset == 3) return 0xFF;  // the control word register cannot be read
  Channel& c = ch_[offset];
  const std::uint16_t v = c.latched ? c.latch : count_at(c, tick_at(now));
  std::uint8_t byte = 0;
  switch (c.access) {
    case kAccessLo:
      byte = v & 0xFF;
      c.latched = false;
      break;
    case kAccessHi:
      byte = v >> 8;
      c.latched = false;
      break;
    default:
      byte = c.read_hi_next ? (v >> 8) : (v & 0xFF);
      if (c.read_hi_next) c.latched = false;
      c.read_hi_next = !c.read_hi_next;
      break;
  }
  return byte;
}

void Pit8254::io_write(Cycles now, std::uint16_t offset, unsigned, std::uint32_t value) {
  const std::uint8_t v = static_cast<std::uint8_t>(value);
  if (offset == 3) {
    const unsigned sel = v >> 6;
    if (sel == 3) throw std::runtime_error("pit8254: read-back command is not modelled");
    Channel& c = ch_[sel];
    const std::uint8_t access = (v >> 4) & 3;
    if (access == kAccessLatch) {  // counter latch command
      if (!c.latched) {
        c.latched = true;
        c.latch = count_at(c, tick_at(now));
        c.read_hi_next = false;
      }
      return;
    }
    std::uint8_t mode = (v >> 1) & 7;
    if (mode >= 6) mode -= 4;  // 6 and 7 alias modes 2 and 3
    if (mode != 0 && mode != 2 && mode != 3) {
      throw std::runtime_error(fmt::format("pit8254: mode {} is not modelled", mode));
    }
    if (v & 1) throw std::runtime_error("pit8254: BCD counting is not modelled");
    run_until(now);
    c.mode = mode;
    c.access = access;
    c.write_hi_next = false;
    c.read_hi_next = false;
    c.latched = false;
    c.counting = false;
    // Datasheet: after a control word OUT goes low in mode 0 and high in modes 2 and 3.
    const bool level = mode != 0;
    if (c.out != level) {
      c.out = level;
      if (c.handler) c.handler(level);
    }
    return;
  }
  Channel& c = ch_[offset];
  run_until(now);
  switch (c.access) {
    case kAccessLo:
      load(c, now, v);
      break;
    case kAccessHi:
      load(c, now, std::uint32_t{v} << 8);
      break;
    default:
      if (!c.write_hi_next) {
        c.low_byte = v;
        c.write_hi_next = true;
      } else {
        c.write_hi_next = false;
        load(c, now, c.low_byte | (std::uint32_t{v} << 8));
      }
  }
}

bool Pit8254::out(int channel, Cycles now) const {
  return out_at(ch_[channel], tick_at(now));
}

Cycles Pit8254::next_event() const {
  Cycles best = kNever;
  for (const Channel& c : ch_) {
    if (!c.handler) continue;
    const std::uint64_t t = next_transition(c, c.done_tick);
    if (t != kNone) best = std::min(best, cycle_of_tick(t));
  }
  return best;
}

void Pit8254::run_until(Cycles now) {
  const std::uint64_t t_now = tick_at(now);
  for (Channel& c : ch_) {
    if (!c.handler) {
      c.done_tick = std::max(c.done_tick, t_now);
      continue;
    }
    while (true) {
      const std::uint64_t t = next_transition(c, c.done_tick);
      if (t == kNone || t > t_now) break;
      c.done_tick = t;
      const bool level = out_at(c, t);
      if (level != c.out) {
        c.out = level;
        c.handler(level);
      }
    }
    if (t_now > c.done_tick) c.done_tick = t_now;
  }
}

}  // namespace fs
