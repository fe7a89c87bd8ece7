// Intel 8254 programmable interval timer at 0x40-0x43 (counters 0-2 at offsets 0-2, control word at
// offset 3), input clock kPitHz on every channel. Source: Intel 8254 datasheet (order no. 231164),
// "Operating Modes", "Read Operations", "Read-Back Command", "Minimum and Maximum Initial Counts".
//
// Open questions and the answers chosen:
// 1. Where does CLK come from? From the CPU cycle count, exactly: CLK pulse number t happens at the
//    first cycle c with floor(c * kPitHz / cpu_hz) >= t, computed with unsigned __int128. No
//    carried remainder, no floating point, no drift however long the run.
// 2. A write at cycle c lands after CLK tick_at(c) (a CLK and a write in the same cycle: the CLK
//    first). "The count is loaded on the next CLK pulse" is then CLK tick_at(c) + 1, and that
//    loading pulse does not decrement.
// 3. Which modes? 0-5. Modes 1 and 5 start only on a GATE rising edge (set_gate); the gates of
//    channels 0 and 1 are tied high on a PC, so there they never fire. BCD counting throws.
// 4. Mode 3 with an odd count N: "OUT high for (N+1)/2 counts, low for (N-1)/2". The counting
//    element is loaded with N-1 and steps by two; in the high half it sits at 0 for the one extra
//    CLK (that is what a read shows). Count 1 in modes 2 and 3 is below the datasheet's minimum of
//    2: warned, and OUT then stays high (mode 2) or toggles every CLK (mode 3).
// 5. A control word resets the counter's control logic: both latches are dropped, both byte
//    flip-flops reset, counting stops until a count is written (the counting element keeps its
//    value), OUT goes low (mode 0) or high (other modes).
// 6. Modes 2 and 3: a count written while counting takes effect at the next reload (end of the
//    period or half-period) or on a GATE trigger, never at once. Modes 0 and 4: on the next CLK.
//    Mode 0: the first byte of a two-byte count stops counting and sets OUT low at once.
// 7. Reading the control port (offset 3) is a no-op on the chip: the bus floats, 0xFF. An access
//    wider than a byte uses the low byte only.
// 8. set_gate(channel, level) without a cycle applies at the latest cycle the PIT has been given;
//    the three-argument form is exact.
// 9. Nothing is ticked: each counter's state is brought forward in closed form (Bochs pit82c54's
//    "jump ahead"); advance() is checked against step_clk(), the one-CLK rules, by the tests.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/severity.hpp"
#include "devices/io_device.hpp"

namespace fs {

inline constexpr std::uint64_t kPitHz = 1193182;

class Pit8254 : public IoDevice {
 public:
  // Control word fields (datasheet "Control Word Format"): SC1-SC0, RW1-RW0, M2-M0, BCD.
  static constexpr std::uint8_t kRwLatch = 0, kRwLsb = 1, kRwMsb = 2, kRwLsbMsb = 3;
  static constexpr std::uint8_t kScReadBack = 3;
  static constexpr std::uint8_t kReadBackNoCount = 0x20, kReadBackNoStatus = 0x10;
  static constexpr std::uint64_t kNoEdge = ~std::uint64_t{0};

