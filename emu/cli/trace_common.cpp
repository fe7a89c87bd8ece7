#include "emu/cli/trace_common.hpp"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "emu/cli/run.hpp"
#include "emu/interrupt.hpp"
#include "loader/elf_image.hpp"
#include "loader/load_error.hpp"

namespace fs::cli {

namespace tr = fs::trace;

bool OpenTrace::code_at(std::uint32_t addr, std::uint8_t len, const std::uint8_t*& out) const {
  if (code.empty() || addr >= code.size() || code.size() - addr < len) return false;
  out = code.data() + addr;
  return true;
}

int OpenTrace::program_index(std::int64_t pid) const {
  auto it = program_of_pid.find(pid);
  return it == program_of_pid.end() ? -1 : it->second;
}

bool OpenTrace::code_for(std::int64_t pid, std::uint32_t addr, std::uint8_t len,
                         const std::uint8_t*& out) const {
  if (code_at(addr, len, out)) return true;
  const int k = program_index(pid);
  if (k < 0) return false;
  for (const UserSegment& s : programs[static_cast<std::size_t>(k)].code) {
    const std::uint32_t off = addr - s.vaddr;
    if (addr >= s.vaddr && off < s.bytes.size() && s.bytes.size() - off >= len) {
      out = s.bytes.data() + off;
      return true;
    }
  }
  return false;
}

const SymbolTable& OpenTrace::symbols_for(std::int64_t pid) const {
  const int k = program_index(pid);
  return k < 0 ? symbols : programs[static_cast<std::size_t>(k)].symbols;
}

void OpenTrace::track(const tr::Event& e) {
  if (const auto* u = std::get_if<tr::UserSpace>(&e.data)) {
    program_of_pid.erase(u->pid);
    for (std::size_t k = 0; k < programs.size(); ++k)
      if (programs[k].name == u->comm) program_of_pid[u->pid] = static_cast<int>(k);
  } else if (const auto* f = std::get_if<tr::Fork>(&e.data)) {
    const int k = program_index(f->parent_pid);
    if (k >= 0)
      program_of_pid[f->child_pid] = k;
    else
      program_of_pid.erase(f->child_pid);
  }
}

namespace {

std::uint32_t ram32(const std::vector<std::uint8_t>& ram, std::uint32_t a) {
  std::uint32_t v = 0;
  if (a < ram.size() && ram.size() - a >= 4) std::memcpy(&v, ram.data() + a, 4);
  return v;
}

// The kernel's embedded user programs: user_programs[] = { name, image, size }..., NULL name
// (guest/usr/user_programs.S). Each image is an ELF32 executable; its PT_LOAD segments (file bytes,
// zero-filled to memsz) and its symbols are added. A malformed one is skipped: symbols are a help,
// not the trace.
void add_user_programs(OpenTrace& t) {
  auto table = t.symbols.address_of("user_programs");
  if (!table) return;
  for (std::uint32_t e = *table; e + 12 <= t.code.size(); e += 12) {
    const std::uint32_t name_at = ram32(t.code, e), image = ram32(t.code, e + 4),
                        size = ram32(t.code, e + 8);
    if (!name_at) break;
    if (image >= t.code.size() || t.code.size() - image < size || size < sizeof(Elf32_Ehdr)) break;
    std::string name;
    for (std::uint32_t a = name_at; a < t.code.size() && t.code[a] && name.size() < 64; ++a)
      name += static_cast<char>(t.code[a]);
    const std::span<const std::uint8_t> file(t.code.data() + image, size);
    Elf32_Ehdr eh;
    std::memcpy(&eh, file.data(), sizeof eh);
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_phentsize != sizeof(Elf32_Phdr))
      continue;
    std::vector<OpenTrace::UserSegment> segs;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
      const std::uint64_t at = std::uint64_t{eh.e_phoff} + i * sizeof(Elf32_Phdr);
      if (at + sizeof(Elf32_Phdr) > size) break;
      Elf32_Phdr ph;
      std::memcpy(&ph, file.data() + at, sizeof ph);
      if (ph.p_type != PT_LOAD || ph.p_memsz > (16u << 20) || ph.p_filesz > ph.p_memsz ||
          std::uint64_t{ph.p_offset} + ph.p_filesz > size)
        continue;
      OpenTrace::UserSegment seg;
      seg.vaddr = ph.p_vaddr;
      seg.bytes.assign(ph.p_memsz, 0);
      std::memcpy(seg.bytes.data(), file.data() + ph.p_offset, ph.p_filesz);
      segs.push_back(std::move(seg));
    }
    OpenTrace::Program prog;
    prog.name = name;
    prog.code = std::move(segs);
    prog.symbols = t.symbols;
    try {
      prog.symbols.merge(SymbolTable::from_elf_bytes(file, name), name + ":");
    } catch (const LoadError&) {
    }
    std::uint64_t end = prog.symbols.limit();  // the kernel's end, raised to the program's
    for (const OpenTrace::UserSegment& seg : prog.code)
      end = std::max<std::uint64_t>(end, std::uint64_t{seg.vaddr} + seg.bytes.size());
    prog.symbols.set_limit(end);
    t.programs.push_back(std::move(prog));
  }
}

}  // namespace

