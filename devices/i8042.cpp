#include "devices/i8042.hpp"

namespace fs {

std::uint8_t I8042::status() const {
  std::uint8_t s = kStatusUnlocked;
  if (ram_[0] & kCtrSys) s |= kStatusSys;
  if (last_was_command_) s |= kStatusCmd;
  if (!out_.empty()) {
    s |= kStatusObf;
    if (out_.front().aux) s |= kStatusAuxData;
    if (out_.front().timeout) s |= kStatusTimeout;
  }
  return s;
}

std::uint32_t I8042::io_read(Cycles, std::uint16_t offset, unsigned) {
  if (offset == kStatusCommand) return status();
  if (!out_.empty()) {
    last_read_ = out_.front().value;
    out_.pop_front();  // the next queued byte moves into the output buffer (open question 3)
    update_irqs();
  }
  return last_read_;
}

void I8042::io_write(Cycles, std::uint16_t offset, unsigned, std::uint32_t value) {
  const std::uint8_t v = static_cast<std::uint8_t>(value);
  last_was_command_ = offset == kStatusCommand;
  if (offset == kStatusCommand)
    command(v);
  else
    data(v);
  update_irqs();
}

void I8042::queue(std::uint8_t value, bool aux, bool timeout) {
  out_.push_back({value, aux, timeout});
}

void I8042::command(std::uint8_t cmd) {
  pending_ = 0;
  if (cmd >= 0x20 && cmd <= 0x3F) {
    queue(ram_[cmd & 0x1F]);
    return;
  }
  if ((cmd >= 0x60 && cmd <= 0x7F) || (cmd >= kCmdWriteOutput && cmd <= kCmdAuxSend)) {
    pending_ = cmd;  // the next byte written to 0x60 is its argument
    return;
  }
  if (cmd >= 0xF0) {
    // Pulse the output port bits whose command bit is 0; bit 0 is the CPU's RESET line.
    if (!(cmd & 0x01) && on_reset_) on_reset_();
    return;
  }
  switch (cmd) {
    case kCmdAuxDisable:
      ram_[0] |= kCtrAuxDis;
      break;
    case kCmdAuxEnable:
      ram_[0] &= ~kCtrAuxDis;
      break;
    case kCmdAuxTest:
    case kCmdKbdTest:
      queue(0x00);  // interface test: no clock or data line stuck
      break;
    case kCmdSelfTest:
      ram_[0] |= kCtrSys;
      queue(kSelfTestOk);
      break;
    case kCmdKbdDisable:
      ram_[0] |= kCtrKbdDis;
      break;
    case kCmdKbdEnable:
      ram_[0] &= ~kCtrKbdDis;
      break;
    case kCmdReadOutput:
      queue(output_port_);
      break;
    default:
      break;  // not modelled: ignored (open question 1)
  }
}

void I8042::data(std::uint8_t v) {
  const std::uint8_t cmd = pending_;
  pending_ = 0;
  if (cmd >= 0x60 && cmd <= 0x7F) {
    ram_[cmd & 0x1F] = v;
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
      ram_[0] &= ~kCtrKbdDis;         // sending to the keyboard enables its interface
      queue(kNoDevice, false, true);  // no keyboard answers
      return;
  }
}

void I8042::write_output_port(std::uint8_t v) {
  output_port_ = v;
  if (!(v & 0x01) && on_reset_) on_reset_();  // bit 0 low: RESET asserted
}

void I8042::update_irqs() {
  const bool have = !out_.empty();
  const bool aux = have && out_.front().aux;
  const bool l1 = have && !aux && (ram_[0] & kCtrKbdInt);
  const bool l12 = have && aux && (ram_[0] & kCtrAuxInt);
  if (l1 != irq1_level_) {
    irq1_level_ = l1;
    if (irq1_) irq1_(l1);
  }
  if (l12 != irq12_level_) {
    irq12_level_ = l12;
    if (irq12_) irq12_(l12);
  }
}

}  // namespace fs
