#include "emu/cli/trace_diff_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "emu/cli/trace_programs.hpp"
#include "emu/cli/trace_tasks.hpp"

namespace fs::cli {

namespace tr = fs::trace;

namespace {

constexpr std::size_t kEip = static_cast<std::size_t>(tr::Reg::kEip);

}  // namespace

std::vector<CtxLine> context(OpenTrace& t, bool kernel, const Mismatch& mm, const Rec& div,
                             const Masks& m) {
  const std::uint64_t s = mm.seq;
  const std::uint64_t first = s > kContext ? s - kContext : 0;
  const std::unique_ptr<TaskFollower> tasks = follow_tasks(t, kernel);
  std::vector<CtxLine> out;
  auto line = [&](const tr::Step* st, bool divergent) {
    out.push_back(CtxLine{copy_rec(st), tasks->pid(), t.program_index(tasks->pid()), divergent});
  };
  std::uint64_t events_at_s = 0;
  t.reader.rewind();
  while (const tr::Step* st = t.reader.next()) {
    if (st->event) {
      const tr::Event& e = *st->event;
      if (e.seq > s) break;
      if (e.seq >= first && !m.ignored(e)) {
        if (e.seq == s) {
          if (events_at_s == mm.events_at_seq) break;  // the divergent record's place
          ++events_at_s;
          line(st, false);
        } else if (e.seq != first) {  // (events before the first instruction shown are not)
          line(st, false);
        }
      }
      track_programs(t, tasks->on_event(e));
      continue;
    }
    if (st->insn.seq >= s) break;
    track_programs(t, tasks->on_insn(st->insn));
    if (st->insn.seq >= first) line(st, false);
  }
  if (div.type != Rec::kNone)
    out.push_back(CtxLine{div, tasks->pid(), t.program_index(tasks->pid()), true});
  return out;
}

const SymbolTable& symbols_at(const OpenTrace& t, const std::vector<CtxLine>& ctx) {
  return ctx.empty() ? t.symbols : t.symbols_of(ctx.back().program);
}

namespace {

struct Decoded {
  std::string where, bytes, text;
};

// As `trace dump` decodes it: above the kernel's image, from the program the task runs.
Decoded decode(const OpenTrace& t, int program, Decoder& dec, std::uint32_t eip, std::uint8_t len) {
  const int prog = eip >= t.code.size() ? program : -1;
  Decoded d;
  d.where = t.symbols_of(prog).describe(eip);
  const std::uint8_t* code = nullptr;
  if (t.code_of(prog, eip, len, code)) {
    d.text = dec.disassemble(eip, code, len);
    for (std::uint8_t i = 0; i < len; ++i)
      d.bytes += fmt::format("{}{:02x}", i ? " " : "", code[i]);
  }
  if (d.text.empty()) d.text = "(no code)";
  return d;
}

std::string pid_text(std::int64_t pid) {
  return pid < 0 ? std::string("-") : std::to_string(pid);
}

}  // namespace

std::string ctx_text(const CtxLine& l, const OpenTrace& t, Decoder& dec) {
  const Rec& r = l.rec;
  const char* mark = l.divergent ? ">" : " ";
  if (r.type == Rec::kEvent)
    return fmt::format("{} {:>10} {:>12} {:>4}   event {} {}", mark, r.seq, r.cycle,
                       pid_text(l.pid), tr::event_kind_name(r.event.kind()),
                       event_text(r.event, t.symbols_of(l.program)));
  const Decoded d = decode(t, l.program, dec, r.eip, r.len);
  return fmt::format("{} {:>10} {:>12} {:>4} {} {:<28} {:08x}  {:<20} {}", mark, r.seq, r.cycle,
                     pid_text(l.pid), r.before.cpl(), d.where, r.eip, d.bytes, d.text);
}

Json ctx_json(const CtxLine& l, const OpenTrace& t, Decoder& dec) {
  const Rec& r = l.rec;
  Json j{{"seq", r.seq}, {"cycle", r.cycle}, {"pid", l.pid}, {"divergent", l.divergent}};
  if (r.type == Rec::kEvent) {
    j["event"] = tr::event_kind_name(r.event.kind());
    event_json(j, r.event, t.symbols_of(l.program));
    return j;
  }
  const Decoded d = decode(t, l.program, dec, r.eip, r.len);
  j["cpl"] = r.before.cpl();
  put_address(j, "eip", r.eip);
  j["symbol"] = d.where;
  j["bytes"] = d.bytes;
  j["text"] = d.text;
  return j;
}

namespace {

struct Differ {
  const SymbolTable& ia;
  const SymbolTable& ib;
  std::vector<Diff> out;
  const Masks* mk = nullptr;