OpenTrace open_trace(const TraceInput& in) {
  OpenTrace t{[&] {
                try {
                  return tr::Reader::open(in.file);
                } catch (const tr::TraceError& e) {
                  throw CliError(e.what());
                }
              }(),
              {},
              {},
              {},
              false,
              {},
              {}};
  if (t.reader.truncated()) {
    std::fflush(stdout);
    fmt::print(stderr, "forkscope: warning: {}: {}\n", in.file, t.reader.truncation_message());
  }
  std::string image = in.image;
  if (image.empty() && t.reader.header().image_name == "kernel.elf") image = default_image();
  if (image.empty()) return t;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(image, ec)) {
    if (!in.image.empty()) throw CliError(fmt::format("{}: no such image", image));
    return t;  // no kernel beside forkscope: addresses without symbols
  }
  try {
    // The image as the loader places it: code bytes for disassembly, and its build id.
    std::vector<std::uint8_t> ram(64u << 20);
    LoadedImage li = load_elf(image, ram);
    if (image_build_id(li, ram) != t.reader.header().build_id) {
      throw CliError(fmt::format(
          "{}: recorded from a different image than {} (build ids differ); pass the image it was "
          "recorded from with --image",
          in.file, image));
    }
    t.symbols = SymbolTable::from_elf(image);
    // Past the image nothing is the kernel's: a user address before its program is known (a
    // child's first instructions, exec's entry) shows as a number, not as "__bss_stop+0x...".
    t.symbols.set_limit(li.image_end);
    t.code = std::move(ram);
  } catch (const LoadError& e) {
    throw CliError(e.what());
  }
  t.image_path = image;
  add_user_programs(t);
  t.kernel = t.symbols.address_of("ret_from_fork").has_value() &&
             t.symbols.address_of("__switch_to").has_value();
  return t;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

std::string hex32(std::uint32_t v) {
  return fmt::format("{:#010x}", v);
}
std::string far_ptr(const tr::FarPtr& p) {
  return fmt::format("{:04x}:{:08x}", p.cs, p.eip);
}

namespace {

std::string words(const std::vector<std::uint32_t>& w) {
  std::string s;
  for (std::size_t i = 0; i < w.size(); ++i) s += fmt::format("{}{:08x}", i ? " " : "", w[i]);
  return s;
}
std::string words_json(const std::vector<std::uint32_t>& w) {
  std::string s = "[";
  for (std::size_t i = 0; i < w.size(); ++i) s += fmt::format("{}{}", i ? "," : "", w[i]);
  return s + "]";
}
std::string vector_name(std::uint8_t v) {
  return v < 32 ? fmt::format("{} (vector {})", vector_mnemonic(v), v)
                : fmt::format("vector {:#04x}", v);
}
const char* delivery_kind(tr::DeliveryKind k) {
  switch (k) {
    case tr::DeliveryKind::Exception:
      return "exception";
    case tr::DeliveryKind::SoftwareInt:
      return "int";
    case tr::DeliveryKind::Irq:
      return "irq";
  }
  return "?";
}

}  // namespace

