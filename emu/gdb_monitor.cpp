#include "emu/gdb_monitor.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <vector>

#include "emu/machine.hpp"
#include "emu/paging.hpp"
#include "emu/unicorn_cpu.hpp"
#include "guest/include/abi.h"

namespace fs::gdb {

namespace {

constexpr std::string_view kHelp =
    "monitor commands: info tss | info gdt | info idt [VECTOR [COUNT]] | info tlb ADDR | "
    "info task\n";

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> w;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) w.push_back(s.substr(start, i - start));
  }
  return w;
}

// A number as gdb users write one: 0x-prefixed hex or decimal; else a symbol of the image.
std::optional<std::uint32_t> parse_number(const Machine& m, std::string_view s) {
  int base = 10;
  if (s.starts_with("0x") || s.starts_with("0X")) {
    s.remove_prefix(2);
    base = 16;
  }
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (!s.empty() && ec == std::errc{} && end == s.data() + s.size()) return v;
  if (base == 10) return m.symbols().address_of(std::string(s));
  return std::nullopt;
}

std::optional<std::uint32_t> read32(const Machine& m, std::uint32_t linear) {
  std::uint32_t v = 0;
  if (!m.read(linear, &v, 4)) return std::nullopt;
  return v;
}

// Intel SDM vol. 3A 3.5 table 3-2: the system descriptor and gate types (S = 0).
std::string_view system_type(unsigned type) {
  switch (type) {
    case 0x1:
      return "16-bit TSS (available)";
    case 0x2:
      return "LDT";
    case 0x3:
      return "16-bit TSS (busy)";
    case 0x4:
      return "16-bit call gate";
    case 0x5:
      return "task gate";
    case 0x6:
      return "16-bit interrupt gate";
    case 0x7:
      return "16-bit trap gate";
    case 0x9:
      return "32-bit TSS (available)";
    case 0xB:
      return "32-bit TSS (busy)";
    case 0xC:
      return "32-bit call gate";
    case 0xE:
      return "32-bit interrupt gate";
    case 0xF:
      return "32-bit trap gate";
    default:
      return "reserved type";
  }
}

// A segment descriptor (Intel SDM vol. 3A 3.4.5, figure 3-8) as one line.
std::string describe_segment(std::uint32_t lo, std::uint32_t hi) {
  const std::uint32_t base = (lo >> 16) | (hi & 0xFF) << 16 | (hi & 0xFF000000u);
  std::uint32_t limit = (lo & 0xFFFF) | (hi & 0xF0000);
  if (hi & (1u << 23)) limit = limit << 12 | 0xFFF;  // G: 4 KiB units
  const unsigned type = hi >> 8 & 0xF, dpl = hi >> 13 & 3;
  std::string what;
  if (!(hi & (1u << 12))) {
    what = system_type(type);
  } else if (type & 8) {
    what = fmt::format("{} code{}{}", hi & (1u << 22) ? "32-bit" : "16-bit",
                       type & 2 ? ", readable" : ", execute-only", type & 4 ? ", conforming" : "");
  } else {
    what = fmt::format("{} data{}{}", hi & (1u << 22) ? "32-bit" : "16-bit",
                       type & 2 ? ", writable" : ", read-only", type & 4 ? ", expand-down" : "");
  }
  return fmt::format("base {:#010x} limit {:#010x} dpl {} {}{}", base, limit, dpl, what,
                     hi & (1u << 15) ? "" : ", not present");
}

std::string info_gdt(const Machine& m) {
  const DescriptorTableReg gdtr = m.cpu().gdtr();
  std::string out = fmt::format("gdtr base {:#010x} limit {:#06x}\n", gdtr.base, gdtr.limit);
  for (std::uint32_t i = 1; 8 * i + 7 <= gdtr.limit; ++i) {
    auto lo = read32(m, gdtr.base + 8 * i), hi = read32(m, gdtr.base + 8 * i + 4);
    if (!lo || !hi) {
      out += fmt::format("  [{:2}] sel {:#06x}  unreadable (not mapped)\n", i, 8 * i);
      break;
    }
    if (*lo == 0 && *hi == 0) continue;  // unused entries
    out += fmt::format("  [{:2}] sel {:#06x}  {}\n", i, 8 * i, describe_segment(*lo, *hi));
  }
  return out;
}

