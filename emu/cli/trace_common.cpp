#include "emu/cli/trace_common.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "emu/cli/default_image.hpp"
#include "emu/cli/trace_programs.hpp"
#include "guest/include/abi.h"
#include "loader/bzimage.hpp"
#include "loader/elf_image.hpp"
#include "loader/kallsyms.hpp"
#include "loader/linux_boot.hpp"
#include "loader/linux_syscalls.hpp"
#include "loader/load_error.hpp"
#include "trace/syscall_names.hpp"
#include "x86/vectors.hpp"

namespace fs::cli {

namespace tr = fs::trace;

bool OpenTrace::code_at(std::uint32_t addr, std::uint8_t len, const std::uint8_t*& out) const {
  if (code_virtual_delta != 0 && addr >= code_virtual_delta) addr -= code_virtual_delta;
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
  return code_of(program_index(pid), addr, len, out);
}

bool OpenTrace::code_of(int k, std::uint32_t addr, std::uint8_t len,
                        const std::uint8_t*& out) const {
  if (code_at(addr, len, out)) return true;
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
  return symbols_of(program_index(pid));
}

const SymbolTable& OpenTrace::symbols_of(int k) const {
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

tr::RegFile state_after_iret(const tr::RegFile& next, const tr::Delivery* between) {
  tr::RegFile r = next;
  if (!between) return r;
  // The frame in push order (x86/delivery.hpp): [SS, ESP,] EFLAGS, CS, EIP[, error code].
  const std::vector<std::uint32_t>& f = between->frame;
  const std::size_t base = between->stack_switched ? 2 : 0;
  if (f.size() < base + 3) return r;
  if (between->stack_switched) {
    r[tr::Reg::kSs] = f[0] & 0xFFFFu;
    r[tr::Reg::kEsp] = f[1];
  }
  r[tr::Reg::kEflags] = f[base];
  r[tr::Reg::kCs] = between->from.cs;
  r[tr::Reg::kEip] = between->from.eip;
  r[tr::Reg::kCpl] = between->from.cs & 3u;
  return r;
}

std::string load_image(OpenTrace& t, const ImageRequest& req) {
  const std::string none =
      fmt::format("no image for {}'s symbols and code: pass it with {}", req.trace, req.option);
  std::string image = req.given;
  if (image.empty() && t.reader.header().image_name == "kernel.elf") image = default_image();
  if (image.empty()) return none;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(image, ec)) {
    if (!req.given.empty()) throw CliError(fmt::format("{}: no such image", image));
    return none;  // no kernel beside forkscope: addresses without symbols
  }
  bool is_linux = false;
  try {
    // The image as the loader places it: code bytes for disassembly, and its build id.
    std::vector<std::uint8_t> ram(64u << 20);
    std::vector<std::uint8_t> file = read_file(image);
    // A Linux bzImage: its vmlinux, placed as `run` placed it (loader/linux_boot.hpp).
    is_linux = is_bzimage(file);
    if (is_linux) file = bzimage_vmlinux(file, image);
    LoadedImage li =
        is_linux ? load_elf_segments(file, image, ram) : load_elf_bytes(file, image, ram);
    if (image_build_id(li, ram) != t.reader.header().build_id) {
      if (req.given.empty() && req.lenient)
        return fmt::format(
            "{} was recorded from another build than {}: no symbols or code for it (pass the "
            "image with {})",
            req.trace, image, req.option);
      throw CliError(fmt::format(
          "{}: recorded from a different image than {} (build ids differ); pass the image it was "
          "recorded from with {}",
          req.trace, image, req.option));
    }
    std::string note;  // a bzImage without kallsyms: addresses only, said once
    t.symbols =
        is_linux ? linux_symbols(file, image, note) : SymbolTable::from_elf_bytes(file, image);
    if (is_linux) {
      t.linux_syscalls = linux_syscall_names(file, t.symbols);
      // The ELF entry is startup_32's physical address (vmlinux.lds.S: ENTRY(phys_startup_32)).
      const std::optional<std::uint32_t> startup = t.symbols.address_of("startup_32");
      if (startup && *startup > li.entry) t.code_virtual_delta = *startup - li.entry;
    }
    if (!note.empty()) {
      std::fflush(stdout);
      fmt::print(stderr, "forkscope: warning: {}\n", note);
    }
    // Past the image nothing is the kernel's: a user address before its program is known (a
    // child's first instructions, exec's entry) shows as a number, not as "__bss_stop+0x...".
    if (!is_linux) t.symbols.set_limit(li.image_end);  // linux_symbols() set the virtual one
    t.code = std::move(ram);
  } catch (const LoadError& e) {
    throw CliError(e.what());
  }
  t.image_path = image;
  add_user_programs(t);
  t.linux_image = is_linux;
  // The forkscope kernel's pid events; Linux names the same functions but has none of them.
  t.kernel = !is_linux && t.symbols.address_of("ret_from_fork").has_value() &&
             t.symbols.address_of("__switch_to").has_value();
  return "";
}

void warn_if_truncated(const trace::Reader& r, const std::string& file) {
  if (!r.truncated()) return;
  std::fflush(stdout);
  fmt::print(stderr, "forkscope: warning: {}: {}\n", file, r.truncation_message());
}

trace::Reader open_reader(const std::string& file, bool warn) {
  try {
    trace::Reader r = tr::Reader::open(file);
    if (warn) warn_if_truncated(r, file);
    return r;
  } catch (const tr::TraceError& e) {
    throw CliError(e.what());
  }
}

OpenTrace open_trace(const TraceInput& in) {
  OpenTrace t{open_reader(in.file)};
  load_image(t, ImageRequest{in.image, in.file, "--image", false});
  if (!in.initrd.empty()) add_initrd_programs(t, in.initrd, in.file);
  return t;
}

std::string json_text(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void put_address(Json& j, const std::string& name, std::uint32_t v) {
  j[name] = v;
  j[name + "_hex"] = hex32(v);
}

std::string syscall_text(std::uint32_t nr) {
  const char* name = tr::syscall_name(nr);
  return name ? std::string(name) : fmt::format("nr {}", nr);
}

std::string OpenTrace::syscall_name(std::uint32_t nr) const {
  if (!linux_image) return syscall_text(nr);
  if (nr < linux_syscalls.size() && !linux_syscalls[nr].empty()) return linux_syscalls[nr];
  return fmt::format("nr {}", nr);
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
Json syscall_json(std::uint32_t nr) {
  const char* name = tr::syscall_name(nr);
  return name ? Json(name) : Json(nullptr);
}

std::string vector_name(std::uint8_t v) {
  return v < 32 ? fmt::format("{} (vector {})", vector_mnemonic(v), v)
                : fmt::format("vector {:#04x}", v);
}
const char* delivery_kind(tr::DeliveryKind k) {
  switch (k) {
    case tr::DeliveryKind::kException:
      return "exception";
    case tr::DeliveryKind::kSoftware:
      return "int";
    case tr::DeliveryKind::kExternal:
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
          // (Linux's, inferred from its instructions, has no TSS.esp0: 6.1's is the entry stack.)
          if (d.tss_esp0 == 0)
            return fmt::format("pid {} first runs (task {}, esp {}, stack top {})", d.pid,
                               hex32(d.task), hex32(d.esp), hex32(d.stack_top));
          return fmt::format("pid {} first runs (task {}, esp {}, TSS.esp0 {}, stack top {})",
                             d.pid, hex32(d.task), hex32(d.esp), hex32(d.tss_esp0),
                             hex32(d.stack_top));
        } else if constexpr (std::is_same_v<T, tr::UserSpace>) {
          return fmt::format("pid {} runs {} in ring 3 on the address space at CR3 {}", d.pid,
                             d.comm.empty() ? "?" : d.comm, hex32(d.cr3));
        } else if constexpr (std::is_same_v<T, tr::Fork>) {
          return fmt::format("pid {} creates pid {} {} (task {}, clone flags {:#x})", d.parent_pid,
                             d.child_pid, d.comm.empty() ? "?" : d.comm, hex32(d.child_task),
                             d.clone_flags);
        } else if constexpr (std::is_same_v<T, tr::SyscallEntry>) {
          return fmt::format("{} args {:#x} {:#x} {:#x} {:#x} {:#x} {:#x}", syscall_text(d.nr),
                             d.args[0], d.args[1], d.args[2], d.args[3], d.args[4], d.args[5]);
        } else if constexpr (std::is_same_v<T, tr::SyscallExit>) {
          return fmt::format("{} result {}", syscall_text(d.nr), d.result);
        } else if constexpr (std::is_same_v<T, tr::Stop>) {
          return fmt::format("status {}{}", d.exit_status,
                             d.message.empty() ? "" : ": " + d.message);
        } else {
          return "";
        }
      },
      e.data);
}

void event_json(Json& j, const tr::Event& e, const SymbolTable& syms) {
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, tr::Delivery>) {
          j["vector"] = d.vector;
          j["delivery"] = delivery_kind(d.kind);
          j["error_code"] = d.has_error_code ? Json(d.error_code) : Json(nullptr);
          j["from"] = far_ptr(d.from);
          j["from_symbol"] = syms.describe(d.from.eip);
          j["to"] = far_ptr(d.to);
          j["to_symbol"] = syms.describe(d.to.eip);
          j["stack_switched"] = d.stack_switched;
          put_address(j, "esp0", d.esp0_used);
          j["frame"] = d.frame;
          if (!d.writes.empty()) {  // version 3: the stores the frame push made
            Json w = Json::array();
            for (const auto& m : d.writes) {
              Json x{{"size", m.size}, {"value", m.value}};
              put_address(x, "addr", m.addr);
              w.push_back(std::move(x));
            }
            j["mem"] = std::move(w);
          }
        } else if constexpr (std::is_same_v<T, tr::Iret>) {
          j["frame"] = d.frame;
          j["from"] = far_ptr(d.from);
          j["from_symbol"] = syms.describe(d.from.eip);
          j["to"] = far_ptr(d.to);
          j["to_symbol"] = syms.describe(d.to.eip);
          j["cpl_before"] = d.cpl_before;
          j["cpl_after"] = d.cpl_after;
        } else if constexpr (std::is_same_v<T, tr::Hlt>) {
          j["idle_cycles"] = d.idle_cycles;
        } else if constexpr (std::is_same_v<T, tr::PortIo>) {
          j["port"] = d.port;
          j["size"] = d.size;
          j["write"] = d.is_write;
          j["value"] = d.value;
        } else if constexpr (std::is_same_v<T, tr::Switch>) {
          j["prev_pid"] = d.prev_pid;
          j["next_pid"] = d.next_pid;
          put_address(j, "prev_task", d.prev_task);
          put_address(j, "next_task", d.next_task);
        } else if constexpr (std::is_same_v<T, tr::RetFromFork>) {
          j["child_pid"] = d.pid;
          put_address(j, "task", d.task);
          put_address(j, "esp", d.esp);
          put_address(j, "tss_esp0", d.tss_esp0);
          put_address(j, "thread_esp0", d.thread_esp0);
          put_address(j, "stack_top", d.stack_top);
          j["pt_regs"] = d.regs;
        } else if constexpr (std::is_same_v<T, tr::UserSpace>) {
          j["pid"] = d.pid;
          put_address(j, "task", d.task);
          put_address(j, "cr3", d.cr3);
          j["comm"] = d.comm;
        } else if constexpr (std::is_same_v<T, tr::Fork>) {
          j["parent_pid"] = d.parent_pid;
          j["child_pid"] = d.child_pid;
          put_address(j, "child_task", d.child_task);
          j["clone_flags"] = d.clone_flags;
          j["comm"] = d.comm;
        } else if constexpr (std::is_same_v<T, tr::SyscallEntry>) {
          j["nr"] = d.nr;
          j["name"] = syscall_json(d.nr);
          j["args"] = d.args;
        } else if constexpr (std::is_same_v<T, tr::SyscallExit>) {
          j["nr"] = d.nr;
          j["name"] = syscall_json(d.nr);
          j["result"] = d.result;
        } else if constexpr (std::is_same_v<T, tr::Stop>) {
          j["reason"] = d.reason;
          j["status"] = d.exit_status;
          j["message"] = d.message;
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
