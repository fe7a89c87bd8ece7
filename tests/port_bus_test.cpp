// Mirrors devices/port_bus.cpp: claiming ports, unclaimed accesses, event order.
#include "devices/port_bus.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace fs;

namespace {
// A device that records what reaches it and has a scripted next event.
struct Probe : IoDevice {
  std::string tag;
  std::vector<std::string>* log;
  Cycles event = kNever;
  std::uint32_t answer = 0;
  Probe(std::string t, std::vector<std::string>* l) : tag(std::move(t)), log(l) {}
  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override {
    log->push_back(tag + " read " + std::to_string(now) + " +" + std::to_string(offset) + " /" +
                   std::to_string(size));
    return answer;
  }
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override {
    log->push_back(tag + " write " + std::to_string(now) + " +" + std::to_string(offset) + " /" +
                   std::to_string(size) + " =" + std::to_string(value));
  }
  Cycles next_event() const override { return event; }
  void run_until(Cycles now) override {
    if (event <= now) {
      log->push_back(tag + " event " + std::to_string(event));
      event = kNever;
    }
  }
  const char* name() const override { return tag.c_str(); }
};
}  // namespace

TEST_CASE("port_bus: unclaimed reads are all ones of the size and counted", "[port_bus]") {
  PortBus bus;
  CHECK(bus.read(0, 0x80, 1) == 0xFFu);
  CHECK(bus.read(0, 0x80, 2) == 0xFFFFu);
  CHECK(bus.read(0, 0x80, 4) == 0xFFFFFFFFu);
  CHECK(bus.unclaimed_reads() == 3);
  bus.write(0, 0x80, 1, 0x12);
  bus.write(0, 0xFFFF, 4, 0x12);
  CHECK(bus.unclaimed_writes() == 2);
  CHECK(bus.unclaimed_reads() == 3);
}

TEST_CASE("port_bus: a device sees its offset, the size and the cycle", "[port_bus]") {
  std::vector<std::string> log;
  Probe uart("uart", &log);
  uart.answer = 0x1234;
  PortBus bus;
  bus.attach(0x3F8, 8, &uart);
  CHECK(bus.owner(0x3FF) == &uart);
  CHECK(bus.owner(0x400) == nullptr);
  CHECK(bus.read(7, 0x3FD, 1) == 0x34);  // cut to the access size
  CHECK(bus.read(8, 0x3FD, 2) == 0x1234);
  bus.write(9, 0x3F8, 1, 0x41);
  CHECK(log == std::vector<std::string>{"uart read 7 +5 /1", "uart read 8 +5 /2",
                                        "uart write 9 +0 /1 =65"});
  CHECK(bus.read(10, 0x3F7, 1) == 0xFF);  // one below the range: unclaimed
  CHECK(bus.read(10, 0x400, 1) == 0xFF);
  CHECK(bus.unclaimed_reads() == 2);
  CHECK(bus.unclaimed_writes() == 0);
}

TEST_CASE("port_bus: overlapping claims are refused", "[port_bus]") {
  std::vector<std::string> log;
  Probe a("a", &log), b("b", &log);
  PortBus bus;
  bus.attach(0x40, 4, &a);
  CHECK_THROWS_AS(bus.attach(0x43, 2, &b), std::invalid_argument);
  CHECK_THROWS_AS(bus.attach(0x3C, 5, &b), std::invalid_argument);
  CHECK_THROWS_AS(bus.attach(0xFFFE, 4, &b), std::invalid_argument);  // past 0xffff
  CHECK_THROWS_AS(bus.attach(0x50, 0, &b), std::invalid_argument);
  CHECK_NOTHROW(bus.attach(0x44, 1, &b));  // a failed attach claimed nothing
  CHECK(bus.owner(0x44) == &b);
  CHECK(bus.owner(0x3F) == nullptr);
  CHECK(bus.device_count() == 2);
}

TEST_CASE("port_bus: next_event is the earliest, same-cycle events fire in attach order",
          "[port_bus]") {
  std::vector<std::string> log;
  Probe pit("pit", &log), rtc("rtc", &log), hpet("hpet", &log);
  PortBus bus;
  // Attach order, not port order or name order, decides.
  bus.attach(0x70, 2, &rtc);
  bus.attach(0x20, 2, &pit);
  bus.attach(0x10, 2, &hpet);
  CHECK(bus.next_event() == kNever);
  rtc.event = 500;
  pit.event = 500;
  hpet.event = 300;
  CHECK(bus.next_event() == 300);
  bus.run_until(299);
  CHECK(log.empty());
  bus.run_until(300);
  CHECK(log == std::vector<std::string>{"hpet event 300"});
  CHECK(bus.next_event() == 500);
  log.clear();
  bus.run_until(500);
  CHECK(log == std::vector<std::string>{"rtc event 500", "pit event 500"});
  CHECK(bus.next_event() == kNever);
}
