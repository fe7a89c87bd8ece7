// Intel 8254 programmable interval timer at 0x40-0x43, input clock 1.193182 MHz.
//
// Open questions and the answers chosen (Intel 8254 datasheet, "Operating modes"):
// 1. The PIT clock is derived from CPU cycles exactly: PIT tick at cycle c = floor(c * 1193182 /
// cpu_hz)
//    in 128-bit integers, so there is no drift however long the run.
// 2. A count written takes effect on the next CLK pulse ("the count is loaded on the next CLK after
// the
//    write"): counting starts at tick(now) + 1.
// 3. Modes 0, 2 and 3 are modelled (1, 4, 5 throw Unimplemented). Mode 2: OUT low for the one CLK
// in which
//    the count is 1, rising edge on reload. Mode 3: OUT high for ceil(N/2) CLKs, low for
//    floor(N/2).
// 4. Mode 3 read-back returns the mode-2 style count (N - elapsed); the real chip decrements by
// two.
// 5. Gates of channels 0 and 1 are tied high; channel 2's gate is stored but not wired (no port
// 0x61).
// 6. Nothing is ticked: state is a function of the load tick and `now`, computed when asked (Bochs
//    pit82c54's "jump ahead" idea).
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "devices/io_device.hpp"

namespace fs {

inline constexpr std::uint64_t kPitHz = 1193182;

class Pit8254 : public IoDevice {
 public:
  explicit Pit8254(std::uint64_t cpu_hz);
  void set_out_handler(int channel, std::function<void(bool level)> fn);
  bool out(int channel, Cycles now) const;
  void set_gate(int channel, bool level) { ch_[channel].gate = level; }

  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override;
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override;
  Cycles next_event() const override;
  void run_until(Cycles now) override;
  const char* name() const override { return "pit8254"; }

  // PIT tick <-> CPU cycle, exact integer conversions.
  std::uint64_t tick_at(Cycles c) const;
  Cycles cycle_of_tick(std::uint64_t tick) const;  // first cycle whose tick is >= `tick`

 private:
  static constexpr std::uint8_t kAccessLatch = 0, kAccessLo = 1, kAccessHi = 2, kAccessLoHi = 3;
  struct Channel {
    std::uint8_t mode = 0;  // 0..5
    std::uint8_t access = kAccessLoHi;
    bool write_hi_next = false;   // lo/hi flip-flop for writes
    bool read_hi_next = false;    // lo/hi flip-flop for reads
    std::uint8_t low_byte = 0;    // first byte of a lo/hi write
    std::uint32_t reload = 0;     // N (0 means 65536)
    bool counting = false;        // a count has been loaded
    std::uint64_t load_tick = 0;  // the CLK at which counting started
    bool latched = false;         // counter latch command issued, value not yet read
    std::uint16_t latch = 0;
    bool out = true;              // last OUT level reported to the handler
    std::uint64_t done_tick = 0;  // edges up to this tick were reported
    bool gate = true;
    std::function<void(bool)> handler;
  };
  bool out_at(const Channel& c, std::uint64_t t) const;
  std::uint16_t count_at(const Channel& c, std::uint64_t t) const;
  // The next tick > t at which OUT changes, or UINT64_MAX.
  std::uint64_t next_transition(const Channel& c, std::uint64_t t) const;
  void load(Channel& c, Cycles now, std::uint32_t n);

  std::uint64_t cpu_hz_;
  std::array<Channel, 3> ch_;
};

}  // namespace fs
