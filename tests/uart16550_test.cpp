#include "devices/uart16550.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace fs;

TEST_CASE("uart16550: THR bytes reach the console; LSR reports THR empty", "[uart16550]") {
  std::string out;
  Uart16550 u([&](std::uint8_t b) { out.push_back(static_cast<char>(b)); });
  for (char c : std::string("hi\n")) u.io_write(0, 0, 1, static_cast<std::uint8_t>(c));
  CHECK(out == "hi\n");
  CHECK((u.io_read(0, 5, 1) & 0x60) == 0x60);
}

TEST_CASE("uart16550: DLAB switches ports 0/1 to the divisor latch", "[uart16550]") {
  std::string out;
  Uart16550 u([&](std::uint8_t b) { out.push_back(static_cast<char>(b)); });
  u.io_write(0, 3, 1, 0x80);  // DLAB
  u.io_write(0, 0, 1, 0x01);  // 115200 baud
  u.io_write(0, 1, 1, 0x00);
  CHECK(u.io_read(0, 0, 1) == 0x01);
  CHECK(u.io_read(0, 1, 1) == 0x00);
  CHECK(out.empty());         // divisor writes are not data
  u.io_write(0, 3, 1, 0x03);  // 8N1, DLAB off
  u.io_write(0, 1, 1, 0x05);
  CHECK(u.io_read(0, 1, 1) == 0x05);  // IER
  CHECK(u.state().divisor == 1);
  u.io_write(0, 7, 1, 0xA5);
  CHECK(u.io_read(0, 7, 1) == 0xA5);  // scratch
}
