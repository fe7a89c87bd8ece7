#include "emu/gdb_target_xml.hpp"

#include <algorithm>
#include <charconv>

#include "emu/gdb_stub.hpp"
#include "emu/machine.hpp"
#include "emu/unicorn_cpu.hpp"

namespace fs::gdb {

namespace {

// Written for forkscope from the GDB manual's G.2 "Target Description Format" and G.5.7 "i386
// Features"; the flag bits are the Intel SDM's (vol. 1 3.4.3 EFLAGS, vol. 3A 2.5 CR0 and CR4).
constexpr std::string_view kTargetXml = R"(<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
  <architecture>i386</architecture>
  <feature name="org.gnu.gdb.i386.core">
    <flags id="i386_eflags" size="4">
      <field name="CF" start="0" end="0"/>
      <field name="" start="1" end="1"/>
      <field name="PF" start="2" end="2"/>
      <field name="AF" start="4" end="4"/>
      <field name="ZF" start="6" end="6"/>
      <field name="SF" start="7" end="7"/>
      <field name="TF" start="8" end="8"/>
      <field name="IF" start="9" end="9"/>
      <field name="DF" start="10" end="10"/>
      <field name="OF" start="11" end="11"/>
      <field name="NT" start="14" end="14"/>
      <field name="RF" start="16" end="16"/>
      <field name="VM" start="17" end="17"/>
      <field name="AC" start="18" end="18"/>
      <field name="VIF" start="19" end="19"/>
      <field name="VIP" start="20" end="20"/>
      <field name="ID" start="21" end="21"/>
    </flags>
    <reg name="eax" bitsize="32" type="int32" regnum="0"/>
    <reg name="ecx" bitsize="32" type="int32"/>
    <reg name="edx" bitsize="32" type="int32"/>
    <reg name="ebx" bitsize="32" type="int32"/>
    <reg name="esp" bitsize="32" type="data_ptr"/>
    <reg name="ebp" bitsize="32" type="data_ptr"/>
    <reg name="esi" bitsize="32" type="int32"/>
    <reg name="edi" bitsize="32" type="int32"/>
    <reg name="eip" bitsize="32" type="code_ptr"/>
    <reg name="eflags" bitsize="32" type="i386_eflags"/>
    <reg name="cs" bitsize="32" type="int32"/>
    <reg name="ss" bitsize="32" type="int32"/>
    <reg name="ds" bitsize="32" type="int32"/>
    <reg name="es" bitsize="32" type="int32"/>
    <reg name="fs" bitsize="32" type="int32"/>
    <reg name="gs" bitsize="32" type="int32"/>
    <reg name="st0" bitsize="80" type="i387_ext" regnum="16"/>
    <reg name="st1" bitsize="80" type="i387_ext"/>
    <reg name="st2" bitsize="80" type="i387_ext"/>
    <reg name="st3" bitsize="80" type="i387_ext"/>
    <reg name="st4" bitsize="80" type="i387_ext"/>
    <reg name="st5" bitsize="80" type="i387_ext"/>
    <reg name="st6" bitsize="80" type="i387_ext"/>
    <reg name="st7" bitsize="80" type="i387_ext"/>
    <reg name="fctrl" bitsize="32" type="int" group="float"/>
    <reg name="fstat" bitsize="32" type="int" group="float"/>
    <reg name="ftag" bitsize="32" type="int" group="float"/>
    <reg name="fiseg" bitsize="32" type="int" group="float"/>
    <reg name="fioff" bitsize="32" type="int" group="float"/>
    <reg name="foseg" bitsize="32" type="int" group="float"/>
    <reg name="fooff" bitsize="32" type="int" group="float"/>
    <reg name="fop" bitsize="32" type="int" group="float"/>
  </feature>
  <feature name="org.forkscope.i386.system">
    <flags id="forkscope_cr0" size="4">
      <field name="PE" start="0" end="0"/>
      <field name="MP" start="1" end="1"/>
      <field name="EM" start="2" end="2"/>
      <field name="TS" start="3" end="3"/>
      <field name="ET" start="4" end="4"/>
      <field name="NE" start="5" end="5"/>
      <field name="WP" start="16" end="16"/>
      <field name="AM" start="18" end="18"/>
      <field name="NW" start="29" end="29"/>
      <field name="CD" start="30" end="30"/>
      <field name="PG" start="31" end="31"/>
    </flags>
    <flags id="forkscope_cr4" size="4">
      <field name="VME" start="0" end="0"/>
      <field name="PVI" start="1" end="1"/>
      <field name="TSD" start="2" end="2"/>
      <field name="DE" start="3" end="3"/>
      <field name="PSE" start="4" end="4"/>
      <field name="PAE" start="5" end="5"/>
      <field name="MCE" start="6" end="6"/>
      <field name="PGE" start="7" end="7"/>
      <field name="PCE" start="8" end="8"/>
      <field name="OSFXSR" start="9" end="9"/>
      <field name="OSXMMEXCPT" start="10" end="10"/>
    </flags>
    <reg name="cr0" bitsize="32" type="forkscope_cr0" regnum="32" group="system"/>
    <reg name="cr2" bitsize="32" type="data_ptr" group="system"/>
    <reg name="cr3" bitsize="32" type="uint32" group="system"/>
    <reg name="cr4" bitsize="32" type="forkscope_cr4" group="system"/>
    <reg name="gdtr_base" bitsize="32" type="data_ptr" group="system"/>
    <reg name="gdtr_limit" bitsize="32" type="uint32" group="system"/>
    <reg name="idtr_base" bitsize="32" type="data_ptr" group="system"/>
    <reg name="idtr_limit" bitsize="32" type="uint32" group="system"/>
    <reg name="tr" bitsize="32" type="uint32" group="system"/>
    <reg name="tr_base" bitsize="32" type="data_ptr" group="system"/>
  </feature>
</target>
)";

std::uint32_t system_reg(const Machine& m, unsigned regnum) {
  const UnicornCpu& cpu = m.cpu();
  switch (regnum) {
    case kRegCr0:
      return m.reg(Reg::kCr0);
    case kRegCr2:
      return m.reg(Reg::kCr2);
    case kRegCr3:
      return m.reg(Reg::kCr3);
    case kRegCr4:
      return m.reg(Reg::kCr4);
    case kRegGdtrBase:
      return cpu.gdtr().base;
    case kRegGdtrLimit:
      return cpu.gdtr().limit;
    case kRegIdtrBase:
      return cpu.idtr().base;
    case kRegIdtrLimit:
      return cpu.idtr().limit;
    case kRegTr:
      return cpu.tr_selector();
    default:
      return cpu.tr_base();
  }
}

std::optional<std::uint32_t> parse_hex32(std::string_view s) {
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::size_t register_size(unsigned regnum) {
  if (regnum >= kNumRegs) return 0;
  return regnum >= kFirstX87 && regnum < kFirstX87 + 8 ? 10 : 4;
}

std::optional<std::vector<std::uint8_t>> register_bytes(const Machine& m, unsigned regnum) {
  std::uint32_t v = 0;
  if (regnum < kFirstX87) {
    v = m.reg(static_cast<Reg>(regnum));
  } else if (regnum >= kFirstSystem && regnum < kNumRegs) {
    v = system_reg(m, regnum);
  } else {
    return std::nullopt;  // x87 (open question 3) or out of range
  }
  return std::vector<std::uint8_t>{static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                                   static_cast<std::uint8_t>(v >> 16),
                                   static_cast<std::uint8_t>(v >> 24)};
}

std::string register_hex(const Machine& m, unsigned regnum) {
  if (auto b = register_bytes(m, regnum)) return to_hex(b->data(), b->size());
  return std::string(2 * register_size(regnum), 'x');
}

std::string_view target_xml() {
  return kTargetXml;
}

std::string features_read(std::string_view args) {
  const auto colon = args.find(':');
  const auto comma = args.find(',', colon == std::string_view::npos ? 0 : colon);
  if (colon == std::string_view::npos || comma == std::string_view::npos) return "E00";
  auto offset = parse_hex32(args.substr(colon + 1, comma - colon - 1));
  auto length = parse_hex32(args.substr(comma + 1));
  if (args.substr(0, colon) != "target.xml" || !offset || !length) return "E00";
  const std::string_view xml = target_xml();
  if (*offset >= xml.size()) return "l";
  const std::string_view part = xml.substr(*offset, *length);
  return (*offset + part.size() >= xml.size() ? "l" : "m") + std::string(part);
}

}  // namespace fs::gdb