std::string event_text(const tr::Event& e, const SymbolTable& syms) {
  return std::visit(
      [&](const auto& d) -> std::string {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, tr::Delivery>) {
          return fmt::format(
              "{} {}{} from {} <{}> to {} <{}>, {}, frame [{}]", delivery_kind(d.kind),
              vector_name(d.vector),
              d.has_error_code ? fmt::format(" error {:#x}", d.error_code) : "", far_ptr(d.from),
              syms.describe(d.from.eip), far_ptr(d.to), syms.describe(d.to.eip),
              d.stack_switched ? fmt::format("stack switched to TSS.esp0 {}", hex32(d.esp0_used))
                               : std::string("same stack"),
              words(d.frame));
        } else if constexpr (std::is_same_v<T, tr::Iret>) {
          return fmt::format("{}-word frame [{}] from {} <{}> to {} <{}>, CPL {} -> {}",
                             d.frame.size(), words(d.frame), far_ptr(d.from),
                             syms.describe(d.from.eip), far_ptr(d.to), syms.describe(d.to.eip),
                             d.cpl_before, d.cpl_after);
        } else if constexpr (std::is_same_v<T, tr::Hlt>) {
          return fmt::format("idle {} cycles", d.idle_cycles);
        } else if constexpr (std::is_same_v<T, tr::PortIo>) {
          return fmt::format("{} port {:#06x} size {} value {:#x}", d.is_write ? "out" : "in",
                             d.port, d.size, d.value);
        } else if constexpr (std::is_same_v<T, tr::Switch>) {
          return fmt::format("pid {} -> pid {} (task {} -> {})", d.prev_pid, d.next_pid,
                             hex32(d.prev_task), hex32(d.next_task));
        } else if constexpr (std::is_same_v<T, tr::RetFromFork>) {
          return fmt::format("pid {} first runs (task {}, esp {}, TSS.esp0 {}, stack top {})",
                             d.pid, hex32(d.task), hex32(d.esp), hex32(d.tss_esp0),
                             hex32(d.stack_top));
        } else if constexpr (std::is_same_v<T, tr::UserSpace>) {
          return fmt::format("pid {} runs {} in ring 3 on the address space at CR3 {}", d.pid,
                             d.comm.empty() ? "?" : d.comm, hex32(d.cr3));
        } else if constexpr (std::is_same_v<T, tr::Fork>) {
          return fmt::format("pid {} creates pid {} (task {}, clone flags {:#x})", d.parent_pid,
                             d.child_pid, hex32(d.child_task), d.clone_flags);
        } else if constexpr (std::is_same_v<T, tr::SyscallEntry>) {
          return fmt::format("nr {} args {:#x} {:#x} {:#x} {:#x} {:#x} {:#x}", d.nr, d.args[0],
                             d.args[1], d.args[2], d.args[3], d.args[4], d.args[5]);
        } else if constexpr (std::is_same_v<T, tr::SyscallExit>) {
          return fmt::format("nr {} result {}", d.nr, d.result);
        } else if constexpr (std::is_same_v<T, tr::Stop>) {
          return fmt::format("status {}{}", d.exit_status,
                             d.message.empty() ? "" : ": " + d.message);
        } else {
          return "";
        }
      },
      e.data);
}

