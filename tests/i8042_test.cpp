// Mirrors devices/i8042.cpp: the controller commands Linux's i8042 probe sends, the output buffer
// queue and its status bits, the IRQ1/IRQ12 lines, absent devices and the reset pulse.
#include "devices/i8042.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "devices/port_bus.hpp"

using namespace fs;

namespace {
struct Fixture {
  int resets = 0;
  std::vector<bool> irq1, irq12;
  I8042 kbc{[this] { ++resets; }};
  PortBus bus;
  Fixture() {
    kbc.set_irq_handlers([this](bool l) { irq1.push_back(l); },
                         [this](bool l) { irq12.push_back(l); });
    bus.attach(0x60, 1, &kbc.data_port());
    bus.attach(0x64, 1, &kbc.command_port());
  }
  std::uint32_t status() { return bus.read(0, 0x64, 1); }
  std::uint32_t data() { return bus.read(0, 0x60, 1); }
  void cmd(std::uint8_t c) { bus.write(0, 0x64, 1, c); }
  void put(std::uint8_t v) { bus.write(0, 0x60, 1, v); }
  // Linux's __i8042_command: the command, its argument, one response read after OBF.
  std::uint32_t command(std::uint8_t c, int arg = -1) {
    cmd(c);
    if (arg >= 0) put(static_cast<std::uint8_t>(arg));
    REQUIRE((status() & I8042::kStatusObf) != 0);
    return data();
  }
};
}  // namespace

TEST_CASE("i8042: state after reset: empty, SYS set, command byte 0x65", "[i8042]") {
  Fixture f;
  CHECK(f.status() == (I8042::kStatusSys | I8042::kStatusUnlocked));
  CHECK(f.command(I8042::kCmdReadCtr) == 0x65);
  CHECK((f.status() & I8042::kStatusObf) == 0);
  CHECK((f.status() & I8042::kStatusIbf) == 0);
}

TEST_CASE("i8042: Linux's probe: flush, self-test, command byte round trip, interface tests",
          "[i8042]") {
  Fixture f;
  // i8042_flush reads while OBF is set, at most 16 bytes: nothing to read.
  CHECK((f.status() & I8042::kStatusObf) == 0);
  CHECK(f.command(I8042::kCmdSelfTest) == I8042::kSelfTestOk);
  const std::uint32_t ctr = f.command(I8042::kCmdReadCtr);
  f.cmd(I8042::kCmdWriteCtr);
  f.put(static_cast<std::uint8_t>((ctr & ~0x03u) | I8042::kCtrAuxDis | I8042::kCtrKbdDis));
  CHECK(f.command(I8042::kCmdReadCtr) == 0x74);
  CHECK(f.command(I8042::kCmdKbdTest) == 0x00);
  CHECK(f.command(I8042::kCmdAuxTest) == 0x00);
  f.cmd(I8042::kCmdKbdEnable);
  f.cmd(I8042::kCmdAuxEnable);
  CHECK((f.command(I8042::kCmdReadCtr) & (I8042::kCtrKbdDis | I8042::kCtrAuxDis)) == 0);
  f.cmd(I8042::kCmdAuxDisable);
  CHECK((f.command(I8042::kCmdReadCtr) & I8042::kCtrAuxDis) != 0);
  CHECK(f.status() & I8042::kStatusCmd);  // the last write went to 0x64
  f.put(0x60);
  CHECK_FALSE(f.status() & I8042::kStatusCmd);
  CHECK(f.resets == 0);
}

TEST_CASE("i8042: AUX loopback answers with AUXDATA, so the MUX probe fails as on a plain 8042",
          "[i8042]") {
  Fixture f;
  f.cmd(I8042::kCmdAuxLoop);
  f.put(0x5A);
  CHECK(f.status() & I8042::kStatusAuxData);
  CHECK(f.data() == 0x5A);
  // i8042_set_mux_mode: F0, 56 echo; A4 echoed too means "no active multiplexing".
  for (std::uint8_t v : {0xF0, 0x56, 0xA4}) CHECK(f.command(I8042::kCmdAuxLoop, v) == v);
  CHECK(f.command(I8042::kCmdKbdLoop, 0x33) == 0x33);
}

