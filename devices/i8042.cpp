#include "devices/i8042.hpp"

namespace fs {

std::uint8_t I8042::status() const {
  std::uint8_t s = kStatusUnlocked;
  if (s_.ram[0] & kCtrSys) s |= kStatusSys;
  if (s_.last_was_command) s |= kStatusCmd;
  if (!s_.out.empty()) {
    s |= kStatusObf;
    if (s_.out.front().aux) s |= kStatusAuxData;
    if (s_.out.front().timeout) s |= kStatusTimeout;
  }
  return s;
}

std::uint32_t I8042::io_read(Cycles, std::uint16_t offset, unsigned) {
  if (offset == kStatusCommand) return status();
  if (!s_.out.empty()) {
    s_.last_read = s_.out.front().value;
    s_.out.pop_front();  // the next queued byte moves into the output buffer (open question 3)
    update_irqs();
  }
  return s_.last_read;
}

void I8042::io_write(Cycles, std::uint16_t offset, unsigned, std::uint32_t value) {
  const std::uint8_t v = static_cast<std::uint8_t>(value);
  s_.last_was_command = offset == kStatusCommand;
  if (offset == kStatusCommand)
    command(v);
  else
    data(v);
  update_irqs();
}

void I8042::queue(std::uint8_t value, bool aux, bool timeout) {
  s_.out.push_back({value, aux, timeout});
}

void I8042::command(std::uint8_t cmd) {
  s_.pending = 0;
  if (cmd >= 0x20 && cmd <= 0x3F) {
    queue(s_.ram[cmd & 0x1F]);
    return;
  }
  if ((cmd >= 0x60 && cmd <= 0x7F) || (cmd >= kCmdWriteOutput && cmd <= kCmdAuxSend)) {
    s_.pending = cmd;  // the next byte written to 0x60 is its argument
    return;
  }
  if (cmd >= 0xF0) {
    // Pulse the output port bits whose command bit is 0; bit 0 is the CPU's RESET line.
    if (!(cmd & 0x01) && on_reset_) on_reset_();
    return;
  }
  switch (cmd) {
    case kCmdAuxDisable:
      s_.ram[0] |= kCtrAuxDis;
      break;
    case kCmdAuxEnable:
      s_.ram[0] &= ~kCtrAuxDis;
      break;
    case kCmdAuxTest:
    case kCmdKbdTest:
      queue(0x00);  // interface test: no clock or data line stuck
      break;
    case kCmdSelfTest:
      s_.ram[0] |= kCtrSys;
      queue(kSelfTestOk);
      break;
    case kCmdKbdDisable:
      s_.ram[0] |= kCtrKbdDis;
      break;
    case kCmdKbdEnable:
      s_.ram[0] &= ~kCtrKbdDis;
      break;
    case kCmdReadOutput:
      queue(s_.output_port);
      break;
    default:
      break;  // not modelled: ignored (open question 1)
  }
}

void I8042::data(std::uint8_t v) {
  const std::uint8_t cmd = s_.pending;
  s_.pending = 0;
  if (cmd >= 0x60 && cmd <= 0x7F) {
    s_.ram[cmd & 0x1F] = v;
    return;
  }
  switch (cmd) {
    case kCmdWriteOutput:
      write_output_port(v);
      return;
    case kCmdKbdLoop:
      queue(v);
      return;
    case kCmdAuxLoop:
      queue(v, true);
      return;
    case kCmdAuxSend:
      queue(kNoDevice, true, true);  // no mouse answers (open question 2)
      return;
    default:
      s_.ram[0] &= ~kCtrKbdDis;       // sending to the keyboard enables its interface
      queue(kNoDevice, false, true);  // no keyboard answers
      return;
  }
}

void I8042::write_output_port(std::uint8_t v) {
  s_.output_port = v;
  if (!(v & 0x01) && on_reset_) on_reset_();  // bit 0 low: RESET asserted
}

void I8042::update_irqs() {
  const bool have = !s_.out.empty();
  const bool aux = have && s_.out.front().aux;
  const bool l1 = have && !aux && (s_.ram[0] & kCtrKbdInt);
  const bool l12 = have && aux && (s_.ram[0] & kCtrAuxInt);
  if (l1 != s_.irq1) {
    s_.irq1 = l1;
    if (irq1_) irq1_(l1);
  }
  if (l12 != s_.irq12) {
    s_.irq12 = l12;
    if (irq12_) irq12_(l12);
  }
}

}  // namespace fs