std::string event_json_members(const tr::Event& e, const SymbolTable& syms) {
  return std::visit(
      [&](const auto& d) -> std::string {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, tr::Delivery>) {
          return fmt::format(
              "\"vector\":{},\"delivery\":\"{}\",\"error_code\":{},\"from\":\"{}\","
              "\"from_symbol\":{},\"to\":\"{}\",\"to_symbol\":{},\"stack_switched\":{},"
              "\"esp0\":{},\"frame\":{}",
              d.vector, delivery_kind(d.kind),
              d.has_error_code ? std::to_string(d.error_code) : "null", far_ptr(d.from),
              json_string(syms.describe(d.from.eip)), far_ptr(d.to),
              json_string(syms.describe(d.to.eip)), d.stack_switched, d.esp0_used,
              words_json(d.frame));
        } else if constexpr (std::is_same_v<T, tr::Iret>) {
          return fmt::format(
              "\"frame\":{},\"from\":\"{}\",\"from_symbol\":{},\"to\":\"{}\",\"to_symbol\":{},"
              "\"cpl_before\":{},\"cpl_after\":{}",
              words_json(d.frame), far_ptr(d.from), json_string(syms.describe(d.from.eip)),
              far_ptr(d.to), json_string(syms.describe(d.to.eip)), d.cpl_before, d.cpl_after);
        } else if constexpr (std::is_same_v<T, tr::Hlt>) {
          return fmt::format("\"idle_cycles\":{}", d.idle_cycles);
        } else if constexpr (std::is_same_v<T, tr::PortIo>) {
          return fmt::format("\"port\":{},\"size\":{},\"write\":{},\"value\":{}", d.port, d.size,
                             d.is_write, d.value);
        } else if constexpr (std::is_same_v<T, tr::Switch>) {
          return fmt::format("\"prev_pid\":{},\"next_pid\":{},\"prev_task\":{},\"next_task\":{}",
                             d.prev_pid, d.next_pid, d.prev_task, d.next_task);
        } else if constexpr (std::is_same_v<T, tr::RetFromFork>) {
          return fmt::format(
              "\"child_pid\":{},\"task\":{},\"esp\":{},\"tss_esp0\":{},\"thread_esp0\":{},"
              "\"stack_top\":{},\"pt_regs\":{}",
              d.pid, d.task, d.esp, d.tss_esp0, d.thread_esp0, d.stack_top, words_json(d.regs));
        } else if constexpr (std::is_same_v<T, tr::UserSpace>) {
          return fmt::format("\"pid\":{},\"task\":{},\"cr3\":{},\"comm\":{}", d.pid, d.task, d.cr3,
                             json_string(d.comm));
        } else if constexpr (std::is_same_v<T, tr::Fork>) {
          return fmt::format(
              "\"parent_pid\":{},\"child_pid\":{},\"child_task\":{},\"clone_flags\":{}",
              d.parent_pid, d.child_pid, d.child_task, d.clone_flags);
        } else if constexpr (std::is_same_v<T, tr::SyscallEntry>) {
          return fmt::format("\"nr\":{},\"args\":[{},{},{},{},{},{}]", d.nr, d.args[0], d.args[1],
                             d.args[2], d.args[3], d.args[4], d.args[5]);
        } else if constexpr (std::is_same_v<T, tr::SyscallExit>) {
          return fmt::format("\"nr\":{},\"result\":{}", d.nr, d.result);
        } else if constexpr (std::is_same_v<T, tr::Stop>) {
          return fmt::format("\"reason\":{},\"status\":{},\"message\":{}", d.reason, d.exit_status,
                             json_string(d.message));
        } else {
          return "";
        }
      },
      e.data);
}

std::vector<tr::EventKind> parse_kinds(const std::vector<std::string>& names) {
  std::vector<tr::EventKind> out;
  for (const auto& n : names) {
    tr::EventKind k;
    if (tr::event_kind_from_name(n, k)) {
      out.push_back(k);
      continue;
    }
    std::string known;
    for (std::size_t i = 0; i < tr::kEventKindCount; ++i)
      known +=
          fmt::format("{}{}", i ? ", " : "", tr::event_kind_name(static_cast<tr::EventKind>(i)));
    throw CliError(fmt::format("no event kind '{}' (known: {})", n, known));
  }
  return out;
}

}  // namespace fs::cli
