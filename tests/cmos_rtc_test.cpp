// Mirrors devices/cmos_rtc.cpp: the fixed start date, the running clock in BCD/binary and 12/24
// hours, UIP, SET, writes that set the clock, the registers Linux checks, the memory sizes.
#include "devices/cmos_rtc.hpp"

#include <catch2/catch.hpp>

using namespace fs;

namespace {
constexpr std::uint64_t kHz = 100'000'000;

struct Fixture {
  CmosRtc rtc{kHz, 64ull << 20};
  std::uint32_t rd(Cycles now, std::uint8_t reg) {
    rtc.io_write(now, 0, 1, reg);
    return rtc.io_read(now, 1, 1);
  }
  void wr(Cycles now, std::uint8_t reg, std::uint8_t v) {
    rtc.io_write(now, 0, 1, reg);
    rtc.io_write(now, 1, 1, v);
  }
};
}  // namespace

TEST_CASE("cmos_rtc: cycle 0 reads 2026-12-04 00:00:00, a Friday, in BCD", "[cmos_rtc]") {
  Fixture f;
  CHECK(f.rd(0, CmosRtc::kSeconds) == 0x00);
  CHECK(f.rd(0, CmosRtc::kMinutes) == 0x00);
  CHECK(f.rd(0, CmosRtc::kHours) == 0x00);
  CHECK(f.rd(0, CmosRtc::kWeekday) == 6);  // 1 = Sunday
  CHECK(f.rd(0, CmosRtc::kDay) == 0x04);
  CHECK(f.rd(0, CmosRtc::kMonth) == 0x12);
  CHECK(f.rd(0, CmosRtc::kYear) == 0x26);
  CHECK(f.rd(0, CmosRtc::kCentury) == 0x20);
  CHECK(f.rtc.seconds_at(0) == CmosRtc::kEpochSeconds);
}

TEST_CASE("cmos_rtc: the clock runs one second per cpu_hz cycles", "[cmos_rtc]") {
  Fixture f;
  const Cycles t = 3723 * kHz + kHz / 2;  // 1 h 2 min 3.5 s
  CHECK(f.rd(t, CmosRtc::kSeconds) == 0x03);
  CHECK(f.rd(t, CmosRtc::kMinutes) == 0x02);
  CHECK(f.rd(t, CmosRtc::kHours) == 0x01);
  CHECK(f.rd(kHz - 1, CmosRtc::kSeconds) == 0x00);
  CHECK(f.rd(kHz, CmosRtc::kSeconds) == 0x01);
  const Cycles next_day = 86400 * kHz;
  CHECK(f.rd(next_day, CmosRtc::kDay) == 0x05);
  CHECK(f.rd(next_day, CmosRtc::kWeekday) == 7);  // Saturday
}

TEST_CASE("cmos_rtc: register B selects binary and 12-hour formats", "[cmos_rtc]") {
  Fixture f;
  const Cycles t = (13 * 3600 + 45 * 60) * kHz;  // 13:45
  CHECK(f.rd(t, CmosRtc::kHours) == 0x13);
  f.wr(t, CmosRtc::kRegB, CmosRtc::kB24Hour | CmosRtc::kBBinary);
  CHECK(f.rd(t, CmosRtc::kHours) == 13);
  CHECK(f.rd(t, CmosRtc::kMinutes) == 45);
  CHECK(f.rd(t, CmosRtc::kMonth) == 12);
  f.wr(t, CmosRtc::kRegB, 0);                        // BCD, 12-hour
  CHECK(f.rd(t, CmosRtc::kHours) == (0x80 | 0x01));  // 1 PM
  CHECK(f.rd(0, CmosRtc::kHours) == 0x12);           // midnight is 12 AM
}

TEST_CASE("cmos_rtc: UIP is set only in the 244 us before each second", "[cmos_rtc]") {
  Fixture f;
  const Cycles uip = kHz * 244 / 1'000'000;
  CHECK((f.rd(0, CmosRtc::kRegA) & 0x80) == 0);
  CHECK((f.rd(kHz - uip - 1, CmosRtc::kRegA) & 0x80) == 0);
  CHECK((f.rd(kHz - uip, CmosRtc::kRegA) & 0x80) != 0);
  CHECK((f.rd(kHz - 1, CmosRtc::kRegA) & 0x80) != 0);
  CHECK((f.rd(kHz, CmosRtc::kRegA) & 0x80) == 0);
  CHECK((f.rd(0, CmosRtc::kRegA) & 0x7F) == 0x26);
}

TEST_CASE("cmos_rtc: registers C and D as Linux's mc146818_get_time wants them", "[cmos_rtc]") {
  Fixture f;
  CHECK(f.rd(0, CmosRtc::kRegD) == 0x80);  // VRT set, bit 6 clear
  CHECK(f.rd(0, CmosRtc::kRegC) == 0x00);
  CHECK(f.rd(0, CmosRtc::kRegB) == 0x02);
}

