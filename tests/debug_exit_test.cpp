// Mirrors devices/debug_exit.cpp: QEMU's isa-debug-exit at 0xf4.
#include "devices/debug_exit.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "devices/port_bus.hpp"

using namespace fs;

TEST_CASE("debug_exit: a write of any size hands over the value", "[debug_exit]") {
  std::vector<std::uint32_t> exits;
  DebugExit dev([&](std::uint32_t v) { exits.push_back(v); });
  PortBus bus;
  bus.attach(0xF4, 4, &dev);
  bus.write(100, 0xF4, 1, 0x00);
  bus.write(100, 0xF4, 1, 0x1FF);  // a byte write carries a byte
  bus.write(100, 0xF4, 2, 0x12345);
  bus.write(100, 0xF4, 4, 0xDEADBEEF);
  bus.write(100, 0xF7, 1, 0x03);  // any of the four ports
  CHECK(exits == std::vector<std::uint32_t>{0x00, 0xFF, 0x2345, 0xDEADBEEF, 0x03});
  CHECK(dev.writes() == 5);
  CHECK(bus.unclaimed_writes() == 0);
  bus.write(100, 0xF8, 1, 0x01);  // past iosize 4
  CHECK(exits.size() == 5);
}

TEST_CASE("debug_exit: reads return 0 like QEMU's debug_exit_read", "[debug_exit]") {
  DebugExit dev([](std::uint32_t) { FAIL("a read must not exit"); });
  PortBus bus;
  bus.attach(0xF4, 4, &dev);
  CHECK(bus.read(0, 0xF4, 1) == 0);
  CHECK(bus.read(0, 0xF5, 2) == 0);
  CHECK(bus.read(0, 0xF4, 4) == 0);
  CHECK(bus.unclaimed_reads() == 0);
}