  // One counter. Plain data: advance() and step_clk() are its rules.
  struct Counter {
    // Programming (control word).
    std::uint8_t control =
        0;                  // last control word, bits 5-0 (RW, M, BCD): the status byte's low bits
    std::uint8_t mode = 0;  // M2-M0 with 6/7 folded onto 2/3
    std::uint8_t rw = kRwLsbMsb;
    // Count register (CR) and the write side.
    std::uint16_t cr = 0;         // the last complete count written (0 means 65536)
    bool cr_written = false;      // a complete count has been written since the control word
    bool write_msb_next = false;  // lsb-then-msb write flip-flop
    std::uint8_t cr_lsb = 0;      // first byte of a two-byte count, waiting for the second
    bool null_count = true;       // status bit 6: CR written but not yet moved into CE
    // Counting element (CE), as of CLK `at`.
    std::uint32_t ce = 0;  // value 0..65536 (65536 = a loaded 0; reads as 0)
    bool ce_odd = false;   // mode 3: the count last loaded was odd
    bool running = false;  // CE counts on CLKs (a count has been loaded since the control word)
    bool load_pending = false;  // CR -> CE on the next CLK (count written, or GATE trigger)
    bool armed = false;         // modes 4/5: the strobe is still due when CE reaches 0
    // Pins.
    bool gate = true;      // GATE input
    bool out = true;       // OUT level after CLK `at`
    std::uint64_t at = 0;  // the last CLK folded into this state
    // Read side: output latch (OL), status latch, read flip-flop.
    bool count_latched = false;
    std::uint16_t ol = 0;
    bool status_latched = false;
    std::uint8_t status = 0;
    bool read_msb_next = false;
  };

  explicit Pit8254(std::uint64_t cpu_hz);

  // Called on OUT edges only, with the new level, in time order (same CLK: channel order).
  // With `rising_deadlines`, next_event() names only this channel's rising edges (the handler
  // still sees every edge, in order, whenever the PIT runs): for a consumer that acts at once
  // only on a rising edge, like the PIC's edge-triggered IR input, where a falling edge merely
  // drops a request that nobody sees before the devices next run up to the present (they do
  // before an interrupt is taken and before every port access). A deadline there would only stop
  // the CPU for nothing: in mode 2 it comes one CLK before every rising edge.
  void set_out_handler(int channel, std::function<void(bool level)> fn,
                       bool rising_deadlines = false);
  // OUT level at `now` (never earlier than the state already computed). Fires nothing.
  bool out(int channel, Cycles now) const;
  // The GATE input. Rising edges trigger modes 1, 2, 3, 5; low stops counting in 0, 2, 3, 4.
  void set_gate(int channel, bool level);
  void set_gate(int channel, bool level, Cycles now);

  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override;
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override;
  Cycles next_event() const override;
  void run_until(Cycles now) override;
  const char* name() const override { return "pit8254"; }

  // PIT tick <-> CPU cycle, exact integer conversions.
  std::uint64_t tick_at(Cycles c) const;
  Cycles cycle_of_tick(std::uint64_t tick) const;  // first cycle whose tick is >= `tick`

  const Counter& counter(int channel) const { return s_.ch[channel]; }
  // Everything the chip holds, for a machine snapshot (emu/snapshot.hpp). restore() fires no OUT
  // edge: the PIC's input levels are restored with it. Warnings already printed stay printed.
  struct State {
    std::array<Counter, 3> ch{};
    Cycles last_now = 0;  // latest cycle given to the PIT (set_gate without a cycle)
  };
  const State& state() const { return s_; }
  void restore(const State& s) { s_ = s; }
  // Every warning printed so far ("pit8254: what (value)"), one per kind.
  const std::vector<std::string>& warnings() const { return warn_.printed(); }

  // The counter rules. step_clk: one CLK. advance: k CLKs in closed form (same result).
  // clks_to_edge: CLKs until OUT changes, or kNoEdge. Public so tests can hold them side by side.
  static void step_clk(Counter& c);
  static void advance(Counter& c, std::uint64_t k);
  static std::uint64_t clks_to_edge(const Counter& c);

 private:
  void sync(Cycles now);  // fire every edge up to tick_at(now), bring all counters there
  void set_out(int channel, bool level);
  void write_control(std::uint8_t v);
  void write_count(int channel, std::uint8_t v);
  void commit_count(int channel, std::uint16_t n);
  std::uint8_t read_counter(int channel);
  void latch_count(Counter& c);
  void latch_status(Counter& c);

  std::uint64_t cpu_hz_;
  State s_;
  std::array<std::function<void(bool)>, 3> handler_;
  std::array<bool, 3> rising_deadlines_{};  // set_out_handler's `rising_deadlines`
  WarnOnce warn_{"pit8254"};
};

}  // namespace fs