TEST_CASE("cmos_rtc: SET holds the clock, a write sets it and it runs on", "[cmos_rtc]") {
  Fixture f;
  f.wr(10 * kHz, CmosRtc::kRegB, CmosRtc::kBSet | CmosRtc::kB24Hour);
  CHECK((f.rd(kHz - 1, CmosRtc::kRegA) & 0x80) == 0);  // no UIP while SET
  f.wr(20 * kHz, CmosRtc::kYear, 0x99);
  f.wr(20 * kHz, CmosRtc::kMonth, 0x12);
  f.wr(20 * kHz, CmosRtc::kDay, 0x31);
  f.wr(20 * kHz, CmosRtc::kHours, 0x23);
  f.wr(20 * kHz, CmosRtc::kMinutes, 0x59);
  f.wr(20 * kHz, CmosRtc::kSeconds, 0x59);
  CHECK(f.rd(50 * kHz, CmosRtc::kSeconds) == 0x59);  // held
  f.wr(50 * kHz, CmosRtc::kRegB, CmosRtc::kB24Hour);
  CHECK(f.rd(51 * kHz, CmosRtc::kYear) == 0x00);  // 2099-12-31 23:59:59 + 1 s
  CHECK(f.rd(51 * kHz, CmosRtc::kCentury) == 0x21);
  CHECK(f.rd(51 * kHz, CmosRtc::kMonth) == 0x01);
  CHECK(f.rd(51 * kHz, CmosRtc::kDay) == 0x01);
  CHECK(f.rd(51 * kHz, CmosRtc::kHours) == 0x00);
}

TEST_CASE("cmos_rtc: a leap day exists in 2028", "[cmos_rtc]") {
  Fixture f;
  f.wr(0, CmosRtc::kYear, 0x28);
  f.wr(0, CmosRtc::kMonth, 0x02);
  f.wr(0, CmosRtc::kDay, 0x28);
  CHECK(f.rd(86400 * kHz, CmosRtc::kDay) == 0x29);
  CHECK(f.rd(2 * 86400 * kHz, CmosRtc::kMonth) == 0x03);
}

TEST_CASE("cmos_rtc: the index port keeps the NMI mask apart and reads 0xFF", "[cmos_rtc]") {
  Fixture f;
  f.rtc.io_write(0, 0, 1, 0x80 | 0x0D);
  CHECK(f.rtc.nmi_masked());
  CHECK(f.rtc.index() == 0x0D);
  CHECK(f.rtc.io_read(0, 1, 1) == 0x80);
  CHECK(f.rtc.io_read(0, 0, 1) == 0xFF);
  f.rtc.io_write(0, 0, 1, 0x0D);
  CHECK_FALSE(f.rtc.nmi_masked());
}

TEST_CASE("cmos_rtc: plain CMOS bytes and a BIOS's memory sizes", "[cmos_rtc]") {
  Fixture f;  // 64 MiB
  CHECK((f.rd(0, 0x15) | f.rd(0, 0x16) << 8) == 640);
  CHECK((f.rd(0, 0x17) | f.rd(0, 0x18) << 8) == 63 * 1024);
  CHECK((f.rd(0, 0x30) | f.rd(0, 0x31) << 8) == 63 * 1024);
  CHECK((f.rd(0, 0x34) | f.rd(0, 0x35) << 8) == (48 << 20) >> 16);
  f.wr(0, 0x40, 0xA5);
  CHECK(f.rd(0, 0x40) == 0xA5);
  CHECK(f.rd(0, 0x0E) == 0x00);
  CmosRtc big(kHz, 1ull << 30);  // 1 GiB: extended memory saturates at 0xFFFF KiB
  big.io_write(0, 0, 1, 0x17);
  CHECK(big.io_read(0, 1, 1) == 0xFF);
  big.io_write(0, 0, 1, 0x35);
  CHECK(big.io_read(0, 1, 1) == ((1008u << 4) >> 8));  // (1 GiB - 16 MiB) / 64 KiB = 16128
}

TEST_CASE("cmos_rtc: restore() brings back the index, memory and a clock that was set",
          "[cmos_rtc]") {
  Fixture f;
  f.wr(0, CmosRtc::kMinutes, 0x42);      // the clock now runs from 00:42:00
  f.wr(0, 0x40, 0x99);                   // plain CMOS memory
  f.rtc.io_write(0, 0, 1, 0x80 | 0x40);  // NMI masked, index 0x40
  const CmosRtc::State saved = f.rtc.state();
  CHECK(f.rd(0, CmosRtc::kMinutes) == 0x42);
  f.wr(0, CmosRtc::kMinutes, 0x10);
  f.wr(0, 0x40, 0x11);
  f.rtc.restore(saved);
  CHECK(f.rtc.state() == saved);
  CHECK(f.rtc.nmi_masked());
  CHECK(f.rtc.io_read(0, 1, 1) == 0x99);  // at the restored index
  CHECK(f.rd(kHz * 61, CmosRtc::kMinutes) == 0x43);
}
