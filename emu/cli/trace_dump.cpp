// `forkscope trace dump FILE`: one line per instruction -
//   seq cycle pid CPL function+offset address bytes text changes
// Disassembly comes from the guest image the trace was recorded from (the trace itself stores no
// code), decoded by Capstone once per address.
#include <fmt/format.h>

#include <cstdio>
#include <unordered_map>

#include "emu/block_cache.hpp"
#include "emu/cli/trace_common.hpp"

namespace fs::cli {

namespace {

struct Decoded {
  std::string text;   // "mov eax, dword ptr [ebx + 4]"
  std::string bytes;  // "8b 43 04"
  std::string where;  // "schedule+0x1c"
};

}  // namespace

int cmd_trace_dump(const TraceDumpOptions& opt) {
  OpenTrace t = open_trace(opt.in);
  std::optional<SymbolRef> only;
  if (!opt.symbol.empty()) {
    if (!t.symbols.address_of(opt.symbol))
      throw CliError(fmt::format("no symbol '{}' in {}", opt.symbol,
                                 t.image_path.empty() ? "the trace (no image)" : t.image_path));
  }
  // A pid filter or pid column needs the switches from the start; otherwise seek straight there.
  if (opt.from_seq && !t.kernel) t.reader.seek_seq(*opt.from_seq);
  Decoder dec;
  std::unordered_map<std::uint32_t, Decoded> cache;
  PidTracker pid(t.kernel);
  fmt::memory_buffer out;
  std::uint64_t lines = 0;
  auto flush = [&out] {
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
  };
  while (const trace::Step* s = t.reader.next()) {
    if (s->event) {
      pid.on_event(*s->event);
      continue;
    }
    const auto& in = s->insn;
    if (opt.from_seq && in.seq < *opt.from_seq) continue;
    if (opt.to_seq && in.seq > *opt.to_seq) break;
    if (opt.count && lines >= *opt.count) break;
    if (opt.pid && pid.pid() != *opt.pid) continue;
    if (opt.cpl && in.before.cpl() != *opt.cpl) continue;
    auto it = cache.find(in.eip);
    if (it == cache.end()) {
      Decoded d;
      const std::uint8_t* code = nullptr;
      if (t.code_at(in.eip, in.len, code)) {
        d.text = dec.disassemble(in.eip, code, in.len);
        for (std::uint8_t i = 0; i < in.len; ++i)
          d.bytes += fmt::format("{}{:02x}", i ? " " : "", code[i]);
      }
      if (d.text.empty()) d.text = "(no code: pass the image with --image)";
      d.where = t.symbols.describe(in.eip);
      it = cache.emplace(in.eip, std::move(d)).first;
    }
    if (!opt.symbol.empty()) {
      auto r = t.symbols.lookup(in.eip);
      if (!r || r->name != opt.symbol) continue;
    }
    const Decoded& d = it->second;
    fmt::format_to(std::back_inserter(out), "{:>10} {:>12} {:>4} {} {:<28} {:08x}  {:<20} {:<36}",
                   in.seq, in.cycle, pid.pid() < 0 ? std::string("-") : std::to_string(pid.pid()),
                   in.before.cpl(), d.where, in.eip, d.bytes, d.text);
    for (const auto& c : in.changes)
      fmt::format_to(std::back_inserter(out), " {}={:x}", trace::reg_name(c.reg), c.value);
    out.push_back('\n');
    ++lines;
    if (out.size() > (1u << 16)) flush();
  }
  flush();
  return 0;
}

}  // namespace fs::cli
