// The PC/AT real-time clock and CMOS RAM (Motorola MC146818A) at 0x70 (index, offset 0) and 0x71
// (data, offset 1). Sources: MC146818A datasheet ("Address Map", "Registers A-D", "Update Cycle");
// IBM PC/AT Technical Reference, "CMOS RAM Address Map" (0x0E-0x3F, the memory-size bytes).
//
// Open questions and the answers chosen:
// 1. The date: 2026-12-04 00:00:00 at cycle 0, always (no host clock: the same run gives the same
//    date). The clock then runs with the cycle clock, one second per cpu_hz cycles, so a guest
//    that waits sees time pass; two runs read the same time at the same cycle.
// 2. Registers 0-9 and the century byte 0x32 (IBM's convention) are read from the running clock
//    in the format register B asks for at the read (DM: BCD or binary; 24/12-hour, PM in bit 7),
//    as if the chip had always kept that format. A write sets the clock: the field changes, the
//    others keep their value, and time runs on from there. Day of week (6) follows the date; a
//    write to it is ignored. Alarm bytes (1, 3, 5) are stored only.
// 3. Update in progress (A.UIP): set during the last 244 us before each second begins (the
//    datasheet's tBUC with the 32.768 kHz time base), so a reader that waits for it to clear
//    waits at most that long; never set while B.SET holds the clock. B.SET stops the clock at
//    once; clearing it restarts it from the value then held.
// 4. Interrupts: none. PIE/AIE/UIE are stored in B; register C reads 0 (no flag ever set) and
//    IRQ8 is never raised. Register D reads 0x80 (VRT: the battery is good; bit 6 clear, which
//    Linux's mc146818_get_time checks). Register A's divider and rate bits are stored only
//    (the clock runs whatever they say); reset value 0x26, B 0x02 (24-hour, BCD), as a BIOS sets.
// 5. Memory: 128 bytes (index bits 6-0, as QEMU's mc146818rtc; the AT's chip had 64). Bytes
//    0x0E-0x7F other than the ones below are plain RAM, zero at reset. A BIOS's memory sizes from
//    the RAM size: 0x15/0x16 base memory 640 KiB; 0x17/0x18 and 0x30/0x31 extended memory above
//    1 MiB in KiB, at most 0xFFFF; 0x34/0x35 memory above 16 MiB in 64 KiB blocks, at most 0xFFFF
//    (the SeaBIOS/QEMU convention).
// 6. The index port: bit 7 masks NMI on the AT (kept: nmi_masked(); forkscope has no NMI source),
//    bits 6-0 select the register. Reading port 0x70 returns 0xFF (write-only on the AT). An
//    access wider than a byte uses the low byte.
#pragma once

#include <array>
#include <cstdint>

#include "devices/io_device.hpp"

namespace fs {

class CmosRtc : public IoDevice {
 public:
  static constexpr std::uint8_t kSeconds = 0x00, kMinutes = 0x02, kHours = 0x04, kWeekday = 0x06,
                                kDay = 0x07, kMonth = 0x08, kYear = 0x09, kRegA = 0x0A,
                                kRegB = 0x0B, kRegC = 0x0C, kRegD = 0x0D, kCentury = 0x32;
  static constexpr std::uint8_t kAUip = 0x80;
  static constexpr std::uint8_t kBSet = 0x80, kBBinary = 0x04, kB24Hour = 0x02;
  static constexpr std::uint8_t kDVrt = 0x80;
  // Open question 1: 2026-12-04 00:00:00, as seconds since 1970-01-01.
  static constexpr std::int64_t kEpochSeconds = 1796342400;
  static constexpr std::uint64_t kUipMicros = 244;

  CmosRtc(std::uint64_t cpu_hz, std::uint64_t ram_bytes);

  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override;
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override;
  const char* name() const override { return "cmos_rtc"; }

  bool nmi_masked() const { return s_.nmi_masked; }
  std::uint8_t index() const { return s_.index; }
  // The clock's time at `now`, in seconds since 1970-01-01 (open questions 1 and 3).
  std::int64_t seconds_at(Cycles now) const;

  // Everything the chip holds (a machine snapshot, emu/snapshot.hpp). The clock is kept as the
  // time it showed at cycle 0, so the state does not change as cycles pass.
  struct State {
    // Registers A-D and CMOS memory; 0-9 and 0x32 are read from the clock, not from here.
    std::array<std::uint8_t, 128> ram{};
    std::uint8_t index = 0;             // port 0x70 bits 6-0
    bool nmi_masked = false;            // port 0x70 bit 7
    std::int64_t base = kEpochSeconds;  // the time at cycle 0, moved by writes
    std::int64_t held = 0;              // the time B.SET holds, while it is set
    bool operator==(const State&) const = default;
  };
  const State& state() const { return s_; }
  void restore(const State& s) { s_ = s; }

 private:
  std::uint8_t read_register(Cycles now, std::uint8_t reg);
  void write_register(Cycles now, std::uint8_t reg, std::uint8_t v);
  void set_seconds(Cycles now, std::int64_t s);
  std::uint8_t encode(unsigned v) const;  // binary or BCD, per B.DM
  unsigned decode(std::uint8_t v) const;

  std::uint64_t cpu_hz_;
  State s_;
};

}  // namespace fs