// A gate descriptor (Intel SDM vol. 3A 6.11, figure 6-2) as one line; empty when not present and
// not asked for by number.
std::string describe_gate(const Machine& m, unsigned vector, bool always) {
  const std::uint32_t base = m.cpu().idtr().base;
  auto lo = read32(m, base + 8 * vector), hi = read32(m, base + 8 * vector + 4);
  if (!lo || !hi) return fmt::format("  {:#04x} unreadable (not mapped)\n", vector);
  if (!(*hi & (1u << 15)))
    return always ? fmt::format("  {:#04x} not present\n", vector) : std::string();
  const unsigned type = *hi >> 8 & 0x1F, dpl = *hi >> 13 & 3;
  const std::uint32_t sel = *lo >> 16, offset = (*lo & 0xFFFF) | (*hi & 0xFFFF0000u);
  if ((type & 0xF) == 0x5)
    return fmt::format("  {:#04x} task gate tss {:#06x} dpl {}\n", vector, sel, dpl);
  return fmt::format("  {:#04x} {} {:04x}:{:08x} <{}> dpl {}\n", vector, system_type(type & 0xF),
                     sel, offset, m.describe(offset), dpl);
}

std::string info_idt(const Machine& m, const std::vector<std::string_view>& w) {
  const DescriptorTableReg idtr = m.cpu().idtr();
  const unsigned gates = (idtr.limit + 1) / 8;
  std::uint32_t first = 0, count = gates;
  if (w.size() > 2) {
    auto v = parse_number(m, w[2]);
    auto n = w.size() > 3 ? parse_number(m, w[3]) : std::optional<std::uint32_t>(1);
    if (!v || !n || w.size() > 4) return std::string(kHelp);
    first = *v;
    count = *n;
  }
  std::string out = fmt::format("idtr base {:#010x} limit {:#06x}\n", idtr.base, idtr.limit);
  for (std::uint32_t v = first; v < first + count && v < 256; ++v) {
    if (v >= gates) {
      out += fmt::format("  {:#04x} beyond the IDT's limit\n", v);
      break;
    }
    out += describe_gate(m, v, w.size() > 2);
  }
  return out;
}

// The 32-bit TSS (Intel SDM vol. 3A 7.2.1, figure 7-2) TR names.
std::string info_tss(const Machine& m) {
  const std::uint16_t tr = m.cpu().tr_selector();
  const std::uint32_t base = m.cpu().tr_base();
  if ((tr & ~3u) == 0) return "tr 0x0000: no task register loaded\n";
  auto at = [&](std::uint32_t off) { return read32(m, base + off); };
  if (!at(0) || !at(0x64)) return fmt::format("tr {:#06x} base {:#010x}: unreadable\n", tr, base);
  auto w = [&](std::uint32_t off) { return *at(off); };
  auto s = [&](std::uint32_t off) { return *at(off) & 0xFFFF; };
  std::string out = fmt::format("tr {:#06x} base {:#010x} link {:#06x}\n", tr, base, s(0));
  out += fmt::format(
      "  esp0 {:#010x} ss0 {:#06x}  esp1 {:#010x} ss1 {:#06x}  esp2 {:#010x} ss2 {:#06x}\n", w(0x4),
      s(0x8), w(0xC), s(0x10), w(0x14), s(0x18));
  out += fmt::format("  cr3 {:#010x} eip {:#010x} eflags {:#010x}\n", w(0x1C), w(0x20), w(0x24));
  out += fmt::format(
      "  eax {:#010x} ecx {:#010x} edx {:#010x} ebx {:#010x}\n  esp {:#010x} ebp {:#010x} esi "
      "{:#010x} edi {:#010x}\n",
      w(0x28), w(0x2C), w(0x30), w(0x34), w(0x38), w(0x3C), w(0x40), w(0x44));
  out += fmt::format("  es {:#06x} cs {:#06x} ss {:#06x} ds {:#06x} fs {:#06x} gs {:#06x}\n",
                     s(0x48), s(0x4C), s(0x50), s(0x54), s(0x58), s(0x5C));
  out += fmt::format("  ldt {:#06x} iomap {:#06x}{}\n", s(0x60), w(0x64) >> 16,
                     w(0x64) & 1 ? " T" : "");
  return out;
}

// Present, R/W, U/S, ... of a page directory or table entry (Intel SDM vol. 3A 4.3, table 4-5/4-6).
std::string entry_flags(std::uint32_t e, bool leaf) {
  std::string f = e & 1 ? "P" : "not present";
  if (!(e & 1)) return f;
  f += e & 2 ? " R/W" : " R/O";
  f += e & 4 ? " U" : " S";
  if (e & 0x20) f += " A";
  if (leaf && (e & 0x40)) f += " D";  // ignored in a PDE that maps a page table
  if (e & 0x80) f += " PS";
  return f;
}

std::optional<std::uint32_t> phys32(const Machine& m, std::uint32_t phys) {
  if (std::uint64_t{phys} + 4 > m.ram().size()) return std::nullopt;
  const std::uint8_t* p = m.ram().data() + phys;
  return static_cast<std::uint32_t>(p[0] | p[1] << 8 | p[2] << 16 | p[3] << 24);
}

