// `forkscope trace dump FILE`: a line of column headers, then one line per instruction -
//   seq cycle pid CPL function+offset address bytes text changes
// and for an int 0x80, "# name" of the system call EAX asks for.
// Disassembly comes from the guest image the trace was recorded from (the trace itself stores no
// code), decoded by Capstone once per address.
#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "emu/cli/trace_common.hpp"
#include "emu/cli/trace_programs.hpp"
#include "emu/cli/trace_tasks.hpp"
#include "x86/decoder.hpp"

namespace fs::cli {

namespace {

// What a line says about its address, formatted once per address: the columns from the function
// to the disassembly ("schedule+0x1c   0010ab3c  8b 43 04   mov eax, ...   "), and whether the
// address is inside the --symbol function.
struct Decoded {
  std::string columns;
  std::string where, bytes, text;  // the same one by one, for --json
  bool in_symbol = true;
  bool syscall = false;  // int 0x80: the line names the system call EAX asks for
};

// Appends v in decimal, right-aligned in `width` columns (fmt's "{:>W}" for an integer).
char* put_dec(char* p, std::uint64_t v, int width) {
  char tmp[24];
  char* e = tmp + sizeof tmp;
  char* b = e;
  do {
    *--b = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  for (int n = static_cast<int>(e - b); n < width; ++n) *p++ = ' ';
  std::memcpy(p, b, static_cast<std::size_t>(e - b));
  return p + (e - b);
}

// Appends v in lower-case hexadecimal without leading zeros ("{:x}").
char* put_hex(char* p, std::uint32_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  int shift = 28;
  while (shift > 0 && (v >> shift) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) *p++ = kDigits[(v >> shift) & 0xF];
  return p;
}

// Why a dump printed nothing, when the options asked for what the trace cannot have (status 2, as
// for an unknown --symbol): a pid that never runs, a --from past the end. "" when nothing is wrong.
std::string why_empty(const TraceDumpOptions& opt, const std::set<std::int64_t>& pids,
                      std::optional<std::uint64_t> last_seq, bool to_the_end) {
  if (opt.pid && !pids.count(*opt.pid)) {
    std::string ran;
    for (auto p : pids)
      if (p >= 0) ran += fmt::format("{}{}", ran.empty() ? "" : " ", p);
    return fmt::format(
        "trace dump: pid {} does not run {} ({})", *opt.pid,
        to_the_end || !last_seq ? std::string("in this trace")
                                : fmt::format("up to seq {}", opt.to_seq ? *opt.to_seq : *last_seq),
        ran.empty() ? "it records no task switches" : fmt::format("pids that do: {}", ran));
  }
  if (opt.from_seq && to_the_end && (!last_seq || *last_seq < *opt.from_seq))
    return fmt::format("trace dump: --from {} is past the trace's last instruction{}",
                       *opt.from_seq, last_seq ? fmt::format(" (seq {})", *last_seq) : "");
  return {};
}

// "  mem [0x00103ff8] <- 0x00000202 (4)": one memory write under its instruction (--mem).
std::string mem_line(const trace::MemWrite& w, const char* what = "") {
  return fmt::format("  mem [{:#010x}] <- {:#0{}x} ({}){}\n", w.addr, w.value, 2 + 2 * w.size,
                     w.size, what);
}

Json mem_json(std::span<const trace::MemWrite> mem) {
  Json a = Json::array();
  for (const auto& w : mem) {
    Json j{{"size", w.size}, {"value", w.value}};
    put_address(j, "addr", w.addr);
    a.push_back(std::move(j));
  }
  return a;
}

// One instruction as JSON (docs/json.md "trace dump --json").
Json insn_json(const trace::Instruction& in, std::int64_t pid, const Decoded& d, const OpenTrace& t,
               bool mem) {
  Json j{{"seq", in.seq}, {"cycle", in.cycle}, {"pid", pid}, {"cpl", in.before.cpl()}};
  put_address(j, "eip", in.eip);
  j["symbol"] = d.where;
  j["bytes"] = d.bytes;
  j["text"] = d.text;
  Json changes = Json::object();
  for (const auto& c : in.changes) changes[trace::reg_name(c.reg)] = c.value;
  j["changes"] = std::move(changes);
  if (d.syscall) j["syscall"] = t.syscall_name(in.before[trace::Reg::kEax]);
  if (mem) j["mem"] = mem_json(in.mem);
  return j;
}

// Each address's Decoded, made once (and, above the kernel's image, once per program the task
// runs): a direct-mapped front for the hot loop, the map behind it for the rest.
class DecodeCache {
 public:
  DecodeCache(const OpenTrace& t, const TraceDumpOptions& opt) : t_(t), opt_(opt) {}

  const Decoded& at(std::uint32_t eip, std::uint8_t len, std::int64_t running) {
    const int prog = eip >= t_.code.size() ? t_.program_index(running) : -1;
    const std::uint64_t key = (std::uint64_t(prog + 1) << 32) | eip;
    Front& f = front_[(eip ^ (eip >> 14)) & (front_.size() - 1)];
    if (f.d && f.key == key) return *f.d;
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, decode(eip, len, running, prog)).first;
    f = Front{key, &it->second};
    return it->second;
  }

 private:
  Decoded decode(std::uint32_t eip, std::uint8_t len, std::int64_t running, int prog) {
    const SymbolTable& syms = t_.symbols_of(prog);
    std::string text, bytes;
    const std::uint8_t* code = nullptr;
    if (t_.code_for(running, eip, len, code)) {
      text = dec_.disassemble(eip, code, len);
      for (std::uint8_t i = 0; i < len; ++i)
        bytes += fmt::format("{}{:02x}", i ? " " : "", code[i]);
    }
    if (text.empty())
      text = t_.image_path.empty() ? "(no code: pass the image with --image)"
                                   : "(no code: not in the image)";
    Decoded d;
    d.columns = fmt::format("{:<28} {:08x}  {:<20} {:<36}", syms.describe(eip), eip, bytes, text);
    if (opt_.in.json) d.where = syms.describe(eip), d.bytes = bytes, d.text = text;
    d.syscall = bytes == "cd 80";
    if (!opt_.symbol.empty()) {
      auto r = syms.lookup(eip);
      d.in_symbol = r && r->name == opt_.symbol;
    }
    return d;
  }

  struct Front {
    std::uint64_t key = ~0ull;
    const Decoded* d = nullptr;
  };
  const OpenTrace& t_;
  const TraceDumpOptions& opt_;
  Decoder dec_;
  std::unordered_map<std::uint64_t, Decoded> cache_;
  std::vector<Front> front_ = std::vector<Front>(1u << 14);
};

// Lines are built in place in one buffer and written out in 1 MiB blocks.
class LineBuffer {
 public:
  // Room for n more bytes; commit() says where the writing ended.
  char* reserve(std::size_t n) {
    if (out_.size() - used_ < n) out_.resize(used_ + n);
    return out_.data() + used_;
  }
  void commit(const char* end) {
    used_ = static_cast<std::size_t>(end - out_.data());
    if (used_ >= kBlock) flush();
  }
  void flush() {
    std::fwrite(out_.data(), 1, used_, stdout);
    used_ = 0;
  }

