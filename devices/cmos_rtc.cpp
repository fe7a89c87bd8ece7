#include "devices/cmos_rtc.hpp"

#include <algorithm>

namespace fs {
namespace {

struct Civil {
  std::int64_t year;
  unsigned month, day;  // 1-12, 1-31
};

// Days since 1970-01-01 of a proleptic Gregorian date: count in 400-year eras starting on March 1,
// so the leap day ends a year.
std::int64_t days_from_civil(Civil c) {
  const std::int64_t y = c.year - (c.month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;                          // 0-399
  const unsigned mp = c.month > 2 ? c.month - 3 : c.month + 9;     // March = 0
  const std::int64_t doy = (153 * mp + 2) / 5 + c.day - 1;         // 0-365
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // 0-146096
  return era * 146097 + doe - 719468;                              // 719468: 0000-03-01 to 1970
}

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = static_cast<unsigned>((5 * doy + 2) / 153);
  const unsigned day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// Broken-down time of `s` seconds since 1970.
struct Fields {
  Civil date;
  unsigned hour, minute, second, weekday;  // weekday 1 = Sunday (MC146818 register 6)
};

Fields fields_of(std::int64_t s) {
  const std::int64_t days = floor_div(s, 86400);
  const std::int64_t rest = s - days * 86400;
  Fields f{civil_from_days(days), static_cast<unsigned>(rest / 3600),
           static_cast<unsigned>(rest / 60 % 60), static_cast<unsigned>(rest % 60), 0};
  f.weekday = static_cast<unsigned>((days % 7 + 7 + 4) % 7) + 1;  // 1970-01-01 was a Thursday
  return f;
}

std::int64_t seconds_of(const Fields& f) {
  return days_from_civil(f.date) * 86400 + f.hour * 3600 + f.minute * 60 + f.second;
}

}  // namespace

CmosRtc::CmosRtc(std::uint64_t cpu_hz, std::uint64_t ram_bytes) : cpu_hz_(cpu_hz) {
  s_.ram[kRegA] = 0x26;  // 32.768 kHz time base, 1024 Hz periodic rate (open question 4)
  s_.ram[kRegB] = kB24Hour;
  // Open question 5: the memory sizes a BIOS stores.
  const std::uint64_t kib = ram_bytes >> 10;
  const auto put16 = [&](std::uint8_t at, std::uint64_t v) {
    v = std::min<std::uint64_t>(v, 0xFFFF);
    s_.ram[at] = static_cast<std::uint8_t>(v);
    s_.ram[at + 1] = static_cast<std::uint8_t>(v >> 8);
  };
  put16(0x15, 640);
  put16(0x17, kib > 1024 ? kib - 1024 : 0);
  put16(0x30, kib > 1024 ? kib - 1024 : 0);
  put16(0x34, ram_bytes > (16u << 20) ? (ram_bytes - (16u << 20)) >> 16 : 0);
}

std::int64_t CmosRtc::seconds_at(Cycles now) const {
  if (s_.ram[kRegB] & kBSet) return s_.held;
  return s_.base + static_cast<std::int64_t>(now / cpu_hz_);
}

void CmosRtc::set_seconds(Cycles now, std::int64_t s) {
  if (s_.ram[kRegB] & kBSet)
    s_.held = s;
  else
    s_.base = s - static_cast<std::int64_t>(now / cpu_hz_);
}

std::uint8_t CmosRtc::encode(unsigned v) const {
  if (s_.ram[kRegB] & kBBinary) return static_cast<std::uint8_t>(v);
  return static_cast<std::uint8_t>(((v / 10) << 4) | (v % 10));
}

unsigned CmosRtc::decode(std::uint8_t v) const {
  if (s_.ram[kRegB] & kBBinary) return v;
  return (v >> 4) * 10 + (v & 0x0F);
}

std::uint32_t CmosRtc::io_read(Cycles now, std::uint16_t offset, unsigned) {
  if (offset == 0) return 0xFF;  // the index register is write-only
  return read_register(now, s_.index);
}

void CmosRtc::io_write(Cycles now, std::uint16_t offset, unsigned, std::uint32_t value) {
  const std::uint8_t v = static_cast<std::uint8_t>(value);
  if (offset == 0) {
    s_.nmi_masked = v & 0x80;
    s_.index = v & 0x7F;
    return;
  }
  write_register(now, s_.index, v);
}

std::uint8_t CmosRtc::read_register(Cycles now, std::uint8_t reg) {
  const Fields f = fields_of(seconds_at(now));
  switch (reg) {
    case kSeconds:
      return encode(f.second);
    case kMinutes:
      return encode(f.minute);
    case kHours: {
      if (s_.ram[kRegB] & kB24Hour) return encode(f.hour);
      const unsigned h12 = f.hour % 12 == 0 ? 12 : f.hour % 12;
      return static_cast<std::uint8_t>(encode(h12) | (f.hour >= 12 ? 0x80 : 0));
    }
    case kWeekday:
      return encode(f.weekday);
    case kDay:
      return encode(f.date.day);
    case kMonth:
      return encode(f.date.month);
    case kYear:
      return encode(static_cast<unsigned>(f.date.year % 100));
    case kCentury:
      return encode(static_cast<unsigned>(f.date.year / 100));
    case kRegA: {
      // Open question 3: UIP in the last kUipMicros before each second, unless SET holds.
      const std::uint64_t uip_cycles = cpu_hz_ * kUipMicros / 1'000'000;
      const bool uip = !(s_.ram[kRegB] & kBSet) && now % cpu_hz_ >= cpu_hz_ - uip_cycles;
      return static_cast<std::uint8_t>((s_.ram[kRegA] & 0x7F) | (uip ? kAUip : 0));
    }
    case kRegC:
      return 0;  // no interrupt flags (open question 4)
    case kRegD:
      return kDVrt;
    default:
      return s_.ram[reg];
  }
}

void CmosRtc::write_register(Cycles now, std::uint8_t reg, std::uint8_t v) {
  Fields f = fields_of(seconds_at(now));
  switch (reg) {
    case kSeconds:
      f.second = decode(v) % 60;
      break;
    case kMinutes:
      f.minute = decode(v) % 60;
      break;
    case kHours:
      if (s_.ram[kRegB] & kB24Hour)
        f.hour = decode(v) % 24;
      else
        f.hour = decode(v & 0x7F) % 12 + ((v & 0x80) ? 12 : 0);
      break;
    case kDay:
      f.date.day = std::clamp(decode(v), 1u, 31u);
      break;
    case kMonth:
      f.date.month = std::clamp(decode(v), 1u, 12u);
      break;
    case kYear:
      f.date.year = f.date.year / 100 * 100 + decode(v) % 100;
      break;
    case kCentury:
      f.date.year = decode(v) * 100 + f.date.year % 100;
      break;
    case kWeekday:
    case kRegC:
    case kRegD:
      return;  // derived or read-only (open questions 2 and 4)
    case kRegB: {
      const std::int64_t s = seconds_at(now);
      s_.ram[kRegB] = v;
      set_seconds(now, s);  // SET set: hold s; SET cleared: run on from s
      return;
    }
    case kRegA:
      s_.ram[kRegA] = v & 0x7F;  // UIP is read-only
      return;
    default:
      s_.ram[reg] = v;
      return;
  }
  set_seconds(now, seconds_of(f));
}

}  // namespace fs