std::string info_tlb(const Machine& m, std::uint32_t linear) {
  const PagingRegs regs = m.paging_regs();
  if (!regs.enabled())
    return fmt::format("linear {:#010x}: paging off, physical {:#010x}\n", linear, linear);
  std::string out = fmt::format("linear {:#010x}: cr3 {:#010x}{}\n", linear, regs.cr3,
                                regs.pse() ? " (cr4.PSE)" : "");
  const std::uint32_t pde_at = (regs.cr3 & ~0xFFFu) + (linear >> 22) * 4;
  auto pde = phys32(m, pde_at);
  if (!pde)
    return out + fmt::format("  pde[{:#05x}] at {:#010x}: beyond RAM\n", linear >> 22, pde_at);
  out += fmt::format("  pde[{:#05x}] at {:#010x} = {:#010x} {}\n", linear >> 22, pde_at, *pde,
                     entry_flags(*pde, regs.pse() && (*pde & 0x80)));
  if ((*pde & 1) && !(regs.pse() && (*pde & 0x80))) {
    const std::uint32_t pte_at = (*pde & ~0xFFFu) + (linear >> 12 & 0x3FF) * 4;
    auto pte = phys32(m, pte_at);
    if (!pte)
      return out +
             fmt::format("  pte[{:#05x}] at {:#010x}: beyond RAM\n", linear >> 12 & 0x3FF, pte_at);
    out += fmt::format("  pte[{:#05x}] at {:#010x} = {:#010x} {}\n", linear >> 12 & 0x3FF, pte_at,
                       *pte, entry_flags(*pte, true));
  }
  auto pm = walk_page_tables(m.ram(), regs.cr3, linear, regs.pse());
  if (!pm) return out + "  not mapped\n";
  return out + fmt::format("  frame {:#010x}{}, physical {:#010x}, {} {}\n", pm->frame,
                           pm->large ? " (in a 4 MiB page)" : "", pm->frame + (linear & 0xFFF),
                           pm->user ? "user" : "supervisor",
                           pm->writable ? "read/write" : "read-only");
}

std::string_view state_name(std::uint32_t state, std::uint32_t exit_state) {
  if (exit_state & EXIT_DEAD) return "dead";
  if (exit_state & EXIT_ZOMBIE) return "zombie";
  switch (state) {
    case TASK_RUNNING:
      return "running";
    case TASK_INTERRUPTIBLE:
      return "interruptible";
    case TASK_UNINTERRUPTIBLE:
      return "uninterruptible";
    case TASK_STOPPED:
      return "stopped";
    case TASK_TRACED:
      return "traced";
    default:
      return "unknown";
  }
}

// Open question 1: the task whose thread_info is at the bottom of the kernel stack in use.
std::string info_task(const Machine& m) {
  const unsigned cpl = m.cpu().cpl();
  const std::uint32_t sp = cpl == 0 ? m.reg(Reg::kEsp) : m.tss_esp0() - 1;
  const std::uint32_t ti = sp & ~std::uint32_t{THREAD_SIZE - 1};
  auto task = read32(m, ti + TI_TASK);
  auto state = task ? read32(m, *task + TASK_STATE) : std::nullopt;
  auto pid = task ? read32(m, *task + TASK_PID) : std::nullopt;
  auto exit_state = task ? read32(m, *task + TASK_EXIT_STATE) : std::nullopt;
  if (!task || !*task || !state || !pid || !exit_state)
    return fmt::format("no current task: thread_info {:#010x} (cpl {}) names none\n", ti, cpl);
  std::string comm;
  for (std::uint32_t i = 0; i < TASK_COMM_LEN; ++i) {
    char c = 0;
    if (!m.read(*task + TASK_COMM + i, &c, 1) || c == 0) break;
    comm += c;
  }
  return fmt::format("pid {} comm \"{}\" state {} ({}) task {:#010x} thread_info {:#010x} cpl {}\n",
                     static_cast<std::int32_t>(*pid), comm, *state | *exit_state,
                     state_name(*state, *exit_state), *task, ti, cpl);
}

}  // namespace

std::string monitor(const Machine& m, std::string_view command) {
  const auto w = words(command);
  if (w.size() < 2 || w[0] != "info") return std::string(kHelp);
  if (w[1] == "tss" && w.size() == 2) return info_tss(m);
  if (w[1] == "gdt" && w.size() == 2) return info_gdt(m);
  if (w[1] == "idt") return info_idt(m, w);
  if (w[1] == "task" && w.size() == 2) return info_task(m);
  if (w[1] == "tlb" && w.size() == 3) {
    if (auto a = parse_number(m, w[2])) return info_tlb(m, *a);
  }
  return std::string(kHelp);
}

}  // namespace fs::gdb