 private:
  static constexpr std::size_t kBlock = 1u << 20;
  std::vector<char> out_ = std::vector<char>(kBlock + (1u << 16));
  std::size_t used_ = 0;
};

// One instruction's text line into out (then its stores, with --mem):
// "{:>10} {:>12} {:>4} {} <columns>" then " reg=value" per change, and "  # name" for a system
// call.
void put_line(LineBuffer& out, const trace::Instruction& in, std::int64_t pid, const Decoded& d,
              const OpenTrace& t, bool mem) {
  // (A system call's name: "  # " and at most 32 more.)
  char* p = out.reserve(64 + d.columns.size() + 16 * in.changes.size() + (d.syscall ? 40 : 0));
  p = put_dec(p, in.seq, 10);
  *p++ = ' ';
  p = put_dec(p, in.cycle, 12);
  *p++ = ' ';
  if (pid < 0) {
    std::memcpy(p, "   -", 4);
    p += 4;
  } else {
    p = put_dec(p, static_cast<std::uint64_t>(pid), 4);
  }
  *p++ = ' ';
  p = put_dec(p, in.before.cpl(), 0);
  *p++ = ' ';
  std::memcpy(p, d.columns.data(), d.columns.size());
  p += d.columns.size();
  for (const auto& c : in.changes) {
    *p++ = ' ';
    const char* name = trace::reg_name(c.reg);
    const std::size_t n = std::strlen(name);
    std::memcpy(p, name, n);
    p += n;
    *p++ = '=';
    p = put_hex(p, c.value);
  }
  if (d.syscall) {
    const std::string call = "  # " + t.syscall_name(in.before[trace::Reg::kEax]);
    std::memcpy(p, call.data(), call.size());
    p += call.size();
  }
  *p++ = '\n';
  if (mem) {
    for (const auto& w : in.mem) {
      out.commit(p);
      const std::string l = mem_line(w);
      p = out.reserve(l.size() + 4096);
      std::memcpy(p, l.data(), l.size());
      p += l.size();
    }
  }
  out.commit(p);
}

// --mem: a delivery's stores, under the instruction before it.
void print_delivery_mem(const trace::Delivery& dv, const trace::Event& e, bool json) {
  if (json) {
    Json j{{"delivery", dv.vector}, {"seq", e.seq}, {"mem", mem_json(dv.writes)}};
    fmt::print("{}\n", json_text(j));
  } else {
    const std::string what = fmt::format("  # delivery of vector {:#04x}", dv.vector);
    for (const auto& w : dv.writes) fmt::print("{}", mem_line(w, what.c_str()));
  }
}

// Options the trace cannot satisfy at all (status 2 before any output).
void check_options(const TraceDumpOptions& opt, const OpenTrace& t) {
  if (!opt.symbol.empty()) {
    bool known = t.symbols.address_of(opt.symbol).has_value();
    for (const auto& prog : t.programs) known = known || prog.symbols.address_of(opt.symbol);
    if (!known)
      throw CliError(fmt::format("no symbol '{}' in {}", opt.symbol,
                                 t.image_path.empty() ? "the trace (no image)" : t.image_path));
  }
  if (opt.mem && !t.reader.has_memory())
    throw CliError(
        fmt::format("trace dump --mem: {} records no memory writes (trace format version {})",
                    opt.in.file, t.reader.header().version));
}

}  // namespace

int cmd_trace_dump(const TraceDumpOptions& opt) {
  if (opt.from_seq && opt.to_seq && *opt.from_seq > *opt.to_seq)
    throw CliError(
        fmt::format("trace dump: --from {} is after --to {}: no instruction is in between",
                    *opt.from_seq, *opt.to_seq));
  OpenTrace t = open_trace(opt.in);
  check_options(opt, t);
  // The pid column needs the tasks followed from the start (the kernel's switches, or Linux's
  // instructions); without tasks, seek straight there.
  const std::unique_ptr<TaskFollower> tasks = follow_tasks(t);
  const bool follow_insns = tasks->reads_instructions();
  if (opt.from_seq && !t.kernel && !follow_insns) t.reader.seek_seq(*opt.from_seq);
  DecodeCache decoded(t, opt);
  LineBuffer out;
  std::uint64_t lines = 0;
  std::set<std::int64_t> pids{tasks->pid()};  // the tasks that ran, for why_empty
  std::int64_t noted = tasks->pid();
  auto note_pid = [&] {
    if (tasks->pid() != noted) pids.insert(noted = tasks->pid());
  };
  std::optional<std::uint64_t> last_seq;
  bool to_the_end = true;
  // The column header goes before the first line: a dump that prints nothing prints nothing.
  bool header = opt.in.json;
  bool printed_last = false;  // the instruction before the next event was printed
  while (const trace::Step* s = t.reader.next()) {
    if (s->event) {
      // --mem: a delivery's stores follow the instruction before it, when that one was printed.
      const auto* dv = std::get_if<trace::Delivery>(&s->event->data);
      if (opt.mem && dv && printed_last && !dv->writes.empty()) {
        out.flush();
        print_delivery_mem(*dv, *s->event, opt.in.json);
      }
      track_programs(t, tasks->on_event(*s->event));
      note_pid();
      continue;
    }
    const auto& in = s->insn;
    if (follow_insns) {
      track_programs(t, tasks->on_insn(in));
      note_pid();
    }
    const std::int64_t pid = tasks->pid();
    last_seq = in.seq;
    printed_last = false;
    if (opt.from_seq && in.seq < *opt.from_seq) continue;
    if ((opt.to_seq && in.seq > *opt.to_seq) || (opt.count && lines >= *opt.count)) {
      to_the_end = false;
      break;
    }
    if (opt.pid && pid != *opt.pid) continue;
    if (opt.cpl && in.before.cpl() != *opt.cpl) continue;
    const Decoded& d = decoded.at(in.eip, in.len, pid);
    if (!d.in_symbol) continue;
    if (opt.in.json) {
      out.flush();
      fmt::print("{}\n", json_text(insn_json(in, pid, d, t, opt.mem)));
    } else {
      if (!header) {
        fmt::print("{:>10} {:>12} {:>4} {} {:<28} {:<8}  {:<20} {:<36} {}\n", "seq", "cycle", "pid",
                   "L", "where", "address", "bytes", "text", "changes");
        header = true;
      }
      put_line(out, in, pid, d, t, opt.mem);
    }
    printed_last = true;
    ++lines;
  }
  out.flush();
  if (lines == 0) {
    if (auto why = why_empty(opt, pids, last_seq, to_the_end); !why.empty()) throw CliError(why);
  }
  return 0;
}

}  // namespace fs::cli