  std::string sym(const SymbolTable& syms, std::uint32_t a) const {
    return syms.empty() ? std::string() : fmt::format(" <{}>", syms.describe(a));
  }
  void add(std::string text, Json json) { out.push_back(Diff{std::move(text), std::move(json)}); }
  // "a" and "b", and when the text shows them in hex, "a_hex" and "b_hex" as it shows them.
  static void values(Json& j, std::uint64_t a, std::uint64_t b, bool hex) {
    j["a"] = a;
    j["b"] = b;
    if (!hex) return;
    j["a_hex"] = fmt::format("{:#x}", a);
    j["b_hex"] = fmt::format("{:#x}", b);
  }
  static Json event_field(const char* kind, const std::string& field) {
    return Json{{"what", "event_field"}, {"event", kind}, {"field", field}};
  }

  void eip(std::uint32_t a, std::uint32_t b) {
    add(fmt::format("EIP: {}{} in A, {}{} in B", hex32(a), sym(ia, a), hex32(b), sym(ib, b)),
        Json{{"what", "eip"},
             {"a", a},
             {"b", b},
             {"a_hex", hex32(a)},
             {"b_hex", hex32(b)},
             {"a_symbol", ia.describe(a)},
             {"b_symbol", ib.describe(b)}});
  }
  void value(const char* what, std::uint64_t a, std::uint64_t b) {
    add(fmt::format("{}: {} in A, {} in B", what, a, b), Json{{"what", what}, {"a", a}, {"b", b}});
  }
  void reg(tr::Reg r, const char* when, std::uint32_t a, std::uint32_t b) {
    add(fmt::format("{} {} the instruction: {} in A, {} in B", tr::reg_name(r), when, hex32(a),
                    hex32(b)),
        Json{{"what", "register"},
             {"register", tr::reg_name(r)},
             {"when", when},
             {"a", a},
             {"b", b},
             {"a_hex", hex32(a)},
             {"b_hex", hex32(b)}});
  }
  // An event field; hex for addresses and words.
  void field(const tr::Event& e, const std::string& name, std::uint64_t a, std::uint64_t b,
             bool hex) {
    if (a == b) return;
    const char* kind = tr::event_kind_name(e.kind());
    Json j = event_field(kind, name);
    values(j, a, b, hex);
    add(fmt::format("{} {}: {} in A, {} in B", kind, name,
                    hex ? fmt::format("{:#x}", a) : fmt::format("{}", a),
                    hex ? fmt::format("{:#x}", b) : fmt::format("{}", b)),
        std::move(j));
  }
  void signed_field(const tr::Event& e, const std::string& name, std::int64_t a, std::int64_t b) {
    if (a == b) return;
    const char* kind = tr::event_kind_name(e.kind());
    Json j = event_field(kind, name);
    j["a"] = a;
    j["b"] = b;
    add(fmt::format("{} {}: {} in A, {} in B", kind, name, a, b), std::move(j));
  }
  // A text field (a comm, a message), quoted.
  void text_field(const tr::Event& e, const std::string& name, const std::string& a,
                  const std::string& b) {
    if (a == b) return;
    const char* kind = tr::event_kind_name(e.kind());
    Json j = event_field(kind, name);
    j["a"] = a;
    j["b"] = b;
    add(fmt::format("{} {}: \"{}\" in A, \"{}\" in B", kind, name, a, b), std::move(j));
  }
  void far(const tr::Event& e, const char* name, const tr::FarPtr& a, const tr::FarPtr& b) {
    if (a == b) return;
    const char* kind = tr::event_kind_name(e.kind());
    add(fmt::format("{} {}: {}{} in A, {}{} in B", kind, name, far_ptr(a), sym(ia, a.eip),
                    far_ptr(b), sym(ib, b.eip)),
        [&] {
          Json j = event_field(kind, name);
          j["a"] = far_ptr(a);
          j["b"] = far_ptr(b);
          return j;
        }());
  }
  // A list of words (an interrupt frame, pt_regs): its length, then each word that differs, named.
  void words(const tr::Event& e, const char* name, const std::vector<std::uint32_t>& a,
             const std::vector<std::uint32_t>& b, const std::vector<const char*>& names) {
    const char* kind = tr::event_kind_name(e.kind());
    if (a.size() != b.size())
      add(fmt::format("{} {} length: {} words in A, {} in B", kind, name, a.size(), b.size()), [&] {
        Json j = event_field(kind, fmt::format("{} length", name));
        values(j, a.size(), b.size(), false);
        return j;
      }());
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      if (a[i] == b[i]) continue;
      const char* w = i < names.size() ? names[i] : "";
      add(fmt::format("{} {} word {}{}{}{}: {} in A, {} in B", kind, name, i, *w ? " (" : "", w,
                      *w ? ")" : "", hex32(a[i]), hex32(b[i])),
          Json{{"what", "frame_word"},
               {"event", kind},
               {"field", name},
               {"index", i},
               {"word", w},
               {"a", a[i]},
               {"b", b[i]},
               {"a_hex", hex32(a[i])},
               {"b_hex", hex32(b[i])}});
    }
  }

