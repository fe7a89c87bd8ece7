#include "devices/port_bus.hpp"

#include <catch2/catch.hpp>

#include "devices/debug_exit.hpp"

using namespace fs;

namespace {
struct Probe : IoDevice {
  std::uint16_t last_offset = 0xFFFF;
  Cycles event = kNever;
  std::vector<int>* order = nullptr;
  int id = 0;
  std::uint32_t io_read(Cycles, std::uint16_t o, unsigned) override {
    return last_offset = o, 0x42;
  }
  void io_write(Cycles, std::uint16_t o, unsigned, std::uint32_t) override { last_offset = o; }
  Cycles next_event() const override { return event; }
  void run_until(Cycles) override {
    if (order) order->push_back(id);
  }
  const char* name() const override { return "probe"; }
};
}  // namespace

TEST_CASE("port_bus: devices see offsets; unclaimed ports read all ones and are counted",
          "[port_bus]") {
  PortBus bus;
  Probe a;
  bus.attach(0x3F8, 8, &a);
  CHECK(bus.read(0, 0x3FD, 1) == 0x42);
  CHECK(a.last_offset == 5);
  CHECK(bus.read(0, 0x80, 1) == 0xFF);
  CHECK(bus.read(0, 0x80, 2) == 0xFFFF);
  CHECK(bus.read(0, 0x80, 4) == 0xFFFFFFFFu);
  bus.write(0, 0x80, 1, 0);
  CHECK(bus.unclaimed_reads() == 3);
  CHECK(bus.unclaimed_writes() == 1);
  Probe b;
  CHECK_THROWS_WITH(bus.attach(0x3FF, 2, &b), Catch::Contains("overlaps"));
}

TEST_CASE("port_bus: next event is the minimum; same-cycle work runs in attach order",
          "[port_bus]") {
  PortBus bus;
  std::vector<int> order;
  Probe a, b;
  a.event = 500;
  b.event = 300;
  a.order = b.order = &order;
  a.id = 1;
  b.id = 2;
  bus.attach(0x40, 4, &a);
  bus.attach(0x20, 2, &b);
  CHECK(bus.next_event() == 300);
  bus.run_until(500);
  CHECK(order == std::vector<int>{1, 2});
}

TEST_CASE("debug_exit: a write of v ends the run with v", "[debug_exit]") {
  std::uint32_t got = 0;
  DebugExit d([&](std::uint32_t v) { got = v; });
  PortBus bus;
  bus.attach(0xF4, 4, &d);
  bus.write(0, 0xF4, 4, 7);
  CHECK(got == 7);
}
