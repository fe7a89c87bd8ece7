// Mirrors devices/system_port_b.cpp and devices/post_port.hpp: port 0x61's channel 2 gate, OUT2 and
// refresh bits as Linux's TSC calibration uses them, and port 0x80.
#include "devices/system_port_b.hpp"

#include <catch2/catch.hpp>

#include "devices/port_bus.hpp"
#include "devices/post_port.hpp"

using namespace fs;

namespace {
constexpr std::uint64_t kOneCyclePerTick = kPitHz;  // cycle c is PIT CLK c
}

TEST_CASE("port61: resets to 0 with channel 2's GATE low", "[port61]") {
  Pit8254 pit(kOneCyclePerTick);
  SystemPortB port(pit);
  CHECK_FALSE(pit.counter(2).gate);
  CHECK((port.io_read(0, 0, 1) & 0x0F) == 0);
}

TEST_CASE("port61: bits 3-0 read back, bits 7-4 of a write are ignored", "[port61]") {
  Pit8254 pit(kOneCyclePerTick);
  SystemPortB port(pit);
  port.io_write(0, 0, 1, 0xFF);
  CHECK(port.written() == 0x0F);
  CHECK(pit.counter(2).gate);
  CHECK((port.io_read(0, 0, 1) & 0xCF) == 0x0F);  // bits 7-6 read 0: no NMI sources
  port.io_write(1, 0, 1, 0x02);
  CHECK_FALSE(pit.counter(2).gate);
  CHECK((port.io_read(1, 0, 1) & 0x0F) == 0x02);
}

TEST_CASE("port61: Linux's pit_calibrate_tsc sees bit 5 rise when channel 2 expires", "[port61]") {
  // arch/x86/kernel/tsc.c pit_calibrate_tsc: gate high, speaker off; channel 2 mode 0, count
  // latch; poll port 0x61 bit 5 until OUT2 goes high.
  Pit8254 pit(kOneCyclePerTick);
  SystemPortB port(pit);
  port.io_write(0, 0, 1, (port.io_read(0, 0, 1) & ~0x02u) | 0x01);
  pit.io_write(0, 3, 1, 0xB0);  // channel 2, lsb/msb, mode 0, binary
  pit.io_write(0, 2, 1, 100);
  pit.io_write(0, 2, 1, 0);  // count 100: loaded at CLK 1, OUT high at CLK 101
  CHECK((port.io_read(100, 0, 1) & SystemPortB::kOut2) == 0);
  CHECK((port.io_read(101, 0, 1) & SystemPortB::kOut2) != 0);
}

TEST_CASE("port61: gate low holds channel 2 in mode 0", "[port61]") {
  Pit8254 pit(kOneCyclePerTick);
  SystemPortB port(pit);  // gate low
  pit.io_write(0, 3, 1, 0xB0);
  pit.io_write(0, 2, 1, 10);
  pit.io_write(0, 2, 1, 0);
  CHECK((port.io_read(1000, 0, 1) & SystemPortB::kOut2) == 0);  // never counted
  port.io_write(1000, 0, 1, 0x01);                              // gate high: counts from here
  CHECK((port.io_read(1009, 0, 1) & SystemPortB::kOut2) == 0);
  CHECK((port.io_read(1010, 0, 1) & SystemPortB::kOut2) != 0);  // 10 CLKs after the gate rose
}

TEST_CASE("port61: the refresh bit toggles every 18 PIT CLKs", "[port61]") {
  Pit8254 pit(kOneCyclePerTick);
  SystemPortB port(pit);
  CHECK((port.io_read(17, 0, 1) & SystemPortB::kRefreshToggle) == 0);
  CHECK((port.io_read(18, 0, 1) & SystemPortB::kRefreshToggle) != 0);
  CHECK((port.io_read(35, 0, 1) & SystemPortB::kRefreshToggle) != 0);
  CHECK((port.io_read(36, 0, 1) & SystemPortB::kRefreshToggle) == 0);
  // At 100 MHz, 18 CLKs are ~1509 cycles: a poll loop sees it change.
  Pit8254 pit100(100'000'000);
  SystemPortB port100(pit100);
  const std::uint32_t first = port100.io_read(0, 0, 1) & SystemPortB::kRefreshToggle;
  CHECK((port100.io_read(1600, 0, 1) & SystemPortB::kRefreshToggle) != first);
}

TEST_CASE("post port: writes are kept, reads are 0xFF", "[port61]") {
  PostPort post;
  PortBus bus;
  bus.attach(0x80, 1, &post);
  bus.write(0, 0x80, 1, 0x42);
  bus.write(0, 0x80, 1, 0x00);
  CHECK(post.last_code() == 0x00);
  CHECK(post.writes() == 2);
  CHECK(bus.read(0, 0x80, 1) == 0xFF);
  CHECK(bus.unclaimed_writes() == 0);
  CHECK(bus.unclaimed_reads() == 0);
}