  void events(const tr::Event& a, const tr::Event& b) {
    if (a.kind() != b.kind()) {
      add(fmt::format("event: {} ({}) in A, {} ({}) in B", tr::event_kind_name(a.kind()),
                      event_text(a, ia), tr::event_kind_name(b.kind()), event_text(b, ib)),
          Json{{"what", "event_kind"},
               {"a", tr::event_kind_name(a.kind())},
               {"b", tr::event_kind_name(b.kind())}});
      return;
    }
    if (a.cycle != b.cycle) field(a, "cycle", a.cycle, b.cycle, false);
    static const std::vector<const char*> kPtRegs = {"ebx", "ecx", "edx",    "esi", "edi",
                                                     "ebp", "eax", "ds",     "es",  "orig_eax",
                                                     "eip", "cs",  "eflags", "esp", "ss"};
    static const std::vector<const char*> kSyscallArgs = {"ebx", "ecx", "edx", "esi", "edi", "ebp"};
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          const T& y = std::get<T>(b.data);
          if constexpr (std::is_same_v<T, tr::Delivery>) {
            field(a, "vector", x.vector, y.vector, true);
            field(a, "kind", static_cast<unsigned>(x.kind), static_cast<unsigned>(y.kind), false);
            field(a, "has error code", x.has_error_code, y.has_error_code, false);
            field(a, "error code", x.error_code, y.error_code, true);
            far(a, "from", x.from, y.from);
            far(a, "to", x.to, y.to);
            field(a, "stack switched", x.stack_switched, y.stack_switched, false);
            field(a, "esp0", x.esp0_used, y.esp0_used, true);
            std::vector<const char*> n;
            if (x.stack_switched) n = {"ss", "esp"};
            for (const char* w : {"eflags", "cs", "eip", "error code"}) n.push_back(w);
            words(a, "frame", x.frame, y.frame, n);
            if (mk->mem) writes("delivery", 0, x.writes, y.writes);
          } else if constexpr (std::is_same_v<T, tr::Iret>) {
            words(a, "frame", x.frame, y.frame, {"eip", "cs", "eflags", "esp", "ss"});
            field(a, "cpl before", x.cpl_before, y.cpl_before, false);
            field(a, "cpl after", x.cpl_after, y.cpl_after, false);
            far(a, "from", x.from, y.from);
            far(a, "to", x.to, y.to);
          } else if constexpr (std::is_same_v<T, tr::Hlt>) {
            field(a, "idle cycles", x.idle_cycles, y.idle_cycles, false);
          } else if constexpr (std::is_same_v<T, tr::PortIo>) {
            field(a, "port", x.port, y.port, true);
            field(a, "size", x.size, y.size, false);
            field(a, "write", x.is_write, y.is_write, false);
            field(a, "value", x.value, y.value, true);
          } else if constexpr (std::is_same_v<T, tr::Switch>) {
            signed_field(a, "prev pid", x.prev_pid, y.prev_pid);
            signed_field(a, "next pid", x.next_pid, y.next_pid);
            field(a, "prev task", x.prev_task, y.prev_task, true);
            field(a, "next task", x.next_task, y.next_task, true);
          } else if constexpr (std::is_same_v<T, tr::RetFromFork>) {
            signed_field(a, "pid", x.pid, y.pid);
            field(a, "task", x.task, y.task, true);
            field(a, "esp", x.esp, y.esp, true);
            words(a, "pt_regs", x.regs, y.regs, kPtRegs);
            field(a, "TSS.esp0", x.tss_esp0, y.tss_esp0, true);
            field(a, "thread.esp0", x.thread_esp0, y.thread_esp0, true);
            field(a, "stack top", x.stack_top, y.stack_top, true);
          } else if constexpr (std::is_same_v<T, tr::Fork>) {
            signed_field(a, "parent pid", x.parent_pid, y.parent_pid);
            signed_field(a, "child pid", x.child_pid, y.child_pid);
            field(a, "clone flags", x.clone_flags, y.clone_flags, true);
            field(a, "child task", x.child_task, y.child_task, true);
            words(a, "parent pt_regs", x.parent_regs, y.parent_regs, kPtRegs);
            text_field(a, "comm", x.comm, y.comm);
          } else if constexpr (std::is_same_v<T, tr::UserSpace>) {
            signed_field(a, "pid", x.pid, y.pid);
            field(a, "task", x.task, y.task, true);
            field(a, "cr3", x.cr3, y.cr3, true);
            text_field(a, "comm", x.comm, y.comm);
          } else if constexpr (std::is_same_v<T, tr::SyscallEntry>) {
            field(a, "nr", x.nr, y.nr, false);
            for (std::size_t i = 0; i < x.args.size(); ++i)
              field(a, fmt::format("argument {} ({})", i, kSyscallArgs[i]), x.args[i], y.args[i],
                    true);
          } else if constexpr (std::is_same_v<T, tr::SyscallExit>) {
            field(a, "nr", x.nr, y.nr, false);
            signed_field(a, "result", x.result, y.result);
          } else if constexpr (std::is_same_v<T, tr::Stop>) {
            field(a, "reason", x.reason, y.reason, false);
            signed_field(a, "exit status", x.exit_status, y.exit_status);
            text_field(a, "message", x.message, y.message);
          }
        },
        a.data);
  }

  // An event one side has where the other has something else (an instruction, a later event, the
  // end of its trace).
  void only(const char* side, const char* other, const Rec& e, const SymbolTable& img, const Rec& o,
            const SymbolTable& other_img) {
    const std::string instead =
        o.type == Rec::kInsn    ? fmt::format("{} runs instruction {} at {}{}", other, o.seq,
                                              hex32(o.eip), sym(other_img, o.eip))
        : o.type == Rec::kEvent ? fmt::format("{}'s next event is {} at seq {}", other,
                                              tr::event_kind_name(o.event.kind()), o.seq)
                                : fmt::format("{} has ended", other);
    Json j{{"what", "event_only"}, {"in", side}, {"event", tr::event_kind_name(e.event.kind())}};
    event_json(j, e.event, img);
    add(fmt::format("event {} only in {} ({}); {}", tr::event_kind_name(e.event.kind()), side,
                    event_text(e.event, img), instead),
        std::move(j));
  }

  // The events right after two differing instructions, where they differ: "then" lines.
  void then_events(const std::vector<tr::Event>& a, const std::vector<tr::Event>& b) {
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      if (i < a.size() && i < b.size() && same_event(a[i], b[i], *mk)) continue;
      for (int side = 0; side < 2; ++side) {
        const auto& v = side ? b : a;
        if (i >= v.size()) continue;
        const tr::Event& e = v[i];
        const char* name = side ? "B" : "A";
        Json j{{"what", "then_event"},
               {"in", name},
               {"seq", e.seq},
               {"event", tr::event_kind_name(e.kind())}};
        event_json(j, e, side ? ib : ia);
        add(fmt::format("then, before seq {}, {} has event {} ({})", e.seq, name,
                        tr::event_kind_name(e.kind()), event_text(e, side ? ib : ia)),
            std::move(j));
      }
    }
  }

  void instructions(const Rec& a, const Rec& b, const Masks& m) {
    if (a.cycle != b.cycle) value("cycle", a.cycle, b.cycle);
    const bool same_place = a.eip == b.eip || m.ignore_reg[kEip];
    if (!same_place) eip(a.eip, b.eip);
    if (a.len != b.len) value("instruction length", a.len, b.len);
    for (std::size_t i = 0; i < tr::kRegCount; ++i)
      if (i != kEip && !m.ignore_reg[i] && a.before.v[i] != b.before.v[i])
        reg(static_cast<tr::Reg>(i), "before", a.before.v[i], b.before.v[i]);
    if (!same_place) return;  // two different instructions: what they did is no news
    const std::size_t before = out.size();
    for (std::size_t i = 0; i < tr::kRegCount; ++i)
      if (i != kEip && !m.ignore_reg[i] && a.after.v[i] != b.after.v[i])
        reg(static_cast<tr::Reg>(i), "after", a.after.v[i], b.after.v[i]);
    // The registers still agree: the first store that differs is the news (issue 15).
    if (m.mem && out.size() == before) writes("instruction", a.eip, a.mem, b.mem);
  }

  static std::string store_text(const tr::MemWrite& w) {
    return fmt::format("[{}] <- {:#0{}x} ({})", hex32(w.addr), w.value, 2 + 2 * w.size, w.size);
  }
  static Json store_json(const tr::MemWrite& w) {
    return Json{{"address", w.addr},
                {"address_hex", hex32(w.addr)},
                {"size", w.size},
                {"value", w.value},
                {"value_hex", fmt::format("{:#x}", w.value)}};
  }
  // The first memory write that differs between two lists of one instruction (at eip) or one
  // delivery: its index, both stores (or that one side has none), and for an instruction where.
  void writes(const char* by, std::uint32_t eip, std::span<const tr::MemWrite> a,
              std::span<const tr::MemWrite> b) {
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    if (i == a.size() && i == b.size()) return;
    const bool insn = std::string_view(by) == "instruction";
    const std::string what =
        insn ? fmt::format("of the instruction at {}{}", hex32(eip), sym(ia, eip))
             : std::string("of the delivery");
    const std::string ta = i < a.size() ? store_text(a[i]) : "no write";
    const std::string tb = i < b.size() ? store_text(b[i]) : "no write";
    Json j{{"what", "memory_write"}, {"by", by}, {"index", i}};
    j["a"] = i < a.size() ? store_json(a[i]) : Json(nullptr);
    j["b"] = i < b.size() ? store_json(b[i]) : Json(nullptr);
    if (insn) {
      j["eip"] = eip;
      j["eip_hex"] = hex32(eip);
      j["symbol"] = ia.describe(eip);
    }
    add(fmt::format("memory write {} {}: {} in A, {} in B", i, what, ta, tb), std::move(j));
  }

  void records(const Mismatch& mm, const Masks& m, std::uint64_t count_a, std::uint64_t count_b) {
    const Rec& a = mm.a;
    const Rec& b = mm.b;
    const std::uint64_t seq = mm.seq;
    if (a.type == Rec::kNone || b.type == Rec::kNone) {
      const bool a_ended = a.type == Rec::kNone;
      const Rec& o = a_ended ? b : a;
      const char* side = a_ended ? "A" : "B";
      if (o.type == Rec::kEvent && o.seq == seq) {
        only(a_ended ? "B" : "A", side, o, a_ended ? ib : ia, a_ended ? a : b, a_ended ? ia : ib);
        return;
      }
      add(fmt::format("{} ends after {} instructions; {} goes on with instruction {} at {}{}", side,
                      a_ended ? count_a : count_b, a_ended ? "B" : "A", o.seq, hex32(o.eip),
                      sym(a_ended ? ib : ia, o.eip)),
          Json{{"what", "end"}, {"in", side}, {"instructions", a_ended ? count_a : count_b}});
      return;
    }
    if (a.type == Rec::kEvent && (b.type != Rec::kEvent || a.seq < b.seq)) {
      only("A", "B", a, ia, b, ib);
      return;
    }
    if (b.type == Rec::kEvent && (a.type != Rec::kEvent || b.seq < a.seq)) {
      only("B", "A", b, ib, a, ia);
      return;
    }
    if (a.type == Rec::kEvent) {
      events(a.event, b.event);
      return;
    }
    instructions(a, b, m);
    then_events(mm.then_a, mm.then_b);
  }
};

}  // namespace

std::vector<Diff> differences(const Mismatch& mm, const Masks& m, const SymbolTable& sa,
                              const SymbolTable& sb, std::uint64_t count_a, std::uint64_t count_b) {
  Differ d{sa, sb, {}, &m};
  d.records(mm, m, count_a, count_b);
  return std::move(d.out);
}

}  // namespace fs::cli