TEST_CASE("i8042: absent keyboard and mouse answer FEh with the time-out bit", "[i8042]") {
  Fixture f;
  f.put(0xF2);  // ATKBD_CMD_GETID to the keyboard
  CHECK(f.status() ==
        (I8042::kStatusSys | I8042::kStatusUnlocked | I8042::kStatusObf | I8042::kStatusTimeout));
  CHECK(f.data() == I8042::kNoDevice);
  f.cmd(I8042::kCmdAuxSend);
  f.put(0xFF);  // reset the mouse
  CHECK((f.status() & (I8042::kStatusAuxData | I8042::kStatusTimeout)) ==
        (I8042::kStatusAuxData | I8042::kStatusTimeout));
  CHECK(f.data() == I8042::kNoDevice);
  CHECK((f.status() & I8042::kStatusObf) == 0);
  CHECK(f.data() == I8042::kNoDevice);  // an empty buffer reads the last byte again
}

TEST_CASE("i8042: responses queue behind the output buffer", "[i8042]") {
  Fixture f;
  f.cmd(I8042::kCmdReadCtr);
  f.cmd(I8042::kCmdSelfTest);
  CHECK(f.data() == 0x65);
  CHECK(f.status() & I8042::kStatusObf);
  CHECK(f.data() == 0x55);
  CHECK_FALSE(f.status() & I8042::kStatusObf);
}

TEST_CASE("i8042: IRQ1 and IRQ12 follow the output buffer and the command byte", "[i8042]") {
  Fixture f;
  f.cmd(I8042::kCmdReadCtr);  // KBDINT is set: a keyboard-port byte raises IRQ1
  CHECK(f.irq1 == std::vector<bool>{true});
  f.data();
  CHECK(f.irq1 == std::vector<bool>{true, false});
  f.cmd(I8042::kCmdAuxLoop);
  f.put(0x01);  // AUXINT clear: no IRQ12
  CHECK(f.irq12.empty());
  f.data();
  f.cmd(I8042::kCmdWriteCtr);
  f.put(I8042::kCtrAuxInt | I8042::kCtrSys);
  f.cmd(I8042::kCmdAuxLoop);
  f.put(0x02);
  CHECK(f.irq12 == std::vector<bool>{true});
  CHECK(f.irq1 == std::vector<bool>{true, false});
  f.data();
  CHECK(f.irq12 == std::vector<bool>{true, false});
}

TEST_CASE("i8042: FEh pulses RESET, FFh does not, D1h with bit 0 clear resets", "[i8042]") {
  Fixture f;
  f.cmd(0xFF);
  CHECK(f.resets == 0);
  f.cmd(I8042::kCmdPulseReset);
  CHECK(f.resets == 1);
  CHECK(f.command(I8042::kCmdReadOutput) == 0x03);
  f.cmd(I8042::kCmdWriteOutput);
  f.put(0x03);  // A20 on, not in reset
  CHECK(f.resets == 1);
  f.cmd(I8042::kCmdWriteOutput);
  f.put(0x02);
  CHECK(f.resets == 2);
  CHECK(f.kbc.output_port() == 0x02);
}

TEST_CASE("i8042: restore() brings back the queue and the command byte, with no IRQ edge",
          "[i8042]") {
  Fixture f;
  f.cmd(I8042::kCmdWriteCtr);
  f.put(0x47);                 // keyboard interrupt on, translation on
  f.cmd(I8042::kCmdSelfTest);  // queues 0x55 and raises IRQ1
  const I8042::State saved = f.kbc.state();
  REQUIRE(f.irq1 == std::vector<bool>{true});
  CHECK(f.data() == I8042::kSelfTestOk);  // the queue empties, IRQ1 drops
  f.cmd(I8042::kCmdWriteCtr);
  f.put(0x65);
  CHECK(f.kbc.state() != saved);
  f.kbc.restore(saved);
  CHECK(f.kbc.state() == saved);
  CHECK(f.irq1 == std::vector<bool>{true, false});  // restore() drove no line
  CHECK(f.kbc.command_byte() == 0x47);
  CHECK((f.status() & I8042::kStatusObf) != 0);
  CHECK(f.data() == I8042::kSelfTestOk);
}
